// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * latscope: per-(subsystem, syscall) latency of the traced tasks, aggregated
 * in the kernel.  Only tp_btf tracepoints are used: kprobes and trampolines
 * (fentry) are not available everywhere we run, tracefs is not needed.
 *
 * A task is traced iff it owns an entry in task_state.  User space creates
 * entries for the threads that exist at attach time (through pidfds); the
 * fork hook creates them for new threads and, with cfg_follow_forks, for new
 * child processes.  Untraced tasks mostly stop before that lookup, at one
 * byte indexed by their kernel stack (stack_hint) or their tgid
 * (tgid_hint); docs/design.md, "The filter comes first".
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <asm/unistd.h>
#include "latscope.h"
#include "classify.bpf.h"
#include "role.bpf.h"
#include "request.bpf.h"
#include "syscall_args.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

_Static_assert(LS_COMM_LEN == TASK_COMM_LEN, "include/latscope.h: LS_COMM_LEN");

const volatile bool cfg_follow_forks = false;

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct ls_task_state);
} task_state SEC(".maps");

/*
 * Statistics live in an array, one slot per (subsystem, syscall, thread)
 * key; stat_slots maps a key to its slot.  Each thread remembers the slots
 * of the last keys it aggregated (a few, by syscall number), so the calls of
 * a loop (sendto, poll, recvfrom...) skip hashing their 40-byte keys.  The array is
 * preallocated and shared by all CPUs: per-CPU would cost 8 KiB per key per
 * CPU, and a non-preallocated insert fails when the kernel's allocator cache
 * for such large elements is empty, losing a syscall.  --max-keys sizes both.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, LS_MAX_STATS_KEYS);
	__type(key, __u32);
	__type(value, struct ls_stats);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LS_MAX_STATS_KEYS);
	__type(key, struct ls_key);
	__type(value, __u32);
} stat_slots SEC(".maps");

/*
 * Which tgids may be traced (include/latscope.h).  Set before a process is
 * traced, never cleared: a stale or colliding entry only costs the task-
 * storage lookup that follows.
 */
__u8 tgid_hint[LS_TGID_HINT_SLOTS] = {};

static __always_inline bool maybe_traced(struct task_struct *task)
{
	return tgid_hint[task->tgid & (LS_TGID_HINT_SLOTS - 1)];
}

static __always_inline void hint_tgid(__u32 tgid)
{
	tgid_hint[tgid & (LS_TGID_HINT_SLOTS - 1)] = 1;
}

/*
 * The first check of every syscall on the host (include/latscope.h): a
 * byte indexed by the address of the syscall's saved registers.  Set for
 * every traced thread, by the fork and exec hooks and, for threads that
 * exist when tracing starts, by the register_stacks iterator that user
 * space runs after seeding them; never cleared, as tgid_hint.
 */
__u8 stack_hint[LS_STACK_HINT_SLOTS] = {};

/*
 * The verifier forbids arithmetic on a pointer, with one exception for a
 * program that may leak pointers (CAP_PERFMON): a 32-bit subtraction,
 * whose result is a plain number.  The index needs bits 14..29 of the
 * address, which the low 32 bits hold.  (A per-CPU slot written and read
 * back did the same at two store-to-load round trips, ~7 ns a syscall.)
 */
_Static_assert(LS_STACK_HINT_SHIFT + 16 <= 32 && LS_STACK_HINT_SLOTS <= 65536,
	       "stack_hint's index must come from the address's low 32 bits");

static __always_inline bool stack_maybe_traced(const void *regs)
{
	__u64 low;

	asm volatile("r0 = %[p]\n\t"
		     "w0 -= 0\n\t"
		     "%[low] = r0"
		     : [low] "=r"(low)
		     : [p] "r"(regs)
		     : "r0");
	return stack_hint[(low >> LS_STACK_HINT_SHIFT) & (LS_STACK_HINT_SLOTS - 1)];
}

/*
 * A test hook, 0 otherwise: mark the bytes this many slots off, as if the
 * registers were elsewhere, so the tests see the self-check fail
 * (LATSCOPE_TEST_MISPLACE_STACKS, src/selfcheck.h).
 */
const volatile __u32 cfg_stack_hint_skew = 0;

/* A process user space stopped tracing (src/target.h target_forget). */
__u32 forgotten_tgid = 0;

static __always_inline void hint_stack(struct task_struct *t)
{
	__u64 s = ((__u64)BPF_CORE_READ(t, stack) >> LS_STACK_HINT_SHIFT) + cfg_stack_hint_skew;

	/* the registers sit at the top: the first 16 KiB, or the second of 32 */
	stack_hint[s & (LS_STACK_HINT_SLOTS - 1)] = 1;
	stack_hint[(s + 1) & (LS_STACK_HINT_SLOTS - 1)] = 1;
}

/*
 * Threads cache what their fds are (ls_task_state.fd_cache), which saves
 * the walk from the fd table to the sock on every call.  An entry is valid
 * while its process's generation has not moved.  The generation moves after
 * every call that can change what an fd number names: close, close_range,
 * dup2, dup3, exec, and connect and bind, which change a socket's peer or
 * serving side.  New fds take free numbers, which are never cached.
 */
__u32 fd_gen[LS_FD_GEN_SLOTS] = {};

static __always_inline __u32 *fd_gen_of(__u32 tgid)
{
	return &fd_gen[tgid & (LS_FD_GEN_SLOTS - 1)];
}

static __always_inline bool renames_fds(long nr)
{
	switch (nr) {
	case __NR_close:
#ifdef __NR_close_range
	case __NR_close_range:
#endif
#ifdef __NR_dup2
	case __NR_dup2:
#endif
	case __NR_dup3:
	case __NR_connect:
	case __NR_bind:
		return true;
	}
	return false;
}

