/* The SQLite warehouse under stress: a reader in another process during replace loads never sees
 * the table empty or missing, and a load killed with SIGKILL halfway leaves the table as it was. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../src/formats/formats.h"
#include "../../src/store/store.h"
#include "../test.h"

static struct dn_wh *open_wh(const char *name)
{
	struct dn_wh *wh = NULL;
	char url[600];
	snprintf(url, sizeof url, "sqlite://%s", name);
	if (dn_wh_open(&wh, url, dn_test_tmpdir(), NULL) < 0)
		return NULL;
	return wh;
}

/* count(*) of table, or -1 on any error (a missing table included). */
static int64_t count_rows(struct dn_wh *wh, const char *table)
{
	char sql[128];
	struct dn_wh_query *q = NULL;
	struct dn_batch *b = NULL;
	int64_t n = -1;
	snprintf(sql, sizeof sql, "SELECT count(*) FROM \"%s\"", table);
	if (dn_wh_query_open(wh, &q, sql, 0, NULL) == 0 && dn_wh_query_next(q, &b, NULL) == 1 &&
	    b->nrows == 1)
		n = dn_column_i64(&b->columns[0], 0);
	dn_batch_free(b);
	dn_wh_query_free(q);
	return n;
}

static int load_rows(struct dn_wh *wh, const char *table, int rows, enum dn_wh_mode mode,
		     struct dn_error *err)
{
	struct dn_buf csv = DN_BUF_INIT;
	struct dn_reader *r = NULL;
	struct dn_wh_load_options o;
	dn_wh_load_options_init(&o);
	o.mode = mode;
	dn_buf_puts(&csv, "id,name,amount\n", NULL);
	for (int i = 0; i < rows; i++)
		dn_buf_printf(&csv, NULL, "%d,name %d,%d.5\n", i, i, i);
	int rc = dn_reader_open_mem(&r, "rows.csv", csv.data, csv.len, DN_FORMAT_CSV, NULL, err);
	if (rc == 0)
		rc = dn_wh_load_reader(wh, r, table, &o, NULL, err);
	dn_reader_free(r);
	dn_buf_release(&csv);
	return rc;
}

DN_TEST(store_sqlite_replace_never_empty)
{
	struct dn_error err = {0};
	struct dn_wh *wh = open_wh("never-empty.db");
	CHECK(wh != NULL);
	CHECK_OK(load_rows(wh, "t", 1000, DN_WH_REPLACE, &err), &err);
	int stop[2], ready[2];
	CHECK(pipe(stop) == 0);
	CHECK(pipe(ready) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		/* The reader: until the parent closes the pipe, count the table again and again;
		 * exit 1 at the first count that is neither the old nor the new size. */
		close(stop[1]);
		close(ready[0]);
		struct dn_wh *mine = open_wh("never-empty.db");
		int bad = !mine;
		long reads = 0;
		for (; !bad; reads++) {
			int64_t n = count_rows(mine, "t");
			if (n != 1000 && n != 2000)
				bad = 1;
			if (reads == 0 &&
			    write(ready[1], "r", 1) != 1) /* reading: loads may start */
				bad = 1;
			struct timeval tv = {0, 0};
			fd_set fds;
			FD_ZERO(&fds);
			FD_SET(stop[0], &fds);
			if (select(stop[0] + 1, &fds, NULL, NULL, &tv) > 0)
				break;
		}
		dn_wh_close(mine);
		_exit(bad ? 1 : reads > 0 ? 0 : 2);
	}
	close(stop[0]);
	close(ready[1]);
	char c;
	CHECK(read(ready[0], &c, 1) == 1); /* the reader has read once before any load starts */
	close(ready[0]);
	for (int i = 0; i < 12; i++)
		CHECK_OK(load_rows(wh, "t", i % 2 ? 1000 : 2000, DN_WH_REPLACE, &err), &err);
	close(stop[1]);
	int st = 0;
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st));
	CHECK_INT(WEXITSTATUS(st), 0);
	CHECK_INT(count_rows(wh, "t"), 1000);
	dn_wh_close(wh);
}

DN_TEST(store_sqlite_kill_mid_load)
{
	static const enum dn_wh_mode modes[] = {DN_WH_APPEND, DN_WH_REPLACE};
	struct dn_error err = {0};
	for (int m = 0; m < 2; m++) {
		struct dn_wh *wh = open_wh("killed.db");
		CHECK(wh != NULL);
		CHECK_OK(load_rows(wh, "t", 3, DN_WH_REPLACE, &err), &err);
		int ready[2];
		CHECK(pipe(ready) == 0);
		pid_t pid = fork();
		if (pid == 0) {
			/* Load far more rows than fit in the time before the kill, one batch at a
			 * time, telling the parent once rows are going in. */
			close(ready[0]);
			struct dn_wh *mine = open_wh("killed.db");
			struct dn_wh_load *ld = NULL;
			struct dn_wh_load_options o;
			struct dn_reader *r = NULL;
			struct dn_batch *b = NULL;
			const char *csv = "id,name,amount\n7,x,1.5\n8,y,2.5\n";
			dn_wh_load_options_init(&o);
			o.mode = modes[m];
			dn_reader_open_mem(&r, "x.csv", csv, strlen(csv), DN_FORMAT_CSV, NULL,
					   NULL);
			dn_reader_next(r, &b, NULL);
			if (!mine || dn_wh_load_begin(mine, &ld, "t", &b->schema, &o, NULL) < 0)
				_exit(1);
			for (long i = 0;; i++) {
				if (dn_wh_load_batch(ld, b, NULL) < 0)
					_exit(1);
				if (i == 20000 && write(ready[1], "x", 1) != 1)
					_exit(1);
			}
		}
		close(ready[1]);
		char c;
		CHECK(read(ready[0], &c, 1) == 1);
		close(ready[0]);
		kill(pid, SIGKILL);
		int st = 0;
		waitpid(pid, &st, 0);
		CHECK(WIFSIGNALED(st));
		/* The table is what it was: 3 rows, readable from a fresh connection too. */
		CHECK_INT(count_rows(wh, "t"), 3);
		dn_wh_close(wh);
		wh = open_wh("killed.db");
		CHECK_INT(count_rows(wh, "t"), 3);
		CHECK_OK(load_rows(wh, "t", 5, DN_WH_APPEND, &err), &err);
		CHECK_INT(count_rows(wh, "t"), 8);
		dn_wh_close(wh);
	}
}
