/* Tests of the PostgreSQL warehouse (store.h, warehouse_pg.c) against a real server: a throwaway
 * cluster on 127.0.0.1 that tests/pg-server starts once per test process and stops at exit.
 * Covered: the type mapping both ways (nulls, odd strings, special floats, bit for bit through
 * binary COPY), tables that existed with other types (binary or text COPY), the switch to text
 * COPY in the middle of a load, every load mode,
 * merge with duplicate keys, replace seen by a concurrent reader, watermarks across loads, type
 * widening between batches, scripts that commit or roll back, query batches of more than 8192
 * rows, a load killed with SIGKILL in the middle of COPY, and the connection errors users see
 * (a wrong password never shows up in them).
 *
 * Without the PostgreSQL server programs these tests fail (they do not skip): CI installs them
 * with scripts/install-deps. */
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../src/formats/formats.h"
#include "../../src/store/store.h"
#include "../test.h"

/* ---- the server ---- */

static char pg_url[512], pg_dir[512], pg_problem[1024];
static int pg_tried;

static void pg_stop(void)
{
	char cmd[1200];
	if (!pg_dir[0])
		return;
	snprintf(cmd, sizeof cmd, "'%s/tests/pg-server' stop '%s' >/dev/null 2>&1", DN_SOURCE_DIR,
		 pg_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not stop the test PostgreSQL server in %s\n", pg_dir);
	pg_dir[0] = 0;
}

/* The server's URL, starting it the first time; NULL with pg_problem set when it cannot. */
static const char *pg_server(void)
{
	if (pg_tried)
		return pg_url[0] ? pg_url : NULL;
	pg_tried = 1;
	char cmd[1200];
	snprintf(cmd, sizeof cmd, "'%s/tests/pg-server' start --owner %ld 2>&1", DN_SOURCE_DIR,
		 (long)getpid());
	FILE *f = popen(cmd, "r");
	if (!f) {
		snprintf(pg_problem, sizeof pg_problem, "cannot run tests/pg-server");
		return NULL;
	}
	char line1[400] = "", line2[400] = "";
	if (!fgets(line1, sizeof line1, f))
		line1[0] = 0;
	if (!fgets(line2, sizeof line2, f))
		line2[0] = 0;
	int st = pclose(f);
	line1[strcspn(line1, "\n")] = 0;
	line2[strcspn(line2, "\n")] = 0;
	if (st != 0 || strncmp(line1, "postgres://", 11) != 0) {
		snprintf(pg_problem, sizeof pg_problem,
			 "no PostgreSQL server for the tests: %s %s (run scripts/install-deps)",
			 line1, line2);
		return NULL;
	}
	snprintf(pg_url, sizeof pg_url, "%s", line1);
	snprintf(pg_dir, sizeof pg_dir, "%s", line2);
	atexit(pg_stop);
	return pg_url;
}

static struct dn_wh *pg_open_(struct dn_test_ctx *t, int line)
{
	const char *url = pg_server();
	struct dn_error err;
	struct dn_wh *wh = NULL;
	if (!url) {
		dn_test_fail(t, __FILE__, line, "%s", pg_problem);
		return NULL;
	}
	if (dn_wh_open(&wh, url, NULL, &err) < 0) {
		dn_test_fail(t, __FILE__, line, "cannot open %s: %s", "the test server", err.msg);
		return NULL;
	}
	return wh;
}

#define PG_OPEN(wh)                                                                                \
	do {                                                                                       \
		(wh) = pg_open_(dn_t_, __LINE__);                                                  \
		if (!(wh))                                                                         \
			return;                                                                    \
	} while (0)

/* The server's port, from the URL. */
static const char *pg_port(void)
{
	static char port[16];
	const char *p = strrchr(pg_url, ':');
	snprintf(port, sizeof port, "%.*s", (int)strcspn(p + 1, "/"), p + 1);
	return port;
}

/* ---- helpers ---- */

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

static int load_batch(struct dn_wh *wh, const char *table, const struct dn_batch *b,
		      const struct dn_wh_load_options *opt, struct dn_wh_load_stats *st,
		      struct dn_error *err)
{
	struct dn_wh_load *ld = NULL;
	int rc = dn_wh_load_begin(wh, &ld, table, &b->schema, opt, err);
	if (rc == 0 && (rc = dn_wh_load_batch(ld, b, err)) < 0)
		dn_wh_load_abort(ld);
	else if (rc == 0)
		rc = dn_wh_load_commit(ld, st, err);
	return rc;
}

static int load_csv(struct dn_wh *wh, const char *table, const char *csv,
		    const struct dn_wh_load_options *opt, struct dn_wh_load_stats *st,
		    struct dn_error *err)
{
	struct dn_batch *b = csv_batch(csv);
	if (!b)
		return DN_EPARSE;
	int rc = load_batch(wh, table, b, opt, st, err);
	dn_batch_free(b);
	return rc;
}

/* The query's rows as CSV text (all batches). */
static const char *query_csv(struct dn_wh *wh, const char *sql)
{
	static struct dn_buf out;
	static char failed[900];
	struct dn_wh_query *q = NULL;
	struct dn_writer *w = NULL;
	struct dn_batch *b;
	struct dn_write_options wo;
	struct dn_error err;
	dn_write_options_init(&wo);
	dn_buf_release(&out);
	if (dn_wh_query_open(wh, &q, sql, 0, &err) < 0) {
		snprintf(failed, sizeof failed, "(query failed: %s)", err.msg);
		return failed;
	}
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

/* The one int64 a query returns, or INT64_MIN. */
static int64_t query_i64(struct dn_wh *wh, const char *sql)
{
	struct dn_wh_query *q = NULL;
	struct dn_batch *b = NULL;
	int64_t v = INT64_MIN;
	if (dn_wh_query_open(wh, &q, sql, 0, NULL) < 0)
		return v;
	if (dn_wh_query_next(q, &b, NULL) == 1 && b->nrows == 1 && b->columns[0].type == DN_INT64 &&
	    !dn_column_is_null(&b->columns[0], 0))
		v = dn_column_i64(&b->columns[0], 0);
	dn_batch_free(b);
	dn_wh_query_free(q);
	return v;
}

/* rows rows of (id int64 = first.., v string "row<id>"). */
static struct dn_batch *id_batch(int64_t first, int64_t rows)
{
	struct dn_schema s;
	struct dn_builder bl[2];
	char tmp[32];
	dn_schema_init(&s);
	dn_schema_add(&s, "id", 2, DN_INT64, NULL);
	dn_schema_add(&s, "v", 1, DN_STRING, NULL);
	dn_builder_init(&bl[0], DN_INT64);
	dn_builder_init(&bl[1], DN_STRING);
	for (int64_t i = 0; i < rows; i++) {
		int n = snprintf(tmp, sizeof tmp, "row%lld", (long long)(first + i));
		dn_builder_append_i64(&bl[0], first + i, NULL);
		dn_builder_append_str(&bl[1], tmp, (size_t)n, NULL);
	}
	struct dn_batch *b = dn_batch_from_builders(&s, bl, NULL);
	dn_builder_release(&bl[0]);
	dn_builder_release(&bl[1]);
	dn_schema_release(&s);
	return b;
}

/* Capture dunya's debug log (where the backend says which COPY format it uses). */
static FILE *log_f;
static char *log_text;
static size_t log_size;
static enum dn_log_level log_was;

static void log_start(void)
{
	free(log_text);
	log_text = NULL;
	log_f = open_memstream(&log_text, &log_size);
	log_was = dn_log_get_level();
	dn_log_set_stream(log_f);
	dn_log_set_level(DN_LOG_DEBUG);
}

/* The text logged since log_start; valid until the next log_start. */
static const char *log_stop(void)
{
	dn_log_set_level(log_was);
	dn_log_set_stream(NULL);
	if (log_f)
		fclose(log_f);
	log_f = NULL;
	return log_text ? log_text : "";
}

/* One batch of a date column d and an int64 column f, one row. */
static struct dn_batch *date_int_batch(int32_t d, int64_t f)
{
	struct dn_schema s;
	struct dn_builder bl[2];
	dn_schema_init(&s);
	dn_schema_add(&s, "d", 1, DN_DATE, NULL);
	dn_schema_add(&s, "f", 1, DN_INT64, NULL);
	dn_builder_init(&bl[0], DN_DATE);
	dn_builder_init(&bl[1], DN_INT64);
	dn_builder_append_date(&bl[0], d, NULL);
	dn_builder_append_i64(&bl[1], f, NULL);
	struct dn_batch *b = dn_batch_from_builders(&s, bl, NULL);
	dn_builder_release(&bl[0]);
	dn_builder_release(&bl[1]);
	dn_schema_release(&s);
	return b;
}

/* ---- tests ---- */

DN_TEST(store_pg_types_round_trip)
{
	struct dn_error err;
	struct dn_wh_load_options o;
	struct dn_wh *wh;
	dn_wh_load_options_init(&o);
	o.mode = DN_WH_REPLACE;
	PG_OPEN(wh);
	const char *csv =
		"b,i,f,s,d,ts\n"
		"true,-9223372036854775808,1.5,héllo,2024-02-29,2024-02-29T23:59:59.123456Z\n"
		"false,9223372036854775807,-0.25,,1970-01-01,1969-12-31T23:59:59Z\n"
		",,,x,,\n"
		"true,0,nan,\"tab\there\",0001-01-01,0001-01-01T00:00:00Z\n"
		"false,1,inf,\"line\nbreak\r\nand CR\",9999-12-31,9999-12-31T23:59:59.999999Z\n"
		"true,2,-inf,\"back\\slash \\N \\t \"\"quoted\"\" 'single'\",2000-02-29,"
		"2000-01-01T12:00:00+05:30\n"
		"false,3,-0.0,\"日本語 🎉 ünïcödé\",1999-12-31,2024-06-30T00:00:00.5Z\n"
		"true,4,1e300,\\,2024-01-01,2024-01-01T00:00:00Z\n"
		"false,5,0.1,a,1900-03-01,1900-03-01T01:02:03.000001Z\n"
		"true,-6,4.9e-324,b,2000-01-01,2000-01-01T00:00:00Z\n"
		"false,7,1.7976931348623157e308,c,1999-12-31,1999-12-31T23:59:59.999999Z\n"
		"true,8,0.30000000000000004,d,1969-12-31,1970-01-01T00:00:00.000001Z\n"
		"false,9,-2.2250738585072014e-308,e,2038-01-19,1583-10-15T12:34:56.789Z\n";
	struct dn_batch *in = csv_batch(csv);
	CHECK(in);
	CHECK_INT(in->schema.fields[0].type, DN_BOOL);
	CHECK_INT(in->schema.fields[1].type, DN_INT64);
	CHECK_INT(in->schema.fields[2].type, DN_FLOAT64);
	CHECK_INT(in->schema.fields[3].type, DN_STRING);
	CHECK_INT(in->schema.fields[4].type, DN_DATE);
	CHECK_INT(in->schema.fields[5].type, DN_TIMESTAMP);
	/* Every type goes through binary COPY (and comes back through text). */
	log_start();
	int rc = load_batch(wh, "types", in, &o, NULL, &err);
	const char *log = log_stop();
	CHECK_OK(rc, &err);
	CHECK(strstr(log, "COPY into _dunya_new_types in binary format"));
	CHECK(!strstr(log, "text format"));
	/* The declared types. */
	CHECK_STR(query_csv(wh, "SELECT column_name, data_type FROM information_schema.columns "
				"WHERE table_name = 'types' ORDER BY ordinal_position"),
		  "column_name,data_type\nb,boolean\ni,bigint\nf,double precision\ns,text\n"
		  "d,date\nts,timestamp with time zone\n");
	/* Read back: the same types and the same values, bit for bit. */
	struct dn_wh_query *q = NULL;
	struct dn_batch *out = NULL;
	CHECK_OK(dn_wh_query_open(wh, &q, "SELECT * FROM types", 0, &err), &err);
	CHECK_INT(dn_wh_query_next(q, &out, &err), 1);
	char why[300];
	int same = dn_batch_equal(in, out, why, sizeof why);
	if (!same)
		dn_test_fail(dn_t_, __FILE__, __LINE__, "round trip differs: %s", why);
	dn_batch_free(out);
	dn_batch_free(in);
	CHECK(same);
	CHECK_INT(dn_wh_query_next(q, &out, &err), 0);
	dn_wh_query_free(q);
	/* Result types come from the columns' type OIDs. */
	CHECK_OK(dn_wh_query_open(
			 wh, &q,
			 "SELECT 1::int2 AS a, 2::int4 AS b, 3::int8 AS c, 1.5::float4 AS d, "
			 "2.25::numeric AS e, 'x'::varchar AS f, 'y'::char(2) AS g, "
			 "'2024-01-02 03:04:05'::timestamp AS h, now() AS i, "
			 "'2024-01-02'::date AS j, ARRAY[1,2] AS k, true AS l, "
			 "NULL::int AS m, '{\"a\":1}'::jsonb AS n",
			 0, &err),
		 &err);
	CHECK_INT(dn_wh_query_next(q, &out, &err), 1);
	static const enum dn_type want[] = {DN_INT64,     DN_INT64,  DN_INT64,  DN_FLOAT64,
					    DN_FLOAT64,   DN_STRING, DN_STRING, DN_TIMESTAMP,
					    DN_TIMESTAMP, DN_DATE,   DN_STRING, DN_BOOL,
					    DN_INT64,     DN_STRING};
	for (int c = 0; c < 14; c++)
		CHECK_INT(out->schema.fields[c].type, want[c]);
	CHECK_INT(dn_column_i64(&out->columns[7], 0), INT64_C(1704164645000000));
	CHECK(dn_column_f64(&out->columns[4], 0) == 2.25);
	CHECK(dn_column_is_null(&out->columns[12], 0));
	struct dn_str k = dn_column_str(&out->columns[10], 0);
	CHECK_MEM(k.ptr, k.len, "{1,2}");
	dn_batch_free(out);
	dn_wh_query_free(q);
	dn_wh_close(wh);
}

DN_TEST(store_pg_append_and_replace)
{
	struct dn_error err;
	struct dn_wh_load_options o;
	struct dn_wh_load_stats st;
	struct dn_wh *wh;
	dn_wh_load_options_init(&o);
	PG_OPEN(wh);
	CHECK_OK(dn_wh_exec(wh, "DROP TABLE IF EXISTS ar", NULL, &err), &err);
	CHECK_INT(dn_wh_table_exists(wh, "ar", &err), 0);
	CHECK_OK(load_csv(wh, "ar", "id,v\n1,a\n2,b\n", &o, &st, &err), &err);
	CHECK_INT(st.rows_written, 2);
	CHECK_OK(load_csv(wh, "ar", "id,v\n3,c\n", &o, NULL, &err), &err);
	CHECK_STR(query_csv(wh, "SELECT count(*) AS n FROM ar"), "n\n3\n");
	o.mode = DN_WH_REPLACE;
	CHECK_OK(load_csv(wh, "ar", "id,v\n9,z\n", &o, NULL, &err), &err);
	CHECK_STR(query_csv(wh, "SELECT * FROM ar"), "id,v\n9,z\n");
	CHECK_INT(dn_wh_table_exists(wh, "_dunya_new_ar", &err), 0);
	CHECK_INT(dn_wh_table_exists(wh, "ar", &err), 1);
	CHECK_INT(dn_wh_table_exists(wh, "AR", &err), 0); /* names are exact */
	/* Odd identifiers are quoted everywhere. */
	o.mode = DN_WH_MERGE;
	o.nkeys = 1;
	o.keys[0] = "my \"key\"";
	const char *csv = "\"my \"\"key\"\"\",select,a b\n1,x,y\n";
	CHECK_OK(load_csv(wh, "odd \"table\" name", csv, &o, NULL, &err), &err);
	CHECK_OK(load_csv(wh, "odd \"table\" name", csv, &o, NULL, &err), &err);
	o.mode = DN_WH_REPLACE;
	o.nkeys = 0;
	CHECK_OK(load_csv(wh, "odd \"table\" name", csv, &o, NULL, &err), &err);
	CHECK_STR(query_csv(wh, "SELECT * FROM \"odd \"\"table\"\" name\""),
		  "\"my \"\"key\"\"\",select,a b\n1,x,y\n");
	/* dn_wh_create_table makes an empty typed table. */
	struct dn_batch *b = csv_batch("a,b\n1,2024-01-01\n");
	CHECK(b);
	CHECK_OK(dn_wh_create_table(wh, "created", &b->schema, &err), &err);
	dn_batch_free(b);
	CHECK_STR(query_csv(wh, "SELECT count(*) AS n, pg_typeof(max(b))::text AS t FROM created"),
		  "n,t\n0,date\n");
	dn_wh_close(wh);
}

DN_TEST(store_pg_merge)
{
	struct dn_error err;
	struct dn_wh_load_options o;
	struct dn_wh_load_stats st;
	struct dn_wh *wh;
	dn_wh_load_options_init(&o);
	o.mode = DN_WH_MERGE;
	o.nkeys = 2;
	o.keys[0] = "k1";
	o.keys[1] = "k2";
	PG_OPEN(wh);
	CHECK_OK(dn_wh_exec(wh, "DROP TABLE IF EXISTS m; DROP TABLE IF EXISTS ids", NULL, &err),
		 &err);
	CHECK_OK(load_csv(wh, "m", "k1,k2,v\n1,a,one\n1,b,two\n2,a,three\n", &o, NULL, &err), &err);
	/* A key given twice in one load: the last row wins. */
	CHECK_OK(load_csv(wh, "m", "k1,k2,v\n1,b,TWO\n3,c,four\n1,b,TWO again\n", &o, &st, &err),
		 &err);
	CHECK_INT(st.rows_written, 3);
	CHECK_STR(query_csv(wh, "SELECT * FROM m ORDER BY k1, k2"),
		  "k1,k2,v\n1,a,one\n1,b,TWO again\n2,a,three\n3,c,four\n");
	/* The keys are unique in the table. */
	CHECK(dn_wh_exec(wh, "INSERT INTO m VALUES (1,'a','x')", NULL, &err) < 0);
	CHECK(strstr(err.msg, "duplicate key value violates unique constraint"));
	/* Every column a key: rows already there are left alone. */
	o.nkeys = 1;
	o.keys[0] = "id";
	CHECK_OK(load_csv(wh, "ids", "id\n1\n2\n", &o, NULL, &err), &err);
	CHECK_OK(load_csv(wh, "ids", "id\n2\n3\n", &o, NULL, &err), &err);
	CHECK_STR(query_csv(wh, "SELECT * FROM ids ORDER BY id"), "id\n1\n2\n3\n");
	/* A bigger merge, over batches: 3000 rows, then 2000 of them changed and 1000 new. */
	struct dn_batch *b1 = id_batch(1, 3000), *b2 = id_batch(2001, 2000);
	CHECK(b1 && b2);
	CHECK_OK(dn_wh_exec(wh, "DROP TABLE IF EXISTS big", NULL, &err), &err);
	CHECK_OK(load_batch(wh, "big", b1, &o, NULL, &err), &err);
	CHECK_OK(dn_wh_exec(wh, "UPDATE big SET v = 'old'", NULL, &err), &err);
	CHECK_OK(load_batch(wh, "big", b2, &o, NULL, &err), &err);
	dn_batch_free(b1);
	dn_batch_free(b2);
	CHECK_STR(query_csv(wh, "SELECT count(*) AS n, count(*) FILTER (WHERE v = 'old') AS old, "
				"sum(id)::bigint AS s FROM big"),
		  "n,old,s\n4000,2000,8002000\n");
	dn_wh_close(wh);
}

DN_TEST(store_pg_incremental)
{
	struct dn_error err;
	struct dn_wh_load_options o;
	struct dn_wh_load_stats st;
	struct dn_wh *wh;
	dn_wh_load_options_init(&o);
	o.mode = DN_WH_INCREMENTAL;
	o.incremental_column = "ts";
	PG_OPEN(wh);
	CHECK_OK(dn_wh_exec(wh,
			    "DROP TABLE IF EXISTS e; DROP TABLE IF EXISTS n; "
			    "DROP TABLE IF EXISTS _dunya_watermarks",
			    NULL, &err),
		 &err);
	CHECK_OK(load_csv(wh, "e", "id,ts\n1,2024-01-01T00:00:00Z\n2,2024-01-02T00:00:00Z\n", &o,
			  &st, &err),
		 &err);
	CHECK_INT(st.rows_written, 2);
	CHECK_STR(st.watermark, "2024-01-02T00:00:00.000000Z");
	dn_wh_close(wh);
	/* The mark survives reconnecting: only rows above it are loaded. */
	PG_OPEN(wh);
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
	/* A load with nothing new keeps the mark. */
	CHECK_OK(load_csv(wh, "e", "id,ts\n5,2024-01-01T00:00:00Z\n", &o, &st, &err), &err);
	CHECK_INT(st.rows_written, 0);
	CHECK_STR(st.watermark, "2024-01-03T00:00:00.000000Z");
	CHECK_STR(query_csv(wh, "SELECT value FROM _dunya_watermarks"),
		  "value\n\"2024-01-03T00:00:00.000000Z\"\n");
	/* Integers compare as numbers (10 > 9), and keys make it a merge. */
	o.incremental_column = "seq";
	o.nkeys = 1;
	o.keys[0] = "id";
	CHECK_OK(load_csv(wh, "n", "id,seq,v\n1,9,a\n", &o, &st, &err), &err);
	CHECK_OK(load_csv(wh, "n", "id,seq,v\n1,10,b\n2,8,c\n", &o, &st, &err), &err);
	CHECK_INT(st.rows_written, 1);
	CHECK_STR(st.watermark, "10");
	CHECK_STR(query_csv(wh, "SELECT * FROM n"), "id,seq,v\n1,10,b\n");
	/* A failed load leaves the mark where it was. */
	struct dn_wh_load *ld = NULL;
	struct dn_batch *b = csv_batch("id,seq,v\n3,20,x\n");
	CHECK(b);
	CHECK_OK(dn_wh_load_begin(wh, &ld, "n", &b->schema, &o, &err), &err);
	CHECK_OK(dn_wh_load_batch(ld, b, &err), &err);
	dn_wh_load_abort(ld);
	dn_batch_free(b);
	CHECK_STR(query_csv(wh, "SELECT value FROM _dunya_watermarks WHERE table_name = 'n'"),
		  "value\n\"10\"\n");
	dn_wh_close(wh);
}

/* A replace seen from another connection: the table always has the old rows or the new ones,
 * never none, and is never missing. */
struct reader_ctx {
	const char *url;
	volatile int stop;
	int queries, bad;
	char why[800];
};

static void *reader_main(void *arg)
{
	struct reader_ctx *r = arg;
	struct dn_wh *wh = NULL;
	struct dn_error err;
	if (dn_wh_open(&wh, r->url, NULL, &err) < 0) {
		r->bad++;
		snprintf(r->why, sizeof r->why, "%s", err.msg);
		return NULL;
	}
	while (!r->stop) {
		struct dn_wh_query *q = NULL;
		struct dn_batch *b = NULL;
		int64_t n = -1;
		if (dn_wh_query_open(wh, &q, "SELECT count(*) FROM rt", 0, &err) < 0 ||
		    dn_wh_query_next(q, &b, &err) != 1) {
			r->bad++;
			snprintf(r->why, sizeof r->why, "%s", err.msg);
		} else {
			n = dn_column_i64(&b->columns[0], 0);
			if (n != 1000 && n != 3000) {
				r->bad++;
				snprintf(r->why, sizeof r->why, "saw %lld rows", (long long)n);
			}
		}
		dn_batch_free(b);
		dn_wh_query_free(q);
		r->queries++;
	}
	dn_wh_close(wh);
	return NULL;
}

DN_TEST(store_pg_replace_atomic)
{
	struct dn_error err;
	struct dn_wh_load_options o;
	struct dn_wh *wh;
	dn_wh_load_options_init(&o);
	o.mode = DN_WH_REPLACE;
	PG_OPEN(wh);
	struct dn_batch *b = id_batch(1, 1000);
	CHECK(b);
	CHECK_OK(load_batch(wh, "rt", b, &o, NULL, &err), &err);
	struct reader_ctx r = {pg_url, 0, 0, 0, ""};
	pthread_t th;
	CHECK(pthread_create(&th, NULL, reader_main, &r) == 0);
	int rc = 0;
	for (int round = 0; round < 12 && rc == 0; round++) {
		/* 1000 or 3000 rows, in batches of 1000. */
		struct dn_wh_load *ld = NULL;
		rc = dn_wh_load_begin(wh, &ld, "rt", &b->schema, &o, &err);
		for (int k = 0; rc == 0 && k < (round % 2 ? 1 : 3); k++) {
			rc = dn_wh_load_batch(ld, b, &err);
			usleep(2000);
		}
		if (rc == 0)
			rc = dn_wh_load_commit(ld, NULL, &err);
		else
			dn_wh_load_abort(ld);
	}
	usleep(20000);
	r.stop = 1;
	pthread_join(th, NULL);
	dn_batch_free(b);
	CHECK_OK(rc, &err);
	if (r.bad)
		dn_test_fail(dn_t_, __FILE__, __LINE__, "%d of %d reads went wrong: %s", r.bad,
			     r.queries, r.why);
	CHECK_INT(r.bad, 0);
	CHECK(r.queries >= 12);
	CHECK_INT(query_i64(wh, "SELECT count(*) FROM rt"), 1000);
	dn_wh_close(wh);
}

/* A column whose type widens between batches of one load. */
DN_TEST(store_pg_widen)
{
	struct dn_error err;
	struct dn_wh_load_options o;
	struct dn_wh *wh;
	dn_wh_load_options_init(&o);
	o.mode = DN_WH_REPLACE;
	PG_OPEN(wh);
	struct dn_batch *b1 = csv_batch("x,y\n1,2024-01-01\n"), *b2 = csv_batch("x,y\n2.5,later\n");
	CHECK(b1 && b2);
	CHECK_INT(b2->columns[0].type, DN_FLOAT64);
	struct dn_wh_load *ld = NULL;
	CHECK_OK(dn_wh_load_begin(wh, &ld, "wide", &b1->schema, &o, &err), &err);
	CHECK_OK(dn_wh_load_batch(ld, b1, &err), &err);
	CHECK_OK(dn_wh_load_batch(ld, b2, &err), &err);
	CHECK_OK(dn_wh_load_commit(ld, NULL, &err), &err);
	dn_batch_free(b1);
	dn_batch_free(b2);
	CHECK_STR(query_csv(wh, "SELECT x, y, pg_typeof(x)::text AS tx, pg_typeof(y)::text AS ty "
				"FROM wide ORDER BY x"),
		  "x,y,tx,ty\n1.0,\"2024-01-01\",double precision,text\n2.5,later,double precision,"
		  "text\n");
	dn_wh_close(wh);
}

/* A table that was there before the load keeps its types. Columns whose types take dunya's
 * binary forms (varchar, char, timestamp, in any order, with more columns) load through binary
 * COPY; any other type makes the load use text COPY, which the server converts. */
DN_TEST(store_pg_existing_types)
{
	struct dn_error err;
	struct dn_wh_load_options o;
	struct dn_wh *wh;
	dn_wh_load_options_init(&o);
	PG_OPEN(wh);
	CHECK_OK(dn_wh_exec(wh,
			    "DROP TABLE IF EXISTS ex1; CREATE TABLE ex1 (extra int DEFAULT 7, "
			    "ts timestamp, s varchar(8), c char(4), id bigint, f float8, "
			    "gone int); ALTER TABLE ex1 DROP COLUMN gone",
			    NULL, &err),
		 &err);
	const char *csv = "id,s,c,ts,f\n1,abc,xy,2024-01-02T03:04:05.5Z,2.5\n2,,,,\n"
			  "3,é\tü,\"a\nb\",1999-12-31T23:59:59.999999Z,-0.0\n";
	log_start();
	int rc = load_csv(wh, "ex1", csv, &o, NULL, &err);
	const char *log = log_stop();
	CHECK_OK(rc, &err);
	CHECK(strstr(log, "COPY into ex1 in binary format"));
	CHECK_STR(query_csv(wh, "SELECT extra, ts, s, c || '|' AS c, id, f FROM ex1 ORDER BY id"),
		  "extra,ts,s,c,id,f\n7,2024-01-02T03:04:05.500Z,abc,\"xy|\",1,2.5\n7,,,,2,\n"
		  "7,1999-12-31T23:59:59.999999Z,\"é\tü\",\"a\nb|\",3,-0.0\n");
	CHECK_STR(query_csv(wh, "SELECT octet_length(c) AS n FROM ex1 WHERE id = 1"), "n\n4\n");
	/* The limits of the column's type hold as in text COPY, and nothing is loaded. */
	CHECK_INT(load_csv(wh, "ex1", "id,s,c,ts,f\n4,123456789,a,,\n", &o, NULL, &err), DN_EIO);
	CHECK(strstr(err.msg, "value too long for type character varying(8)"));
	CHECK_INT(query_i64(wh, "SELECT count(*) FROM ex1"), 3);
	/* Other types: text COPY. */
	CHECK_OK(dn_wh_exec(wh,
			    "DROP TABLE IF EXISTS ex2; CREATE TABLE ex2 (b text, i int4, "
			    "f numeric, s text, d text, ts date, r real)",
			    NULL, &err),
		 &err);
	csv = "b,i,f,s,d,ts,r\ntrue,42,0.1,x,2024-02-29,2024-02-29T23:59:59Z,1.5\n,,,,,,\n";
	log_start();
	rc = load_csv(wh, "ex2", csv, &o, NULL, &err);
	log = log_stop();
	CHECK_OK(rc, &err);
	CHECK(strstr(log, "COPY into ex2 in text format"));
	CHECK(!strstr(log, "binary format"));
	CHECK_STR(query_csv(wh, "SELECT b, i, f::text AS f, s, d, ts, r FROM ex2 ORDER BY i"),
		  "b,i,f,s,d,ts,r\nt,42,\"0.1\",x,\"2024-02-29\",2024-02-29,1.5\n,,,,,,\n");
	CHECK_INT(load_csv(wh, "ex2", "b,i\nx,3000000000\n", &o, NULL, &err), DN_EIO);
	CHECK(strstr(err.msg, "out of range for type integer"));
	CHECK_INT(query_i64(wh, "SELECT count(*) FROM ex2"), 2);
	/* A merge stages through a table of dunya's types (binary); the upsert casts (bool to
	 * text is 'true', as before binary COPY). */
	o.mode = DN_WH_MERGE;
	o.nkeys = 1;
	o.keys[0] = "i";
	log_start();
	rc = load_csv(wh, "ex2", "i,b,f\n42,false,2.5\n7,true,1\n", &o, NULL, &err);
	log = log_stop();
	CHECK_OK(rc, &err);
	CHECK(strstr(log, "COPY into _dunya_stage in binary format"));
	CHECK_STR(query_csv(wh, "SELECT i, b, f::text AS f, s FROM ex2 WHERE i IS NOT NULL "
				"ORDER BY i"),
		  "i,b,f,s\n7,\"true\",\"1\",\n42,\"false\",\"2.5\",x\n");
	dn_wh_close(wh);
}

/* Load batches b[0..n) into table (replace), logging; the load's result. */
static int load_batches(struct dn_wh *wh, const char *table, struct dn_batch **b, int n,
			struct dn_error *err)
{
	struct dn_wh_load_options o;
	struct dn_wh_load *ld = NULL;
	dn_wh_load_options_init(&o);
	o.mode = DN_WH_REPLACE;
	int rc = dn_wh_load_begin(wh, &ld, table, &b[0]->schema, &o, err);
	for (int k = 0; rc == 0 && k < n; k++)
		rc = dn_wh_load_batch(ld, b[k], err);
	if (rc == 0)
		return dn_wh_load_commit(ld, NULL, err);
	dn_wh_load_abort(ld);
	return rc;
}

/* Batches binary COPY cannot carry as they are switch the load to text COPY in the same
 * transaction; int64 values into a float8 column stay binary. */
DN_TEST(store_pg_binary_fallback)
{
	struct dn_error err;
	struct dn_wh *wh;
	PG_OPEN(wh);
	struct dn_batch *b[4] = {csv_batch("d,f\n2024-01-01,1.5\n"),
				 /* not a double: both paths round it to ...992 */
				 date_int_batch(19000, INT64_C(9007199254740993)),
				 csv_batch("d,f\n2024-01-01,x\n"), NULL};
	CHECK(b[0] && b[1] && b[2]);
	log_start();
	int rc = load_batches(wh, "fb", b, 2, &err);
	const char *log = log_stop();
	CHECK_OK(rc, &err);
	CHECK(!strstr(log, "text format"));
	CHECK_STR(query_csv(wh, "SELECT d, f FROM fb ORDER BY d"),
		  "d,f\n2022-01-08,9007199254740992.0\n2024-01-01,1.5\n");
	/* int64 values into a text column (narrower than the table's type): text COPY from
	 * there on, in the same load. */
	struct dn_batch *t[3] = {b[2], b[1], b[0]};
	log_start();
	rc = load_batches(wh, "fb", t, 3, &err);
	log = log_stop();
	CHECK_OK(rc, &err);
	CHECK(strstr(log, "COPY into _dunya_new_fb in binary format"));
	CHECK(strstr(log, "COPY into _dunya_new_fb in text format"));
	CHECK_STR(query_csv(wh, "SELECT d, f, pg_typeof(f)::text AS t FROM fb ORDER BY d, f"),
		  "d,f,t\n2022-01-08,\"9007199254740993\",text\n2024-01-01,\"1.5\",text\n"
		  "2024-01-01,x,text\n");
	/* Dates beyond 0001..9999 go through text COPY as they always did, and the server
	 * rejects these; the table is as it was. */
	b[3] = date_int_batch(2932897, 3); /* 10000-01-01 */
	struct dn_batch *y[2] = {b[0], b[3]};
	CHECK(b[3]);
	CHECK_INT(load_batches(wh, "fb", y, 2, &err), DN_EIO);
	CHECK(strstr(err.msg, "10000-01-01"));
	dn_batch_free(b[3]);
	b[3] = date_int_batch(-719163, 4); /* 0000-12-31 */
	CHECK(b[3]);
	y[1] = b[3];
	CHECK_INT(load_batches(wh, "fb", y, 2, &err), DN_EIO);
	CHECK_INT(query_i64(wh, "SELECT count(*) FROM fb"), 3);
	for (int k = 0; k < 4; k++)
		dn_batch_free(b[k]);
	dn_wh_close(wh);
}

DN_TEST(store_pg_exec)
{
	struct dn_error err;
	struct dn_wh *wh;
	int64_t changes = -1;
	PG_OPEN(wh);
	CHECK_OK(dn_wh_exec(wh,
			    "DROP TABLE IF EXISTS ex; CREATE TABLE ex (a int, b text);\n"
			    "INSERT INTO ex VALUES (1, 'x;y'), (2, $$semi;colon$$);\n"
			    "UPDATE ex SET a = a + 10; -- a comment; with a semicolon\n"
			    "SELECT 1;",
			    &changes, &err),
		 &err);
	CHECK_INT(changes, 4);
	CHECK_STR(query_csv(wh, "SELECT * FROM ex ORDER BY a"),
		  "a,b\n11,\"x;y\"\n12,\"semi;colon\"\n");
	/* An error in the third statement: the first two are rolled back too. */
	CHECK_INT(dn_wh_exec(wh,
			     "INSERT INTO ex VALUES (3, 'z'); DELETE FROM ex WHERE a = 11; "
			     "INSERT INTO nope VALUES (1)",
			     &changes, &err),
		  DN_EIO);
	CHECK(strstr(err.msg, "relation \"nope\" does not exist"));
	CHECK_INT(changes, 0);
	CHECK_STR(query_csv(wh, "SELECT * FROM ex ORDER BY a"),
		  "a,b\n11,\"x;y\"\n12,\"semi;colon\"\n");
	/* The connection is usable after the failure. */
	CHECK_OK(dn_wh_exec(wh, "DELETE FROM ex WHERE a = 11", &changes, &err), &err);
	CHECK_INT(changes, 1);
	dn_wh_close(wh);
}

DN_TEST(store_pg_query_batches)
{
	struct dn_error err;
	struct dn_wh *wh;
	struct dn_wh_query *q = NULL;
	struct dn_batch *b;
	PG_OPEN(wh);
	/* Statements before the last run first; the last streams 20000 rows in batches of 8192.
	 * The splitter keeps semicolons inside quotes and comments. */
	CHECK_OK(dn_wh_query_open(wh, &q,
				  "DROP TABLE IF EXISTS r; CREATE TABLE r(x bigint, s text);\n"
				  "INSERT INTO r SELECT g, 'a;b' FROM generate_series(1,20000) g;\n"
				  "/* one; /* nested; */ comment */ SELECT x, NULL::text AS n, s, "
				  "E'it\\'s;' AS e FROM r ORDER BY x; -- trailing; comment\n",
				  0, &err),
		 &err);
	CHECK_INT(dn_wh_query_changes(q), 20000);
	int64_t rows = 0, sum = 0;
	int k, nb = 0;
	while ((k = dn_wh_query_next(q, &b, &err)) > 0) {
		CHECK(b->nrows <= 8192);
		CHECK_INT(b->first_row, rows);
		CHECK_INT(b->columns[0].type, DN_INT64);
		for (int64_t i = 0; i < b->nrows; i++)
			sum += dn_column_i64(&b->columns[0], i);
		CHECK_INT(b->columns[1].null_count, b->nrows);
		struct dn_str e = dn_column_str(&b->columns[3], 0);
		CHECK_MEM(e.ptr, e.len, "it's;");
		rows += b->nrows;
		nb++;
		dn_batch_free(b);
	}
	CHECK_OK(k, &err);
	CHECK_INT(rows, 20000);
	CHECK_INT(sum, INT64_C(200010000));
	CHECK_INT(nb, 3);
	dn_wh_query_free(q);
	/* Stopping early: the rest is cancelled and the connection stays usable. */
	CHECK_OK(dn_wh_query_open(wh, &q, "SELECT g FROM generate_series(1, 1000000) g", 100, &err),
		 &err);
	CHECK_INT(dn_wh_query_next(q, &b, &err), 1);
	CHECK_INT(b->nrows, 100);
	dn_batch_free(b);
	dn_wh_query_free(q);
	CHECK_INT(query_i64(wh, "SELECT count(*) FROM r"), 20000);
	/* No rows: one empty batch carrying the columns. */
	CHECK_OK(dn_wh_query_open(wh, &q, "SELECT x FROM r WHERE x < 0", 0, &err), &err);
	CHECK_INT(dn_wh_query_next(q, &b, &err), 1);
	CHECK_INT(b->nrows, 0);
	CHECK_INT(b->schema.fields[0].type, DN_INT64);
	dn_batch_free(b);
	CHECK_INT(dn_wh_query_next(q, &b, &err), 0);
	dn_wh_query_free(q);
	/* No columns: nothing, and the changes counted. */
	CHECK_OK(dn_wh_query_open(wh, &q, "DELETE FROM r WHERE x <= 10", 0, &err), &err);
	CHECK_INT(dn_wh_query_next(q, &b, &err), 0);
	CHECK_INT(dn_wh_query_changes(q), 10);
	dn_wh_query_free(q);
	/* An error in the last statement. */
	CHECK_INT(dn_wh_query_open(wh, &q, "SELECT 1; SELEC 2", 0, &err), DN_EIO);
	CHECK(strstr(err.msg, "syntax error"));
	/* A value dunya cannot hold is an error naming the column, not a wrong value. */
	CHECK_OK(dn_wh_query_open(wh, &q, "SELECT 'infinity'::date AS d", 0, &err), &err);
	CHECK_INT(dn_wh_query_next(q, &b, &err), DN_EPARSE);
	CHECK(strstr(err.msg, "column 'd'"));
	dn_wh_query_free(q);
	dn_wh_close(wh);
}

/* A free port on 127.0.0.1 that nothing listens on. */
static int closed_port(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = 0;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

DN_TEST(store_pg_errors)
{
	struct dn_error err;
	struct dn_wh *wh = NULL;
	char url[700];
	CHECK(pg_server());
	const char *secret = "Sup3r-S3cret-pw";
	/* A wrong password: said so, and the password is nowhere in the message. */
	snprintf(url, sizeof url, "postgres://dunya:%s@127.0.0.1:%s/dunya", secret, pg_port());
	CHECK_INT(dn_wh_open(&wh, url, NULL, &err), DN_EIO);
	CHECK(strstr(err.msg, "password authentication failed"));
	CHECK(strstr(err.msg, "127.0.0.1"));
	CHECK(!strstr(err.msg, secret));
	/* Also when libpq quotes the URL back (a malformed one). */
	snprintf(url, sizeof url, "postgresql://dunya:%s@[::1/dunya", secret);
	CHECK_INT(dn_wh_open(&wh, url, NULL, &err), DN_EINVAL);
	CHECK(strstr(err.msg, "not a valid PostgreSQL URL"));
	CHECK(!strstr(err.msg, secret));
	snprintf(url, sizeof url, "postgres://dunya:Sup3r%%2DS3cret%%2Dpw@127.0.0.1:%s/d?x=%s",
		 pg_port(), secret);
	CHECK_INT(dn_wh_open(&wh, url, NULL, &err), DN_EINVAL);
	CHECK(!strstr(err.msg, secret));
	/* Nothing listening. */
	snprintf(url, sizeof url, "postgres://dunya:%s@127.0.0.1:%d/dunya", secret, closed_port());
	int64_t t0 = dn_monotonic_us();
	CHECK_INT(dn_wh_open(&wh, url, NULL, &err), DN_EIO);
	CHECK(dn_monotonic_us() - t0 < 5 * DN_USEC_PER_SEC);
	CHECK(strstr(err.msg, "cannot connect to PostgreSQL"));
	CHECK(strstr(err.msg, "Connection refused"));
	CHECK(!strstr(err.msg, secret));
	/* A database that does not exist. */
	snprintf(url, sizeof url, "%.*s/no_such_db", (int)(strrchr(pg_url, '/') - pg_url), pg_url);
	CHECK_INT(dn_wh_open(&wh, url, NULL, &err), DN_EIO);
	CHECK(strstr(err.msg, "database \"no_such_db\" does not exist"));
	CHECK(strstr(err.msg, "createdb"));
	/* postgresql:// works as well, and connect_timeout in the URL is taken. */
	snprintf(url, sizeof url, "postgresql://%s?connect_timeout=3&sslmode=disable",
		 strstr(pg_url, "://") + 3);
	CHECK_OK(dn_wh_open(&wh, url, NULL, &err), &err);
	/* SQL errors carry the server's message; bad loads are refused before anything runs. */
	struct dn_wh_query *q = NULL;
	CHECK_INT(dn_wh_query_open(wh, &q, "SELECT * FROM missing_table", 0, &err), DN_EIO);
	CHECK(strstr(err.msg, "relation \"missing_table\" does not exist"));
	struct dn_batch *b = csv_batch("a,b\n1,2\n");
	struct dn_wh_load *ld = NULL;
	struct dn_wh_load_options o;
	dn_wh_load_options_init(&o);
	o.mode = DN_WH_MERGE;
	CHECK_INT(dn_wh_load_begin(wh, &ld, "t", &b->schema, &o, &err), DN_EINVAL);
	CHECK(strstr(err.msg, "key columns"));
	/* A value the column rejects: the server's message, with the COPY line, and nothing
	 * loaded. */
	o.mode = DN_WH_APPEND;
	CHECK_OK(dn_wh_exec(wh, "DROP TABLE IF EXISTS typed; CREATE TABLE typed (a int, b date)",
			    NULL, &err),
		 &err);
	CHECK_INT(load_batch(wh, "typed", b, &o, NULL, &err), DN_EIO);
	CHECK(strstr(err.msg, "invalid input syntax for type date"));
	CHECK_INT(query_i64(wh, "SELECT count(*) FROM typed"), 0);
	dn_batch_free(b);
	dn_wh_close(wh);
}

/* A load killed with SIGKILL in the middle of COPY leaves the table as it was. */
DN_TEST(store_pg_crash_mid_copy)
{
	struct dn_error err;
	struct dn_wh *wh;
	PG_OPEN(wh);
	/* About 45 MB: loading it takes long enough to be killed halfway. */
	const char *path = dn_test_tmp_path("crash.csv");
	FILE *f = fopen(path, "w");
	CHECK(f);
	fputs("id,name,ts,amount\n", f);
	for (int i = 1; i <= 1000000; i++)
		fprintf(f, "%d,name number %d with some words,2024-01-01T00:00:%02dZ,%d.25\n", i, i,
			i % 60, i);
	CHECK(fclose(f) == 0);
	for (int mode = 0; mode < 2; mode++) {
		struct dn_wh_load_options o;
		dn_wh_load_options_init(&o);
		o.mode = mode ? DN_WH_REPLACE : DN_WH_APPEND;
		CHECK_OK(load_csv(wh, "crash", "id,name,ts,amount\n1,a,2024-01-01T00:00:00Z,1.5\n",
				  &(struct dn_wh_load_options){.mode = DN_WH_REPLACE}, NULL, &err),
			 &err);
		pid_t pid = fork();
		CHECK(pid >= 0);
		if (pid == 0) {
			struct dn_wh *cw = NULL;
			struct dn_reader *r = NULL;
			struct dn_read_options ro;
			dn_read_options_init(&ro);
			if (dn_wh_open(&cw, pg_url, NULL, NULL) < 0 ||
			    dn_reader_open(&r, path, DN_FORMAT_CSV, &ro, NULL) < 0)
				_exit(3);
			int rc = dn_wh_load_reader(cw, r, "crash", &o, NULL, NULL);
			_exit(rc < 0 ? 4 : 0);
		}
		/* Wait until the server has taken rows of the COPY, then kill the loader. */
		int64_t t0 = dn_monotonic_us(), seen = 0;
		while (dn_monotonic_us() - t0 < 60 * DN_USEC_PER_SEC) {
			seen = query_i64(wh, "SELECT coalesce(sum(tuples_processed), 0)::bigint "
					     "FROM pg_stat_progress_copy");
			if (seen > 1000)
				break;
			usleep(5000);
		}
		kill(pid, SIGKILL);
		int st = 0;
		waitpid(pid, &st, 0);
		CHECK(seen > 1000);
		if (!WIFSIGNALED(st))
			dn_test_fail(dn_t_, __FILE__, __LINE__,
				     "the load ended (status %d) before it was killed", st);
		CHECK(WIFSIGNALED(st));
		/* The table is readable at once and holds exactly the old row. */
		CHECK_STR(query_csv(wh, "SELECT id, name, amount FROM crash"),
			  "id,name,amount\n1,a,1.5\n");
		/* Once the server has noticed, the load's work is gone. */
		t0 = dn_monotonic_us();
		while (query_i64(wh, "SELECT count(*) FROM pg_stat_progress_copy") > 0 &&
		       dn_monotonic_us() - t0 < 30 * DN_USEC_PER_SEC)
			usleep(10000);
		CHECK_INT(query_i64(wh, "SELECT count(*) FROM pg_stat_progress_copy"), 0);
		CHECK_INT(dn_wh_table_exists(wh, "_dunya_new_crash", &err), 0);
		CHECK_INT(query_i64(wh, "SELECT count(*) FROM crash"), 1);
		/* And the next load works. */
		CHECK_OK(load_csv(wh, "crash", "id,name,ts,amount\n2,b,2024-01-01T00:00:00Z,2.5\n",
				  &o, NULL, &err),
			 &err);
		CHECK_INT(query_i64(wh, "SELECT count(*) FROM crash"), mode ? 1 : 2);
	}
	dn_wh_close(wh);
}
