/* Arena: bump allocation out of a list of blocks, all freed together.
 *
 * Per-batch and per-request memory has one lifetime, so one pointer bump per allocation and one
 * free per block beats malloc/free per value. Every allocation is rounded up to 16 bytes and
 * blocks start 16-byte aligned, which keeps every returned pointer 16-byte aligned without any
 * per-allocation arithmetic beyond the round-up. A request larger than the block size gets a
 * block of its own, linked behind the current block so that the partly used current block keeps
 * serving small requests (no waste of its free tail). dn_arena_reset keeps one ordinary block,
 * so an arena reused per batch stops calling malloc after the first batch. */
#include <stdint.h>
#include <string.h>

#include "core.h"

#define ARENA_ALIGN 16
#define ARENA_DEFAULT_BLOCK (64 * 1024)

struct dn_arena_block {
	struct dn_arena_block *next;
	size_t cap;  /* usable bytes at base */
	size_t used; /* bytes handed out from base */
	char *base;  /* ARENA_ALIGN-aligned start of the usable bytes */
};

static size_t arena_block_size(const struct dn_arena *a)
{
	return a->block_size ? a->block_size : ARENA_DEFAULT_BLOCK;
}

void dn_arena_init(struct dn_arena *a, size_t block_size)
{
	a->head = NULL;
	a->block_size = block_size;
	a->used = 0;
}

static struct dn_arena_block *arena_new_block(size_t cap)
{
	size_t hdr = sizeof(struct dn_arena_block);
	if (cap > SIZE_MAX - hdr - ARENA_ALIGN)
		return NULL;
	struct dn_arena_block *b = dn_malloc(hdr + ARENA_ALIGN + cap);
	if (!b)
		return NULL;
	uintptr_t start = (uintptr_t)(b + 1);
	start = (start + ARENA_ALIGN - 1) & ~(uintptr_t)(ARENA_ALIGN - 1);
	b->base = (char *)start;
	b->cap = cap;
	b->used = 0;
	b->next = NULL;
	return b;
}

void *dn_arena_alloc(struct dn_arena *a, size_t n)
{
	if (n > SIZE_MAX - ARENA_ALIGN)
		return NULL;
	n = n ? (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1) : ARENA_ALIGN;
	struct dn_arena_block *h = a->head;
	if (DN_LIKELY(h && h->cap - h->used >= n)) {
		void *p = h->base + h->used;
		h->used += n;
		a->used += n;
		return p;
	}
	size_t bs = arena_block_size(a);
	struct dn_arena_block *b = arena_new_block(n > bs ? n : bs);
	if (!b)
		return NULL;
	b->used = n;
	a->used += n;
	if (n > bs && h) {
		/* Oversized: keep the current block in front for the small requests that follow. */
		b->next = h->next;
		h->next = b;
	} else {
		b->next = h;
		a->head = b;
	}
	return b->base;
}

char *dn_arena_strndup(struct dn_arena *a, const char *s, size_t n)
{
	if (n == SIZE_MAX)
		return NULL;
	char *d = dn_arena_alloc(a, n + 1);
	if (!d)
		return NULL;
	if (n)
		memcpy(d, s, n);
	d[n] = 0;
	return d;
}

void dn_arena_reset(struct dn_arena *a)
{
	size_t bs = arena_block_size(a);
	struct dn_arena_block *keep = NULL, *b = a->head;
	while (b) {
		struct dn_arena_block *next = b->next;
		if (!keep && b->cap == bs) {
			keep = b;
		} else {
			dn_free(b);
		}
		b = next;
	}
	if (keep) {
		keep->used = 0;
		keep->next = NULL;
	}
	a->head = keep;
	a->used = 0;
}

void dn_arena_release(struct dn_arena *a)
{
	struct dn_arena_block *b = a->head;
	while (b) {
		struct dn_arena_block *next = b->next;
		dn_free(b);
		b = next;
	}
	a->head = NULL;
	a->used = 0;
}
