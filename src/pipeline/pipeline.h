/* pipeline: what runs when. dunya's scheduler layer, built up in steps: project configuration
 * (dunya.yaml, .env, connections), the pipeline DAG model, templating of task parameters, cron
 * schedules with IANA time zones, the scheduler that creates runs when they are due, the executor
 * that runs tasks in a bounded process pool, and the metadata store that records every run and
 * task attempt. It holds time zones and cron schedules, projects and pipeline files, task
 * processes (how the executor runs a command), the metadata store (SQLite), the run engine
 * (dn_run_execute: one run, new or resumed) and the due-interval rule the scheduler uses
 * (dn_schedule_due); the scheduler's process loop itself is in the CLI (cmd_scheduler.c).
 *
 * Time zones are read from the system's tz database (TZif files, RFC 8536, under
 * /usr/share/zoneinfo or $TZDIR) and evaluated by dunya itself, including the POSIX TZ rule that
 * a file carries for times after its last transition, so the C library's time-zone state (TZ,
 * localtime) is never touched. Cron schedules are evaluated in the wall-clock time of a zone.
 *
 * Uses: core (errors, allocation, civil-date arithmetic, ISO-8601); libsqlite3 for the metadata
 * store.
 * Thread safety: a loaded struct dn_tz and a parsed struct dn_cron are read-only, so any number
 * of threads may use the same one at once. Loading reads files and allocates, nothing global.
 * Ownership: dn_tz_load / dn_tz_from_* allocate a zone that the caller frees with dn_tz_free.
 * A struct dn_cron is a plain value in the caller's memory; it owns nothing and needs no
 * release. */
#ifndef DN_PIPELINE_H
#define DN_PIPELINE_H

#include <sys/types.h>

#include "../core/core.h"

/* ---------------------------------------------------------------------------------------------
 * Time zones. Instants are int64 microseconds UTC (as in core); "local" times are the same kind
 * of number read as wall-clock time in the zone (local_us = utc_us + offset). Offsets are
 * seconds east of UTC (New York in winter: -18000). */
struct dn_tz;

#define DN_TZ_NAME_MAX 255       /* longest zone name accepted */
#define DN_TZ_FILE_MAX (1 << 20) /* largest TZif file read (real ones are under 4 KiB) */

/* Load the IANA zone `name` ("America/New_York", "Europe/Paris", "UTC") from $TZDIR, or
 * /usr/share/zoneinfo when TZDIR is unset. "UTC" and "Etc/UTC" are built in and work without a
 * tz database. Names that start with "/" or contain ".." are rejected (DN_EINVAL): a zone name
 * never reaches outside the database. Errors: DN_ENOTFOUND (no such zone; the message suggests
 * a close name when the database lists one, and names the tzdata package when there is no
 * database), DN_EPARSE (the file is not valid TZif), DN_ENOTSUP (leap-second "right/" zones),
 * DN_EIO, DN_ENOMEM. On success *out is the zone (free with dn_tz_free); on failure NULL. */
int dn_tz_load(struct dn_tz **out, const char *name, struct dn_error *err);

/* Build a zone from the bytes of a TZif file (versions 1 to 4; the 64-bit data of version 2+
 * files is used, and their footer TZ string for times after the last transition). `name` is
 * what dn_tz_name returns. Errors: DN_EPARSE naming what is wrong and its byte offset,
 * DN_ENOTSUP (leap-second records), DN_ENOMEM. Never reads past data[n]. */
int dn_tz_from_tzif(struct dn_tz **out, const char *name, const void *data, size_t n,
		    struct dn_error *err);

/* Build a zone from a POSIX TZ rule string, the form TZif footers use:
 *   std offset [dst [offset] [,start[/time],end[/time]]]
 * names alphabetic (3+ letters) or quoted in <> ("<+03>"); offsets [+-]hh[:mm[:ss]] west of
 * UTC as POSIX writes them ("EST5" is UTC-5); dates Mm.w.d (month, week 1-5 where 5 is the last,
 * weekday 0 = Sunday), Jn (1-365, February 29 never counted) or n (0-365, counted); times
 * [+-]hh[:mm[:ss]] with hours up to 167 (RFC 8536), default 02:00. A dst name without rules
 * takes the US rules M3.2.0,M11.1.0. Examples: "EST5EDT,M3.2.0,M11.1.0",
 * "CET-1CEST,M3.5.0,M10.5.0/3", "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0". Errors: DN_EPARSE with
 * the column, DN_ENOMEM. */
int dn_tz_from_posix(struct dn_tz **out, const char *rule, struct dn_error *err);

/* Free a zone; NULL does nothing. */
void dn_tz_free(struct dn_tz *tz);

/* The name the zone was loaded under (valid while tz lives). */
const char *dn_tz_name(const struct dn_tz *tz);

/* UT offset in seconds east of UTC at instant utc_us. Before the first transition of a file the
 * first time type applies (RFC 8536); after the last, the footer rule (or the last type). */
int32_t dn_tz_offset_at(const struct dn_tz *tz, int64_t utc_us);

/* Offset, daylight-saving flag and abbreviation ("EST", "CEST", "+03"; valid while tz lives) at
 * utc_us. is_dst and abbr may be NULL. Returns the offset like dn_tz_offset_at. */
int32_t dn_tz_info_at(const struct dn_tz *tz, int64_t utc_us, int *is_dst, const char **abbr);

/* The first instant strictly after utc_us at which the zone's offset, DST flag or abbreviation
 * changes, into *next. Returns 1, or 0 when nothing changes after utc_us (fixed zones). */
int dn_tz_next_transition(const struct dn_tz *tz, int64_t utc_us, int64_t *next);

/* The UTC instants at which wall clocks in the zone show local_us. Returns how many there are:
 *   1  the usual case; *earliest == *latest;
 *   2  local_us falls in an overlap (clocks were set back, it happens twice); *earliest is the
 *      first occurrence (under the earlier, larger offset), *latest the second;
 *   0  local_us falls in a gap (clocks jumped over it); *earliest and *latest are both the
 *      instant the gap ends, where the clocks jump past local_us (for New York on 2024-03-10,
 *      any time from 02:00 to 02:59 gives 07:00Z, i.e. 03:00 EDT).
 * earliest and latest may be NULL. Exotic histories with several overlaps within a day return
 * their count (> 2) with the first and last occurrence. */
int dn_tz_local_to_utc(const struct dn_tz *tz, int64_t local_us, int64_t *earliest,
		       int64_t *latest);

/* Format utc_us as wall-clock time in the zone with its offset, ISO-8601:
 * "2024-03-10T03:00:00-04:00" ("+00:00" for UTC; seconds always; a fraction only when not zero,
 * 3 or 6 digits; offsets with seconds, as in old LMT, as "-04:56:02"). Instants more than
 * 146,000 years from 1970 are clamped. out needs DN_TZ_FORMAT_MAX bytes; returns the length. */
#define DN_TZ_FORMAT_MAX 48
int dn_tz_format(const struct dn_tz *tz, int64_t utc_us, char *out);

