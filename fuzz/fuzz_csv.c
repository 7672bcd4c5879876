/* libFuzzer target for the CSV reader and writer.
 *
 * The first byte picks the read options (delimiter auto/,/;/TAB, header or not, bad rows fail
 * or skip, a tiny inference sample so values widen, tiny batches, quoted fields inferred or
 * not); the rest is the CSV. Errors are fine as long as they are clean; a crash, a leak or a
 * sanitizer report is a bug. When the read succeeds these must hold:
 *
 *   1. read = loaded + skipped, the batches hold `loaded` rows, none over batch_rows;
 *   2. the batches, written as CSV and read back with inference (',' and a sample covering
 *      every row), give the same column names, types and values. The CSV writer promises this:
 *      it quotes exactly the strings that would otherwise read as nulls or as another type, and
 *      floats always look like floats. The one documented exception: a column with no non-null
 *      value comes back as an all-null string column (there is nothing to infer from).
 *
 *   3. the general tokenizer (dn_csv_general_only) reads the same batches and counts as the
 *      fast path a chunk without quotes takes;
 *   4. read with a projection (the last column, then the first: --columns), the same rows and
 *      those columns' values, when no row was dropped (a value that is bad only in a column
 *      left out is no reason to drop its row, so then the rows may rightly differ).
 *
 * Property 2 is checked on the concatenation of the batches, each converted to the final
 * (widest) type with dn_column_cast, so a widening in the middle of the input is covered too.
 * Inputs that broke a property are kept in fuzz/corpus/csv/; the unit test csv_fuzz_corpus
 * includes this file and replays them through fz_check without libFuzzer. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/formats/formats.h"

#define FZ_MAX_BATCHES 4096

struct fz_read {
	struct dn_batch *b[FZ_MAX_BATCHES];
	int n;
	int64_t rows;
	struct dn_read_summary sum;
	struct dn_schema schema;
	struct dn_batch *all;
};

static void fz_release(struct fz_read *x)
{
	for (int i = 0; i < x->n; i++)
		dn_batch_free(x->b[i]);
	dn_batch_free(x->all);
	dn_schema_release(&x->schema);
	x->n = 0;
	x->all = NULL;
}

/* Every row of x in one batch of the final schema's types. */
static int fz_concat(struct fz_read *x)
{
	int nf = x->schema.nfields, rc = 0;
	struct dn_builder *bl = dn_calloc((size_t)(nf ? nf : 1), sizeof *bl);
	if (!bl)
		return DN_ENOMEM;
	for (int c = 0; c < nf; c++)
		dn_builder_init(&bl[c], x->schema.fields[c].type);
	for (int i = 0; i < x->n && rc >= 0; i++) {
		const struct dn_batch *b = x->b[i];
		for (int c = 0; c < nf && rc >= 0; c++) {
			struct dn_column tmp = {0};
			const struct dn_column *src = &b->columns[c];
			if (src->type != x->schema.fields[c].type) {
				rc = dn_column_cast(src, x->schema.fields[c].type, &tmp, NULL);
				src = &tmp;
			}
			for (int64_t r = 0; rc >= 0 && r < b->nrows; r++)
				rc = dn_builder_append_from(&bl[c], src, r, NULL);
			dn_column_release(&tmp);
		}
	}
	if (rc >= 0 && !(x->all = dn_batch_from_builders(&x->schema, bl, NULL)))
		rc = DN_ENOMEM;
	for (int c = 0; c < nf; c++)
		dn_builder_release(&bl[c]);
	dn_free(bl);
	return rc;
}

/* Read everything; returns the reader's code, or 1 when property 1 does not hold. */
static int fz_read_all(const char *data, size_t len, const struct dn_read_options *o,
		       struct fz_read *x, char *why, size_t whylen)
{
	struct dn_reader *r = NULL;
	struct dn_batch *b;
	struct dn_error err;
	int rc;
	memset(x, 0, sizeof *x);
	rc = dn_reader_open_mem(&r, "fuzz.csv", data, len, DN_FORMAT_CSV, o, &err);
	if (rc < 0)
		return rc;
	while ((rc = dn_reader_next(r, &b, &err)) > 0) {
		if (x->n == FZ_MAX_BATCHES) {
			dn_batch_free(b);
			rc = DN_ELIMIT;
			break;
		}
		x->b[x->n++] = b;
		x->rows += b->nrows;
		if (o->batch_rows > 0 && b->nrows > o->batch_rows) {
			snprintf(why, whylen, "a batch of %lld rows, over %lld",
				 (long long)b->nrows, (long long)o->batch_rows);
			rc = 1;
			break;
		}
		if (b->schema.nfields != dn_reader_schema(r)->nfields) {
			snprintf(why, whylen, "a batch with %d columns of %d", b->schema.nfields,
				 dn_reader_schema(r)->nfields);
			rc = 1;
			break;
		}
	}
	dn_reader_summary(r, &x->sum);
	if (rc == 0 && (x->sum.read != x->sum.loaded + x->sum.skipped + x->sum.quarantined ||
			x->sum.loaded != x->rows)) {
		snprintf(why, whylen, "read %lld != loaded %lld + skipped %lld (rows %lld)",
			 (long long)x->sum.read, (long long)x->sum.loaded,
			 (long long)x->sum.skipped, (long long)x->rows);
		rc = 1;
	}
	if (rc == 0 && dn_schema_copy(&x->schema, dn_reader_schema(r), &err) < 0)
		rc = DN_ENOMEM;
	dn_reader_free(r);
	if (rc == 0)
		rc = fz_concat(x);
	return rc;
}

static int fz_has_value(const struct dn_column *c)
{
	return c->length > c->null_count;
}

