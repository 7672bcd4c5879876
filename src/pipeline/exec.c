/* Task processes for the executor: spawn a shell command in its own process group with its
 * output in a log file, wait for it with a timeout, kill the whole group, and read the outputs it
 * published.
 *
 * posix_spawn (glibc implements it with clone(CLONE_VM | CLONE_VFORK)) costs the same whatever
 * the size of the scheduler process, unlike fork. The child's process group (POSIX_SPAWN_
 * SETPGROUP) lets a timeout end everything the task started: `sh -c 'sleep 100 & wait'` leaves
 * no sleeper behind. Waiting uses a pidfd and poll(2), so a timeout needs no signals or busy
 * loop; on a kernel without pidfd_open it falls back to polling waitpid every millisecond. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pipeline.h"

extern char **environ;

/* environ with the spec's entries added; entries with the same key are replaced. */
static char **build_env(const char *const *extra, struct dn_error *err)
{
	size_t n = 0, k = 0;
	while (environ[n])
		n++;
	while (extra && extra[k])
		k++;
	char **env = dn_calloc(n + k + 1, sizeof *env);
	if (!env) {
		dn_error_set(err, DN_ENOMEM, "out of memory building a task's environment");
		return NULL;
	}
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(environ[i], '=');
		size_t klen = eq ? (size_t)(eq - environ[i]) : strlen(environ[i]);
		int replaced = 0;
		for (size_t j = 0; j < k && !replaced; j++)
			replaced = strncmp(extra[j], environ[i], klen) == 0 &&
				   extra[j][klen] == '=';
		if (!replaced)
			env[m++] = environ[i];
	}
	for (size_t j = 0; j < k; j++)
		env[m++] = (char *)extra[j];
	env[m] = NULL;
	return env;
}

static int open_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
	long fd = syscall(SYS_pidfd_open, pid, 0);
	if (fd >= 0) {
		(void)fcntl((int)fd, F_SETFD, FD_CLOEXEC);
		return (int)fd;
	}
#else
	(void)pid;
#endif
	return -1;
}

int dn_proc_start(struct dn_proc *p, const struct dn_proc_spec *spec, struct dn_error *err)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	char **env = NULL;
	int rc = 0, fa_ok = 0, attr_ok = 0;
	memset(p, 0, sizeof *p);
	p->pidfd = -1;
	p->pid = -1;
	const char *log = spec->log_path ? spec->log_path : "/dev/null";
	/* Open the log here, not in the child, so a bad path is a clear error before anything
	 * runs. */
	int logfd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (logfd < 0)
		return dn_error_set(err, DN_EIO, "cannot open the task log %s: %s", log,
				    strerror(errno));
	if (!(env = build_env(spec->env, err))) {
		rc = DN_ENOMEM;
		goto out;
	}
	if (posix_spawn_file_actions_init(&fa) != 0 || (fa_ok = 1, 0) ||
	    posix_spawnattr_init(&attr) != 0 || (attr_ok = 1, 0)) {
		rc = dn_error_set(err, DN_ENOMEM, "out of memory starting a task");
		goto out;
	}
	sigset_t none, defaults;
	sigemptyset(&none);
	sigemptyset(&defaults);
	sigaddset(&defaults, SIGINT);
	sigaddset(&defaults, SIGTERM);
	sigaddset(&defaults, SIGCHLD);
	sigaddset(&defaults, SIGPIPE);
	sigaddset(&defaults, SIGHUP);
	if (posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0) != 0 ||
	    posix_spawn_file_actions_adddup2(&fa, logfd, 1) != 0 ||
	    posix_spawn_file_actions_adddup2(&fa, logfd, 2) != 0 ||
	    (spec->cwd && posix_spawn_file_actions_addchdir_np(&fa, spec->cwd) != 0) ||
	    posix_spawnattr_setpgroup(&attr, 0) != 0 || posix_spawnattr_setsigmask(&attr, &none) ||
	    posix_spawnattr_setsigdefault(&attr, &defaults) != 0 ||
	    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
						    POSIX_SPAWN_SETSIGDEF) != 0) {
		rc = dn_error_set(err, DN_ENOMEM, "out of memory starting a task");
		goto out;
	}
	char *argv[] = {"sh", "-c", (char *)spec->command, NULL};
	int e = posix_spawn(&p->pid, "/bin/sh", &fa, &attr, argv, env);
	if (e != 0) {
		p->pid = -1;
		rc = dn_error_set(err, DN_EIO, "cannot start /bin/sh for a task%s%s: %s",
				  spec->cwd ? " in " : "", spec->cwd ? spec->cwd : "", strerror(e));
		goto out;
	}
	p->started_us = dn_monotonic_us();
	p->pidfd = open_pidfd(p->pid);
out:
	if (fa_ok)
		posix_spawn_file_actions_destroy(&fa);
	if (attr_ok)
		posix_spawnattr_destroy(&attr);
	dn_free(env);
	close(logfd);
	return rc;
}

static void fill_status(struct dn_proc *p, int wst, struct dn_proc_status *st)
{
	st->exit_code = WIFEXITED(wst) ? WEXITSTATUS(wst) : -1;
	st->signal = WIFSIGNALED(wst) ? WTERMSIG(wst) : 0;
	st->duration_us = dn_monotonic_us() - p->started_us;
	p->done = 1;
}

int dn_proc_poll(struct dn_proc *p, struct dn_proc_status *st, struct dn_error *err)
{
	int wst;
	memset(st, 0, sizeof *st);
	if (p->done)
		return 1;
	pid_t r = waitpid(p->pid, &wst, WNOHANG);
	if (r == 0)
		return 0;
	if (r < 0) {
		if (errno == EINTR)
			return 0;
		return dn_error_set(err, DN_EIO, "waiting for task process %d: %s", (int)p->pid,
				    strerror(errno));
	}
	fill_status(p, wst, st);
	return 1;
}

