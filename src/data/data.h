/* data: dunya's columnar currency. Every reader produces dn_batch values and every writer,
 * check and model consumes them.
 *
 * The layout follows Arrow: each column has a value buffer, an optional validity bitmap
 * (bit i set = row i is valid, LSB first; NULL when no row is null) and, for strings, int64
 * offsets (length+1 entries) into a byte buffer. Booleans take one byte per value (0 or 1)
 * rather than Arrow's bits: kernels read them directly and the cost is small next to strings.
 *
 * Types: bool (uint8), int64, float64, string (UTF-8, validated by readers), date (int32 days
 * since 1970-01-01), timestamp (int64 µs since epoch, UTC). Every type is nullable.
 *
 * Uses: core. Thread safety: none inside; distinct objects may be used from different threads.
 * Ownership: a batch owns its schema copy and its columns' buffers (all from dn_malloc);
 * dn_batch_free frees all of it. Builders own their buffers until dn_builder_finish moves
 * them into a column. */
#ifndef DN_DATA_H
#define DN_DATA_H

#include <string.h>

#include "../core/core.h"

enum dn_type {
	DN_BOOL = 1,
	DN_INT64,
	DN_FLOAT64,
	DN_STRING,
	DN_DATE,
	DN_TIMESTAMP,
};

/* "bool", "int64", "float64", "string", "date", "timestamp". */
const char *dn_type_name(enum dn_type t);
/* Parses those names and common aliases (int, integer, bigint, double, float, text, varchar,
 * boolean, datetime). Returns 0 or DN_EPARSE. */
int dn_type_parse(const char *s, enum dn_type *out);

/* ---------------------------------------------------------------------------------------------
 * Schemas */
struct dn_field {
	char *name; /* owned, UTF-8 */
	enum dn_type type;
};

struct dn_schema {
	int nfields;
	struct dn_field *fields; /* owned */
};

void dn_schema_init(struct dn_schema *s);
void dn_schema_release(struct dn_schema *s);
int dn_schema_add(struct dn_schema *s, const char *name, size_t name_len, enum dn_type type,
		  struct dn_error *err);
int dn_schema_copy(struct dn_schema *dst, const struct dn_schema *src, struct dn_error *err);
int dn_schema_find(const struct dn_schema *s, const char *name); /* index or -1 */
int dn_schema_equal(const struct dn_schema *a, const struct dn_schema *b);

/* ---------------------------------------------------------------------------------------------
 * Columns */
struct dn_column {
	enum dn_type type;
	int64_t length;
	int64_t null_count;
	uint8_t *validity; /* NULL = all valid */
	void *values;      /* uint8 / int64 / double / int32 / int64 by type; NULL for strings */
	int64_t *offsets;  /* strings: length+1 entries */
	char *data;        /* strings: bytes */
};

static inline int dn_column_is_null(const struct dn_column *c, int64_t i)
{
	return c->validity && !((c->validity[i >> 3] >> (i & 7)) & 1);
}
static inline int64_t dn_column_i64(const struct dn_column *c, int64_t i)
{
	return ((const int64_t *)c->values)[i];
}
static inline double dn_column_f64(const struct dn_column *c, int64_t i)
{
	return ((const double *)c->values)[i];
}
static inline int dn_column_bool(const struct dn_column *c, int64_t i)
{
	return ((const uint8_t *)c->values)[i];
}
static inline int32_t dn_column_date(const struct dn_column *c, int64_t i)
{
	return ((const int32_t *)c->values)[i];
}
/* Borrowed view of string i, valid while the column lives. */
static inline struct dn_str dn_column_str(const struct dn_column *c, int64_t i)
{
	struct dn_str s = {c->data + c->offsets[i], (size_t)(c->offsets[i + 1] - c->offsets[i])};
	return s;
}

void dn_column_release(struct dn_column *c);

/* Format value i as text the readers parse back to the same value (NULL -> empty, returns 0
 * and sets *is_null). Strings are appended raw. Returns 0 or DN_ENOMEM. */
int dn_column_format(const struct dn_column *c, int64_t i, struct dn_buf *out, int *is_null,
		     struct dn_error *err);

/* ---------------------------------------------------------------------------------------------
 * Builders: append values of one type, then move them into a column. Appending to a builder
 * of another type is a programming error (asserted). Append functions return 0 or DN_ENOMEM. */
