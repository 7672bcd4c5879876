/* The JSON and NDJSON reader: a strict RFC 8259 parser that turns each record (one line of
 * NDJSON, or one element of a top-level JSON array) into a row of flat, typed columns.
 *
 * JSON has no header, so the columns are whatever keys the records hold. The reader makes two
 * passes: the first parses every record to collect the columns (in order of first appearance)
 * and their types, the second parses again and fills the batches. A schema therefore never
 * changes mid-stream, at the price of reading the input twice; parsing is cheap next to what
 * users do with the batches, and it spares them widenings. Memory input is parsed once: the
 * first pass keeps each record's members on a tape (up to 512 MiB, else it re-reads), which the
 * second pass turns into rows. A seekable file is rewound, and standard input is copied to an
 * unlinked temporary file during the first pass and read back from it.
 *
 * Input streams through a window (1 MiB reads) that holds at least one whole record, so memory
 * is bounded by max_record_bytes whatever the file size. NDJSON records end at '\n' (memchr);
 * elements of a JSON array are delimited by a cheap bracket-matching scan, then parsed from the
 * window like a line. The parser is a recursive descent over a cursor that tracks line and
 * column, with a depth limit of 512 so hostile nesting cannot exhaust the stack.
 *
 * Flattening: nested objects become dotted names ("user.address.city"), arrays stay as their
 * compact JSON text in a string column, an empty object adds nothing. A record parses into a
 * list of members (column index, kind, value text) kept in buffers reused across records, so
 * there is no allocation per value. Columns live in an open-addressing hash table; a record's
 * new columns are added tentatively and rolled back if the record turns out to be bad, so bad
 * records never shape the schema, and both passes judge every record the same way. Bad records
 * are only reported (dn_reader_bad_row) in the second pass, in file order. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formats_int.h"

#define JSON_CHUNK ((size_t)1 << 20)
#define JSON_MAX_DEPTH 512
#define JSON_EOF 256 /* win_peek: no more input */
#define JSON_SLOT_TOMB UINT32_MAX
#define JSON_TAPE_MAX ((size_t)512 << 20)

enum jkind { JK_NULL = 0, JK_BOOL, JK_INT, JK_FLOAT, JK_STRING, JK_ARRAY };

/* Where the array-of-objects parser is between elements. */
enum jarr { ARR_START = 0, ARR_FIRST, ARR_NEXT, ARR_END, ARR_DONE };

/* What do_record found in pass 1. */
enum { REC_GOOD = 0, REC_BAD = 1 };

/* One flattened key: value of a row. Value text is in the record (ptr) or in st->scratch (off),
 * because the scratch buffer may move while the record is parsed. */
struct jmember {
	int col;
	uint8_t kind;
	uint8_t bval;
	const char *ptr; /* NULL: text is at st->scratch.data + off */
	size_t off, len;
	int64_t line, column; /* of the key */
	union {
		int64_t i;
		double f;
	} v; /* converted value, set by convert() */
};

/* A record on the tape; nm struct tmem follow. A bad record (bad = 1, nm = 0) is parsed again
 * in pass 2, which reports it. */
struct trec {
	const char *rec;
	size_t len;
	int64_t line, col;
	uint64_t end; /* input consumed once the record is taken */
	uint32_t nm, bad;
};

/* A member on the tape: its text is in the input (aux = 0) or in taux at off. */
struct tmem {
	const char *ptr;
	size_t off, len;
	int32_t col;
	uint8_t kind, bval, aux;
};

/* The key of a nested object in the current record (its members become columns, the key
 * itself does not, but a second "a" in the same object is still a duplicate). */
struct jobj {
	uint64_t hash;
	size_t off, len; /* name in st->onames */
	size_t slot;
};

struct jcol {
	char *name;
	size_t len;
	uint64_t hash;
	enum dn_type type;     /* inferred so far; 0 = no non-null value yet */
	enum dn_type declared; /* 0 = none */
	int64_t stamp;         /* last record that set this column: catches duplicate keys */
	int next;              /* the column that followed this one in the last record, or -1 */
};

/* The input window: bytes [pos, end) of data are unconsumed; data[0] is input offset base. */
struct jinput {
	char *buf; /* owned window; NULL for memory input, which is used in place */
	size_t cap;
	const char *data;
	size_t pos, end;
	int eof;
	uint64_t base;
	int64_t line;      /* line of data[pos] */
	uint64_t line_abs; /* input offset where that line starts */
};

/* Resumable bracket-matching scan for the end of an array element. */
struct jscan {
	size_t off; /* bytes after in.pos already scanned */
	int depth;
	int in_str, esc;
	char stack[JSON_MAX_DEPTH];
};

/* The parse of one record: cursor, and the first problem found. */
struct jctx {
	const char *p, *end;
	const char *desc_end; /* bytes up to here may be quoted in "found ..." */
	int desc_eof;         /* desc_end is the end of the input (else of the line) */
	const char *line_start;
	int64_t line, col0; /* column of p = p - line_start + col0 */
	/* syntax error (the parse functions then return DN_EPARSE) */
	int64_t err_line, err_col;
	char msg[400];
	/* first semantic problem: the record is a bad row but is still parsed to the end */
	int bad;
	int64_t bad_line, bad_col;
	char bad_msg[400];
};

struct jstate {
	struct dn_reader *r;
	int lines;
	int pass;
	struct jinput in;
	int mem;        /* reading r->src.mem in place */
	int spool_fd;   /* copy of standard input, or -1 */
	off_t fd_start; /* where a seekable input starts */
	uint64_t limit; /* pass 2 reads at most this much (what pass 1 saw) */
	uint64_t nread; /* bytes taken from the source in this pass */
	enum jarr arr;
	struct jscan scan;
	/* columns */
	struct jcol *cols;
	int ncols, cap_cols;
	int first;       /* the first column of the last record, or -1 */
	uint32_t *slots; /* column index + 1; 0 empty; JSON_SLOT_TOMB removed */
	size_t nslots, nused;
	/* per record, reused */
	struct jmember *m;
	size_t nm, cap_m;
	struct dn_buf prefix;  /* dotted prefix of the object being parsed, then the key */
	struct dn_buf scratch; /* decoded string values and array texts */
	struct dn_buf tmp;     /* strings inside arrays before re-escaping */
	struct jobj *objs;     /* nested objects of the record, in a small hash table */
	size_t nobj, cap_obj;
	uint32_t *oslots;
	size_t noslots;
	struct dn_buf onames;
	int64_t rec_id;
	struct jctx x;
	/* Memory input: pass 1 keeps each record's members on a tape (struct trec, then its
	 * struct tmem entries; decoded texts in taux) so that pass 2 builds the rows without
	 * parsing again. Past JSON_TAPE_MAX the tape is dropped and pass 2 parses. */
	int tape_on;
	struct dn_buf tape, taux;
	uint64_t tape_bytes; /* input pass 1 consumed */
	size_t tape_pos;
	/* pass 2 */
	struct dn_builder *b;
	int nb;
	int64_t rows, emitted;
	int finished;
};

/* ---------------------------------------------------------------------------------------------
 * Messages */

/* "found ..." text for the byte at `at` (or the end). */
static void describe(const char *at, const char *end, int eof, char *out, size_t n)
{
	if (at >= end) {
		snprintf(out, n, "%s", eof ? "end of input" : "end of line");
		return;
	}
	unsigned char c = (unsigned char)*at;
	if (c > 0x20 && c < 0x7f)
		snprintf(out, n, "'%c'", c);
	else if (c == ' ')
		snprintf(out, n, "a space");
	else if (c == '\t')
		snprintf(out, n, "a tab");
	else if (c == '\n' || c == '\r')
		snprintf(out, n, "a line break");
	else
		snprintf(out, n, "byte 0x%02X", c);
}

static int64_t col_of(const struct jctx *x, const char *at)
{
	return (int64_t)(at - x->line_start) + x->col0;
}

