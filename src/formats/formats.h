/* formats: file formats in and out of columnar batches. CSV (RFC 4180 and the real-world files
 * around it), NDJSON, JSON (a top-level array of objects) and Apache Parquet (flat schemas;
 * docs/parquet.md). Parquet is read from a file mapped in memory (its footer comes first), so it
 * needs a regular file or a memory block, not a pipe.
 *
 * Every reader is a stream: open, take batches with dn_reader_next until it returns 0, read the
 * summary, free. Memory stays bounded by the batch size and the number of chunks in flight, so
 * files of any size stream through. The CSV reader parses chunks on all cores and still hands
 * batches out in file order.
 *
 * Types are inferred from a sample (data.h documents the rules) unless given. A value later in
 * the file that does not fit its inferred column widens that column from that batch on (noted in
 * the summary); a value that does not fit a type the user declared is a bad row.
 *
 * Bad rows (wrong field count, invalid UTF-8, a value not fitting a declared type, malformed
 * JSON records in NDJSON) follow the policy: fail (error with file, line, column, reason), skip
 * (counted), or quarantine (written to the rejects file with line and reason). The summary
 * accounts for every row: read = loaded + skipped + quarantined.
 *
 * Writers write to a temporary file and rename on dn_writer_finish, so a failure never leaves a
 * half-written output; "-" writes to standard output.
 *
 * Uses: core, data. Thread safety: a reader or writer is used by one thread at a time (the CSV
 * reader runs its own worker threads internally). Ownership: batches from dn_reader_next belong
 * to the caller (dn_batch_free). */
#ifndef DN_FORMATS_H
#define DN_FORMATS_H

#include "../core/core.h"
#include "../data/data.h"

enum dn_format {
	DN_FORMAT_UNKNOWN = 0,
	DN_FORMAT_CSV,
	DN_FORMAT_NDJSON,
	DN_FORMAT_JSON,
	DN_FORMAT_PARQUET,
};

/* Compression of a file's bytes. Input is recognised by its magic bytes whatever its name;
 * output takes the codec of dn_write_options (default: the path's .gz or .zst suffix). */
enum dn_codec { DN_CODEC_NONE = 0, DN_CODEC_GZIP, DN_CODEC_ZSTD };

const char *dn_codec_name(enum dn_codec c);            /* "none", "gzip", "zstd" */
int dn_codec_parse(const char *s, enum dn_codec *out); /* those, "gz", "zst"; DN_EPARSE */
const char *dn_codec_suffix(enum dn_codec c);          /* "", ".gz", ".zst" */
/* The codec a path's suffix names; *stem_len (may be NULL) = the length without it. */
enum dn_codec dn_codec_from_path(const char *path, size_t *stem_len);

/* Compression of Parquet pages (inside the file; the file itself is never wrapped). */
enum dn_parquet_codec {
	DN_PQ_DEFAULT = 0, /* snappy */
	DN_PQ_NONE,
	DN_PQ_SNAPPY,
	DN_PQ_GZIP,
	DN_PQ_ZSTD,
};
/* "none" ("uncompressed"), "snappy", "gzip", "zstd"; DN_EPARSE otherwise. */
int dn_parquet_codec_parse(const char *s, enum dn_parquet_codec *out);
const char *dn_parquet_codec_name(enum dn_parquet_codec c);

/* "csv", "ndjson", "json", "parquet". */
const char *dn_format_name(enum dn_format f);
/* Parse a format name ("csv", "tsv" = csv with tab, "ndjson", "jsonl", "json", "parquet"). */
int dn_format_parse(const char *s, enum dn_format *out, char *delimiter);
/* From a path's extension (.csv .tsv .txt .ndjson .jsonl .json .parquet), after a .gz or .zst
 * suffix; DN_FORMAT_UNKNOWN otherwise. A .tsv sets *delimiter (may be NULL) to a tab. */
enum dn_format dn_format_from_path(const char *path, char *delimiter);

enum dn_bad_rows { DN_BAD_FAIL = 0, DN_BAD_SKIP, DN_BAD_QUARANTINE };
int dn_bad_rows_parse(const char *s, enum dn_bad_rows *out);

#define DN_MAX_NULL_TOKENS 16

struct dn_type_hint {
	const char *column;
	enum dn_type type;
};