struct dn_builder {
	enum dn_type type;
	int64_t length;
	int64_t null_count;
	struct dn_buf validity; /* bitmap, allocated lazily at the first null */
	struct dn_buf values;
	struct dn_buf offsets; /* strings */
	struct dn_buf data;    /* strings */
};

void dn_builder_init(struct dn_builder *b, enum dn_type type);
void dn_builder_release(struct dn_builder *b);
void dn_builder_reset(struct dn_builder *b); /* empty, keeps memory and type */
int dn_builder_reserve(struct dn_builder *b, int64_t rows, size_t bytes, struct dn_error *err);
int dn_builder_append_null(struct dn_builder *b, struct dn_error *err);
int dn_builder_append_bool(struct dn_builder *b, int v, struct dn_error *err);
int dn_builder_append_i64(struct dn_builder *b, int64_t v, struct dn_error *err);
int dn_builder_append_f64(struct dn_builder *b, double v, struct dn_error *err);
int dn_builder_append_date(struct dn_builder *b, int32_t v, struct dn_error *err);
int dn_builder_append_ts(struct dn_builder *b, int64_t v, struct dn_error *err);
int dn_builder_append_str(struct dn_builder *b, const char *p, size_t n, struct dn_error *err);
/* Unchecked appends for hot loops: the caller has reserved room with dn_builder_reserve (rows
 * for fixed-width values and the validity bitmap, bytes for string data). */
int dn_builder_grow_validity_(struct dn_builder *b, struct dn_error *err);
static inline void dn_builder_set_valid_(struct dn_builder *b)
{
	if (b->validity.data) {
		int64_t i = b->length;
		((uint8_t *)b->validity.data)[i >> 3] |= (uint8_t)(1u << (i & 7));
	}
}
static inline void dn_builder_put_i64(struct dn_builder *b, int64_t v)
{
	dn_builder_set_valid_(b);
	((int64_t *)b->values.data)[b->length++] = v;
	b->values.len += 8;
}
static inline void dn_builder_put_f64(struct dn_builder *b, double v)
{
	dn_builder_set_valid_(b);
	((double *)b->values.data)[b->length++] = v;
	b->values.len += 8;
}
static inline void dn_builder_put_bool(struct dn_builder *b, int v)
{
	dn_builder_set_valid_(b);
	((uint8_t *)b->values.data)[b->length++] = (uint8_t)(v != 0);
	b->values.len += 1;
}
static inline void dn_builder_put_date(struct dn_builder *b, int32_t v)
{
	dn_builder_set_valid_(b);
	((int32_t *)b->values.data)[b->length++] = v;
	b->values.len += 4;
}
static inline void dn_builder_put_str(struct dn_builder *b, const char *p, size_t n)
{
	dn_builder_set_valid_(b);
	memcpy(b->data.data + b->data.len, p, n);
	b->data.len += n;
	((int64_t *)b->offsets.data)[++b->length] = (int64_t)b->data.len;
	b->offsets.len += 8;
}
/* dn_builder_put_str where p may be read 32 bytes on and the builder has room for n + 32 bytes:
 * a text of up to 32 bytes (most of them) is two fixed 16-byte copies, not a call to memcpy. */
static inline void dn_builder_put_str_padded(struct dn_builder *b, const char *p, size_t n)
{
	char *d = b->data.data + b->data.len;
	if (n <= 32) {
		memcpy(d, p, 16);
		memcpy(d + 16, p + 16, 16);
	} else {
		memcpy(d, p, n);
	}
	dn_builder_set_valid_(b);
	b->data.len += n;
	((int64_t *)b->offsets.data)[++b->length] = (int64_t)b->data.len;
	b->offsets.len += 8;
}
/* Null: may allocate the bitmap the first time, so it can fail (DN_ENOMEM). */
int dn_builder_put_null(struct dn_builder *b, struct dn_error *err);
/* Bulk appends for decoders that produce a run of values at once (the Parquet reader). A
 * decoder reserves n rows, appends only the non-null values of the run (with the puts above, or
 * by writing b->values / b->offsets / b->data directly and then calling dn_builder_added_ for
 * fixed-width types), and then spreads them: rows [start, length) are the values of the rows
 * among the next n whose valid[] byte is non-zero (valid NULL: all n are valid). The values
 * move to their rows, the others become nulls, and the validity bitmap (created at the first
 * null) is set for all n rows. Returns 0 or DN_ENOMEM. */
int dn_builder_spread(struct dn_builder *b, int64_t start, const uint8_t *valid, int64_t n,
		      struct dn_error *err);
