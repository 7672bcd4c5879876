/* SQL models: config() parsing, ref() resolution, dependency order, selection, cycles, unknown
 * refs with their positions, incremental rendering, and builds on a SQLite warehouse. */
#include "../../src/pipeline/pipeline.h"
#include "../../src/store/store.h"
#include "../test.h"

#include <sys/stat.h>

/* Problems as "file:line:column: message" lines. */
static char *problems_text(struct dn_problems *p)
{
	struct dn_buf b = DN_BUF_INIT;
	dn_problems_sort(p);
	for (size_t i = 0; i < p->n; i++) {
		char line[DN_ERROR_MSG_MAX + 400];
		dn_buf_printf(&b, NULL, "%s%s", i ? "\n" : "",
			      dn_problem_format(&p->v[i], line, sizeof line));
	}
	return b.data ? dn_buf_take(&b, NULL) : dn_strdup("");
}

/* A set from (file, text) pairs, resolved; problems into *probs_out (dn_free). */
static struct dn_models *models_of(const char *const *files, char **probs_out)
{
	struct dn_models *m = NULL;
	struct dn_problems probs;
	dn_problems_init(&probs);
	if (dn_models_new(&m, NULL) < 0)
		return NULL;
	for (size_t i = 0; files[i]; i += 2)
		dn_models_add(m, files[i], files[i + 1], &probs, NULL);
	dn_models_resolve(m, &probs, NULL);
	*probs_out = problems_text(&probs);
	dn_problems_release(&probs);
	return m;
}

static const char *order_text(const struct dn_models *m, char *buf, size_t n)
{
	size_t k = 0;
	buf[0] = 0;
	for (size_t i = 0; m->order && i < m->n && k < n; i++)
		k += (size_t)snprintf(buf + k, n - k, "%s%s", i ? " " : "", m->v[m->order[i]].name);
	return buf;
}

DN_TEST(models_config)
{
	char *probs = NULL;
	const char *files[] =
		{"models/a.sql",
		 "{{ config(materialized='table') }}\nSELECT 1 AS x",
		 "models/b.sql",
		 "{{ config( materialized = \"incremental\", unique_key=['id', 'day'],\n"
		 "  incremental_column='updated_at' ) }}\nSELECT * FROM {{ ref('a') }}",
		 "models/c.sql",
		 "SELECT 2 AS y",
		 "models/bad.sql",
		 "SELECT 1\n{{ config(materialised='table', materialized='tabel') }}",
		 "models/twice.sql",
		 "{{ config(materialized='view') }}{{ config(materialized='table') }}",
		 "models/bad name.sql",
		 "SELECT 1",
		 NULL};
	struct dn_models *m = models_of(files, &probs);
	CHECK(m != NULL);
	CHECK_INT(m->n, 5);
	CHECK_INT(m->v[0].mat, DN_MODEL_TABLE);
	CHECK_INT(m->v[1].mat, DN_MODEL_INCREMENTAL);
	CHECK_STR(m->v[1].unique_key, "id,day");
	CHECK_STR(m->v[1].incremental_column, "updated_at");
	CHECK_INT(m->v[2].mat, DN_MODEL_VIEW);
	CHECK(m->v[2].unique_key == NULL);
	CHECK_STR(probs, "models/bad name.sql: model name 'bad name' (the file's name) must be 1 "
			 "to 63 letters, digits and _ (it names a table or view)\n"
			 "models/bad.sql:2:11: unknown config key 'materialised' (did you mean "
			 "'materialized'?)\n"
			 "models/bad.sql:2:46: materialized='tabel' is not view, table or "
			 "incremental\n"
			 "models/twice.sql:1:37: config() is given twice; give every setting in "
			 "one call");
	dn_free(probs);
	dn_models_free(m);
}

