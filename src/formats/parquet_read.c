/* The Parquet reader: flat files from any writer (DuckDB, Arrow, Spark, parquet-mr, dunya).
 *
 * A Parquet file ends with its metadata, so the reader maps the whole file (or reads a memory
 * block in place) and starts at the footer: "PAR1", column chunks, FileMetaData in Thrift's
 * compact protocol, a 4-byte length, "PAR1". The footer is decoded by a small hand-written
 * Thrift decoder that takes the fields it needs and skips the rest; every length, count and
 * offset it yields is checked against the bytes that are actually there before it is used, and
 * skipping unknown fields has a depth limit, so a hostile file gets an error, never a crash.
 *
 * Batches never cross row groups. For each selected column the reader keeps a cursor in the
 * current column chunk and decodes one page at a time (decompressed into a buffer reused for
 * the column; an uncompressed page is read in place), so memory is bounded by the batch and
 * the largest page. Pages: dictionary, data v1 (levels inside the compressed block) and data
 * v2 (levels before it). Encodings: PLAIN, PLAIN_DICTIONARY / RLE_DICTIONARY, the RLE/bit-
 * packed hybrid for definition levels and dictionary indices, RLE for v2 booleans. Dictionary
 * values are converted once into a column and data pages then copy from it by index.
 *
 * Types: BOOLEAN → bool; INT32, INT64 → int64 (DATE → date, DECIMAL → float64, TIMESTAMP
 * MILLIS/MICROS/NANOS → timestamp in µs, NANOS rounded down); INT96 → timestamp (the legacy
 * Impala layout); FLOAT, DOUBLE → float64; BYTE_ARRAY → string (must be UTF-8);
 * FIXED_LEN_BYTE_ARRAY → string (UTF-8 if annotated as a string, else lowercase hex). Nested
 * columns (groups, repeated fields) are an error that names the column. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "formats_int.h"

#define TC_MAX_DEPTH 32

/* ---- Thrift compact protocol decoder: a cursor that never passes end ---- */
struct tc_dec {
	const uint8_t *p, *end;
};

static int tc_varint(struct tc_dec *d, uint64_t *v)
{
	uint64_t x = 0;
	for (int s = 0; s < 70; s += 7) {
		if (d->p >= d->end)
			return DN_EPARSE;
		uint8_t b = *d->p++;
		x |= (uint64_t)(b & 0x7f) << s;
		if (!(b & 0x80)) {
			*v = x;
			return 0;
		}
	}
	return DN_EPARSE;
}

static int tc_int(struct tc_dec *d, int64_t *v)
{
	uint64_t u;
	DN_TRY(tc_varint(d, &u));
	*v = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
	return 0;
}

/* Next field of a struct: 1 and its type and id, 0 at the struct's end, or DN_EPARSE. */
static int tc_field(struct tc_dec *d, int *last, int *type, int *id)
{
	if (d->p >= d->end)
		return DN_EPARSE;
	uint8_t b = *d->p++;
	if (b == TC_STOP)
		return 0;
	*type = b & 15;
	if (b >> 4) {
		*id = *last + (b >> 4);
	} else {
		int64_t x;
		DN_TRY(tc_int(d, &x));
		if (x < INT16_MIN || x > INT16_MAX)
			return DN_EPARSE;
		*id = (int)x;
	}
	*last = *id;
	return 1;
}

static int tc_bin(struct tc_dec *d, const uint8_t **p, size_t *n)
{
	uint64_t len;
	DN_TRY(tc_varint(d, &len));
	if (len > (uint64_t)(d->end - d->p))
		return DN_EPARSE;
	*p = d->p;
	*n = (size_t)len;
	d->p += len;
	return 0;
}

/* A list or set header: element type and count (at most the bytes left: every element takes
 * at least one). */
static int tc_list(struct tc_dec *d, int *etype, uint32_t *n)
{
	if (d->p >= d->end)
		return DN_EPARSE;
	uint8_t b = *d->p++;
	uint64_t k = b >> 4;
	*etype = b & 15;
	if (k == 15)
		DN_TRY(tc_varint(d, &k));
	if (k > (uint64_t)(d->end - d->p))
		return DN_EPARSE;
	*n = (uint32_t)k;
	return 0;
}

static int tc_skip(struct tc_dec *d, int type, int depth, int in_list)
{
	uint64_t u;
	const uint8_t *p;
	size_t n;
	if (depth > TC_MAX_DEPTH)
		return DN_EPARSE;
	switch (type) {
	case TC_TRUE:
	case TC_FALSE:
		if (in_list) { /* a list's booleans take a byte each */
			if (d->p >= d->end)
				return DN_EPARSE;
			d->p++;
		}
		return 0;
	case TC_BYTE:
		if (d->p >= d->end)
			return DN_EPARSE;
		d->p++;
		return 0;
	case TC_I16:
	case TC_I32:
	case TC_I64:
		return tc_varint(d, &u);
	case TC_DOUBLE:
		if (d->end - d->p < 8)
			return DN_EPARSE;
		d->p += 8;
		return 0;
	case TC_BINARY:
		return tc_bin(d, &p, &n);
	case TC_LIST:
	case TC_SET: {
		int et;
		uint32_t k;
		DN_TRY(tc_list(d, &et, &k));
		for (uint32_t i = 0; i < k; i++)
			DN_TRY(tc_skip(d, et, depth + 1, 1));
		return 0;
	}
	case TC_MAP: {
		DN_TRY(tc_varint(d, &u));
		if (u == 0)
			return 0;
		if (u > (uint64_t)(d->end - d->p) || d->p >= d->end)
			return DN_EPARSE;
		uint8_t kv = *d->p++;
		for (uint64_t i = 0; i < u; i++) {
			DN_TRY(tc_skip(d, kv >> 4, depth + 1, 1));
			DN_TRY(tc_skip(d, kv & 15, depth + 1, 1));
		}
		return 0;
	}
	case TC_STRUCT: {
		int last = 0, t, id, rc;
		while ((rc = tc_field(d, &last, &t, &id)) > 0)
			DN_TRY(tc_skip(d, t, depth + 1, 0));
		return rc;
	}
	default:
		return DN_EPARSE;
	}
}

/* Read an integer field of any integer type. */
static int tc_get_int(struct tc_dec *d, int type, int64_t *v)
{
	if (type != TC_I16 && type != TC_I32 && type != TC_I64 && type != TC_BYTE)
		return DN_EPARSE;
	if (type == TC_BYTE) {
		if (d->p >= d->end)
			return DN_EPARSE;
		*v = (int8_t)*d->p++;
		return 0;
	}
	return tc_int(d, v);
}

/* ---- metadata ---- */

enum { TS_NONE = 0, TS_MILLIS, TS_MICROS, TS_NANOS };

struct pr_leaf {
	char *name;
	int ptype;       /* PQ_*, -1 for a group */
	int type_length; /* FIXED_LEN_BYTE_ARRAY */
	int repetition;  /* 0 required, 1 optional, 2 repeated */
	int nchildren;
	int ctype;   /* converted type, -1 none */
	int logical; /* LogicalType union field id, 0 none */
	int ts_unit;
	int scale;
};

struct pr_top {
	int elem;   /* index in leaves */
	int chunk;  /* its first column chunk */
	int nested; /* a group or repeated */
};

struct pr_chunk {
	int64_t start, len, nvalues;
	int codec;
	int external;
	/* statistics, borrowed from the footer: min_value / max_value (unsigned order for byte
	 * arrays), or the deprecated min / max (signed order: used for numbers only) */
	const uint8_t *min, *max;
	size_t min_len, max_len;
	int has_min, has_max, old_minmax;
	int64_t null_count; /* -1 = unknown */
};

struct pr_group {
	int64_t rows;
	int nchunks;
	struct pr_chunk *chunks;
};

struct pr_rle {
	const uint8_t *p, *end;
	int bw;
	uint32_t rle_left, rle_val;
	uint32_t bp_left;
	const uint8_t *bp;
	uint64_t bitpos;
};

/* DELTA_BINARY_PACKED: a header (block size, miniblocks per block, value count, first value),
 * then blocks of a minimum delta, the miniblocks' bit widths and the bit-packed miniblocks. */
#define PR_MAX_MINI 256
struct pr_delta {
	const uint8_t *p, *end;
	uint64_t per_mini, nmini, left;
	uint64_t min_delta, prev;
	int first_pending, in_block;
	uint8_t widths[PR_MAX_MINI];
	uint64_t mini_idx, mini_left;
	const uint8_t *bp;
	uint64_t bitpos;
	int bw;
};

struct pr_col {
	int leaf;
	enum dn_type type;
	const struct pr_leaf *L;
	/* chunk cursor */
	const uint8_t *p, *end;
	int64_t values_left;
	int codec;
	/* dictionary */
	struct dn_builder dict_b;
	struct dn_column dict;
	int has_dict;
	/* page */
	struct dn_buf buf;
	int64_t page_left;
	struct pr_rle def;
	int enc;
	const uint8_t *vp, *vend;
	int bit; /* PLAIN booleans: next bit in *vp */
	struct pr_rle idx;
	struct dn_buf lv; /* definition levels of a run, a byte each */
	struct dn_buf ix; /* dictionary indices of a run */
	/* DELTA_* and BYTE_STREAM_SPLIT pages */
	struct pr_delta dlt;
	struct dn_buf lens;   /* int64 value lengths (DELTA_LENGTH / DELTA_BYTE_ARRAY) */
	struct dn_buf prefix; /* int64 prefix lengths (DELTA_BYTE_ARRAY) */
	struct dn_buf prev;   /* the previous value (DELTA_BYTE_ARRAY) */
	int64_t nlens, li;    /* lengths decoded, next one */
	int64_t bss_n, bss_k; /* BYTE_STREAM_SPLIT: values in the page, next one */
	/* decompressors, one per column so that columns decode on different threads */
	z_stream z;
	int z_init;
	ZSTD_DCtx *zd;
	/* the job of one batch: n rows into *b; rc and err are its outcome */
	struct pr_state *st;
	struct dn_builder *b;
	int64_t n;
	int rc;
	struct dn_error err;
	size_t data_hint;  /* string bytes of the previous batch */
	int64_t chunk_len; /* compressed bytes of the current column chunk */
};

/* A pruning condition: the column (no page cursor, only its leaf and type) and the value. */
struct pr_filter {
	struct pr_col c;
	enum dn_filter_op op;
	struct dn_column v; /* one value of type c.type */
};

struct pr_state {
	struct dn_reader *r;
	const uint8_t *data;
	size_t len;
	void *map; /* mmap'd file, or NULL */
	size_t map_len;
	struct pr_leaf *leaves; /* schema elements, the root first */
	int nleaves;
	struct pr_top *tops; /* the root's children */
	int ntops;
	int *chunk_elem; /* element of each leaf (column chunk) */
	int nchunks;
	struct pr_group *groups;
	int ngroups;
	int64_t num_rows;
	struct pr_col *cols; /* selected columns */
	int ncols;
	struct dn_builder *b;
	int group;         /* current row group, -1 before the first */
	int64_t rows_left; /* in the current row group */
	int64_t emitted;
	struct dn_pool *pool; /* decodes the columns of a batch in parallel; NULL = one thread */
	int *order;           /* columns by decreasing chunk size: the order jobs are started in */
	int pool_tried;
	struct pr_filter *filters; /* opt.filters on columns the file has */
	int nfilters;
};