/* ---------------------------------------------------------------------------------------------
 * Cron schedules: the classic 5 fields "minute hour day-of-month month day-of-week", each a
 * comma list of `*`, `N`, `A-B`, `*`/S, `A-B/S` or `A/S` (= A-max/S), with JAN-DEC and SUN-SAT
 * (any case) in their fields and 7 as another Sunday, or one of the macros @hourly, @daily
 * (@midnight), @weekly, @monthly, @yearly (@annually). As in Vixie cron, when both day fields
 * are restricted a day matches if either matches; a day field that starts with `*` (also
 * `*`/2) counts as unrestricted, and then both must match. */
struct dn_cron {
	uint64_t minute; /* bit m set: fires at minute m (0-59) */
	uint32_t hour;   /* bit h: hour h (0-23) */
	uint32_t mday;   /* bit d: day of month d (1-31) */
	uint16_t month;  /* bit m: month m (1-12) */
	uint8_t wday;    /* bit d: weekday d, 0 = Sunday .. 6 = Saturday (7 folded into 0) */
	uint8_t flags;   /* DN_CRON_MDAY_STAR | DN_CRON_WDAY_STAR */
};

#define DN_CRON_MDAY_STAR 1 /* the day-of-month field started with '*' */
#define DN_CRON_WDAY_STAR 2 /* the day-of-week field started with '*' */

/* How far ahead dn_cron_next looks: long enough for February 29 across a non-leap century year
 * (2096 -> 2104). */
#define DN_CRON_SEARCH_YEARS 10

/* Parse a cron expression (leading and trailing blanks allowed) into *out. Errors: DN_EPARSE
 * with a message naming the field, what is wrong and the 1-based column in expr, e.g.
 * "minute field: 61 is out of range 0-59 (column 1)"; the column is also in err->column.
 * @once and @reboot are rejected: a one-off or manual run is the scheduler's business, not a
 * repeating schedule. *out is written only on success. */
int dn_cron_parse(struct dn_cron *out, const char *expr, struct dn_error *err);

/* Does wall-clock time local_us (whole minute or not) match the schedule? 1 or 0. */
int dn_cron_matches(const struct dn_cron *c, int64_t local_us);

/* The first fire time strictly after after_utc_us, into *next_utc_us. The schedule is read in
 * the wall-clock time of tz (NULL = UTC). A local time skipped by a spring-forward gap fires at
 * the instant the gap ends (02:30 on 2024-03-10 in America/New_York fires at 03:00 EDT, once
 * however many skipped times match); a local time repeated by a fall-back fires once, at its
 * first occurrence. Looks DN_CRON_SEARCH_YEARS ahead; a schedule that never fires in that time
 * ("0 0 30 2 *") gives DN_ENOTFOUND. after_utc_us must lie in years 0001..9989 (DN_EINVAL).
 * The search skips whole months, days and hours that cannot match, so it costs microseconds
 * whatever the schedule. */
int dn_cron_next(const struct dn_cron *c, const struct dn_tz *tz, int64_t after_utc_us,
		 int64_t *next_utc_us, struct dn_error *err);

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

/* Is process pid running (not gone, not a zombie)? For processes of this host only. */
int dn_proc_alive(pid_t pid);

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

/* ---------------------------------------------------------------------------------------------
 * The metadata store: every run, task instance, attempt and published output. SQLite (WAL) in
 * the project's .dunya/ folder by default.
 *
 * Every state change is one conditional UPDATE (`... WHERE state = 'queued'`): it applies only
 * when the row is still in the state the caller saw, and reports whether it did. Two schedulers
 * or workers racing for a task therefore never both claim it, and no read-modify-write window
 * exists — the property a PostgreSQL store for many machines will keep.
 *
 * Times are µs UTC. A struct dn_meta is used by one thread at a time (open one per thread or
 * process; SQLite's locking and busy timeout serialise writers). Rows returned in arrays belong
 * to the caller (dn_free). */

enum dn_run_state { DN_RUN_QUEUED = 1, DN_RUN_RUNNING, DN_RUN_SUCCESS, DN_RUN_FAILED };

enum dn_ti_state {
	DN_TI_NONE = 1, /* waiting for upstream tasks */
	DN_TI_QUEUED,   /* ready; waiting for a slot */
	DN_TI_RUNNING,  /* claimed by a process */
	DN_TI_SUCCESS,
	DN_TI_FAILED,          /* no tries left */
	DN_TI_UP_FOR_RETRY,    /* failed; runs again at next_try_at */
	DN_TI_UPSTREAM_FAILED, /* its trigger rule can no longer be met */
	DN_TI_SKIPPED,
};

const char *dn_run_state_name(enum dn_run_state s);
const char *dn_ti_state_name(enum dn_ti_state s);
int dn_ti_state_parse(const char *s, enum dn_ti_state *out); /* 0 or DN_EPARSE */

struct dn_meta;

/* Open (creating it and its schema when missing) the SQLite store at path. Errors: DN_EIO
 * naming the path, DN_ENOTSUP when the file's schema is newer than this dunya. */
int dn_meta_open(struct dn_meta **out, const char *path, struct dn_error *err);
void dn_meta_close(struct dn_meta *m); /* NULL does nothing */

struct dn_run_new {
	const char *pipeline;
	const char *run_id; /* unique within the pipeline, e.g. scheduled__2024-01-01T00:00:00Z */
	const char *kind;   /* scheduled, manual, backfill */
	const char *params_json; /* may be NULL */
	int64_t interval_start, interval_end;
	int ntasks;
	const char *const *tasks; /* task ids */
	const int *max_tries;     /* per task: retries + 1 */
};

/* Create a run (state queued) and its task instances (state none) in one transaction. Returns 1
 * when created, 0 when the pipeline already has a run with that run_id (*id is set to it, and
 * nothing changes), or an error. */
int dn_meta_run_create(struct dn_meta *m, const struct dn_run_new *r, int64_t now, int64_t *id,
		       struct dn_error *err);

/* Conditional transitions: 1 when applied, 0 when the row was not in `from` (or is missing).
 * Entering running sets started_at; entering a final state sets ended_at. */
int dn_meta_run_transition(struct dn_meta *m, int64_t run, enum dn_run_state from,
			   enum dn_run_state to, int64_t now, struct dn_error *err);
int dn_meta_task_transition(struct dn_meta *m, int64_t run, const char *task, enum dn_ti_state from,
			    enum dn_ti_state to, int64_t now, struct dn_error *err);

/* Claim a task to run it: queued -> running (or up_for_retry whose next_try_at has passed ->
 * running), try_number + 1, pid and host recorded, heartbeat now, an attempt row added.
 * Returns 1 and *try_number when claimed, 0 when another process got there first. */
int dn_meta_task_claim(struct dn_meta *m, int64_t run, const char *task, int pid, const char *host,
		       int64_t now, int *try_number, struct dn_error *err);

/* Claim as above, but only within limits shared by every process using the store: at most
 * global_slots running tasks in all and pool_slots in `pool` (a negative limit, or pool NULL,
 * means none). Returns 1 claimed, 0 not claimable (someone else got it), or 2 when no slot is
 * free (the task stays as it was; try again later). */
