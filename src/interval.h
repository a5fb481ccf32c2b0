/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * record -i: where each interval starts and ends, and what happened in it
 * (a read of the maps minus the previous read).  The last interval ends
 * with the run, on the very read the final report is built from, so the
 * interval tables add up to the totals.
 */
#ifndef LS_INTERVAL_H
#define LS_INTERVAL_H

#include <stdbool.h>
#include "collect.h"

struct ls_intervals {
	__u64 period_ns;	/* 0: no interval tables */
	__u64 start_ns;		/* CLOCK_MONOTONIC start of the current interval */
	__u64 end_ns;		/* and when it is due to end */
	struct ls_raw prev;	/* the read at start_ns; empty for the first */
};

void ls_intervals_init(struct ls_intervals *iv, __u64 period_ns, __u64 start_ns);
void ls_intervals_free(struct ls_intervals *iv);

/* The current interval is over at now (never with period 0). */
bool ls_intervals_due(const struct ls_intervals *iv, __u64 now);

/*
 * Close the current interval at now with the read cur: *delta gets cur
 * minus the previous read, *from_ns the interval's start.  The next
 * interval starts at now; iv takes cur over (cur is left empty).  0 or
 * -ENOMEM (then nothing changed).
 */
int ls_intervals_next(struct ls_intervals *iv, struct ls_raw *cur, __u64 now,
		      struct ls_raw *delta, __u64 *from_ns);

/*
 * The last interval, from its start to the end of the run at now, on the
 * final read (which stays the caller's).  *partial: it was cut short, i.e.
 * shorter than the period by more than slack_ns.  0 or -ENOMEM.
 */
int ls_intervals_last(const struct ls_intervals *iv, const struct ls_raw *final, __u64 now,
		      __u64 slack_ns, struct ls_raw *delta, bool *partial);

#endif
