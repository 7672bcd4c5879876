/* Quality checks: the suite parser's problems, the streaming evaluation across batch
 * boundaries (accumulators, hash sets, samples, quarantine), and history-based anomalies
 * through the metadata store. */
#include <math.h>
#include <stdlib.h>

#include <sqlite3.h>

#include "../../src/pipeline/pipeline.h"
#include "../../src/quality/quality.h"
#include "../test.h"

static int parse(struct dn_suite **s, const char *text, struct dn_problems *probs)
{
	struct dn_error err;
	dn_error_clear(&err);
	return dn_suite_parse(s, "suite.yaml", text, strlen(text), probs, &err);
}

/* n rows: id = i, grp = i % 7 (null when i % 11 == 0), amount = i / 2.0. */
static struct dn_batch *batch(int64_t first, int64_t n)
{
	struct dn_schema sc;
	struct dn_builder b[3];
	static const char *const names[] = {"id", "grp", "amount"};
	static const enum dn_type types[] = {DN_INT64, DN_STRING, DN_FLOAT64};
	dn_schema_init(&sc);
	for (int k = 0; k < 3; k++) {
		dn_schema_add(&sc, names[k], strlen(names[k]), types[k], NULL);
		dn_builder_init(&b[k], types[k]);
	}
	for (int64_t i = first; i < first + n; i++) {
		char g[8];
		snprintf(g, sizeof g, "g%d", (int)(i % 7));
		dn_builder_append_i64(&b[0], i, NULL);
		if (i % 11 == 0)
			dn_builder_append_null(&b[1], NULL);
		else
			dn_builder_append_str(&b[1], g, strlen(g), NULL);
		dn_builder_append_f64(&b[2], (double)i / 2.0, NULL);
	}
	struct dn_batch *out = dn_batch_from_builders(&sc, b, NULL);
	out->first_row = first;
	for (int k = 0; k < 3; k++)
		dn_builder_release(&b[k]);
	dn_schema_release(&sc);
	return out;
}

struct sink {
	int64_t rows;
	int batches;
};

static int sink_fn(void *user, const struct dn_batch *b, struct dn_error *err)
{
	struct sink *k = user;
	(void)err;
	k->rows += b->nrows;
	k->batches++;
	return 0;
}

