/* One pipeline run in the foreground: the engine behind `dunya run`, and the executor loop the
 * scheduler will drive.
 *
 * The loop keeps each task's state in memory and mirrors every change into the metadata store
 * through its conditional transitions (none -> queued -> running -> success / failed /
 * up_for_retry; upstream_failed and skipped for tasks whose trigger rule can no longer hold).
 * Each pass: settle trigger rules of waiting tasks, requeue retries that are due, start ready
 * tasks by priority within the parallelism and pool limits, then reap finished processes and
 * enforce timeouts. Between passes it sleeps in poll(2) on the running processes' pidfds until
 * one ends or the next timer (a retry, a timeout, a sensor poke) is due, so a finished task's
 * downstream starts within microseconds, not at the next tick.
 *
 * Task types: `shell` runs a process (exec.c); `noop` finishes at once; `sql` runs its script
 * on its warehouse connection (any URL dn_wh_open takes) inside one transaction, and `load`,
 * `export` and `models` (models.c) also run in this process (they block the loop while they
 * run: fine for the warehouse statements of an embedded project), as does `extract.api` (records
 * from a REST or GraphQL API committed to a lake dataset); `sensor.file` checks for its
 * path or glob every poke interval without blocking. */
#include <errno.h>
#include <glob.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../extract/extract.h"
#include "../formats/formats.h"
#include "../store/store.h"
#include "pipeline.h"
#include "xtask.h"

/* Set from a signal handler (dn_run_request_stop): end the run now. */
static volatile sig_atomic_t stop_requested;

void dn_run_request_stop(void)
{
	stop_requested = 1;
}

struct rt_task {
	enum dn_ti_state st;
	int try_number;
	int max_tries;
	int64_t next_try_mono; /* up_for_retry: when it may run again */
	int has_proc;
	struct dn_proc proc;
	int64_t started_mono;
	int64_t deadline_mono; /* timeout; 0 = none */
	int64_t kill_at_mono;  /* SIGKILL after the grace period; 0 = not yet */
	int timed_out;
	int sensing; /* a sensor.file task between pokes */
	int64_t next_poke_mono;
	int64_t poke_interval_us;
	char *sensor_path;  /* absolute, for glob */
	char *sensor_shown; /* as the pipeline wrote it, for messages */
	char *log_path;
};

struct rt {
	struct dn_project *proj;
	struct dn_pipeline *pl;
	struct dn_meta *meta;
	const struct dn_run_options *o;
	struct dn_run_result *res;
	struct rt_task *t;
	int64_t run;
	char run_id[160];
	int64_t start_us, end_us; /* data interval */
	int running;
	int parallelism;
	char **param_values; /* per pipeline param: the value in force, or NULL */
	char hostname[256];
	/* Work lists, so a pass costs what changed rather than the pipeline's size. */
	size_t *pos;           /* task -> position in the topological order */
	size_t *dirty, ndirty; /* waiting tasks whose upstream changed: re-check their rule */
	unsigned char *in_dirty;
	size_t *queued, nqueued; /* ready to start */
	size_t *active, nactive; /* running or up_for_retry */
	size_t remaining;        /* tasks not in a final state */
	int slot_wait;           /* a claim found no free slot: look again soon */
	int in_api;              /* an extract.api task is rendering: {{ bookmark }} is known */
	const char *bookmark;    /* its bookmark (NULL: none yet, or full_refresh) */
};

static void list_remove(size_t *v, size_t *n, size_t ti)
{
	for (size_t i = 0; i < *n; i++)
		if (v[i] == ti) {
			v[i] = v[--*n];
			return;
		}
}

static int is_done(enum dn_ti_state s);
static int pool_slots(struct rt *r, const char *pool);

/* A task reached a final state: its downstream tasks may now be decided. */
static void became_final(struct rt *r, size_t ti)
{
	const struct dn_task *task = &r->pl->tasks[ti];
	r->remaining--;
	for (size_t i = 0; i < task->ndown; i++) {
		size_t d = task->down[i];
		if (r->t[d].st == DN_TI_NONE && !r->in_dirty[d]) {
			r->in_dirty[d] = 1;
			r->dirty[r->ndirty++] = d;
		}
	}
}

static void progress(struct rt *r, size_t ti, const char *detail)
{
	if (r->o->progress)
		r->o->progress(r->o->progress_user, r->pl->tasks[ti].id, r->t[ti].st,
			       r->t[ti].try_number, detail);
}

static const char *param_value(struct rt *r, const char *name, size_t len)
{
	for (size_t i = 0; i < r->pl->nparams; i++)
		if (strlen(r->pl->params[i].name) == len &&
		    memcmp(r->pl->params[i].name, name, len) == 0)
			return r->param_values[i];
	return NULL;
}

static void json_quote(struct dn_buf *b, const char *s)
{
	dn_buf_putc(b, '"', NULL);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			dn_buf_printf(b, NULL, "\\%c", c);
		else if (c < 0x20)
			dn_buf_printf(b, NULL, "\\u%04x", c);
		else
			dn_buf_putc(b, (char)c, NULL);
	}
	dn_buf_putc(b, '"', NULL);
}

/* ---- templates ---- */

struct tctx {
	struct rt *r;
};

static int starts(const char *name, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);
	return len > n && memcmp(name, prefix, n) == 0;
}

static int is(const char *name, size_t len, const char *word)
{
	return strlen(word) == len && memcmp(name, word, len) == 0;
}

static int lookup(void *user, const char *name, size_t len, struct dn_buf *out,
		  struct dn_error *err)
{
	struct rt *r = ((struct tctx *)user)->r;
	char tmp[DN_TZ_FORMAT_MAX];
	if (is(name, len, "ds") || is(name, len, "ds_nodash")) {
		int64_t local = r->start_us +
				(int64_t)dn_tz_offset_at(r->pl->tz, r->start_us) * DN_USEC_PER_SEC;
		int64_t days = local / DN_USEC_PER_DAY - (local % DN_USEC_PER_DAY < 0);
		int n = dn_date_format((int32_t)days, tmp);
		if (is(name, len, "ds"))
			return dn_buf_append(out, tmp, (size_t)n, err);
		for (int i = 0; i < n; i++)
			if (tmp[i] != '-')
				DN_TRY(dn_buf_putc(out, tmp[i], err));
		return 0;
	}
	if (is(name, len, "data_interval_start") || is(name, len, "data_interval_end")) {
		int n = dn_tz_format(r->pl->tz,
				     is(name, len, "data_interval_start") ? r->start_us : r->end_us,
				     tmp);
		return dn_buf_append(out, tmp, (size_t)n, err);
	}
	if (is(name, len, "run_id"))
		return dn_buf_puts(out, r->run_id, err);
	if (is(name, len, "bookmark")) {
		if (!r->in_api)
			return dn_error_set(err, DN_ENOTFOUND,
					    "template {{ bookmark }} is known only in extract.api "
					    "tasks");
		return r->bookmark ? dn_buf_puts(out, r->bookmark, err) : 0;
	}
	if (starts(name, len, "params.")) {
		const char *v = param_value(r, name + 7, len - 7);
		if (!v)
			return dn_error_set(err, DN_ENOTFOUND,
					    "template {{ %.*s }}: the param has no value; give it "
					    "a default or pass --param %.*s=VALUE",
					    (int)len, name, (int)(len - 7), name + 7);
		return dn_buf_puts(out, v, err);
	}
	if (starts(name, len, "env.")) {
		char key[256];
		snprintf(key, sizeof key, "%.*s", (int)(len - 4), name + 4);
		const char *v = dn_env_get(&r->proj->env, key);
		if (!v)
			return dn_error_set(err, DN_ENOTFOUND,
					    "template {{ %.*s }}: %s is not set in the environment "
					    "or .env",
					    (int)len, name, key);
		return dn_buf_puts(out, v, err);
	}
	if (starts(name, len, "conn.")) {
		const char *dot = memchr(name + 5, '.', len - 5);
		char cname[128], part[32];
		if (!dot)
			goto unknown;
		snprintf(cname, sizeof cname, "%.*s", (int)(dot - name - 5), name + 5);
		snprintf(part, sizeof part, "%.*s", (int)(name + len - dot - 1), dot + 1);
		const struct dn_conn *c = dn_project_conn(r->proj, cname);
		if (!c || !c->valid)
			return dn_error_set(err, DN_ENOTFOUND,
					    "template {{ %.*s }}: no connection '%s'", (int)len,
					    name, cname);
		const struct dn_url *u = &c->url;
		if (!strcmp(part, "host"))
			return dn_buf_puts(out, u->host, err);
		if (!strcmp(part, "port"))
			return dn_buf_printf(out, err, "%d",
					     u->port ? u->port : dn_url_default_port(u->scheme));
		if (!strcmp(part, "user") || !strcmp(part, "login"))
			return dn_buf_puts(out, u->user, err);
		if (!strcmp(part, "password"))
			return dn_buf_puts(out, u->password, err);
		if (!strcmp(part, "path") || !strcmp(part, "schema") || !strcmp(part, "database"))
			return dn_buf_puts(out, u->path[0] == '/' ? u->path + 1 : u->path, err);
		if (!strcmp(part, "scheme"))
			return dn_buf_puts(out, u->scheme, err);
		if (!strcmp(part, "url"))
			return dn_url_redacted(u, out, err);
		goto unknown;
	}
	if (starts(name, len, "tasks.")) {
		const char *a = name + 6, *end = name + len;
		const char *d1 = memchr(a, '.', (size_t)(end - a));
		if (!d1 || (size_t)(end - d1) < 9 || memcmp(d1, ".output.", 8) != 0)
			goto unknown;
		char task[128], key[128], *v = NULL;
		snprintf(task, sizeof task, "%.*s", (int)(d1 - a), a);
		snprintf(key, sizeof key, "%.*s", (int)(end - d1 - 8), d1 + 8);
		int rc = dn_meta_output_get(r->meta, r->run, task, key, &v, err);
		if (rc < 0)
			return rc;
		if (rc == 0)
			return dn_error_set(err, DN_ENOTFOUND,
					    "template {{ %.*s }}: task %s published no output '%s' "
					    "(print a line `::output %s=VALUE`)",
					    (int)len, name, task, key, key);
		rc = dn_buf_puts(out, v, err);
		dn_free(v);
		return rc;
	}
unknown:
	return dn_error_set(err, DN_ENOTFOUND, "unknown template name {{ %.*s }}", (int)len, name);
}

/* Render param key of task ti (a scalar), or NULL when absent. *out is NUL-terminated. */
static int render_param(struct rt *r, size_t ti, const char *key, struct dn_buf *out, int *present,
			struct dn_error *err)
{
	const struct dn_yaml_node *n = dn_yaml_get(r->pl->tasks[ti].params, key, NULL);
	struct tctx c = {r};
	*present = n && !dn_yaml_is_null(n) && n->kind == DN_YAML_SCALAR;
	dn_buf_reset(out);
	if (!*present)
		return 0;
	int rc = dn_template_render(n->str, lookup, &c, out, err);
	if (rc < 0)
		dn_error_prefix(err, "task %s, param %s: ", r->pl->tasks[ti].id, key);
	return rc;
}

/* ---- files ---- */

static int mkdirs(const char *path, struct dn_error *err)
{
	char buf[4096];
	snprintf(buf, sizeof buf, "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return dn_error_set(err, DN_EIO, "cannot create %s: %s", buf,
					    strerror(errno));
		*p = '/';
	}
	if (mkdir(buf, 0755) < 0 && errno != EEXIST)
		return dn_error_set(err, DN_EIO, "cannot create %s: %s", buf, strerror(errno));
	return 0;
}

/* A path in a task param: absolute, or relative to the project root. */
static char *project_path(struct rt *r, const char *p)
{
	struct dn_buf b = DN_BUF_INIT;
	if (p[0] != '/')
		dn_buf_printf(&b, NULL, "%s/", r->proj->root);
	dn_buf_puts(&b, p, NULL);
	return dn_buf_take(&b, NULL);
}

static void log_line(struct rt_task *t, const char *fmt, ...) DN_PRINTF(2, 3);
static void log_line(struct rt_task *t, const char *fmt, ...)
{
	FILE *f = t->log_path ? fopen(t->log_path, "a") : NULL;
	if (!f)
		return;
	va_list ap;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fclose(f);
}

/* ---- task lifecycle ---- */

static int64_t retry_delay_us(const struct dn_task_settings *s, int try_number)
{
	int64_t d = s->retry_delay_ms * 1000;
	if (s->retry_exponential_backoff)
		for (int i = 1; i < try_number && d < INT64_MAX / 4; i++)
			d *= 2;
	if (s->max_retry_delay_ms > 0 && d > s->max_retry_delay_ms * 1000)
		d = s->max_retry_delay_ms * 1000;
	return d;
}

