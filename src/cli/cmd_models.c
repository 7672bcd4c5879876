/* `dunya models run|ls`: SQL models (docs/models.md). Loads the project and its models folder,
 * prints any problem as file:line:column: message (exit 1), then lists the models in build
 * order or builds them with dn_models_run, one line per model as it ends and a summary. */
#include <stdlib.h>
#include <string.h>

#include "../pipeline/pipeline.h"
#include "cli.h"

struct mopts {
	int ls;
	struct dn_buf select;
	int threads;
	int full_refresh;
};

struct report_ctx {
	int width;
};

static void on_report(void *user, const struct dn_model_report *r)
{
	struct report_ctx *c = user;
	const char *mat = dn_model_mat_name(r->model->mat);
	double secs = (double)r->duration_us / 1e6;
	if (r->state == DN_MODEL_OK)
		printf("%-*s  %-11s  ok       %lld %srow%s in %.3f s\n", c->width, r->model->name,
		       mat, (long long)r->rows, r->incremental ? "new " : "",
		       r->rows == 1 ? "" : "s", secs);
	else if (r->state == DN_MODEL_FAILED)
		printf("%-*s  %-11s  failed   %s\n", c->width, r->model->name, mat,
		       r->error ? r->error : "");
	else
		printf("%-*s  %-11s  skipped  (%s)\n", c->width, r->model->name, mat,
		       r->error ? r->error : "");
	fflush(stdout);
}

/* Problems that stop models: dunya.yaml's, .env's and the models'. Pipelines have their own. */
static int print_problems(struct dn_problems *probs)
{
	int n = 0;
	dn_problems_sort(probs);
	for (size_t i = 0; i < probs->n; i++) {
		const char *f = probs->v[i].file ? probs->v[i].file : "";
		if (!strncmp(f, "pipelines/", 10))
			continue;
		char line[DN_ERROR_MSG_MAX + 400];
		printf("%s\n", dn_problem_format(&probs->v[i], line, sizeof line));
		n++;
	}
	if (n)
		printf("%d problem%s: nothing was built (`dunya validate` checks the whole "
		       "project)\n",
		       n, n == 1 ? "" : "s");
	return n;
}

static int models_main(const struct mopts *mo)
{
	struct dn_error err;
	struct dn_problems probs;
	struct dn_project *p = NULL;
	struct dn_models *m = NULL;
	struct dn_buf url = DN_BUF_INIT;
	unsigned char *sel = NULL;
	char *root = NULL;
	int rc = DN_EXIT_OK;
	dn_error_clear(&err);
	dn_problems_init(&probs);
	if (dn_project_find(dn_cli_project, &root, &err) < 0 ||
	    dn_project_load(&p, root, &probs, &err) < 0 ||
	    dn_models_load(&m, root, p->models_path, &probs, &err) < 0) {
		rc = dn_cli_error(&err);
		goto out;
	}
	if (print_problems(&probs)) {
		rc = DN_EXIT_DATA;
		goto out;
	}
	if (!m->n) {
		printf("no models: put SELECT statements in %s/NAME.sql (see docs/models.md)\n",
		       p->models_path);
		goto out;
	}
	if (mo->select.len) {
		sel = dn_calloc(m->n, 1);
		if (!sel || dn_models_select(m, mo->select.data, sel, &err) < 0) {
			if (!sel)
				dn_error_set(&err, DN_ENOMEM, "out of memory");
			rc = dn_cli_error(&err);
			goto out;
		}
	}
	int width = 4;
	for (size_t i = 0; i < m->n; i++)
		if ((!sel || sel[i]) && (int)strlen(m->v[i].name) > width)
			width = (int)strlen(m->v[i].name);
	if (mo->ls) {
		printf("%-*s  %-12s  %s\n", width, "name", "materialized", "depends on");
		for (size_t k = 0; k < m->n; k++) {
			const struct dn_model *md = &m->v[m->order[k]];
			if (sel && !sel[m->order[k]])
				continue;
			printf("%-*s  %-12s  ", width, md->name, dn_model_mat_name(md->mat));
			for (size_t u = 0; u < md->nup; u++)
				printf("%s%s", u ? ", " : "", m->v[md->up[u]].name);
			printf("%s\n", md->nup ? "" : "-");
		}
		goto out;
	}
	const struct dn_conn *cn = dn_project_conn(p, p->models_conn);
	if (!cn) {
		dn_error_set(&err, DN_EINVAL,
			     "models build on connection '%s', which %s does not define (add it "
			     "under connections:, or set models: connection: NAME)",
			     p->models_conn, DN_PROJECT_FILE);
		rc = dn_cli_error(&err);
		goto out;
	}
	if (dn_conn_wh_url(p, cn, &url, &err) < 0) {
		rc = dn_cli_error(&err);
		goto out;
	}
	struct report_ctx rctx = {width};
	struct dn_models_run_options o = {sel, mo->threads, mo->full_refresh, on_report, &rctx};
	struct dn_models_result res;
	if (dn_models_run(m, url.data, p->root, &o, &res, &err) < 0) {
		rc = dn_cli_error(&err);
		goto out;
	}
	printf("models: %d succeeded, %d failed, %d skipped, %lld rows in %.3f s\n", res.succeeded,
	       res.failed, res.skipped, (long long)res.rows, (double)res.duration_us / 1e6);
	rc = res.failed || res.skipped ? DN_EXIT_DATA : DN_EXIT_OK;
out:
	dn_buf_release(&url);
	dn_free(sel);
	dn_models_free(m);
	dn_project_free(p);
	dn_problems_release(&probs);
	dn_free(root);
	return rc;
}

