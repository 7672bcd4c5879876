/* The SQLite warehouse backend.
 *
 * A load is one transaction (BEGIN IMMEDIATE, so a second writer waits instead of failing
 * halfway) with one prepared `INSERT INTO dest (...) SELECT * FROM _dunya_load_rows`, stepped
 * once per batch. _dunya_load_rows is an eponymous virtual table registered for the load's life
 * whose rows are the current batch: its xColumn hands SQLite the values straight from the
 * batch's buffers (strings with SQLITE_STATIC, no copy). Stepping one statement per row with
 * bound parameters cost twice as much: every step re-ran the statement's prologue and epilogue
 * (transaction check, cursor open and close, statement journal bookkeeping, reset) and every
 * value went through a sqlite3_bind_* call; now those run once per batch and SQLite's loop only
 * builds records and appends them to the B-tree. The destination columns' affinities apply as
 * for bound values, so the stored values are the same. The connection runs in WAL mode with
 * synchronous=NORMAL: readers keep reading the last committed state while a load runs, and a
 * commit costs one fsync of the log instead of several. Replace builds "_dunya_new_<table>" and
 * swaps it in (DROP + ALTER TABLE RENAME) inside the same transaction, so readers see the old
 * table or the new one. legacy_alter_table is on for that rename, so views that name the table
 * survive the moment in which it does not exist.
 *
 * Queries buffer at most batch_rows rows of raw cells (kind, number, text span), then decide each
 * column's type from the values seen and build the batch; memory is bounded by batch_rows times
 * the row width. */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

struct sq_wh {
	sqlite3 *db;
};

static sqlite3 *db_of(struct dn_wh *wh)
{
	return ((struct sq_wh *)wh->impl)->db;
}

static int sq_fail(struct dn_error *err, sqlite3 *db, const char *what)
{
	return dn_error_set(err, DN_EIO, "%s: %s", what, sqlite3_errmsg(db));
}

static int exec_sql(sqlite3 *db, const char *sql, const char *what, struct dn_error *err)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		int rc = dn_error_set(err, DN_EIO, "%s: %s", what, msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return rc;
	}
	return 0;
}

static int sq_open(struct dn_wh *wh, const char *target, struct dn_error *err)
{
	struct sq_wh *s = dn_calloc(1, sizeof *s);
	if (!s)
		return dn_error_set(err, DN_ENOMEM, "out of memory opening %s", target);
	if (sqlite3_open_v2(target, &s->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		int rc = dn_error_set(err, DN_EIO, "cannot open warehouse %s: %s", target,
				      s->db ? sqlite3_errmsg(s->db) : "out of memory");
		sqlite3_close(s->db);
		dn_free(s);
		return rc;
	}
	sqlite3_busy_timeout(s->db, 10000);
	/* Bigger pages for a new warehouse file: fewer B-tree pages to split and write per row
	 * during loads. An existing file keeps its page size (the pragma is then a no-op). */
	sqlite3_exec(s->db, "PRAGMA page_size=65536", NULL, NULL, NULL);
	wh->impl = s;
	return 0;
}

static void sq_close(struct dn_wh *wh)
{
	struct sq_wh *s = wh->impl;
	if (s) {
		sqlite3_close(s->db);
		dn_free(s);
	}
}

static int sq_table_exists(struct dn_wh *wh, const char *table, struct dn_error *err)
{
	sqlite3 *db = db_of(wh);
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db,
			       "SELECT 1 FROM sqlite_master WHERE type IN ('table','view') "
			       "AND name = ?1 COLLATE NOCASE",
			       -1, &st, NULL) != SQLITE_OK)
		return sq_fail(err, db, "looking up a table");
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	int out = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : sq_fail(err, db, "looking up");
	sqlite3_finalize(st);
	return out;
}

static int create_sql(struct dn_buf *q, const char *table, const struct dn_schema *schema,
		      struct dn_error *err)
{
	DN_TRY(dn_buf_puts(q, "CREATE TABLE IF NOT EXISTS ", err));
	DN_TRY(dn_wh_put_ident(q, table, err));
	DN_TRY(dn_buf_puts(q, " (", err));
	for (int i = 0; i < schema->nfields; i++) {
		if (i)
			DN_TRY(dn_buf_puts(q, ", ", err));
		DN_TRY(dn_wh_put_ident(q, schema->fields[i].name, err));
		DN_TRY(dn_buf_printf(q, err, " %s", dn_wh_sqlite_type(schema->fields[i].type)));
	}
	return dn_buf_puts(q, ")", err);
}