DN_TEST(quality_suite_problems)
{
	struct dn_problems probs;
	struct dn_suite *s = NULL;
	dn_problems_init(&probs);
	CHECK_INT(parse(&s, "checks:\n  - uniqe: id\n  - range: {column: a, mni: 1}\n", &probs),
		  DN_EPARSE);
	CHECK(s == NULL);
	CHECK_INT(probs.n, 2);
	CHECK_INT(probs.v[0].line, 2);
	CHECK_INT(probs.v[0].column, 5);
	CHECK(strstr(probs.v[0].msg, "did you mean 'unique'"));
	CHECK_INT(probs.v[1].line, 3);
	CHECK(strstr(probs.v[1].msg, "did you mean 'min'"));
	dn_problems_release(&probs);

	dn_problems_init(&probs);
	CHECK_INT(parse(&s, "checks:\n  - not_null: a\n  - not_null: a\n", &probs), DN_EPARSE);
	CHECK(strstr(probs.v[0].msg, "a second check named 'not_null(a)'"));
	dn_problems_release(&probs);

	dn_problems_init(&probs);
	CHECK_INT(parse(&s, "suite: x\nchecks:\n  - freshness: {column: t, max_age: 36h}\n",
			&probs),
		  0);
	CHECK_INT(s->checks[0].max_age_us, INT64_C(36) * 3600 * 1000000);
	CHECK_STR(s->name, "x");
	dn_suite_free(s);
	dn_problems_release(&probs);

	/* Keys written twice, bounds no value could meet, percentages out of 0..100, durations:
	 * each a problem at its place, with what to do. */
	static const struct {
		const char *yaml, *want;
		int line;
	} mistakes[] = {
		{"checks:\n  - not_null: a\nchecks:\n  - row_count: {min: 1}\n",
		 "key 'checks' appears twice (first on line 1)", 3},
		{"checks:\n  - range: {column: a, min: 0, min: 1000}\n", "key 'min' appears twice",
		 2},
		{"checks:\n  - range: {column: a, min: 10, max: 1}\n",
		 "min (10) is above max (1): no value could pass", 2},
		{"checks:\n  - length: {column: a, min: -1}\n", "min is negative", 2},
		{"checks:\n  - missing_percent: {column: a, max: -10}\n",
		 "max: -10 is not a percentage from 0 to 100", 2},
		{"checks:\n  - duplicate_percent: {max: 500}\n",
		 "max: 500 is not a percentage from 0 to 100", 2},
		{"checks:\n  - freshness: {column: a, max_age: 99999d}\n", "longer than 100 years",
		 2},
		{"checks:\n  - freshness: {column: a, max_age: soon}\n", "is not a duration", 2},
	};
	for (size_t i = 0; i < sizeof mistakes / sizeof mistakes[0]; i++) {
		dn_problems_init(&probs);
		CHECK_INT(parse(&s, mistakes[i].yaml, &probs), DN_EPARSE);
		if (probs.n < 1 || !strstr(probs.v[0].msg, mistakes[i].want) ||
		    probs.v[0].line != mistakes[i].line)
			dn_test_fail(dn_t_, __FILE__, __LINE__, "%s: got %s at line %lld",
				     mistakes[i].yaml, probs.n ? probs.v[0].msg : "nothing",
				     probs.n ? (long long)probs.v[0].line : 0LL);
		dn_problems_release(&probs);
	}
	/* arrival_delay's max is a duration, a bare number being seconds */
	dn_problems_init(&probs);
	CHECK_INT(parse(&s, "checks:\n  - arrival_delay: {column: a, event_column: b, max: 3600}\n",
			&probs),
		  0);
	CHECK_INT(s->checks[0].max_age_us, INT64_C(3600) * 1000000);
	dn_suite_free(s);
	dn_problems_release(&probs);

	/* Conditions: comparisons joined by and / or, each with a column; anything else is named
	 * with the condition as written. */
	static const char *const bad[] =
		{"a > 1 and",
		 "a > 1 xor b < 2",
		 "a > 1 andb < 2",
		 "1 = 1",
		 "a > 1 or 2 < 3",
		 "a >",
		 "and a > 1",
		 "a > 1 and and b < 2",
		 "a = 1 or a = 2 or a = 3 or a = 4 or a = 5 or a = 6 or a = 7 or a = 8 or a = 9 or "
		 "a = 10 or a = 11 or a = 12 or a = 13 or a = 14 or a = 15 or a = 16 or a = 17"};
	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		char y[512];
		snprintf(y, sizeof y, "checks:\n  - expression: \"%s\"\n", bad[k]);
		dn_problems_init(&probs);
		int rc = parse(&s, y, &probs);
		if (rc != DN_EPARSE || probs.n != 1 || !strstr(probs.v[0].msg, bad[k]))
			dn_test_fail(dn_t_, __FILE__, __LINE__, "'%s' gave %d: %s", bad[k], rc,
				     probs.n ? probs.v[0].msg : "no problem");
		dn_problems_release(&probs);
	}
	dn_problems_init(&probs);
	CHECK_INT(parse(&s,
			"checks:\n  - expression: \"a > 1 AND b <= 'x y' Or c != 2.5\"\n"
			"  - not_null: {column: a, where: \"b = 'and' and c = 1\"}\n",
			&probs),
		  0);
	CHECK_INT(s->checks[0].cond.n, 3);
	CHECK(!s->checks[0].cond.cmp[1].or_before && s->checks[0].cond.cmp[2].or_before);
	CHECK_STR(s->checks[0].cond.cmp[1].rhs.text, "x y");
	CHECK_INT(s->checks[1].wcond.n, 2);
	CHECK_STR(s->checks[1].wcond.cmp[0].rhs.text, "and");
	dn_suite_free(s);
	dn_problems_release(&probs);
}

/* SQL's and / or over 1 true, 0 false, -1 unknown. */
static int and3(int p, int q)
{
	return p == 0 || q == 0 ? 0 : p < 0 || q < 0 ? -1 : 1;
}

static int or3(int p, int q)
{
	return p == 1 || q == 1 ? 1 : p < 0 || q < 0 ? -1 : 0;
}

/* and / or with SQL's three-valued logic, row by row against a direct evaluation: over rows
 * of id, grp (null every 11th) and amount, `expression` fails the rows where the condition is
 * false (not unknown), and `where:` keeps the rows where it is true. */
