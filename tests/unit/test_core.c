/* Tests of src/core: errors, allocation failure injection, arenas, buffers, strings, UTF-8,
 * number parsing and formatting, hashing, logging, the thread pool and atomic files.
 * (Time has its own file, test_time.c.) */
#include <math.h>
#include <regex.h>
#include <stdatomic.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../test.h"

/* ---- errors ---- */

DN_TEST(core_error_names)
{
	CHECK_STR(dn_err_name(DN_EPARSE), "EPARSE");
	CHECK_STR(dn_err_name(DN_ENOMEM), "ENOMEM");
	CHECK_STR(dn_err_name(DN_EINTERNAL), "EINTERNAL");
	CHECK_STR(dn_strerror(DN_ELIMIT), "a size limit was exceeded");
	CHECK_STR(dn_strerror(-999), "unknown error");
	CHECK_STR(dn_err_name(-999), "EUNKNOWN");
}

DN_TEST(core_error_format)
{
	struct dn_error err;
	char out[1200];
	dn_error_clear(&err);
	CHECK_INT(dn_error_set(&err, DN_EPARSE, "bad %s at %d", "value", 7), DN_EPARSE);
	CHECK_INT(err.code, DN_EPARSE);
	CHECK_STR(dn_error_format(&err, out, sizeof out), "bad value at 7");

	dn_error_set_at(&err, DN_EPARSE, "x.csv", 3, 14, "unterminated quote");
	CHECK_STR(dn_error_format(&err, out, sizeof out), "x.csv:3:14: unterminated quote");
	dn_error_set_at(&err, DN_EPARSE, "x.csv", 3, 0, "short row");
	CHECK_STR(dn_error_format(&err, out, sizeof out), "x.csv:3: short row");
	dn_error_set_at(&err, DN_EIO, "x.csv", 0, 0, "cannot read");
	CHECK_STR(dn_error_format(&err, out, sizeof out), "x.csv: cannot read");
	dn_error_set_at(&err, DN_EIO, NULL, 0, 0, "plain");
	CHECK_STR(dn_error_format(&err, out, sizeof out), "plain");
	/* set after set_at forgets the old position */
	dn_error_set_at(&err, DN_EIO, "a", 1, 2, "x");
	dn_error_set(&err, DN_EIO, "y");
	CHECK_STR(dn_error_format(&err, out, sizeof out), "y");

	/* Truncation of the output buffer and of the message. */
	dn_error_set_at(&err, DN_EPARSE, "file.csv", 10, 2, "message");
	char small[8];
	CHECK_STR(dn_error_format(&err, small, sizeof small), "file.cs");
	char big[2000];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = 0;
	dn_error_set(&err, DN_EPARSE, "%s", big);
	CHECK_INT(strlen(err.msg), DN_ERROR_MSG_MAX - 1);
	dn_error_set_at(&err, DN_EPARSE, big, 1, 1, "m");
	CHECK_INT(strlen(err.file), sizeof err.file - 1);

	/* Empty message falls back to the default text. */
	dn_error_set(&err, DN_ENOMEM, "%s", "");
	CHECK_STR(dn_error_format(&err, out, sizeof out), "out of memory");

	/* NULL err is allowed everywhere. */
	CHECK_INT(dn_error_set(NULL, DN_EINVAL, "x"), DN_EINVAL);
	CHECK_INT(dn_error_set_at(NULL, DN_EINVAL, "f", 1, 1, "x"), DN_EINVAL);
	dn_error_prefix(NULL, "p: ");
	dn_error_clear(NULL);
	CHECK_STR(dn_error_format(NULL, out, sizeof out), "");
}

DN_TEST(core_error_prefix)
{
	struct dn_error err;
	char out[1200];
	dn_error_set_at(&err, DN_EPARSE, "x.csv", 2, 5, "bad number");
	dn_error_prefix(&err, "reading %s: ", "x.csv");
	CHECK_STR(err.msg, "reading x.csv: bad number");
	CHECK_STR(dn_error_format(&err, out, sizeof out), "x.csv:2:5: reading x.csv: bad number");
	CHECK_INT(err.code, DN_EPARSE);
	/* Passing err->msg itself as an argument is allowed. */
	dn_error_set(&err, DN_EIO, "first");
	dn_error_set(&err, DN_EIO, "second (%s)", err.msg);
	CHECK_STR(err.msg, "second (first)");
	/* A long prefix truncates safely. */
	char big[1000];
	memset(big, 'p', sizeof big - 1);
	big[sizeof big - 1] = 0;
	dn_error_prefix(&err, "%s", big);
	CHECK_INT(strlen(err.msg), DN_ERROR_MSG_MAX - 1);
	CHECK(err.msg[0] == 'p');
}

static int try_helper(int rc)
{
	DN_TRY(rc);
	return 42;
}

DN_TEST(core_error_try)
{
	CHECK_INT(try_helper(0), 42);
	CHECK_INT(try_helper(5), 42);
	CHECK_INT(try_helper(DN_EIO), DN_EIO);
}

/* ---- allocation ---- */

DN_TEST(core_alloc_fail_injection)
{
	dn_alloc_fail_after(0);
	void *a = dn_malloc(10);
	void *b = dn_calloc(3, 4);
	CHECK(a && b);
	CHECK_INT(dn_alloc_fail_after(3), 2); /* counts since the last call */
	void *c = dn_malloc(1);               /* #1 ok */
	void *d = dn_strdup("hello");         /* #2 ok */
	void *e = dn_malloc(1);               /* #3 fails */
	void *f = dn_realloc(a, 100);         /* #4 fails, a intact */
	char *g = dn_strndup("abc", 2);       /* #5 fails */
	CHECK_INT(dn_alloc_fail_after(0), 5);
	CHECK(c != NULL);
	CHECK_STR(d, "hello");
	CHECK(e == NULL);
	CHECK(f == NULL);
	CHECK(g == NULL);
	dn_free(a);
	dn_free(b);
	dn_free(c);
	dn_free(d);
	/* Overflow in calloc is refused, and zero sizes still give a pointer. */
	CHECK(dn_calloc(SIZE_MAX / 2, 3) == NULL);
	void *z = dn_malloc(0);
	CHECK(z != NULL);
	dn_free(z);
	dn_free(NULL);
	char *s = dn_strndup("abcdef", 3);
	CHECK_STR(s, "abc");
	dn_free(s);
	s = dn_strndup("ab", 10); /* stops at the NUL */
	CHECK_STR(s, "ab");
	dn_free(s);
}

/* Every allocation of a small buffer workload failing in turn gives ENOMEM and no leak
 * (ASan's leak checker would report one at exit). */
DN_TEST(core_alloc_torture_buf)
{
	for (uint64_t n = 1; n < 20; n++) {
		struct dn_buf b;
		struct dn_error err;
		dn_buf_init(&b, 0);
		dn_alloc_fail_after(n);
		int rc = 0;
		for (int i = 0; i < 200 && rc == 0; i++)
			rc = dn_buf_printf(&b, &err, "line %d of some text\n", i);
		uint64_t used = dn_alloc_fail_after(0);
		if (rc < 0) {
			CHECK_INT(rc, DN_ENOMEM);
			CHECK_INT(err.code, DN_ENOMEM);
		} else {
			CHECK(used < n); /* finished before the failing allocation */
		}
		dn_buf_release(&b);
	}
}

