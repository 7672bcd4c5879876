/* CSV reader: RFC 4180 plus the real-world files around it, parsed on every core.
 *
 * The input is cut into chunks of about 4 MiB that end on a record boundary. Finding that
 * boundary needs the quote state, so the cut is made by a serial scan that jumps from quote to
 * quote with memchr (a file without quotes costs one memchr and one memrchr per chunk); the same
 * rule decides quoting in the parser: a field is quoted only when its first byte is '"', and a
 * quote anywhere else is an ordinary character. A chunk without any quote is cut into fields
 * from the offsets of its delimiters and newlines, found 64 bytes at a time in one scan; a chunk
 * with quotes is tokenized field by field. Workers parse whole chunks into typed batches
 * independently; dn_reader_next hands the results out in file order, adds the line offsets (a
 * chunk only knows its lines relative to its start) and writes bad rows to the rejects file.
 *
 * Types come from a sample of the first rows (data.h has the rules). When a later value does not
 * fit an inferred type, the worker widens the column and re-parses its chunk; chunks parsed
 * meanwhile with the narrower type are re-parsed in order when they are handed out. Each column
 * can widen at most three times (int -> float -> string), so the extra work is bounded. A value
 * that does not fit a type the user declared is a bad row instead.
 *
 * Memory: at most `window` chunks (2 per thread + 1) are in flight, each holding its input bytes
 * and its batches, so memory is bounded whatever the file size. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "formats_int.h"

#define CHUNK_BYTES ((size_t)4 << 20)
#define PAD 64         /* zeroed bytes after every chunk: SIMD loads may read past the end */
#define RUN_RESTART 16 /* records row by row after a column run failed, and the next run's cap */
#define SAMPLE_BYTES ((size_t)4 << 20)
#define MAX_WIDEN_RESTARTS 64

struct field {
	const char *p;
	uint32_t len;
	uint8_t quoted;  /* began with a quote */
	uint8_t escaped; /* holds doubled quotes to undo */
};

struct reject {
	int64_t rel_line; /* 0-based line within the chunk */
	int64_t column;
	char *reason;
	char *record;
	size_t record_len;
};

/* One chunk of input and, once parsed, its result. */
struct chunk {
	char *buf; /* len bytes + PAD */
	size_t len;
	int64_t seq;
	int ready;
	int input_error; /* the producer failed on this chunk: err holds it */
	struct dn_error err;
	int fatal; /* fail policy hit a bad row: err holds it with a relative line */
	int64_t err_rel_line;
	/* result */
	enum dn_type *types; /* types the batches were built with */
	struct dn_batch **batches;
	int nbatches;
	struct reject *rejects;
	int nrejects;
	int64_t records;
	int64_t skipped;
	int64_t lines;       /* newlines in the chunk */
	int64_t *widen_line; /* per column: relative line of the first value that widened it */
};

struct csv {
	char delim;
	int ncols;
	unsigned char *declared; /* per column */
	/* The file's columns (fs: their names and types as read) and, with --columns, the ones
	 * handed out: in[k] is the file column of output column k, out[i] the output column of
	 * file column i, and skip[i] marks one that is not read (tokenized, never converted).
	 * r->schema holds the output columns. */
	struct dn_schema fs;
	int nout;
	int *in, *out;
	unsigned char *skip;     /* NULL: every column, in file order */
	int null_empty;          /* "" is a null token */
	unsigned null_len_mask;  /* bit n set: a null token of length n (< 32) exists */
	int null_long;           /* a null token of 32 bytes or more exists */
	uint8_t null_first[256]; /* 1: a (non-empty) null token starts with this byte */
	/* input, under mu */
	char *carry;
	size_t carry_len, carry_cap;
	int eof;
	int64_t next_seq;
	int64_t next_emit;
	int64_t line_base; /* 1-based line of the next chunk's first line */
	/* threads */
	int nthreads;
	int started;
	int stop;
	int window;
	struct chunk **slots; /* window entries, by seq % window */
	pthread_t *threads;
	pthread_mutex_t mu;
	pthread_cond_t cond_ready, cond_space;
	/* batches ready to hand out */
	struct chunk *current;
	int current_next;
	int64_t first_row;
	int emitted_empty;
	int fatal_pending; /* a bad row under the fail policy: report after the rows before it */
	struct dn_error fatal_err;
};

/* ---- small helpers ---- */

/* Find the first delimiter or newline at or after p. The chunk ends with a newline sentinel in
 * its padding, so this always stops. */
static inline const char *find_special(const char *p, char delim)
{
#if defined(__SSE2__)
	const __m128i vd = _mm_set1_epi8(delim), vn = _mm_set1_epi8('\n');
	for (;;) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
		unsigned m = (unsigned)_mm_movemask_epi8(
			_mm_or_si128(_mm_cmpeq_epi8(x, vd), _mm_cmpeq_epi8(x, vn)));
		if (m)
			return p + __builtin_ctz(m);
		p += 16;
	}
#else
	while (*p != delim && *p != '\n')
		p++;
	return p;
#endif
}

static void *grow_array(void *p, int n, size_t size)
{
	/* Power-of-two capacity: grow when n is 0 or a power of two. */
	if (n == 0)
		return dn_realloc(p, size * 4);
	if (n >= 4 && (n & (n - 1)) == 0)
		return dn_realloc(p, size * (size_t)n * 2);
	return p;
}

/* Tokenize one record starting at p (a record start) within [p, end). Fields beyond maxf are
 * counted but not stored. Returns the position after the record's newline (or end), sets *nf,
 * adds the newlines crossed to *lines, and *bad to a reason for malformed quoting (or NULL).
 * end must point at a '\n' sentinel (the padding), never read as data. */
static const char *tokenize(const char *p, const char *end, char delim, struct field *f, int maxf,
			    int *nf, int64_t *lines, const char **bad, const char **bad_at)
{
	int n = 0;
	*bad = NULL;
	for (;;) {
		struct field cur;
		if (*p == '"' && p < end) {
			const char *s = p + 1, *q;
			cur.quoted = 1;
			cur.escaped = 0;
			for (;;) {
				q = memchr(s, '"', (size_t)(end - s));
				if (!q) {
					if (!*bad) {
						*bad = "unterminated quoted field (a quote "
						       "opens it "
						       "and none closes it)";
						*bad_at = p;
					}
					q = end;
					break;
				}
				if (q + 1 < end && q[1] == '"') {
					cur.escaped = 1;
					s = q + 2;
					continue;
				}
				break;
			}
			for (const char *t = p + 1; (t = memchr(t, '\n', (size_t)(q - t))) != NULL;
			     t++)
				(*lines)++;
			cur.p = p + 1;
			cur.len = (uint32_t)(q - (p + 1));
			p = q < end ? q + 1 : end;
			if (p < end && *p != delim && *p != '\n' &&
			    !(*p == '\r' && p + 1 < end && p[1] == '\n') &&
			    !(*p == '\r' && p + 1 == end)) {
				if (!*bad) {
					*bad = "unexpected text after a closing quote "
					       "(quotes inside a "
					       "quoted field must be doubled)";
					*bad_at = p;
				}
				p = find_special(p, delim);
				if (p > end)
					p = end;
			}
			if (p < end && *p == '\r')
				p++;
		} else {
			const char *e = find_special(p, delim);
			if (e > end)
				e = end;
			cur.p = p;
			cur.quoted = 0;
			cur.escaped = 0;
			cur.len = (uint32_t)(e - p);
			p = e;
			if ((p == end || *p == '\n') && cur.len && cur.p[cur.len - 1] == '\r')
				cur.len--;
		}
		if (n < maxf)
			f[n] = cur;
		n++;
		if (p < end && *p == delim) {
			p++;
			continue;
		}
		if (p < end) { /* newline */
			p++;
			(*lines)++;
		}
		break;
	}
	*nf = n;
	return p;
}

int dn_csv_general_only;

/* A chunk without quotes is cut into fields by its delimiters and newlines alone: their
 * offsets, found 64 bytes at a time, once per chunk (through the sentinel newline at len).
 * pos needs room for len + 1 offsets. */
static size_t index_fields(const char *buf, size_t len, char delim, uint32_t *pos)
{
	size_t n = 0;
	for (size_t i = 0; i <= len; i += 64) {
		uint64_t m = 0;
#if defined(__SSE2__)
		const __m128i vd = _mm_set1_epi8(delim), vn = _mm_set1_epi8('\n');
		for (int q = 0; q < 4; q++) {
			__m128i x =
				_mm_loadu_si128((const __m128i *)(const void *)(buf + i + 16 * q));
			unsigned b = (unsigned)_mm_movemask_epi8(
				_mm_or_si128(_mm_cmpeq_epi8(x, vd), _mm_cmpeq_epi8(x, vn)));
			m |= (uint64_t)b << (16 * q);
		}
#else
		for (int q = 0; q < 64 && i + q <= len; q++)
			m |= (uint64_t)(buf[i + q] == delim || buf[i + q] == '\n') << q;
#endif
		if (len + 1 - i < 64)
			m &= (UINT64_C(1) << (len + 1 - i)) - 1;
		while (m) {
			pos[n++] = (uint32_t)(i + (size_t)__builtin_ctzll(m));
			m &= m - 1;
		}
	}
	return n;
}