DN_TEST(quality_condition_logic)
{
	static const char *const conds[] = {
		"grp = 'g1' or amount > 40",
		"grp = 'g1' and amount > 40",
		"grp != 'g2' and amount < 30 or id > 90",
		"id < 10 or grp = 'g3' and amount >= 20",
		"grp = 'g4' or grp = 'g5' or grp = 'g6'",
	};
	for (size_t k = 0; k < sizeof conds / sizeof conds[0]; k++) {
		/* the direct evaluation: -1 unknown (grp null), 0 false, 1 true */
		int64_t want_false = 0, want_true = 0;
		for (int64_t i = 0; i < 100; i++) {
			int g = i % 11 == 0 ? -1 : (int)(i % 7); /* -1: null */
			double a = (double)i / 2.0;
			int v;
#define EQ(x) (g < 0 ? -1 : g == (x))
#define NE(x) (g < 0 ? -1 : g != (x))
#define AND(p, q) and3(p, q)
#define OR(p, q) or3(p, q)
			switch (k) {
			case 0:
				v = OR(EQ(1), a > 40);
				break;
			case 1:
				v = AND(EQ(1), a > 40);
				break;
			case 2:
				v = OR(AND(NE(2), a < 30), i > 90);
				break;
			case 3:
				v = OR(i < 10, AND(EQ(3), a >= 20));
				break;
			default:
				v = OR(OR(EQ(4), EQ(5)), EQ(6));
				break;
			}
#undef EQ
#undef NE
#undef AND
#undef OR
			want_false += v == 0;
			want_true += v == 1;
		}
		char y[300];
		struct dn_problems probs;
		struct dn_suite *s = NULL;
		struct dn_error err;
		struct dn_check_run *cr = NULL;
		struct dn_check_options o;
		struct dn_suite_result r;
		dn_problems_init(&probs);
		dn_error_clear(&err);
		dn_check_options_init(&o);
		snprintf(y, sizeof y,
			 "checks:\n  - expression: \"%s\"\n"
			 "  - range: {column: id, max: -1, where: \"%s\"}\n",
			 conds[k], conds[k]);
		CHECK_INT(parse(&s, y, &probs), 0);
		CHECK_INT(dn_check_run_new(&cr, s, &o, &err), 0);
		for (int64_t first = 0; first < 100; first += 30) {
			struct dn_batch *b = batch(first, first + 30 <= 100 ? 30 : 100 - first);
			CHECK_INT(dn_check_run_add(cr, b, &err), 0);
			dn_batch_free(b);
		}
		CHECK_INT(dn_check_run_finish(cr, &r, &err), 0);
		if (r.results[0].failing != want_false || r.results[1].failing != want_true)
			dn_test_fail(dn_t_, __FILE__, __LINE__,
				     "'%s': %lld false and %lld true, want %lld and %lld", conds[k],
				     (long long)r.results[0].failing,
				     (long long)r.results[1].failing, (long long)want_false,
				     (long long)want_true);
		dn_suite_result_release(&r);
		dn_check_run_free(cr);
		dn_suite_free(s);
		dn_problems_release(&probs);
	}
}

/* Accumulators carry across batches: 100,000 rows in batches of 777. */
DN_TEST(quality_streaming_across_batches)
{
	struct dn_problems probs;
	struct dn_suite *s = NULL;
	struct dn_error err;
	struct dn_check_run *cr = NULL;
	struct dn_check_options o;
	struct dn_suite_result r;
	struct sink k = {0, 0};
	dn_problems_init(&probs);
	dn_error_clear(&err);
	CHECK_INT(parse(&s,
			"samples: 2\nchecks:\n"
			"  - row_count: {min: 100000, max: 100000}\n"
			"  - not_null: grp\n"
			"  - unique: id\n"
			"  - unique: {column: grp, name: grp_unique}\n"
			"  - range: {column: amount, max: 49999}\n"
			"  - accepted_values: {column: grp, values: [g0, g1, g2, g3, g4, g5]}\n"
			"  - missing_percent: {column: grp, max: 9.1}\n"
			"  - duplicate_percent: {columns: [grp], max: 1}\n",
			&probs),
		  0);
	dn_check_options_init(&o);
	o.quarantine = sink_fn;
	o.quarantine_user = &k;
	CHECK_INT(dn_check_run_new(&cr, s, &o, &err), 0);
	for (int64_t first = 0; first < 100000; first += 777) {
		struct dn_batch *b = batch(first, first + 777 > 100000 ? 100000 - first : 777);
		CHECK_INT(dn_check_run_add(cr, b, &err), 0);
		dn_batch_free(b);
	}
	CHECK_INT(dn_check_run_finish(cr, &r, &err), 0);
	CHECK_INT(r.rows, 100000);
	CHECK_INT(r.results[0].status, DN_CHECK_PASS);
	/* nulls: multiples of 11 in [0, 100000): 9091 */
	CHECK_INT(r.results[1].failing, 9091);
	CHECK_INT(r.results[1].status, DN_CHECK_FAIL);
	CHECK_INT(r.results[1].nsamples, 2);
	CHECK(strstr(r.results[1].samples[1], "\"_row\": 12, \"id\": 11"));
	CHECK_INT(r.results[2].failing, 0);
	/* 7 distinct groups among 90909 non-null values */
	CHECK_INT(r.results[3].failing, 90909 - 7);
	/* amount = i / 2 > 49999 for i = 99999 only */
	CHECK_INT(r.results[4].failing, 1);
	/* g6: i % 7 == 6 and i % 11 != 0 */
	int64_t g6 = 0;
	for (int64_t i = 0; i < 100000; i++)
		g6 += i % 7 == 6 && i % 11 != 0;
	CHECK_INT(r.results[5].failing, g6);
	CHECK_INT(r.results[6].status, DN_CHECK_PASS); /* 9.091% */
	CHECK(fabs(r.results[6].value - 9.091) < 1e-9);
	CHECK_INT(r.results[7].value * 1000, 99992); /* 99992 duplicate rows of 8 values */
	/* every row fails a row-level check but the first of each of g0..g5 (g6 is not accepted) */
	CHECK_INT(r.quarantined, 100000 - 6);
	CHECK_INT(k.rows, r.quarantined);
	CHECK(isnan(r.score[DN_DIM_ACCURACY]));
	CHECK_INT(r.passed, 3);
	dn_suite_result_release(&r);
	dn_check_run_free(cr);
	dn_suite_free(s);
	dn_problems_release(&probs);
}

