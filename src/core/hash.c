/* dn_hash64: a fast 64-bit non-cryptographic hash for hash tables, dedup and sketches.
 *
 * Our own function, built from well-known parts: inputs of 32 bytes or more run four independent
 * multiply-rotate lanes (so the CPU overlaps the multiplies, as xxHash does), shorter tails are
 * folded in 8, 4 and 1 byte steps, and a final multiply-xorshift avalanche spreads every input
 * bit over the whole result. Words are read with memcpy (no alignment traps, one load on x86)
 * and converted to little-endian, so a given seed gives the same hash on every platform; the
 * values are stable across runs and may be stored (e.g. in sketches). Not resistant to
 * deliberate collision attacks: tables fed hostile keys should use a random seed. */
#include <string.h>

#include "core.h"

#define P1 UINT64_C(0x9E3779B185EBCA87)
#define P2 UINT64_C(0xC2B2AE3D27D4EB4F)
#define P3 UINT64_C(0x165667B19E3779F9)
#define P4 UINT64_C(0x85EBCA77C2B2AE63)
#define P5 UINT64_C(0x27D4EB2F165667C5)

static inline uint64_t rotl64(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

static inline uint64_t rd64(const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

static inline uint32_t rd32(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap32(v);
#endif
	return v;
}

static inline uint64_t lane(uint64_t acc, uint64_t in)
{
	acc += in * P2;
	acc = rotl64(acc, 31);
	return acc * P1;
}

static inline uint64_t merge(uint64_t h, uint64_t v)
{
	h ^= lane(0, v);
	return h * P1 + P4;
}

uint64_t dn_hash64(const void *data, size_t n, uint64_t seed)
{
	const unsigned char *p = n ? data : (const void *)"", *end = p + n;
	uint64_t h;
	if (n >= 32) {
		uint64_t v1 = seed + P1 + P2, v2 = seed + P2, v3 = seed, v4 = seed - P1;
		const unsigned char *last = end - 32;
		do {
			v1 = lane(v1, rd64(p));
			v2 = lane(v2, rd64(p + 8));
			v3 = lane(v3, rd64(p + 16));
			v4 = lane(v4, rd64(p + 24));
			p += 32;
		} while (p <= last);
		h = rotl64(v1, 1) + rotl64(v2, 7) + rotl64(v3, 12) + rotl64(v4, 18);
		h = merge(h, v1);
		h = merge(h, v2);
		h = merge(h, v3);
		h = merge(h, v4);
	} else {
		h = seed + P5;
	}
	h += (uint64_t)n;
	for (; end - p >= 8; p += 8) {
		h ^= lane(0, rd64(p));
		h = rotl64(h, 27) * P1 + P4;
	}
	if (end - p >= 4) {
		h ^= (uint64_t)rd32(p) * P1;
		h = rotl64(h, 23) * P2 + P3;
		p += 4;
	}
	for (; p < end; p++) {
		h ^= (uint64_t)*p * P5;
		h = rotl64(h, 11) * P1;
	}
	/* Final avalanche: every input bit reaches every output bit. */
	h ^= h >> 33;
	h *= P2;
	h ^= h >> 29;
	h *= P3;
	h ^= h >> 32;
	return h;
}
