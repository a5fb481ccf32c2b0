/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one header shared by bpf/latscope.bpf.c and user space: map keys and
 * values, the histogram geometry and the subsystem kinds.  Every type here
 * has a fixed size on both sides, so only __u8.. __u64 are used.
 */
#ifndef LATSCOPE_H
#define LATSCOPE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/*
 * A task's name, NUL-padded: the kernel's TASK_COMM_LEN (include/linux/
 * sched.h), which vmlinux.h has as an enum; the BPF program asserts that
 * they agree.  Names are compared as two 64-bit words (ls_comm_eq() in
 * include/rule_match.h), so every comm field below sits at a multiple of 8.
 */
#define LS_COMM_LEN		16

/*
 * Socket constants that are macros in the UAPI headers, so BTF (and with
 * it vmlinux.h) does not have them.  Defined once, here, for the BPF side;
 * user space keeps the libc names, and src/rules.c asserts that they agree.
 * IPPROTO_ICMP, IPPROTO_TCP, SOCK_STREAM... are enums in vmlinux.h.
 */
#define LS_AF_UNIX		1
#define LS_AF_INET		2
#define LS_AF_INET6		10
#define LS_AF_NETLINK		16
#define LS_IPPROTO_ICMPV6	58
#define LS_NETLINK_ROUTE	0

/*
 * Log-linear histogram.  Values below 2 * LS_HIST_SUB ns get one slot each;
 * above that, every power-of-two range [2^k, 2^(k+1)) is split into
 * LS_HIST_SUB equal slots.  A slot is then at most 2^k / LS_HIST_SUB wide,
 * so reporting the middle of a slot is off by at most 1 / (2 * LS_HIST_SUB)
 * = 1.5625% of the true value (docs/histogram.md).  Values of
 * 2^LS_HIST_MAX_LOG2 ns (68.7 s) and more land in the last slot; max_ns
 * keeps the exact largest value.
 */
#define LS_HIST_SUB_BITS	5
#define LS_HIST_SUB		(1U << LS_HIST_SUB_BITS)
#define LS_HIST_MAX_LOG2	36
#define LS_HIST_SLOTS		((LS_HIST_MAX_LOG2 - LS_HIST_SUB_BITS + 1) * LS_HIST_SUB)

/* Branchy log2 because the BPF backend of clang 14 has no clz. */
static inline __u32 ls_log2_u64(__u64 v)
{
	__u32 r = 0, shift;

	shift = (v > 0xFFFFFFFFULL) << 5; v >>= shift; r |= shift;
	shift = (v > 0xFFFF) << 4; v >>= shift; r |= shift;
	shift = (v > 0xFF) << 3; v >>= shift; r |= shift;
	shift = (v > 0xF) << 2; v >>= shift; r |= shift;
	shift = (v > 0x3) << 1; v >>= shift; r |= shift;
	r |= (v >> 1);
	return r;
}

static inline __u32 ls_hist_slot(__u64 v)
{
	__u32 k;

	if (v < 2 * LS_HIST_SUB)
		return (__u32)v;
	k = ls_log2_u64(v);
	if (k >= LS_HIST_MAX_LOG2)
		return LS_HIST_SLOTS - 1;
	return (k - LS_HIST_SUB_BITS + 1) * LS_HIST_SUB +
	       (__u32)((v >> (k - LS_HIST_SUB_BITS)) & (LS_HIST_SUB - 1));
}

/* What a syscall's fd (or, for socket/connect/sendto, its arguments) is. */
enum ls_kind {
	LS_KIND_OTHER = 0,	/* no fd: "other" */
	LS_KIND_FILE,		/* regular file, pipe, eventfd...: "file" */
	LS_KIND_UNIX,		/* AF_UNIX socket: "unix" */
	LS_KIND_ICMP,		/* ping or raw ICMP/ICMPv6 socket: "icmp" */
	LS_KIND_NETLINK,	/* "netlink:<protocol>" */
	LS_KIND_TCP,		/* outbound: "tcp:<peer>" */
	LS_KIND_TCP_IN,		/* listening or accepted: "tcp-in:<local>" */
	LS_KIND_TCP_UNCONN,	/* not connected yet: "tcp:unconnected" */
	LS_KIND_UDP,		/* "udp:<peer>" (connected or sendto dest) */
	LS_KIND_UDP_IN,		/* serving side: "udp-in:<local>" */
	LS_KIND_UDP_UNCONN,	/* "udp:unconnected" */
	LS_KIND_SOCK_OTHER,	/* other families: "socket:<family>" */
	LS_KIND_WAIT_MIXED,	/* poll/epoll over fds of several kinds */
	LS_KIND_EXEC,		/* a child, spawn to reap: "exec:<comm>", comm in addr */
	LS_KIND_MAX,
};