int dn_meta_task_claim_slot(struct dn_meta *m, int64_t run, const char *task, int pid,
			    const char *host, int64_t now, const char *pool, int pool_slots,
			    int global_slots, int *try_number, struct dn_error *err);

/* End the attempt try_number of a running task: to success, failed, or up_for_retry (then
 * next_try_at says when). The attempt row gets the exit code, error text and log path.
 * Returns 1, or 0 when the task is not running that try (someone else ended it). */
int dn_meta_task_finish(struct dn_meta *m, int64_t run, const char *task, int try_number,
			enum dn_ti_state to, int exit_code, const char *error, const char *log_path,
			int64_t next_try_at, int64_t now, struct dn_error *err);

/* The process (group) id of attempt try_number's task process: set when it starts, read by a
 * recovery to end what a dead runner left. get returns 1 and *pid, or 0 when unknown. */
int dn_meta_attempt_set_pid(struct dn_meta *m, int64_t run, const char *task, int try_number,
			    int pid, struct dn_error *err);
int dn_meta_attempt_pid(struct dn_meta *m, int64_t run, const char *task, int try_number,
			int *pid, struct dn_error *err);

/* A running task's liveness signal (1 applied, 0 not running that try). */
int dn_meta_task_heartbeat(struct dn_meta *m, int64_t run, const char *task, int try_number,
			   int64_t now, struct dn_error *err);

/* Outputs a task published (`::output key=value`). get returns 1 and a copy in *value
 * (dn_free), or 0 when absent. */
int dn_meta_output_set(struct dn_meta *m, int64_t run, const char *task, const char *key,
		       const char *value, struct dn_error *err);
int dn_meta_output_get(struct dn_meta *m, int64_t run, const char *task, const char *key,
		       char **value, struct dn_error *err);

/* Bookmarks of incremental extractions (extract.api's `incremental`), one per pipeline and
 * task: the largest value of a record field committed so far. get returns 1 and a copy in
 * *value (dn_free), or 0 when there is none yet. */
int dn_meta_bookmark_set(struct dn_meta *m, const char *pipeline, const char *task,
			 const char *value, int64_t now, struct dn_error *err);
int dn_meta_bookmark_get(struct dn_meta *m, const char *pipeline, const char *task, char **value,
			 struct dn_error *err);

struct dn_meta_run {
	int64_t id;
	char pipeline[128];
	char run_id[160];
	char kind[16];
	enum dn_run_state state;
	int64_t interval_start, interval_end, created_at, started_at, ended_at; /* 0 = unset */
};

struct dn_meta_task {
	char task[128];
	enum dn_ti_state state;
	int try_number, max_tries, pid;
	int64_t next_try_at, heartbeat_at, started_at, ended_at; /* 0 = unset */
};

/* Runs of a pipeline (all pipelines when NULL), newest interval first, at most limit (0 = all).
 * *rows is an array of *n entries for the caller to dn_free. */
int dn_meta_runs_list(struct dn_meta *m, const char *pipeline, int limit, struct dn_meta_run **rows,
		      int *n, struct dn_error *err);
int dn_meta_run_get(struct dn_meta *m, int64_t run, struct dn_meta_run *row,
		    struct dn_error *err); /* 1 found, 0 not */
/* The run of pipeline called run_id, into *row: 1 found, 0 not. */
int dn_meta_run_find(struct dn_meta *m, const char *pipeline, const char *run_id,
		     struct dn_meta_run *row, struct dn_error *err);
/* Did a run of pipeline (of any kind: scheduled, manual, backfill) for the data interval that
 * starts at interval_start end in success? 1 or 0, or DN_EIO. Backfills skip such intervals
 * unless told to run them again. */
int dn_meta_interval_succeeded(struct dn_meta *m, const char *pipeline, int64_t interval_start,
			       struct dn_error *err);
/* The params a run was created with, as a JSON object of strings (or nulls), into *json
 * (dn_free): 1 found, 0 no such run. */
int dn_meta_run_params(struct dn_meta *m, int64_t run, char **json, struct dn_error *err);
/* Task instances of a run in creation order. */
int dn_meta_tasks_list(struct dn_meta *m, int64_t run, struct dn_meta_task **rows, int *n,
		       struct dn_error *err);

/* Quality history: the observed value of each check of a suite on a target at each run
 * (value absent when the check could not measure it). history returns the newest `limit`
 * values recorded before `before` (µs UTC), oldest first, as two arrays of *n entries for the
 * caller to dn_free. */
int dn_meta_quality_add(struct dn_meta *m, const char *suite, const char *target,
			const char *check, int64_t at, int has_value, double value,
			const char *status, struct dn_error *err);
int dn_meta_quality_history(struct dn_meta *m, const char *suite, const char *target,
			    const char *check, int64_t before, int limit, double **values,
			    int64_t **ats, int *n, struct dn_error *err);

/* The index of quality reports written by quality tasks. Listing gives newest first, at most
 * limit (0 = all), in an array for the caller to dn_free (the pointers point into each row). */
struct dn_meta_quality_report {
	const char *suite, *target, *status, *json_path, *html_path, *pipeline, *task, *run_id;
	int64_t at;
	double score;
	char suite_buf[128], target_buf[512], status_buf[16], json_buf[512], html_buf[512];
	char pipeline_buf[128], task_buf[128], run_buf[160];
};
int dn_meta_quality_report_add(struct dn_meta *m, const struct dn_meta_quality_report *q,
			       struct dn_error *err);
int dn_meta_quality_reports(struct dn_meta *m, int limit, struct dn_meta_quality_report **rows,
			    int *n, struct dn_error *err);

/* Paused pipelines create no new runs. */
int dn_meta_pipeline_set_paused(struct dn_meta *m, const char *pipeline, int paused,
				struct dn_error *err);
int dn_meta_pipeline_paused(struct dn_meta *m, const char *pipeline, struct dn_error *err);

/* ---------------------------------------------------------------------------------------------
 * Templates in task parameters: `{{ name }}` where name is a dotted path (ds, ds_nodash,
 * data_interval_start, data_interval_end, run_id, params.NAME, env.NAME, conn.NAME.PART,
 * tasks.ID.output.KEY). Rendering copies s to out, calling lookup with each trimmed name; lookup
 * appends the value and returns 0, or returns a negative code (with a message naming the name)
 * to stop. Errors: DN_EPARSE for '{{' without '}}' or an empty '{{ }}', lookup's code,
 * DN_ENOMEM. */
typedef int (*dn_template_lookup_fn)(void *user, const char *name, size_t len, struct dn_buf *out,
				     struct dn_error *err);
int dn_template_render(const char *s, dn_template_lookup_fn fn, void *user, struct dn_buf *out,
		       struct dn_error *err);

