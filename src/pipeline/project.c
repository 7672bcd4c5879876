/* Projects: finding the root, `dunya init`, loading dunya.yaml, .env, connections and pools,
 * and the shared machinery of checking (problems, "did you mean", durations, task settings).
 *
 * Loading is built for `dunya validate`: it never stops at the first problem. Each check
 * records a problem at the node it is about and carries on with a sensible value, and a value
 * that could not be resolved (an undefined ${VAR}) is marked so later checks skip it instead of
 * reporting the same mistake again in other words. Only failures that are not the user's input
 * (out of memory, an unreadable folder) end a load early.
 *
 * The project owns every YAML document it read; pipelines, connections and settings borrow
 * their strings from them, so a loaded project is a handful of allocations plus the arenas. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../store/store.h"
#include "project_int.h"

/* ---------------------------------------------------------------------------------------------
 * Problems */

void dn_problems_init(struct dn_problems *p)
{
	memset(p, 0, sizeof *p);
}

void dn_problems_release(struct dn_problems *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++) {
		dn_free(p->v[i].file);
		dn_free(p->v[i].msg);
	}
	dn_free(p->v);
	memset(p, 0, sizeof *p);
}

static void problems_vadd(struct dn_problems *p, const char *file, int64_t line, int64_t column,
			  const char *fmt, va_list ap)
{
	size_t max = p->max ? p->max : DN_PROBLEMS_MAX;
	char msg[DN_ERROR_MSG_MAX];
	if (p->n >= max) {
		p->dropped++;
		return;
	}
	if (p->n == p->cap) {
		size_t nc = p->cap ? p->cap * 2 : 16;
		struct dn_problem *v = dn_realloc(p->v, nc * sizeof *v);
		if (!v) {
			p->nomem = 1;
			return;
		}
		p->v = v;
		p->cap = nc;
	}
	vsnprintf(msg, sizeof msg, fmt, ap);
	struct dn_problem *pr = &p->v[p->n];
	pr->file = dn_strdup(file ? file : "");
	pr->msg = dn_strdup(msg);
	pr->line = line;
	pr->column = column;
	pr->seq = p->n;
	if (!pr->file || !pr->msg) {
		dn_free(pr->file);
		dn_free(pr->msg);
		p->nomem = 1;
		return;
	}
	p->n++;
}

void dn_problems_add(struct dn_problems *p, const char *file, int64_t line, int64_t column,
		     const char *fmt, ...)
{
	va_list ap;
	if (!p)
		return;
	va_start(ap, fmt);
	problems_vadd(p, file, line, column, fmt, ap);
	va_end(ap);
}

void dn_problems_add_error(struct dn_problems *p, const char *file, int64_t line, int64_t column,
			   const struct dn_error *err)
{
	dn_problems_add(p, err->file[0] ? err->file : file, err->line ? err->line : line,
			err->line ? err->column : column, "%s", err->msg);
}

static int cmp_problem(const void *a, const void *b)
{
	const struct dn_problem *x = a, *y = b;
	int c = strcmp(x->file, y->file);
	if (c)
		return c;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->column != y->column)
		return x->column < y->column ? -1 : 1;
	return x->seq < y->seq ? -1 : (x->seq > y->seq);
}

void dn_problems_sort(struct dn_problems *p)
{
	if (p->n > 1)
		qsort(p->v, p->n, sizeof *p->v, cmp_problem);
}

size_t dn_problems_files(const struct dn_problems *p)
{
	size_t files = 0;
	for (size_t i = 0; i < p->n; i++) {
		size_t j = 0;
		while (j < i && strcmp(p->v[j].file, p->v[i].file))
			j++;
		if (j == i)
			files++;
	}
	return files;
}

char *dn_problem_format(const struct dn_problem *pr, char *out, size_t n)
{
	if (pr->line && pr->column)
		snprintf(out, n, "%s:%lld:%lld: %s", pr->file, (long long)pr->line,
			 (long long)pr->column, pr->msg);
	else if (pr->line)
		snprintf(out, n, "%s:%lld: %s", pr->file, (long long)pr->line, pr->msg);
	else if (pr->file[0])
		snprintf(out, n, "%s: %s", pr->file, pr->msg);
	else
		snprintf(out, n, "%s", pr->msg);
	return out;
}

/* ---------------------------------------------------------------------------------------------
 * Suggestions */

size_t dn_levenshtein(const char *a, const char *b, size_t cap)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t row[65], prev[65];
	if ((la > lb ? la - lb : lb - la) > cap || la > 64 || lb > 64)
		return cap + 1;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		row[0] = i;
		size_t best = row[0];
		for (size_t j = 1; j <= lb; j++) {
			size_t d = prev[j - 1] + (a[i - 1] != b[j - 1]);
			if (prev[j] + 1 < d)
				d = prev[j] + 1;
			if (row[j - 1] + 1 < d)
				d = row[j - 1] + 1;
			row[j] = d;
			if (d < best)
				best = d;
		}
		if (best > cap)
			return cap + 1;
		memcpy(prev, row, (lb + 1) * sizeof row[0]);
	}
	return prev[lb] > cap ? cap + 1 : prev[lb];
}

const char *dn_suggest(const char *word, const char *const *candidates)
{
	const char *best = NULL;
	size_t bestd = 3;
	for (size_t i = 0; candidates && candidates[i]; i++) {
		size_t d = dn_levenshtein(word, candidates[i], 2);
		if (d <= 2 && d < strlen(candidates[i]) && d < bestd) {
			best = candidates[i];
			bestd = d;
		}
	}
	return best;
}

/* ---------------------------------------------------------------------------------------------
 * Durations and trigger rules */

#define DURATION_MAX_MS (INT64_C(100) * 366 * 86400 * 1000)

