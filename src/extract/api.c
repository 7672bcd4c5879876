/* Extracting records from REST and GraphQL APIs: see extract.h.
 *
 * One call walks the pages in order, one request at a time. Each request goes through the same
 * loop: wait for the rate bucket (and for any pause a server asked for), make sure an OAuth2
 * token is at hand, perform, then decide: success, retry (network error, 5xx, 429/503 after the
 * wait the server named), refresh the token once on a 401, or fail. Every response body is read
 * into memory under a ceiling and parsed whole as a JSON tree: API pages are small, and a tree
 * makes the records path, the cursor and the GraphQL pageInfo one lookup each. The selected
 * records are re-serialised compactly into the NDJSON result, whose own ceiling bounds the whole
 * extraction.
 *
 * Messages and log lines are built in a local buffer and passed through redact() before they
 * leave, which replaces every configured secret (and the OAuth2 access token) by "***". A curl
 * error text may quote the URL, which may hold an API key: it goes through the same step. */
#include <curl/curl.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "extract.h"

#define MAX_SECRETS 24

void dn_api_options_init(struct dn_api_options *o)
{
	memset(o, 0, sizeof *o);
	o->retries = -1;
}

void dn_api_result_release(struct dn_api_result *r)
{
	dn_buf_release(&r->ndjson);
	dn_free(r->bookmark);
	r->bookmark = NULL;
}

/* ---- pure helpers ---- */

static int is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* RFC 8288: link-value = "<" URI-Reference ">" *( OWS ";" OWS link-param ), values separated by
 * commas; link-param = token BWS [ "=" BWS ( token / quoted-string ) ]. A cursor scanner over
 * the whole value, so commas inside <...> or quoted strings do not split. */
int dn_api_link_next(const char *v, size_t n, struct dn_buf *out, struct dn_error *err)
{
	const char *p = v, *end = v + n;
	dn_buf_reset(out);
	for (;;) {
		while (p < end && (is_ows(*p) || *p == ','))
			p++;
		if (p == end)
			return 0;
		if (*p != '<')
			return dn_error_set(err, DN_EPARSE,
					    "Link header: expected '<' at offset %zu",
					    (size_t)(p - v));
		const char *u = ++p;
		while (p < end && *p != '>')
			p++;
		if (p == end)
			return dn_error_set(err, DN_EPARSE, "Link header: a '<' without '>'");
		const char *uend = p++;
		int next = 0;
		for (;;) {
			while (p < end && is_ows(*p))
				p++;
			if (p == end || *p == ',')
				break;
			if (*p != ';')
				return dn_error_set(err, DN_EPARSE,
						    "Link header: expected ';' or ',' at "
						    "offset %zu",
						    (size_t)(p - v));
			p++;
			while (p < end && is_ows(*p))
				p++;
			const char *name = p;
			while (p < end && *p != '=' && *p != ';' && *p != ',' && !is_ows(*p))
				p++;
			size_t nlen = (size_t)(p - name);
			if (!nlen)
				return dn_error_set(err, DN_EPARSE,
						    "Link header: a parameter without a name at "
						    "offset %zu",
						    (size_t)(p - v));
			while (p < end && is_ows(*p))
				p++;
			const char *val = NULL;
			size_t vlen = 0;
			char unq[512];
			if (p < end && *p == '=') {
				p++;
				while (p < end && is_ows(*p))
					p++;
				if (p < end && *p == '"') {
					p++;
					vlen = 0;
					while (p < end && *p != '"') {
						if (*p == '\\' && p + 1 < end)
							p++;
						if (vlen < sizeof unq - 1)
							unq[vlen++] = *p;
						p++;
					}
					if (p == end)
						return dn_error_set(err, DN_EPARSE,
								    "Link header: an unterminated "
								    "quoted string");
					p++;
					unq[vlen] = 0;
					val = unq;
				} else {
					val = p;
					while (p < end && *p != ';' && *p != ',' && !is_ows(*p))
						p++;
					vlen = (size_t)(p - val);
				}
			}
			if (nlen == 3 && !strncasecmp(name, "rel", 3) && val) {
				/* rel may list several relation types, separated by spaces. */
				const char *q = val, *qe = val + vlen;
				while (q < qe) {
					while (q < qe && is_ows(*q))
						q++;
					const char *w = q;
					while (q < qe && !is_ows(*q))
						q++;
					if (q - w == 4 && !strncasecmp(w, "next", 4))
						next = 1;
				}
			}
		}
		if (next && !out->len) {
			DN_TRY(dn_buf_append(out, u, (size_t)(uend - u), err));
			return 1;
		}
	}
}

int dn_api_retry_after(const char *v, size_t n, int64_t now_s, int64_t *delay_ms)
{
	char tmp[64];
	while (n && is_ows(*v))
		v++, n--;
	while (n && is_ows(v[n - 1]))
		n--;
	if (!n || n >= sizeof tmp)
		return DN_EPARSE;
	size_t digits = 0;
	while (digits < n && v[digits] >= '0' && v[digits] <= '9')
		digits++;
	if (digits == n) {
		int64_t s;
		if (dn_parse_i64(v, n, &s) < 0 || s < 0 || s > INT64_MAX / 1000)
			return DN_EPARSE;
		*delay_ms = s * 1000;
		return 0;
	}
	/* An HTTP date (IMF-fixdate, or the obsolete RFC 850 and asctime forms): libcurl parses
	 * all three. It needs a letter first: curl_getdate takes many shapes we do not want. */
	if (!((v[0] >= 'A' && v[0] <= 'Z') || (v[0] >= 'a' && v[0] <= 'z')))
		return DN_EPARSE;
	memcpy(tmp, v, n);
	tmp[n] = 0;
	time_t t = curl_getdate(tmp, NULL);
	if (t == (time_t)-1)
		return DN_EPARSE;
	/* curl_getdate accepts odd shapes that land centuries away: no server means those. */
	if ((int64_t)t <= now_s) {
		*delay_ms = 0;
		return 0;
	}
	if ((int64_t)t - now_s > 100LL * 366 * 86400)
		return DN_EPARSE;
	*delay_ms = ((int64_t)t - now_s) * 1000;
	return 0;
}

