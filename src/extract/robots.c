/* robots.txt (RFC 9309): see extract.h.
 *
 * The file is read line by line with a cursor: `key: value`, comments after '#', keys
 * case-insensitive, anything else ignored. A group is one or more user-agent lines followed by
 * rules; a user-agent line after a rule starts the next group. Only the rules of the groups
 * that apply are kept (those naming our product token, else those of '*'), so matching is a
 * scan of a short list. Patterns are compared after normalising percent-escapes to upper-case
 * hex, so "%7e" and "%7E" match alike. Matching a pattern with '*' is the classic greedy
 * wildcard walk with one backtrack point, O(pattern * path) at worst, on inputs bounded by
 * the parse limits. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "extract.h"

#define MAX_RULES 4096
#define MAX_PATTERN 2048

void dn_robots_release(struct dn_robots *r)
{
	for (size_t i = 0; i < r->n; i++)
		dn_free(r->rules[i].pattern);
	dn_free(r->rules);
	r->rules = NULL;
	r->n = 0;
	r->crawl_delay = -1;
}

static int add_rule(struct dn_robots *r, size_t *cap, const char *p, size_t n, int allow,
		    struct dn_error *err)
{
	if (r->n >= MAX_RULES)
		return 0;
	if (r->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		struct dn_robots_rule *nr = dn_realloc(r->rules, nc * sizeof *nr);
		if (!nr)
			return dn_error_set(err, DN_ENOMEM, "out of memory reading robots.txt");
		r->rules = nr;
		*cap = nc;
	}
	char *s = dn_malloc(n + 1);
	if (!s)
		return dn_error_set(err, DN_ENOMEM, "out of memory reading robots.txt");
	/* Normalise %xx to upper case. */
	for (size_t i = 0; i < n; i++)
		s[i] = (i >= 1 && p[i - 1] == '%') || (i >= 2 && p[i - 2] == '%') ?
			       (char)toupper((unsigned char)p[i]) :
			       p[i];
	s[n] = 0;
	r->rules[r->n].pattern = s;
	r->rules[r->n].allow = allow;
	r->n++;
	return 0;
}

/* The product token of a User-Agent: up to the first '/', space or ';'. */
static size_t product_len(const char *agent)
{
	return strcspn(agent, "/ ;(\t");
}

int dn_robots_set_all(struct dn_robots *r, int allow, struct dn_error *err)
{
	size_t cap = 0;
	dn_robots_release(r);
	return allow ? 0 : add_rule(r, &cap, "/", 1, 0, err);
}

