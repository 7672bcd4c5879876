/* REST API extraction's pure parts (src/extract/api.c): Link headers, Retry-After and
 * X-RateLimit-Reset values, rates, the token bucket, records paths, re-serialised records,
 * bookmark order; and the metadata store's bookmarks. The HTTP side is tested end to end in
 * tests/cases/cli/api.t against a local server. */
#include <sqlite3.h>

#include "../../src/extract/extract.h"
#include "../../src/pipeline/pipeline.h"
#include "../test.h"

static int link_next(const char *v, char *out, size_t cap)
{
	struct dn_buf b = DN_BUF_INIT;
	int rc = dn_api_link_next(v, strlen(v), &b, NULL);
	snprintf(out, cap, "%s", rc == 1 && b.data ? b.data : "");
	dn_buf_release(&b);
	return rc;
}

DN_TEST(api_link_header)
{
	char u[256];
	CHECK_INT(link_next("<https://a.example/x?page=2>; rel=\"next\"", u, sizeof u), 1);
	CHECK_STR(u, "https://a.example/x?page=2");
	/* GitHub's shape: several links, next not first. */
	CHECK_INT(link_next("<https://api.x/r?page=1>; rel=\"prev\", <https://api.x/r?page=3>; "
			    "rel=\"next\", <https://api.x/r?page=9>; rel=\"last\"",
			    u, sizeof u),
		  1);
	CHECK_STR(u, "https://api.x/r?page=3");
	/* A comma inside the URL, a token value, upper case, a list of relations, spaces. */
	CHECK_INT(link_next("</a,b?x=1>;rel=NEXT", u, sizeof u), 1);
	CHECK_STR(u, "/a,b?x=1");
	CHECK_INT(link_next("  </p2> ; title=\"a, b; c\" ; rel=\"last next\"", u, sizeof u), 1);
	CHECK_STR(u, "/p2");
	/* rel="nextpage" is not next; a missing next is 0. */
	CHECK_INT(link_next("</p2>; rel=\"nextpage\", </p1>; rel=\"first\"", u, sizeof u), 0);
	CHECK_INT(link_next("", u, sizeof u), 0);
	/* Malformed values are errors, not guesses. */
	CHECK_INT(link_next("https://x/p2; rel=next", u, sizeof u), DN_EPARSE);
	CHECK_INT(link_next("</p2; rel=next", u, sizeof u), DN_EPARSE);
	CHECK_INT(link_next("</p2>; rel=\"next", u, sizeof u), DN_EPARSE);
	CHECK_INT(link_next("</p2> rel=next", u, sizeof u), DN_EPARSE);
	CHECK_INT(link_next("</p2>; =next", u, sizeof u), DN_EPARSE);
}

DN_TEST(api_retry_after)
{
	int64_t ms = -1;
	CHECK_OK(dn_api_retry_after("120", 3, 0, &ms), NULL);
	CHECK_INT(ms, 120000);
	CHECK_OK(dn_api_retry_after(" 0 ", 3, 0, &ms), NULL);
	CHECK_INT(ms, 0);
	/* An HTTP date 90 s after now; one in the past is no wait. */
	int64_t now = 784111687; /* Sun, 06 Nov 1994 08:48:07 GMT */
	const char *d = "Sun, 06 Nov 1994 08:49:37 GMT";
	CHECK_OK(dn_api_retry_after(d, strlen(d), now, &ms), NULL);
	CHECK_INT(ms, 90000);
	CHECK_OK(dn_api_retry_after(d, strlen(d), now + 1000, &ms), NULL);
	CHECK_INT(ms, 0);
	d = "Sunday, 06-Nov-94 08:49:37 GMT"; /* RFC 850 */
	CHECK_OK(dn_api_retry_after(d, strlen(d), now, &ms), NULL);
	CHECK_INT(ms, 90000);
	CHECK_INT(dn_api_retry_after("", 0, now, &ms), DN_EPARSE);
	CHECK_INT(dn_api_retry_after("-5", 2, now, &ms), DN_EPARSE);
	CHECK_INT(dn_api_retry_after("1.5", 3, now, &ms), DN_EPARSE);
	CHECK_INT(dn_api_retry_after("soon", 4, now, &ms), DN_EPARSE);
	CHECK_INT(dn_api_retry_after("99999999999999999999", 20, now, &ms), DN_EPARSE);
	/* Found by the fuzzer: libcurl reads this as a date a million years away. */
	CHECK_INT(dn_api_retry_after("Nov001060000001 4", 17, now, &ms), DN_EPARSE);

	/* X-RateLimit-Reset: a delta, or a Unix time above 10^9. */
	CHECK_OK(dn_api_ratelimit_reset("30", 2, now, &ms), NULL);
	CHECK_INT(ms, 30000);
	CHECK_OK(dn_api_ratelimit_reset("0.25", 4, now, &ms), NULL);
	CHECK_INT(ms, 250);
	CHECK_OK(dn_api_ratelimit_reset("1700000010", 10, 1700000000, &ms), NULL);
	CHECK_INT(ms, 10000);
	CHECK_OK(dn_api_ratelimit_reset("1600000000", 10, 1700000000, &ms), NULL);
	CHECK_INT(ms, 0);
	CHECK_INT(dn_api_ratelimit_reset("x", 1, now, &ms), DN_EPARSE);
	CHECK_INT(dn_api_ratelimit_reset("-1", 2, now, &ms), DN_EPARSE);
}

