/* Pipeline files: one YAML file in, one struct dn_pipeline out, and every problem on the way.
 *
 * The order of work is fixed so that each check can rely on the ones before it: the document
 * is parsed and ${VARS} substituted; the pipeline's own keys are read (the time zone before the
 * dates that are midnights in it); each task is read with its settings resolved over the
 * pipeline's and the project's defaults; task ids are indexed (a sorted array, so a
 * 100,000-task file costs O(n log n), not O(n^2)); dependencies are resolved into index arrays
 * in both directions; the graph is ordered or its cycles reported; and last, templates in task
 * params are checked, because {{ tasks.ID.output.KEY }} needs the finished graph to know
 * whether ID is upstream. */
#include <stdlib.h>
#include <string.h>

#include "project_int.h"

static const char *const pipeline_keys[] = {"id",         "description",
					    "schedule",   "timezone",
					    "start_date", "end_date",
					    "catchup",    "max_active_runs",
					    "defaults",   "params",
					    "tags",       "tasks",
					    NULL};
static const char *const task_keys[] = {"id", "type", "depends_on", "params", NULL};

struct id_ix {
	const char *id;
	size_t i;
};

static int cmp_ix(const void *a, const void *b)
{
	const struct id_ix *x = a, *y = b;
	int c = strcmp(x->id, y->id);
	return c ? c : (x->i < y->i ? -1 : (x->i > y->i));
}

static long find_ix(const struct id_ix *ix, size_t n, const char *id)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(ix[mid].id, id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && !strcmp(ix[lo].id, id) ? (long)ix[lo].i : -1;
}

long dn_pipeline_task(const struct dn_pipeline *pl, const char *id)
{
	for (size_t i = 0; i < pl->ntasks; i++)
		if (pl->tasks[i].id && !strcmp(pl->tasks[i].id, id))
			return (long)i;
	return -1;
}

void dn_pipeline_free(struct dn_pipeline *pl)
{
	if (!pl)
		return;
	dn_tz_free(pl->tz);
	dn_free(pl->tasks);
	dn_free(pl->params);
	dn_free(pl->tags);
	dn_free(pl->order);
	dn_free(pl->file);
	dn_yaml_doc_release(&pl->doc);
	dn_free(pl);
}

/* ---------------------------------------------------------------------------------------------
 * Pipeline keys */

static void read_schedule(struct dn_pipeline *pl, struct dn_ld *c, const struct dn_yaml_node *n)
{
	const char *s = dn_ld_text(c, "schedule", n);
	if (!s || dn_yaml_is_null(n) || !strcmp(s, "none")) {
		pl->schedule_kind = DN_SCHEDULE_NONE;
		return;
	}
	pl->schedule = s;
	if (!strcmp(s, "@once")) {
		pl->schedule_kind = DN_SCHEDULE_ONCE;
		return;
	}
	struct dn_error e;
	dn_error_clear(&e);
	if (dn_cron_parse(&pl->cron, s, &e) < 0) {
		int64_t col = n->column;
		if (n->style != DN_YAML_BLOCK && e.column > 0)
			col += (n->style == DN_YAML_QUOTED) + e.column - 1;
		/* The position says where: drop the message's "(column N)" in the expression. */
		char *tail = strstr(e.msg, " (column ");
		if (tail && tail[strlen(tail) - 1] == ')' && !strchr(tail + 2, '('))
			*tail = 0;
		if (n->expanded)
			dn_ld_problem(c, n, "invalid schedule %s", n->raw);
		else
			dn_problems_add(c->probs, c->file, n->line, col, "invalid schedule: %s",
					e.msg);
		return;
	}
	pl->schedule_kind = DN_SCHEDULE_CRON;
}

/* A date is midnight in the pipeline's zone, a timestamp without an offset is wall-clock time
 * in it, and one with an offset is that instant. */
