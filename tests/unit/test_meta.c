/* The metadata store: runs and task instances created together, conditional transitions that
 * apply once, claims that only one of two racing handles wins, retries, outputs, listings,
 * paused pipelines, and a store written by a newer dunya. */
#include <sqlite3.h>

#include "../../src/pipeline/pipeline.h"
#include "../test.h"

static struct dn_meta *open_store(const char *name, struct dn_error *err)
{
	struct dn_meta *m = NULL;
	if (dn_meta_open(&m, dn_test_tmp_path(name), err) < 0)
		return NULL;
	return m;
}

static int64_t new_run(struct dn_meta *m, const char *run_id, struct dn_error *err)
{
	static const char *const tasks[] = {"extract", "load", "report"};
	static const int tries[] = {1, 3, 1};
	struct dn_run_new r = {"sales", run_id, "scheduled", "{\"region\":\"eu\"}", 1000, 2000,
			       3,       tasks,  tries};
	int64_t id = 0;
	if (dn_meta_run_create(m, &r, 5, &id, err) < 0)
		return -1;
	return id;
}

DN_TEST(meta_runs_and_transitions)
{
	struct dn_error err;
	struct dn_meta *m = open_store("meta1.db", &err);
	CHECK(m != NULL);
	int64_t id = new_run(m, "scheduled__1", &err);
	CHECK(id > 0);
	/* The same run id again: nothing new, the existing id back. */
	static const char *const one[] = {"x"};
	struct dn_run_new again = {"sales", "scheduled__1", "manual", NULL, 0, 0, 1, one, NULL};
	int64_t id2 = 0;
	CHECK_INT(dn_meta_run_create(m, &again, 6, &id2, &err), 0);
	CHECK_INT(id2, id);
	struct dn_meta_task *t;
	int n;
	CHECK_OK(dn_meta_tasks_list(m, id, &t, &n, &err), &err);
	CHECK_INT(n, 3);
	CHECK_STR(t[0].task, "extract");
	CHECK_STR(t[1].task, "load");
	CHECK_INT(t[1].max_tries, 3);
	CHECK_INT(t[2].state, DN_TI_NONE);
	dn_free(t);
	/* Conditional: applies once; a second identical transition finds the new state. */
	CHECK_INT(dn_meta_run_transition(m, id, DN_RUN_QUEUED, DN_RUN_RUNNING, 10, &err), 1);
	CHECK_INT(dn_meta_run_transition(m, id, DN_RUN_QUEUED, DN_RUN_RUNNING, 11, &err), 0);
	CHECK_INT(dn_meta_task_transition(m, id, "extract", DN_TI_NONE, DN_TI_QUEUED, 12, &err), 1);
	CHECK_INT(dn_meta_task_transition(m, id, "extract", DN_TI_NONE, DN_TI_QUEUED, 12, &err), 0);
	CHECK_INT(dn_meta_task_transition(m, id, "nosuch", DN_TI_NONE, DN_TI_QUEUED, 12, &err), 0);
	CHECK_INT(dn_meta_run_transition(m, id, DN_RUN_RUNNING, DN_RUN_SUCCESS, 99, &err), 1);
	struct dn_meta_run r;
	CHECK_INT(dn_meta_run_get(m, id, &r, &err), 1);
	CHECK_STR(r.run_id, "scheduled__1");
	CHECK_STR(r.kind, "scheduled");
	CHECK_INT(r.state, DN_RUN_SUCCESS);
	CHECK_INT(r.started_at, 10);
	CHECK_INT(r.ended_at, 99);
	CHECK_INT(r.interval_start, 1000);
	CHECK_INT(dn_meta_run_get(m, id + 100, &r, &err), 0);
	dn_meta_close(m);
}

