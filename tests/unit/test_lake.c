/* Tests of the lake (store.h): commits and versions, partitions and specs, write modes, schema
 * evolution, time travel, concurrent writers, a writer killed mid-write, damaged commit records,
 * vacuum, and the JSON document parser the commit records are read with. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

#include "../../src/formats/formats.h"
#include "../../src/store/store.h"
#include "../../src/store/store_int.h"
#include "../test.h"

static struct dn_lake *open_lake(const char *name)
{
	struct dn_lake_options o;
	struct dn_lake *lk = NULL;
	dn_lake_options_init(&o);
	o.root = dn_test_tmp_path(name);
	if (dn_lake_open(&lk, &o, NULL) < 0)
		return NULL;
	return lk;
}

/* Commit csv text to dataset ds; returns the new version or < 0. */
static int64_t put_csv(struct dn_lake *lk, const char *ds, const char *csv,
		       const struct dn_lake_write_options *o, struct dn_error *err)
{
	struct dn_reader *r = NULL;
	struct dn_read_options ro;
	struct dn_lake_version v;
	struct dn_lake_write_options wo;
	dn_read_options_init(&ro);
	ro.threads = 1;
	if (!o) {
		dn_lake_write_options_init(&wo);
		o = &wo;
	}
	int rc = dn_reader_open_mem(&r, "t.csv", csv, strlen(csv), DN_FORMAT_CSV, &ro, err);
	if (rc == 0)
		rc = dn_lake_write_reader(lk, r, ds, o, &v, err);
	dn_reader_free(r);
	if (rc < 0)
		return rc;
	int64_t ver = v.version;
	dn_lake_version_release(&v);
	return ver;
}

/* The rows of spec as CSV text (static buffer), or "(error: ...)". */
static const char *get_csv(struct dn_lake *lk, const char *spec)
{
	static struct dn_buf out;
	static char msg[1100];
	struct dn_reader *r = NULL;
	struct dn_writer *w = NULL;
	struct dn_batch *b;
	struct dn_error err;
	dn_error_clear(&err);
	dn_buf_release(&out);
	int rc = dn_lake_reader_open(lk, spec, NULL, &r, &err);
	if (rc == 0)
		rc = dn_writer_open_buf(&w, &out, DN_FORMAT_CSV, NULL, &err);
	while (rc == 0 && (rc = dn_reader_next(r, &b, &err)) > 0) {
		rc = dn_writer_write(w, b, &err);
		dn_batch_free(b);
	}
	if (rc == 0)
		rc = dn_writer_finish(w, &err);
	dn_writer_free(w);
	dn_reader_free(r);
	if (rc < 0) {
		snprintf(msg, sizeof msg, "(error: %s: %s)", err.file, err.msg);
		return msg;
	}
	dn_buf_putc(&out, 0, NULL);
	return out.data;
}

DN_TEST(lake_commit_read_versions)
{
	struct dn_lake *lk = open_lake("lake1");
	struct dn_error err = {0};
	CHECK(lk != NULL);
	CHECK_INT(put_csv(lk, "curated/t", "id,name\n1,a\n2,b\n", NULL, &err), 1);
	CHECK_STR(get_csv(lk, "curated/t"), "id,name\n1,a\n2,b\n");
	CHECK_INT(put_csv(lk, "curated/t", "id,name\n3,c\n", NULL, &err), 2);
	CHECK_STR(get_csv(lk, "curated/t"), "id,name\n1,a\n2,b\n3,c\n");
	/* Time travel: version 1 is still there. */
	CHECK_STR(get_csv(lk, "curated/t@1"), "id,name\n1,a\n2,b\n");
	/* Overwrite replaces every file; the old version stays readable. */
	struct dn_lake_write_options o;
	dn_lake_write_options_init(&o);
	o.mode = DN_LAKE_OVERWRITE;
	CHECK_INT(put_csv(lk, "curated/t", "id,name\n9,z\n", &o, &err), 3);
	CHECK_STR(get_csv(lk, "curated/t"), "id,name\n9,z\n");
	CHECK_STR(get_csv(lk, "curated/t@2"), "id,name\n1,a\n2,b\n3,c\n");
	int64_t *vs;
	size_t n;
	CHECK_OK(dn_lake_versions(lk, "curated/t", &vs, &n, &err), &err);
	CHECK_INT(n, 3);
	CHECK_INT(vs[0], 1);
	CHECK_INT(vs[2], 3);
	dn_free(vs);
	struct dn_lake_version v;
	CHECK_OK(dn_lake_version_read(lk, "curated/t", 2, &v, &err), &err);
	CHECK_INT(v.rows, 3);
	CHECK_INT(v.nfiles, 2);
	CHECK_STR(v.operation, "append");
	CHECK_INT(strlen(v.files[0].sha256), 64);
	dn_lake_version_release(&v);
	CHECK(strstr(get_csv(lk, "curated/t@7"), "has no version 7") != NULL);
	CHECK(strstr(get_csv(lk, "curated/nope"), "no such dataset") != NULL);
	dn_lake_close(lk);
}

