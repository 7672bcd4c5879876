/* `dunya scheduler`: the long-running process that creates runs when they are due and runs them.
 *
 * Each due interval of an unpaused pipeline becomes a run named scheduled__START, executed by a
 * child process (fork, then dn_run_execute with its own metadata-store connection: SQLite
 * connections must not cross a fork). Children are the unit of concurrency: at most
 * max_active_runs per pipeline and --max-runs in all, each running its tasks with
 * --parallelism. A run's name is its identity, so an interval is never scheduled twice.
 *
 * Recovery: at start, a scheduled run the store shows as running with no live process behind
 * its running tasks was left by a scheduler that died; it is resumed (dn_run_execute with
 * resume_run_id: the dead attempts count as failed, succeeded tasks are kept). One scheduler per
 * project is enforced with a lock file; several schedulers sharing a PostgreSQL store come
 * later.
 *
 * SIGINT/SIGTERM: nothing new starts, the children are asked to stop (their running tasks are
 * ended and recorded), and the scheduler exits once they have. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../pipeline/pipeline.h"
#include "cli.h"

#define MAX_CHILDREN 256
#define DUE_MAX 64

struct child {
	pid_t pid;
	size_t pipeline; /* index in the project */
	char run_id[160];
};

struct sched {
	struct dn_project *p;
	struct dn_meta *meta;
	char *root;
	char *meta_path;
	struct child kids[MAX_CHILDREN];
	int nkids;
	int max_runs;
	int parallelism;
	int failed_runs;
	int64_t fixed_now; /* --now, for tests; 0 = the clock */
};

static volatile sig_atomic_t stopping;

static void on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

static void on_stop_child(int sig)
{
	(void)sig;
	dn_run_request_stop();
}

static int64_t now_us(const struct sched *s)
{
	return s->fixed_now ? s->fixed_now : dn_now_us();
}

static int active_runs(const struct sched *s, size_t pipeline)
{
	int n = 0;
	for (int i = 0; i < s->nkids; i++)
		n += s->kids[i].pipeline == pipeline;
	return n;
}

static void child_progress(void *user, const char *task, enum dn_ti_state state, int try_number,
			   const char *detail)
{
	const char *run = user;
	if (state == DN_TI_QUEUED || state == DN_TI_NONE)
		return;
	dn_info("%s: %s %s%s%s (try %d)", run, task, dn_ti_state_name(state), detail ? ": " : "",
		detail ? detail : "", try_number);
}

/* Start a child running one run (new for an interval, or resumed). Returns 0 or -1. */
static int spawn(struct sched *s, size_t pi, int64_t start, const char *resume)
{
	struct dn_pipeline *pl = s->p->pipelines[pi];
	char iso[40];
	dn_timestamp_format(start, iso);
	if (s->nkids == MAX_CHILDREN)
		return -1;
	struct child *k = &s->kids[s->nkids];
	k->pipeline = pi;
	if (resume)
		snprintf(k->run_id, sizeof k->run_id, "%s", resume);
	else
		snprintf(k->run_id, sizeof k->run_id, "scheduled__%s", iso);
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		dn_log_error("cannot start a run of %s: %s", pl->id, strerror(errno));
		return -1;
	}
	if (pid == 0) {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_stop_child;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		struct dn_meta *m = NULL;
		struct dn_error err;
		struct dn_run_options o;
		struct dn_run_result res;
		dn_error_clear(&err);
		memset(&o, 0, sizeof o);
		o.kind = "scheduled";
		o.has_logical = !resume;
		o.logical_us = start;
		o.resume_run_id = resume;
		o.recover_only = resume != NULL;
		o.parallelism = s->parallelism;
		o.global_slots = s->parallelism; /* one limit over all the runs */
		char label[300];
		snprintf(label, sizeof label, "%s %s", pl->id, k->run_id);
		o.progress = child_progress;
		o.progress_user = label;
		if (dn_meta_open(&m, s->meta_path, &err) < 0 ||
		    dn_run_execute(s->p, pl, m, &o, &res, &err) < 0) {
			char line[DN_ERROR_MSG_MAX + 400];
			dn_log_error("%s: %s", label, dn_error_format(&err, line, sizeof line));
			_exit(2);
		}
		dn_meta_close(m);
		_exit(res.state == DN_RUN_SUCCESS ? 0 : 1);
	}
	k->pid = pid;
	s->nkids++;
	dn_info("%s %s: started (pid %d)", pl->id, k->run_id, (int)pid);
	return 0;
}

/* Reap finished children; with block, wait for one. */
static void reap(struct sched *s, int block)
{
	for (;;) {
		int st;
		pid_t pid = waitpid(-1, &st, block ? 0 : WNOHANG);
		if (pid <= 0)
			return;
		block = 0;
		for (int i = 0; i < s->nkids; i++) {
			if (s->kids[i].pid != pid)
				continue;
			int code = WIFEXITED(st) ? WEXITSTATUS(st) : 2;
			dn_info("%s %s: %s", s->p->pipelines[s->kids[i].pipeline]->id,
				s->kids[i].run_id,
				code == 0 ? "success" :
				code == 1 ? "failed" :
					    "could not run");
			if (code)
				s->failed_runs++;
			s->kids[i] = s->kids[--s->nkids];
			break;
		}
	}
}

