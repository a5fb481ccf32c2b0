// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * pcteval: why latscope reads a percentile at the middle of its histogram
 * slot and not by interpolating within it.  For simulated runs it compares
 * both readings with the exact nearest-rank value of the same samples:
 *
 *  - 1,000 nanosleep-like samples (normal around 1.12 ms, sd 20 us and
 *    5 us): the p50 error in ns, mean and worst over SEEDS runs, and how
 *    many runs miss 2 us (the accuracy goal of make bench);
 *  - 99% of 100,000 samples at 2^20 ns, a slot's lower edge, 1% at 50 ms:
 *    the worst relative error of p50..p99.9, against the 2% that report
 *    percentiles promise.
 *
 * The middle is ls_stats_percentile(), what latscope reports; the
 * interpolation (as Prometheus' histogram_quantile reads a bucket) is the
 * candidate, written out here.  Deterministic: the seeds are 1..SEEDS.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hist.h"

#define SEEDS		10000
#define N_SLEEPS	1000
#define N_PILE		100000
#define GOAL_NS		2000.0

static __u64 rng_state;

/* xorshift64*: small, fast and the same everywhere */
static __u64 rng_next(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static double rng_normal(void)
{
	double u1 = ((rng_next() >> 11) + 1) * 0x1.0p-53, u2 = (rng_next() >> 11) * 0x1.0p-53;

	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return (x > y) - (x < y);
}

static void fill(struct ls_stats *s, const __u64 *v, size_t n)
{
	size_t i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < n; i++) {
		if (!s->count || v[i] < s->min_ns)
			s->min_ns = v[i];
		if (v[i] > s->max_ns)
			s->max_ns = v[i];
		s->count++;
		s->slots[ls_hist_slot(v[i])]++;
	}
}

/* The value at rank r (1-based) read by rank within its slot. */
static __u64 interpolated(const struct ls_stats *s, __u64 r)
{
	__u64 seen = 0, lower, v;
	size_t i;

	for (i = 0; i < LS_HIST_SLOTS - 1 && s->slots[i] < r - seen; i++)
		seen += s->slots[i];
	if (i == LS_HIST_SLOTS - 1)
		return s->max_ns;
	lower = ls_slot_lower(i);
	v = lower + (__u64)((ls_slot_upper(i) - lower) *
			    (((double)(r - seen) - 0.5) / (double)s->slots[i]));
	return v < s->min_ns ? s->min_ns : v > s->max_ns ? s->max_ns : v;
}

static __u64 rank(double p, size_t n)
{
	__u64 r = (__u64)ceil(p / 100.0 * (double)n - 1e-9);

	return r ? r : 1;
}

static void sleeps(struct ls_stats *s, __u64 *v, double sd)
{
	double err[2], sum[2] = { 0 }, worst[2] = { 0 };
	unsigned int seed, miss[2] = { 0 };
	__u64 r = rank(50, N_SLEEPS), want;
	size_t i;
	int e;

	for (seed = 1; seed <= SEEDS; seed++) {
		rng_state = seed * 0x9E3779B97F4A7C15ULL;
		for (i = 0; i < N_SLEEPS; i++)
			v[i] = (__u64)(1120000.0 + sd * rng_normal());
		fill(s, v, N_SLEEPS);
		qsort(v, N_SLEEPS, sizeof(*v), cmp_u64);
		want = v[r - 1];
		err[0] = fabs((double)ls_stats_percentile(s, 50) - (double)want);
		err[1] = fabs((double)interpolated(s, r) - (double)want);
		for (e = 0; e < 2; e++) {
			sum[e] += err[e];
			if (err[e] > worst[e])
				worst[e] = err[e];
			miss[e] += err[e] > GOAL_NS;
		}
	}
	printf("%d x nanosleep-like, normal 1.12 ms sd %.0f us, %u runs: p50 error in ns\n",
	       N_SLEEPS, sd / 1000, SEEDS);
	for (e = 0; e < 2; e++)
		printf("  %-13s mean %6.0f  worst %6.0f  runs over 2 us: %5.1f%%\n",
		       e ? "interpolated" : "slot middle", sum[e] / SEEDS, worst[e],
		       100.0 * miss[e] / SEEDS);
}

static void pile(struct ls_stats *s, __u64 *v)
{
	static const double pcts[] = { 50, 90, 99, 99.9 };
	double worst[2] = { 0 }, err;
	__u64 want, got[2];
	size_t i, p;
	int e;

	rng_state = 1;
	for (i = 0; i < N_PILE; i++)
		v[i] = rng_next() % 100 ? 1ULL << 20 : 50000000;
	fill(s, v, N_PILE);
	qsort(v, N_PILE, sizeof(*v), cmp_u64);
	for (p = 0; p < sizeof(pcts) / sizeof(pcts[0]); p++) {
		want = v[rank(pcts[p], N_PILE) - 1];
		got[0] = ls_stats_percentile(s, pcts[p]);
		got[1] = interpolated(s, rank(pcts[p], N_PILE));
		for (e = 0; e < 2; e++) {
			err = fabs((double)got[e] - (double)want) / (double)want;
			if (err > worst[e])
				worst[e] = err;
		}
	}
	printf("%d samples, 99%% at 2^20 ns (a slot's lower edge), 1%% at 50 ms: "
	       "worst relative error of p50, p90, p99, p99.9\n", N_PILE);
	for (e = 0; e < 2; e++)
		printf("  %-13s %.2f%%\n", e ? "interpolated" : "slot middle", 100 * worst[e]);
}

int main(int argc, char **argv)
{
	struct ls_stats *s = malloc(sizeof(*s));
	__u64 *v = malloc(N_PILE * sizeof(*v));

	if (argc > 1) {
		fprintf(strcmp(argv[1], "--help") ? stderr : stdout,
			"Usage: pcteval\n\nCompare latscope's slot-middle percentiles with "
			"interpolation within a slot\non simulated samples (see bench/pcteval.c).\n");
		return strcmp(argv[1], "--help") ? 2 : 0;
	}
	if (!s || !v)
		return 1;
	sleeps(s, v, 20000);
	sleeps(s, v, 5000);
	pile(s, v);
	free(s);
	free(v);
	return 0;
}