DN_TEST(lake_partitions_and_specs)
{
	struct dn_lake *lk = open_lake("lake2");
	struct dn_error err = {0};
	struct dn_lake_write_options o;
	dn_lake_write_options_init(&o);
	o.npcols = 1;
	o.pcol_names[0] = "ds";
	o.pcol_values[0] = "2024-01-01";
	CHECK_INT(put_csv(lk, "raw/ev", "id,v\n1,x\n2,y\n", &o, &err), 1);
	o.pcol_values[0] = "2024-01-02";
	CHECK_INT(put_csv(lk, "raw/ev", "id,v\n3,z\n", &o, &err), 2);
	/* The partition value is a column (a date here), after the data columns. */
	CHECK_STR(get_csv(lk, "raw/ev"),
		  "id,v,ds\n1,x,2024-01-01\n2,y,2024-01-01\n3,z,2024-01-02\n");
	CHECK_STR(get_csv(lk, "raw/ev/ds=2024-01-02"), "id,v,ds\n3,z,2024-01-02\n");
	CHECK_STR(get_csv(lk, "raw/ev@1/ds=2024-01-02"), ""); /* no rows */
	CHECK(strstr(get_csv(lk, "raw/ev/region=eu"), "not partitioned by 'region'") != NULL);
	CHECK(strstr(get_csv(lk, "raw/ev@x"), "version number") != NULL);
	CHECK(strstr(get_csv(lk, "raw/ev/ds"), "COLUMN=VALUE") != NULL);
	/* Raw only takes appends. */
	o.mode = DN_LAKE_OVERWRITE;
	CHECK(put_csv(lk, "raw/ev", "id,v\n4,w\n", &o, &err) == DN_EINVAL);
	CHECK(strstr(err.msg, "only takes appends") != NULL);
	dn_error_clear(&err);
	/* Overwrite one partition of a curated dataset; the others stay. */
	o.mode = DN_LAKE_APPEND;
	o.pcol_values[0] = "2024-01-01";
	CHECK_INT(put_csv(lk, "curated/ev", "id,v\n1,x\n", &o, &err), 1);
	o.pcol_values[0] = "2024-01-02";
	CHECK_INT(put_csv(lk, "curated/ev", "id,v\n2,y\n", &o, &err), 2);
	o.mode = DN_LAKE_OVERWRITE_PARTITIONS;
	CHECK_INT(put_csv(lk, "curated/ev", "id,v\n5,q\n6,r\n", &o, &err), 3);
	CHECK_STR(get_csv(lk, "curated/ev"), "id,v,ds\n1,x,2024-01-01\n5,q,2024-01-02\n"
					     "6,r,2024-01-02\n");
	/* A different partition column than the dataset's is refused. */
	o.mode = DN_LAKE_APPEND;
	o.pcol_names[0] = "day";
	CHECK(put_csv(lk, "curated/ev", "id,v\n7,s\n", &o, &err) == DN_EINVAL);
	dn_error_clear(&err);
	/* Bad names. */
	CHECK(put_csv(lk, "bronze/x", "a\n1\n", NULL, &err) == DN_EINVAL);
	CHECK(strstr(err.msg, "raw, curated or consumption") != NULL);
	dn_error_clear(&err);
	CHECK(put_csv(lk, "raw/../x", "a\n1\n", NULL, &err) == DN_EINVAL);
	dn_error_clear(&err);
	o.pcol_names[0] = "ds";
	o.pcol_values[0] = "a/b";
	CHECK(put_csv(lk, "curated/ev", "id,v\n7,s\n", &o, &err) == DN_EINVAL);
	dn_error_clear(&err);
	char **names;
	size_t n;
	CHECK_OK(dn_lake_datasets(lk, "", &names, &n, &err), &err);
	CHECK_INT(n, 2);
	CHECK_STR(names[0], "curated/ev");
	CHECK_STR(names[1], "raw/ev");
	for (size_t i = 0; i < n; i++)
		dn_free(names[i]);
	dn_free(names);
	dn_lake_close(lk);
}