DN_TEST(api_rate_parse)
{
	double r = 0;
	CHECK_OK(dn_api_rate_parse("10/s", &r), NULL);
	CHECK(r == 10);
	CHECK_OK(dn_api_rate_parse("120/minute", &r), NULL);
	CHECK(r == 2);
	CHECK_OK(dn_api_rate_parse("0.5/second", &r), NULL);
	CHECK(r == 0.5);
	CHECK_OK(dn_api_rate_parse("3600/h", &r), NULL);
	CHECK(r == 1);
	CHECK_INT(dn_api_rate_parse("10", &r), DN_EPARSE);
	CHECK_INT(dn_api_rate_parse("0/s", &r), DN_EPARSE);
	CHECK_INT(dn_api_rate_parse("10/day", &r), DN_EPARSE);
	CHECK_INT(dn_api_rate_parse("x/s", &r), DN_EPARSE);
}

DN_TEST(api_token_bucket)
{
	struct dn_api_bucket b;
	/* 4 per second: the first request goes at once, then one every 250 ms. */
	dn_api_bucket_init(&b, 4, 1000000);
	CHECK_INT(dn_api_bucket_take(&b, 1000000), 0);
	CHECK_INT(dn_api_bucket_take(&b, 1000000), 250000);
	CHECK_INT(dn_api_bucket_take(&b, 1100000), 150000);
	CHECK_INT(dn_api_bucket_take(&b, 1250000), 0);
	/* A long pause does not bank a burst: one token at most. */
	CHECK_INT(dn_api_bucket_take(&b, 9000000), 0);
	CHECK(dn_api_bucket_take(&b, 9000000) > 0);
	/* A clock that seems to step back (another thread's reading) waits, never goes early. */
	CHECK(dn_api_bucket_take(&b, 8000000) > 0);
	/* Simulated: 1000 requests taking each as soon as allowed never exceed the rate in any
	 * window: request k goes at or after k / rate. */
	dn_api_bucket_init(&b, 7, 0);
	int64_t t = 0;
	for (int k = 0; k < 1000; k++) {
		int64_t w;
		while ((w = dn_api_bucket_take(&b, t)) > 0)
			t += w;
		CHECK(t * 7 >= (int64_t)k * 1000000 - 7);
	}
	/* No rate: never waits. */
	dn_api_bucket_init(&b, 0, 0);
	CHECK_INT(dn_api_bucket_take(&b, 0), 0);
	CHECK_INT(dn_api_bucket_take(&b, 0), 0);
}

DN_TEST(api_records_path)
{
	struct dn_arena a;
	struct dn_jv *doc;
	struct dn_error e;
	struct dn_buf out = DN_BUF_INIT;
	const char *text = "{\"data\": {\"items\": [{\"id\": 1, \"x\": {\"y\": [true, null]}}, "
			   "{\"id\": 2.50, \"s\": \"a\\\"b\\u00e9\"}], \"n\": 2}, \"meta\": "
			   "{\"next\": null}, \"list\": [[1], [2, 3]]}";
	dn_arena_init(&a, 0);
	CHECK_OK(dn_jv_parse(&a, "t", text, strlen(text), &doc, &e), &e);
	CHECK(dn_api_select(doc, NULL) == doc);
	CHECK(dn_api_select(doc, "") == doc);
	const struct dn_jv *items = dn_api_select(doc, "data.items");
	CHECK(items && items->kind == DN_JV_ARR && items->n == 2);
	CHECK(dn_api_select(doc, "data.n")->kind == DN_JV_NUM);
	CHECK(dn_api_select(doc, "meta.next")->kind == DN_JV_NULL);
	CHECK(dn_api_select(doc, "data.items.1.id")->num == 2.5);
	CHECK(dn_api_select(doc, "list.1.0")->num == 2);
	CHECK(dn_api_select(doc, "data.nothing") == NULL);
	CHECK(dn_api_select(doc, "data.items.2") == NULL);
	CHECK(dn_api_select(doc, "data.items.x") == NULL);
	CHECK(dn_api_select(doc, "data.n.deeper") == NULL);
	/* Records are written back compactly, numbers as the server wrote them. */
	CHECK_OK(dn_api_jv_write(&out, &items->items[0], &e), &e);
	CHECK_STR(out.data, "{\"id\":1,\"x\":{\"y\":[true,null]}}");
	dn_buf_reset(&out);
	CHECK_OK(dn_api_jv_write(&out, &items->items[1], &e), &e);
	CHECK_STR(out.data, "{\"id\":2.50,\"s\":\"a\\\"b\xc3\xa9\"}");
	dn_buf_release(&out);
	dn_arena_release(&a);
}