/*
 * Slots of stats that user space freed: when a thread exits, it folds the
 * thread's keys into its process's "exited" figures, deletes them from
 * stat_slots, zeroes their slots and pushes them here (src/fold.c), so
 * the keys in use depend on live threads, not on how many ever existed.
 */
struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, LS_MAX_STATS_KEYS);
	__type(value, __u32);
} free_slots SEC(".maps");

/* Next never used slot of stats, and how many there are (--max-keys). */
__u32 next_stat_slot = 0;
const volatile __u32 cfg_max_keys = LS_MAX_STATS_KEYS;

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

/* Children of traced processes, from fork to reap. */
struct ls_spawn {
	__u64 start_ns;
	__u32 parent_tgid;	/* a wakeup from the child: LS_WOKE_CHILD */
	__u32 pad;
	char comm[LS_COMM_LEN];	/* updated at exec */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, LS_MAX_SPAWNS);
	__type(key, __u32);
	__type(value, struct ls_spawn);
} spawns SEC(".maps");

/* Names of traced threads that exited, by tid. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, char[LS_COMM_LEN]);
} thread_comms SEC(".maps");

/*
 * Where traced threads' time went (struct ls_thread_time), by tid: exited
 * threads' from the exit hook, live ones' from the dump_threads iterator
 * that user space runs before each read.  User space deletes the entries
 * of exited threads once it has folded them.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LS_MAX_THREADS);
	__type(key, __u32);
	__type(value, struct ls_thread_time);
} thread_times SEC(".maps");

/*
 * Idle waits (cycle boundaries), calls slower than slow_ns and thread
 * exits: a few records per cycle, never one per call.
 */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, LS_EVENTS_BYTES);
} events SEC(".maps");

/*
 * Calls at least this long are reported one by one (0: none).  In .bss,
 * not .rodata: user space lowers or raises it once it knows the period.
 */
__u64 slow_ns = 0;

/*
 * Set by user space while the kernel's BPF run-time statistics are on (a
 * sampled window, src/cost.c): the traced calls of the window are counted,
 * and the programs time what they do for them past the filter (one more
 * clock read each), so their share of the run time is measured, not left
 * over from the others'.
 */
__u32 cost_sampling = 0;

/* -c, --exe, --cmdline, --cgroup, --unit: processes that become targets */
#include "target_match.bpf.h"

static __always_inline void add_counter(__u32 which, __u64 v)
{
	__u64 *c = bpf_map_lookup_elem(&counters, &which);

	if (c)
		*c += v;
}

static __always_inline void count_event(__u32 which)
{
	add_counter(which, 1);
}

/*
 * Global (non-inlined) subprograms: the verifier checks each once instead of
 * once per call site, which is what keeps the wait-syscall loops, which
 * classify up to LS_MAX_WAIT_FDS fds, within its instruction budget.  The
 * task is always the current one: a BTF task pointer cannot be passed in.
 */

/* Read only the task facts some rule looks at. */
static __always_inline void read_task_facts(struct ls_task_facts *t)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct inode *exe;

	if (cfg_rule_need & LS_RM_THREAD)
		bpf_get_current_comm(t->thread, sizeof(t->thread));
	if (cfg_rule_need & LS_RM_COMM)
		BPF_CORE_READ_INTO(&t->comm, task, group_leader, comm);
	if (cfg_rule_need & LS_RM_EXE) {
		exe = BPF_CORE_READ(task, mm, exe_file, f_inode);
		t->exe_ino = BPF_CORE_READ(exe, i_ino);
		t->exe_dev = BPF_CORE_READ(exe, i_sb, s_dev);
	}
}

/* First rule that matches names the subsystem: k->rule = its index + 1. */
__noinline int ls_match_rules_g(struct ls_key *k, struct ls_sockinfo *si)
{
	struct ls_task_facts facts = {};
	__u32 i;

	if (!k || !si)
		return 0;
	read_task_facts(&facts);
	for (i = 0; i < LS_MAX_RULES && i < cfg_n_rules; i++) {
		struct ls_rule *r = bpf_map_lookup_elem(&rules, &i);

		if (r && ls_rule_matches(r, si, &facts)) {
			k->rule = (__u16)(i + 1);
			return 0;
		}
	}
	return 0;
}

/*
 * Classify what call c talks to through its fd, rules included.  e, when
 * given, is the thread's cache entry for the fd's number; gen is the
 * process's fd generation, read before the fd table is.
 */
__noinline int ls_classify_call_g(struct ls_key *k, struct ls_call *c, struct ls_fd_class *e,
				  __u32 gen)
{
	struct ls_sock_last *mine = NULL;
	struct ls_sockinfo si = {};
	__u64 ino = 0;
	__u32 fd_plus1;

	if (!k || !c)
		return 0;
	fd_plus1 = (__u32)c->fd + 1;
	if (e && e->fd_plus1 == fd_plus1 && e->gen == gen && c->fd >= 0) {
		*k = e->key;
		si = e->si;
		ino = e->ino;
		c->ftype = e->ftype;
		mine = &e->last;
	} else if (ls_file_facts(k, &si, &ino, &c->ftype, ls_fd_file(c->fd)) && e) {
		/*
		 * The same socket at the same number (the generation moved for
		 * another fd): the thread still knows what it last sent on it.
		 */
		if (e->fd_plus1 != fd_plus1 || e->ino != ino || !ino)
			__builtin_memset(&e->last, 0, sizeof(e->last));
		e->fd_plus1 = fd_plus1;
		e->gen = gen;
		e->key = *k;
		e->si = si;
		e->ino = ino;
		e->ftype = c->ftype;
		mine = &e->last;
	}
	c->ino = ino;
	ls_call_facts(k, &si, c, ino, mine);
	if (cfg_n_rules)
		ls_match_rules_g(k, &si);
	return 0;
}

