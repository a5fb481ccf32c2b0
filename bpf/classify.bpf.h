/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What does an fd point to?  Everything is read from the kernel's own
 * objects (task -> file table -> file -> socket -> sock) so sockets opened
 * before latscope attached are classified like new ones.
 */
#ifndef LS_CLASSIFY_BPF_H
#define LS_CLASSIFY_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "latscope.h"

/* vmlinux.h carries types, not macros. */
#define LS_S_IFMT		00170000
#define LS_S_IFSOCK		0140000
#define LS_AF_UNIX		1
#define LS_AF_INET		2
#define LS_AF_INET6		10
#define LS_AF_NETLINK		16
#define LS_SOCK_STREAM		1
#define LS_SOCK_DGRAM		2
#define LS_IPPROTO_ICMP		1
#define LS_IPPROTO_ICMPV6	58
/* include/net/sock.h: set by bind() with a non-zero port, copied to accepted children */
#define LS_SOCK_BINDPORT_LOCK	8

/* net.ipv4.ip_local_port_range, set by user space before load */
const volatile __u16 cfg_ephemeral_lo = 32768;
const volatile __u16 cfg_ephemeral_hi = 60999;

/*
 * Sockets a traced accept() returned, by struct sock address.  The value is
 * the (peer, local) port pair, so an entry left behind by a freed socket
 * does not match a new socket that reuses the memory.  LRU: no close hook
 * is needed to keep it bounded.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64);
	__type(value, __u32);
} accepted_socks SEC(".maps");

static __always_inline __u32 ls_port_pair(__u16 dport, __u16 sport)
{
	return (__u32)dport << 16 | sport;
}

static __always_inline bool ls_is_ephemeral(__u16 port)
{
	return port >= cfg_ephemeral_lo && port <= cfg_ephemeral_hi;
}

static __always_inline struct file *ls_fd_file(struct task_struct *task, long fd)
{
	struct file **fds;
	struct file *f = NULL;
	struct fdtable *fdt;

	if (fd < 0 || fd > 0x7fffffff)
		return NULL;
	fdt = BPF_CORE_READ(task, files, fdt);
	if (!fdt || (__u64)fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	if (bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]))
		return NULL;
	return f;
}

static __always_inline void ls_key_ip(struct ls_key *k, struct sock *sk, __u16 family, bool local)
{
	struct in6_addr a6;
	__be32 a4;

	k->family = family;
	if (family == LS_AF_INET) {
		a4 = local ? BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr) :
			     BPF_CORE_READ(sk, __sk_common.skc_daddr);
		__builtin_memcpy(k->addr, &a4, sizeof(a4));
	} else {
		if (local)
			BPF_CORE_READ_INTO(&a6, sk, __sk_common.skc_v6_rcv_saddr);
		else
			BPF_CORE_READ_INTO(&a6, sk, __sk_common.skc_v6_daddr);
		__builtin_memcpy(k->addr, &a6, sizeof(a6));
	}
}

/*
 * TCP and UDP: the serving side is named by its local port, the client side
 * by its peer; a client that has no peer yet is "unconnected".  Serving
 * sockets are: bound to a port by the program (the bind lock, which
 * listeners have), returned by a traced accept(), or, for connections
 * accepted before latscope attached, talking to a peer on an ephemeral port
 * from a local port that is not ephemeral.
 */
static __always_inline bool ls_is_serving(struct sock *sk, __u16 dport, __u16 sport)
{
	__u64 skp = (__u64)sk;
	__u32 *ports;

	if (BPF_CORE_READ(sk, sk_userlocks) & LS_SOCK_BINDPORT_LOCK)
		return true;
	if (!dport)
		return false;
	ports = bpf_map_lookup_elem(&accepted_socks, &skp);
	if (ports && *ports == ls_port_pair(dport, sport))
		return true;
	return ls_is_ephemeral(dport) && !ls_is_ephemeral(sport);
}

static __always_inline void ls_classify_inet(struct ls_key *k, struct sock *sk, __u16 family,
					     __u16 type)
{
	__u16 dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	__u16 sport = BPF_CORE_READ(sk, __sk_common.skc_num);
	bool stream = type == LS_SOCK_STREAM;

	if (ls_is_serving(sk, dport, sport)) {
		k->kind = stream ? LS_KIND_TCP_IN : LS_KIND_UDP_IN;
		k->family = family;
		k->port = sport;
		return;
	}
	if (dport == 0) {
		k->kind = stream ? LS_KIND_TCP_UNCONN : LS_KIND_UDP_UNCONN;
		return;
	}
	k->kind = stream ? LS_KIND_TCP : LS_KIND_UDP;
	k->port = dport;
	ls_key_ip(k, sk, family, false);
}

