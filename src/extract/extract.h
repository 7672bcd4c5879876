/* extract: getting data from elsewhere. Two things: fetching a file by URL (http, https, ftp,
 * ftps, sftp, through libcurl) into a local file, so that every command and task that reads a
 * file also reads a URL (fetch.c); and extracting records from a REST or GraphQL API, page by
 * page, with auth, pagination, rate limits and retries (api.c, below); file transfers with
 * resume and change detection (transfer.c), HTML links and XPath records (html.c), robots.txt
 * (robots.c) and a polite crawler (scrape.c), each below. Fetching: TLS
 * certificates are verified; redirects are followed (at most 10); an HTTP status of 400 or more
 * is an error naming the status; the download lands atomically (temporary file, then rename), so
 * a failed fetch leaves nothing behind.
 *
 * Uses: core, data, formats (and libcurl, libxml2). Thread safety: any thread; calls share
 * nothing but libcurl's process-wide start-up (dn_extract_curl_init). */
#ifndef DN_EXTRACT_H
#define DN_EXTRACT_H

#include "../core/core.h"
#include "../data/data.h"
#include "../formats/formats.h"

/* Is s a URL this module fetches (http://, https://, ftp://, ftps://, sftp://)? */
int dn_extract_is_url(const char *s);

/* Start libcurl once per process (every transfer of this module calls it first). Returns 0 or
 * DN_EIO naming libcurl's reason. */
int dn_extract_curl_init(struct dn_error *err);

/* One line as libcurl's header callback gives it: 0 for a status line ("HTTP/1.1 200 OK"),
 * which starts a new response (after a redirect or a 100); 1 for "Name: value", with the name
 * in *name, *nlen and the value without surrounding spaces or the line end in *value, *vlen;
 * -1 for anything else. */
int dn_http_header_line(const char *p, size_t len, const char **name, size_t *nlen,
			const char **value, size_t *vlen);

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
	/* Called with each page's records as NDJSON in *records (one object a line, each its own
	 * bytes from the page), instead of collecting them all in the result's ndjson; it may take
	 * the buffer's memory (dn_buf_take). A negative return stops the extraction with that
	 * error. May be NULL. */
	int (*records_cb)(void *user, struct dn_buf *records, int64_t page, struct dn_error *err);
	void *records_user;
};

void dn_api_options_init(struct dn_api_options *o);

