/* JSON documents as trees (RFC 8259, strict): for small documents read whole, such as lake
 * commit records. Nodes live in the caller's arena; depth and size are bounded, and every error
 * names the line and column. Numbers keep their text so 64-bit integers lose nothing. */
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "formats_int.h"

#define MAX_DEPTH 256

struct jp {
	struct dn_arena *a;
	const char *p, *end, *start;
	const char *name;
	int depth;
	int lazy_depth; /* containers this deep are only delimited (0: none) */
};

static int jp_fail(struct jp *j, const char *what, struct dn_error *err)
{
	int64_t line = 1, col = 1;
	for (const char *q = j->start; q < j->p && q < j->end; q++) {
		if (*q == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	return dn_error_set_at(err, DN_EPARSE, j->name, line, col, "%s", what);
}

static void ws(struct jp *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

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
			return -1;
	}
	*out = v;
	return 0;
}

static int parse_string(struct jp *j, const char **s, size_t *n, struct dn_error *err)
{
	j->p++; /* the opening quote */
	const char *q = j->p;
	int plain = 1;
	while (q < j->end && *q != '"') {
		if (*q == '\\') {
			plain = 0;
			q++;
		} else if ((unsigned char)*q < 0x20) {
			j->p = q;
			return jp_fail(j, "control character in a string (escape it)", err);
		}
		q++;
	}
	if (q >= j->end)
		return jp_fail(j, "unterminated string", err);
	size_t bad;
	if (!dn_utf8_valid(j->p, (size_t)(q - j->p), &bad)) {
		j->p += bad;
		return jp_fail(j, "invalid UTF-8 in a string", err);
	}
	char *out = dn_arena_alloc(j->a, (size_t)(q - j->p) + 1);
	if (!out)
		return dn_error_set(err, DN_ENOMEM, "out of memory reading %s", j->name);
	if (plain) {
		memcpy(out, j->p, (size_t)(q - j->p));
		*n = (size_t)(q - j->p);
		out[*n] = 0;
		*s = out;
		j->p = q + 1;
		return 0;
	}
	size_t k = 0;
	const char *r = j->p;
	while (r < q) {
		if (*r != '\\') {
			out[k++] = *r++;
			continue;
		}
		r++;
		switch (*r) {
		case '"':
		case '\\':
		case '/':
			out[k++] = *r++;
			break;
		case 'b':
			out[k++] = '\b', r++;
			break;
		case 'f':
			out[k++] = '\f', r++;
			break;
		case 'n':
			out[k++] = '\n', r++;
			break;
		case 'r':
			out[k++] = '\r', r++;
			break;
		case 't':
			out[k++] = '\t', r++;
			break;
		case 'u': {
			uint32_t cp, lo;
			if (q - r < 5 || hex4(r + 1, &cp) < 0) {
				j->p = r;
				return jp_fail(j, "bad \\u escape", err);
			}
			r += 5;
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				if (q - r < 6 || r[0] != '\\' || r[1] != 'u' ||
				    hex4(r + 2, &lo) < 0 || lo < 0xDC00 || lo > 0xDFFF) {
					j->p = r;
					return jp_fail(j, "unpaired UTF-16 surrogate", err);
				}
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
				r += 6;
			} else if (cp >= 0xDC00 && cp <= 0xDFFF) {
				j->p = r;
				return jp_fail(j, "unpaired UTF-16 surrogate", err);
			}
			/* Six escaped bytes never encode to more than four. */
			k += (size_t)dn_utf8_encode(cp, out + k);
			break;
		}
		default:
			j->p = r;
			return jp_fail(j, "unknown escape in a string", err);
		}
	}
	out[k] = 0;
	*s = out;
	*n = k;
	j->p = q + 1;
	return 0;
}

static int parse_value(struct jp *j, struct dn_jv *v, struct dn_error *err);

