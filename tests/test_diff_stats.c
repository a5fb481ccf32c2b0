/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The statistics of src/diff_stats.c, checked against values that do not
 * come from it: distributions summed term by term here, a published
 * table value (the order-statistic interval of a median), hand-computed
 * statistics, and, by simulation, that an interval covers the true
 * percentile and a test rejects identical distributions no more often
 * than its level says.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff_stats.h"
#include "hist.h"
#include "test_util.h"

#define ALPHA		0.05
#define RESAMPLES	2000

static struct ls_stats *new_stats(void)
{
	struct ls_stats *st = calloc(1, sizeof(*st));

	assert_non_null(st);
	return st;
}

static void assert_close(double got, double want, double tol, const char *what)
{
	if (!(fabs(got - want) <= tol * (1 + fabs(want))))
		fail_msg("%s: got %.17g, want %.17g", what, got, want);
}

/* ---- distributions ---------------------------------------------------------- */

static long double log_choose(unsigned int n, unsigned int k)
{
	return lgammal(n + 1.0L) - lgammal(k + 1.0L) - lgammal(n - k + 1.0L);
}

static void binom_cdf__small_n__matches_summed_pmf(void **state)
{
	static const unsigned int ns[] = { 1, 2, 5, 17, 60, 200 };
	static const double ps[] = { 0.01, 0.1, 0.5, 0.9, 0.99 };
	long double sum, pmf;
	unsigned int i, j, n, k;
	char what[64];

	for (i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		n = ns[i];
		for (j = 0; j < sizeof(ps) / sizeof(ps[0]); j++) {
			sum = 0;
			for (k = 0; k <= n; k++) {
				pmf = expl(log_choose(n, k) + k * logl(ps[j]) +
					   (n - k) * logl(1 - ps[j]));
				sum += pmf;
				snprintf(what, sizeof(what), "F(%u; %u, %g)", k, n, ps[j]);
				assert_close(ls_binom_cdf(k, n, ps[j]), (double)sum, 1e-9, what);
			}
		}
	}
	assert_true(ls_binom_cdf(3, 10, 0) == 1);
	assert_true(ls_binom_cdf(3, 10, 1) == 0);
	assert_true(ls_binom_cdf(10, 10, 0.3) == 1);
}

/* Pascal's triangle in doubles: exact for these sizes. */
#define HG_MAX 30
static double choose_tab[HG_MAX + 1][HG_MAX + 1];

static void hypergeom_test__small__matches_enumeration(void **state)
{
	unsigned int N, K, n, x, j;
	double pmf[HG_MAX + 1], lower, upper, want, total;
	char what[64];

	for (N = 0; N <= HG_MAX; N++) {
		choose_tab[N][0] = 1;
		for (K = 1; K <= N; K++)
			choose_tab[N][K] = choose_tab[N - 1][K - 1] +
					   (K < N ? choose_tab[N - 1][K] : 0);
	}
	for (N = 2; N <= HG_MAX; N += 7) {
		for (K = 1; K < N; K++) {
			for (n = 1; n < N; n++) {
				total = choose_tab[N][n];
				for (j = 0; j <= n; j++)
					pmf[j] = j <= K && n - j <= N - K ? choose_tab[K][j] *
						 choose_tab[N - K][n - j] / total : 0;
				for (x = 0; x <= n; x++) {
					if (!pmf[x])
						continue;
					lower = upper = 0;
					for (j = 0; j <= n; j++) {
						lower += j <= x ? pmf[j] : 0;
						upper += j >= x ? pmf[j] : 0;
					}
					want = 2 * (lower < upper ? lower : upper);
					want = want < 1 ? want : 1;
					snprintf(what, sizeof(what), "x=%u N=%u K=%u n=%u", x, N, K,
						 n);
					assert_close(ls_hypergeom_test(x, N, K, n), want, 1e-9,
						     what);
				}
			}
		}
	}
	/* 20 of 20 draws from the 20 successes among 40: 2 / C(40, 20). */
	assert_close(ls_hypergeom_test(20, 40, 20, 20), 2 / 137846528820.0, 1e-9, "40 choose 20");
}

/* ---- percentile intervals --------------------------------------------------- */

