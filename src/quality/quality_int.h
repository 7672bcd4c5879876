/* Internals shared by the quality module's files. No other module includes this. */
#ifndef DN_QUALITY_INT_H
#define DN_QUALITY_INT_H

#include <stdarg.h>

#include "quality.h"

/* Order-preserving map of a double (not NaN) to an unsigned key. */
static inline uint64_t dn_q_key(double d)
{
	uint64_t u;
	if (d == 0)
		d = 0; /* -0.0 sorts and hashes as 0.0 */
	memcpy(&u, &d, 8);
	return (u >> 63) ? ~u : (u | (UINT64_C(1) << 63));
}

static inline double dn_q_unkey(uint64_t u)
{
	double d;
	u = (u >> 63) ? (u & ~(UINT64_C(1) << 63)) : ~u;
	memcpy(&d, &u, 8);
	return d;
}

/* Sort n doubles (no NaN) ascending; tmp has room for n. LSD radix on dn_q_key, O(n). */
void dn_q_sort(double *v, size_t n, double *tmp);
/* Sort n keys ascending carrying idx along (idx may be NULL); tk/ti are scratch of n. */
void dn_q_sort_keys(uint64_t *k, uint32_t *idx, size_t n, uint64_t *tk, uint32_t *ti);

/* Associations gathered during a profile's pass (assoc.c). dn_assoc_add takes, per column, the
 * batch's doubles (x[c], NaN for null; numeric and bool columns) or string hashes (keys[c], 0
 * for null), NULL for the others, and the target column itself; it writes each row's target
 * class (0..31, 255 for none) to tcode. */
struct dn_assoc;
struct dn_assoc_ranked { /* a column's stored values sorted, with their rows' classes */
	const double *sorted;
	const uint32_t *order;
	size_t n;
	const uint8_t *tcode;
};
int dn_assoc_new(struct dn_assoc **out, const struct dn_schema *s, int target,
		 struct dn_error *err);
void dn_assoc_free(struct dn_assoc *a);
void dn_assoc_widen(struct dn_assoc *a, int col, enum dn_type to);
int dn_assoc_add(struct dn_assoc *a, const struct dn_column *tcol, double *const *x,
		 uint64_t *const *keys, int64_t nrows, uint8_t *tcode, struct dn_error *err);
int dn_assoc_finish(struct dn_assoc *a, struct dn_profile_result *r,
		    const struct dn_assoc_ranked *ranked, struct dn_error *err);

/* Does a check of kind k count failing rows (and take max_failing_percent)? */
int dn_q_row_level(enum dn_check_kind k);

/* A duration in µs as short text: "1d 2h 3m 4s", "0s". */
void dn_q_duration_text(int64_t us, char *out, size_t n);

/* Judge one result whose value, observed text and threshold are set: pass, or the check's
 * severity's status with message. */
void dn_q_judge(struct dn_check_result *res, int failed, const char *fmt, ...) DN_PRINTF(3, 4);

/* Finish a suite result: scores, counts, and history from o->meta when o->history. */
int dn_q_finish_result(struct dn_suite_result *r, const struct dn_check_options *o,
		       struct dn_error *err);

/* Judge an anomaly check whose current value is res->value, against the history. */
int dn_q_judge_anomaly(struct dn_check_result *res, const struct dn_suite_result *r,
		       const struct dn_check_options *o, struct dn_error *err);

/* Shared by the streaming and the SQL evaluation, so both judge alike. */
int dn_q_value_num(const struct dn_column *c, int64_t i, int want_time, double *out);
char *dn_q_row_json(const struct dn_batch *b, int64_t i, int with_row, struct dn_buf *tmp,
		    struct dn_buf *out);
void dn_q_set_value(struct dn_check_result *res, double v);
void dn_q_judge_rows(struct dn_check_result *res, int64_t failing, int64_t rows);
void dn_q_judge_percent(struct dn_check_result *res, double pct, double max, const char *what,
			int64_t n, int64_t rows);
void dn_q_judge_static(struct dn_check_result *res, const struct dn_schema *sc, int64_t rows,
		       const char *target);
void dn_q_judge_reconcile(struct dn_check_result *res, double here, double other);
void dn_q_judge_freshness(struct dn_check_result *res, int has, int64_t newest, int64_t at);

#endif