DN_TEST(models_refs_and_order)
{
	char *probs = NULL, buf[256];
	/* Files in name order; the order follows refs, ties by file order. */
	const char *files[] = {"models/marts/fct.sql",
			       "SELECT * FROM {{ ref('int_orders') }} JOIN {{ ref('stg_b') }}\n"
			       "  USING (id) -- again: {{ ref('stg_b') }}",
			       "models/int/int_orders.sql",
			       "SELECT * FROM {{ ref( 'stg_a' ) }}",
			       "models/staging/stg_a.sql",
			       "SELECT * FROM {{ source('raw_a') }}",
			       "models/staging/stg_b.sql",
			       "SELECT * FROM {{ source('raw', 'b') }}",
			       NULL};
	struct dn_models *m = models_of(files, &probs);
	CHECK_STR(probs, "");
	CHECK_STR(order_text(m, buf, sizeof buf), "stg_a int_orders stg_b fct");
	long fct = dn_models_find(m, "fct");
	CHECK_INT(fct, 0);
	CHECK_INT(m->v[fct].nup, 2); /* the repeated ref counts once */
	CHECK_INT(m->v[fct].nrefs, 3);
	struct dn_buf out = DN_BUF_INIT;
	struct dn_error err;
	CHECK_OK(dn_model_render(m, (size_t)fct, 0, &out, &err), &err);
	CHECK_STR(out.data, "SELECT * FROM \"int_orders\" JOIN \"stg_b\"\n"
			    "  USING (id) -- again: \"stg_b\"");
	dn_buf_reset(&out);
	CHECK_OK(dn_model_render(m, (size_t)dn_models_find(m, "stg_b"), 0, &out, &err), &err);
	CHECK_STR(out.data, "SELECT * FROM \"raw\".\"b\"");
	dn_buf_release(&out);
	dn_free(probs);
	dn_models_free(m);
}

DN_TEST(models_unknown_refs_and_expressions)
{
	char *probs = NULL;
	const char *files[] = {"models/stg_orders.sql",
			       "SELECT 1 AS id",
			       "models/fct.sql",
			       "SELECT *\nFROM {{ ref('stg_ordres') }}\n"
			       "JOIN {{ ref('nothing_like_it') }} USING (id)",
			       "models/self.sql",
			       "SELECT * FROM {{ ref('self') }}",
			       "models/typo.sql",
			       "SELECT * FROM {{ reff('stg_orders') }}",
			       "models/syntax.sql",
			       "SELECT 1\n  {% if is_incremental() %} WHERE 1",
			       "models/args.sql",
			       "SELECT * FROM {{ ref('a', 'b') }}",
			       NULL};
	struct dn_models *m = models_of(files, &probs);
	CHECK_STR(probs,
		  "models/args.sql:1:18: ref() takes one model name: {{ ref('stg_orders') }}\n"
		  "models/fct.sql:2:13: unknown model 'stg_ordres' in ref() (did you mean "
		  "'stg_orders'?)\n"
		  "models/fct.sql:3:13: unknown model 'nothing_like_it' in ref() (models are "
		  "the .sql files under the models folder; use source('nothing_like_it') for "
		  "other tables)\n"
		  "models/self.sql:1:22: model 'self' refs itself; use {{ this }} for its own "
		  "table\n"
		  "models/syntax.sql:2:3: {% if %} has no {% endif %}\n"
		  "models/typo.sql:1:18: unknown template expression 'reff('stg_orders')' (did "
		  "you mean 'ref'?) (models know ref(), source(), this, config() and "
		  "is_incremental())");
	dn_free(probs);
	dn_models_free(m);
}

DN_TEST(models_cycles)
{
	char *probs = NULL;
	const char *files[] = {"models/a.sql",
			       "SELECT * FROM {{ ref('c') }}",
			       "models/b.sql",
			       "SELECT * FROM {{ ref('a') }}",
			       "models/c.sql",
			       "SELECT * FROM {{ ref('b') }}",
			       "models/d.sql",
			       "SELECT * FROM {{ ref('a') }}",
			       NULL};
	struct dn_models *m = models_of(files, &probs);
	CHECK_STR(probs, "models/a.sql:1:22: models ref each other in a cycle: a -> b -> c -> a "
			 "(each is built after the one before it)");
	CHECK(m->order == NULL);
	struct dn_models_run_options o = {0};
	struct dn_models_result res;
	struct dn_error err;
	CHECK_INT(dn_models_run(m, "sqlite://:memory:", NULL, &o, &res, &err), DN_EINVAL);
	dn_free(probs);
	dn_models_free(m);
}

