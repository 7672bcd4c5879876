/* The metadata store on SQLite: runs, task instances, attempts, outputs, paused pipelines,
 * bookmarks of incremental extractions.
 *
 * Every transition is a single UPDATE whose WHERE clause names the state the caller expects,
 * and sqlite3_changes() tells whether it applied: there is no read-then-write window for a
 * second scheduler to slip into. Claims and run creation touch several rows and run inside
 * BEGIN IMMEDIATE transactions, which take the write lock up front so two processes cannot
 * deadlock upgrading read locks. WAL mode lets readers (status, the UI) run while a scheduler
 * writes; a 10 s busy timeout absorbs short lock waits.
 *
 * Statements are prepared once per call; the store is not on a per-row hot path (a task costs a
 * handful of statements), so the simplicity wins over a statement cache for now. */
#include <sqlite3.h>
#include <string.h>

#include "pipeline.h"

#define SCHEMA_VERSION 4 /* 2: task_instances.pool; 3: bookmarks; 4: quality history */

/* Prepared statements are kept per handle, keyed by the address of their SQL text (every
 * statement here is a string literal): preparing costs more than running most of them. */
#define STMT_CACHE 64

struct dn_meta {
	sqlite3 *db;
	char *path;
	const char *cache_sql[STMT_CACHE];
	sqlite3_stmt *cache_st[STMT_CACHE];
	int ncache;
};

/* Give a statement back: reset for reuse when cached, finalized otherwise. */
static void release(struct dn_meta *m, sqlite3_stmt *st)
{
	if (!st)
		return;
	for (int i = 0; i < m->ncache; i++)
		if (m->cache_st[i] == st) {
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			return;
		}
	sqlite3_finalize(st);
}

static const char *const run_states[] = {NULL, "queued", "running", "success", "failed"};
static const char *const ti_states[] = {NULL,      "none",   "queued",       "running",
					"success", "failed", "up_for_retry", "upstream_failed",
					"skipped"};

const char *dn_run_state_name(enum dn_run_state s)
{
	return s >= DN_RUN_QUEUED && s <= DN_RUN_FAILED ? run_states[s] : "unknown";
}

const char *dn_ti_state_name(enum dn_ti_state s)
{
	return s >= DN_TI_NONE && s <= DN_TI_SKIPPED ? ti_states[s] : "unknown";
}

int dn_ti_state_parse(const char *s, enum dn_ti_state *out)
{
	for (int i = DN_TI_NONE; i <= DN_TI_SKIPPED; i++)
		if (strcmp(s, ti_states[i]) == 0) {
			*out = (enum dn_ti_state)i;
			return 0;
		}
	return DN_EPARSE;
}

static int run_state_parse(const char *s)
{
	for (int i = DN_RUN_QUEUED; i <= DN_RUN_FAILED; i++)
		if (s && strcmp(s, run_states[i]) == 0)
			return i;
	return 0;
}

static int db_error(struct dn_meta *m, struct dn_error *err, const char *what)
{
	return dn_error_set(err, DN_EIO, "metadata store %s: %s: %s", m->path, what,
			    sqlite3_errmsg(m->db));
}

