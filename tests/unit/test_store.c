/* Tests of the SQLite warehouse (store.h): the type mapping round trip, every load mode, replace
 * leaving the old table intact when a load fails, merge and incremental correctness, bounded
 * query batches, awkward identifiers and the error messages users see. */
#include "../../src/formats/formats.h"
#include "../../src/store/store.h"
#include "../../src/store/store_int.h"
#include "../test.h"

static struct dn_batch *csv_batch(const char *csv)
{
	struct dn_reader *r = NULL;
	struct dn_batch *b = NULL;
	struct dn_read_options o;
	dn_read_options_init(&o);
	o.threads = 1;
	if (dn_reader_open_mem(&r, "t.csv", csv, strlen(csv), DN_FORMAT_CSV, &o, NULL) < 0)
		return NULL;
	if (dn_reader_next(r, &b, NULL) != 1)
		b = NULL;
	dn_reader_free(r);
	return b;
}

/* Load csv into table with opt; returns the commit's result. */
static int load_csv(struct dn_wh *wh, const char *table, const char *csv,
		    const struct dn_wh_load_options *opt, struct dn_wh_load_stats *st,
		    struct dn_error *err)
{
	struct dn_batch *b = csv_batch(csv);
	struct dn_wh_load *ld = NULL;
	if (!b)
		return DN_EPARSE;
	int rc = dn_wh_load_begin(wh, &ld, table, &b->schema, opt, err);
	if (rc == 0 && (rc = dn_wh_load_batch(ld, b, err)) < 0)
		dn_wh_load_abort(ld);
	else if (rc == 0)
		rc = dn_wh_load_commit(ld, st, err);
	dn_batch_free(b);
	return rc;
}

/* The query's rows as CSV text (all batches). */
static const char *query_csv(struct dn_wh *wh, const char *sql)
{
	static struct dn_buf out;
	struct dn_wh_query *q = NULL;
	struct dn_writer *w = NULL;
	struct dn_batch *b;
	struct dn_write_options wo;
	dn_write_options_init(&wo);
	dn_buf_release(&out);
	if (dn_wh_query_open(wh, &q, sql, 0, NULL) < 0)
		return "(query failed)";
	dn_writer_open_buf(&w, &out, DN_FORMAT_CSV, &wo, NULL);
	while (dn_wh_query_next(q, &b, NULL) > 0) {
		dn_writer_write(w, b, NULL);
		dn_batch_free(b);
	}
	dn_writer_finish(w, NULL);
	dn_writer_free(w);
	dn_wh_query_free(q);
	return out.data ? out.data : "";
}

static struct dn_wh *open_db(const char *name)
{
	struct dn_wh *wh = NULL;
	char url[600];
	snprintf(url, sizeof url, "sqlite://%s", name);
	if (dn_wh_open(&wh, url, dn_test_tmpdir(), NULL) < 0)
		return NULL;
	return wh;
}