static int read_instant(struct dn_pipeline *pl, struct dn_ld *c, const char *key,
			const struct dn_yaml_node *n, int64_t *out)
{
	const char *s = dn_ld_text(c, key, n);
	if (!s || dn_yaml_is_null(n))
		return -1;
	struct dn_str t = dn_str_trim(dn_str_cstr(s));
	int64_t v;
	int kind = dn_time_parse(t.ptr, t.len, &v);
	if (kind < 0) {
		dn_ld_problem(c, n,
			      "%s: '%s' is not a date (YYYY-MM-DD) or a timestamp "
			      "(YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM])",
			      key, dn_yaml_shown(n));
		return -1;
	}
	int local = kind == DN_TIME_DATE;
	if (kind == DN_TIME_DATE)
		v *= DN_USEC_PER_DAY;
	else if (t.len > 10 && !memchr(t.ptr + 10, 'Z', t.len - 10) &&
		 !memchr(t.ptr + 10, 'z', t.len - 10) && !memchr(t.ptr + 10, '+', t.len - 10) &&
		 !memchr(t.ptr + 10, '-', t.len - 10))
		local = 1;
	if (local && pl->tz)
		dn_tz_local_to_utc(pl->tz, v, &v, NULL);
	*out = v;
	return 0;
}

static void read_params(struct dn_pipeline *pl, struct dn_ld *c, const struct dn_yaml_node *n)
{
	if (!n || dn_yaml_is_null(n))
		return;
	if (n->kind != DN_YAML_MAP) {
		dn_ld_problem(c, n, "params must be a mapping of name: default");
		return;
	}
	dn_ld_check_keys(c, n, NULL, NULL, NULL);
	pl->params = dn_calloc(n->len ? n->len : 1, sizeof *pl->params);
	if (!pl->params) {
		c->probs->nomem = 1;
		return;
	}
	for (size_t i = 0; i < n->len; i++) {
		const struct dn_yaml_node *k = n->items[2 * i], *v = n->items[2 * i + 1];
		if (!dn_ld_id_ok(k->str))
			dn_ld_problem(c, k,
				      "param name '%s' may hold only letters, digits, _ and -",
				      k->str);
		if (v->kind != DN_YAML_SCALAR) {
			dn_ld_problem(c, v, "param '%s': the default must be a single value",
				      k->str);
			continue;
		}
		pl->params[pl->nparams].name = k->str;
		pl->params[pl->nparams++].dflt = dn_yaml_is_null(v) ? NULL : v->str;
	}
}

static void read_tags(struct dn_pipeline *pl, struct dn_ld *c, const struct dn_yaml_node *n)
{
	if (!n || dn_yaml_is_null(n))
		return;
	if (n->kind != DN_YAML_SEQ) {
		dn_ld_problem(c, n, "tags must be a list, e.g. [daily, finance]");
		return;
	}
	pl->tags = dn_calloc(n->len ? n->len : 1, sizeof *pl->tags);
	if (!pl->tags) {
		c->probs->nomem = 1;
		return;
	}
	for (size_t i = 0; i < n->len; i++) {
		const char *t = dn_ld_text(c, "a tag", n->items[i]);
		if (t)
			pl->tags[pl->ntags++] = t;
	}
}

/* ---------------------------------------------------------------------------------------------
 * Tasks */

