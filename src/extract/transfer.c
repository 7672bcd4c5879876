/* File transfers over http, https, ftp, ftps and sftp: see extract.h.
 *
 * One loop serves every request (a file, a listing, a page): perform, then decide between
 * success, a retry after a wait (network errors, 5xx, 429 and 503; Retry-After honoured up to
 * max_wait), or failure. Files stream to PATH.part through a FILE with a large buffer while
 * SHA-256 is computed on the way, so a download reads its bytes once; a resumed download hashes
 * the partial file first. The .part and its validator sidecar (PATH.part.v) survive a failed
 * try and a failed run, so the next attempt asks only for the rest; any answer other than
 * 206 to a range request (the file changed, or the server ignores ranges) starts it over.
 *
 * Messages and log lines go through one redaction step (passwords, keys, anything the caller
 * lists as secret). */
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "extract.h"

#define MAX_LISTING (16u << 20)

void dn_xfer_options_init(struct dn_xfer_options *o)
{
	memset(o, 0, sizeof *o);
	o->retries = -1;
}

void dn_xfer_meta_init(struct dn_xfer_meta *m)
{
	memset(m, 0, sizeof *m);
	m->size = -1;
	m->mtime = -1;
}

void dn_xfer_shown_url(const char *url, char *out, size_t cap)
{
	const char *sep = strstr(url, "://");
	const char *at = sep ? strchr(sep + 3, '@') : NULL;
	const char *slash = sep ? strchr(sep + 3, '/') : NULL;
	if (!at || (slash && at > slash)) {
		snprintf(out, cap, "%s", url);
		return;
	}
	const char *colon = memchr(sep + 3, ':', (size_t)(at - sep - 3));
	if (!colon)
		colon = at;
	snprintf(out, cap, "%.*s%s%s", (int)(colon - url), url, colon < at ? ":***" : "", at);
}

/* SHA-256 of a file being written, computed by a second thread that reads the file behind the
 * writer (from the page cache), so hashing overlaps the transfer instead of adding to it: a
 * download runs at the network's speed as long as a core is free, and a resumed download needs
 * no separate pass over the bytes it already had. The writer publishes how many bytes are in
 * the file; the hasher digests up to there and sleeps briefly when it has caught up. */
struct hasher {
	pthread_t th;
	int fd;
	EVP_MD_CTX *md;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int64_t avail; /* bytes written so far */
	int done;      /* no more bytes will come */
	int failed;
};

static void *hasher_main(void *arg)
{
	struct hasher *h = arg;
	static const size_t chunk = 1 << 20;
	char *buf = dn_malloc(chunk);
	int64_t pos = 0;
	if (!buf)
		h->failed = 1;
	for (; buf;) {
		pthread_mutex_lock(&h->mu);
		while (pos >= h->avail && !h->done)
			pthread_cond_wait(&h->cv, &h->mu);
		int64_t avail = h->avail;
		int done = h->done;
		pthread_mutex_unlock(&h->mu);
		if (pos >= avail && done)
			break;
		while (pos < avail) {
			size_t want = avail - pos > (int64_t)chunk ? chunk : (size_t)(avail - pos);
			ssize_t got = pread(h->fd, buf, want, pos);
			if (got <= 0) {
				if (got < 0 && errno == EINTR)
					continue;
				h->failed = 1;
				pos = avail;
				break;
			}
			EVP_DigestUpdate(h->md, buf, (size_t)got);
			/* Start writing the hashed bytes to disk now, so the fsync at the end has
			 * little left to do (Linux; elsewhere a no-op). */
			sync_file_range(h->fd, pos, got, SYNC_FILE_RANGE_WRITE);
			pos += got;
		}
		if (h->failed)
			break;
	}
	dn_free(buf);
	return NULL;
}

static struct hasher *hasher_start(int fd, int64_t avail)
{
	struct hasher *h = dn_calloc(1, sizeof *h);
	if (!h)
		return NULL;
	h->fd = fd;
	h->avail = avail;
	pthread_mutex_init(&h->mu, NULL);
	pthread_cond_init(&h->cv, NULL);
	if (!(h->md = EVP_MD_CTX_new()) || !EVP_DigestInit_ex(h->md, EVP_sha256(), NULL) ||
	    pthread_create(&h->th, NULL, hasher_main, h) != 0) {
		EVP_MD_CTX_free(h->md);
		pthread_mutex_destroy(&h->mu);
		pthread_cond_destroy(&h->cv);
		dn_free(h);
		return NULL;
	}
	return h;
}

static void hasher_add(struct hasher *h, int64_t n)
{
	pthread_mutex_lock(&h->mu);
	h->avail += n;
	pthread_cond_signal(&h->cv);
	pthread_mutex_unlock(&h->mu);
}

