/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Does a rule match a call?  Pure functions over plain structs, shared by
 * the BPF program (which fills the structs from the kernel) and the unit
 * tests (which fill them by hand), so the tests run the kernel's matcher.
 */
#ifndef LS_RULE_MATCH_H
#define LS_RULE_MATCH_H

#ifndef __VMLINUX_H__
#include <netinet/in.h>	/* IPPROTO_ICMP, an enum in vmlinux.h */
#endif
#include "latscope.h"

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

/* The facts about the calling task rules can match on. */
struct ls_task_facts {
	char comm[LS_COMM_LEN];	/* process (thread group leader) */
	char thread[LS_COMM_LEN];
	__u64 exe_ino;
	__u32 exe_dev;		/* kernel encoding: major << 20 | minor */
	__u32 pad;
};

_Static_assert(__builtin_offsetof(struct ls_task_facts, comm) % 8 == 0 &&
	       __builtin_offsetof(struct ls_task_facts, thread) % 8 == 0,
	       "task names are compared as words");

/* Two NUL-padded names of LS_COMM_LEN bytes, as two words. */
static __always_inline int ls_comm_eq(const char *a, const char *b)
{
	const __u64 *x = (const __u64 *)a, *y = (const __u64 *)b;

	return x[0] == y[0] && x[1] == y[1];
}

/* Does addr fall in the rule's network (the first `prefix` bits)? */
static __always_inline int ls_prefix_match(const struct ls_rule *r, const __u8 *addr)
{
	__u32 bits = r->prefix, i;

	for (i = 0; i < sizeof(r->addr); i++) {
		__u8 mask;

		if (bits == 0)
			return 1;
		mask = bits >= 8 ? 0xff : (__u8)(0xff << (8 - bits));
		if ((addr[i] & mask) != (r->addr[i] & mask))
			return 0;
		bits = bits >= 8 ? bits - 8 : 0;
	}
	return 1;
}

static __always_inline int ls_rule_matches(const struct ls_rule *r, const struct ls_sockinfo *si,
					   const struct ls_task_facts *t)
{
	__u32 m = r->match;

	if (m & LS_RM_CHILD)
		return 0;	/* named in user space, on exec:<comm> entries */
	if ((m & LS_RM_SOCKET) && !si->is_sock)
		return 0;
	if (m & LS_RM_FAMILY) {
		if (r->family == LS_AF_INET_ANY) {
			if (si->family != LS_AF_INET && si->family != LS_AF_INET6)
				return 0;
		} else if (si->family != r->family) {
			return 0;
		}
	}
	if ((m & LS_RM_TYPE) && si->type != r->type)
		return 0;
	if (m & LS_RM_PROTO) {
		if (r->protocol == LS_PROTO_ICMP_ANY) {
			if (si->protocol != IPPROTO_ICMP &&
			    si->protocol != LS_IPPROTO_ICMPV6)
				return 0;
		} else if (si->protocol != r->protocol) {
			return 0;
		}
	}
	if ((m & LS_RM_PEER) &&
	    (!si->dfamily || si->dfamily != r->addr_family || !ls_prefix_match(r, si->daddr)))
		return 0;
	if ((m & LS_RM_PORT) && (!si->dfamily || si->dport < r->port_lo || si->dport > r->port_hi))
		return 0;
	if ((m & LS_RM_LPORT) && (si->sport < r->lport_lo || si->sport > r->lport_hi))
		return 0;
	if ((m & LS_RM_NLCLASS) && !(r->nl_mask & (1U << si->nlclass)))
		return 0;
	if ((m & LS_RM_COMM) && !ls_comm_eq(t->comm, r->comm))
		return 0;
	if ((m & LS_RM_THREAD) && !ls_comm_eq(t->thread, r->thread))
		return 0;
	if ((m & LS_RM_EXE) && (t->exe_ino != r->exe_ino || t->exe_dev != r->exe_dev))
		return 0;
	return 1;
}

#endif /* LS_RULE_MATCH_H */