DN_TEST(lake_schema_evolution_and_formats)
{
	struct dn_lake *lk = open_lake("lake3");
	struct dn_error err = {0};
	struct dn_lake_write_options o;
	dn_lake_write_options_init(&o);
	CHECK_INT(put_csv(lk, "curated/s", "id,score\n1,5\n", &o, &err), 1);
	/* A new column and a widened type: old rows read the new column as null. */
	o.format = DN_FORMAT_NDJSON;
	o.codec = DN_CODEC_GZIP;
	CHECK_INT(put_csv(lk, "curated/s", "id,score,note\n2,2.5,\"NA\"\n", &o, &err), 2);
	CHECK_STR(get_csv(lk, "curated/s"), "id,score,note\n1,5.0,\n2,2.5,\"NA\"\n");
	/* Awkward text survives the part files: quotes, commas, newlines, null-like words. */
	o.format = DN_FORMAT_CSV;
	o.codec = DN_CODEC_NONE;
	o.mode = DN_LAKE_OVERWRITE;
	const char *tricky = "k,t\n1,\"a,b\"\n2,\"line\nbreak\"\n3,\"NULL\"\n4,\"\"\n5,\n";
	CHECK_INT(put_csv(lk, "curated/s", tricky, &o, &err), 3);
	CHECK_STR(get_csv(lk, "curated/s"), tricky);
	dn_lake_close(lk);
}

DN_TEST(lake_rows_per_file_and_big)
{
	struct dn_lake *lk = open_lake("lake4");
	struct dn_error err = {0};
	struct dn_buf csv = DN_BUF_INIT;
	dn_buf_puts(&csv, "id,x\n", NULL);
	for (int i = 0; i < 200000; i++)
		dn_buf_printf(&csv, NULL, "%d,%d\n", i, i * 7);
	struct dn_lake_write_options o;
	dn_lake_write_options_init(&o);
	o.rows_per_file = 50000;
	CHECK_INT(put_csv(lk, "curated/big", csv.data, &o, &err), 1);
	struct dn_lake_version v;
	CHECK_OK(dn_lake_version_read(lk, "curated/big", 0, &v, &err), &err);
	CHECK_INT(v.rows, 200000);
	CHECK(v.nfiles >= 2); /* files roll over at batch boundaries */
	dn_lake_version_release(&v);
	const char *back = get_csv(lk, "curated/big");
	CHECK_INT(strlen(back), csv.len);
	CHECK(memcmp(back, csv.data, csv.len) == 0);
	dn_buf_release(&csv);
	dn_lake_close(lk);
}

/* Several processes commit appends to one dataset at once: every commit lands as its own
 * version and no rows are lost. */
