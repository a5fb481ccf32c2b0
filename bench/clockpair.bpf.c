// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The clock floor: the cheapest latency tracer there can be on these hooks.
 * One process is traced (cfg_tgid, a compare), each call is timed with two
 * bpf_ktime_get_ns, and only a sum and a count are kept; no map lookup, no
 * classification, no histogram.  Whatever a latency tracer adds above this
 * is its own bookkeeping; below it nothing can go that reads the clock.
 * Its mean is also the smallest bias a tp_btf tracer can have: what lies
 * between the two clock reads besides the syscall itself.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* threads by tid modulo this; the bench's workloads have at most two */
#define CP_SLOTS	1024

const volatile __u32 cfg_tgid = 0;
const volatile __s32 cfg_nr = -1;	/* only this syscall; -1: all */

__u64 start_ns[CP_SLOTS];
__u64 sum_ns;
__u64 calls;

SEC("tp_btf/sys_enter")
int cp_sys_enter(__u64 *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();

	if ((__u32)(id >> 32) != cfg_tgid || (cfg_nr >= 0 && (long)ctx[1] != cfg_nr))
		return 0;
	start_ns[(__u32)id & (CP_SLOTS - 1)] = bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/sys_exit")
int cp_sys_exit(__u64 *ctx)
{
	__u64 id = bpf_get_current_pid_tgid(), now, *start;

	if ((__u32)(id >> 32) != cfg_tgid)
		return 0;
	now = bpf_ktime_get_ns();
	start = &start_ns[(__u32)id & (CP_SLOTS - 1)];
	if (*start) {
		__sync_fetch_and_add(&sum_ns, now - *start);
		__sync_fetch_and_add(&calls, 1);
		*start = 0;
	}
	return 0;
}
