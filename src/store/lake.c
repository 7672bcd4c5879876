/* The lake: zones, datasets, versions as commit records, writes that become visible all at once,
 * and readers over a version. store.h describes the layout and the guarantees; this file keeps
 * them. The storage below (local folder or S3) is behind dn_lake_fs. */
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store_int.h"

#define COMMITS "_dunya/commits/"
#define MAX_RECORD ((size_t)256 << 20)
#define COMMIT_TRIES 20

static const char *const zones[] = {"raw", "curated", "consumption"};
static const char *const mode_names[] = {"append", "overwrite", "overwrite-partitions"};

const char *dn_lake_mode_name(enum dn_lake_write_mode m)
{
	return (unsigned)m < 3 ? mode_names[m] : "?";
}

int dn_lake_mode_parse(const char *s, enum dn_lake_write_mode *out)
{
	for (int i = 0; i < 3; i++)
		if (!strcmp(s, mode_names[i])) {
			*out = (enum dn_lake_write_mode)i;
			return 0;
		}
	if (!strcmp(s, "overwrite_partitions")) {
		*out = DN_LAKE_OVERWRITE_PARTITIONS;
		return 0;
	}
	return DN_EPARSE;
}

void dn_lake_options_init(struct dn_lake_options *o)
{
	memset(o, 0, sizeof *o);
	dn_s3_options_init(&o->s3);
}

void dn_lake_write_options_init(struct dn_lake_write_options *o)
{
	memset(o, 0, sizeof *o);
	o->format = DN_FORMAT_PARQUET;
	o->codec = DN_CODEC_ZSTD;
}

struct dn_lake {
	struct dn_lake_fs *fs;
};

int dn_lake_open(struct dn_lake **out, const struct dn_lake_options *o, struct dn_error *err)
{
	*out = NULL;
	struct dn_lake *lk = dn_calloc(1, sizeof *lk);
	if (!lk)
		return dn_error_set(err, DN_ENOMEM, "out of memory opening the lake");
	int rc;
	if (!strncmp(o->root, "s3://", 5)) {
		rc = dn_lake_fs_open_s3(&lk->fs, o->root, &o->s3, err);
	} else {
		struct dn_buf dir = DN_BUF_INIT;
		const char *root = o->root;
		if (!strncmp(root, "file://", 7))
			root += 7;
		char cwd[4096];
		const char *base = o->base_dir ? o->base_dir : getcwd(cwd, sizeof cwd) ? cwd : ".";
		rc = root[0] == '/' ? dn_buf_puts(&dir, root, err) :
				      dn_buf_printf(&dir, err, "%s/%s", base, root);
		if (rc == 0)
			rc = dn_lake_fs_open_local(&lk->fs, dir.data, err);
		dn_buf_release(&dir);
	}
	if (rc < 0) {
		dn_free(lk);
		return rc;
	}
	*out = lk;
	return 0;
}

void dn_lake_close(struct dn_lake *lk)
{
	if (!lk)
		return;
	dn_lake_fs_close(lk->fs);
	dn_free(lk);
}

const char *dn_lake_root(const struct dn_lake *lk)
{
	return lk->fs->root;
}

static int name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || c == '.';
}

int dn_lake_dataset_check(const char *ds, struct dn_error *err)
{
	const char *slash = strchr(ds, '/');
	int zone = -1;
	for (int i = 0; slash && i < 3; i++)
		if ((size_t)(slash - ds) == strlen(zones[i]) &&
		    !strncmp(ds, zones[i], strlen(zones[i])))
			zone = i;
	if (zone < 0)
		return dn_error_set(err, DN_EINVAL,
				    "'%.200s' is not a dataset name: use ZONE/NAME with zone raw, "
				    "curated or consumption (e.g. raw/orders)",
				    ds);
	const char *name = slash + 1;
	int ok = *name && *name != '.' && strlen(name) <= 200;
	for (const char *p = name; ok && *p; p++)
		ok = name_char(*p);
	if (!ok)
		return dn_error_set(err, DN_EINVAL,
				    "'%.200s': a dataset name uses letters, digits, '_', '-' "
				    "and '.' (not first), e.g. raw/orders",
				    ds);
	return 0;
}

static int is_raw(const char *ds)
{
	return !strncmp(ds, "raw/", 4);
}

/* ---------------------------------------------------------------------------------------------
 * Commit records */

void dn_lake_version_release(struct dn_lake_version *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->nfiles; i++) {
		dn_free(v->files[i].path);
		dn_free(v->files[i].partition);
	}
	dn_free(v->files);
	for (int c = 0; c < v->npcols; c++)
		dn_free(v->pcols[c]);
	dn_free(v->operation);
	dn_free(v->message);
	dn_schema_release(&v->schema);
	memset(v, 0, sizeof *v);
}

static int put_str(struct dn_buf *b, const char *s, struct dn_error *err)
{
	return dn_json_put_string(b, s ? s : "", s ? strlen(s) : 0, err);
}

int dn_lake_record_json(const char *ds, const struct dn_lake_version *v, struct dn_buf *b,
			struct dn_error *err)
{
	char ts[40];
	dn_timestamp_format(v->committed_us, ts);
	DN_TRY(dn_buf_puts(b, "{\"format\":\"dunya-lake/1\",\"dataset\":", err));
	DN_TRY(put_str(b, ds, err));
	DN_TRY(dn_buf_printf(b, err, ",\"version\":%lld,\"committed_at\":\"%s\",\"operation\":",
			     (long long)v->version, ts));
	DN_TRY(put_str(b, v->operation, err));
	DN_TRY(dn_buf_puts(b, ",\"message\":", err));
	DN_TRY(put_str(b, v->message, err));
	DN_TRY(dn_buf_printf(b, err, ",\"rows\":%lld,\"bytes\":%lld,\"schema\":[",
			     (long long)v->rows, (long long)v->bytes));
	for (int c = 0; c < v->schema.nfields; c++) {
		DN_TRY(dn_buf_puts(b, c ? ",{\"name\":" : "{\"name\":", err));
		DN_TRY(put_str(b, v->schema.fields[c].name, err));
		DN_TRY(dn_buf_printf(b, err, ",\"type\":\"%s\"}",
				     dn_type_name(v->schema.fields[c].type)));
	}
	DN_TRY(dn_buf_puts(b, "],\"partition_columns\":[", err));
	for (int c = 0; c < v->npcols; c++) {
		if (c)
			DN_TRY(dn_buf_putc(b, ',', err));
		DN_TRY(put_str(b, v->pcols[c], err));
	}
	DN_TRY(dn_buf_puts(b, "],\"files\":[", err));
	for (size_t i = 0; i < v->nfiles; i++) {
		const struct dn_lake_file *f = &v->files[i];
		DN_TRY(dn_buf_puts(b, i ? ",\n{\"path\":" : "\n{\"path\":", err));
		DN_TRY(put_str(b, f->path, err));
		DN_TRY(dn_buf_puts(b, ",\"partition\":", err));
		DN_TRY(put_str(b, f->partition, err));
		DN_TRY(dn_buf_printf(b, err, ",\"rows\":%lld,\"bytes\":%lld,\"sha256\":\"%s\"}",
				     (long long)f->rows, (long long)f->bytes, f->sha256));
	}
	return dn_buf_puts(b, "]}\n", err);
}

