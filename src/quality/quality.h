/* quality: data profiling (per-column statistics, correlations, duplicate rows and alerts over a
 * stream of batches) and the sketches it rests on. docs/quality.md defines every statistic.
 *
 * A profile reads batches once, in order, and keeps memory bounded by its limits rather than by
 * the input's size: statistics are exact while a column's values fit the bounds of
 * dn_profile_options (distinct values, stored values, row hashes) and come from sketches beyond
 * (HyperLogLog for distinct counts, a compacting quantile sketch for quantiles and histograms,
 * Misra-Gries for the most frequent values); the result says which.
 *
 * Uses: core, data. Thread safety: none; distinct objects may be used from different threads.
 * Ownership: dn_profile_new returns a heap object freed by dn_profile_free; the result structs it
 * exposes are borrowed from it and valid until dn_profile_free. */
#ifndef DN_QUALITY_H
#define DN_QUALITY_H

#include <stdio.h>

#include "../core/core.h"
#include "../data/data.h"

/* ---------------------------------------------------------------------------------------------
 * HyperLogLog: distinct counts in 2^p one-byte registers. Standard error 1.04 / sqrt(2^p):
 * 0.81% at p = 14 (16 KiB). Small cardinalities use linear counting (Flajolet et al. 2007,
 * Heule et al. 2013 threshold). Feed it well-mixed 64-bit hashes (dn_hash64, dn_hash_u64). */
#define DN_HLL_P 14

struct dn_hll {
	uint8_t reg[1 << DN_HLL_P];
};

void dn_hll_init(struct dn_hll *h);
void dn_hll_add(struct dn_hll *h, uint64_t hash);
double dn_hll_estimate(const struct dn_hll *h);
void dn_hll_merge(struct dn_hll *into, const struct dn_hll *from);

/* ---------------------------------------------------------------------------------------------
 * Quantile sketch: a stack of compactors of k values each (KLL-style with equal capacities).
 * A full level is sorted and every other value (random offset) moves up with twice the weight.
 * Rank error of any quantile: at most n * levels / k in the worst case, about n / k typically;
 * with k = 4096 and 10M values that is 0.3% worst case. Memory: k * 8 bytes per level,
 * log2(n / k) + 1 levels. */
#define DN_QSKETCH_K 4096

struct dn_qsketch {
	int nlevels;
	double *level[48]; /* each DN_QSKETCH_K values */
	int len[48];
	int64_t n;    /* values added */
	uint64_t rng; /* compaction offsets */
};

void dn_qsketch_init(struct dn_qsketch *s);
void dn_qsketch_release(struct dn_qsketch *s);
int dn_qsketch_add(struct dn_qsketch *s, double v, struct dn_error *err);
/* The value at quantile q in [0, 1] (linear interpolation between the sketch's neighbours, as
 * the exact definition does); NaN when empty. qs must be ascending; writes nq values. Returns
 * 0 or DN_ENOMEM. */
int dn_qsketch_quantiles(const struct dn_qsketch *s, const double *qs, int nq, double *out,
			 struct dn_error *err);
/* Estimated number of values <= x. */
double dn_qsketch_rank(const struct dn_qsketch *s, double x);
/* The worst-case rank error bound, in values, for the current n. */
double dn_qsketch_rank_error(const struct dn_qsketch *s);

/* ---------------------------------------------------------------------------------------------
 * Profiles */
struct dn_profile_options {
	int64_t exact_distinct; /* distinct values counted exactly per column (default 65536) */
	int64_t exact_rows;     /* values stored per column for exact quantiles, Spearman and
				 * histograms, and row hashes for duplicates (default 2000000) */
	int hist_bins;          /* histogram bins (default 20) */
	int top;                /* most frequent values and patterns reported (default 10) */
	const char *target;     /* a column to relate the others to, or NULL */
};

void dn_profile_options_init(struct dn_profile_options *o);

/* Rows sampled for Spearman past exact_rows (uniform over the input, reservoir sampling). */
#define DN_PROFILE_SAMPLE 1048576

#define DN_PROFILE_NQ 7 /* quantiles p1 p5 p25 p50 p75 p95 p99 */
extern const double dn_profile_q[DN_PROFILE_NQ];

struct dn_profile_value {
	char *text; /* display text (cut at 64 bytes, whole UTF-8 characters), owned */
	int64_t count;
};

/* One column's result; fields that do not apply to its type are NaN (doubles), -1 (counts) or
 * 0 (arrays). Dates and timestamps keep min, max, mean and quantiles as days / µs. */
struct dn_profile_column {
	char *name;
	enum dn_type type;
	int64_t widened_at; /* first row of the batch that widened it to string, or -1 */
	int64_t count;      /* non-null values */
	int64_t missing;
	double distinct;
	int distinct_exact;
	double min, max, mean, std, skew;
	int64_t zeros, negatives; /* numeric columns, else -1 */
	double q[DN_PROFILE_NQ];
	int quantiles_exact;
	int nbins;
	double *edges; /* nbins + 1 */
	double *hist;  /* nbins counts (estimates when !quantiles_exact) */
	int ntop;
	struct dn_profile_value *top;
	int top_exact;
	int64_t top_error; /* counts may be low by at most this much when !top_exact */
	double len_min, len_mean, len_max; /* strings: length in code points */
	int npatterns;
	struct dn_profile_value *patterns;
	int patterns_exact;
};