int dn_duration_parse(const char *s, int64_t *ms)
{
	struct dn_str t = dn_str_trim(dn_str_cstr(s));
	const char *p = t.ptr, *end = t.ptr + t.len;
	int64_t total = 0;
	int groups = 0;
	if (!t.len)
		return DN_EPARSE;
	while (p < end) {
		int64_t v = 0;
		const char *d = p;
		while (p < end && *p >= '0' && *p <= '9') {
			if (v > DURATION_MAX_MS / 10)
				return DN_ELIMIT;
			v = v * 10 + (*p++ - '0');
		}
		if (p == d)
			return DN_EPARSE;
		int64_t unit;
		if (p == end && groups == 0)
			unit = 1000; /* a bare number is seconds */
		else if (end - p >= 2 && p[0] == 'm' && p[1] == 's')
			unit = 1, p += 2;
		else if (p < end && *p == 's')
			unit = 1000, p++;
		else if (p < end && *p == 'm')
			unit = 60000, p++;
		else if (p < end && *p == 'h')
			unit = 3600000, p++;
		else if (p < end && *p == 'd')
			unit = 86400000, p++;
		else
			return DN_EPARSE;
		if (v > DURATION_MAX_MS / unit || total + v * unit > DURATION_MAX_MS)
			return DN_ELIMIT;
		total += v * unit;
		groups++;
	}
	*ms = total;
	return 0;
}

static const char *const trigger_names[] = {"all_success", "all_done",   "all_failed",
					    "one_success", "one_failed", "none_failed",
					    NULL};

const char *dn_trigger_rule_name(enum dn_trigger_rule r)
{
	return (unsigned)r < 6 ? trigger_names[r] : "?";
}

int dn_trigger_rule_parse(const char *s, enum dn_trigger_rule *out)
{
	for (int i = 0; trigger_names[i]; i++)
		if (!strcmp(s, trigger_names[i])) {
			*out = (enum dn_trigger_rule)i;
			return 0;
		}
	return DN_EPARSE;
}

void dn_task_settings_builtin(struct dn_task_settings *s)
{
	memset(s, 0, sizeof *s);
	s->retries = 0;
	s->retry_delay_ms = 300000;
	s->retry_exponential_backoff = 0;
	s->max_retry_delay_ms = 86400000;
	s->timeout_ms = 0;
	s->trigger_rule = DN_TRIGGER_ALL_SUCCESS;
	s->pool = "default";
	s->priority = 0;
}

/* ---------------------------------------------------------------------------------------------
 * Checking helpers shared with pipeline_file.c */

const char *const dn_ld_settings_keys[] = {"retries",
					   "retry_delay",
					   "retry_exponential_backoff",
					   "max_retry_delay",
					   "timeout",
					   "trigger_rule",
					   "pool",
					   "priority",
					   NULL};

void dn_ld_problem(struct dn_ld *c, const struct dn_yaml_node *n, const char *fmt, ...)
{
	va_list ap;
	if (!c->probs)
		return;
	va_start(ap, fmt);
	problems_vadd(c->probs, c->file, n ? n->line : 0, n ? n->column : 0, fmt, ap);
	va_end(ap);
}

static int in_list(const char *s, const char *const *list)
{
	for (size_t i = 0; list && list[i]; i++)
		if (!strcmp(s, list[i]))
			return 1;
	return 0;
}

void dn_ld_check_keys(struct dn_ld *c, const struct dn_yaml_node *map, const char *const *known,
		      const char *const *extra, const char *what)
{
	const char *all[64];
	size_t n = 0;
	for (size_t i = 0; known && known[i] && n < 63; i++)
		all[n++] = known[i];
	for (size_t i = 0; extra && extra[i] && n < 63; i++)
		all[n++] = extra[i];
	all[n] = NULL;
	for (size_t i = 0; map && map->kind == DN_YAML_MAP && i < map->len; i++) {
		const struct dn_yaml_node *k = map->items[2 * i];
		for (size_t j = 0; j < i; j++)
			if (!strcmp(map->items[2 * j]->str, k->str)) {
				dn_ld_problem(c, k, "duplicate key '%s' (first on line %lld)",
					      k->str, (long long)map->items[2 * j]->line);
				break;
			}
		if ((!known && !extra) || in_list(k->str, all))
			continue;
		const char *hint = dn_suggest(k->str, all);
		if (hint) {
			dn_ld_problem(c, k, "unknown %s '%s' (did you mean '%s'?)", what, k->str,
				      hint);
		} else {
			struct dn_buf b = DN_BUF_INIT;
			for (size_t j = 0; all[j]; j++)
				dn_buf_printf(&b, NULL, "%s%s", j ? ", " : "", all[j]);
			dn_ld_problem(c, k, "unknown %s '%s' (known: %s)", what, k->str,
				      b.data ? b.data : "none");
			dn_buf_release(&b);
		}
	}
}

const char *dn_ld_text(struct dn_ld *c, const char *key, const struct dn_yaml_node *n)
{
	if (!n)
		return NULL;
	if (n->kind != DN_YAML_SCALAR) {
		dn_ld_problem(c, n, "%s must be text, not a %s", key,
			      n->kind == DN_YAML_MAP ? "mapping" : "list");
		return NULL;
	}
	if (n->unresolved)
		return NULL;
	return n->str;
}

int dn_ld_bool(struct dn_ld *c, const char *key, const struct dn_yaml_node *n, int *out)
{
	if (!n || dn_yaml_is_null(n) || (n->kind == DN_YAML_SCALAR && n->unresolved))
		return -1;
	if (dn_yaml_bool(n, out) < 0) {
		dn_ld_problem(c, n, "%s must be true or false", key);
		return -1;
	}
	return 0;
}

