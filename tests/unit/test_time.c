/* Tests of core's time functions: civil date arithmetic, ISO-8601 parsing (valid, invalid and
 * offset forms) and formatting, including instants before 1970 and outside years 1..9999. */
#include "../test.h"

static int tp(const char *s, int64_t *v)
{
	return dn_time_parse(s, strlen(s), v);
}

static const char *tf(int64_t us)
{
	static char out[40];
	dn_timestamp_format(us, out);
	return out;
}

static const char *df(int32_t days)
{
	static char out[40];
	dn_date_format(days, out);
	return out;
}

DN_TEST(time_civil)
{
	CHECK_INT(dn_days_from_civil(1970, 1, 1), 0);
	CHECK_INT(dn_days_from_civil(1970, 1, 2), 1);
	CHECK_INT(dn_days_from_civil(1969, 12, 31), -1);
	CHECK_INT(dn_days_from_civil(2000, 3, 1), 11017);
	CHECK_INT(dn_days_from_civil(2000, 2, 29), 11016);
	CHECK_INT(dn_days_from_civil(2024, 1, 31), 19753);
	CHECK_INT(dn_days_from_civil(1, 1, 1), -719162);
	CHECK_INT(dn_days_from_civil(9999, 12, 31), 2932896);
	CHECK_INT(dn_days_from_civil(1900, 3, 1) - dn_days_from_civil(1900, 2, 28), 1);
	CHECK_INT(dn_days_from_civil(2000, 3, 1) - dn_days_from_civil(2000, 2, 28), 2);
	/* civil_from_days inverts days_from_civil over the whole range and then some. */
	int py = 0, pm = 0, pd = 0;
	for (int32_t d = -1000000; d <= 3200000; d++) {
		int y, m, dd;
		dn_civil_from_days(d, &y, &m, &dd);
		if (dn_days_from_civil(y, m, dd) != d) {
			dn_test_fail(dn_t_, __FILE__, __LINE__, "day %d -> %d-%d-%d", (int)d, y, m,
				     dd);
			return;
		}
		/* consecutive days are consecutive dates */
		if (d > -1000000) {
			int next = (dd == pd + 1 && m == pm && y == py) ||
				   (dd == 1 && ((m == pm + 1 && y == py) ||
						(m == 1 && pm == 12 && y == py + 1)));
			if (!next) {
				dn_test_fail(dn_t_, __FILE__, __LINE__, "%d-%d-%d after %d-%d-%d",
					     y, m, dd, py, pm, pd);
				return;
			}
		}
		py = y;
		pm = m;
		pd = dd;
	}
}

DN_TEST(time_parse_dates)
{
	int64_t v;
	CHECK_INT(tp("1970-01-01", &v), DN_TIME_DATE);
	CHECK_INT(v, 0);
	CHECK_INT(tp("2000-02-29", &v), DN_TIME_DATE);
	CHECK_INT(v, 11016);
	CHECK_INT(tp("1969-12-31", &v), DN_TIME_DATE);
	CHECK_INT(v, -1);
	CHECK_INT(tp("0001-01-01", &v), DN_TIME_DATE);
	CHECK_INT(v, -719162);
	CHECK_INT(tp("9999-12-31", &v), DN_TIME_DATE);
	CHECK_INT(v, 2932896);
	CHECK_INT(tp("2024-02-29", &v), DN_TIME_DATE);
	/* Every day of years 0000..9999 parses to the day number the formatter started from. */
	for (int32_t d = -719528; d <= 2932896; d++) {
		char out[40];
		int n = dn_date_format(d, out);
		if (dn_time_parse(out, (size_t)n, &v) != DN_TIME_DATE || v != d) {
			dn_test_fail(dn_t_, __FILE__, __LINE__, "day %d -> %s", (int)d, out);
			return;
		}
	}
	const char *bad[] = {
		"2023-02-29",
		"1900-02-29",
		"2024-02-30",
		"2024-04-31",
		"2024-13-01",
		"2024-00-10",
		"2024-01-00",
		"2024-01-32",
		"2024/01/01",
		"2024-1-01",
		"2024-01-1",
		"24-01-01",
		"2024-01-01 ",
		" 2024-01-01",
		"2024-01-0a",
		"x024-01-01",
		"2024-01-01T",
		"20240101",
		"",
		"2024",
		"2024-01",
		"2024-01-01x",
		"+2024-01-01",
		("2024-01-\xff"
		 "1"),
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (tp(bad[i], &v) != DN_EPARSE) {
			dn_test_fail(dn_t_, __FILE__, __LINE__, "\"%s\" accepted", bad[i]);
			return;
		}
	}
}