/* ---- arena ---- */

DN_TEST(core_arena)
{
	struct dn_arena a;
	dn_arena_init(&a, 256);
	for (size_t i = 0; i < 1000; i++) {
		size_t n = (i * 7) % 50;
		char *p = dn_arena_alloc(&a, n);
		CHECK(p != NULL);
		CHECK_INT((uintptr_t)p % 16, 0);
		memset(p, 0xAB, n);
	}
	/* Larger than a block: its own block, still aligned and usable. */
	char *big = dn_arena_alloc(&a, 10000);
	CHECK(big != NULL);
	CHECK_INT((uintptr_t)big % 16, 0);
	memset(big, 1, 10000);
	/* Small allocations continue after the oversized one. */
	char *s = dn_arena_strndup(&a, "hello world", 5);
	CHECK_STR(s, "hello");
	CHECK_INT((uintptr_t)s % 16, 0);
	CHECK(a.used >= 10000);
	dn_arena_reset(&a);
	CHECK_INT(a.used, 0);
	CHECK(a.head != NULL); /* one block kept for reuse */
	char *p = dn_arena_alloc(&a, 16);
	CHECK(p != NULL);
	dn_arena_release(&a);
	CHECK(a.head == NULL);
	dn_arena_release(&a); /* twice is fine */

	/* Default block size, zero-size allocations, and OOM. */
	dn_arena_init(&a, 0);
	void *z1 = dn_arena_alloc(&a, 0), *z2 = dn_arena_alloc(&a, 0);
	CHECK(z1 && z2 && z1 != z2);
	CHECK(dn_arena_alloc(&a, SIZE_MAX - 4) == NULL);
	dn_alloc_fail_after(1);
	void *q = dn_arena_alloc(&a, 1 << 20);
	dn_alloc_fail_after(0);
	CHECK(q == NULL);
	dn_arena_release(&a);
}

/* ---- buffers ---- */

DN_TEST(core_buf)
{
	struct dn_buf b = DN_BUF_INIT;
	struct dn_error err;
	CHECK_OK(dn_buf_puts(&b, "abc", &err), &err);
	CHECK_OK(dn_buf_putc(&b, 'd', &err), &err);
	CHECK_OK(dn_buf_append(&b, "efgh", 2, &err), &err);
	CHECK_OK(dn_buf_printf(&b, &err, "-%d-%s", 42, "x"), &err);
	CHECK_STR(b.data, "abcdef-42-x");
	CHECK_INT(b.len, 11);
	/* A long printf goes through the grow-and-retry path. */
	char big[1000];
	memset(big, 'z', 999);
	big[999] = 0;
	CHECK_OK(dn_buf_printf(&b, &err, "%s", big), &err);
	CHECK_INT(b.len, 1010);
	CHECK(b.data[1010] == 0 && b.data[1009] == 'z');
	dn_buf_reset(&b);
	CHECK_INT(b.len, 0);
	CHECK_STR(b.data, "");
	CHECK_OK(dn_buf_puts(&b, "kept", &err), &err);
	size_t len;
	char *t = dn_buf_take(&b, &len);
	CHECK_STR(t, "kept");
	CHECK_INT(len, 4);
	CHECK(b.data == NULL && b.len == 0 && b.cap == 0);
	dn_free(t);
	dn_buf_release(&b);
	dn_buf_release(&b);
	/* Appending nothing still gives a NUL-terminated empty string. */
	CHECK_OK(dn_buf_append(&b, NULL, 0, &err), &err);
	CHECK_STR(b.data, "");
	dn_buf_release(&b);
}

DN_TEST(core_buf_limit)
{
	struct dn_buf b;
	struct dn_error err;
	dn_buf_init(&b, 10);
	CHECK_OK(dn_buf_puts(&b, "0123456789", &err), &err); /* exactly the limit */
	CHECK_INT(dn_buf_putc(&b, 'x', &err), DN_ELIMIT);
	CHECK_INT(err.code, DN_ELIMIT);
	CHECK(strstr(err.msg, "limit of 10 bytes") != NULL);
	CHECK_STR(b.data, "0123456789"); /* unchanged */
	CHECK_INT(dn_buf_printf(&b, &err, "%d", 5), DN_ELIMIT);
	CHECK_STR(b.data, "0123456789");
	CHECK(b.cap <= 11);
	dn_buf_release(&b);
	CHECK_INT(b.max, 10); /* release keeps the ceiling */
	CHECK_INT(dn_buf_append(&b, "0123456789ab", 12, &err), DN_ELIMIT);
	CHECK_INT(dn_buf_reserve(&b, SIZE_MAX, &err), DN_ELIMIT);
	dn_buf_release(&b);
	/* OOM while growing */
	dn_buf_init(&b, 0);
	dn_alloc_fail_after(1);
	int rc = dn_buf_puts(&b, "x", &err);
	dn_alloc_fail_after(0);
	CHECK_INT(rc, DN_ENOMEM);
	CHECK(b.data == NULL);
	dn_buf_release(&b);
}

/* ---- strings ---- */

DN_TEST(core_str)
{
	struct dn_str s = dn_str_cstr("hello");
	CHECK_INT(s.len, 5);
	CHECK(dn_str_eq(s, dn_str_make("hello!", 5)));
	CHECK(!dn_str_eq(s, dn_str_make("hellO", 5)));
	CHECK(dn_str_eq(dn_str_make(NULL, 0), dn_str_make("", 0)));
	CHECK(dn_str_eq_cstr(s, "hello"));
	CHECK(!dn_str_eq_cstr(s, "hell"));
	CHECK(dn_str_ieq_cstr(dn_str_cstr("NuLL"), "null"));
	CHECK(!dn_str_ieq_cstr(dn_str_cstr("nul"), "null"));
	struct dn_str t = dn_str_trim(dn_str_cstr(" \t a b \t"));
	CHECK_MEM(t.ptr, t.len, "a b");
	t = dn_str_trim(dn_str_cstr("   "));
	CHECK_INT(t.len, 0);
	CHECK(dn_str_has_suffix("data.csv", ".csv"));
	CHECK(!dn_str_has_suffix("csv", ".csv"));
	CHECK(dn_str_has_suffix("x", ""));
	CHECK_INT(dn_ascii_casecmp("ABC", "abc"), 0);
	CHECK(dn_ascii_casecmp("abc", "abd") < 0);
	CHECK(dn_ascii_casecmp("ab", "abc") < 0);
	CHECK(dn_ascii_casecmp("b", "A") > 0);
}

/* ---- UTF-8 ---- */

static int utf8_bad(const char *s, size_t n)
{
	size_t at = 999;
	if (dn_utf8_valid(s, n, &at))
		return -1;
	return (int)at;
}

