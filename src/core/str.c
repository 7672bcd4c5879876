/* Borrowed strings, UTF-8 checks and the number parsers and formatter every reader uses.
 *
 * The parsers sit on the hot path of CSV/JSON reading and type inference (they are called on
 * every field), so they never allocate and never need a NUL-terminated copy of the common input:
 *
 * - dn_parse_i64 accumulates in uint64 and compares against the limit of the sign (so INT64_MIN
 *   parses exactly); it keeps scanning after an overflow so that "999...9x" is a parse error,
 *   not a range error.
 * - dn_parse_f64 scans once, collecting up to 19 significant digits. When the digits fit in
 *   2^53 and the decimal exponent is within +-22, both the mantissa and 10^e are exact doubles
 *   and one IEEE multiply or divide is correctly rounded (Clinger's fast path); that covers
 *   nearly all real data. Otherwise the digits are rewritten into a bounded stack buffer as
 *   "<digits>e<exp>" and handed to strtod: at most 768 significant digits decide the rounding
 *   of a double, so longer inputs keep 768 digits plus one sticky '1' when anything non-zero was
 *   cut. The rewrite also hides the locale's decimal point from strtod.
 * - dn_format_f64 first tries the fixed form m/10^k (exact for most data values, no libc call),
 *   then %.15g, %.16g and %.17g, keeping the first that parses back to the same bits. That is
 *   the shortest round-trip text for nearly every value. The text always reads as a float
 *   ("3.0", not "3"), so a float column read back stays a float column. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

struct dn_str dn_str_cstr(const char *s)
{
	return dn_str_make(s, s ? strlen(s) : 0);
}

int dn_str_eq(struct dn_str a, struct dn_str b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

int dn_str_eq_cstr(struct dn_str a, const char *s)
{
	return dn_str_eq(a, dn_str_cstr(s));
}

static inline unsigned char ascii_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

int dn_str_ieq_cstr(struct dn_str a, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (a.len != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (ascii_lower((unsigned char)a.ptr[i]) != ascii_lower((unsigned char)s[i]))
			return 0;
	return 1;
}

struct dn_str dn_str_trim(struct dn_str s)
{
	while (s.len && (s.ptr[0] == ' ' || s.ptr[0] == '\t')) {
		s.ptr++;
		s.len--;
	}
	while (s.len && (s.ptr[s.len - 1] == ' ' || s.ptr[s.len - 1] == '\t'))
		s.len--;
	return s;
}

int dn_str_has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return m <= n && memcmp(s + n - m, suffix, m) == 0;
}

int dn_ascii_casecmp(const char *a, const char *b)
{
	for (;; a++, b++) {
		int ca = ascii_lower((unsigned char)*a), cb = ascii_lower((unsigned char)*b);
		if (ca != cb || !ca)
			return ca - cb;
	}
}

/* ------------------------------------------------------------------------------------------ */
/* UTF-8 */

size_t dn_utf8_cut(const char *s, size_t n, size_t max)
{
	if (n <= max)
		return n;
	while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	return max;
}

int dn_utf8_valid(const char *p, size_t n, size_t *bad_at)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t i = 0;
	while (i < n) {
		/* ASCII runs, 8 bytes at a time: most text is mostly ASCII. */
		while (n - i >= 8) {
			uint64_t w;
			memcpy(&w, s + i, 8);
			if (w & UINT64_C(0x8080808080808080))
				break;
			i += 8;
		}
		if (i >= n)
			break;
		unsigned c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		/* RFC 3629 table 4: the second byte's range depends on the first byte. */
		size_t len;
		unsigned lo = 0x80, hi = 0xBF;
		if (c >= 0xC2 && c <= 0xDF) {
			len = 2;
		} else if (c >= 0xE0 && c <= 0xEF) {
			len = 3;
			if (c == 0xE0)
				lo = 0xA0; /* no overlongs */
			else if (c == 0xED)
				hi = 0x9F; /* no surrogates */
		} else if (c >= 0xF0 && c <= 0xF4) {
			len = 4;
			if (c == 0xF0)
				lo = 0x90; /* no overlongs */
			else if (c == 0xF4)
				hi = 0x8F; /* max U+10FFFF */
		} else {
			goto bad; /* 80..C1 (continuation or overlong lead), F5..FF */
		}
		if (n - i < len) {
			/* Truncated: the first missing or wrong byte is the bad one. */
			size_t k = 1;
			if (k < n - i && (s[i + k] < lo || s[i + k] > hi))
				goto bad_k;
			for (k = 2; k < n - i; k++)
				if ((s[i + k] & 0xC0) != 0x80)
					goto bad_k;
			if (bad_at)
				*bad_at = n;
			return 0;
bad_k:
			if (bad_at)
				*bad_at = i + k;
			return 0;
		}
		if (s[i + 1] < lo || s[i + 1] > hi) {
			i += 1;
			goto bad;
		}
		for (size_t k = 2; k < len; k++) {
			if ((s[i + k] & 0xC0) != 0x80) {
				i += k;
				goto bad;
			}
		}
		i += len;
	}
	return 1;