#define DN_PROFILE_CLASSES 32 /* classes of a string or bool target broken down */

struct dn_profile_class {
	char *value; /* display text, owned; "null" for rows where the target is null */
	int64_t count;
	double *means; /* ncorr entries, in the order of corr_columns */
};

/* One feature's association with the target (docs/quality.md, "Target"): the test that fits
 * the two types, its p-value, and an effect size on one scale (the share of the target's
 * variation the feature accounts for: r², η² or Cramér's V²) that ranks the features. Fields
 * that do not apply are NaN. */
struct dn_profile_assoc {
	int column;
	const char *test;  /* static: "pearson", "welch", "anova", "chi2"; NULL: not computed */
	double statistic;  /* r, t, F or chi-square */
	double df1, df2;   /* degrees of freedom (df2 for F only) */
	double p;          /* two-sided p-value */
	double effect;     /* r², η² or Cramér's V² */
	int64_t n;         /* rows where both are known */
	double mw_u, mw_p; /* binary target, numeric feature: Mann-Whitney U of the higher class */
	double ks_d, ks_p; /* and the two-sample Kolmogorov-Smirnov D */
	int64_t rank_rows; /* rows the rank tests used (a uniform sample beyond exact_rows) */
	int rank;          /* 1 = the strongest association; 0 when not computed */
	const char *note;  /* static: why it was not computed, or NULL */
};

struct dn_profile_alert {
	int column;       /* index, or -1 for the whole table */
	const char *kind; /* static: "missing", "constant", ... (docs/quality.md lists them) */
	char *message;
};

struct dn_profile_result {
	int64_t rows;
	int ncolumns;
	struct dn_profile_column *columns;
	int64_t duplicate_rows; /* rows equal to an earlier row; -1 beyond exact_rows */
	int ncorr;              /* numeric (int64, float64) columns in the correlation matrices */
	int *corr_columns;      /* their column indexes */
	double *pearson;        /* ncorr * ncorr, NaN where undefined */
	double *spearman;       /* ncorr * ncorr, or NULL (no sample beyond exact_rows) */
	int spearman_exact;     /* 1: over every row; 0: over a uniform sample of rows */
	int64_t spearman_rows;  /* rows it was computed over */
	int target;             /* column index of the target, or -1 */
	/* A string or bool target: its classes (most frequent first) with the mean of every
	 * correlation column among the class's rows (NaN where it has none). */
	int nclasses;
	struct dn_profile_class *classes;
	int64_t other_rows; /* rows of classes past DN_PROFILE_CLASSES, not broken down */
	/* Associations with the target, strongest first, then those not computed in column
	 * order. target_kind is "numeric", "binary" or "categorical" (NULL when none applies);
	 * a binary target's classes in order (Welch's t is the higher minus the lower). */
	const char *target_kind;
	const char *class_lo, *class_hi;
	int nassoc;
	struct dn_profile_assoc *assoc;
	/* Cramér's V between the string and bool columns (the first 16), ncat * ncat, NaN for
	 * a column with more than 64 distinct values. */
	int ncat;
	int *cat_columns;
	double *cramer;
	int nalerts;
	struct dn_profile_alert *alerts;
};

struct dn_profile;

/* New profile. opt may be NULL for the defaults. Returns 0 or DN_ENOMEM. */
int dn_profile_new(struct dn_profile **out, const struct dn_profile_options *opt,
		   struct dn_error *err);
void dn_profile_free(struct dn_profile *p);
/* Account for one batch. Batches must come from one source: same column names and order; a
 * column may widen (int64 to float64, date to timestamp, anything to string) as readers do.
 * Returns 0, DN_ENOMEM, or DN_EINVAL when the columns differ from the first batch's. */
int dn_profile_add(struct dn_profile *p, const struct dn_batch *b, struct dn_error *err);
/* Compute the results. Call once, after the last batch; DN_ENOTFOUND when the target column
 * is not a column. The result is valid until dn_profile_free. */
int dn_profile_finish(struct dn_profile *p, const struct dn_profile_result **out,
		      struct dn_error *err);

/* Reports. source names the input in headings. Return 0 or DN_EIO / DN_ENOMEM. */
int dn_profile_write_text(const struct dn_profile_result *r, const char *source, FILE *out,
			  struct dn_error *err);
int dn_profile_write_json(const struct dn_profile_result *r, const char *source, FILE *out,
			  struct dn_error *err);
/* A self-contained HTML page (inline CSS and SVG, no external resources). */
int dn_profile_write_html(const struct dn_profile_result *r, const char *source, FILE *out,
			  struct dn_error *err);

/* ---------------------------------------------------------------------------------------------
 * Distributions, for p-values. Upper tails are computed directly (no 1 - cdf), so small
 * p-values keep their relative precision. NaN for arguments outside the domain. */
double dn_stat_beta_inc(double a, double b, double x); /* regularized I_x(a, b) */
double dn_stat_gamma_q(double a, double x);            /* regularized upper Q(a, x) */
double dn_stat_t_p2(double t, double df);              /* Student's t: P(|T| > |t|) */
double dn_stat_f_sf(double f, double d1, double d2);   /* F: P(F > f) */
double dn_stat_chi2_sf(double x, double k);            /* chi-square: P(X > x) */
double dn_stat_norm_sf(double z);                      /* standard normal: P(Z > z) */
double dn_stat_kolmogorov_sf(double lambda);           /* Kolmogorov's limit: P(K > lambda) */

#endif
