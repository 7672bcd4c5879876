/* The JSON and NDJSON reader and writer: types and nulls, flattening of nested objects, arrays
 * kept as text, escapes and surrogate pairs, every strictness rule with its line and column
 * (data-driven: tests/cases/json/strict.txt), bad-row policies and their counts, declared
 * types, batch bounds, streaming from files and pipes, allocation failures, and round trips
 * read -> write -> read that must give equal batches. */
#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../src/formats/formats_int.h" /* dn_json_put_string */
#include "../test.h"

#define MAX_BATCHES 256

/* Everything a read gave. */
struct rd {
	struct dn_batch *b[MAX_BATCHES];
	int n;
	int64_t rows;
	struct dn_read_summary sum;
	char rejects_path[512]; /* the summary's, copied before the reader goes */
	struct dn_schema schema;
};

static void rd_release(struct rd *x)
{
	for (int i = 0; i < x->n; i++)
		dn_batch_free(x->b[i]);
	dn_schema_release(&x->schema);
	memset(x, 0, sizeof *x);
}

/* Read data (length len, or strlen when len is -1) as fmt; returns 0 or the error code. */
static int rd_mem(struct rd *x, const char *data, long len, enum dn_format fmt,
		  const struct dn_read_options *opt, struct dn_error *err)
{
	struct dn_reader *r = NULL;
	struct dn_batch *b;
	int rc;
	memset(x, 0, sizeof *x);
	dn_error_clear(err);
	rc = dn_reader_open_mem(&r, "mem", data, len < 0 ? strlen(data) : (size_t)len, fmt, opt,
				err);
	if (rc < 0)
		return rc;
	rc = dn_schema_copy(&x->schema, dn_reader_schema(r), err);
	while (rc >= 0 && (rc = dn_reader_next(r, &b, err)) > 0) {
		if (x->n == MAX_BATCHES) {
			dn_batch_free(b);
			rc = DN_ELIMIT;
			break;
		}
		x->b[x->n++] = b;
		x->rows += b->nrows;
	}
	dn_reader_summary(r, &x->sum);
	if (x->sum.rejects_path)
		snprintf(x->rejects_path, sizeof x->rejects_path, "%s", x->sum.rejects_path);
	x->sum.rejects_path = NULL;
	dn_reader_free(r);
	return rc;
}

static const struct dn_column *col(const struct rd *x, int batch, const char *name)
{
	int i = dn_schema_find(&x->b[batch]->schema, name);
	return i < 0 ? NULL : &x->b[batch]->columns[i];
}

static enum dn_type type_of(const struct rd *x, const char *name)
{
	int i = dn_schema_find(&x->schema, name);
	return i < 0 ? (enum dn_type)0 : x->schema.fields[i].type;
}

static struct dn_read_options opts(enum dn_bad_rows policy)
{
	struct dn_read_options o;
	dn_read_options_init(&o);
	o.bad_rows = policy;
	return o;
}

/* Write all batches of x as fmt into out. */
static int write_all(const struct rd *x, enum dn_format fmt, struct dn_buf *out,
		     struct dn_error *err)
{
	struct dn_writer *w = NULL;
	int rc = dn_writer_open_buf(&w, out, fmt, NULL, err);
	for (int i = 0; rc >= 0 && i < x->n; i++)
		rc = dn_writer_write(w, x->b[i], err);
	if (rc >= 0)
		rc = dn_writer_finish(w, err);
	dn_writer_free(w);
	return rc;
}

DN_TEST(json_types_and_nulls)
{
	struct dn_error err;
	struct rd x;
	struct dn_read_options o = opts(DN_BAD_FAIL);
	const char *in =
		"{\"b\":true,\"i\":-42,\"f\":1.5,\"s\":\"hi\",\"d\":\"2024-02-29\","
		"\"ts\":\"2024-01-01T10:20:30.5Z\",\"n\":null,\"big\":12345678901234567890}\n"
		"{\"b\":false,\"i\":9223372036854775807,\"f\":-2e-3,\"s\":\"\",\"d\":null,"
		"\"ts\":\"2024-01-01 00:00:00+01:00\",\"n\":null,\"big\":1}\n"
		"{}\n";
	CHECK_OK(rd_mem(&x, in, -1, DN_FORMAT_NDJSON, &o, &err), &err);
	CHECK_INT(x.n, 1);
	CHECK_INT(x.rows, 3);
	CHECK_INT(x.schema.nfields, 8);
	CHECK_INT(type_of(&x, "b"), DN_BOOL);
	CHECK_INT(type_of(&x, "i"), DN_INT64);
	CHECK_INT(type_of(&x, "f"), DN_FLOAT64);
	CHECK_INT(type_of(&x, "s"), DN_STRING);
	CHECK_INT(type_of(&x, "d"), DN_DATE);
	CHECK_INT(type_of(&x, "ts"), DN_TIMESTAMP);
	CHECK_INT(type_of(&x, "n"), DN_STRING);    /* never a value: string */
	CHECK_INT(type_of(&x, "big"), DN_FLOAT64); /* beyond int64 */
	CHECK_INT(dn_column_bool(col(&x, 0, "b"), 0), 1);
	CHECK_INT(dn_column_bool(col(&x, 0, "b"), 1), 0);
	CHECK_INT(dn_column_i64(col(&x, 0, "i"), 0), -42);
	CHECK_INT(dn_column_i64(col(&x, 0, "i"), 1), INT64_MAX);
	CHECK(dn_column_f64(col(&x, 0, "f"), 0) == 1.5);
	CHECK(dn_column_f64(col(&x, 0, "f"), 1) == -2e-3);
	CHECK(dn_column_f64(col(&x, 0, "big"), 0) == 12345678901234567890.0);
	struct dn_str s = dn_column_str(col(&x, 0, "s"), 1);
	CHECK_INT(s.len, 0);
	CHECK(!dn_column_is_null(col(&x, 0, "s"), 1)); /* "" is a value, not null */
	CHECK_INT(dn_column_date(col(&x, 0, "d"), 0), dn_days_from_civil(2024, 2, 29));
	CHECK(dn_column_is_null(col(&x, 0, "d"), 1));
	CHECK_INT(dn_column_i64(col(&x, 0, "ts"), 0),
		  dn_days_from_civil(2024, 1, 1) * DN_USEC_PER_DAY + 37230500000);
	CHECK_INT(dn_column_i64(col(&x, 0, "ts"), 1),
		  dn_days_from_civil(2023, 12, 31) * DN_USEC_PER_DAY + 23 * 3600 * DN_USEC_PER_SEC);
	/* the empty record: a row of nulls */
	for (int c = 0; c < 8; c++)
		CHECK(dn_column_is_null(&x.b[0]->columns[c], 2));
	CHECK(dn_column_is_null(col(&x, 0, "n"), 0));
	CHECK_INT(x.sum.read, 3);
	CHECK_INT(x.sum.loaded, 3);
	CHECK_INT(x.sum.bytes, strlen(in));
	rd_release(&x);
}

DN_TEST(json_mixed_types_widen)
{
	struct dn_error err;
	struct rd x;
	struct dn_read_options o = opts(DN_BAD_FAIL);
	const char *in = "[{\"a\":1,\"b\":\"2024-01-01\",\"c\":12,\"d\":true,\"e\":\"123\"},\n"
			 " {\"a\":2.5,\"b\":\"2024-01-01T06:00:00Z\",\"c\":\"x\",\"d\":1.5,"
			 "\"e\":\"007\"},\n"
			 " {\"a\":3,\"c\":[1],\"d\":null}]";
	CHECK_OK(rd_mem(&x, in, -1, DN_FORMAT_JSON, &o, &err), &err);
	CHECK_INT(type_of(&x, "a"), DN_FLOAT64);
	CHECK_INT(type_of(&x, "b"), DN_TIMESTAMP);
	CHECK_INT(type_of(&x, "c"), DN_STRING);
	CHECK_INT(type_of(&x, "d"), DN_STRING);
	CHECK_INT(type_of(&x, "e"), DN_STRING); /* strings that look like numbers stay strings */
	CHECK(dn_column_f64(col(&x, 0, "a"), 0) == 1.0);
	CHECK(dn_column_f64(col(&x, 0, "a"), 2) == 3.0);
	CHECK_INT(dn_column_i64(col(&x, 0, "b"), 0),
		  dn_days_from_civil(2024, 1, 1) * DN_USEC_PER_DAY);
	struct dn_str s = dn_column_str(col(&x, 0, "c"), 0);
	CHECK_MEM(s.ptr, s.len, "12"); /* JSON text of a non-string in a string column */
	s = dn_column_str(col(&x, 0, "c"), 2);
	CHECK_MEM(s.ptr, s.len, "[1]");
	s = dn_column_str(col(&x, 0, "d"), 0);
	CHECK_MEM(s.ptr, s.len, "true");
	s = dn_column_str(col(&x, 0, "d"), 1);
	CHECK_MEM(s.ptr, s.len, "1.5");
	CHECK(dn_column_is_null(col(&x, 0, "d"), 2));
	s = dn_column_str(col(&x, 0, "e"), 1);
	CHECK_MEM(s.ptr, s.len, "007");
	rd_release(&x);
	/* a number beyond float64 has no float that writes back as JSON: its text is kept */
	CHECK_OK(rd_mem(&x, "{\"f\":1.5}\n{\"f\":-1e400}\n", -1, DN_FORMAT_NDJSON, &o, &err), &err);
	CHECK_INT(type_of(&x, "f"), DN_STRING);
	s = dn_column_str(col(&x, 0, "f"), 1);
	CHECK_MEM(s.ptr, s.len, "-1e400");
	rd_release(&x);
}

