/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Tests and intervals on histograms (diff_stats.h).
 *
 * Everything is exact on bucket counts or says where it is not: counts
 * below a bucket edge are known exactly, values inside a bucket are not.
 * So a percentile's interval is widened to whole buckets, a percentile is
 * tested by the share of calls below a bucket edge, and only the time per
 * second needs a value per bucket (its middle, for the sum of squares).
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include "diff_stats.h"
#include "hist.h"

/* One step of the modified Lentz method: the factor it multiplies the fraction by. */
static double lentz_step(double aa, double *c, double *d)
{
	const double tiny = 1e-300;

	*d = 1 + aa * *d;
	if (fabs(*d) < tiny)
		*d = tiny;
	*c = 1 + aa / *c;
	if (fabs(*c) < tiny)
		*c = tiny;
	*d = 1 / *d;
	return *d * *c;
}

/*
 * Regularized incomplete beta I_x(a, b) by its continued fraction, with
 * the modified Lentz method (Numerical Recipes, 2nd ed., 6.4).  It
 * converges in O(sqrt(max(a, b))) steps; the bound leaves room for a
 * billion calls.
 */
static double beta_cf(double a, double b, double x)
{
	double qab = a + b, qap = a + 1, qam = a - 1, c = 1, d, h, del, m;
	long maxit = 200 + (long)(20 * sqrt(a + b)), i;

	d = 1 - qab * x / qap;
	if (fabs(d) < 1e-300)
		d = 1e-300;
	d = 1 / d;
	h = d;
	for (i = 1; i <= maxit; i++) {
		m = (double)i;
		h *= lentz_step(m * (b - m) * x / ((qam + 2 * m) * (a + 2 * m)), &c, &d);
		del = lentz_step(-(a + m) * (qab + m) * x / ((a + 2 * m) * (qap + 2 * m)), &c, &d);
		h *= del;
		if (fabs(del - 1) < 1e-15)
			break;
	}
	return h;
}

/* The fraction converges fast below the mean; above it, use the symmetry. */
static double ibeta(double a, double b, double x)
{
	double front;

	if (x <= 0)
		return 0;
	if (x >= 1)
		return 1;
	front = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x);
	if (x < (a + 1) / (a + b + 2))
		return exp(front) * beta_cf(a, b, x) / a;
	return 1 - exp(front) * beta_cf(b, a, 1 - x) / b;
}

double ls_binom_cdf(__u64 k, __u64 n, double p)
{
	if (k >= n || p <= 0)
		return 1;
	if (p >= 1)
		return 0;
	return ibeta((double)(n - k), (double)k + 1, 1 - p);
}

/* P(X >= k), straight from the beta function so that a tiny tail stays accurate. */
static double binom_sf(__u64 k, __u64 n, double p)
{
	if (k == 0)
		return 1;
	if (k > n || p <= 0)
		return 0;
	if (p >= 1)
		return 1;
	return ibeta((double)k, (double)(n - k) + 1, p);
}

static long double lchoose(__u64 n, __u64 k)
{
	return lgammal((long double)n + 1) - lgammal((long double)k + 1) -
	       lgammal((long double)(n - k) + 1);
}

double ls_hypergeom_test(__u64 x, __u64 N, __u64 K, __u64 n)
{
	__u64 lo, hi, j, bad = N - K;
	long double term, at_x, tail, other, mode;

	if (K > N || n > N)
		return 1;
	lo = n > bad ? n - bad : 0;
	hi = n < K ? n : K;
	if (x < lo || x > hi || lo == hi)
		return 1;
	at_x = expl(lchoose(K, x) + lchoose(bad, n - x) - lchoose(N, n));
	term = tail = at_x;
	/*
	 * Sum away from the mode, where the terms only shrink, from x down to
	 * lo or up to hi; the other tail is the rest, plus P(x) that both hold.
	 */
	mode = floorl(((long double)n + 1) * ((long double)K + 1) / ((long double)N + 2));
	if ((long double)x <= mode) {
		for (j = x; j > lo && term > tail * LDBL_EPSILON; j--) {
			term *= (long double)j * (long double)(bad - n + j) /
				((long double)(K - j + 1) * (long double)(n - j + 1));
			tail += term;
		}
	} else {
		for (j = x; j < hi && term > tail * LDBL_EPSILON; j++) {
			term *= (long double)(K - j) * (long double)(n - j) /
				((long double)(j + 1) * (long double)(bad - n + j + 1));
			tail += term;
		}
	}
	other = 1 - tail + at_x;
	if (other < tail)
		tail = other;
	return tail * 2 < 1 ? (double)(tail * 2) : 1;
}

