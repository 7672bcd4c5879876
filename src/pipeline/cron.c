/* Cron schedules: parsing the 5-field expression into bit sets, and finding the next fire time
 * in the wall-clock time of a zone.
 *
 * A schedule is five bit sets (minutes, hours, days of the month, months, weekdays) and two
 * flags for Vixie cron's day rule, so matching a time is a few bit tests and a parsed schedule is
 * a 24-byte value that needs no freeing. The parser walks the expression with a byte index so
 * that every error names the field and the column where the bad text starts.
 *
 * The search runs over local time, coarse to fine: a month not in the schedule jumps to the 1st
 * of the next month, a day that does not match jumps to the next day, and within a matching day
 * the next set hour and minute are found with one bit scan each. So a year of search costs at
 * most a few hundred steps ("0 0 29 2 *" looks at 29 days a year), and the 10-year bound that
 * detects schedules that never fire ("0 0 30 2 *") is cheap. Each matching local time is then
 * mapped to UTC through the zone: a time in a spring-forward gap maps to the instant the gap
 * ends, a time in a fall-back overlap to its first occurrence, and the first candidate later
 * than `after` is the answer. Scanning starts at the local minute of `after` and candidates that
 * map to `after` or earlier are passed over, which is what makes a fall-back hour fire once: when
 * `after` lies in the repeated hour, its times already fired the first time round. */
#include <stdarg.h>
#include <string.h>

#include "pipeline.h"

struct field {
	const char *name;
	int lo, hi;
	const char *const *names; /* 3-letter names for lo.., or NULL */
	const char *names_hint;
};

static const char *const month_names[] = {"jan", "feb", "mar", "apr", "may", "jun",
					  "jul", "aug", "sep", "oct", "nov", "dec"};
static const char *const day_names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

enum { F_MINUTE, F_HOUR, F_MDAY, F_MONTH, F_WDAY, NFIELDS };

static const struct field fields[NFIELDS] = {
	{"minute", 0, 59, NULL, NULL},
	{"hour", 0, 23, NULL, NULL},
	{"day-of-month", 1, 31, NULL, NULL},
	{"month", 1, 12, month_names, "JAN-DEC or 1-12"},
	{"day-of-week", 0, 7, day_names, "SUN-SAT or 0-7, 0 and 7 being Sunday"},
};

#define FIELDS_TEXT "minute hour day-of-month month day-of-week"

static int ferr(struct dn_error *err, const struct field *f, size_t at, const char *fmt, ...)
	DN_PRINTF(4, 5);