static int set_state(struct rt *r, size_t ti, enum dn_ti_state to, struct dn_error *err)
{
	int rc = dn_meta_task_transition(r->meta, r->run, r->pl->tasks[ti].id, r->t[ti].st, to,
					 dn_now_us(), err);
	if (rc < 0)
		return rc;
	r->t[ti].st = to;
	if (to == DN_TI_QUEUED)
		r->queued[r->nqueued++] = ti;
	else if (is_done(to))
		became_final(r, ti);
	progress(r, ti, NULL);
	return 0;
}

struct out_ctx {
	struct rt *r;
	const char *task;
};

static int store_output(void *user, const char *key, const char *value)
{
	struct out_ctx *oc = user;
	return dn_meta_output_set(oc->r->meta, oc->r->run, oc->task, key, value, NULL);
}

/* Record the end of the running attempt: success, or a failure that retries or fails. */
static int finish(struct rt *r, size_t ti, int ok, int exit_code, const char *why,
		  struct dn_error *err)
{
	struct rt_task *t = &r->t[ti];
	const struct dn_task *task = &r->pl->tasks[ti];
	enum dn_ti_state to = ok                                              ? DN_TI_SUCCESS :
			      t->try_number < t->max_tries && !stop_requested ? DN_TI_UP_FOR_RETRY :
										DN_TI_FAILED;
	int64_t delay = to == DN_TI_UP_FOR_RETRY ? retry_delay_us(&task->s, t->try_number) : 0;
	char why_buf[DN_ERROR_MSG_MAX];
	if (ok && t->log_path) {
		/* Outputs first: downstream templates read them once this is success. A malformed
		 * ::output line fails the attempt rather than publishing something cut. */
		struct out_ctx oc = {r, task->id};
		struct dn_error oe;
		dn_error_clear(&oe);
		if (dn_task_outputs_read(t->log_path, store_output, &oc, &oe) < 0 &&
		    oe.code != DN_ENOTFOUND) {
			if (oe.code == DN_EIO || oe.code == DN_ENOMEM) {
				*err = oe;
				return oe.code;
			}
			dn_error_format(&oe, why_buf, sizeof why_buf);
			why = why_buf;
			ok = 0;
			to = t->try_number < t->max_tries ? DN_TI_UP_FOR_RETRY : DN_TI_FAILED;
			delay = to == DN_TI_UP_FOR_RETRY ? retry_delay_us(&task->s, t->try_number) :
							   0;
		}
	}
	int rc = dn_meta_task_finish(r->meta, r->run, task->id, t->try_number, to, exit_code, why,
				     t->log_path, dn_now_us() + delay, dn_now_us(), err);
	if (rc < 0)
		return rc;
	t->st = to;
	t->next_try_mono = dn_monotonic_us() + delay;
	if (t->has_proc) {
		dn_proc_release(&t->proc);
		t->has_proc = 0;
	}
	t->sensing = 0;
	r->running--;
	if (to != DN_TI_UP_FOR_RETRY) {
		list_remove(r->active, &r->nactive, ti);
		became_final(r, ti);
	}
	if (why)
		log_line(t, "dunya: %s", why);
	char detail[DN_ERROR_MSG_MAX + 100];
	if (to == DN_TI_UP_FOR_RETRY)
		snprintf(detail, sizeof detail, "%s; retry %d of %d in %.1f s",
			 why ? why : "failed", t->try_number, t->max_tries - 1,
			 (double)delay / 1e6);
	else
		snprintf(detail, sizeof detail, "%s", why ? why : "");
	progress(r, ti, detail[0] ? detail : NULL);
	return 0;
}

/* Run a sql task's script on its warehouse connection in one transaction. */
static int run_sql(struct rt *r, size_t ti, char *why, size_t whylen, struct dn_error *err)
{
	struct dn_buf conn = DN_BUF_INIT, sql = DN_BUF_INIT, file = DN_BUF_INIT, url = DN_BUF_INIT,
		      shown = DN_BUF_INIT;
	struct dn_wh *wh = NULL;
	int present, ok = 0;
	int64_t changes = 0;
	if (render_param(r, ti, "connection", &conn, &present, err) < 0 ||
	    render_param(r, ti, "sql", &sql, &present, err) < 0)
		goto fail_err;
	if (!present) {
		if (render_param(r, ti, "file", &file, &present, err) < 0)
			goto fail_err;
		struct dn_buf fp = DN_BUF_INIT, content = DN_BUF_INIT;
		if (file.data && file.data[0] == '/')
			dn_buf_puts(&fp, file.data, NULL);
		else
			dn_buf_printf(&fp, NULL, "%s/sql/%s", r->proj->root,
				      file.data ? file.data : "");
		int rc = dn_read_file(fp.data, &content, (size_t)16 << 20, err);
		dn_buf_release(&fp);
		if (rc < 0) {
			dn_buf_release(&content);
			goto fail_err;
		}
		/* The file is a template too. */
		struct tctx c = {r};
		dn_buf_reset(&sql);
		rc = dn_template_render(content.data ? content.data : "", lookup, &c, &sql, err);
		dn_buf_release(&content);
		if (rc < 0)
			goto fail_err;
	}
	const struct dn_conn *cn = dn_project_conn(r->proj, conn.data ? conn.data : "");
	if (!cn || !cn->valid) {
		snprintf(why, whylen, "sql task: no valid connection '%s'",
			 conn.data ? conn.data : "");
		goto out;
	}
	if (!strcmp(cn->url.scheme, "sqlite"))
		dn_buf_puts(&shown, cn->url.path, NULL);
	else
		dn_url_redacted(&cn->url, &shown, NULL);
	const char *text = sql.data ? sql.data : "";
	log_line(&r->t[ti], "-- on %s\n%s", shown.data ? shown.data : "", text);
	if (dn_conn_wh_url(r->proj, cn, &url, err) < 0 ||
	    dn_wh_open(&wh, url.data, r->proj->root, err) < 0)
		goto fail_err;
	if (dn_wh_exec(wh, text, &changes, err) < 0) {
		dn_error_format(err, why, whylen);
		dn_error_clear(err);
		size_t n = strlen(why);
		snprintf(why + n, whylen - n, " (the transaction was rolled back)");
		goto out;
	}
	log_line(&r->t[ti], "-- committed, %lld rows changed", (long long)changes);
	ok = 1;
	goto out;
fail_err:
	dn_error_format(err, why, whylen);
	dn_error_clear(err);
out:
	dn_wh_close(wh);
	dn_buf_release(&conn);
	dn_buf_release(&sql);
	dn_buf_release(&file);
	dn_buf_release(&url);
	dn_buf_release(&shown);
	return ok;
}

struct models_log {
	struct rt_task *t;
};

static void on_model(void *user, const struct dn_model_report *rep)
{
	struct models_log *ml = user;
	const char *mat = dn_model_mat_name(rep->model->mat);
	if (rep->state == DN_MODEL_OK)
		log_line(ml->t, "%s: %s, %lld %srow%s in %.3f s", rep->model->name, mat,
			 (long long)rep->rows, rep->incremental ? "new " : "",
			 rep->rows == 1 ? "" : "s", (double)rep->duration_us / 1e6);
	else
		log_line(ml->t, "%s: %s, %s: %s", rep->model->name, mat,
			 rep->state == DN_MODEL_FAILED ? "failed" : "skipped",
			 rep->error ? rep->error : "");
}

/* Run a models task: build the project's models (or a selection) on a warehouse connection,
 * in this process, with the same engine as `dunya models run`. */
static int run_models(struct rt *r, size_t ti, char *why, size_t whylen, struct dn_error *err)
{
	struct dn_buf conn = DN_BUF_INIT, select = DN_BUF_INIT, url = DN_BUF_INIT, fr = DN_BUF_INIT,
		      th = DN_BUF_INIT;
	struct dn_problems probs;
	struct dn_models *m = NULL;
	unsigned char *sel = NULL;
	int present, ok = 0, full = 0;
	int64_t threads = 0;
	dn_problems_init(&probs);
	if (render_param(r, ti, "connection", &conn, &present, err) < 0 ||
	    render_param(r, ti, "select", &select, &present, err) < 0 ||
	    render_param(r, ti, "full_refresh", &fr, &present, err) < 0 ||
	    render_param(r, ti, "threads", &th, &present, err) < 0)
		goto fail_err;
	if (fr.data && fr.data[0]) {
		struct dn_yaml_node n = {.kind = DN_YAML_SCALAR, .str = fr.data};
		if (dn_yaml_bool(&n, &full) < 0) {
			snprintf(why, whylen, "models: full_refresh '%s' is not true or false",
				 fr.data);
			goto out;
		}
	}
	if (th.data && th.data[0] &&
	    (dn_parse_i64(th.data, th.len, &threads) < 0 || threads < 1 || threads > 256)) {
		snprintf(why, whylen, "models: threads '%s' is not a number from 1 to 256",
			 th.data);
		goto out;
	}
	const char *cname = conn.data && conn.data[0] ? conn.data : r->proj->models_conn;
	const struct dn_conn *cn = dn_project_conn(r->proj, cname);
	if (!cn) {
		snprintf(why, whylen, "models: no connection '%s'", cname);
		goto out;
	}
	if (dn_models_load(&m, r->proj->root, r->proj->models_path, &probs, err) < 0)
		goto fail_err;
	if (probs.n) {
		char line[DN_ERROR_MSG_MAX + 400];
		dn_problems_sort(&probs);
		for (size_t i = 0; i < probs.n; i++)
			log_line(&r->t[ti], "%s",
				 dn_problem_format(&probs.v[i], line, sizeof line));
		snprintf(why, whylen, "models: %zu problem%s, first %s", probs.n,
			 probs.n == 1 ? "" : "s",
			 dn_problem_format(&probs.v[0], line, sizeof line));
		goto out;
	}
	if (select.data && select.data[0]) {
		if (!(sel = dn_calloc(m->n + 1, 1)) ||
		    dn_models_select(m, select.data, sel, err) < 0)
			goto fail_err;
	}
	struct models_log ml = {&r->t[ti]};
	struct dn_models_run_options o = {sel, (int)threads, full, on_model, &ml};
	struct dn_models_result res;
	if (dn_conn_wh_url(r->proj, cn, &url, err) < 0 ||
	    dn_models_run(m, url.data, r->proj->root, &o, &res, err) < 0)
		goto fail_err;
	log_line(&r->t[ti], "models: %d succeeded, %d failed, %d skipped, %lld rows", res.succeeded,
		 res.failed, res.skipped, (long long)res.rows);
	log_line(&r->t[ti], "::output models=%d", res.succeeded);
	log_line(&r->t[ti], "::output rows=%lld", (long long)res.rows);
	if (res.failed || res.skipped) {
		snprintf(why, whylen, "models: %d failed, %d skipped (the log names them)",
			 res.failed, res.skipped);
		goto out;
	}
	ok = 1;
	goto out;
fail_err:
	dn_error_format(err, why, whylen);
	dn_error_clear(err);
out:
	dn_free(sel);
	dn_models_free(m);
	dn_problems_release(&probs);
	dn_buf_release(&conn);
	dn_buf_release(&select);
	dn_buf_release(&url);
	dn_buf_release(&fr);
	dn_buf_release(&th);
	return ok;
}

/* ---- the lake ---- */

static int open_lake(struct rt *r, struct dn_lake **lk, struct dn_lake_write_options *wdef,
		     struct dn_error *err)
{
	struct dn_lake_options o;
	dn_project_lake_options(r->proj, &o);
	if (wdef)
		dn_project_lake_write_defaults(r->proj, wdef);
	return dn_lake_open(lk, &o, err);
}

/* Open a task's source: `lake:DATASET[@V][/COL=VALUE]` or a file (relative to the project). */
static int open_source(struct rt *r, const char *src, const struct dn_read_options *ro,
		       struct dn_reader **rd, struct dn_error *err)
{
	if (!strncmp(src, "lake:", 5)) {
		struct dn_lake *lk = NULL;
		int rc = open_lake(r, &lk, NULL, err);
		if (rc == 0)
			rc = dn_lake_reader_open(lk, src + 5, ro, rd, err);
		dn_lake_close(lk);
		return rc;
	}
	if (dn_extract_is_url(src))
		return dn_extract_open_reader(src, DN_FORMAT_UNKNOWN, ro, rd, err);
	char *path = project_path(r, src);
	int rc = dn_reader_open(rd, path, DN_FORMAT_UNKNOWN, ro, err);
	dn_free(path);
	return rc;
}

/* The write options of a task writing to the lake: mode, format, compression, partition
 * (a mapping of column to templated value), message. Strings are kept in *keep. */