struct dn_api_result {
	struct dn_buf ndjson; /* the records, one JSON object a line (without o->records) */
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

/* ---------------------------------------------------------------------------------------------
 * File transfers (transfer.c): one file by URL over http, https, ftp, ftps or sftp into a local
 * file, with what the server says about it; and the names in a remote folder. A download goes
 * to PATH.part first and is renamed to PATH only when complete, so PATH is never partial. A
 * .part left by an interrupted try (or run) is resumed with a range request: HTTP sends If-Range
 * with the validator the partial body came with (kept in PATH.part.v), so a changed file starts
 * over; FTP and SFTP resume by offset when the remote size and time still match.
 *
 * Every request retries network errors, 5xx, 429 and 503 with exponential backoff and jitter
 * (429 and 503 wait as Retry-After says, up to max_wait). TLS certificates are verified unless
 * `insecure`; SFTP host keys are checked against known_hosts or a SHA-256 fingerprint, and a
 * transfer with neither is refused unless `insecure`.
 *
 * Nothing here is global; each call uses its own curl handle. Thread safety: any thread. */
struct dn_xfer_options {
	const char *username, *password; /* NULL = those in the URL, if any */
	const char *ssh_private_key;     /* sftp: a key file instead of a password */
	const char *ssh_public_key;      /* NULL = libcurl derives it */
	const char *ssh_passphrase;      /* of the private key */
	const char *known_hosts;         /* sftp: an OpenSSH known_hosts file */
	const char *host_key_sha256;     /* sftp: base64 SHA-256 of the host key */
	const char *ca_file;             /* extra CA bundle for TLS */
	int insecure;                    /* no TLS or host key verification */
	int ftp_tls;                     /* ftp://: 0 AUTH TLS when offered, 1 required, -1 never */
	int64_t connect_timeout_ms;      /* 0 = 30 s */
	int64_t timeout_ms;              /* one transfer; 0 = none (stalls still end) */
	int64_t stall_ms;                /* below 1 byte/s this long fails; 0 = 60 s */
	int retries;                     /* retries of one transfer; -1 = 3 */
	int64_t backoff_ms;              /* first retry delay, doubling; 0 = 500 ms */
	int64_t max_wait_ms;             /* longest Retry-After accepted; 0 = 5 min */
	int64_t max_bytes;               /* one file; 0 = none */
	const char *user_agent;          /* NULL = "dunya/VERSION" */
	const char *secrets[8];          /* texts to redact from messages and logs */
	int nsecrets;
	int (*stop)(void *user); /* polled in waits and transfers; may be NULL */
	void *stop_user;
	void (*log)(void *user, const char *line); /* may be NULL */
	void *log_user;
};

void dn_xfer_options_init(struct dn_xfer_options *o);

/* What is known of a remote file. Texts are "" when the server did not say. */
struct dn_xfer_meta {
	int64_t size;           /* bytes; -1 unknown */
	int64_t mtime;          /* Unix seconds (Last-Modified or the remote time); -1 unknown */
	char etag[256];         /* as sent, quotes included */
	char last_modified[64]; /* as sent */
	char content_type[128];
	char sha256[65];  /* of the bytes downloaded */
	int64_t requests; /* made for this file, retries included */
	int resumed;      /* the download went on from a .part */
};

void dn_xfer_meta_init(struct dn_xfer_meta *m);

/* Download url to path (see above). prev (may be NULL) is what the last download saw: with an
 * ETag or Last-Modified, HTTP asks If-None-Match / If-Modified-Since, and a 304 means
 * unchanged; FTP and SFTP compare the remote size and time first and skip an unchanged file.
 * Returns 1 (downloaded; *meta filled), 0 (unchanged: nothing written, *meta = prev with the
 * requests counted), or DN_EIO (HTTP status, network, TLS, host key, retries or waits used up,
 * stopped), DN_ELIMIT (max_bytes), DN_EINVAL (a scheme not listed). Messages name the URL with
 * secrets redacted. */
int dn_xfer_get(const char *url, const char *path, const struct dn_xfer_meta *prev,
		const struct dn_xfer_options *o, struct dn_xfer_meta *meta, struct dn_error *err);

/* Fetch url into out (up to max bytes; more is DN_ELIMIT), with the same retries. *meta (may
 * be NULL) gets the headers' facts. */
int dn_xfer_get_mem(const char *url, size_t max, const struct dn_xfer_options *o,
		    struct dn_buf *out, struct dn_xfer_meta *meta, struct dn_error *err);

/* The files in the remote folder dir_url (ending in '/') whose names match the glob pattern
 * (fnmatch; NULL = all): FTP and SFTP list names; HTTP reads the index page and takes its links
 * to names directly inside the folder. *urls gets their full URLs, sorted (free each and the
 * array). A listing that fails (404, not a folder) is an error naming it. */
int dn_xfer_list(const char *dir_url, const char *pattern, const struct dn_xfer_options *o,
		 char ***urls, size_t *n, struct dn_error *err);

/* The URL as it may be shown: a password in it becomes ***. */
void dn_xfer_shown_url(const char *url, char *out, size_t cap);

/* ---------------------------------------------------------------------------------------------
 * HTML (html.c, libxml2's HTML parser and XPath). Pages are parsed leniently, as browsers do. */

/* Links of a page (href of a and area elements), resolved against base_url, fragments dropped,
 * in page order (repeats kept). *urls: free each and the array. */
int dn_html_links(const char *html, size_t n, const char *base_url, char ***urls, size_t *nurls,
		  struct dn_error *err);

/* Records of a page: the nodes the XPath `records` selects, each one record whose fields are
 * the string values of the relative XPaths fields[i].value (the first node's text, spaces
 * collapsed; an href or src attribute resolved against base_url; a number or string result as
 * it is; no match: null). Appends one JSON object a line to out; *count gets how many. A bad
 * XPath is DN_EINVAL naming it. */
int dn_html_records(const char *html, size_t n, const char *base_url, const char *records,
		    const struct dn_api_kv *fields, int nfields, const char *url_field,
		    struct dn_buf *out, int64_t *count, struct dn_error *err);

/* Check an XPath expression compiles: 0 or DN_EINVAL with libxml2's reason. */
int dn_html_xpath_check(const char *xpath, struct dn_error *err);

/* ---------------------------------------------------------------------------------------------
 * robots.txt (robots.c), RFC 9309: the groups whose user-agent lines name the crawler's product
 * token (case-insensitive) are combined, else those of '*'; a path is allowed unless the
 * longest matching rule (in octets; '*' matches any run of characters, a final '$' anchors the
 * end) is a Disallow; on a tie Allow wins; no rule matching means allowed; /robots.txt is
 * always allowed. Crawl-delay (not in the RFC, widely used) is taken from the chosen groups.
 * At most DN_ROBOTS_MAX_BYTES are parsed; lines that are not rules are ignored. */
#define DN_ROBOTS_MAX_BYTES (512 * 1024)

struct dn_robots_rule {
	char *pattern;
	int allow;
};

struct dn_robots {
	struct dn_robots_rule *rules;
	size_t n;
	double crawl_delay; /* seconds; -1 when none */
};

/* Parse text for the crawler whose User-Agent is agent (its product token is the text before
 * the first '/' or space). r must be zeroed; release it in every case. 0 or DN_ENOMEM. */
int dn_robots_parse(struct dn_robots *r, const char *text, size_t n, const char *agent,
		    struct dn_error *err);
/* Everything allowed (no rules) or everything disallowed: for 4xx and 5xx robots.txt answers. */
int dn_robots_set_all(struct dn_robots *r, int allow, struct dn_error *err);
void dn_robots_release(struct dn_robots *r);
/* Is path (with its query, starting with '/') allowed? 1 or 0. */
int dn_robots_allowed(const struct dn_robots *r, const char *path);
/* Does a robots pattern match path? 1 or 0 (exposed for tests). */
int dn_robots_match(const char *pattern, const char *path);

/* ---------------------------------------------------------------------------------------------
 * Scraping (scrape.c): a polite crawl from seed URLs, breadth first, within allowed hosts and
 * URL patterns, depth and page limits; robots.txt obeyed per host (fetched once); a delay
 * between two requests to one host (the larger of `delay` and the host's Crawl-delay); records
 * extracted from pages with XPath (dn_html_records) and returned as NDJSON like an API's. */
#define DN_SCRAPE_MAX_LIST 32

struct dn_scrape_options {
	const char *seeds[DN_SCRAPE_MAX_LIST];
	int nseeds;
	const char *hosts[DN_SCRAPE_MAX_LIST]; /* hosts to stay on; none = the seeds' hosts */
	int nhosts;
	const char *follow[DN_SCRAPE_MAX_LIST]; /* POSIX extended regexes: follow only URLs matching
						 * one (none = all within the hosts) */
	int nfollow;
	const char *deny[DN_SCRAPE_MAX_LIST]; /* never fetch URLs matching one */
	int ndeny;
	const char *extract;    /* regex: only pages whose URL matches give records; NULL = all */
	int max_depth;          /* links followed from a seed; -1 = 2 */
	int64_t max_pages;      /* pages fetched at most (robots.txt not counted); 0 = 100 */
	int64_t delay_ms;       /* between two requests to one host; -1 = 1000 ms */
	int ignore_robots;      /* never the default */
	const char *user_agent; /* NULL = "dunya/VERSION (+https://dunya.dev/bot)" */
	const char *records;    /* XPath selecting record nodes; NULL = no records */
	struct dn_api_kv fields[DN_SCRAPE_MAX_LIST]; /* name -> relative XPath */
	int nfields;
	const char *url_field;       /* a field holding the page URL; NULL = none */
	size_t max_page_bytes;       /* 0 = 16 MiB */
	struct dn_xfer_options xfer; /* timeouts, retries, TLS, stop, log */
};

void dn_scrape_options_init(struct dn_scrape_options *o);

struct dn_scrape_result {
	struct dn_buf ndjson;
	int64_t records, pages, skipped_robots, requests;
};

void dn_scrape_result_release(struct dn_scrape_result *r);

/* Crawl. res must be zeroed; release it in every case. Errors: DN_EINVAL (bad options, a bad
 * regex or XPath), DN_EIO (a seed that cannot be fetched, stopped), DN_ELIMIT. A page other
 * than a seed that fails (404, not HTML) is logged and skipped. */
int dn_scrape(const struct dn_scrape_options *o, struct dn_scrape_result *res,
	      struct dn_error *err);

#endif