DN_TEST(models_select)
{
	char *probs = NULL;
	/* a -> b -> c, a -> d, e alone */
	const char *files[] = {"models/a.sql",
			       "SELECT 1 AS x",
			       "models/b.sql",
			       "SELECT * FROM {{ ref('a') }}",
			       "models/c.sql",
			       "SELECT * FROM {{ ref('b') }}",
			       "models/d.sql",
			       "SELECT * FROM {{ ref('a') }}",
			       "models/e.sql",
			       "SELECT 2 AS x",
			       NULL};
	struct dn_models *m = models_of(files, &probs);
	CHECK_STR(probs, "");
	static const struct {
		const char *spec, *want;
	} cases[] = {
		{"b", "01000"},    {"b+", "01100"},   {"+b", "11000"},
		{"+b+", "11100"},  {"a+", "11110"},   {"+c", "11100"},
		{"c, e", "00101"}, {"d,+b", "11010"}, {"e+ c+", "00101"},
	};
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		unsigned char sel[5] = {0};
		char got[6];
		struct dn_error err;
		CHECK_OK(dn_models_select(m, cases[k].spec, sel, &err), &err);
		for (int i = 0; i < 5; i++)
			got[i] = sel[i] ? '1' : '0';
		got[5] = 0;
		CHECK_STR(got, cases[k].want);
	}
	unsigned char sel[5] = {0};
	struct dn_error err;
	CHECK_INT(dn_models_select(m, "bb+", sel, &err), DN_EUSAGE);
	CHECK_STR(err.msg, "--select bb+: no model 'bb' (`dunya models ls` lists them; NAME+ adds "
			   "downstream, +NAME upstream)");
	CHECK_INT(dn_models_select(m, " , ", sel, &err), DN_EUSAGE);
	dn_free(probs);
	dn_models_free(m);
}

DN_TEST(models_incremental_render)
{
	char *probs = NULL;
	const char *files[] = {"models/events.sql",
			       "{{ config(materialized='incremental', unique_key='id') }}\n"
			       "SELECT * FROM {{ source('raw_events') }}\n"
			       "{% if is_incremental() %}"
			       "WHERE ts > (SELECT max(ts) FROM {{ this }}){% endif %};\n",
			       "models/auto.sql",
			       "{{ config(materialized='incremental', incremental_column='ts') }}\n"
			       "SELECT * FROM raw_events WHERE {{ is_incremental() }} OR 1=1",
			       NULL};
	struct dn_models *m = models_of(files, &probs);
	CHECK_STR(probs, "");
	struct dn_buf out = DN_BUF_INIT;
	struct dn_error err;
	long ev = dn_models_find(m, "events"), au = dn_models_find(m, "auto");
	CHECK_OK(dn_model_render(m, (size_t)ev, 0, &out, &err), &err);
	CHECK_STR(out.data, "\nSELECT * FROM \"raw_events\"");
	dn_buf_reset(&out);
	CHECK_OK(dn_model_render(m, (size_t)ev, 1, &out, &err), &err);
	CHECK_STR(out.data,
		  "\nSELECT * FROM \"raw_events\"\nWHERE ts > (SELECT max(ts) FROM \"events\")");
	dn_buf_reset(&out);
	CHECK_OK(dn_model_render(m, (size_t)au, 0, &out, &err), &err);
	CHECK_STR(out.data, "\nSELECT * FROM raw_events WHERE (1=0) OR 1=1");
	dn_buf_reset(&out);
	CHECK_OK(dn_model_render(m, (size_t)au, 1, &out, &err), &err);
	CHECK_STR(out.data,
		  "SELECT * FROM (\n\nSELECT * FROM raw_events WHERE (1=1) OR 1=1\n) AS "
		  "\"dunya_src\" WHERE (SELECT max(\"ts\") FROM \"auto\") IS NULL OR \"ts\" "
		  "> (SELECT max(\"ts\") FROM \"auto\")");
	dn_buf_release(&out);
	dn_free(probs);
	dn_models_free(m);
}

struct reports {
	char text[2048];
	size_t len;
};