static int lake_write_params(struct rt *r, size_t ti, struct dn_lake_write_options *wo,
			     struct dn_buf *keep, char *why, size_t whylen, struct dn_error *err)
{
	struct dn_buf v = DN_BUF_INIT;
	int present, rc = 0;
	const struct dn_task *task = &r->pl->tasks[ti];
	if ((rc = render_param(r, ti, "mode", &v, &present, err)) < 0)
		goto out;
	if (present && dn_lake_mode_parse(v.data, &wo->mode) < 0) {
		snprintf(why, whylen, "mode '%s' is not append, overwrite or overwrite-partitions",
			 v.data);
		rc = 1;
		goto out;
	}
	if ((rc = render_param(r, ti, "format", &v, &present, err)) < 0)
		goto out;
	if (present) {
		char d = 0;
		if (dn_format_parse(v.data, &wo->format, &d) < 0 || d ||
		    wo->format == DN_FORMAT_JSON) {
			snprintf(why, whylen, "format '%s' is not parquet, csv or ndjson", v.data);
			rc = 1;
			goto out;
		}
	}
	if ((rc = render_param(r, ti, "compression", &v, &present, err)) < 0)
		goto out;
	if (present && dn_codec_parse(v.data, &wo->codec) < 0) {
		snprintf(why, whylen, "compression '%s' is not zstd, gzip or none", v.data);
		rc = 1;
		goto out;
	}
	/* Partition values and the message are kept in one buffer as NUL-separated strings;
	 * offsets are turned into pointers once it stops growing. */
	size_t offs[DN_LAKE_MAX_PCOLS * 2 + 1];
	int n = 0;
	const struct dn_yaml_node *pm = dn_yaml_get(task->params, "partition", NULL);
	for (size_t i = 0; pm && pm->kind == DN_YAML_MAP && i < pm->len; i++) {
		if (n == DN_LAKE_MAX_PCOLS)
			break;
		const struct dn_yaml_node *k = pm->items[2 * i], *val = pm->items[2 * i + 1];
		struct tctx c = {r};
		offs[2 * n] = keep->len;
		if ((rc = dn_buf_puts(keep, k->str, err)) < 0 ||
		    (rc = dn_buf_putc(keep, 0, err)) < 0)
			goto out;
		offs[2 * n + 1] = keep->len;
		if (val->kind != DN_YAML_SCALAR) {
			snprintf(why, whylen, "partition '%s' must be a value", k->str);
			rc = 1;
			goto out;
		}
		if ((rc = dn_template_render(val->str, lookup, &c, keep, err)) < 0 ||
		    (rc = dn_buf_putc(keep, 0, err)) < 0)
			goto out;
		n++;
	}
	offs[2 * DN_LAKE_MAX_PCOLS] = keep->len;
	if ((rc = dn_buf_printf(keep, err, "pipeline %s, run %s, task %s", r->pl->id, r->run_id,
				task->id)) < 0 ||
	    (rc = dn_buf_putc(keep, 0, err)) < 0)
		goto out;
	wo->npcols = n;
	for (int c = 0; c < n; c++) {
		wo->pcol_names[c] = keep->data + offs[2 * c];
		wo->pcol_values[c] = keep->data + offs[2 * c + 1];
	}
	wo->message = keep->data + offs[2 * DN_LAKE_MAX_PCOLS];
out:
	dn_buf_release(&v);
	return rc;
}

/* Run a lake.write task: a file (or another dataset) committed as a new version of a dataset. */
static int run_lake_write(struct rt *r, size_t ti, char *why, size_t whylen, struct dn_error *err)
{
	struct dn_buf src = DN_BUF_INIT, ds = DN_BUF_INIT, bad = DN_BUF_INIT, rej = DN_BUF_INIT,
		      keep = DN_BUF_INIT;
	struct dn_lake *lk = NULL;
	struct dn_reader *rd = NULL;
	struct dn_lake_write_options wo;
	struct dn_lake_version v;
	char *rej_path = NULL;
	int present, ok = 0, rc;
	memset(&v, 0, sizeof v);
	if (render_param(r, ti, "source", &src, &present, err) < 0 ||
	    render_param(r, ti, "dataset", &ds, &present, err) < 0 ||
	    render_param(r, ti, "bad_rows", &bad, &present, err) < 0 ||
	    render_param(r, ti, "rejects", &rej, &present, err) < 0 ||
	    open_lake(r, &lk, &wo, err) < 0)
		goto fail_err;
	rc = lake_write_params(r, ti, &wo, &keep, why, whylen, err);
	if (rc < 0)
		goto fail_err;
	if (rc > 0)
		goto out;
	struct dn_read_options ro;
	dn_read_options_init(&ro);
	if (bad.data && dn_bad_rows_parse(bad.data, &ro.bad_rows) < 0) {
		snprintf(why, whylen, "bad_rows '%s' is not fail, skip or quarantine", bad.data);
		goto out;
	}
	if (rej.data && rej.data[0]) {
		rej_path = project_path(r, rej.data);
		ro.rejects_path = rej_path;
		char *slash = strrchr(rej_path, '/');
		*slash = 0; /* the rejects file's folder, like an output's */
		int mrc = mkdirs(rej_path, err);
		*slash = '/';
		if (mrc < 0)
			goto fail_err;
	}
	if (open_source(r, src.data ? src.data : "", &ro, &rd, err) < 0 ||
	    dn_lake_write_reader(lk, rd, ds.data ? ds.data : "", &wo, &v, err) < 0)
		goto fail_err;
	struct dn_read_summary sum;
	dn_reader_summary(rd, &sum);
	log_line(&r->t[ti],
		 "wrote %s to %s version %lld: read %lld rows, %lld written, %lld skipped, "
		 "%lld quarantined; the version has %lld rows in %zu files",
		 src.data, ds.data, (long long)v.version, (long long)sum.read,
		 (long long)sum.loaded, (long long)sum.skipped, (long long)sum.quarantined,
		 (long long)v.rows, v.nfiles);
	log_line(&r->t[ti], "::output rows=%lld", (long long)sum.loaded);
	log_line(&r->t[ti], "::output version=%lld", (long long)v.version);
	ok = 1;
	goto out;
fail_err:
	dn_error_format(err, why, whylen);
	dn_error_clear(err);
out:
	dn_lake_version_release(&v);
	dn_reader_free(rd);
	dn_lake_close(lk);
	dn_free(rej_path);
	dn_buf_release(&src);
	dn_buf_release(&ds);
	dn_buf_release(&bad);
	dn_buf_release(&rej);
	dn_buf_release(&keep);
	return ok;
}

/* Run a load task: read its source with the bad-row policy and load it into the table, all in
 * one warehouse transaction (a failure leaves the table as it was). */
static int run_load(struct rt *r, size_t ti, char *why, size_t whylen, struct dn_error *err)
{
	struct dn_buf src = DN_BUF_INIT, conn = DN_BUF_INIT, table = DN_BUF_INIT,
		      mode = DN_BUF_INIT, inc = DN_BUF_INIT, bad = DN_BUF_INIT, rej = DN_BUF_INIT;
	struct dn_wh *wh = NULL;
	struct dn_reader *rd = NULL;
	char *path = NULL, *rej_path = NULL, *url = NULL;
	int present, ok = 0, rc;
	struct dn_wh_load_options lo;
	dn_wh_load_options_init(&lo);
	if (render_param(r, ti, "source", &src, &present, err) < 0 ||
	    render_param(r, ti, "connection", &conn, &present, err) < 0 ||
	    render_param(r, ti, "table", &table, &present, err) < 0 ||
	    render_param(r, ti, "mode", &mode, &present, err) < 0 ||
	    (present && dn_wh_mode_parse(mode.data, &lo.mode) < 0) ||
	    render_param(r, ti, "incremental_column", &inc, &present, err) < 0 ||
	    render_param(r, ti, "bad_rows", &bad, &present, err) < 0 ||
	    render_param(r, ti, "rejects", &rej, &present, err) < 0)
		goto fail_err;
	if (inc.data && inc.data[0])
		lo.incremental_column = inc.data;
	const struct dn_yaml_node *key = dn_yaml_get(r->pl->tasks[ti].params, "key", NULL);
	if (key && key->kind == DN_YAML_SCALAR && !dn_yaml_is_null(key))
		lo.keys[lo.nkeys++] = key->str;
	for (size_t i = 0; key && key->kind == DN_YAML_SEQ && i < key->len && i < DN_WH_MAX_KEYS;
	     i++)
		lo.keys[lo.nkeys++] = key->items[i]->str;
	const struct dn_conn *cn = dn_project_conn(r->proj, conn.data ? conn.data : "");
	if (!cn || !cn->valid) {
		snprintf(why, whylen, "load: no connection '%s'", conn.data ? conn.data : "");
		goto out;
	}
	struct dn_buf u = DN_BUF_INIT;
	if (dn_conn_wh_url(r->proj, cn, &u, err) < 0) {
		dn_buf_release(&u);
		goto fail_err;
	}
	url = dn_buf_take(&u, NULL);
	struct dn_read_options ro;
	dn_read_options_init(&ro);
	if (bad.data && dn_bad_rows_parse(bad.data, &ro.bad_rows) < 0) {
		snprintf(why, whylen, "load: bad_rows '%s' is not fail, skip or quarantine",
			 bad.data);
		goto out;
	}
	if (rej.data && rej.data[0]) {
		rej_path = project_path(r, rej.data);
		ro.rejects_path = rej_path;
		char *slash = strrchr(rej_path, '/');
		*slash = 0; /* the rejects file's folder, like an output's */
		int mrc = mkdirs(rej_path, err);
		*slash = '/';
		if (mrc < 0)
			goto fail_err;
	}
	struct dn_wh_load_stats st;
	if ((rc = open_source(r, src.data ? src.data : "", &ro, &rd, err)) < 0 ||
	    (rc = dn_wh_open(&wh, url, r->proj->root, err)) < 0 ||
	    (rc = dn_wh_load_reader(wh, rd, table.data ? table.data : "", &lo, &st, err)) < 0)
		goto fail_err;
	struct dn_read_summary sum;
	dn_reader_summary(rd, &sum);
	log_line(&r->t[ti],
		 "loaded %s into %s: read %lld rows, %lld loaded, %lld skipped, %lld quarantined; "
		 "%lld written, %lld filtered%s%s",
		 src.data, table.data, (long long)sum.read, (long long)sum.loaded,
		 (long long)sum.skipped, (long long)sum.quarantined, (long long)st.rows_written,
		 (long long)st.rows_filtered, st.watermark[0] ? ", watermark " : "", st.watermark);
	log_line(&r->t[ti], "::output rows=%lld", (long long)st.rows_written);
	ok = 1;
	goto out;
fail_err:
	dn_error_format(err, why, whylen);
	dn_error_clear(err);
out:
	dn_wh_close(wh);
	dn_reader_free(rd);
	dn_free(path);
	dn_free(rej_path);
	dn_free(url);
	dn_buf_release(&src);
	dn_buf_release(&conn);
	dn_buf_release(&table);
	dn_buf_release(&mode);
	dn_buf_release(&inc);
	dn_buf_release(&bad);
	dn_buf_release(&rej);
	return ok;
}

/* Run an export task: a query (or a table) on a warehouse connection to a file, atomically. */
static int run_export(struct rt *r, size_t ti, char *why, size_t whylen, struct dn_error *err)
{
	struct dn_buf conn = DN_BUF_INIT, query = DN_BUF_INIT, out = DN_BUF_INIT, u = DN_BUF_INIT;
	struct dn_wh *wh = NULL;
	char *path = NULL;
	int present, ok = 0;
	int64_t rows = 0;
	if (render_param(r, ti, "connection", &conn, &present, err) < 0 ||
	    render_param(r, ti, "query", &query, &present, err) < 0 ||
	    render_param(r, ti, "path", &out, &present, err) < 0)
		goto fail_err;
	const struct dn_conn *cn = dn_project_conn(r->proj, conn.data ? conn.data : "");
	if (!cn || !cn->valid) {
		snprintf(why, whylen, "export: no connection '%s'", conn.data ? conn.data : "");
		goto out;
	}
	if (dn_conn_wh_url(r->proj, cn, &u, err) < 0)
		goto fail_err;
	if (out.data && !strncmp(out.data, "lake:", 5)) {
		struct dn_lake *lk = NULL;
		struct dn_lake_write_options wo;
		struct dn_lake_version v;
		struct dn_buf keep = DN_BUF_INIT;
		memset(&v, 0, sizeof v);
		int rc = open_lake(r, &lk, &wo, err);
		if (rc == 0)
			rc = lake_write_params(r, ti, &wo, &keep, why, whylen, err);
		if (rc == 0)
			rc = dn_wh_open(&wh, u.data, r->proj->root, err);
		if (rc == 0)
			rc = dn_wh_export_lake(wh, query.data ? query.data : "", lk, out.data + 5,
					       &wo, &v, err);
		if (rc == 0) {
			log_line(&r->t[ti], "exported %lld rows to %s version %lld",
				 (long long)v.rows, out.data, (long long)v.version);
			log_line(&r->t[ti], "::output rows=%lld", (long long)v.rows);
			log_line(&r->t[ti], "::output version=%lld", (long long)v.version);
		}
		dn_lake_version_release(&v);
		dn_lake_close(lk);
		dn_buf_release(&keep);
		if (rc < 0)
			goto fail_err;
		ok = rc == 0;
		goto out;
	}
	path = project_path(r, out.data ? out.data : "");
	char *slash = strrchr(path, '/');
	if (slash && slash != path) { /* the folder of the output, like the lake's partitions */
		*slash = 0;
		int mrc = mkdirs(path, err);
		*slash = '/';
		if (mrc < 0)
			goto fail_err;
	}
	if (dn_wh_open(&wh, u.data, r->proj->root, err) < 0 ||
	    dn_wh_export(wh, query.data ? query.data : "", path, DN_FORMAT_UNKNOWN, &rows, err) < 0)
		goto fail_err;
	log_line(&r->t[ti], "exported %lld rows to %s", (long long)rows, out.data);
	log_line(&r->t[ti], "::output rows=%lld", (long long)rows);
	ok = 1;
	goto out;
fail_err:
	dn_error_format(err, why, whylen);
	dn_error_clear(err);
out:
	dn_wh_close(wh);
	dn_free(path);
	dn_buf_release(&conn);
	dn_buf_release(&query);
	dn_buf_release(&out);
	dn_buf_release(&u);
	return ok;
}

