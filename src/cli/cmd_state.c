/* The run-state commands: `dunya runs`, `status`, `logs`, `pause`, `unpause` and `backfill`.
 * They read and write the metadata store (.dunya/meta.db) of the project found like `dunya run`
 * finds it; `backfill` also runs pipelines, one data interval after another, through
 * dn_run_execute, so a backfilled interval is recorded exactly like any other run.
 *
 * The reading commands (runs, status, logs) never create the store: a project that has not run
 * anything yet has no .dunya/meta.db, and they say so instead of leaving an empty database
 * behind. pause, unpause and backfill create it when missing, as `dunya run` does.
 *
 * Times in listings are UTC ("2024-01-31T00:00:00Z", to the second), the form run ids use, so
 * the rows of pipelines in different zones compare at a glance; backfill prints each interval
 * in its pipeline's zone, the zone its schedule is written in. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../pipeline/pipeline.h"
#include "cli.h"

#define RUNS_DEFAULT 20
#define RUNS_MAX 1000000
#define BACKFILL_MAX_INTERVALS 10000
#define TRY_MAX 1000000

/* ---- shared helpers ---- */

/* A table printed with columns aligned by their widest cell (two spaces apart; the last column
 * is not padded). Cells are copies; an allocation failure is remembered and reported once. */
struct table {
	int ncols;
	char **cells; /* row-major */
	size_t n, cap;
	int nomem;
};

static void table_add(struct table *t, const char *s)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 64;
		char **nc = dn_realloc(t->cells, cap * sizeof *nc);
		if (!nc) {
			t->nomem = 1;
			return;
		}
		t->cells = nc;
		t->cap = cap;
	}
	char *c = dn_strdup(s ? s : "-");
	if (!c) {
		t->nomem = 1;
		return;
	}
	t->cells[t->n++] = c;
}

/* Display width: UTF-8 code points (task ids may hold any letters). */
static int width(const char *s)
{
	int w = 0;
	for (; *s; s++)
		w += ((unsigned char)*s & 0xC0) != 0x80;
	return w;
}

static int table_print(struct table *t)
{
	int w[16] = {0};
	if (t->nomem) {
		struct dn_error err;
		dn_error_set(&err, DN_ENOMEM, "out of memory building a table");
		return dn_cli_error(&err);
	}
	for (size_t i = 0; i < t->n; i++) {
		int c = (int)(i % (size_t)t->ncols), cw = width(t->cells[i]);
		if (cw > w[c])
			w[c] = cw;
	}
	for (size_t i = 0; i < t->n; i++) {
		int c = (int)(i % (size_t)t->ncols);
		if (c == t->ncols - 1)
			printf("%s\n", t->cells[i]);
		else
			printf("%s%*s  ", t->cells[i], w[c] - width(t->cells[i]), "");
	}
	return DN_EXIT_OK;
}

static void table_release(struct table *t)
{
	for (size_t i = 0; i < t->n; i++)
		dn_free(t->cells[i]);
	dn_free(t->cells);
	memset(t, 0, sizeof *t);
}

/* An instant as UTC to the second, "-" when unset (0). out needs 40 bytes. */
static const char *fmt_time(int64_t us, char *out)
{
	if (!us)
		return "-";
	int64_t s = us / DN_USEC_PER_SEC - (us % DN_USEC_PER_SEC < 0);
	dn_timestamp_format(s * DN_USEC_PER_SEC, out);
	return out;
}

