/* libFuzzer target for cron expressions (dn_cron_parse) and the next-fire search (dn_cron_next).
 *
 * The input is the expression. A rejected one must fail cleanly with DN_EPARSE and a column
 * inside the text (or just after it). An accepted one is run from a few start times, chosen
 * from a hash of the input and around New York's 2024 DST changes, in UTC and in
 * America/New_York, three fire times each. Every answer must be later than its start and must
 * honour the rules: the local time at the answer matches the expression and the answer is that
 * local time's first occurrence, or the answer is the end of a spring-forward gap. In UTC, a
 * minute-by-minute walk checks that nothing matched in between, when the answer is within a day.
 * DN_ENOTFOUND is allowed (schedules that never fire); nothing else. The zone is loaded once and
 * kept (falling back to its POSIX rule when there is no tz database), so runs stay fast and
 * deterministic. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/pipeline/pipeline.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

#define MINUTE_US (60 * DN_USEC_PER_SEC)

static const struct dn_tz *new_york(void)
{
	static struct dn_tz *tz;
	if (!tz && dn_tz_load(&tz, "America/New_York", NULL) < 0 &&
	    dn_tz_from_posix(&tz, "EST5EDT,M3.2.0,M11.1.0", NULL) < 0)
		abort();
	return tz;
}

static void check_one(const struct dn_cron *c, const struct dn_tz *tz, int64_t after)
{
	for (int k = 0; k < 3; k++) {
		int64_t next;
		int rc = dn_cron_next(c, tz, after, &next, NULL);
		if (rc == DN_ENOTFOUND)
			return;
		if (rc < 0 || next <= after)
			abort();
		int64_t local = next + (int64_t)dn_tz_offset_at(tz, next) * DN_USEC_PER_SEC;
		if (dn_cron_matches(c, local)) {
			int64_t first;
			if (dn_tz_local_to_utc(tz, local, &first, NULL) < 1 || first != next)
				abort();
		} else if (dn_tz_offset_at(tz, next - 1) >= dn_tz_offset_at(tz, next)) {
			abort(); /* neither a match nor the end of a gap */
		}
		if (!tz && next - after <= DN_USEC_PER_DAY) {
			int64_t m = after - (after % MINUTE_US + MINUTE_US) % MINUTE_US + MINUTE_US;
			for (; m < next; m += MINUTE_US)
				if (dn_cron_matches(c, m))
					abort(); /* a fire time was skipped */
		}
		after = next;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	if (n > 4096)
		return 0;
	char *s = dn_malloc(n + 1);
	if (!s)
		return 0;
	memcpy(s, d, n);
	s[n] = 0;
	struct dn_cron c;
	struct dn_error err;
	int rc = dn_cron_parse(&c, s, &err);
	if (rc < 0) {
		if (rc != DN_EPARSE || err.column < 1 || err.column > (int64_t)strlen(s) + 1 ||
		    !err.msg[0])
			abort();
		dn_free(s);
		return 0;
	}
	if (!c.minute || !c.hour || !c.mday || !c.month || !c.wday)
		abort();
	uint64_t h = dn_hash64(d, n, 7);
	const int64_t base = INT64_C(1704067200) * DN_USEC_PER_SEC; /* 2024-01-01T00:00Z */
	int64_t starts[4] = {
		base + (int64_t)(h % (UINT64_C(20) * 366 * 86400)) * DN_USEC_PER_SEC,
		INT64_C(1710050400) * DN_USEC_PER_SEC, /* 2024-03-10T06:00Z, 01:00 EST */
		INT64_C(1730611800) * DN_USEC_PER_SEC, /* 2024-11-03T05:30Z, 01:30 EDT */
		INT64_C(1730615700) * DN_USEC_PER_SEC, /* 2024-11-03T06:35Z, 01:35 EST */
	};
	for (int i = 0; i < 4; i++) {
		check_one(&c, NULL, starts[i]);
		check_one(&c, new_york(), starts[i]);
	}
	dn_free(s);
	return 0;
}