int dn_api_ratelimit_reset(const char *v, size_t n, int64_t now_s, int64_t *delay_ms)
{
	double d;
	while (n && is_ows(*v))
		v++, n--;
	while (n && is_ows(v[n - 1]))
		n--;
	if (!n || !(v[0] >= '0' && v[0] <= '9') || dn_parse_f64(v, n, &d) < 0 || !isfinite(d) ||
	    d < 0 || d > 1e13)
		return DN_EPARSE;
	if (d > 1e9)
		d = d > (double)now_s ? d - (double)now_s : 0;
	*delay_ms = (int64_t)ceil(d * 1000);
	return 0;
}

int dn_api_rate_parse(const char *s, double *per_s)
{
	const char *slash = strchr(s, '/');
	double n;
	if (!slash || dn_parse_f64(s, (size_t)(slash - s), &n) < 0 || !isfinite(n) || n <= 0)
		return DN_EPARSE;
	const char *u = slash + 1;
	if (!strcmp(u, "s") || !strcmp(u, "sec") || !strcmp(u, "second"))
		*per_s = n;
	else if (!strcmp(u, "m") || !strcmp(u, "min") || !strcmp(u, "minute"))
		*per_s = n / 60;
	else if (!strcmp(u, "h") || !strcmp(u, "hour"))
		*per_s = n / 3600;
	else
		return DN_EPARSE;
	return 0;
}

void dn_api_bucket_init(struct dn_api_bucket *b, double rate_per_s, int64_t now_us)
{
	b->rate = rate_per_s;
	b->tokens = 1;
	b->last_us = now_us;
}

int64_t dn_api_bucket_take(struct dn_api_bucket *b, int64_t now_us)
{
	if (b->rate <= 0)
		return 0;
	if (now_us > b->last_us) {
		b->tokens += (double)(now_us - b->last_us) * b->rate / 1e6;
		if (b->tokens > 1)
			b->tokens = 1;
		b->last_us = now_us;
	}
	if (b->tokens >= 1) {
		b->tokens -= 1;
		return 0;
	}
	int64_t wait = (int64_t)ceil((1 - b->tokens) * 1e6 / b->rate);
	return wait > 0 ? wait : 1;
}

const struct dn_jv *dn_api_select(const struct dn_jv *root, const char *path)
{
	const struct dn_jv *cur = root;
	const char *p = path;
	if (!p || !*p)
		return root;
	while (cur && *p) {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);
		const struct dn_jv *next = NULL;
		if (cur->kind == DN_JV_OBJ) {
			for (size_t i = 0; i < cur->n && !next; i++)
				if (strlen(cur->keys[i]) == len && !memcmp(cur->keys[i], p, len))
					next = &cur->items[i];
		} else if (cur->kind == DN_JV_ARR) {
			int64_t ix;
			if (len && p[0] >= '0' && p[0] <= '9' && dn_parse_i64(p, len, &ix) == 0 &&
			    (uint64_t)ix < cur->n)
				next = &cur->items[ix];
		}
		cur = next;
		p += len;
		if (*p == '.')
			p++;
	}
	return cur;
}

int dn_api_jv_write(struct dn_buf *out, const struct dn_jv *v, struct dn_error *err)
{
	switch (v->kind) {
	case DN_JV_NULL:
		return dn_buf_puts(out, "null", err);
	case DN_JV_BOOL:
		return dn_buf_puts(out, v->b ? "true" : "false", err);
	case DN_JV_NUM:
		return dn_buf_append(out, v->str, v->len, err);
	case DN_JV_STR:
		return dn_json_put_string(out, v->str, v->len, err);
	case DN_JV_ARR:
	case DN_JV_OBJ:
		if (v->lazy)
			return dn_buf_append(out, v->src, v->src_len, err);
		DN_TRY(dn_buf_putc(out, v->kind == DN_JV_ARR ? '[' : '{', err));
		for (size_t i = 0; i < v->n; i++) {
			if (i)
				DN_TRY(dn_buf_putc(out, ',', err));
			if (v->kind == DN_JV_OBJ) {
				DN_TRY(dn_json_put_string(out, v->keys[i], strlen(v->keys[i]),
							  err));
				DN_TRY(dn_buf_putc(out, ':', err));
			}
			DN_TRY(dn_api_jv_write(out, &v->items[i], err));
		}
		return dn_buf_putc(out, v->kind == DN_JV_ARR ? ']' : '}', err);
	}
	return 0;
}

/* A record as one NDJSON line: its own bytes from the page, with line breaks turned into
 * spaces (outside strings they can only be whitespace; inside, JSON escapes them). A record the
 * shallow parse only delimited (lazy) is checked first when it has line breaks, since a raw one
 * inside a string must stay an error. clean: the page's records hold no line break at all.
 * Copying is cheaper than writing the tree back out. */
static int put_record(struct dn_buf *out, const struct dn_jv *rec, int clean, struct dn_error *err)
{
	if (!rec->src)
		return dn_api_jv_write(out, rec, err);
	if (clean) /* no line breaks anywhere in the records: a plain copy */
		return dn_buf_append(out, rec->src, rec->src_len, err);
	if (rec->lazy &&
	    (memchr(rec->src, '\n', rec->src_len) || memchr(rec->src, '\r', rec->src_len))) {
		/* Unchecked text with line breaks: only outside strings may they become spaces
		 * (inside one a raw line break is an error the JSON reader must still see). */
		struct dn_arena ar;
		struct dn_jv *v;
		dn_arena_init(&ar, 0);
		int rc = dn_jv_parse(&ar, "record", rec->src, rec->src_len, &v, err);
		dn_arena_release(&ar);
		DN_TRY(rc);
	}
	size_t at = out->len;
	DN_TRY(dn_buf_append(out, rec->src, rec->src_len, err));
	char *q = out->data + at, *end = out->data + out->len;
	for (char *nl; (nl = memchr(q, '\n', (size_t)(end - q))); q = nl + 1)
		*nl = ' ';
	for (q = out->data + at; (q = memchr(q, '\r', (size_t)(end - q))); q++)
		*q = ' ';
	return 0;
}

static int number_text(const char *s, double *d)
{
	size_t n = strlen(s);
	return n && ((s[0] >= '0' && s[0] <= '9') || s[0] == '-') && dn_parse_f64(s, n, d) == 0;
}

int dn_api_bookmark_cmp(const char *a, const char *b)
{
	double x, y;
	if (number_text(a, &x) && number_text(b, &y))
		return x < y ? -1 : x > y;
	return strcmp(a, b);
}

static const char *kind_name(const struct dn_jv *v)
{
	static const char *const names[] = {"null",   "boolean", "number",
					    "string", "array",   "object"};
	return names[v->kind];
}

