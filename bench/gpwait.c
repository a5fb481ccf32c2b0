/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * gpwait: wait until the RCU Tasks Trace grace periods queued so far have
 * passed.  The bench runs it before every workload starts.
 *
 * Why.  Since Linux 6.13 sys_enter and sys_exit are "faultable"
 * tracepoints: their callbacks run under rcu_read_lock_trace(), and
 * detaching a program there (any tracer exiting: the previous run's) frees
 * the link after an RCU Tasks Trace grace period.  Where that RCU flavour
 * still tracks readers task by task (before its move to SRCU), a task that
 * is running on a CPU when such a grace period starts is left marked, and
 * from then on every syscall tracepoint it passes takes
 * rcu_read_unlock_trace_special() and its memory barrier: about +35 ns per
 * syscall here, for the rest of the run (docs/performance.md).  Which
 * configuration a pending grace period hits is chance, so none may start
 * while one is pending.
 *
 * How.  A callback queued now runs after every one queued before it.  This
 * loads an empty program for tp_btf/sys_enter, attaches and detaches it:
 * the detached link, which holds the program, is freed after a grace
 * period.  When the program's id is gone, so are the earlier ones.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bench.h"
#include "log.h"

/* Queue the callback; its program's id, or -errno. */
static int fence_start(void)
{
	const struct bpf_insn ret0[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int btf_id, prog, link, err;

	btf_id = libbpf_find_vmlinux_btf_id("sys_enter", BPF_TRACE_RAW_TP);
	if (btf_id < 0)
		return btf_id;
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_RAW_TP,
		    .attach_btf_id = (__u32)btf_id);
	prog = bpf_prog_load(BPF_PROG_TYPE_TRACING, "gpwait", "GPL", ret0, 2, &opts);
	if (prog < 0)
		return -errno;
	link = bpf_raw_tracepoint_open(NULL, prog);
	if (link < 0 || bpf_obj_get_info_by_fd(prog, &info, &len)) {
		err = -errno;
		if (link >= 0)
			close(link);
		close(prog);
		return err;
	}
	close(link);
	close(prog);
	return (int)info.id;
}

int main(int argc, char **argv)
{
	int timeout_ms = 5000, id, fd;
	uint64_t t0 = bench_now_ns(), deadline;

	if (argc > 1) {
		if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
			printf("Usage: gpwait [TIMEOUT_MS]\n\nWait (default at most 5000 ms) "
			       "until the RCU Tasks Trace grace periods queued\nso far have "
			       "passed; print the ms waited.  Exit 0, 1 on failure or "
			       "time-out, 2 on bad usage.\n");
			return 0;
		}
		timeout_ms = atoi(argv[1]);
		if (timeout_ms <= 0) {
			ls_err("gpwait: TIMEOUT_MS must be a positive number of ms");
			return 2;
		}
	}
	libbpf_set_print(ls_libbpf_print);
	id = fence_start();
	if (id < 0) {
		ls_err("gpwait: cannot queue the fence: %s", strerror(-id));
		return 1;
	}
	deadline = t0 + (uint64_t)timeout_ms * 1000000ULL;
	while ((fd = bpf_prog_get_fd_by_id((__u32)id)) >= 0) {
		close(fd);
		if (bench_now_ns() >= deadline) {
			ls_err("gpwait: grace periods still pending after %d ms", timeout_ms);
			return 1;
		}
		usleep(2000);
	}
	if (errno != ENOENT) {
		ls_err("gpwait: %s", strerror(errno));
		return 1;
	}
	printf("%.1f\n", (bench_now_ns() - t0) / 1e6);
	return 0;
}