static void pctl_min_calls__percentiles__where_the_interval_fits(void **state)
{
	struct ls_stats *st = new_stats();
	__u64 lo, hi;

	assert_int_equal(ls_pctl_min_calls(50, ALPHA), 6);
	assert_int_equal(ls_pctl_min_calls(90, ALPHA), 36);
	assert_int_equal(ls_pctl_min_calls(99, ALPHA), 368);
	assert_int_equal(ls_pctl_min_calls(99.9, ALPHA), 3688);
	assert_int_equal(ls_pctl_min_calls(10, ALPHA), 36);
	assert_true(ls_pctl_min_calls(100, ALPHA) == UINT64_MAX);
	/* A stricter level needs more calls. */
	assert_true(ls_pctl_min_calls(90, 0.01) > 36);

	/* 0.9^35 = 0.025031 > 0.025: the interval of p90 would reach the max. */
	add_samples(st, 1000, 35);
	assert_int_equal(ls_pctl_ci(st, 90, ALPHA, &lo, &hi), -ERANGE);
	add_samples(st, 1000, 1);
	assert_int_equal(ls_pctl_ci(st, 90, ALPHA, &lo, &hi), 0);
	free(st);
}

/*
 * The 95 % interval of the median of 100 values is X(40) to X(61): the
 * classic table value (Conover, Practical Nonparametric Statistics, table
 * A3; coverage 0.9648).  Values 1 us apart in buckets of 1024 ns: the
 * interval widens to those calls' bucket edges.
 */
static void pctl_ci__median_of_100__ranks_40_and_61(void **state)
{
	struct ls_stats *st = new_stats();
	__u64 lo, hi, i;

	for (i = 1; i <= 100; i++)
		add_samples(st, i * 1000, 1);
	assert_int_equal(ls_pctl_ci(st, 50, ALPHA, &lo, &hi), 0);
	assert_int_equal(lo, ls_slot_lower(ls_hist_slot(40000)));
	assert_int_equal(hi, ls_slot_upper(ls_hist_slot(61000)) - 1);
	/* Clamped to the calls: the p1 interval cannot start below the fastest. */
	memset(st, 0, sizeof(*st));
	for (i = 0; i < 400; i++)
		add_samples(st, 100000 + i, 1);
	assert_int_equal(ls_pctl_ci(st, 1, ALPHA, &lo, &hi), 0);
	assert_int_equal(lo, 100000);
	free(st);
}

/* lognormal, median 100 us, sigma 1: p90 = exp(ln(1e5) + 1.2815516). */
static __u64 lognormal_call(struct rng *r)
{
	return (__u64)exp(log(100000.0) + rng_normal(r));
}

static void pctl_ci__resampled__covers_the_true_percentile(void **state)
{
	static const double pcts[] = { 50, 90, 99 };
	static const double z[] = { 0, 1.2815515655446004, 2.3263478740408408 };
	struct ls_stats *st = new_stats();
	struct rng r = { 42 };
	unsigned int s, k, covered;
	__u64 lo, hi, i;
	double truth;

	for (k = 0; k < 3; k++) {
		truth = exp(log(100000.0) + z[k]);
		covered = 0;
		for (s = 0; s < RESAMPLES; s++) {
			memset(st, 0, sizeof(*st));
			for (i = 0; i < 400; i++)
				add_samples(st, lognormal_call(&r), 1);
			assert_int_equal(ls_pctl_ci(st, pcts[k], ALPHA, &lo, &hi), 0);
			covered += lo <= truth && truth <= hi;
		}
		print_message("p%g: the 95%% interval covered the true value in %u of %u samples "
			      "of 400 calls (%.1f%%)\n", pcts[k], covered, RESAMPLES,
			      100.0 * covered / RESAMPLES);
		assert_true(covered >= (1 - ALPHA) * RESAMPLES);
	}
	free(st);
}

/* ---- percentile test -------------------------------------------------------- */

