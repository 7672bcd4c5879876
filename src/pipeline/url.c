/* Connection URLs: parsing and redacted printing.
 *
 * A connection URL often carries a password, so this parser is written around one rule: no
 * error message quotes any part of the authority (user, password, host, port), because a
 * password with an unescaped '@', ':' or '/' makes every split after it wrong, and the
 * "host" or "port" we would quote could be part of the password. Messages say which part is
 * wrong and how to fix it (percent-encode reserved characters). dn_url_redacted is the only
 * printer; it replaces the password, and the values of query parameters that look like
 * secrets (password, secret, token, *key*), with "***".
 *
 * sqlite and file URLs have no authority: everything after "scheme://" is the path, so
 * "sqlite:///abs.db" is absolute and "sqlite://warehouse.db" is relative to the project. */
#include <string.h>

#include "pipeline.h"

static const char *const schemes[] = {"sqlite", "postgres", "postgresql", "file",  "http", "https",
				      "ftp",    "sftp",     "s3",         "redis", NULL};

int dn_url_scheme_known(const char *scheme)
{
	for (int i = 0; schemes[i]; i++)
		if (!dn_ascii_casecmp(scheme, schemes[i]))
			return 1;
	return 0;
}

int dn_url_default_port(const char *s)
{
	if (!strcmp(s, "postgres") || !strcmp(s, "postgresql"))
		return 5432;
	if (!strcmp(s, "http"))
		return 80;
	if (!strcmp(s, "https"))
		return 443;
	if (!strcmp(s, "ftp"))
		return 21;
	if (!strcmp(s, "sftp"))
		return 22;
	if (!strcmp(s, "redis"))
		return 6379;
	return 0;
}

void dn_url_release(struct dn_url *u)
{
	if (!u)
		return;
	dn_free(u->scheme);
	dn_free(u->user);
	if (u->password) /* wipe it before the memory goes back */
		memset(u->password, 0, strlen(u->password));
	dn_free(u->password);
	dn_free(u->host);
	dn_free(u->path);
	dn_free(u->query);
	dn_free(u->fragment);
	memset(u, 0, sizeof *u);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decoded copy of p[0..n); NULL with *bad = 1 on a bad escape (or NUL), *bad = 0 on
 * OOM. */
static char *pct_decode(const char *p, size_t n, int *bad)
{
	char *out = dn_malloc(n + 1);
	size_t o = 0;
	*bad = 0;
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '%') {
			int h, l;
			if (i + 2 >= n || (h = hexval(p[i + 1])) < 0 ||
			    (l = hexval(p[i + 2])) < 0 || (h == 0 && l == 0)) {
				dn_free(out);
				*bad = 1;
				return NULL;
			}
			out[o++] = (char)(h * 16 + l);
			i += 2;
		} else {
			out[o++] = p[i];
		}
	}
	out[o] = 0;
	return out;
}

static int set_part(char **dst, const char *p, size_t n, struct dn_error *err)
{
	*dst = dn_strndup(p, n);
	return *dst ? 0 : dn_error_set(err, DN_ENOMEM, "out of memory parsing a URL");
}

static int has_ctl(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] <= ' ' || p[i] == 0x7f)
			return 1;
	return 0;
}

