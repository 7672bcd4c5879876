/* extract.file and extract.scrape: see xtask.h, and docs/extract.md for the user's view.
 *
 * extract.file lands files in the lake as they are. Every file of the run is downloaded first
 * into a staging folder that survives failed runs (so a large file resumes where it stopped);
 * only when every one has arrived are they stored as content-addressed files of the dataset
 * (dn_lake_put_blob) and one lake commit adds a row per file to the dataset: name, URL, size,
 * SHA-256, content type, ETag, Last-Modified, fetch time and where the file lies. Readers of
 * the dataset see the rows (a manifest); the bytes sit under ZONE/NAME/_files/. A failure
 * anywhere commits nothing. With `parse`, the files are read instead (CSV, NDJSON, JSON,
 * Parquet) and their rows committed in one commit.
 *
 * What each URL looked like when it was last landed (ETag, Last-Modified, size, time, digest)
 * is kept as one JSON object in the metadata store's bookmark of the task (keyed by the URL as
 * shown, secrets redacted, so no secret is stored), written only after
 * the commit; the next run asks the server whether anything changed (If-None-Match,
 * If-Modified-Since; FTP and SFTP: size and time) and lands only what did.
 *
 * extract.scrape crawls (dn_scrape) and commits the records like extract.api does. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../extract/extract.h"
#include "../formats/formats.h"
#include "xtask.h"

#define MAX_FILES_DEFAULT 1000

static const char *param(const struct dn_xt_ctx *c, const char *key)
{
	for (size_t i = 0; i < c->nparams; i++)
		if (!strcmp(c->params[i].key, key))
			return c->params[i].value[0] ? c->params[i].value : NULL;
	return NULL;
}

/* The items of a list param (key.0, key.1, ...) or a single scalar value, at most max. */
static int param_list(const struct dn_xt_ctx *c, const char *key, const char **out, int max)
{
	size_t kl = strlen(key);
	int n = 0;
	for (size_t i = 0; i < c->nparams && n < max; i++) {
		const char *k = c->params[i].key;
		if (!strcmp(k, key) && c->params[i].value[0])
			out[n++] = c->params[i].value;
		else if (!strncmp(k, key, kl) && k[kl] == '.' && isdigit((unsigned char)k[kl + 1]))
			out[n++] = c->params[i].value;
	}
	return n;
}

/* Replace each secret in text by ***, in place. */
static void redact(const struct dn_xt_ctx *c, char *text)
{
	for (int i = 0; i < c->nsecrets; i++) {
		const char *s = c->secrets[i];
		size_t n = strlen(s);
		char *hit;
		while (n >= 3 && (hit = strstr(text, s)) != NULL) {
			memcpy(hit, "***", 3);
			memmove(hit + 3, hit + n, strlen(hit + n) + 1);
		}
	}
}

static void logf_(const struct dn_xt_ctx *c, const char *fmt, ...) DN_PRINTF(2, 3);
static void logf_(const struct dn_xt_ctx *c, const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	redact(c, line);
	if (c->log)
		c->log(c->log_user, line);
}

/* Why: the message of err (it is already redacted by the extract module). */
static int failed(char *why, size_t whylen, struct dn_error *err)
{
	dn_error_format(err, why, whylen);
	return 0;
}

static int bad(char *why, size_t whylen, const char *fmt, ...) DN_PRINTF(3, 4);
static int bad(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return 0;
}

/* Options shared by both types: timeouts, retries, TLS, credentials. Returns 0 or 1 (why). */
static int xfer_options(const struct dn_xt_ctx *c, struct dn_xfer_options *o, char *why,
			size_t whylen)
{
	const char *v;
	int64_t ms, n;
	dn_xfer_options_init(o);
	o->username = param(c, "auth.username");
	o->password = param(c, "auth.password");
	o->ssh_private_key = param(c, "auth.private_key");
	o->ssh_public_key = param(c, "auth.public_key");
	o->ssh_passphrase = param(c, "auth.passphrase");
	o->known_hosts = param(c, "known_hosts");
	o->host_key_sha256 = param(c, "host_key_sha256");
	o->ca_file = param(c, "ca_file");
	o->user_agent = param(c, "user_agent");
	if ((v = param(c, "tls"))) {
		if (!strcasecmp(v, "required"))
			o->ftp_tls = 1;
		else if (!strcasecmp(v, "off"))
			o->ftp_tls = -1;
		else if (strcasecmp(v, "try"))
			return 1 + bad(why, whylen, "tls: '%s' is not required, try or off", v);
	}
	if ((v = param(c, "insecure")))
		o->insecure = !strcasecmp(v, "true") || !strcasecmp(v, "yes");
	struct {
		const char *key;
		int64_t *dst;
	} durs[] = {{"connect_timeout", &o->connect_timeout_ms},
		    {"timeout", &o->timeout_ms},
		    {"stall_timeout", &o->stall_ms},
		    {"retry_backoff", &o->backoff_ms},
		    {"max_wait", &o->max_wait_ms}};
	for (size_t i = 0; i < sizeof durs / sizeof durs[0]; i++) {
		if (!(v = param(c, durs[i].key)))
			continue;
		if (dn_duration_parse(v, &ms) < 0)
			return 1 + bad(why, whylen, "%s: '%s' is not a duration (e.g. 30s, 5m)",
				       durs[i].key, v);
		*durs[i].dst = ms;
	}
	if ((v = param(c, "retries"))) {
		if (dn_parse_i64(v, strlen(v), &n) < 0 || n < 0)
			return 1 + bad(why, whylen, "retries: '%s' is not a whole number", v);
		o->retries = (int)(n > 100 ? 100 : n);
	}
	if ((v = param(c, "max_bytes"))) {
		if (dn_parse_i64(v, strlen(v), &n) < 0 || n < 1)
			return 1 + bad(why, whylen, "max_bytes: '%s' is not a positive number", v);
		o->max_bytes = n;
	}
	for (int i = 0; i < c->nsecrets && o->nsecrets < 8; i++)
		o->secrets[o->nsecrets++] = c->secrets[i];
	o->stop = c->stop;
	o->log = c->log;
	o->log_user = c->log_user;
	return 0;
}