static int sq_create_table(struct dn_wh *wh, const char *table, const struct dn_schema *schema,
			   struct dn_error *err)
{
	struct dn_buf q = DN_BUF_INIT;
	int rc = create_sql(&q, table, schema, err);
	if (rc == 0)
		rc = exec_sql(db_of(wh), q.data, "creating the table", err);
	dn_buf_release(&q);
	return rc;
}

/* ---------------------------------------------------------------------------------------------
 * Loads */

/* The virtual table the load's INSERT reads its rows from (see the top of the file). */
#define SQ_ROWS "_dunya_load_rows"

struct sq_load {
	sqlite3 *db;
	sqlite3_stmt *ins;
	char *table;
	char *dest; /* table written: the table, or the new one in replace mode */
	struct dn_schema schema;
	enum dn_wh_mode mode;
	int inc_col; /* index of the incremental column, -1 */
	struct dn_wh_mark old_mark, new_mark, cur;
	char (*scratch)[48]; /* per column: the text of the current row's date or timestamp */
	struct dn_wh_load_stats stats;
	int in_txn;
	int module;    /* SQ_ROWS is registered on db */
	int connected; /* SQ_ROWS was connected (the INSERT reads it, not a table of that name) */
	/* The rows SQ_ROWS yields: row `row` of `batch` while the INSERT steps. */
	const struct dn_batch *batch;
	int64_t row;
	int64_t emitted; /* rows yielded from this batch */
};

/* Move to the next row of the batch that is to be written: in incremental mode, rows not above
 * the stored mark (or null there) are counted as filtered and skipped. */
static void rows_advance(struct sq_load *l)
{
	const struct dn_batch *b = l->batch;
	while (++l->row < b->nrows) {
		if (l->inc_col >= 0) {
			dn_wh_mark_of(&b->columns[l->inc_col], l->row, &l->cur);
			if (l->cur.kind == 0 || !dn_wh_mark_gt(&l->cur, &l->old_mark)) {
				l->stats.rows_filtered++;
				continue;
			}
			if (dn_wh_mark_gt(&l->cur, &l->new_mark))
				dn_wh_mark_copy(&l->new_mark, &l->cur);
		}
		l->emitted++;
		return;
	}
}

/* The table SQ_ROWS: its module's client data is the load (registered in sq_load_begin). */
struct sq_rows_vtab {
	sqlite3_vtab base;
	struct sq_load *l;
};

static struct sq_load *load_of_cursor(sqlite3_vtab_cursor *c)
{
	return ((struct sq_rows_vtab *)c->pVtab)->l;
}

/* The table's columns are c0, c1, ... without types: the INSERT takes them by position and the
 * destination's affinities apply. */
static int rows_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
			sqlite3_vtab **out, char **errmsg)
{
	struct sq_load *l = aux;
	struct dn_buf q = DN_BUF_INIT;
	(void)argc;
	(void)argv;
	(void)errmsg;
	*out = NULL;
	int rc = dn_buf_puts(&q, "CREATE TABLE x(", NULL);
	for (int i = 0; rc == 0 && i < l->schema.nfields; i++)
		rc = dn_buf_printf(&q, NULL, i ? ", c%d" : "c%d", i);
	if (rc == 0)
		rc = dn_buf_puts(&q, ")", NULL);
	if (rc < 0) {
		dn_buf_release(&q);
		return SQLITE_NOMEM;
	}
	rc = sqlite3_declare_vtab(db, q.data);
	dn_buf_release(&q);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_vtab_config(db, SQLITE_VTAB_DIRECTONLY); /* never from triggers or views */
	struct sq_rows_vtab *vt = sqlite3_malloc(sizeof *vt);
	if (!vt)
		return SQLITE_NOMEM;
	memset(vt, 0, sizeof *vt);
	vt->l = l;
	l->connected = 1;
	*out = &vt->base;
	return SQLITE_OK;
}

static int rows_disconnect(sqlite3_vtab *vt)
{
	sqlite3_free(vt);
	return SQLITE_OK;
}

static int rows_best_index(sqlite3_vtab *vt, sqlite3_index_info *info)
{
	(void)vt;
	info->estimatedCost = (double)DN_BATCH_ROWS;
	info->estimatedRows = DN_BATCH_ROWS;
	return SQLITE_OK;
}

/* The cursor's position lives in the load (the INSERT has one scan at a time), so an error can
 * name the row it stopped at. */
static int rows_open(sqlite3_vtab *vt, sqlite3_vtab_cursor **out)
{
	(void)vt;
	sqlite3_vtab_cursor *c = sqlite3_malloc(sizeof *c);
	if (!c)
		return SQLITE_NOMEM;
	memset(c, 0, sizeof *c);
	*out = c;
	return SQLITE_OK;
}

