/* Project commands: `init` (create a project folder) and `validate` (check a whole project and
 * list every problem as file:line:column: message). Both are thin: the library does the work
 * (dn_project_init, dn_project_find, dn_project_load) and these print the result. The global
 * --project DIR option (parsed in main.c) is kept in dn_cli_project; `validate` also takes it
 * after the command name. */
#include <stdlib.h>
#include <string.h>

#include "../pipeline/pipeline.h"
#include "cli.h"

const char *dn_cli_project;

/* ---- init ---- */

static int init_run(int argc, char **argv)
{
	const char *dir = NULL, *name = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--name")) {
			if (i + 1 >= argc)
				return dn_cli_usage(NULL, "--name takes the project's name");
			name = argv[++i];
		} else if (a[0] == '-' && a[1]) {
			return dn_cli_usage(NULL, "unknown option '%s'", a);
		} else if (dir) {
			return dn_cli_usage(NULL, "one folder only ('%s' is extra)", a);
		} else {
			dir = a;
		}
	}
	if (!dir)
		dir = dn_cli_project;
	if (!dir)
		return dn_cli_usage(NULL, "name the folder to create the project in");
	struct dn_buf created = DN_BUF_INIT;
	struct dn_error err;
	dn_error_clear(&err);
	if (dn_project_init(dir, name, &created, &err) < 0) {
		dn_buf_release(&created);
		return dn_cli_error(&err);
	}
	printf("created a dunya project in %s:\n", dir);
	const char *p = created.data ? created.data : "";
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		printf("  %.*s\n", (int)n, p);
		p += n + (nl != NULL);
	}
	printf("next: put secrets in %s/.env, then run `dunya validate` inside %s\n", dir, dir);
	dn_buf_release(&created);
	return DN_EXIT_OK;
}

static void init_help(FILE *out)
{
	fprintf(out, "usage: dunya init DIR [--name NAME]\n\n"
		     "Create a dunya project in DIR (created if missing):\n"
		     "  dunya.yaml            name, connections, pools and defaults\n"
		     "  .env                  secrets, read after the environment (git-ignored)\n"
		     "  .gitignore            excludes .env, the state folder and local data\n"
		     "  pipelines/hello.yaml  an example pipeline: a shell task and a noop\n"
		     "  sql/                  SQL files for sql tasks\n"
		     "  models/               SQL models for `dunya models run`\n"
		     "  lake/                 the local data lake (raw, curated, consumption)\n"
		     "  .dunya/               state: metadata database and logs\n\n"
		     "An existing dunya.yaml is never overwritten; other existing files are kept.\n"
		     "--name sets the project's name (default: the folder's name).\n");
}

const struct dn_cmd dn_cmd_init = {"init", "create a project folder", init_run, init_help};

/* ---- validate ---- */

static int validate_run(int argc, char **argv)
{
	const char *dir = dn_cli_project;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--project")) {
			if (i + 1 >= argc)
				return dn_cli_usage(NULL, "--project takes a folder");
			dir = argv[++i];
		} else if (a[0] == '-') {
			return dn_cli_usage(NULL, "unknown option '%s'", a);
		} else {
			return dn_cli_usage(NULL,
					    "validate takes no arguments ('%s'); use "
					    "--project DIR to name a project",
					    a);
		}
	}
	struct dn_error err;
	struct dn_problems probs;
	struct dn_project *p = NULL;
	struct dn_models *m = NULL;
	char *root = NULL;
	int rc;
	dn_error_clear(&err);
	dn_problems_init(&probs);
	if (dn_project_find(dir, &root, &err) < 0 || dn_project_load(&p, root, &probs, &err) < 0 ||
	    dn_models_load(&m, root, p->models_path, &probs, &err) < 0) {
		rc = dn_cli_error(&err);
		goto out;
	}
	dn_problems_sort(&probs);
	for (size_t i = 0; i < probs.n; i++) {
		char line[DN_ERROR_MSG_MAX + 400];
		printf("%s\n", dn_problem_format(&probs.v[i], line, sizeof line));
	}
	size_t n = probs.n + probs.dropped;
	if (probs.dropped)
		printf("... and %zu more problems not listed\n", probs.dropped);
	if (n) {
		size_t files = dn_problems_files(&probs);
		printf("%zu problem%s in %zu file%s\n", n, n == 1 ? "" : "s", files,
		       files == 1 ? "" : "s");
		rc = DN_EXIT_DATA;
	} else {
		size_t tasks = dn_project_ntasks(p);
		printf("ok: %zu pipeline%s, %zu task%s", p->npipelines,
		       p->npipelines == 1 ? "" : "s", tasks, tasks == 1 ? "" : "s");
		if (m->n)
			printf(", %zu model%s", m->n, m->n == 1 ? "" : "s");
		printf("\n");
		rc = DN_EXIT_OK;
	}
out:
	dn_models_free(m);
	dn_project_free(p);
	dn_problems_release(&probs);
	dn_free(root);
	return rc;
}

static void validate_help(FILE *out)
{
	fprintf(out,
		"usage: dunya validate [--project DIR]\n\n"
		"Check the whole project: dunya.yaml, .env, every pipelines/*.yaml and the SQL\n"
		"models (config(), ref() to unknown models, cycles). Every\n"
		"problem is printed as one line `file:line:column: message` (YAML syntax, unknown\n"
		"keys with a suggestion, unknown task types, missing upstream tasks, cycles,\n"
		"duplicate ids, invalid cron schedules and time zones, undefined ${VARS} and\n"
		"template variables, bad values), then `N problems in M files` (exit 1), or\n"
		"`ok: N pipelines, M tasks` (exit 0).\n\n"
		"The project is the nearest folder at or above the working directory holding\n"
		"dunya.yaml; --project DIR names it instead.\n");
}

const struct dn_cmd dn_cmd_validate = {"validate", "check a project and all its pipelines",
				       validate_run, validate_help};
