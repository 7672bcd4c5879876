/* The `quality` and `profile` task types: a suite (or a profile) run inside a pipeline.
 *
 * A quality task runs its suite on its target, writes the JSON and HTML reports of the run
 * under the project's report folder, records every observed value in the metadata store's
 * history and the reports in its index, and fails when an error-level check fails, so its
 * downstream tasks do not run on data that broke the contract (warn-level failures only show
 * in the report). A profile task profiles its source and writes the same two reports.
 *
 * Reports go to REPORTS/quality/PIPELINE/TASK/RUN_ID.{json,html} (REPORTS is the `reports`
 * param, default .dunya/reports under the project) and REPORTS/index.html lists every report
 * the metadata store knows, newest first. */
#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>

#include "../pipeline/pipeline.h"
#include "../store/store.h"
#include "quality_int.h"

static int mkdirs(const char *path, struct dn_error *err)
{
	char buf[4096];
	snprintf(buf, sizeof buf, "%s", path);
	for (char *p = buf + 1;; p++) {
		if (*p && *p != '/')
			continue;
		char c = *p;
		*p = 0;
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return dn_error_set(err, DN_EIO, "cannot create %s: %s", buf,
					    strerror(errno));
		*p = c;
		if (!c)
			break;
	}
	return 0;
}

