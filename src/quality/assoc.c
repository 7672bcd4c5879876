/* Associations, gathered in the profile's one pass: Cramér's V between categorical columns, and
 * every feature's association with a target column, with the test that fits the two types.
 *
 * Categorical columns (strings, bools) are coded per batch: each of a column's first
 * ASSOC_LEVELS distinct values gets a small code, found through a hash of the value. A column
 * with more distinct values than that drops out (a contingency table over hundreds of levels
 * says little and costs much); the result says so. With the codes, every accumulator is a
 * count or a running moment:
 *
 *   categorical x categorical   contingency counts        -> chi-square, Cramér's V
 *   numeric feature x classes   per class n, mean, M2      -> Welch's t (2 classes), ANOVA
 *   categorical feature x num.  per level n, mean, M2      -> ANOVA
 *   numeric x numeric target    co-moments                 -> Pearson's r and its t-test
 *
 * A numeric target is also coded as classes while it has few distinct values, so a 0/1 int
 * target is treated as binary at the end. The rank tests of a binary target (Mann-Whitney U,
 * Kolmogorov-Smirnov) need the values in order: they walk the profile's sorted stored values,
 * with the class of each stored row (dn_assoc_add hands the classes back per row). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "quality_int.h"

#define ASSOC_LEVELS 64  /* levels of a categorical column */
#define ASSOC_CLASSES 32 /* classes of the target */
#define ASSOC_CRAMER 16  /* categorical columns in the Cramér's V matrix */
#define SLOTS 128        /* hash slots per coding table (> 2 x the most codes) */
#define CLASS_TEXT 64

enum { K_NONE, K_NUM, K_CAT };

struct mom {
	double n, mean, m2;
};

struct coding {
	int n, max;
	int over; /* more distinct values than max */
	uint64_t key[SLOTS];
	uint8_t code[SLOTS];
};

struct acol {
	enum dn_type type;
	int kind;
	const char *dead; /* static reason it stopped counting, or NULL */
	struct coding cd; /* K_CAT */
	int cramer;       /* index among the Cramér columns, or -1 */
	/* with a target */
	struct mom cls[ASSOC_CLASSES];        /* K_NUM: the feature per target class */
	double cn, cmx, cmy, cxy, cm2x, cm2y; /* K_NUM: co-moments with a numeric target */
	struct mom lev[ASSOC_LEVELS];         /* K_CAT: the target per level */
	int64_t *ct;                          /* K_CAT: ASSOC_LEVELS x ASSOC_CLASSES counts */
};

struct dn_assoc {
	int ncols;
	struct acol *cols;
	int target;
	struct coding tcd; /* the target's classes */
	char ctext[ASSOC_CLASSES][CLASS_TEXT + 1];
	double cval[ASSOC_CLASSES]; /* numeric and bool classes: the value */
	int ncram;
	int cram_cols[ASSOC_CRAMER];
	int64_t *pairs; /* ncram x ncram tables of ASSOC_LEVELS^2, upper triangle used */
	uint8_t *codes; /* batch: per categorical column a code per row */
	size_t codes_rows;
};

static int is_num(enum dn_type t)
{
	return t == DN_INT64 || t == DN_FLOAT64 || t == DN_DATE || t == DN_TIMESTAMP;
}

static int is_cat(enum dn_type t)
{
	return t == DN_STRING || t == DN_BOOL;
}

#define NO_CODE 255

/* The code of key (not 0), given on first sight; NO_CODE past max codes. */
static uint8_t code_of(struct coding *c, uint64_t key)
{
	size_t h = (size_t)((key * UINT64_C(0x9E3779B97F4A7C15)) >> 57) & (SLOTS - 1);
	while (c->key[h]) {
		if (c->key[h] == key)
			return c->code[h];
		h = (h + 1) & (SLOTS - 1);
	}
	if (c->n == c->max) {
		c->over = 1;
		return NO_CODE;
	}
	c->key[h] = key;
	c->code[h] = (uint8_t)c->n;
	return (uint8_t)c->n++;
}

static uint64_t num_key(double d)
{
	uint64_t u;
	if (d == 0)
		d = 0;
	memcpy(&u, &d, 8);
	return u ? u : 1;
}

