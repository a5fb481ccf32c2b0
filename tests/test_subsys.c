/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Unit tests for src/subsys.c and src/syscall_names.c: the names a stats
 * key is reported under.  They are the report's and the snapshot's keys,
 * and the integration tests compare them with democtl's, so each is pinned
 * here exactly.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "subsys.h"
#include "syscall_names.h"

/* Bigger than any name; filled with this before each call. */
#define NAME_BUF	128
#define POISON		'#'

static char name[NAME_BUF];

static const char *subsys(const struct ls_key *k)
{
	memset(name, POISON, sizeof(name));
	assert_int_equal(ls_subsys_name(k, name, sizeof(name)), 0);
	return name;
}

static struct ls_key key_kind(enum ls_kind kind)
{
	struct ls_key k = { .kind = kind };

	return k;
}

static struct ls_key key_ip(enum ls_kind kind, int family, const char *ip, __u16 port)
{
	struct ls_key k = { .kind = kind, .family = (__u8)family, .port = port };

	assert_int_equal(inet_pton(family, ip, k.addr), 1);
	return k;
}

static struct ls_key key_netlink(__u32 proto)
{
	struct ls_key k = { .kind = LS_KIND_NETLINK, .proto = proto };

	return k;
}

static void subsys_name__fixed_kinds__plain_names(void **state)
{
	struct ls_key k;

	k = key_kind(LS_KIND_OTHER);
	assert_string_equal(subsys(&k), "other");
	k = key_kind(LS_KIND_FILE);
	assert_string_equal(subsys(&k), "file");
	k = key_kind(LS_KIND_UNIX);
	assert_string_equal(subsys(&k), "unix");
	k = key_kind(LS_KIND_ICMP);
	assert_string_equal(subsys(&k), "icmp");
	k = key_kind(LS_KIND_TCP_UNCONN);
	assert_string_equal(subsys(&k), "tcp:unconnected");
	k = key_kind(LS_KIND_UDP_UNCONN);
	assert_string_equal(subsys(&k), "udp:unconnected");
	k = key_kind(LS_KIND_WAIT_MIXED);
	assert_string_equal(subsys(&k), "wait:mixed");
}

static void subsys_name__ipv4_peer__addr_colon_port(void **state)
{
	struct ls_key k;

	k = key_ip(LS_KIND_TCP, AF_INET, "10.0.0.1", 443);
	assert_string_equal(subsys(&k), "tcp:10.0.0.1:443");
	k = key_ip(LS_KIND_UDP, AF_INET, "127.0.0.1", 18490);
	assert_string_equal(subsys(&k), "udp:127.0.0.1:18490");
	/* addr is in network order: the first byte is the first octet */
	k = key_ip(LS_KIND_UDP, AF_INET, "192.168.88.1", 53);
	assert_int_equal(k.addr[0], 192);
	assert_string_equal(subsys(&k), "udp:192.168.88.1:53");
	k = key_ip(LS_KIND_TCP, AF_INET, "255.255.255.255", 65535);
	assert_string_equal(subsys(&k), "tcp:255.255.255.255:65535");
}

static void subsys_name__ipv6_peer__bracketed(void **state)
{
	struct ls_key k;

	k = key_ip(LS_KIND_TCP, AF_INET6, "::1", 443);
	assert_string_equal(subsys(&k), "tcp:[::1]:443");
	k = key_ip(LS_KIND_UDP, AF_INET6, "2001:db8::53", 53);
	assert_string_equal(subsys(&k), "udp:[2001:db8::53]:53");
	/* a v4-mapped peer is what a dual-stack socket reports */
	k = key_ip(LS_KIND_TCP, AF_INET6, "::ffff:10.0.0.1", 80);
	assert_string_equal(subsys(&k), "tcp:[::ffff:10.0.0.1]:80");
}

static void subsys_name__serving_side__local_port_only(void **state)
{
	struct ls_key k;

	/* the peer of an accepted socket must not split the subsystem */
	k = key_ip(LS_KIND_TCP_IN, AF_INET, "10.1.2.3", 8080);
	assert_string_equal(subsys(&k), "tcp-in:8080");
	k = key_ip(LS_KIND_TCP_IN, AF_INET6, "::1", 443);
	assert_string_equal(subsys(&k), "tcp-in:443");
	k = key_ip(LS_KIND_UDP_IN, AF_INET, "0.0.0.0", 18490);
	assert_string_equal(subsys(&k), "udp-in:18490");
}