/* Texts for a one-column check: writes text i of a run into out (room for 64), returns its
 * length, and says in *bad whether the check should fail it. */
typedef size_t (*text_fn)(int64_t i, char *out, int *bad, void *user);

/* Run the one-check suite yaml over `rows` texts in a string column t (batches of 1,000): 0 when
 * the check's failing rows are those text() says, -1 otherwise; *failing gets the count. */
static int check_texts(const char *yaml, int64_t rows, text_fn text, void *user, int64_t *failing)
{
	struct dn_problems probs;
	struct dn_suite *s = NULL;
	struct dn_error err;
	struct dn_check_run *cr = NULL;
	struct dn_check_options o;
	struct dn_suite_result r;
	int64_t want = 0;
	int rc = -1;
	dn_problems_init(&probs);
	dn_error_clear(&err);
	dn_check_options_init(&o);
	if (parse(&s, yaml, &probs) != 0 || dn_check_run_new(&cr, s, &o, &err) != 0)
		goto out;
	for (int64_t first = 0; first < rows; first += 1000) {
		struct dn_schema sc;
		struct dn_builder b;
		dn_schema_init(&sc);
		dn_schema_add(&sc, "t", 1, DN_STRING, NULL);
		dn_builder_init(&b, DN_STRING);
		for (int64_t i = first; i < first + 1000 && i < rows; i++) {
			char t[64];
			int bad = 0;
			size_t n = text(i, t, &bad, user);
			want += bad;
			dn_builder_append_str(&b, t, n, NULL);
		}
		struct dn_batch *bt = dn_batch_from_builders(&sc, &b, NULL);
		bt->first_row = first;
		int added = dn_check_run_add(cr, bt, &err);
		dn_batch_free(bt);
		dn_builder_release(&b);
		dn_schema_release(&sc);
		if (added != 0)
			goto out;
	}
	if (dn_check_run_finish(cr, &r, &err) != 0)
		goto out;
	*failing = r.results[0].failing;
	rc = r.results[0].failing == want ? 0 : -1;
	dn_suite_result_release(&r);
out:
	dn_check_run_free(cr);
	dn_suite_free(s);
	dn_problems_release(&probs);
	return rc;
}

/* Run yaml over batches of columns id, x, t, ts (and k, always 0) made by row(); the results
 * land in *r (release it). */
typedef void (*row_fn)(int64_t i, int64_t *id, double *x, char *t, int64_t *ts, int *nulls);

static int run_rows(const char *yaml, int64_t rows, int64_t batch, row_fn row,
		    struct dn_suite_result *r)
{
	static const char *const names[] = {"id", "x", "t", "ts", "k"};
	static const enum dn_type types[] = {DN_INT64, DN_FLOAT64, DN_STRING, DN_TIMESTAMP,
					     DN_INT64};
	struct dn_problems probs;
	struct dn_suite *s = NULL;
	struct dn_error err;
	struct dn_check_run *cr = NULL;
	struct dn_check_options o;
	int rc = -1;
	dn_problems_init(&probs);
	dn_error_clear(&err);
	dn_check_options_init(&o);
	if (parse(&s, yaml, &probs) != 0 || dn_check_run_new(&cr, s, &o, &err) != 0)
		goto out;
	for (int64_t first = 0; first < rows; first += batch) {
		struct dn_schema sc;
		struct dn_builder b[5];
		dn_schema_init(&sc);
		for (int c = 0; c < 5; c++) {
			dn_schema_add(&sc, names[c], strlen(names[c]), types[c], NULL);
			dn_builder_init(&b[c], types[c]);
		}
		for (int64_t i = first; i < first + batch && i < rows; i++) {
			int64_t id, ts;
			double x;
			char t[64];
			int nulls = 0; /* bit per column */
			row(i, &id, &x, t, &ts, &nulls);
			if (nulls & 1)
				dn_builder_append_null(&b[0], NULL);
			else
				dn_builder_append_i64(&b[0], id, NULL);
			if (nulls & 2)
				dn_builder_append_null(&b[1], NULL);
			else
				dn_builder_append_f64(&b[1], x, NULL);
			if (nulls & 4)
				dn_builder_append_null(&b[2], NULL);
			else
				dn_builder_append_str(&b[2], t, strlen(t), NULL);
			if (nulls & 8)
				dn_builder_append_null(&b[3], NULL);
			else
				dn_builder_append_ts(&b[3], ts, NULL);
			dn_builder_append_i64(&b[4], 0, NULL);
		}
		struct dn_batch *bt = dn_batch_from_builders(&sc, b, NULL);
		bt->first_row = first;
		int added = dn_check_run_add(cr, bt, &err);
		dn_batch_free(bt);
		for (int c = 0; c < 5; c++)
			dn_builder_release(&b[c]);
		dn_schema_release(&sc);
		if (added != 0)
			goto out;
	}
	rc = dn_check_run_finish(cr, r, &err);
out:
	if (rc)
		fprintf(stderr, "run_rows: %s (%zu problems: %s)\n", err.msg, probs.n,
			probs.n ? probs.v[0].msg : "");
	dn_check_run_free(cr);
	dn_suite_free(s);
	dn_problems_release(&probs);
	return rc;
}

