/* The Parquet writer: flat files that DuckDB, Arrow, Spark and pandas read.
 *
 * Layout: "PAR1", then per row group one column chunk per column (an optional dictionary page
 * and data pages v1), then the FileMetaData footer in Thrift's compact protocol (encoded here by
 * hand: a few dozen fields do not justify a Thrift library), its length and "PAR1".
 *
 * Every column is OPTIONAL with definition levels (RLE/bit-packed hybrid, bit width 1), so any
 * value may be null. Types map to the standard logical types: bool → BOOLEAN, int64 → INT64,
 * float64 → DOUBLE, string → BYTE_ARRAY + STRING, date → INT32 + DATE, timestamp → INT64 +
 * TIMESTAMP(isAdjustedToUTC, MICROS).
 *
 * Rows are buffered per row group in builders (one per column) and written when the group is
 * full (row_group_rows, or row_group_bytes of buffered values), so memory is bounded by one row
 * group. At that point each column chunk decides its encoding with all its values in view: a
 * dictionary (PLAIN dictionary page + RLE_DICTIONARY indices) when the distinct values are at
 * most half the values and the dictionary stays under dict_bytes, else PLAIN. Deciding per
 * chunk rather than switching mid-chunk (as parquet-mr does) costs a hash pass over the values
 * but keeps each chunk in one encoding. Statistics (min_value, max_value, null_count) are
 * computed on the same pass; floats skip NaN, and strings longer than 4 KiB get no min/max.
 * The chunks of a row group are independent, so they are encoded at once, one job per column
 * on a pool of threads, each into a buffer of its own, and then written in column order: a
 * row group is thus held twice (values and encoded chunks), which the row group bounds.
 *
 * A later batch whose column has a widened type (the CSV reader widens mid-stream) is an error:
 * a Parquet column has one type for the whole file. */
#include <math.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "formats_int.h"

#define PW_ROW_GROUP_ROWS ((int64_t)1 << 20)
#define PW_ROW_GROUP_BYTES ((size_t)256 << 20)
#define PW_PAGE_BYTES ((size_t)1 << 20)
#define PW_DICT_BYTES ((size_t)1 << 20)
#define PW_STAT_MAX 4096

/* ---- Thrift compact protocol encoder ----
 * Errors are sticky: the first failed append is kept in rc and later calls do nothing, so the
 * footer code reads as a list of fields. */
#define TC_DEPTH 16
struct tc_enc {
	struct dn_buf *b;
	struct dn_error *err;
	int rc;
	int depth;
	int16_t last[TC_DEPTH]; /* last field id written at each struct level */
};

static void tc_byte(struct tc_enc *e, uint8_t v)
{
	if (e->rc >= 0)
		e->rc = dn_buf_putc(e->b, (char)v, e->err);
}