/* From start to end as "0.42s", "3m07s" or "2h05m"; "-" until both are known. */
static const char *fmt_duration(int64_t start, int64_t end, char *out, size_t n)
{
	if (!start || !end || end < start)
		return "-";
	int64_t us = end - start, s = us / DN_USEC_PER_SEC;
	if (s < 60)
		snprintf(out, n, "%.2fs", (double)us / 1e6);
	else if (s < 3600)
		snprintf(out, n, "%dm%02ds", (int)(s / 60), (int)(s % 60));
	else
		snprintf(out, n, "%" PRId64 "h%02dm", s / 3600, (int)(s / 60 % 60));
	return out;
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void json_time(int64_t us)
{
	char b[40];
	if (!us) {
		fputs("null", stdout);
		return;
	}
	dn_timestamp_format(us, b);
	json_str(b);
}

/* Open root/.dunya/meta.db. With create 0 a missing store is not an error: *m stays NULL. */
static int store_open(const char *root, int create, struct dn_meta **m, struct dn_error *err)
{
	struct dn_buf path = DN_BUF_INIT;
	struct stat sb;
	int rc = 0;
	*m = NULL;
	if ((rc = dn_buf_printf(&path, err, "%s/.dunya", root)) < 0)
		goto out;
	if (create && mkdir(path.data, 0755) < 0 && errno != EEXIST) {
		rc = dn_error_set(err, DN_EIO, "cannot create %s: %s", path.data, strerror(errno));
		goto out;
	}
	if ((rc = dn_buf_puts(&path, "/meta.db", err)) < 0)
		goto out;
	if (!create && stat(path.data, &sb) < 0 && errno == ENOENT)
		goto out;
	rc = dn_meta_open(m, path.data, err);
out:
	dn_buf_release(&path);
	return rc;
}

/* A loaded project, its root and the problems found loading it. */
struct proj {
	char *root;
	struct dn_project *p;
	struct dn_problems probs;
};

static int proj_load(struct proj *pj, struct dn_error *err)
{
	memset(pj, 0, sizeof *pj);
	dn_problems_init(&pj->probs);
	DN_TRY(dn_project_find(dn_cli_project, &pj->root, err));
	return dn_project_load(&pj->p, pj->root, &pj->probs, err);
}

static void proj_release(struct proj *pj)
{
	dn_project_free(pj->p);
	dn_problems_release(&pj->probs);
	dn_free(pj->root);
}

static struct dn_pipeline *proj_pipeline(struct proj *pj, const char *name)
{
	for (size_t i = 0; pj->p && i < pj->p->npipelines; i++)
		if (pj->p->pipelines[i]->id && !strcmp(pj->p->pipelines[i]->id, name))
			return pj->p->pipelines[i];
	return NULL;
}

static int unknown_pipeline(const char *name)
{
	struct dn_error err;
	dn_error_set(&err, DN_EUSAGE,
		     "no pipeline with id '%s' in this project (`dunya validate` lists them)",
		     name);
	return dn_cli_error(&err);
}

static int parse_count(const char *opt, const char *s, int64_t lo, int64_t hi, int64_t *out)
{
	if (!s || dn_parse_i64(s, strlen(s), out) < 0 || *out < lo || *out > hi)
		return dn_cli_usage(NULL, "%s takes a number from %" PRId64 " to %" PRId64, opt, lo,
				    hi);
	return 0;
}

/* ---- dunya runs ---- */

static int runs_run(int argc, char **argv)
{
	const char *name = NULL;
	int64_t n = RUNS_DEFAULT;
	int json = 0, rc = DN_EXIT_OK;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-n")) {
			if (parse_count("-n", i + 1 < argc ? argv[i + 1] : NULL, 1, RUNS_MAX, &n))
				return DN_EXIT_USAGE;
			i++;
		} else if (!strcmp(a, "--json")) {
			json = 1;
		} else if (a[0] == '-') {
			return dn_cli_usage(NULL, "unknown option '%s' (or a missing value)", a);
		} else if (name) {
			return dn_cli_usage(NULL, "one pipeline at a time ('%s' is extra)", a);
		} else {
			name = a;
		}
	}
	struct dn_error err;
	struct dn_meta *meta = NULL;
	struct dn_meta_run *rows = NULL;
	struct table t = {6, NULL, 0, 0, 0};
	char *root = NULL;
	int nrows = 0;
	dn_error_clear(&err);
	if (dn_project_find(dn_cli_project, &root, &err) < 0 ||
	    store_open(root, 0, &meta, &err) < 0 ||
	    (meta && dn_meta_runs_list(meta, name, (int)n, &rows, &nrows, &err) < 0)) {
		rc = dn_cli_error(&err);
		goto out;
	}
	if (!nrows) {
		if (!json)
			printf("no runs%s%s yet\n", name ? " of " : "", name ? name : "");
		goto out;
	}
	if (!json) {
		static const char *const head[] = {"run_id", "pipeline",       "kind",
						   "state",  "interval_start", "duration"};
		for (int c = 0; c < 6; c++)
			table_add(&t, head[c]);
	}
	for (int i = 0; i < nrows; i++) {
		const struct dn_meta_run *r = &rows[i];
		char tb[40], db[32];
		if (json) {
			fputs("{\"run_id\":", stdout);
			json_str(r->run_id);
			fputs(",\"pipeline\":", stdout);
			json_str(r->pipeline);
			fputs(",\"kind\":", stdout);
			json_str(r->kind);
			fputs(",\"state\":", stdout);
			json_str(dn_run_state_name(r->state));
			fputs(",\"interval_start\":", stdout);
			json_time(r->interval_start);
			fputs(",\"interval_end\":", stdout);
			json_time(r->interval_end);
			fputs(",\"started_at\":", stdout);
			json_time(r->started_at);
			fputs(",\"ended_at\":", stdout);
			json_time(r->ended_at);
			if (r->started_at && r->ended_at >= r->started_at)
				printf(",\"duration_s\":%.6f}\n",
				       (double)(r->ended_at - r->started_at) / 1e6);
			else
				fputs(",\"duration_s\":null}\n", stdout);
			continue;
		}
		table_add(&t, r->run_id);
		table_add(&t, r->pipeline);
		table_add(&t, r->kind);
		table_add(&t, dn_run_state_name(r->state));
		table_add(&t, fmt_time(r->interval_start, tb));
		table_add(&t, fmt_duration(r->started_at, r->ended_at, db, sizeof db));
	}
	if (!json)
		rc = table_print(&t);