static int fail_at(struct jctx *x, const char *at, const char *fmt, ...) DN_PRINTF(3, 4);
static int fail_at(struct jctx *x, const char *at, const char *fmt, ...)
{
	va_list ap;
	x->err_line = x->line;
	x->err_col = col_of(x, at);
	va_start(ap, fmt);
	vsnprintf(x->msg, sizeof x->msg, fmt, ap);
	va_end(ap);
	return DN_EPARSE;
}

enum { H_NONE, H_VALUE, H_KEY, H_COMMA };

/* "expected WHAT, found X" with a hint for the usual non-JSON habits. */
static int expected(struct jctx *x, const char *at, const char *what, int hint)
{
	char f[40];
	const char *h = "";
	describe(at, x->desc_end, x->desc_eof, f, sizeof f);
	char c = at < x->desc_end ? *at : 0;
	if (hint != H_NONE && c == '/')
		h = " (comments are not allowed in JSON)";
	else if (hint != H_NONE && c == '\'')
		h = " (JSON strings take double quotes)";
	else if (hint == H_COMMA && (c == '}' || c == ']'))
		h = " (trailing commas are not allowed in JSON)";
	else if (hint == H_KEY && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'))
		h = " (keys must be quoted strings)";
	else if (hint == H_VALUE && (c == 'N' || c == 'I'))
		h = " (NaN and Infinity are not allowed in JSON)";
	else if (hint == H_VALUE && c == '+')
		h = " (numbers cannot start with '+')";
	else if (hint == H_VALUE && c == '.')
		h = " (numbers need a digit before '.')";
	return fail_at(x, at, "expected %s, found %s%s", what, f, h);
}

static void set_bad(struct jctx *x, int64_t line, int64_t col, const char *fmt, ...)
	DN_PRINTF(4, 5);
static void set_bad(struct jctx *x, int64_t line, int64_t col, const char *fmt, ...)
{
	va_list ap;
	if (x->bad)
		return;
	x->bad = 1;
	x->bad_line = line;
	x->bad_col = col;
	va_start(ap, fmt);
	vsnprintf(x->bad_msg, sizeof x->bad_msg, fmt, ap);
	va_end(ap);
}

/* ---------------------------------------------------------------------------------------------
 * Columns: an open-addressing hash table over the flattened names. */

static int table_find(const struct jstate *st, const char *name, size_t len, uint64_t h)
{
	if (!st->nslots)
		return -1;
	size_t mask = st->nslots - 1;
	for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
		uint32_t s = st->slots[i];
		if (s == 0)
			return -1;
		if (s == JSON_SLOT_TOMB)
			continue;
		const struct jcol *c = &st->cols[s - 1];
		if (c->hash == h && c->len == len && memcmp(c->name, name, len) == 0)
			return (int)(s - 1);
	}
}

static void table_put(uint32_t *slots, size_t nslots, uint64_t h, int col)
{
	size_t mask = nslots - 1;
	size_t i = (size_t)h & mask;
	while (slots[i] != 0)
		i = (i + 1) & mask;
	slots[i] = (uint32_t)col + 1;
}

/* Keep the table at most half full (tombstones included), rebuilding it when needed. */
static int table_room(struct jstate *st, struct dn_error *err)
{
	if ((st->nused + 1) * 2 <= st->nslots)
		return 0;
	size_t n = st->nslots ? st->nslots : 64;
	while ((size_t)(st->ncols + 1) * 2 > n / 2)
		n *= 2;
	uint32_t *s = dn_calloc(n, sizeof *s);
	if (!s)
		return dn_error_set(err, DN_ENOMEM, "out of memory adding a JSON column");
	for (int c = 0; c < st->ncols; c++)
		table_put(s, n, st->cols[c].hash, c);
	dn_free(st->slots);
	st->slots = s;
	st->nslots = n;
	st->nused = (size_t)st->ncols;
	return 0;
}

static int col_new(struct jstate *st, const char *name, size_t len, uint64_t h,
		   struct dn_error *err)
{
	DN_TRY(table_room(st, err));
	if (st->ncols == st->cap_cols) {
		int nc = st->cap_cols ? st->cap_cols * 2 : 16;
		struct jcol *c = dn_realloc(st->cols, sizeof *c * (size_t)nc);
		if (!c)
			return dn_error_set(err, DN_ENOMEM, "out of memory adding a JSON column");
		st->cols = c;
		st->cap_cols = nc;
	}
	struct jcol *c = &st->cols[st->ncols];
	memset(c, 0, sizeof *c);
	c->name = dn_strndup(name, len);
	if (!c->name)
		return dn_error_set(err, DN_ENOMEM, "out of memory adding a JSON column");
	c->len = len;
	c->hash = h;
	c->declared = dn_reader_declared_type(st->r, c->name);
	c->next = -1;
	table_put(st->slots, st->nslots, h, st->ncols);
	st->nused++;
	return st->ncols++;
}

/* Remove the columns added by a record that turned out bad (the last ones). */
static void cols_rollback(struct jstate *st, int keep)
{
	while (st->ncols > keep) {
		struct jcol *c = &st->cols[st->ncols - 1];
		size_t mask = st->nslots - 1;
		for (size_t i = (size_t)c->hash & mask;; i = (i + 1) & mask)
			if (st->slots[i] == (uint32_t)st->ncols) {
				st->slots[i] = JSON_SLOT_TOMB;
				break;
			}
		dn_free(c->name);
		st->ncols--;
	}
}

/* Nested-object keys of the current record: a table cleared entry by entry, so a record
 * without nested objects costs nothing. */
static int obj_find(const struct jstate *st, const char *name, size_t len, uint64_t h)
{
	if (!st->nobj)
		return -1;
	size_t mask = st->noslots - 1;
	for (size_t i = (size_t)h & mask; st->oslots[i]; i = (i + 1) & mask) {
		const struct jobj *o = &st->objs[st->oslots[i] - 1];
		if (o->hash == h && o->len == len && !memcmp(st->onames.data + o->off, name, len))
			return (int)(st->oslots[i] - 1);
	}
	return -1;
}

static void obj_slot(struct jstate *st, size_t k)
{
	size_t mask = st->noslots - 1;
	size_t i = (size_t)st->objs[k].hash & mask;
	while (st->oslots[i])
		i = (i + 1) & mask;
	st->oslots[i] = (uint32_t)k + 1;
	st->objs[k].slot = i;
}

static int obj_add(struct jstate *st, const char *name, size_t len, uint64_t h,
		   struct dn_error *err)
{
	if (st->nobj == st->cap_obj) {
		size_t n = st->cap_obj ? st->cap_obj * 2 : 16;
		struct jobj *o = dn_realloc(st->objs, sizeof *o * n);
		if (!o)
			return dn_error_set(err, DN_ENOMEM, "out of memory parsing a JSON record");
		st->objs = o;
		st->cap_obj = n;
	}
	if ((st->nobj + 1) * 2 > st->noslots) {
		size_t n = st->noslots ? st->noslots * 2 : 64;
		uint32_t *sl = dn_calloc(n, sizeof *sl);
		if (!sl)
			return dn_error_set(err, DN_ENOMEM, "out of memory parsing a JSON record");
		dn_free(st->oslots);
		st->oslots = sl;
		st->noslots = n;
		for (size_t k = 0; k < st->nobj; k++)
			obj_slot(st, k);
	}
	struct jobj *o = &st->objs[st->nobj];
	o->hash = h;
	o->off = st->onames.len;
	o->len = len;
	DN_TRY(dn_buf_append(&st->onames, name, len, err));
	obj_slot(st, st->nobj++);
	return 0;
}

static void obj_reset(struct jstate *st)
{
	for (size_t k = 0; k < st->nobj; k++)
		st->oslots[st->objs[k].slot] = 0;
	st->nobj = 0;
	dn_buf_reset(&st->onames);
}

/* ---------------------------------------------------------------------------------------------
 * The parser */

static void skip_ws(struct jctx *x)
{
	const char *p = x->p, *e = x->end;
	if (p < e && (unsigned char)*p > ' ')
		return; /* the common case: compact JSON */
	while (p < e) {
		char c = *p;
		if (c == ' ' || c == '\t' || c == '\r') {
			p++;
		} else if (c == '\n') {
			p++;
			x->line++;
			x->line_start = p;
			x->col0 = 1;
		} else {
			break;
		}
	}
	x->p = p;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Value of 4 hex digits; returns how many of them were hex digits (4 = *out is set). */
static int hex4(const char *p, uint32_t *out)
{
	uint32_t v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (uint32_t)(c - 'A' + 10);
		else
			return i;
	}
	*out = v;
	return 4;
}