int dn_url_parse(struct dn_url *u, const char *text, struct dn_error *err)
{
	memset(u, 0, sizeof *u);
	size_t len = strlen(text);
	if (len > DN_URL_MAX)
		return dn_error_set(err, DN_ELIMIT, "URL longer than %d bytes", DN_URL_MAX);
	const char *p = text, *end = text + len;
	while (p < end &&
	       ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		(p > text && ((*p >= '0' && *p <= '9') || *p == '+' || *p == '-' || *p == '.'))))
		p++;
	if (p == text || end - p < 3 || memcmp(p, "://", 3) != 0)
		return dn_error_set(err, DN_EPARSE,
				    "not a URL: write scheme://..., e.g. "
				    "postgres://user:${PG_PASSWORD}@host:5432/db or "
				    "sqlite:///path/to.db");
	size_t slen = (size_t)(p - text);
	if (set_part(&u->scheme, text, slen, err) < 0)
		return DN_ENOMEM;
	for (char *s = u->scheme; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
	if (!dn_url_scheme_known(u->scheme)) {
		const char *hint = dn_suggest(u->scheme, schemes);
		if (hint)
			return dn_error_set(err, DN_ENOTSUP,
					    "unknown scheme '%.32s' (did you mean '%s'?)",
					    u->scheme, hint);
		return dn_error_set(err, DN_ENOTSUP,
				    "unknown scheme '%.32s' (known: sqlite, postgres, postgresql, "
				    "file, http, https, ftp, sftp, s3, redis)",
				    u->scheme);
	}
	p += 3;
	/* Fragment and query end every form. */
	const char *hash = memchr(p, '#', (size_t)(end - p));
	const char *qend = hash ? hash : end;
	const char *qm = memchr(p, '?', (size_t)(qend - p));
	const char *rest_end = qm ? qm : qend;
	if (set_part(&u->fragment, hash ? hash + 1 : "", hash ? (size_t)(end - hash - 1) : 0, err) <
		    0 ||
	    set_part(&u->query, qm ? qm + 1 : "", qm ? (size_t)(qend - qm - 1) : 0, err) < 0)
		return DN_ENOMEM;
	if (!strcmp(u->scheme, "sqlite") || !strcmp(u->scheme, "file")) {
		if (rest_end == p)
			return dn_error_set(err, DN_EPARSE,
					    "a %s URL needs a path: %s:///absolute/path or "
					    "%s://path/relative/to/the/project",
					    u->scheme, u->scheme, u->scheme);
		if (set_part(&u->user, "", 0, err) < 0 || set_part(&u->password, "", 0, err) < 0 ||
		    set_part(&u->host, "", 0, err) < 0 ||
		    set_part(&u->path, p, (size_t)(rest_end - p), err) < 0)
			return DN_ENOMEM;
		return 0;
	}
	const char *slash = memchr(p, '/', (size_t)(rest_end - p));
	const char *auth_end = slash ? slash : rest_end;
	if (set_part(&u->path, auth_end, (size_t)(rest_end - auth_end), err) < 0)
		return DN_ENOMEM;
	/* User-info ends at the last '@' of the authority. */
	const char *at = NULL;
	for (const char *q = p; q < auth_end; q++)
		if (*q == '@')
			at = q;
	const char *hp = p;
	if (at) {
		const char *colon = memchr(p, ':', (size_t)(at - p));
		int bad = 0;
		u->user = pct_decode(p, (size_t)((colon ? colon : at) - p), &bad);
		if (u->user && colon) {
			u->has_password = 1;
			u->password = pct_decode(colon + 1, (size_t)(at - colon - 1), &bad);
		}
		if (!u->user || (colon && !u->password)) {
			if (!bad)
				return dn_error_set(err, DN_ENOMEM, "out of memory parsing a URL");
			return dn_error_set(
				err, DN_EPARSE,
				"bad %%-escape in the user or password of a %s URL (write "
				"%%XX with two hex digits, e.g. %%40 for @)",
				u->scheme);
		}
		hp = at + 1;
	}
	if (!u->user && set_part(&u->user, "", 0, err) < 0)
		return DN_ENOMEM;
	if (!u->password && set_part(&u->password, "", 0, err) < 0)
		return DN_ENOMEM;
	const char *hend = auth_end, *port = NULL;
	if (hp < auth_end && *hp == '[') {
		const char *rb = memchr(hp, ']', (size_t)(auth_end - hp));
		if (!rb)
			return dn_error_set(err, DN_EPARSE,
					    "the host of a %s URL starts with '[' but has no ']' "
					    "(IPv6 addresses are written [::1])",
					    u->scheme);
		if (rb + 1 < auth_end) {
			if (rb[1] != ':')
				return dn_error_set(err, DN_EPARSE,
						    "unexpected text after the ']' of the host "
						    "in a "
						    "%s URL",
						    u->scheme);
			port = rb + 2;
		}
		if (set_part(&u->host, hp + 1, (size_t)(rb - hp - 1), err) < 0)
			return DN_ENOMEM;
	} else {
		const char *colon = NULL;
		for (const char *q = hp; q < auth_end; q++)
			if (*q == ':')
				colon = q;
		if (colon) {
			hend = colon;
			port = colon + 1;
		}
		if (set_part(&u->host, hp, (size_t)(hend - hp), err) < 0)
			return DN_ENOMEM;
	}
	if (has_ctl(u->host, strlen(u->host)))
		return dn_error_set(err, DN_EPARSE,
				    "the host of a %s URL contains a space or control character",
				    u->scheme);
	if (port) {
		int64_t v;
		if (dn_parse_i64(port, (size_t)(auth_end - port), &v) < 0 || v < 1 || v > 65535 ||
		    port[0] == '+' || port[0] == '-')
			return dn_error_set(err, DN_EPARSE,
					    "the port of a %s URL is not a number from 1 to 65535 "
					    "(if the password holds @ : / ? or #, percent-encode "
					    "them: %%40 %%3A %%2F %%3F %%23)",
					    u->scheme);
		u->port = (int)v;
	}
	if (!u->host[0] && strcmp(u->scheme, "postgres") && strcmp(u->scheme, "postgresql") &&
	    strcmp(u->scheme, "redis"))
		return dn_error_set(err, DN_EPARSE, "a %s URL needs a %s: %s://%s", u->scheme,
				    strcmp(u->scheme, "s3") ? "host" : "bucket", u->scheme,
				    strcmp(u->scheme, "s3") ? "host/path" : "bucket/prefix");
	return 0;
}

