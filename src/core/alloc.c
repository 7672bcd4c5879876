/* The allocator entry point: every allocation in dunya goes through dn_malloc and friends.
 *
 * The wrappers add two things to libc: sizes of 0 are rounded up to 1 so that NULL always means
 * failure, and a test-only failure injection counter (the curl/SQLite "fail the Nth allocation"
 * torture). The counter is a relaxed atomic increment per allocation: a few cycles next to
 * malloc itself, and it keeps the count exact when allocations come from pool threads. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "core.h"

static atomic_uint_fast64_t alloc_count;   /* allocations since the last dn_alloc_fail_after */
static atomic_uint_fast64_t alloc_fail_at; /* fail allocation number >= this; 0 = never */

static inline int alloc_should_fail(void)
{
	uint64_t n = atomic_fetch_add_explicit(&alloc_count, 1, memory_order_relaxed) + 1;
	uint64_t at = atomic_load_explicit(&alloc_fail_at, memory_order_relaxed);
	return DN_UNLIKELY(at != 0 && n >= at);
}

uint64_t dn_alloc_fail_after(uint64_t n)
{
	uint64_t prev = atomic_exchange_explicit(&alloc_count, 0, memory_order_relaxed);
	atomic_store_explicit(&alloc_fail_at, n, memory_order_relaxed);
	return prev;
}

void *dn_malloc(size_t n)
{
	if (alloc_should_fail())
		return NULL;
	return malloc(n ? n : 1);
}

void *dn_calloc(size_t count, size_t size)
{
	if (size && count > SIZE_MAX / size)
		return NULL;
	if (alloc_should_fail())
		return NULL;
	if (!count || !size)
		count = size = 1;
	return calloc(count, size);
}

void *dn_realloc(void *p, size_t n)
{
	if (alloc_should_fail())
		return NULL;
	return realloc(p, n ? n : 1);
}

void dn_free(void *p)
{
	free(p);
}

char *dn_strndup(const char *s, size_t n)
{
	const char *z = memchr(s, 0, n);
	size_t len = z ? (size_t)(z - s) : n;
	char *d = dn_malloc(len + 1);
	if (!d)
		return NULL;
	memcpy(d, s, len);
	d[len] = 0;
	return d;
}

char *dn_strdup(const char *s)
{
	size_t len = strlen(s);
	char *d = dn_malloc(len + 1);
	if (!d)
		return NULL;
	memcpy(d, s, len + 1);
	return d;
}

void dn_alloc_keep_freed(void)
{
#if defined(__GLIBC__)
	/* Blocks up to 32 MiB (glibc's ceiling for this setting) come from the heap, which keeps
	 * up to 256 MiB free at its top before trimming. */
	mallopt(M_MMAP_THRESHOLD, 32 << 20);
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
}