/* ---- extract.api ---- */

/* Render a scalar node's text as a template, appending it and a NUL to keep; *off gets where it
 * starts (SIZE_MAX for an absent or null node). */
static int keep_render(struct rt *r, const struct dn_yaml_node *n, struct dn_buf *keep, size_t *off,
		       struct dn_error *err)
{
	struct tctx c = {r};
	*off = SIZE_MAX;
	if (!n || dn_yaml_is_null(n) || n->kind != DN_YAML_SCALAR)
		return 0;
	*off = keep->len;
	DN_TRY(dn_template_render(n->str, lookup, &c, keep, err));
	return dn_buf_putc(keep, 0, err);
}

static int api_stop(void *user)
{
	(void)user;
	return stop_requested != 0;
}

static void api_log(void *user, const char *line)
{
	log_line(user, "%s", line);
}

/* Is a plain YAML scalar a JSON literal (a number, true, false, null)? */
static int json_literal(const struct dn_yaml_node *n)
{
	double d;
	if (n->style != DN_YAML_PLAIN)
		return 0;
	if (!strcmp(n->str, "true") || !strcmp(n->str, "false") || !strcmp(n->str, "null"))
		return 1;
	size_t len = strlen(n->str);
	return len && ((n->str[0] >= '0' && n->str[0] <= '9') || n->str[0] == '-') &&
	       dn_parse_f64(n->str, len, &d) == 0;
}

/* Does an environment variable's name say it holds a secret? */
static int secret_name(const char *s, size_t n)
{
	static const char *const words[] = {"TOKEN", "SECRET",     "PASS", "KEY",
					    "AUTH",  "CREDENTIAL", "PWD"};
	char up[128];
	if (n >= sizeof up)
		n = sizeof up - 1;
	for (size_t i = 0; i < n; i++)
		up[i] = s[i] >= 'a' && s[i] <= 'z' ? (char)(s[i] - 32) : s[i];
	up[n] = 0;
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strstr(up, words[i]))
			return 1;
	return 0;
}

/* Values of secret-looking ${NAME}s substituted anywhere in node, for redaction. */
static void collect_secrets(struct rt *r, const struct dn_yaml_node *n, struct dn_api_options *o)
{
	if (!n)
		return;
	if (n->kind != DN_YAML_SCALAR) {
		for (size_t i = 0; i < (n->kind == DN_YAML_MAP ? 2 * n->len : n->len); i++)
			collect_secrets(r, n->items[i], o);
		return;
	}
	if (!n->expanded || !n->raw)
		return;
	for (const char *p = strstr(n->raw, "${"); p; p = strstr(p + 2, "${")) {
		size_t len = strcspn(p + 2, "}:-");
		char name[128];
		snprintf(name, sizeof name, "%.*s", (int)len, p + 2);
		const char *v = dn_env_get(&r->proj->env, name);
		if (v && secret_name(name, len) && o->nsecrets < 8)
			o->secrets[o->nsecrets++] = v;
	}
}

/* Fill o from task ti's params. Strings live in *keep (offsets first, pointers at the end, as
 * the buffer moves while it grows). Returns 0, 1 with why set for a bad value, or < 0. */
struct api_slot {
	const char **dst;
	size_t off;
};

static int api_options(struct rt *r, size_t ti, struct dn_api_options *o, struct dn_buf *keep,
		       char *why, size_t whylen, struct dn_error *err)
{
	const struct dn_yaml_node *params = r->pl->tasks[ti].params;
	struct api_slot slots[2 * DN_API_MAX_KV * 2 + 40];
	int ns = 0, rc;
	int64_t i64;
	int b;
#define SLOT(node, field)                                                                          \
	do {                                                                                       \
		size_t off_;                                                                       \
		if ((rc = keep_render(r, (node), keep, &off_, err)) < 0)                           \
			return rc;                                                                 \
		if (off_ != SIZE_MAX)                                                              \
			slots[ns++] = (struct api_slot){(const char **)&(field), off_};            \
	} while (0)
	collect_secrets(r, params, o);
	SLOT(dn_yaml_get(params, "url", NULL), o->url);
	SLOT(dn_yaml_get(params, "body", NULL), o->body);
	SLOT(dn_yaml_get(params, "records", NULL), o->records);
	const struct dn_yaml_node *m = dn_yaml_get(params, "method", NULL);
	if (m && m->kind == DN_YAML_SCALAR && !strcasecmp(m->str, "POST"))
		o->post = 1;
	for (int h = 0; h < 2; h++) {
		const struct dn_yaml_node *q = dn_yaml_get(params, h ? "headers" : "query", NULL);
		struct dn_api_kv *kv = h ? o->headers : o->query;
		int *n = h ? &o->nheaders : &o->nquery;
		for (size_t k = 0; q && q->kind == DN_YAML_MAP && k < q->len && *n < DN_API_MAX_KV;
		     k++) {
			kv[*n].key = q->items[2 * k]->str;
			kv[*n].value = "";
			SLOT(q->items[2 * k + 1], kv[*n].value);
			(*n)++;
		}
	}
	const struct dn_yaml_node *a = dn_yaml_get(params, "auth", NULL);
	const char *t = a ? dn_yaml_get(a, "type", NULL) ? dn_yaml_get(a, "type", NULL)->str : "" :
			    NULL;
	if (t) {
		o->auth = !strcmp(t, "bearer")                    ? DN_API_AUTH_BEARER :
			  !strcmp(t, "basic")                     ? DN_API_AUTH_BASIC :
			  !strcmp(t, "api_key")                   ? DN_API_AUTH_API_KEY :
			  !strcmp(t, "oauth2_client_credentials") ? DN_API_AUTH_OAUTH2 :
								    DN_API_AUTH_NONE;
		if (o->auth == DN_API_AUTH_NONE) {
			snprintf(why, whylen, "auth type '%s' is not known", t);
			return 1;
		}
		SLOT(dn_yaml_get(a, "token", NULL), o->token);
		SLOT(dn_yaml_get(a, "username", NULL), o->username);
		SLOT(dn_yaml_get(a, "password", NULL), o->password);
		SLOT(dn_yaml_get(a, "header", NULL), o->key_header);
		SLOT(dn_yaml_get(a, "query", NULL), o->key_query);
		SLOT(dn_yaml_get(a, "value", NULL), o->key_value);
		SLOT(dn_yaml_get(a, "token_url", NULL), o->token_url);
		SLOT(dn_yaml_get(a, "client_id", NULL), o->client_id);
		SLOT(dn_yaml_get(a, "client_secret", NULL), o->client_secret);
		SLOT(dn_yaml_get(a, "scope", NULL), o->scope);
	}
	const struct dn_yaml_node *g = dn_yaml_get(params, "graphql", NULL);
	if (g && g->kind == DN_YAML_MAP) {
		const struct dn_yaml_node *q = dn_yaml_get(g, "query", NULL);
		if (q && q->kind == DN_YAML_SCALAR)
			o->graphql_query = q->str; /* not a template: GraphQL is full of braces */
		const struct dn_yaml_node *v = dn_yaml_get(g, "variables", NULL);
		if (v && v->kind == DN_YAML_MAP) {
			struct tctx c = {r};
			size_t off = keep->len;
			DN_TRY(dn_buf_putc(keep, '{', err));
			for (size_t k = 0; k < v->len; k++) {
				const struct dn_yaml_node *vk = v->items[2 * k],
							  *vv = v->items[2 * k + 1];
				if (vv->kind != DN_YAML_SCALAR)
					continue;
				if (k)
					DN_TRY(dn_buf_putc(keep, ',', err));
				DN_TRY(dn_json_put_string(keep, vk->str, strlen(vk->str), err));
				DN_TRY(dn_buf_putc(keep, ':', err));
				if (json_literal(vv)) {
					DN_TRY(dn_buf_puts(keep, vv->str, err));
				} else {
					struct dn_buf tmp = DN_BUF_INIT;
					rc = dn_template_render(vv->str, lookup, &c, &tmp, err);
					if (rc == 0)
						rc = dn_json_put_string(keep,
									tmp.data ? tmp.data : "",
									tmp.len, err);
					dn_buf_release(&tmp);
					if (rc < 0)
						return rc;
				}
			}
			DN_TRY(dn_buf_puts(keep, "}", err));
			DN_TRY(dn_buf_putc(keep, 0, err));
			slots[ns++] = (struct api_slot){&o->graphql_variables, off};
		}
	}
	const struct dn_yaml_node *p = dn_yaml_get(params, "pagination", NULL);
	if (p && p->kind == DN_YAML_MAP) {
		const char *pt = dn_yaml_get(p, "type", NULL) ? dn_yaml_get(p, "type", NULL)->str :
								"";
		o->paging = !strcmp(pt, "page")        ? DN_API_PAGING_PAGE :
			    !strcmp(pt, "offset")      ? DN_API_PAGING_OFFSET :
			    !strcmp(pt, "cursor")      ? DN_API_PAGING_CURSOR :
			    !strcmp(pt, "link_header") ? DN_API_PAGING_LINK :
							 DN_API_PAGING_NONE;
		if (o->paging == DN_API_PAGING_NONE) {
			snprintf(why, whylen, "pagination type '%s' is not known", pt);
			return 1;
		}
		SLOT(dn_yaml_get(p, "param", NULL), o->param);
		SLOT(dn_yaml_get(p, "limit_param", NULL), o->limit_param);
		SLOT(dn_yaml_get(p, "cursor_path", NULL), o->cursor_path);
		if (o->graphql_query)
			SLOT(dn_yaml_get(p, "page_info", NULL), o->cursor_path);
		const struct dn_yaml_node *n;
		if ((n = dn_yaml_get(p, "start", NULL)) && dn_yaml_i64(n, &i64) == 0)
			o->start = i64;
		if ((n = dn_yaml_get(p, "limit", NULL)) && dn_yaml_i64(n, &i64) == 0)
			o->limit = i64;
		if ((n = dn_yaml_get(p, "max_pages", NULL)) && dn_yaml_i64(n, &i64) == 0)
			o->max_pages = i64;
		if ((n = dn_yaml_get(p, "max_pages_ok", NULL)) && dn_yaml_bool(n, &b) == 0)
			o->max_pages_ok = b;
	}
	const struct dn_yaml_node *n;
	if ((n = dn_yaml_get(params, "rate_limit", NULL)) && n->kind == DN_YAML_SCALAR &&
	    dn_api_rate_parse(n->str, &o->rate_per_s) < 0) {
		snprintf(why, whylen, "rate_limit '%s' is not a rate such as 10/s", n->str);
		return 1;
	}
	if ((n = dn_yaml_get(params, "retries", NULL)) && dn_yaml_i64(n, &i64) == 0)
		o->retries = (int)(i64 > 100 ? 100 : i64);
	if ((n = dn_yaml_get(params, "retry_backoff", NULL)) && n->kind == DN_YAML_SCALAR)
		dn_duration_parse(n->str, &o->backoff_ms);
	if ((n = dn_yaml_get(params, "max_wait", NULL)) && n->kind == DN_YAML_SCALAR)
		dn_duration_parse(n->str, &o->max_wait_ms);
	if ((n = dn_yaml_get(params, "timeout", NULL)) && n->kind == DN_YAML_SCALAR)
		dn_duration_parse(n->str, &o->timeout_ms);
	if ((n = dn_yaml_get(params, "max_response_bytes", NULL)) && dn_yaml_i64(n, &i64) == 0 &&
	    i64 > 0)
		o->max_response_bytes = (size_t)i64;
	const struct dn_yaml_node *inc = dn_yaml_get(params, "incremental", NULL);
	if (inc && (n = dn_yaml_get(inc, "bookmark", NULL)) && n->kind == DN_YAML_SCALAR)
		o->bookmark_field = n->str;
#undef SLOT
	for (int k = 0; k < ns; k++)
		*slots[k].dst = keep->data + slots[k].off;
	return 0;
}

static int api_records(void *user, struct dn_buf *records, int64_t page, struct dn_error *err)
{
	return dn_pagesink_put(user, records, page, err);
}

/* Run an extract.api task: every page of an API, committed as one new version of a lake
 * dataset, then the bookmark. A failure anywhere commits nothing and keeps the bookmark. */