static int exec_sql(struct dn_meta *m, const char *sql, struct dn_error *err)
{
	char *msg = NULL;
	if (sqlite3_exec(m->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		int rc = dn_error_set(err, DN_EIO, "metadata store %s: %s", m->path,
				      msg ? msg : sqlite3_errmsg(m->db));
		sqlite3_free(msg);
		return rc;
	}
	return 0;
}

/* Prepare sql and bind arguments described by fmt: 'i' int64, 's' text (NULL allowed). */
static sqlite3_stmt *prep(struct dn_meta *m, struct dn_error *err, const char *sql, const char *fmt,
			  ...)
{
	sqlite3_stmt *st = NULL;
	for (int i = 0; i < m->ncache && !st; i++)
		if (m->cache_sql[i] == sql)
			st = m->cache_st[i];
	if (!st) {
		if (sqlite3_prepare_v2(m->db, sql, -1, &st, NULL) != SQLITE_OK) {
			db_error(m, err, "preparing a statement");
			return NULL;
		}
		if (m->ncache < STMT_CACHE) {
			m->cache_sql[m->ncache] = sql;
			m->cache_st[m->ncache++] = st;
		}
	}
	va_list ap;
	va_start(ap, fmt);
	for (int i = 0; fmt[i]; i++) {
		int rc;
		if (fmt[i] == 'i') {
			rc = sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
		} else {
			const char *s = va_arg(ap, const char *);
			rc = s ? sqlite3_bind_text(st, i + 1, s, -1, SQLITE_TRANSIENT) :
				 sqlite3_bind_null(st, i + 1);
		}
		if (rc != SQLITE_OK) {
			va_end(ap);
			db_error(m, err, "binding a value");
			release(m, st);
			return NULL;
		}
	}
	va_end(ap);
	return st;
}

/* Run a statement to completion; returns the number of rows changed or an error. */
static int step_done(struct dn_meta *m, sqlite3_stmt *st, struct dn_error *err)
{
	if (!st)
		return DN_EIO;
	int rc = sqlite3_step(st);
	release(m, st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return db_error(m, err, "writing");
	return sqlite3_changes(m->db);
}

static const char schema_sql[] =
	"CREATE TABLE IF NOT EXISTS dunya_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS pipelines(id TEXT PRIMARY KEY,"
	" paused INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE IF NOT EXISTS runs(id INTEGER PRIMARY KEY, pipeline TEXT NOT NULL,"
	" run_id TEXT NOT NULL, kind TEXT NOT NULL, state TEXT NOT NULL, params TEXT,"
	" interval_start INTEGER, interval_end INTEGER, created_at INTEGER NOT NULL,"
	" started_at INTEGER, ended_at INTEGER, UNIQUE(pipeline, run_id));"
	"CREATE INDEX IF NOT EXISTS runs_by_interval ON runs(pipeline, interval_start);"
	"CREATE TABLE IF NOT EXISTS task_instances(run INTEGER NOT NULL REFERENCES runs(id),"
	" task TEXT NOT NULL, seq INTEGER NOT NULL, state TEXT NOT NULL,"
	" try_number INTEGER NOT NULL DEFAULT 0, max_tries INTEGER NOT NULL DEFAULT 1,"
	" next_try_at INTEGER, pid INTEGER, host TEXT, heartbeat_at INTEGER,"
	" started_at INTEGER, ended_at INTEGER, pool TEXT, PRIMARY KEY(run, task));"
	"CREATE INDEX IF NOT EXISTS ti_by_state ON task_instances(state);"
	"CREATE TABLE IF NOT EXISTS attempts(run INTEGER NOT NULL, task TEXT NOT NULL,"
	" try INTEGER NOT NULL, state TEXT NOT NULL, pid INTEGER, host TEXT,"
	" started_at INTEGER, ended_at INTEGER, exit_code INTEGER, error TEXT, log_path TEXT,"
	" PRIMARY KEY(run, task, try));"
	"CREATE TABLE IF NOT EXISTS outputs(run INTEGER NOT NULL, task TEXT NOT NULL,"
	" key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY(run, task, key));"
	"CREATE TABLE IF NOT EXISTS bookmarks(pipeline TEXT NOT NULL, task TEXT NOT NULL,"
	" value TEXT NOT NULL, updated_at INTEGER NOT NULL, PRIMARY KEY(pipeline, task));"
	"CREATE TABLE IF NOT EXISTS quality_history(suite TEXT NOT NULL, target TEXT NOT NULL,"
	" check_name TEXT NOT NULL, at INTEGER NOT NULL, value REAL, status TEXT NOT NULL);"
	"CREATE INDEX IF NOT EXISTS quality_history_by_check"
	" ON quality_history(suite, target, check_name, at);"
	"CREATE TABLE IF NOT EXISTS quality_reports(suite TEXT NOT NULL, target TEXT NOT NULL,"
	" at INTEGER NOT NULL, status TEXT NOT NULL, score REAL, json_path TEXT, html_path TEXT,"
	" pipeline TEXT, task TEXT, run_id TEXT);";

int dn_meta_open(struct dn_meta **out, const char *path, struct dn_error *err)
{
	struct dn_meta *m = dn_calloc(1, sizeof *m);
	int rc = 0;
	*out = NULL;
	if (!m || !(m->path = dn_strdup(path))) {
		dn_free(m);
		return dn_error_set(err, DN_ENOMEM, "out of memory opening %s", path);
	}
	if (sqlite3_open_v2(path, &m->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		rc = dn_error_set(err, DN_EIO, "cannot open the metadata store %s: %s", path,
				  m->db ? sqlite3_errmsg(m->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(m->db, 10000);
	if ((rc = exec_sql(m,
			   "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
			   "PRAGMA foreign_keys=ON;",
			   err)) < 0 ||
	    (rc = exec_sql(m, "BEGIN IMMEDIATE", err)) < 0)
		goto fail;
	if ((rc = exec_sql(m, schema_sql, err)) < 0) {
		exec_sql(m, "ROLLBACK", NULL);
		goto fail;
	}
	sqlite3_stmt *st = prep(m, err, "SELECT value FROM dunya_meta WHERE key='schema'", "");
	int version = 0;
	if (st && sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	release(m, st);
	if (version > SCHEMA_VERSION) {
		exec_sql(m, "ROLLBACK", NULL);
		rc = dn_error_set(err, DN_ENOTSUP,
				  "metadata store %s has schema version %d; this dunya knows up to "
				  "%d: upgrade dunya",
				  path, version, SCHEMA_VERSION);
		goto fail;
	}
	if (version == 0 &&
	    (rc = exec_sql(m, "INSERT INTO dunya_meta VALUES('schema', '4')", err)) < 0) {
		exec_sql(m, "ROLLBACK", NULL);
		goto fail;
	}
	/* Version 1 stores lack the pool of running tasks. */
	if (version == 1 &&
	    ((rc = exec_sql(m, "ALTER TABLE task_instances ADD COLUMN pool TEXT", err)) < 0 ||
	     (rc = exec_sql(m, "UPDATE dunya_meta SET value='2' WHERE key='schema'", err)) < 0)) {
		exec_sql(m, "ROLLBACK", NULL);
		goto fail;
	}
	/* Version 2 stores lack bookmarks; schema_sql above has just created the table. */
	if ((version == 1 || version == 2) &&
	    (rc = exec_sql(m, "UPDATE dunya_meta SET value='3' WHERE key='schema'", err)) < 0) {
		exec_sql(m, "ROLLBACK", NULL);
		goto fail;
	}
	/* Version 3 stores lack the quality tables; schema_sql above has just created them. */
	if (version >= 1 && version <= 3 &&
	    (rc = exec_sql(m, "UPDATE dunya_meta SET value='4' WHERE key='schema'", err)) < 0) {
		exec_sql(m, "ROLLBACK", NULL);
		goto fail;
	}
	if ((rc = exec_sql(m, "COMMIT", err)) < 0)
		goto fail;
	*out = m;
	return 0;
fail:
	dn_meta_close(m);
	return rc;
}

void dn_meta_close(struct dn_meta *m)
{
	if (!m)
		return;
	for (int i = 0; i < m->ncache; i++)
		sqlite3_finalize(m->cache_st[i]);
	sqlite3_close(m->db);
	dn_free(m->path);
	dn_free(m);
}

int dn_meta_run_create(struct dn_meta *m, const struct dn_run_new *r, int64_t now, int64_t *id,
		       struct dn_error *err)
{
	int rc;
	DN_TRY(exec_sql(m, "BEGIN IMMEDIATE", err));
	sqlite3_stmt *st = prep(m, err, "SELECT id FROM runs WHERE pipeline=? AND run_id=?", "ss",
				r->pipeline, r->run_id);
	if (!st) {
		rc = DN_EIO;
		goto rollback;
	}
	if (sqlite3_step(st) == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		release(m, st);
		exec_sql(m, "ROLLBACK", NULL);
		return 0;
	}
	release(m, st);
	rc = step_done(m,
		       prep(m, err,
			    "INSERT INTO runs(pipeline, run_id, kind, state, params,"
			    " interval_start, interval_end, created_at)"
			    " VALUES(?,?,?,'queued',?,?,?,?)",
			    "ssssiii", r->pipeline, r->run_id, r->kind ? r->kind : "manual",
			    r->params_json, r->interval_start, r->interval_end, now),
		       err);
	if (rc < 0)
		goto rollback;
	*id = sqlite3_last_insert_rowid(m->db);
	rc = step_done(m,
		       prep(m, err, "INSERT OR IGNORE INTO pipelines(id) VALUES(?)", "s",
			    r->pipeline),
		       err);
	if (rc < 0)
		goto rollback;
	for (int i = 0; i < r->ntasks; i++) {
		rc = step_done(m,
			       prep(m, err,
				    "INSERT INTO task_instances(run, task, seq, state, max_tries)"
				    " VALUES(?,?,?,'none',?)",
				    "isii", *id, r->tasks[i], (int64_t)i,
				    (int64_t)(r->max_tries ? r->max_tries[i] : 1)),
			       err);
		if (rc < 0)
			goto rollback;
	}
	DN_TRY(exec_sql(m, "COMMIT", err));
	return 1;
rollback:
	exec_sql(m, "ROLLBACK", NULL);
	return rc;
}

/* In the statements below `ended_at=NULL*?` clears the column while still taking the bound
 * time, so every transition binds the same arguments. */
static int is_final_run(enum dn_run_state s)
{
	return s == DN_RUN_SUCCESS || s == DN_RUN_FAILED;
}

int dn_meta_run_transition(struct dn_meta *m, int64_t run, enum dn_run_state from,
			   enum dn_run_state to, int64_t now, struct dn_error *err)
{
	const char *sql = to == DN_RUN_RUNNING ?
				  "UPDATE runs SET state=?, started_at=coalesce(started_at, ?)"
				  " WHERE id=? AND state=?" :
			  is_final_run(to) ?
				  "UPDATE runs SET state=?, ended_at=? WHERE id=? AND state=?" :
				  "UPDATE runs SET state=?, ended_at=NULL*? WHERE id=? AND state=?";
	int rc = step_done(m,
			   prep(m, err, sql, "siis", dn_run_state_name(to), now, run,
				dn_run_state_name(from)),
			   err);
	return rc < 0 ? rc : rc > 0;
}

static int is_final_ti(enum dn_ti_state s)
{
	return s == DN_TI_SUCCESS || s == DN_TI_FAILED || s == DN_TI_UPSTREAM_FAILED ||
	       s == DN_TI_SKIPPED;
}

int dn_meta_task_transition(struct dn_meta *m, int64_t run, const char *task, enum dn_ti_state from,
			    enum dn_ti_state to, int64_t now, struct dn_error *err)
{
	const char *sql = is_final_ti(to) ? "UPDATE task_instances SET state=?, ended_at=?"
					    " WHERE run=? AND task=? AND state=?" :
					    "UPDATE task_instances SET state=?, ended_at=NULL*?"
					    " WHERE run=? AND task=? AND state=?";
	int rc = step_done(m,
			   prep(m, err, sql, "siiss", dn_ti_state_name(to), now, run, task,
				dn_ti_state_name(from)),
			   err);
	return rc < 0 ? rc : rc > 0;
}

int dn_meta_task_claim(struct dn_meta *m, int64_t run, const char *task, int pid, const char *host,
		       int64_t now, int *try_number, struct dn_error *err)
{
	return dn_meta_task_claim_slot(m, run, task, pid, host, now, NULL, -1, -1, try_number, err);
}

/* Running tasks in the whole store, or in one pool (inside the claim's transaction). */
static int count_running(struct dn_meta *m, const char *pool, struct dn_error *err)
{
	sqlite3_stmt *st =
		pool ? prep(m, err,
			    "SELECT count(*) FROM task_instances WHERE state='running' AND pool=?",
			    "s", pool) :
		       prep(m, err, "SELECT count(*) FROM task_instances WHERE state='running'",
			    "");
	if (!st)
		return DN_EIO;
	int n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	release(m, st);
	return n < 0 ? db_error(m, err, "counting running tasks") : n;
}

int dn_meta_task_claim_slot(struct dn_meta *m, int64_t run, const char *task, int pid,
			    const char *host, int64_t now, const char *pool, int pool_slots,
			    int global_slots, int *try_number, struct dn_error *err)
{
	int rc;
	DN_TRY(exec_sql(m, "BEGIN IMMEDIATE", err));
	/* The write lock is held: no other process can claim between the count and the update. */
	for (int k = 0; k < 2; k++) {
		int limit = k == 0 ? global_slots : (pool ? pool_slots : -1);
		if (limit < 0)
			continue;
		int used = count_running(m, k == 0 ? NULL : pool, err);
		if (used < 0 || used >= limit) {
			exec_sql(m, "ROLLBACK", NULL);
			return used < 0 ? used : 2;
		}
	}
	rc = step_done(m,
		       prep(m, err,
			    "UPDATE task_instances SET state='running', try_number=try_number+1,"
			    " pid=?, host=?, heartbeat_at=?, started_at=?, ended_at=NULL,"
			    " next_try_at=NULL, pool=? WHERE run=? AND task=? AND"
			    " (state='queued' OR"
			    " (state='up_for_retry' AND coalesce(next_try_at, 0) <= ?))",
			    "isiisisi", (int64_t)pid, host, now, now, pool, run, task, now),
		       err);
	if (rc <= 0) {
		exec_sql(m, "ROLLBACK", NULL);
		return rc;
	}
	sqlite3_stmt *st = prep(m, err,
				"SELECT try_number FROM task_instances WHERE run=? AND task=?",
				"is", run, task);
	if (!st || sqlite3_step(st) != SQLITE_ROW) {
		release(m, st);
		exec_sql(m, "ROLLBACK", NULL);
		return db_error(m, err, "reading a claimed task");
	}
	*try_number = sqlite3_column_int(st, 0);
	release(m, st);
	rc = step_done(m,
		       prep(m, err,
			    "INSERT OR REPLACE INTO attempts(run, task, try, state, pid, host,"
			    " started_at) VALUES(?,?,?,'running',?,?,?)",
			    "isiisi", run, task, (int64_t)*try_number, (int64_t)pid, host, now),
		       err);
	if (rc < 0) {
		exec_sql(m, "ROLLBACK", NULL);
		return rc;
	}
	DN_TRY(exec_sql(m, "COMMIT", err));
	return 1;
}

int dn_meta_task_finish(struct dn_meta *m, int64_t run, const char *task, int try_number,
			enum dn_ti_state to, int exit_code, const char *error, const char *log_path,
			int64_t next_try_at, int64_t now, struct dn_error *err)
{
	if (to != DN_TI_SUCCESS && to != DN_TI_FAILED && to != DN_TI_UP_FOR_RETRY)
		return dn_error_set(err, DN_EINVAL,
				    "a task attempt ends in success, failed or "
				    "up_for_retry, not %s",
				    dn_ti_state_name(to));
	int rc;
	DN_TRY(exec_sql(m, "BEGIN IMMEDIATE", err));
	rc = step_done(m,
		       prep(m, err,
			    "UPDATE task_instances SET state=?, ended_at=?, pid=NULL,"
			    " next_try_at=? WHERE run=? AND task=? AND state='running'"
			    " AND try_number=?",
			    "siiisi", dn_ti_state_name(to), to == DN_TI_UP_FOR_RETRY ? 0 : now,
			    to == DN_TI_UP_FOR_RETRY ? next_try_at : 0, run, task,
			    (int64_t)try_number),
		       err);
	if (rc <= 0) {
		exec_sql(m, "ROLLBACK", NULL);
		return rc;
	}
	rc = step_done(m,
		       prep(m, err,
			    "UPDATE attempts SET state=?, ended_at=?, exit_code=?, error=?,"
			    " log_path=? WHERE run=? AND task=? AND try=?",
			    "siissisi", to == DN_TI_SUCCESS ? "success" : "failed", now,
			    (int64_t)exit_code, error, log_path, run, task, (int64_t)try_number),
		       err);
	if (rc < 0) {
		exec_sql(m, "ROLLBACK", NULL);
		return rc;
	}
	DN_TRY(exec_sql(m, "COMMIT", err));
	return 1;
}

int dn_meta_task_heartbeat(struct dn_meta *m, int64_t run, const char *task, int try_number,
			   int64_t now, struct dn_error *err)
{
	int rc = step_done(m,
			   prep(m, err,
				"UPDATE task_instances SET heartbeat_at=? WHERE run=? AND task=?"
				" AND state='running' AND try_number=?",
				"iisi", now, run, task, (int64_t)try_number),
			   err);
	return rc < 0 ? rc : rc > 0;
}

int dn_meta_output_set(struct dn_meta *m, int64_t run, const char *task, const char *key,
		       const char *value, struct dn_error *err)
{
	int rc = step_done(m,
			   prep(m, err, "INSERT OR REPLACE INTO outputs VALUES(?,?,?,?)", "isss",
				run, task, key, value),
			   err);
	return rc < 0 ? rc : 0;
}

/* Step st (a statement selecting one text column) once: 1 and a copy in *out (dn_free), 0 when
 * there is no row. Releases st. */
static int one_text(struct dn_meta *m, sqlite3_stmt *st, char **out, const char *what,
		    struct dn_error *err)
{
	*out = NULL;
	if (!st)
		return DN_EIO;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = dn_strdup((const char *)sqlite3_column_text(st, 0));
		rc = *out ? 1 : dn_error_set(err, DN_ENOMEM, "out of memory");
	} else {
		rc = rc == SQLITE_DONE ? 0 : db_error(m, err, what);
	}
	release(m, st);
	return rc;
}

int dn_meta_output_get(struct dn_meta *m, int64_t run, const char *task, const char *key,
		       char **value, struct dn_error *err)
{
	return one_text(m,
			prep(m, err, "SELECT value FROM outputs WHERE run=? AND task=? AND key=?",
			     "iss", run, task, key),
			value, "reading an output", err);
}

int dn_meta_bookmark_set(struct dn_meta *m, const char *pipeline, const char *task,
			 const char *value, int64_t now, struct dn_error *err)
{
	int rc = step_done(m,
			   prep(m, err, "INSERT OR REPLACE INTO bookmarks VALUES(?,?,?,?)", "sssi",
				pipeline, task, value, now),
			   err);
	return rc < 0 ? rc : 0;
}

int dn_meta_bookmark_get(struct dn_meta *m, const char *pipeline, const char *task, char **value,
			 struct dn_error *err)
{
	return one_text(m,
			prep(m, err, "SELECT value FROM bookmarks WHERE pipeline=? AND task=?",
			     "ss", pipeline, task),
			value, "reading a bookmark", err);
}

static void copy_text(char *dst, size_t n, const unsigned char *s)
{
	snprintf(dst, n, "%s", s ? (const char *)s : "");
}

static void fill_run(sqlite3_stmt *st, struct dn_meta_run *r)
{
	memset(r, 0, sizeof *r);
	r->id = sqlite3_column_int64(st, 0);
	copy_text(r->pipeline, sizeof r->pipeline, sqlite3_column_text(st, 1));
	copy_text(r->run_id, sizeof r->run_id, sqlite3_column_text(st, 2));
	copy_text(r->kind, sizeof r->kind, sqlite3_column_text(st, 3));
	r->state = (enum dn_run_state)run_state_parse((const char *)sqlite3_column_text(st, 4));
	r->interval_start = sqlite3_column_int64(st, 5);
	r->interval_end = sqlite3_column_int64(st, 6);
	r->created_at = sqlite3_column_int64(st, 7);
	r->started_at = sqlite3_column_int64(st, 8);
	r->ended_at = sqlite3_column_int64(st, 9);
}

#define RUN_COLS                                                                                   \
	"id, pipeline, run_id, kind, state, interval_start, interval_end, created_at,"             \
	" started_at, ended_at"

int dn_meta_runs_list(struct dn_meta *m, const char *pipeline, int limit, struct dn_meta_run **rows,
		      int *n, struct dn_error *err)
{
	*rows = NULL;
	*n = 0;
	sqlite3_stmt *st = prep(m, err,
				"SELECT " RUN_COLS " FROM runs WHERE (?1 IS NULL OR pipeline=?1)"
				" ORDER BY interval_start DESC, id DESC LIMIT ?2",
				"si", pipeline, (int64_t)(limit > 0 ? limit : -1));
	if (!st)
		return DN_EIO;
	int rc, cap = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			struct dn_meta_run *nr = dn_realloc(*rows, sizeof *nr * (size_t)cap);
			if (!nr) {
				release(m, st);
				return dn_error_set(err, DN_ENOMEM, "out of memory listing runs");
			}
			*rows = nr;
		}
		fill_run(st, &(*rows)[(*n)++]);
	}
	release(m, st);
	return rc == SQLITE_DONE ? 0 : db_error(m, err, "listing runs");
}

int dn_meta_run_get(struct dn_meta *m, int64_t run, struct dn_meta_run *row, struct dn_error *err)
{
	sqlite3_stmt *st = prep(m, err, "SELECT " RUN_COLS " FROM runs WHERE id=?", "i", run);
	if (!st)
		return DN_EIO;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		fill_run(st, row);
	release(m, st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : db_error(m, err, "reading a run");
}

int dn_meta_tasks_list(struct dn_meta *m, int64_t run, struct dn_meta_task **rows, int *n,
		       struct dn_error *err)
{
	*rows = NULL;
	*n = 0;
	sqlite3_stmt *st = prep(m, err,
				"SELECT task, state, try_number, max_tries, coalesce(pid, 0),"
				" next_try_at, heartbeat_at, started_at, ended_at"
				" FROM task_instances WHERE run=? ORDER BY seq",
				"i", run);
	if (!st)
		return DN_EIO;
	int rc, cap = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			struct dn_meta_task *nr = dn_realloc(*rows, sizeof *nr * (size_t)cap);
			if (!nr) {
				release(m, st);
				return dn_error_set(err, DN_ENOMEM, "out of memory listing tasks");
			}
			*rows = nr;
		}
		struct dn_meta_task *t = &(*rows)[(*n)++];
		memset(t, 0, sizeof *t);
		copy_text(t->task, sizeof t->task, sqlite3_column_text(st, 0));
		enum dn_ti_state s = DN_TI_NONE;
		dn_ti_state_parse((const char *)sqlite3_column_text(st, 1), &s);
		t->state = s;
		t->try_number = sqlite3_column_int(st, 2);
		t->max_tries = sqlite3_column_int(st, 3);
		t->pid = sqlite3_column_int(st, 4);
		t->next_try_at = sqlite3_column_int64(st, 5);
		t->heartbeat_at = sqlite3_column_int64(st, 6);
		t->started_at = sqlite3_column_int64(st, 7);
		t->ended_at = sqlite3_column_int64(st, 8);
	}
	release(m, st);
	return rc == SQLITE_DONE ? 0 : db_error(m, err, "listing tasks");
}

int dn_meta_pipeline_set_paused(struct dn_meta *m, const char *pipeline, int paused,
				struct dn_error *err)
{
	int rc = step_done(m,
			   prep(m, err,
				"INSERT INTO pipelines(id, paused) VALUES(?1, ?2)"
				" ON CONFLICT(id) DO UPDATE SET paused=?2",
				"si", pipeline, (int64_t)(paused != 0)),
			   err);
	return rc < 0 ? rc : 0;
}

int dn_meta_pipeline_paused(struct dn_meta *m, const char *pipeline, struct dn_error *err)
{
	sqlite3_stmt *st = prep(m, err, "SELECT paused FROM pipelines WHERE id=?", "s", pipeline);
	if (!st)
		return DN_EIO;
	int rc = sqlite3_step(st);
	int paused = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) != 0 : 0;
	release(m, st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_error(m, err, "reading a pipeline");
	return paused;
}

int dn_meta_run_find(struct dn_meta *m, const char *pipeline, const char *run_id,
		     struct dn_meta_run *row, struct dn_error *err)
{
	sqlite3_stmt *st = prep(m, err,
				"SELECT " RUN_COLS " FROM runs WHERE pipeline=? AND run_id=?", "ss",
				pipeline, run_id);
	if (!st)
		return DN_EIO;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		fill_run(st, row);
	release(m, st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : db_error(m, err, "finding a run");
}

/* One indexed lookup (runs_by_interval): whatever the kind of the run that succeeded, the
 * interval's data is there. */
int dn_meta_interval_succeeded(struct dn_meta *m, const char *pipeline, int64_t interval_start,
			       struct dn_error *err)
{
	sqlite3_stmt *st = prep(m, err,
				"SELECT EXISTS(SELECT 1 FROM runs WHERE pipeline=? AND"
				" interval_start=? AND state='success')",
				"si", pipeline, interval_start);
	if (!st)
		return DN_EIO;
	int rc = sqlite3_step(st);
	int found = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) != 0 : 0;
	release(m, st);
	if (rc != SQLITE_ROW)
		return db_error(m, err, "reading a pipeline's runs");
	return found;
}

int dn_meta_run_params(struct dn_meta *m, int64_t run, char **json, struct dn_error *err)
{
	return one_text(m,
			prep(m, err, "SELECT coalesce(params, '{}') FROM runs WHERE id=?", "i",
			     run),
			json, "reading a run", err);
}

int dn_meta_attempt_set_pid(struct dn_meta *m, int64_t run, const char *task, int try_number,
			    int pid, struct dn_error *err)
{
	int rc =
		step_done(m,
			  prep(m, err, "UPDATE attempts SET pid=? WHERE run=? AND task=? AND try=?",
			       "iisi", (int64_t)pid, run, task, (int64_t)try_number),
			  err);
	return rc < 0 ? rc : 0;
}

int dn_meta_attempt_pid(struct dn_meta *m, int64_t run, const char *task, int try_number, int *pid,
			struct dn_error *err)
{
	*pid = 0;
	sqlite3_stmt *st =
		prep(m, err,
		     "SELECT coalesce(pid, 0) FROM attempts WHERE run=? AND task=? AND try=?",
		     "isi", run, task, (int64_t)try_number);
	if (!st)
		return DN_EIO;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*pid = sqlite3_column_int(st, 0);
	release(m, st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_error(m, err, "reading an attempt");
	return rc == SQLITE_ROW && *pid > 0;
}

int dn_meta_quality_add(struct dn_meta *m, const char *suite, const char *target, const char *check,
			int64_t at, int has_value, double value, const char *status,
			struct dn_error *err)
{
	sqlite3_stmt *st = prep(m, err, "INSERT INTO quality_history VALUES(?,?,?,?,?,?)", "sssi",
				suite, target, check, at);
	if (!st)
		return DN_EIO;
	if ((has_value ? sqlite3_bind_double(st, 5, value) : sqlite3_bind_null(st, 5)) !=
		    SQLITE_OK ||
	    sqlite3_bind_text(st, 6, status, -1, SQLITE_TRANSIENT) != SQLITE_OK) {
		release(m, st);
		return db_error(m, err, "binding a value");
	}
	int rc = step_done(m, st, err);
	return rc < 0 ? rc : 0;
}

int dn_meta_quality_history(struct dn_meta *m, const char *suite, const char *target,
			    const char *check, int64_t before, int limit, double **values,
			    int64_t **ats, int *n, struct dn_error *err)
{
	*values = NULL;
	*ats = NULL;
	*n = 0;
	sqlite3_stmt *st = prep(m, err,
				"SELECT at, value FROM quality_history WHERE suite=? AND target=? "
				"AND check_name=? AND at<=? AND value IS NOT NULL "
				"ORDER BY at DESC, rowid DESC LIMIT ?",
				"sssii", suite, target, check, before, (int64_t)limit);
	if (!st)
		return DN_EIO;
	double *v = dn_calloc((size_t)(limit > 0 ? limit : 1), sizeof *v);
	int64_t *a = dn_calloc((size_t)(limit > 0 ? limit : 1), sizeof *a);
	int k = 0, rc;
	if (!v || !a) {
		release(m, st);
		dn_free(v);
		dn_free(a);
		return dn_error_set(err, DN_ENOMEM, "out of memory reading quality history");
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && k < limit) {
		a[k] = sqlite3_column_int64(st, 0);
		v[k++] = sqlite3_column_double(st, 1);
	}
	release(m, st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		dn_free(v);
		dn_free(a);
		return db_error(m, err, "reading quality history");
	}
	for (int i = 0; i < k / 2; i++) { /* oldest first */
		double tv = v[i];
		int64_t ta = a[i];
		v[i] = v[k - 1 - i];
		a[i] = a[k - 1 - i];
		v[k - 1 - i] = tv;
		a[k - 1 - i] = ta;
	}
	*values = v;
	*ats = a;
	*n = k;
	return 0;
}

int dn_meta_quality_report_add(struct dn_meta *m, const struct dn_meta_quality_report *q,
			       struct dn_error *err)
{
	sqlite3_stmt *st = prep(m, err,
				"INSERT INTO quality_reports VALUES(?,?,?,?,NULL,?,?,?,?,?)",
				"ssissssss", q->suite, q->target, q->at, q->status, q->json_path,
				q->html_path, q->pipeline, q->task, q->run_id);
	if (!st)
		return DN_EIO;
	if (sqlite3_bind_double(st, 5, q->score) != SQLITE_OK) {
		release(m, st);
		return db_error(m, err, "binding a value");
	}
	int rc = step_done(m, st, err);
	return rc < 0 ? rc : 0;
}

int dn_meta_quality_reports(struct dn_meta *m, int limit, struct dn_meta_quality_report **rows,
			    int *n, struct dn_error *err)
{
	*rows = NULL;
	*n = 0;
	sqlite3_stmt *st = prep(m, err,
				"SELECT suite, target, at, status, score, json_path, html_path,"
				" pipeline, task, run_id FROM quality_reports"
				" ORDER BY at DESC, rowid DESC LIMIT ?",
				"i", (int64_t)(limit > 0 ? limit : 1000000));
	if (!st)
		return DN_EIO;
	struct dn_meta_quality_report *v = NULL;
	int k = 0, cap = 0, rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (k == cap) {
			cap = cap ? 2 * cap : 16;
			struct dn_meta_quality_report *nv = dn_realloc(v, (size_t)cap * sizeof *v);
			if (!nv) {
				release(m, st);
				dn_free(v);
				return dn_error_set(err, DN_ENOMEM,
						    "out of memory listing reports");
			}
			v = nv;
		}
		struct dn_meta_quality_report *q = &v[k++];
		memset(q, 0, sizeof *q);
		copy_text(q->suite_buf, sizeof q->suite_buf, sqlite3_column_text(st, 0));
		copy_text(q->target_buf, sizeof q->target_buf, sqlite3_column_text(st, 1));
		q->at = sqlite3_column_int64(st, 2);
		copy_text(q->status_buf, sizeof q->status_buf, sqlite3_column_text(st, 3));
		q->score = sqlite3_column_double(st, 4);
		copy_text(q->json_buf, sizeof q->json_buf, sqlite3_column_text(st, 5));
		copy_text(q->html_buf, sizeof q->html_buf, sqlite3_column_text(st, 6));
		copy_text(q->pipeline_buf, sizeof q->pipeline_buf, sqlite3_column_text(st, 7));
		copy_text(q->task_buf, sizeof q->task_buf, sqlite3_column_text(st, 8));
		copy_text(q->run_buf, sizeof q->run_buf, sqlite3_column_text(st, 9));
	}
	release(m, st);
	if (rc != SQLITE_DONE) {
		dn_free(v);
		return db_error(m, err, "listing quality reports");
	}
	for (int i = 0; i < k; i++) {
		struct dn_meta_quality_report *q = &v[i];
		q->suite = q->suite_buf;
		q->target = q->target_buf;
		q->status = q->status_buf;
		q->json_path = q->json_buf;
		q->html_path = q->html_buf;
		q->pipeline = q->pipeline_buf;
		q->task = q->task_buf;
		q->run_id = q->run_buf;
	}
	*rows = v;
	*n = k;
	return 0;
}
