/* Tests of the pipeline module's time zones and cron schedules: TZif files (v1, v2 with a footer,
 * malformed ones, every truncation of a real one), POSIX TZ rules in all their forms, offsets and
 * abbreviations around transitions and after the last one (2040 via the footer), local-to-UTC
 * conversion in gaps and overlaps; cron parsing (every syntax element, every error with its field
 * and column), next fire times (ranges, steps, lists, names, the day-of-month/day-of-week rule,
 * month ends, February 29), DST behaviour in New York, Paris and Lord Howe (a 30-minute shift),
 * and a brute-force check of dn_cron_next against the rules it promises. The zones come from the
 * system tz database (tzdata). */
#include <stdlib.h>

#include "../../src/pipeline/pipeline.h"
#include "../test.h"

/* ---- helpers ---- */

static int64_t at(const char *iso)
{
	int64_t v = 0;
	if (dn_time_parse(iso, strlen(iso), &v) != DN_TIME_TIMESTAMP) {
		fprintf(stderr, "test_cron: bad ISO literal %s\n", iso);
		abort();
	}
	return v;
}

static struct dn_tz *zone(const char *name)
{
	struct dn_tz *tz = NULL;
	struct dn_error e;
	if (dn_tz_load(&tz, name, &e) < 0) {
		fprintf(stderr, "test_cron: cannot load %s: %s\n", name, e.msg);
		abort();
	}
	return tz;
}

static const char *fmt(const struct dn_tz *tz, int64_t us)
{
	static char out[DN_TZ_FORMAT_MAX];
	dn_tz_format(tz, us, out);
	return out;
}

/* The next n fire times of expr in zone after from, space separated, or "error: message". */
static const char *nexts(const char *expr, const char *zname, const char *from, int n)
{
	static char out[2048];
	struct dn_cron c;
	struct dn_error e;
	dn_error_clear(&e);
	out[0] = 0;
	if (dn_cron_parse(&c, expr, &e) < 0) {
		snprintf(out, sizeof out, "error: %s", e.msg);
		return out;
	}
	struct dn_tz *tz = zone(zname);
	int64_t t = at(from);
	size_t len = 0;
	for (int k = 0; k < n; k++) {
		if (dn_cron_next(&c, tz, t, &t, &e) < 0) {
			snprintf(out + len, sizeof out - len, "%serror: %s", k ? " " : "", e.msg);
			break;
		}
		len += (size_t)snprintf(out + len, sizeof out - len, "%s%s", k ? " " : "",
					fmt(tz, t));
	}
	dn_tz_free(tz);
	return out;
}

static const char *parse_error(const char *expr, int64_t *column)
{
	static struct dn_error e;
	struct dn_cron c;
	dn_error_clear(&e);
	if (dn_cron_parse(&c, expr, &e) != DN_EPARSE)
		return "(accepted)";
	*column = e.column;
	return e.msg;
}

static struct dn_cron parsed(const char *expr)
{
	struct dn_cron c;
	struct dn_error e;
	memset(&c, 0, sizeof c);
	if (dn_cron_parse(&c, expr, &e) < 0) {
		fprintf(stderr, "test_cron: '%s' rejected: %s\n", expr, e.msg);
		abort();
	}
	return c;
}

static int same_cron(struct dn_cron a, struct dn_cron b)
{
	return a.minute == b.minute && a.hour == b.hour && a.mday == b.mday && a.month == b.month &&
	       a.wday == b.wday && a.flags == b.flags;
}

/* ---- TZif building, for files with known content ---- */

struct tzb {
	unsigned char d[1024];
	size_t n;
};

static void put(struct tzb *b, const void *p, size_t n)
{
	memcpy(b->d + b->n, p, n);
	b->n += n;
}

static void put32(struct tzb *b, uint32_t v)
{
	unsigned char x[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
			      (unsigned char)(v >> 8), (unsigned char)v};
	put(b, x, 4);
}

static void put64(struct tzb *b, int64_t v)
{
	put32(b, (uint32_t)((uint64_t)v >> 32));
	put32(b, (uint32_t)v);
}

static void header(struct tzb *b, char version, uint32_t leap, uint32_t times, uint32_t types,
		   uint32_t chars)
{
	static const unsigned char zero[15];
	put(b, "TZif", 4);
	put(b, &version, 1);
	put(b, zero, 15);
	put32(b, 0); /* isutcnt */
	put32(b, 0); /* isstdcnt */
	put32(b, leap);
	put32(b, times);
	put32(b, types);
	put32(b, chars);
}

static void ttinfo(struct tzb *b, int32_t off, int dst, int abbr)
{
	unsigned char x[2] = {(unsigned char)dst, (unsigned char)abbr};
	put32(b, (uint32_t)off);
	put(b, x, 2);
}

/* Version 1: STD (+1h) before 1e6 s, DST (+2h) from 1e6, STD from 2e6. */
static void tzif_v1(struct tzb *b)
{
	b->n = 0;
	header(b, 0, 0, 2, 2, 8);
	put32(b, 1000000);
	put32(b, 2000000);
	put(b, "\1\0", 2);
	ttinfo(b, 3600, 0, 0);
	ttinfo(b, 7200, 1, 4);
	put(b, "STD\0DST\0", 8);
}

/* Version 2: a throwaway v1 block, then LMT (+10 min) until 1938 and a footer CET rule. */
static void tzif_v2(struct tzb *b, const char *footer)
{
	b->n = 0;
	header(b, '2', 0, 0, 1, 4);
	ttinfo(b, 0, 0, 0);
	put(b, "UTC\0", 4);
	header(b, '2', 0, 1, 2, 8);
	put64(b, -1000000000);
	put(b, "\1", 1);
	ttinfo(b, 600, 0, 0);
	ttinfo(b, 3600, 0, 4);
	put(b, "LMT\0CET\0", 8);
	put(b, footer, strlen(footer));
}

/* ---- time zones ---- */

DN_TEST(tz_utc_builtin)
{
	/* UTC works without a database. */
	const char *old = getenv("TZDIR");
	char *saved = old ? dn_strdup(old) : NULL;
	setenv("TZDIR", "/nonexistent/zoneinfo", 1);
	struct dn_tz *tz = NULL;
	struct dn_error e;
	int rc = dn_tz_load(&tz, "UTC", &e);
	int rc2 = tz ? 0 : -1;
	dn_tz_free(tz);
	tz = NULL;
	int rc3 = dn_tz_load(&tz, "Etc/UTC", &e);
	int64_t off = tz ? dn_tz_offset_at(tz, at("2024-07-01T00:00Z")) : 1;
	char f[DN_TZ_FORMAT_MAX] = "";
	if (tz)
		dn_tz_format(tz, at("2024-07-01T12:34:56Z"), f);
	dn_tz_free(tz);
	tz = NULL;
	int rc4 = dn_tz_load(&tz, "Europe/Paris", &e);
	if (saved) {
		setenv("TZDIR", saved, 1);
		dn_free(saved);
	} else {
		unsetenv("TZDIR");
	}
	CHECK_INT(rc, 0);
	CHECK_INT(rc2, 0);
	CHECK_INT(rc3, 0);
	CHECK_INT(off, 0);
	CHECK_STR(f, "2024-07-01T12:34:56+00:00");
	CHECK_INT(rc4, DN_ENOTFOUND);
	CHECK(tz == NULL);
	CHECK_STR(e.msg, "unknown time zone 'Europe/Paris': there is no time zone database at "
			 "/nonexistent/zoneinfo (install the tzdata package, or set TZDIR)");
	/* A NULL zone is UTC too. */
	CHECK_INT(dn_tz_offset_at(NULL, 0), 0);
	CHECK_STR(dn_tz_name(NULL), "UTC");
}

