/* The environment of a project: .env files and ${NAME} substitution.
 *
 * Secrets live in the process environment or in the project's .env, and YAML refers to them as
 * ${NAME} or ${NAME:-default}. The process environment wins over .env, so a deployment can
 * override a developer's file without editing it. Every message here names the variable or
 * the line, never a value: a value may be a password.
 *
 * The .env parser is a cursor over the text that tracks line and column, reports each bad line
 * as a problem and carries on with the next one, so `dunya validate` shows them all. */
#include <stdlib.h>
#include <string.h>

#include "pipeline.h"

#define DN_ENV_VALUE_MAX (1u << 20) /* longest value after substitution */

void dn_env_init(struct dn_env *e)
{
	memset(e, 0, sizeof *e);
}

void dn_env_release(struct dn_env *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->n; i++) {
		dn_free(e->names[i]);
		dn_free(e->values[i]);
	}
	dn_free(e->names);
	dn_free(e->values);
	dn_free(e->file);
	memset(e, 0, sizeof *e);
}

static int env_set(struct dn_env *e, const char *name, size_t nlen, char *value)
{
	for (size_t i = 0; i < e->n; i++) {
		if (strlen(e->names[i]) == nlen && !memcmp(e->names[i], name, nlen)) {
			dn_free(e->values[i]);
			e->values[i] = value;
			return 0;
		}
	}
	if (e->n == DN_ENV_MAX_VARS)
		return DN_ELIMIT;
	if ((e->n & (e->n - 1)) == 0 || e->n == 0) {
		size_t cap = e->n ? e->n * 2 : 8;
		char **nn = dn_realloc(e->names, cap * sizeof *nn);
		if (!nn)
			return DN_ENOMEM;
		e->names = nn;
		char **vv = dn_realloc(e->values, cap * sizeof *vv);
		if (!vv)
			return DN_ENOMEM;
		e->values = vv;
	}
	e->names[e->n] = dn_strndup(name, nlen);
	if (!e->names[e->n])
		return DN_ENOMEM;
	e->values[e->n++] = value;
	return 0;
}