int dn_ld_int(struct dn_ld *c, const char *key, const struct dn_yaml_node *n, int64_t min,
	      int64_t *out)
{
	if (!n || dn_yaml_is_null(n) || (n->kind == DN_YAML_SCALAR && n->unresolved))
		return -1;
	int64_t v;
	if (dn_yaml_i64(n, &v) < 0 || v < min) {
		if (min == 0)
			dn_ld_problem(c, n, "%s must be a whole number >= 0, not '%s'", key,
				      dn_yaml_shown(n));
		else if (min == 1)
			dn_ld_problem(c, n, "%s must be a whole number >= 1, not '%s'", key,
				      dn_yaml_shown(n));
		else
			dn_ld_problem(c, n, "%s must be a whole number, not '%s'", key,
				      dn_yaml_shown(n));
		return -1;
	}
	*out = v;
	return 0;
}

int dn_ld_id_ok(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return 0;
	return 1;
}

static int ld_duration(struct dn_ld *c, const char *key, const struct dn_yaml_node *n, int64_t *out)
{
	if (!n || dn_yaml_is_null(n) || (n->kind == DN_YAML_SCALAR && n->unresolved))
		return -1;
	if (n->kind != DN_YAML_SCALAR || dn_duration_parse(n->str, out) < 0) {
		dn_ld_problem(c, n,
			      "%s: '%s' is not a duration (a number of seconds, or e.g. 30s, 5m, "
			      "1h30m)",
			      key, dn_yaml_shown(n));
		return -1;
	}
	return 0;
}

int dn_ld_setting(struct dn_ld *c, const char *key, const struct dn_yaml_node *v,
		  struct dn_task_settings *s)
{
	if (!strcmp(key, "retries")) {
		dn_ld_int(c, key, v, 0, &s->retries);
	} else if (!strcmp(key, "retry_delay")) {
		ld_duration(c, key, v, &s->retry_delay_ms);
	} else if (!strcmp(key, "max_retry_delay")) {
		ld_duration(c, key, v, &s->max_retry_delay_ms);
	} else if (!strcmp(key, "timeout")) {
		ld_duration(c, key, v, &s->timeout_ms);
	} else if (!strcmp(key, "retry_exponential_backoff")) {
		dn_ld_bool(c, key, v, &s->retry_exponential_backoff);
	} else if (!strcmp(key, "priority")) {
		dn_ld_int(c, key, v, INT64_MIN, &s->priority);
	} else if (!strcmp(key, "trigger_rule")) {
		const char *t = dn_ld_text(c, key, v);
		if (t && dn_trigger_rule_parse(t, &s->trigger_rule) < 0) {
			const char *hint = dn_suggest(t, trigger_names);
			if (hint)
				dn_ld_problem(c, v,
					      "invalid trigger_rule '%s' (did you mean '%s'?)",
					      dn_yaml_shown(v), hint);
			else
				dn_ld_problem(c, v,
					      "invalid trigger_rule '%s' (one of all_success, "
					      "all_done, all_failed, one_success, one_failed, "
					      "none_failed)",
					      dn_yaml_shown(v));
		}
	} else if (!strcmp(key, "pool")) {
		const char *t = dn_ld_text(c, key, v);
		if (!t || !t[0])
			return 1;
		s->pool = t;
		if (c->project && strcmp(t, "default")) {
			const char *names[66];
			size_t k = 0;
			int found = 0;
			names[k++] = "default";
			for (size_t i = 0; i < c->project->npools; i++) {
				if (!strcmp(c->project->pools[i].name, t))
					found = 1;
				if (k < 65)
					names[k++] = c->project->pools[i].name;
			}
			names[k] = NULL;
			if (!found) {
				const char *hint = dn_suggest(t, names);
				if (hint)
					dn_ld_problem(c, v,
						      "unknown pool '%s' (did you mean '%s'?)",
						      dn_yaml_shown(v), hint);
				else
					dn_ld_problem(c, v,
						      "unknown pool '%s': declare it under pools: "
						      "in dunya.yaml",
						      dn_yaml_shown(v));
			}
		}
	} else {
		return 0;
	}
	return 1;
}

/* ---------------------------------------------------------------------------------------------
 * Finding the root */

static int is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int dn_project_find(const char *start_or_override, char **root, struct dn_error *err)
{
	char dir[PATH_MAX], probe[PATH_MAX + 16];
	*root = NULL;
	if (start_or_override) {
		if (!realpath(start_or_override, dir))
			return dn_error_set(err, DN_ENOTFOUND,
					    "project folder %s: %s (create a project with `dunya "
					    "init DIR`)",
					    start_or_override, strerror(errno));
		snprintf(probe, sizeof probe, "%s/%s", dir, DN_PROJECT_FILE);
		if (!is_file(probe))
			return dn_error_set(err, DN_ENOTFOUND,
					    "%s is not a dunya project: it has no %s (create one "
					    "with `dunya init %s`)",
					    start_or_override, DN_PROJECT_FILE, start_or_override);
		*root = dn_strdup(dir);
		return *root ? 0 : dn_error_set(err, DN_ENOMEM, "out of memory");
	}
	if (!getcwd(dir, sizeof dir))
		return dn_error_set(err, DN_EIO, "cannot read the working directory: %s",
				    strerror(errno));
	for (;;) {
		snprintf(probe, sizeof probe, "%s/%s", strcmp(dir, "/") ? dir : "",
			 DN_PROJECT_FILE);
		if (is_file(probe)) {
			*root = dn_strdup(dir);
			return *root ? 0 : dn_error_set(err, DN_ENOMEM, "out of memory");
		}
		char *slash = strrchr(dir, '/');
		if (!slash || !strcmp(dir, "/"))
			break;
		if (slash == dir)
			slash[1] = 0;
		else
			*slash = 0;
	}
	return dn_error_set(err, DN_ENOTFOUND,
			    "not inside a dunya project: no %s here or in any parent folder (run "
			    "this inside a project, pass --project DIR, or create one with `dunya "
			    "init DIR`)",
			    DN_PROJECT_FILE);
}

