/* The lake on an S3-compatible object store: the ops of store_int.h over HTTP(S), signed with
 * AWS Signature Version 4, through one reused libcurl easy handle per fs (so connections are
 * kept alive between requests).
 *
 * Why it is built this way:
 * - The signer is our own (SHA-256 and HMAC from libcrypto): SigV4 is a page of string
 *   handling, and writing it keeps libcurl's AWS support (CURLOPT_AWS_SIGV4, whose behaviour
 *   changed between versions) out of the way of tests against AWS's published examples.
 * - Bodies stream: uploads read the file through a read callback (the file is hashed first,
 *   because the signature covers the payload's SHA-256, so a file is read twice; that costs
 *   disk reads but never memory), downloads write to a temporary file renamed into place.
 *   Files over 64 MiB go up as a multipart upload (16 MiB parts, aborted on failure), since one
 *   PUT is limited to 5 GiB and one lost connection would restart the whole file.
 * - Every request is retried on network errors, 5xx and 429 with exponential backoff and full
 *   jitter (honouring Retry-After); the body is rewound, the output truncated and the request
 *   signed again (with a fresh date) on every attempt.
 * - The ListObjectsV2 answer is parsed by a small bounded XML scanner rather than libxml2: it
 *   reads six element names and must never crash or grow without bounds on hostile input
 *   (fuzz/fuzz_s3_list.c).
 * - Error messages name the operation, the object, the HTTP status and S3's Code and Message;
 *   never the secret key, the session token or a signature.
 *
 * Buckets are addressed virtual-host style (bucket.host) unless path_style is set, the endpoint
 * host is an IP address or "localhost", or the bucket name has a '.' over https (the TLS
 * certificate *.host would not match). */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "store_int.h"

#define S3_DEFAULT_REGION "us-east-1"
#define S3_DEFAULT_RETRIES 3
#define S3_DEFAULT_CONNECT_MS 10000L
#define S3_ERRBODY_MAX (64 * 1024)        /* error documents kept for the message */
#define S3_XMLBODY_MAX (32 * 1024 * 1024) /* one list page or multipart answer */
#define S3_MULTIPART_THRESHOLD ((int64_t)64 << 20)
#define S3_PART_SIZE ((int64_t)16 << 20)
#define S3_MAX_PARTS 10000
#define S3_BACKOFF_BASE_MS 200
#define S3_BACKOFF_MAX_MS 10000
#define S3_RETRY_AFTER_MAX_S 60
#define S3_LIST_MAX_PAGES 1000000
#define S3_TEXT_MAX 16384 /* decoded text of one element the parser keeps */
#define S3_XML_DEPTH 32
#define S3_EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* ---------------------------------------------------------------------------------------------
 * Options */

void dn_s3_options_init(struct dn_s3_options *o)
{
	memset(o, 0, sizeof *o);
	/* Strings stay NULL: dn_lake_fs_open_s3 then takes the AWS_* environment variables, and
	 * the region falls back to us-east-1. */
	o->connect_timeout_ms = S3_DEFAULT_CONNECT_MS;
	o->retries = S3_DEFAULT_RETRIES;
}

/* ---------------------------------------------------------------------------------------------
 * Hashing and signing */

static void hex_encode(const unsigned char *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

static int sha256_hex(const void *p, size_t n, char out[65])
{
	unsigned char md[32];
	unsigned int len = 0;
	if (!EVP_Digest(p, n, md, &len, EVP_sha256(), NULL) || len != 32)
		return DN_EINTERNAL;
	hex_encode(md, 32, out);
	return 0;
}

/* SHA-256 of len bytes of fp from offset off (len < 0: to the end). */
static int sha256_file(FILE *fp, int64_t off, int64_t len, char out[65], const char *path,
		       struct dn_error *err)
{
	unsigned char md[32], buf[65536];
	unsigned int mdlen = 0;
	int rc = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx)
		return dn_error_set(err, DN_ENOMEM, "out of memory hashing %s", path);
	if (!EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) || fseeko(fp, (off_t)off, SEEK_SET) != 0) {
		rc = dn_error_set(err, DN_EIO, "cannot read %s to hash it: %s", path,
				  strerror(errno));
		goto out;
	}
	for (;;) {
		size_t want = sizeof buf;
		if (len >= 0 && (int64_t)want > len)
			want = (size_t)len;
		if (want == 0)
			break;
		size_t got = fread(buf, 1, want, fp);
		if (got == 0) {
			if (ferror(fp) || len > 0) {
				rc = dn_error_set(err, DN_EIO, "cannot read %s to hash it: %s",
						  path,
						  ferror(fp) ? strerror(errno) : "file shrank");
				goto out;
			}
			break;
		}
		EVP_DigestUpdate(ctx, buf, got);
		if (len >= 0)
			len -= (int64_t)got;
	}
	if (!EVP_DigestFinal_ex(ctx, md, &mdlen) || mdlen != 32) {
		rc = dn_error_set(err, DN_EINTERNAL, "SHA-256 failed on %s", path);
		goto out;
	}
	hex_encode(md, 32, out);
out:
	EVP_MD_CTX_free(ctx);
	return rc;
}

static int hmac256(const void *key, size_t klen, const char *msg, unsigned char out[32])
{
	unsigned int len = 0;
	if (!HMAC(EVP_sha256(), key, (int)klen, (const unsigned char *)msg, strlen(msg), out,
		  &len) ||
	    len != 32)
		return DN_EINTERNAL;
	return 0;
}

int dn_s3_uri_encode(struct dn_buf *out, const char *s, size_t n, int keep_slash,
		     struct dn_error *err)
{
	static const char digits[] = "0123456789ABCDEF";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		int plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
			    c == '~' || (c == '/' && keep_slash);
		if (plain) {
			DN_TRY(dn_buf_putc(out, (char)c, err));
		} else {
			char e[3] = {'%', digits[c >> 4], digits[c & 15]};
			DN_TRY(dn_buf_append(out, e, 3, err));
		}
	}
	return 0;
}

struct sig_hdr {
	char name[64];
	const char *value;
	size_t vlen;
};

static int sig_hdr_cmp(const void *a, const void *b)
{
	return strcmp(((const struct sig_hdr *)a)->name, ((const struct sig_hdr *)b)->name);
}

/* A header value as SigV4 wants it: trimmed, inner runs of spaces collapsed to one. */
static int put_header_value(struct dn_buf *b, const char *v, size_t n, struct dn_error *err)
{
	while (n && (*v == ' ' || *v == '\t'))
		v++, n--;
	while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	int space = 0;
	for (size_t i = 0; i < n; i++) {
		if (v[i] == ' ' || v[i] == '\t') {
			space = 1;
			continue;
		}
		if (space)
			DN_TRY(dn_buf_putc(b, ' ', err));
		space = 0;
		DN_TRY(dn_buf_putc(b, v[i], err));
	}
	return 0;
}

int dn_s3_sign(const struct dn_s3_sign_input *in, struct dn_buf *out, char *sig_hex,
	       struct dn_error *err)
{
	struct sig_hdr h[16];
	struct dn_buf creq = DN_BUF_INIT, sts = DN_BUF_INIT, signed_names = DN_BUF_INIT;
	unsigned char k1[32], k2[32];
	char date8[9], crhash[65], sig[65];
	int rc = 0;

	if (in->nheaders > sizeof h / sizeof h[0])
		return dn_error_set(err, DN_EINTERNAL, "S3 signer: %zu headers, at most 16",
				    in->nheaders);
	if (strlen(in->amz_date) != 16)
		return dn_error_set(err, DN_EINTERNAL, "S3 signer: bad date \"%s\"", in->amz_date);
	memcpy(date8, in->amz_date, 8);
	date8[8] = '\0';
	for (size_t i = 0; i < in->nheaders; i++) {
		const char *nm = in->headers[i].name;
		size_t j = 0;
		while (*nm == ' ')
			nm++;
		for (; nm[j] && nm[j] != ' ' && j < sizeof h[i].name - 1; j++) {
			char c = nm[j];
			h[i].name[j] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
		}
		h[i].name[j] = '\0';
		h[i].value = in->headers[i].value;
		h[i].vlen = strlen(in->headers[i].value);
	}
	qsort(h, in->nheaders, sizeof h[0], sig_hdr_cmp);

	/* The canonical request. */
	if ((rc = dn_buf_printf(&creq, err, "%s\n%s\n%s\n", in->method, in->canonical_uri,
				in->canonical_query)) < 0)
		goto out;
	for (size_t i = 0; i < in->nheaders; i++) {
		if ((rc = dn_buf_printf(&creq, err, "%s:", h[i].name)) < 0 ||
		    (rc = put_header_value(&creq, h[i].value, h[i].vlen, err)) < 0 ||
		    (rc = dn_buf_putc(&creq, '\n', err)) < 0 ||
		    (rc = dn_buf_printf(&signed_names, err, "%s%s", i ? ";" : "", h[i].name)) < 0)
			goto out;
	}
	const char *names = signed_names.data ? signed_names.data : "";
	if ((rc = dn_buf_printf(&creq, err, "\n%s\n%s", names, in->payload_sha256)) < 0)
		goto out;
	if ((rc = sha256_hex(creq.data, creq.len, crhash)) < 0)
		goto fail_crypto;

