// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "selfcost.h"

int ls_selfcost_start(void)
{
	int fd = bpf_enable_stats(BPF_STATS_RUN_TIME);

	return fd < 0 ? -errno : fd;
}

void ls_selfcost_read(struct bpf_object *obj, struct ls_selfcost *out)
{
	struct bpf_program *prog;

	out->n = 0;
	bpf_object__for_each_program(prog, obj) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		if (fd < 0 || out->n == LS_SELFCOST_PROGS ||
		    bpf_obj_get_info_by_fd(fd, &info, &len))
			continue;
		snprintf(out->prog[out->n].name, sizeof(out->prog[0].name), "%s",
			 bpf_program__name(prog));
		out->prog[out->n].run_cnt = info.run_cnt;
		out->prog[out->n].run_time_ns = info.run_time_ns;
		out->prog[out->n].recursion_misses = info.recursion_misses;
		out->n++;
	}
}

void ls_selfcost_print(FILE *f, const struct ls_selfcost *c, __u64 traced)
{
	__u64 runs = 0, ns = 0;
	size_t i;

	if (!c->enabled) {
		fprintf(f, "Tracing cost: unknown (the kernel refused BPF run-time statistics)\n");
		return;
	}
	for (i = 0; i < c->n; i++) {
		runs += c->prog[i].run_cnt;
		ns += c->prog[i].run_time_ns;
	}
	/*
	 * The programs run for every syscall on the host; untraced tasks leave
	 * after one lookup.  Per traced syscall is everything divided by what
	 * was traced: the whole bill, the filter cost of others included.
	 */
	fprintf(f, "Tracing cost: latscope's BPF programs ran %llu times for %.3f ms of CPU "
		"(%.0f ns per run", (unsigned long long)runs, ns / 1e6,
		runs ? (double)ns / (double)runs : 0.0);
	for (i = 0; i < c->n; i++)
		if (c->prog[i].run_cnt)
			fprintf(f, "; %s %.0f ns", c->prog[i].name,
				(double)c->prog[i].run_time_ns / (double)c->prog[i].run_cnt);
	fprintf(f, "), %.0f ns per traced syscall.\n", traced ? (double)ns / (double)traced : 0.0);
}