static void tc_varint(struct tc_enc *e, uint64_t v)
{
	uint8_t t[10];
	int k = 0;
	while (v >= 0x80) {
		t[k++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	t[k++] = (uint8_t)v;
	if (e->rc >= 0)
		e->rc = dn_buf_append(e->b, t, (size_t)k, e->err);
}

static uint64_t zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static void tc_field(struct tc_enc *e, int id, int type)
{
	int delta = id - e->last[e->depth];
	if (delta > 0 && delta <= 15) {
		tc_byte(e, (uint8_t)(delta << 4 | type));
	} else {
		tc_byte(e, (uint8_t)type);
		tc_varint(e, zigzag(id));
	}
	e->last[e->depth] = (int16_t)id;
}

static void tc_i32(struct tc_enc *e, int id, int32_t v)
{
	tc_field(e, id, TC_I32);
	tc_varint(e, zigzag(v));
}

static void tc_i64(struct tc_enc *e, int id, int64_t v)
{
	tc_field(e, id, TC_I64);
	tc_varint(e, zigzag(v));
}

static void tc_bool(struct tc_enc *e, int id, int v)
{
	tc_field(e, id, v ? TC_TRUE : TC_FALSE);
}

static void tc_raw_bin(struct tc_enc *e, const void *p, size_t n)
{
	tc_varint(e, n);
	if (e->rc >= 0 && n)
		e->rc = dn_buf_append(e->b, p, n, e->err);
}

static void tc_bin(struct tc_enc *e, int id, const void *p, size_t n)
{
	tc_field(e, id, TC_BINARY);
	tc_raw_bin(e, p, n);
}

/* A struct that is a field (id > 0) or a list element (id 0). */
static void tc_begin(struct tc_enc *e, int id)
{
	if (id > 0)
		tc_field(e, id, TC_STRUCT);
	if (e->depth + 1 < TC_DEPTH)
		e->last[++e->depth] = 0;
	else if (e->rc >= 0)
		e->rc = dn_error_set(e->err, DN_EINTERNAL, "Parquet footer nested too deep");
}

static void tc_end(struct tc_enc *e)
{
	tc_byte(e, TC_STOP);
	if (e->depth > 0)
		e->depth--;
}

static void tc_list(struct tc_enc *e, int id, int elem, size_t n)
{
	tc_field(e, id, TC_LIST);
	if (n < 15) {
		tc_byte(e, (uint8_t)(n << 4 | (size_t)elem));
	} else {
		tc_byte(e, (uint8_t)(0xf0 | elem));
		tc_varint(e, n);
	}
}

/* ---- writer state ---- */

struct pw_chunk {
	int64_t dict_off; /* -1: none */
	int64_t data_off;
	int64_t comp, uncomp; /* sizes including page headers */
	int64_t nvalues, nulls;
	int has_minmax;
	struct dn_buf min, max; /* statistics, PLAIN-encoded */
};

struct pw_group {
	int64_t rows, offset, comp, uncomp;
	struct pw_chunk *chunks; /* one per column */
};

/* The encoder of one column: it turns the column's values of a row group into a chunk in out
 * (page headers and pages, offsets relative to the chunk's start), with scratch reused between
 * pages and chunks. Each column has its own, so the chunks of a row group encode at once on a
 * pool of threads and are then written in column order. */
struct pw_enc {
	const struct dn_writer *w;
	int codec;         /* PQ_CODEC_* */
	struct dn_buf out; /* the encoded chunk */
	struct dn_buf page, comp, hdr, levels;
	uint32_t *idx; /* dictionary indices of one chunk */
	size_t cap_idx;
	uint32_t *slots; /* dictionary hash table: value index + 1 */
	size_t cap_slots;
	z_stream z;
	int z_init;
	ZSTD_CCtx *zc;
	/* the job: column col into chunk ck; rc and err are its outcome */
	struct dn_column col;
	struct pw_chunk *ck;
	int rc;
	struct dn_error err;
};

struct pw_state {
	int ncols;
	struct dn_builder *b; /* the current row group's values */
	size_t buffered;      /* bytes of values buffered */
	int64_t rows;         /* rows buffered */
	int64_t pos;          /* bytes of output so far */
	struct pw_group *groups;
	int ngroups, cap_groups;
	int64_t total_rows;
	int codec;            /* PQ_CODEC_* */
	struct pw_enc *enc;   /* one per column */
	struct dn_pool *pool; /* encodes the chunks of a row group in parallel; NULL = one thread */
	int pool_tried;
	int encoding; /* the last row group is being encoded (flush_group started it) */
};

static int physical(enum dn_type t)
{
	switch (t) {
	case DN_BOOL:
		return PQ_BOOLEAN;
	case DN_INT64:
	case DN_TIMESTAMP:
		return PQ_INT64;
	case DN_FLOAT64:
		return PQ_DOUBLE;
	case DN_DATE:
		return PQ_INT32;
	case DN_STRING:
		return PQ_BYTE_ARRAY;
	}
	return PQ_BYTE_ARRAY;
}

/* Append to the file, tracking the offset. */
static int put(struct dn_writer *w, const void *p, size_t n, struct dn_error *err)
{
	struct pw_state *st = w->state;
	DN_TRY(dn_buf_append(&w->out, p, n, err));
	st->pos += (int64_t)n;
	return 0;
}

static int pw_begin(struct dn_writer *w, const struct dn_batch *first, struct dn_error *err)
{
	struct pw_state *st = dn_calloc(1, sizeof *st);
	if (!st)
		return dn_error_set(err, DN_ENOMEM, "out of memory starting Parquet output");
	w->state = st;
	st->ncols = first->schema.nfields;
	st->b = dn_calloc((size_t)(st->ncols ? st->ncols : 1), sizeof *st->b);
	st->enc = dn_calloc((size_t)(st->ncols ? st->ncols : 1), sizeof *st->enc);
	if (!st->b || !st->enc)
		return dn_error_set(err, DN_ENOMEM, "out of memory starting Parquet output");
	for (int c = 0; c < st->ncols; c++)
		dn_builder_init(&st->b[c], first->schema.fields[c].type);
	switch (w->opt.parquet_codec) {
	case DN_PQ_NONE:
		st->codec = PQ_CODEC_NONE;
		break;
	case DN_PQ_GZIP:
		st->codec = PQ_CODEC_GZIP;
		break;
	case DN_PQ_ZSTD:
		st->codec = PQ_CODEC_ZSTD;
		break;
	default:
		st->codec = PQ_CODEC_SNAPPY;
	}
	if (w->opt.row_group_rows <= 0)
		w->opt.row_group_rows = PW_ROW_GROUP_ROWS;
	if (w->opt.row_group_bytes == 0)
		w->opt.row_group_bytes = PW_ROW_GROUP_BYTES;
	if (w->opt.page_bytes == 0)
		w->opt.page_bytes = PW_PAGE_BYTES;
	if (w->opt.dict_bytes == 0)
		w->opt.dict_bytes = PW_DICT_BYTES;
	for (int c = 0; c < st->ncols; c++) {
		st->enc[c].w = w;
		st->enc[c].codec = st->codec;
	}
	return put(w, "PAR1", 4, err);
}

/* ---- compression ---- */

static int compress_page(struct pw_enc *st, const struct dn_writer *w, const char *p, size_t n,
			 struct dn_error *err)
{
	struct dn_buf *out = &st->comp;
	dn_buf_reset(out);
	switch (st->codec) {
	case PQ_CODEC_SNAPPY:
		DN_TRY(dn_buf_reserve(out, dn_snappy_max_compressed(n), err));
		out->len = dn_snappy_compress(p, n, out->data);
		return 0;
	case PQ_CODEC_ZSTD: {
		if (!st->zc && !(st->zc = ZSTD_createCCtx()))
			return dn_error_set(err, DN_ENOMEM, "out of memory starting zstd");
		size_t bound = ZSTD_compressBound(n);
		DN_TRY(dn_buf_reserve(out, bound, err));
		size_t k = ZSTD_compressCCtx(st->zc, out->data, bound, p, n,
					     w->opt.level ? w->opt.level : 3);
		if (ZSTD_isError(k))
			return dn_error_set(err, DN_EINTERNAL, "zstd: %s", ZSTD_getErrorName(k));
		out->len = k;
		return 0;
	}
	case PQ_CODEC_GZIP: {
		if (!st->z_init) {
			if (deflateInit2(&st->z, w->opt.level ? w->opt.level : 6, Z_DEFLATED,
					 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
				return dn_error_set(err, DN_ENOMEM, "out of memory starting gzip");
			st->z_init = 1;
		} else {
			deflateReset(&st->z);
		}
		size_t bound = deflateBound(&st->z, (uLong)n) + 32;
		DN_TRY(dn_buf_reserve(out, bound, err));
		st->z.next_in = (Bytef *)(uintptr_t)p;
		st->z.avail_in = (uInt)n;
		st->z.next_out = (Bytef *)out->data;
		st->z.avail_out = (uInt)bound;
		if (deflate(&st->z, Z_FINISH) != Z_STREAM_END)
			return dn_error_set(err, DN_EINTERNAL, "gzip compression failed");
		out->len = bound - st->z.avail_out;
		return 0;
	}
	default:
		return dn_buf_append(out, p, n, err);
	}
}

/* Compress st->page and append it with its header to st->out. */
static int write_page(struct pw_enc *st, struct pw_chunk *ck, int type, int64_t nvalues,
		      int encoding, struct dn_error *err)
{
	const struct dn_writer *w = st->w;
	if (st->page.len > INT32_MAX)
		return dn_error_set(err, DN_ELIMIT,
				    "a Parquet page over 2 GiB; use a smaller "
				    "page size");
	DN_TRY(compress_page(st, w, st->page.data, st->page.len, err));
	if (st->comp.len > INT32_MAX)
		return dn_error_set(err, DN_ELIMIT, "a compressed Parquet page over 2 GiB");
	struct tc_enc e = {&st->hdr, err, 0, 0, {0}};
	dn_buf_reset(&st->hdr);
	tc_i32(&e, 1, type);
	tc_i32(&e, 2, (int32_t)st->page.len);
	tc_i32(&e, 3, (int32_t)st->comp.len);
	if (type == PQ_PAGE_DICTIONARY) {
		tc_begin(&e, 7);
		tc_i32(&e, 1, (int32_t)nvalues);
		tc_i32(&e, 2, PQ_ENC_PLAIN);
		tc_end(&e);
	} else {
		tc_begin(&e, 5);
		tc_i32(&e, 1, (int32_t)nvalues);
		tc_i32(&e, 2, encoding);
		tc_i32(&e, 3, PQ_ENC_RLE);
		tc_i32(&e, 4, PQ_ENC_RLE);
		tc_end(&e);
	}
	tc_byte(&e, TC_STOP);
	DN_TRY(e.rc);
	if (type == PQ_PAGE_DICTIONARY)
		ck->dict_off = (int64_t)st->out.len;
	else if (ck->data_off < 0)
		ck->data_off = (int64_t)st->out.len;
	DN_TRY(dn_buf_append(&st->out, st->hdr.data, st->hdr.len, err));
	DN_TRY(dn_buf_append(&st->out, st->comp.data, st->comp.len, err));
	ck->comp += (int64_t)(st->hdr.len + st->comp.len);
	ck->uncomp += (int64_t)(st->hdr.len + st->page.len);
	return 0;
}

/* ---- encodings ---- */

static int put_u32(struct dn_buf *b, uint32_t v, struct dn_error *err)
{
	uint8_t t[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
	return dn_buf_append(b, t, 4, err);
}

static int put_u64(struct dn_buf *b, uint64_t v, struct dn_error *err)
{
	uint8_t t[8];
	for (int i = 0; i < 8; i++)
		t[i] = (uint8_t)(v >> (8 * i));
	return dn_buf_append(b, t, 8, err);
}

static int put_varint(struct dn_buf *b, uint64_t v, struct dn_error *err)
{
	uint8_t t[10];
	int k = 0;
	while (v >= 0x80) {
		t[k++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	t[k++] = (uint8_t)v;
	return dn_buf_append(b, t, (size_t)k, err);
}

/* The RLE/bit-packed hybrid of v[0..n) at bit width bw (1..32): runs of 8 or more equal values
 * as RLE runs, the rest bit-packed in groups of 8 (the last group padded with zeros). */
static int rle_encode(struct dn_buf *b, const uint32_t *v, size_t n, int bw, struct dn_error *err)
{
	size_t i = 0;
	int vbytes = (bw + 7) / 8;
	while (i < n) {
		size_t run = 1;
		while (i + run < n && v[i + run] == v[i])
			run++;
		if (run >= 8) {
			DN_TRY(put_varint(b, (uint64_t)run << 1, err));
			for (int k = 0; k < vbytes; k++)
				DN_TRY(dn_buf_putc(b, (char)(v[i] >> (8 * k)), err));
			i += run;
			continue;
		}
		/* Groups of 8 until a run of 8 starts at a group's beginning. */
		size_t groups = 0, j = i;
		while (j < n) {
			size_t r = 1;
			while (j + r < n && r < 8 && v[j + r] == v[j])
				r++;
			if (r >= 8 && groups > 0)
				break;
			groups++;
			j += 8;
		}
		DN_TRY(put_varint(b, (uint64_t)groups << 1 | 1, err));
		size_t nbytes = groups * (size_t)bw;
		DN_TRY(dn_buf_reserve(b, nbytes, err));
		uint8_t *o = (uint8_t *)b->data + b->len;
		/* values enter an accumulator from the low end; whole bytes leave it (8 values of
		 * bw bits are bw whole bytes, so each group ends on a byte) */
		uint64_t acc = 0, mask = bw == 32 ? 0xffffffffu : (((uint64_t)1) << bw) - 1;
		int nb = 0;
		for (size_t k = 0; k < groups * 8; k++) {
			uint64_t x = i + k < n ? v[i + k] & mask : 0;
			acc |= x << nb;
			nb += bw;
			while (nb >= 8) {
				*o++ = (uint8_t)acc;
				acc >>= 8;
				nb -= 8;
			}
		}
		b->len += nbytes;
		i += groups * 8 < n - i ? groups * 8 : n - i;
	}
	return 0;
}

static int bit_width(uint32_t max)
{
	int bw = 0;
	while (bw < 32 && (max >> bw))
		bw++;
	return bw;
}

/* PLAIN encoding of value i of c (not null). Booleans are handled by the caller (bits). */
static int put_plain(struct dn_buf *b, const struct dn_column *c, int64_t i, struct dn_error *err)
{
	switch (c->type) {
	case DN_INT64:
	case DN_TIMESTAMP:
		return put_u64(b, (uint64_t)dn_column_i64(c, i), err);
	case DN_FLOAT64: {
		double d = dn_column_f64(c, i);
		uint64_t u;
		memcpy(&u, &d, 8);
		return put_u64(b, u, err);
	}
	case DN_DATE:
		return put_u32(b, (uint32_t)dn_column_date(c, i), err);
	case DN_STRING: {
		struct dn_str s = dn_column_str(c, i);
		if (s.len > INT32_MAX)
			return dn_error_set(err, DN_ELIMIT,
					    "a string over 2 GiB cannot go to "
					    "Parquet");
		DN_TRY(put_u32(b, (uint32_t)s.len, err));
		return dn_buf_append(b, s.ptr, s.len, err);
	}
	case DN_BOOL:
		return dn_buf_putc(b, (char)dn_column_bool(c, i), err);
	}
	return DN_EINTERNAL;
}

static uint64_t bits64(const struct dn_column *c, int64_t i);

/* PLAIN encoding of the non-null values of rows [from, to) of c (not booleans), reserved once. */
static int put_plain_rows(struct dn_buf *b, const struct dn_column *c, int64_t from, int64_t to,
			  struct dn_error *err)
{
	if (c->type == DN_STRING) {
		size_t bytes =
			(size_t)(c->offsets[to] - c->offsets[from]) + 4 * (size_t)(to - from);
		DN_TRY(dn_buf_reserve(b, bytes, err));
		uint8_t *o = (uint8_t *)b->data + b->len;
		for (int64_t r = from; r < to; r++) {
			if (dn_column_is_null(c, r))
				continue;
			size_t n = (size_t)(c->offsets[r + 1] - c->offsets[r]);
			if (n > INT32_MAX)
				return dn_error_set(err, DN_ELIMIT,
						    "a string over 2 GiB cannot go to Parquet");
			o[0] = (uint8_t)n;
			o[1] = (uint8_t)(n >> 8);
			o[2] = (uint8_t)(n >> 16);
			o[3] = (uint8_t)(n >> 24);
			memcpy(o + 4, c->data + c->offsets[r], n);
			o += 4 + n;
		}
		b->len = (size_t)((char *)o - b->data);
		b->data[b->len] = 0;
		return 0;
	}
	size_t w = c->type == DN_DATE ? 4 : 8;
	DN_TRY(dn_buf_reserve(b, w * (size_t)(to - from), err));
	uint8_t *o = (uint8_t *)b->data + b->len;
	const uint8_t *v = (const uint8_t *)c->values;
	for (int64_t r = from; r < to; r++) {
		if (dn_column_is_null(c, r))
			continue;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		memcpy(o, v + (size_t)r * w, w); /* PLAIN is little-endian */
#else
		uint64_t u = w == 4 ? (uint64_t)(uint32_t)dn_column_date(c, r) : bits64(c, r);
		for (size_t k = 0; k < w; k++)
			o[k] = (uint8_t)(u >> (8 * k));
#endif
		o += w;
	}
	b->len = (size_t)((char *)o - b->data);
	b->data[b->len] = 0;
	return 0;
}

static size_t value_size(const struct dn_column *c, int64_t i)
{
	switch (c->type) {
	case DN_STRING:
		return 4 + (size_t)(c->offsets[i + 1] - c->offsets[i]);
	case DN_DATE:
		return 4;
	case DN_BOOL:
		return 1;
	default:
		return 8;
	}
}

/* The 8 bytes of an int64, timestamp or float64 value (floats by their bits). */
static uint64_t bits64(const struct dn_column *c, int64_t i)
{
	uint64_t u;
	memcpy(&u, (const char *)c->values + 8 * i, 8);
	return u;
}

static uint64_t value_hash(const struct dn_column *c, int64_t i)
{
	if (c->type == DN_STRING) {
		struct dn_str s = dn_column_str(c, i);
		return dn_hash_text(s.ptr, s.len, 7);
	}
	if (c->type == DN_DATE)
		return dn_hash_u64((uint64_t)(uint32_t)dn_column_date(c, i));
	return dn_hash_u64(bits64(c, i));
}

static int value_eq(const struct dn_column *c, int64_t i, int64_t j)
{
	if (c->type == DN_STRING) {
		struct dn_str a = dn_column_str(c, i), b = dn_column_str(c, j);
		return a.len == b.len && memcmp(a.ptr, b.ptr, a.len) == 0;
	}
	if (c->type == DN_DATE)
		return dn_column_date(c, i) == dn_column_date(c, j);
	return bits64(c, i) == bits64(c, j);
}

/* Compare for statistics: < 0, 0, > 0. Strings compare as unsigned bytes. */
static int value_cmp(const struct dn_column *c, int64_t i, int64_t j)
{
	switch (c->type) {
	case DN_STRING: {
		struct dn_str a = dn_column_str(c, i), b = dn_column_str(c, j);
		size_t n = a.len < b.len ? a.len : b.len;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		if (n >= 8) { /* the first 8 bytes as big-endian numbers order as unsigned bytes */
			uint64_t x, y;
			memcpy(&x, a.ptr, 8);
			memcpy(&y, b.ptr, 8);
			if (x != y)
				return __builtin_bswap64(x) < __builtin_bswap64(y) ? -1 : 1;
		}
#endif
		int r = n ? memcmp(a.ptr, b.ptr, n) : 0;
		return r ? r : (a.len > b.len) - (a.len < b.len);
	}
	case DN_FLOAT64: {
		double a = dn_column_f64(c, i), b = dn_column_f64(c, j);
		return (a > b) - (a < b);
	}
	case DN_DATE:
		return (dn_column_date(c, i) > dn_column_date(c, j)) -
		       (dn_column_date(c, i) < dn_column_date(c, j));
	case DN_BOOL:
		return dn_column_bool(c, i) - dn_column_bool(c, j);
	default:
		return (dn_column_i64(c, i) > dn_column_i64(c, j)) -
		       (dn_column_i64(c, i) < dn_column_i64(c, j));
	}
}

/* Statistics of a chunk: null count, min and max of the non-null (non-NaN) values. */
static int chunk_stats(struct pw_chunk *ck, const struct dn_column *c, const int64_t *rows,
		       int64_t nrows, struct dn_error *err)
{
	int64_t lo = -1, hi = -1;
	ck->nulls = c->null_count;
	if (rows) {
		/* a dictionary's entries: each distinct value at its first row, in row order, so
		 * the first row of the least and of the greatest value are the same as below */
		for (int64_t k = 0; k < nrows; k++) {
			int64_t i = rows[k];
			if (c->type == DN_FLOAT64 && isnan(dn_column_f64(c, i)))
				continue;
			if (lo < 0 || value_cmp(c, i, lo) < 0)
				lo = i;
			if (hi < 0 || value_cmp(c, i, hi) > 0)
				hi = i;
		}
	} else if (c->type == DN_INT64 || c->type == DN_TIMESTAMP) { /* inlined */
		const int64_t *v = c->values;
		for (int64_t i = 0; i < c->length; i++) {
			if (dn_column_is_null(c, i))
				continue;
			if (lo < 0 || v[i] < v[lo])
				lo = i;
			if (hi < 0 || v[i] > v[hi])
				hi = i;
		}
	} else if (c->type == DN_FLOAT64) {
		const double *v = c->values;
		for (int64_t i = 0; i < c->length; i++) {
			if (dn_column_is_null(c, i) || isnan(v[i]))
				continue;
			if (lo < 0 || v[i] < v[lo])
				lo = i;
			if (hi < 0 || v[i] > v[hi])
				hi = i;
		}
	} else {
		for (int64_t i = 0; i < c->length; i++) {
			if (dn_column_is_null(c, i))
				continue;
			if (lo < 0 || value_cmp(c, i, lo) < 0)
				lo = i;
			if (hi < 0 || value_cmp(c, i, hi) > 0)
				hi = i;
		}
	}
	if (lo < 0)
		return 0;
	if (c->type == DN_STRING &&
	    (value_size(c, lo) > PW_STAT_MAX || value_size(c, hi) > PW_STAT_MAX))
		return 0;
	DN_TRY(put_plain(&ck->min, c, lo, err));
	DN_TRY(put_plain(&ck->max, c, hi, err));
	if (c->type == DN_STRING) { /* statistics hold the bytes without the length prefix */
		memmove(ck->min.data, ck->min.data + 4, ck->min.len - 4);
		ck->min.len -= 4;
		memmove(ck->max.data, ck->max.data + 4, ck->max.len - 4);
		ck->max.len -= 4;
	}
	if (c->type == DN_FLOAT64) {
		/* -0.0 and +0.0 compare equal; the spec asks for -0.0 as min and +0.0 as max */
		double d;
		memcpy(&d, ck->min.data, 8);
		if (d == 0.0) {
			d = -0.0;
			memcpy(ck->min.data, &d, 8);
		}
		memcpy(&d, ck->max.data, 8);
		if (d == 0.0) {
			d = 0.0;
			memcpy(ck->max.data, &d, 8);
		}
	}
	ck->has_minmax = 1;
	return 0;
}

/* Build the dictionary of c's non-null values into st->idx (one index per non-null value)
 * and *first (value row of each dictionary entry, in st->slots' spare half). Returns the
 * number of entries, or 0 when a dictionary does not pay (too big, or not repetitive). */
static int64_t build_dict(struct pw_enc *st, const struct dn_writer *w, const struct dn_column *c,
			  int64_t **first, struct dn_error *err)
{
	int64_t nonnull = c->length - c->null_count;
	if (c->type == DN_BOOL || nonnull < 2)
		return 0;
	int64_t max_entries = nonnull / 2;
	/* The table holds at most the entries that fit in dict_bytes (4 bytes or more each), at
	 * most half full: a unique column gives up after that many, without clearing and
	 * missing the cache on a table sized for the whole chunk. */
	size_t fit = w->opt.dict_bytes / (c->type == DN_STRING || c->type == DN_DATE ? 4 : 8) + 1;
	size_t want = (size_t)max_entries < fit ? (size_t)max_entries : fit;
	size_t nslots = 16;
	while (nslots < want * 2 && nslots < ((size_t)1 << 30))
		nslots <<= 1;
	if (st->cap_slots < nslots) {
		uint32_t *s = dn_realloc(st->slots, nslots * sizeof *s);
		if (!s)
			return dn_error_set(err, DN_ENOMEM, "out of memory building a dictionary");
		st->slots = s;
		st->cap_slots = nslots;
	}
	if (st->cap_idx < (size_t)nonnull) {
		uint32_t *x = dn_realloc(st->idx, (size_t)nonnull * sizeof *x);
		if (!x)
			return dn_error_set(err, DN_ENOMEM, "out of memory building a dictionary");
		st->idx = x;
		st->cap_idx = (size_t)nonnull;
	}
	int64_t *rows = dn_malloc((size_t)(want + 1) * sizeof *rows);
	/* strings keep each entry's hash, so that a probe compares bytes only on a likely match */
	uint32_t *hs = c->type == DN_STRING ? dn_malloc((size_t)(want + 1) * sizeof *hs) : NULL;
	if (!rows || (c->type == DN_STRING && !hs)) {
		dn_free(rows);
		dn_free(hs);
		return dn_error_set(err, DN_ENOMEM, "out of memory building a dictionary");
	}
	memset(st->slots, 0, nslots * sizeof *st->slots);
	int64_t n = 0, k = 0;
	size_t bytes = 0;
	for (int64_t i = 0; i < c->length; i++) {
		if (dn_column_is_null(c, i))
			continue;
		uint64_t hv = value_hash(c, i);
		size_t h = (size_t)hv & (nslots - 1);
		while (st->slots[h] && ((hs && hs[st->slots[h] - 1] != (uint32_t)(hv >> 32)) ||
					!value_eq(c, rows[st->slots[h] - 1], i)))
			h = (h + 1) & (nslots - 1);
		if (!st->slots[h]) {
			bytes += value_size(c, i);
			if (n >= max_entries || bytes > w->opt.dict_bytes) {
				dn_free(rows);
				dn_free(hs);
				return 0;
			}
			if (hs)
				hs[n] = (uint32_t)(hv >> 32);
			rows[n++] = i;
			st->slots[h] = (uint32_t)n;
		}
		st->idx[k++] = st->slots[h] - 1;
	}
	dn_free(hs);
	*first = rows;
	return n;
}

/* Encode column c of the buffered row group as one chunk into st->out. */
static int write_chunk(struct pw_enc *st, struct pw_chunk *ck, const struct dn_column *c,
		       struct dn_error *err)
{
	const struct dn_writer *w = st->w;
	int64_t *dict_rows = NULL;
	int rc = 0;
	ck->dict_off = -1;
	ck->data_off = -1;
	ck->nvalues = c->length;
	int64_t ndict = build_dict(st, w, c, &dict_rows, err);
	if (ndict < 0)
		return (int)ndict;
	rc = chunk_stats(ck, c, ndict ? dict_rows : NULL, ndict, err);
	if (rc < 0) {
		dn_free(dict_rows);
		return rc;
	}
	int bw = 0;
	if (ndict > 0) {
		dn_buf_reset(&st->page);
		for (int64_t k = 0; k < ndict && rc >= 0; k++)
			rc = put_plain(&st->page, c, dict_rows[k], err);
		dn_free(dict_rows);
		DN_TRY(rc);
		DN_TRY(write_page(st, ck, PQ_PAGE_DICTIONARY, ndict, 0, err));
		bw = bit_width((uint32_t)(ndict - 1));
	}
	/* Data pages: rows [start, i) with their non-null values [vstart, v). */
	int64_t start = 0, v = 0;
	while (start < c->length) {
		uint32_t *lv;
		dn_buf_reset(&st->levels);
		dn_buf_reset(&st->page);
		int64_t i = start, vstart = v;
		size_t bytes = 0;
		if (!c->validity && (ndict || c->type != DN_STRING)) {
			/* every row counts the same: as many as reach page_bytes */
			size_t per = 1 + (ndict ? 1 : value_size(c, 0));
			int64_t k = (int64_t)((w->opt.page_bytes + per - 1) / per);
			i += k < c->length - start ? k : c->length - start;
			v += i - start;
			bytes = (size_t)(i - start) * per;
		}
		while (i < c->length && bytes < w->opt.page_bytes) {
			if (!dn_column_is_null(c, i)) {
				bytes += ndict ? 1 : value_size(c, i);
				v++;
			}
			i++;
			bytes += 1;
		}
		int64_t n = i - start;
		/* definition levels */
		DN_TRY(dn_buf_reserve(&st->levels, (size_t)n * 4, err));
		lv = (uint32_t *)(void *)st->levels.data;
		if (c->validity)
			for (int64_t r = 0; r < n; r++)
				lv[r] = !dn_column_is_null(c, start + r);
		else
			for (int64_t r = 0; r < n; r++)
				lv[r] = 1;
		DN_TRY(put_u32(&st->page, 0, err));
		DN_TRY(rle_encode(&st->page, lv, (size_t)n, 1, err));
		uint32_t dl = (uint32_t)(st->page.len - 4);
		for (int k = 0; k < 4; k++)
			st->page.data[k] = (char)(dl >> (8 * k));
		if (ndict) {
			DN_TRY(dn_buf_putc(&st->page, (char)bw, err));
			DN_TRY(rle_encode(&st->page, st->idx + vstart, (size_t)(v - vstart), bw,
					  err));
		} else if (c->type == DN_BOOL) {
			uint8_t acc = 0;
			int nb = 0;
			for (int64_t r = start; r < i; r++) {
				if (dn_column_is_null(c, r))
					continue;
				acc |= (uint8_t)(dn_column_bool(c, r) << nb);
				if (++nb == 8) {
					DN_TRY(dn_buf_putc(&st->page, (char)acc, err));
					acc = 0;
					nb = 0;
				}
			}
			if (nb)
				DN_TRY(dn_buf_putc(&st->page, (char)acc, err));
		} else {
			DN_TRY(put_plain_rows(&st->page, c, start, i, err));
		}
		DN_TRY(write_page(st, ck, PQ_PAGE_DATA, n,
				  ndict ? PQ_ENC_RLE_DICTIONARY : PQ_ENC_PLAIN, err));
		start = i;
	}
	return 0;
}

static void encode_job(void *user)
{
	struct pw_enc *e = user;
	e->rc = write_chunk(e, e->ck, &e->col, &e->err);
}

/* Wait for the row group being encoded, if any, and write its chunks in column order. */
static int finish_group(struct dn_writer *w, struct dn_error *err)
{
	struct pw_state *st = w->state;
	if (!st->encoding)
		return 0;
	st->encoding = 0;
	if (st->pool)
		dn_pool_wait(st->pool);
	struct pw_group *g = &st->groups[st->ngroups - 1];
	int rc = 0;
	g->offset = st->pos;
	for (int c = 0; c < st->ncols; c++) {
		struct pw_enc *e = &st->enc[c];
		struct pw_chunk *ck = &g->chunks[c];
		dn_column_release(&e->col);
		if (rc < 0)
			continue;
		if (e->rc < 0) {
			rc = e->rc;
			if (err)
				*err = e->err;
			continue;
		}
		/* chunk-relative offsets become file offsets */
		if (ck->dict_off >= 0)
			ck->dict_off += st->pos;
		if (ck->data_off >= 0)
			ck->data_off += st->pos;
		rc = dn_writer_write_through(w, e->out.data, e->out.len, err);
		st->pos += (int64_t)e->out.len;
		g->comp += ck->comp;
		g->uncomp += ck->uncomp;
	}
	return rc;
}

/* Start encoding the buffered row group (last: no rows follow): its columns leave the builders
 * (which take the next rows at once) and go to the pool, one job per column; finish_group
 * writes them. Reading the next row group thus overlaps encoding this one, at the cost of
 * holding up to two row groups. */
static int flush_group(struct dn_writer *w, int last, struct dn_error *err)
{
	struct pw_state *st = w->state;
	DN_TRY(finish_group(w, err));
	if (st->rows == 0)
		return 0;
	if (st->ngroups == st->cap_groups) {
		int cap = st->cap_groups ? st->cap_groups * 2 : 8;
		struct pw_group *g = dn_realloc(st->groups, sizeof *g * (size_t)cap);
		if (!g)
			return dn_error_set(err, DN_ENOMEM, "out of memory writing Parquet");
		st->groups = g;
		st->cap_groups = cap;
	}
	struct pw_group *g = &st->groups[st->ngroups];
	memset(g, 0, sizeof *g);
	g->chunks = dn_calloc((size_t)(st->ncols ? st->ncols : 1), sizeof *g->chunks);
	if (!g->chunks)
		return dn_error_set(err, DN_ENOMEM, "out of memory writing Parquet");
	st->ngroups++;
	g->rows = st->rows;
	if (!st->pool_tried) {
		int t = dn_cpu_count();
		st->pool_tried = 1;
		if (t > st->ncols)
			t = st->ncols;
		if (t > 1 && dn_pool_new(&st->pool, t, NULL) < 0)
			st->pool = NULL; /* no threads: encode on this one */
	}
	for (int c = 0; c < st->ncols; c++) {
		struct pw_enc *e = &st->enc[c];
		e->ck = &g->chunks[c];
		e->rc = 0;
		e->err.code = 0;
		dn_buf_reset(&e->out);
		size_t bytes = st->b[c].data.len;
		int rc = dn_builder_finish(&st->b[c], &e->col, err);
		/* the next row group is likely as big: room for it now, not by doubling */
		if (rc >= 0 && !last)
			rc = dn_builder_reserve(&st->b[c], st->rows, bytes, err);
		if (rc < 0) {
			for (int k = 0; k <= c; k++)
				dn_column_release(&st->enc[k].col);
			return rc;
		}
	}
	st->encoding = 1;
	/* largest first: strings before fixed-width columns, so that no long job starts last */
	for (int pass = 0; pass < 2; pass++)
		for (int c = 0; c < st->ncols; c++) {
			struct pw_enc *e = &st->enc[c];
			if ((e->col.type == DN_STRING) != (pass == 0))
				continue;
			if (!st->pool || dn_pool_submit(st->pool, encode_job, e, NULL) < 0)
				encode_job(e);
		}
	st->total_rows += st->rows;
	st->rows = 0;
	st->buffered = 0;
	return 0;
}

static int pw_write(struct dn_writer *w, const struct dn_batch *b, struct dn_error *err)
{
	struct pw_state *st = w->state;
	for (int c = 0; c < st->ncols; c++)
		if (b->columns[c].type != st->b[c].type)
			return dn_error_set(err, DN_ETYPE,
					    "column '%s' changed type from %s to %s while writing "
					    "Parquet, whose columns have one type; declare it with "
					    "--types or sample more rows (--infer-rows)",
					    b->schema.fields[c].name, dn_type_name(st->b[c].type),
					    dn_type_name(b->columns[c].type));
	/* Rows go to the builders in runs, column by column: a run ends at the batch's end or at
	 * the row that fills the row group (by rows or by bytes, counted per row as before). */
	size_t fixed = 0;
	for (int c = 0; c < st->ncols; c++)
		fixed += b->columns[c].type == DN_STRING ? 4 : value_size(&b->columns[c], 0);
	int64_t from = 0;
	while (from < b->nrows) {
		int64_t i = from, full = 0;
		while (i < b->nrows && !full) {
			size_t row = fixed;
			for (int c = 0; c < st->ncols; c++) {
				const struct dn_column *col = &b->columns[c];
				if (col->type == DN_STRING)
					row += (size_t)(col->offsets[i + 1] - col->offsets[i]);
			}
			st->buffered += row;
			st->rows++;
			i++;
			full = st->rows >= w->opt.row_group_rows ||
			       st->buffered >= w->opt.row_group_bytes;
		}
		for (int c = 0; c < st->ncols; c++)
			DN_TRY(dn_builder_append_rows(&st->b[c], &b->columns[c], from, i - from,
						      err));
		from = i;
		if (full)
			DN_TRY(flush_group(w, 0, err));
	}
	return 0;
}

/* ---- footer ---- */

static void put_schema(struct tc_enc *e, const struct dn_field *f)
{
	tc_begin(e, 0);
	tc_i32(e, 1, physical(f->type));
	tc_i32(e, 3, 1); /* OPTIONAL */
	tc_bin(e, 4, f->name, strlen(f->name));
	switch (f->type) {
	case DN_STRING:
		tc_i32(e, 6, PQ_CT_UTF8);
		tc_begin(e, 10);
		tc_begin(e, 1); /* STRING */
		tc_end(e);
		tc_end(e);
		break;
	case DN_DATE:
		tc_i32(e, 6, PQ_CT_DATE);
		tc_begin(e, 10);
		tc_begin(e, 6); /* DATE */
		tc_end(e);
		tc_end(e);
		break;
	case DN_TIMESTAMP:
		tc_i32(e, 6, PQ_CT_TS_MICROS);
		tc_begin(e, 10);
		tc_begin(e, 8); /* TIMESTAMP */
		tc_bool(e, 1, 1);
		tc_begin(e, 2); /* unit */
		tc_begin(e, 2); /* MICROS */
		tc_end(e);
		tc_end(e);
		tc_end(e);
		tc_end(e);
		break;
	default:
		break;
	}
	tc_end(e);
}

static void put_chunk(struct tc_enc *e, const struct pw_state *st, const struct dn_field *f,
		      const struct pw_chunk *ck)
{
	tc_begin(e, 0);
	tc_i64(e, 2, ck->dict_off >= 0 ? ck->dict_off : ck->data_off);
	tc_begin(e, 3);
	tc_i32(e, 1, physical(f->type));
	tc_list(e, 2, TC_I32, ck->dict_off >= 0 ? 3 : 2);
	tc_varint(e, zigzag(PQ_ENC_PLAIN));
	tc_varint(e, zigzag(PQ_ENC_RLE));
	if (ck->dict_off >= 0)
		tc_varint(e, zigzag(PQ_ENC_RLE_DICTIONARY));
	tc_list(e, 3, TC_BINARY, 1);
	tc_raw_bin(e, f->name, strlen(f->name));
	tc_i32(e, 4, st->codec);
	tc_i64(e, 5, ck->nvalues);
	tc_i64(e, 6, ck->uncomp);
	tc_i64(e, 7, ck->comp);
	tc_i64(e, 9, ck->data_off);
	if (ck->dict_off >= 0)
		tc_i64(e, 11, ck->dict_off);
	tc_begin(e, 12);
	tc_i64(e, 3, ck->nulls);
	if (ck->has_minmax) {
		tc_bin(e, 5, ck->max.data, ck->max.len);
		tc_bin(e, 6, ck->min.data, ck->min.len);
	}
	tc_end(e);
	tc_end(e);
	tc_end(e);
}

static int pw_end(struct dn_writer *w, struct dn_error *err)
{
	struct pw_state *st = w->state;
	DN_TRY(flush_group(w, 1, err));
	DN_TRY(finish_group(w, err));
	const struct dn_schema *s = &w->schema;
	struct dn_buf foot = DN_BUF_INIT;
	struct tc_enc e = {&foot, err, 0, 0, {0}};
	tc_i32(&e, 1, 1);
	tc_list(&e, 2, TC_STRUCT, (size_t)st->ncols + 1);
	tc_begin(&e, 0);
	tc_bin(&e, 4, "schema", 6);
	tc_i32(&e, 5, st->ncols);
	tc_end(&e);
	for (int c = 0; c < st->ncols; c++)
		put_schema(&e, &s->fields[c]);
	tc_i64(&e, 3, st->total_rows);
	tc_list(&e, 4, TC_STRUCT, (size_t)st->ngroups);
	for (int g = 0; g < st->ngroups; g++) {
		const struct pw_group *gr = &st->groups[g];
		tc_begin(&e, 0);
		tc_list(&e, 1, TC_STRUCT, (size_t)st->ncols);
		for (int c = 0; c < st->ncols; c++)
			put_chunk(&e, st, &s->fields[c], &gr->chunks[c]);
		tc_i64(&e, 2, gr->uncomp);
		tc_i64(&e, 3, gr->rows);
		tc_i64(&e, 5, gr->offset);
		tc_i64(&e, 6, gr->comp);
		tc_end(&e);
	}
	tc_bin(&e, 6, "dunya", 5);
	tc_list(&e, 7, TC_STRUCT, (size_t)st->ncols);
	for (int c = 0; c < st->ncols; c++) {
		tc_begin(&e, 0);
		tc_begin(&e, 1); /* TYPE_ORDER */
		tc_end(&e);
		tc_end(&e);
	}
	tc_byte(&e, TC_STOP);
	int rc = e.rc;
	if (rc >= 0 && foot.len > UINT32_MAX)
		rc = dn_error_set(err, DN_ELIMIT, "Parquet footer over 4 GiB");
	if (rc >= 0)
		rc = put(w, foot.data, foot.len, err);
	if (rc >= 0) {
		uint32_t n = (uint32_t)foot.len;
		uint8_t t[8] = {(uint8_t)n,
				(uint8_t)(n >> 8),
				(uint8_t)(n >> 16),
				(uint8_t)(n >> 24),
				'P',
				'A',
				'R',
				'1'};
		rc = put(w, t, 8, err);
	}
	dn_buf_release(&foot);
	return rc;
}

static void pw_free(struct dn_writer *w)
{
	struct pw_state *st = w->state;
	if (!st)
		return;
	dn_pool_free(st->pool); /* first: waits for the jobs of a row group still encoding */
	for (int c = 0; st->b && c < st->ncols; c++)
		dn_builder_release(&st->b[c]);
	dn_free(st->b);
	for (int g = 0; g < st->ngroups; g++) {
		for (int c = 0; c < st->ncols; c++) {
			dn_buf_release(&st->groups[g].chunks[c].min);
			dn_buf_release(&st->groups[g].chunks[c].max);
		}
		dn_free(st->groups[g].chunks);
	}
	dn_free(st->groups);
	for (int c = 0; st->enc && c < st->ncols; c++) {
		struct pw_enc *e = &st->enc[c];
		dn_column_release(&e->col);
		dn_buf_release(&e->out);
		dn_buf_release(&e->page);
		dn_buf_release(&e->comp);
		dn_buf_release(&e->hdr);
		dn_buf_release(&e->levels);
		dn_free(e->idx);
		dn_free(e->slots);
		if (e->z_init)
			deflateEnd(&e->z);
		ZSTD_freeCCtx(e->zc);
	}
	dn_free(st->enc);
	dn_free(st);
	w->state = NULL;
}

const struct dn_writer_ops dn_parquet_writer_ops = {pw_begin, pw_write, pw_end, pw_free};

const char *dn_parquet_codec_name(enum dn_parquet_codec c)
{
	switch (c) {
	case DN_PQ_NONE:
		return "none";
	case DN_PQ_GZIP:
		return "gzip";
	case DN_PQ_ZSTD:
		return "zstd";
	default:
		return "snappy";
	}
}

int dn_parquet_codec_parse(const char *s, enum dn_parquet_codec *out)
{
	if (!strcmp(s, "none") || !strcmp(s, "uncompressed"))
		*out = DN_PQ_NONE;
	else if (!strcmp(s, "snappy"))
		*out = DN_PQ_SNAPPY;
	else if (!strcmp(s, "gzip") || !strcmp(s, "gz"))
		*out = DN_PQ_GZIP;
	else if (!strcmp(s, "zstd") || !strcmp(s, "zst"))
		*out = DN_PQ_ZSTD;
	else
		return DN_EPARSE;
	return 0;
}