static int bad_record(const char *key, const char *what, struct dn_error *err)
{
	return dn_error_set(err, DN_EPARSE,
			    "commit record %s is damaged (%s); restore it from a backup or "
			    "read an earlier version with @VERSION",
			    key, what);
}

int dn_lake_record_parse(const char *key, const char *text, size_t len, struct dn_lake_version *v,
			 struct dn_error *err)
{
	struct dn_arena a;
	struct dn_jv *root;
	dn_arena_init(&a, 1 << 16);
	memset(v, 0, sizeof *v);
	dn_schema_init(&v->schema);
	int rc = dn_jv_parse(&a, key, text, len, &root, err);
	const struct dn_jv *schema, *files, *pcols;
	if (rc < 0)
		goto out;
	const char *fmt = dn_jv_str(dn_jv_get(root, "format"));
	if (!fmt || strcmp(fmt, "dunya-lake/1") != 0) {
		rc = bad_record(key, "not a dunya-lake/1 record", err);
		goto out;
	}
	const char *ts = dn_jv_str(dn_jv_get(root, "committed_at"));
	if (dn_jv_i64(dn_jv_get(root, "version"), &v->version) < 0 ||
	    dn_jv_i64(dn_jv_get(root, "rows"), &v->rows) < 0 ||
	    dn_jv_i64(dn_jv_get(root, "bytes"), &v->bytes) < 0 || !ts ||
	    dn_time_parse(ts, strlen(ts), &v->committed_us) != DN_TIME_TIMESTAMP) {
		rc = bad_record(key, "version, rows, bytes or committed_at missing", err);
		goto out;
	}
	v->operation = dn_strdup(dn_jv_str(dn_jv_get(root, "operation")) ?: "");
	v->message = dn_strdup(dn_jv_str(dn_jv_get(root, "message")) ?: "");
	schema = dn_jv_get(root, "schema");
	files = dn_jv_get(root, "files");
	pcols = dn_jv_get(root, "partition_columns");
	if (!schema || schema->kind != DN_JV_ARR || !files || files->kind != DN_JV_ARR || !pcols ||
	    pcols->kind != DN_JV_ARR || pcols->n > DN_LAKE_MAX_PCOLS) {
		rc = bad_record(key, "schema, files or partition_columns missing", err);
		goto out;
	}
	for (size_t i = 0; rc == 0 && i < schema->n; i++) {
		const char *name = dn_jv_str(dn_jv_get(&schema->items[i], "name"));
		const char *type = dn_jv_str(dn_jv_get(&schema->items[i], "type"));
		enum dn_type t;
		if (!name || !type || dn_type_parse(type, &t) < 0) {
			rc = bad_record(key, "a schema entry lacks a name or a known type", err);
			goto out;
		}
		rc = dn_schema_add(&v->schema, name, strlen(name), t, err);
	}
	for (size_t i = 0; rc == 0 && i < pcols->n; i++) {
		const char *name = dn_jv_str(&pcols->items[i]);
		if (!name) {
			rc = bad_record(key, "a partition column is not a string", err);
			goto out;
		}
		v->pcols[v->npcols++] = dn_strdup(name);
	}
	if (rc == 0 && files->n) {
		v->files = dn_calloc(files->n, sizeof *v->files);
		if (!v->files)
			rc = dn_error_set(err, DN_ENOMEM, "out of memory reading %s", key);
	}
	for (size_t i = 0; rc == 0 && i < files->n; i++) {
		const struct dn_jv *f = &files->items[i];
		struct dn_lake_file *lf = &v->files[i];
		const char *path = dn_jv_str(dn_jv_get(f, "path"));
		const char *part = dn_jv_str(dn_jv_get(f, "partition"));
		const char *sha = dn_jv_str(dn_jv_get(f, "sha256"));
		int hex = sha != NULL;
		for (const char *q = sha; hex && *q; q++)
			hex = (*q >= '0' && *q <= '9') || (*q >= 'a' && *q <= 'f');
		if (!path || !part || !hex || strlen(sha) > 64 ||
		    dn_jv_i64(dn_jv_get(f, "rows"), &lf->rows) < 0 ||
		    dn_jv_i64(dn_jv_get(f, "bytes"), &lf->bytes) < 0 ||
		    dn_lake_key_check(path, NULL) < 0) {
			rc = bad_record(key, "a file entry is incomplete", err);
			goto out;
		}
		lf->path = dn_strdup(path);
		lf->partition = dn_strdup(part);
		memcpy(lf->sha256, sha, strlen(sha) + 1);
		v->nfiles++;
		if (!lf->path || !lf->partition)
			rc = dn_error_set(err, DN_ENOMEM, "out of memory reading %s", key);
	}
out:
	dn_arena_release(&a);
	if (rc < 0)
		dn_lake_version_release(v);
	return rc;
}

static int commit_key(struct dn_buf *b, const char *ds, int64_t version, struct dn_error *err)
{
	dn_buf_reset(b);
	return dn_buf_printf(b, err, "%s/" COMMITS "%020lld.json", ds, (long long)version);
}

int dn_lake_versions(struct dn_lake *lk, const char *ds, int64_t **versions, size_t *n,
		     struct dn_error *err)
{
	struct dn_buf prefix = DN_BUF_INIT;
	struct dn_lake_obj *objs = NULL;
	size_t nobj = 0, k = 0;
	*versions = NULL;
	*n = 0;
	DN_TRY(dn_lake_dataset_check(ds, err));
	int rc = dn_buf_printf(&prefix, err, "%s/" COMMITS, ds);
	if (rc == 0)
		rc = lk->fs->ops->list(lk->fs, prefix.data, &objs, &nobj, err);
	int64_t *v = rc == 0 && nobj ? dn_calloc(nobj, sizeof *v) : NULL;
	if (rc == 0 && nobj && !v)
		rc = dn_error_set(err, DN_ENOMEM, "out of memory listing %s", ds);
	for (size_t i = 0; rc == 0 && i < nobj; i++) {
		const char *name = objs[i].key + prefix.len;
		size_t len = strlen(name);
		int64_t x;
		if (len == 25 && !strcmp(name + 20, ".json") && dn_parse_i64(name, 20, &x) == 0)
			v[k++] = x;
	}
	dn_lake_objs_free(objs, nobj);
	dn_buf_release(&prefix);
	if (rc == 0 && k == 0)
		rc = dn_error_set(err, DN_ENOTFOUND, "%s: no such dataset in the lake", ds);
	if (rc < 0) {
		dn_free(v);
		return rc;
	}
	*versions = v; /* sorted already: keys are zero-padded */
	*n = k;
	return 0;
}

