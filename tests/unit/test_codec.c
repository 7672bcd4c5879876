/* Compressed input and output: round trips through gzip and zstd, detection by magic bytes,
 * concatenated streams, and damaged data. */
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "../../src/formats/formats.h"
#include "../test.h"

/* Write rows of a generated CSV through a writer at path (codec from its suffix). */
static int write_file(const char *path, const char *csv, struct dn_error *err)
{
	struct dn_reader *r = NULL;
	struct dn_writer *w = NULL;
	struct dn_batch *b;
	int rc = dn_reader_open_mem(&r, "gen.csv", csv, strlen(csv), DN_FORMAT_CSV, NULL, err);
	if (rc == 0)
		rc = dn_writer_open(&w, path, DN_FORMAT_UNKNOWN, NULL, err);
	while (rc == 0 && (rc = dn_reader_next(r, &b, err)) > 0) {
		rc = dn_writer_write(w, b, err);
		dn_batch_free(b);
	}
	if (rc == 0)
		rc = dn_writer_finish(w, err);
	dn_writer_free(w);
	dn_reader_free(r);
	return rc;
}

/* Read path to CSV text in out; returns rows or < 0. */
static int64_t read_file(const char *path, struct dn_buf *out, struct dn_error *err)
{
	struct dn_reader *r = NULL;
	struct dn_writer *w = NULL;
	struct dn_batch *b;
	int64_t rows = 0;
	int rc = dn_reader_open(&r, path, DN_FORMAT_UNKNOWN, NULL, err);
	if (rc == 0)
		rc = dn_writer_open_buf(&w, out, DN_FORMAT_CSV, NULL, err);
	while (rc == 0 && (rc = dn_reader_next(r, &b, err)) > 0) {
		rows += b->nrows;
		rc = dn_writer_write(w, b, err);
		dn_batch_free(b);
	}
	if (rc == 0)
		rc = dn_writer_finish(w, err);
	dn_writer_free(w);
	dn_reader_free(r);
	return rc < 0 ? rc : rows;
}

static void gen_csv(struct dn_buf *csv, int rows)
{
	dn_buf_puts(csv, "id,name,score,day\n", NULL);
	for (int i = 0; i < rows; i++)
		dn_buf_printf(csv, NULL, "%d,\"n,%d\",%d.25,2024-02-%02d\n", i, i % 13, i,
			      i % 28 + 1);
}

DN_TEST(codec_round_trip)
{
	static const char *const names[] = {"rt.csv.zst", "rt.csv.gz", "rt.ndjson.zst",
					    "rt.ndjson.gz", "rt.csv"};
	struct dn_buf csv = DN_BUF_INIT, plain = DN_BUF_INIT;
	struct dn_error err = {0};
	gen_csv(&csv, 50000);
	CHECK_OK(write_file(dn_test_tmp_path("rt-plain.csv"), csv.data, &err), &err);
	CHECK_INT(read_file(dn_test_tmp_path("rt-plain.csv"), &plain, &err), 50000);
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		struct dn_buf got = DN_BUF_INIT, raw = DN_BUF_INIT;
		const char *p = dn_test_tmp_path(names[i]);
		CHECK_OK(write_file(p, csv.data, &err), &err);
		CHECK_INT(read_file(p, &got, &err), 50000);
		CHECK_INT(got.len, plain.len);
		CHECK(memcmp(got.data, plain.data, plain.len) == 0);
		/* Compressed output really is compressed, and starts with the codec's magic. */
		CHECK_OK(dn_read_file(p, &raw, 0, &err), &err);
		if (strstr(names[i], ".zst"))
			CHECK(raw.len > 4 && (unsigned char)raw.data[0] == 0x28);
		else if (strstr(names[i], ".gz"))
			CHECK(raw.len > 2 && (unsigned char)raw.data[0] == 0x1f);
		if (strstr(names[i], ".zst") || strstr(names[i], ".gz"))
			CHECK(raw.len < plain.len / 2);
		dn_buf_release(&got);
		dn_buf_release(&raw);
	}
	dn_buf_release(&csv);
	dn_buf_release(&plain);
}

