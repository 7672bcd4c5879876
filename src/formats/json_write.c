/* The NDJSON and JSON writers: one object per row, keys in column order, nulls written as null,
 * either one object per line (NDJSON) or the objects as a top-level array (JSON).
 *
 * Each column's key text ("name":) is escaped once in begin and copied for every row, so the
 * per-value work is the value alone. Values are written so that the JSON reader reads them back
 * to the same type and value: floats always carry a '.', an exponent or a fraction ("3" is
 * written 3.0, or it would come back as an int64); dates and timestamps are ISO-8601 strings,
 * which the reader infers back. NaN and ±Infinity have no JSON spelling, so they are written as
 * null: the one place where a round trip loses a value. Column names are written as they are,
 * so dotted names stay flat keys ("user.city"), which the reader maps back to the same column.
 * Output goes to w->out; formats.c moves it to the file or buffer (dn_writer_flush). */
#include <math.h>
#include <string.h>

#include "formats_int.h"

struct jw_state {
	int lines;
	struct dn_buf keys; /* escaped key texts, with separators */
	size_t *key_off;    /* nkeys + 1 offsets into keys */
	int nkeys;
	int64_t rows;
};

/* Bytes that need an escape: 1 (use \u00XX) or the letter of a short escape. */
/* clang-format off */
static const char json_esc[256] = {
	1,   1,   1,   1,   1,   1,   1,   1,   'b', 't', 'n', 1,   'f', 'r', 1,   1,
	1,   1,   1,   1,   1,   1,   1,   1,   1,   1,   1,   1,   1,   1,   1,   1,
	0,   0,   '"', 0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,
	0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,
	0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,
	0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   '\\', 0,  0,   0,
};
/* clang-format on */

int dn_json_put_string(struct dn_buf *out, const char *p, size_t n, struct dn_error *err)
{
	static const char hex[] = "0123456789abcdef";
	DN_TRY(dn_buf_reserve(out, n + 2, err));
	out->data[out->len++] = '"';
	size_t i = 0;
	while (i < n) {
		size_t run = i;
		while (i < n && !json_esc[(unsigned char)p[i]] && (signed char)p[i] >= 0)
			i++;
		if (i > run)
			DN_TRY(dn_buf_append(out, p + run, i - run, err));
		if (i == n)
			break;
		if ((signed char)p[i] < 0) {
			/* Non-ASCII bytes: the well-formed ones as they are, U+FFFD for a bad
			 * byte (a cut character, or not UTF-8): the output is always valid JSON. */
			size_t end = i, good;
			while (end < n && (signed char)p[end] < 0)
				end++;
			int ok = dn_utf8_valid(p + i, end - i, &good);
			if (ok)
				good = end - i;
			while (!ok && good > 0 && !dn_utf8_valid(p + i, good, NULL))
				good--; /* a cut character: its lead byte is the bad one */
			DN_TRY(dn_buf_append(out, p + i, good, err));
			i += good;
			if (!ok) {
				DN_TRY(dn_buf_append(out, "\\ufffd", 6, err));
				i++;
			}
			continue;
		}
		unsigned char c = (unsigned char)p[i++];
		char e[6] = {'\\', (char)json_esc[c], 0, 0, 0, 0};
		size_t k = 2;
		if (json_esc[c] == 1) {
			e[1] = 'u';
			e[2] = '0';
			e[3] = '0';
			e[4] = hex[c >> 4];
			e[5] = hex[c & 15];
			k = 6;
		}
		DN_TRY(dn_buf_append(out, e, k, err));
	}
	return dn_buf_putc(out, '"', err);
}

static int put_value(struct dn_buf *out, const struct dn_column *c, int64_t i, struct dn_error *err)
{
	char t[48];
	int n;
	if (dn_column_is_null(c, i))
		return dn_buf_append(out, "null", 4, err);
	switch (c->type) {
	case DN_BOOL:
		return dn_column_bool(c, i) ? dn_buf_append(out, "true", 4, err) :
					      dn_buf_append(out, "false", 5, err);
	case DN_INT64: {
		/* digits by hand: snprintf is the slow part of writing numbers */
		int64_t v = dn_column_i64(c, i);
		uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
		char *e = t + sizeof t, *p = e;
		do {
			*--p = (char)('0' + u % 10);
			u /= 10;
		} while (u);
		if (v < 0)
			*--p = '-';
		return dn_buf_append(out, p, (size_t)(e - p), err);
	}
	case DN_FLOAT64: {
		double v = dn_column_f64(c, i);
		if (!isfinite(v)) /* NaN and Infinity are not JSON */
			return dn_buf_append(out, "null", 4, err);
		n = dn_format_f64(v, t);
		if (!memchr(t, '.', (size_t)n) && !memchr(t, 'e', (size_t)n) &&
		    !memchr(t, 'E', (size_t)n) && !memchr(t, 'n', (size_t)n)) {
			t[n++] = '.';
			t[n++] = '0';
		}
		return dn_buf_append(out, t, (size_t)n, err);
	}
	case DN_DATE:
		t[0] = '"';
		n = dn_date_format(dn_column_date(c, i), t + 1);
		t[n + 1] = '"';
		return dn_buf_append(out, t, (size_t)n + 2, err);
	case DN_TIMESTAMP:
		t[0] = '"';
		n = dn_timestamp_format(dn_column_i64(c, i), t + 1);
		t[n + 1] = '"';
		return dn_buf_append(out, t, (size_t)n + 2, err);
	case DN_STRING: {
		struct dn_str s = dn_column_str(c, i);
		return dn_json_put_string(out, s.ptr, s.len, err);
	}
	}
	return dn_error_set(err, DN_EINTERNAL, "JSON writer: column of unknown type");
}

