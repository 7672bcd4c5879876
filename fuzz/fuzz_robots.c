/* libFuzzer target for robots.txt (dn_robots_parse, dn_robots_allowed, dn_robots_match).
 *
 * The input is split at its first NUL: robots.txt text before, a path after (a fixed path when
 * there is none). Any text must parse (only DN_ENOMEM may fail) without reading past n; the
 * verdict is 0 or 1; /robots.txt is always allowed; an empty rule set allows everything; and a
 * rule that is the path itself (without wildcards) matches it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/extract/extract.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	const char *v = (const char *)d;
	const char *nul = memchr(v, 0, n);
	size_t tn = nul ? (size_t)(nul - v) : n;
	char path[512] = "/some/path.html?q=1";
	if (nul) {
		size_t pn = n - tn - 1;
		if (pn >= sizeof path)
			pn = sizeof path - 1;
		memcpy(path, nul + 1, pn);
		path[pn] = 0;
	}
	struct dn_robots r = {NULL, 0, -1};
	int rc = dn_robots_parse(&r, v, tn, "dunya/0.1", NULL);
	if (rc != 0 && rc != DN_ENOMEM)
		abort();
	int a = dn_robots_allowed(&r, path);
	if (a != 0 && a != 1)
		abort();
	if (!dn_robots_allowed(&r, "/robots.txt"))
		abort();
	if (r.n == 0 && !a)
		abort();
	for (size_t i = 0; i < r.n; i++)
		if (!r.rules[i].pattern)
			abort();
	dn_robots_release(&r);
	if (!strpbrk(path, "*$%") && !dn_robots_match(path, path))
		abort();
	return 0;
}