DN_TEST(json_nested_objects_flatten)
{
	struct dn_error err;
	struct rd x;
	struct dn_read_options o = opts(DN_BAD_FAIL);
	const char *in =
		"{\"id\":1,\"user\":{\"name\":\"ann\",\"address\":{\"city\":\"Oslo\",\"geo\":{}}},"
		"\"meta\":{}}\n"
		"{\"user\":{\"address\":{\"zip\":\"0150\"}},\"id\":2,"
		"\"x\":{\"y\":{\"z\":{\"w\":true}}}}\n";
	CHECK_OK(rd_mem(&x, in, -1, DN_FORMAT_NDJSON, &o, &err), &err);
	/* order of first appearance; empty objects add no column */
	CHECK_INT(x.schema.nfields, 5);
	CHECK_STR(x.schema.fields[0].name, "id");
	CHECK_STR(x.schema.fields[1].name, "user.name");
	CHECK_STR(x.schema.fields[2].name, "user.address.city");
	CHECK_STR(x.schema.fields[3].name, "user.address.zip");
	CHECK_STR(x.schema.fields[4].name, "x.y.z.w");
	struct dn_str s = dn_column_str(col(&x, 0, "user.address.city"), 0);
	CHECK_MEM(s.ptr, s.len, "Oslo");
	CHECK(dn_column_is_null(col(&x, 0, "user.address.city"), 1));
	s = dn_column_str(col(&x, 0, "user.address.zip"), 1);
	CHECK_MEM(s.ptr, s.len, "0150");
	CHECK_INT(dn_column_i64(col(&x, 0, "id"), 1), 2);
	CHECK_INT(dn_column_bool(col(&x, 0, "x.y.z.w"), 1), 1);
	rd_release(&x);
}

DN_TEST(json_arrays_kept_as_text)
{
	struct dn_error err;
	struct rd x;
	struct dn_read_options o = opts(DN_BAD_FAIL);
	const char *in = "[ {\"t\": [ 1, \"a\" , {\"b\" : 2, \"c\": [ ] }, null, true, -1.5e3,"
			 " \"\\u00e9\\n\", {} ] },\n  {\"t\": []} ]";
	CHECK_OK(rd_mem(&x, in, -1, DN_FORMAT_JSON, &o, &err), &err);
	CHECK_INT(type_of(&x, "t"), DN_STRING);
	struct dn_str s = dn_column_str(col(&x, 0, "t"), 0);
	CHECK_MEM(s.ptr, s.len, "[1,\"a\",{\"b\":2,\"c\":[]},null,true,-1.5e3,\"\xc3\xa9\\n\",{}]");
	s = dn_column_str(col(&x, 0, "t"), 1);
	CHECK_MEM(s.ptr, s.len, "[]");
	rd_release(&x);
}

