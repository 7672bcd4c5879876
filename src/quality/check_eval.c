/* Checks over a stream of batches: every check of a suite in one pass.
 *
 * Each check keeps a small accumulator (counts, sums, extremes, the newest timestamp) and, where
 * its answer needs every value, a hash set: unique and unique_combination keep one 8-byte key
 * per distinct value (or combination), duplicate_percent one per distinct row. Integer, date,
 * timestamp and bool values map to keys by a bijection, so those checks are exact; strings and
 * rows are 64-bit hashes, so two different values are taken as equal with probability about
 * n^2 / 2^65 (1e-6 at 10M distinct values). The tables grow at 70% load: about 12-23 bytes per
 * distinct value, 230 MB for 10M distinct strings. References (the `to:` of relationships, the
 * `reference:` of accuracy, the `with:` of reconcile) are read in full before the first batch
 * into the same kind of set (or a key -> value map).
 *
 * A row-level check counts its failing rows, keeps the first few as samples (JSON objects of
 * the whole row) and, when a quarantine is asked for, marks the row; the marked rows of each
 * batch are copied out with the names of the checks they failed. */
#include <math.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "../extract/extract.h"
#include "../pipeline/pipeline.h"
#include "../store/store.h"
#include "quality_int.h"

/* ---- hash sets of 64-bit keys (0 is kept aside: slots use it as "empty") ---- */
struct hset {
	uint64_t *slot;
	size_t cap, n;
	int has_zero;
};

/* Insert k: 1 when new, 0 when present, DN_ENOMEM. */
static int hset_add(struct hset *h, uint64_t k)
{
	if (!k) {
		int was = h->has_zero;
		h->has_zero = 1;
		return !was;
	}
	if ((h->n + 1) * 10 > h->cap * 7) {
		size_t nc = h->cap ? h->cap * 2 : 1024;
		uint64_t *ns = dn_calloc(nc, sizeof *ns);
		if (!ns)
			return DN_ENOMEM;
		for (size_t i = 0; i < h->cap; i++) {
			uint64_t x = h->slot[i];
			if (!x)
				continue;
			size_t j = (size_t)(x & (nc - 1));
			while (ns[j])
				j = (j + 1) & (nc - 1);
			ns[j] = x;
		}
		dn_free(h->slot);
		h->slot = ns;
		h->cap = nc;
	}
	size_t j = (size_t)(k & (h->cap - 1));
	while (h->slot[j]) {
		if (h->slot[j] == k)
			return 0;
		j = (j + 1) & (h->cap - 1);
	}
	h->slot[j] = k;
	h->n++;
	return 1;
}

/* Keys held, the one kept aside included. */
static size_t hset_size(const struct hset *h)
{
	return h->n + (size_t)h->has_zero;
}

static int hset_has(const struct hset *h, uint64_t k)
{
	if (!k)
		return h->has_zero;
	if (!h->cap)
		return 0;
	size_t j = (size_t)(k & (h->cap - 1));
	while (h->slot[j]) {
		if (h->slot[j] == k)
			return 1;
		j = (j + 1) & (h->cap - 1);
	}
	return 0;
}

static void hset_release(struct hset *h)
{
	dn_free(h->slot);
	memset(h, 0, sizeof *h);
}

/* ---- key -> value map for accuracy: the reference's value (a number or a text hash) ---- */
struct refval {
	uint64_t key;
	double num; /* is_num: the value as a number (a time in µs); text_num: a text read as one */
	uint64_t text;
	uint8_t is_null, is_num, text_num, used;
	uint8_t kind; /* is_num: 0 a number, 1 a time, 2 a bool; compared only with the same */
};

struct hmap {
	struct refval *slot;
	size_t cap, n;
};

static struct refval *hmap_put(struct hmap *h, uint64_t k)
{
	if ((h->n + 1) * 10 > h->cap * 7) {
		size_t nc = h->cap ? h->cap * 2 : 1024;
		struct refval *ns = dn_calloc(nc, sizeof *ns);
		if (!ns)
			return NULL;
		for (size_t i = 0; i < h->cap; i++) {
			if (!h->slot[i].used)
				continue;
			size_t j = (size_t)(h->slot[i].key & (nc - 1));
			while (ns[j].used)
				j = (j + 1) & (nc - 1);
			ns[j] = h->slot[i];
		}
		dn_free(h->slot);
		h->slot = ns;
		h->cap = nc;
	}
	size_t j = (size_t)(k & (h->cap - 1));
	while (h->slot[j].used && h->slot[j].key != k)
		j = (j + 1) & (h->cap - 1);
	if (!h->slot[j].used) {
		h->slot[j].used = 1;
		h->slot[j].key = k;
		h->n++;
	}
	return &h->slot[j];
}

static const struct refval *hmap_get(const struct hmap *h, uint64_t k)
{
	if (!h->cap)
		return NULL;
	size_t j = (size_t)(k & (h->cap - 1));
	while (h->slot[j].used) {
		if (h->slot[j].key == k)
			return &h->slot[j];
		j = (j + 1) & (h->cap - 1);
	}
	return NULL;
}

/* ---- values ---- */

/* The key of a non-null value: numbers by value (2 and 2.0 are one value), exact for integers
 * (a bijective mix); strings by a 64-bit hash. */
static uint64_t num_key(double d)
{
	if (d == floor(d) && fabs(d) < 9.2e18)
		return dn_hash_u64((uint64_t)(int64_t)d);
	uint64_t u;
	if (d == 0)
		d = 0;
	memcpy(&u, &d, 8);
	return dn_hash_u64(u ^ UINT64_C(0x9e3779b97f4a7c15));
}

/* A text that reads as a number: it. Used to meet values of a typed column on the other side of
 * a reference (`10` and `"10"`, `2.5` and `"2.50"`), never to compare two texts. */
static int text_number(struct dn_str s, double *d)
{
	struct dn_str t = dn_str_trim(s);
	return t.len && dn_parse_f64(t.ptr, t.len, d) == 0 && !isnan(*d);
}

/* Keys of times and bools are kept apart from numbers' (a date is not the number of its day,
 * true is not 1); a date's key is its midnight's, so that a date meets the same day as a
 * timestamp, as after a column widens from one to the other. */
static uint64_t ts_key(int64_t us)
{
	return dn_hash_u64((uint64_t)us ^ UINT64_C(0x54494d4553544d50));
}

static uint64_t bool_key(int b)
{
	return dn_hash_u64((uint64_t)b ^ UINT64_C(0x424f4f4c45414e21));
}

/* The key a text has in a typed column (1), or none (0): as an integer (exactly, past 2^53
 * too), a number, true or false, a date or a timestamp. */
static int text_key(struct dn_str s, uint64_t *k)
{
	double d;
	int64_t v;
	struct dn_str t = dn_str_trim(s);
	if (t.len && dn_parse_i64(t.ptr, t.len, &v) == 0) {
		k[0] = dn_hash_u64((uint64_t)v);
		return 1;
	}
	if (text_number(s, &d)) {
		k[0] = num_key(d);
		return 1;
	}
	if (dn_str_ieq_cstr(t, "true") || dn_str_ieq_cstr(t, "false")) {
		k[0] = bool_key(dn_str_ieq_cstr(t, "true"));
		return 1;
	}
	int kind = t.len ? dn_time_parse(t.ptr, t.len, &v) : -1;
	if (kind > 0) {
		k[0] = ts_key(kind == DN_TIME_DATE ? (int64_t)((uint64_t)v * DN_USEC_PER_DAY) : v);
		return 1;
	}
	return 0;
}

/* What a typed value is, for comparing it as a number: 0 a number, 1 a time, 2 a bool (a text
 * read as a number is 0). */
static int num_kind(enum dn_type t)
{
	return t == DN_DATE || t == DN_TIMESTAMP ? 1 : t == DN_BOOL ? 2 : 0;
}

static uint64_t value_key(const struct dn_column *c, int64_t i)
{
	switch (c->type) {
	case DN_BOOL:
		return bool_key(dn_column_bool(c, i));
	case DN_INT64:
		return dn_hash_u64((uint64_t)dn_column_i64(c, i));
	case DN_TIMESTAMP:
		return ts_key(dn_column_i64(c, i));
	case DN_DATE:
		return ts_key((int64_t)((uint64_t)(int64_t)dn_column_date(c, i) * DN_USEC_PER_DAY));
	case DN_FLOAT64:
		return num_key(dn_column_f64(c, i));
	case DN_STRING: {
		struct dn_str s = dn_column_str(c, i);
		return dn_hash_text(s.ptr, s.len, 0x51);
	}
	}
	return 0;
}

static inline int is_missing(const struct dn_column *c, int64_t i)
{
	return dn_column_is_null(c, i) || (c->type == DN_FLOAT64 && isnan(dn_column_f64(c, i)));
}

/* A value as a double, for numeric comparisons: numbers, bools, dates and timestamps (in µs);
 * strings that read as numbers or ISO times. 0 when it has no numeric reading. */
static inline int value_num(const struct dn_column *c, int64_t i, int want_time, double *out)
{
	switch (c->type) {
	case DN_BOOL:
		*out = dn_column_bool(c, i);
		return !want_time;
	case DN_INT64:
		*out = (double)dn_column_i64(c, i);
		return !want_time;
	case DN_FLOAT64:
		*out = dn_column_f64(c, i);
		return !want_time && !isnan(*out);
	case DN_DATE:
		*out = (double)dn_column_date(c, i) * (double)DN_USEC_PER_DAY;
		return want_time;
	case DN_TIMESTAMP:
		*out = (double)dn_column_i64(c, i);
		return want_time;
	case DN_STRING: {
		struct dn_str s = dn_str_trim(dn_column_str(c, i));
		int64_t us;
		if (want_time) {
			int k = dn_time_parse(s.ptr, s.len, &us);
			if (k <= 0)
				return 0;
			*out = k == DN_TIME_DATE ? (double)us * (double)DN_USEC_PER_DAY :
						   (double)us;
			return 1;
		}
		return dn_parse_f64(s.ptr, s.len, out) == 0 && !isnan(*out);
	}
	}
	return 0;
}

int dn_q_value_num(const struct dn_column *c, int64_t i, int want_time, double *out)
{
	return value_num(c, i, want_time, out);
}

/* The value as text (strings as they are, others as dunya prints them) into buf; returns a
 * borrowed view valid until buf changes. */
static inline struct dn_str value_text(const struct dn_column *c, int64_t i, struct dn_buf *buf)
{
	if (c->type == DN_STRING)
		return dn_column_str(c, i);
	int isnull;
	dn_buf_reset(buf);
	dn_column_format(c, i, buf, &isnull, NULL);
	return dn_str_make(buf->data ? buf->data : "", buf->len);
}

/* A text of up to 16 bytes as two little-endian words, zero past its end. keep[8 + n] keeps the
 * first n bytes of the first word and keep[n] the first n - 8 of the second (a table, not
 * branches: lengths vary from row to row). */
/* clang-format off */
static const uint64_t keep[25] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0,
	0xff, 0xffff, 0xffffff, 0xffffffff, 0xffffffffff, 0xffffffffffff, 0xffffffffffffff,
	UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX,
	UINT64_MAX, UINT64_MAX};
/* clang-format on */

static inline void words16(const char *p, size_t n, const char *end, uint64_t *w0, uint64_t *w1)
{
	uint64_t a = 0, b = 0;
	if (p + 16 <= end) { /* whole words, also past the text while the column's bytes go on */
		memcpy(&a, p, 8);
		memcpy(&b, p + 8, 8);
		a &= keep[8 + n];
		b &= keep[n];
	} else {
		for (size_t i = 0; i < n; i++) {
			if (i < 8)
				a |= (uint64_t)(unsigned char)p[i] << (8 * i);
			else
				b |= (uint64_t)(unsigned char)p[i] << (8 * (i - 8));
		}
	}
	*w0 = a;
	*w1 = b;
}