/* ---- the client ---- */

struct api {
	const struct dn_api_options *o;
	const char *secrets[MAX_SECRETS];
	int nsecrets;
	struct dn_api_bucket bucket;
	int64_t pause_until_us; /* monotonic: a server said to wait (X-RateLimit-Remaining: 0) */
	char *access_token;     /* oauth2 */
	int64_t token_expires_us;
	uint64_t rng;
	char *escaped[MAX_SECRETS]; /* URL-encoded forms of secrets that have one (owned) */
	int nescaped;
	int64_t page; /* 1-based, for messages */
	struct dn_api_result *res;
	size_t sent;            /* bytes of records given to o->records_cb */
	struct dn_buf page_buf; /* a page's records for o->records_cb */
	CURL *curl; /* one handle for the whole extraction: its connections stay open between
		     * pages (keep-alive, TLS sessions), as a browser's would */
};

struct resp {
	long status;
	struct dn_buf body;
	struct dn_buf link, retry_after, reset, remaining, ctype;
	int too_big;
};

static void resp_release(struct resp *r)
{
	dn_buf_release(&r->body);
	dn_buf_release(&r->link);
	dn_buf_release(&r->retry_after);
	dn_buf_release(&r->reset);
	dn_buf_release(&r->remaining);
	dn_buf_release(&r->ctype);
}

/* Replace every secret in text by ***, in place (the result is never longer). */
static void redact(const struct api *a, char *text)
{
	for (int i = 0; i < a->nsecrets; i++) {
		const char *s = a->secrets[i];
		size_t n = strlen(s);
		char *hit;
		while ((hit = strstr(text, s)) != NULL) {
			size_t rest = strlen(hit + n);
			memcpy(hit, "***", 3);
			memmove(hit + 3, hit + n, rest + 1);
		}
	}
}

static void add_secret(struct api *a, const char *s)
{
	/* Very short values would blank out ordinary words; they are not worth a secret's name. */
	if (s && strlen(s) >= 3 && a->nsecrets < MAX_SECRETS)
		a->secrets[a->nsecrets++] = s;
}

static void logf_(struct api *a, const char *fmt, ...) DN_PRINTF(2, 3);
static void logf_(struct api *a, const char *fmt, ...)
{
	char line[2048];
	if (!a->o->log)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	redact(a, line);
	a->o->log(a->o->log_user, line);
}

/* Set err (code, message from fmt) with the message redacted. */
static int fail(struct api *a, struct dn_error *err, int code, const char *fmt, ...)
	DN_PRINTF(4, 5);
static int fail(struct api *a, struct dn_error *err, int code, const char *fmt, ...)
{
	char msg[DN_ERROR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	redact(a, msg);
	return dn_error_set(err, code, "%s", msg);
}

/* Redact the message already in err (from a lower function that saw a secret-bearing text). */
static int refail(struct api *a, struct dn_error *err, int code)
{
	if (err) {
		redact(a, err->msg);
	}
	return code;
}

static size_t on_body(char *p, size_t size, size_t n, void *user)
{
	struct resp *r = user;
	if (dn_buf_append(&r->body, p, size * n, NULL) < 0) {
		r->too_big = 1;
		return 0;
	}
	return size * n;
}

static void keep_header(struct dn_buf *b, const char *v, size_t n)
{
	if (n > 8192)
		return; /* not a value we trust */
	if (b->len)     /* repeated Link headers are one list */
		dn_buf_puts(b, ", ", NULL);
	dn_buf_append(b, v, n, NULL);
}

static size_t on_header(char *p, size_t size, size_t n, void *user)
{
	struct resp *r = user;
	size_t len = size * n, nl, vl;
	const char *name, *v;
	int kind = dn_http_header_line(p, len, &name, &nl, &v, &vl);
	if (kind == 0) {
		/* A new response (after a redirect or a 100): forget the previous one's headers. */
		dn_buf_reset(&r->link);
		dn_buf_reset(&r->retry_after);
		dn_buf_reset(&r->reset);
		dn_buf_reset(&r->remaining);
		dn_buf_reset(&r->ctype);
		return len;
	}
	if (kind < 0)
		return len;
#define HDR(s) (nl == sizeof s - 1 && !strncasecmp(name, s, nl))
	if (HDR("link"))
		keep_header(&r->link, v, vl);
	else if (HDR("retry-after")) {
		dn_buf_reset(&r->retry_after);
		keep_header(&r->retry_after, v, vl);
	} else if (HDR("x-ratelimit-reset") || HDR("ratelimit-reset") ||
		   HDR("x-rate-limit-reset")) {
		dn_buf_reset(&r->reset);
		keep_header(&r->reset, v, vl);
	} else if (HDR("x-ratelimit-remaining") || HDR("ratelimit-remaining") ||
		   HDR("x-rate-limit-remaining")) {
		dn_buf_reset(&r->remaining);
		keep_header(&r->remaining, v, vl);
	} else if (HDR("content-type")) {
		dn_buf_reset(&r->ctype);
		keep_header(&r->ctype, v, vl);
	}
#undef HDR
	return len;
}

/* Wait us microseconds in steps, so a stop request is seen within 100 ms: 0, or DN_EIO with
 * the message set when stopped. */
static int wait_us(struct api *a, int64_t us, struct dn_error *err)
{
	for (;;) {
		if (a->o->stop && a->o->stop(a->o->stop_user))
			return dn_error_set(err, DN_EIO, "stopped while extracting page %lld",
					    (long long)a->page);
		if (us <= 0)
			return 0;
		int64_t step = us > 100000 ? 100000 : us;
		usleep((useconds_t)step);
		us -= step;
	}
}

static uint64_t rnd(struct api *a)
{
	/* xorshift64*: jitter needs spread, not secrecy. */
	a->rng ^= a->rng >> 12;
	a->rng ^= a->rng << 25;
	a->rng ^= a->rng >> 27;
	return a->rng * 0x2545F4914F6CDD1DULL;
}

/* The delay before retry number `attempt` (0-based): backoff * 2^attempt, of which a random
 * half is jitter ("equal jitter"), at most 60 s. */
static int64_t backoff_us(struct api *a, int attempt)
{
	int64_t base = (a->o->backoff_ms > 0 ? a->o->backoff_ms : 500) * 1000;
	for (int i = 0; i < attempt && base < 60000000; i++)
		base *= 2;
	if (base > 60000000)
		base = 60000000;
	return base / 2 + (int64_t)(rnd(a) % (uint64_t)(base / 2 + 1));
}

/* One HTTP exchange. url is the full URL; form != NULL posts a form, json != NULL posts JSON.
 * Returns the CURLcode; the response in *r. */
static CURLcode perform(struct api *a, const char *url, const char *json, const char *form,
			int with_auth, struct resp *r, char *cerr)
{
	const struct dn_api_options *o = a->o;
	struct curl_slist *hl = NULL;
	struct dn_buf h = DN_BUF_INIT;
	if (a->curl)
		curl_easy_reset(a->curl); /* options go, the connection cache stays */
	else if (!(a->curl = curl_easy_init()))
		return CURLE_OUT_OF_MEMORY;
	CURL *c = a->curl;
	dn_buf_reset(&r->body);
	r->body.max = o->max_response_bytes ? o->max_response_bytes : (size_t)64 << 20;
	r->too_big = 0;
	r->status = 0;
	/* Headers we keep have their own ceilings; past them the extra text is dropped. */
	r->link.max = 64 << 10;
	r->retry_after.max = r->reset.max = r->remaining.max = r->ctype.max = 1024;
	cerr[0] = 0;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 30000L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(o->timeout_ms > 0 ? o->timeout_ms : 60000));
	curl_easy_setopt(c, CURLOPT_USERAGENT, "dunya/" DN_VERSION);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	hl = curl_slist_append(hl, "Accept: application/json");
	if (with_auth) {
		for (int i = 0; i < o->nheaders; i++) {
			dn_buf_reset(&h);
			dn_buf_printf(&h, NULL, "%s: %s", o->headers[i].key, o->headers[i].value);
			if (h.data)
				hl = curl_slist_append(hl, h.data);
		}
		const char *bearer = o->auth == DN_API_AUTH_BEARER ? o->token :
				     o->auth == DN_API_AUTH_OAUTH2 ? a->access_token :
								     NULL;
		if (bearer) {
			dn_buf_reset(&h);
			dn_buf_printf(&h, NULL, "Authorization: Bearer %s", bearer);
			if (h.data)
				hl = curl_slist_append(hl, h.data);
		}
		if (o->auth == DN_API_AUTH_API_KEY && o->key_header && o->key_header[0]) {
			dn_buf_reset(&h);
			dn_buf_printf(&h, NULL, "%s: %s", o->key_header,
				      o->key_value ? o->key_value : "");
			if (h.data)
				hl = curl_slist_append(hl, h.data);
		}
		if (o->auth == DN_API_AUTH_BASIC) {
			curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
			curl_easy_setopt(c, CURLOPT_USERNAME, o->username ? o->username : "");
			curl_easy_setopt(c, CURLOPT_PASSWORD, o->password ? o->password : "");
			/* Only to the host asked: a redirect elsewhere gets no password. */
			curl_easy_setopt(c, CURLOPT_UNRESTRICTED_AUTH, 0L);
		}
	}
	if (json) {
		hl = curl_slist_append(hl, "Content-Type: application/json");
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, json);
	} else if (form) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, form);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	CURLcode rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	/* The header list must not outlive the handle's use of it. */
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(hl);
	dn_buf_release(&h);
	return rc;
}