DN_TEST(json_escapes_and_surrogates)
{
	struct dn_error err;
	struct rd x;
	struct dn_read_options o = opts(DN_BAD_FAIL);
	const char *in = "{\"s\":\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t \\u0041\\u00e9\\u20ac "
			 "\\ud83d\\ude00 \\uD834\\uDD1E raw\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\","
			 "\"k\\u0065y\\n\":1,\"nul\":\"a\\u0000b\"}\n";
	CHECK_OK(rd_mem(&x, in, -1, DN_FORMAT_NDJSON, &o, &err), &err);
	struct dn_str s = dn_column_str(col(&x, 0, "s"), 0);
	CHECK_MEM(s.ptr, s.len,
		  "q\" b\\ s/ \b\f\n\r\t A\xc3\xa9\xe2\x82\xac \xf0\x9f\x98\x80 \xf0\x9d\x84\x9e "
		  "raw\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	/* escaped keys are decoded too */
	CHECK(col(&x, 0, "key\n") != NULL);
	s = dn_column_str(col(&x, 0, "nul"), 0);
	CHECK_INT(s.len, 3);
	CHECK(memcmp(s.ptr, "a\0b", 3) == 0);
	rd_release(&x);
}

/* Every strictness rule, from tests/cases/json/strict.txt: each file fails as a JSON array with
 * DN_EPARSE at the given line and column, whatever the bad-row policy. */
DN_TEST(json_strict_cases)
{
	struct dn_buf list = DN_BUF_INIT, data = DN_BUF_INIT;
	struct dn_error err;
	int ncases = 0;
	CHECK_OK(dn_read_file(dn_test_case_path("json/strict.txt"), &list, 0, &err), &err);
	char *save = NULL;
	for (char *line = strtok_r(list.data, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char name[128], want[400], path[200];
		long l, c;
		if (line[0] == '#')
			continue;
		char *t1 = strchr(line, '\t');
		CHECK(t1 != NULL);
		*t1 = 0;
		l = strtol(t1 + 1, &t1, 10);
		c = strtol(t1 + 1, &t1, 10);
		snprintf(name, sizeof name, "%s", line);
		snprintf(want, sizeof want, "%s", t1 + 1);
		snprintf(path, sizeof path, "json/strict/%s.json", name);
		dn_buf_reset(&data);
		CHECK_OK(dn_read_file(dn_test_case_path(path), &data, 0, &err), &err);
		for (int policy = DN_BAD_FAIL; policy <= DN_BAD_SKIP; policy++) {
			struct rd x;
			struct dn_read_options o = opts((enum dn_bad_rows)policy);
			int rc = rd_mem(&x, data.data ? data.data : "", (long)data.len,
					DN_FORMAT_JSON, &o, &err);
			rd_release(&x);
			if (rc != DN_EPARSE || err.line != l || err.column != c ||
			    !strstr(err.msg, want)) {
				dn_test_fail(
					dn_t_, __FILE__, __LINE__,
					"%s: got %s at %lld:%lld \"%s\", expected %ld:%ld \"%s\"",
					name, dn_err_name(rc), (long long)err.line,
					(long long)err.column, err.msg, l, c, want);
				break;
			}
		}
		ncases++;
	}
	dn_buf_release(&list);
	dn_buf_release(&data);
	CHECK(ncases >= 30);
}

/* The same rules in NDJSON make a line a bad row; the position is in the file. */
DN_TEST(json_ndjson_syntax_error_position)
{
	struct dn_error err;
	struct rd x;
	struct dn_read_options o = opts(DN_BAD_FAIL);
	int rc = rd_mem(&x, "{\"a\":1}\n\n{\"a\":2,}\n", -1, DN_FORMAT_NDJSON, &o, &err);
	CHECK_INT(rc, DN_EPARSE);
	CHECK_INT(err.line, 3);
	CHECK_INT(err.column, 8);
	CHECK(strstr(err.msg, "trailing commas") != NULL);
	CHECK_INT(x.rows, 0); /* the first batch never filled */
	rd_release(&x);
	rc = rd_mem(&x, "{\"a\":1} {\"a\":2}\n", -1, DN_FORMAT_NDJSON, &o, &err);
	CHECK_INT(rc, DN_EPARSE);
	CHECK_INT(err.column, 9);
	CHECK(strstr(err.msg, "expected the end of the line after the record, found '{'") != NULL);
	rd_release(&x);
	rc = rd_mem(&x, "{\"a\":\"x\n", -1, DN_FORMAT_NDJSON, &o, &err);
	CHECK_INT(rc, DN_EPARSE);
	CHECK(strstr(err.msg, "found end of line") != NULL);
	rd_release(&x);
}

static char *nest(int depth, int *len)
{
	char *p = malloc((size_t)depth * 8 + 16);
	int n = 0;
	p[n++] = '[';
	for (int i = 0; i < depth; i++)
		n += snprintf(p + n, 8, "{\"a\":");
	p[n++] = '1';
	for (int i = 0; i < depth; i++)
		p[n++] = '}';
	p[n++] = ']';
	p[n] = 0;
	*len = n;
	return p;
}

DN_TEST(json_depth_limit)
{
	struct dn_error err;
	struct rd x;
	struct dn_read_options o = opts(DN_BAD_FAIL);
	int n;
	char *ok = nest(512, &n);
	int rc = rd_mem(&x, ok, n, DN_FORMAT_JSON, &o, &err);
	free(ok);
	CHECK_OK(rc, &err);
	CHECK_INT(x.schema.nfields, 1);
	CHECK_INT(strlen(x.schema.fields[0].name), 512 * 2 - 1); /* a.a.a... */
	rd_release(&x);
	char *deep = nest(513, &n);
	rc = rd_mem(&x, deep, n, DN_FORMAT_JSON, &o, &err);
	free(deep);
	CHECK_INT(rc, DN_EPARSE);
	CHECK(strstr(err.msg, "nesting deeper than 512 levels") != NULL);
	CHECK_INT(err.line, 1);
	CHECK_INT(err.column, 2 + 512 * 5);
	rd_release(&x);
	/* deep arrays too, in NDJSON (a bad row there) */
	struct dn_buf b = DN_BUF_INIT;
	dn_buf_puts(&b, "{\"a\":", NULL);
	for (int i = 0; i < 600; i++)
		dn_buf_putc(&b, '[', NULL);
	dn_buf_puts(&b, "\n{\"a\":1}\n", NULL);
	o = opts(DN_BAD_SKIP);
	CHECK_OK(rd_mem(&x, b.data, (long)b.len, DN_FORMAT_NDJSON, &o, &err), &err);
	CHECK_INT(x.rows, 1);
	CHECK_INT(x.sum.skipped, 1);
	rd_release(&x);
	dn_buf_release(&b);
}

static const char *bad_ndjson = "{\"id\":1,\"v\":\"a\"}\n"
				"{\"id\":2,\"v\":\"b\",}\n"
				"[1,2]\n"
				"   \n"
				"{\"id\":4,\"v\":\"d\",\"id\":5}\n"
				"{\"id\":6,\"v\":\"f\",\"only_bad\":1\r\n"
				"{\"id\":7,\"v\":\"g\"}\r\n";

DN_TEST(json_bad_rows_fail)
{
	struct dn_error err;
	struct rd x;
	struct dn_read_options o = opts(DN_BAD_FAIL);
	int rc = rd_mem(&x, bad_ndjson, -1, DN_FORMAT_NDJSON, &o, &err);
	CHECK_INT(rc, DN_EPARSE);
	CHECK_STR(err.file, "mem");
	CHECK_INT(err.line, 2);
	CHECK_INT(err.column, 17);
	CHECK(strstr(err.msg, "expected a string key after ','") != NULL);
	rd_release(&x);
}

DN_TEST(json_bad_rows_skip)
{
	struct dn_error err;
	struct rd x;
	struct dn_read_options o = opts(DN_BAD_SKIP);
	CHECK_OK(rd_mem(&x, bad_ndjson, -1, DN_FORMAT_NDJSON, &o, &err), &err);
	CHECK_INT(x.rows, 2);
	CHECK_INT(x.sum.read, 6); /* the blank line is not a row */
	CHECK_INT(x.sum.loaded, 2);
	CHECK_INT(x.sum.skipped, 4);
	CHECK_INT(x.sum.quarantined, 0);
	/* a bad record's keys do not become columns */
	CHECK_INT(x.schema.nfields, 2);
	CHECK_INT(dn_column_i64(col(&x, 0, "id"), 1), 7);
	rd_release(&x);
}

DN_TEST(json_bad_rows_quarantine)
{
	struct dn_error err;
	struct rd x;
	struct dn_read_options o = opts(DN_BAD_QUARANTINE);
	const char *path = dn_test_tmp_path("json_rejects.csv");
	struct dn_buf rej = DN_BUF_INIT;
	o.rejects_path = path;
	CHECK_OK(rd_mem(&x, bad_ndjson, -1, DN_FORMAT_NDJSON, &o, &err), &err);
	CHECK_INT(x.rows, 2);
	CHECK_INT(x.sum.read, 6);
	CHECK_INT(x.sum.quarantined, 4);
	CHECK_INT(x.sum.read, x.sum.loaded + x.sum.skipped + x.sum.quarantined);
	CHECK_STR(x.rejects_path, path);
	rd_release(&x);
	CHECK_OK(dn_read_file(path, &rej, 0, &err), &err);
	CHECK(strstr(rej.data, "line,column,reason,record\n") == rej.data);
	CHECK(strstr(rej.data, "\n2,17,") != NULL);
	CHECK(strstr(rej.data, "\n3,1,\"expected an object, found an array\",\"[1,2]\"\n") != NULL);
	CHECK(strstr(rej.data, "\n5,17,\"duplicate key 'id'\",") != NULL);
	CHECK(strstr(rej.data, "\n6,") != NULL);
	CHECK(strstr(rej.data, "\r") == NULL);
	CHECK(strstr(rej.data, "found end of line") != NULL);
	dn_buf_release(&rej);
}

DN_TEST(json_array_bad_elements)
{
	struct dn_error err;
	struct rd x;
	struct dn_read_options o = opts(DN_BAD_SKIP);
	const char *in =
		"[{\"a\":1},\n 5,\n \"s\",\n {\"a\":2,\"a\":3},\n [{\"a\":9}],\n {\"a\":4}]";
	CHECK_OK(rd_mem(&x, in, -1, DN_FORMAT_JSON, &o, &err), &err);
	CHECK_INT(x.rows, 2);
	CHECK_INT(x.sum.read, 6);
	CHECK_INT(x.sum.skipped, 4);
	CHECK_INT(dn_column_i64(col(&x, 0, "a"), 1), 4);
	rd_release(&x);
	o = opts(DN_BAD_FAIL);
	CHECK_INT(rd_mem(&x, in, -1, DN_FORMAT_JSON, &o, &err), DN_EPARSE);
	CHECK_INT(err.line, 2);
	CHECK_INT(err.column, 2);
	CHECK(strstr(err.msg, "expected an object, found a number") != NULL);
	rd_release(&x);
}

DN_TEST(json_duplicate_keys)
{
	static const struct {
		const char *rec, *key;
	} cases[] = {
		{"{\"a\":1,\"b\":2,\"a\":3}", "a"},
		{"{\"a\":{\"b\":1},\"a\":{\"c\":2}}", "a"},
		{"{\"a\":1,\"a\":{\"c\":2}}", "a"},
		{"{\"a\":{\"c\":2},\"a\":null}", "a"},
		{"{\"u\":{\"x\":1,\"x\":2}}", "u.x"},
		{"{\"a.b\":1,\"a\":{\"b\":2}}", "a.b"}, /* same flattened column */
		{"{\"\\u0061\":1,\"a\":2}", "a"},       /* escapes are compared decoded */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct dn_error err;
		struct rd x;
		struct dn_read_options o = opts(DN_BAD_FAIL);
		char want[64];
		int rc = rd_mem(&x, cases[i].rec, -1, DN_FORMAT_NDJSON, &o, &err);
		rd_release(&x);
		snprintf(want, sizeof want, "duplicate key '%s'", cases[i].key);
		if (rc != DN_EPARSE || !strstr(err.msg, want)) {
			dn_test_fail(dn_t_, __FILE__, __LINE__, "%s: %s", cases[i].rec, err.msg);
			return;
		}
	}
	/* the same key in different objects is fine */
	struct dn_error err;
	struct rd x;
	struct dn_read_options o = opts(DN_BAD_FAIL);
	CHECK_OK(rd_mem(&x, "{\"a\":{\"id\":1},\"b\":{\"id\":2},\"id\":3}", -1, DN_FORMAT_NDJSON,
			&o, &err),
		 &err);
	CHECK_INT(x.schema.nfields, 3);
	rd_release(&x);
}

DN_TEST(json_declared_types)
{
	struct dn_error err;
	struct rd x;
	struct dn_read_options o = opts(DN_BAD_SKIP);
	struct dn_type_hint hints[] = {{"id", DN_STRING}, {"n", DN_INT64}, {"f", DN_FLOAT64},
				       {"when", DN_DATE}, {"ok", DN_BOOL}, {"u.t", DN_TIMESTAMP}};
	o.types = hints;
	o.n_types = 6;
	const char *in = "{\"id\":1,\"n\":\"12\",\"f\":3,\"when\":\"2024-05-06\",\"ok\":true,"
			 "\"u\":{\"t\":\"2024-05-06\"}}\n"
			 "{\"id\":\"x\",\"n\":1.5}\n"
			 "{\"id\":true,\"n\":null,\"ok\":\"yes\"}\n"
			 "{\"id\":[1],\"when\":\"2024-05-06T01:00:00Z\"}\n"
			 "{\"id\":null,\"n\":-3,\"f\":\"2.5\",\"ok\":\"false\"}\n";
	CHECK_OK(rd_mem(&x, in, -1, DN_FORMAT_NDJSON, &o, &err), &err);
	CHECK_INT(type_of(&x, "id"), DN_STRING);
	CHECK_INT(type_of(&x, "n"), DN_INT64);
	CHECK_INT(type_of(&x, "f"), DN_FLOAT64);
	CHECK_INT(type_of(&x, "when"), DN_DATE);
	CHECK_INT(type_of(&x, "ok"), DN_BOOL);
	CHECK_INT(type_of(&x, "u.t"), DN_TIMESTAMP);
	CHECK_INT(x.rows, 2);
	CHECK_INT(x.sum.skipped, 3);
	struct dn_str s = dn_column_str(col(&x, 0, "id"), 0);
	CHECK_MEM(s.ptr, s.len, "1");
	CHECK_INT(dn_column_i64(col(&x, 0, "n"), 0), 12);
	CHECK_INT(dn_column_i64(col(&x, 0, "n"), 1), -3);
	CHECK(dn_column_f64(col(&x, 0, "f"), 1) == 2.5);
	CHECK_INT(dn_column_bool(col(&x, 0, "ok"), 1), 0);
	CHECK_INT(dn_column_i64(col(&x, 0, "u.t"), 0),
		  dn_days_from_civil(2024, 5, 6) * DN_USEC_PER_DAY);
	rd_release(&x);
	/* under fail, the message names the column and the declared type */
	o.bad_rows = DN_BAD_FAIL;
	CHECK_INT(rd_mem(&x, in, -1, DN_FORMAT_NDJSON, &o, &err), DN_EPARSE);
	CHECK_INT(err.line, 2);
	CHECK_INT(err.column, 11);
	CHECK(strstr(err.msg, "column 'n': 1.5 does not fit its declared type int64") != NULL);
	rd_release(&x);
}

DN_TEST(json_all_strings)
{
	struct dn_error err;
	struct rd x;
	struct dn_read_options o = opts(DN_BAD_FAIL);
	o.all_strings = 1;
	CHECK_OK(rd_mem(&x, "{\"a\":1,\"b\":true,\"c\":\"2024-01-01\",\"d\":1.50,\"e\":null}", -1,
			DN_FORMAT_NDJSON, &o, &err),
		 &err);
	for (int i = 0; i < x.schema.nfields; i++)
		CHECK_INT(x.schema.fields[i].type, DN_STRING);
	struct dn_str s = dn_column_str(col(&x, 0, "d"), 0);
	CHECK_MEM(s.ptr, s.len, "1.50"); /* the JSON text as written */
	s = dn_column_str(col(&x, 0, "b"), 0);
	CHECK_MEM(s.ptr, s.len, "true");
	CHECK(dn_column_is_null(col(&x, 0, "e"), 0));
	rd_release(&x);
}

DN_TEST(json_batch_rows_bound)
{
	struct dn_error err;
	struct rd x;
	struct dn_read_options o = opts(DN_BAD_SKIP);
	struct dn_buf in = DN_BUF_INIT;
	o.batch_rows = 7;
	dn_buf_puts(&in, "[", NULL);
	for (int i = 0; i < 100; i++)
		dn_buf_printf(&in, NULL, "%s{\"i\":%d}", i ? ",\n" : "", i % 10 == 3 ? -1 : i);
	dn_buf_puts(&in, "]", NULL);
	CHECK_OK(rd_mem(&x, in.data, (long)in.len, DN_FORMAT_JSON, &o, &err), &err);
	CHECK_INT(x.rows, 100);
	CHECK_INT(x.n, 15);
	int64_t first = 0;
	for (int i = 0; i < x.n; i++) {
		CHECK(x.b[i]->nrows <= 7);
		CHECK_INT(x.b[i]->first_row, first);
		first += x.b[i]->nrows;
	}
	CHECK_INT(dn_column_i64(col(&x, 14, "i"), 1), 99);
	rd_release(&x);
	dn_buf_release(&in);
}

DN_TEST(json_empty_inputs)
{
	struct dn_error err;
	struct rd x;
	struct dn_read_options o = opts(DN_BAD_FAIL);
	CHECK_OK(rd_mem(&x, "", 0, DN_FORMAT_NDJSON, &o, &err), &err);
	CHECK_INT(x.rows, 0);
	CHECK_INT(x.schema.nfields, 0);
	rd_release(&x);
	CHECK_OK(rd_mem(&x, "\n \r\n\t\n", -1, DN_FORMAT_NDJSON, &o, &err), &err);
	CHECK_INT(x.sum.read, 0);
	rd_release(&x);
	CHECK_OK(rd_mem(&x, " [ ]\n", -1, DN_FORMAT_JSON, &o, &err), &err);
	CHECK_INT(x.rows, 0);
	rd_release(&x);
	/* records without keys still count as rows */
	CHECK_OK(rd_mem(&x, "[{},{}]", -1, DN_FORMAT_JSON, &o, &err), &err);
	CHECK_INT(x.rows, 2);
	CHECK_INT(x.schema.nfields, 0);
	rd_release(&x);
	/* a byte order mark is allowed at the start */
	CHECK_OK(rd_mem(&x, "\xEF\xBB\xBF{\"a\":1}\n", -1, DN_FORMAT_NDJSON, &o, &err), &err);
	CHECK_STR(x.schema.fields[0].name, "a");
	rd_release(&x);
}

DN_TEST(json_max_record_bytes)
{
	struct dn_error err;
	struct rd x;
	struct dn_read_options o = opts(DN_BAD_SKIP);
	o.max_record_bytes = 32;
	const char *in = "{\"a\":1}\n{\"a\":\"0123456789012345678901234567890123\"}\n";
	CHECK_INT(rd_mem(&x, in, -1, DN_FORMAT_NDJSON, &o, &err), DN_ELIMIT);
	CHECK_INT(err.line, 2);
	CHECK(strstr(err.msg, "longer than 32 bytes") != NULL);
	CHECK(strstr(err.msg, "max_record_bytes") != NULL);
	rd_release(&x);
	CHECK_INT(rd_mem(&x, "[{\"a\":1},{\"a\":\"0123456789012345678901234567890123\"}]", -1,
			 DN_FORMAT_JSON, &o, &err),
		  DN_ELIMIT);
	rd_release(&x);
	o.max_record_bytes = 64;
	CHECK_OK(rd_mem(&x, in, -1, DN_FORMAT_NDJSON, &o, &err), &err);
	CHECK_INT(x.rows, 2);
	rd_release(&x);
}

DN_TEST(json_writer_output)
{
	struct dn_error err;
	struct rd x;
	struct dn_buf out = DN_BUF_INIT;
	struct dn_read_options o = opts(DN_BAD_FAIL);
	CHECK_OK(rd_mem(&x,
			"{\"id\":1,\"name\":\"x\\\"y\\u0001\",\"score\":3,\"w\":\"2024-01-02\"}\n"
			"{\"id\":2,\"score\":0.25,\"u\":{\"v\":true},"
			"\"w\":\"2024-01-02T03:04:05.5Z\"}\n",
			-1, DN_FORMAT_NDJSON, &o, &err),
		 &err);
	CHECK_OK(write_all(&x, DN_FORMAT_NDJSON, &out, &err), &err);
	CHECK_STR(out.data,
		  "{\"id\":1,\"name\":\"x\\\"y\\u0001\",\"score\":3.0,"
		  "\"w\":\"2024-01-02T00:00:00Z\",\"u.v\":null}\n"
		  "{\"id\":2,\"name\":null,\"score\":0.25,\"w\":\"2024-01-02T03:04:05.500Z\","
		  "\"u.v\":true}\n");
	dn_buf_reset(&out);
	CHECK_OK(write_all(&x, DN_FORMAT_JSON, &out, &err), &err);
	CHECK(strncmp(out.data, "[\n{\"id\":1,", 10) == 0);
	CHECK(strstr(out.data, "\"u.v\":null},\n{\"id\":2,") != NULL);
	CHECK(dn_str_has_suffix(out.data, "\"u.v\":true}\n]\n"));
	rd_release(&x);
	/* nothing written: an empty array, and nothing for NDJSON */
	dn_buf_reset(&out);
	CHECK_OK(write_all(&x, DN_FORMAT_JSON, &out, &err), &err);
	CHECK_STR(out.data, "[]\n");
	dn_buf_release(&out);
	CHECK_OK(write_all(&x, DN_FORMAT_NDJSON, &out, &err), &err);
	CHECK_INT(out.len, 0);
	dn_buf_release(&out);
}

DN_TEST(json_writer_pretty)
{
	struct dn_error err;
	struct rd x, y;
	struct dn_buf out = DN_BUF_INIT;
	struct dn_writer *w = NULL;
	struct dn_write_options wo;
	struct dn_read_options o = opts(DN_BAD_FAIL);
	char why[256];
	dn_write_options_init(&wo);
	wo.pretty = 1;
	CHECK_OK(rd_mem(&x, "{\"a\":1,\"b\":\"x\"}\n{\"a\":2}\n", -1, DN_FORMAT_NDJSON, &o, &err),
		 &err);
	CHECK_OK(dn_writer_open_buf(&w, &out, DN_FORMAT_JSON, &wo, &err), &err);
	CHECK_OK(dn_writer_write(w, x.b[0], &err), &err);
	CHECK_OK(dn_writer_finish(w, &err), &err);
	dn_writer_free(w);
	CHECK_STR(out.data, "[\n  {\n    \"a\": 1,\n    \"b\": \"x\"\n  },\n"
			    "  {\n    \"a\": 2,\n    \"b\": null\n  }\n]\n");
	CHECK_OK(rd_mem(&y, out.data, (long)out.len, DN_FORMAT_JSON, &o, &err), &err);
	CHECK(dn_batch_equal(x.b[0], y.b[0], why, sizeof why));
	rd_release(&x);
	rd_release(&y);
	dn_buf_release(&out);
}

DN_TEST(json_writer_floats_and_dates)
{
	struct dn_error err;
	struct dn_schema s;
	struct dn_builder b[2];
	struct dn_buf out = DN_BUF_INIT;
	struct dn_writer *w = NULL;
	dn_schema_init(&s);
	CHECK_OK(dn_schema_add(&s, "f", 1, DN_FLOAT64, &err), &err);
	CHECK_OK(dn_schema_add(&s, "d", 1, DN_DATE, &err), &err);
	dn_builder_init(&b[0], DN_FLOAT64);
	dn_builder_init(&b[1], DN_DATE);
	double v[] = {3, -0.0, 1e300, 1e-7, NAN, INFINITY, -INFINITY, 123456789.0};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		dn_builder_append_f64(&b[0], v[i], NULL);
		dn_builder_append_date(&b[1], (int32_t)i - 1, NULL);
	}
	struct dn_batch *batch = dn_batch_from_builders(&s, b, &err);
	CHECK(batch != NULL);
	CHECK_OK(dn_writer_open_buf(&w, &out, DN_FORMAT_NDJSON, NULL, &err), &err);
	CHECK_OK(dn_writer_write(w, batch, &err), &err);
	CHECK_OK(dn_writer_finish(w, &err), &err);
	dn_writer_free(w);
	CHECK(strstr(out.data, "{\"f\":3.0,\"d\":\"1969-12-31\"}\n") == out.data);
	CHECK(strstr(out.data, "{\"f\":-0.0,\"d\":\"1970-01-01\"}\n") != NULL);
	CHECK(strstr(out.data, "{\"f\":1e+300,") != NULL);
	CHECK(strstr(out.data, "{\"f\":123456789.0,") != NULL);
	/* NaN and infinities have no JSON spelling: null */
	CHECK(strstr(out.data, "{\"f\":null,\"d\":\"1970-01-04\"}\n") != NULL);
	CHECK(strstr(out.data, "{\"f\":null,\"d\":\"1970-01-05\"}\n") != NULL);
	/* everything reads back as float64 */
	struct rd x;
	struct dn_read_options o = opts(DN_BAD_FAIL);
	CHECK_OK(rd_mem(&x, out.data, (long)out.len, DN_FORMAT_NDJSON, &o, &err), &err);
	CHECK_INT(type_of(&x, "f"), DN_FLOAT64);
	CHECK_INT(type_of(&x, "d"), DN_DATE);
	CHECK(signbit(dn_column_f64(col(&x, 0, "f"), 1)));
	CHECK(dn_column_f64(col(&x, 0, "f"), 3) == 1e-7);
	rd_release(&x);
	dn_batch_free(batch);
	dn_builder_release(&b[0]);
	dn_builder_release(&b[1]);
	dn_schema_release(&s);
	dn_buf_release(&out);
}

DN_TEST(json_put_string)
{
	struct dn_buf out = DN_BUF_INIT;
	CHECK_OK(dn_json_put_string(&out, "a\"b\\c\n\r\t\b\f\x01\x1f\x7f/\xc3\xa9", 16, NULL),
		 NULL);
	CHECK_STR(out.data, "\"a\\\"b\\\\c\\n\\r\\t\\b\\f\\u0001\\u001f\x7f/\xc3\xa9\"");
	dn_buf_reset(&out);
	CHECK_OK(dn_json_put_string(&out, "", 0, NULL), NULL);
	CHECK_STR(out.data, "\"\"");
	dn_buf_release(&out);
}

/* read -> write -> read, the two reads equal batch by batch */
static int round_trip(struct dn_test_ctx *dn_t_, const char *in, enum dn_format from,
		      enum dn_format to, int64_t batch_rows)
{
	struct dn_error err;
	struct rd a, b;
	struct dn_buf out = DN_BUF_INIT;
	struct dn_read_options o = opts(DN_BAD_FAIL);
	char why[256];
	int ok = 0;
	o.batch_rows = batch_rows;
	memset(&b, 0, sizeof b);
	if (rd_mem(&a, in, -1, from, &o, &err) < 0 || write_all(&a, to, &out, &err) < 0 ||
	    rd_mem(&b, out.data, (long)out.len, to, &o, &err) < 0) {
		dn_test_fail(dn_t_, __FILE__, __LINE__, "round trip: %s", err.msg);
		goto out;
	}
	if (a.n != b.n) {
		dn_test_fail(dn_t_, __FILE__, __LINE__, "%d batches vs %d", a.n, b.n);
		goto out;
	}
	for (int i = 0; i < a.n; i++)
		if (!dn_batch_equal(a.b[i], b.b[i], why, sizeof why)) {
			dn_test_fail(dn_t_, __FILE__, __LINE__, "batch %d: %s\n%s", i, why,
				     out.data);
			goto out;
		}
	ok = 1;
out:
	rd_release(&a);
	rd_release(&b);
	dn_buf_release(&out);
	return ok;
}

static const char *every_type =
	"{\"b\":true,\"i\":1,\"f\":1.5,\"s\":\"a\\\"\\u00e9\\n\\u0007\",\"d\":\"2024-01-01\","
	"\"ts\":\"2024-01-01T00:00:00.123456Z\",\"arr\":[1,{\"x\":\"y\"}],\"o\":{\"p\":{\"q\":1}},"
	"\"mix\":1,\"num_text\":\"42\",\"nul\":null}\n"
	"{\"b\":null,\"i\":null,\"f\":null,\"s\":null,\"d\":null,\"ts\":null,\"arr\":null,"
	"\"o\":{\"p\":null},\"mix\":\"x\",\"num_text\":null,\"nul\":null}\n"
	"{\"b\":false,\"i\":-9223372036854775808,\"f\":-0.0,\"s\":\"\",\"d\":\"0001-01-01\","
	"\"ts\":\"9999-12-31T23:59:59.999999Z\",\"arr\":[],\"o\":{},\"mix\":true,"
	"\"num_text\":\"1e5\"}\n"
	"{\"f\":3,\"i\":0,\"s\":\"2024-01-01 not a date\",\"d\":\"2024-02-29\","
	"\"ts\":\"2024-01-01\","
	"\"mix\":2.5}\n"
	"{\"f\":1e300,\"i\":42,\"f2\":5e-324,\"dotted.key\":\"v\"}\n";

DN_TEST(json_round_trip_ndjson)
{
	CHECK(round_trip(dn_t_, every_type, DN_FORMAT_NDJSON, DN_FORMAT_NDJSON, 0));
	CHECK(round_trip(dn_t_, every_type, DN_FORMAT_NDJSON, DN_FORMAT_NDJSON, 2));
}

DN_TEST(json_round_trip_json)
{
	CHECK(round_trip(dn_t_, every_type, DN_FORMAT_NDJSON, DN_FORMAT_JSON, 0));
	CHECK(round_trip(dn_t_, every_type, DN_FORMAT_NDJSON, DN_FORMAT_JSON, 3));
	CHECK(round_trip(dn_t_, "[]", DN_FORMAT_JSON, DN_FORMAT_JSON, 0));
	CHECK(round_trip(dn_t_, "[{},{}]", DN_FORMAT_JSON, DN_FORMAT_NDJSON, 0));
}

/* A file larger than the 1 MiB window, with records across its edges. */
static void big_input(struct dn_buf *b, int json, int rows)
{
	if (json)
		dn_buf_puts(b, "[\n", NULL);
	for (int i = 0; i < rows; i++) {
		if (json && i)
			dn_buf_puts(b, ",\n", NULL);
		dn_buf_printf(b, NULL,
			      "{\"id\":%d,\"name\":\"row number %d with some padding text\","
			      "\"nested\":{\"v\":%d.5,\"tags\":[\"a\",\"b\"]}}",
			      i, i, i);
		if (!json)
			dn_buf_putc(b, '\n', NULL);
	}
	if (json)
		dn_buf_puts(b, "\n]\n", NULL);
}

static int64_t check_stream(struct dn_test_ctx *dn_t_, struct dn_reader *r, int rows)
{
	struct dn_error err;
	struct dn_batch *b;
	int64_t n = 0;
	int rc;
	while ((rc = dn_reader_next(r, &b, &err)) > 0) {
		int c = dn_schema_find(&b->schema, "id");
		for (int64_t i = 0; i < b->nrows; i++)
			if (dn_column_i64(&b->columns[c], i) != n + i) {
				dn_test_fail(dn_t_, __FILE__, __LINE__, "row %lld",
					     (long long)(n + i));
				dn_batch_free(b);
				return -1;
			}
		n += b->nrows;
		dn_batch_free(b);
	}
	if (rc < 0 || n != rows) {
		char e[1200];
		dn_test_fail(dn_t_, __FILE__, __LINE__, "%lld rows: %s", (long long)n,
			     dn_error_format(&err, e, sizeof e));
		return -1;
	}
	return n;
}

DN_TEST(json_stream_from_file)
{
	for (int json = 0; json <= 1; json++) {
		struct dn_buf in = DN_BUF_INIT;
		struct dn_error err;
		struct dn_reader *r = NULL;
		struct dn_read_summary sum;
		big_input(&in, json, 40000);
		CHECK(in.len > (3u << 20));
		const char *path =
			dn_test_write_tmp(json ? "big.json" : "big.ndjson", in.data, in.len);
		CHECK_OK(dn_reader_open(&r, path, DN_FORMAT_UNKNOWN, NULL, &err), &err);
		const struct dn_schema *s = dn_reader_schema(r);
		CHECK_INT(s->nfields, 4);
		CHECK_STR(s->fields[3].name, "nested.tags");
		int64_t n = check_stream(dn_t_, r, 40000);
		dn_reader_summary(r, &sum);
		CHECK_INT(sum.bytes, in.len);
		dn_reader_free(r);
		dn_buf_release(&in);
		CHECK_INT(n, 40000);
	}
}

/* Standard input is not seekable: the reader copies it to a temporary file for pass 2. */
DN_TEST(json_stream_from_pipe)
{
	struct dn_buf in = DN_BUF_INIT;
	struct dn_error err;
	struct dn_reader *r = NULL;
	int fds[2];
	big_input(&in, 0, 20000);
	CHECK(pipe(fds) == 0);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		size_t off = 0;
		while (off < in.len) {
			ssize_t k = write(fds[1], in.data + off, in.len - off);
			if (k <= 0)
				_exit(1);
			off += (size_t)k;
		}
		_exit(0);
	}
	close(fds[1]);
	int saved = dup(0);
	dup2(fds[0], 0);
	close(fds[0]);
	int rc = dn_reader_open(&r, "-", DN_FORMAT_NDJSON, NULL, &err);
	dup2(saved, 0);
	close(saved);
	waitpid(pid, NULL, 0);
	dn_buf_release(&in);
	CHECK_OK(rc, &err);
	int64_t n = check_stream(dn_t_, r, 20000);
	dn_reader_free(r);
	CHECK_INT(n, 20000);
}