static int footer_error(struct pr_state *st, const char *what, struct dn_error *err)
{
	return dn_error_set_at(err, DN_EPARSE, st->r->name, 0, 0,
			       "not a valid Parquet file: %s; the file may be truncated or damaged",
			       what);
}

/* An error in column c of the current row group. */
static int col_error(struct pr_state *st, const struct pr_col *c, int code, struct dn_error *err,
		     const char *fmt, ...) DN_PRINTF(5, 6);
static int col_error(struct pr_state *st, const struct pr_col *c, int code, struct dn_error *err,
		     const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return dn_error_set_at(err, code, st->r->name, 0, 0, "column '%s', row group %d: %s",
			       c->L->name, st->group, msg);
}

static int parse_logical(struct tc_dec *d, struct pr_leaf *L)
{
	int last = 0, t, id, rc;
	while ((rc = tc_field(d, &last, &t, &id)) > 0) {
		if (t != TC_STRUCT) {
			DN_TRY(tc_skip(d, t, 1, 0));
			continue;
		}
		L->logical = id;
		int l2 = 0, t2, id2;
		while ((rc = tc_field(d, &l2, &t2, &id2)) > 0) {
			int64_t v;
			if (id == 5 && id2 == 1 && t2 == TC_I32) { /* DECIMAL scale */
				DN_TRY(tc_int(d, &v));
				if (v < 0 || v > 76)
					return DN_EPARSE;
				L->scale = (int)v;
			} else if (id == 8 && id2 == 2 && t2 == TC_STRUCT) { /* TIMESTAMP unit */
				int l3 = 0, t3, id3;
				while ((rc = tc_field(d, &l3, &t3, &id3)) > 0) {
					if (t3 == TC_STRUCT)
						L->ts_unit = id3 == 1 ? TS_MILLIS :
							     id3 == 2 ? TS_MICROS :
							     id3 == 3 ? TS_NANOS :
									TS_NONE;
					DN_TRY(tc_skip(d, t3, 2, 0));
				}
				DN_TRY(rc);
			} else {
				DN_TRY(tc_skip(d, t2, 2, 0));
			}
		}
		DN_TRY(rc);
	}
	return rc;
}

static int parse_schema_element(struct tc_dec *d, struct pr_leaf *L)
{
	int last = 0, t, id, rc;
	const uint8_t *p;
	size_t n;
	int64_t v;
	L->ptype = -1;
	L->ctype = -1;
	while ((rc = tc_field(d, &last, &t, &id)) > 0) {
		switch (id) {
		case 1:
		case 2:
		case 3:
		case 5:
		case 6:
		case 7:
			DN_TRY(tc_get_int(d, t, &v));
			if (v < INT32_MIN || v > INT32_MAX)
				return DN_EPARSE;
			if (id == 1)
				L->ptype = (int)v;
			else if (id == 2)
				L->type_length = (int)v;
			else if (id == 3)
				L->repetition = (int)v;
			else if (id == 5)
				L->nchildren = (int)v;
			else if (id == 6)
				L->ctype = (int)v;
			else if (v >= 0 && v <= 76)
				L->scale = (int)v;
			break;
		case 4:
			if (t != TC_BINARY)
				return DN_EPARSE;
			DN_TRY(tc_bin(d, &p, &n));
			dn_free(L->name);
			L->name = dn_malloc(n + 1);
			if (!L->name)
				return DN_ENOMEM;
			memcpy(L->name, p, n);
			L->name[n] = 0;
			break;
		case 10:
			if (t != TC_STRUCT)
				return DN_EPARSE;
			DN_TRY(parse_logical(d, L));
			break;
		default:
			DN_TRY(tc_skip(d, t, 1, 0));
		}
	}
	if (rc == 0 && !L->name)
		return DN_EPARSE;
	return rc;
}

static int parse_stats(struct tc_dec *d, struct pr_chunk *ck)
{
	int last = 0, t, id, rc;
	const uint8_t *v[7] = {0};
	size_t vn[7] = {0};
	while ((rc = tc_field(d, &last, &t, &id)) > 0) {
		if (id == 3) {
			DN_TRY(tc_get_int(d, t, &ck->null_count));
		} else if ((id == 1 || id == 2 || id == 5 || id == 6) && t == TC_BINARY) {
			DN_TRY(tc_bin(d, &v[id], &vn[id]));
		} else {
			DN_TRY(tc_skip(d, t, 1, 0));
		}
	}
	int k = v[5] || v[6] ? 5 : 1; /* the new fields win */
	ck->old_minmax = k == 1;
	ck->max = v[k], ck->max_len = vn[k], ck->has_max = v[k] != NULL;
	ck->min = v[k + 1], ck->min_len = vn[k + 1], ck->has_min = v[k + 1] != NULL;
	return rc;
}

static int parse_column_meta(struct tc_dec *d, struct pr_chunk *ck)
{
	int last = 0, t, id, rc;
	int64_t v, data_off = -1, dict_off = 0;
	while ((rc = tc_field(d, &last, &t, &id)) > 0) {
		switch (id) {
		case 4:
		case 5:
		case 7:
		case 9:
		case 11:
			DN_TRY(tc_get_int(d, t, &v));
			if (id == 4)
				ck->codec = (int)(v < 0 || v > 100 ? 100 : v);
			else if (id == 5)
				ck->nvalues = v;
			else if (id == 7)
				ck->len = v;
			else if (id == 9)
				data_off = v;
			else
				dict_off = v;
			break;
		case 12:
			if (t != TC_STRUCT)
				return DN_EPARSE;
			DN_TRY(parse_stats(d, ck));
			break;
		default:
			DN_TRY(tc_skip(d, t, 1, 0));
		}
	}
	DN_TRY(rc);
	/* Some writers set a zero dictionary offset for "none". */
	ck->start = dict_off > 0 && dict_off < data_off ? dict_off : data_off;
	return 0;
}

static int parse_row_group(struct tc_dec *d, struct pr_group *g)
{
	int last = 0, t, id, rc;
	int64_t v;
	g->rows = -1;
	while ((rc = tc_field(d, &last, &t, &id)) > 0) {
		if (id == 1 && t == TC_LIST) {
			int et;
			uint32_t n;
			DN_TRY(tc_list(d, &et, &n));
			if (et != TC_STRUCT || g->chunks)
				return DN_EPARSE;
			g->chunks = dn_calloc(n ? n : 1, sizeof *g->chunks);
			if (!g->chunks)
				return DN_ENOMEM;
			g->nchunks = (int)n;
			for (uint32_t i = 0; i < n; i++) {
				struct pr_chunk *ck = &g->chunks[i];
				int l2 = 0, t2, id2;
				ck->start = -1;
				ck->null_count = -1;
				ck->nvalues = -1;
				ck->len = -1;
				while ((rc = tc_field(d, &l2, &t2, &id2)) > 0) {
					if (id2 == 1 && t2 == TC_BINARY)
						ck->external = 1;
					if (id2 == 3 && t2 == TC_STRUCT)
						DN_TRY(parse_column_meta(d, ck));
					else
						DN_TRY(tc_skip(d, t2, 1, 0));
				}
				DN_TRY(rc);
			}
		} else if (id == 3) {
			DN_TRY(tc_get_int(d, t, &v));
			g->rows = v;
		} else {
			DN_TRY(tc_skip(d, t, 1, 0));
		}
	}
	return rc;
}

static int parse_footer(struct pr_state *st, const uint8_t *p, size_t n)
{
	struct tc_dec d = {p, p + n};
	int last = 0, t, id, rc;
	while ((rc = tc_field(&d, &last, &t, &id)) > 0) {
		int et;
		uint32_t k;
		if (id == 2 && t == TC_LIST) {
			DN_TRY(tc_list(&d, &et, &k));
			if (et != TC_STRUCT || k == 0 || st->leaves)
				return DN_EPARSE;
			st->leaves = dn_calloc(k, sizeof *st->leaves);
			if (!st->leaves)
				return DN_ENOMEM;
			st->nleaves = (int)k; /* the root first, dropped below */
			for (uint32_t i = 0; i < k; i++)
				DN_TRY(parse_schema_element(&d, &st->leaves[i]));
		} else if (id == 3) {
			DN_TRY(tc_get_int(&d, t, &st->num_rows));
		} else if (id == 4 && t == TC_LIST) {
			DN_TRY(tc_list(&d, &et, &k));
			if (et != TC_STRUCT || st->groups)
				return DN_EPARSE;
			st->groups = dn_calloc(k ? k : 1, sizeof *st->groups);
			if (!st->groups)
				return DN_ENOMEM;
			st->ngroups = (int)k;
			for (uint32_t i = 0; i < k; i++)
				DN_TRY(parse_row_group(&d, &st->groups[i]));
		} else {
			DN_TRY(tc_skip(&d, t, 0, 0));
		}
	}
	return rc;
}

/* The dunya type of leaf L, or an error naming it. */
static int leaf_type(struct pr_state *st, const struct pr_leaf *L, enum dn_type *out,
		     struct dn_error *err)
{
	switch (L->ptype) {
	case PQ_BOOLEAN:
		*out = DN_BOOL;
		return 0;
	case PQ_INT32:
		if (L->logical == 6 || L->ctype == PQ_CT_DATE)
			*out = DN_DATE;
		else if (L->logical == 5 || L->ctype == PQ_CT_DECIMAL)
			*out = DN_FLOAT64;
		else
			*out = DN_INT64;
		return 0;
	case PQ_INT64:
		if (L->logical == 5 || L->ctype == PQ_CT_DECIMAL)
			*out = DN_FLOAT64;
		else if ((L->logical == 8 && L->ts_unit != TS_NONE) ||
			 L->ctype == PQ_CT_TS_MILLIS || L->ctype == PQ_CT_TS_MICROS)
			*out = DN_TIMESTAMP;
		else
			*out = DN_INT64;
		return 0;
	case PQ_INT96:
		*out = DN_TIMESTAMP;
		return 0;
	case PQ_FLOAT:
	case PQ_DOUBLE:
		*out = DN_FLOAT64;
		return 0;
	case PQ_BYTE_ARRAY:
	case PQ_FIXED_LEN_BYTE_ARRAY:
		if (L->ptype == PQ_FIXED_LEN_BYTE_ARRAY &&
		    (L->type_length < 0 || L->type_length > (1 << 20)))
			return footer_error(st, "a fixed-length column with a bad length", err);
		*out = L->logical == 5 || L->ctype == PQ_CT_DECIMAL ? DN_FLOAT64 : DN_STRING;
		return 0;
	}
	return dn_error_set_at(err, DN_ENOTSUP, st->r->name, 0, 0,
			       "column '%s' has physical type %d, which dunya does not read",
			       L->name, L->ptype);
}

/* Walk the schema tree (depth first, as the footer lists it): every element without children
 * is a leaf with one column chunk per row group, in this order; the root's children are the
 * columns a reader sees. A top-level column that is a group or repeated is nested: reading it
 * is an error, but the other columns still read. */