static int rows_close(sqlite3_vtab_cursor *c)
{
	sqlite3_free(c);
	return SQLITE_OK;
}

static int rows_filter(sqlite3_vtab_cursor *c, int idx, const char *idx_str, int argc,
		       sqlite3_value **argv)
{
	struct sq_load *l = load_of_cursor(c);
	(void)idx;
	(void)idx_str;
	(void)argc;
	(void)argv;
	l->row = -1;
	l->emitted = 0;
	if (l->batch) /* else a query on the handle between batches: no rows */
		rows_advance(l);
	return SQLITE_OK;
}

static int rows_next(sqlite3_vtab_cursor *c)
{
	rows_advance(load_of_cursor(c));
	return SQLITE_OK;
}

static int rows_eof(sqlite3_vtab_cursor *c)
{
	struct sq_load *l = load_of_cursor(c);
	return !l->batch || l->row >= l->batch->nrows;
}

/* Value `col` of the current row, with the mapping of store.h. Dates and timestamps are
 * formatted into the column's scratch buffer, which stays valid until this column of the next
 * row is asked for: SQLite has copied the row into its record by then. */
static int rows_column(sqlite3_vtab_cursor *c, sqlite3_context *ctx, int col)
{
	struct sq_load *l = load_of_cursor(c);
	const struct dn_column *v = &l->batch->columns[col];
	int64_t i = l->row;
	if (dn_column_is_null(v, i)) {
		sqlite3_result_null(ctx);
		return SQLITE_OK;
	}
	switch (v->type) {
	case DN_BOOL:
		sqlite3_result_int(ctx, dn_column_bool(v, i));
		break;
	case DN_INT64:
		sqlite3_result_int64(ctx, dn_column_i64(v, i));
		break;
	case DN_FLOAT64:
		sqlite3_result_double(ctx, dn_column_f64(v, i));
		break;
	case DN_STRING: {
		struct dn_str s = dn_column_str(v, i);
		sqlite3_result_text(ctx, s.len ? s.ptr : "", (int)s.len, SQLITE_STATIC);
		break;
	}
	case DN_DATE: {
		int n = dn_date_format(dn_column_date(v, i), l->scratch[col]);
		sqlite3_result_text(ctx, l->scratch[col], n, SQLITE_STATIC);
		break;
	}
	case DN_TIMESTAMP: {
		int n = dn_wh_fmt_ts(dn_column_i64(v, i), l->scratch[col]);
		sqlite3_result_text(ctx, l->scratch[col], n, SQLITE_STATIC);
		break;
	}
	}
	return SQLITE_OK;
}

static int rows_rowid(sqlite3_vtab_cursor *c, sqlite3_int64 *out)
{
	*out = load_of_cursor(c)->row;
	return SQLITE_OK;
}

static const sqlite3_module rows_module = {
	.xConnect = rows_connect, /* no xCreate: eponymous only, never in a schema */
	.xBestIndex = rows_best_index,
	.xDisconnect = rows_disconnect,
	.xOpen = rows_open,
	.xClose = rows_close,
	.xFilter = rows_filter,
	.xNext = rows_next,
	.xEof = rows_eof,
	.xColumn = rows_column,
	.xRowid = rows_rowid,
};

static void load_free(struct sq_load *l)
{
	if (!l)
		return;
	sqlite3_finalize(l->ins);
	if (l->module) /* drops the module and its eponymous table */
		sqlite3_create_module(l->db, SQ_ROWS, NULL, NULL);
	if (l->in_txn)
		sqlite3_exec(l->db, "ROLLBACK", NULL, NULL, NULL);
	dn_free(l->table);
	dn_free(l->dest);
	dn_schema_release(&l->schema);
	dn_buf_release(&l->old_mark.text);
	dn_buf_release(&l->new_mark.text);
	dn_buf_release(&l->cur.text);
	dn_free(l->scratch);
	dn_free(l);
}

static int read_mark(struct sq_load *l, const char *col, struct dn_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc = 0;
	if (sqlite3_prepare_v2(l->db,
			       "SELECT value FROM " DN_WH_WATERMARKS
			       " WHERE table_name = ?1 AND column_name = ?2",
			       -1, &st, NULL) != SQLITE_OK)
		return sq_fail(err, l->db, "reading the watermark");
	sqlite3_bind_text(st, 1, l->table, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, col, -1, SQLITE_STATIC);
	int s = sqlite3_step(st);
	if (s == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		const char *v = (const char *)sqlite3_column_text(st, 0);
		size_t n = (size_t)sqlite3_column_bytes(st, 0);
		enum dn_type t = l->schema.fields[l->inc_col].type;
		struct dn_wh_mark *m = &l->old_mark;
		if ((t == DN_INT64 || t == DN_BOOL) && dn_parse_i64(v, n, &m->i) == 0)
			m->kind = 1;
		else if ((t == DN_INT64 || t == DN_FLOAT64) && dn_parse_f64(v, n, &m->f) == 0)
			m->kind = 2;
		else {
			m->kind = 3;
			rc = dn_buf_append(&m->text, v, n, err);
		}
	} else if (s != SQLITE_ROW && s != SQLITE_DONE) {
		rc = sq_fail(err, l->db, "reading the watermark");
	}
	sqlite3_finalize(st);
	return rc;
}