out:
	table_release(&t);
	dn_free(rows);
	dn_meta_close(meta);
	dn_free(root);
	return rc;
}

static void runs_help(FILE *out)
{
	fprintf(out,
		"usage: dunya runs [PIPELINE] [-n N] [--json]\n\n"
		"List the latest N runs (default 20) of every pipeline, or of PIPELINE, newest\n"
		"data interval first: run id, pipeline, kind (manual, scheduled, backfill),\n"
		"state, start of the data interval (UTC) and duration. --json prints one object\n"
		"per line instead, with the interval's end and the start and end times in full.\n"
		"A project that has not run anything yet prints \"no runs yet\".\n");
}

const struct dn_cmd dn_cmd_runs = {"runs", "list the latest runs", runs_run, runs_help};

/* ---- dunya status ---- */

static void schedule_text(const struct dn_pipeline *pl, char *out, size_t n)
{
	if (pl->schedule_kind == DN_SCHEDULE_CRON && pl->timezone && strcmp(pl->timezone, "UTC"))
		snprintf(out, n, "%s (%s)", pl->schedule, pl->timezone);
	else if (pl->schedule_kind == DN_SCHEDULE_NONE)
		snprintf(out, n, "manual");
	else
		snprintf(out, n, "%s", pl->schedule ? pl->schedule : "-");
}

/* The pipeline's row of the status table; *last gets its latest run (*has_last 1) if any. */
static int status_row(struct dn_meta *meta, const struct dn_pipeline *pl, struct table *t,
		      struct dn_meta_run *last, int *has_last, struct dn_error *err)
{
	struct dn_meta_run *rows = NULL;
	int n = 0, paused = 0;
	char sched[300], tb[40];
	*has_last = 0;
	if (meta) {
		if ((paused = dn_meta_pipeline_paused(meta, pl->id, err)) < 0)
			return paused;
		DN_TRY(dn_meta_runs_list(meta, pl->id, 1, &rows, &n, err));
	}
	if (n) {
		*last = rows[0];
		*has_last = 1;
	}
	dn_free(rows);
	schedule_text(pl, sched, sizeof sched);
	table_add(t, pl->id);
	table_add(t, sched);
	table_add(t, paused ? "yes" : "no");
	table_add(t, n ? last->run_id : "-");
	table_add(t, n ? dn_run_state_name(last->state) : "-");
	table_add(t,
		  n ? fmt_time(last->started_at ? last->started_at : last->created_at, tb) : "-");
	return 0;
}