static int parse_container(struct jp *j, struct dn_jv *v, int obj, struct dn_error *err)
{
	if (++j->depth > MAX_DEPTH)
		return jp_fail(j, "nested too deeply", err);
	j->p++;
	v->kind = obj ? DN_JV_OBJ : DN_JV_ARR;
	size_t cap = 0;
	ws(j);
	if (j->p < j->end && *j->p == (obj ? '}' : ']')) {
		j->p++;
		j->depth--;
		return 0;
	}
	for (;;) {
		if (v->n == cap) {
			size_t nc = cap ? cap * 2 : 8;
			struct dn_jv *items = dn_arena_alloc(j->a, nc * sizeof *items);
			const char **keys = obj ? dn_arena_alloc(j->a, nc * sizeof *keys) : NULL;
			if (!items || (obj && !keys))
				return dn_error_set(err, DN_ENOMEM, "out of memory reading %s",
						    j->name);
			if (v->n) {
				memcpy(items, v->items, v->n * sizeof *items);
				if (obj)
					memcpy(keys, v->keys, v->n * sizeof *keys);
			}
			v->items = items;
			v->keys = keys;
			cap = nc;
		}
		ws(j);
		if (obj) {
			size_t kn;
			if (j->p >= j->end || *j->p != '"')
				return jp_fail(j, "expected a \"key\"", err);
			DN_TRY(parse_string(j, &v->keys[v->n], &kn, err));
			ws(j);
			if (j->p >= j->end || *j->p != ':')
				return jp_fail(j, "expected ':' after a key", err);
			j->p++;
		}
		DN_TRY(parse_value(j, &v->items[v->n], err));
		v->n++;
		ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == (obj ? '}' : ']')) {
			j->p++;
			j->depth--;
			return 0;
		}
		return jp_fail(j, obj ? "expected ',' or '}'" : "expected ',' or ']'", err);
	}
}

/* Find the end of the container at j->p by its brackets, stepping over strings, and build
 * nothing: whoever reads the span checks it. With SSE2, 16 bytes at a time: quotes found by a
 * compare, the bytes inside strings by a prefix XOR of the quote bits, and only brackets outside
 * strings looked at one by one; a block with a backslash goes byte by byte. */
static int skip_container(struct jp *j, struct dn_error *err)
{
	const char *p = j->p, *e = j->end;
	int depth = 0, in_str = 0, esc = 0;
	while (p < e) {
#ifdef __SSE2__
		if (!esc && e - p >= 16) {
			__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
			unsigned bs =
				(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8('\\')));
			if (!bs) {
				unsigned q = (unsigned)_mm_movemask_epi8(
					_mm_cmpeq_epi8(x, _mm_set1_epi8('"')));
				/* '{' and '[', '}' and ']' differ in bit 5 (0x20) only */
				__m128i y = _mm_or_si128(x, _mm_set1_epi8(0x20));
				unsigned o = (unsigned)_mm_movemask_epi8(
					_mm_cmpeq_epi8(y, _mm_set1_epi8('{')));
				unsigned c = (unsigned)_mm_movemask_epi8(
					_mm_cmpeq_epi8(y, _mm_set1_epi8('}')));
				unsigned m = q; /* bit i: an odd number of quotes at or before i */
				m ^= m << 1;
				m ^= m << 2;
				m ^= m << 4;
				m ^= m << 8;
				if (in_str)
					m = ~m;
				unsigned st = (o | c) & ~m & 0xFFFFu;
				while (st) {
					int i = __builtin_ctz(st);
					st &= st - 1;
					if (o >> i & 1)
						depth++;
					else if (--depth == 0) {
						j->p = p + i + 1;
						return 0;
					}
				}
				in_str = (int)(m >> 15 & 1);
				p += 16;
				continue;
			}
		}
#endif
		const char *stop = e - p > 16 ? p + 16 : e;
		for (; p < stop; p++) {
			unsigned char c = (unsigned char)*p;
			if (in_str) {
				if (esc)
					esc = 0;
				else if (c == '\\')
					esc = 1;
				else if (c == '"')
					in_str = 0;
			} else if (c == '"') {
				in_str = 1;
			} else if (c == '{' || c == '[') {
				depth++;
			} else if ((c == '}' || c == ']') && --depth == 0) {
				j->p = p + 1;
				return 0;
			}
		}
	}
	j->p = e;
	return jp_fail(j, in_str ? "unterminated string" : "unexpected end of the document", err);
}