/* tokenize for a chunk without quotes, from its field offsets (index_fields): *k is the next
 * offset to use, advanced past the record's. Same results as tokenize on such a chunk. */
static const char *tokenize_indexed(const char *p, const char *base, const char *end,
				    const uint32_t *pos, size_t *k, struct field *f, int maxf,
				    int *nf, int64_t *lines)
{
	int n = 0;
	for (;;) {
		const char *e = base + pos[(*k)++];
		struct field cur = {p, (uint32_t)(e - p), 0, 0};
		int last = e == end || *e == '\n';
		if (last && cur.len && p[cur.len - 1] == '\r')
			cur.len--;
		if (n < maxf)
			f[n] = cur;
		n++;
		if (!last) {
			p = e + 1;
			continue;
		}
		if (e < end) {
			(*lines)++;
			e++;
		}
		*nf = n;
		return e;
	}
}

/* Copy a quoted field with doubled quotes undone into dst; returns the length. */
static size_t unescape(const struct field *f, char *dst)
{
	size_t o = 0;
	for (uint32_t i = 0; i < f->len; i++) {
		dst[o++] = f->p[i];
		if (f->p[i] == '"' && i + 1 < f->len && f->p[i + 1] == '"')
			i++;
	}
	return o;
}

static DN_INLINE int is_null_field(const struct dn_reader *r, const struct csv *c,
				   const struct field *f)
{
	if (f->quoted)
		return f->len == 0 ? -1 : 0; /* quoted "": null for typed columns, "" for strings */
	if (f->len == 0)
		return c->null_empty;
	if (f->len < 32 && !(c->null_len_mask & (1u << f->len)))
		return 0;
	if (f->len >= 32 && !c->null_long)
		return 0;
	/* Numbers, dates and most words never start a null token: no comparisons for them. */
	if (!c->null_first[(uint8_t)f->p[0]])
		return 0;
	return dn_reader_is_null(r, f->p, f->len);
}

/* ---- value conversion (the hot path) ---- */

static const double pow10_exact[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
				     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
				     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static int conv_i64(const char *p, size_t n, int lenient, int64_t *out);

/* The rare forms, out of the hot loops: spaces around, a sign alone, more than 18 digits. */
static int conv_i64_slow(const char *p, size_t n, int lenient, int64_t *out)
{
	struct dn_str s = dn_str_trim(dn_str_make(p, n));
	if (s.len != n) /* surrounding spaces */
		return conv_i64(s.ptr, s.len, lenient, out);
	if (!lenient) {
		size_t j = (s.len && (s.ptr[0] == '-' || s.ptr[0] == '+')) ? 1 : 0;
		if (j < s.len && s.ptr[j] == '0' && s.len - j > 1)
			return -1;
	}
	return dn_parse_i64(s.ptr, s.len, out) == 0 ? 0 : -1;
}

/* Integer: strict form unless declared (leading zeros keep a column text). */
static DN_INLINE int conv_i64(const char *p, size_t n, int lenient, int64_t *out)
{
	size_t i = 0;
	int neg = 0;
	if (n && (*p == '-' || *p == '+')) {
		neg = *p == '-';
		i = 1;
	}
	if (i == n || n - i > 18)
		goto slow;
	if (!lenient && p[i] == '0' && n - i > 1)
		return -1;
	uint64_t v = 0;
	for (; i < n; i++) {
		unsigned d = (unsigned)(p[i] - '0');
		if (d > 9)
			goto slow;
		v = v * 10 + d;
	}
	*out = neg ? -(int64_t)v : (int64_t)v;
	return 0;
slow:
	return conv_i64_slow(p, n, lenient, out);
}

/* The forms the fast path leaves to the library: exponents, many digits, spaces around. */
static int conv_f64_slow(const char *p, size_t n, int lenient, double *out)
{
	struct dn_str s = dn_str_trim(dn_str_make(p, n));
	if (!lenient) {
		int lz = 0;
		size_t j = (s.len && (s.ptr[0] == '-' || s.ptr[0] == '+')) ? 1 : 0;
		size_t k = j;
		while (k < s.len && (unsigned)(s.ptr[k] - '0') <= 9)
			k++;
		lz = k == s.len && k > j + 1 && s.ptr[j] == '0';
		if (lz)
			return -1;
	}
	return dn_parse_f64(s.ptr, s.len, out) == 0 ? 0 : -1;
}

/* Float: exact fast path for up to 15 significant digits and small exponents (Clinger), the
 * correctly rounded library path otherwise. */
static DN_INLINE int conv_f64(const char *p, size_t n, int lenient, double *out)
{
	size_t i = 0;
	int neg = 0;
	if (n && (*p == '-' || *p == '+')) {
		neg = *p == '-';
		i = 1;
	}
	uint64_t m = 0;
	int digits = 0, frac = 0, any = 0;
	size_t int_start = i;
	while (i < n && (unsigned)(p[i] - '0') <= 9) {
		if (digits || p[i] != '0')
			digits++;
		m = m * 10 + (unsigned)(p[i] - '0');
		i++;
		any = 1;
		if (digits > 15)
			goto slow;
	}
	if (i == n) {
		/* Integer text in a float column: same leading-zero rule as ints. */
		if (!any || (!lenient && p[int_start] == '0' && n - int_start > 1))
			goto slow;
		*out = neg ? -(double)m : (double)m;
		return 0;
	}
	if (p[i] == '.') {
		i++;
		while (i < n && (unsigned)(p[i] - '0') <= 9) {
			if (digits || p[i] != '0')
				digits++;
			m = m * 10 + (unsigned)(p[i] - '0');
			i++;
			frac++;
			any = 1;
			if (digits > 15)
				goto slow;
		}
	}
	if (!any)
		goto slow;
	int e = 0;
	if (i < n && (p[i] == 'e' || p[i] == 'E'))
		goto slow;
	if (i != n)
		goto slow;
	e -= frac;
	if (e < -22 || e > 22)
		goto slow;
	double d = (double)m;
	d = e < 0 ? d / pow10_exact[-e] : d * pow10_exact[e];
	*out = neg ? -d : d;
	return 0;
slow:
	return conv_f64_slow(p, n, lenient, out);
}

static inline int conv_bool(const char *p, size_t n, int *out)
{
	if (n == 4 && (p[0] | 0x20) == 't' && (p[1] | 0x20) == 'r' && (p[2] | 0x20) == 'u' &&
	    (p[3] | 0x20) == 'e') {
		*out = 1;
		return 0;
	}
	if (n == 5 && (p[0] | 0x20) == 'f' && (p[1] | 0x20) == 'a' && (p[2] | 0x20) == 'l' &&
	    (p[3] | 0x20) == 's' && (p[4] | 0x20) == 'e') {
		*out = 0;
		return 0;
	}
	struct dn_str s = dn_str_trim(dn_str_make(p, n));
	if (s.len != n)
		return conv_bool(s.ptr, s.len, out);
	return -1;
}

/* dn_is_ascii for a field inside the chunk: its last word may read into the bytes after it (the
 * chunk has PAD bytes after its end), masked by byte position so byte order does not matter. */
static DN_INLINE int ascii_in_chunk(const char *p, size_t n)
{
	static const unsigned char high[16] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80};
	uint64_t acc = 0, w, m;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		memcpy(&w, p + i, 8);
		acc |= w;
	}
	memcpy(&m, high + 8 - (n - i), 8); /* the first n - i bytes' high bits */
	memcpy(&w, p + i, 8);
	return ((acc & UINT64_C(0x8080808080808080)) | (w & m)) == 0;
}

/* Undo the last value of a builder (a row that turned out bad after some of its columns were
 * appended). */
static void builder_pop(struct dn_builder *b)
{
	int64_t i = b->length - 1;
	if (b->validity.data && !((((uint8_t *)b->validity.data)[i >> 3] >> (i & 7)) & 1))
		b->null_count--;
	if (b->validity.data)
		((uint8_t *)b->validity.data)[i >> 3] &= (uint8_t) ~(1u << (i & 7));
	b->length = i;
	switch (b->type) {
	case DN_BOOL:
		b->values.len -= 1;
		break;
	case DN_DATE:
		b->values.len -= 4;
		break;
	case DN_STRING:
		b->offsets.len -= 8;
		b->data.len = (size_t)((int64_t *)b->offsets.data)[i];
		break;
	default:
		b->values.len -= 8;
		break;
	}
}

