/* Profiles against pandas: tests/cases/profile/data.csv and the statistics pandas 1.5.3 and
 * scipy computed for it (expected.json, made by tests/quality/make_fixtures.py). Exact
 * statistics must agree to 1e-9 relative; sketches must stay within their stated error on
 * large generated streams (HyperLogLog on a million distinct values, the quantile sketch on
 * millions of values against exact sorted quantiles). */
#include <math.h>
#include <stdlib.h>

#include "../../src/formats/formats.h"
#include "../../src/quality/quality.h"
#include "../../src/quality/quality_int.h"
#include "../test.h"

static int close_to(double a, double b)
{
	if (isnan(a) || isnan(b))
		return isnan(a) && isnan(b);
	return fabs(a - b) <= 1e-9 * fmax(fabs(a), fabs(b)) + 1e-12;
}

/* a and b agree by predicate same(a, b) (close_to, or p_close for p-values). */
#define CHECK_WITH(same, a, b)                                                                     \
	do {                                                                                       \
		double a__ = (a), b__ = (b);                                                       \
		if (!same(a__, b__)) {                                                             \
			dn_test_fail(dn_t_, __FILE__, __LINE__, "%s == %.17g, expected %.17g", #a, \
				     a__, b__);                                                    \
			return;                                                                    \
		}                                                                                  \
	} while (0)
#define CHECK_NEAR(a, b) CHECK_WITH(close_to, a, b)

static double jnum(const struct dn_jv *o, const char *k)
{
	const struct dn_jv *v = dn_jv_get(o, k);
	return v && v->kind == DN_JV_NUM ? v->num : NAN;
}

/* Profile a file read in batches of batch_rows. */
static int profile_file(const char *path, int64_t batch_rows, struct dn_profile_options *po,
			struct dn_profile **p, const struct dn_profile_result **res,
			struct dn_error *err)
{
	struct dn_read_options ro;
	struct dn_reader *r = NULL;
	struct dn_batch *b;
	int k;
	dn_read_options_init(&ro);
	ro.batch_rows = batch_rows;
	DN_TRY(dn_reader_open(&r, path, DN_FORMAT_UNKNOWN, &ro, err));
	if ((k = dn_profile_new(p, po, err)) < 0)
		goto out;
	while ((k = dn_reader_next(r, &b, err)) > 0) {
		k = dn_profile_add(*p, b, err);
		dn_batch_free(b);
		if (k < 0)
			break;
	}
	if (k == 0)
		k = dn_profile_finish(*p, res, err);
out:
	dn_reader_free(r);
	return k;
}

static int col_index(const struct dn_profile_result *r, const char *name)
{
	for (int i = 0; i < r->ncolumns; i++)
		if (!strcmp(r->columns[i].name, name))
			return i;
	return -1;
}

DN_TEST(profile_pandas_fixture)
{
	struct dn_error err;
	struct dn_arena a;
	struct dn_buf text = DN_BUF_INIT;
	struct dn_jv *exp = NULL;
	struct dn_profile *p = NULL;
	const struct dn_profile_result *r = NULL;
	dn_error_clear(&err);
	dn_arena_init(&a, 1 << 16);
	int ok = dn_read_file(dn_test_case_path("profile/expected.json"), &text, 0, &err) == 0 &&
		 dn_jv_parse(&a, "expected.json", text.data, text.len, &exp, &err) == 0;
	/* Batches of 256 rows: the moments go through many pairwise merges. */
	ok = ok &&
	     profile_file(dn_test_case_path("profile/data.csv"), 256, NULL, &p, &r, &err) == 0;
	dn_buf_release(&text);
	if (!ok) {
		char buf[1024];
		dn_test_fail(dn_t_, __FILE__, __LINE__, "%s",
			     dn_error_format(&err, buf, sizeof buf));
		goto out;
	}
	CHECK_INT(r->rows, (int64_t)jnum(exp, "rows"));
	CHECK_INT(r->duplicate_rows, (int64_t)jnum(exp, "duplicate_rows"));
	const struct dn_jv *cols = dn_jv_get(exp, "columns");
	for (size_t c = 0; c < cols->n; c++) {
		const char *name = cols->keys[c];
		const struct dn_jv *e = &cols->items[c];
		int i = col_index(r, name);
		CHECK(i >= 0);
		const struct dn_profile_column *o = &r->columns[i];
		CHECK_INT(o->count, (int64_t)jnum(e, "count"));
		CHECK_INT(o->missing, (int64_t)jnum(e, "missing"));
		CHECK(o->distinct_exact);
		CHECK_INT((int64_t)o->distinct, (int64_t)jnum(e, "distinct"));
		if (o->type == DN_INT64 || o->type == DN_FLOAT64) {
			CHECK_NEAR(o->min, jnum(e, "min"));
			CHECK_NEAR(o->max, jnum(e, "max"));
			CHECK_NEAR(o->mean, jnum(e, "mean"));
			CHECK_NEAR(o->std, jnum(e, "std"));
			CHECK_NEAR(o->skew, jnum(e, "skew"));
			CHECK_INT(o->zeros, (int64_t)jnum(e, "zeros"));
			CHECK_INT(o->negatives, (int64_t)jnum(e, "negatives"));
			CHECK(o->quantiles_exact);
			const struct dn_jv *q = dn_jv_get(e, "quantiles");
			for (int k = 0; k < DN_PROFILE_NQ; k++)
				CHECK_NEAR(o->q[k], q->items[k].num);
			const struct dn_jv *h = dn_jv_get(e, "histogram");
			const struct dn_jv *ed = dn_jv_get(e, "edges");
			CHECK_INT(o->nbins, (int64_t)h->n);
			for (int k = 0; k < o->nbins; k++) {
				CHECK_NEAR(o->edges[k], ed->items[k].num);
				CHECK_INT((int64_t)o->hist[k], (int64_t)h->items[k].num);
			}
		}
		if (o->type == DN_STRING) {
			CHECK_NEAR(o->len_min, jnum(e, "len_min"));
			CHECK_NEAR(o->len_mean, jnum(e, "len_mean"));
			CHECK_NEAR(o->len_max, jnum(e, "len_max"));
			CHECK(o->npatterns > 0);
		}
		if (o->type == DN_DATE) {
			char buf[32];
			dn_date_format((int32_t)o->min, buf);
			CHECK_STR(buf, dn_jv_str(dn_jv_get(e, "min")));
			dn_date_format((int32_t)o->max, buf);
			CHECK_STR(buf, dn_jv_str(dn_jv_get(e, "max")));
		}
		if (o->type == DN_BOOL)
			CHECK_NEAR(o->mean, jnum(e, "mean"));
		const struct dn_jv *top = dn_jv_get(e, "top");
		if (!top)
			continue;
		CHECK(o->top_exact);
		CHECK_INT(o->ntop, (int64_t)top->n);
		for (int k = 0; k < o->ntop; k++) {
			const struct dn_jv *t = &top->items[k];
			CHECK_INT(o->top[k].count, (int64_t)jnum(t, "count"));
			const struct dn_jv *tie = dn_jv_get(t, "tie");
			if (!tie || !tie->b) {
				/* Numbers print as dunya prints them; compare by value. */
				double x, y;
				const char *want = dn_jv_str(dn_jv_get(t, "value"));
				if (dn_parse_f64(o->top[k].text, strlen(o->top[k].text), &x) == 0 &&
				    dn_parse_f64(want, strlen(want), &y) == 0)
					CHECK_NEAR(x, y);
				else
					CHECK_STR(o->top[k].text, want);
			}
		}
	}
	const struct dn_jv *cc = dn_jv_get(exp, "corr_columns");
	const struct dn_jv *pe = dn_jv_get(exp, "pearson"), *sp = dn_jv_get(exp, "spearman");
	CHECK_INT(r->ncorr, (int64_t)cc->n);
	CHECK(r->spearman != NULL);
	for (int x = 0; x < r->ncorr; x++) {
		CHECK_STR(r->columns[r->corr_columns[x]].name, dn_jv_str(&cc->items[x]));
		for (int y = 0; y < r->ncorr; y++) {
			CHECK_NEAR(r->pearson[x * r->ncorr + y], pe->items[x].items[y].num);
			CHECK_NEAR(r->spearman[x * r->ncorr + y], sp->items[x].items[y].num);
		}
	}
	/* Alerts: f is skewed; 7 duplicate rows. */
	int skewed = 0, dups = 0;
	for (int k = 0; k < r->nalerts; k++) {
		skewed += !strcmp(r->alerts[k].kind, "skewed") &&
			  r->alerts[k].column == col_index(r, "f");
		dups += !strcmp(r->alerts[k].kind, "duplicates");
	}
	CHECK_INT(skewed, 1);
	CHECK_INT(dups, 1);
out:
	dn_profile_free(p);
	dn_arena_release(&a);
}