/* Blocks for SQL models: as dn_template_render, plus `{% if COND %} ... {% else %} ... {% endif %}`
 * (nested up to 16 deep; `{%-` and `-%}` are accepted, without trimming). cond sets *value to 1
 * or 0 for the trimmed condition text, or returns a negative code. Expressions inside a branch
 * that is not taken are still looked up (into a buffer that is discarded), so every name is
 * checked whatever the branch. With cond NULL this is dn_template_render ('{%' is plain text).
 * Errors: those of dn_template_render; DN_EPARSE for a '{%' without '%}', an unknown tag, an
 * else or endif without an if, an if without an endif; DN_ELIMIT past 16 levels. With cond set,
 * a failure leaves err->column at the 1-based byte offset in s of the construct that failed
 * (unless lookup or cond set a column themselves). */
typedef int (*dn_template_cond_fn)(void *user, const char *expr, size_t len, int *value,
				   struct dn_error *err);
int dn_template_render_blocks(const char *s, dn_template_lookup_fn fn, dn_template_cond_fn cond,
			      void *user, struct dn_buf *out, struct dn_error *err);

/* ---------------------------------------------------------------------------------------------
 * Projects and pipeline files: the configuration half of the pipeline module.
 *
 * A project is a folder with a dunya.yaml (name, connections, defaults, pools), a .env (secrets),
 * pipelines/ (one YAML file per pipeline), sql/, a local lake root and the state folder .dunya/.
 * This part reads all of it into memory: a small YAML document model on libyaml whose every node
 * knows its line and column, ${NAME} / ${NAME:-default} substitution from the environment and
 * .env, connection URLs (parsed, overridable by DUNYA_CONN_<NAME>, printed only redacted), the
 * pipeline and task model with resolved defaults, the dependency graph (cycles, topological
 * order), the registry of task types, and the checks behind `dunya validate`.
 *
 * Checking never stops at the first problem: loaders take a struct dn_problems and append one
 * "file:line:column: message" entry per problem found, and return a negative code only for
 * failures that are not the user's input (out of memory, unreadable project folder).
 *
 * Uses: core; cron and time zones from pipeline.h (schedules and zones are checked with
 * dn_cron_parse and dn_tz_load); libyaml.
 * Thread safety: loaded objects are read-only afterwards and may be shared by threads. The task
 * type registry is the one global: register types at start-up, before threads start.
 * Secrets: resolved values (passwords in connection URLs, ${VARS} from .env) live only in the
 * loaded objects; no message written by this code contains a value of a variable or a password.
 * Ownership: _load/_new functions allocate objects freed by the matching _free; _init/_release
 * for caller-owned structs. Borrowed pointers are valid while their owner lives. */

/* ---------------------------------------------------------------------------------------------
 * Problems: what `dunya validate` prints. Each has a file (as it should be shown, e.g. relative
 * to the project root), a 1-based line and column (0 = unknown) and a message. The list has a
 * ceiling; problems past it are counted in `dropped`. */
#define DN_PROBLEMS_MAX 1000

struct dn_problem {
	char *file;
	int64_t line, column;
	char *msg;
	size_t seq; /* order of recording, to keep sorting stable */
};

struct dn_problems {
	struct dn_problem *v;
	size_t n, cap;
	size_t max;     /* ceiling; 0 = DN_PROBLEMS_MAX */
	size_t dropped; /* problems not kept because of the ceiling */
	int nomem;      /* an allocation failed while recording one */
};

void dn_problems_init(struct dn_problems *p);
void dn_problems_release(struct dn_problems *p);
/* Record a problem (file may be NULL). Never fails visibly: on OOM sets p->nomem. */
void dn_problems_add(struct dn_problems *p, const char *file, int64_t line, int64_t column,
		     const char *fmt, ...) DN_PRINTF(5, 6);
/* Record a struct dn_error as a problem (its own file/line/column win over the given ones). */
void dn_problems_add_error(struct dn_problems *p, const char *file, int64_t line, int64_t column,
			   const struct dn_error *err);
/* Sort by file, line, column (stable for equal positions). */
void dn_problems_sort(struct dn_problems *p);
/* Number of distinct files among the problems (counting dropped ones as one more file at most
 * when no file is known). */
size_t dn_problems_files(const struct dn_problems *p);
/* Format problem i as "file:line:column: message" into out (n bytes); returns out. */
char *dn_problem_format(const struct dn_problem *pr, char *out, size_t n);

/* The closest of `candidates` (NULL-terminated) to word by Levenshtein distance, when that
 * distance is at most 2 and smaller than the candidate's length; NULL otherwise. */
const char *dn_suggest(const char *word, const char *const *candidates);
/* Levenshtein distance of two strings, computed up to `cap` (returns cap + 1 when larger). */
size_t dn_levenshtein(const char *a, const char *b, size_t cap);

/* ---------------------------------------------------------------------------------------------
 * YAML document model. One document per file; mappings, sequences and scalars, each with the
 * 1-based line and column where it starts. Anchors and aliases are rejected (they would let a
 * few bytes expand into a huge tree) and so are several documents in one file. Tags are ignored.
 * Mapping keys must be scalars. Nodes live in the document's arena. */
#define DN_YAML_MAX_BYTES (4u << 20) /* largest file accepted */
#define DN_YAML_MAX_DEPTH 64         /* deepest nesting of mappings and sequences */
#define DN_YAML_MAX_NODES 1000000    /* most nodes in one document */

enum dn_yaml_kind { DN_YAML_SCALAR = 1, DN_YAML_MAP, DN_YAML_SEQ };

enum dn_yaml_style { DN_YAML_PLAIN = 0, DN_YAML_QUOTED, DN_YAML_BLOCK };

struct dn_yaml_node {
	enum dn_yaml_kind kind;
	enum dn_yaml_style style;    /* scalars: how it was written */
	int unresolved;              /* scalars: a ${} in it could not be substituted */
	int expanded;                /* scalars: str holds substituted values (may be secrets) */
	int64_t line, column;        /* 1-based, of the node's first character */
	size_t start, end;           /* character offsets of the node in the source */
	char *str;                   /* scalar value (NUL-terminated; after ${} substitution) */
	const char *raw;             /* scalar value as written, before substitution */
	size_t len;                  /* scalar: bytes in str; map: pairs; seq: items */
	struct dn_yaml_node **items; /* seq: len items; map: 2*len entries key, value, ... */
};

struct dn_yaml_doc {
	struct dn_arena arena;
	struct dn_yaml_node *root; /* NULL for an empty document */
	char *file;                /* name used in messages */
	char *text;                /* the source (owned) */
	size_t text_len;
	size_t cur_char, cur_byte; /* cache for dn_yaml_position */
};

/* Parse text (len bytes, UTF-8) into doc; file names the source in messages. Returns 0, or
 * DN_EPARSE with err holding file:line:column and libyaml's description ("YAML syntax error:
 * ..."), DN_ELIMIT (size, depth, node count), DN_ENOMEM. doc needs dn_yaml_doc_release in every
 * case. */
int dn_yaml_parse(struct dn_yaml_doc *doc, const char *file, const char *text, size_t len,
		  struct dn_error *err);
void dn_yaml_doc_release(struct dn_yaml_doc *doc);

/* The value of key in a mapping (the first one if repeated), or NULL (also when map is not a
 * mapping). *keynode (may be NULL) gets the key's node. */
const struct dn_yaml_node *dn_yaml_get(const struct dn_yaml_node *map, const char *key,
				       const struct dn_yaml_node **keynode);
