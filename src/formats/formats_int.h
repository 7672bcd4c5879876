/* Internals shared by the files of the formats module; no other module includes this.
 *
 * A reader or writer is a small struct of common fields followed by a format's own state,
 * dispatched through an ops table (one per format), the way curl keeps one handler per
 * protocol. formats.c owns opening (format detection, stdin, the rejects file) and the public
 * functions; csv.c and json.c implement the ops. */
#ifndef DN_FORMATS_INT_H
#define DN_FORMATS_INT_H

#include "formats.h"

struct dn_reader;
struct dn_writer;

struct dn_reader_ops {
	/* Produce the next batch (1), end (0) or an error (< 0). */
	int (*next)(struct dn_reader *r, struct dn_batch **out, struct dn_error *err);
	void (*free)(struct dn_reader *r); /* the format's state only */
	/* Read only these columns from now on (dn_reader_project); NULL: every column. */
	int (*project)(struct dn_reader *r, const char *const *names, int n, struct dn_error *err);
};

struct dn_decoder;
struct dn_encoder;

/* Where a reader's bytes come from: a file descriptor or a memory block, maybe compressed. */
struct dn_source {
	int fd;          /* -1 for memory */
	int close_fd;    /* fd is ours to close */
	const char *mem; /* memory input */
	size_t mem_len;
	size_t mem_pos;
	off_t start;           /* fd offset where the input starts (for rewinding) */
	unsigned char peek[4]; /* plain input: bytes read while looking for a magic */
	size_t peek_len, peek_pos;
	struct dn_decoder *dec; /* compressed input: the decompressor in front of fd/mem */
};

/* Read up to n (decompressed) bytes; returns bytes read (0 at the end) or a negative error
 * (DN_EIO, DN_EPARSE for damaged compressed data) with a message. */
int64_t dn_source_read(struct dn_reader *r, char *dst, size_t n, struct dn_error *err);
/* Can the input be read again from the start (a regular file or memory)? */
int dn_source_seekable(struct dn_reader *r);
/* Go back to the start of the input. */
int dn_source_rewind(struct dn_reader *r, struct dn_error *err);

/* codec.c: compression under the readers and writers. */
int dn_source_detect(struct dn_reader *r, struct dn_error *err);
int64_t dn_decoder_read(struct dn_reader *r, char *dst, size_t n, struct dn_error *err);
int dn_decoder_rewind(struct dn_reader *r, struct dn_error *err);
void dn_decoder_free(struct dn_decoder *d);
int dn_encoder_new(struct dn_encoder **out, enum dn_codec c, int level, struct dn_error *err);
/* Compress n bytes into w's file; end = also finish the stream. */
int dn_encoder_write(struct dn_encoder *e, struct dn_writer *w, const char *p, size_t n, int end,
		     struct dn_error *err);
void dn_encoder_free(struct dn_encoder *e);

struct dn_reader {
	const struct dn_reader_ops *ops;
	void *state; /* the format's own */
	char *name;  /* for messages: the path, or "<stdin>" */
	struct dn_read_options opt;
	struct dn_source src;
	struct dn_schema schema; /* current (widened) schema */
	struct dn_read_summary summary;
	struct dn_widening *widenings;
	int nwidenings;
	struct dn_afile rejects; /* opened lazily at the first quarantined row */
	int rejects_open;
	char *rejects_path;
	int done;
};

/* Bad-row handling shared by the readers: under fail it fills err (file, line, column, reason)
 * and returns DN_EPARSE; under skip it counts; under quarantine it appends
 * line,column,reason,record to the rejects file (CSV). Returns 0 when the row was dropped. */
int dn_reader_bad_row(struct dn_reader *r, int64_t line, int64_t column, const char *reason,
		      const char *record, size_t record_len, struct dn_error *err);

/* Record a widening of column c (also updates r->schema). */
int dn_reader_widen(struct dn_reader *r, int column, enum dn_type to, int64_t line,
		    struct dn_error *err);

/* Is the unquoted field text a null token under r's options? */
int dn_reader_is_null(const struct dn_reader *r, const char *p, size_t n);

/* Type declared by the user for column name, or 0. */
enum dn_type dn_reader_declared_type(const struct dn_reader *r, const char *name);

/* A reader with options applied and no input yet (formats.c). */
int dn_reader_new_(struct dn_reader **out, const char *name, const struct dn_read_options *opt,
		   struct dn_error *err);

/* Format constructors: fill r->ops and r->state, read the sample, set r->schema. */
int dn_csv_reader_init(struct dn_reader *r, struct dn_error *err);
int dn_json_reader_init(struct dn_reader *r, int lines, struct dn_error *err);
/* Parquet: maps r->src.fd (a regular file) or uses r->src.mem; reads the footer. */
int dn_parquet_reader_init(struct dn_reader *r, struct dn_error *err);

