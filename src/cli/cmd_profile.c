/* `dunya profile`: read a file once and print its profile (per-column statistics,
 * correlations, duplicates, alerts) as text or JSON, and optionally as an HTML page. The work
 * is in quality/; this file parses options and picks the report. */
#include <stdlib.h>
#include <string.h>

#include "../quality/quality.h"
#include "cli.h"

static int parse_count(const char *opt, const char *v, int64_t *out)
{
	if (dn_parse_i64(v, strlen(v), out) < 0 || *out < 0)
		return dn_cli_usage("profile", "%s takes a non-negative number, not '%s'", opt, v);
	return 0;
}

static int profile_run(int argc, char **argv)
{
	struct dn_cli_read o;
	struct dn_profile_options po;
	const char *path = NULL, *html = NULL;
	int json = 0, rc = 0, k;
	int64_t v;
	struct dn_reader *r = NULL;
	struct dn_profile *p = NULL;
	struct dn_error err;
	struct dn_batch *b;
	const struct dn_profile_result *res;
	dn_error_clear(&err);
	dn_cli_read_init(&o);
	dn_profile_options_init(&po);
	for (int i = 1; i < argc; i++) {
		int opt = dn_cli_read_option(&o, argc, argv, &i);
		if (opt < 0) {
			rc = DN_EXIT_USAGE;
			goto out;
		}
		if (opt > 0)
			continue;
		const char *a = argv[i];
		int has = i + 1 < argc;
		if (!strcmp(a, "--json")) {
			json = 1;
		} else if (!strcmp(a, "--html") || !strcmp(a, "--target") ||
			   !strcmp(a, "--exact-rows") || !strcmp(a, "--exact-distinct")) {
			if (!has) {
				rc = dn_cli_usage("profile", "%s needs a value", a);
				goto out;
			}
			const char *val = argv[++i];
			if (!strcmp(a, "--html")) {
				html = val;
			} else if (!strcmp(a, "--target")) {
				po.target = val;
			} else {
				if ((rc = parse_count(a, val, &v)) != 0)
					goto out;
				if (!strcmp(a, "--exact-rows"))
					po.exact_rows = v;
				else
					po.exact_distinct = v ? v : 1;
			}
		} else if (a[0] == '-' && a[1]) {
			rc = dn_cli_usage("profile", "unknown option '%s'", a);
			goto out;
		} else if (path) {
			rc = dn_cli_usage("profile", "one input file only ('%s' is extra)", a);
			goto out;
		} else {
			path = a;
		}
	}
	if (!path) {
		rc = dn_cli_usage("profile", "name an input file (or - for standard input)");
		goto out;
	}
	int64_t t0 = dn_monotonic_us();
	if ((rc = dn_cli_open_reader(&o, path, &r)) != 0)
		goto out;
	if (po.target && dn_schema_find(dn_reader_schema(r), po.target) < 0) {
		rc = dn_cli_usage("profile", "--target: %s has no column '%s'", path, po.target);
		goto out;
	}
	if (dn_profile_new(&p, &po, &err) < 0)
		goto fail;
	while ((k = dn_reader_next(r, &b, &err)) > 0) {
		int e = dn_profile_add(p, b, &err);
		dn_batch_free(b);
		if (e < 0)
			goto fail;
	}
	if (k < 0 || dn_profile_finish(p, &res, &err) < 0)
		goto fail;
	dn_cli_summary(r, dn_monotonic_us() - t0);
	if (html) {
		struct dn_afile af;
		if (dn_afile_open(&af, html, &err) < 0)
			goto fail;
		if (dn_profile_write_html(res, path, af.fp, &err) < 0) {
			dn_afile_abort(&af);
			goto fail;
		}
		if (dn_afile_commit(&af, &err) < 0)
			goto fail;
	}
	if ((json ? dn_profile_write_json(res, path, stdout, &err) :
		    dn_profile_write_text(res, path, stdout, &err)) < 0)
		goto fail;
	goto out;
fail:
	rc = dn_cli_error(&err);
out:
	dn_profile_free(p);
	dn_reader_free(r);
	dn_cli_read_release(&o);
	return rc;
}

static void profile_help(FILE *out)
{
	fprintf(out,
		"usage: dunya profile FILE [--json] [--html OUT.html] [--target COL] [options]\n\n"
		"Read FILE once and print, per column, its type, count, missing, distinct values,\n"
		"min, max, mean, std, skewness, quantiles, histogram, most frequent values,\n"
		"string lengths and patterns; Pearson and Spearman correlations between numeric\n"
		"columns, Cramér's V between categorical ones; duplicate rows; and alerts.\n"
		"docs/quality.md defines each statistic.\n\n"
		"  --json                 print the profile as JSON instead of text\n"
		"  --html OUT.html        also write a self-contained HTML report\n"
		"  --target COL           test every column's association with COL (Welch,\n"
		"                         Mann-Whitney, KS, ANOVA, chi-square, Pearson, with\n"
		"                         p-values) and rank the columns by effect size\n"
		"  --exact-rows N         rows kept for exact quantiles, Spearman, duplicates,\n"
		"                         and numbers' distinct values (default 2000000);\n"
		"                         beyond, quantiles are estimated\n"
		"  --exact-distinct N     distinct values counted exactly per string column,\n"
		"                         and per numeric column beyond --exact-rows\n"
		"                         (default 65536); beyond, they are estimated\n\n");
	dn_cli_read_help(out);
}

const struct dn_cmd dn_cmd_profile = {"profile", "profile a file: statistics, alerts", profile_run,
				      profile_help};