static int walk_schema(struct pr_state *st, struct dn_error *err)
{
	int n = st->nleaves;
	if (!st->leaves || n < 1)
		return footer_error(st, "the footer has no schema", err);
	if (st->leaves[0].nchildren < 0 || st->leaves[0].nchildren > n - 1)
		return footer_error(st, "the schema's root does not match its columns", err);
	st->ntops = st->leaves[0].nchildren;
	st->tops = dn_calloc((size_t)(st->ntops ? st->ntops : 1), sizeof *st->tops);
	st->chunk_elem = dn_calloc((size_t)n, sizeof *st->chunk_elem);
	if (!st->tops || !st->chunk_elem)
		return dn_error_set(err, DN_ENOMEM, "out of memory reading %s", st->r->name);
	int pos = 1;
	for (int t = 0; t < st->ntops; t++) {
		struct pr_top *T = &st->tops[t];
		int64_t remaining = 1;
		T->elem = pos;
		T->chunk = st->nchunks;
		while (remaining > 0) {
			if (pos >= n)
				return footer_error(st,
						    "the schema lists fewer columns than it says",
						    err);
			const struct pr_leaf *L = &st->leaves[pos];
			remaining--;
			if (L->repetition < 0 || L->repetition > 2)
				return footer_error(st, "a column with an unknown repetition", err);
			if (L->nchildren < 0 || L->nchildren > n)
				return footer_error(st, "a group with a bad child count", err);
			if (L->nchildren > 0 || L->ptype < 0) {
				remaining += L->nchildren;
				T->nested = 1;
			} else {
				st->chunk_elem[st->nchunks++] = pos;
			}
			if (L->repetition == 2)
				T->nested = 1;
			pos++;
		}
	}
	if (pos != n)
		return footer_error(st, "the schema lists more columns than its root holds", err);
	return 0;
}

static int nested_error(struct pr_state *st, const struct pr_top *T, struct dn_error *err)
{
	const struct pr_leaf *L = &st->leaves[T->elem];
	return dn_error_set_at(err, DN_ENOTSUP, st->r->name, 0, 0,
			       "column '%s' is %s; dunya reads flat Parquet columns only (leave it "
			       "out with --columns, or flatten it when writing)",
			       L->name,
			       L->nchildren > 0 ? "a nested group (struct, list or map)" :
						  "repeated (a list)");
}

static int check_metadata(struct pr_state *st, size_t footer_start, struct dn_error *err)
{
	DN_TRY(walk_schema(st, err));
	if (st->num_rows < 0)
		return footer_error(st, "a negative row count", err);
	for (int g = 0; g < st->ngroups; g++) {
		const struct pr_group *G = &st->groups[g];
		char what[200];
		if (G->rows < 0 || G->nchunks != st->nchunks) {
			snprintf(what, sizeof what,
				 "row group %d has %d column chunks for %d columns, or no rows", g,
				 G->nchunks, st->nchunks);
			return footer_error(st, what, err);
		}
		for (int c = 0; c < G->nchunks; c++) {
			const struct pr_chunk *ck = &G->chunks[c];
			const char *name = st->leaves[st->chunk_elem[c]].name;
			if (ck->external)
				return dn_error_set_at(err, DN_ENOTSUP, st->r->name, 0, 0,
						       "column '%s', row group %d: the data is in "
						       "another file; dunya reads single files",
						       name, g);
			if (ck->start < 4 || ck->len < 0 || ck->nvalues < 0 ||
			    (uint64_t)ck->start > footer_start ||
			    (uint64_t)ck->len > footer_start - (uint64_t)ck->start) {
				snprintf(what, sizeof what,
					 "column '%s', row group %d: the chunk's offset, size or "
					 "value count does not fit the file",
					 name, g);
				return footer_error(st, what, err);
			}
		}
	}
	return 0;
}

/* ---- pages ---- */

static void rle_init(struct pr_rle *r, const uint8_t *p, const uint8_t *end, int bw)
{
	memset(r, 0, sizeof *r);
	r->p = p;
	r->end = end;
	r->bw = bw;
}

/* Read run headers until one with values: a repeated value (rle_left) or a bit-packed run
 * (bp_left values at bp, ending at p). */
static int rle_load(struct pr_rle *r)
{
	while (!r->rle_left && !r->bp_left) {
		struct tc_dec d = {r->p, r->end};
		uint64_t h;
		if (tc_varint(&d, &h) < 0)
			return DN_EPARSE;
		r->p = d.p;
		if (h & 1) {
			uint64_t groups = h >> 1;
			size_t avail = (size_t)(r->end - r->p);
			uint64_t bytes = groups * (uint64_t)r->bw;
			if (groups > ((uint64_t)1 << 32))
				return DN_EPARSE;
			r->bp = r->p;
			r->bitpos = 0;
			if (bytes > avail) { /* a last run cut short: take the values there */
				bytes = avail;
				r->bp_left = (uint32_t)(r->bw ? avail * 8 / (size_t)r->bw : 0);
			} else {
				r->bp_left = (uint32_t)(groups * 8);
			}
			r->p += bytes;
			if (!r->bp_left && !groups)
				continue;
			if (!r->bp_left)
				return DN_EPARSE;
		} else {
			int nb = (r->bw + 7) / 8;
			if (h >> 1 > UINT32_MAX || r->end - r->p < nb)
				return DN_EPARSE;
			r->rle_left = (uint32_t)(h >> 1);
			r->rle_val = 0;
			for (int k = 0; k < nb; k++)
				r->rle_val |= (uint32_t)r->p[k] << (8 * k);
			r->p += nb;
		}
	}
	return 0;
}

static int rle_next(struct pr_rle *r, uint32_t *out)
{
	if (!r->rle_left && !r->bp_left && rle_load(r) < 0)
		return DN_EPARSE;
	if (r->rle_left) {
		r->rle_left--;
		*out = r->rle_val;
		return 0;
	}
	uint64_t acc = 0;
	size_t first = (size_t)(r->bitpos >> 3);
	int shift = (int)(r->bitpos & 7);
	int nbytes = (shift + r->bw + 7) / 8;
	for (int k = 0; k < nbytes; k++)
		acc |= (uint64_t)r->bp[first + (size_t)k] << (8 * k);
	*out = r->bw ? (uint32_t)((acc >> shift) & ((((uint64_t)1) << r->bw) - 1)) : 0;
	r->bitpos += (uint64_t)r->bw;
	r->bp_left--;
	return 0;
}

/* Start decoding a DELTA_BINARY_PACKED stream of at most max values. */
static int delta_init(struct pr_delta *d, const uint8_t *p, const uint8_t *end, uint64_t max)
{
	struct tc_dec t = {p, end};
	uint64_t block, nmini, total, first;
	memset(d, 0, sizeof *d);
	DN_TRY(tc_varint(&t, &block));
	DN_TRY(tc_varint(&t, &nmini));
	DN_TRY(tc_varint(&t, &total));
	DN_TRY(tc_varint(&t, &first));
	if (block == 0 || block % 128 || block > 32768 || nmini == 0 || nmini > PR_MAX_MINI ||
	    block % nmini || (block / nmini) % 32 || total > max)
		return DN_EPARSE;
	d->p = t.p;
	d->end = end;
	d->per_mini = block / nmini;
	d->nmini = nmini;
	d->left = total;
	d->prev = (first >> 1) ^ (0 - (first & 1));
	d->first_pending = total > 0;
	return 0;
}

static int delta_next(struct pr_delta *d, uint64_t *out)
{
	if (!d->left)
		return DN_EPARSE;
	if (d->first_pending) {
		d->first_pending = 0;
		d->left--;
		*out = d->prev;
		return 0;
	}
	if (!d->mini_left) {
		if (!d->in_block || d->mini_idx == d->nmini) {
			struct tc_dec t = {d->p, d->end};
			uint64_t md;
			DN_TRY(tc_varint(&t, &md));
			if ((uint64_t)(d->end - t.p) < d->nmini)
				return DN_EPARSE;
			d->min_delta = (md >> 1) ^ (0 - (md & 1));
			memcpy(d->widths, t.p, d->nmini);
			d->p = t.p + d->nmini;
			d->mini_idx = 0;
			d->in_block = 1;
		}
		d->bw = d->widths[d->mini_idx++];
		if (d->bw > 64)
			return DN_EPARSE;
		uint64_t n = d->left < d->per_mini ? d->left : d->per_mini;
		uint64_t need = (n * (uint64_t)d->bw + 7) / 8,
			 full = d->per_mini * (uint64_t)d->bw / 8;
		uint64_t avail = (uint64_t)(d->end - d->p);
		if (avail < need)
			return DN_EPARSE;
		d->bp = d->p;
		d->bitpos = 0;
		d->p += full < avail ? full : avail;
		d->mini_left = d->per_mini;
	}
	uint64_t v = 0;
	int got = 0;
	while (got < d->bw) {
		int sh = (int)(d->bitpos & 7);
		int take = 8 - sh < d->bw - got ? 8 - sh : d->bw - got;
		uint64_t byte = (uint64_t)(d->bp[d->bitpos >> 3] >> sh) & ((1u << take) - 1);
		v |= byte << got;
		got += take;
		d->bitpos += (uint64_t)take;
	}
	d->prev += d->min_delta + v;
	d->mini_left--;
	d->left--;
	*out = d->prev;
	return 0;
}

/* Decode a whole DELTA_BINARY_PACKED stream of lengths into out (int64s); *n = the count. */
static int delta_all(struct pr_state *st, struct pr_col *c, const uint8_t **p, const uint8_t *end,
		     uint64_t max, struct dn_buf *out, int64_t *n, struct dn_error *err)
{
	struct pr_delta d;
	size_t limit = st->r->opt.max_record_bytes / 8;
	if (delta_init(&d, *p, end, max < limit ? max : limit) < 0)
		return col_error(st, c, DN_EPARSE, err, "corrupt DELTA_BINARY_PACKED header");
	dn_buf_reset(out);
	DN_TRY(dn_buf_reserve(out, (size_t)d.left * 8, err));
	int64_t *v = (int64_t *)(void *)out->data;
	*n = (int64_t)d.left;
	for (int64_t i = 0; i < *n; i++) {
		uint64_t x;
		if (delta_next(&d, &x) < 0)
			return col_error(st, c, DN_EPARSE, err,
					 "truncated DELTA_BINARY_PACKED data");
		v[i] = (int64_t)x;
		if (v[i] < 0)
			return col_error(st, c, DN_EPARSE, err, "a negative length");
	}
	*p = d.p;
	return 0;
}

/* Decompress n bytes at src (codec of c) into c->buf, exactly want bytes; *out points at the
 * page's bytes (src itself when not compressed). */