DN_TEST(lake_concurrent_writers)
{
	struct dn_lake *lk = open_lake("lake5");
	struct dn_error err = {0};
	enum { PROCS = 4, EACH = 5 };
	pid_t pids[PROCS];
	for (int p = 0; p < PROCS; p++) {
		pids[p] = fork();
		if (pids[p] == 0) {
			struct dn_lake *mine = open_lake("lake5");
			for (int k = 0; k < EACH; k++) {
				char csv[64];
				snprintf(csv, sizeof csv, "p,k\n%d,%d\n", p, k);
				if (put_csv(mine, "curated/c", csv, NULL, NULL) < 0)
					_exit(1);
			}
			dn_lake_close(mine);
			_exit(0);
		}
	}
	for (int p = 0; p < PROCS; p++) {
		int st = 0;
		waitpid(pids[p], &st, 0);
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	struct dn_lake_version v;
	CHECK_OK(dn_lake_version_read(lk, "curated/c", 0, &v, &err), &err);
	CHECK_INT(v.version, PROCS * EACH);
	CHECK_INT(v.rows, PROCS * EACH);
	dn_lake_version_release(&v);
	dn_lake_close(lk);
}

/* A writer killed (SIGKILL) in the middle of writing leaves the last version whole. */
DN_TEST(lake_crash_mid_write)
{
	struct dn_lake *lk = open_lake("lake6");
	struct dn_error err = {0};
	CHECK_INT(put_csv(lk, "curated/k", "id,v\n1,a\n2,b\n", NULL, &err), 1);
	int ready[2];
	CHECK(pipe(ready) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		close(ready[0]);
		struct dn_lake *mine = open_lake("lake6");
		struct dn_lake_writer *w = NULL;
		struct dn_lake_write_options o;
		dn_lake_write_options_init(&o);
		o.mode = DN_LAKE_OVERWRITE;
		o.rows_per_file = 1000;
		struct dn_reader *r = NULL;
		const char *csv = "id,v\n3,c\n4,d\n";
		dn_reader_open_mem(&r, "x.csv", csv, strlen(csv), DN_FORMAT_CSV, NULL, NULL);
		struct dn_batch *b = NULL;
		dn_reader_next(r, &b, NULL);
		if (dn_lake_write_begin(mine, &w, "curated/k", &o, NULL) < 0)
			_exit(1);
		for (long i = 0;; i++) { /* write forever: several closed files, one open */
			dn_lake_write_batch(w, b, NULL);
			if (i == 3000 && write(ready[1], "x", 1) != 1)
				_exit(1);
		}
	}
	close(ready[1]);
	char c;
	CHECK(read(ready[0], &c, 1) == 1);
	close(ready[0]);
	kill(pid, SIGKILL);
	int st;
	waitpid(pid, &st, 0);
	CHECK(WIFSIGNALED(st));
	/* The files of the killed write exist but no commit lists them. */
	CHECK_STR(get_csv(lk, "curated/k"), "id,v\n1,a\n2,b\n");
	int64_t *vs;
	size_t n;
	CHECK_OK(dn_lake_versions(lk, "curated/k", &vs, &n, &err), &err);
	CHECK_INT(n, 1);
	dn_free(vs);
	/* Vacuum removes them once they are old enough not to belong to a running write. */
	struct dn_lake_obj *objs;
	size_t nobj;
	struct dn_lake_fs *fs;
	CHECK_OK(dn_lake_fs_open_local(&fs, dn_test_tmp_path("lake6"), &err), &err);
	CHECK_OK(fs->ops->list(fs, "curated/k/", &objs, &nobj, &err), &err);
	CHECK(nobj > 2);
	for (size_t i = 0; i < nobj; i++) {
		struct dn_buf p = DN_BUF_INIT;
		dn_buf_printf(&p, NULL, "%s/%s", fs->local_root, objs[i].key);
		struct utimbuf old = {time(NULL) - 7200, time(NULL) - 7200};
		utime(p.data, &old);
		dn_buf_release(&p);
	}
	dn_lake_objs_free(objs, nobj);
	int64_t removed = 0;
	CHECK_OK(dn_lake_vacuum(lk, "curated/k", 0, &removed, &err), &err);
	CHECK(removed > 0);
	CHECK_OK(fs->ops->list(fs, "curated/k/", &objs, &nobj, &err), &err);
	CHECK_INT(nobj, 2); /* the commit record and its one file */
	dn_lake_objs_free(objs, nobj);
	dn_lake_fs_close(fs);
	CHECK_STR(get_csv(lk, "curated/k"), "id,v\n1,a\n2,b\n");
	dn_lake_close(lk);
}

DN_TEST(lake_damaged_records)
{
	struct dn_lake *lk = open_lake("lake7");
	struct dn_error err = {0};
	CHECK_INT(put_csv(lk, "curated/d", "a\n1\n", NULL, &err), 1);
	CHECK_INT(put_csv(lk, "curated/d", "a\n2\n", NULL, &err), 2);
	const char *rec =
		dn_test_tmp_path("lake7/curated/d/_dunya/commits/00000000000000000002.json");
	static const char *const bad[] = {
		"",
		"{",
		"{\"format\":\"other\"}",
		"[1,2]",
		"{\"format\":\"dunya-lake/1\",\"version\":2}",
		"{\"format\":\"dunya-lake/1\",\"dataset\":\"curated/d\",\"version\":2,"
		"\"committed_at\":\"2024-01-01T00:00:00Z\",\"rows\":1,\"bytes\":1,\"schema\":[],"
		"\"partition_columns\":"
		"[],\"files\":[{\"path\":\"../../etc/passwd\",\"partition\":\"\",\"rows\":1,"
		"\"bytes\":1,\"sha256\":\"\"}]}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		FILE *f = fopen(rec, "w");
		fputs(bad[i], f);
		fclose(f);
		const char *got = get_csv(lk, "curated/d");
		CHECK(strncmp(got, "(error: ", 8) == 0);
		CHECK(strstr(got, "00000000000000000002.json") != NULL);
		/* The earlier version still reads. */
		CHECK_STR(get_csv(lk, "curated/d@1"), "a\n1\n");
	}
	dn_lake_close(lk);
}

DN_TEST(lake_keys_and_json_values)
{
	CHECK_INT(dn_lake_key_check("raw/a/b.csv", NULL), 0);
	CHECK(dn_lake_key_check("", NULL) < 0);
	CHECK(dn_lake_key_check("/abs", NULL) < 0);
	CHECK(dn_lake_key_check("a//b", NULL) < 0);
	CHECK(dn_lake_key_check("a/../b", NULL) < 0);
	CHECK(dn_lake_key_check("a/./b", NULL) < 0);
	CHECK(dn_lake_key_check("a/\nb", NULL) < 0);
	struct dn_arena a;
	struct dn_jv *v;
	struct dn_error err = {0};
	dn_arena_init(&a, 4096);
	const char *doc = "{\"n\": 9007199254740993, \"s\": \"a\\u00e9\\ud83d\\ude00\\n\", "
			  "\"l\": [true, false, null, -1.5e3], \"o\": {}}";
	CHECK_OK(dn_jv_parse(&a, "doc", doc, strlen(doc), &v, &err), &err);
	int64_t n;
	CHECK_OK(dn_jv_i64(dn_jv_get(v, "n"), &n), &err);
	CHECK(n == 9007199254740993LL);
	CHECK_STR(dn_jv_str(dn_jv_get(v, "s")), "a\xc3\xa9\xf0\x9f\x98\x80\n");
	const struct dn_jv *l = dn_jv_get(v, "l");
	CHECK_INT(l->n, 4);
	CHECK(l->items[3].num == -1500.0);
	static const char *const bad[] = {"",    "{",       "[1,]",    "{\"a\" 1}",
					  "01",  "\"\\x\"", "[1] x",   "\"\\ud800\"",
					  "tru", "1.",      "\"a\tb\""};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		dn_error_clear(&err);
		CHECK(dn_jv_parse(&a, "doc", bad[i], strlen(bad[i]), &v, &err) == DN_EPARSE);
		CHECK(err.line >= 1);
	}
	/* Deep nesting is refused, not a stack overflow. */
	struct dn_buf deep = DN_BUF_INIT;
	for (int i = 0; i < 100000; i++)
		dn_buf_putc(&deep, '[', NULL);
	CHECK(dn_jv_parse(&a, "deep", deep.data, deep.len, &v, &err) == DN_EPARSE);
	CHECK(strstr(err.msg, "nested too deeply") != NULL);
	dn_buf_release(&deep);
	dn_arena_release(&a);
}

