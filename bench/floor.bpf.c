// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The floor: the cheapest tracer of every syscall that can exist with
 * tp_btf, an empty program on sys_enter and on sys_exit.  What it adds to
 * a syscall is the cost of the tracepoints firing into BPF at all, which
 * no tracer built on these hooks can go below; latscope is measured
 * against it.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("tp_btf/sys_enter")
int floor_sys_enter(void *ctx)
{
	return 0;
}

SEC("tp_btf/sys_exit")
int floor_sys_exit(void *ctx)
{
	return 0;
}