/* Every allocation of a read and a write, failed in turn: a clean DN_ENOMEM or the full
 * result, never a crash or a leak (the ASan run checks leaks). */
static int64_t read_write_count(const char *in, enum dn_format fmt, struct dn_error *err)
{
	struct rd x;
	struct dn_buf out = DN_BUF_INIT;
	struct dn_read_options o = opts(DN_BAD_SKIP);
	o.batch_rows = 2;
	int rc = rd_mem(&x, in, -1, fmt, &o, err);
	if (rc >= 0)
		rc = write_all(&x, DN_FORMAT_NDJSON, &out, err);
	int64_t rows = x.rows;
	rd_release(&x);
	dn_buf_release(&out);
	return rc < 0 ? rc : rows;
}

DN_TEST(json_alloc_failures)
{
	const char *in = "[{\"a\":1,\"b\":{\"c\":\"x\\ny\",\"d\":[1,{\"e\":2}]}},\n"
			 " {\"a\":2.5,\"t\":\"2024-01-01\",\"a\":3},\n"
			 " 7, {\"z\":null,\"b\":{\"c\":\"\\ud83d\\ude00\"}}, {\"a\":4}]";
	struct dn_error err;
	CHECK_INT(read_write_count(in, DN_FORMAT_JSON, &err), 3);
	for (uint64_t n = 1;; n++) {
		dn_alloc_fail_after(n);
		int64_t rows = read_write_count(in, DN_FORMAT_JSON, &err);
		uint64_t used = dn_alloc_fail_after(0);
		if (rows < 0 && rows != DN_ENOMEM) {
			dn_test_fail(dn_t_, __FILE__, __LINE__, "allocation %llu: %s: %s",
				     (unsigned long long)n, dn_err_name((int)rows), err.msg);
			return;
		}
		if (rows >= 0) {
			CHECK_INT(rows, 3);
			if (used < n)
				break;
		}
	}
}