/* What the last request on a NETLINK_ROUTE socket was about. */
enum ls_nlclass {
	LS_NL_NONE = 0,		/* no request seen yet: "netlink:route" */
	LS_NL_TC,		/* qdisc, class, filter, action, chain: "tc" */
	LS_NL_LINK,		/* "rtnl:link" */
	LS_NL_ADDR,		/* "rtnl:addr" */
	LS_NL_ROUTE,		/* "rtnl:route" */
	LS_NL_NEIGH,		/* "rtnl:neigh" */
	LS_NL_RULE,		/* "rtnl:rule" */
	LS_NL_OTHER,		/* another rtnetlink family: "rtnl:other" */
	LS_NL_MAX,
};

/* Pseudo syscall number of an LS_KIND_EXEC entry: fork/clone to wait4/waitid. */
#define LS_SYSCALL_SPAWN	0xfffffff0U
/*
 * Pseudo syscall of a socket's requests: from the first send after a reply
 * to the end of the last receive before the next send (or the close).  Not
 * a syscall: its time is already in the sends, waits and receives.
 */
#define LS_SYSCALL_REQUEST	0xfffffff1U

/*
 * What a call's time was, decided when it returns (docs/cycle.md has the
 * rule).  Only work is a candidate for the bottleneck; the others are shown
 * on their own lines.
 */
enum ls_role {
	LS_ROLE_WORK = 0,
	LS_ROLE_IDLE,		/* a wait by design: the loop's sleep, a timed-out
				   wait with nothing ready, a server awaiting clients */
	LS_ROLE_SYNC,		/* woken by another thread of the process, whose
				   work is counted instead */
	LS_ROLE_CHILD,		/* waiting for a spawned child: in exec:<comm> */
	LS_ROLE_MAX,
};

/* Key of the stats map: one (subsystem, syscall) pair. */
struct ls_key {
	__u32 syscall_nr;
	__u8 kind;		/* enum ls_kind */
	__u8 family;		/* AF_INET/AF_INET6 of addr, else 0 */
	__u16 port;		/* peer port (local port for *_IN), host order */
	__u32 proto;		/* netlink protocol, socket family for SOCK_OTHER */
	__u16 rule;		/* 1 + index of the rule that named it; 0: none */
	__u8 nlclass;		/* enum ls_nlclass, NETLINK_ROUTE only */
	__u8 role;		/* enum ls_role, set when the call returns */
	__u8 addr[16];		/* peer; IPv4 in addr[0..3], network order; comm for EXEC */
	__u32 tid;		/* the thread that made the call */
	__u32 tgid;		/* its process */
};

/*
 * Value of the stats map.  The kernel does not maintain count (one atomic
 * add less per syscall): it equals the sum of slots, and user space fills
 * it in when it reads the map.
 */
struct ls_stats {
	__u64 count;
	__u64 errors;
	__u64 total_ns;
	__u64 min_ns;		/* 0 while count == 0 */
	__u64 max_ns;
	__u64 max_at_ns;	/* CLOCK_MONOTONIC start of the max_ns call */
	__u64 runq_ns;		/* of total_ns: runnable, waiting for a CPU */
	__u64 slots[LS_HIST_SLOTS];
};

/* Key of the errno map; errors are rare, so a plain hash map is enough. */
struct ls_errno_key {
	struct ls_key key;
	__s32 err;		/* positive errno */
	__u32 pad;
};