static int decompress(struct pr_state *st, struct pr_col *c, const uint8_t *src, size_t n,
		      size_t want, const uint8_t **out, struct dn_error *err)
{
	if (c->codec == PQ_CODEC_NONE) {
		if (n != want)
			return col_error(st, c, DN_EPARSE, err,
					 "corrupt page: %zu bytes stored for %zu", n, want);
		*out = src;
		return 0;
	}
	dn_buf_reset(&c->buf);
	DN_TRY(dn_buf_reserve(&c->buf, want, err));
	char *dst = c->buf.data;
	const char *why = NULL;
	switch (c->codec) {
	case PQ_CODEC_SNAPPY:
		if (dn_snappy_decompress((const char *)src, n, dst, want) < 0)
			why = "damaged snappy data";
		break;
	case PQ_CODEC_GZIP: {
		if (!c->z_init) {
			if (inflateInit2(&c->z, 15 + 32) != Z_OK)
				return dn_error_set(err, DN_ENOMEM, "out of memory starting zlib");
			c->z_init = 1;
		} else {
			inflateReset(&c->z);
		}
		c->z.next_in = (Bytef *)(uintptr_t)src;
		c->z.avail_in = (uInt)n;
		c->z.next_out = (Bytef *)dst;
		c->z.avail_out = (uInt)want;
		int zr = inflate(&c->z, Z_FINISH);
		if (zr != Z_STREAM_END || c->z.avail_out != 0)
			why = "damaged gzip data";
		break;
	}
	case PQ_CODEC_ZSTD: {
		if (!c->zd && !(c->zd = ZSTD_createDCtx()))
			return dn_error_set(err, DN_ENOMEM, "out of memory starting zstd");
		size_t k = ZSTD_decompressDCtx(c->zd, dst, want, src, n);
		if (ZSTD_isError(k) || k != want)
			why = "damaged zstd data";
		break;
	}
	default:
		return col_error(st, c, DN_ENOTSUP, err,
				 "compression codec %d is not supported (dunya reads none, "
				 "snappy, gzip and zstd)",
				 c->codec);
	}
	if (why)
		return col_error(st, c, DN_EPARSE, err, "corrupt page: %s", why);
	*out = (const uint8_t *)dst;
	return 0;
}

/* Append a BYTE_ARRAY or FIXED_LEN_BYTE_ARRAY value: a decimal (big-endian two's complement),
 * UTF-8 text, or the bytes in hex. */
static int append_bytes(struct pr_state *st, struct pr_col *c, const uint8_t *p, size_t n,
			struct dn_builder *b, struct dn_error *err)
{
	const struct pr_leaf *L = c->L;
	if (c->type == DN_FLOAT64) {
		double d = 0;
		for (size_t k = 0; k < n; k++)
			d = d * 256 + p[k];
		if (n && (p[0] & 0x80))
			d -= ldexp(1.0, (int)(n > 128 ? 1024 : 8 * n));
		for (int k = 0; k < L->scale; k++)
			d /= 10;
		return dn_builder_append_f64(b, d, err);
	}
	if (L->ptype == PQ_BYTE_ARRAY || L->logical == 1 || L->ctype == PQ_CT_UTF8) {
		size_t bad;
		if (!dn_utf8_valid((const char *)p, n, &bad))
			return col_error(st, c, DN_EPARSE, err,
					 "a value is not valid UTF-8 (byte %zu); dunya reads "
					 "binary columns as text",
					 bad + 1);
		return dn_builder_append_str(b, (const char *)p, n, err);
	}
	static const char hex[] = "0123456789abcdef";
	char tmp[256];
	struct dn_buf h = DN_BUF_INIT;
	char *o = tmp;
	if (2 * n > sizeof tmp) {
		DN_TRY(dn_buf_reserve(&h, 2 * n, err));
		o = h.data;
	}
	for (size_t k = 0; k < n; k++) {
		o[2 * k] = hex[p[k] >> 4];
		o[2 * k + 1] = hex[p[k] & 15];
	}
	int rc = dn_builder_append_str(b, o, 2 * n, err);
	dn_buf_release(&h);
	return rc;
}

/* Decode one PLAIN value at *p (bool: bit *bit of **p) into b with c's conversion. */
static int plain_value(struct pr_state *st, struct pr_col *c, const uint8_t **pp,
		       const uint8_t *end, int *bit, struct dn_builder *b, struct dn_error *err)
{
	const uint8_t *p = *pp;
	size_t left = (size_t)(end - p);
	const struct pr_leaf *L = c->L;
	int64_t v;
	switch (L->ptype) {
	case PQ_BOOLEAN:
		if (!left)
			goto short_;
		DN_TRY(dn_builder_append_bool(b, (*p >> *bit) & 1, err));
		if (++*bit == 8) {
			*bit = 0;
			*pp = p + 1;
		}
		return 0;
	case PQ_INT32: {
		if (left < 4)
			goto short_;
		uint32_t u = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
			     (uint32_t)p[3] << 24;
		*pp = p + 4;
		if (c->type == DN_DATE)
			return dn_builder_append_date(b, (int32_t)u, err);
		v = (int32_t)u;
		if (L->ctype >= 11 && L->ctype <= 14) /* UINT_8..UINT_64 */
			v = (int64_t)u;
		break;
	}
	case PQ_INT64:
	case PQ_DOUBLE: {
		if (left < 8)
			goto short_;
		uint64_t u = 0;
		for (int k = 0; k < 8; k++)
			u |= (uint64_t)p[k] << (8 * k);
		*pp = p + 8;
		if (L->ptype == PQ_DOUBLE) {
			double d;
			memcpy(&d, &u, 8);
			return dn_builder_append_f64(b, d, err);
		}
		v = (int64_t)u;
		break;
	}
	case PQ_FLOAT: {
		if (left < 4)
			goto short_;
		uint32_t u = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
			     (uint32_t)p[3] << 24;
		float f;
		memcpy(&f, &u, 4);
		*pp = p + 4;
		return dn_builder_append_f64(b, (double)f, err);
	}
	case PQ_INT96: {
		if (left < 12)
			goto short_;
		uint64_t ns = 0;
		for (int k = 0; k < 8; k++)
			ns |= (uint64_t)p[k] << (8 * k);
		int32_t jd = (int32_t)((uint32_t)p[8] | (uint32_t)p[9] << 8 |
				       (uint32_t)p[10] << 16 | (uint32_t)p[11] << 24);
		*pp = p + 12;
		int64_t days = (int64_t)jd - 2440588, us;
		if (ns > 86400000000000ull ||
		    __builtin_mul_overflow(days, (int64_t)86400000000, &us))
			return col_error(st, c, DN_EPARSE, err, "an INT96 timestamp out of range");
		return dn_builder_append_ts(b, us + (int64_t)(ns / 1000), err);
	}
	case PQ_BYTE_ARRAY:
	case PQ_FIXED_LEN_BYTE_ARRAY: {
		size_t n;
		if (L->ptype == PQ_BYTE_ARRAY) {
			if (left < 4)
				goto short_;
			n = (size_t)p[0] | (size_t)p[1] << 8 | (size_t)p[2] << 16 |
			    (size_t)p[3] << 24;
			p += 4;
			left -= 4;
		} else {
			n = (size_t)L->type_length;
		}
		if (n > left)
			goto short_;
		*pp = p + n;
		return append_bytes(st, c, p, n, b, err);
	}
	default:
		return col_error(st, c, DN_ENOTSUP, err, "unsupported physical type");
	}
	/* v: an INT32 or INT64 to convert */
	if (c->type == DN_FLOAT64) {
		double d = (double)v;
		for (int k = 0; k < L->scale; k++)
			d /= 10;
		return dn_builder_append_f64(b, d, err);
	}
	if (c->type == DN_TIMESTAMP) {
		int unit = L->ts_unit;
		if (unit == TS_NONE)
			unit = L->ctype == PQ_CT_TS_MILLIS ? TS_MILLIS : TS_MICROS;
		if (unit == TS_MILLIS && __builtin_mul_overflow(v, (int64_t)1000, &v))
			return col_error(st, c, DN_EPARSE, err, "a timestamp out of range");
		if (unit == TS_NANOS)
			v = v / 1000 - (v % 1000 < 0);
		return dn_builder_append_ts(b, v, err);
	}
	return dn_builder_append_i64(b, v, err);
short_:
	return col_error(st, c, DN_EPARSE, err, "truncated page: a value runs past its end");
}

struct page_hdr {
	int type;
	int64_t usize, csize;
	int64_t nvalues, encoding;
	int64_t def_len, rep_len; /* v2 */
	int compressed;           /* v2 */
	int has_sub;
};

static int parse_page_header(struct tc_dec *d, struct page_hdr *h)
{
	int last = 0, t, id, rc;
	memset(h, 0, sizeof *h);
	h->type = -1;
	h->usize = h->csize = -1;
	h->compressed = 1;
	while ((rc = tc_field(d, &last, &t, &id)) > 0) {
		int64_t v;
		if (id >= 1 && id <= 3) {
			DN_TRY(tc_get_int(d, t, &v));
			if (id == 1)
				h->type = (int)(v < 0 || v > 100 ? 100 : v);
			else if (id == 2)
				h->usize = v;
			else
				h->csize = v;
		} else if ((id == 5 || id == 7 || id == 8) && t == TC_STRUCT) {
			int l2 = 0, t2, id2;
			h->has_sub = 1;
			while ((rc = tc_field(d, &l2, &t2, &id2)) > 0) {
				if (t2 == TC_TRUE || t2 == TC_FALSE) {
					if (id == 8 && id2 == 7)
						h->compressed = t2 == TC_TRUE;
					continue;
				}
				if (t2 == TC_STRUCT || t2 == TC_BINARY || t2 == TC_LIST) {
					DN_TRY(tc_skip(d, t2, 1, 0));
					continue;
				}
				DN_TRY(tc_get_int(d, t2, &v));
				if (id2 == 1)
					h->nvalues = v;
				else if ((id == 8 && id2 == 4) || (id != 8 && id2 == 2))
					h->encoding = v;
				else if (id == 8 && id2 == 5)
					h->def_len = v;
				else if (id == 8 && id2 == 6)
					h->rep_len = v;
			}
			DN_TRY(rc);
		} else {
			DN_TRY(tc_skip(d, t, 1, 0));
		}
	}
	return rc;
}

static int plain_run(struct pr_state *st, struct pr_col *c, const uint8_t **pp, const uint8_t *end,
		     int *bit, int64_t m, struct dn_builder *b, struct dn_error *err);