/* A condition of a row-group pruning filter: `column op value`, value as text (parsed as the
 * column's type). */
enum dn_filter_op { DN_FILTER_EQ = 0, DN_FILTER_LT, DN_FILTER_LE, DN_FILTER_GT, DN_FILTER_GE };

struct dn_filter {
	char *column;
	enum dn_filter_op op;
	char *value;
};

/* Parse "col>=value" (ops: = == < <= > >=; spaces around the op are allowed) into f, whose
 * strings are allocated (dn_filter_release). DN_EINVAL with the reason otherwise. */
int dn_filter_parse(const char *s, struct dn_filter *f, struct dn_error *err);
void dn_filter_release(struct dn_filter *f);
const char *dn_filter_op_name(enum dn_filter_op op); /* "=", "<", "<=", ">", ">=" */

struct dn_read_options {
	char delimiter;    /* CSV: 0 = detect among , ; TAB | */
	int no_header;     /* CSV: first line is data; columns are column1..N */
	int n_null_tokens; /* -1 = defaults: "", NA, N/A, NULL, null */
	const char *null_tokens[DN_MAX_NULL_TOKENS]; /* unquoted fields equal to one are null */
	enum dn_bad_rows bad_rows;
	const char *rejects_path; /* quarantine file; default "<input>.rejects.csv" */
	int64_t infer_rows;       /* rows sampled for inference; 0 = 10000 */
	int64_t batch_rows;       /* max rows per batch; 0 = DN_BATCH_ROWS */
	int threads;              /* CSV parse threads; 0 = all cores */
	size_t max_record_bytes;  /* ceiling for one record; 0 = 64 MiB */
	int n_types;              /* declared column types */
	const struct dn_type_hint *types;
	int types_may_be_absent;  /* declared columns the file lacks are fine (lake parts) */
	const char *display_name; /* named in messages instead of the path (e.g. its URL) */
	int all_strings;          /* no inference: every column is a string */
	int infer_quoted;         /* CSV: infer quoted fields by content too (default: a quoted
				   * field is text, so "12" is a string, as R and Python's
				   * QUOTE_NONNUMERIC writers mean it) */
	/* Called now and then with bytes consumed so far (for progress lines); may be NULL. */
	void (*progress)(void *user, uint64_t bytes, int64_t rows);
	void *progress_user;
	/* Parquet: read only these columns, in this order (0 = all). A name the file lacks is an
	 * error (DN_ENOTFOUND). Borrowed; must outlive dn_reader_open. (Negative: internal.) */
	int n_columns;
	const char *const *columns;
	/* Parquet: row-group pruning, a hint and not a filter. A row group is skipped when its
	 * statistics (min, max, null count) prove that no row satisfies every condition; every row
	 * of a kept row group is returned, matching or not, so callers that need exact results
	 * still filter the rows. A row group without statistics for a column is kept. A column the
	 * file lacks is an error (DN_ENOTFOUND), or prunes nothing when types_may_be_absent; a
	 * value that does not parse as the column's type is DN_EINVAL. Other formats ignore it.
	 * Borrowed; must outlive the reader. */
	int n_filters;
	const struct dn_filter *filters;
};

void dn_read_options_init(struct dn_read_options *o);

/* One change of a column's type while reading. */
struct dn_widening {
	int column;
	enum dn_type from, to;
	int64_t line; /* line of the first value that did not fit */
};

struct dn_read_summary {
	int64_t read;        /* data rows seen (header excluded) */
	int64_t loaded;      /* rows handed out in batches */
	int64_t skipped;     /* bad rows dropped under the skip policy */
	int64_t quarantined; /* bad rows written to the rejects file */
	uint64_t bytes;      /* input bytes consumed */
	char delimiter;      /* CSV: the delimiter used */
	int nwidenings;
	const struct dn_widening *widenings; /* borrowed from the reader */
	const char *rejects_path;            /* NULL when nothing was quarantined */
	int64_t groups_pruned;               /* Parquet row groups skipped by opt.filters */
};

struct dn_reader;

/* Open path ("-" = stdin) as format fmt (DN_FORMAT_UNKNOWN = from the extension; error if that
 * says nothing). Reads the sample and fixes the schema before returning. */
int dn_reader_open(struct dn_reader **out, const char *path, enum dn_format fmt,
		   const struct dn_read_options *opt, struct dn_error *err);