/* The socket facts rules can match on (include/rule_match.h). */
struct ls_sockinfo {
	__u8 is_sock;
	__u8 family;
	__u8 type;
	__u8 nlclass;
	__u16 protocol;
	__u16 dport;		/* peer, or the destination of the last send */
	__u16 sport;
	__u8 dfamily;		/* family of daddr; 0 when there is no peer */
	__u8 pad;
	__u8 daddr[16];
};

#define LS_SLOT_CACHE		4	/* power of two */
#define LS_FD_CACHE		4	/* power of two */

/*
 * What was last sent on a socket: the BPF program's sock_last map holds it
 * per socket (by inode number), ls_fd_class per thread.
 */
struct ls_sock_last {
	__u8 nlclass;		/* enum ls_nlclass of the last rtnetlink request */
	__u8 family;		/* of addr; 0: no destination seen */
	__u16 port;
	__u8 addr[16];
};

/*
 * What an fd was found to be, before the call itself was looked at (a
 * send's destination, a netlink request's type).  Valid while the
 * process's fd generation (fd_gen in the BPF program) is still gen.
 */
struct ls_fd_class {
	__u32 fd_plus1;		/* 0: empty */
	__u32 gen;
	__u64 ino;		/* socket inode number: the key of sock_last */
	struct ls_key key;	/* subsystem fields only */
	struct ls_sockinfo si;
	struct ls_sock_last last; /* what this thread last sent on it */
	__u32 ftype;		/* LS_FTYPE_* */
};

/*
 * What kind of file a "file" fd is, for the roles: who wakes a reader of a
 * pipe or an eventfd is the task that wrote to it; who wakes a reader of a
 * disk file is an interrupt, in whatever task it found.
 */
#define LS_FTYPE_NONE	0	/* not a file, or not looked at */
#define LS_FTYPE_REG	1	/* regular file, directory, device */
#define LS_FTYPE_EVENT	2	/* pipe, FIFO, eventfd and other anonymous inodes */

/* Syscall numbers the --idle/--busy bitmaps cover (x86_64 has ~460). */
#define LS_SYSCALL_BITS	1024

/*
 * Where a traced thread's time went, in ns, accumulated by the syscall and
 * scheduler hooks (docs/cycle.md).  Outside syscalls a thread runs in user
 * space (user_cpu), waits for a CPU (user_runq) or is blocked without a
 * syscall, in a page fault say (user_blocked).  Syscall time is split by
 * role; runq inside calls of every role is in sys_runq, and not in the
 * role figures.  User space reads it from thread_times: live threads'
 * through the dump_threads iterator, exited ones' from the exit hook.
 */
struct ls_thread_time {
	__u64 user_cpu_ns;
	__u64 user_runq_ns;
	__u64 user_blocked_ns;
	__u64 sys_ns[LS_ROLE_MAX];	/* wall time in calls, runq excluded */
	__u64 sys_runq_ns;
	__u64 first_ns;			/* CLOCK_MONOTONIC: first seen */
	__u64 last_ns;			/* last event (exit time once exited) */
	__u64 idle_waits;		/* calls whose role was idle */
	__u32 tid;
	__u32 tgid;
	__u32 flags;			/* LS_TT_* */
	char comm[LS_COMM_LEN];
	__u32 pad;
};

#define LS_TT_EXITED	(1U << 0)
#define LS_TT_SPAWNED	(1U << 1)	/* in a child a traced thread spawned */

/* Where a traced thread is, for the scheduler hooks. */
enum ls_sched_state {
	LS_SCHED_UNKNOWN = 0,	/* seeded at attach: nothing seen yet */
	LS_SCHED_RUNNING,
	LS_SCHED_RUNQ,		/* runnable, waiting for a CPU */
	LS_SCHED_BLOCKED,	/* asleep */
};

/* ls_task_state.woke: who ended the current call's sleep. */
#define LS_WOKE_PEER	(1U << 0)	/* a thread of the same process */
#define LS_WOKE_CHILD	(1U << 1)	/* a child this process spawned */

/*
 * Per-thread state in task storage; its existence means "traced".  User
 * space creates it for existing threads, so it is part of the ABI.
 */