/* ---- state: what each URL looked like when last landed ---- */

struct seen {
	char *url;
	struct dn_xfer_meta m;
};

static void seen_free(struct seen *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dn_free(s[i].url);
	dn_free(s);
}

static int state_load(const char *text, struct seen **out, size_t *n, struct dn_error *err)
{
	struct dn_arena ar;
	struct dn_jv *root = NULL;
	*out = NULL;
	*n = 0;
	if (!text || !*text)
		return 0;
	dn_arena_init(&ar, 0);
	int rc = dn_jv_parse(&ar, "the saved state", text, strlen(text), &root, err);
	if (rc == 0 && root->kind == DN_JV_OBJ && root->n) {
		*out = dn_calloc(root->n, sizeof **out);
		if (!*out)
			rc = dn_error_set(err, DN_ENOMEM, "out of memory");
		for (size_t i = 0; rc == 0 && i < root->n; i++) {
			const struct dn_jv *v = &root->items[i];
			struct seen *s = &(*out)[(*n)++];
			dn_xfer_meta_init(&s->m);
			s->url = dn_strdup(root->keys[i]);
			const char *t;
			if ((t = dn_jv_str(dn_jv_get(v, "etag"))))
				snprintf(s->m.etag, sizeof s->m.etag, "%s", t);
			if ((t = dn_jv_str(dn_jv_get(v, "last_modified"))))
				snprintf(s->m.last_modified, sizeof s->m.last_modified, "%s", t);
			if ((t = dn_jv_str(dn_jv_get(v, "content_type"))))
				snprintf(s->m.content_type, sizeof s->m.content_type, "%s", t);
			if ((t = dn_jv_str(dn_jv_get(v, "sha256"))))
				snprintf(s->m.sha256, sizeof s->m.sha256, "%s", t);
			dn_jv_i64(dn_jv_get(v, "size"), &s->m.size);
			dn_jv_i64(dn_jv_get(v, "mtime"), &s->m.mtime);
			if (!s->url)
				rc = dn_error_set(err, DN_ENOMEM, "out of memory");
		}
	}
	dn_arena_release(&ar);
	return rc;
}

static int put_str(struct dn_buf *b, const char *s, struct dn_error *err)
{
	return dn_json_put_string(b, s, strlen(s), err);
}

static int state_json(const struct seen *s, size_t n, struct dn_buf *b, struct dn_error *err)
{
	DN_TRY(dn_buf_putc(b, '{', err));
	for (size_t i = 0; i < n; i++) {
		if (i)
			DN_TRY(dn_buf_putc(b, ',', err));
		DN_TRY(put_str(b, s[i].url, err));
		DN_TRY(dn_buf_puts(b, ":{\"etag\":", err));
		DN_TRY(put_str(b, s[i].m.etag, err));
		DN_TRY(dn_buf_puts(b, ",\"last_modified\":", err));
		DN_TRY(put_str(b, s[i].m.last_modified, err));
		DN_TRY(dn_buf_puts(b, ",\"content_type\":", err));
		DN_TRY(put_str(b, s[i].m.content_type, err));
		DN_TRY(dn_buf_puts(b, ",\"sha256\":", err));
		DN_TRY(put_str(b, s[i].m.sha256, err));
		DN_TRY(dn_buf_printf(b, err, ",\"size\":%lld,\"mtime\":%lld}",
				     (long long)s[i].m.size, (long long)s[i].m.mtime));
	}
	return dn_buf_putc(b, '}', err);
}

static struct seen *seen_find(struct seen *s, size_t n, const char *url)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(s[i].url, url))
			return &s[i];
	return NULL;
}

/* ---- extract.file ---- */