/* ---- chunk parsing ---- */

struct parse_ctx {
	struct dn_reader *r;
	struct csv *c;
	struct chunk *ch;
	enum dn_type *types;
	struct dn_builder *b;
	struct dn_builder *ob; /* with --columns: the output columns' builders, for a batch */
	struct field *f;
	struct dn_buf scratch;
	uint32_t *pos; /* a chunk without quotes: its field offsets (index_fields); else NULL */
	int64_t rows_in_batch;
	int widen_col; /* set when a value did not fit an inferred type */
	enum dn_type widen_to;
	int64_t run_cap;    /* most rows the next run may convert (convert_run) */
	int64_t row_by_row; /* records to take row by row before the next run */
	int misfit_col;     /* the column whose value last stopped a run */
	int ascii;          /* with --columns: the chunk is all ASCII (columns left out need no
			     * UTF-8 check) */
};

enum conv_rc { CONV_OK = 0, CONV_MISFIT = 1, CONV_UTF8 = 2 };

/* Append field f to builder b of column col. CONV_MISFIT when it does not fit the type. */
static int convert(struct parse_ctx *x, int col, const struct field *f, struct dn_error *err)
{
	struct dn_builder *b = &x->b[col];
	if (x->c->skip && x->c->skip[col]) /* not read, but a row with bad UTF-8 is bad anyway */
		return x->ascii || dn_is_ascii(f->p, f->len) || dn_utf8_valid(f->p, f->len, NULL) ?
			       CONV_OK :
			       CONV_UTF8;
	const char *p = f->p;
	size_t n = f->len;
	int nul = is_null_field(x->r, x->c, f);
	if (nul == -1)
		nul = b->type != DN_STRING;
	if (nul)
		return dn_builder_put_null(b, err) < 0 ? DN_ENOMEM : CONV_OK;
	if (f->escaped) {
		DN_TRY(dn_buf_reserve(&x->scratch, n, err));
		n = unescape(f, x->scratch.data);
		p = x->scratch.data;
	}
	int lenient = x->c->declared[col];
	switch (b->type) {
	case DN_INT64: {
		int64_t v;
		if (conv_i64(p, n, lenient, &v) < 0)
			return CONV_MISFIT;
		dn_builder_put_i64(b, v);
		return CONV_OK;
	}
	case DN_FLOAT64: {
		double v;
		if (conv_f64(p, n, lenient, &v) < 0)
			return CONV_MISFIT;
		dn_builder_put_f64(b, v);
		return CONV_OK;
	}
	case DN_TIMESTAMP:
	case DN_DATE: {
		int64_t v;
		int kind = dn_time_parse(p, n, &v);
		if (kind < 0) {
			struct dn_str s = dn_str_trim(dn_str_make(p, n));
			kind = s.len != n ? dn_time_parse(s.ptr, s.len, &v) : kind;
		}
		if (kind < 0 || (b->type == DN_DATE && kind != DN_TIME_DATE))
			return CONV_MISFIT;
		if (b->type == DN_DATE) {
			dn_builder_put_date(b, (int32_t)v);
		} else {
			dn_builder_put_i64(b, kind == DN_TIME_DATE ? v * DN_USEC_PER_DAY : v);
		}
		return CONV_OK;
	}
	case DN_BOOL: {
		int v;
		if (conv_bool(p, n, &v) < 0)
			return CONV_MISFIT;
		dn_builder_put_bool(b, v);
		return CONV_OK;
	}
	case DN_STRING:
		if (!dn_is_ascii(p, n) && !dn_utf8_valid(p, n, NULL))
			return CONV_UTF8;
		if (b->data.len + n + 1 > b->data.cap)
			DN_TRY(dn_buf_reserve(&b->data, n, err));
		dn_builder_put_str(b, p, n);
		return CONV_OK;
	}
	return DN_EINTERNAL;
}

/* The type a value that did not fit `from` needs. */
static enum dn_type widen_for(enum dn_type from, const struct field *f, int infer_quoted)
{
	unsigned m = (f->quoted && !infer_quoted) ? 0 : dn_infer_text(f->p, f->len);
	enum dn_type t = DN_STRING;
	if (m & DN_CAN_BOOL)
		t = DN_BOOL;
	else if (m & DN_CAN_INT)
		t = DN_INT64;
	else if (m & DN_CAN_FLOAT)
		t = DN_FLOAT64;
	else if (m & DN_CAN_DATE)
		t = DN_DATE;
	else if (m & DN_CAN_TS)
		t = DN_TIMESTAMP;
	if (f->escaped)
		t = DN_STRING;
	return dn_type_widen(from, t);
}

static int reserve_batch(struct parse_ctx *x, struct dn_error *err)
{
	for (int i = 0; i < x->c->ncols; i++)
		if (!x->c->skip || !x->c->skip[i])
			DN_TRY(dn_builder_reserve(&x->b[i], x->r->opt.batch_rows, 0, err));
	return 0;
}

static int flush_batch(struct parse_ctx *x, struct dn_error *err)
{
	struct chunk *ch = x->ch;
	struct csv *c = x->c;
	struct dn_schema s;
	dn_schema_init(&s);
	for (int k = 0; k < c->nout; k++) {
		int i = c->skip ? c->in[k] : k;
		int rc = dn_schema_add(&s, c->fs.fields[i].name, strlen(c->fs.fields[i].name),
				       x->types[i], err);
		if (rc < 0) {
			dn_schema_release(&s);
			return rc;
		}
		if (c->skip)
			x->ob[k] = x->b[i];
	}
	struct dn_batch *bt = dn_batch_from_builders(&s, c->skip ? x->ob : x->b, err);
	for (int k = 0; c->skip && k < c->nout; k++)
		x->b[c->in[k]] = x->ob[k]; /* finished: empty again, their buffers kept */
	dn_schema_release(&s);
	if (!bt)
		return DN_ENOMEM;
	struct dn_batch **nb = grow_array(ch->batches, ch->nbatches, sizeof *nb);
	if (!nb) {
		dn_batch_free(bt);
		return dn_error_set(err, DN_ENOMEM, "out of memory");
	}
	ch->batches = nb;
	ch->batches[ch->nbatches++] = bt;
	x->rows_in_batch = 0;
	return 0;
}

/* Field col of row r of a run of regular records: q holds the run's field ends (ncols a row),
 * the first row starts at offset start. Sets *n to its length. */
static DN_INLINE const char *run_field(const char *buf, const uint32_t *q, size_t start, int ncols,
				       int64_t r, int col, uint32_t *n)
{
	const uint32_t *e = q + r * ncols + col;
	size_t s = (col || r) ? (size_t)e[-1] + 1 : start;
	uint32_t len = (uint32_t)(*e - s);
	if (col == ncols - 1 && len && buf[s + len - 1] == '\r')
		len--;
	*n = len;
	return buf + s;
}

/* Append column col of the run's first n rows to its builder, with the same rules as convert.
 * Returns the rows appended: n, or fewer when a value does not fit (that row is left to the
 * row path, which reports or widens), or < 0 on error (memory). */
static int64_t convert_column(struct parse_ctx *x, int col, const uint32_t *q, size_t start,
			      int64_t n, struct dn_error *err)
{
	struct dn_builder *b = &x->b[col];
	const char *buf = x->ch->buf;
	int ncols = x->c->ncols, lenient = x->c->declared[col];
	int64_t r = 0;
	struct field f = {NULL, 0, 0, 0};
	if (x->c->skip && x->c->skip[col]) {
		/* not converted; only a field that is not UTF-8 stops the run (a bad row) */
		for (; !x->ascii && r < n; r++) {
			f.p = run_field(buf, q, start, ncols, r, col, &f.len);
			if (!ascii_in_chunk(f.p, f.len) && !dn_utf8_valid(f.p, f.len, NULL))
				return r;
		}
		return n;
	}
	/* One loop per type: no dispatch on the type for each value. */
#define EACH_VALUE(put)                                                                            \
	for (; r < n; r++) {                                                                       \
		f.p = run_field(buf, q, start, ncols, r, col, &f.len);                             \
		if (is_null_field(x->r, x->c, &f)) {                                               \
			if (dn_builder_put_null(b, err) < 0)                                       \
				return DN_ENOMEM;                                                  \
			continue;                                                                  \
		}                                                                                  \
		put                                                                                \
	}
	switch (b->type) {
	case DN_INT64:
		EACH_VALUE({
			int64_t v;
			if (conv_i64(f.p, f.len, lenient, &v) < 0)
				return r;
			dn_builder_put_i64(b, v);
		})
		break;
	case DN_FLOAT64:
		EACH_VALUE({
			double v;
			if (conv_f64(f.p, f.len, lenient, &v) < 0)
				return r;
			dn_builder_put_f64(b, v);
		})
		break;
	case DN_TIMESTAMP:
		EACH_VALUE({
			int64_t v;
			int kind = dn_time_parse(f.p, f.len, &v);
			if (kind < 0)
				return r; /* maybe spaces around it: the row path trims */
			dn_builder_put_i64(b, kind == DN_TIME_DATE ? v * DN_USEC_PER_DAY : v);
		})
		break;
	case DN_DATE:
		EACH_VALUE({
			int64_t v;
			if (dn_time_parse(f.p, f.len, &v) != DN_TIME_DATE)
				return r;
			dn_builder_put_date(b, (int32_t)v);
		})
		break;
	case DN_BOOL:
		EACH_VALUE({
			int v;
			if (conv_bool(f.p, f.len, &v) < 0)
				return r;
			dn_builder_put_bool(b, v);
		})
		break;
	case DN_STRING:
		EACH_VALUE({
			if (!ascii_in_chunk(f.p, f.len) && !dn_utf8_valid(f.p, f.len, NULL))
				return r;
			/* the chunk's padding lets a field be read 32 bytes on */
			if (b->data.len + f.len + 32 > b->data.cap)
				DN_TRY(dn_buf_reserve(&b->data, f.len + 32, err));
			dn_builder_put_str_padded(b, f.p, f.len);
		})
		break;
	default:
		return 0;
	}
#undef EACH_VALUE
	return n;
}