DN_TEST(core_utf8_valid)
{
	size_t at = 7;
	CHECK(dn_utf8_valid("", 0, &at));
	CHECK(dn_utf8_valid("plain ascii text, long enough for words", 39, NULL));
	const char *ok = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xed\x9f\xbf \xf4\x8f\xbf\xbf";
	CHECK(dn_utf8_valid(ok, strlen(ok), &at));
	CHECK(dn_utf8_valid("\xef\xbf\xbf", 3, NULL)); /* U+FFFF is a valid scalar */
	CHECK_INT(utf8_bad("ab\xc0\x80", 4), 2);       /* overlong NUL */
	CHECK_INT(utf8_bad("\xc1\xbf", 2), 0);         /* overlong */
	CHECK_INT(utf8_bad("\xe0\x80\xaf", 3), 1);     /* overlong 3-byte */
	CHECK_INT(utf8_bad("\xf0\x8f\xbf\xbf", 4), 1); /* overlong 4-byte */
	CHECK_INT(utf8_bad("x\xed\xa0\x80", 4), 2);    /* surrogate D800 */
	CHECK_INT(utf8_bad("\xed\xbf\xbf", 3), 1);     /* surrogate DFFF */
	CHECK_INT(utf8_bad("\xf4\x90\x80\x80", 4), 1); /* above U+10FFFF */
	CHECK_INT(utf8_bad("\xf5\x80\x80\x80", 4), 0); /* F5 never valid */
	CHECK_INT(utf8_bad("\xff", 1), 0);
	CHECK_INT(utf8_bad("abc\x80", 4), 3); /* lone continuation */
	CHECK_INT(utf8_bad("\xc3", 1), 1);    /* truncated at the end */
	CHECK_INT(utf8_bad("\xe2\x82", 2), 2);
	CHECK_INT(utf8_bad("\xf0\x9f\x98", 3), 3);
	CHECK_INT(utf8_bad("\xe2\x82x", 3), 2); /* cut by an ASCII byte */
	CHECK_INT(utf8_bad("\xe2(\xac", 3), 1);
	CHECK_INT(utf8_bad("\xf0\x9f\x98(", 4), 3);
	/* After a long ASCII run (the 8-byte path), the offset is still exact. */
	char buf[64];
	memset(buf, 'a', sizeof buf);
	buf[37] = (char)0x80;
	CHECK_INT(utf8_bad(buf, sizeof buf), 37);
	CHECK(!dn_utf8_valid(buf, sizeof buf, NULL));
}

DN_TEST(core_utf8_encode)
{
	char out[4];
	CHECK_INT(dn_utf8_encode('A', out), 1);
	CHECK(out[0] == 'A');
	CHECK_INT(dn_utf8_encode(0xE9, out), 2);
	CHECK(!memcmp(out, "\xc3\xa9", 2));
	CHECK_INT(dn_utf8_encode(0x20AC, out), 3);
	CHECK(!memcmp(out, "\xe2\x82\xac", 3));
	CHECK_INT(dn_utf8_encode(0x1F600, out), 4);
	CHECK(!memcmp(out, "\xf0\x9f\x98\x80", 4));
	CHECK_INT(dn_utf8_encode(0x10FFFF, out), 4);
	CHECK_INT(dn_utf8_encode(0xD800, out), 0);
	CHECK_INT(dn_utf8_encode(0xDFFF, out), 0);
	CHECK_INT(dn_utf8_encode(0x110000, out), 0);
	/* Every encodable code point round-trips through the validator. */
	for (uint32_t cp = 0; cp <= 0x10FFFF; cp += 7) {
		char b[4];
		int n = dn_utf8_encode(cp, b);
		CHECK(n > 0 || (cp >= 0xD800 && cp <= 0xDFFF));
		if (n > 0)
			CHECK(dn_utf8_valid(b, (size_t)n, NULL));
	}
}

/* ---- integers ---- */

static int pi(const char *s, int64_t *v)
{
	return dn_parse_i64(s, strlen(s), v);
}

DN_TEST(core_parse_i64)
{
	int64_t v = 0;
	CHECK_INT(pi("0", &v), 0);
	CHECK_INT(v, 0);
	CHECK_INT(pi("-42", &v), 0);
	CHECK_INT(v, -42);
	CHECK_INT(pi("+17", &v), 0);
	CHECK_INT(v, 17);
	CHECK_INT(pi("007", &v), 0);
	CHECK_INT(v, 7);
	CHECK_INT(pi("9223372036854775807", &v), 0);
	CHECK(v == INT64_MAX);
	CHECK_INT(pi("-9223372036854775808", &v), 0);
	CHECK(v == INT64_MIN);
	CHECK_INT(pi("0000000000000000000000000009223372036854775807", &v), 0);
	CHECK(v == INT64_MAX);
	CHECK_INT(pi("9223372036854775808", &v), DN_ELIMIT);
	CHECK_INT(pi("-9223372036854775809", &v), DN_ELIMIT);
	CHECK_INT(pi("18446744073709551616", &v), DN_ELIMIT);
	CHECK_INT(pi("99999999999999999999999999999", &v), DN_ELIMIT);
	CHECK_INT(pi("99999999999999999999x", &v), DN_EPARSE);
	const char *bad[] = {"",    "-",    "+",   " 1",  "1 ",    "1.0",
			     "1e3", "0x10", "--1", "+-1", "1_000", "١"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		v = 12345;
		CHECK_INT(pi(bad[i], &v), DN_EPARSE);
		CHECK_INT(v, 12345); /* untouched on failure */
	}
	/* Length is honoured: no NUL needed. */
	CHECK_INT(dn_parse_i64("123456", 3, &v), 0);
	CHECK_INT(v, 123);
}

/* ---- floats ---- */

static int pf(const char *s, double *v)
{
	return dn_parse_f64(s, strlen(s), v);
}

/* dn_parse_f64 agrees bit for bit with glibc's correctly rounded strtod. */
static int same_as_strtod(const char *s)
{
	double a, b = strtod(s, NULL);
	if (pf(s, &a) != 0)
		return 0;
	return memcmp(&a, &b, sizeof a) == 0;
}

DN_TEST(core_parse_f64)
{
	double v;
	CHECK_INT(pf("1.5", &v), 0);
	CHECK(v == 1.5);
	CHECK_INT(pf("1.", &v), 0);
	CHECK(v == 1.0);
	CHECK_INT(pf(".5", &v), 0);
	CHECK(v == 0.5);
	CHECK_INT(pf("1e5", &v), 0);
	CHECK(v == 1e5);
	CHECK_INT(pf("1E-5", &v), 0);
	CHECK(v == 1e-5);
	CHECK_INT(pf("+1.5", &v), 0);
	CHECK(v == 1.5);
	CHECK_INT(pf("-0", &v), 0);
	CHECK(v == 0 && signbit(v));
	CHECK_INT(pf("0e999999999999", &v), 0);
	CHECK(v == 0 && !signbit(v));
	CHECK_INT(pf("-.0e-5", &v), 0);
	CHECK(v == 0 && signbit(v));
	CHECK_INT(pf("42", &v), 0);
	CHECK(v == 42.0);
	CHECK_INT(pf("inf", &v), 0);
	CHECK(isinf(v) && v > 0);
	CHECK_INT(pf("-Infinity", &v), 0);
	CHECK(isinf(v) && v < 0);
	CHECK_INT(pf("+INF", &v), 0);
	CHECK(isinf(v) && v > 0);
	CHECK_INT(pf("NaN", &v), 0);
	CHECK(isnan(v));
	CHECK_INT(pf("-nan", &v), 0);
	CHECK(isnan(v));
	CHECK_INT(pf("1e400", &v), 0); /* rounds to infinity, as strtod does */
	CHECK(isinf(v));
	CHECK_INT(pf("1e-400", &v), 0);
	CHECK(v == 0);
	const char *bad[] = {
		"",      "-",    "+",     ".",    "-.",   "e5",    "1e",           "1e+", "1e-",
		" 1",    "1 ",   "0x1p3", "0x10", "1..2", "1.2.3", "1,5",          "--1", "in",
		"infin", "nana", "1e5e",  "1f",   ".e1",  "1e 5",  "\xe2\x88\x9e", "1\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (pf(bad[i], &v) != DN_EPARSE) {
			dn_test_fail(dn_t_, __FILE__, __LINE__, "\"%s\" parsed", bad[i]);
			return;
		}
	}
	CHECK_INT(dn_parse_f64("1\0", 2, &v), DN_EPARSE); /* embedded NUL */
	/* Length is honoured. */
	CHECK_INT(dn_parse_f64("2.5e3junk", 5, &v), 0);
	CHECK(v == 2.5e3);
}

