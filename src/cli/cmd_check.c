/* `dunya check`: run a quality suite on a target ad hoc and print the result; exit 1 when an
 * error-level check fails. The target is a file, URL or lake:ZONE/NAME read in one pass, or a
 * warehouse table (`sqlite://...` or `postgres://...` with --table) checked by SQL in the
 * database. Inside a project, results go to the metadata store's history (which anomaly checks
 * and the charts read). The work is in quality/. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../pipeline/pipeline.h"
#include "../quality/quality.h"
#include "../store/store.h"
#include "cli.h"

static int is_wh_url(const char *s)
{
	return !strncmp(s, "sqlite://", 9) || !strncmp(s, "postgres://", 11) ||
	       !strncmp(s, "postgresql://", 13);
}

static int write_file(const char *path, const struct dn_suite_result *res, int html,
		      struct dn_error *err)
{
	struct dn_afile af;
	DN_TRY(dn_afile_open(&af, path, err));
	if ((html ? dn_check_write_html(res, af.fp, err) : dn_check_write_json(res, af.fp, err)) <
	    0) {
		dn_afile_abort(&af);
		return err->code;
	}
	return dn_afile_commit(&af, err);
}

static int check_run(int argc, char **argv)
{
	struct dn_cli_read o;
	const char *target = NULL, *suite_path = NULL, *html = NULL, *json_out = NULL;
	const char *table = NULL, *quarantine = NULL, *now = NULL;
	int json = 0, no_history = 0, rc = 0;
	struct dn_error err;
	struct dn_problems probs;
	struct dn_suite *s = NULL;
	struct dn_reader *r = NULL;
	struct dn_wh *wh = NULL;
	struct dn_meta *meta = NULL;
	struct dn_project *proj = NULL;
	struct dn_suite_result res;
	struct dn_check_options co;
	struct dn_lake_options lo;
	struct dn_buf url = DN_BUF_INIT;
	char *root = NULL;
	memset(&res, 0, sizeof res);
	dn_error_clear(&err);
	dn_problems_init(&probs);
	dn_cli_read_init(&o);
	dn_check_options_init(&co);
	for (int i = 1; i < argc; i++) {
		int opt = dn_cli_read_option(&o, argc, argv, &i);
		if (opt < 0) {
			rc = DN_EXIT_USAGE;
			goto out;
		}
		if (opt > 0)
			continue;
		const char *a = argv[i];
		if (!strcmp(a, "--json")) {
			json = 1;
		} else if (!strcmp(a, "--no-history")) {
			no_history = 1;
		} else if (!strcmp(a, "--suite") || !strcmp(a, "--html") ||
			   !strcmp(a, "--report") || !strcmp(a, "--table") ||
			   !strcmp(a, "--quarantine") || !strcmp(a, "--now")) {
			if (i + 1 >= argc) {
				rc = dn_cli_usage("check", "%s needs a value", a);
				goto out;
			}
			const char *v = argv[++i];
			if (!strcmp(a, "--suite"))
				suite_path = v;
			else if (!strcmp(a, "--html"))
				html = v;
			else if (!strcmp(a, "--report"))
				json_out = v;
			else if (!strcmp(a, "--table"))
				table = v;
			else if (!strcmp(a, "--quarantine"))
				quarantine = v;
			else
				now = v;
		} else if (a[0] == '-' && a[1]) {
			rc = dn_cli_usage("check", "unknown option '%s'", a);
			goto out;
		} else if (target) {
			rc = dn_cli_usage("check", "one target only ('%s' is extra)", a);
			goto out;
		} else {
			target = a;
		}
	}
	if (!suite_path) {
		rc = dn_cli_usage("check", "name the suite with --suite FILE");
		goto out;
	}
	if (now) {
		int64_t us;
		int k = dn_time_parse(now, strlen(now), &us);
		if (k <= 0) {
			rc = dn_cli_usage("check", "--now: '%s' is not an ISO date or timestamp",
					  now);
			goto out;
		}
		co.now_us = k == DN_TIME_DATE ? us * DN_USEC_PER_DAY : us;
	}
	if (dn_suite_load(&s, suite_path, &probs, &err) < 0) {
		char line[DN_ERROR_MSG_MAX + 300];
		if (!probs.n) {
			rc = dn_cli_error(&err);
			goto out;
		}
		dn_problems_sort(&probs);
		for (size_t k = 0; k < probs.n; k++)
			fprintf(stderr, "dunya: error: %s\n",
				dn_problem_format(&probs.v[k], line, sizeof line));
		rc = DN_EXIT_USAGE;
		goto out;
	}
	if (!target)
		target = s->target ? s->target : s->connection;
	if (!target) {
		rc = dn_cli_usage("check",
				  "name a target (a file, lake:ZONE/NAME, a URL, or a warehouse "
				  "URL with --table), here or as `target:` in the suite");
		goto out;
	}
	if (!quarantine)
		quarantine = s->quarantine;
	/* Inside a project: its lake, its connections, and its metadata store for history. */
	dn_lake_options_init(&lo);
	if (dn_project_find(dn_cli_project, &root, &err) == 0 &&
	    dn_project_load(&proj, root, &probs, &err) == 0) {
		dn_project_lake_options(proj, &lo);
		co.lake = &lo;
		if (!no_history) {
			struct dn_buf mp = DN_BUF_INIT;
			dn_buf_printf(&mp, NULL, "%s/.dunya", root);
			mkdir(mp.data, 0755);
			dn_buf_puts(&mp, "/meta.db", NULL);
			int e = dn_meta_open(&meta, mp.data, &err);
			dn_buf_release(&mp);
			if (e < 0)
				goto fail;
			co.meta = meta;
			co.history = 1;
		}
		const struct dn_conn *cn = dn_project_conn(proj, target);
		if (cn) {
			if (dn_conn_wh_url(proj, cn, &url, &err) < 0)
				goto fail;
			target = url.data;
		}
	} else if (dn_cli_project) {
		goto fail;
	}
	dn_error_clear(&err);
	/* The suite's table applies to a warehouse target, not to a file named here. */
	if (!table && is_wh_url(target))
		table = s->table;
	co.target = table ? table : target;
	if (is_wh_url(target)) {
		if (!table) {
			rc = dn_cli_usage("check",
					  "a warehouse target needs --table (or `table:` in "
					  "the suite)");
			goto out;
		}
		if (dn_wh_open(&wh, target, proj ? proj->root : NULL, &err) < 0)
			goto fail;
	} else {
		if (table) {
			rc = dn_cli_usage("check",
					  "--table goes with a warehouse URL (sqlite://... "
					  "or postgres://...)");
			goto out;
		}
		if ((rc = dn_cli_open_reader(&o, target, &r)) != 0)
			goto out;
	}
	int64_t t0 = dn_monotonic_us();
	if (dn_suite_run(s, r, wh, table, quarantine, &co, &res, &err) < 0)
		goto fail;
	if (r)
		dn_cli_summary(r, dn_monotonic_us() - t0);
	if (html && write_file(html, &res, 1, &err) < 0)
		goto fail;
	if (json_out && write_file(json_out, &res, 0, &err) < 0)
		goto fail;
	if ((json ? dn_check_write_json(&res, stdout, &err) :
		    dn_check_write_text(&res, stdout, &err)) < 0)
		goto fail;
	fflush(stdout);
	rc = res.failed ? DN_EXIT_DATA : DN_EXIT_OK;
	goto out;