/* Is a scalar null (empty plain, ~, null/Null/NULL)? A NULL node counts as null. */
int dn_yaml_is_null(const struct dn_yaml_node *n);
/* How a scalar may be quoted in a message: as written when ${} substitution changed it (the
 * substituted text may be a secret), else its value. */
const char *dn_yaml_shown(const struct dn_yaml_node *n);
/* Scalar conversions; return 0 or DN_EPARSE (not such a value). Booleans: true/false, yes/no,
 * on/off (any case). */
int dn_yaml_bool(const struct dn_yaml_node *n, int *out);
int dn_yaml_i64(const struct dn_yaml_node *n, int64_t *out);
/* Line and column of byte offset `off` inside scalar n's value, found in the source (exact for
 * plain, quoted and block scalars whose text appears as written); falls back to the node's own
 * position. `needle` is the text that starts at off in the value (e.g. "${"), used to locate
 * the same occurrence in the source. */
void dn_yaml_position(struct dn_yaml_doc *doc, const struct dn_yaml_node *n, size_t off,
		      const char *needle, int64_t *line, int64_t *column);

/* ---------------------------------------------------------------------------------------------
 * Environment: the process environment, then the project's .env file.
 * .env lines: KEY=VALUE, blank lines, # comments, an optional `export ` prefix, values bare
 * (trailing blanks and a " #comment" cut), 'single-quoted' (literal) or "double-quoted" (with
 * \n \t \" \\ \$ escapes). No substitution inside .env. */
#define DN_ENV_MAX_BYTES (1u << 20)
#define DN_ENV_MAX_VARS 10000

struct dn_env {
	char **names, **values;
	size_t n;
	char *file; /* as shown in messages, or NULL */
};

void dn_env_init(struct dn_env *e);
void dn_env_release(struct dn_env *e);
/* Parse .env text; each bad line is a problem in probs (file:line:column, never the value).
 * Returns 0, DN_ELIMIT (too many variables, also a problem), DN_ENOMEM. A later KEY wins. */
int dn_env_parse(struct dn_env *e, const char *file, const char *text, size_t len,
		 struct dn_problems *probs, struct dn_error *err);
/* Read and parse a file; a missing file is an empty environment (returns 0). */
int dn_env_load(struct dn_env *e, const char *path, const char *shown, struct dn_problems *probs,
		struct dn_error *err);
/* Value of name: the process environment first, then e (may be NULL); NULL when unset. */
const char *dn_env_get(const struct dn_env *e, const char *name);

/* Replace ${NAME} and ${NAME:-default} in s (`$${` is a literal `${`; `:-` takes the default
 * when NAME is unset or empty). Appends the result to out (ceiling out->max). On an undefined
 * name or bad syntax returns DN_ENOTFOUND / DN_EPARSE with err->column the 1-based byte offset of
 * the `${` in s, and *bad_off (may be NULL) that offset - 1. Messages name the variable, never
 * a value. */
int dn_env_expand(const struct dn_env *e, const char *s, struct dn_buf *out, size_t *bad_off,
		  struct dn_error *err);

/* Substitute ${} in every scalar value of doc (mapping keys are left alone); each failure is a
 * problem at its exact position. Returns 0 or DN_ENOMEM. */
int dn_yaml_expand_env(struct dn_yaml_doc *doc, const struct dn_env *e, struct dn_problems *probs,
		       struct dn_error *err);

/* ---------------------------------------------------------------------------------------------
 * URLs of connections: scheme://[user[:password]@]host[:port][/path][?query][#fragment].
 * user and password are percent-decoded; hosts may be [IPv6]. For sqlite and file there is no
 * host: everything after "scheme://" is the path ("sqlite:///abs.db" is /abs.db,
 * "sqlite://warehouse.db" is warehouse.db, relative to the project root). s3://bucket/prefix has
 * the bucket as host. Known schemes: sqlite, postgres, postgresql, file, http, https, ftp,
 * sftp, s3, redis. */
#define DN_URL_MAX 8192

struct dn_url {
	char *scheme;                                           /* lowercased */
	char *user, *password, *host, *path, *query, *fragment; /* "" when absent */
	int port;                                               /* 0 when absent */
	int has_password;
};

/* Parse text into u (caller's struct; release with dn_url_release even on failure). Errors:
 * DN_EPARSE / DN_ELIMIT with a message that quotes no part of the user-info or of anything that
 * might hold a password. Unknown schemes are DN_ENOTSUP (with a suggestion). */
int dn_url_parse(struct dn_url *u, const char *text, struct dn_error *err);
void dn_url_release(struct dn_url *u);
/* The URL with the password replaced by "***" (user, host, port, path, query kept), appended to
 * out. This is the only way a URL is ever printed. */
int dn_url_redacted(const struct dn_url *u, struct dn_buf *out, struct dn_error *err);
/* Is scheme (any case) one of the known schemes? */
int dn_url_scheme_known(const char *scheme);
/* Default port of a scheme (5432 for postgres...), 0 when none. */
int dn_url_default_port(const char *scheme);

/* ---------------------------------------------------------------------------------------------
 * Durations: a whole number of seconds ("90"), or numbers with units in any combination,
 * "500ms", "30s", "5m", "1h", "2d", "1h30m". Into milliseconds. 0 or DN_EPARSE / DN_ELIMIT
 * (more than 100 years). */
int dn_duration_parse(const char *s, int64_t *ms);

/* ---------------------------------------------------------------------------------------------
 * Trigger rules: when a task may run given its upstream tasks' final states. */
enum dn_trigger_rule {
	DN_TRIGGER_ALL_SUCCESS = 0,
	DN_TRIGGER_ALL_DONE,
	DN_TRIGGER_ALL_FAILED,
	DN_TRIGGER_ONE_SUCCESS,
	DN_TRIGGER_ONE_FAILED,
	DN_TRIGGER_NONE_FAILED,
};
const char *dn_trigger_rule_name(enum dn_trigger_rule r);
int dn_trigger_rule_parse(const char *s, enum dn_trigger_rule *out); /* 0 or DN_EPARSE */

/* ---------------------------------------------------------------------------------------------
 * The model. Task settings are resolved in this order: the task's own keys, the pipeline's
 * `defaults`, the project's `defaults`, the built-in values (retries 0, retry_delay 5m, no
 * backoff, max_retry_delay 1d, no timeout, all_success, pool "default", priority 0). */
struct dn_task_settings {
	int64_t retries;
	int64_t retry_delay_ms;
	int retry_exponential_backoff;
	int64_t max_retry_delay_ms;
	int64_t timeout_ms; /* 0 = none */
	enum dn_trigger_rule trigger_rule;
	const char *pool; /* borrowed from a YAML document or static "default" */
	int64_t priority;
};

void dn_task_settings_builtin(struct dn_task_settings *s);

struct dn_task_type;