static int sq_load_begin(struct dn_wh_load *ld, const char *table, const struct dn_schema *schema,
			 const struct dn_wh_load_options *opt, struct dn_error *err)
{
	struct sq_load *l = dn_calloc(1, sizeof *l);
	struct dn_buf q = DN_BUF_INIT;
	int rc = DN_ENOMEM;
	if (!l)
		return dn_error_set(err, DN_ENOMEM, "out of memory starting a load");
	l->db = db_of(ld->wh);
	l->mode = opt->mode;
	l->inc_col = -1;
	l->table = dn_strdup(table);
	l->scratch = dn_calloc((size_t)(schema->nfields ? schema->nfields : 1), sizeof *l->scratch);
	if (!l->table || !l->scratch) {
		dn_error_set(err, DN_ENOMEM, "out of memory starting a load");
		goto fail;
	}
	if ((rc = dn_schema_copy(&l->schema, schema, err)) < 0)
		goto fail;
	if (schema->nfields == 0) {
		rc = dn_error_set(err, DN_EINVAL, "the input has no columns to load");
		goto fail;
	}
	if (opt->mode == DN_WH_INCREMENTAL)
		l->inc_col = dn_schema_find(schema, opt->incremental_column);
	/* Journal settings cannot change inside a transaction. */
	if ((rc = exec_sql(l->db,
			   "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
			   "PRAGMA cache_size=-65536; PRAGMA legacy_alter_table=ON",
			   "setting up the load", err)) < 0)
		goto fail;
	if ((rc = exec_sql(l->db, "BEGIN IMMEDIATE", "starting the load", err)) < 0)
		goto fail;
	l->in_txn = 1;
	if (opt->mode == DN_WH_REPLACE) {
		if ((rc = dn_buf_printf(&q, err, "_dunya_new_%s", table)) < 0)
			goto fail;
		l->dest = dn_buf_take(&q, NULL);
		if ((rc = dn_buf_puts(&q, "DROP TABLE IF EXISTS ", err)) < 0 ||
		    (rc = dn_wh_put_ident(&q, l->dest, err)) < 0 ||
		    (rc = exec_sql(l->db, q.data, "replacing the table", err)) < 0)
			goto fail;
	} else {
		l->dest = dn_strdup(table);
	}
	if (!l->dest) {
		rc = dn_error_set(err, DN_ENOMEM, "out of memory starting a load");
		goto fail;
	}
	dn_buf_reset(&q);
	if ((rc = create_sql(&q, l->dest, schema, err)) < 0 ||
	    (rc = exec_sql(l->db, q.data, "creating the table", err)) < 0)
		goto fail;
	if (opt->nkeys > 0 && opt->mode != DN_WH_REPLACE && opt->mode != DN_WH_APPEND) {
		dn_buf_reset(&q);
		if ((rc = dn_buf_puts(&q, "CREATE UNIQUE INDEX IF NOT EXISTS ", err)) < 0)
			goto fail;
		struct dn_buf name = DN_BUF_INIT;
		if ((rc = dn_buf_printf(&name, err, "_dunya_key_%s", table)) < 0 ||
		    (rc = dn_wh_put_ident(&q, name.data, err)) < 0) {
			dn_buf_release(&name);
			goto fail;
		}
		dn_buf_release(&name);
		if ((rc = dn_buf_puts(&q, " ON ", err)) < 0 ||
		    (rc = dn_wh_put_ident(&q, table, err)) < 0 ||
		    (rc = dn_buf_puts(&q, " (", err)) < 0)
			goto fail;
		for (int k = 0; k < opt->nkeys; k++)
			if ((k && (rc = dn_buf_puts(&q, ", ", err)) < 0) ||
			    (rc = dn_wh_put_ident(&q, opt->keys[k], err)) < 0)
				goto fail;
		if ((rc = dn_buf_puts(&q, ")", err)) < 0 ||
		    (rc = exec_sql(l->db, q.data, "indexing the key columns", err)) < 0)
			goto fail;
	}
	if (opt->mode == DN_WH_INCREMENTAL) {
		if ((rc = exec_sql(l->db,
				   "CREATE TABLE IF NOT EXISTS " DN_WH_WATERMARKS
				   " (table_name TEXT NOT NULL, column_name TEXT NOT NULL, "
				   "value TEXT, PRIMARY KEY (table_name, column_name))",
				   "creating the watermark table", err)) < 0 ||
		    (rc = read_mark(l, opt->incremental_column, err)) < 0)
			goto fail;
		dn_wh_mark_copy(&l->new_mark, &l->old_mark);
	}
	/* The INSERT. */
	dn_buf_reset(&q);
	if ((rc = dn_buf_puts(&q, "INSERT INTO ", err)) < 0 ||
	    (rc = dn_wh_put_ident(&q, l->dest, err)) < 0 || (rc = dn_buf_puts(&q, " (", err)) < 0)
		goto fail;
	for (int i = 0; i < schema->nfields; i++)
		if ((i && (rc = dn_buf_puts(&q, ", ", err)) < 0) ||
		    (rc = dn_wh_put_ident(&q, schema->fields[i].name, err)) < 0)
			goto fail;
	/* "WHERE 1" keeps "ON CONFLICT" from being read as a join constraint of the SELECT. */
	if ((rc = dn_buf_puts(&q, ") SELECT * FROM " SQ_ROWS " WHERE 1", err)) < 0)
		goto fail;
	if (opt->nkeys > 0 && (opt->mode == DN_WH_MERGE || opt->mode == DN_WH_INCREMENTAL)) {
		if ((rc = dn_buf_puts(&q, " ON CONFLICT (", err)) < 0)
			goto fail;
		for (int k = 0; k < opt->nkeys; k++)
			if ((k && (rc = dn_buf_puts(&q, ", ", err)) < 0) ||
			    (rc = dn_wh_put_ident(&q, opt->keys[k], err)) < 0)
				goto fail;
		int nset = 0;
		if ((rc = dn_buf_puts(&q, ") DO UPDATE SET ", err)) < 0)
			goto fail;
		for (int i = 0; i < schema->nfields; i++) {
			int is_key = 0;
			for (int k = 0; k < opt->nkeys; k++)
				is_key |= !strcmp(opt->keys[k], schema->fields[i].name);
			if (is_key)
				continue;
			if ((nset++ && (rc = dn_buf_puts(&q, ", ", err)) < 0) ||
			    (rc = dn_wh_put_ident(&q, schema->fields[i].name, err)) < 0 ||
			    (rc = dn_buf_puts(&q, " = excluded.", err)) < 0 ||
			    (rc = dn_wh_put_ident(&q, schema->fields[i].name, err)) < 0)
				goto fail;
		}
		if (!nset) { /* every column is a key: nothing to update */
			q.len -= strlen(" DO UPDATE SET ");
			q.data[q.len] = 0;
			if ((rc = dn_buf_puts(&q, " DO NOTHING", err)) < 0)
				goto fail;
		}
	}
	if (sqlite3_create_module(l->db, SQ_ROWS, &rows_module, l) != SQLITE_OK) {
		rc = sq_fail(err, l->db, "preparing the insert");
		goto fail;
	}
	l->module = 1;
	if (sqlite3_prepare_v2(l->db, q.data, -1, &l->ins, NULL) != SQLITE_OK) {
		rc = sq_fail(err, l->db, "preparing the insert");
		goto fail;
	}
	if (!l->connected) { /* a real table of that name hides the virtual one */
		rc = dn_error_set(err, DN_EINVAL,
				  "the database has a table named " SQ_ROWS
				  ", a name dunya reserves for its loads; rename or drop it");
		goto fail;
	}
	dn_buf_release(&q);
	ld->impl = l;
	return 0;
fail:
	dn_buf_release(&q);
	load_free(l);
	return rc < 0 ? rc : DN_ENOMEM;
}

