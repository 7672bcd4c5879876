/* Sketches for profiles: HyperLogLog distinct counts, a compacting quantile sketch, and the
 * radix sort both the sketch and the exact quantiles use.
 *
 * The sort is LSD radix over the order-preserving integer image of a double: passes of eleven
 * bits over only the span of bits in which the keys differ (the high bits of similar magnitudes
 * and the zero low bits of whole numbers take none), every histogram taken in one read, a pass
 * skipped when every key has the same digit there, and no pass at all for keys already in
 * order. Large inputs first take one MSD pass into buckets that fit in cache, each then sorted
 * the same way. It is O(n) whatever the input order, so no input can make it quadratic, and on
 * a million doubles it is several times faster than qsort with a comparator. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "quality_int.h"

#define RADIX_BITS 11
#define RADIX_PASSES 6                  /* 6 * 11 >= 64 */
#define RADIX_LARGE_N ((size_t)1 << 16) /* keys past which a first MSD pass pays */
#define MSD_BUCKET 4096                 /* keys per bucket aimed at by that pass */
#define RADIX_SIZE (1 << RADIX_BITS)

void dn_q_sort_keys(uint64_t *k, uint32_t *idx, size_t n, uint64_t *tk, uint32_t *ti)
{
	uint64_t *src = k, *dst = tk;
	uint32_t *isrc = idx, *idst = ti;
	if (n < 2)
		return;
	/* Which bits differ between the keys, and are they in order already? Only the span of
	 * bits that differ needs digits: the constant high bits of values of one magnitude and
	 * the zero low bits of whole numbers cost no pass. */
	uint64_t diff = 0;
	size_t desc = 0;
	for (size_t i = 1; i < n; i++) {
		diff |= k[i] ^ k[0];
		desc += k[i] < k[i - 1];
	}
	if (!desc)
		return; /* sorted (a stable sort moves nothing) */
	int lo = __builtin_ctzll(diff), span = 64 - __builtin_clzll(diff) - lo;
	if (n >= RADIX_LARGE_N && span > RADIX_BITS + 2) {
		/* Past cache-sized inputs, every pass over the whole array is a pass over memory:
		 * one pass scatters the keys by their top bits into buckets of a few thousand
		 * (stable), then each bucket is sorted by its own remaining bits while it is in
		 * cache. */
		int tb = 1; /* top bits: at most RADIX_BITS, below span */
		while (tb < RADIX_BITS && (n >> tb) > MSD_BUCKET)
			tb++;
		int sh = lo + span - tb;
		size_t nb = (size_t)1 << tb, start[RADIX_SIZE + 1];
		memset(start, 0, sizeof start[0] * (nb + 1));
		for (size_t i = 0; i < n; i++)
			start[((k[i] >> sh) & (nb - 1)) + 1]++;
		for (size_t b = 1; b <= nb; b++)
			start[b] += start[b - 1];
		size_t at[RADIX_SIZE];
		memcpy(at, start, sizeof at[0] * nb);
		for (size_t i = 0; i < n; i++) {
			size_t j = at[(k[i] >> sh) & (nb - 1)]++;
			tk[j] = k[i];
			if (idx)
				ti[j] = idx[i];
		}
		for (size_t b = 0; b < nb; b++) {
			size_t s = start[b], m = start[b + 1] - s;
			/* Sorted in tk with k's room as scratch, then back into k. */
			dn_q_sort_keys(tk + s, idx ? ti + s : NULL, m, k + s, idx ? idx + s : NULL);
			memcpy(k + s, tk + s, m * sizeof *k);
			if (idx)
				memcpy(idx + s, ti + s, m * sizeof *idx);
		}
		return;
	}
	int passes = (span + RADIX_BITS - 1) / RADIX_BITS;
	/* The passes share the span evenly: digits as narrow as that many passes allow keep the
	 * histograms (cleared and summed every pass) small. */
	int bits = (span + passes - 1) / passes;
	size_t size = (size_t)1 << bits, mask = size - 1;
	/* All digit histograms in one read of the keys. */
	static _Thread_local size_t count[RADIX_PASSES][RADIX_SIZE];
	for (int pass = 0; pass < passes; pass++)
		memset(count[pass], 0, sizeof count[0][0] * size);
	size_t *c0 = count[0], *c1 = count[1], *c2 = count[2], *c3 = count[3], *c4 = count[4],
	       *c5 = count[5];
	for (size_t i = 0; i < n; i++) {
		uint64_t x = k[i] >> lo;
		switch (passes) { /* the same every key: predicted, and no loop per key */
		case 6:
			c5[(x >> (5 * bits)) & mask]++;
			/* fall through */
		case 5:
			c4[(x >> (4 * bits)) & mask]++;
			/* fall through */
		case 4:
			c3[(x >> (3 * bits)) & mask]++;
			/* fall through */
		case 3:
			c2[(x >> (2 * bits)) & mask]++;
			/* fall through */
		case 2:
			c1[(x >> bits) & mask]++;
			/* fall through */
		default:
			c0[x & mask]++;
		}
	}
	for (int pass = 0; pass < passes; pass++) {
		int sh = lo + pass * bits;
		size_t *c = count[pass];
		if (c[(src[0] >> sh) & mask] == n)
			continue; /* every key has this digit: the pass would not move anything */
		size_t sum = 0;
		for (size_t b = 0; b < size; b++) {
			size_t t = c[b];
			c[b] = sum;
			sum += t;
		}
		if (isrc) {
			for (size_t i = 0; i < n; i++) {
				size_t at = c[(src[i] >> sh) & mask]++;
				dst[at] = src[i];
				idst[at] = isrc[i];
			}
		} else {
			for (size_t i = 0; i < n; i++)
				dst[c[(src[i] >> sh) & mask]++] = src[i];
		}
		uint64_t *t = src;
		src = dst;
		dst = t;
		uint32_t *it = isrc;
		isrc = idst;
		idst = it;
	}
	if (src != k) {
		memcpy(k, src, n * sizeof *k);
		if (idx)
			memcpy(idx, isrc, n * sizeof *idx);
	}
}