struct dn_task {
	const char *id; /* borrowed from the pipeline's document */
	const char *type_name;
	const struct dn_task_type *type;   /* NULL when unknown */
	const struct dn_yaml_node *params; /* mapping or NULL; values after ${} substitution */
	const struct dn_yaml_node *node;   /* the task's mapping, for positions */
	struct dn_task_settings s;
	size_t *up, nup;     /* indices of the tasks this one depends on (no duplicates) */
	size_t *down, ndown; /* indices of the tasks that depend on this one */
};

struct dn_param {
	const char *name;
	const char *dflt; /* NULL when the default is null */
};

enum dn_schedule_kind { DN_SCHEDULE_NONE = 0, DN_SCHEDULE_ONCE, DN_SCHEDULE_CRON };

struct dn_pipeline {
	char *file; /* as shown in messages (relative to the project root) */
	const char *id;
	const char *description; /* "" when absent */
	enum dn_schedule_kind schedule_kind;
	const char *schedule; /* the expression, NULL for none */
	struct dn_cron cron;  /* DN_SCHEDULE_CRON */
	const char *timezone; /* "UTC" by default */
	struct dn_tz *tz;     /* loaded zone (NULL if it failed to load) */
	int64_t start_us;     /* INT64_MIN when absent; dates are midnight in the zone */
	int64_t end_us;       /* INT64_MAX when absent */
	int catchup;
	int64_t max_active_runs;
	struct dn_param *params;
	size_t nparams;
	const char **tags;
	size_t ntags;
	struct dn_task *tasks;
	size_t ntasks;
	size_t *order; /* a topological order (upstream first), ntasks entries; NULL if cyclic */
	int nproblems; /* problems found in this file */
	struct dn_yaml_doc doc;
};

/* ---------------------------------------------------------------------------------------------
 * Task types. A type has a name, the names of its params (anything else is reported as unknown,
 * with a suggestion) and an optional check for what names alone cannot say (required params,
 * value types). Built in: noop, shell, sql, sensor.file, load, export, models. Later modules
 * add types with dn_task_type_register; the loader and `dunya validate` pick them up
 * unchanged. */
struct dn_project;

struct dn_task_check {
	const struct dn_project *project; /* NULL when a pipeline is checked on its own */
	const struct dn_pipeline *pipeline;
	const struct dn_task *task;
	struct dn_problems *problems;
};

/* What a task type that runs in the runner's process (a `run` callback) is given: the project,
 * the metadata store, the task and its run. */
struct dn_task_ctx {
	struct dn_project *project;
	struct dn_meta *meta;
	const struct dn_pipeline *pipeline;
	const struct dn_task *task;
	const char *run_id;
	int64_t interval_start, interval_end; /* the run's data interval (µs UTC) */
	void *impl;                           /* the runner's */
};

struct dn_task_type {
	const char *name;
	const char *summary;
	const char *const *params;                    /* NULL-terminated; NULL = takes no params */
	void (*check)(const struct dn_task_check *c); /* may be NULL */
	/* Run the task in the runner's process: 1 success, 0 failure with a reason in why (then
	 * err is clear). NULL for the built-in types, which the runner knows itself. */
	int (*run)(const struct dn_task_ctx *c, char *why, size_t whylen, struct dn_error *err);
};

/* For run callbacks: param key of the task rendered (templates), as render does for built-in
 * types; *present 0 when absent. And a line in the task's log (`::output k=v` publishes). */
int dn_task_ctx_param(const struct dn_task_ctx *c, const char *key, struct dn_buf *out,
		      int *present, struct dn_error *err);
void dn_task_ctx_log(const struct dn_task_ctx *c, const char *fmt, ...) DN_PRINTF(2, 3);

#define DN_TASK_TYPES_MAX 128

/* Add a type (the struct must outlive the program; usually static). DN_EINVAL when the name is
 * taken or empty, DN_ELIMIT past DN_TASK_TYPES_MAX. Not thread-safe: call at start-up. */
int dn_task_type_register(const struct dn_task_type *t, struct dn_error *err);
const struct dn_task_type *dn_task_type_find(const char *name);
/* Types in registration order (built-ins first); NULL past the end. */
const struct dn_task_type *dn_task_type_at(size_t i);

/* Helpers for checks: report a problem at a node of the task's file (node NULL = the task). */
void dn_task_check_problem(const struct dn_task_check *c, const struct dn_yaml_node *node,
			   const char *fmt, ...) DN_PRINTF(3, 4);
/* The param `key` if it is a non-empty scalar string; otherwise NULL, and a problem when it is
 * required and missing or when it is present but not a scalar. */
const struct dn_yaml_node *dn_task_check_string(const struct dn_task_check *c, const char *key,
						int required);

/* ---------------------------------------------------------------------------------------------
 * Dependency graph. dn_dag_order computes a topological order of tasks[0..n) (ties broken by
 * position in the file); if there are cycles it returns the count found and calls cycle_fn once
 * per strongly connected component with a cycle, giving one cycle through it in execution order
 * (upstream first), starting at its task that comes first in the file; path has len + 1 entries,
 * the last equal to the first. Returns 0 (order filled), > 0 (cycles; order untouched), or
 * DN_ENOMEM. */
typedef void (*dn_dag_cycle_fn)(void *user, const size_t *path, size_t len);
int dn_dag_order(const struct dn_task *tasks, size_t n, size_t *order, dn_dag_cycle_fn cycle_fn,
		 void *user);
/* Is task `anc` upstream of task `t`, directly or transitively? 1 or 0 (-1 on OOM). */
int dn_dag_is_upstream(const struct dn_task *tasks, size_t n, size_t anc, size_t t);

/* ---------------------------------------------------------------------------------------------
 * Projects. */
#define DN_PROJECT_FILE "dunya.yaml"
#define DN_PIPELINES_MAX 10000
#define DN_TASKS_MAX 100000 /* per pipeline */

struct dn_conn {
	const char *name;
	char *env_name;    /* DUNYA_CONN_<NAME> */
	int from_env;      /* the URL came from DUNYA_CONN_<NAME> */
	struct dn_url url; /* parsed; holds the password: print only with dn_url_redacted */
	int valid;         /* the URL parsed */
	const struct dn_yaml_node *node;
};

struct dn_pool_def {
	const char *name;
	int64_t slots;
};

struct dn_project {
	char *root;   /* absolute path of the project folder */
	char *config; /* root/dunya.yaml */
	const char *name;
	const char *lake; /* lake root as written ("lake" by default), relative to root */
	struct dn_lake_conf {
		/* `lake:` as a mapping: S3 settings (NULL = the AWS_* environment) and the
		 * format of new part files. */
		const char *endpoint, *region, *access_key_id, *secret_access_key,
			*session_token;
		int path_style;
		int insecure;
		const char *format;      /* csv (default) or ndjson */
		const char *compression; /* zstd (default), gzip or none */
	} lake_conf;
	struct dn_env env;
	struct dn_conn *conns;
	size_t nconns;
	struct dn_pool_def *pools;
	size_t npools;
	/* Project defaults. */
	struct dn_task_settings defaults;
	const char *timezone;
	int catchup;
	int64_t max_active_runs;
	const char *models_path; /* the models folder, relative to root ("models") */
	const char *models_conn; /* the connection models are built on ("warehouse") */
	struct dn_pipeline **pipelines;
	size_t npipelines;
	size_t nfiles; /* files read: dunya.yaml, .env if present, pipeline files */
	struct dn_yaml_doc doc;
};

