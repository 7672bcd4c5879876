/* Profiles: one pass over batches, per-column accumulators, results at the end.
 *
 * Each batch is folded in column by column. Numeric-like columns (int64, float64, date,
 * timestamp, bool as 0/1) are turned into a double per row (NaN for null), which serves four
 * uses: moments, stored values, co-moments and the quantile sketch.
 *
 * Moments are merged batch by batch with Chan's / Pebay's pairwise formulas: a batch's own
 * mean, M2 and M3 are computed in two passes over its (cache-resident) values, then combined
 * with the running totals. That is as stable as Welford's update and cheaper per value.
 *
 * While the row count stays within exact_rows the doubles are also stored row-aligned, so
 * quantiles, histograms and Spearman's rank correlation are computed exactly at the end, as
 * pandas does. The first batch that would pass the bound moves every stored value into a
 * quantile sketch and frees them; from then on quantiles and histograms are estimates and
 * Spearman is not reported.
 *
 * Distinct counts and most frequent values share one counter per column: an exact hash table
 * of 64-bit value hashes with counts (and a display copy of each value) up to exact_distinct
 * values, then HyperLogLog for the count and Misra-Gries for the frequent values. String
 * patterns use a second counter without the HyperLogLog. A numeric-like column within the exact
 * bound skips its counter while reading: runs of equal values among its sorted values give the
 * same counts, exactly, at the end (pcol.deferred). */
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "quality_int.h"

const double dn_profile_q[DN_PROFILE_NQ] = {0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99};

#define TEXT_MAX 64     /* display bytes kept of a frequent value or pattern */
#define PATTERN_MAX 32  /* pattern characters kept */
#define MG_VALUES 1024  /* Misra-Gries counters for values */
#define MG_PATTERNS 256 /* and for patterns */
#define PATTERNS_EXACT 4096
#define MAX_CORR 64       /* numeric columns in the correlation matrices */
#define DENSE_RANGE 16384 /* integers counted in place: 64 KiB of counts */
#define SHAPE_CACHE 1024  /* string shapes kept by value hash: 24 KiB */

static void pattern_init(void);

/* ---- counters ---- */

union cval {
	int64_t i;
	double f;
};

/* The exact table is two arrays on the same slots: what a probe reads (key and count, 16 bytes:
 * a 32k-slot table stays in a core's L2 cache) and what only an insert or the results read. */
struct ex_slot {
	uint64_t key;
	int64_t count; /* 0 = empty slot */
};

struct ex_entry {
	union cval v;
	const char *s; /* strings: display copy in the arena */
	uint32_t slen;
	uint8_t vtype;
};

/* One entry of the exact table whole, for sorting by count when it is given up. */
struct ex_full {
	uint64_t key;
	int64_t count;
	union cval v;
	const char *s;
	uint32_t slen;
	uint8_t vtype;
};

struct mg_entry { /* what a Misra-Gries slot shows; its key and count live apart, and the
		   * text of a string in mtext (numbers touch 16 bytes per slot) */
	union cval v;
	uint8_t vtype;
	uint8_t slen;
};

struct counter {
	int sketch; /* 0: exact table; 1: Misra-Gries (+ HLL) */
	int with_hll;
	int text; /* counts strings (keeps their text) */
	/* Integers within DENSE_RANGE of the first one are counted in place (dcnt, by value
	 * minus dlo), and dorder keeps them in the order first seen. The first value outside,
	 * another type, or the results replay them into the exact table (counter_undense). */
	int dense, dense_tried;
	int64_t dlo;
	uint32_t *dcnt;
	int64_t *dorder;
	size_t dn;
	int64_t limit;
	int k;
	/* exact */
	struct ex_slot *slot;
	struct ex_entry *tab;
	size_t cap, n;
	struct dn_arena arena;
	/* sketch */
	struct mg_entry *mg;
	char *mtext;    /* strings: TEXT_MAX bytes per slot */
	uint64_t *mkey; /* hot arrays of the slots: probes and decrements touch only these */
	int64_t *mcnt;
	int nmg;        /* slots in use or freed (count 0) */
	int32_t *freel; /* freed slots */
	int nfree;
	int32_t *idx; /* open addressing over mg, 4k slots, -1 empty */
	int64_t err;  /* counts are low by at most this */
	struct dn_hll *hll;
};

static void counter_init(struct counter *c, int64_t limit, int k, int with_hll, int text)
{
	memset(c, 0, sizeof *c);
	c->text = text;
	c->limit = limit;
	c->k = k;
	c->with_hll = with_hll;
	dn_arena_init(&c->arena, 1 << 16);
}

static void counter_release(struct counter *c)
{
	dn_free(c->slot);
	dn_free(c->tab);
	dn_arena_release(&c->arena);
	dn_free(c->mg);
	dn_free(c->mtext);
	dn_free(c->dcnt);
	dn_free(c->dorder);
	dn_free(c->mkey);
	dn_free(c->mcnt);
	dn_free(c->freel);
	dn_free(c->idx);
	dn_free(c->hll);
	memset(c, 0, sizeof *c);
}

static int ex_grow(struct counter *c, struct dn_error *err)
{
	size_t ncap = c->cap ? c->cap * 2 : 1024;
	/* Cleared by writing, not calloc: a large calloc maps zero pages that the first probe
	 * reads and the first insert then copies, one page fault and TLB flush on every core at
	 * a time. Entries are only read where a slot is taken, so they need no clearing. */
	struct ex_slot *ns = dn_malloc(ncap * sizeof *ns);
	struct ex_entry *nt = dn_malloc(ncap * sizeof *nt);
	if (ns)
		memset(ns, 0, ncap * sizeof *ns);
	if (!ns || !nt) {
		dn_free(ns);
		dn_free(nt);
		return dn_error_set(err, DN_ENOMEM, "out of memory (distinct values)");
	}
	for (size_t i = 0; i < c->cap; i++) {
		if (!c->slot[i].count)
			continue;
		size_t j = c->slot[i].key & (ncap - 1);
		while (ns[j].count)
			j = (j + 1) & (ncap - 1);
		ns[j] = c->slot[i];
		nt[j] = c->tab[i];
	}
	dn_free(c->slot);
	dn_free(c->tab);
	c->slot = ns;
	c->tab = nt;
	c->cap = ncap;
	return 0;
}

static int cmp_count_desc(const void *a, const void *b)
{
	int64_t x = ((const struct ex_full *)a)->count, y = ((const struct ex_full *)b)->count;
	return x > y ? -1 : x < y;
}

static void mg_index(struct counter *c)
{
	size_t icap = (size_t)c->k * 4;
	for (size_t i = 0; i < icap; i++)
		c->idx[i] = -1;
	for (int e = 0; e < c->nmg; e++) {
		if (!c->mcnt[e])
			continue;
		size_t j = c->mkey[e] & (icap - 1);
		while (c->idx[j] >= 0)
			j = (j + 1) & (icap - 1);
		c->idx[j] = e;
	}
}

static void mg_set(struct counter *c, int e, uint64_t key, int64_t count, int vtype, union cval v,
		   const char *s, size_t slen)
{
	struct mg_entry *m = &c->mg[e];
	c->mkey[e] = key;
	c->mcnt[e] = count;
	m->vtype = (uint8_t)vtype;
	m->v = v;
	slen = c->mtext ? dn_utf8_cut(s, slen, TEXT_MAX) : 0;
	m->slen = (uint8_t)slen;
	if (slen)
		memcpy(c->mtext + (size_t)e * TEXT_MAX, s, slen);
}

/* Leave the exact table: distinct hashes go to the HLL, the k most frequent to Misra-Gries. */
static int counter_to_sketch(struct counter *c, struct dn_error *err)
{
	c->mg = dn_calloc((size_t)c->k, sizeof *c->mg);
	c->mkey = dn_calloc((size_t)c->k, sizeof *c->mkey);
	c->mcnt = dn_calloc((size_t)c->k, sizeof *c->mcnt);
	c->freel = dn_malloc(sizeof *c->freel * (size_t)c->k);
	c->idx = dn_malloc(sizeof *c->idx * (size_t)c->k * 4);
	if (c->with_hll)
		c->hll = dn_malloc(sizeof *c->hll);
	if (c->text)
		c->mtext = dn_malloc((size_t)c->k * TEXT_MAX);
	if (!c->mg || !c->mkey || !c->mcnt || !c->freel || !c->idx || (c->with_hll && !c->hll) ||
	    (c->text && !c->mtext))
		return dn_error_set(err, DN_ENOMEM, "out of memory (frequent values)");
	if (c->hll)
		dn_hll_init(c->hll);
	struct ex_full *all = dn_malloc(sizeof *all * (c->n ? c->n : 1));
	if (!all)
		return dn_error_set(err, DN_ENOMEM, "out of memory (frequent values)");
	size_t m = 0;
	for (size_t i = 0; i < c->cap; i++)
		if (c->slot[i].count) {
			if (c->hll)
				dn_hll_add(c->hll, c->slot[i].key);
			struct ex_full *f = &all[m++];
			f->key = c->slot[i].key;
			f->count = c->slot[i].count;
			f->v = c->tab[i].v;
			f->s = c->tab[i].s;
			f->slen = c->tab[i].slen;
			f->vtype = c->tab[i].vtype;
		}
	qsort(all, m, sizeof *all, cmp_count_desc);
	c->nmg = m < (size_t)c->k ? (int)m : c->k;
	for (int e = 0; e < c->nmg; e++)
		mg_set(c, e, all[e].key, all[e].count, all[e].vtype, all[e].v, all[e].s,
		       all[e].slen);
	/* A value left out had at most the count of the first one left out. */
	c->err = m > (size_t)c->k ? all[c->k].count : 0;
	mg_index(c);
	dn_free(all);
	dn_free(c->slot);
	dn_free(c->tab);
	c->slot = NULL;
	c->tab = NULL;
	c->cap = c->n = 0;
	dn_arena_release(&c->arena);
	c->sketch = 1;
	return 0;
}

/* Exact mode: when key is in the table, count it once more and return its entry; NULL when it
 * is not there (or the counter is a sketch), and nothing is counted. */
static inline struct ex_entry *counter_hit(struct counter *c, uint64_t key)
{
	if (c->sketch || !c->cap)
		return NULL;
	size_t j = key & (c->cap - 1);
	while (c->slot[j].count) {
		if (c->slot[j].key == key) {
			c->slot[j].count++;
			return &c->tab[j];
		}
		j = (j + 1) & (c->cap - 1);
	}
	return NULL;
}

/* Count one key. A new value of an exact table sets *ins (may be NULL) to its entry. */
static int counter_add(struct counter *c, uint64_t key, int vtype, union cval v, const char *s,
		       size_t slen, struct ex_entry **ins, struct dn_error *err)
{
	if (!c->sketch) {
		if (c->n * 2 >= c->cap)
			DN_TRY(ex_grow(c, err));
		size_t j = key & (c->cap - 1);
		while (c->slot[j].count) {
			if (c->slot[j].key == key) {
				c->slot[j].count++;
				return 0;
			}
			j = (j + 1) & (c->cap - 1);
		}
		if ((int64_t)c->n < c->limit) {
			struct ex_entry *e = &c->tab[j];
			c->slot[j].key = key;
			c->slot[j].count = 1;
			e->v = v;
			e->vtype = (uint8_t)vtype;
			e->slen = 0;
			e->s = NULL;
			if (slen) {
				size_t keep = dn_utf8_cut(s, slen, TEXT_MAX);
				e->s = dn_arena_strndup(&c->arena, s, keep);
				if (!e->s)
					return dn_error_set(err, DN_ENOMEM, "out of memory");
				e->slen = (uint32_t)keep;
			}
			c->n++;
			if (ins)
				*ins = e;
			return 0;
		}
		DN_TRY(counter_to_sketch(c, err));
	}
	if (c->hll)
		dn_hll_add(c->hll, key);
	size_t icap = (size_t)c->k * 4;
	size_t j = key & (icap - 1);
	while (c->idx[j] >= 0) {
		if (c->mkey[c->idx[j]] == key) {
			c->mcnt[c->idx[j]]++;
			return 0;
		}
		j = (j + 1) & (icap - 1);
	}
	if (c->nfree || c->nmg < c->k) {
		int e = c->nfree ? c->freel[--c->nfree] : c->nmg++;
		mg_set(c, e, key, 1, vtype, v, s, slen);
		c->idx[j] = e;
		return 0;
	}
	/* Full: the new value and every counter lose one; empty counters free their slots (the
	 * others stay where they are: no copying). When every one empties, as on a column of
	 * distinct values, the table simply starts over. */
	int freed = 0;
	for (int e = 0; e < c->nmg; e++)
		freed += --c->mcnt[e] == 0;
	c->err++;
	if (freed == c->nmg) {
		c->nmg = 0;
		memset(c->idx, 0xff, sizeof *c->idx * (size_t)c->k * 4); /* all -1 */
		return 0;
	}
	for (int e = 0; e < c->nmg; e++)
		if (!c->mcnt[e])
			c->freel[c->nfree++] = e;
	mg_index(c);
	return 0;
}

/* ---- columns ---- */

struct pcol {
	char *name;
	enum dn_type type;
	int64_t widened_at;
	int64_t count, missing;
	/* A measure column within the exact bound is not counted while it is read: its stored
	 * doubles hold every value exactly, and its distinct values and most frequent ones come
	 * from the sorted values at the end. Leaving the bound, widening, or an integer a double
	 * cannot hold replays the stored values into the counter (undefer). */
	int deferred;
	/* moments over non-null values (numeric-like types) */
	double mn, mean, m2, m3, min, max;
	int64_t imin, imax; /* int64 and timestamp columns: min and max exactly (past 2^53 too) */
	int64_t zeros, negs;
	double *vals; /* row-aligned while the profile is exact; NaN = null */
	struct dn_qsketch qs;
	struct counter values, patterns;
	int64_t vcount;       /* strings since the column became one */
	struct shape {        /* add_shapes' cache: a value's hash, length and pattern hash */
		uint64_t key; /* 0: empty */
		int64_t plen;
		uint64_t pkey;
	} * shapes;
	int64_t len_min, len_max;
	double len_sum;
	int corr; /* index among the correlation columns, or -1 */
	/* At the end, within the exact bound: the non-null values sorted, and their rows. */
	double *sorted;
	uint32_t *order;
	size_t nsorted;
};