/* 0 when the input keeps every property, -1 (why says which) when not. */
static int fz_check(const uint8_t *data, size_t size, char *why, size_t whylen)
{
	static const char delims[] = {0, ',', ';', '\t'};
	struct dn_read_options o;
	struct fz_read a, b;
	struct dn_buf out = DN_BUF_INIT;
	struct dn_writer *w = NULL;
	struct dn_error err;
	int rc, bad = 0;
	snprintf(why, whylen, "ok");
	if (size == 0)
		return 0;
	uint8_t opt = data[0];
	dn_read_options_init(&o);
	o.threads = 1;
	o.delimiter = delims[opt & 3];
	o.no_header = (opt >> 2) & 1;
	o.bad_rows = (opt >> 3) & 1 ? DN_BAD_SKIP : DN_BAD_FAIL;
	o.infer_rows = (opt >> 4) & 1 ? 2 : 0;
	o.batch_rows = (opt >> 5) & 1 ? 3 : 0;
	o.infer_quoted = (opt >> 6) & 1;
	if ((opt >> 7) & 1) {
		o.n_null_tokens = 1;
		o.null_tokens[0] = "-";
	}
	rc = fz_read_all((const char *)data + 1, size - 1, &o, &a, why, whylen);
	if (rc != 0) {
		fz_release(&a);
		return rc == 1 ? -1 : 0; /* a clean error is fine */
	}
	/* 3. The general tokenizer gives the same batches as the quote-free fast path. */
	{
		struct fz_read g;
		char diff[400];
		dn_csv_general_only = 1;
		rc = fz_read_all((const char *)data + 1, size - 1, &o, &g, why, whylen);
		dn_csv_general_only = 0;
		int differ = rc != 0 || g.n != a.n || g.sum.read != a.sum.read ||
			     g.sum.skipped != a.sum.skipped;
		for (int i = 0; !differ && i < a.n; i++)
			differ = !dn_batch_equal(a.b[i], g.b[i], diff, sizeof diff);
		fz_release(&g);
		if (differ) {
			snprintf(why, whylen, "the general tokenizer reads it differently");
			fz_release(&a);
			return -1;
		}
		snprintf(why, whylen, "ok");
	}
	/* 4. A projection reads the same values in the columns it keeps. */
	if (a.schema.nfields >= 2 && a.sum.skipped == 0) {
		int nf = a.schema.nfields, idx[2] = {nf - 1, 0};
		const char *names[2] = {a.schema.fields[nf - 1].name, a.schema.fields[0].name};
		struct dn_read_options po = o;
		struct fz_read pr;
		struct dn_field fields[2];
		struct dn_column cols[2];
		char diff[400];
		po.columns = names;
		po.n_columns = 2;
		rc = fz_read_all((const char *)data + 1, size - 1, &po, &pr, why, whylen);
		int differ = rc != 0 || pr.rows != a.rows;
		if (!differ) { /* a's two columns, borrowed */
			struct dn_batch view = {0};
			for (int k = 0; k < 2; k++) {
				fields[k] = a.all->schema.fields[idx[k]];
				cols[k] = a.all->columns[idx[k]];
			}
			view.schema.fields = fields;
			view.schema.nfields = 2;
			view.columns = cols;
			view.nrows = a.all->nrows;
			differ = !dn_batch_equal(&view, pr.all, diff, sizeof diff);
		}
		fz_release(&pr);
		if (differ) {
			snprintf(why, whylen, "read with --columns, it differs (rc %d)", rc);
			fz_release(&a);
			return -1;
		}
		snprintf(why, whylen, "ok");
	}
	rc = dn_writer_open_buf(&w, &out, DN_FORMAT_CSV, NULL, &err);
	for (int i = 0; rc >= 0 && i < a.n; i++)
		rc = dn_writer_write(w, a.b[i], &err);
	if (rc >= 0)
		rc = dn_writer_finish(w, &err);
	dn_writer_free(w);
	if (rc < 0) {
		snprintf(why, whylen, "writing failed: %s", err.msg);
		bad = 1;
		goto out;
	}
	dn_read_options_init(&o);
	o.threads = 1;
	o.delimiter = ',';
	o.infer_rows = INT64_MAX;
	rc = fz_read_all(out.data ? out.data : "", out.len, &o, &b, why, whylen);
	if (rc != 0) {
		if (rc < 0)
			snprintf(why, whylen, "reading the written CSV back failed: %s (%s)",
				 dn_err_name(rc), out.data ? out.data : "");
		bad = 1;
		fz_release(&b);
		goto out;
	}
	/* All-null columns come back as strings (the documented exception): compare those
	 * through a string copy of the first read. */
	for (int c = 0; c < a.schema.nfields && c < b.schema.nfields; c++) {
		struct dn_column *col = &a.all->columns[c];
		if (fz_has_value(col) || col->type == DN_STRING)
			continue;
		struct dn_column s = {0};
		if (dn_column_cast(col, DN_STRING, &s, NULL) < 0) {
			dn_column_release(&s);
			continue;
		}
		dn_column_release(col);
		*col = s;
		a.all->schema.fields[c].type = DN_STRING;
	}
	char diff[400];
	if (!dn_batch_equal(a.all, b.all, diff, sizeof diff)) {
		snprintf(why, whylen, "written and read back, the data differs: %s", diff);
		bad = 1;
	}
	fz_release(&b);
out:
	fz_release(&a);
	dn_buf_release(&out);
	return bad ? -1 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[1024];
	if (fz_check(data, size, why, sizeof why) != 0) {
		fprintf(stderr, "fuzz_csv: %s\n", why);
		abort();
	}
	return 0;
}