/* Accepted values of up to 16 bytes, by their words. The multipliers are drawn until every
 * value sits in its home slot, so a value is looked up with one slot read and one comparison,
 * no probing; only if no draw gets there (it takes a few for tens of values) does a lookup
 * probe on. */
struct acc16 {
	uint64_t w0, w1;
	int64_t len; /* -1: empty slot */
};

struct acc_table {
	struct acc16 *slot;
	size_t mask;
	int shift;
	uint64_t m0, m1;
	int probe; /* not every value is home: probe past the home slot */
};

static inline size_t acc_home(const struct acc_table *t, uint64_t w0, uint64_t w1, size_t n)
{
	return (size_t)(((w0 ^ n) * t->m0 + w1 * t->m1) >> t->shift);
}

static inline int acc_is(const struct acc16 *e, uint64_t w0, uint64_t w1, size_t n)
{
	return e->w0 == w0 && e->w1 == w1 && e->len == (int64_t)n;
}

static inline int acc_has(const struct acc_table *t, uint64_t w0, uint64_t w1, size_t n)
{
	for (size_t j = acc_home(t, w0, w1, n);; j = (j + 1) & t->mask) {
		const struct acc16 *e = &t->slot[j];
		if (acc_is(e, w0, w1, n))
			return 1;
		if (!t->probe || e->len < 0)
			return 0;
	}
}

/* Fill t's slots for multipliers m0, m1: 1 when every value landed in its home slot. */
static int acc_fill(struct acc_table *t, const char *const *values, int nvalues)
{
	int home = 1;
	for (size_t j = 0; j <= t->mask; j++)
		t->slot[j] = (struct acc16){0, 0, -1};
	for (int k = 0; k < nvalues; k++) {
		size_t len = strlen(values[k]);
		uint64_t w0, w1;
		if (len > 16)
			continue;
		words16(values[k], len, values[k] + len, &w0, &w1);
		size_t j = acc_home(t, w0, w1, len);
		int moved = 0;
		for (;; j = (j + 1) & t->mask, moved = 1) {
			const struct acc16 *e = &t->slot[j];
			if (e->len < 0) {
				t->slot[j] = (struct acc16){w0, w1, (int64_t)len};
				home &= !moved;
				break;
			}
			if (acc_is(e, w0, w1, len))
				break; /* listed twice */
		}
	}
	return home;
}

/* Build t from the values of up to 16 bytes: up to 32 draws of multipliers per table size, at
 * 4x, 8x, 16x and 32x the values' count. Past ACC_HOME_MAX values no draw would put them all
 * home: one fill at 4x, probed. 0 or DN_ENOMEM. */
#define ACC_HOME_MAX 1024
static int acc_build(struct acc_table *t, const char *const *values, int nvalues)
{
	size_t m = 0;
	for (int k = 0; k < nvalues; k++)
		m += strlen(values[k]) <= 16;
	size_t cap = 16;
	while (cap < 4 * m)
		cap *= 2;
	int sizes = m <= ACC_HOME_MAX ? 4 : 1, draws = m <= ACC_HOME_MAX ? 32 : 1;
	uint64_t seed = UINT64_C(0x9e3779b97f4a7c15);
	for (int size = 0; size < sizes; size++, cap *= 2) {
		dn_free(t->slot);
		if (!(t->slot = dn_malloc(cap * sizeof *t->slot)))
			return DN_ENOMEM;
		t->mask = cap - 1;
		t->shift = 64 - __builtin_ctzll(cap);
		for (int draw = 0; draw < draws; draw++) {
			seed = dn_hash_u64(seed + 1);
			t->m0 = seed | 1;
			t->m1 = dn_hash_u64(seed ^ UINT64_C(0x5bd1e995)) | 1;
			if (acc_fill(t, values, nvalues)) {
				t->probe = 0;
				return 0;
			}
		}
	}
	t->probe = 1; /* the last fill holds every value, some past their home slot */
	return 0;
}

/* A cheap key for short texts (accepted values): the length and the first and last 3 bytes.
 * Equal keys are then compared in full. */
static inline uint64_t short_key(const char *p, size_t n)
{
	uint64_t k = (uint64_t)(n & 0xffff) << 48;
	for (size_t i = 0; i < 3 && i < n; i++)
		k |= (uint64_t)(unsigned char)p[i] << (8 * i) |
		     (uint64_t)(unsigned char)p[n - 1 - i] << (24 + 8 * i);
	return k;
}

/* Code points of s: its byte count when it is ASCII (eight bytes at a time, reading whole words
 * up to end), else the bytes that do not continue a sequence. */
static size_t utf8_len_upto(struct dn_str s, const char *end)
{
	size_t i = 0;
	uint64_t high = 0;
	for (; i < s.len && s.ptr + i + 8 <= end; i += 8) {
		uint64_t w;
		memcpy(&w, s.ptr + i, 8);
		if (s.len - i < 8)
			w &= (UINT64_C(1) << (8 * (s.len - i))) - 1;
		high |= w;
	}
	for (; i < s.len; i++)
		high |= (unsigned char)s.ptr[i];
	if (!(high & UINT64_C(0x8080808080808080)))
		return s.len;
	size_t n = 0;
	for (i = 0; i < s.len; i++)
		n += ((unsigned char)s.ptr[i] & 0xC0) != 0x80;
	return n;
}

static size_t utf8_len(struct dn_str s)
{
	size_t n = 0;
	for (size_t i = 0; i < s.len; i++)
		n += ((unsigned char)s.ptr[i] & 0xC0) != 0x80;
	return n;
}

/* Bytes of x equal to zero, as their high bits (exact: no carries between bytes). */
static inline uint64_t zero_bytes(uint64_t x)
{
	const uint64_t low7 = UINT64_C(0x7f7f7f7f7f7f7f7f);
	return ~(((x & low7) + low7) | x | low7);
}

/* local@domain.tld: one '@' after at least one character, a '.' in the domain neither first
 * nor last, no spaces or control characters. The positions of '@' and '.' and any byte <= ' '
 * come from byte masks: of the whole text at once from two 16-byte loads when it has up to 32
 * bytes (nearly every address), else eight bytes at a time (is_email_words). */
static int is_email_words(struct dn_str s, const char *end);

#if defined(__SSE2__)
/* The byte masks of two 16-byte compares as one 32-bit mask. */
static inline uint32_t bits32(__m128i lo, __m128i hi)
{
	return (uint32_t)_mm_movemask_epi8(lo) | (uint32_t)_mm_movemask_epi8(hi) << 16;
}
#endif

static int is_email(struct dn_str s, const char *end)
{
#if defined(__SSE2__)
	/* Up to 32 bytes with room to read 32: the three byte masks from two 16-byte loads. */
	size_t n = s.len;
	if (n && n <= 32 && s.ptr + 32 <= end) {
		__m128i lo = _mm_loadu_si128((const __m128i *)(const void *)s.ptr),
			hi = _mm_loadu_si128((const __m128i *)(const void *)(s.ptr + 16));
		const __m128i vat = _mm_set1_epi8('@'), vdot = _mm_set1_epi8('.'),
			      vsp = _mm_set1_epi8(' ');
		uint32_t live = n == 32 ? ~UINT32_C(0) : (UINT32_C(1) << n) - 1;
		uint32_t at = bits32(_mm_cmpeq_epi8(lo, vat), _mm_cmpeq_epi8(hi, vat)) & live;
		uint32_t dot = bits32(_mm_cmpeq_epi8(lo, vdot), _mm_cmpeq_epi8(hi, vdot)) & live;
		/* bytes <= ' ' (unsigned: UTF-8 bytes are not control characters) */
		uint32_t ctl = bits32(_mm_cmpeq_epi8(_mm_min_epu8(lo, vsp), lo),
				      _mm_cmpeq_epi8(_mm_min_epu8(hi, vsp), hi)) &
			       live;
		if (ctl || !at || (at & (at - 1)))
			return 0;
		size_t first_at = (size_t)__builtin_ctz(at);
		if (first_at == 0 || first_at + 1 >= n || ((dot >> (first_at + 1)) & 1) || !dot)
			return 0;
		size_t last_dot = (size_t)(31 - __builtin_clz(dot));
		return last_dot > first_at + 1 && last_dot < n - 1;
	}
#endif
	return is_email_words(s, end);
}

/* is_email, eight bytes at a time: any length, and texts near the end of the column's bytes. */
static int is_email_words(struct dn_str s, const char *end)
{
	const uint64_t ones = UINT64_C(0x0101010101010101), highs = UINT64_C(0x8080808080808080);
	size_t n = s.len, first_at = n, last_dot = n;
	int ats = 0;
	for (size_t i = 0; i < n; i += 8) {
		uint64_t w = 0, live = ~UINT64_C(0);
		if (n - i >= 8 || s.ptr + i + 8 <= end) {
			/* whole words, also past the string while the column's bytes go on */
			memcpy(&w, s.ptr + i, 8);
			if (n - i < 8)
				live = (UINT64_C(1) << (8 * (n - i))) - 1; /* the string's bytes */
		} else {
			for (size_t j = 0; j < n - i; j++)
				w |= (uint64_t)(unsigned char)s.ptr[i + j] << (8 * j);
			live = (UINT64_C(1) << (8 * (n - i))) - 1;
		}
		/* a byte below 0x21 with its top bit clear (UTF-8 bytes have it set) */
		if ((w - ones * 0x21) & ~w & highs & live)
			return 0;
		uint64_t at = zero_bytes(w ^ (ones * '@')) & live,
			 dot = zero_bytes(w ^ (ones * '.')) & live;
		if (at) {
			if (first_at == n)
				first_at = i + (size_t)__builtin_ctzll(at) / 8;
			ats += (at & (at - 1)) ? 2 : 1; /* one, or more than one */
		}
		if (dot)
			last_dot = i + (size_t)(63 - __builtin_clzll(dot)) / 8;
	}
	if (ats != 1 || first_at == 0 || first_at + 1 >= n || s.ptr[first_at + 1] == '.')
		return 0;
	return last_dot != n && last_dot > first_at + 1 && last_dot < n - 1;
}

static int is_url(struct dn_str s)
{
	static const char *const schemes[] = {"http://", "https://", "ftp://",
					      "ftps://", "sftp://",  "s3://"};
	for (size_t k = 0; k < sizeof schemes / sizeof schemes[0]; k++) {
		size_t n = strlen(schemes[k]);
		if (s.len > n && !strncasecmp(s.ptr, schemes[k], n)) {
			if (s.ptr[n] == '/' || s.ptr[n] == '?' || s.ptr[n] == '#')
				return 0;
			for (size_t i = n; i < s.len; i++)
				if ((unsigned char)s.ptr[i] <= ' ')
					return 0;
			return 1;
		}
	}
	return 0;
}

void dn_q_duration_text(int64_t us, char *out, size_t n)
{
	int neg = us < 0;
	uint64_t s = (uint64_t)(neg ? -(us / 1000000) : us / 1000000);
	uint64_t d = s / 86400, h = s % 86400 / 3600, m = s % 3600 / 60, sec = s % 60;
	size_t k = 0;
	out[0] = 0;
	if (neg && k < n)
		k += (size_t)snprintf(out + k, n - k, "-");
	if (d && k < n)
		k += (size_t)snprintf(out + k, n - k, "%llud", (unsigned long long)d);
	if (h && k < n)
		k += (size_t)snprintf(out + k, n - k, "%s%lluh", k > (size_t)neg ? " " : "",
				      (unsigned long long)h);
	if (m && k < n)
		k += (size_t)snprintf(out + k, n - k, "%s%llum", k > (size_t)neg ? " " : "",
				      (unsigned long long)m);
	if ((sec || k == (size_t)neg) && k < n)
		snprintf(out + k, n - k, "%s%llus", k > (size_t)neg ? " " : "",
			 (unsigned long long)sec);
}