/* A chunk without quotes converts its regular records (ncols fields ending in a newline,
 * within the record limit) a column at a time, from the field offsets: the column's type is
 * chosen once per run instead of once per value. *k is the next offset, as in
 * tokenize_indexed. Returns the rows converted; 0 leaves the next record to the row path
 * (an irregular record, or a value that does not fit), which reports or widens as before.
 * After a value did not fit, the next RUN_RESTART records go row by row and runs start again
 * that short and double: a file of many bad rows costs little more than the row path alone,
 * and one with a few bad rows loses little of the runs. */
static int64_t convert_run(struct parse_ctx *x, const char **pp, size_t *k, int64_t *line,
			   struct dn_error *err)
{
	const char *buf = x->ch->buf;
	size_t len = x->ch->len, start = (size_t)(*pp - buf), rec = start;
	size_t limit = x->r->opt.max_record_bytes;
	int ncols = x->c->ncols;
	const uint32_t *q = x->pos + *k;
	int64_t max = x->r->opt.batch_rows - x->rows_in_batch, n = 0;
	if (max > x->run_cap)
		max = x->run_cap;
	if (ncols < 1)
		return 0;
	/* The sentinel offset (len) is a newline, so this stops at it. */
	while (n < max) {
		const uint32_t *e = q + n * ncols;
		int j = 0;
		while (j < ncols - 1 && buf[e[j]] != '\n')
			j++;
		if (j < ncols - 1 || e[j] >= len || buf[e[j]] != '\n' || e[j] + 1 - rec > limit)
			break;
		rec = (size_t)e[j] + 1;
		n++;
	}
	if (n == 0)
		return 0;
	int64_t base = x->rows_in_batch, want = n;
	/* The column whose value last did not fit goes first: a run that fails again fails
	 * before the other columns convert rows that are then undone. */
	int first = x->misfit_col < ncols ? x->misfit_col : 0;
	for (int t = 0; t < ncols && n > 0; t++) {
		int col = t == 0 ? first : t <= first ? t - 1 : t;
		int64_t got = convert_column(x, col, q, start, n, err);
		if (got < 0)
			return got;
		if (got < n) {
			for (int u = 0; u < t; u++) {
				int c = u == 0 ? first : u <= first ? u - 1 : u;
				while (x->b[c].length > base + got)
					builder_pop(&x->b[c]);
			}
			n = got;
			x->misfit_col = col;
		}
	}
	if (n < want) {
		x->run_cap = RUN_RESTART;
		x->row_by_row = RUN_RESTART;
	} else if (x->run_cap < x->r->opt.batch_rows) {
		x->run_cap *= 2;
	}
	if (n == 0)
		return 0;
	x->ch->records += n;
	x->rows_in_batch += n;
	*line += n;
	*k += (size_t)(n * ncols);
	*pp = buf + q[n * ncols - 1] + 1;
	if (x->rows_in_batch == x->r->opt.batch_rows) {
		DN_TRY(flush_batch(x, err));
		DN_TRY(reserve_batch(x, err));
	}
	return n;
}

static int add_reject(struct chunk *ch, int64_t rel_line, int64_t column, const char *reason,
		      const char *rec, size_t rec_len, struct dn_error *err)
{
	struct reject *nr = grow_array(ch->rejects, ch->nrejects, sizeof *nr);
	if (!nr)
		return dn_error_set(err, DN_ENOMEM, "out of memory");
	ch->rejects = nr;
	struct reject *j = &ch->rejects[ch->nrejects];
	j->rel_line = rel_line;
	j->column = column;
	j->reason = dn_strdup(reason);
	j->record = dn_strndup(rec, rec_len);
	j->record_len = rec_len;
	if (!j->reason || !j->record) {
		dn_free(j->reason);
		dn_free(j->record);
		return dn_error_set(err, DN_ENOMEM, "out of memory");
	}
	ch->nrejects++;
	return 0;
}

static void chunk_clear_result(struct chunk *ch, int ncols)
{
	for (int i = 0; i < ch->nbatches; i++)
		dn_batch_free(ch->batches[i]);
	dn_free(ch->batches);
	ch->batches = NULL;
	ch->nbatches = 0;
	for (int i = 0; i < ch->nrejects; i++) {
		dn_free(ch->rejects[i].reason);
		dn_free(ch->rejects[i].record);
	}
	dn_free(ch->rejects);
	ch->rejects = NULL;
	ch->nrejects = 0;
	ch->records = ch->skipped = ch->lines = 0;
	ch->fatal = 0;
	(void)ncols;
}

static void chunk_free(struct chunk *ch, int ncols)
{
	if (!ch)
		return;
	chunk_clear_result(ch, ncols);
	dn_free(ch->buf);
	dn_free(ch->types);
	dn_free(ch->widen_line);
	dn_free(ch);
}

/* Column (1-based, bytes) of position at within the record starting at rec. */
static int64_t column_of(const char *rec, const char *at)
{
	const char *ls = rec;
	for (const char *t = rec; t < at; t++)
		if (*t == '\n')
			ls = t + 1;
	return (int64_t)(at - ls) + 1;
}

static int64_t line_of(const char *rec, int64_t rec_line, const char *at)
{
	for (const char *t = rec; t < at; t++)
		if (*t == '\n')
			rec_line++;
	return rec_line;
}

/* A bad row: fail stops the chunk (the emitter reports it), skip counts it, quarantine keeps
 * it for the rejects file. Returns 1 to stop parsing, 0 to go on, < 0 on error. */
static int bad_row(struct parse_ctx *x, const char *rec, const char *rec_end, int64_t rec_line,
		   const char *at, const char *reason, struct dn_error *err)
{
	struct chunk *ch = x->ch;
	int64_t line = line_of(rec, rec_line, at), col = column_of(rec, at);
	size_t rl = (size_t)(rec_end - rec);
	while (rl && (rec[rl - 1] == '\n' || rec[rl - 1] == '\r'))
		rl--;
	switch (x->r->opt.bad_rows) {
	case DN_BAD_FAIL:
		ch->fatal = 1;
		ch->err_rel_line = line;
		dn_error_set_at(&ch->err, DN_EPARSE, x->r->name, 0, col,
				"%s (--bad-rows skip or quarantine loads the other rows)", reason);
		return 1;
	case DN_BAD_SKIP:
		ch->skipped++;
		return 0;
	case DN_BAD_QUARANTINE:
		DN_TRY(add_reject(ch, line, col, reason, rec, rl, err));
		return 0;
	}
	return 0;
}

/* Parse a whole chunk with the given types. Returns 0, or < 0 on an internal error (memory). A
 * value that does not fit an inferred type sets x->widen_col and returns early. */
