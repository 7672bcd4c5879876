/* Parquet: round trips of every type through the writer and the reader (null patterns, empty
 * and multi-byte strings, float and integer extremes, each compression, many row groups and
 * pages, dictionary and plain columns), files written by DuckDB (tests/cases/parquet/, made by
 * tests/parquet/duckdb.mjs), projection, nested columns, and damaged files: every truncation
 * and many flipped bytes of a small file must give a clean error or clean data, never a crash
 * (the ASan run checks the "never"). The Snappy codec is tested on its own too. */
#include <math.h>
#include <stdint.h>

#include "../../src/formats/formats.h"
#include "../../src/formats/formats_int.h"
#include "../test.h"

static uint64_t rng(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static const char *const words[] = {
	"",     "a", "Zürich", "東京", "\xf0\x9f\x98\x80 emoji", "comma,quote\"", "line\nbreak",
	"word", "x", "y",      "z",
};

/* Null pattern p for row i: 0 none, 1 all, 2 alternating, 3 about a third. */
static int is_null(int p, int64_t i, uint64_t *s)
{
	switch (p) {
	case 1:
		return 1;
	case 2:
		return (int)(i & 1);
	case 3:
		return rng(s) % 3 == 0;
	default:
		return 0;
	}
}

/* A batch of n rows with one column per type (plus a unique-string column); pattern p picks the
 * nulls, `distinct` bounds the repetitive columns' distinct values. */
static struct dn_batch *make_batch(int64_t n, int p, uint64_t seed, int distinct)
{
	static const enum dn_type types[] = {DN_BOOL, DN_INT64,     DN_FLOAT64, DN_STRING,
					     DN_DATE, DN_TIMESTAMP, DN_STRING};
	static const char *const names[] = {"b", "i", "f", "s", "d", "t", "u"};
	struct dn_schema sc;
	struct dn_builder bl[7];
	struct dn_batch *b = NULL;
	char tmp[64];
	dn_schema_init(&sc);
	for (int c = 0; c < 7; c++) {
		dn_schema_add(&sc, names[c], strlen(names[c]), types[c], NULL);
		dn_builder_init(&bl[c], types[c]);
	}
	uint64_t s = seed;
	for (int64_t i = 0; i < n; i++) {
		for (int c = 0; c < 7; c++) {
			if (is_null(p, i, &s)) {
				dn_builder_append_null(&bl[c], NULL);
				continue;
			}
			uint64_t x = rng(&s);
			switch (c) {
			case 0:
				dn_builder_append_bool(&bl[c], (int)(x & 1), NULL);
				break;
			case 1: {
				static const int64_t edge[] = {INT64_MIN, INT64_MAX, 0, -1};
				int64_t v = (int64_t)(x % (uint64_t)distinct) - distinct / 2;
				if (x % 97 == 0)
					v = edge[(x >> 8) % 4];
				dn_builder_append_i64(&bl[c], v, NULL);
				break;
			}
			case 2: {
				static const double edge[] = {0.0, -0.0, 1e308, -1e-308, 5e-324};
				double v = (double)(x % 1000) / 8.0 - 60;
				if (x % 53 == 0)
					v = edge[(x >> 8) % 5];
				if (x % 211 == 0)
					v = (x >> 9) & 1 ? INFINITY : NAN;
				dn_builder_append_f64(&bl[c], v, NULL);
				break;
			}
			case 3: {
				const char *w = words[x % (sizeof words / sizeof words[0])];
				dn_builder_append_str(&bl[c], w, strlen(w), NULL);
				break;
			}
			case 4:
				dn_builder_append_date(&bl[c], (int32_t)(x % 800000) - 400000,
						       NULL);
				break;
			case 5:
				dn_builder_append_ts(&bl[c],
						     (int64_t)(x % 4000000000000000ull) -
							     2000000000000000,
						     NULL);
				break;
			default: {
				int k = snprintf(tmp, sizeof tmp, "row %lld / %llx", (long long)i,
						 (unsigned long long)x);
				dn_builder_append_str(&bl[c], tmp, (size_t)k, NULL);
			}
			}
		}
	}
	b = dn_batch_from_builders(&sc, bl, NULL);
	for (int c = 0; c < 7; c++)
		dn_builder_release(&bl[c]);
	dn_schema_release(&sc);
	return b;
}

static int write_parquet(struct dn_batch **bs, int nb, const struct dn_write_options *o,
			 struct dn_buf *out, struct dn_error *err)
{
	struct dn_writer *w;
	DN_TRY(dn_writer_open_buf(&w, out, DN_FORMAT_PARQUET, o, err));
	int rc = 0;
	for (int i = 0; i < nb && rc >= 0; i++)
		rc = dn_writer_write(w, bs[i], err);
	if (rc >= 0)
		rc = dn_writer_finish(w, err);
	dn_writer_free(w);
	return rc;
}

/* Read everything (from an exact-size heap copy, so ASan sees overreads) into one batch. */
static int read_parquet(const char *data, size_t len, const struct dn_read_options *o,
			struct dn_batch **out, int *nbatches, struct dn_error *err)
{
	struct dn_reader *r = NULL;
	struct dn_batch *b, *all = NULL;
	struct dn_builder *bl = NULL;
	int nf = 0, rc;
	char *copy = dn_malloc(len ? len : 1);
	if (!copy)
		return DN_ENOMEM;
	if (len)
		memcpy(copy, data, len);
	*out = NULL;
	if (nbatches)
		*nbatches = 0;
	rc = dn_reader_open_mem(&r, "t.parquet", copy, len, DN_FORMAT_PARQUET, o, err);
	if (rc < 0)
		goto out;
	const struct dn_schema *sc = dn_reader_schema(r);
	nf = sc->nfields;
	bl = dn_calloc((size_t)nf + 1, sizeof *bl);
	for (int c = 0; c < nf; c++)
		dn_builder_init(&bl[c], sc->fields[c].type);
	int64_t rows = 0;
	while ((rc = dn_reader_next(r, &b, err)) > 0) {
		for (int c = 0; c < nf; c++)
			for (int64_t i = 0; i < b->nrows; i++)
				dn_builder_append_from(&bl[c], &b->columns[c], i, NULL);
		rows += b->nrows;
		if (nbatches)
			++*nbatches;
		dn_batch_free(b);
	}
	if (rc == 0) {
		all = dn_batch_from_builders(dn_reader_schema(r), bl, err);
		if (all)
			all->nrows = rows;
		else
			rc = DN_ENOMEM;
	}
	*out = all;
out:
	for (int c = 0; bl && c < nf; c++)
		dn_builder_release(&bl[c]);
	dn_free(bl);
	dn_reader_free(r);
	dn_free(copy);
	return rc;
}

DN_TEST(parquet_roundtrip_types)
{
	static const enum dn_parquet_codec codecs[] = {DN_PQ_NONE, DN_PQ_SNAPPY, DN_PQ_GZIP,
						       DN_PQ_ZSTD};
	struct dn_error err;
	for (int k = 0; k < 4; k++) {
		for (int p = 0; p < 4; p++) {
			struct dn_write_options o;
			struct dn_buf buf = DN_BUF_INIT;
			struct dn_batch *in = make_batch(1000, p, (uint64_t)(k * 4 + p), 20), *back;
			char why[300];
			dn_write_options_init(&o);
			o.parquet_codec = codecs[k];
			CHECK(in != NULL);
			CHECK_OK(write_parquet(&in, 1, &o, &buf, &err), &err);
			CHECK_OK(read_parquet(buf.data, buf.len, NULL, &back, NULL, &err), &err);
			int same = dn_batch_equal(in, back, why, sizeof why);
			if (!same)
				dn_test_fail(dn_t_, __FILE__, __LINE__, "codec %d pattern %d: %s",
					     k, p, why);
			dn_batch_free(in);
			dn_batch_free(back);
			dn_buf_release(&buf);
			if (!same)
				return;
		}
	}
}

/* Many rows across row groups and pages, written in several batches; batches read back never
 * cross a row group and never pass batch_rows. */
DN_TEST(parquet_row_groups_and_pages)
{
	struct dn_write_options o;
	struct dn_read_options ro;
	struct dn_error err;
	struct dn_buf buf = DN_BUF_INIT;
	struct dn_batch *in[4], *back;
	int nb;
	char why[300];
	dn_write_options_init(&o);
	o.row_group_rows = 30000;
	o.page_bytes = 5000;
	for (int i = 0; i < 4; i++)
		in[i] = make_batch(50000, i & 3 ? 3 : 0, 100 + (uint64_t)i, 1000);
	CHECK_OK(write_parquet(in, 4, &o, &buf, &err), &err);
	dn_read_options_init(&ro);
	ro.batch_rows = 10000;
	CHECK_OK(read_parquet(buf.data, buf.len, &ro, &back, &nb, &err), &err);
	CHECK_INT(back->nrows, 200000);
	CHECK_INT(nb, 6 * 3 + 2); /* 6 groups of 30000 rows, one of 20000 */
	struct dn_batch *all = NULL;
	{
		/* the four input batches as one */
		struct dn_builder bl[7];
		for (int c = 0; c < 7; c++) {
			dn_builder_init(&bl[c], in[0]->columns[c].type);
			for (int i = 0; i < 4; i++)
				for (int64_t r = 0; r < in[i]->nrows; r++)
					dn_builder_append_from(&bl[c], &in[i]->columns[c], r, NULL);
		}
		all = dn_batch_from_builders(&in[0]->schema, bl, NULL);
		for (int c = 0; c < 7; c++)
			dn_builder_release(&bl[c]);
	}
	int same = dn_batch_equal(all, back, why, sizeof why);
	dn_batch_free(all);
	dn_batch_free(back);
	for (int i = 0; i < 4; i++)
		dn_batch_free(in[i]);
	dn_buf_release(&buf);
	if (!same)
		dn_test_fail(dn_t_, __FILE__, __LINE__, "%s", why);
}

/* A repetitive column is dictionary-encoded (small file); a unique one with a tiny dictionary
 * limit falls back to PLAIN; both read back equal. */
DN_TEST(parquet_dictionary_and_plain)
{
	struct dn_schema sc;
	struct dn_builder bl;
	struct dn_error err;
	struct dn_write_options o;
	struct dn_buf buf = DN_BUF_INIT;
	struct dn_batch *in, *back;
	char t[32], why[300];
	dn_schema_init(&sc);
	dn_schema_add(&sc, "city", 4, DN_STRING, NULL);
	dn_builder_init(&bl, DN_STRING);
	for (int i = 0; i < 100000; i++) {
		const char *w = i % 3 == 0 ? "Amsterdam" : i % 3 == 1 ? "Buenos Aires" : "Cairo";
		dn_builder_append_str(&bl, w, strlen(w), NULL);
	}
	in = dn_batch_from_builders(&sc, &bl, NULL);
	dn_write_options_init(&o);
	o.parquet_codec = DN_PQ_NONE;
	CHECK_OK(write_parquet(&in, 1, &o, &buf, &err), &err);
	CHECK(buf.len < 60000); /* 2-bit indices; PLAIN would take over 1 MB */
	CHECK_OK(read_parquet(buf.data, buf.len, NULL, &back, NULL, &err), &err);
	CHECK(dn_batch_equal(in, back, why, sizeof why));
	dn_batch_free(in);
	dn_batch_free(back);
	dn_buf_reset(&buf);

	for (int i = 0; i < 100000; i++) {
		int k = snprintf(t, sizeof t, "id-%d", i % 50000);
		dn_builder_append_str(&bl, t, (size_t)k, NULL);
	}
	in = dn_batch_from_builders(&sc, &bl, NULL);
	o.dict_bytes = 1000; /* 50000 distinct values do not fit: PLAIN */
	CHECK_OK(write_parquet(&in, 1, &o, &buf, &err), &err);
	CHECK(buf.len > 100000 * 8);
	CHECK_OK(read_parquet(buf.data, buf.len, NULL, &back, NULL, &err), &err);
	CHECK(dn_batch_equal(in, back, why, sizeof why));
	dn_batch_free(in);
	dn_batch_free(back);
	dn_buf_release(&buf);
	dn_builder_release(&bl);
	dn_schema_release(&sc);
}

/* Files DuckDB wrote with each compression read to the same values. */
DN_TEST(parquet_duckdb_fixtures)
{
	static const char *const files[] = {"duckdb_uncompressed", "duckdb_snappy", "duckdb_gzip",
					    "duckdb_zstd"};
	struct dn_batch *first = NULL;
	struct dn_error err;
	for (int f = 0; f < 4; f++) {
		char rel[64];
		struct dn_buf data = DN_BUF_INIT;
		struct dn_batch *b;
		snprintf(rel, sizeof rel, "parquet/%s.parquet", files[f]);
		CHECK_OK(dn_read_file(dn_test_case_path(rel), &data, 0, &err), &err);
		CHECK_OK(read_parquet(data.data, data.len, NULL, &b, NULL, &err), &err);
		dn_buf_release(&data);
		CHECK_INT(b->nrows, 100);
		CHECK_INT(b->schema.nfields, 6);
		const struct dn_column *c = b->columns;
		CHECK_INT(c[0].type, DN_INT64);
		CHECK_INT(c[1].type, DN_STRING);
		CHECK_INT(c[2].type, DN_FLOAT64);
		CHECK_INT(c[3].type, DN_BOOL);
		CHECK_INT(c[4].type, DN_DATE);
		CHECK_INT(c[5].type, DN_TIMESTAMP);
		CHECK_INT(dn_column_i64(&c[0], 99), 99);
		CHECK(dn_column_is_null(&c[1], 0));
		struct dn_str s = dn_column_str(&c[1], 1);
		CHECK_MEM(s.ptr, s.len, "name 1");
		CHECK(dn_column_is_null(&c[2], 1));
		CHECK(dn_column_f64(&c[2], 6) == 9.0);
		CHECK_INT(dn_column_bool(&c[3], 0), 1);
		CHECK_INT(dn_column_bool(&c[3], 1), 0);
		CHECK_INT(dn_column_date(&c[4], 0), 19723);
		CHECK_INT(dn_column_i64(&c[5], 2), 1704067200000000LL + 120000000);
		if (!first) {
			first = b;
		} else {
			char why[300];
			int same = dn_batch_equal(first, b, why, sizeof why);
			dn_batch_free(b);
			if (!same) {
				dn_batch_free(first);
				dn_test_fail(dn_t_, __FILE__, __LINE__, "%s: %s", files[f], why);
				return;
			}
		}
	}
	dn_batch_free(first);
}

/* INT32, FLOAT, TIMESTAMP_MS / _NS, SMALLINT and unicode from DuckDB. */
DN_TEST(parquet_duckdb_types)
{
	struct dn_buf data = DN_BUF_INIT;
	struct dn_batch *b;
	struct dn_error err;
	CHECK_OK(dn_read_file(dn_test_case_path("parquet/duckdb_types.parquet"), &data, 0, &err),
		 &err);
	CHECK_OK(read_parquet(data.data, data.len, NULL, &b, NULL, &err), &err);
	dn_buf_release(&data);
	const struct dn_column *c = b->columns;
	int ok = b->nrows == 10 && c[0].type == DN_INT64 && dn_column_i64(&c[0], 7) == 7 &&
		 c[1].type == DN_FLOAT64 && dn_column_f64(&c[1], 1) == 0.25 &&
		 c[2].type == DN_TIMESTAMP &&
		 dn_column_i64(&c[2], 0) == 1714979289000000LL + 123000 &&
		 c[3].type == DN_TIMESTAMP &&
		 dn_column_i64(&c[3], 1) == 1714979290000000LL + 123456 && c[4].type == DN_STRING &&
		 c[5].type == DN_INT64 && dn_column_i64(&c[5], 3) == 30 &&
		 dn_column_is_null(&c[4], 2) && !dn_column_is_null(&c[4], 0);
	struct dn_str s0 = dn_column_str(&c[4], 0), s1 = dn_column_str(&c[4], 1);
	ok = ok && s0.len == 0 && dn_str_eq_cstr(s1, "h\xc3\xa9llo w\xc3\xb6rld \xe2\x9c\x93");
	dn_batch_free(b);
	CHECK(ok);
}

DN_TEST(parquet_nested_and_projection)
{
	struct dn_buf data = DN_BUF_INIT;
	struct dn_batch *b;
	struct dn_error err;
	struct dn_read_options o;
	const char *cols[] = {"id"};
	CHECK_OK(dn_read_file(dn_test_case_path("parquet/duckdb_list.parquet"), &data, 0, &err),
		 &err);
	int rc = read_parquet(data.data, data.len, NULL, &b, NULL, &err);
	CHECK_INT(rc, DN_ENOTSUP);
	CHECK(strstr(err.msg, "'tags'") != NULL);
	dn_read_options_init(&o);
	o.n_columns = 1;
	o.columns = cols;
	CHECK_OK(read_parquet(data.data, data.len, &o, &b, NULL, &err), &err);
	dn_buf_release(&data);
	CHECK_INT(b->nrows, 1);
	CHECK_INT(dn_column_i64(&b->columns[0], 0), 1);
	dn_batch_free(b);

	/* order and subset of a flat file; a missing name */
	struct dn_batch *in = make_batch(300, 3, 9, 10);
	struct dn_buf buf = DN_BUF_INIT;
	const char *two[] = {"t", "b"};
	CHECK_OK(write_parquet(&in, 1, NULL, &buf, &err), &err);
	o.n_columns = 2;
	o.columns = two;
	CHECK_OK(read_parquet(buf.data, buf.len, &o, &b, NULL, &err), &err);
	int ok = b->schema.nfields == 2 && !strcmp(b->schema.fields[0].name, "t") &&
		 !strcmp(b->schema.fields[1].name, "b") && b->nrows == 300;
	for (int64_t i = 0; ok && i < 300; i++)
		ok = dn_column_is_null(&b->columns[0], i) ==
			     dn_column_is_null(&in->columns[5], i) &&
		     (dn_column_is_null(&b->columns[0], i) ||
		      dn_column_i64(&b->columns[0], i) == dn_column_i64(&in->columns[5], i));
	dn_batch_free(b);
	two[1] = "nope";
	rc = read_parquet(buf.data, buf.len, &o, &b, NULL, &err);
	dn_batch_free(in);
	dn_buf_release(&buf);
	CHECK(ok);
	CHECK_INT(rc, DN_ENOTFOUND);
	CHECK(strstr(err.msg, "'nope'") != NULL);
}

/* Every prefix of a small file, and flipped bytes everywhere, give a clean error (or, for a
 * flip in a value, other values); never a crash, a leak or a hang. */
DN_TEST(parquet_damaged_files)
{
	struct dn_write_options o;
	struct dn_error err;
	struct dn_buf buf = DN_BUF_INIT;
	struct dn_batch *in = make_batch(60, 3, 5, 4), *b;
	dn_write_options_init(&o);
	o.row_group_rows = 25;
	CHECK_OK(write_parquet(&in, 1, &o, &buf, &err), &err);
	dn_batch_free(in);
	for (size_t n = 0; n < buf.len; n++) {
		int rc = read_parquet(buf.data, n, NULL, &b, NULL, &err);
		dn_batch_free(b);
		if (rc >= 0 || !strstr(err.file, "t.parquet") || !err.msg[0]) {
			dn_test_fail(dn_t_, __FILE__, __LINE__,
				     "a file cut at %zu bytes read with rc %d (%s)", n, rc,
				     err.msg);
			dn_buf_release(&buf);
			return;
		}
	}
	static const uint8_t flips[] = {0x01, 0x80, 0xff, 0x55};
	int errors = 0;
	for (size_t i = 0; i < buf.len; i++) {
		for (size_t f = 0; f < sizeof flips; f++) {
			buf.data[i] ^= (char)flips[f];
			if (read_parquet(buf.data, buf.len, NULL, &b, NULL, &err) < 0)
				errors++;
			dn_batch_free(b);
			buf.data[i] ^= (char)flips[f];
		}
	}
	dn_buf_release(&buf);
	CHECK(errors > 0);
}

/* Each codec, with a wrong declared page size or damaged compressed bytes, is an error naming
 * the column and row group. */
DN_TEST(parquet_corrupt_page_message)
{
	struct dn_write_options o;
	struct dn_error err;
	struct dn_buf buf = DN_BUF_INIT;
	struct dn_batch *in = make_batch(2000, 0, 77, 100000), *b;
	dn_write_options_init(&o);
	o.parquet_codec = DN_PQ_ZSTD;
	CHECK_OK(write_parquet(&in, 1, &o, &buf, &err), &err);
	dn_batch_free(in);
	/* damage the middle of the first column's data page */
	buf.data[40] ^= 0x5a;
	buf.data[41] ^= 0x5a;
	int rc = read_parquet(buf.data, buf.len, NULL, &b, NULL, &err);
	dn_batch_free(b);
	dn_buf_release(&buf);
	CHECK(rc < 0);
	CHECK(strstr(err.msg, "column 'b', row group 0") != NULL);
}

DN_TEST(parquet_widened_type_is_an_error)
{
	struct dn_schema a, c;
	struct dn_builder bl;
	struct dn_error err;
	struct dn_buf buf = DN_BUF_INIT;
	struct dn_batch *bs[2];
	dn_schema_init(&a);
	dn_schema_init(&c);
	dn_schema_add(&a, "n", 1, DN_INT64, NULL);
	dn_schema_add(&c, "n", 1, DN_FLOAT64, NULL);
	dn_builder_init(&bl, DN_INT64);
	dn_builder_append_i64(&bl, 1, NULL);
	bs[0] = dn_batch_from_builders(&a, &bl, NULL);
	dn_builder_release(&bl);
	dn_builder_init(&bl, DN_FLOAT64);
	dn_builder_append_f64(&bl, 1.5, NULL);
	bs[1] = dn_batch_from_builders(&c, &bl, NULL);
	dn_builder_release(&bl);
	int rc = write_parquet(bs, 2, NULL, &buf, &err);
	dn_batch_free(bs[0]);
	dn_batch_free(bs[1]);
	dn_schema_release(&a);
	dn_schema_release(&c);
	dn_buf_release(&buf);
	CHECK_INT(rc, DN_ETYPE);
	CHECK(strstr(err.msg, "column 'n' changed type from int64 to float64") != NULL);
}

DN_TEST(parquet_empty_files)
{
	struct dn_error err;
	struct dn_buf buf = DN_BUF_INIT;
	struct dn_batch *b;
	CHECK_OK(write_parquet(NULL, 0, NULL, &buf, &err), &err);
	CHECK_OK(read_parquet(buf.data, buf.len, NULL, &b, NULL, &err), &err);
	CHECK_INT(b->nrows, 0);
	CHECK_INT(b->schema.nfields, 0);
	dn_batch_free(b);
	dn_buf_reset(&buf);
	struct dn_batch *in = make_batch(0, 0, 1, 1);
	CHECK_OK(write_parquet(&in, 1, NULL, &buf, &err), &err);
	dn_batch_free(in);
	CHECK_OK(read_parquet(buf.data, buf.len, NULL, &b, NULL, &err), &err);
	CHECK_INT(b->nrows, 0);
	CHECK_INT(b->schema.nfields, 7);
	CHECK_INT(b->schema.fields[5].type, DN_TIMESTAMP);
	dn_batch_free(b);
	dn_buf_release(&buf);
	CHECK_INT(read_parquet("PAR1", 4, NULL, &b, NULL, &err), DN_EPARSE);
}

/* Through a file: the writer's atomic output and the reader's mmap. */
DN_TEST(parquet_file_path)
{
	struct dn_writer *w;
	struct dn_reader *r;
	struct dn_error err;
	struct dn_batch *in = make_batch(5000, 2, 3, 50), *b;
	const char *path = dn_test_tmp_path("t.parquet");
	char why[300];
	CHECK_OK(dn_writer_open(&w, path, DN_FORMAT_UNKNOWN, NULL, &err), &err);
	CHECK_OK(dn_writer_write(w, in, &err), &err);
	CHECK_OK(dn_writer_finish(w, &err), &err);
	dn_writer_free(w);
	CHECK_OK(dn_reader_open(&r, path, DN_FORMAT_UNKNOWN, NULL, &err), &err);
	CHECK_INT(dn_reader_next(r, &b, &err), 1);
	int same = dn_batch_equal(in, b, why, sizeof why);
	dn_batch_free(b);
	dn_batch_free(in);
	CHECK_INT(dn_reader_next(r, &b, &err), 0);
	dn_reader_free(r);
	CHECK(same);
	/* a .parquet.gz output is refused: Parquet compresses inside */
	CHECK_INT(dn_writer_open(&w, dn_test_tmp_path("t.parquet.gz"), DN_FORMAT_PARQUET, NULL,
				 &err),
		  DN_EUSAGE);
}

DN_TEST(parquet_snappy_codec)
{
	static const size_t sizes[] = {0, 1, 7, 100, 65535, 65536, 70000, 300000};
	uint64_t s = 42;
	for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
		for (int kind = 0; kind < 4; kind++) {
			size_t n = sizes[k];
			char *src = dn_malloc(n + 1), *dst = dn_malloc(dn_snappy_max_compressed(n));
			char *back = dn_malloc(n + 1);
			for (size_t i = 0; i < n; i++)
				src[i] = kind == 0 ? (char)rng(&s) :
					 kind == 1 ? (char)"abcabcabd"[i % 9] :
					 kind == 2 ? (char)('a' + (rng(&s) % 4)) :
						     0;
			/* kind 3: runs of random length repeating a random pattern of 1-20 bytes
			 * (copies that overlap their own output at every distance) */
			for (size_t i = 0; kind == 3 && i < n;) {
				size_t per = 1 + rng(&s) % 20, len = 1 + rng(&s) % 200;
				for (size_t j = 0; j < len && i < n; j++, i++)
					src[i] = j < per ? (char)rng(&s) : src[i - per];
			}
			size_t m = dn_snappy_compress(src, n, dst);
			int ok = m <= dn_snappy_max_compressed(n) &&
				 dn_snappy_decompress(dst, m, back, n) == 0 &&
				 (n == 0 || memcmp(src, back, n) == 0);
			if (kind == 1 && n >= 65536)
				ok = ok && m < n / 10;
			/* every truncation is an error */
			for (size_t cut = 0; ok && cut < m && cut < 200; cut++)
				ok = dn_snappy_decompress(dst, cut, back, n) < 0;
			dn_free(src);
			dn_free(dst);
			dn_free(back);
			if (!ok) {
				dn_test_fail(dn_t_, __FILE__, __LINE__, "size %zu kind %d", n,
					     kind);
				return;
			}
		}
	}
	/* a copy before the start of the output */
	char out[8];
	CHECK(dn_snappy_decompress("\x08\x0a\x08\x00", 4, out, 8) < 0);
	CHECK(dn_snappy_decompress("\x04\x0cxyzw", 6, out, 4) == 0 && !memcmp(out, "xyzw", 4));
}