/* The same for a struct file met outside the fd table (epoll's interest set). */
__noinline int ls_classify_epitem_file_g(struct ls_key *k, __u64 file)
{
	struct ls_call none = { .fd = -1 };
	struct ls_sockinfo si = {};

	if (!k)
		return 0;
	ls_classify_file(k, &si, file ? LS_CAST(file, file) : NULL, &none);
	if (cfg_n_rules)
		ls_match_rules_g(k, &si);
	return 0;
}

__noinline int ls_mark_accepted_g(long fd)
{
	struct file *f = ls_fd_file(fd);
	struct socket *sock;
	struct sock *sk;
	__u64 skp;
	__u32 ports;

	if (!f)
		return 0;
	sock = LS_CAST(socket, f->private_data);
	sk = sock->sk;
	if (!sk)
		return 0;
	skp = (__u64)sk;
	ports = ls_port_pair(bpf_ntohs(sk->__sk_common.skc_dport), sk->__sk_common.skc_num);
	bpf_map_update_elem(&accepted_socks, &skp, &ports, BPF_ANY);
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

/* Classify one waited-on fd into acc; 1 = stop, the set is mixed. */
static __always_inline int wait_add_fd(struct ls_key *acc, long fd)
{
	struct ls_call c = { .fd = fd };
	struct ls_key one = {};

	ls_classify_call_g(&one, &c, NULL, 0);
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
		return 0;	/* poll(NULL, 0, t) is a sleep: "other" */
	if (nfds > LS_MAX_WAIT_FDS) {
		k->kind = LS_KIND_WAIT_MIXED;
		return 0;
	}
	if (bpf_probe_read_user(pfd, (nfds & (LS_MAX_WAIT_FDS * 2 - 1)) * sizeof(pfd[0]),
				(void *)ufds))
		return 0;
	k->kind = LS_KIND_MAX;
	for (i = 0; i < LS_MAX_WAIT_FDS && i < nfds; i++) {
		if (pfd[i].fd < 0)
			continue;	/* poll ignores negative fds */
		if (wait_add_fd(k, pfd[i].fd))
			return 0;
	}
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
 * The walk is a bpf_loop() callback, which the verifier checks once: an
 * unrolled loop made it follow every shape a 16-node tree can have, some
 * 700,000 instructions and a second of load time.
 */
struct ls_epoll_walk {
	struct ls_key *k;
	__u64 stack[LS_MAX_WAIT_FDS];	/* struct rb_node *, as numbers */
	__u32 top;
	__u32 mixed;			/* 1: the fds differ, stop */
};

/*
 * 1 when there is no room.  Within LS_MAX_WAIT_FDS steps (one pop, at most
 * two pushes each) that cannot happen; the check keeps the stack from ever
 * wrapping, and a set larger than we look at is caught by the stack not
 * being empty after the last step.
 */
static __always_inline int ls_epoll_push(struct ls_epoll_walk *w, __u64 node)
{
	if (!node)
		return 0;
	if (w->top >= LS_MAX_WAIT_FDS) {
		w->top = LS_MAX_WAIT_FDS + 1;
		return 1;
	}
	w->stack[w->top++ & (LS_MAX_WAIT_FDS - 1)] = node;
	return 0;
}

static long ls_epoll_step(__u64 i, void *ctx)
{
	struct ls_epoll_walk *w = ctx;
	struct ls_key one = {};
	struct rb_node *n;
	__u64 file = 0, l, r;

	if (w->top == 0 || w->top > LS_MAX_WAIT_FDS)
		return 1;
	w->top--;
	n = LS_CAST(rb_node, w->stack[w->top & (LS_MAX_WAIT_FDS - 1)]);
	/* rbn is the first member of struct epitem */
	bpf_probe_read_kernel(&file, sizeof(file), &LS_CAST(epitem, n)->ffd.file);
	ls_classify_epitem_file_g(&one, file);
	if (ls_wait_merge_g(w->k, &one)) {
		w->mixed = 1;
		return 1;
	}
	l = (__u64)n->rb_left;
	r = (__u64)n->rb_right;
	return ls_epoll_push(w, l) || ls_epoll_push(w, r);
}

__noinline int ls_classify_epoll_g(struct ls_key *k, long epfd)
{
	struct ls_epoll_walk w = {};
	struct file *epf;
	struct eventpoll *ep;

	if (!k)
		return 0;
	epf = ls_fd_file(epfd);
	if (!epf)
		return 0;
	ep = LS_CAST(eventpoll, epf->private_data);
	w.stack[0] = (__u64)ep->rbr.rb_root.rb_node;
	if (!w.stack[0])
		return 0;
	w.top = 1;
	w.k = k;
	k->kind = LS_KIND_MAX;
	bpf_loop(LS_MAX_WAIT_FDS, ls_epoll_step, &w, 0);
	if (w.mixed)
		return 0;
	if (w.top != 0) {
		/* more epitems than we look at */
		__builtin_memset(k, 0, sizeof(*k));
		k->kind = LS_KIND_WAIT_MIXED;
		return 0;
	}
	wait_done(k);
	return 0;
}

/*
 * Fill in the subsystem fields of ts->key for syscall id, user rules
 * included: fd-based calls through ls_classify_call_g, the waits fd by fd
 * through the same, everything else at `rules`.
 */
static __always_inline void classify(struct ls_task_state *ts, long id, struct pt_regs *regs)
{
	struct ls_key *k = &ts->key;
	struct ls_call c = { .fd = LS_ARG1(regs) };
	struct ls_sockinfo si = {};

	switch (id) {
#ifdef __NR_socket
	case __NR_socket:
#endif
#ifdef __NR_socketpair
	case __NR_socketpair:
#endif
		ls_classify_socket_args(k, &si, c.fd, LS_ARG2(regs), LS_ARG3(regs));
		goto rules;
	case __NR_connect:
		c.op = LS_OP_CONNECT;
		c.dest = LS_ARG2(regs);
		c.destlen = LS_ARG3(regs);
		break;
	case __NR_sendto:
	case __NR_write:
		c.op = LS_OP_SEND;
		c.buf = LS_ARG2(regs);
		if (id == __NR_sendto) {
			c.dest = LS_ARG5(regs);
			c.destlen = LS_ARG6(regs);
		}
		break;
	case __NR_sendmsg:
		c.op = LS_OP_SENDMSG;
		c.buf = LS_ARG2(regs);
		break;
#ifdef __NR_poll
	case __NR_poll:
#endif
	case __NR_ppoll:
		ls_classify_poll_g(k, c.fd, LS_ARG2(regs));
		return;
#ifdef __NR_select
	case __NR_select:
#endif
	case __NR_pselect6:
		ls_classify_select_g(k, c.fd, LS_ARG2(regs), LS_ARG3(regs), LS_ARG4(regs));
		return;
#ifdef __NR_epoll_wait
	case __NR_epoll_wait:
#endif
	case __NR_epoll_pwait:
#ifdef __NR_epoll_pwait2
	case __NR_epoll_pwait2:
#endif
		ls_classify_epoll_g(k, c.fd);
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
		goto rules;
	/* Calls whose first argument is an fd. */
	case __NR_read: case __NR_readv: case __NR_writev:
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
	case __NR_sendfile:	/* out_fd first: the socket side of a send */
		break;
	default:
		goto rules;	/* LS_KIND_OTHER */
	}
	/* the generation first: a change after this read moves it again */
	ls_classify_call_g(k, &c, &ts->fd_cache[c.fd & (LS_FD_CACHE - 1)],
			   *fd_gen_of(ts->tgid));
	ts->call_fd = c.fd;
	ts->call_ino = c.ino;
	ts->call_ftype = c.ftype;
	if (c.ino && ls_req_kind(k->kind))
		ts->req_op = ls_req_op_of(id);
	return;
rules:
	if (cfg_n_rules)
		ls_match_rules_g(k, &si);
}

static __always_inline bool same_key(const struct ls_key *a, const struct ls_key *b)
{
	const __u64 *x = (const __u64 *)a, *y = (const __u64 *)b;

	return x[0] == y[0] && x[1] == y[1] && x[2] == y[2] && x[3] == y[3] && x[4] == y[4];
}

/* The stats slot of key, claiming a new one the first time it is seen. */
static __always_inline __u32 *slot_of(const struct ls_key *key)
{
	__u32 *slot, fresh;

	slot = bpf_map_lookup_elem(&stat_slots, key);
	if (slot)
		return slot;
	/* a slot an exited thread's key had, which user space folded and zeroed */
	if (bpf_map_pop_elem(&free_slots, &fresh)) {
		fresh = __sync_fetch_and_add(&next_stat_slot, 1);
		if (fresh >= cfg_max_keys) {
			count_event(LS_CNT_DROPPED_KEYS);
			return NULL;
		}
	}
	/* another CPU may have added the same key meanwhile: its slot wins */
	if (bpf_map_update_elem(&stat_slots, key, &fresh, BPF_NOEXIST))
		bpf_map_push_elem(&free_slots, &fresh, 0);
	slot = bpf_map_lookup_elem(&stat_slots, key);
	if (!slot)
		count_event(LS_CNT_DROPPED_KEYS);
	return slot;
}

/*
 * Add one call to its key's statistics: lat ns from start, runq of them
 * waiting for a CPU.  ts, when given, caches the slot of the key it last
 * aggregated.
 */
static __always_inline void aggregate(struct ls_task_state *ts, const struct ls_key *key,
				      __u64 start, __u64 lat, __u64 runq, long ret)
{
	__u32 c = key->syscall_nr & (LS_SLOT_CACHE - 1);
	struct ls_stats *st;
	__u32 idx, *slot;

	if (ts && ts->cache_slot[c] && same_key(key, &ts->cache_key[c])) {
		idx = ts->cache_slot[c] - 1;
	} else {
		slot = slot_of(key);
		if (!slot)
			return;
		idx = *slot;
		if (ts) {
			ts->cache_key[c] = *key;
			ts->cache_slot[c] = idx + 1;
		}
	}
	st = bpf_map_lookup_elem(&stats, &idx);
	if (!st)
		return;
	/*
	 * Plain adds: a key names one thread (tid is part of it), and a
	 * thread runs one syscall at a time, so nothing else updates this
	 * entry meanwhile.  count is the sum of the slots (user space adds
	 * them up).
	 */
	st->total_ns += lat;
	st->runq_ns += runq;
	st->slots[ls_hist_slot(lat) & (LS_HIST_SLOTS - 1)] += 1;
	if (lat < st->min_ns || st->min_ns == 0)
		st->min_ns = lat;
	if (lat > st->max_ns) {
		st->max_ns = lat;
		st->max_at_ns = start;
	}

	/* -4095..-1 are errors (include/linux/err.h MAX_ERRNO) */
	if (ret < 0 && ret >= -4095) {
		struct ls_errno_key ek = { .key = *key, .err = (__s32)-ret };
		__u64 one = 1, *n;

		st->errors += 1;
		n = bpf_map_lookup_elem(&errno_counts, &ek);
		if (n)
			*n += 1;
		else if (bpf_map_update_elem(&errno_counts, &ek, &one, BPF_NOEXIST))
			count_event(LS_CNT_DROPPED_ERRNO);
	}
}

/* A file's name and its parents', for a slow call on it: no d_path here. */
static __always_inline void read_path(struct ls_ev_slow *ev, long fd)
{
	struct file *f = ls_fd_file(fd);
	struct dentry *d, *parent;
	int i;

	if (!f)
		return;
	d = f->f_path.dentry;
	for (i = 0; i < LS_PATH_PARTS; i++) {
		if (!d)
			return;
		bpf_probe_read_kernel_str(ev->path[i], LS_NAME_LEN, d->d_name.name);
		parent = d->d_parent;
		if (parent == d)
			return;		/* the root of its mount */
		d = parent;
	}
}

static __always_inline void emit_slow(const struct ls_task_state *ts, const struct ls_key *k,
				      __u64 start, __u64 end, __u64 runq, long ret, long fd)
{
	struct ls_ev_slow *ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);

	if (!ev) {
		count_event(LS_CNT_EVENTS_LOST);
		return;
	}
	__builtin_memset(ev, 0, sizeof(*ev));
	ev->h.type = LS_EV_SLOW;
	ev->h.tid = k->tid;
	ev->h.tgid = k->tgid;
	ev->h.syscall_nr = k->syscall_nr;
	ev->enter_ns = start;
	ev->exit_ns = end;
	ev->runq_ns = runq;
	ev->ret = ret;
	ev->key = *k;
	if (k->kind == LS_KIND_FILE && fd >= 0)
		read_path(ev, fd);
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
	/* user space drains the buffer on its own tick: no wakeup per record */
	bpf_ringbuf_submit(ev, BPF_RB_NO_WAKEUP);
}

/* Before the wait is added to the thread's figures. */
static __always_inline void emit_idle(const struct ls_task_state *ts, __u64 end, __u64 runq)
{
	struct ls_ev_idle *ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);

	if (!ev) {
		count_event(LS_CNT_EVENTS_LOST);
		return;
	}
	ev->h.type = LS_EV_IDLE;
	ev->h.tid = ts->tid;
	ev->h.tgid = ts->tgid;
	ev->h.syscall_nr = ts->key.syscall_nr;
	ev->kind = ts->key.kind;
	ev->pad = 0;
	ev->enter_ns = ts->start_ns;
	ev->exit_ns = end;
	ev->runq_ns = runq;
	ev->idle_before_ns = ts->tt.sys_ns[LS_ROLE_IDLE];
	ev->user_cpu_ns = ts->tt.user_cpu_ns;
	ev->runq_before_ns = ts->tt.user_runq_ns + ts->tt.sys_runq_ns;
	ev->sync_before_ns = ts->tt.sys_ns[LS_ROLE_SYNC];
	bpf_ringbuf_submit(ev, BPF_RB_NO_WAKEUP);
}