/* Dense ids with a repeat and a gap in later batches; floats with a NaN and values out of
 * range; ASCII texts and, in some batches, UTF-8 ones (code points fewer than bytes); nulls in
 * a few batches only (their slots out of range for x), so that both kinds of batch are seen. */
static void kernel_row(int64_t i, int64_t *id, double *x, char *t, int64_t *ts, int *nulls)
{
	*id = i == 2500 ? 17 : i >= 3300 ? i + 5 : i; /* a repeat, then a gap */
	*x = i % 97 == 0 ? -1.5 : i % 101 == 0 ? 2e9 : i % 89 == 0 ? NAN : (double)(i % 1000) / 3;
	int utf8 = (i / 1000) % 3 == 1;
	snprintf(t, 64, "%.*s%s", (int)(i % 9), "abcdefghij",
		 utf8 && i % 2 ? "\xc3\xa9\xc3\xa9" : "");
	*ts = INT64_C(1700000000000000) + (i * 7919 % 5000) * INT64_C(1000000);
	*nulls = (i / 1000) % 4 == 3 && i % 13 == 0 ? 15 : 0;
}

/* The per-type loops (range and length on a batch without a `where`; unique and freshness on
 * one without nulls either) count what the general loops count: the same checks with a `where`
 * that keeps every row take the general loops. */
DN_TEST(quality_kernels_match_general)
{
	static const char *const checks[] = {"unique: id",
					     "range: {column: x, min: 1, max: 1000000}",
					     "range: {column: id, min: 100, max: 5000}",
					     "length: {column: t, min: 3, max: 9}"};
	for (size_t c = 0; c < sizeof checks / sizeof checks[0]; c++) {
		char plain[256], where[256];
		const char *open = strchr(checks[c], '{');
		snprintf(plain, sizeof plain, "checks:\n  - %s\n", checks[c]);
		if (open) /* the same with where: k = 0 */
			snprintf(where, sizeof where, "checks:\n  - %.*s{where: \"k = 0\", %s\n",
				 (int)(open - checks[c]), checks[c], open + 1);
		else
			snprintf(where, sizeof where,
				 "checks:\n  - unique: {column: id, where: \"k = 0\"}\n");
		struct dn_suite_result a, b;
		CHECK_INT(run_rows(plain, 5000, 1000, kernel_row, &a), 0);
		CHECK_INT(run_rows(where, 5000, 1000, kernel_row, &b), 0);
		const struct dn_check_result *ra = &a.results[0], *rb = &b.results[0];
		if (ra->failing != rb->failing || ra->status != rb->status ||
		    strcmp(ra->observed, rb->observed) != 0)
			dn_test_fail(dn_t_, __FILE__, __LINE__, "%s: %lld \"%s\" vs %lld \"%s\"",
				     checks[c], (long long)ra->failing, ra->observed,
				     (long long)rb->failing, rb->observed);
		if (c == 0) /* the repeat of 17; ids past the gap are new */
			CHECK_INT(ra->failing, 1);
		if (c == 3) /* ASCII texts of 0..2 bytes, UTF-8 ones of 1..2 bytes plus 2 */
			CHECK(ra->failing > 1000);
		dn_suite_result_release(&a);
		dn_suite_result_release(&b);
	}
	/* freshness (no `where`): batches with and without nulls, against the newest time */
	int64_t newest = INT64_MIN, now = dn_now_us();
	for (int64_t i = 0; i < 5000; i++) {
		int64_t id, ts;
		double x;
		char t[64];
		int nulls;
		kernel_row(i, &id, &x, t, &ts, &nulls);
		if (!(nulls & 8) && ts > newest)
			newest = ts;
	}
	struct dn_suite_result a;
	CHECK_INT(run_rows("checks:\n  - freshness: {column: ts, max_age: 3650d}\n", 5000, 1000,
			   kernel_row, &a),
		  0);
	CHECK(a.results[0].has_value);
	CHECK(fabs(a.results[0].value - (double)(now - newest) / 1e6) < 60);
	dn_suite_result_release(&a);
}