static void read_task(struct dn_pipeline *pl, struct dn_ld *c, struct dn_task *t,
		      const struct dn_yaml_node *n, const struct dn_task_settings *dflt)
{
	t->node = n;
	t->s = *dflt;
	t->id = "";
	if (n->kind != DN_YAML_MAP) {
		dn_ld_problem(c, n, "a task must be a mapping with at least id and type");
		return;
	}
	dn_ld_check_keys(c, n, task_keys, dn_ld_settings_keys, "task key");
	const struct dn_yaml_node *idn = dn_yaml_get(n, "id", NULL);
	const char *id = dn_ld_text(c, "id", idn);
	if (!idn || dn_yaml_is_null(idn))
		dn_ld_problem(c, n, "a task needs an id");
	else if (id && !dn_ld_id_ok(id))
		dn_ld_problem(c, idn, "task id '%s' may hold only letters, digits, _ and -", id);
	if (id && !dn_yaml_is_null(idn))
		t->id = id;
	const struct dn_yaml_node *tn = dn_yaml_get(n, "type", NULL);
	const char *type = dn_ld_text(c, "type", tn);
	if (!tn || dn_yaml_is_null(tn)) {
		dn_ld_problem(c, n, "task '%s' needs a type (noop, shell, sql, sensor.file, ...)",
			      t->id);
	} else if (type) {
		t->type_name = type;
		t->type = dn_task_type_find(type);
		if (!t->type) {
			const char *names[DN_TASK_TYPES_MAX + 1];
			const struct dn_task_type *tt;
			size_t k = 0;
			struct dn_buf b = DN_BUF_INIT;
			for (; (tt = dn_task_type_at(k)) != NULL; k++) {
				names[k] = tt->name;
				dn_buf_printf(&b, NULL, "%s%s", k ? ", " : "", tt->name);
			}
			names[k] = NULL;
			const char *hint = dn_suggest(type, names);
			if (hint)
				dn_ld_problem(c, tn, "unknown task type '%s' (did you mean '%s'?)",
					      dn_yaml_shown(tn), hint);
			else
				dn_ld_problem(c, tn, "unknown task type '%s' (known: %s)",
					      dn_yaml_shown(tn), b.data ? b.data : "");
			dn_buf_release(&b);
		}
	}
	for (size_t i = 0; i < n->len; i++)
		dn_ld_setting(c, n->items[2 * i]->str, n->items[2 * i + 1], &t->s);
	const struct dn_yaml_node *pn = dn_yaml_get(n, "params", NULL);
	if (pn && !dn_yaml_is_null(pn)) {
		if (pn->kind != DN_YAML_MAP) {
			dn_ld_problem(c, pn, "params must be a mapping of name: value");
		} else {
			t->params = pn;
			if (t->type) {
				char what[96];
				snprintf(what, sizeof what, "%s param", t->type->name);
				dn_ld_check_keys(c, pn,
						 t->type->params ? t->type->params : task_keys + 4,
						 NULL, what);
			}
		}
	}
	(void)pl;
}

/* Resolve depends_on of every task into up[] and down[] (arrays in the document's arena). */
static void resolve_deps(struct dn_pipeline *pl, struct dn_ld *c, const struct id_ix *ix,
			 const char **names)
{
	struct dn_arena *a = &pl->doc.arena;
	size_t *count = dn_calloc(pl->ntasks ? pl->ntasks : 1, sizeof *count);
	if (!count) {
		c->probs->nomem = 1;
		return;
	}
	for (size_t i = 0; i < pl->ntasks; i++) {
		struct dn_task *t = &pl->tasks[i];
		const struct dn_yaml_node *d = dn_yaml_get(t->node, "depends_on", NULL);
		if (!d || dn_yaml_is_null(d))
			continue;
		const struct dn_yaml_node *const *items = (const struct dn_yaml_node *const *)&d;
		size_t n = 1;
		if (d->kind == DN_YAML_SEQ) {
			items = (const struct dn_yaml_node *const *)d->items;
			n = d->len;
		} else if (d->kind != DN_YAML_SCALAR) {
			dn_ld_problem(c, d, "depends_on must be a task id or a list of task ids");
			continue;
		}
		t->up = n ? dn_arena_alloc(a, n * sizeof *t->up) : NULL;
		if (n && !t->up) {
			c->probs->nomem = 1;
			break;
		}
		for (size_t k = 0; k < n; k++) {
			const char *up = dn_ld_text(c, "depends_on", items[k]);
			if (!up)
				continue;
			long j = find_ix(ix, pl->ntasks, up);
			if (j < 0) {
				const char *hint = dn_suggest(up, names);
				if (hint)
					dn_ld_problem(
						c, items[k],
						"task '%s' depends on '%s', which is not a task "
						"in this pipeline (did you mean '%s'?)",
						t->id, dn_yaml_shown(items[k]), hint);
				else
					dn_ld_problem(
						c, items[k],
						"task '%s' depends on '%s', which is not a task "
						"in this pipeline",
						t->id, dn_yaml_shown(items[k]));
				continue;
			}
			size_t q = 0;
			while (q < t->nup && t->up[q] != (size_t)j)
				q++;
			if (q == t->nup) {
				t->up[t->nup++] = (size_t)j;
				count[j]++;
			}
		}
	}
	for (size_t i = 0; i < pl->ntasks; i++) {
		if (!count[i])
			continue;
		pl->tasks[i].down = dn_arena_alloc(a, count[i] * sizeof(size_t));
		if (!pl->tasks[i].down) {
			c->probs->nomem = 1;
			dn_free(count);
			return;
		}
	}
	for (size_t i = 0; i < pl->ntasks; i++)
		for (size_t k = 0; k < pl->tasks[i].nup; k++) {
			struct dn_task *u = &pl->tasks[pl->tasks[i].up[k]];
			u->down[u->ndown++] = i;
		}
	dn_free(count);
}

