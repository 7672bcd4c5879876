/* The data module: builders of every type (a validity bitmap only once a null arrives),
 * batches from builders, deep equality, text inference and its lattice, appending text to a
 * typed builder, casts along the widening rules, and type names with their aliases.
 *
 * These are the rules every reader relies on, so each case states one rule a user would notice
 * if it broke ("007" staying a string, an int64 overflow staying a string, NaN equal to NaN). */
#include <float.h>
#include <math.h>

#include "../../src/data/data.h"
#include "../test.h"

/* Value i of column c as text ("null" for a null), in a static buffer. */
static const char *cell(const struct dn_column *c, int64_t i)
{
	static char out[256];
	struct dn_buf b = DN_BUF_INIT;
	int isnull = 0;
	if (dn_column_format(c, i, &b, &isnull, NULL) < 0)
		snprintf(out, sizeof out, "<error>");
	else
		snprintf(out, sizeof out, "%s", isnull ? "null" : (b.data ? b.data : ""));
	dn_buf_release(&b);
	return out;
}

DN_TEST(data_builder_no_nulls_no_bitmap)
{
	struct dn_builder b;
	struct dn_column c = {0};
	static const enum dn_type types[] = {DN_BOOL,   DN_INT64, DN_FLOAT64,
					     DN_STRING, DN_DATE,  DN_TIMESTAMP};
	for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
		dn_builder_init(&b, types[t]);
		for (int i = 0; i < 20; i++) {
			int rc = 0;
			switch (types[t]) {
			case DN_BOOL:
				rc = dn_builder_append_bool(&b, i & 1, NULL);
				break;
			case DN_INT64:
				rc = dn_builder_append_i64(&b, i * 1000, NULL);
				break;
			case DN_FLOAT64:
				rc = dn_builder_append_f64(&b, i + 0.5, NULL);
				break;
			case DN_STRING:
				rc = dn_builder_append_str(&b, "ab", (size_t)(i % 3), NULL);
				break;
			case DN_DATE:
				rc = dn_builder_append_date(&b, i - 10, NULL);
				break;
			case DN_TIMESTAMP:
				rc = dn_builder_append_ts(&b, (int64_t)i * -DN_USEC_PER_DAY, NULL);
				break;
			}
			CHECK_INT(rc, 0);
		}
		CHECK_OK(dn_builder_finish(&b, &c, NULL), NULL);
		CHECK_INT(c.type, types[t]);
		CHECK_INT(c.length, 20);
		CHECK_INT(c.null_count, 0);
		CHECK(c.validity == NULL);
		CHECK_INT(b.length, 0); /* finish resets the builder */
		for (int64_t i = 0; i < 20; i++)
			CHECK(!dn_column_is_null(&c, i));
		switch (types[t]) {
		case DN_BOOL:
			CHECK_INT(dn_column_bool(&c, 7), 1);
			CHECK_INT(dn_column_bool(&c, 8), 0);
			break;
		case DN_INT64:
			CHECK_INT(dn_column_i64(&c, 19), 19000);
			break;
		case DN_FLOAT64:
			CHECK(dn_column_f64(&c, 3) == 3.5);
			break;
		case DN_STRING:
			CHECK_STR(cell(&c, 2), "ab");
			CHECK_STR(cell(&c, 3), "");
			break;
		case DN_DATE:
			CHECK_STR(cell(&c, 0), "1969-12-22");
			break;
		case DN_TIMESTAMP:
			CHECK_STR(cell(&c, 1), "1969-12-31T00:00:00Z");
			break;
		}
		dn_column_release(&c);
		dn_builder_release(&b);
	}
}

/* Nulls in every position of the bitmap's bytes: before, at and after a byte boundary, and a
 * first null that arrives after many valid rows (the bitmap is created then, with every earlier
 * row marked valid). */