void dn_q_sort(double *v, size_t n, double *tmp)
{
	/* The keys overwrite the values in place (same size), then map back. */
	uint64_t *k = (uint64_t *)(void *)v;
	for (size_t i = 0; i < n; i++)
		k[i] = dn_q_key(v[i]);
	dn_q_sort_keys(k, NULL, n, (uint64_t *)(void *)tmp, NULL);
	for (size_t i = 0; i < n; i++)
		v[i] = dn_q_unkey(k[i]);
}

/* ---- HyperLogLog ---- */

void dn_hll_init(struct dn_hll *h)
{
	memset(h->reg, 0, sizeof h->reg);
}

void dn_hll_merge(struct dn_hll *into, const struct dn_hll *from)
{
	for (size_t i = 0; i < sizeof into->reg; i++)
		if (from->reg[i] > into->reg[i])
			into->reg[i] = from->reg[i];
}

double dn_hll_estimate(const struct dn_hll *h)
{
	const double m = (double)(1 << DN_HLL_P);
	double sum = 0;
	int zeros = 0;
	for (size_t i = 0; i < sizeof h->reg; i++) {
		sum += ldexp(1.0, -h->reg[i]);
		zeros += h->reg[i] == 0;
	}
	double alpha = 0.7213 / (1 + 1.079 / m);
	double e = alpha * m * m / sum;
	if (zeros) {
		/* Linear counting is the better estimate below Heule et al.'s threshold for
		 * p = 14 (11500), where raw HLL is biased. */
		double lc = m * log(m / zeros);
		if (lc <= 11500)
			return lc;
	}
	return e;
}

/* ---- quantile sketch ---- */

/* Level 0 holds 4k: it is the only level sorted, and a radix sort's fixed cost (clearing and
 * summing its digit counts) weighs four times less per value over 16K values than over 4K. Its
 * compactions are four times fewer, so its share of the rank error only shrinks. */
#define QS_L0 (4 * DN_QSKETCH_K)

void dn_qsketch_init(struct dn_qsketch *s)
{
	memset(s, 0, sizeof *s);
	s->rng = UINT64_C(0x853c49e6748fea9b);
}

void dn_qsketch_release(struct dn_qsketch *s)
{
	for (int i = 0; i < s->nlevels; i++)
		dn_free(s->level[i]);
	dn_qsketch_init(s);
}

static int qs_level(struct dn_qsketch *s, int h, struct dn_error *err)
{
	while (s->nlevels <= h) {
		if (s->nlevels == 48)
			return dn_error_set(err, DN_ELIMIT, "quantile sketch: too many levels");
		/* Level 0: its QS_L0 values and as many again, the scratch of its sort. Above:
		 * a level at k - 1 can take what the level below moves up at once, at most
		 * QS_L0 / 2 (from level 0) before it compacts. */
		size_t room = s->nlevels ? DN_QSKETCH_K + QS_L0 / 2 : 2 * QS_L0;
		s->level[s->nlevels] = dn_malloc(sizeof(double) * room);
		if (!s->level[s->nlevels])
			return dn_error_set(err, DN_ENOMEM, "out of memory (quantile sketch)");
		s->len[s->nlevels++] = 0;
	}
	return 0;
}

/* Compact level h while it is full: every other value of the sorted level, from a random
 * offset, moves up with twice the weight. Only level 0 is ever sorted: what moves up is in
 * order, and merging it into the (sorted) level above keeps that level sorted too, so the
 * levels above level 0 cost a merge instead of a sort. */