/* The fuzz corpus (and every crash the fuzzer found) replayed with the fuzz target's check:
 * whatever reads must write and read back to equal batches. */
DN_TEST(json_fuzz_corpus)
{
	const char *dir = DN_SOURCE_DIR "/fuzz/corpus/json";
	DIR *d = opendir(dir);
	int files = 0;
	CHECK(d != NULL);
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		char path[1024];
		struct dn_buf data = DN_BUF_INIT;
		struct dn_error err;
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (dn_read_file(path, &data, 0, &err) < 0)
			continue;
		files++;
		for (int f = DN_FORMAT_NDJSON; f <= DN_FORMAT_JSON; f++) {
			struct rd a, b;
			struct dn_buf out = DN_BUF_INIT;
			struct dn_read_options o = opts(DN_BAD_SKIP);
			char why[256];
			int rc = rd_mem(&a, data.data ? data.data : "", (long)data.len,
					(enum dn_format)f, &o, &err);
			memset(&b, 0, sizeof b);
			if (rc >= 0 && write_all(&a, DN_FORMAT_NDJSON, &out, &err) >= 0) {
				rc = rd_mem(&b, out.data ? out.data : "", (long)out.len,
					    DN_FORMAT_NDJSON, &o, &err);
				int same = rc >= 0 && a.n == b.n;
				for (int i = 0; same && i < a.n; i++)
					same = dn_batch_equal(a.b[i], b.b[i], why, sizeof why);
				if (!same)
					dn_test_fail(dn_t_, __FILE__, __LINE__, "%s as %s: %s",
						     e->d_name, dn_format_name((enum dn_format)f),
						     rc < 0 ? err.msg : why);
			}
			rd_release(&a);
			rd_release(&b);
			dn_buf_release(&out);
		}
		dn_buf_release(&data);
	}
	closedir(d);
	CHECK(files >= 15);
}

