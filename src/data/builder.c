/* Builders: growable typed buffers that become a column. Checked appends reserve as they go;
 * the inline dn_builder_put_* in data.h skip the checks for loops that reserved up front (the
 * CSV reader reserves a whole batch at once). The validity bitmap is allocated only when the
 * first null arrives, so columns without nulls carry none. */
#include <assert.h>
#include <string.h>

#include "data.h"

static size_t width_of(enum dn_type t)
{
	switch (t) {
	case DN_BOOL:
		return 1;
	case DN_DATE:
		return 4;
	case DN_STRING:
		return 0;
	default:
		return 8;
	}
}

void dn_builder_init(struct dn_builder *b, enum dn_type type)
{
	memset(b, 0, sizeof *b);
	b->type = type;
}

void dn_builder_release(struct dn_builder *b)
{
	dn_buf_release(&b->validity);
	dn_buf_release(&b->values);
	dn_buf_release(&b->offsets);
	dn_buf_release(&b->data);
	b->length = 0;
	b->null_count = 0;
}

void dn_builder_reset(struct dn_builder *b)
{
	b->length = 0;
	b->null_count = 0;
	dn_buf_release(&b->validity); /* lazily re-created: most batches have the same pattern */
	b->values.len = 0;
	b->offsets.len = 0;
	b->data.len = 0;
}

int dn_builder_reserve(struct dn_builder *b, int64_t rows, size_t bytes, struct dn_error *err)
{
	size_t w = width_of(b->type);
	if (w) {
		DN_TRY(dn_buf_reserve(&b->values, (size_t)rows * w, err));
	} else {
		if (b->offsets.len == 0) {
			DN_TRY(dn_buf_reserve(&b->offsets, (size_t)(rows + 1) * 8, err));
			memset(b->offsets.data, 0, 8);
			b->offsets.len = 8;
		} else {
			DN_TRY(dn_buf_reserve(&b->offsets, (size_t)rows * 8, err));
		}
		DN_TRY(dn_buf_reserve(&b->data, bytes, err));
	}
	if (b->validity.data) {
		size_t need = (size_t)((b->length + rows + 7) >> 3);
		if (need > b->validity.len) {
			DN_TRY(dn_buf_reserve(&b->validity, need - b->validity.len, err));
			memset(b->validity.data + b->validity.len, 0, need - b->validity.len);
			b->validity.len = need;
		}
	}
	return 0;
}

/* Create the bitmap with every earlier row valid, sized for the reserved capacity. */
int dn_builder_grow_validity_(struct dn_builder *b, struct dn_error *err)
{
	size_t w = width_of(b->type);
	size_t cap_rows = w ? b->values.cap / w : (b->offsets.cap / 8);
	if (cap_rows < (size_t)b->length + 1)
		cap_rows = (size_t)b->length + 1;
	size_t need = (cap_rows + 7) >> 3;
	DN_TRY(dn_buf_reserve(&b->validity, need, err));
	memset(b->validity.data, 0, need);
	memset(b->validity.data, 0xff, (size_t)(b->length >> 3));
	for (int64_t i = b->length & ~INT64_C(7); i < b->length; i++)
		((uint8_t *)b->validity.data)[i >> 3] |= (uint8_t)(1u << (i & 7));
	b->validity.len = need;
	return 0;
}

int dn_builder_put_null(struct dn_builder *b, struct dn_error *err)
{
	if (!b->validity.data)
		DN_TRY(dn_builder_grow_validity_(b, err));
	size_t w = width_of(b->type);
	if (w) {
		memset(b->values.data + b->values.len, 0, w);
		b->values.len += w;
		b->length++;
	} else {
		((int64_t *)b->offsets.data)[++b->length] = (int64_t)b->data.len;
		b->offsets.len += 8;
	}
	b->null_count++;
	return 0;
}

/* Bits [start, start + n) of the bitmap from valid (NULL: all set). */
static void set_bits(uint8_t *bm, int64_t start, const uint8_t *valid, int64_t n)
{
	int64_t i = 0, r = start;
	for (; i < n && (r & 7); i++, r++) {
		if (!valid || valid[i])
			bm[r >> 3] |= (uint8_t)(1u << (r & 7));
		else
			bm[r >> 3] &= (uint8_t) ~(1u << (r & 7));
	}
	if (!valid) {
		int64_t whole = (n - i) >> 3;
		memset(bm + (r >> 3), 0xff, (size_t)whole);
		i += whole * 8;
		r += whole * 8;
	} else {
		for (; i + 8 <= n; i += 8, r += 8) {
			unsigned x = 0;
			for (int k = 0; k < 8; k++)
				x |= (unsigned)(valid[i + k] != 0) << k;
			bm[r >> 3] = (uint8_t)x;
		}
	}
	for (; i < n; i++, r++) {
		if (!valid || valid[i])
			bm[r >> 3] |= (uint8_t)(1u << (r & 7));
		else
			bm[r >> 3] &= (uint8_t) ~(1u << (r & 7));
	}
}