int dn_lake_version_read(struct dn_lake *lk, const char *ds, int64_t version,
			 struct dn_lake_version *v, struct dn_error *err)
{
	memset(v, 0, sizeof *v);
	if (version <= 0) {
		int64_t *vs;
		size_t n;
		DN_TRY(dn_lake_versions(lk, ds, &vs, &n, err));
		version = vs[n - 1];
		dn_free(vs);
	}
	struct dn_buf key = DN_BUF_INIT, text = DN_BUF_INIT;
	int rc = commit_key(&key, ds, version, err);
	if (rc == 0)
		rc = lk->fs->ops->get_mem(lk->fs, key.data, &text, MAX_RECORD, err);
	if (rc == DN_ENOTFOUND)
		rc = dn_error_set(err, DN_ENOTFOUND,
				  "%s has no version %lld (see dunya lake show %s)", ds,
				  (long long)version, ds);
	if (rc == 0)
		rc = dn_lake_record_parse(key.data, text.data ? text.data : "", text.len, v, err);
	dn_buf_release(&key);
	dn_buf_release(&text);
	return rc;
}

/* ---------------------------------------------------------------------------------------------
 * Writing */

struct dn_lake_writer {
	struct dn_lake *lk;
	char *ds;
	struct dn_lake_write_options o;
	struct dn_buf partition;      /* "ds=2024-01-31" */
	struct dn_schema schema;      /* columns of the batches so far */
	struct dn_schema part_schema; /* columns of the part being written */
	struct dn_buf typed;          /* per column of schema: 1 once a value was seen */
	int started;
	struct dn_writer *cur;
	struct dn_buf cur_path; /* local path being written */
	struct dn_buf cur_key;  /* its key under the dataset */
	int64_t cur_rows;
	EVP_MD_CTX *md; /* SHA-256 of the part being written, fed by the writer's tap */
	int64_t cur_bytes;
	struct dn_lake_file *files; /* written and closed */
	size_t nfiles, cap;
	char *tmpdir; /* S3: local staging folder */
	char uid[48];
	int seq;
};

static void writer_free(struct dn_lake_writer *w)
{
	dn_writer_free(w->cur);
	EVP_MD_CTX_free(w->md);
	for (size_t i = 0; i < w->nfiles; i++) {
		dn_free(w->files[i].path);
		dn_free(w->files[i].partition);
	}
	dn_free(w->files);
	dn_buf_release(&w->partition);
	dn_buf_release(&w->cur_path);
	dn_buf_release(&w->cur_key);
	dn_schema_release(&w->schema);
	dn_schema_release(&w->part_schema);
	dn_buf_release(&w->typed);
	if (w->tmpdir)
		rmdir(w->tmpdir);
	dn_free(w->tmpdir);
	dn_free(w->ds);
	for (int c = 0; c < w->o.npcols; c++) {
		dn_free((char *)w->o.pcol_names[c]);
		dn_free((char *)w->o.pcol_values[c]);
	}
	dn_free((char *)w->o.message);
	dn_free(w);
}

static int pvalue_ok(const char *s)
{
	if (!*s || strlen(s) > 200 || !strcmp(s, ".") || !strcmp(s, ".."))
		return 0;
	for (const char *p = s; *p; p++)
		if (*p == '/' || *p == '=' || (unsigned char)*p < 0x20 || *p == '\\')
			return 0;
	return 1;
}

int dn_lake_write_begin(struct dn_lake *lk, struct dn_lake_writer **out, const char *ds,
			const struct dn_lake_write_options *o, struct dn_error *err)
{
	*out = NULL;
	DN_TRY(dn_lake_dataset_check(ds, err));
	if (is_raw(ds) && o->mode != DN_LAKE_APPEND)
		return dn_error_set(
			err, DN_EINVAL,
			"%s: the raw zone keeps data as extracted and only takes appends; "
			"write cleaned data to curated/ instead",
			ds);
	if (o->format != DN_FORMAT_CSV && o->format != DN_FORMAT_NDJSON &&
	    o->format != DN_FORMAT_PARQUET)
		return dn_error_set(err, DN_EINVAL, "lake part files are parquet, csv or ndjson");
	if (o->npcols < 0 || o->npcols > DN_LAKE_MAX_PCOLS)
		return dn_error_set(err, DN_EINVAL, "at most %d partition columns",
				    DN_LAKE_MAX_PCOLS);
	if (o->mode == DN_LAKE_OVERWRITE_PARTITIONS && o->npcols == 0)
		return dn_error_set(
			err, DN_EINVAL,
			"%s: overwrite-partitions needs a partition (e.g. ds=2024-01-31)", ds);
	struct dn_lake_writer *w = dn_calloc(1, sizeof *w);
	if (!w)
		return dn_error_set(err, DN_ENOMEM, "out of memory");
	w->lk = lk;
	w->o = *o;
	w->o.npcols = 0;
	w->o.message = NULL;
	dn_schema_init(&w->schema);
	dn_schema_init(&w->part_schema);
	int rc = (w->ds = dn_strdup(ds)) ? 0 : DN_ENOMEM;
	for (int c = 0; rc == 0 && c < o->npcols; c++) {
		const char *n = o->pcol_names[c], *v = o->pcol_values[c];
		int nok = n && *n && strlen(n) <= 64;
		for (const char *p = n; nok && *p; p++)
			nok = name_char(*p) && *p != '.';
		if (!nok || !v || !pvalue_ok(v)) {
			rc = dn_error_set(
				err, DN_EINVAL,
				"partition '%s=%s': names use letters, digits, '_' and '-'; "
				"values may not be empty or hold '/', '=' or '\\'",
				n ? n : "", v ? v : "");
			break;
		}
		w->o.pcol_names[c] = dn_strdup(n);
		w->o.pcol_values[c] = dn_strdup(v);
		w->o.npcols = c + 1;
		if (!w->o.pcol_names[c] || !w->o.pcol_values[c])
			rc = DN_ENOMEM;
		else
			rc = dn_buf_printf(&w->partition, err, "%s%s=%s", c ? "/" : "", n, v);
	}
	if (rc == 0 && o->message && !(w->o.message = dn_strdup(o->message)))
		rc = DN_ENOMEM;
	if (rc == 0 && !w->partition.data)
		rc = dn_buf_puts(&w->partition, "", err);
	/* A name no other write uses: time, process, a random part. */
	unsigned r = 0;
	FILE *ur = fopen("/dev/urandom", "rb");
	if (ur) {
		if (fread(&r, sizeof r, 1, ur) != 1)
			r = 0;
		fclose(ur);
	}
	snprintf(w->uid, sizeof w->uid, "%llx-%x-%08x", (unsigned long long)dn_now_us(),
		 (unsigned)getpid(), r);
	if (rc == 0 && !lk->fs->local_root) {
		const char *t = getenv("TMPDIR");
		struct dn_buf d = DN_BUF_INIT;
		rc = dn_buf_printf(&d, err, "%s/dunya-lake-XXXXXX", t && *t ? t : "/tmp");
		if (rc == 0 && !mkdtemp(d.data))
			rc = dn_error_set(err, DN_EIO, "cannot create a staging folder: %s",
					  strerror(errno));
		w->tmpdir = dn_buf_take(&d, NULL);
	}
	if (rc < 0) {
		if (rc == DN_ENOMEM && err && !err->code)
			dn_error_set(err, DN_ENOMEM, "out of memory");
		writer_free(w);
		return rc;
	}
	*out = w;
	return 0;
}