DN_TEST(data_builder_nulls_every_type)
{
	static const enum dn_type types[] = {DN_BOOL,   DN_INT64, DN_FLOAT64,
					     DN_STRING, DN_DATE,  DN_TIMESTAMP};
	for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
		struct dn_builder b;
		struct dn_column c = {0};
		int64_t n = 0, nulls = 0;
		dn_builder_init(&b, types[t]);
		for (int64_t i = 0; i < 100; i++) {
			int isnull = i == 13 || i == 16 || i == 23 || i == 24 || i == 99 || i > 90;
			int rc;
			if (isnull) {
				rc = dn_builder_append_null(&b, NULL);
				nulls++;
			} else {
				char txt[40];
				switch (types[t]) {
				case DN_BOOL:
					snprintf(txt, sizeof txt, "%s", i % 3 ? "true" : "FALSE");
					break;
				case DN_INT64:
					snprintf(txt, sizeof txt, "%lld", (long long)(i * 7 - 300));
					break;
				case DN_FLOAT64:
					snprintf(txt, sizeof txt, "%lld.25", (long long)i);
					break;
				case DN_STRING:
					snprintf(txt, sizeof txt, "s%lld", (long long)i);
					break;
				case DN_DATE:
					snprintf(txt, sizeof txt, "2000-01-%02d",
						 (int)(i % 28) + 1);
					break;
				case DN_TIMESTAMP:
					snprintf(txt, sizeof txt, "2000-01-01T00:00:%02dZ",
						 (int)(i % 60));
					break;
				}
				rc = dn_builder_append_text(&b, txt, strlen(txt), NULL);
			}
			CHECK_INT(rc, 0);
			n++;
		}
		CHECK_INT(b.null_count, nulls);
		CHECK_OK(dn_builder_finish(&b, &c, NULL), NULL);
		CHECK_INT(c.length, n);
		CHECK_INT(c.null_count, nulls);
		CHECK(c.validity != NULL);
		for (int64_t i = 0; i < 100; i++) {
			int isnull = i == 13 || i == 16 || i == 23 || i == 24 || i == 99 || i > 90;
			if (isnull != dn_column_is_null(&c, i)) {
				dn_test_fail(dn_t_, __FILE__, __LINE__, "%s row %lld: null %d",
					     dn_type_name(types[t]), (long long)i, !isnull);
				return;
			}
		}
		switch (types[t]) {
		case DN_BOOL:
			CHECK_STR(cell(&c, 12), "false");
			CHECK_STR(cell(&c, 14), "true");
			break;
		case DN_INT64:
			CHECK_STR(cell(&c, 90), "330");
			break;
		case DN_FLOAT64:
			CHECK_STR(cell(&c, 25), "25.25");
			break;
		case DN_STRING:
			CHECK_STR(cell(&c, 25), "s25");
			CHECK_STR(cell(&c, 24), "null");
			break;
		case DN_DATE:
			CHECK_STR(cell(&c, 28), "2000-01-01");
			break;
		case DN_TIMESTAMP:
			CHECK_STR(cell(&c, 61), "2000-01-01T00:00:01Z");
			break;
		}
		dn_column_release(&c);
		dn_builder_release(&b);
	}
}

/* The bitmap is created lazily: a column whose first null is row 70 still has rows 0..69 valid,
 * and a reset builder starts again without one. */
DN_TEST(data_builder_late_null_and_reset)
{
	struct dn_builder b;
	struct dn_column c = {0};
	dn_builder_init(&b, DN_INT64);
	for (int i = 0; i < 70; i++)
		CHECK_OK(dn_builder_append_i64(&b, i, NULL), NULL);
	CHECK(b.validity.data == NULL);
	CHECK_OK(dn_builder_append_null(&b, NULL), NULL);
	CHECK_OK(dn_builder_append_i64(&b, 71, NULL), NULL);
	CHECK_OK(dn_builder_finish(&b, &c, NULL), NULL);
	CHECK_INT(c.null_count, 1);
	for (int64_t i = 0; i < 72; i++)
		CHECK_INT(dn_column_is_null(&c, i), i == 70);
	CHECK_INT(dn_column_i64(&c, 71), 71);
	dn_column_release(&c);

	/* After finish the builder has no bitmap: a column without nulls carries none. */
	CHECK_OK(dn_builder_append_i64(&b, 5, NULL), NULL);
	CHECK_OK(dn_builder_finish(&b, &c, NULL), NULL);
	CHECK(c.validity == NULL);
	CHECK_INT(c.length, 1);
	dn_column_release(&c);

	/* Only nulls; and an empty column (values buffers still allocated). */
	dn_builder_reset(&b);
	CHECK_OK(dn_builder_append_null(&b, NULL), NULL);
	CHECK_OK(dn_builder_finish(&b, &c, NULL), NULL);
	CHECK_INT(c.null_count, 1);
	CHECK(dn_column_is_null(&c, 0));
	dn_column_release(&c);
	CHECK_OK(dn_builder_finish(&b, &c, NULL), NULL);
	CHECK_INT(c.length, 0);
	CHECK(c.values != NULL);
	dn_column_release(&c);
	dn_builder_release(&b);

	/* Strings: only nulls and empty strings still give offsets and a data buffer. */
	dn_builder_init(&b, DN_STRING);
	CHECK_OK(dn_builder_append_null(&b, NULL), NULL);
	CHECK_OK(dn_builder_append_str(&b, "", 0, NULL), NULL);
	CHECK_OK(dn_builder_finish(&b, &c, NULL), NULL);
	CHECK(c.offsets != NULL && c.data != NULL);
	CHECK(dn_column_is_null(&c, 0));
	CHECK(!dn_column_is_null(&c, 1));
	CHECK_INT(dn_column_str(&c, 1).len, 0);
	dn_column_release(&c);
	dn_builder_release(&b);
}

