/* Time: civil dates <-> day numbers, ISO-8601 parsing and formatting, clocks.
 *
 * Timestamps are int64 microseconds since the epoch in UTC; dates are int32 days. Conversions
 * use Howard Hinnant's days_from_civil / civil_from_days ("chrono-Compatible Low-Level Date
 * Algorithms"): a handful of integer operations, exact over the whole range, no tables and no
 * libc time functions (which are slow, locale- and TZ-dependent, and not all thread-safe).
 *
 * dn_time_parse runs on every field of a CSV column being read or inferred, tens of millions of
 * times, so it is built as one pass with fixed-position checks: the date is always the first 10
 * bytes and the clock HH:MM always bytes 11..15, so those digits are tested and combined without
 * loops or branches per character (the checks are or-ed into one flag). Only what may follow
 * (":SS", a 1..9 digit fraction, "Z" or an offset) takes short loops. Input that does not look
 * like a date at byte 4 is rejected after one comparison, which keeps inference on non-date
 * columns cheap. The two layouts nearly every file uses, a date and a date with "HH:MM:SS" (and
 * maybe Z), go first through a path that checks and combines their digits eight bytes at a
 * time and, for years 1901..2099, counts days by the four-year leap rule alone. Years
 * 0000..9999 are accepted (every 4-digit year, so every timestamp the formatter prints with 4
 * digits parses back); the formatter still prints years outside that range, with a sign and
 * more digits, so no value is ever lost on output. */
#include <stdio.h>
#include <time.h>

#include "core.h"

int32_t dn_days_from_civil(int year, int month, int day)
{
	int64_t y = (int64_t)year - (month <= 2);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;                                            /* [0, 399] */
	int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1; /* [0, 365] */
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;                    /* [0, 146096] */
	return (int32_t)(era * 146097 + doe - 719468);
}

void dn_civil_from_days(int32_t days, int *year, int *month, int *day)
{
	int64_t z = (int64_t)days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;                                      /* [0, 146096] */
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* [0, 365] */
	int64_t mp = (5 * doy + 2) / 153;                                    /* [0, 11] */
	int d = (int)(doy - (153 * mp + 2) / 5 + 1);
	int m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*year = (int)(yoe + era * 400 + (m <= 2));
	*month = m;
	*day = d;
}

