/* core: the bottom layer every other dunya module stands on.
 *
 * Errors (one convention for the whole program), the allocator entry point, arenas, growable
 * buffers, borrowed strings and UTF-8 checks, hashing, logging, time (UTC microseconds and
 * ISO-8601), a small thread pool and atomic file writes.
 *
 * Uses: libc and pthreads only.
 * Thread safety: everything here may be used from any thread on distinct objects. The logger is
 * the one global; its settings are written once at start-up and dn_log() is safe to call from
 * many threads (one line is one write(2)). The allocation-failure hook is for tests only and is
 * not thread-safe to change while other threads allocate.
 * Ownership: whoever creates frees. _init fills a caller's struct, _release frees its contents,
 * _new/_free for heap objects, _reset empties for reuse, _take hands a buffer to the caller.
 * _free(NULL) and _release of a zeroed struct do nothing. */
#ifndef DN_CORE_H
#define DN_CORE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define DN_VERSION "0.1.0"

#if defined(__GNUC__)
#define DN_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define DN_LIKELY(x) __builtin_expect(!!(x), 1)
#define DN_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define DN_INLINE inline __attribute__((always_inline)) /* hot loops the compiler would split */
#else
#define DN_PRINTF(a, b)
#define DN_LIKELY(x) (x)
#define DN_UNLIKELY(x) (x)
#define DN_INLINE inline
#endif

/* ---------------------------------------------------------------------------------------------
 * Errors
 *
 * Functions return 0 (or a non-negative count) on success and a negative DN_E* code on failure,
 * and describe the failure in the caller's `struct dn_error *err` (last argument, NULL allowed).
 * The function that sees the bad input writes the message: what is wrong, where, what to do.
 * The table below is the only list of codes; names and default messages come from it. */
#define DN_ERRNO_MAP(X)                                                                            \
	X(NOMEM, -1, "out of memory")                                                              \
	X(IO, -2, "input/output error")                                                            \
	X(INVAL, -3, "invalid argument")                                                           \
	X(PARSE, -4, "malformed input")                                                            \
	X(LIMIT, -5, "a size limit was exceeded")                                                  \
	X(NOTFOUND, -6, "not found")                                                               \
	X(NOTSUP, -7, "not supported")                                                             \
	X(TYPE, -8, "value does not fit the column type")                                          \
	X(USAGE, -9, "usage error")                                                                \
	X(INTERNAL, -10, "internal error")                                                         \
	X(EXISTS, -11, "already exists")

enum dn_errno {
	DN_OK = 0,
#define DN_X_(name, code, msg) DN_E##name = code,
	DN_ERRNO_MAP(DN_X_)
#undef DN_X_
};

#define DN_ERROR_MSG_MAX 768

struct dn_error {
	int code;                   /* DN_E* or 0 */
	char msg[DN_ERROR_MSG_MAX]; /* what went wrong and what to do; never holds secrets */
	char file[256];             /* user's input file or "" */
	int64_t line;               /* 1-based line in that file, 0 when unknown */
	int64_t column;             /* 1-based column (bytes), 0 when unknown */
};

/* Name ("EPARSE") and default message of a code; "unknown error" for codes not in the map. */
const char *dn_err_name(int code);
const char *dn_strerror(int code);

/* Clear an error (err may be NULL). */
void dn_error_clear(struct dn_error *err);

/* Fill err (may be NULL) with code and a printf-style message; returns code so a caller can
 * write `return dn_error_set(err, DN_EINVAL, "...")`. */
int dn_error_set(struct dn_error *err, int code, const char *fmt, ...) DN_PRINTF(3, 4);

/* Same, with where in the user's input: file (may be NULL), line and column (0 = unknown). */
int dn_error_set_at(struct dn_error *err, int code, const char *file, int64_t line, int64_t column,
		    const char *fmt, ...) DN_PRINTF(6, 7);

/* Prefix the message with more context ("reading x.csv: " + old message). */
void dn_error_prefix(struct dn_error *err, const char *fmt, ...) DN_PRINTF(2, 3);

/* Format as one line "file:line:column: message" (parts that are unknown are left out).
 * Writes at most n bytes including the NUL; returns out. */
char *dn_error_format(const struct dn_error *err, char *out, size_t n);

/* Pass a failure up unchanged. */
#define DN_TRY(expr)                                                                               \
	do {                                                                                       \
		int dn_try_rc_ = (expr);                                                           \
		if (DN_UNLIKELY(dn_try_rc_ < 0))                                                   \
			return dn_try_rc_;                                                         \
	} while (0)

/* ---------------------------------------------------------------------------------------------
 * Allocation. Every allocation in dunya goes through these, so tests can make the Nth one fail
 * and check for a clean error and no leak. They return NULL on failure (never abort). */
