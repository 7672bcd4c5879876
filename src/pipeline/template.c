/* Rendering {{ name }} templates in task parameters. The grammar is deliberately small: an
 * expression is a dotted name (`ds`, `params.region`, `tasks.extract.output.rows`), resolved by
 * the caller's lookup; there are no filters or logic, so a template can be checked completely
 * before anything runs (dn_template_check) and rendering cannot fail halfway for a reason that
 * validation could not see, except an upstream output that was never published. */
#include <string.h>

#include "pipeline.h"

int dn_template_render(const char *s, dn_template_lookup_fn fn, void *user, struct dn_buf *out,
		       struct dn_error *err)
{
	const char *p = s;
	for (;;) {
		const char *open = strstr(p, "{{");
		if (!open)
			return dn_buf_puts(out, p, err);
		DN_TRY(dn_buf_append(out, p, (size_t)(open - p), err));
		const char *close = strstr(open + 2, "}}");
		if (!close)
			return dn_error_set(err, DN_EPARSE,
					    "unterminated template at column %zu: '{{' "
					    "without '}}'",
					    (size_t)(open - s) + 1);
		struct dn_str e = dn_str_trim(dn_str_make(open + 2, (size_t)(close - open - 2)));
		if (e.len == 0)
			return dn_error_set(err, DN_EPARSE, "empty template '{{ }}' at column %zu",
					    (size_t)(open - s) + 1);
		int rc = fn(user, e.ptr, e.len, out, err);
		if (rc < 0) {
			if (err && !err->msg[0])
				dn_error_set(err, rc, "template {{ %.*s }}: %s", (int)e.len, e.ptr,
					     dn_strerror(rc));
			return rc;
		}
		p = close + 2;
	}
}