DN_TEST(data_builder_append_from)
{
	struct dn_builder src, dst;
	struct dn_column c = {0}, d = {0};
	dn_builder_init(&src, DN_STRING);
	dn_builder_init(&dst, DN_STRING);
	CHECK_OK(dn_builder_append_str(&src, "héllo", strlen("héllo"), NULL), NULL);
	CHECK_OK(dn_builder_append_null(&src, NULL), NULL);
	CHECK_OK(dn_builder_append_str(&src, "x,y", 3, NULL), NULL);
	CHECK_OK(dn_builder_finish(&src, &c, NULL), NULL);
	for (int64_t i = 2; i >= 0; i--)
		CHECK_OK(dn_builder_append_from(&dst, &c, i, NULL), NULL);
	CHECK_OK(dn_builder_finish(&dst, &d, NULL), NULL);
	CHECK_STR(cell(&d, 0), "x,y");
	CHECK_STR(cell(&d, 1), "null");
	CHECK_STR(cell(&d, 2), "héllo");
	dn_column_release(&c);
	dn_column_release(&d);
	dn_builder_release(&src);
	dn_builder_release(&dst);
}

/* A batch of the given types with one row of text values (NULL = null). */
static struct dn_batch *one_row(const char *const *names, const enum dn_type *types,
				const char *const *vals, int n)
{
	struct dn_schema s;
	struct dn_builder b[8];
	struct dn_batch *out = NULL;
	dn_schema_init(&s);
	for (int i = 0; i < n; i++) {
		dn_builder_init(&b[i], types[i]);
		if (dn_schema_add(&s, names[i], strlen(names[i]), types[i], NULL) < 0)
			goto done;
		if (vals[i] ? dn_builder_append_text(&b[i], vals[i], strlen(vals[i]), NULL) < 0 :
			      dn_builder_append_null(&b[i], NULL) < 0)
			goto done;
	}
	out = dn_batch_from_builders(&s, b, NULL);
done:
	for (int i = 0; i < n; i++)
		dn_builder_release(&b[i]);
	dn_schema_release(&s);
	return out;
}

DN_TEST(data_batch_from_builders_and_equal)
{
	static const char *const names[] = {"id", "name", "x", "ok", "day", "at"};
	static const enum dn_type types[] = {DN_INT64, DN_STRING, DN_FLOAT64,
					     DN_BOOL,  DN_DATE,   DN_TIMESTAMP};
	static const char *const v1[] = {"1",    "a b",        "1.5",
					 "true", "2024-02-29", "2024-02-29T12:00:00.5Z"};
	static const char *const v2[] = {"1", "a b", "1.5", "true", "2024-02-29", NULL};
	static const char *const v3[] = {"1",    "a b",        "1.25",
					 "true", "2024-02-29", "2024-02-29T12:00:00.5Z"};
	char why[256];
	struct dn_batch *a = one_row(names, types, v1, 6);
	struct dn_batch *b = one_row(names, types, v1, 6);
	struct dn_batch *c = one_row(names, types, v2, 6);
	struct dn_batch *d = one_row(names, types, v3, 6);
	CHECK(a && b && c && d);
	CHECK_INT(a->nrows, 1);
	CHECK_INT(a->schema.nfields, 6);
	CHECK_INT(a->columns[5].type, DN_TIMESTAMP);
	CHECK_INT(dn_column_i64(&a->columns[5], 0), 1709208000500000);
	CHECK(dn_batch_equal(a, b, why, sizeof why));
	CHECK(!dn_batch_equal(a, c, why, sizeof why));
	CHECK_STR(why, "column at row 0: 2024-02-29T12:00:00.500Z vs null");
	CHECK(!dn_batch_equal(a, d, why, sizeof why));
	CHECK_STR(why, "column x row 0: 1.5 vs 1.25");
	CHECK(!dn_batch_equal(a, d, NULL, 0)); /* why may be NULL */
	dn_batch_free(b);
	dn_batch_free(c);
	dn_batch_free(d);

	/* Names and types are part of equality. */
	static const char *const names2[] = {"id", "Name", "x", "ok", "day", "at"};
	b = one_row(names2, types, v1, 6);
	CHECK(b != NULL);
	CHECK(!dn_batch_equal(a, b, why, sizeof why));
	CHECK_STR(why, "column 2: name string vs Name string");
	dn_batch_free(b);
	static const enum dn_type types2[] = {DN_INT64, DN_STRING, DN_FLOAT64,
					      DN_BOOL,  DN_STRING, DN_TIMESTAMP};
	b = one_row(names, types2, v1, 6);
	CHECK(b != NULL);
	CHECK(!dn_batch_equal(a, b, why, sizeof why));
	CHECK_STR(why, "column 5: day date vs day string");
	dn_batch_free(b);
	b = one_row(names, types, v1, 5);
	CHECK(b != NULL);
	CHECK(!dn_batch_equal(a, b, why, sizeof why));
	CHECK_STR(why, "6 columns vs 5");
	dn_batch_free(b);
	dn_batch_free(a);

	/* An empty batch from a schema. */
	struct dn_schema s;
	dn_schema_init(&s);
	CHECK_OK(dn_schema_add(&s, "k", 1, DN_DATE, NULL), NULL);
	a = dn_batch_new(&s, NULL);
	b = dn_batch_new(&s, NULL);
	dn_schema_release(&s);
	CHECK(a && b);
	CHECK_INT(a->nrows, 0);
	CHECK_INT(a->columns[0].type, DN_DATE);
	CHECK(dn_batch_equal(a, b, NULL, 0));
	dn_batch_free(a);
	dn_batch_free(b);
	dn_batch_free(NULL);
}