static int parse_chunk_once(struct parse_ctx *x, struct dn_error *err)
{
	struct csv *c = x->c;
	struct chunk *ch = x->ch;
	const char *p = ch->buf, *end = ch->buf + ch->len;
	int ncols = c->ncols;
	int64_t line = 0;
	char reason[256];
	x->widen_col = -1;
	x->rows_in_batch = 0;
	for (int i = 0; i < ncols; i++) {
		dn_builder_release(&x->b[i]);
		dn_builder_init(&x->b[i], x->types[i]);
	}
	DN_TRY(reserve_batch(x, err));
	size_t next = 0; /* the next field offset, with x->pos */
	x->run_cap = x->r->opt.batch_rows;
	x->row_by_row = 0;
	x->misfit_col = 0;
	while (p < end) {
		if (x->pos && !x->row_by_row) {
			int64_t done = convert_run(x, &p, &next, &line, err);
			if (done < 0)
				return (int)done;
			if (done > 0)
				continue;
		} else if (x->row_by_row) {
			x->row_by_row--;
		}
		const char *rec = p, *bad = NULL, *bad_at = NULL;
		int64_t rec_line = line;
		int nf;
		if (x->pos)
			p = tokenize_indexed(p, ch->buf, end, x->pos, &next, x->f, ncols + 1, &nf,
					     &line);
		else
			p = tokenize(p, end, c->delim, x->f, ncols + 1, &nf, &line, &bad, &bad_at);
		/* Blank lines are not rows (unless the file has one column: then it is a null). */
		if (nf == 1 && x->f[0].len == 0 && !x->f[0].quoted && ncols != 1)
			continue;
		/* The chunk cut enforces the record ceiling only when nothing ends; check each. */
		if (DN_UNLIKELY((size_t)(p - rec) > x->r->opt.max_record_bytes)) {
			ch->fatal = 1;
			ch->err_rel_line = rec_line;
			dn_error_set_at(&ch->err, DN_ELIMIT, x->r->name, 0, 1,
					"a record is longer than the %zu-byte limit (an unclosed "
					"quote?); raise --max-record-mb if it is real",
					x->r->opt.max_record_bytes);
			break;
		}
		ch->records++;
		int stop = 0;
		if (bad) {
			stop = bad_row(x, rec, p, rec_line, bad_at, bad, err);
		} else if (nf != ncols) {
			snprintf(reason, sizeof reason, "expected %d fields, found %d", ncols, nf);
			const char *at = (nf > ncols && ncols > 0) ? x->f[ncols].p : p - 1;
			stop = bad_row(x, rec, p, rec_line, at < rec ? rec : at, reason, err);
		} else {
			int i;
			for (i = 0; i < ncols; i++) {
				int rc = convert(x, i, &x->f[i], err);
				if (rc == CONV_OK)
					continue;
				if (rc < 0)
					return rc;
				if (rc == CONV_MISFIT && !c->declared[i]) {
					x->widen_col = i;
					x->widen_to = widen_for(x->types[i], &x->f[i],
								x->r->opt.infer_quoted);
					if (ch->widen_line[i] < 0)
						ch->widen_line[i] =
							line_of(rec, rec_line, x->f[i].p);
					return 0;
				}
				if (rc == CONV_UTF8) {
					size_t at = 0;
					dn_utf8_valid(x->f[i].p, x->f[i].len, &at);
					snprintf(reason, sizeof reason,
						 "invalid UTF-8 in column '%s' (byte %zu "
						 "of the field); "
						 "convert the file to UTF-8",
						 c->fs.fields[i].name, at + 1);
				} else {
					snprintf(reason, sizeof reason,
						 "column '%s': '%.*s' is not a valid %s",
						 c->fs.fields[i].name,
						 (int)(x->f[i].len > 60 ? 60 : x->f[i].len),
						 x->f[i].p, dn_type_name(x->types[i]));
				}
				break;
			}
			if (i < ncols) {
				for (int k = 0; k < i; k++)
					if (!c->skip || !c->skip[k])
						builder_pop(&x->b[k]);
				stop = bad_row(x, rec, p, rec_line, x->f[i].p, reason, err);
			} else if (++x->rows_in_batch == x->r->opt.batch_rows) {
				DN_TRY(flush_batch(x, err));
				DN_TRY(reserve_batch(x, err));
			}
		}
		if (stop < 0)
			return stop;
		if (stop)
			break;
	}
	ch->lines = line;
	if (x->rows_in_batch > 0 || ch->nbatches == 0)
		DN_TRY(flush_batch(x, err));
	return 0;
}

/* Parse ch with types (copied into ch->types), widening inferred columns as needed. */
static int parse_chunk(struct dn_reader *r, struct chunk *ch, const enum dn_type *types,
		       struct dn_error *err)
{
	struct csv *c = r->state;
	struct parse_ctx x;
	int rc = 0;
	memset(&x, 0, sizeof x);
	x.r = r;
	x.c = c;
	x.ch = ch;
	x.b = dn_calloc((size_t)c->ncols, sizeof *x.b);
	x.f = dn_calloc((size_t)c->ncols + 1, sizeof *x.f);
	x.ob = c->skip ? dn_calloc((size_t)c->nout + 1, sizeof *x.ob) : NULL;
	if (!ch->types)
		ch->types = dn_calloc((size_t)c->ncols, sizeof *ch->types);
	if (!ch->widen_line) {
		ch->widen_line = dn_calloc((size_t)c->ncols, sizeof *ch->widen_line);
		for (int i = 0; ch->widen_line && i < c->ncols; i++)
			ch->widen_line[i] = -1;
	}
	if (!x.b || !x.f || !ch->types || !ch->widen_line || (c->skip && !x.ob)) {
		rc = dn_error_set(err, DN_ENOMEM, "out of memory");
		goto out;
	}
	memcpy(ch->types, types, sizeof *types * (size_t)c->ncols);
	x.types = ch->types;
	x.ascii = c->skip && dn_is_ascii(ch->buf, ch->len);
	/* Without a quote in the chunk, every delimiter and newline ends a field. Out of memory
	 * for the offsets, the chunk is tokenized the general way. */
	if (!dn_csv_general_only && ch->len < UINT32_MAX && !memchr(ch->buf, '"', ch->len) &&
	    (x.pos = dn_malloc(sizeof *x.pos * (ch->len + 2))) != NULL)
		index_fields(ch->buf, ch->len, c->delim, x.pos);
	for (int attempt = 0;; attempt++) {
		chunk_clear_result(ch, c->ncols);
		if ((rc = parse_chunk_once(&x, err)) < 0)
			goto out;
		if (x.widen_col < 0)
			break;
		ch->types[x.widen_col] = x.widen_to;
		if (attempt > MAX_WIDEN_RESTARTS) {
			rc = dn_error_set(err, DN_EINTERNAL, "column types did not settle");
			goto out;
		}
	}
out:
	for (int i = 0; x.b && i < c->ncols; i++)
		dn_builder_release(&x.b[i]);
	dn_free(x.b);
	dn_free(x.ob);
	dn_free(x.f);
	dn_free(x.pos);
	dn_buf_release(&x.scratch);
	return rc;
}

/* ---- cutting the input into chunks ---- */

/* Position after the last complete record in buf[0, len), by the quoting rule above; 0 when
 * no record ends inside. */
static size_t find_cut(const char *buf, size_t len, char delim)
{
	size_t pos = 0, gap_start = 0,
	       last_nl = 0; /* last_nl: cut after a newline outside quotes */
	for (;;) {
		const char *q = memchr(buf + pos, '"', len - pos);
		if (!q)
			break;
		size_t qi = (size_t)(q - buf);
		if (qi > 0 && buf[qi - 1] != delim && buf[qi - 1] != '\n') {
			pos = qi + 1; /* an ordinary character */
			continue;
		}
		/* A quoted field opens at qi; remember the newlines in the gap before it. */
		if (qi > gap_start) {
			const char *nl = memrchr(buf + gap_start, '\n', qi - gap_start);
			if (nl)
				last_nl = (size_t)(nl - buf) + 1;
		}
		size_t s = qi + 1;
		for (;;) {
			const char *e = memchr(buf + s, '"', len - s);
			if (!e || (size_t)(e - buf) + 1 == len)
				return last_nl; /* open (or undecidable) to the end */
			size_t ei = (size_t)(e - buf);
			if (buf[ei + 1] == '"') {
				s = ei + 2;
				continue;
			}
			pos = gap_start = ei + 1;
			break;
		}
	}
	if (len > gap_start) {
		const char *nl = memrchr(buf + gap_start, '\n', len - gap_start);
		if (nl)
			last_nl = (size_t)(nl - buf) + 1;
	}
	return last_nl;
}

/* Read more input into carry (under mu). Returns bytes read (0 at end) or < 0. */
static int64_t fill_carry(struct dn_reader *r, struct csv *c, size_t want, struct dn_error *err)
{
	/* A memory source says how much is left: no need to allocate a whole chunk for it. */
	if (r->src.fd < 0 && want > r->src.mem_len - r->src.mem_pos + 1)
		want = r->src.mem_len - r->src.mem_pos + 1;
	if (c->carry_cap < c->carry_len + want + PAD) {
		size_t cap = c->carry_len + want + PAD;
		char *nb = dn_realloc(c->carry, cap);
		if (!nb)
			return dn_error_set(err, DN_ENOMEM, "out of memory reading %s", r->name);
		c->carry = nb;
		c->carry_cap = cap;
	}
	size_t got_total = 0;
	while (got_total < want) {
		int64_t got = dn_source_read(r, c->carry + c->carry_len, want - got_total, err);
		if (got < 0)
			return got;
		if (got == 0) {
			c->eof = 1;
			break;
		}
		c->carry_len += (size_t)got;
		got_total += (size_t)got;
	}
	return (int64_t)got_total;
}