/* Parquet is the default part format: types, nulls and awkward text survive; a type that widens
 * in the middle of a write starts a new part, and the old parts are read as the wider type. */
DN_TEST(lake_parquet_parts)
{
	struct dn_lake *lk = open_lake("lake8");
	struct dn_error err = {0};
	const char *csv = "id,name,score,day,at,ok\n1,\"a,b\",1.5,2024-01-01,2024-01-01T10:00:00Z,"
			  "true\n2,,,,,\n3,\"NA\",-0.25,2024-02-29,1969-12-31T23:59:59.5Z,false\n";
	CHECK_INT(put_csv(lk, "curated/pq", csv, NULL, &err), 1);
	struct dn_lake_version v;
	CHECK_OK(dn_lake_version_read(lk, "curated/pq", 0, &v, &err), &err);
	CHECK(strstr(v.files[0].path, ".parquet") != NULL);
	dn_lake_version_release(&v);
	CHECK_STR(get_csv(lk, "curated/pq"),
		  "id,name,score,day,at,ok\n1,\"a,b\",1.5,2024-01-01,2024-01-01T10:00:00Z,true\n"
		  "2,,,,,\n3,\"NA\",-0.25,2024-02-29,1969-12-31T23:59:59.500Z,false\n");
	/* Two batches: the second's x is a float, so x widens and a second part starts. */
	struct dn_lake_writer *w = NULL;
	struct dn_lake_write_options o;
	dn_lake_write_options_init(&o);
	struct dn_reader *r1 = NULL, *r2 = NULL;
	struct dn_batch *b1 = NULL, *b2 = NULL;
	CHECK_OK(dn_reader_open_mem(&r1, "1.csv", "x\n1\n2\n", 6, DN_FORMAT_CSV, NULL, &err), &err);
	CHECK_OK(dn_reader_open_mem(&r2, "2.csv", "x\n2.5\n", 6, DN_FORMAT_CSV, NULL, &err), &err);
	CHECK_INT(dn_reader_next(r1, &b1, &err), 1);
	CHECK_INT(dn_reader_next(r2, &b2, &err), 1);
	CHECK_OK(dn_lake_write_begin(lk, &w, "curated/wide", &o, &err), &err);
	CHECK_OK(dn_lake_write_batch(w, b1, &err), &err);
	CHECK_OK(dn_lake_write_batch(w, b2, &err), &err);
	CHECK_OK(dn_lake_write_commit(w, &v, &err), &err);
	CHECK_INT(v.nfiles, 2);
	CHECK_INT(v.schema.fields[0].type, DN_FLOAT64);
	dn_lake_version_release(&v);
	CHECK_STR(get_csv(lk, "curated/wide"), "x\n1.0\n2.0\n2.5\n");
	dn_batch_free(b1);
	dn_batch_free(b2);
	dn_reader_free(r1);
	dn_reader_free(r2);
	dn_lake_close(lk);
}

