/* Fetching a file by URL with libcurl: see extract.h. */
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "extract.h"

static const char *const schemes[] = {"http://", "https://", "ftp://", "ftps://", "sftp://"};

int dn_extract_is_url(const char *s)
{
	for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++)
		if (!strncasecmp(s, schemes[i], strlen(schemes[i])))
			return 1;
	return 0;
}

void dn_fetch_options_init(struct dn_fetch_options *o)
{
	memset(o, 0, sizeof *o);
	o->retries = -1;
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static CURLcode init_rc;

static void init(void)
{
	init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int dn_http_header_line(const char *p, size_t len, const char **name, size_t *nlen,
			const char **value, size_t *vlen)
{
	if (len >= 5 && !strncmp(p, "HTTP/", 5))
		return 0;
	const char *colon = memchr(p, ':', len);
	if (!colon)
		return -1;
	const char *v = colon + 1;
	size_t n = len - (size_t)(v - p);
	while (n && (*v == ' ' || *v == '\t'))
		v++, n--;
	while (n && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	*name = p;
	*nlen = (size_t)(colon - p);
	*value = v;
	*vlen = n;
	return 1;
}

int dn_extract_curl_init(struct dn_error *err)
{
	pthread_once(&once, init);
	if (init_rc != CURLE_OK)
		return dn_error_set(err, DN_EIO, "cannot start libcurl: %s",
				    curl_easy_strerror(init_rc));
	return 0;
}

static size_t on_data(char *p, size_t size, size_t n, void *user)
{
	FILE *f = user;
	return fwrite(p, size, n, f);
}

int dn_fetch_to_file(const char *url, const char *path, const struct dn_fetch_options *opt,
		     int64_t *bytes, struct dn_error *err)
{
	struct dn_fetch_options o;
	char shown[1024], cerr[CURL_ERROR_SIZE];
	if (opt)
		o = *opt;
	else
		dn_fetch_options_init(&o);
	int retries = o.retries < 0 ? 2 : o.retries;
	dn_xfer_shown_url(url, shown, sizeof shown);
	if (bytes)
		*bytes = 0;
	if (!dn_extract_is_url(url))
		return dn_error_set(err, DN_EINVAL,
				    "'%s' is not an http, https, ftp, ftps or sftp URL", shown);
	DN_TRY(dn_extract_curl_init(err));
	for (int attempt = 0;; attempt++) {
		struct dn_afile f = {0};
		DN_TRY(dn_afile_open(&f, path, err));
		CURL *c = curl_easy_init();
		if (!c) {
			dn_afile_abort(&f);
			return dn_error_set(err, DN_ENOMEM, "out of memory starting a download");
		}
		cerr[0] = 0;
		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, f.fp);
		curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
		curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
		curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
		curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https,ftp,ftps,sftp");
		curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https,ftp,ftps,sftp");
		curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
				 o.connect_timeout_ms > 0 ? o.connect_timeout_ms : 30000L);
		if (o.timeout_ms > 0)
			curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, o.timeout_ms);
		curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
		curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
		curl_easy_setopt(c, CURLOPT_USERAGENT, "dunya/" DN_VERSION);
		CURLcode rc = curl_easy_perform(c);
		long status = 0;
		curl_off_t got = 0;
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		curl_easy_getinfo(c, CURLINFO_SIZE_DOWNLOAD_T, &got);
		curl_easy_cleanup(c);
		int http = !strncasecmp(url, "http", 4);
		int again = attempt < retries &&
			    (rc == CURLE_COULDNT_CONNECT || rc == CURLE_OPERATION_TIMEDOUT ||
			     rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR ||
			     rc == CURLE_PARTIAL_FILE || rc == CURLE_GOT_NOTHING ||
			     (rc == CURLE_OK && http && (status >= 500 || status == 429)));
		if (rc == CURLE_OK && (!http || status < 400)) {
			int crc = dn_afile_commit(&f, err);
			if (crc == 0 && bytes)
				*bytes = (int64_t)got;
			return crc;
		}
		dn_afile_abort(&f);
		if (again) {
			usleep((useconds_t)(250000u << attempt));
			continue;
		}
		if (rc == CURLE_OK)
			return dn_error_set(err, DN_EIO,
					    "fetching %s: the server answered HTTP %ld%s", shown,
					    status,
					    status == 404 ? " (not found)" :
					    status == 401 || status == 403 ?
							    " (check the credentials)" :
							    "");
		return dn_error_set(err, DN_EIO, "fetching %s: %s%s%s (after %d attempt%s)", shown,
				    curl_easy_strerror(rc), cerr[0] ? ": " : "", cerr, attempt + 1,
				    attempt ? "s" : "");
	}
}