static __always_inline void ls_classify_file(struct ls_key *k, struct file *f)
{
	struct socket *sock;
	struct sock *sk;
	__u16 family, type, proto;
	umode_t mode;

	if (!f) {
		k->kind = LS_KIND_OTHER;	/* bad fd: the call fails anyway */
		return;
	}
	mode = BPF_CORE_READ(f, f_inode, i_mode);
	if ((mode & LS_S_IFMT) != LS_S_IFSOCK) {
		k->kind = LS_KIND_FILE;
		return;
	}
	sock = BPF_CORE_READ(f, private_data);
	sk = BPF_CORE_READ(sock, sk);
	if (!sk) {
		k->kind = LS_KIND_SOCK_OTHER;
		return;
	}
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	type = BPF_CORE_READ(sk, sk_type);
	proto = BPF_CORE_READ(sk, sk_protocol);

	switch (family) {
	case LS_AF_UNIX:
		k->kind = LS_KIND_UNIX;
		return;
	case LS_AF_NETLINK:
		k->kind = LS_KIND_NETLINK;
		k->proto = proto;
		return;
	case LS_AF_INET:
	case LS_AF_INET6:
		if (proto == LS_IPPROTO_ICMP || proto == LS_IPPROTO_ICMPV6) {
			k->kind = LS_KIND_ICMP;
			return;
		}
		if (type == LS_SOCK_STREAM || type == LS_SOCK_DGRAM) {
			ls_classify_inet(k, sk, family, type);
			return;
		}
		break;
	}
	k->kind = LS_KIND_SOCK_OTHER;
	k->proto = family;
}

static __always_inline void ls_classify_fd(struct ls_key *k, struct task_struct *task, long fd)
{
	ls_classify_file(k, ls_fd_file(task, fd));
}

/* After accept(): remember the new socket as a serving one. */
static __always_inline void ls_mark_accepted(struct task_struct *task, long fd)
{
	struct file *f = ls_fd_file(task, fd);
	struct socket *sock;
	struct sock *sk;
	__u64 skp;
	__u32 ports;

	if (!f)
		return;
	sock = BPF_CORE_READ(f, private_data);
	sk = BPF_CORE_READ(sock, sk);
	if (!sk)
		return;
	skp = (__u64)sk;
	ports = ls_port_pair(bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport)),
			     BPF_CORE_READ(sk, __sk_common.skc_num));
	bpf_map_update_elem(&accepted_socks, &skp, &ports, BPF_ANY);
}

/* socket(2) has no fd yet: classify from its arguments. */
static __always_inline void ls_classify_socket_args(struct ls_key *k, long family, long type,
						    long proto)
{
	type &= 0xf;	/* strip SOCK_NONBLOCK / SOCK_CLOEXEC */
	switch (family) {
	case LS_AF_UNIX:
		k->kind = LS_KIND_UNIX;
		return;
	case LS_AF_NETLINK:
		k->kind = LS_KIND_NETLINK;
		k->proto = proto;
		return;
	case LS_AF_INET:
	case LS_AF_INET6:
		if (proto == LS_IPPROTO_ICMP || proto == LS_IPPROTO_ICMPV6) {
			k->kind = LS_KIND_ICMP;
			return;
		}
		if (type == LS_SOCK_STREAM) {
			k->kind = LS_KIND_TCP_UNCONN;
			return;
		}
		if (type == LS_SOCK_DGRAM) {
			k->kind = LS_KIND_UDP_UNCONN;
			return;
		}
		break;
	}
	k->kind = LS_KIND_SOCK_OTHER;
	k->proto = family;
}

/* The peer named by a user sockaddr (connect, sendto, sendmsg). */
static __always_inline bool ls_key_from_sockaddr(struct ls_key *k, const void *uaddr, long len)
{
	struct {
		__u16 family;
		__u16 port;
		__u32 flowinfo_or_v4;
		__u8 v6[16];
	} sa = {};

	if (!uaddr || len < 8)
		return false;
	if (bpf_probe_read_user(&sa, len >= (long)sizeof(sa) ? sizeof(sa) : 8, uaddr))
		return false;
	if (sa.family == LS_AF_INET) {
		k->family = LS_AF_INET;
		__builtin_memcpy(k->addr, &sa.flowinfo_or_v4, 4);
	} else if (sa.family == LS_AF_INET6 && len >= (long)sizeof(sa)) {
		k->family = LS_AF_INET6;
		__builtin_memcpy(k->addr, sa.v6, 16);
	} else {
		return false;
	}
	k->port = bpf_ntohs(sa.port);
	return true;
}

static __always_inline bool ls_same_subsys(const struct ls_key *a, const struct ls_key *b)
{
	const __u32 *x = (const __u32 *)a->addr, *y = (const __u32 *)b->addr;

	/* no memcmp in BPF: compare the address as four words */
	return a->kind == b->kind && a->family == b->family && a->port == b->port &&
	       a->proto == b->proto && x[0] == y[0] && x[1] == y[1] && x[2] == y[2] &&
	       x[3] == y[3];
}

#endif /* LS_CLASSIFY_BPF_H */