static int run_extract_api(struct rt *r, size_t ti, char *why, size_t whylen, struct dn_error *err)
{
	const struct dn_task *task = &r->pl->tasks[ti];
	struct dn_buf keep = DN_BUF_INIT, wkeep = DN_BUF_INIT, ds = DN_BUF_INIT, fr = DN_BUF_INIT;
	struct dn_api_options o;
	struct dn_api_result res;
	struct dn_lake *lk = NULL;
	struct dn_pagesink *sink = NULL;
	struct dn_lake_write_options wo;
	struct dn_lake_version v;
	char *prev = NULL;
	int present, ok = 0, rc, full = 0;
	memset(&res, 0, sizeof res);
	memset(&v, 0, sizeof v);
	dn_api_options_init(&o);
	if (render_param(r, ti, "full_refresh", &fr, &present, err) < 0)
		goto fail_err;
	if (present && !strcasecmp(fr.data, "true"))
		full = 1;
	else if (present && strcasecmp(fr.data, "false")) {
		snprintf(why, whylen, "full_refresh '%s' is not true or false", fr.data);
		goto out;
	}
	const struct dn_yaml_node *inc = dn_yaml_get(task->params, "incremental", NULL);
	if (inc && !dn_yaml_is_null(inc) &&
	    dn_meta_bookmark_get(r->meta, r->pl->id, task->id, &prev, err) < 0)
		goto fail_err;
	r->in_api = 1;
	r->bookmark = full ? NULL : prev;
	rc = api_options(r, ti, &o, &keep, why, whylen, err);
	if (rc == 0 && render_param(r, ti, "dataset", &ds, &present, err) < 0)
		rc = -1;
	if (rc == 0 && open_lake(r, &lk, &wo, err) < 0)
		rc = -1;
	if (rc == 0)
		rc = lake_write_params(r, ti, &wo, &wkeep, why, whylen, err);
	r->in_api = 0;
	r->bookmark = NULL;
	if (rc < 0)
		goto fail_err;
	if (rc > 0)
		goto out;
	if (inc && !full && prev)
		log_line(&r->t[ti], "bookmark from the last run: %s", prev);
	o.bookmark_prev = full ? NULL : prev;
	o.log = api_log;
	o.log_user = &r->t[ti];
	o.stop = api_stop;
	char name[256];
	snprintf(name, sizeof name, "extract.api task %s", task->id);
	if (dn_pagesink_start(&sink, lk, ds.data ? ds.data : "", &wo, name, err) < 0)
		goto fail_err;
	o.records_cb = api_records;
	o.records_user = sink;
	int64_t rows = 0, version = 0;
	rc = dn_api_extract(&o, &res, err);
	if (rc < 0 || res.records == 0) {
		dn_pagesink_finish(sink, 0, NULL, NULL, NULL);
		sink = NULL;
		if (rc < 0)
			goto fail_err;
		log_line(&r->t[ti], "no records in %lld page%s: nothing committed to %s",
			 (long long)res.pages, res.pages == 1 ? "" : "s", ds.data);
	} else {
		rc = dn_pagesink_finish(sink, 1, &v, &rows, err);
		sink = NULL;
		if (rc < 0)
			goto fail_err;
		version = v.version;
		log_line(&r->t[ti], "wrote %lld records from %lld pages to %s version %lld",
			 (long long)rows, (long long)res.pages, ds.data, (long long)version);
	}
	/* The bookmark moves only once the records it covers are committed. */
	if (inc && !dn_yaml_is_null(inc) && res.bookmark &&
	    dn_meta_bookmark_set(r->meta, r->pl->id, task->id, res.bookmark, dn_now_us(), err) < 0)
		goto fail_err;
	log_line(&r->t[ti], "::output rows=%lld", (long long)rows);
	log_line(&r->t[ti], "::output pages=%lld", (long long)res.pages);
	if (version)
		log_line(&r->t[ti], "::output version=%lld", (long long)version);
	if (inc && !dn_yaml_is_null(inc))
		log_line(&r->t[ti], "::output bookmark=%s", res.bookmark ? res.bookmark : "");
	ok = 1;
	goto out;
fail_err:
	dn_error_format(err, why, whylen);
	dn_error_clear(err);
out:
	r->in_api = 0;
	r->bookmark = NULL;
	dn_pagesink_finish(sink, 0, NULL, NULL, NULL);
	dn_lake_version_release(&v);
	dn_lake_close(lk);
	dn_api_result_release(&res);
	dn_free(prev);
	dn_buf_release(&keep);
	dn_buf_release(&wkeep);
	dn_buf_release(&ds);
	dn_buf_release(&fr);
	return ok;
}

/* ---- task types registered by later modules (quality, ...) run through their callback ---- */

int dn_task_ctx_param(const struct dn_task_ctx *c, const char *key, struct dn_buf *out,
		      int *present, struct dn_error *err)
{
	struct rt *r = c->impl;
	return render_param(r, (size_t)(c->task - r->pl->tasks), key, out, present, err);
}