/* Same, reading from memory (not copied; must outlive the reader). name is used in messages. */
int dn_reader_open_mem(struct dn_reader **out, const char *name, const char *data, size_t len,
		       enum dn_format fmt, const struct dn_read_options *opt, struct dn_error *err);

/* Many part files (of one format) read as one table: a lake dataset. The caller's struct is
 * copied. Each part is read with the columns of `schema` declared (NULL = the first part's
 * columns); a part's columns are matched by name, a missing one reads as nulls, and other types
 * are widened to the dataset's. npcols partition columns follow the data columns, constant
 * within a part: pvalues[i * npcols + c] is part i's value of column c as text ("" = null).
 * With fetch set, paths are keys that fetch turns into local files one part at a time (done is
 * then called when a part has been read, to delete a downloaded copy). */
struct dn_parts {
	const char *name; /* for messages, e.g. "lake:raw/orders@3" */
	size_t nparts;
	const char *const *paths;
	const struct dn_schema *schema;
	int npcols;
	const char *const *pcol_names;
	const enum dn_type *pcol_types;
	const char *const *pvalues;
	int (*fetch)(void *user, size_t i, char **local_path, struct dn_error *err);
	void (*done)(void *user, size_t i, const char *local_path);
	void *user;
	void (*free_user)(void *user); /* called when the reader is freed (may be NULL) */
};

int dn_reader_open_parts(struct dn_reader **out, const struct dn_parts *parts, enum dn_format fmt,
			 const struct dn_read_options *opt, struct dn_error *err);

/* The current schema. It can widen while reading (see above); each batch carries the schema it
 * was built with. Valid until the next dn_reader_next or dn_reader_free. */
const struct dn_schema *dn_reader_schema(const struct dn_reader *r);
/* Read only the n named columns of the reader's schema, in that order, from the first batch
 * on (call it before dn_reader_next): for a caller that learns what it needs from the schema
 * (a quality suite, a reference dataset). 1 when the reader now hands out just those columns;
 * 0 when its format reads every column anyway (batches keep them all; so does the schema);
 * DN_ENOTFOUND for a name the schema lacks, DN_EUSAGE for one named twice or a reader that
 * has begun, DN_ENOMEM. CSV projects; the others read every column. */
int dn_reader_project(struct dn_reader *r, const char *const *names, int n, struct dn_error *err);

/* Next batch: returns 1 and sets *out, 0 at the end, or a negative error (the reader is then
 * done; under the fail policy the error names the file, line, column and reason). */
int dn_reader_next(struct dn_reader *r, struct dn_batch **out, struct dn_error *err);

void dn_reader_summary(const struct dn_reader *r, struct dn_read_summary *out);
void dn_reader_free(struct dn_reader *r);

/* Tests only: 1 makes the CSV reader tokenize every chunk the general way, without the field
 * offsets it takes from a chunk that has no quotes (both must give the same batches). Set it
 * only while no reader is open. */
extern int dn_csv_general_only;

/* ---------------------------------------------------------------------------------------------
 * Parquet metadata, for tools (`dunya lake show --row-groups`): the footer only, no pages read.
 * Statistics are given as text in dunya's formats (numbers, ISO-8601 dates and timestamps,
 * strings as stored, at most 64 bytes then "..."); NULL when the file has none. */
struct dn_pq_col_meta {
	char *min, *max;    /* NULL = no statistics */
	int64_t null_count; /* -1 = unknown */
	int64_t bytes;      /* compressed size of the column chunk */
};

struct dn_pq_group_meta {
	int64_t rows;
	int64_t bytes;               /* sum of its column chunks, compressed */
	struct dn_pq_col_meta *cols; /* ncols, in schema order */
};

struct dn_pq_meta {
	int64_t rows;
	int ncols;
	char **names; /* top-level columns; nested ones have no statistics */
	int ngroups;
	struct dn_pq_group_meta *groups;
};

/* Read the footer of the Parquet file at path into *m (zeroed first; release it with
 * dn_pq_meta_release, also after an error). Errors as dn_reader_open gives them. */
int dn_pq_meta_read(const char *path, struct dn_pq_meta *m, struct dn_error *err);
void dn_pq_meta_release(struct dn_pq_meta *m);

