/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Mann-Whitney U on histograms, checked against values that do not come
 * from src/mannwhitney.c: a published textbook example, and a brute-force
 * computation (pairwise comparisons and explicit midranks of the pooled
 * sample) on random small samples, done here in the test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hist.h"
#include "mannwhitney.h"
#include "test_util.h"

#define MAX_SAMPLE 64

static struct ls_stats *new_stats(void)
{
	struct ls_stats *st = calloc(1, sizeof(*st));

	assert_non_null(st);
	return st;
}

static struct ls_stats *stats_of(const __u64 *v, size_t n)
{
	struct ls_stats *st = new_stats();
	size_t i;

	for (i = 0; i < n; i++)
		add_samples(st, v[i], 1);
	return st;
}

static void mw1(const struct ls_stats *before, const struct ls_stats *after, struct ls_mw *out)
{
	const struct ls_stats *b[1] = { before }, *a[1] = { after };

	ls_mw_test(b, a, 1, out);
}

static void assert_close(double got, double want, double tol, const char *what)
{
	if (!(fabs(got - want) <= tol))
		fail_msg("%s: got %.17g, want %.17g (tolerance %g)", what, got, want, tol);
}

/*
 * scipy.stats.mannwhitneyu documentation, "Examples": ages of male and
 * female employees, U = 17 for the males.  Published there with the
 * continuity correction: p = 0.11134688653314041 (method="asymptotic").
 * latscope uses no continuity correction; the same normal approximation
 * without it gives 0.086410732973700 (z = 7 / sqrt(50/3) = 1.7146428).
 * Values below 64 ns have a slot each, so there are no extra ties.
 */
static void mw_test__textbook_example__matches_published_u_and_p(void **state)
{
	static const __u64 male[] = { 19, 22, 16, 29, 24 }, female[] = { 20, 11, 17, 12 };
	struct ls_stats *before = stats_of(female, 4), *after = stats_of(male, 5);
	struct ls_mw r;
	double sigma, p_cc;

	mw1(before, after, &r);
	assert_int_equal(r.n_before, 4);
	assert_int_equal(r.n_after, 5);
	assert_close(r.u, 17.0, 0, "U");
	assert_close(r.z, 1.7146428199482247, 1e-12, "z");
	assert_close(r.p, 0.086410732973700070, 1e-12, "p");
	/* 2U / (n1 n2) - 1 */
	assert_close(r.delta, 0.7, 1e-12, "Cliff's delta");

	/* With the continuity correction put back, scipy's published value. */
	sigma = (r.u - 10.0) / r.z;
	p_cc = erfc((fabs(r.u - 10.0) - 0.5) / sigma / M_SQRT2);
	assert_close(p_cc, 0.11134688653314041, 1e-12, "p with continuity correction");

	/* Swapping the runs mirrors everything. */
	mw1(after, before, &r);
	assert_close(r.u, 3.0, 0, "U swapped");
	assert_close(r.z, -1.7146428199482247, 1e-12, "z swapped");
	assert_close(r.p, 0.086410732973700070, 1e-12, "p swapped");
	assert_close(r.delta, -0.7, 1e-12, "delta swapped");
	free(before);
	free(after);
}

/* ---- brute force ------------------------------------------------------ */

struct sample {
	__u32 slot;	/* what the histogram can tell apart */
	int after;
};

static int cmp_sample(const void *pa, const void *pb)
{
	const struct sample *a = pa, *b = pb;

	return (a->slot > b->slot) - (a->slot < b->slot);
}

struct brute {
	double u, u_pairs, var, n1, n2;
};

/*
 * U twice, independently: from the midranks of the pooled, sorted sample
 * (R_after - n2 (n2 + 1) / 2), and by comparing every pair.  The variance
 * comes from the tie groups found in the sorted sample.
 */
