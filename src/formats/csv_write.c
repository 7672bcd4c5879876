/* CSV writer. Quotes a field only when it must be quoted to read back as the same value: it holds
 * the delimiter, a quote, CR or LF; it is an empty string (an empty unquoted field is null); it
 * equals a null token; or it is a string that would otherwise be read as another type ("12",
 * "true", "2024-01-31") — dunya's reader takes a quoted field as text. Floats always carry a
 * '.', an exponent, or inf/nan, so a float column reads back as floats. */
#include <string.h>

#include "formats_int.h"

/* Bytes that force quoting: quotes, line ends, and every delimiter candidate (quoting those
 * keeps a reader's delimiter detection right on one-column output: "a;b" alone on its lines
 * would look like two ';' fields). The writer's own delimiter is checked separately. */
static const unsigned char special[256] =
	{['"'] = 1, ['\n'] = 1, ['\r'] = 1, [','] = 1, [';'] = 1, ['\t'] = 1, ['|'] = 1};

static int needs_quotes(const char *p, size_t n, char delim, int is_string)
{
	if (n == 0)
		return 1;
	const unsigned char *u = (const unsigned char *)p;
	unsigned char d = (unsigned char)delim;
	for (size_t i = 0; i < n; i++)
		if (special[u[i]] || u[i] == d)
			return 1;
	if (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) /* would be taken for a byte-order mark */
		return 1;
	if (p[0] == ' ' || p[n - 1] == ' ')
		return 1;
	/* Null tokens: NA, N/A, NULL, null. */
	if ((n == 2 && !memcmp(p, "NA", 2)) || (n == 3 && !memcmp(p, "N/A", 3)) ||
	    (n == 4 && (!memcmp(p, "NULL", 4) || !memcmp(p, "null", 4))))
		return 1;
	return is_string && dn_infer_text(p, n) != 0;
}

static int put_field(struct dn_buf *out, const char *p, size_t n, char delim, int is_string,
		     struct dn_error *err)
{
	if (!needs_quotes(p, n, delim, is_string))
		return dn_buf_append(out, p, n, err);
	DN_TRY(dn_buf_reserve(out, 2 * n + 2, err));
	char *d = out->data + out->len;
	*d++ = '"';
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '"')
			*d++ = '"';
		*d++ = p[i];
	}
	*d++ = '"';
	out->len = (size_t)(d - out->data);
	out->data[out->len] = 0;
	return 0;
}

/* Write v's digits at d; returns the end. */
static char *put_i64(char *d, int64_t v)
{
	char tmp[24];
	int i = 24;
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	do {
		tmp[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		tmp[--i] = '-';
	memcpy(d, tmp + i, (size_t)(24 - i));
	return d + (24 - i);
}

/* The most bytes value i of c can take (a string quoted with every byte doubled). */
static size_t value_bound(const struct dn_column *c, int64_t i)
{
	if (c->type == DN_STRING)
		return 2 * (size_t)(c->offsets[i + 1] - c->offsets[i]) + 2;
	return 48;
}

/* Write value i of c at d (room checked by the caller); returns the end. */
static char *put_value(char *d, const struct dn_column *c, int64_t i, char delim)
{
	if (dn_column_is_null(c, i))
		return d;
	switch (c->type) {
	case DN_BOOL:
		if (dn_column_bool(c, i)) {
			memcpy(d, "true", 4);
			return d + 4;
		}
		memcpy(d, "false", 5);
		return d + 5;
	case DN_INT64:
		return put_i64(d, dn_column_i64(c, i));
	case DN_FLOAT64:
		return d + dn_format_f64(dn_column_f64(c, i), d);
	case DN_DATE:
		return d + dn_date_format(dn_column_date(c, i), d);
	case DN_TIMESTAMP:
		return d + dn_timestamp_format(dn_column_i64(c, i), d);
	case DN_STRING: {
		struct dn_str s = dn_column_str(c, i);
		if (!needs_quotes(s.ptr, s.len, delim, 1)) {
			memcpy(d, s.ptr, s.len);
			return d + s.len;
		}
		*d++ = '"';
		for (size_t k = 0; k < s.len; k++) {
			if (s.ptr[k] == '"')
				*d++ = '"';
			*d++ = s.ptr[k];
		}
		*d++ = '"';
		return d;
	}
	}
	return d;
}

static int csv_begin(struct dn_writer *w, const struct dn_batch *first, struct dn_error *err)
{
	if (w->opt.no_header || first->schema.nfields == 0)
		return 0;
	for (int i = 0; i < first->schema.nfields; i++) {
		const char *nm = first->schema.fields[i].name;
		if (i)
			DN_TRY(dn_buf_putc(&w->out, w->opt.delimiter, err));
		DN_TRY(put_field(&w->out, nm, strlen(nm), w->opt.delimiter, 0, err));
	}
	return dn_buf_puts(&w->out, w->opt.crlf ? "\r\n" : "\n", err);
}

static int csv_write(struct dn_writer *w, const struct dn_batch *b, struct dn_error *err)
{
	int ncols = b->schema.nfields;
	char delim = w->opt.delimiter;
	for (int64_t r = 0; r < b->nrows; r++) {
		/* Room for the whole row first, then the values go straight into the buffer. */
		size_t need = (size_t)ncols + 2;
		for (int c = 0; c < ncols; c++)
			need += value_bound(&b->columns[c], r);
		DN_TRY(dn_buf_reserve(&w->out, need, err));
		char *d = w->out.data + w->out.len;
		for (int c = 0; c < ncols; c++) {
			if (c)
				*d++ = delim;
			d = put_value(d, &b->columns[c], r, delim);
		}
		if (w->opt.crlf)
			*d++ = '\r';
		*d++ = '\n';
		w->out.len = (size_t)(d - w->out.data);
		w->out.data[w->out.len] = 0;
		if ((r & 1023) == 1023)
			DN_TRY(dn_writer_flush(w, (size_t)1 << 20, err));
	}
	return 0;
}

static int csv_end(struct dn_writer *w, struct dn_error *err)
{
	(void)w;
	(void)err;
	return 0;
}

const struct dn_writer_ops dn_csv_writer_ops = {csv_begin, csv_write, csv_end, NULL};