static inline int is_leap(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static inline unsigned days_in_month(unsigned y, unsigned m)
{
	static const unsigned char dim[13] = {0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return dim[m] + (m == 2 && is_leap(y));
}

/* days_from_civil for the parser, where 0 <= year <= 9999 is known: shifting by one 400-year
 * era keeps everything non-negative, so it runs in 32-bit unsigned arithmetic without the sign
 * adjustments (about a quarter of the parse time saved). */
static inline int32_t days_from_civil_0_9999(unsigned y, unsigned m, unsigned d)
{
	y = y + 400 - (m <= 2);
	unsigned era = y / 400, yoe = y % 400;
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (int32_t)(era * 146097 + doe) - 719468 - 146097;
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* The layouts nearly every file uses, "YYYY-MM-DD" and "YYYY-MM-DDTHH:MM:SS" (T, t or a space,
 * and maybe a Z), checked and combined eight bytes at a time: three word loads instead of
 * fourteen byte loads. Returns the kind, or 0 for any other text (the byte-wise parser then
 * decides: this path accepts nothing it rejects and gives the same values). */
#define ALL8(b) (UINT64_C(0x0101010101010101) * (b))

static inline uint64_t load8(const char *p)
{
	uint64_t w;
	memcpy(&w, p, 8);
	return w;
}

/* The bytes of w that m selects (0xff each) are all ASCII digits. Neither test carries from
 * one byte into the next in a way that passes a non-digit: the high nibble must be 3 before
 * the add, and a digit plus 6 (plus a carry) must stay below 0x40. */
static inline int digits8(uint64_t w, uint64_t m)
{
	uint64_t hi = (w & ALL8(0xf0)) ^ ALL8(0x30);
	uint64_t lo = ((w + ALL8(0x06)) & ALL8(0xf0)) ^ ALL8(0x30);
	return ((hi | lo) & m) == 0;
}

/* Byte k of the result is 10 * digit k + digit k + 1, for digit pairs starting at k. */
static inline uint64_t pairs8(uint64_t w)
{
	uint64_t d = w & ALL8(0x0f);
	return d * 10 + (d >> 8);
}

static int parse_fixed(const char *p, size_t n, int64_t *out)
{
	if (n != 10 && n != 19 && !(n == 20 && (p[19] == 'Z' || p[19] == 'z')))
		return 0;
	/* "YYYY-MM-": digits at 0-3, 5, 6; '-' at 4 and 7 */
	uint64_t a = load8(p), d = load8(p + 2); /* d: "YY-MM-DD", bytes 2..9 */
	if (!digits8(a, UINT64_C(0x00ffff00ffffffff)) ||
	    !digits8(d, UINT64_C(0xffff000000000000)) ||
	    (a & UINT64_C(0xff0000ff00000000)) != UINT64_C(0x2d00002d00000000))
		return 0;
	uint64_t ta = pairs8(a), td = pairs8(d);
	unsigned year = (unsigned)(ta & 0xff) * 100 + (unsigned)((ta >> 16) & 0xff);
	unsigned mon = (unsigned)((ta >> 40) & 0xff), day = (unsigned)((td >> 48) & 0xff);
	if (mon - 1 > 11 || day - 1 > 30)
		return 0;
	int64_t days;
	if (year - 1901 <= 198) {
		/* 1901..2099: every fourth year is a leap year (2000 too), so the day number is a
		 * few additions, without the 400-year cycle. */
		static const uint16_t before[13] = {0,   0,   31,  59,  90,  120, 151,
						    181, 212, 243, 273, 304, 334};
		unsigned leap = (year & 3) == 0;
		if (day > 28 && day > days_in_month(year, mon))
			return 0;
		days = 365 * ((int64_t)year - 1970) + ((year - 1901) >> 2) - 17 + before[mon] +
		       (leap & (mon > 2)) + day - 1;
	} else {
		if (day > days_in_month(year, mon))
			return 0;
		days = days_from_civil_0_9999(year, mon, day);
	}
	if (n == 10) {
		*out = days;
		return DN_TIME_DATE;
	}
	/* "HH:MM:SS" at 11..18, after T, t or a space at 10 */
	uint64_t c = load8(p + 11);
	char sep = p[10];
	if ((sep != 'T' && sep != ' ' && sep != 't') || !digits8(c, UINT64_C(0xffff00ffff00ffff)) ||
	    (c & UINT64_C(0x0000ff0000ff0000)) != UINT64_C(0x00003a00003a0000))
		return 0;
	uint64_t tc = pairs8(c);
	unsigned hour = (unsigned)(tc & 0xff), min = (unsigned)((tc >> 24) & 0xff),
		 sec = (unsigned)((tc >> 48) & 0xff);
	if (hour > 23 || min > 59 || sec > 59)
		return 0;
	*out = days * DN_USEC_PER_DAY +
	       ((int64_t)hour * 3600 + (int64_t)min * 60 + sec) * DN_USEC_PER_SEC;
	return DN_TIME_TIMESTAMP;
}
#undef ALL8
#else
static int parse_fixed(const char *p, size_t n, int64_t *out)
{
	(void)p, (void)n, (void)out;
	return 0;
}
#endif

/* Digit value of p[i], > 9 when not a digit. */
#define DG(i) ((unsigned)(unsigned char)p[i] - '0')

int dn_time_parse(const char *p, size_t n, int64_t *out)
{
	if (DN_UNLIKELY(n < 10 || p[4] != '-'))
		return DN_EPARSE;
	int kind = parse_fixed(p, n, out);
	return DN_LIKELY(kind) ? kind : dn_time_parse_bytewise_(p, n, out);
}

int dn_time_parse_bytewise_(const char *p, size_t n, int64_t *out)
{
	if (DN_UNLIKELY(n < 10 || p[4] != '-'))
		return DN_EPARSE;
	unsigned y0 = DG(0), y1 = DG(1), y2 = DG(2), y3 = DG(3);
	unsigned mo0 = DG(5), mo1 = DG(6), d0 = DG(8), d1 = DG(9);
	unsigned bad = (y0 > 9) | (y1 > 9) | (y2 > 9) | (y3 > 9) | (mo0 > 9) | (mo1 > 9) |
		       (d0 > 9) | (d1 > 9) | (p[7] != '-');
	unsigned year = y0 * 1000 + y1 * 100 + y2 * 10 + y3;
	unsigned mon = mo0 * 10 + mo1, day = d0 * 10 + d1;
	bad |= (mon - 1 > 11) | (day - 1 > 30);
	if (DN_UNLIKELY(bad) || DN_UNLIKELY(day > days_in_month(year, mon)))
		return DN_EPARSE;
	int64_t days = days_from_civil_0_9999(year, mon, day);
	if (n == 10) {
		*out = days;
		return DN_TIME_DATE;
	}

	/* "T13:45" */
	if (DN_UNLIKELY(n < 16))
		return DN_EPARSE;
	unsigned h0 = DG(11), h1 = DG(12), mi0 = DG(14), mi1 = DG(15);
	char sep = p[10];
	bad = (h0 > 9) | (h1 > 9) | (mi0 > 9) | (mi1 > 9) | (p[13] != ':') |
	      ((sep != 'T') & (sep != ' ') & (sep != 't'));
	unsigned hour = h0 * 10 + h1, min = mi0 * 10 + mi1, sec = 0;
	bad |= (hour > 23) | (min > 59);
	int64_t frac = 0;
	size_t i = 16;
	/* ":SS" and a fraction of 1..9 digits, truncated to microseconds. */
	if (i < n && p[i] == ':') {
		if (DN_UNLIKELY(n < 19))
			return DN_EPARSE;
		unsigned s0 = DG(17), s1 = DG(18);
		sec = s0 * 10 + s1;
		bad |= (s0 > 9) | (s1 > 9) | (sec > 59);
		i = 19;
		if (i < n && p[i] == '.') {
			size_t fs = ++i;
			while (i < n && i - fs < 9 && DG(i) <= 9) {
				if (i - fs < 6)
					frac = frac * 10 + DG(i);
				i++;
			}
			size_t nd = i - fs;
			if (nd == 0)
				return DN_EPARSE;
			static const int scale[7] = {1, 100000, 10000, 1000, 100, 10, 1};
			frac *= scale[nd < 6 ? nd : 6];
		}
	}
	if (DN_UNLIKELY(bad))
		return DN_EPARSE;
	int64_t us = days * DN_USEC_PER_DAY +
		     ((int64_t)hour * 3600 + (int64_t)min * 60 + sec) * DN_USEC_PER_SEC + frac;
	if (i == n) {
		*out = us;
		return DN_TIME_TIMESTAMP;
	}
	/* Zone: "Z", or an offset "+HH:MM", "+HHMM", "+HH" that is subtracted to get UTC. */
	char z = p[i];
	if (z == 'Z' || z == 'z') {
		if (i + 1 != n)
			return DN_EPARSE;
		*out = us;
		return DN_TIME_TIMESTAMP;
	}
	if (z != '+' && z != '-')
		return DN_EPARSE;
	size_t rest = n - i - 1;
	const char *o = p + i + 1;
	unsigned oh, om = 0;
#define OD(k) ((unsigned)(unsigned char)o[k] - '0')
	if (rest == 2 || rest == 4 || rest == 5) {
		if (OD(0) > 9 || OD(1) > 9)
			return DN_EPARSE;
		oh = OD(0) * 10 + OD(1);
		if (rest > 2) {
			size_t k = rest == 5 ? 3 : 2;
			if ((rest == 5 && o[2] != ':') || OD(k) > 9 || OD(k + 1) > 9)
				return DN_EPARSE;
			om = OD(k) * 10 + OD(k + 1);
		}
	} else {
		return DN_EPARSE;
	}
#undef OD
	if (oh > 23 || om > 59)
		return DN_EPARSE;
	int64_t off = ((int64_t)oh * 3600 + om * 60) * DN_USEC_PER_SEC;
	us = z == '+' ? us - off : us + off;
	/* An offset may carry the value past 9999-12-31 or before 0000-01-01 UTC, which no 4-digit
	 * year can spell: such text is not a timestamp dunya can write back, so it stays text. */
	if (us > INT64_C(253402300799999999) || us < INT64_C(-62167219200000000))
		return DN_EPARSE;
	*out = us;
	return DN_TIME_TIMESTAMP;
}
#undef DG

/* Writes the year as 4 digits, or with a sign and as many digits as needed outside 0..9999. */
static int format_year(int y, char *out)
{
	if (DN_LIKELY(y >= 0 && y <= 9999)) {
		out[0] = (char)('0' + y / 1000);
		out[1] = (char)('0' + y / 100 % 10);
		out[2] = (char)('0' + y / 10 % 10);
		out[3] = (char)('0' + y % 10);
		return 4;
	}
	return snprintf(out, 16, "%c%04d", y < 0 ? '-' : '+', y < 0 ? -y : y);
}

static inline char *put2(char *o, unsigned v)
{
	o[0] = (char)('0' + v / 10);
	o[1] = (char)('0' + v % 10);
	return o + 2;
}

static char *format_date(int32_t days, char *o)
{
	int y, m, d;
	dn_civil_from_days(days, &y, &m, &d);
	o += format_year(y, o);
	*o++ = '-';
	o = put2(o, (unsigned)m);
	*o++ = '-';
	return put2(o, (unsigned)d);
}

int dn_date_format(int32_t days, char *out)
{
	char *o = format_date(days, out);
	*o = 0;
	return (int)(o - out);
}

int dn_timestamp_format(int64_t us, char *out)
{
	/* Floor division, so instants before 1970 land on the previous day with a positive time
	 * of day (computed without q * D, which could overflow for INT64_MIN). */
	int64_t q = us / DN_USEC_PER_DAY, r = us % DN_USEC_PER_DAY;
	if (r < 0) {
		r += DN_USEC_PER_DAY;
		q--;
	}
	char *o = format_date((int32_t)q, out);
	unsigned secs = (unsigned)(r / DN_USEC_PER_SEC);
	unsigned frac = (unsigned)(r % DN_USEC_PER_SEC);
	*o++ = 'T';
	o = put2(o, secs / 3600);
	*o++ = ':';
	o = put2(o, secs / 60 % 60);
	*o++ = ':';
	o = put2(o, secs % 60);
	if (frac) {
		unsigned v = frac, digits = 6;
		if (frac % 1000 == 0) {
			v = frac / 1000;
			digits = 3;
		}
		*o++ = '.';
		for (unsigned k = digits; k-- > 0;) {
			o[k] = (char)('0' + v % 10);
			v /= 10;
		}
		o += digits;
	}
	*o++ = 'Z';
	*o = 0;
	return (int)(o - out);
}

int64_t dn_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * DN_USEC_PER_SEC + ts.tv_nsec / 1000;
}

int64_t dn_monotonic_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * DN_USEC_PER_SEC + ts.tv_nsec / 1000;
}