static void brute_force(const __u64 *b, size_t n1, const __u64 *a, size_t n2, struct brute *out)
{
	struct sample pool[2 * MAX_SAMPLE];
	size_t n = n1 + n2, i, j, k;
	double rank_sum = 0, ties = 0, t, nn;

	for (i = 0; i < n1; i++)
		pool[i] = (struct sample){ ls_hist_slot(b[i]), 0 };
	for (i = 0; i < n2; i++)
		pool[n1 + i] = (struct sample){ ls_hist_slot(a[i]), 1 };
	qsort(pool, n, sizeof(pool[0]), cmp_sample);
	for (i = 0; i < n; i = j) {
		for (j = i; j < n && pool[j].slot == pool[i].slot; j++)
			;
		/* Ranks i+1 .. j share their mean. */
		for (k = i; k < j; k++)
			if (pool[k].after)
				rank_sum += (double)(i + 1 + j) / 2.0;
		t = (double)(j - i);
		ties += t * t * t - t;
	}
	out->u = rank_sum - (double)n2 * ((double)n2 + 1) / 2;

	out->u_pairs = 0;
	for (i = 0; i < n2; i++)
		for (j = 0; j < n1; j++)
			out->u_pairs += ls_hist_slot(a[i]) > ls_hist_slot(b[j]) ? 1.0 :
					ls_hist_slot(a[i]) == ls_hist_slot(b[j]) ? 0.5 : 0.0;
	nn = (double)n;
	out->n1 = (double)n1;
	out->n2 = (double)n2;
	out->var = (double)n1 * (double)n2 / 12.0 * ((nn + 1) - ties / (nn * (nn - 1)));
}

static __u64 lcg(__u64 *seed)
{
	*seed = *seed * 6364136223846793005ULL + 1442695040888963407ULL;
	return *seed >> 33;
}

/* Latencies from a few clusters, so that slots are shared often. */
static __u64 random_latency(__u64 *seed, int shift)
{
	static const __u64 base[] = { 40, 100, 1000, 9000, 70000 };
	__u64 c = base[lcg(seed) % 5];

	return c + lcg(seed) % (c / 8 + 3) + (__u64)shift * c / 10;
}

static void mw_test__random_small_samples__equals_brute_force_ranks(void **state)
{
	__u64 b[MAX_SAMPLE], a[MAX_SAMPLE], seed = 12345;
	struct ls_stats *sb, *sa;
	struct brute bf;
	struct ls_mw r;
	size_t n1, n2, i;
	double z, p;
	int iter, shift;

	for (iter = 0; iter < 500; iter++) {
		n1 = 1 + lcg(&seed) % 30;
		n2 = 1 + lcg(&seed) % 30;
		shift = (int)(lcg(&seed) % 3);
		for (i = 0; i < n1; i++)
			b[i] = random_latency(&seed, 0);
		for (i = 0; i < n2; i++)
			a[i] = random_latency(&seed, shift);
		sb = stats_of(b, n1);
		sa = stats_of(a, n2);
		mw1(sb, sa, &r);
		free(sb);
		free(sa);
		brute_force(b, n1, a, n2, &bf);

		assert_close(bf.u, bf.u_pairs, 0, "brute force: ranks vs pairs");
		assert_close(r.u, bf.u, 0, "U");
		assert_int_equal(r.n_before, n1);
		assert_int_equal(r.n_after, n2);
		assert_close(r.delta, 2 * bf.u / (bf.n1 * bf.n2) - 1, 1e-12, "delta");
		if (bf.var <= 1e-9) {
			assert_close(r.p, 1.0, 0, "p without variance");
			continue;
		}
		z = (bf.u - bf.n1 * bf.n2 / 2) / sqrt(bf.var);
		p = erfc(fabs(z) / sqrt(2.0));
		assert_close(r.z, z, 1e-9 * (1 + fabs(z)), "z");
		assert_close(r.p, p, 1e-12 + 1e-9 * p, "p");
	}
}