static int status_run(int argc, char **argv)
{
	const char *name = NULL;
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '-')
			return dn_cli_usage(NULL, "unknown option '%s'", argv[i]);
		if (name)
			return dn_cli_usage(NULL, "one pipeline at a time ('%s' is extra)",
					    argv[i]);
		name = argv[i];
	}
	struct dn_error err;
	struct proj pj;
	struct dn_meta *meta = NULL;
	struct dn_meta_task *tasks = NULL;
	struct table t = {6, NULL, 0, 0, 0}, tt = {4, NULL, 0, 0, 0};
	struct dn_meta_run last;
	int rc = DN_EXIT_OK, has_last = 0, ntasks = 0;
	dn_error_clear(&err);
	if (proj_load(&pj, &err) < 0 || store_open(pj.root, 0, &meta, &err) < 0) {
		rc = dn_cli_error(&err);
		goto out;
	}
	const struct dn_pipeline *one = name ? proj_pipeline(&pj, name) : NULL;
	if (name && !one) {
		rc = unknown_pipeline(name);
		goto out;
	}
	static const char *const head[] = {"pipeline", "schedule", "paused",
					   "last_run", "state",    "started"};
	for (int c = 0; c < 6; c++)
		table_add(&t, head[c]);
	for (size_t i = 0; i < pj.p->npipelines; i++) {
		const struct dn_pipeline *pl = pj.p->pipelines[i];
		if (!pl->id || (one && pl != one))
			continue;
		if (status_row(meta, pl, &t, &last, &has_last, &err) < 0) {
			rc = dn_cli_error(&err);
			goto out;
		}
	}
	if ((rc = table_print(&t)) != DN_EXIT_OK)
		goto out;
	if (pj.probs.n)
		fprintf(stderr, "dunya: note: the project has %zu problem%s (`dunya validate`)\n",
			pj.probs.n, pj.probs.n == 1 ? "" : "s");
	if (!one)
		goto out;
	if (!has_last) {
		printf("\nno runs of %s yet\n", name);
		goto out;
	}
	char sb[40], eb[40];
	printf("\nrun %s: %s, interval %s to %s\n", last.run_id, dn_run_state_name(last.state),
	       fmt_time(last.interval_start, sb), fmt_time(last.interval_end, eb));
	if (dn_meta_tasks_list(meta, last.id, &tasks, &ntasks, &err) < 0) {
		rc = dn_cli_error(&err);
		goto out;
	}
	static const char *const thead[] = {"task", "state", "try", "duration"};
	for (int c = 0; c < 4; c++)
		table_add(&tt, thead[c]);
	for (int i = 0; i < ntasks; i++) {
		char tries[32], db[32];
		snprintf(tries, sizeof tries, "%d/%d", tasks[i].try_number, tasks[i].max_tries);
		table_add(&tt, tasks[i].task);
		table_add(&tt, dn_ti_state_name(tasks[i].state));
		table_add(&tt, tries);
		table_add(&tt, fmt_duration(tasks[i].started_at, tasks[i].ended_at, db, sizeof db));
	}
	rc = table_print(&tt);
out:
	table_release(&t);
	table_release(&tt);
	dn_free(tasks);
	dn_meta_close(meta);
	proj_release(&pj);
	return rc;
}

static void status_help(FILE *out)
{
	fprintf(out,
		"usage: dunya status [PIPELINE]\n\n"
		"One line per pipeline of the project: its schedule (and time zone when not\n"
		"UTC), whether it is paused, and its latest run (newest data interval): run id,\n"
		"state and when it started (UTC). With PIPELINE, that pipeline's line and the\n"
		"task instances of its latest run: state, try / most tries, duration.\n");
}

const struct dn_cmd dn_cmd_status = {"status", "show pipelines, paused flags and latest runs",
				     status_run, status_help};

/* ---- dunya logs ---- */

static int copy_to_stdout(FILE *f, const char *shown, struct dn_error *err)
{
	char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		if (fwrite(buf, 1, n, stdout) != n)
			return dn_error_set(err, DN_EIO, "cannot write the log to stdout: %s",
					    strerror(errno));
	if (ferror(f))
		return dn_error_set(err, DN_EIO, "cannot read %s: %s", shown, strerror(errno));
	return 0;
}

