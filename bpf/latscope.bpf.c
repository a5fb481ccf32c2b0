// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * latscope: per-(subsystem, syscall) latency of the traced tasks, aggregated
 * in the kernel.  Only tp_btf tracepoints are used: kprobes and trampolines
 * (fentry) are not available everywhere we run, tracefs is not needed.
 *
 * A task is traced iff it owns an entry in task_state.  User space creates
 * entries for the threads that exist at attach time (through pidfds); the
 * fork hook creates them for new threads and, with cfg_follow_forks, for new
 * child processes.  Untraced tasks therefore pay one task-storage lookup
 * that finds nothing.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <asm/unistd.h>
#include "latscope.h"
#include "classify.bpf.h"
#include "syscall_args.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile bool cfg_follow_forks = false;

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct ls_task_state);
} task_state SEC(".maps");

/*
 * Preallocated, and shared by all CPUs: a per-CPU map costs 8 KiB per key
 * per CPU, and without preallocation an insert fails whenever the kernel's
 * allocator cache for such large elements is empty, losing a syscall.
 * LS_MAX_STATS_KEYS * ~8.3 KiB is allocated at load time (user space may
 * resize it with --max-keys before load).
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LS_MAX_STATS_KEYS);
	__type(key, struct ls_key);
	__type(value, struct ls_stats);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LS_MAX_ERRNO_KEYS);
	__type(key, struct ls_errno_key);
	__type(value, __u64);
} errno_counts SEC(".maps");

/* Traced processes (by tgid); user space stops when it is empty. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LS_MAX_PROCS);
	__type(key, __u32);
	__type(value, struct ls_proc);
} procs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LS_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

/* Template for a new stats entry: too big for the 512-byte stack. */
static const struct ls_stats zero_stats;

static __always_inline void count_event(__u32 which)
{
	__u64 *c = bpf_map_lookup_elem(&counters, &which);

	if (c)
		*c += 1;
}

/*
 * Global (non-inlined) subprograms: the verifier checks each once instead of
 * once per call site, which is what keeps the wait-syscall loops, which
 * classify up to LS_MAX_WAIT_FDS fds, within its instruction budget.  The
 * kernel pointers travel as scalars because everything behind them is read
 * with CO-RE probe reads.
 */
__noinline int ls_classify_file_g(struct ls_key *k, __u64 file)
{
	if (!k)
		return 0;
	ls_classify_file(k, (struct file *)file);
	return 0;
}

/* Always the current task: a BTF task pointer cannot be passed as a scalar. */
__noinline int ls_classify_fd_g(struct ls_key *k, long fd)
{
	if (!k)
		return 0;
	ls_classify_file(k, ls_fd_file((struct task_struct *)bpf_get_current_task(), fd));
	return 0;
}

__noinline int ls_mark_accepted_g(long fd)
{
	ls_mark_accepted((struct task_struct *)bpf_get_current_task(), fd);
	return 0;
}

/*
 * Wait syscalls belong to the subsystem of the fds they wait on when all of
 * them share one, else to "wait:mixed".  acc starts with kind LS_KIND_MAX
 * ("nothing yet").  Returns 1 once the fds differ, so the caller can stop.
 */
__noinline int ls_wait_merge_g(struct ls_key *acc, struct ls_key *one)
{
	if (!acc || !one)
		return 1;
	if (acc->kind == LS_KIND_MAX) {
		*acc = *one;
		return 0;
	}
	if (ls_same_subsys(acc, one))
		return 0;
	__builtin_memset(acc, 0, sizeof(*acc));
	acc->kind = LS_KIND_WAIT_MIXED;
	return 1;
}

/* Classify one waited-on fd (or file) into acc; 1 = stop, the set is mixed. */
static __always_inline int wait_add_fd(struct ls_key *acc, long fd)
{
	struct ls_key one = {};

	ls_classify_fd_g(&one, fd);
	return ls_wait_merge_g(acc, &one);
}

static __always_inline int wait_add_file(struct ls_key *acc, struct file *f)
{
	struct ls_key one = {};

	ls_classify_file_g(&one, (__u64)f);
	return ls_wait_merge_g(acc, &one);
}

/* A wait over no fd at all stays "other". */
static __always_inline void wait_done(struct ls_key *k)
{
	if (k->kind == LS_KIND_MAX)
		k->kind = LS_KIND_OTHER;
}

struct ls_pollfd {
	int fd;
	short events;
	short revents;
};