/* --target cat: each class's rows and numeric means, against pandas' groupby. */
DN_TEST(profile_target_classes)
{
	struct dn_error err;
	struct dn_arena a;
	struct dn_buf text = DN_BUF_INIT;
	struct dn_jv *exp = NULL;
	struct dn_profile_options po;
	struct dn_profile *p = NULL;
	const struct dn_profile_result *r = NULL;
	dn_profile_options_init(&po);
	po.target = "cat";
	dn_arena_init(&a, 1 << 16);
	int ok = dn_read_file(dn_test_case_path("profile/expected.json"), &text, 0, &err) == 0 &&
		 dn_jv_parse(&a, "expected.json", text.data, text.len, &exp, &err) == 0 &&
		 profile_file(dn_test_case_path("profile/data.csv"), 256, &po, &p, &r, &err) == 0;
	dn_buf_release(&text);
	if (!ok) {
		char buf[1024];
		dn_test_fail(dn_t_, __FILE__, __LINE__, "%s",
			     dn_error_format(&err, buf, sizeof buf));
		goto out;
	}
	const struct dn_jv *cls = dn_jv_get(exp, "classes_cat");
	CHECK_INT(r->nclasses, (int64_t)cls->n);
	CHECK_INT(r->other_rows, 0);
	for (int k = 0; k < r->nclasses; k++) {
		const struct dn_jv *e = dn_jv_get(cls, r->classes[k].value);
		CHECK(e);
		CHECK_INT(r->classes[k].count, (int64_t)jnum(e, "count"));
		if (k > 0)
			CHECK(r->classes[k].count <= r->classes[k - 1].count);
		const struct dn_jv *m = dn_jv_get(e, "means");
		for (int x = 0; x < r->ncorr; x++)
			CHECK_NEAR(r->classes[k].means[x], m->items[x].num);
	}
out:
	dn_profile_free(p);
	dn_arena_release(&a);
}

/* Same file with every bound at its smallest: sketches take over, exact moments do not
 * change, and the results say which statistics are estimates. */
DN_TEST(profile_sketch_bounds)
{
	struct dn_error err;
	struct dn_profile_options po;
	struct dn_profile *p = NULL, *q = NULL;
	const struct dn_profile_result *r, *e;
	dn_profile_options_init(&po);
	po.exact_rows = 0;
	po.exact_distinct = 8;
	const char *path = dn_test_case_path("profile/data.csv");
	CHECK_OK(profile_file(path, 500, &po, &p, &r, &err), &err);
	int rc = profile_file(path, 500, NULL, &q, &e, &err);
	if (rc < 0) {
		dn_profile_free(p);
		CHECK_OK(rc, &err);
	}
	CHECK_INT(r->duplicate_rows, -1);
	CHECK(r->spearman == NULL);
	for (int i = 0; i < r->ncolumns; i++) {
		const struct dn_profile_column *a = &r->columns[i], *b = &e->columns[i];
		CHECK_INT(a->count, b->count);
		if (!isnan(b->mean))
			CHECK_NEAR(a->mean, b->mean);
		if (!isnan(b->std))
			CHECK_NEAR(a->std, b->std);
		if (b->distinct > 8) {
			CHECK(!a->distinct_exact && !a->top_exact);
			CHECK(fabs(a->distinct - b->distinct) <= 0.03 * b->distinct);
			/* Misra-Gries: the most frequent value, count low by at most top_error. */
			CHECK(a->ntop > 0);
			CHECK(a->top[0].count <= b->top[0].count);
			CHECK(a->top[0].count + a->top_error >= b->top[0].count);
		}
		if (b->nbins) {
			CHECK(!a->quantiles_exact);
			/* Under the sketch's k values it holds them all: the same quantiles. */
			for (int k = 0; k < DN_PROFILE_NQ; k++)
				CHECK_NEAR(a->q[k], b->q[k]);
		}
	}
	for (int k = 0; k < r->ncorr * r->ncorr; k++)
		CHECK_NEAR(r->pearson[k], e->pearson[k]);
	dn_profile_free(p);
	dn_profile_free(q);
}

/* Past exact_rows, Spearman comes from a uniform sample of rows: close to the exact value
 * (sampling error about 1/sqrt(rows); 1000 of 3007 rows here) and marked as sampled. */
DN_TEST(profile_spearman_sample)
{
	struct dn_error err;
	struct dn_profile_options po;
	struct dn_profile *p = NULL, *q = NULL;
	const struct dn_profile_result *r, *e;
	dn_profile_options_init(&po);
	po.exact_rows = 1000;
	po.sample_rows = 768; /* smaller than the file: rows replace others in it */
	const char *path = dn_test_case_path("profile/data.csv");
	CHECK_OK(profile_file(path, 256, &po, &p, &r, &err), &err);
	int rc = profile_file(path, 256, NULL, &q, &e, &err);
	if (rc < 0) {
		dn_profile_free(p);
		CHECK_OK(rc, &err);
	}
	int ok = r->spearman && !r->spearman_exact && r->spearman_rows == 768 && e->spearman &&
		 e->spearman_exact && r->duplicate_rows == -1;
	double worst = 0;
	for (int k = 0; ok && k < r->ncorr * r->ncorr; k++)
		worst = fmax(worst, fabs(r->spearman[k] - e->spearman[k]));
	CHECK(ok);
	CHECK(worst < 0.12);
	/* A bound below the first batch: the sample (all rows here, as it holds up to a million)
	 * gives the exact values, not none. */
	struct dn_profile *t = NULL;
	dn_profile_options_init(&po);
	po.exact_rows = 100;
	CHECK_OK(profile_file(path, 256, &po, &t, &r, &err), &err);
	CHECK(r->spearman && !r->spearman_exact && r->spearman_rows == e->rows);
	for (int k = 0; r->spearman && k < r->ncorr * r->ncorr; k++)
		CHECK_NEAR(r->spearman[k], e->spearman[k]);
	dn_profile_free(t);
	dn_profile_free(p);
	dn_profile_free(q);
}