/* ---------------------------------------------------------------------------------------------
 * Writers */
struct dn_writer_ops {
	int (*begin)(struct dn_writer *w, const struct dn_batch *first, struct dn_error *err);
	int (*write)(struct dn_writer *w, const struct dn_batch *b, struct dn_error *err);
	int (*end)(struct dn_writer *w, struct dn_error *err);
	void (*free)(struct dn_writer *w);
};

struct dn_writer {
	const struct dn_writer_ops *ops;
	void *state;
	struct dn_write_options opt;
	enum dn_format format;
	struct dn_afile file;   /* when writing to a path */
	struct dn_encoder *enc; /* compressing the file's bytes, or NULL */
	void (*tap)(void *user, const void *p, size_t n);
	void *tap_user;
	struct dn_buf *dst;      /* when writing to memory */
	struct dn_buf out;       /* staging buffer, flushed to file when large */
	struct dn_schema schema; /* columns of the first batch */
	int started;
	int finished;
	int64_t rows;
};

/* Write n bytes to w's file as they are (and show them to the tap). */
int dn_writer_emit(struct dn_writer *w, const char *p, size_t n, struct dn_error *err);

/* Flush w->out to the file when it holds more than `threshold` bytes (0 = always). */
int dn_writer_flush(struct dn_writer *w, size_t threshold, struct dn_error *err);

/* Flush w->out, then write n bytes at p the same way without copying them into w->out (for
 * large blocks such as Parquet column chunks). */
int dn_writer_write_through(struct dn_writer *w, const char *p, size_t n, struct dn_error *err);

extern const struct dn_writer_ops dn_csv_writer_ops;
extern const struct dn_writer_ops dn_ndjson_writer_ops;
extern const struct dn_writer_ops dn_json_writer_ops;
extern const struct dn_writer_ops dn_parquet_writer_ops;

/* ---------------------------------------------------------------------------------------------
 * Parquet (parquet_read.c, parquet_write.c, snappy.c). Values of the format's enums as
 * parquet.thrift numbers them. */
enum {
	PQ_BOOLEAN = 0,
	PQ_INT32 = 1,
	PQ_INT64 = 2,
	PQ_INT96 = 3,
	PQ_FLOAT = 4,
	PQ_DOUBLE = 5,
	PQ_BYTE_ARRAY = 6,
	PQ_FIXED_LEN_BYTE_ARRAY = 7,
};
enum {
	PQ_ENC_PLAIN = 0,
	PQ_ENC_PLAIN_DICTIONARY = 2,
	PQ_ENC_RLE = 3,
	PQ_ENC_DELTA_BINARY_PACKED = 5,
	PQ_ENC_DELTA_LENGTH_BYTE_ARRAY = 6,
	PQ_ENC_DELTA_BYTE_ARRAY = 7,
	PQ_ENC_RLE_DICTIONARY = 8,
	PQ_ENC_BYTE_STREAM_SPLIT = 9,
};
enum { PQ_PAGE_DATA = 0, PQ_PAGE_INDEX = 1, PQ_PAGE_DICTIONARY = 2, PQ_PAGE_DATA_V2 = 3 };
enum { PQ_CODEC_NONE = 0, PQ_CODEC_SNAPPY = 1, PQ_CODEC_GZIP = 2, PQ_CODEC_ZSTD = 6 };
enum {
	PQ_CT_UTF8 = 0,
	PQ_CT_DECIMAL = 5,
	PQ_CT_DATE = 6,
	PQ_CT_TS_MILLIS = 9,
	PQ_CT_TS_MICROS = 10,
	PQ_CT_JSON = 19
};
/* Thrift compact protocol type ids. */
enum {
	TC_STOP = 0,
	TC_TRUE = 1,
	TC_FALSE = 2,
	TC_BYTE = 3,
	TC_I16 = 4,
	TC_I32 = 5,
	TC_I64 = 6,
	TC_DOUBLE = 7,
	TC_BINARY = 8,
	TC_LIST = 9,
	TC_SET = 10,
	TC_MAP = 11,
	TC_STRUCT = 12,
};

/* Snappy raw blocks. compress writes at most dn_snappy_max_compressed(n) bytes to dst and
 * returns the count; decompress needs dst_len to be the block's stated length and returns 0
 * or DN_EPARSE (damaged data); uncompressed_length returns the varint's size or DN_EPARSE. */
size_t dn_snappy_max_compressed(size_t n);
size_t dn_snappy_compress(const char *src, size_t n, char *dst);
int dn_snappy_uncompressed_length(const char *src, size_t n, size_t *out);
int dn_snappy_decompress(const char *src, size_t n, char *dst, size_t dst_len);

#endif