DN_TEST(api_bookmark_order)
{
	CHECK(dn_api_bookmark_cmp("9", "10") < 0); /* numbers as numbers */
	CHECK(dn_api_bookmark_cmp("-1.5", "-2") > 0);
	CHECK(dn_api_bookmark_cmp("2024-01-10T00:00:00Z", "2024-01-09T23:59:59Z") > 0);
	CHECK(dn_api_bookmark_cmp("abc", "abc") == 0);
	CHECK(dn_api_bookmark_cmp("2024-01-02", "9") < 0); /* text when not both numbers */
}

DN_TEST(api_meta_bookmarks)
{
	struct dn_meta *m = NULL;
	struct dn_error e;
	char *v = NULL;
	CHECK_OK(dn_meta_open(&m, dn_test_tmp_path("bookmarks.db"), &e), &e);
	CHECK_INT(dn_meta_bookmark_get(m, "p", "t", &v, &e), 0);
	CHECK_OK(dn_meta_bookmark_set(m, "p", "t", "2024-01-03", 1, &e), &e);
	CHECK_OK(dn_meta_bookmark_set(m, "p", "u", "7", 1, &e), &e);
	CHECK_OK(dn_meta_bookmark_set(m, "p", "t", "2024-01-04", 2, &e), &e);
	CHECK_INT(dn_meta_bookmark_get(m, "p", "t", &v, &e), 1);
	CHECK_STR(v, "2024-01-04");
	dn_free(v);
	CHECK_INT(dn_meta_bookmark_get(m, "q", "t", &v, &e), 0);
	dn_meta_close(m);
	/* Reopening keeps them (and the schema version check passes). */
	CHECK_OK(dn_meta_open(&m, dn_test_tmp_path("bookmarks.db"), &e), &e);
	CHECK_INT(dn_meta_bookmark_get(m, "p", "u", &v, &e), 1);
	CHECK_STR(v, "7");
	dn_free(v);
	dn_meta_close(m);
}

DN_TEST(api_meta_bookmarks_migrate_v2)
{
	/* A store written by a dunya before bookmarks (schema 2) gains the table on open. */
	struct dn_meta *m = NULL;
	struct dn_error e;
	sqlite3 *db = NULL;
	char *v = NULL;
	const char *path = dn_test_tmp_path("v2.db");
	CHECK_OK(dn_meta_open(&m, path, &e), &e);
	dn_meta_close(m);
	CHECK(sqlite3_open(path, &db) == SQLITE_OK);
	CHECK(sqlite3_exec(db,
			   "DROP TABLE bookmarks; UPDATE dunya_meta SET value='2' WHERE "
			   "key='schema'",
			   NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
	CHECK_OK(dn_meta_open(&m, path, &e), &e);
	CHECK_OK(dn_meta_bookmark_set(m, "p", "t", "5", 1, &e), &e);
	CHECK_INT(dn_meta_bookmark_get(m, "p", "t", &v, &e), 1);
	CHECK_STR(v, "5");
	dn_free(v);
	dn_meta_close(m);
	CHECK(sqlite3_open(path, &db) == SQLITE_OK);
	sqlite3_stmt *st = NULL;
	CHECK(sqlite3_prepare_v2(db, "SELECT value FROM dunya_meta WHERE key='schema'", -1, &st,
				 NULL) == SQLITE_OK);
	CHECK(sqlite3_step(st) == SQLITE_ROW);
	CHECK_STR((const char *)sqlite3_column_text(st, 0), "4");
	sqlite3_finalize(st);
	sqlite3_close(db);
}