/* Walks the run backwards: each value moves to its row (never to an earlier position, so the
 * move is in place) until the rows left are exactly the values left, which stay where they are. */
int dn_builder_spread(struct dn_builder *b, int64_t start, const uint8_t *valid, int64_t n,
		      struct dn_error *err)
{
	int64_t m = b->length - start, nulls = n - m;
	assert(m >= 0 && nulls >= 0 && (valid || !nulls));
	if (nulls) {
		DN_TRY(dn_builder_reserve(b, nulls, 0, err));
		if (!b->validity.data)
			DN_TRY(dn_builder_grow_validity_(b, err));
		size_t w = width_of(b->type);
		int64_t j = m;
		if (w == 8) {
			int64_t *v = (int64_t *)(void *)b->values.data + start;
			for (int64_t i = n; i-- > 0 && j != i + 1;)
				v[i] = valid[i] ? v[--j] : 0;
		} else if (w == 4) {
			int32_t *v = (int32_t *)(void *)b->values.data + start;
			for (int64_t i = n; i-- > 0 && j != i + 1;)
				v[i] = valid[i] ? v[--j] : 0;
		} else if (w == 1) {
			uint8_t *v = (uint8_t *)b->values.data + start;
			for (int64_t i = n; i-- > 0 && j != i + 1;)
				v[i] = valid[i] ? v[--j] : 0;
		} else {
			/* offsets: o[i] ends row i - 1; a null ends where the value before ends */
			int64_t *o = (int64_t *)(void *)b->offsets.data + start;
			for (int64_t i = n; i > 0 && j != i; i--) {
				o[i] = o[j];
				if (valid[i - 1])
					j--;
			}
			b->offsets.len += (size_t)nulls * 8;
		}
		if (w)
			b->values.len += (size_t)nulls * w;
		b->length += nulls;
		b->null_count += nulls;
	}
	if (b->validity.data) {
		size_t need = (size_t)((b->length + 7) >> 3);
		if (need > b->validity.len) { /* rows appended without dn_builder_reserve */
			DN_TRY(dn_buf_reserve(&b->validity, need - b->validity.len, err));
			memset(b->validity.data + b->validity.len, 0, need - b->validity.len);
			b->validity.len = need;
		}
		set_bits((uint8_t *)b->validity.data, start, valid, n);
	}
	return 0;
}

static int reserve_one(struct dn_builder *b, size_t bytes, struct dn_error *err)
{
	return dn_builder_reserve(b, 1, bytes, err);
}

int dn_builder_append_null(struct dn_builder *b, struct dn_error *err)
{
	DN_TRY(reserve_one(b, 0, err));
	return dn_builder_put_null(b, err);
}

int dn_builder_append_bool(struct dn_builder *b, int v, struct dn_error *err)
{
	assert(b->type == DN_BOOL);
	DN_TRY(reserve_one(b, 0, err));
	dn_builder_put_bool(b, v);
	return 0;
}

int dn_builder_append_i64(struct dn_builder *b, int64_t v, struct dn_error *err)
{
	assert(b->type == DN_INT64 || b->type == DN_TIMESTAMP);
	DN_TRY(reserve_one(b, 0, err));
	dn_builder_put_i64(b, v);
	return 0;
}

int dn_builder_append_ts(struct dn_builder *b, int64_t v, struct dn_error *err)
{
	return dn_builder_append_i64(b, v, err);
}

int dn_builder_append_f64(struct dn_builder *b, double v, struct dn_error *err)
{
	assert(b->type == DN_FLOAT64);
	DN_TRY(reserve_one(b, 0, err));
	dn_builder_put_f64(b, v);
	return 0;
}

int dn_builder_append_date(struct dn_builder *b, int32_t v, struct dn_error *err)
{
	assert(b->type == DN_DATE);
	DN_TRY(reserve_one(b, 0, err));
	dn_builder_put_date(b, v);
	return 0;
}