/* Load the next data page of c (reading any dictionary page on the way). */
static int next_page(struct pr_state *st, struct pr_col *c, struct dn_error *err)
{
	size_t limit = st->r->opt.max_record_bytes;
	for (;;) {
		if (c->values_left <= 0 || c->p >= c->end)
			return col_error(st, c, DN_EPARSE, err,
					 "truncated column chunk: fewer values than the row "
					 "group's %lld rows",
					 (long long)st->groups[st->group].rows);
		struct tc_dec d = {c->p, c->end};
		struct page_hdr h;
		if (parse_page_header(&d, &h) != 0)
			return col_error(st, c, DN_EPARSE, err,
					 "corrupt page header at offset %lld",
					 (long long)(c->p - st->data));
		if (h.usize < 0 || h.csize < 0 || h.csize > c->end - d.p)
			return col_error(st, c, DN_EPARSE, err,
					 "corrupt page header at offset %lld: the page size does "
					 "not fit the column chunk",
					 (long long)(c->p - st->data));
		if ((uint64_t)h.usize > limit)
			return col_error(st, c, DN_ELIMIT, err,
					 "a page of %lld bytes is over the %zu MiB limit "
					 "(--max-record-mb)",
					 (long long)h.usize, limit >> 20);
		const uint8_t *body = d.p;
		c->p = d.p + h.csize;
		if (h.type == PQ_PAGE_INDEX || h.type > PQ_PAGE_DATA_V2)
			continue;
		if (!h.has_sub || h.nvalues < 0)
			return col_error(st, c, DN_EPARSE, err, "corrupt page header: %s",
					 "no page details or a negative value count");
		const uint8_t *pg;
		if (h.type == PQ_PAGE_DICTIONARY) {
			if (h.encoding != PQ_ENC_PLAIN && h.encoding != PQ_ENC_PLAIN_DICTIONARY)
				return col_error(st, c, DN_ENOTSUP, err,
						 "dictionary page encoding %lld is not supported",
						 (long long)h.encoding);
			DN_TRY(decompress(st, c, body, (size_t)h.csize, (size_t)h.usize, &pg, err));
			const uint8_t *p = pg, *end = pg + h.usize;
			int bit = 0;
			dn_column_release(&c->dict);
			dn_builder_reset(&c->dict_b);
			int done;
			DN_TRY(done = plain_run(st, c, &p, end, &bit, h.nvalues, &c->dict_b, err));
			for (int64_t i = 0; !done && i < h.nvalues; i++)
				DN_TRY(plain_value(st, c, &p, end, &bit, &c->dict_b, err));
			DN_TRY(dn_builder_finish(&c->dict_b, &c->dict, err));
			c->has_dict = 1;
			continue;
		}
		/* a data page */
		if (h.nvalues > c->values_left)
			return col_error(st, c, DN_EPARSE, err,
					 "corrupt page header: more values than the column chunk");
		const uint8_t *end;
		if (h.type == PQ_PAGE_DATA_V2) {
			if (h.def_len < 0 || h.rep_len != 0 || h.def_len > h.csize ||
			    h.def_len > h.usize)
				return col_error(st, c, DN_EPARSE, err,
						 "corrupt page header: bad level lengths");
			rle_init(&c->def, body, body + h.def_len, 1);
			size_t cs = (size_t)(h.csize - h.def_len),
			       us = (size_t)(h.usize - h.def_len);
			if (h.compressed) {
				DN_TRY(decompress(st, c, body + h.def_len, cs, us, &pg, err));
			} else {
				if (cs != us)
					return col_error(st, c, DN_EPARSE, err,
							 "corrupt page: sizes differ");
				pg = body + h.def_len;
			}
			end = pg + us;
		} else {
			DN_TRY(decompress(st, c, body, (size_t)h.csize, (size_t)h.usize, &pg, err));
			end = pg + h.usize;
			if (c->L->repetition == 1) {
				if (end - pg < 4)
					return col_error(st, c, DN_EPARSE, err,
							 "truncated page: no definition levels");
				size_t n = (size_t)pg[0] | (size_t)pg[1] << 8 |
					   (size_t)pg[2] << 16 | (size_t)pg[3] << 24;
				if (n > (size_t)(end - pg - 4))
					return col_error(st, c, DN_EPARSE, err,
							 "truncated page: definition levels "
							 "run past its end");
				rle_init(&c->def, pg + 4, pg + 4 + n, 1);
				pg += 4 + n;
			}
		}
		c->enc = (int)h.encoding;
		c->vp = pg;
		c->vend = end;
		c->bit = 0;
		if (c->enc == PQ_ENC_PLAIN_DICTIONARY || c->enc == PQ_ENC_RLE_DICTIONARY) {
			if (!c->has_dict)
				return col_error(st, c, DN_EPARSE, err,
						 "a dictionary-encoded page without a dictionary");
			if (pg >= end) {
				rle_init(&c->idx, pg, end, 0);
			} else {
				if (*pg > 32)
					return col_error(st, c, DN_EPARSE, err,
							 "corrupt page: bit width %d", *pg);
				rle_init(&c->idx, pg + 1, end, *pg);
			}
		} else if (c->enc == PQ_ENC_RLE && c->L->ptype == PQ_BOOLEAN) {
			if (end - pg < 4)
				return col_error(st, c, DN_EPARSE, err, "truncated page");
			rle_init(&c->idx, pg + 4, end, 1);
		} else if (c->enc == PQ_ENC_DELTA_BINARY_PACKED &&
			   (c->L->ptype == PQ_INT32 || c->L->ptype == PQ_INT64)) {
			if (delta_init(&c->dlt, pg, end, (uint64_t)h.nvalues) < 0)
				return col_error(st, c, DN_EPARSE, err,
						 "corrupt DELTA_BINARY_PACKED header");
		} else if ((c->enc == PQ_ENC_DELTA_LENGTH_BYTE_ARRAY ||
			    c->enc == PQ_ENC_DELTA_BYTE_ARRAY) &&
			   c->L->ptype == PQ_BYTE_ARRAY) {
			const uint8_t *q = pg;
			int64_t np = 0;
			if (c->enc == PQ_ENC_DELTA_BYTE_ARRAY)
				DN_TRY(delta_all(st, c, &q, end, (uint64_t)h.nvalues, &c->prefix,
						 &np, err));
			DN_TRY(delta_all(st, c, &q, end, (uint64_t)h.nvalues, &c->lens, &c->nlens,
					 err));
			if (c->enc == PQ_ENC_DELTA_BYTE_ARRAY && np != c->nlens)
				return col_error(st, c, DN_EPARSE, err,
						 "corrupt DELTA_BYTE_ARRAY page: %lld prefixes for "
						 "%lld suffixes",
						 (long long)np, (long long)c->nlens);
			c->li = 0;
			c->vp = q;
			dn_buf_reset(&c->prev);
		} else if (c->enc == PQ_ENC_BYTE_STREAM_SPLIT) {
			int w = c->L->ptype == PQ_FLOAT || c->L->ptype == PQ_INT32  ? 4 :
				c->L->ptype == PQ_DOUBLE || c->L->ptype == PQ_INT64 ? 8 :
				c->L->ptype == PQ_FIXED_LEN_BYTE_ARRAY ? c->L->type_length :
									 0;
			if (w <= 0 || w > 64 || (end - pg) % w)
				return col_error(st, c, DN_EPARSE, err,
						 "corrupt BYTE_STREAM_SPLIT page");
			c->bss_n = (end - pg) / w;
			c->bss_k = 0;
		} else if (c->enc != PQ_ENC_PLAIN) {
			return col_error(
				st, c, DN_ENOTSUP, err,
				"encoding %d is not supported for this column (dunya reads "
				"PLAIN, RLE_DICTIONARY, PLAIN_DICTIONARY, DELTA_BINARY_PACKED, "
				"DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY and "
				"BYTE_STREAM_SPLIT)",
				c->enc);
		}
		c->page_left = h.nvalues;
		c->values_left -= h.nvalues;
		if (h.nvalues > 0)
			return 0;
	}
}

/* The next value of a DELTA_* page. */
static int delta_value(struct pr_state *st, struct pr_col *c, struct dn_builder *b,
		       struct dn_error *err)
{
	if (c->enc == PQ_ENC_DELTA_BINARY_PACKED) {
		uint64_t x;
		uint8_t tmp[8];
		const uint8_t *tp = tmp;
		int bit = 0, w = c->L->ptype == PQ_INT32 ? 4 : 8;
		if (delta_next(&c->dlt, &x) < 0)
			return col_error(st, c, DN_EPARSE, err,
					 "truncated or corrupt DELTA_BINARY_PACKED data");
		for (int k = 0; k < 8; k++)
			tmp[k] = (uint8_t)(x >> (8 * k));
		return plain_value(st, c, &tp, tmp + w, &bit, b, err);
	}
	if (c->li >= c->nlens)
		return col_error(st, c, DN_EPARSE, err, "truncated page: too few values");
	int64_t len = ((const int64_t *)(const void *)c->lens.data)[c->li];
	if (len > c->vend - c->vp)
		return col_error(st, c, DN_EPARSE, err,
				 "truncated page: a value runs past its end");
	const uint8_t *p = c->vp;
	c->vp += len;
	if (c->enc == PQ_ENC_DELTA_LENGTH_BYTE_ARRAY) {
		c->li++;
		return append_bytes(st, c, p, (size_t)len, b, err);
	}
	int64_t pre = ((const int64_t *)(const void *)c->prefix.data)[c->li++];
	if ((uint64_t)pre > c->prev.len)
		return col_error(st, c, DN_EPARSE, err,
				 "corrupt DELTA_BYTE_ARRAY page: a prefix longer than the value "
				 "before it");
	c->prev.len = (size_t)pre;
	DN_TRY(dn_buf_append(&c->prev, p, (size_t)len, err));
	return append_bytes(st, c, (const uint8_t *)c->prev.data, c->prev.len, b, err);
}

/* ---- whole-run decoding ----
 * read_rows takes the rows of a page in runs (up to the batch's end or the page's): the
 * definition levels of the run are decoded at once into a byte per row, the run's non-null
 * values are appended densely by a loop for the page's encoding and type (a memcpy for PLAIN
 * numbers that need no conversion, a gather for dictionary indices), and dn_builder_spread
 * then puts the nulls in place. Encodings and conversions without such a loop decode value by
 * value (one_value). */

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define PR_LITTLE_ENDIAN 1 /* PLAIN numbers are little-endian: copied as they are */
#else
#define PR_LITTLE_ENDIAN 0
#endif

/* The next n definition levels of c (bit width 1) as bytes in c->lv; *ones = how many are 1. */
static int def_levels(struct pr_col *c, int64_t n, int64_t *ones, struct dn_error *err)
{
	struct pr_rle *r = &c->def;
	dn_buf_reset(&c->lv);
	DN_TRY(dn_buf_reserve(&c->lv, (size_t)n, err));
	uint8_t *out = (uint8_t *)c->lv.data;
	int64_t k = 0;
	while (n > 0) {
		if (!r->rle_left && !r->bp_left && rle_load(r) < 0)
			return DN_EPARSE;
		int64_t take;
		if (r->rle_left) {
			if (r->rle_val > 1)
				return DN_EPARSE;
			take = n < r->rle_left ? n : r->rle_left;
			memset(out, (int)r->rle_val, (size_t)take);
			k += r->rle_val ? take : 0;
			r->rle_left -= (uint32_t)take;
		} else {
			take = n < r->bp_left ? n : r->bp_left;
			uint64_t pos = r->bitpos;
			for (int64_t i = 0; i < take; i++, pos++) {
				out[i] = (uint8_t)((r->bp[pos >> 3] >> (pos & 7)) & 1);
				k += out[i];
			}
			r->bitpos = pos;
			r->bp_left -= (uint32_t)take;
		}
		out += take;
		n -= take;
	}
	*ones = k;
	return 0;
}

