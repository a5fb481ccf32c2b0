/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Histogram maths for the log-linear geometry in include/latscope.h.  The
 * inverse of ls_hist_slot() lives here and nowhere else, so the reporter,
 * the snapshot loader and the tests all agree on what a slot means.
 * docs/histogram.md explains the geometry and the error bound.
 */
#include <stdint.h>
#include "hist.h"

/* Slots below this index hold exactly one value each. */
#define LS_EXACT_SLOTS	(2 * LS_HIST_SUB)

/*
 * Percentiles are scaled to integers with this many steps per percent, so
 * that "99.9" is 999000000 exactly instead of the double 99.900000000000006,
 * which would push ceil() one rank too far whenever count is a multiple of
 * 1000.  LS_PCT_DEN (100 * LS_PCT_SCALE) must stay below 2^32: see ls_pctl_rank().
 */
#define LS_PCT_SCALE	10000000ULL
#define LS_PCT_DEN	(100 * LS_PCT_SCALE)

__u64 ls_slot_lower(__u32 slot)
{
	__u32 g, sub, k;

	if (slot < LS_EXACT_SLOTS)
		return slot;
	if (slot >= LS_HIST_SLOTS)
		slot = LS_HIST_SLOTS - 1;
	g = slot / LS_HIST_SUB;
	sub = slot % LS_HIST_SUB;
	k = g + LS_HIST_SUB_BITS - 1;
	return (__u64)(LS_HIST_SUB + sub) << (k - LS_HIST_SUB_BITS);
}

__u64 ls_slot_upper(__u32 slot)
{
	__u32 k;

	if (slot < LS_EXACT_SLOTS)
		return (__u64)slot + 1;
	/* Everything from 2^LS_HIST_MAX_LOG2 up is folded into the last slot. */
	if (slot >= LS_HIST_SLOTS - 1)
		return UINT64_MAX;
	k = slot / LS_HIST_SUB + LS_HIST_SUB_BITS - 1;
	return ls_slot_lower(slot) + (1ULL << (k - LS_HIST_SUB_BITS));
}

void ls_stats_merge(struct ls_stats *a, const struct ls_stats *b)
{
	size_t i;

	/* min_ns of an empty side is 0 by convention, not a real minimum. */
	if (b->count) {
		if (!a->count || b->min_ns < a->min_ns)
			a->min_ns = b->min_ns;
		if (b->max_ns > a->max_ns || !a->count) {
			a->max_ns = b->max_ns;
			a->max_at_ns = b->max_at_ns;
		}
	}
	a->count += b->count;
	a->errors += b->errors;
	a->total_ns += b->total_ns;
	a->runq_ns += b->runq_ns;
	for (i = 0; i < LS_HIST_SLOTS; i++)
		a->slots[i] += b->slots[i];
}

bool ls_stats_used_slots(const struct ls_stats *s, __u32 *first, __u32 *last)
{
	__u32 i, lo = LS_HIST_SLOTS, hi = 0;

	for (i = 0; i < LS_HIST_SLOTS; i++) {
		if (!s->slots[i])
			continue;
		if (lo == LS_HIST_SLOTS)
			lo = i;
		hi = i;
	}
	*first = lo;
	*last = hi;
	return lo < LS_HIST_SLOTS;
}

__u64 ls_stats_slot_total(const struct ls_stats *s)
{
	__u64 sum = 0;
	size_t i;

	/* Saturate: a hostile snapshot must not wrap around to a small total. */
	for (i = 0; i < LS_HIST_SLOTS; i++) {
		if (s->slots[i] > UINT64_MAX - sum)
			return UINT64_MAX;
		sum += s->slots[i];
	}
	return sum;
}

/*
 * In integers only.  Splitting count by the denominator keeps every
 * product below 2^64: pp <= LS_PCT_DEN, so pp * q <= count, and pp * rem <
 * LS_PCT_DEN^2 < 2^64.
 */
__u64 ls_pctl_rank(double p, __u64 count)
{
	__u64 pp, q, rem, r;

	/* !(p > 0) also catches NaN. */
	if (!(p > 0))
		return 1;
	if (p >= 100)
		return count;
	pp = (__u64)(p * (double)LS_PCT_SCALE + 0.5);
	q = count / LS_PCT_DEN;
	rem = count % LS_PCT_DEN;
	r = pp * q + (pp * rem + LS_PCT_DEN - 1) / LS_PCT_DEN;
	return r ? r : 1;
}

__u64 ls_stats_percentile(const struct ls_stats *s, double p)
{
	__u64 r, seen = 0, lower, v;
	size_t i;

	if (!s->count)
		return 0;
	r = ls_pctl_rank(p, s->count);
	for (i = 0; i < LS_HIST_SLOTS; i++) {
		/* Compare before adding so that a corrupt slot cannot overflow seen. */
		if (s->slots[i] >= r - seen)
			break;
		seen += s->slots[i];
	}
	/* Fewer samples in the slots than count claims: the rank is past them all. */
	if (i == LS_HIST_SLOTS)
		return s->max_ns;

	/*
	 * The middle of the slot is at most half a slot width from any value in
	 * it.  The last slot is open-ended, so its middle lies far above any real
	 * sample and the clamp below turns it into max_ns.
	 */
	lower = ls_slot_lower(i);
	v = lower + (ls_slot_upper(i) - lower) / 2;
	if (v < s->min_ns)
		v = s->min_ns;
	if (v > s->max_ns)
		v = s->max_ns;
	return v;
}