DN_TEST(store_types_round_trip)
{
	struct dn_error err;
	struct dn_wh_load_options o;
	dn_wh_load_options_init(&o);
	struct dn_wh *wh = open_db("types.db");
	CHECK(wh);
	const char *csv =
		"b,i,f,s,d,ts\n"
		"true,-9223372036854775808,1.5,héllo,2024-02-29,2024-02-29T23:59:59.123456Z\n"
		"false,42,-0.25,,1970-01-01,1969-12-31T23:59:59Z\n"
		",,,x,,\n";
	struct dn_batch *in = csv_batch(csv);
	CHECK(in);
	CHECK_INT(in->schema.fields[0].type, DN_BOOL);
	CHECK_INT(in->schema.fields[4].type, DN_DATE);
	CHECK_INT(in->schema.fields[5].type, DN_TIMESTAMP);
	dn_batch_free(in);
	CHECK_OK(load_csv(wh, "t", csv, &o, NULL, &err), &err);
	CHECK_STR(query_csv(wh, "SELECT * FROM t"),
		  "b,i,f,s,d,ts\n"
		  "1,-9223372036854775808,1.5,héllo,\"2024-02-29\","
		  "\"2024-02-29T23:59:59.123456Z\"\n"
		  "0,42,-0.25,,\"1970-01-01\",\"1969-12-31T23:59:59.000000Z\"\n"
		  ",,,x,,\n");
	/* Types of the result: INTEGER, REAL, TEXT; nulls stay null. */
	struct dn_wh_query *q = NULL;
	struct dn_batch *b = NULL;
	CHECK_OK(dn_wh_query_open(wh, &q, "SELECT * FROM t", 0, &err), &err);
	CHECK_INT(dn_wh_query_next(q, &b, &err), 1);
	CHECK_INT(b->schema.fields[0].type, DN_INT64);
	CHECK_INT(b->schema.fields[1].type, DN_INT64);
	CHECK_INT(b->schema.fields[2].type, DN_FLOAT64);
	CHECK_INT(b->schema.fields[3].type, DN_STRING);
	CHECK_INT(b->schema.fields[5].type, DN_STRING);
	CHECK(dn_column_is_null(&b->columns[1], 2));
	CHECK_INT(dn_column_i64(&b->columns[1], 0), INT64_MIN);
	dn_batch_free(b);
	CHECK_INT(dn_wh_query_next(q, &b, &err), 0);
	dn_wh_query_free(q);
	/* Declared types in the table. */
	CHECK_STR(query_csv(wh, "SELECT type FROM pragma_table_info('t')"),
		  "type\nINTEGER\nINTEGER\nREAL\nTEXT\nTEXT\nTEXT\n");
	/* A column mixing types comes back as strings. */
	CHECK_STR(query_csv(wh, "SELECT 1 AS m UNION ALL SELECT 'a' UNION ALL SELECT 2.5"),
		  "m\n\"1\"\na\n\"2.5\"\n");
	dn_wh_close(wh);
}

DN_TEST(store_append_and_replace)
{
	struct dn_error err;
	struct dn_wh_load_options o;
	dn_wh_load_options_init(&o);
	struct dn_wh *wh = open_db("ar.db");
	CHECK(wh);
	CHECK_OK(load_csv(wh, "t", "id,v\n1,a\n2,b\n", &o, NULL, &err), &err);
	CHECK_OK(load_csv(wh, "t", "id,v\n3,c\n", &o, NULL, &err), &err);
	CHECK_STR(query_csv(wh, "SELECT count(*) AS n FROM t"), "n\n3\n");
	o.mode = DN_WH_REPLACE;
	CHECK_OK(load_csv(wh, "t", "id,v\n9,z\n", &o, NULL, &err), &err);
	CHECK_STR(query_csv(wh, "SELECT * FROM t"), "id,v\n9,z\n");
	CHECK_INT(dn_wh_table_exists(wh, "_dunya_new_t", &err), 0);
	CHECK_INT(dn_wh_table_exists(wh, "t", &err), 1);
	dn_wh_close(wh);
}

/* A replace that fails halfway (a bad row under the fail policy) leaves the old table whole, and
 * a second connection reading during the load sees the old rows. */
DN_TEST(store_replace_failure_keeps_old_table)
{
	struct dn_error err;
	struct dn_wh_load_options o;
	dn_wh_load_options_init(&o);
	struct dn_wh *wh = open_db("rep.db"), *reader = open_db("rep.db");
	CHECK(wh && reader);
	CHECK_OK(load_csv(wh, "t", "id,v\n1,a\n2,b\n", &o, NULL, &err), &err);
	const char *csv = "id,v\n10,x\n11,y\n12,too,many\n13,z\n";
	struct dn_reader *r = NULL;
	struct dn_read_options ro;
	dn_read_options_init(&ro);
	ro.threads = 1;
	ro.batch_rows = 1;
	CHECK_OK(dn_reader_open_mem(&r, "bad.csv", csv, strlen(csv), DN_FORMAT_CSV, &ro, &err),
		 &err);
	struct dn_wh_load *ld = NULL;
	o.mode = DN_WH_REPLACE;
	CHECK_OK(dn_wh_load_begin(wh, &ld, "t", dn_reader_schema(r), &o, &err), &err);
	struct dn_batch *b;
	int k, loaded = 0;
	while ((k = dn_reader_next(r, &b, &err)) > 0) {
		CHECK_OK(dn_wh_load_batch(ld, b, &err), &err);
		dn_batch_free(b);
		loaded++;
		/* Mid-load, another connection still sees the old table. */
		CHECK_STR(query_csv(reader, "SELECT * FROM t"), "id,v\n1,a\n2,b\n");
	}
	CHECK(k < 0);
	CHECK_INT(err.line, 4);
	CHECK(loaded >= 1);
	dn_wh_load_abort(ld);
	dn_reader_free(r);
	CHECK_STR(query_csv(wh, "SELECT * FROM t"), "id,v\n1,a\n2,b\n");
	CHECK_STR(query_csv(reader, "SELECT * FROM t"), "id,v\n1,a\n2,b\n");
	dn_wh_close(reader);
	dn_wh_close(wh);
}