fail:
	rc = dn_cli_error(&err);
out:
	dn_suite_result_release(&res);
	dn_reader_free(r);
	dn_wh_close(wh);
	dn_meta_close(meta);
	dn_project_free(proj);
	dn_free(root);
	dn_buf_release(&url);
	dn_suite_free(s);
	dn_problems_release(&probs);
	dn_cli_read_release(&o);
	return rc;
}

static void check_help(FILE *out)
{
	fprintf(out,
		"usage: dunya check [TARGET] --suite FILE [--json] [--html OUT.html]\n"
		"                   [--report OUT.json] [--quarantine FILE|lake:ZONE/NAME]\n"
		"                   [--table TABLE] [--now TIME] [--no-history] [options]\n\n"
		"Run the checks of a quality suite on TARGET and print one line per check;\n"
		"exit 1 when a check of severity error fails (warn-level failures only warn).\n"
		"TARGET is a file, lake:ZONE/NAME, a URL, or a warehouse (sqlite://PATH,\n"
		"postgres://..., or a project connection) with --table, where the checks run as\n"
		"SQL in the database. Without TARGET the suite's `target:` (or `connection:` and\n"
		"`table:`) is used. docs/quality.md lists every check.\n\n"
		"  --suite FILE           the suite (YAML)\n"
		"  --json                 print the JSON report instead of text\n"
		"  --html OUT.html        also write a self-contained HTML report\n"
		"  --report OUT.json      also write the JSON report to a file\n"
		"  --quarantine DEST      write failing rows to a file or a lake dataset\n"
		"  --table TABLE          the warehouse table to check\n"
		"  --now TIME             judge freshness against TIME instead of the clock\n"
		"  --no-history           do not read or record history in the project\n\n");
	dn_cli_read_help(out);
}

const struct dn_cmd dn_cmd_check = {"check", "run a quality suite on a file, dataset or table",
				    check_run, check_help};