/* Floats compare bitwise: NaN equals NaN, 0.0 differs from -0.0. */
DN_TEST(data_batch_equal_floats)
{
	static const char *const names[] = {"f"};
	static const enum dn_type types[] = {DN_FLOAT64};
	static const char *const nan1[] = {"nan"}, *const nan2[] = {"NaN"};
	static const char *const z[] = {"0.0"}, *const nz[] = {"-0.0"};
	struct dn_batch *a = one_row(names, types, nan1, 1), *b = one_row(names, types, nan2, 1);
	struct dn_batch *c = one_row(names, types, z, 1), *d = one_row(names, types, nz, 1);
	CHECK(a && b && c && d);
	CHECK(isnan(dn_column_f64(&a->columns[0], 0)));
	CHECK(dn_batch_equal(a, b, NULL, 0));
	CHECK(!dn_batch_equal(c, d, NULL, 0));
	CHECK(signbit(dn_column_f64(&d->columns[0], 0)));
	dn_batch_free(a);
	dn_batch_free(b);
	dn_batch_free(c);
	dn_batch_free(d);
}

struct infer_case {
	const char *text;
	unsigned mask;
};

DN_TEST(data_infer_text)
{
	static const struct infer_case cases[] = {
		{"true", DN_CAN_BOOL},
		{"FALSE", DN_CAN_BOOL},
		{"True", DN_CAN_BOOL},
		{" false ", DN_CAN_BOOL},
		{"yes", 0},
		{"t", 0},
		{"0", DN_CAN_INT | DN_CAN_FLOAT},
		{"-0", DN_CAN_INT | DN_CAN_FLOAT},
		{"12", DN_CAN_INT | DN_CAN_FLOAT},
		{"+12", DN_CAN_INT | DN_CAN_FLOAT},
		{"-12", DN_CAN_INT | DN_CAN_FLOAT},
		{" 12\t", DN_CAN_INT | DN_CAN_FLOAT},
		{"007", 0},
		{"-007", 0},
		{"00", 0},
		{"9223372036854775807", DN_CAN_INT | DN_CAN_FLOAT},
		{"-9223372036854775808", DN_CAN_INT | DN_CAN_FLOAT},
		{"9223372036854775808", 0},
		{"-9223372036854775809", 0},
		{"123456789012345678901234567890", 0},
		{"1.5", DN_CAN_FLOAT},
		{".5", DN_CAN_FLOAT},
		{"-1.5e10", DN_CAN_FLOAT},
		{"1e-5", DN_CAN_FLOAT},
		{"1E5", DN_CAN_FLOAT},
		{"0.0", DN_CAN_FLOAT},
		{"inf", DN_CAN_FLOAT},
		{"-Infinity", DN_CAN_FLOAT},
		{"NaN", DN_CAN_FLOAT},
		{"1.2.3", 0},
		{"1,5", 0},
		{"12abc", 0},
		{"-", 0},
		{"+", 0},
		{".", 0},
		{"e5", 0},
		{"2024-01-31", DN_CAN_DATE | DN_CAN_TS},
		{"2024-02-30", 0},
		{"2024-01-31T12:00:00Z", DN_CAN_TS},
		{"2024-01-31 12:00", DN_CAN_TS},
		{"2024-01-31T12:00:00.123456+02:00", DN_CAN_TS},
		{"2024-01-31T25:00:00Z", 0},
		{"2024-1-31", 0},
		{"31/01/2024", 0},
		{"", 0},
		{"   ", 0},
		{"NA", 0},
		{"hello", 0},
		{"né", 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		unsigned got = dn_infer_text(cases[i].text, strlen(cases[i].text));
		if (got != cases[i].mask) {
			dn_test_fail(dn_t_, __FILE__, __LINE__,
				     "dn_infer_text(\"%s\") = %#x, want %#x", cases[i].text, got,
				     cases[i].mask);
			return;
		}
	}
}

/* The column type after a sequence of values (NULL ends the list). */
static enum dn_type infer_seq(const char *const *vals)
{
	struct dn_infer s;
	dn_infer_init(&s);
	for (int i = 0; vals[i]; i++)
		dn_infer_add(&s, vals[i], strlen(vals[i]));
	return dn_infer_result(&s);
}

DN_TEST(data_infer_lattice)
{
	static const char *const bools[] = {"true", "False", NULL};
	static const char *const ints[] = {"1", "-2", "30", NULL};
	static const char *const zip[] = {"12345", "007", NULL};
	static const char *const big[] = {"1", "99999999999999999999", NULL};
	static const char *const intfloat[] = {"1", "2.5", "3", NULL};
	static const char *const floatint[] = {"2.5", "3", NULL};
	static const char *const dates[] = {"2024-01-01", "1999-12-31", NULL};
	static const char *const datets[] = {"2024-01-01", "2024-01-01T10:00:00Z", NULL};
	static const char *const tsdate[] = {"2024-01-01T10:00:00Z", "2024-01-01", NULL};
	static const char *const intdate[] = {"1", "2024-01-01", NULL};
	static const char *const boolint[] = {"true", "1", NULL};
	static const char *const floatdate[] = {"1.5", "2024-01-01", NULL};
	static const char *const intstr[] = {"1", "x", "2", NULL};
	static const char *const nanint[] = {"1", "nan", NULL};
	static const char *const none[] = {NULL};
	CHECK_INT(infer_seq(bools), DN_BOOL);
	CHECK_INT(infer_seq(ints), DN_INT64);
	CHECK_INT(infer_seq(zip), DN_STRING);
	CHECK_INT(infer_seq(big), DN_STRING);
	CHECK_INT(infer_seq(intfloat), DN_FLOAT64);
	CHECK_INT(infer_seq(floatint), DN_FLOAT64);
	CHECK_INT(infer_seq(dates), DN_DATE);
	CHECK_INT(infer_seq(datets), DN_TIMESTAMP);
	CHECK_INT(infer_seq(tsdate), DN_TIMESTAMP);
	CHECK_INT(infer_seq(intdate), DN_STRING);
	CHECK_INT(infer_seq(boolint), DN_STRING);
	CHECK_INT(infer_seq(floatdate), DN_STRING);
	CHECK_INT(infer_seq(intstr), DN_STRING);
	CHECK_INT(infer_seq(nanint), DN_FLOAT64);
	CHECK_INT(infer_seq(none), DN_STRING); /* all null: string */

	/* Values of known types (JSON numbers and booleans) follow the same lattice. */
	struct dn_infer s;
	dn_infer_init(&s);
	dn_infer_add_type(&s, DN_INT64);
	CHECK_INT(dn_infer_result(&s), DN_INT64);
	dn_infer_add_type(&s, DN_FLOAT64);
	CHECK_INT(dn_infer_result(&s), DN_FLOAT64);
	dn_infer_add_type(&s, DN_INT64);
	CHECK_INT(dn_infer_result(&s), DN_FLOAT64);
	dn_infer_add_type(&s, DN_BOOL);
	CHECK_INT(dn_infer_result(&s), DN_STRING);
	CHECK_INT(s.values, 4);
	dn_infer_init(&s);
	dn_infer_add_type(&s, DN_DATE);
	dn_infer_add(&s, "2020-01-01T00:00:00Z", 20);
	CHECK_INT(dn_infer_result(&s), DN_TIMESTAMP);
	dn_infer_add_type(&s, DN_STRING);
	CHECK_INT(dn_infer_result(&s), DN_STRING);
}

DN_TEST(data_type_widen)
{
	CHECK_INT(dn_type_widen(DN_INT64, DN_INT64), DN_INT64);
	CHECK_INT(dn_type_widen(DN_INT64, DN_FLOAT64), DN_FLOAT64);
	CHECK_INT(dn_type_widen(DN_FLOAT64, DN_INT64), DN_FLOAT64);
	CHECK_INT(dn_type_widen(DN_DATE, DN_TIMESTAMP), DN_TIMESTAMP);
	CHECK_INT(dn_type_widen(DN_TIMESTAMP, DN_DATE), DN_TIMESTAMP);
	CHECK_INT(dn_type_widen(DN_INT64, DN_DATE), DN_STRING);
	CHECK_INT(dn_type_widen(DN_BOOL, DN_INT64), DN_STRING);
	CHECK_INT(dn_type_widen(DN_FLOAT64, DN_TIMESTAMP), DN_STRING);
	CHECK_INT(dn_type_widen(DN_STRING, DN_INT64), DN_STRING);
	CHECK_INT(dn_type_widen(DN_BOOL, DN_BOOL), DN_BOOL);
}

/* Text into a typed builder: the reader's conversion of a value. */
DN_TEST(data_builder_append_text)
{
	struct dn_builder b;
	struct dn_column c = {0};
	dn_builder_init(&b, DN_INT64);
	CHECK_INT(dn_builder_append_text(&b, " 42 ", 4, NULL), 0);
	CHECK_INT(dn_builder_append_text(&b, "-9223372036854775808", 20, NULL), 0);
	CHECK_INT(dn_builder_append_text(&b, "9223372036854775808", 19, NULL), DN_ETYPE);
	CHECK_INT(dn_builder_append_text(&b, "1.5", 3, NULL), DN_ETYPE);
	CHECK_INT(dn_builder_append_text(&b, "", 0, NULL), DN_ETYPE);
	CHECK_INT(b.length, 2); /* nothing appended on DN_ETYPE */
	CHECK_OK(dn_builder_finish(&b, &c, NULL), NULL);
	CHECK_INT(dn_column_i64(&c, 0), 42);
	CHECK(dn_column_i64(&c, 1) == INT64_MIN);
	dn_column_release(&c);
	dn_builder_release(&b);

	dn_builder_init(&b, DN_FLOAT64);
	CHECK_INT(dn_builder_append_text(&b, "3", 1, NULL), 0);
	CHECK_INT(dn_builder_append_text(&b, "-inf", 4, NULL), 0);
	CHECK_INT(dn_builder_append_text(&b, "4.9e-324", 8, NULL), 0);
	CHECK_INT(dn_builder_append_text(&b, "x", 1, NULL), DN_ETYPE);
	CHECK_OK(dn_builder_finish(&b, &c, NULL), NULL);
	CHECK(dn_column_f64(&c, 0) == 3.0);
	CHECK(isinf(dn_column_f64(&c, 1)) && dn_column_f64(&c, 1) < 0);
	CHECK(dn_column_f64(&c, 2) == 4.9e-324);
	dn_column_release(&c);
	dn_builder_release(&b);

	dn_builder_init(&b, DN_DATE);
	CHECK_INT(dn_builder_append_text(&b, "1970-01-02", 10, NULL), 0);
	CHECK_INT(dn_builder_append_text(&b, "1970-01-02T00:00:00Z", 20, NULL), DN_ETYPE);
	CHECK_OK(dn_builder_finish(&b, &c, NULL), NULL);
	CHECK_INT(dn_column_date(&c, 0), 1);
	CHECK_INT(c.length, 1);
	dn_column_release(&c);
	dn_builder_release(&b);

	dn_builder_init(&b, DN_TIMESTAMP);
	CHECK_INT(dn_builder_append_text(&b, "1970-01-02", 10, NULL), 0); /* a date widens */
	CHECK_INT(dn_builder_append_text(&b, "1969-12-31T23:59:59.999999Z", 27, NULL), 0);
	CHECK_OK(dn_builder_finish(&b, &c, NULL), NULL);
	CHECK_INT(dn_column_i64(&c, 0), DN_USEC_PER_DAY);
	CHECK_INT(dn_column_i64(&c, 1), -1);
	CHECK_STR(cell(&c, 1), "1969-12-31T23:59:59.999999Z");
	dn_column_release(&c);
	dn_builder_release(&b);

	dn_builder_init(&b, DN_BOOL);
	CHECK_INT(dn_builder_append_text(&b, "TRUE", 4, NULL), 0);
	CHECK_INT(dn_builder_append_text(&b, "1", 1, NULL), DN_ETYPE);
	dn_builder_release(&b);
	dn_builder_init(&b, DN_STRING);
	CHECK_INT(dn_builder_append_text(&b, " kept ", 6, NULL), 0); /* strings are not trimmed */
	CHECK_OK(dn_builder_finish(&b, &c, NULL), NULL);
	CHECK_STR(cell(&c, 0), " kept ");
	dn_column_release(&c);
	dn_builder_release(&b);
}

/* Build a column of type t from texts (NULL = null). */
static int make_col(enum dn_type t, const char *const *vals, int n, struct dn_column *out)
{
	struct dn_builder b;
	int rc = 0;
	dn_builder_init(&b, t);
	for (int i = 0; i < n && rc >= 0; i++)
		rc = vals[i] ? dn_builder_append_text(&b, vals[i], strlen(vals[i]), NULL) :
			       dn_builder_append_null(&b, NULL);
	if (rc >= 0)
		rc = dn_builder_finish(&b, out, NULL);
	dn_builder_release(&b);
	return rc;
}

DN_TEST(data_column_cast)
{
	struct dn_column src = {0}, dst = {0};
	struct dn_error err;
	static const char *const ints[] = {"1", NULL, "-9007199254740993", "0"};
	CHECK_OK(make_col(DN_INT64, ints, 4, &src), NULL);
	CHECK_OK(dn_column_cast(&src, DN_FLOAT64, &dst, &err), &err);
	CHECK_INT(dst.type, DN_FLOAT64);
	CHECK_INT(dst.length, 4);
	CHECK_INT(dst.null_count, 1);
	CHECK(dn_column_is_null(&dst, 1));
	CHECK(dn_column_f64(&dst, 0) == 1.0);
	CHECK(dn_column_f64(&dst, 2) == -9007199254740992.0);
	dn_column_release(&dst);
	CHECK_OK(dn_column_cast(&src, DN_STRING, &dst, &err), &err);
	CHECK_STR(cell(&dst, 0), "1");
	CHECK_STR(cell(&dst, 1), "null");
	CHECK_STR(cell(&dst, 2), "-9007199254740993");
	dn_column_release(&dst);
	CHECK_OK(dn_column_cast(&src, DN_INT64, &dst, &err), &err); /* same type: a copy */
	CHECK_INT(dn_column_i64(&dst, 2), INT64_C(-9007199254740993));
	dn_column_release(&dst);
	CHECK_INT(dn_column_cast(&src, DN_DATE, &dst, &err), DN_ETYPE);
	CHECK(strstr(err.msg, "int64") != NULL);
	dn_column_release(&dst);
	dn_column_release(&src);

	static const char *const dates[] = {"1969-12-31", "2024-02-29", NULL};
	CHECK_OK(make_col(DN_DATE, dates, 3, &src), NULL);
	CHECK_OK(dn_column_cast(&src, DN_TIMESTAMP, &dst, &err), &err);
	CHECK_INT(dn_column_i64(&dst, 0), -DN_USEC_PER_DAY);
	CHECK_STR(cell(&dst, 1), "2024-02-29T00:00:00Z");
	CHECK(dn_column_is_null(&dst, 2));
	dn_column_release(&dst);
	CHECK_OK(dn_column_cast(&src, DN_STRING, &dst, &err), &err);
	CHECK_STR(cell(&dst, 1), "2024-02-29");
	dn_column_release(&dst);
	dn_column_release(&src);

	/* Floats and booleans to text print what the readers read back. */
	static const char *const floats[] = {"3", "-0.0", "1e300", "nan", "0.1"};
	CHECK_OK(make_col(DN_FLOAT64, floats, 5, &src), NULL);
	CHECK_OK(dn_column_cast(&src, DN_STRING, &dst, &err), &err);
	CHECK_STR(cell(&dst, 0), "3.0");
	CHECK_STR(cell(&dst, 1), "-0.0");
	CHECK_STR(cell(&dst, 2), "1e+300");
	CHECK_STR(cell(&dst, 3), "nan");
	CHECK_STR(cell(&dst, 4), "0.1");
	CHECK(dst.validity == NULL);
	dn_column_release(&dst);
	CHECK_INT(dn_column_cast(&src, DN_INT64, &dst, &err), DN_ETYPE); /* no narrowing */
	dn_column_release(&dst);
	dn_column_release(&src);
	static const char *const bools[] = {"true", "false"};
	CHECK_OK(make_col(DN_BOOL, bools, 2, &src), NULL);
	CHECK_OK(dn_column_cast(&src, DN_STRING, &dst, &err), &err);
	CHECK_STR(cell(&dst, 0), "true");
	CHECK_STR(cell(&dst, 1), "false");
	dn_column_release(&dst);
	dn_column_release(&src);
}

DN_TEST(data_type_names)
{
	static const struct {
		const char *s;
		enum dn_type t;
	} names[] = {
		{"bool", DN_BOOL},          {"boolean", DN_BOOL},    {"BOOLEAN", DN_BOOL},
		{"int64", DN_INT64},        {"int", DN_INT64},       {"Integer", DN_INT64},
		{"bigint", DN_INT64},       {"float64", DN_FLOAT64}, {"float", DN_FLOAT64},
		{"double", DN_FLOAT64},     {"string", DN_STRING},   {"text", DN_STRING},
		{"VARCHAR", DN_STRING},     {"date", DN_DATE},       {"timestamp", DN_TIMESTAMP},
		{"datetime", DN_TIMESTAMP},
	};
	enum dn_type t;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		t = (enum dn_type)0;
		CHECK_INT(dn_type_parse(names[i].s, &t), 0);
		CHECK_INT(t, names[i].t);
	}
	CHECK_INT(dn_type_parse("int32", &t), DN_EPARSE);
	CHECK_INT(dn_type_parse("", &t), DN_EPARSE);
	CHECK_INT(dn_type_parse("strings", &t), DN_EPARSE);
	/* Every canonical name parses back to its type. */
	for (int k = DN_BOOL; k <= DN_TIMESTAMP; k++) {
		CHECK_INT(dn_type_parse(dn_type_name((enum dn_type)k), &t), 0);
		CHECK_INT(t, k);
	}
	CHECK_STR(dn_type_name(DN_FLOAT64), "float64");
	CHECK_STR(dn_type_name((enum dn_type)99), "unknown");
}