static uint64_t lcg(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return *s >> 11;
}

DN_TEST(profile_hll_error)
{
	static const int64_t sizes[] = {100, 5000, 50000, 1000000};
	struct dn_hll *h = dn_malloc(sizeof *h);
	CHECK(h);
	for (size_t t = 0; t < sizeof sizes / sizeof sizes[0]; t++) {
		dn_hll_init(h);
		for (int64_t i = 0; i < sizes[t]; i++) {
			dn_hll_add(h, dn_hash_u64((uint64_t)i * 7919 + 13));
			if (i % 3 == 0) /* repeats do not count */
				dn_hll_add(h, dn_hash_u64((uint64_t)i * 7919 + 13));
		}
		double est = dn_hll_estimate(h), rel = fabs(est - (double)sizes[t]) / sizes[t];
		/* Three standard errors of 0.81%. */
		if (rel > 0.025) {
			dn_free(h);
			dn_test_fail(dn_t_, __FILE__, __LINE__, "%lld distinct estimated as %.0f",
				     (long long)sizes[t], est);
			return;
		}
	}
	dn_free(h);
}

/* The radix sort under quantiles, ranks and duplicate counts: ascending and stable (equal keys
 * keep their order), whatever the size (one MSD pass above 64K keys) and distribution: random
 * 64-bit keys, a narrow span, many repeats, one crowded top-bit bucket, already in order. */
DN_TEST(profile_radix_sort)
{
	static const size_t sizes[] = {3, 4096, 70000, 300000};
	uint64_t seed = 42;
	int ok = 1;
	for (size_t t = 0; t < sizeof sizes / sizeof sizes[0] && ok; t++) {
		size_t n = sizes[t];
		uint64_t *k = dn_malloc(4 * n * sizeof *k);
		uint32_t *ix = dn_malloc(2 * n * sizeof *ix);
		CHECK(k && ix);
		for (int dist = 0; dist < 5 && ok; dist++) {
			for (size_t i = 0; i < n; i++) {
				uint64_t r = lcg(&seed) << 11 ^ lcg(&seed);
				k[i] = dist == 0 ? r :
				       dist == 1 ? (r & 0xfffff) << 7 :
				       dist == 2 ? r % 37 :
				       dist == 3 ? (i % 10 ? UINT64_C(5) << 60 | (r >> 8) : r) :
						   (uint64_t)i * 3;
				ix[i] = (uint32_t)i;
			}
			memcpy(k + 2 * n, k, n * sizeof *k); /* the input, to check rows against */
			dn_q_sort_keys(k, ix, n, k + n, ix + n);
			for (size_t i = 0; i < n && ok; i++) {
				ok = k[i] == k[2 * n + ix[i]];
				if (ok && i)
					ok = k[i - 1] < k[i] ||
					     (k[i - 1] == k[i] && ix[i - 1] < ix[i]);
				if (!ok)
					dn_test_fail(dn_t_, __FILE__, __LINE__,
						     "n %zu, distribution %d: wrong at %zu", n,
						     dist, i);
			}
		}
		dn_free(k);
		dn_free(ix);
	}
	CHECK(ok);
}

/* Adding values in runs (NaN among them, skipped) leaves the sketch exactly as adding them one
 * at a time does: the same levels, values and compaction draws. */
DN_TEST(profile_qsketch_add_many)
{
	struct dn_qsketch one, many;
	struct dn_error err;
	uint64_t seed = 7;
	size_t n = 300000, at = 0;
	double *v = dn_malloc(n * sizeof *v);
	CHECK(v);
	for (size_t i = 0; i < n; i++)
		v[i] = i % 11 == 3 ? NAN : (double)(lcg(&seed) % 100000) / 7;
	dn_qsketch_init(&one);
	dn_qsketch_init(&many);
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++)
		if (!isnan(v[i]))
			rc = dn_qsketch_add(&one, v[i], &err);
	while (at < n && rc == 0) {
		size_t run = (size_t)(lcg(&seed) % 9000);
		if (run > n - at)
			run = n - at;
		rc = dn_qsketch_add_many(&many, v + at, run, &err);
		at += run;
	}
	int same = rc == 0 && one.n == many.n && one.nlevels == many.nlevels;
	for (int h = 0; same && h < one.nlevels; h++)
		same = one.len[h] == many.len[h] &&
		       !memcmp(one.level[h], many.level[h], sizeof(double) * (size_t)one.len[h]);
	dn_qsketch_release(&one);
	dn_qsketch_release(&many);
	dn_free(v);
	CHECK_OK(rc, &err);
	CHECK(same);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Quantiles of a large stream: the rank of each estimate among the exact sorted values is
 * within the sketch's stated bound of the exact quantile's position. */
DN_TEST(profile_qsketch_error)
{
	int64_t n = 3000000;
	double *v = dn_malloc(sizeof(double) * (size_t)n);
	struct dn_qsketch s;
	struct dn_error err;
	CHECK(v);
	dn_qsketch_init(&s);
	uint64_t seed = 42;
	for (int64_t i = 0; i < n; i++) {
		/* A mix: uniform, a heavy tail and many repeats. */
		double u = (double)(lcg(&seed) >> 11) / 9007199254740992.0 / 2048 * 2048;
		double x = i % 3 == 0 ? u * 100 : i % 3 == 1 ? exp(8 * u) : (double)(i % 50);
		v[i] = x;
		if (dn_qsketch_add(&s, x, &err) < 0) {
			dn_free(v);
			dn_qsketch_release(&s);
			CHECK_OK(-1, &err);
		}
	}
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	double qs[DN_PROFILE_NQ], est[DN_PROFILE_NQ];
	memcpy(qs, dn_profile_q, sizeof qs);
	int rc = dn_qsketch_quantiles(&s, qs, DN_PROFILE_NQ, est, &err);
	double bound = dn_qsketch_rank_error(&s);
	int bad = -1;
	for (int k = 0; rc == 0 && k < DN_PROFILE_NQ; k++) {
		double target = qs[k] * (double)(n - 1);
		/* Ranks the estimate could have: [first index >= est, last index <= est]. */
		int64_t lo = 0, hi = n;
		while (lo < hi) {
			int64_t mid = (lo + hi) / 2;
			if (v[mid] < est[k])
				lo = mid + 1;
			else
				hi = mid;
		}
		int64_t first = lo;
		hi = n;
		while (lo < hi) {
			int64_t mid = (lo + hi) / 2;
			if (v[mid] <= est[k])
				lo = mid + 1;
			else
				hi = mid;
		}
		int64_t last = lo - 1;
		double dist = target < (double)first ? (double)first - target :
			      target > (double)last  ? target - (double)last :
						       0;
		if (dist > bound)
			bad = k;
	}
	double bound_frac = bound / (double)n;
	dn_free(v);
	dn_qsketch_release(&s);
	CHECK_INT(rc, 0);
	CHECK_INT(bad, -1);
	CHECK(bound_frac < 0.005); /* the documented 0.3% order at this size */
}