static const char *const half_min_subnormal[] = {
	"2.4703282292062327208828439643411068618252990130716238221279284125033775363510437593",
	"264991818081799618989828234772285886546332835517796989819938739800539093906315035659",
	"515570226392290858392449105184435931802849936536152500319370457678249219365623669863",
	"658480757001585769269903706311928279558551332927834338409351978015531246597263579574",
	"622766465272827220056374006485499977096599470454020828166226237857393450736339007967",
	"761930577506740176324673600968951340535537458516661134223766678604162159680461914467",
	"291840300530057530849048765391711386591646239524912623653881879636239373280423891018",
	"672348497668235089863388587925628302755995657524455507255189313690836254779186948667",
	"994968324049705821028513185451396213837722826145437693412532098591327667236328125",
};

DN_TEST(core_parse_f64_tricky)
{
	double v;
	CHECK_INT(pf("0.1", &v), 0);
	CHECK(v == 0.1);
	CHECK_INT(pf("1e-320", &v), 0); /* subnormal */
	CHECK(v == 1e-320 && v > 0 && v < 2.2250738585072014e-308);
	CHECK_INT(pf("1.7976931348623157e308", &v), 0);
	CHECK(v == 1.7976931348623157e308);
	CHECK_INT(pf("2.2250738585072014e-308", &v), 0);
	CHECK(v == 2.2250738585072014e-308);
	CHECK_INT(pf("4.9406564584124654e-324", &v), 0);
	CHECK(v == 4.9406564584124654e-324);
	CHECK_INT(pf("9007199254740993", &v), 0); /* 2^53 + 1: halfway, rounds to even */
	CHECK(v == 9007199254740992.0);
	CHECK_INT(pf("9007199254740993.0000000000000001", &v), 0); /* just above halfway */
	CHECK(v == 9007199254740994.0);
	const char *cases[] = {
		"0.1",
		"0.2",
		"0.3",
		"1e-320",
		"1.7976931348623157e308",
		"1.7976931348623158e308",
		"2.2250738585072014e-308",
		"2.2250738585072011e-308",
		"9007199254740993",
		"9007199254740992",
		"9007199254740994",
		"123456789012345678901234567890",
		"3.14159265358979323846264338327950288419716939937510",
		"1e22",
		"1e23",
		"8.5e-323",
		"2.4703282292062327e-324",
		"2.4703282292062328e-324",
		"5e-324",
		"1e308",
		"1.8e308",
		"0.000000000000000000000000000000001",
		"7.038531e-26",
		"123.456e-7",
		("179769313486231580793728971405303415079934132710037826936173778980444968292764750"
		 "946649017977587207096330286416692887910946555547851940402630657488671505820681908"
		 "902000708383676273854845817711531764475730270069855571366959622842914819860834936"
		 "475292719074168444365510704342711559699508093042880177904174497791.9999999999999"
		 "99999999999999999999999999999999999999999999999999999999999999999999"),
		"2.22507385850720113605740979670913197593481954635164564e-308",
		("100000000000000000000000000000000000000000000000000000000000000000000000000000000"
		 "00000000000000000000000000000000000000000000000000000000000000000000000000e-100"),
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (!same_as_strtod(cases[i])) {
			dn_test_fail(dn_t_, __FILE__, __LINE__, "\"%s\" differs from strtod",
				     cases[i]);
			return;
		}
	}
	/* Halfway cases decided by a digit far beyond the 768 the slow path keeps: exactly
	 * 2^-1075 (752 significant digits) rounds to even (zero); with a 1 in the 900th place it
	 * is just above halfway and rounds up to the smallest subnormal. */
	struct dn_buf b = DN_BUF_INIT;
	struct dn_error err;
	size_t nchunks = sizeof half_min_subnormal / sizeof half_min_subnormal[0];
	for (size_t i = 0; i < nchunks; i++)
		CHECK_OK(dn_buf_puts(&b, half_min_subnormal[i], &err), &err);
	CHECK_OK(dn_buf_printf(&b, &err, "e%d", -324), &err);
	CHECK_OK(dn_parse_f64(b.data, b.len, &v), &err);
	CHECK(v == 0);
	CHECK(same_as_strtod(b.data));
	dn_buf_reset(&b);
	for (size_t i = 0; i < nchunks; i++)
		CHECK_OK(dn_buf_puts(&b, half_min_subnormal[i], &err), &err);
	for (int i = 0; i < 150; i++)
		CHECK_OK(dn_buf_putc(&b, '0', &err), &err);
	CHECK_OK(dn_buf_printf(&b, &err, "1e%d", -324), &err);
	CHECK_OK(dn_parse_f64(b.data, b.len, &v), &err);
	CHECK(v == 4.9406564584124654e-324);
	CHECK(same_as_strtod(b.data));
	dn_buf_release(&b);
}

/* Random doubles: format then parse gives the same bits, and parse agrees with strtod. */
DN_TEST(core_f64_roundtrip_random)
{
	uint64_t x = 0x9E3779B97F4A7C15ULL;
	long iters = dn_test_iterations(200000);
	for (long i = 0; i < iters; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		double d;
		uint64_t bits = x;
		if (i % 4 == 1)
			bits = x & 0x800FFFFFFFFFFFFFULL; /* subnormals */
		memcpy(&d, &bits, sizeof d);
		if (i % 4 == 2)
			d = (double)(int64_t)(x >> 20) / 1000.0; /* "money" values */
		if (isnan(d))
			continue;
		char out[32];
		int n = dn_format_f64(d, out);
		CHECK(n > 0 && n < 32);
		CHECK_INT(strlen(out), n);
		double back;
		if (dn_parse_f64(out, (size_t)n, &back) != 0 || memcmp(&back, &d, sizeof d) != 0) {
			dn_test_fail(dn_t_, __FILE__, __LINE__, "%.17g formatted as %s", d, out);
			return;
		}
		/* Parser vs strtod on the long form too. */
		char l[40];
		snprintf(l, sizeof l, "%.20e", d);
		if (!same_as_strtod(l)) {
			dn_test_fail(dn_t_, __FILE__, __LINE__, "\"%s\" differs from strtod", l);
			return;
		}
	}
}