/* A decoded string: in the record (no escapes) or appended to the dst buffer at off. */
struct jstr {
	const char *ptr; /* NULL when in dst */
	size_t off, len;
};

/* Parse the string at x->p (which is '"'). Escapes are decoded into dst (appended); a string
 * without escapes is left in place. */
static int parse_string(struct jstate *st, struct jctx *x, struct dn_buf *dst, struct jstr *out,
			struct dn_error *err)
{
	const char *p = x->p + 1, *e = x->end;
	const char *seg = p;
	int copying = 0;
	size_t off = dst->len;
	(void)st;
	for (;;) {
		const char *run = p;
		unsigned high = 0;
		while (p < e) {
			unsigned char c = (unsigned char)*p;
			if (c == '"' || c == '\\' || c < 0x20)
				break;
			high |= c;
			p++;
		}
		size_t bad;
		if ((high & 0x80) && !dn_utf8_valid(run, (size_t)(p - run), &bad)) {
			/* Point at the start of the broken sequence, not at the byte that cut it:
			 * the bytes before `bad` are valid, so walk their sequences. */
			size_t i = 0;
			while (i < bad) {
				unsigned char u = (unsigned char)run[i];
				size_t l = u < 0xC0 ? 1 : u < 0xE0 ? 2 : u < 0xF0 ? 3 : 4;
				if (i + l > bad)
					break;
				i += l;
			}
			bad = i;
			return fail_at(
				x, run + bad,
				"invalid UTF-8 sequence starting with byte 0x%02X in a string",
				(unsigned char)run[bad]);
		}
		if (p == e)
			return expected(x, p, "'\"' to close the string", H_NONE);
		unsigned char c = (unsigned char)*p;
		if (c == '"') {
			if (!copying) {
				out->ptr = seg;
				out->len = (size_t)(p - seg);
			} else {
				DN_TRY(dn_buf_append(dst, seg, (size_t)(p - seg), err));
				out->ptr = NULL;
				out->off = off;
				out->len = dst->len - off;
			}
			x->p = p + 1;
			return 0;
		}
		if (c < 0x20)
			return fail_at(x, p,
				       "raw control character 0x%02X in a string; write it as an "
				       "escape (\\n, \\t, \\u00XX)",
				       c);
		/* backslash */
		copying = 1;
		DN_TRY(dn_buf_append(dst, seg, (size_t)(p - seg), err));
		if (p + 1 >= e)
			return expected(x, p + 1, "an escape character after '\\'", H_NONE);
		char ch;
		switch (p[1]) {
		case '"':
			ch = '"';
			break;
		case '\\':
			ch = '\\';
			break;
		case '/':
			ch = '/';
			break;
		case 'b':
			ch = '\b';
			break;
		case 'f':
			ch = '\f';
			break;
		case 'n':
			ch = '\n';
			break;
		case 'r':
			ch = '\r';
			break;
		case 't':
			ch = '\t';
			break;
		case 'u': {
			uint32_t cp, lo;
			int k = e - (p + 2) >= 4 ? hex4(p + 2, &cp) : 0;
			if (k < 4) {
				const char *at = p + 2;
				while (at < e && is_hex(*at))
					at++;
				return expected(x, at, "4 hex digits after \\u", H_NONE);
			}
			const char *esc = p;
			p += 6;
			if (cp >= 0xDC00 && cp <= 0xDFFF)
				return fail_at(x, esc,
					       "lone low surrogate \\u%04X: it must follow a high "
					       "surrogate \\uD800-\\uDBFF",
					       (unsigned)cp);
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				if (e - p < 6 || p[0] != '\\' || p[1] != 'u' ||
				    hex4(p + 2, &lo) < 4 || lo < 0xDC00 || lo > 0xDFFF)
					return fail_at(x, esc,
						       "lone high surrogate \\u%04X: expected a "
						       "low surrogate \\uDC00-\\uDFFF after it",
						       (unsigned)cp);
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
				p += 6;
			}
			char u[4];
			int n = dn_utf8_encode(cp, u);
			DN_TRY(dn_buf_append(dst, u, (size_t)n, err));
			seg = p;
			continue;
		}
		default: {
			char f[40];
			describe(p + 1, x->desc_end, x->desc_eof, f, sizeof f);
			return fail_at(
				x, p + 1,
				"invalid escape: expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t "
				"\\uXXXX, found %s after '\\'",
				f);
		}
		}
		DN_TRY(dn_buf_putc(dst, ch, err));
		p += 2;
		seg = p;
	}
}

/* Check the number grammar at x->p; returns JK_INT or JK_FLOAT and leaves the text behind. */
static int parse_number(struct jctx *x, int *kind)
{
	const char *p = x->p, *e = x->end;
	*kind = JK_INT;
	if (p < e && *p == '-') {
		p++;
		if (p == e || !is_digit(*p))
			return expected(x, p, "a digit after '-'", H_NONE);
	}
	if (*p == '0') {
		p++;
		if (p < e && is_digit(*p))
			return fail_at(
				x, p - 1,
				"leading zeros are not allowed in JSON numbers (found '%c' after "
				"'0'); quote the value to keep it as text",
				*p);
	} else {
		while (p < e && is_digit(*p))
			p++;
	}
	if (p < e && *p == '.') {
		p++;
		if (p == e || !is_digit(*p))
			return expected(x, p, "a digit after '.'", H_NONE);
		while (p < e && is_digit(*p))
			p++;
		*kind = JK_FLOAT;
	}
	if (p < e && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < e && (*p == '+' || *p == '-'))
			p++;
		if (p == e || !is_digit(*p))
			return expected(x, p, "a digit in the exponent", H_NONE);
		while (p < e && is_digit(*p))
			p++;
		*kind = JK_FLOAT;
	}
	x->p = p;
	return 0;
}

static int parse_literal(struct jctx *x, const char *word, size_t n)
{
	const char *p = x->p;
	for (size_t i = 0; i < n; i++) {
		if (p + i >= x->end || p[i] != word[i]) {
			char what[24];
			snprintf(what, sizeof what, "'%s'", word);
			return expected(x, p + i, what, H_NONE);
		}
	}
	x->p = p + n;
	return 0;
}

static int enter(struct jctx *x, int level)
{
	if (level > JSON_MAX_DEPTH)
		return fail_at(x, x->p, "nesting deeper than %d levels, the limit for JSON input",
			       JSON_MAX_DEPTH);
	return 0;
}

/* Parse any value at x->p and append its compact JSON text to out (arrays, and records that
 * are not objects). level is the nesting level of the enclosing container. */