/* End the thread; with hex != NULL (65 bytes) write the digest. 0, or -1 when the file could
 * not be read back. Frees h. */
static int hasher_end(struct hasher *h, char *hex)
{
	if (!h)
		return -1;
	pthread_mutex_lock(&h->mu);
	h->done = 1;
	pthread_cond_signal(&h->cv);
	pthread_mutex_unlock(&h->mu);
	pthread_join(h->th, NULL);
	int rc = h->failed ? -1 : 0;
	if (hex && rc == 0) {
		unsigned char md[32];
		unsigned mdlen = 0;
		EVP_DigestFinal_ex(h->md, md, &mdlen);
		for (unsigned i = 0; i < mdlen && i < 32; i++)
			snprintf(hex + 2 * i, 3, "%02x", md[i]);
	}
	EVP_MD_CTX_free(h->md);
	pthread_mutex_destroy(&h->mu);
	pthread_cond_destroy(&h->cv);
	dn_free(h);
	return rc;
}

/* One transfer's state: the sink (a file or memory), the headers seen, the hash. */
struct job {
	const struct dn_xfer_options *o;
	char shown[1024];
	int http;
	/* response */
	long status;
	char etag[256], last_modified[64], ctype[128], retry_after[64];
	/* sink */
	int fd; /* the .part, or -1 */
	struct hasher *hs;
	struct dn_buf *mem;
	size_t mem_max;
	int too_big;
	int64_t resume_from; /* bytes already in the .part */
	int64_t written;     /* bytes in the sink */
	int restarted;       /* the server sent the whole file despite a range: start over */
	int stopped;
	uint64_t rng;
};

static void redact(const struct dn_xfer_options *o, char *text)
{
	const char *own[3] = {o->password, o->ssh_passphrase, NULL};
	for (int k = 0; k < o->nsecrets + 2; k++) {
		const char *s = k < 2 ? own[k] : o->secrets[k - 2];
		size_t n = s ? strlen(s) : 0;
		char *hit;
		if (n < 3)
			continue;
		while ((hit = strstr(text, s)) != NULL) {
			size_t rest = strlen(hit + n);
			memcpy(hit, "***", 3);
			memmove(hit + 3, hit + n, rest + 1);
		}
	}
}

static void logf_(const struct dn_xfer_options *o, const char *fmt, ...) DN_PRINTF(2, 3);
static void logf_(const struct dn_xfer_options *o, const char *fmt, ...)
{
	char line[2048];
	if (!o->log)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	redact(o, line);
	o->log(o->log_user, line);
}

static int fail(const struct dn_xfer_options *o, struct dn_error *err, int code, const char *fmt,
		...) DN_PRINTF(4, 5);
static int fail(const struct dn_xfer_options *o, struct dn_error *err, int code, const char *fmt,
		...)
{
	char msg[DN_ERROR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	redact(o, msg);
	return dn_error_set(err, code, "%s", msg);
}

static void keep(char *dst, size_t cap, const char *v, size_t n)
{
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, v, n);
	dst[n] = 0;
}

static size_t on_header(char *p, size_t size, size_t n, void *user)
{
	struct job *j = user;
	size_t len = size * n, nl, vl;
	const char *name, *v;
	int kind = dn_http_header_line(p, len, &name, &nl, &v, &vl);
	if (kind == 0) {
		/* A new response (after a redirect or a 100): forget the previous one's headers. */
		j->etag[0] = j->last_modified[0] = j->ctype[0] = j->retry_after[0] = 0;
		const char *sp = memchr(p, ' ', len);
		j->status = sp ? strtol(sp + 1, NULL, 10) : 0;
		return len;
	}
	if (kind < 0)
		return len;
#define HDR(s) (nl == sizeof s - 1 && !strncasecmp(name, s, nl))
	if (HDR("etag"))
		keep(j->etag, sizeof j->etag, v, vl);
	else if (HDR("last-modified"))
		keep(j->last_modified, sizeof j->last_modified, v, vl);
	else if (HDR("content-type"))
		keep(j->ctype, sizeof j->ctype, v, vl);
	else if (HDR("retry-after"))
		keep(j->retry_after, sizeof j->retry_after, v, vl);
#undef HDR
	return len;
}