static void hash_tap(void *user, const void *p, size_t n)
{
	struct dn_lake_writer *w = user;
	EVP_DigestUpdate(w->md, p, n);
	w->cur_bytes += (int64_t)n;
}

static int open_part(struct dn_lake_writer *w, struct dn_error *err)
{
	int pq = w->o.format == DN_FORMAT_PARQUET;
	const char *ext = pq ? "parquet" : w->o.format == DN_FORMAT_NDJSON ? "ndjson" : "csv";
	/* Parquet compresses its pages inside the file; other formats are compressed whole. */
	const char *suffix = pq ? "" : dn_codec_suffix(w->o.codec);
	dn_buf_reset(&w->cur_key);
	DN_TRY(dn_buf_printf(&w->cur_key, err, "%s%spart-%s-%05d.%s%s", w->partition.data,
			     w->partition.len ? "/" : "", w->uid, w->seq++, ext, suffix));
	dn_buf_reset(&w->cur_path);
	if (w->tmpdir)
		DN_TRY(dn_buf_printf(&w->cur_path, err, "%s/part-%d.%s%s", w->tmpdir, w->seq, ext,
				     suffix));
	else
		DN_TRY(dn_buf_printf(&w->cur_path, err, "%s/%s/%s", w->lk->fs->local_root, w->ds,
				     w->cur_key.data));
	/* Make the partition folder (local lakes write in place). */
	char *slash = strrchr(w->cur_path.data, '/');
	*slash = 0;
	struct dn_buf mk = DN_BUF_INIT;
	int rc = dn_buf_puts(&mk, w->cur_path.data, err);
	*slash = '/';
	for (char *p = mk.data + 1; rc == 0 && *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		mkdir(mk.data, 0777);
		*p = '/';
	}
	if (rc == 0 && mkdir(mk.data, 0777) < 0 && errno != EEXIST)
		rc = dn_error_set(err, DN_EIO, "cannot create %s: %s", mk.data, strerror(errno));
	dn_buf_release(&mk);
	DN_TRY(rc);
	struct dn_write_options wo;
	dn_write_options_init(&wo);
	wo.codec_given = 1;
	wo.codec = pq ? DN_CODEC_NONE : w->o.codec;
	wo.row_group_rows = w->o.row_group_rows;
	wo.parquet_codec = w->o.codec == DN_CODEC_ZSTD ? DN_PQ_ZSTD :
			   w->o.codec == DN_CODEC_GZIP ? DN_PQ_GZIP :
							 DN_PQ_NONE;
	w->cur_rows = 0;
	w->cur_bytes = 0;
	if (!w->md && !(w->md = EVP_MD_CTX_new()))
		return dn_error_set(err, DN_ENOMEM, "out of memory");
	if (!EVP_DigestInit_ex(w->md, EVP_sha256(), NULL))
		return dn_error_set(err, DN_EINTERNAL, "cannot start SHA-256");
	DN_TRY(dn_writer_open(&w->cur, w->cur_path.data, w->o.format, &wo, err));
	dn_writer_set_tap(w->cur, hash_tap, w);
	return 0;
}

static int close_part(struct dn_lake_writer *w, struct dn_error *err)
{
	int rc = dn_writer_finish(w->cur, err);
	dn_writer_free(w->cur);
	w->cur = NULL;
	DN_TRY(rc);
	if (w->nfiles == w->cap) {
		size_t nc = w->cap ? w->cap * 2 : 8;
		struct dn_lake_file *nf = dn_realloc(w->files, nc * sizeof *nf);
		if (!nf)
			return dn_error_set(err, DN_ENOMEM, "out of memory");
		w->files = nf;
		w->cap = nc;
	}
	struct dn_lake_file *f = &w->files[w->nfiles];
	memset(f, 0, sizeof *f);
	f->rows = w->cur_rows;
	f->bytes = w->cur_bytes;
	unsigned char md[32];
	unsigned mdlen = 0;
	EVP_DigestFinal_ex(w->md, md, &mdlen);
	for (unsigned i = 0; i < mdlen; i++)
		snprintf(f->sha256 + 2 * i, 3, "%02x", md[i]);
	if (w->tmpdir) {
		struct dn_buf key = DN_BUF_INIT;
		rc = dn_buf_printf(&key, err, "%s/%s", w->ds, w->cur_key.data);
		if (rc == 0)
			rc = w->lk->fs->ops->put_file(w->lk->fs, key.data, w->cur_path.data, err);
		unlink(w->cur_path.data);
		dn_buf_release(&key);
		DN_TRY(rc);
	}
	f->path = dn_strdup(w->cur_key.data);
	f->partition = dn_strdup(w->partition.data);
	w->nfiles++;
	if (!f->path || !f->partition)
		return dn_error_set(err, DN_ENOMEM, "out of memory");
	return 0;
}

/* Does column c of b hold no value (rows, all null)? Its type then says nothing: a reader gives
 * such a column whatever type it defaults to. */
static int col_empty(const struct dn_batch *b, int c)
{
	return b->nrows > 0 && b->columns[c].null_count == b->nrows;
}

/* Add b's columns to the write's schema: new ones at the end, types widened. A column seen only
 * empty so far is "untyped": its first value's type replaces its placeholder. */
static int learn_schema(struct dn_lake_writer *w, const struct dn_batch *b, struct dn_error *err)
{
	for (int c = 0; c < b->schema.nfields; c++) {
		const struct dn_field *f = &b->schema.fields[c];
		int empty = col_empty(b, c);
		int k = dn_schema_find(&w->schema, f->name);
		if (k < 0) {
			for (int p = 0; p < w->o.npcols; p++)
				if (!strcmp(f->name, w->o.pcol_names[p]))
					return dn_error_set(
						err, DN_EINVAL,
						"%s: partition column '%s' is also a column of the "
						"data; rename one of them",
						w->ds, f->name);
			DN_TRY(dn_buf_putc(&w->typed, !empty, err));
			DN_TRY(dn_schema_add(&w->schema, f->name, strlen(f->name), f->type, err));
		} else if (!empty && !w->typed.data[k]) {
			w->typed.data[k] = 1;
			w->schema.fields[k].type = f->type;
		} else if (!empty) {
			w->schema.fields[k].type = dn_type_widen(w->schema.fields[k].type, f->type);
		}
	}
	return 0;
}

/* Can the part being written take b's values: each column with a value is one of the part's,
 * of its type or one that widens to it? (Empty columns fit: a part lacks only columns that
 * had no value when it began, and those read as nulls.) */
static int part_fits(const struct dn_lake_writer *w, const struct dn_batch *b)
{
	for (int c = 0; c < b->schema.nfields; c++) {
		if (col_empty(b, c))
			continue;
		int k = dn_schema_find(&w->part_schema, b->schema.fields[c].name);
		if (k < 0)
			return 0;
		enum dn_type pt = w->part_schema.fields[k].type, bt = b->schema.fields[c].type;
		if (bt != pt && dn_type_widen(pt, bt) != pt)
			return 0;
	}
	return 1;
}