static void subsys_name__netlink_known_protocol__named(void **state)
{
	struct ls_key k;

	k = key_netlink(0);	/* NETLINK_ROUTE, before any request */
	assert_string_equal(subsys(&k), "netlink:route");
	k = key_netlink(4);	/* NETLINK_SOCK_DIAG */
	assert_string_equal(subsys(&k), "netlink:sock_diag");
	k = key_netlink(9);	/* NETLINK_AUDIT */
	assert_string_equal(subsys(&k), "netlink:audit");
	k = key_netlink(16);	/* NETLINK_GENERIC */
	assert_string_equal(subsys(&k), "netlink:generic");
	k = key_netlink(22);	/* NETLINK_SMC, the last in the table */
	assert_string_equal(subsys(&k), "netlink:smc");
	assert_string_equal(ls_netlink_proto_name(15), "kobject_uevent");
}

static void subsys_name__netlink_unknown_protocol__number(void **state)
{
	struct ls_key k;

	k = key_netlink(17);	/* a hole in the table */
	assert_string_equal(subsys(&k), "netlink:17");
	assert_null(ls_netlink_proto_name(17));
	k = key_netlink(23);	/* one past the table */
	assert_string_equal(subsys(&k), "netlink:23");
	assert_null(ls_netlink_proto_name(23));
	k = key_netlink(UINT32_MAX);
	assert_string_equal(subsys(&k), "netlink:4294967295");
}

static void subsys_name__rtnetlink_request_class__class_name(void **state)
{
	struct ls_key k = key_netlink(0);

	k.nlclass = LS_NL_TC;
	assert_string_equal(subsys(&k), "tc");
	k.nlclass = LS_NL_LINK;
	assert_string_equal(subsys(&k), "rtnl:link");
	/* only NETLINK_ROUTE has request classes */
	k = key_netlink(16);
	k.nlclass = LS_NL_TC;
	assert_string_equal(subsys(&k), "netlink:generic");
	/* a class from a newer BPF object than this build knows */
	k = key_netlink(0);
	k.nlclass = LS_NL_MAX;
	assert_string_equal(subsys(&k), "netlink:route");
}

static void subsys_name__other_family__af_number(void **state)
{
	struct ls_key k = { .kind = LS_KIND_SOCK_OTHER, .proto = 40 };	/* AF_VSOCK */

	assert_string_equal(subsys(&k), "socket:af40");
	k.proto = 17;	/* AF_PACKET */
	assert_string_equal(subsys(&k), "socket:af17");
}

static void subsys_name__exec__child_comm(void **state)
{
	struct ls_key k = { .kind = LS_KIND_EXEC };

	memcpy(k.addr, "tc", 3);
	assert_string_equal(subsys(&k), "exec:tc");
	/* a comm that fills all 16 bytes has no NUL: still read no further */
	memcpy(k.addr, "0123456789abcdef", 16);
	assert_string_equal(subsys(&k), "exec:0123456789abcdef");
}

static void subsys_name__unknown_kind__other(void **state)
{
	struct ls_key k;

	k = key_kind(LS_KIND_MAX);
	assert_string_equal(subsys(&k), "other");
	k = key_kind(0xff);
	assert_string_equal(subsys(&k), "other");
}

/* A kind added to enum ls_kind without a name here would report as "other". */
static void subsys_name__every_kind__own_name(void **state)
{
	char seen[LS_KIND_MAX][NAME_BUF];
	struct ls_key k;
	int kind, j;

	for (kind = 0; kind < LS_KIND_MAX; kind++) {
		k = key_ip((enum ls_kind)kind, AF_INET, "10.0.0.1", 443);
		k.proto = 40;
		memcpy(k.addr, "x", 2);		/* LS_KIND_EXEC's comm */
		strcpy(seen[kind], subsys(&k));
		if (kind != LS_KIND_OTHER)
			assert_string_not_equal(seen[kind], "other");
		for (j = 0; j < kind; j++)
			assert_string_not_equal(seen[kind], seen[j]);
	}
}

static void subsys_name__buffer_too_small__enospc_terminated(void **state)
{
	struct ls_key k = key_kind(LS_KIND_FILE);
	char buf[8];

	/* "file" needs 5 bytes with its NUL */
	memset(buf, POISON, sizeof(buf));
	assert_int_equal(ls_subsys_name(&k, buf, 5), 0);
	assert_string_equal(buf, "file");
	memset(buf, POISON, sizeof(buf));
	assert_int_equal(ls_subsys_name(&k, buf, 4), -ENOSPC);
	assert_string_equal(buf, "fil");
	assert_int_equal(buf[4], POISON);	/* nothing written past len */
	assert_int_equal(ls_subsys_name(&k, buf, 1), -ENOSPC);
	assert_string_equal(buf, "");
}

