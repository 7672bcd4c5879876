/* Template rendering: names resolved by the caller, whitespace, errors. */
#include "../../src/pipeline/pipeline.h"
#include "../test.h"

static int lookup(void *user, const char *name, size_t len, struct dn_buf *out,
		  struct dn_error *err)
{
	(void)user;
	if (len == 2 && memcmp(name, "ds", 2) == 0)
		return dn_buf_puts(out, "2024-01-31", err);
	if (len == 13 && memcmp(name, "params.region", 13) == 0)
		return dn_buf_puts(out, "eu", err);
	return dn_error_set(err, DN_ENOTFOUND, "unknown template name '%.*s'", (int)len, name);
}

DN_TEST(template_render)
{
	struct dn_buf out = DN_BUF_INIT;
	struct dn_error err;
	CHECK_OK(dn_template_render("load {{ds}} for {{  params.region }}!", lookup, NULL, &out,
				    &err),
		 &err);
	CHECK_STR(out.data, "load 2024-01-31 for eu!");
	dn_buf_reset(&out);
	CHECK_OK(dn_template_render("no templates {x} }}", lookup, NULL, &out, &err), &err);
	CHECK_STR(out.data, "no templates {x} }}");
	dn_buf_reset(&out);
	CHECK_INT(dn_template_render("a {{ nope }}", lookup, NULL, &out, &err), DN_ENOTFOUND);
	CHECK(strstr(err.msg, "'nope'") != NULL);
	CHECK_INT(dn_template_render("a {{ ds", lookup, NULL, &out, &err), DN_EPARSE);
	CHECK(strstr(err.msg, "column 3") != NULL);
	CHECK_INT(dn_template_render("{{ }}", lookup, NULL, &out, &err), DN_EPARSE);
	dn_buf_release(&out);
}

static int cond_flag(void *user, const char *e, size_t len, int *value, struct dn_error *err)
{
	if (len == 2 && memcmp(e, "on", 2) == 0) {
		*value = *(int *)user;
		return 0;
	}
	if (len == 3 && memcmp(e, "off", 3) == 0) {
		*value = 0;
		return 0;
	}
	return dn_error_set(err, DN_EPARSE, "unknown condition '%.*s'", (int)len, e);
}

static int lookup_count(void *user, const char *name, size_t len, struct dn_buf *out,
			struct dn_error *err)
{
	(void)user;
	return dn_buf_printf(out, err, "<%.*s>", (int)len, name);
}

/* {% if %} blocks: taken and not taken, else, nesting, and the errors with their columns. */
DN_TEST(template_blocks)
{
	struct dn_buf out = DN_BUF_INIT;
	struct dn_error err;
	int on = 1;
	const char *t = "a{% if on %}b{{ x }}{% else %}c{% endif %}d";
	CHECK_OK(dn_template_render_blocks(t, lookup_count, cond_flag, &on, &out, &err), &err);
	CHECK_STR(out.data, "ab<x>d");
	on = 0;
	dn_buf_reset(&out);
	CHECK_OK(dn_template_render_blocks(t, lookup_count, cond_flag, &on, &out, &err), &err);
	CHECK_STR(out.data, "acd");
	/* Nested: an inner else inside a branch not taken stays off. */
	dn_buf_reset(&out);
	CHECK_OK(dn_template_render_blocks("{% if off %}{% if on %}1{% else %}2{% endif %}"
					   "{%- else -%}3{% if on %}4{% else %}5{% endif %}"
					   "{% endif %}",
					   lookup_count, cond_flag, &on, &out, &err),
		 &err);
	CHECK_STR(out.data, "35");
	/* Without cond, {% is plain text, as before. */
	dn_buf_reset(&out);
	CHECK_OK(dn_template_render("x {% if y %}", lookup_count, NULL, &out, &err), &err);
	CHECK_STR(out.data, "x {% if y %}");
	/* Expressions in a branch not taken are still looked up (and can fail). */
	dn_buf_reset(&out);
	CHECK_INT(dn_template_render_blocks("{% if off %}{{ nope }}{% endif %}", lookup, cond_flag,
					    &on, &out, &err),
		  DN_ENOTFOUND);
	CHECK_INT(dn_template_render_blocks("ab{% if on %}x", lookup_count, cond_flag, &on, &out,
					    &err),
		  DN_EPARSE);
	CHECK(strstr(err.msg, "no {% endif %}") != NULL);
	CHECK_INT(err.column, 3);
	CHECK_INT(dn_template_render_blocks("{% endif %}", lookup_count, cond_flag, &on, &out,
					    &err),
		  DN_EPARSE);
	CHECK_INT(dn_template_render_blocks("a {% for x in y %}", lookup_count, cond_flag, &on,
					    &out, &err),
		  DN_EPARSE);
	CHECK(strstr(err.msg, "unknown block") != NULL);
	CHECK_INT(err.column, 3);
	CHECK_INT(dn_template_render_blocks("{% if maybe %}{% endif %}", lookup_count, cond_flag,
					    &on, &out, &err),
		  DN_EPARSE);
	CHECK_INT(dn_template_render_blocks("{% if on %}{% else %}{% else %}{% endif %}",
					    lookup_count, cond_flag, &on, &out, &err),
		  DN_EPARSE);
	CHECK_INT(dn_template_render_blocks("{% if on", lookup_count, cond_flag, &on, &out, &err),
		  DN_EPARSE);
	dn_buf_release(&out);
}