/* Runs of pl in the store: the newest scheduled interval start, and resume candidates. */
static int scan_runs(struct sched *s, size_t pi, int64_t *last_start, int recover,
		     struct dn_error *err)
{
	struct dn_pipeline *pl = s->p->pipelines[pi];
	struct dn_meta_run *rows = NULL;
	int n = 0;
	*last_start = INT64_MIN;
	DN_TRY(dn_meta_runs_list(s->meta, pl->id, 0, &rows, &n, err));
	for (int i = 0; i < n; i++) {
		/* Queued by `dunya trigger` (or left queued): start it when there is room. */
		if (rows[i].state == DN_RUN_QUEUED && strcmp(rows[i].kind, "scheduled") != 0) {
			int busy = 0;
			for (int k = 0; k < s->nkids; k++)
				busy |= !strcmp(s->kids[k].run_id, rows[i].run_id);
			if (!busy && active_runs(s, pi) < pl->max_active_runs &&
			    s->nkids < s->max_runs) {
				dn_info("%s %s: starting a triggered run", pl->id, rows[i].run_id);
				spawn(s, pi, rows[i].interval_start, rows[i].run_id);
			}
			continue;
		}
		if (strcmp(rows[i].kind, "scheduled") != 0)
			continue;
		if (rows[i].interval_start > *last_start)
			*last_start = rows[i].interval_start;
		if (!recover || (rows[i].state != DN_RUN_RUNNING && rows[i].state != DN_RUN_QUEUED))
			continue;
		/* Left by a dead scheduler unless a live process runs one of its tasks. */
		struct dn_meta_task *t = NULL;
		int nt = 0, alive = 0;
		if (dn_meta_tasks_list(s->meta, rows[i].id, &t, &nt, err) < 0) {
			dn_free(rows);
			return DN_EIO;
		}
		for (int k = 0; k < nt; k++)
			if (t[k].state == DN_TI_RUNNING && dn_proc_alive((pid_t)t[k].pid))
				alive = 1;
		dn_free(t);
		if (!alive) {
			dn_info("%s %s: recovering a run left by a stopped scheduler", pl->id,
				rows[i].run_id);
			spawn(s, pi, rows[i].interval_start, rows[i].run_id);
		}
	}
	dn_free(rows);
	return 0;
}

/* Start the runs that are due. Returns how many started, or < 0. */
static int tick(struct sched *s, int first, struct dn_error *err)
{
	int started = 0;
	for (size_t pi = 0; pi < s->p->npipelines && !stopping; pi++) {
		struct dn_pipeline *pl = s->p->pipelines[pi];
		if (!pl->id || pl->nproblems)
			continue;
		int paused = dn_meta_pipeline_paused(s->meta, pl->id, err);
		if (paused < 0)
			return paused;
		int64_t last;
		if (paused) /* neither new nor triggered runs; recovery waits too */
			continue;
		DN_TRY(scan_runs(s, pi, &last, first, err));
		if (pl->schedule_kind == DN_SCHEDULE_NONE) /* triggered runs only */
			continue;
		int64_t starts[DUE_MAX], ends[DUE_MAX];
		int n = 0;
		DN_TRY(dn_schedule_due(pl, last, now_us(s), starts, ends, DUE_MAX, &n, err));
		for (int i = 0; i < n; i++) {
			if (active_runs(s, pi) >= pl->max_active_runs || s->nkids >= s->max_runs)
				break;
			/* A child may not have written its run yet: the name decides. */
			char iso[40], run_id[160];
			dn_timestamp_format(starts[i], iso);
			snprintf(run_id, sizeof run_id, "scheduled__%s", iso);
			int busy = 0;
			for (int k = 0; k < s->nkids; k++)
				busy |= s->kids[k].pipeline == pi &&
					!strcmp(s->kids[k].run_id, run_id);
			struct dn_meta_run row;
			int exists = dn_meta_run_find(s->meta, pl->id, run_id, &row, err);
			if (exists < 0)
				return exists;
			if (busy || exists)
				continue;
			if (spawn(s, pi, starts[i], NULL) == 0)
				started++;
		}
	}
	return started;
}