static int parse_compact(struct jstate *st, struct jctx *x, int level, struct dn_buf *out,
			 struct dn_error *err)
{
	if (x->p >= x->end)
		return expected(x, x->p, "a value", H_VALUE);
	char c = *x->p;
	if (c == '{' || c == '[') {
		char close = c == '{' ? '}' : ']';
		int first = 1;
		DN_TRY(enter(x, level + 1));
		DN_TRY(dn_buf_putc(out, c, err));
		x->p++;
		skip_ws(x);
		if (x->p < x->end && *x->p == close) {
			x->p++;
			return dn_buf_putc(out, close, err);
		}
		for (;;) {
			if (c == '{') {
				struct jstr k;
				if (x->p >= x->end || *x->p != '"')
					return expected(x, x->p,
							first ? "a string key or '}'" :
								"a string key after ','",
							first ? H_KEY : H_COMMA);
				dn_buf_reset(&st->tmp);
				DN_TRY(parse_string(st, x, &st->tmp, &k, err));
				DN_TRY(dn_json_put_string(out, k.ptr ? k.ptr : st->tmp.data + k.off,
							  k.len, err));
				skip_ws(x);
				if (x->p >= x->end || *x->p != ':')
					return expected(x, x->p, "':' after the object key",
							H_NONE);
				x->p++;
				skip_ws(x);
				DN_TRY(dn_buf_putc(out, ':', err));
			} else if (!first && x->p < x->end && *x->p == ']') {
				return expected(x, x->p, "a value after ','", H_COMMA);
			}
			DN_TRY(parse_compact(st, x, level + 1, out, err));
			skip_ws(x);
			if (x->p < x->end && *x->p == ',') {
				x->p++;
				skip_ws(x);
				DN_TRY(dn_buf_putc(out, ',', err));
				first = 0;
				continue;
			}
			if (x->p < x->end && *x->p == close) {
				x->p++;
				return dn_buf_putc(out, close, err);
			}
			return expected(x, x->p,
					c == '{' ? "',' or '}' after an object member" :
						   "',' or ']' after an array element",
					H_NONE);
		}
	}
	const char *s = x->p;
	if (c == '"') {
		struct jstr v;
		dn_buf_reset(&st->tmp);
		DN_TRY(parse_string(st, x, &st->tmp, &v, err));
		return dn_json_put_string(out, v.ptr ? v.ptr : st->tmp.data + v.off, v.len, err);
	}
	if (c == '-' || is_digit(c)) {
		int kind;
		DN_TRY(parse_number(x, &kind));
	} else if (c == 't') {
		DN_TRY(parse_literal(x, "true", 4));
	} else if (c == 'f') {
		DN_TRY(parse_literal(x, "false", 5));
	} else if (c == 'n') {
		DN_TRY(parse_literal(x, "null", 4));
	} else {
		return expected(x, x->p, "a value", H_VALUE);
	}
	return dn_buf_append(out, s, (size_t)(x->p - s), err);
}

static int member_push(struct jstate *st, struct dn_error *err)
{
	if (st->nm == st->cap_m) {
		size_t n = st->cap_m ? st->cap_m * 2 : 64;
		struct jmember *m = dn_realloc(st->m, sizeof *m * n);
		if (!m)
			return dn_error_set(err, DN_ENOMEM, "out of memory parsing a JSON record");
		st->m = m;
		st->cap_m = n;
	}
	return 0;
}

/* Add a member named name (the full dotted name), or note why the record is bad. */
static int member_add(struct jstate *st, struct jctx *x, const char *name, size_t len, int64_t line,
		      int64_t column, struct jmember *val, struct dn_error *err)
{
	if (x->bad)
		return 0;
	if (memchr(name, 0, len)) {
		set_bad(x, line, column,
			"key contains a NUL character (\\u0000), which a column name cannot hold");
		return 0;
	}
	/* Records of a file mostly have the same keys in the same order: try the column that
	 * followed the previous one last time before hashing. */
	int c = st->nm ? st->cols[st->m[st->nm - 1].col].next : st->first;
	uint64_t h = 0;
	if (c < 0 || c >= st->ncols || st->cols[c].len != len ||
	    memcmp(st->cols[c].name, name, len) != 0) {
		h = dn_hash64(name, len, 0);
		c = table_find(st, name, len, h);
	} else {
		h = st->cols[c].hash;
	}
	if (c < 0) {
		c = col_new(st, name, len, h, err);
		if (c < 0)
			return c;
	} else if (st->cols[c].stamp == st->rec_id) {
		set_bad(x, line, column, "duplicate key '%.*s'", (int)(len > 200 ? 200 : len),
			name);
		return 0;
	}
	if (st->nobj && obj_find(st, name, len, h) >= 0) {
		set_bad(x, line, column, "duplicate key '%.*s'", (int)(len > 200 ? 200 : len),
			name);
		return 0;
	}
	st->cols[c].stamp = st->rec_id;
	if (st->nm)
		st->cols[st->m[st->nm - 1].col].next = c;
	else
		st->first = c;
	DN_TRY(member_push(st, err));
	struct jmember *m = &st->m[st->nm++];
	*m = *val;
	m->col = c;
	m->line = line;
	m->column = column;
	return 0;
}

/* Parse the object at x->p, adding its members flattened under st->prefix. */
static int parse_flat(struct jstate *st, struct jctx *x, int level, struct dn_error *err)
{
	int first = 1;
	DN_TRY(enter(x, level));
	x->p++;
	skip_ws(x);
	if (x->p < x->end && *x->p == '}') {
		x->p++;
		return 0;
	}
	for (;;) {
		struct jstr k;
		if (x->p >= x->end || *x->p != '"')
			return expected(x, x->p,
					first ? "a string key or '}'" : "a string key after ','",
					first ? H_KEY : H_COMMA);
		int64_t kline = x->line, kcol = col_of(x, x->p);
		size_t plen = st->prefix.len;
		DN_TRY(parse_string(st, x, &st->prefix, &k, err));
		/* The full name: prefix + key, contiguous. A top-level key without escapes is
		 * used in place (the common case: no copy). */
		const char *name;
		size_t nlen;
		if (k.ptr && plen == 0) {
			name = k.ptr;
			nlen = k.len;
		} else {
			if (k.ptr)
				DN_TRY(dn_buf_append(&st->prefix, k.ptr, k.len, err));
			name = st->prefix.data;
			nlen = st->prefix.len;
		}
		skip_ws(x);
		if (x->p >= x->end || *x->p != ':')
			return expected(x, x->p, "':' after the object key", H_NONE);
		x->p++;
		skip_ws(x);
		struct jmember v;
		memset(&v, 0, sizeof v);
		char c = x->p < x->end ? *x->p : 0;
		if (c == '{') {
			if (!x->bad) {
				uint64_t h = dn_hash64(name, nlen, 0);
				int lc = table_find(st, name, nlen, h);
				if ((lc >= 0 && st->cols[lc].stamp == st->rec_id) ||
				    obj_find(st, name, nlen, h) >= 0)
					set_bad(x, kline, kcol, "duplicate key '%.*s'",
						(int)(nlen > 200 ? 200 : nlen), name);
				else
					DN_TRY(obj_add(st, name, nlen, h, err));
			}
			if (name != st->prefix.data)
				DN_TRY(dn_buf_append(&st->prefix, name, nlen, err));
			DN_TRY(dn_buf_putc(&st->prefix, '.', err));
			DN_TRY(parse_flat(st, x, level + 1, err));
			st->prefix.len = plen;
		} else {
			const char *s = x->p;
			if (c == '[') {
				v.kind = JK_ARRAY;
				v.off = st->scratch.len;
				DN_TRY(parse_compact(st, x, level, &st->scratch, err));
				v.len = st->scratch.len - v.off;
			} else if (c == '"') {
				struct jstr sv;
				DN_TRY(parse_string(st, x, &st->scratch, &sv, err));
				v.kind = JK_STRING;
				v.ptr = sv.ptr;
				v.off = sv.off;
				v.len = sv.len;
			} else if (c == '-' || is_digit(c)) {
				int kind;
				DN_TRY(parse_number(x, &kind));
				v.kind = (uint8_t)kind;
				v.ptr = s;
				v.len = (size_t)(x->p - s);
			} else if (c == 't' || c == 'f') {
				DN_TRY(parse_literal(x, c == 't' ? "true" : "false",
						     c == 't' ? 4 : 5));
				v.kind = JK_BOOL;
				v.bval = c == 't';
				v.ptr = s;
				v.len = (size_t)(x->p - s);
			} else if (c == 'n') {
				DN_TRY(parse_literal(x, "null", 4));
				v.kind = JK_NULL;
			} else {
				return expected(x, x->p, "a value", H_VALUE);
			}
			/* name may point into prefix, which the value did not touch. */
			DN_TRY(member_add(st, x, name, nlen, kline, kcol, &v, err));
			st->prefix.len = plen;
		}
		skip_ws(x);
		if (x->p < x->end && *x->p == ',') {
			x->p++;
			skip_ws(x);
			first = 0;
			continue;
		}
		if (x->p < x->end && *x->p == '}') {
			x->p++;
			return 0;
		}
		return expected(x, x->p, "',' or '}' after an object member", H_NONE);
	}
}

/* ---------------------------------------------------------------------------------------------
 * Values to column types */

