/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The events ring buffer while recording: idle waits feed the cycle
 * finder, slow calls the "slowest" list, thread exits the bookkeeping.
 * A few records per cycle, drained on record's tick.
 */
#ifndef LS_RECORD_EVENTS_H
#define LS_RECORD_EVENTS_H

#include <linux/types.h>
#include "collect.h"
#include "cycle.h"
#include "snapshot.h"

struct ls_rules;
struct ring_buffer;

struct ls_events {
	struct ring_buffer *rb;
	struct ls_cycles *cycles;
	const struct ls_rules *rules;
	__u64 unix_offset_ns;		/* CLOCK_REALTIME - CLOCK_MONOTONIC */
	struct ls_slow_call *slow;	/* the slowest, slowest first */
	size_t n_slow;
	struct ls_stats *slow_hist;	/* durations of every slow record read */
	int err;			/* first error while reading records */
	struct ls_exit_note *exits;	/* thread exits not folded yet */
	size_t n_exits, cap_exits;
};

/* 0 or negative errno; ls_events_close() either way. */
int ls_events_open(struct ls_events *ev, int ringbuf_fd, const struct ls_cycle_opts *co,
		   const struct ls_rules *rules, __u64 unix_offset_ns);
void ls_events_close(struct ls_events *ev);

/* Read what the kernel wrote, waiting up to timeout_ms; -EINTR on a signal. */
int ls_events_poll(struct ls_events *ev, int timeout_ms);

/*
 * Put the cycle and the slowest calls (with their cycle numbers) into snap,
 * whose threads are already there; end_ns: CLOCK_MONOTONIC end of tracing.
 * threshold_ns is the --slow threshold at the end: --slow auto moves it
 * once the period is known, and the calls below it are left out, so the
 * list and its count say what the threshold says.
 */
int ls_events_to_snapshot(struct ls_events *ev, __u64 end_ns, __u64 threshold_ns,
			  struct ls_snapshot *snap);

#endif
