/* Distributions for p-values: Student's t, F, chi-square, the normal and Kolmogorov's limit.
 *
 * Everything rests on the regularized incomplete beta and gamma functions, evaluated with
 * their continued fractions (modified Lentz) in the region where those converge fast, and
 * with the series or the symmetry relation elsewhere. Upper tails are computed directly, not
 * as 1 - cdf, so small p-values keep their relative precision. */
#include <float.h>
#include <math.h>

#include "quality_int.h"

#define TINY 1e-300
#define EPS 1e-16
#define MAX_ITER 200000

/* Continued fraction of I_x(a, b) (the part after the prefactor); converges quickly for
 * x < (a + 1) / (a + b + 2). */
static double beta_cf(double a, double b, double x)
{
	double c = 1, d = 1 - (a + b) * x / (a + 1), h;
	if (fabs(d) < TINY)
		d = TINY;
	d = 1 / d;
	h = d;
	for (int m = 1; m <= MAX_ITER; m++) {
		double m2 = 2.0 * m;
		/* even step */
		double num = m * (b - m) * x / ((a - 1 + m2) * (a + m2));
		d = 1 + num * d;
		c = 1 + num / c;
		if (fabs(d) < TINY)
			d = TINY;
		if (fabs(c) < TINY)
			c = TINY;
		d = 1 / d;
		h *= d * c;
		/* odd step */
		num = -(a + m) * (a + b + m) * x / ((a + m2) * (a + 1 + m2));
		d = 1 + num * d;
		c = 1 + num / c;
		if (fabs(d) < TINY)
			d = TINY;
		if (fabs(c) < TINY)
			c = TINY;
		d = 1 / d;
		double step = d * c;
		h *= step;
		if (fabs(step - 1) < EPS)
			break;
	}
	return h;
}

/* Stirling's remainder: lgamma(x) - ((x - 1/2) log x - x + log(2 pi) / 2), for x >= 10. */
static double stirling_rest(double x)
{
	double r = 1 / (x * x);
	return (1.0 / 12 - r * (1.0 / 360 - r * (1.0 / 1260 - r * (1.0 / 1680 - r / 1188)))) / x;
}

/* log B(a, b). With large arguments lgamma's values are large and their difference loses
 * digits (at a = 5e5 about 1e-9 relative in the p-value); Stirling's series written as a
 * difference keeps every term moderate. */
static double log_beta(double a, double b)
{
	double big = a > b ? a : b, small = a > b ? b : a;
	if (big < 10)
		return lgamma(a) + lgamma(b) - lgamma(a + b);
	double rest = stirling_rest(big) - stirling_rest(big + small);
	if (small >= 10) /* (a - 1/2) log(a / (a + b)) + b log(b / (a + b)) - log(b) / 2 + ... */
		return -(big - 0.5) * log1p(small / big) + small * log(small / (big + small)) -
		       0.5 * log(small) + 0.5 * log(2 * M_PI) + stirling_rest(small) + rest;
	/* lgamma(b) - (lgamma(a + b) - lgamma(a)) */
	return lgamma(small) -
	       ((big - 0.5) * log1p(small / big) + small * log(big + small) - small - rest);
}

/* log of x^a (1-x)^b / B(a, b) */
static double beta_front_log(double a, double b, double x)
{
	return -log_beta(a, b) + a * log(x) + b * log1p(-x);
}

double dn_stat_beta_inc(double a, double b, double x)
{
	if (isnan(a) || isnan(b) || isnan(x) || a <= 0 || b <= 0)
		return NAN;
	if (x <= 0)
		return 0;
	if (x >= 1)
		return 1;
	if (x < (a + 1) / (a + b + 2))
		return exp(beta_front_log(a, b, x)) * beta_cf(a, b, x) / a;
	return 1 - exp(beta_front_log(b, a, 1 - x)) * beta_cf(b, a, 1 - x) / b;
}