/* van Elteren's combination, from brute-force strata. */
static void mw_test__random_strata__equals_brute_force_van_elteren(void **state)
{
	__u64 b[3][MAX_SAMPLE], a[3][MAX_SAMPLE], seed = 777;
	struct ls_stats *sb[3], *sa[3];
	size_t n1[3], n2[3], i, k;
	struct brute bf;
	struct ls_mw r;
	double s, v, w, dn, dd, z;
	int iter;

	for (iter = 0; iter < 200; iter++) {
		s = v = dn = dd = 0;
		for (k = 0; k < 3; k++) {
			n1[k] = 2 + lcg(&seed) % 25;
			n2[k] = 2 + lcg(&seed) % 25;
			for (i = 0; i < n1[k]; i++)
				b[k][i] = random_latency(&seed, 0);
			for (i = 0; i < n2[k]; i++)
				a[k][i] = random_latency(&seed, k == 1);
			sb[k] = stats_of(b[k], n1[k]);
			sa[k] = stats_of(a[k], n2[k]);
			brute_force(b[k], n1[k], a[k], n2[k], &bf);
			w = 1.0 / (bf.n1 + bf.n2 + 1);
			s += w * (bf.u - bf.n1 * bf.n2 / 2);
			v += w * w * bf.var;
			dn += w * (2 * bf.u - bf.n1 * bf.n2);
			dd += w * bf.n1 * bf.n2;
		}
		ls_mw_test((const struct ls_stats *const *)sb,
			   (const struct ls_stats *const *)sa, 3, &r);
		assert_int_equal(r.n_before, n1[0] + n1[1] + n1[2]);
		assert_close(r.delta, dn / dd, 1e-12, "weighted delta");
		if (v > 1e-12) {
			z = s / sqrt(v);
			assert_close(r.z, z, 1e-9 * (1 + fabs(z)), "stratified z");
			assert_close(r.p, erfc(fabs(z) / sqrt(2.0)), 1e-12, "stratified p");
		}
		for (k = 0; k < 3; k++) {
			free(sb[k]);
			free(sa[k]);
		}
	}
}

/* ---- behaviour ----------------------------------------------------------- */

static struct ls_stats *spread(__u64 center, size_t n, __u64 *seed)
{
	struct ls_stats *st = new_stats();
	size_t i;

	/* +-10 % around center: several slots wide. */
	for (i = 0; i < n; i++)
		add_samples(st, center - center / 10 + lcg(seed) % (center / 5 + 1), 1);
	return st;
}

static void mw_test__identical_runs__no_difference(void **state)
{
	__u64 seed = 1;
	struct ls_stats *st = spread(10000, 200, &seed);
	struct ls_mw r;

	mw1(st, st, &r);
	assert_close(r.z, 0, 0, "z");
	assert_close(r.p, 1, 0, "p");
	assert_close(r.delta, 0, 0, "delta");
	assert_close(r.u, 200.0 * 200.0 / 2, 0, "U");
	free(st);
}

static void mw_test__shifted_distribution__detected_with_sign(void **state)
{
	__u64 seed = 2;
	struct ls_stats *before = spread(10000, 40, &seed), *after = spread(12000, 40, &seed);
	struct ls_mw r;

	mw1(before, after, &r);
	assert_true(r.p < 1e-6);
	assert_true(r.z > 0);
	assert_true(r.delta > 0.9);
	mw1(after, before, &r);
	assert_true(r.p < 1e-6);
	assert_true(r.z < 0);
	assert_true(r.delta < -0.9);
	free(before);
	free(after);
}

/* Two samples of the same distribution: no significance, most of the time. */
static void mw_test__same_distribution__rarely_significant(void **state)
{
	__u64 seed = 3;
	int i, hits = 0;
	struct ls_mw r;

	for (i = 0; i < 400; i++) {
		struct ls_stats *b = spread(10000, 30, &seed), *a = spread(10000, 30, &seed);

		mw1(b, a, &r);
		hits += r.p < 0.05;
		free(b);
		free(a);
	}
	/* 5 % expected (20 of 400); allow for chance, catch a broken variance. */
	if (hits > 40)
		fail_msg("%d of 400 same-distribution pairs significant at 0.05", hits);
}