DN_TEST(tz_load_errors)
{
	struct dn_tz *tz = (struct dn_tz *)1;
	struct dn_error e;
	CHECK_INT(dn_tz_load(&tz, "../../etc/passwd", &e), DN_EINVAL);
	CHECK(tz == NULL);
	CHECK(strstr(e.msg, "is not a zone name") != NULL);
	CHECK_INT(dn_tz_load(&tz, "/etc/localtime", &e), DN_EINVAL);
	CHECK_INT(dn_tz_load(&tz, "Europe/../Europe/Paris", &e), DN_EINVAL);
	CHECK_INT(dn_tz_load(&tz, "", &e), DN_EINVAL);
	CHECK_INT(dn_tz_load(&tz, "America/New_Yrok", &e), DN_ENOTFOUND);
	CHECK_STR(e.msg, "unknown time zone 'America/New_Yrok' (did you mean 'America/New_York'?)");
	CHECK_INT(dn_tz_load(&tz, "europe/paris", &e), DN_ENOTFOUND);
	CHECK_STR(e.msg, "unknown time zone 'europe/paris' (did you mean 'Europe/Paris'?)");
	CHECK_INT(dn_tz_load(&tz, "Paris", &e), DN_ENOTFOUND);
	CHECK_STR(e.msg, "unknown time zone 'Paris' (did you mean 'Europe/Paris'?)");
	CHECK_INT(dn_tz_load(&tz, "Mars/Olympus_Mons", &e), DN_ENOTFOUND);
	CHECK(strstr(e.msg, "unknown time zone 'Mars/Olympus_Mons'; use an IANA name") != NULL);
	CHECK_INT(dn_tz_load(&tz, "America", &e), DN_ENOTFOUND);
	CHECK(strstr(e.msg, "'America' is a region of the time zone database, not a zone") != NULL);
	CHECK_INT(dn_tz_load(&tz, "zone1970.tab", &e), DN_EPARSE);
	CHECK_STR(e.msg, "time zone 'zone1970.tab': not a valid TZif file: no \"TZif\" magic "
			 "(byte 0)");
	CHECK(tz == NULL);
}

DN_TEST(tz_new_york_transitions)
{
	struct dn_tz *tz = zone("America/New_York");
	const char *abbr;
	int dst;
	CHECK_STR(dn_tz_name(tz), "America/New_York");
	CHECK_INT(dn_tz_info_at(tz, at("2024-03-10T06:59:59Z"), &dst, &abbr), -18000);
	CHECK_STR(abbr, "EST");
	CHECK_INT(dst, 0);
	CHECK_INT(dn_tz_info_at(tz, at("2024-03-10T07:00:00Z"), &dst, &abbr), -14400);
	CHECK_STR(abbr, "EDT");
	CHECK_INT(dst, 1);
	CHECK_INT(dn_tz_offset_at(tz, at("2024-11-03T05:59:59.999999Z")), -14400);
	CHECK_INT(dn_tz_offset_at(tz, at("2024-11-03T06:00:00Z")), -18000);
	/* Before the first transition: local mean time (RFC 8536: the first type). */
	CHECK_INT(dn_tz_info_at(tz, at("1800-01-01T00:00Z"), &dst, &abbr), -17762);
	CHECK_STR(abbr, "LMT");
	CHECK_STR(fmt(tz, at("1800-01-01T00:00Z")), "1799-12-31T19:03:58-04:56:02");
	int64_t nx;
	CHECK_INT(dn_tz_next_transition(tz, at("2024-01-01T00:00Z"), &nx), 1);
	CHECK_STR(fmt(tz, nx), "2024-03-10T03:00:00-04:00");
	CHECK_INT(dn_tz_next_transition(tz, nx, &nx), 1);
	CHECK_STR(fmt(tz, nx), "2024-11-03T01:00:00-05:00");
	CHECK_STR(fmt(tz, at("2024-03-10T06:59:59.5Z")), "2024-03-10T01:59:59.500-05:00");
	dn_tz_free(tz);
}

DN_TEST(tz_paris_transitions)
{
	struct dn_tz *tz = zone("Europe/Paris");
	const char *abbr;
	CHECK_INT(dn_tz_info_at(tz, at("2024-03-31T00:59:59Z"), NULL, &abbr), 3600);
	CHECK_STR(abbr, "CET");
	CHECK_INT(dn_tz_info_at(tz, at("2024-03-31T01:00:00Z"), NULL, &abbr), 7200);
	CHECK_STR(abbr, "CEST");
	CHECK_INT(dn_tz_offset_at(tz, at("2024-10-27T00:59:59Z")), 7200);
	CHECK_INT(dn_tz_offset_at(tz, at("2024-10-27T01:00:00Z")), 3600);
	CHECK_STR(fmt(tz, at("2024-10-27T00:30Z")), "2024-10-27T02:30:00+02:00");
	CHECK_STR(fmt(tz, at("2024-10-27T01:30Z")), "2024-10-27T02:30:00+01:00");
	dn_tz_free(tz);
}

DN_TEST(tz_after_last_transition)
{
	/* The files list transitions to 2037; later years come from the footer rule. */
	struct dn_tz *ny = zone("America/New_York"), *pa = zone("Europe/Paris");
	struct dn_tz *lh = zone("Australia/Lord_Howe");
	CHECK_INT(dn_tz_offset_at(ny, at("2040-03-11T06:59:59Z")), -18000);
	CHECK_INT(dn_tz_offset_at(ny, at("2040-03-11T07:00:00Z")), -14400);
	CHECK_INT(dn_tz_offset_at(ny, at("2040-11-04T05:59:59Z")), -14400);
	CHECK_INT(dn_tz_offset_at(ny, at("2040-11-04T06:00:00Z")), -18000);
	CHECK_INT(dn_tz_offset_at(pa, at("2040-03-25T00:59:59Z")), 3600);
	CHECK_INT(dn_tz_offset_at(pa, at("2040-03-25T01:00:00Z")), 7200);
	CHECK_INT(dn_tz_offset_at(pa, at("2040-10-28T01:00:00Z")), 3600);
	CHECK_INT(dn_tz_offset_at(pa, at("2400-07-01T00:00:00Z")), 7200);
	/* Southern hemisphere, half-hour DST: summer spans New Year. */
	CHECK_INT(dn_tz_offset_at(lh, at("2040-01-01T00:00Z")), 39600);
	CHECK_INT(dn_tz_offset_at(lh, at("2040-03-31T14:59:59Z")), 39600);
	CHECK_INT(dn_tz_offset_at(lh, at("2040-03-31T15:00:00Z")), 37800);
	CHECK_INT(dn_tz_offset_at(lh, at("2040-10-06T15:29:59Z")), 37800);
	CHECK_INT(dn_tz_offset_at(lh, at("2040-10-06T15:30:00Z")), 39600);
	int64_t nx;
	CHECK_INT(dn_tz_next_transition(ny, at("2040-06-01T00:00Z"), &nx), 1);
	CHECK_STR(fmt(ny, nx), "2040-11-04T01:00:00-05:00");
	CHECK_INT(dn_tz_next_transition(lh, at("2040-06-01T00:00Z"), &nx), 1);
	CHECK_STR(fmt(lh, nx), "2040-10-07T02:30:00+11:00");
	dn_tz_free(ny);
	dn_tz_free(pa);
	dn_tz_free(lh);
}