int dn_builder_append_str(struct dn_builder *b, const char *p, size_t n, struct dn_error *err)
{
	assert(b->type == DN_STRING);
	DN_TRY(reserve_one(b, n, err));
	dn_builder_put_str(b, p, n);
	return 0;
}

int dn_builder_append_from(struct dn_builder *b, const struct dn_column *c, int64_t i,
			   struct dn_error *err)
{
	if (dn_column_is_null(c, i))
		return dn_builder_append_null(b, err);
	switch (c->type) {
	case DN_BOOL:
		return dn_builder_append_bool(b, dn_column_bool(c, i), err);
	case DN_INT64:
	case DN_TIMESTAMP:
		return dn_builder_append_i64(b, dn_column_i64(c, i), err);
	case DN_FLOAT64:
		return dn_builder_append_f64(b, dn_column_f64(c, i), err);
	case DN_DATE:
		return dn_builder_append_date(b, dn_column_date(c, i), err);
	case DN_STRING: {
		struct dn_str s = dn_column_str(c, i);
		return dn_builder_append_str(b, s.ptr, s.len, err);
	}
	}
	return dn_error_set(err, DN_EINTERNAL, "unknown column type");
}

int dn_builder_append_rows(struct dn_builder *b, const struct dn_column *c, int64_t from, int64_t n,
			   struct dn_error *err)
{
	assert(b->type == c->type && from >= 0 && n >= 0 && from + n <= c->length);
	int64_t start = b->length, nulls = 0;
	if (c->validity)
		for (int64_t i = 0; i < n; i++)
			nulls += dn_column_is_null(c, from + i);
	size_t w = width_of(b->type);
	if (w) {
		DN_TRY(dn_builder_reserve(b, n, 0, err));
		memcpy(b->values.data + b->values.len, (const char *)c->values + (size_t)from * w,
		       (size_t)n * w);
		b->values.len += (size_t)n * w;
	} else {
		int64_t base = c->offsets[from];
		size_t bytes = (size_t)(c->offsets[from + n] - base);
		DN_TRY(dn_builder_reserve(b, n, bytes, err));
		int64_t *o = (int64_t *)(void *)b->offsets.data + start;
		int64_t at = (int64_t)b->data.len - base;
		for (int64_t i = 1; i <= n; i++)
			o[i] = c->offsets[from + i] + at;
		if (bytes)
			memcpy(b->data.data + b->data.len, c->data + base, bytes);
		b->data.len += bytes;
		b->offsets.len += (size_t)n * 8;
	}
	b->length += n;
	if (nulls && !b->validity.data)
		DN_TRY(dn_builder_grow_validity_(b, err)); /* sets rows [start, length) valid */
	if (b->validity.data) {
		uint8_t *bm = (uint8_t *)b->validity.data;
		for (int64_t i = 0; i < n; i++) {
			int64_t r = start + i;
			if (dn_column_is_null(c, from + i))
				bm[r >> 3] &= (uint8_t) ~(1u << (r & 7));
			else
				bm[r >> 3] |= (uint8_t)(1u << (r & 7));
		}
	}
	b->null_count += nulls;
	return 0;
}

int dn_builder_finish(struct dn_builder *b, struct dn_column *out, struct dn_error *err)
{
	dn_column_release(out);
	out->type = b->type;
	out->length = b->length;
	out->null_count = b->null_count;
	if (b->type == DN_STRING && b->offsets.len == 0)
		DN_TRY(dn_builder_reserve(b, 0, 0, err));
	/* Empty buffers still get an allocation so readers never see NULL values. */
	if (!b->values.data && b->type != DN_STRING)
		DN_TRY(dn_buf_reserve(&b->values, 8, err));
	if (b->type == DN_STRING && !b->data.data)
		DN_TRY(dn_buf_reserve(&b->data, 1, err));
	out->values = b->type == DN_STRING ? NULL : (void *)dn_buf_take(&b->values, NULL);
	out->offsets = b->type == DN_STRING ? (int64_t *)(void *)dn_buf_take(&b->offsets, NULL) :
					      NULL;
	out->data = b->type == DN_STRING ? dn_buf_take(&b->data, NULL) : NULL;
	out->validity = b->null_count ? (uint8_t *)dn_buf_take(&b->validity, NULL) : NULL;
	dn_builder_reset(b);
	return 0;
}