int dn_assoc_new(struct dn_assoc **out, const struct dn_schema *s, int target, struct dn_error *err)
{
	struct dn_assoc *a = dn_calloc(1, sizeof *a);
	if (!a)
		return dn_error_set(err, DN_ENOMEM, "out of memory");
	*out = a;
	a->ncols = s->nfields;
	a->target = target;
	a->tcd.max = ASSOC_CLASSES;
	a->cols = dn_calloc((size_t)(a->ncols ? a->ncols : 1), sizeof *a->cols);
	if (!a->cols)
		return dn_error_set(err, DN_ENOMEM, "out of memory");
	for (int i = 0; i < a->ncols; i++) {
		struct acol *c = &a->cols[i];
		c->type = s->fields[i].type;
		c->kind = is_num(c->type) ? K_NUM : is_cat(c->type) ? K_CAT : K_NONE;
		c->cramer = -1;
		c->cd.max = ASSOC_LEVELS;
		if (c->kind == K_CAT && a->ncram < ASSOC_CRAMER) {
			c->cramer = a->ncram;
			a->cram_cols[a->ncram++] = i;
		}
		if (c->kind == K_CAT && target >= 0 && i != target) {
			c->ct = dn_calloc(ASSOC_LEVELS * ASSOC_CLASSES, sizeof *c->ct);
			if (!c->ct)
				return dn_error_set(err, DN_ENOMEM, "out of memory");
		}
	}
	if (a->ncram > 1) {
		a->pairs =
			dn_calloc((size_t)a->ncram * (size_t)a->ncram * ASSOC_LEVELS * ASSOC_LEVELS,
				  sizeof *a->pairs);
		if (!a->pairs)
			return dn_error_set(err, DN_ENOMEM, "out of memory");
	}
	return 0;
}

void dn_assoc_free(struct dn_assoc *a)
{
	if (!a)
		return;
	for (int i = 0; a->cols && i < a->ncols; i++)
		dn_free(a->cols[i].ct);
	dn_free(a->cols);
	dn_free(a->pairs);
	dn_free(a->codes);
	dn_free(a);
}

void dn_assoc_widen(struct dn_assoc *a, int col, enum dn_type to)
{
	struct acol *c = &a->cols[col];
	enum dn_type from = c->type;
	c->type = to;
	if (from == DN_INT64 && to == DN_FLOAT64)
		return; /* the same numbers */
	c->dead = "its type changed while reading";
}

static void mom_add(struct mom *m, double x)
{
	m->n++;
	double d = x - m->mean;
	m->mean += d / m->n;
	m->m2 += d * (x - m->mean);
}

/* The target's class of row r (NO_CODE for null or past the class limit), its text kept the
 * first time it is seen. */
static uint8_t target_class(struct dn_assoc *a, const struct dn_column *t, const double *x,
			    const uint64_t *keys, int64_t r)
{
	uint64_t key;
	if (keys) {
		if (!keys[r])
			return NO_CODE;
		key = keys[r];
	} else if (x) {
		if (isnan(x[r]))
			return NO_CODE;
		key = num_key(x[r]);
	} else {
		return NO_CODE;
	}
	int before = a->tcd.n;
	uint8_t k = code_of(&a->tcd, key);
	if (k != NO_CODE && a->tcd.n > before) {
		char buf[64];
		const char *s = buf;
		size_t len;
		if (t->type == DN_STRING) {
			struct dn_str v = dn_column_str(t, r);
			s = v.ptr;
			len = v.len;
		} else if (t->type == DN_BOOL) {
			s = dn_column_bool(t, r) ? "true" : "false";
			len = strlen(s);
		} else {
			if (t->type == DN_INT64)
				snprintf(buf, sizeof buf, "%lld", (long long)dn_column_i64(t, r));
			else if (t->type == DN_FLOAT64)
				dn_format_f64(dn_column_f64(t, r), buf);
			else if (t->type == DN_DATE)
				dn_date_format(dn_column_date(t, r), buf);
			else if (t->type == DN_TIMESTAMP)
				dn_timestamp_format(dn_column_i64(t, r), buf);
			else
				buf[0] = 0;
			len = strlen(buf);
		}
		if (len > CLASS_TEXT) {
			len = CLASS_TEXT;
			while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
				len--;
		}
		memcpy(a->ctext[k], s, len);
		a->ctext[k][len] = 0;
		a->cval[k] = x ? x[r] : NAN;
	}
	return k;
}