static int is_name_start(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static int is_name_char(char c)
{
	return is_name_start(c) || (c >= '0' && c <= '9');
}

/* Cursor over .env text. */
struct cur {
	const char *p, *end;
	int64_t line;
	const char *line_start;
};

static int64_t col_of(const struct cur *c, const char *at)
{
	return (int64_t)(at - c->line_start) + 1;
}

static void skip_blanks(struct cur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
		c->p++;
}

static void skip_line(struct cur *c)
{
	while (c->p < c->end && *c->p != '\n')
		c->p++;
}

/* Parse a quoted value starting at the quote; multi-line values are allowed. */
static int quoted_value(struct cur *c, struct dn_buf *v, int *ok)
{
	char q = *c->p++;
	*ok = 0;
	while (c->p < c->end) {
		char ch = *c->p;
		if (ch == q) {
			c->p++;
			*ok = 1;
			return 0;
		}
		if (ch == '\n') {
			c->line++;
			c->line_start = c->p + 1;
		}
		if (q == '"' && ch == '\\' && c->p + 1 < c->end) {
			char nx = c->p[1], out;
			switch (nx) {
			case 'n':
				out = '\n';
				break;
			case 't':
				out = '\t';
				break;
			case 'r':
				out = '\r';
				break;
			case '"':
			case '\\':
			case '$':
				out = nx;
				break;
			default:
				out = 0;
			}
			if (out) {
				DN_TRY(dn_buf_putc(v, out, NULL));
				c->p += 2;
				continue;
			}
		}
		DN_TRY(dn_buf_putc(v, ch, NULL));
		c->p++;
	}
	return 0;
}

int dn_env_parse(struct dn_env *e, const char *file, const char *text, size_t len,
		 struct dn_problems *probs, struct dn_error *err)
{
	struct cur c = {text, text + len, 1, text};
	struct dn_buf v;
	int rc = 0;
	dn_buf_init(&v, DN_ENV_VALUE_MAX);
	if (file && !e->file && !(e->file = dn_strdup(file)))
		return dn_error_set(err, DN_ENOMEM, "out of memory reading %s", file);
	if (len > DN_ENV_MAX_BYTES) {
		dn_problems_add(probs, file, 0, 0,
				"file is larger than %u bytes, the limit for .env",
				DN_ENV_MAX_BYTES);
		return 0;
	}
	while (c.p < c.end) {
		skip_blanks(&c);
		if (c.p >= c.end)
			break;
		if (*c.p == '\n' || *c.p == '#' || *c.p == '\r') {
			skip_line(&c);
			goto next;
		}
		if (c.end - c.p > 7 && !memcmp(c.p, "export", 6) &&
		    (c.p[6] == ' ' || c.p[6] == '\t')) {
			c.p += 6;
			skip_blanks(&c);
		}
		const char *name = c.p;
		if (c.p >= c.end || !is_name_start(*c.p)) {
			dn_problems_add(probs, file, c.line, col_of(&c, c.p),
					"expected NAME=VALUE (a name is letters, digits and _, not "
					"starting with a digit)");
			skip_line(&c);
			goto next;
		}
		while (c.p < c.end && is_name_char(*c.p))
			c.p++;
		size_t nlen = (size_t)(c.p - name);
		skip_blanks(&c);
		if (c.p >= c.end || *c.p != '=') {
			dn_problems_add(probs, file, c.line, col_of(&c, c.p),
					"expected '=' after %.*s", (int)nlen, name);
			skip_line(&c);
			goto next;
		}
		c.p++;
		skip_blanks(&c);
		dn_buf_reset(&v);
		if (c.p < c.end && (*c.p == '"' || *c.p == '\'')) {
			int64_t qline = c.line, qcol = col_of(&c, c.p);
			int ok;
			if ((rc = quoted_value(&c, &v, &ok)) < 0)
				goto fail;
			if (!ok) {
				dn_problems_add(probs, file, qline, qcol,
						"the quoted value of %.*s is not closed", (int)nlen,
						name);
				break;
			}
			skip_blanks(&c);
			if (c.p < c.end && *c.p == '\r')
				c.p++;
			if (c.p < c.end && *c.p != '\n' && *c.p != '#') {
				dn_problems_add(probs, file, c.line, col_of(&c, c.p),
						"unexpected text after the closing quote of %.*s",
						(int)nlen, name);
				skip_line(&c);
				goto next;
			}
			skip_line(&c);
		} else {
			const char *vs = c.p, *ve;
			skip_line(&c);
			ve = c.p;
			/* A comment starts at a # after a blank. */
			for (const char *q = vs; q < ve; q++)
				if (*q == '#' && q > vs && (q[-1] == ' ' || q[-1] == '\t')) {
					ve = q;
					break;
				}
			while (ve > vs && (ve[-1] == ' ' || ve[-1] == '\t' || ve[-1] == '\r'))
				ve--;
			if ((rc = dn_buf_append(&v, vs, (size_t)(ve - vs), NULL)) < 0)
				goto fail;
		}
		if ((rc = dn_buf_putc(&v, 0, NULL)) < 0)
			goto fail;
		char *val = dn_buf_take(&v, NULL);
		if (!val) {
			rc = DN_ENOMEM;
			goto fail;
		}
		if ((rc = env_set(e, name, nlen, val)) < 0) {
			dn_free(val);
			if (rc == DN_ELIMIT) {
				dn_problems_add(probs, file, c.line, 1,
						"more than %d variables, the limit for .env",
						DN_ENV_MAX_VARS);
				dn_error_set_at(err, rc, file, c.line, 1,
						"more than %d variables, the limit for .env",
						DN_ENV_MAX_VARS);
				goto out;
			}
			goto fail;
		}
next:
		if (c.p < c.end && *c.p == '\n') {
			c.p++;
			c.line++;
			c.line_start = c.p;
		}
	}
	rc = 0;
	goto out;
fail:
	if (rc == DN_ELIMIT) {
		dn_problems_add(probs, file, c.line, 1, "a value longer than %u bytes",
				DN_ENV_VALUE_MAX);
		dn_error_set_at(err, rc, file, c.line, 1, "a value longer than %u bytes",
				DN_ENV_VALUE_MAX);
	} else
		dn_error_set(err, rc, "out of memory reading %s", file ? file : ".env");
out:
	dn_buf_release(&v);
	return rc == DN_ELIMIT ? rc : (rc < 0 ? rc : 0);
}

int dn_env_load(struct dn_env *e, const char *path, const char *shown, struct dn_problems *probs,
		struct dn_error *err)
{
	struct dn_buf b = DN_BUF_INIT;
	struct dn_error e2;
	dn_error_clear(&e2);
	int rc = dn_read_file(path, &b, DN_ENV_MAX_BYTES + 1, &e2);
	if (rc < 0) {
		dn_buf_release(&b);
		if (rc == DN_ENOTFOUND)
			return 0;
		if (rc == DN_ELIMIT) {
			dn_problems_add(probs, shown, 0, 0,
					"file is larger than %u bytes, the limit for .env",
					DN_ENV_MAX_BYTES);
			return 0;
		}
		if (err)
			*err = e2;
		return rc;
	}
	rc = dn_env_parse(e, shown, b.data ? b.data : "", b.len, probs, err);
	dn_buf_release(&b);
	return rc == DN_ELIMIT ? 0 : rc;
}

const char *dn_env_get(const struct dn_env *e, const char *name)
{
	const char *v = getenv(name);
	if (v)
		return v;
	for (size_t i = 0; e && i < e->n; i++)
		if (!strcmp(e->names[i], name))
			return e->values[i];
	return NULL;
}

int dn_env_expand(const struct dn_env *e, const char *s, struct dn_buf *out, size_t *bad_off,
		  struct dn_error *err)
{
	const char *p = s;
	char name[256];
	while (*p) {
		const char *d = strchr(p, '$');
		if (!d)
			return dn_buf_puts(out, p, err);
		DN_TRY(dn_buf_append(out, p, (size_t)(d - p), err));
		if (d[1] == '$' && d[2] == '{') {
			DN_TRY(dn_buf_puts(out, "${", err));
			p = d + 3;
			continue;
		}
		if (d[1] != '{') {
			DN_TRY(dn_buf_putc(out, '$', err));
			p = d + 1;
			continue;
		}
		size_t at = (size_t)(d - s);
		const char *q = d + 2, *ns = q;
		if (bad_off)
			*bad_off = at;
		while (is_name_char(*q))
			q++;
		size_t nlen = (size_t)(q - ns);
		const char *dflt = NULL;
		size_t dlen = 0;
		if (!nlen || !is_name_start(*ns) || nlen >= sizeof name ||
		    (*q != '}' && !(q[0] == ':' && q[1] == '-'))) {
			if (!strchr(d, '}'))
				return dn_error_set_at(err, DN_EPARSE, NULL, 0, (int64_t)at + 1,
						       "unterminated ${: add the closing '}' (or "
						       "write $${ for a literal ${)");
			return dn_error_set_at(err, DN_EPARSE, NULL, 0, (int64_t)at + 1,
					       "bad variable reference: write ${NAME} or "
					       "${NAME:-default} (NAME is letters, digits and _)");
		}
		if (*q == ':') {
			dflt = q + 2;
			const char *close = strchr(dflt, '}');
			if (!close)
				return dn_error_set_at(err, DN_EPARSE, NULL, 0, (int64_t)at + 1,
						       "unterminated ${: add the closing '}' (or "
						       "write $${ for a literal ${)");
			dlen = (size_t)(close - dflt);
			q = close;
		}
		memcpy(name, ns, nlen);
		name[nlen] = 0;
		const char *val = dn_env_get(e, name);
		if (dflt && (!val || !*val)) {
			DN_TRY(dn_buf_append(out, dflt, dlen, err));
		} else if (val) {
			DN_TRY(dn_buf_puts(out, val, err));
		} else {
			return dn_error_set_at(err, DN_ENOTFOUND, NULL, 0, (int64_t)at + 1,
					       "undefined variable ${%s}: set it in the "
					       "environment "
					       "or .env, or give a default: ${%s:-default}",
					       name, name);
		}
		p = q + 1;
	}
	if (!out->data)
		return dn_buf_puts(out, "", err);
	return 0;
}

static int expand_node(struct dn_yaml_doc *doc, struct dn_yaml_node *n, int is_key,
		       const struct dn_env *e, struct dn_buf *b, struct dn_problems *probs,
		       struct dn_error *err)
{
	if (n->kind == DN_YAML_SCALAR) {
		if (is_key || !strchr(n->str, '$'))
			return 0;
		struct dn_error e2;
		size_t bad = 0;
		dn_error_clear(&e2);
		dn_buf_reset(b);
		int rc = dn_env_expand(e, n->str, b, &bad, &e2);
		if (rc == DN_ENOMEM)
			return dn_error_set(err, DN_ENOMEM, "out of memory");
		if (rc < 0) {
			int64_t line, col;
			if (rc == DN_ELIMIT)
				bad = 0;
			dn_yaml_position(doc, n, bad, rc == DN_ELIMIT ? "" : "${", &line, &col);
			dn_problems_add(probs, doc->file, line, col, "%s", e2.msg);
			n->unresolved = 1;
			return 0;
		}
		const char *res = b->data ? b->data : "";
		char *s = dn_arena_strndup(&doc->arena, res, b->len);
		if (!s)
			return dn_error_set(err, DN_ENOMEM, "out of memory");
		n->expanded = n->len != b->len || memcmp(n->str, res, b->len) != 0;
		n->str = s;
		n->len = b->len;
		return 0;
	}
	size_t count = n->kind == DN_YAML_MAP ? 2 * n->len : n->len;
	for (size_t i = 0; i < count; i++)
		DN_TRY(expand_node(doc, n->items[i], n->kind == DN_YAML_MAP && i % 2 == 0, e, b,
				   probs, err));
	return 0;
}

int dn_yaml_expand_env(struct dn_yaml_doc *doc, const struct dn_env *e, struct dn_problems *probs,
		       struct dn_error *err)
{
	struct dn_buf b;
	int rc = 0;
	dn_buf_init(&b, DN_ENV_VALUE_MAX);
	if (doc->root)
		rc = expand_node(doc, doc->root, 0, e, &b, probs, err);
	dn_buf_release(&b);
	return rc;
}
