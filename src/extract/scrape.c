/* A polite crawler: see extract.h.
 *
 * Breadth first from the seeds with a FIFO of (URL, depth); a URL is queued once (a hash set of
 * the URLs seen, fragments dropped). Before the first page of a host its robots.txt is fetched
 * and kept for the crawl (a 4xx answer allows everything, a 5xx or a network error disallows
 * everything, as RFC 9309 says). Every request to a host, robots.txt included, waits until the
 * host's delay has passed since the previous one, measured on the monotonic clock. Pages are
 * fetched one at a time: a crawl is bound by politeness, not by bandwidth, and one connection
 * at a time is what a site's owner expects from a well-behaved bot. */
#include <regex.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "extract.h"

#define DEFAULT_UA "dunya/" DN_VERSION " (+https://dunya.dev/bot)"
#define MAX_QUEUE 1000000
#define MAX_HOSTS 256

void dn_scrape_options_init(struct dn_scrape_options *o)
{
	memset(o, 0, sizeof *o);
	o->max_depth = -1;
	o->delay_ms = -1;
	dn_xfer_options_init(&o->xfer);
}

void dn_scrape_result_release(struct dn_scrape_result *r)
{
	dn_buf_release(&r->ndjson);
}

struct host {
	char name[256];
	int have_robots;
	struct dn_robots robots;
	int64_t last_us; /* monotonic: when the last request to it started (0 = none) */
};

struct item {
	char *url;
	int depth;
};

struct crawl {
	const struct dn_scrape_options *o;
	struct dn_scrape_result *res;
	struct dn_xfer_options xo;
	regex_t follow[DN_SCRAPE_MAX_LIST], deny[DN_SCRAPE_MAX_LIST], extract;
	int nfollow, ndeny, has_extract;
	struct host hosts[MAX_HOSTS];
	int nhosts;
	struct item *q;
	size_t qhead, qlen, qcap;
	char **seen; /* open addressing, NULL = empty */
	size_t seen_cap, nseen;
	int64_t delay_us;
	const char *ua;
};

/* The host (and port) of a URL, lower-cased: "example.com:8080". 0, or -1 when there is none. */
static int url_host(const char *url, char *out, size_t cap)
{
	const char *s = strstr(url, "://");
	if (!s)
		return -1;
	s += 3;
	size_t n = strcspn(s, "/?#");
	const char *at = memchr(s, '@', n);
	if (at) {
		n -= (size_t)(at + 1 - s);
		s = at + 1;
	}
	if (n == 0 || n >= cap)
		return -1;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
	out[n] = 0;
	return 0;
}

/* The host without the port, for allowed-hosts checks. */
static int host_allowed(struct crawl *c, const char *hostport)
{
	char h[256];
	snprintf(h, sizeof h, "%s", hostport);
	char *colon = strrchr(h, ':');
	if (colon && !strchr(h, ']'))
		*colon = 0;
	for (int i = 0; i < c->o->nhosts; i++)
		if (!strcasecmp(c->o->hosts[i], h) || !strcasecmp(c->o->hosts[i], hostport))
			return 1;
	if (c->o->nhosts)
		return 0;
	for (int i = 0; i < c->o->nseeds; i++) {
		char sh[256];
		if (url_host(c->o->seeds[i], sh, sizeof sh) == 0 && !strcmp(sh, hostport))
			return 1;
	}
	return 0;
}

/* Insert url into the seen set: 1 added, 0 already there, < 0 error. */
static int seen_add(struct crawl *c, const char *url, struct dn_error *err)
{
	if (2 * (c->nseen + 1) > c->seen_cap) {
		size_t nc = c->seen_cap ? c->seen_cap * 2 : 1024;
		char **ns = dn_calloc(nc, sizeof *ns);
		if (!ns)
			return dn_error_set(err, DN_ENOMEM, "out of memory");
		for (size_t i = 0; i < c->seen_cap; i++) {
			if (!c->seen[i])
				continue;
			size_t h = dn_hash64(c->seen[i], strlen(c->seen[i]), 7) & (nc - 1);
			while (ns[h])
				h = (h + 1) & (nc - 1);
			ns[h] = c->seen[i];
		}
		dn_free(c->seen);
		c->seen = ns;
		c->seen_cap = nc;
	}
	size_t h = dn_hash64(url, strlen(url), 7) & (c->seen_cap - 1);
	while (c->seen[h]) {
		if (!strcmp(c->seen[h], url))
			return 0;
		h = (h + 1) & (c->seen_cap - 1);
	}
	if (!(c->seen[h] = dn_strdup(url)))
		return dn_error_set(err, DN_ENOMEM, "out of memory");
	c->nseen++;
	return 1;
}

