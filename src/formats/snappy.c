/* Snappy block compression, written from google/snappy's format_description.txt, for Parquet
 * pages (Parquet's SNAPPY codec is the raw block format, not the framed one).
 *
 * A block is the uncompressed length as a varint, then elements: literals (tag 00, length in
 * the tag or in 1-4 following bytes) and copies of earlier output (tag 01: length 4-11 and an
 * 11-bit offset; tag 10: length 1-64 and a 16-bit offset; tag 11: a 32-bit offset).
 *
 * The compressor is the classic greedy one: a hash table of 4-byte sequences over 64 KiB
 * blocks (so every offset fits the 2-byte copy), no lazy matching. It compresses a little less
 * than Google's (which skips faster over incompressible data) but every Snappy reader reads it.
 * The decompressor checks every length and offset against its input and output, since pages
 * come from files we did not write. */
#include <string.h>

#include "formats_int.h"

#define SNAPPY_BLOCK 65536
#define SNAPPY_HASH_BITS 14

size_t dn_snappy_max_compressed(size_t n)
{
	return 32 + n + n / 6;
}

static size_t put_varint(uint8_t *d, uint64_t v)
{
	size_t k = 0;
	while (v >= 0x80) {
		d[k++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	d[k++] = (uint8_t)v;
	return k;
}

static uint8_t *emit_literal(uint8_t *d, const uint8_t *s, size_t n)
{
	size_t m = n - 1;
	if (m < 60) {
		*d++ = (uint8_t)(m << 2);
	} else {
		int bytes = m < 0x100 ? 1 : m < 0x10000 ? 2 : m < 0x1000000 ? 3 : 4;
		*d++ = (uint8_t)((59 + bytes) << 2);
		for (int i = 0; i < bytes; i++)
			*d++ = (uint8_t)(m >> (8 * i));
	}
	memcpy(d, s, n);
	return d + n;
}

static uint8_t *emit_copy(uint8_t *d, size_t offset, size_t len)
{
	while (len > 0) {
		size_t k = len > 64 ? 64 : len;
		if (len > 64 && len - 64 < 4)
			k = 60; /* leave at least 4 for the last copy */
		if (k >= 4 && k <= 11 && offset < 2048) {
			*d++ = (uint8_t)(1 | ((k - 4) << 2) | ((offset >> 8) << 5));
			*d++ = (uint8_t)offset;
		} else {
			*d++ = (uint8_t)(2 | ((k - 1) << 2));
			*d++ = (uint8_t)offset;
			*d++ = (uint8_t)(offset >> 8);
		}
		len -= k;
	}
	return d;
}

static uint32_t load32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

/* Length of the match of b[i..blen) with b[cand..), known to be at least 4: 8 bytes compared
 * at a time while 8 remain, then byte by byte. */
static size_t match_len(const uint8_t *b, size_t cand, size_t i, size_t blen)
{
	size_t len = 4;
	while (i + len + 8 <= blen) {
		uint64_t x, y;
		memcpy(&x, b + cand + len, 8);
		memcpy(&y, b + i + len, 8);
		if (x != y) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
			return len + (size_t)(__builtin_ctzll(x ^ y) >> 3);
#else
			break;
#endif
		}
		len += 8;
	}
	while (i + len < blen && b[cand + len] == b[i + len])
		len++;
	return len;
}

size_t dn_snappy_compress(const char *src, size_t n, char *dst)
{
	uint8_t *d = (uint8_t *)dst;
	const uint8_t *s = (const uint8_t *)src;
	uint16_t table[1 << SNAPPY_HASH_BITS];
	d += put_varint(d, n);
	for (size_t base = 0; base < n; base += SNAPPY_BLOCK) {
		size_t blen = n - base < SNAPPY_BLOCK ? n - base : SNAPPY_BLOCK;
		const uint8_t *b = s + base;
		size_t lit = 0, i = 0;
		memset(table, 0, sizeof table);
		if (blen >= 8) {
			while (i + 4 <= blen) {
				uint32_t v = load32(b + i);
				uint32_t h = (v * 0x1e35a7bdu) >> (32 - SNAPPY_HASH_BITS);
				size_t cand = table[h];
				table[h] = (uint16_t)i;
				if (cand < i && load32(b + cand) == v) {
					size_t len = match_len(b, cand, i, blen);
					if (i > lit)
						d = emit_literal(d, b + lit, i - lit);
					d = emit_copy(d, i - cand, len);
					i += len;
					lit = i;
				} else {
					i++;
				}
			}
		}
		if (blen > lit)
			d = emit_literal(d, b + lit, blen - lit);
	}
	return (size_t)(d - (uint8_t *)dst);
}

int dn_snappy_uncompressed_length(const char *src, size_t n, size_t *out)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n && i < 5; i++) {
		v |= (uint64_t)((uint8_t)src[i] & 0x7f) << (7 * i);
		if (!((uint8_t)src[i] & 0x80)) {
			if (v > UINT32_MAX)
				return DN_EPARSE;
			*out = (size_t)v;
			return (int)i + 1;
		}
	}
	return DN_EPARSE;
}

