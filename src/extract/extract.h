/* extract: getting data from elsewhere. For now one thing: fetching a file by URL (http, https,
 * ftp, ftps, sftp, through libcurl) into a local file, so that every command and task that reads
 * a file also reads a URL. TLS certificates are verified; redirects are followed (at most 10);
 * an HTTP status of 400 or more is an error naming the status; the download lands atomically
 * (temporary file, then rename), so a failed fetch leaves nothing behind.
 *
 * Uses: core, data, formats (and libcurl). Thread safety: any thread; calls share nothing. */
#ifndef DN_EXTRACT_H
#define DN_EXTRACT_H

#include "../core/core.h"
#include "../data/data.h"
#include "../formats/formats.h"

/* Is s a URL this module fetches (http://, https://, ftp://, ftps://, sftp://)? */
int dn_extract_is_url(const char *s);

struct dn_fetch_options {
	long connect_timeout_ms; /* 0 = 30 s */
	long timeout_ms;         /* whole transfer; 0 = none (a stalled transfer still ends: below
				  * 1 byte/s for 60 s) */
	int retries;             /* extra attempts on network errors, 5xx and 429; -1 = 2 */
};

void dn_fetch_options_init(struct dn_fetch_options *o);

/* Fetch url into path (written atomically). *bytes (may be NULL) gets the size. Errors: DN_EIO
 * naming the URL (without any password in it) and the reason: unreachable host, TLS failure,
 * HTTP status, timeout; DN_EINVAL for a URL of another scheme. */
int dn_fetch_to_file(const char *url, const char *path, const struct dn_fetch_options *o,
		     int64_t *bytes, struct dn_error *err);

/* Fetch url into a new temporary file (in $TMPDIR, keeping the URL's file name so its extension
 * tells the format); *local gets its path (dn_free it; delete the file when done). */
int dn_fetch_to_temp(const char *url, const struct dn_fetch_options *o, char **local,
		     struct dn_error *err);

/* Fetch url and open a reader on it (format from the URL's file name unless fmt says). The
 * download is deleted as soon as the reader has it open; messages name the URL. */
int dn_extract_open_reader(const char *url, enum dn_format fmt, const struct dn_read_options *opt,
			   struct dn_reader **out, struct dn_error *err);

#endif