int dn_assoc_add(struct dn_assoc *a, const struct dn_column *tcol, double *const *x,
		 uint64_t *const *keys, int64_t nrows, uint8_t *tcode, struct dn_error *err)
{
	if ((size_t)nrows > a->codes_rows) {
		dn_free(a->codes);
		a->codes = dn_malloc((size_t)nrows * (size_t)(a->ncols ? a->ncols : 1));
		a->codes_rows = a->codes ? (size_t)nrows : 0;
		if (!a->codes)
			return dn_error_set(err, DN_ENOMEM, "out of memory");
	}
	/* Code every categorical column's rows. */
	for (int i = 0; i < a->ncols; i++) {
		struct acol *c = &a->cols[i];
		uint8_t *cd = a->codes + (size_t)i * (size_t)nrows;
		if (c->kind != K_CAT || c->dead)
			continue;
		if (c->type == DN_BOOL && x[i]) {
			for (int64_t r = 0; r < nrows; r++)
				cd[r] = isnan(x[i][r]) ? NO_CODE : code_of(&c->cd, x[i][r] ? 2 : 1);
		} else if (c->type == DN_STRING && keys[i]) {
			for (int64_t r = 0; r < nrows; r++)
				cd[r] = keys[i][r] ? code_of(&c->cd, keys[i][r]) : NO_CODE;
		} else {
			c->dead = "its type changed while reading";
			continue;
		}
		if (c->cd.over)
			c->dead = "it has more than 64 distinct values";
	}
	/* Cramér's V tables. */
	for (int p = 0; p < a->ncram; p++)
		for (int q = p + 1; q < a->ncram; q++) {
			struct acol *cp = &a->cols[a->cram_cols[p]],
				    *cq = &a->cols[a->cram_cols[q]];
			if (cp->dead || cq->dead)
				continue;
			const uint8_t *u = a->codes + (size_t)a->cram_cols[p] * (size_t)nrows;
			const uint8_t *v = a->codes + (size_t)a->cram_cols[q] * (size_t)nrows;
			int64_t *tab = a->pairs + ((size_t)p * (size_t)a->ncram + (size_t)q) *
							  ASSOC_LEVELS * ASSOC_LEVELS;
			for (int64_t r = 0; r < nrows; r++)
				if (u[r] != NO_CODE && v[r] != NO_CODE)
					tab[u[r] * ASSOC_LEVELS + v[r]]++;
		}
	if (a->target < 0)
		return 0;
	struct acol *t = &a->cols[a->target];
	const double *tx = t->kind == K_NUM && !t->dead ? x[a->target] : NULL;
	int classes = !t->dead && !a->tcd.over;
	for (int64_t r = 0; r < nrows; r++)
		tcode[r] = classes ?
				   target_class(a, tcol, t->type == DN_STRING ? NULL : x[a->target],
						t->type == DN_STRING ? keys[a->target] : NULL, r) :
				   NO_CODE;
	if (a->tcd.over) /* past the class limit: the class views stop */
		for (int64_t r = 0; r < nrows; r++)
			tcode[r] = NO_CODE;
	for (int i = 0; i < a->ncols; i++) {
		struct acol *c = &a->cols[i];
		if (i == a->target || c->dead || t->dead)
			continue;
		if (c->kind == K_NUM) {
			const double *f = x[i];
			if (!f)
				continue;
			for (int64_t r = 0; r < nrows; r++)
				if (!isnan(f[r]) && tcode[r] != NO_CODE)
					mom_add(&c->cls[tcode[r]], f[r]);
			if (tx)
				for (int64_t r = 0; r < nrows; r++) {
					if (isnan(f[r]) || isnan(tx[r]))
						continue;
					/* Welford's co-moment update. */
					c->cn++;
					double dx = f[r] - c->cmx;
					c->cmx += dx / c->cn;
					double dy = tx[r] - c->cmy;
					c->cmy += dy / c->cn;
					c->cxy += dx * (tx[r] - c->cmy);
					c->cm2x += dx * (f[r] - c->cmx);
					c->cm2y += dy * (tx[r] - c->cmy);
				}
		} else if (c->kind == K_CAT) {
			const uint8_t *cd = a->codes + (size_t)i * (size_t)nrows;
			for (int64_t r = 0; r < nrows; r++) {
				if (cd[r] == NO_CODE)
					continue;
				if (tcode[r] != NO_CODE)
					c->ct[cd[r] * ASSOC_CLASSES + tcode[r]]++;
				if (tx && !isnan(tx[r]))
					mom_add(&c->lev[cd[r]], tx[r]);
			}
		}
	}
	return 0;
}