/* Copy len bytes from off bytes back in the output to q. With at least 16 bytes of slack past
 * len in the output (wide), whole 8- or 16-byte words are copied, which may write up to 15 bytes
 * past q + len: those bytes are overwritten by what follows. A word is copied whole only when
 * its source lies entirely before its destination (off at least the word's size); shorter
 * offsets are runs that repeat a pattern: the first 8 bytes are copied byte by byte, then
 * words are copied from a whole number of periods back, at least 8 bytes. */
static void copy_back(uint8_t *q, size_t off, size_t len, int wide)
{
	const uint8_t *from = q - off;
	if (!wide) {
		for (size_t i = 0; i < len; i++)
			q[i] = from[i];
		return;
	}
	if (off >= 16) {
		for (size_t i = 0; i < len; i += 16)
			memcpy(q + i, from + i, 16);
		return;
	}
	if (off < 8) {
		size_t i = 0, k = len < 8 ? len : 8;
		for (; i < k; i++)
			q[i] = from[i];
		if (i == len)
			return;
		/* the output repeats with period off, so also with the smallest multiple of off
		 * that is at least 8 (at most 14): far enough back for 8-byte words */
		off *= (8 + off - 1) / off;
		from = q + i - off;
		q += i;
		len -= i;
	}
	for (size_t i = 0; i < len; i += 8)
		memcpy(q + i, from + i, 8);
}

int dn_snappy_decompress(const char *src, size_t n, char *dst, size_t dst_len)
{
	size_t want;
	int k = dn_snappy_uncompressed_length(src, n, &want);
	if (k < 0 || want != dst_len)
		return DN_EPARSE;
	const uint8_t *s = (const uint8_t *)src + k, *end = (const uint8_t *)src + n;
	uint8_t *d = (uint8_t *)dst;
	size_t o = 0;
	while (s < end) {
		uint8_t tag = *s++;
		size_t len, off;
		switch (tag & 3) {
		case 0:
			len = (size_t)(tag >> 2) + 1;
			/* short literals (most): one 16-byte copy when both sides have room */
			if (len <= 16 && end - s >= 16 && dst_len - o >= 16) {
				memcpy(d + o, s, 16);
				s += len;
				o += len;
				continue;
			}
			if (len > 60) {
				size_t nb = len - 60;
				if ((size_t)(end - s) < nb)
					return DN_EPARSE;
				len = 0;
				for (size_t i = 0; i < nb; i++)
					len |= (size_t)s[i] << (8 * i);
				len += 1;
				s += nb;
			}
			if ((size_t)(end - s) < len || dst_len - o < len)
				return DN_EPARSE;
			memcpy(d + o, s, len);
			s += len;
			o += len;
			continue;
		case 1:
			if (end - s < 1)
				return DN_EPARSE;
			len = (size_t)((tag >> 2) & 7) + 4;
			off = ((size_t)(tag >> 5) << 8) | s[0];
			s += 1;
			break;
		case 2:
			if (end - s < 2)
				return DN_EPARSE;
			len = (size_t)(tag >> 2) + 1;
			off = (size_t)s[0] | ((size_t)s[1] << 8);
			s += 2;
			break;
		default:
			if (end - s < 4)
				return DN_EPARSE;
			len = (size_t)(tag >> 2) + 1;
			off = (size_t)s[0] | ((size_t)s[1] << 8) | ((size_t)s[2] << 16) |
			      ((size_t)s[3] << 24);
			s += 4;
			break;
		}
		if (off == 0 || off > o || dst_len - o < len)
			return DN_EPARSE;
		copy_back(d + o, off, len, dst_len - o - len >= 16);
		o += len;
	}
	return o == dst_len ? 0 : DN_EPARSE;
}