DN_TEST(time_parse_timestamps)
{
	int64_t v;
	CHECK_INT(tp("1970-01-01T00:00:00Z", &v), DN_TIME_TIMESTAMP);
	CHECK_INT(v, 0);
	CHECK_INT(tp("1970-01-01T00:00:00", &v), DN_TIME_TIMESTAMP);
	CHECK_INT(v, 0);
	CHECK_INT(tp("1970-01-01 00:00:01", &v), DN_TIME_TIMESTAMP);
	CHECK_INT(v, 1000000);
	CHECK_INT(tp("1970-01-01t00:01z", &v), DN_TIME_TIMESTAMP);
	CHECK_INT(v, 60000000);
	CHECK_INT(tp("1969-12-31T23:59:59.999999Z", &v), DN_TIME_TIMESTAMP);
	CHECK_INT(v, -1);
	CHECK_INT(tp("1969-12-31T23:59:59Z", &v), DN_TIME_TIMESTAMP);
	CHECK_INT(v, -1000000);
	CHECK_INT(tp("2000-02-29T12:34:56Z", &v), DN_TIME_TIMESTAMP);
	CHECK_INT(v, INT64_C(951827696) * 1000000);
	CHECK_INT(tp("2024-01-31T12:00:00.123Z", &v), DN_TIME_TIMESTAMP);
	CHECK_INT(v, INT64_C(1706702400123000));
	CHECK_INT(tp("2024-01-31 12:00", &v), DN_TIME_TIMESTAMP);
	CHECK_INT(v, INT64_C(1706702400000000));
	/* Fractions of 1..9 digits; beyond microseconds they are truncated, not rounded. */
	CHECK_INT(tp("1970-01-01T00:00:00.5", &v), DN_TIME_TIMESTAMP);
	CHECK_INT(v, 500000);
	CHECK_INT(tp("1970-01-01T00:00:00.05Z", &v), DN_TIME_TIMESTAMP);
	CHECK_INT(v, 50000);
	CHECK_INT(tp("1970-01-01T00:00:00.123456789Z", &v), DN_TIME_TIMESTAMP);
	CHECK_INT(v, 123456);
	CHECK_INT(tp("1970-01-01T00:00:00.999999999", &v), DN_TIME_TIMESTAMP);
	CHECK_INT(v, 999999);
	CHECK_INT(tp("1970-01-01T00:00:00.0000001", &v), DN_TIME_TIMESTAMP);
	CHECK_INT(v, 0);
	CHECK_INT(tp("0001-01-01T00:00:00Z", &v), DN_TIME_TIMESTAMP);
	CHECK_INT(v, INT64_C(-62135596800000000));
	CHECK_INT(tp("9999-12-31T23:59:59.999999Z", &v), DN_TIME_TIMESTAMP);
	CHECK_INT(v, INT64_C(253402300799999999));
}

DN_TEST(time_parse_offsets)
{
	int64_t v, utc;
	CHECK_INT(tp("2024-01-31T12:00:00Z", &utc), DN_TIME_TIMESTAMP);
	/* 17:30 in India is 12:00 UTC; 04:00 in California is 12:00 UTC. */
	CHECK_INT(tp("2024-01-31T17:30:00+05:30", &v), DN_TIME_TIMESTAMP);
	CHECK_INT(v, utc);
	/* An offset that carries the time before year 0000 (UTC) leaves it text, as past 9999. */
	CHECK_INT(tp("0000-01-01T00:09:59.5+01:00", &v), DN_EPARSE);
	CHECK_INT(tp("0000-01-01T01:00:00+01:00", &v), DN_TIME_TIMESTAMP);
	CHECK_INT(v, INT64_C(-62167219200000000));
	CHECK_INT(tp("2024-01-31T17:30:00+0530", &v), DN_TIME_TIMESTAMP);
	CHECK_INT(v, utc);
	CHECK_INT(tp("2024-01-31T04:00:00-08:00", &v), DN_TIME_TIMESTAMP);
	CHECK_INT(v, utc);
	CHECK_INT(tp("2024-01-31T04:00:00-08", &v), DN_TIME_TIMESTAMP);
	CHECK_INT(v, utc);
	CHECK_INT(tp("2024-01-31T04:00-0800", &v), DN_TIME_TIMESTAMP);
	CHECK_INT(v, utc);
	CHECK_INT(tp("2024-01-31T12:00:00+00:00", &v), DN_TIME_TIMESTAMP);
	CHECK_INT(v, utc);
	CHECK_INT(tp("2024-01-31T12:00:00.250-00:00", &v), DN_TIME_TIMESTAMP);
	CHECK_INT(v, utc + 250000);
	/* Offsets cross the day and the epoch. */
	CHECK_INT(tp("1970-01-01T01:00:00+02:00", &v), DN_TIME_TIMESTAMP);
	CHECK_INT(v, -3600 * DN_USEC_PER_SEC);
	CHECK_INT(tp("2023-12-31T20:00:00-23:59", &v), DN_TIME_TIMESTAMP);
	CHECK_STR(tf(v), "2024-01-01T19:59:00Z");
}