/* ---------------------------------------------------------------------------------------------
 * dunya init */

static const char init_env[] =
	"# Secrets and machine-specific settings of this project, one KEY=VALUE per line.\n"
	"# dunya reads the process environment first, then this file. Refer to a variable in\n"
	"# YAML as ${KEY} or ${KEY:-default}. This file is in .gitignore: never commit it.\n"
	"#\n"
	"# PG_PASSWORD=change-me\n"
	"# DUNYA_CONN_WAREHOUSE=postgres://dunya:${PG_PASSWORD}@localhost:5432/warehouse\n";

static const char *const init_gitignore[] = {"# secrets: never commit them",
					     ".env",
					     "# dunya's state: metadata database, logs",
					     ".dunya/",
					     "# data written by pipelines",
					     "/lake/",
					     "/warehouse.db",
					     NULL};

static const char init_hello[] =
	"# An example pipeline: one YAML file per pipeline, in pipelines/.\n"
	"# Check it with `dunya validate`; see docs/pipelines.md for every key.\n"
	"id: hello\n"
	"description: Say hello once a day, then finish.\n"
	"schedule: \"@daily\"         # cron (\"0 6 * * MON-FRI\"), @hourly, @daily, ... or none\n"
	"timezone: UTC\n"
	"start_date: 2024-01-01\n"
	"catchup: false\n"
	"params:\n"
	"  who: world\n"
	"tasks:\n"
	"  - id: greet\n"
	"    type: shell\n"
	"    params:\n"
	"      command: echo \"hello {{ params.who }}, the data interval starts {{ ds }}\"\n"
	"    retries: 2\n"
	"    retry_delay: 30s\n"
	"  - id: done\n"
	"    type: noop\n"
	"    depends_on: greet\n";

static int write_file(const char *path, const char *text, struct dn_error *err)
{
	struct dn_afile f;
	DN_TRY(dn_afile_open(&f, path, err));
	if (fputs(text, f.fp) == EOF) {
		dn_afile_abort(&f);
		return dn_error_set(err, DN_EIO, "writing %s: %s", path, strerror(errno));
	}
	return dn_afile_commit(&f, err);
}

static int make_dir(const char *path, struct dn_error *err)
{
	char buf[PATH_MAX];
	size_t n = strlen(path);
	if (n >= sizeof buf)
		return dn_error_set(err, DN_ELIMIT, "path too long: %s", path);
	memcpy(buf, path, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != 0)
			continue;
		char c = buf[i];
		buf[i] = 0;
		if (mkdir(buf, 0777) != 0 && errno != EEXIST)
			return dn_error_set(err, DN_EIO, "cannot create the folder %s: %s", buf,
					    strerror(errno));
		buf[i] = c;
	}
	struct stat st;
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		return dn_error_set(err, DN_EIO, "%s exists and is not a folder", path);
	return 0;
}

int dn_project_init(const char *dir, const char *name, struct dn_buf *created, struct dn_error *err)
{
	struct dn_buf path = DN_BUF_INIT, text = DN_BUF_INIT;
	char real[PATH_MAX], pname[128];
	int rc;
	static const char *const dirs[] = {"pipelines",        "sql",
					   "models",           "lake",
					   "lake/raw",         "lake/curated",
					   "lake/consumption", ".dunya",
					   ".dunya/logs",      NULL};
	if ((rc = make_dir(dir, err)) < 0)
		return rc;
#define PATH(rel) (dn_buf_reset(&path), dn_buf_printf(&path, err, "%s/%s", dir, rel))
	if ((rc = PATH(DN_PROJECT_FILE)) < 0)
		goto out;
	if (access(path.data, F_OK) == 0) {
		rc = dn_error_set(err, DN_EINVAL,
				  "%s already exists: dunya init never overwrites a project (edit "
				  "it, or choose another folder)",
				  path.data);
		goto out;
	}
	/* The project's name: given, or the folder's, made into an id. */
	if (!name) {
		const char *base = realpath(dir, real) ? strrchr(real, '/') : NULL;
		name = base && base[1] ? base + 1 : "project";
	}
	size_t k = 0;
	for (const char *s = name; *s && k < sizeof pname - 1; s++)
		pname[k++] = dn_ld_id_ok((char[]){*s, 0}) ? *s : '_';
	pname[k] = 0;
	if (!k)
		memcpy(pname, "project", 8);
	for (size_t i = 0; dirs[i]; i++) {
		struct stat st;
		if ((rc = PATH(dirs[i])) < 0)
			goto out;
		int existed = stat(path.data, &st) == 0;
		if ((rc = make_dir(path.data, err)) < 0)
			goto out;
		if (!existed && created && strchr(dirs[i], '/') == NULL)
			dn_buf_printf(created, NULL, "%s/\n", dirs[i]);
	}
	if ((rc = PATH(".env")) < 0)
		goto out;
	if (access(path.data, F_OK) != 0) {
		if ((rc = write_file(path.data, init_env, err)) < 0)
			goto out;
		if (created)
			dn_buf_puts(created, ".env\n", NULL);
	}
	/* .gitignore: created, or completed with the lines it lacks. */
	if ((rc = PATH(".gitignore")) < 0)
		goto out;
	{
		struct dn_buf old = DN_BUF_INIT;
		int exists = dn_read_file(path.data, &old, 1 << 20, NULL) == 0;
		dn_buf_reset(&text);
		if (exists && old.data)
			dn_buf_append(&text, old.data, old.len, NULL);
		if (exists && text.len && text.data[text.len - 1] != '\n')
			dn_buf_putc(&text, '\n', NULL);
		int added = 0;
		for (size_t i = 0; init_gitignore[i]; i++) {
			const char *l = init_gitignore[i];
			int have = 0;
			if (exists && l[0] != '#' && old.data) {
				for (const char *q = old.data; (q = strstr(q, l)); q++)
					if ((q == old.data || q[-1] == '\n') &&
					    (q[strlen(l)] == '\n' || q[strlen(l)] == 0))
						have = 1;
			}
			if (!have && (l[0] != '#' || !exists)) {
				dn_buf_printf(&text, NULL, "%s\n", l);
				added++;
			}
		}
		dn_buf_release(&old);
		if (added && (rc = write_file(path.data, text.data, err)) < 0)
			goto out;
		if (added && created)
			dn_buf_puts(created, exists ? ".gitignore (completed)\n" : ".gitignore\n",
				    NULL);
	}
	if ((rc = PATH("pipelines/hello.yaml")) < 0)
		goto out;
	if (access(path.data, F_OK) != 0) {
		if ((rc = write_file(path.data, init_hello, err)) < 0)
			goto out;
		if (created)
			dn_buf_puts(created, "pipelines/hello.yaml\n", NULL);
	}
	/* dunya.yaml last: a failed init leaves no project behind and can simply be rerun. */
	dn_buf_reset(&text);
	dn_buf_printf(
		&text, NULL,
		"# dunya project settings. Values may use ${NAME} or ${NAME:-default}, read from\n"
		"# the environment, then .env. See docs/pipelines.md for every key.\n"
		"name: %s\n"
		"lake: lake                  # root of the local data lake (raw, curated, "
		"consumption)\n"
		"\n"
		"# Named connections. Each can be overridden by DUNYA_CONN_<NAME>=url.\n"
		"connections:\n"
		"  warehouse: sqlite://warehouse.db\n"
		"  lake: file://lake\n"
		"\n"
		"# SQL models: models/**/NAME.sql, built by `dunya models run` (docs/models.md)\n"
		"models:\n"
		"  path: models\n"
		"  connection: warehouse\n"
		"\n"
		"# Named concurrency limits that tasks may use with `pool:`.\n"
		"pools:\n"
		"  default: 16\n"
		"\n"
		"# Defaults for every pipeline and task; pipelines and tasks override them.\n"
		"defaults:\n"
		"  timezone: UTC\n"
		"  retries: 1\n"
		"  retry_delay: 5m\n",
		pname);
	if ((rc = PATH(DN_PROJECT_FILE)) < 0)
		goto out;
	if (!text.data) {
		rc = dn_error_set(err, DN_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = write_file(path.data, text.data, err)) < 0)
		goto out;
	if (created)
		dn_buf_puts(created, "dunya.yaml\n", NULL);
#undef PATH
	rc = 0;
out:
	dn_buf_release(&path);
	dn_buf_release(&text);
	return rc;
}