struct ls_task_state {
	__u64 start_ns;		/* 0: no syscall in flight */
	struct ls_key key;	/* classified at sys_enter */
	__u64 wait_infop;	/* waitid's siginfo pointer, read at sys_exit */
	__u32 flags;		/* LS_TS_* */
	__u32 tid;		/* cached: 0 until the first syscall, reset at exec */
	__u32 tgid;
	__u8 sched_state;	/* enum ls_sched_state */
	__u8 slept;		/* the call in flight blocked at least once */
	__u8 woke;		/* LS_WOKE_* of the call in flight */
	__u8 req_op;		/* enum ls_req_op of the call in flight */
	__u64 sched_ns;		/* when sched_state began */
	__u64 user_since;	/* running in user space since; 0: not */
	__u64 call_runq_ns;	/* runq inside the call in flight */
	__u64 call_ino;		/* its socket's inode number, 0: none */
	__s64 call_fd;		/* its fd argument, -1: none */
	__u32 call_ftype;	/* LS_FTYPE_* of that fd when it is a file */
	__u32 pad3;
	struct ls_thread_time tt;
	/*
	 * Recently aggregated keys and their stats slots (+ 1; 0: empty),
	 * direct-mapped by syscall number: a loop of sendto/recvfrom/poll
	 * keeps hitting without hashing its 40-byte keys.
	 */
	__u32 cache_slot[LS_SLOT_CACHE];
	struct ls_key cache_key[LS_SLOT_CACHE];
	/* fds classified lately, direct-mapped by fd number */
	struct ls_fd_class fd_cache[LS_FD_CACHE];
};

/*
 * A launched command is traced from its execve on, like strace does: what
 * latscope's own child does between fork and exec is not the command's.
 */
#define LS_TS_WAIT_EXEC		(1U << 0)
/*
 * The thread has exited; its entry stays until the kernel frees the task
 * (deleting it would queue an RCU Tasks Trace grace period, docs/design.md).
 */
#define LS_TS_EXITED		(1U << 1)

/* What a call does to its socket's request (LS_SYSCALL_REQUEST). */
enum ls_req_op {
	LS_REQ_NONE = 0,
	LS_REQ_SEND,
	LS_REQ_RECV,
	LS_REQ_CLOSE,
};

/*
 * A socket's request in progress, by inode number.  A send opens one (or
 * continues it while no reply has come); a receive with data moves its
 * end; the next send after a reply, or the close, completes it.
 */
struct ls_req_state {
	__u64 start_ns;		/* enter of the first send */
	__u64 end_ns;		/* exit of the last receive with data; 0: none */
	__u32 sends;		/* in this request */
	__u32 pad;
	struct ls_key key;	/* subsystem of the first send; peer cleared if
				   the sends went to several destinations */
};

/*
 * A socket closed before any reply counts as an unanswered request only if
 * that request had at most this many sends: a DNS query and its retries,
 * not a sender that never expects an answer (metrics, logs over UDP).
 */
#define LS_REQ_UNANSWERED_MAX_SENDS	4

/*
 * Records in the events ring buffer: a few per cycle, never one per call.
 * Each starts with the same four words; type says which struct it is.
 */
enum ls_event_type {
	LS_EV_IDLE = 1,		/* struct ls_ev_idle: an idle wait ended */
	LS_EV_SLOW,		/* struct ls_ev_slow: a call over slow_ns */
	LS_EV_EXIT,		/* struct ls_ev_exit: a traced thread exited */
};

struct ls_ev_head {
	__u32 type;		/* enum ls_event_type */
	__u32 tid;
	__u32 tgid;
	__u32 syscall_nr;
};

/*
 * An idle wait, with the thread's figures from before it: user space cuts
 * the thread's time into cycles at these (src/cycle.c).
 */
struct ls_ev_idle {
	struct ls_ev_head h;
	__u32 kind;		/* enum ls_kind of the wait: a server's waits rank last */
	__u32 pad;
	__u64 enter_ns;		/* CLOCK_MONOTONIC */
	__u64 exit_ns;
	__u64 runq_ns;		/* of the wait: waiting for a CPU after it ended */
	__u64 idle_before_ns;	/* tt.sys_ns[LS_ROLE_IDLE] before this wait */
	__u64 user_cpu_ns;	/* tt.user_cpu_ns */
	__u64 runq_before_ns;	/* tt.user_runq_ns + tt.sys_runq_ns */
	__u64 sync_before_ns;	/* tt.sys_ns[LS_ROLE_SYNC] */
};