/* An error in field f at byte `at` of the expression. */
static int ferr(struct dn_error *err, const struct field *f, size_t at, const char *fmt, ...)
{
	char what[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	return dn_error_set_at(err, DN_EPARSE, NULL, 0, (int64_t)at + 1,
			       "%s field: %s (column %zu)", f->name, what, at + 1);
}

static int is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

static int is_alpha(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static int is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

static int is_space(char ch)
{
	return is_blank(ch) || ch == '\n' || ch == '\r' || ch == '\v' || ch == '\f';
}

/* Show one byte of the expression in a message. */
static const char *show(char ch, char buf[24])
{
	unsigned char u = (unsigned char)ch;
	if (u >= 0x21 && u < 0x7f)
		snprintf(buf, 24, "'%c'", ch);
	else if (!u)
		snprintf(buf, 24, "the end of the field");
	else if (u == ' ' || u == '\t')
		snprintf(buf, 24, "a blank");
	else
		snprintf(buf, 24, "\\x%02x", u);
	return buf;
}

/* A number or (where the field has names) a 3-letter name at e[*i], before `end`. */
static int parse_value(const struct field *f, const char *e, size_t *i, size_t end, int *out,
		       struct dn_error *err)
{
	size_t at = *i;
	char b[24];
	if (at < end && is_digit(e[at])) {
		long v = 0;
		while (*i < end && is_digit(e[*i])) {
			if (v > 100000)
				return ferr(err, f, at, "number too large");
			v = v * 10 + (e[(*i)++] - '0');
		}
		if (v < f->lo || v > f->hi) {
			return ferr(err, f, at, "%ld is out of range %d-%d", v, f->lo, f->hi);
		}
		*out = (int)v;
		return 0;
	}
	if (at < end && is_alpha(e[at])) {
		size_t n = 0;
		while (*i < end && is_alpha(e[*i]))
			(*i)++, n++;
		char word[40];
		snprintf(word, sizeof word, "%.*s%s", n > 32 ? 32 : (int)n, e + at,
			 n > 32 ? "..." : "");
		if (!f->names) {
			return ferr(err, f, at, "'%s' is not a number", word);
		}
		int count = f == &fields[F_MONTH] ? 12 : 7;
		for (int k = 0; n == 3 && k < count; k++) {
			if (dn_ascii_casecmp(word, f->names[k]) == 0) {
				*out = f->lo + k;
				return 0;
			}
		}
		return ferr(err, f, at, "unknown name '%s' (use %s)", word, f->names_hint);
	}
	return ferr(err, f, at, "expected a number%s or '*', found %s", f->names ? ", a name" : "",
		    show(at < end ? e[at] : 0, b));
}

/* One field, the bytes e[b..end), into bits. */
static int parse_field(const struct field *f, const char *e, size_t b, size_t end, uint64_t *bits,
		       struct dn_error *err)
{
	size_t i = b;
	char cb[24];
	*bits = 0;
	for (;;) {
		size_t item = i;
		int lo, hi, step = 1, single = 0;
		if (i >= end || e[i] == ',')
			return ferr(err, f, i, "empty item in a list");
		if (e[i] == '*') {
			lo = f->lo;
			hi = f->names == day_names ? 6 : f->hi;
			i++;
		} else {
			DN_TRY(parse_value(f, e, &i, end, &lo, err));
			hi = lo;
			single = 1;
			if (i < end && e[i] == '-') {
				i++;
				DN_TRY(parse_value(f, e, &i, end, &hi, err));
				single = 0;
				if (hi < lo) {
					return ferr(err, f, item,
						    "range %.*s goes backwards; write the smaller "
						    "value first",
						    (int)(i - item), e + item);
				}
			}
		}
		if (i < end && e[i] == '/') {
			size_t at = ++i;
			long s = 0;
			if (i >= end || !is_digit(e[i]))
				return ferr(err, f, at,
					    "expected a step number after '/', found %s",
					    show(i < end ? e[i] : 0, cb));
			while (i < end && is_digit(e[i]) && s <= 100000)
				s = s * 10 + (e[i++] - '0');
			if (s < 1 || s > f->hi - f->lo + 1)
				return ferr(err, f, at, "step %s%ld must be 1 to %d",
					    s > 100000 ? "above " : "", s > 100000 ? 100000 : s,
					    f->hi - f->lo + 1);
			step = (int)s;
			/* a/n means a-max/n; the week's max is Saturday (7 only as 7/n) */
			if (single)
				hi = f->names == day_names && lo < 7 ? 6 : f->hi;
		}
		if (i < end && e[i] != ',')
			return ferr(err, f, i, "unexpected %s", show(e[i], cb));
		for (int v = lo; v <= hi; v += step)
			*bits |= UINT64_C(1) << v;
		if (i >= end)
			break;
		i++; /* the comma */
	}
	return 0;
}

static const struct {
	const char *name;
	const char *expr;
} macros[] = {
	{"@hourly", "0 * * * *"},   {"@daily", "0 0 * * *"},   {"@midnight", "0 0 * * *"},
	{"@weekly", "0 0 * * 0"},   {"@monthly", "0 0 1 * *"}, {"@yearly", "0 0 1 1 *"},
	{"@annually", "0 0 1 1 *"},
};

static int parse_macro(struct dn_cron *out, const char *e, size_t b, size_t end,
		       struct dn_error *err)
{
	size_t n = b;
	while (n < end && !is_blank(e[n]))
		n++;
	char word[24];
	snprintf(word, sizeof word, "%.*s", (int)(n - b > 20 ? 20 : n - b), e + b);
	for (size_t k = 0; k < sizeof macros / sizeof macros[0]; k++) {
		if (dn_ascii_casecmp(word, macros[k].name) != 0)
			continue;
		size_t j = n;
		while (j < end && is_blank(e[j]))
			j++;
		if (j < end)
			return dn_error_set_at(err, DN_EPARSE, NULL, 0, (int64_t)j + 1,
					       "%s takes nothing after it (column %zu)",
					       macros[k].name, j + 1);
		return dn_cron_parse(out, macros[k].expr, err);
	}
	if (!dn_ascii_casecmp(word, "@once"))
		return dn_error_set_at(err, DN_EPARSE, NULL, 0, (int64_t)b + 1,
				       "@once is not a repeating schedule: a pipeline with "
				       "`schedule: @once` runs one time, started by the scheduler "
				       "(column %zu)",
				       b + 1);
	if (!dn_ascii_casecmp(word, "@reboot"))
		return dn_error_set_at(err, DN_EPARSE, NULL, 0, (int64_t)b + 1,
				       "@reboot is not supported: dunya schedules by the clock "
				       "(column %zu)",
				       b + 1);
	return dn_error_set_at(err, DN_EPARSE, NULL, 0, (int64_t)b + 1,
			       "unknown macro '%s%s'; use @hourly, @daily, @midnight, @weekly, "
			       "@monthly, @yearly or @annually, or five fields (" FIELDS_TEXT
			       ") (column %zu)",
			       word, n - b > 20 ? "..." : "", b + 1);
}

int dn_cron_parse(struct dn_cron *out, const char *expr, struct dn_error *err)
{
	size_t b = 0, end = strlen(expr);
	while (b < end && is_space(expr[b]))
		b++;
	while (end > b && is_space(expr[end - 1]))
		end--;
	if (b == end)
		return dn_error_set_at(err, DN_EPARSE, NULL, 0, 1,
				       "empty cron expression; write five fields (" FIELDS_TEXT
				       ") or a macro such as @daily (column 1)");
	if (expr[b] == '@')
		return parse_macro(out, expr, b, end, err);
	size_t fb[NFIELDS], fe[NFIELDS];
	int nf = 0;
	size_t i = b;
	while (i < end) {
		size_t s = i;
		while (i < end && !is_blank(expr[i]))
			i++;
		if (nf == NFIELDS)
			return dn_error_set_at(err, DN_EPARSE, NULL, 0, (int64_t)s + 1,
					       "expected 5 fields (" FIELDS_TEXT
					       "), found more; dunya's cron has no seconds or "
					       "years field (column %zu)",
					       s + 1);
		fb[nf] = s;
		fe[nf++] = i;
		while (i < end && is_blank(expr[i]))
			i++;
	}
	if (nf < NFIELDS)
		return dn_error_set_at(err, DN_EPARSE, NULL, 0, (int64_t)end + 1,
				       "expected 5 fields (" FIELDS_TEXT "), found %d: the %s "
				       "field is missing (column %zu)",
				       nf, fields[nf].name, end + 1);
	uint64_t bits[NFIELDS];
	for (int k = 0; k < NFIELDS; k++)
		DN_TRY(parse_field(&fields[k], expr, fb[k], fe[k], &bits[k], err));
	struct dn_cron c;
	memset(&c, 0, sizeof c);
	c.minute = bits[F_MINUTE];
	c.hour = (uint32_t)bits[F_HOUR];
	c.mday = (uint32_t)bits[F_MDAY];
	c.month = (uint16_t)bits[F_MONTH];
	c.wday = (uint8_t)((bits[F_WDAY] | bits[F_WDAY] >> 7) & 0x7f); /* 7 is Sunday */
	if (expr[fb[F_MDAY]] == '*')
		c.flags |= DN_CRON_MDAY_STAR;
	if (expr[fb[F_WDAY]] == '*')
		c.flags |= DN_CRON_WDAY_STAR;
	*out = c;
	return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Matching and searching */

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	if ((a % b) != 0 && ((a < 0) != (b < 0)))
		q--;
	return q;
}

static int weekday(int64_t day)
{
	return (int)(((day + 4) % 7 + 7) % 7); /* 1970-01-01 was a Thursday */
}

static int day_matches(const struct dn_cron *c, int64_t day, int mday)
{
	int dom = (c->mday >> mday) & 1;
	int dow = (c->wday >> weekday(day)) & 1;
	if (c->flags & (DN_CRON_MDAY_STAR | DN_CRON_WDAY_STAR))
		return dom && dow;
	return dom || dow;
}

int dn_cron_matches(const struct dn_cron *c, int64_t local_us)
{
	int64_t min = floor_div(local_us, 60 * DN_USEC_PER_SEC);
	int64_t day = floor_div(min, 1440);
	int m = (int)(min - day * 1440);
	int y, mo, d;
	dn_civil_from_days((int32_t)day, &y, &mo, &d);
	return ((c->month >> mo) & 1) && day_matches(c, day, d) && ((c->hour >> (m / 60)) & 1) &&
	       ((c->minute >> (m % 60)) & 1);
}

/* Lowest set bit at or above k, or -1. */
static int next_bit(uint64_t bits, int k)
{
	if (k >= 64)
		return -1;
	bits &= ~((UINT64_C(1) << k) - 1);
	return bits ? __builtin_ctzll(bits) : -1;
}

static int month_len(int y, int m)
{
	static const unsigned char dim[13] = {0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : dim[m];
}

/* Why a schedule never fires, when it is plain: its days of the month are not in its months. */
static int never_fires(const struct dn_cron *c, int64_t after_us, struct dn_error *err)
{
	char when[40];
	dn_timestamp_format(after_us, when);
	if (c->flags & DN_CRON_WDAY_STAR) {
		int possible = 0;
		for (int m = 1; m <= 12; m++) {
			uint32_t days = (UINT32_C(2) << month_len(2000, m)) - 2; /* 1..len */
			if ((c->month >> m) & 1)
				possible |= (c->mday & days) != 0;
		}
		if (!possible)
			return dn_error_set(err, DN_ENOTFOUND,
					    "the schedule never fires: none of its months has any "
					    "of its days of the month (February has 29 days at "
					    "most; April, June, September and November 30)");
	}
	return dn_error_set(err, DN_ENOTFOUND,
			    "the schedule does not fire in the %d years after %s",
			    DN_CRON_SEARCH_YEARS, when);
}

int dn_cron_next(const struct dn_cron *c, const struct dn_tz *tz, int64_t after_utc_us,
		 int64_t *next_utc_us, struct dn_error *err)
{
	const int64_t lo = (int64_t)dn_days_from_civil(1, 1, 2) * DN_USEC_PER_DAY;
	const int64_t hi = (int64_t)dn_days_from_civil(9990, 1, 1) * DN_USEC_PER_DAY;
	if (after_utc_us < lo || after_utc_us >= hi)
		return dn_error_set(err, DN_EINVAL,
				    "cron: start time out of range (years 0001 to 9989)");
	if (!c->minute || !c->hour || !c->mday || !c->month || !c->wday)
		return dn_error_set(err, DN_EINVAL,
				    "cron: empty schedule (not from dn_cron_parse)");
	int64_t local = after_utc_us + (int64_t)dn_tz_offset_at(tz, after_utc_us) * DN_USEC_PER_SEC;
	int64_t t = floor_div(local, 60 * DN_USEC_PER_SEC); /* local minutes since 1970 */
	int64_t day = floor_div(t, 1440);
	int hour = (int)(t - day * 1440) / 60, minute = (int)(t - day * 1440) % 60;
	int64_t last_day = day + DN_CRON_SEARCH_YEARS * 366;
	int y, mo, d;
	dn_civil_from_days((int32_t)day, &y, &mo, &d);
	while (day <= last_day) {
		if (!((c->month >> mo) & 1)) {
			/* To the 1st of the next month. */
			day += month_len(y, mo) - d + 1;
			if (++mo > 12) {
				mo = 1;
				y++;
			}
			d = 1;
			hour = minute = 0;
			continue;
		}
		int h = day_matches(c, day, d) ? next_bit(c->hour, hour) : -1;
		int m = h < 0 ? -1 : next_bit(c->minute, h == hour ? minute : 0);
		if (h >= 0 && m < 0) {
			h = next_bit(c->hour, h + 1);
			m = h < 0 ? -1 : next_bit(c->minute, 0);
		}
		if (h < 0) {
			/* To the next day. */
			day++;
			if (++d > month_len(y, mo)) {
				d = 1;
				if (++mo > 12) {
					mo = 1;
					y++;
				}
			}
			hour = minute = 0;
			continue;
		}
		int64_t cand = ((day * 1440) + h * 60 + m) * 60 * DN_USEC_PER_SEC, utc;
		dn_tz_local_to_utc(tz, cand, &utc, NULL);
		if (utc > after_utc_us) {
			*next_utc_us = utc;
			return 0;
		}
		/* Already fired (an overlap's first pass, or a gap's end): the minute after. */
		hour = h;
		minute = m + 1;
		if (minute == 60) {
			minute = 0;
			hour++; /* 24 finds no hour bit: the next day */
		}
	}
	return never_fires(c, after_utc_us, err);
}