/* Take the next chunk from the input (under mu). NULL with *done at the end of input. */
static struct chunk *next_chunk(struct dn_reader *r, struct csv *c, int *done)
{
	struct chunk *ch = dn_calloc(1, sizeof *ch);
	*done = 0;
	if (!ch)
		return NULL;
	ch->seq = c->next_seq;
	for (;;) {
		if (!c->eof && c->carry_len < CHUNK_BYTES) {
			int64_t got = fill_carry(r, c, CHUNK_BYTES - c->carry_len, &ch->err);
			if (got < 0) {
				ch->input_error = 1;
				break;
			}
		}
		if (c->carry_len == 0 && c->eof) {
			dn_free(ch);
			*done = 1;
			return NULL;
		}
		size_t cut = c->eof ? c->carry_len : find_cut(c->carry, c->carry_len, c->delim);
		if (cut == 0) {
			/* No record ends in what we have: read more, up to the record ceiling. */
			if (c->carry_len > r->opt.max_record_bytes) {
				ch->input_error = 1;
				dn_error_set_at(
					&ch->err, DN_ELIMIT, r->name, 1, 0,
					"a record is longer than the %zu MiB limit (an unclosed "
					"quote?); raise --max-record-mb if it is real",
					r->opt.max_record_bytes >> 20);
				break;
			}
			int64_t got = fill_carry(r, c, c->carry_len, &ch->err);
			if (got < 0) {
				ch->input_error = 1;
				break;
			}
			continue;
		}
		/* The chunk takes the carry buffer itself (it has PAD bytes of room after its
		 * bytes) and the short rest moves to a new one: a few bytes copied per chunk
		 * instead of the whole chunk. */
		size_t rest = c->carry_len - cut, ncap = rest + CHUNK_BYTES + PAD;
		char *nc = rest < cut ? dn_malloc(ncap) : NULL;
		if (nc) {
			memcpy(nc, c->carry + cut, rest);
			ch->buf = c->carry;
			c->carry = nc;
			c->carry_cap = ncap;
		} else {
			ch->buf = dn_malloc(cut + PAD);
			if (!ch->buf) {
				ch->input_error = 1;
				dn_error_set(&ch->err, DN_ENOMEM, "out of memory reading %s",
					     r->name);
				break;
			}
			memcpy(ch->buf, c->carry, cut);
			memmove(c->carry, c->carry + cut, rest);
		}
		memset(ch->buf + cut, 0, PAD);
		ch->buf[cut] = '\n'; /* sentinel for find_special */
		ch->len = cut;
		c->carry_len = rest;
		break;
	}
	if (ch->input_error)
		c->eof = 1, c->carry_len = 0;
	c->next_seq++;
	return ch;
}

/* Parse a chunk taken from the input; failures are kept in the chunk and reported in order. */
static int parse_into(struct dn_reader *r, struct chunk *ch, const enum dn_type *types)
{
	int rc = types ? parse_chunk(r, ch, types, &ch->err) :
			 dn_error_set(&ch->err, DN_ENOMEM, "out of memory reading %s", r->name);
	if (rc < 0) {
		ch->input_error = 1;
		if (!ch->err.code)
			dn_error_set(&ch->err, rc, "%s reading %s", dn_strerror(rc), r->name);
	}
	return rc;
}

/* ---- threads ---- */

static void *worker_main(void *arg)
{
	struct dn_reader *r = arg;
	struct csv *c = r->state;
	enum dn_type *types = dn_calloc((size_t)c->ncols, sizeof *types);
	pthread_mutex_lock(&c->mu);
	while (!c->stop) {
		if (c->eof && c->carry_len == 0)
			break;
		if (c->next_seq - c->next_emit >= c->window) {
			pthread_cond_wait(&c->cond_space, &c->mu);
			continue;
		}
		int done;
		struct chunk *ch = next_chunk(r, c, &done);
		if (done)
			break;
		if (!ch) { /* out of memory: stop reading, report in order */
			c->stop = 1;
			break;
		}
		for (int i = 0; types && i < c->ncols; i++)
			types[i] = c->fs.fields[i].type;
		pthread_mutex_unlock(&c->mu);
		if (!ch->input_error) {
			if (parse_into(r, ch, types) < 0)
				ch->input_error = 1;
		}
		pthread_mutex_lock(&c->mu);
		ch->ready = 1;
		c->slots[ch->seq % c->window] = ch;
		pthread_cond_broadcast(&c->cond_ready);
	}
	/* Wake the consumer: the end may have been reached. */
	pthread_cond_broadcast(&c->cond_ready);
	pthread_mutex_unlock(&c->mu);
	dn_free(types);
	return NULL;
}

static int start_threads(struct dn_reader *r, struct csv *c, struct dn_error *err)
{
	c->window = 2 * c->nthreads + 1;
	c->slots = dn_calloc((size_t)c->window, sizeof *c->slots);
	c->threads = dn_calloc((size_t)c->nthreads, sizeof *c->threads);
	if (!c->slots || !c->threads)
		return dn_error_set(err, DN_ENOMEM, "out of memory");
	c->started = 1;
	for (int i = 0; i < c->nthreads; i++) {
		if (pthread_create(&c->threads[i], NULL, worker_main, r) != 0) {
			c->nthreads = i;
			return dn_error_set(err, DN_EINTERNAL, "cannot start a reader thread");
		}
	}
	return 0;
}

/* Take the next parsed chunk in order; NULL at the end (or *rc < 0). */
static struct chunk *take_chunk(struct dn_reader *r, struct csv *c, int *rc, struct dn_error *err)
{
	*rc = 0;
	if (c->nthreads <= 1) {
		int done;
		struct chunk *ch = next_chunk(r, c, &done);
		if (done)
			return NULL;
		if (!ch) {
			*rc = dn_error_set(err, DN_ENOMEM, "out of memory reading %s", r->name);
			return NULL;
		}
		if (!ch->input_error) {
			enum dn_type *types = dn_calloc((size_t)c->ncols, sizeof *types);
			for (int i = 0; types && i < c->ncols; i++)
				types[i] = c->fs.fields[i].type;
			if (parse_into(r, ch, types) < 0)
				ch->input_error = 1;
			dn_free(types);
		}
		c->next_emit++;
		return ch;
	}
	if (!c->started && (*rc = start_threads(r, c, err)) < 0)
		return NULL;
	pthread_mutex_lock(&c->mu);
	struct chunk *ch;
	for (;;) {
		ch = c->slots[c->next_emit % c->window];
		if (ch && ch->seq == c->next_emit && ch->ready)
			break;
		if (c->next_emit == c->next_seq && (c->eof || c->stop) && c->carry_len == 0) {
			ch = NULL;
			break;
		}
		if (c->stop && c->next_emit == c->next_seq) {
			*rc = dn_error_set(err, DN_ENOMEM, "out of memory reading %s", r->name);
			ch = NULL;
			break;
		}
		pthread_cond_wait(&c->cond_ready, &c->mu);
	}
	if (ch) {
		c->slots[c->next_emit % c->window] = NULL;
		c->next_emit++;
		pthread_cond_broadcast(&c->cond_space);
	}
	pthread_mutex_unlock(&c->mu);
	return ch;
}