#define LS_PATH_PARTS	4	/* file path components kept for a slow call */
#define LS_NAME_LEN	32

struct ls_ev_slow {
	struct ls_ev_head h;
	__u64 enter_ns;
	__u64 exit_ns;
	__u64 runq_ns;
	__s64 ret;
	struct ls_key key;	/* its subsystem, as aggregated */
	char path[LS_PATH_PARTS][LS_NAME_LEN];	/* a file's name, then its parents' */
	char comm[LS_COMM_LEN];	/* thread name */
};

struct ls_ev_exit {
	struct ls_ev_head h;
	__u64 exit_ns;
	__u32 process_exited;	/* the last thread of its process */
	__u32 pad;
	char comm[LS_COMM_LEN];
};

/*
 * A user rule, compiled by src/rules.c.  `match` says which fields must
 * match; the first rule that matches names the subsystem.  Socket fields
 * only match calls on sockets.
 */
struct ls_rule {
	__u32 match;		/* LS_RM_* */
	__u8 family;		/* AF_*, or LS_AF_INET_ANY */
	__u8 type;		/* SOCK_* */
	__u16 protocol;		/* IPPROTO_* / NETLINK_*, or LS_PROTO_ICMP_ANY */
	__u8 addr[16];		/* peer network, network order */
	__u8 addr_family;	/* AF_INET or AF_INET6 of addr */
	__u8 prefix;		/* prefix length in bits */
	__u16 nl_mask;		/* 1 << enum ls_nlclass */
	__u16 port_lo, port_hi;	/* peer port range */
	__u16 lport_lo, lport_hi; /* local port range */
	__u32 exe_dev;		/* executable of the process: st_dev, st_ino */
	__u64 exe_ino;
	char comm[LS_COMM_LEN];	/* process (thread group leader) name */
	char thread[LS_COMM_LEN]; /* thread name */
	char child[LS_COMM_LEN]; /* "exec COMM": a child process's name */
};

#define LS_RM_FAMILY	(1U << 0)
#define LS_RM_TYPE	(1U << 1)
#define LS_RM_PROTO	(1U << 2)
#define LS_RM_PEER	(1U << 3)
#define LS_RM_PORT	(1U << 4)
#define LS_RM_LPORT	(1U << 5)
#define LS_RM_NLCLASS	(1U << 6)
#define LS_RM_COMM	(1U << 7)
#define LS_RM_THREAD	(1U << 8)
#define LS_RM_EXE	(1U << 9)
#define LS_RM_CHILD	(1U << 10)
#define LS_RM_SOCKET	(LS_RM_FAMILY | LS_RM_TYPE | LS_RM_PROTO | LS_RM_PEER | \
			 LS_RM_PORT | LS_RM_LPORT | LS_RM_NLCLASS)

#define LS_AF_INET_ANY		255	/* AF_INET or AF_INET6 */
#define LS_PROTO_ICMP_ANY	0xffff	/* IPPROTO_ICMP or IPPROTO_ICMPV6 */
#define LS_MAX_RULES		32
/* processes named with -c COMM */
#define LS_MAX_COMMS		8

/* Per-process bookkeeping: which processes are targets and whether alive. */
struct ls_proc {
	__u32 flags;		/* LS_PROC_* */
	__u32 parent_tgid;
};

#define LS_PROC_TARGET		(1U << 0)	/* named with -p or launched */
#define LS_PROC_FOLLOWED	(1U << 1)	/* descendant picked up by fork */

/* Counters that say what the probes saw, for the report footer. */
enum ls_counter {
	LS_CNT_DROPPED_KEYS = 0, /* stats map full: syscall not aggregated */
	LS_CNT_DROPPED_ERRNO,	/* errno map full */
	LS_CNT_NO_ENTRY,	/* sys_exit without a matching sys_enter */
	LS_CNT_PROCS_FULL,	/* proc map full: descendant not followed */
	LS_CNT_TASK_NOMEM,	/* no task storage for a new thread: not traced */
	LS_CNT_EVENTS_LOST,	/* events ring buffer full: record not kept */
	LS_CNT_THREADS_FULL,	/* thread_times full: a thread's time split lost */
	LS_CNT_SAMPLED_CALLS,	/* traced syscalls that ended while cost_sampling was set */
	LS_CNT_SAMPLED_ENTER_NS, /* their sys_enter's own time past the filter, by its clock */
	LS_CNT_SAMPLED_EXIT_NS,	/* the same of their sys_exit */
	LS_CNT_MAX,
};