void *dn_malloc(size_t n);
void *dn_calloc(size_t count, size_t size); /* checks count*size for overflow */
void *dn_realloc(void *p, size_t n);
void dn_free(void *p);
char *dn_strdup(const char *s);
char *dn_strndup(const char *s, size_t n);

/* For a process that reads a file and exits: keep freed memory for the next allocation instead
 * of handing it back to the system (glibc). Streaming frees and allocates blocks of megabytes
 * (chunks, batches, sort buffers) over and over; handed back, each one costs a page fault per
 * 4 KiB again when it is reused. Long-running processes (the scheduler) do not call it. Call it
 * before other threads start; it changes no allocation already made. */
void dn_alloc_keep_freed(void);

/* Tests only: make allocation number n (counting from the call, 1-based) and all later ones
 * fail; n = 0 turns failure injection off. Returns how many allocations happened since the
 * last call. */
uint64_t dn_alloc_fail_after(uint64_t n);

/* ---------------------------------------------------------------------------------------------
 * Arena: many small allocations freed together (per batch, per request). Not thread-safe.
 * Memory is 16-byte aligned and valid until dn_arena_reset or dn_arena_release. */
struct dn_arena_block;
struct dn_arena {
	struct dn_arena_block *head;
	size_t block_size; /* size of new blocks; 0 = 64 KiB */
	size_t used;       /* bytes handed out, for accounting */
};

void dn_arena_init(struct dn_arena *a, size_t block_size);
void *dn_arena_alloc(struct dn_arena *a, size_t n);                  /* NULL on OOM */
char *dn_arena_strndup(struct dn_arena *a, const char *s, size_t n); /* NUL-terminated copy */
void dn_arena_reset(struct dn_arena *a); /* frees all but the first block, keeps it for reuse */
void dn_arena_release(struct dn_arena *a);

/* ---------------------------------------------------------------------------------------------
 * Growable byte buffer. Always NUL-terminated after data[len] once anything was added, so data
 * can be used as a C string when it holds text. `max` is the ceiling (0 = no ceiling besides
 * memory); growing past it fails with DN_ELIMIT and a message naming the limit. */
struct dn_buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max;
};

#define DN_BUF_INIT                                                                                \
	{                                                                                          \
		NULL, 0, 0, 0                                                                      \
	}

void dn_buf_init(struct dn_buf *b, size_t max);
int dn_buf_reserve(struct dn_buf *b, size_t extra, struct dn_error *err); /* room for extra+1 */
int dn_buf_append(struct dn_buf *b, const void *p, size_t n, struct dn_error *err);
int dn_buf_puts(struct dn_buf *b, const char *s, struct dn_error *err);
int dn_buf_putc(struct dn_buf *b, char c, struct dn_error *err);
int dn_buf_printf(struct dn_buf *b, struct dn_error *err, const char *fmt, ...) DN_PRINTF(3, 4);
int dn_buf_vprintf(struct dn_buf *b, struct dn_error *err, const char *fmt, va_list ap);
void dn_buf_reset(struct dn_buf *b);              /* len = 0, keeps the memory */
void dn_buf_release(struct dn_buf *b);            /* frees, back to the zero state (max kept) */
char *dn_buf_take(struct dn_buf *b, size_t *len); /* caller frees with dn_free; b is emptied */

/* ---------------------------------------------------------------------------------------------
 * Borrowed strings and text helpers. A dn_str never owns its bytes; whoever hands one out says
 * until when it is valid. */
struct dn_str {
	const char *ptr;
	size_t len;
};

static inline struct dn_str dn_str_make(const char *p, size_t n)
{
	struct dn_str s = {p, n};
	return s;
}
struct dn_str dn_str_cstr(const char *s);
int dn_str_eq(struct dn_str a, struct dn_str b);
int dn_str_eq_cstr(struct dn_str a, const char *s);
int dn_str_ieq_cstr(struct dn_str a, const char *s); /* ASCII case-insensitive */
struct dn_str dn_str_trim(struct dn_str s);          /* strips ASCII space and tab */
int dn_str_has_suffix(const char *s, const char *suffix);
int dn_ascii_casecmp(const char *a, const char *b);

/* Whether no byte of p[0, n) has its top bit set (ASCII text is valid UTF-8 without a closer
 * look). A word at a time: cheap enough to call per value in a reader's hot loop. */
static DN_INLINE int dn_is_ascii(const void *data, size_t n)
{
	const unsigned char *p = data;
	uint64_t acc = 0, w;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		memcpy(&w, p + i, 8);
		acc |= w;
	}
	for (; i < n; i++)
		acc |= p[i];
	return !(acc & UINT64_C(0x8080808080808080));
}