DN_TEST(tz_local_to_utc)
{
	struct dn_tz *ny = zone("America/New_York"), *pa = zone("Europe/Paris");
	int64_t a, b;
	/* Normal: one instant. */
	CHECK_INT(dn_tz_local_to_utc(ny, at("2024-07-04T12:00Z"), &a, &b), 1);
	CHECK_INT(a, at("2024-07-04T16:00Z"));
	CHECK_INT(b, a);
	/* Gap: 02:30 never happens on 2024-03-10; the gap ends at 07:00Z (03:00 EDT). */
	CHECK_INT(dn_tz_local_to_utc(ny, at("2024-03-10T02:30Z"), &a, &b), 0);
	CHECK_INT(a, at("2024-03-10T07:00Z"));
	CHECK_INT(b, a);
	CHECK_INT(dn_tz_local_to_utc(ny, at("2024-03-10T02:00Z"), &a, NULL), 0);
	CHECK_INT(dn_tz_local_to_utc(ny, at("2024-03-10T01:59:59.999999Z"), &a, NULL), 1);
	CHECK_INT(a, at("2024-03-10T06:59:59.999999Z"));
	CHECK_INT(dn_tz_local_to_utc(ny, at("2024-03-10T03:00Z"), &a, NULL), 1);
	CHECK_INT(a, at("2024-03-10T07:00Z"));
	/* Overlap: 01:30 happens twice on 2024-11-03, first in EDT. */
	CHECK_INT(dn_tz_local_to_utc(ny, at("2024-11-03T01:30Z"), &a, &b), 2);
	CHECK_INT(a, at("2024-11-03T05:30Z"));
	CHECK_INT(b, at("2024-11-03T06:30Z"));
	CHECK_INT(dn_tz_local_to_utc(ny, at("2024-11-03T02:00Z"), &a, NULL), 1);
	CHECK_INT(a, at("2024-11-03T07:00Z"));
	/* Paris. */
	CHECK_INT(dn_tz_local_to_utc(pa, at("2024-03-31T02:30Z"), &a, NULL), 0);
	CHECK_INT(a, at("2024-03-31T01:00Z"));
	CHECK_INT(dn_tz_local_to_utc(pa, at("2024-10-27T02:30Z"), &a, &b), 2);
	CHECK_INT(a, at("2024-10-27T00:30Z"));
	CHECK_INT(b, at("2024-10-27T01:30Z"));
	/* After the last transition in the file (footer rule). */
	CHECK_INT(dn_tz_local_to_utc(ny, at("2040-03-11T02:30Z"), &a, NULL), 0);
	CHECK_INT(a, at("2040-03-11T07:00Z"));
	CHECK_INT(dn_tz_local_to_utc(pa, at("2040-10-28T02:15Z"), &a, &b), 2);
	CHECK_INT(a, at("2040-10-28T00:15Z"));
	CHECK_INT(b, at("2040-10-28T01:15Z"));
	/* Round trip over a year, every 37 minutes: local(u) maps back to a set containing u. */
	for (int64_t u = at("2024-01-01T00:00Z"); u < at("2025-01-01T00:00Z");
	     u += 37 * 60 * DN_USEC_PER_SEC) {
		int64_t l = u + (int64_t)dn_tz_offset_at(ny, u) * DN_USEC_PER_SEC;
		int n = dn_tz_local_to_utc(ny, l, &a, &b);
		CHECK(n == 1 || n == 2);
		CHECK(a == u || b == u);
	}
	dn_tz_free(ny);
	dn_tz_free(pa);
}

DN_TEST(tz_posix_rules)
{
	struct dn_tz *tz;
	struct dn_error e;
	const char *abbr;
	/* The US rule, as America/New_York's footer. */
	CHECK_OK(dn_tz_from_posix(&tz, "EST5EDT,M3.2.0,M11.1.0", &e), &e);
	CHECK_INT(dn_tz_info_at(tz, at("2024-03-10T06:59:59Z"), NULL, &abbr), -18000);
	CHECK_STR(abbr, "EST");
	CHECK_INT(dn_tz_info_at(tz, at("2024-03-10T07:00:00Z"), NULL, &abbr), -14400);
	CHECK_STR(abbr, "EDT");
	CHECK_INT(dn_tz_offset_at(tz, at("2024-11-03T06:00:00Z")), -18000);
	dn_tz_free(tz);
	/* No dates: the US rules by default. */
	CHECK_OK(dn_tz_from_posix(&tz, "EST5EDT", &e), &e);
	CHECK_INT(dn_tz_offset_at(tz, at("2024-03-10T07:00:00Z")), -14400);
	dn_tz_free(tz);
	/* Europe: change at 01:00 UTC, the end time given as /3 in DST. */
	CHECK_OK(dn_tz_from_posix(&tz, "CET-1CEST,M3.5.0,M10.5.0/3", &e), &e);
	CHECK_INT(dn_tz_offset_at(tz, at("2024-03-31T00:59:59Z")), 3600);
	CHECK_INT(dn_tz_offset_at(tz, at("2024-03-31T01:00:00Z")), 7200);
	CHECK_INT(dn_tz_offset_at(tz, at("2024-10-27T00:59:59Z")), 7200);
	CHECK_INT(dn_tz_offset_at(tz, at("2024-10-27T01:00:00Z")), 3600);
	dn_tz_free(tz);
	/* Quoted names, minutes in offsets, southern hemisphere. */
	CHECK_OK(dn_tz_from_posix(&tz, "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0", &e), &e);
	CHECK_INT(dn_tz_info_at(tz, at("2024-01-15T00:00Z"), NULL, &abbr), 39600);
	CHECK_STR(abbr, "+11");
	CHECK_INT(dn_tz_info_at(tz, at("2024-07-15T00:00Z"), NULL, &abbr), 37800);
	CHECK_STR(abbr, "+1030");
	dn_tz_free(tz);
	/* Fixed offsets. */
	CHECK_OK(dn_tz_from_posix(&tz, "<-03>3", &e), &e);
	CHECK_INT(dn_tz_info_at(tz, at("2024-07-15T00:00Z"), NULL, &abbr), -10800);
	CHECK_STR(abbr, "-03");
	CHECK_INT(dn_tz_next_transition(tz, 0, &(int64_t){0}), 0);
	dn_tz_free(tz);
	CHECK_OK(dn_tz_from_posix(&tz, "JST-9", &e), &e);
	CHECK_STR(fmt(tz, at("2024-07-15T00:00Z")), "2024-07-15T09:00:00+09:00");
	dn_tz_free(tz);
	/* Jn counts days without February 29: J60 is March 1 even in 2024. */
	CHECK_OK(dn_tz_from_posix(&tz, "AAA0BBB,J60/0,J300/0", &e), &e);
	CHECK_INT(dn_tz_offset_at(tz, at("2024-02-29T23:59:59Z")), 0);
	CHECK_INT(dn_tz_offset_at(tz, at("2024-03-01T00:00:00Z")), 3600);
	dn_tz_free(tz);
	/* n counts from 0 and includes February 29: 59 is February 29 in 2024. */
	CHECK_OK(dn_tz_from_posix(&tz, "AAA0BBB,59/0,299/0", &e), &e);
	CHECK_INT(dn_tz_offset_at(tz, at("2024-02-28T23:59:59Z")), 0);
	CHECK_INT(dn_tz_offset_at(tz, at("2024-02-29T00:00:00Z")), 3600);
	CHECK_INT(dn_tz_offset_at(tz, at("2023-03-01T00:00:00Z")), 3600);
	dn_tz_free(tz);
	/* Negative transition times (America/Nuuk). */
	CHECK_OK(dn_tz_from_posix(&tz, "<-02>2<-01>,M3.5.0/-1,M10.5.0/0", &e), &e);
	CHECK_INT(dn_tz_offset_at(tz, at("2024-03-30T23:59:59Z")), -7200);
	CHECK_INT(dn_tz_offset_at(tz, at("2024-03-31T01:00:00Z")), -3600);
	dn_tz_free(tz);
	/* DST all year (RFC 8536 3.3.1): starts Jan 1 00:00, ends Dec 31 25:00 in DST. */
	CHECK_OK(dn_tz_from_posix(&tz, "EST5EDT,0/0,J365/25", &e), &e);
	CHECK_INT(dn_tz_offset_at(tz, at("2024-01-01T12:00Z")), -14400);
	CHECK_INT(dn_tz_offset_at(tz, at("2024-07-01T12:00Z")), -14400);
	CHECK_INT(dn_tz_offset_at(tz, at("2025-01-01T04:00Z")), -14400);
	CHECK_INT(dn_tz_offset_at(tz, at("2025-01-01T05:00Z")), -14400);
	CHECK_INT(dn_tz_next_transition(tz, at("2024-06-01T00:00Z"), &(int64_t){0}), 0);
	dn_tz_free(tz);
	/* Week 5 is the last such weekday even in a month with four. */
	CHECK_OK(dn_tz_from_posix(&tz, "AAA0BBB,M2.5.0/0,M11.1.0", &e), &e);
	CHECK_INT(dn_tz_offset_at(tz, at("2024-02-24T23:59Z")), 0);
	CHECK_INT(dn_tz_offset_at(tz, at("2024-02-25T00:00Z")), 3600);
	dn_tz_free(tz);
}