/* An all-null column of type t and n rows. */
static int null_column(enum dn_type t, int64_t n, struct dn_column *out, struct dn_error *err)
{
	struct dn_builder bl;
	dn_builder_init(&bl, t);
	int rc = 0;
	for (int64_t i = 0; rc == 0 && i < n; i++)
		rc = dn_builder_append_null(&bl, err);
	if (rc == 0)
		rc = dn_builder_finish(&bl, out, err);
	dn_builder_release(&bl);
	return rc;
}

/* b's rows with the part's columns: missing and empty columns become nulls of the part's type,
 * narrower types are cast. Columns taken as they are are borrowed (owned[c] = 0). */
static int align_batch(const struct dn_lake_writer *w, const struct dn_batch *b, struct dn_batch *a,
		       uint8_t *owned, struct dn_error *err)
{
	const struct dn_schema *ps = &w->part_schema;
	a->schema = *ps; /* borrowed */
	a->nrows = b->nrows;
	a->first_row = b->first_row;
	for (int k = 0; k < ps->nfields; k++) {
		int c = dn_schema_find(&b->schema, ps->fields[k].name);
		enum dn_type t = ps->fields[k].type;
		struct dn_column *dst = &a->columns[k];
		owned[k] = 1;
		if (c < 0 || col_empty(b, c))
			DN_TRY(null_column(t, b->nrows, dst, err));
		else if (b->schema.fields[c].type != t)
			DN_TRY(dn_column_cast(&b->columns[c], t, dst, err));
		else {
			*dst = b->columns[c];
			owned[k] = 0;
		}
	}
	return 0;
}

/* Batches may differ in their columns and types (a stream of JSON pages does): the write's
 * schema is their union, widened. A part keeps one set of columns with one type each, so a
 * batch that brings a new column or a wider type starts a new part, and the others are written
 * into the current part with its columns (readers cast older parts, and a column a part lacks
 * reads as nulls). */
int dn_lake_write_batch(struct dn_lake_writer *w, const struct dn_batch *b, struct dn_error *err)
{
	DN_TRY(learn_schema(w, b, err));
	w->started = 1;
	int64_t limit = w->o.rows_per_file > 0 ? w->o.rows_per_file : 1000000;
	if (w->cur && (w->cur_rows >= limit || !part_fits(w, b)))
		DN_TRY(close_part(w, err));
	if (!w->cur) {
		/* A new part takes every column that had a value so far, at its widest. */
		dn_schema_release(&w->part_schema);
		dn_schema_init(&w->part_schema);
		for (int c = 0; c < w->schema.nfields; c++)
			if (w->typed.data[c])
				DN_TRY(dn_schema_add(&w->part_schema, w->schema.fields[c].name,
						     strlen(w->schema.fields[c].name),
						     w->schema.fields[c].type, err));
		DN_TRY(open_part(w, err));
	}
	if (dn_schema_equal(&b->schema, &w->part_schema))
		DN_TRY(dn_writer_write(w->cur, b, err));
	else {
		int n = w->part_schema.nfields;
		struct dn_batch a;
		struct dn_column *cols = dn_calloc((size_t)(n ? n : 1), sizeof *cols);
		uint8_t *owned = dn_calloc((size_t)(n ? n : 1), 1);
		int rc = cols && owned ? 0 : dn_error_set(err, DN_ENOMEM, "out of memory");
		a.columns = cols;
		if (rc == 0)
			rc = align_batch(w, b, &a, owned, err);
		if (rc == 0)
			rc = dn_writer_write(w->cur, &a, err);
		for (int k = 0; cols && owned && k < n; k++)
			if (owned[k])
				dn_column_release(&cols[k]);
		dn_free(cols);
		dn_free(owned);
		DN_TRY(rc);
	}
	w->cur_rows += b->nrows;
	return 0;
}

/* The schema of the new version: the old one widened by the new columns and types. A column
 * this write only saw empty (typed[c] == 0) keeps its old type. */
static int merge_schema(struct dn_schema *dst, const struct dn_schema *add, const char *typed,
			struct dn_error *err)
{
	for (int c = 0; c < add->nfields; c++) {
		int k = dn_schema_find(dst, add->fields[c].name);
		if (k < 0)
			DN_TRY(dn_schema_add(dst, add->fields[c].name, strlen(add->fields[c].name),
					     add->fields[c].type, err));
		else if (typed[c])
			dst->fields[k].type =
				dn_type_widen(dst->fields[k].type, add->fields[c].type);
	}
	return 0;
}

static int add_file(struct dn_lake_version *v, const struct dn_lake_file *f, size_t *cap,
		    struct dn_error *err)
{
	if (v->nfiles == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		struct dn_lake_file *nf = dn_realloc(v->files, nc * sizeof *nf);
		if (!nf)
			return dn_error_set(err, DN_ENOMEM, "out of memory");
		v->files = nf;
		*cap = nc;
	}
	struct dn_lake_file *d = &v->files[v->nfiles];
	*d = *f;
	d->path = dn_strdup(f->path);
	d->partition = dn_strdup(f->partition);
	v->nfiles++;
	if (!d->path || !d->partition)
		return dn_error_set(err, DN_ENOMEM, "out of memory");
	v->rows += f->rows;
	v->bytes += f->bytes;
	return 0;
}

/* Build the record of the version after `head` (version 0 = none) and try to create it. */
static int try_commit(struct dn_lake_writer *w, const struct dn_lake_version *head,
		      struct dn_lake_version *nv, struct dn_error *err)
{
	size_t cap = 0;
	memset(nv, 0, sizeof *nv);
	dn_schema_init(&nv->schema);
	nv->version = head->version + 1;
	nv->committed_us = dn_now_us();
	nv->operation = dn_strdup(dn_lake_mode_name(w->o.mode));
	nv->message = dn_strdup(w->o.message ? w->o.message : "");
	if (!nv->operation || !nv->message)
		return dn_error_set(err, DN_ENOMEM, "out of memory");
	if (head->version > 0 && w->o.mode != DN_LAKE_OVERWRITE) {
		DN_TRY(dn_schema_copy(&nv->schema, &head->schema, err));
		if (head->npcols != w->o.npcols)
			return dn_error_set(err, DN_EINVAL,
					    "%s is partitioned by %d column(s), this write by %d; "
					    "use the same partition columns or overwrite",
					    w->ds, head->npcols, w->o.npcols);
		for (int c = 0; c < head->npcols; c++)
			if (strcmp(head->pcols[c], w->o.pcol_names[c]) != 0)
				return dn_error_set(err, DN_EINVAL,
						    "%s is partitioned by '%s', this write by '%s'",
						    w->ds, head->pcols[c], w->o.pcol_names[c]);
		for (size_t i = 0; i < head->nfiles; i++) {
			if (w->o.mode == DN_LAKE_OVERWRITE_PARTITIONS &&
			    !strcmp(head->files[i].partition, w->partition.data))
				continue;
			DN_TRY(add_file(nv, &head->files[i], &cap, err));
		}
	}
	DN_TRY(merge_schema(&nv->schema, &w->schema, w->typed.data, err));
	for (int c = 0; c < w->o.npcols; c++)
		if (!(nv->pcols[nv->npcols++] = dn_strdup(w->o.pcol_names[c])))
			return dn_error_set(err, DN_ENOMEM, "out of memory");
	for (size_t i = 0; i < w->nfiles; i++)
		DN_TRY(add_file(nv, &w->files[i], &cap, err));
	struct dn_buf text = DN_BUF_INIT, key = DN_BUF_INIT;
	int rc = dn_lake_record_json(w->ds, nv, &text, err);
	if (rc == 0)
		rc = commit_key(&key, w->ds, nv->version, err);
	if (rc == 0)
		rc = w->lk->fs->ops->put_mem(w->lk->fs, key.data, text.data, text.len, 1, err);
	dn_buf_release(&text);
	dn_buf_release(&key);
	return rc;
}