DN_TEST(data_schema)
{
	struct dn_schema a, b;
	dn_schema_init(&a);
	dn_schema_init(&b);
	CHECK_OK(dn_schema_add(&a, "x,y", 3, DN_INT64, NULL), NULL);
	CHECK_OK(dn_schema_add(&a, "näme", strlen("näme"), DN_STRING, NULL), NULL);
	CHECK_INT(dn_schema_find(&a, "näme"), 1);
	CHECK_INT(dn_schema_find(&a, "x"), -1);
	CHECK_OK(dn_schema_copy(&b, &a, NULL), NULL);
	CHECK(dn_schema_equal(&a, &b));
	b.fields[0].type = DN_FLOAT64;
	CHECK(!dn_schema_equal(&a, &b));
	dn_schema_release(&a);
	dn_schema_release(&a); /* released twice is fine */
	CHECK(!dn_schema_equal(&a, &b));
	dn_schema_release(&b);
}

/* Append value k (a function of k, or a null) to b of any type, value by value. */
static int put_value(struct dn_builder *b, uint64_t k, int null)
{
	if (null)
		return dn_builder_append_null(b, NULL);
	char s[32];
	switch (b->type) {
	case DN_BOOL:
		return dn_builder_append_bool(b, (int)(k & 1), NULL);
	case DN_INT64:
	case DN_TIMESTAMP:
		return dn_builder_append_i64(b, (int64_t)k * 7919 - 5000, NULL);
	case DN_FLOAT64:
		return dn_builder_append_f64(b, (double)k / 4, NULL);
	case DN_DATE:
		return dn_builder_append_date(b, (int32_t)k, NULL);
	case DN_STRING:
		snprintf(s, sizeof s, "%.*s", (int)(k % 13), "value-abcdefgh");
		return dn_builder_append_str(b, s, strlen(s), NULL);
	}
	return -1;
}

