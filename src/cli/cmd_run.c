/* `dunya run PIPELINE`: one run in the foreground with a line per task state change, exit code
 * from the run's final state. The library's dn_run_execute does the work; this parses the
 * options, loads the project, opens the metadata store and prints. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../pipeline/pipeline.h"
#include "cli.h"

static void on_signal(int sig)
{
	(void)sig;
	dn_run_request_stop();
}

struct progress_ctx {
	int width;
	int64_t t0;
};

static void on_progress(void *user, const char *task, enum dn_ti_state state, int try_number,
			const char *detail)
{
	struct progress_ctx *p = user;
	double secs = (double)(dn_monotonic_us() - p->t0) / 1e6;
	char tries[32] = "";
	if (try_number > 1 && (state == DN_TI_RUNNING || state == DN_TI_SUCCESS))
		snprintf(tries, sizeof tries, " (try %d)", try_number);
	fprintf(stderr, "%8.3fs  %-*s  %s%s%s%s\n", secs, p->width, task, dn_ti_state_name(state),
		tries, detail ? ": " : "", detail ? detail : "");
}

/* Problems that stop this pipeline from running: its own file's and the project's. */
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

/* `run` and `clear` share everything but their arguments. */
static int run_run(int argc, char **argv)
{
	int clear = !strcmp(argv[0], "clear");
	int trigger = !strcmp(argv[0], "trigger");
	const char *name = NULL, *date = NULL, *run_id = NULL;
	const char *params[64];
	struct dn_run_options o;
	memset(&o, 0, sizeof o);
	o.params = params;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!clear && !strcmp(a, "--date") && i + 1 < argc) {
			date = argv[++i];
		} else if (clear && !strcmp(a, "--task") && i + 1 < argc) {
			o.clear_task = argv[++i];
		} else if (!clear && !strcmp(a, "--param") && i + 1 < argc) {
			if (o.nparams == 64)
				return dn_cli_usage(NULL, "at most 64 --param options");
			params[o.nparams++] = argv[++i];
		} else if (!strcmp(a, "--parallelism") && i + 1 < argc) {
			int64_t v;
			if (dn_parse_i64(argv[i + 1], strlen(argv[i + 1]), &v) < 0 || v < 1 ||
			    v > 4096)
				return dn_cli_usage(NULL,
						    "--parallelism takes a number from 1 to 4096");
			o.parallelism = (int)v;
			i++;
		} else if (a[0] == '-') {
			return dn_cli_usage(NULL, "unknown option '%s' (or a missing value)", a);
		} else if (!name) {
			name = a;
		} else if (clear && !run_id) {
			run_id = a;
		} else {
			return dn_cli_usage(NULL, "'%s' is one argument too many", a);
		}
	}
	if (!name)
		return dn_cli_usage(NULL, "name the pipeline to run (its id)");
	if (clear && !run_id)
		return dn_cli_usage(NULL, "name the run to clear (a run id, or latest)");
	/* Ctrl-C or SIGTERM ends the tasks' process groups too, not only dunya. */
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	struct dn_error err;
	struct dn_problems probs;
	struct dn_project *p = NULL;
	struct dn_meta *meta = NULL;
	char *root = NULL;
	struct dn_buf path = DN_BUF_INIT;
	int rc = DN_EXIT_OK;
	dn_error_clear(&err);
	dn_problems_init(&probs);
	if (dn_project_find(dn_cli_project, &root, &err) < 0 ||
	    dn_project_load(&p, root, &probs, &err) < 0) {
		rc = dn_cli_error(&err);
		goto out;
	}
	struct dn_pipeline *pl = NULL;
	for (size_t i = 0; i < p->npipelines; i++)
		if (p->pipelines[i]->id && !strcmp(p->pipelines[i]->id, name))
			pl = p->pipelines[i];
	if (!pl) {
		dn_error_set(
			&err, DN_EUSAGE,
			"no pipeline with id '%s' in this project (`dunya validate` lists them)",
			name);
		rc = dn_cli_error(&err);
		goto out;
	}
	dn_problems_sort(&probs);
	int nb = blocking(&probs, pl);
	if (nb) {
		fprintf(stderr,
			"dunya: error: %d problem%s stop pipeline %s from running; fix them "
			"(`dunya validate` lists every problem)\n",
			nb, nb == 1 ? "" : "s", name);
		rc = DN_EXIT_DATA;
		goto out;
	}
	if (date) {
		int64_t v;
		int kind = dn_time_parse(date, strlen(date), &v);
		if (kind < 0) {
			rc = dn_cli_usage(NULL, "--date takes an ISO date or timestamp, not '%s'",
					  date);
			goto out;
		}
		if (kind == DN_TIME_DATE) /* midnight in the pipeline's time zone */
			dn_tz_local_to_utc(pl->tz, v * DN_USEC_PER_DAY, &v, NULL);
		o.has_logical = 1;
		o.logical_us = v;
	}
	dn_buf_printf(&path, NULL, "%s/.dunya", root);
	if (mkdir(path.data, 0755) < 0 && errno != EEXIST) {
		dn_error_set(&err, DN_EIO, "cannot create %s: %s", path.data, strerror(errno));
		rc = dn_cli_error(&err);
		goto out;
	}
	dn_buf_puts(&path, "/meta.db", NULL);
	if (dn_meta_open(&meta, path.data, &err) < 0) {
		rc = dn_cli_error(&err);
		goto out;
	}
	struct dn_meta_run *latest = NULL;
	if (clear) {
		int nl = 0;
		if (!strcmp(run_id, "latest")) {
			if (dn_meta_runs_list(meta, name, 1, &latest, &nl, &err) < 0) {
				rc = dn_cli_error(&err);
				goto out;
			}
			if (nl == 0) {
				dn_error_set(&err, DN_ENOTFOUND, "pipeline %s has no runs yet",
					     name);
				rc = dn_cli_error(&err);
				dn_free(latest);
				goto out;
			}
			run_id = latest->run_id;
		}
		o.resume_run_id = run_id;
	}
	struct progress_ctx pc = {4, dn_monotonic_us()};
	for (size_t i = 0; i < pl->ntasks; i++)
		if ((int)strlen(pl->tasks[i].id) > pc.width)
			pc.width = (int)strlen(pl->tasks[i].id);
	o.progress = on_progress;
	o.progress_user = &pc;
	struct dn_run_result res;
	o.create_only = trigger;
	int erc = dn_run_execute(p, pl, meta, &o, &res, &err);
	dn_free(latest);
	if (erc < 0) {
		rc = dn_cli_error(&err);
		goto out;
	}
	if (trigger) {
		printf("%s\n", res.run_id);
		fprintf(stderr, "run %s of %s is queued: `dunya scheduler` will run it\n",
			res.run_id, name);
		goto out;
	}
	fprintf(stderr, "run %s of %s: %s in %.2f s (%d succeeded, %d failed, %d skipped)\n",
		res.run_id, name, dn_run_state_name(res.state),
		(double)(dn_monotonic_us() - pc.t0) / 1e6, res.succeeded, res.failed, res.skipped);
	rc = res.cancelled ? 130 : res.state == DN_RUN_SUCCESS ? DN_EXIT_OK : DN_EXIT_DATA;
