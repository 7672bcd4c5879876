/* Type inference and text-to-value parsing. The rules are the ones documented in data.h and in
 * docs/types.md; readers call dn_infer_text on every sampled value, so it avoids work: one look
 * at the first byte decides which parsers can possibly match. */
#include <string.h>

#include "data.h"

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Digits with an optional sign; *leading_zero when there are 2+ digits starting with '0'. */
static int all_digits(const char *p, size_t n, int *leading_zero)
{
	size_t i = 0;
	if (n && (p[0] == '-' || p[0] == '+'))
		i = 1;
	if (i == n)
		return 0;
	*leading_zero = p[i] == '0' && n - i > 1;
	for (; i < n; i++)
		if (!is_digit(p[i]))
			return 0;
	return 1;
}

static struct dn_str trim(const char *p, size_t n)
{
	while (n && (p[0] == ' ' || p[0] == '\t')) {
		p++;
		n--;
	}
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	return dn_str_make(p, n);
}

unsigned dn_infer_text(const char *p, size_t n)
{
	struct dn_str s = trim(p, n);
	p = s.ptr;
	n = s.len;
	if (n == 0)
		return 0;
	char c = p[0];
	if (c == 't' || c == 'T' || c == 'f' || c == 'F') {
		if ((n == 4 && dn_str_ieq_cstr(s, "true")) ||
		    (n == 5 && dn_str_ieq_cstr(s, "false")))
			return DN_CAN_BOOL;
	}
	if (is_digit(c) || c == '-' || c == '+' || c == '.' || c == 'i' || c == 'I' || c == 'n' ||
	    c == 'N') {
		int lz = 0;
		if (all_digits(p, n, &lz)) {
			int64_t v;
			if (!lz && dn_parse_i64(p, n, &v) == 0)
				return DN_CAN_INT | DN_CAN_FLOAT;
			return 0; /* leading zeros or beyond int64: keep the text */
		}
		double d;
		if (n >= 10 && is_digit(c) && p[4] == '-') {
			int64_t t;
			int kind = dn_time_parse(p, n, &t);
			if (kind == DN_TIME_DATE)
				return DN_CAN_DATE | DN_CAN_TS;
			if (kind == DN_TIME_TIMESTAMP)
				return DN_CAN_TS;
			return 0;
		}
		if (dn_parse_f64(p, n, &d) == 0)
			return DN_CAN_FLOAT;
	}
	return 0;
}

static unsigned mask_of_type(enum dn_type t)
{
	switch (t) {
	case DN_BOOL:
		return DN_CAN_BOOL;
	case DN_INT64:
		return DN_CAN_INT | DN_CAN_FLOAT;
	case DN_FLOAT64:
		return DN_CAN_FLOAT;
	case DN_DATE:
		return DN_CAN_DATE | DN_CAN_TS;
	case DN_TIMESTAMP:
		return DN_CAN_TS;
	case DN_STRING:
		return 0;
	}
	return 0;
}

static void add_mask(struct dn_infer *s, unsigned m)
{
	s->seen = s->values ? (s->seen & m) : m;
	s->values++;
}

void dn_infer_add(struct dn_infer *s, const char *p, size_t n)
{
	add_mask(s, dn_infer_text(p, n));
}

void dn_infer_add_type(struct dn_infer *s, enum dn_type t)
{
	add_mask(s, mask_of_type(t));
}

enum dn_type dn_infer_result(const struct dn_infer *s)
{
	if (!s->values)
		return DN_STRING;
	if (s->seen & DN_CAN_BOOL)
		return DN_BOOL;
	if (s->seen & DN_CAN_INT)
		return DN_INT64;
	if (s->seen & DN_CAN_FLOAT)
		return DN_FLOAT64;
	if (s->seen & DN_CAN_DATE)
		return DN_DATE;
	if (s->seen & DN_CAN_TS)
		return DN_TIMESTAMP;
	return DN_STRING;
}

enum dn_type dn_type_widen(enum dn_type a, enum dn_type b)
{
	if (a == b)
		return a;
	if ((a == DN_INT64 && b == DN_FLOAT64) || (a == DN_FLOAT64 && b == DN_INT64))
		return DN_FLOAT64;
	if ((a == DN_DATE && b == DN_TIMESTAMP) || (a == DN_TIMESTAMP && b == DN_DATE))
		return DN_TIMESTAMP;
	return DN_STRING;
}

int dn_builder_append_text(struct dn_builder *b, const char *p, size_t n, struct dn_error *err)
{
	if (b->type == DN_STRING)
		return dn_builder_append_str(b, p, n, err);
	struct dn_str s = trim(p, n);
	switch (b->type) {
	case DN_BOOL:
		if (dn_str_ieq_cstr(s, "true"))
			return dn_builder_append_bool(b, 1, err);
		if (dn_str_ieq_cstr(s, "false"))
			return dn_builder_append_bool(b, 0, err);
		return DN_ETYPE;
	case DN_INT64: {
		int64_t v;
		if (dn_parse_i64(s.ptr, s.len, &v) < 0)
			return DN_ETYPE;
		return dn_builder_append_i64(b, v, err);
	}
	case DN_FLOAT64: {
		double v;
		if (dn_parse_f64(s.ptr, s.len, &v) < 0)
			return DN_ETYPE;
		return dn_builder_append_f64(b, v, err);
	}
	case DN_DATE:
	case DN_TIMESTAMP: {
		int64_t v;
		int kind = dn_time_parse(s.ptr, s.len, &v);
		if (kind < 0 || (b->type == DN_DATE && kind != DN_TIME_DATE))
			return DN_ETYPE;
		if (b->type == DN_DATE)
			return dn_builder_append_date(b, (int32_t)v, err);
		if (kind == DN_TIME_DATE)
			v *= DN_USEC_PER_DAY;
		return dn_builder_append_ts(b, v, err);
	}
	case DN_STRING:
		break;
	}
	return DN_ETYPE;
}