static void fmt_num(double v, char *out, size_t n)
{
	if (v == floor(v) && fabs(v) < 1e15)
		snprintf(out, n, "%.0f", v);
	else
		snprintf(out, n, "%.6g", v);
}

/* ---- the run ---- */
struct cstate {
	int col, col2; /* column indexes in the current batch, -1 when absent */
	int *cols;     /* unique_combination, duplicate_percent */
	int ncols;
	int missing; /* a named column is not in the target: the check fails */
	char missing_name[128];
	int64_t failing, nonnull, nulls, n;
	double sum, min, max;
	int has_ext;
	struct hset set, ref;
	struct hmap refmap;
	/* A reference's texts under their typed keys (text_key), for a typed column on this
	 * side; ref_typed: it has typed values, which a text on this side may read as. */
	struct hset ref_alt;
	struct hset acc_typed; /* accepted_values as typed keys, for a column that is not text */
	char *ref_error;       /* the reference could not be read: the check fails saying why */
	struct hmap refmap_alt;
	int ref_typed;
	uint64_t *accepted; /* keys of the accepted values' text, then their lengths */
	int *acc_tab;       /* accepted values by key */
	size_t acc_mask;
	struct acc_table acc16; /* accepted values of up to 16 bytes */
	double other;           /* reconcile: the other side's count or sum */
	int64_t tmax, dmax;
	int has_tmax, has_dmax;
	enum dn_type type;
	char **samples;
	int nsamples;
	char *bad_msg;          /* a value the check could not judge (first one) */
	struct dn_buf tmp, row; /* scratch, per check so that checks can run in parallel */
	int64_t run_lo, run_hi; /* unique on integers: the dense run of values seen */
	uint8_t *sel;           /* where: the rows of the batch it holds for */
	int64_t sel_cap, selected;
	int *wcols; /* where: the columns of each comparison's two sides (-1: a literal) */
	int *ccols; /* expression: the same */
	int has_run;
};

struct dn_check_run {
	const struct dn_suite *s;
	struct dn_check_options o;
	struct cstate *st;
	int64_t rows;
	int64_t at;
	struct dn_schema schema; /* of the first batch */
	int have_schema;
	struct dn_buf tmp, row;
	/* quarantine: per-row bitmaps of failed checks (words per row) */
	uint64_t *fails;
	int words;
	int64_t fails_cap;
	int64_t quarantined;
	int any_row_level;
	/* Checks of a batch run as jobs on a pool, one per check, when there is no quarantine
	 * (whose per-row marks they would share). */
	struct dn_pool *pool;
	struct eval_job *jobs;
};

struct eval_job {
	struct dn_check_run *cr;
	int ci;
	const struct dn_batch *b;
	int rc;
};

void dn_check_options_init(struct dn_check_options *o)
{
	memset(o, 0, sizeof *o);
}

int dn_quality_open_target(const char *target, const char *base_dir,
			   const struct dn_lake_options *lake, const struct dn_read_options *ro,
			   struct dn_reader **out, struct dn_error *err)
{
	struct dn_read_options def;
	if (!ro) {
		dn_read_options_init(&def);
		ro = &def;
	}
	if (!strncmp(target, "lake:", 5)) {
		struct dn_lake *lk = NULL;
		struct dn_lake_options lo;
		if (!lake) {
			dn_lake_options_init(&lo);
			lo.root = getenv("DUNYA_LAKE");
			if (!lo.root)
				return dn_error_set(err, DN_EINVAL,
						    "%s: no lake here (run inside a project, or "
						    "set DUNYA_LAKE)",
						    target);
			lake = &lo;
		}
		int rc = dn_lake_open(&lk, lake, err);
		if (rc == 0)
			rc = dn_lake_reader_open(lk, target + 5, ro, out, err);
		dn_lake_close(lk);
		return rc;
	}
	if (dn_extract_is_url(target))
		return dn_extract_open_reader(target, DN_FORMAT_UNKNOWN, ro, out, err);
	struct dn_buf p = DN_BUF_INIT;
	if (target[0] != '/' && base_dir && strcmp(base_dir, "."))
		dn_buf_printf(&p, NULL, "%s/", base_dir);
	dn_buf_puts(&p, target, NULL);
	if (!p.data)
		return dn_error_set(err, DN_ENOMEM, "out of memory");
	int rc = dn_reader_open(out, p.data, DN_FORMAT_UNKNOWN, ro, err);
	dn_buf_release(&p);
	return rc;
}

/* Read a reference target: its column `field` into the check's set (relationships), its
 * `key` -> `field` map (accuracy), or its count or sum (reconcile). */
/* The column of sc (among its first 256) a misspelt name most likely meant, or NULL. */
static const char *suggest_column(const struct dn_schema *sc, const char *name)
{
	const char *cands[257];
	int k = 0;
	for (; k < sc->nfields && k < 256; k++)
		cands[k] = sc->fields[k].name;
	cands[k] = NULL;
	return dn_suggest(name, cands);
}

static int read_reference(struct dn_check_run *cr, const struct dn_check *c, struct cstate *cs,
			  struct dn_error *err)
{
	struct dn_reader *rd = NULL;
	struct dn_batch *b = NULL;
	int rc, k;
	if ((rc = dn_quality_open_target(c->other, cr->o.base_dir, cr->o.lake, NULL, &rd, err)) < 0)
		goto out;
	const struct dn_schema *sc = dn_reader_schema(rd);
	const char *need[2] = {c->kind == DN_CHK_ACCURACY ? c->key : c->field,
			       c->kind == DN_CHK_ACCURACY ? c->field : NULL};
	if (c->kind == DN_CHK_RECONCILE)
		need[0] = !strcmp(c->metric, "sum") ? c->column : NULL;
	for (int i = 0; i < 2; i++)
		if (need[i] && dn_schema_find(sc, need[i]) < 0) {
			const char *hint = suggest_column(sc, need[i]);
			rc = dn_error_set(err, DN_ENOTFOUND, "%s has no column '%s'%s%s%s",
					  c->other, need[i], hint ? " (did you mean '" : "",
					  hint ? hint : "", hint ? "'?)" : "");
			goto out;
		}
	/* Only the key and value columns of the reference are read (a count reads them all, so
	 * that its batches count rows). */
	if (need[0] &&
	    (rc = dn_reader_project(rd, need, need[1] && strcmp(need[0], need[1]) ? 2 : 1, err)) <
		    0)
		goto out;
	cs->other = 0;
	while ((k = dn_reader_next(rd, &b, err)) > 0) {
		int a = need[0] ? dn_schema_find(&b->schema, need[0]) : -1;
		int f = need[1] ? dn_schema_find(&b->schema, need[1]) : -1;
		const struct dn_column *ca = a >= 0 ? &b->columns[a] : NULL;
		const struct dn_column *cf = f >= 0 ? &b->columns[f] : NULL;
		for (int64_t i = 0; i < b->nrows; i++) {
			if (c->kind == DN_CHK_RECONCILE) {
				double v;
				if (!ca)
					cs->other += 1;
				else if (!is_missing(ca, i) && value_num(ca, i, 0, &v))
					cs->other += v;
				continue;
			}
			if (is_missing(ca, i))
				continue;
			uint64_t key = value_key(ca, i), alt;
			int has_alt = ca->type == DN_STRING && text_key(dn_column_str(ca, i), &alt);
			cs->ref_typed |= ca->type != DN_STRING;
			if (c->kind == DN_CHK_RELATIONSHIPS) {
				if (hset_add(&cs->ref, key) < 0)
					goto nomem;
				if (has_alt && hset_add(&cs->ref_alt, alt) < 0)
					goto nomem;
				continue;
			}
			struct refval *rv = hmap_put(&cs->refmap, key);
			if (!rv)
				goto nomem;
			rv->is_null = (uint8_t)is_missing(cf, i);
			if (!rv->is_null) {
				rv->is_num = (uint8_t)(cf->type != DN_STRING &&
						       value_num(cf, i,
								 cf->type == DN_DATE ||
									 cf->type == DN_TIMESTAMP,
								 &rv->num));
				rv->kind = (uint8_t)num_kind(cf->type);
				if (cf->type == DN_STRING &&
				    text_number(dn_column_str(cf, i), &rv->num))
					rv->text_num = 1;
				struct dn_str t = value_text(cf, i, &cr->tmp);
				rv->text = dn_hash_text(t.ptr, t.len, 7);
			}
			if (has_alt) {
				struct refval *ra = hmap_put(&cs->refmap_alt, alt);
				if (!ra)
					goto nomem;
				*ra = *rv;
				ra->key = alt;
			}
		}
		dn_batch_free(b);
		b = NULL;
	}
	rc = k < 0 ? k : 0;
	goto out;
nomem:
	rc = dn_error_set(err, DN_ENOMEM, "out of memory reading %s", c->other);
out:
	dn_batch_free(b);
	dn_reader_free(rd);
	if (rc < 0 && rc != DN_ENOMEM && err && strncmp(err->msg, c->other, strlen(c->other)) != 0)
		dn_error_prefix(err, "reading %s: ", c->other);
	return rc;
}

int dn_check_run_new(struct dn_check_run **out, const struct dn_suite *s,
		     const struct dn_check_options *o, struct dn_error *err)
{
	struct dn_check_run *cr = dn_calloc(1, sizeof *cr);
	*out = NULL;
	if (!cr || !(cr->st = dn_calloc((size_t)s->nchecks + 1, sizeof *cr->st))) {
		dn_free(cr);
		return dn_error_set(err, DN_ENOMEM, "out of memory");
	}
	cr->s = s;
	cr->o = *o;
	cr->at = o->now_us ? o->now_us : dn_now_us();
	cr->words = (s->nchecks + 63) / 64;
	dn_schema_init(&cr->schema);
	for (int i = 0; i < s->nchecks; i++) {
		const struct dn_check *c = &s->checks[i];
		struct cstate *cs = &cr->st[i];
		cs->col = cs->col2 = -1;
		cs->min = INFINITY;
		cs->max = -INFINITY;
		cr->any_row_level |= dn_q_row_level(c->kind);
		if (c->kind == DN_CHK_ACCEPTED_VALUES) {
			/* keys, then lengths */
			cs->accepted = dn_calloc(2 * (size_t)c->nvalues, sizeof *cs->accepted);
			if (!cs->accepted)
				goto nomem;
			/* an open-addressing table of the values' indexes, at most half full */
			size_t cap = 4;
			while (cap < 2 * (size_t)c->nvalues)
				cap *= 2;
			cs->acc_mask = cap - 1;
			if (!(cs->acc_tab = dn_malloc(cap * sizeof *cs->acc_tab)))
				goto nomem;
			for (size_t j = 0; j < cap; j++)
				cs->acc_tab[j] = -1;
			for (int k = 0; k < c->nvalues; k++) {
				cs->accepted[k] = short_key(c->values[k], strlen(c->values[k]));
				cs->accepted[c->nvalues + k] = strlen(c->values[k]);
				size_t j = dn_hash_u64(cs->accepted[k]) & cs->acc_mask;
				while (cs->acc_tab[j] >= 0)
					j = (j + 1) & cs->acc_mask;
				cs->acc_tab[j] = k;
			}
			if (acc_build(&cs->acc16, c->values, c->nvalues) < 0)
				goto nomem;
			/* For a typed column: each value as the number, bool, date or timestamp it
			 * reads as (`2.50` is 2.5, `FALSE` is false). */
			for (int k = 0; k < c->nvalues; k++) {
				uint64_t key;
				if (text_key(dn_str_cstr(c->values[k]), &key) &&
				    hset_add(&cs->acc_typed, key) < 0)
					goto nomem;
			}
		}
		if (c->kind == DN_CHK_RELATIONSHIPS || c->kind == DN_CHK_ACCURACY ||
		    c->kind == DN_CHK_RECONCILE) {
			int rc = read_reference(cr, c, cs, err);
			if (rc == DN_ENOMEM || (rc < 0 && !err)) {
				dn_check_run_free(cr);
				return rc;
			}
			/* A reference that cannot be read (missing, no such column, bad rows)
			 * fails its check, not the run: the other checks still report. */
			if (rc < 0 && !(cs->ref_error = dn_strdup(err->msg)))
				goto nomem;
			if (rc < 0)
				dn_error_clear(err);
		}
	}
	*out = cr;
	return 0;
nomem:
	dn_check_run_free(cr);
	return dn_error_set(err, DN_ENOMEM, "out of memory");
}