struct comom {
	double n, mx, my, cxy, m2x, m2y;
};

/* What a fold task does (fold_batch, leave_exact). */
enum fold_kind {
	FOLD_COLUMN,
	FOLD_PAIR,
	FOLD_ASSOC,
	FOLD_CLASSES,
	FOLD_ROWHASH,
	FOLD_SKETCH,
	FOLD_UNDEFER,
	FOLD_SHAPES
};

struct dn_profile {
	struct dn_profile_options opt;
	int ncols;
	struct pcol *cols;
	int64_t rows;
	int exact;         /* values and row hashes still stored */
	int64_t srows;     /* rows in the stored values: all rows while exact, then the sample */
	int sampling;      /* past the bound: a sample is kept (it fills to opt.sample_rows) */
	uint64_t rng;      /* reservoir sampling */
	size_t vcap;       /* rows of room in each vals */
	uint64_t *rowhash; /* one hash per row while exact; sorted at the end to count repeats */
	int64_t dups;
	int ncorr;
	int corr_cols[MAX_CORR];
	struct comom *pairs; /* ncorr * ncorr, upper triangle used */
	double *scratch;     /* batch doubles for columns not stored, one per column */
	size_t scratch_rows;
	uint64_t *rh;   /* batch row hashes */
	uint64_t *rk;   /* per column: each row's value hash, combined into rh (while exact) */
	uint64_t *draw; /* sample_rows: the batch's rows drawn into the sample, with their slots */
	/* Folding a batch on two threads (see fold_batch). */
	struct dn_pool *pool;
	const struct dn_column **in; /* per column: the batch's column, or its cast */
	struct dn_column *casts;
	struct fold_task {
		int kind; /* enum fold_kind */
		int a, b; /* column; or the pair's correlation indexes */
		int rc;
		int64_t us; /* how long the column took in the last batch */
	} * tasks;
	int ntasks;
	struct dn_error *terr; /* per column, one for the associations, per column's counter */
	atomic_int next;
	int64_t fold_rows;
	const struct dn_batch *fold_b;
	double *bx[MAX_CORR]; /* the batch's doubles per correlation column */
	struct dn_profile_result res;
	int finished;
	/* A string or bool target: per class, row count and per correlation column n and sum. */
	int tcol;
	int ncls;
	struct tclass {
		uint64_t key;
		char text[TEXT_MAX + 1];
		int64_t count;
		double n[MAX_CORR], sum[MAX_CORR];
	} * cls;
	int64_t other_rows;
	/* Associations (assoc.c): batch string hashes and target classes, and each stored row's
	 * target class (row-aligned with vals: all rows while exact, then the sample). */
	struct dn_assoc *assoc;
	uint64_t *keys;
	double **xs;   /* per column: the batch's doubles, or NULL */
	uint64_t **ks; /* per column: the batch's string hashes, or NULL */
	uint8_t *tc;
	uint8_t *tcodes;
};

static int is_measure(enum dn_type t)
{
	return t == DN_INT64 || t == DN_FLOAT64 || t == DN_DATE || t == DN_TIMESTAMP ||
	       t == DN_BOOL;
}

static int is_corr_type(enum dn_type t)
{
	return t == DN_INT64 || t == DN_FLOAT64 || t == DN_BOOL;
}

void dn_profile_options_init(struct dn_profile_options *o)
{
	memset(o, 0, sizeof *o);
	o->exact_distinct = 65536;
	o->exact_rows = 2000000;
	o->hist_bins = 20;
	o->top = 10;
}

int dn_profile_new(struct dn_profile **out, const struct dn_profile_options *opt,
		   struct dn_error *err)
{
	struct dn_profile *p = dn_calloc(1, sizeof *p);
	if (!p)
		return dn_error_set(err, DN_ENOMEM, "out of memory");
	if (opt)
		p->opt = *opt;
	else
		dn_profile_options_init(&p->opt);
	if (p->opt.exact_distinct < 1)
		p->opt.exact_distinct = 65536;
	if (p->opt.exact_rows < 0)
		p->opt.exact_rows = 0;
	if (p->opt.exact_rows > DN_PROFILE_EXACT_MAX) /* rows are uint32 in sorts and ranks */
		p->opt.exact_rows = DN_PROFILE_EXACT_MAX;
	if (p->opt.sample_rows < 1 || p->opt.sample_rows > DN_PROFILE_EXACT_MAX)
		p->opt.sample_rows = DN_PROFILE_SAMPLE;
	if (p->opt.hist_bins < 1)
		p->opt.hist_bins = 20;
	if (p->opt.top < 1)
		p->opt.top = 10;
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, pattern_init);
	p->exact = 1;
	p->ncols = -1;
	p->rng = UINT64_C(0x9E3779B97F4A7C15);
	p->res.target = -1;
	*out = p;
	return 0;
}

static void result_release(struct dn_profile_result *r)
{
	for (int c = 0; c < r->ncolumns; c++) {
		struct dn_profile_column *o = &r->columns[c];
		dn_free(o->edges);
		dn_free(o->hist);
		for (int i = 0; i < o->ntop; i++)
			dn_free(o->top[i].text);
		dn_free(o->top);
		for (int i = 0; i < o->npatterns; i++)
			dn_free(o->patterns[i].text);
		dn_free(o->patterns);
	}
	for (int k = 0; k < r->nclasses; k++) {
		dn_free(r->classes[k].value);
		dn_free(r->classes[k].means);
	}
	dn_free(r->classes);
	dn_free(r->columns);
	dn_free(r->corr_columns);
	dn_free(r->pearson);
	dn_free(r->spearman);
	dn_free(r->assoc);
	dn_free(r->cat_columns);
	dn_free(r->cramer);
	for (int i = 0; i < r->nalerts; i++)
		dn_free(r->alerts[i].message);
	dn_free(r->alerts);
}

static void pcol_reset_values(struct pcol *c)
{
	dn_free(c->vals);
	c->vals = NULL;
	dn_free(c->sorted);
	dn_free(c->order);
	c->sorted = NULL;
	c->order = NULL;
	dn_qsketch_release(&c->qs);
	counter_release(&c->values);
	counter_release(&c->patterns);
	dn_free(c->shapes);
	c->shapes = NULL;
}

void dn_profile_free(struct dn_profile *p)
{
	if (!p)
		return;
	for (int c = 0; c < p->ncols; c++) {
		pcol_reset_values(&p->cols[c]);
		dn_free(p->cols[c].name);
	}
	dn_free(p->cols);
	dn_free(p->rowhash);
	dn_free(p->cls);
	dn_assoc_free(p->assoc);
	dn_free(p->keys);
	dn_free(p->xs);
	dn_free(p->ks);
	dn_free(p->tc);
	dn_free(p->tcodes);
	dn_free(p->pairs);
	dn_free(p->scratch);
	dn_free(p->rh);
	dn_free(p->rk);
	dn_free(p->draw);
	dn_pool_free(p->pool);
	dn_free(p->in);
	dn_free(p->casts);
	dn_free(p->tasks);
	dn_free(p->terr);
	result_release(&p->res);
	dn_free(p);
}

static void pcol_start(struct dn_profile *p, struct pcol *c, enum dn_type t)
{
	c->type = t;
	c->mn = c->mean = c->m2 = c->m3 = 0;
	c->min = INFINITY;
	c->max = -INFINITY;
	c->imin = INT64_MAX;
	c->imax = INT64_MIN;
	c->zeros = c->negs = 0;
	c->len_min = INT64_MAX;
	c->len_max = 0;
	c->len_sum = 0;
	c->vcount = 0;
	dn_qsketch_init(&c->qs);
	c->deferred = p->exact && is_measure(t);
	counter_init(&c->values, p->opt.exact_distinct, MG_VALUES, 1, t == DN_STRING);
	counter_init(&c->patterns, PATTERNS_EXACT, MG_PATTERNS, 0, 1);
}

static int profile_setup(struct dn_profile *p, const struct dn_batch *b, struct dn_error *err)
{
	int n = b->schema.nfields;
	p->cols = dn_calloc((size_t)(n ? n : 1), sizeof *p->cols);
	p->pairs = dn_calloc(MAX_CORR * MAX_CORR, sizeof *p->pairs);
	if (!p->cols || !p->pairs)
		return dn_error_set(err, DN_ENOMEM, "out of memory");
	p->ncols = n;
	p->tcol = p->opt.target ? dn_schema_find(&b->schema, p->opt.target) : -1;
	if (p->tcol >= 0 && (b->schema.fields[p->tcol].type == DN_STRING ||
			     b->schema.fields[p->tcol].type == DN_BOOL)) {
		p->cls = dn_calloc(DN_PROFILE_CLASSES, sizeof *p->cls);
		if (!p->cls)
			return dn_error_set(err, DN_ENOMEM, "out of memory");
	}
	p->xs = dn_calloc((size_t)(n ? n : 1), sizeof *p->xs);
	p->ks = dn_calloc((size_t)(n ? n : 1), sizeof *p->ks);
	p->in = dn_calloc((size_t)(n ? n : 1), sizeof *p->in);
	p->casts = dn_calloc((size_t)(n ? n : 1), sizeof *p->casts);
	/* The column tasks, then either a batch's tasks across columns or leave_exact's two per
	 * column. */
	p->tasks = dn_calloc(3 * (size_t)n + MAX_CORR * MAX_CORR / 2 + 4, sizeof *p->tasks);
	p->terr = dn_calloc(2 * (size_t)n + 1, sizeof *p->terr);
	if (!p->xs || !p->ks || !p->in || !p->casts || !p->tasks || !p->terr)
		return dn_error_set(err, DN_ENOMEM, "out of memory");
	DN_TRY(dn_assoc_new(&p->assoc, &b->schema, p->tcol, err));
	for (int i = 0; i < n; i++) {
		struct pcol *c = &p->cols[i];
		c->name = dn_strdup(b->schema.fields[i].name);
		if (!c->name)
			return dn_error_set(err, DN_ENOMEM, "out of memory");
		c->widened_at = -1;
		c->corr = -1;
		pcol_start(p, c, b->schema.fields[i].type);
		if (is_corr_type(c->type) && p->ncorr < MAX_CORR) {
			c->corr = p->ncorr;
			p->corr_cols[p->ncorr++] = i;
		}
	}
	return 0;
}

/* Where a task writes its error: per column for the column's own state (its fold, its
 * sketch), one slot for the associations, and per column again for what runs beside the
 * column's own task (its shapes, its counter's replay). */
static struct dn_error *task_err(struct dn_profile *p, const struct fold_task *t)
{
	switch (t->kind) {
	case FOLD_COLUMN:
	case FOLD_SKETCH:
		return &p->terr[t->a];
	case FOLD_SHAPES:
	case FOLD_UNDEFER:
		return &p->terr[p->ncols + 1 + t->a];
	default:
		return &p->terr[p->ncols];
	}
}

/* The first failed task's code (its error into *err), or 0. */
static int tasks_rc(struct dn_profile *p, const struct fold_task *t, int n, struct dn_error *err)
{
	for (int k = 0; k < n; k++)
		if (t[k].rc < 0) {
			if (err)
				*err = *task_err(p, &t[k]);
			return t[k].rc;
		}
	return 0;
}

static uint64_t next_rand(struct dn_profile *p)
{
	p->rng = p->rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return p->rng ^ (p->rng >> 29);
}

/* A uniform integer in [0, n). */
static int64_t rand_below(struct dn_profile *p, int64_t n)
{
	return (int64_t)((double)(next_rand(p) >> 11) * 0x1p-53 * (double)n);
}

/* The stored values and row hashes would pass the bound: sketch from here on. The numeric
 * columns that correlate keep a uniform sample of rows (reservoir sampling, Algorithm R) for
 * Spearman, of at most opt.sample_rows rows: the rows stored so far start it. */
static void fold_tasks(struct dn_profile *p, int shared);

static int leave_exact(struct dn_profile *p, struct dn_error *err)
{
	int64_t keep = p->rows < p->opt.sample_rows ? p->rows : p->opt.sample_rows;
	/* Spearman and the target's rank tests need a sample; --exact-rows 0 asks for none. */
	p->sampling = (p->ncorr >= 2 || p->tcol >= 0) && p->opt.exact_rows > 0;
	if (!p->sampling)
		keep = 0;
	/* Each column's stored values go into its sketch, and into its counter if it deferred
	 * counting: one task per column, on two threads
	 * (fold_batch's). The column tasks at the front of p->tasks stay for the next batch. */
	int ncol = p->ntasks, n = 0;
	struct fold_task *cols = p->tasks, *st = p->tasks + ncol;
	for (int i = 0; i < p->ncols; i++) {
		if (p->cols[i].deferred)
			st[n++] = (struct fold_task){FOLD_UNDEFER, i, 0, 0, 0};
		if (p->cols[i].vals && p->cols[i].type != DN_BOOL)
			st[n++] = (struct fold_task){FOLD_SKETCH, i, 0, 0, 0};
	}
	if (p->ncols > 1 && dn_cpu_count() > 1 && !p->pool && dn_pool_new(&p->pool, 1, NULL) < 0)
		p->pool = NULL;
	p->tasks = st;
	p->ntasks = n;
	fold_tasks(p, p->pool != NULL);
	p->tasks = cols;
	p->ntasks = ncol;
	DN_TRY(tasks_rc(p, st, n, err));
	/* More rows stored than the sample holds: draw the sample from them. */
	for (int64_t t = keep; t < p->rows && keep > 0; t++) {
		int64_t j = rand_below(p, t + 1);
		if (j >= keep)
			continue;
		for (int a = 0; a < p->ncorr; a++) {
			struct pcol *c = &p->cols[p->corr_cols[a]];
			if (c->vals)
				c->vals[j] = c->vals[t];
		}
		if (p->tcodes)
			p->tcodes[j] = p->tcodes[t];
	}
	/* The sample's columns keep room for all of it: rows join it until it is full. */
	for (int i = 0; i < p->ncols; i++) {
		struct pcol *c = &p->cols[i];
		if (p->sampling && c->corr >= 0 && is_corr_type(c->type)) {
			double *nv = dn_realloc(c->vals, sizeof *nv * (size_t)p->opt.sample_rows);
			if (!nv)
				return dn_error_set(err, DN_ENOMEM, "out of memory (sample)");
			c->vals = nv;
		} else {
			dn_free(c->vals);
			c->vals = NULL;
		}
	}
	if (p->tcol >= 0 && p->sampling) {
		uint8_t *nt = dn_realloc(p->tcodes, (size_t)p->opt.sample_rows);
		if (!nt)
			return dn_error_set(err, DN_ENOMEM, "out of memory (sample)");
		p->tcodes = nt;
	}
	dn_free(p->rowhash);
	p->rowhash = NULL;
	p->exact = 0;
	p->srows = keep;
	return 0;
}