/* The last path segment of a URL, without query or fragment ("download" when empty). */
static void url_name(const char *url, char *out, size_t cap)
{
	const char *sep = strstr(url, "://");
	const char *p = sep ? strchr(sep + 3, '/') : NULL;
	size_t end = p ? strcspn(p, "?#") : 0;
	const char *last = p;
	for (const char *q = p; q && q < p + end; q++)
		if (*q == '/')
			last = q + 1;
	size_t n = p ? (size_t)(p + end - last) : 0;
	size_t k = 0;
	for (size_t i = 0; i < n && k + 1 < cap; i++) {
		char ch = last[i];
		if (ch == '%' && i + 2 < n && isxdigit((unsigned char)last[i + 1]) &&
		    isxdigit((unsigned char)last[i + 2])) {
			char hex[3] = {last[i + 1], last[i + 2], 0};
			ch = (char)strtol(hex, NULL, 16);
			i += 2;
		}
		out[k++] = ch == '/' || ch == 0 ? '_' : ch;
	}
	out[k] = 0;
	if (!k || !strcmp(out, ".") || !strcmp(out, ".."))
		snprintf(out, cap, "download");
}

struct got {
	char *url;
	char key[1024]; /* the URL as shown (secrets as ***): the key of its saved state */
	char name[256];
	char *path; /* staging path */
	struct dn_xfer_meta m;
	int64_t fetched_us;
	int changed;
};

static const char *data_kind(const char *name)
{
	static const char *const exts[] = {".csv",     "CSV",     ".tsv",    "TSV",    ".json",
					   "JSON",     ".ndjson", "NDJSON",  ".jsonl", "NDJSON",
					   ".parquet", "Parquet", ".csv.gz", "CSV",    NULL};
	for (int i = 0; exts[i]; i += 2)
		if (dn_str_has_suffix(name, exts[i]))
			return exts[i + 1];
	return NULL;
}

/* A data file that came as an HTML page (a login or error page) is refused. */
static int html_instead(const struct got *g, const char *expect, char *why, size_t whylen,
			const char *shown)
{
	if (!expect)
		return 0;
	char head[64] = {0};
	FILE *f = fopen(g->path, "rb");
	size_t n = f ? fread(head, 1, sizeof head - 1, f) : 0;
	if (f)
		fclose(f);
	const char *p = head;
	while (p < head + n && isspace((unsigned char)*p))
		p++;
	int html = strstr(g->m.content_type, "text/html") != NULL ||
		   !strncasecmp(p, "<!doctype html", 14) || !strncasecmp(p, "<html", 5);
	if (!html)
		return 0;
	snprintf(why, whylen,
		 "%s: the server sent an HTML page (Content-Type %s), not %s; check the URL "
		 "and the credentials",
		 shown, g->m.content_type[0] ? g->m.content_type : "unknown", expect);
	return 1;
}