/* Bring a parsed chunk in line with the reader's schema and account for it. */
static int settle_chunk(struct dn_reader *r, struct csv *c, struct chunk *ch, struct dn_error *err)
{
	if (ch->input_error) {
		if (ch->err.line)
			ch->err.line += c->line_base - 1;
		if (err)
			*err = ch->err;
		return ch->err.code ? ch->err.code : DN_EINTERNAL;
	}
	/* A chunk parsed with a narrower type than the schema has now: parse it again. */
	int narrower = 0;
	for (int i = 0; i < c->ncols; i++)
		if (ch->types[i] != c->fs.fields[i].type &&
		    dn_type_widen(ch->types[i], c->fs.fields[i].type) == c->fs.fields[i].type)
			narrower = 1;
	if (narrower) {
		enum dn_type *types = dn_calloc((size_t)c->ncols, sizeof *types);
		if (!types)
			return dn_error_set(err, DN_ENOMEM, "out of memory");
		for (int i = 0; i < c->ncols; i++)
			types[i] = dn_type_widen(ch->types[i], c->fs.fields[i].type);
		int rc = parse_chunk(r, ch, types, err);
		dn_free(types);
		DN_TRY(rc);
	}
	for (int i = 0; i < c->ncols; i++)
		if (ch->types[i] != c->fs.fields[i].type) {
			int64_t wl = ch->widen_line[i] >= 0 ? ch->widen_line[i] : 0;
			/* Workers read the file's types under mu when they take a chunk. */
			if (c->started)
				pthread_mutex_lock(&c->mu);
			c->fs.fields[i].type = ch->types[i];
			int wrc = c->skip && c->skip[i] ?
					  0 :
					  dn_reader_widen(r, c->skip ? c->out[i] : i, ch->types[i],
							  c->line_base + wl, err);
			if (c->started)
				pthread_mutex_unlock(&c->mu);
			DN_TRY(wrc);
		}
	if (ch->fatal) {
		/* The rows before the bad one are handed out first, then the error. */
		c->fatal_pending = 1;
		c->fatal_err = ch->err;
		c->fatal_err.line = c->line_base + ch->err_rel_line;
		r->summary.read += ch->records;
		return 0;
	}
	for (int i = 0; i < ch->nrejects; i++) {
		struct reject *j = &ch->rejects[i];
		DN_TRY(dn_reader_bad_row(r, c->line_base + j->rel_line, j->column, j->reason,
					 j->record, j->record_len, err));
	}
	r->summary.read += ch->records;
	r->summary.skipped += ch->skipped;
	c->line_base += ch->lines;
	return 0;
}

static int csv_next(struct dn_reader *r, struct dn_batch **out, struct dn_error *err)
{
	struct csv *c = r->state;
	for (;;) {
		if (c->current && c->current_next < c->current->nbatches) {
			struct dn_batch *b = c->current->batches[c->current_next];
			c->current->batches[c->current_next++] = NULL;
			if (b->nrows == 0) {
				dn_batch_free(b);
				continue;
			}
			b->first_row = c->first_row;
			c->first_row += b->nrows;
			*out = b;
			if (r->opt.progress)
				r->opt.progress(r->opt.progress_user, r->summary.bytes,
						c->first_row);
			return 1;
		}
		chunk_free(c->current, c->ncols);
		c->current = NULL;
		if (c->fatal_pending) {
			if (err)
				*err = c->fatal_err;
			return c->fatal_err.code;
		}
		int rc;
		struct chunk *ch = take_chunk(r, c, &rc, err);
		if (rc < 0)
			return rc;
		if (!ch) {
			if (c->first_row == 0 && !c->emitted_empty) {
				/* An input with a header and no rows still has a schema: hand out
				 * one empty batch so writers can write the header. */
				c->emitted_empty = 1;
				*out = dn_batch_new(&r->schema, err);
				return *out ? 1 : DN_ENOMEM;
			}
			return 0;
		}
		c->current = ch;
		c->current_next = 0;
		rc = settle_chunk(r, c, ch, err);
		if (rc < 0)
			return rc;
	}
}

/* ---- opening: delimiter, header, sample, types ---- */

static void csv_free(struct dn_reader *r)
{
	struct csv *c = r->state;
	if (!c)
		return;
	if (c->started) {
		pthread_mutex_lock(&c->mu);
		c->stop = 1;
		pthread_cond_broadcast(&c->cond_space);
		pthread_mutex_unlock(&c->mu);
		for (int i = 0; i < c->nthreads; i++)
			pthread_join(c->threads[i], NULL);
		for (int i = 0; i < c->window; i++)
			chunk_free(c->slots[i], c->ncols);
	}
	chunk_free(c->current, c->ncols);
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cond_ready);
	pthread_cond_destroy(&c->cond_space);
	dn_free(c->slots);
	dn_free(c->threads);
	dn_free(c->carry);
	dn_free(c->declared);
	dn_schema_release(&c->fs);
	dn_free(c->in);
	dn_free(c->out);
	dn_free(c->skip);
	dn_free(c);
	r->state = NULL;
}

static int csv_project(struct dn_reader *r, const char *const *names, int n, struct dn_error *err);
static const struct dn_reader_ops csv_ops = {csv_next, csv_free, csv_project};

/* Score a candidate delimiter on the first records: the most common field count, how many
 * records have it, and whether quoting stayed well-formed. */
static double delim_score(const char *buf, size_t len, char d)
{
	struct field f[1];
	int counts[20], n = 0;
	int64_t lines = 0;
	const char *p = buf, *end = buf + len;
	while (p < end && n < 20) {
		const char *bad, *bad_at;
		int nf;
		p = tokenize(p, end, d, f, 1, &nf, &lines, &bad, &bad_at);
		if (bad)
			return 0;
		counts[n++] = nf;
	}
	if (n == 0)
		return 0;
	int best = 0, best_n = 0;
	for (int i = 0; i < n; i++) {
		int same = 0;
		for (int j = 0; j < n; j++)
			same += counts[j] == counts[i];
		if (same > best_n || (same == best_n && counts[i] > best)) {
			best_n = same;
			best = counts[i];
		}
	}
	if (best < 2)
		return 0;
	return (double)best_n / n * 1000.0 + best;
}

static char detect_delimiter(const char *buf, size_t len)
{
	static const char cands[] = {',', ';', '\t', '|'};
	/* Only whole records: cut the sample at its last newline. */
	size_t n = len > 65536 ? 65536 : len;
	while (n < len && n > 0 && buf[n - 1] != '\n')
		n--;
	if (n == 0)
		n = len;
	char best = ',';
	double best_score = 0;
	for (size_t i = 0; i < sizeof cands; i++) {
		double sc = delim_score(buf, n, cands[i]);
		if (sc > best_score) {
			best_score = sc;
			best = cands[i];
		}
	}
	return best;
}

static int add_column_name(struct dn_reader *r, const struct field *f, int index,
			   struct dn_error *err)
{
	struct dn_buf name = DN_BUF_INIT;
	int rc = 0;
	if (f && f->len) {
		if (f->escaped) {
			if ((rc = dn_buf_reserve(&name, f->len, err)) < 0)
				goto out;
			name.len = unescape(f, name.data);
			name.data[name.len] = 0;
		} else if ((rc = dn_buf_append(&name, f->p, f->len, err)) < 0) {
			goto out;
		}
		if (memchr(name.data, 0, name.len)) {
			rc = dn_error_set_at(err, DN_EPARSE, r->name, 1, 0,
					     "column %d's name holds a NUL byte", index + 1);
			goto out;
		}
		if (!dn_utf8_valid(name.data, name.len, NULL)) {
			rc = dn_error_set_at(err, DN_EPARSE, r->name, 1, 0,
					     "column %d's name is not valid UTF-8; "
					     "convert the file "
					     "to UTF-8",
					     index + 1);
			goto out;
		}
	} else if ((rc = dn_buf_printf(&name, err, "column%d", index + 1)) < 0) {
		goto out;
	}
	/* Unique names: a repeated name gets _2, _3, ... */
	size_t base_len = name.len;
	for (int k = 2; dn_schema_find(&r->schema, name.data) >= 0; k++) {
		name.len = base_len;
		if ((rc = dn_buf_printf(&name, err, "_%d", k)) < 0)
			goto out;
	}
	rc = dn_schema_add(&r->schema, name.data, name.len, DN_STRING, err);
out:
	dn_buf_release(&name);
	return rc;
}

/* Which of the file's columns are read, in which order: the n names, looked up among the
 * columns handed out so far (r->schema: at opening, all of the file's). */
static int choose_columns(struct dn_reader *r, struct csv *c, const char *const *names, int n,
			  struct dn_error *err)
{
	int *in = dn_calloc((size_t)n + 1, sizeof *in);
	int *out = dn_malloc(((size_t)c->ncols + 1) * sizeof *out);
	unsigned char *skip = dn_malloc((size_t)c->ncols + 1);
	if (!in || !out || !skip) {
		dn_free(in);
		dn_free(out);
		dn_free(skip);
		return dn_error_set(err, DN_ENOMEM, "out of memory");
	}
	memset(skip, 1, (size_t)c->ncols);
	for (int k = 0; k < n; k++) {
		int i = dn_schema_find(&r->schema, names[k]);
		if (i >= 0 && c->skip)
			i = c->in[i]; /* an output column: its file column */
		int rc = 0;
		if (i < 0) {
			struct dn_buf have = DN_BUF_INIT;
			for (int j = 0; j < r->schema.nfields && have.len < 200; j++)
				if (dn_buf_printf(&have, NULL, "%s%s", j ? ", " : "",
						  r->schema.fields[j].name) < 0)
					break;
			rc = dn_error_set_at(err, DN_ENOTFOUND, r->name, 1, 0,
					     "no column '%s' in the file (its columns: %s%s)",
					     names[k], have.len ? have.data : "none",
					     have.len >= 200 ? ", ..." : "");
			dn_buf_release(&have);
		} else if (!skip[i]) {
			rc = dn_error_set_at(err, DN_EUSAGE, r->name, 0, 0,
					     "--columns names '%s' twice", names[k]);
		}
		if (rc < 0) {
			dn_free(in);
			dn_free(out);
			dn_free(skip);
			return rc;
		}
		skip[i] = 0;
		in[k] = i;
	}
	for (int i = 0; i < c->ncols; i++)
		out[i] = -1;
	for (int k = 0; k < n; k++)
		out[in[k]] = k;
	dn_free(c->in);
	dn_free(c->out);
	dn_free(c->skip);
	c->in = in;
	c->out = out;
	c->skip = skip;
	c->nout = n;
	return 0;
}