/* DuckDB's PARQUET_VERSION V2 output: data pages v2, DELTA_BINARY_PACKED (INT32, INT64),
 * DELTA_LENGTH_BYTE_ARRAY, BYTE_STREAM_SPLIT (FLOAT, DOUBLE), DECIMAL in FIXED_LEN_BYTE_ARRAY. */
DN_TEST(parquet_duckdb_v2_encodings)
{
	struct dn_buf data = DN_BUF_INIT;
	struct dn_batch *b;
	struct dn_error err;
	CHECK_OK(dn_read_file(dn_test_case_path("parquet/duckdb_v2.parquet"), &data, 0, &err),
		 &err);
	CHECK_OK(read_parquet(data.data, data.len, NULL, &b, NULL, &err), &err);
	dn_buf_release(&data);
	const struct dn_column *c = b->columns;
	int bad = -1;
	if (b->nrows != 3000 || b->schema.nfields != 9 || c[3].type != DN_FLOAT64 ||
	    c[6].type != DN_FLOAT64 || c[8].type != DN_DATE)
		bad = 0;
	for (int64_t i = 0; bad < 0 && i < 3000; i++) {
		char u[32];
		snprintf(u, sizeof u, "uniq %lld", (long long)i);
		struct dn_str s = dn_column_str(&c[2], i);
		if (dn_column_i64(&c[0], i) != i || dn_column_is_null(&c[1], i) != (i % 3 == 0) ||
		    dn_column_is_null(&c[2], i) != (i % 5 == 0) ||
		    (i % 5 && !dn_str_eq_cstr(s, u)) ||
		    dn_column_f64(&c[3], i) != (double)i * 1.5 ||
		    dn_column_bool(&c[4], i) != (i % 2 == 0) ||
		    dn_column_i64(&c[5], i) != i * 7 - 1000 ||
		    dn_column_f64(&c[6], i) != (double)(float)((double)i / 3) ||
		    dn_column_f64(&c[7], i) != (double)i / 7 ||
		    dn_column_date(&c[8], i) != 19723 + i)
			bad = (int)i;
	}
	dn_batch_free(b);
	if (bad >= 0)
		dn_test_fail(dn_t_, __FILE__, __LINE__, "row %d differs", bad);
}