DN_TEST(tz_posix_errors)
{
	static const struct {
		const char *rule, *msg;
	} cases[] = {
		{"EST", "TZ rule 'EST': expected a UTC offset after the zone name (column 4)"},
		{"E5", "TZ rule 'E5': expected a zone name of at least 3 letters (column 2)"},
		{"EST25", "TZ rule 'EST25': offset out of range (at most 24:59:59) (column 6)"},
		{"<EST5", "TZ rule '<EST5': missing '>' after a quoted name (column 6)"},
		{"<E,T>5",
		 "TZ rule '<E,T>5': a quoted name holds letters, digits, + and - (column 3)"},
		{"EST5EDT,M13.1.0,M11.1.0",
		 "TZ rule 'EST5EDT,M13.1.0,M11.1.0': 13 is out of range 1-12 (column 12)"},
		{"EST5EDT,M3.2.0", "TZ rule 'EST5EDT,M3.2.0': expected ',' and the date DST ends "
				   "(column 15)"},
		{"EST5EDT,M3.2.0,M11.1.0x",
		 "TZ rule 'EST5EDT,M3.2.0,M11.1.0x': unexpected text after the rule (column 23)"},
		{"EST5EDT,M3.2,M11.1.0",
		 "TZ rule 'EST5EDT,M3.2,M11.1.0': expected '.' in Mm.w.d (column 13)"},
		{"EST5EDT,J0,J300",
		 "TZ rule 'EST5EDT,J0,J300': 0 is out of range 1-365 (column 11)"},
		{"EST5EDT,M3.2.0/168,M11.1.0",
		 "TZ rule 'EST5EDT,M3.2.0/168,M11.1.0': time out of range (at most 167:59:59) "
		 "(column 19)"},
		{"EST5EDT;", "TZ rule 'EST5EDT;': expected ',' and the date DST starts (column 8)"},
		{"EST5EDT,X", "TZ rule 'EST5EDT,X': expected a date: Mm.w.d, Jn or n (column 9)"},
	};
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		struct dn_tz *tz = (struct dn_tz *)1;
		struct dn_error e;
		CHECK_INT(dn_tz_from_posix(&tz, cases[k].rule, &e), DN_EPARSE);
		CHECK(tz == NULL);
		CHECK_STR(e.msg, cases[k].msg);
	}
}

DN_TEST(tz_tzif_v1)
{
	struct tzb b;
	struct dn_tz *tz;
	struct dn_error e;
	const char *abbr;
	int dst;
	tzif_v1(&b);
	CHECK_OK(dn_tz_from_tzif(&tz, "Test/V1", b.d, b.n, &e), &e);
	CHECK_INT(dn_tz_info_at(tz, 999999 * DN_USEC_PER_SEC, &dst, &abbr), 3600);
	CHECK_STR(abbr, "STD");
	CHECK_INT(dn_tz_info_at(tz, 1000000 * DN_USEC_PER_SEC, &dst, &abbr), 7200);
	CHECK_STR(abbr, "DST");
	CHECK_INT(dst, 1);
	CHECK_INT(dn_tz_offset_at(tz, 2000000 * DN_USEC_PER_SEC), 3600);
	CHECK_INT(dn_tz_offset_at(tz, INT64_MAX), 3600); /* no footer: the last type */
	CHECK_INT(dn_tz_offset_at(tz, INT64_MIN), 3600);
	int64_t nx;
	CHECK_INT(dn_tz_next_transition(tz, 0, &nx), 1);
	CHECK_INT(nx, 1000000 * DN_USEC_PER_SEC);
	CHECK_INT(dn_tz_next_transition(tz, nx, &nx), 1);
	CHECK_INT(nx, 2000000 * DN_USEC_PER_SEC);
	CHECK_INT(dn_tz_next_transition(tz, nx, &nx), 0);
	dn_tz_free(tz);
}

DN_TEST(tz_tzif_v2_footer)
{
	struct tzb b;
	struct dn_tz *tz;
	struct dn_error e;
	const char *abbr;
	tzif_v2(&b, "\nCET-1CEST,M3.5.0,M10.5.0/3\n");
	CHECK_OK(dn_tz_from_tzif(&tz, "Test/V2", b.d, b.n, &e), &e);
	CHECK_INT(dn_tz_info_at(tz, at("1900-01-01T00:00Z"), NULL, &abbr), 600);
	CHECK_STR(abbr, "LMT");
	CHECK_INT(dn_tz_info_at(tz, at("2024-01-01T00:00Z"), NULL, &abbr), 3600);
	CHECK_STR(abbr, "CET");
	CHECK_INT(dn_tz_info_at(tz, at("2024-07-01T00:00Z"), NULL, &abbr), 7200);
	CHECK_STR(abbr, "CEST");
	dn_tz_free(tz);
	/* An empty footer: the last type holds for ever. */
	tzif_v2(&b, "\n\n");
	CHECK_OK(dn_tz_from_tzif(&tz, "Test/V2", b.d, b.n, &e), &e);
	CHECK_INT(dn_tz_offset_at(tz, at("2024-07-01T00:00Z")), 3600);
	dn_tz_free(tz);
}

DN_TEST(tz_tzif_far_transitions)
{
	/* "Fat" files open with a transition at -2^59 ("since ever"); times beyond what
	 * microseconds hold are clamped, never overflowed. */
	struct tzb b;
	struct dn_tz *tz;
	struct dn_error e;
	b.n = 0;
	header(&b, '2', 0, 0, 1, 4);
	ttinfo(&b, 0, 0, 0);
	put(&b, "UTC\0", 4);
	header(&b, '2', 0, 4, 2, 8);
	put64(&b, -(INT64_C(1) << 59));
	put64(&b, -(INT64_C(1) << 58));
	put64(&b, 0);
	put64(&b, INT64_C(1) << 60);
	put(&b, "\1\0\1\0", 4);
	ttinfo(&b, 600, 0, 0);
	ttinfo(&b, 3600, 0, 4);
	put(&b, "LMT\0CET\0", 8);
	put(&b, "\n\n", 2);
	CHECK_OK(dn_tz_from_tzif(&tz, "Test/Fat", b.d, b.n, &e), &e);
	CHECK_INT(dn_tz_offset_at(tz, INT64_MIN), 600);
	CHECK_INT(dn_tz_offset_at(tz, -1), 600);
	CHECK_INT(dn_tz_offset_at(tz, 0), 3600);
	CHECK_INT(dn_tz_offset_at(tz, INT64_C(1) << 61), 3600);
	CHECK_INT(dn_tz_offset_at(tz, INT64_MAX), 600); /* 2^60 s, clamped to 126,000 years */
	int64_t nx;
	CHECK_INT(dn_tz_next_transition(tz, -DN_USEC_PER_DAY, &nx), 1);
	CHECK_INT(nx, 0);
	CHECK_INT(dn_tz_next_transition(tz, 0, &nx), 1);
	CHECK_INT(nx, INT64_C(4000000000000) * DN_USEC_PER_SEC);
	char out[DN_TZ_FORMAT_MAX];
	CHECK(dn_tz_format(tz, INT64_MAX, out) > 0);
	CHECK(dn_tz_format(tz, INT64_MIN, out) > 0);
	int64_t a;
	CHECK_INT(dn_tz_local_to_utc(tz, INT64_MAX, &a, NULL), 1);
	dn_tz_free(tz);
}