static int retriable(CURLcode rc)
{
	return rc == CURLE_COULDNT_CONNECT || rc == CURLE_OPERATION_TIMEDOUT ||
	       rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR || rc == CURLE_PARTIAL_FILE ||
	       rc == CURLE_GOT_NOTHING || rc == CURLE_COULDNT_RESOLVE_HOST;
}

static void url_escape_append(struct dn_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
			dn_buf_putc(b, (char)ch, NULL);
		} else {
			dn_buf_putc(b, '%', NULL);
			dn_buf_putc(b, hex[ch >> 4], NULL);
			dn_buf_putc(b, hex[ch & 15], NULL);
		}
	}
}

static void add_param(struct dn_buf *b, const char *k, const char *v)
{
	dn_buf_putc(b, strchr(b->data ? b->data : "", '?') ? '&' : '?', NULL);
	url_escape_append(b, k);
	dn_buf_putc(b, '=', NULL);
	url_escape_append(b, v);
}

/* Get an OAuth2 access token by the client-credentials grant (RFC 6749 4.4). */
static int fetch_token(struct api *a, struct dn_error *err)
{
	const struct dn_api_options *o = a->o;
	struct dn_buf form = DN_BUF_INIT;
	struct resp r;
	struct dn_arena ar;
	char cerr[CURL_ERROR_SIZE];
	int rc = 0;
	memset(&r, 0, sizeof r);
	dn_arena_init(&ar, 0);
	dn_buf_puts(&form, "grant_type=client_credentials&client_id=", NULL);
	url_escape_append(&form, o->client_id ? o->client_id : "");
	dn_buf_puts(&form, "&client_secret=", NULL);
	url_escape_append(&form, o->client_secret ? o->client_secret : "");
	if (o->scope && o->scope[0]) {
		dn_buf_puts(&form, "&scope=", NULL);
		url_escape_append(&form, o->scope);
	}
	if (!form.data) {
		rc = dn_error_set(err, DN_ENOMEM, "out of memory");
		goto out;
	}
	for (int attempt = 0;; attempt++) {
		CURLcode cr = perform(a, o->token_url, NULL, form.data, 0, &r, cerr);
		int retries = o->retries < 0 ? 3 : o->retries;
		if (attempt < retries && (retriable(cr) || (cr == CURLE_OK && r.status >= 500))) {
			if ((rc = wait_us(a, backoff_us(a, attempt), err)) < 0)
				goto out;
			continue;
		}
		if (cr != CURLE_OK) {
			rc = fail(a, err, DN_EIO, "getting an OAuth2 token from %s: %s%s%s",
				  o->token_url, curl_easy_strerror(cr), cerr[0] ? ": " : "", cerr);
			goto out;
		}
		if (r.status >= 400) {
			rc = fail(a, err, DN_EIO,
				  "getting an OAuth2 token from %s: the server answered HTTP %ld%s",
				  o->token_url, r.status,
				  r.status == 400 || r.status == 401 ?
					  " (check client_id, client_secret and scope)" :
					  "");
			goto out;
		}
		break;
	}
	struct dn_jv *doc;
	if (dn_jv_parse(&ar, o->token_url, r.body.data ? r.body.data : "", r.body.len, &doc, err) <
	    0) {
		rc = refail(a, err, DN_EPARSE);
		dn_error_prefix(err, "the OAuth2 token response: ");
		goto out;
	}
	const char *tok = dn_jv_str(dn_jv_get(doc, "access_token"));
	if (!tok || !tok[0]) {
		rc = fail(a, err, DN_EPARSE,
			  "the OAuth2 token response from %s has no access_token", o->token_url);
		goto out;
	}
	int64_t exp = 3600;
	const struct dn_jv *e = dn_jv_get(doc, "expires_in");
	if (e && e->kind == DN_JV_NUM)
		exp = (int64_t)e->num;
	else if (e && e->kind == DN_JV_STR)
		dn_parse_i64(e->str, e->len, &exp);
	/* The old token leaves the list of secrets with its memory: nothing uses it any more. */
	for (int i = 0; a->access_token && i < a->nsecrets; i++)
		if (a->secrets[i] == a->access_token)
			a->secrets[i--] = a->secrets[--a->nsecrets];
	dn_free(a->access_token);
	a->access_token = dn_strdup(tok);
	if (!a->access_token) {
		rc = dn_error_set(err, DN_ENOMEM, "out of memory");
		goto out;
	}
	/* Refresh a little early, so a token does not expire between the check and its use. */
	a->token_expires_us = dn_monotonic_us() + (exp > 30 ? exp - 10 : exp) * 1000000;
	if (a->nsecrets < MAX_SECRETS)
		a->secrets[a->nsecrets++] = a->access_token;
	logf_(a, "oauth2: got a token from %s (expires in %lld s)", o->token_url, (long long)exp);
out:
	resp_release(&r);
	dn_buf_release(&form);
	dn_arena_release(&ar);
	return rc;
}