DN_TEST(time_parse_invalid)
{
	int64_t v = 77;
	const char *bad[] = {
		"2023-02-29T00:00:00Z",
		"2024-01-31T24:00:00",
		"2024-01-31T23:60:00",
		"2024-01-31T23:59:60Z", /* leap second */
		"2024-01-31T1:00:00",
		"2024-01-31T12:0:00",
		"2024-01-31T12:00:0",
		"2024-01-31X12:00:00",
		"2024-01-31_12:00:00",
		"2024-01-31T12.00.00",
		"2024-01-31T12:00:00.",
		"2024-01-31T12:00:00.Z",
		"2024-01-31T12:00:00.1234567890",
		"2024-01-31T12:00:00,5",
		"2024-01-31T12",
		"2024-01-31T12:",
		"2024-01-31T12:00:",
		"2024-01-31T12:00:00ZZ",
		"2024-01-31T12:00:00Z ",
		"2024-01-31T12:00:00 Z",
		"2024-01-31T12:00:00+",
		"2024-01-31T12:00:00+5",
		"2024-01-31T12:00:00+05:3",
		"2024-01-31T12:00:00+053",
		"2024-01-31T12:00:00+05:300",
		"2024-01-31T12:00:00+24:00",
		"2024-01-31T12:00:00+05:60",
		"2024-01-31T12:00:00+05-30",
		"2024-01-31T12:00:00+0a:00",
		"2024-01-31T12:00:00UTC",
		"2024-01-31T12:00:00.5+",
		"2024-01-31T12:00Z+01",
		"2024-01-31T12:00.5",
		"2024-01-31T-1:00:00",
		"2024-01-31T12:00:00\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (tp(bad[i], &v) != DN_EPARSE) {
			dn_test_fail(dn_t_, __FILE__, __LINE__, "\"%s\" accepted", bad[i]);
			return;
		}
	}
	/* An embedded NUL inside the given length is rejected too. */
	CHECK_INT(dn_time_parse("2024-01-31T12:00:00\0Z", 21, &v), DN_EPARSE);
	CHECK_INT(v, 77); /* untouched on failure */
}

/* The common layouts ("YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SS", with Z) take a word-at-a-time path;
 * it must accept exactly what the byte-wise parser accepts, with the same values: each byte of
 * many base texts (years at the edges of the short-cut range, leap days, month ends) replaced
 * by each of the 256 values. */
static int fixed_vs_general(const char *text, size_t n)
{
	int64_t va = 11, vb = 11;
	int ka = dn_time_parse(text, n, &va), kb = dn_time_parse_bytewise_(text, n, &vb);
	return ka == kb && va == vb;
}

DN_TEST(time_parse_fixed_layouts)
{
	static const int years[] = {0,    1,    399,  400,  1582, 1899, 1900, 1901,
				    1904, 1968, 1969, 1970, 1971, 1972, 2000, 2023,
				    2024, 2098, 2099, 2100, 2101, 2400, 9999};
	static const int md[][2] = {{1, 1}, {2, 28}, {2, 29}, {3, 1}, {4, 30}, {12, 31}, {6, 15}};
	long checked = 0, failed = 0;
	char first[64] = "";
	for (size_t y = 0; y < sizeof years / sizeof years[0]; y++) {
		for (size_t k = 0; k < sizeof md / sizeof md[0]; k++) {
			char base[32];
			snprintf(base, sizeof base, "%04d-%02d-%02dT%02d:%02d:%02dZ", years[y],
				 md[k][0], md[k][1], (int)(k * 5 % 24), (int)(y * 7 % 60),
				 (int)((y + k) * 11 % 60));
			static const size_t lens[] = {10, 19, 20};
			for (int li = 0; li < 3; li++) {
				size_t n = lens[li];
				for (size_t at = 0; at < n; at++) {
					for (int c = 0; c < 256; c++) {
						char t[32];
						memcpy(t, base, n);
						t[at] = (char)c;
						checked++;
						if (!fixed_vs_general(t, n) && !failed++)
							snprintf(first, sizeof first, "%.*s",
								 (int)n, t);
					}
				}
			}
		}
	}
	if (failed)
		dn_test_fail(dn_t_, __FILE__, __LINE__, "%ld of %ld differ, first \"%s\"", failed,
			     checked, first);
	CHECK_INT(failed, 0);
	/* The short cut's day numbers, against the civil-date function, every day 1901..2099. */
	int64_t v = 0;
	for (int y = 1899; y <= 2101; y++)
		for (int m = 1; m <= 12; m++)
			for (int d = 1; d <= 31; d++) {
				char t[48];
				snprintf(t, sizeof t, "%04d-%02d-%02d", y, m, d);
				int dim = m == 2 ? 28 + (y % 4 == 0 && (y % 100 || y % 400 == 0)) :
						   30 + ((m + (m > 7)) & 1);
				int k = dn_time_parse(t, 10, &v);
				if (d > dim) {
					CHECK_INT(k, DN_EPARSE);
				} else if (k != DN_TIME_DATE || v != dn_days_from_civil(y, m, d)) {
					dn_test_fail(dn_t_, __FILE__, __LINE__, "%s: %d %lld", t, k,
						     (long long)v);
					return;
				}
			}
}