/* Same length, null count and text of every value; *why names the first difference. */
static int same_column(const struct dn_column *a, const struct dn_column *b, char *why, size_t n)
{
	if (a->length != b->length || a->null_count != b->null_count) {
		snprintf(why, n, "length %lld/%lld nulls %lld/%lld", (long long)a->length,
			 (long long)b->length, (long long)a->null_count, (long long)b->null_count);
		return 0;
	}
	for (int64_t i = 0; i < a->length; i++) {
		char x[256];
		snprintf(x, sizeof x, "%s", cell(a, i));
		if (strcmp(x, cell(b, i))) {
			snprintf(why, n, "row %lld: %s vs %s", (long long)i, x, cell(b, i));
			return 0;
		}
	}
	return 1;
}

/* dn_builder_spread and dn_builder_append_rows give the columns that appending value by value
 * gives: runs of every length, all valid or with nulls, before and after the first null. */
DN_TEST(data_builder_bulk_appends)
{
	static const enum dn_type types[] = {DN_BOOL,   DN_INT64, DN_FLOAT64,
					     DN_STRING, DN_DATE,  DN_TIMESTAMP};
	uint64_t s = 1;
	for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
		struct dn_builder ref, sp, ap;
		struct dn_column want = {0}, got = {0}, got2 = {0};
		char why[300];
		uint8_t valid[300];
		dn_builder_init(&ref, types[t]);
		dn_builder_init(&sp, types[t]);
		dn_builder_init(&ap, types[t]);
		int64_t total = 0;
		for (int run = 0; run < 40; run++) {
			int64_t n =
				(int64_t)((s = s * 6364136223846793005u + 1442695040888963407u) >>
					  33) %
				300;
			int nulls = run >= 3 && run % 4 != 0; /* runs 0-2 without a bitmap */
			for (int64_t i = 0; i < n; i++) {
				uint64_t k = (uint64_t)(total + i);
				valid[i] = !nulls || (k * 2654435761u >> 7) % 3 != 0;
				CHECK(put_value(&ref, k, !valid[i]) == 0);
			}
			int64_t start = sp.length;
			CHECK(dn_builder_reserve(&sp, n, 0, NULL) == 0);
			for (int64_t i = 0; i < n; i++)
				if (valid[i])
					CHECK(put_value(&sp, (uint64_t)(total + i), 0) == 0);
			CHECK(dn_builder_spread(&sp, start, nulls ? valid : NULL, n, NULL) == 0);
			total += n;
		}
		CHECK(dn_builder_finish(&ref, &want, NULL) == 0);
		CHECK(dn_builder_finish(&sp, &got, NULL) == 0);
		int ok = same_column(&want, &got, why, sizeof why);
		if (!ok)
			dn_test_fail(dn_t_, __FILE__, __LINE__, "spread, %s: %s",
				     dn_type_name(types[t]), why);
		/* the same rows again, copied in runs of 0-299 rows */
		for (int64_t from = 0; ok && from < want.length;) {
			int64_t n =
				(int64_t)((s = s * 6364136223846793005u + 1442695040888963407u) >>
					  33) %
				300;
			if (n > want.length - from)
				n = want.length - from;
			CHECK(dn_builder_append_rows(&ap, &want, from, n, NULL) == 0);
			from += n;
		}
		CHECK(dn_builder_finish(&ap, &got2, NULL) == 0);
		if (ok && !same_column(&want, &got2, why, sizeof why)) {
			ok = 0;
			dn_test_fail(dn_t_, __FILE__, __LINE__, "append_rows, %s: %s",
				     dn_type_name(types[t]), why);
		}
		dn_column_release(&want);
		dn_column_release(&got);
		dn_column_release(&got2);
		dn_builder_release(&ref);
		dn_builder_release(&sp);
		dn_builder_release(&ap);
		if (!ok)
			return;
	}
}