/* One request with waits, retries and the OAuth2 refresh. */
static int request(struct api *a, const char *url, const char *json, struct resp *r,
		   struct dn_error *err)
{
	const struct dn_api_options *o = a->o;
	char cerr[CURL_ERROR_SIZE];
	int retries = o->retries < 0 ? 3 : o->retries;
	int64_t max_wait_us = (o->max_wait_ms > 0 ? o->max_wait_ms : 300000) * 1000;
	int refreshed = 0;
	for (int attempt = 0;;) {
		if (o->auth == DN_API_AUTH_OAUTH2 &&
		    (!a->access_token || dn_monotonic_us() >= a->token_expires_us))
			DN_TRY(fetch_token(a, err));
		int64_t now = dn_monotonic_us();
		if (a->pause_until_us > now)
			DN_TRY(wait_us(a, a->pause_until_us - now, err));
		int64_t w;
		while ((w = dn_api_bucket_take(&a->bucket, dn_monotonic_us())) > 0)
			DN_TRY(wait_us(a, w, err));
		a->res->requests++;
		CURLcode cr = perform(a, url, json, NULL, 1, r, cerr);
		if (cr == CURLE_WRITE_ERROR && r->too_big)
			return fail(a, err, DN_ELIMIT,
				    "%s (page %lld): the response is larger than %zu bytes "
				    "(max_response_bytes)",
				    url, (long long)a->page, r->body.max);
		if (cr != CURLE_OK) {
			if (retriable(cr) && attempt < retries) {
				int64_t d = backoff_us(a, attempt);
				logf_(a, "%s (page %lld): %s; retry %d of %d in %.2f s", url,
				      (long long)a->page, curl_easy_strerror(cr), attempt + 1,
				      retries, (double)d / 1e6);
				DN_TRY(wait_us(a, d, err));
				attempt++;
				continue;
			}
			return fail(a, err, DN_EIO, "%s (page %lld): %s%s%s (after %d attempt%s)",
				    url, (long long)a->page, curl_easy_strerror(cr),
				    cerr[0] ? ": " : "", cerr, attempt + 1, attempt ? "s" : "");
		}
		int64_t now_s = dn_now_us() / 1000000, delay_ms = -1;
		if (r->status == 401 && o->auth == DN_API_AUTH_OAUTH2 && !refreshed) {
			logf_(a, "%s (page %lld): HTTP 401; getting a new token", url,
			      (long long)a->page);
			a->token_expires_us = 0;
			refreshed = 1;
			continue;
		}
		if (r->status == 429 || r->status == 503) {
			if (r->retry_after.len &&
			    dn_api_retry_after(r->retry_after.data, r->retry_after.len, now_s,
					       &delay_ms) < 0)
				delay_ms = -1;
			if (delay_ms < 0 && r->reset.len &&
			    dn_api_ratelimit_reset(r->reset.data, r->reset.len, now_s, &delay_ms) <
				    0)
				delay_ms = -1;
			int64_t d = delay_ms >= 0 ? delay_ms * 1000 : backoff_us(a, attempt);
			if (attempt >= retries)
				return fail(a, err, DN_EIO,
					    "%s (page %lld): the server answered HTTP %ld after %d "
					    "attempt%s (raise retries or lower rate_limit)",
					    url, (long long)a->page, r->status, attempt + 1,
					    attempt ? "s" : "");
			if (d > max_wait_us)
				return fail(a, err, DN_EIO,
					    "%s (page %lld): the server answered HTTP %ld and asks "
					    "to wait %.0f s, more than max_wait (%.0f s)",
					    url, (long long)a->page, r->status, (double)d / 1e6,
					    (double)max_wait_us / 1e6);
			logf_(a, "%s (page %lld): HTTP %ld; waiting %.2f s (retry %d of %d)", url,
			      (long long)a->page, r->status, (double)d / 1e6, attempt + 1, retries);
			DN_TRY(wait_us(a, d, err));
			attempt++;
			continue;
		}
		if (r->status >= 500) {
			if (attempt < retries) {
				int64_t d = backoff_us(a, attempt);
				logf_(a, "%s (page %lld): HTTP %ld; retry %d of %d in %.2f s", url,
				      (long long)a->page, r->status, attempt + 1, retries,
				      (double)d / 1e6);
				DN_TRY(wait_us(a, d, err));
				attempt++;
				continue;
			}
			return fail(
				a, err, DN_EIO,
				"%s (page %lld): the server answered HTTP %ld after %d attempt%s",
				url, (long long)a->page, r->status, attempt + 1,
				attempt ? "s" : "");
		}
		if (r->status >= 400)
			return fail(a, err, DN_EIO,
				    "%s (page %lld): the server answered HTTP %ld%s", url,
				    (long long)a->page, r->status,
				    r->status == 404 ? " (not found)" :
				    r->status == 401 || r->status == 403 ?
						       " (check the credentials)" :
						       "");
		/* A server that says its quota is spent gets left alone until it resets. */
		if (r->remaining.len == 1 && r->remaining.data[0] == '0' && r->reset.len &&
		    dn_api_ratelimit_reset(r->reset.data, r->reset.len, now_s, &delay_ms) == 0 &&
		    delay_ms > 0) {
			if (delay_ms * 1000 > max_wait_us)
				delay_ms = max_wait_us / 1000;
			a->pause_until_us = dn_monotonic_us() + delay_ms * 1000;
			logf_(a, "%s: rate limit quota spent; pausing %.2f s", url,
			      (double)delay_ms / 1000);
		}
		return 0;
	}
}