DN_TEST(time_format)
{
	CHECK_STR(df(0), "1970-01-01");
	CHECK_STR(df(-1), "1969-12-31");
	CHECK_STR(df(11016), "2000-02-29");
	CHECK_STR(df(-719162), "0001-01-01");
	CHECK_STR(df(-719163), "0000-12-31");
	CHECK_STR(df(-719528), "0000-01-01");
	CHECK_STR(df(-719529), "-0001-12-31");
	CHECK_STR(df(2932896), "9999-12-31");
	CHECK_STR(df(2932897), "+10000-01-01");
	char out[40];
	CHECK_INT(dn_date_format(19753, out), 10);
	CHECK_STR(out, "2024-01-31");

	CHECK_STR(tf(0), "1970-01-01T00:00:00Z");
	CHECK_STR(tf(-1), "1969-12-31T23:59:59.999999Z");
	CHECK_STR(tf(-1000), "1969-12-31T23:59:59.999Z");
	CHECK_STR(tf(-1000000), "1969-12-31T23:59:59Z");
	CHECK_STR(tf(-DN_USEC_PER_DAY), "1969-12-31T00:00:00Z");
	CHECK_STR(tf(-DN_USEC_PER_DAY - 1), "1969-12-30T23:59:59.999999Z");
	CHECK_STR(tf(1706702400123000), "2024-01-31T12:00:00.123Z");
	CHECK_STR(tf(1706702400123400), "2024-01-31T12:00:00.123400Z");
	CHECK_STR(tf(1706702400000001), "2024-01-31T12:00:00.000001Z");
	CHECK_STR(tf(1706702400100000), "2024-01-31T12:00:00.100Z");
	CHECK_INT(dn_timestamp_format(0, out), 20);
	CHECK_INT(dn_timestamp_format(1, out), 27);
	CHECK_STR(tf(INT64_C(253402300799999999)), "9999-12-31T23:59:59.999999Z");
	CHECK_STR(tf(INT64_C(253402300800000000)), "+10000-01-01T00:00:00Z");
	CHECK_STR(tf(INT64_C(-62135596800000001)), "0000-12-31T23:59:59.999999Z");
	/* The extremes format without overflow and fit the 40-byte buffer. */
	CHECK_STR(tf(INT64_MAX), "+294247-01-10T04:00:54.775807Z");
	CHECK_STR(tf(INT64_MIN), "-290308-12-21T19:59:05.224192Z");
	CHECK(dn_timestamp_format(INT64_MIN, out) < 40);
	CHECK_STR(df(INT32_MAX), "+5881580-07-11");
	CHECK_STR(df(INT32_MIN), "-5877641-06-23");
}

/* Every formatted value in years 0..9999 parses back to itself. */
DN_TEST(time_roundtrip_random)
{
	uint64_t x = 88172645463325252ULL;
	long iters = dn_test_iterations(300000);
	const int64_t lo = INT64_C(-62167219200000000), hi = INT64_C(253402300799999999);
	for (long i = 0; i < iters; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		int64_t us = lo + (int64_t)(x % (uint64_t)(hi - lo + 1));
		if (i % 3 == 1)
			us -= us % 1000; /* whole milliseconds */
		if (i % 3 == 2)
			us -= us % DN_USEC_PER_SEC;
		char out[40];
		int n = dn_timestamp_format(us, out);
		int64_t back;
		if (dn_time_parse(out, (size_t)n, &back) != DN_TIME_TIMESTAMP || back != us) {
			dn_test_fail(dn_t_, __FILE__, __LINE__, "%lld -> %s", (long long)us, out);
			return;
		}
		int32_t days = (int32_t)(x >> 40) % 3652059 - 719528;
		n = dn_date_format(days, out);
		if (dn_time_parse(out, (size_t)n, &back) != DN_TIME_DATE || back != days) {
			dn_test_fail(dn_t_, __FILE__, __LINE__, "day %d -> %s", (int)days, out);
			return;
		}
	}
}

DN_TEST(time_clocks)
{
	int64_t now = dn_now_us();
	CHECK(now > INT64_C(1600000000) * DN_USEC_PER_SEC); /* after 2020 */
	int64_t a = dn_monotonic_us(), b = dn_monotonic_us();
	CHECK(b >= a);
}