#define LS_MAX_STATS_KEYS	1024
#define LS_MAX_ERRNO_KEYS	1024
#define LS_MAX_PROCS		4096
/*
 * tgid_hint[tgid & (LS_TGID_HINT_SLOTS - 1)] != 0: this process may be
 * traced.  A plain byte load that most untraced tasks stop at, before the
 * task-storage lookup (a helper call with recursion protection).
 */
#define LS_TGID_HINT_SLOTS	65536
/*
 * stack_hint[(regs >> LS_STACK_HINT_SHIFT) & (LS_STACK_HINT_SLOTS - 1)] != 0:
 * the kernel stack that a syscall's saved registers live on may be a traced
 * thread's.  sys_enter and sys_exit get that pointer for free, so untraced
 * tasks are turned away without a single helper call (a kernel stack is
 * 16 KiB, or 32 KiB with KASAN, and aligned to its size).
 */
#define LS_STACK_HINT_SLOTS	65536
#define LS_STACK_HINT_SHIFT	14
/*
 * fd_gen[tgid & (LS_FD_GEN_SLOTS - 1)]: bumped whenever a traced process may
 * have changed what one of its fd numbers names.  Processes that share a
 * slot only invalidate each other's cached fds.
 */
#define LS_FD_GEN_SLOTS		4096
#define LS_MAX_SPAWNS		4096
/* thread_times entries: live threads plus exited ones not yet folded */
#define LS_MAX_THREADS		8192
#define LS_EVENTS_BYTES		(256 * 1024)
/* fds inspected per poll/select/epoll call before it is called "mixed" */
#define LS_MAX_WAIT_FDS		16

/*
 * Layouts both compilers must agree on.  Keys are hashed whole, so they
 * have no padding hole; fields compared as 64-bit words (same_key() in the
 * BPF program, ls_comm_eq()) must be whole words at 8-byte offsets.
 */
_Static_assert(sizeof(struct ls_key) == 5 * sizeof(__u64),
	       "struct ls_key is compared as five words and hashed whole");
_Static_assert(sizeof(((struct ls_key *)0)->addr) >= LS_COMM_LEN,
	       "ls_key.addr holds a comm for LS_KIND_EXEC");
_Static_assert(sizeof(struct ls_errno_key) == sizeof(struct ls_key) + 8,
	       "struct ls_errno_key is hashed whole: no padding");
_Static_assert(LS_COMM_LEN == 2 * sizeof(__u64), "comms are compared as two words");
_Static_assert(__builtin_offsetof(struct ls_rule, comm) % 8 == 0 &&
	       __builtin_offsetof(struct ls_rule, thread) % 8 == 0 &&
	       __builtin_offsetof(struct ls_rule, child) % 8 == 0,
	       "ls_rule names are compared as words");
_Static_assert(__builtin_offsetof(struct ls_task_state, key) % 8 == 0 &&
	       __builtin_offsetof(struct ls_task_state, cache_key) % 8 == 0 &&
	       __builtin_offsetof(struct ls_fd_class, key) % 8 == 0,
	       "cached keys are compared as words");
_Static_assert(sizeof(struct ls_stats) == (7 + LS_HIST_SLOTS) * sizeof(__u64),
	       "struct ls_stats is read by user space as it is in the kernel");
_Static_assert(sizeof(struct ls_ev_head) == 16 &&
	       __builtin_offsetof(struct ls_ev_idle, h) == 0 &&
	       __builtin_offsetof(struct ls_ev_slow, h) == 0 &&
	       __builtin_offsetof(struct ls_ev_exit, h) == 0,
	       "every ring record starts with the head that says its type");

#endif /* LATSCOPE_H */