DN_TEST(tz_tzif_errors)
{
	struct tzb b;
	struct dn_tz *tz = (struct dn_tz *)1;
	struct dn_error e;
	tzif_v2(&b, "\nCET-1CEST,M3.5.0\n");
	CHECK_INT(dn_tz_from_tzif(&tz, "T", b.d, b.n, &e), DN_EPARSE);
	CHECK(tz == NULL);
	CHECK_STR(e.msg, "time zone 'T': footer: TZ rule 'CET-1CEST,M3.5.0': expected ',' and the "
			 "date DST ends (column 17)");
	tzif_v2(&b, "\nCET-1");
	CHECK_INT(dn_tz_from_tzif(&tz, "T", b.d, b.n, &e), DN_EPARSE);
	CHECK_STR(e.msg, "time zone 'T': not a valid TZif file: unterminated footer (byte 127)");
	tzif_v2(&b, "");
	CHECK_INT(dn_tz_from_tzif(&tz, "T", b.d, b.n, &e), DN_EPARSE);
	CHECK_STR(e.msg, "time zone 'T': not a valid TZif file: missing footer (byte 127)");
	tzif_v1(&b);
	b.d[44 + 8] = 2; /* first transition's type index */
	CHECK_INT(dn_tz_from_tzif(&tz, "T", b.d, b.n, &e), DN_EPARSE);
	CHECK_STR(e.msg, "time zone 'T': not a valid TZif file: type index out of range (byte 52)");
	tzif_v1(&b);
	b.d[44 + 1] = 0x7f; /* first transition after the second */
	CHECK_INT(dn_tz_from_tzif(&tz, "T", b.d, b.n, &e), DN_EPARSE);
	CHECK(strstr(e.msg, "transition times are not ascending (byte 48)") != NULL);
	tzif_v1(&b);
	b.d[0] = 'X';
	CHECK_INT(dn_tz_from_tzif(&tz, "T", b.d, b.n, &e), DN_EPARSE);
	CHECK(strstr(e.msg, "no \"TZif\" magic") != NULL);
	tzif_v1(&b);
	b.d[4] = '1';
	CHECK_INT(dn_tz_from_tzif(&tz, "T", b.d, b.n, &e), DN_EPARSE);
	CHECK(strstr(e.msg, "unknown version (byte 4)") != NULL);
	tzif_v1(&b);
	b.d[44 + 10 + 6 + 4] = 2; /* isdst of the second type */
	CHECK_INT(dn_tz_from_tzif(&tz, "T", b.d, b.n, &e), DN_EPARSE);
	CHECK(strstr(e.msg, "isdst must be 0 or 1") != NULL);
	tzif_v1(&b);
	b.d[44 + 10 + 6 + 5] = 8; /* abbreviation index past the characters */
	CHECK_INT(dn_tz_from_tzif(&tz, "T", b.d, b.n, &e), DN_EPARSE);
	CHECK(strstr(e.msg, "abbreviation index out of range") != NULL);
	tzif_v1(&b);
	b.d[44 + 10 + 6] = 0x7f; /* an offset of years */
	CHECK_INT(dn_tz_from_tzif(&tz, "T", b.d, b.n, &e), DN_EPARSE);
	CHECK(strstr(e.msg, "UT offset outside") != NULL);
	/* Leap-second records (a "right/" zone). */
	b.n = 0;
	header(&b, 0, 1, 0, 1, 4);
	ttinfo(&b, 0, 0, 0);
	put(&b, "UTC\0", 4);
	put32(&b, 78796800);
	put32(&b, 1);
	CHECK_INT(dn_tz_from_tzif(&tz, "right/UTC", b.d, b.n, &e), DN_ENOTSUP);
	CHECK(strstr(e.msg, "leap-second records") != NULL);
	CHECK(tz == NULL);
	/* Every truncation of a real file is an error, never a read past the end. */
	struct dn_buf f = DN_BUF_INIT;
	const char *dir = getenv("TZDIR");
	char path[512];
	snprintf(path, sizeof path, "%s/America/New_York",
		 dir && dir[0] ? dir : "/usr/share/zoneinfo");
	CHECK_OK(dn_read_file(path, &f, 0, &e), &e);
	for (size_t n = 0; n < f.len; n++) {
		char *copy = dn_malloc(n ? n : 1);
		memcpy(copy, f.data, n);
		int rc = dn_tz_from_tzif(&tz, "NY", copy, n, &e);
		dn_free(copy);
		if (rc != DN_EPARSE) {
			dn_buf_release(&f);
			dn_test_fail(dn_t_, __FILE__, __LINE__, "prefix of %zu bytes: rc %d", n,
				     rc);
			return;
		}
	}
	CHECK_OK(dn_tz_from_tzif(&tz, "NY", f.data, f.len, &e), &e);
	dn_tz_free(tz);
	dn_buf_release(&f);
}

/* ---- cron parsing ---- */

DN_TEST(cron_parse_syntax)
{
	struct dn_cron c = parsed("*/15 9-17 1,15 JAN-mar mon-FRI");
	CHECK(c.minute == ((UINT64_C(1) << 0) | (UINT64_C(1) << 15) | (UINT64_C(1) << 30) |
			   (UINT64_C(1) << 45)));
	CHECK_INT(c.hour, 0x3fe00);
	CHECK_INT(c.mday, (1 << 1) | (1 << 15));
	CHECK_INT(c.month, 0xe);
	CHECK_INT(c.wday, 0x3e);
	CHECK_INT(c.flags, 0);
	/* *: everything; star flags only for the day fields. */
	c = parsed("* * * * *");
	CHECK(c.minute == (UINT64_C(1) << 60) - 1);
	CHECK_INT(c.hour, 0xffffff);
	CHECK(c.mday == 0xfffffffeu);
	CHECK_INT(c.month, 0x1ffe);
	CHECK_INT(c.wday, 0x7f);
	CHECK_INT(c.flags, DN_CRON_MDAY_STAR | DN_CRON_WDAY_STAR);
	/* Steps: every n, a-b/n, a/n (= a-max/n), a step of 1. */
	CHECK(parsed("5/20 * * * *").minute ==
	      ((UINT64_C(1) << 5) | (UINT64_C(1) << 25) | (UINT64_C(1) << 45)));
	CHECK_INT(parsed("0 1-10/3 * * *").hour, (1 << 1) | (1 << 4) | (1 << 7) | (1 << 10));
	CHECK_INT(parsed("0 */6 * * *").hour, (1 << 0) | (1 << 6) | (1 << 12) | (1 << 18));
	CHECK(parsed("0 0 */10 * *").mday == ((1u << 1) | (1u << 11) | (1u << 21) | (1u << 31)));
	CHECK_INT(parsed("0 0 * */5 *").month, (1 << 1) | (1 << 6) | (1 << 11));
	CHECK(parsed("*/1 * * * *").minute == (UINT64_C(1) << 60) - 1);
	CHECK(parsed("*/60 * * * *").minute == 1);
	/* Lists mix every form. */
	CHECK(parsed("1,5-7,*/20 * * * *").minute ==
	      ((UINT64_C(1) << 0) | (UINT64_C(1) << 1) | (UINT64_C(1) << 5) | (UINT64_C(1) << 6) |
	       (UINT64_C(1) << 7) | (UINT64_C(1) << 20) | (UINT64_C(1) << 40)));
	/* Names in any case; 7 and 0 are Sunday; SUN-SAT is the week. */
	CHECK_INT(parsed("0 0 * jAn,Dec *").month, (1 << 1) | (1 << 12));
	CHECK_INT(parsed("0 0 * * 7").wday, 1);
	CHECK_INT(parsed("0 0 * * 0").wday, 1);
	CHECK_INT(parsed("0 0 * * 5-7").wday, (1 << 5) | (1 << 6) | 1);
	CHECK_INT(parsed("0 0 * * SUN-SAT").wday, 0x7f);
	CHECK_INT(parsed("0 0 * * sat,sun").wday, (1 << 6) | 1);
	CHECK_INT(parsed("0 0 * * MON/2").wday, (1 << 1) | (1 << 3) | (1 << 5));
	CHECK_INT(parsed("0 0 * * */2").wday, (1 << 0) | (1 << 2) | (1 << 4) | (1 << 6));
	CHECK_INT(parsed("0 0 * * 1/2").wday, (1 << 1) | (1 << 3) | (1 << 5));
	CHECK_INT(parsed("0 0 * * 7/7").wday, 1); /* found by fuzz_cron: was empty */
	/* Day flags: a field starting with '*' counts as unrestricted (Vixie cron). */
	CHECK_INT(parsed("0 0 * * 1").flags, DN_CRON_MDAY_STAR);
	CHECK_INT(parsed("0 0 */2 * 1").flags, DN_CRON_MDAY_STAR);
	CHECK_INT(parsed("0 0 1 * *").flags, DN_CRON_WDAY_STAR);
	CHECK_INT(parsed("0 0 1 * 1").flags, 0);
	/* Blanks: leading, trailing, tabs, several. */
	CHECK(same_cron(parsed("  0\t0   1 *  *\n"), parsed("0 0 1 * *")));
	/* Macros, in any case. */
	CHECK(same_cron(parsed("@hourly"), parsed("0 * * * *")));
	CHECK(same_cron(parsed("@daily"), parsed("0 0 * * *")));
	CHECK(same_cron(parsed("@midnight"), parsed("0 0 * * *")));
	CHECK(same_cron(parsed("@weekly"), parsed("0 0 * * 0")));
	CHECK(same_cron(parsed("@monthly"), parsed("0 0 1 * *")));
	CHECK(same_cron(parsed("@yearly"), parsed("0 0 1 1 *")));
	CHECK(same_cron(parsed("@annually"), parsed("0 0 1 1 *")));
	CHECK(same_cron(parsed(" @DAILY "), parsed("0 0 * * *")));
}