/* 1 - I_x(a, b) = I_{1-x}(b, a), computed on the side that keeps precision. */
static double beta_inc_upper(double a, double b, double x)
{
	if (x <= 0)
		return 1;
	if (x >= 1)
		return 0;
	if (x > (a + 1) / (a + b + 2))
		return exp(beta_front_log(b, a, 1 - x)) * beta_cf(b, a, 1 - x) / b;
	return 1 - dn_stat_beta_inc(a, b, x);
}

double dn_stat_gamma_q(double a, double x)
{
	if (isnan(a) || isnan(x) || a <= 0)
		return NAN;
	if (x <= 0)
		return 1;
	if (isinf(x))
		return 0;
	double lfront = -x + a * log(x) - lgamma(a);
	if (x < a + 1) { /* series for P, then Q = 1 - P */
		double ap = a, sum = 1 / a, del = sum;
		for (int n = 0; n < MAX_ITER; n++) {
			ap += 1;
			del *= x / ap;
			sum += del;
			if (fabs(del) < fabs(sum) * EPS)
				break;
		}
		return 1 - sum * exp(lfront);
	}
	double b = x + 1 - a, c = 1 / TINY, d = 1 / b, h = d;
	for (int i = 1; i <= MAX_ITER; i++) {
		double an = -i * (i - a);
		b += 2;
		d = an * d + b;
		if (fabs(d) < TINY)
			d = TINY;
		c = b + an / c;
		if (fabs(c) < TINY)
			c = TINY;
		d = 1 / d;
		double step = d * c;
		h *= step;
		if (fabs(step - 1) < EPS)
			break;
	}
	return exp(lfront) * h;
}

double dn_stat_t_p2(double t, double df)
{
	if (isnan(t) || isnan(df) || df <= 0)
		return NAN;
	if (isinf(t))
		return 0;
	/* P(|T| > |t|) = I_{df / (df + t^2)}(df / 2, 1 / 2) */
	return dn_stat_beta_inc(df / 2, 0.5, df / (df + t * t));
}

double dn_stat_f_sf(double f, double d1, double d2)
{
	if (isnan(f) || isnan(d1) || isnan(d2) || d1 <= 0 || d2 <= 0)
		return NAN;
	if (f <= 0)
		return 1;
	if (isinf(f))
		return 0;
	/* P(F > f) = 1 - I_x(d1 / 2, d2 / 2) with x = d1 f / (d2 + d1 f) */
	double x = d1 * f / (d2 + d1 * f);
	return beta_inc_upper(d1 / 2, d2 / 2, x);
}

double dn_stat_chi2_sf(double x, double k)
{
	if (isnan(x) || isnan(k) || k <= 0)
		return NAN;
	return dn_stat_gamma_q(k / 2, x / 2);
}

double dn_stat_norm_sf(double z)
{
	return 0.5 * erfc(z / sqrt(2.0));
}

double dn_stat_kolmogorov_sf(double lambda)
{
	if (isnan(lambda))
		return NAN;
	if (lambda <= 0)
		return 1;
	if (lambda < 1) {
		/* cdf = sqrt(2 pi) / lambda * sum exp(-(2k-1)^2 pi^2 / (8 lambda^2)): few terms
		 * suffice here, where the alternating series below converges slowly. */
		double s = 0, w = M_PI * M_PI / (8 * lambda * lambda);
		for (int k = 1; k < 100; k++) {
			double term = exp(-(2.0 * k - 1) * (2.0 * k - 1) * w);
			s += term;
			if (term < 1e-17 * s)
				break;
		}
		return 1 - sqrt(2 * M_PI) / lambda * s;
	}
	double s = 0;
	for (int k = 1; k < 100; k++) {
		double term = exp(-2.0 * k * k * lambda * lambda);
		s += (k & 1) ? term : -term;
		if (term < 1e-17 * fabs(s))
			break;
	}
	s *= 2;
	return s < 0 ? 0 : s > 1 ? 1 : s;
}
