/* Rendering {{ name }} templates in task parameters. The grammar is deliberately small: an
 * expression is a dotted name (`ds`, `params.region`, `tasks.extract.output.rows`), resolved by
 * the caller's lookup; there are no filters or logic, so a template can be checked completely
 * before anything runs (dn_template_check) and rendering cannot fail halfway for a reason that
 * validation could not see, except an upstream output that was never published.
 *
 * SQL models add one construct, `{% if COND %} ... {% else %} ... {% endif %}` blocks
 * (dn_template_render_blocks), whose condition the caller evaluates. Every expression is still
 * looked up in a branch that is not taken (into a scratch buffer that is thrown away), so a
 * model's refs are all checked and all count as dependencies whichever branch a run takes. */
#include <string.h>

#include "pipeline.h"

#define BLOCK_DEPTH_MAX 16

/* One {% tag %}: its trimmed contents (a '-' for whitespace control is accepted and ignored). */
static struct dn_str tag_body(const char *open, const char *close)
{
	struct dn_str e = dn_str_make(open + 2, (size_t)(close - open - 2));
	if (e.len && e.ptr[0] == '-')
		e = dn_str_make(e.ptr + 1, e.len - 1);
	if (e.len && e.ptr[e.len - 1] == '-')
		e.len--;
	return dn_str_trim(e);
}

static int word_is(struct dn_str e, const char *w, struct dn_str *rest)
{
	size_t n = strlen(w);
	if (e.len < n || memcmp(e.ptr, w, n) != 0 ||
	    (e.len > n && e.ptr[n] != ' ' && e.ptr[n] != '\t'))
		return 0;
	if (rest)
		*rest = dn_str_trim(dn_str_make(e.ptr + n, e.len - n));
	return 1;
}

int dn_template_render_blocks(const char *s, dn_template_lookup_fn fn, dn_template_cond_fn cond,
			      void *user, struct dn_buf *out, struct dn_error *err)
{
	struct dn_buf scratch = DN_BUF_INIT;
	/* Per open block: the condition's value, whether output was on where the block began
	 * (parent) and is on in its current branch (act), whether its else was seen, its column. */
	int cv[BLOCK_DEPTH_MAX], parent[BLOCK_DEPTH_MAX], act[BLOCK_DEPTH_MAX];
	int in_else[BLOCK_DEPTH_MAX];
	size_t where[BLOCK_DEPTH_MAX];
	int depth = 0, skip = 0; /* skip: output is off (a branch not taken) */
	const char *p = s;
	int rc = 0;
	for (;;) {
		const char *open = strstr(p, "{{");
		const char *blk = cond ? strstr(p, "{%") : NULL;
		int is_block = blk && (!open || blk < open);
		if (is_block)
			open = blk;
		if (!open) {
			if (!skip)
				rc = dn_buf_puts(out, p, err);
			break;
		}
		if (!skip && (rc = dn_buf_append(out, p, (size_t)(open - p), err)) < 0)
			break;
		size_t col = (size_t)(open - s) + 1;
		const char *close = strstr(open + 2, is_block ? "%}" : "}}");
		if (!close) {
			rc = dn_error_set(err, DN_EPARSE,
					  "unterminated template at column %zu: '%s' without '%s'",
					  col, is_block ? "{%" : "{{", is_block ? "%}" : "}}");
			goto fail_at;
		}
		p = close + 2;
		if (!is_block) {
			struct dn_str e =
				dn_str_trim(dn_str_make(open + 2, (size_t)(close - open - 2)));
			if (e.len == 0) {
				rc = dn_error_set(err, DN_EPARSE,
						  "empty template '{{ }}' at column %zu", col);
				goto fail_at;
			}
			dn_buf_reset(&scratch);
			rc = fn(user, e.ptr, e.len, skip ? &scratch : out, err);
			if (rc < 0) {
				if (err && !err->msg[0])
					dn_error_set(err, rc, "template {{ %.*s }}: %s", (int)e.len,
						     e.ptr, dn_strerror(rc));
				goto fail_at;
			}
			continue;
		}
		struct dn_str e = tag_body(open, close), rest;
		if (word_is(e, "if", &rest)) {
			int v = 0;
			if (depth == BLOCK_DEPTH_MAX) {
				rc = dn_error_set(
					err, DN_ELIMIT,
					"more than %d nested {%% if %%} blocks at column %zu",
					BLOCK_DEPTH_MAX, col);
				goto fail_at;
			}
			if (!rest.len) {
				rc = dn_error_set(err, DN_EPARSE,
						  "{%% if %%} needs a condition at column %zu",
						  col);
				goto fail_at;
			}
			if ((rc = cond(user, rest.ptr, rest.len, &v, err)) < 0)
				goto fail_at;
			cv[depth] = v;
			parent[depth] = !skip;
			act[depth] = !skip && v;
			in_else[depth] = 0;
			where[depth] = col;
			skip = !act[depth];
			depth++;
		} else if (word_is(e, "else", &rest) && !rest.len) {
			if (!depth || in_else[depth - 1]) {
				rc = dn_error_set(err, DN_EPARSE,
						  "{%% else %%} without {%% if %%} at column %zu",
						  col);
				goto fail_at;
			}
			in_else[depth - 1] = 1;
			act[depth - 1] = parent[depth - 1] && !cv[depth - 1];
			skip = !act[depth - 1];
		} else if (word_is(e, "endif", &rest) && !rest.len) {
			if (!depth) {
				rc = dn_error_set(err, DN_EPARSE,
						  "{%% endif %%} without {%% if %%} at column %zu",
						  col);
				goto fail_at;
			}
			depth--;
			skip = depth ? !act[depth - 1] : 0;
		} else {
			rc = dn_error_set(err, DN_EPARSE,
					  "unknown block {%% %.*s %%} at column %zu (dunya knows "
					  "if, else and endif)",
					  (int)(e.len > 40 ? 40 : e.len), e.ptr, col);
			goto fail_at;
		}
		continue;
fail_at:
		if (cond && err && !err->column)
			err->column = (int64_t)col;
		break;
	}
	if (rc >= 0 && depth) {
		rc = dn_error_set(err, DN_EPARSE, "{%% if %%} at column %zu has no {%% endif %%}",
				  where[depth - 1]);
		if (err)
			err->column = (int64_t)where[depth - 1];
	}
	dn_buf_release(&scratch);
	return rc < 0 ? rc : 0;
}

int dn_template_render(const char *s, dn_template_lookup_fn fn, void *user, struct dn_buf *out,
		       struct dn_error *err)
{
	return dn_template_render_blocks(s, fn, NULL, user, out, err);
}