struct cycle_ctx {
	struct dn_pipeline *pl;
	struct dn_ld *c;
};

static void on_cycle(void *user, const size_t *path, size_t len)
{
	struct cycle_ctx *cc = user;
	struct dn_buf b = DN_BUF_INIT;
	for (size_t i = 0; i <= len; i++)
		dn_buf_printf(&b, NULL, "%s%s", i ? " -> " : "", cc->pl->tasks[path[i]].id);
	const struct dn_task *t = &cc->pl->tasks[path[0]];
	const struct dn_yaml_node *idn = dn_yaml_get(t->node, "id", NULL);
	dn_ld_problem(cc->c, idn ? idn : t->node, "cycle: %s", b.data ? b.data : "");
	dn_buf_release(&b);
}

/* ---------------------------------------------------------------------------------------------
 * Templates */

static const char *const template_roots[] = {"ds",
					     "ds_nodash",
					     "data_interval_start",
					     "data_interval_end",
					     "run_id",
					     "params",
					     "env",
					     "conn",
					     "tasks",
					     NULL};
static const char *const conn_parts[] = {"scheme", "user",  "password", "host", "port",
					 "path",   "query", "url",      NULL};

static void template_expr(struct dn_pipeline *pl, const struct dn_project *project, size_t ti,
			  const char *expr, size_t elen, int quote, int64_t line, int64_t col,
			  struct dn_problems *probs)
{
	char buf[256], *seg[8];
	size_t nseg = 0;
	struct dn_task *t = &pl->tasks[ti];
	int ok = elen > 0 && elen < sizeof buf;
	if (ok) {
		memcpy(buf, expr, elen);
		buf[elen] = 0;
		char *p = buf;
		seg[nseg++] = p;
		for (; *p && ok; p++) {
			if (*p == '.') {
				*p = 0;
				if (nseg == 8)
					ok = 0;
				else
					seg[nseg++] = p + 1;
			} else if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
				     (*p >= '0' && *p <= '9') || *p == '_' || *p == '-')) {
				ok = 0;
			}
		}
		for (size_t i = 0; ok && i < nseg; i++)
			if (!seg[i][0])
				ok = 0;
	}
	if (!ok) {
		if (quote)
			dn_problems_add(probs, pl->file, line, col,
					"unsupported template '{{ %.*s }}': a template is a name "
					"such as {{ ds }}, {{ params.NAME }} or "
					"{{ tasks.ID.output.KEY }}",
					(int)(elen > 80 ? 80 : elen), expr);
		else
			dn_problems_add(probs, pl->file, line, col,
					"unsupported template: a template is a name such as "
					"{{ ds }}, {{ params.NAME }} or {{ tasks.ID.output.KEY }}");
		return;
	}
	/* The full name again, for messages. */
	char full[256];
	memcpy(full, expr, elen);
	full[elen] = 0;
	const char *root = seg[0];
	if (nseg == 1 && (!strcmp(root, "ds") || !strcmp(root, "ds_nodash") ||
			  !strcmp(root, "data_interval_start") ||
			  !strcmp(root, "data_interval_end") || !strcmp(root, "run_id")))
		return;
	/* {{ bookmark }}: the last committed bookmark of an incremental extract.api task. */
	if (nseg == 1 && !strcmp(root, "bookmark")) {
		const struct dn_task *task = &pl->tasks[ti];
		if (strcmp(task->type_name, "extract.api") ||
		    !dn_yaml_get(task->params, "incremental", NULL))
			dn_problems_add(probs, pl->file, line, col,
					"template variable 'bookmark' is known only in extract.api "
					"tasks with incremental: {bookmark: FIELD}");
		return;
	}
	if (!strcmp(root, "params")) {
		if (nseg != 2) {
			dn_problems_add(probs, pl->file, line, col,
					"template variable '%s': write params.NAME", full);
			return;
		}
		const char *names[65];
		size_t k = 0;
		for (size_t i = 0; i < pl->nparams; i++) {
			if (!strcmp(pl->params[i].name, seg[1]))
				return;
			if (k < 64)
				names[k++] = pl->params[i].name;
		}
		names[k] = NULL;
		const char *hint = dn_suggest(seg[1], names);
		if (hint)
			dn_problems_add(probs, pl->file, line, col,
					"undefined template variable '%s': the pipeline "
					"declares no "
					"param '%s' (did you mean 'params.%s'?)",
					full, seg[1], hint);
		else
			dn_problems_add(probs, pl->file, line, col,
					"undefined template variable '%s': the pipeline "
					"declares no "
					"param '%s' (add it under params:)",
					full, seg[1]);
		return;
	}
	if (!strcmp(root, "env")) {
		if (nseg != 2)
			dn_problems_add(probs, pl->file, line, col,
					"template variable '%s': write env.NAME", full);
		else if (!dn_env_get(project ? &project->env : NULL, seg[1]))
			dn_problems_add(probs, pl->file, line, col,
					"undefined template variable '%s': %s is not set in the "
					"environment or .env",
					full, seg[1]);
		return;
	}
	if (!strcmp(root, "conn")) {
		if (nseg != 3) {
			dn_problems_add(probs, pl->file, line, col,
					"template variable '%s': write conn.NAME.PART (PART is "
					"scheme, user, password, host, port, path, query or url)",
					full);
			return;
		}
		if (project && !dn_project_conn(project, seg[1])) {
			const char *names[65];
			size_t k = 0;
			for (size_t i = 0; i < project->nconns && k < 64; i++)
				names[k++] = project->conns[i].name;
			names[k] = NULL;
			const char *hint = dn_suggest(seg[1], names);
			dn_problems_add(probs, pl->file, line, col,
					"undefined template variable '%s': no connection '%s' in "
					"dunya.yaml%s%s%s",
					full, seg[1], hint ? " (did you mean '" : "",
					hint ? hint : "", hint ? "'?)" : "");
			return;
		}
		for (size_t i = 0; conn_parts[i]; i++)
			if (!strcmp(conn_parts[i], seg[2]))
				return;
		const char *hint = dn_suggest(seg[2], conn_parts);
		dn_problems_add(probs, pl->file, line, col,
				"undefined template variable '%s': a connection has no part "
				"'%s'%s%s%s",
				full, seg[2], hint ? " (did you mean '" : "", hint ? hint : "",
				hint ? "'?)" :
				       " (scheme, user, password, host, port, path, query, url)");
		return;
	}
	if (!strcmp(root, "tasks")) {
		if (nseg != 4 || strcmp(seg[2], "output")) {
			dn_problems_add(probs, pl->file, line, col,
					"template variable '%s': write tasks.ID.output.KEY", full);
			return;
		}
		long j = dn_pipeline_task(pl, seg[1]);
		if (j < 0) {
			dn_problems_add(probs, pl->file, line, col,
					"undefined template variable '%s': no task '%s' in this "
					"pipeline",
					full, seg[1]);
			return;
		}
		int up = dn_dag_is_upstream(pl->tasks, pl->ntasks, (size_t)j, ti);
		if (up < 0)
			probs->nomem = 1;
		else if (up == 0)
			dn_problems_add(probs, pl->file, line, col,
					"template variable '%s': task '%s' is not upstream of '%s' "
					"(add it to depends_on)",
					full, seg[1], t->id);
		return;
	}
	const char *hint = nseg == 1 ? dn_suggest(root, template_roots) : NULL;
	if (hint && strcmp(hint, "params") && strcmp(hint, "env") && strcmp(hint, "conn") &&
	    strcmp(hint, "tasks"))
		dn_problems_add(probs, pl->file, line, col,
				"undefined template variable '%s' (did you mean '%s'?)", full,
				hint);
	else
		dn_problems_add(probs, pl->file, line, col,
				"undefined template variable '%s' (known: ds, ds_nodash, "
				"data_interval_start, data_interval_end, run_id, params.NAME, "
				"env.NAME, conn.NAME.PART, tasks.ID.output.KEY)",
				full);
}

