/* extract: getting data from elsewhere. Two things: fetching a file by URL (http, https, ftp,
 * ftps, sftp, through libcurl) into a local file, so that every command and task that reads a
 * file also reads a URL (fetch.c); and extracting records from a REST or GraphQL API, page by
 * page, with auth, pagination, rate limits and retries (api.c, below). Fetching: TLS
 * certificates are verified; redirects are followed (at most 10); an HTTP status of 400 or more
 * is an error naming the status; the download lands atomically (temporary file, then rename), so
 * a failed fetch leaves nothing behind.
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

/* ---------------------------------------------------------------------------------------------
 * REST and GraphQL APIs (api.c). dn_api_extract requests page after page of an API and collects
 * the records of every page as NDJSON text (one object per line, as the server sent it), which
 * the caller reads with the NDJSON reader (so nested objects become dotted columns) and commits
 * in one go: a failure on any page returns an error and leaves nothing to commit.
 *
 * Requests keep to a rate (a token bucket of one token on the monotonic clock, so two requests
 * are never closer than 1/rate), wait out 429 and 503 answers as Retry-After (seconds or an HTTP
 * date) or X-RateLimit-Reset say, pause when X-RateLimit-Remaining reaches 0, and retry network
 * errors and 5xx answers with exponential backoff and jitter, a bounded number of times.
 *
 * Secrets (token, password, API key, client secret, the OAuth2 access token) never appear in
 * messages or log lines: every text this part produces passes through one redaction step.
 *
 * Nothing here is global; a call uses its own curl handles. Thread safety: any thread. */
enum dn_api_auth {
	DN_API_AUTH_NONE = 0,
	DN_API_AUTH_BEARER,  /* Authorization: Bearer token */
	DN_API_AUTH_BASIC,   /* username, password */
	DN_API_AUTH_API_KEY, /* key_value in header key_header or query param key_query */
	DN_API_AUTH_OAUTH2,  /* client credentials: token_url, client_id, client_secret, scope */
};

enum dn_api_paging {
	DN_API_PAGING_NONE = 0,
	DN_API_PAGING_PAGE,   /* param = start, start + 1, ... until an empty page */
	DN_API_PAGING_OFFSET, /* param = 0, limit, 2 * limit ... and limit_param = limit */
	DN_API_PAGING_CURSOR, /* param = the value at cursor_path of the previous page */
	DN_API_PAGING_LINK,   /* the URL of the Link header's rel="next" */
};

#define DN_API_MAX_KV 32

struct dn_api_kv {
	const char *key, *value;
};

struct dn_api_options {
	const char *url;
	int post;                              /* POST instead of GET */
	struct dn_api_kv query[DN_API_MAX_KV]; /* added to the URL; empty values left out */
	int nquery;
	struct dn_api_kv headers[DN_API_MAX_KV];
	int nheaders;
	const char *body;              /* POST body (sent as application/json); NULL = none */
	const char *graphql_query;     /* GraphQL: POST {"query", "variables"} */
	const char *graphql_variables; /* a JSON object's text, or NULL */
	const char *records;           /* dotted path to the records array; NULL = the top level */

	enum dn_api_auth auth;
	const char *token;                              /* bearer */
	const char *username, *password;                /* basic */
	const char *key_header, *key_query, *key_value; /* api_key (one of header, query) */
	const char *token_url, *client_id, *client_secret, *scope; /* oauth2 */

	enum dn_api_paging paging;
	const char *param;       /* page/offset/cursor param (GraphQL cursor: the variable name);
				  * NULL = "page", "offset", "cursor" ("after" for GraphQL) */
	int64_t start;           /* page: the first page number (default 1 when 0) */
	const char *limit_param; /* offset: NULL = "limit" */
	int64_t limit;           /* offset: records per page; 0 = 100 */
	const char *cursor_path; /* cursor: where the next cursor is (REST), or where the
				  * pageInfo {endCursor, hasNextPage} object is (GraphQL) */
	int64_t max_pages;       /* 0 = 1000 */
	int max_pages_ok;        /* stop quietly at max_pages instead of failing */

