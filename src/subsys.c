// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include "subsys.h"

/* include/uapi/linux/netlink.h protocol numbers */
static const char *const netlink_names[] = {
	[0] = "route",		[1] = "unused",		[2] = "usersock",
	[3] = "firewall",	[4] = "sock_diag",	[5] = "nflog",
	[6] = "xfrm",		[7] = "selinux",	[8] = "iscsi",
	[9] = "audit",		[10] = "fib_lookup",	[11] = "connector",
	[12] = "netfilter",	[13] = "ip6_fw",	[14] = "dnrtmsg",
	[15] = "kobject_uevent", [16] = "generic",	[18] = "scsitransport",
	[19] = "ecryptfs",	[20] = "rdma",		[21] = "crypto",
	[22] = "smc",
};

const char *ls_netlink_proto_name(__u32 proto)
{
	if (proto >= sizeof(netlink_names) / sizeof(netlink_names[0]))
		return NULL;
	return netlink_names[proto];
}

/* "1.2.3.4" or "::1" */
void ls_fmt_addr(const struct ls_key *k, char *buf, size_t len)
{
	if (!inet_ntop(k->family == AF_INET6 ? AF_INET6 : AF_INET, k->addr, buf, (socklen_t)len))
		snprintf(buf, len, "?");
}

/* "1.2.3.4:80" or "[::1]:80" */
void ls_fmt_peer(const struct ls_key *k, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	ls_fmt_addr(k, ip, sizeof(ip));
	snprintf(buf, len, k->family == AF_INET6 ? "[%s]:%u" : "%s:%u", ip, k->port);
}

/* enum ls_nlclass -> the name of a NETLINK_ROUTE subsystem */
static const char *const nlclass_names[LS_NL_MAX] = {
	[LS_NL_NONE] = "netlink:route",
	[LS_NL_TC] = "tc",
	[LS_NL_LINK] = "rtnl:link",
	[LS_NL_ADDR] = "rtnl:addr",
	[LS_NL_ROUTE] = "rtnl:route",
	[LS_NL_NEIGH] = "rtnl:neigh",
	[LS_NL_RULE] = "rtnl:rule",
	[LS_NL_OTHER] = "rtnl:other",
};

const char *ls_nlclass_name(__u8 nlclass)
{
	return nlclass < LS_NL_MAX ? nlclass_names[nlclass] : NULL;
}

int ls_subsys_name(const struct ls_key *k, char *buf, size_t len)
{
	char peer[INET6_ADDRSTRLEN + 16];
	const char *nl;
	int n;

	switch (k->kind) {
	case LS_KIND_FILE:
		n = snprintf(buf, len, "file");
		break;
	case LS_KIND_UNIX:
		n = snprintf(buf, len, "unix");
		break;
	case LS_KIND_ICMP:
		n = snprintf(buf, len, "icmp");
		break;
	case LS_KIND_NETLINK:
		if (k->proto == 0 && k->nlclass && ls_nlclass_name(k->nlclass)) {
			n = snprintf(buf, len, "%s", ls_nlclass_name(k->nlclass));
			break;
		}
		nl = ls_netlink_proto_name(k->proto);
		n = nl ? snprintf(buf, len, "netlink:%s", nl) :
			 snprintf(buf, len, "netlink:%u", k->proto);
		break;
	case LS_KIND_TCP:
	case LS_KIND_UDP:
		if (!k->family) {
			/* a request whose sends went to several peers */
			n = snprintf(buf, len, "%s:several", k->kind == LS_KIND_TCP ? "tcp" : "udp");
			break;
		}
		ls_fmt_peer(k, peer, sizeof(peer));
		n = snprintf(buf, len, "%s:%s", k->kind == LS_KIND_TCP ? "tcp" : "udp", peer);
		break;
	case LS_KIND_TCP_IN:
		n = snprintf(buf, len, "tcp-in:%u", k->port);
		break;
	case LS_KIND_UDP_IN:
		n = snprintf(buf, len, "udp-in:%u", k->port);
		break;
	case LS_KIND_TCP_UNCONN:
		n = snprintf(buf, len, "tcp:unconnected");
		break;
	case LS_KIND_UDP_UNCONN:
		n = snprintf(buf, len, "udp:unconnected");
		break;
	case LS_KIND_SOCK_OTHER:
		n = snprintf(buf, len, "socket:af%u", k->proto);
		break;
	case LS_KIND_WAIT_MIXED:
		n = snprintf(buf, len, "wait:mixed");
		break;
	case LS_KIND_EXEC:
		/* the child's comm, NUL-padded to 16 bytes */
		n = snprintf(buf, len, "exec:%.16s", (const char *)k->addr);
		break;
	case LS_KIND_OTHER:
	default:
		n = snprintf(buf, len, "other");
		break;
	}
	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

static const char *const role_names[LS_ROLE_MAX] = {
	[LS_ROLE_WORK] = "work",
	[LS_ROLE_IDLE] = "idle",
	[LS_ROLE_SYNC] = "sync",
	[LS_ROLE_CHILD] = "child",
};

const char *ls_role_name(__u8 role)
{
	return role < LS_ROLE_MAX ? role_names[role] : "?";
}

int ls_role_parse(const char *name)
{
	int i;

	for (i = 0; i < LS_ROLE_MAX; i++)
		if (!strcmp(name, role_names[i]))
			return i;
	return -EINVAL;
}
