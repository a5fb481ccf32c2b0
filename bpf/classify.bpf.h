/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What does a syscall talk to?  Everything is read from the kernel's own
 * objects (task -> file table -> file -> socket -> sock) so sockets opened
 * before latscope attached are classified like new ones.  Some facts are
 * only visible in what a call sends (a netlink request's message type, a
 * datagram's destination); they are remembered per socket so the replies,
 * received on the same socket, are named alike.
 */
#ifndef LS_CLASSIFY_BPF_H
#define LS_CLASSIFY_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "latscope.h"
#include "rule_match.h"

/*
 * vmlinux.h carries types and enums, not macros: include/uapi/linux/stat.h.
 * The socket constants that are macros are in include/latscope.h.
 */
#define LS_S_IFMT		00170000
#define LS_S_IFSOCK		0140000
#define LS_S_IFIFO		0010000
/* include/net/sock.h: set by bind() with a non-zero port */
#define LS_SOCK_BINDPORT_LOCK	8

/* net.ipv4.ip_local_port_range, set by user space before load */
const volatile __u16 cfg_ephemeral_lo = 32768;
const volatile __u16 cfg_ephemeral_hi = 60999;
const volatile __u32 cfg_n_rules = 0;
/* LS_RM_* bits used by any rule: which task facts to read */
const volatile __u32 cfg_rule_need = 0;
/* name netlink:route calls by their request's message type */
const volatile bool cfg_nl_classes = true;

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

/*
 * Keyed by the socket's inode number, which sockfs never reuses in
 * practice (a 32-bit counter per boot), so a stale entry cannot describe
 * a new socket.  LRU bounds it.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64);
	__type(value, struct ls_sock_last);
} sock_last SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, LS_MAX_RULES);
	__type(key, __u32);
	__type(value, struct ls_rule);
} rules SEC(".maps");

/* What one call does with its fd, as far as classification cares. */
enum ls_op {
	LS_OP_NONE = 0,		/* just look at the fd */
	LS_OP_SEND,		/* buf: the data; dest/destlen: sendto's address */
	LS_OP_SENDMSG,		/* buf: a struct user_msghdr */
	LS_OP_CONNECT,		/* dest/destlen: the address */
};

struct ls_call {
	__s64 fd;
	__u64 buf;
	__u64 dest;
	__s64 destlen;
	__u32 op;		/* enum ls_op */
	/* out: what the fd turned out to be */
	__u32 ftype;		/* LS_FTYPE_* */
	__u64 ino;		/* socket inode number, 0: not a socket */
};

static __always_inline __u32 ls_port_pair(__u16 dport, __u16 sport)
{
	return (__u32)dport << 16 | sport;
}

static __always_inline bool ls_is_ephemeral(__u16 port)
{
	return port >= cfg_ephemeral_lo && port <= cfg_ephemeral_hi;
}

/*
 * Kernel objects are read with plain loads, not bpf_probe_read_kernel calls:
 * bpf_rdonly_cast (Linux 6.2) turns a pointer the verifier only knows as a
 * number into a read-only BTF pointer, whose fields are then ordinary
 * (fault-safe, CO-RE relocated) loads.  That is most of the cost of
 * classifying an fd.
 */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

#define LS_CAST(type, ptr) \
	((struct type *)bpf_rdonly_cast((void *)(ptr), bpf_core_type_id_kernel(struct type)))

/* The current task's struct file for fd, or NULL. */
static __always_inline struct file *ls_fd_file(long fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fdtable *fdt;
	struct file **fds, *f = NULL;

	if (fd < 0 || fd > 0x7fffffff)
		return NULL;
	fdt = task->files->fdt;
	if (!fdt || (__u64)fd >= fdt->max_fds)
		return NULL;
	fds = fdt->fd;
	/* an array of pointers has no BTF type to cast to: one read */
	if (bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]) || !f)
		return NULL;
	return LS_CAST(file, f);
}