/* accepted_values against strcmp over texts of every length 0..40: values listed twice, values
 * past 16 bytes, texts one byte off an accepted one, prefixes and extensions of them, UTF-8. A
 * short list gets its table with every value in its home slot; longer ones (1,000 random texts
 * of 16 bytes, after every draw of multipliers failed; 2,000, with one draw) probe. All must count
 * the same as a plain comparison. */
static const char *const av_pool[] = {"",
				      "a",
				      "ab",
				      "abc",
				      "abcd",
				      "abcdefg",
				      "abcdefgh",
				      "abcdefghi",
				      "abcdefghijklmno",
				      "abcdefghijklmnop",
				      "abcdefghijklmnopq",
				      "électronique",
				      "日本語",
				      "x y",
				      "abcdefghijklmnopqrstuvwxyz0123456789ABCD"};
static const char *const av_accepted[] =
	{"",       "abc", "abcdefgh", "abcdefghijklmnop", "abcdefghijklmnopq", "électronique",
	 "日本語", "abc"};

static size_t av_text(int64_t i, char *out, int *bad, void *user)
{
	const char *base = av_pool[i % 15];
	size_t len = strlen(base), n = 64;
	(void)user;
	switch ((i / 15) % 4) {
	case 0: /* the text itself */
		snprintf(out, n, "%s", base);
		break;
	case 1: /* one byte off, at a place that moves with i */
		snprintf(out, n, "%s", base);
		if (len)
			out[(size_t)(i / 60) % len] ^= 1;
		break;
	case 2: /* one byte longer */
		snprintf(out, n, "%sz", base);
		break;
	default: /* one byte shorter */
		snprintf(out, n, "%.*s", (int)(len ? len - 1 : 0), base);
		break;
	}
	int ok = 0;
	for (size_t k = 0; k < sizeof av_accepted / sizeof av_accepted[0]; k++)
		ok |= !strcmp(out, av_accepted[k]);
	*bad = !ok;
	return strlen(out);
}

DN_TEST(quality_accepted_values_table)
{
	for (int extra = 0; extra <= 2000; extra += 1000) {
		struct dn_buf yaml;
		int64_t failing = 0;
		dn_buf_init(&yaml, 0);
		dn_buf_printf(&yaml, NULL, "checks:\n  - accepted_values: {column: t, values: [");
		for (size_t k = 0; k < sizeof av_accepted / sizeof av_accepted[0]; k++)
			dn_buf_printf(&yaml, NULL, "%s\"%s\"", k ? ", " : "", av_accepted[k]);
		for (int k = 0; k < extra; k++)
			dn_buf_printf(&yaml, NULL, ", \"%016llx\"",
				      (unsigned long long)dn_hash_u64((uint64_t)k + 1));
		dn_buf_printf(&yaml, NULL, "]}\n");
		CHECK_INT(check_texts(yaml.data, 6000, av_text, NULL, &failing), 0);
		CHECK(failing > 1000 && failing < 5000);
		dn_buf_release(&yaml);
	}
}

/* The email format, as documented: exactly one '@' with text before it, a '.' in the domain
 * neither right after the '@' nor last, no spaces or control characters. */
static int email_ref(const char *t, size_t n)
{
	size_t at = n, ats = 0, dot = n;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)t[i];
		if (ch < 0x21)
			return 0;
		if (ch == '@') {
			ats++;
			at = ats == 1 ? i : at;
		}
		if (ch == '.')
			dot = i;
	}
	if (ats != 1 || at == 0 || at + 1 >= n || t[at + 1] == '.')
		return 0;
	return dot != n && dot > at + 1 && dot < n - 1;
}

/* Random texts of 0..40 bytes from an alphabet heavy in '@' and '.', every third one built
 * valid with its '@' and dot moving. */