static void pctl_test__clear_shift__exact_p_and_direction(void **state)
{
	struct ls_stats *b = new_stats(), *a = new_stats();
	struct ls_test t;

	/* Exact slots: 20 calls at 10 ns, 20 at 20 ns.  The pooled median's
	 * bucket is 10 ns; only its upper edge splits the calls: 20 of 20. */
	add_samples(b, 10, 20);
	add_samples(a, 20, 20);
	ls_pctl_test(b, a, 50, ALPHA, &t);
	assert_close(t.p, 2 / 137846528820.0, 1e-9, "p");
	assert_int_equal(t.dir, 1);
	ls_pctl_test(a, b, 50, ALPHA, &t);
	assert_int_equal(t.dir, -1);
	/* Identical: every call in one bucket, nothing to split. */
	ls_pctl_test(b, b, 50, ALPHA, &t);
	assert_true(t.p == 1);
	assert_int_equal(t.dir, 0);
	/* An empty side has no percentile. */
	memset(a, 0, sizeof(*a));
	ls_pctl_test(b, a, 50, ALPHA, &t);
	assert_true(t.p == 1);
	free(a);
	free(b);
}

/*
 * A mixture like a controller's socket: 80 % readiness checks near 1 us,
 * 20 % waits near 5 ms.  Both runs drawn from it; each percentile's test
 * at alpha must reject no more than alpha of the time.
 */
static __u64 mixture_call(struct rng *r)
{
	double c = rng_next(r) % 5 ? 1000 : 5000000;

	return (__u64)(c * exp(0.3 * rng_normal(r)));
}

static void pctl_test__identical_distributions__size_at_most_alpha(void **state)
{
	static const double pcts[] = { 50, 90, 99 };
	struct ls_stats *b = new_stats(), *a = new_stats();
	unsigned int rejected[3] = { 0 }, s, k;
	struct rng r = { 7 };
	struct ls_test t;
	__u64 i;

	for (s = 0; s < RESAMPLES; s++) {
		memset(b, 0, sizeof(*b));
		memset(a, 0, sizeof(*a));
		for (i = 0; i < 400; i++) {
			add_samples(b, mixture_call(&r), 1);
			add_samples(a, mixture_call(&r), 1);
		}
		for (k = 0; k < 3; k++) {
			ls_pctl_test(b, a, pcts[k], ALPHA, &t);
			rejected[k] += t.p < ALPHA;
		}
	}
	for (k = 0; k < 3; k++) {
		print_message("p%g: rejected %u of %u identical pairs at alpha %g (%.2f%%)\n",
			      pcts[k], rejected[k], RESAMPLES, ALPHA,
			      100.0 * rejected[k] / RESAMPLES);
		assert_true(rejected[k] <= ALPHA * RESAMPLES);
	}
	free(a);
	free(b);
}

/* ---- rates ------------------------------------------------------------------ */

static void call_rate_test__counts__exact_binomial(void **state)
{
	struct ls_test t;
	long double lower = 0;
	unsigned int k;

	/* 10 calls, all after, equal durations: 2 * 0.5^10. */
	ls_call_rate_test(0, 1000, 10, 1000, &t);
	assert_close(t.p, 2.0 / 1024, 1e-12, "0 vs 10");
	assert_int_equal(t.dir, 1);
	ls_call_rate_test(10, 1000, 0, 1000, &t);
	assert_int_equal(t.dir, -1);
	ls_call_rate_test(10, 1000, 10, 1000, &t);
	assert_true(t.p == 1);
	/* The same count over twice the time is half the rate. */
	ls_call_rate_test(100, 1000, 100, 2000, &t);
	assert_int_equal(t.dir, -1);
	/* 100 before, 70 after, equal durations: 2 * P(Bin(170, 1/2) <= 70). */
	for (k = 0; k <= 70; k++)
		lower += expl(log_choose(170, k) - 170 * logl(2));
	ls_call_rate_test(100, 5000, 70, 5000, &t);
	assert_close(t.p, (double)(2 * lower), 1e-9, "100 vs 70");
	/* No duration, no rate. */
	ls_call_rate_test(100, 0, 70, 5000, &t);
	assert_true(t.p == 1);
}

/*
 * Exact slots (< 64 ns), so the bucket middles are the values: 10 calls
 * of 10 ns against 10 of 40 ns in 1000 ns each.  Rates 0.1 and 0.4; the
 * pooled variance (17000 / 2000) * (2 / 1000) = 0.017; z = 0.3 / sqrt(0.017).
 */
