/* Columns and batches: release, text formatting of values, casts along the widening rules, and
 * deep equality for tests. */
#include <stdio.h>
#include <string.h>

#include "data.h"

void dn_column_release(struct dn_column *c)
{
	dn_free(c->validity);
	dn_free(c->values);
	dn_free(c->offsets);
	dn_free(c->data);
	memset(c, 0, sizeof *c);
}

int dn_column_format(const struct dn_column *c, int64_t i, struct dn_buf *out, int *is_null,
		     struct dn_error *err)
{
	char tmp[48];
	int n;
	*is_null = dn_column_is_null(c, i);
	if (*is_null)
		return 0;
	switch (c->type) {
	case DN_BOOL:
		return dn_buf_puts(out, dn_column_bool(c, i) ? "true" : "false", err);
	case DN_INT64:
		n = snprintf(tmp, sizeof tmp, "%lld", (long long)dn_column_i64(c, i));
		return dn_buf_append(out, tmp, (size_t)n, err);
	case DN_FLOAT64:
		n = dn_format_f64(dn_column_f64(c, i), tmp);
		return dn_buf_append(out, tmp, (size_t)n, err);
	case DN_DATE:
		n = dn_date_format(dn_column_date(c, i), tmp);
		return dn_buf_append(out, tmp, (size_t)n, err);
	case DN_TIMESTAMP:
		n = dn_timestamp_format(dn_column_i64(c, i), tmp);
		return dn_buf_append(out, tmp, (size_t)n, err);
	case DN_STRING: {
		struct dn_str s = dn_column_str(c, i);
		return dn_buf_append(out, s.ptr, s.len, err);
	}
	}
	return dn_error_set(err, DN_EINTERNAL, "unknown column type");
}

int dn_column_cast(const struct dn_column *src, enum dn_type to, struct dn_column *dst,
		   struct dn_error *err)
{
	struct dn_builder b;
	struct dn_buf text = DN_BUF_INIT;
	int rc = 0;
	dn_builder_init(&b, to);
	if ((rc = dn_builder_reserve(&b, src->length, 0, err)) < 0)
		goto out;
	for (int64_t i = 0; i < src->length; i++) {
		if (dn_column_is_null(src, i)) {
			rc = dn_builder_append_null(&b, err);
		} else if (src->type == to) {
			rc = dn_builder_append_from(&b, src, i, err);
		} else if (src->type == DN_INT64 && to == DN_FLOAT64) {
			rc = dn_builder_append_f64(&b, (double)dn_column_i64(src, i), err);
		} else if (src->type == DN_DATE && to == DN_TIMESTAMP) {
			rc = dn_builder_append_ts(&b,
						  (int64_t)dn_column_date(src, i) * DN_USEC_PER_DAY,
						  err);
		} else if (to == DN_STRING) {
			int isnull;
			dn_buf_reset(&text);
			if ((rc = dn_column_format(src, i, &text, &isnull, err)) < 0)
				goto out;
			rc = dn_builder_append_str(&b, text.data ? text.data : "", text.len, err);
		} else {
			rc = dn_error_set(err, DN_ETYPE, "cannot cast %s to %s",
					  dn_type_name(src->type), dn_type_name(to));
		}
		if (rc < 0)
			goto out;
	}
	rc = dn_builder_finish(&b, dst, err);
out:
	dn_buf_release(&text);
	dn_builder_release(&b);
	return rc;
}

struct dn_batch *dn_batch_new(const struct dn_schema *schema, struct dn_error *err)
{
	struct dn_batch *b = dn_calloc(1, sizeof *b);
	if (!b)
		goto oom;
	if (dn_schema_copy(&b->schema, schema, err) < 0) {
		dn_free(b);
		return NULL;
	}
	b->columns = dn_calloc((size_t)(schema->nfields ? schema->nfields : 1), sizeof *b->columns);
	if (!b->columns) {
		dn_batch_free(b);
		goto oom;
	}
	for (int i = 0; i < schema->nfields; i++) {
		struct dn_builder bl;
		dn_builder_init(&bl, schema->fields[i].type);
		int rc = dn_builder_finish(&bl, &b->columns[i], err);
		dn_builder_release(&bl);
		if (rc < 0) {
			dn_batch_free(b);
			return NULL;
		}
	}
	return b;
oom:
	dn_error_set(err, DN_ENOMEM, "out of memory creating a batch");
	return NULL;
}