DN_TEST(codec_detect_by_magic_and_concatenated)
{
	struct dn_buf csv = DN_BUF_INIT, a = DN_BUF_INIT, got = DN_BUF_INIT;
	struct dn_error err = {0};
	gen_csv(&csv, 1000);
	const char *zpath = dn_test_tmp_path("magic.csv.gz");
	CHECK_OK(write_file(zpath, csv.data, &err), &err);
	CHECK_OK(dn_read_file(zpath, &a, 0, &err), &err);
	/* Renamed without the suffix: still read (by its magic bytes). */
	const char *renamed = dn_test_write_tmp("magic-renamed.csv", a.data, a.len);
	CHECK_INT(read_file(renamed, &got, &err), 1000);
	/* Two gzip members back to back: header row plus data twice gives more rows. */
	gzFile g = gzopen(dn_test_tmp_path("two.csv.gz"), "wb");
	CHECK(g != NULL);
	gzwrite(g, "x,y\n1,2\n", 8);
	gzclose(g);
	struct dn_buf two = DN_BUF_INIT;
	CHECK_OK(dn_read_file(dn_test_tmp_path("two.csv.gz"), &two, 0, &err), &err);
	size_t one = two.len;
	dn_buf_append(&two, two.data, one, NULL);
	const char *cat = dn_test_write_tmp("two-members.csv.gz", two.data, two.len);
	dn_buf_reset(&got);
	/* The second member repeats the header line, which reads as a data row of strings. */
	CHECK_INT(read_file(cat, &got, &err), 3);
	dn_buf_release(&two);
	dn_buf_release(&csv);
	dn_buf_release(&a);
	dn_buf_release(&got);
}

DN_TEST(codec_damaged)
{
	struct dn_buf csv = DN_BUF_INIT, a = DN_BUF_INIT, got = DN_BUF_INIT;
	struct dn_error err = {0};
	gen_csv(&csv, 20000);
	static const char *const names[] = {"dmg.csv.zst", "dmg.csv.gz"};
	for (int i = 0; i < 2; i++) {
		const char *p = dn_test_tmp_path(names[i]);
		CHECK_OK(write_file(p, csv.data, &err), &err);
		dn_buf_reset(&a);
		CHECK_OK(dn_read_file(p, &a, 0, &err), &err);
		/* Truncated: an error naming the file, never a silent short read. */
		const char *t = dn_test_write_tmp("trunc.csv", a.data, a.len / 2);
		dn_buf_reset(&got);
		CHECK(read_file(t, &got, &err) == DN_EPARSE);
		CHECK(strstr(err.msg, "truncated") != NULL);
		CHECK(strstr(err.file, "trunc.csv") != NULL);
		dn_error_clear(&err);
		/* Flipped bytes in the middle. */
		for (size_t k = a.len / 3; k < a.len / 3 + 64; k++)
			a.data[k] ^= 0x5a;
		const char *f = dn_test_write_tmp("flip.csv", a.data, a.len);
		dn_buf_reset(&got);
		CHECK(read_file(f, &got, &err) < 0);
		dn_error_clear(&err);
	}
	dn_buf_release(&csv);
	dn_buf_release(&a);
	dn_buf_release(&got);
}

DN_TEST(codec_names)
{
	size_t n;
	enum dn_codec c;
	char d = 0;
	CHECK_INT(dn_codec_from_path("a/b.csv.zst", &n), DN_CODEC_ZSTD);
	CHECK_INT(n, 7);
	CHECK_INT(dn_codec_from_path("x.GZ", NULL), DN_CODEC_GZIP);
	CHECK_INT(dn_codec_from_path("x.csv", NULL), DN_CODEC_NONE);
	CHECK_INT(dn_format_from_path("p/part-1.tsv.gz", &d), DN_FORMAT_CSV);
	CHECK_INT(d, '\t');
	CHECK_INT(dn_format_from_path("p/part-1.ndjson.zst", NULL), DN_FORMAT_NDJSON);
	CHECK_INT(dn_format_from_path("p.d/zst", NULL), DN_FORMAT_UNKNOWN);
	CHECK_INT(dn_codec_parse("zstd", &c), 0);
	CHECK_INT(c, DN_CODEC_ZSTD);
	CHECK(dn_codec_parse("lz4", &c) < 0);
}