static size_t email_text(int64_t i, char *t, int *bad, void *user)
{
	static const char alpha[] = {'a', 'b', '@',  '.', '.',    '@',
				     'x', ' ', '\t', '-', '\xc3', '\xa9'};
	uint64_t *rng = user;
	*rng = *rng * 6364136223846793005ULL + 1442695040888963407ULL;
	size_t n = (size_t)(*rng >> 33) % 41;
	for (size_t j = 0; j < n; j++) {
		*rng = *rng * 6364136223846793005ULL + 1442695040888963407ULL;
		int k = (int)((*rng >> 33) % 40); /* mostly letters, so that some texts are valid */
		t[j] = k < (int)sizeof alpha ? alpha[k] : (char)('a' + k % 26);
	}
	if (i % 3 == 0 && n >= 5) {
		size_t at = 1 + (size_t)i % (n - 4);
		for (size_t j = 0; j < n; j++)
			t[j] = (char)('a' + (int)((size_t)i + j) % 26);
		t[at] = '@';
		t[at + 2 + (size_t)i % (n - at - 3)] = '.';
	}
	*bad = !email_ref(t, n);
	return n;
}

/* format: email over 30,000 texts against the reference: the whole-text masks (up to 32 bytes)
 * and the word-at-a-time test (longer texts, and the column's last bytes) must agree wherever
 * the '@' and the dots fall. */
DN_TEST(quality_format_email)
{
	uint64_t rng = 12345;
	int64_t failing = 0;
	CHECK_INT(check_texts("checks:\n  - format: {column: t, format: email}\n", 30000,
			      email_text, &rng, &failing),
		  0);
	CHECK(failing > 5000 && failing < 25000);
}

/* Anomalies read the history of earlier runs from the metadata store. */
DN_TEST(quality_history_anomaly)
{
	struct dn_problems probs;
	struct dn_suite *s = NULL;
	struct dn_error err;
	struct dn_meta *m = NULL;
	char path[1024];
	dn_problems_init(&probs);
	dn_error_clear(&err);
	snprintf(path, sizeof path, "%s", dn_test_tmp_path("quality_meta.db"));
	remove(path);
	CHECK_INT(dn_meta_open(&m, path, &err), 0);
	CHECK_INT(parse(&s,
			"suite: h\nchecks:\n  - anomaly: {metric: row_count, stddevs: 3, "
			"max_change_percent: 50, window: 4, min_history: 2}\n",
			&probs),
		  0);
	int64_t sizes[] = {100, 110, 105, 95, 100, 400};
	int want[] = {DN_CHECK_SKIPPED, DN_CHECK_SKIPPED, DN_CHECK_PASS,
		      DN_CHECK_PASS,    DN_CHECK_PASS,    DN_CHECK_FAIL};
	for (int run = 0; run < 6; run++) {
		struct dn_check_options o;
		struct dn_check_run *cr = NULL;
		struct dn_suite_result r;
		dn_check_options_init(&o);
		o.meta = m;
		o.history = 1;
		o.target = "t";
		o.now_us = INT64_C(1700000000000000) + run * INT64_C(86400000000);
		CHECK_INT(dn_check_run_new(&cr, s, &o, &err), 0);
		struct dn_batch *b = batch(0, sizes[run]);
		CHECK_INT(dn_check_run_add(cr, b, &err), 0);
		dn_batch_free(b);
		CHECK_INT(dn_check_run_finish(cr, &r, &err), 0);
		CHECK_INT(r.results[0].status, want[run]);
		CHECK_INT(r.results[0].nhistory, run); /* the report's chart shows them all */
		CHECK_INT(dn_check_record(m, &r, &err), 0);
		if (run == 5)
			CHECK(strstr(r.results[0].message, "changed 300.00% from 100"));
		dn_suite_result_release(&r);
		dn_check_run_free(cr);
	}
	dn_meta_close(m);
	dn_suite_free(s);
	dn_problems_release(&probs);
}