int dn_lake_write_commit(struct dn_lake_writer *w, struct dn_lake_version *out,
			 struct dn_error *err)
{
	int rc = 0;
	if (w->cur)
		rc = close_part(w, err);
	for (int attempt = 0; rc == 0; attempt++) {
		struct dn_lake_version head, nv;
		memset(&head, 0, sizeof head);
		memset(&nv, 0, sizeof nv);
		rc = dn_lake_version_read(w->lk, w->ds, 0, &head, err);
		if (rc == DN_ENOTFOUND) {
			dn_error_clear(err);
			rc = 0;
		}
		if (rc == 0)
			rc = try_commit(w, &head, &nv, err);
		dn_lake_version_release(&head);
		if (rc == DN_EEXISTS && attempt < COMMIT_TRIES) {
			/* Another writer took that version: build on theirs. */
			dn_lake_version_release(&nv);
			dn_error_clear(err);
			rc = 0;
			usleep((useconds_t)(1000 << (attempt < 8 ? attempt : 8)));
			continue;
		}
		if (rc == 0 && out)
			*out = nv;
		else
			dn_lake_version_release(&nv);
		break;
	}
	if (rc < 0)
		dn_lake_write_abort(w);
	else
		writer_free(w);
	return rc;
}

void dn_lake_write_abort(struct dn_lake_writer *w)
{
	if (!w)
		return;
	/* Remove what this write stored; files no commit lists are invisible anyway, this only
	 * saves the space. */
	for (size_t i = 0; i < w->nfiles; i++) {
		struct dn_buf key = DN_BUF_INIT;
		if (dn_buf_printf(&key, NULL, "%s/%s", w->ds, w->files[i].path) == 0)
			w->lk->fs->ops->remove(w->lk->fs, key.data, NULL);
		dn_buf_release(&key);
	}
	if (w->cur) {
		dn_writer_free(w->cur); /* removes its temporary file */
		w->cur = NULL;
	}
	/* And the folders its parts made, when nothing else is in them (rmdir fails otherwise):
	 * a write that never committed leaves no dataset folder behind. */
	if (w->nfiles + (size_t)w->seq > 0 && w->lk->fs->local_root) {
		struct dn_buf d = DN_BUF_INIT;
		if (dn_buf_printf(&d, NULL, "%s/%s/%s", w->lk->fs->local_root, w->ds,
				  w->partition.data) == 0) {
			size_t stop = strlen(w->lk->fs->local_root) + 1 + strlen(w->ds);
			for (char *slash; rmdir(d.data) == 0 && d.len > stop;) {
				if (!(slash = strrchr(d.data, '/')))
					break;
				*slash = 0;
				d.len = (size_t)(slash - d.data);
			}
		}
		dn_buf_release(&d);
	}
	writer_free(w);
}

int dn_lake_write_reader(struct dn_lake *lk, struct dn_reader *rd, const char *ds,
			 const struct dn_lake_write_options *o, struct dn_lake_version *v,
			 struct dn_error *err)
{
	struct dn_lake_writer *w;
	struct dn_batch *b;
	int rc;
	DN_TRY(dn_lake_write_begin(lk, &w, ds, o, err));
	while ((rc = dn_reader_next(rd, &b, err)) > 0) {
		rc = dn_lake_write_batch(w, b, err);
		dn_batch_free(b);
		if (rc < 0)
			break;
	}
	if (rc == 0 && !w->started) {
		/* An empty input still commits its columns, so the dataset exists. */
		struct dn_batch *e = dn_batch_new(dn_reader_schema(rd), err);
		rc = e ? dn_lake_write_batch(w, e, err) : DN_ENOMEM;
		dn_batch_free(e);
	}
	if (rc < 0) {
		dn_lake_write_abort(w);
		return rc;
	}
	return dn_lake_write_commit(w, v, err);
}

/* ---------------------------------------------------------------------------------------------
 * Listing and reading */

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int dn_lake_datasets(struct dn_lake *lk, const char *prefix, char ***names, size_t *n,
		     struct dn_error *err)
{
	struct dn_lake_obj *objs = NULL;
	size_t nobj = 0, k = 0;
	*names = NULL;
	*n = 0;
	DN_TRY(lk->fs->ops->list(lk->fs, prefix, &objs, &nobj, err));
	char **v = nobj ? dn_calloc(nobj, sizeof *v) : NULL;
	int rc = nobj && !v ? dn_error_set(err, DN_ENOMEM, "out of memory") : 0;
	for (size_t i = 0; rc == 0 && i < nobj; i++) {
		const char *m = strstr(objs[i].key, "/" COMMITS);
		if (!m)
			continue;
		size_t len = (size_t)(m - objs[i].key);
		if (k && strlen(v[k - 1]) == len && !strncmp(v[k - 1], objs[i].key, len))
			continue;
		char *name = dn_strndup(objs[i].key, len);
		if (!name) {
			rc = dn_error_set(err, DN_ENOMEM, "out of memory");
			break;
		}
		if (dn_lake_dataset_check(name, NULL) < 0) {
			dn_free(name);
			continue;
		}
		v[k++] = name;
	}
	dn_lake_objs_free(objs, nobj);
	if (rc < 0) {
		for (size_t i = 0; i < k; i++)
			dn_free(v[i]);
		dn_free(v);
		return rc;
	}
	if (k)
		qsort(v, k, sizeof *v, name_cmp);
	else {
		dn_free(v);
		v = NULL;
	}
	*names = v;
	*n = k;
	return 0;
}

/* Parse "ZONE/NAME[@V][/col=val...]". */
struct spec {
	char ds[256];
	int64_t version;
	int nfilters;
	char fname[DN_LAKE_MAX_PCOLS][65];
	char fval[DN_LAKE_MAX_PCOLS][201];
};