/* Arrays and objects keep their text in the document: extract.api copies records from it. */
DN_TEST(json_value_source_spans)
{
	struct dn_arena a;
	struct dn_error err;
	struct dn_jv *doc = NULL;
	const char *text = "{\"data\": [\r\n  {\"id\": 1, \"s\": \"a\\nb\"},\r\n  {\"id\": 2, "
			   "\"o\": {\"x\": [1, 2]}}\r\n]}";
	dn_arena_init(&a, 1 << 12);
	CHECK_OK(dn_jv_parse(&a, "doc", text, strlen(text), &doc, &err), &err);
	const struct dn_jv *data = dn_jv_get(doc, "data");
	CHECK(data && data->n == 2);
	CHECK(doc->src == text && doc->src_len == strlen(text));
	CHECK_MEM(data->items[0].src, data->items[0].src_len, "{\"id\": 1, \"s\": \"a\\nb\"}");
	CHECK_MEM(data->items[1].src, data->items[1].src_len,
		  "{\"id\": 2, \"o\": {\"x\": [1, 2]}}");
	const struct dn_jv *x = dn_jv_get(dn_jv_get(&data->items[1], "o"), "x");
	CHECK_MEM(x->src, x->src_len, "[1, 2]");
	CHECK(dn_jv_get(&data->items[0], "id")->src == NULL); /* scalars keep none */
	dn_arena_release(&a);
}

/* dn_jv_parse_shallow: containers `depth` levels deep or more (the root's items are level 1)
 * are only delimited; strings are stepped over with their escaped quotes and backslashes. */
DN_TEST(json_value_shallow)
{
	struct dn_arena a;
	struct dn_error err;
	struct dn_jv *doc = NULL;
	/* Records hold strings with an escaped quote after an escaped backslash ("a\\\"b"), a
	 * string ending in escaped backslashes ("x\\\\", "y\\"), brackets and an escaped quote
	 * followed by a brace inside strings. */
	const char *rec0 = "{\"id\": 1, \"s\": \"a\\\\\\\"b\", \"o\": {\"x\": [1, 2]}}";
	const char *rec1 = "{\"id\": 2, \"t\": \"x\\\\\\\\\", \"u\": \"y\\\\\"}";
	const char *rec2 = "[3, {\"y\": \"]\"}, \"q\\\"}\", \"}]\"]";
	struct dn_buf text = DN_BUF_INIT;
	dn_buf_printf(&text, NULL, "{\"data\": [%s,\n %s, %s, 7, \"s\"], \"meta\": {\"n\": 2}}",
		      rec0, rec1, rec2);
	dn_arena_init(&a, 1 << 12);
	dn_error_clear(&err);
	CHECK_OK(dn_jv_parse_shallow(&a, "doc", text.data, text.len, 2, &doc, &err), &err);
	const struct dn_jv *data = dn_jv_get(doc, "data");
	CHECK(data != NULL && data->kind == DN_JV_ARR && !data->lazy);
	CHECK_INT(data->n, 5);
	const struct dn_jv *it = data->items;
	CHECK(it[0].kind == DN_JV_OBJ && it[0].lazy == 1 && it[0].n == 0);
	CHECK_MEM(it[0].src, it[0].src_len, rec0);
	CHECK(it[1].kind == DN_JV_OBJ && it[1].lazy == 1 && it[1].n == 0);
	CHECK_MEM(it[1].src, it[1].src_len, rec1);
	CHECK(it[2].kind == DN_JV_ARR && it[2].lazy == 1 && it[2].n == 0);
	CHECK_MEM(it[2].src, it[2].src_len, rec2);
	/* Scalars at that depth are parsed as always. */
	CHECK(it[3].kind == DN_JV_NUM && it[3].num == 7.0 && !it[3].lazy);
	CHECK_STR(dn_jv_str(&it[4]), "s");
	/* Level 1 is parsed. */
	const struct dn_jv *meta = dn_jv_get(doc, "meta");
	int64_t n = 0;
	CHECK(meta && !meta->lazy);
	CHECK_OK(dn_jv_i64(dn_jv_get(meta, "n"), &n), &err);
	CHECK_INT(n, 2);
	/* A span parses to the values the full parse gives. */
	struct dn_jv *r0 = NULL, *full = NULL;
	CHECK_OK(dn_jv_parse(&a, "rec", it[0].src, it[0].src_len, &r0, &err), &err);
	CHECK_STR(dn_jv_str(dn_jv_get(r0, "s")), "a\\\"b");
	CHECK_OK(dn_jv_parse(&a, "doc", text.data, text.len, &full, &err), &err);
	const struct dn_jv *fd = dn_jv_get(full, "data");
	CHECK(!fd->items[0].lazy && fd->items[0].n == 3);
	CHECK_STR(dn_jv_str(dn_jv_get(&fd->items[1], "t")), "x\\\\");
	CHECK_STR(dn_jv_str(dn_jv_get(&fd->items[1], "u")), "y\\");
	CHECK_INT(fd->items[2].n, 4);
	/* depth 0 is the full parse. */
	CHECK_OK(dn_jv_parse_shallow(&a, "doc", text.data, text.len, 0, &doc, &err), &err);
	CHECK(!dn_jv_get(doc, "data")->items[0].lazy);
	CHECK_INT(dn_jv_get(doc, "data")->items[0].n, 3);
	/* depth 1: the root's items themselves are spans. */
	CHECK_OK(dn_jv_parse_shallow(&a, "doc", text.data, text.len, 1, &doc, &err), &err);
	CHECK_INT(doc->n, 2);
	data = dn_jv_get(doc, "data");
	CHECK(data->lazy && data->n == 0);
	CHECK(data->src_len > 0 && data->src[0] == '[' && data->src[data->src_len - 1] == ']');
	CHECK(dn_jv_get(doc, "meta")->lazy);
	dn_buf_release(&text);

	/* The contents of a span are not checked: that is its reader's job. */
	const char *bad_inside = "[{\"id\": 4}, {\"id\": 5, \"x\": }]";
	CHECK_OK(dn_jv_parse_shallow(&a, "doc", bad_inside, strlen(bad_inside), 1, &doc, &err),
		 &err);
	CHECK_INT(doc->n, 2);
	CHECK_MEM(doc->items[1].src, doc->items[1].src_len, "{\"id\": 5, \"x\": }");
	CHECK_INT(dn_jv_parse(&a, "doc", bad_inside, strlen(bad_inside), &doc, &err), DN_EPARSE);

	/* When the brackets do not close, the error is the full parse's, with its position. */
	static const char *const unterminated[] = {
		"[{\"id\": 1},\n {\"id\": 2, \"s\": \"abc}]",
		"[\n  {\"id\": 1, \"s\": \"x\\\"}\n]",
		"[{\"a\": {\"b\": 1}",
		"{\"data\": [{\"id\": 1}, {\"id\": 2, \"s\": \"\\\\\\\"}]}",
	};
	for (size_t i = 0; i < sizeof unterminated / sizeof unterminated[0]; i++) {
		const char *t = unterminated[i];
		struct dn_error want, got;
		dn_error_clear(&want);
		dn_error_clear(&got);
		CHECK_INT(dn_jv_parse(&a, "doc", t, strlen(t), &doc, &want), DN_EPARSE);
		for (int depth = 1; depth <= 2; depth++) {
			CHECK_INT(dn_jv_parse_shallow(&a, "doc", t, strlen(t), depth, &doc, &got),
				  DN_EPARSE);
			CHECK_INT(got.line, want.line);
			CHECK_INT(got.column, want.column);
			CHECK_STR(got.msg, want.msg);
			CHECK(got.line >= 1 && got.column >= 1);
		}
	}
	/* Brackets that close but do not match ("[1}") are only counted, so the span may run
	 * past the record: the document or the span's own parse still fails. */
	const char *crossed = "[{\"a\": [1}]]";
	CHECK_OK(dn_jv_parse_shallow(&a, "doc", crossed, strlen(crossed), 1, &doc, &err), &err);
	CHECK_INT(doc->n, 1);
	CHECK_INT(dn_jv_parse(&a, "rec", doc->items[0].src, doc->items[0].src_len, &full, &err),
		  DN_EPARSE);
	const char *crossed2 = "[{\"id\": 1},\n {\"id\": 2, \"a\": [1, 2}\n]";
	CHECK_INT(dn_jv_parse_shallow(&a, "doc", crossed2, strlen(crossed2), 1, &doc, &err),
		  DN_EPARSE);
	dn_arena_release(&a);
}