DN_TEST(store_merge)
{
	struct dn_error err;
	struct dn_wh_load_options o;
	dn_wh_load_options_init(&o);
	o.mode = DN_WH_MERGE;
	o.nkeys = 2;
	o.keys[0] = "k1";
	o.keys[1] = "k2";
	struct dn_wh *wh = open_db("merge.db");
	CHECK(wh);
	CHECK_OK(load_csv(wh, "m", "k1,k2,v\n1,a,one\n1,b,two\n2,a,three\n", &o, NULL, &err), &err);
	struct dn_wh_load_stats st;
	CHECK_OK(load_csv(wh, "m", "k1,k2,v\n1,b,TWO\n3,c,four\n1,b,TWO again\n", &o, &st, &err),
		 &err);
	CHECK_INT(st.rows_written, 3);
	CHECK_STR(query_csv(wh, "SELECT * FROM m ORDER BY k1, k2"),
		  "k1,k2,v\n1,a,one\n1,b,TWO again\n2,a,three\n3,c,four\n");
	/* The keys are unique in the table. */
	CHECK(dn_wh_query_open(wh, &(struct dn_wh_query *){NULL},
			       "INSERT INTO m VALUES (1,'a','x')", 0, &err) < 0);
	CHECK(strstr(err.msg, "UNIQUE constraint failed"));
	/* Every column a key: rows already there are left alone. */
	o.nkeys = 1;
	o.keys[0] = "id";
	CHECK_OK(load_csv(wh, "ids", "id\n1\n2\n", &o, NULL, &err), &err);
	CHECK_OK(load_csv(wh, "ids", "id\n2\n3\n", &o, NULL, &err), &err);
	CHECK_STR(query_csv(wh, "SELECT * FROM ids ORDER BY id"), "id\n1\n2\n3\n");
	dn_wh_close(wh);
}

DN_TEST(store_incremental)
{
	struct dn_error err;
	struct dn_wh_load_options o;
	struct dn_wh_load_stats st;
	dn_wh_load_options_init(&o);
	o.mode = DN_WH_INCREMENTAL;
	o.incremental_column = "ts";
	struct dn_wh *wh = open_db("inc.db");
	CHECK(wh);
	CHECK_OK(load_csv(wh, "e", "id,ts\n1,2024-01-01T00:00:00Z\n2,2024-01-02T00:00:00Z\n", &o,
			  &st, &err),
		 &err);
	CHECK_INT(st.rows_written, 2);
	CHECK_STR(st.watermark, "2024-01-02T00:00:00.000000Z");
	dn_wh_close(wh);
	/* The mark survives reopening: only rows above it are loaded. */
	wh = open_db("inc.db");
	CHECK(wh);
	CHECK_OK(load_csv(wh, "e",
			  "id,ts\n2,2024-01-02T00:00:00Z\n3,2024-01-03T00:00:00Z\n"
			  "0,2023-12-31T00:00:00Z\n4,\n",
			  &o, &st, &err),
		 &err);
	CHECK_INT(st.rows_written, 1);
	CHECK_INT(st.rows_filtered, 3);
	CHECK_STR(query_csv(wh, "SELECT id FROM e ORDER BY id"), "id\n1\n2\n3\n");
	CHECK_STR(query_csv(wh, "SELECT * FROM _dunya_watermarks"),
		  "table_name,column_name,value\ne,ts,\"2024-01-03T00:00:00.000000Z\"\n");
	/* Integers compare as numbers (10 > 9), and keys make it a merge. */
	o.incremental_column = "seq";
	o.nkeys = 1;
	o.keys[0] = "id";
	CHECK_OK(load_csv(wh, "n", "id,seq,v\n1,9,a\n", &o, &st, &err), &err);
	CHECK_OK(load_csv(wh, "n", "id,seq,v\n1,10,b\n2,8,c\n", &o, &st, &err), &err);
	CHECK_INT(st.rows_written, 1);
	CHECK_STR(st.watermark, "10");
	CHECK_STR(query_csv(wh, "SELECT * FROM n"), "id,seq,v\n1,10,b\n");
	dn_wh_close(wh);
}