/* r->schema: the output columns, from the file's (c->fs). */
static int output_schema(struct dn_reader *r, struct csv *c, struct dn_error *err)
{
	dn_schema_release(&r->schema);
	for (int k = 0; k < c->nout; k++) {
		const struct dn_field *fd = &c->fs.fields[c->skip ? c->in[k] : k];
		DN_TRY(dn_schema_add(&r->schema, fd->name, strlen(fd->name), fd->type, err));
	}
	return 0;
}

/* dn_reader_project: the same choice after opening, before the first chunk is taken. */
static int csv_project(struct dn_reader *r, const char *const *names, int n, struct dn_error *err)
{
	struct csv *c = r->state;
	if (c->started || c->next_seq > 0)
		return dn_error_set(err, DN_EUSAGE, "%s: columns chosen after reading began",
				    r->name);
	/* A declared column's bad values drop rows: leaving it out would keep them, and the
	 * caller's rows would depend on which columns it asked for. */
	for (int i = 0; i < c->ncols; i++) {
		int k = c->skip ? c->out[i] : i, asked = 0; /* i's output column */
		for (int j = 0; k >= 0 && c->declared[i] && j < n && !asked; j++)
			asked = !strcmp(names[j], r->schema.fields[k].name);
		if (k >= 0 && c->declared[i] && !asked)
			return 0;
	}
	DN_TRY(choose_columns(r, c, names, n, err));
	for (int i = 0; i < c->ncols; i++)
		if (c->skip[i])
			c->declared[i] = 1; /* not read: never widened */
	DN_TRY(output_schema(r, c, err));
	return 1;
}

int dn_csv_reader_init(struct dn_reader *r, struct dn_error *err)
{
	struct csv *c = dn_calloc(1, sizeof *c);
	struct field *f = NULL;
	struct dn_infer *inf = NULL;
	int rc = 0;
	if (!c)
		return dn_error_set(err, DN_ENOMEM, "out of memory");
	r->state = c;
	r->ops = &csv_ops;
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cond_ready, NULL);
	pthread_cond_init(&c->cond_space, NULL);
	c->line_base = 1;
	c->nthreads = r->opt.threads > 0 ? r->opt.threads : dn_cpu_count();
	for (int i = 0; i < r->opt.n_null_tokens; i++) {
		size_t n = strlen(r->opt.null_tokens[i]);
		if (n == 0)
			c->null_empty = 1;
		else if (n < 32)
			c->null_len_mask |= 1u << n;
		else
			c->null_long = 1;
		if (n)
			c->null_first[(uint8_t)r->opt.null_tokens[i][0]] = 1;
	}

	/* The sample: the first few MiB, which later become the first chunk's input. */
	int64_t got = fill_carry(r, c, SAMPLE_BYTES, err);
	if (got < 0)
		return (int)got;
	if (c->carry_len >= 3 && memcmp(c->carry, "\xEF\xBB\xBF", 3) == 0) {
		memmove(c->carry, c->carry + 3, c->carry_len - 3);
		c->carry_len -= 3;
	}
	/* All of the input is here when it is small: no threads needed. */
	if (c->eof && c->carry_len <= CHUNK_BYTES)
		c->nthreads = 1;
	/* fill_carry leaves PAD bytes of room: a sentinel lets tokenize scan the sample. */
	memset(c->carry + c->carry_len, 0, PAD);
	c->carry[c->carry_len] = '\n';
	c->delim = r->opt.delimiter ? r->opt.delimiter : detect_delimiter(c->carry, c->carry_len);
	r->summary.delimiter = c->delim;

	/* Sample records: sentinel-terminate a copy so tokenize can run on it. */
	size_t slen = c->eof ? c->carry_len : find_cut(c->carry, c->carry_len, c->delim);
	if (slen == 0)
		slen = c->carry_len; /* one huge record: it is still the whole sample */
	char *sample = dn_malloc(slen + PAD);
	if (!sample)
		return dn_error_set(err, DN_ENOMEM, "out of memory");
	memcpy(sample, c->carry, slen);
	memset(sample + slen, 0, PAD);
	sample[slen] = '\n';
	const char *p = sample, *end = sample + slen;
	int64_t lines = 0;
	int nf, maxf = 4096;
	const char *bad, *bad_at;
	f = dn_calloc((size_t)maxf, sizeof *f);
	if (!f) {
		rc = dn_error_set(err, DN_ENOMEM, "out of memory");
		goto out;
	}
	/* The first record: the header, or the first data row that fixes the column count. */
	while (p < end) {
		const char *rec = p;
		p = tokenize(p, end, c->delim, f, maxf, &nf, &lines, &bad, &bad_at);
		if (nf == 1 && f[0].len == 0 && !f[0].quoted)
			continue; /* leading blank lines */
		if (nf > maxf) {
			rc = dn_error_set_at(
				err, DN_ELIMIT, r->name, lines, 0,
				"the first record has %d fields, more than the %d supported", nf,
				maxf);
			goto out;
		}
		if (bad) {
			rc = dn_error_set_at(err, DN_EPARSE, r->name, lines, column_of(rec, bad_at),
					     "%s in the %s", bad,
					     r->opt.no_header ? "first record" : "header");
			goto out;
		}
		for (int i = 0; i < nf; i++)
			if ((rc = add_column_name(r, r->opt.no_header ? NULL : &f[i], i, err)) < 0)
				goto out;
		if (r->opt.no_header)
			p = rec;
		else {
			/* The header is consumed: drop it from the input and count its lines. */
			size_t used = (size_t)(p - sample);
			memmove(c->carry, c->carry + used, c->carry_len - used);
			c->carry_len -= used;
			c->line_base += lines;
		}
		break;
	}
	c->ncols = r->schema.nfields;
	c->declared = dn_calloc((size_t)(c->ncols ? c->ncols : 1), 1);
	inf = dn_calloc((size_t)(c->ncols ? c->ncols : 1), sizeof *inf);
	if (!c->declared || !inf) {
		rc = dn_error_set(err, DN_ENOMEM, "out of memory");
		goto out;
	}
	for (int i = 0; !r->opt.types_may_be_absent && i < r->opt.n_types; i++)
		if (dn_schema_find(&r->schema, r->opt.types[i].column) < 0) {
			rc = dn_error_set_at(
				err, DN_EUSAGE, r->name, 0, 0,
				"--types names column '%s', which the file does not have",
				r->opt.types[i].column);
			goto out;
		}
	c->nout = c->ncols;
	if (r->opt.n_columns > 0 &&
	    (rc = choose_columns(r, c, r->opt.columns, r->opt.n_columns, err)) < 0)
		goto out;
	for (int i = 0; i < c->ncols; i++) {
		dn_infer_init(&inf[i]);
		enum dn_type t = dn_reader_declared_type(r, r->schema.fields[i].name);
		if (c->skip && c->skip[i])
			t = DN_STRING; /* not read: nothing to infer, nothing to widen */
		c->declared[i] = t != 0;
		if (t)
			r->schema.fields[i].type = t;
	}
	/* Infer from the sample rows. */
	int64_t rows = 0;
	while (p < end && rows < r->opt.infer_rows && !r->opt.all_strings && c->ncols) {
		p = tokenize(p, end, c->delim, f, maxf, &nf, &lines, &bad, &bad_at);
		if (bad || nf != c->ncols)
			continue;
		rows++;
		for (int i = 0; i < c->ncols; i++) {
			if (c->declared[i] || is_null_field(r, c, &f[i]) == 1)
				continue;
			if (f[i].quoted && (f[i].len == 0 || !r->opt.infer_quoted)) {
				if (f[i].len)
					dn_infer_add_type(&inf[i], DN_STRING);
				continue;
			}
			dn_infer_add(&inf[i], f[i].p, f[i].len);
		}
	}
	for (int i = 0; i < c->ncols; i++)
		if (!c->declared[i])
			r->schema.fields[i].type = dn_infer_result(&inf[i]);
	/* The file's columns stay the reader's own; what it hands out is r->schema. */
	c->fs = r->schema;
	dn_schema_init(&r->schema);
	rc = output_schema(r, c, err);
out:
	dn_free(sample);
	dn_free(f);
	dn_free(inf);
	return rc;
}