int dn_robots_parse(struct dn_robots *r, const char *text, size_t n, const char *agent,
		    struct dn_error *err)
{
	size_t cap = 0, plen = product_len(agent);
	int in_agents = 0; /* the last meaningful line was a user-agent line */
	int grp_ours = 0, grp_star = 0, found_ours = 0;
	double delay_ours = -1, delay_star = -1;
	/* Rules for '*' are collected aside and used only when no group names us. */
	struct dn_robots star = {NULL, 0, -1};
	size_t star_cap = 0;
	int rc = 0;
	dn_robots_release(r);
	if (n > DN_ROBOTS_MAX_BYTES)
		n = DN_ROBOTS_MAX_BYTES;
	const char *p = text, *end = text + n;
	/* A UTF-8 byte order mark is skipped. */
	if (n >= 3 && (unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB &&
	    (unsigned char)p[2] == 0xBF)
		p += 3;
	while (p < end && rc == 0) {
		const char *eol = p;
		while (eol < end && *eol != '\n' && *eol != '\r')
			eol++;
		const char *line_end = eol;
		const char *hash = memchr(p, '#', (size_t)(line_end - p));
		if (hash)
			line_end = hash;
		const char *colon = memchr(p, ':', (size_t)(line_end - p));
		const char *next = eol < end ? eol + 1 : end;
		if (!colon) {
			p = next;
			continue;
		}
		const char *k = p, *ke = colon;
		while (k < ke && isspace((unsigned char)*k))
			k++;
		while (ke > k && isspace((unsigned char)ke[-1]))
			ke--;
		const char *v = colon + 1, *ve = line_end;
		while (v < ve && isspace((unsigned char)*v))
			v++;
		while (ve > v && isspace((unsigned char)ve[-1]))
			ve--;
		size_t kl = (size_t)(ke - k), vl = (size_t)(ve - v);
#define KEY(w) (kl == sizeof w - 1 && !strncasecmp(k, w, kl))
		if (KEY("user-agent") || KEY("useragent") || KEY("user agent")) {
			if (!in_agents) {
				grp_ours = grp_star = 0;
				in_agents = 1;
			}
			size_t tl = 0;
			while (tl < vl && !isspace((unsigned char)v[tl]))
				tl++;
			if (tl == 1 && v[0] == '*')
				grp_star = 1;
			else if (tl && tl == plen && !strncasecmp(v, agent, plen))
				grp_ours = found_ours = 1;
		} else if (KEY("allow") || KEY("disallow")) {
			in_agents = 0;
			int allow = KEY("allow");
			if (vl > MAX_PATTERN)
				vl = MAX_PATTERN;
			/* An empty Disallow allows everything: no rule. */
			if (vl == 0) {
				p = next;
				continue;
			}
			if (grp_ours)
				rc = add_rule(r, &cap, v, vl, allow, err);
			if (rc == 0 && grp_star)
				rc = add_rule(&star, &star_cap, v, vl, allow, err);
		} else if (KEY("crawl-delay") || KEY("crawl_delay")) {
			in_agents = 0;
			char num[32];
			double d;
			if (vl && vl < sizeof num) {
				memcpy(num, v, vl);
				num[vl] = 0;
				char *e;
				d = strtod(num, &e);
				if (*e == 0 && d >= 0 && d < 86400) {
					if (grp_ours)
						delay_ours = d;
					if (grp_star)
						delay_star = d;
				}
			}
		} else if (kl) {
			/* sitemap and unknown keys end a run of user-agent lines too */
			in_agents = KEY("sitemap") ? in_agents : 0;
		}
#undef KEY
		p = next;
	}
	if (rc == 0 && !found_ours) {
		/* Our product token named nowhere: the '*' groups apply. */
		dn_robots_release(r);
		*r = star;
		star.rules = NULL;
		star.n = 0;
		r->crawl_delay = delay_star;
	} else {
		r->crawl_delay = delay_ours;
	}
	dn_robots_release(&star);
	return rc;
}

/* Does pattern (NUL-terminated) match a prefix of path, or (with '$') all of it? */
int dn_robots_match(const char *pat, const char *path)
{
	const char *p = pat, *s = path;
	const char *star_p = NULL, *star_s = NULL;
	for (;;) {
		if (*p == '$' && p[1] == 0) {
			if (*s == 0)
				return 1;
		} else if (*p == 0) {
			return 1; /* a prefix match */
		} else if (*p == '*') {
			while (*p == '*')
				p++;
			if (*p == 0)
				return 1;
			star_p = p;
			star_s = s;
			continue;
		} else if (*s && *p == *s) {
			p++;
			s++;
			continue;
		}
		/* Mismatch: let the last '*' swallow one more character. */
		if (!star_p || !*star_s)
			return 0;
		p = star_p;
		s = ++star_s;
	}
}

/* The pattern's length for "longest match": octets, as written. */
int dn_robots_allowed(const struct dn_robots *r, const char *path)
{
	char norm[8192];
	size_t k = 0;
	if (!strcmp(path, "/robots.txt"))
		return 1;
	for (size_t i = 0; path[i] && k + 1 < sizeof norm; i++)
		norm[k++] = (i >= 1 && path[i - 1] == '%') || (i >= 2 && path[i - 2] == '%') ?
				    (char)toupper((unsigned char)path[i]) :
				    path[i];
	norm[k] = 0;
	size_t best = 0;
	int verdict = 1, any = 0;
	for (size_t i = 0; i < r->n; i++) {
		const struct dn_robots_rule *ru = &r->rules[i];
		if (!dn_robots_match(ru->pattern, norm))
			continue;
		size_t len = strlen(ru->pattern);
		if (!any || len > best || (len == best && ru->allow && !verdict)) {
			best = len;
			verdict = ru->allow;
			any = 1;
		}
	}
	return verdict;
}
