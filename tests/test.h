/* The test harness: DN_TEST(name) defines a test; the build collects every definition into one
 * list, so `build/dunya-tests NAME` runs one test alone (and under gdb).
 *
 * A failed CHECK reports file:line and the values, and ends the test. Fixtures live under
 * tests/cases/; dn_test_case_path() finds them from any working directory. */
#ifndef DN_TEST_H
#define DN_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "../src/core/core.h"

struct dn_test_ctx {
	const char *name;
	int failed;
};

#define DN_TEST(name) void dn_test_##name(struct dn_test_ctx *dn_t_)

void dn_test_fail(struct dn_test_ctx *t, const char *file, int line, const char *fmt, ...)
	DN_PRINTF(4, 5);

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			dn_test_fail(dn_t_, __FILE__, __LINE__, "CHECK(%s)", #c);                  \
			return;                                                                    \
		}                                                                                  \
	} while (0)

#define CHECK_INT(a, b)                                                                            \
	do {                                                                                       \
		int64_t a_ = (int64_t)(a), b_ = (int64_t)(b);                                      \
		if (a_ != b_) {                                                                    \
			dn_test_fail(dn_t_, __FILE__, __LINE__,                                    \
				     "%s == %" PRId64 ", expected %s == %" PRId64, #a, a_, #b,     \
				     b_);                                                          \
			return;                                                                    \
		}                                                                                  \
	} while (0)

#define CHECK_STR(a, b)                                                                            \
	do {                                                                                       \
		const char *a_ = (a), *b_ = (b);                                                   \
		if (!a_ || !b_ || strcmp(a_, b_) != 0) {                                           \
			dn_test_fail(dn_t_, __FILE__, __LINE__, "%s == \"%s\", expected \"%s\"",   \
				     #a, a_ ? a_ : "(null)", b_ ? b_ : "(null)");                  \
			return;                                                                    \
		}                                                                                  \
	} while (0)

/* Memory/length compare: (ptr, len) against a C string. */
#define CHECK_MEM(p, n, s)                                                                         \
	do {                                                                                       \
		const char *p_ = (p), *s_ = (s);                                                   \
		size_t n_ = (n);                                                                   \
		if (n_ != strlen(s_) || memcmp(p_, s_, n_) != 0) {                                 \
			dn_test_fail(dn_t_, __FILE__, __LINE__, "%s == \"%.*s\", expected \"%s\"", \
				     #p, (int)n_, p_, s_);                                         \
			return;                                                                    \
		}                                                                                  \
	} while (0)

/* expr must succeed (>= 0); on failure print the dn_error *e. */
#define CHECK_OK(expr, e)                                                                          \
	do {                                                                                       \
		int rc_ = (expr);                                                                  \
		if (rc_ < 0) {                                                                     \
			char b_[1200];                                                             \
			dn_test_fail(dn_t_, __FILE__, __LINE__, "%s failed (%s): %s", #expr,       \
				     dn_err_name(rc_), dn_error_format((e), b_, sizeof b_));       \
			return;                                                                    \
		}                                                                                  \
	} while (0)

/* Path of a fixture under tests/cases/ (static buffer, valid until the next call). */
const char *dn_test_case_path(const char *rel);
/* A fresh temporary directory for this test run (removed at exit unless DUNYA_KEEP_TMP). */
const char *dn_test_tmpdir(void);
/* Path inside the temporary directory (static rotating buffers, 8 deep). */
const char *dn_test_tmp_path(const char *name);
/* Write a file under the temporary directory; returns its path (as dn_test_tmp_path). */
const char *dn_test_write_tmp(const char *name, const char *data, size_t len);
/* Iterations for randomized tests: DUNYA_TEST_ITERATIONS or the given default. */
long dn_test_iterations(long dflt);

#endif