void dn_template_check(struct dn_pipeline *pl, const struct dn_project *project, size_t ti,
		       const struct dn_yaml_node *n, struct dn_problems *probs)
{
	if (n->kind != DN_YAML_SCALAR)
		return;
	/* Templates are checked as written: a value substituted from ${} may be a secret, and
	 * positions in the written text are exact. */
	const char *s = n->raw ? n->raw : n->str, *p = s;
	while ((p = strstr(p, "{{")) != NULL) {
		int64_t line, col;
		size_t off = (size_t)(p - s);
		dn_yaml_position(&pl->doc, n, off, "{{", &line, &col);
		const char *close = strstr(p + 2, "}}");
		if (!close) {
			dn_problems_add(probs, pl->file, line, col,
					"unterminated template: '{{' without '}}'");
			return;
		}
		struct dn_str e = dn_str_trim(dn_str_make(p + 2, (size_t)(close - p - 2)));
		template_expr(pl, project, ti, e.ptr, e.len, 1, line, col, probs);
		p = close + 2;
	}
}

static void check_templates(struct dn_pipeline *pl, const struct dn_project *project, size_t ti,
			    const struct dn_yaml_node *n, struct dn_problems *probs)
{
	if (n->kind == DN_YAML_SCALAR) {
		dn_template_check(pl, project, ti, n, probs);
		return;
	}
	for (size_t i = 0; i < (n->kind == DN_YAML_MAP ? 2 * n->len : n->len); i++)
		if (n->kind != DN_YAML_MAP || i % 2 == 1)
			check_templates(pl, project, ti, n->items[i], probs);
}

