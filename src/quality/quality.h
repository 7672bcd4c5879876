/* quality: what data holds and whether it meets its contract. Three parts, one pass each:
 *
 * - Profiles: per-column statistics, correlations (Pearson, Spearman, Cramér's V), duplicate
 *   rows, alerts, and with a target every column's association with it (tests, p-values, a
 *   ranking), over a stream of batches, with the sketches they rest on. A profile keeps memory
 *   bounded by its limits rather than by the input's size: statistics are exact while a
 *   column's values fit the bounds of dn_profile_options and come from sketches beyond
 *   (HyperLogLog, a compacting quantile sketch, Misra-Gries); the result says which.
 * - Checks: YAML suites evaluated in one streaming pass or pushed down to a warehouse as SQL,
 *   with reports, history in the metadata store and quarantine (below).
 * - Distributions for p-values (dn_stat_*), pure functions.
 * docs/quality.md defines every statistic and check.
 *
 * Uses: core, data, formats, store, extract, pipeline. Errors: DN_ENOMEM, DN_EINVAL for batches
 * or suites that do not fit (suites name file:line:column), DN_EIO from readers and reports.
 * Thread safety: none per object; distinct objects may be used from different threads.
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
 * Heule et al. 2013 threshold). Feed it well-mixed 64-bit hashes (dn_hash64, dn_hash_text,
 * dn_hash_u64). */
#define DN_HLL_P 14

struct dn_hll {
	uint8_t reg[1 << DN_HLL_P];
};

void dn_hll_init(struct dn_hll *h);
/* Inline: sketches call it once per value. */
static inline void dn_hll_add(struct dn_hll *h, uint64_t hash)
{
	uint32_t i = (uint32_t)(hash >> (64 - DN_HLL_P));
	uint64_t w = (hash << DN_HLL_P) | (UINT64_C(1) << (DN_HLL_P - 1)); /* caps the run */
	uint8_t rho = (uint8_t)(__builtin_clzll(w) + 1);
	if (rho > h->reg[i])
		h->reg[i] = rho;
}
double dn_hll_estimate(const struct dn_hll *h);
void dn_hll_merge(struct dn_hll *into, const struct dn_hll *from);

/* ---------------------------------------------------------------------------------------------
 * Quantile sketch: a stack of compactors of k values each (KLL-style with equal capacities),
 * except level 0, the only one sorted, which takes 4k. A full level is sorted and every other
 * value (random offset) moves up with twice the weight. Rank error of any quantile: at most
 * n * levels / k in the worst case, about n / k typically; with k = 4096 and 10M values that is
 * 0.3% worst case. Memory: 128 KiB at level 0 (and as much scratch), 96 KiB per level above,
 * about log2(n / k) levels. */
#define DN_QSKETCH_K 4096

struct dn_qsketch {
	int nlevels;
	double *level[48]; /* level 0: up to 4k values; the others: up to k */
	int len[48];
	int64_t n;    /* values added */
	uint64_t rng; /* compaction offsets */
};

void dn_qsketch_init(struct dn_qsketch *s);
void dn_qsketch_release(struct dn_qsketch *s);
/* Add v (a NaN is not a value: nothing is added). 0 or DN_ENOMEM / DN_ELIMIT. */
int dn_qsketch_add(struct dn_qsketch *s, double v, struct dn_error *err);
/* Add the n values of v that are not NaN, in order: the same sketch as n calls of
 * dn_qsketch_add, without a call per value. */
int dn_qsketch_add_many(struct dn_qsketch *s, const double *v, size_t n, struct dn_error *err);
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
	int64_t sample_rows;    /* past exact_rows: the uniform sample's size, for Spearman and the
				 * rank tests (0 = DN_PROFILE_SAMPLE) */
	const char *target;     /* a column to relate the others to, or NULL */
};

void dn_profile_options_init(struct dn_profile_options *o);

/* Rows sampled for Spearman and the rank tests past exact_rows by default (uniform over the
 * input, reservoir sampling). */
#define DN_PROFILE_SAMPLE 1048576
/* The most rows exact_rows can keep (larger settings are lowered to it). */
#define DN_PROFILE_EXACT_MAX ((int64_t)1 << 30)

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
	int exact_int;      /* int64 and timestamp columns: imin and imax are min and max, exact */
	int64_t imin, imax; /* (min and max are the nearest doubles, past 2^53 not the values) */
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
	char *value; /* display text, owned (rows where the target is null have no class) */
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

