/* libFuzzer target for the JSON and NDJSON reader and writer, and the tree parser.
 *
 * The input is read as NDJSON and as a JSON array with bad rows skipped. Errors are fine (they
 * must only be clean); a crash, a leak or a sanitizer report is a bug. Whatever reads without
 * error is written as NDJSON and read back, and the two reads must give equal batches: the
 * writer must say exactly what the reader understood. Crashes found go to fuzz/corpus/json/,
 * which the unit test json_fuzz_corpus replays. The tree parser's shallow mode must accept every
 * document the full parse accepts, and each container it leaves unparsed must be one the full
 * parse reads. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/formats/formats.h"

#define MAX_BATCHES 4096

struct batches {
	struct dn_batch *b[MAX_BATCHES];
	int n;
};

static void release(struct batches *x)
{
	for (int i = 0; i < x->n; i++)
		dn_batch_free(x->b[i]);
	x->n = 0;
}

static int read_all(const char *data, size_t len, enum dn_format fmt, struct batches *x)
{
	struct dn_read_options o;
	struct dn_reader *r = NULL;
	struct dn_batch *b;
	struct dn_error err;
	struct dn_read_summary sum;
	int rc;
	dn_read_options_init(&o);
	o.bad_rows = DN_BAD_SKIP;
	o.batch_rows = 7; /* several batches even for small inputs */
	x->n = 0;
	rc = dn_reader_open_mem(&r, "fuzz", data, len, fmt, &o, &err);
	if (rc < 0)
		return rc;
	while ((rc = dn_reader_next(r, &b, &err)) > 0) {
		if (x->n == MAX_BATCHES) {
			dn_batch_free(b);
			rc = DN_ELIMIT;
			break;
		}
		x->b[x->n++] = b;
	}
	dn_reader_summary(r, &sum);
	if (rc == 0 && sum.read != sum.loaded + sum.skipped + sum.quarantined)
		abort();
	dn_reader_free(r);
	return rc;
}

static void one(const char *data, size_t len, enum dn_format fmt)
{
	struct batches a, b;
	struct dn_buf out = DN_BUF_INIT;
	struct dn_writer *w = NULL;
	struct dn_error err;
	int rc;
	if (read_all(data, len, fmt, &a) < 0) {
		release(&a);
		return;
	}
	rc = dn_writer_open_buf(&w, &out, DN_FORMAT_NDJSON, NULL, &err);
	for (int i = 0; rc >= 0 && i < a.n; i++)
		rc = dn_writer_write(w, a.b[i], &err);
	if (rc >= 0)
		rc = dn_writer_finish(w, &err);
	dn_writer_free(w);
	if (rc < 0)
		abort(); /* writing to memory cannot fail but for memory */
	if (read_all(out.data ? out.data : "", out.len, DN_FORMAT_NDJSON, &b) < 0 || a.n != b.n)
		abort();
	for (int i = 0; i < a.n; i++)
		if (!dn_batch_equal(a.b[i], b.b[i], NULL, 0))
			abort();
	release(&a);
	release(&b);
	dn_buf_release(&out);
}

/* Every unparsed container under v parses whole, as the kind the shallow parse said. */
static void check_lazy(struct dn_arena *a, const struct dn_jv *v)
{
	struct dn_jv *w = NULL;
	if (v->lazy) {
		if (dn_jv_parse(a, "lazy", v->src, v->src_len, &w, NULL) < 0 || w->kind != v->kind)
			abort();
		return;
	}
	for (size_t i = 0; (v->kind == DN_JV_ARR || v->kind == DN_JV_OBJ) && i < v->n; i++)
		check_lazy(a, &v->items[i]);
}

static void trees(const char *data, size_t len)
{
	struct dn_arena a;
	struct dn_jv *full = NULL, *sh = NULL;
	dn_arena_init(&a, 0);
	int ok = dn_jv_parse(&a, "fuzz", data, len, &full, NULL) == 0;
	for (int depth = 1; depth <= 3; depth++) {
		int sok = dn_jv_parse_shallow(&a, "fuzz", data, len, depth, &sh, NULL) == 0;
		if (ok && !sok)
			abort();
		if (ok)
			check_lazy(&a, sh);
	}
	dn_arena_release(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	one((const char *)data, size, DN_FORMAT_NDJSON);
	one((const char *)data, size, DN_FORMAT_JSON);
	trees((const char *)data, size);
	return 0;
}
