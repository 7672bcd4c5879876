/* libFuzzer target for quality suites: the YAML document model, the suite and check grammar
 * (kinds, keys, numbers, dates, durations, conditions, regular expressions), and a check run of
 * the parsed suite over a small fixed batch, which exercises every evaluator on whatever the
 * suite asks for.
 *
 * Any input must be accepted or turned into problems without reading past n. Properties:
 * parsing fails only with problems (each with a message and a line the input could hold) or
 * for lack of memory; a parsed suite has checks with names, and evaluating it never fails
 * (suites that name other datasets are parsed but not run, so nothing is read from files or
 * the network). Deterministic: the clock is fixed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/pipeline/pipeline.h"
#include "../src/quality/quality.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static struct dn_batch *sample_batch(void)
{
	struct dn_schema sc;
	struct dn_builder b[4];
	static const char *const names[] = {"id", "name", "amount", "day"};
	static const enum dn_type types[] = {DN_INT64, DN_STRING, DN_FLOAT64, DN_DATE};
	dn_schema_init(&sc);
	for (int k = 0; k < 4; k++) {
		dn_schema_add(&sc, names[k], strlen(names[k]), types[k], NULL);
		dn_builder_init(&b[k], types[k]);
	}
	for (int i = 0; i < 5; i++) {
		dn_builder_append_i64(&b[0], i % 3, NULL);
		if (i == 2)
			dn_builder_append_null(&b[1], NULL);
		else
			dn_builder_append_str(&b[1], "a@b.co", 6, NULL);
		dn_builder_append_f64(&b[2], i * 1.5 - 2, NULL);
		dn_builder_append_date(&b[3], 19700 + i, NULL);
	}
	struct dn_batch *out = dn_batch_from_builders(&sc, b, NULL);
	for (int k = 0; k < 4; k++)
		dn_builder_release(&b[k]);
	dn_schema_release(&sc);
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct dn_problems probs;
	struct dn_suite *s = NULL;
	struct dn_error err;
	dn_problems_init(&probs);
	dn_error_clear(&err);
	int rc = dn_suite_parse(&s, "fuzz.yaml", (const char *)d, n, &probs, &err);
	if (rc == 0) {
		if (!s || probs.n)
			abort();
		for (int i = 0; i < s->nchecks; i++)
			if (!s->checks[i].name || !s->checks[i].name[0])
				abort();
		struct dn_check_options o;
		struct dn_check_run *cr = NULL;
		int refs = 0;
		for (int i = 0; i < s->nchecks; i++)
			refs |= s->checks[i].other != NULL; /* never read files or URLs */
		dn_check_options_init(&o);
		o.now_us = INT64_C(1700000000000000);
		o.base_dir = "/nonexistent-fuzz-dir";
		if (!refs && dn_check_run_new(&cr, s, &o, &err) == 0) {
			struct dn_batch *b = sample_batch();
			struct dn_suite_result r;
			int e = b ? dn_check_run_add(cr, b, &err) : DN_ENOMEM;
			if (e == 0)
				e = dn_check_run_finish(cr, &r, &err);
			if (e == 0) {
				if (r.nresults != s->nchecks)
					abort();
				dn_suite_result_release(&r);
			} else if (e != DN_ENOMEM) {
				abort();
			}
			dn_batch_free(b);
		}
		dn_check_run_free(cr);
	} else if (rc != DN_ENOMEM && rc != DN_ELIMIT && rc != DN_EPARSE) {
		abort();
	} else if (rc == DN_EPARSE && !probs.n) {
		abort();
	}
	for (size_t i = 0; i < probs.n; i++)
		if (!probs.v[i].msg[0] || (uint64_t)probs.v[i].line > (uint64_t)n + 2)
			abort();
	dn_suite_free(s);
	dn_problems_release(&probs);
	return 0;
}