/* ---------------------------------------------------------------------------------------------
 * The whole file */

static void read_pipeline(struct dn_pipeline *pl, const struct dn_project *project, struct dn_ld *c,
			  const struct dn_yaml_node *r, struct dn_task_settings *dflt,
			  struct dn_error *err)
{
	const struct dn_yaml_node *n;
	dn_ld_check_keys(c, r, pipeline_keys, NULL, "pipeline key");
	n = dn_yaml_get(r, "id", NULL);
	const char *id = dn_ld_text(c, "id", n);
	if (id && !dn_yaml_is_null(n)) {
		if (!dn_ld_id_ok(id))
			dn_ld_problem(c, n,
				      "pipeline id '%s' may hold only letters, digits, _ and -",
				      id);
		pl->id = id;
	}
	const char *d = dn_ld_text(c, "description", dn_yaml_get(r, "description", NULL));
	if (d)
		pl->description = d;
	/* Time zone before schedule and dates. */
	n = dn_yaml_get(r, "timezone", NULL);
	const char *tz = dn_ld_text(c, "timezone", n);
	struct dn_error e;
	dn_error_clear(&e);
	if (tz && !dn_yaml_is_null(n)) {
		if (dn_tz_load(&pl->tz, tz, &e) < 0) {
			if (e.code == DN_ENOMEM)
				c->probs->nomem = 1;
			if (n->expanded)
				dn_ld_problem(c, n, "timezone %s: not a time zone", n->raw);
			else
				dn_ld_problem(c, n, "%s", e.msg);
		} else {
			pl->timezone = tz;
		}
	} else if (dn_tz_load(&pl->tz, pl->timezone, &e) < 0 && e.code == DN_ENOMEM) {
		c->probs->nomem = 1;
	}
	read_schedule(pl, c, dn_yaml_get(r, "schedule", NULL));
	read_instant(pl, c, "start_date", dn_yaml_get(r, "start_date", NULL), &pl->start_us);
	n = dn_yaml_get(r, "end_date", NULL);
	if (read_instant(pl, c, "end_date", n, &pl->end_us) == 0 && pl->start_us != INT64_MIN &&
	    pl->end_us < pl->start_us)
		dn_ld_problem(c, n, "end_date is before start_date");
	dn_ld_bool(c, "catchup", dn_yaml_get(r, "catchup", NULL), &pl->catchup);
	dn_ld_int(c, "max_active_runs", dn_yaml_get(r, "max_active_runs", NULL), 1,
		  &pl->max_active_runs);
	n = dn_yaml_get(r, "defaults", NULL);
	if (n && !dn_yaml_is_null(n)) {
		if (n->kind != DN_YAML_MAP) {
			dn_ld_problem(c, n, "defaults must be a mapping of task settings");
		} else {
			dn_ld_check_keys(c, n, dn_ld_settings_keys, NULL, "defaults key");
			for (size_t i = 0; i < n->len; i++)
				dn_ld_setting(c, n->items[2 * i]->str, n->items[2 * i + 1], dflt);
		}
	}
	read_params(pl, c, dn_yaml_get(r, "params", NULL));
	read_tags(pl, c, dn_yaml_get(r, "tags", NULL));