/* ---------------------------------------------------------------------------------------------
 * Checks. A suite is a YAML file of checks (docs/quality.md has the reference): each check has
 * a kind, a dimension, a severity (warn or error) and its own keys. A check run evaluates every
 * check of a suite over one stream of batches (one pass: each check keeps an accumulator), or
 * pushes them down to a warehouse as SQL (dn_check_run_sql), and gives one result per check:
 * pass, warn (a failed warn-level check), fail (a failed error-level check) or skipped.
 *
 * Uses: core, data, formats, store (quarantine, references, pushdown), extract (URLs), pipeline
 * (YAML, the metadata store for history). */
enum dn_check_kind {
	DN_CHK_ROW_COUNT = 1,
	DN_CHK_NOT_NULL,
	DN_CHK_MISSING_PERCENT,
	DN_CHK_REQUIRED_COLUMNS,
	DN_CHK_UNIQUE,
	DN_CHK_UNIQUE_COMBINATION,
	DN_CHK_DUPLICATE_PERCENT,
	DN_CHK_TYPE,
	DN_CHK_REGEX,
	DN_CHK_ACCEPTED_VALUES,
	DN_CHK_RANGE,
	DN_CHK_LENGTH,
	DN_CHK_FORMAT,
	DN_CHK_SCHEMA,
	DN_CHK_RELATIONSHIPS,
	DN_CHK_EXPRESSION,
	DN_CHK_RECONCILE,
	DN_CHK_ACCURACY,
	DN_CHK_FRESHNESS,
	DN_CHK_ARRIVAL_DELAY,
	DN_CHK_ANOMALY,
	DN_CHK_NKINDS
};

enum dn_dimension {
	DN_DIM_COMPLETENESS = 0,
	DN_DIM_UNIQUENESS,
	DN_DIM_VALIDITY,
	DN_DIM_CONSISTENCY,
	DN_DIM_ACCURACY,
	DN_DIM_TIMELINESS,
	DN_DIM_ANOMALIES,
	DN_NDIMS
};

enum dn_severity { DN_SEV_WARN = 1, DN_SEV_ERROR };
enum dn_check_status { DN_CHECK_PASS = 0, DN_CHECK_WARN, DN_CHECK_FAIL, DN_CHECK_SKIPPED };

const char *dn_check_kind_name(enum dn_check_kind k);
enum dn_dimension dn_check_kind_dimension(enum dn_check_kind k);
const char *dn_dimension_name(enum dn_dimension d);
const char *dn_check_status_name(enum dn_check_status s);

enum dn_cmp_op { DN_CMP_EQ = 0, DN_CMP_NE, DN_CMP_LT, DN_CMP_LE, DN_CMP_GT, DN_CMP_GE };

/* One side of a comparison: a column name or a literal (number or 'text'). */
struct dn_check_operand {
	const char *column; /* NULL for a literal */
	const char *text;   /* the literal as written (quotes removed) */
	int is_number;
	double number;
	int is_int; /* a number written as an integer: int_value, exact past 2^53 too */
	int64_t int_value;
};

/* One comparison of a condition, `LEFT OP RIGHT` (at least one side a column). */
struct dn_check_cmp {
	struct dn_check_operand lhs, rhs;
	enum dn_cmp_op op;
	int or_before; /* joined to the comparison before by `or` (else by `and`) */
};

#define DN_CHECK_MAX_CMP 16 /* comparisons in one condition */

/* A condition (`expression`, `where:`): comparisons joined by `and` and `or`, `and` binding
 * tighter, as in SQL. A comparison with a null side is neither true nor false, and the
 * joins follow SQL's three-valued logic. */
struct dn_check_cond {
	int n;
	struct dn_check_cmp *cmp; /* in the suite's arena */
};

enum dn_anomaly_metric {
	DN_AM_ROW_COUNT = 1,
	DN_AM_MISSING_PERCENT,
	DN_AM_MEAN,
	DN_AM_SUM,
	DN_AM_MIN,
	DN_AM_MAX
};

