/* libFuzzer target for dn_time_parse.
 *
 * Any input must be accepted or rejected without reading past n (ASan checks the exact-size
 * copy libFuzzer hands us). Every accepted value must survive formatting: the text printed by
 * dn_date_format / dn_timestamp_format parses back to the same kind and the same value. An
 * offset can move an accepted local time outside years 0000..9999 (e.g. 0000-01-01T00:00+01:00);
 * the formatter then prints a signed, longer year that the parser is not meant to accept, so for
 * those only the shape of the text is checked. The word-at-a-time path for the common layouts
 * must agree with the byte-wise parser on every input: same kind, same value. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/core/core.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	int64_t v = 0, back = 0;
	char out[40];
	int kind = dn_time_parse((const char *)d, n, &v);
	int64_t v2 = 0;
	if (dn_time_parse_bytewise_((const char *)d, n, &v2) != kind || (kind > 0 && v2 != v))
		abort();
	if (kind < 0) {
		if (kind != DN_EPARSE)
			abort();
		return 0;
	}
	int len;
	if (kind == DN_TIME_DATE) {
		if (v < INT32_MIN || v > INT32_MAX)
			abort();
		len = dn_date_format((int32_t)v, out);
	} else if (kind == DN_TIME_TIMESTAMP) {
		len = dn_timestamp_format(v, out);
	} else {
		abort();
	}
	if (len <= 0 || len >= 40 || (size_t)len != strlen(out))
		abort();
	if (out[0] == '+' || out[0] == '-') {
		/* A signed year is printed only outside 0000..9999. */
		int64_t lo = kind == DN_TIME_DATE ? -719528 : INT64_C(-62167219200000000);
		int64_t hi = kind == DN_TIME_DATE ? 2932896 : INT64_C(253402300799999999);
		if (v >= lo && v <= hi)
			abort();
		return 0;
	}
	if (dn_time_parse(out, (size_t)len, &back) != kind || back != v)
		abort();
	/* Formatting is a fixed point: formatting the re-parsed value gives the same text. */
	char again[40];
	int len2 = kind == DN_TIME_DATE ? dn_date_format((int32_t)back, again) :
					  dn_timestamp_format(back, again);
	if (len2 != len || memcmp(out, again, (size_t)len) != 0)
		abort();
	return 0;
}