/* Count m fixed-width values of w bytes written straight into b->values as appended. */
static inline void dn_builder_added_(struct dn_builder *b, int64_t m, size_t w)
{
	b->length += m;
	b->values.len += (size_t)m * w;
}

/* Append value i of column c (same type). */
int dn_builder_append_from(struct dn_builder *b, const struct dn_column *c, int64_t i,
			   struct dn_error *err);
/* Append rows [from, from + n) of column c (same type), nulls included. Returns 0 or
 * DN_ENOMEM. */
int dn_builder_append_rows(struct dn_builder *b, const struct dn_column *c, int64_t from, int64_t n,
			   struct dn_error *err);
/* Move the contents into *out (released first) and reset the builder. */
int dn_builder_finish(struct dn_builder *b, struct dn_column *out, struct dn_error *err);

/* ---------------------------------------------------------------------------------------------
 * Batches: a schema and one column per field, all of nrows rows. Readers bound a batch's row
 * count (DN_BATCH_ROWS by default) so memory stays bounded whatever the file size. */
#define DN_BATCH_ROWS 65536

struct dn_batch {
	struct dn_schema schema;
	int64_t nrows;
	struct dn_column *columns; /* schema.nfields entries */
	int64_t first_row;         /* 0-based index of this batch's first row in its source */
};

/* New empty batch with a copy of schema and zero-length columns. */
struct dn_batch *dn_batch_new(const struct dn_schema *schema, struct dn_error *err);
void dn_batch_free(struct dn_batch *b);

/* Build a batch from builders (one per schema field, same lengths). Builders are reset. */
struct dn_batch *dn_batch_from_builders(const struct dn_schema *schema, struct dn_builder *builders,
					struct dn_error *err);

/* Deep equality of schema and values (floats: bitwise, so NaN == NaN). For tests. When they
 * differ and why is not NULL, a description of the first difference is written there. */
int dn_batch_equal(const struct dn_batch *a, const struct dn_batch *b, char *why, size_t whylen);

/* ---------------------------------------------------------------------------------------------
 * Values from text, and type inference.
 *
 * Recognised text, on the trimmed value:
 *   bool       true/false in any case
 *   int64      optional sign, decimal digits, no leading zero unless the value is "0"
 *              ("007" stays a string: codes and zip codes keep their zeros); must fit int64
 *   float64    decimal with '.' and/or exponent, or inf/-inf/infinity/nan in any case;
 *              ints that overflow int64 are NOT floats (they stay strings: ids keep digits)
 *   date       YYYY-MM-DD
 *   timestamp  ISO-8601 as dn_time_parse reads it
 *   string     anything else
 * A column's type is the narrowest that fits every non-null sampled value, widening
 * int -> float, date -> timestamp, and any other mix -> string. A column with no non-null
 * value in the sample is a string. */
enum dn_infer_mask {
	DN_CAN_BOOL = 1,
	DN_CAN_INT = 2,
	DN_CAN_FLOAT = 4,
	DN_CAN_DATE = 8,
	DN_CAN_TS = 16,
};

/* Which types the text could be (bitmask of DN_CAN_*), 0 when only a string. */
unsigned dn_infer_text(const char *p, size_t n);

struct dn_infer {
	unsigned seen;  /* union of DN_CAN_* seen, plus DN_INFER_STRING when a plain string seen */
	int64_t values; /* non-null values seen */
};
#define DN_INFER_STRING 0x100u

static inline void dn_infer_init(struct dn_infer *s)
{
	s->seen = 0;
	s->values = 0;
}
void dn_infer_add(struct dn_infer *s, const char *p, size_t n);
/* Add a value already known to be of type t (JSON numbers, booleans). */
void dn_infer_add_type(struct dn_infer *s, enum dn_type t);
enum dn_type dn_infer_result(const struct dn_infer *s);

/* The narrowest type both a and b's values fit (the widening rules above). */
enum dn_type dn_type_widen(enum dn_type a, enum dn_type b);

/* Parse text as a value of type t and append it to builder b. Returns 0, DN_ETYPE when the text
 * is not a value of that type (nothing appended), or DN_ENOMEM. */
int dn_builder_append_text(struct dn_builder *b, const char *p, size_t n, struct dn_error *err);

/* Convert column src to type `to` (a widening per dn_type_widen) into *dst. Strings get the
 * text dn_column_format would print. */
int dn_column_cast(const struct dn_column *src, enum dn_type to, struct dn_column *dst,
		   struct dn_error *err);

#endif
