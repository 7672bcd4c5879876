/* The formats module as a whole: format names and extensions, and allocation-failure torture —
 * every allocation of a read and a write, failed in turn, must give a clean DN_ENOMEM (no crash,
 * no leak: the ASan run checks leaks) or a complete result. */
#include "../../src/formats/formats.h"
#include "../test.h"

DN_TEST(formats_from_path)
{
	char d = 0;
	CHECK_INT(dn_format_from_path("a/b.csv", &d), DN_FORMAT_CSV);
	CHECK_INT(dn_format_from_path("x.TSV", &d), DN_FORMAT_CSV);
	CHECK_INT(d, '\t');
	CHECK_INT(dn_format_from_path("x.jsonl", NULL), DN_FORMAT_NDJSON);
	CHECK_INT(dn_format_from_path("x.ndjson", NULL), DN_FORMAT_NDJSON);
	CHECK_INT(dn_format_from_path("x.json", NULL), DN_FORMAT_JSON);
	CHECK_INT(dn_format_from_path("x.parquet", NULL), DN_FORMAT_PARQUET);
	CHECK_INT(dn_format_from_path("x.xlsx", NULL), DN_FORMAT_UNKNOWN);
	CHECK_INT(dn_format_from_path("dir.csv/file", NULL), DN_FORMAT_UNKNOWN);
	enum dn_format f;
	CHECK_INT(dn_format_parse("jsonl", &f, NULL), 0);
	CHECK_INT(f, DN_FORMAT_NDJSON);
	CHECK_INT(dn_format_parse("xml", &f, NULL), DN_EPARSE);
	enum dn_bad_rows b;
	CHECK_INT(dn_bad_rows_parse("quarantine", &b), 0);
	CHECK_INT(b, DN_BAD_QUARANTINE);
	CHECK_INT(dn_bad_rows_parse("ignore", &b), DN_EPARSE);
}

/* Read all of data as fmt and write it to CSV; returns rows or a negative code. */
static int64_t read_write(const char *data, enum dn_format fmt, enum dn_bad_rows policy,
			  struct dn_error *err)
{
	struct dn_read_options o;
	struct dn_reader *r = NULL;
	struct dn_writer *w = NULL;
	struct dn_buf out = DN_BUF_INIT;
	struct dn_batch *b;
	int64_t rows = 0;
	int rc;
	dn_read_options_init(&o);
	o.threads = 1;
	o.bad_rows = policy;
	o.rejects_path = dn_test_tmp_path("formats-rejects.csv");
	if ((rc = dn_reader_open_mem(&r, "mem.csv", data, strlen(data), fmt, &o, err)) < 0)
		goto out;
	if ((rc = dn_writer_open_buf(&w, &out, DN_FORMAT_CSV, NULL, err)) < 0)
		goto out;
	while ((rc = dn_reader_next(r, &b, err)) > 0) {
		rows += b->nrows;
		rc = dn_writer_write(w, b, err);
		dn_batch_free(b);
		if (rc < 0)
			goto out;
	}
	if (rc == 0)
		rc = dn_writer_finish(w, err);
out:
	dn_writer_free(w);
	dn_reader_free(r);
	dn_buf_release(&out);
	return rc < 0 ? rc : rows;
}

static void torture(struct dn_test_ctx *dn_t_, const char *data, enum dn_format fmt,
		    enum dn_bad_rows policy, int64_t want_rows)
{
	struct dn_error err;
	dn_error_clear(&err);
	int64_t rows = read_write(data, fmt, policy, &err);
	if (rows != want_rows) {
		char b[1200];
		dn_test_fail(dn_t_, __FILE__, __LINE__, "baseline read gave %lld: %s",
			     (long long)rows, dn_error_format(&err, b, sizeof b));
		return;
	}
	for (uint64_t n = 1;; n++) {
		dn_alloc_fail_after(n);
		dn_error_clear(&err);
		rows = read_write(data, fmt, policy, &err);
		uint64_t used = dn_alloc_fail_after(0);
		if (rows < 0 && rows != DN_ENOMEM) {
			char b[1200];
			dn_test_fail(dn_t_, __FILE__, __LINE__,
				     "allocation %llu failed: got %s: %s", (unsigned long long)n,
				     dn_err_name((int)rows), dn_error_format(&err, b, sizeof b));
			return;
		}
		if (rows >= 0) {
			if (rows != want_rows) {
				dn_test_fail(dn_t_, __FILE__, __LINE__,
					     "allocation %llu failed yet %lld rows came back",
					     (unsigned long long)n, (long long)rows);
				return;
			}
			if (used < n)
				break; /* every allocation has been failed once */
		}
	}
}

DN_TEST(formats_csv_alloc_failures)
{
	torture(dn_t_,
		"id,name,when,score,ok\n"
		"1,\"a, \"\"b\"\"\",2024-01-01,1.5,true\n"
		"2,,2024-01-02T03:04:05Z,,false\n"
		"3,x\n"
		"4,\"multi\nline\",2024-01-03,2.5,true\n",
		DN_FORMAT_CSV, DN_BAD_SKIP, 3);
	torture(dn_t_, "a,b\n1,2\n3,x\n4\n", DN_FORMAT_CSV, DN_BAD_QUARANTINE, 2);
}
