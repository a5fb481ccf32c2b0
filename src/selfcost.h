/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The kernel side of the cost estimate (src/cost.h): BPF_ENABLE_STATS for
 * the calibration and for a short window in every period, never for the
 * whole run (the statistics add two clock reads to every BPF program run
 * on the host while they are on), and the readings of latscope's programs.
 */
#ifndef LS_SELFCOST_H
#define LS_SELFCOST_H

#include <stdbool.h>
#include <linux/types.h>
#include "cost.h"
#include "target.h"

struct bpf_object;

struct ls_cost_sampler {
	struct bpf_object *obj;
	int counters_fd;		/* LS_CNT_SAMPLED_CALLS */
	volatile __u32 *flag;		/* the programs' cost_sampling */
	struct ls_cost_sample sample;
	int stats_fd;			/* >= 0 while a window is open */
	struct ls_cost_reading at_open;
	__u64 opened_ns;		/* CLOCK_MONOTONIC */
	__u64 t0_ns;
	__u64 next_k;			/* the next window to open */
	__u64 next_open_ns;
	unsigned int seed;
};

/*
 * Find obj's programs and calibrate: with the statistics on, latscope makes
 * LS_COST_CALIB_CALLS untraced syscalls itself, then as many again with
 * every stack_hint byte and its own tgid_hint byte set (restored after),
 * so that they take a traced call's way in and find no task entry.  Call
 * before any target is traced.  0, or -errno when the kernel refuses the statistics (the sample
 * then says so and nothing else happens).
 */
int ls_cost_sampler_init(struct ls_cost_sampler *cs, struct bpf_object *obj, int counters_fd,
			 volatile __u32 *flag, const struct ls_target_maps *m);

/* The run starts at now: the first window opens at once. */
void ls_cost_sampler_start(struct ls_cost_sampler *cs, __u64 now_ns);

/*
 * Open or close a window when due.  Returns the ns until the next change;
 * *closed is set when a window closed (the sample grew).
 */
__u64 ls_cost_sampler_tick(struct ls_cost_sampler *cs, __u64 now_ns, bool *closed);

/* Close an open window; the run ends at now. */
void ls_cost_sampler_stop(struct ls_cost_sampler *cs, __u64 now_ns);

#endif