static int spec_parse(const char *s, struct spec *sp, struct dn_error *err)
{
	memset(sp, 0, sizeof *sp);
	const char *p = strchr(s, '/');
	if (!p)
		return dn_lake_dataset_check(s, err);
	p++;
	while (*p && *p != '/' && *p != '@')
		p++;
	size_t len = (size_t)(p - s);
	if (len >= sizeof sp->ds)
		return dn_error_set(err, DN_EINVAL, "dataset name too long: %.100s", s);
	memcpy(sp->ds, s, len);
	DN_TRY(dn_lake_dataset_check(sp->ds, err));
	if (*p == '@') {
		p++;
		const char *q = p;
		while (*q >= '0' && *q <= '9')
			q++;
		if (q == p || dn_parse_i64(p, (size_t)(q - p), &sp->version) < 0 ||
		    sp->version <= 0)
			return dn_error_set(err, DN_EINVAL,
					    "'%.200s': after '@' comes a version number, e.g. "
					    "raw/orders@3",
					    s);
		p = q;
	}
	while (*p == '/') {
		p++;
		const char *eq = strchr(p, '=');
		const char *end = strchr(p, '/');
		if (!end)
			end = p + strlen(p);
		if (!*p)
			break;
		if (!eq || eq > end || eq == p || sp->nfilters == DN_LAKE_MAX_PCOLS ||
		    (size_t)(eq - p) > 64 || (size_t)(end - eq - 1) > 200)
			return dn_error_set(err, DN_EINVAL,
					    "'%.200s': pick partitions as COLUMN=VALUE, e.g. "
					    "raw/orders/ds=2024-01-31",
					    s);
		memcpy(sp->fname[sp->nfilters], p, (size_t)(eq - p));
		memcpy(sp->fval[sp->nfilters], eq + 1, (size_t)(end - eq - 1));
		sp->nfilters++;
		p = end;
	}
	if (*p)
		return dn_error_set(err, DN_EINVAL, "'%.200s' is not a dataset spec", s);
	return 0;
}

/* Value of column `col` in partition path "a=1/b=2" (into buf), or NULL. */
static const char *pvalue(const char *partition, const char *col, char *buf, size_t cap)
{
	size_t cl = strlen(col);
	const char *p = partition;
	while (*p) {
		const char *end = strchr(p, '/');
		if (!end)
			end = p + strlen(p);
		if ((size_t)(end - p) > cl && !strncmp(p, col, cl) && p[cl] == '=') {
			size_t n = (size_t)(end - p) - cl - 1;
			if (n >= cap)
				n = cap - 1;
			memcpy(buf, p + cl + 1, n);
			buf[n] = 0;
			return buf;
		}
		p = *end ? end + 1 : end;
	}
	return NULL;
}

struct fetch_ctx {
	struct dn_lake_fs *fs;
	char *ds;
	char *tmpdir;
};

static int s3_fetch(void *user, size_t i, char **local, struct dn_error *err);

static void fetch_free(void *user)
{
	struct fetch_ctx *c = user;
	if (!c)
		return;
	dn_lake_fs_close(c->fs);
	if (c->tmpdir)
		rmdir(c->tmpdir);
	dn_free(c->tmpdir);
	dn_free(c->ds);
	dn_free(c);
}

static void s3_done(void *user, size_t i, const char *local)
{
	(void)user;
	(void)i;
	unlink(local);
}

/* Keys of the parts being fetched, by index: kept in the context as the paths array. */
struct fetch_keys {
	struct fetch_ctx c;
	const char **keys;
	size_t n;
};

static int s3_fetch(void *user, size_t i, char **local, struct dn_error *err)
{
	struct fetch_keys *fk = user;
	struct dn_buf key = DN_BUF_INIT, path = DN_BUF_INIT;
	const char *k = fk->keys[i];
	const char *base = strrchr(k, '/') ? strrchr(k, '/') + 1 : k;
	int rc = dn_buf_printf(&key, err, "%s/%s", fk->c.ds, k);
	if (rc == 0)
		rc = dn_buf_printf(&path, err, "%s/%s", fk->c.tmpdir, base);
	if (rc == 0)
		rc = fk->c.fs->ops->get_file(fk->c.fs, key.data, path.data, err);
	dn_buf_release(&key);
	if (rc < 0) {
		dn_buf_release(&path);
		return rc;
	}
	*local = dn_buf_take(&path, NULL);
	return 0;
}

static void fetch_keys_free(void *user)
{
	struct fetch_keys *fk = user;
	if (!fk)
		return;
	for (size_t i = 0; i < fk->n; i++)
		dn_free((char *)fk->keys[i]);
	dn_free(fk->keys);
	struct fetch_ctx *c = dn_malloc(sizeof *c);
	if (c) {
		*c = fk->c;
		fetch_free(c);
	}
	dn_free(fk);
}

/* A partition column's type from all its values: date, int64 or string. */
static enum dn_type pcol_type(const char *const *vals, size_t n, int stride, int c)
{
	unsigned all = DN_CAN_DATE | DN_CAN_INT;
	for (size_t i = 0; i < n; i++) {
		const char *v = vals[i * (size_t)stride + (size_t)c];
		if (*v)
			all &= dn_infer_text(v, strlen(v));
	}
	return (all & DN_CAN_DATE) ? DN_DATE : (all & DN_CAN_INT) ? DN_INT64 : DN_STRING;
}

int dn_lake_reader_open(struct dn_lake *lk, const char *spec, const struct dn_read_options *opt,
			struct dn_reader **out, struct dn_error *err)
{
	struct spec sp;
	struct dn_lake_version v;
	*out = NULL;
	DN_TRY(spec_parse(spec, &sp, err));
	DN_TRY(dn_lake_version_read(lk, sp.ds, sp.version, &v, err));
	for (int f = 0; f < sp.nfilters; f++) {
		int known = 0;
		for (int c = 0; c < v.npcols; c++)
			known |= !strcmp(v.pcols[c], sp.fname[f]);
		if (!known) {
			int rc = dn_error_set(err, DN_EINVAL, "%s is not partitioned by '%s'%s%s",
					      sp.ds, sp.fname[f],
					      v.npcols ? "; its partitions: " : "",
					      v.npcols ? v.pcols[0] : "");
			dn_lake_version_release(&v);
			return rc;
		}
	}
	size_t nsel = 0;
	const char **paths = dn_calloc(v.nfiles + 1, sizeof *paths);
	const char **vals = dn_calloc((v.nfiles + 1) * (size_t)(v.npcols + 1), sizeof *vals);
	char(*vbuf)[201] = dn_calloc((v.nfiles + 1) * (size_t)(v.npcols + 1), sizeof *vbuf);
	struct dn_buf full = DN_BUF_INIT;
	int rc = paths && vals && vbuf ? 0 : dn_error_set(err, DN_ENOMEM, "out of memory");
	for (size_t i = 0; rc == 0 && i < v.nfiles; i++) {
		int keep = 1;
		char tmp[201];
		for (int f = 0; keep && f < sp.nfilters; f++) {
			const char *pv = pvalue(v.files[i].partition, sp.fname[f], tmp, sizeof tmp);
			keep = pv && !strcmp(pv, sp.fval[f]);
		}
		if (!keep)
			continue;
		for (int c = 0; c < v.npcols; c++) {
			char *slot = vbuf[nsel * (size_t)v.npcols + (size_t)c];
			const char *pv = pvalue(v.files[i].partition, v.pcols[c], slot, 201);
			vals[nsel * (size_t)v.npcols + (size_t)c] = pv ? pv : "";
		}
		if (lk->fs->local_root) {
			dn_buf_reset(&full);
			rc = dn_buf_printf(&full, err, "%s/%s/%s", lk->fs->local_root, sp.ds,
					   v.files[i].path);
			paths[nsel] = rc == 0 ? dn_strdup(full.data) : NULL;
		} else {
			paths[nsel] = dn_strdup(v.files[i].path);
		}
		if (rc == 0 && !paths[nsel])
			rc = dn_error_set(err, DN_ENOMEM, "out of memory");
		nsel++;
	}
	enum dn_type ptypes[DN_LAKE_MAX_PCOLS];
	for (int c = 0; c < v.npcols; c++)
		ptypes[c] = pcol_type(vals, nsel, v.npcols, c);
	struct fetch_keys *fk = NULL;
	if (rc == 0 && !lk->fs->local_root) {
		fk = dn_calloc(1, sizeof *fk);
		const char *t = getenv("TMPDIR");
		struct dn_buf d = DN_BUF_INIT;
		if (!fk ||
		    dn_buf_printf(&d, err, "%s/dunya-read-XXXXXX", t && *t ? t : "/tmp") < 0 ||
		    !mkdtemp(d.data)) {
			dn_buf_release(&d);
			dn_free(fk);
			fk = NULL;
			rc = dn_error_set(err, DN_EIO, "cannot create a folder for downloads");
		} else {
			fk->c.tmpdir = dn_buf_take(&d, NULL);
			fk->c.ds = dn_strdup(sp.ds);
			fk->c.fs = lk->fs;
			lk->fs->refs++;
			fk->keys = dn_calloc(nsel + 1, sizeof *fk->keys);
			for (size_t i = 0; fk->keys && i < nsel; i++)
				fk->keys[i] = dn_strdup(paths[i]);
			fk->n = fk->keys ? nsel : 0;
		}
	}
	char name[400];
	if (sp.version)
		snprintf(name, sizeof name, "lake:%s@%lld", sp.ds, (long long)sp.version);
	else
		snprintf(name, sizeof name, "lake:%s", sp.ds);
	if (rc == 0) {
		struct dn_parts parts = {0};
		parts.name = name;
		parts.nparts = nsel;
		parts.paths = paths;
		parts.schema = &v.schema;
		parts.npcols = v.npcols;
		parts.pcol_names = (const char *const *)v.pcols;
		parts.pcol_types = ptypes;
		parts.pvalues = vals;
		if (fk) {
			parts.fetch = s3_fetch;
			parts.done = s3_done;
			parts.user = fk;
			parts.free_user = fetch_keys_free;
		}
		rc = dn_reader_open_parts(out, &parts, DN_FORMAT_UNKNOWN, opt, err);
	}
	for (size_t i = 0; paths && i < nsel; i++)
		dn_free((char *)paths[i]);
	dn_free(paths);
	dn_free(vals);
	dn_free(vbuf);
	dn_buf_release(&full);
	dn_lake_version_release(&v);
	return rc;
}