DN_TEST(core_format_f64)
{
	char out[32];
	CHECK_INT(dn_format_f64(1.5, out), 3);
	CHECK_STR(out, "1.5");
	dn_format_f64(0.1, out);
	CHECK_STR(out, "0.1");
	dn_format_f64(3.0, out);
	CHECK_STR(out, "3.0"); /* always reads back as a float */
	dn_format_f64(1234.56, out);
	CHECK_STR(out, "1234.56");
	dn_format_f64(-0.000125, out);
	CHECK_STR(out, "-0.000125");
	dn_format_f64(100000.0, out);
	CHECK_STR(out, "100000.0");
	dn_format_f64(1e300, out);
	CHECK_STR(out, "1e+300");
	dn_format_f64(-2.5e-7, out);
	CHECK_STR(out, "-2.5e-07");
	dn_format_f64(0.1 + 0.2, out);
	CHECK_STR(out, "0.30000000000000004");
	dn_format_f64(1.0 / 3, out);
	CHECK_STR(out, "0.3333333333333333");
	dn_format_f64(NAN, out);
	CHECK_STR(out, "nan");
	dn_format_f64(INFINITY, out);
	CHECK_STR(out, "inf");
	dn_format_f64(-INFINITY, out);
	CHECK_STR(out, "-inf");
	dn_format_f64(0.0, out);
	CHECK_STR(out, "0.0");
	dn_format_f64(-0.0, out);
	CHECK_STR(out, "-0.0");
	dn_format_f64(1.7976931348623157e308, out);
	CHECK_STR(out, "1.7976931348623157e+308");
	dn_format_f64(4.9406564584124654e-324, out);
	CHECK_STR(out, "4.94065645841247e-324");
	dn_format_f64(9007199254740993.0, out);
	CHECK_STR(out, "9007199254740992.0");
}

/* ---- hashing ---- */

/* Mean output bits that flip when one input bit flips, over every bit of an n-byte input. */
static double avalanche(uint64_t (*hash)(const void *, size_t, uint64_t), size_t n)
{
	unsigned char in[100];
	for (size_t i = 0; i < sizeof in; i++)
		in[i] = (unsigned char)(i * 37 + 11);
	uint64_t base = hash(in, n, 42);
	double total = 0;
	for (size_t bit = 0; bit < n * 8; bit++) {
		in[bit / 8] ^= (unsigned char)(1u << (bit % 8));
		total += __builtin_popcountll(base ^ hash(in, n, 42));
		in[bit / 8] ^= (unsigned char)(1u << (bit % 8));
	}
	return total / (double)(n * 8);
}

#define CHECK_AVALANCHE(hash, lens)                                                                \
	for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++) {                             \
		double avg = avalanche(hash, lens[li]);                                            \
		if (avg < 26 || avg > 38) {                                                        \
			dn_test_fail(dn_t_, __FILE__, __LINE__,                                    \
				     "len %zu: %.1f bits flip on average", lens[li], avg);         \
			return;                                                                    \
		}                                                                                  \
	}

DN_TEST(core_hash64)
{
	const char *s = "the quick brown fox jumps over the lazy dog";
	uint64_t h = dn_hash64(s, strlen(s), 0);
	CHECK(h == dn_hash64(s, strlen(s), 0));
	CHECK(h != dn_hash64(s, strlen(s), 1));
	CHECK(dn_hash64("", 0, 0) != dn_hash64("", 0, 1));
	CHECK(dn_hash64(NULL, 0, 7) == dn_hash64("", 0, 7));
	CHECK(dn_hash64("a", 1, 0) != dn_hash64("b", 1, 0));
	CHECK(dn_hash64("ab", 2, 0) != dn_hash64("ba", 2, 0));
	/* Length matters even when the bytes are zeros. */
	char z[64] = {0};
	for (size_t n = 0; n < 63; n++)
		CHECK(dn_hash64(z, n, 0) != dn_hash64(z, n + 1, 0));
	/* Unaligned input gives the same hash as aligned input. */
	char buf[200];
	memcpy(buf + 3, s, strlen(s));
	CHECK(dn_hash64(buf + 3, strlen(s), 0) == h);

	/* Avalanche: flipping one input bit flips about half the output bits, for every length
	 * class (tail bytes, 4, 8 and the 32-byte lanes). */
	size_t lens[] = {1, 3, 4, 7, 8, 15, 16, 31, 32, 33, 64, 100};
	CHECK_AVALANCHE(dn_hash64, lens);
	/* Buckets: sequential integer keys spread evenly over 64 buckets. */
	int buckets[64] = {0};
	for (uint64_t k = 0; k < 64000; k++)
		buckets[dn_hash64(&k, sizeof k, 0) & 63]++;
	for (int i = 0; i < 64; i++)
		CHECK(buckets[i] > 800 && buckets[i] < 1200);
}

static uint64_t hash_text(const void *p, size_t n, uint64_t seed)
{
	return dn_hash_text(p, n, seed);
}

DN_TEST(core_hash_text)
{
	const char *s = "judy67112@example.com";
	uint64_t h = dn_hash_text(s, strlen(s), 0);
	CHECK(h == dn_hash_text(s, strlen(s), 0));
	CHECK(h != dn_hash_text(s, strlen(s), 1));
	CHECK(dn_hash_text("", 0, 0) != dn_hash_text("", 0, 1));
	CHECK(dn_hash_text("ab", 2, 0) != dn_hash_text("ba", 2, 0));
	/* Past 32 bytes it is dn_hash64. */
	char big[40];
	memset(big, 'x', sizeof big);
	CHECK(dn_hash_text(big, 40, 3) == dn_hash64(big, 40, 3));
	/* Length matters even when the bytes are zeros, across the overlapping loads. */
	char z[64] = {0};
	for (size_t n = 0; n < 40; n++)
		CHECK(dn_hash_text(z, n, 0) != dn_hash_text(z, n + 1, 0));
	/* Every byte counts: each text of 1..32 bytes with one byte changed (to each of 64
	 * values) hashes apart from all the others of its length. */
	for (size_t n = 1; n <= 32; n++) {
		uint64_t seen[32 * 64 + 1];
		size_t m = 0;
		unsigned char t[32];
		for (size_t i = 0; i < n; i++)
			t[i] = (unsigned char)('a' + i);
		seen[m++] = dn_hash_text(t, n, 5);
		for (size_t i = 0; i < n; i++)
			for (int v = 1; v <= 64; v++) {
				unsigned char was = t[i];
				t[i] = (unsigned char)(was + v);
				seen[m++] = dn_hash_text(t, n, 5);
				t[i] = was;
			}
		for (size_t a = 0; a < m; a++)
			for (size_t b = a + 1; b < m; b++)
				if (seen[a] == seen[b]) {
					dn_test_fail(dn_t_, __FILE__, __LINE__,
						     "len %zu: variants %zu and %zu collide", n, a,
						     b);
					return;
				}
	}
	size_t lens[] = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 24, 31, 32};
	CHECK_AVALANCHE(hash_text, lens);
	/* Buckets by the top and the bottom bits (HyperLogLog takes the top ones) for keys that
	 * differ only in a few digits, as ids in text do. */
	int top[64] = {0}, low[64] = {0};
	char key[32];
	for (int k = 0; k < 64000; k++) {
		int n = snprintf(key, sizeof key, "user%d@example.com", k);
		uint64_t x = dn_hash_text(key, (size_t)n, 0);
		top[x >> 58]++;
		low[x & 63]++;
	}
	for (int i = 0; i < 64; i++)
		CHECK(top[i] > 800 && top[i] < 1200 && low[i] > 800 && low[i] < 1200);
}