/* One request of st's socket completed, as the current thread saw it. */
static __always_inline void request_done(const struct ls_task_state *ts,
					 const struct ls_req_state *st, __u64 now)
{
	__u64 end = st->end_ns ? st->end_ns : now;
	struct ls_key k = st->key;

	if (!st->start_ns || end <= st->start_ns)
		return;
	if (!st->end_ns && st->sends > LS_REQ_UNANSWERED_MAX_SENDS)
		return;		/* a stream of sends, not a question */
	k.syscall_nr = LS_SYSCALL_REQUEST;
	k.role = LS_ROLE_WORK;
	/* the completing thread's key: a key is only ever written by its thread */
	k.tid = ts->tid;
	k.tgid = ts->tgid;
	/* closed before any reply: an unanswered request */
	aggregate(NULL, &k, st->start_ns, end - st->start_ns, 0, st->end_ns ? 0 : -LS_ENODATA);
}

static __always_inline void request_step(const struct ls_task_state *ts, long ret, __u64 now)
{
	struct ls_req_state *st, fresh = {};
	__u64 ino = ts->call_ino;

	st = bpf_map_lookup_elem(&req_states, &ino);
	switch (ts->req_op) {
	case LS_REQ_SEND:
		if (ret < 0)
			return;
		if (!st) {
			fresh.start_ns = ts->start_ns;
			fresh.sends = 1;
			fresh.key = ts->key;
			bpf_map_update_elem(&req_states, &ino, &fresh, BPF_ANY);
		} else if (st->end_ns || !st->start_ns) {
			request_done(ts, st, now);
			st->start_ns = ts->start_ns;
			st->end_ns = 0;
			st->sends = 1;
			st->key = ts->key;
		} else {
			st->sends++;
			/* one request, sent to several peers (a round of pings) */
			if (!ls_same_subsys(&st->key, &ts->key))
				ls_req_forget_peer(&st->key);
		}
		return;
	case LS_REQ_RECV:
		if (st && st->start_ns && ret > 0)
			st->end_ns = now;
		return;
	case LS_REQ_CLOSE:
		if (!st)
			return;
		request_done(ts, st, now);
		bpf_map_delete_elem(&req_states, &ino);
		return;
	}
}