/* ---------------------------------------------------------------------------------------------
 * Loading */

static const char *const project_keys[] = {"name",  "description", "lake",   "connections",
					   "pools", "defaults",    "models", NULL};
static const char *const models_keys[] = {"path", "connection", NULL};

/* models: {path: models, connection: warehouse}. The connection is checked when it was given
 * (the default "warehouse" may be absent from a project without models). */
static void load_models_config(struct dn_project *p, struct dn_ld *c, const struct dn_yaml_node *m)
{
	if (!m || dn_yaml_is_null(m))
		return;
	if (m->kind != DN_YAML_MAP) {
		dn_ld_problem(c, m,
			      "models must be a mapping: {path: models, connection: warehouse}");
		return;
	}
	dn_ld_check_keys(c, m, models_keys, NULL, "models key");
	const struct dn_yaml_node *pn = dn_yaml_get(m, "path", NULL);
	const char *s = dn_ld_text(c, "path", pn);
	if (s && s[0]) {
		if (s[0] == '/' || strstr(s, ".."))
			dn_ld_problem(c, pn,
				      "models path '%s' must be a folder inside the project "
				      "(relative, without ..)",
				      dn_yaml_shown(pn));
		else
			p->models_path = s;
	}
	const struct dn_yaml_node *cn = dn_yaml_get(m, "connection", NULL);
	s = dn_ld_text(c, "connection", cn);
	if (s && s[0]) {
		p->models_conn = s;
		if (!dn_project_conn(p, s)) {
			const char *names[65];
			size_t k = 0;
			for (size_t i = 0; i < p->nconns && k < 64; i++)
				names[k++] = p->conns[i].name;
			names[k] = NULL;
			const char *hint = dn_suggest(s, names);
			if (hint)
				dn_ld_problem(c, cn,
					      "models connection '%s' is not a connection (did you "
					      "mean '%s'?)",
					      dn_yaml_shown(cn), hint);
			else
				dn_ld_problem(c, cn,
					      "models connection '%s' is not a connection: add it "
					      "under connections:",
					      dn_yaml_shown(cn));
		}
	}
}
static const char *const project_default_keys[] = {"timezone", "catchup", "max_active_runs", NULL};