/* ---------------------------------------------------------------------------------------------
 * JSON documents as trees, for small documents read whole (commit records, API responses).
 * Strict RFC 8259; nesting is limited to 256 levels. Nodes and strings live in the arena. */
enum dn_jv_kind { DN_JV_NULL = 0, DN_JV_BOOL, DN_JV_NUM, DN_JV_STR, DN_JV_ARR, DN_JV_OBJ };

struct dn_jv {
	enum dn_jv_kind kind;
	int b;           /* BOOL */
	double num;      /* NUM (str holds its text) */
	const char *str; /* STR (decoded, NUL-terminated) or NUM text */
	size_t len;      /* of str */
	size_t n;        /* ARR, OBJ: items */
	struct dn_jv *items;
	const char **keys; /* OBJ: n keys */
	const char *src;   /* ARR, OBJ: its text in the parsed document (valid while that is) */
	size_t src_len;
	int lazy; /* ARR, OBJ left unparsed by dn_jv_parse_shallow: n is 0, only src is set */
};

/* Parse text; errors are DN_EPARSE with name, line and column. */
int dn_jv_parse(struct dn_arena *a, const char *name, const char *text, size_t len,
		struct dn_jv **out, struct dn_error *err);
/* The same, but containers nested depth or more levels deep (the root's items are at level 1)
 * are only delimited by their brackets, for a reader that takes their text (lazy set); their
 * contents are not checked. depth 0 parses everything. */
int dn_jv_parse_shallow(struct dn_arena *a, const char *name, const char *text, size_t len,
			int depth, struct dn_jv **out, struct dn_error *err);
const struct dn_jv *dn_jv_get(const struct dn_jv *obj, const char *key); /* NULL if absent */
const char *dn_jv_str(const struct dn_jv *v);       /* a string's text, else NULL */
int dn_jv_i64(const struct dn_jv *v, int64_t *out); /* 0, or DN_ETYPE if not an integer */

/* JSON string escaping: appends "text" with quotes. */
int dn_json_put_string(struct dn_buf *out, const char *p, size_t n, struct dn_error *err);

/* ---------------------------------------------------------------------------------------------
 * Writers */
struct dn_write_options {
	char delimiter;      /* CSV: default ',' */
	int no_header;       /* CSV: no header line */
	int crlf;            /* CSV: end lines with CRLF */
	int json_lines;      /* unused by callers; set by the format */
	int pretty;          /* JSON: indent */
	int codec_given;     /* 0: compress as the path's .gz / .zst suffix says */
	enum dn_codec codec; /* when codec_given */
	int level;           /* compression level; 0 = the codec's default (gzip 6, zstd 3) */
	/* Parquet */
	enum dn_parquet_codec parquet_codec; /* page compression; default snappy */
	int64_t row_group_rows;              /* rows per row group; 0 = 1048576 */
	size_t row_group_bytes;              /* or fewer when the buffered values pass this;
					      * 0 = 256 MiB */
	size_t page_bytes;                   /* target data page size; 0 = 1 MiB */
	size_t dict_bytes;                   /* largest dictionary before falling back to PLAIN;
					      * 0 = 1 MiB */
};

void dn_write_options_init(struct dn_write_options *o);

struct dn_writer;

/* Open path ("-" = stdout) as format fmt (UNKNOWN = from the extension). */
int dn_writer_open(struct dn_writer **out, const char *path, enum dn_format fmt,
		   const struct dn_write_options *opt, struct dn_error *err);
/* Write into a caller's buffer instead of a file (tests, servers). */
int dn_writer_open_buf(struct dn_writer **out, struct dn_buf *dst, enum dn_format fmt,
		       const struct dn_write_options *opt, struct dn_error *err);

/* Write a batch. The first batch fixes the columns; later batches may have widened types (values
 * are written as text either way) but must have the same column names in the same order. */
int dn_writer_write(struct dn_writer *w, const struct dn_batch *b, struct dn_error *err);

/* See every byte written to the file (after compression), e.g. to checksum it on the way. */
void dn_writer_set_tap(struct dn_writer *w, void (*tap)(void *user, const void *p, size_t n),
		       void *user);

/* Finish: closing bracket, flush, fsync, rename into place. */
int dn_writer_finish(struct dn_writer *w, struct dn_error *err);

/* Free; if not finished, the partial output is removed. */
void dn_writer_free(struct dn_writer *w);

#endif