static __always_inline void ls_read_ip(__u8 *dst, struct sock *sk, __u16 family, bool local)
{
	__be32 a4;

	if (family == LS_AF_INET) {
		a4 = local ? sk->__sk_common.skc_rcv_saddr : sk->__sk_common.skc_daddr;
		__builtin_memcpy(dst, &a4, sizeof(a4));
	} else if (local) {
		__builtin_memcpy(dst, &sk->__sk_common.skc_v6_rcv_saddr, 16);
	} else {
		__builtin_memcpy(dst, &sk->__sk_common.skc_v6_daddr, 16);
	}
}

/* The address in a user sockaddr (connect, sendto, sendmsg). */
static __always_inline bool ls_read_sockaddr(struct ls_sock_last *out, __u64 uaddr, long len)
{
	struct {
		__u16 family;
		__u16 port;
		__u32 flowinfo_or_v4;
		__u8 v6[16];
	} sa = {};

	if (!uaddr || len < 8)
		return false;
	if (bpf_probe_read_user(&sa, len >= (long)sizeof(sa) ? sizeof(sa) : 8, (void *)uaddr))
		return false;
	if (sa.family == LS_AF_INET) {
		__builtin_memset(out->addr, 0, sizeof(out->addr));
		__builtin_memcpy(out->addr, &sa.flowinfo_or_v4, 4);
	} else if (sa.family == LS_AF_INET6 && len >= (long)sizeof(sa)) {
		__builtin_memcpy(out->addr, sa.v6, 16);
	} else {
		return false;
	}
	out->family = (__u8)sa.family;
	out->port = bpf_ntohs(sa.port);
	return true;
}

/* The destination a sendmsg names in its msghdr, if any. */
static __always_inline bool ls_read_msg_dest(struct ls_sock_last *out, __u64 umsg)
{
	struct user_msghdr msg = {};

	if (!umsg || bpf_probe_read_user(&msg, sizeof(msg), (void *)umsg))
		return false;
	return ls_read_sockaddr(out, (__u64)msg.msg_name, msg.msg_namelen);
}

/* rtnetlink message type -> class (include/uapi/linux/rtnetlink.h) */
static __always_inline __u8 ls_nlclass_of(__u16 type)
{
	/* each family owns the four numbers from its RTM_NEW* on */
	if (type < RTM_BASE)
		return LS_NL_NONE;	/* NLMSG_NOOP/ERROR/DONE: not a request */
	if (type < RTM_NEWADDR)
		return LS_NL_LINK;
	if (type < RTM_NEWROUTE)
		return LS_NL_ADDR;
	if (type < RTM_NEWNEIGH)
		return LS_NL_ROUTE;
	if (type < RTM_NEWRULE)
		return LS_NL_NEIGH;
	if (type < RTM_NEWQDISC)
		return LS_NL_RULE;
	if (type < RTM_NEWPREFIX)
		return LS_NL_TC;	/* QDISC, TCLASS, TFILTER, ACTION */
	if (type >= RTM_NEWCHAIN && type < RTM_NEWNEXTHOP)
		return LS_NL_TC;
	return LS_NL_OTHER;
}

/* The message type of the first netlink header a call sends. */
static __always_inline __u8 ls_read_nlclass(const struct ls_call *c)
{
	struct user_msghdr msg = {};
	struct iovec iov = {};
	__u16 type = 0;
	__u64 data = c->buf;

	if (c->op == LS_OP_SENDMSG) {
		if (bpf_probe_read_user(&msg, sizeof(msg), (void *)c->buf) || !msg.msg_iov ||
		    bpf_probe_read_user(&iov, sizeof(iov), msg.msg_iov))
			return LS_NL_NONE;
		data = (__u64)iov.iov_base;
	}
	/* struct nlmsghdr: __u32 nlmsg_len, then __u16 nlmsg_type */
	if (!data || bpf_probe_read_user(&type, sizeof(type), (void *)(data + 4)))
		return LS_NL_NONE;
	return ls_nlclass_of(type);
}