static int run_file(const struct dn_xt_ctx *c, char *why, size_t whylen)
{
	struct dn_xfer_options xo;
	struct dn_error err;
	struct dn_buf rows = DN_BUF_INIT, state = DN_BUF_INIT;
	struct seen *prev = NULL;
	size_t nprev = 0, ngot = 0, nurls = 0;
	struct got *got = NULL;
	char **urls = NULL;
	char *prev_text = NULL;
	struct dn_reader *rd = NULL;
	struct dn_lake_writer *w = NULL;
	struct dn_lake_version v;
	int ok = 0;
	memset(&v, 0, sizeof v);
	dn_error_clear(&err);
	if (xfer_options(c, &xo, why, whylen))
		return 0;
	const char *dataset = param(c, "dataset");
	const char *url = param(c, "url");
	const char *pattern = param(c, "pattern");
	const char *parse = param(c, "parse");
	const char *full = param(c, "full_refresh");
	int full_refresh = full && !strcasecmp(full, "true");
	int64_t max_files = MAX_FILES_DEFAULT;
	const char *mf = param(c, "max_files");
	if (mf && (dn_parse_i64(mf, strlen(mf), &max_files) < 0 || max_files < 1))
		return bad(why, whylen, "max_files: '%s' is not a positive number", mf);
	enum dn_format pfmt = DN_FORMAT_UNKNOWN;
	char pdelim = 0;
	if (parse && strcasecmp(parse, "auto") && strcasecmp(parse, "none") &&
	    (dn_format_parse(parse, &pfmt, &pdelim) < 0))
		return bad(why, whylen,
			   "parse: '%s' is not csv, tsv, json, ndjson, parquet or auto", parse);
	int parsing = parse && strcasecmp(parse, "none");
	if (!dataset)
		return bad(why, whylen, "extract.file needs 'dataset'");

	/* The URLs: a listing, a list, or one. */
	const char *list[256];
	int nl = param_list(c, "urls", list, 256);
	if (url && pattern) {
		if (dn_xfer_list(url, pattern, &xo, &urls, &nurls, &err) < 0)
			goto fail;
		logf_(c, "listed %s: %zu file%s match %s", url, nurls, nurls == 1 ? "" : "s",
		      pattern);
	} else {
		int total = nl + (url ? 1 : 0);
		urls = dn_calloc(total ? (size_t)total : 1, sizeof *urls);
		if (!urls) {
			bad(why, whylen, "out of memory");
			goto out;
		}
		if (url)
			urls[nurls++] = dn_strdup(url);
		for (int i = 0; i < nl; i++)
			urls[nurls++] = dn_strdup(list[i]);
		for (size_t i = 0; i < nurls; i++)
			if (!urls[i]) {
				bad(why, whylen, "out of memory");
				goto out;
			}
	}
	if (nurls == 0) {
		if (url && pattern)
			logf_(c, "no file matches: nothing to do");
		else {
			bad(why, whylen,
			    "extract.file needs 'url' (with 'pattern' to list a "
			    "folder) or 'urls'");
			goto out;
		}
	}
	if ((int64_t)nurls > max_files) {
		bad(why, whylen,
		    "%zu files to fetch, more than max_files (%lld); raise max_files or narrow "
		    "the pattern",
		    nurls, (long long)max_files);
		goto out;
	}
	if (dn_meta_bookmark_get(c->meta, c->pipeline, c->task, &prev_text, &err) < 0 ||
	    state_load(full_refresh ? NULL : prev_text, &prev, &nprev, &err) < 0)
		goto fail;
	got = dn_calloc(nurls ? nurls : 1, sizeof *got);
	if (!got) {
		bad(why, whylen, "out of memory");
		goto out;
	}
	/* Download everything first. */
	int64_t changed = 0, unchanged = 0, bytes = 0;
	for (size_t i = 0; i < nurls; i++) {
		struct got *g = &got[ngot++];
		char shown[1024];
		g->url = urls[i];
		url_name(g->url, g->name, sizeof g->name);
		dn_xfer_shown_url(g->url, shown, sizeof shown);
		redact(c, shown);
		struct dn_buf p = DN_BUF_INIT;
		if (dn_buf_printf(&p, &err, "%s/%016llx-%s", c->staging,
				  (unsigned long long)dn_hash64(g->url, strlen(g->url), 1),
				  g->name) < 0)
			goto fail;
		g->path = dn_buf_take(&p, NULL);
		snprintf(g->key, sizeof g->key, "%s", shown);
		const struct seen *s = seen_find(prev, nprev, g->key);
		int64_t t0 = dn_monotonic_us();
		int rc = dn_xfer_get(g->url, g->path, s ? &s->m : NULL, &xo, &g->m, &err);
		if (rc < 0)
			goto fail;
		g->fetched_us = dn_now_us();
		if (rc == 1 && s && s->m.sha256[0] && !strcmp(s->m.sha256, g->m.sha256)) {
			rc = 0; /* the server sent it again, but the bytes are the same */
			unlink(g->path);
		}
		if (rc == 0) {
			unchanged++;
			logf_(c, "unchanged: %s", shown);
			continue;
		}
		g->changed = 1;
		changed++;
		bytes += g->m.size;
		double secs = (double)(dn_monotonic_us() - t0) / 1e6;
		logf_(c, "downloaded %s: %lld bytes in %.2f s%s, sha256 %.16s", shown,
		      (long long)g->m.size, secs, g->m.resumed ? " (resumed)" : "", g->m.sha256);
		const char *expect = parsing && pfmt != DN_FORMAT_UNKNOWN ? dn_format_name(pfmt) :
									    data_kind(g->name);
		if (html_instead(g, expect, why, whylen, shown))
			goto out;
	}
	/* Land them: parsed rows, or the files and a row per file, in one commit. */
	int64_t version = 0, nrows = 0;
	if (changed > 0) {
		if (dn_lake_write_begin(c->lake, &w, dataset, c->wo, &err) < 0)
			goto fail;
		for (size_t i = 0; i < ngot; i++) {
			struct got *g = &got[i];
			char shown[1024];
			if (!g->changed)
				continue;
			dn_xfer_shown_url(g->url, shown, sizeof shown);
			redact(c, shown);
			if (parsing) {
				struct dn_read_options ro;
				struct dn_batch *b;
				int rc;
				dn_read_options_init(&ro);
				ro.display_name = shown;
				enum dn_format f = pfmt;
				if (f == DN_FORMAT_UNKNOWN)
					f = dn_format_from_path(g->name, &ro.delimiter);
				else
					ro.delimiter = pdelim;
				if (f == DN_FORMAT_UNKNOWN) {
					bad(why, whylen,
					    "%s: cannot tell the format from the name; say it with "
					    "parse: csv|tsv|json|ndjson|parquet",
					    shown);
					goto out;
				}
				if (dn_reader_open(&rd, g->path, f, &ro, &err) < 0)
					goto fail;
				while ((rc = dn_reader_next(rd, &b, &err)) > 0) {
					nrows += b->nrows;
					rc = dn_lake_write_batch(w, b, &err);
					dn_batch_free(b);
					if (rc < 0)
						break;
				}
				dn_reader_free(rd);
				rd = NULL;
				if (rc < 0)
					goto fail;
				continue;
			}
			char *key = NULL, ts[48], mt[48];
			if (dn_lake_put_blob(c->lake, dataset, g->path, g->m.sha256, g->name, &key,
					     &err) < 0)
				goto fail;
			dn_timestamp_format(g->fetched_us, ts);
			if (g->m.mtime >= 0)
				dn_timestamp_format(g->m.mtime * 1000000, mt);
			int rc = dn_buf_puts(&rows, "{\"file\":", &err);
			rc = rc ? rc : put_str(&rows, g->name, &err);
			rc = rc ? rc : dn_buf_puts(&rows, ",\"url\":", &err);
			rc = rc ? rc : put_str(&rows, shown, &err);
			rc = rc ? rc :
				  dn_buf_printf(&rows, &err,
						",\"size\":%lld,\"sha256\":", (long long)g->m.size);
			rc = rc ? rc : put_str(&rows, g->m.sha256, &err);
			rc = rc ? rc : dn_buf_puts(&rows, ",\"content_type\":", &err);
			rc = rc ? rc : put_str(&rows, g->m.content_type, &err);
			rc = rc ? rc : dn_buf_puts(&rows, ",\"etag\":", &err);
			rc = rc ? rc : put_str(&rows, g->m.etag, &err);
			rc = rc ? rc : dn_buf_puts(&rows, ",\"modified_at\":", &err);
			rc = rc ? rc :
				  (g->m.mtime >= 0 ? put_str(&rows, mt, &err) :
						     dn_buf_puts(&rows, "null", &err));
			rc = rc ? rc : dn_buf_puts(&rows, ",\"fetched_at\":", &err);
			rc = rc ? rc : put_str(&rows, ts, &err);
			rc = rc ? rc : dn_buf_puts(&rows, ",\"path\":", &err);
			rc = rc ? rc : put_str(&rows, key, &err);
			rc = rc ? rc : dn_buf_puts(&rows, "}\n", &err);
			dn_free(key);
			if (rc < 0)
				goto fail;
			nrows++;
		}
		if (!parsing) {
			struct dn_read_options ro;
			struct dn_batch *b;
			int rc;
			char name[256];
			dn_read_options_init(&ro);
			snprintf(name, sizeof name, "extract.file task %s", c->task);
			if (dn_reader_open_mem(&rd, name, rows.data, rows.len, DN_FORMAT_NDJSON,
					       &ro, &err) < 0)
				goto fail;
			while ((rc = dn_reader_next(rd, &b, &err)) > 0) {
				rc = dn_lake_write_batch(w, b, &err);
				dn_batch_free(b);
				if (rc < 0)
					break;
			}
			if (rc < 0)
				goto fail;
		}
		int crc = dn_lake_write_commit(w, &v, &err);
		w = NULL;
		if (crc < 0)
			goto fail;
		version = v.version;
		logf_(c, "wrote %lld %s from %lld file%s to %s version %lld", (long long)nrows,
		      parsing ? "rows" : "file rows", (long long)changed, changed == 1 ? "" : "s",
		      dataset, (long long)version);
	} else {
		logf_(c, "nothing changed: nothing committed to %s", dataset);
	}
	for (size_t i = 0; i < ngot; i++)
		if (got[i].changed)
			unlink(got[i].path);
	/* The state moves only after the commit. */
	if (changed > 0) {
		size_t n = nprev;
		struct seen *all = dn_realloc(prev, (nprev + ngot) * sizeof *all);
		if (!all) {
			bad(why, whylen, "out of memory");
			goto out;
		}
		prev = all;
		for (size_t i = 0; i < ngot; i++) {
			if (!got[i].changed)
				continue;
			struct seen *s = seen_find(prev, n, got[i].key);
			if (!s) {
				s = &prev[n++];
				s->url = dn_strdup(got[i].key);
				if (!s->url) {
					bad(why, whylen, "out of memory");
					nprev = n - 1;
					goto out;
				}
			}
			s->m = got[i].m;
		}
		nprev = n;
		if (state_json(prev, nprev, &state, &err) < 0 ||
		    dn_meta_bookmark_set(c->meta, c->pipeline, c->task, state.data, dn_now_us(),
					 &err) < 0)
			goto fail;
	}
	logf_(c, "::output files=%lld", (long long)changed);
	logf_(c, "::output unchanged=%lld", (long long)unchanged);
	logf_(c, "::output bytes=%lld", (long long)bytes);
	logf_(c, "::output rows=%lld", (long long)nrows);
	if (version)
		logf_(c, "::output version=%lld", (long long)version);
	ok = 1;
	goto out;
fail:
	failed(why, whylen, &err);
out:
	dn_lake_write_abort(w);
	dn_reader_free(rd);
	dn_lake_version_release(&v);
	/* Complete downloads not landed go (a failed run fetches them again); a .part stays to be
	 * resumed. */
	for (size_t i = 0; i < ngot; i++) {
		if (got[i].path)
			unlink(got[i].path);
		dn_free(got[i].path);
	}
	dn_free(got);
	for (size_t i = 0; i < nurls; i++)
		dn_free(urls[i]);
	dn_free(urls);
	seen_free(prev, nprev);
	dn_free(prev_text);
	dn_buf_release(&rows);
	dn_buf_release(&state);
	return ok;
}