void dn_check_run_free(struct dn_check_run *cr)
{
	if (!cr)
		return;
	for (int i = 0; cr->s && i < cr->s->nchecks; i++) {
		struct cstate *cs = &cr->st[i];
		hset_release(&cs->set);
		hset_release(&cs->ref);
		dn_free(cs->refmap.slot);
		dn_free(cs->refmap_alt.slot);
		hset_release(&cs->ref_alt);
		hset_release(&cs->acc_typed);
		dn_free(cs->ref_error);
		dn_free(cs->accepted);
		dn_free(cs->acc_tab);
		dn_free(cs->acc16.slot);
		dn_free(cs->cols);
		dn_free(cs->wcols);
		dn_free(cs->ccols);
		for (int k = 0; k < cs->nsamples; k++)
			dn_free(cs->samples[k]);
		dn_free(cs->samples);
		dn_free(cs->bad_msg);
		dn_buf_release(&cs->tmp);
		dn_buf_release(&cs->row);
		dn_free(cs->sel);
	}
	dn_pool_free(cr->pool);
	dn_free(cr->jobs);
	dn_free(cr->st);
	dn_free(cr->fails);
	dn_schema_release(&cr->schema);
	dn_buf_release(&cr->tmp);
	dn_buf_release(&cr->row);
	dn_free(cr);
}

char *dn_q_row_json(const struct dn_batch *b, int64_t i, int with_row, struct dn_buf *tmp,
		    struct dn_buf *o)
{
	dn_buf_reset(o);
	dn_buf_putc(o, '{', NULL);
	if (with_row)
		dn_buf_printf(o, NULL, "\"_row\": %lld", (long long)(b->first_row + i + 1));
	for (int k = 0; k < b->schema.nfields; k++) {
		const struct dn_column *c = &b->columns[k];
		if (with_row || k)
			dn_buf_puts(o, ", ", NULL);
		dn_json_put_string(o, b->schema.fields[k].name, strlen(b->schema.fields[k].name),
				   NULL);
		dn_buf_puts(o, ": ", NULL);
		if (dn_column_is_null(c, i)) {
			dn_buf_puts(o, "null", NULL);
			continue;
		}
		struct dn_str t = value_text(c, i, tmp);
		int num = c->type == DN_INT64 || c->type == DN_BOOL ||
			  (c->type == DN_FLOAT64 && isfinite(dn_column_f64(c, i)));
		if (num)
			dn_buf_append(o, t.ptr, t.len, NULL);
		else
			dn_json_put_string(o, t.ptr, dn_utf8_cut(t.ptr, t.len, 200), NULL);
	}
	dn_buf_putc(o, '}', NULL);
	return o->data ? dn_strdup(o->data) : NULL;
}

/* Row i failed check ci. */
static int mark(struct dn_check_run *cr, int ci, const struct dn_batch *b, int64_t i)
{
	struct cstate *cs = &cr->st[ci];
	cs->failing++;
	if (cs->nsamples < cr->s->samples) {
		if (!cs->samples &&
		    !(cs->samples = dn_calloc((size_t)cr->s->samples, sizeof *cs->samples)))
			return DN_ENOMEM;
		char *j = dn_q_row_json(b, i, 1, &cs->tmp, &cs->row);
		if (!j)
			return DN_ENOMEM;
		cs->samples[cs->nsamples++] = j;
	}
	if (cr->fails)
		cr->fails[i * cr->words + ci / 64] |= UINT64_C(1) << (ci % 64);
	return 0;
}

#define MARK(i)                                                                                    \
	do {                                                                                       \
		if (mark(cr, ci, b, (i)) < 0)                                                      \
			return DN_ENOMEM;                                                          \
	} while (0)

static uint64_t row_key(const struct dn_batch *b, const int *cols, int ncols, int64_t i)
{
	uint64_t h = 0x12345;
	for (int k = 0; k < ncols; k++) {
		const struct dn_column *c = &b->columns[cols[k]];
		uint64_t v = is_missing(c, i) ? UINT64_C(0xa5a5a5a5a5a5a5a5) : value_key(c, i);
		h = dn_hash_u64(h ^ v) + (uint64_t)k;
	}
	return dn_hash_u64(h);
}

/* The batch's columns for each side of cond's comparisons (-1 for a literal) into *out; the
 * first name it lacks into *miss when that is still NULL. */
static int cond_cols(const struct dn_check_cond *cond, const struct dn_batch *b, int **out,
		     const char **miss)
{
	int *v = dn_calloc((size_t)cond->n * 2 + 1, sizeof *v);
	if (!v)
		return DN_ENOMEM;
	for (int k = 0; k < cond->n; k++) {
		const struct dn_check_operand *side[2] = {&cond->cmp[k].lhs, &cond->cmp[k].rhs};
		for (int j = 0; j < 2; j++) {
			v[2 * k + j] =
				side[j]->column ? dn_schema_find(&b->schema, side[j]->column) : -1;
			if (side[j]->column && v[2 * k + j] < 0 && !*miss)
				*miss = side[j]->column;
		}
	}
	dn_free(*out);
	*out = v;
	return 0;
}

static int resolve(struct dn_check_run *cr, const struct dn_batch *b, int ci)
{
	const struct dn_check *c = &cr->s->checks[ci];
	struct cstate *cs = &cr->st[ci];
	const char *first = c->column;
	if (c->kind == DN_CHK_ACCURACY)
		first = c->key;
	if (c->kind == DN_CHK_EXPRESSION)
		first = NULL; /* its columns are its condition's (cond_cols) */
	if (c->kind == DN_CHK_RECONCILE && strcmp(c->metric, "sum"))
		first = NULL;
	if (c->kind == DN_CHK_ANOMALY && c->ametric == DN_AM_ROW_COUNT)
		first = NULL;
	const char *second = c->kind == DN_CHK_ACCURACY      ? c->column :
			     c->kind == DN_CHK_ARRIVAL_DELAY ? c->event_column :
							       NULL;
	cs->col = first ? dn_schema_find(&b->schema, first) : -1;
	cs->col2 = second ? dn_schema_find(&b->schema, second) : -1;
	const char *miss = (first && cs->col < 0)   ? first :
			   (second && cs->col2 < 0) ? second :
						      NULL;
	if (c->kind == DN_CHK_REQUIRED_COLUMNS || c->kind == DN_CHK_SCHEMA)
		miss = NULL;
	if (c->kind == DN_CHK_EXPRESSION && cond_cols(&c->cond, b, &cs->ccols, &miss) < 0)
		return DN_ENOMEM;
	if (c->where && cond_cols(&c->wcond, b, &cs->wcols, &miss) < 0)
		return DN_ENOMEM;
	if (c->kind == DN_CHK_UNIQUE_COMBINATION || c->kind == DN_CHK_DUPLICATE_PERCENT) {
		int n = c->ncolumns ? c->ncolumns : b->schema.nfields;
		cs->cols = dn_calloc((size_t)n + 1, sizeof *cs->cols);
		if (!cs->cols)
			return DN_ENOMEM;
		cs->ncols = n;
		for (int k = 0; k < n; k++) {
			cs->cols[k] = c->ncolumns ? dn_schema_find(&b->schema, c->columns[k]) : k;
			if (cs->cols[k] < 0 && !miss)
				miss = c->columns[k];
		}
	}
	if (miss) {
		cs->missing = 1;
		size_t k = dn_utf8_cut(miss, strlen(miss), sizeof cs->missing_name - 1);
		memcpy(cs->missing_name, miss, k);
		cs->missing_name[k] = 0;
	}
	return 0;
}

/* A key on this side not found among the reference's own: a typed value may equal a
 * reference text that reads as it (`10` and `"10"`), and a text one a typed reference value.
 * Texts are never matched to texts this way. */
static int ref_other_type(const struct cstate *cs, const struct dn_column *col, int64_t i)
{
	if (col->type != DN_STRING)
		return hset_has(&cs->ref_alt, value_key(col, i));
	uint64_t k;
	return cs->ref_typed && text_key(dn_column_str(col, i), &k) && hset_has(&cs->ref, k);
}

static const struct refval *refmap_other_type(const struct cstate *cs, const struct dn_column *col,
					      int64_t i)
{
	if (col->type != DN_STRING)
		return hmap_get(&cs->refmap_alt, value_key(col, i));
	uint64_t k;
	return cs->ref_typed && text_key(dn_column_str(col, i), &k) ? hmap_get(&cs->refmap, k) :
								      NULL;
}

static int cmp_holds(enum dn_cmp_op op, int c)
{
	switch (op) {
	case DN_CMP_EQ:
		return c == 0;
	case DN_CMP_NE:
		return c != 0;
	case DN_CMP_LT:
		return c < 0;
	case DN_CMP_LE:
		return c <= 0;
	case DN_CMP_GT:
		return c > 0;
	case DN_CMP_GE:
		return c >= 0;
	}
	return 0;
}

/* One side of an expression at row i: 1 number/time in *d, 2 text in *t, 0 null. */
static int operand(struct dn_check_run *cr, const struct dn_check_operand *o,
		   const struct dn_column *c, const struct dn_column *peer, int64_t i, double *d,
		   struct dn_str *t, struct dn_buf *buf)
{
	if (c) {
		if (is_missing(c, i))
			return 0;
		if (c->type == DN_STRING) {
			*t = dn_column_str(c, i);
			return 2;
		}
		value_num(c, i, c->type == DN_DATE || c->type == DN_TIMESTAMP, d);
		return 1;
	}
	(void)cr;
	int want_time = peer && (peer->type == DN_DATE || peer->type == DN_TIMESTAMP);
	if (want_time) {
		int64_t us;
		int k = dn_time_parse(o->text, strlen(o->text), &us);
		if (k > 0) {
			*d = k == DN_TIME_DATE ? (double)us * (double)DN_USEC_PER_DAY : (double)us;
			return 1;
		}
	}
	if (o->is_number && !(peer && peer->type == DN_STRING)) {
		*d = o->number;
		return 1;
	}
	(void)buf;
	*t = dn_str_cstr(o->text);
	return 2;
}

/* A comparison at row i: 1 true, 0 false, -1 when a side is null (neither true nor false, as
 * in SQL). cl and cr are the columns of the sides that are columns. */
/* One side of a comparison as an exact integer: an int64 column's value, or a literal written
 * as one. */
static int exact_int(const struct dn_check_operand *o, const struct dn_column *c, int64_t i,
		     int64_t *v)
{
	if (c)
		return c->type == DN_INT64 ? (*v = dn_column_i64(c, i), 1) : 0;
	*v = o->int_value;
	return o->is_int;
}

