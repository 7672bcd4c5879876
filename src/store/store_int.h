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

/* ---------------------------------------------------------------------------------------------
 * S3 internals (lake_s3.c), exposed for the unit tests and the fuzz target. */

/* One page of a ListObjectsV2 answer. Pages accumulate: each parse appends its objects (keys as
 * the store gives them, i.e. with the root prefix) and replaces truncated / next_token. */
struct dn_s3_list_page {
	struct dn_lake_obj *objs;
	size_t n, cap;
	int truncated;    /* IsTruncated was "true" */
	char *next_token; /* NextContinuationToken, NULL when absent */
};

/* Ceilings of the parser: objects per page, bytes of a key (S3's own limit) and of a token. */
#define DN_S3_LIST_MAX_OBJS 100000
#define DN_S3_KEY_MAX 1024
#define DN_S3_TOKEN_MAX 8192

/* Parse n bytes of ListObjectsV2 XML into page (appending). Entities (&amp; &lt; &gt; &quot;
 * &apos; &#NN; &#xNN;) are decoded. An <Error> document returns DN_EIO with its Code and
 * Message. Errors: DN_EPARSE (not such a document: bad markup, a bad entity, a Size that is not
 * a non-negative integer below 2^50, Contents without a Key), DN_ELIMIT (a ceiling above),
 * DN_ENOMEM. On error the page keeps what earlier calls appended and nothing of this one. */
int dn_s3_list_parse(const char *xml, size_t n, struct dn_s3_list_page *page,
		     struct dn_error *err);
void dn_s3_list_page_release(struct dn_s3_list_page *page);

/* Append s to out, percent-encoded as SigV4 wants (all but A-Z a-z 0-9 - _ . ~ as %XX;
 * '/' kept when keep_slash). */
int dn_s3_uri_encode(struct dn_buf *out, const char *s, size_t n, int keep_slash,
		     struct dn_error *err);

struct dn_s3_header {
	const char *name; /* any case; signed lowercased and trimmed */
	const char *value;
};

/* What one request signs. canonical_uri and canonical_query are already encoded
 * (dn_s3_uri_encode), the query's pairs sorted by name. headers must include host and
 * x-amz-date (amz_date, "YYYYMMDDTHHMMSSZ") and x-amz-content-sha256 when the store wants it;
 * every header given is signed. */
struct dn_s3_sign_input {
	const char *method;
	const char *canonical_uri;
	const char *canonical_query;
	const struct dn_s3_header *headers;
	size_t nheaders;
	const char *payload_sha256; /* hex, or "UNSIGNED-PAYLOAD" */
	const char *amz_date;
	const char *region;
	const char *access_key_id;
	const char *secret_access_key;
};

/* AWS Signature Version 4 (service "s3"): the Authorization header's value, appended to out;
 * sig_hex (65 bytes, may be NULL) gets the signature alone. */
int dn_s3_sign(const struct dn_s3_sign_input *in, struct dn_buf *out, char *sig_hex,
	       struct dn_error *err);

/* Tests only: make an S3 fs list with max-keys (0 = the store's default page) and upload
 * files larger than multipart_threshold bytes in parts of part_size (0 = keep the default). */
void dn_lake_s3_tune(struct dn_lake_fs *fs, int list_max_keys, int64_t multipart_threshold,
		     int64_t part_size);

#endif