/* ---- extract.scrape ---- */

static int run_scrape(const struct dn_xt_ctx *c, char *why, size_t whylen)
{
	struct dn_scrape_options o;
	struct dn_scrape_result res;
	struct dn_error err;
	struct dn_reader *rd = NULL;
	struct dn_lake_version v;
	const char *s;
	int64_t n;
	int ok = 0;
	memset(&res, 0, sizeof res);
	memset(&v, 0, sizeof v);
	dn_error_clear(&err);
	dn_scrape_options_init(&o);
	if (xfer_options(c, &o.xfer, why, whylen))
		return 0;
	const char *dataset = param(c, "dataset");
	o.nseeds = param_list(c, "seeds", o.seeds, DN_SCRAPE_MAX_LIST);
	if (o.nseeds < DN_SCRAPE_MAX_LIST && (s = param(c, "url")))
		o.seeds[o.nseeds++] = s;
	o.nhosts = param_list(c, "allowed_hosts", o.hosts, DN_SCRAPE_MAX_LIST);
	o.nfollow = param_list(c, "follow", o.follow, DN_SCRAPE_MAX_LIST);
	o.ndeny = param_list(c, "deny", o.deny, DN_SCRAPE_MAX_LIST);
	o.extract = param(c, "extract");
	o.records = param(c, "records");
	o.url_field = param(c, "url_field");
	o.user_agent = param(c, "user_agent");
	if ((s = param(c, "obey_robots")) && !strcasecmp(s, "false"))
		o.ignore_robots = 1;
	if ((s = param(c, "max_depth"))) {
		if (dn_parse_i64(s, strlen(s), &n) < 0 || n < 0 || n > 1000)
			return bad(why, whylen, "max_depth: '%s' is not a number from 0 to 1000",
				   s);
		o.max_depth = (int)n;
	}
	if ((s = param(c, "max_pages"))) {
		if (dn_parse_i64(s, strlen(s), &n) < 0 || n < 1)
			return bad(why, whylen, "max_pages: '%s' is not a positive number", s);
		o.max_pages = n;
	}
	if ((s = param(c, "delay"))) {
		if (dn_duration_parse(s, &n) < 0)
			return bad(why, whylen, "delay: '%s' is not a duration (e.g. 1s, 500ms)",
				   s);
		o.delay_ms = n;
	}
	if ((s = param(c, "max_page_bytes"))) {
		if (dn_parse_i64(s, strlen(s), &n) < 0 || n < 1)
			return bad(why, whylen, "max_page_bytes: '%s' is not a positive number", s);
		o.max_page_bytes = (size_t)n;
	}
	for (size_t i = 0; i < c->nparams && o.nfields < DN_SCRAPE_MAX_LIST; i++)
		if (!strncmp(c->params[i].key, "fields.", 7)) {
			o.fields[o.nfields].key = c->params[i].key + 7;
			o.fields[o.nfields++].value = c->params[i].value;
		}
	if (!dataset)
		return bad(why, whylen, "extract.scrape needs 'dataset'");
	if (o.records && !o.nfields)
		return bad(why, whylen, "records needs 'fields' (name: relative XPath)");
	if (dn_scrape(&o, &res, &err) < 0)
		goto fail;
	int64_t rows = 0, version = 0;
	if (res.records > 0) {
		struct dn_read_options ro;
		char name[256];
		dn_read_options_init(&ro);
		snprintf(name, sizeof name, "extract.scrape task %s", c->task);
		if (dn_reader_open_mem(&rd, name, res.ndjson.data, res.ndjson.len, DN_FORMAT_NDJSON,
				       &ro, &err) < 0 ||
		    dn_lake_write_reader(c->lake, rd, dataset, c->wo, &v, &err) < 0)
			goto fail;
		struct dn_read_summary sum;
		dn_reader_summary(rd, &sum);
		rows = sum.loaded;
		version = v.version;
		logf_(c, "wrote %lld records from %lld pages to %s version %lld", (long long)rows,
		      (long long)res.pages, dataset, (long long)version);
	} else {
		logf_(c, "no records in %lld page%s: nothing committed to %s", (long long)res.pages,
		      res.pages == 1 ? "" : "s", dataset);
	}
	logf_(c, "::output rows=%lld", (long long)rows);
	logf_(c, "::output pages=%lld", (long long)res.pages);
	logf_(c, "::output disallowed=%lld", (long long)res.skipped_robots);
	if (version)
		logf_(c, "::output version=%lld", (long long)version);
	ok = 1;
	goto out;
fail:
	failed(why, whylen, &err);
out:
	dn_reader_free(rd);
	dn_lake_version_release(&v);
	dn_scrape_result_release(&res);
	return ok;
}