	/* The string to sign, the derived key, the signature. */
	if ((rc = dn_buf_printf(&sts, err, "AWS4-HMAC-SHA256\n%s\n%s/%s/s3/aws4_request\n%s",
				in->amz_date, date8, in->region, crhash)) < 0)
		goto out;
	{
		struct dn_buf kb = DN_BUF_INIT;
		if ((rc = dn_buf_printf(&kb, err, "AWS4%s", in->secret_access_key)) < 0)
			goto out;
		rc = hmac256(kb.data, kb.len, date8, k1);
		OPENSSL_cleanse(kb.data, kb.len);
		dn_buf_release(&kb);
		if (rc < 0)
			goto fail_crypto;
	}
	if (hmac256(k1, 32, in->region, k2) < 0 || hmac256(k2, 32, "s3", k1) < 0 ||
	    hmac256(k1, 32, "aws4_request", k2) < 0 || hmac256(k2, 32, sts.data, k1) < 0) {
		rc = DN_EINTERNAL;
		goto fail_crypto;
	}
	hex_encode(k1, 32, sig);
	if ((rc = dn_buf_printf(out, err,
				"AWS4-HMAC-SHA256 Credential=%s/%s/%s/s3/aws4_request, "
				"SignedHeaders=%s, Signature=%s",
				in->access_key_id, date8, in->region, names, sig)) < 0)
		goto out;
	if (sig_hex)
		memcpy(sig_hex, sig, 65);
	goto out;
fail_crypto:
	rc = dn_error_set(err, DN_EINTERNAL, "S3 signer: libcrypto's SHA-256/HMAC failed");
out:
	OPENSSL_cleanse(k1, sizeof k1);
	OPENSSL_cleanse(k2, sizeof k2);
	OPENSSL_cleanse(sig, sizeof sig);
	dn_buf_release(&creq);
	dn_buf_release(&sts);
	dn_buf_release(&signed_names);
	return rc;
}

/* ---------------------------------------------------------------------------------------------
 * A small XML scanner: enough for S3's answers (elements, text, entities, CDATA, comments and
 * the declaration), strict about the rest. Every step is bounded by the input's end. */

enum { XT_OPEN = 1, XT_CLOSE, XT_EMPTY, XT_TEXT };

struct xml_tok {
	int kind;
	const char *s; /* name (OPEN, CLOSE, EMPTY) or raw text (TEXT) */
	size_t n;
	int cdata; /* TEXT: raw, no entities */
};

struct xml_cur {
	const char *p, *end;
};

static const char *find_str(const char *p, const char *end, const char *needle)
{
	size_t nl = strlen(needle);
	if ((size_t)(end - p) < nl)
		return NULL;
	return memmem(p, (size_t)(end - p), needle, nl);
}

static int is_xml_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* 1 and *t, 0 at the end, DN_EPARSE on bad markup. */
static int xml_next(struct xml_cur *c, struct xml_tok *t)
{
	for (;;) {
		const char *p = c->p, *end = c->end;
		if (p >= end)
			return 0;
		if (*p != '<') {
			const char *lt = memchr(p, '<', (size_t)(end - p));
			t->kind = XT_TEXT;
			t->s = p;
			t->n = (size_t)((lt ? lt : end) - p);
			t->cdata = 0;
			c->p = lt ? lt : end;
			return 1;
		}
		if (end - p >= 2 && p[1] == '?') {
			const char *q = find_str(p + 2, end, "?>");
			if (!q)
				return DN_EPARSE;
			c->p = q + 2;
			continue;
		}
		if (end - p >= 4 && memcmp(p, "<!--", 4) == 0) {
			const char *q = find_str(p + 4, end, "-->");
			if (!q)
				return DN_EPARSE;
			c->p = q + 3;
			continue;
		}
		if (end - p >= 9 && memcmp(p, "<![CDATA[", 9) == 0) {
			const char *q = find_str(p + 9, end, "]]>");
			if (!q)
				return DN_EPARSE;
			t->kind = XT_TEXT;
			t->s = p + 9;
			t->n = (size_t)(q - (p + 9));
			t->cdata = 1;
			c->p = q + 3;
			return 1;
		}
		if (end - p >= 2 && p[1] == '!')
			return DN_EPARSE; /* DOCTYPE and friends: S3 never sends them */
		int closing = end - p >= 2 && p[1] == '/';
		const char *nm = p + 1 + closing, *q = nm;
		while (q < end && !is_xml_space(*q) && *q != '/' && *q != '>' && *q != '<')
			q++;
		if (q == nm || q >= end)
			return DN_EPARSE;
		t->s = nm;
		t->n = (size_t)(q - nm);
		/* Attributes (ignored), with quoted values that may hold '>'. */
		char quote = 0;
		while (q < end && (quote || *q != '>')) {
			if (quote && *q == quote)
				quote = 0;
			else if (!quote && (*q == '"' || *q == '\''))
				quote = *q;
			else if (!quote && *q == '<')
				return DN_EPARSE;
			q++;
		}
		if (q >= end)
			return DN_EPARSE;
		if (closing)
			t->kind = XT_CLOSE;
		else
			t->kind = q[-1] == '/' && q - 1 >= nm + t->n ? XT_EMPTY : XT_OPEN;
		c->p = q + 1;
		return 1;
	}
}

/* Append the text of a TEXT token, entities decoded, keeping out->len <= max. */
static int xml_text(const struct xml_tok *t, struct dn_buf *out, size_t max, const char *what,
		    struct dn_error *err)
{
	const char *p = t->s, *end = t->s + t->n;
	if (t->cdata) {
		if (out->len + t->n > max)
			goto toolong;
		return dn_buf_append(out, p, t->n, err);
	}
	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		size_t plain = (size_t)((amp ? amp : end) - p);
		if (out->len + plain > max)
			goto toolong;
		DN_TRY(dn_buf_append(out, p, plain, err));
		if (!amp)
			break;
		const char *semi =
			memchr(amp, ';', (size_t)(end - amp) < 12 ? (size_t)(end - amp) : 12);
		if (!semi)
			return dn_error_set(err, DN_EPARSE,
					    "S3 answer: %s has a '&' that starts no entity", what);
		struct dn_str ent = dn_str_make(amp + 1, (size_t)(semi - amp - 1));
		char enc[4];
		int elen = 1;
		if (dn_str_eq_cstr(ent, "amp"))
			enc[0] = '&';
		else if (dn_str_eq_cstr(ent, "lt"))
			enc[0] = '<';
		else if (dn_str_eq_cstr(ent, "gt"))
			enc[0] = '>';
		else if (dn_str_eq_cstr(ent, "quot"))
			enc[0] = '"';
		else if (dn_str_eq_cstr(ent, "apos"))
			enc[0] = '\'';
		else if (ent.len >= 2 && ent.ptr[0] == '#') {
			int hex = ent.ptr[1] == 'x' || ent.ptr[1] == 'X';
			size_t i = hex ? 2 : 1;
			uint32_t cp = 0;
			if (i >= ent.len)
				elen = 0;
			for (; i < ent.len && elen; i++) {
				char ch = ent.ptr[i];
				int d = ch >= '0' && ch <= '9'        ? ch - '0' :
					hex && ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 :
					hex && ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 :
									-1;
				if (d < 0 || cp > 0x10FFFF)
					elen = 0;
				else
					cp = cp * (hex ? 16 : 10) + (uint32_t)d;
			}
			if (elen && cp != 0 && cp <= 0x10FFFF)
				elen = dn_utf8_encode(cp, enc);
			else
				elen = 0;
			if (elen <= 0)
				return dn_error_set(err, DN_EPARSE,
						    "S3 answer: %s has a bad character reference "
						    "\"&%.*s;\"",
						    what, (int)ent.len, ent.ptr);
		} else {
			return dn_error_set(err, DN_EPARSE,
					    "S3 answer: %s has an unknown entity \"&%.*s;\"", what,
					    (int)ent.len, ent.ptr);
		}
		if (out->len + (size_t)elen > max)
			goto toolong;
		DN_TRY(dn_buf_append(out, enc, (size_t)elen, err));
		p = semi + 1;
	}
	return 0;
toolong:
	return dn_error_set(err, DN_ELIMIT, "S3 answer: %s is longer than %zu bytes", what, max);
}