static __always_inline bool is_wait_syscall(__u32 nr)
{
	return nr == __NR_wait4 || nr == __NR_waitid;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(handle_sys_enter, struct pt_regs *regs, long id)
{
	struct task_struct *task;
	struct ls_task_state *ts;
	__u64 pid_tgid, sampled_at;

	if (!stack_maybe_traced(regs))
		return 0;
	task = bpf_get_current_task_btf();
	if (!maybe_traced(task))
		return 0;
	ts = bpf_task_storage_get(&task_state, task, NULL, 0);
	if (!ts)
		return 0;
	sampled_at = cost_sampling ? bpf_ktime_get_ns() : 0;
	if (ts->flags & LS_TS_WAIT_EXEC) {
		if (id != __NR_execve && id != __NR_execveat)
			return 0;
		ts->flags &= ~LS_TS_WAIT_EXEC;
	}
	/*
	 * exit and exit_group never return, so they have no latency; like
	 * strace -c, they are not counted.
	 */
	if (id == __NR_exit || id == __NR_exit_group) {
		ts->start_ns = 0;
		ts->user_since = 0;
		return 0;
	}

	if (!ts->tid) {
		pid_tgid = bpf_get_current_pid_tgid();
		ts->tid = (__u32)pid_tgid;
		ts->tgid = (__u32)(pid_tgid >> 32);
	}
	__builtin_memset(&ts->key, 0, sizeof(ts->key));
	ts->slept = 0;
	ts->woke = 0;
	ts->req_op = LS_REQ_NONE;
	ts->call_runq_ns = 0;
	ts->call_ino = 0;
	ts->call_fd = -1;
	ts->call_ftype = LS_FTYPE_NONE;
	classify(ts, id, regs);
	/* after classify: the wait classifiers copy whole keys of other fds */
	ts->key.syscall_nr = (__u32)id;
	ts->key.tid = ts->tid;
	ts->key.tgid = ts->tgid;
	if (id == __NR_waitid)
		ts->wait_infop = LS_ARG3(regs);
	ts->start_ns = bpf_ktime_get_ns();
	/* the same clock read ends the stretch in user space */
	if (ts->user_since && ts->start_ns > ts->user_since)
		ts->tt.user_cpu_ns += ts->start_ns - ts->user_since;
	ts->user_since = 0;
	ts->sched_state = LS_SCHED_RUNNING;
	if (sampled_at)
		add_counter(LS_CNT_SAMPLED_ENTER_NS, ts->start_ns - sampled_at);
	return 0;
}

/*
 * A traced parent reaped a child it spawned: one "exec:<comm>" sample, from
 * fork to the wait that returned it, as the parent lived it.
 */
static __always_inline void reap_child(struct ls_task_state *ts, long ret, __u64 now)
{
	struct ls_spawn *sp;
	struct ls_key k = {};
	__u32 child = 0;
	int si_pid = 0;
	/* where the pid is in the user's siginfo_t: UAPI, fixed per architecture */
	const __u64 si_pid_off = __builtin_offsetof(struct siginfo, _sifields._sigchld._pid);

	if (ts->key.syscall_nr == __NR_wait4) {
		if (ret <= 0)
			return;
		child = (__u32)ret;
	} else {
		/* waitid returns 0 and the child's pid in siginfo's si_pid */
		if (ret != 0 || !ts->wait_infop ||
		    bpf_probe_read_user(&si_pid, sizeof(si_pid),
					(void *)(ts->wait_infop + si_pid_off)) ||
		    si_pid <= 0)
			return;
		child = (__u32)si_pid;
	}
	sp = bpf_map_lookup_elem(&spawns, &child);
	if (!sp)
		return;
	k.kind = LS_KIND_EXEC;
	k.syscall_nr = LS_SYSCALL_SPAWN;
	__builtin_memcpy(k.addr, sp->comm, sizeof(k.addr));
	k.tid = ts->key.tid;
	k.tgid = ts->key.tgid;
	aggregate(NULL, &k, sp->start_ns, now - sp->start_ns, 0, 0);
	if (slow_ns && now - sp->start_ns >= slow_ns)
		emit_slow(ts, &k, sp->start_ns, now, 0, 0, -1);
	bpf_map_delete_elem(&spawns, &child);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(handle_sys_exit, struct pt_regs *regs, long ret)
{
	struct task_struct *task;
	struct ls_task_state *ts;
	__u64 now, lat, runq;
	__u32 nr;
	__u8 role;

	if (!stack_maybe_traced(regs))
		return 0;
	task = bpf_get_current_task_btf();
	if (!maybe_traced(task))
		return 0;
	/*
	 * Before the task entry: a thread of a traced process that has none
	 * (not seeded yet, or no memory) still renames the fds the others
	 * cached, and so does a connect() in flight at attach.
	 */
	if (renames_fds(LS_SYSCALL_NR(regs)))
		__sync_fetch_and_add(fd_gen_of(task->tgid), 1);
	ts = bpf_task_storage_get(&task_state, task, NULL, 0);
	if (!ts)
		return 0;
	now = bpf_ktime_get_ns();
	if (!ts->start_ns) {
		/* the call was already in flight when we attached */
		count_event(LS_CNT_NO_ENTRY);
		ts->user_since = now;
		return 0;
	}
	nr = ts->key.syscall_nr;
	lat = now - ts->start_ns;
	runq = ts->call_runq_ns < lat ? ts->call_runq_ns : lat;
	role = ls_role_of(ts, nr, ret);
	ts->key.role = role;
	if (role == LS_ROLE_IDLE) {
		emit_idle(ts, now, runq);
		ts->tt.idle_waits++;
	} else if (role == LS_ROLE_WORK && slow_ns && lat >= slow_ns) {
		/* waits for threads and children: their own work is what was slow */
		emit_slow(ts, &ts->key, ts->start_ns, now, runq, ret, ts->call_fd);
	}
	aggregate(ts, &ts->key, ts->start_ns, lat, runq, ret);
	ts->tt.sys_ns[role & (LS_ROLE_MAX - 1)] += lat - runq;
	ts->tt.sys_runq_ns += runq;
	if (ts->req_op)
		request_step(ts, ret, now);
	ts->start_ns = 0;
	ts->user_since = now;
	if (ret >= 0 && (nr == __NR_accept || nr == __NR_accept4))
		ls_mark_accepted_g(ret);
	else if (is_wait_syscall(nr))
		reap_child(ts, ret, now);
	if (cost_sampling) {
		count_event(LS_CNT_SAMPLED_CALLS);
		add_counter(LS_CNT_SAMPLED_EXIT_NS, bpf_ktime_get_ns() - now);
	}
	return 0;
}

/*
 * New threads of a traced process are traced; new processes only when
 * following forks.  The procs map is consulted too, so a thread created
 * while user space is still seeding existing threads is not missed.  A new
 * process of a traced parent is remembered in spawns either way, for the
 * parent's "exec:<comm>" figures.
 */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(handle_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = BPF_CORE_READ(parent, tgid);
	__u32 ctgid = BPF_CORE_READ(child, tgid);
	struct ls_task_state *pts = bpf_task_storage_get(&task_state, parent, NULL, 0);
	struct ls_task_state *cts;
	__u32 tt_flags = 0;

	if (ctgid == ptgid) {
		if (!pts && !bpf_map_lookup_elem(&procs, &ctgid))
			return 0;
		/* a thread of a spawned child is the child's too */
		if (pts)
			tt_flags = pts->tt.flags & LS_TT_SPAWNED;
	} else {
		struct ls_proc p = { .flags = LS_PROC_FOLLOWED, .parent_tgid = ptgid };
		struct ls_spawn sp = { .start_ns = bpf_ktime_get_ns(), .parent_tgid = ptgid };
		bool target = fork_is_target(child);

		if (!pts && !target)
			return 0;
		if (pts) {
			BPF_CORE_READ_INTO(&sp.comm, child, comm);
			bpf_map_update_elem(&spawns, &ctgid, &sp, BPF_ANY);
		}
		if (!cfg_follow_forks && !target)
			return 0;
		if (target)
			p.flags = LS_PROC_TARGET;
		hint_tgid(ctgid);
		if (bpf_map_update_elem(&procs, &ctgid, &p, BPF_NOEXIST)) {
			count_event(LS_CNT_PROCS_FULL);
			return 0;
		}
		/* a target in its own right is not a child's life in exec:<comm> */
		if (!target)
			tt_flags = LS_TT_SPAWNED;
	}
	hint_stack(child);
	/* start_ns = 0: the child's first sys_exit (from fork) has no entry */
	cts = bpf_task_storage_get(&task_state, child, NULL, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!cts) {
		count_event(LS_CNT_TASK_NOMEM);
		return 0;
	}
	cts->call_fd = -1;
	cts->tt.first_ns = bpf_ktime_get_ns();
	cts->tt.tid = BPF_CORE_READ(child, pid);
	cts->tt.tgid = ctgid;
	cts->tt.flags = tt_flags;
	return 0;
}

/*
 * Scheduler hooks: where a traced thread's time goes outside its syscalls
 * (user CPU, waiting for a CPU, blocked in a page fault) and inside them
 * (the run-queue delay after a wakeup, whether it slept, who woke it).
 * Every context switch on the host runs handle_switch; untraced tasks stop
 * at the two tgid_hint bytes.
 */
static __always_inline void switch_out(struct ls_task_state *ts, __u64 now, bool runnable)
{
	if (!ts->start_ns && ts->user_since && now > ts->user_since)
		ts->tt.user_cpu_ns += now - ts->user_since;
	ts->user_since = 0;
	if (!runnable && ts->start_ns)
		ts->slept = 1;
	ts->sched_state = runnable ? LS_SCHED_RUNQ : LS_SCHED_BLOCKED;
	ts->sched_ns = now;
}

static __always_inline void switch_in(struct ls_task_state *ts, __u64 now)
{
	__u64 waited = ts->sched_ns && now > ts->sched_ns ? now - ts->sched_ns : 0;

	if (ts->sched_state == LS_SCHED_RUNQ) {
		if (ts->start_ns)
			ts->call_runq_ns += waited;
		else
			ts->tt.user_runq_ns += waited;
	} else if (ts->sched_state == LS_SCHED_BLOCKED && !ts->start_ns) {
		/* its wakeup was not seen: blocked all along */
		ts->tt.user_blocked_ns += waited;
	}
	ts->sched_state = LS_SCHED_RUNNING;
	ts->sched_ns = now;
	if (!ts->start_ns)
		ts->user_since = now;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(handle_switch, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	struct ls_task_state *ts;
	__u64 now = 0;

	if (maybe_traced(prev)) {
		ts = bpf_task_storage_get(&task_state, prev, NULL, 0);
		if (ts) {
			now = bpf_ktime_get_ns();
			/* preempted, or woken before it got off the CPU: still runnable */
			switch_out(ts, now, preempt || prev_state == 0 /* TASK_RUNNING */);
		}
	}
	if (maybe_traced(next)) {
		ts = bpf_task_storage_get(&task_state, next, NULL, 0);
		if (ts)
			switch_in(ts, now ? now : bpf_ktime_get_ns());
	}
	return 0;
}

/*
 * Who woke a thread blocked in a syscall: sched_waking runs in the waker's
 * context even when the wakeup itself is queued to another CPU, so current
 * is the waker.  The thread is not runnable yet: handle_wakeup starts its
 * run-queue clock.
 */
SEC("tp_btf/sched_waking")
int BPF_PROG(handle_waking, struct task_struct *p)
{
	struct task_struct *waker;
	struct ls_task_state *ts;
	struct ls_spawn *sp;
	__u32 wtgid;

	if (!maybe_traced(p))
		return 0;
	ts = bpf_task_storage_get(&task_state, p, NULL, 0);
	if (!ts || ts->sched_state != LS_SCHED_BLOCKED || !ts->start_ns)
		return 0;
	waker = bpf_get_current_task_btf();
	wtgid = waker->tgid;
	if (wtgid == p->tgid) {
		if (waker->pid != p->pid)
			ts->woke |= LS_WOKE_PEER;
	} else {
		sp = bpf_map_lookup_elem(&spawns, &wtgid);
		if (sp && sp->parent_tgid == p->tgid)
			ts->woke |= LS_WOKE_CHILD;
	}
	return 0;
}

/*
 * The run-queue delay starts when the thread is on a run queue, as the
 * kernel's schedstat run_delay does: sched_wakeup runs after the enqueue,
 * on the CPU that took the thread.  From sched_waking it would also hold
 * the IPI to that CPU and its way out of idle (30-60 us per wakeup on a
 * VM), which is not waiting for a CPU another task holds: that time stays
 * in the syscall (or, outside one, in blocked).
 */
SEC("tp_btf/sched_wakeup")
int BPF_PROG(handle_wakeup, struct task_struct *p)
{
	struct ls_task_state *ts;
	__u64 now;

	if (!maybe_traced(p))
		return 0;
	ts = bpf_task_storage_get(&task_state, p, NULL, 0);
	if (!ts || ts->sched_state != LS_SCHED_BLOCKED)
		return 0;
	now = bpf_ktime_get_ns();
	if (!ts->start_ns && now > ts->sched_ns)
		ts->tt.user_blocked_ns += now - ts->sched_ns;
	ts->sched_state = LS_SCHED_RUNQ;
	ts->sched_ns = now;
	return 0;
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(handle_wakeup_new, struct task_struct *p)
{
	struct ls_task_state *ts;

	if (!maybe_traced(p))
		return 0;
	ts = bpf_task_storage_get(&task_state, p, NULL, 0);
	if (!ts)
		return 0;
	ts->sched_state = LS_SCHED_RUNQ;
	ts->sched_ns = bpf_ktime_get_ns();
	return 0;
}

/*
 * A spawned child names its exec:<comm> entry after what it became; and
 * -c, --exe, --cmdline, --cgroup and --unit pick up processes that start
 * after latscope did.
 */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(handle_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct ls_proc proc = { .flags = LS_PROC_TARGET };
	__u32 tgid = BPF_CORE_READ(p, tgid);
	struct ls_task_state *ts;
	struct ls_spawn *sp;
	char comm[LS_COMM_LEN] = {};

	/* a thread that execs takes over the leader's pid: forget the cached one */
	ts = bpf_task_storage_get(&task_state, p, NULL, 0);
	if (ts) {
		ts->tid = 0;
		/* close-on-exec fds are gone by now */
		__builtin_memset(ts->fd_cache, 0, sizeof(ts->fd_cache));
		__sync_fetch_and_add(fd_gen_of(tgid), 1);
	}
	bpf_get_current_comm(comm, sizeof(comm));
	sp = bpf_map_lookup_elem(&spawns, &tgid);
	if (sp)
		__builtin_memcpy(sp->comm, comm, sizeof(comm));
	if (!exec_is_target(p, bprm, comm))
		return 0;
	hint_tgid(tgid);
	hint_stack(p);
	if (bpf_map_update_elem(&procs, &tgid, &proc, BPF_ANY)) {
		count_event(LS_CNT_PROCS_FULL);
		return 0;
	}
	if (!bpf_task_storage_get(&task_state, p, NULL, BPF_LOCAL_STORAGE_GET_F_CREATE))
		count_event(LS_CNT_TASK_NOMEM);
	return 0;
}

/* A thread's time split as user space reads it; exited or not. */
static __always_inline void save_thread_time(struct ls_task_state *ts, struct task_struct *task,
					     __u64 now, __u32 flags)
{
	struct ls_thread_time tt = ts->tt;
	__u32 tid = task->pid;

	if (!ts->start_ns && ts->user_since && now > ts->user_since)
		tt.user_cpu_ns += now - ts->user_since;	/* running right now */
	tt.tid = tid;
	tt.tgid = task->tgid;
	tt.flags |= flags;
	tt.last_ns = now;
	__builtin_memcpy(tt.comm, task->comm, sizeof(tt.comm));
	if (bpf_map_update_elem(&thread_times, &tid, &tt, BPF_ANY))
		count_event(LS_CNT_THREADS_FULL);
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(handle_exit, struct task_struct *task)
{
	struct ls_task_state *ts;
	struct ls_ev_exit *ev;
	__u32 tgid, tid;
	char comm[LS_COMM_LEN];
	__u64 now;

	ts = bpf_task_storage_get(&task_state, task, NULL, 0);
	if (!ts || (ts->flags & LS_TS_EXITED))
		return 0;
	if (task->tgid == forgotten_tgid) {
		ts->flags |= LS_TS_EXITED;	/* the self-check's child: no trace */
		return 0;
	}
	now = bpf_ktime_get_ns();
	save_thread_time(ts, task, now, LS_TT_EXITED);
	/*
	 * Marked, not deleted: a deletion frees the entry after an RCU Tasks
	 * Trace grace period, and each grace period leaves the tasks it finds
	 * on a CPU on the slower way out of every syscall tracepoint, host
	 * wide (docs/design.md).  The kernel frees the entry with the task,
	 * through plain RCU.
	 */
	ts->flags |= LS_TS_EXITED;
	/* for the per-thread view of threads that are gone by report time */
	tid = BPF_CORE_READ(task, pid);
	bpf_get_current_comm(comm, sizeof(comm));
	bpf_map_update_elem(&thread_comms, &tid, comm, BPF_ANY);
	ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	if (ev) {
		ev->h.type = LS_EV_EXIT;
		ev->h.tid = tid;
		ev->h.tgid = BPF_CORE_READ(task, tgid);
		ev->h.syscall_nr = 0;
		ev->exit_ns = now;
		ev->process_exited = BPF_CORE_READ(task, signal, live.counter) == 0;
		ev->pad = 0;
		__builtin_memcpy(ev->comm, comm, sizeof(comm));
		bpf_ringbuf_submit(ev, BPF_RB_NO_WAKEUP);
	} else {
		count_event(LS_CNT_EVENTS_LOST);
	}
	/* signal->live drops to 0 before this tracepoint for the last thread */
	if (BPF_CORE_READ(task, signal, live.counter) == 0) {
		tgid = BPF_CORE_READ(task, tgid);
		bpf_map_delete_elem(&procs, &tgid);
	}
	return 0;
}

/*
 * Run by user space over the threads of a process it has just seeded
 * (a task iterator filtered by PID): their stacks existed before any hook
 * could see them.
 */
SEC("iter/task")
int register_stacks(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;

	if (task)
		hint_stack(task);
	return 0;
}

/*
 * Run by user space before it reads thread_times: the live threads' time
 * split, as of now.
 */
SEC("iter/task")
int dump_threads(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	struct ls_task_state *ts;

	if (!task)
		return 0;
	ts = bpf_task_storage_get(&task_state, task, NULL, 0);
	/* an exited thread not yet reaped: handle_exit saved it for good */
	if (ts && !(ts->flags & LS_TS_EXITED) && task->tgid != forgotten_tgid)
		save_thread_time(ts, task, bpf_ktime_get_ns(), 0);
	return 0;
}