DN_TEST(cron_parse_errors)
{
	static const struct {
		const char *expr, *msg;
		int column;
	} cases[] = {
		{"61 * * * *", "minute field: 61 is out of range 0-59 (column 1)", 1},
		{"0 24 * * *", "hour field: 24 is out of range 0-23 (column 3)", 3},
		{"0 0 0 * *", "day-of-month field: 0 is out of range 1-31 (column 5)", 5},
		{"0 0 32 * *", "day-of-month field: 32 is out of range 1-31 (column 5)", 5},
		{"0 0 * 13 *", "month field: 13 is out of range 1-12 (column 7)", 7},
		{"0 0 * 0 *", "month field: 0 is out of range 1-12 (column 7)", 7},
		{"0 0 * * 8", "day-of-week field: 8 is out of range 0-7 (column 9)", 9},
		{"0 0 * JANUARY *",
		 "month field: unknown name 'JANUARY' (use JAN-DEC or 1-12) (column 7)", 7},
		{"0 0 * * FOO",
		 "day-of-week field: unknown name 'FOO' (use SUN-SAT or 0-7, 0 and 7 being Sunday) "
		 "(column 9)",
		 9},
		{"0 0 * * MON-FOO",
		 "day-of-week field: unknown name 'FOO' (use SUN-SAT or 0-7, 0 and 7 being Sunday) "
		 "(column 13)",
		 13},
		{"x * * * *", "minute field: 'x' is not a number (column 1)", 1},
		{"0 JAN * * *", "hour field: 'JAN' is not a number (column 3)", 3},
		{"0 0 L * *", "day-of-month field: 'L' is not a number (column 5)", 5},
		{"0 0 ? * *", "day-of-month field: expected a number or '*', found '?' (column 5)",
		 5},
		{"0 0 * ? *", "month field: expected a number, a name or '*', found '?' (column 7)",
		 7},
		{"*/0 * * * *", "minute field: step 0 must be 1 to 60 (column 3)", 3},
		{"*/61 * * * *", "minute field: step 61 must be 1 to 60 (column 3)", 3},
		{"0 */99999999999 * * *",
		 "hour field: step above 100000 must be 1 to 24 (column 5)", 5},
		{"*/ * * * *",
		 "minute field: expected a step number after '/', found the end of the "
		 "field (column 3)",
		 3},
		{"*/x * * * *",
		 "minute field: expected a step number after '/', found 'x' "
		 "(column 3)",
		 3},
		{"5-2 * * * *",
		 "minute field: range 5-2 goes backwards; write the smaller value first (column 1)",
		 1},
		{"0 0 * * FRI-MON",
		 "day-of-week field: range FRI-MON goes backwards; write the smaller value first "
		 "(column 9)",
		 9},
		{"1,,2 * * * *", "minute field: empty item in a list (column 3)", 3},
		{"1, * * * *", "minute field: empty item in a list (column 3)", 3},
		{",1 * * * *", "minute field: empty item in a list (column 1)", 1},
		{"1- * * * *",
		 "minute field: expected a number or '*', found the end of the field "
		 "(column 3)",
		 3},
		{"-1 * * * *", "minute field: expected a number or '*', found '-' (column 1)", 1},
		{"1-2-3 * * * *", "minute field: unexpected '-' (column 4)", 4},
		{"1/2/3 * * * *", "minute field: unexpected '/' (column 4)", 4},
		{"** * * * *", "minute field: unexpected '*' (column 2)", 2},
		{"*5 * * * *", "minute field: unexpected '5' (column 2)", 2},
		{"0 0 1-* * *",
		 "day-of-month field: expected a number or '*', found '*' (column 7)", 7},
		{"99999999999 * * * *", "minute field: number too large (column 1)", 1},
		{"* * * *",
		 "expected 5 fields (minute hour day-of-month month day-of-week), found 4: the "
		 "day-of-week field is missing (column 8)",
		 8},
		{"  *",
		 "expected 5 fields (minute hour day-of-month month day-of-week), found 1: the "
		 "hour field is missing (column 4)",
		 4},
		{"0 * * * * *",
		 "expected 5 fields (minute hour day-of-month month day-of-week), found more; "
		 "dunya's cron has no seconds or years field (column 11)",
		 11},
		{"",
		 "empty cron expression; write five fields (minute hour day-of-month month "
		 "day-of-week) or a macro such as @daily (column 1)",
		 1},
		{" \t ",
		 "empty cron expression; write five fields (minute hour day-of-month month "
		 "day-of-week) or a macro such as @daily (column 1)",
		 1},
		{"@once",
		 "@once is not a repeating schedule: a pipeline with `schedule: @once` runs "
		 "one time, started by the scheduler (column 1)",
		 1},
		{" @reboot", "@reboot is not supported: dunya schedules by the clock (column 2)",
		 2},
		{"@weekly 5", "@weekly takes nothing after it (column 9)", 9},
		{"@fortnightly",
		 "unknown macro '@fortnightly'; use @hourly, @daily, @midnight, @weekly, "
		 "@monthly, @yearly or @annually, or five fields (minute hour day-of-month "
		 "month day-of-week) (column 1)",
		 1},
		{"0 0 * * 1\x01", "day-of-week field: unexpected \\x01 (column 10)", 10},
	};
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		int64_t col = -1;
		const char *msg = parse_error(cases[k].expr, &col);
		if (strcmp(msg, cases[k].msg) != 0 || col != cases[k].column) {
			dn_test_fail(dn_t_, __FILE__, __LINE__,
				     "'%s': got \"%s\" at %lld, expected \"%s\" at %d",
				     cases[k].expr, msg, (long long)col, cases[k].msg,
				     cases[k].column);
			return;
		}
	}
}

/* ---- next fire times ---- */