static int logs_run(int argc, char **argv)
{
	const char *args[3] = {NULL, NULL, NULL};
	int nargs = 0;
	int64_t want_try = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--try")) {
			if (parse_count("--try", i + 1 < argc ? argv[i + 1] : NULL, 1, TRY_MAX,
					&want_try))
				return DN_EXIT_USAGE;
			i++;
		} else if (a[0] == '-') {
			return dn_cli_usage(NULL, "unknown option '%s' (or a missing value)", a);
		} else if (nargs == 3) {
			return dn_cli_usage(NULL, "PIPELINE RUN_ID TASK ('%s' is extra)", a);
		} else {
			args[nargs++] = a;
		}
	}
	if (nargs < 3)
		return dn_cli_usage(NULL, "name the PIPELINE, the RUN_ID (or latest) and the TASK");
	const char *name = args[0], *run_id = args[1], *task = args[2];
	struct dn_error err;
	struct dn_meta *meta = NULL;
	struct dn_meta_run *rows = NULL, run;
	struct dn_meta_task *tasks = NULL;
	struct dn_buf path = DN_BUF_INIT;
	char *root = NULL;
	FILE *f = NULL;
	int rc = DN_EXIT_OK, n = 0, found = 0;
	dn_error_clear(&err);
	if (dn_project_find(dn_cli_project, &root, &err) < 0 ||
	    store_open(root, 0, &meta, &err) < 0)
		goto fail;
	if (!meta) {
		dn_error_set(&err, DN_ENOTFOUND,
			     "no runs yet in this project (run one with `dunya "
			     "run PIPELINE`)");
		goto fail;
	}
	if (!strcmp(run_id, "latest")) {
		if (dn_meta_runs_list(meta, name, 1, &rows, &n, &err) < 0)
			goto fail;
		if ((found = n > 0))
			run = rows[0];
	} else if ((found = dn_meta_run_find(meta, name, run_id, &run, &err)) < 0) {
		goto fail;
	}
	if (!found) {
		if (!strcmp(run_id, "latest"))
			dn_error_set(&err, DN_ENOTFOUND, "pipeline %s has no runs", name);
		else
			dn_error_set(&err, DN_ENOTFOUND,
				     "pipeline %s has no run '%s' (`dunya runs %s` lists them)",
				     name, run_id, name);
		goto fail;
	}
	if (dn_meta_tasks_list(meta, run.id, &tasks, &n, &err) < 0)
		goto fail;
	const struct dn_meta_task *ti = NULL;
	struct dn_buf names = DN_BUF_INIT;
	for (int i = 0; i < n; i++) {
		if (!strcmp(tasks[i].task, task))
			ti = &tasks[i];
		if (i < 20)
			dn_buf_printf(&names, NULL, "%s%s", i ? ", " : "", tasks[i].task);
	}
	if (!ti) {
		dn_error_set(&err, DN_ENOTFOUND, "run %s of %s has no task '%s' (its tasks: %s%s)",
			     run.run_id, name, task, names.data ? names.data : "none",
			     n > 20 ? ", ..." : "");
		dn_buf_release(&names);
		goto fail;
	}
	dn_buf_release(&names);
	if (ti->try_number == 0) {
		dn_error_set(&err, DN_ENOTFOUND, "task %s of run %s has not run (state %s)", task,
			     run.run_id, dn_ti_state_name(ti->state));
		goto fail;
	}
	if (want_try > ti->try_number) {
		if (ti->try_number == 1)
			dn_error_set(&err, DN_ENOTFOUND,
				     "task %s of run %s has no try %" PRId64 " (it ran once)", task,
				     run.run_id, want_try);
		else
			dn_error_set(&err, DN_ENOTFOUND,
				     "task %s of run %s has no try %" PRId64 " (tries 1 to %d)",
				     task, run.run_id, want_try, ti->try_number);
		goto fail;
	}
	int try_number = want_try ? (int)want_try : ti->try_number;
	if (dn_buf_printf(&path, &err, "%s/.dunya/logs/%s/%s/%s.%d.log", root, run.pipeline,
			  run.run_id, task, try_number) < 0)
		goto fail;
	const char *shown = path.data + strlen(root) + 1;
	if (!(f = fopen(path.data, "rb"))) {
		if (errno != ENOENT) {
			dn_error_set(&err, DN_EIO, "cannot open %s: %s", shown, strerror(errno));
			goto fail;
		}
		fprintf(stderr, "dunya: note: try %d of task %s wrote no log (%s)\n", try_number,
			task, shown);
		goto out;
	}
	if (copy_to_stdout(f, shown, &err) < 0)
		goto fail;
	goto out;
fail:
	rc = dn_cli_error(&err);
out:
	if (f)
		fclose(f);
	dn_buf_release(&path);
	dn_free(tasks);
	dn_free(rows);
	dn_meta_close(meta);
	dn_free(root);
	return rc;
}