	n = dn_yaml_get(r, "tasks", NULL);
	if (!n || dn_yaml_is_null(n)) {
		dn_ld_problem(c, r, "a pipeline needs tasks: a list of tasks with id and type");
		return;
	}
	if (n->kind != DN_YAML_SEQ) {
		dn_ld_problem(c, n, "tasks must be a list (each item starts with '- id: ...')");
		return;
	}
	if (n->len > DN_TASKS_MAX) {
		dn_ld_problem(c, n, "more than %d tasks in one pipeline", DN_TASKS_MAX);
		return;
	}
	pl->tasks = dn_calloc(n->len ? n->len : 1, sizeof *pl->tasks);
	struct id_ix *ix = dn_calloc(n->len ? n->len : 1, sizeof *ix);
	const char **names = dn_calloc(n->len + 1, sizeof *names);
	if (!pl->tasks || !ix || !names) {
		dn_error_set(err, DN_ENOMEM, "out of memory");
		c->probs->nomem = 1;
		goto out;
	}
	pl->ntasks = n->len;
	for (size_t i = 0; i < n->len; i++) {
		read_task(pl, c, &pl->tasks[i], n->items[i], dflt);
		ix[i].id = pl->tasks[i].id;
		ix[i].i = i;
		names[i] = pl->tasks[i].id;
	}
	qsort(ix, pl->ntasks, sizeof *ix, cmp_ix);
	for (size_t i = 1; i < pl->ntasks; i++) {
		if (!ix[i].id[0] || strcmp(ix[i].id, ix[i - 1].id))
			continue;
		const struct dn_task *first = NULL;
		for (size_t k = i; k-- > 0 && !strcmp(ix[k].id, ix[i].id);)
			first = &pl->tasks[ix[k].i];
		const struct dn_task *t = &pl->tasks[ix[i].i];
		const struct dn_yaml_node *idn = dn_yaml_get(t->node, "id", NULL);
		const struct dn_yaml_node *fid = dn_yaml_get(first->node, "id", NULL);
		dn_ld_problem(c, idn, "duplicate task id '%s' (first defined on line %lld)", t->id,
			      (long long)(fid ? fid->line : 0));
	}
	resolve_deps(pl, c, ix, names);
	if (c->probs->nomem)
		goto out;
	/* Type checks, with the graph in place. */
	for (size_t i = 0; i < pl->ntasks; i++) {
		struct dn_task_check tc = {project, pl, &pl->tasks[i], c->probs};
		if (pl->tasks[i].type && pl->tasks[i].type->check)
			pl->tasks[i].type->check(&tc);
	}
	pl->order = dn_calloc(pl->ntasks ? pl->ntasks : 1, sizeof *pl->order);
	if (!pl->order) {
		c->probs->nomem = 1;
		goto out;
	}
	struct cycle_ctx cc = {pl, c};
	int rc = dn_dag_order(pl->tasks, pl->ntasks, pl->order, on_cycle, &cc);
	if (rc != 0) {
		if (rc < 0)
			c->probs->nomem = 1;
		dn_free(pl->order);
		pl->order = NULL;
	}
	for (size_t i = 0; i < pl->ntasks; i++)
		if (pl->tasks[i].params)
			check_templates(pl, project, i, pl->tasks[i].params, c->probs);
out:
	dn_free(ix);
	dn_free(names);
}

