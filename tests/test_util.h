/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Snapshot builders shared by the unit tests.  Include after <cmocka.h>:
 * they assert.  Static inline so each test binary stays one .c file.
 */
#ifndef LS_TEST_UTIL_H
#define LS_TEST_UTIL_H

#include "hist.h"
#include "snapshot.h"

/* What the BPF side does for one sample, n times. */
static inline void add_samples(struct ls_stats *st, __u64 v, __u64 n)
{
	if (!st->count || v < st->min_ns)
		st->min_ns = v;
	if (v > st->max_ns)
		st->max_ns = v;
	st->count += n;
	st->total_ns += v * n;
	st->slots[ls_hist_slot(v)] += n;
}

/* The syscall entry ss_name/sc_name of snap, created if needed. */
static inline struct ls_syscall_stats *add_sc(struct ls_snapshot *snap, const char *ss_name,
					      const char *sc_name, __u32 nr)
{
	struct ls_subsys *ss = ls_snapshot_subsys(snap, ss_name);
	struct ls_syscall_stats *sc;

	assert_non_null(ss);
	sc = ls_subsys_syscall(ss, sc_name, nr);
	assert_non_null(sc);
	return sc;
}

#endif