static size_t on_data(char *p, size_t size, size_t n, void *user)
{
	struct job *j = user;
	size_t len = size * n;
	if (j->o->stop && j->o->stop(j->o->stop_user)) {
		j->stopped = 1;
		return 0;
	}
	if (j->fd < 0 && !j->mem)
		return len; /* a probe: FTP sends its facts as "headers" through here */
	if (j->http && j->status >= 300)
		return len; /* an error page or a redirect body: not the file */
	if (j->http && j->status != 206 && j->status != 0 && j->resume_from > 0 && j->fd >= 0 &&
	    !j->restarted) {
		/* A range was asked for and the whole body comes: start the file over. */
		hasher_end(j->hs, NULL);
		j->hs = NULL;
		if (ftruncate(j->fd, 0) != 0 || lseek(j->fd, 0, SEEK_SET) != 0 ||
		    !(j->hs = hasher_start(j->fd, 0)))
			return 0;
		j->written = 0;
		j->restarted = 1;
	}
	if (j->o->max_bytes > 0 && j->written + (int64_t)len > j->o->max_bytes) {
		j->too_big = 1;
		return 0;
	}
	if (j->mem) {
		if (j->mem->len + len > j->mem_max || dn_buf_append(j->mem, p, len, NULL) < 0) {
			j->too_big = 1;
			return 0;
		}
	} else {
		for (size_t off = 0; off < len;) {
			ssize_t w = write(j->fd, p + off, len - off);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				return 0;
			off += (size_t)w;
		}
		hasher_add(j->hs, (int64_t)len);
	}
	j->written += (int64_t)len;
	return len;
}

static int on_progress(void *user, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
	struct job *j = user;
	(void)a, (void)b, (void)c, (void)d;
	if (j->o->stop && j->o->stop(j->o->stop_user)) {
		j->stopped = 1;
		return 1;
	}
	return 0;
}

static int wait_us(const struct dn_xfer_options *o, int64_t us, const char *shown,
		   struct dn_error *err)
{
	for (;;) {
		if (o->stop && o->stop(o->stop_user))
			return fail(o, err, DN_EIO, "%s: stopped", shown);
		if (us <= 0)
			return 0;
		int64_t step = us > 100000 ? 100000 : us;
		usleep((useconds_t)step);
		us -= step;
	}
}

static int64_t backoff_us(struct job *j, int attempt)
{
	int64_t base = (j->o->backoff_ms > 0 ? j->o->backoff_ms : 500) * 1000;
	for (int i = 0; i < attempt && base < 60000000; i++)
		base *= 2;
	if (base > 60000000)
		base = 60000000;
	j->rng ^= j->rng >> 12;
	j->rng ^= j->rng << 25;
	j->rng ^= j->rng >> 27;
	uint64_t r = j->rng * 0x2545F4914F6CDD1DULL;
	return base / 2 + (int64_t)(r % (uint64_t)(base / 2 + 1));
}

static int retriable(CURLcode rc)
{
	return rc == CURLE_COULDNT_CONNECT || rc == CURLE_OPERATION_TIMEDOUT ||
	       rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR || rc == CURLE_PARTIAL_FILE ||
	       rc == CURLE_GOT_NOTHING || rc == CURLE_HTTP2 || rc == CURLE_HTTP2_STREAM ||
	       rc == CURLE_FTP_ACCEPT_TIMEOUT || rc == CURLE_COULDNT_RESOLVE_HOST ||
	       rc == CURLE_SSH;
}

/* Set the options every transfer shares. */
static void common_opts(CURL *c, const struct dn_xfer_options *o, struct job *j, char *cerr)
{
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https,ftp,ftps,sftp");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
			 (long)(o->connect_timeout_ms > 0 ? o->connect_timeout_ms : 30000));
	if (o->timeout_ms > 0)
		curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)o->timeout_ms);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME,
			 (long)(o->stall_ms > 0 ? (o->stall_ms + 999) / 1000 : 60));
	curl_easy_setopt(c, CURLOPT_USERAGENT, o->user_agent ? o->user_agent : "dunya/" DN_VERSION);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, j);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, j);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, j);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_BUFFERSIZE, 512L * 1024);
	curl_easy_setopt(c, CURLOPT_FILETIME, 1L);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, NULL);
	if (o->username)
		curl_easy_setopt(c, CURLOPT_USERNAME, o->username);
	if (o->password)
		curl_easy_setopt(c, CURLOPT_PASSWORD, o->password);
	if (o->ssh_private_key) {
		curl_easy_setopt(c, CURLOPT_SSH_PRIVATE_KEYFILE, o->ssh_private_key);
		curl_easy_setopt(c, CURLOPT_SSH_AUTH_TYPES, (long)CURLSSH_AUTH_PUBLICKEY);
		if (o->ssh_public_key)
			curl_easy_setopt(c, CURLOPT_SSH_PUBLIC_KEYFILE, o->ssh_public_key);
		if (o->ssh_passphrase)
			curl_easy_setopt(c, CURLOPT_KEYPASSWD, o->ssh_passphrase);
	} else if (o->password) {
		curl_easy_setopt(c, CURLOPT_SSH_AUTH_TYPES,
				 (long)(CURLSSH_AUTH_PASSWORD | CURLSSH_AUTH_KEYBOARD));
	}
	if (o->known_hosts)
		curl_easy_setopt(c, CURLOPT_SSH_KNOWNHOSTS, o->known_hosts);
	if (o->host_key_sha256)
		curl_easy_setopt(c, CURLOPT_SSH_HOST_PUBLIC_KEY_SHA256, o->host_key_sha256);
	if (o->ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, o->ca_file);
	if (o->insecure) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	/* ftps:// is implicit TLS; an ftp:// URL asks for explicit TLS (AUTH TLS) when the server
	 * has it and goes on in the clear otherwise, unless the caller insisted. */
	curl_easy_setopt(c, CURLOPT_FTP_USE_EPSV, 1L);
	curl_easy_setopt(c, CURLOPT_USE_SSL,
			 (long)(o->ftp_tls > 0  ? CURLUSESSL_ALL :
				o->ftp_tls == 0 ? CURLUSESSL_TRY :
						  CURLUSESSL_NONE));
}