/* The body of a GraphQL request: {"query": q, "variables": {vars..., param: cursor}}. */
static int graphql_body(struct api *a, struct dn_arena *ar, const char *cursor, struct dn_buf *b,
			struct dn_error *err)
{
	const struct dn_api_options *o = a->o;
	const char *param = o->param && o->param[0] ? o->param : "after";
	dn_buf_reset(b);
	DN_TRY(dn_buf_puts(b, "{\"query\":", err));
	DN_TRY(dn_json_put_string(b, o->graphql_query, strlen(o->graphql_query), err));
	DN_TRY(dn_buf_puts(b, ",\"variables\":{", err));
	int n = 0;
	if (o->graphql_variables && o->graphql_variables[0]) {
		struct dn_jv *vars;
		DN_TRY(dn_jv_parse(ar, "graphql variables", o->graphql_variables,
				   strlen(o->graphql_variables), &vars, err));
		if (vars->kind != DN_JV_OBJ)
			return dn_error_set(err, DN_EINVAL, "graphql variables must be a mapping");
		for (size_t i = 0; i < vars->n; i++) {
			if (cursor && !strcmp(vars->keys[i], param))
				continue;
			if (n++)
				DN_TRY(dn_buf_putc(b, ',', err));
			DN_TRY(dn_json_put_string(b, vars->keys[i], strlen(vars->keys[i]), err));
			DN_TRY(dn_buf_putc(b, ':', err));
			DN_TRY(dn_api_jv_write(b, &vars->items[i], err));
		}
	}
	if (cursor) {
		if (n++)
			DN_TRY(dn_buf_putc(b, ',', err));
		DN_TRY(dn_json_put_string(b, param, strlen(param), err));
		DN_TRY(dn_buf_putc(b, ':', err));
		DN_TRY(dn_json_put_string(b, cursor, strlen(cursor), err));
	}
	return dn_buf_puts(b, "}}", err);
}

/* A value as text for a cursor or a bookmark: strings as they are, numbers as written, other
 * kinds as JSON. NULL for null. */
static char *value_text(const struct dn_jv *v)
{
	if (!v || v->kind == DN_JV_NULL)
		return NULL;
	if (v->kind == DN_JV_STR || v->kind == DN_JV_NUM)
		return dn_strndup(v->str, v->len);
	struct dn_buf b = DN_BUF_INIT;
	dn_api_jv_write(&b, v, NULL);
	return dn_buf_take(&b, NULL);
}

/* Parse a page and append its records; *count gets their number. */
static int take_page(struct api *a, const char *url, struct resp *r, struct dn_arena *ar,
		     struct dn_jv **doc, int64_t *count, struct dn_error *err)
{
	const struct dn_api_options *o = a->o;
	const char *body = r->body.data ? r->body.data : "";
	size_t i = 0;
	while (i < r->body.len &&
	       (body[i] == ' ' || body[i] == '\n' || body[i] == '\r' || body[i] == '\t'))
		i++;
	if (r->body.len == 0)
		return fail(a, err, DN_EPARSE, "%s (page %lld): the response is empty, not JSON",
			    url, (long long)a->page);
	if (body[i] == '<' || (r->ctype.len && strstr(r->ctype.data, "html")))
		return fail(a, err, DN_EPARSE,
			    "%s (page %lld): the response is HTML, not JSON (Content-Type %s; "
			    "check the URL)",
			    url, (long long)a->page, r->ctype.len ? r->ctype.data : "not given");
	/* Records go on as their own bytes, and the JSON reader checks them: here they are only
	 * delimited, unless a bookmark needs their values. */
	int lazy = 0;
	if (!(o->bookmark_field && o->bookmark_field[0])) {
		lazy = 1;
		for (const char *q = o->records; q && *q; q++)
			lazy += *q == '.';
		lazy += o->records && o->records[0];
	}
	if (dn_jv_parse_shallow(ar, "response", body, r->body.len, lazy, doc, err) < 0) {
		char inner[DN_ERROR_MSG_MAX + 64];
		if (err && err->line > 0)
			snprintf(inner, sizeof inner, "line %lld, column %lld: %s",
				 (long long)err->line, (long long)err->column, err->msg);
		else
			snprintf(inner, sizeof inner, "%s", err ? err->msg : "malformed JSON");
		return fail(a, err, DN_EPARSE,
			    "%s (page %lld): the response is not valid JSON (%.600s)", url,
			    (long long)a->page, inner);
	}
	if (o->graphql_query) {
		const struct dn_jv *errs = dn_jv_get(*doc, "errors");
		if (errs && errs->kind == DN_JV_ARR && errs->n) {
			const char *m = dn_jv_str(dn_jv_get(&errs->items[0], "message"));
			return fail(a, err, DN_EIO, "%s (page %lld): GraphQL error: %s", url,
				    (long long)a->page, m ? m : "(no message)");
		}
	}
	const struct dn_jv *recs = dn_api_select(*doc, o->records);
	if (!recs)
		return fail(a, err, DN_EPARSE,
			    "%s (page %lld): the response has nothing at the records path '%s'",
			    url, (long long)a->page, o->records);
	if (recs->kind != DN_JV_ARR) {
		if (!o->records || !o->records[0])
			return fail(a, err, DN_EPARSE,
				    "%s (page %lld): the response is a%s %s, not an array of "
				    "records: say where the records are with `records: PATH`",
				    url, (long long)a->page, recs->kind == DN_JV_OBJ ? "n" : "",
				    kind_name(recs));
		return fail(a, err, DN_EPARSE,
			    "%s (page %lld): the records path '%s' holds a%s %s, not an array", url,
			    (long long)a->page, o->records, recs->kind == DN_JV_OBJ ? "n" : "",
			    kind_name(recs));
	}
	for (size_t k = 0; k < recs->n; k++) {
		const struct dn_jv *rec = &recs->items[k];
		if (rec->kind != DN_JV_OBJ)
			return fail(a, err, DN_EPARSE,
				    "%s (page %lld): record %zu is a%s %s, not an object", url,
				    (long long)a->page, k + 1, rec->kind == DN_JV_ARR ? "n" : "",
				    kind_name(rec));
	}
	/* Records as NDJSON: to the callback a page at a time, or all of them in the result. */
	struct dn_buf *out = o->records_cb ? &a->page_buf : &a->res->ndjson;
	if (o->records_cb) {
		dn_buf_reset(out);
		size_t left = a->res->ndjson.max - a->sent;
		out->max = left ? left : 1; /* 0 would mean no ceiling */
		/* NDJSON is never longer than the array's text plus a newline a record. */
		if (recs->src && recs->src_len + recs->n < left)
			DN_TRY(dn_buf_reserve(out, recs->src_len + recs->n, err));
	}
	int clean = recs->src && !memchr(recs->src, '\n', recs->src_len) &&
		    !memchr(recs->src, '\r', recs->src_len);
	for (size_t k = 0; k < recs->n; k++) {
		const struct dn_jv *rec = &recs->items[k];
		int rc = put_record(out, rec, clean, err);
		if (rc == 0)
			rc = dn_buf_putc(out, '\n', err);
		if (rc == DN_EPARSE && err) {
			char inner[DN_ERROR_MSG_MAX + 64];
			snprintf(inner, sizeof inner, "line %lld, column %lld: %s",
				 (long long)err->line, (long long)err->column, err->msg);
			return fail(a, err, DN_EPARSE,
				    "%s (page %lld): record %zu is not valid JSON (%.600s)", url,
				    (long long)a->page, k + 1, inner);
		}
		if (rc < 0)
			return rc == DN_ELIMIT ? fail(a, err, DN_ELIMIT,
						      "%s (page %lld): the records pass %zu bytes "
						      "(max_total_bytes)",
						      url, (long long)a->page, a->res->ndjson.max) :
						 rc;
		if (o->bookmark_field && o->bookmark_field[0]) {
			char *bv = value_text(dn_api_select(rec, o->bookmark_field));
			if (bv &&
			    (!a->res->bookmark || dn_api_bookmark_cmp(bv, a->res->bookmark) > 0)) {
				dn_free(a->res->bookmark);
				a->res->bookmark = bv;
			} else {
				dn_free(bv);
			}
		}
	}
	if (o->records_cb && recs->n) {
		a->sent += out->len;
		int rc = o->records_cb(o->records_user, out, a->page, err);
		if (rc < 0)
			return refail(a, err, rc);
	}
	*count = (int64_t)recs->n;
	a->res->records += (int64_t)recs->n;
	return 0;
}