/* A version 3 metadata store (before the quality tables) migrates to version 4 on open. */
DN_TEST(quality_meta_migrate_v3)
{
	struct dn_meta *m = NULL;
	struct dn_error e;
	sqlite3 *db = NULL;
	double *v = NULL;
	int64_t *at = NULL;
	int n = 0;
	const char *path = dn_test_tmp_path("v3.db");
	remove(path);
	dn_error_clear(&e);
	CHECK_INT(dn_meta_open(&m, path, &e), 0);
	dn_meta_close(m);
	CHECK(sqlite3_open(path, &db) == SQLITE_OK);
	CHECK(sqlite3_exec(db,
			   "DROP TABLE quality_history; DROP TABLE quality_reports; "
			   "UPDATE dunya_meta SET value='3' WHERE key='schema'",
			   NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
	CHECK_INT(dn_meta_open(&m, path, &e), 0);
	CHECK_INT(dn_meta_quality_add(m, "s", "t", "c", 10, 1, 2.5, "pass", &e), 0);
	CHECK_INT(dn_meta_quality_add(m, "s", "t", "c", 20, 1, 3.5, "pass", &e), 0);
	CHECK_INT(dn_meta_quality_history(m, "s", "t", "c", 30, 10, &v, &at, &n, &e), 0);
	CHECK_INT(n, 2);
	CHECK(v[0] == 2.5 && v[1] == 3.5 && at[0] == 10);
	dn_free(v);
	dn_free(at);
	dn_meta_close(m);
	CHECK(sqlite3_open(path, &db) == SQLITE_OK);
	sqlite3_stmt *st = NULL;
	CHECK(sqlite3_prepare_v2(db, "SELECT value FROM dunya_meta WHERE key='schema'", -1, &st,
				 NULL) == SQLITE_OK);
	CHECK(sqlite3_step(st) == SQLITE_ROW);
	CHECK_STR((const char *)sqlite3_column_text(st, 0), "4");
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/* Every allocation of a parse and a run failing in turn ends in a clean error, no crash and no
 * leak (ASan's leak checker reports one at exit). */
DN_TEST(quality_alloc_torture)
{
	static const char text[] = "suite: t\nsamples: 2\nchecks:\n"
				   "  - not_null: grp\n"
				   "  - unique: grp\n"
				   "  - unique_combination: [id, grp]\n"
				   "  - regex: {column: grp, pattern: '^g[0-5]$'}\n"
				   "  - accepted_values: {column: grp, values: [g1, g2]}\n"
				   "  - expression: amount < 30\n"
				   "  - schema: {columns: {id: int64, nope: string}}\n";
	int done = 0;
	for (uint64_t n = 1; n < 5000 && !done; n++) {
		struct dn_problems probs;
		struct dn_suite *s = NULL;
		struct dn_check_run *cr = NULL;
		struct dn_check_options o;
		struct dn_suite_result r;
		struct dn_error err;
		struct sink k = {0, 0};
		struct dn_batch *b = batch(0, 100);
		CHECK(b != NULL);
		dn_problems_init(&probs);
		dn_error_clear(&err);
		dn_check_options_init(&o);
		o.quarantine = sink_fn;
		o.quarantine_user = &k;
		memset(&r, 0, sizeof r);
		dn_alloc_fail_after(n);
		int rc = dn_suite_parse(&s, "t.yaml", text, sizeof text - 1, &probs, &err);
		if (rc == 0)
			rc = dn_check_run_new(&cr, s, &o, &err);
		if (rc == 0)
			rc = dn_check_run_add(cr, b, &err);
		if (rc == 0)
			rc = dn_check_run_finish(cr, &r, &err);
		dn_alloc_fail_after(0);
		if (rc == 0) {
			CHECK_INT(r.nresults, 7);
			done = 1;
		} else {
			CHECK(rc < 0);
		}
		dn_suite_result_release(&r);
		dn_check_run_free(cr);
		dn_suite_free(s);
		dn_problems_release(&probs);
		dn_batch_free(b);
	}
	CHECK(done);
}

/* unique on integers around 0 (whose key is the one the set keeps aside): random small values
 * in random order, and runs that pass through 0 after a 0 was seen, give the repeats a direct
 * count gives. */
static uint64_t uz_seed;
static int uz_mode;

static void unique_zero_row(int64_t i, int64_t *id, double *x, char *t, int64_t *ts, int *nulls)
{
	uz_seed = uz_seed * 6364136223846793005u + 1442695040888963407u;
	*id = uz_mode == 0 ? (int64_t)(uz_seed >> 33) % 7 - 3 : /* -3..3, repeats */
	      i == 0       ? -2 :
	      i == 1       ? 0 :   /* out of the run that -2 starts: kept aside */
	      i == 2       ? -1 :  /* extends the run to -1 */
			     i - 3; /* 0 again, extending it: a repeat */
	*x = 0;
	t[0] = 0;
	*ts = 0;
	*nulls = 0;
}

DN_TEST(quality_unique_zero)
{
	for (uz_mode = 0; uz_mode < 2; uz_mode++) {
		int64_t ids[40];
		int64_t want = 0;
		uz_seed = 99;
		for (int64_t i = 0; i < 40; i++) {
			double x;
			char t[64];
			int64_t ts;
			int nulls;
			unique_zero_row(i, &ids[i], &x, t, &ts, &nulls);
			for (int64_t j = 0; j < i; j++)
				if (ids[j] == ids[i]) {
					want++;
					break;
				}
		}
		for (int batch = 1; batch <= 40; batch *= 3) {
			struct dn_suite_result r;
			uz_seed = 99;
			CHECK_INT(run_rows("checks:\n  - unique: id\n", 40, batch, unique_zero_row,
					   &r),
				  0);
			if (r.results[0].failing != want)
				dn_test_fail(dn_t_, __FILE__, __LINE__,
					     "mode %d, batches of %d: %lld repeats, want %lld",
					     uz_mode, batch, (long long)r.results[0].failing,
					     (long long)want);
			dn_suite_result_release(&r);
		}
	}
}