static void mw_test__one_slot__no_variance_p_one(void **state)
{
	struct ls_stats *b = new_stats(), *a = new_stats();
	struct ls_mw r;

	add_samples(b, 5000, 30);
	add_samples(a, 5001, 30);	/* the same slot: indistinguishable */
	mw1(b, a, &r);
	assert_close(r.p, 1, 0, "p");
	assert_close(r.z, 0, 0, "z");
	assert_close(r.delta, 0, 0, "delta");
	free(b);
	free(a);
}

static void mw_test__absent_strata__left_out(void **state)
{
	__u64 seed = 4;
	struct ls_stats *b = spread(1000, 20, &seed), *a = spread(3000, 20, &seed);
	struct ls_stats *empty = new_stats(), *other = spread(50, 100, &seed);
	const struct ls_stats *bs[3] = { b, NULL, other }, *as[3] = { a, other, empty };
	struct ls_mw r, plain;

	ls_mw_test(bs, as, 3, &r);
	mw1(b, a, &plain);
	assert_int_equal(r.n_before, 20);
	assert_int_equal(r.n_after, 20);
	assert_close(r.p, plain.p, 1e-15, "p");
	assert_close(r.z, plain.z, 1e-12, "z");

	ls_mw_test(bs + 1, as + 1, 2, &r);
	assert_int_equal(r.n_before, 0);
	assert_close(r.p, 1, 0, "p of nothing");
	ls_mw_test(NULL, NULL, 0, &r);
	assert_close(r.p, 1, 0, "p of no strata");
	free(b);
	free(a);
	free(empty);
	free(other);
}

/*
 * Why strata: four kinds of call, 20 each, and only one of them (a quarter
 * of the calls) got much slower.  Pooled, the ranks barely move (P(after >
 * before) is about 0.53); per syscall, the change is obvious.
 */
static void mw_test__mixture_one_part_slower__stratified_detects_pooled_misses(void **state)
{
	static const __u64 centers[4] = { 20000, 40000, 60000, 5000000 };
	struct ls_stats *b[4], *a[4], *pool_b = new_stats(), *pool_a = new_stats();
	__u64 seed = 5;
	struct ls_mw strat, pooled;
	size_t k;

	for (k = 0; k < 4; k++) {
		b[k] = spread(centers[k], 20, &seed);
		a[k] = spread(k == 3 ? 4 * centers[k] : centers[k], 20, &seed);
		ls_stats_merge(pool_b, b[k]);
		ls_stats_merge(pool_a, a[k]);
	}
	ls_mw_test((const struct ls_stats *const *)b, (const struct ls_stats *const *)a, 4, &strat);
	mw1(pool_b, pool_a, &pooled);
	assert_true(pooled.p > 0.05);
	assert_true(strat.p < 0.01);
	assert_true(strat.delta > 0.15 && strat.delta < 0.4);
	for (k = 0; k < 4; k++) {
		free(b[k]);
		free(a[k]);
	}
	free(pool_b);
	free(pool_a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(mw_test__textbook_example__matches_published_u_and_p),
		cmocka_unit_test(mw_test__random_small_samples__equals_brute_force_ranks),
		cmocka_unit_test(mw_test__random_strata__equals_brute_force_van_elteren),
		cmocka_unit_test(mw_test__identical_runs__no_difference),
		cmocka_unit_test(mw_test__shifted_distribution__detected_with_sign),
		cmocka_unit_test(mw_test__same_distribution__rarely_significant),
		cmocka_unit_test(mw_test__one_slot__no_variance_p_one),
		cmocka_unit_test(mw_test__absent_strata__left_out),
		cmocka_unit_test(
			mw_test__mixture_one_part_slower__stratified_detects_pooled_misses),
	};

	return cmocka_run_group_tests_name("mannwhitney", tests, NULL, NULL);
}