static void logs_help(FILE *out)
{
	fprintf(out,
		"usage: dunya logs PIPELINE RUN_ID TASK [--try N]\n\n"
		"Print the log of one attempt of a task: what a shell task printed on stdout and\n"
		"stderr, the statements of a sql task, the waits of a sensor, and dunya's own\n"
		"notes (why it failed). RUN_ID is a run id from `dunya runs`, or latest (the run\n"
		"with the newest data interval). The default is the task's latest try; --try N\n"
		"picks another. The file is .dunya/logs/PIPELINE/RUN_ID/TASK.TRY.log.\n"
		"An unknown run, task or try exits with 1.\n");
}

const struct dn_cmd dn_cmd_logs = {"logs", "print the log of a task attempt", logs_run, logs_help};

/* ---- dunya pause / unpause ---- */

static int pause_common(int argc, char **argv, int paused)
{
	const char *name = NULL;
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '-')
			return dn_cli_usage(NULL, "unknown option '%s'", argv[i]);
		if (name)
			return dn_cli_usage(NULL, "one pipeline at a time ('%s' is extra)",
					    argv[i]);
		name = argv[i];
	}
	if (!name)
		return dn_cli_usage(NULL, "name the pipeline to %s", paused ? "pause" : "unpause");
	struct dn_error err;
	struct proj pj;
	struct dn_meta *meta = NULL;
	int rc = DN_EXIT_OK;
	dn_error_clear(&err);
	if (proj_load(&pj, &err) < 0) {
		rc = dn_cli_error(&err);
		goto out;
	}
	if (!proj_pipeline(&pj, name)) {
		rc = unknown_pipeline(name);
		goto out;
	}
	if (store_open(pj.root, 1, &meta, &err) < 0 ||
	    dn_meta_pipeline_set_paused(meta, name, paused, &err) < 0) {
		rc = dn_cli_error(&err);
		goto out;
	}
	if (paused)
		printf("%s: paused (the scheduler starts no new runs of it until `dunya unpause "
		       "%s`)\n",
		       name, name);
	else
		printf("%s: unpaused\n", name);
out:
	dn_meta_close(meta);
	proj_release(&pj);
	return rc;
}

static int pause_run(int argc, char **argv)
{
	return pause_common(argc, argv, 1);
}

static int unpause_run(int argc, char **argv)
{
	return pause_common(argc, argv, 0);
}

static void pause_help(FILE *out)
{
	fprintf(out, "usage: dunya pause PIPELINE\n\n"
		     "Pause a pipeline: the scheduler creates no new runs of it (runs already\n"
		     "going finish; `dunya run` and `dunya backfill` still work). `dunya status`\n"
		     "shows the flag; `dunya unpause PIPELINE` clears it.\n");
}

static void unpause_help(FILE *out)
{
	fprintf(out, "usage: dunya unpause PIPELINE\n\n"
		     "Let the scheduler create runs of a paused pipeline again.\n");
}

const struct dn_cmd dn_cmd_pause = {"pause", "stop the scheduler starting runs of a pipeline",
				    pause_run, pause_help};
const struct dn_cmd dn_cmd_unpause = {"unpause", "let the scheduler start runs again", unpause_run,
				      unpause_help};

/* ---- dunya backfill ---- */

/* Problems that stop this pipeline from running: its own file's and the project's (as for
 * `dunya run`). */
static int blocking(const struct dn_problems *probs, const struct dn_pipeline *pl)
{
	int n = 0;
	for (size_t i = 0; i < probs->n; i++) {
		const char *f = probs->v[i].file ? probs->v[i].file : "";
		if (!strcmp(f, pl->file) || strncmp(f, "pipelines/", 10) != 0) {
			char line[DN_ERROR_MSG_MAX + 400];
			fprintf(stderr, "%s\n", dn_problem_format(&probs->v[i], line, sizeof line));
			n++;
		}
	}
	return n;
}

/* Does ISO text carry its own UTC offset (Z or +-hh...) after the date? */
static int has_offset(const char *s)
{
	size_t n = strlen(s);
	for (size_t i = 10; i < n; i++)
		if (s[i] == 'Z' || s[i] == 'z' || s[i] == '+' || s[i] == '-')
			return 1;
	return 0;
}

/* --from / --to: a date (midnight), a wall-clock time in the pipeline's zone, or an instant
 * with an offset, read as `dunya cron --from` reads them. */