int dn_fetch_to_temp(const char *url, const struct dn_fetch_options *o, char **local,
		     struct dn_error *err)
{
	*local = NULL;
	const char *t = getenv("TMPDIR");
	struct dn_buf dir = DN_BUF_INIT, path = DN_BUF_INIT;
	int rc = dn_buf_printf(&dir, err, "%s/dunya-fetch-XXXXXX", t && *t ? t : "/tmp");
	if (rc == 0 && !mkdtemp(dir.data))
		rc = dn_error_set(err, DN_EIO, "cannot create a folder for the download: %s",
				  strerror(errno));
	/* The last path segment of the URL, without query or fragment, names the file. */
	const char *sep = strstr(url, "://");
	const char *p = sep ? strchr(sep + 3, '/') : NULL;
	const char *name = "download";
	size_t nlen = strlen(name);
	if (p) {
		size_t end = strcspn(p, "?#");
		const char *last = p;
		for (const char *q = p; q < p + end; q++)
			if (*q == '/')
				last = q + 1;
		if (last < p + end && (size_t)(p + end - last) < 200) {
			name = last;
			nlen = (size_t)(p + end - last);
		}
	}
	if (rc == 0)
		rc = dn_buf_printf(&path, err, "%s/%.*s", dir.data, (int)nlen, name);
	if (rc == 0 && (strstr(path.data + dir.len, "/..") || strstr(path.data + dir.len, "/.")))
		rc = dn_buf_printf(&path, err, "%s/download", dir.data) < 0 ? DN_ENOMEM : 0;
	if (rc == 0)
		rc = dn_fetch_to_file(url, path.data, o, NULL, err);
	if (rc < 0) {
		if (dir.data)
			rmdir(dir.data);
		dn_buf_release(&dir);
		dn_buf_release(&path);
		return rc;
	}
	dn_buf_release(&dir);
	*local = dn_buf_take(&path, NULL);
	return 0;
}

int dn_extract_open_reader(const char *url, enum dn_format fmt, const struct dn_read_options *opt,
			   struct dn_reader **out, struct dn_error *err)
{
	char shown[1024];
	char *local = NULL;
	struct dn_read_options o;
	*out = NULL;
	if (opt)
		o = *opt;
	else
		dn_read_options_init(&o);
	dn_xfer_shown_url(url, shown, sizeof shown);
	DN_TRY(dn_fetch_to_temp(url, NULL, &local, err));
	if (fmt == DN_FORMAT_UNKNOWN)
		fmt = dn_format_from_path(local, o.delimiter ? NULL : &o.delimiter);
	if (fmt == DN_FORMAT_UNKNOWN) {
		int rc = dn_error_set(err, DN_EUSAGE,
				      "%s: cannot tell the format from the URL; name it with "
				      "--from csv|tsv|ndjson|json",
				      shown);
		unlink(local);
		char *slash = strrchr(local, '/');
		*slash = 0;
		rmdir(local);
		dn_free(local);
		return rc;
	}
	o.display_name = shown;
	int rc = dn_reader_open(out, local, fmt, &o, err);
	/* The reader holds the file open: the name can go now, so nothing is left behind. */
	unlink(local);
	char *slash = strrchr(local, '/');
	*slash = 0;
	rmdir(local);
	dn_free(local);
	return rc;
}