static void on_report(void *user, const struct dn_model_report *r)
{
	struct reports *rs = user;
	rs->len += (size_t)snprintf(rs->text + rs->len, sizeof rs->text - rs->len,
				    "%s %s %s %lld%s\n", r->model->name,
				    dn_model_mat_name(r->model->mat),
				    r->state == DN_MODEL_OK     ? "ok" :
				    r->state == DN_MODEL_FAILED ? "failed" :
								  "skipped",
				    (long long)r->rows, r->incremental ? " new" : "");
}

static int64_t count(struct dn_wh *wh, const char *sql)
{
	struct dn_wh_query *q = NULL;
	struct dn_batch *b = NULL;
	int64_t v = -1;
	if (dn_wh_query_open(wh, &q, sql, 0, NULL) < 0)
		return -2;
	if (dn_wh_query_next(q, &b, NULL) > 0 && b->nrows)
		v = dn_column_i64(&b->columns[0], 0);
	dn_batch_free(b);
	dn_wh_query_free(q);
	return v;
}

/* Builds on SQLite: a chain, a rerun, incremental upserts, a failure that skips downstream and
 * keeps the old table, parallel threads. */
DN_TEST(models_run_sqlite)
{
	char url[1200];
	snprintf(url, sizeof url, "sqlite://%s", dn_test_tmp_path("models_run.db"));
	struct dn_wh *wh = NULL;
	struct dn_error err;
	CHECK_OK(dn_wh_open(&wh, url, NULL, &err), &err);
	CHECK_OK(dn_wh_exec(wh,
			    "CREATE TABLE raw(id INTEGER, v TEXT, ts INTEGER);"
			    "INSERT INTO raw VALUES (1, 'a', 1), (2, 'b', 2);",
			    NULL, &err),
		 &err);
	char *probs = NULL;
	const char *files[] =
		{"models/stg.sql",
		 "SELECT id, v, ts FROM {{ source('raw') }}",
		 "models/mid.sql",
		 "{{ config(materialized='table') }} SELECT id, upper(v) AS v, ts "
		 "FROM {{ ref('stg') }}",
		 "models/inc.sql",
		 "{{ config(materialized='incremental', unique_key='id') }}\n"
		 "SELECT id, v, ts FROM {{ ref('mid') }}\n"
		 "{% if is_incremental() %}WHERE ts > (SELECT max(ts) FROM {{ this }}){% endif %}",
		 "models/top.sql",
		 "SELECT count(*) AS n FROM {{ ref('inc') }}",
		 NULL};
	struct dn_models *m = models_of(files, &probs);
	CHECK_STR(probs, "");
	struct reports rs = {{0}, 0};
	struct dn_models_run_options o = {NULL, 1, 0, on_report, &rs};
	struct dn_models_result res;
	CHECK_OK(dn_models_run(m, url, NULL, &o, &res, &err), &err);
	CHECK_STR(rs.text, "stg view ok 2\nmid table ok 2\ninc incremental ok 2\ntop view ok 1\n");
	CHECK_INT(res.succeeded, 4);
	/* Again: nothing new for inc. */
	rs.len = 0;
	CHECK_OK(dn_models_run(m, url, NULL, &o, &res, &err), &err);
	CHECK_STR(rs.text,
		  "stg view ok 2\nmid table ok 2\ninc incremental ok 0 new\ntop view ok 1\n");
	/* A new row and a changed one: the changed one replaces its old row (unique_key). */
	CHECK_OK(dn_wh_exec(wh,
			    "INSERT INTO raw VALUES (3, 'c', 3); UPDATE raw SET v = 'bb', ts = 4 "
			    "WHERE id = 2;",
			    NULL, &err),
		 &err);
	rs.len = 0;
	o.threads = 4;
	CHECK_OK(dn_models_run(m, url, NULL, &o, &res, &err), &err);
	CHECK(strstr(rs.text, "inc incremental ok 2 new\n") != NULL);
	CHECK_INT(count(wh, "SELECT count(*) FROM inc"), 3);
	CHECK_INT(count(wh, "SELECT count(*) FROM inc WHERE id = 2 AND v = 'BB'"), 1);
	/* --full-refresh rebuilds it. */
	rs.len = 0;
	o.full_refresh = 1;
	o.threads = 1;
	CHECK_OK(dn_models_run(m, url, NULL, &o, &res, &err), &err);
	CHECK(strstr(rs.text, "inc incremental ok 3\n") != NULL);
	dn_models_free(m);
	dn_free(probs);

	/* mid now fails: the old mid table stays, inc and top are skipped. */
	const char *broken[] =
		{"models/stg.sql",
		 "SELECT id, v, ts FROM raw",
		 "models/mid.sql",
		 "{{ config(materialized='table') }} SELECT id, nope FROM {{ ref('stg') }}",
		 "models/inc.sql",
		 "SELECT * FROM {{ ref('mid') }}",
		 "models/top.sql",
		 "SELECT * FROM {{ ref('inc') }}",
		 "models/other.sql",
		 "SELECT 1 AS x",
		 NULL};
	m = models_of(broken, &probs);
	rs.len = 0;
	o.full_refresh = 0;
	CHECK_OK(dn_models_run(m, url, NULL, &o, &res, &err), &err);
	CHECK(strstr(rs.text, "mid table failed 0\ninc view skipped 0\ntop view skipped 0\n"));
	CHECK(strstr(rs.text, "other view ok 1\n"));
	CHECK_INT(res.failed, 1);
	CHECK_INT(res.skipped, 2);
	CHECK_INT(res.succeeded, 2);
	CHECK_INT(count(wh, "SELECT count(*) FROM mid"), 3);
	CHECK_INT(count(wh, "SELECT count(*) FROM sqlite_master WHERE name LIKE '%dunya%'"), 0);
	dn_models_free(m);
	dn_free(probs);
	dn_wh_close(wh);
}

