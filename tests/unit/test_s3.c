/* Tests of the S3 lake backend (lake_s3.c): the SigV4 signer against AWS's published examples,
 * the ListObjectsV2 parser on entities and garbage, key rules, and every op against a real fake
 * S3 server (s3rver, started once per test process by tests/s3-server on 127.0.0.1 and stopped
 * at exit). Nothing here talks to any address but 127.0.0.1: every fs gets an explicit endpoint.
 *
 * s3rver checks signatures (so a wrong secret is refused as by AWS) but ignores If-None-Match on
 * PUT, so the if_absent test accepts a plain overwrite there; the exact semantics are the local
 * backend's and are tested with it. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../src/store/store_int.h"
#include "../test.h"

#define S3_BUCKET "dunya-test"
#define S3_KEY_ID "S3RVER"
#define S3_SECRET "S3RVER"

/* ---------------------------------------------------------------------------------------------
 * The signer, on AWS's examples (S3 API reference, "Signature Calculations for the
 * Authorization Header": example credentials, 20130524, us-east-1, examplebucket). */

#define EX_KEY "AKIAIOSFODNN7EXAMPLE"
#define EX_SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define EX_HOST "examplebucket.s3.amazonaws.com"
#define EX_DATE "20130524T000000Z"
#define EMPTY_SHA "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static int sign_example(const char *method, const char *uri, const char *query,
			const struct dn_s3_header *h, size_t nh, const char *payload,
			struct dn_buf *auth, char sig[65])
{
	struct dn_s3_sign_input in = {method,  uri,     query,       h,      nh,
				      payload, EX_DATE, "us-east-1", EX_KEY, EX_SECRET};
	return dn_s3_sign(&in, auth, sig, NULL);
}