/* The next n values of r (bit width up to 32) into out. */
static int rle_bulk(struct pr_rle *r, uint32_t *out, int64_t n)
{
	while (n > 0) {
		if (!r->rle_left && !r->bp_left && rle_load(r) < 0)
			return DN_EPARSE;
		int64_t take;
		if (r->rle_left) {
			take = n < r->rle_left ? n : r->rle_left;
			for (int64_t i = 0; i < take; i++)
				out[i] = r->rle_val;
			r->rle_left -= (uint32_t)take;
		} else {
			take = n < r->bp_left ? n : r->bp_left;
			/* r->p is the end of the bit-packed run: 8-byte loads while they fit */
			size_t avail = (size_t)(r->p - r->bp);
			int bw = r->bw;
			uint64_t mask = bw ? (((uint64_t)1) << bw) - 1 : 0, pos = r->bitpos;
			for (int64_t i = 0; i < take; i++, pos += (uint64_t)bw) {
				size_t first = (size_t)(pos >> 3);
				uint64_t acc = 0;
				if (avail - first >= 8) {
					memcpy(&acc, r->bp + first, 8);
#if !PR_LITTLE_ENDIAN
					acc = __builtin_bswap64(acc);
#endif
				} else {
					int nb = ((int)(pos & 7) + bw + 7) / 8;
					for (int j = 0; j < nb; j++)
						acc |= (uint64_t)r->bp[first + (size_t)j]
						       << (8 * j);
				}
				out[i] = (uint32_t)((acc >> (pos & 7)) & mask);
			}
			r->bitpos = pos;
			r->bp_left -= (uint32_t)take;
		}
		out += take;
		n -= take;
	}
	return 0;
}

static int short_page(struct pr_state *st, struct pr_col *c, struct dn_error *err)
{
	return col_error(st, c, DN_EPARSE, err, "truncated page: a value runs past its end");
}

/* Check that the strings [from, b->length) of b are UTF-8, naming the first bad value. */
static int check_utf8(struct pr_state *st, struct pr_col *c, struct dn_builder *b, int64_t from,
		      struct dn_error *err)
{
	const int64_t *o = (const int64_t *)(const void *)b->offsets.data;
	const uint8_t *d = (const uint8_t *)b->data.data;
	if (dn_is_ascii(d + o[from], (size_t)(o[b->length] - o[from])))
		return 0;
	for (int64_t i = from; i < b->length; i++) {
		size_t bad;
		if (!dn_utf8_valid((const char *)d + o[i], (size_t)(o[i + 1] - o[i]), &bad))
			return col_error(st, c, DN_EPARSE, err,
					 "a value is not valid UTF-8 (byte %zu); dunya reads "
					 "binary columns as text",
					 bad + 1);
	}
	return 0;
}

/* Append m PLAIN BYTE_ARRAY strings from *pp to b. */
static int plain_strings(struct pr_state *st, struct pr_col *c, const uint8_t **pp,
			 const uint8_t *end, int64_t m, struct dn_builder *b, struct dn_error *err)
{
	const uint8_t *p = *pp;
	int64_t from = b->length;
	if ((size_t)(end - p) / 4 < (size_t)m) /* each value takes 4 bytes or more */
		return short_page(st, c, err);
	DN_TRY(dn_builder_reserve(b, m, 0, err));
	int64_t *o = (int64_t *)(void *)b->offsets.data;
	for (int64_t i = 0; i < m; i++) {
		if (end - p < 4)
			return short_page(st, c, err);
		size_t n = (size_t)p[0] | (size_t)p[1] << 8 | (size_t)p[2] << 16 |
			   (size_t)p[3] << 24;
		p += 4;
		if (n > (size_t)(end - p))
			return short_page(st, c, err);
		if (DN_UNLIKELY(b->data.cap - b->data.len <= n + 16))
			DN_TRY(dn_buf_reserve(&b->data, n + 16, err));
		if (n <= 16 && end - p >= 16) /* short values: one fixed-size copy, inlined */
			memcpy(b->data.data + b->data.len, p, 16);
		else
			memcpy(b->data.data + b->data.len, p, n);
		b->data.len += n;
		p += n;
		o[++b->length] = (int64_t)b->data.len;
	}
	b->offsets.len += (size_t)m * 8;
	*pp = p;
	return check_utf8(st, c, b, from, err);
}

/* Append m PLAIN values from *pp to b with a loop for the whole run; 0 when c's type or
 * conversion has none (the caller then decodes value by value), 1 when done. */
static int plain_run(struct pr_state *st, struct pr_col *c, const uint8_t **pp, const uint8_t *end,
		     int *bit, int64_t m, struct dn_builder *b, struct dn_error *err)
{
	const struct pr_leaf *L = c->L;
	const uint8_t *p = *pp;
	size_t left = (size_t)(end - p);
	int unit = L->ts_unit != TS_NONE       ? L->ts_unit :
		   L->ctype == PQ_CT_TS_MILLIS ? TS_MILLIS :
						 TS_MICROS;
	if (L->ptype == PQ_BYTE_ARRAY && c->type == DN_STRING) {
		DN_TRY(plain_strings(st, c, pp, end, m, b, err));
		return 1;
	}
	if (L->ptype == PQ_BOOLEAN) {
		int k = *bit;
		if (left * 8 - (size_t)k < (size_t)m)
			return short_page(st, c, err);
		DN_TRY(dn_builder_reserve(b, m, 0, err));
		uint8_t *v = (uint8_t *)b->values.data + b->values.len;
		for (int64_t i = 0; i < m; i++) {
			v[i] = (uint8_t)((*p >> k) & 1);
			if (++k == 8) {
				k = 0;
				p++;
			}
		}
		dn_builder_added_(b, m, 1);
		*pp = p;
		*bit = k;
		return 1;
	}
	if (!PR_LITTLE_ENDIAN)
		return 0;
	size_t w;
	if ((L->ptype == PQ_INT64 &&
	     (c->type == DN_INT64 || (c->type == DN_TIMESTAMP && unit == TS_MICROS))) ||
	    L->ptype == PQ_DOUBLE)
		w = 8;
	else if (L->ptype == PQ_INT32 && (c->type == DN_DATE || c->type == DN_INT64))
		w = 4;
	else
		return 0;
	if (left / w < (size_t)m)
		return short_page(st, c, err);
	DN_TRY(dn_builder_reserve(b, m, 0, err));
	char *v = b->values.data + b->values.len;
	if (c->type == DN_INT64 && w == 4) {
		int64_t *o = (int64_t *)(void *)v;
		int is_unsigned = L->ctype >= 11 && L->ctype <= 14; /* UINT_8..UINT_64 */
		for (int64_t i = 0; i < m; i++) {
			uint32_t u;
			memcpy(&u, p + 4 * i, 4);
			o[i] = is_unsigned ? (int64_t)u : (int64_t)(int32_t)u;
		}
		dn_builder_added_(b, m, 8);
	} else {
		memcpy(v, p, (size_t)m * w);
		dn_builder_added_(b, m, w);
	}
	*pp = p + (size_t)m * w;
	return 1;
}

/* Append m dictionary-encoded values of c's page to b: indices in bulk, then a gather. */
static int dict_run(struct pr_state *st, struct pr_col *c, int64_t m, struct dn_builder *b,
		    struct dn_error *err)
{
	dn_buf_reset(&c->ix);
	DN_TRY(dn_buf_reserve(&c->ix, (size_t)m * 4, err));
	uint32_t *ix = (uint32_t *)(void *)c->ix.data;
	if (rle_bulk(&c->idx, ix, m) < 0)
		return col_error(st, c, DN_EPARSE, err,
				 "truncated page: fewer dictionary indices than values");
	const struct dn_column *D = &c->dict;
	uint32_t hi = 0;
	for (int64_t i = 0; i < m; i++)
		hi = ix[i] > hi ? ix[i] : hi;
	if (m > 0 && (int64_t)hi >= D->length) {
		for (int64_t i = 0; i < m; i++)
			if ((int64_t)ix[i] >= D->length)
				return col_error(st, c, DN_EPARSE, err,
						 "dictionary index %u out of range (the "
						 "dictionary has %lld values)",
						 ix[i], (long long)D->length);
	}
	DN_TRY(dn_builder_reserve(b, m, 0, err));
	switch (D->type) {
	case DN_BOOL: {
		uint8_t *v = (uint8_t *)b->values.data + b->values.len;
		for (int64_t i = 0; i < m; i++)
			v[i] = ((const uint8_t *)D->values)[ix[i]];
		dn_builder_added_(b, m, 1);
		return 0;
	}
	case DN_DATE: {
		int32_t *v = (int32_t *)(void *)(b->values.data + b->values.len);
		for (int64_t i = 0; i < m; i++)
			v[i] = ((const int32_t *)D->values)[ix[i]];
		dn_builder_added_(b, m, 4);
		return 0;
	}
	case DN_STRING: {
		const int64_t *so = D->offsets;
		size_t bytes = 0;
		for (int64_t i = 0; i < m; i++)
			bytes += (size_t)(so[ix[i] + 1] - so[ix[i]]);
		DN_TRY(dn_buf_reserve(&b->data, bytes + 16, err));
		int64_t *o = (int64_t *)(void *)b->offsets.data;
		char *d = b->data.data;
		size_t at = b->data.len;
		int64_t dlen = so[D->length];
		for (int64_t i = 0; i < m; i++) {
			size_t n = (size_t)(so[ix[i] + 1] - so[ix[i]]);
			if (n <= 16 &&
			    so[ix[i]] + 16 <= dlen) /* short values: one fixed-size copy */
				memcpy(d + at, D->data + so[ix[i]], 16);
			else
				memcpy(d + at, D->data + so[ix[i]], n);
			at += n;
			o[++b->length] = (int64_t)at;
		}
		b->data.len = at;
		b->offsets.len += (size_t)m * 8;
		return 0;
	}
	default: {
		int64_t *v = (int64_t *)(void *)(b->values.data + b->values.len);
		for (int64_t i = 0; i < m; i++)
			v[i] = ((const int64_t *)D->values)[ix[i]];
		dn_builder_added_(b, m, 8);
		return 0;
	}
	}
}

/* Append the next non-null value of c's page to b, value by value. */
static int one_value(struct pr_state *st, struct pr_col *c, struct dn_builder *b,
		     struct dn_error *err)
{
	if (c->enc == PQ_ENC_PLAIN)
		return plain_value(st, c, &c->vp, c->vend, &c->bit, b, err);
	if (c->enc >= PQ_ENC_DELTA_BINARY_PACKED && c->enc <= PQ_ENC_DELTA_BYTE_ARRAY)
		return delta_value(st, c, b, err);
	if (c->enc == PQ_ENC_BYTE_STREAM_SPLIT) {
		uint8_t tmp[64];
		const uint8_t *tp = tmp;
		int w = (int)((c->vend - c->vp) / c->bss_n), bit = 0;
		if (c->bss_k >= c->bss_n)
			return col_error(st, c, DN_EPARSE, err, "truncated page: too few values");
		for (int j = 0; j < w; j++)
			tmp[j] = c->vp[(int64_t)j * c->bss_n + c->bss_k];
		c->bss_k++;
		return plain_value(st, c, &tp, tmp + w, &bit, b, err);
	}
	/* RLE booleans */
	uint32_t v;
	if (rle_next(&c->idx, &v) < 0)
		return col_error(st, c, DN_EPARSE, err, "truncated page: too few values");
	return dn_builder_append_bool(b, v & 1, err);
}