DN_TEST(cron_next_basic)
{
	/* Ranges, and strictly after: from a fire time, the one after it. */
	CHECK_STR(nexts("0 9-11 * * *", "UTC", "2024-01-01T09:00Z", 4),
		  "2024-01-01T10:00:00+00:00 2024-01-01T11:00:00+00:00 2024-01-02T09:00:00+00:00 "
		  "2024-01-02T10:00:00+00:00");
	CHECK_STR(nexts("0 9 * * *", "UTC", "2024-01-01T08:59:59.999999Z", 1),
		  "2024-01-01T09:00:00+00:00");
	/* Steps. */
	CHECK_STR(nexts("*/20 * * * *", "UTC", "2024-01-01T00:05Z", 3),
		  "2024-01-01T00:20:00+00:00 2024-01-01T00:40:00+00:00 2024-01-01T01:00:00+00:00");
	CHECK_STR(nexts("5/20 * * * *", "UTC", "2024-01-01T00:05Z", 3),
		  "2024-01-01T00:25:00+00:00 2024-01-01T00:45:00+00:00 2024-01-01T01:05:00+00:00");
	CHECK_STR(nexts("0 0-12/6 * * *", "UTC", "2024-01-01T00:00Z", 3),
		  "2024-01-01T06:00:00+00:00 2024-01-01T12:00:00+00:00 2024-01-02T00:00:00+00:00");
	/* Lists and names: noon on Mondays of January and July. */
	CHECK_STR(nexts("0 12 * JAN,jul MON", "UTC", "2024-02-01T00:00Z", 3),
		  "2024-07-01T12:00:00+00:00 2024-07-08T12:00:00+00:00 2024-07-15T12:00:00+00:00");
	/* 7 is Sunday: 2024-01-07 is one. */
	CHECK_STR(nexts("0 0 * * 7", "UTC", "2024-01-01T00:00Z", 2),
		  "2024-01-07T00:00:00+00:00 2024-01-14T00:00:00+00:00");
	/* Macros. */
	CHECK_STR(nexts("@hourly", "UTC", "2024-01-01T00:30Z", 2),
		  "2024-01-01T01:00:00+00:00 2024-01-01T02:00:00+00:00");
	CHECK_STR(nexts("@weekly", "UTC", "2024-01-01T00:00Z", 1), "2024-01-07T00:00:00+00:00");
	CHECK_STR(nexts("@monthly", "UTC", "2024-01-31T00:00Z", 2),
		  "2024-02-01T00:00:00+00:00 2024-03-01T00:00:00+00:00");
	CHECK_STR(nexts("@yearly", "UTC", "2024-06-01T00:00Z", 2),
		  "2025-01-01T00:00:00+00:00 2026-01-01T00:00:00+00:00");
	/* Across a year end. */
	CHECK_STR(nexts("59 23 31 12 *", "UTC", "2024-12-31T23:59Z", 1),
		  "2025-12-31T23:59:00+00:00");
	/* Before 1970. */
	CHECK_STR(nexts("0 0 1 1 *", "UTC", "1960-06-01T00:00Z", 1), "1961-01-01T00:00:00+00:00");
}

DN_TEST(cron_next_day_rule)
{
	/* Both day fields restricted: the 13th OR a Friday (2024-09-13 is both). */
	CHECK_STR(nexts("0 0 13 * FRI", "UTC", "2024-09-01T00:00Z", 8),
		  "2024-09-06T00:00:00+00:00 2024-09-13T00:00:00+00:00 2024-09-20T00:00:00+00:00 "
		  "2024-09-27T00:00:00+00:00 2024-10-04T00:00:00+00:00 2024-10-11T00:00:00+00:00 "
		  "2024-10-13T00:00:00+00:00 2024-10-18T00:00:00+00:00");
	/* One of them '*': only the other decides. */
	CHECK_STR(nexts("0 0 * * FRI", "UTC", "2024-09-01T00:00Z", 2),
		  "2024-09-06T00:00:00+00:00 2024-09-13T00:00:00+00:00");
	CHECK_STR(nexts("0 0 13 * *", "UTC", "2024-09-01T00:00Z", 2),
		  "2024-09-13T00:00:00+00:00 2024-10-13T00:00:00+00:00");
	/* A day field starting with '*' (here every second day) is unrestricted for the rule, as
	 * in Vixie cron: both must match, so odd days that are Mondays. */
	CHECK_STR(nexts("0 0 */2 * MON", "UTC", "2024-01-01T00:00Z", 3),
		  "2024-01-15T00:00:00+00:00 2024-01-29T00:00:00+00:00 2024-02-05T00:00:00+00:00");
	/* An impossible day of the month still fires on the weekday. */
	CHECK_STR(nexts("0 0 30 2 MON", "UTC", "2024-01-31T00:00Z", 2),
		  "2024-02-05T00:00:00+00:00 2024-02-12T00:00:00+00:00");
}

DN_TEST(cron_next_month_ends)
{
	/* The 31st only in long months. */
	CHECK_STR(nexts("0 0 31 * *", "UTC", "2024-01-01T00:00Z", 7),
		  "2024-01-31T00:00:00+00:00 2024-03-31T00:00:00+00:00 2024-05-31T00:00:00+00:00 "
		  "2024-07-31T00:00:00+00:00 2024-08-31T00:00:00+00:00 2024-10-31T00:00:00+00:00 "
		  "2024-12-31T00:00:00+00:00");
	CHECK_STR(nexts("0 0 30 * *", "UTC", "2024-01-31T00:00Z", 2),
		  "2024-03-30T00:00:00+00:00 2024-04-30T00:00:00+00:00");
	/* February 29: leap years only, and not 2100. */
	CHECK_STR(nexts("0 0 29 2 *", "UTC", "2023-03-01T00:00Z", 2),
		  "2024-02-29T00:00:00+00:00 2028-02-29T00:00:00+00:00");
	CHECK_STR(nexts("0 0 29 2 *", "UTC", "2096-03-01T00:00Z", 1), "2104-02-29T00:00:00+00:00");
	CHECK_STR(nexts("0 0 29 2 *", "America/New_York", "2023-03-01T00:00Z", 1),
		  "2024-02-29T00:00:00-05:00");
	/* Never: a clear error instead of a search for ever. */
	CHECK_STR(nexts("0 0 30 2 *", "UTC", "2024-01-01T00:00Z", 1),
		  "error: the schedule never fires: none of its months has any of its days of the "
		  "month (February has 29 days at most; April, June, September and November 30)");
	CHECK_STR(nexts("0 0 31 4,6,9,11 *", "UTC", "2024-01-01T00:00Z", 1),
		  "error: the schedule never fires: none of its months has any of its days of the "
		  "month (February has 29 days at most; April, June, September and November 30)");
	/* February 29 on a Sunday: 2032, then 2060, beyond the 10-year search. */
	CHECK_STR(nexts("0 0 29 2 */7", "UTC", "2031-12-01T00:00Z", 2),
		  "2032-02-29T00:00:00+00:00 error: the schedule does not fire in the 10 years "
		  "after 2032-02-29T00:00:00Z");
	/* Close to the end of the calendar. */
	struct dn_cron c = parsed("0 0 29 2 *");
	struct dn_error e;
	int64_t t;
	CHECK_OK(dn_cron_next(&c, NULL, at("9989-12-31T00:00Z"), &t, &e), &e);
	CHECK_STR(fmt(NULL, t), "9992-02-29T00:00:00+00:00");
	CHECK_INT(dn_cron_next(&c, NULL, at("9990-01-01T00:00Z"), &t, &e), DN_EINVAL);
	CHECK_INT(dn_cron_next(&c, NULL, INT64_MIN, &t, &e), DN_EINVAL);
	CHECK_INT(dn_cron_next(&c, NULL, INT64_MAX, &t, &e), DN_EINVAL);
}