/* ---- logging ---- */

static char *log_capture(enum dn_log_format fmt, enum dn_log_level lvl, const char *msg)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	if (!f)
		return NULL;
	enum dn_log_level old = dn_log_get_level();
	dn_log_set_stream(f);
	dn_log_set_format(fmt);
	dn_log_set_level(DN_LOG_INFO);
	dn_log(lvl, "%s", msg);
	dn_log_set_stream(NULL);
	dn_log_set_format(DN_LOG_TEXT);
	dn_log_set_level(old);
	fclose(f);
	return text;
}

DN_TEST(core_log_text)
{
	char *t = log_capture(DN_LOG_TEXT, DN_LOG_INFO, "hello world");
	CHECK(t != NULL);
	/* 2024-01-31T12:00:00.123Z info  hello world */
	CHECK_INT(strlen(t), 24 + 1 + 6 + 11 + 1);
	CHECK(t[4] == '-' && t[10] == 'T' && t[19] == '.' && t[23] == 'Z');
	int64_t ts;
	CHECK_INT(dn_time_parse(t, 24, &ts), DN_TIME_TIMESTAMP);
	CHECK(llabs(ts - dn_now_us()) < 60 * DN_USEC_PER_SEC);
	CHECK_STR(t + 24, " info  hello world\n");
	free(t);
	t = log_capture(DN_LOG_TEXT, DN_LOG_ERROR, "bad");
	CHECK_STR(t + 24, " error bad\n");
	free(t);
	t = log_capture(DN_LOG_TEXT, DN_LOG_DEBUG, "hidden"); /* below the level */
	CHECK_STR(t, "");
	free(t);
	/* A message longer than the stack buffers arrives whole. */
	char *big = malloc(10001);
	memset(big, 'm', 10000);
	big[10000] = 0;
	t = log_capture(DN_LOG_TEXT, DN_LOG_WARN, big);
	CHECK_INT(strlen(t), 24 + 7 + 10000 + 1);
	CHECK(strncmp(t + 24, " warn  mmm", 10) == 0);
	free(t);
	free(big);
}

DN_TEST(core_log_json)
{
	char *t = log_capture(DN_LOG_JSON, DN_LOG_WARN, "say \"hi\"\\\n\t\x01\x1f ok \xc3\xa9");
	CHECK(t != NULL);
	CHECK(strncmp(t, "{\"ts\":\"", 7) == 0);
	CHECK(t[7 + 23] == 'Z');
	CHECK_STR(t + 7 + 24, "\",\"level\":\"warn\",\"msg\":"
			      "\"say \\\"hi\\\"\\\\\\n\\t\\u0001\\u001f ok \xc3\xa9\"}\n");
	free(t);
}

DN_TEST(core_log_level_parse)
{
	enum dn_log_level l;
	CHECK_INT(dn_log_level_parse("debug", &l), 0);
	CHECK_INT(l, DN_LOG_DEBUG);
	CHECK_INT(dn_log_level_parse("INFO", &l), 0);
	CHECK_INT(l, DN_LOG_INFO);
	CHECK_INT(dn_log_level_parse("warn", &l), 0);
	CHECK_INT(l, DN_LOG_WARN);
	CHECK_INT(dn_log_level_parse("warning", &l), 0);
	CHECK_INT(l, DN_LOG_WARN);
	CHECK_INT(dn_log_level_parse("error", &l), 0);
	CHECK_INT(l, DN_LOG_ERROR);
	CHECK_INT(dn_log_level_parse("off", &l), 0);
	CHECK_INT(l, DN_LOG_OFF);
	CHECK_INT(dn_log_level_parse("verbose", &l), DN_EINVAL);
	CHECK_INT(dn_log_level_parse("", &l), DN_EINVAL);
	enum dn_log_level old = dn_log_get_level();
	dn_log_set_level(DN_LOG_ERROR);
	CHECK_INT(dn_log_get_level(), DN_LOG_ERROR);
	dn_log_set_level(old);
	dn_log_set_format(DN_LOG_JSON);
	CHECK_INT(dn_log_get_format(), DN_LOG_JSON);
	dn_log_set_format(DN_LOG_TEXT);
}

struct log_job {
	int id;
};

static void log_many(void *user)
{
	struct log_job *j = user;
	for (int i = 0; i < 200; i++)
		dn_log(DN_LOG_INFO, "thread %d line %d %s", j->id, i,
		       "padding padding padding padding padding padding padding padding");
}

/* Lines logged from many threads at once never interleave. */
DN_TEST(core_log_threads)
{
	const char *path = dn_test_tmp_path("log_threads.txt");
	FILE *f = fopen(path, "w");
	CHECK(f != NULL);
	struct dn_pool *p;
	struct dn_error err;
	struct log_job jobs[8];
	enum dn_log_level old = dn_log_get_level();
	dn_log_set_level(DN_LOG_INFO);
	dn_log_set_stream(f);
	CHECK_OK(dn_pool_new(&p, 4, &err), &err);
	for (int i = 0; i < 8; i++) {
		jobs[i].id = i;
		CHECK_OK(dn_pool_submit(p, log_many, &jobs[i], &err), &err);
	}
	dn_pool_free(p);
	dn_log_set_stream(NULL);
	dn_log_set_level(old);
	fclose(f);
	struct dn_buf b = DN_BUF_INIT;
	CHECK_OK(dn_read_file(path, &b, 0, &err), &err);
	int lines = 0;
	for (char *s = b.data; *s; lines++) {
		char *nl = strchr(s, '\n');
		CHECK(nl != NULL);
		CHECK(strncmp(s + 24, " info  thread ", 14) == 0);
		CHECK(strncmp(nl - 8, " padding", 8) == 0);
		s = nl + 1;
	}
	CHECK_INT(lines, 8 * 200);
	dn_buf_release(&b);
}

/* ---- thread pool ---- */

struct counter {
	atomic_int n;
	atomic_int order_ok;
	int last;
};

static void count_job(void *user)
{
	struct counter *c = user;
	atomic_fetch_add(&c->n, 1);
}

static void slow_job(void *user)
{
	struct counter *c = user;
	usleep(2000);
	atomic_fetch_add(&c->n, 1);
}

static int fifo_log[100];
static atomic_int fifo_pos;

static void fifo_job(void *user)
{
	fifo_log[atomic_fetch_add(&fifo_pos, 1)] = (int)(intptr_t)user;
}