/* A run id as a file name: anything but [A-Za-z0-9._-] becomes '_'. */
static void file_name(const char *s, struct dn_buf *out)
{
	for (; *s; s++) {
		char ch = *s;
		int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			 (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' || ch == '_';
		dn_buf_putc(out, ok ? ch : '_', NULL);
	}
}

static void html_text(FILE *f, const char *s)
{
	for (; s && *s; s++)
		if (*s == '<')
			fputs("&lt;", f);
		else if (*s == '&')
			fputs("&amp;", f);
		else if (*s == '"')
			fputs("&quot;", f);
		else
			fputc(*s, f);
}

/* REPORTS/index.html from the metadata store's list. Links are relative to REPORTS. */
static int write_index(struct dn_meta *m, const char *dir, struct dn_error *err)
{
	struct dn_meta_quality_report *rows = NULL;
	int n = 0;
	struct dn_buf p = DN_BUF_INIT;
	struct dn_afile af;
	DN_TRY(dn_meta_quality_reports(m, 0, &rows, &n, err));
	dn_buf_printf(&p, NULL, "%s/index.html", dir);
	int rc = dn_afile_open(&af, p.data, err);
	if (rc < 0)
		goto out;
	FILE *f = af.fp;
	fputs("<!doctype html><html><head><meta charset=utf-8><title>dunya reports</title><style>"
	      "body{font:14px/1.4 system-ui,sans-serif;margin:2em}td,th{padding:4px 8px;"
	      "border-bottom:1px solid #ddd;text-align:left}table{border-collapse:collapse}"
	      ".pass{color:#1a7f37}.warn{color:#b08800}.fail{color:#cf222e}</style></head><body>"
	      "<h1>Reports</h1><table><tr><th>when</th><th>pipeline</th><th>task</th><th>run</th>"
	      "<th>suite</th><th>target</th><th>status</th><th>score</th><th>reports</th></tr>",
	      f);
	size_t dl = strlen(dir);
	for (int i = 0; i < n; i++) {
		char t[40];
		dn_timestamp_format(rows[i].at, t);
		const char *paths[2] = {rows[i].html_path, rows[i].json_path};
		fprintf(f, "<tr><td>%s</td><td>", t);
		html_text(f, rows[i].pipeline);
		fputs("</td><td>", f);
		html_text(f, rows[i].task);
		fputs("</td><td>", f);
		html_text(f, rows[i].run_id);
		fputs("</td><td>", f);
		html_text(f, rows[i].suite);
		fputs("</td><td>", f);
		html_text(f, rows[i].target);
		fprintf(f, "</td><td class=%s>%s</td><td>", rows[i].status, rows[i].status);
		if (!isnan(rows[i].score) && strcmp(rows[i].status, "profile"))
			fprintf(f, "%.0f%%", rows[i].score);
		fputs("</td><td>", f);
		for (int k = 0; k < 2; k++) {
			const char *q = paths[k];
			if (!strncmp(q, dir, dl) && q[dl] == '/')
				q += dl + 1;
			fputs("<a href=\"", f);
			html_text(f, q);
			fprintf(f, "\">%s</a> ", k ? "json" : "html");
		}
		fputs("</td></tr>", f);
	}
	fputs("</table></body></html>\n", f);
	rc = dn_afile_commit(&af, err);
out:
	dn_free(rows);
	dn_buf_release(&p);
	return rc;
}

struct report_paths {
	struct dn_buf dir, base, json, html;
};

static int report_paths(const struct dn_task_ctx *c, const char *kind, struct report_paths *rp,
			struct dn_error *err)
{
	struct dn_buf v = DN_BUF_INIT;
	int present;
	DN_TRY(dn_task_ctx_param(c, "reports", &v, &present, err));
	if (present && v.data[0] == '/')
		dn_buf_puts(&rp->dir, v.data, NULL);
	else
		dn_buf_printf(&rp->dir, NULL, "%s/%s", c->project->root,
			      present ? v.data : ".dunya/reports");
	dn_buf_release(&v);
	dn_buf_printf(&rp->base, NULL, "%s/%s/%s/%s", rp->dir.data, kind, c->pipeline->id,
		      c->task->id);
	DN_TRY(mkdirs(rp->base.data, err));
	dn_buf_putc(&rp->base, '/', NULL);
	file_name(c->run_id, &rp->base);
	dn_buf_printf(&rp->json, NULL, "%s.json", rp->base.data);
	dn_buf_printf(&rp->html, NULL, "%s.html", rp->base.data);
	return rp->html.data ? 0 : dn_error_set(err, DN_ENOMEM, "out of memory");
}

static void report_paths_release(struct report_paths *rp)
{
	dn_buf_release(&rp->dir);
	dn_buf_release(&rp->base);
	dn_buf_release(&rp->json);
	dn_buf_release(&rp->html);
}

static int open_source(const struct dn_task_ctx *c, const char *src, struct dn_reader **rd,
		       struct dn_error *err)
{
	struct dn_lake_options lo;
	dn_project_lake_options(c->project, &lo);
	return dn_quality_open_target(src, c->project->root, &lo, NULL, rd, err);
}

static int run_quality(const struct dn_task_ctx *c, char *why, size_t whylen, struct dn_error *err)
{
	struct dn_buf suite = DN_BUF_INIT, target = DN_BUF_INIT, conn = DN_BUF_INIT;
	struct dn_buf table = DN_BUF_INIT, quar = DN_BUF_INIT, now = DN_BUF_INIT, url = DN_BUF_INIT;
	struct dn_buf path = DN_BUF_INIT;
	struct report_paths rp = {DN_BUF_INIT, DN_BUF_INIT, DN_BUF_INIT, DN_BUF_INIT};
	struct dn_problems probs;
	struct dn_suite *s = NULL;
	struct dn_reader *rd = NULL;
	struct dn_wh *wh = NULL;
	struct dn_suite_result res;
	struct dn_check_options o;
	struct dn_lake_options lo;
	int p_suite, p_target, p_conn, p_table, p_quar, p_now, ok = -1;
	memset(&res, 0, sizeof res);
	dn_problems_init(&probs);
	dn_check_options_init(&o);
	dn_project_lake_options(c->project, &lo);
	if (dn_task_ctx_param(c, "suite", &suite, &p_suite, err) < 0 ||
	    dn_task_ctx_param(c, "target", &target, &p_target, err) < 0 ||
	    dn_task_ctx_param(c, "connection", &conn, &p_conn, err) < 0 ||
	    dn_task_ctx_param(c, "table", &table, &p_table, err) < 0 ||
	    dn_task_ctx_param(c, "quarantine", &quar, &p_quar, err) < 0 ||
	    dn_task_ctx_param(c, "now", &now, &p_now, err) < 0)
		goto out;
	if (!p_suite) {
		snprintf(why, whylen, "quality task needs the param 'suite'");
		ok = 0;
		goto out;
	}
	if (suite.data[0] != '/')
		dn_buf_printf(&path, NULL, "%s/", c->project->root);
	dn_buf_puts(&path, suite.data, NULL);
	if (dn_suite_load(&s, path.data, &probs, err) < 0) {
		if (probs.n) {
			char line[DN_ERROR_MSG_MAX];
			dn_problems_sort(&probs);
			for (size_t i = 0; i < probs.n; i++)
				dn_task_ctx_log(c, "%s",
						dn_problem_format(&probs.v[i], line, sizeof line));
			snprintf(why, whylen, "suite %s has %zu problem%s (see the log)",
				 suite.data, probs.n, probs.n == 1 ? "" : "s");
			dn_error_clear(err);
			ok = 0;
		}
		goto out;
	}
	const char *tgt = p_target ? target.data : s->target;
	const char *cn_name = p_conn ? conn.data : s->connection;
	const char *tbl = p_table ? table.data : s->table;
	if (p_now) {
		int64_t us;
		int k = dn_time_parse(now.data, now.len, &us);
		if (k <= 0) {
			snprintf(why, whylen, "now: '%s' is not an ISO date or timestamp",
				 now.data);
			ok = 0;
			goto out;
		}
		o.now_us = k == DN_TIME_DATE ? us * DN_USEC_PER_DAY : us;
	}
	o.base_dir = c->project->root;
	o.lake = &lo;
	o.meta = c->meta;
	o.history = 1;
	if (tbl) {
		const struct dn_conn *cn = cn_name ? dn_project_conn(c->project, cn_name) : NULL;
		if (!cn_name) {
			snprintf(why, whylen,
				 "table %s needs a connection (a task param or "
				 "`connection:` in the suite)",
				 tbl);
			ok = 0;
			goto out;
		}
		if (cn) {
			if (dn_conn_wh_url(c->project, cn, &url, err) < 0)
				goto out;
		} else {
			dn_buf_puts(&url, cn_name, NULL);
		}
		if (dn_wh_open(&wh, url.data, c->project->root, err) < 0)
			goto out;
		o.target = tbl;
	} else if (tgt) {
		if (open_source(c, tgt, &rd, err) < 0)
			goto out;
		o.target = tgt;
	} else {
		snprintf(why, whylen,
			 "no target: give `target` (or `connection` and `table`) in "
			 "the task or the suite");
		ok = 0;
		goto out;
	}
	const char *q = p_quar ? quar.data : s->quarantine;
	if (dn_suite_run(s, rd, wh, tbl, q, &o, &res, err) < 0)
		goto out;
	if (report_paths(c, "quality", &rp, err) < 0)
		goto out;
	for (int k = 0; k < 2; k++) {
		struct dn_afile af;
		if (dn_afile_open(&af, k ? rp.html.data : rp.json.data, err) < 0)
			goto out;
		if ((k ? dn_check_write_html(&res, af.fp, err) :
			 dn_check_write_json(&res, af.fp, err)) < 0) {
			dn_afile_abort(&af);
			goto out;
		}
		if (dn_afile_commit(&af, err) < 0)
			goto out;
	}
	struct dn_meta_quality_report qr;
	memset(&qr, 0, sizeof qr);
	qr.suite = s->name;
	qr.target = res.target;
	qr.at = res.at;
	qr.status = res.failed ? "fail" : res.warned ? "warn" : "pass";
	qr.score = res.overall;
	qr.json_path = rp.json.data;
	qr.html_path = rp.html.data;
	qr.pipeline = c->pipeline->id;
	qr.task = c->task->id;
	qr.run_id = c->run_id;
	if (dn_meta_quality_report_add(c->meta, &qr, err) < 0 ||
	    write_index(c->meta, rp.dir.data, err) < 0)
		goto out;
	for (int i = 0; i < res.nresults; i++) {
		const struct dn_check_result *cr = &res.results[i];
		dn_task_ctx_log(c, "%s %s%s%s%s%s", dn_check_status_name(cr->status),
				cr->check->name, cr->observed[0] ? ": " : "", cr->observed,
				cr->message[0] && cr->status ? " - " : "",
				cr->status ? cr->message : "");
	}
	dn_task_ctx_log(c, "report: %s", rp.html.data);
	dn_task_ctx_log(c, "::output passed=%d", res.passed);
	dn_task_ctx_log(c, "::output warned=%d", res.warned);
	dn_task_ctx_log(c, "::output failed=%d", res.failed);
	dn_task_ctx_log(c, "::output report=%s", rp.html.data);
	if (res.quarantined)
		dn_task_ctx_log(c, "::output quarantined=%lld", (long long)res.quarantined);
	if (res.failed) {
		struct dn_buf names = DN_BUF_INIT;
		for (int i = 0; i < res.nresults; i++)
			if (res.results[i].status == DN_CHECK_FAIL)
				dn_buf_printf(&names, NULL, "%s%s", names.len ? ", " : "",
					      res.results[i].check->name);
		snprintf(why, whylen, "%d error-level check%s failed on %s: %s", res.failed,
			 res.failed == 1 ? "" : "s", res.target, names.data ? names.data : "");
		dn_buf_release(&names);
		ok = 0;
	} else {
		ok = 1;
	}
out:
	dn_suite_result_release(&res);
	dn_reader_free(rd);
	dn_wh_close(wh);
	dn_suite_free(s);
	dn_problems_release(&probs);
	report_paths_release(&rp);
	dn_buf_release(&suite);
	dn_buf_release(&target);
	dn_buf_release(&conn);
	dn_buf_release(&table);
	dn_buf_release(&quar);
	dn_buf_release(&now);
	dn_buf_release(&url);
	dn_buf_release(&path);
	return ok;
}

static int run_profile(const struct dn_task_ctx *c, char *why, size_t whylen, struct dn_error *err)
{
	struct dn_buf src = DN_BUF_INIT;
	struct report_paths rp = {DN_BUF_INIT, DN_BUF_INIT, DN_BUF_INIT, DN_BUF_INIT};
	struct dn_reader *rd = NULL;
	struct dn_profile *p = NULL;
	struct dn_batch *b;
	const struct dn_profile_result *res;
	int present, ok = -1, k;
	if (dn_task_ctx_param(c, "source", &src, &present, err) < 0)
		goto out;
	if (!present) {
		snprintf(why, whylen, "profile task needs the param 'source'");
		ok = 0;
		goto out;
	}
	if (open_source(c, src.data, &rd, err) < 0 || dn_profile_new(&p, NULL, err) < 0)
		goto out;
	while ((k = dn_reader_next(rd, &b, err)) > 0) {
		int e = dn_profile_add(p, b, err);
		dn_batch_free(b);
		if (e < 0)
			goto out;
	}
	if (k < 0 || dn_profile_finish(p, &res, err) < 0 ||
	    report_paths(c, "profile", &rp, err) < 0)
		goto out;
	for (int i = 0; i < 2; i++) {
		struct dn_afile af;
		if (dn_afile_open(&af, i ? rp.html.data : rp.json.data, err) < 0)
			goto out;
		if ((i ? dn_profile_write_html(res, src.data, af.fp, err) :
			 dn_profile_write_json(res, src.data, af.fp, err)) < 0) {
			dn_afile_abort(&af);
			goto out;
		}
		if (dn_afile_commit(&af, err) < 0)
			goto out;
	}
	struct dn_meta_quality_report qr;
	memset(&qr, 0, sizeof qr);
	qr.suite = "profile";
	qr.target = src.data;
	qr.at = dn_now_us();
	qr.status = "profile";
	qr.score = NAN;
	qr.json_path = rp.json.data;
	qr.html_path = rp.html.data;
	qr.pipeline = c->pipeline->id;
	qr.task = c->task->id;
	qr.run_id = c->run_id;
	if (dn_meta_quality_report_add(c->meta, &qr, err) < 0 ||
	    write_index(c->meta, rp.dir.data, err) < 0)
		goto out;
	dn_task_ctx_log(c, "profiled %lld rows of %s: %s", (long long)res->rows, src.data,
			rp.html.data);
	dn_task_ctx_log(c, "::output rows=%lld", (long long)res->rows);
	dn_task_ctx_log(c, "::output report=%s", rp.html.data);
	ok = 1;
out:
	dn_profile_free(p);
	dn_reader_free(rd);
	report_paths_release(&rp);
	dn_buf_release(&src);
	return ok;
}

/* `dunya validate`: the suite must exist and parse; its problems are reported at their place
 * in the suite file. */
static void check_quality(const struct dn_task_check *c)
{
	const struct dn_yaml_node *suite = dn_task_check_string(c, "suite", 1);
	dn_task_check_string(c, "target", 0);
	dn_task_check_string(c, "connection", 0);
	dn_task_check_string(c, "table", 0);
	dn_task_check_string(c, "quarantine", 0);
	dn_task_check_string(c, "reports", 0);
	if (!suite || !c->project || strstr(suite->str, "{{"))
		return;
	struct dn_buf path = DN_BUF_INIT;
	struct dn_suite *s = NULL;
	struct dn_error e;
	dn_error_clear(&e);
	if (suite->str[0] != '/')
		dn_buf_printf(&path, NULL, "%s/", c->project->root);
	dn_buf_puts(&path, suite->str, NULL);
	struct dn_buf text = DN_BUF_INIT;
	if (dn_read_file(path.data, &text, DN_YAML_MAX_BYTES + 1, &e) < 0) {
		dn_task_check_problem(c, suite, "suite '%s' not found", dn_yaml_shown(suite));
	} else if (dn_suite_parse(&s, suite->str, text.data ? text.data : "", text.len, c->problems,
				  &e) < 0 &&
		   e.code != DN_EPARSE) {
		dn_task_check_problem(c, suite, "suite %s: %s", suite->str, e.msg);
	}
	dn_suite_free(s);
	dn_buf_release(&text);
	dn_buf_release(&path);
}

static void check_profile(const struct dn_task_check *c)
{
	dn_task_check_string(c, "source", 1);
	dn_task_check_string(c, "reports", 0);
}

static const char *const quality_params[] = {"suite",      "target",  "connection", "table",
					     "quarantine", "reports", "now",        NULL};
static const char *const profile_params[] = {"source", "reports", NULL};

static const struct dn_task_type quality_type =
	{"quality", "runs a quality suite; error-level failures fail the task", quality_params,
	 check_quality, run_quality};
static const struct dn_task_type profile_type =
	{"profile", "profiles a file or dataset into JSON and HTML reports", profile_params,
	 check_profile, run_profile};

int dn_quality_register_tasks(struct dn_error *err)
{
	if (!dn_task_type_find("quality"))
		DN_TRY(dn_task_type_register(&quality_type, err));
	if (!dn_task_type_find("profile"))
		DN_TRY(dn_task_type_register(&profile_type, err));
	return 0;
}
