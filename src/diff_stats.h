/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The statistics behind a diff's verdicts, on histograms: a confidence
 * interval for a percentile, a test of whether a percentile moved, and
 * tests of the call rate and of the time per second of run.  A snapshot
 * keeps each call only as a bucket count, so everything here works on
 * bucket counts and says nothing finer than a bucket.  docs/diff.md
 * explains the choices.  Pure functions; no I/O, no globals.
 */
#ifndef LS_DIFF_STATS_H
#define LS_DIFF_STATS_H

#include <linux/types.h>
#include "latscope.h"

/* The outcome of a two-sample test. */
struct ls_test {
	double p;	/* two-sided p-value, in [0, 1] */
	int dir;	/* +1: after is larger, -1: smaller, 0: no direction (p = 1) */
};

/*
 * The fewest calls a side needs before percentile p (0 < p <= 100) has a
 * (1 - alpha) confidence interval inside the calls: below that, the
 * interval would reach past the smallest or the largest call, and the
 * percentile cannot be told from the extreme.  p50 at alpha 0.05 needs 6,
 * p90 36, p99 368, p99.9 3688; p100 (the max) never has one: UINT64_MAX.
 */
__u64 ls_pctl_min_calls(double p, double alpha);

/*
 * The distribution-free (1 - alpha) confidence interval of percentile p,
 * from order statistics: ranks l and u with P(l <= Bin(n, p) < u) >= 1 -
 * alpha, then widened to the edges of the buckets that hold them, and
 * clamped to min_ns and max_ns.  [lo, hi] in ns, both included.  0, or
 * -ERANGE when the side has fewer calls than ls_pctl_min_calls().
 */
int ls_pctl_ci(const struct ls_stats *st, double p, double alpha, __u64 *lo, __u64 *hi);

/*
 * Did percentile p move?  The share of calls below a bucket edge near the
 * pooled percentile, before against after: an exact (hypergeometric,
 * Fisher's) test at each edge of the buckets that hold the pooled
 * percentile and the ends of its (1 - alpha) interval, the smallest
 * p-value times the number of edges tested.  Exact whatever the
 * distribution, and a bucket edge is where a histogram's counts are.
 */
void ls_pctl_test(const struct ls_stats *before, const struct ls_stats *after, double p,
		  double alpha, struct ls_test *out);

/*
 * Calls per second: n_before calls in d_before ns against n_after in
 * d_after.  Given the n_before + n_after calls, under equal Poisson rates
 * the after side's share is binomial with p = d_after / (d_before +
 * d_after): an exact binomial test.  Needs both durations > 0; p = 1
 * without any call.
 */
void ls_call_rate_test(__u64 n_before, __u64 d_before, __u64 n_after, __u64 d_after,
		       struct ls_test *out);

/*
 * Time per second of run: total_ns / duration.  Calls arriving as a
 * Poisson process with independent latencies make a compound Poisson
 * total, whose variance is the rate times E[X^2]; both runs' sums of
 * squares (from the bucket middles) estimate it under the null hypothesis
 * of one common process, and z is normal.
 */
void ls_time_rate_test(const struct ls_stats *before, __u64 d_before,
		       const struct ls_stats *after, __u64 d_after, struct ls_test *out);

/* The building blocks, for the tests. */

/* P(X <= k) for X ~ Binomial(n, p). */
double ls_binom_cdf(__u64 k, __u64 n, double p);

/*
 * Two-sided p-value of x successes in n draws without replacement from N
 * items of which K are successes: twice the tail beyond x, at most 1.
 */
double ls_hypergeom_test(__u64 x, __u64 N, __u64 K, __u64 n);

/* Sum over the buckets of count * middle^2, the middle clamped to [min, max]. */
long double ls_stats_sum_sq(const struct ls_stats *st);

#endif