struct dn_lake_options;
struct dn_lake_write_options;
/* The project's lake settings as options for dn_lake_open (root resolved against the project
 * folder) and the defaults of new writes (format, compression). Borrowed from p. */
void dn_project_lake_options(const struct dn_project *p, struct dn_lake_options *o);
void dn_project_lake_write_defaults(const struct dn_project *p, struct dn_lake_write_options *w);

/* Find a project root. start_or_override NULL: walk up from the working directory to the first
 * folder holding dunya.yaml (like git). Otherwise that folder itself must hold dunya.yaml (the
 * --project option). *root gets the absolute path (free with dn_free). DN_ENOTFOUND with a
 * message saying what to do, DN_EIO, DN_ENOMEM. */
int dn_project_find(const char *start_or_override, char **root, struct dn_error *err);

/* Create a project in dir (created when missing, parents too): dunya.yaml, .env, .gitignore,
 * pipelines/hello.yaml, sql/, lake/, .dunya/logs/. name NULL = the folder's name. An existing
 * dunya.yaml is never overwritten (DN_EINVAL); other existing files are kept (a .gitignore gets
 * the missing lines appended). `created` (may be NULL) receives one line per path made. */
int dn_project_init(const char *dir, const char *name, struct dn_buf *created,
		    struct dn_error *err);

/* Load and check a whole project rooted at root: dunya.yaml, .env, every pipelines/ *.yaml and
 * *.yml (sorted by name). Every problem goes to probs; the project is returned even when there
 * are problems (pipelines with problems are included, their nproblems set). Returns 0 or a
 * negative code for failures outside the input (DN_ENOMEM, DN_EIO reading the folder). */
int dn_project_load(struct dn_project **out, const char *root, struct dn_problems *probs,
		    struct dn_error *err);
void dn_project_free(struct dn_project *p);

/* A connection by name, or NULL. */
const struct dn_conn *dn_project_conn(const struct dn_project *p, const char *name);
/* The warehouse URL of connection cn for dn_wh_open: sqlite://PATH for SQLite (relative paths
 * stay relative, to be resolved against the project root), the URL as configured for other
 * schemes (it may hold a password: never print it; print dn_url_redacted). DN_EINVAL when the
 * connection's URL is invalid, DN_ENOMEM. */
int dn_conn_wh_url(const struct dn_project *p, const struct dn_conn *cn, struct dn_buf *out,
		   struct dn_error *err);
/* Total tasks over all pipelines. */
size_t dn_project_ntasks(const struct dn_project *p);

/* Load and check one pipeline file from text (file as shown in messages). project may be NULL
 * (then connections, pools and project defaults are unknown: conn.* templates, sql connections
 * and pools are not checked). Returns 0 with *out set (even with problems), or DN_ENOMEM. */
int dn_pipeline_parse(struct dn_pipeline **out, const struct dn_project *project, const char *file,
		      const char *text, size_t len, struct dn_problems *probs,
		      struct dn_error *err);
void dn_pipeline_free(struct dn_pipeline *pl);
/* Index of task id, or -1. */
long dn_pipeline_task(const struct dn_pipeline *pl, const char *id);

/* Check the {{ ... }} templates in s (a task param value at node n of pl's document) for task
 * index ti; each problem goes to probs at its position. Known names: ds, ds_nodash,
 * data_interval_start, data_interval_end, run_id, params.NAME, env.NAME, conn.NAME.PART,
 * tasks.ID.output.KEY. */
void dn_template_check(struct dn_pipeline *pl, const struct dn_project *project, size_t ti,
		       const struct dn_yaml_node *n, struct dn_problems *probs);

/* ---------------------------------------------------------------------------------------------
 * Running a pipeline once, in the foreground (`dunya run`; the scheduler's executor loop).
 * Tasks run in dependency order, up to `parallelism` at once and within their pools' slots
 * (counted over every run in the store, so concurrent runs share them),
 * highest priority first; trigger rules decide what runs after failures; failed attempts retry
 * after retry_delay (doubling with exponential backoff, capped by max_retry_delay); a task past
 * its timeout has its process group ended (SIGTERM, SIGKILL 5 s later). Every state change is
 * recorded in the metadata store, attempt logs go to .dunya/logs/PIPELINE/RUN_ID/TASK.TRY.log,
 * and `::output key=value` lines become outputs for downstream templates. */
struct dn_run_options {
	int has_logical;           /* logical_us is set (--date); otherwise the run is for now */
	int64_t logical_us;        /* start of the data interval */
	const char *const *params; /* "NAME=VALUE" overrides of the pipeline's params */
	int nparams;
	int parallelism;  /* tasks at once; 0 = twice the CPUs */
	int global_slots; /* running tasks in the whole store (all runs, all processes); 0 = none */
	const char *kind; /* "manual" (default), "scheduled", "backfill": the run id's prefix */
	/* Go on with an existing run instead of creating one (`dunya clear`): its failed tasks
	 * (or clear_task) and everything downstream of them run again, tasks whose process died
	 * with a crashed runner are failed and run again, and succeeded tasks are kept. */
	const char *resume_run_id;
	const char *clear_task; /* with resume_run_id: run this task and its downstream again */
	int create_only;        /* create the run (queued) and return: a scheduler will run it */
	/* With resume_run_id: only recover (a scheduler restarting): tasks left running by a dead
	 * runner count as a failed attempt and retry if they have tries left; failed tasks stay
	 * failed. */
	int recover_only;
	/* Called on every task state change (detail: why it failed, or NULL). May be NULL. */
	void (*progress)(void *user, const char *task, enum dn_ti_state state, int try_number,
			 const char *detail);
	void *progress_user;
};

struct dn_run_result {
	int64_t run; /* the run's row in the metadata store */
	char run_id[160];
	enum dn_run_state state; /* success or failed (queued with create_only) */
	int succeeded, failed, skipped;
	int cancelled; /* stopped by dn_run_request_stop */
};

/* Ask a running dn_run_execute to stop: running tasks are ended (SIGTERM to their process
 * groups, SIGKILL 5 s later) and recorded as failed, tasks not started yet become
 * upstream_failed, and the run fails. Async-signal-safe: call it from a SIGINT/SIGTERM
 * handler. */
void dn_run_request_stop(void);

/* Execute one run of pl. Returns 0 when the run went to its end (res->state says how: a
 * failed task is not an error of this function), or a negative code when it could not
 * (DN_EUSAGE for an unknown --param, DN_EIO from the store or the log folder). */
int dn_run_execute(struct dn_project *proj, struct dn_pipeline *pl, struct dn_meta *meta,
		   const struct dn_run_options *o, struct dn_run_result *res, struct dn_error *err);

/* The data intervals of pl that are due at `now` (µs UTC): intervals [start, end) of its schedule
 * whose end has passed, after the interval that started at last_start (INT64_MIN: none yet,
 * begin at start_date, or a year back when it has none), up to end_date. With catchup off only
 * the newest due interval is given. A @once pipeline has one interval, at start_date (or now).
 * Writes at most max intervals into starts/ends and their number into *n. Pipelines without a
 * schedule have none. Errors: those of dn_cron_next. */