static int parse_value(struct jp *j, struct dn_jv *v, struct dn_error *err)
{
	memset(v, 0, sizeof *v);
	ws(j);
	if (j->p >= j->end)
		return jp_fail(j, "unexpected end of the document", err);
	char c = *j->p;
	if (c == '{' || c == '[') {
		const char *start = j->p;
		if (j->lazy_depth && j->depth >= j->lazy_depth) {
			v->kind = c == '{' ? DN_JV_OBJ : DN_JV_ARR;
			v->lazy = 1;
			if (skip_container(j, NULL) < 0) {
				/* Parse it after all, for the precise error. */
				j->p = start;
				DN_TRY(parse_container(j, v, c == '{', err));
			}
		} else {
			DN_TRY(parse_container(j, v, c == '{', err));
		}
		v->src = start;
		v->src_len = (size_t)(j->p - start);
		return 0;
	}
	if (c == '"') {
		v->kind = DN_JV_STR;
		return parse_string(j, &v->str, &v->len, err);
	}
	static const struct {
		const char *word;
		enum dn_jv_kind kind;
		int b;
	} words[] = {{"true", DN_JV_BOOL, 1}, {"false", DN_JV_BOOL, 0}, {"null", DN_JV_NULL, 0}};
	for (size_t i = 0; i < 3; i++) {
		size_t n = strlen(words[i].word);
		if ((size_t)(j->end - j->p) >= n && !memcmp(j->p, words[i].word, n)) {
			v->kind = words[i].kind;
			v->b = words[i].b;
			j->p += n;
			return 0;
		}
	}
	/* A number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
	const char *s = j->p, *q = j->p;
	if (q < j->end && *q == '-')
		q++;
	if (q < j->end && *q == '0') {
		q++;
	} else if (q < j->end && *q >= '1' && *q <= '9') {
		while (q < j->end && *q >= '0' && *q <= '9')
			q++;
	} else {
		return jp_fail(j, "expected a value", err);
	}
	if (q < j->end && *q == '.') {
		q++;
		if (q >= j->end || *q < '0' || *q > '9')
			return jp_fail(j, "expected digits after '.'", err);
		while (q < j->end && *q >= '0' && *q <= '9')
			q++;
	}
	if (q < j->end && (*q == 'e' || *q == 'E')) {
		q++;
		if (q < j->end && (*q == '+' || *q == '-'))
			q++;
		if (q >= j->end || *q < '0' || *q > '9')
			return jp_fail(j, "expected digits in the exponent", err);
		while (q < j->end && *q >= '0' && *q <= '9')
			q++;
	}
	v->kind = DN_JV_NUM;
	v->str = dn_arena_strndup(j->a, s, (size_t)(q - s));
	if (!v->str)
		return dn_error_set(err, DN_ENOMEM, "out of memory reading %s", j->name);
	v->len = (size_t)(q - s);
	if (dn_parse_f64(s, v->len, &v->num) < 0)
		v->num = 0;
	j->p = q;
	return 0;
}

int dn_jv_parse(struct dn_arena *a, const char *name, const char *text, size_t len,
		struct dn_jv **out, struct dn_error *err)
{
	return dn_jv_parse_shallow(a, name, text, len, 0, out, err);
}

int dn_jv_parse_shallow(struct dn_arena *a, const char *name, const char *text, size_t len,
			int depth, struct dn_jv **out, struct dn_error *err)
{
	struct jp j = {a, text, text + len, text, name ? name : "<json>", 0, depth};
	*out = NULL;
	if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3))
		j.p += 3;
	struct dn_jv *v = dn_arena_alloc(a, sizeof *v);
	if (!v)
		return dn_error_set(err, DN_ENOMEM, "out of memory reading %s", j.name);
	DN_TRY(parse_value(&j, v, err));
	ws(&j);
	if (j.p != j.end)
		return jp_fail(&j, "unexpected text after the document", err);
	*out = v;
	return 0;
}

const struct dn_jv *dn_jv_get(const struct dn_jv *obj, const char *key)
{
	if (!obj || obj->kind != DN_JV_OBJ)
		return NULL;
	for (size_t i = obj->n; i-- > 0;) /* the last of duplicate keys wins */
		if (!strcmp(obj->keys[i], key))
			return &obj->items[i];
	return NULL;
}

const char *dn_jv_str(const struct dn_jv *v)
{
	return v && v->kind == DN_JV_STR ? v->str : NULL;
}

int dn_jv_i64(const struct dn_jv *v, int64_t *out)
{
	if (!v || v->kind != DN_JV_NUM)
		return DN_ETYPE;
	return dn_parse_i64(v->str, v->len, out) < 0 ? DN_ETYPE : 0;
}