/* Past the bound: row t (0-based in the whole input) joins the sample while it has room, then
 * replaces a random sample row with probability srows / (t + 1) (Algorithm R), which keeps the
 * sample uniform over every row read. */
static void sample_rows(struct dn_profile *p, double *const *bx, int64_t nrows)
{
	if (!p->sampling)
		return;
	/* The draws first (the same sequence of random numbers), then the writes, each one's
	 * lines fetched a few rows ahead: the sample's rows lie scattered over megabytes, and a
	 * write waiting for its line was most of this function's time. */
	uint64_t *draw = p->draw;
	int64_t m = 0;
	for (int64_t r = 0; r < nrows; r++) {
		int64_t j = p->srows < p->opt.sample_rows ? p->srows++ :
							    rand_below(p, p->rows + r + 1);
		if (j < p->srows)
			draw[m++] = (uint64_t)r << 32 | (uint64_t)j;
	}
	double *dst[MAX_CORR];
	int nd = 0;
	for (int a = 0; a < p->ncorr; a++)
		dst[a] = p->cols[p->corr_cols[a]].vals, nd += dst[a] != NULL;
	for (int64_t k = 0; k < m; k++) {
		if (k + 8 < m) {
			size_t ahead = (size_t)(draw[k + 8] & 0xffffffffu);
			for (int a = 0; nd && a < p->ncorr; a++)
				if (dst[a])
					__builtin_prefetch(&dst[a][ahead], 1);
		}
		size_t j = (size_t)(draw[k] & 0xffffffffu), r = (size_t)(draw[k] >> 32);
		for (int a = 0; a < p->ncorr; a++)
			if (dst[a])
				dst[a][j] = bx[a][r];
		if (p->tcodes)
			p->tcodes[j] = p->tc[r];
	}
}

#define NULL_KEY UINT64_C(0x6e756c6c6e756c6c)

/* Value hashes: numbers hash by value whatever their column type, so int64 widening to
 * float64 keeps counting the same values (an integral double hashes as its int64). */
static inline uint64_t key_i64(int64_t v)
{
	return dn_hash_u64((uint64_t)v ^ UINT64_C(0x243f6a8885a308d3));
}

static inline uint64_t key_f64(double d)
{
	if (d >= -9.2e18 && d <= 9.2e18 && d == (double)(int64_t)d)
		return key_i64((int64_t)d);
	return dn_hash_u64(dn_q_key(d) ^ UINT64_C(0x13198a2e03707344));
}

/* The slot of key in the exact table (it is there). */
static size_t ex_find(const struct counter *c, uint64_t key)
{
	size_t j = key & (c->cap - 1);
	while (c->slot[j].key != key || !c->slot[j].count)
		j = (j + 1) & (c->cap - 1);
	return j;
}

/* counter_add of one key `times` times: in the exact table one insert and a count, in a
 * sketch one update each. */
static int counter_add_times(struct counter *c, uint64_t key, int vtype, union cval v,
			     int64_t times, struct dn_error *err)
{
	if (times <= 0)
		return 0;
	DN_TRY(counter_add(c, key, vtype, v, NULL, 0, NULL, err));
	if (!c->sketch) {
		c->slot[ex_find(c, key)].count += times - 1;
		return 0;
	}
	for (int64_t k = 1; k < times; k++)
		DN_TRY(counter_add(c, key, vtype, v, NULL, 0, NULL, err));
	return 0;
}

/* Leave counting in place: the integers go into the exact table in the order they were first
 * seen, which gives the table (slots, growth) that counting them one by one would have given,
 * then take their counts. */
static int counter_undense(struct counter *c, struct dn_error *err)
{
	int rc = 0;
	c->dense = 0;
	for (size_t k = 0; k < c->dn && rc == 0; k++) {
		union cval v = {.i = c->dorder[k]};
		rc = counter_add(c, key_i64(v.i), DN_INT64, v, NULL, 0, NULL, err);
	}
	for (size_t k = 0; k < c->dn && rc == 0; k++) {
		int64_t x = c->dorder[k];
		c->slot[ex_find(c, key_i64(x))].count = c->dcnt[(uint64_t)x - (uint64_t)c->dlo];
	}
	dn_free(c->dcnt);
	dn_free(c->dorder);
	c->dcnt = NULL;
	c->dorder = NULL;
	c->dn = 0;
	return rc;
}

/* Count integer x in place if the counter does (1), or say it must go to the table (0). */
static inline int counter_dense_add(struct counter *c, int64_t x)
{
	uint64_t off = (uint64_t)x - (uint64_t)c->dlo;
	if (off >= DENSE_RANGE || c->dcnt[off] == UINT32_MAX)
		return 0;
	if (!c->dcnt[off]++)
		c->dorder[c->dn++] = x;
	return 1;
}

/* Start counting in place at an int64 column's first value, when its exact table is empty
 * and may hold at least DENSE_RANGE values (so it cannot fill up meanwhile). */
static void counter_try_dense(struct counter *c, int64_t first)
{
	c->dense_tried = 1;
	if (c->sketch || c->n || c->limit < DENSE_RANGE)
		return;
	c->dcnt = dn_calloc(DENSE_RANGE, sizeof *c->dcnt);
	c->dorder = dn_malloc(DENSE_RANGE * sizeof *c->dorder);
	if (!c->dcnt || !c->dorder) { /* count in the table instead */
		dn_free(c->dcnt);
		dn_free(c->dorder);
		c->dcnt = NULL;
		c->dorder = NULL;
		return;
	}
	c->dlo = first > INT64_MIN + DENSE_RANGE / 2 ? first - DENSE_RANGE / 2 : INT64_MIN;
	c->dense = 1;
}

/* A measure value's hash. */
static inline uint64_t measure_key(enum dn_type t, union cval v)
{
	switch (t) {
	case DN_INT64:
		return key_i64(v.i);
	case DN_FLOAT64:
		return key_f64(v.f);
	case DN_DATE:
		return dn_hash_u64((uint64_t)v.i ^ UINT64_C(0xd47e));
	case DN_TIMESTAMP:
		return dn_hash_u64((uint64_t)v.i ^ UINT64_C(0x7157));
	default: /* bool */
		return v.i ? UINT64_C(0x7275651234567) : UINT64_C(0xfa15e1234567);
	}
}

/* Count one non-null measure value: integers in place while they stay close, else by key
 * (0 for an integer: computed here when needed). */
static inline int count_measure(struct counter *c, enum dn_type t, union cval v, uint64_t key,
				struct dn_error *err)
{
	if (t == DN_INT64 && !c->dense_tried)
		counter_try_dense(c, v.i);
	if (c->dense) {
		if (t == DN_INT64 && counter_dense_add(c, v.i))
			return 0;
		DN_TRY(counter_undense(c, err));
	}
	if (t == DN_INT64 && !key)
		key = key_i64(v.i);
	return counter_add(c, key, t, v, NULL, 0, NULL, err);
}

/* A stored double back into the value it was read as (exact: see pcol.deferred). */
static inline union cval measure_of(enum dn_type t, double d)
{
	union cval v;
	if (t == DN_FLOAT64)
		v.f = d;
	else
		v.i = (int64_t)d;
	return v;
}

/* Count what a deferred column has stored, rows 0..rows-1 in order: the counter ends as it
 * would have, had it counted each value as it was read. */
static int undefer(struct pcol *c, int64_t rows, struct dn_error *err)
{
	c->deferred = 0;
	if (!c->vals) /* left the bound before storing a row */
		return 0;
	for (int64_t r = 0; r < rows; r++) {
		double d = c->vals[r];
		if (isnan(d))
			continue;
		union cval v = measure_of(c->type, d);
		DN_TRY(count_measure(&c->values, c->type, v, measure_key(c->type, v), err));
	}
	return 0;
}

/* Whether a double holds each of an integer column's values exactly (|v| <= 2^53). */
static int fits_double(const struct dn_column *col, int64_t nrows)
{
	const int64_t *v = col->values;
	for (int64_t i = 0; i < nrows; i++)
		if ((uint64_t)v[i] + (UINT64_C(1) << 53) > (UINT64_C(1) << 54) &&
		    !dn_column_is_null(col, i))
			return 0;
	return 1;
}

/* The class of each byte in a pattern: 'A' upper-case letter, 'a' lower-case letter or any
 * non-ASCII byte, '9' digit, ' ' tab or line break; 0 for a byte that stands for itself. */
static unsigned char pattern_class[256];

static void pattern_init(void)
{
	for (int ch = 0; ch < 256; ch++)
		pattern_class[ch] = ch >= 'A' && ch <= 'Z'                 ? 'A' :
				    (ch >= 'a' && ch <= 'z') || ch >= 0x80 ? 'a' :
				    ch >= '0' && ch <= '9'                 ? '9' :
				    ch == '\t' || ch == '\n' || ch == '\r' ? ' ' :
									     0;
}

/* Pattern of a string: runs of upper-case letters -> A, lower-case (and non-ASCII) -> a,
 * digits -> 9, spaces -> ' ', other bytes kept; at most PATTERN_MAX characters. With SSE2,
 * sixteen bytes are classified at once and only the bytes that start a run (or stand for
 * themselves) are picked out; the scalar loop does the rest, with the same rule. */
static size_t pattern_of(const char *s, size_t n, char *out)
{
	size_t m = 0, i = 0;
	char last = 0; /* the class of the byte before i */
#if defined(__SSE2__)
	const __m128i zero = _mm_setzero_si128();
	for (; i + 16 <= n && m < PATTERN_MAX; i += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		/* signed compares: bytes >= 0x80 are negative, in no ASCII range */
		__m128i up = _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8('A' - 1)),
					   _mm_cmplt_epi8(x, _mm_set1_epi8('Z' + 1)));
		__m128i lo = _mm_or_si128(_mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8('a' - 1)),
							_mm_cmplt_epi8(x, _mm_set1_epi8('z' + 1))),
					  _mm_cmplt_epi8(x, zero));
		__m128i dg = _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8('0' - 1)),
					   _mm_cmplt_epi8(x, _mm_set1_epi8('9' + 1)));
		__m128i sp = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('\t')),
						       _mm_cmpeq_epi8(x, _mm_set1_epi8('\n'))),
					  _mm_cmpeq_epi8(x, _mm_set1_epi8('\r')));
		__m128i k = _mm_or_si128(_mm_or_si128(_mm_and_si128(up, _mm_set1_epi8('A')),
						      _mm_and_si128(lo, _mm_set1_epi8('a'))),
					 _mm_or_si128(_mm_and_si128(dg, _mm_set1_epi8('9')),
						      _mm_and_si128(sp, _mm_set1_epi8(' '))));
		__m128i prev = _mm_or_si128(_mm_slli_si128(k, 1),
					    _mm_cvtsi32_si128((int)(unsigned char)last));
		__m128i isk = _mm_cmpeq_epi8(k, zero);
		unsigned skip =
			(unsigned)_mm_movemask_epi8(_mm_andnot_si128(isk, _mm_cmpeq_epi8(k, prev)));
		char ob[16], kb[16];
		_mm_storeu_si128((__m128i *)(void *)ob, _mm_or_si128(k, _mm_and_si128(isk, x)));
		_mm_storeu_si128((__m128i *)(void *)kb, k);
		for (unsigned keep = ~skip & 0xffffu; keep && m < PATTERN_MAX; keep &= keep - 1)
			out[m++] = ob[__builtin_ctz(keep)];
		last = kb[15];
	}
#endif
	for (; i < n && m < PATTERN_MAX; i++) {
		unsigned char ch = (unsigned char)s[i];
		char k = (char)pattern_class[ch];
		if (k && k == last)
			continue; /* the run goes on */
		out[m++] = k ? k : (char)ch;
		last = k;
	}
	return m;
}

/* Unicode code points in UTF-8 text: ASCII eight bytes at a time, then continuation bytes
 * left out. */
static int64_t code_points(const char *s, size_t n)
{
	size_t i = 0;
	int64_t len = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		if (w & UINT64_C(0x8080808080808080))
			break;
		len += 8;
	}
	for (; i < n; i++)
		len += ((unsigned char)s[i] & 0xC0) != 0x80;
	return len;
}

/* A string column's values: hashes (keys, and rk for row hashes) and the value counter. Their
 * shapes are folded apart (add_shapes), as another task. */
static int add_strings(struct pcol *c, const struct dn_column *col, int64_t nrows, uint64_t *keys,
		       uint64_t *rk, struct dn_error *err)
{
	union cval none = {0};
	for (int64_t i = 0; i < nrows; i++) {
		if (dn_column_is_null(col, i)) {
			c->missing++;
			if (rk)
				rk[i] = NULL_KEY;
			keys[i] = 0;
			continue;
		}
		struct dn_str s = dn_column_str(col, i);
		uint64_t key = dn_hash_text(s.ptr, s.len, 0x5eed);
		keys[i] = key ? key : 1;
		if (rk)
			rk[i] = key;
		c->count++;
		c->vcount++;
		if (!counter_hit(&c->values, key))
			DN_TRY(counter_add(&c->values, key, DN_STRING, none, s.ptr, s.len, NULL,
					   err));
	}
	return 0;
}