static int cmp_eval(struct cstate *cs, const struct dn_check_operand *lhs, enum dn_cmp_op op,
		    const struct dn_check_operand *rhs, const struct dn_column *cl,
		    const struct dn_column *crc, int64_t i)
{
	double a = 0, bb = 0;
	struct dn_str ta = {"", 0}, tb = {"", 0};
	int ka = operand(NULL, lhs, cl, crc, i, &a, &ta, &cs->tmp);
	int kb = operand(NULL, rhs, crc, cl, i, &bb, &tb, &cs->tmp);
	if (!ka || !kb)
		return -1;
	int r;
	int64_t ia, ib;
	if (ka == 1 && kb == 1 && exact_int(lhs, cl, i, &ia) && exact_int(rhs, crc, i, &ib)) {
		r = ia < ib ? -1 : ia > ib; /* integers past 2^53 stay apart */
	} else if (ka == 1 && kb == 1) {
		r = a < bb ? -1 : a > bb ? 1 : 0;
	} else {
		/* text against text (or a number shown as text) */
		char na[40], nb[40];
		if (ka == 1) {
			fmt_num(a, na, sizeof na);
			ta = dn_str_cstr(na);
		}
		if (kb == 1) {
			fmt_num(bb, nb, sizeof nb);
			tb = dn_str_cstr(nb);
		}
		size_t m = ta.len < tb.len ? ta.len : tb.len;
		r = m ? memcmp(ta.ptr, tb.ptr, m) : 0;
		if (!r)
			r = ta.len < tb.len ? -1 : ta.len > tb.len;
	}
	return cmp_holds(op, r);
}

/* A condition at row i, with SQL's three-valued logic: `and` groups are false when one
 * comparison is false, else unknown (-1) when one is; the `or` of the groups is true when one
 * is true, else unknown when one is. cols: cond_cols of the batch b. */
static int cond_eval(struct cstate *cs, const struct dn_check_cond *cond, const int *cols,
		     const struct dn_batch *b, int64_t i)
{
	int any = 0, group = 1; /* the `or` so far (0 false, -1 unknown); the current group */
	for (int k = 0; k < cond->n; k++) {
		const struct dn_check_cmp *m = &cond->cmp[k];
		if (k && m->or_before) {
			if (group == 1)
				return 1;
			any = any < 0 || group < 0 ? -1 : 0;
			group = 1;
		}
		if (group == 0)
			continue; /* the group is false already */
		const struct dn_column *l = cols[2 * k] >= 0 ? &b->columns[cols[2 * k]] : NULL,
				       *r = cols[2 * k + 1] >= 0 ? &b->columns[cols[2 * k + 1]] :
								   NULL;
		int v = cmp_eval(cs, &m->lhs, m->op, &m->rhs, l, r, i);
		group = v == 0 ? 0 : v < 0 ? -1 : group;
	}
	if (group == 1)
		return 1;
	return any < 0 || group < 0 ? -1 : 0;
}

/* `where:`: which rows of b the check looks at (sel[i] = 1), counted in cs->selected. */
static int select_rows(struct cstate *cs, const struct dn_check *c, const struct dn_batch *b,
		       const uint8_t **out)
{
	*out = NULL;
	if (!c->where) {
		cs->selected += b->nrows;
		return 0;
	}
	if (b->nrows > cs->sel_cap) {
		dn_free(cs->sel);
		if (!(cs->sel = dn_malloc((size_t)b->nrows + 1)))
			return DN_ENOMEM;
		cs->sel_cap = b->nrows;
	}
	for (int64_t i = 0; i < b->nrows; i++) {
		cs->sel[i] = cond_eval(cs, &c->wcond, cs->wcols, b, i) == 1;
		cs->selected += cs->sel[i];
	}
	*out = cs->sel;
	return 0;
}

/* A range bound for integers: the text itself when it is one (exact past 2^53), else the
 * nearest integer on the inside of the double (min rounds up, max down). */
static int64_t int_bound(const char *text, double d, int lower)
{
	int64_t v;
	if (text && dn_parse_i64(text, strlen(text), &v) == 0)
		return v;
	double r = lower ? ceil(d) : floor(d);
	if (r <= -0x1p63)
		return INT64_MIN;
	if (r >= 0x1p63)
		return INT64_MAX;
	return (int64_t)r;
}

#define SKIP_UNSELECTED(i)                                                                         \
	if (sel && !sel[i])                                                                        \
	continue