static int qs_compact(struct dn_qsketch *s, int h, struct dn_error *err)
{
	double tmp[QS_L0 / 2]; /* the most a compaction moves up */
	while (s->len[h] >= (h ? DN_QSKETCH_K : QS_L0)) {
		DN_TRY(qs_level(s, h + 1, err));
		double *v = s->level[h];
		int n = s->len[h];
		if (h == 0)
			dn_q_sort(v, (size_t)n, v + QS_L0);
		s->rng = s->rng * 6364136223846793005ULL + 1442695040888963407ULL;
		int off = (int)(s->rng >> 63);
		int keep = n & 1; /* an odd one out stays at this level */
		int p = 0;
		for (int i = off; i < n - keep; i += 2)
			tmp[p++] = v[i];
		/* Merge the p moved values into the level above from the back, in place. */
		double *up = s->level[h + 1];
		int m = s->len[h + 1], a = m - 1, b = p - 1, out = m + p - 1;
		while (b >= 0) {
			if (a >= 0 && up[a] > tmp[b])
				up[out--] = up[a--];
			else
				up[out--] = tmp[b--];
		}
		s->len[h + 1] = m + p;
		if (keep) {
			v[0] = v[n - 1];
			s->len[h] = 1;
		} else {
			s->len[h] = 0;
		}
		h++;
	}
	return 0;
}

int dn_qsketch_add(struct dn_qsketch *s, double v, struct dn_error *err)
{
	return dn_qsketch_add_many(s, &v, 1, err);
}

int dn_qsketch_add_many(struct dn_qsketch *s, const double *v, size_t n, struct dn_error *err)
{
	if (!s->nlevels)
		DN_TRY(qs_level(s, 0, err));
	size_t i = 0;
	while (i < n) {
		/* Fill level 0 up to its capacity, then compact, as one value at a time would. */
		double *l0 = s->level[0];
		int len = s->len[0];
		for (; i < n && len < QS_L0; i++) {
			l0[len] = v[i]; /* a NaN is overwritten by the next value */
			len += !isnan(v[i]);
		}
		s->n += len - s->len[0];
		s->len[0] = len;
		if (len >= QS_L0)
			DN_TRY(qs_compact(s, 0, err));
	}
	return 0;
}

struct qs_item {
	double v;
	int64_t w;
};

static int qs_item_cmp(const void *a, const void *b)
{
	double x = ((const struct qs_item *)a)->v, y = ((const struct qs_item *)b)->v;
	return x < y ? -1 : x > y;
}

double dn_qsketch_rank(const struct dn_qsketch *s, double x)
{
	double r = 0;
	for (int h = 0; h < s->nlevels; h++)
		for (int i = 0; i < s->len[h]; i++)
			if (s->level[h][i] <= x)
				r += ldexp(1.0, h);
	return r;
}

double dn_qsketch_rank_error(const struct dn_qsketch *s)
{
	/* Each compaction of level h moves a rank by at most 2^h; level h compacts about
	 * n / (k 2^h) times, so each level adds at most n / k. */
	return s->nlevels > 1 ? (double)(s->nlevels - 1) * (double)s->n / DN_QSKETCH_K : 0;
}

int dn_qsketch_quantiles(const struct dn_qsketch *s, const double *qs, int nq, double *out,
			 struct dn_error *err)
{
	size_t n = 0;
	for (int h = 0; h < s->nlevels; h++)
		n += (size_t)s->len[h];
	if (!n) {
		for (int i = 0; i < nq; i++)
			out[i] = NAN;
		return 0;
	}
	struct qs_item *it = dn_malloc(n * sizeof *it);
	if (!it)
		return dn_error_set(err, DN_ENOMEM, "out of memory (quantiles)");
	size_t m = 0;
	int64_t total = 0;
	for (int h = 0; h < s->nlevels; h++)
		for (int i = 0; i < s->len[h]; i++) {
			it[m].v = s->level[h][i];
			it[m++].w = (int64_t)1 << h;
			total += (int64_t)1 << h;
		}
	qsort(it, n, sizeof *it, qs_item_cmp);
	/* Position p (0-based, fractional) in the weighted order: the value whose span covers
	 * floor(p), interpolated towards the one covering floor(p) + 1. */
	size_t j = 0;
	int64_t before = 0; /* weight of items before j */
	for (int q = 0; q < nq; q++) {
		double pos = qs[q] * (double)(total - 1);
		int64_t lo = (int64_t)floor(pos);
		double frac = pos - (double)lo;
		while (j + 1 < n && before + it[j].w <= lo) {
			before += it[j].w;
			j++;
		}
		double a = it[j].v, b = a;
		if (frac > 0) {
			if (before + it[j].w > lo + 1 || j + 1 >= n)
				b = a;
			else
				b = it[j + 1].v;
		}
		out[q] = a + (b - a) * frac;
	}
	dn_free(it);
	return 0;
}