	double rate_per_s;         /* most requests per second; 0 = no limit */
	int retries;               /* retries of one request; -1 = 3 */
	int64_t backoff_ms;        /* the first retry's delay; 0 = 500 ms, doubling */
	int64_t max_wait_ms;       /* longest wait a server may ask for; 0 = 5 min */
	int64_t timeout_ms;        /* one request; 0 = 60 s */
	size_t max_response_bytes; /* 0 = 64 MiB */
	size_t max_total_bytes;    /* all records together; 0 = 1 GiB */

	const char *secrets[8]; /* more texts to redact (e.g. secrets substituted into the URL) */
	int nsecrets;

	const char *bookmark_field; /* dotted path in each record; NULL = none */
	const char *bookmark_prev;  /* the bookmark so far (kept when no record has a larger one) */

	/* Polled between pages and every 100 ms of a wait; nonzero ends the extraction with
	 * DN_EIO "stopped". May be NULL. */
	int (*stop)(void *user);
	void *stop_user;

	/* Called with each line worth logging (already redacted); may be NULL. */
	void (*log)(void *user, const char *line);
	void *log_user;
};

void dn_api_options_init(struct dn_api_options *o);

struct dn_api_result {
	struct dn_buf ndjson; /* the records, one JSON object a line */
	int64_t records;
	int64_t pages;
	int64_t requests; /* to the API, retries included (token requests not counted) */
	char *bookmark;   /* the largest bookmark value (bookmark_prev included), or NULL */
};

void dn_api_result_release(struct dn_api_result *r);

/* Extract every page. res must be zeroed; release it in every case. Errors: DN_EIO naming the
 * URL (redacted) and the page (HTTP status, network error, retries or waits used up), DN_EPARSE
 * for a response that is not JSON or whose records are not an array of objects, DN_ELIMIT for
 * max_pages (unless max_pages_ok) and the byte ceilings, DN_EINVAL for bad options. */
int dn_api_extract(const struct dn_api_options *o, struct dn_api_result *res, struct dn_error *err);

/* The parts below are pure functions, public so that tests and fuzzers reach them. */

/* The rel="next" target of an RFC 8288 Link header value (n bytes, not NUL-terminated), copied
 * into out (reset first): 1 found, 0 not found, DN_EPARSE for a malformed value, DN_ENOMEM. */
int dn_api_link_next(const char *v, size_t n, struct dn_buf *out, struct dn_error *err);

/* Retry-After (delta seconds or an HTTP date) as a delay in ms from now_s (Unix seconds; a date
 * in the past is 0): 0, or DN_EPARSE. */
int dn_api_retry_after(const char *v, size_t n, int64_t now_s, int64_t *delay_ms);

/* X-RateLimit-Reset style values: seconds to wait, or (above 10^9) the Unix time of the reset;
 * fractions allowed. 0, or DN_EPARSE. */
int dn_api_ratelimit_reset(const char *v, size_t n, int64_t now_s, int64_t *delay_ms);

/* "N/s", "N/second", "N/m", "N/min", "N/minute" (N may have a fraction) as requests per
 * second: 0 or DN_EPARSE. */
int dn_api_rate_parse(const char *s, double *per_s);

/* A token bucket holding at most one token, refilled at rate tokens per second on a monotonic
 * clock: dn_api_bucket_take takes the token and returns 0, or returns how many µs to wait before
 * asking again. So requests are at least 1/rate apart and never exceed the rate in any window
 * longer than 1/rate. */
struct dn_api_bucket {
	double rate;
	double tokens;
	int64_t last_us;
};

void dn_api_bucket_init(struct dn_api_bucket *b, double rate_per_s, int64_t now_us);
int64_t dn_api_bucket_take(struct dn_api_bucket *b, int64_t now_us);

/* The node at a dotted path ("data.items", "a.0.b": a number indexes an array); path NULL or ""
 * is root. NULL when absent. */
const struct dn_jv *dn_api_select(const struct dn_jv *root, const char *path);

/* Append v as compact JSON text. */
int dn_api_jv_write(struct dn_buf *out, const struct dn_jv *v, struct dn_error *err);

/* Compare two bookmark values: numerically when both are numbers, else as text (ISO-8601 times
 * of one format sort as text). <0, 0, >0. */
int dn_api_bookmark_cmp(const char *a, const char *b);

#endif
