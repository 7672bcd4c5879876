/* store: where data lives. The SQL warehouse (tables created from batch schemas, batches loaded
 * in one of four modes, query results streamed back as batches) and, further down, the lake
 * (versioned datasets of files, on a local folder or S3: lake.c, lake_fs.c, lake_s3.c).
 * SQLite is the embedded warehouse (warehouse_sqlite.c); PostgreSQL (warehouse_pg.c: libpq,
 * COPY) implements the same ops table.
 *
 * A warehouse is opened by URL: `sqlite:///abs/path.db`, or `sqlite://rel.db` resolved against a
 * base folder the caller gives (the project root). `postgres://user:password@host:port/db?...`
 * and `postgresql://...` name the PostgreSQL backend; the URL goes to libpq as it is (any libpq
 * URI parameter works; connect_timeout is 10 s unless the URL sets one). Connection errors
 * never contain the password (libpq's text is scrubbed of it).
 *
 * Type mapping (dunya -> SQLite declared type -> value stored -> type read back by a query):
 *   bool       INTEGER   0 or 1                                  int64
 *   int64      INTEGER   the integer                             int64
 *   float64    REAL      the double (NaN is stored as NULL by SQLite)  float64
 *   string     TEXT      the UTF-8 bytes                          string
 *   date       TEXT      'YYYY-MM-DD'                             string
 *   timestamp  TEXT      'YYYY-MM-DDTHH:MM:SS.ffffffZ' (UTC, always 6 fraction digits)  string
 *   null       NULL                                               null
 * Dates and timestamps are ISO text rather than numbers so the tables read well in any SQLite
 * tool; the fixed width keeps text order equal to time order, so comparisons and watermarks work.
 *
 * Type mapping (dunya -> PostgreSQL column -> type read back by a query):
 *   bool       BOOLEAN            bool
 *   int64      BIGINT             int64
 *   float64    DOUBLE PRECISION   float64 (NaN, +-Infinity kept)
 *   string     TEXT               string
 *   date       DATE               date
 *   timestamp  TIMESTAMPTZ (UTC)  timestamp
 *   null       NULL               null
 * PostgreSQL query results take their types from the result's type OIDs, the same for every
 * batch: bool; int2/int4/int8/oid -> int64; float4/float8/numeric -> float64; text/varchar/char
 * -> string; date; timestamp/timestamptz -> timestamp (UTC); anything else -> its text, string.
 * Loads stream through COPY ... FROM STDIN: binary format when the table's columns have the
 * types above (or varchar/char for string, timestamp for timestamp), else text format, which
 * the server converts to the column's type; watermarks are stored as for SQLite.
 * Identifiers (tables, columns) are always double-quoted with "" escaping, so any name works.
 *
 * Load modes: append; replace (load into a new table, then drop the old one and rename the new
 * one in the same transaction: a reader sees the old table or the new one, never an empty or
 * partial one); merge (upsert on key columns, which get a UNIQUE index); incremental (only rows
 * whose incremental column is greater than the stored high-water mark; appended, or merged when
 * keys are given; the new mark is stored in `_dunya_watermarks(table_name, column_name, value)`
 * in the same transaction). A load is one transaction: committed whole or not at all.
 * SQLite: a load inserts each batch with one INSERT ... SELECT from the virtual table
 * "_dunya_load_rows", registered on the connection for the load's life only; the name is
 * reserved (a table of that name makes dn_wh_load_begin fail with DN_EINVAL).
 * PostgreSQL: replace COPYs into "_dunya_new_<table>" and swaps it in (DROP + ALTER TABLE
 * RENAME) in the commit's transaction; merge COPYs into a temporary staging table and upserts
 * with INSERT ... SELECT DISTINCT ON (keys) ... ON CONFLICT (keys) DO UPDATE; a key repeated
 * within one load: the last row wins (as in SQLite); loads of one table are serialized by an
 * advisory lock, readers are not blocked.
 *
 * Uses: core, data (and SQLite, libpq). Thread safety: a warehouse handle, its loads and its
 * queries are used by one thread at a time; distinct handles (even on the same file or server)
 * may be used from different threads and processes. Ownership: dn_wh_open returns a handle
 * freed by dn_wh_close; loads and queries belong to their warehouse and must be finished before
 * it is closed; batches from dn_wh_query_next belong to the caller (dn_batch_free). */
#ifndef DN_STORE_H
#define DN_STORE_H

#include "../core/core.h"
#include "../data/data.h"
#include "../formats/formats.h"