/* The decoded text of the first element called name anywhere in the document (appended to
 * out). 1 when found, 0 when not, DN_EPARSE / DN_ELIMIT. */
static int xml_find_text(const char *xml, size_t n, const char *name, struct dn_buf *out,
			 size_t max, struct dn_error *err)
{
	struct xml_cur c = {xml, xml + n};
	struct xml_tok t;
	int rc, in = 0;
	while ((rc = xml_next(&c, &t)) > 0) {
		int match = dn_str_eq_cstr(dn_str_make(t.s, t.n), name);
		if (t.kind == XT_OPEN && match && !in)
			in = 1;
		else if (t.kind == XT_OPEN && in)
			in = 0; /* not a text element after all; keep looking */
		else if (t.kind == XT_TEXT && in)
			DN_TRY(xml_text(&t, out, max, name, err));
		else if (t.kind == XT_CLOSE && in && match)
			return 1;
		else if (t.kind == XT_EMPTY && match)
			return 1;
	}
	if (rc < 0)
		return dn_error_set(err, DN_EPARSE, "S3 answer is not well-formed XML");
	return 0;
}

/* ---------------------------------------------------------------------------------------------
 * ListObjectsV2 */

void dn_s3_list_page_release(struct dn_s3_list_page *page)
{
	if (!page)
		return;
	dn_lake_objs_free(page->objs, page->n);
	dn_free(page->next_token);
	memset(page, 0, sizeof *page);
}

static int is_name(const struct xml_tok *t, const char *name)
{
	return dn_str_eq_cstr(dn_str_make(t->s, t->n), name);
}

/* Fill code and msg (NUL-terminated, control characters replaced) from an <Error> document. */
static void s3_error_fields(const char *xml, size_t n, char *code, size_t codesz, char *msg,
			    size_t msgsz)
{
	struct dn_buf b = DN_BUF_INIT;
	code[0] = msg[0] = '\0';
	if (xml_find_text(xml, n, "Code", &b, codesz - 1, NULL) > 0 && b.data)
		snprintf(code, codesz, "%s", b.data);
	dn_buf_reset(&b);
	if (xml_find_text(xml, n, "Message", &b, msgsz - 1, NULL) > 0 && b.data)
		snprintf(msg, msgsz, "%s", b.data);
	dn_buf_release(&b);
	for (char *p = code; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	for (char *p = msg; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
}

int dn_s3_list_parse(const char *xml, size_t n, struct dn_s3_list_page *page, struct dn_error *err)
{
	struct xml_cur c = {xml, xml + n};
	struct xml_tok t;
	struct dn_str stack[S3_XML_DEPTH];
	struct dn_buf text = DN_BUF_INIT;
	size_t n0 = page->n, depth = 0;
	int rc = 0, root_seen = 0, truncated = 0, in_obj = 0, have_key = 0;
	char *token = NULL;
	struct dn_lake_obj obj = {NULL, 0, 0};

	while ((rc = xml_next(&c, &t)) > 0) {
		if (t.kind == XT_TEXT) {
			/* Text matters only in the leaves we read; the rest is skipped. */
			struct dn_str top = depth ? stack[depth - 1] : dn_str_make("", 0);
			int leaf = (depth == 2 && (dn_str_eq_cstr(top, "IsTruncated") ||
						   dn_str_eq_cstr(top, "NextContinuationToken"))) ||
				   (depth == 3 && in_obj &&
				    (dn_str_eq_cstr(top, "Key") || dn_str_eq_cstr(top, "Size") ||
				     dn_str_eq_cstr(top, "LastModified")));
			if (!leaf)
				continue;
			const char *what = depth == 3 ? "an object's field" : "a list field";
			if ((rc = xml_text(&t, &text, S3_TEXT_MAX, what, err)) < 0)
				goto fail;
			continue;
		}
		if (t.kind == XT_EMPTY)
			continue;
		if (t.kind == XT_OPEN) {
			if (depth == S3_XML_DEPTH) {
				rc = dn_error_set(err, DN_ELIMIT,
						  "S3 answer nests elements deeper than %d",
						  S3_XML_DEPTH);
				goto fail;
			}
			if (!depth) {
				if (root_seen) {
					rc = dn_error_set(err, DN_EPARSE,
							  "S3 answer has two root elements");
					goto fail;
				}
				root_seen = 1;
				if (is_name(&t, "Error")) {
					char code[128], msg[400];
					s3_error_fields(xml, n, code, sizeof code, msg, sizeof msg);
					rc = dn_error_set(err, DN_EIO,
							  "S3 answered with error %s: %s",
							  code[0] ? code : "(no code)", msg);
					goto fail;
				}
				if (!is_name(&t, "ListBucketResult")) {
					rc = dn_error_set(err, DN_EPARSE,
							  "S3 answer is <%.*s>, not a "
							  "ListBucketResult",
							  (int)(t.n > 40 ? 40 : t.n), t.s);
					goto fail;
				}
			}
			if (depth == 1 && is_name(&t, "Contents")) {
				if (page->n - n0 >= DN_S3_LIST_MAX_OBJS) {
					rc = dn_error_set(err, DN_ELIMIT,
							  "S3 list page has more than %d objects",
							  DN_S3_LIST_MAX_OBJS);
					goto fail;
				}
				in_obj = 1;
				have_key = 0;
				obj.size = 0;
				obj.mtime_us = 0;
			}
			stack[depth++] = dn_str_make(t.s, t.n);
			dn_buf_reset(&text);
			continue;
		}
		/* XT_CLOSE */
		if (!depth || !dn_str_eq(stack[depth - 1], dn_str_make(t.s, t.n))) {
			rc = dn_error_set(err, DN_EPARSE,
					  "S3 answer is not well-formed XML (</%.*s> closes "
					  "nothing open)",
					  (int)(t.n > 40 ? 40 : t.n), t.s);
			goto fail;
		}
		depth--;
		const char *val = text.data ? text.data : "";
		if (depth == 2 && in_obj) {
			if (is_name(&t, "Key")) {
				if (text.len == 0 || text.len > DN_S3_KEY_MAX ||
				    strlen(val) != text.len) {
					rc = dn_error_set(err, text.len ? DN_ELIMIT : DN_EPARSE,
							  "S3 list: a Key is empty or longer than "
							  "%d bytes",
							  DN_S3_KEY_MAX);
					goto fail;
				}
				dn_free(obj.key);
				if (!(obj.key = dn_strndup(val, text.len))) {
					rc = dn_error_set(err, DN_ENOMEM, "out of memory");
					goto fail;
				}
				have_key = 1;
			} else if (is_name(&t, "Size")) {
				int64_t v = 0;
				if (dn_parse_i64(val, text.len, &v) < 0 || v < 0 ||
				    v >= ((int64_t)1 << 50)) {
					rc = dn_error_set(err, DN_EPARSE,
							  "S3 list: Size \"%.40s\" is not a "
							  "plausible object size",
							  val);
					goto fail;
				}
				obj.size = v;
			} else if (is_name(&t, "LastModified")) {
				int64_t us = 0;
				/* Unknown formats leave the time unknown (0), as documented. */
				if (dn_time_parse(val, text.len, &us) == DN_TIME_TIMESTAMP)
					obj.mtime_us = us;
			}
		} else if (depth == 1 && in_obj && is_name(&t, "Contents")) {
			in_obj = 0;
			if (!have_key) {
				rc = dn_error_set(err, DN_EPARSE,
						  "S3 list: Contents without a Key");
				goto fail;
			}
			if (page->n == page->cap) {
				size_t cap = page->cap ? page->cap * 2 : 64;
				void *p = dn_realloc(page->objs, cap * sizeof *page->objs);
				if (!p) {
					rc = dn_error_set(err, DN_ENOMEM, "out of memory");
					goto fail;
				}
				page->objs = p;
				page->cap = cap;
			}
			page->objs[page->n++] = obj;
			obj.key = NULL;
		} else if (depth == 1 && is_name(&t, "IsTruncated")) {
			if (strcmp(val, "true") == 0)
				truncated = 1;
			else if (strcmp(val, "false") == 0)
				truncated = 0;
			else {
				rc = dn_error_set(err, DN_EPARSE,
						  "S3 list: IsTruncated is \"%.20s\", not true or "
						  "false",
						  val);
				goto fail;
			}
		} else if (depth == 1 && is_name(&t, "NextContinuationToken")) {
			if (text.len == 0 || text.len > DN_S3_TOKEN_MAX ||
			    strlen(val) != text.len) {
				rc = dn_error_set(err, text.len ? DN_ELIMIT : DN_EPARSE,
						  "S3 list: NextContinuationToken is empty or "
						  "longer than %d bytes",
						  DN_S3_TOKEN_MAX);
				goto fail;
			}
			dn_free(token);
			if (!(token = dn_strndup(val, text.len))) {
				rc = dn_error_set(err, DN_ENOMEM, "out of memory");
				goto fail;
			}
		}
		dn_buf_reset(&text);
	}
	if (rc < 0) {
		rc = dn_error_set(err, DN_EPARSE, "S3 list answer is not well-formed XML");
		goto fail;
	}
	if (!root_seen || depth) {
		rc = dn_error_set(err, DN_EPARSE, "S3 list answer ends before its end tag");
		goto fail;
	}
	page->truncated = truncated;
	dn_free(page->next_token);
	page->next_token = token;
	dn_buf_release(&text);
	return 0;
fail:
	for (size_t i = n0; i < page->n; i++)
		dn_free(page->objs[i].key);
	page->n = n0;
	dn_free(obj.key);
	dn_free(token);
	dn_buf_release(&text);
	return rc;
}

/* ---------------------------------------------------------------------------------------------
 * The fs and its requests */

struct s3 {
	CURL *curl;
	char *bucket;
	char *prefix; /* "" or "a/b/" */
	char *scheme; /* "http" or "https" */
	char *hostport;
	char *region;
	char *akid;
	char *secret;
	char *token; /* NULL when none */
	int path_style;
	int insecure;
	long connect_timeout_ms;
	long timeout_ms;
	int retries;
	int list_max_keys;
	int64_t mp_threshold;
	int64_t part_size;
	uint64_t rng;
	char curl_err[CURL_ERROR_SIZE];
};

/* One request: what to send and where the answer goes. */
struct s3_req {
	const char *method;
	const char *fullkey;      /* bucket key (with the root prefix); NULL = the bucket */
	const char *query;        /* canonical query ("" = none) */
	const char *extra_header; /* unsigned, e.g. "If-None-Match: *"; NULL = none */
	/* Body: memory, or len bytes of a file from start. */
	const char *src_mem;
	size_t src_len;
	FILE *src_fp;
	int64_t src_start;
	int64_t src_fp_len;
	const char *payload_sha256;
	/* Answer (2xx only; other bodies go to errbody): a buffer with a ceiling, or a file. */
	struct dn_buf *dst_buf;
	size_t dst_max; /* 0 = none */
	FILE *dst_fp;
	/* Filled in. */
	long status;
	struct dn_buf errbody;
	char etag[160];
	long retry_after; /* seconds, -1 = none */
	/* Transfer state. */
	CURL *curl;
	size_t src_off;
	size_t dst_start;
	int over_max;
	int dst_err; /* errno of a failed local write */
	int nomem;
};

static size_t on_write(char *p, size_t size, size_t nmemb, void *user)
{
	struct s3_req *r = user;
	size_t n = size * nmemb;
	long status = 0;
	curl_easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status < 200 || status >= 300 || (!r->dst_buf && !r->dst_fp)) {
		size_t room = S3_ERRBODY_MAX - r->errbody.len;
		if (room && dn_buf_append(&r->errbody, p, n < room ? n : room, NULL) < 0)
			r->nomem = 1;
		return n;
	}
	if (r->dst_fp) {
		if (fwrite(p, 1, n, r->dst_fp) != n) {
			r->dst_err = errno ? errno : EIO;
			return 0;
		}
		return n;
	}
	if (r->dst_max && r->dst_buf->len - r->dst_start + n > r->dst_max) {
		r->over_max = 1;
		return 0;
	}
	if (dn_buf_append(r->dst_buf, p, n, NULL) < 0) {
		r->nomem = 1;
		return 0;
	}
	return n;
}

static size_t on_read(char *p, size_t size, size_t nmemb, void *user)
{
	struct s3_req *r = user;
	size_t want = size * nmemb;
	if (r->src_fp) {
		size_t left = (size_t)r->src_fp_len - r->src_off;
		if (want > left)
			want = left;
		if (!want)
			return 0;
		size_t got = fread(p, 1, want, r->src_fp);
		if (got == 0)
			return CURL_READFUNC_ABORT; /* the file shrank or failed */
		r->src_off += got;
		return got;
	}
	size_t left = r->src_len - r->src_off;
	if (want > left)
		want = left;
	if (want)
		memcpy(p, r->src_mem + r->src_off, want);
	r->src_off += want;
	return want;
}

static size_t on_header(char *p, size_t size, size_t nmemb, void *user)
{
	struct s3_req *r = user;
	size_t n = size * nmemb;
	const char *colon = memchr(p, ':', n);
	if (!colon)
		return n;
	struct dn_str name = dn_str_make(p, (size_t)(colon - p));
	struct dn_str val = dn_str_make(colon + 1, n - (size_t)(colon + 1 - p));
	while (val.len && (val.ptr[val.len - 1] == '\r' || val.ptr[val.len - 1] == '\n'))
		val.len--;
	val = dn_str_trim(val);
	if (dn_str_ieq_cstr(name, "ETag") && val.len < sizeof r->etag) {
		memcpy(r->etag, val.ptr, val.len);
		r->etag[val.len] = '\0';
	} else if (dn_str_ieq_cstr(name, "Retry-After")) {
		int64_t v = 0;
		if (dn_parse_i64(val.ptr, val.len, &v) == 0 && v >= 0)
			r->retry_after = v > S3_RETRY_AFTER_MAX_S ? S3_RETRY_AFTER_MAX_S : (long)v;
	}
	return n;
}

static void amz_now(char out[17])
{
	char iso[40];
	/* "YYYY-MM-DDTHH:MM:SS[.fff]Z" -> "YYYYMMDDTHHMMSSZ" */
	int64_t s = dn_now_us() / DN_USEC_PER_SEC;
	dn_timestamp_format(s * DN_USEC_PER_SEC, iso);
	const char *src = iso;
	size_t w = 0;
	for (; *src && *src != '.' && *src != 'Z' && w < 15; src++)
		if (*src != '-' && *src != ':')
			out[w++] = *src;
	out[w++] = 'Z';
	out[w] = '\0';
}

static uint64_t s3_rand(struct s3 *s)
{
	uint64_t x = s->rng;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	s->rng = x;
	return x;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
	}
}