static int scheduler_run(int argc, char **argv)
{
	struct sched s;
	struct dn_error err;
	int once = 0, rc = DN_EXIT_OK, lockfd = -1;
	memset(&s, 0, sizeof s);
	s.max_runs = 16;
	s.parallelism = 2 * dn_cpu_count();
	dn_error_clear(&err);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int64_t v;
		if (!strcmp(a, "--once")) {
			once = 1;
		} else if ((!strcmp(a, "--parallelism") || !strcmp(a, "--max-runs")) &&
			   i + 1 < argc) {
			if (dn_parse_i64(argv[i + 1], strlen(argv[i + 1]), &v) < 0 || v < 1 ||
			    v > 4096)
				return dn_cli_usage(NULL, "%s takes a number from 1 to 4096", a);
			if (!strcmp(a, "--parallelism"))
				s.parallelism = (int)v;
			else
				s.max_runs = (int)(v > MAX_CHILDREN ? MAX_CHILDREN : v);
			i++;
		} else if (!strcmp(a, "--now") && i + 1 < argc) {
			const char *t = argv[++i];
			if (dn_time_parse(t, strlen(t), &v) != DN_TIME_TIMESTAMP)
				return dn_cli_usage(NULL, "--now takes an ISO timestamp");
			s.fixed_now = v;
		} else {
			return dn_cli_usage(NULL, "unknown option '%s' (or a missing value)", a);
		}
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	struct dn_problems probs;
	struct dn_buf path = DN_BUF_INIT;
	dn_problems_init(&probs);
	if (dn_project_find(dn_cli_project, &s.root, &err) < 0 ||
	    dn_project_load(&s.p, s.root, &probs, &err) < 0) {
		rc = dn_cli_error(&err);
		goto out;
	}
	for (size_t i = 0; i < probs.n; i++) {
		char line[DN_ERROR_MSG_MAX + 400];
		dn_warn("%s (that pipeline is not scheduled)",
			dn_problem_format(&probs.v[i], line, sizeof line));
	}
	dn_buf_printf(&path, NULL, "%s/.dunya", s.root);
	mkdir(path.data, 0755);
	dn_buf_puts(&path, "/scheduler.lock", NULL);
	lockfd = open(path.data, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (lockfd < 0 || flock(lockfd, LOCK_EX | LOCK_NB) < 0) {
		dn_error_set(&err, DN_EINVAL,
			     "another scheduler is running for this project (%s is locked)",
			     path.data);
		rc = dn_cli_error(&err);
		goto out;
	}
	dn_buf_reset(&path);
	dn_buf_printf(&path, NULL, "%s/.dunya/meta.db", s.root);
	s.meta_path = dn_buf_take(&path, NULL);
	if (dn_meta_open(&s.meta, s.meta_path, &err) < 0) {
		rc = dn_cli_error(&err);
		goto out;
	}
	dn_info("scheduler started for %s: %zu pipelines", s.root, s.p->npipelines);
	for (int first = 1; !stopping; first = 0) {
		int started = tick(&s, first, &err);
		if (started < 0) {
			rc = dn_cli_error(&err);
			break;
		}
		reap(&s, 0);
		if (once && !started && !first) {
			if (s.nkids == 0)
				break;
			reap(&s, 1);
			continue;
		}
		if (once)
			continue;
		/* Sleep a little; a child's end or a signal cuts it short. */
		struct timespec ts = {0, 200000000};
		nanosleep(&ts, NULL);
	}
	if (stopping) {
		dn_info("stopping: asking %d running run%s to stop", s.nkids,
			s.nkids == 1 ? "" : "s");
		for (int i = 0; i < s.nkids; i++)
			kill(s.kids[i].pid, SIGTERM);
	}
	while (s.nkids)
		reap(&s, 1);
	dn_info("scheduler stopped");
	if (rc == DN_EXIT_OK && once && s.failed_runs)
		rc = DN_EXIT_DATA;
out:
	if (lockfd >= 0)
		close(lockfd);
	dn_meta_close(s.meta);
	dn_project_free(s.p);
	dn_problems_release(&probs);
	dn_buf_release(&path);
	dn_free(s.meta_path);
	dn_free(s.root);
	return rc;
}

static void scheduler_help(FILE *out)
{
	fprintf(out,
		"usage: dunya scheduler [--parallelism N] [--max-runs M] [--once] [--now ISO]\n\n"
		"Run pipelines on their schedules until stopped. Every data interval of an\n"
		"unpaused pipeline whose end has passed becomes a run named scheduled__START\n"
		"(catchup: every missed interval since start_date; otherwise only the newest),\n"
		"with at most max_active_runs runs per pipeline and M (default 16) in all, and\n"
		"at most N tasks running at once over all of them (pools' slots are shared\n"
		"too). At start, scheduled runs left unfinished by a\n"
		"scheduler that died are resumed: their succeeded tasks are kept. SIGINT or\n"
		"SIGTERM starts nothing new, stops the running runs (their tasks are ended and\n"
		"recorded) and exits. One scheduler per project.\n\n"
		"--once  start what is due, wait for it, and exit (1 if a run failed)\n"
		"--now   take this instant as the current time (for trying schedules out)\n");
}

const struct dn_cmd dn_cmd_scheduler = {"scheduler", "run pipelines on their schedules",
					scheduler_run, scheduler_help, 1};