/* Append the next n rows of column c to b. */
static int read_rows(struct pr_state *st, struct pr_col *c, int64_t n, struct dn_builder *b,
		     struct dn_error *err)
{
	DN_TRY(dn_builder_reserve(b, n, 0, err));
	while (n > 0) {
		if (c->page_left == 0)
			DN_TRY(next_page(st, c, err));
		int64_t k = n < c->page_left ? n : c->page_left, m = k;
		const uint8_t *valid = NULL;
		if (c->L->repetition == 1) {
			int rc = def_levels(c, k, &m, err);
			if (rc == DN_EPARSE)
				return col_error(st, c, DN_EPARSE, err,
						 "corrupt definition levels");
			DN_TRY(rc);
			if (m < k)
				valid = (const uint8_t *)c->lv.data;
		}
		int64_t start = b->length;
		int done = 0;
		if (c->enc == PQ_ENC_PLAIN) {
			DN_TRY(done = plain_run(st, c, &c->vp, c->vend, &c->bit, m, b, err));
		} else if (c->enc == PQ_ENC_PLAIN_DICTIONARY || c->enc == PQ_ENC_RLE_DICTIONARY) {
			DN_TRY(dict_run(st, c, m, b, err));
			done = 1;
		}
		for (int64_t i = 0; !done && i < m; i++)
			DN_TRY(one_value(st, c, b, err));
		DN_TRY(dn_builder_spread(b, start, valid, k, err));
		c->page_left -= k;
		n -= k;
	}
	return 0;
}

static void col_reset(struct pr_col *c)
{
	dn_column_release(&c->dict);
	dn_builder_reset(&c->dict_b);
	c->has_dict = 0;
	c->page_left = 0;
}

/* ---- statistics: row-group pruning and dn_pq_meta_read ---- */

/* The min and max of chunk ck of column c as a column of two values of c->type in *out.
 * Returns 1, or 0 when the chunk has no statistics dunya can trust: none, INT96 and UINT_64
 * (their order is not the value's), deprecated min/max of byte arrays and unsigned integers
 * (signed order), or bytes that do not decode (e.g. a truncated max that is not UTF-8). */
static int chunk_minmax(struct pr_state *st, struct pr_col *c, const struct pr_chunk *ck,
			struct dn_column *out)
{
	const struct pr_leaf *L = c->L;
	int bytes = L->ptype == PQ_BYTE_ARRAY || L->ptype == PQ_FIXED_LEN_BYTE_ARRAY;
	if (!ck->has_min || !ck->has_max || L->ptype == PQ_INT96 || L->ctype == 14)
		return 0;
	if (ck->old_minmax && (bytes || (L->ctype >= 11 && L->ctype <= 14)))
		return 0;
	struct dn_builder b;
	struct dn_error e;
	const uint8_t *v[2] = {ck->min, ck->max};
	size_t n[2] = {ck->min_len, ck->max_len};
	int rc = 0;
	memset(out, 0, sizeof *out);
	dn_builder_init(&b, c->type);
	for (int i = 0; i < 2 && rc == 0; i++) {
		const uint8_t *p = v[i];
		int bit = 0;
		if (bytes)
			rc = append_bytes(st, c, p, n[i], &b, &e);
		else
			rc = plain_value(st, c, &p, p + n[i], &bit, &b, &e);
	}
	if (rc == 0)
		rc = dn_builder_finish(&b, out, &e);
	dn_builder_release(&b);
	return rc == 0;
}

static int value_cmp(const struct dn_column *a, int64_t i, const struct dn_column *b, int64_t j)
{
	switch (a->type) {
	case DN_FLOAT64: {
		double x = dn_column_f64(a, i), y = dn_column_f64(b, j);
		return (x > y) - (x < y);
	}
	case DN_STRING: {
		struct dn_str x = dn_column_str(a, i), y = dn_column_str(b, j);
		int k = memcmp(x.ptr, y.ptr, x.len < y.len ? x.len : y.len);
		return k ? k : (x.len > y.len) - (x.len < y.len);
	}
	case DN_BOOL:
		return dn_column_bool(a, i) - dn_column_bool(b, j);
	case DN_DATE:
		return (dn_column_date(a, i) > dn_column_date(b, j)) -
		       (dn_column_date(a, i) < dn_column_date(b, j));
	default:
		return (dn_column_i64(a, i) > dn_column_i64(b, j)) -
		       (dn_column_i64(a, i) < dn_column_i64(b, j));
	}
}

/* Can no row of row group G satisfy every filter? Only statistics decide: a column chunk that
 * is all null fails every comparison; otherwise its [min, max] must miss the condition. */
static int group_pruned(struct pr_state *st, const struct pr_group *G)
{
	for (int i = 0; i < st->nfilters; i++) {
		struct pr_filter *f = &st->filters[i];
		const struct pr_chunk *ck = &G->chunks[f->c.leaf];
		struct dn_column mm;
		if (G->rows > 0 && ck->null_count == G->rows)
			return 1;
		if (!chunk_minmax(st, &f->c, ck, &mm))
			continue;
		int lo = value_cmp(&mm, 0, &f->v, 0), hi = value_cmp(&mm, 1, &f->v, 0);
		dn_column_release(&mm);
		if ((f->op == DN_FILTER_EQ && (lo > 0 || hi < 0)) ||
		    (f->op == DN_FILTER_LT && lo >= 0) || (f->op == DN_FILTER_LE && lo > 0) ||
		    (f->op == DN_FILTER_GT && hi <= 0) || (f->op == DN_FILTER_GE && hi < 0))
			return 1;
	}
	return 0;
}

static int find_top(const struct pr_state *st, const char *name)
{
	for (int k = 0; k < st->ntops; k++)
		if (!strcmp(st->leaves[st->tops[k].elem].name, name))
			return k;
	return -1;
}

/* A pr_col for top-level column t, for its statistics. */
static int stat_col(struct pr_state *st, int t, struct pr_col *c, struct dn_error *err)
{
	memset(c, 0, sizeof *c);
	c->leaf = st->tops[t].chunk;
	c->L = &st->leaves[st->tops[t].elem];
	return leaf_type(st, c->L, &c->type, err);
}

/* opt.filters: resolve each column and parse each value as the column's type. */
static int prepare_filters(struct pr_state *st, struct dn_error *err)
{
	struct dn_reader *r = st->r;
	if (r->opt.n_filters <= 0)
		return 0;
	st->filters = dn_calloc((size_t)r->opt.n_filters, sizeof *st->filters);
	if (!st->filters)
		return dn_error_set(err, DN_ENOMEM, "out of memory opening %s", r->name);
	for (int i = 0; i < r->opt.n_filters; i++) {
		const struct dn_filter *F = &r->opt.filters[i];
		struct pr_filter *f = &st->filters[st->nfilters];
		int t = find_top(st, F->column);
		if (t < 0 && r->opt.types_may_be_absent)
			continue;
		if (t < 0)
			return dn_error_set_at(err, DN_ENOTFOUND, r->name, 0, 0,
					       "cannot prune on '%s': no such column in the file",
					       F->column);
		if (st->tops[t].nested)
			return nested_error(st, &st->tops[t], err);
		DN_TRY(stat_col(st, t, &f->c, err));
		struct dn_builder b;
		memset(&f->v, 0, sizeof f->v);
		dn_builder_init(&b, f->c.type);
		int rc = dn_builder_append_text(&b, F->value, strlen(F->value), NULL);
		if (rc == 0)
			rc = dn_builder_finish(&b, &f->v, err);
		dn_builder_release(&b);
		if (rc == DN_ETYPE)
			return dn_error_set_at(err, DN_EINVAL, r->name, 0, 0,
					       "cannot prune on %s%s%s: '%s' is not a %s value",
					       F->column, dn_filter_op_name(F->op), F->value,
					       F->value, dn_type_name(f->c.type));
		DN_TRY(rc);
		f->op = F->op;
		if (f->c.type == DN_FLOAT64 && isnan(dn_column_f64(&f->v, 0))) {
			dn_column_release(&f->v); /* NaN compares false with all: no proof */
			continue;
		}
		st->nfilters++;
	}
	return 0;
}

static void read_job(void *user)
{
	struct pr_col *c = user;
	c->rc = read_rows(c->st, c, c->n, c->b, &c->err);
	c->data_hint = c->b->data.len;
}

/* The next n rows of every selected column. Columns are independent (each has its own page
 * buffer, dictionary, decompressor and builder), so with more than one column and more than one
 * core they decode on a pool of min(columns, cores, opt.threads) threads, one job per column per
 * batch. A batch of 65,536 rows is milliseconds of work per column, so the pool's one lock is no
 * bottleneck. The first failing column in schema order gives the error, as the serial loop
 * would. */
static int read_columns(struct pr_state *st, int64_t n, struct dn_error *err)
{
	if (!st->pool_tried) {
		int t = dn_cpu_count();
		st->pool_tried = 1;
		if (st->r->opt.threads > 0 && st->r->opt.threads < t)
			t = st->r->opt.threads;
		if (t > st->ncols)
			t = st->ncols;
		if (t > 1 && dn_pool_new(&st->pool, t, NULL) < 0)
			st->pool = NULL; /* no threads: decode on this one */
	}
	/* The batch's buffers are allocated here, on the consumer's thread, which frees them: with
	 * glibc, memory a worker allocates comes from that thread's arena, and the consumer's
	 * frees then trim that arena, so every batch would fault in fresh pages. A string column
	 * reserves as many bytes as its previous batch took. */
	for (int i = 0; i < st->ncols; i++) {
		struct pr_col *c = &st->cols[i];
		DN_TRY(dn_builder_reserve(&st->b[i], n, c->data_hint, err));
	}
	for (int k = 0; k < st->ncols; k++) {
		int i = st->order ? st->order[k] : k;
		struct pr_col *c = &st->cols[i];
		c->st = st;
		c->b = &st->b[i];
		c->n = n;
		c->rc = 0;
		c->err.code = 0;
		if (!st->pool || dn_pool_submit(st->pool, read_job, c, NULL) < 0)
			read_job(c);
	}
	if (st->pool)
		dn_pool_wait(st->pool);
	for (int i = 0; i < st->ncols; i++) {
		struct pr_col *c = &st->cols[i];
		if (c->rc < 0) {
			if (err)
				*err = c->err;
			return c->rc;
		}
	}
	return 0;
}

static int pr_next(struct dn_reader *r, struct dn_batch **out, struct dn_error *err)
{
	struct pr_state *st = r->state;
	while (st->rows_left == 0) {
		if (st->group + 1 >= st->ngroups) {
			r->summary.bytes = st->len;
			return 0;
		}
		st->group++;
		const struct pr_group *G = &st->groups[st->group];
		if (st->nfilters && group_pruned(st, G)) {
			r->summary.groups_pruned++;
			continue;
		}
		st->rows_left = G->rows;
		for (int i = 0; i < st->ncols; i++) {
			struct pr_col *c = &st->cols[i];
			const struct pr_chunk *ck = &G->chunks[c->leaf];
			col_reset(c);
			if (ck->nvalues != G->rows)
				return col_error(st, c, DN_EPARSE, err,
						 "corrupt metadata: the column chunk holds %lld "
						 "values for %lld rows",
						 (long long)ck->nvalues, (long long)G->rows);
			c->p = st->data + ck->start;
			c->end = c->p + ck->len;
			c->values_left = ck->nvalues;
			c->codec = ck->codec;
			c->chunk_len = ck->len;
		}
		if (st->order) /* largest first, so that no long job starts last */
			for (int i = 1; i < st->ncols; i++)
				for (int j = i;
				     j > 0 && st->cols[st->order[j]].chunk_len >
						      st->cols[st->order[j - 1]].chunk_len;
				     j--) {
					int t = st->order[j];
					st->order[j] = st->order[j - 1];
					st->order[j - 1] = t;
				}
	}
	int64_t n = st->rows_left < r->opt.batch_rows ? st->rows_left : r->opt.batch_rows;
	DN_TRY(read_columns(st, n, err));
	struct dn_batch *b = dn_batch_from_builders(&r->schema, st->b, err);
	if (!b)
		return err && err->code ? err->code : DN_ENOMEM;
	b->nrows = n;
	b->first_row = st->emitted;
	st->emitted += n;
	st->rows_left -= n;
	r->summary.read += n;
	if (r->opt.progress)
		r->opt.progress(r->opt.progress_user, r->summary.bytes, r->summary.read);
	*out = b;
	return 1;
}