static const char *mtext(const struct jstate *st, const struct jmember *m)
{
	return m->ptr ? m->ptr : st->scratch.data + m->off;
}

/* Does an integer literal fit int64? Up to 18 digits always does. */
static int int_fits(const char *p, size_t n)
{
	int64_t v;
	size_t digits = n - (p[0] == '-');
	return digits <= 18 || dn_parse_i64(p, n, &v) == 0;
}

/* Does a JSON number overflow float64? Only long numbers or 3-digit exponents can, so the rest
 * skip the parse. Such a number has no float64 that writes back as JSON, so it infers string
 * (its text is kept exactly). */
static int f64_overflows(const char *p, size_t n)
{
	const char *e = memchr(p, 'e', n);
	if (!e)
		e = memchr(p, 'E', n);
	if (n <= 200 && (!e || n - (size_t)(e - p) <= 3 ||
			 (n - (size_t)(e - p) == 4 && (e[1] == '+' || e[1] == '-'))))
		return 0;
	double v;
	return dn_parse_f64(p, n, &v) != 0 || !isfinite(v);
}

/* The type a value suggests for inference. */
static enum dn_type member_type(const struct jstate *st, const struct jmember *m)
{
	switch (m->kind) {
	case JK_BOOL:
		return DN_BOOL;
	case JK_INT:
		if (int_fits(mtext(st, m), m->len))
			return DN_INT64;
		return f64_overflows(mtext(st, m), m->len) ? DN_STRING : DN_FLOAT64;
	case JK_FLOAT:
		return f64_overflows(mtext(st, m), m->len) ? DN_STRING : DN_FLOAT64;
	case JK_STRING: {
		const char *p = mtext(st, m);
		int64_t v;
		if (m->len >= 10 && is_digit(p[0]) && p[4] == '-') {
			int kind = dn_time_parse(p, m->len, &v);
			if (kind == DN_TIME_DATE)
				return DN_DATE;
			if (kind == DN_TIME_TIMESTAMP)
				return DN_TIMESTAMP;
		}
		return DN_STRING;
	}
	default:
		return DN_STRING;
	}
}

/* Convert a non-null member to type t into m->v (strings need nothing). Returns 0 or
 * DN_ETYPE. JSON strings are read as text of the type (a declared int64 takes "12"). */
static int convert(const struct jstate *st, struct jmember *m, enum dn_type t)
{
	const char *p = mtext(st, m);
	size_t n = m->len;
	int kind;
	switch (t) {
	case DN_STRING:
		return 0;
	case DN_BOOL:
		if (m->kind == JK_BOOL)
			m->v.i = m->bval;
		else if (m->kind == JK_STRING && dn_str_ieq_cstr(dn_str_make(p, n), "true"))
			m->v.i = 1;
		else if (m->kind == JK_STRING && dn_str_ieq_cstr(dn_str_make(p, n), "false"))
			m->v.i = 0;
		else
			return DN_ETYPE;
		return 0;
	case DN_INT64:
		if (m->kind != JK_INT && m->kind != JK_STRING)
			return DN_ETYPE;
		return dn_parse_i64(p, n, &m->v.i) == 0 ? 0 : DN_ETYPE;
	case DN_FLOAT64:
		if (m->kind != JK_INT && m->kind != JK_FLOAT && m->kind != JK_STRING)
			return DN_ETYPE;
		/* NaN and infinities have no JSON form: they do not fit */
		return dn_parse_f64(p, n, &m->v.f) == 0 && isfinite(m->v.f) ? 0 : DN_ETYPE;
	case DN_DATE:
		if (m->kind != JK_STRING)
			return DN_ETYPE;
		kind = dn_time_parse(p, n, &m->v.i);
		return kind == DN_TIME_DATE ? 0 : DN_ETYPE;
	case DN_TIMESTAMP:
		if (m->kind != JK_STRING)
			return DN_ETYPE;
		kind = dn_time_parse(p, n, &m->v.i);
		if (kind == DN_TIME_DATE)
			m->v.i *= DN_USEC_PER_DAY;
		return kind > 0 ? 0 : DN_ETYPE;
	}
	return DN_ETYPE;
}

static enum dn_type final_type(const struct jstate *st, const struct jcol *c)
{
	if (c->declared)
		return c->declared;
	if (st->r->opt.all_strings || !c->type)
		return DN_STRING;
	return c->type;
}

static int append_member(struct jstate *st, const struct jmember *m, struct dn_error *err)
{
	struct dn_builder *b = &st->b[m->col];
	if (m->kind == JK_NULL)
		return dn_builder_append_null(b, err);
	switch (b->type) {
	case DN_BOOL:
		return dn_builder_append_bool(b, (int)m->v.i, err);
	case DN_INT64:
		return dn_builder_append_i64(b, m->v.i, err);
	case DN_FLOAT64:
		return dn_builder_append_f64(b, m->v.f, err);
	case DN_DATE:
		return dn_builder_append_date(b, (int32_t)m->v.i, err);
	case DN_TIMESTAMP:
		return dn_builder_append_ts(b, m->v.i, err);
	case DN_STRING:
		return dn_builder_append_str(b, mtext(st, m), m->len, err);
	}
	return dn_error_set(err, DN_EINTERNAL, "JSON reader: column of unknown type");
}

/* The members of the current record as a row: the columns it did not set (stamp) get nulls. */
static int append_row(struct jstate *st, struct dn_error *err)
{
	for (size_t i = 0; i < st->nm; i++)
		DN_TRY(append_member(st, &st->m[i], err));
	if (st->nm != (size_t)st->ncols) {
		for (int c = 0; c < st->ncols; c++)
			if (st->cols[c].stamp != st->rec_id)
				DN_TRY(dn_builder_append_null(&st->b[c], err));
	}
	st->rows++;
	return 0;
}

/* ---------------------------------------------------------------------------------------------
 * The tape (memory input) */

/* Keep the record just parsed (pass 1). */
static int tape_record(struct jstate *st, const char *rec, size_t len, int64_t line, int64_t col,
		       int bad, struct dn_error *err)
{
	struct trec t = {.rec = rec,
			 .len = len,
			 .line = line,
			 .col = col,
			 .end = st->in.base + st->in.pos,
			 .nm = bad ? 0 : (uint32_t)st->nm,
			 .bad = bad != 0};
	if (st->tape.len + st->taux.len + sizeof t + st->nm * sizeof(struct tmem) +
		    st->scratch.len >
	    JSON_TAPE_MAX) {
		/* Too big to keep: pass 2 parses everything again. */
		st->tape_on = 0;
		dn_buf_release(&st->tape);
		dn_buf_release(&st->taux);
		return 0;
	}
	size_t need = sizeof t + t.nm * sizeof(struct tmem);
	DN_TRY(dn_buf_reserve(&st->tape, need, err));
	char *at = st->tape.data + st->tape.len;
	memcpy(at, &t, sizeof t);
	struct tmem *e = (struct tmem *)(void *)(at + sizeof t);
	for (size_t i = 0; i < t.nm; i++) {
		const struct jmember *m = &st->m[i];
		e[i] = (struct tmem){m->ptr, 0, m->len, m->col, m->kind, m->bval, 0};
		if (!m->ptr && m->kind != JK_NULL) {
			e[i].aux = 1;
			e[i].off = st->taux.len;
			DN_TRY(dn_buf_append(&st->taux, st->scratch.data + m->off, m->len, err));
		}
	}
	st->tape.len += need;
	return 0;
}

/* Pass 2: the next record from the tape as a row. Returns 1 (a row or a bad row reported), 0
 * when the tape is done, or < 0. */
static int do_record(struct jstate *st, const char *rec, size_t len, int64_t line, int64_t col,
		     struct dn_error *err);