/* One batch of four columns: a of type ta from text, b = "x", c null or "1", d = 7. */
static struct dn_batch *wbatch(enum dn_type ta, const char *const *a, int n, int64_t first,
			       struct dn_error *err)
{
	struct dn_schema s;
	struct dn_builder bl[4];
	static const char *names[] = {"a", "b", "c", "d"};
	enum dn_type types[] = {ta, DN_STRING, DN_STRING, DN_INT64};
	dn_schema_init(&s);
	for (int c = 0; c < 4; c++) {
		dn_schema_add(&s, names[c], 1, types[c], err);
		dn_builder_init(&bl[c], types[c]);
	}
	for (int i = 0; i < n; i++) {
		dn_builder_append_text(&bl[0], a[i], strlen(a[i]), err);
		dn_builder_append_str(&bl[1], "x", 1, err);
		if (first + i == 3)
			dn_builder_append_str(&bl[2], "1", 1, err);
		else
			dn_builder_append_null(&bl[2], err);
		dn_builder_append_i64(&bl[3], 7, err);
	}
	struct dn_batch *b = dn_batch_from_builders(&s, bl, err);
	for (int c = 0; c < 4; c++)
		dn_builder_release(&bl[c]);
	dn_schema_release(&s);
	if (b)
		b->first_row = first;
	return b;
}

/* A column that widens int -> float -> string across batches, and alerts on a small table. */
DN_TEST(profile_widening_and_alerts)
{
	static const char *a1[] = {"1", "2"}, *a2[] = {"3.5"}, *a3[] = {"hello", "5"};
	struct dn_profile *p = NULL;
	const struct dn_profile_result *r;
	struct dn_error err;
	struct dn_batch *b[3];
	int k;
	b[0] = wbatch(DN_INT64, a1, 2, 0, &err);
	b[1] = wbatch(DN_FLOAT64, a2, 1, 2, &err);
	b[2] = wbatch(DN_STRING, a3, 2, 3, &err);
	CHECK(b[0] && b[1] && b[2]);
	k = dn_profile_new(&p, NULL, &err);
	for (int i = 0; i < 3; i++) {
		if (k == 0)
			k = dn_profile_add(p, b[i], &err);
		dn_batch_free(b[i]);
	}
	if (k == 0)
		k = dn_profile_finish(p, &r, &err);
	if (k < 0)
		dn_profile_free(p);
	CHECK_OK(k, &err);
	CHECK_INT(r->rows, 5);
	CHECK_INT(r->columns[0].type, DN_STRING);
	CHECK_INT(r->columns[0].count, 5);
	CHECK_INT(r->columns[0].widened_at, 3);
	CHECK_INT((int64_t)r->columns[0].distinct, 2); /* "hello", "5" */
	int widened = 0, constant = 0, missing = 0;
	for (int i = 0; i < r->nalerts; i++) {
		widened += !strcmp(r->alerts[i].kind, "widened") && r->alerts[i].column == 0;
		constant += !strcmp(r->alerts[i].kind, "constant");
		missing += !strcmp(r->alerts[i].kind, "missing") && r->alerts[i].column == 2;
	}
	CHECK_INT(widened, 1);
	CHECK_INT(constant, 3); /* b, c (one value, 80% missing) and d */
	CHECK_INT(missing, 1);
	/* Reports render without error into a memory stream. */
	char *mem = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&mem, &len);
	CHECK(f);
	k = dn_profile_write_json(r, "w.csv", f, &err);
	if (k == 0)
		k = dn_profile_write_html(r, "w.csv", f, &err);
	if (k == 0)
		k = dn_profile_write_text(r, "w.csv", f, &err);
	fclose(f);
	int has_url = mem && strstr(mem, "http") != NULL;
	free(mem);
	dn_profile_free(p);
	CHECK_OK(k, &err);
	CHECK(!has_url);
}

/* One int64 or float64 column "v" of n rows, row i holding f(i). */
static struct dn_batch *vbatch(enum dn_type t, int n, double (*f)(int), struct dn_error *err)
{
	struct dn_schema s;
	struct dn_builder bl;
	dn_schema_init(&s);
	dn_schema_add(&s, "v", 1, t, err);
	dn_builder_init(&bl, t);
	for (int i = 0; i < n; i++) {
		if (t == DN_INT64)
			dn_builder_append_i64(&bl, (int64_t)f(i), err);
		else
			dn_builder_append_f64(&bl, f(i), err);
	}
	struct dn_batch *b = dn_batch_from_builders(&s, &bl, err);
	dn_builder_release(&bl);
	dn_schema_release(&s);
	return b;
}

/* One int64 column "v": beyond 2^53, where doubles no longer tell integers apart. */
static struct dn_batch *bigbatch(int n, struct dn_error *err)
{
	struct dn_schema s;
	struct dn_builder bl;
	dn_schema_init(&s);
	dn_schema_add(&s, "v", 1, DN_INT64, err);
	dn_builder_init(&bl, DN_INT64);
	for (int i = 0; i < n; i++)
		dn_builder_append_i64(&bl, (INT64_C(1) << 53) + 1 + i % 3, err);
	struct dn_batch *b = dn_batch_from_builders(&s, &bl, err);
	dn_builder_release(&bl);
	dn_schema_release(&s);
	return b;
}

static double v_small(int i)
{
	return (double)((i * i) % 97 + 1);
}

static double v_far(int i)
{
	return 1e6 + i % 13;
}

static double v_float(int i)
{
	return i % 100 == 0 ? 0.5 : (double)(i % 7 + 1);
}

/* The three ways a numeric column's values are counted give the same distinct count and top
 * values (texts, counts, order):
 * - within the exact row bound, from runs in the sorted values at the end (run 0), here
 *   after integers beyond 2^53 made the column count them as they come (doubles would merge
 *   them) and after widening to float64;
 * - in place while integers stay in a small range, then in the exact table (run 1);
 * - in the exact table from the start (run 2: an exact_distinct below the in-place range). */