DN_TEST(meta_claims_race_and_retries)
{
	struct dn_error err;
	struct dn_meta *a = open_store("meta2.db", &err), *b = NULL;
	CHECK(a != NULL);
	CHECK_OK(dn_meta_open(&b, dn_test_tmp_path("meta2.db"), &err), &err);
	int64_t id = new_run(a, "r", &err);
	CHECK(id > 0);
	int try_a = 0, try_b = 0;
	/* Not queued yet: nobody can claim it. */
	CHECK_INT(dn_meta_task_claim(a, id, "load", 100, "h1", 20, &try_a, &err), 0);
	CHECK_INT(dn_meta_task_transition(a, id, "load", DN_TI_NONE, DN_TI_QUEUED, 20, &err), 1);
	/* Two handles (two schedulers) race: exactly one wins. */
	int ca = dn_meta_task_claim(a, id, "load", 100, "h1", 21, &try_a, &err);
	int cb = dn_meta_task_claim(b, id, "load", 200, "h2", 21, &try_b, &err);
	CHECK_INT(ca + cb, 1);
	CHECK_INT(ca ? try_a : try_b, 1);
	/* Fails: up for retry at 500; a claim before then does nothing, after it works. */
	CHECK_INT(dn_meta_task_finish(a, id, "load", 1, DN_TI_UP_FOR_RETRY, 2, "exit 2",
				      "/logs/load.1", 500, 30, &err),
		  1);
	CHECK_INT(dn_meta_task_claim(b, id, "load", 200, "h2", 499, &try_b, &err), 0);
	CHECK_INT(dn_meta_task_claim(b, id, "load", 200, "h2", 500, &try_b, &err), 1);
	CHECK_INT(try_b, 2);
	CHECK_INT(dn_meta_task_heartbeat(b, id, "load", 2, 510, &err), 1);
	CHECK_INT(dn_meta_task_heartbeat(b, id, "load", 1, 510, &err), 0);
	/* Finishing a try that is not the running one changes nothing. */
	CHECK_INT(dn_meta_task_finish(a, id, "load", 1, DN_TI_SUCCESS, 0, NULL, NULL, 0, 520, &err),
		  0);
	CHECK_INT(dn_meta_task_finish(b, id, "load", 2, DN_TI_SUCCESS, 0, NULL, "/logs/load.2", 0,
				      520, &err),
		  1);
	CHECK_INT(dn_meta_task_finish(b, id, "load", 2, DN_TI_SKIPPED, 0, NULL, NULL, 0, 520, &err),
		  DN_EINVAL);
	struct dn_meta_task *t;
	int n;
	CHECK_OK(dn_meta_tasks_list(a, id, &t, &n, &err), &err);
	CHECK_INT(t[1].state, DN_TI_SUCCESS);
	CHECK_INT(t[1].try_number, 2);
	CHECK_INT(t[1].started_at, 500);
	CHECK_INT(t[1].ended_at, 520);
	CHECK_INT(t[1].pid, 0);
	dn_free(t);
	dn_meta_close(a);
	dn_meta_close(b);
}

DN_TEST(meta_outputs_lists_pause)
{
	struct dn_error err;
	struct dn_meta *m = open_store("meta3.db", &err);
	CHECK(m != NULL);
	int64_t r1 = new_run(m, "a", &err), r2 = new_run(m, "b", &err);
	CHECK(r1 > 0 && r2 > r1);
	char *v = NULL;
	CHECK_OK(dn_meta_output_set(m, r1, "extract", "rows", "42", &err), &err);
	CHECK_OK(dn_meta_output_set(m, r1, "extract", "rows", "43", &err), &err);
	CHECK_INT(dn_meta_output_get(m, r1, "extract", "rows", &v, &err), 1);
	CHECK_STR(v, "43");
	dn_free(v);
	CHECK_INT(dn_meta_output_get(m, r2, "extract", "rows", &v, &err), 0);
	CHECK(v == NULL);
	struct dn_meta_run *rows;
	int n;
	CHECK_OK(dn_meta_runs_list(m, "sales", 0, &rows, &n, &err), &err);
	CHECK_INT(n, 2);
	CHECK_STR(rows[0].run_id, "b"); /* same interval: newest id first */
	dn_free(rows);
	CHECK_OK(dn_meta_runs_list(m, "other", 0, &rows, &n, &err), &err);
	CHECK_INT(n, 0);
	dn_free(rows);
	CHECK_OK(dn_meta_runs_list(m, NULL, 1, &rows, &n, &err), &err);
	CHECK_INT(n, 1);
	dn_free(rows);
	CHECK_INT(dn_meta_pipeline_paused(m, "sales", &err), 0);
	CHECK_OK(dn_meta_pipeline_set_paused(m, "sales", 1, &err), &err);
	CHECK_INT(dn_meta_pipeline_paused(m, "sales", &err), 1);
	CHECK_OK(dn_meta_pipeline_set_paused(m, "sales", 0, &err), &err);
	CHECK_INT(dn_meta_pipeline_paused(m, "sales", &err), 0);
	CHECK_INT(dn_meta_pipeline_paused(m, "never-seen", &err), 0);
	dn_meta_close(m);
	/* Reopening keeps everything. */
	m = open_store("meta3.db", &err);
	CHECK(m != NULL);
	CHECK_INT(dn_meta_output_get(m, r1, "extract", "rows", &v, &err), 1);
	dn_free(v);
	dn_meta_close(m);
}

DN_TEST(meta_newer_schema_and_bad_path)
{
	struct dn_error err;
	struct dn_meta *m = open_store("meta4.db", &err);
	CHECK(m != NULL);
	dn_meta_close(m);
	sqlite3 *db;
	CHECK(sqlite3_open(dn_test_tmp_path("meta4.db"), &db) == SQLITE_OK);
	CHECK(sqlite3_exec(db, "UPDATE dunya_meta SET value='99' WHERE key='schema'", NULL, NULL,
			   NULL) == SQLITE_OK);
	sqlite3_close(db);
	CHECK_INT(dn_meta_open(&m, dn_test_tmp_path("meta4.db"), &err), DN_ENOTSUP);
	CHECK(strstr(err.msg, "upgrade dunya") != NULL);
	CHECK_INT(dn_meta_open(&m, "/nonexistent-dir/meta.db", &err), DN_EIO);
	CHECK(strstr(err.msg, "/nonexistent-dir/meta.db") != NULL);
}

