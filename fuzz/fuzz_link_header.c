/* libFuzzer target for the header parsers of REST extraction: dn_api_link_next (RFC 8288 Link),
 * dn_api_retry_after (delta seconds or an HTTP date) and dn_api_ratelimit_reset.
 *
 * Any input must be accepted or rejected without reading past n (ASan checks the exact-size
 * copy libFuzzer hands us) and only with the documented codes. A found next link is a substring
 * of the input (the parser copies, never invents), holds no '>' and is found again when parsed
 * on its own in canonical form. Delays are never negative. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/extract/extract.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	const char *v = (const char *)d;
	struct dn_buf out = DN_BUF_INIT, again = DN_BUF_INIT, canon = DN_BUF_INIT;
	int rc = dn_api_link_next(v, n, &out, NULL);
	if (rc != 0 && rc != 1 && rc != DN_EPARSE && rc != DN_ENOMEM)
		abort();
	if (rc == 1) {
		size_t len = out.len;
		if (len > n || (len && !memmem(v, n, out.data, len)) ||
		    (len && memchr(out.data, '>', len)))
			abort();
		dn_buf_putc(&canon, '<', NULL);
		dn_buf_append(&canon, out.data ? out.data : "", len, NULL);
		dn_buf_puts(&canon, ">; rel=\"next\"", NULL);
		if (dn_api_link_next(canon.data, canon.len, &again, NULL) != 1 ||
		    again.len != len || (len && memcmp(again.data, out.data, len)))
			abort();
	}
	int64_t ms = -1;
	rc = dn_api_retry_after(v, n, 1700000000, &ms);
	if ((rc != 0 && rc != DN_EPARSE) || (rc == 0 && ms < 0))
		abort();
	ms = -1;
	rc = dn_api_ratelimit_reset(v, n, 1700000000, &ms);
	if ((rc != 0 && rc != DN_EPARSE) || (rc == 0 && ms < 0))
		abort();
	dn_buf_release(&out);
	dn_buf_release(&again);
	dn_buf_release(&canon);
	return 0;
}