/* dunya.yaml's models: key, and dn_models_load reading a folder tree. */
DN_TEST(models_project_config_and_load)
{
	const char *root = dn_test_tmp_path("models_proj");
	char path[1200];
	struct dn_error err;
	mkdir(root, 0777);
	snprintf(path, sizeof path, "%s/dunya.yaml", root);
	FILE *f = fopen(path, "w");
	CHECK(f != NULL);
	fputs("name: m\nconnections:\n  warehouse: sqlite://w.db\n"
	      "models:\n  path: /etc\n  connection: warehous\n  thread: 4\n",
	      f);
	fclose(f);
	struct dn_problems probs;
	struct dn_project *p = NULL;
	dn_problems_init(&probs);
	CHECK_OK(dn_project_load(&p, root, &probs, &err), &err);
	char *text = problems_text(&probs);
	CHECK_STR(text,
		  "dunya.yaml:5:9: models path '/etc' must be a folder inside the project "
		  "(relative, without ..)\n"
		  "dunya.yaml:6:15: models connection 'warehous' is not a connection (did you "
		  "mean 'warehouse'?)\n"
		  "dunya.yaml:7:3: unknown models key 'thread' (known: path, connection)");
	CHECK_STR(p->models_path, "models");
	dn_free(text);
	dn_project_free(p);
	dn_problems_release(&probs);

	/* A tree of models, read in path order; other files are ignored. */
	snprintf(path, sizeof path, "%s/models", root);
	mkdir(path, 0777);
	snprintf(path, sizeof path, "%s/models/b", root);
	mkdir(path, 0777);
	static const char *const files[][2] = {{"models/b/two.sql",
						"SELECT * FROM {{ ref('one') }}"},
					       {"models/one.sql", "SELECT 1 AS x"},
					       {"models/notes.md", "not a model"}};
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "%s/%s", root, files[i][0]);
		f = fopen(path, "w");
		CHECK(f != NULL);
		fputs(files[i][1], f);
		fclose(f);
	}
	struct dn_models *m = NULL;
	dn_problems_init(&probs);
	CHECK_OK(dn_models_load(&m, root, "models", &probs, &err), &err);
	CHECK_INT(probs.n, 0);
	CHECK_INT(m->n, 2);
	CHECK_STR(m->v[0].file, "models/b/two.sql");
	CHECK_STR(m->v[m->order[0]].name, "one");
	dn_models_free(m);
	/* A missing folder is no models. */
	CHECK_OK(dn_models_load(&m, root, "nothing", &probs, &err), &err);
	CHECK_INT(m->n, 0);
	dn_models_free(m);
	dn_problems_release(&probs);
}