/* Backfills ask whether an interval already has a successful run: any kind counts, failed and
 * unfinished runs do not, and another pipeline's run or interval is not this one's. */
DN_TEST(meta_interval_succeeded)
{
	struct dn_error err;
	struct dn_meta *m = open_store("meta5.db", &err);
	CHECK(m != NULL);
	CHECK_INT(dn_meta_interval_succeeded(m, "sales", 1000, &err), 0); /* no runs at all */
	int64_t a = new_run(m, "scheduled__a", &err);                     /* interval 1000 */
	CHECK(a > 0);
	CHECK_INT(dn_meta_interval_succeeded(m, "sales", 1000, &err), 0); /* queued */
	CHECK_INT(dn_meta_run_transition(m, a, DN_RUN_QUEUED, DN_RUN_RUNNING, 10, &err), 1);
	CHECK_INT(dn_meta_interval_succeeded(m, "sales", 1000, &err), 0); /* running */
	CHECK_INT(dn_meta_run_transition(m, a, DN_RUN_RUNNING, DN_RUN_FAILED, 20, &err), 1);
	CHECK_INT(dn_meta_interval_succeeded(m, "sales", 1000, &err), 0); /* failed */
	/* A manual run of the same interval that succeeds. */
	static const char *const one[] = {"x"};
	struct dn_run_new r = {"sales", "manual__b", "manual", NULL, 1000, 2000, 1, one, NULL};
	int64_t b = 0;
	CHECK_INT(dn_meta_run_create(m, &r, 30, &b, &err), 1);
	CHECK_INT(dn_meta_run_transition(m, b, DN_RUN_QUEUED, DN_RUN_RUNNING, 31, &err), 1);
	CHECK_INT(dn_meta_run_transition(m, b, DN_RUN_RUNNING, DN_RUN_SUCCESS, 32, &err), 1);
	CHECK_INT(dn_meta_interval_succeeded(m, "sales", 1000, &err), 1);
	CHECK_INT(dn_meta_interval_succeeded(m, "sales", 2000, &err), 0);
	CHECK_INT(dn_meta_interval_succeeded(m, "other", 1000, &err), 0);
	/* Looking a run up by its run id. */
	struct dn_meta_run row;
	CHECK_INT(dn_meta_run_find(m, "sales", "manual__b", &row, &err), 1);
	CHECK_INT(row.id, b);
	CHECK_STR(row.kind, "manual");
	CHECK_INT(row.state, DN_RUN_SUCCESS);
	CHECK_INT(dn_meta_run_find(m, "other", "manual__b", &row, &err), 0);
	CHECK_INT(dn_meta_run_find(m, "sales", "nosuch", &row, &err), 0);
	dn_meta_close(m);
}

/* Limits shared by every run in the store: a claim past the global or the pool limit leaves the
 * task queued (2), and succeeds once a slot frees up. */
DN_TEST(meta_claim_slots)
{
	struct dn_error err;
	struct dn_meta *m = open_store("meta6.db", &err);
	CHECK(m != NULL);
	int64_t r1 = new_run(m, "one", &err), r2 = new_run(m, "two", &err);
	CHECK(r1 > 0 && r2 > 0);
	int tr;
	for (int k = 0; k < 2; k++) {
		int64_t run = k ? r2 : r1;
		CHECK_INT(dn_meta_task_transition(m, run, "extract", DN_TI_NONE, DN_TI_QUEUED, 1,
						  &err),
			  1);
		CHECK_INT(dn_meta_task_transition(m, run, "load", DN_TI_NONE, DN_TI_QUEUED, 1,
						  &err),
			  1);
	}
	/* Global limit 1: the second run's task must wait for the first. */
	CHECK_INT(dn_meta_task_claim_slot(m, r1, "extract", 1, "h", 2, "default", -1, 1, &tr, &err),
		  1);
	CHECK_INT(dn_meta_task_claim_slot(m, r2, "extract", 1, "h", 2, "default", -1, 1, &tr, &err),
		  2);
	struct dn_meta_task *t;
	int n;
	CHECK_OK(dn_meta_tasks_list(m, r2, &t, &n, &err), &err);
	CHECK_INT(t[0].state, DN_TI_QUEUED); /* untouched */
	dn_free(t);
	CHECK_INT(dn_meta_task_finish(m, r1, "extract", 1, DN_TI_SUCCESS, 0, NULL, NULL, 0, 3,
				      &err),
		  1);
	CHECK_INT(dn_meta_task_claim_slot(m, r2, "extract", 1, "h", 4, "default", -1, 1, &tr, &err),
		  1);
	/* Pool limit 1 on "db": one running "db" task in all; other pools are not counted. */
	CHECK_INT(dn_meta_task_claim_slot(m, r1, "load", 1, "h", 5, "db", 1, -1, &tr, &err), 1);
	CHECK_INT(dn_meta_task_claim_slot(m, r2, "load", 1, "h", 5, "db", 1, -1, &tr, &err), 2);
	CHECK_INT(dn_meta_task_claim_slot(m, r2, "load", 1, "h", 5, "other", 1, -1, &tr, &err), 1);
	dn_meta_close(m);
}