/* A parsed check. Strings are borrowed from the suite (valid until dn_suite_free). */
struct dn_check {
	enum dn_check_kind kind;
	enum dn_severity severity;
	const char *name;     /* unique within the suite; the default is kind(column) */
	int64_t line, col;    /* where the check starts in the suite file */
	const char *column;   /* the checked column, or NULL */
	const char **columns; /* required_columns, unique_combination, duplicate_percent, schema */
	int ncolumns;
	const char **types;  /* schema: expected type name per column ("" = any) */
	int exact;           /* schema: no other columns allowed */
	const char **values; /* accepted_values */
	int nvalues;
	int has_min, has_max;
	double min, max; /* row_count, missing_percent (max), range, length, reconcile... */
	const char *min_text, *max_text; /* range bounds as written (dates, timestamps) */
	int range_time;         /* range: the bounds are dates or timestamps (min, max in µs) */
	double max_failing_pct; /* row-level checks: failing rows allowed, in % of rows (0) */
	enum dn_type type;      /* type */
	const char *pattern;    /* regex (POSIX extended) */
	void *regex;            /* compiled (regex_t), owned by the suite */
	const char *format;     /* email, url, iso_date */
	const char *other;      /* relationships `to`, reconcile `with`, accuracy `reference` */
	const char *field;      /* relationships `field`, accuracy `reference_column` */
	const char *key;        /* accuracy */
	const char *metric;     /* reconcile: count or sum; anomaly: the metric's name */
	enum dn_anomaly_metric ametric;
	double tolerance;     /* reconcile (absolute), accuracy (absolute per value) */
	double tolerance_pct; /* reconcile: relative, in % of the other side (-1 = unused) */
	int64_t max_age_us;   /* freshness, arrival_delay */
	const char *max_age_text;
	const char *event_column;  /* arrival_delay */
	const char *partition;     /* arrival_delay of a lake dataset's partitions */
	struct dn_check_cond cond; /* expression */
	const char *condition;     /* expression as written */
	const char *where;         /* row-level checks: only rows where this holds are checked */
	struct dn_check_cond wcond;
	double max_change_pct; /* anomaly: change against the previous run (-1 = unused) */
	double stddevs;        /* anomaly: k standard deviations of the window (-1 = unused) */
	int window;            /* anomaly: runs of history considered (10) */
	int min_history;       /* anomaly: runs needed before it judges (3) */
};

struct dn_suite {
	const char *file;       /* as given to dn_suite_parse */
	const char *name;       /* `suite:` or the file's base name without extension */
	const char *target;     /* `target:` (a file, lake:ZONE/NAME, URL) or NULL */
	const char *table;      /* `table:` (a warehouse table) or NULL */
	const char *connection; /* `connection:` (a project connection or URL) or NULL */
	const char *quarantine; /* `quarantine:` (a file or lake:ZONE/NAME) or NULL */
	int samples;            /* failing rows kept per check (`samples:`, default 5) */
	struct dn_check *checks;
	int nchecks;
	struct dn_arena arena;
};

/* Parse a suite. Every problem (unknown keys and check kinds with a suggestion, missing or
 * malformed values, bad regular expressions) is added to probs as file:line:column; the return
 * is 0 with *out set when there were none, DN_EPARSE when there were (nothing returned), or
 * DN_ENOMEM / DN_ELIMIT (YAML limits) with err set. Free with dn_suite_free. */
struct dn_problems;
int dn_suite_parse(struct dn_suite **out, const char *file, const char *text, size_t len,
		   struct dn_problems *probs, struct dn_error *err);
/* Read the file and parse it. */
int dn_suite_load(struct dn_suite **out, const char *path, struct dn_problems *probs,
		  struct dn_error *err);
void dn_suite_free(struct dn_suite *s);

/* One check's outcome. */
struct dn_check_result {
	const struct dn_check *check;
	enum dn_check_status status;
	int has_value; /* value is the observed metric (failing rows for row-level checks) */
	double value;
	char observed[160]; /* the observed value as text ("" = none) */
	char threshold[160];
	char message[400]; /* why it failed or was skipped; "" when it passed */
	int64_t failing;   /* failing rows, or -1 when the check is not row-level */
	int nsamples;
	char **samples; /* failing rows as JSON objects ({"_row": N, "col": value, ...}) */
	int nhistory;   /* earlier observed values, oldest first (from the metadata store) */
	double *history;
	int64_t *history_at;
};

struct dn_suite_result {
	const struct dn_suite *suite;
	char *target;
	int64_t at;   /* when the run started (µs UTC) */
	int64_t rows; /* rows read (or counted by the database) */
	int pushdown; /* 1: evaluated in the database */
	int nresults; /* = suite->nchecks, in suite order */
	struct dn_check_result *results;
	double score[DN_NDIMS]; /* % of the dimension's judged checks that passed; NaN if none */
	double overall;
	int passed, warned, failed, skipped;
	int64_t quarantined; /* rows written to the quarantine */
};

void dn_suite_result_release(struct dn_suite_result *r);

struct dn_meta;
struct dn_lake_options;
struct dn_read_options;
struct dn_reader;
struct dn_wh;

/* Open a reader over a target: lake:ZONE/NAME[@V][/COL=VALUE] (needs lake), an http(s), ftp(s)
 * or sftp URL, or a file (relative to base_dir when not absolute; NULL = working directory). */
int dn_quality_open_target(const char *target, const char *base_dir,
			   const struct dn_lake_options *lake, const struct dn_read_options *ro,
			   struct dn_reader **out, struct dn_error *err);