static int sq_load_batch(struct dn_wh_load *ld, const struct dn_batch *b, struct dn_error *err)
{
	struct sq_load *l = ld->impl;
	int nf = l->schema.nfields;
	if (b->schema.nfields != nf)
		return dn_error_set(err, DN_EINVAL, "a batch has %d columns; the load has %d",
				    b->schema.nfields, nf);
	for (int c = 0; c < nf; c++)
		if (strcmp(b->schema.fields[c].name, l->schema.fields[c].name) != 0)
			return dn_error_set(err, DN_EINVAL,
					    "a batch has column '%s' where the load has '%s'",
					    b->schema.fields[c].name, l->schema.fields[c].name);
	l->stats.rows_in += b->nrows;
	if (b->nrows == 0)
		return 0;
	l->batch = b;
	l->row = 0; /* named by an error that comes before the first row */
	int s = sqlite3_step(l->ins);
	sqlite3_reset(l->ins);
	l->batch = NULL;
	if (s != SQLITE_DONE)
		return dn_error_set(err, DN_EIO, "loading row %lld into %s: %s",
				    (long long)(b->first_row + l->row + 1), l->table,
				    sqlite3_errmsg(l->db));
	l->stats.rows_written += l->emitted;
	return 0;
}

static int sq_load_commit(struct dn_wh_load *ld, struct dn_wh_load_stats *stats,
			  struct dn_error *err)
{
	struct sq_load *l = ld->impl;
	struct dn_buf q = DN_BUF_INIT;
	int rc = 0;
	sqlite3_finalize(l->ins);
	l->ins = NULL;
	if (l->mode == DN_WH_REPLACE) {
		if ((rc = dn_buf_puts(&q, "DROP TABLE IF EXISTS ", err)) < 0 ||
		    (rc = dn_wh_put_ident(&q, l->table, err)) < 0 ||
		    (rc = dn_buf_puts(&q, "; ", err)) < 0 ||
		    (rc = dn_buf_puts(&q, "ALTER TABLE ", err)) < 0 ||
		    (rc = dn_wh_put_ident(&q, l->dest, err)) < 0 ||
		    (rc = dn_buf_puts(&q, " RENAME TO ", err)) < 0 ||
		    (rc = dn_wh_put_ident(&q, l->table, err)) < 0 ||
		    (rc = exec_sql(l->db, q.data, "swapping in the new table", err)) < 0)
			goto out;
	}
	if (l->inc_col >= 0 && l->new_mark.kind) {
		sqlite3_stmt *st = NULL;
		dn_wh_mark_text(&l->new_mark, l->stats.watermark, sizeof l->stats.watermark);
		const char *v = l->new_mark.kind == 3 ? l->new_mark.text.data : l->stats.watermark;
		if (sqlite3_prepare_v2(l->db,
				       "INSERT INTO " DN_WH_WATERMARKS
				       " VALUES (?1, ?2, ?3) ON CONFLICT (table_name, column_name) "
				       "DO UPDATE SET value = excluded.value",
				       -1, &st, NULL) != SQLITE_OK) {
			rc = sq_fail(err, l->db, "storing the watermark");
			goto out;
		}
		sqlite3_bind_text(st, 1, l->table, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, l->schema.fields[l->inc_col].name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, v ? v : "", -1, SQLITE_STATIC);
		int s = sqlite3_step(st);
		sqlite3_finalize(st);
		if (s != SQLITE_DONE) {
			rc = sq_fail(err, l->db, "storing the watermark");
			goto out;
		}
	}
	if ((rc = exec_sql(l->db, "COMMIT", "committing the load", err)) < 0)
		goto out;
	l->in_txn = 0;
	if (stats)
		*stats = l->stats;
out:
	dn_buf_release(&q);
	load_free(l);
	ld->impl = NULL;
	return rc;
}