/* Read path (a file) as fmt, like rd_mem. */
static int rd_file(struct rd *x, const char *path, enum dn_format fmt,
		   const struct dn_read_options *opt, struct dn_error *err)
{
	struct dn_reader *r = NULL;
	struct dn_batch *b;
	int rc;
	memset(x, 0, sizeof *x);
	dn_error_clear(err);
	rc = dn_reader_open(&r, path, fmt, opt, err);
	if (rc < 0)
		return rc;
	rc = dn_schema_copy(&x->schema, dn_reader_schema(r), err);
	while (rc >= 0 && (rc = dn_reader_next(r, &b, err)) > 0) {
		if (x->n == MAX_BATCHES) {
			dn_batch_free(b);
			rc = DN_ELIMIT;
			break;
		}
		x->b[x->n++] = b;
		x->rows += b->nrows;
	}
	dn_reader_summary(r, &x->sum);
	if (x->sum.rejects_path)
		snprintf(x->rejects_path, sizeof x->rejects_path, "%s", x->sum.rejects_path);
	x->sum.rejects_path = NULL;
	x->sum.widenings = NULL;
	dn_reader_free(r);
	return rc;
}

/* Memory input replays a tape of pass 1 in pass 2; a file is parsed twice. Both must give the
 * same schema, batches, summary, bad rows (in the same order) and errors. Returns 1 if so.
 * (Bytes consumed are compared only for reads that succeed: see json_tape_fail_bytes.) */
/* Declared types for the next same_as_file calls (none when NULL). */
static const struct dn_type_hint *tape_hints;
static int tape_nhints;

static int same_as_file(struct dn_test_ctx *dn_t_, const char *label, const char *in,
			enum dn_format fmt, enum dn_bad_rows policy, int64_t batch_rows)
{
	struct rd m, f;
	struct dn_error em, ef;
	struct dn_read_options o = opts(policy);
	struct dn_buf rm = DN_BUF_INIT, rf = DN_BUF_INIT;
	if (tape_hints) {
		o.types = tape_hints;
		o.n_types = tape_nhints;
	}
	char why[256];
	int ok = 0;
	o.batch_rows = batch_rows;
	o.display_name = "mem";
	const char *path = dn_test_write_tmp(fmt == DN_FORMAT_JSON ? "tape.json" : "tape.ndjson",
					     in, strlen(in));
	char rej_m[600], rej_f[600];
	snprintf(rej_m, sizeof rej_m, "%s", dn_test_tmp_path("tape_mem.rejects.csv"));
	snprintf(rej_f, sizeof rej_f, "%s", dn_test_tmp_path("tape_file.rejects.csv"));
	unlink(rej_m);
	unlink(rej_f);
	o.rejects_path = rej_m;
	int rcm = rd_mem(&m, in, -1, fmt, &o, &em);
	o.rejects_path = rej_f;
	int rcf = rd_file(&f, path, fmt, &o, &ef);
#define TAPE_FAIL(...)                                                                             \
	do {                                                                                       \
		dn_test_fail(dn_t_, __FILE__, __LINE__, __VA_ARGS__);                              \
		goto out;                                                                          \
	} while (0)
	if (rcm != rcf)
		TAPE_FAIL("%s: memory gave %d (%s), the file %d (%s)", label, rcm, em.msg, rcf,
			  ef.msg);
	if (rcm < 0 && (em.line != ef.line || em.column != ef.column || strcmp(em.msg, ef.msg)))
		TAPE_FAIL("%s: memory failed at %lld:%lld (%s), the file at %lld:%lld (%s)", label,
			  (long long)em.line, (long long)em.column, em.msg, (long long)ef.line,
			  (long long)ef.column, ef.msg);
	if (rcm < 0 && strcmp(em.file, ef.file))
		TAPE_FAIL("%s: memory names %s, the file %s", label, em.file, ef.file);
	if (!dn_schema_equal(&m.schema, &f.schema))
		TAPE_FAIL("%s: the schemas differ", label);
	if (m.n != f.n)
		TAPE_FAIL("%s: %d batches from memory, %d from the file", label, m.n, f.n);
	for (int i = 0; i < m.n; i++)
		if (!dn_batch_equal(m.b[i], f.b[i], why, sizeof why))
			TAPE_FAIL("%s: batch %d: %s", label, i, why);
	if (m.sum.read != f.sum.read || m.sum.loaded != f.sum.loaded ||
	    m.sum.skipped != f.sum.skipped || m.sum.quarantined != f.sum.quarantined ||
	    (rcm >= 0 && m.sum.bytes != f.sum.bytes) || m.sum.nwidenings != f.sum.nwidenings)
		TAPE_FAIL("%s: summaries differ: read %lld/%lld loaded %lld/%lld skipped %lld/%lld "
			  "quarantined %lld/%lld bytes %llu/%llu widenings %d/%d",
			  label, (long long)m.sum.read, (long long)f.sum.read,
			  (long long)m.sum.loaded, (long long)f.sum.loaded,
			  (long long)m.sum.skipped, (long long)f.sum.skipped,
			  (long long)m.sum.quarantined, (long long)f.sum.quarantined,
			  (unsigned long long)m.sum.bytes, (unsigned long long)f.sum.bytes,
			  m.sum.nwidenings, f.sum.nwidenings);
	if (rcm >= 0 && m.sum.bytes != strlen(in))
		TAPE_FAIL("%s: %llu bytes consumed of %zu", label, (unsigned long long)m.sum.bytes,
			  strlen(in));
	if (m.rejects_path[0] || f.rejects_path[0]) {
		if (dn_read_file(rej_m, &rm, 0, &em) < 0 || dn_read_file(rej_f, &rf, 0, &ef) < 0)
			TAPE_FAIL("%s: a rejects file is missing", label);
		if (rm.len != rf.len || memcmp(rm.data, rf.data, rm.len))
			TAPE_FAIL("%s: rejects differ:\n%.*s---\n%.*s", label, (int)rm.len, rm.data,
				  (int)rf.len, rf.data);
	}
#undef TAPE_FAIL
	ok = 1;
out:
	rd_release(&m);
	rd_release(&f);
	dn_buf_release(&rm);
	dn_buf_release(&rf);
	return ok;
}

/* Records whose columns change type as they go (int, then float, then string), nested objects,
 * arrays, escapes (\n, \u00e9, a surrogate pair, \" and \\), nulls, blank lines, CRLF. */
static const char *tape_records =
	"{\"id\":1,\"v\":1,\"w\":10,\"s\":\"a\\nb\",\"o\":{\"x\":1,\"y\":{\"z\":\"deep\"}},"
	"\"arr\":[1,{\"k\":\"v\"}],\"n\":null,\"d\":\"2024-01-01\"}\n"
	"\n"
	"{\"id\":2,\"v\":2.5,\"w\":11,\"s\":\"caf\\u00e9 \\ud83d\\ude00\",\"o\":{\"x\":null},"
	"\"arr\":[],\"n\":null,\"d\":\"2024-01-02T03:04:05Z\"}\n"
	"   \n"
	"{\"w\":12.0,\"v\":\"text\",\"id\":3,\"s\":\"tab\\t\\\"q\\\" \\\\\","
	"\"o\":{\"y\":{\"z\":1}},"
	"\"arr\":null,\"new\":true,\"k\\u00e9y\":\"\\u0041\"}\r\n"
	"{\"id\":4,\"v\":null,\"o\":{},\"arr\":[\"\\u00e9\",\"\\n\"],\"new\":false}\n";