/* The first batch of ndjson text (one batch: the inputs here are small). */
static struct dn_batch *ndjson_batch(const char *text, struct dn_error *err)
{
	struct dn_reader *r = NULL;
	struct dn_batch *b = NULL;
	if (dn_reader_open_mem(&r, "b.ndjson", text, strlen(text), DN_FORMAT_NDJSON, NULL, err) ==
	    0)
		dn_reader_next(r, &b, err);
	dn_reader_free(r);
	return b;
}

/* One write of the batches read from texts[0..n-1]; *v gets the commit record. */
static int put_batches(struct dn_lake *lk, const char *ds, const char *const *texts, int n,
		       const struct dn_lake_write_options *o, struct dn_lake_version *v,
		       struct dn_error *err)
{
	struct dn_lake_writer *w = NULL;
	struct dn_lake_write_options wo;
	if (!o) {
		dn_lake_write_options_init(&wo);
		o = &wo;
	}
	int rc = dn_lake_write_begin(lk, &w, ds, o, err);
	for (int i = 0; rc == 0 && i < n; i++) {
		struct dn_batch *b = ndjson_batch(texts[i], err);
		rc = b ? dn_lake_write_batch(w, b, err) : DN_EINVAL;
		dn_batch_free(b);
	}
	if (rc == 0)
		return dn_lake_write_commit(w, v, err);
	dn_lake_write_abort(w);
	return rc;
}

static int is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Batches whose columns and types differ within one write: the schema is their union (first
 * appearance order), widened; a batch with a new column or a wider type starts a new part, an
 * all-null column neither widens nor starts one, and columns a part lacks read as nulls. */