static int parse_bound(const char *opt, const char *s, const struct dn_tz *tz, int64_t *out)
{
	int64_t v;
	int kind = dn_time_parse(s, strlen(s), &v);
	if (kind < 0)
		return dn_cli_usage(NULL,
				    "%s takes an ISO-8601 date or time such as 2024-03-10, "
				    "2024-03-10T09:00 or 2024-03-10T09:00:00Z, not '%s'",
				    opt, s);
	if (kind == DN_TIME_DATE)
		v *= DN_USEC_PER_DAY;
	else if (has_offset(s)) {
		*out = v;
		return 0;
	}
	dn_tz_local_to_utc(tz, v, out, NULL);
	return 0;
}

/* Ctrl-C or SIGTERM during a backfill: the run under way ends its tasks' process groups (as in
 * `dunya run`) and no further interval starts. */
static volatile sig_atomic_t backfill_stop;

static void backfill_on_signal(int sig)
{
	(void)sig;
	backfill_stop = 1;
	dn_run_request_stop();
}

/* The data intervals whose start lies in [from, to]: the schedule's fire times there. */
static int backfill_intervals(const struct dn_pipeline *pl, int64_t from, int64_t to,
			      int64_t **starts, int *n, struct dn_error *err)
{
	int cap = 0;
	int64_t t = from - 1;
	*starts = NULL;
	*n = 0;
	for (;;) {
		DN_TRY(dn_cron_next(&pl->cron, pl->tz, t, &t, err));
		if (t > to)
			return 0;
		if (*n == BACKFILL_MAX_INTERVALS)
			return dn_error_set(err, DN_EUSAGE,
					    "more than %d intervals of %s (%s) start between "
					    "--from and --to; backfill a shorter range at a time",
					    BACKFILL_MAX_INTERVALS, pl->id, pl->schedule);
		if (*n == cap) {
			cap = cap ? 2 * cap : 64;
			int64_t *ns = dn_realloc(*starts, sizeof *ns * (size_t)cap);
			if (!ns)
				return dn_error_set(err, DN_ENOMEM,
						    "out of memory listing intervals");
			*starts = ns;
		}
		(*starts)[(*n)++] = t;
	}
}