/* A string's shape: its length in code points and the hash of its pattern. The values seen
 * last keep theirs in a small cache by value hash (keys, from add_strings), so a value seen
 * again (the common case in a column of few values) costs one probe instead of a scan of its
 * bytes. Runs after add_strings on the same batch, while other columns fold. */
static int add_shapes(struct pcol *c, const struct dn_column *col, int64_t nrows,
		      const uint64_t *keys, struct dn_error *err)
{
	char pat[PATTERN_MAX];
	union cval none = {0};
	if (!c->shapes && !(c->shapes = dn_calloc(SHAPE_CACHE, sizeof *c->shapes)))
		return dn_error_set(err, DN_ENOMEM, "out of memory");
	for (int64_t i = 0; i < nrows; i++) {
		if (!keys[i])
			continue; /* null */
		struct shape *sh = &c->shapes[keys[i] & (SHAPE_CACHE - 1)];
		struct dn_str s = dn_column_str(col, i);
		size_t pn = 0;
		int have_pat = 0;
		if (sh->key != keys[i]) {
			sh->key = keys[i];
			sh->plen = code_points(s.ptr, s.len);
			pn = pattern_of(s.ptr, s.len, pat);
			sh->pkey = dn_hash_text(pat, pn, 0x9a7);
			have_pat = 1;
		}
		int64_t len = sh->plen;
		c->len_sum += (double)len;
		if (len < c->len_min)
			c->len_min = len;
		if (len > c->len_max)
			c->len_max = len;
		if (counter_hit(&c->patterns, sh->pkey))
			continue;
		if (!have_pat)
			pn = pattern_of(s.ptr, s.len, pat);
		DN_TRY(counter_add(&c->patterns, sh->pkey, DN_STRING, none, pat, pn, NULL, err));
	}
	return 0;
}

/* A batch's doubles (NaN = null): count, sum, zeros, negatives, extremes. */
struct bstat {
	int64_t n, zeros, negs;
	double sum, min, max;
};

#if defined(__SSE2__)
static inline double hsum(__m128d v)
{
	return _mm_cvtsd_f64(v) + _mm_cvtsd_f64(_mm_unpackhi_pd(v, v));
}
#endif

/* Two values at a time: NaN lanes are masked to 0 (sums) or skipped (extremes: minpd and maxpd
 * return their second operand when the first is NaN). */
static void batch_stats(const double *x, int64_t nrows, struct bstat *st)
{
	double n = 0, zeros = 0, negs = 0, sum = 0, mn = INFINITY, mx = -INFINITY;
	int64_t i = 0;
#if defined(__SSE2__)
	const __m128d one = _mm_set1_pd(1), zero = _mm_setzero_pd();
	__m128d vn = zero, vz = zero, vneg = zero, vs = zero, vmn = _mm_set1_pd(INFINITY),
		vmx = _mm_set1_pd(-INFINITY);
	for (; i + 2 <= nrows; i += 2) {
		__m128d a = _mm_loadu_pd(x + i), ok = _mm_cmpord_pd(a, a);
		vn = _mm_add_pd(vn, _mm_and_pd(ok, one));
		vs = _mm_add_pd(vs, _mm_and_pd(ok, a));
		vz = _mm_add_pd(vz, _mm_and_pd(_mm_cmpeq_pd(a, zero), one));
		vneg = _mm_add_pd(vneg, _mm_and_pd(_mm_cmplt_pd(a, zero), one));
		vmn = _mm_min_pd(a, vmn);
		vmx = _mm_max_pd(a, vmx);
	}
	n = hsum(vn);
	sum = hsum(vs);
	zeros = hsum(vz);
	negs = hsum(vneg);
	mn = fmin(_mm_cvtsd_f64(vmn), _mm_cvtsd_f64(_mm_unpackhi_pd(vmn, vmn)));
	mx = fmax(_mm_cvtsd_f64(vmx), _mm_cvtsd_f64(_mm_unpackhi_pd(vmx, vmx)));
#endif
	for (; i < nrows; i++) {
		double d = x[i];
		if (isnan(d))
			continue;
		n++;
		sum += d;
		zeros += d == 0;
		negs += d < 0;
		if (d < mn)
			mn = d;
		if (d > mx)
			mx = d;
	}
	st->n = (int64_t)n;
	st->zeros = (int64_t)zeros;
	st->negs = (int64_t)negs;
	st->sum = sum;
	st->min = mn;
	st->max = mx;
}

/* Sums of squared and cubed deviations from mean over the non-NaN values. */
static void batch_moments(const double *x, int64_t nrows, double mean, double *m2, double *m3)
{
	double b2 = 0, b3 = 0;
	int64_t i = 0;
#if defined(__SSE2__)
	const __m128d vm = _mm_set1_pd(mean);
	__m128d v2 = _mm_setzero_pd(), v3 = _mm_setzero_pd();
	for (; i + 2 <= nrows; i += 2) {
		__m128d a = _mm_loadu_pd(x + i);
		__m128d dv = _mm_and_pd(_mm_cmpord_pd(a, a), _mm_sub_pd(a, vm));
		__m128d d2 = _mm_mul_pd(dv, dv);
		v2 = _mm_add_pd(v2, d2);
		v3 = _mm_add_pd(v3, _mm_mul_pd(d2, dv));
	}
	b2 = hsum(v2);
	b3 = hsum(v3);
#endif
	for (; i < nrows; i++) {
		if (isnan(x[i]))
			continue;
		double dv = x[i] - mean, d2 = dv * dv;
		b2 += d2;
		b3 += d2 * dv;
	}
	*m2 = b2;
	*m3 = b3;
}

/* Numeric-like column into doubles x (NaN = null), then moments, counter, row hashes. */
static int add_measures(struct pcol *c, const struct dn_column *col, int64_t nrows, double *x,
			int sketch, uint64_t *rk, struct dn_error *err)
{
	const int counting = !c->deferred, bools = col->type == DN_BOOL;
	int64_t nbool[2] = {0, 0}; /* falses and trues, counted at the end of the batch */
	int first_bool = -1;
	for (int64_t i = 0; i < nrows; i++) {
		uint64_t key;
		union cval v;
		double d;
		if (dn_column_is_null(col, i)) {
			x[i] = NAN;
			if (rk)
				rk[i] = NULL_KEY;
			continue;
		}
		switch (col->type) {
		case DN_INT64:
		case DN_TIMESTAMP:
			v.i = dn_column_i64(col, i);
			d = (double)v.i;
			break;
		case DN_FLOAT64:
			v.f = d = dn_column_f64(col, i);
			if (isnan(d)) {
				x[i] = NAN;
				if (rk)
					rk[i] = NULL_KEY;
				continue;
			}
			break;
		case DN_DATE:
			v.i = dn_column_date(col, i);
			d = (double)v.i;
			break;
		default: /* bool */
			v.i = dn_column_bool(col, i);
			d = (double)v.i;
			break;
		}
		/* An integer counted in place needs no key (count_measure makes one if it must). */
		key = rk || col->type != DN_INT64 ? measure_key(col->type, v) : 0;
		x[i] = d;
		if (rk)
			rk[i] = key;
		if (bools) {
			if (first_bool < 0)
				first_bool = v.i != 0;
			nbool[v.i != 0]++;
		} else if (counting) {
			DN_TRY(count_measure(&c->values, col->type, v, key, err));
		}
	}
	/* A bool column's two values go into its counter as two counts, in the order they first
	 * appeared (as counting one by one would have put them), not one update per row. */
	for (int k = 0; counting && first_bool >= 0 && k < 2; k++) {
		union cval bv = {.i = k ? !first_bool : first_bool};
		DN_TRY(counter_add_times(&c->values, measure_key(DN_BOOL, bv), DN_BOOL, bv,
					 nbool[bv.i], err));
	}
	struct bstat st;
	batch_stats(x, nrows, &st);
	int64_t n = st.n;
	c->missing += nrows - n;
	c->count += n;
	if (!n)
		return 0;
	/* The batch's own moments (two passes), then Chan / Pebay's merge. */
	double bmean = st.sum / (double)n, b2, b3;
	batch_moments(x, nrows, bmean, &b2, &b3);
	double na = c->mn, nb = (double)n, nt = na + nb, delta = bmean - c->mean;
	c->m3 = c->m3 + b3 + delta * delta * delta * na * nb * (na - nb) / (nt * nt) +
		3 * delta * (na * b2 - nb * c->m2) / nt;
	c->m2 = c->m2 + b2 + delta * delta * na * nb / nt;
	c->mean = na ? c->mean + delta * nb / nt : bmean;
	c->mn = nt;
	c->zeros += st.zeros;
	c->negs += st.negs;
	if (st.min < c->min)
		c->min = st.min;
	if (st.max > c->max)
		c->max = st.max;
	if (col->type == DN_INT64 || col->type == DN_TIMESTAMP) {
		/* Doubles are exact within 2^53; past it, the batch's extremes come from its
		 * integers. */
		int64_t lo = (int64_t)st.min, hi = (int64_t)st.max;
		if (fabs(st.min) >= 0x1p53 || fabs(st.max) >= 0x1p53) {
			const int64_t *iv = col->values;
			lo = INT64_MAX, hi = INT64_MIN;
			for (int64_t i = 0; i < nrows; i++)
				if (!dn_column_is_null(col, i)) {
					lo = iv[i] < lo ? iv[i] : lo;
					hi = iv[i] > hi ? iv[i] : hi;
				}
		}
		c->imin = lo < c->imin ? lo : c->imin;
		c->imax = hi > c->imax ? hi : c->imax;
	}
	if (sketch && c->type != DN_BOOL) /* bools report no quantiles */
		DN_TRY(dn_qsketch_add_many(&c->qs, x, (size_t)nrows, err));
	return 0;
}

/* A column changed type between batches (the reader widened it). */
static int pcol_widen(struct dn_profile *p, struct pcol *c, enum dn_type to, int64_t at,
		      struct dn_error *err)
{
	/* What was stored counts as the type it was read as. */
	if (c->deferred && to != DN_STRING)
		DN_TRY(undefer(c, p->rows, err));
	if (c->type == DN_INT64 && to == DN_FLOAT64) {
		c->type = to; /* values are doubles already */
		c->imin = INT64_MAX, c->imax = INT64_MIN;
		return c->values.dense ? counter_undense(&c->values, NULL) : 0;
	}
	if (c->type == DN_DATE && to == DN_TIMESTAMP) {
		/* Days to µs: scale what was kept (moments scale by powers of the factor). */
		double f = (double)DN_USEC_PER_DAY;
		if (c->mn > 0) { /* days are exact in a double: their µs exactly */
			c->imin = (int64_t)c->min * DN_USEC_PER_DAY;
			c->imax = (int64_t)c->max * DN_USEC_PER_DAY;
		}
		c->mean *= f;
		c->m2 *= f * f;
		c->m3 *= f * f * f;
		c->min *= f;
		c->max *= f;
		if (c->vals)
			for (int64_t r = 0; r < p->rows; r++)
				c->vals[r] *= f;
		for (int h = 0; h < c->qs.nlevels; h++)
			for (int i = 0; i < c->qs.len[h]; i++)
				c->qs.level[h][i] *= f;
		c->type = to;
		return 0;
	}
	/* Anything else becomes a string: what was measured as the old type no longer
	 * compares; count and missing go on, the rest starts again from this row. */
	pcol_reset_values(c);
	pcol_start(p, c, to);
	c->widened_at = at;
	return 0;
}

/* Rows where either side is null (NaN) add exact zeros instead of being branched around: a
 * column with scattered nulls would mispredict at every one, and adding +0.0 leaves every sum
 * as it was. */
/* Pearson's co-moments of a batch, merged into pr, over the rows where both values are finite
 * (pandas' corr() leaves out NaN and ±inf alike). */
#if defined(__SSE2__)
static inline __m128d finite2(__m128d a)
{
	return _mm_cmplt_pd(_mm_andnot_pd(_mm_set1_pd(-0.0), a), _mm_set1_pd(INFINITY));
}
#endif

static void comoments(struct comom *pr, const double *x, const double *y, int64_t nrows)
{
	double n = 0, sx = 0, sy = 0;
	int64_t i = 0;
#if defined(__SSE2__)
	const __m128d one = _mm_set1_pd(1);
	__m128d vn = _mm_setzero_pd(), vx = vn, vy = vn;
	for (; i + 2 <= nrows; i += 2) {
		__m128d a = _mm_loadu_pd(x + i), b = _mm_loadu_pd(y + i);
		__m128d both = _mm_and_pd(finite2(a), finite2(b));
		vn = _mm_add_pd(vn, _mm_and_pd(both, one));
		vx = _mm_add_pd(vx, _mm_and_pd(both, a));
		vy = _mm_add_pd(vy, _mm_and_pd(both, b));
	}
	n = hsum(vn);
	sx = hsum(vx);
	sy = hsum(vy);
#endif
	for (; i < nrows; i++) {
		int both = isfinite(x[i]) & isfinite(y[i]);
		n += both;
		sx += both ? x[i] : 0.0;
		sy += both ? y[i] : 0.0;
	}
	if (!n)
		return;
	double mx = sx / n, my = sy / n, cxy = 0, m2x = 0, m2y = 0;
	i = 0;
#if defined(__SSE2__)
	const __m128d vmx = _mm_set1_pd(mx), vmy = _mm_set1_pd(my);
	__m128d vc = _mm_setzero_pd(), v2x = vc, v2y = vc;
	for (; i + 2 <= nrows; i += 2) {
		__m128d a = _mm_loadu_pd(x + i), b = _mm_loadu_pd(y + i);
		__m128d both = _mm_and_pd(finite2(a), finite2(b));
		__m128d dx = _mm_and_pd(both, _mm_sub_pd(a, vmx));
		__m128d dy = _mm_and_pd(both, _mm_sub_pd(b, vmy));
		vc = _mm_add_pd(vc, _mm_mul_pd(dx, dy));
		v2x = _mm_add_pd(v2x, _mm_mul_pd(dx, dx));
		v2y = _mm_add_pd(v2y, _mm_mul_pd(dy, dy));
	}
	cxy = hsum(vc);
	m2x = hsum(v2x);
	m2y = hsum(v2y);
#endif
	for (; i < nrows; i++) {
		int both = isfinite(x[i]) & isfinite(y[i]);
		double dx = both ? x[i] - mx : 0.0, dy = both ? y[i] - my : 0.0;
		cxy += dx * dy;
		m2x += dx * dx;
		m2y += dy * dy;
	}
	double na = pr->n, nt = na + n, ddx = mx - pr->mx, ddy = my - pr->my;
	pr->cxy += cxy + ddx * ddy * na * n / nt;
	pr->m2x += m2x + ddx * ddx * na * n / nt;
	pr->m2y += m2y + ddy * ddy * na * n / nt;
	pr->mx += ddx * n / nt;
	pr->my += ddy * n / nt;
	pr->n = nt;
}