static void subsys_name__longest_ipv6_name__fits_exactly(void **state)
{
	static const char want[] = "tcp:[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535";
	struct ls_key k = key_ip(LS_KIND_TCP, AF_INET6, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
				 65535);

	memset(name, POISON, sizeof(name));
	assert_int_equal(ls_subsys_name(&k, name, sizeof(want)), 0);
	assert_string_equal(name, want);
	memset(name, POISON, sizeof(name));
	assert_int_equal(ls_subsys_name(&k, name, sizeof(want) - 1), -ENOSPC);
	assert_int_equal(strlen(name), sizeof(want) - 2);
	assert_int_equal(strncmp(name, want, sizeof(want) - 2), 0);
}

static void syscall_name__known_number__kernel_name(void **state)
{
	char buf[32];

	assert_string_equal(ls_syscall_name(SYS_recvfrom, buf, sizeof(buf)), "recvfrom");
	assert_string_equal(ls_syscall_name(SYS_ppoll, buf, sizeof(buf)), "ppoll");
	assert_string_equal(ls_syscall_name(SYS_pselect6, buf, sizeof(buf)), "pselect6");
	assert_string_equal(ls_syscall_name(SYS_epoll_pwait, buf, sizeof(buf)), "epoll_pwait");
#ifdef SYS_poll
	assert_string_equal(ls_syscall_name(SYS_poll, buf, sizeof(buf)), "poll");
#endif
#ifdef SYS_read
	/* read is 0 on x86_64: number 0 is a syscall, not "none" */
	assert_string_equal(ls_syscall_name(SYS_read, buf, sizeof(buf)), "read");
#endif
}

static void syscall_name__unknown_number__syscall_nr_in_buf(void **state)
{
	char buf[32];
	const char *s;

	s = ls_syscall_name(99999, buf, sizeof(buf));
	assert_string_equal(s, "syscall_99999");
	assert_ptr_equal(s, buf);
	assert_string_equal(ls_syscall_name(UINT32_MAX - 1, buf, sizeof(buf)),
			    "syscall_4294967294");
}

static void syscall_nr__known_and_unknown_names__nr_or_enoent(void **state)
{
	assert_int_equal(ls_syscall_nr("recvfrom"), SYS_recvfrom);
	assert_int_equal(ls_syscall_nr("epoll_pwait"), SYS_epoll_pwait);
	assert_int_equal(ls_syscall_nr("no_such_syscall"), -ENOENT);
	assert_int_equal(ls_syscall_nr(""), -ENOENT);
	/* the fallback name is not a syscall name */
	assert_int_equal(ls_syscall_nr("syscall_99999"), -ENOENT);
	/* exact match only */
	assert_int_equal(ls_syscall_nr("recvfro"), -ENOENT);
	assert_int_equal(ls_syscall_nr("RECVFROM"), -ENOENT);
}

/* Snapshots store names and report converts back: every name must round-trip. */
static void syscall_name_nr__every_known_number__round_trip(void **state)
{
	char buf[32];
	const char *s;
	int nr, known = 0;

	for (nr = 0; nr < 2048; nr++) {
		s = ls_syscall_name((__u32)nr, buf, sizeof(buf));
		if (s == buf) {
			assert_int_equal(ls_syscall_nr(s), -ENOENT);
			continue;
		}
		known++;
		assert_int_equal(ls_syscall_nr(s), nr);
	}
	/* every architecture has a few hundred */
	assert_true(known > 250);
	s = ls_syscall_name(LS_SYSCALL_SPAWN, buf, sizeof(buf));
	assert_ptr_not_equal(s, buf);
	assert_int_equal((__u32)ls_syscall_nr(s), LS_SYSCALL_SPAWN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(subsys_name__fixed_kinds__plain_names),
		cmocka_unit_test(subsys_name__ipv4_peer__addr_colon_port),
		cmocka_unit_test(subsys_name__ipv6_peer__bracketed),
		cmocka_unit_test(subsys_name__serving_side__local_port_only),
		cmocka_unit_test(subsys_name__netlink_known_protocol__named),
		cmocka_unit_test(subsys_name__netlink_unknown_protocol__number),
		cmocka_unit_test(subsys_name__rtnetlink_request_class__class_name),
		cmocka_unit_test(subsys_name__other_family__af_number),
		cmocka_unit_test(subsys_name__exec__child_comm),
		cmocka_unit_test(subsys_name__unknown_kind__other),
		cmocka_unit_test(subsys_name__every_kind__own_name),
		cmocka_unit_test(subsys_name__buffer_too_small__enospc_terminated),
		cmocka_unit_test(subsys_name__longest_ipv6_name__fits_exactly),
		cmocka_unit_test(syscall_name__known_number__kernel_name),
		cmocka_unit_test(syscall_name__unknown_number__syscall_nr_in_buf),
		cmocka_unit_test(syscall_nr__known_and_unknown_names__nr_or_enoent),
		cmocka_unit_test(syscall_name_nr__every_known_number__round_trip),
	};

	return cmocka_run_group_tests_name("subsys", tests, NULL, NULL);
}