__noinline int ls_classify_poll_g(struct ls_key *k, __u64 ufds, long nfds)
{
	struct ls_pollfd pfd[LS_MAX_WAIT_FDS];
	int i;

	if (!k || nfds <= 0 || !ufds)
		return 0;		/* poll(NULL, 0, t) is a sleep: "other" */
	if (nfds > LS_MAX_WAIT_FDS) {
		k->kind = LS_KIND_WAIT_MIXED;
		return 0;
	}
	if (bpf_probe_read_user(pfd, (nfds & (LS_MAX_WAIT_FDS * 2 - 1)) * sizeof(pfd[0]),
				(void *)ufds))
		return 0;
	k->kind = LS_KIND_MAX;
	for (i = 0; i < LS_MAX_WAIT_FDS && i < nfds; i++)
		if (wait_add_fd(k, pfd[i].fd))
			return 0;
	wait_done(k);
	return 0;
}

static __always_inline __u32 popcount64(__u64 x)
{
	x = x - ((x >> 1) & 0x5555555555555555ULL);
	x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
	return (__u32)((x * 0x0101010101010101ULL) >> 56);
}

/* select/pselect6: only the first 64 fds are looked at; more is "mixed". */
__noinline int ls_classify_select_g(struct ls_key *k, long nfds, __u64 rd, __u64 wr, __u64 ex)
{
	__u64 bits = 0, w = 0;
	int i;

	if (!k || nfds <= 0)
		return 0;
	if (nfds > 64) {
		k->kind = LS_KIND_WAIT_MIXED;
		return 0;
	}
	if (rd && !bpf_probe_read_user(&w, sizeof(w), (void *)rd))
		bits |= w;
	if (wr && !bpf_probe_read_user(&w, sizeof(w), (void *)wr))
		bits |= w;
	if (ex && !bpf_probe_read_user(&w, sizeof(w), (void *)ex))
		bits |= w;
	if (nfds < 64)
		bits &= (1ULL << nfds) - 1;
	/*
	 * Count the fds up front: a counter inside the loop multiplies the
	 * states the verifier must track by LS_MAX_WAIT_FDS.
	 */
	if (popcount64(bits) > LS_MAX_WAIT_FDS) {
		k->kind = LS_KIND_WAIT_MIXED;
		return 0;
	}
	k->kind = LS_KIND_MAX;
	for (i = 0; i < 64; i++) {
		if (!(bits & (1ULL << i)))
			continue;
		if (wait_add_fd(k, i))
			return 0;
	}
	wait_done(k);
	return 0;
}

/*
 * epoll_wait: walk the interest set (an rbtree of epitems) depth first with
 * a bounded explicit stack; a set larger than LS_MAX_WAIT_FDS is "mixed".
 */
__noinline int ls_classify_epoll_g(struct ls_key *k, long epfd)
{
	struct rb_node *stack[LS_MAX_WAIT_FDS];
	struct file *epf;
	struct eventpoll *ep;
	int top, i;

	if (!k)
		return 0;
	epf = ls_fd_file((struct task_struct *)bpf_get_current_task(), epfd);
	if (!epf)
		return 0;
	ep = BPF_CORE_READ(epf, private_data);
	stack[0] = BPF_CORE_READ(ep, rbr.rb_root.rb_node);
	if (!stack[0])
		return 0;
	top = 1;
	k->kind = LS_KIND_MAX;
	for (i = 0; i < LS_MAX_WAIT_FDS; i++) {
		struct rb_node *n, *l, *r;

		if (top <= 0 || top > LS_MAX_WAIT_FDS)
			break;
		top--;
		n = stack[top & (LS_MAX_WAIT_FDS - 1)];
		/* rbn is the first member of struct epitem */
		if (wait_add_file(k, BPF_CORE_READ((struct epitem *)n, ffd.file)))
			return 0;
		l = BPF_CORE_READ(n, rb_left);
		r = BPF_CORE_READ(n, rb_right);
		if (l)
			stack[top++ & (LS_MAX_WAIT_FDS - 1)] = l;
		if (r)
			stack[top++ & (LS_MAX_WAIT_FDS - 1)] = r;
	}
	if (top != 0) {
		/* more epitems than we look at */
		__builtin_memset(k, 0, sizeof(*k));
		k->kind = LS_KIND_WAIT_MIXED;
		return 0;
	}
	wait_done(k);
	return 0;
}

/* Sends on an unconnected UDP socket are named after their destination. */
static __always_inline void refine_udp_dest(struct ls_key *k, const void *uaddr, long len)
{
	if (k->kind == LS_KIND_UDP_UNCONN && ls_key_from_sockaddr(k, uaddr, len))
		k->kind = LS_KIND_UDP;
}