DN_TEST(store_query_batches_bounded)
{
	struct dn_error err;
	struct dn_wh *wh = open_db("q.db");
	struct dn_wh_query *q = NULL;
	struct dn_batch *b;
	CHECK(wh);
	CHECK_OK(dn_wh_query_open(wh, &q,
				  "CREATE TABLE r(x INTEGER); "
				  "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c "
				  "WHERE x < 1000) INSERT INTO r SELECT x FROM c; "
				  "SELECT x, NULL AS n FROM r",
				  100, &err),
		 &err);
	CHECK_INT(dn_wh_query_changes(q), 1000);
	int64_t rows = 0, sum = 0;
	int k, nb = 0;
	while ((k = dn_wh_query_next(q, &b, &err)) > 0) {
		CHECK(b->nrows <= 100);
		CHECK_INT(b->first_row, rows);
		for (int64_t i = 0; i < b->nrows; i++)
			sum += dn_column_i64(&b->columns[0], i);
		CHECK_INT(b->columns[1].null_count, b->nrows);
		rows += b->nrows;
		nb++;
		dn_batch_free(b);
	}
	CHECK_INT(k, 0);
	CHECK_INT(rows, 1000);
	CHECK_INT(sum, 500500);
	CHECK_INT(nb, 10);
	dn_wh_query_free(q);
	/* No rows: one empty batch carrying the columns. */
	CHECK_OK(dn_wh_query_open(wh, &q, "SELECT x FROM r WHERE x < 0", 0, &err), &err);
	CHECK_INT(dn_wh_query_next(q, &b, &err), 1);
	CHECK_INT(b->nrows, 0);
	CHECK_INT(b->schema.fields[0].type, DN_INT64);
	dn_batch_free(b);
	CHECK_INT(dn_wh_query_next(q, &b, &err), 0);
	dn_wh_query_free(q);
	dn_wh_close(wh);
}

DN_TEST(store_identifiers_quoted)
{
	struct dn_error err;
	struct dn_wh_load_options o;
	dn_wh_load_options_init(&o);
	o.mode = DN_WH_MERGE;
	o.nkeys = 1;
	o.keys[0] = "my \"key\"";
	struct dn_wh *wh = open_db("ids.db");
	CHECK(wh);
	const char *csv = "\"my \"\"key\"\"\",select,a b\n1,x,y\n";
	CHECK_OK(load_csv(wh, "odd \"table\" name", csv, &o, NULL, &err), &err);
	CHECK_OK(load_csv(wh, "odd \"table\" name", csv, &o, NULL, &err), &err);
	o.mode = DN_WH_REPLACE;
	o.nkeys = 0;
	CHECK_OK(load_csv(wh, "odd \"table\" name", csv, &o, NULL, &err), &err);
	CHECK_STR(query_csv(wh, "SELECT * FROM \"odd \"\"table\"\" name\""),
		  "\"my \"\"key\"\"\",select,a b\n1,x,y\n");
	dn_wh_close(wh);
}