DN_TEST(s3_sign_aws_examples)
{
	struct dn_buf auth = DN_BUF_INIT;
	char sig[65];

	/* GET Object, with a Range header. */
	struct dn_s3_header get[] = {{"Host", EX_HOST},
				     {"Range", "bytes=0-9"},
				     {"x-amz-content-sha256", EMPTY_SHA},
				     {"x-amz-date", EX_DATE}};
	CHECK_INT(sign_example("GET", "/test.txt", "", get, 4, EMPTY_SHA, &auth, sig), 0);
	CHECK_STR(sig, "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
	CHECK_STR(auth.data, "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/"
			     "s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;"
			     "x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48"
			     "dd91039c6036bdb41");

	/* PUT Object "Welcome to Amazon S3." as test$file.text: the key is percent-encoded and
	 * headers arrive unsorted, in mixed case. */
	struct dn_buf uri = DN_BUF_INIT;
	CHECK_INT(dn_s3_uri_encode(&uri, "/test$file.text", 15, 1, NULL), 0);
	CHECK_STR(uri.data, "/test%24file.text");
	const char *body_sha = "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072";
	struct dn_s3_header put[] = {{"x-amz-storage-class", "REDUCED_REDUNDANCY"},
				     {"X-Amz-Date", EX_DATE},
				     {"Date", "Fri, 24 May 2013 00:00:00 GMT"},
				     {"host", EX_HOST},
				     {"x-amz-content-sha256", body_sha}};
	dn_buf_reset(&auth);
	CHECK_INT(sign_example("PUT", uri.data, "", put, 5, body_sha, &auth, sig), 0);
	CHECK_STR(sig, "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
	CHECK(strstr(auth.data, "SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;"
				"x-amz-storage-class,") != NULL);

	/* GET Bucket lifecycle: a query parameter without a value. */
	struct dn_s3_header plain[] = {{"host", EX_HOST},
				       {"x-amz-content-sha256", EMPTY_SHA},
				       {"x-amz-date", EX_DATE}};
	dn_buf_reset(&auth);
	CHECK_INT(sign_example("GET", "/", "lifecycle=", plain, 3, EMPTY_SHA, &auth, sig), 0);
	CHECK_STR(sig, "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");

	/* GET Bucket (List Objects): a sorted query. */
	dn_buf_reset(&auth);
	CHECK_INT(sign_example("GET", "/", "max-keys=2&prefix=J", plain, 3, EMPTY_SHA, &auth, sig),
		  0);
	CHECK_STR(sig, "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
	/* The secret never shows in what is sent. */
	CHECK(strstr(auth.data, EX_SECRET) == NULL);
	dn_buf_release(&auth);
	dn_buf_release(&uri);
}

DN_TEST(s3_uri_encode)
{
	struct dn_buf b = DN_BUF_INIT;
	const char *k = "a b/\xc3\xbc+=~-_.*";
	CHECK_INT(dn_s3_uri_encode(&b, k, strlen(k), 1, NULL), 0);
	CHECK_STR(b.data, "a%20b/%C3%BC%2B%3D~-_.%2A");
	dn_buf_reset(&b);
	CHECK_INT(dn_s3_uri_encode(&b, k, strlen(k), 0, NULL), 0);
	CHECK_STR(b.data, "a%20b%2F%C3%BC%2B%3D~-_.%2A");
	dn_buf_release(&b);
}

/* ---------------------------------------------------------------------------------------------
 * The ListObjectsV2 parser */

DN_TEST(s3_list_parse_entities)
{
	const char *xml =
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
		"<Name>b</Name><Prefix>p/</Prefix><KeyCount>2</KeyCount>"
		"<MaxKeys>2</MaxKeys><IsTruncated>true</IsTruncated>"
		"<Contents><Key>p/a&amp;b &lt;c&gt; &quot;d&quot; &apos;e&apos;</Key>"
		"<LastModified>2024-01-31T12:00:00.000Z</LastModified>"
		"<ETag>&quot;abc&quot;</ETag><Size>12</Size>"
		"<Owner><ID>x</ID><Key>not-this</Key></Owner>"
		"<StorageClass>STANDARD</StorageClass></Contents>\n"
		"<!-- a comment -->"
		"<Contents><Key>p/&#233;&#xE9;&#x1F600;<![CDATA[<raw&>]]></Key><Size>0</Size>"
		"</Contents>"
		"<NextContinuationToken>tok+/=&amp;1</NextContinuationToken>"
		"</ListBucketResult>";
	struct dn_s3_list_page page = {0};
	struct dn_error err;
	CHECK_OK(dn_s3_list_parse(xml, strlen(xml), &page, &err), &err);
	CHECK_INT(page.n, 2);
	CHECK_STR(page.objs[0].key, "p/a&b <c> \"d\" 'e'");
	CHECK_INT(page.objs[0].size, 12);
	CHECK_INT(page.objs[0].mtime_us, INT64_C(1706702400000000));
	CHECK_STR(page.objs[1].key, "p/\xc3\xa9\xc3\xa9\xf0\x9f\x98\x80<raw&>");
	CHECK_INT(page.objs[1].size, 0);
	CHECK_INT(page.objs[1].mtime_us, 0);
	CHECK_INT(page.truncated, 1);
	CHECK_STR(page.next_token, "tok+/=&1");

	/* A second page appends and replaces the paging fields. */
	const char *last = "<ListBucketResult><IsTruncated>false</IsTruncated>"
			   "<Contents><Key>z</Key><Size>5</Size></Contents></ListBucketResult>";
	CHECK_OK(dn_s3_list_parse(last, strlen(last), &page, &err), &err);
	CHECK_INT(page.n, 3);
	CHECK_STR(page.objs[2].key, "z");
	CHECK_INT(page.truncated, 0);
	CHECK(page.next_token == NULL);
	dn_s3_list_page_release(&page);

	/* An empty listing. */
	const char *none = "<ListBucketResult><KeyCount>0</KeyCount>"
			   "<IsTruncated>false</IsTruncated></ListBucketResult>";
	CHECK_OK(dn_s3_list_parse(none, strlen(none), &page, &err), &err);
	CHECK_INT(page.n, 0);
	dn_s3_list_page_release(&page);
}

DN_TEST(s3_list_parse_garbage)
{
	static const char *bad[] = {
		"",
		"not xml at all",
		"<ListBucketResult>",
		"<ListBucketResult><Contents><Key>a</Key></ListBucketResult>",
		"<ListBucketResult></Contents></ListBucketResult>",
		"<ListBucketResult><Contents><Size>1</Size></Contents></ListBucketResult>",
		"<ListBucketResult><Contents><Key>a</Key><Size>-1</Size></Contents>"
		"</ListBucketResult>",
		"<ListBucketResult><Contents><Key>a</Key><Size>99999999999999999999</Size>"
		"</Contents></ListBucketResult>",
		"<ListBucketResult><Contents><Key>a</Key><Size>1e3</Size></Contents>"
		"</ListBucketResult>",
		"<ListBucketResult><Contents><Key>a&bogus;</Key></Contents></ListBucketResult>",
		"<ListBucketResult><Contents><Key>a&#0;b</Key></Contents></ListBucketResult>",
		"<ListBucketResult><Contents><Key>&#xD800;</Key></Contents></ListBucketResult>",
		"<ListBucketResult><Contents><Key>&#x110000;</Key></Contents></ListBucketResult>",
		"<ListBucketResult><Contents><Key>a & b</Key></Contents></ListBucketResult>",
		"<ListBucketResult><IsTruncated>maybe</IsTruncated></ListBucketResult>",
		"<ListBucketResult><Contents><Key></Key></Contents></ListBucketResult>",
		"<!DOCTYPE x [<!ENTITY a \"b\">]><ListBucketResult></ListBucketResult>",
		"<ListBucketResult></ListBucketResult><ListBucketResult></ListBucketResult>",
		"<Other></Other>",
		"<ListBucketResult><Contents><Key>a</Key></Contents",
		"<ListBucketResult><!-- never closed",
		"<ListBucketResult><![CDATA[never closed",
		"<ListBucketResult a=\"unterminated></ListBucketResult>",
		"<?xml never closed",
		"<",
		"</",
		"<>",
	};
	struct dn_s3_list_page page = {0};
	struct dn_error err;
	const char *good = "<ListBucketResult><Contents><Key>kept</Key><Size>1</Size></Contents>"
			   "<IsTruncated>false</IsTruncated></ListBucketResult>";
	CHECK_OK(dn_s3_list_parse(good, strlen(good), &page, &err), &err);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc = dn_s3_list_parse(bad[i], strlen(bad[i]), &page, &err);
		if (rc >= 0)
			dn_test_fail(dn_t_, __FILE__, __LINE__, "accepted: %s", bad[i]);
		CHECK(rc < 0);
		CHECK(rc == DN_EPARSE || rc == DN_ELIMIT);
		CHECK(err.msg[0] != '\0');
		/* What the earlier page gave is kept, nothing of the failed one. */
		CHECK_INT(page.n, 1);
		CHECK_STR(page.objs[0].key, "kept");
	}

	/* A key over 1024 bytes, and deep nesting, hit the ceilings. */
	struct dn_buf b = DN_BUF_INIT;
	dn_buf_puts(&b, "<ListBucketResult><Contents><Key>", NULL);
	for (int i = 0; i < 1100; i++)
		dn_buf_putc(&b, 'k', NULL);
	dn_buf_puts(&b, "</Key></Contents></ListBucketResult>", NULL);
	CHECK_INT(dn_s3_list_parse(b.data, b.len, &page, &err), DN_ELIMIT);
	dn_buf_reset(&b);
	dn_buf_puts(&b, "<ListBucketResult>", NULL);
	for (int i = 0; i < 100; i++)
		dn_buf_puts(&b, "<a>", NULL);
	CHECK_INT(dn_s3_list_parse(b.data, b.len, &page, &err), DN_ELIMIT);
	dn_buf_release(&b);

	/* An error document names S3's code and message. */
	const char *e = "<?xml version=\"1.0\"?><Error><Code>AccessDenied</Code>"
			"<Message>Access &amp; Denied</Message></Error>";
	CHECK_INT(dn_s3_list_parse(e, strlen(e), &page, &err), DN_EIO);
	CHECK(strstr(err.msg, "AccessDenied") != NULL);
	CHECK(strstr(err.msg, "Access & Denied") != NULL);
	CHECK_INT(page.n, 1);
	dn_s3_list_page_release(&page);
}

DN_TEST(s3_key_check)
{
	static const char *ok[] = {"a",     "raw/orders/part-0.csv", "a b/c+d=e", "x/.hidden",
				   "x/..a", "\xc3\xa9t\xc3\xa9"};
	static const char *bad[] = {"",     "/a", "a//b", "a/",    "./a", "a/./b",
				    "a/..", "..", "a\nb", "a\x7f", "a\tb"};
	struct dn_error err;
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
		CHECK_OK(dn_lake_key_check(ok[i], &err), &err);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		CHECK_INT(dn_lake_key_check(bad[i], &err), DN_EINVAL);
		CHECK(err.msg[0] != '\0');
	}
	char big[1100];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	CHECK_INT(dn_lake_key_check(big, &err), DN_EINVAL);
	big[1024] = '\0';
	CHECK_OK(dn_lake_key_check(big, &err), &err);
}

/* ---------------------------------------------------------------------------------------------
 * Opening */

static void local_opts(struct dn_s3_options *o, const char *endpoint)
{
	dn_s3_options_init(o);
	o->endpoint = endpoint;
	o->region = "us-east-1";
	o->access_key_id = S3_KEY_ID;
	o->secret_access_key = S3_SECRET;
	o->session_token = "";
	o->path_style = 1;
	o->retries = 2;
	o->connect_timeout_ms = 2000;
	o->timeout_ms = 60000;
}

DN_TEST(s3_open_errors)
{
	struct dn_s3_options o;
	struct dn_lake_fs *fs = NULL;
	struct dn_error err;
	dn_s3_options_init(&o);
	CHECK_INT(o.retries, 3);
	CHECK_INT(o.connect_timeout_ms, 10000);
	CHECK(o.region == NULL && o.endpoint == NULL && !o.insecure);

	local_opts(&o, "http://127.0.0.1:9");
	CHECK_INT(dn_lake_fs_open_s3(&fs, "file:///x", &o, &err), DN_EINVAL);
	CHECK_INT(dn_lake_fs_open_s3(&fs, "s3://", &o, &err), DN_EINVAL);
	CHECK_INT(dn_lake_fs_open_s3(&fs, "s3://bad bucket", &o, &err), DN_EINVAL);
	CHECK_INT(dn_lake_fs_open_s3(&fs, "s3://b/a/../c", &o, &err), DN_EINVAL);
	o.endpoint = "ftp://127.0.0.1";
	CHECK_INT(dn_lake_fs_open_s3(&fs, "s3://b", &o, &err), DN_EINVAL);
	CHECK(strstr(err.msg, "https://") != NULL);
	o.endpoint = "http://127.0.0.1:9/some/path";
	CHECK_INT(dn_lake_fs_open_s3(&fs, "s3://b", &o, &err), DN_EINVAL);
	o.endpoint = "http://127.0.0.1:9";
	o.session_token = "tok\r\nX-Evil: 1";
	CHECK_INT(dn_lake_fs_open_s3(&fs, "s3://b", &o, &err), DN_EINVAL);
	CHECK(strstr(err.msg, "X-Evil") == NULL);
	o.session_token = "";
	o.secret_access_key = "";
	CHECK_INT(dn_lake_fs_open_s3(&fs, "s3://b", &o, &err), DN_EINVAL);
	CHECK(strstr(err.msg, "AWS_SECRET_ACCESS_KEY") != NULL);
	CHECK(fs == NULL);

	/* The root is shown without a trailing slash; nothing is sent on open. */
	local_opts(&o, "http://127.0.0.1:9/");
	CHECK_OK(dn_lake_fs_open_s3(&fs, "s3://b/lake/zone/", &o, &err), &err);
	CHECK_STR(fs->root, "s3://b/lake/zone");
	CHECK(fs->local_root == NULL);
	CHECK_STR(fs->ops->name, "s3");
	dn_lake_fs_close(fs);
	dn_lake_fs_close(NULL);
}

/* ---------------------------------------------------------------------------------------------
 * Against s3rver */

static char s3_endpoint[128];
static pid_t s3_pid;
static int s3_stdin = -1;
static int s3_started;

static void s3_stop(void)
{
	if (s3_stdin >= 0)
		close(s3_stdin); /* the server stops when its stdin closes */
	if (s3_pid > 0) {
		kill(s3_pid, SIGTERM);
		waitpid(s3_pid, NULL, 0);
	}
	s3_pid = 0;
	s3_stdin = -1;
}

/* Start tests/s3-server once; NULL (and the message in why) when it cannot be started. */
static const char *s3_server(char *why, size_t whyn)
{
	static char failed_why[512];
	if (s3_started) {
		if (!s3_endpoint[0])
			snprintf(why, whyn, "%s", failed_why);
		return s3_endpoint[0] ? s3_endpoint : NULL;
	}
	s3_started = 1;
	int in[2], out[2];
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0) {
		snprintf(why, whyn, "pipe: %s", strerror(errno));
		return NULL;
	}
	char script[1024];
	snprintf(script, sizeof script, "%s/tests/s3-server", DN_SOURCE_DIR);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		execl(script, script, S3_BUCKET, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	if (pid < 0) {
		snprintf(why, whyn, "fork: %s", strerror(errno));
		close(in[1]);
		close(out[0]);
		return NULL;
	}
	s3_pid = pid;
	s3_stdin = in[1];
	atexit(s3_stop);
	/* The first line is the endpoint; allow time for a first `npm ci`. */
	size_t len = 0;
	int64_t deadline = dn_monotonic_us() + 180 * DN_USEC_PER_SEC;
	while (len < sizeof s3_endpoint - 1) {
		struct pollfd p = {out[0], POLLIN, 0};
		int left = (int)((deadline - dn_monotonic_us()) / 1000);
		if (left <= 0 || poll(&p, 1, left) <= 0)
			break;
		ssize_t r = read(out[0], s3_endpoint + len, 1);
		if (r <= 0)
			break;
		if (s3_endpoint[len] == '\n')
			break;
		len++;
	}
	s3_endpoint[len < sizeof s3_endpoint ? len : sizeof s3_endpoint - 1] = '\0';
	close(out[0]);
	if (strncmp(s3_endpoint, "http://127.0.0.1:", 17) != 0) {
		snprintf(why, whyn,
			 "the fake S3 server (tests/s3-server: node + s3rver) did not start; run "
			 "scripts/install-deps (as root) or `npm ci --prefix tests/s3`");
		s3_endpoint[0] = '\0';
		snprintf(failed_why, sizeof failed_why, "%s", why);
		s3_stop();
		return NULL;
	}
	return s3_endpoint;
}

/* An fs on the fake server with its own root prefix (one per test). */
static struct dn_lake_fs *s3_fs(struct dn_test_ctx *t, const char *prefix)
{
	char why[512] = "", url[256];
	struct dn_s3_options o;
	struct dn_lake_fs *fs = NULL;
	struct dn_error err;
	const char *ep = s3_server(why, sizeof why);
	if (!ep) {
		dn_test_fail(t, __FILE__, __LINE__, "%s",
			     why[0] ? why :
				      "the fake S3 server did not start; run scripts/install-deps");
		return NULL;
	}
	local_opts(&o, ep);
	snprintf(url, sizeof url, "s3://" S3_BUCKET "/%s", prefix);
	if (dn_lake_fs_open_s3(&fs, url, &o, &err) < 0) {
		dn_test_fail(t, __FILE__, __LINE__, "open %s: %s", url, err.msg);
		return NULL;
	}
	return fs;
}

#define S3_FS(var, prefix)                                                                         \
	struct dn_lake_fs *var = s3_fs(dn_t_, prefix);                                             \
	if (!var)                                                                                  \
	return

DN_TEST(s3_put_get_mem)
{
	struct dn_error err;
	struct dn_buf out = DN_BUF_INIT;
	S3_FS(fs, "mem");
	const char *text = "id,name\n1,ada\n2,grace\n";
	CHECK_OK(fs->ops->put_mem(fs, "raw/t.csv", text, strlen(text), 0, &err), &err);
	dn_buf_puts(&out, "prefix:", NULL);
	CHECK_OK(fs->ops->get_mem(fs, "raw/t.csv", &out, 0, &err), &err);
	CHECK_STR(out.data, "prefix:id,name\n1,ada\n2,grace\n");
	/* Overwrite; an empty object. */
	CHECK_OK(fs->ops->put_mem(fs, "raw/t.csv", "x", 1, 0, &err), &err);
	CHECK_OK(fs->ops->put_mem(fs, "raw/empty", "", 0, 0, &err), &err);
	dn_buf_reset(&out);
	CHECK_OK(fs->ops->get_mem(fs, "raw/t.csv", &out, 0, &err), &err);
	CHECK_MEM(out.data, out.len, "x");
	dn_buf_reset(&out);
	CHECK_OK(fs->ops->get_mem(fs, "raw/empty", &out, 0, &err), &err);
	CHECK_INT(out.len, 0);
	/* Over the ceiling: DN_ELIMIT and nothing appended. */
	CHECK_OK(fs->ops->put_mem(fs, "raw/big", text, strlen(text), 0, &err), &err);
	dn_buf_reset(&out);
	dn_buf_puts(&out, "keep", NULL);
	CHECK_INT(fs->ops->get_mem(fs, "raw/big", &out, 5, &err), DN_ELIMIT);
	CHECK_STR(out.data, "keep");
	CHECK(strstr(err.msg, "s3://" S3_BUCKET "/mem/raw/big") != NULL);
	/* Bad keys never reach the store. */
	CHECK_INT(fs->ops->put_mem(fs, "/abs", "x", 1, 0, &err), DN_EINVAL);
	CHECK_INT(fs->ops->get_mem(fs, "a/../b", &out, 0, &err), DN_EINVAL);
	dn_buf_release(&out);
	dn_lake_fs_close(fs);
}

static uint64_t file_hash(const char *path, size_t *len)
{
	struct dn_buf b = DN_BUF_INIT;
	uint64_t h = 0;
	*len = 0;
	if (dn_read_file(path, &b, 0, NULL) == 0) {
		h = dn_hash64(b.data, b.len, 7);
		*len = b.len;
	}
	dn_buf_release(&b);
	return h;
}

static const char *write_random_file(const char *name, size_t size)
{
	char *data = dn_malloc(size);
	if (!data)
		return NULL;
	uint64_t x = 0x1234567;
	for (size_t i = 0; i < size; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		data[i] = (char)(x >> 56);
	}
	const char *p = dn_test_write_tmp(name, data, size);
	dn_free(data);
	return p;
}

DN_TEST(s3_put_get_file)
{
	struct dn_error err;
	S3_FS(fs, "file");
	size_t size = (size_t)3 * 1024 * 1024 + 12345, n1, n2;
	const char *src = write_random_file("s3-up.bin", size);
	CHECK(src != NULL);
	char srcpath[1024];
	snprintf(srcpath, sizeof srcpath, "%s", src);
	uint64_t h1 = file_hash(srcpath, &n1);
	CHECK_INT(n1, size);
	CHECK_OK(fs->ops->put_file(fs, "curated/big.bin", srcpath, &err), &err);
	const char *dst = dn_test_tmp_path("s3-down.bin");
	char dstpath[1024];
	snprintf(dstpath, sizeof dstpath, "%s", dst);
	/* An existing file is replaced whole. */
	dn_test_write_tmp("s3-down.bin", "old", 3);
	CHECK_OK(fs->ops->get_file(fs, "curated/big.bin", dstpath, &err), &err);
	uint64_t h2 = file_hash(dstpath, &n2);
	CHECK_INT(n2, size);
	CHECK(h1 == h2);
	/* The listing shows the size. */
	struct dn_lake_obj *objs = NULL;
	size_t n = 0;
	CHECK_OK(fs->ops->list(fs, "curated/", &objs, &n, &err), &err);
	CHECK_INT(n, 1);
	CHECK_STR(objs[0].key, "curated/big.bin");
	CHECK_INT(objs[0].size, size);
	CHECK(objs[0].mtime_us > 0);
	dn_lake_objs_free(objs, n);
	/* A missing local file. */
	CHECK_INT(fs->ops->put_file(fs, "x", dn_test_tmp_path("no-such-file"), &err), DN_ENOTFOUND);
	dn_lake_fs_close(fs);
}

DN_TEST(s3_multipart_upload)
{
	struct dn_error err;
	S3_FS(fs, "multipart");
	/* 5 MiB parts (S3's minimum for all but the last) over a 12 MiB file: 3 parts. */
	dn_lake_s3_tune(fs, 0, (int64_t)6 << 20, (int64_t)5 << 20);
	size_t size = (size_t)12 * 1024 * 1024 + 77, n1, n2;
	const char *src = write_random_file("s3-mp.bin", size);
	CHECK(src != NULL);
	char srcpath[1024], dstpath[1024];
	snprintf(srcpath, sizeof srcpath, "%s", src);
	snprintf(dstpath, sizeof dstpath, "%s", dn_test_tmp_path("s3-mp-down.bin"));
	uint64_t h1 = file_hash(srcpath, &n1);
	CHECK_OK(fs->ops->put_file(fs, "big/mp.bin", srcpath, &err), &err);
	CHECK_OK(fs->ops->get_file(fs, "big/mp.bin", dstpath, &err), &err);
	uint64_t h2 = file_hash(dstpath, &n2);
	CHECK_INT(n2, size);
	CHECK(h1 == h2);
	dn_lake_fs_close(fs);
}

DN_TEST(s3_odd_keys)
{
	static const char *keys[] = {"with space/a b.csv", "plus+equals=/x+y=z",
				     "unicode/\xc3\xa9t\xc3\xa9/\xe6\x97\xa5\xe6\x9c\xac.json",
				     "symbols/!$&'()*,;@~%.txt", "tilde~/under_score-dash.v1"};
	struct dn_error err;
	struct dn_buf out = DN_BUF_INIT;
	S3_FS(fs, "odd keys");
	size_t nk = sizeof keys / sizeof keys[0];
	for (size_t i = 0; i < nk; i++)
		CHECK_OK(fs->ops->put_mem(fs, keys[i], keys[i], strlen(keys[i]), 0, &err), &err);
	for (size_t i = 0; i < nk; i++) {
		dn_buf_reset(&out);
		CHECK_OK(fs->ops->get_mem(fs, keys[i], &out, 0, &err), &err);
		CHECK_MEM(out.data, out.len, keys[i]);
	}
	struct dn_lake_obj *objs = NULL;
	size_t n = 0;
	CHECK_OK(fs->ops->list(fs, "", &objs, &n, &err), &err);
	CHECK_INT(n, nk);
	for (size_t i = 0; i < n; i++) {
		int found = 0;
		for (size_t j = 0; j < nk; j++)
			found += strcmp(objs[i].key, keys[j]) == 0;
		CHECK_INT(found, 1);
		if (i)
			CHECK(strcmp(objs[i - 1].key, objs[i].key) < 0);
	}
	dn_lake_objs_free(objs, n);
	dn_buf_release(&out);
	dn_lake_fs_close(fs);
}

DN_TEST(s3_list_pages_and_prefixes)
{
	struct dn_error err;
	char key[64];
	S3_FS(fs, "list/root");
	S3_FS(other, "list/rootless");
	CHECK_OK(other->ops->put_mem(other, "not-mine", "x", 1, 0, &err), &err);
	/* 23 + 7 objects, listed 4 per page: 8 pages, continuation tokens throughout. */
	dn_lake_s3_tune(fs, 4, 0, 0);
	for (int i = 0; i < 23; i++) {
		snprintf(key, sizeof key, "raw/orders/part-%03d.csv", 22 - i);
		CHECK_OK(fs->ops->put_mem(fs, key, key, strlen(key), 0, &err), &err);
	}
	for (int i = 0; i < 7; i++) {
		snprintf(key, sizeof key, "raw/orders2/p%d", i);
		CHECK_OK(fs->ops->put_mem(fs, key, "", 0, 0, &err), &err);
	}
	struct dn_lake_obj *objs = NULL;
	size_t n = 0;
	CHECK_OK(fs->ops->list(fs, "", &objs, &n, &err), &err);
	CHECK_INT(n, 30);
	CHECK_STR(objs[0].key, "raw/orders/part-000.csv");
	CHECK_STR(objs[22].key, "raw/orders/part-022.csv");
	CHECK_INT(objs[22].size, strlen("raw/orders/part-022.csv"));
	CHECK_STR(objs[29].key, "raw/orders2/p6");
	for (size_t i = 1; i < n; i++)
		CHECK(strcmp(objs[i - 1].key, objs[i].key) < 0);
	dn_lake_objs_free(objs, n);
	/* A folder prefix excludes its look-alike sibling. */
	CHECK_OK(fs->ops->list(fs, "raw/orders/", &objs, &n, &err), &err);
	CHECK_INT(n, 23);
	dn_lake_objs_free(objs, n);
	CHECK_OK(fs->ops->list(fs, "raw/orders", &objs, &n, &err), &err);
	CHECK_INT(n, 30);
	dn_lake_objs_free(objs, n);
	CHECK_OK(fs->ops->list(fs, "nothing/", &objs, &n, &err), &err);
	CHECK_INT(n, 0);
	CHECK(objs == NULL);
	CHECK_INT(fs->ops->list(fs, "/abs", &objs, &n, &err), DN_EINVAL);
	dn_lake_fs_close(fs);
	dn_lake_fs_close(other);
}

DN_TEST(s3_list_over_1000)
{
	/* s3rver answers 1000 keys a page, as AWS does: 1003 objects take two pages. */
	struct dn_error err;
	char key[64];
	S3_FS(fs, "thousand");
	for (int i = 0; i < 1003; i++) {
		snprintf(key, sizeof key, "k/%05d", i);
		CHECK_OK(fs->ops->put_mem(fs, key, "", 0, 0, &err), &err);
	}
	struct dn_lake_obj *objs = NULL;
	size_t n = 0;
	CHECK_OK(fs->ops->list(fs, "k/", &objs, &n, &err), &err);
	CHECK_INT(n, 1003);
	CHECK_STR(objs[1002].key, "k/01002");
	dn_lake_objs_free(objs, n);
	dn_lake_fs_close(fs);
}

DN_TEST(s3_remove_and_missing)
{
	struct dn_error err;
	struct dn_buf out = DN_BUF_INIT;
	S3_FS(fs, "remove");
	CHECK_OK(fs->ops->put_mem(fs, "a/b", "1", 1, 0, &err), &err);
	CHECK_OK(fs->ops->remove(fs, "a/b", &err), &err);
	CHECK_OK(fs->ops->remove(fs, "a/b", &err), &err); /* already gone: fine */
	CHECK_INT(fs->ops->get_mem(fs, "a/b", &out, 0, &err), DN_ENOTFOUND);
	CHECK(strstr(err.msg, "404") != NULL);
	CHECK(strstr(err.msg, "s3://" S3_BUCKET "/remove/a/b") != NULL);
	CHECK_INT(out.len, 0);
	const char *dst = dn_test_tmp_path("s3-missing.bin");
	char dstpath[1024];
	snprintf(dstpath, sizeof dstpath, "%s", dst);
	CHECK_INT(fs->ops->get_file(fs, "a/b", dstpath, &err), DN_ENOTFOUND);
	CHECK(access(dstpath, F_OK) != 0); /* nothing left behind */
	struct dn_lake_obj *objs = NULL;
	size_t n = 0;
	CHECK_OK(fs->ops->list(fs, "", &objs, &n, &err), &err);
	CHECK_INT(n, 0);
	dn_buf_release(&out);
	dn_lake_fs_close(fs);
}

DN_TEST(s3_if_absent)
{
	struct dn_error err;
	struct dn_buf out = DN_BUF_INIT;
	S3_FS(fs, "absent");
	CHECK_OK(fs->ops->put_mem(fs, "commit/v1.json", "first", 5, 1, &err), &err);
	int rc = fs->ops->put_mem(fs, "commit/v1.json", "second", 6, 1, &err);
	/* AWS refuses with 412 (DN_EEXISTS); s3rver ignores If-None-Match on PUT. */
	CHECK(rc == DN_EEXISTS || rc == 0);
	CHECK_OK(fs->ops->get_mem(fs, "commit/v1.json", &out, 0, &err), &err);
	if (rc == DN_EEXISTS)
		CHECK_STR(out.data, "first");
	else
		CHECK_STR(out.data, "second");
	dn_buf_release(&out);
	dn_lake_fs_close(fs);
}

DN_TEST(s3_wrong_secret)
{
	char why[512] = "";
	const char *ep = s3_server(why, sizeof why);
	if (!ep) {
		dn_test_fail(dn_t_, __FILE__, __LINE__, "%s",
			     why[0] ? why : "no fake S3 server; run scripts/install-deps");
		return;
	}
	struct dn_s3_options o;
	struct dn_lake_fs *fs = NULL;
	struct dn_error err;
	struct dn_buf out = DN_BUF_INIT;
	local_opts(&o, ep);
	o.secret_access_key = "not-the-secret-Zq9";
	CHECK_OK(dn_lake_fs_open_s3(&fs, "s3://" S3_BUCKET "/auth", &o, &err), &err);
	int rc = fs->ops->put_mem(fs, "x", "1", 1, 0, &err);
	CHECK(rc < 0);
	CHECK(strstr(err.msg, "HTTP 403") != NULL);
	CHECK(strstr(err.msg, "SignatureDoesNotMatch") != NULL);
	CHECK(strstr(err.msg, "AWS_SECRET_ACCESS_KEY") != NULL);
	CHECK(strstr(err.msg, "not-the-secret-Zq9") == NULL);
	CHECK(strstr(err.msg, "Signature=") == NULL);
	rc = fs->ops->get_mem(fs, "x", &out, 0, &err);
	CHECK(rc < 0 && rc != DN_ENOTFOUND);
	CHECK(strstr(err.msg, "not-the-secret-Zq9") == NULL);
	dn_lake_fs_close(fs);
	/* A wrong key id too. */
	local_opts(&o, ep);
	o.access_key_id = "NOBODY";
	CHECK_OK(dn_lake_fs_open_s3(&fs, "s3://" S3_BUCKET "/auth", &o, &err), &err);
	struct dn_lake_obj *objs = NULL;
	size_t n = 0;
	CHECK(fs->ops->list(fs, "", &objs, &n, &err) < 0);
	CHECK(strstr(err.msg, "HTTP 403") != NULL);
	CHECK(strstr(err.msg, S3_SECRET "/") == NULL);
	dn_buf_release(&out);
	dn_lake_fs_close(fs);
}

DN_TEST(s3_unreachable)
{
	/* A port of 127.0.0.1 that nothing listens on: bind one, note it, close it. */
	int sock = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(sock >= 0);
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t al = sizeof a;
	CHECK(bind(sock, (struct sockaddr *)&a, sizeof a) == 0);
	CHECK(getsockname(sock, (struct sockaddr *)&a, &al) == 0);
	close(sock);
	char ep[64];
	snprintf(ep, sizeof ep, "http://127.0.0.1:%d", ntohs(a.sin_port));

	struct dn_s3_options o;
	struct dn_lake_fs *fs = NULL;
	struct dn_error err;
	struct dn_buf out = DN_BUF_INIT;
	local_opts(&o, ep);
	o.retries = 2;
	CHECK_OK(dn_lake_fs_open_s3(&fs, "s3://" S3_BUCKET "/x", &o, &err), &err);
	int64_t t0 = dn_monotonic_us();
	CHECK_INT(fs->ops->get_mem(fs, "k", &out, 0, &err), DN_EIO);
	int64_t ms = (dn_monotonic_us() - t0) / 1000;
	CHECK(strstr(err.msg, "after 3 attempts") != NULL);
	CHECK(strstr(err.msg, ep) != NULL);
	CHECK(strstr(err.msg, "s3://" S3_BUCKET "/x/k") != NULL);
	CHECK(ms >= 200);  /* it did back off */
	CHECK(ms < 10000); /* and gave up in bounded time */
	dn_buf_release(&out);
	dn_lake_fs_close(fs);
}

DN_TEST(s3_retries)
{
	/* The fake server fails requests under "flaky-N-STATUS" N times (tests/s3/server.js). */
	struct dn_error err;
	struct dn_buf out = DN_BUF_INIT;
	S3_FS(fs, "retry");
	/* 503 and 429 with Retry-After: 0, twice and once: within 2 retries, so it succeeds. */
	CHECK_OK(fs->ops->put_mem(fs, "flaky-2-503/a", "ok", 2, 0, &err), &err);
	/* A 429, then the real answer: there is no such key. */
	CHECK_INT(fs->ops->get_mem(fs, "flaky-1-429/a", &out, 0, &err), DN_ENOTFOUND);
	CHECK_OK(fs->ops->put_mem(fs, "flaky-1-429/a", "fine", 4, 0, &err), &err);
	dn_buf_reset(&out);
	CHECK_OK(fs->ops->get_mem(fs, "flaky-2-503/a", &out, 0, &err), &err);
	CHECK_STR(out.data, "ok");
	/* 500 five times: more than 1 + 2 attempts; the error says what S3 said. */
	int64_t t0 = dn_monotonic_us();
	CHECK_INT(fs->ops->put_mem(fs, "flaky-5-500/b", "x", 1, 0, &err), DN_EIO);
	int64_t ms = (dn_monotonic_us() - t0) / 1000;
	CHECK(strstr(err.msg, "HTTP 500 InternalError") != NULL);
	CHECK(strstr(err.msg, "retried") != NULL);
	CHECK(ms >= 300); /* backed off twice: at least 100 + 200 ms */
	/* The remaining failures are used up by a second try (2 more 500s, then success). */
	CHECK_OK(fs->ops->put_mem(fs, "flaky-5-500/b", "x", 1, 0, &err), &err);
	dn_buf_release(&out);
	dn_lake_fs_close(fs);
}

DN_TEST(s3_session_token)
{
	/* The token is sent and signed (the fake server checks the signature over it). */
	char why[512] = "";
	const char *ep = s3_server(why, sizeof why);
	if (!ep) {
		dn_test_fail(dn_t_, __FILE__, __LINE__, "%s",
			     why[0] ? why : "no fake S3 server; run scripts/install-deps");
		return;
	}
	struct dn_s3_options o;
	struct dn_lake_fs *fs = NULL;
	struct dn_error err;
	struct dn_buf out = DN_BUF_INIT;
	local_opts(&o, ep);
	o.session_token = "FQoGZXIvYXdzEXAMPLE//token+with=symbols";
	CHECK_OK(dn_lake_fs_open_s3(&fs, "s3://" S3_BUCKET "/token", &o, &err), &err);
	CHECK_OK(fs->ops->put_mem(fs, "k", "v", 1, 0, &err), &err);
	CHECK_OK(fs->ops->get_mem(fs, "k", &out, 0, &err), &err);
	CHECK_STR(out.data, "v");
	dn_buf_release(&out);
	dn_lake_fs_close(fs);
}