static int eval_check(struct dn_check_run *cr, int ci, const struct dn_batch *b)
{
	const struct dn_check *c = &cr->s->checks[ci];
	struct cstate *cs = &cr->st[ci];
	if (cs->missing || cs->ref_error)
		return 0;
	const struct dn_column *col = cs->col >= 0 ? &b->columns[cs->col] : NULL;
	const struct dn_column *col2 = cs->col2 >= 0 ? &b->columns[cs->col2] : NULL;
	int64_t n = b->nrows;
	double v;
	const uint8_t *sel = NULL;
	if (col)
		cs->type = col->type;
	if (dn_q_row_level(c->kind) && select_rows(cs, c, b, &sel) < 0)
		return DN_ENOMEM;
	/* A column without nulls (and not float64, whose NaN counts as missing) skips the test. */
	int nulls = col && (col->null_count > 0 || col->type == DN_FLOAT64);
	/* Where a string column's bytes end: a kernel may read whole words up to there. */
	const char *end = col && col->type == DN_STRING && col->data ? col->data + col->offsets[n] :
								       NULL;
#define MISSING(i) (nulls && is_missing(col, (i)))
	switch (c->kind) {
	case DN_CHK_ROW_COUNT:
	case DN_CHK_REQUIRED_COLUMNS:
	case DN_CHK_SCHEMA:
	case DN_CHK_TYPE:
		break;
	case DN_CHK_NOT_NULL:
	case DN_CHK_MISSING_PERCENT:
		if (!col->null_count && col->type != DN_FLOAT64)
			break;
		for (int64_t i = 0; i < n; i++) {
			SKIP_UNSELECTED(i);
			if (is_missing(col, i)) {
				cs->nulls++;
				if (c->kind == DN_CHK_NOT_NULL)
					MARK(i);
			}
		}
		break;
	case DN_CHK_UNIQUE: {
		int64_t i0 = 0;
		if (col->type == DN_INT64 && !sel && !col->null_count && !hset_size(&cs->set) &&
		    n > 0) {
			/* The dense run of ids without a test per row for the rest: values that
			 * each extend it by one. */
			const int64_t *iv = col->values;
			if (!cs->has_run)
				cs->run_lo = cs->run_hi = iv[i0++], cs->has_run = 1;
			int64_t hi = cs->run_hi;
			while (i0 < n && hi < INT64_MAX && iv[i0] == hi + 1)
				hi = iv[i0++];
			cs->run_hi = hi;
		}
		for (int64_t i = i0; i < n; i++) {
			SKIP_UNSELECTED(i);
			if (MISSING(i))
				continue;
			if (col->type == DN_INT64) {
				/* Ids usually come as a dense run (1, 2, 3...): keep the run as an
				 * interval and only the values outside it in the set. */
				int64_t x = dn_column_i64(col, i);
				if (!cs->has_run) {
					cs->run_lo = cs->run_hi = x;
					cs->has_run = 1;
					continue;
				}
				if (x >= cs->run_lo && x <= cs->run_hi) {
					MARK(i);
					continue;
				}
				if (cs->run_hi < INT64_MAX && x == cs->run_hi + 1 &&
				    !(hset_size(&cs->set) &&
				      hset_has(&cs->set, value_key(col, i)))) {
					cs->run_hi = x;
					continue;
				}
			} else if (col->type == DN_FLOAT64 && cs->has_run) {
				/* widened from int64: the run holds the integers seen before */
				double d = dn_column_f64(col, i);
				if (d == floor(d) && d >= (double)cs->run_lo &&
				    d <= (double)cs->run_hi && fabs(d) < 0x1p53) {
					MARK(i);
					continue;
				}
			}
			int r = hset_add(&cs->set, value_key(col, i));
			if (r < 0)
				return DN_ENOMEM;
			if (!r)
				MARK(i);
		}
		break;
	}
	case DN_CHK_UNIQUE_COMBINATION:
	case DN_CHK_DUPLICATE_PERCENT:
		for (int64_t i = 0; i < n; i++) {
			SKIP_UNSELECTED(i);
			int r = hset_add(&cs->set, row_key(b, cs->cols, cs->ncols, i));
			if (r < 0)
				return DN_ENOMEM;
			if (!r) {
				if (c->kind == DN_CHK_UNIQUE_COMBINATION)
					MARK(i);
				else
					cs->failing++;
			}
		}
		break;
	case DN_CHK_REGEX: {
		struct dn_buf *t = &cs->tmp;
		for (int64_t i = 0; i < n; i++) {
			SKIP_UNSELECTED(i);
			if (is_missing(col, i))
				continue;
			struct dn_str s;
			if (col->type == DN_STRING) {
				s = dn_column_str(col, i);
				dn_buf_reset(t);
				if (dn_buf_append(t, s.ptr, s.len, NULL) < 0)
					return DN_ENOMEM;
			} else {
				value_text(col, i, t);
			}
			if (regexec(c->regex, t->data ? t->data : "", 0, NULL, 0) != 0)
				MARK(i);
		}
		break;
	}
	case DN_CHK_ACCEPTED_VALUES:
		for (int64_t i = 0; i < n; i++) {
			SKIP_UNSELECTED(i);
			if (MISSING(i))
				continue;
			if (col->type != DN_STRING) {
				if (!hset_has(&cs->acc_typed, value_key(col, i)))
					MARK(i);
				continue;
			}
			struct dn_str s = value_text(col, i, &cs->tmp);
			int ok = 0;
			if (s.len <= 16) {
				/* Two words compared: no byte loop, no memcmp. Every accepted value
				 * of up to 16 bytes is in acc16. */
				uint64_t w0, w1;
				words16(s.ptr, s.len, end ? end : s.ptr + s.len, &w0, &w1);
				ok = acc_has(&cs->acc16, w0, w1, s.len);
				if (!ok)
					MARK(i);
				continue;
			}
			uint64_t h = short_key(s.ptr, s.len);
			for (size_t j = dn_hash_u64(h) & cs->acc_mask; cs->acc_tab[j] >= 0 && !ok;
			     j = (j + 1) & cs->acc_mask) {
				int k = cs->acc_tab[j];
				ok = h == cs->accepted[k] &&
				     s.len == cs->accepted[c->nvalues + k] &&
				     !memcmp(s.ptr, c->values[k], s.len);
			}
			if (!ok)
				MARK(i);
		}
		break;
	case DN_CHK_RANGE: {
		int want_time = c->range_time;
		if (!want_time && (col->type == DN_INT64 || col->type == DN_FLOAT64)) {
			/* Numbers: one comparison each way, no conversion per row. */
			double lo = c->has_min ? c->min : -INFINITY,
			       hi = c->has_max ? c->max : INFINITY;
			int ints = col->type == DN_INT64;
			/* Integers compare as integers: past 2^53 doubles would round them. */
			int64_t ilo = c->has_min ? int_bound(c->min_text, lo, 1) : INT64_MIN,
				ihi = c->has_max ? int_bound(c->max_text, hi, 0) : INT64_MAX;
			if (!sel) {
				/* Every row: missing is tested only out of range (a null's slot
				 * may hold anything; a NaN fails neither comparison). */
				const int64_t *iv = col->values;
				const double *fv = col->values;
				if (ints) {
					for (int64_t i = 0; i < n; i++)
						if (DN_UNLIKELY(iv[i] < ilo || iv[i] > ihi) &&
						    !MISSING(i))
							MARK(i);
				} else {
					for (int64_t i = 0; i < n; i++)
						if (DN_UNLIKELY(fv[i] < lo || fv[i] > hi) &&
						    !MISSING(i))
							MARK(i);
				}
				break;
			}
			for (int64_t i = 0; i < n; i++) {
				SKIP_UNSELECTED(i);
				if (MISSING(i))
					continue;
				if (ints ? dn_column_i64(col, i) < ilo ||
						    dn_column_i64(col, i) > ihi :
					   dn_column_f64(col, i) < lo || dn_column_f64(col, i) > hi)
					MARK(i);
			}
			break;
		}
		for (int64_t i = 0; i < n; i++) {
			SKIP_UNSELECTED(i);
			if (is_missing(col, i))
				continue;
			if (!value_num(col, i, want_time, &v) || (c->has_min && v < c->min) ||
			    (c->has_max && v > c->max))
				MARK(i);
		}
		break;
	}
	case DN_CHK_LENGTH:
		if (col->type == DN_STRING && !sel && n > 0 &&
		    dn_is_ascii(col->data + col->offsets[0],
				(size_t)(col->offsets[n] - col->offsets[0]))) {
			/* All ASCII (the usual case, tested once per batch): a length is its byte
			 * count, from the offsets alone. */
			double lo = c->has_min ? c->min : -INFINITY,
			       hi = c->has_max ? c->max : INFINITY;
			for (int64_t i = 0; i < n; i++) {
				double len = (double)(col->offsets[i + 1] - col->offsets[i]);
				if (DN_UNLIKELY(len < lo || len > hi) && !MISSING(i))
					MARK(i);
			}
			break;
		}
		for (int64_t i = 0; i < n; i++) {
			SKIP_UNSELECTED(i);
			if (MISSING(i))
				continue;
			struct dn_str t = value_text(col, i, &cs->tmp);
			/* code points lie between bytes / 4 and bytes */
			if ((!c->has_max || (double)t.len <= c->max) &&
			    (!c->has_min || (double)(t.len / 4) >= c->min))
				continue;
			double len = (double)(col->type == DN_STRING ? utf8_len_upto(t, end) :
								       utf8_len(t));
			if ((c->has_min && len < c->min) || (c->has_max && len > c->max))
				MARK(i);
		}
		break;
	case DN_CHK_FORMAT: {
		/* 0 email, 1 url, 2 iso_date, 3 iso_timestamp */
		int f = !strcmp(c->format, "email")    ? 0 :
			!strcmp(c->format, "url")      ? 1 :
			!strcmp(c->format, "iso_date") ? 2 :
							 3;
		for (int64_t i = 0; i < n; i++) {
			SKIP_UNSELECTED(i);
			if (MISSING(i))
				continue;
			int ok;
			if (f >= 2 && (col->type == DN_DATE || col->type == DN_TIMESTAMP)) {
				ok = f == 2 ? col->type == DN_DATE : 1;
			} else if (f >= 2) {
				struct dn_str t = value_text(col, i, &cs->tmp);
				int64_t us;
				int k = dn_time_parse(t.ptr, t.len, &us);
				ok = f == 2 ? k == DN_TIME_DATE : k > 0;
			} else {
				struct dn_str t = value_text(col, i, &cs->tmp);
				ok = f == 0 ? is_email(t, col->type == DN_STRING ? end :
										   t.ptr + t.len) :
					      is_url(t);
			}
			if (!ok)
				MARK(i);
		}
		break;
	}
	case DN_CHK_RELATIONSHIPS:
		for (int64_t i = 0; i < n; i++) {
			SKIP_UNSELECTED(i);
			if (!is_missing(col, i) && !hset_has(&cs->ref, value_key(col, i)) &&
			    !ref_other_type(cs, col, i))
				MARK(i);
		}
		break;
	case DN_CHK_ACCURACY:
		for (int64_t i = 0; i < n; i++) {
			SKIP_UNSELECTED(i);
			if (is_missing(col, i))
				continue;
			const struct refval *rv = hmap_get(&cs->refmap, value_key(col, i));
			if (!rv)
				rv = refmap_other_type(cs, col, i);
			int bad;
			if (!rv) {
				bad = 1;
			} else if (is_missing(col2, i) || rv->is_null) {
				bad = !(is_missing(col2, i) && rv->is_null);
			} else if (((rv->is_num || rv->text_num) && col2->type != DN_STRING &&
				    num_kind(col2->type) == rv->kind &&
				    value_num(col2, i,
					      col2->type == DN_DATE || col2->type == DN_TIMESTAMP,
					      &v)) ||
				   (rv->is_num && rv->kind == 0 && col2->type == DN_STRING &&
				    text_number(dn_column_str(col2, i), &v))) {
				/* numbers on both sides, one perhaps written as text */
				bad = fabs(v - rv->num) > c->tolerance;
			} else {
				struct dn_str t = value_text(col2, i, &cs->tmp);
				bad = dn_hash_text(t.ptr, t.len, 7) != rv->text;
			}
			if (bad)
				MARK(i);
		}
		break;
	case DN_CHK_EXPRESSION:
		for (int64_t i = 0; i < n; i++) {
			SKIP_UNSELECTED(i);
			if (cond_eval(cs, &c->cond, cs->ccols, b, i) == 0)
				MARK(i);
		}
		break;
	case DN_CHK_RECONCILE:
		if (!col) {
			cs->sum += (double)n;
			break;
		}
		for (int64_t i = 0; i < n; i++)
			if (!is_missing(col, i) && value_num(col, i, 0, &v))
				cs->sum += v;
		break;
	case DN_CHK_FRESHNESS:
		if (col->type == DN_TIMESTAMP && !col->null_count && n > 0) {
			const int64_t *tv = col->values;
			int64_t m = cs->has_tmax ? cs->tmax : INT64_MIN;
			for (int64_t i = 0; i < n; i++)
				m = tv[i] > m ? tv[i] : m;
			cs->tmax = m, cs->has_tmax = 1;
			break;
		}
		if (col->type == DN_TIMESTAMP) {
			for (int64_t i = 0; i < n; i++) {
				int64_t x = dn_column_i64(col, i);
				if (!dn_column_is_null(col, i) && (!cs->has_tmax || x > cs->tmax))
					cs->tmax = x, cs->has_tmax = 1;
			}
			break;
		}
		for (int64_t i = 0; i < n; i++) {
			if (is_missing(col, i) || !value_num(col, i, 1, &v))
				continue;
			if (!cs->has_tmax || (int64_t)v > cs->tmax)
				cs->tmax = (int64_t)v, cs->has_tmax = 1;
		}
		break;
	case DN_CHK_ARRIVAL_DELAY:
		for (int64_t i = 0; col && col2 && i < n; i++) {
			double ev;
			if (is_missing(col, i) || is_missing(col2, i) ||
			    !value_num(col, i, 1, &v) || !value_num(col2, i, 1, &ev))
				continue;
			/* a date is about its whole day: the delay counts from its end */
			if (col2->type == DN_DATE ||
			    (col2->type == DN_STRING && dn_column_str(col2, i).len == 10))
				ev += (double)DN_USEC_PER_DAY;
			int64_t d = (int64_t)(v - ev);
			if (!cs->has_dmax || d > cs->dmax)
				cs->dmax = d, cs->has_dmax = 1;
		}
		break;
	case DN_CHK_ANOMALY:
		if (!col)
			break;
		for (int64_t i = 0; i < n; i++) {
			if (is_missing(col, i)) {
				cs->nulls++;
				continue;
			}
			if (!value_num(col, i, col->type == DN_DATE || col->type == DN_TIMESTAMP,
				       &v))
				continue;
			cs->n++;
			cs->sum += v;
			if (v < cs->min)
				cs->min = v;
			if (v > cs->max)
				cs->max = v;
		}
		break;
	default:
		break;
	}
#undef MISSING
	return 0;
}

static void eval_job_fn(void *user)
{
	struct eval_job *j = user;
	j->rc = eval_check(j->cr, j->ci, j->b);
}

/* Copy the marked rows of b to the quarantine callback. */
static int quarantine(struct dn_check_run *cr, const struct dn_batch *b, struct dn_error *err)
{
	int64_t n = 0;
	for (int64_t i = 0; i < b->nrows; i++)
		for (int w = 0; w < cr->words; w++)
			if (cr->fails[i * cr->words + w]) {
				n++;
				break;
			}
	if (!n)
		return 0;
	int nf = b->schema.nfields;
	struct dn_schema sc;
	struct dn_builder *bl = dn_calloc((size_t)nf + 2, sizeof *bl);
	struct dn_batch *out = NULL;
	int rc = 0;
	dn_schema_init(&sc);
	if (!bl)
		return dn_error_set(err, DN_ENOMEM, "out of memory");
	for (int k = 0; k < nf; k++) {
		dn_builder_init(&bl[k], b->columns[k].type);
		if ((rc = dn_schema_add(&sc, b->schema.fields[k].name,
					strlen(b->schema.fields[k].name), b->columns[k].type,
					err)) < 0)
			goto out;
	}
	dn_builder_init(&bl[nf], DN_INT64);
	dn_builder_init(&bl[nf + 1], DN_STRING);
	if ((rc = dn_schema_add(&sc, "_row", 4, DN_INT64, err)) < 0 ||
	    (rc = dn_schema_add(&sc, "_failed_checks", 14, DN_STRING, err)) < 0)
		goto out;
	for (int64_t i = 0; i < b->nrows; i++) {
		const uint64_t *f = &cr->fails[i * cr->words];
		struct dn_buf *names = &cr->tmp;
		dn_buf_reset(names);
		for (int ci = 0; ci < cr->s->nchecks; ci++)
			if (f[ci / 64] >> (ci % 64) & 1)
				dn_buf_printf(names, NULL, "%s%s", names->len ? "; " : "",
					      cr->s->checks[ci].name);
		if (!names->len)
			continue;
		for (int k = 0; k < nf; k++)
			if ((rc = dn_builder_append_from(&bl[k], &b->columns[k], i, err)) < 0)
				goto out;
		if ((rc = dn_builder_append_i64(&bl[nf], b->first_row + i + 1, err)) < 0 ||
		    (rc = dn_builder_append_str(&bl[nf + 1], names->data, names->len, err)) < 0)
			goto out;
	}
	if (!(out = dn_batch_from_builders(&sc, bl, err))) {
		rc = err && err->code ? err->code : DN_ENOMEM;
		goto out;
	}
	out->first_row = cr->quarantined;
	if ((rc = cr->o.quarantine(cr->o.quarantine_user, out, err)) == 0)
		cr->quarantined += n;
out:
	dn_batch_free(out);
	for (int k = 0; k < nf + 2; k++)
		dn_builder_release(&bl[k]);
	dn_free(bl);
	dn_schema_release(&sc);
	return rc;
}