static int jw_begin(struct dn_writer *w, const struct dn_batch *first, struct dn_error *err,
		    int lines)
{
	struct jw_state *st = dn_calloc(1, sizeof *st);
	if (!st)
		return dn_error_set(err, DN_ENOMEM, "out of memory starting JSON output");
	w->state = st;
	st->lines = lines;
	st->nkeys = first->schema.nfields;
	st->key_off = dn_calloc((size_t)st->nkeys + 1, sizeof *st->key_off);
	if (!st->key_off)
		return dn_error_set(err, DN_ENOMEM, "out of memory starting JSON output");
	int pretty = !lines && w->opt.pretty;
	for (int c = 0; c < st->nkeys; c++) {
		const char *name = first->schema.fields[c].name;
		if (pretty)
			DN_TRY(dn_buf_puts(&st->keys, c ? ",\n    " : "\n    ", err));
		else if (c)
			DN_TRY(dn_buf_putc(&st->keys, ',', err));
		DN_TRY(dn_json_put_string(&st->keys, name, strlen(name), err));
		DN_TRY(dn_buf_puts(&st->keys, pretty ? ": " : ":", err));
		st->key_off[c + 1] = st->keys.len;
	}
	return 0;
}

static int ndjson_begin(struct dn_writer *w, const struct dn_batch *first, struct dn_error *err)
{
	return jw_begin(w, first, err, 1);
}

static int json_begin(struct dn_writer *w, const struct dn_batch *first, struct dn_error *err)
{
	return jw_begin(w, first, err, 0);
}

static int jw_write(struct dn_writer *w, const struct dn_batch *b, struct dn_error *err)
{
	struct jw_state *st = w->state;
	struct dn_buf *out = &w->out;
	int pretty = !st->lines && w->opt.pretty;
	int ncols = b->schema.nfields < st->nkeys ? b->schema.nfields : st->nkeys;
	for (int64_t i = 0; i < b->nrows; i++) {
		if (!st->lines)
			DN_TRY(dn_buf_append(out, st->rows ? ",\n" : "[\n", 2, err));
		if (pretty)
			DN_TRY(dn_buf_append(out, "  ", 2, err));
		DN_TRY(dn_buf_putc(out, '{', err));
		for (int c = 0; c < ncols; c++) {
			DN_TRY(dn_buf_append(out, st->keys.data + st->key_off[c],
					     st->key_off[c + 1] - st->key_off[c], err));
			DN_TRY(put_value(out, &b->columns[c], i, err));
		}
		if (pretty && ncols)
			DN_TRY(dn_buf_append(out, "\n  ", 3, err));
		DN_TRY(dn_buf_putc(out, '}', err));
		if (st->lines)
			DN_TRY(dn_buf_putc(out, '\n', err));
		st->rows++;
		DN_TRY(dn_writer_flush(w, (size_t)1 << 20, err));
	}
	return 0;
}

static int jw_end(struct dn_writer *w, struct dn_error *err)
{
	struct jw_state *st = w->state;
	if (!st || st->lines)
		return 0;
	if (st->rows == 0)
		return dn_buf_append(&w->out, "[]\n", 3, err);
	return dn_buf_append(&w->out, "\n]\n", 3, err);
}

static void jw_free(struct dn_writer *w)
{
	struct jw_state *st = w->state;
	if (!st)
		return;
	dn_buf_release(&st->keys);
	dn_free(st->key_off);
	dn_free(st);
	w->state = NULL;
}

const struct dn_writer_ops dn_ndjson_writer_ops = {ndjson_begin, jw_write, jw_end, jw_free};
const struct dn_writer_ops dn_json_writer_ops = {json_begin, jw_write, jw_end, jw_free};