/* ---- tests ---- */

/* Pearson's chi-square of a table (rows x cols of int64 at stride), empty rows and columns
 * left out. Yates' continuity correction when yates and one degree of freedom (as scipy's
 * chi2_contingency). Returns the statistic; *plain the uncorrected one, *dof, *n. */
static double chi_square(const int64_t *tab, int rows, int cols, int stride, int yates,
			 double *plain, double *dof, double *n, int *kmin)
{
	double rs[ASSOC_LEVELS], cs[ASSOC_LEVELS];
	int nr = 0, nc = 0;
	double total = 0;
	for (int i = 0; i < rows; i++) {
		rs[i] = 0;
		for (int j = 0; j < cols; j++)
			rs[i] += (double)tab[i * stride + j];
		total += rs[i];
		nr += rs[i] > 0;
	}
	for (int j = 0; j < cols; j++) {
		cs[j] = 0;
		for (int i = 0; i < rows; i++)
			cs[j] += (double)tab[i * stride + j];
		nc += cs[j] > 0;
	}
	*n = total;
	*kmin = nr < nc ? nr : nc;
	*dof = (double)(nr - 1) * (double)(nc - 1);
	*plain = NAN;
	if (nr < 2 || nc < 2)
		return NAN;
	double chi = 0, chy = 0;
	for (int i = 0; i < rows; i++)
		for (int j = 0; j < cols; j++) {
			if (rs[i] == 0 || cs[j] == 0)
				continue;
			double e = rs[i] * cs[j] / total, o = (double)tab[i * stride + j];
			double d = o - e;
			chi += d * d / e;
			double ad = fabs(d) < 0.5 ? 0 : fabs(d) - 0.5;
			chy += ad * ad / e;
		}
	*plain = chi;
	return yates && *dof == 1 ? chy : chi;
}

/* One-way ANOVA over groups: F, degrees of freedom and eta squared. */
static void anova(const struct mom *g, int k, struct dn_profile_assoc *o)
{
	double N = 0, sum = 0, ssw = 0, ssb = 0;
	int groups = 0;
	for (int i = 0; i < k; i++)
		if (g[i].n > 0) {
			N += g[i].n;
			sum += g[i].n * g[i].mean;
			ssw += g[i].m2;
			groups++;
		}
	o->n = (int64_t)N;
	if (groups < 2 || N <= groups) {
		o->note = groups < 2 ? "fewer than two groups with values" : "too few rows";
		return;
	}
	double grand = sum / N;
	for (int i = 0; i < k; i++)
		if (g[i].n > 0)
			ssb += g[i].n * (g[i].mean - grand) * (g[i].mean - grand);
	o->test = "anova";
	o->df1 = groups - 1;
	o->df2 = N - groups;
	if (ssw == 0) {
		o->statistic = ssb > 0 ? INFINITY : NAN;
		o->p = ssb > 0 ? 0 : NAN;
		if (ssb == 0) /* one value throughout: nothing to test */
			o->note = "no variation: the column or the target is constant";
	} else {
		o->statistic = (ssb / o->df1) / (ssw / o->df2);
		o->p = dn_stat_f_sf(o->statistic, o->df1, o->df2);
	}
	o->effect = ssb + ssw > 0 ? ssb / (ssb + ssw) : NAN;
}

/* Welch's t between two groups (b minus a), plus eta squared. */
static void welch(const struct mom *ga, const struct mom *gb, struct dn_profile_assoc *o)
{
	struct mom g[2] = {*ga, *gb};
	anova(g, 2, o); /* eta squared and n */
	o->test = NULL;
	o->df2 = NAN;
	if (ga->n < 2 || gb->n < 2) {
		o->note = "a class has fewer than two values";
		o->effect = NAN;
		return;
	}
	o->note = NULL;
	double va = ga->m2 / (ga->n - 1) / ga->n, vb = gb->m2 / (gb->n - 1) / gb->n;
	o->test = "welch";
	if (va + vb == 0) {
		o->statistic = gb->mean == ga->mean ? NAN : copysign(INFINITY, gb->mean - ga->mean);
		o->df1 = NAN;
		o->p = isnan(o->statistic) ? NAN : 0;
		if (isnan(o->statistic))
			o->note = "no variation: a constant column";
		return;
	}
	o->statistic = (gb->mean - ga->mean) / sqrt(va + vb);
	o->df1 = (va + vb) * (va + vb) / (va * va / (ga->n - 1) + vb * vb / (gb->n - 1));
	o->p = dn_stat_t_p2(o->statistic, o->df1);
}

