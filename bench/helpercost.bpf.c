// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * What single BPF operations cost on this machine.  Each tp_btf/sys_enter
 * program here does one thing (hc_empty nothing at all) and bench/helpercost
 * loads exactly one of them, next to an empty sys_exit; bench/run.sh's
 * "helpers" section reads each one's run time per run from the kernel
 * (kernel.bpf_stats_enabled) and subtracts the empty program's.  With
 * retpolines and SRSO's "Safe RET" every call into the kernel and back is
 * dear, so docs/performance.md quotes these figures, not guesses, when it
 * says what a helper in latscope's hot path costs.
 *
 * Every result goes to `sink`, so that nothing is left unused: the
 * compiler keeps helper calls anyway, but loads and lookups it could drop.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* The user stack pointer in the pt_regs of sys_enter. */
#if defined(__TARGET_ARCH_x86)
#define HC_USER_SP(regs) ((regs)->sp)
#elif defined(__TARGET_ARCH_arm64)
#define HC_USER_SP(regs) ((regs)->sp)	/* user_pt_regs.sp, in the union */
#else
#error "helpercost: add the user stack pointer for this architecture"
#endif

/* weak: an object with it still loads on a kernel without the kfunc */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym __weak;

__u64 sink;

/* Never filled: every lookup in them misses. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} hc_task_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, __u64);
} hc_hash_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u64);
} hc_array_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u64);
} hc_percpu_map SEC(".maps");

/* the reference: what running any program at all costs */
SEC("tp_btf/sys_enter")
int hc_empty(void *ctx)
{
	return 0;
}

SEC("tp_btf/sys_enter")
int hc_task(void *ctx)
{
	struct task_struct *t = bpf_get_current_task_btf();

	sink = t->pid;
	return 0;
}

SEC("tp_btf/sys_enter")
int hc_pid_tgid(void *ctx)
{
	sink = bpf_get_current_pid_tgid();
	return 0;
}

SEC("tp_btf/sys_enter")
int hc_ktime(void *ctx)
{
	sink = bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/sys_enter")
int hc_task_storage(void *ctx)
{
	__u64 *v = bpf_task_storage_get(&hc_task_map, bpf_get_current_task_btf(), NULL, 0);

	sink = v ? *v : 0;
	return 0;
}

SEC("tp_btf/sys_enter")
int hc_hash_miss(void *ctx)
{
	__u64 key = 1, *v = bpf_map_lookup_elem(&hc_hash_map, &key);

	sink = v ? *v : 0;
	return 0;
}

/* plain increments: the one in ARRAY is shared with the other CPU */
SEC("tp_btf/sys_enter")
int hc_array(void *ctx)
{
	__u32 key = 1;
	__u64 *v = bpf_map_lookup_elem(&hc_array_map, &key);

	if (v)
		*v += 1;
	return 0;
}

SEC("tp_btf/sys_enter")
int hc_percpu_array(void *ctx)
{
	__u32 key = 1;
	__u64 *v = bpf_map_lookup_elem(&hc_percpu_map, &key);

	if (v)
		*v += 1;
	return 0;
}

SEC("tp_btf/sys_enter")
int hc_read_kernel(void *ctx)
{
	struct task_struct *t = bpf_get_current_task_btf();
	__u64 v = 0;

	bpf_probe_read_kernel(&v, sizeof(v), &t->pid);	/* pid and tgid */
	sink = v;
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(hc_read_user, struct pt_regs *regs, long id)
{
	__u64 v = 0;

	bpf_probe_read_user(&v, sizeof(v), (void *)HC_USER_SP(regs));
	sink = v;
	return 0;
}

/*
 * A task pointer that is a plain number (bpf_get_current_task, or one kept
 * in a map), made a read-only BTF pointer: the loads through it are plain
 * loads with an exception-table fixup, no helper call.
 */
SEC("tp_btf/sys_enter")
int hc_rdonly_cast(void *ctx)
{
	struct task_struct *t;

	t = bpf_rdonly_cast((void *)bpf_get_current_task(),
			    bpf_core_type_id_kernel(struct task_struct));
	sink = t->pid;
	return 0;
}

SEC("tp_btf/sys_exit")
int hc_sys_exit(void *ctx)
{
	return 0;
}
