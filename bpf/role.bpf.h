/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What a call's time was, decided when it returns: work, an idle wait by
 * design, a wait for another thread of the process, or a wait for a child.
 * docs/cycle.md states the rule; src/role.c names the roles.  Only a call
 * that blocked can be anything but work: a poll(fd, 0) or a futex that
 * found its value changed is work, however it returned.
 */
#ifndef LS_ROLE_BPF_H
#define LS_ROLE_BPF_H

#include "latscope.h"

#define LS_EAGAIN	11	/* include/uapi/asm-generic/errno-base.h */
#define LS_ENODATA	61	/* include/uapi/asm-generic/errno.h */
#define LS_ETIMEDOUT	110

/*
 * --idle SYSCALL and --busy SYSCALL, one bit per syscall number: idle
 * whenever it blocked, or never idle.  Checked before the built-in rule.
 */
const volatile __u8 cfg_idle_force[LS_SYSCALL_BITS / 8] = {};
const volatile __u8 cfg_idle_never[LS_SYSCALL_BITS / 8] = {};

static __always_inline bool ls_syscall_bit(const volatile __u8 *bits, __u32 nr)
{
	return nr < LS_SYSCALL_BITS && (bits[(nr >> 3) & (LS_SYSCALL_BITS / 8 - 1)] >> (nr & 7)) & 1;
}

/* The serving side: a thread that waits there waits for clients. */
static __always_inline bool ls_kind_serving(__u8 kind)
{
	return kind == LS_KIND_TCP_IN || kind == LS_KIND_UDP_IN;
}

/*
 * A peer this process asked something: a wait on it that times out is a
 * reply that did not come (a lost ping), not a pause.
 */
static __always_inline bool ls_kind_client(__u8 kind)
{
	return kind == LS_KIND_TCP || kind == LS_KIND_UDP || kind == LS_KIND_ICMP ||
	       kind == LS_KIND_NETLINK || kind == LS_KIND_TCP_UNCONN ||
	       kind == LS_KIND_UDP_UNCONN;
}

/*
 * In-memory event files (pipes, eventfds): what a thread reads there,
 * another task wrote, and that task's wakeup says who.  Regular files are
 * woken by I/O completions, in whatever task an interrupt found.
 */
static __always_inline bool ls_event_file(const struct ls_task_state *ts)
{
	return ts->key.kind == LS_KIND_OTHER || ts->key.kind == LS_KIND_WAIT_MIXED ||
	       (ts->key.kind == LS_KIND_FILE && ts->call_ftype == LS_FTYPE_EVENT);
}

static __always_inline bool ls_is_wait(__u32 nr)
{
	switch (nr) {
#ifdef __NR_poll
	case __NR_poll:
#endif
#ifdef __NR_select
	case __NR_select:
#endif
#ifdef __NR_epoll_wait
	case __NR_epoll_wait:
#endif
#ifdef __NR_epoll_pwait2
	case __NR_epoll_pwait2:
#endif
	case __NR_ppoll:
	case __NR_pselect6:
	case __NR_epoll_pwait:
		return true;
	}
	return false;
}

static __always_inline bool ls_is_receive(__u32 nr)
{
	return nr == __NR_read || nr == __NR_readv || nr == __NR_recvfrom ||
	       nr == __NR_recvmsg || nr == __NR_recvmmsg;
}

static __always_inline __u8 ls_role_of(const struct ls_task_state *ts, __u32 nr, long ret)
{
	__u8 kind = ts->key.kind;

	if (ls_syscall_bit(cfg_idle_never, nr) || !ts->slept)
		return LS_ROLE_WORK;
	if (ls_syscall_bit(cfg_idle_force, nr))
		return LS_ROLE_IDLE;
	switch (nr) {
	case __NR_nanosleep:
	case __NR_clock_nanosleep:
#ifdef __NR_pause
	case __NR_pause:
#endif
	case __NR_rt_sigsuspend:
	case __NR_rt_sigtimedwait:
	case __NR_accept:
	case __NR_accept4:
		return LS_ROLE_IDLE;
	case __NR_wait4:
	case __NR_waitid:
	case __NR_clone:
#ifdef __NR_clone3
	case __NR_clone3:
#endif
#ifdef __NR_vfork
	case __NR_vfork:
#endif
#ifdef __NR_fork
	case __NR_fork:
#endif
		/* the child's fork-to-reap time is exec:<comm> */
		return LS_ROLE_CHILD;
	case __NR_futex:
#ifdef __NR_futex_waitv
	case __NR_futex_waitv:
#endif
		if (ret == -LS_ETIMEDOUT)
			return LS_ROLE_IDLE;
		return ts->woke & LS_WOKE_PEER ? LS_ROLE_SYNC : LS_ROLE_WORK;
	}
	if (ls_kind_serving(kind) && (ls_is_wait(nr) || ls_is_receive(nr)))
		return LS_ROLE_IDLE;
	if (ls_is_wait(nr) && ret == 0 && !ls_kind_client(kind))
		return LS_ROLE_IDLE;
	if ((ls_is_wait(nr) || ls_is_receive(nr)) && ls_event_file(ts)) {
		if (ts->woke & LS_WOKE_CHILD)
			return LS_ROLE_CHILD;
		if (ts->woke & LS_WOKE_PEER)
			return LS_ROLE_SYNC;
	}
	return LS_ROLE_WORK;
}

#endif /* LS_ROLE_BPF_H */