DN_TEST(profile_integer_counts)
{
	enum { RUNS = 3 };
	const struct dn_profile_result *r[RUNS];
	struct dn_profile *p[RUNS] = {NULL, NULL, NULL};
	struct dn_error err;
	int k = 0;
	for (int run = 0; run < RUNS && k == 0; run++) {
		struct dn_profile_options po;
		dn_profile_options_init(&po);
		po.exact_distinct = run == 2 ? 1000 : 100000;
		po.exact_rows = run ? 0 : 100000;
		po.top = 200; /* every value: the order of ties too */
		struct dn_batch *b[4] = {vbatch(DN_INT64, 5000, v_small, &err),
					 vbatch(DN_INT64, 3000, v_far, &err), bigbatch(7, &err),
					 vbatch(DN_FLOAT64, 2000, v_float, &err)};
		CHECK(b[0] && b[1] && b[2] && b[3]);
		k = dn_profile_new(&p[run], &po, &err);
		for (int i = 0; i < 4; i++) {
			if (k == 0)
				k = dn_profile_add(p[run], b[i], &err);
			dn_batch_free(b[i]);
		}
		if (k == 0)
			k = dn_profile_finish(p[run], &r[run], &err);
	}
	if (k < 0)
		for (int run = 0; run < RUNS; run++)
			dn_profile_free(p[run]);
	CHECK_OK(k, &err);
	/* The distinct values, counted the plain way: small ones by value, 13 far ones, 3 past
	 * 2^53, 0.5. */
	int distinct = 13 + 3 + 1;
	char seen[100] = {0};
	for (int i = 0; i < 5000; i++)
		seen[(int)v_small(i)] = 1;
	for (int i = 0; i < 2000; i++)
		if (v_float(i) >= 1)
			seen[(int)v_float(i)] = 1;
	for (int v = 0; v < 100; v++)
		distinct += seen[v];
	const struct dn_profile_column *a = &r[0]->columns[0];
	int same = 1, exact = 1;
	for (int run = 1; run < RUNS; run++) {
		const struct dn_profile_column *c = &r[run]->columns[0];
		same &= a->ntop == c->ntop && a->distinct == c->distinct;
		for (int i = 0; same && i < a->ntop; i++)
			same = a->top[i].count == c->top[i].count &&
			       !strcmp(a->top[i].text, c->top[i].text);
		exact &= c->distinct_exact && c->top_exact;
	}
	int64_t n = (int64_t)a->distinct;
	exact &= a->distinct_exact && a->top_exact && r[0]->columns[0].quantiles_exact;
	/* The values past 2^53 keep their own counts (7 rows: 3, 2, 2). */
	int big = 0;
	for (int i = 0; i < a->ntop; i++)
		big += !strcmp(a->top[i].text, "9007199254740993") && a->top[i].count == 3;
	for (int run = 0; run < RUNS; run++)
		dn_profile_free(p[run]);
	CHECK(exact);
	CHECK_INT(n, distinct);
	CHECK(same);
	CHECK_INT(big, 1);
}

/* Row i of the bool test: null, true or false; each batch of 700 starts with another value. */
static int bool_at(int i)
{
	int j = i % 700 == 0 ? i / 700 : i * 7 + i / 11;
	return j % 5 == 0 ? -1 : j % 3 == 0; /* -1: null */
}

/* A bool column's counts are the same whichever way they are taken: from the sorted values
 * within the exact bound, as two counts a batch in the exact table, and one row at a time in a
 * Misra-Gries sketch (an exact table of one value); with nulls, and batches that start with
 * either value. */
DN_TEST(profile_bool_counts)
{
	enum { RUNS = 3, ROWS = 7000 };
	int64_t want[2] = {0, 0};
	for (int i = 0; i < ROWS; i++)
		if (bool_at(i) >= 0)
			want[bool_at(i)]++;
	int ok = 1;
	for (int run = 0; run < RUNS && ok; run++) {
		struct dn_profile_options po;
		struct dn_profile *p = NULL;
		const struct dn_profile_result *r = NULL;
		struct dn_error err;
		dn_profile_options_init(&po);
		po.exact_rows = run ? 0 : 100000;
		po.exact_distinct = run == 2 ? 1 : 100000;
		int k = dn_profile_new(&p, &po, &err);
		for (int first = 0; k == 0 && first < ROWS; first += 700) {
			struct dn_schema s;
			struct dn_builder bl;
			dn_schema_init(&s);
			dn_schema_add(&s, "b", 1, DN_BOOL, &err);
			dn_builder_init(&bl, DN_BOOL);
			for (int i = first; i < first + 700; i++) {
				if (bool_at(i) < 0)
					dn_builder_append_null(&bl, &err);
				else
					dn_builder_append_bool(&bl, bool_at(i), &err);
			}
			struct dn_batch *b = dn_batch_from_builders(&s, &bl, &err);
			dn_builder_release(&bl);
			dn_schema_release(&s);
			k = b ? dn_profile_add(p, b, &err) : DN_ENOMEM;
			dn_batch_free(b);
		}
		if (k == 0)
			k = dn_profile_finish(p, &r, &err);
		CHECK_OK(k, &err);
		if (k == 0) {
			const struct dn_profile_column *c = &r->columns[0];
			int64_t got[2] = {-1, -1};
			for (int t = 0; t < c->ntop; t++)
				got[!strcmp(c->top[t].text, "true")] = c->top[t].count;
			if (got[0] != want[0] || got[1] != want[1] ||
			    c->missing != ROWS - want[0] - want[1]) {
				dn_test_fail(dn_t_, __FILE__, __LINE__,
					     "run %d: false %lld true %lld, want %lld and %lld",
					     run, (long long)got[0], (long long)got[1],
					     (long long)want[0], (long long)want[1]);
				ok = 0;
			}
			CHECK(run == 2 || c->top_exact);
		}
		dn_profile_free(p);
	}
}

/* Duplicate rows: a column whose values are all present and strictly increasing proves every
 * row distinct (no sort of the row hashes); one that only does not decrease, or has a null,
 * proves nothing, and the rows are counted. */
static int64_t dup_rows(int mode)
{
	struct dn_profile_options po;
	struct dn_profile *p = NULL;
	const struct dn_profile_result *r = NULL;
	struct dn_error err;
	struct dn_schema s;
	struct dn_builder b[2];
	dn_profile_options_init(&po);
	dn_schema_init(&s);
	dn_schema_add(&s, "id", 2, DN_INT64, &err);
	dn_schema_add(&s, "k", 1, DN_INT64, &err);
	dn_builder_init(&b[0], DN_INT64);
	dn_builder_init(&b[1], DN_INT64);
	for (int i = 0; i < 1000; i++) {
		if (mode == 2 && i == 500)
			dn_builder_append_null(&b[0], &err);
		else
			dn_builder_append_i64(&b[0], mode == 1 ? i / 2 : i, &err);
		dn_builder_append_i64(&b[1], 7, &err);
	}
	struct dn_batch *bt = dn_batch_from_builders(&s, b, &err);
	dn_builder_release(&b[0]);
	dn_builder_release(&b[1]);
	dn_schema_release(&s);
	int64_t dups = -2;
	if (bt && dn_profile_new(&p, &po, &err) == 0 && dn_profile_add(p, bt, &err) == 0 &&
	    dn_profile_finish(p, &r, &err) == 0)
		dups = r->duplicate_rows;
	dn_batch_free(bt);
	dn_profile_free(p);
	return dups;
}

DN_TEST(profile_duplicates_increasing)
{
	CHECK_INT(dup_rows(0), 0);   /* ids 0..999: distinct */
	CHECK_INT(dup_rows(1), 500); /* ids 0, 0, 1, 1...: every second row repeats */
	CHECK_INT(dup_rows(2), 0);   /* a null among the ids: counted, none repeats */
}

/* Every allocation of a profile (new, add, finish, reports), failed in turn: a clean DN_ENOMEM
 * or a complete result, never a crash or a leak (the ASan run checks leaks). */