/* Mann-Whitney U (of class b) and the Kolmogorov-Smirnov D between two classes of a feature,
 * from its sorted values and each stored row's class. */
static void rank_tests(const struct dn_assoc_ranked *s, uint8_t ca, uint8_t cb,
		       struct dn_profile_assoc *o)
{
	double na = 0, nb = 0;
	for (size_t i = 0; i < s->n; i++) {
		uint8_t k = s->tcode[s->order[i]];
		na += k == ca;
		nb += k == cb;
	}
	o->rank_rows = (int64_t)(na + nb);
	if (na < 1 || nb < 1)
		return;
	double pos = 0, rb = 0, ties = 0, fa = 0, fb = 0, d = 0;
	for (size_t i = 0; i < s->n;) {
		size_t j = i;
		double ga = 0, gb = 0;
		while (j < s->n && s->sorted[j] == s->sorted[i]) {
			uint8_t k = s->tcode[s->order[j]];
			ga += k == ca;
			gb += k == cb;
			j++;
		}
		double t = ga + gb;
		rb += gb * (pos + (t + 1) / 2);
		ties += t * t * t - t;
		pos += t;
		fa += ga;
		fb += gb;
		double gap = fabs(fa / na - fb / nb);
		if (gap > d)
			d = gap;
		i = j;
	}
	double n = na + nb, mu = na * nb / 2;
	o->mw_u = rb - nb * (nb + 1) / 2;
	double sigma = sqrt(na * nb / 12 * ((n + 1) - ties / (n * (n - 1))));
	if (sigma > 0) {
		double z = (fabs(o->mw_u - mu) - 0.5) / sigma;
		o->mw_p = fmin(1, 2 * dn_stat_norm_sf(z));
	} else {
		o->mw_p = 1; /* every value tied: no evidence of a shift (scipy says 1 too) */
	}
	o->ks_d = d;
	o->ks_p = dn_stat_kolmogorov_sf(sqrt(na * nb / n) * d);
}

static int cmp_class(const struct dn_assoc *a, int x, int y, int numeric)
{
	if (numeric)
		return a->cval[x] < a->cval[y] ? -1 : a->cval[x] > a->cval[y];
	return strcmp(a->ctext[x], a->ctext[y]);
}

static int cmp_rank(const void *x, const void *y)
{
	const struct dn_profile_assoc *a = x, *b = y;
	int ea = !isnan(a->effect), eb = !isnan(b->effect);
	if (ea != eb)
		return ea ? -1 : 1;
	if (ea && a->effect != b->effect)
		return a->effect > b->effect ? -1 : 1;
	if (ea && !isnan(a->p) && !isnan(b->p) && a->p != b->p)
		return a->p < b->p ? -1 : 1;
	return a->column - b->column;
}