/* What a send says about its destination (unconnected datagram sockets). */
static __always_inline bool ls_send_dest(struct ls_sock_last *d, const struct ls_call *c)
{
	if (c->op == LS_OP_SEND)
		return ls_read_sockaddr(d, c->dest, c->destlen);
	if (c->op == LS_OP_SENDMSG)
		return ls_read_msg_dest(d, c->buf);
	return false;
}

static __always_inline void ls_key_peer(struct ls_key *k, struct ls_sockinfo *si, __u8 family,
					__u16 port, const __u8 *addr)
{
	k->family = family;
	k->port = port;
	__builtin_memcpy(k->addr, addr, 16);
	si->dfamily = family;
	si->dport = port;
	__builtin_memcpy(si->daddr, addr, 16);
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

	if (sk->sk_userlocks & LS_SOCK_BINDPORT_LOCK)
		return true;
	if (!dport)
		return false;
	ports = bpf_map_lookup_elem(&accepted_socks, &skp);
	if (ports && *ports == ls_port_pair(dport, sport))
		return true;
	return ls_is_ephemeral(dport) && !ls_is_ephemeral(sport);
}

static __always_inline bool ls_same_dest(const struct ls_sock_last *a, const struct ls_sock_last *b)
{
	const __u32 *x = (const __u32 *)a->addr, *y = (const __u32 *)b->addr;

	return a->family == b->family && a->port == b->port && x[0] == y[0] && x[1] == y[1] &&
	       x[2] == y[2] && x[3] == y[3];
}

static __always_inline void ls_set_dest(struct ls_sock_last *to, const struct ls_sock_last *from)
{
	to->family = from->family;
	to->port = from->port;
	__builtin_memcpy(to->addr, from->addr, 16);
}

/*
 * Datagram sockets without a peer (unconnected UDP, ping sockets): a send
 * names its destination, and the socket (sock_last) and the thread (mine,
 * its fd cache entry, when given) remember it.  A receive is named after
 * the thread's own last send on the socket, else after the socket's last
 * send by any thread.  With one sending thread per socket, the usual case,
 * the two agree, and a pinger's receives skip the sock_last lookup.
 */
static __always_inline bool ls_dgram_dest(struct ls_key *k, struct ls_sockinfo *si,
					  const struct ls_call *c, __u64 ino,
					  struct ls_sock_last *mine)
{
	struct ls_sock_last d = {}, *last;

	if (ls_send_dest(&d, c)) {
		ls_key_peer(k, si, d.family, d.port, d.addr);
		last = bpf_map_lookup_elem(&sock_last, &ino);
		if (!last)
			bpf_map_update_elem(&sock_last, &ino, &d, BPF_ANY);
		else if (!ls_same_dest(last, &d))
			ls_set_dest(last, &d);
		if (mine)
			ls_set_dest(mine, &d);
		return true;
	}
	if (mine && mine->family) {
		ls_key_peer(k, si, mine->family, mine->port, mine->addr);
		return true;
	}
	last = bpf_map_lookup_elem(&sock_last, &ino);
	if (!last || !last->family)
		return false;
	ls_key_peer(k, si, last->family, last->port, last->addr);
	return true;
}

/* The lasting facts of an AF_INET/AF_INET6 socket; see ls_file_facts(). */
static __always_inline bool ls_inet_facts(struct ls_key *k, struct ls_sockinfo *si,
					  struct sock *sk)
{
	__u16 dport = bpf_ntohs(sk->__sk_common.skc_dport);
	__u16 sport = sk->__sk_common.skc_num;
	bool stream = si->type == SOCK_STREAM;
	__u8 addr[16] = {};