static int enqueue(struct crawl *c, const char *url, int depth, struct dn_error *err)
{
	if (c->qlen >= MAX_QUEUE)
		return 0;
	if (c->qhead + c->qlen == c->qcap) {
		if (c->qhead > 0) {
			memmove(c->q, c->q + c->qhead, c->qlen * sizeof *c->q);
			c->qhead = 0;
		}
		if (c->qlen == c->qcap) {
			size_t nc = c->qcap ? c->qcap * 2 : 256;
			struct item *nq = dn_realloc(c->q, nc * sizeof *nq);
			if (!nq)
				return dn_error_set(err, DN_ENOMEM, "out of memory");
			c->q = nq;
			c->qcap = nc;
		}
	}
	char *u = dn_strdup(url);
	if (!u)
		return dn_error_set(err, DN_ENOMEM, "out of memory");
	c->q[c->qhead + c->qlen].url = u;
	c->q[c->qhead + c->qlen].depth = depth;
	c->qlen++;
	return 0;
}

static int matches_any(const regex_t *rs, int n, const char *url)
{
	for (int i = 0; i < n; i++)
		if (regexec(&rs[i], url, 0, NULL, 0) == 0)
			return 1;
	return 0;
}

/* Wait for the host's turn, then note the request. */
static int host_turn(struct crawl *c, struct host *h, struct dn_error *err)
{
	int64_t delay = c->delay_us;
	if (h->have_robots && h->robots.crawl_delay >= 0 &&
	    (int64_t)(h->robots.crawl_delay * 1e6) > delay)
		delay = (int64_t)(h->robots.crawl_delay * 1e6);
	/* The delay is taken now, so a Crawl-delay read since the last request counts too. */
	for (;;) {
		if (c->o->xfer.stop && c->o->xfer.stop(c->o->xfer.stop_user))
			return dn_error_set(err, DN_EIO, "stopped while crawling");
		int64_t now = dn_monotonic_us();
		if (!h->last_us || now >= h->last_us + delay)
			break;
		int64_t w = h->last_us + delay - now;
		usleep((useconds_t)(w > 100000 ? 100000 : w));
	}
	h->last_us = dn_monotonic_us();
	c->res->requests++;
	return 0;
}

static struct host *get_host(struct crawl *c, const char *hostport, const char *url,
			     struct dn_error *err)
{
	for (int i = 0; i < c->nhosts; i++)
		if (!strcmp(c->hosts[i].name, hostport))
			return &c->hosts[i];
	if (c->nhosts == MAX_HOSTS) {
		dn_error_set(err, DN_ELIMIT, "more than %d hosts in one crawl", MAX_HOSTS);
		return NULL;
	}
	struct host *h = &c->hosts[c->nhosts++];
	memset(h, 0, sizeof *h);
	h->robots.crawl_delay = -1;
	snprintf(h->name, sizeof h->name, "%s", hostport);
	if (c->o->ignore_robots)
		return h;
	/* robots.txt: scheme://host/robots.txt */
	const char *s = strstr(url, "://");
	struct dn_buf ru = DN_BUF_INIT, body = DN_BUF_INIT;
	dn_buf_printf(&ru, NULL, "%.*s%s/robots.txt", (int)(s + 3 - url), url, hostport);
	struct dn_error e;
	dn_error_clear(&e);
	if (!ru.data || host_turn(c, h, err) < 0) {
		dn_buf_release(&ru);
		return NULL;
	}
	struct dn_xfer_options xo = c->xo;
	xo.log = NULL; /* its 404 is normal */
	int rc = dn_xfer_get_mem(ru.data, DN_ROBOTS_MAX_BYTES, &xo, &body, NULL, &e);
	int status = 0;
	if (rc < 0) {
		const char *http = strstr(e.msg, "HTTP ");
		status = http ? (int)strtol(http + 5, NULL, 10) : 0;
	}
	if (rc == 0 || e.code == DN_ELIMIT) {
		rc = dn_robots_parse(&h->robots, body.data ? body.data : "", body.len, c->ua, err);
	} else if (status >= 400 && status < 500) {
		rc = dn_robots_set_all(&h->robots, 1, err);
		if (c->o->xfer.log)
			c->o->xfer.log(c->o->xfer.log_user, "robots.txt: none (HTTP 4xx): "
							    "everything allowed");
	} else {
		/* Unreachable or a server error: assume everything is disallowed. */
		rc = dn_robots_set_all(&h->robots, 0, err);
		if (c->o->xfer.log) {
			char line[2048];
			snprintf(line, sizeof line,
				 "robots.txt of %.255s unavailable (%.767s): nothing is fetched "
				 "there",
				 hostport, e.msg);
			c->o->xfer.log(c->o->xfer.log_user, line);
		}
	}
	h->have_robots = 1;
	dn_buf_release(&ru);
	dn_buf_release(&body);
	return rc < 0 ? NULL : h;
}