static __always_inline void classify(struct ls_key *k, struct task_struct *task, long id,
				     struct pt_regs *regs)
{
	long a0 = LS_ARG1(regs);
	long a1, a2, a3;

	switch (id) {
#ifdef __NR_socket
	case __NR_socket:
		ls_classify_socket_args(k, a0, LS_ARG2(regs),
					LS_ARG3(regs));
		return;
#endif
#ifdef __NR_socketpair
	case __NR_socketpair:
		ls_classify_socket_args(k, a0, LS_ARG2(regs),
					LS_ARG3(regs));
		return;
#endif
	case __NR_connect:
		ls_classify_fd_g(k, a0);
		if (k->kind == LS_KIND_TCP_UNCONN || k->kind == LS_KIND_UDP_UNCONN) {
			__u8 kind = k->kind == LS_KIND_TCP_UNCONN ? LS_KIND_TCP : LS_KIND_UDP;

			if (ls_key_from_sockaddr(k, (void *)LS_ARG2(regs),
						 LS_ARG3(regs)))
				k->kind = kind;
		}
		return;
	case __NR_sendto:
		ls_classify_fd_g(k, a0);
		refine_udp_dest(k, (void *)LS_ARG5(regs),
				LS_ARG6(regs));
		return;
	case __NR_sendmsg:
		ls_classify_fd_g(k, a0);
		if (k->kind == LS_KIND_UDP_UNCONN) {
			struct user_msghdr msg = {};

			a1 = LS_ARG2(regs);
			if (!bpf_probe_read_user(&msg, sizeof(msg), (void *)a1))
				refine_udp_dest(k, msg.msg_name, msg.msg_namelen);
		}
		return;
#ifdef __NR_poll
	case __NR_poll:
#endif
	case __NR_ppoll:
		ls_classify_poll_g(k, a0, LS_ARG2(regs));
		return;
#ifdef __NR_select
	case __NR_select:
#endif
	case __NR_pselect6:
		a1 = LS_ARG2(regs);
		a2 = LS_ARG3(regs);
		a3 = LS_ARG4(regs);
		ls_classify_select_g(k, a0, a1, a2, a3);
		return;
#ifdef __NR_epoll_wait
	case __NR_epoll_wait:
#endif
	case __NR_epoll_pwait:
#ifdef __NR_epoll_pwait2
	case __NR_epoll_pwait2:
#endif
		ls_classify_epoll_g(k, a0);
		return;
#ifdef __NR_open
	case __NR_open:
#endif
#ifdef __NR_creat
	case __NR_creat:
#endif
	case __NR_openat:
#ifdef __NR_openat2
	case __NR_openat2:
#endif
		k->kind = LS_KIND_FILE;
		return;
	/* Calls whose first argument is an fd. */
	case __NR_read: case __NR_write: case __NR_readv: case __NR_writev:
	case __NR_pread64: case __NR_pwrite64: case __NR_preadv: case __NR_pwritev:
	case __NR_preadv2: case __NR_pwritev2:
	case __NR_recvfrom: case __NR_recvmsg: case __NR_sendmmsg: case __NR_recvmmsg:
	case __NR_accept: case __NR_accept4: case __NR_bind: case __NR_listen:
	case __NR_getsockname: case __NR_getpeername:
	case __NR_setsockopt: case __NR_getsockopt: case __NR_shutdown:
	case __NR_close: case __NR_ioctl: case __NR_fcntl: case __NR_fstat:
	case __NR_lseek: case __NR_fsync: case __NR_fdatasync: case __NR_ftruncate:
	case __NR_getdents64: case __NR_flock: case __NR_fstatfs:
	case __NR_splice: case __NR_tee: case __NR_sync_file_range:
	case __NR_fallocate: case __NR_fadvise64: case __NR_readahead:
	case __NR_epoll_ctl: case __NR_dup: case __NR_dup3:
#ifdef __NR_dup2
	case __NR_dup2:
#endif
		ls_classify_fd_g(k, a0);
		return;
	case __NR_sendfile:	/* out_fd first: the socket side of a send */
		ls_classify_fd_g(k, a0);
		return;
	default:
		return;		/* LS_KIND_OTHER */
	}
}