DN_TEST(cron_next_dst_new_york)
{
	/* Spring forward, 2024-03-10: 02:30 does not exist and fires at 03:00 EDT. */
	CHECK_STR(nexts("30 2 * * *", "America/New_York", "2024-03-09T12:00:00-05:00", 3),
		  "2024-03-10T03:00:00-04:00 2024-03-11T02:30:00-04:00 2024-03-12T02:30:00-04:00");
	/* Every half hour: 02:00 and 02:30 both fall in the gap and fire once, at 03:00. */
	CHECK_STR(nexts("*/30 * * * *", "America/New_York", "2024-03-10T01:15:00-05:00", 4),
		  "2024-03-10T01:30:00-05:00 2024-03-10T03:00:00-04:00 2024-03-10T03:30:00-04:00 "
		  "2024-03-10T04:00:00-04:00");
	CHECK_STR(nexts("0 * * * *", "America/New_York", "2024-03-10T00:30:00-05:00", 3),
		  "2024-03-10T01:00:00-05:00 2024-03-10T03:00:00-04:00 2024-03-10T04:00:00-04:00");
	/* Fall back, 2024-11-03: 01:30 happens twice and fires once, the first time. */
	CHECK_STR(nexts("30 1 * * *", "America/New_York", "2024-11-02T12:00:00-04:00", 3),
		  "2024-11-03T01:30:00-04:00 2024-11-04T01:30:00-05:00 2024-11-05T01:30:00-05:00");
	CHECK_STR(nexts("*/30 * * * *", "America/New_York", "2024-11-03T00:45:00-04:00", 4),
		  "2024-11-03T01:00:00-04:00 2024-11-03T01:30:00-04:00 2024-11-03T02:00:00-05:00 "
		  "2024-11-03T02:30:00-05:00");
	/* Starting inside the repeated hour: its times already fired. */
	CHECK_STR(nexts("*/30 * * * *", "America/New_York", "2024-11-03T01:10:00-05:00", 1),
		  "2024-11-03T02:00:00-05:00");
	/* Times outside the transitions keep their wall-clock time across them. */
	CHECK_STR(nexts("0 9 * * MON-FRI", "America/New_York", "2024-03-08T12:00:00-05:00", 2),
		  "2024-03-11T09:00:00-04:00 2024-03-12T09:00:00-04:00");
	/* 2040, after the last transition in the file: the footer rule. */
	CHECK_STR(nexts("30 2 * * *", "America/New_York", "2040-03-10T12:00:00-05:00", 2),
		  "2040-03-11T03:00:00-04:00 2040-03-12T02:30:00-04:00");
	CHECK_STR(nexts("30 1 * * *", "America/New_York", "2040-11-03T12:00:00-04:00", 2),
		  "2040-11-04T01:30:00-04:00 2040-11-05T01:30:00-05:00");
}

DN_TEST(cron_next_dst_paris)
{
	CHECK_STR(nexts("30 2 * * *", "Europe/Paris", "2024-03-30T12:00:00+01:00", 2),
		  "2024-03-31T03:00:00+02:00 2024-04-01T02:30:00+02:00");
	CHECK_STR(nexts("30 2 * * *", "Europe/Paris", "2024-10-26T12:00:00+02:00", 2),
		  "2024-10-27T02:30:00+02:00 2024-10-28T02:30:00+01:00");
	CHECK_STR(nexts("15 * * * *", "Europe/Paris", "2024-10-27T01:00:00+02:00", 4),
		  "2024-10-27T01:15:00+02:00 2024-10-27T02:15:00+02:00 2024-10-27T03:15:00+01:00 "
		  "2024-10-27T04:15:00+01:00");
	CHECK_STR(nexts("30 2 * * *", "Europe/Paris", "2040-03-24T12:00:00+01:00", 1),
		  "2040-03-25T03:00:00+02:00");
	/* Lord Howe moves its clocks by 30 minutes: 02:15 on 2024-10-06 is skipped. */
	CHECK_STR(nexts("15 2 * * *", "Australia/Lord_Howe", "2024-10-05T12:00:00+10:30", 2),
		  "2024-10-06T02:30:00+11:00 2024-10-07T02:15:00+11:00");
	CHECK_STR(nexts("45 1 * * *", "Australia/Lord_Howe", "2024-04-06T12:00:00+11:00", 2),
		  "2024-04-07T01:45:00+11:00 2024-04-08T01:45:00+10:30");
}

DN_TEST(cron_matches)
{
	struct dn_cron c = parsed("30 9 * * MON-FRI");
	CHECK_INT(dn_cron_matches(&c, at("2024-03-11T09:30Z")), 1);
	CHECK_INT(dn_cron_matches(&c, at("2024-03-11T09:30:59Z")), 1);
	CHECK_INT(dn_cron_matches(&c, at("2024-03-11T09:31Z")), 0);
	CHECK_INT(dn_cron_matches(&c, at("2024-03-10T09:30Z")), 0); /* a Sunday */
	c = parsed("0 0 29 2 *");
	CHECK_INT(dn_cron_matches(&c, at("2024-02-29T00:00Z")), 1);
	CHECK_INT(dn_cron_matches(&c, at("1896-02-29T00:00Z")), 1);
}

/* The rules dn_cron_next promises, checked minute by minute: the answer is the first instant u
 * after `after` such that either the local time at u matches and u is its first occurrence, or
 * u ends a gap that swallowed a matching local time. */
static int64_t brute_next(const struct dn_cron *c, const struct dn_tz *tz, int64_t after,
			  int64_t limit)
{
	const int64_t minute = 60 * DN_USEC_PER_SEC;
	int64_t u = (after / minute + 1) * minute; /* after >= 0 here */
	for (; u <= limit; u += minute) {
		int64_t off = dn_tz_offset_at(tz, u), before = dn_tz_offset_at(tz, u - 1);
		int64_t local = u + off * DN_USEC_PER_SEC, first;
		if (dn_cron_matches(c, local) && dn_tz_local_to_utc(tz, local, &first, NULL) &&
		    first == u)
			return u;
		for (int64_t l = u + before * DN_USEC_PER_SEC; l < local; l += minute)
			if (dn_cron_matches(c, l))
				return u; /* the gap ends at u */
	}
	return -1;
}

DN_TEST(cron_next_brute_force)
{
	static const char *exprs[] = {
		"* * * * *",      "*/7 * * * *",  "30 2 * * *",       "0,30 1-3 * * *",
		"15 * * * *",     "0 0 * * *",    "45 1 * * SUN",     "*/20 2 * 3,10,11 *",
		"0 12 13 * FRI",  "5 4 */3 * *",  "0 */2 1,15 * MON", "59 23 * * *",
		"0 9-17 * * 1-5", "10 1,2 * * 0",
	};
	static const char *zones[] = {"UTC", "America/New_York", "Europe/Paris",
				      "Australia/Lord_Howe"};
	static const char *starts[] = {
		"2024-03-09T20:00Z", "2024-03-10T06:10Z", "2024-03-31T00:20Z", "2024-10-26T22:50Z",
		"2024-11-03T05:20Z", "2024-11-03T06:20Z", "2024-10-05T15:00Z", "2024-04-06T14:40Z",
		"2040-03-11T06:30Z", "2040-11-04T05:59Z",
	};
	for (size_t z = 0; z < sizeof zones / sizeof zones[0]; z++) {
		struct dn_tz *tz = zone(zones[z]);
		for (size_t x = 0; x < sizeof exprs / sizeof exprs[0]; x++) {
			struct dn_cron c = parsed(exprs[x]);
			for (size_t s = 0; s < sizeof starts / sizeof starts[0]; s++) {
				int64_t t = at(starts[s]);
				for (int k = 0; k < 6; k++) {
					int64_t got, want;
					struct dn_error e;
					if (dn_cron_next(&c, tz, t, &got, &e) < 0)
						got = -1;
					/* Up to 2 days ahead, minute by minute; beyond, only that
					 * nothing fired before. */
					int64_t limit = t + 2 * DN_USEC_PER_DAY;
					want = brute_next(&c, tz, t, limit);
					if (want < 0 && got > limit)
						break;
					if (got != want) {
						char a[DN_TZ_FORMAT_MAX], b[DN_TZ_FORMAT_MAX];
						dn_tz_format(tz, got, a);
						dn_tz_format(tz, want, b);
						dn_test_fail(dn_t_, __FILE__, __LINE__,
							     "'%s' in %s after %s: got %s, want %s",
							     exprs[x], zones[z], fmt(tz, t), a, b);
						dn_tz_free(tz);
						return;
					}
					t = got;
				}
			}
		}
		dn_tz_free(tz);
	}
}