DN_TEST(lake_write_mixed_batches)
{
	struct dn_lake *lk = open_lake("lake9");
	struct dn_error err = {0};
	struct dn_lake_version v;
	CHECK(lk != NULL);
	static const char *const pages[] = {
		"{\"a\":1,\"b\":\"x\"}\n{\"a\":2,\"b\":\"y\"}\n",       /* a int64, b string */
		"{\"a\":2.5,\"c\":7}\n",                                /* a float64, new c */
		"{\"a\":null,\"b\":\"z\"}\n{\"b\":\"w\",\"a\":null}\n", /* a empty */
	};
	for (int f = 0; f < 2; f++) {
		struct dn_lake_write_options o;
		dn_lake_write_options_init(&o);
		o.format = f ? DN_FORMAT_CSV : DN_FORMAT_PARQUET;
		const char *ds = f ? "curated/mixed_csv" : "curated/mixed";
		CHECK_OK(put_batches(lk, ds, pages, 3, &o, &v, &err), &err);
		CHECK_INT(v.version, 1);
		CHECK_INT(v.rows, 5);
		CHECK_INT(v.schema.nfields, 3);
		CHECK_STR(v.schema.fields[0].name, "a");
		CHECK_INT(v.schema.fields[0].type, DN_FLOAT64);
		CHECK_STR(v.schema.fields[1].name, "b");
		CHECK_INT(v.schema.fields[1].type, DN_STRING);
		CHECK_STR(v.schema.fields[2].name, "c");
		CHECK_INT(v.schema.fields[2].type, DN_INT64);
		/* Part 1: a int64, b. Part 2 (a widened, c new): a float64, b, c; the third batch
		 * (a empty, keys in another order) fits it. */
		CHECK_INT(v.nfiles, 2);
		CHECK_INT(v.files[0].rows, 2);
		CHECK_INT(v.files[1].rows, 3);
		dn_lake_version_release(&v);
		CHECK_STR(get_csv(lk, ds), "a,b,c\n1.0,x,\n2.0,y,\n2.5,,7\n,z,\n,w,\n");
	}
	/* The reader's batch has the committed types. */
	struct dn_reader *r = NULL;
	struct dn_batch *b = NULL;
	CHECK_OK(dn_lake_reader_open(lk, "curated/mixed", NULL, &r, &err), &err);
	const struct dn_schema *s = dn_reader_schema(r);
	CHECK_INT(s->nfields, 3);
	CHECK_INT(s->fields[0].type, DN_FLOAT64);
	CHECK_INT(s->fields[2].type, DN_INT64);
	int64_t rows = 0, nulls_c = 0, nulls_a = 0;
	while (dn_reader_next(r, &b, &err) > 0) {
		for (int64_t i = 0; i < b->nrows; i++) {
			nulls_a += dn_column_is_null(&b->columns[0], i);
			nulls_c += dn_column_is_null(&b->columns[2], i);
		}
		rows += b->nrows;
		dn_batch_free(b);
	}
	dn_reader_free(r);
	CHECK_INT(rows, 5);
	CHECK_INT(nulls_a, 2);
	CHECK_INT(nulls_c, 4);
	dn_lake_close(lk);
}

/* A column that is all null in the first batches has no type yet: its first value's type is
 * its type (int64 here, not the reader's placeholder for an all-null column), and the parts
 * written before that value leave it out. A column never seen with a value is committed with
 * its placeholder type and reads as nulls. */
DN_TEST(lake_write_untyped_then_typed)
{
	struct dn_lake *lk = open_lake("lake10");
	struct dn_error err = {0};
	struct dn_lake_version v;
	CHECK(lk != NULL);
	struct dn_batch *probe = ndjson_batch("{\"y\":null}\n", &err);
	CHECK(probe != NULL);
	enum dn_type placeholder = probe->schema.fields[0].type;
	dn_batch_free(probe);
	CHECK(placeholder != DN_INT64);
	static const char *const pages[] = {
		"{\"id\":1,\"x\":null,\"y\":null}\n{\"id\":2,\"x\":null}\n",
		"{\"id\":3,\"x\":null}\n",
		"{\"id\":4,\"x\":42}\n{\"id\":5,\"x\":-7}\n",
		"{\"id\":6,\"x\":null,\"y\":null}\n",
	};
	CHECK_OK(put_batches(lk, "raw/untyped", pages, 4, NULL, &v, &err), &err);
	CHECK_INT(v.rows, 6);
	CHECK_INT(v.schema.nfields, 3);
	CHECK_STR(v.schema.fields[1].name, "x");
	CHECK_INT(v.schema.fields[1].type, DN_INT64);
	CHECK_STR(v.schema.fields[2].name, "y");
	CHECK_INT(v.schema.fields[2].type, placeholder);
	/* Part 1 (id only) takes the first two batches; x's first value starts part 2. */
	CHECK_INT(v.nfiles, 2);
	CHECK_INT(v.files[0].rows, 3);
	CHECK_INT(v.files[1].rows, 3);
	dn_lake_version_release(&v);
	CHECK_STR(get_csv(lk, "raw/untyped"), "id,x,y\n1,,\n2,,\n3,,\n4,42,\n5,-7,\n6,,\n");
	dn_lake_close(lk);
}

/* Appending a write in which a column is all null keeps the dataset's type for it (date here;
 * the new write's placeholder would have widened it to string); a typed narrower column is
 * widened into the dataset's type as before. */