DN_TEST(profile_alloc_failures)
{
	struct dn_read_options ro;
	struct dn_reader *rd = NULL;
	struct dn_batch *b[64];
	struct dn_error err;
	int nb = 0, k;
	dn_read_options_init(&ro);
	ro.batch_rows = 150; /* four batches of it: 600 rows keep the loop short under ASan */
	CHECK_OK(dn_reader_open(&rd, dn_test_case_path("profile/data.csv"), DN_FORMAT_UNKNOWN, &ro,
				&err),
		 &err);
	while (nb < 4 && (k = dn_reader_next(rd, &b[nb], &err)) > 0)
		nb++;
	dn_reader_free(rd);
	int done = 0;
	for (uint64_t n = 1; !done && n < 100000; n++) {
		struct dn_profile *p = NULL;
		const struct dn_profile_result *r;
		struct dn_profile_options po;
		dn_profile_options_init(&po);
		po.exact_distinct = n % 4 == 2 ? 100000 : 100; /* the sketch paths too */
		po.exact_rows = n & 1 ? 300 : 100000;
		dn_alloc_fail_after(n);
		k = dn_profile_new(&p, &po, &err);
		for (int i = 0; k == 0 && i < nb; i++)
			k = dn_profile_add(p, b[i], &err);
		if (k == 0)
			k = dn_profile_finish(p, &r, &err);
		FILE *f = k == 0 ? fopen("/dev/null", "w") : NULL;
		if (f) {
			k = dn_profile_write_text(r, "x", f, &err);
			fclose(f);
		}
		uint64_t used = dn_alloc_fail_after(0);
		dn_profile_free(p);
		if (k < 0 && k != DN_ENOMEM) {
			for (int i = 0; i < nb; i++)
				dn_batch_free(b[i]);
			CHECK_INT(k, DN_ENOMEM);
		}
		done = k == 0 && used < n;
	}
	for (int i = 0; i < nb; i++)
		dn_batch_free(b[i]);
	CHECK_INT(nb, 4);
	CHECK(done);
}

/* p-values: agree with scipy to 1e-9 relative, or 1e-15 absolute near 1 (1 - cdf there). */
static int p_close(double a, double b)
{
	if (isnan(a) || isnan(b))
		return isnan(a) && isnan(b);
	return fabs(a - b) <= 1e-9 * fmax(fabs(a), fabs(b)) + 1e-15;
}

/* The distributions behind the p-values, against scipy at points in the bulk and the tails. */
DN_TEST(profile_distributions)
{
	struct dn_error err;
	struct dn_arena a;
	struct dn_buf text = DN_BUF_INIT;
	struct dn_jv *exp = NULL;
	dn_arena_init(&a, 1 << 16);
	int ok = dn_read_file(dn_test_case_path("profile/assoc_expected.json"), &text, 0, &err) ==
			 0 &&
		 dn_jv_parse(&a, "assoc_expected.json", text.data, text.len, &exp, &err) == 0;
	dn_buf_release(&text);
	CHECK(ok);
	const struct dn_jv *d = dn_jv_get(exp, "distributions");
	CHECK(d && d->n > 20);
	for (size_t i = 0; i < d->n; i++) {
		const struct dn_jv *e = &d->items[i];
		const char *fn = e->items[0].str;
		const struct dn_jv *x = &e->items[1];
		double want = e->items[2].num, got;
		if (!strcmp(fn, "t_p2"))
			got = dn_stat_t_p2(x->items[0].num, x->items[1].num);
		else if (!strcmp(fn, "f_sf"))
			got = dn_stat_f_sf(x->items[0].num, x->items[1].num, x->items[2].num);
		else if (!strcmp(fn, "chi2_sf"))
			got = dn_stat_chi2_sf(x->items[0].num, x->items[1].num);
		else if (!strcmp(fn, "norm_sf"))
			got = dn_stat_norm_sf(x->items[0].num);
		else if (!strcmp(fn, "kolmogorov_sf"))
			got = dn_stat_kolmogorov_sf(x->items[0].num);
		else if (!strcmp(fn, "beta_inc"))
			got = dn_stat_beta_inc(x->items[0].num, x->items[1].num, x->items[2].num);
		else if (!strcmp(fn, "gamma_q"))
			got = dn_stat_gamma_q(x->items[0].num, x->items[1].num);
		else
			got = NAN;
		if (!p_close(got, want)) {
			dn_test_fail(dn_t_, __FILE__, __LINE__, "%s #%zu == %.17g, expected %.17g",
				     fn, i, got, want);
			goto out;
		}
	}
	CHECK(isnan(dn_stat_t_p2(1, 0)));
	CHECK(dn_stat_chi2_sf(0, 3) == 1);
	CHECK(dn_stat_f_sf(INFINITY, 2, 3) == 0);
out:
	dn_arena_release(&a);
}

static int check_assoc(struct dn_test_ctx *dn_t_, const struct dn_profile_result *r,
		       const struct dn_jv *want)
{
	int checked = 0;
	for (int i = 0; i < r->nassoc; i++) {
		const struct dn_profile_assoc *o = &r->assoc[i];
		const char *name = r->columns[o->column].name;
		const struct dn_jv *e = dn_jv_get(want, name);
		if (!e) {
			dn_test_fail(dn_t_, __FILE__, __LINE__, "%s: not expected", name);
			return -1;
		}
		const struct dn_jv *test = dn_jv_get(e, "test");
		if (!o->test || strcmp(o->test, test->str)) {
			dn_test_fail(dn_t_, __FILE__, __LINE__, "%s: test %s, expected %s", name,
				     o->test ? o->test : "(none)", test->str);
			return -1;
		}
		struct {
			const char *key;
			double got;
			int p;
		} f[] = {{"statistic", o->statistic, 0},
			 {"df", o->df1, 0},
			 {"df2", o->df2, 0},
			 {"effect", o->effect, 0},
			 {"p", o->p, 1},
			 {"mann_whitney_u", o->mw_u, 0},
			 {"mann_whitney_p", o->mw_p, 1},
			 {"ks_d", o->ks_d, 0},
			 {"ks_p", o->ks_p, 1},
			 {"rows", (double)o->n, 0},
			 {"rank", o->rank, 0}};
		for (size_t k = 0; k < sizeof f / sizeof *f; k++) {
			double w = jnum(e, f[k].key);
			if (!dn_jv_get(e, f[k].key))
				w = NAN;
			if (f[k].p ? !p_close(f[k].got, w) : !close_to(f[k].got, w)) {
				dn_test_fail(dn_t_, __FILE__, __LINE__,
					     "%s %s == %.17g, expected %.17g", name, f[k].key,
					     f[k].got, w);
				return -1;
			}
		}
		checked++;
	}
	return checked;
}

/* Every feature against three targets (binary 0/1 int, three string classes, a float), and
 * Cramér's V, against scipy: tests/cases/profile/assoc_expected.json. Batches of 97 rows
 * exercise the merges; the second pass keeps only 500 rows exactly, so the rank tests run on
 * the sample: then they cover fewer rows and the moment-based tests do not change. */