/* The target's classes: the first DN_PROFILE_CLASSES distinct values seen get their own row
 * counts and sums; rows of later classes count as other_rows. A bool target has two classes;
 * a string target with many values is better read through its top values. */
static void add_classes(struct dn_profile *p, const struct dn_column *t, double *const *bx,
			int64_t nrows)
{
	for (int64_t r = 0; r < nrows; r++) {
		const char *txt;
		size_t len;
		if (dn_column_is_null(t, r)) {
			continue; /* no class, as pandas' groupby drops null keys */
		} else if (t->type == DN_BOOL) {
			txt = dn_column_bool(t, r) ? "true" : "false";
			len = strlen(txt);
		} else if (t->type == DN_STRING) {
			struct dn_str v = dn_column_str(t, r);
			txt = v.ptr;
			len = v.len;
		} else {
			continue; /* the target widened to another type: classes stop */
		}
		uint64_t key = dn_hash_text(txt, len, 2);
		int k = 0;
		while (k < p->ncls && p->cls[k].key != key)
			k++;
		if (k == p->ncls) {
			if (k == DN_PROFILE_CLASSES) {
				p->other_rows++;
				continue;
			}
			p->ncls++;
			p->cls[k].key = key;
			len = dn_utf8_cut(txt, len, TEXT_MAX);
			memcpy(p->cls[k].text, txt, len);
			p->cls[k].text[len] = 0;
		}
		struct tclass *c = &p->cls[k];
		c->count++;
		for (int a = 0; a < p->ncorr; a++)
			if (!isnan(bx[a][r]) && p->corr_cols[a] != p->tcol) { /* not the target */
				c->n[a]++;
				c->sum[a] += bx[a][r];
			}
	}
}

static int cmp_class(const void *a, const void *b)
{
	const struct tclass *x = a, *y = b;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->text, y->text);
}

static int class_results(struct dn_profile *p, struct dn_error *err)
{
	struct dn_profile_result *r = &p->res;
	if (!p->cls)
		return 0;
	qsort(p->cls, (size_t)p->ncls, sizeof *p->cls, cmp_class);
	r->classes = dn_calloc((size_t)(p->ncls ? p->ncls : 1), sizeof *r->classes);
	if (!r->classes)
		return dn_error_set(err, DN_ENOMEM, "out of memory");
	r->other_rows = p->other_rows;
	for (int k = 0; k < p->ncls; k++) {
		struct dn_profile_class *o = &r->classes[k];
		o->value = dn_strdup(p->cls[k].text);
		o->means = dn_malloc(sizeof(double) * (size_t)(p->ncorr ? p->ncorr : 1));
		if (!o->value || !o->means) {
			dn_free(o->value);
			dn_free(o->means);
			return dn_error_set(err, DN_ENOMEM, "out of memory");
		}
		o->count = p->cls[k].count;
		for (int a = 0; a < p->ncorr; a++)
			o->means[a] = p->cls[k].n[a] ? p->cls[k].sum[a] / p->cls[k].n[a] : NAN;
		r->nclasses = k + 1;
	}
	return 0;
}

/* Fold column i of the batch in (p->in[i]): its own state only, so columns can be folded on
 * different threads. Sets p->xs[i] or p->ks[i] for what follows. */
static int fold_column(struct dn_profile *p, int i, int64_t nrows, struct dn_error *err)
{
	struct pcol *c = &p->cols[i];
	uint64_t *rk = p->exact ? p->rk + (size_t)i * (size_t)nrows : NULL;
	if (is_measure(c->type)) {
		double *x = c->vals && p->exact ? c->vals + p->rows :
						  p->scratch + (size_t)i * nrows;
		p->xs[i] = x;
		p->ks[i] = NULL;
		if (c->deferred && (c->type == DN_INT64 || c->type == DN_TIMESTAMP) &&
		    !fits_double(p->in[i], nrows))
			DN_TRY(undefer(c, p->rows, err));
		return add_measures(c, p->in[i], nrows, x, !p->exact, rk, err);
	}
	uint64_t *keys = p->keys + (size_t)i * (size_t)nrows;
	p->xs[i] = NULL;
	p->ks[i] = keys;
	return add_strings(c, p->in[i], nrows, keys, rk, err);
}

/* The batch's associations, then what follows from the rows' target classes: the stored
 * classes (while exact) or the sample (beyond). */
static int fold_assoc(struct dn_profile *p, int64_t nrows, struct dn_error *err)
{
	const struct dn_column *t = p->tcol >= 0 ? &p->fold_b->columns[p->tcol] : NULL;
	DN_TRY(dn_assoc_add(p->assoc, t, p->xs, p->ks, nrows, p->tc, err));
	if (p->exact && p->tcodes)
		memcpy(p->tcodes + p->rows, p->tc, (size_t)nrows);
	if (!p->exact)
		sample_rows(p, p->bx, nrows);
	return 0;
}

/* Each row's hash (for duplicate rows): its values' hashes, column by column. */
static void fold_rowhash(struct dn_profile *p, int64_t nrows)
{
	for (int64_t r = 0; r < nrows; r++)
		p->rh[r] = 0x84222325cbf29ce4ULL;
	for (int i = 0; i < p->ncols; i++) {
		const uint64_t *k = p->rk + (size_t)i * (size_t)nrows;
		for (int64_t r = 0; r < nrows; r++)
			p->rh[r] = p->rh[r] * 0x9E3779B97F4A7C15ULL ^ k[r];
	}
	for (int64_t r = 0; r < nrows; r++)
		p->rowhash[p->rows + r] = dn_hash_u64(p->rh[r]);
}

static void fold_run(struct dn_profile *p, struct fold_task *t)
{
	int64_t nrows = p->fold_rows, t0;
	switch (t->kind) {
	case FOLD_COLUMN:
		t0 = dn_monotonic_us();
		t->rc = fold_column(p, t->a, nrows, task_err(p, t));
		t->us = dn_monotonic_us() - t0;
		break;
	case FOLD_PAIR:
		comoments(&p->pairs[t->a * MAX_CORR + t->b], p->bx[t->a], p->bx[t->b], nrows);
		break;
	case FOLD_ASSOC:
		t->rc = fold_assoc(p, nrows, task_err(p, t));
		break;
	case FOLD_CLASSES:
		add_classes(p, &p->fold_b->columns[p->tcol], p->bx, nrows);
		break;
	case FOLD_ROWHASH:
		fold_rowhash(p, nrows);
		break;
	case FOLD_SHAPES:
		t->rc = add_shapes(&p->cols[t->a], p->in[t->a], nrows, p->ks[t->a], task_err(p, t));
		break;
	case FOLD_UNDEFER: /* the column's counter: apart from its sketch, so both run at once */
		t->rc = undefer(&p->cols[t->a], p->rows, task_err(p, t));
		break;
	case FOLD_SKETCH: {
		struct pcol *c = &p->cols[t->a];
		t->rc = dn_qsketch_add_many(&c->qs, c->vals, (size_t)p->rows, task_err(p, t));
		break;
	}
	}
}

/* Take tasks in order until none is left. */
static void fold_some(struct dn_profile *p)
{
	int k;
	while ((k = atomic_fetch_add(&p->next, 1)) < p->ntasks)
		fold_run(p, &p->tasks[k]);
}

static void fold_job(void *user)
{
	fold_some(user);
}

/* Run p->tasks on this thread and, when shared, one pool thread. */
static void fold_tasks(struct dn_profile *p, int shared)
{
	atomic_store(&p->next, 0);
	if (shared && dn_pool_submit(p->pool, fold_job, p, NULL) < 0)
		shared = 0;
	fold_some(p);
	if (shared)
		dn_pool_wait(p->pool);
}

static int cmp_task_us(const void *a, const void *b)
{
	const struct fold_task *x = a, *y = b;
	if (x->us != y->us)
		return x->us > y->us ? -1 : 1;
	return x->a - y->a;
}

/* Fold a batch in two rounds of tasks: every column on its own (each has its own state), then
 * what spans columns (co-moments per pair, associations, target classes, row hashes), which
 * reads the columns' doubles and hashes. A large batch is shared between this thread and one
 * pool thread, which take tasks in turn, the costliest columns first (by their time in the
 * previous batch): per value, hashing, the frequent-value counters and the quantile sketch
 * cost more than parsing, and one thread folding alone could not keep up with the reader's
 * threads. Every result is the same whichever thread computes it. */
static int fold_batch(struct dn_profile *p, const struct dn_batch *b, int64_t nrows,
		      struct dn_error *err)
{
	int shared = 0;
	p->fold_b = b;
	if (nrows >= 4096 && p->ncols > 1 && dn_cpu_count() > 1) {
		if (!p->pool && dn_pool_new(&p->pool, 1, NULL) < 0)
			p->pool = NULL; /* fold on this thread alone */
		shared = p->pool != NULL;
	}
	p->fold_rows = nrows;
	/* Round 1: the columns. The first batch starts with the strings. */
	if (p->ntasks == 0 || p->tasks[0].kind != FOLD_COLUMN) {
		for (int i = 0; i < p->ncols; i++)
			p->tasks[i] = (struct fold_task){FOLD_COLUMN, i, 0, 0,
							 is_measure(p->cols[i].type) ? 0 : 1};
	}
	p->ntasks = p->ncols;
	qsort(p->tasks, (size_t)p->ntasks, sizeof *p->tasks, cmp_task_us);
	for (int k = 0; k < p->ntasks; k++)
		p->tasks[k].rc = 0;
	fold_tasks(p, shared);
	DN_TRY(tasks_rc(p, p->tasks, p->ntasks, err));
	for (int i = 0; i < p->ncols; i++) {
		struct pcol *c = &p->cols[i];
		if (c->corr < 0)
			continue;
		if (p->xs[i]) {
			p->bx[c->corr] = p->xs[i];
		} else { /* widened to string: no longer correlated */
			double *x = p->scratch + (size_t)p->ncols * nrows;
			for (int64_t r = 0; r < nrows; r++)
				x[r] = NAN;
			p->bx[c->corr] = x;
		}
	}
	/* Round 2: across columns. The column tasks are kept (with their times) at the front of
	 * the array for the next batch; this round's tasks go after them. */
	struct fold_task *cols = p->tasks;
	int ncol = p->ntasks, n = 0;
	struct fold_task *t = p->tasks + ncol;
	t[n++] = (struct fold_task){FOLD_ASSOC, 0, 0, 0, 0};
	for (int i = 0; i < p->ncols; i++) /* the costliest of the round: early */
		if (p->cols[i].type == DN_STRING)
			t[n++] = (struct fold_task){FOLD_SHAPES, i, 0, 0, 0};
	if (p->exact)
		t[n++] = (struct fold_task){FOLD_ROWHASH, 0, 0, 0, 0};
	if (p->cls)
		t[n++] = (struct fold_task){FOLD_CLASSES, 0, 0, 0, 0};
	for (int a = 0; a < p->ncorr; a++)
		for (int a2 = a + 1; a2 < p->ncorr; a2++)
			t[n++] = (struct fold_task){FOLD_PAIR, a, a2, 0, 0};
	p->tasks = t;
	p->ntasks = n;
	fold_tasks(p, shared);
	p->tasks = cols;
	p->ntasks = ncol;
	return tasks_rc(p, t, n, err);
}