/* The object's name in messages: s3://bucket/key. */
static void obj_name(const struct s3 *s, const char *fullkey, char *out, size_t n)
{
	snprintf(out, n, "s3://%s/%s", s->bucket, fullkey ? fullkey : "");
}

static int retryable_curl(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return 1;
	default:
		return 0;
	}
}

/* Build URL, Host and path; sign; run once. Returns the CURLcode, or a negative DN_E* when the
 * request could not even be built. */
static int s3_attempt(struct s3 *s, struct s3_req *r, struct dn_error *err)
{
	struct dn_buf path = DN_BUF_INIT, url = DN_BUF_INIT, auth = DN_BUF_INIT;
	struct dn_buf hbuf = DN_BUF_INIT;
	struct curl_slist *hl = NULL;
	char host[512], date[17];
	int rc;

	if (s->path_style) {
		snprintf(host, sizeof host, "%s", s->hostport);
		rc = dn_buf_putc(&path, '/', err);
		if (rc == 0)
			rc = dn_s3_uri_encode(&path, s->bucket, strlen(s->bucket), 0, err);
		if (rc == 0 && r->fullkey)
			rc = dn_buf_putc(&path, '/', err);
	} else {
		snprintf(host, sizeof host, "%s.%s", s->bucket, s->hostport);
		rc = dn_buf_putc(&path, '/', err);
	}
	if (rc == 0 && r->fullkey)
		rc = dn_s3_uri_encode(&path, r->fullkey, strlen(r->fullkey), 1, err);
	if (rc == 0)
		rc = dn_buf_printf(&url, err, "%s://%s%s%s%s", s->scheme, host, path.data,
				   r->query[0] ? "?" : "", r->query);
	if (rc < 0)
		goto out;

	amz_now(date);
	struct dn_s3_header hs[4] = {{"host", host},
				     {"x-amz-content-sha256", r->payload_sha256},
				     {"x-amz-date", date},
				     {"x-amz-security-token", s->token ? s->token : ""}};
	struct dn_s3_sign_input in = {r->method,        path.data,         r->query, hs,
				      s->token ? 4 : 3, r->payload_sha256, date,     s->region,
				      s->akid,          s->secret};
	if ((rc = dn_s3_sign(&in, &auth, NULL, err)) < 0)
		goto out;

	/* Headers; Expect: off (not every store answers 100-continue). */
	const char *lines[] = {"Host: ",       host, "x-amz-content-sha256: ", r->payload_sha256,
			       "x-amz-date: ", date, "Authorization: ",        auth.data};
	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i += 2) {
		dn_buf_reset(&hbuf);
		if ((rc = dn_buf_printf(&hbuf, err, "%s%s", lines[i], lines[i + 1])) < 0)
			goto out;
		struct curl_slist *nl = curl_slist_append(hl, hbuf.data);
		if (!nl)
			goto nomem;
		hl = nl;
	}
	if (s->token) {
		dn_buf_reset(&hbuf);
		if ((rc = dn_buf_printf(&hbuf, err, "x-amz-security-token: %s", s->token)) < 0)
			goto out;
		struct curl_slist *nl = curl_slist_append(hl, hbuf.data);
		if (!nl)
			goto nomem;
		hl = nl;
	}
	const char *more[] = {"Expect:", r->extra_header};
	for (size_t i = 0; i < 2; i++) {
		if (!more[i])
			continue;
		struct curl_slist *nl = curl_slist_append(hl, more[i]);
		if (!nl)
			goto nomem;
		hl = nl;
	}

	CURL *c = s->curl;
	curl_easy_reset(c);
	s->curl_err[0] = '\0';
	curl_easy_setopt(c, CURLOPT_URL, url.data);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, s->curl_err);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, s->connect_timeout_ms);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, s->timeout_ms);
	/* Without an overall timeout, a stalled transfer still ends: under 1 byte/s for 2 min. */
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 120L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, s->insecure ? 0L : 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, s->insecure ? 0L : 2L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
	if (strcmp(r->method, "PUT") == 0 || strcmp(r->method, "POST") == 0) {
		curl_off_t len = r->src_fp ? (curl_off_t)r->src_fp_len : (curl_off_t)r->src_len;
		curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(c, CURLOPT_READDATA, r);
		curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, len);
		if (strcmp(r->method, "POST") == 0)
			curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "POST");
	} else if (strcmp(r->method, "HEAD") == 0) {
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	} else if (strcmp(r->method, "GET") != 0) {
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, r->method);
	}
	r->curl = c;
	rc = (int)curl_easy_perform(c);
	r->status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	/* The handle keeps pointers to our header list and URL: drop them now. */
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
	goto out;
