/* ---------------------------------------------------------------------------------------------
 * Task processes: how the executor runs a `shell` task (and, later, any task type that runs a
 * command). The command runs under /bin/sh -c in its own process group, with stdin from
 * /dev/null and stdout + stderr appended to the attempt's log file; a timeout or a cancel ends
 * the whole group (the shell and everything it started) with SIGTERM, then SIGKILL after a
 * grace period. A task publishes small outputs by printing lines `::output key=value`, read
 * back from its log when it ends.
 *
 * Processes start with posix_spawn (vfork-based: cheap even from a large scheduler process).
 * A struct dn_proc is owned by the caller; it holds no heap memory. Functions are thread-safe
 * on distinct processes, but a process must be waited for by one thread only. */
#ifndef DN_PIPELINE_EXEC_H
#define DN_PIPELINE_EXEC_H

#include <sys/types.h>

#include "../core/core.h"

struct dn_proc_spec {
	const char *command;    /* run with /bin/sh -c */
	const char *const *env; /* extra "KEY=VALUE" entries overriding the environment; NULL-ended;
				 * may be NULL */
	const char *cwd;        /* working directory; NULL = the caller's */
	const char *log_path;   /* stdout and stderr are appended here; NULL = /dev/null */
};

struct dn_proc {
	pid_t pid;          /* also the process group id */
	int pidfd;          /* -1 when the kernel has no pidfd_open */
	int64_t started_us; /* monotonic */
	int done;
};

struct dn_proc_status {
	int exit_code;       /* exit status when it exited, else -1 */
	int signal;          /* the signal that ended it, else 0 */
	int timed_out;       /* ended by dn_proc_wait's timeout */
	int64_t duration_us; /* from start to end */
};

#define DN_PROC_KILL_GRACE_US (5 * DN_USEC_PER_SEC) /* SIGTERM to SIGKILL */

/* Start the command. Errors: DN_EIO naming the log file or the spawn failure, DN_ENOMEM. A
 * command that cannot be found is not an error here: the shell exits 127, as in a terminal. */
int dn_proc_start(struct dn_proc *p, const struct dn_proc_spec *spec, struct dn_error *err);

/* Non-blocking check: returns 1 and fills *st when the process has ended, 0 while it runs. */
int dn_proc_poll(struct dn_proc *p, struct dn_proc_status *st, struct dn_error *err);

/* Wait for the end. With timeout_us > 0, a process still running then is killed (SIGTERM to
 * its group, SIGKILL after grace_us) and st->timed_out is set. Returns 0 or an error. */
int dn_proc_wait(struct dn_proc *p, int64_t timeout_us, int64_t grace_us, struct dn_proc_status *st,
		 struct dn_error *err);

/* Send sig to the process group (SIGTERM to cancel). Returns 0, or DN_EIO if it is gone. */
int dn_proc_signal(struct dn_proc *p, int sig, struct dn_error *err);

/* Release what a started process holds (its pidfd) once it has been waited for. */
void dn_proc_release(struct dn_proc *p);

/* Read the `::output key=value` lines of a task's log, in order, calling fn for each (a later
 * line with the same key overrides). Keys are [A-Za-z0-9_.-]{1,64}; values end at the line end
 * (a CR before it is dropped) and are at most DN_OUTPUT_VALUE_MAX bytes; at most
 * DN_OUTPUTS_MAX lines are read. Lines that look like outputs but break these rules are errors
 * (DN_EPARSE with the log's line number), so a task never publishes something silently cut.
 * fn returning < 0 stops and returns that. */
#define DN_OUTPUT_VALUE_MAX 65536
#define DN_OUTPUTS_MAX 1000
typedef int (*dn_output_fn)(void *user, const char *key, const char *value);
int dn_task_outputs_read(const char *log_path, dn_output_fn fn, void *user, struct dn_error *err);

#endif