out:
	dn_meta_close(meta);
	dn_project_free(p);
	dn_problems_release(&probs);
	dn_buf_release(&path);
	dn_free(root);
	return rc;
}

static void run_help(FILE *out)
{
	fprintf(out,
		"usage: dunya run PIPELINE [--date D] [--param NAME=VALUE]... [--parallelism N]\n\n"
		"Run a pipeline once, now, in the foreground: tasks in dependency order, up to N\n"
		"at once (default: twice the CPUs), with their retries, timeouts, pools and\n"
		"trigger rules. One line per task state change goes to stderr; the exit code is\n"
		"0 when the run succeeded and 1 when a task failed. --date sets the start of the\n"
		"data interval (a date is midnight in the pipeline's time zone; for a cron\n"
		"schedule the interval ends at the next fire time); templates see it as\n"
		"{{ ds }}. Runs, attempts and outputs are recorded in .dunya/meta.db; logs are in\n"
		".dunya/logs/PIPELINE/RUN_ID/TASK.TRY.log. Ctrl-C (or SIGTERM) stops the run: the\n"
		"running tasks' process groups are ended and the exit code is 130.\n");
}

const struct dn_cmd dn_cmd_run = {"run", "run a pipeline once in the foreground", run_run,
				  run_help};

static void clear_help(FILE *out)
{
	fprintf(out,
		"usage: dunya clear PIPELINE RUN_ID|latest [--task TASK] [--parallelism N]\n\n"
		"Run the failed tasks of an existing run again, with everything downstream of\n"
		"them, and go on with the run in the foreground as `dunya run` does. Tasks that\n"
		"succeeded keep their results and outputs. With --task, that task and its\n"
		"downstream run again whatever their state. A task left running by a runner that\n"
		"died (kill -9, a crash) counts as a failed attempt and runs again; a task still\n"
		"running in a live process is refused. Attempt numbers go on from the last try.\n");
}

const struct dn_cmd dn_cmd_clear = {"clear", "run a run's failed tasks and their downstream again",
				    run_run, clear_help};

static void trigger_help(FILE *out)
{
	fprintf(out,
		"usage: dunya trigger PIPELINE [--date D] [--param NAME=VALUE]...\n\n"
		"Create a run of PIPELINE now, queued for the scheduler (`dunya scheduler` picks\n"
		"it up within a second; `dunya run` runs one in the foreground instead). Prints\n"
		"the new run's id. --date and --param are as for `dunya run`.\n");
}

const struct dn_cmd dn_cmd_trigger = {"trigger", "queue a run of a pipeline for the scheduler",
				      run_run, trigger_help};