enum dn_wh_mode { DN_WH_APPEND = 0, DN_WH_REPLACE, DN_WH_MERGE, DN_WH_INCREMENTAL };

/* "append", "replace", "merge", "incremental". */
const char *dn_wh_mode_name(enum dn_wh_mode m);
/* Parse one of those names. Returns 0 or DN_EPARSE. */
int dn_wh_mode_parse(const char *s, enum dn_wh_mode *out);

/* The SQLite declared type of a dunya type (table above). */
const char *dn_wh_sqlite_type(enum dn_type t);

#define DN_WH_MAX_KEYS 32
#define DN_WH_WATERMARKS "_dunya_watermarks"

struct dn_wh_load_options {
	enum dn_wh_mode mode;
	int nkeys;                        /* merge (required), incremental (optional) */
	const char *keys[DN_WH_MAX_KEYS]; /* borrowed for the load's life */
	const char *incremental_column;   /* incremental (required) */
	int64_t rows_per_txn;             /* reserved; a load is one transaction */
};

void dn_wh_load_options_init(struct dn_wh_load_options *o);

struct dn_wh_load_stats {
	int64_t rows_in;       /* rows given to dn_wh_load_batch */
	int64_t rows_written;  /* rows inserted or upserted */
	int64_t rows_filtered; /* incremental: rows not above the watermark (or null there) */
	char watermark[64];    /* incremental: the mark after the load ("" when none) */
};

struct dn_wh;

/* A load and a query in progress: the backend keeps its state behind `impl`. */
struct dn_wh_load {
	struct dn_wh *wh;
	void *impl;
};
struct dn_wh_query {
	struct dn_wh *wh;
	void *impl;
};

/* The interface a backend implements (one file each: warehouse_sqlite.c, warehouse_pg.c).
 * `target` is what follows "scheme://", with relative SQLite paths already resolved. The public
 * functions below allocate the handles and call these; each op has the contract of the public
 * function of the same name, and fills the handle's impl. */
struct dn_wh_ops {
	const char *name; /* "sqlite", "postgres" */
	int (*open)(struct dn_wh *wh, const char *target, struct dn_error *err);
	void (*close)(struct dn_wh *wh);
	int (*table_exists)(struct dn_wh *wh, const char *table, struct dn_error *err);
	int (*create_table)(struct dn_wh *wh, const char *table, const struct dn_schema *schema,
			    struct dn_error *err);
	int (*load_begin)(struct dn_wh_load *ld, const char *table, const struct dn_schema *schema,
			  const struct dn_wh_load_options *opt, struct dn_error *err);
	int (*load_batch)(struct dn_wh_load *ld, const struct dn_batch *b, struct dn_error *err);
	int (*load_commit)(struct dn_wh_load *ld, struct dn_wh_load_stats *stats,
			   struct dn_error *err);
	void (*load_abort)(struct dn_wh_load *ld); /* rolls back, frees impl */
	int (*query_open)(struct dn_wh_query *q, const char *sql, int64_t batch_rows,
			  struct dn_error *err);
	int (*query_next)(struct dn_wh_query *q, struct dn_batch **out, struct dn_error *err);
	int64_t (*query_changes)(const struct dn_wh_query *q);
	void (*query_free)(struct dn_wh_query *q); /* frees impl */
	int (*exec)(struct dn_wh *wh, const char *sql, int64_t *changes, struct dn_error *err);
};

/* The handle every backend shares. */
struct dn_wh {
	const struct dn_wh_ops *ops;
	char *target; /* resolved path or connection target; never printed for postgres */
	void *impl;
};

/* Open the warehouse at url. A relative sqlite:// path is resolved against base_dir (NULL = the
 * working directory); the database file is created when missing. Errors: DN_EINVAL (not a
 * warehouse URL: the message names the accepted forms, or a postgres URL libpq cannot parse),
 * DN_EIO (the database cannot be opened or connected to: SQLite's or libpq's message, with the
 * host, port, database and user for PostgreSQL), DN_ENOMEM. No message ever holds a password. */
int dn_wh_open(struct dn_wh **out, const char *url, const char *base_dir, struct dn_error *err);
void dn_wh_close(struct dn_wh *wh); /* NULL is a no-op */

/* Create table `table` with one column per schema field (types mapped as above) when it does not
 * exist. Returns 0, DN_EIO with the database's message. */
int dn_wh_create_table(struct dn_wh *wh, const char *table, const struct dn_schema *schema,
		       struct dn_error *err);