int dn_pipeline_parse(struct dn_pipeline **out, const struct dn_project *project, const char *file,
		      const char *text, size_t len, struct dn_problems *probs, struct dn_error *err)
{
	struct dn_problems local;
	struct dn_error e;
	int rc;
	*out = NULL;
	dn_problems_init(&local);
	if (!probs)
		probs = &local;
	size_t before = probs->n + probs->dropped;
	struct dn_pipeline *pl = dn_calloc(1, sizeof *pl);
	if (!pl || !(pl->file = dn_strdup(file))) {
		dn_free(pl);
		dn_problems_release(&local);
		return dn_error_set(err, DN_ENOMEM, "out of memory");
	}
	struct dn_ld c = {pl->file, probs, project};
	struct dn_task_settings dflt;
	if (project) {
		dflt = project->defaults;
		pl->timezone = project->timezone;
		pl->catchup = project->catchup;
		pl->max_active_runs = project->max_active_runs;
	} else {
		dn_task_settings_builtin(&dflt);
		pl->timezone = "UTC";
		pl->max_active_runs = 16;
	}
	pl->description = "";
	pl->start_us = INT64_MIN;
	pl->end_us = INT64_MAX;
	dn_error_clear(&e);
	rc = dn_yaml_parse(&pl->doc, file, text, len, &e);
	/* The id defaults to the file's name without its extension. */
	const char *base = strrchr(file, '/');
	base = base ? base + 1 : file;
	const char *dot = strrchr(base, '.');
	pl->id = dn_arena_strndup(&pl->doc.arena, base, dot ? (size_t)(dot - base) : strlen(base));
	if (rc == DN_ENOMEM || !pl->id) {
		rc = dn_error_set(err, DN_ENOMEM, "out of memory");
		goto fail;
	}
	if (rc < 0) {
		dn_problems_add_error(probs, file, 0, 0, &e);
	} else if ((rc = dn_yaml_expand_env(&pl->doc, project ? &project->env : NULL, probs, err)) <
		   0) {
		goto fail;
	} else if (!pl->doc.root || pl->doc.root->kind != DN_YAML_MAP) {
		dn_ld_problem(
			&c, pl->doc.root,
			"a pipeline file must be a mapping of keys (id, schedule, tasks, ...)");
	} else {
		read_pipeline(pl, project, &c, pl->doc.root, &dflt, err);
	}
	if (probs->nomem) {
		rc = dn_error_set(err, DN_ENOMEM, "out of memory");
		goto fail;
	}
	pl->nproblems = (int)(probs->n + probs->dropped - before);
	dn_problems_release(&local);
	*out = pl;
	return 0;
fail:
	dn_pipeline_free(pl);
	dn_problems_release(&local);
	return rc;
}