int dn_check_run_add(struct dn_check_run *cr, const struct dn_batch *b, struct dn_error *err)
{
	if (!cr->have_schema) {
		DN_TRY(dn_schema_copy(&cr->schema, &b->schema, err));
		cr->have_schema = 1;
		for (int ci = 0; ci < cr->s->nchecks; ci++)
			if (resolve(cr, b, ci) < 0)
				return dn_error_set(err, DN_ENOMEM, "out of memory");
	}
	if (b->schema.nfields != cr->schema.nfields)
		return dn_error_set(err, DN_EINVAL, "a batch with %d columns after %d",
				    b->schema.nfields, cr->schema.nfields);
	for (int k = 0; k < b->schema.nfields; k++)
		cr->schema.fields[k].type = b->columns[k].type; /* widening */
	if (cr->o.quarantine && cr->any_row_level) {
		if (b->nrows > cr->fails_cap) {
			dn_free(cr->fails);
			cr->fails =
				dn_calloc((size_t)b->nrows * (size_t)cr->words, sizeof *cr->fails);
			if (!cr->fails)
				return dn_error_set(err, DN_ENOMEM, "out of memory");
			cr->fails_cap = b->nrows;
		} else {
			memset(cr->fails, 0,
			       (size_t)b->nrows * (size_t)cr->words * sizeof *cr->fails);
		}
	}
	if (!cr->fails && cr->s->nchecks > 1 && !cr->pool && dn_cpu_count() > 1) {
		int th = dn_cpu_count() < cr->s->nchecks ? dn_cpu_count() : cr->s->nchecks;
		cr->jobs = dn_calloc((size_t)cr->s->nchecks, sizeof *cr->jobs);
		if (!cr->jobs || dn_pool_new(&cr->pool, th, err) < 0) {
			dn_free(cr->jobs);
			cr->jobs = NULL;
			cr->pool = NULL;
			dn_error_clear(err); /* run them in this thread instead */
		}
	}
	if (cr->pool && !cr->fails) {
		int failed = -1;
		for (int ci = 0; ci < cr->s->nchecks; ci++) {
			struct eval_job *j = &cr->jobs[ci];
			j->cr = cr;
			j->ci = ci;
			j->b = b;
			j->rc = 0;
			if (dn_pool_submit(cr->pool, eval_job_fn, j, NULL) < 0)
				j->rc = eval_check(cr, ci, b);
		}
		dn_pool_wait(cr->pool);
		for (int ci = 0; ci < cr->s->nchecks && failed < 0; ci++)
			if (cr->jobs[ci].rc < 0)
				failed = ci;
		if (failed >= 0)
			return dn_error_set(err, DN_ENOMEM, "out of memory checking %s",
					    cr->s->checks[failed].name);
	} else {
		for (int ci = 0; ci < cr->s->nchecks; ci++)
			if (eval_check(cr, ci, b) < 0)
				return dn_error_set(err, DN_ENOMEM, "out of memory checking %s",
						    cr->s->checks[ci].name);
	}
	cr->rows += b->nrows;
	if (cr->fails)
		DN_TRY(quarantine(cr, b, err));
	return 0;
}

void dn_q_judge(struct dn_check_result *res, int failed, const char *fmt, ...)
{
	if (!failed) {
		res->status = DN_CHECK_PASS;
		return;
	}
	res->status = res->check->severity == DN_SEV_WARN ? DN_CHECK_WARN : DN_CHECK_FAIL;
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(res->message, sizeof res->message, fmt, ap);
		va_end(ap);
	}
}

void dn_q_set_value(struct dn_check_result *res, double v)
{
	res->has_value = 1;
	res->value = v;
	fmt_num(v, res->observed, sizeof res->observed);
}

/* A row-level check: failing rows against max_failing_percent of the rows. */
static const char *row_what(enum dn_check_kind k)
{
	switch (k) {
	case DN_CHK_NOT_NULL:
		return "are null";
	case DN_CHK_UNIQUE:
		return "repeat an earlier value";
	case DN_CHK_UNIQUE_COMBINATION:
		return "repeat an earlier combination";
	case DN_CHK_REGEX:
		return "do not match";
	case DN_CHK_ACCEPTED_VALUES:
		return "hold other values";
	case DN_CHK_RANGE:
		return "are out of range";
	case DN_CHK_LENGTH:
		return "have a length out of range";
	case DN_CHK_FORMAT:
		return "are not in the format";
	case DN_CHK_RELATIONSHIPS:
		return "have no match in the other dataset";
	case DN_CHK_EXPRESSION:
		return "break the condition";
	case DN_CHK_ACCURACY:
		return "disagree with the reference";
	default:
		return "fail";
	}
}

void dn_q_judge_rows(struct dn_check_result *res, int64_t failing, int64_t rows)
{
	const char *what = row_what(res->check->kind);
	const struct dn_check *c = res->check;
	res->failing = failing;
	dn_q_set_value(res, (double)failing);
	double pct = rows ? 100.0 * (double)failing / (double)rows : 0;
	if (c->max_failing_pct > 0)
		snprintf(res->threshold, sizeof res->threshold, "failing rows <= %g%%",
			 c->max_failing_pct);
	else
		snprintf(res->threshold, sizeof res->threshold, "failing rows = 0");
	dn_q_judge(res, pct > c->max_failing_pct, "%lld of %lld rows (%.2f%%) %s",
		   (long long)failing, (long long)rows, pct, what);
}

static void bounds_text(const struct dn_check *c, char *out, size_t n, const char *what)
{
	if (c->has_min && c->has_max)
		snprintf(out, n, "%s <= %s <= %s", c->min_text, what, c->max_text);
	else if (c->has_min)
		snprintf(out, n, "%s >= %s", what, c->min_text);
	else
		snprintf(out, n, "%s <= %s", what, c->max_text);
}

void dn_q_judge_percent(struct dn_check_result *res, double pct, double max, const char *what,
			int64_t n, int64_t rows)
{
	dn_q_set_value(res, pct);
	snprintf(res->observed, sizeof res->observed, "%.2f%%", pct);
	snprintf(res->threshold, sizeof res->threshold, "%s <= %g%%", what, max);
	dn_q_judge(res, pct > max, "%lld of %lld rows are %s", (long long)n, (long long)rows,
		   !strcmp(what, "missing") ? "missing" : "duplicates of an earlier row");
}

void dn_q_judge_static(struct dn_check_result *res, const struct dn_schema *sc, int64_t rows,
		       const char *target)
{
	const struct dn_check *c = res->check;
	if (c->kind == DN_CHK_ROW_COUNT) {
		dn_q_set_value(res, (double)rows);
		bounds_text(c, res->threshold, sizeof res->threshold, "rows");
		dn_q_judge(res,
			   (c->has_min && (double)rows < c->min) ||
				   (c->has_max && (double)rows > c->max),
			   "%lld rows", (long long)rows);
		return;
	}
	if (c->kind == DN_CHK_TYPE) {
		int col = dn_schema_find(sc, c->column);
		if (col < 0) {
			res->status = c->severity == DN_SEV_WARN ? DN_CHECK_WARN : DN_CHECK_FAIL;
			snprintf(res->message, sizeof res->message, "no column '%s' in %s",
				 c->column, target);
			return;
		}
		enum dn_type t = sc->fields[col].type;
		snprintf(res->observed, sizeof res->observed, "%s", dn_type_name(t));
		snprintf(res->threshold, sizeof res->threshold, "%s", dn_type_name(c->type));
		dn_q_judge(res, t != c->type, "%s is %s, not %s", c->column, dn_type_name(t),
			   dn_type_name(c->type));
		return;
	}
	struct dn_buf m = DN_BUF_INIT;
	int bad = 0;
	for (int k = 0; k < c->ncolumns; k++) {
		int f = dn_schema_find(sc, c->columns[k]);
		if (f < 0) {
			dn_buf_printf(&m, NULL, "%smissing column %s", m.len ? "; " : "",
				      c->columns[k]);
			bad++;
		} else if (c->types && c->types[k][0] &&
			   strcmp(c->types[k], dn_type_name(sc->fields[f].type))) {
			dn_buf_printf(&m, NULL, "%s%s is %s, not %s", m.len ? "; " : "",
				      c->columns[k], dn_type_name(sc->fields[f].type), c->types[k]);
			bad++;
		}
	}
	for (int f = 0; c->kind == DN_CHK_SCHEMA && c->exact && f < sc->nfields; f++) {
		int listed = 0;
		for (int k = 0; k < c->ncolumns; k++)
			listed |= !strcmp(c->columns[k], sc->fields[f].name);
		if (!listed) {
			dn_buf_printf(&m, NULL, "%sunexpected column %s", m.len ? "; " : "",
				      sc->fields[f].name);
			bad++;
		}
	}
	dn_q_set_value(res, bad);
	snprintf(res->threshold, sizeof res->threshold, "%s",
		 c->kind == DN_CHK_SCHEMA ? "0 differences" : "0 missing columns");
	dn_q_judge(res, bad > 0, "%s", m.data ? m.data : "");
	dn_buf_release(&m);
}

void dn_q_judge_reconcile(struct dn_check_result *res, double here, double other)
{
	const struct dn_check *c = res->check;
	double d = fabs(here - other);
	double allowed = c->tolerance;
	if (c->tolerance_pct >= 0)
		allowed = fabs(other) * c->tolerance_pct / 100.0;
	dn_q_set_value(res, d);
	char a[40], b[40];
	fmt_num(here, a, sizeof a);
	fmt_num(other, b, sizeof b);
	snprintf(res->observed, sizeof res->observed, "%s vs %s (difference %g)", a, b, d);
	if (c->tolerance_pct >= 0)
		snprintf(res->threshold, sizeof res->threshold, "difference <= %g%%",
			 c->tolerance_pct);
	else
		snprintf(res->threshold, sizeof res->threshold, "difference <= %g", c->tolerance);
	dn_q_judge(res, d > allowed, "%s %s is %s here and %s in %s", c->metric,
		   c->column ? c->column : "of rows", a, b, c->other);
}

void dn_q_judge_freshness(struct dn_check_result *res, int has, int64_t newest, int64_t at)
{
	const struct dn_check *c = res->check;
	snprintf(res->threshold, sizeof res->threshold, "age <= %s", c->max_age_text);
	if (!has) {
		res->status = c->severity == DN_SEV_WARN ? DN_CHECK_WARN : DN_CHECK_FAIL;
		snprintf(res->message, sizeof res->message, "no %s value at all", c->column);
		return;
	}
	int64_t age = at - newest;
	dn_q_set_value(res, (double)age / 1e6);
	dn_q_duration_text(age, res->observed, sizeof res->observed);
	char t[40];
	dn_timestamp_format(newest, t);
	dn_q_judge(res, age > c->max_age_us, "the newest %s is %s", c->column, t);
}

int dn_q_judge_anomaly(struct dn_check_result *res, const struct dn_suite_result *r,
		       const struct dn_check_options *o, struct dn_error *err)
{
	const struct dn_check *c = res->check;
	double *hv = NULL;
	int64_t *ha = NULL;
	int n = 0;
	char t[80] = "";
	if (c->max_change_pct >= 0)
		snprintf(t, sizeof t, "change <= %g%%", c->max_change_pct);
	if (c->stddevs > 0)
		snprintf(t + strlen(t), sizeof t - strlen(t), "%swithin %g sd of the last %d runs",
			 t[0] ? ", " : "", c->stddevs, c->window);
	snprintf(res->threshold, sizeof res->threshold, "%s", t);
	if (o->meta && o->history)
		DN_TRY(dn_meta_quality_history(o->meta, r->suite->name, r->target, c->name, r->at,
					       c->window, &hv, &ha, &n, err));
	if (n < c->min_history) {
		res->status = DN_CHECK_SKIPPED;
		snprintf(res->message, sizeof res->message,
			 "needs %d earlier run%s in the history to judge, has %d%s", c->min_history,
			 c->min_history == 1 ? "" : "s", n,
			 o->meta && o->history ? "" : " (no metadata store)");
		dn_free(hv);
		dn_free(ha);
		return 0;
	}
	double v = res->value, prev = hv[n - 1];
	int bad = 0;
	char msg[300] = "";
	if (c->max_change_pct >= 0) {
		double ch = prev != 0 ? 100.0 * fabs(v - prev) / fabs(prev) :
					(v != 0 ? INFINITY : 0);
		if (ch > c->max_change_pct) {
			bad = 1;
			snprintf(msg, sizeof msg, "changed %.2f%% from %g in the previous run", ch,
				 prev);
		}
	}
	if (c->stddevs > 0) {
		double mean = 0, m2 = 0;
		for (int i = 0; i < n; i++)
			mean += hv[i];
		mean /= n;
		for (int i = 0; i < n; i++)
			m2 += (hv[i] - mean) * (hv[i] - mean);
		double sd = n > 1 ? sqrt(m2 / (n - 1)) : 0;
		double z = sd > 0 ? fabs(v - mean) / sd : (v != mean ? INFINITY : 0);
		if (z > c->stddevs) {
			bad = 1;
			snprintf(msg + strlen(msg), sizeof msg - strlen(msg),
				 "%s%.2f standard deviations from the mean %g of the last %d runs",
				 msg[0] ? "; " : "", z, mean, n);
		}
	}
	dn_q_judge(res, bad, "%s", msg);
	dn_free(hv);
	dn_free(ha);
	return 0;
}