static int backfill_run(int argc, char **argv)
{
	const char *name = NULL, *from_s = NULL, *to_s = NULL;
	struct dn_run_options o;
	int rerun = 0;
	memset(&o, 0, sizeof o);
	o.kind = "backfill";
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if ((!strcmp(a, "--from") || !strcmp(a, "--to")) && i + 1 < argc) {
			*(a[2] == 'f' ? &from_s : &to_s) = argv[++i];
		} else if (!strcmp(a, "--rerun")) {
			rerun = 1;
		} else if (!strcmp(a, "--parallelism")) {
			int64_t v;
			if (parse_count(a, i + 1 < argc ? argv[i + 1] : NULL, 1, 4096, &v))
				return DN_EXIT_USAGE;
			o.parallelism = (int)v;
			i++;
		} else if (a[0] == '-') {
			return dn_cli_usage(NULL, "unknown option '%s' (or a missing value)", a);
		} else if (name) {
			return dn_cli_usage(NULL, "one pipeline at a time ('%s' is extra)", a);
		} else {
			name = a;
		}
	}
	if (!name)
		return dn_cli_usage(NULL, "name the pipeline to backfill (its id)");
	if (!from_s || !to_s)
		return dn_cli_usage(NULL, "give the range: --from D --to D");
	struct dn_error err;
	struct proj pj;
	struct dn_meta *meta = NULL;
	int64_t *starts = NULL, from, to;
	int rc = DN_EXIT_OK, n = 0, ran = 0, ok = 0, failed = 0, skipped = 0;
	dn_error_clear(&err);
	if (proj_load(&pj, &err) < 0) {
		rc = dn_cli_error(&err);
		goto out;
	}
	struct dn_pipeline *pl = proj_pipeline(&pj, name);
	if (!pl) {
		rc = unknown_pipeline(name);
		goto out;
	}
	if (pl->schedule_kind != DN_SCHEDULE_CRON) {
		rc = dn_cli_usage(NULL,
				  "pipeline %s has no cron schedule, so it has no data intervals "
				  "to backfill; run it for a date with `dunya run %s --date D`",
				  name, name);
		goto out;
	}
	dn_problems_sort(&pj.probs);
	int nb = blocking(&pj.probs, pl);
	if (nb || !pl->tz) {
		fprintf(stderr,
			"dunya: error: %d problem%s stop pipeline %s from running; fix them "
			"(`dunya validate` lists every problem)\n",
			nb, nb == 1 ? "" : "s", name);
		rc = DN_EXIT_DATA;
		goto out;
	}
	if ((rc = parse_bound("--from", from_s, pl->tz, &from)) != 0 ||
	    (rc = parse_bound("--to", to_s, pl->tz, &to)) != 0)
		goto out;
	if (from > to) {
		rc = dn_cli_usage(NULL, "--from %s is after --to %s", from_s, to_s);
		goto out;
	}
	if (backfill_intervals(pl, from, to, &starts, &n, &err) < 0 ||
	    store_open(pj.root, 1, &meta, &err) < 0) {
		rc = err.code == DN_EUSAGE ? dn_cli_usage(NULL, "%s", err.msg) : dn_cli_error(&err);
		goto out;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = backfill_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	for (int i = 0; i < n && !backfill_stop; i++) {
		char label[DN_TZ_FORMAT_MAX];
		dn_tz_format(pl->tz, starts[i], label);
		int done = rerun ? 0 : dn_meta_interval_succeeded(meta, pl->id, starts[i], &err);
		if (done < 0) {
			rc = dn_cli_error(&err);
			goto out;
		}
		if (done) {
			printf("%s  skipped: already succeeded\n", label);
			skipped++;
			fflush(stdout);
			continue;
		}
		struct dn_run_result res;
		o.has_logical = 1;
		o.logical_us = starts[i];
		if (dn_run_execute(pj.p, pl, meta, &o, &res, &err) < 0) {
			fflush(stdout);
			rc = dn_cli_error(&err);
			goto out;
		}
		ran++;
		if (res.cancelled) {
			failed++;
			printf("%s  ran: cancelled (%s)\n", label, res.run_id);
		} else if (res.state == DN_RUN_SUCCESS) {
			ok++;
			printf("%s  ran: success (%s)\n", label, res.run_id);
		} else {
			failed++;
			printf("%s  ran: failed (%s: %d task%s failed)\n", label, res.run_id,
			       res.failed, res.failed == 1 ? "" : "s");
		}
		fflush(stdout);
	}
	printf("backfill of %s: %d interval%s, %d ran (%d succeeded, %d failed), %d skipped\n",
	       name, n, n == 1 ? "" : "s", ran, ok, failed, skipped);
	if (backfill_stop)
		printf("stopped: %d interval%s not run\n", n - ran - skipped,
		       n - ran - skipped == 1 ? "" : "s");
	rc = backfill_stop ? 130 : failed ? DN_EXIT_DATA : DN_EXIT_OK;
out:
	dn_free(starts);
	dn_meta_close(meta);
	proj_release(&pj);
	return rc;
}

static void backfill_help(FILE *out)
{
	fprintf(out,
		"usage: dunya backfill PIPELINE --from D --to D [--rerun] [--parallelism N]\n\n"
		"Run a scheduled pipeline for every data interval whose start lies between --from\n"
		"and --to (both included), oldest first, one run at a time: each interval starts\n"
		"at a fire time of the pipeline's cron schedule, in its time zone, and ends at\n"
		"the next. D is a date (midnight in the pipeline's zone), a wall-clock time in\n"
		"that zone (2024-03-10T09:00) or an instant with an offset (2024-03-10T09:00Z).\n"
		"Intervals that already have a successful run (of any kind) are skipped unless\n"
		"--rerun is given. Runs are recorded with kind backfill (run ids\n"
		"backfill__START); --parallelism N bounds the tasks of a run at once.\n\n"
		"One line per interval, then a summary. Exit code 0 when every interval that\n"
		"ran succeeded, 1 when one failed, 2 for a bad command line, a pipeline without\n"
		"a cron schedule, or more than 10000 intervals. Ctrl-C (or SIGTERM) stops the\n"
		"run under way as `dunya run` does, starts no further interval and exits 130.\n");
}

const struct dn_cmd dn_cmd_backfill = {"backfill", "run a pipeline for past data intervals",
				       backfill_run, backfill_help};