/* Validate UTF-8 (RFC 3629: no overlongs, no surrogates, max U+10FFFF). Returns 1 when valid;
 * otherwise 0 and *bad_at (may be NULL) gets the offset of the first invalid byte. */
int dn_utf8_valid(const char *p, size_t n, size_t *bad_at);
/* The longest prefix of s (n bytes) of at most max bytes that does not end inside a UTF-8
 * character: where to cut a text for display. */
size_t dn_utf8_cut(const char *s, size_t n, size_t max);

/* Encode code point cp as UTF-8 into out (4 bytes room); returns bytes written, 0 if invalid. */
int dn_utf8_encode(uint32_t cp, char *out);

/* Parse a whole string as a decimal int64 (optional sign, digits only). Returns 0, or
 * DN_EPARSE (not a number) / DN_ELIMIT (out of int64 range). No error text: callers know the
 * context. */
int dn_parse_i64(const char *p, size_t n, int64_t *out);

/* Parse a whole string as a double: decimal with optional fraction and exponent, or inf, nan,
 * infinity (any case, optional sign). Correctly rounded. Returns 0 or DN_EPARSE. */
int dn_parse_f64(const char *p, size_t n, double *out);

/* Short text that parses back to exactly v and always reads as a float: "1.5", "3.0", "-0.0",
 * "1e+300", "nan", "inf", "-inf". out needs 32 bytes; returns the length. */
int dn_format_f64(double v, char *out);

/* Refuse a POSIX extended regular expression that would make regcomp build a huge tree or
 * regexec take exponential time: stacked quantifiers (a++), counts over 255, repetitions
 * multiplying past 20,000 parts, back-references. Call before regcomp on any pattern from
 * outside. Returns 0, or -1 with the reason in why. */
int dn_regex_check(const char *pat, char *why, size_t n);

/* ---------------------------------------------------------------------------------------------
 * Hashing. A fast 64-bit non-cryptographic hash (good avalanche, stable across runs and
 * platforms for the same seed), for hash tables, dedup and sketches. */
uint64_t dn_hash64(const void *p, size_t n, uint64_t seed);
static inline uint64_t dn_hash_u64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

/* A faster hash of short texts for tables that live within one process (profile counters,
 * check sets): up to 32 bytes it is a few overlapping loads and three 64x64->128-bit multiplies
 * instead of dn_hash64's chain of rounds; longer texts go to dn_hash64. Its values may change
 * between versions and differ between platforms: never store them (use dn_hash64). */
