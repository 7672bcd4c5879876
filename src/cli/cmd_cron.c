/* `dunya cron`: print the next fire times of a cron schedule in a time zone, so a user can check
 * a pipeline's schedule (and its behaviour around daylight-saving changes) before deploying it.
 * Parsing and the search live in the pipeline module; this file reads arguments and prints. */
#include <stdlib.h>
#include <string.h>

#include "../pipeline/pipeline.h"
#include "cli.h"

#define CRON_MAX_N 100000

/* Does ISO text carry its own UTC offset (Z or +-hh...) after the date? */
static int has_offset(const char *s)
{
	size_t n = strlen(s);
	for (size_t i = 10; i < n; i++)
		if (s[i] == 'Z' || s[i] == 'z' || s[i] == '+' || s[i] == '-')
			return 1;
	return 0;
}

/* --from: an instant with an offset, or a local date/time in tz. */
static int parse_from(const char *s, const struct dn_tz *tz, int64_t *out)
{
	int64_t v;
	int kind = dn_time_parse(s, strlen(s), &v);
	if (kind < 0)
		return dn_cli_usage(NULL,
				    "--from takes an ISO-8601 date or time such as 2024-03-10, "
				    "2024-03-10T09:00 or 2024-03-10T09:00:00-05:00, not '%s'",
				    s);
	if (kind == DN_TIME_DATE) {
		v *= DN_USEC_PER_DAY; /* local midnight */
	} else if (has_offset(s)) {
		*out = v;
		return 0;
	}
	/* Wall-clock time in the zone: a time in a gap starts where the gap ends, a repeated
	 * one at its first occurrence. */
	dn_tz_local_to_utc(tz, v, out, NULL);
	return 0;
}

static int cron_run(int argc, char **argv)
{
	const char *expr = NULL, *from = NULL, *zone = "UTC";
	int64_t n = 5;
	struct dn_error err;
	struct dn_tz *tz = NULL;
	struct dn_cron c;
	int rc = 0;
	dn_error_clear(&err);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-n")) {
			if (i + 1 >= argc ||
			    dn_parse_i64(argv[i + 1], strlen(argv[i + 1]), &n) < 0 || n < 1 ||
			    n > CRON_MAX_N)
				return dn_cli_usage(NULL, "-n takes a number from 1 to %d",
						    CRON_MAX_N);
			i++;
		} else if (!strcmp(a, "--from") || !strcmp(a, "--tz")) {
			if (i + 1 >= argc)
				return dn_cli_usage(NULL, "%s needs a value", a);
			if (a[2] == 'f')
				from = argv[++i];
			else
				zone = argv[++i];
		} else if (!strcmp(a, "--")) {
			if (i + 1 < argc && !expr)
				expr = argv[++i];
			if (i + 1 < argc)
				return dn_cli_usage(NULL, "one expression only ('%s' is extra)",
						    argv[i + 1]);
			break;
		} else if (a[0] == '-' && a[1]) {
			return dn_cli_usage(NULL, "unknown option '%s'", a);
		} else if (expr) {
			return dn_cli_usage(NULL,
					    "one expression only ('%s' is extra); quote it: "
					    "dunya cron \"0 9 * * 1-5\"",
					    a);
		} else {
			expr = a;
		}
	}
	if (!expr)
		return dn_cli_usage(NULL, "name a schedule, e.g. dunya cron \"0 9 * * 1-5\"");
	if (dn_cron_parse(&c, expr, &err) < 0)
		return dn_cli_error(&err);
	if (dn_tz_load(&tz, zone, &err) < 0)
		return dn_cli_error(&err);
	int64_t t = dn_now_us();
	if (from && (rc = parse_from(from, tz, &t)) != 0)
		goto out;
	for (int64_t k = 0; k < n; k++) {
		char line[DN_TZ_FORMAT_MAX];
		if (dn_cron_next(&c, tz, t, &t, &err) < 0) {
			rc = dn_cli_error(&err);
			goto out;
		}
		dn_tz_format(tz, t, line);
		puts(line);
	}
out:
	dn_tz_free(tz);
	return rc;
}

static void cron_help(FILE *out)
{
	fprintf(out,
		"usage: dunya cron \"EXPR\" [--from TIME] [--tz ZONE] [-n N]\n"
		"\n"
		"Print the next N (default 5) times a cron schedule fires after TIME, one per\n"
		"line, in ISO-8601 with the zone's UTC offset (2024-03-10T03:00:00-04:00).\n"
		"\n"
		"EXPR is five fields, minute hour day-of-month month day-of-week, each *, N,\n"
		"A-B, */S, A-B/S, A/S or a comma list of those; JAN-DEC and SUN-SAT (7 is also\n"
		"Sunday); or @hourly, @daily (@midnight), @weekly, @monthly, @yearly (@annually).\n"
		"When both day fields are restricted, a day matches if either does.\n"
		"\n"
		"options:\n"
		"  --tz ZONE    evaluate in this IANA time zone (default UTC), e.g. Europe/Paris\n"
		"  --from TIME  start after TIME (default now): 2024-03-10 or\n"
		"               2024-03-10T09:00 (wall clock in ZONE), or an instant:\n"
		"               2024-03-10T09:00:00Z, 2024-03-10T09:00:00-05:00\n"
		"  -n N         how many times to print (default 5)\n"
		"\n"
		"Daylight saving: a time skipped when clocks spring forward fires when the gap\n"
		"ends (02:30 -> 03:00); a time repeated when they fall back fires once, the first\n"
		"time. See docs/pipelines.md.\n");
}

const struct dn_cmd dn_cmd_cron = {"cron", "print the next fire times of a cron schedule", cron_run,
				   cron_help};
