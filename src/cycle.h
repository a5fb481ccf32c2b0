/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Cycles of a periodic thread, from the kernel's idle-wait records
 * (struct ls_ev_idle): which thread and which wait make the cycle, its
 * period, and the busy time of every cycle.  Pure code: record feeds it,
 * tests feed it synthetic waits.  docs/cycle.md explains the rule.
 */
#ifndef LS_CYCLE_H
#define LS_CYCLE_H

#include <stdbool.h>
#include <linux/types.h>
#include "latscope.h"
#include "snapshot.h"

#define LS_CYCLE_ANY_SYSCALL	0xffffffffU

struct ls_cycle_opts {
	__u32 syscall_nr;	/* --cycle SYSCALL: only its idle waits end cycles */
	__u64 fixed_ns;		/* --cycle SECONDS: cycles of this length; 0: find them */
	__u64 t0_ns;		/* CLOCK_MONOTONIC start of tracing (fixed cycles start there) */
};

struct ls_cycles;

/* NULL + errno on failure. */
struct ls_cycles *ls_cycles_new(const struct ls_cycle_opts *o);
void ls_cycles_free(struct ls_cycles *c);	/* accepts NULL */

/*
 * One idle wait of a thread, in the order the thread made them.  Returns
 * 0, or -ENOMEM (the wait is then not counted).
 */
int ls_cycles_add(struct ls_cycles *c, const struct ls_ev_idle *ev);

/*
 * The cycle as known at end_ns (CLOCK_MONOTONIC): the thread and wait
 * chosen, the period, busy time per cycle.  info->found = 0 when no thread
 * made two cycles.  thread names info->thread ("TID COMM"); may be NULL.
 */
void ls_cycles_result(struct ls_cycles *c, __u64 end_ns, const char *thread,
		      struct ls_cycle_info *info);

/*
 * When the chosen thread's cycles started (CLOCK_MONOTONIC, rising): up to
 * the first 65536, *starts into c.  0 for fixed cycles (--cycle SECONDS),
 * which start every period from t0, and when none was chosen.  Valid after
 * ls_cycles_result, until c is freed.
 */
size_t ls_cycles_starts(const struct ls_cycles *c, const __u64 **starts);

/* The chosen thread's tid, 0 if none (valid after ls_cycles_result). */
__u32 ls_cycles_tid(const struct ls_cycles *c);

/*
 * The 1-based number of the cycle that time t (CLOCK_MONOTONIC) fell in,
 * or -1 before the first one or when unknown; after ls_cycles_result.
 */
__s64 ls_cycles_number(const struct ls_cycles *c, __u64 t);

/*
 * The best cycle so far: its period (0 when none yet) and its complete
 * cycles (0 for fixed cycles, which are only counted at the end).  Cheap
 * enough for every tick: for -i, --slow and the metrics.
 */
void ls_cycles_now(struct ls_cycles *c, __u64 *period_ns, __u64 *cycles);

/* The period of the best cycle so far, 0 when none yet (cheap: for -i and --slow). */
__u64 ls_cycles_period_now(struct ls_cycles *c);

/* A wait in a server's role (accept, a serving socket): ranked after timers. */
bool ls_cycle_wait_serving(const struct ls_ev_idle *ev);

#endif