/* Write and read back; the rows read, or an error. */
static int64_t alloc_cycle(const struct dn_batch *in, struct dn_error *err)
{
	struct dn_buf buf = DN_BUF_INIT;
	struct dn_writer *w = NULL;
	struct dn_reader *r = NULL;
	struct dn_batch *b;
	struct dn_read_options o;
	int64_t rows = 0;
	int rc = dn_writer_open_buf(&w, &buf, DN_FORMAT_PARQUET, NULL, err);
	if (rc >= 0)
		rc = dn_writer_write(w, in, err);
	if (rc >= 0)
		rc = dn_writer_finish(w, err);
	dn_writer_free(w);
	dn_read_options_init(&o);
	o.batch_rows = 7;
	if (rc >= 0)
		rc = dn_reader_open_mem(&r, "t.parquet", buf.data, buf.len, DN_FORMAT_PARQUET, &o,
					err);
	while (rc >= 0 && (rc = dn_reader_next(r, &b, err)) > 0) {
		rows += b->nrows;
		dn_batch_free(b);
	}
	dn_reader_free(r);
	dn_buf_release(&buf);
	return rc < 0 ? rc : rows;
}

/* Every allocation of a write and read, failed in turn, gives DN_ENOMEM and no leak. */
DN_TEST(parquet_alloc_failures)
{
	struct dn_error err;
	struct dn_batch *in = make_batch(20, 3, 11, 3);
	int64_t want = alloc_cycle(in, &err);
	CHECK_INT(want, 20);
	for (uint64_t n = 1;; n++) {
		dn_alloc_fail_after(n);
		dn_error_clear(&err);
		int64_t rows = alloc_cycle(in, &err);
		uint64_t used = dn_alloc_fail_after(0);
		if ((rows < 0 && rows != DN_ENOMEM) || (rows >= 0 && rows != want)) {
			dn_batch_free(in);
			dn_test_fail(dn_t_, __FILE__, __LINE__, "allocation %llu failed: %lld (%s)",
				     (unsigned long long)n, (long long)rows, err.msg);
			return;
		}
		if (rows >= 0 && used < n)
			break;
	}
	dn_batch_free(in);
}