static int tape_next(struct jstate *st, struct dn_error *err)
{
	if (st->tape_pos >= st->tape.len)
		return 0;
	struct trec t;
	memcpy(&t, st->tape.data + st->tape_pos, sizeof t);
	const char *mp = st->tape.data + st->tape_pos + sizeof t;
	st->tape_pos += sizeof t + t.nm * sizeof(struct tmem);
	int rc;
	if (t.bad)
		goto parse;
	st->nm = 0;
	for (uint32_t i = 0; i < t.nm; i++) {
		struct tmem e;
		memcpy(&e, mp + i * sizeof e, sizeof e);
		DN_TRY(member_push(st, err));
		struct jmember *m = &st->m[st->nm++];
		m->col = e.col;
		m->kind = e.kind;
		m->bval = e.bval;
		m->ptr = e.aux ? st->taux.data + e.off : e.ptr;
		m->len = e.len;
		if (m->kind != JK_NULL && convert(st, m, final_type(st, &st->cols[m->col])) != 0)
			goto parse; /* cannot happen with inferred types; the parse names it */
	}
	st->r->summary.read++;
	st->rec_id++;
	for (size_t i = 0; i < st->nm; i++)
		st->cols[st->m[i].col].stamp = st->rec_id;
	DN_TRY(append_row(st, err));
	st->r->summary.bytes = t.end; /* whole records taken, as a file read counts */
	return 1;
parse: /* a bad record: the parse reports it in order */
	if ((rc = do_record(st, t.rec, t.len, t.line, t.col, err)) < 0)
		return rc;
	st->r->summary.bytes = t.end;
	return 1;
}

/* ---------------------------------------------------------------------------------------------
 * Records */

static const char *what_value(char c)
{
	switch (c) {
	case '[':
		return "an array";
	case '"':
		return "a string";
	case 't':
	case 'f':
		return "a boolean";
	case 'n':
		return "null";
	default:
		return "a number";
	}
}

/* Parse one record and, in pass 1, learn from it; in pass 2, append it as a row or report it
 * as a bad row. Returns REC_GOOD / REC_BAD (pass 1), 0 (pass 2) or a negative error. */
static int do_record(struct jstate *st, const char *rec, size_t len, int64_t line, int64_t col,
		     struct dn_error *err)
{
	struct dn_reader *r = st->r;
	struct jctx *x = &st->x;
	int keep = st->ncols;
	int rc;
	x->p = rec;
	x->end = rec + len;
	x->line_start = rec;
	x->line = line;
	x->col0 = col;
	x->bad = 0;
	skip_ws(x);
	if (x->p == x->end)
		return st->pass == 1 ? REC_GOOD : 0; /* a blank line is not a row */
	st->rec_id++;
	st->nm = 0;
	dn_buf_reset(&st->prefix);
	dn_buf_reset(&st->scratch);
	obj_reset(st);
	x->desc_end = st->lines ? rec + len : st->in.data + st->in.end;
	x->desc_eof = !st->lines;
	const char *start = x->p;
	if (*x->p == '{') {
		rc = parse_flat(st, x, 1, err);
	} else {
		int64_t l = x->line, c = col_of(x, x->p);
		rc = parse_compact(st, x, 0, &st->scratch, err);
		if (rc == 0)
			set_bad(x, l, c, "expected an object, found %s", what_value(*start));
	}
	if (rc == 0) {
		skip_ws(x);
		if (x->p != x->end)
			rc = expected(x, x->p,
				      st->lines ? "the end of the line after the record" :
						  "',' or ']' after an array element",
				      H_NONE);
	}
	if (rc == DN_EPARSE) {
		cols_rollback(st, keep);
		if (!st->lines)
			return dn_error_set_at(err, DN_EPARSE, r->name, x->err_line, x->err_col,
					       "%s", x->msg);
		x->bad = 0;
		set_bad(x, x->err_line, x->err_col, "%s", x->msg);
	} else if (rc < 0) {
		cols_rollback(st, keep);
		return rc;
	}
	/* Values against the column types: declared ones in pass 1, all of them in pass 2. */
	for (size_t i = 0; i < st->nm && !x->bad; i++) {
		struct jmember *m = &st->m[i];
		const struct jcol *c = &st->cols[m->col];
		enum dn_type t = st->pass == 1 ? c->declared : final_type(st, c);
		if (m->kind == JK_NULL || !t || convert(st, m, t) == 0)
			continue;
		const char *p = mtext(st, m);
		size_t n = m->len > 60 ? 60 : m->len;
		set_bad(x, m->line, m->column, "column '%s': %s%.*s%s%s does not fit its %stype %s",
			c->name, m->kind == JK_STRING ? "\"" : "", (int)n, p,
			n < m->len ? "..." : "", m->kind == JK_STRING ? "\"" : "",
			c->declared ? "declared " : "", dn_type_name(t));
	}
	if (st->pass == 1) {
		if (st->tape_on)
			DN_TRY(tape_record(st, rec, len, line, col, x->bad, err));
		if (x->bad) {
			cols_rollback(st, keep);
			return REC_BAD;
		}
		if (r->opt.all_strings)
			return REC_GOOD;
		for (size_t i = 0; i < st->nm; i++) {
			const struct jmember *m = &st->m[i];
			struct jcol *c = &st->cols[m->col];
			if (m->kind == JK_NULL || c->declared || c->type == DN_STRING)
				continue;
			enum dn_type t = member_type(st, m);
			c->type = c->type ? dn_type_widen(c->type, t) : t;
		}
		return REC_GOOD;
	}
	r->summary.read++;
	if (x->bad) {
		cols_rollback(st, keep);
		if (st->lines && len && rec[len - 1] == '\r')
			len--; /* the record as the user sees it, without the CRLF's CR */
		return dn_reader_bad_row(r, x->bad_line, x->bad_col, x->bad_msg, rec, len, err);
	}
	if (st->ncols != keep) {
		cols_rollback(st, keep);
		return dn_error_set_at(err, DN_EIO, r->name, line, col,
				       "the input changed while it was read (a column appeared "
				       "between the two passes)");
	}
	return append_row(st, err);
}

/* ---------------------------------------------------------------------------------------------
 * Input */

static int64_t src_read(struct jstate *st, char *dst, size_t n, struct dn_error *err)
{
	struct dn_reader *r = st->r;
	int64_t got;
	if (st->pass == 2) {
		uint64_t left = st->limit - st->nread;
		if (n > left)
			n = (size_t)left;
		if (n == 0)
			return 0;
	}
	if (st->spool_fd >= 0 && st->pass == 2) {
		for (;;) {
			ssize_t k = read(st->spool_fd, dst, n);
			if (k >= 0) {
				got = k;
				break;
			}
			if (errno != EINTR)
				return dn_error_set_at(err, DN_EIO, r->name, 0, 0,
						       "cannot read the temporary copy of standard "
						       "input: %s",
						       strerror(errno));
		}
	} else {
		got = dn_source_read(r, dst, n, err);
		if (got < 0)
			return got;
		for (int64_t done = 0; st->spool_fd >= 0 && done < got;) {
			ssize_t k = write(st->spool_fd, dst + done, (size_t)(got - done));
			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0)
				return dn_error_set_at(
					err, DN_EIO, r->name, 0, 0,
					"cannot copy standard input to a temporary "
					"file: %s (set TMPDIR to a directory with room)",
					strerror(k < 0 ? errno : ENOSPC));
			done += k;
		}
	}
	st->nread += (uint64_t)got;
	return got;
}

static int limit_error(struct jstate *st, struct dn_error *err)
{
	struct jinput *in = &st->in;
	size_t max = st->r->opt.max_record_bytes;
	char lim[48];
	if (max % ((size_t)1 << 20) == 0)
		snprintf(lim, sizeof lim, "%zu MiB", max >> 20);
	else
		snprintf(lim, sizeof lim, "%zu bytes", max);
	return dn_error_set_at(
		err, DN_ELIMIT, st->r->name, in->line,
		(int64_t)(in->base + in->pos - in->line_abs) + 1,
		"a %s record is longer than %s, the limit (max_record_bytes); raise it "
		"if the input really holds records this large",
		st->lines ? "NDJSON" : "JSON", lim);
}