struct dn_check_options {
	int64_t now_us;       /* freshness and arrival are judged against this (0 = the clock) */
	const char *target;   /* the name of the target in reports and history */
	const char *base_dir; /* references (to:, with:, reference:) relative to this */
	const struct dn_lake_options *lake; /* for lake: references and quarantine; may be NULL */
	struct dn_meta *meta; /* history: read for anomalies and charts, written by record */
	int history;          /* 1: read history (meta must be set) */
	/* Quarantine: every row failing a row-level check is given to this callback as part of a
	 * batch with the target's columns plus `_row` (int64, 1-based) and `_failed_checks`
	 * (string); from a warehouse table (dn_check_run_sql), the rows failing the checks run in
	 * the database, selected there, without `_row`. NULL = no quarantine. */
	int (*quarantine)(void *user, const struct dn_batch *b, struct dn_error *err);
	void *quarantine_user;
	/* arrival_delay by partition: when each partition of the target lake dataset first
	 * arrived (the earliest commit listing a file of it), set by dn_suite_run for a lake:
	 * target; has_arrivals 0 when the target is not a lake dataset. */
	const struct dn_arrival *arrivals;
	size_t narrivals;
	int has_arrivals;
};

struct dn_arrival {
	char *partition; /* "ds=2024-01-31" or "ds=2024-01-31/region=eu" */
	int64_t first_us;
};

void dn_check_options_init(struct dn_check_options *o);

struct dn_check_run;

/* A streaming evaluation of suite s: references (relationships, reconcile, accuracy) are read
 * here, before the first batch. Returns 0, DN_ENOMEM, or the error of reading a reference. */
int dn_check_run_new(struct dn_check_run **out, const struct dn_suite *s,
		     const struct dn_check_options *o, struct dn_error *err);
void dn_check_run_free(struct dn_check_run *cr);
/* Account for one batch of the target (batches of one source; columns may widen). */
int dn_check_run_add(struct dn_check_run *cr, const struct dn_batch *b, struct dn_error *err);
/* Judge every check. r is filled (release with dn_suite_result_release). */
int dn_check_run_finish(struct dn_check_run *cr, struct dn_suite_result *r, struct dn_error *err);

/* Evaluate the suite on warehouse table `table` of wh: each check becomes an aggregate query
 * (or a few) run by the database; checks SQL cannot express the same way on this database
 * (regular expressions and formats on SQLite, arrival delays, references outside the
 * warehouse) stream only the columns they need. */
int dn_check_run_sql(const struct dn_suite *s, struct dn_wh *wh, const char *table,
		     const struct dn_check_options *o, struct dn_suite_result *r,
		     struct dn_error *err);

/* Record every judged check's observed value in the metadata store's history (suite, target,
 * check name). */
int dn_check_record(struct dn_meta *m, const struct dn_suite_result *r, struct dn_error *err);

/* Reports: JSON (docs/quality.md) and a self-contained HTML page. */
int dn_check_write_json(const struct dn_suite_result *r, FILE *out, struct dn_error *err);
int dn_check_write_html(const struct dn_suite_result *r, FILE *out, struct dn_error *err);
/* A short text summary, one line per check. */
int dn_check_write_text(const struct dn_suite_result *r, FILE *out, struct dn_error *err);

/* A quarantine: failing rows to a file (any format writers take, by extension; relative to
 * base_dir) or to `lake:ZONE/NAME` (one new version per run). Opened lazily: a run with no
 * failing row writes nothing. dn_quarantine_write is a dn_check_options.quarantine callback. */
struct dn_quarantine;
int dn_quarantine_open(struct dn_quarantine **out, const char *dest, const char *base_dir,
		       const struct dn_lake_options *lake, struct dn_error *err);
int dn_quarantine_write(void *user, const struct dn_batch *b, struct dn_error *err);
int dn_quarantine_commit(struct dn_quarantine *q, struct dn_error *err);
void dn_quarantine_free(struct dn_quarantine *q);

/* Run suite s on a reader (streamed) or on table of wh (pushed down; rd NULL), quarantining
 * failing rows of a streamed run to `quarantine` (may be NULL) and recording the results in
 * o->meta's history when o->history. r is filled on success (release it). */
int dn_suite_run(const struct dn_suite *s, struct dn_reader *rd, struct dn_wh *wh,
		 const char *table, const char *quarantine, struct dn_check_options *o,
		 struct dn_suite_result *r, struct dn_error *err);

/* Register the `quality` and `profile` task types with the pipeline module (idempotent). */
int dn_quality_register_tasks(struct dn_error *err);

#endif