DN_TEST(profile_associations)
{
	struct dn_error err;
	struct dn_arena a;
	struct dn_buf text = DN_BUF_INIT;
	struct dn_jv *exp = NULL;
	dn_arena_init(&a, 1 << 16);
	int ok = dn_read_file(dn_test_case_path("profile/assoc_expected.json"), &text, 0, &err) ==
			 0 &&
		 dn_jv_parse(&a, "assoc_expected.json", text.data, text.len, &exp, &err) == 0;
	dn_buf_release(&text);
	CHECK(ok);
	const char *targets[] = {"y_bin", "y_cls", "y_num"};
	const char *kinds[] = {"binary", "categorical", "numeric"};
	for (int t = 0; t < 3; t++) {
		struct dn_profile_options po;
		struct dn_profile *p = NULL;
		const struct dn_profile_result *r = NULL;
		dn_profile_options_init(&po);
		po.target = targets[t];
		if (profile_file(dn_test_case_path("profile/assoc.csv"), 97, &po, &p, &r, &err) <
		    0) {
			char buf[1024];
			dn_test_fail(dn_t_, __FILE__, __LINE__, "%s",
				     dn_error_format(&err, buf, sizeof buf));
			dn_profile_free(p);
			goto out;
		}
		CHECK_STR(r->target_kind, kinds[t]);
		CHECK_INT(r->nassoc, 7);
		const struct dn_jv *want = dn_jv_get(dn_jv_get(exp, "targets"), targets[t]);
		int n = check_assoc(dn_t_, r, want);
		if (t == 0) {
			CHECK_STR(r->class_lo, "0");
			CHECK_STR(r->class_hi, "1");
		}
		if (t == 0 && n == 7) {
			/* Cramér's V: x3, x4, y_cls */
			const struct dn_jv *cv = dn_jv_get(exp, "cramers_v");
			CHECK_INT(r->ncat, 3);
			CHECK_NEAR(r->cramer[0 * 3 + 1], jnum(cv, "x3~x4"));
			CHECK_NEAR(r->cramer[0 * 3 + 2], jnum(cv, "x3~y_cls"));
			CHECK_NEAR(r->cramer[1 * 3 + 2], jnum(cv, "x4~y_cls"));
			CHECK_NEAR(r->cramer[2 * 3 + 1], jnum(cv, "x4~y_cls"));
		}
		dn_profile_free(p);
		if (n != 7)
			goto out;
	}
	/* Beyond exact_rows: the rank tests use the uniform sample, the rest stays exact. */
	{
		struct dn_profile_options po;
		struct dn_profile *p = NULL;
		const struct dn_profile_result *r = NULL;
		dn_profile_options_init(&po);
		po.target = "y_bin";
		po.exact_rows = 500;
		po.sample_rows = 500;
		CHECK(profile_file(dn_test_case_path("profile/assoc.csv"), 97, &po, &p, &r, &err) ==
		      0);
		const struct dn_jv *want = dn_jv_get(dn_jv_get(exp, "targets"), "y_bin");
		for (int i = 0; i < r->nassoc; i++) {
			const struct dn_profile_assoc *o = &r->assoc[i];
			const struct dn_jv *e = dn_jv_get(want, r->columns[o->column].name);
			CHECK_NEAR(o->statistic, jnum(e, "statistic"));
			CHECK_NEAR(o->p, jnum(e, "p"));
			if (!isnan(o->mw_u)) {
				CHECK(o->rank_rows > 0 && o->rank_rows <= 500);
				/* x1's shift still shows on the sample */
				if (!strcmp(r->columns[o->column].name, "x1"))
					CHECK(o->mw_p < 1e-3 && o->ks_d > 0.05);
			}
		}
		dn_profile_free(p);
	}
out:
	dn_arena_release(&a);
}

/* Spearman with nulls in both columns of a pair, and ties: against average ranks over the
 * pairwise complete rows, sorted here, and Pearson on them in long double. A pair whose ranks
 * agree exactly gives exactly 1. */
struct rank_ref {
	double v;
	int row;
};

static int cmp_rank_ref(const void *a, const void *b)
{
	const struct rank_ref *x = a, *y = b;
	return x->v < y->v ? -1 : x->v > y->v;
}

static double spearman_ref(const double *x, const double *y, int n)
{
	struct rank_ref *a = malloc(sizeof *a * (size_t)n), *b = malloc(sizeof *b * (size_t)n);
	long double *ra = malloc(sizeof *ra * (size_t)n), *rb = malloc(sizeof *rb * (size_t)n);
	int m = 0;
	for (int i = 0; i < n; i++)
		if (!isnan(x[i]) && !isnan(y[i])) {
			a[m] = (struct rank_ref){x[i], m};
			b[m] = (struct rank_ref){y[i], m};
			m++;
		}
	struct rank_ref *v[2] = {a, b};
	long double *rk[2] = {ra, rb};
	for (int k = 0; k < 2; k++) {
		qsort(v[k], (size_t)m, sizeof *a, cmp_rank_ref);
		for (int i = 0, j; i < m; i = j) {
			for (j = i; j < m && v[k][j].v == v[k][i].v; j++)
				;
			for (int t = i; t < j; t++)
				rk[k][v[k][t].row] = (long double)(i + j + 1) / 2;
		}
	}
	long double ma = 0, mb = 0, c = 0, va = 0, vb = 0;
	for (int i = 0; i < m; i++) {
		ma += ra[i] / m;
		mb += rb[i] / m;
	}
	for (int i = 0; i < m; i++) {
		c += (ra[i] - ma) * (rb[i] - mb);
		va += (ra[i] - ma) * (ra[i] - ma);
		vb += (rb[i] - mb) * (rb[i] - mb);
	}
	free(a);
	free(b);
	free(ra);
	free(rb);
	return (double)(c / sqrtl(va * vb));
}

DN_TEST(profile_spearman_nulls_ties)
{
	enum { N = 3000, C = 4 };
	static double v[C][N];
	const char *names[C] = {"x", "y", "z", "w"};
	struct dn_profile_options po;
	struct dn_profile *p = NULL;
	const struct dn_profile_result *r = NULL;
	struct dn_error err;
	struct dn_schema s;
	struct dn_builder b[C];
	uint64_t st = 12345;
	dn_profile_options_init(&po);
	dn_schema_init(&s);
	for (int c = 0; c < C; c++) {
		CHECK_OK(dn_schema_add(&s, names[c], 1, DN_FLOAT64, &err), &err);
		dn_builder_init(&b[c], DN_FLOAT64);
	}
	for (int i = 0; i < N; i++) {
		st = st * 6364136223846793005u + 1442695040888963407u;
		uint32_t u = (uint32_t)(st >> 33);
		v[0][i] = u % 7 == 0 ? NAN : (double)(u % 50);             /* ties, nulls */
		v[1][i] = u % 11 == 3 ? NAN : (double)((u >> 8) % 40) / 4; /* others */
		v[2][i] = (double)((u >> 16) % 90);                        /* ties, no null */
		v[3][i] = isnan(v[0][i]) ? NAN : 2 * v[0][i] + 1;          /* x's ranks exactly */
		for (int c = 0; c < C; c++) {
			if (isnan(v[c][i]))
				dn_builder_append_null(&b[c], &err);
			else
				dn_builder_append_f64(&b[c], v[c][i], &err);
		}
	}
	struct dn_batch *bt = dn_batch_from_builders(&s, b, &err);
	for (int c = 0; c < C; c++)
		dn_builder_release(&b[c]);
	dn_schema_release(&s);
	CHECK(bt != NULL);
	CHECK_OK(dn_profile_new(&p, &po, &err), &err);
	CHECK_OK(dn_profile_add(p, bt, &err), &err);
	dn_batch_free(bt);
	CHECK_OK(dn_profile_finish(p, &r, &err), &err);
	CHECK_INT(r->ncorr, C);
	CHECK(r->spearman_exact);
	for (int a = 0; a < C; a++)
		for (int c = 0; c < C; c++) {
			double want = a == c ? 1 : spearman_ref(v[a], v[c], N);
			double got = r->spearman[a * C + c];
			if (!(fabs(got - want) <= 1e-13 * fabs(want) + 1e-15))
				dn_test_fail(dn_t_, __FILE__, __LINE__,
					     "spearman %s/%s == %.17g, expected %.17g", names[a],
					     names[c], got, want);
		}
	CHECK(r->spearman[0 * C + 3] == 1); /* w's ranks are x's: exactly 1 */
	dn_profile_free(p);
}