/* ---------------------------------------------------------------------------------------------
 * Vacuum */

int dn_lake_vacuum(struct dn_lake *lk, const char *ds, int64_t keep_from, int64_t *removed,
		   struct dn_error *err)
{
	int64_t *vs = NULL;
	size_t nv = 0, nobj = 0, nkeep = 0, cap = 0;
	struct dn_lake_obj *objs = NULL;
	char **keep = NULL;
	struct dn_buf prefix = DN_BUF_INIT;
	int64_t gone = 0;
	if (removed)
		*removed = 0;
	int rc = dn_lake_versions(lk, ds, &vs, &nv, err);
	if (rc < 0)
		return rc;
	if (keep_from <= 0 || keep_from > vs[nv - 1])
		keep_from = vs[nv - 1];
	for (size_t i = 0; rc == 0 && i < nv; i++) {
		if (vs[i] < keep_from)
			continue;
		struct dn_lake_version v;
		rc = dn_lake_version_read(lk, ds, vs[i], &v, err);
		for (size_t f = 0; rc == 0 && f < v.nfiles; f++) {
			if (nkeep == cap) {
				cap = cap ? cap * 2 : 64;
				char **nk = dn_realloc(keep, cap * sizeof *nk);
				if (!nk) {
					rc = dn_error_set(err, DN_ENOMEM, "out of memory");
					break;
				}
				keep = nk;
			}
			keep[nkeep++] = v.files[f].path;
			v.files[f].path = NULL;
		}
		dn_lake_version_release(&v); /* zeroed by a failed read too */
	}
	if (rc == 0)
		rc = dn_buf_printf(&prefix, err, "%s/", ds);
	if (rc == 0)
		rc = lk->fs->ops->list(lk->fs, prefix.data, &objs, &nobj, err);
	if (rc == 0 && nkeep)
		qsort(keep, nkeep, sizeof *keep, name_cmp);
	int64_t now = dn_now_us();
	for (size_t i = 0; rc == 0 && i < nobj; i++) {
		const char *rel = objs[i].key + prefix.len;
		if (!strncmp(rel, "_dunya/", 7) || !strncmp(rel, "_files/", 7))
			continue;
		if (nkeep && bsearch(&rel, keep, nkeep, sizeof *keep, name_cmp))
			continue;
		/* A file younger than an hour may belong to a write still in progress. */
		if (objs[i].mtime_us && now - objs[i].mtime_us < 3600LL * 1000000)
			continue;
		rc = lk->fs->ops->remove(lk->fs, objs[i].key, err);
		gone += rc == 0;
	}
	/* The commit records of versions before keep_from go too: they list deleted files. */
	for (size_t i = 0; rc == 0 && i < nv && vs[i] < keep_from; i++) {
		struct dn_buf key = DN_BUF_INIT;
		rc = commit_key(&key, ds, vs[i], err);
		if (rc == 0)
			rc = lk->fs->ops->remove(lk->fs, key.data, err);
		dn_buf_release(&key);
	}
	for (size_t i = 0; i < nkeep; i++)
		dn_free(keep[i]);
	dn_free(keep);
	dn_free(vs);
	dn_lake_objs_free(objs, nobj);
	dn_buf_release(&prefix);
	if (removed)
		*removed = gone;
	return rc;
}

/* ---------------------------------------------------------------------------------------------
 * Files kept as they are (extract.file): content-addressed under _files/. */

int dn_lake_put_blob(struct dn_lake *lk, const char *ds, const char *local_path, const char *sha256,
		     const char *name, char **key, struct dn_error *err)
{
	char clean[201];
	size_t k = 0;
	if (key)
		*key = NULL;
	DN_TRY(dn_lake_dataset_check(ds, err));
	if (strlen(sha256) != 64 || strspn(sha256, "0123456789abcdef") != 64)
		return dn_error_set(err, DN_EINVAL, "'%s' is not a SHA-256 hex digest", sha256);
	for (const char *p = name; *p && k < sizeof clean - 1; p++)
		clean[k++] = name_char(*p) ? *p : '_';
	clean[k] = 0;
	if (!k || clean[0] == '.')
		snprintf(clean, sizeof clean, "file");
	struct dn_buf rel = DN_BUF_INIT, full = DN_BUF_INIT;
	int rc = dn_buf_printf(&rel, err, "_files/%s/%s", sha256, clean);
	if (rc == 0)
		rc = dn_buf_printf(&full, err, "%s/%s", ds, rel.data);
	if (rc == 0)
		rc = lk->fs->ops->put_file(lk->fs, full.data, local_path, err);
	dn_buf_release(&full);
	if (rc == 0 && key)
		*key = dn_buf_take(&rel, NULL);
	dn_buf_release(&rel);
	return rc;
}