int dn_profile_add(struct dn_profile *p, const struct dn_batch *b, struct dn_error *err)
{
	int rc = 0;
	if (p->finished)
		return dn_error_set(err, DN_EINVAL, "profile: batch added after finish");
	if (p->ncols < 0)
		DN_TRY(profile_setup(p, b, err));
	if (b->schema.nfields != p->ncols)
		return dn_error_set(err, DN_EINVAL, "profile: batch has %d columns, expected %d",
				    b->schema.nfields, p->ncols);
	for (int i = 0; i < p->ncols; i++)
		if (strcmp(b->schema.fields[i].name, p->cols[i].name) != 0)
			return dn_error_set(err, DN_EINVAL,
					    "profile: batch column %d is '%s', expected '%s'",
					    i + 1, b->schema.fields[i].name, p->cols[i].name);
	int64_t nrows = b->nrows;
	if (!nrows)
		return 0;
	if (p->exact && p->rows + nrows > p->opt.exact_rows)
		DN_TRY(leave_exact(p, err));
	if ((size_t)nrows > p->scratch_rows) {
		dn_free(p->scratch);
		dn_free(p->rh);
		dn_free(p->rk);
		dn_free(p->draw);
		dn_free(p->keys);
		dn_free(p->tc);
		p->scratch = dn_malloc(sizeof(double) * (size_t)nrows * (size_t)(p->ncols + 1));
		p->rh = dn_malloc(sizeof(uint64_t) * (size_t)nrows);
		p->rk = dn_malloc(sizeof(uint64_t) * (size_t)nrows *
				  (size_t)(p->ncols ? p->ncols : 1));
		p->draw = dn_malloc(sizeof(uint64_t) * (size_t)nrows);
		p->keys = dn_malloc(sizeof(uint64_t) * (size_t)nrows *
				    (size_t)(p->ncols ? p->ncols : 1));
		p->tc = dn_malloc((size_t)nrows);
		if (!p->scratch || !p->rh || !p->rk || !p->draw || !p->keys || !p->tc) {
			p->scratch_rows = 0;
			return dn_error_set(err, DN_ENOMEM, "out of memory");
		}
		p->scratch_rows = (size_t)nrows;
	}
	if (p->exact && (size_t)(p->rows + nrows) > p->vcap) {
		/* The first batch reserves room up to the bound within 1 GiB of address space:
		 * pages are only mapped as rows fill them, and growing by reallocation would copy
		 * (and map again) every value stored so far. */
		size_t ncap = p->vcap ? p->vcap * 2 : 1 << 16;
		if (!p->vcap) {
			size_t per_row = 8 * (size_t)(p->ncols + 1);
			if (ncap < ((size_t)1 << 30) / per_row)
				ncap = ((size_t)1 << 30) / per_row;
		}
		while (ncap < (size_t)(p->rows + nrows))
			ncap *= 2;
		if (ncap > (size_t)p->opt.exact_rows)
			ncap = (size_t)p->opt.exact_rows;
		for (int i = 0; i < p->ncols; i++) {
			if (!is_measure(p->cols[i].type) && !p->cols[i].vals)
				continue;
			double *nv = dn_realloc(p->cols[i].vals, ncap * sizeof *nv);
			if (!nv)
				return dn_error_set(err, DN_ENOMEM,
						    "out of memory (stored values)");
			/* Columns that start storing late (none today) would read NaN. */
			if (!p->cols[i].vals)
				for (size_t r = 0; r < (size_t)p->rows; r++)
					nv[r] = NAN;
			p->cols[i].vals = nv;
		}
		uint64_t *nh = dn_realloc(p->rowhash, ncap * sizeof *nh);
		if (!nh)
			return dn_error_set(err, DN_ENOMEM, "out of memory (row hashes)");
		p->rowhash = nh;
		if (p->tcol >= 0) {
			uint8_t *nt = dn_realloc(p->tcodes, ncap);
			if (!nt)
				return dn_error_set(err, DN_ENOMEM,
						    "out of memory (stored values)");
			p->tcodes = nt;
		}
		p->vcap = ncap;
	}
	/* Widening first: it resets or rescales a column's state, and may need a cast. */
	for (int i = 0; i < p->ncols; i++) {
		struct pcol *c = &p->cols[i];
		const struct dn_column *col = &b->columns[i];
		p->in[i] = col;
		if (col->type != c->type) {
			enum dn_type to = dn_type_widen(c->type, col->type);
			if (to != c->type) {
				if ((rc = pcol_widen(p, c, to, b->first_row, err)) < 0)
					goto out;
				dn_assoc_widen(p->assoc, i, to);
			}
			if (col->type != to) {
				if ((rc = dn_column_cast(col, to, &p->casts[i], err)) < 0)
					goto out;
				p->in[i] = &p->casts[i];
			}
		}
	}
	if ((rc = fold_batch(p, b, nrows, err)) < 0)
		goto out;
	p->rows += nrows;
	if (p->exact)
		p->srows = p->rows;
out:
	for (int i = 0; i < p->ncols; i++)
		dn_column_release(&p->casts[i]);
	return rc;
}

/* ---- results ---- */

/* Display text of a counted value into the arena (NULL when out of memory). */
static char *value_text(struct dn_arena *a, int vtype, union cval v, const char *s, size_t slen)
{
	char buf[64];
	switch (vtype) {
	case DN_INT64:
		snprintf(buf, sizeof buf, "%lld", (long long)v.i);
		break;
	case DN_FLOAT64:
		dn_format_f64(v.f, buf);
		break;
	case DN_DATE:
		dn_date_format((int32_t)v.i, buf);
		break;
	case DN_TIMESTAMP:
		dn_timestamp_format(v.i, buf);
		break;
	case DN_BOOL:
		snprintf(buf, sizeof buf, "%s", v.i ? "true" : "false");
		break;
	default:
		return dn_arena_strndup(a, s ? s : "", slen);
	}
	return dn_arena_strndup(a, buf, strlen(buf));
}

static int cmp_i64_desc(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x > y ? -1 : x < y;
}

struct topv {
	int64_t count;
	char *text;
	int vtype;
	union cval v;
};

/* Most frequent first; ties by value (numbers, dates, times, bools), else by text. */
static int cmp_topv(const void *a, const void *b)
{
	const struct topv *x = a, *y = b;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	if (x->vtype != DN_STRING && y->vtype != DN_STRING) {
		if (x->vtype != DN_FLOAT64 && y->vtype != DN_FLOAT64)
			return (x->v.i > y->v.i) - (x->v.i < y->v.i);
		double dx = x->vtype == DN_FLOAT64 ? x->v.f : (double)x->v.i;
		double dy = y->vtype == DN_FLOAT64 ? y->v.f : (double)y->v.i;
		if (dx != dy)
			return dx < dy ? -1 : 1;
	}
	return strcmp(x->text, y->text);
}

/* The top k of a counter as display values, most frequent first (cmp_topv). */
static int counter_top(const struct counter *c, int k, struct dn_profile_value **out, int *nout,
		       struct dn_error *err)
{
	size_t n = c->sketch ? (size_t)c->nmg : c->cap;
	struct topv *all = dn_calloc(n ? n : 1, sizeof *all);
	int64_t *counts = dn_calloc(n ? n : 1, sizeof *counts);
	struct dn_arena a;
	size_t m = 0, nc = 0;
	int rc = 0;
	dn_arena_init(&a, 1 << 16);
	*out = NULL;
	*nout = 0;
	if (!all || !counts) {
		rc = DN_ENOMEM;
		goto out;
	}
	/* Only values at least as frequent as the k-th are formatted and sorted (with ties). */
	for (size_t i = 0; i < n; i++) {
		int64_t cnt = c->sketch ? c->mcnt[i] : c->slot[i].count;
		if (cnt)
			counts[nc++] = cnt;
	}
	qsort(counts, nc, sizeof *counts, cmp_i64_desc);
	int64_t least = nc == 0 ? 1 : counts[(nc < (size_t)k ? nc : (size_t)k) - 1];
	for (size_t i = 0; i < n; i++) {
		int64_t cnt = c->sketch ? c->mcnt[i] : c->slot[i].count;
		if (!cnt || cnt < least)
			continue;
		all[m].count = cnt;
		all[m].vtype = c->sketch ? c->mg[i].vtype : c->tab[i].vtype;
		all[m].v = c->sketch ? c->mg[i].v : c->tab[i].v;
		if (c->sketch)
			all[m].text = value_text(&a, c->mg[i].vtype, c->mg[i].v,
						 c->mtext ? c->mtext + i * TEXT_MAX : NULL,
						 c->mg[i].slen);
		else
			all[m].text = value_text(&a, c->tab[i].vtype, c->tab[i].v, c->tab[i].s,
						 c->tab[i].slen);
		if (!all[m++].text) {
			rc = DN_ENOMEM;
			goto out;
		}
	}
	qsort(all, m, sizeof *all, cmp_topv);
	int take = m < (size_t)k ? (int)m : k;
	if (take && !(*out = dn_calloc((size_t)take, sizeof **out))) {
		rc = DN_ENOMEM;
		goto out;
	}
	for (int i = 0; i < take; i++) {
		(*out)[i].count = all[i].count;
		if (!((*out)[i].text = dn_strdup(all[i].text))) {
			rc = DN_ENOMEM;
			break;
		}
		*nout = i + 1;
	}
out:
	dn_arena_release(&a);
	dn_free(all);
	dn_free(counts);
	return rc < 0 ? dn_error_set(err, rc, "out of memory") : 0;
}

/* Sample quantile with linear interpolation between closest ranks (pandas' and numpy's
 * default): position q * (n - 1) in the sorted values. */
static double lerp_quantile(const double *v, size_t n, double q)
{
	double pos = q * (double)(n - 1);
	size_t lo = (size_t)floor(pos);
	double frac = pos - (double)lo;
	if (lo + 1 >= n)
		return v[n - 1];
	double a = v[lo], b = v[lo + 1], d = b - a;
	if (a == b || frac == 0)
		return a; /* also when both are inf (inf - inf is NaN) */
	/* numpy's _lerp: from the nearer end, so the result stays within [a, b]. */
	return frac >= 0.5 ? b - d * (1 - frac) : a + d * frac;
}

/* numpy.histogram's binning: equal bins from linspace(min, max, bins + 1), the last closed. */
static void hist_edges(double mn, double mx, int bins, double *edges)
{
	if (mn == mx) {
		mn -= 0.5;
		mx += 0.5;
	}
	double step = (mx - mn) / bins;
	for (int i = 0; i <= bins; i++)
		edges[i] = i * step + mn;
	edges[bins] = mx;
}

/* The first of the n sorted values at least x. */
static size_t lower_bound(const double *v, size_t n, double x)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Bin b holds the sorted values in [edges[b], edges[b + 1]), the last bin also its upper
 * edge (the maximum): one binary search per edge instead of a look at every value. */
static void hist_exact(const double *v, size_t n, int bins, const double *edges, double *h)
{
	size_t from = 0;
	for (int b = 0; b < bins; b++) {
		size_t to = b == bins - 1 ? n : lower_bound(v, n, edges[b + 1]);
		if (to < from)
			to = from;
		h[b] = (double)(to - from);
		from = to;
	}
}

/* Sort one column's stored values, keeping their rows (a job on the pool: columns sort in
 * parallel). Serves its quantiles, histogram and ranks. */
struct sort_job {
	struct pcol *c;
	int64_t rows;
	int rc;
};

static void sort_column(void *user)
{
	struct sort_job *j = user;
	struct pcol *c = j->c;
	size_t m = 0, n = (size_t)j->rows;
	/* The sorted values end in k's first half (keys turn into their doubles in place), so
	 * the sort touches no more memory than its two buffers. */
	uint64_t *k = dn_malloc(sizeof *k * (2 * n + 1));
	uint32_t *ix = dn_malloc(sizeof *ix * (2 * n + 1));
	double *sorted = (double *)(void *)k;
	uint32_t *cnt = NULL;
	if (!k || !ix)
		goto oom;
	double range = c->max - c->min, last = -INFINITY;
	int in_order = 1;
	for (int64_t r = 0; r < j->rows && in_order; r++)
		if (!isnan(c->vals[r])) {
			in_order = c->vals[r] >= last;
			last = c->vals[r];
		}
	if (in_order) { /* ids, times of a log: nothing to sort */
		for (int64_t r = 0; r < j->rows; r++)
			if (!isnan(c->vals[r])) {
				sorted[m] = c->vals[r];
				ix[m++] = (uint32_t)r;
			}
	} else if ((c->type == DN_INT64 || c->type == DN_BOOL) && range < (double)(2 * n + 65536)) {
		/* Integers in a narrow range (codes, counts, bools): a counting sort, two passes
		 * instead of the radix sort's several. */
		size_t span = (size_t)range + 1;
		if (!(cnt = dn_calloc(span + 1, sizeof *cnt)))
			goto oom;
		for (int64_t r = 0; r < j->rows; r++)
			if (!isnan(c->vals[r]))
				cnt[(size_t)(c->vals[r] - c->min) + 1]++;
		for (size_t b = 1; b <= span; b++)
			cnt[b] += cnt[b - 1];
		for (int64_t r = 0; r < j->rows; r++)
			if (!isnan(c->vals[r])) {
				size_t at = cnt[(size_t)(c->vals[r] - c->min)]++;
				sorted[at] = c->vals[r];
				ix[at] = (uint32_t)r;
				m++;
			}
		dn_free(cnt);
	} else {
		for (int64_t r = 0; r < j->rows; r++)
			if (!isnan(c->vals[r])) {
				k[m] = dn_q_key(c->vals[r]);
				ix[m++] = (uint32_t)r;
			}
		dn_q_sort_keys(k, ix, m, k + n, ix + n);
		for (size_t i = 0; i < m; i++) {
			double d = dn_q_unkey(k[i]);
			memcpy(&k[i], &d, sizeof d);
		}
	}
	c->sorted = dn_realloc(k, sizeof *k * (m + 1));
	if (!c->sorted)
		c->sorted = sorted;
	c->order = dn_realloc(ix, sizeof *ix * (m + 1));
	if (!c->order)
		c->order = ix;
	c->nsorted = m;
	j->rc = 0;
	return;
oom:
	dn_free(k);
	dn_free(ix);
	c->sorted = NULL;
	j->rc = DN_ENOMEM;
}

/* Duplicate rows: sort the row hashes, count each hash equal to the one before. */
struct dup_job {
	struct dn_profile *p;
	int rc;
};

static void count_dups(void *user)
{
	struct dup_job *j = user;
	struct dn_profile *p = j->p;
	size_t n = (size_t)p->rows;
	uint64_t *tmp = dn_malloc(sizeof *tmp * (n + 1));
	if (!tmp) {
		j->rc = DN_ENOMEM;
		return;
	}
	dn_q_sort_keys(p->rowhash, NULL, n, tmp, NULL);
	dn_free(tmp);
	p->dups = 0;
	for (size_t i = 1; i < n; i++)
		p->dups += p->rowhash[i] == p->rowhash[i - 1];
	j->rc = 0;
}

/* Whether a numeric column proves every row distinct: all its stored values present and
 * strictly increasing (ids, the times of a log). Then no two rows are equal, and the row
 * hashes need no sort. */