/* A target's classes leave out nulls (as pandas' groupby) and the target itself; a string
 * target of more than 64 distinct values is still categorical, its tests noted as having too
 * many classes. */
static const struct dn_profile_result *profile_text(const char *name, const char *text,
						    const char *target, struct dn_profile **p)
{
	char path[1024];
	const struct dn_profile_result *r = NULL;
	struct dn_profile_options po;
	struct dn_error err;
	snprintf(path, sizeof path, "%s/%s", dn_test_tmpdir(), name);
	FILE *f = fopen(path, "w");
	if (!f)
		return NULL;
	fputs(text, f);
	fclose(f);
	dn_profile_options_init(&po);
	po.target = target;
	if (profile_file(path, 0, &po, p, &r, &err) < 0)
		return NULL;
	return r;
}

DN_TEST(profile_target_class_rules)
{
	struct dn_profile *p = NULL;
	const struct dn_profile_result *r = profile_text(
		"tn.csv", "t,x,b\nu,1,true\nv,2,false\n,30,true\nu,3,true\nv,5,false\n,40,false\n",
		"t", &p);
	CHECK(r != NULL);
	CHECK_INT(r->nclasses, 2);
	CHECK_STR(r->classes[0].value, "u");
	CHECK_INT(r->classes[0].count, 2);
	CHECK_NEAR(r->classes[0].means[0], 2);
	CHECK_INT(r->other_rows, 0);
	dn_profile_free(p);
	/* a bool target: its own column has no mean per class */
	p = NULL;
	r = profile_text("tb.csv", "x,b\n1,true\n2,false\n3,true\n4,false\n", "b", &p);
	CHECK(r != NULL);
	CHECK_INT(r->nclasses, 2);
	CHECK_INT(r->ncorr, 2);
	CHECK(isnan(r->classes[0].means[1]));
	dn_profile_free(p);
	/* 65 classes */
	struct dn_buf b = DN_BUF_INIT;
	dn_buf_puts(&b, "t,x\n", NULL);
	for (int i = 0; i < 200; i++)
		dn_buf_printf(&b, NULL, "c%d,%d\n", i % 65, i);
	p = NULL;
	r = profile_text("tn65.csv", b.data, "t", &p);
	dn_buf_release(&b);
	CHECK(r != NULL);
	CHECK_STR(r->target_kind, "categorical");
	CHECK(r->nassoc >= 1);
	CHECK_STR(r->assoc[0].note, "the target has more than 32 classes");
	dn_profile_free(p);
}

/* int64 and timestamp min and max are exact past 2^53, where doubles round: in the result and
 * in the JSON report. */
DN_TEST(profile_exact_int_extremes)
{
	struct dn_profile *p = NULL;
	const struct dn_profile_result *r =
		profile_text("big.csv",
			     "a,t\n9007199254740993,9999-12-31T23:59:59.999999Z\n"
			     "9007199254740995,2300-01-01T00:00:00.000003Z\n"
			     "-9223372036854775807,\n",
			     NULL, &p);
	CHECK(r != NULL);
	CHECK(r->columns[0].exact_int && r->columns[1].exact_int);
	CHECK(r->columns[0].imin == -INT64_C(9223372036854775807));
	CHECK(r->columns[0].imax == INT64_C(9007199254740995));
	CHECK(r->columns[1].imax == INT64_C(253402300799999999));
	char *json = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&json, &len);
	CHECK(f != NULL);
	struct dn_error err;
	CHECK_OK(dn_profile_write_json(r, "big.csv", f, &err), &err);
	fclose(f);
	CHECK(strstr(json, "\"max\":9007199254740995") != NULL);
	CHECK(strstr(json, "\"max\":\"9999-12-31T23:59:59.999999Z\"") != NULL);
	free(json);
	dn_profile_free(p);
}

/* ±inf: left out of correlations (as pandas' corr()) and of the histogram (bins over the
 * finite values); quantiles between two infs are inf, not NaN. */
DN_TEST(profile_infinities)
{
	struct dn_profile *p = NULL;
	const struct dn_profile_result *r =
		profile_text("inf.csv", "a,b\n-inf,1\n1.5,2\n2.5,3\ninf,4\ninf,5\n", NULL, &p);
	CHECK(r != NULL);
	CHECK_INT(r->ncorr, 2);
	CHECK_NEAR(r->pearson[1], 1); /* rows 2 and 3 only */
	CHECK_NEAR(r->spearman[1], 1);
	const struct dn_profile_column *a = &r->columns[0];
	CHECK_INT(a->nbins, 20);
	CHECK_NEAR(a->edges[0], 1.5);
	CHECK_NEAR(a->edges[20], 2.5);
	CHECK_NEAR(a->hist[0] + a->hist[19], 2);
	CHECK(isinf(a->max) && a->max > 0);
	CHECK(isinf(a->q[DN_PROFILE_NQ - 1]) && a->q[DN_PROFILE_NQ - 1] > 0); /* p99: inf */
	dn_profile_free(p);
}

/* A constant feature against a binary target: no test, a note saying why, and Mann-Whitney's
 * p of 1 for values that are all tied (as scipy). */
DN_TEST(profile_target_constant_feature)
{
	struct dn_profile *p = NULL;
	const struct dn_profile_result *r =
		profile_text("cc.csv", "y,c,x\n0,3,1\n0,3,2\n1,3,3\n1,3,5\n", "y", &p);
	CHECK(r != NULL);
	int seen = 0;
	for (int i = 0; i < r->nassoc; i++) {
		const struct dn_profile_assoc *o = &r->assoc[i];
		if (strcmp(r->columns[o->column].name, "c"))
			continue;
		seen = 1;
		CHECK(o->note && strstr(o->note, "constant"));
		CHECK(isnan(o->p));
		CHECK_NEAR(o->mw_p, 1);
	}
	CHECK(seen);
	dn_profile_free(p);
}

/* A constant column has no correlation, not even with itself (NaN on the diagonal, as pandas). */
DN_TEST(profile_constant_diagonal)
{
	struct dn_profile *p = NULL;
	const struct dn_profile_result *r =
		profile_text("k.csv", "a,b,c\n1,3,1\n2,3,5\n3,3,2\n", NULL, &p);
	CHECK(r != NULL);
	CHECK_INT(r->ncorr, 3);
	CHECK_NEAR(r->pearson[0], 1);
	CHECK(isnan(r->pearson[1 * 3 + 1]) && isnan(r->spearman[1 * 3 + 1]));
	CHECK_NEAR(r->spearman[2 * 3 + 2], 1);
	dn_profile_free(p);
}