int dn_xt_run(const struct dn_xt_ctx *c, char *why, size_t whylen)
{
	why[0] = 0;
	if (!strcmp(c->type, "extract.file"))
		return run_file(c, why, whylen);
	return run_scrape(c, why, whylen);
}

/* ---- checks for `dunya validate` ---- */

const char *const dn_xt_file_params[] = {"url",          "urls",
					 "pattern",      "dataset",
					 "partition",    "mode",
					 "format",       "compression",
					 "parse",        "auth",
					 "known_hosts",  "host_key_sha256",
					 "ca_file",      "tls",
					 "insecure",     "user_agent",
					 "retries",      "retry_backoff",
					 "max_wait",     "connect_timeout",
					 "timeout",      "stall_timeout",
					 "max_bytes",    "max_files",
					 "full_refresh", NULL};

const char *const dn_xt_scrape_params[] = {"url",
					   "seeds",
					   "allowed_hosts",
					   "follow",
					   "deny",
					   "extract",
					   "max_depth",
					   "max_pages",
					   "delay",
					   "obey_robots",
					   "user_agent",
					   "records",
					   "fields",
					   "url_field",
					   "dataset",
					   "partition",
					   "mode",
					   "format",
					   "compression",
					   "retries",
					   "retry_backoff",
					   "max_wait",
					   "connect_timeout",
					   "timeout",
					   "stall_timeout",
					   "max_page_bytes",
					   "insecure",
					   "ca_file",
					   NULL};