/* Bring more input into the window, keeping [pos, end). Returns 1, 0 at the end, or < 0. */
static int more(struct jstate *st, struct dn_error *err)
{
	struct jinput *in = &st->in;
	size_t max = st->r->opt.max_record_bytes;
	if (in->eof)
		return 0;
	if (st->mem) {
		in->eof = 1;
		return 0;
	}
	if (in->end - in->pos > max)
		return limit_error(st, err);
	if (in->pos > 0) {
		memmove(in->buf, in->buf + in->pos, in->end - in->pos);
		in->base += in->pos;
		in->end -= in->pos;
		in->pos = 0;
	}
	if (in->end == in->cap) {
		size_t top = max + JSON_CHUNK;
		size_t nc = in->cap ? in->cap * 2 : JSON_CHUNK;
		if (nc > top || nc < in->cap)
			nc = top;
		if (nc <= in->cap)
			return limit_error(st, err);
		char *nb = dn_realloc(in->buf, nc);
		if (!nb)
			return dn_error_set(err, DN_ENOMEM, "out of memory reading %s",
					    st->r->name);
		in->buf = nb;
		in->data = nb;
		in->cap = nc;
	}
	int64_t got = src_read(st, in->buf + in->end, in->cap - in->end, err);
	if (got < 0)
		return (int)got;
	if (got == 0) {
		in->eof = 1;
		return 0;
	}
	in->end += (size_t)got;
	return 1;
}

/* Consume n bytes of the window, counting lines. */
static void advance(struct jinput *in, size_t n)
{
	const char *p = in->data + in->pos, *e = p + n;
	const char *q;
	while (p < e && (q = memchr(p, '\n', (size_t)(e - p))) != NULL) {
		in->line++;
		in->line_abs = in->base + (uint64_t)(q + 1 - in->data);
		p = q + 1;
	}
	in->pos += n;
}

static int64_t win_col(const struct jinput *in)
{
	return (int64_t)(in->base + in->pos - in->line_abs) + 1;
}

/* Skip whitespace between records; the next byte, JSON_EOF, or < 0. */
static int win_peek(struct jstate *st, struct dn_error *err)
{
	struct jinput *in = &st->in;
	for (;;) {
		while (in->pos < in->end) {
			char c = in->data[in->pos];
			if (c == '\n') {
				in->pos++;
				in->line++;
				in->line_abs = in->base + in->pos;
			} else if (c == ' ' || c == '\t' || c == '\r') {
				in->pos++;
			} else {
				return (unsigned char)c;
			}
		}
		int rc = more(st, err);
		if (rc < 0)
			return rc;
		if (rc == 0)
			return JSON_EOF;
	}
}

/* A syntax error between the elements of the top-level array. */
static int win_error(struct jstate *st, const char *what, const char *hint, struct dn_error *err)
{
	struct jinput *in = &st->in;
	char f[40];
	describe(in->data + in->pos, in->data + in->end, 1, f, sizeof f);
	return dn_error_set_at(err, DN_EPARSE, st->r->name, in->line, win_col(in),
			       "expected %s, found %s%s", what, f, hint);
}

/* Skip a UTF-8 byte order mark at the start of the input. */
static int skip_bom(struct jstate *st, struct dn_error *err)
{
	struct jinput *in = &st->in;
	while (in->end - in->pos < 3) {
		int rc = more(st, err);
		if (rc < 0)
			return rc;
		if (rc == 0)
			break;
	}
	if (in->end - in->pos >= 3 && memcmp(in->data + in->pos, "\xEF\xBB\xBF", 3) == 0)
		in->pos += 3;
	return 0;
}

/* Next NDJSON line: 1 and the record, 0 at the end, or < 0. */
static int next_line(struct jstate *st, const char **rec, size_t *len, int64_t *line, int64_t *col,
		     struct dn_error *err)
{
	struct jinput *in = &st->in;
	size_t max = st->r->opt.max_record_bytes;
	size_t from = 0;
	for (;;) {
		const char *d = in->data + in->pos;
		size_t n = in->end - in->pos;
		const char *nl = from < n ? memchr(d + from, '\n', n - from) : NULL;
		int rc = 0;
		if (!nl) {
			from = n;
			rc = more(st, err);
			if (rc < 0)
				return rc;
			if (rc > 0)
				continue;
			if (n == 0)
				return 0;
		}
		size_t l = nl ? (size_t)(nl - d) : n;
		if (l > max)
			return limit_error(st, err);
		*rec = d;
		*len = l;
		*line = in->line;
		*col = win_col(in);
		in->pos += l;
		if (nl) {
			in->pos++;
			in->line++;
			in->line_abs = in->base + in->pos;
		}
		return 1;
	}
}

/* Find the end of the array element at in->pos without parsing it: match brackets outside
 * strings. On anything odd (a mismatch, too deep, a control character in a string) it stops
 * just after it, and the parser then reports the error with its position. */
static int scan_element(struct jstate *st, size_t *len, struct dn_error *err)
{
	struct jinput *in = &st->in;
	struct jscan *s = &st->scan;
	for (;;) {
		const char *d = in->data + in->pos;
		size_t n = in->end - in->pos;
		size_t i = s->off;
		for (; i < n; i++) {
			unsigned char c = (unsigned char)d[i];
			if (s->in_str) {
				if (s->esc) {
					s->esc = 0;
				} else if (c == '\\') {
					s->esc = 1;
				} else if (c == '"') {
					s->in_str = 0;
					if (s->depth == 0)
						goto done_incl;
				} else if (c < 0x20) {
					goto done_incl;
				}
				continue;
			}
			switch (c) {
			case '"':
				s->in_str = 1;
				break;
			case '{':
			case '[':
				if (s->depth == JSON_MAX_DEPTH)
					goto done_incl;
				s->stack[s->depth++] = (char)c;
				break;
			case '}':
			case ']':
				if (s->depth == 0)
					goto done_excl;
				if (s->stack[s->depth - 1] != (c == '}' ? '{' : '['))
					goto done_incl;
				if (--s->depth == 0)
					goto done_incl;
				break;
			case ',':
			case ' ':
			case '\t':
			case '\n':
			case '\r':
				if (s->depth == 0)
					goto done_excl;
				break;
			default:
				break;
			}
		}
		s->off = i;
		int rc = more(st, err);
		if (rc < 0)
			return rc;
		if (rc == 0) {
			*len = n;
			return 1;
		}
		continue;
done_incl:
		i++;
done_excl:
		if (i == 0)
			i = 1; /* a stray ',' or '}': let the parser name it */
		if (i > st->r->opt.max_record_bytes)
			return limit_error(st, err);
		*len = i;
		return 1;
	}
}

/* Next element of the top-level array: 1 and the record, 0 at the end, or < 0. */
static int next_element(struct jstate *st, const char **rec, size_t *len, int64_t *line,
			int64_t *col, struct dn_error *err)
{
	struct jinput *in = &st->in;
	for (;;) {
		int c;
		switch (st->arr) {
		case ARR_START:
			c = win_peek(st, err);
			if (c < 0)
				return c;
			if (c != '[') {
				const char *hint = " (for one object per line, read the input as "
						   "ndjson)";
				return win_error(st, "'[' to start a JSON array of objects",
						 c == '{' ? hint : "", err);
			}
			advance(in, 1);
			st->arr = ARR_FIRST;
			continue;
		case ARR_FIRST:
			c = win_peek(st, err);
			if (c < 0)
				return c;
			if (c == ']') {
				advance(in, 1);
				st->arr = ARR_END;
				continue;
			}
			if (c == JSON_EOF)
				return win_error(st, "an object or ']'", "", err);
			break;
		case ARR_NEXT:
			c = win_peek(st, err);
			if (c < 0)
				return c;
			if (c == ']') {
				advance(in, 1);
				st->arr = ARR_END;
				continue;
			}
			if (c != ',')
				return win_error(st, "',' or ']' after an array element", "", err);
			advance(in, 1);
			c = win_peek(st, err);
			if (c < 0)
				return c;
			if (c == ']' || c == JSON_EOF)
				return win_error(
					st, "a value after ','",
					c == ']' ? " (trailing commas are not allowed in JSON)" :
						   "",
					err);
			break;
		case ARR_END:
			c = win_peek(st, err);
			if (c < 0)
				return c;
			if (c != JSON_EOF)
				return win_error(st, "the end of the input after the closing ']'",
						 "", err);
			st->arr = ARR_DONE;
			return 0;
		case ARR_DONE:
			return 0;
		}
		memset(&st->scan, 0, offsetof(struct jscan, stack));
		size_t n = 0;
		DN_TRY(scan_element(st, &n, err));
		*rec = in->data + in->pos;
		*len = n;
		*line = in->line;
		*col = win_col(in);
		advance(in, n);
		st->arr = ARR_NEXT;
		return 1;
	}
}