/* Start loading rows with columns `schema` into `table` (created when missing; in replace mode a
 * new table is built). Starts the transaction. Errors: DN_EINVAL (merge without keys, incremental
 * without a column, a key or incremental column that is not in the schema; SQLite: a table named
 * _dunya_load_rows), DN_EIO (database errors such as a locked database, with its message). On
 * failure nothing was changed. */
int dn_wh_load_begin(struct dn_wh *wh, struct dn_wh_load **out, const char *table,
		     const struct dn_schema *schema, const struct dn_wh_load_options *opt,
		     struct dn_error *err);
/* Add a batch. Its columns must have the load's names in the same order; a column whose type
 * widened since the first batch (int64 -> float64, any -> string) is stored with the new type's
 * mapping. Errors: DN_EINVAL (other columns), DN_EIO (constraint violations and other database
 * errors, with the message). After an error only dn_wh_load_abort is allowed. */
int dn_wh_load_batch(struct dn_wh_load *ld, const struct dn_batch *b, struct dn_error *err);
/* Commit (replace swaps the tables here; incremental stores the new mark) and free the load.
 * stats may be NULL. On failure the transaction is rolled back and the load freed. */
int dn_wh_load_commit(struct dn_wh_load *ld, struct dn_wh_load_stats *stats, struct dn_error *err);
/* Roll back and free. NULL is a no-op. */
void dn_wh_load_abort(struct dn_wh_load *ld);

/* Run sql (one or more statements; all but the last run to completion first) and stream the
 * last statement's rows. batch_rows bounds each batch (0 = 8192). Errors: DN_EIO with the
 * database's message (syntax errors, missing tables). */
int dn_wh_query_open(struct dn_wh *wh, struct dn_wh_query **out, const char *sql,
		     int64_t batch_rows, struct dn_error *err);
/* Next batch of rows: 1 and *out set, or 0 at the end. PostgreSQL: types from the result's
 * columns (above); a date or timestamp dunya cannot hold is DN_EPARSE naming the column. SQLite:
 * column types come from the values: all
 * INTEGER -> int64, REAL (or REAL and INTEGER) -> float64, TEXT -> string, any other mix ->
 * string; a column with only NULLs takes its declared type's (INTEGER, REAL, else string).
 * Types never narrow between batches (a column once string stays string). A statement that
 * returns columns but no rows yields one empty batch, so callers still see the columns; one that
 * returns no columns (INSERT, CREATE) yields nothing. */
int dn_wh_query_next(struct dn_wh_query *q, struct dn_batch **out, struct dn_error *err);
/* Rows changed by the statements run so far (INSERT/UPDATE/DELETE). */
int64_t dn_wh_query_changes(const struct dn_wh_query *q);
void dn_wh_query_free(struct dn_wh_query *q); /* NULL is a no-op */

/* Load every batch of reader rd into table in one transaction: dn_wh_load_begin, a
 * dn_wh_load_batch per batch, commit; on any error (the reader's under its bad-row policy, or
 * the database's) the load is rolled back and nothing changed. *st (may be NULL) gets the load's
 * numbers; the reader's summary stays with the reader. The error names the table. */
int dn_wh_load_reader(struct dn_wh *wh, struct dn_reader *rd, const char *table,
		      const struct dn_wh_load_options *opt, struct dn_wh_load_stats *st,
		      struct dn_error *err);

/* Export: run sql (or select every row of a table when sql is a plain table name) and write
 * the rows to path in format fmt (DN_FORMAT_UNKNOWN = from the extension; "-" = stdout)
 * through an atomic writer: the file appears complete or not at all. *rows (may be NULL) gets
 * the rows written. Errors: the query's (DN_EIO), the writer's, DN_EINVAL when the statement
 * returns no columns. */
int dn_wh_export(struct dn_wh *wh, const char *sql, const char *path, enum dn_format fmt,
		 int64_t *rows, struct dn_error *err);

/* Run sql (one or more statements, results discarded) in one transaction: all of it commits or
 * none of it does. *changes (may be NULL) gets the rows changed by INSERT/UPDATE/DELETE.
 * Errors: DN_EIO with the database's message; the transaction was rolled back. */
int dn_wh_exec(struct dn_wh *wh, const char *sql, int64_t *changes, struct dn_error *err);

/* Does table exist? 1, 0, or a negative error. */
int dn_wh_table_exists(struct dn_wh *wh, const char *table, struct dn_error *err);