DN_TEST(json_tape_matches_file)
{
	/* NDJSON, and the same records as a JSON array (pretty, with blank lines). */
	struct dn_buf arr = DN_BUF_INIT;
	dn_buf_puts(&arr, "[\n", NULL);
	const char *p = tape_records;
	int first = 1;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = (size_t)(nl - p);
		while (len && (p[len - 1] == '\r' || p[len - 1] == ' '))
			len--;
		if (len) {
			dn_buf_puts(&arr, first ? "  " : ",\n\n  ", NULL);
			dn_buf_append(&arr, p, len, NULL);
			first = 0;
		}
		p = nl + 1;
	}
	dn_buf_puts(&arr, "\n]\n", NULL);
	for (int64_t br = 0; br <= 2; br += 2) {
		CHECK(same_as_file(dn_t_, "ndjson", tape_records, DN_FORMAT_NDJSON, DN_BAD_FAIL,
				   br));
		CHECK(same_as_file(dn_t_, "json", arr.data, DN_FORMAT_JSON, DN_BAD_FAIL, br));
	}
	/* The values themselves, once (the comparisons above only say memory = file). */
	struct rd x;
	struct dn_error err;
	struct dn_read_options o = opts(DN_BAD_FAIL);
	CHECK_OK(rd_mem(&x, tape_records, -1, DN_FORMAT_NDJSON, &o, &err), &err);
	CHECK_INT(x.rows, 4);
	CHECK_INT(type_of(&x, "v"), DN_STRING);
	CHECK_INT(type_of(&x, "w"), DN_FLOAT64);
	CHECK_INT(type_of(&x, "o.y.z"), DN_STRING);
	struct dn_str s = dn_column_str(col(&x, 0, "v"), 0);
	CHECK_MEM(s.ptr, s.len, "1");
	s = dn_column_str(col(&x, 0, "v"), 1);
	CHECK_MEM(s.ptr, s.len, "2.5");
	s = dn_column_str(col(&x, 0, "s"), 1);
	CHECK_MEM(s.ptr, s.len, "caf\xc3\xa9 \xf0\x9f\x98\x80");
	s = dn_column_str(col(&x, 0, "s"), 2);
	CHECK_MEM(s.ptr, s.len, "tab\t\"q\" \\");
	s = dn_column_str(col(&x, 0, "k\xc3\xa9y"), 2);
	CHECK_MEM(s.ptr, s.len, "A");
	CHECK(dn_column_is_null(col(&x, 0, "v"), 3));
	rd_release(&x);
	dn_buf_release(&arr);
}

/* Bad rows under every policy: memory and file report the same rows, in order, with the same
 * counts; under fail, the same line, column and message. */
DN_TEST(json_tape_bad_rows_match_file)
{
	const char *const ndjson[] = {
		bad_ndjson,
		/* a bad row first, one last without a newline, a type that widens between them */
		"{\"id\":1,\"v\":}\n{\"id\":2,\"v\":1}\n\n"
		"{\"id\":3,\"v\":1.5,\"x\":{\"y\":\"\\u00e9\"}}\n"
		"{\"id\":3,\"id\":4}\n{\"id\":5,\"v\":\"s\\\"\"}\n{\"id\":6,\"v\":[1,",
		/* a string with a raw line break: two bad lines */
		"{\"id\":1,\"s\":\"a\nb\"}\n{\"id\":2,\"s\":\"c\"}\n",
	};
	static const char *const json[] = {
		"[{\"a\":1},\n 5,\n \"s\",\n {\"a\":2,\"a\":3},\n [{\"a\":9}],\n {\"a\":4.5}]",
		"[{\"a\":1},\n {\"a\":\"x\",\"b\":{\"c\":null}},\n {\"a\":2,\"a\":3}\n]",
		"[{\"a\":1},\n {\"a\": }\n]", /* a syntax error in an array is fatal */
	};
	static const enum dn_bad_rows policies[] = {DN_BAD_SKIP, DN_BAD_QUARANTINE, DN_BAD_FAIL};
	for (size_t p = 0; p < 3; p++) {
		for (size_t i = 0; i < sizeof ndjson / sizeof ndjson[0]; i++)
			for (int64_t br = 0; br <= 1; br++) {
				char label[64];
				snprintf(label, sizeof label,
					 "ndjson %zu policy %zu batch_rows %lld", i, p,
					 (long long)br);
				CHECK(same_as_file(dn_t_, label, ndjson[i], DN_FORMAT_NDJSON,
						   policies[p], br));
			}
		for (size_t i = 0; i < sizeof json / sizeof json[0]; i++)
			for (int64_t br = 0; br <= 1; br++) {
				char label[64];
				snprintf(label, sizeof label, "json %zu policy %zu batch_rows %lld",
					 i, p, (long long)br);
				CHECK(same_as_file(dn_t_, label, json[i], DN_FORMAT_JSON,
						   policies[p], br));
			}
	}
	/* Declared types make bad rows in pass 1 (a value that does not fit) and convert the
	 * tape's values in pass 2. */
	static const struct dn_type_hint hints[] = {{"id", DN_STRING}, {"v", DN_INT64}};
	const char *declared = "{\"id\":1,\"v\":\"12\"}\n{\"id\":2,\"v\":1.5}\n"
			       "{\"v\":-3,\"id\":\"x\\u00e9\"}\n{\"id\":true,\"v\":null}\n";
	tape_hints = hints;
	tape_nhints = 2;
	for (size_t p = 0; p < 3; p++) {
		int same =
			same_as_file(dn_t_, "declared", declared, DN_FORMAT_NDJSON, policies[p], 0);
		if (!same)
			tape_hints = NULL;
		CHECK(same);
	}
	tape_hints = NULL;
	/* And they are the expected ones (memory input). */
	struct rd x;
	struct dn_error err;
	struct dn_read_options o = opts(DN_BAD_SKIP);
	CHECK_OK(rd_mem(&x, ndjson[1], -1, DN_FORMAT_NDJSON, &o, &err), &err);
	CHECK_INT(x.sum.read, 6);
	CHECK_INT(x.sum.loaded, 3);
	CHECK_INT(x.sum.skipped, 3);
	CHECK_INT(type_of(&x, "v"), DN_STRING);
	CHECK_INT(dn_column_i64(col(&x, 0, "id"), 2), 5);
	rd_release(&x);
	o = opts(DN_BAD_FAIL);
	CHECK_INT(rd_mem(&x, ndjson[1], -1, DN_FORMAT_NDJSON, &o, &err), DN_EPARSE);
	CHECK_INT(err.line, 1);
	CHECK_INT(err.column, 13);
	rd_release(&x);
}

/* Enough records for several batches, a column that turns float near the end and a string in
 * the last record: the tape's values are converted to the final types. */
DN_TEST(json_tape_many_records)
{
	struct dn_buf in = DN_BUF_INIT;
	for (int i = 0; i < 30000; i++) {
		if (i == 29000)
			dn_buf_printf(&in, NULL, "{\"id\":%d,\"v\":%d.25,\"t\":\"x\\u00e9%d\"}\n",
				      i, i, i);
		else if (i == 29999)
			dn_buf_printf(&in, NULL, "{\"id\":%d,\"v\":\"last\"}\n", i);
		else
			dn_buf_printf(&in, NULL, "{\"id\":%d,\"v\":%d,\"t\":\"r%d\"}\n", i, i, i);
	}
	CHECK(same_as_file(dn_t_, "many", in.data, DN_FORMAT_NDJSON, DN_BAD_FAIL, 0));
	CHECK(same_as_file(dn_t_, "many, 4096 a batch", in.data, DN_FORMAT_NDJSON, DN_BAD_FAIL,
			   4096));
	dn_buf_release(&in);
}

/* After a bad row under the fail policy, the summary's bytes consumed are the same for memory
 * and file input (the file's: up to the end of the last good record). */
DN_TEST(json_tape_fail_bytes)
{
	static const char *const ins[] = {"{\"id\":1}\n{\"id\":2,}\n{\"id\":3}\n",
					  "[{\"a\":1},\n 5,\n {\"a\":2}]"};
	for (int i = 0; i < 2; i++) {
		enum dn_format fmt = i ? DN_FORMAT_JSON : DN_FORMAT_NDJSON;
		const char *path = dn_test_write_tmp("fail_bytes.json", ins[i], strlen(ins[i]));
		struct rd m, f;
		struct dn_error em, ef;
		struct dn_read_options o = opts(DN_BAD_FAIL);
		int rcm = rd_mem(&m, ins[i], -1, fmt, &o, &em);
		int rcf = rd_file(&f, path, fmt, &o, &ef);
		uint64_t bm = m.sum.bytes, bf = f.sum.bytes;
		rd_release(&m);
		rd_release(&f);
		CHECK_INT(rcm, DN_EPARSE);
		CHECK_INT(rcf, DN_EPARSE);
		CHECK_INT(em.line, 2);
		CHECK_INT(ef.line, 2);
		CHECK_INT(bf, i ? 8 : 9);
		CHECK_INT(bm, bf);
	}
}

/* JSON strings are always valid UTF-8: text cut inside a character or bytes that are not UTF-8
 * become U+FFFD, one per bad byte; well-formed characters pass as they are. */
DN_TEST(json_put_string_bad_utf8)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{"a\xc3\xa9z", "\"a\xc3\xa9z\""},
		{"a\xc3", "\"a\\ufffd\""}, /* cut inside é */
		{"\xff"
		 "b",
		 "\"\\ufffdb\""},                                         /* never UTF-8 */
		{"\xc0\x80", "\"\\ufffd\\ufffd\""},                       /* overlong NUL */
		{"\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\""},            /* a surrogate */
		{"\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\""}, /* past U+10FFFF */
		{"\xf0\x9f\x98\x80\"\n", "\"\xf0\x9f\x98\x80\\\"\\n\""},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct dn_buf b = DN_BUF_INIT;
		CHECK_INT(dn_json_put_string(&b, cases[i].in, strlen(cases[i].in), NULL), 0);
		dn_buf_putc(&b, 0, NULL);
		CHECK_STR(b.data, cases[i].want);
		dn_buf_release(&b);
	}
}
