/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Pure histogram maths over the log-linear geometry of include/latscope.h:
 * slot bounds, merging and percentiles.  No I/O, no globals.
 */
#ifndef LS_HIST_H
#define LS_HIST_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "latscope.h"

/* [lower, upper) of slot i in ns; the last slot's upper bound is UINT64_MAX. */
__u64 ls_slot_lower(__u32 slot);
__u64 ls_slot_upper(__u32 slot);

/* Add b into a: counts, errors, totals, min (ignoring empty), max, slots. */
void ls_stats_merge(struct ls_stats *a, const struct ls_stats *b);

/*
 * Percentile p (0 < p <= 100) by nearest rank: the value of the
 * ceil(p/100 * count)-th smallest sample, read as the middle of its slot and
 * clamped to [min_ns, max_ns].  Returns 0 when count == 0.
 */
__u64 ls_stats_percentile(const struct ls_stats *s, double p);

/* The lowest and highest slot with calls in *first, *last; false when none has. */
bool ls_stats_used_slots(const struct ls_stats *s, __u32 *first, __u32 *last);

/* The nearest rank of percentile p among count values: ceil(p/100 * count), at least 1. */
__u64 ls_pctl_rank(double p, __u64 count);

/* Sum of slots (may differ from count only for a corrupt snapshot). */
__u64 ls_stats_slot_total(const struct ls_stats *s);

#endif