static int check_url(const char *url, const struct dn_xfer_options *o, const char *shown,
		     struct dn_error *err)
{
	if (!dn_extract_is_url(url))
		return fail(o, err, DN_EINVAL, "'%s' is not an http, https, ftp, ftps or sftp URL",
			    shown);
	if (!strncasecmp(url, "sftp://", 7) && !o->insecure && !o->known_hosts &&
	    !o->host_key_sha256)
		return fail(o, err, DN_EINVAL,
			    "%s: the server's host key would not be checked; give known_hosts (a "
			    "file) or host_key_sha256 (its fingerprint), or insecure: true",
			    shown);
	return dn_extract_curl_init(err);
}

static void rm_part(const char *part)
{
	char v[4200];
	unlink(part);
	snprintf(v, sizeof v, "%s.v", part);
	unlink(v);
}

/* The validator a .part came with ("" when none). */
static void read_validator(const char *part, char *out, size_t cap)
{
	char v[4200];
	out[0] = 0;
	snprintf(v, sizeof v, "%s.v", part);
	FILE *f = fopen(v, "r");
	if (!f)
		return;
	if (!fgets(out, (int)cap, f))
		out[0] = 0;
	fclose(f);
	out[strcspn(out, "\n")] = 0;
}

static void write_validator(const char *part, const char *val)
{
	char v[4200];
	snprintf(v, sizeof v, "%s.v", part);
	FILE *f = fopen(v, "w");
	if (!f)
		return;
	fprintf(f, "%s\n", val);
	fclose(f);
}

/* FTP and SFTP: the remote size and time, without the body. */
static int probe(const char *url, const struct dn_xfer_options *o, struct job *j,
		 struct dn_xfer_meta *m, struct dn_error *err)
{
	char cerr[CURL_ERROR_SIZE];
	int retries = o->retries < 0 ? 3 : o->retries;
	for (int attempt = 0;; attempt++) {
		CURL *c = curl_easy_init();
		if (!c)
			return dn_error_set(err, DN_ENOMEM, "out of memory");
		cerr[0] = 0;
		common_opts(c, o, j, cerr);
		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
		m->requests++;
		CURLcode rc = curl_easy_perform(c);
		curl_off_t sz = -1;
		long ft = -1;
		curl_easy_getinfo(c, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &sz);
		curl_easy_getinfo(c, CURLINFO_FILETIME, &ft);
		curl_easy_cleanup(c);
		if (rc == CURLE_OK) {
			m->size = sz;
			m->mtime = ft;
			return 0;
		}
		if (j->stopped)
			return fail(o, err, DN_EIO, "%s: stopped", j->shown);
		if (!retriable(rc) || attempt >= retries)
			return fail(o, err, DN_EIO, "%s: %s%s%s (after %d attempt%s)", j->shown,
				    curl_easy_strerror(rc), cerr[0] ? ": " : "", cerr, attempt + 1,
				    attempt ? "s" : "");
		int64_t d = backoff_us(j, attempt);
		logf_(o, "%s: %s; retry %d of %d in %.2f s", j->shown, curl_easy_strerror(rc),
		      attempt + 1, retries, (double)d / 1e6);
		DN_TRY(wait_us(o, d, j->shown, err));
	}
}

/* The request loop. path != NULL: download to path (via path.part); else into mem. Returns 1
 * transferred, 0 unchanged (304), or < 0. */