static int rows_distinct(const struct dn_profile *p)
{
	for (int i = 0; i < p->ncols; i++) {
		const struct pcol *c = &p->cols[i];
		if (!c->vals || !is_measure(c->type) || c->mn != (double)p->rows || p->rows < 2)
			continue;
		int64_t r = 1;
		while (r < p->rows && c->vals[r] > c->vals[r - 1])
			r++;
		if (r == p->rows)
			return 1;
	}
	return 0;
}

static int sort_columns(struct dn_profile *p, struct dn_error *err)
{
	struct dup_job dj = {p, 0};
	int dups = p->exact && !rows_distinct(p);
	if (p->exact && !dups)
		p->dups = 0;
	struct sort_job *jobs = dn_calloc((size_t)(p->ncols ? p->ncols : 1), sizeof *jobs);
	struct dn_pool *pool = NULL;
	int n = 0, rc = 0;
	if (!jobs)
		return dn_error_set(err, DN_ENOMEM, "out of memory");
	for (int i = 0; i < p->ncols; i++)
		if (p->cols[i].vals && is_measure(p->cols[i].type) && p->cols[i].mn > 0) {
			jobs[n].c = &p->cols[i];
			jobs[n++].rows = p->srows;
		}
	int threads = dn_cpu_count() < n + 1 ? dn_cpu_count() : n + 1;
	if (threads > 1 && dn_pool_new(&pool, threads, NULL) == 0) {
		if (dups && dn_pool_submit(pool, count_dups, &dj, NULL) < 0)
			count_dups(&dj);
		for (int i = 0; i < n; i++)
			if (dn_pool_submit(pool, sort_column, &jobs[i], NULL) < 0)
				sort_column(&jobs[i]);
		dn_pool_wait(pool);
		dn_pool_free(pool);
	} else {
		if (dups)
			count_dups(&dj);
		for (int i = 0; i < n; i++)
			sort_column(&jobs[i]);
	}
	if (dj.rc < 0)
		rc = dn_error_set(err, dj.rc, "out of memory (duplicate rows)");
	for (int i = 0; i < n; i++)
		if (jobs[i].rc < 0)
			rc = dn_error_set(err, jobs[i].rc, "out of memory (sorting values)");
	dn_free(jobs);
	return rc;
}

/* Spearman works on twice the average ranks (1-based, ties share their mean): integers,
 * 2 * (rows before the tie) + (size of the tie) + 1, so a rank takes 4 bytes and the sums below
 * are exact. A row that does not count (c null there, or its bit clear in keep) holds 0 and so
 * drops out of every product.
 *
 * keep is a bitmap, not the other column's values: its 1 bit per row stays in cache where 8
 * bytes per row, read in c's order, would miss on most rows. One walk of c's sorted order: no
 * sort per pair. *m gets the rows ranked and *sq the sum of their squared ranks. */
static inline int kept(const uint64_t *keep, uint32_t r)
{
	return (int)(keep[r >> 6] >> (r & 63) & 1);
}

static void ranks_where(const struct pcol *c, const uint64_t *keep, uint32_t *rank, uint64_t *m,
			unsigned __int128 *sq)
{
	size_t n = c->nsorted;
	uint64_t pos = 0;
	unsigned __int128 s2 = 0;
	if (!keep) { /* every sorted value counts: no lookups */
		for (size_t i = 0; i < n;) {
			size_t j = i + 1;
			while (j < n && c->sorted[j] == c->sorted[i])
				j++;
			uint64_t r = 2 * pos + (j - i) + 1;
			s2 += (unsigned __int128)(r * r) * (j - i);
			for (size_t t = i; t < j; t++)
				rank[c->order[t]] = (uint32_t)r;
			pos += j - i;
			i = j;
		}
	} else {
		for (size_t i = 0; i < n;) {
			size_t j = i, nk = 0;
			while (j < n && c->sorted[j] == c->sorted[i]) {
				nk += (size_t)kept(keep, c->order[j]);
				j++;
			}
			uint64_t r = 2 * pos + nk + 1;
			s2 += (unsigned __int128)(r * r) * nk;
			for (size_t t = i; t < j; t++)
				if (kept(keep, c->order[t]))
					rank[c->order[t]] = (uint32_t)r;
			pos += nk;
			i = j;
		}
	}
	*m = pos;
	*sq = s2;
}

/* Pearson between the doubled ranks a and b over the m rows where both are not 0. Their sums are
 * both m(m + 1), so with S = m(m + 1)^2 the correlation is (sum ab - S) over the square root of
 * (sum a^2 - S)(sum b^2 - S), each term exact in 128 bits: one pass over two 4-byte arrays. */
static double rank_pearson(const uint32_t *a, const uint32_t *b, size_t rows, uint64_t m,
			   unsigned __int128 sqa, unsigned __int128 sqb)
{
	if (m < 2)
		return NAN;
	unsigned __int128 ab = 0;
	for (size_t i = 0; i < rows; i++)
		ab += (uint64_t)a[i] * b[i];
	__int128 s = (__int128)m * (m + 1) * (m + 1);
	double num = (double)((__int128)ab - s), va = (double)((__int128)sqa - s),
	       vb = (double)((__int128)sqb - s);
	return va > 0 && vb > 0 ? num / sqrt(va * vb) : NAN;
}

/* Spearman's jobs: first each column's ranks over all its values (rank_job with b < 0), then
 * one job per pair. Both phases run on the core pool. */
struct rank_job {
	struct dn_profile *p;
	int a, b;        /* correlation column indexes; b < 0: the full ranks of a */
	uint32_t **full; /* per correlation column: doubled ranks over all its values, 0 at nulls */
	uint64_t *m;     /* per correlation column: its values ranked */
	unsigned __int128 *sq; /* per correlation column: the sum of its full ranks squared */
	uint64_t **nn; /* per correlation column with nulls: its rows that are not (bitmap) */
	double out;
	int rc;
};

static void rank_job_run(void *user)
{
	struct rank_job *j = user;
	struct dn_profile *p = j->p;
	size_t rows = (size_t)p->srows;
	const struct pcol *ca = &p->cols[p->corr_cols[j->a]];
	j->rc = 0;
	if (j->b < 0) {
		/* ±inf are left out, as nulls are (pandas' corr() does the same). */
		int inf = ca->nsorted &&
			  (isinf(ca->sorted[0]) || isinf(ca->sorted[ca->nsorted - 1]));
		int partial = ca->nsorted < rows || inf;
		uint64_t *bits = NULL;
		if (partial) { /* the rows it has a finite value in */
			if (!(bits = dn_calloc(rows / 64 + 1, sizeof *bits))) {
				j->rc = DN_ENOMEM;
				return;
			}
			for (size_t t = 0; t < ca->nsorted; t++)
				if (isfinite(ca->sorted[t]))
					bits[ca->order[t] >> 6] |= UINT64_C(1)
								   << (ca->order[t] & 63);
			j->nn[j->a] = bits;
		}
		/* zeroed only where a left-out row stays unwritten */
		j->full[j->a] = partial ? dn_calloc(rows + 1, sizeof(uint32_t)) :
					  dn_malloc((rows + 1) * sizeof(uint32_t));
		if (!j->full[j->a]) {
			j->rc = DN_ENOMEM;
			return;
		}
		ranks_where(ca, inf ? bits : NULL, j->full[j->a], &j->m[j->a], &j->sq[j->a]);
		return;
	}
	/* A column's ranks among the rows where a column without nulls is not null are its
	 * full ranks; only a partner with nulls needs them again, over the shared rows. */
	const struct pcol *cb = &p->cols[p->corr_cols[j->b]];
	uint32_t *ra = NULL, *rb = NULL;
	const uint32_t *xa = j->full[j->a], *xb = j->full[j->b];
	uint64_t m = j->m[j->a];
	unsigned __int128 sqa = j->sq[j->a], sqb = j->sq[j->b];
	if (j->nn[j->b]) { /* b has nulls or ±inf (in the stored rows) */
		if (!(ra = dn_calloc(rows + 1, sizeof *ra)))
			goto oom;
		ranks_where(ca, j->nn[j->b], ra, &m, &sqa);
		xa = ra;
	}
	if (j->nn[j->a]) {
		if (!(rb = dn_calloc(rows + 1, sizeof *rb)))
			goto oom;
		ranks_where(cb, j->nn[j->a], rb, &m, &sqb);
		xb = rb;
	}
	j->out = rank_pearson(xa, xb, rows, m, sqa, sqb);
	dn_free(ra);
	dn_free(rb);
	return;
oom:
	dn_free(ra);
	j->rc = DN_ENOMEM;
}

static void run_jobs(struct dn_pool *pool, struct rank_job *jobs, int n)
{
	for (int i = 0; i < n; i++)
		if (!pool || dn_pool_submit(pool, rank_job_run, &jobs[i], NULL) < 0)
			rank_job_run(&jobs[i]);
	if (pool)
		dn_pool_wait(pool);
}

/* A column's correlation with itself: 1 when it varies; NaN when it is constant, has fewer than
 * two values or is no longer numeric (as pandas' corr(), which has no correlation there). */
static double self_corr(const struct pcol *c)
{
	return is_corr_type(c->type) && c->mn >= 2 && c->min < c->max ? 1 : NAN;
}

/* Spearman over pairwise complete rows, as pandas' corr(method="spearman"): Pearson on the
 * average ranks each column has among the rows where both are not null. */
static int spearman(struct dn_profile *p, struct dn_error *err)
{
	int n = p->ncorr, rc = 0, nj = 0;
	struct dn_profile_result *r = &p->res;
	struct dn_pool *pool = NULL;
	r->spearman = dn_malloc(sizeof(double) * (size_t)(n ? n * n : 1));
	uint32_t **full = dn_calloc((size_t)(n ? n : 1), sizeof *full);
	uint64_t **nn = dn_calloc((size_t)(n ? n : 1), sizeof *nn);
	uint64_t *m = dn_calloc((size_t)(n ? n : 1), sizeof *m);
	unsigned __int128 *sq = dn_calloc((size_t)(n ? n : 1), sizeof *sq);
	struct rank_job *jobs = dn_calloc((size_t)(n * n + 1), sizeof *jobs);
	if (!r->spearman || !full || !nn || !m || !sq || !jobs) {
		rc = dn_error_set(err, DN_ENOMEM, "out of memory (ranks)");
		goto out;
	}
	for (int a = 0; a < n * n; a++)
		r->spearman[a] = NAN;
	for (int a = 0; a < n; a++) {
		const struct pcol *c = &p->cols[p->corr_cols[a]];
		r->spearman[a * n + a] = self_corr(c);
		if (c->order && is_corr_type(c->type))
			jobs[nj++] = (struct rank_job){p, a, -1, full, m, sq, nn, NAN, 0};
	}
	if (dn_cpu_count() > 1 && dn_pool_new(&pool, dn_cpu_count(), NULL) < 0)
		pool = NULL;
	run_jobs(pool, jobs, nj);
	for (int i = 0; i < nj; i++)
		if (jobs[i].rc < 0)
			rc = DN_ENOMEM;
	nj = 0;
	for (int a = 0; rc == 0 && a < n; a++)
		for (int b = a + 1; b < n; b++)
			if (full[a] && full[b])
				jobs[nj++] = (struct rank_job){p, a, b, full, m, sq, nn, NAN, 0};
	if (rc == 0)
		run_jobs(pool, jobs, nj);
	for (int i = 0; rc == 0 && i < nj; i++) {
		if (jobs[i].rc < 0)
			rc = DN_ENOMEM;
		r->spearman[jobs[i].a * n + jobs[i].b] = r->spearman[jobs[i].b * n + jobs[i].a] =
			jobs[i].out;
	}
	if (rc < 0)
		dn_error_set(err, rc, "out of memory (ranks)");
out:
	dn_pool_free(pool);
	for (int a = 0; full && a < n; a++)
		dn_free(full[a]);
	for (int a = 0; nn && a < n; a++)
		dn_free(nn[a]);
	dn_free(full);
	dn_free(nn);
	dn_free(m);
	dn_free(sq);
	dn_free(jobs);
	return rc;
}

static int alert(struct dn_profile_result *r, int column, const char *kind, struct dn_error *err,
		 const char *fmt, ...) DN_PRINTF(5, 6);

static int alert(struct dn_profile_result *r, int column, const char *kind, struct dn_error *err,
		 const char *fmt, ...)
{
	struct dn_profile_alert *na = dn_realloc(r->alerts, sizeof *na * (size_t)(r->nalerts + 1));
	if (!na)
		return dn_error_set(err, DN_ENOMEM, "out of memory");
	r->alerts = na;
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	na[r->nalerts].column = column;
	na[r->nalerts].kind = kind;
	na[r->nalerts].message = dn_strdup(buf);
	if (!na[r->nalerts].message)
		return dn_error_set(err, DN_ENOMEM, "out of memory");
	r->nalerts++;
	return 0;
}

/* A deferred column's distinct values and its k most frequent, from runs of equal values in
 * its sorted values: exact, and in cmp_topv's order (the runs come by value, so a run only
 * displaces one strictly shorter). Each shows as it was first read (-0 or 0). */