/* Append s, percent-encoding what would change how the URL reads back. */
static int put_escaped(struct dn_buf *out, const char *s, struct dn_error *err)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c <= ' ' || c >= 0x7f || strchr("@:/?#%[]", c))
			DN_TRY(dn_buf_printf(out, err, "%%%02X", c));
		else
			DN_TRY(dn_buf_putc(out, (char)c, err));
	}
	return 0;
}

static int secret_param(const char *k, size_t n)
{
	static const char *const words[] = {"password", "passwd", "pwd",  "secret",
					    "token",    "key",    "auth", "credential"};
	for (size_t w = 0; w < sizeof words / sizeof words[0]; w++) {
		size_t wl = strlen(words[w]);
		for (size_t i = 0; i + wl <= n; i++) {
			size_t j = 0;
			while (j < wl && (k[i + j] | 0x20) == words[w][j])
				j++;
			if (j == wl)
				return 1;
		}
	}
	return 0;
}

int dn_url_redacted(const struct dn_url *u, struct dn_buf *out, struct dn_error *err)
{
	DN_TRY(dn_buf_printf(out, err, "%s://", u->scheme ? u->scheme : ""));
	if (u->user && (u->user[0] || u->has_password)) {
		DN_TRY(put_escaped(out, u->user, err));
		if (u->has_password)
			DN_TRY(dn_buf_puts(out, ":***", err));
		DN_TRY(dn_buf_putc(out, '@', err));
	}
	if (u->host && strchr(u->host, ':'))
		DN_TRY(dn_buf_printf(out, err, "[%s]", u->host));
	else if (u->host)
		DN_TRY(dn_buf_puts(out, u->host, err));
	if (u->port)
		DN_TRY(dn_buf_printf(out, err, ":%d", u->port));
	if (u->path)
		DN_TRY(dn_buf_puts(out, u->path, err));
	if (u->query && u->query[0]) {
		DN_TRY(dn_buf_putc(out, '?', err));
		const char *q = u->query;
		while (*q) {
			const char *amp = strchr(q, '&'), *e = amp ? amp : q + strlen(q);
			const char *eq = memchr(q, '=', (size_t)(e - q));
			if (eq && secret_param(q, (size_t)(eq - q))) {
				DN_TRY(dn_buf_append(out, q, (size_t)(eq - q) + 1, err));
				DN_TRY(dn_buf_puts(out, "***", err));
			} else {
				DN_TRY(dn_buf_append(out, q, (size_t)(e - q), err));
			}
			if (!amp)
				break;
			DN_TRY(dn_buf_putc(out, '&', err));
			q = amp + 1;
		}
	}
	if (u->fragment && u->fragment[0])
		DN_TRY(dn_buf_printf(out, err, "#%s", u->fragment));
	return 0;
}