static void sq_load_abort(struct dn_wh_load *ld)
{
	load_free(ld->impl);
	ld->impl = NULL;
}

/* ---------------------------------------------------------------------------------------------
 * Queries */

enum { K_NULL = 0, K_INT, K_REAL, K_TEXT, K_BLOB };

struct sq_query {
	sqlite3 *db;
	sqlite3_stmt *st;
	int ncols;
	int64_t batch_rows;
	int done, emitted;
	int64_t changes, row;
	enum dn_type *cur; /* per column; 0 = not known yet */
	uint8_t *kind;     /* batch_rows * ncols */
	int64_t *num;      /* int value, double bits, or text offset */
	int64_t *len;      /* text length */
	struct dn_buf text;
	struct dn_schema schema;
	struct dn_builder *bl;
};

/* Only whitespace, semicolons and comments left? */
static int sql_blank(const char *p)
{
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == ';')
			p++;
		if (p[0] == '-' && p[1] == '-') {
			while (*p && *p != '\n')
				p++;
		} else if (p[0] == '/' && p[1] == '*') {
			const char *e = strstr(p + 2, "*/");
			if (!e)
				return 1;
			p = e + 2;
		} else {
			return *p == 0;
		}
	}
}

static void query_free_impl(struct sq_query *q)
{
	if (!q)
		return;
	sqlite3_finalize(q->st);
	for (int c = 0; q->bl && c < q->ncols; c++)
		dn_builder_release(&q->bl[c]);
	dn_free(q->bl);
	dn_free(q->cur);
	dn_free(q->kind);
	dn_free(q->num);
	dn_free(q->len);
	dn_buf_release(&q->text);
	dn_schema_release(&q->schema);
	dn_free(q);
}