DN_TEST(core_pool)
{
	struct dn_pool *p;
	struct dn_error err;
	struct counter c;
	CHECK(dn_cpu_count() >= 1);
	atomic_init(&c.n, 0);
	CHECK_OK(dn_pool_new(&p, 3, &err), &err);
	for (int i = 0; i < 1000; i++)
		CHECK_OK(dn_pool_submit(p, count_job, &c, &err), &err);
	dn_pool_wait(p);
	CHECK_INT(atomic_load(&c.n), 1000);
	/* wait also covers jobs that are running, not only queued ones */
	for (int i = 0; i < 10; i++)
		CHECK_OK(dn_pool_submit(p, slow_job, &c, &err), &err);
	dn_pool_wait(p);
	CHECK_INT(atomic_load(&c.n), 1010);
	/* a failed submit does not run the job */
	dn_alloc_fail_after(1);
	int rc = dn_pool_submit(p, count_job, &c, &err);
	dn_alloc_fail_after(0);
	CHECK_INT(rc, DN_ENOMEM);
	dn_pool_wait(p);
	CHECK_INT(atomic_load(&c.n), 1010);
	/* free waits for queued jobs */
	for (int i = 0; i < 20; i++)
		CHECK_OK(dn_pool_submit(p, slow_job, &c, &err), &err);
	dn_pool_free(p);
	CHECK_INT(atomic_load(&c.n), 1030);
	dn_pool_free(NULL);

	/* One thread runs jobs in submission order. */
	atomic_init(&fifo_pos, 0);
	CHECK_OK(dn_pool_new(&p, 1, &err), &err);
	for (int i = 0; i < 100; i++)
		CHECK_OK(dn_pool_submit(p, fifo_job, (void *)(intptr_t)i, &err), &err);
	dn_pool_wait(p);
	for (int i = 0; i < 100; i++)
		CHECK_INT(fifo_log[i], i);
	dn_pool_free(p);

	/* 0 threads means one per CPU; absurd counts are refused. */
	CHECK_OK(dn_pool_new(&p, 0, &err), &err);
	dn_pool_free(p);
	CHECK_INT(dn_pool_new(&p, 100000, &err), DN_EINVAL);
	CHECK(p == NULL);
	dn_alloc_fail_after(1);
	rc = dn_pool_new(&p, 2, &err);
	dn_alloc_fail_after(0);
	CHECK_INT(rc, DN_ENOMEM);
	CHECK(p == NULL);
}

/* ---- atomic files ---- */

static int file_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* Entries in the test's temporary directory whose name starts with prefix. */
static int tmp_files_exist(const char *prefix)
{
	char cmd[1200];
	snprintf(cmd, sizeof cmd, "ls -a '%s' | grep -c '^%s' > /dev/null", dn_test_tmpdir(),
		 prefix);
	return system(cmd) == 0;
}

DN_TEST(core_afile_commit)
{
	struct dn_afile f;
	struct dn_error err;
	struct dn_buf b = DN_BUF_INIT;
	const char *path = dn_test_tmp_path("afile.txt");
	char *own = strdup(path);
	unlink(own);
	CHECK_OK(dn_afile_open(&f, own, &err), &err);
	CHECK(f.tmp_path != NULL && !f.is_stdout);
	CHECK(strstr(f.tmp_path, "/.afile.txt.tmp-") != NULL);
	fputs("new contents\n", f.fp);
	/* Before commit the target does not exist; the temporary file does. */
	CHECK(!file_exists(own));
	CHECK(file_exists(f.tmp_path));
	char *tmp = strdup(f.tmp_path);
	CHECK_OK(dn_afile_commit(&f, &err), &err);
	CHECK(f.fp == NULL && f.path == NULL && f.tmp_path == NULL);
	CHECK(!file_exists(tmp));
	CHECK_OK(dn_read_file(own, &b, 0, &err), &err);
	CHECK_STR(b.data, "new contents\n");
	struct stat st;
	CHECK(stat(own, &st) == 0);
	CHECK_INT(st.st_mode & 0777, 0644);

	/* Replacing keeps the old contents visible until commit, and keeps the mode. */
	CHECK(chmod(own, 0600) == 0);
	CHECK_OK(dn_afile_open(&f, own, &err), &err);
	fputs("second", f.fp);
	dn_buf_reset(&b);
	CHECK_OK(dn_read_file(own, &b, 0, &err), &err);
	CHECK_STR(b.data, "new contents\n");
	CHECK_OK(dn_afile_commit(&f, &err), &err);
	dn_buf_reset(&b);
	CHECK_OK(dn_read_file(own, &b, 0, &err), &err);
	CHECK_STR(b.data, "second");
	CHECK(stat(own, &st) == 0);
	CHECK_INT(st.st_mode & 0777, 0600);
	dn_buf_release(&b);
	free(tmp);
	free(own);
}

DN_TEST(core_afile_abort)
{
	struct dn_afile f;
	struct dn_error err;
	struct dn_buf b = DN_BUF_INIT;
	char *own = strdup(dn_test_write_tmp("abort.txt", "old", 3));
	CHECK_OK(dn_afile_open(&f, own, &err), &err);
	char *tmp = strdup(f.tmp_path);
	fputs("never seen", f.fp);
	dn_afile_abort(&f);
	CHECK(!file_exists(tmp));
	CHECK(!tmp_files_exist(".abort.txt.tmp-"));
	CHECK_OK(dn_read_file(own, &b, 0, &err), &err);
	CHECK_STR(b.data, "old");
	dn_afile_abort(&f); /* again: nothing to do */
	struct dn_afile zero;
	memset(&zero, 0, sizeof zero);
	dn_afile_abort(&zero);
	dn_buf_release(&b);
	free(tmp);
	free(own);
}

DN_TEST(core_afile_errors)
{
	struct dn_afile f;
	struct dn_error err;
	/* Missing directory: EIO naming the path and the reason. */
	int rc = dn_afile_open(&f, "/nonexistent-dir-dunya/x.csv", &err);
	CHECK_INT(rc, DN_EIO);
	CHECK(strstr(err.msg, "/nonexistent-dir-dunya/x.csv") != NULL);
	CHECK(strstr(err.msg, "No such file or directory") != NULL);
	CHECK(f.fp == NULL && f.path == NULL);
	CHECK_INT(dn_afile_open(&f, "", &err), DN_EINVAL);
	CHECK_INT(dn_afile_open(&f, dn_test_tmp_path("dir/"), &err), DN_EINVAL);
	/* OOM: clean error, nothing left behind. */
	for (uint64_t n = 1; n <= 2; n++) {
		dn_alloc_fail_after(n);
		rc = dn_afile_open(&f, dn_test_tmp_path("oom.txt"), &err);
		dn_alloc_fail_after(0);
		CHECK_INT(rc, DN_ENOMEM);
		CHECK(!tmp_files_exist(".oom.txt"));
	}
	/* A directory cannot be the output: refused at open, nothing created. */
	const char *dir = dn_test_tmp_path("adir");
	CHECK(mkdir(dir, 0700) == 0);
	char *own = strdup(dir);
	CHECK_INT(dn_afile_open(&f, own, &err), DN_EINVAL);
	CHECK(strstr(err.msg, own) != NULL);
	CHECK(!tmp_files_exist(".adir.tmp-"));
	free(own);
	/* Relative path in the current directory. */
	char cwd[1024];
	CHECK(getcwd(cwd, sizeof cwd) != NULL);
	CHECK(chdir(dn_test_tmpdir()) == 0);
	rc = dn_afile_open(&f, "rel.txt", &err);
	if (rc == 0) {
		fputs("r", f.fp);
		rc = dn_afile_commit(&f, &err);
	}
	int exists = file_exists("rel.txt");
	CHECK(chdir(cwd) == 0);
	CHECK_OK(rc, &err);
	CHECK(exists);
}

