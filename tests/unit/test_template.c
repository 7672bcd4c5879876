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