int dn_assoc_finish(struct dn_assoc *a, struct dn_profile_result *r,
		    const struct dn_assoc_ranked *ranked, struct dn_error *err)
{
	/* Cramér's V between the categorical columns. */
	int m = a->ncram;
	r->ncat = m;
	r->cat_columns = dn_malloc(sizeof(int) * (size_t)(m ? m : 1));
	r->cramer = dn_malloc(sizeof(double) * (size_t)(m ? m * m : 1));
	if (!r->cat_columns || !r->cramer)
		return dn_error_set(err, DN_ENOMEM, "out of memory");
	for (int p = 0; p < m; p++) {
		r->cat_columns[p] = a->cram_cols[p];
		r->cramer[p * m + p] = a->cols[a->cram_cols[p]].dead ? NAN : 1;
		for (int q = p + 1; q < m; q++) {
			struct acol *cp = &a->cols[a->cram_cols[p]],
				    *cq = &a->cols[a->cram_cols[q]];
			double v = NAN, plain, dof, n;
			if (!cp->dead && !cq->dead) {
				const int64_t *tab =
					a->pairs + ((size_t)p * (size_t)m + (size_t)q) *
							   ASSOC_LEVELS * ASSOC_LEVELS;
				int k;
				chi_square(tab, cp->cd.n, cq->cd.n, ASSOC_LEVELS, 0, &plain, &dof,
					   &n, &k);
				if (!isnan(plain) && k > 1 && n > 0)
					v = sqrt(plain / (n * (k - 1)));
			}
			r->cramer[p * m + q] = r->cramer[q * m + p] = v;
		}
	}
	if (a->target < 0)
		return 0;
	/* The target's kind. */
	struct acol *t = &a->cols[a->target];
	int ncls = a->tcd.over ? 0 : a->tcd.n;
	if (t->dead && !(t->kind == K_CAT && t->cd.over))
		r->target_kind = NULL; /* (many classes leave it categorical: noted below) */
	else if (t->kind == K_CAT)
		r->target_kind = ncls == 2 ? "binary" : "categorical";
	else if (t->kind == K_NUM)
		r->target_kind = ncls == 2 && t->type != DN_DATE && t->type != DN_TIMESTAMP ?
					 "binary" :
					 "numeric";
	int binary = r->target_kind && !strcmp(r->target_kind, "binary");
	int numeric = r->target_kind && !strcmp(r->target_kind, "numeric");
	/* Binary classes in order: by value for numbers and bools, else by text. */
	uint8_t ca = 0, cb = 1;
	if (binary && cmp_class(a, 0, 1, t->kind == K_NUM || t->type == DN_BOOL) > 0) {
		ca = 1;
		cb = 0;
	}
	if (binary) {
		r->class_lo = a->ctext[ca];
		r->class_hi = a->ctext[cb];
	}
	r->assoc = dn_calloc((size_t)(a->ncols ? a->ncols : 1), sizeof *r->assoc);
	if (!r->assoc)
		return dn_error_set(err, DN_ENOMEM, "out of memory");
	int n = 0;
	for (int i = 0; i < a->ncols; i++) {
		struct acol *c = &a->cols[i];
		if (i == a->target)
			continue;
		struct dn_profile_assoc *o = &r->assoc[n++];
		o->column = i;
		o->statistic = o->df1 = o->df2 = o->p = o->effect = NAN;
		o->mw_u = o->mw_p = o->ks_d = o->ks_p = NAN;
		if (!r->target_kind) {
			o->note = t->dead ? "the target's type changed while reading" :
					    "the target is neither numeric nor categorical";
			continue;
		}
		if (c->dead) {
			o->note = c->dead;
			continue;
		}
		if (c->kind == K_NONE) {
			o->note = "not a numeric or categorical column";
			continue;
		}
		if (!numeric && (a->tcd.over || t->cd.over)) {
			o->note = "the target has more than 32 classes";
			continue;
		}
		if (c->kind == K_NUM && numeric) {
			o->n = (int64_t)c->cn;
			if (c->cn < 3 || c->cm2x <= 0 || c->cm2y <= 0) {
				o->note = c->cn < 3 ? "too few rows" : "a constant column";
				continue;
			}
			double rr = c->cxy / sqrt(c->cm2x * c->cm2y);
			rr = rr > 1 ? 1 : rr < -1 ? -1 : rr;
			o->test = "pearson";
			o->statistic = rr;
			o->df1 = c->cn - 2;
			o->p = fabs(rr) == 1 ?
				       0 :
				       dn_stat_t_p2(rr * sqrt(o->df1 / (1 - rr * rr)), o->df1);
			o->effect = rr * rr;
		} else if (c->kind == K_NUM && binary) {
			welch(&c->cls[ca], &c->cls[cb], o);
			if (ranked && ranked[i].sorted && ranked[i].tcode)
				rank_tests(&ranked[i], ca, cb, o);
		} else if (c->kind == K_NUM) {
			anova(c->cls, ncls, o);
		} else if (numeric) {
			anova(c->lev, c->cd.n, o);
		} else {
			double plain, dof, nn;
			int kk;
			double chi = chi_square(c->ct, c->cd.n, ncls, ASSOC_CLASSES, 1, &plain,
						&dof, &nn, &kk);
			o->n = (int64_t)nn;
			if (isnan(chi)) {
				o->note = "fewer than two levels or classes with values";
				continue;
			}
			o->test = "chi2";
			o->statistic = chi;
			o->df1 = dof;
			o->p = dn_stat_chi2_sf(chi, dof);
			/* Cramér's V squared: chi-square without the correction. */
			o->effect = plain / (nn * (kk - 1));
		}
	}
	r->nassoc = n;
	qsort(r->assoc, (size_t)n, sizeof *r->assoc, cmp_rank);
	for (int i = 0; i < n; i++)
		r->assoc[i].rank = isnan(r->assoc[i].effect) ? 0 : i + 1;
	return 0;
}