static void load_connections(struct dn_project *p, struct dn_ld *c,
			     const struct dn_yaml_node *conns)
{
	if (!conns || dn_yaml_is_null(conns))
		return;
	if (conns->kind != DN_YAML_MAP) {
		dn_ld_problem(c, conns, "connections must be a mapping of name: url");
		return;
	}
	p->conns = dn_calloc(conns->len ? conns->len : 1, sizeof *p->conns);
	if (!p->conns) {
		c->probs->nomem = 1;
		return;
	}
	dn_ld_check_keys(c, conns, NULL, NULL, NULL); /* duplicates only */
	for (size_t i = 0; i < conns->len; i++) {
		const struct dn_yaml_node *k = conns->items[2 * i], *v = conns->items[2 * i + 1];
		struct dn_conn *cn = &p->conns[p->nconns++];
		struct dn_error e;
		cn->name = k->str;
		cn->node = v;
		if (!dn_ld_id_ok(k->str))
			dn_ld_problem(c, k,
				      "connection name '%s' may hold only letters, digits, _ and -",
				      k->str);
		struct dn_buf en = DN_BUF_INIT;
		dn_buf_puts(&en, "DUNYA_CONN_", NULL);
		for (const char *s = k->str; *s; s++)
			dn_buf_putc(&en,
				    *s == '-'                ? '_' :
				    (*s >= 'a' && *s <= 'z') ? (char)(*s - 32) :
							       *s,
				    NULL);
		cn->env_name = dn_buf_take(&en, NULL);
		const char *url = cn->env_name ? dn_env_get(&p->env, cn->env_name) : NULL;
		if (url && url[0]) {
			cn->from_env = 1;
		} else {
			if (v->kind != DN_YAML_SCALAR) {
				dn_ld_problem(c, v, "connection '%s' must be a URL", k->str);
				continue;
			}
			if (v->unresolved)
				continue;
			url = v->str;
		}
		dn_error_clear(&e);
		if (dn_url_parse(&cn->url, url, &e) < 0) {
			if (e.code == DN_ENOMEM)
				c->probs->nomem = 1;
			dn_ld_problem(c, cn->from_env ? k : v, "connection '%s'%s%s: %s", k->str,
				      cn->from_env ? " from " : "",
				      cn->from_env ? cn->env_name : "", e.msg);
			dn_url_release(&cn->url);
			continue;
		}
		cn->valid = 1;
	}
}

void dn_project_lake_options(const struct dn_project *p, struct dn_lake_options *o)
{
	const struct dn_lake_conf *l = &p->lake_conf;
	dn_lake_options_init(o);
	o->root = p->lake;
	o->base_dir = p->root;
	o->s3.endpoint = l->endpoint;
	if (l->region)
		o->s3.region = l->region;
	o->s3.access_key_id = l->access_key_id;
	o->s3.secret_access_key = l->secret_access_key;
	o->s3.session_token = l->session_token;
	o->s3.path_style = l->path_style;
	o->s3.insecure = l->insecure;
}

void dn_project_lake_write_defaults(const struct dn_project *p, struct dn_lake_write_options *w)
{
	const struct dn_lake_conf *l = &p->lake_conf;
	dn_lake_write_options_init(w);
	if (l->format && !strcmp(l->format, "ndjson"))
		w->format = DN_FORMAT_NDJSON;
	else if (l->format && !strcmp(l->format, "csv"))
		w->format = DN_FORMAT_CSV;
	if (l->compression)
		dn_codec_parse(l->compression, &w->codec);
}

/* `lake: ROOT`, or a mapping with root and the S3 and file settings. */
static void load_lake(struct dn_project *p, struct dn_ld *c, const struct dn_yaml_node *n)
{
	static const char *const keys[] = {"root",
					   "endpoint",
					   "region",
					   "access_key_id",
					   "secret_access_key",
					   "session_token",
					   "path_style",
					   "insecure",
					   "format",
					   "compression",
					   NULL};
	struct dn_lake_conf *l = &p->lake_conf;
	const char *s;
	if (!n || dn_yaml_is_null(n))
		return;
	if (n->kind == DN_YAML_SCALAR) {
		s = dn_ld_text(c, "lake", n);
		if (s && s[0])
			p->lake = s;
		return;
	}
	if (n->kind != DN_YAML_MAP) {
		dn_ld_problem(c, n, "lake must be a folder, an s3:// URL, or a mapping with root");
		return;
	}
	dn_ld_check_keys(c, n, keys, NULL, "lake key");
	s = dn_ld_text(c, "root", dn_yaml_get(n, "root", NULL));
	if (s && s[0])
		p->lake = s;
	l->endpoint = dn_ld_text(c, "endpoint", dn_yaml_get(n, "endpoint", NULL));
	l->region = dn_ld_text(c, "region", dn_yaml_get(n, "region", NULL));
	l->access_key_id = dn_ld_text(c, "access_key_id", dn_yaml_get(n, "access_key_id", NULL));
	l->secret_access_key =
		dn_ld_text(c, "secret_access_key", dn_yaml_get(n, "secret_access_key", NULL));
	l->session_token = dn_ld_text(c, "session_token", dn_yaml_get(n, "session_token", NULL));
	dn_ld_bool(c, "path_style", dn_yaml_get(n, "path_style", NULL), &l->path_style);
	dn_ld_bool(c, "insecure", dn_yaml_get(n, "insecure", NULL), &l->insecure);
	const struct dn_yaml_node *f = dn_yaml_get(n, "format", NULL);
	l->format = dn_ld_text(c, "format", f);
	if (l->format && strcmp(l->format, "parquet") != 0 && strcmp(l->format, "csv") != 0 &&
	    strcmp(l->format, "ndjson") != 0)
		dn_ld_problem(c, f, "lake format must be parquet, csv or ndjson, not '%s'",
			      l->format);
	f = dn_yaml_get(n, "compression", NULL);
	l->compression = dn_ld_text(c, "compression", f);
	if (l->compression && strcmp(l->compression, "zstd") != 0 &&
	    strcmp(l->compression, "gzip") != 0 && strcmp(l->compression, "none") != 0)
		dn_ld_problem(c, f, "lake compression must be zstd, gzip or none, not '%s'",
			      l->compression);
}