DN_TEST(lake_append_empty_column_keeps_type)
{
	struct dn_lake *lk = open_lake("lake11");
	struct dn_error err = {0};
	struct dn_lake_version v;
	CHECK(lk != NULL);
	static const char *const first[] = {"{\"id\":1,\"d\":\"2024-01-31\",\"f\":1.5}\n"};
	static const char *const second[] = {"{\"id\":2,\"d\":null,\"f\":3}\n"};
	CHECK_OK(put_batches(lk, "raw/keep", first, 1, NULL, &v, &err), &err);
	CHECK_INT(v.schema.fields[1].type, DN_DATE);
	dn_lake_version_release(&v);
	CHECK_OK(put_batches(lk, "raw/keep", second, 1, NULL, &v, &err), &err);
	CHECK_INT(v.version, 2);
	CHECK_INT(v.schema.nfields, 3);
	CHECK_INT(v.schema.fields[0].type, DN_INT64);
	CHECK_INT(v.schema.fields[1].type, DN_DATE);
	CHECK_INT(v.schema.fields[2].type, DN_FLOAT64);
	dn_lake_version_release(&v);
	CHECK_STR(get_csv(lk, "raw/keep"), "id,d,f\n1,2024-01-31,1.5\n2,,3.0\n");
	/* The lake reader agrees with the record. */
	struct dn_reader *r = NULL;
	CHECK_OK(dn_lake_reader_open(lk, "raw/keep", NULL, &r, &err), &err);
	CHECK_INT(dn_reader_schema(r)->fields[1].type, DN_DATE);
	dn_reader_free(r);
	dn_lake_close(lk);
}

/* A write that never commits leaves no dataset or partition folder behind on a local lake,
 * closed parts included; an existing dataset keeps its folder, files and rows. */
DN_TEST(lake_abort_removes_folders)
{
	struct dn_lake *lk = open_lake("lake12");
	struct dn_error err = {0};
	CHECK(lk != NULL);
	struct dn_lake_write_options o;
	dn_lake_write_options_init(&o);
	o.rows_per_file = 1; /* a closed part and an open one */
	o.npcols = 1;
	o.pcol_names[0] = "ds";
	o.pcol_values[0] = "2024-01-01";
	struct dn_batch *b = ndjson_batch("{\"id\":1}\n", &err);
	CHECK(b != NULL);
	for (int existing = 0; existing < 2; existing++) {
		const char *ds = existing ? "raw/kept" : "raw/gone";
		if (existing) {
			CHECK_INT(put_csv(lk, ds, "id\n9\n", &o, &err), 1);
			o.pcol_values[0] = "2024-01-02";
		}
		for (int parted = 0; parted < 2; parted++) {
			struct dn_lake_writer *w = NULL;
			struct dn_lake_write_options wo = o;
			if (!parted)
				wo.npcols = 0;
			if (existing && !parted)
				continue; /* kept is partitioned */
			CHECK_OK(dn_lake_write_begin(lk, &w, ds, &wo, &err), &err);
			CHECK_OK(dn_lake_write_batch(w, b, &err), &err);
			CHECK_OK(dn_lake_write_batch(w, b, &err), &err);
			CHECK_OK(dn_lake_write_batch(w, b, &err), &err);
			char dir[600];
			snprintf(dir, sizeof dir, "lake12/%s%s", ds,
				 parted ? (existing ? "/ds=2024-01-02" : "/ds=2024-01-01") : "");
			CHECK(is_dir(dn_test_tmp_path(dir))); /* the parts are written in place */
			dn_lake_write_abort(w);
			CHECK(!is_dir(dn_test_tmp_path(dir)));
		}
	}
	dn_batch_free(b);
	CHECK(!is_dir(dn_test_tmp_path("lake12/raw/gone")));
	CHECK(is_dir(dn_test_tmp_path("lake12/raw/kept/ds=2024-01-01")));
	CHECK_STR(get_csv(lk, "raw/kept"), "id,ds\n9,2024-01-01\n");
	char **names;
	size_t n;
	CHECK_OK(dn_lake_datasets(lk, "raw", &names, &n, &err), &err);
	CHECK_INT(n, 1);
	CHECK_STR(names[0], "raw/kept");
	dn_free(names[0]);
	dn_free(names);
	dn_lake_close(lk);
}