static __always_inline void aggregate(const struct ls_key *key, __u64 lat, long ret)
{
	struct ls_stats *st;
	__u32 slot;

	st = bpf_map_lookup_elem(&stats, key);
	if (!st) {
		bpf_map_update_elem(&stats, key, &zero_stats, BPF_NOEXIST);
		st = bpf_map_lookup_elem(&stats, key);
		if (!st) {
			count_event(LS_CNT_DROPPED_KEYS);
			return;
		}
	}
	/*
	 * Threads on other CPUs update the same entry.  min/max are plain
	 * stores: two new extremes at the very same moment may lose one.
	 */
	__sync_fetch_and_add(&st->count, 1);
	__sync_fetch_and_add(&st->total_ns, lat);
	if (lat < st->min_ns || st->min_ns == 0)
		st->min_ns = lat;
	if (lat > st->max_ns)
		st->max_ns = lat;
	slot = ls_hist_slot(lat);
	if (slot < LS_HIST_SLOTS)
		__sync_fetch_and_add(&st->slots[slot], 1);

	/* -4095..-1 are errors (include/linux/err.h MAX_ERRNO) */
	if (ret < 0 && ret >= -4095) {
		struct ls_errno_key ek = { .key = *key, .err = (__s32)-ret };
		__u64 one = 1, *n;

		__sync_fetch_and_add(&st->errors, 1);
		n = bpf_map_lookup_elem(&errno_counts, &ek);
		if (n)
			__sync_fetch_and_add(n, 1);
		else if (bpf_map_update_elem(&errno_counts, &ek, &one, BPF_NOEXIST))
			count_event(LS_CNT_DROPPED_ERRNO);
	}
	count_event(LS_CNT_EVENTS);
}

SEC("tp_btf/sys_enter")
int BPF_PROG(handle_sys_enter, struct pt_regs *regs, long id)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct ls_task_state *ts;

	ts = bpf_task_storage_get(&task_state, task, NULL, 0);
	if (!ts)
		return 0;
	if (ts->flags & LS_TS_WAIT_EXEC) {
		if (id != __NR_execve && id != __NR_execveat)
			return 0;
		ts->flags &= ~LS_TS_WAIT_EXEC;
	}

	__builtin_memset(&ts->key, 0, sizeof(ts->key));
	classify(&ts->key, task, id, regs);
	/* after classify: the wait classifiers copy whole keys of other fds */
	ts->key.syscall_nr = (__u32)id;

	/*
	 * exit and exit_group never return, so they have no latency; like
	 * strace -c, they are not counted.
	 */
	if (id == __NR_exit || id == __NR_exit_group) {
		ts->start_ns = 0;
		return 0;
	}
	ts->start_ns = bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(handle_sys_exit, struct pt_regs *regs, long ret)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct ls_task_state *ts;
	__u64 now = bpf_ktime_get_ns();

	ts = bpf_task_storage_get(&task_state, task, NULL, 0);
	if (!ts)
		return 0;
	if (!ts->start_ns) {
		/* the call was already in flight when we attached */
		count_event(LS_CNT_NO_ENTRY);
		return 0;
	}
	aggregate(&ts->key, now - ts->start_ns, ret);
	ts->start_ns = 0;
	if (ret >= 0 && (ts->key.syscall_nr == __NR_accept || ts->key.syscall_nr == __NR_accept4))
		ls_mark_accepted_g(ret);
	return 0;
}

/*
 * New threads of a traced process are traced; new processes only when
 * following forks.  The procs map is consulted too, so a thread created
 * while user space is still seeding existing threads is not missed.
 */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(handle_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = BPF_CORE_READ(parent, tgid);
	__u32 ctgid = BPF_CORE_READ(child, tgid);
	bool parent_traced = bpf_task_storage_get(&task_state, parent, NULL, 0) != NULL;

	if (ctgid == ptgid) {
		if (!parent_traced && !bpf_map_lookup_elem(&procs, &ctgid))
			return 0;
	} else {
		struct ls_proc p = { .flags = LS_PROC_FOLLOWED, .parent_tgid = ptgid };

		if (!parent_traced || !cfg_follow_forks)
			return 0;
		if (bpf_map_update_elem(&procs, &ctgid, &p, BPF_NOEXIST)) {
			count_event(LS_CNT_PROCS_FULL);
			return 0;
		}
	}
	/* start_ns = 0: the child's first sys_exit (from fork) has no entry */
	if (!bpf_task_storage_get(&task_state, child, NULL, BPF_LOCAL_STORAGE_GET_F_CREATE))
		count_event(LS_CNT_TASK_NOMEM);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(handle_exit, struct task_struct *task)
{
	__u32 tgid;

	if (!bpf_task_storage_get(&task_state, task, NULL, 0))
		return 0;
	bpf_task_storage_delete(&task_state, task);
	/* signal->live drops to 0 before this tracepoint for the last thread */
	if (BPF_CORE_READ(task, signal, live.counter) == 0) {
		tgid = BPF_CORE_READ(task, tgid);
		bpf_map_delete_elem(&procs, &tgid);
	}
	return 0;
}