static int run(const char *url, const char *path, struct dn_buf *mem, size_t mem_max,
	       const struct dn_xfer_meta *prev, const struct dn_xfer_options *o,
	       struct dn_xfer_meta *m, struct dn_error *err)
{
	struct job j;
	char cerr[CURL_ERROR_SIZE], part[4096], validator[320];
	int retries = o->retries < 0 ? 3 : o->retries;
	int64_t max_wait_us = (o->max_wait_ms > 0 ? o->max_wait_ms : 300000) * 1000;
	int rc = 0;
	memset(&j, 0, sizeof j);
	j.fd = -1;
	j.o = o;
	j.rng = (uint64_t)dn_now_us() ^ ((uint64_t)getpid() << 32) ^ 0x9E3779B97F4A7C15ULL;
	dn_xfer_shown_url(url, j.shown, sizeof j.shown);
	redact(o, j.shown);
	j.http = !strncasecmp(url, "http", 4);
	DN_TRY(check_url(url, o, j.shown, err));
	if (path && snprintf(part, sizeof part, "%s.part", path) >= (int)sizeof part)
		return dn_error_set(err, DN_EINVAL, "%s: the path is too long", path);
	/* FTP and SFTP: an unchanged size and time means nothing to fetch. */
	struct dn_xfer_meta remote;
	dn_xfer_meta_init(&remote);
	struct stat pst;
	int have_part = path && stat(part, &pst) == 0 && pst.st_size > 0;
	if (path && !j.http && ((prev && prev->size >= 0) || have_part)) {
		DN_TRY(probe(url, o, &j, &remote, err));
		if (prev && prev->size >= 0 && prev->mtime >= 0 && prev->size == remote.size &&
		    prev->mtime == remote.mtime) {
			int64_t req = remote.requests;
			*m = *prev;
			m->requests = req;
			return 0;
		}
	}
	for (int attempt = 0;; attempt++) {
		CURL *c = NULL;
		struct curl_slist *hdrs = NULL;
		char h[512];
		j.status = 0;
		j.written = 0;
		j.resume_from = 0;
		j.restarted = 0;
		j.too_big = 0;
		j.etag[0] = j.last_modified[0] = j.ctype[0] = j.retry_after[0] = 0;
		if (path) {
			struct stat st;
			read_validator(part, validator, sizeof validator);
			int can_resume = stat(part, &st) == 0 && st.st_size > 0;
			if (can_resume && j.http)
				can_resume = validator[0] != 0;
			if (can_resume && !j.http) {
				/* FTP/SFTP: resume only what was the same remote file. */
				char want[96];
				snprintf(want, sizeof want, "%lld %lld", (long long)remote.size,
					 (long long)remote.mtime);
				can_resume = !strcmp(validator, want) && st.st_size < remote.size;
			}
			j.fd = open(part, O_RDWR | O_CREAT | O_CLOEXEC | (can_resume ? 0 : O_TRUNC),
				    0644);
			if (j.fd < 0) {
				rc = fail(o, err, DN_EIO, "cannot write %s: %s", part,
					  strerror(errno));
				goto out;
			}
			if (can_resume && lseek(j.fd, 0, SEEK_END) == st.st_size) {
				j.resume_from = st.st_size;
				j.written = st.st_size;
			} else if (can_resume && ftruncate(j.fd, 0) != 0) {
				rc = fail(o, err, DN_EIO, "cannot write %s: %s", part,
					  strerror(errno));
				goto out;
			}
			if (!(j.hs = hasher_start(j.fd, j.resume_from))) {
				rc = dn_error_set(err, DN_ENOMEM, "cannot start hashing %s", part);
				goto out;
			}
			if (!j.resume_from) {
				char vp[4200];
				snprintf(vp, sizeof vp, "%s.v", part);
				unlink(vp);
			}
			if (!j.http && remote.size >= 0) {
				snprintf(validator, sizeof validator, "%lld %lld",
					 (long long)remote.size, (long long)remote.mtime);
				write_validator(part, validator);
			}
		} else {
			j.mem = mem;
			j.mem_max = mem_max;
			dn_buf_reset(mem);
		}
		if (!(c = curl_easy_init())) {
			rc = dn_error_set(err, DN_ENOMEM, "out of memory");
			goto out;
		}
		cerr[0] = 0;
		common_opts(c, o, &j, cerr);
		curl_easy_setopt(c, CURLOPT_URL, url);
		if (j.resume_from > 0) {
			curl_easy_setopt(c, CURLOPT_RESUME_FROM_LARGE, (curl_off_t)j.resume_from);
			if (j.http) {
				snprintf(h, sizeof h, "If-Range: %s", validator);
				hdrs = curl_slist_append(hdrs, h);
			}
			logf_(o, "%s: resuming at byte %lld", j.shown, (long long)j.resume_from);
			m->resumed = 1;
		} else if (j.http && prev && prev->etag[0]) {
			snprintf(h, sizeof h, "If-None-Match: %s", prev->etag);
			hdrs = curl_slist_append(hdrs, h);
		} else if (j.http && prev && prev->last_modified[0]) {
			snprintf(h, sizeof h, "If-Modified-Since: %s", prev->last_modified);
			hdrs = curl_slist_append(hdrs, h);
		}
		if (hdrs)
			curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
		m->requests++;
		CURLcode cr = curl_easy_perform(c);
		long status = 0, ft = -1;
		curl_off_t clen = -1;
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		curl_easy_getinfo(c, CURLINFO_FILETIME, &ft);
		curl_easy_getinfo(c, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &clen);
		curl_easy_cleanup(c);
		/* FTP/SFTP without a probe first: what the transfer said identifies the file, so a
		 * partial download can be resumed only against the same one. */
		if (path && !j.http && remote.size < 0 && clen >= 0 && j.resume_from == 0) {
			remote.size = clen;
			remote.mtime = ft;
			if (j.written > 0 && cr != CURLE_OK) {
				snprintf(validator, sizeof validator, "%lld %lld",
					 (long long)remote.size, (long long)remote.mtime);
				write_validator(part, validator);
			}
		}
		curl_slist_free_all(hdrs);
		if (j.http)
			j.status = status;
		/* Keep what came for the next try, with the validator it belongs to. */
		if (path && j.http && j.written > 0 && (j.etag[0] || j.last_modified[0]) &&
		    (j.status == 200 || j.status == 206))
			write_validator(part, j.etag[0] ? j.etag : j.last_modified);
		/* A complete file is made durable before it can be renamed into place. */
		char hex[65] = "";
		int closed = 0;
		if (j.fd >= 0) {
			if (cr == CURLE_OK && !(j.http && status >= 300) && fsync(j.fd) != 0)
				closed = -1;
			if (hasher_end(j.hs, hex) < 0 && cr == CURLE_OK)
				closed = -1;
			j.hs = NULL;
			if (close(j.fd) != 0)
				closed = -1;
			j.fd = -1;
		}
		if (j.stopped) {
			rc = fail(o, err, DN_EIO, "%s: stopped", j.shown);
			goto out;
		}
		if (cr == CURLE_WRITE_ERROR && j.too_big) {
			if (path)
				rm_part(part);
			rc = fail(o, err, DN_ELIMIT, "%s: larger than %lld bytes%s", j.shown,
				  (long long)(path ? o->max_bytes : (int64_t)mem_max),
				  path ? " (max_bytes)" : "");
			goto out;
		}
		if (cr == CURLE_OK && closed != 0)
			cr = CURLE_WRITE_ERROR;
		if (cr == CURLE_RANGE_ERROR || (cr == CURLE_OK && j.http && status == 416) ||
		    (cr == CURLE_BAD_DOWNLOAD_RESUME)) {
			/* The partial file does not fit the remote one: start over. */
			rm_part(part);
			if (attempt < retries)
				continue;
		}
		if (cr != CURLE_OK) {
			if (retriable(cr) && attempt < retries) {
				int64_t d = backoff_us(&j, attempt);
				logf_(o, "%s: %s; retry %d of %d in %.2f s", j.shown,
				      curl_easy_strerror(cr), attempt + 1, retries,
				      (double)d / 1e6);
				if ((rc = wait_us(o, d, j.shown, err)) < 0)
					goto out;
				continue;
			}
			if (path && !(retriable(cr) && j.written > 0))
				rm_part(part);
			rc = fail(o, err, DN_EIO, "%s: %s%s%s (after %d attempt%s)", j.shown,
				  curl_easy_strerror(cr), cerr[0] ? ": " : "", cerr, attempt + 1,
				  attempt ? "s" : "");
			goto out;
		}
		if (j.http && status == 304 && (!path || !prev)) {
			/* Nothing was asked conditionally: a 304 says nothing about the file. */
			if (path)
				rm_part(part);
			rc = fail(o, err, DN_EIO,
				  "%s: the server answered HTTP 304 (not modified) to a "
				  "request that was not conditional",
				  j.shown);
			goto out;
		}
		if (j.http && status == 304) {
			*m = *prev;
			m->requests = attempt + 1;
			rc = 0;
			goto out;
		}
		if (j.http && (status == 429 || status == 503 || status >= 500)) {
			int64_t delay_ms = -1, d;
			if ((status == 429 || status == 503) && j.retry_after[0] &&
			    dn_api_retry_after(j.retry_after, strlen(j.retry_after),
					       dn_now_us() / 1000000, &delay_ms) < 0)
				delay_ms = -1;
			d = delay_ms >= 0 ? delay_ms * 1000 : backoff_us(&j, attempt);
			if (attempt >= retries) {
				rc = fail(o, err, DN_EIO,
					  "%s: the server answered HTTP %ld after %d attempt%s",
					  j.shown, status, attempt + 1, attempt ? "s" : "");
				goto out;
			}
			if (d > max_wait_us) {
				rc = fail(o, err, DN_EIO,
					  "%s: the server answered HTTP %ld and asks to wait %.0f "
					  "s, more than max_wait (%.0f s)",
					  j.shown, status, (double)d / 1e6,
					  (double)max_wait_us / 1e6);
				goto out;
			}
			logf_(o, "%s: HTTP %ld; retry %d of %d in %.2f s", j.shown, status,
			      attempt + 1, retries, (double)d / 1e6);
			if ((rc = wait_us(o, d, j.shown, err)) < 0)
				goto out;
			continue;
		}
		if (j.http && status >= 400) {
			if (path)
				rm_part(part);
			rc = fail(o, err, DN_EIO, "%s: the server answered HTTP %ld%s", j.shown,
				  status,
				  status == 404                  ? " (not found)" :
				  status == 401 || status == 403 ? " (check the credentials)" :
								   "");
			goto out;
		}
		/* Done. */
		snprintf(m->sha256, sizeof m->sha256, "%s", hex);
		m->size = j.written;
		m->mtime = ft >= 0 ? ft : remote.mtime;
		snprintf(m->etag, sizeof m->etag, "%s", j.etag);
		snprintf(m->last_modified, sizeof m->last_modified, "%s", j.last_modified);
		snprintf(m->content_type, sizeof m->content_type, "%s", j.ctype);
		if (path) {
			if (rename(part, path) < 0) {
				rc = fail(o, err, DN_EIO, "cannot rename %s to %s: %s", part, path,
					  strerror(errno));
				rm_part(part);
				goto out;
			}
			rm_part(part);
		}
		rc = 1;
		goto out;
	}
out:
	if (j.hs)
		hasher_end(j.hs, NULL);
	if (j.fd >= 0)
		close(j.fd);
	return rc;
}

