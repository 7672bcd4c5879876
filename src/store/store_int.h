/* store internals shared by the store's files: helpers the warehouse backends share (quoted
 * identifiers, the watermark values of incremental loads) and the object storage under a lake
 * root.
 *
 * A lake root is a local folder or an S3 bucket and prefix. Both are seen as a flat set of
 * objects named by keys: '/'-separated paths relative to the root ("raw/orders/_dunya/v1.json").
 * Keys never start with '/', never contain "." or ".." segments or empty segments; callers build
 * them, and every backend rejects bad ones with DN_EINVAL.
 *
 * Every put is atomic: a reader sees the old object (or none) or the whole new one, never part of
 * it (local: temporary file, fsync, rename; S3: a PUT is atomic by design). That, plus the
 * commit records written last, is what makes lake writes safe against crashes. */
#ifndef DN_STORE_INT_H
#define DN_STORE_INT_H

#include "store.h"

struct dn_lake_obj {
	char *key;        /* relative to the root */
	int64_t size;     /* bytes */
	int64_t mtime_us; /* last modified, µs since the epoch UTC (0 when unknown) */
};

void dn_lake_objs_free(struct dn_lake_obj *objs, size_t n);

struct dn_lake_fs;

struct dn_lake_fs_ops {
	const char *name; /* "file", "s3" */
	void (*close)(struct dn_lake_fs *fs);
	/* Store the local file at local_path as key (overwriting). */
	int (*put_file)(struct dn_lake_fs *fs, const char *key, const char *local_path,
			struct dn_error *err);
	/* Store len bytes as key. if_absent: fail with DN_EEXISTS when key exists (local: exact,
	 * with link(2); S3: If-None-Match: *, which stores that ignore it treat as a plain PUT). */
	int (*put_mem)(struct dn_lake_fs *fs, const char *key, const void *data, size_t len,
		       int if_absent, struct dn_error *err);
	/* Fetch key into local_path (written atomically). DN_ENOTFOUND when key is absent. */
	int (*get_file)(struct dn_lake_fs *fs, const char *key, const char *local_path,
			struct dn_error *err);
	/* Fetch key into out (appended). DN_ENOTFOUND when absent; DN_ELIMIT over max bytes. */
	int (*get_mem)(struct dn_lake_fs *fs, const char *key, struct dn_buf *out, size_t max,
		       struct dn_error *err);
	/* Every key under prefix ("" = all; "raw/orders/" = that folder, recursively), sorted by
	 * key in byte order. *objs is NULL when there are none; free with dn_lake_objs_free. */
	int (*list)(struct dn_lake_fs *fs, const char *prefix, struct dn_lake_obj **objs, size_t *n,
		    struct dn_error *err);
	/* Delete key; a missing key is not an error. */
	int (*remove)(struct dn_lake_fs *fs, const char *key, struct dn_error *err);
};

struct dn_lake_fs {
	const struct dn_lake_fs_ops *ops;
	char *root;       /* shown in messages: "/abs/lake" or "s3://bucket/prefix" */
	char *local_root; /* the folder when local, so readers open files in place; NULL for S3 */
	void *impl;
	int refs; /* extra references (readers still using it); dn_lake_fs_close drops one */
};

/* Check a key as described above. 0 or DN_EINVAL naming it. */
int dn_lake_key_check(const char *key, struct dn_error *err);

/* Open a local lake root (created when missing). */
int dn_lake_fs_open_local(struct dn_lake_fs **out, const char *dir, struct dn_error *err);
/* Open s3://bucket[/prefix] with opt (see store.h). Nothing is sent until the first call. */
int dn_lake_fs_open_s3(struct dn_lake_fs **out, const char *url, const struct dn_s3_options *opt,
		       struct dn_error *err);
void dn_lake_fs_close(struct dn_lake_fs *fs); /* drops a reference; NULL is a no-op */

/* Commit records (lake.c): the JSON text of version v of dataset ds, and its parse (key names
 * the record in messages). A record that is not exactly what a writer would produce is
 * DN_EPARSE; paths in it are checked as keys, so a record cannot point outside its dataset. */
int dn_lake_record_json(const char *ds, const struct dn_lake_version *v, struct dn_buf *b,
			struct dn_error *err);
int dn_lake_record_parse(const char *key, const char *text, size_t len, struct dn_lake_version *v,
			 struct dn_error *err);

/* ---------------------------------------------------------------------------------------------
 * Warehouse helpers shared by the backends (warehouse.c). */

/* Append name as a quoted identifier: "a""b" (SQLite and PostgreSQL quote alike). */
int dn_wh_put_ident(struct dn_buf *b, const char *name, struct dn_error *err);
/* A timestamp as fixed-width ISO text 'YYYY-MM-DDTHH:MM:SS.ffffffZ' (the watermark form and
 * SQLite's stored form). out needs 48 bytes; returns the length. */
int dn_wh_fmt_ts(int64_t us, char *out);

/* A watermark value: numeric (int or float) or text. */
struct dn_wh_mark {
	int kind; /* 0 none, 1 int, 2 float, 3 text */
	int64_t i;
	double f;
	struct dn_buf text;
};

/* Value i of column c as a mark (kind 0 when null); dates and timestamps as their ISO text. */
void dn_wh_mark_of(const struct dn_column *c, int64_t i, struct dn_wh_mark *m);
/* The mark as text ("" when none), as stored in _dunya_watermarks. */
void dn_wh_mark_text(const struct dn_wh_mark *m, char *out, size_t n);
/* a > b? Numbers compare as numbers; anything else as text. Anything is above no mark. */
int dn_wh_mark_gt(const struct dn_wh_mark *a, const struct dn_wh_mark *b);
void dn_wh_mark_copy(struct dn_wh_mark *dst, const struct dn_wh_mark *src);

#endif