int dn_proc_signal(struct dn_proc *p, int sig, struct dn_error *err)
{
	if (p->pid <= 0 || p->done)
		return dn_error_set(err, DN_EIO, "the task process has ended");
	if (kill(-p->pid, sig) < 0 && kill(p->pid, sig) < 0)
		return dn_error_set(err, DN_EIO, "cannot signal task process %d: %s", (int)p->pid,
				    strerror(errno));
	return 0;
}

/* Sleep until the process may have ended or until deadline (monotonic µs; 0 = none). */
static void wait_some(struct dn_proc *p, int64_t deadline)
{
	int64_t now = dn_monotonic_us();
	int64_t left = deadline ? deadline - now : INT64_C(1000000);
	if (left <= 0)
		return;
	if (p->pidfd >= 0) {
		struct pollfd pfd = {p->pidfd, POLLIN, 0};
		int ms = (int)((left + 999) / 1000);
		(void)poll(&pfd, 1, ms > 1000 ? 1000 : ms);
		return;
	}
	struct timespec ts = {0, 1000000};
	nanosleep(&ts, NULL);
}

int dn_proc_wait(struct dn_proc *p, int64_t timeout_us, int64_t grace_us, struct dn_proc_status *st,
		 struct dn_error *err)
{
	int64_t deadline = timeout_us > 0 ? p->started_us + timeout_us : 0;
	int64_t kill_at = 0;
	int timed_out = 0;
	for (;;) {
		int rc = dn_proc_poll(p, st, err);
		if (rc < 0)
			return rc;
		if (rc == 1)
			break;
		int64_t now = dn_monotonic_us();
		if (deadline && now >= deadline && !timed_out) {
			timed_out = 1;
			(void)dn_proc_signal(p, SIGTERM, NULL);
			kill_at = now + (grace_us > 0 ? grace_us : 0);
		}
		if (timed_out && now >= kill_at) {
			(void)dn_proc_signal(p, SIGKILL, NULL);
			kill_at = INT64_MAX;
		}
		wait_some(p, timed_out ? (kill_at == INT64_MAX ? 0 : kill_at) : deadline);
	}
	st->timed_out = timed_out;
	/* The shell may be gone while children it started in the background still run. */
	if (timed_out)
		(void)kill(-p->pid, SIGKILL);
	return 0;
}

void dn_proc_release(struct dn_proc *p)
{
	if (p->pidfd >= 0)
		close(p->pidfd);
	p->pidfd = -1;
}

static int valid_key(const char *k, size_t n)
{
	if (n == 0 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = k[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return 0;
	}
	return 1;
}

int dn_task_outputs_read(const char *log_path, dn_output_fn fn, void *user, struct dn_error *err)
{
	static const char tag[] = "::output ";
	const size_t taglen = sizeof tag - 1;
	FILE *f = fopen(log_path, "rb");
	if (!f)
		return dn_error_set(err, errno == ENOENT ? DN_ENOTFOUND : DN_EIO,
				    "cannot read the task log %s: %s", log_path, strerror(errno));
	/* One line at a time through a fixed buffer: logs can be huge, outputs are small. */
	size_t cap = DN_OUTPUT_VALUE_MAX + 128;
	char *line = dn_malloc(cap);
	int rc = 0, count = 0, at_start = 1;
	int64_t lineno = 0;
	if (!line) {
		fclose(f);
		return dn_error_set(err, DN_ENOMEM, "out of memory reading %s", log_path);
	}
	while (fgets(line, (int)cap, f)) {
		size_t n = strlen(line);
		int complete = n > 0 && line[n - 1] == '\n';
		int starts = at_start;
		at_start = complete;
		if (starts)
			lineno++;
		if (!starts || n < taglen || memcmp(line, tag, taglen) != 0)
			continue;
		if (!complete && !feof(f)) {
			rc = dn_error_set_at(err, DN_ELIMIT, log_path, lineno, 0,
					     "an ::output line is longer than %d bytes; publish "
					     "large results as files and output their paths",
					     DN_OUTPUT_VALUE_MAX);
			break;
		}
		if (complete)
			line[--n] = 0;
		if (n && line[n - 1] == '\r')
			line[--n] = 0;
		char *kv = line + taglen;
		char *eq = strchr(kv, '=');
		if (!eq || !valid_key(kv, (size_t)(eq - kv))) {
			rc = dn_error_set_at(
				err, DN_EPARSE, log_path, lineno, (int64_t)taglen + 1,
				"an ::output line must be `::output key=value` with a key "
				"of letters, digits, _ . - (at most 64)");
			break;
		}
		if (++count > DN_OUTPUTS_MAX) {
			rc = dn_error_set_at(err, DN_ELIMIT, log_path, lineno, 0,
					     "more than %d ::output lines", DN_OUTPUTS_MAX);
			break;
		}
		*eq = 0;
		if ((rc = fn(user, kv, eq + 1)) < 0)
			break;
	}
	if (rc >= 0 && ferror(f))
		rc = dn_error_set(err, DN_EIO, "cannot read the task log %s", log_path);
	dn_free(line);
	fclose(f);
	return rc < 0 ? rc : 0;
}

int dn_proc_alive(pid_t pid)
{
	if (pid <= 0)
		return 0;
	if (kill(pid, 0) < 0 && errno != EPERM)
		return 0;
	/* A zombie is dead: it waits only for a parent (or init) to collect its status. */
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 1; /* no /proc: trust kill() */
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	const char *rp = strrchr(buf, ')'); /* the state follows the command name */
	return !(rp && rp[1] == ' ' && (rp[2] == 'Z' || rp[2] == 'X'));
}