/* arrival_delay by partition: each partition arrived with the earliest commit that lists a
 * file of it, and is due at the end of its day (a date) or at its time (a timestamp); the
 * observed value is the largest delay, naming its partition. */
static void judge_partition_arrival(const struct dn_check_run *cr, const struct dn_check *c,
				    struct dn_check_result *res)
{
	const struct dn_check_options *o = &cr->o;
	size_t klen = strlen(c->partition);
	int64_t worst = 0;
	const char *worst_at = NULL;
	size_t worst_len = 0;
	if (!o->has_arrivals) {
		res->status = DN_CHECK_SKIPPED;
		snprintf(res->message, sizeof res->message,
			 "partition arrivals come from a lake dataset's commits; the target is not "
			 "one");
		return;
	}
	for (size_t i = 0; i < o->narrivals; i++) {
		const char *p = o->arrivals[i].partition;
		while (*p) { /* find "KEY=" among the path's segments */
			const char *end = strchr(p, '/');
			size_t n = end ? (size_t)(end - p) : strlen(p);
			if (n > klen && p[klen] == '=' && !strncmp(p, c->partition, klen)) {
				const char *v = p + klen + 1;
				size_t vl = n - klen - 1;
				int64_t t;
				int kind = dn_time_parse(v, vl, &t);
				if (kind == DN_TIME_DATE)
					t = (t + 1) * DN_USEC_PER_DAY;
				if (kind > 0) {
					int64_t d = o->arrivals[i].first_us - t;
					if (!worst_at || d > worst)
						worst = d, worst_at = v, worst_len = vl;
				}
				break;
			}
			p += n + (end != NULL);
		}
	}
	if (!worst_at) {
		res->status = DN_CHECK_SKIPPED;
		snprintf(res->message, sizeof res->message,
			 "no partition %s=DATE or TIMESTAMP in the dataset's commits",
			 c->partition);
		return;
	}
	dn_q_set_value(res, (double)worst / 1e6);
	dn_q_duration_text(worst, res->observed, sizeof res->observed);
	dn_q_judge(res, worst > c->max_age_us, "partition %s=%.*s arrived %s after it was due",
		   c->partition, (int)worst_len, worst_at, res->observed);
}

int dn_check_run_finish(struct dn_check_run *cr, struct dn_suite_result *r, struct dn_error *err)
{
	const struct dn_suite *s = cr->s;
	memset(r, 0, sizeof *r);
	r->suite = s;
	r->at = cr->at;
	r->rows = cr->rows;
	r->quarantined = cr->quarantined;
	r->target = dn_strdup(cr->o.target ? cr->o.target : (s->target ? s->target : "-"));
	r->results = dn_calloc((size_t)s->nchecks + 1, sizeof *r->results);
	if (!r->target || !r->results)
		return dn_error_set(err, DN_ENOMEM, "out of memory");
	r->nresults = s->nchecks;
	for (int ci = 0; ci < s->nchecks; ci++) {
		const struct dn_check *c = &s->checks[ci];
		struct cstate *cs = &cr->st[ci];
		struct dn_check_result *res = &r->results[ci];
		res->check = c;
		res->failing = -1;
		res->samples = cs->samples;
		res->nsamples = cs->nsamples;
		cs->samples = NULL;
		cs->nsamples = 0;
		if (cs->ref_error) {
			res->status = c->severity == DN_SEV_WARN ? DN_CHECK_WARN : DN_CHECK_FAIL;
			snprintf(res->message, sizeof res->message, "%s", cs->ref_error);
			continue;
		}
		if (cs->missing) {
			res->status = c->severity == DN_SEV_WARN ? DN_CHECK_WARN : DN_CHECK_FAIL;
			const char *hint = suggest_column(&cr->schema, cs->missing_name);
			snprintf(res->message, sizeof res->message, "no column '%s' in %s%s%s%s",
				 cs->missing_name, r->target, hint ? " (did you mean '" : "",
				 hint ? hint : "", hint ? "'?)" : "");
			continue;
		}
		switch (c->kind) {
		case DN_CHK_ROW_COUNT:
		case DN_CHK_REQUIRED_COLUMNS:
		case DN_CHK_SCHEMA:
		case DN_CHK_TYPE:
			dn_q_judge_static(res, &cr->schema, cr->rows, r->target);
			break;
		case DN_CHK_NOT_NULL:
			dn_q_judge_rows(res, cs->failing, c->where ? cs->selected : cr->rows);
			break;
		case DN_CHK_MISSING_PERCENT:
			dn_q_judge_percent(res,
					   cr->rows ? 100.0 * (double)cs->nulls / (double)cr->rows :
						      0,
					   c->max, "missing", cs->nulls, cr->rows);
			break;
		case DN_CHK_UNIQUE:
			dn_q_judge_rows(res, cs->failing, c->where ? cs->selected : cr->rows);
			break;
		case DN_CHK_UNIQUE_COMBINATION:
			dn_q_judge_rows(res, cs->failing, c->where ? cs->selected : cr->rows);
			break;
		case DN_CHK_DUPLICATE_PERCENT:
			dn_q_judge_percent(res,
					   cr->rows ?
						   100.0 * (double)cs->failing / (double)cr->rows :
						   0,
					   c->max, "duplicates", cs->failing, cr->rows);
			break;
		case DN_CHK_REGEX:
			dn_q_judge_rows(res, cs->failing, c->where ? cs->selected : cr->rows);
			break;
		case DN_CHK_ACCEPTED_VALUES:
			dn_q_judge_rows(res, cs->failing, c->where ? cs->selected : cr->rows);
			break;
		case DN_CHK_RANGE:
			dn_q_judge_rows(res, cs->failing, c->where ? cs->selected : cr->rows);
			break;
		case DN_CHK_LENGTH:
			dn_q_judge_rows(res, cs->failing, c->where ? cs->selected : cr->rows);
			break;
		case DN_CHK_FORMAT:
			dn_q_judge_rows(res, cs->failing, c->where ? cs->selected : cr->rows);
			break;
		case DN_CHK_RELATIONSHIPS:
			dn_q_judge_rows(res, cs->failing, c->where ? cs->selected : cr->rows);
			break;
		case DN_CHK_EXPRESSION:
			dn_q_judge_rows(res, cs->failing, c->where ? cs->selected : cr->rows);
			break;
		case DN_CHK_ACCURACY:
			dn_q_judge_rows(res, cs->failing, c->where ? cs->selected : cr->rows);
			break;
		case DN_CHK_RECONCILE:
			dn_q_judge_reconcile(res, cs->sum, cs->other);
			break;
		case DN_CHK_FRESHNESS:
			dn_q_judge_freshness(res, cs->has_tmax, cs->tmax, r->at);
			break;
		case DN_CHK_ARRIVAL_DELAY:
			snprintf(res->threshold, sizeof res->threshold, "delay <= %s",
				 c->max_age_text);
			if (c->partition) {
				judge_partition_arrival(cr, c, res);
				break;
			}
			if (!cs->has_dmax) {
				res->status = DN_CHECK_SKIPPED;
				snprintf(res->message, sizeof res->message,
					 "no row with both times");
				break;
			}
			dn_q_set_value(res, (double)cs->dmax / 1e6);
			dn_q_duration_text(cs->dmax, res->observed, sizeof res->observed);
			dn_q_judge(res, cs->dmax > c->max_age_us,
				   "the latest row arrived %s after %s", res->observed,
				   c->event_column);
			break;
		case DN_CHK_ANOMALY: {
			double v = 0;
			switch (c->ametric) {
			case DN_AM_ROW_COUNT:
				v = (double)cr->rows;
				break;
			case DN_AM_MISSING_PERCENT:
				v = cr->rows ? 100.0 * (double)cs->nulls / (double)cr->rows : 0;
				break;
			case DN_AM_MEAN:
				v = cs->n ? cs->sum / (double)cs->n : NAN;
				break;
			case DN_AM_SUM:
				v = cs->sum;
				break;
			case DN_AM_MIN:
				v = cs->n ? cs->min : NAN;
				break;
			case DN_AM_MAX:
				v = cs->n ? cs->max : NAN;
				break;
			}
			if (isnan(v)) {
				res->status = DN_CHECK_SKIPPED;
				snprintf(res->message, sizeof res->message,
					 "no %s value to measure", c->column);
				break;
			}
			dn_q_set_value(res, v);
			DN_TRY(dn_q_judge_anomaly(res, r, &cr->o, err));
			break;
		}
		default:
			break;
		}
	}
	return dn_q_finish_result(r, &cr->o, err);
}

int dn_q_finish_result(struct dn_suite_result *r, const struct dn_check_options *o,
		       struct dn_error *err)
{
	int pass[DN_NDIMS] = {0}, judged[DN_NDIMS] = {0}, tp = 0, tj = 0;
	for (int i = 0; i < r->nresults; i++) {
		struct dn_check_result *res = &r->results[i];
		enum dn_dimension d = dn_check_kind_dimension(res->check->kind);
		switch (res->status) {
		case DN_CHECK_PASS:
			r->passed++;
			break;
		case DN_CHECK_WARN:
			r->warned++;
			break;
		case DN_CHECK_FAIL:
			r->failed++;
			break;
		case DN_CHECK_SKIPPED:
			r->skipped++;
			break;
		}
		if (res->status != DN_CHECK_SKIPPED) {
			judged[d]++;
			tj++;
			pass[d] += res->status == DN_CHECK_PASS;
			tp += res->status == DN_CHECK_PASS;
		}
		if (o->meta && o->history && res->has_value)
			DN_TRY(dn_meta_quality_history(o->meta, r->suite->name, r->target,
						       res->check->name, r->at, 30, &res->history,
						       &res->history_at, &res->nhistory, err));
	}
	for (int d = 0; d < DN_NDIMS; d++)
		r->score[d] = judged[d] ? 100.0 * pass[d] / judged[d] : NAN;
	r->overall = tj ? 100.0 * tp / tj : NAN;
	return 0;
}

void dn_suite_result_release(struct dn_suite_result *r)
{
	for (int i = 0; r->results && i < r->nresults; i++) {
		for (int k = 0; k < r->results[i].nsamples; k++)
			dn_free(r->results[i].samples[k]);
		dn_free(r->results[i].samples);
		dn_free(r->results[i].history);
		dn_free(r->results[i].history_at);
	}
	dn_free(r->results);
	dn_free(r->target);
	memset(r, 0, sizeof *r);
}

int dn_check_record(struct dn_meta *m, const struct dn_suite_result *r, struct dn_error *err)
{
	for (int i = 0; i < r->nresults; i++) {
		const struct dn_check_result *res = &r->results[i];
		DN_TRY(dn_meta_quality_add(m, r->suite->name, r->target, res->check->name, r->at,
					   res->has_value, res->value,
					   dn_check_status_name(res->status), err));
	}
	return 0;
}
