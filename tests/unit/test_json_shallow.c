/* The tree parser's shallow mode (dn_jv_parse_shallow) against the full parse, on strings whose
 * quotes, backslashes and brackets fall at every offset of a 16-byte block: the delimiting
 * works a block at a time and must find the same ends as a byte-at-a-time reading. */
#include "../../src/formats/formats.h"
#include "../test.h"

/* Parse doc fully and shallowly at depth 1; the lazy items must be the full items' text. */
static int same_spans(const char *doc, char *why, size_t whylen)
{
	struct dn_arena a;
	struct dn_jv *full = NULL, *sh = NULL;
	int ok = 1;
	dn_arena_init(&a, 0);
	if (dn_jv_parse(&a, "t", doc, strlen(doc), &full, NULL) < 0 ||
	    dn_jv_parse_shallow(&a, "t", doc, strlen(doc), 1, &sh, NULL) < 0) {
		snprintf(why, whylen, "a parse failed: %s", doc);
		ok = 0;
	} else if (full->n != sh->n || sh->kind != DN_JV_ARR) {
		snprintf(why, whylen, "%zu items, shallow %zu: %s", full->n, sh->n, doc);
		ok = 0;
	}
	for (size_t i = 0; ok && i < sh->n; i++) {
		const struct dn_jv *f = &full->items[i], *s = &sh->items[i];
		if ((f->kind == DN_JV_ARR || f->kind == DN_JV_OBJ) &&
		    (!s->lazy || s->src_len != f->src_len || s->src != f->src)) {
			snprintf(why, whylen, "item %zu: span %zu, shallow %zu: %s", i, f->src_len,
				 s->src_len, doc);
			ok = 0;
		}
	}
	dn_arena_release(&a);
	return ok;
}

DN_TEST(json_shallow_spans_at_every_offset)
{
	static const char *const inner[] = {
		"\\\"",       /* an escaped quote */
		"\\\\",       /* an escaped backslash: the quote after it closes */
		"\\\\\\\"",   /* backslash, then escaped quote */
		"}]{[",       /* brackets inside a string */
		"\\u005D\\n", /* escapes that are not quotes */
	};
	char doc[512], why[600];
	for (size_t k = 0; k < sizeof inner / sizeof inner[0]; k++) {
		for (int pad = 0; pad < 40; pad++) {
			/* [{"a":"xxx<inner>y"},[1,"<inner>"],{"b":{"c":[]}}] with pad x's */
			int n = snprintf(doc, sizeof doc,
					 "[{\"a\":\"%.*s%sy\"},[1,\"%s\"],{\"b\":{\"c\":[]}}]", pad,
					 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", inner[k],
					 inner[k]);
			CHECK(n > 0 && (size_t)n < sizeof doc);
			if (!same_spans(doc, why, sizeof why)) {
				dn_test_fail(dn_t_, __FILE__, __LINE__, "%s", why);
				return;
			}
		}
	}
}

DN_TEST(json_shallow_errors_are_the_full_parse_errors)
{
	struct dn_arena a;
	struct dn_jv *v = NULL;
	struct dn_error e1, e2;
	const char *bad[] = {"[{\"a\": \"unterminated}]", "[{\"a\": 1", "[[1, 2]",
			     "[{\"a\":\"\\\"}]"};
	dn_arena_init(&a, 0);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		dn_error_clear(&e1);
		dn_error_clear(&e2);
		CHECK_INT(dn_jv_parse(&a, "t", bad[i], strlen(bad[i]), &v, &e1), DN_EPARSE);
		CHECK_INT(dn_jv_parse_shallow(&a, "t", bad[i], strlen(bad[i]), 1, &v, &e2),
			  DN_EPARSE);
		CHECK_STR(e2.msg, e1.msg);
		CHECK_INT(e2.line, e1.line);
		CHECK_INT(e2.column, e1.column);
	}
	/* Inside a delimited container nothing is checked: the reader of its text does that. */
	const char *inner_bad = "{\"data\": [{\"a\": }], \"next\": 2}";
	CHECK_INT(dn_jv_parse_shallow(&a, "t", inner_bad, strlen(inner_bad), 2, &v, NULL), 0);
	CHECK_INT((long long)dn_jv_get(v, "data")->n, 1);
	CHECK(dn_jv_get(v, "data")->items[0].lazy);
	CHECK_INT(dn_jv_parse(&a, "t", inner_bad, strlen(inner_bad), &v, NULL), DN_EPARSE);
	dn_arena_release(&a);
}