/* ---------------------------------------------------------------------------------------------
 * S3-compatible object stores (the lake's remote root). AWS Signature V4 over libcurl. */
struct dn_s3_options {
	const char *endpoint;          /* e.g. "http://127.0.0.1:9000"; NULL = AWS for the region */
	const char *region;            /* NULL = "us-east-1" */
	const char *access_key_id;     /* NULL = $AWS_ACCESS_KEY_ID */
	const char *secret_access_key; /* NULL = $AWS_SECRET_ACCESS_KEY; never printed */
	const char *session_token;     /* NULL = $AWS_SESSION_TOKEN (optional) */
	int path_style;                /* endpoint/bucket/key instead of bucket.endpoint/key */
	int insecure;                  /* skip TLS verification (never the default) */
	long connect_timeout_ms;       /* 0 = 10 s */
	long timeout_ms;               /* per request, 0 = none (large objects) */
	int retries;                   /* on 5xx, 429 and network errors; -1 = default 3 */
};

void dn_s3_options_init(struct dn_s3_options *o);

/* ---------------------------------------------------------------------------------------------
 * The lake: datasets of part files under a root (a local folder or s3://bucket/prefix), in three
 * zones: raw (data as extracted, append only), curated (typed, cleaned), consumption (modelled).
 *
 * A dataset is ZONE/NAME/ with hive-style partition folders (ds=2024-01-31/) holding part files
 * (CSV or NDJSON, zstd-compressed by default). Every write is a commit: part files are written
 * first under fresh names, then one commit record ZONE/NAME/_dunya/commits/<version>.json lists
 * every file of the new version (path, partition, rows, bytes, SHA-256) with the schema. A file
 * is part of the dataset only once a commit lists it, so a crash mid-write leaves the previous
 * version whole and readers never see partial data. Commit records are created with
 * put-if-absent, so two concurrent writers cannot both claim a version: the loser re-reads the
 * new head and tries again. Old versions stay readable (time travel) until vacuumed.
 *
 * A dataset is named "ZONE/NAME" and read by a spec "ZONE/NAME[@VERSION][/COL=VALUE...]":
 * raw/orders, raw/orders@3, raw/orders/ds=2024-01-31. */
#define DN_LAKE_MAX_PCOLS 8

enum dn_lake_write_mode { DN_LAKE_APPEND = 0, DN_LAKE_OVERWRITE, DN_LAKE_OVERWRITE_PARTITIONS };

const char *dn_lake_mode_name(enum dn_lake_write_mode m); /* append, overwrite, ... */
int dn_lake_mode_parse(const char *s, enum dn_lake_write_mode *out);

struct dn_lake_options {
	const char *root;     /* a folder (relative ones against base_dir) or s3://bucket/prefix */
	const char *base_dir; /* NULL = the working directory */
	struct dn_s3_options s3;
};

void dn_lake_options_init(struct dn_lake_options *o);

struct dn_lake_write_options {
	enum dn_lake_write_mode mode;
	enum dn_format format; /* CSV (default) or NDJSON */
	enum dn_codec codec;   /* zstd by default */
	int npcols;            /* static partition: column names and this write's values */
	const char *pcol_names[DN_LAKE_MAX_PCOLS];
	const char *pcol_values[DN_LAKE_MAX_PCOLS];
	int64_t rows_per_file;  /* 0 = 1,000,000 */
	int64_t row_group_rows; /* Parquet rows per row group; 0 = the writer's default. Smaller
				 * groups are encoded as they fill, so less is left for the end */
	const char *message;    /* kept in the commit record (who wrote it, why) */
};

void dn_lake_write_options_init(struct dn_lake_write_options *o);

struct dn_lake_file {
	char *path;      /* relative to the dataset folder */
	char *partition; /* "ds=2024-01-31" ("" when unpartitioned) */
	int64_t rows, bytes;
	char sha256[65];
};

struct dn_lake_version {
	int64_t version;
	int64_t committed_us;
	char *operation; /* append, overwrite, overwrite-partitions */
	char *message;
	int64_t rows, bytes;
	struct dn_schema schema; /* data columns */
	int npcols;
	char *pcols[DN_LAKE_MAX_PCOLS];
	size_t nfiles;
	struct dn_lake_file *files;
};

void dn_lake_version_release(struct dn_lake_version *v);

struct dn_lake;
struct dn_lake_writer;