static void load_pools(struct dn_project *p, struct dn_ld *c, const struct dn_yaml_node *pools)
{
	if (!pools || dn_yaml_is_null(pools))
		return;
	if (pools->kind != DN_YAML_MAP) {
		dn_ld_problem(c, pools, "pools must be a mapping of name: slots");
		return;
	}
	dn_ld_check_keys(c, pools, NULL, NULL, NULL);
	p->pools = dn_calloc(pools->len ? pools->len : 1, sizeof *p->pools);
	if (!p->pools) {
		c->probs->nomem = 1;
		return;
	}
	for (size_t i = 0; i < pools->len; i++) {
		const struct dn_yaml_node *k = pools->items[2 * i], *v = pools->items[2 * i + 1];
		struct dn_pool_def *pd = &p->pools[p->npools++];
		pd->name = k->str;
		pd->slots = 1;
		if (!dn_ld_id_ok(k->str))
			dn_ld_problem(c, k, "pool name '%s' may hold only letters, digits, _ and -",
				      k->str);
		if (dn_yaml_is_null(v))
			dn_ld_problem(c, v, "pool '%s' needs a number of slots", k->str);
		else
			dn_ld_int(c, "pool slots", v, 1, &pd->slots);
	}
}

static void load_defaults(struct dn_project *p, struct dn_ld *c, const struct dn_yaml_node *d)
{
	if (!d || dn_yaml_is_null(d))
		return;
	if (d->kind != DN_YAML_MAP) {
		dn_ld_problem(c, d, "defaults must be a mapping");
		return;
	}
	dn_ld_check_keys(c, d, dn_ld_settings_keys, project_default_keys, "defaults key");
	for (size_t i = 0; i < d->len; i++) {
		const char *k = d->items[2 * i]->str;
		const struct dn_yaml_node *v = d->items[2 * i + 1];
		if (dn_ld_setting(c, k, v, &p->defaults))
			continue;
		if (!strcmp(k, "timezone")) {
			const char *tz = dn_ld_text(c, k, v);
			struct dn_tz *z = NULL;
			struct dn_error e;
			dn_error_clear(&e);
			if (tz && dn_tz_load(&z, tz, &e) < 0 && v->expanded)
				dn_ld_problem(c, v, "timezone %s: not a time zone", v->raw);
			else if (tz && e.code)
				dn_ld_problem(c, v, "%s", e.msg);
			else if (tz)
				p->timezone = tz;
			dn_tz_free(z);
		} else if (!strcmp(k, "catchup")) {
			dn_ld_bool(c, k, v, &p->catchup);
		} else if (!strcmp(k, "max_active_runs")) {
			dn_ld_int(c, k, v, 1, &p->max_active_runs);
		}
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names of pipelines/ *.yaml and *.yml files, sorted. */
static int list_pipelines(const char *dir, char ***names, size_t *n, struct dn_ld *c,
			  struct dn_error *err)
{
	DIR *d = opendir(dir);
	size_t cap = 0;
	*names = NULL;
	*n = 0;
	if (!d)
		return errno == ENOENT ? 0 :
					 dn_error_set(err, DN_EIO, "cannot read %s: %s", dir,
						      strerror(errno));
	struct dirent *de;
	int rc = 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || !(dn_str_has_suffix(de->d_name, ".yaml") ||
					      dn_str_has_suffix(de->d_name, ".yml")))
			continue;
		if (*n == DN_PIPELINES_MAX) {
			dn_ld_problem(c, NULL, "more than %d pipeline files; the rest are skipped",
				      DN_PIPELINES_MAX);
			break;
		}
		if (*n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			char **v = dn_realloc(*names, nc * sizeof *v);
			if (!v) {
				rc = dn_error_set(err, DN_ENOMEM, "out of memory");
				break;
			}
			*names = v;
			cap = nc;
		}
		if (!((*names)[*n] = dn_strdup(de->d_name))) {
			rc = dn_error_set(err, DN_ENOMEM, "out of memory");
			break;
		}
		(*n)++;
	}
	closedir(d);
	if (*n > 1)
		qsort(*names, *n, sizeof **names, cmp_str);
	return rc;
}

int dn_project_load(struct dn_project **out, const char *root, struct dn_problems *probs,
		    struct dn_error *err)
{
	struct dn_project *p = dn_calloc(1, sizeof *p);
	struct dn_buf b = DN_BUF_INIT, path = DN_BUF_INIT;
	struct dn_ld c = {DN_PROJECT_FILE, probs, NULL};
	char **files = NULL;
	size_t nfiles = 0;
	struct dn_error e;
	int rc = 0;
	*out = NULL;
	if (!p)
		return dn_error_set(err, DN_ENOMEM, "out of memory");
	dn_task_settings_builtin(&p->defaults);
	p->timezone = "UTC";
	p->max_active_runs = 16;
	p->lake = "lake";
	p->models_path = "models";
	p->models_conn = "warehouse";
	dn_env_init(&p->env);
	p->root = dn_strdup(root);
	if (!p->root || dn_buf_printf(&path, err, "%s/%s", root, DN_PROJECT_FILE) < 0 ||
	    !(p->config = dn_strdup(path.data))) {
		rc = dn_error_set(err, DN_ENOMEM, "out of memory");
		goto fail;
	}
	const char *slash = strrchr(p->root, '/');
	p->name = slash && slash[1] ? slash + 1 : p->root;

	/* .env first: dunya.yaml may refer to it. */
	dn_buf_reset(&path);
	dn_buf_printf(&path, NULL, "%s/.env", root);
	if (path.data && access(path.data, F_OK) == 0)
		p->nfiles++;
	if ((rc = dn_env_load(&p->env, path.data, ".env", probs, err)) < 0)
		goto fail;

