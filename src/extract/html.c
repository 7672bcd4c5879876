/* HTML pages: links and XPath records, through libxml2 (htmlReadMemory, xmlXPath); see
 * extract.h.
 *
 * The parser runs with network access off, errors and warnings silenced (pages are rarely valid
 * HTML and a browser would not complain either) and a size given by the caller, who caps it.
 * Relative URLs resolve with xmlBuildURI against the page's URL. Field values are whitespace-
 * collapsed string values, the form a reader of the page sees. libxml2 keeps no state between
 * calls that we rely on; xmlInitParser runs once. */
#include <libxml/HTMLparser.h>
#include <libxml/uri.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <pthread.h>
#include <string.h>

#include "extract.h"

#define HTML_OPTS                                                                                  \
	(HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET |       \
	 HTML_PARSE_NOBLANKS | HTML_PARSE_COMPACT)

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void quiet(void *ctx, const char *msg, ...)
{
	(void)ctx, (void)msg;
}

static void init(void)
{
	xmlInitParser();
}

static htmlDocPtr parse(const char *html, size_t n, const char *base_url)
{
	pthread_once(&once, init);
	xmlSetGenericErrorFunc(NULL, quiet);
	if (n > INT32_MAX)
		n = INT32_MAX;
	return htmlReadMemory(html, (int)n, base_url, NULL, HTML_OPTS);
}

/* Resolve ref against base; fragment dropped. NULL when it does not resolve. */
static char *resolve(const char *ref, const char *base)
{
	xmlChar *u = xmlBuildURI((const xmlChar *)ref, (const xmlChar *)base);
	if (!u)
		return NULL;
	char *s = (char *)u;
	char *hash = strchr(s, '#');
	if (hash)
		*hash = 0;
	char *out = dn_strdup(s);
	xmlFree(u);
	return out;
}

int dn_html_links(const char *html, size_t n, const char *base_url, char ***urls, size_t *nurls,
		  struct dn_error *err)
{
	*urls = NULL;
	*nurls = 0;
	htmlDocPtr doc = parse(html, n, base_url);
	if (!doc)
		return 0; /* an empty or unreadable page has no links */
	int rc = 0;
	size_t cap = 0;
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	xmlXPathObjectPtr res =
		ctx ? xmlXPathEvalExpression((const xmlChar *)"//a/@href | //area/@href", ctx) :
		      NULL;
	if (!ctx || !res) {
		rc = dn_error_set(err, DN_ENOMEM, "out of memory reading the links of %s",
				  base_url);
		goto out;
	}
	xmlNodeSetPtr ns = res->nodesetval;
	for (int i = 0; ns && i < ns->nodeNr; i++) {
		xmlChar *href = xmlNodeGetContent(ns->nodeTab[i]);
		if (!href)
			continue;
		char *u = resolve((const char *)href, base_url);
		xmlFree(href);
		if (!u)
			continue;
		if (strncmp(u, "http://", 7) && strncmp(u, "https://", 8) &&
		    strncmp(u, "ftp://", 6)) {
			dn_free(u); /* mailto:, javascript: ... */
			continue;
		}
		if (*nurls == cap) {
			size_t nc = cap ? cap * 2 : 64;
			char **nv = dn_realloc(*urls, nc * sizeof *nv);
			if (!nv) {
				dn_free(u);
				rc = dn_error_set(err, DN_ENOMEM, "out of memory");
				break;
			}
			*urls = nv;
			cap = nc;
		}
		(*urls)[(*nurls)++] = u;
	}
out:
	if (res)
		xmlXPathFreeObject(res);
	if (ctx)
		xmlXPathFreeContext(ctx);
	xmlFreeDoc(doc);
	if (rc < 0) {
		for (size_t i = 0; i < *nurls; i++)
			dn_free((*urls)[i]);
		dn_free(*urls);
		*urls = NULL;
		*nurls = 0;
	}
	return rc;
}

/* Append s with runs of white space made one space, trimmed, as a JSON string. */
static int put_text(struct dn_buf *out, const char *s, struct dn_error *err)
{
	struct dn_buf t = DN_BUF_INIT;
	int space = 0, rc = 0;
	for (const char *p = s; *p && rc == 0; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f') {
			space = t.len > 0;
			continue;
		}
		if (space)
			rc = dn_buf_putc(&t, ' ', err);
		space = 0;
		if (rc == 0)
			rc = dn_buf_putc(&t, *p, err);
	}
	if (rc == 0)
		rc = dn_json_put_string(out, t.data ? t.data : "", t.len, err);
	dn_buf_release(&t);
	return rc;
}

int dn_html_xpath_check(const char *xpath, struct dn_error *err)
{
	pthread_once(&once, init);
	xmlSetGenericErrorFunc(NULL, quiet);
	xmlXPathCompExprPtr c = xmlXPathCompile((const xmlChar *)xpath);
	if (!c)
		return dn_error_set(err, DN_EINVAL, "'%s' is not a valid XPath expression", xpath);
	xmlXPathFreeCompExpr(c);
	return 0;
}