/* Row-group statistics: 10 row groups of sorted ids; pruning keeps only the groups whose
 * [min, max] can hold a match, and dn_pq_meta_read shows those statistics. */
DN_TEST(parquet_prune_and_meta)
{
	struct dn_schema sc;
	struct dn_builder bl[2];
	struct dn_writer *w;
	struct dn_write_options o;
	struct dn_read_options ro;
	struct dn_reader *r;
	struct dn_read_summary sum;
	struct dn_filter f[2];
	struct dn_batch *b;
	struct dn_error err;
	struct dn_pq_meta m;
	const char *path = dn_test_tmp_path("sorted.parquet");
	char name[32];
	dn_schema_init(&sc);
	dn_schema_add(&sc, "id", 2, DN_INT64, NULL);
	dn_schema_add(&sc, "name", 4, DN_STRING, NULL);
	dn_builder_init(&bl[0], DN_INT64);
	dn_builder_init(&bl[1], DN_STRING);
	for (int i = 0; i < 10000; i++) {
		dn_builder_append_i64(&bl[0], i, NULL);
		if (i % 1000 == 7) {
			dn_builder_append_null(&bl[1], NULL);
			continue;
		}
		snprintf(name, sizeof name, "n%05d", i);
		dn_builder_append_str(&bl[1], name, strlen(name), NULL);
	}
	struct dn_batch *in = dn_batch_from_builders(&sc, bl, NULL);
	in->nrows = 10000;
	dn_builder_release(&bl[0]);
	dn_builder_release(&bl[1]);
	dn_schema_release(&sc);
	dn_write_options_init(&o);
	o.row_group_rows = 1000;
	CHECK_OK(dn_writer_open(&w, path, DN_FORMAT_PARQUET, &o, &err), &err);
	CHECK_OK(dn_writer_write(w, in, &err), &err);
	CHECK_OK(dn_writer_finish(w, &err), &err);
	dn_writer_free(w);
	dn_batch_free(in);

	CHECK_OK(dn_filter_parse("id >= 2500", &f[0], &err), &err);
	CHECK_OK(dn_filter_parse("id<4000", &f[1], &err), &err);
	CHECK_INT(f[0].op, DN_FILTER_GE);
	CHECK_STR(f[0].column, "id");
	CHECK_STR(f[0].value, "2500");
	dn_read_options_init(&ro);
	ro.filters = f;
	ro.n_filters = 2;
	CHECK_OK(dn_reader_open(&r, path, DN_FORMAT_PARQUET, &ro, &err), &err);
	int64_t rows = 0, first = -1;
	int rc;
	while ((rc = dn_reader_next(r, &b, &err)) > 0) {
		if (first < 0)
			first = dn_column_i64(&b->columns[0], 0);
		rows += b->nrows;
		dn_batch_free(b);
	}
	CHECK_OK(rc, &err);
	dn_reader_summary(r, &sum);
	dn_reader_free(r);
	CHECK_INT(rows, 2000); /* row groups 2 and 3, whole: pruning is not filtering */
	CHECK_INT(first, 2000);
	CHECK_INT(sum.groups_pruned, 8);
	dn_filter_release(&f[1]);

	/* strings compare as bytes; = on a value past every max prunes all */
	CHECK_OK(dn_filter_parse("name=n09999x", &f[1], &err), &err);
	ro.filters = &f[1];
	ro.n_filters = 1;
	CHECK_OK(dn_reader_open(&r, path, DN_FORMAT_PARQUET, &ro, &err), &err);
	CHECK_INT(dn_reader_next(r, &b, &err), 0);
	dn_reader_summary(r, &sum);
	dn_reader_free(r);
	CHECK_INT(sum.groups_pruned, 10);
	dn_filter_release(&f[1]);

	/* errors: an unknown column, a value of the wrong type, a malformed condition */
	CHECK_OK(dn_filter_parse("nope=1", &f[1], &err), &err);
	CHECK_INT(dn_reader_open(&r, path, DN_FORMAT_PARQUET, &ro, &err), DN_ENOTFOUND);
	dn_reader_free(r);
	dn_filter_release(&f[1]);
	CHECK_OK(dn_filter_parse("id=abc", &f[1], &err), &err);
	CHECK_INT(dn_reader_open(&r, path, DN_FORMAT_PARQUET, &ro, &err), DN_EINVAL);
	dn_reader_free(r);
	dn_filter_release(&f[1]);
	dn_filter_release(&f[0]);
	CHECK_INT(dn_filter_parse("id", &f[0], &err), DN_EINVAL);
	CHECK_INT(dn_filter_parse(">3", &f[0], &err), DN_EINVAL);

	CHECK_OK(dn_pq_meta_read(path, &m, &err), &err);
	CHECK_INT(m.rows, 10000);
	CHECK_INT(m.ncols, 2);
	CHECK_STR(m.names[1], "name");
	CHECK_INT(m.ngroups, 10);
	CHECK_INT(m.groups[3].rows, 1000);
	CHECK(m.groups[3].bytes > 0);
	CHECK_STR(m.groups[3].cols[0].min, "3000");
	CHECK_STR(m.groups[3].cols[0].max, "3999");
	CHECK_INT(m.groups[3].cols[0].null_count, 0);
	CHECK_STR(m.groups[3].cols[1].min, "n03000");
	CHECK_INT(m.groups[3].cols[1].null_count, 1);
	dn_pq_meta_release(&m);
	CHECK_INT(dn_pq_meta_read(dn_test_tmp_path("missing.parquet"), &m, &err), DN_ENOTFOUND);
	dn_pq_meta_release(&m);
}
