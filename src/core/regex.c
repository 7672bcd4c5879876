/* A guard in front of regcomp for patterns that come from users' files.
 *
 * glibc compiles a POSIX extended expression into a tree and copies a repeated part once per
 * repetition, so a short pattern can ask for gigabytes: stacked quantifiers (`a+++++`), or
 * counted repetitions inside counted repetitions (`(a{200}){200}`). Back-references make
 * matching exponential. dn_regex_check walks the pattern once, estimating the size of the tree
 * regcomp would build, and refuses those patterns with a reason before regcomp sees them. It
 * errs on the side of refusing: a pattern that passes compiles to a small tree. */
#include <string.h>

#include "core.h"

#define REGEX_MAX_NODES 20000 /* tree nodes a pattern may expand to */
#define REGEX_MAX_REPEAT 255  /* largest count in {m,n} (RE_DUP_MAX is 32767) */
#define REGEX_MAX_DEPTH 32    /* nested groups */

/* Parse "{m}", "{m,}" or "{m,n}" at p; the largest count in *rep and the length in *len.
 * Returns 0, or -1 when p does not start a valid interval. */
static int interval(const char *p, long *rep, size_t *len)
{
	const char *q = p + 1;
	long m = 0, n = -1;
	if (*q < '0' || *q > '9')
		return -1;
	while (*q >= '0' && *q <= '9' && m <= 100000)
		m = m * 10 + (*q++ - '0');
	if (*q == ',') {
		q++;
		if (*q >= '0' && *q <= '9') {
			n = 0;
			while (*q >= '0' && *q <= '9' && n <= 100000)
				n = n * 10 + (*q++ - '0');
		}
	}
	if (*q != '}')
		return -1;
	*rep = n > m ? n : m;
	*len = (size_t)(q + 1 - p);
	return 0;
}

int dn_regex_check(const char *pat, char *why, size_t n)
{
	double total[REGEX_MAX_DEPTH + 1]; /* nodes so far, per open group */
	int depth = 0, quantified = 0;
	double last = 0; /* nodes of the last atom, what a quantifier repeats */
	total[0] = 0;
	for (size_t i = 0; pat[i];) {
		char c = pat[i];
		long rep = c == '+' ? 2 : 1;
		size_t len = 1;
		int counted = c == '{' && interval(pat + i, &rep, &len) == 0;
		if (c == '*' || c == '+' || c == '?' || counted) {
			if (quantified) {
				snprintf(why, n,
					 "a quantifier follows another one at character %zu",
					 i + 1);
				return -1;
			}
			if (rep > REGEX_MAX_REPEAT) {
				snprintf(why, n, "a repetition count over %d at character %zu",
					 REGEX_MAX_REPEAT, i + 1);
				return -1;
			}
			total[depth] += last * (double)(rep > 1 ? rep - 1 : 0) + 1;
			last *= (double)(rep > 1 ? rep : 1);
			quantified = 1;
			i += len;
		} else if (c == '(') {
			if (depth == REGEX_MAX_DEPTH) {
				snprintf(why, n, "groups nested deeper than %d", REGEX_MAX_DEPTH);
				return -1;
			}
			total[++depth] = 0;
			quantified = 0;
			last = 0;
			i++;
		} else if (c == ')' && depth > 0) {
			last = total[depth--] + 1;
			total[depth] += last;
			quantified = 0;
			i++;
		} else if (c == '[') { /* a bracket expression is one node */
			size_t j = i + 1;
			if (pat[j] == '^')
				j++;
			if (pat[j] == ']')
				j++;
			while (pat[j] && pat[j] != ']') {
				if (pat[j] == '[' &&
				    (pat[j + 1] == ':' || pat[j + 1] == '.' || pat[j + 1] == '=')) {
					const char *end = strchr(pat + j + 2, pat[j + 1]);
					j = end && end[1] == ']' ? (size_t)(end - pat) + 2 : j + 1;
				} else {
					j++;
				}
			}
			i = pat[j] ? j + 1 : j;
			last = 1;
			total[depth] += 1;
			quantified = 0;
		} else if (c == '\\' && pat[i + 1] >= '1' && pat[i + 1] <= '9') {
			snprintf(why, n, "a back-reference (\\%c) at character %zu", pat[i + 1],
				 i + 1);
			return -1;
		} else {
			i += c == '\\' && pat[i + 1] ? 2 : 1;
			last = 1;
			total[depth] += 1;
			quantified = 0;
		}
		if (total[depth] > REGEX_MAX_NODES) {
			snprintf(why, n, "it expands to more than %d parts (repetitions multiply)",
				 REGEX_MAX_NODES);
			return -1;
		}
	}
	return 0;
}
