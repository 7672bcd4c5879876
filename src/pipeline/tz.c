/* IANA time zones, read from the system tz database and evaluated here, never through the C
 * library's TZ/localtime machinery (which is process-global and not thread-safe).
 *
 * A zone is the content of one TZif file (RFC 8536): a sorted table of transition instants, each
 * naming a time type (UT offset, DST flag, abbreviation), and for version 2+ files a footer POSIX
 * TZ string ("CET-1CEST,M3.5.0,M10.5.0/3") that gives the rule for every instant after the last
 * transition. Version 2+ files repeat their data with 64-bit times after a 32-bit version-1 block;
 * we skip the old block and read the 64-bit one. Everything is kept in seconds; the public API
 * speaks microseconds like the rest of dunya, and offsets are whole seconds.
 *
 * Lookups are a binary search over the table, or, past it, the rule evaluated for the years
 * around the instant (both rule events of years Y-1..Y+1, the latest one at or before the instant
 * wins). Considering neighbouring years costs a few more date computations but handles the
 * RFC 8536 extension that lets transition times run to +-167 hours, which moves events across
 * New Year, and rules whose DST covers New Year (southern hemisphere) without special cases.
 *
 * Local-to-UTC conversion walks the offset intervals that overlap a +-27 hour window around the
 * local time (offsets are bounded by RFC 8536 to -24:59:59..+25:59:59) and collects every
 * interval in which local - offset falls: one solution normally, two in an overlap, none in a
 * gap, whose end is then the transition at which clocks jump past the local time. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pipeline.h"

#define TZ_ABBR_MAX 31             /* longest abbreviation kept from a POSIX rule */
#define TZ_MAX_TRANSITIONS 1000000 /* far above any real file (New York has 236) */
#define TZ_OFFSET_MIN (-89999)     /* RFC 8536: utoff SHOULD lie in [-89999, 93599] */
#define TZ_OFFSET_MAX 93599
#define TZ_S_LIMIT INT64_C(4000000000000) /* +-126,000 years: transitions are clamped here */
#define TZ_WINDOW (27 * 3600)             /* wider than any offset, for local-to-UTC */
#define TZ_DEFAULT_DIR "/usr/share/zoneinfo"

struct tz_type {
	int32_t off; /* seconds east of UTC */
	uint8_t isdst;
	uint32_t abbr; /* index into chars */
};

/* One date rule of a POSIX TZ string. */
struct tz_date {
	char kind;    /* 'J' (Jn, 1-365 without Feb 29), 'N' (n, 0-365), 'M' (Mm.w.d) */
	int n;        /* J and N forms */
	int m, w, d;  /* M form */
	int32_t time; /* seconds after local midnight, -167h..167h */
};

struct tz_rule {
	int32_t std_off, dst_off; /* seconds east of UTC */
	int has_dst;
	struct tz_date start, end;
	char std_abbr[TZ_ABBR_MAX + 1], dst_abbr[TZ_ABBR_MAX + 1];
};

struct dn_tz {
	char *name;
	int64_t *trans; /* transition instants, seconds UTC, strictly ascending */
	uint8_t *idx;   /* type index of each transition */
	int32_t ntrans;
	struct tz_type *types;
	int ntypes;
	char *chars; /* NUL-terminated abbreviations */
	size_t nchars;
	int has_rule; /* rule applies after the last transition (or always when none) */
	struct tz_rule rule;
};

/* What a zone says about one instant. */
struct tz_info {
	int32_t off;
	int isdst;
	const char *abbr;
};

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	if ((a % b) != 0 && ((a < 0) != (b < 0)))
		q--;
	return q;
}