__u64 ls_pctl_min_calls(double p, double alpha)
{
	double q = p / 100, m = q > 0.5 ? q : 1 - q, half = alpha / 2;
	__u64 n;

	if (!(q > 0) || q >= 1 || !(alpha > 0 && alpha < 1))
		return UINT64_MAX;
	/* Both extremes' ranks must fall inside: max(q, 1 - q)^n <= alpha / 2. */
	n = (__u64)ceil(log(half) / log(m));
	while (pow(m, (double)n) > half)
		n++;
	while (n > 1 && pow(m, (double)(n - 1)) <= half)
		n--;
	return n;
}

/*
 * The slot holding the r-th smallest call (1-based) of x's calls, with
 * y's (NULL: none) pooled in; r <= their slot total.
 */
static __u32 slot_of_rank(const struct ls_stats *x, const struct ls_stats *y, __u64 r)
{
	__u64 seen = 0, t;
	__u32 i;

	for (i = 0; i < LS_HIST_SLOTS - 1; i++) {
		t = x->slots[i] + (y ? y->slots[i] : 0);
		if (t >= r - seen)
			break;
		seen += t;
	}
	return i;
}

/*
 * The ranks l and u (1-based, within [1, n]) of the order-statistic
 * interval of quantile q of n values: P(l <= Bin(n, q) < u) >= 1 - alpha.
 */
static void ci_ranks(__u64 n, double q, double alpha, __u64 *l, __u64 *u)
{
	__u64 a = 1, b = n, mid;

	/* l: the largest rank with P(Bin(n, q) <= l - 1) <= alpha / 2. */
	while (a < b) {
		mid = a + (b - a + 1) / 2;
		if (ls_binom_cdf(mid - 1, n, q) <= alpha / 2)
			a = mid;
		else
			b = mid - 1;
	}
	*l = a;
	/* u: the smallest rank with P(Bin(n, q) <= u - 1) >= 1 - alpha / 2. */
	a = 1;
	b = n;
	while (a < b) {
		mid = a + (b - a) / 2;
		if (ls_binom_cdf(mid - 1, n, q) >= 1 - alpha / 2)
			b = mid;
		else
			a = mid + 1;
	}
	*u = a;
}

int ls_pctl_ci(const struct ls_stats *st, double p, double alpha, __u64 *lo, __u64 *hi)
{
	__u64 n = ls_stats_slot_total(st), l, u;

	if (n < ls_pctl_min_calls(p, alpha))
		return -ERANGE;
	ci_ranks(n, p / 100, alpha, &l, &u);
	/* The calls of rank l and u lie somewhere in their buckets: take the outer edges. */
	*lo = ls_slot_lower(slot_of_rank(st, NULL, l));
	*hi = ls_slot_upper(slot_of_rank(st, NULL, u)) - 1;
	if (*lo < st->min_ns)
		*lo = st->min_ns;
	if (*hi > st->max_ns)
		*hi = st->max_ns;
	if (*hi < *lo)
		*hi = *lo;
	return 0;
}

/*
 * One edge: x of the n_b before calls and K of all N calls lie below it.
 * More of the before calls below than of the after calls means the after
 * side is larger there.
 */
static void edge_test(__u64 x, __u64 K, __u64 nb, __u64 na, struct ls_test *out)
{
	long double before_share = (long double)x / nb, after_share = (long double)(K - x) / na;

	out->p = ls_hypergeom_test(x, nb + na, K, nb);
	out->dir = before_share > after_share ? 1 : before_share < after_share ? -1 : 0;
}

/* Edge e of a histogram: the lower edge of slot e; the calls below it are slots 0..e-1. */
static __u64 below_edge(const struct ls_stats *st, __u32 e)
{
	__u64 n = 0;
	__u32 i;

	for (i = 0; i < e; i++)
		n += st->slots[i];
	return n;
}

static bool has_edge(const __u32 *edges, size_t n, __u32 e)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (edges[i] == e)
			return true;
	return false;
}