void dn_batch_free(struct dn_batch *b)
{
	if (!b)
		return;
	if (b->columns)
		for (int i = 0; i < b->schema.nfields; i++)
			dn_column_release(&b->columns[i]);
	dn_free(b->columns);
	dn_schema_release(&b->schema);
	dn_free(b);
}

struct dn_batch *dn_batch_from_builders(const struct dn_schema *schema, struct dn_builder *builders,
					struct dn_error *err)
{
	struct dn_batch *b = dn_calloc(1, sizeof *b);
	if (!b) {
		dn_error_set(err, DN_ENOMEM, "out of memory creating a batch");
		return NULL;
	}
	if (dn_schema_copy(&b->schema, schema, err) < 0)
		goto fail;
	b->columns = dn_calloc((size_t)(schema->nfields ? schema->nfields : 1), sizeof *b->columns);
	if (!b->columns) {
		dn_error_set(err, DN_ENOMEM, "out of memory creating a batch");
		goto fail;
	}
	b->nrows = schema->nfields ? builders[0].length : 0;
	for (int i = 0; i < schema->nfields; i++) {
		if (dn_builder_finish(&builders[i], &b->columns[i], err) < 0)
			goto fail;
		b->schema.fields[i].type = b->columns[i].type;
	}
	return b;
fail:
	dn_batch_free(b);
	return NULL;
}

static int values_equal(const struct dn_column *a, const struct dn_column *b, int64_t i)
{
	switch (a->type) {
	case DN_BOOL:
		return dn_column_bool(a, i) == dn_column_bool(b, i);
	case DN_INT64:
	case DN_TIMESTAMP:
		return dn_column_i64(a, i) == dn_column_i64(b, i);
	case DN_FLOAT64: {
		double x = dn_column_f64(a, i), y = dn_column_f64(b, i);
		return memcmp(&x, &y, sizeof x) == 0 || (x != x && y != y);
	}
	case DN_DATE:
		return dn_column_date(a, i) == dn_column_date(b, i);
	case DN_STRING:
		return dn_str_eq(dn_column_str(a, i), dn_column_str(b, i));
	}
	return 0;
}

int dn_batch_equal(const struct dn_batch *a, const struct dn_batch *b, char *why, size_t whylen)
{
	char dummy[8];
	if (!why) {
		why = dummy;
		whylen = sizeof dummy;
	}
	if (a->schema.nfields != b->schema.nfields) {
		snprintf(why, whylen, "%d columns vs %d", a->schema.nfields, b->schema.nfields);
		return 0;
	}
	if (a->nrows != b->nrows) {
		snprintf(why, whylen, "%lld rows vs %lld", (long long)a->nrows,
			 (long long)b->nrows);
		return 0;
	}
	for (int c = 0; c < a->schema.nfields; c++) {
		const struct dn_field *fa = &a->schema.fields[c], *fb = &b->schema.fields[c];
		if (strcmp(fa->name, fb->name) != 0 || fa->type != fb->type) {
			snprintf(why, whylen, "column %d: %s %s vs %s %s", c + 1, fa->name,
				 dn_type_name(fa->type), fb->name, dn_type_name(fb->type));
			return 0;
		}
		const struct dn_column *ca = &a->columns[c], *cb = &b->columns[c];
		for (int64_t i = 0; i < a->nrows; i++) {
			int na = dn_column_is_null(ca, i), nb = dn_column_is_null(cb, i);
			if (na != nb || (!na && !values_equal(ca, cb, i))) {
				struct dn_buf x = DN_BUF_INIT, y = DN_BUF_INIT;
				int n1, n2;
				dn_column_format(ca, i, &x, &n1, NULL);
				dn_column_format(cb, i, &y, &n2, NULL);
				snprintf(why, whylen, "column %s row %lld: %s vs %s", fa->name,
					 (long long)i, n1 ? "null" : (x.data ? x.data : ""),
					 n2 ? "null" : (y.data ? y.data : ""));
				dn_buf_release(&x);
				dn_buf_release(&y);
				return 0;
			}
		}
	}
	return 1;
}