	si->sport = sport;
	if (si->protocol == IPPROTO_ICMP || si->protocol == LS_IPPROTO_ICMPV6) {
		k->kind = LS_KIND_ICMP;
		if (dport || sk->__sk_common.skc_daddr) {
			ls_read_ip(addr, sk, si->family, false);
			ls_key_peer(k, si, si->family, dport, addr);
		}
		return true;
	}
	if (si->type != SOCK_STREAM && si->type != SOCK_DGRAM) {
		k->kind = LS_KIND_SOCK_OTHER;
		k->proto = si->family;
		return true;
	}
	if (dport) {
		/* the peer is known to rules whichever side this is */
		ls_read_ip(addr, sk, si->family, false);
		si->dfamily = si->family;
		si->dport = dport;
		__builtin_memcpy(si->daddr, addr, 16);
	}
	if (ls_is_serving(sk, dport, sport)) {
		k->kind = stream ? LS_KIND_TCP_IN : LS_KIND_UDP_IN;
		k->family = si->family;
		k->port = sport;
		return true;
	}
	if (dport) {
		k->kind = stream ? LS_KIND_TCP : LS_KIND_UDP;
		ls_key_peer(k, si, si->family, dport, addr);
		return true;
	}
	/* TCP Fast Open connects in a sendto(), not a connect(): never cached */
	k->kind = stream ? LS_KIND_TCP_UNCONN : LS_KIND_UDP_UNCONN;
	return !stream;
}

/*
 * Phase one of classifying a call: what its fd is, as far as that stays
 * true until the fd is closed or replaced, or its socket connects or binds.
 * Returns whether the result may be cached for the fd number: not for a
 * bad fd, whose number a new socket may take.  *ino is the socket's inode
 * number (sock_last's key), *ftype what kind of file it is (LS_FTYPE_*).
 */
static __always_inline bool ls_file_facts(struct ls_key *k, struct ls_sockinfo *si, __u64 *ino,
					  __u32 *ftype, struct file *f)
{
	struct socket *sock;
	struct inode *inode;
	struct sock *sk;
	__u32 fmt;

	if (!f) {
		k->kind = LS_KIND_OTHER;	/* bad fd: the call fails anyway */
		return false;
	}
	inode = f->f_inode;
	fmt = inode->i_mode & LS_S_IFMT;
	if (fmt != LS_S_IFSOCK) {
		k->kind = LS_KIND_FILE;
		/* anonymous inodes (eventfd, timerfd, signalfd) have no type bits */
		*ftype = fmt == LS_S_IFIFO || fmt == 0 ? LS_FTYPE_EVENT : LS_FTYPE_REG;
		return true;
	}
	*ino = inode->i_ino;
	sock = LS_CAST(socket, f->private_data);
	sk = sock->sk;
	if (!sk) {
		k->kind = LS_KIND_SOCK_OTHER;
		return true;
	}
	si->is_sock = 1;
	si->family = (__u8)sk->__sk_common.skc_family;
	si->type = (__u8)sk->sk_type;
	si->protocol = sk->sk_protocol;

	switch (si->family) {
	case LS_AF_UNIX:
		k->kind = LS_KIND_UNIX;
		return true;
	case LS_AF_NETLINK:
		k->kind = LS_KIND_NETLINK;
		k->proto = si->protocol;
		return true;
	case LS_AF_INET:
	case LS_AF_INET6:
		return ls_inet_facts(k, si, sk);
	}
	k->kind = LS_KIND_SOCK_OTHER;
	k->proto = si->family;
	return true;
}

/*
 * A NETLINK_ROUTE socket is named after the last request sent on it: the
 * thread's own (mine) if it has sent one, else the socket's, as in
 * ls_dgram_dest().
 */
static __always_inline void ls_netlink_class(struct ls_key *k, struct ls_sockinfo *si,
					     const struct ls_call *c, __u64 ino,
					     struct ls_sock_last *mine)
{
	struct ls_sock_last *last, fresh = {};
	__u8 cls = LS_NL_NONE;

	if (c->op == LS_OP_SEND || c->op == LS_OP_SENDMSG)
		cls = ls_read_nlclass(c);
	if (cls != LS_NL_NONE) {
		last = bpf_map_lookup_elem(&sock_last, &ino);
		if (last) {
			last->nlclass = cls;
		} else {
			fresh.nlclass = cls;
			bpf_map_update_elem(&sock_last, &ino, &fresh, BPF_ANY);
		}
		if (mine)
			mine->nlclass = cls;
	} else if (mine && mine->nlclass) {
		cls = mine->nlclass;
	} else {
		/* replies, polls and the close inherit the last request's class */
		last = bpf_map_lookup_elem(&sock_last, &ino);
		if (last)
			cls = last->nlclass;
	}
	k->nlclass = cls;
	si->nlclass = cls;
}

