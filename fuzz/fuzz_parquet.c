/* libFuzzer target for the Parquet reader (and, on what it reads, the writer).
 *
 * The first byte picks the read options (tiny batches or not, only the first column or all);
 * the rest is the file, read from memory. Errors are fine as long as they are clean; a crash, a
 * leak, a hang or a sanitizer report is a bug. Pages are capped at 1 MiB (max_record_bytes) and
 * at most FZ_MAX_ROWS rows are read, since a few bytes of run-length encoding can claim billions
 * of null rows. When the read succeeds this must hold:
 *
 *   the batches, written as Parquet and read back, give the same column names, types and
 *   values (nulls and float bits included).
 *
 * Inputs that broke it are kept in fuzz/corpus/parquet/ and replayed by the unit tests. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/formats/formats.h"

#define FZ_MAX_ROWS 200000

/* Read data into one batch (NULL schema columns when nothing was read); returns the reader's
 * code. */
static int fz_read(const char *data, size_t len, const struct dn_read_options *o,
		   struct dn_batch **out)
{
	struct dn_reader *r = NULL;
	struct dn_batch *b;
	struct dn_error err;
	struct dn_builder *bl = NULL;
	int nf = 0, rc;
	int64_t rows = 0;
	*out = NULL;
	rc = dn_reader_open_mem(&r, "fuzz.parquet", data, len, DN_FORMAT_PARQUET, o, &err);
	if (rc < 0)
		return rc;
	const struct dn_schema *sc = dn_reader_schema(r);
	nf = sc->nfields;
	bl = dn_calloc((size_t)nf + 1, sizeof *bl);
	if (!bl) {
		dn_reader_free(r);
		return DN_ENOMEM;
	}
	for (int c = 0; c < nf; c++)
		dn_builder_init(&bl[c], sc->fields[c].type);
	while (rows < FZ_MAX_ROWS && (rc = dn_reader_next(r, &b, &err)) > 0) {
		for (int c = 0; c < nf && rc >= 0; c++)
			for (int64_t i = 0; i < b->nrows && rc >= 0; i++)
				rc = dn_builder_append_from(&bl[c], &b->columns[c], i, NULL);
		rows += b->nrows;
		dn_batch_free(b);
		if (rc < 0)
			break;
		rc = 0;
	}
	if (rc >= 0) {
		*out = dn_batch_from_builders(sc, bl, NULL);
		if (*out)
			(*out)->nrows = rows;
		else
			rc = DN_ENOMEM;
	}
	for (int c = 0; c < nf; c++)
		dn_builder_release(&bl[c]);
	dn_free(bl);
	dn_reader_free(r);
	return rc < 0 ? rc : 0;
}

/* 0 when the input keeps the property, -1 (why says which) when not. */
static int fz_check(const uint8_t *data, size_t size, char *why, size_t whylen)
{
	struct dn_read_options o;
	struct dn_batch *a = NULL, *b = NULL;
	struct dn_buf out = DN_BUF_INIT;
	struct dn_writer *w = NULL;
	struct dn_error err;
	const char *first = NULL;
	int rc, bad = 0;
	snprintf(why, whylen, "ok");
	if (size == 0)
		return 0;
	uint8_t opt = data[0];
	dn_read_options_init(&o);
	o.batch_rows = opt & 1 ? 3 : 0;
	o.max_record_bytes = (size_t)1 << 20;
	rc = fz_read((const char *)data + 1, size - 1, &o, &a);
	if (rc < 0)
		return 0; /* a clean error is fine */
	if ((opt & 2) && a->schema.nfields > 0) {
		/* again, projecting the first column */
		struct dn_batch *p = NULL;
		first = a->schema.fields[0].name;
		o.n_columns = 1;
		o.columns = &first;
		if (fz_read((const char *)data + 1, size - 1, &o, &p) < 0 ||
		    p->schema.nfields != 1 || p->nrows != a->nrows) {
			snprintf(why, whylen, "reading only column '%s' failed or differs", first);
			bad = 1;
		}
		dn_batch_free(p);
		if (bad)
			goto out;
	}
	rc = dn_writer_open_buf(&w, &out, DN_FORMAT_PARQUET, NULL, &err);
	if (rc >= 0)
		rc = dn_writer_write(w, a, &err);
	if (rc >= 0)
		rc = dn_writer_finish(w, &err);
	dn_writer_free(w);
	if (rc < 0) {
		snprintf(why, whylen, "writing what was read failed: %s", err.msg);
		bad = 1;
		goto out;
	}
	dn_read_options_init(&o);
	if (fz_read(out.data, out.len, &o, &b) < 0) {
		snprintf(why, whylen, "reading the written Parquet back failed");
		bad = 1;
		goto out;
	}
	char diff[400];
	if (!dn_batch_equal(a, b, diff, sizeof diff)) {
		snprintf(why, whylen, "written and read back, the data differs: %s", diff);
		bad = 1;
	}
out:
	dn_batch_free(a);
	dn_batch_free(b);
	dn_buf_release(&out);
	return bad ? -1 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[1024];
	if (fz_check(data, size, why, sizeof why) != 0) {
		fprintf(stderr, "fuzz_parquet: %s\n", why);
		abort();
	}
	return 0;
}