static int sq_query_open(struct dn_wh_query *wq, const char *sql, int64_t batch_rows,
			 struct dn_error *err)
{
	struct sq_query *q = dn_calloc(1, sizeof *q);
	int rc = 0;
	if (!q)
		return dn_error_set(err, DN_ENOMEM, "out of memory starting a query");
	q->db = db_of(wq->wh);
	q->batch_rows = batch_rows;
	dn_buf_init(&q->text, 0);
	const char *p = sql;
	while (!sql_blank(p)) {
		const char *tail = NULL;
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(q->db, p, -1, &st, &tail) != SQLITE_OK) {
			rc = dn_error_set(err, DN_EIO, "SQL error: %s", sqlite3_errmsg(q->db));
			goto fail;
		}
		p = tail ? tail : "";
		if (!st)
			continue;
		if (sqlite3_column_count(st) > 0 && sql_blank(p)) {
			q->st = st;
			break;
		}
		int s;
		while ((s = sqlite3_step(st)) == SQLITE_ROW)
			;
		if (s != SQLITE_DONE) {
			rc = dn_error_set(err, DN_EIO, "SQL error: %s", sqlite3_errmsg(q->db));
			sqlite3_finalize(st);
			goto fail;
		}
		q->changes += sqlite3_changes(q->db);
		sqlite3_finalize(st);
	}
	if (!q->st) {
		q->done = 1;
		wq->impl = q;
		return 0;
	}
	q->ncols = sqlite3_column_count(q->st);
	size_t cells = (size_t)q->ncols * (size_t)batch_rows;
	q->cur = dn_calloc((size_t)q->ncols, sizeof *q->cur);
	q->bl = dn_calloc((size_t)q->ncols, sizeof *q->bl);
	q->kind = dn_malloc(cells);
	q->num = dn_calloc(cells, sizeof *q->num);
	q->len = dn_calloc(cells, sizeof *q->len);
	if (!q->cur || !q->bl || !q->kind || !q->num || !q->len) {
		rc = dn_error_set(err, DN_ENOMEM, "out of memory for query batches of %lld rows",
				  (long long)batch_rows);
		goto fail;
	}
	wq->impl = q;
	return 0;
fail:
	query_free_impl(q);
	return rc;
}

static enum dn_type decl_type(sqlite3_stmt *st, int c)
{
	const char *d = sqlite3_column_decltype(st, c);
	if (!d)
		return DN_STRING;
	if (strcasestr(d, "INT"))
		return DN_INT64;
	if (strcasestr(d, "REAL") || strcasestr(d, "FLOA") || strcasestr(d, "DOUB"))
		return DN_FLOAT64;
	return DN_STRING;
}

static int cell_append(struct sq_query *q, struct dn_builder *b, size_t cell, struct dn_error *err)
{
	char tmp[48];
	int k = q->kind[cell];
	int64_t v = q->num[cell];
	double f;
	if (k == K_NULL)
		return dn_builder_append_null(b, err);
	if (b->type == DN_INT64)
		return dn_builder_append_i64(b, v, err);
	if (b->type == DN_FLOAT64) {
		if (k == K_INT)
			return dn_builder_append_f64(b, (double)v, err);
		memcpy(&f, &v, sizeof f);
		return dn_builder_append_f64(b, f, err);
	}
	if (k == K_INT) {
		int n = snprintf(tmp, sizeof tmp, "%lld", (long long)v);
		return dn_builder_append_str(b, tmp, (size_t)n, err);
	}
	if (k == K_REAL) {
		memcpy(&f, &v, sizeof f);
		return dn_builder_append_str(b, tmp, (size_t)dn_format_f64(f, tmp), err);
	}
	return dn_builder_append_str(b, q->text.data + v, (size_t)q->len[cell], err);
}