int dn_xfer_get(const char *url, const char *path, const struct dn_xfer_meta *prev,
		const struct dn_xfer_options *o, struct dn_xfer_meta *meta, struct dn_error *err)
{
	dn_xfer_meta_init(meta);
	return run(url, path, NULL, 0, prev, o, meta, err);
}

int dn_xfer_get_mem(const char *url, size_t max, const struct dn_xfer_options *o,
		    struct dn_buf *out, struct dn_xfer_meta *meta, struct dn_error *err)
{
	struct dn_xfer_meta m;
	dn_xfer_meta_init(&m);
	int rc = run(url, NULL, out, max, NULL, o, &m, err);
	if (meta)
		*meta = m;
	return rc < 0 ? rc : 0;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_url(char ***v, size_t *n, size_t *cap, const char *s, size_t len,
		   struct dn_error *err)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 32;
		char **nv = dn_realloc(*v, nc * sizeof *nv);
		if (!nv)
			return dn_error_set(err, DN_ENOMEM, "out of memory");
		*v = nv;
		*cap = nc;
	}
	if (!((*v)[*n] = dn_strndup(s, len)))
		return dn_error_set(err, DN_ENOMEM, "out of memory");
	(*n)++;
	return 0;
}

/* Percent-decode a name for matching (names in listings and links are URL-escaped). */
static void unescape(const char *s, size_t n, char *out, size_t cap)
{
	size_t k = 0;
	for (size_t i = 0; i < n && k + 1 < cap; i++) {
		if (s[i] == '%' && i + 2 < n && isxdigit((unsigned char)s[i + 1]) &&
		    isxdigit((unsigned char)s[i + 2])) {
			char hex[3] = {s[i + 1], s[i + 2], 0};
			out[k++] = (char)strtol(hex, NULL, 16);
			i += 2;
		} else {
			out[k++] = s[i];
		}
	}
	out[k] = 0;
}

