/* Growable byte buffer with a ceiling.
 *
 * Capacity doubles (from 64 bytes), so appending n bytes one at a time costs O(n) copies in
 * total. One byte past len is always reserved for a NUL, so text can be handed to C string
 * functions without a copy. A buffer that grows from outside input has a ceiling (max); the
 * check is made on the length the caller asks for, before any allocation, and the error names
 * the limit so the user knows which knob to turn (curl's dynbuf "toobig"). Capacity is clamped to
 * max + 1 so a bounded buffer never allocates much beyond its ceiling. */
#include <stdio.h>
#include <string.h>

#include "core.h"

#define BUF_MIN_CAP 64

void dn_buf_init(struct dn_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

int dn_buf_reserve(struct dn_buf *b, size_t extra, struct dn_error *err)
{
	if (DN_LIKELY(b->data && b->cap - b->len > extra))
		return 0;
	if (extra >= SIZE_MAX - b->len)
		return dn_error_set(err, DN_ELIMIT, "buffer size overflow (%zu + %zu bytes)",
				    b->len, extra);
	size_t need = b->len + extra; /* bytes of data; +1 for the NUL */
	if (b->max && need > b->max)
		return dn_error_set(err, DN_ELIMIT,
				    "data would grow to %zu bytes, past the limit of %zu bytes",
				    need, b->max);
	size_t cap = b->cap ? b->cap : BUF_MIN_CAP;
	while (cap < need + 1)
		cap = cap > SIZE_MAX / 2 ? need + 1 : cap * 2;
	if (b->max && cap > b->max + 1)
		cap = b->max + 1;
	char *d = dn_realloc(b->data, cap);
	if (!d)
		return dn_error_set(err, DN_ENOMEM, "out of memory growing a buffer to %zu bytes",
				    cap);
	if (!b->data)
		d[0] = 0;
	b->data = d;
	b->cap = cap;
	return 0;
}

int dn_buf_append(struct dn_buf *b, const void *p, size_t n, struct dn_error *err)
{
	DN_TRY(dn_buf_reserve(b, n, err));
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = 0;
	return 0;
}

int dn_buf_puts(struct dn_buf *b, const char *s, struct dn_error *err)
{
	return dn_buf_append(b, s, strlen(s), err);
}

int dn_buf_putc(struct dn_buf *b, char c, struct dn_error *err)
{
	if (DN_UNLIKELY(!b->data || b->cap - b->len < 2))
		DN_TRY(dn_buf_reserve(b, 1, err));
	b->data[b->len++] = c;
	b->data[b->len] = 0;
	return 0;
}

int dn_buf_vprintf(struct dn_buf *b, struct dn_error *err, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	size_t room = b->data ? b->cap - b->len : 0;
	int r = vsnprintf(room ? b->data + b->len : NULL, room, fmt, ap2);
	va_end(ap2);
	if (r < 0) {
		if (b->data)
			b->data[b->len] = 0;
		return dn_error_set(err, DN_EINVAL, "invalid format string \"%s\"", fmt);
	}
	if ((size_t)r >= room) {
		int rc = dn_buf_reserve(b, (size_t)r, err);
		if (rc < 0) {
			if (b->data)
				b->data[b->len] = 0; /* undo a partial write */
			return rc;
		}
		va_copy(ap2, ap);
		vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap2);
		va_end(ap2);
	}
	b->len += (size_t)r;
	return 0;
}

int dn_buf_printf(struct dn_buf *b, struct dn_error *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = dn_buf_vprintf(b, err, fmt, ap);
	va_end(ap);
	return rc;
}

void dn_buf_reset(struct dn_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = 0;
}

void dn_buf_release(struct dn_buf *b)
{
	dn_free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

char *dn_buf_take(struct dn_buf *b, size_t *len)
{
	char *d = b->data;
	if (len)
		*len = b->len;
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	return d;
}
