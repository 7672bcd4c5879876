/* libFuzzer target for dn_s3_list_parse, the ListObjectsV2 XML parser of the S3 lake.
 *
 * Any input must be accepted or rejected without reading past n (ASan checks the exact-size
 * copy) and with one of the documented codes. What an accepted page holds must respect the
 * parser's ceilings: non-empty keys of at most DN_S3_KEY_MAX bytes with no NUL inside, sizes
 * from 0 to below 2^50, a token of at most DN_S3_TOKEN_MAX bytes. The input is parsed twice
 * into one page, so the append path runs too: the second parse must append the same number of
 * objects, and a failed parse must leave the page as it was. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/store/store_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static void check_page(const struct dn_s3_list_page *p)
{
	for (size_t i = 0; i < p->n; i++) {
		const char *k = p->objs[i].key;
		if (!k || !k[0] || strlen(k) > DN_S3_KEY_MAX)
			abort();
		if (p->objs[i].size < 0 || p->objs[i].size >= ((int64_t)1 << 50))
			abort();
	}
	if (p->next_token && (!p->next_token[0] || strlen(p->next_token) > DN_S3_TOKEN_MAX))
		abort();
	if (p->truncated != 0 && p->truncated != 1)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct dn_s3_list_page page = {0};
	struct dn_error err;
	int rc = dn_s3_list_parse((const char *)d, n, &page, &err);
	if (rc < 0) {
		if (rc != DN_EPARSE && rc != DN_ELIMIT && rc != DN_EIO && rc != DN_ENOMEM)
			abort();
		if (page.n != 0 || !err.msg[0])
			abort();
		dn_s3_list_page_release(&page);
		return 0;
	}
	check_page(&page);
	size_t first = page.n;
	rc = dn_s3_list_parse((const char *)d, n, &page, &err);
	if (rc < 0 || page.n != 2 * first)
		abort();
	check_page(&page);
	for (size_t i = 0; i < first; i++)
		if (strcmp(page.objs[i].key, page.objs[first + i].key) != 0 ||
		    page.objs[i].size != page.objs[first + i].size)
			abort();
	dn_s3_list_page_release(&page);
	return 0;
}