DN_TEST(core_afile_stdout)
{
	struct dn_afile f;
	struct dn_error err;
	CHECK_OK(dn_afile_open(&f, "-", &err), &err);
	CHECK(f.fp == stdout && f.is_stdout && f.tmp_path == NULL);
	CHECK_OK(dn_afile_commit(&f, &err), &err);
	CHECK(f.fp == NULL);
	CHECK_INT(dn_afile_commit(&f, &err), DN_EINVAL); /* not open any more */
}

/* ---- reading files ---- */

/* A device or FIFO is written in place: renaming over /dev/null would replace the device with
 * a regular file (and every later reader of /dev/null would see data). */
DN_TEST(core_afile_device)
{
	struct dn_afile f;
	struct dn_error err;
	struct stat st;
	CHECK_OK(dn_afile_open(&f, "/dev/null", &err), &err);
	CHECK_INT(f.is_direct, 1);
	CHECK(fputs("discarded\n", f.fp) >= 0);
	CHECK_OK(dn_afile_commit(&f, &err), &err);
	CHECK(stat("/dev/null", &st) == 0);
	CHECK(S_ISCHR(st.st_mode));
	CHECK_OK(dn_afile_open(&f, "/dev/null", &err), &err);
	dn_afile_abort(&f);
	CHECK(stat("/dev/null", &st) == 0);
	CHECK(S_ISCHR(st.st_mode));
	CHECK_INT(dn_afile_open(&f, dn_test_tmpdir(), &err), DN_EINVAL);
}

DN_TEST(core_read_file)
{
	struct dn_buf b = DN_BUF_INIT;
	struct dn_error err;
	const char *p = dn_test_write_tmp("read.txt", "hello\0world", 11);
	CHECK_OK(dn_read_file(p, &b, 0, &err), &err);
	CHECK_INT(b.len, 11);
	CHECK(memcmp(b.data, "hello\0world", 12) == 0);
	dn_buf_release(&b);
	/* Exactly at the limit is fine, one byte over is not. */
	CHECK_OK(dn_read_file(p, &b, 11, &err), &err);
	dn_buf_release(&b);
	CHECK_INT(dn_read_file(p, &b, 10, &err), DN_ELIMIT);
	CHECK(strstr(err.msg, "limit of 10 bytes") != NULL);
	CHECK(strstr(err.msg, p) != NULL);
	CHECK_INT(b.len, 0);
	dn_buf_release(&b);
	/* Empty file: data is an empty string, not NULL. */
	p = dn_test_write_tmp("empty.txt", "", 0);
	CHECK_OK(dn_read_file(p, &b, 0, &err), &err);
	CHECK(b.data != NULL);
	CHECK_INT(b.len, 0);
	CHECK_STR(b.data, "");
	dn_buf_release(&b);
	/* Missing file. */
	p = dn_test_tmp_path("missing.txt");
	CHECK_INT(dn_read_file(p, &b, 0, &err), DN_ENOTFOUND);
	CHECK(strstr(err.msg, p) != NULL);
	/* A directory is an I/O error. */
	CHECK_INT(dn_read_file(dn_test_tmpdir(), &b, 0, &err), DN_EIO);
	dn_buf_release(&b);
	/* A large file (several read chunks) arrives whole; appending keeps what was there. */
	size_t n = 300000;
	char *big = malloc(n);
	for (size_t i = 0; i < n; i++)
		big[i] = (char)('a' + i % 26);
	p = dn_test_write_tmp("big.txt", big, n);
	CHECK_OK(dn_buf_puts(&b, "PRE", &err), &err);
	CHECK_OK(dn_read_file(p, &b, 0, &err), &err);
	CHECK_INT(b.len, n + 3);
	CHECK(memcmp(b.data + 3, big, n) == 0);
	dn_buf_release(&b);
	free(big);
}

/* Standard input, including a pipe (no size known in advance) over the limit. */
DN_TEST(core_read_file_stdin)
{
	struct dn_buf b = DN_BUF_INIT;
	struct dn_error err;
	int saved = dup(0);
	CHECK(saved >= 0);
	int fds[2];
	CHECK(pipe(fds) == 0);
	CHECK(write(fds[1], "piped data", 10) == 10);
	close(fds[1]);
	CHECK(dup2(fds[0], 0) == 0);
	close(fds[0]);
	int rc = dn_read_file("-", &b, 5, &err);
	CHECK(dup2(saved, 0) == 0);
	close(saved);
	dn_buf_release(&b);
	CHECK_INT(rc, DN_ELIMIT);
	CHECK(strstr(err.msg, "standard input") != NULL);
	__fpurge(stdin); /* drop what stdio buffered beyond the limit */

	saved = dup(0);
	CHECK(pipe(fds) == 0);
	CHECK(write(fds[1], "piped data", 10) == 10);
	close(fds[1]);
	CHECK(dup2(fds[0], 0) == 0);
	close(fds[0]);
	rc = dn_read_file("-", &b, 0, &err);
	CHECK(dup2(saved, 0) == 0);
	close(saved);
	CHECK_OK(rc, &err);
	int same = strcmp(b.data, "piped data") == 0;
	dn_buf_release(&b);
	CHECK(same);
}

/* Patterns from users' files: everyday ones pass, ones that would blow up regcomp's tree or
 * regexec's time are refused with a reason, and whatever passes compiles. */
DN_TEST(core_regex_check)
{
	const char *ok[] = {"^[A-Z]{3}-[0-9]+$",
			    "^[^@]+@[^@]+\\.[a-z]{2,}$",
			    "(ab|cd)*x?",
			    "[[:alpha:]]+[]a-]*",
			    "a{2,5}b{3}",
			    "\\.csv$",
			    "^https?://[a-z.]+/edgar/.*\\.html$",
			    "x{255}",
			    ""};
	const char *bad[] = {"a++",
			     "[0-9]++++++",
			     "a*?",
			     "(a{200}){200}",
			     "a{300}",
			     "(x)\\1",
			     "(((((((((((((((((((((((((((((((((a)))))))))))))))))))))))))))))))))",
			     "((a{100}){100}){100}"};
	char why[160];
	for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
		regex_t re;
		if (dn_regex_check(ok[i], why, sizeof why) != 0) {
			dn_test_fail(dn_t_, __FILE__, __LINE__, "'%s' refused: %s", ok[i], why);
			return;
		}
		CHECK(regcomp(&re, ok[i], REG_EXTENDED | REG_NOSUB) == 0);
		regfree(&re);
	}
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		why[0] = 0;
		if (dn_regex_check(bad[i], why, sizeof why) != -1 || !why[0]) {
			dn_test_fail(dn_t_, __FILE__, __LINE__, "'%s' passed", bad[i]);
			return;
		}
	}
	CHECK(dn_regex_check("a++", why, sizeof why) == -1);
	CHECK_STR(why, "a quantifier follows another one at character 3");
}