/* Resolve a Link target against the URL it came with. */
static int resolve(struct api *a, const char *base, const char *ref, char **out,
		   struct dn_error *err)
{
	CURLU *h = curl_url();
	char *s = NULL;
	int rc = 0;
	if (!h)
		return dn_error_set(err, DN_ENOMEM, "out of memory");
	if (curl_url_set(h, CURLUPART_URL, base, 0) != CURLUE_OK ||
	    curl_url_set(h, CURLUPART_URL, ref, 0) != CURLUE_OK ||
	    curl_url_get(h, CURLUPART_URL, &s, 0) != CURLUE_OK)
		rc = fail(a, err, DN_EPARSE,
			  "%s (page %lld): the Link header's next URL '%s' is "
			  "not a URL",
			  base, (long long)a->page, ref);
	else if (strncasecmp(s, "http://", 7) && strncasecmp(s, "https://", 8))
		rc = fail(a, err, DN_EPARSE,
			  "%s (page %lld): the Link header's next URL '%s' is not http or https",
			  base, (long long)a->page, s);
	else if (!(*out = dn_strdup(s)))
		rc = dn_error_set(err, DN_ENOMEM, "out of memory");
	curl_free(s);
	curl_url_cleanup(h);
	return rc;
}

int dn_api_extract(const struct dn_api_options *o, struct dn_api_result *res, struct dn_error *err)
{
	struct api a;
	struct dn_buf url = DN_BUF_INIT, body = DN_BUF_INIT;
	struct dn_arena ar;
	struct resp r;
	char *cursor = NULL, *next_url = NULL;
	int rc = 0;
	memset(&a, 0, sizeof a);
	memset(&r, 0, sizeof r);
	dn_arena_init(&ar, 0);
	a.o = o;
	a.res = res;
	a.rng = (uint64_t)dn_monotonic_us() * 2654435761u ^ (uint64_t)getpid() ^
		0x9E3779B97F4A7C15ULL;
	res->ndjson.max = o->max_total_bytes ? o->max_total_bytes : (size_t)1 << 30;
	add_secret(&a, o->token);
	add_secret(&a, o->password);
	add_secret(&a, o->key_value);
	add_secret(&a, o->client_secret);
	for (int i = 0; i < o->nsecrets && i < 8; i++)
		add_secret(&a, o->secrets[i]);
	/* A secret sent in a query string appears URL-encoded in the URLs we show. */
	for (int i = 0, n = a.nsecrets; i < n; i++) {
		struct dn_buf e = DN_BUF_INIT;
		url_escape_append(&e, a.secrets[i]);
		if (e.data && strcmp(e.data, a.secrets[i]) && a.nsecrets < MAX_SECRETS) {
			a.escaped[a.nescaped] = dn_buf_take(&e, NULL);
			a.secrets[a.nsecrets++] = a.escaped[a.nescaped++];
		}
		dn_buf_release(&e);
	}
	dn_api_bucket_init(&a.bucket, o->rate_per_s, dn_monotonic_us());
	if (o->bookmark_prev && o->bookmark_prev[0] &&
	    !(res->bookmark = dn_strdup(o->bookmark_prev))) {
		rc = dn_error_set(err, DN_ENOMEM, "out of memory");
		goto out;
	}
	if (!o->url || !dn_extract_is_url(o->url) ||
	    (strncasecmp(o->url, "http://", 7) && strncasecmp(o->url, "https://", 8))) {
		rc = fail(&a, err, DN_EINVAL, "'%s' is not an http or https URL",
			  o->url ? o->url : "");
		goto out;
	}
	if (o->auth == DN_API_AUTH_OAUTH2 &&
	    (!o->token_url || (strncasecmp(o->token_url, "http://", 7) &&
			       strncasecmp(o->token_url, "https://", 8)))) {
		rc = dn_error_set(err, DN_EINVAL, "oauth2: token_url is not an http or https URL");
		goto out;
	}
	if ((rc = dn_extract_curl_init(err)) < 0)
		goto out;
	int graphql = o->graphql_query != NULL;
	const char *param = o->param && o->param[0]           ? o->param :
			    o->paging == DN_API_PAGING_PAGE   ? "page" :
			    o->paging == DN_API_PAGING_OFFSET ? "offset" :
								"cursor";
	const char *limit_param = o->limit_param && o->limit_param[0] ? o->limit_param : "limit";
	int64_t limit = o->limit > 0 ? o->limit : 100;
	int64_t max_pages = o->max_pages > 0 ? o->max_pages : 1000;
	int64_t pageno = o->start ? o->start : 1, offset = 0;
	for (a.page = 1;; a.page++) {
		if ((rc = wait_us(&a, 0, err)) < 0)
			goto out;
		if (a.page > max_pages) {
			if (o->max_pages_ok) {
				logf_(&a, "stopped at max_pages (%lld)", (long long)max_pages);
				break;
			}
			rc = fail(&a, err, DN_ELIMIT,
				  "%s: more than max_pages (%lld) pages; raise max_pages, or set "
				  "max_pages_ok: true to keep the first %lld",
				  o->url, (long long)max_pages, (long long)max_pages);
			goto out;
		}
		dn_arena_reset(&ar);
		dn_buf_reset(&url);
		if (next_url) {
			dn_buf_puts(&url, next_url, NULL);
		} else {
			dn_buf_puts(&url, o->url, NULL);
			for (int i = 0; i < o->nquery; i++)
				if (o->query[i].value && o->query[i].value[0])
					add_param(&url, o->query[i].key, o->query[i].value);
			if (o->paging == DN_API_PAGING_PAGE) {
				char n[32];
				snprintf(n, sizeof n, "%lld", (long long)pageno);
				add_param(&url, param, n);
			} else if (o->paging == DN_API_PAGING_OFFSET) {
				char n[32];
				snprintf(n, sizeof n, "%lld", (long long)offset);
				add_param(&url, param, n);
				snprintf(n, sizeof n, "%lld", (long long)limit);
				add_param(&url, limit_param, n);
			} else if (o->paging == DN_API_PAGING_CURSOR && cursor && !graphql) {
				add_param(&url, param, cursor);
			}
		}
		if (o->auth == DN_API_AUTH_API_KEY && o->key_query && o->key_query[0])
			add_param(&url, o->key_query, o->key_value ? o->key_value : "");
		if (!url.data) {
			rc = dn_error_set(err, DN_ENOMEM, "out of memory");
			goto out;
		}
		const char *json = NULL;
		if (graphql) {
			if ((rc = graphql_body(&a, &ar, cursor, &body, err)) < 0)
				goto out;
			json = body.data;
		} else if (o->post) {
			json = o->body && o->body[0] ? o->body : "{}";
		}
		if ((rc = request(&a, url.data, json, &r, err)) < 0)
			goto out;
		struct dn_jv *doc = NULL;
		int64_t count = 0;
		if ((rc = take_page(&a, url.data, &r, &ar, &doc, &count, err)) < 0)
			goto out;
		res->pages++;
		logf_(&a, "page %lld: %s %s: HTTP %ld, %lld record%s", (long long)a.page,
		      json ? "POST" : "GET", url.data, r.status, (long long)count,
		      count == 1 ? "" : "s");
		if (o->paging == DN_API_PAGING_NONE || count == 0)
			break;
		if (o->paging == DN_API_PAGING_PAGE) {
			pageno++;
		} else if (o->paging == DN_API_PAGING_OFFSET) {
			offset += count;
			if (count < limit)
				break;
		} else if (o->paging == DN_API_PAGING_CURSOR) {
			char *nc = NULL;
			if (graphql) {
				const struct dn_jv *pi = dn_api_select(doc, o->cursor_path);
				const struct dn_jv *has = dn_jv_get(pi, "hasNextPage");
				if (!pi || pi->kind != DN_JV_OBJ) {
					rc = fail(&a, err, DN_EPARSE,
						  "%s (page %lld): no pageInfo object at '%s'",
						  url.data, (long long)a.page,
						  o->cursor_path ? o->cursor_path : "");
					goto out;
				}
				if (has && has->kind == DN_JV_BOOL && has->b)
					nc = value_text(dn_jv_get(pi, "endCursor"));
			} else {
				nc = value_text(dn_api_select(doc, o->cursor_path));
			}
			if (!nc || !nc[0]) {
				dn_free(nc);
				break;
			}
			if (cursor && !strcmp(cursor, nc)) {
				dn_free(nc);
				rc = fail(&a, err, DN_EPARSE,
					  "%s (page %lld): the server returned the same cursor "
					  "again; stopping rather than looping",
					  url.data, (long long)a.page);
				goto out;
			}
			dn_free(cursor);
			cursor = nc;
		} else if (o->paging == DN_API_PAGING_LINK) {
			struct dn_buf nb = DN_BUF_INIT;
			int found = r.link.len ?
					    dn_api_link_next(r.link.data, r.link.len, &nb, err) :
					    0;
			if (found < 0) {
				char inner[DN_ERROR_MSG_MAX];
				snprintf(inner, sizeof inner, "%s", err ? err->msg : "malformed");
				dn_buf_release(&nb);
				rc = fail(&a, err, found, "%s (page %lld): %s", url.data,
					  (long long)a.page, inner);
				goto out;
			}
			if (!found) {
				dn_buf_release(&nb);
				break;
			}
			char *resolved = NULL;
			rc = resolve(&a, url.data, nb.data, &resolved, err);
			dn_buf_release(&nb);
			if (rc < 0)
				goto out;
			dn_free(next_url);
			next_url = resolved;
		}
	}
out:
	resp_release(&r);
	dn_buf_release(&url);
	dn_buf_release(&body);
	dn_arena_release(&ar);
	dn_free(cursor);
	dn_free(next_url);
	dn_free(a.access_token);
	if (a.curl)
		curl_easy_cleanup(a.curl);
	dn_buf_release(&a.page_buf);
	for (int i = 0; i < a.nescaped; i++)
		dn_free(a.escaped[i]);
	return rc;
}
