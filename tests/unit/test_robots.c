/* robots.txt (RFC 9309) and the HTML helpers of the extract module. */
#include <stdlib.h>

#include "../../src/extract/extract.h"
#include "../test.h"

static int allowed(const char *txt, const char *agent, const char *path)
{
	struct dn_robots r = {NULL, 0, -1};
	int rc = dn_robots_parse(&r, txt, strlen(txt), agent, NULL);
	int a = rc == 0 ? dn_robots_allowed(&r, path) : -1;
	dn_robots_release(&r);
	return a;
}

DN_TEST(robots_match)
{
	CHECK(dn_robots_match("/", "/anything"));
	CHECK(dn_robots_match("/fish", "/fish.html"));
	CHECK(dn_robots_match("/fish", "/fish/salmon.html"));
	CHECK(!dn_robots_match("/fish", "/Fish.asp"));
	CHECK(!dn_robots_match("/fish", "/catfish"));
	CHECK(dn_robots_match("/fish*", "/fishheads"));
	CHECK(dn_robots_match("/*.php", "/index.php"));
	CHECK(dn_robots_match("/*.php", "/folder/filename.php?parameters"));
	CHECK(!dn_robots_match("/*.php", "/windows.PHP"));
	CHECK(dn_robots_match("/*.php$", "/filename.php"));
	CHECK(!dn_robots_match("/*.php$", "/filename.php?parameters"));
	CHECK(!dn_robots_match("/*.php$", "/filename.php5"));
	CHECK(dn_robots_match("/fish*.php", "/fishheads/catfish.php?parameters"));
	CHECK(!dn_robots_match("/fish*.php", "/Fish.PHP"));
	CHECK(dn_robots_match("/a*b*c$", "/axxbyyc"));
	CHECK(!dn_robots_match("/a*b*c$", "/axxbyycd"));
	CHECK(dn_robots_match("*", ""));
	CHECK(dn_robots_match("/$", "/"));
	CHECK(!dn_robots_match("/$", "/a"));
}

DN_TEST(robots_groups)
{
	const char *txt = "# comment\n"
			  "User-agent: *\n"
			  "Disallow: /private/\n"
			  "Allow: /private/ok.html\n"
			  "\n"
			  "User-agent: FooBot\n"
			  "User-agent: barbot\n"
			  "Disallow: /secret # trailing comment\n"
			  "Crawl-delay: 2.5\n"
			  "\n"
			  "user-agent: foobot\n"
			  "disallow: /also\n";
	/* No group names us: the '*' group, with Allow winning by length. */
	CHECK_INT(allowed(txt, "dunya/0.1", "/private/x.html"), 0);
	CHECK_INT(allowed(txt, "dunya/0.1", "/private/ok.html"), 1);
	CHECK_INT(allowed(txt, "dunya/0.1", "/secret"), 1);
	/* FooBot's groups are combined (case-insensitive), and '*' no longer applies. */
	CHECK_INT(allowed(txt, "FooBot/2.1 (+http://x)", "/private/x.html"), 1);
	CHECK_INT(allowed(txt, "foobot", "/secret/a"), 0);
	CHECK_INT(allowed(txt, "FOOBOT/1", "/also/b"), 0);
	CHECK_INT(allowed(txt, "barbot/1", "/also/b"), 1);
	/* Product token match, not a prefix: FooBotX is someone else. */
	CHECK_INT(allowed(txt, "FooBotX/1", "/private/x"), 0);
	CHECK_INT(allowed(txt, "FooBotX/1", "/secret"), 1);
	struct dn_robots r = {NULL, 0, -1};
	CHECK_INT(dn_robots_parse(&r, txt, strlen(txt), "barbot", NULL), 0);
	CHECK(r.crawl_delay > 2.4 && r.crawl_delay < 2.6);
	dn_robots_release(&r);
	CHECK_INT(dn_robots_parse(&r, txt, strlen(txt), "other", NULL), 0);
	CHECK(r.crawl_delay < 0);
	dn_robots_release(&r);
}

