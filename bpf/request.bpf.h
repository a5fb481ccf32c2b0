/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Requests on client sockets (LS_SYSCALL_REQUEST): a send opens one, the
 * receives with data that follow move its end, and the next send after a
 * reply, or the close, completes it.  An 80 ms DNS answer is one 80 ms
 * request, however many polls and short receives it took.
 */
#ifndef LS_REQUEST_BPF_H
#define LS_REQUEST_BPF_H

#include "latscope.h"

/* Requests in progress, by socket inode number (as sock_last). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64);
	__type(value, struct ls_req_state);
} req_states SEC(".maps");

/* Sockets that ask a peer something; the serving side answers. */
static __always_inline bool ls_req_kind(__u8 kind)
{
	return kind == LS_KIND_TCP || kind == LS_KIND_UDP || kind == LS_KIND_ICMP ||
	       kind == LS_KIND_NETLINK;
}

static __always_inline __u8 ls_req_op_of(long nr)
{
	switch (nr) {
	case __NR_write:
	case __NR_writev:
	case __NR_sendto:
	case __NR_sendmsg:
	case __NR_sendmmsg:
	case __NR_sendfile:
		return LS_REQ_SEND;
	case __NR_read:
	case __NR_readv:
	case __NR_recvfrom:
	case __NR_recvmsg:
	case __NR_recvmmsg:
		return LS_REQ_RECV;
	case __NR_close:
		return LS_REQ_CLOSE;
	}
	return LS_REQ_NONE;
}

/* The subsystem of a request whose sends went to several peers: no peer. */
static __always_inline void ls_req_forget_peer(struct ls_key *k)
{
	k->family = 0;
	k->port = 0;
	__builtin_memset(k->addr, 0, sizeof(k->addr));
}

#endif /* LS_REQUEST_BPF_H */