nomem:
	rc = dn_error_set(err, DN_ENOMEM, "out of memory building an S3 request");
out:
	curl_slist_free_all(hl);
	if (auth.data)
		OPENSSL_cleanse(auth.data, auth.len);
	dn_buf_release(&auth);
	dn_buf_release(&path);
	dn_buf_release(&url);
	dn_buf_release(&hbuf);
	return rc;
}

/* Run r with retries. 0 when an HTTP answer came back (r->status says which); DN_EIO when the
 * store could not be reached, DN_ELIMIT over dst_max, DN_EIO on a local write error. */
static int s3_run(struct s3 *s, struct s3_req *r, const char *op, struct dn_error *err)
{
	char name[1200];
	int attempts = s->retries + 1, rc = 0;
	obj_name(s, r->fullkey, name, sizeof name);
	r->dst_start = r->dst_buf ? r->dst_buf->len : 0;
	for (int a = 0; a < attempts; a++) {
		/* Start clean: rewind the body, truncate the answer. */
		r->src_off = 0;
		r->over_max = r->dst_err = r->nomem = 0;
		r->etag[0] = '\0';
		r->retry_after = -1;
		dn_buf_reset(&r->errbody);
		if (r->dst_buf) {
			r->dst_buf->len = r->dst_start;
			if (r->dst_buf->data)
				r->dst_buf->data[r->dst_start] = '\0';
		}
		if (r->src_fp && fseeko(r->src_fp, (off_t)r->src_start, SEEK_SET) != 0)
			return dn_error_set(err, DN_EIO,
					    "S3 %s %s: cannot rewind the local file: %s", op, name,
					    strerror(errno));
		if (r->dst_fp && a > 0) {
			if (fflush(r->dst_fp) != 0 || ftruncate(fileno(r->dst_fp), 0) != 0 ||
			    fseeko(r->dst_fp, 0, SEEK_SET) != 0)
				return dn_error_set(err, DN_EIO,
						    "S3 %s %s: cannot restart the download into "
						    "the local file: %s",
						    op, name, strerror(errno));
		}
		rc = s3_attempt(s, r, err);
		if (rc < 0)
			return rc;
		if (r->nomem)
			return dn_error_set(err, DN_ENOMEM, "S3 %s %s: out of memory", op, name);
		if (r->over_max)
			return dn_error_set(err, DN_ELIMIT,
					    "S3 %s %s: the object is larger than the limit of %zu "
					    "bytes",
					    op, name, r->dst_max);
		if (r->dst_err)
			return dn_error_set(err, DN_EIO,
					    "S3 %s %s: cannot write the local file: %s", op, name,
					    strerror(r->dst_err));
		int again;
		if (rc != CURLE_OK)
			again = retryable_curl((CURLcode)rc);
		else
			again = r->status >= 500 || r->status == 429;
		if (!again || a + 1 == attempts)
			break;
		long ms;
		if (r->retry_after >= 0 && rc == CURLE_OK) {
			ms = r->retry_after * 1000;
		} else {
			long cap = S3_BACKOFF_BASE_MS << (a < 10 ? a : 10);
			if (cap > S3_BACKOFF_MAX_MS)
				cap = S3_BACKOFF_MAX_MS;
			/* Full jitter, but never less than half: bounded and spread out. */
			ms = cap / 2 + (long)(s3_rand(s) % (uint64_t)(cap / 2 + 1));
		}
		dn_debug("S3 %s %s: attempt %d failed (%s), again in %ld ms", op, name, a + 1,
			 rc != CURLE_OK ? curl_easy_strerror((CURLcode)rc) : "server error", ms);
		sleep_ms(ms);
	}
	if (rc != CURLE_OK && !retryable_curl((CURLcode)rc))
		return dn_error_set(err, DN_EIO, "S3 %s %s: the request to %s://%s failed: %s%s%s",
				    op, name, s->scheme, s->hostport,
				    curl_easy_strerror((CURLcode)rc), s->curl_err[0] ? " - " : "",
				    s->curl_err);
	if (rc != CURLE_OK)
		return dn_error_set(err, DN_EIO,
				    "S3 %s %s: cannot reach %s://%s after %d attempt%s: %s%s%s; "
				    "check the endpoint, the network and that the store is running",
				    op, name, s->scheme, s->hostport, attempts,
				    attempts == 1 ? "" : "s", curl_easy_strerror((CURLcode)rc),
				    s->curl_err[0] ? " - " : "", s->curl_err);
	return 0;
}

/* The error for an unexpected HTTP status, with S3's Code and Message. */
static int s3_status_error(struct s3 *s, struct s3_req *r, const char *op, struct dn_error *err)
{
	char name[1200], code[128], msg[400];
	const char *hint = "";
	int rc = DN_EIO;
	obj_name(s, r->fullkey, name, sizeof name);
	s3_error_fields(r->errbody.data ? r->errbody.data : "", r->errbody.len, code, sizeof code,
			msg, sizeof msg);
	if (r->status == 403 || r->status == 401 || strcmp(code, "InvalidAccessKeyId") == 0 ||
	    strcmp(code, "SignatureDoesNotMatch") == 0)
		hint = "; check the access key id and secret access key (AWS_ACCESS_KEY_ID, "
		       "AWS_SECRET_ACCESS_KEY), the session token and the region";
	else if (strcmp(code, "NoSuchBucket") == 0)
		hint = "; check the bucket name in the lake URL";
	else if (r->status == 301 || r->status == 307 || strcmp(code, "PermanentRedirect") == 0 ||
		 strcmp(code, "AuthorizationHeaderMalformed") == 0)
		hint = "; the bucket may be in another region: set the region";
	else if (r->status >= 500 || r->status == 429)
		hint = "; the store is failing or throttling (retried): try again later";
	if (r->status == 404)
		rc = DN_ENOTFOUND;
	return dn_error_set(err, rc, "S3 %s %s: HTTP %ld%s%s%s%s%s", op, name, r->status,
			    code[0] ? " " : "", code, msg[0] ? ": " : "", msg, hint);
}

static void req_init(struct s3_req *r, const char *method, const char *fullkey, const char *query)
{
	memset(r, 0, sizeof *r);
	r->method = method;
	r->fullkey = fullkey;
	r->query = query ? query : "";
	r->payload_sha256 = S3_EMPTY_SHA256;
	dn_buf_init(&r->errbody, 0);
}

static void req_release(struct s3_req *r)
{
	dn_buf_release(&r->errbody);
}

static char *full_key(const struct s3 *s, const char *key, struct dn_error *err)
{
	struct dn_buf b = DN_BUF_INIT;
	if (dn_buf_printf(&b, err, "%s%s", s->prefix, key) < 0)
		return NULL;
	return dn_buf_take(&b, NULL);
}

/* ---------------------------------------------------------------------------------------------
 * The ops */

static struct s3 *S3(struct dn_lake_fs *fs)
{
	return fs->impl;
}