static void check_list(const struct dn_task_check *c, const char *key)
{
	const struct dn_yaml_node *n = dn_yaml_get(c->task->params, key, NULL);
	if (!n || dn_yaml_is_null(n) || n->kind == DN_YAML_SCALAR)
		return;
	if (n->kind != DN_YAML_SEQ) {
		dn_task_check_problem(c, n, "%s must be a list (or one value)", key);
		return;
	}
	if (n->len > DN_SCRAPE_MAX_LIST && strcmp(key, "urls"))
		dn_task_check_problem(c, n, "%s: more than %d entries", key, DN_SCRAPE_MAX_LIST);
	for (size_t i = 0; i < n->len; i++)
		if (n->items[i]->kind != DN_YAML_SCALAR)
			dn_task_check_problem(c, n->items[i], "%s entries must be values", key);
}

static void check_num(const struct dn_task_check *c, const char *key, int64_t lo)
{
	const struct dn_yaml_node *v = dn_yaml_get(c->task->params, key, NULL);
	int64_t n;
	if (v && v->kind == DN_YAML_SCALAR && !dn_yaml_is_null(v) && !strstr(v->str, "{{") &&
	    (dn_yaml_i64(v, &n) < 0 || n < lo))
		dn_task_check_problem(c, v, "%s: '%s' is not a whole number of at least %lld", key,
				      dn_yaml_shown(v), (long long)lo);
}

static void check_dur(const struct dn_task_check *c, const char *key)
{
	const struct dn_yaml_node *v = dn_yaml_get(c->task->params, key, NULL);
	int64_t ms;
	if (v && v->kind == DN_YAML_SCALAR && !dn_yaml_is_null(v) && !strstr(v->str, "{{") &&
	    dn_duration_parse(v->str, &ms) < 0)
		dn_task_check_problem(c, v, "%s: '%s' is not a duration (e.g. 30s, 5m)", key,
				      dn_yaml_shown(v));
}

static void check_bool(const struct dn_task_check *c, const char *key)
{
	const struct dn_yaml_node *v = dn_yaml_get(c->task->params, key, NULL);
	int b;
	if (v && v->kind == DN_YAML_SCALAR && !dn_yaml_is_null(v) && !strstr(v->str, "{{") &&
	    dn_yaml_bool(v, &b) < 0)
		dn_task_check_problem(c, v, "%s: '%s' is not true or false", key, dn_yaml_shown(v));
}

static void check_common(const struct dn_task_check *c)
{
	const struct dn_yaml_node *ds = dn_task_check_string(c, "dataset", 1);
	struct dn_error e;
	dn_error_clear(&e);
	if (ds && !ds->unresolved && !strstr(ds->str, "{{") &&
	    dn_lake_dataset_check(ds->str, &e) < 0)
		dn_task_check_problem(c, ds, "dataset: %s", e.msg);
	check_num(c, "retries", 0);
	check_dur(c, "retry_backoff");
	check_dur(c, "max_wait");
	check_dur(c, "connect_timeout");
	check_dur(c, "timeout");
	check_dur(c, "stall_timeout");
	check_bool(c, "insecure");
	dn_task_check_string(c, "user_agent", 0);
	dn_task_check_string(c, "ca_file", 0);
}