	dn_error_clear(&e);
	rc = dn_read_file(p->config, &b, DN_YAML_MAX_BYTES + 1, &e);
	if (rc == DN_ELIMIT) {
		dn_problems_add(probs, DN_PROJECT_FILE, 0, 0,
				"file is larger than %u bytes, the limit for YAML files",
				DN_YAML_MAX_BYTES);
	} else if (rc < 0) {
		if (err)
			*err = e;
		goto fail;
	}
	p->nfiles++;
	if (rc == 0) {
		rc = dn_yaml_parse(&p->doc, DN_PROJECT_FILE, b.data ? b.data : "", b.len, &e);
		if (rc == DN_ENOMEM) {
			*err = e;
			goto fail;
		}
		if (rc < 0)
			dn_problems_add_error(probs, DN_PROJECT_FILE, 0, 0, &e);
		else if ((rc = dn_yaml_expand_env(&p->doc, &p->env, probs, err)) < 0)
			goto fail;
	}
	rc = 0;
	dn_buf_release(&b);
	const struct dn_yaml_node *r = p->doc.root;
	if (r && r->kind != DN_YAML_MAP) {
		dn_ld_problem(&c, r,
			      "dunya.yaml must be a mapping of keys (name, connections, "
			      "defaults, ...)");
		r = NULL;
	}
	if (r) {
		dn_ld_check_keys(&c, r, project_keys, NULL, "project key");
		const char *s = dn_ld_text(&c, "name", dn_yaml_get(r, "name", NULL));
		if (s && s[0])
			p->name = s;
		dn_ld_text(&c, "description", dn_yaml_get(r, "description", NULL));
		load_lake(p, &c, dn_yaml_get(r, "lake", NULL));
		load_connections(p, &c, dn_yaml_get(r, "connections", NULL));
		load_pools(p, &c, dn_yaml_get(r, "pools", NULL));
		load_models_config(p, &c, dn_yaml_get(r, "models", NULL));
		/* Pools must be known before defaults can name one. */
		c.project = p;
		load_defaults(p, &c, dn_yaml_get(r, "defaults", NULL));
	}

	/* Pipelines. */
	dn_buf_reset(&path);
	dn_buf_printf(&path, NULL, "%s/pipelines", root);
	c.file = "pipelines";
	if ((rc = list_pipelines(path.data, &files, &nfiles, &c, err)) < 0)
		goto fail;
	p->pipelines = dn_calloc(nfiles ? nfiles : 1, sizeof *p->pipelines);
	if (!p->pipelines) {
		rc = dn_error_set(err, DN_ENOMEM, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < nfiles; i++) {
		char shown[600];
		snprintf(shown, sizeof shown, "pipelines/%s", files[i]);
		dn_buf_reset(&path);
		dn_buf_printf(&path, NULL, "%s/%s", root, shown);
		dn_error_clear(&e);
		p->nfiles++;
		rc = dn_read_file(path.data, &b, DN_YAML_MAX_BYTES + 1, &e);
		if (rc < 0) {
			if (rc == DN_ENOMEM) {
				*err = e;
				goto fail;
			}
			if (rc == DN_ELIMIT)
				dn_problems_add(probs, shown, 0, 0,
						"file is larger than %u bytes, the limit for YAML "
						"files",
						DN_YAML_MAX_BYTES);
			else
				dn_problems_add(probs, shown, 0, 0, "%s", e.msg);
			dn_buf_release(&b);
			continue;
		}
		struct dn_pipeline *pl = NULL;
		rc = dn_pipeline_parse(&pl, p, shown, b.data ? b.data : "", b.len, probs, err);
		dn_buf_release(&b);
		if (rc < 0)
			goto fail;
		for (size_t j = 0; j < p->npipelines; j++)
			if (!strcmp(p->pipelines[j]->id, pl->id)) {
				const struct dn_yaml_node *idn =
					dn_yaml_get(pl->doc.root, "id", NULL);
				dn_problems_add(probs, shown, idn ? idn->line : 0,
						idn ? idn->column : 0,
						"duplicate pipeline id '%s' (also in %s)", pl->id,
						p->pipelines[j]->file);
				pl->nproblems++;
				break;
			}
		p->pipelines[p->npipelines++] = pl;
	}
	rc = 0;
	if (probs && probs->nomem) {
		rc = dn_error_set(err, DN_ENOMEM, "out of memory recording problems");
		goto fail;
	}
	*out = p;
	goto out;
fail:
	dn_project_free(p);
out:
	for (size_t i = 0; i < nfiles; i++)
		dn_free(files[i]);
	dn_free(files);
	dn_buf_release(&b);
	dn_buf_release(&path);
	return rc;
}

void dn_project_free(struct dn_project *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->npipelines; i++)
		dn_pipeline_free(p->pipelines[i]);
	dn_free(p->pipelines);
	for (size_t i = 0; i < p->nconns; i++) {
		dn_url_release(&p->conns[i].url);
		dn_free(p->conns[i].env_name);
	}
	dn_free(p->conns);
	dn_free(p->pools);
	dn_env_release(&p->env);
	dn_yaml_doc_release(&p->doc);
	dn_free(p->root);
	dn_free(p->config);
	dn_free(p);
}

const struct dn_conn *dn_project_conn(const struct dn_project *p, const char *name)
{
	for (size_t i = 0; p && i < p->nconns; i++)
		if (!strcmp(p->conns[i].name, name))
			return &p->conns[i];
	return NULL;
}

int dn_conn_wh_url(const struct dn_project *p, const struct dn_conn *cn, struct dn_buf *out,
		   struct dn_error *err)
{
	if (!cn->valid)
		return dn_error_set(err, DN_EINVAL,
				    "connection '%s' has an invalid URL; `dunya validate` shows "
				    "why",
				    cn->name);
	if (!strcmp(cn->url.scheme, "sqlite"))
		return dn_buf_printf(out, err, "sqlite://%s", cn->url.path);
	const char *raw = cn->from_env ? dn_env_get(&p->env, cn->env_name) :
					 (cn->node ? cn->node->str : NULL);
	if (!raw)
		return dn_error_set(err, DN_EINVAL, "connection '%s' has no URL", cn->name);
	return dn_buf_puts(out, raw, err);
}

size_t dn_project_ntasks(const struct dn_project *p)
{
	size_t n = 0;
	for (size_t i = 0; i < p->npipelines; i++)
		n += p->pipelines[i]->ntasks;
	return n;
}