static int s3_put_mem(struct dn_lake_fs *fs, const char *key, const void *data, size_t len,
		      int if_absent, struct dn_error *err)
{
	struct s3 *s = S3(fs);
	struct s3_req r;
	char sha[65];
	DN_TRY(dn_lake_key_check(key, err));
	char *fk = full_key(s, key, err);
	if (!fk)
		return DN_ENOMEM;
	req_init(&r, "PUT", fk, "");
	int rc = sha256_hex(data, len, sha);
	if (rc < 0) {
		rc = dn_error_set(err, rc, "SHA-256 failed");
		goto out;
	}
	r.src_mem = data ? data : "";
	r.src_len = len;
	r.payload_sha256 = sha;
	r.extra_header = if_absent ? "If-None-Match: *" : NULL;
	if ((rc = s3_run(s, &r, "PUT", err)) < 0)
		goto out;
	if (r.status == 412) {
		char name[1200];
		obj_name(s, fk, name, sizeof name);
		rc = dn_error_set(err, DN_EEXISTS, "S3 PUT %s: the object already exists", name);
	} else if (r.status < 200 || r.status >= 300) {
		rc = s3_status_error(s, &r, "PUT", err);
	}
out:
	req_release(&r);
	dn_free(fk);
	return rc;
}

static int s3_multipart(struct s3 *s, const char *fk, FILE *fp, int64_t size, const char *path,
			struct dn_error *err);

static int s3_put_file(struct dn_lake_fs *fs, const char *key, const char *local_path,
		       struct dn_error *err)
{
	struct s3 *s = S3(fs);
	struct s3_req r;
	struct stat st;
	char sha[65];
	int rc;
	DN_TRY(dn_lake_key_check(key, err));
	FILE *fp = fopen(local_path, "rb");
	if (!fp)
		return dn_error_set(err, errno == ENOENT ? DN_ENOTFOUND : DN_EIO,
				    "cannot open %s to upload it: %s", local_path, strerror(errno));
	if (fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode)) {
		fclose(fp);
		return dn_error_set(err, DN_EINVAL, "cannot upload %s: not a regular file",
				    local_path);
	}
	char *fk = full_key(s, key, err);
	if (!fk) {
		fclose(fp);
		return DN_ENOMEM;
	}
	req_init(&r, "PUT", fk, "");
	if ((int64_t)st.st_size > s->mp_threshold) {
		rc = s3_multipart(s, fk, fp, (int64_t)st.st_size, local_path, err);
		goto out;
	}
	if ((rc = sha256_file(fp, 0, (int64_t)st.st_size, sha, local_path, err)) < 0)
		goto out;
	r.src_fp = fp;
	r.src_start = 0;
	r.src_fp_len = (int64_t)st.st_size;
	r.payload_sha256 = sha;
	if ((rc = s3_run(s, &r, "PUT", err)) < 0)
		goto out;
	if (r.status < 200 || r.status >= 300)
		rc = s3_status_error(s, &r, "PUT", err);
out:
	req_release(&r);
	dn_free(fk);
	fclose(fp);
	return rc;
}

static int s3_get_file(struct dn_lake_fs *fs, const char *key, const char *local_path,
		       struct dn_error *err)
{
	struct s3 *s = S3(fs);
	struct s3_req r;
	struct dn_afile af;
	int rc;
	DN_TRY(dn_lake_key_check(key, err));
	char *fk = full_key(s, key, err);
	if (!fk)
		return DN_ENOMEM;
	if ((rc = dn_afile_open(&af, local_path, err)) < 0) {
		dn_free(fk);
		return rc;
	}
	req_init(&r, "GET", fk, "");
	r.dst_fp = af.fp;
	if ((rc = s3_run(s, &r, "GET", err)) < 0)
		goto fail;
	if (r.status < 200 || r.status >= 300) {
		rc = s3_status_error(s, &r, "GET", err);
		goto fail;
	}
	rc = dn_afile_commit(&af, err);
	goto out;
fail:
	dn_afile_abort(&af);
out:
	req_release(&r);
	dn_free(fk);
	return rc;
}

static int s3_get_mem(struct dn_lake_fs *fs, const char *key, struct dn_buf *out, size_t max,
		      struct dn_error *err)
{
	struct s3 *s = S3(fs);
	struct s3_req r;
	DN_TRY(dn_lake_key_check(key, err));
	char *fk = full_key(s, key, err);
	if (!fk)
		return DN_ENOMEM;
	req_init(&r, "GET", fk, "");
	r.dst_buf = out;
	r.dst_max = max;
	int rc = s3_run(s, &r, "GET", err);
	if (rc == 0 && (r.status < 200 || r.status >= 300))
		rc = s3_status_error(s, &r, "GET", err);
	if (rc < 0 && out->data) {
		out->len = r.dst_start; /* nothing appended on failure */
		out->data[out->len] = '\0';
	}
	req_release(&r);
	dn_free(fk);
	return rc;
}

static int s3_remove(struct dn_lake_fs *fs, const char *key, struct dn_error *err)
{
	struct s3 *s = S3(fs);
	struct s3_req r;
	DN_TRY(dn_lake_key_check(key, err));
	char *fk = full_key(s, key, err);
	if (!fk)
		return DN_ENOMEM;
	req_init(&r, "DELETE", fk, "");
	int rc = s3_run(s, &r, "DELETE", err);
	if (rc == 0 && r.status != 404 && (r.status < 200 || r.status >= 300))
		rc = s3_status_error(s, &r, "DELETE", err);
	req_release(&r);
	dn_free(fk);
	return rc;
}

static int obj_cmp(const void *a, const void *b)
{
	return strcmp(((const struct dn_lake_obj *)a)->key, ((const struct dn_lake_obj *)b)->key);
}

static int s3_list(struct dn_lake_fs *fs, const char *prefix, struct dn_lake_obj **objs, size_t *n,
		   struct dn_error *err)
{
	struct s3 *s = S3(fs);
	struct dn_s3_list_page page = {0};
	struct dn_buf q = DN_BUF_INIT, body = DN_BUF_INIT;
	char *prev_token = NULL;
	char *full = NULL;
	int rc = 0;
	*objs = NULL;
	*n = 0;
	if (!prefix)
		prefix = "";
	if (prefix[0] == '/' || strlen(prefix) > DN_S3_KEY_MAX)
		return dn_error_set(err, DN_EINVAL,
				    "lake list prefix \"%.80s\" starts with '/' or is too long; "
				    "give a path relative to the root",
				    prefix);
	for (const char *p = prefix; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return dn_error_set(err, DN_EINVAL,
					    "lake list prefix has a control character");
	if (!(full = full_key(s, prefix, err)))
		return DN_ENOMEM;
	dn_buf_init(&body, S3_XMLBODY_MAX);
	for (long pages = 0;; pages++) {
		struct s3_req r;
		if (pages == S3_LIST_MAX_PAGES) {
			rc = dn_error_set(err, DN_ELIMIT, "S3 list %s: more than %d pages",
					  fs->root, S3_LIST_MAX_PAGES);
			goto out;
		}
		/* The canonical query: names sorted. */
		dn_buf_reset(&q);
		if (page.next_token) {
			if ((rc = dn_buf_puts(&q, "continuation-token=", err)) < 0 ||
			    (rc = dn_s3_uri_encode(&q, page.next_token, strlen(page.next_token), 0,
						   err)) < 0 ||
			    (rc = dn_buf_putc(&q, '&', err)) < 0)
				goto out;
		}
		if ((rc = dn_buf_puts(&q, "list-type=2", err)) < 0)
			goto out;
		if (s->list_max_keys > 0 &&
		    (rc = dn_buf_printf(&q, err, "&max-keys=%d", s->list_max_keys)) < 0)
			goto out;
		if (full[0] && ((rc = dn_buf_puts(&q, "&prefix=", err)) < 0 ||
				(rc = dn_s3_uri_encode(&q, full, strlen(full), 0, err)) < 0))
			goto out;
		dn_buf_reset(&body);
		req_init(&r, "GET", NULL, q.data);
		r.dst_buf = &body;
		r.dst_max = S3_XMLBODY_MAX;
		rc = s3_run(s, &r, "LIST", err);
		if (rc == 0 && (r.status < 200 || r.status >= 300)) {
			rc = s3_status_error(s, &r, "LIST", err);
			if (rc == DN_ENOTFOUND)
				rc = DN_EIO; /* a missing bucket is not a missing key */
			if (err)
				err->code = rc;
		}
		req_release(&r);
		if (rc < 0)
			goto out;
		if ((rc = dn_s3_list_parse(body.data ? body.data : "", body.len, &page, err)) < 0) {
			dn_error_prefix(err, "S3 list %s/%s: ", fs->root, prefix);
			goto out;
		}
		if (!page.truncated)
			break;
		if (!page.next_token || (prev_token && strcmp(prev_token, page.next_token) == 0)) {
			rc = dn_error_set(err, DN_EPARSE,
					  "S3 list %s: the store says the list goes on but gives "
					  "no new continuation token",
					  fs->root);
			goto out;
		}
		dn_free(prev_token);
		if (!(prev_token = dn_strdup(page.next_token))) {
			rc = dn_error_set(err, DN_ENOMEM, "out of memory");
			goto out;
		}
	}
	/* Keys relative to the root; folder markers ("x/") and the root itself are not objects. */
	size_t plen = strlen(s->prefix), w = 0;
	for (size_t i = 0; i < page.n; i++) {
		char *k = page.objs[i].key;
		size_t kl = strlen(k);
		if (strncmp(k, s->prefix, plen) != 0 || kl == plen || k[kl - 1] == '/') {
			dn_free(k);
			continue;
		}
		memmove(k, k + plen, kl - plen + 1);
		page.objs[w++] = page.objs[i];
	}
	page.n = w;
	if (w) {
		qsort(page.objs, w, sizeof *page.objs, obj_cmp);
		*objs = page.objs;
		*n = w;
		page.objs = NULL;
		page.n = 0;
	}
out:
	dn_s3_list_page_release(&page);
	dn_free(prev_token);
	dn_free(full);
	dn_buf_release(&q);
	dn_buf_release(&body);
	return rc;
}

/* Multipart upload: create, upload the parts (each hashed, then streamed), complete; abort on
 * any failure so no parts are left billed in the bucket. */
static int s3_multipart(struct s3 *s, const char *fk, FILE *fp, int64_t size, const char *path,
			struct dn_error *err)
{
	struct dn_buf body = DN_BUF_INIT, q = DN_BUF_INIT, xml = DN_BUF_INIT, id = DN_BUF_INIT;
	struct dn_buf encid = DN_BUF_INIT;
	struct s3_req r;
	char **etags = NULL;
	char name[1200];
	int64_t part = s->part_size, nparts;
	int rc;
	obj_name(s, fk, name, sizeof name);
	if ((size + part - 1) / part > S3_MAX_PARTS)
		part = ((size + S3_MAX_PARTS - 1) / S3_MAX_PARTS + (1 << 20) - 1) &
		       ~(int64_t)((1 << 20) - 1);
	nparts = (size + part - 1) / part;
	dn_buf_init(&body, S3_XMLBODY_MAX);