static int sorted_counts(const struct pcol *c, int k, struct dn_profile_column *o,
			 struct dn_error *err)
{
	struct run {
		size_t at, len;
	} *best = dn_malloc(sizeof *best * (size_t)(k > 0 ? k : 1));
	size_t n = c->sorted ? c->nsorted : 0, distinct = 0;
	int nb = 0;
	if (!best)
		return dn_error_set(err, DN_ENOMEM, "out of memory");
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		while (j < n && c->sorted[j] == c->sorted[i])
			j++;
		distinct++;
		if (k > 0 && (nb < k || j - i > best[k - 1].len)) {
			int at = nb < k ? nb++ : k - 1;
			while (at > 0 && best[at - 1].len < j - i) {
				best[at] = best[at - 1];
				at--;
			}
			best[at] = (struct run){i, j - i};
		}
		i = j;
	}
	o->distinct = (double)distinct;
	o->distinct_exact = 1;
	o->top_exact = 1;
	o->top_error = 0;
	o->ntop = 0;
	o->top = nb ? dn_calloc((size_t)nb, sizeof *o->top) : NULL;
	if (nb && !o->top) {
		dn_free(best);
		return dn_error_set(err, DN_ENOMEM, "out of memory");
	}
	struct dn_arena a;
	dn_arena_init(&a, 1024);
	for (int t = 0; t < nb; t++) {
		uint32_t first = c->order[best[t].at];
		for (size_t q = best[t].at + 1; q < best[t].at + best[t].len; q++)
			if (c->order[q] < first)
				first = c->order[q];
		char *text = value_text(&a, c->type, measure_of(c->type, c->vals[first]), NULL, 0);
		o->top[t].count = (int64_t)best[t].len;
		if (!text || !(o->top[t].text = dn_strdup(text))) {
			dn_arena_release(&a);
			dn_free(best);
			return dn_error_set(err, DN_ENOMEM, "out of memory");
		}
		o->ntop = t + 1;
	}
	dn_arena_release(&a);
	dn_free(best);
	return 0;
}

static int column_result(struct dn_profile *p, int i, struct dn_error *err)
{
	struct pcol *c = &p->cols[i];
	struct dn_profile_column *o = &p->res.columns[i];
	o->name = c->name;
	o->type = c->type;
	o->widened_at = c->widened_at;
	o->count = c->count;
	o->missing = c->missing;
	o->min = o->max = o->mean = o->std = o->skew = NAN;
	o->len_min = o->len_mean = o->len_max = NAN;
	o->zeros = o->negatives = -1;
	for (int q = 0; q < DN_PROFILE_NQ; q++)
		o->q[q] = NAN;
	if (c->deferred) {
		DN_TRY(sorted_counts(c, p->opt.top, o, err));
	} else {
		if (c->values.dense)
			DN_TRY(counter_undense(&c->values, err));
		o->distinct = c->values.sketch ? dn_hll_estimate(c->values.hll) :
						 (double)c->values.n;
		o->distinct_exact = !c->values.sketch;
		DN_TRY(counter_top(&c->values, p->opt.top, &o->top, &o->ntop, err));
		o->top_exact = !c->values.sketch;
		o->top_error = c->values.err;
	}
	if (c->type == DN_STRING) {
		DN_TRY(counter_top(&c->patterns, p->opt.top, &o->patterns, &o->npatterns, err));
		o->patterns_exact = !c->patterns.sketch;
		if (c->vcount) {
			o->len_min = (double)c->len_min;
			o->len_max = (double)c->len_max;
			o->len_mean = c->len_sum / (double)c->vcount;
		}
		return 0;
	}
	if (!c->mn)
		return 0;
	o->mean = c->mean;
	if (c->type == DN_BOOL)
		return 0;
	o->min = c->min;
	o->max = c->max;
	if ((c->type == DN_INT64 || c->type == DN_TIMESTAMP) && c->imin <= c->imax) {
		o->exact_int = 1;
		o->imin = c->imin;
		o->imax = c->imax;
	}
	double n = c->mn;
	if (c->type == DN_INT64 || c->type == DN_FLOAT64) {
		o->zeros = c->zeros;
		o->negatives = c->negs;
		o->std = n > 1 ? sqrt(c->m2 / (n - 1)) : NAN;
		if (n > 2) {
			/* pandas zeroes sums below 1e-14 (floating-point noise) first. */
			double m2 = fabs(c->m2) < 1e-14 ? 0 : c->m2;
			double m3 = fabs(c->m3) < 1e-14 ? 0 : c->m3;
			o->skew = m2 == 0 ? 0 : n * sqrt(n - 1) / (n - 2) * (m3 / pow(m2, 1.5));
		}
	}
	int bins = p->opt.hist_bins;
	o->edges = dn_malloc(sizeof(double) * (size_t)(bins + 1));
	o->hist = dn_calloc((size_t)bins, sizeof(double));
	if (!o->edges || !o->hist)
		return dn_error_set(err, DN_ENOMEM, "out of memory");
	o->nbins = bins;
	/* ±inf are left out of the histogram: its bins span the finite values. */
	double lo = c->min, hi = c->max;
	size_t f0 = 0, f1 = c->sorted ? c->nsorted : 0;
	while (f0 < f1 && isinf(c->sorted[f0]))
		f0++;
	while (f1 > f0 && isinf(c->sorted[f1 - 1]))
		f1--;
	if (p->exact && c->sorted && f1 > f0)
		lo = c->sorted[f0], hi = c->sorted[f1 - 1];
	if (!isfinite(lo) || !isfinite(hi)) { /* no finite value, or a sketch over inf */
		o->nbins = 0;
		dn_free(o->edges);
		dn_free(o->hist);
		o->edges = o->hist = NULL;
	} else {
		hist_edges(lo, hi, bins, o->edges);
	}
	if (p->exact && c->sorted) {
		for (int q = 0; q < DN_PROFILE_NQ; q++)
			o->q[q] = lerp_quantile(c->sorted, c->nsorted, dn_profile_q[q]);
		if (o->nbins)
			hist_exact(c->sorted + f0, f1 - f0, bins, o->edges, o->hist);
		o->quantiles_exact = 1;
	} else if (!o->nbins) {
		DN_TRY(dn_qsketch_quantiles(&c->qs, dn_profile_q, DN_PROFILE_NQ, o->q, err));
	} else {
		DN_TRY(dn_qsketch_quantiles(&c->qs, dn_profile_q, DN_PROFILE_NQ, o->q, err));
		/* Estimated counts: differences of the sketch's ranks at the edges. */
		double below = 0;
		for (int b = 0; b < bins; b++) {
			double upto = b == bins - 1 ? (double)c->qs.n :
						      dn_qsketch_rank(&c->qs, o->edges[b + 1]);
			o->hist[b] = upto > below ? upto - below : 0;
			if (upto > below)
				below = upto;
		}
	}
	return 0;
}

/* Every column's result, one job per column on the core pool: each reads only its own column
 * (the runs of its sorted values, its counters) and writes only its own result. */
struct result_job {
	struct dn_profile *p;
	int i, rc;
	struct dn_error err;
};

static void result_job_run(void *user)
{
	struct result_job *j = user;
	dn_error_clear(&j->err);
	j->rc = column_result(j->p, j->i, &j->err);
}

static int column_results(struct dn_profile *p, struct dn_error *err)
{
	struct result_job *jobs = dn_calloc((size_t)(p->ncols ? p->ncols : 1), sizeof *jobs);
	struct dn_pool *pool = NULL;
	if (!jobs)
		return dn_error_set(err, DN_ENOMEM, "out of memory");
	if (p->ncols > 1 && dn_cpu_count() > 1 &&
	    dn_pool_new(&pool, dn_cpu_count() < p->ncols ? dn_cpu_count() : p->ncols, NULL) < 0)
		pool = NULL;
	for (int i = 0; i < p->ncols; i++) {
		jobs[i] = (struct result_job){p, i, 0, {0}};
		if (!pool || dn_pool_submit(pool, result_job_run, &jobs[i], NULL) < 0)
			result_job_run(&jobs[i]);
	}
	if (pool) {
		dn_pool_wait(pool);
		dn_pool_free(pool);
	}
	int rc = 0;
	for (int i = 0; i < p->ncols && !rc; i++)
		if ((rc = jobs[i].rc) < 0)
			*err = jobs[i].err;
	dn_free(jobs);
	return rc;
}

static int make_alerts(struct dn_profile *p, struct dn_error *err)
{
	struct dn_profile_result *r = &p->res;
	if (p->res.duplicate_rows > 0)
		DN_TRY(alert(r, -1, "duplicates", err, "duplicate rows: %lld (%.1f%% of rows)",
			     (long long)r->duplicate_rows, 100.0 * r->duplicate_rows / r->rows));
	for (int i = 0; i < r->ncolumns; i++) {
		const struct dn_profile_column *o = &r->columns[i];
		double rows = (double)r->rows;
		if (o->widened_at >= 0)
			DN_TRY(alert(r, i, "widened", err,
				     "%s became a string at row %lld; statistics other than count "
				     "and missing cover the rows from there on",
				     o->name, (long long)o->widened_at + 1));
		if (o->count == 0) {
			DN_TRY(alert(r, i, "empty", err, "%s has no values", o->name));
			continue;
		}
		if (o->missing > 0.5 * rows)
			DN_TRY(alert(r, i, "missing", err, "%s is %.1f%% missing", o->name,
				     100.0 * (double)o->missing / rows));
		if (o->distinct_exact && o->distinct == 1 && o->widened_at < 0)
			DN_TRY(alert(r, i, "constant", err, "%s has one value (%s)", o->name,
				     o->ntop ? o->top[0].text : ""));
		int idish = o->type == DN_INT64 || o->type == DN_STRING;
		int unique = o->distinct_exact ? o->distinct == (double)o->count :
						 o->distinct >= 0.98 * (double)o->count;
		if (idish && o->missing == 0 && o->count > 1 && unique && o->widened_at < 0)
			DN_TRY(alert(r, i, "identifier", err,
				     "%s is %sunique: likely an identifier", o->name,
				     o->distinct_exact ? "" : "about "));
		else if (o->type == DN_STRING && o->distinct > 0.5 * (double)o->count &&
			 o->count > 1)
			DN_TRY(alert(r, i, "high_cardinality", err,
				     "%s has %.0f distinct values (%.1f%% of its values)", o->name,
				     o->distinct, 100.0 * o->distinct / (double)o->count));
		if (!isnan(o->skew) && fabs(o->skew) > 1)
			DN_TRY(alert(r, i, "skewed", err, "%s is skewed (skewness %.2f)", o->name,
				     o->skew));
		if (o->zeros > 0 && o->zeros > 0.5 * (double)o->count)
			DN_TRY(alert(r, i, "zeros", err, "%s is %.1f%% zeros", o->name,
				     100.0 * (double)o->zeros / (double)o->count));
	}
	for (int a = 0; a < r->ncorr; a++)
		for (int b = a + 1; b < r->ncorr; b++) {
			double v = r->pearson[a * r->ncorr + b];
			if (!isnan(v) && fabs(v) > 0.9)
				DN_TRY(alert(r, r->corr_columns[a], "correlated", err,
					     "%s and %s are highly correlated (Pearson %.3f)",
					     r->columns[r->corr_columns[a]].name,
					     r->columns[r->corr_columns[b]].name, v));
		}
	return 0;
}

/* Cramér's V and the target's associations; the rank tests walk each column's sorted stored
 * values with their rows' target classes. */
static int target_results(struct dn_profile *p, struct dn_error *err)
{
	if (!p->assoc)
		return 0;
	struct dn_assoc_ranked *rk = dn_calloc((size_t)(p->ncols ? p->ncols : 1), sizeof *rk);
	if (!rk)
		return dn_error_set(err, DN_ENOMEM, "out of memory");
	for (int i = 0; i < p->ncols && p->tcodes; i++)
		if (p->cols[i].sorted) {
			rk[i].sorted = p->cols[i].sorted;
			rk[i].order = p->cols[i].order;
			rk[i].n = p->cols[i].nsorted;
			rk[i].tcode = p->tcodes;
		}
	int rc = dn_assoc_finish(p->assoc, &p->res, rk, err);
	dn_free(rk);
	return rc;
}

int dn_profile_finish(struct dn_profile *p, const struct dn_profile_result **out,
		      struct dn_error *err)
{
	if (p->finished) {
		*out = &p->res;
		return 0;
	}
	struct dn_profile_result *r = &p->res;
	if (p->ncols < 0)
		p->ncols = 0;
	r->rows = p->rows;
	r->columns = dn_calloc((size_t)(p->ncols ? p->ncols : 1), sizeof *r->columns);
	if (!r->columns)
		return dn_error_set(err, DN_ENOMEM, "out of memory");
	r->ncolumns = p->ncols;
	r->target = -1;
	if (p->opt.target) {
		for (int i = 0; i < p->ncols; i++)
			if (!strcmp(p->cols[i].name, p->opt.target))
				r->target = i;
		if (r->target < 0)
			return dn_error_set(err, DN_ENOTFOUND,
					    "no column '%s' to use as the target", p->opt.target);
	}
	p->finished = 1;
	if (p->exact || p->srows)
		DN_TRY(sort_columns(p, err));
	DN_TRY(column_results(p, err));
	r->duplicate_rows = p->exact ? p->dups : -1;
	/* Correlations over the columns that are still numeric. */
	int n = p->ncorr;
	r->ncorr = n;
	r->corr_columns = dn_malloc(sizeof(int) * (size_t)(n ? n : 1));
	r->pearson = dn_malloc(sizeof(double) * (size_t)(n ? n * n : 1));
	if (!r->corr_columns || !r->pearson)
		return dn_error_set(err, DN_ENOMEM, "out of memory");
	for (int a = 0; a < n; a++) {
		r->corr_columns[a] = p->corr_cols[a];
		r->pearson[a * n + a] = self_corr(&p->cols[p->corr_cols[a]]);
		for (int b = a + 1; b < n; b++) {
			const struct comom *m = &p->pairs[a * MAX_CORR + b];
			double v = m->m2x > 0 && m->m2y > 0 ? m->cxy / sqrt(m->m2x * m->m2y) : NAN;
			if (!is_corr_type(p->cols[p->corr_cols[a]].type) ||
			    !is_corr_type(p->cols[p->corr_cols[b]].type))
				v = NAN; /* widened to string on the way */
			r->pearson[a * n + b] = r->pearson[b * n + a] = v;
		}
	}
	r->spearman_rows = p->srows;
	r->spearman_exact = p->exact;
	if ((p->exact || p->srows > 1) && n)
		DN_TRY(spearman(p, err));
	DN_TRY(class_results(p, err));
	DN_TRY(target_results(p, err));
	DN_TRY(make_alerts(p, err));
	*out = r;
	return 0;
}
