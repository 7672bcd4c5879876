/* libFuzzer target for the HTML side of scraping: dn_html_links and dn_html_records on any
 * bytes, with a fixed base URL and fixed XPaths (libxml2 parses; this checks what dunya does
 * with its results).
 *
 * Any input must be handled without reading past n and only with the documented codes. Every
 * link is an absolute http, https or ftp URL without a fragment; every record line is one JSON
 * object with the three fields, and the count matches the lines. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/extract/extract.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	const char *v = (const char *)d;
	char **links = NULL;
	size_t nl = 0;
	int rc = dn_html_links(v, n, "http://example.test/dir/page.html", &links, &nl, NULL);
	if (rc != 0 && rc != DN_ENOMEM)
		abort();
	for (size_t i = 0; i < nl; i++) {
		if (strncmp(links[i], "http://", 7) && strncmp(links[i], "https://", 8) &&
		    strncmp(links[i], "ftp://", 6))
			abort();
		if (strchr(links[i], '#'))
			abort();
		dn_free(links[i]);
	}
	dn_free(links);
	struct dn_api_kv fields[] = {{"a", "td[1]"}, {"b", "string(td[2])"}, {"c", ".//a/@href"}};
	struct dn_buf out = DN_BUF_INIT;
	int64_t count = -1;
	rc = dn_html_records(v, n, "http://example.test/", "//tr | //li", fields, 3, "page", &out,
			     &count, NULL);
	if (rc != 0 && rc != DN_ENOMEM)
		abort();
	if (rc == 0) {
		int64_t lines = 0;
		for (size_t i = 0; i < out.len; i++)
			lines += out.data[i] == '\n';
		if (lines != count || (out.len && out.data[0] != '{'))
			abort();
	}
	dn_buf_release(&out);
	return 0;
}