	/* Create. */
	req_init(&r, "POST", fk, "uploads=");
	r.dst_buf = &body;
	r.dst_max = S3_XMLBODY_MAX;
	rc = s3_run(s, &r, "CreateMultipartUpload", err);
	if (rc == 0 && (r.status < 200 || r.status >= 300))
		rc = s3_status_error(s, &r, "CreateMultipartUpload", err);
	req_release(&r);
	if (rc < 0)
		goto out_noabort;
	rc = xml_find_text(body.data ? body.data : "", body.len, "UploadId", &id, 1024, err);
	if (rc <= 0 || id.len == 0) {
		rc = dn_error_set(err, DN_EPARSE,
				  "S3 CreateMultipartUpload %s: the answer has no UploadId", name);
		goto out_noabort;
	}
	if ((rc = dn_s3_uri_encode(&encid, id.data, id.len, 0, err)) < 0)
		goto abort;

	etags = dn_calloc((size_t)nparts, sizeof *etags);
	if (!etags) {
		rc = dn_error_set(err, DN_ENOMEM, "out of memory");
		goto abort;
	}
	for (int64_t i = 0; i < nparts; i++) {
		char sha[65];
		int64_t off = i * part, len = size - off < part ? size - off : part;
		if ((rc = sha256_file(fp, off, len, sha, path, err)) < 0)
			goto abort;
		dn_buf_reset(&q);
		if ((rc = dn_buf_printf(&q, err, "partNumber=%lld&uploadId=%s", (long long)(i + 1),
					encid.data)) < 0)
			goto abort;
		req_init(&r, "PUT", fk, q.data);
		r.src_fp = fp;
		r.src_start = off;
		r.src_fp_len = len;
		r.payload_sha256 = sha;
		rc = s3_run(s, &r, "UploadPart", err);
		if (rc == 0 && (r.status < 200 || r.status >= 300))
			rc = s3_status_error(s, &r, "UploadPart", err);
		if (rc == 0 && !r.etag[0])
			rc = dn_error_set(err, DN_EPARSE,
					  "S3 UploadPart %s: part %lld came back without an ETag",
					  name, (long long)(i + 1));
		if (rc == 0 && !(etags[i] = dn_strdup(r.etag)))
			rc = dn_error_set(err, DN_ENOMEM, "out of memory");
		req_release(&r);
		if (rc < 0)
			goto abort;
	}

	/* Complete. */
	if ((rc = dn_buf_puts(&xml, "<CompleteMultipartUpload>", err)) < 0)
		goto abort;
	for (int64_t i = 0; i < nparts; i++) {
		if ((rc = dn_buf_printf(&xml, err, "<Part><PartNumber>%lld</PartNumber><ETag>",
					(long long)(i + 1))) < 0)
			goto abort;
		for (const char *p = etags[i]; *p && rc == 0; p++)
			rc = *p == '&' ? dn_buf_puts(&xml, "&amp;", err) :
			     *p == '<' ? dn_buf_puts(&xml, "&lt;", err) :
			     *p == '>' ? dn_buf_puts(&xml, "&gt;", err) :
					 dn_buf_putc(&xml, *p, err);
		if (rc < 0 || (rc = dn_buf_puts(&xml, "</ETag></Part>", err)) < 0)
			goto abort;
	}
	if ((rc = dn_buf_puts(&xml, "</CompleteMultipartUpload>", err)) < 0)
		goto abort;
	char sha[65];
	if (sha256_hex(xml.data, xml.len, sha) < 0) {
		rc = dn_error_set(err, DN_EINTERNAL, "SHA-256 failed");
		goto abort;
	}
	dn_buf_reset(&q);
	if ((rc = dn_buf_printf(&q, err, "uploadId=%s", encid.data)) < 0)
		goto abort;
	dn_buf_reset(&body);
	req_init(&r, "POST", fk, q.data);
	r.src_mem = xml.data;
	r.src_len = xml.len;
	r.payload_sha256 = sha;
	r.dst_buf = &body;
	r.dst_max = S3_XMLBODY_MAX;
	rc = s3_run(s, &r, "CompleteMultipartUpload", err);
	if (rc == 0 && (r.status < 200 || r.status >= 300))
		rc = s3_status_error(s, &r, "CompleteMultipartUpload", err);
	req_release(&r);
	if (rc < 0)
		goto abort;
	/* S3 may answer 200 and put the failure in the body. */
	if (body.len && find_str(body.data, body.data + body.len, "<Error>")) {
		char code[128], msg[400];
		s3_error_fields(body.data, body.len, code, sizeof code, msg, sizeof msg);
		rc = dn_error_set(err, DN_EIO, "S3 CompleteMultipartUpload %s: %s: %s", name,
				  code[0] ? code : "error", msg);
		goto abort;
	}
	goto out;
abort:
	dn_buf_reset(&q);
	if (encid.data && dn_buf_printf(&q, NULL, "uploadId=%s", encid.data) == 0) {
		req_init(&r, "DELETE", fk, q.data);
		if (s3_run(s, &r, "AbortMultipartUpload", NULL) < 0 || r.status >= 300)
			dn_warn("S3 AbortMultipartUpload %s failed; parts may be left in the "
				"bucket until a lifecycle rule removes them",
				name);
		req_release(&r);
	}
	goto out;
out_noabort:
out:
	if (etags)
		for (int64_t i = 0; i < nparts; i++)
			dn_free(etags[i]);
	dn_free(etags);
	dn_buf_release(&body);
	dn_buf_release(&q);
	dn_buf_release(&xml);
	dn_buf_release(&id);
	dn_buf_release(&encid);
	return rc;
}

static void s3_close(struct dn_lake_fs *fs)
{
	struct s3 *s = fs ? S3(fs) : NULL;
	if (!s)
		return;
	if (s->curl)
		curl_easy_cleanup(s->curl);
	if (s->secret) {
		OPENSSL_cleanse(s->secret, strlen(s->secret));
		dn_free(s->secret);
	}
	if (s->token) {
		OPENSSL_cleanse(s->token, strlen(s->token));
		dn_free(s->token);
	}
	dn_free(s->bucket);
	dn_free(s->prefix);
	dn_free(s->scheme);
	dn_free(s->hostport);
	dn_free(s->region);
	dn_free(s->akid);
	dn_free(s);
	fs->impl = NULL;
}

static const struct dn_lake_fs_ops s3_ops = {
	"s3", s3_close, s3_put_file, s3_put_mem, s3_get_file, s3_get_mem, s3_list, s3_remove,
};

void dn_lake_s3_tune(struct dn_lake_fs *fs, int list_max_keys, int64_t multipart_threshold,
		     int64_t part_size)
{
	if (!fs || fs->ops != &s3_ops)
		return;
	struct s3 *s = S3(fs);
	s->list_max_keys = list_max_keys;
	if (multipart_threshold > 0)
		s->mp_threshold = multipart_threshold;
	if (part_size > 0)
		s->part_size = part_size;
}

/* ---------------------------------------------------------------------------------------------
 * Opening */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static const char *pick(const char *v, const char *env)
{
	if (v)
		return v;
	const char *e = getenv(env);
	return e && e[0] ? e : NULL;
}

static int host_is_ip_or_local(const char *hp)
{
	if (hp[0] == '[')
		return 1; /* IPv6 literal */
	size_t hl = strcspn(hp, ":");
	if (hl == 9 && memcmp(hp, "localhost", 9) == 0)
		return 1;
	for (size_t i = 0; i < hl; i++)
		if (!((hp[i] >= '0' && hp[i] <= '9') || hp[i] == '.'))
			return 0;
	return hl > 0;
}

int dn_lake_fs_open_s3(struct dn_lake_fs **out, const char *url, const struct dn_s3_options *opt,
		       struct dn_error *err)
{
	struct dn_s3_options defaults;
	struct dn_lake_fs *fs = NULL;
	struct s3 *s = NULL;
	struct dn_buf b = DN_BUF_INIT;
	int rc = DN_EINVAL;
	*out = NULL;
	if (!opt) {
		dn_s3_options_init(&defaults);
		opt = &defaults;
	}
	if (!url || strncmp(url, "s3://", 5) != 0)
		return dn_error_set(err, DN_EINVAL,
				    "lake root \"%s\" is not an S3 URL; write s3://bucket or "
				    "s3://bucket/prefix",
				    url ? url : "");
	const char *bk = url + 5, *slash = strchr(bk, '/');
	size_t bl = slash ? (size_t)(slash - bk) : strlen(bk);
	if (bl == 0 || bl > 255)
		return dn_error_set(err, DN_EINVAL,
				    "lake root \"%s\" names no bucket (s3://bucket)", url);
	for (size_t i = 0; i < bl; i++) {
		char c = bk[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '.' || c == '_'))
			return dn_error_set(err, DN_EINVAL,
					    "lake root \"%s\": bucket names use letters, digits, "
					    "'-', '.' and '_' only",
					    url);
	}
	/* The prefix: segments without empty, "." or ".." parts, stored as "a/b/". */
	const char *pre = slash ? slash + 1 : "";
	size_t pl = strlen(pre);
	while (pl && pre[pl - 1] == '/')
		pl--;
	if (pl) {
		char *tmp = dn_strndup(pre, pl);
		if (!tmp)
			return dn_error_set(err, DN_ENOMEM, "out of memory");
		rc = dn_lake_key_check(tmp, err);
		dn_free(tmp);
		if (rc < 0) {
			dn_error_prefix(err, "lake root %s: the prefix is not a plain path: ", url);
			return rc;
		}
	}