static int models_run(int argc, char **argv)
{
	struct mopts mo;
	memset(&mo, 0, sizeof mo);
	if (argc < 2)
		return dn_cli_usage(NULL, "models needs a subcommand: run or ls");
	if (!strcmp(argv[1], "ls"))
		mo.ls = 1;
	else if (strcmp(argv[1], "run") != 0)
		return dn_cli_usage(NULL, "models has no subcommand '%s' (run or ls)", argv[1]);
	int rc = DN_EXIT_OK;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if ((!strcmp(a, "--select") || !strcmp(a, "-s")) && i + 1 < argc) {
			if (mo.select.len)
				dn_buf_putc(&mo.select, ',', NULL);
			dn_buf_puts(&mo.select, argv[++i], NULL);
		} else if (!mo.ls && !strcmp(a, "--threads") && i + 1 < argc) {
			int64_t v;
			if (dn_parse_i64(argv[i + 1], strlen(argv[i + 1]), &v) < 0 || v < 1 ||
			    v > 256) {
				rc = dn_cli_usage(NULL, "--threads takes a number from 1 to 256");
				goto out;
			}
			mo.threads = (int)v;
			i++;
		} else if (!mo.ls && !strcmp(a, "--full-refresh")) {
			mo.full_refresh = 1;
		} else {
			rc = dn_cli_usage(NULL, "unknown option '%s' (or a missing value)", a);
			goto out;
		}
	}
	rc = models_main(&mo);
out:
	dn_buf_release(&mo.select);
	return rc;
}

static void models_help(FILE *out)
{
	fprintf(out,
		"usage: dunya models run [--select SPEC] [--threads N] [--full-refresh]\n"
		"       dunya models ls [--select SPEC]\n\n"
		"SQL models: each models/**/NAME.sql is a SELECT that becomes the view or table\n"
		"NAME on the models connection (dunya.yaml `models: {path, connection}`).\n"
		"Templates: {{ config(materialized='view'|'table'|'incremental',\n"
		"unique_key='id', incremental_column='updated_at') }}, {{ ref('model') }},\n"
		"{{ source('table') }}, {{ this }}, {%% if is_incremental() %%} ...\n"
		"{%% endif %%}. See docs/models.md.\n\n"
		"run    build the models in dependency order, independent ones in parallel; one\n"
		"       line per model (materialization, rows, time), then a summary. A failed\n"
		"       model skips its downstream models; exit 1 when any failed or was skipped.\n"
		"ls     the models in build order with their materialization and dependencies.\n\n"
		"  --select SPEC   NAME, NAME+ (and everything downstream), +NAME (and upstream),\n"
		"                  +NAME+; several separated by commas, or --select repeated\n"
		"  --threads N     models built at once, each on its own connection (default %d)\n"
		"  --full-refresh  rebuild incremental models from scratch\n",
		DN_MODELS_THREADS);
}

const struct dn_cmd dn_cmd_models = {"models", "build SQL models (run) or list them (ls)",
				     models_run, models_help};