static void pr_free(struct dn_reader *r)
{
	struct pr_state *st = r->state;
	if (!st)
		return;
	dn_pool_free(st->pool);
	dn_free(st->order);
	for (int i = 0; i < st->nfilters; i++)
		dn_column_release(&st->filters[i].v);
	dn_free(st->filters);
	for (int i = 0; i < st->nleaves; i++)
		dn_free(st->leaves[i].name);
	dn_free(st->leaves);
	dn_free(st->tops);
	dn_free(st->chunk_elem);
	for (int g = 0; g < st->ngroups; g++)
		dn_free(st->groups[g].chunks);
	dn_free(st->groups);
	for (int i = 0; st->cols && i < st->ncols; i++) {
		dn_column_release(&st->cols[i].dict);
		dn_builder_release(&st->cols[i].dict_b);
		dn_buf_release(&st->cols[i].buf);
		dn_buf_release(&st->cols[i].lv);
		dn_buf_release(&st->cols[i].ix);
		dn_buf_release(&st->cols[i].lens);
		dn_buf_release(&st->cols[i].prefix);
		dn_buf_release(&st->cols[i].prev);
		if (st->cols[i].z_init)
			inflateEnd(&st->cols[i].z);
		ZSTD_freeDCtx(st->cols[i].zd);
		if (st->b)
			dn_builder_release(&st->b[i]);
	}
	dn_free(st->cols);
	dn_free(st->b);
	if (st->map)
		munmap(st->map, st->map_len);
	dn_free(st);
	r->state = NULL;
}

static const struct dn_reader_ops parquet_reader_ops = {pr_next, pr_free};

static int map_input(struct pr_state *st, struct dn_error *err)
{
	struct dn_reader *r = st->r;
	if (r->src.fd < 0) {
		st->data = (const uint8_t *)r->src.mem;
		st->len = r->src.mem_len;
		return 0;
	}
	struct stat sb;
	if (fstat(r->src.fd, &sb) < 0)
		return dn_error_set_at(err, DN_EIO, r->name, 0, 0, "cannot stat: %s",
				       strerror(errno));
	if (!S_ISREG(sb.st_mode))
		return dn_error_set_at(err, DN_EUSAGE, r->name, 0, 0,
				       "Parquet is read from a regular file (its footer comes "
				       "first), not from a pipe or terminal; save the input to a "
				       "file and read that");
	if (sb.st_size == 0) {
		st->data = (const uint8_t *)"";
		st->len = 0;
		return 0;
	}
	st->map_len = (size_t)sb.st_size;
	void *m = mmap(NULL, st->map_len, PROT_READ, MAP_PRIVATE, r->src.fd, 0);
	if (m == MAP_FAILED)
		return dn_error_set_at(err, DN_EIO, r->name, 0, 0, "cannot map the file: %s",
				       strerror(errno));
	st->map = m;
	st->data = m;
	st->len = st->map_len;
	return 0;
}

static int select_columns(struct pr_state *st, struct dn_error *err)
{
	struct dn_reader *r = st->r;
	int n = r->opt.n_columns > 0 ? r->opt.n_columns : st->ntops;
	st->cols = dn_calloc((size_t)(n ? n : 1), sizeof *st->cols);
	st->b = dn_calloc((size_t)(n ? n : 1), sizeof *st->b);
	st->order = dn_calloc((size_t)(n ? n : 1), sizeof *st->order);
	if (!st->cols || !st->b || !st->order)
		return dn_error_set(err, DN_ENOMEM, "out of memory opening %s", r->name);
	st->ncols = n;
	for (int i = 0; i < n; i++) {
		struct pr_col *c = &st->cols[i];
		st->order[i] = i;
		int t = i;
		if (r->opt.n_columns > 0) {
			t = -1;
			for (int k = 0; k < st->ntops && t < 0; k++)
				if (!strcmp(st->leaves[st->tops[k].elem].name, r->opt.columns[i]))
					t = k;
			if (t < 0)
				return dn_error_set_at(err, DN_ENOTFOUND, r->name, 0, 0,
						       "no column '%s' in the file",
						       r->opt.columns[i]);
		}
		if (st->tops[t].nested)
			return nested_error(st, &st->tops[t], err);
		c->leaf = st->tops[t].chunk;
		c->L = &st->leaves[st->tops[t].elem];
		dn_builder_init(&st->b[i], DN_STRING);
		dn_builder_init(&c->dict_b, DN_STRING);
		DN_TRY(leaf_type(st, c->L, &c->type, err));
		dn_builder_init(&st->b[i], c->type);
		dn_builder_init(&c->dict_b, c->type);
		DN_TRY(dn_schema_add(&r->schema, c->L->name, strlen(c->L->name), c->type, err));
	}
	return 0;
}

int dn_parquet_reader_init(struct dn_reader *r, struct dn_error *err)
{
	struct pr_state *st = dn_calloc(1, sizeof *st);
	if (!st)
		return dn_error_set(err, DN_ENOMEM, "out of memory opening %s", r->name);
	st->r = r;
	st->group = -1;
	r->state = st;
	r->ops = &parquet_reader_ops;
	DN_TRY(map_input(st, err));
	const uint8_t *d = st->data;
	size_t n = st->len;
	if (n < 12 || memcmp(d, "PAR1", 4) != 0)
		return dn_error_set_at(err, DN_EPARSE, r->name, 0, 0,
				       "not a Parquet file (it does not start with PAR1)");
	if (memcmp(d + n - 4, "PAR1", 4) != 0)
		return footer_error(st, "it does not end with PAR1", err);
	size_t flen = (size_t)d[n - 8] | (size_t)d[n - 7] << 8 | (size_t)d[n - 6] << 16 |
		      (size_t)d[n - 5] << 24;
	if (flen > n - 12)
		return footer_error(st, "the footer length is larger than the file", err);
	size_t fstart = n - 8 - flen;
	int rc = parse_footer(st, d + fstart, flen);
	if (rc == DN_ENOMEM)
		return dn_error_set(err, DN_ENOMEM, "out of memory reading %s", r->name);
	if (rc < 0)
		return footer_error(st, "corrupt footer (Thrift metadata)", err);
	DN_TRY(check_metadata(st, fstart, err));
	if (r->opt.n_columns < 0) /* dn_pq_meta_read: the footer only */
		return 0;
	DN_TRY(select_columns(st, err));
	return prepare_filters(st, err);
}

/* Statistic text for dn_pq_meta: the value as dunya prints it, strings cut at 64 bytes (on a
 * character boundary) with "..." after. */
static char *stat_text(const struct dn_column *mm, int64_t i)
{
	struct dn_buf b;
	int is_null;
	char *out = NULL;
	dn_buf_init(&b, 0);
	if (dn_column_format(mm, i, &b, &is_null, NULL) == 0) {
		size_t n = b.len;
		if (mm->type == DN_STRING && n > 64) {
			n = 64;
			while (n > 0 && ((uint8_t)b.data[n] & 0xc0) == 0x80)
				n--;
		}
		out = dn_malloc(n + 4);
		if (out) {
			memcpy(out, b.data, n);
			memcpy(out + n, n < b.len ? "..." : "", n < b.len ? 4 : 1);
		}
	}
	dn_buf_release(&b);
	return out;
}

static int meta_fill(struct pr_state *st, struct dn_pq_meta *m, struct dn_error *err)
{
	m->rows = st->num_rows;
	m->ncols = st->ntops;
	m->names = dn_calloc((size_t)(st->ntops ? st->ntops : 1), sizeof *m->names);
	m->groups = dn_calloc((size_t)(st->ngroups ? st->ngroups : 1), sizeof *m->groups);
	if (!m->names || !m->groups)
		goto nomem;
	for (int t = 0; t < st->ntops; t++)
		if (!(m->names[t] = dn_strdup(st->leaves[st->tops[t].elem].name)))
			goto nomem;
	for (int g = 0; g < st->ngroups; g++) {
		const struct pr_group *G = &st->groups[g];
		struct dn_pq_group_meta *gm = &m->groups[m->ngroups];
		gm->rows = G->rows;
		gm->cols = dn_calloc((size_t)(st->ntops ? st->ntops : 1), sizeof *gm->cols);
		if (!gm->cols)
			goto nomem;
		m->ngroups++;
		for (int c = 0; c < G->nchunks; c++)
			gm->bytes += G->chunks[c].len;
		for (int t = 0; t < st->ntops; t++) {
			struct dn_pq_col_meta *cm = &gm->cols[t];
			int last = t + 1 < st->ntops ? st->tops[t + 1].chunk : st->nchunks;
			cm->null_count = -1;
			for (int c = st->tops[t].chunk; c < last; c++)
				cm->bytes += G->chunks[c].len;
			struct pr_col col;
			struct dn_column mm;
			if (st->tops[t].nested || stat_col(st, t, &col, NULL) < 0)
				continue;
			st->group = g; /* for messages */
			const struct pr_chunk *ck = &G->chunks[col.leaf];
			cm->null_count = ck->null_count;
			if (!chunk_minmax(st, &col, ck, &mm))
				continue;
			cm->min = stat_text(&mm, 0);
			cm->max = stat_text(&mm, 1);
			dn_column_release(&mm);
			if (!cm->min || !cm->max)
				goto nomem;
		}
	}
	return 0;
nomem:
	return dn_error_set(err, DN_ENOMEM, "out of memory reading the footer of %s", st->r->name);
}

int dn_pq_meta_read(const char *path, struct dn_pq_meta *m, struct dn_error *err)
{
	struct dn_read_options opt;
	struct dn_reader *r = NULL;
	memset(m, 0, sizeof *m);
	dn_read_options_init(&opt);
	opt.n_columns = -1; /* the footer only: nested columns are no error */
	int rc = dn_reader_open(&r, path, DN_FORMAT_PARQUET, &opt, err);
	if (rc == 0)
		rc = meta_fill(r->state, m, err);
	dn_reader_free(r);
	return rc;
}

void dn_pq_meta_release(struct dn_pq_meta *m)
{
	for (int t = 0; m->names && t < m->ncols; t++)
		dn_free(m->names[t]);
	dn_free(m->names);
	for (int g = 0; g < m->ngroups; g++) {
		for (int t = 0; t < m->ncols; t++) {
			dn_free(m->groups[g].cols[t].min);
			dn_free(m->groups[g].cols[t].max);
		}
		dn_free(m->groups[g].cols);
	}
	dn_free(m->groups);
	memset(m, 0, sizeof *m);
}