DN_TEST(robots_rules)
{
	/* Longest match wins; on a tie Allow wins. */
	CHECK_INT(allowed("User-agent: *\nAllow: /p\nDisallow: /\n", "a", "/page"), 1);
	CHECK_INT(allowed("User-agent: *\nAllow: /folder\nDisallow: /folder\n", "a", "/folder/p"),
		  1);
	CHECK_INT(allowed("User-agent: *\nAllow: /page\nDisallow: /*.htm\n", "a", "/page.htm"), 0);
	CHECK_INT(allowed("User-agent: *\nAllow: /$\nDisallow: /\n", "a", "/"), 1);
	CHECK_INT(allowed("User-agent: *\nAllow: /$\nDisallow: /\n", "a", "/page.htm"), 0);
	/* An empty Disallow allows everything; no robots.txt at all too. */
	CHECK_INT(allowed("User-agent: *\nDisallow:\n", "a", "/x"), 1);
	CHECK_INT(allowed("", "a", "/x"), 1);
	/* Rules before any user-agent line belong to no group. */
	CHECK_INT(allowed("Disallow: /\nUser-agent: *\nDisallow: /x\n", "a", "/y"), 1);
	/* Percent-escapes compare case-insensitively in their hex digits. */
	CHECK_INT(allowed("User-agent: *\nDisallow: /%7ejoe\n", "a", "/%7Ejoe/index.html"), 0);
	/* robots.txt itself is always allowed. */
	CHECK_INT(allowed("User-agent: *\nDisallow: /\n", "a", "/robots.txt"), 1);
	/* CRLF lines, a byte order mark, junk lines and missing colons are tolerated. */
	CHECK_INT(allowed("\xEF\xBB\xBFUser-agent: *\r\nthis is junk\r\nDisallow: /x\r\n", "a",
			  "/x/1"),
		  0);
	/* A user-agent line after rules starts a new group. */
	CHECK_INT(allowed("User-agent: a\nDisallow: /x\nUser-agent: b\nDisallow: /y\n", "a", "/y"),
		  1);
	struct dn_robots r = {NULL, 0, -1};
	CHECK_INT(dn_robots_set_all(&r, 0, NULL), 0);
	CHECK_INT(dn_robots_allowed(&r, "/anything"), 0);
	CHECK_INT(dn_robots_set_all(&r, 1, NULL), 0);
	CHECK_INT(dn_robots_allowed(&r, "/anything"), 1);
	dn_robots_release(&r);
}

DN_TEST(html_links_records)
{
	const char *page = "<html><body><table id=t>"
			   "<tr><th>Company</th><th>Form</th></tr>"
			   "<tr><td> Acme\n  Corp </td><td>10-K</td><td><a href='f/1.htm#top'>x</a>"
			   "</td></tr>"
			   "<tr><td>Bolt &amp; Co</td><td>8-K</td><td><a href='/f/2.htm'>y</a>"
			   "</td></tr></table><a href='mailto:a@b'>m</a>"
			   "<a href='https://other.example/z'>z</a><p>unclosed";
	char **links = NULL;
	size_t n = 0;
	CHECK_INT(dn_html_links(page, strlen(page), "http://h/list/index.html", &links, &n, NULL),
		  0);
	CHECK_INT(n, 3);
	CHECK_STR(links[0], "http://h/list/f/1.htm");
	CHECK_STR(links[1], "http://h/f/2.htm");
	CHECK_STR(links[2], "https://other.example/z");
	for (size_t i = 0; i < n; i++)
		free(links[i]);
	dn_free(links);
	struct dn_api_kv fields[] = {{"company", "td[1]"},
				     {"form", "string(td[2])"},
				     {"link", "td[3]/a/@href"},
				     {"missing", "td[9]"},
				     {"cells", "count(td)"}};
	struct dn_buf out = DN_BUF_INIT;
	int64_t count = 0;
	CHECK_INT(dn_html_records(page, strlen(page), "http://h/list/", "//table[@id='t']/tr[td]",
				  fields, 5, "page", &out, &count, NULL),
		  0);
	CHECK_INT(count, 2);
	CHECK_STR(out.data,
		  "{\"company\":\"Acme Corp\",\"form\":\"10-K\",\"link\":"
		  "\"http://h/list/f/1.htm\",\"missing\":null,\"cells\":3,\"page\":"
		  "\"http://h/list/\"}\n"
		  "{\"company\":\"Bolt & Co\",\"form\":\"8-K\",\"link\":\"http://h/f/2.htm\","
		  "\"missing\":null,\"cells\":3,\"page\":\"http://h/list/\"}\n");
	dn_buf_release(&out);
	struct dn_error e;
	dn_error_clear(&e);
	struct dn_api_kv bad[] = {{"a", "td[["}};
	CHECK_INT(dn_html_records(page, strlen(page), "http://h/", "//tr", bad, 1, NULL, &out,
				  &count, &e),
		  DN_EINVAL);
	CHECK(strstr(e.msg, "field 'a'") != NULL);
	dn_buf_release(&out);
	CHECK_INT(dn_html_xpath_check("//a[", &e), DN_EINVAL);
	CHECK_INT(dn_html_xpath_check("//a[@href]", NULL), 0);
}