static int sq_query_next(struct dn_wh_query *wq, struct dn_batch **out, struct dn_error *err)
{
	struct sq_query *q = wq->impl;
	if (q->done)
		return 0;
	int nc = q->ncols;
	int64_t n = 0;
	dn_buf_reset(&q->text);
	static const char hex[] = "0123456789abcdef";
	while (n < q->batch_rows) {
		int s = sqlite3_step(q->st);
		if (s == SQLITE_DONE) {
			q->done = 1;
			break;
		}
		if (s != SQLITE_ROW)
			return dn_error_set(err, DN_EIO, "SQL error at row %lld: %s",
					    (long long)(q->row + n + 1), sqlite3_errmsg(q->db));
		for (int c = 0; c < nc; c++) {
			size_t cell = (size_t)n * (size_t)nc + (size_t)c;
			switch (sqlite3_column_type(q->st, c)) {
			case SQLITE_INTEGER:
				q->kind[cell] = K_INT;
				q->num[cell] = sqlite3_column_int64(q->st, c);
				break;
			case SQLITE_FLOAT: {
				double f = sqlite3_column_double(q->st, c);
				q->kind[cell] = K_REAL;
				memcpy(&q->num[cell], &f, sizeof f);
				break;
			}
			case SQLITE_NULL:
				q->kind[cell] = K_NULL;
				break;
			case SQLITE_BLOB: { /* as lowercase hex text: strings must be UTF-8 */
				const unsigned char *bp = sqlite3_column_blob(q->st, c);
				int bn = sqlite3_column_bytes(q->st, c);
				q->kind[cell] = K_BLOB;
				q->num[cell] = (int64_t)q->text.len;
				q->len[cell] = 2 * (int64_t)bn;
				for (int j = 0; j < bn; j++) {
					DN_TRY(dn_buf_putc(&q->text, hex[bp[j] >> 4], err));
					DN_TRY(dn_buf_putc(&q->text, hex[bp[j] & 15], err));
				}
				break;
			}
			default: {
				const char *t = (const char *)sqlite3_column_text(q->st, c);
				int tn = sqlite3_column_bytes(q->st, c);
				q->kind[cell] = K_TEXT;
				q->num[cell] = (int64_t)q->text.len;
				q->len[cell] = tn;
				DN_TRY(dn_buf_append(&q->text, t ? t : "", (size_t)tn, err));
			}
			}
		}
		n++;
	}
	if (n == 0 && q->emitted)
		return 0;
	/* Types: from the values, never narrowing what earlier batches had. */
	dn_schema_release(&q->schema);
	dn_schema_init(&q->schema);
	for (int c = 0; c < nc; c++) {
		unsigned seen = 0;
		for (int64_t i = 0; i < n; i++)
			seen |= 1u << q->kind[(size_t)i * (size_t)nc + (size_t)c];
		seen &= ~1u;
		enum dn_type t = 0;
		if (seen == (1u << K_INT))
			t = DN_INT64;
		else if (seen && !(seen & ~((1u << K_INT) | (1u << K_REAL))))
			t = DN_FLOAT64;
		else if (seen)
			t = DN_STRING;
		if (!t)
			t = q->cur[c] ? q->cur[c] : decl_type(q->st, c);
		else if (q->cur[c])
			t = dn_type_widen(q->cur[c], t);
		q->cur[c] = t;
		const char *name = sqlite3_column_name(q->st, c);
		DN_TRY(dn_schema_add(&q->schema, name ? name : "", name ? strlen(name) : 0, t,
				     err));
		dn_builder_release(&q->bl[c]);
		dn_builder_init(&q->bl[c], t);
		for (int64_t i = 0; i < n; i++)
			DN_TRY(cell_append(q, &q->bl[c], (size_t)i * (size_t)nc + (size_t)c, err));
	}
	struct dn_batch *b = dn_batch_from_builders(&q->schema, q->bl, err);
	if (!b)
		return err && err->code ? err->code : DN_ENOMEM;
	b->first_row = q->row;
	q->row += n;
	q->emitted = 1;
	*out = b;
	return 1;
}

static int64_t sq_query_changes(const struct dn_wh_query *wq)
{
	const struct sq_query *q = wq->impl;
	return q->changes;
}

static void sq_query_free(struct dn_wh_query *wq)
{
	query_free_impl(wq->impl);
	wq->impl = NULL;
}

static int sq_exec(struct dn_wh *wh, const char *sql, int64_t *changes, struct dn_error *err)
{
	sqlite3 *db = db_of(wh);
	int64_t before = sqlite3_total_changes64(db);
	DN_TRY(exec_sql(db, "BEGIN IMMEDIATE", "cannot start a transaction", err));
	int rc = exec_sql(db, sql, "sql", err);
	if (rc == 0)
		rc = exec_sql(db, "COMMIT", "commit failed", err);
	if (rc < 0) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return rc;
	}
	if (changes)
		*changes = sqlite3_total_changes64(db) - before;
	return 0;
}

const struct dn_wh_ops dn_wh_sqlite_ops = {
	"sqlite",      sq_open,          sq_close,       sq_table_exists, sq_create_table,
	sq_load_begin, sq_load_batch,    sq_load_commit, sq_load_abort,   sq_query_open,
	sq_query_next, sq_query_changes, sq_query_free,  sq_exec,
};