DN_TEST(store_errors)
{
	struct dn_error err;
	struct dn_wh *wh = NULL;
	struct dn_wh_query *q = NULL;
	struct dn_wh_load *ld = NULL;
	struct dn_wh_load_options o;
	dn_wh_load_options_init(&o);
	CHECK_INT(dn_wh_open(&wh, "mysql://u:secret@h/db", NULL, &err), DN_EINVAL);
	CHECK(strstr(err.msg, "not a warehouse URL"));
	CHECK(!strstr(err.msg, "secret"));
	/* A URL libpq rejects before connecting (test_store_pg.c has the rest). */
	CHECK_INT(dn_wh_open(&wh, "postgres://u:secret@127.0.0.1/db?bogus=secret", NULL, &err),
		  DN_EINVAL);
	CHECK(strstr(err.msg, "not a valid PostgreSQL URL"));
	CHECK(!strstr(err.msg, "secret"));
	CHECK_INT(dn_wh_open(&wh, "sqlite://", NULL, &err), DN_EINVAL);
	CHECK_INT(dn_wh_open(&wh, "sqlite:///nonexistent-dir/x/y.db", NULL, &err), DN_EIO);
	CHECK(strstr(err.msg, "cannot open warehouse"));
	wh = open_db("err.db");
	CHECK(wh);
	CHECK_INT(dn_wh_query_open(wh, &q, "SELECT * FROM missing", 0, &err), DN_EIO);
	CHECK(strstr(err.msg, "no such table: missing"));
	CHECK_INT(dn_wh_query_open(wh, &q, "SELEC 1", 0, &err), DN_EIO);
	CHECK(strstr(err.msg, "syntax error"));
	struct dn_batch *b = csv_batch("a,b\n1,2\n");
	CHECK(b);
	o.mode = DN_WH_MERGE;
	CHECK_INT(dn_wh_load_begin(wh, &ld, "t", &b->schema, &o, &err), DN_EINVAL);
	CHECK(strstr(err.msg, "key columns"));
	o.nkeys = 1;
	o.keys[0] = "c";
	CHECK_INT(dn_wh_load_begin(wh, &ld, "t", &b->schema, &o, &err), DN_EINVAL);
	CHECK(strstr(err.msg, "'c'"));
	o.mode = DN_WH_INCREMENTAL;
	o.nkeys = 0;
	CHECK_INT(dn_wh_load_begin(wh, &ld, "t", &b->schema, &o, &err), DN_EINVAL);
	CHECK(strstr(err.msg, "incremental column"));
	dn_batch_free(b);
	enum dn_wh_mode m;
	CHECK_INT(dn_wh_mode_parse("merge", &m), 0);
	CHECK_INT(m, DN_WH_MERGE);
	CHECK_INT(dn_wh_mode_parse("upsert", &m), DN_EPARSE);
	dn_wh_close(wh);
}

/* Loads read their rows through a virtual table registered for the load's life: loads with other
 * columns on the same handle, multi-batch loads, a failed load followed by a good one, the row a
 * constraint error names, and a real table that would hide the virtual one. */