void dn_task_ctx_log(const struct dn_task_ctx *c, const char *fmt, ...)
{
	struct rt *r = c->impl;
	char line[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	log_line(&r->t[c->task - r->pl->tasks], "%s", line);
}

static int run_registered(struct rt *r, size_t ti, char *why, size_t whylen, struct dn_error *err)
{
	struct dn_task_ctx c = {r->proj,   r->meta,     r->pl,     &r->pl->tasks[ti],
				r->run_id, r->start_us, r->end_us, r};
	int ok = r->pl->tasks[ti].type->run(&c, why, whylen, err);
	if (ok < 0) {
		dn_error_format(err, why, whylen);
		dn_error_clear(err);
		ok = 0;
	}
	return ok;
}

/* ---- extract.file, extract.scrape (xtask.c) ---- */

/* Render every scalar of node n into flat names: key, key.name (mappings), key.N (lists). */
static int xt_flatten(struct rt *r, const char *key, const struct dn_yaml_node *n,
		      struct dn_xt_param **v, size_t *nv, size_t *cap, int depth,
		      struct dn_error *err)
{
	if (!n || dn_yaml_is_null(n) || depth > 3)
		return 0;
	if (n->kind != DN_YAML_SCALAR) {
		int map = n->kind == DN_YAML_MAP;
		for (size_t i = 0; i < n->len; i++) {
			struct dn_buf k = DN_BUF_INIT;
			int rc = map ? dn_buf_printf(&k, err, "%s.%s", key, n->items[2 * i]->str) :
				       dn_buf_printf(&k, err, "%s.%zu", key, i);
			if (rc == 0)
				rc = xt_flatten(r, k.data, map ? n->items[2 * i + 1] : n->items[i],
						v, nv, cap, depth + 1, err);
			dn_buf_release(&k);
			DN_TRY(rc);
		}
		return 0;
	}
	if (*nv == *cap) {
		size_t nc = *cap ? *cap * 2 : 32;
		struct dn_xt_param *p = dn_realloc(*v, nc * sizeof *p);
		if (!p)
			return dn_error_set(err, DN_ENOMEM, "out of memory");
		*v = p;
		*cap = nc;
	}
	struct tctx c = {r};
	struct dn_buf val = DN_BUF_INIT;
	int rc = dn_template_render(n->str, lookup, &c, &val, err);
	if (rc == 0)
		rc = dn_buf_putc(&val, 0, err);
	if (rc < 0) {
		dn_buf_release(&val);
		dn_error_prefix(err, "param %s: ", key);
		return rc;
	}
	char *k = dn_strdup(key), *value = dn_buf_take(&val, NULL);
	if (!k || !value) {
		dn_free(k);
		dn_free(value);
		return dn_error_set(err, DN_ENOMEM, "out of memory");
	}
	(*v)[*nv].key = k;
	(*v)[*nv].value = value;
	(*nv)++;
	return 0;
}

static int run_xtask(struct rt *r, size_t ti, char *why, size_t whylen, struct dn_error *err)
{
	const struct dn_task *task = &r->pl->tasks[ti];
	const struct dn_yaml_node *params = task->params;
	struct dn_xt_param *v = NULL;
	size_t nv = 0, cap = 0;
	struct dn_buf wkeep = DN_BUF_INIT, stage = DN_BUF_INIT;
	struct dn_lake *lk = NULL;
	struct dn_lake_write_options wo;
	struct dn_api_options sec;
	int ok = 0, rc = 0;
	dn_api_options_init(&sec);
	collect_secrets(r, params, &sec);
	for (size_t i = 0; rc == 0 && params && params->kind == DN_YAML_MAP && i < params->len; i++)
		rc = xt_flatten(r, params->items[2 * i]->str, params->items[2 * i + 1], &v, &nv,
				&cap, 0, err);
	if (rc == 0)
		rc = dn_buf_printf(&stage, err, "%s/.dunya/downloads/%s/%s", r->proj->root,
				   r->pl->id, task->id);
	if (rc == 0)
		rc = mkdirs(stage.data, err);
	if (rc == 0)
		rc = open_lake(r, &lk, &wo, err);
	if (rc == 0)
		rc = lake_write_params(r, ti, &wo, &wkeep, why, whylen, err);
	if (rc == 0) {
		struct dn_xt_ctx c = {task->type_name,
				      r->pl->id,
				      task->id,
				      v,
				      nv,
				      {0},
				      0,
				      r->meta,
				      lk,
				      &wo,
				      stage.data,
				      api_stop,
				      api_log,
				      &r->t[ti]};
		for (int i = 0; i < sec.nsecrets; i++)
			c.secrets[c.nsecrets++] = sec.secrets[i];
		ok = dn_xt_run(&c, why, whylen);
	} else if (rc < 0) {
		dn_error_format(err, why, whylen);
		dn_error_clear(err);
	}
	for (size_t i = 0; i < nv; i++) {
		dn_free(v[i].key);
		dn_free(v[i].value);
	}
	dn_free(v);
	dn_lake_close(lk);
	dn_buf_release(&wkeep);
	dn_buf_release(&stage);
	return ok;
}

static int sensor_found(const char *pattern)
{
	glob_t g;
	int rc = glob(pattern, GLOB_NOSORT, NULL, &g);
	size_t n = rc == 0 ? g.gl_pathc : 0;
	if (rc == 0)
		globfree(&g);
	return n > 0;
}

/* Claim task ti and start it. Returns 0 (started or already finished), or < 0 on an error of
 * the store (which ends the run). */
static int start_task(struct rt *r, size_t ti, struct dn_error *err)
{
	struct rt_task *t = &r->t[ti];
	const struct dn_task *task = &r->pl->tasks[ti];
	int try_number = 0;
	int rc = dn_meta_task_claim_slot(r->meta, r->run, task->id, (int)getpid(), r->hostname,
					 dn_now_us(), task->s.pool, pool_slots(r, task->s.pool),
					 r->o->global_slots > 0 ? r->o->global_slots : -1,
					 &try_number, err);
	if (rc == 2)
		return 1; /* no free slot in the pool or in all: try again shortly */
	if (rc <= 0)
		return rc < 0 ? rc :
				dn_error_set(err, DN_EINTERNAL,
					     "task %s was claimed by another process", task->id);
	t->st = DN_TI_RUNNING;
	t->try_number = try_number;
	t->started_mono = dn_monotonic_us();
	t->deadline_mono = task->s.timeout_ms > 0 ? t->started_mono + task->s.timeout_ms * 1000 : 0;
	t->kill_at_mono = 0;
	t->timed_out = 0;
	r->running++;
	list_remove(r->active, &r->nactive, ti); /* a retry is still listed */
	r->active[r->nactive++] = ti;
	dn_free(t->log_path);
	struct dn_buf lp = DN_BUF_INIT;
	dn_buf_printf(&lp, NULL, "%s/.dunya/logs/%s/%s", r->proj->root, r->pl->id, r->run_id);
	if ((rc = mkdirs(lp.data, err)) < 0) {
		dn_buf_release(&lp);
		return rc;
	}
	dn_buf_printf(&lp, NULL, "/%s.%d.log", task->id, try_number);
	t->log_path = dn_buf_take(&lp, NULL);
	progress(r, ti, NULL);

	char why[DN_ERROR_MSG_MAX];
	const char *type = task->type_name;
	if (!strcmp(type, "noop"))
		return finish(r, ti, 1, 0, NULL, err);
	if (!strcmp(type, "sql")) {
		why[0] = 0;
		int ok = run_sql(r, ti, why, sizeof why, err);
		return finish(r, ti, ok, ok ? 0 : 1, ok ? NULL : why, err);
	}
	if (!strcmp(type, "models")) {
		why[0] = 0;
		int ok = run_models(r, ti, why, sizeof why, err);
		return finish(r, ti, ok, ok ? 0 : 1, ok ? NULL : why, err);
	}
	if (!strcmp(type, "export")) {
		why[0] = 0;
		int ok = run_export(r, ti, why, sizeof why, err);
		return finish(r, ti, ok, ok ? 0 : 1, ok ? NULL : why, err);
	}
	if (!strcmp(type, "lake.write")) {
		why[0] = 0;
		int ok = run_lake_write(r, ti, why, sizeof why, err);
		return finish(r, ti, ok, ok ? 0 : 1, ok ? NULL : why, err);
	}
	if (!strcmp(type, "extract.api")) {
		why[0] = 0;
		int ok = run_extract_api(r, ti, why, sizeof why, err);
		return finish(r, ti, ok, ok ? 0 : 1, ok ? NULL : why, err);
	}
	if (!strcmp(type, "extract.file") || !strcmp(type, "extract.scrape")) {
		why[0] = 0;
		int ok = run_xtask(r, ti, why, sizeof why, err);
		return finish(r, ti, ok, ok ? 0 : 1, ok ? NULL : why, err);
	}
	if (!strcmp(type, "load")) {
		why[0] = 0;
		int ok = run_load(r, ti, why, sizeof why, err);
		return finish(r, ti, ok, ok ? 0 : 1, ok ? NULL : why, err);
	}
	if (!strcmp(type, "sensor.file")) {
		struct dn_buf path = DN_BUF_INIT, iv = DN_BUF_INIT;
		int present;
		int64_t ms = 30000;
		if (render_param(r, ti, "path", &path, &present, err) < 0 ||
		    render_param(r, ti, "poke_interval", &iv, &present, err) < 0) {
			dn_error_format(err, why, sizeof why);
			dn_error_clear(err);
			dn_buf_release(&path);
			dn_buf_release(&iv);
			return finish(r, ti, 0, 1, why, err);
		}
		if (present)
			dn_duration_parse(iv.data, &ms);
		dn_buf_release(&iv);
		if (!t->deadline_mono) {
			struct dn_buf to = DN_BUF_INIT;
			int64_t tms;
			if (render_param(r, ti, "timeout", &to, &present, err) >= 0 && present &&
			    dn_duration_parse(to.data, &tms) == 0)
				t->deadline_mono = t->started_mono + tms * 1000;
			dn_error_clear(err);
			dn_buf_release(&to);
		}
		dn_free(t->sensor_path);
		dn_free(t->sensor_shown);
		t->sensor_path = project_path(r, path.data ? path.data : "");
		t->sensor_shown = dn_strdup(path.data ? path.data : "");
		dn_buf_release(&path);
		t->poke_interval_us = ms > 0 ? ms * 1000 : 1000;
		t->sensing = 1;
		t->next_poke_mono = t->started_mono; /* poke at once */
		log_line(t, "waiting for %s", t->sensor_path);
		return 0;
	}
	if (task->type && task->type->run) {
		why[0] = 0;
		int ok = run_registered(r, ti, why, sizeof why, err);
		return finish(r, ti, ok, ok ? 0 : 1, ok ? NULL : why, err);
	}
	/* shell */
	struct dn_buf cmd = DN_BUF_INIT, cwd = DN_BUF_INIT, val = DN_BUF_INIT;
	struct dn_buf envs = DN_BUF_INIT;
	char **envp = NULL;
	int present, cwd_present, nenv = 0;
	rc = render_param(r, ti, "command", &cmd, &present, err);
	if (rc >= 0)
		rc = render_param(r, ti, "cwd", &cwd, &cwd_present, err);
	/* env: a mapping of NAME: value (values are templates), plus the run's context. */
	const struct dn_yaml_node *em = dn_yaml_get(task->params, "env", NULL);
	size_t nem = em && em->kind == DN_YAML_MAP ? em->len : 0;
	envp = dn_calloc(nem + 7, sizeof *envp);
	struct tctx c = {r};
	for (size_t i = 0; rc >= 0 && envp && i < nem; i++) {
		const struct dn_yaml_node *k = em->items[2 * i], *v = em->items[2 * i + 1];
		dn_buf_reset(&val);
		dn_buf_printf(&val, NULL, "%s=", k->str);
		if (v->kind == DN_YAML_SCALAR && !dn_yaml_is_null(v))
			rc = dn_template_render(v->str, lookup, &c, &val, err);
		if (rc >= 0)
			envp[nenv++] = dn_strdup(val.data);
	}
	if (rc >= 0 && envp) {
		char ds[64];
		struct dn_buf dsb = DN_BUF_INIT;
		lookup(&c, "ds", 2, &dsb, NULL);
		snprintf(ds, sizeof ds, "DUNYA_DS=%s", dsb.data ? dsb.data : "");
		dn_buf_release(&dsb);
		/* Tasks can call `dunya`: the running binary's folder goes first on PATH. */
		char exe[4096];
		ssize_t el = readlink("/proc/self/exe", exe, sizeof exe - 1);
		if (el > 0) {
			exe[el] = 0;
			char *slash = strrchr(exe, '/');
			if (slash)
				*slash = 0;
			const char *path = getenv("PATH");
			dn_buf_printf(&envs, NULL, "PATH=%s%s%s", exe, path ? ":" : "",
				      path ? path : "");
			envp[nenv++] = dn_buf_take(&envs, NULL);
		}
		dn_buf_printf(&envs, NULL, "DUNYA_RUN_ID=%s", r->run_id);
		envp[nenv++] = dn_buf_take(&envs, NULL);
		dn_buf_printf(&envs, NULL, "DUNYA_TASK_ID=%s", task->id);
		envp[nenv++] = dn_buf_take(&envs, NULL);
		dn_buf_printf(&envs, NULL, "DUNYA_TRY=%d", try_number);
		envp[nenv++] = dn_buf_take(&envs, NULL);
		envp[nenv++] = dn_strdup(ds);
	}
	char *cwd_path = NULL;
	if (rc >= 0) {
		cwd_path = project_path(r, cwd_present && cwd.data ? cwd.data : ".");
		struct dn_proc_spec spec = {cmd.data ? cmd.data : "true", (const char *const *)envp,
					    cwd_path, t->log_path};
		rc = dn_proc_start(&t->proc, &spec, err);
		if (rc >= 0) {
			t->has_proc = 1;
			/* The process group, so a recovery can end what a dead runner left. */
			struct dn_error pe;
			if (dn_meta_attempt_set_pid(r->meta, r->run, task->id, try_number,
						    (int)t->proc.pid, &pe) < 0)
				dn_warn("%s: %s (a recovery could not end this process)", task->id,
					pe.msg);
		}
	}
	for (int i = 0; envp && i < nenv; i++)
		dn_free(envp[i]);
	dn_free(envp);
	dn_free(cwd_path);
	dn_buf_release(&cmd);
	dn_buf_release(&cwd);
	dn_buf_release(&val);
	dn_buf_release(&envs);
	if (rc < 0) {
		/* A template or spawn problem fails this attempt, not the whole run. */
		dn_error_format(err, why, sizeof why);
		dn_error_clear(err);
		return finish(r, ti, 0, -1, why, err);
	}
	return 0;
}

/* Check running tasks: reap processes, enforce timeouts, poke sensors. Returns the number of
 * tasks that changed state, or < 0. */
static int check_running(struct rt *r, int64_t *wake, struct dn_error *err)
{
	int changed = 0;
	/* Backwards: finish() removes a task by moving the last one into its place. */
	for (size_t k = r->nactive; k-- > 0;) {
		if (k >= r->nactive)
			continue;
		size_t ti = r->active[k];
		struct rt_task *t = &r->t[ti];
		if (t->st != DN_TI_RUNNING)
			continue;
		int64_t now = dn_monotonic_us();
		if (t->sensing) {
			if (now >= t->next_poke_mono) {
				if (sensor_found(t->sensor_path)) {
					log_line(t, "found %s", t->sensor_path);
					DN_TRY(finish(r, ti, 1, 0, NULL, err));
					changed++;
					continue;
				}
				t->next_poke_mono = now + t->poke_interval_us;
			}
			if (t->deadline_mono && now >= t->deadline_mono) {
				char why[600];
				snprintf(why, sizeof why, "sensor timed out waiting for %s",
					 t->sensor_shown ? t->sensor_shown : t->sensor_path);
				DN_TRY(finish(r, ti, 0, 1, why, err));
				changed++;
				continue;
			}
			if (t->next_poke_mono < *wake)
				*wake = t->next_poke_mono;
			if (t->deadline_mono && t->deadline_mono < *wake)
				*wake = t->deadline_mono;
			continue;
		}
		if (!t->has_proc)
			continue;
		struct dn_proc_status st;
		int rc = dn_proc_poll(&t->proc, &st, err);
		if (rc < 0)
			return rc;
		if (rc == 1) {
			char why[200];
			int ok = !t->timed_out && st.exit_code == 0;
			if (t->timed_out)
				snprintf(why, sizeof why, "timed out after %.1f s",
					 (double)r->pl->tasks[ti].s.timeout_ms / 1000);
			else if (st.signal)
				snprintf(why, sizeof why, "killed by signal %d", st.signal);
			else
				snprintf(why, sizeof why, "exit code %d", st.exit_code);
			if (t->timed_out)
				(void)kill(-t->proc.pid, SIGKILL); /* leftovers of the group */
			DN_TRY(finish(r, ti, ok, st.exit_code, ok ? NULL : why, err));
			changed++;
			continue;
		}
		if (t->deadline_mono && now >= t->deadline_mono && !t->timed_out) {
			t->timed_out = 1;
			(void)dn_proc_signal(&t->proc, SIGTERM, NULL);
			t->kill_at_mono = now + DN_PROC_KILL_GRACE_US;
			log_line(t, "dunya: timeout: sent SIGTERM to the task's process group");
		}
		if (t->timed_out && t->kill_at_mono && now >= t->kill_at_mono) {
			(void)dn_proc_signal(&t->proc, SIGKILL, NULL);
			t->kill_at_mono = 0;
		}
		int64_t next = t->timed_out ? t->kill_at_mono : t->deadline_mono;
		if (next && next < *wake)
			*wake = next;
	}
	return changed;
}

static int is_done(enum dn_ti_state s)
{
	return s == DN_TI_SUCCESS || s == DN_TI_FAILED || s == DN_TI_UPSTREAM_FAILED ||
	       s == DN_TI_SKIPPED;
}

static int is_failed(enum dn_ti_state s)
{
	return s == DN_TI_FAILED || s == DN_TI_UPSTREAM_FAILED;
}

/* What a waiting task's trigger rule says now: DN_TI_QUEUED (run it), DN_TI_UPSTREAM_FAILED or
 * DN_TI_SKIPPED (it never will), or DN_TI_NONE (wait). */
static enum dn_ti_state trigger(struct rt *r, size_t ti)
{
	const struct dn_task *task = &r->pl->tasks[ti];
	size_t done = 0, success = 0, failed = 0, skipped = 0, n = task->nup;
	for (size_t i = 0; i < n; i++) {
		enum dn_ti_state s = r->t[task->up[i]].st;
		done += is_done(s);
		success += s == DN_TI_SUCCESS;
		failed += is_failed(s);
		skipped += s == DN_TI_SKIPPED;
	}
	switch (task->s.trigger_rule) {
	case DN_TRIGGER_ALL_SUCCESS:
		if (failed)
			return DN_TI_UPSTREAM_FAILED;
		if (skipped)
			return DN_TI_SKIPPED;
		return done == n ? DN_TI_QUEUED : DN_TI_NONE;
	case DN_TRIGGER_ALL_DONE:
		return done == n ? DN_TI_QUEUED : DN_TI_NONE;
	case DN_TRIGGER_ALL_FAILED:
		if (done - failed > 0)
			return DN_TI_SKIPPED;
		return done == n ? DN_TI_QUEUED : DN_TI_NONE;
	case DN_TRIGGER_ONE_SUCCESS:
		if (success || n == 0)
			return DN_TI_QUEUED;
		return done == n ? (failed ? DN_TI_UPSTREAM_FAILED : DN_TI_SKIPPED) : DN_TI_NONE;
	case DN_TRIGGER_ONE_FAILED:
		if (failed || n == 0)
			return n ? DN_TI_QUEUED : DN_TI_SKIPPED;
		return done == n ? DN_TI_SKIPPED : DN_TI_NONE;
	case DN_TRIGGER_NONE_FAILED:
		if (failed)
			return DN_TI_UPSTREAM_FAILED;
		return done == n ? DN_TI_QUEUED : DN_TI_NONE;
	}
	return DN_TI_NONE;
}

static int pool_slots(struct rt *r, const char *pool)
{
	for (size_t i = 0; i < r->proj->npools; i++)
		if (!strcmp(r->proj->pools[i].name, pool))
			return (int)r->proj->pools[i].slots;
	return -1; /* no limit beyond parallelism */
}

static int pool_used(struct rt *r, const char *pool)
{
	int n = 0;
	for (size_t k = 0; k < r->nactive; k++) {
		size_t i = r->active[k];
		if (r->t[i].st == DN_TI_RUNNING && !strcmp(r->pl->tasks[i].s.pool, pool))
			n++;
	}
	return n;
}

/* Start the ready tasks that fit: highest priority first, then file order. */
static int start_ready(struct rt *r, struct dn_error *err)
{
	int started = 0;
	while (r->running < r->parallelism && r->nqueued) {
		long best = -1;
		for (size_t k = 0; k < r->nqueued; k++) {
			size_t ti = r->queued[k];
			const char *pool = r->pl->tasks[ti].s.pool;
			int slots = pool_slots(r, pool);
			if (slots >= 0 && pool_used(r, pool) >= slots)
				continue;
			int64_t pa = r->pl->tasks[ti].s.priority;
			if (best < 0 || pa > r->pl->tasks[best].s.priority ||
			    (pa == r->pl->tasks[best].s.priority && r->pos[ti] < r->pos[best]))
				best = (long)ti;
		}
		if (best < 0)
			break;
		list_remove(r->queued, &r->nqueued, (size_t)best);
		int rc = start_task(r, (size_t)best, err);
		if (rc < 0)
			return rc;
		if (rc == 1) { /* limits shared with other runs are full */
			r->queued[r->nqueued++] = (size_t)best;
			r->slot_wait = 1;
			break;
		}
		started++;
	}
	return started;
}

/* Wait until a running process may have ended or `wake` (monotonic µs) comes. */
static void wait_events(struct rt *r, int64_t wake)
{
	struct pollfd pfd[256];
	nfds_t n = 0;
	int polled_all = 1;
	for (size_t k = 0; k < r->nactive; k++) {
		struct rt_task *t = &r->t[r->active[k]];
		if (t->st == DN_TI_RUNNING && t->has_proc) {
			if (t->proc.pidfd >= 0 && n < 256) {
				pfd[n].fd = t->proc.pidfd;
				pfd[n].events = POLLIN;
				pfd[n].revents = 0;
				n++;
			} else {
				polled_all = 0;
			}
		}
	}
	int64_t left = wake - dn_monotonic_us();
	if (!polled_all && left > 2000)
		left = 2000; /* no pidfd: check again soon */
	if (left <= 0)
		return;
	int ms = (int)((left + 999) / 1000);
	(void)poll(pfd, n, ms);
}

/* Read one JSON string at *p (after its opening quote) into out; advances *p past the closing
 * quote. Only what json_quote writes needs to be understood, but any valid escape is taken. */
static int json_string(const char **p, struct dn_buf *out)
{
	const char *s = *p;
	while (*s && *s != '"') {
		if (*s == '\\') {
			s++;
			char e = *s;
			if (e == 'u') {
				unsigned v = 0;
				for (int i = 1; i <= 4; i++) {
					char h = s[i];
					v = v * 16 + (unsigned)(h >= '0' && h <= '9' ?
									h - '0' :
									(h | 0x20) - 'a' + 10);
				}
				char u[4];
				int n = dn_utf8_encode(v, u);
				dn_buf_append(out, u, (size_t)n, NULL);
				s += 5;
				continue;
			}
			dn_buf_putc(out,
				    e == 'n' ? '\n' :
				    e == 't' ? '\t' :
				    e == 'r' ? '\r' :
					       e,
				    NULL);
			s++;
			continue;
		}
		dn_buf_putc(out, *s++, NULL);
	}
	if (*s != '"')
		return DN_EPARSE;
	*p = s + 1;
	return 0;
}

/* The params of a run as stored ({"name":"value"|null,...}) into r->param_values. */
static int params_from_json(struct rt *r, const char *json, struct dn_error *err)
{
	const char *p = json;
	struct dn_buf k = DN_BUF_INIT, v = DN_BUF_INIT;
	int rc = 0;
	while (*p == ' ' || *p == '{')
		p++;
	while (*p == '"') {
		p++;
		dn_buf_reset(&k);
		dn_buf_reset(&v);
		if (json_string(&p, &k) < 0 || *p++ != ':')
			goto bad;
		int isnull = strncmp(p, "null", 4) == 0;
		if (isnull)
			p += 4;
		else if (*p++ != '"' || json_string(&p, &v) < 0)
			goto bad;
		for (size_t i = 0; i < r->pl->nparams; i++)
			if (k.data && !strcmp(r->pl->params[i].name, k.data)) {
				dn_free(r->param_values[i]);
				r->param_values[i] = isnull ? NULL :
							      dn_strdup(v.data ? v.data : "");
			}
		if (*p == ',')
			p++;
	}
	goto out;
bad:
	rc = dn_error_set(err, DN_EPARSE, "the stored params of run %s are not a JSON object",
			  r->run_id);
out:
	dn_buf_release(&k);
	dn_buf_release(&v);
	return rc;
}

/* Is the process that claimed a task still there? Only a process on this host can be checked;
 * one on another host is taken as alive (a scheduler on that host owns it). */
static int claim_alive(struct rt *r, const struct dn_meta_task *mt, const char *host)
{
	if (mt->pid <= 0)
		return 0;
	if (host && strcmp(host, r->hostname) != 0)
		return 1;
	return dn_proc_alive((pid_t)mt->pid);
}

/* Set up r to go on with an existing run: see dn_run_options.resume_run_id. */
static int resume_setup(struct rt *r, struct dn_error *err)
{
	struct dn_pipeline *pl = r->pl;
	struct dn_meta_run row;
	struct dn_meta_task *mt = NULL;
	unsigned char *reset = NULL;
	char *json = NULL;
	int n = 0, rc;
	rc = dn_meta_run_find(r->meta, pl->id, r->o->resume_run_id, &row, err);
	if (rc == 0)
		rc = dn_error_set(err, DN_ENOTFOUND,
				  "pipeline %s has no run %s (`dunya runs %s` "
				  "lists them)",
				  pl->id, r->o->resume_run_id, pl->id);
	if (rc < 0)
		return rc;
	r->run = row.id;
	snprintf(r->run_id, sizeof r->run_id, "%s", row.run_id);
	r->start_us = row.interval_start;
	r->end_us = row.interval_end;
	for (size_t i = 0; i < pl->nparams; i++)
		r->param_values[i] = pl->params[i].dflt ? dn_strdup(pl->params[i].dflt) : NULL;
	if ((rc = dn_meta_run_params(r->meta, r->run, &json, err)) < 0 ||
	    (rc = params_from_json(r, json ? json : "{}", err)) < 0)
		goto out;
	if ((rc = dn_meta_tasks_list(r->meta, r->run, &mt, &n, err)) < 0)
		goto out;
	reset = dn_calloc(pl->ntasks ? pl->ntasks : 1, 1);
	if (!reset) {
		rc = dn_error_set(err, DN_ENOMEM, "out of memory");
		goto out;
	}
	/* Match the stored task instances to the pipeline's tasks. */
	long *which = dn_calloc(pl->ntasks ? pl->ntasks : 1, sizeof *which);
	if (!which) {
		rc = dn_error_set(err, DN_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t ti = 0; ti < pl->ntasks; ti++) {
		which[ti] = -1;
		for (int k = 0; k < n; k++)
			if (!strcmp(mt[k].task, pl->tasks[ti].id))
				which[ti] = k;
		if (which[ti] < 0) {
			rc = dn_error_set(err, DN_EINVAL,
					  "run %s has no task %s: the pipeline changed since the "
					  "run was created; start a new run with `dunya run %s`",
					  r->run_id, pl->tasks[ti].id, pl->id);
			dn_free(which);
			goto out;
		}
	}
	/* What runs again: failed tasks, tasks whose runner died, or the task asked for. */
	if (r->o->clear_task) {
		long ti = dn_pipeline_task(pl, r->o->clear_task);
		if (ti < 0) {
			rc = dn_error_set(err, DN_EUSAGE, "pipeline %s has no task %s", pl->id,
					  r->o->clear_task);
			dn_free(which);
			goto out;
		}
		reset[ti] = 1;
	}
	for (size_t ti = 0; ti < pl->ntasks; ti++) {
		const struct dn_meta_task *m = &mt[which[ti]];
		if (m->state == DN_TI_RUNNING && claim_alive(r, m, NULL)) {
			rc = dn_error_set(err, DN_EINVAL,
					  "task %s of run %s is running in process %d; stop that "
					  "first",
					  m->task, r->run_id, m->pid);
			dn_free(which);
			goto out;
		}
		if (!r->o->clear_task && !r->o->recover_only &&
		    (m->state == DN_TI_FAILED || m->state == DN_TI_UPSTREAM_FAILED ||
		     m->state == DN_TI_RUNNING))
			reset[ti] = 1;
	}
	/* Everything downstream of a reset task runs again too (topological order). */
	for (size_t k = 0; k < pl->ntasks; k++) {
		size_t ti = pl->order[k];
		for (size_t u = 0; u < pl->tasks[ti].nup && !reset[ti]; u++)
			reset[ti] = reset[pl->tasks[ti].up[u]];
	}
	int64_t now = dn_now_us(), mono = dn_monotonic_us();
	for (size_t ti = 0; ti < pl->ntasks && rc >= 0; ti++) {
		const struct dn_meta_task *m = &mt[which[ti]];
		struct rt_task *t = &r->t[ti];
		enum dn_ti_state s = m->state;
		t->try_number = m->try_number;
		/* Cleared tasks get their retries again; recovered ones keep what is left. */
		t->max_tries = r->o->recover_only ?
				       m->max_tries :
				       m->try_number + (int)pl->tasks[ti].s.retries + 1;
		if (s == DN_TI_RUNNING) {
			/* Its runner is gone: end what it left running (the task's process group),
			 * and that attempt failed; a recovery retries it if tries are left. */
			int pgid = 0;
			if (dn_meta_attempt_pid(r->meta, r->run, m->task, m->try_number, &pgid,
						err) > 0 &&
			    pgid > 0)
				(void)kill(-(pid_t)pgid, SIGKILL);
			enum dn_ti_state to = r->o->recover_only && m->try_number < t->max_tries ?
						      DN_TI_UP_FOR_RETRY :
						      DN_TI_FAILED;
			rc = dn_meta_task_finish(r->meta, r->run, m->task, m->try_number, to, -1,
						 "the process running it ended without a result",
						 NULL, now, now, err);
			s = to;
			if (rc >= 0 && to == DN_TI_FAILED && r->o->recover_only)
				progress(r, ti, "the process running it ended without a result");
		}
		if (rc >= 0 && (reset[ti] || s == DN_TI_QUEUED) && s != DN_TI_NONE)
			rc = dn_meta_task_transition(r->meta, r->run, m->task, s, DN_TI_NONE, now,
						     err);
		if (reset[ti] || s == DN_TI_QUEUED)
			s = DN_TI_NONE;
		t->st = s;
		if (s == DN_TI_UP_FOR_RETRY)
			t->next_try_mono = mono + (m->next_try_at > now ? m->next_try_at - now : 0);
	}
	dn_free(which);
	if (rc < 0)
		goto out;
	if (row.state != DN_RUN_RUNNING &&
	    (rc = dn_meta_run_transition(r->meta, r->run, row.state, DN_RUN_RUNNING, now, err)) < 0)
		goto out;
	rc = 0;
	snprintf(r->res->run_id, sizeof r->res->run_id, "%s", r->run_id);
	r->res->run = r->run;
out:
	dn_free(json);
	dn_free(mt);
	dn_free(reset);
	return rc;
}

/* A stop was requested (Ctrl-C, SIGTERM): end every running task's process group (SIGTERM, then
 * SIGKILL after the grace period), record those attempts as failed without retries, and mark
 * the tasks that never started upstream_failed. */
static int cancel_run(struct rt *r, struct dn_error *err)
{
	for (size_t k = 0; k < r->nactive; k++) {
		struct rt_task *t = &r->t[r->active[k]];
		if (t->st == DN_TI_RUNNING && t->has_proc)
			(void)dn_proc_signal(&t->proc, SIGTERM, NULL);
	}
	int64_t kill_at = dn_monotonic_us() + DN_PROC_KILL_GRACE_US;
	for (size_t k = r->nactive; k-- > 0;) {
		if (k >= r->nactive)
			continue;
		size_t ti = r->active[k];
		struct rt_task *t = &r->t[ti];
		if (t->st == DN_TI_UP_FOR_RETRY) {
			/* Not running: its retry will not come. */
			DN_TRY(dn_meta_task_transition(r->meta, r->run, r->pl->tasks[ti].id,
						       DN_TI_UP_FOR_RETRY, DN_TI_FAILED,
						       dn_now_us(), err));
			t->st = DN_TI_FAILED;
			list_remove(r->active, &r->nactive, ti);
			became_final(r, ti);
			progress(r, ti, "run cancelled");
			continue;
		}
		if (t->st != DN_TI_RUNNING)
			continue;
		struct dn_proc_status st;
		memset(&st, 0, sizeof st);
		if (t->has_proc) {
			int64_t left = kill_at - dn_monotonic_us();
			DN_TRY(dn_proc_wait(&t->proc, left > 0 ? left : 1, 0, &st, err));
			(void)kill(-t->proc.pid, SIGKILL);
		}
		DN_TRY(finish(r, ti, 0, st.exit_code, "cancelled: the run was stopped", err));
	}
	for (size_t ti = 0; ti < r->pl->ntasks; ti++) {
		enum dn_ti_state s = r->t[ti].st;
		if (s != DN_TI_NONE && s != DN_TI_QUEUED)
			continue;
		DN_TRY(dn_meta_task_transition(r->meta, r->run, r->pl->tasks[ti].id, s,
					       DN_TI_UPSTREAM_FAILED, dn_now_us(), err));
		r->t[ti].st = DN_TI_UPSTREAM_FAILED;
		progress(r, ti, "run cancelled");
	}
	r->remaining = 0;
	r->res->cancelled = 1;
	return 0;
}

int dn_run_execute(struct dn_project *proj, struct dn_pipeline *pl, struct dn_meta *meta,
		   const struct dn_run_options *o, struct dn_run_result *res, struct dn_error *err)
{
	struct rt r;
	int rc = 0;
	memset(&r, 0, sizeof r);
	memset(res, 0, sizeof *res);
	r.proj = proj;
	r.pl = pl;
	r.meta = meta;
	r.o = o;
	r.res = res;
	r.parallelism = o->parallelism > 0 ? o->parallelism : 2 * dn_cpu_count();
	if (gethostname(r.hostname, sizeof r.hostname - 1) < 0)
		snprintf(r.hostname, sizeof r.hostname, "localhost");
	if (!pl->order)
		return dn_error_set(err, DN_EINVAL,
				    "pipeline %s has a dependency cycle; run "
				    "`dunya validate`",
				    pl->id);
	r.t = dn_calloc(pl->ntasks ? pl->ntasks : 1, sizeof *r.t);
	r.param_values = dn_calloc(pl->nparams ? pl->nparams : 1, sizeof *r.param_values);
	const char **ids = dn_calloc(pl->ntasks ? pl->ntasks : 1, sizeof *ids);
	int *tries = dn_calloc(pl->ntasks ? pl->ntasks : 1, sizeof *tries);
	size_t nt = pl->ntasks ? pl->ntasks : 1;
	r.pos = dn_calloc(nt, sizeof *r.pos);
	r.dirty = dn_calloc(nt, sizeof *r.dirty);
	r.in_dirty = dn_calloc(nt, 1);
	r.queued = dn_calloc(nt, sizeof *r.queued);
	r.active = dn_calloc(nt, sizeof *r.active);
	struct dn_buf pj = DN_BUF_INIT;
	if (!r.t || !r.param_values || !ids || !tries || !r.pos || !r.dirty || !r.in_dirty ||
	    !r.queued || !r.active) {
		rc = dn_error_set(err, DN_ENOMEM, "out of memory starting a run");
		goto out;
	}
	if (o->resume_run_id) {
		if ((rc = resume_setup(&r, err)) < 0)
			goto out;
		goto loop;
	}
	/* Params: defaults, then --param k=v. */
	for (size_t i = 0; i < pl->nparams; i++)
		r.param_values[i] = pl->params[i].dflt ? dn_strdup(pl->params[i].dflt) : NULL;
	for (int k = 0; k < o->nparams; k++) {
		const char *eq = strchr(o->params[k], '=');
		size_t nlen = eq ? (size_t)(eq - o->params[k]) : 0;
		size_t i = 0;
		while (eq && i < pl->nparams &&
		       !(strlen(pl->params[i].name) == nlen &&
			 !memcmp(pl->params[i].name, o->params[k], nlen)))
			i++;
		if (!eq || i == pl->nparams) {
			rc = dn_error_set(err, DN_EUSAGE,
					  "--param %s: pipeline %s declares no such param (give "
					  "NAME=VALUE for one of its params)",
					  o->params[k], pl->id);
			goto out;
		}
		dn_free(r.param_values[i]);
		r.param_values[i] = dn_strdup(eq + 1);
	}
	dn_buf_putc(&pj, '{', NULL);
	for (size_t i = 0; i < pl->nparams; i++) {
		if (i)
			dn_buf_putc(&pj, ',', NULL);
		dn_buf_printf(&pj, NULL, "\"%s\":", pl->params[i].name);
		if (r.param_values[i])
			json_quote(&pj, r.param_values[i]);
		else
			dn_buf_puts(&pj, "null", NULL);
	}
	dn_buf_putc(&pj, '}', NULL);
	/* The data interval. */
	int64_t now = dn_now_us();
	r.start_us = o->has_logical ? o->logical_us : now;
	r.end_us = r.start_us;
	if (o->has_logical && pl->schedule_kind == DN_SCHEDULE_CRON &&
	    (rc = dn_cron_next(&pl->cron, pl->tz, r.start_us - 1, &r.end_us, err)) == 0) {
		/* An interval starts at a fire time; the run for it covers up to the next one. */
		if (r.end_us == r.start_us)
			rc = dn_cron_next(&pl->cron, pl->tz, r.start_us, &r.end_us, err);
	}
	if (rc < 0)
		goto out;
	char iso[DN_TZ_FORMAT_MAX];
	dn_timestamp_format(r.start_us, iso);
	snprintf(r.run_id, sizeof r.run_id, "%s__%s", o->kind ? o->kind : "manual", iso);
	for (size_t i = 0; i < pl->ntasks; i++) {
		ids[i] = pl->tasks[i].id;
		tries[i] = (int)(pl->tasks[i].s.retries + 1);
		r.t[i].st = DN_TI_NONE;
		r.t[i].max_tries = tries[i];
	}
	struct dn_run_new nr = {pl->id,          r.run_id,   o->kind ? o->kind : "manual",
				pj.data,         r.start_us, r.end_us,
				(int)pl->ntasks, ids,        tries};
	/* The same interval run again by hand gets its own run: KIND__START, then __2, __3... */
	for (int k = 2; (rc = dn_meta_run_create(meta, &nr, now, &r.run, err)) == 0; k++) {
		if (k > 10000) {
			rc = dn_error_set(err, DN_ELIMIT, "too many runs of %s for %s", pl->id,
					  iso);
			goto out;
		}
		snprintf(r.run_id, sizeof r.run_id, "%s__%s__%d", o->kind ? o->kind : "manual", iso,
			 k);
	}
	if (rc < 0)
		goto out;
	snprintf(res->run_id, sizeof res->run_id, "%s", r.run_id);
	res->run = r.run;
	if (o->create_only) { /* `dunya trigger`: the scheduler runs it */
		res->state = DN_RUN_QUEUED;
		goto out;
	}
	if ((rc = dn_meta_run_transition(meta, r.run, DN_RUN_QUEUED, DN_RUN_RUNNING, now, err)) < 0)
		goto out;

loop:
	r.remaining = 0;
	for (size_t k = 0; k < pl->ntasks; k++) {
		size_t ti = pl->order[k];
		r.pos[ti] = k;
		r.remaining += !is_done(r.t[ti].st);
		if (r.t[ti].st == DN_TI_NONE) {
			r.dirty[r.ndirty++] = ti;
			r.in_dirty[ti] = 1;
		} else if (r.t[ti].st == DN_TI_UP_FOR_RETRY) {
			r.active[r.nactive++] = ti;
		}
	}
	while (r.remaining) {
		int changed = 0;
		if (stop_requested) {
			rc = cancel_run(&r, err);
			if (rc < 0)
				goto out;
			break;
		}
		/* Waiting tasks whose upstream changed, in topological order. */
		while (r.ndirty) {
			size_t n = r.ndirty;
			for (size_t a = 1; a < n; a++) /* insertion sort: the list is short */
				for (size_t b = a;
				     b > 0 && r.pos[r.dirty[b]] < r.pos[r.dirty[b - 1]]; b--) {
					size_t x = r.dirty[b];
					r.dirty[b] = r.dirty[b - 1];
					r.dirty[b - 1] = x;
				}
			/* Take the batch; tasks decided now may add their downstream after it. */
			size_t batch[64];
			size_t nb = n < 64 ? n : 64;
			memcpy(batch, r.dirty, nb * sizeof *batch);
			memmove(r.dirty, r.dirty + nb, (n - nb) * sizeof *r.dirty);
			r.ndirty = n - nb;
			for (size_t k = 0; k < nb; k++) {
				size_t ti = batch[k];
				r.in_dirty[ti] = 0;
				if (r.t[ti].st != DN_TI_NONE)
					continue;
				enum dn_ti_state to = trigger(&r, ti);
				if (to == DN_TI_NONE)
					continue;
				if ((rc = set_state(&r, ti, to, err)) < 0)
					goto out;
				changed++;
			}
		}
		/* Retries that are due. */
		int64_t mono = dn_monotonic_us(), wake = mono + DN_USEC_PER_SEC;
		for (size_t k = r.nactive; k-- > 0;) {
			size_t ti = r.active[k];
			if (r.t[ti].st != DN_TI_UP_FOR_RETRY)
				continue;
			if (r.t[ti].next_try_mono <= mono) {
				r.t[ti].st = DN_TI_QUEUED; /* the claim takes up_for_retry itself */
				list_remove(r.active, &r.nactive, ti);
				r.queued[r.nqueued++] = ti;
				changed++;
			} else if (r.t[ti].next_try_mono < wake) {
				wake = r.t[ti].next_try_mono;
			}
		}
		r.slot_wait = 0;
		int s = start_ready(&r, err);
		if (s < 0) {
			rc = s;
			goto out;
		}
		changed += s;
		int c = check_running(&r, &wake, err);
		if (c < 0) {
			rc = c;
			goto out;
		}
		changed += c;
		if (r.slot_wait && mono + 20000 < wake)
			wake = mono +
			       20000; /* slots held by other runs free up without telling us */
		if (r.remaining && !changed && !r.ndirty)
			wait_events(&r, wake);
	}
	int failed = 0;
	for (size_t ti = 0; ti < pl->ntasks; ti++) {
		failed += is_failed(r.t[ti].st);
		res->succeeded += r.t[ti].st == DN_TI_SUCCESS;
		res->skipped += r.t[ti].st == DN_TI_SKIPPED;
	}
	res->failed = failed;
	res->state = failed ? DN_RUN_FAILED : DN_RUN_SUCCESS;
	rc = dn_meta_run_transition(meta, r.run, DN_RUN_RUNNING, res->state, dn_now_us(), err);
	if (rc > 0)
		rc = 0;
out:
	if (rc < 0 && r.run) {
		/* Do not leave processes behind when the run itself fails. */
		for (size_t ti = 0; r.t && ti < pl->ntasks; ti++)
			if (r.t[ti].has_proc) {
				(void)dn_proc_signal(&r.t[ti].proc, SIGKILL, NULL);
				struct dn_proc_status st;
				(void)dn_proc_wait(&r.t[ti].proc, 0, 0, &st, NULL);
				dn_proc_release(&r.t[ti].proc);
			}
		(void)dn_meta_run_transition(meta, r.run, DN_RUN_RUNNING, DN_RUN_FAILED,
					     dn_now_us(), NULL);
	}
	for (size_t ti = 0; r.t && ti < pl->ntasks; ti++) {
		dn_free(r.t[ti].log_path);
		dn_free(r.t[ti].sensor_path);
		dn_free(r.t[ti].sensor_shown);
	}
	for (size_t i = 0; r.param_values && i < pl->nparams; i++)
		dn_free(r.param_values[i]);
	dn_free(r.param_values);
	dn_free(r.t);
	dn_free(ids);
	dn_free(tries);
	dn_free(r.pos);
	dn_free(r.dirty);
	dn_free(r.in_dirty);
	dn_free(r.queued);
	dn_free(r.active);
	dn_buf_release(&pj);
	return rc;
}

int dn_schedule_due(const struct dn_pipeline *pl, int64_t last_start, int64_t now, int64_t *starts,
		    int64_t *ends, int max, int *n, struct dn_error *err)
{
	*n = 0;
	if (pl->schedule_kind == DN_SCHEDULE_NONE || max <= 0)
		return 0;
	if (pl->schedule_kind == DN_SCHEDULE_ONCE) {
		int64_t at = pl->start_us != INT64_MIN ? pl->start_us : now;
		if (last_start == INT64_MIN && at <= now) {
			starts[0] = ends[0] = at;
			*n = 1;
		}
		return 0;
	}
	int64_t s;
	if (last_start != INT64_MIN)
		DN_TRY(dn_cron_next(&pl->cron, pl->tz, last_start, &s, err));
	else if (pl->start_us != INT64_MIN)
		DN_TRY(dn_cron_next(&pl->cron, pl->tz, pl->start_us - 1, &s, err));
	else
		DN_TRY(dn_cron_next(&pl->cron, pl->tz, now - 366 * DN_USEC_PER_DAY, &s, err));
	while (s <= pl->end_us) {
		int64_t e;
		DN_TRY(dn_cron_next(&pl->cron, pl->tz, s, &e, err));
		if (e > now)
			break;
		if (*n == max) {
			if (pl->catchup)
				break; /* the rest on the next tick */
			memmove(starts, starts + 1, sizeof *starts * (size_t)(max - 1));
			memmove(ends, ends + 1, sizeof *ends * (size_t)(max - 1));
			(*n)--;
		}
		starts[*n] = s;
		ends[*n] = e;
		(*n)++;
		s = e;
	}
	if (!pl->catchup && *n > 1) {
		starts[0] = starts[*n - 1];
		ends[0] = ends[*n - 1];
		*n = 1;
	}
	return 0;
}