static int next_record(struct jstate *st, const char **rec, size_t *len, int64_t *line,
		       int64_t *col, struct dn_error *err)
{
	if (st->lines)
		return next_line(st, rec, len, line, col, err);
	return next_element(st, rec, len, line, col, err);
}

/* Position the input at its start for a pass. */
static int rewind_input(struct jstate *st, struct dn_error *err)
{
	struct dn_reader *r = st->r;
	struct jinput *in = &st->in;
	in->pos = 0;
	in->base = 0;
	in->line = 1;
	in->line_abs = 0;
	st->arr = ARR_START;
	st->nread = 0;
	if (st->mem) {
		in->data = r->src.mem ? r->src.mem : "";
		in->end = r->src.mem_len;
		in->eof = 1;
		return skip_bom(st, err);
	}
	in->end = 0;
	in->eof = 0;
	if (st->pass == 2 && st->spool_fd >= 0) {
		if (lseek(st->spool_fd, 0, SEEK_SET) < 0)
			return dn_error_set_at(err, DN_EIO, r->name, 0, 0,
					       "cannot go back to the start of the input: %s",
					       strerror(errno));
	} else if (st->pass == 2) {
		int rc = dn_source_rewind(r, err);
		if (rc < 0)
			return rc;
	}
	return skip_bom(st, err);
}

/* Copy standard input (or any unseekable source) to an unlinked temporary file as pass 1
 * reads it. */
static int open_spool(struct jstate *st, struct dn_error *err)
{
	const char *dir = getenv("TMPDIR");
	struct dn_buf path = DN_BUF_INIT;
	int rc = dn_buf_printf(&path, err, "%s/dunya-json-XXXXXX", dir && *dir ? dir : "/tmp");
	if (rc < 0)
		return rc;
	st->spool_fd = mkostemp(path.data, O_CLOEXEC);
	if (st->spool_fd < 0) {
		rc = dn_error_set(err, DN_EIO,
				  "cannot create a temporary file %s to hold standard input for "
				  "the JSON reader's second pass: %s; set TMPDIR to a writable "
				  "directory",
				  path.data, strerror(errno));
	} else {
		unlink(path.data);
	}
	dn_buf_release(&path);
	return rc;
}

/* ---------------------------------------------------------------------------------------------
 * The reader ops */

static void json_free(struct dn_reader *r)
{
	struct jstate *st = r->state;
	if (!st)
		return;
	for (int c = 0; c < st->ncols; c++)
		dn_free(st->cols[c].name);
	dn_free(st->cols);
	dn_free(st->slots);
	dn_free(st->m);
	if (st->b) {
		for (int c = 0; c < st->nb; c++)
			dn_builder_release(&st->b[c]);
		dn_free(st->b);
	}
	dn_buf_release(&st->prefix);
	dn_buf_release(&st->scratch);
	dn_buf_release(&st->tmp);
	dn_free(st->objs);
	dn_free(st->oslots);
	dn_buf_release(&st->onames);
	dn_buf_release(&st->tape);
	dn_buf_release(&st->taux);
	dn_free(st->in.buf);
	if (st->spool_fd >= 0)
		close(st->spool_fd);
	dn_free(st);
	r->state = NULL;
}

static int json_next(struct dn_reader *r, struct dn_batch **out, struct dn_error *err)
{
	struct jstate *st = r->state;
	*out = NULL;
	while (!st->finished && st->rows < r->opt.batch_rows) {
		if (st->tape_on) {
			int rc = tape_next(st, err);
			if (rc < 0)
				return rc;
			if (rc == 0) {
				st->finished = 1;
				r->summary.bytes = st->tape_bytes;
			}
			continue;
		}
		const char *rec;
		size_t len;
		int64_t line, col;
		int rc = next_record(st, &rec, &len, &line, &col, err);
		if (rc < 0)
			return rc;
		if (rc == 0) {
			st->finished = 1;
		} else {
			rc = do_record(st, rec, len, line, col, err);
			if (rc < 0)
				return rc;
		}
		r->summary.bytes = st->in.base + st->in.pos;
	}
	if (st->rows == 0)
		return 0;
	struct dn_batch *b = dn_batch_from_builders(&r->schema, st->b, err);
	if (!b)
		return err && err->code ? err->code : DN_ENOMEM;
	b->nrows = st->rows; /* also right when there are no columns (records of {}) */
	b->first_row = st->emitted;
	st->emitted += st->rows;
	st->rows = 0;
	if (r->opt.progress)
		r->opt.progress(r->opt.progress_user, r->summary.bytes, r->summary.read);
	*out = b;
	return 1;
}

static const struct dn_reader_ops json_reader_ops = {json_next, json_free};

int dn_json_reader_init(struct dn_reader *r, int lines, struct dn_error *err)
{
	struct jstate *st = dn_calloc(1, sizeof *st);
	int rc = 0;
	if (!st)
		return dn_error_set(err, DN_ENOMEM, "out of memory opening %s", r->name);
	st->r = r;
	st->lines = lines;
	st->spool_fd = -1;
	st->first = -1;
	r->state = st;
	r->ops = &json_reader_ops;
	if (r->opt.batch_rows <= 0)
		r->opt.batch_rows = DN_BATCH_ROWS;
	if (r->opt.max_record_bytes == 0)
		r->opt.max_record_bytes = (size_t)64 << 20;
	if (r->src.fd < 0 && !r->src.dec) {
		st->mem = 1;
		st->tape_on = 1;
		/* About as big as the input: room up front spares growing it copy by copy. */
		size_t guess = r->src.mem_len < ((size_t)64 << 20) ? r->src.mem_len :
								     (size_t)64 << 20;
		if (guess && (rc = dn_buf_reserve(&st->tape, guess + guess / 2, err)) < 0)
			goto out;
	} else if (!dn_source_seekable(r) && (rc = open_spool(st, err)) < 0) {
		goto out;
	}

	/* Pass 1: the columns and their types. */
	st->pass = 1;
	rc = rewind_input(st, err);
	if (rc < 0)
		goto out;
	int stopped = 0;
	for (;;) {
		const char *rec;
		size_t len;
		int64_t line, col;
		rc = next_record(st, &rec, &len, &line, &col, err);
		if (rc <= 0)
			break;
		rc = do_record(st, rec, len, line, col, err);
		if (rc < 0)
			break;
		if (rc == REC_BAD && r->opt.bad_rows == DN_BAD_FAIL) {
			/* Pass 2 stops here with the error; no need to read further. */
			stopped = 1;
			break;
		}
	}
	if (rc < 0)
		goto out;
	st->limit = stopped ? UINT64_MAX : st->nread;
	st->tape_bytes = st->in.base + st->in.pos;

	for (int c = 0; c < st->ncols; c++) {
		rc = dn_schema_add(&r->schema, st->cols[c].name, st->cols[c].len,
				   final_type(st, &st->cols[c]), err);
		if (rc < 0)
			goto out;
	}
	st->b = dn_calloc((size_t)(st->ncols ? st->ncols : 1), sizeof *st->b);
	if (!st->b) {
		rc = dn_error_set(err, DN_ENOMEM, "out of memory opening %s", r->name);
		goto out;
	}
	for (int c = 0; c < st->ncols; c++)
		dn_builder_init(&st->b[c], r->schema.fields[c].type);
	st->nb = st->ncols;

	/* Pass 2 starts; dn_reader_next builds the batches. */
	st->pass = 2;
	rc = rewind_input(st, err);
	r->summary.bytes = 0;
out:
	/* On failure formats.c frees the reader, and with it this state (json_free). */
	return rc < 0 ? rc : 0;
}