/* The value of one field for record node `node` (JSON appended). */
static int put_field(struct dn_buf *out, xmlXPathContextPtr ctx, xmlNodePtr node,
		     xmlXPathCompExprPtr comp, const char *base_url, struct dn_error *err)
{
	ctx->node = node;
	xmlXPathObjectPtr r = xmlXPathCompiledEval(comp, ctx);
	int rc = 0;
	if (!r)
		return dn_buf_puts(out, "null", err);
	switch (r->type) {
	case XPATH_NODESET: {
		xmlNodeSetPtr ns = r->nodesetval;
		if (!ns || ns->nodeNr == 0) {
			rc = dn_buf_puts(out, "null", err);
			break;
		}
		xmlNodePtr n = ns->nodeTab[0];
		xmlChar *s = xmlNodeGetContent(n);
		const char *text = s ? (const char *)s : "";
		if (n->type == XML_ATTRIBUTE_NODE && n->name &&
		    (!xmlStrcasecmp(n->name, (const xmlChar *)"href") ||
		     !xmlStrcasecmp(n->name, (const xmlChar *)"src"))) {
			char *u = resolve(text, base_url);
			rc = put_text(out, u ? u : text, err);
			dn_free(u);
		} else {
			rc = put_text(out, text, err);
		}
		if (s)
			xmlFree(s);
		break;
	}
	case XPATH_STRING:
		rc = put_text(out, (const char *)r->stringval, err);
		break;
	case XPATH_NUMBER: {
		char num[64];
		if (r->floatval != r->floatval) {
			rc = dn_buf_puts(out, "null", err);
			break;
		}
		/* A count or a whole number reads as an integer column. */
		double f = r->floatval;
		int whole = f > -9007199254740992.0 && f < 9007199254740992.0 &&
			    f == (double)(int64_t)f;
		int len = whole ? snprintf(num, sizeof num, "%lld", (long long)f) :
				  dn_format_f64(f, num);
		rc = dn_buf_append(out, num, (size_t)len, err);
		break;
	}
	case XPATH_BOOLEAN:
		rc = dn_buf_puts(out, r->boolval ? "true" : "false", err);
		break;
	default:
		rc = dn_buf_puts(out, "null", err);
	}
	xmlXPathFreeObject(r);
	return rc;
}

int dn_html_records(const char *html, size_t n, const char *base_url, const char *records,
		    const struct dn_api_kv *fields, int nfields, const char *url_field,
		    struct dn_buf *out, int64_t *count, struct dn_error *err)
{
	xmlXPathCompExprPtr comp[DN_SCRAPE_MAX_LIST + 1] = {0};
	xmlXPathContextPtr ctx = NULL;
	xmlXPathObjectPtr res = NULL;
	int rc = 0;
	*count = 0;
	if (nfields > DN_SCRAPE_MAX_LIST)
		return dn_error_set(err, DN_ELIMIT, "more than %d fields", DN_SCRAPE_MAX_LIST);
	htmlDocPtr doc = parse(html, n, base_url);
	if (!doc)
		return 0;
	for (int i = 0; i < nfields && rc == 0; i++)
		if (!(comp[i] = xmlXPathCompile((const xmlChar *)fields[i].value)))
			rc = dn_error_set(err, DN_EINVAL,
					  "field '%s': '%s' is not a valid XPath expression",
					  fields[i].key, fields[i].value);
	if (rc == 0 && !(ctx = xmlXPathNewContext(doc)))
		rc = dn_error_set(err, DN_ENOMEM, "out of memory");
	if (rc == 0 && !(res = xmlXPathEvalExpression((const xmlChar *)records, ctx)))
		rc = dn_error_set(err, DN_EINVAL, "records: '%s' is not a valid XPath expression",
				  records);
	if (rc == 0 && res->type != XPATH_NODESET)
		rc = dn_error_set(err, DN_EINVAL,
				  "records: '%s' selects a value, not the nodes of records",
				  records);
	xmlNodeSetPtr ns = rc == 0 ? res->nodesetval : NULL;
	for (int i = 0; rc == 0 && ns && i < ns->nodeNr; i++) {
		rc = dn_buf_putc(out, '{', err);
		for (int f = 0; rc == 0 && f < nfields; f++) {
			if (f)
				rc = dn_buf_putc(out, ',', err);
			if (rc == 0)
				rc = dn_json_put_string(out, fields[f].key, strlen(fields[f].key),
							err);
			if (rc == 0)
				rc = dn_buf_putc(out, ':', err);
			if (rc == 0)
				rc = put_field(out, ctx, ns->nodeTab[i], comp[f], base_url, err);
		}
		if (rc == 0 && url_field) {
			if (nfields)
				rc = dn_buf_putc(out, ',', err);
			if (rc == 0)
				rc = dn_json_put_string(out, url_field, strlen(url_field), err);
			if (rc == 0)
				rc = dn_buf_putc(out, ':', err);
			if (rc == 0)
				rc = dn_json_put_string(out, base_url, strlen(base_url), err);
		}
		if (rc == 0)
			rc = dn_buf_puts(out, "}\n", err);
		if (rc == 0)
			(*count)++;
	}
	if (res)
		xmlXPathFreeObject(res);
	if (ctx)
		xmlXPathFreeContext(ctx);
	for (int i = 0; i < nfields; i++)
		if (comp[i])
			xmlXPathFreeCompExpr(comp[i]);
	xmlFreeDoc(doc);
	return rc;
}