int dn_xfer_list(const char *dir_url, const char *pattern, const struct dn_xfer_options *o,
		 char ***urls, size_t *n, struct dn_error *err)
{
	struct dn_buf body = DN_BUF_INIT;
	char shown[1024], name[1024];
	char **v = NULL, **links = NULL;
	size_t nv = 0, cap = 0, nlinks = 0;
	int rc = 0;
	*urls = NULL;
	*n = 0;
	dn_xfer_shown_url(dir_url, shown, sizeof shown);
	redact(o, shown);
	size_t dl = strlen(dir_url);
	if (!dl || dir_url[dl - 1] != '/')
		return fail(o, err, DN_EINVAL,
			    "%s: a folder to list must end with '/' (the files are matched by "
			    "pattern)",
			    shown);
	int http = !strncasecmp(dir_url, "http", 4);
	if (http) {
		struct dn_xfer_meta m;
		rc = dn_xfer_get_mem(dir_url, MAX_LISTING, o, &body, &m, err);
		if (rc == 0 && body.len && m.content_type[0] && !strstr(m.content_type, "html") &&
		    !strstr(m.content_type, "xml"))
			rc = fail(o, err, DN_EPARSE,
				  "%s: the listing is %s, not an HTML index page of links", shown,
				  m.content_type);
		if (rc == 0)
			rc = dn_html_links(body.data ? body.data : "", body.len, dir_url, &links,
					   &nlinks, err);
		for (size_t i = 0; rc == 0 && i < nlinks; i++) {
			const char *u = links[i];
			if (strncmp(u, dir_url, dl) != 0)
				continue;
			const char *rest = u + dl;
			size_t rl = strlen(rest);
			if (!rl || memchr(rest, '/', rl) || memchr(rest, '?', rl))
				continue;
			unescape(rest, rl, name, sizeof name);
			if (pattern && fnmatch(pattern, name, 0) != 0)
				continue;
			int dup = 0;
			for (size_t k = 0; k < nv && !dup; k++)
				dup = !strcmp(v[k], u);
			if (!dup)
				rc = add_url(&v, &nv, &cap, u, strlen(u), err);
		}
	} else {
		DN_TRY(check_url(dir_url, o, shown, err));
		struct job j;
		memset(&j, 0, sizeof j);
		j.fd = -1;
		j.o = o;
		j.mem = &body;
		j.mem_max = MAX_LISTING;
		snprintf(j.shown, sizeof j.shown, "%s", shown);
		char cerr[CURL_ERROR_SIZE];
		int retries = o->retries < 0 ? 3 : o->retries;
		for (int attempt = 0;; attempt++) {
			CURL *c = curl_easy_init();
			if (!c)
				return dn_error_set(err, DN_ENOMEM, "out of memory");
			dn_buf_reset(&body);
			j.written = 0;
			cerr[0] = 0;
			common_opts(c, o, &j, cerr);
			curl_easy_setopt(c, CURLOPT_URL, dir_url);
			curl_easy_setopt(c, CURLOPT_DIRLISTONLY, 1L);
			CURLcode cr = curl_easy_perform(c);
			curl_easy_cleanup(c);
			if (cr == CURLE_OK)
				break;
			if (j.stopped || !retriable(cr) || attempt >= retries) {
				rc = fail(o, err, DN_EIO, "listing %s: %s%s%s (after %d attempt%s)",
					  shown, curl_easy_strerror(cr), cerr[0] ? ": " : "", cerr,
					  attempt + 1, attempt ? "s" : "");
				break;
			}
			int64_t d = backoff_us(&j, attempt);
			logf_(o, "listing %s: %s; retry %d of %d in %.2f s", shown,
			      curl_easy_strerror(cr), attempt + 1, retries, (double)d / 1e6);
			if ((rc = wait_us(o, d, shown, err)) < 0)
				break;
		}
		const char *p = body.data ? body.data : "", *end = p + body.len;
		while (rc == 0 && p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
			const char *next = nl ? nl + 1 : end;
			while (len && (p[len - 1] == '\r' || p[len - 1] == ' '))
				len--;
			if (len && len < sizeof name && !(len == 1 && p[0] == '.') &&
			    !(len == 2 && p[0] == '.' && p[1] == '.') && !memchr(p, '/', len)) {
				memcpy(name, p, len);
				name[len] = 0;
				if (!pattern || fnmatch(pattern, name, 0) == 0) {
					struct dn_buf u = DN_BUF_INIT;
					char *esc = curl_easy_escape(NULL, name, (int)len);
					rc = esc ? dn_buf_printf(&u, err, "%s%s", dir_url, esc) :
						   DN_ENOMEM;
					curl_free(esc);
					if (rc == 0)
						rc = add_url(&v, &nv, &cap, u.data, u.len, err);
					dn_buf_release(&u);
				}
			}
			p = next;
		}
	}
	for (size_t i = 0; i < nlinks; i++)
		dn_free(links[i]);
	dn_free(links);
	dn_buf_release(&body);
	if (rc < 0) {
		for (size_t i = 0; i < nv; i++)
			dn_free(v[i]);
		dn_free(v);
		return rc;
	}
	if (nv)
		qsort(v, nv, sizeof *v, str_cmp);
	*urls = v;
	*n = nv;
	return 0;
}