int dn_schedule_due(const struct dn_pipeline *pl, int64_t last_start, int64_t now,
		    int64_t *starts, int64_t *ends, int max, int *n, struct dn_error *err);

/* ---------------------------------------------------------------------------------------------
 * SQL models (docs/models.md): each models/ **NAME.sql of a project is a templated SELECT that
 * dunya builds in the warehouse as a view, a table or an incremental table, in dependency order.
 * Templates: {{ config(materialized='table', unique_key='id', incremental_column='updated_at') }}
 * (renders to nothing), {{ ref('other') }} (the other model's quoted relation, and a dependency),
 * {{ source('table') }} or {{ source('schema', 'table') }} (a quoted relation that is not a
 * model), {{ this }} (the model's own relation), {{ is_incremental() }} and
 * {% if is_incremental() %} ... {% else %} ... {% endif %}.
 *
 * The SQL dunya writes is portable (CREATE VIEW, CREATE TABLE AS, DROP ... IF EXISTS, ALTER
 * TABLE ... RENAME TO, identifiers in double quotes); what differs between SQLite and
 * PostgreSQL (the catalog query, CASCADE, SQLite's legacy_alter_table) is chosen by backend.
 *
 * Thread safety: loaded models are read-only; dn_models_run builds independent models on several
 * threads, each with its own warehouse connection. Ownership: dn_models_new/_load allocate a set
 * freed by dn_models_free. */
enum dn_model_mat { DN_MODEL_VIEW = 0, DN_MODEL_TABLE, DN_MODEL_INCREMENTAL };

#define DN_MODELS_MAX 10000           /* models in one project */
#define DN_MODEL_MAX_BYTES (1u << 20) /* largest model file */
#define DN_MODEL_NAME_MAX 63          /* longest model name (PostgreSQL's identifier limit) */
#define DN_MODELS_THREADS 4           /* default --threads */

struct dn_model {
	char *name; /* the file's name without .sql: the relation it builds */
	char *file; /* as shown in messages, e.g. models/staging/stg_orders.sql */
	char *text; /* the file's template */
	enum dn_model_mat mat;
	char *unique_key;         /* incremental: comma-separated key columns, or NULL */
	char *incremental_column; /* incremental: filter new rows on it, or NULL */
	char **refs;              /* names given to ref() in the text, in order */
	size_t *ref_at;           /* byte offset in text of each ref's quoted name */
	size_t nrefs;
	size_t *up, nup;     /* models this one refs (no duplicates; set by resolve) */
	size_t *down, ndown; /* models that ref this one */
};

struct dn_models {
	struct dn_model *v;
	size_t n, cap;
	size_t *order; /* a topological order (upstream first); NULL while unresolved or cyclic */
};

/* "view", "table", "incremental"; parse returns 0 or DN_EPARSE. */
const char *dn_model_mat_name(enum dn_model_mat m);
int dn_model_mat_parse(const char *s, enum dn_model_mat *out);

/* An empty set (DN_ENOMEM). */
int dn_models_new(struct dn_models **out, struct dn_error *err);
void dn_models_free(struct dn_models *m); /* NULL does nothing */

/* Add the model in file (as shown; its name is the file's base name without .sql) with template
 * text, reading its config() call. Problems (a bad name, a duplicate name, a bad config() call or
 * value, a template syntax error) go to probs with their line and column; the model is added
 * anyway unless its name is unusable. Returns 0, DN_ELIMIT past DN_MODELS_MAX, DN_ENOMEM. */
int dn_models_add(struct dn_models *m, const char *file, const char *text,
		  struct dn_problems *probs, struct dn_error *err);

/* Resolve every ref() into dependency edges and compute the order. An unknown ref is a problem
 * at its file, line and column (with a suggestion); each cycle is one problem naming its path
 * ("a -> b -> a"). Returns 0 (check probs), DN_ENOMEM. */
int dn_models_resolve(struct dn_models *m, struct dn_problems *probs, struct dn_error *err);

/* Read every .sql file under root/dir (recursively, sorted; names shown as dir/...) and resolve
 * them. A missing folder is an empty set. Returns 0 with *out set (check probs), DN_EIO,
 * DN_ENOMEM. */
int dn_models_load(struct dn_models **out, const char *root, const char *dir,
		   struct dn_problems *probs, struct dn_error *err);

/* Index of model name, or -1. */
long dn_models_find(const struct dn_models *m, const char *name);

/* Mark in sel[0..m->n) the models a selection names: NAME, NAME+ (and everything downstream),
 * +NAME (and everything upstream), +NAME+; several separated by commas or spaces add up.
 * sel is not cleared first. DN_EUSAGE for an unknown name (with a suggestion) or an empty
 * spec. */
int dn_models_select(const struct dn_models *m, const char *spec, unsigned char *sel,
		     struct dn_error *err);

/* Render model i's SQL: the SELECT with config() removed, refs and this quoted, is_incremental
 * as given. Errors name the model's file, line and column. */
int dn_model_render(const struct dn_models *m, size_t i, int incremental, struct dn_buf *out,
		    struct dn_error *err);

enum dn_model_state { DN_MODEL_PENDING = 0, DN_MODEL_OK, DN_MODEL_FAILED, DN_MODEL_SKIPPED };

/* What happened to one model, given to the report callback as it finishes. */
struct dn_model_report {
	const struct dn_model *model;
	enum dn_model_state state;
	enum dn_model_mat built_as; /* incremental models built in full say table */
	int incremental;            /* built incrementally (only new rows) */
	int64_t rows;               /* rows in the relation, or rows inserted incrementally */
	int64_t duration_us;
	const char *error; /* failed: why; skipped: which upstream failed */
};

struct dn_models_run_options {
	const unsigned char *select; /* m->n flags, or NULL for every model */
	int threads;                 /* models built at once; 0 = DN_MODELS_THREADS */
	int full_refresh;            /* rebuild incremental models from scratch */
	/* Called once per selected model as it ends (serialised: never two at once). */
	void (*report)(void *user, const struct dn_model_report *r);
	void *report_user;
};

struct dn_models_result {
	int succeeded, failed, skipped;
	int64_t rows;        /* over the models that succeeded */
	int64_t duration_us; /* wall time of the whole run */
};

/* Build the selected models in dependency order on the warehouse at url (relative sqlite://
 * paths against base_dir), up to o->threads at once, each thread with its own connection. A
 * model whose build fails leaves its relation as it was (a table's replacement is built beside
 * it and swapped in only when complete) and its downstream models are skipped. Returns 0 when
 * the run went to its end (res says how many failed), or a negative code when it could not
 * start (the warehouse cannot be opened, m is unresolved or cyclic, DN_ENOMEM). */
int dn_models_run(const struct dn_models *m, const char *url, const char *base_dir,
		  const struct dn_models_run_options *o, struct dn_models_result *res,
		  struct dn_error *err);


#endif