/*
 * Phase two: what this call adds to the fd's lasting facts.  Sockets
 * without a peer are named after where a connect() or a send goes, or
 * after the last send; rtnetlink sockets after the last request.  mine:
 * this thread's memory of the socket, or NULL.
 */
static __always_inline void ls_call_facts(struct ls_key *k, struct ls_sockinfo *si,
					  const struct ls_call *c, __u64 ino,
					  struct ls_sock_last *mine)
{
	struct ls_sock_last d = {};

	switch (k->kind) {
	case LS_KIND_ICMP:
		if (!k->family)
			ls_dgram_dest(k, si, c, ino, mine);
		return;
	case LS_KIND_TCP_UNCONN:
	case LS_KIND_UDP_UNCONN:
		if (c->op == LS_OP_CONNECT && ls_read_sockaddr(&d, c->dest, c->destlen)) {
			k->kind = k->kind == LS_KIND_TCP_UNCONN ? LS_KIND_TCP : LS_KIND_UDP;
			ls_key_peer(k, si, d.family, d.port, d.addr);
			return;
		}
		if (k->kind == LS_KIND_UDP_UNCONN && ls_dgram_dest(k, si, c, ino, mine))
			k->kind = LS_KIND_UDP;
		return;
	case LS_KIND_NETLINK:
		if (k->proto == LS_NETLINK_ROUTE && cfg_nl_classes)
			ls_netlink_class(k, si, c, ino, mine);
		return;
	}
}

/* Both phases, for an fd that is not cached.  f: from ls_fd_file() or LS_CAST(). */
static __always_inline void ls_classify_file(struct ls_key *k, struct ls_sockinfo *si,
					     struct file *f, const struct ls_call *c)
{
	__u64 ino = 0;
	__u32 ftype = 0;

	ls_file_facts(k, si, &ino, &ftype, f);
	ls_call_facts(k, si, c, ino, NULL);
}

/* socket(2) has no fd yet: classify from its arguments. */
static __always_inline void ls_classify_socket_args(struct ls_key *k, struct ls_sockinfo *si,
						    long family, long type, long proto)
{
	type &= 0xf;	/* strip SOCK_NONBLOCK / SOCK_CLOEXEC */
	/* protocol 0 means the family's default, which is what rules compare */
	if (proto == 0 && (family == LS_AF_INET || family == LS_AF_INET6))
		proto = type == SOCK_STREAM ? IPPROTO_TCP : type == SOCK_DGRAM ? IPPROTO_UDP : 0;
	si->is_sock = 1;
	si->family = (__u8)family;
	si->type = (__u8)type;
	si->protocol = (__u16)proto;
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
		if (proto == IPPROTO_ICMP || proto == LS_IPPROTO_ICMPV6) {
			k->kind = LS_KIND_ICMP;
			return;
		}
		if (type == SOCK_STREAM) {
			k->kind = LS_KIND_TCP_UNCONN;
			return;
		}
		if (type == SOCK_DGRAM) {
			k->kind = LS_KIND_UDP_UNCONN;
			return;
		}
		break;
	}
	k->kind = LS_KIND_SOCK_OTHER;
	k->proto = family;
}

/* Two keys name the same subsystem (wait syscalls over several fds). */
static __always_inline bool ls_same_subsys(const struct ls_key *a, const struct ls_key *b)
{
	const __u32 *x = (const __u32 *)a->addr, *y = (const __u32 *)b->addr;

	/* no memcmp in BPF: compare the address as four words */
	return a->kind == b->kind && a->family == b->family && a->port == b->port &&
	       a->proto == b->proto && a->rule == b->rule && a->nlclass == b->nlclass &&
	       x[0] == y[0] && x[1] == y[1] && x[2] == y[2] && x[3] == y[3];
}

#endif /* LS_CLASSIFY_BPF_H */