	const char *endpoint = pick(opt->endpoint, "AWS_ENDPOINT_URL");
	const char *region = pick(opt->region, "AWS_REGION");
	const char *akid = pick(opt->access_key_id, "AWS_ACCESS_KEY_ID");
	const char *secret = pick(opt->secret_access_key, "AWS_SECRET_ACCESS_KEY");
	const char *token = pick(opt->session_token, "AWS_SESSION_TOKEN");
	if (!region || !region[0])
		region = S3_DEFAULT_REGION;
	if (token && !token[0])
		token = NULL; /* "" = no session token */
	if (!akid || !akid[0] || !secret || !secret[0])
		return dn_error_set(err, DN_EINVAL,
				    "lake root %s: no S3 credentials; set AWS_ACCESS_KEY_ID and "
				    "AWS_SECRET_ACCESS_KEY (or the access key settings of the "
				    "lake)",
				    url);
	/* They go into request headers: no control characters (a CR/LF would inject headers). */
	const char *hv[2] = {akid, token ? token : ""};
	for (int i = 0; i < 2; i++)
		for (const char *p = hv[i]; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				return dn_error_set(err, DN_EINVAL,
						    "S3 %s has a control character; check the "
						    "value (AWS_%s)",
						    i ? "session token" : "access key id",
						    i ? "SESSION_TOKEN" : "ACCESS_KEY_ID");
	for (const char *p = region; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
			return dn_error_set(err, DN_EINVAL,
					    "S3 region \"%.40s\" is not a region name such as "
					    "eu-west-1",
					    region);

	pthread_once(&curl_once, curl_init);
	if (curl_init_rc != CURLE_OK)
		return dn_error_set(err, DN_EIO, "libcurl failed to initialise: %s",
				    curl_easy_strerror(curl_init_rc));

	fs = dn_calloc(1, sizeof *fs);
	s = dn_calloc(1, sizeof *s);
	if (!fs || !s)
		goto nomem;
	fs->ops = &s3_ops;
	fs->impl = s;
	s->path_style = opt->path_style;
	s->insecure = opt->insecure;
	s->connect_timeout_ms = opt->connect_timeout_ms > 0 ? opt->connect_timeout_ms :
							      S3_DEFAULT_CONNECT_MS;
	s->timeout_ms = opt->timeout_ms > 0 ? opt->timeout_ms : 0;
	s->retries = opt->retries >= 0 ? opt->retries : S3_DEFAULT_RETRIES;
	if (s->retries > 20)
		s->retries = 20;
	s->mp_threshold = S3_MULTIPART_THRESHOLD;
	s->part_size = S3_PART_SIZE;
	s->rng = (uint64_t)dn_now_us() ^ ((uint64_t)(uintptr_t)s << 16) ^ 0x9e3779b97f4a7c15ULL;
	if (!s->rng)
		s->rng = 1;
	if (!(s->bucket = dn_strndup(bk, bl)) || !(s->prefix = dn_malloc(pl + 2)) ||
	    !(s->region = dn_strdup(region)) || !(s->akid = dn_strdup(akid)) ||
	    !(s->secret = dn_strdup(secret)) || (token && !(s->token = dn_strdup(token))))
		goto nomem;
	memcpy(s->prefix, pre, pl);
	if (pl)
		s->prefix[pl++] = '/';
	s->prefix[pl] = '\0';

	/* The endpoint: http(s)://host[:port][/]. */
	if (endpoint) {
		const char *hp;
		if (strncmp(endpoint, "https://", 8) == 0)
			hp = endpoint + 8;
		else if (strncmp(endpoint, "http://", 7) == 0)
			hp = endpoint + 7;
		else {
			rc = dn_error_set(err, DN_EINVAL,
					  "S3 endpoint \"%.100s\" must start with https:// (or "
					  "http:// for a local store)",
					  endpoint);
			goto fail;
		}
		size_t hl = strcspn(hp, "/?#@");
		if (hl == 0 || (hp[hl] && !(hp[hl] == '/' && hp[hl + 1] == '\0'))) {
			rc = dn_error_set(err, DN_EINVAL,
					  "S3 endpoint \"%.100s\" must be scheme://host[:port] "
					  "with no path or user",
					  endpoint);
			goto fail;
		}
		if (!(s->scheme = dn_strndup(endpoint, (size_t)(hp - 3 - endpoint))) ||
		    !(s->hostport = dn_strndup(hp, hl)))
			goto nomem;
	} else {
		if (!(s->scheme = dn_strdup("https")) ||
		    dn_buf_printf(&b, NULL, "s3.%s.amazonaws.com", s->region) < 0 ||
		    !(s->hostport = dn_buf_take(&b, NULL)))
			goto nomem;
	}
	if (host_is_ip_or_local(s->hostport) ||
	    (strchr(s->bucket, '.') && strcmp(s->scheme, "https") == 0))
		s->path_style = 1;

	if (dn_buf_printf(&b, NULL, "s3://%s%s%.*s", s->bucket, pl ? "/" : "",
			  (int)(pl ? pl - 1 : 0), s->prefix) < 0 ||
	    !(fs->root = dn_buf_take(&b, NULL)))
		goto nomem;
	if (!(s->curl = curl_easy_init())) {
		rc = dn_error_set(err, DN_EIO, "libcurl could not create a handle");
		goto fail;
	}
	*out = fs;
	return 0;
nomem:
	rc = dn_error_set(err, DN_ENOMEM, "out of memory opening %s", url);
fail:
	dn_buf_release(&b);
	if (fs) {
		if (s)
			s3_close(fs);
		else
			dn_free(s);
		dn_free(fs->root);
		dn_free(fs);
	} else {
		dn_free(s);
	}
	return rc;
}