static void time_rate_test__hand_example__normal_z(void **state)
{
	struct ls_stats *b = new_stats(), *a = new_stats();
	struct ls_test t;
	double z = 0.3 / sqrt(0.017);

	add_samples(b, 10, 10);
	add_samples(a, 40, 10);
	assert_true(ls_stats_sum_sq(b) == 1000);
	assert_true(ls_stats_sum_sq(a) == 16000);
	ls_time_rate_test(b, 1000, a, 1000, &t);
	assert_close(t.p, erfc(z / M_SQRT2), 1e-12, "p");
	assert_int_equal(t.dir, 1);
	ls_time_rate_test(a, 1000, b, 1000, &t);
	assert_int_equal(t.dir, -1);
	ls_time_rate_test(b, 1000, b, 1000, &t);
	assert_true(t.p == 1);
	free(a);
	free(b);
}

/* Poisson-distributed counts: the model of both rate tests. */
static unsigned int poisson(struct rng *r, double mean)
{
	double limit = exp(-mean), prod = 1;
	unsigned int k = 0;

	for (prod = rng_unit(r); prod > limit; prod *= rng_unit(r))
		k++;
	return k;
}

/*
 * Both runs a Poisson number of calls (mean 16 or 100) from the mixture
 * above, or with 2 % of calls near 50 ms instead: the rate tests, which
 * rest on a normal approximation (time) or are exact (calls), must reject
 * about alpha of the pairs or less.  Their rates are printed; the bound
 * allows for the Monte Carlo error of RESAMPLES pairs (2 sd).
 */
static void rate_tests__identical_poisson_runs__size_near_alpha(void **state)
{
	static const double means[] = { 16, 100 };
	struct ls_stats *b = new_stats(), *a = new_stats();
	unsigned int time_rej, call_rej, s, k, rare, i, nb, na;
	double margin = 2 * sqrt(ALPHA * (1 - ALPHA) / RESAMPLES), c;
	struct rng r = { 99 };
	struct ls_test t;

	for (rare = 0; rare < 2; rare++) {
		for (k = 0; k < 2; k++) {
			time_rej = call_rej = 0;
			for (s = 0; s < RESAMPLES; s++) {
				memset(b, 0, sizeof(*b));
				memset(a, 0, sizeof(*a));
				nb = poisson(&r, means[k]);
				na = poisson(&r, means[k]);
				for (i = 0; i < nb + na; i++) {
					c = rare ? (rng_next(&r) % 50 ? 1000 : 50000000) :
						   mixture_call(&r);
					add_samples(i < nb ? b : a, (__u64)c, 1);
				}
				ls_time_rate_test(b, 1000000000, a, 1000000000, &t);
				time_rej += t.p < ALPHA;
				ls_call_rate_test(nb, 1000000000, na, 1000000000, &t);
				call_rej += t.p < ALPHA;
			}
			print_message("%s, mean %g calls: time/s rejected %.2f%%, calls/s "
				      "%.2f%% of %u identical pairs at alpha %g\n",
				      rare ? "2% near 50 ms" : "80/20 mixture", means[k],
				      100.0 * time_rej / RESAMPLES, 100.0 * call_rej / RESAMPLES,
				      RESAMPLES, ALPHA);
			assert_true(time_rej <= (ALPHA + margin) * RESAMPLES);
			assert_true(call_rej <= (ALPHA + margin) * RESAMPLES);
		}
	}
	free(a);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(binom_cdf__small_n__matches_summed_pmf),
		cmocka_unit_test(hypergeom_test__small__matches_enumeration),
		cmocka_unit_test(pctl_min_calls__percentiles__where_the_interval_fits),
		cmocka_unit_test(pctl_ci__median_of_100__ranks_40_and_61),
		cmocka_unit_test(pctl_ci__resampled__covers_the_true_percentile),
		cmocka_unit_test(pctl_test__clear_shift__exact_p_and_direction),
		cmocka_unit_test(pctl_test__identical_distributions__size_at_most_alpha),
		cmocka_unit_test(call_rate_test__counts__exact_binomial),
		cmocka_unit_test(time_rate_test__hand_example__normal_z),
		cmocka_unit_test(rate_tests__identical_poisson_runs__size_near_alpha),
	};

	return cmocka_run_group_tests_name("diff_stats", tests, NULL, NULL);
}