static int compile(regex_t *re, const char *what, const char *pat, struct dn_error *err)
{
	char unsafe[160];
	if (dn_regex_check(pat, unsafe, sizeof unsafe) < 0)
		return dn_error_set(err, DN_EINVAL, "%s: '%s' is refused: %s; simplify it", what,
				    pat, unsafe);
	int rc = regcomp(re, pat, REG_EXTENDED | REG_NOSUB);
	if (rc != 0) {
		char msg[256];
		regerror(rc, re, msg, sizeof msg);
		return dn_error_set(err, DN_EINVAL,
				    "%s: '%s' is not a valid regular expression (%s)", what, pat,
				    msg);
	}
	return 0;
}

static void logf_(struct crawl *c, const char *fmt, ...) DN_PRINTF(2, 3);
static void logf_(struct crawl *c, const char *fmt, ...)
{
	char line[2048];
	if (!c->o->xfer.log)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	c->o->xfer.log(c->o->xfer.log_user, line);
}

/* The path and query of a URL ("/" when empty). */
static const char *url_path(const char *url)
{
	const char *s = strstr(url, "://");
	const char *p = s ? strpbrk(s + 3, "/?") : NULL;
	return p ? p : "/";
}

int dn_scrape(const struct dn_scrape_options *o, struct dn_scrape_result *res, struct dn_error *err)
{
	struct crawl c;
	struct dn_buf page = DN_BUF_INIT;
	int rc = 0;
	memset(&c, 0, sizeof c);
	c.o = o;
	c.res = res;
	c.xo = o->xfer;
	c.ua = o->user_agent ? o->user_agent : DEFAULT_UA;
	c.xo.user_agent = c.ua;
	c.delay_us = (o->delay_ms >= 0 ? o->delay_ms : 1000) * 1000;
	int max_depth = o->max_depth >= 0 ? o->max_depth : 2;
	int64_t max_pages = o->max_pages > 0 ? o->max_pages : 100;
	size_t max_page = o->max_page_bytes ? o->max_page_bytes : (16u << 20);
	if (o->nseeds == 0)
		return dn_error_set(err, DN_EINVAL, "a crawl needs at least one seed URL");
	for (int i = 0; rc == 0 && i < o->nfollow; i++)
		if ((rc = compile(&c.follow[i], "follow", o->follow[i], err)) == 0)
			c.nfollow++;
	for (int i = 0; rc == 0 && i < o->ndeny; i++)
		if ((rc = compile(&c.deny[i], "deny", o->deny[i], err)) == 0)
			c.ndeny++;
	if (rc == 0 && o->extract && (rc = compile(&c.extract, "extract", o->extract, err)) == 0)
		c.has_extract = 1;
	for (int i = 0; rc == 0 && o->records && i < o->nfields; i++)
		if ((rc = dn_html_xpath_check(o->fields[i].value, err)) < 0)
			dn_error_prefix(err, "field '%s': ", o->fields[i].key);
	if (rc == 0 && o->records && (rc = dn_html_xpath_check(o->records, err)) < 0)
		dn_error_prefix(err, "records: ");
	for (int i = 0; rc == 0 && i < o->nseeds; i++) {
		char hp[256];
		if (strncmp(o->seeds[i], "http://", 7) && strncmp(o->seeds[i], "https://", 8))
			rc = dn_error_set(err, DN_EINVAL, "seed '%s' is not an http or https URL",
					  o->seeds[i]);
		else if (url_host(o->seeds[i], hp, sizeof hp) < 0)
			rc = dn_error_set(err, DN_EINVAL, "seed '%s' has no host", o->seeds[i]);
		else if ((rc = seen_add(&c, o->seeds[i], err)) > 0)
			rc = enqueue(&c, o->seeds[i], 0, err);
	}
	while (rc == 0 && c.qlen > 0 && res->pages < max_pages) {
		struct item it = c.q[c.qhead++];
		c.qlen--;
		char hp[256];
		int seed = it.depth == 0;
		struct host *h = NULL;
		if (url_host(it.url, hp, sizeof hp) < 0 || !host_allowed(&c, hp))
			goto next;
		if (!(h = get_host(&c, hp, it.url, err))) {
			rc = err && err->code ? err->code : DN_ENOMEM;
			goto next;
		}
		if (h->have_robots && !dn_robots_allowed(&h->robots, url_path(it.url))) {
			res->skipped_robots++;
			logf_(&c, "robots.txt disallows %s: not fetched", it.url);
			if (seed)
				rc = dn_error_set(err, DN_EINVAL,
						  "robots.txt of %s disallows the seed %s for user "
						  "agent '%s'",
						  hp, it.url, c.ua);
			goto next;
		}
		if ((rc = host_turn(&c, h, err)) < 0)
			goto next;
		struct dn_xfer_meta m;
		struct dn_error e;
		dn_error_clear(&e);
		int frc = dn_xfer_get_mem(it.url, max_page, &c.xo, &page, &m, &e);
		if (frc < 0) {
			if (seed || (e.code == DN_EIO && strstr(e.msg, "stopped"))) {
				if (err)
					*err = e;
				rc = frc;
			} else {
				logf_(&c, "skipped %s: %s", it.url, e.msg);
			}
			goto next;
		}
		res->pages++;
		if (m.content_type[0] && !strstr(m.content_type, "html")) {
			logf_(&c, "page %lld: %s: %s, not HTML: no links or records",
			      (long long)res->pages, it.url, m.content_type);
			if (seed)
				rc = dn_error_set(err, DN_EPARSE,
						  "the seed %s is %s, not an HTML page", it.url,
						  m.content_type);
			goto next;
		}
		int64_t got = 0;
		if (o->records &&
		    (!c.has_extract || regexec(&c.extract, it.url, 0, NULL, 0) == 0)) {
			rc = dn_html_records(page.data ? page.data : "", page.len, it.url,
					     o->records, o->fields, o->nfields, o->url_field,
					     &res->ndjson, &got, err);
			if (rc < 0)
				goto next;
			res->records += got;
		}
		size_t queued = 0;
		if (it.depth < max_depth) {
			char **links = NULL;
			size_t nl = 0;
			rc = dn_html_links(page.data ? page.data : "", page.len, it.url, &links,
					   &nl, err);
			for (size_t i = 0; i < nl; i++) {
				char lh[256];
				if (rc == 0 && url_host(links[i], lh, sizeof lh) == 0 &&
				    host_allowed(&c, lh) &&
				    (!c.nfollow || matches_any(c.follow, c.nfollow, links[i])) &&
				    !matches_any(c.deny, c.ndeny, links[i])) {
					int added = seen_add(&c, links[i], err);
					if (added < 0)
						rc = added;
					else if (added && (rc = enqueue(&c, links[i], it.depth + 1,
									err)) == 0)
						queued++;
				}
				dn_free(links[i]);
			}
			dn_free(links);
		}
		logf_(&c, "page %lld: %s (depth %d): %lld record%s, %zu new link%s",
		      (long long)res->pages, it.url, it.depth, (long long)got, got == 1 ? "" : "s",
		      queued, queued == 1 ? "" : "s");
next:
		dn_free(it.url);
	}
	if (rc == 0 && c.qlen > 0 && res->pages >= max_pages)
		logf_(&c, "stopped at max_pages (%lld); %zu URLs not visited", (long long)max_pages,
		      c.qlen);
	for (size_t i = 0; i < c.qlen; i++)
		dn_free(c.q[c.qhead + i].url);
	dn_free(c.q);
	for (size_t i = 0; i < c.seen_cap; i++)
		dn_free(c.seen[i]);
	dn_free(c.seen);
	for (int i = 0; i < c.nhosts; i++)
		dn_robots_release(&c.hosts[i].robots);
	for (int i = 0; i < c.nfollow; i++)
		regfree(&c.follow[i]);
	for (int i = 0; i < c.ndeny; i++)
		regfree(&c.deny[i]);
	if (c.has_extract)
		regfree(&c.extract);
	dn_buf_release(&page);
	return rc < 0 ? rc : 0;
}
