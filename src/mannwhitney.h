/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Mann-Whitney U test on histograms: are the calls of one run slower or
 * faster than those of another, or is the difference noise?  Works on
 * bucket counts, the only thing a snapshot keeps; every bucket is a group
 * of ties.  docs/diff.md explains the maths and its limits.
 */
#ifndef LS_MANNWHITNEY_H
#define LS_MANNWHITNEY_H

#include <stddef.h>
#include <linux/types.h>
#include "latscope.h"

/* Fewer calls than this on either side: no verdict ("insufficient"). */
#define LS_MW_MIN_N	8

struct ls_mw {
	__u64 n_before;		/* calls compared, over the strata present in both runs */
	__u64 n_after;
	double u;		/* sum of U(after): pairs with after > before, ties 1/2 */
	double z;		/* standardised statistic; > 0 means after is slower */
	double p;		/* two-sided p-value, 1 when there is no variance */
	double delta;		/* Cliff's delta, after vs before, in [-1, 1]; > 0: slower */
};

/*
 * The test over n strata: before[i] and after[i] are the same kind of call
 * (one syscall of one subsystem) in the two runs; NULL or empty where a run
 * has none, and such a stratum is left out.  With one stratum this is the
 * plain Mann-Whitney U test, normal approximation with tie correction, no
 * continuity correction.  With several it is van Elteren's stratified
 * version: each stratum's U - E[U] weighted by 1 / (N_i + 1), so a change
 * in the mix of calls is not mistaken for calls getting slower.
 */
void ls_mw_test(const struct ls_stats *const *before, const struct ls_stats *const *after,
		size_t n, struct ls_mw *out);

#endif