static inline uint64_t dn_hash_fold(uint64_t a, uint64_t b)
{
	unsigned __int128 r = (unsigned __int128)a * b;
	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static inline uint64_t dn_hash_text(const void *data, size_t n, uint64_t seed)
{
	const unsigned char *p = data;
	uint64_t a = 0, b = 0;
	/* Given n, the words below determine the text: the first and last 8 (or 4) bytes
	 * overlap when the text is shorter than 16 (or 8). */
	if (n > 32)
		return dn_hash64(data, n, seed);
	if (n > 16) {
		uint64_t x, y;
		memcpy(&x, p, 8);
		memcpy(&y, p + 8, 8);
		seed = dn_hash_fold(x ^ UINT64_C(0xa0761d6478bd642f), y ^ seed);
		p += n - 16;
		memcpy(&a, p, 8);
		memcpy(&b, p + 8, 8);
	} else if (n >= 8) {
		memcpy(&a, p, 8);
		memcpy(&b, p + n - 8, 8);
	} else if (n >= 4) {
		uint32_t x, y;
		memcpy(&x, p, 4);
		memcpy(&y, p + n - 4, 4);
		a = x;
		b = y;
	} else if (n) {
		a = (uint64_t)p[0] << 16 | (uint64_t)p[n >> 1] << 8 | p[n - 1];
	}
	return dn_hash_fold(UINT64_C(0x8ebc6af09c88c6e3) ^ n,
			    dn_hash_fold(a ^ UINT64_C(0xe7037ed1a0b428db),
					 b ^ seed ^ UINT64_C(0x589965cc75374cc3)));
}

/* ---------------------------------------------------------------------------------------------
 * Logging. Human text by default ("2024-01-31T12:00:00.123Z info  message"), or one JSON object
 * per line ({"ts":..,"level":..,"msg":..}). Written to stderr (or the stream set below). */
enum dn_log_level { DN_LOG_DEBUG = 0, DN_LOG_INFO, DN_LOG_WARN, DN_LOG_ERROR, DN_LOG_OFF };
enum dn_log_format { DN_LOG_TEXT = 0, DN_LOG_JSON };

void dn_log_set_level(enum dn_log_level level);
enum dn_log_level dn_log_get_level(void);
void dn_log_set_format(enum dn_log_format fmt);
enum dn_log_format dn_log_get_format(void);
void dn_log_set_stream(FILE *f);                               /* NULL = stderr */
int dn_log_level_parse(const char *s, enum dn_log_level *out); /* "debug".."error", "off" */
void dn_log(enum dn_log_level level, const char *fmt, ...) DN_PRINTF(2, 3);
#define dn_debug(...) dn_log(DN_LOG_DEBUG, __VA_ARGS__)
#define dn_info(...) dn_log(DN_LOG_INFO, __VA_ARGS__)
#define dn_warn(...) dn_log(DN_LOG_WARN, __VA_ARGS__)
#define dn_log_error(...) dn_log(DN_LOG_ERROR, __VA_ARGS__)

/* ---------------------------------------------------------------------------------------------
 * Time. Timestamps are int64 microseconds since 1970-01-01T00:00:00Z (UTC); dates are int32
 * days since 1970-01-01. The proleptic Gregorian calendar, years 0001..9999. */
#define DN_USEC_PER_SEC INT64_C(1000000)
#define DN_USEC_PER_DAY INT64_C(86400000000)

enum dn_time_kind { DN_TIME_DATE = 1, DN_TIME_TIMESTAMP = 2 };

/* Days since epoch of a civil date (no range checks; month 1..12). */
int32_t dn_days_from_civil(int year, int month, int day);
void dn_civil_from_days(int32_t days, int *year, int *month, int *day);

/* Parse ISO-8601 text, the whole string:
 *   YYYY-MM-DD                                        -> kind DATE, *out = days
 *   YYYY-MM-DD(T|t| )HH:MM[:SS[.f{1,9}]][Z|z|±HH:MM|±HHMM|±HH]
 *                                                     -> kind TIMESTAMP, *out = µs UTC
 * A timestamp without an offset is taken as UTC. Digits beyond microseconds are truncated.
 * Leap second 60 is rejected. The common forms take a fast path with no library calls.
 * Returns the kind (> 0), or DN_EPARSE when the text is not such a value (no error text). */
int dn_time_parse(const char *p, size_t n, int64_t *out);
/* The same without the word-at-a-time path for the fixed layouts (tests compare the two). */
int dn_time_parse_bytewise_(const char *p, size_t n, int64_t *out);

/* Format: dates "YYYY-MM-DD"; timestamps "YYYY-MM-DDTHH:MM:SS[.ffffff]Z" with the fraction
 * printed only when non-zero (3 digits when whole milliseconds, else 6). out needs 40 bytes;
 * returns the length. Values outside years 0001..9999 are still formatted (with more digits or
 * a sign) so no value is lost. */
int dn_date_format(int32_t days, char *out);
int dn_timestamp_format(int64_t us, char *out);

int64_t dn_now_us(void);       /* wall clock, µs UTC */
int64_t dn_monotonic_us(void); /* for durations */

/* ---------------------------------------------------------------------------------------------
 * Thread pool: a fixed set of worker threads running submitted jobs in FIFO order.
 * dn_pool_free waits for queued jobs to finish. */
typedef void (*dn_job_fn)(void *user);
struct dn_pool;
int dn_cpu_count(void); /* online CPUs, at least 1 */
int dn_pool_new(struct dn_pool **out, int threads, struct dn_error *err);
int dn_pool_submit(struct dn_pool *p, dn_job_fn fn, void *user, struct dn_error *err);
void dn_pool_wait(struct dn_pool *p); /* until every submitted job has finished */
void dn_pool_free(struct dn_pool *p);

/* ---------------------------------------------------------------------------------------------
 * Atomic files: write to a temporary file in the target's directory, then fsync and rename on
 * commit, so readers see the old file or the complete new one, never a partial one.
 * Path "-" means standard output (written directly; commit flushes). An existing path that is
 * not a regular file (a device such as /dev/null, a FIFO) is written directly too. */
struct dn_afile {
	FILE *fp;       /* write through this */
	char *path;     /* final path */
	char *tmp_path; /* temporary path, NULL for stdout and direct files */
	int is_stdout;
	int is_direct; /* an existing device or FIFO (/dev/null, a pipe): written in place,
			  * since renaming over it would replace the device with a file */
};

int dn_afile_open(struct dn_afile *f, const char *path, struct dn_error *err);
int dn_afile_commit(struct dn_afile *f, struct dn_error *err); /* fsync + rename; closes */
void dn_afile_abort(struct dn_afile *f); /* closes and removes the temporary file */

/* Read a whole file (path "-" = stdin) into *out (NUL-terminated), at most max bytes
 * (0 = no limit). */
int dn_read_file(const char *path, struct dn_buf *out, size_t max, struct dn_error *err);

#endif