static int is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int64_t y, int m)
{
	static const unsigned char dim[13] = {0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && is_leap(y) ? 29 : dim[m];
}

/* ---------------------------------------------------------------------------------------------
 * POSIX TZ rules */

/* Day (days since 1970) on which rule date r falls in year y. */
static int64_t rule_day(const struct tz_date *r, int y)
{
	int64_t jan1 = dn_days_from_civil(y, 1, 1);
	if (r->kind == 'J')
		return jan1 + r->n - 1 + (is_leap(y) && r->n >= 60);
	if (r->kind == 'N')
		return jan1 + r->n;
	int64_t first = dn_days_from_civil(y, r->m, 1);
	int64_t wd = ((first + 4) % 7 + 7) % 7; /* 1970-01-01 was a Thursday */
	int64_t day = first + ((r->d - wd) % 7 + 7) % 7 + 7 * (int64_t)(r->w - 1);
	while (day >= first + month_days(y, r->m))
		day -= 7; /* week 5 means the last such weekday */
	return day;
}

/* The two DST events of year y in seconds UTC: ev[0] DST starts (given in standard time),
 * ev[1] DST ends (given in daylight time). */
static void rule_events(const struct tz_rule *r, int y, int64_t ev[2])
{
	ev[0] = rule_day(&r->start, y) * 86400 + r->start.time - r->std_off;
	ev[1] = rule_day(&r->end, y) * 86400 + r->end.time - r->dst_off;
}

static int rule_year(const struct tz_rule *r, int64_t s)
{
	int y, m, d;
	dn_civil_from_days((int32_t)floor_div(s + r->std_off, 86400), &y, &m, &d);
	return y;
}

static void rule_info(const struct tz_rule *r, int64_t s, struct tz_info *o)
{
	int dst = 0;
	if (r->has_dst) {
		int y = rule_year(r, s);
		int64_t best = INT64_MIN;
		for (int k = y - 1; k <= y + 1; k++) {
			int64_t ev[2];
			rule_events(r, k, ev);
			/* At equal instants a start wins over an end, so a rule with DST all year
			 * (ending at the very instant the next start) stays in DST. */
			if (ev[1] <= s && ev[1] > best) {
				best = ev[1];
				dst = 0;
			}
			if (ev[0] <= s && ev[0] >= best) {
				best = ev[0];
				dst = 1;
			}
		}
	}
	o->off = dst ? r->dst_off : r->std_off;
	o->isdst = dst;
	o->abbr = dst ? r->dst_abbr : r->std_abbr;
}

/* First rule event strictly after s (it may change nothing). */
static int64_t rule_next(const struct tz_rule *r, int64_t s)
{
	int y = rule_year(r, s);
	int64_t best = INT64_MAX;
	for (int k = y - 1; k <= y + 2; k++) {
		int64_t ev[2];
		rule_events(r, k, ev);
		for (int e = 0; e < 2; e++)
			if (ev[e] > s && ev[e] < best)
				best = ev[e];
	}
	return best;
}

/* A cursor over a rule string; col() is 1-based for messages. */
struct pcur {
	const char *s;
	size_t i;
};

static int perr(struct dn_error *err, const struct pcur *c, const char *what)
{
	return dn_error_set_at(err, DN_EPARSE, NULL, 0, (int64_t)c->i + 1,
			       "TZ rule '%s': %s (column %zu)", c->s, what, c->i + 1);
}

static int is_alpha(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static int is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

static int parse_abbr(struct pcur *c, char *out, struct dn_error *err)
{
	size_t n = 0;
	if (c->s[c->i] == '<') {
		c->i++;
		while (c->s[c->i] && c->s[c->i] != '>') {
			char ch = c->s[c->i];
			if (!is_alpha(ch) && !is_digit(ch) && ch != '+' && ch != '-')
				return perr(err, c, "a quoted name holds letters, digits, + and -");
			if (n >= TZ_ABBR_MAX)
				return perr(err, c, "name longer than 31 characters");
			out[n++] = ch;
			c->i++;
		}
		if (c->s[c->i] != '>')
			return perr(err, c, "missing '>' after a quoted name");
		c->i++;
	} else {
		while (is_alpha(c->s[c->i])) {
			if (n >= TZ_ABBR_MAX)
				return perr(err, c, "name longer than 31 characters");
			out[n++] = c->s[c->i++];
		}
	}
	out[n] = 0;
	if (n < 3)
		return perr(err, c, "expected a zone name of at least 3 letters");
	return 0;
}

/* [+-]hh[:mm[:ss]] with hh <= maxh; the value in seconds, sign applied. */
static int parse_hms(struct pcur *c, int maxh, int32_t *out, struct dn_error *err)
{
	int sign = 1;
	if (c->s[c->i] == '+' || c->s[c->i] == '-')
		sign = c->s[c->i++] == '-' ? -1 : 1;
	int32_t part[3] = {0, 0, 0};
	for (int k = 0; k < 3; k++) {
		if (k > 0) {
			if (c->s[c->i] != ':')
				break;
			c->i++;
		}
		if (!is_digit(c->s[c->i]))
			return perr(err, c, "expected a number");
		int digits = 0;
		while (is_digit(c->s[c->i])) {
			if (++digits > 3)
				return perr(err, c, "number too long");
			part[k] = part[k] * 10 + (c->s[c->i++] - '0');
		}
	}
	if (part[0] > maxh || part[1] > 59 || part[2] > 59)
		return perr(err, c,
			    maxh == 24 ? "offset out of range (at most 24:59:59)" :
					 "time out of range (at most 167:59:59)");
	*out = sign * (part[0] * 3600 + part[1] * 60 + part[2]);
	return 0;
}

static int parse_num(struct pcur *c, int lo, int hi, int *out, struct dn_error *err)
{
	int v = 0, digits = 0;
	while (is_digit(c->s[c->i])) {
		if (++digits > 3)
			return perr(err, c, "number too long");
		v = v * 10 + (c->s[c->i++] - '0');
	}
	if (!digits)
		return perr(err, c, "expected a number");
	if (v < lo || v > hi) {
		char m[64];
		snprintf(m, sizeof m, "%d is out of range %d-%d", v, lo, hi);
		return perr(err, c, m);
	}
	*out = v;
	return 0;
}

static int parse_date(struct pcur *c, struct tz_date *d, struct dn_error *err)
{
	char k = c->s[c->i];
	if (k == 'J') {
		c->i++;
		d->kind = 'J';
		DN_TRY(parse_num(c, 1, 365, &d->n, err));
	} else if (k == 'M') {
		c->i++;
		d->kind = 'M';
		DN_TRY(parse_num(c, 1, 12, &d->m, err));
		if (c->s[c->i] != '.')
			return perr(err, c, "expected '.' in Mm.w.d");
		c->i++;
		DN_TRY(parse_num(c, 1, 5, &d->w, err));
		if (c->s[c->i] != '.')
			return perr(err, c, "expected '.' in Mm.w.d");
		c->i++;
		DN_TRY(parse_num(c, 0, 6, &d->d, err));
	} else if (is_digit(k)) {
		d->kind = 'N';
		DN_TRY(parse_num(c, 0, 365, &d->n, err));
	} else {
		return perr(err, c, "expected a date: Mm.w.d, Jn or n");
	}
	d->time = 7200;
	if (c->s[c->i] == '/') {
		c->i++;
		DN_TRY(parse_hms(c, 167, &d->time, err));
	}
	return 0;
}

static int parse_rule(struct tz_rule *r, const char *s, struct dn_error *err)
{
	struct pcur c = {s, 0};
	int32_t v;
	memset(r, 0, sizeof *r);
	DN_TRY(parse_abbr(&c, r->std_abbr, err));
	if (!c.s[c.i])
		return perr(err, &c, "expected a UTC offset after the zone name");
	DN_TRY(parse_hms(&c, 24, &v, err));
	r->std_off = -v; /* POSIX counts west of Greenwich */
	r->dst_off = r->std_off;
	if (!c.s[c.i])
		return 0;
	DN_TRY(parse_abbr(&c, r->dst_abbr, err));
	r->has_dst = 1;
	r->dst_off = r->std_off + 3600;
	if (is_digit(c.s[c.i]) || c.s[c.i] == '+' || c.s[c.i] == '-') {
		DN_TRY(parse_hms(&c, 24, &v, err));
		r->dst_off = -v;
	}
	if (!c.s[c.i]) {
		/* No dates: the US rules, as tzcode's default. */
		r->start = (struct tz_date){'M', 0, 3, 2, 0, 7200};
		r->end = (struct tz_date){'M', 0, 11, 1, 0, 7200};
		return 0;
	}
	if (c.s[c.i] != ',')
		return perr(err, &c, "expected ',' and the date DST starts");
	c.i++;
	DN_TRY(parse_date(&c, &r->start, err));
	if (c.s[c.i] != ',')
		return perr(err, &c, "expected ',' and the date DST ends");
	c.i++;
	DN_TRY(parse_date(&c, &r->end, err));
	if (c.s[c.i])
		return perr(err, &c, "unexpected text after the rule");
	return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Lookups */

static void type_info(const struct dn_tz *tz, int t, struct tz_info *o)
{
	o->off = tz->types[t].off;
	o->isdst = tz->types[t].isdst;
	o->abbr = tz->chars + tz->types[t].abbr;
}

static void info_at(const struct dn_tz *tz, int64_t s, struct tz_info *o)
{
	int32_t n = tz->ntrans;
	if (n == 0 || s > tz->trans[n - 1]) {
		if (tz->has_rule)
			rule_info(&tz->rule, s, o);
		else
			type_info(tz, n ? tz->idx[n - 1] : 0, o);
		return;
	}
	if (s < tz->trans[0]) {
		type_info(tz, 0, o);
		return;
	}
	int32_t lo = 0, hi = n - 1; /* largest i with trans[i] <= s */
	while (lo < hi) {
		int32_t mid = lo + (hi - lo + 1) / 2;
		if (tz->trans[mid] <= s)
			lo = mid;
		else
			hi = mid - 1;
	}
	type_info(tz, tz->idx[lo], o);
}

/* The next instant > s at which the table or the rule has an entry (maybe a change of
 * nothing); 0 when there is none. */
static int raw_next(const struct dn_tz *tz, int64_t s, int64_t *next)
{
	int32_t n = tz->ntrans;
	if (n > 0 && s < tz->trans[n - 1]) {
		int32_t lo = 0, hi = n - 1; /* smallest i with trans[i] > s */
		while (lo < hi) {
			int32_t mid = lo + (hi - lo) / 2;
			if (tz->trans[mid] > s)
				hi = mid;
			else
				lo = mid + 1;
		}
		*next = tz->trans[lo];
		return 1;
	}
	if (tz->has_rule && tz->rule.has_dst) {
		*next = rule_next(&tz->rule, s);
		return *next != INT64_MAX;
	}
	return 0;
}

static int same_info(const struct tz_info *a, const struct tz_info *b)
{
	return a->off == b->off && a->isdst == b->isdst && strcmp(a->abbr, b->abbr) == 0;
}

static int next_change(const struct dn_tz *tz, int64_t s, int64_t *next)
{
	/* Table entries that change nothing are skipped; a rule whose events change nothing (DST
	 * all year) gives up after a few years of them. */
	int64_t budget = (int64_t)tz->ntrans + 8;
	while (budget-- > 0) {
		int64_t c;
		struct tz_info a, b;
		if (!raw_next(tz, s, &c))
			return 0;
		info_at(tz, c - 1, &a);
		info_at(tz, c, &b);
		if (!same_info(&a, &b)) {
			*next = c;
			return 1;
		}
		s = c;
	}
	return 0;
}

/* Microseconds to seconds and back, saturating: instants beyond +-2^62 us (146,000 years) are
 * clamped, which keeps every sum below in range. */
#define TZ_US_LIMIT (INT64_C(1) << 62)

static int64_t us_to_s(int64_t us)
{
	if (us > TZ_US_LIMIT)
		us = TZ_US_LIMIT;
	if (us < -TZ_US_LIMIT)
		us = -TZ_US_LIMIT;
	return floor_div(us, DN_USEC_PER_SEC);
}

int32_t dn_tz_info_at(const struct dn_tz *tz, int64_t utc_us, int *is_dst, const char **abbr)
{
	struct tz_info o = {0, 0, "UTC"};
	if (tz)
		info_at(tz, us_to_s(utc_us), &o);
	if (is_dst)
		*is_dst = o.isdst;
	if (abbr)
		*abbr = o.abbr;
	return o.off;
}

int32_t dn_tz_offset_at(const struct dn_tz *tz, int64_t utc_us)
{
	return dn_tz_info_at(tz, utc_us, NULL, NULL);
}

int dn_tz_next_transition(const struct dn_tz *tz, int64_t utc_us, int64_t *next)
{
	int64_t s;
	if (!tz || utc_us >= TZ_US_LIMIT || !next_change(tz, us_to_s(utc_us), &s))
		return 0;
	*next = s * DN_USEC_PER_SEC;
	return 1;
}

int dn_tz_local_to_utc(const struct dn_tz *tz, int64_t local_us, int64_t *earliest, int64_t *latest)
{
	int64_t first = 0, last = 0, gap_end = 0;
	int count = 0, in_gap = 0;
	if (!tz || local_us > TZ_US_LIMIT || local_us < -TZ_US_LIMIT) {
		first = last = local_us;
		count = 1;
		goto out;
	}
	int64_t ls = floor_div(local_us, DN_USEC_PER_SEC);
	int64_t frac = local_us - ls * DN_USEC_PER_SEC;
	int64_t a = ls - TZ_WINDOW, hi = ls + TZ_WINDOW;
	struct tz_info cur;
	info_at(tz, a, &cur);
	for (;;) {
		int64_t b;
		int more = next_change(tz, a, &b) && b <= hi;
		if (!more)
			b = hi + 1;
		int64_t u = ls - cur.off;
		if (u >= a && u < b) {
			if (!count)
				first = u;
			last = u;
			count++;
		}
		if (!more)
			break;
		struct tz_info nxt;
		info_at(tz, b, &nxt);
		/* Clocks jump from b + cur.off to b + nxt.off: times in between never show. */
		if (!in_gap && nxt.off > cur.off && ls >= b + cur.off && ls < b + nxt.off) {
			in_gap = 1;
			gap_end = b;
		}
		a = b;
		cur = nxt;
	}
	if (count) {
		first = first * DN_USEC_PER_SEC + frac;
		last = last * DN_USEC_PER_SEC + frac;
	} else if (in_gap) {
		first = last = gap_end * DN_USEC_PER_SEC;
	} else {
		/* Not reachable with a consistent zone; answer with the offset before. */
		first = last = local_us - (int64_t)dn_tz_offset_at(tz, local_us) * DN_USEC_PER_SEC;
		count = 1;
	}
out:
	if (earliest)
		*earliest = first;
	if (latest)
		*latest = last;
	return count;
}

int dn_tz_format(const struct dn_tz *tz, int64_t utc_us, char *out)
{
	if (utc_us > TZ_US_LIMIT)
		utc_us = TZ_US_LIMIT; /* beyond +-146,000 years: clamped */
	if (utc_us < -TZ_US_LIMIT)
		utc_us = -TZ_US_LIMIT;
	int32_t off = dn_tz_offset_at(tz, utc_us);
	char ts[40];
	int n = dn_timestamp_format(utc_us + (int64_t)off * DN_USEC_PER_SEC, ts);
	if (n > 0 && ts[n - 1] == 'Z')
		ts[--n] = 0;
	char sign = off < 0 ? '-' : '+';
	int32_t a = off < 0 ? -off : off;
	if (a % 60)
		return snprintf(out, DN_TZ_FORMAT_MAX, "%s%c%02d:%02d:%02d", ts, sign, a / 3600,
				a / 60 % 60, a % 60);
	return snprintf(out, DN_TZ_FORMAT_MAX, "%s%c%02d:%02d", ts, sign, a / 3600, a / 60 % 60);
}

const char *dn_tz_name(const struct dn_tz *tz)
{
	return tz ? tz->name : "UTC";
}

/* ---------------------------------------------------------------------------------------------
 * Construction */

void dn_tz_free(struct dn_tz *tz)
{
	if (!tz)
		return;
	dn_free(tz->name);
	dn_free(tz->trans);
	dn_free(tz->idx);
	dn_free(tz->types);
	dn_free(tz->chars);
	dn_free(tz);
}

static struct dn_tz *tz_new(const char *name, struct dn_error *err)
{
	struct dn_tz *tz = dn_calloc(1, sizeof *tz);
	if (tz && !(tz->name = dn_strdup(name))) {
		dn_free(tz);
		tz = NULL;
	}
	if (!tz)
		dn_error_set(err, DN_ENOMEM, "out of memory loading time zone '%s'", name);
	return tz;
}

int dn_tz_from_posix(struct dn_tz **out, const char *rule, struct dn_error *err)
{
	*out = NULL;
	struct tz_rule r;
	DN_TRY(parse_rule(&r, rule, err));
	struct dn_tz *tz = tz_new(rule, err);
	if (!tz)
		return DN_ENOMEM;
	tz->has_rule = 1;
	tz->rule = r;
	*out = tz;
	return 0;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const uint8_t *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

#define TZIF_HEADER 44

static int tzif_err(struct dn_error *err, const char *name, size_t off, const char *what)
{
	return dn_error_set(err, DN_EPARSE, "time zone '%s': not a valid TZif file: %s (byte %zu)",
			    name, what, off);
}

struct tzif_counts {
	uint32_t isut, isstd, leap, time, type, chars;
};

/* Read the header at d[off]; *block gets the size of the data block after it. */
static int tzif_header(const uint8_t *d, size_t n, size_t off, int time_size, struct tzif_counts *c,
		       uint64_t *block, const char *name, struct dn_error *err)
{
	if (n - off < TZIF_HEADER)
		return tzif_err(err, name, off, "truncated header");
	if (memcmp(d + off, "TZif", 4) != 0)
		return tzif_err(err, name, off, "no \"TZif\" magic");
	const uint8_t *h = d + off + 20;
	c->isut = be32(h);
	c->isstd = be32(h + 4);
	c->leap = be32(h + 8);
	c->time = be32(h + 12);
	c->type = be32(h + 16);
	c->chars = be32(h + 20);
	if (c->type == 0 || c->type > 256)
		return tzif_err(err, name, off + 36, "typecnt must be 1 to 256");
	if (c->chars == 0)
		return tzif_err(err, name, off + 40, "charcnt must not be 0");
	if (c->isut != 0 && c->isut != c->type)
		return tzif_err(err, name, off + 20, "isutcnt must be 0 or typecnt");
	if (c->isstd != 0 && c->isstd != c->type)
		return tzif_err(err, name, off + 24, "isstdcnt must be 0 or typecnt");
	if (c->time > TZ_MAX_TRANSITIONS)
		return tzif_err(err, name, off + 32, "more than 1000000 transitions");
	*block = (uint64_t)c->time * (uint64_t)(time_size + 1) + (uint64_t)c->type * 6 + c->chars +
		 (uint64_t)c->leap * (uint64_t)(time_size + 4) + c->isstd + c->isut;
	if (*block > n - off - TZIF_HEADER)
		return tzif_err(err, name, n, "truncated data block");
	return 0;
}

static int tzif_data(struct dn_tz *tz, const uint8_t *d, size_t base, const struct tzif_counts *c,
		     int time_size, struct dn_error *err)
{
	const char *name = tz->name;
	const uint8_t *p = d + base;
	if (c->leap)
		return dn_error_set(err, DN_ENOTSUP,
				    "time zone '%s' has leap-second records (a \"right/\" zone); "
				    "use the zone of the same name without \"right/\"",
				    name);
	tz->ntypes = (int)c->type;
	tz->nchars = c->chars;
	tz->trans = dn_malloc(sizeof *tz->trans * (c->time ? c->time : 1));
	tz->idx = dn_malloc(c->time ? c->time : 1);
	tz->types = dn_malloc(sizeof *tz->types * c->type);
	tz->chars = dn_malloc(c->chars + 1);
	if (!tz->trans || !tz->idx || !tz->types || !tz->chars)
		return dn_error_set(err, DN_ENOMEM, "out of memory loading time zone '%s'", name);
	const uint8_t *ip = p + (size_t)c->time * (size_t)time_size; /* the type indices */
	int64_t prev = 0;
	int32_t m = 0;
	for (uint32_t i = 0; i < c->time; i++) {
		const uint8_t *q = p + (size_t)i * (size_t)time_size;
		int64_t t = time_size == 8 ? be64(q) : (int64_t)(int32_t)be32(q);
		if (i > 0 && t <= prev)
			return tzif_err(err, name, (size_t)(q - d),
					"transition times are not ascending");
		prev = t;
		if (ip[i] >= c->type)
			return tzif_err(err, name, (size_t)(ip + i - d), "type index out of range");
		/* Clamp to what microseconds can hold ("fat" files open with a transition at
		 * -2^59, meaning "since ever"); of several clamped to one end, the last one below
		 * the range and the first one above it are kept. */
		if (t < -TZ_S_LIMIT) {
			t = -TZ_S_LIMIT;
			if (m > 0 && tz->trans[m - 1] == t)
				m--;
		} else if (t > TZ_S_LIMIT) {
			t = TZ_S_LIMIT;
			if (m > 0 && tz->trans[m - 1] == t)
				continue;
		}
		tz->trans[m] = t;
		tz->idx[m++] = ip[i];
	}
	tz->ntrans = m;
	p = ip + c->time;
	const uint8_t *chars = p + (size_t)c->type * 6;
	memcpy(tz->chars, chars, c->chars);
	tz->chars[c->chars] = 0;
	for (uint32_t i = 0; i < c->type; i++, p += 6) {
		int32_t off = (int32_t)be32(p);
		if (off < TZ_OFFSET_MIN || off > TZ_OFFSET_MAX)
			return tzif_err(err, name, (size_t)(p - d),
					"UT offset outside -24:59:59..+25:59:59");
		if (p[4] > 1)
			return tzif_err(err, name, (size_t)(p + 4 - d), "isdst must be 0 or 1");
		if (p[5] >= c->chars || !memchr(chars + p[5], 0, c->chars - p[5]))
			return tzif_err(err, name, (size_t)(p + 5 - d),
					"abbreviation index out of range or unterminated");
		tz->types[i] = (struct tz_type){off, p[4], p[5]};
	}
	return 0;
}

int dn_tz_from_tzif(struct dn_tz **out, const char *name, const void *data, size_t n,
		    struct dn_error *err)
{
	const uint8_t *d = data;
	struct tzif_counts c;
	uint64_t block;
	int rc;
	*out = NULL;
	DN_TRY(tzif_header(d, n, 0, 4, &c, &block, name, err));
	int version = d[4] == 0 ? 1 : d[4] - '0';
	if (version < 1 || version > 9 || (version == 1 && d[4] != 0))
		return tzif_err(err, name, 4, "unknown version");
	struct dn_tz *tz = tz_new(name, err);
	if (!tz)
		return DN_ENOMEM;
	if (version == 1) {
		if ((rc = tzif_data(tz, d, TZIF_HEADER, &c, 4, err)) < 0)
			goto fail;
		*out = tz;
		return 0;
	}
	size_t off2 = TZIF_HEADER + (size_t)block;
	if ((rc = tzif_header(d, n, off2, 8, &c, &block, name, err)) < 0)
		goto fail;
	if ((rc = tzif_data(tz, d, off2 + TZIF_HEADER, &c, 8, err)) < 0)
		goto fail;
	/* Footer: "\n" TZ-string "\n". */
	size_t f = off2 + TZIF_HEADER + (size_t)block;
	if (f >= n || d[f] != '\n') {
		rc = tzif_err(err, name, f, "missing footer");
		goto fail;
	}
	const uint8_t *nl = memchr(d + f + 1, '\n', n - f - 1);
	if (!nl) {
		rc = tzif_err(err, name, f, "unterminated footer");
		goto fail;
	}
	size_t len = (size_t)(nl - (d + f + 1));
	if (len > 0) {
		char rule[256];
		if (len >= sizeof rule || memchr(d + f + 1, 0, len)) {
			rc = tzif_err(err, name, f + 1, "footer TZ string too long or not text");
			goto fail;
		}
		memcpy(rule, d + f + 1, len);
		rule[len] = 0;
		if ((rc = parse_rule(&tz->rule, rule, err)) < 0) {
			dn_error_prefix(err, "time zone '%s': footer: ", name);
			goto fail;
		}
		tz->has_rule = 1;
	}
	*out = tz;
	return 0;
fail:
	dn_tz_free(tz);
	return rc;
}

/* ---------------------------------------------------------------------------------------------
 * Loading by name */

static int utc_zone(struct dn_tz **out, const char *name, struct dn_error *err)
{
	struct dn_tz *tz = tz_new(name, err);
	if (!tz)
		return DN_ENOMEM;
	tz->has_rule = 1;
	memcpy(tz->rule.std_abbr, "UTC", 4);
	*out = tz;
	return 0;
}

static char fold(char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return (char)(ch - 'A' + 'a');
	return ch == ' ' ? '_' : ch;
}

/* Case-insensitive edit distance (a space counts as '_'), or a large number when more than
 * `cap` apart. Names are at most DN_TZ_NAME_MAX bytes. */
static int distance(const char *a, size_t na, const char *b, size_t nb, int cap)
{
	int row[DN_TZ_NAME_MAX + 2];
	if (na > DN_TZ_NAME_MAX || nb > DN_TZ_NAME_MAX ||
	    (na > nb ? na - nb : nb - na) > (size_t)cap)
		return 1000;
	for (size_t j = 0; j <= nb; j++)
		row[j] = (int)j;
	for (size_t i = 1; i <= na; i++) {
		int diag = row[0], best = (int)i;
		row[0] = (int)i;
		for (size_t j = 1; j <= nb; j++) {
			int up = row[j];
			int v = diag + (fold(a[i - 1]) != fold(b[j - 1]));
			if (up + 1 < v)
				v = up + 1;
			if (row[j - 1] + 1 < v)
				v = row[j - 1] + 1;
			row[j] = v;
			diag = up;
			if (v < best)
				best = v;
		}
		if (best > cap)
			return 1000;
	}
	return row[nb];
}

static const char *last_part(const char *s, size_t n, size_t *len)
{
	const char *p = s + n;
	while (p > s && p[-1] != '/')
		p--;
	*len = (size_t)(s + n - p);
	return p;
}

/* The closest name listed in dir/tzdata.zi ("Z name ..." and "L target name" lines), into
 * out; 0 when none is close. With `region`, the first zone inside the region `name` instead. */
static int suggest(const char *dir, const char *name, int region, char *out, size_t cap)
{
	char path[4096];
	struct dn_buf zi = DN_BUF_INIT;
	size_t nlen = strlen(name), nlast;
	const char *last = last_part(name, nlen, &nlast);
	int best = 1000, limit = nlen < 8 ? 1 : nlen < 16 ? 2 : 3;
	snprintf(path, sizeof path, "%s/tzdata.zi", dir);
	if (dn_read_file(path, &zi, 4 << 20, NULL) < 0) {
		dn_buf_release(&zi);
		return 0;
	}
	char *line = zi.data;
	while (line && *line) {
		char *end = strchr(line, '\n');
		char *next = end ? end + 1 : NULL;
		size_t llen = end ? (size_t)(end - line) : strlen(line);
		const char *cand = NULL;
		size_t clen = 0;
		if (llen > 2 && (line[0] == 'Z' || line[0] == 'L') && line[1] == ' ') {
			/* Z's name is the first word; L's the second. */
			const char *w = line + 2, *e = line + llen;
			if (line[0] == 'L') {
				while (w < e && *w != ' ')
					w++;
				while (w < e && *w == ' ')
					w++;
			}
			const char *we = w;
			while (we < e && *we != ' ')
				we++;
			cand = w;
			clen = (size_t)(we - w);
		}
		if (region && cand && line[0] == 'Z' && clen < cap && clen > nlen &&
		    !memcmp(cand, name, nlen) && cand[nlen] == '/') {
			memcpy(out, cand, clen);
			out[clen] = 0;
			best = 0;
			break;
		}
		if (!region && cand && clen > 0 && clen < cap) {
			size_t clast;
			const char *cl = last_part(cand, clen, &clast);
			int dist = distance(name, nlen, cand, clen, limit);
			/* "New_York" or "US/New_Yrok" for "America/New_York": last parts. */
			int dl = distance(last, nlast, cl, clast, nlast < 6 ? 0 : 1) + 1;
			if (dl < dist)
				dist = dl;
			if (dist < best) {
				best = dist;
				memcpy(out, cand, clen);
				out[clen] = 0;
			}
		}
		line = next;
	}
	dn_buf_release(&zi);
	return best < 1000;
}

static int not_found(const char *dir, const char *name, struct dn_error *err)
{
	struct stat st;
	char hint[DN_TZ_NAME_MAX + 1];
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return dn_error_set(err, DN_ENOTFOUND,
				    "unknown time zone '%s': there is no time zone database at %s "
				    "(install the tzdata package, or set TZDIR)",
				    name, dir);
	if (suggest(dir, name, 0, hint, sizeof hint))
		return dn_error_set(err, DN_ENOTFOUND,
				    "unknown time zone '%s' (did you mean '%s'?)", name, hint);
	return dn_error_set(err, DN_ENOTFOUND,
			    "unknown time zone '%s'; use an IANA name such as Europe/Paris, "
			    "America/New_York or UTC (listed in %s/zone1970.tab)",
			    name, dir);
}

int dn_tz_load(struct dn_tz **out, const char *name, struct dn_error *err)
{
	*out = NULL;
	if (!name || !name[0])
		return dn_error_set(err, DN_EINVAL,
				    "empty time zone name; use an IANA name "
				    "such as Europe/Paris, or UTC");
	size_t len = strlen(name);
	if (len > DN_TZ_NAME_MAX)
		return dn_error_set(err, DN_EINVAL, "time zone name longer than %d bytes",
				    DN_TZ_NAME_MAX);
	if (name[0] == '/' || strstr(name, ".."))
		return dn_error_set(
			err, DN_EINVAL,
			"time zone name '%s' is not a zone name (no leading '/' or '..'); "
			"use an IANA name such as Europe/Paris",
			name);
	if (!strcmp(name, "UTC") || !strcmp(name, "Etc/UTC"))
		return utc_zone(out, name, err);
	const char *dir = getenv("TZDIR");
	if (!dir || !dir[0])
		dir = TZ_DEFAULT_DIR;
	char path[4096 + DN_TZ_NAME_MAX + 2];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	struct stat st;
	if (stat(path, &st) != 0)
		return not_found(dir, name, err);
	if (S_ISDIR(st.st_mode)) {
		char hint[DN_TZ_NAME_MAX + 1];
		if (suggest(dir, name, 1, hint, sizeof hint))
			return dn_error_set(err, DN_ENOTFOUND,
					    "'%s' is a region of the time zone database, not a "
					    "zone; name a zone in it, such as %s",
					    name, hint);
		return dn_error_set(err, DN_ENOTFOUND,
				    "'%s' is a region of the time zone database, not a zone; name "
				    "a zone in it (see %s/zone1970.tab)",
				    name, dir);
	}
	struct dn_buf b = DN_BUF_INIT;
	int rc = dn_read_file(path, &b, DN_TZ_FILE_MAX, err);
	if (rc >= 0)
		rc = dn_tz_from_tzif(out, name, b.data ? b.data : "", b.len, err);
	dn_buf_release(&b);
	return rc;
}