/* Both edges of the buckets of the pooled percentile and of its interval's ends. */
#define MAX_EDGES 6

void ls_pctl_test(const struct ls_stats *before, const struct ls_stats *after, double p,
		  double alpha, struct ls_test *out)
{
	__u64 nb = ls_stats_slot_total(before), na = ls_stats_slot_total(after);
	__u64 n, ranks[3], k;
	__u32 edges[MAX_EDGES], e, slot;
	struct ls_test t;
	size_t n_edges = 0, m = 0, i;

	out->p = 1;
	out->dir = 0;
	if (!nb || !na || nb > UINT64_MAX - na)
		return;
	n = nb + na;
	/*
	 * The pooled percentile's bucket lies between the two runs'
	 * percentiles.  Near a gap between two groups of calls it may hold
	 * few of them, so the buckets of its interval's ends are tried too.
	 * All are chosen from the pooled calls alone: the test stays exact.
	 */
	ranks[0] = ls_pctl_rank(p, n);
	ci_ranks(n, p / 100, alpha, &ranks[1], &ranks[2]);
	for (i = 0; i < 3; i++) {
		slot = slot_of_rank(before, after, ranks[i]);
		for (e = slot; e <= slot + 1 && e < LS_HIST_SLOTS; e++)
			if (!has_edge(edges, n_edges, e))
				edges[n_edges++] = e;
	}
	for (i = 0; i < n_edges; i++) {
		k = below_edge(before, edges[i]) + below_edge(after, edges[i]);
		/* An edge with every call on one side splits nothing. */
		if (!k || k == n)
			continue;
		edge_test(below_edge(before, edges[i]), k, nb, na, &t);
		if (!m || t.p < out->p) {
			out->p = t.p;
			out->dir = t.dir;
		}
		m++;
	}
	/* m edges are m tests: Bonferroni keeps the size. */
	if (m)
		out->p = out->p * (double)m < 1 ? out->p * (double)m : 1;
}

void ls_call_rate_test(__u64 n_before, __u64 d_before, __u64 n_after, __u64 d_after,
		       struct ls_test *out)
{
	__u64 n = n_before + n_after;
	double share, lower, upper, t;
	long double ra, rb;

	out->p = 1;
	out->dir = 0;
	if (!n || !d_before || !d_after || n < n_before)
		return;
	share = (double)d_after / ((double)d_before + (double)d_after);
	lower = ls_binom_cdf(n_after, n, share);
	upper = binom_sf(n_after, n, share);
	t = 2 * (lower < upper ? lower : upper);
	out->p = t < 1 ? t : 1;
	ra = (long double)n_after * d_before;
	rb = (long double)n_before * d_after;
	out->dir = ra > rb ? 1 : ra < rb ? -1 : 0;
}

long double ls_stats_sum_sq(const struct ls_stats *st)
{
	long double sum = 0, mid;
	__u64 lower, upper;
	__u32 i;

	for (i = 0; i < LS_HIST_SLOTS; i++) {
		if (!st->slots[i])
			continue;
		lower = ls_slot_lower(i);
		upper = ls_slot_upper(i);
		/* The open last slot has no middle: its calls are at most max_ns. */
		mid = upper == UINT64_MAX ? (long double)st->max_ns :
					    (long double)lower + (long double)(upper - lower) / 2;
		if (mid < st->min_ns)
			mid = st->min_ns;
		if (mid > st->max_ns)
			mid = st->max_ns;
		sum += (long double)st->slots[i] * mid * mid;
	}
	return sum;
}

void ls_time_rate_test(const struct ls_stats *before, __u64 d_before,
		       const struct ls_stats *after, __u64 d_after, struct ls_test *out)
{
	long double db = d_before, da = d_after, var, z;

	out->p = 1;
	out->dir = 0;
	if (!d_before || !d_after)
		return;
	/* The pooled rate * E[X^2] per ns of run, times (1/da + 1/db). */
	var = (ls_stats_sum_sq(before) + ls_stats_sum_sq(after)) / (db + da) * (1 / da + 1 / db);
	if (!(var > 0))
		return;
	z = ((long double)after->total_ns / da - (long double)before->total_ns / db) / sqrtl(var);
	out->p = erfc(fabs((double)z) / M_SQRT2);
	out->dir = z > 0 ? 1 : z < 0 ? -1 : 0;
}