DN_TEST(store_load_rows_table)
{
	struct dn_error err;
	struct dn_wh_load_options o;
	struct dn_wh_load_stats st;
	dn_wh_load_options_init(&o);
	struct dn_wh *wh = open_db("rows.db");
	CHECK(wh);
	CHECK_OK(load_csv(wh, "a", "x,y,z\n1,2,3\n", &o, NULL, &err), &err);
	CHECK_OK(load_csv(wh, "b", "only\nv\n", &o, NULL, &err), &err);
	CHECK_STR(query_csv(wh, "SELECT * FROM a"), "x,y,z\n1,2,3\n");
	CHECK_STR(query_csv(wh, "SELECT * FROM b"), "only\nv\n");
	/* Several batches, one transaction; a float in an INTEGER column keeps its affinity. */
	const char *csv = "id,v\n1,a\n2,b\n3,c\n4.5,d\n";
	struct dn_reader *r = NULL;
	struct dn_read_options ro;
	dn_read_options_init(&ro);
	ro.threads = 1;
	ro.batch_rows = 1;
	ro.infer_rows = 1;
	CHECK_OK(dn_reader_open_mem(&r, "m.csv", csv, strlen(csv), DN_FORMAT_CSV, &ro, &err), &err);
	CHECK_OK(dn_wh_load_reader(wh, r, "m", &o, &st, &err), &err);
	dn_reader_free(r);
	CHECK_INT(st.rows_in, 4);
	CHECK_INT(st.rows_written, 4);
	CHECK_STR(query_csv(wh, "SELECT typeof(id) AS t, v FROM m"),
		  "t,v\ninteger,a\ninteger,b\ninteger,c\nreal,d\n");
	/* A constraint error names the row, the load is rolled back, and the handle loads again. */
	CHECK_OK(dn_wh_exec(wh, "CREATE TABLE u (k INTEGER UNIQUE, v TEXT)", NULL, &err), &err);
	CHECK_INT(load_csv(wh, "u", "k,v\n1,a\n2,b\n1,c\n", &o, NULL, &err), DN_EIO);
	CHECK(strstr(err.msg, "loading row 3 into u"));
	CHECK(strstr(err.msg, "UNIQUE constraint failed"));
	CHECK_STR(query_csv(wh, "SELECT count(*) AS n FROM u"), "n\n0\n");
	CHECK_OK(load_csv(wh, "u", "k,v\n1,a\n2,b\n", &o, NULL, &err), &err);
	CHECK_STR(query_csv(wh, "SELECT * FROM u"), "k,v\n1,a\n2,b\n");
	/* Between batches the table is empty to anyone else on the handle. */
	struct dn_batch *b = csv_batch("k,v\n3,c\n");
	struct dn_wh_load *ld = NULL;
	CHECK(b);
	CHECK_OK(dn_wh_load_begin(wh, &ld, "u", &b->schema, &o, &err), &err);
	CHECK_OK(dn_wh_load_batch(ld, b, &err), &err);
	CHECK_STR(query_csv(wh, "SELECT count(*) AS n FROM _dunya_load_rows"), "n\n0\n");
	CHECK_OK(dn_wh_load_commit(ld, NULL, &err), &err);
	dn_batch_free(b);
	CHECK_STR(query_csv(wh, "SELECT * FROM u"), "k,v\n1,a\n2,b\n3,c\n");
	/* The name is reserved: a table of that name is an error, not a source of rows. */
	CHECK_OK(dn_wh_exec(wh, "CREATE TABLE _dunya_load_rows (c0)", NULL, &err), &err);
	CHECK_INT(load_csv(wh, "b", "only\nw\n", &o, NULL, &err), DN_EINVAL);
	CHECK(strstr(err.msg, "_dunya_load_rows"));
	CHECK_STR(query_csv(wh, "SELECT * FROM b"), "only\nv\n");
	CHECK_OK(dn_wh_exec(wh, "DROP TABLE _dunya_load_rows", NULL, &err), &err);
	CHECK_OK(load_csv(wh, "b", "only\nw\n", &o, NULL, &err), &err);
	CHECK_STR(query_csv(wh, "SELECT * FROM b"), "only\nv\nw\n");
	/* No load in progress: the virtual table is gone. */
	CHECK_INT(dn_wh_query_open(wh, &(struct dn_wh_query *){NULL},
				   "SELECT * FROM _dunya_load_rows", 0, &err),
		  DN_EIO);
	dn_wh_close(wh);
}

/* Timestamps as stored: always 6 fraction digits, UTC; years outside 0-9999 in the general form.
 * Checked against snprintf over a spread of values on both sides of the epoch. */
DN_TEST(store_timestamp_text)
{
	char out[48], want[48];
	CHECK_INT(dn_wh_fmt_ts(0, out), 27);
	CHECK_STR(out, "1970-01-01T00:00:00.000000Z");
	dn_wh_fmt_ts(-1, out);
	CHECK_STR(out, "1969-12-31T23:59:59.999999Z");
	dn_wh_fmt_ts(1709251199123456, out);
	CHECK_STR(out, "2024-02-29T23:59:59.123456Z");
	dn_wh_fmt_ts(253402300799999999, out); /* the last microsecond of 9999 */
	CHECK_STR(out, "9999-12-31T23:59:59.999999Z");
	dn_wh_fmt_ts(253402300800000000, out);
	CHECK_STR(out, "10000-01-01T00:00:00.000000Z");
	dn_wh_fmt_ts(-62135596800000001, out); /* just before 0001-01-01 */
	CHECK_STR(out, "0000-12-31T23:59:59.999999Z");
	uint64_t x = 88172645463325252u;
	for (int k = 0; k < 20000; k++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		int64_t us = (int64_t)(x % 500000000000000000u) - 250000000000000000;
		int64_t days = us / DN_USEC_PER_DAY, rem = us % DN_USEC_PER_DAY;
		if (rem < 0) {
			rem += DN_USEC_PER_DAY;
			days--;
		}
		int y, m, d;
		dn_civil_from_days((int32_t)days, &y, &m, &d);
		int64_t secs = rem / DN_USEC_PER_SEC;
		int n = snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", y, m, d,
				 (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60),
				 (int)(rem % DN_USEC_PER_SEC));
		CHECK_INT(dn_wh_fmt_ts(us, out), n);
		CHECK_STR(out, want);
	}
}
