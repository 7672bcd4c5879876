/* CSV writer. Quotes a field only when it must be quoted to read back as the same value: it holds
 * the delimiter, a quote, CR or LF; it is an empty string (an empty unquoted field is null); it
 * equals a null token; or it is a string that would otherwise be read as another type ("12",
 * "true", "2024-01-31") — dunya's reader takes a quoted field as text. Floats always carry a
 * '.', an exponent, or inf/nan, so a float column reads back as floats. */
#include <string.h>

#include "formats_int.h"

static const char *null_like[] = {"NA", "N/A", "NULL", "null"};

static int needs_quotes(const char *p, size_t n, char delim, int is_string)
{
	if (n == 0)
		return 1;
	/* Quoting also any delimiter candidate keeps a reader's delimiter detection right on
	 * one-column output ("a;b" alone on its lines would look like two ';' fields). */
	for (size_t i = 0; i < n; i++) {
		char ch = p[i];
		if (ch == delim || ch == '"' || ch == '\n' || ch == '\r' || ch == ',' ||
		    ch == ';' || ch == '\t' || ch == '|')
			return 1;
	}
	if (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) /* would be taken for a byte-order mark */
		return 1;
	if (p[0] == ' ' || p[0] == '\t' || p[n - 1] == ' ' || p[n - 1] == '\t')
		return 1;
	for (size_t i = 0; i < sizeof null_like / sizeof null_like[0]; i++)
		if (strlen(null_like[i]) == n && memcmp(null_like[i], p, n) == 0)
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

static int put_i64(struct dn_buf *out, int64_t v, struct dn_error *err)
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
	return dn_buf_append(out, tmp + i, (size_t)(24 - i), err);
}

static int put_value(struct dn_buf *out, const struct dn_column *c, int64_t i, char delim,
		     struct dn_error *err)
{
	char tmp[48];
	int n;
	if (dn_column_is_null(c, i))
		return 0;
	switch (c->type) {
	case DN_BOOL:
		return dn_buf_puts(out, dn_column_bool(c, i) ? "true" : "false", err);
	case DN_INT64:
		return put_i64(out, dn_column_i64(c, i), err);
	case DN_FLOAT64:
		n = dn_format_f64(dn_column_f64(c, i), tmp);
		return dn_buf_append(out, tmp, (size_t)n, err);
	case DN_DATE:
		n = dn_date_format(dn_column_date(c, i), tmp);
		return dn_buf_append(out, tmp, (size_t)n, err);
	case DN_TIMESTAMP:
		n = dn_timestamp_format(dn_column_i64(c, i), tmp);
		return dn_buf_append(out, tmp, (size_t)n, err);
	case DN_STRING: {
		struct dn_str s = dn_column_str(c, i);
		return put_field(out, s.ptr, s.len, delim, 1, err);
	}
	}
	return dn_error_set(err, DN_EINTERNAL, "unknown column type");
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
	const char *eol = w->opt.crlf ? "\r\n" : "\n";
	int ncols = b->schema.nfields;
	for (int64_t r = 0; r < b->nrows; r++) {
		for (int c = 0; c < ncols; c++) {
			if (c)
				DN_TRY(dn_buf_putc(&w->out, w->opt.delimiter, err));
			DN_TRY(put_value(&w->out, &b->columns[c], r, w->opt.delimiter, err));
		}
		DN_TRY(dn_buf_puts(&w->out, eol, err));
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
