/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What tracing cost: the kernel's run-time statistics of latscope's own
 * programs, switched on only while recording (BPF_ENABLE_STATS returns an
 * fd; the statistics stop when it is closed).
 */
#ifndef LS_SELFCOST_H
#define LS_SELFCOST_H

#include <stdio.h>
#include <linux/types.h>

struct bpf_object;

#define LS_SELFCOST_PROGS 8

struct ls_selfcost {
	int enabled;			/* 0: the kernel refused BPF_ENABLE_STATS */
	size_t n;
	struct {
		char name[32];
		__u64 run_cnt;
		__u64 run_time_ns;
		__u64 recursion_misses;
	} prog[LS_SELFCOST_PROGS];
};

/* Start collecting; returns the stats fd (close it to stop), or -errno. */
int ls_selfcost_start(void);

/* Read every program of obj into out. */
void ls_selfcost_read(struct bpf_object *obj, struct ls_selfcost *out);

/* One paragraph: runs, ns per run, and ns per traced syscall. */
void ls_selfcost_print(FILE *f, const struct ls_selfcost *c, __u64 traced_syscalls);

#endif