bad:
	if (bad_at)
		*bad_at = i;
	return 0;
}

int dn_utf8_encode(uint32_t cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp >= 0xD800 && cp <= 0xDFFF)
		return 0;
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	if (cp <= 0x10FFFF) {
		out[0] = (char)(0xF0 | (cp >> 18));
		out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[3] = (char)(0x80 | (cp & 0x3F));
		return 4;
	}
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Integers */

int dn_parse_i64(const char *p, size_t n, int64_t *out)
{
	const char *s = p, *e = p + n;
	int neg = 0;
	if (s < e && (*s == '+' || *s == '-')) {
		neg = *s == '-';
		s++;
	}
	if (DN_UNLIKELY(s == e))
		return DN_EPARSE;
	uint64_t lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	uint64_t lim10 = lim / 10;
	unsigned limd = (unsigned)(lim % 10);
	uint64_t v = 0;
	int over = 0;
	for (; s < e; s++) {
		unsigned d = (unsigned)(unsigned char)*s - '0';
		if (DN_UNLIKELY(d > 9))
			return DN_EPARSE;
		if (DN_UNLIKELY(v > lim10 || (v == lim10 && d > limd)))
			over = 1;
		v = v * 10 + d;
	}
	if (over)
		return DN_ELIMIT;
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Floats */

static const double pow10_exact[23] = {
	1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

#define F64_MAX_DIGITS 768 /* significant digits that can decide a double's rounding */
#define F64_EXP_CLAMP 100000000LL

static int is_digit(char c)
{
	return (unsigned)(unsigned char)c - '0' <= 9;
}

static int parse_f64_special(const char *s, size_t n, int neg, double *out)
{
	struct dn_str t = dn_str_make(s, n);
	if (dn_str_ieq_cstr(t, "inf") || dn_str_ieq_cstr(t, "infinity")) {
		*out = neg ? -HUGE_VAL : HUGE_VAL;
		return 0;
	}
	if (dn_str_ieq_cstr(t, "nan")) {
		*out = neg ? -NAN : NAN;
		return 0;
	}
	return DN_EPARSE;
}

/* Slow path: rewrite the (already validated) number as "[-]<digits>e<exp>" and use strtod.
 * int_s..int_e and frac_s..frac_e are the digit runs; exp10 the explicit exponent. */
static int parse_f64_slow(int neg, const char *int_s, const char *int_e, const char *frac_s,
			  const char *frac_e, int64_t exp10, double *out)
{
	char buf[F64_MAX_DIGITS + 40];
	size_t k = 0;
	int64_t e = exp10;
	int started = 0, sticky = 0;
	if (neg)
		buf[k++] = '-';
	size_t d0 = k;
	for (const char *s = int_s; s < int_e; s++) {
		if (!started && *s == '0')
			continue;
		started = 1;
		if (k - d0 < F64_MAX_DIGITS)
			buf[k++] = *s;
		else {
			e++; /* a dropped integer digit still scales the value */
			sticky |= *s != '0';
		}
	}
	for (const char *s = frac_s; s < frac_e; s++) {
		if (!started && *s == '0') {
			e--;
			continue;
		}
		started = 1;
		if (k - d0 < F64_MAX_DIGITS) {
			buf[k++] = *s;
			e--;
		} else {
			sticky |= *s != '0';
		}
	}
	if (!started) {
		*out = neg ? -0.0 : 0.0;
		return 0;
	}
	if (sticky) {
		buf[k++] = '1';
		e--;
	}
	/* The digits hold at most 769 places, so beyond this the result is 0 or inf anyway. */
	if (e > F64_EXP_CLAMP)
		e = F64_EXP_CLAMP;
	if (e < -F64_EXP_CLAMP)
		e = -F64_EXP_CLAMP;
	snprintf(buf + k, sizeof buf - k, "e%lld", (long long)e);
	char *end;
	*out = strtod(buf, &end);
	return *end == 0 ? 0 : DN_EPARSE;
}

int dn_parse_f64(const char *p, size_t n, double *out)
{
	const char *s = p, *e = p + n;
	int neg = 0;
	if (s < e && (*s == '+' || *s == '-')) {
		neg = *s == '-';
		s++;
	}
	if (DN_UNLIKELY(s == e))
		return DN_EPARSE;
	if (DN_UNLIKELY(!is_digit(*s) && *s != '.'))
		return parse_f64_special(s, (size_t)(e - s), neg, out);

	uint64_t mant = 0;
	int ndig = 0;     /* significant digits in mant */
	int dropped = 0;  /* significant digits beyond the 19 that fit mant */
	int64_t dexp = 0; /* value = mant * 10^dexp (when nothing was dropped) */
	const char *int_s = s;
	for (; s < e && is_digit(*s); s++) {
		unsigned d = (unsigned)(*s - '0');
		if (ndig < 19) {
			mant = mant * 10 + d;
			ndig += mant != 0;
		} else {
			dropped = 1;
		}
	}
	const char *int_e = s, *frac_s = s, *frac_e = s;
	if (s < e && *s == '.') {
		frac_s = ++s;
		for (; s < e && is_digit(*s); s++) {
			unsigned d = (unsigned)(*s - '0');
			if (ndig < 19) {
				mant = mant * 10 + d;
				ndig += mant != 0;
				dexp--;
			} else {
				dropped = 1;
			}
		}
		frac_e = s;
	}
	if (int_e == int_s && frac_e == frac_s)
		return DN_EPARSE; /* no digits: ".", "-.", ".e5" */
	int64_t exp10 = 0;
	if (s < e && (*s == 'e' || *s == 'E')) {
		s++;
		int eneg = 0;
		if (s < e && (*s == '+' || *s == '-')) {
			eneg = *s == '-';
			s++;
		}
		if (s == e || !is_digit(*s))
			return DN_EPARSE;
		for (; s < e && is_digit(*s); s++)
			if (exp10 < F64_EXP_CLAMP)
				exp10 = exp10 * 10 + (*s - '0');
		if (eneg)
			exp10 = -exp10;
	}
	if (s != e)
		return DN_EPARSE;
	dexp += exp10;
	if (mant == 0 && !dropped) {
		*out = neg ? -0.0 : 0.0;
		return 0;
	}
#if FLT_EVAL_METHOD == 0
	/* Clinger's fast path: both operands exact, one correctly rounded IEEE operation. */
	if (DN_LIKELY(!dropped && mant <= (UINT64_C(1) << 53) && dexp >= -22 && dexp <= 22)) {
		double v = (double)mant;
		v = dexp < 0 ? v / pow10_exact[-dexp] : v * pow10_exact[dexp];
		*out = neg ? -v : v;
		return 0;
	}
#endif
	return parse_f64_slow(neg, int_s, int_e, frac_s, frac_e, exp10, out);
}

/* Fast path: a value that is m / 10^k exactly for an integer m < 2^53 and small k (most data:
 * prices, measurements) prints as m with a decimal point, the shortest fixed form that parses
 * back to the same bits. Returns the length, or 0 when the value needs the general path. */
static int format_f64_fixed(double v, char *out)
{
	static const double p10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
	double a = fabs(v);
	if (a >= 1e15 || a < 1e-6)
		return 0;
	for (int k = 0; k < 10; k++) {
		double scaled = a * p10[k];
		if (scaled >= 9007199254740992.0)
			return 0;
		double m = nearbyint(scaled);
		if (m / p10[k] != a)
			continue;
		char digits[24];
		int nd = 0;
		uint64_t u = (uint64_t)m;
		do {
			digits[nd++] = (char)('0' + u % 10);
			u /= 10;
		} while (u);
		int len = 0;
		if (v < 0)
			out[len++] = '-';
		if (nd <= k) { /* 0.00ddd */
			out[len++] = '0';
			out[len++] = '.';
			for (int z = 0; z < k - nd; z++)
				out[len++] = '0';
			while (nd)
				out[len++] = digits[--nd];
		} else {
			while (nd > k)
				out[len++] = digits[--nd];
			out[len++] = '.';
			if (k == 0)
				out[len++] = '0';
			while (nd)
				out[len++] = digits[--nd];
		}
		out[len] = 0;
		return len;
	}
	return 0;
}

int dn_format_f64(double v, char *out)
{
	if (isnan(v))
		return snprintf(out, 32, "nan");
	if (isinf(v))
		return snprintf(out, 32, "%s", v < 0 ? "-inf" : "inf");
	if (v == 0)
		return snprintf(out, 32, "%s", signbit(v) ? "-0.0" : "0.0");
	int len = format_f64_fixed(v, out);
	if (len)
		return len;
	for (int prec = 15; prec <= 17; prec++) {
		len = snprintf(out, 32, "%.*g", prec, v);
		/* %g follows LC_NUMERIC; our text always uses '.'. */
		for (int i = 0; i < len; i++)
			if (out[i] == ',')
				out[i] = '.';
		double back;
		if (prec == 17)
			break;
		if (dn_parse_f64(out, (size_t)len, &back) == 0 && memcmp(&back, &v, sizeof v) == 0)
			break;
	}
	/* Always look like a float ("1e+20" does; "123456789012345680" gets ".0"). */
	if (!memchr(out, '.', (size_t)len) && !memchr(out, 'e', (size_t)len)) {
		out[len++] = '.';
		out[len++] = '0';
		out[len] = 0;
	}
	return len;
}