/* Open a lake root (a local one is created when missing; S3 is not contacted yet). */
int dn_lake_open(struct dn_lake **out, const struct dn_lake_options *o, struct dn_error *err);
void dn_lake_close(struct dn_lake *lk);
const char *dn_lake_root(const struct dn_lake *lk); /* "/abs/lake" or "s3://bucket/prefix" */

/* Is name "ZONE/NAME" with a known zone and a plain name ([A-Za-z0-9_.-], not starting with
 * '.')? 0 or DN_EINVAL saying what is wrong. */
int dn_lake_dataset_check(const char *dataset, struct dn_error *err);

/* Write a new version of dataset. Batches may differ in their columns and types: the version's
 * schema is their union with types widened (a column that is all null in a batch fixes no
 * type), and the dataset's schema widens and gains new columns as needed. A batch with a new
 * column or a wider type starts a new part file. Raw datasets only take appends. Nothing is
 * visible until dn_lake_write_commit; abort (or a crash) leaves only unreferenced files
 * behind, and abort removes the empty folders it made. */
int dn_lake_write_begin(struct dn_lake *lk, struct dn_lake_writer **out, const char *dataset,
			const struct dn_lake_write_options *o, struct dn_error *err);
int dn_lake_write_batch(struct dn_lake_writer *w, const struct dn_batch *b, struct dn_error *err);
/* Commit; *v (may be NULL) gets the new version's record. Frees the writer. */
int dn_lake_write_commit(struct dn_lake_writer *w, struct dn_lake_version *v, struct dn_error *err);
void dn_lake_write_abort(struct dn_lake_writer *w); /* NULL is a no-op */
/* Every batch of rd as one commit. */
int dn_lake_write_reader(struct dn_lake *lk, struct dn_reader *rd, const char *dataset,
			 const struct dn_lake_write_options *o, struct dn_lake_version *v,
			 struct dn_error *err);

/* Store the local file at local_path as a file of dataset, outside its rows: under the key
 * ZONE/NAME/_files/SHA256/NAME (sha256 is the file's hex digest, name its plain file name, other
 * characters than [A-Za-z0-9._-] made '_'). Content-addressed, so the same bytes are stored once
 * and a put that is never referenced by a commit is harmless. A local lake moves the file in
 * when it can (same file system), so local_path may be gone afterwards. *key (may be NULL) gets
 * the key relative to the dataset folder ("_files/..."; dn_free it). Vacuum keeps these files.
 * Errors: DN_EINVAL (bad dataset or digest), the storage's DN_EIO. */
int dn_lake_put_blob(struct dn_lake *lk, const char *dataset, const char *local_path,
		     const char *sha256, const char *name, char **key, struct dn_error *err);

/* Datasets under prefix ("" = all, "raw" = a zone), sorted. *names: free each and the array. */
int dn_lake_datasets(struct dn_lake *lk, const char *prefix, char ***names, size_t *n,
		     struct dn_error *err);
/* Versions of dataset, ascending (*versions freed with dn_free). None: DN_ENOTFOUND. */
int dn_lake_versions(struct dn_lake *lk, const char *dataset, int64_t **versions, size_t *n,
		     struct dn_error *err);
/* The commit record of version (0 = the latest). */
int dn_lake_version_read(struct dn_lake *lk, const char *dataset, int64_t version,
			 struct dn_lake_version *v, struct dn_error *err);

/* Open a reader over a dataset spec (see above): the version's files (only those of the named
 * partitions), partition columns after the data columns. The reader holds its own reference
 * to the lake's storage, so the lake may be closed before the reader is freed. */
int dn_lake_reader_open(struct dn_lake *lk, const char *spec, const struct dn_read_options *opt,
			struct dn_reader **out, struct dn_error *err);

/* Export a query (or a plain table name) of warehouse wh as a new version of a lake dataset:
 * the dataset changes only if every row was written. */
int dn_wh_export_lake(struct dn_wh *wh, const char *sql, struct dn_lake *lk, const char *dataset,
		      const struct dn_lake_write_options *o, struct dn_lake_version *v,
		      struct dn_error *err);

/* Delete the files no version from `keep_from` on lists (and temporary leftovers of crashed
 * writes older than an hour). *removed (may be NULL) gets the count. */
int dn_lake_vacuum(struct dn_lake *lk, const char *dataset, int64_t keep_from, int64_t *removed,
		   struct dn_error *err);

/* The backends. */
extern const struct dn_wh_ops dn_wh_sqlite_ops;
extern const struct dn_wh_ops dn_wh_postgres_ops;

#endif
