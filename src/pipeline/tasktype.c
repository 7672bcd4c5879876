/* The registry of task types, and the ones built in here: noop, shell, sql, sensor.file, load,
 * export, lake.write, models and extract.api.
 *
 * A type is a name, the names of its params and an optional check. The loader reports unknown
 * params (with a suggestion) from the names alone and calls the check for the rest, so a new
 * type (extract, load, quality, train...) is one static struct and one dn_task_type_register
 * call, and neither the loader nor `dunya validate` changes. Execution is not here: the executor
 * keeps its own table keyed by the same names.
 *
 * The registry is a fixed array (DN_TASK_TYPES_MAX) filled at start-up; built-ins are listed
 * first without a registration step, so lookups work before anything registers. */
#include <stdarg.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "../extract/extract.h"
#include "../store/store.h"
#include "pipeline.h"
#include "xtask.h"

static int env_name_ok(const char *s)
{
	if (!(*s == '_' || (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')))
		return 0;
	for (; *s; s++)
		if (!(*s == '_' || (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= '0' && *s <= '9')))
			return 0;
	return 1;
}

static void check_shell(const struct dn_task_check *c)
{
	dn_task_check_string(c, "command", 1);
	dn_task_check_string(c, "cwd", 0);
	const struct dn_yaml_node *env = dn_yaml_get(c->task->params, "env", NULL);
	if (env && !dn_yaml_is_null(env)) {
		if (env->kind != DN_YAML_MAP) {
			dn_task_check_problem(c, env,
					      "shell param 'env' must be a mapping of "
					      "NAME: value");
			return;
		}
		for (size_t i = 0; i < env->len; i++) {
			const struct dn_yaml_node *k = env->items[2 * i],
						  *v = env->items[2 * i + 1];
			const char *s = k->str;
			int ok = env_name_ok(s);
			if (!ok)
				dn_task_check_problem(c, k,
						      "shell env name '%s' is not a variable name "
						      "(letters, digits and _)",
						      s);
			if (v->kind != DN_YAML_SCALAR)
				dn_task_check_problem(c, v, "shell env value of %s must be text",
						      s);
		}
	}
}

static void check_sql(const struct dn_task_check *c)
{
	const struct dn_yaml_node *conn = dn_task_check_string(c, "connection", 1);
	const struct dn_yaml_node *sql = dn_task_check_string(c, "sql", 0);
	const struct dn_yaml_node *file = dn_task_check_string(c, "file", 0);
	if (conn && c->project && !dn_project_conn(c->project, conn->str)) {
		const char *names[65];
		size_t k = 0;
		for (size_t i = 0; i < c->project->nconns && k < 64; i++)
			names[k++] = c->project->conns[i].name;
		names[k] = NULL;
		const char *hint = dn_suggest(conn->str, names);
		if (hint)
			dn_task_check_problem(c, conn,
					      "unknown connection '%s' (did you mean '%s'?)",
					      dn_yaml_shown(conn), hint);
		else
			dn_task_check_problem(c, conn,
					      "unknown connection '%s': add it under connections: "
					      "in dunya.yaml",
					      dn_yaml_shown(conn));
	}
	if (sql && file)
		dn_task_check_problem(c, file, "sql task: give either 'sql' or 'file', not both");
	else if (!sql && !file && !dn_yaml_get(c->task->params, "sql", NULL) &&
		 !dn_yaml_get(c->task->params, "file", NULL))
		dn_task_check_problem(c, NULL,
				      "sql task needs 'sql' (the statements) or 'file' (a file "
				      "under sql/) in its params");
	if (file && c->project && !strstr(file->str, "{{")) {
		struct dn_buf path = DN_BUF_INIT;
		if (file->str[0] == '/')
			dn_buf_puts(&path, file->str, NULL);
		else
			dn_buf_printf(&path, NULL, "%s/sql/%s", c->project->root, file->str);
		if (path.data && access(path.data, R_OK) != 0)
			dn_task_check_problem(c, file, "sql file '%s' not found%s",
					      dn_yaml_shown(file),
					      file->str[0] == '/' ? "" : " under sql/");
		dn_buf_release(&path);
	}
}

static void check_duration(const struct dn_task_check *c, const char *key)
{
	const struct dn_yaml_node *n = dn_yaml_get(c->task->params, key, NULL);
	int64_t ms;
	if (!n || dn_yaml_is_null(n))
		return;
	if (n->kind != DN_YAML_SCALAR || dn_duration_parse(n->str, &ms) < 0)
		dn_task_check_problem(c, n,
				      "%s: '%s' is not a duration (a number of seconds, or e.g. "
				      "30s, 5m, 1h30m)",
				      key, dn_yaml_shown(n));
}

static void check_sensor_file(const struct dn_task_check *c)
{
	dn_task_check_string(c, "path", 1);
	check_duration(c, "poke_interval");
	check_duration(c, "timeout");
}

static void check_load(const struct dn_task_check *c)
{
	dn_task_check_string(c, "source", 1);
	dn_task_check_string(c, "connection", 1);
	dn_task_check_string(c, "table", 1);
	const struct dn_yaml_node *mode = dn_task_check_string(c, "mode", 0);
	const char *m = mode ? mode->str : "append";
	if (mode && strcmp(m, "append") && strcmp(m, "replace") && strcmp(m, "merge") &&
	    strcmp(m, "incremental"))
		dn_task_check_problem(c, mode,
				      "mode: '%s' is not a load mode (append, replace, merge, "
				      "incremental)",
				      dn_yaml_shown(mode));
	const struct dn_yaml_node *key = dn_yaml_get(c->task->params, "key", NULL);
	if (!strcmp(m, "merge") && (!key || dn_yaml_is_null(key)))
		dn_task_check_problem(c, mode,
				      "a merge load needs 'key' (the columns to match on)");
	if (!strcmp(m, "incremental") && !dn_yaml_get(c->task->params, "incremental_column", NULL))
		dn_task_check_problem(c, mode, "an incremental load needs 'incremental_column'");
	const struct dn_yaml_node *br = dn_task_check_string(c, "bad_rows", 0);
	if (br && strcmp(br->str, "fail") && strcmp(br->str, "skip") &&
	    strcmp(br->str, "quarantine"))
		dn_task_check_problem(c, br, "bad_rows: '%s' is not fail, skip or quarantine",
				      dn_yaml_shown(br));
}

static void check_lake_write_params(const struct dn_task_check *c);

static void check_export(const struct dn_task_check *c)
{
	dn_task_check_string(c, "connection", 1);
	dn_task_check_string(c, "query", 1);
	const struct dn_yaml_node *path = dn_task_check_string(c, "path", 1);
	if (path && !strncmp(path->str, "lake:", 5))
		check_lake_write_params(c);
}

static void check_lake_write_params(const struct dn_task_check *c)
{
	const struct dn_yaml_node *mode = dn_task_check_string(c, "mode", 0);
	if (mode && strcmp(mode->str, "append") && strcmp(mode->str, "overwrite") &&
	    strcmp(mode->str, "overwrite-partitions"))
		dn_task_check_problem(c, mode,
				      "mode: '%s' is not append, overwrite or overwrite-partitions",
				      dn_yaml_shown(mode));
	const struct dn_yaml_node *f = dn_task_check_string(c, "format", 0);
	if (f && strcmp(f->str, "parquet") && strcmp(f->str, "csv") && strcmp(f->str, "ndjson"))
		dn_task_check_problem(c, f, "format: '%s' is not parquet, csv or ndjson",
				      dn_yaml_shown(f));
	f = dn_task_check_string(c, "compression", 0);
	if (f && strcmp(f->str, "zstd") && strcmp(f->str, "gzip") && strcmp(f->str, "none"))
		dn_task_check_problem(c, f, "compression: '%s' is not zstd, gzip or none",
				      dn_yaml_shown(f));
	const struct dn_yaml_node *p = dn_yaml_get(c->task->params, "partition", NULL);
	if (p && !dn_yaml_is_null(p) && p->kind != DN_YAML_MAP)
		dn_task_check_problem(c, p,
				      "partition must be a mapping of column: value, e.g. "
				      "{ds: \"{{ ds }}\"}");
	for (size_t i = 0; p && p->kind == DN_YAML_MAP && i < p->len; i++)
		if (p->items[2 * i + 1]->kind != DN_YAML_SCALAR)
			dn_task_check_problem(c, p->items[2 * i + 1],
					      "partition '%s' must be a value",
					      p->items[2 * i]->str);
}

static void check_lake_write(const struct dn_task_check *c)
{
	dn_task_check_string(c, "source", 1);
	const struct dn_yaml_node *ds = dn_task_check_string(c, "dataset", 1);
	struct dn_error e;
	dn_error_clear(&e);
	if (ds && !ds->unresolved && !strstr(ds->str, "{{") &&
	    dn_lake_dataset_check(ds->str, &e) < 0)
		dn_task_check_problem(c, ds, "dataset: %s", e.msg);
	check_lake_write_params(c);
	const struct dn_yaml_node *br = dn_task_check_string(c, "bad_rows", 0);
	if (br && strcmp(br->str, "fail") && strcmp(br->str, "skip") &&
	    strcmp(br->str, "quarantine"))
		dn_task_check_problem(c, br, "bad_rows: '%s' is not fail, skip or quarantine",
				      dn_yaml_shown(br));
}

static const char *const export_params[] = {"connection", "query",       "path",      "mode",
					    "format",     "compression", "partition", NULL};
static const char *const lake_write_params[] = {"source",   "dataset",     "mode",
						"format",   "compression", "partition",
						"bad_rows", "rejects",     NULL};
static void check_models(const struct dn_task_check *c)
{
	const struct dn_yaml_node *conn = dn_task_check_string(c, "connection", 0);
	dn_task_check_string(c, "select", 0);
	if (conn && c->project && !strstr(conn->str, "{{") &&
	    !dn_project_conn(c->project, conn->str))
		dn_task_check_problem(c, conn,
				      "unknown connection '%s': add it under connections: in "
				      "dunya.yaml",
				      dn_yaml_shown(conn));
	const struct dn_yaml_node *fr = dn_yaml_get(c->task->params, "full_refresh", NULL);
	int b;
	if (fr && !dn_yaml_is_null(fr) && (fr->kind != DN_YAML_SCALAR || dn_yaml_bool(fr, &b) < 0))
		dn_task_check_problem(c, fr, "full_refresh: '%s' is not true or false",
				      fr->kind == DN_YAML_SCALAR ? dn_yaml_shown(fr) : "?");
	const struct dn_yaml_node *th = dn_yaml_get(c->task->params, "threads", NULL);
	int64_t n;
	if (th && !dn_yaml_is_null(th) &&
	    (th->kind != DN_YAML_SCALAR || dn_yaml_i64(th, &n) < 0 || n < 1 || n > 256))
		dn_task_check_problem(c, th, "threads: '%s' is not a number from 1 to 256",
				      th->kind == DN_YAML_SCALAR ? dn_yaml_shown(th) : "?");
}

/* A nested mapping param of extract.api: unknown keys are reported like unknown params. */
static const struct dn_yaml_node *check_map(const struct dn_task_check *c, const char *key,
					    const char *const *known)
{
	const struct dn_yaml_node *m = dn_yaml_get(c->task->params, key, NULL);
	if (!m || dn_yaml_is_null(m))
		return NULL;
	if (m->kind != DN_YAML_MAP) {
		dn_task_check_problem(c, m, "extract.api param '%s' must be a mapping", key);
		return NULL;
	}
	for (size_t i = 0; i < m->len; i++) {
		const struct dn_yaml_node *k = m->items[2 * i], *v = m->items[2 * i + 1];
		int ok = 0;
		for (size_t j = 0; known && known[j]; j++)
			ok |= !strcmp(k->str, known[j]);
		if (!ok) {
			const char *hint = known ? dn_suggest(k->str, known) : NULL;
			dn_task_check_problem(c, k, "unknown key '%s' in %s%s%s%s", k->str, key,
					      hint ? " (did you mean '" : "", hint ? hint : "",
					      hint ? "'?)" : "");
		} else if (v->kind != DN_YAML_SCALAR && strcmp(k->str, "variables")) {
			dn_task_check_problem(c, v, "%s.%s must be a value", key, k->str);
		}
	}
	return m;
}

static const char *map_str(const struct dn_yaml_node *m, const char *key)
{
	const struct dn_yaml_node *v = dn_yaml_get(m, key, NULL);
	return v && v->kind == DN_YAML_SCALAR && !dn_yaml_is_null(v) ? v->str : NULL;
}

static void check_api_number(const struct dn_task_check *c, const struct dn_yaml_node *m,
			     const char *key, int64_t lo)
{
	const struct dn_yaml_node *v = dn_yaml_get(m, key, NULL);
	int64_t n;
	if (v && v->kind == DN_YAML_SCALAR && !dn_yaml_is_null(v) &&
	    (dn_yaml_i64(v, &n) < 0 || n < lo))
		dn_task_check_problem(c, v, "%s: '%s' is not a whole number of at least %lld", key,
				      dn_yaml_shown(v), (long long)lo);
}

static void check_api_bool(const struct dn_task_check *c, const struct dn_yaml_node *m,
			   const char *key)
{
	const struct dn_yaml_node *v = dn_yaml_get(m, key, NULL);
	int b;
	if (v && v->kind == DN_YAML_SCALAR && !dn_yaml_is_null(v) && !strstr(v->str, "{{") &&
	    dn_yaml_bool(v, &b) < 0)
		dn_task_check_problem(c, v, "%s: '%s' is not true or false", key, dn_yaml_shown(v));
}

static const char *const api_auth_keys[] = {"type",      "token",         "username", "password",
					    "header",    "query",         "value",    "token_url",
					    "client_id", "client_secret", "scope",    NULL};
static const char *const api_page_keys[] = {"type",        "param",     "start",
					    "limit_param", "limit",     "cursor_path",
					    "page_info",   "max_pages", "max_pages_ok",
					    NULL};
static const char *const api_inc_keys[] = {"bookmark", NULL};
static const char *const api_gql_keys[] = {"query", "variables", NULL};

static void check_extract_api(const struct dn_task_check *c)
{
	const struct dn_yaml_node *params = c->task->params;
	const struct dn_yaml_node *url = dn_task_check_string(c, "url", 1);
	if (url && !strstr(url->str, "{{") && !url->unresolved && strncmp(url->str, "http://", 7) &&
	    strncmp(url->str, "https://", 8))
		dn_task_check_problem(c, url, "url: '%s' is not an http or https URL",
				      dn_yaml_shown(url));
	const struct dn_yaml_node *ds = dn_task_check_string(c, "dataset", 1);
	struct dn_error e;
	dn_error_clear(&e);
	if (ds && !ds->unresolved && !strstr(ds->str, "{{") &&
	    dn_lake_dataset_check(ds->str, &e) < 0)
		dn_task_check_problem(c, ds, "dataset: %s", e.msg);
	check_lake_write_params(c);
	const struct dn_yaml_node *m = dn_task_check_string(c, "method", 0);
	if (m && strcasecmp(m->str, "GET") && strcasecmp(m->str, "POST"))
		dn_task_check_problem(c, m, "method: '%s' is not GET or POST", dn_yaml_shown(m));
	dn_task_check_string(c, "body", 0);
	dn_task_check_string(c, "records", 0);
	for (int i = 0; i < 2; i++) {
		const char *key = i ? "headers" : "query";
		const struct dn_yaml_node *q = dn_yaml_get(params, key, NULL);
		if (q && !dn_yaml_is_null(q) && q->kind != DN_YAML_MAP)
			dn_task_check_problem(c, q, "%s must be a mapping of name: value", key);
		for (size_t k = 0; q && q->kind == DN_YAML_MAP && k < q->len; k++)
			if (q->items[2 * k + 1]->kind != DN_YAML_SCALAR)
				dn_task_check_problem(c, q->items[2 * k + 1],
						      "%s '%s' must be a value", key,
						      q->items[2 * k]->str);
		if (q && q->kind == DN_YAML_MAP && q->len > DN_API_MAX_KV)
			dn_task_check_problem(c, q, "%s: more than %d entries", key, DN_API_MAX_KV);
	}
	const struct dn_yaml_node *r = dn_task_check_string(c, "rate_limit", 0);
	double per_s;
	if (r && !strstr(r->str, "{{") && dn_api_rate_parse(r->str, &per_s) < 0)
		dn_task_check_problem(c, r,
				      "rate_limit: '%s' is not a rate such as 10/s or 600/minute",
				      dn_yaml_shown(r));
	check_api_number(c, params, "retries", 0);
	check_api_number(c, params, "max_response_bytes", 1);
	check_duration(c, "retry_backoff");
	check_duration(c, "max_wait");
	check_duration(c, "timeout");
	check_api_bool(c, params, "full_refresh");

	const struct dn_yaml_node *a = check_map(c, "auth", api_auth_keys);
	if (a) {
		const char *t = map_str(a, "type");
		if (!t)
			dn_task_check_problem(c, a,
					      "auth needs a type: bearer, basic, api_key or "
					      "oauth2_client_credentials");
		else if (!strcmp(t, "bearer")) {
			if (!map_str(a, "token"))
				dn_task_check_problem(c, a, "bearer auth needs 'token'");
		} else if (!strcmp(t, "basic")) {
			if (!map_str(a, "username"))
				dn_task_check_problem(c, a, "basic auth needs 'username'");
		} else if (!strcmp(t, "api_key")) {
			if (!map_str(a, "value"))
				dn_task_check_problem(c, a, "api_key auth needs 'value'");
			if (!!map_str(a, "header") == !!map_str(a, "query"))
				dn_task_check_problem(c, a,
						      "api_key auth needs either 'header' or "
						      "'query' (where the key goes)");
		} else if (!strcmp(t, "oauth2_client_credentials")) {
			if (!map_str(a, "token_url") || !map_str(a, "client_id") ||
			    !map_str(a, "client_secret"))
				dn_task_check_problem(c, a,
						      "oauth2_client_credentials auth needs "
						      "token_url, client_id and client_secret");
		} else {
			dn_task_check_problem(c, dn_yaml_get(a, "type", NULL),
					      "auth type '%s' is not bearer, basic, api_key or "
					      "oauth2_client_credentials",
					      t);
		}
	}
	const struct dn_yaml_node *g = check_map(c, "graphql", api_gql_keys);
	if (g) {
		if (!map_str(g, "query"))
			dn_task_check_problem(c, g, "graphql needs 'query'");
		const struct dn_yaml_node *v = dn_yaml_get(g, "variables", NULL);
		if (v && !dn_yaml_is_null(v) && v->kind != DN_YAML_MAP)
			dn_task_check_problem(c, v, "graphql.variables must be a mapping");
		if (dn_yaml_get(params, "body", NULL))
			dn_task_check_problem(c, g, "give either 'graphql' or 'body', not both");
	}
	const struct dn_yaml_node *p = check_map(c, "pagination", api_page_keys);
	if (p) {
		const char *t = map_str(p, "type");
		if (!t)
			dn_task_check_problem(c, p,
					      "pagination needs a type: page, offset, cursor or "
					      "link_header");
		else if (strcmp(t, "page") && strcmp(t, "offset") && strcmp(t, "cursor") &&
			 strcmp(t, "link_header"))
			dn_task_check_problem(c, dn_yaml_get(p, "type", NULL),
					      "pagination type '%s' is not page, offset, cursor or "
					      "link_header",
					      t);
		else if (!strcmp(t, "cursor") && !g && !map_str(p, "cursor_path"))
			dn_task_check_problem(c, p,
					      "cursor pagination needs 'cursor_path' (where the "
					      "next cursor is, e.g. meta.next_cursor)");
		else if (!strcmp(t, "cursor") && g && !map_str(p, "page_info"))
			dn_task_check_problem(
				c, p,
				"GraphQL cursor pagination needs 'page_info' (where "
				"the pageInfo object is, e.g. data.repo.issues.pageInfo)");
		else if (g && t && strcmp(t, "cursor"))
			dn_task_check_problem(c, p, "a graphql task paginates by cursor only");
		check_api_number(c, p, "start", -1000000000);
		check_api_number(c, p, "limit", 1);
		check_api_number(c, p, "max_pages", 1);
		check_api_bool(c, p, "max_pages_ok");
	}
	const struct dn_yaml_node *inc = check_map(c, "incremental", api_inc_keys);
	if (inc && !map_str(inc, "bookmark"))
		dn_task_check_problem(c, inc,
				      "incremental needs 'bookmark' (the record field whose "
				      "largest value is kept)");
}

static const char *const api_params[] = {"url",
					 "method",
					 "query",
					 "headers",
					 "body",
					 "records",
					 "dataset",
					 "partition",
					 "mode",
					 "format",
					 "compression",
					 "auth",
					 "pagination",
					 "rate_limit",
					 "retries",
					 "retry_backoff",
					 "max_wait",
					 "timeout",
					 "max_response_bytes",
					 "incremental",
					 "full_refresh",
					 "graphql",
					 NULL};

static const char *const models_params[] = {"connection", "select", "full_refresh", "threads",
					    NULL};
static const char *const shell_params[] = {"command", "env", "cwd", NULL};
static const char *const load_params[] = {"source",   "connection", "table",
					  "mode",     "key",        "incremental_column",
					  "bad_rows", "rejects",    NULL};
static const char *const sql_params[] = {"connection", "sql", "file", NULL};
static const char *const sensor_params[] = {"path", "poke_interval", "timeout", NULL};

static const struct dn_task_type builtins[] = {
	{"noop", "does nothing; joins and placeholders", NULL, NULL},
	{"shell", "runs a templated command with sh -c", shell_params, check_shell},
	{"sql", "runs templated SQL on a connection", sql_params, check_sql},
	{"sensor.file", "waits for a path or glob to exist", sensor_params, check_sensor_file},
	{"load", "loads a file into a warehouse table", load_params, check_load},
	{"export", "writes a query's rows or a table to a file or a lake dataset", export_params,
	 check_export},
	{"lake.write", "commits a file or dataset as a new version of a lake dataset",
	 lake_write_params, check_lake_write},
	{"models", "builds the project's SQL models (or a selection)", models_params, check_models},
	{"extract.api", "extracts records from a REST or GraphQL API into a lake dataset",
	 api_params, check_extract_api},
	{"extract.file", "downloads files (http, ftp, sftp) into a lake dataset", dn_xt_file_params,
	 dn_xt_check_file},
	{"extract.scrape", "crawls web pages and extracts records with XPath", dn_xt_scrape_params,
	 dn_xt_check_scrape},
};
#define NBUILTIN (sizeof builtins / sizeof builtins[0])

static const struct dn_task_type *registered[DN_TASK_TYPES_MAX];
static size_t nregistered;

const struct dn_task_type *dn_task_type_at(size_t i)
{
	if (i < NBUILTIN)
		return &builtins[i];
	i -= NBUILTIN;
	return i < nregistered ? registered[i] : NULL;
}

const struct dn_task_type *dn_task_type_find(const char *name)
{
	const struct dn_task_type *t;
	for (size_t i = 0; (t = dn_task_type_at(i)) != NULL; i++)
		if (!strcmp(t->name, name))
			return t;
	return NULL;
}

int dn_task_type_register(const struct dn_task_type *t, struct dn_error *err)
{
	if (!t || !t->name || !t->name[0])
		return dn_error_set(err, DN_EINVAL, "a task type needs a name");
	if (dn_task_type_find(t->name))
		return dn_error_set(err, DN_EINVAL, "task type '%s' is already registered",
				    t->name);
	if (NBUILTIN + nregistered >= DN_TASK_TYPES_MAX)
		return dn_error_set(err, DN_ELIMIT, "more than %d task types", DN_TASK_TYPES_MAX);
	registered[nregistered++] = t;
	return 0;
}

void dn_task_check_problem(const struct dn_task_check *c, const struct dn_yaml_node *node,
			   const char *fmt, ...)
{
	char msg[DN_ERROR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (!node)
		node = c->task->node;
	dn_problems_add(c->problems, c->pipeline->file, node ? node->line : 0,
			node ? node->column : 0, "%s", msg);
}

const struct dn_yaml_node *dn_task_check_string(const struct dn_task_check *c, const char *key,
						int required)
{
	const struct dn_yaml_node *n = dn_yaml_get(c->task->params, key, NULL);
	if (!n || dn_yaml_is_null(n) || (n->kind == DN_YAML_SCALAR && !n->str[0])) {
		if (required)
			dn_task_check_problem(c, n, "%s task needs the param '%s'",
					      c->task->type_name, key);
		return NULL;
	}
	if (n->kind != DN_YAML_SCALAR) {
		dn_task_check_problem(c, n, "%s param '%s' must be text, not a %s",
				      c->task->type_name, key,
				      n->kind == DN_YAML_MAP ? "mapping" : "list");
		return NULL;
	}
	return n;
}