void dn_xt_check_file(const struct dn_task_check *c)
{
	static const char *const auth_keys[] = {"username",   "password",   "private_key",
						"public_key", "passphrase", NULL};
	const struct dn_yaml_node *params = c->task->params;
	check_common(c);
	const struct dn_yaml_node *url = dn_task_check_string(c, "url", 0);
	const struct dn_yaml_node *urls = dn_yaml_get(params, "urls", NULL);
	const struct dn_yaml_node *pat = dn_task_check_string(c, "pattern", 0);
	check_list(c, "urls");
	if (!url && (!urls || dn_yaml_is_null(urls)))
		dn_task_check_problem(c, NULL,
				      "extract.file needs 'url' (with 'pattern' to list a folder) "
				      "or 'urls'");
	if (url && !url->unresolved && !strstr(url->str, "{{") && !dn_extract_is_url(url->str))
		dn_task_check_problem(c, url,
				      "url: '%s' is not an http, https, ftp, ftps or sftp URL",
				      dn_yaml_shown(url));
	if (pat && url && !strstr(url->str, "{{") && url->str[strlen(url->str) - 1] != '/')
		dn_task_check_problem(c, url,
				      "url: a folder to list with 'pattern' must end with '/'");
	if (pat && !url)
		dn_task_check_problem(c, pat, "pattern needs 'url' (the folder to list)");
	const struct dn_yaml_node *p = dn_task_check_string(c, "parse", 0);
	enum dn_format f;
	char d;
	if (p && !strstr(p->str, "{{") && strcasecmp(p->str, "auto") &&
	    strcasecmp(p->str, "none") && dn_format_parse(p->str, &f, &d) < 0)
		dn_task_check_problem(c, p,
				      "parse: '%s' is not csv, tsv, json, ndjson, parquet or auto",
				      dn_yaml_shown(p));
	check_num(c, "max_bytes", 1);
	check_num(c, "max_files", 1);
	check_bool(c, "full_refresh");
	const struct dn_yaml_node *tls = dn_task_check_string(c, "tls", 0);
	if (tls && strcmp(tls->str, "required") && strcmp(tls->str, "try") &&
	    strcmp(tls->str, "off"))
		dn_task_check_problem(c, tls, "tls: '%s' is not required, try or off",
				      dn_yaml_shown(tls));
	const struct dn_yaml_node *a = dn_yaml_get(params, "auth", NULL);
	if (a && !dn_yaml_is_null(a) && a->kind != DN_YAML_MAP)
		dn_task_check_problem(c, a,
				      "auth must be a mapping (username, password, "
				      "private_key, public_key, passphrase)");
	for (size_t i = 0; a && a->kind == DN_YAML_MAP && i < a->len; i++) {
		const char *k = a->items[2 * i]->str;
		int known = 0;
		for (int j = 0; auth_keys[j]; j++)
			known |= !strcmp(k, auth_keys[j]);
		if (!known) {
			const char *hint = dn_suggest(k, auth_keys);
			dn_task_check_problem(c, a->items[2 * i], "unknown key '%s' in auth%s%s%s",
					      k, hint ? " (did you mean '" : "", hint ? hint : "",
					      hint ? "'?)" : "");
		}
	}
}

void dn_xt_check_scrape(const struct dn_task_check *c)
{
	const struct dn_yaml_node *params = c->task->params;
	check_common(c);
	const struct dn_yaml_node *url = dn_task_check_string(c, "url", 0);
	const struct dn_yaml_node *seeds = dn_yaml_get(params, "seeds", NULL);
	check_list(c, "seeds");
	check_list(c, "allowed_hosts");
	check_list(c, "follow");
	check_list(c, "deny");
	if (!url && (!seeds || dn_yaml_is_null(seeds)))
		dn_task_check_problem(c, NULL, "extract.scrape needs 'seeds' (or one 'url')");
	check_num(c, "max_depth", 0);
	check_num(c, "max_pages", 1);
	check_num(c, "max_page_bytes", 1);
	check_dur(c, "delay");
	check_bool(c, "obey_robots");
	struct dn_error e;
	const struct dn_yaml_node *r = dn_task_check_string(c, "records", 0);
	if (r && !strstr(r->str, "{{") && dn_html_xpath_check(r->str, &e) < 0)
		dn_task_check_problem(c, r, "records: %s", e.msg);
	const struct dn_yaml_node *f = dn_yaml_get(params, "fields", NULL);
	if (f && !dn_yaml_is_null(f) && f->kind != DN_YAML_MAP)
		dn_task_check_problem(c, f, "fields must be a mapping of name: XPath");
	for (size_t i = 0; f && f->kind == DN_YAML_MAP && i < f->len; i++) {
		const struct dn_yaml_node *v = f->items[2 * i + 1];
		if (v->kind != DN_YAML_SCALAR)
			dn_task_check_problem(c, v, "field '%s' must be an XPath",
					      f->items[2 * i]->str);
		else if (!strstr(v->str, "{{") && dn_html_xpath_check(v->str, &e) < 0)
			dn_task_check_problem(c, v, "field '%s': %s", f->items[2 * i]->str, e.msg);
	}
	if (f && f->kind == DN_YAML_MAP && f->len > DN_SCRAPE_MAX_LIST)
		dn_task_check_problem(c, f, "fields: more than %d", DN_SCRAPE_MAX_LIST);
	if (r && (!f || dn_yaml_is_null(f)))
		dn_task_check_problem(c, r, "records needs 'fields' (name: relative XPath)");
	if (f && !dn_yaml_is_null(f) && !r)
		dn_task_check_problem(c, f,
				      "fields need 'records' (the XPath of the record nodes)");
}
