/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Unit tests for src/rules.c (the parser and compiler) and for
 * include/rule_match.h, the matcher the BPF program runs: the structs the
 * kernel fills are filled by hand here, so a rule is checked end to end
 * from its text to the calls it names.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "rule_match.h"
#include "rules.h"

#define FIXTURES	"tests/fixtures/"
#define ERR_LEN		512
#define POISON		'#'

/* The temporary rules file of the running test; teardown removes it. */
static char tmp_file[64];

static int rules_setup(void **state)
{
	struct ls_rules *rs = malloc(sizeof(*rs));

	if (!rs)
		return -1;
	ls_rules_init(rs);
	*state = rs;
	return 0;
}

static int rules_teardown(void **state)
{
	/* also after a failed assertion, which skips the test's own cleanup */
	if (tmp_file[0]) {
		unlink(tmp_file);
		tmp_file[0] = '\0';
	}
	ls_rules_free(*state);
	free(*state);
	return 0;
}

/* Parses one line that must be a rule; returns the rule it added. */
static const struct ls_rule *add(struct ls_rules *rs, const char *line)
{
	char err[ERR_LEN] = "";
	size_t n = rs->n;

	if (ls_rules_parse_line(rs, line, "t.conf", 1, err, sizeof(err)))
		fail_msg("'%s' rejected: %s", line, err);
	assert_int_equal(rs->n, n + 1);
	return &rs->rule[n];
}

/* The exact error prefix "src:lineno:col: " and a part of the message. */
static void expect_err_at(struct ls_rules *rs, const char *line, const char *src, int lineno,
			  int col, const char *msg)
{
	char err[ERR_LEN], want[64];
	size_t n = rs->n;

	memset(err, POISON, sizeof(err));
	assert_int_equal(ls_rules_parse_line(rs, line, src, lineno, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s:%d:%d: ", src, lineno, col);
	if (strncmp(err, want, strlen(want)) || !strstr(err + strlen(want), msg))
		fail_msg("'%s': got \"%s\", want \"%s...%s...\"", line, err, want, msg);
	assert_null(strchr(err, '\n'));
	/* a rejected line leaves the rule set as it was */
	assert_int_equal(rs->n, n);
}

static void expect_err(const char *line, int col, const char *msg)
{
	struct ls_rules rs;

	ls_rules_init(&rs);
	expect_err_at(&rs, line, "t.conf", 7, col, msg);
	ls_rules_free(&rs);
}

static void assert_addr(const struct ls_rule *r, int family, const char *ip, int prefix)
{
	__u8 want[16] = { 0 };

	assert_int_equal(inet_pton(family, ip, want), 1);
	assert_int_equal(r->addr_family, family);
	assert_int_equal(r->prefix, prefix);
	assert_memory_equal(r->addr, want, sizeof(want));
}

/* ---- the parser accepts every term ---- */

static void rules_parse__protocol_terms__family_protocol_type(void **state)
{
	struct ls_rules *rs = *state;
	const struct ls_rule *r;

	r = add(rs, "a: tcp");
	assert_int_equal(r->match, LS_RM_FAMILY | LS_RM_PROTO);
	assert_int_equal(r->family, LS_AF_INET_ANY);
	assert_int_equal(r->protocol, 6);
	r = add(rs, "a: udp");
	assert_int_equal(r->family, LS_AF_INET_ANY);
	assert_int_equal(r->protocol, 17);
	r = add(rs, "a: icmp");
	assert_int_equal(r->family, LS_AF_INET_ANY);
	assert_int_equal(r->protocol, LS_PROTO_ICMP_ANY);
	r = add(rs, "a: unix");
	assert_int_equal(r->match, LS_RM_FAMILY);
	assert_int_equal(r->family, 1);
	r = add(rs, "a: inet");
	assert_int_equal(r->match, LS_RM_FAMILY);
	assert_int_equal(r->family, 2);
	r = add(rs, "a: inet6");
	assert_int_equal(r->family, 10);
	/* a family narrows tcp's "either", in both orders */
	r = add(rs, "a: tcp inet6");
	assert_int_equal(r->family, 10);
	assert_int_equal(r->protocol, 6);
	r = add(rs, "a: inet udp");
	assert_int_equal(r->family, 2);
	assert_int_equal(r->protocol, 17);
	r = add(rs, "a: stream");
	assert_int_equal(r->match, LS_RM_TYPE);
	assert_int_equal(r->type, 1);
	r = add(rs, "a: dgram");
	assert_int_equal(r->type, 2);
	r = add(rs, "a: raw");
	assert_int_equal(r->type, 3);
	r = add(rs, "a: unix stream");
	assert_int_equal(r->match, LS_RM_FAMILY | LS_RM_TYPE);
	assert_int_equal(r->family, 1);
	assert_int_equal(r->type, 1);
}

static void rules_parse__netlink__family_and_protocol_by_name_or_number(void **state)
{
	struct ls_rules *rs = *state;
	const struct ls_rule *r;

	r = add(rs, "a: netlink");
	assert_int_equal(r->match, LS_RM_FAMILY);
	assert_int_equal(r->family, 16);
	r = add(rs, "a: netlink:route");
	assert_int_equal(r->match, LS_RM_FAMILY | LS_RM_PROTO);
	assert_int_equal(r->protocol, 0);
	r = add(rs, "a: netlink:generic");
	assert_int_equal(r->protocol, 16);
	r = add(rs, "a: netlink:sock_diag");
	assert_int_equal(r->protocol, 4);
	r = add(rs, "a: netlink:9");
	assert_int_equal(r->protocol, 9);
	r = add(rs, "a: netlink:31");
	assert_int_equal(r->protocol, 31);
}

static void rules_parse__peer__network_order_and_prefix(void **state)
{
	struct ls_rules *rs = *state;
	const struct ls_rule *r;

	r = add(rs, "a: peer 192.168.88.1");
	assert_int_equal(r->match, LS_RM_PEER);
	assert_addr(r, AF_INET, "192.168.88.1", 32);
	assert_int_equal(r->addr[0], 192);
	r = add(rs, "a: peer 10.0.0.0/8");
	assert_addr(r, AF_INET, "10.0.0.0", 8);
	/* host bits are accepted and dropped */
	r = add(rs, "a: peer 10.1.2.3/8");
	assert_addr(r, AF_INET, "10.0.0.0", 8);
	r = add(rs, "a: peer 192.168.88.77/26");
	assert_addr(r, AF_INET, "192.168.88.64", 26);
	r = add(rs, "a: peer 1.2.3.4/0");
	assert_addr(r, AF_INET, "0.0.0.0", 0);
	r = add(rs, "a: peer 2606:4700:4700::1111");
	assert_addr(r, AF_INET6, "2606:4700:4700::1111", 128);
	r = add(rs, "a: peer [::1]");
	assert_addr(r, AF_INET6, "::1", 128);
	r = add(rs, "a: peer [2001:db8::]/32");
	assert_addr(r, AF_INET6, "2001:db8::", 32);
	r = add(rs, "a: peer 2001:db8:ffff:ffff::1/33");
	assert_addr(r, AF_INET6, "2001:db8:8000::", 33);
	r = add(rs, "a: peer ::ffff:10.0.0.1");
	assert_addr(r, AF_INET6, "::ffff:10.0.0.1", 128);
	/* the peer does not force the socket's family */
	r = add(rs, "a: tcp peer 10.0.0.1");
	assert_int_equal(r->family, LS_AF_INET_ANY);
}

static void rules_parse__ports__single_or_inclusive_range(void **state)
{
	struct ls_rules *rs = *state;
	const struct ls_rule *r;

	r = add(rs, "a: port 443");
	assert_int_equal(r->match, LS_RM_PORT);
	assert_int_equal(r->port_lo, 443);
	assert_int_equal(r->port_hi, 443);
	r = add(rs, "a: port 1-65535");
	assert_int_equal(r->port_lo, 1);
	assert_int_equal(r->port_hi, 65535);
	r = add(rs, "a: port 80-80");
	assert_int_equal(r->port_lo, 80);
	assert_int_equal(r->port_hi, 80);
	r = add(rs, "a: lport 8080");
	assert_int_equal(r->match, LS_RM_LPORT);
	assert_int_equal(r->lport_lo, 8080);
	assert_int_equal(r->lport_hi, 8080);
	r = add(rs, "a: udp lport 1000-2000 port 53");
	assert_int_equal(r->match, LS_RM_FAMILY | LS_RM_PROTO | LS_RM_LPORT | LS_RM_PORT);
	assert_int_equal(r->lport_lo, 1000);
	assert_int_equal(r->lport_hi, 2000);
	assert_int_equal(r->port_lo, 53);
}

static void rules_parse__nlmsg__class_bits_on_netlink_route(void **state)
{
	struct ls_rules *rs = *state;
	const struct ls_rule *r;

	r = add(rs, "a: nlmsg tc");
	assert_int_equal(r->match, LS_RM_FAMILY | LS_RM_PROTO | LS_RM_NLCLASS);
	assert_int_equal(r->family, 16);
	assert_int_equal(r->protocol, 0);
	assert_int_equal(r->nl_mask, 1U << LS_NL_TC);
	r = add(rs, "a: nlmsg tc,link,addr,route,neigh,rule,other");
	assert_int_equal(r->nl_mask, (1U << LS_NL_TC) | (1U << LS_NL_LINK) | (1U << LS_NL_ADDR) |
					     (1U << LS_NL_ROUTE) | (1U << LS_NL_NEIGH) |
					     (1U << LS_NL_RULE) | (1U << LS_NL_OTHER));
	/* "no request yet" is never a class a rule asks for */
	assert_false(r->nl_mask & (1U << LS_NL_NONE));
	r = add(rs, "a: netlink nlmsg route,rule");
	assert_int_equal(r->protocol, 0);
	assert_int_equal(r->nl_mask, (1U << LS_NL_ROUTE) | (1U << LS_NL_RULE));
	r = add(rs, "a: nlmsg link netlink:route");
	assert_int_equal(r->protocol, 0);
	assert_int_equal(r->nl_mask, 1U << LS_NL_LINK);
}

static void rules_parse__task_terms__nul_padded_16_bytes(void **state)
{
	struct ls_rules *rs = *state;
	const struct ls_rule *r;
	char want[16] = "wanctl-control";	/* 14 chars, then NULs */
	struct stat st;

	r = add(rs, "a: comm wanctl-control");
	assert_int_equal(r->match, LS_RM_COMM);
	assert_memory_equal(r->comm, want, 16);
	r = add(rs, "a: comm 123456789012345");
	assert_memory_equal(r->comm, "123456789012345", 16);
	r = add(rs, "a: thread prom-export");
	assert_int_equal(r->match, LS_RM_THREAD);
	memset(want, 0, sizeof(want));
	strcpy(want, "prom-export");
	assert_memory_equal(r->thread, want, 16);
	r = add(rs, "a: exec tc");
	assert_int_equal(r->match, LS_RM_CHILD);
	assert_memory_equal(r->child, "tc\0\0\0\0\0\0\0\0\0\0\0\0\0", 16);
	r = add(rs, "a: comm wanctl thread worker-1");
	assert_int_equal(r->match, LS_RM_COMM | LS_RM_THREAD);

	assert_int_equal(stat(FIXTURES "rules_wan.conf", &st), 0);
	r = add(rs, "a: exe " FIXTURES "rules_wan.conf");
	assert_int_equal(r->match, LS_RM_EXE);
	assert_int_equal(r->exe_ino, st.st_ino);
	assert_int_equal(r->exe_dev, major(st.st_dev) << 20 | minor(st.st_dev));
	r = add(rs, "a: tcp port 443 exe " FIXTURES "rules_wan.conf comm python3");
	assert_int_equal(r->match,
			 LS_RM_FAMILY | LS_RM_PROTO | LS_RM_PORT | LS_RM_EXE | LS_RM_COMM);
}

static void rules_parse__name__up_to_first_colon_blank(void **state)
{
	struct ls_rules *rs = *state;
	char name63[80];

	add(rs, "ping:1.1.1.1: icmp peer 1.1.1.1");
	assert_string_equal(rs->name[0], "ping:1.1.1.1");
	add(rs, "ping:2606:4700:4700::1111:\ticmp peer 2606:4700:4700::1111");
	assert_string_equal(rs->name[1], "ping:2606:4700:4700::1111");
	add(rs, "  A-Z_a.z/0@9+x:y:   udp");
	assert_string_equal(rs->name[2], "A-Z_a.z/0@9+x:y");
	memset(name63, 'n', 63);
	strcpy(name63 + 63, ": tcp");
	add(rs, name63);
	assert_int_equal(strlen(rs->name[3]), 63);
	/* several rules may name one subsystem */
	add(rs, "dns: udp port 53");
	add(rs, "dns: tcp port 53");
	assert_string_equal(rs->name[4], "dns");
	assert_string_equal(rs->name[5], "dns");
	assert_int_equal(rs->n, 6);
}

static void rules_parse__comments_and_blanks__nothing_added_text_trimmed(void **state)
{
	struct ls_rules *rs = *state;
	char err[ERR_LEN];

	assert_int_equal(ls_rules_parse_line(rs, "", "t", 1, err, sizeof(err)), 0);
	assert_int_equal(ls_rules_parse_line(rs, " \t \r", "t", 1, err, sizeof(err)), 0);
	assert_int_equal(ls_rules_parse_line(rs, "# a: tcp", "t", 1, err, sizeof(err)), 0);
	assert_int_equal(ls_rules_parse_line(rs, "   # indented", "t", 1, err, sizeof(err)), 0);
	assert_int_equal(rs->n, 0);

	add(rs, "  web:  tcp   port 80 \t# the web UI\r");
	assert_string_equal(rs->text[0], "web:  tcp   port 80");
	assert_int_equal(rs->rule[0].port_lo, 80);
	/* '#' inside a token is not a comment */
	add(rs, "x: comm a#b");
	assert_string_equal(rs->rule[1].comm, "a#b");
	assert_string_equal(rs->text[1], "x: comm a#b");
}

static void rules_need__several_rules__or_of_match_bits(void **state)
{
	struct ls_rules *rs = *state;

	assert_int_equal(ls_rules_need(rs), 0);
	add(rs, "a: tcp port 443");
	add(rs, "b: thread worker");
	add(rs, "c: exec tc");
	assert_int_equal(ls_rules_need(rs), LS_RM_FAMILY | LS_RM_PROTO | LS_RM_PORT |
						   LS_RM_THREAD | LS_RM_CHILD);
}

static void rules_match_child__exec_rules__first_with_that_name(void **state)
{
	struct ls_rules *rs = *state;

	add(rs, "stats: comm tc");		/* not an exec rule */
	add(rs, "cake-stats: exec tc");
	add(rs, "tc-again: exec tc");
	add(rs, "pinger: exec ping");
	add(rs, "long: exec 123456789012345");
	assert_int_equal(ls_rules_match_child(rs, "tc"), 1);
	assert_int_equal(ls_rules_match_child(rs, "ping"), 3);
	assert_int_equal(ls_rules_match_child(rs, "123456789012345"), 4);
	assert_int_equal(ls_rules_match_child(rs, "ssh"), -1);
	assert_int_equal(ls_rules_match_child(rs, "t"), -1);
	assert_int_equal(ls_rules_match_child(rs, "tc2"), -1);
	assert_int_equal(ls_rules_match_child(rs, ""), -1);
}

static void rules_free__filled_set__empty_and_reusable(void **state)
{
	struct ls_rules *rs = *state;

	add(rs, "a: tcp");
	add(rs, "b: udp");
	ls_rules_free(rs);
	assert_int_equal(rs->n, 0);
	assert_null(rs->text[0]);
	add(rs, "c: unix");
	assert_string_equal(rs->name[0], "c");
	assert_string_equal(rs->text[0], "c: unix");
}

/* ---- errors: "src:line:column: message" ---- */

static void rules_parse__unknown_keyword__its_column(void **state)
{
	expect_err("web: tcp prot 80", 10, "unknown term 'prot'");
	expect_err("web: TCP", 6, "unknown term 'TCP'");
	expect_err("web: tcp:443", 6, "unknown term 'tcp:443'");
	expect_err("\tweb: udp 10.0.0.1", 11, "unknown term '10.0.0.1'");
}

static void rules_parse__bad_address__address_column(void **state)
{
	expect_err("r: peer 10.0.0.256", 9, "'10.0.0.256' is not an IPv4 or IPv6 address");
	expect_err("r: peer router.lan", 9, "not an IPv4 or IPv6 address");
	expect_err("r: peer 2001:db8:::1/64", 9, "'2001:db8:::1' is not an IPv4 or IPv6");
	expect_err("r: peer [1.2.3.4]", 9, "not an IPv4 or IPv6 address");
	expect_err("r: peer [::1", 9, "not a bracketed IPv6 address");
	expect_err("r: peer /24", 9, "not an IPv4 or IPv6 address");
	expect_err("r: peer 1111:2222:3333:4444:5555:6666:7777:8888:9999", 9,
		   "not an IPv4 or IPv6 address");
}

static void rules_parse__bad_prefix_length__length_column(void **state)
{
	expect_err("r: peer 10.0.0.0/33", 18, "prefix length 33 is out of range for IPv4 (0..32)");
	expect_err("r: peer 2001:db8::/129", 20,
		   "prefix length 129 is out of range for IPv6 (0..128)");
	expect_err("r: peer 10.0.0.0/-1", 18, "out of range for IPv4");
	expect_err("r: peer 10.0.0.0/8a", 18, "'8a' is not a prefix length");
	expect_err("r: peer 10.0.0.0/", 18, "missing prefix length after '/'");
}

static void rules_parse__bad_port__number_column(void **state)
{
	expect_err("d: udp port 0", 13, "port 0 is out of range 1..65535");
	expect_err("d: udp port 70000", 13, "port 70000 is out of range 1..65535");
	expect_err("d: udp port 53-70000", 16, "port 70000 is out of range");
	expect_err("d: udp port 99999999999999999999", 13, "out of range");
	expect_err("d: udp port domain", 13, "'domain' is not a port number");
	expect_err("d: udp port 53-", 16, "missing port number");
	expect_err("d: udp port -53", 13, "missing port number");
	expect_err("d: udp port 90-80", 13, "reversed port range 90-80");
	expect_err("d: lport 0", 10, "port 0 is out of range");
	expect_err("d: lport 2000-1999", 10, "reversed port range 2000-1999");
}

static void rules_parse__missing_value_at_end__keyword_column(void **state)
{
	expect_err("r: tcp peer", 8, "'peer' needs an address");
	expect_err("r: tcp port", 8, "'port' needs a port");
	expect_err("r: lport   ", 4, "'lport' needs a port");
	expect_err("r: nlmsg # tc", 4, "'nlmsg' needs message classes");
	expect_err("r: comm", 4, "'comm' needs a process name");
	expect_err("r: thread", 4, "'thread' needs a thread name");
	expect_err("r: exe", 4, "'exe' needs a file path");
	expect_err("r: exec", 4, "'exec' needs a child process name");
	expect_err("r: netlink:", 12, "missing protocol after 'netlink:'");
}

static void rules_parse__duplicate_term__second_occurrence(void **state)
{
	expect_err("r: tcp port 80 tcp", 16, "duplicate 'tcp' (first at column 4)");
	expect_err("r: port 80 port 81", 12, "duplicate 'port' (first at column 4)");
	expect_err("r: netlink netlink:route", 12, "duplicate 'netlink'");
	expect_err("r: comm a comm b", 11, "duplicate 'comm'");
	expect_err("r: peer 1.1.1.1 peer 8.8.8.8", 17, "duplicate 'peer'");
	expect_err("r: nlmsg tc,link,tc", 18, "duplicate netlink message class 'tc'");
}

static void rules_parse__conflicting_terms__second_term_column(void **state)
{
	expect_err("r: tcp unix", 8,
		   "'unix' contradicts 'tcp' at column 4: a socket has one family");
	expect_err("r: inet inet6", 9, "'inet6' contradicts 'inet' at column 4");
	expect_err("r: unix netlink", 9, "'netlink' contradicts 'unix'");
	expect_err("r: netlink:route tcp", 18, "'tcp' contradicts 'netlink:route'");
	expect_err("r: tcp udp", 8, "a socket has one protocol");
	expect_err("r: stream dgram", 11, "a socket has one type");
	expect_err("r: tcp dgram", 8, "TCP sockets are streams");
	expect_err("r: udp stream", 8, "never streams");
	expect_err("r: icmp port 80", 9,
		   "'port' contradicts 'icmp' at column 4: ping sockets have no ports");
	expect_err("r: lport 80 icmp", 13, "'icmp' contradicts 'lport' at column 4");
	expect_err("r: unix port 80", 9, "only IP sockets have peers and ports");
	expect_err("r: nlmsg tc peer 10.0.0.1", 13, "only IP sockets have peers and ports");
	expect_err("r: exec tc tcp", 12,
		   "'tcp' contradicts 'exec' at column 4: 'exec' renames a child process");
	expect_err("r: port 443 exec curl", 13, "'exec' contradicts 'port' at column 4");
	expect_err("r: comm wanctl exec tc", 16, "'exec' contradicts 'comm'");
	expect_err("r: netlink:generic nlmsg tc", 20, "'nlmsg' contradicts 'netlink:generic'");
	expect_err("r: nlmsg tc netlink:audit", 13, "'netlink:audit' contradicts 'nlmsg'");
	expect_err("r: inet6 peer 10.0.0.1", 10,
		   "'peer' contradicts 'inet6' at column 4: an inet6 socket sees IPv4 peers as "
		   "::ffff:a.b.c.d");
	expect_err("r: peer ::1 inet", 13, "'inet' contradicts 'peer' at column 4");
	/* the earliest conflicting term is named */
	expect_err("r: udp dgram tcp", 14, "'tcp' contradicts 'udp' at column 4");
}

static void rules_parse__bad_name__offending_character(void **state)
{
	char name64[80];

	expect_err("router rest: tcp", 7, "subsystem name contains a blank");
	expect_err("  router\trest: tcp", 9, "subsystem name contains a blank");
	expect_err("cake*stats: nlmsg tc", 5, "subsystem name contains '*'");
	expect_err("caf\xc3\xa9: tcp", 4, "subsystem name contains byte 0xc3");
	expect_err(": tcp", 1, "missing subsystem name");
	memset(name64, 'n', 64);
	strcpy(name64 + 64, ": tcp");
	expect_err(name64, 64, "subsystem name longer than 63 characters");
}

static void rules_parse__missing_colon__column_after_name(void **state)
{
	expect_err("router-rest tcp port 443", 12, "missing ':' after the subsystem name");
	expect_err("router-rest:tcp port 443", 16, "missing ':'");
	expect_err("   dns", 7, "missing ':'");
	expect_err("web tcp # web:", 4, "missing ':'");
}

static void rules_parse__no_terms__column_after_colon(void **state)
{
	expect_err("web:", 5, "rule has no terms");
	expect_err("web:   # later", 5, "rule has no terms");
}

static void rules_parse__task_term_values__value_column(void **state)
{
	expect_err("c: comm wanctl-controller", 9,
		   "'wanctl-controller' is longer than 15 characters; the kernel keeps only "
		   "'wanctl-controll'");
	expect_err("c: thread 1234567890123456", 11, "longer than 15 characters");
	expect_err("c: exec 1234567890123456", 9, "longer than 15 characters");
	expect_err("c: exe /nonexistent/latscope-test", 8,
		   "cannot stat '/nonexistent/latscope-test': No such file or directory");
	expect_err("c: exe " FIXTURES, 8, "is not a regular file");
	expect_err("c: netlink:nope", 12, "unknown netlink protocol 'nope'");
	expect_err("c: netlink:32", 12, "netlink protocol '32' is not a number in 0..31");
	expect_err("c: nlmsg tc,qdisc", 13, "unknown netlink message class 'qdisc'");
	expect_err("c: nlmsg tc,,link", 13, "empty netlink message class");
	expect_err("c: nlmsg tc,", 13, "empty netlink message class");
}

static void rules_parse__too_many_rules__error_on_the_extra_one(void **state)
{
	struct ls_rules *rs = *state;
	char line[32];
	int i;

	for (i = 0; i < LS_MAX_RULES; i++) {
		snprintf(line, sizeof(line), "r%d: lport %d", i, i + 1);
		add(rs, line);
	}
	expect_err_at(rs, "  extra: tcp", "t.conf", 40, 3, "more than 32 rules");
	/* blank lines and comments still pass */
	assert_int_equal(ls_rules_parse_line(rs, "# done", "t.conf", 41, NULL, 0), 0);
	assert_int_equal(rs->n, LS_MAX_RULES);
}

static void rules_parse__command_line_rule__src_is_rule_option(void **state)
{
	struct ls_rules *rs = *state;

	expect_err_at(rs, "web: tcp port 0", "--rule", 2, 15, "port 0 is out of range");
	/* no error buffer: still an error */
	assert_int_equal(ls_rules_parse_line(rs, "web: tcp port 0", "--rule", 1, NULL, 0), -EINVAL);
	assert_int_equal(rs->n, 0);
}

static void rules_parse__line_too_long__error_at_limit(void **state)
{
	struct ls_rules *rs = *state;
	char *line = malloc(LS_RULE_LINE_MAX + 2);

	assert_non_null(line);
	/* exactly the limit is fine */
	memcpy(line, "a: tcp", 6);
	memset(line + 6, ' ', LS_RULE_LINE_MAX - 6);
	line[LS_RULE_LINE_MAX] = '\0';
	add(rs, line);
	line[LS_RULE_LINE_MAX] = ' ';
	line[LS_RULE_LINE_MAX + 1] = '\0';
	expect_err_at(rs, line, "--rule", 1, LS_RULE_LINE_MAX + 1, "line longer than 4096 bytes");
	free(line);
}

/* ---- files ---- */

static const char *write_tmp(const char *data, size_t len)
{
	int fd;

	strcpy(tmp_file, "/tmp/latscope-rules-XXXXXX");
	fd = mkstemp(tmp_file);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
	return tmp_file;
}

static void expect_file_err(struct ls_rules *rs, const char *path, int ret, const char *want)
{
	char err[ERR_LEN];

	memset(err, POISON, sizeof(err));
	assert_int_equal(ls_rules_load_file(rs, path, err, sizeof(err)), ret);
	if (strcmp(err, want))
		fail_msg("got \"%s\", want \"%s\"", err, want);
}

static void rules_load_file__wan_fixture__expected_rules(void **state)
{
	struct ls_rules *rs = *state;
	char err[ERR_LEN] = "";
	static const char *const names[] = {
		"router-rest", "router-ssh", "router-lan", "ping:1.1.1.1", "ping:8.8.8.8",
		"ping:2606:4700:4700::1111", "cake-stats", "cake-stats", "ping-child", "dns",
	};
	const struct ls_rule *r = rs->rule;
	size_t i;

	if (ls_rules_load_file(rs, FIXTURES "rules_wan.conf", err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(rs->n, sizeof(names) / sizeof(names[0]));
	for (i = 0; i < rs->n; i++)
		assert_string_equal(rs->name[i], names[i]);

	assert_string_equal(rs->text[0], "router-rest: tcp peer 192.168.88.1 port 443");
	assert_int_equal(r[0].match, LS_RM_FAMILY | LS_RM_PROTO | LS_RM_PEER | LS_RM_PORT);
	assert_int_equal(r[0].protocol, 6);
	assert_addr(&r[0], AF_INET, "192.168.88.1", 32);
	assert_int_equal(r[0].port_lo, 443);
	assert_int_equal(r[0].port_hi, 443);
	assert_int_equal(r[1].port_lo, 22);
	assert_addr(&r[1], AF_INET, "192.168.88.1", 32);
	assert_string_equal(rs->text[2], "router-lan:  peer 192.168.88.0/24");
	assert_int_equal(r[2].match, LS_RM_PEER);
	assert_addr(&r[2], AF_INET, "192.168.88.0", 24);
	assert_int_equal(r[3].match, LS_RM_FAMILY | LS_RM_PROTO | LS_RM_PEER);
	assert_int_equal(r[3].protocol, LS_PROTO_ICMP_ANY);
	assert_addr(&r[3], AF_INET, "1.1.1.1", 32);
	assert_addr(&r[4], AF_INET, "8.8.8.8", 32);
	assert_addr(&r[5], AF_INET6, "2606:4700:4700::1111", 128);
	assert_int_equal(r[6].match, LS_RM_FAMILY | LS_RM_PROTO | LS_RM_NLCLASS);
	assert_int_equal(r[6].nl_mask, 1U << LS_NL_TC);
	assert_int_equal(r[7].match, LS_RM_CHILD);
	assert_string_equal(r[7].child, "tc");
	assert_string_equal(r[8].child, "ping");
	assert_int_equal(r[9].match, LS_RM_FAMILY | LS_RM_PROTO | LS_RM_PORT);
	assert_int_equal(r[9].protocol, 17);
	assert_int_equal(r[9].port_lo, 53);
	assert_int_equal(ls_rules_match_child(rs, "tc"), 7);
	assert_int_equal(ls_rules_match_child(rs, "ping"), 8);
}

static void rules_load_file__bad_line__stops_with_path_line_column(void **state)
{
	static const char data[] = "# rules\n"
				   "a: tcp port 80\n"
				   "\n"
				   "b: udp port 0\n"
				   "c: unix\n";
	struct ls_rules *rs = *state;
	const char *path = write_tmp(data, sizeof(data) - 1);
	char want[128];

	snprintf(want, sizeof(want), "%s:4:13: port 0 is out of range 1..65535", path);
	expect_file_err(rs, path, -EINVAL, want);
	/* the rules before the error stay; nothing after it was read */
	assert_int_equal(rs->n, 1);
	assert_string_equal(rs->name[0], "a");
}

static void rules_load_file__no_final_newline_crlf__all_rules(void **state)
{
	static const char data[] = "a: tcp\r\nb: udp port 53\r\n\r\nc: unix";
	struct ls_rules *rs = *state;
	const char *path = write_tmp(data, sizeof(data) - 1);
	char err[ERR_LEN] = "";

	assert_int_equal(ls_rules_load_file(rs, path, err, sizeof(err)), 0);
	assert_int_equal(rs->n, 3);
	assert_string_equal(rs->text[1], "b: udp port 53");
	assert_string_equal(rs->name[2], "c");
}

static void rules_load_file__line_too_long__error_at_column_4097(void **state)
{
	struct ls_rules *rs = *state;
	size_t len = 2 * LS_RULE_LINE_MAX + 64;
	char *data = malloc(len), want[128];
	const char *path;

	assert_non_null(data);
	/* line 1: exactly 4096 bytes; line 2: one more */
	memset(data, ' ', len);
	memcpy(data, "a: tcp", 6);
	data[LS_RULE_LINE_MAX] = '\n';
	memcpy(data + LS_RULE_LINE_MAX + 1, "b: udp", 6);
	data[2 * LS_RULE_LINE_MAX + 2] = '\n';
	path = write_tmp(data, 2 * LS_RULE_LINE_MAX + 3);
	snprintf(want, sizeof(want), "%s:2:4097: line longer than 4096 bytes", path);
	expect_file_err(rs, path, -EINVAL, want);
	assert_int_equal(rs->n, 1);
	free(data);
}

static void rules_load_file__nul_byte__error_at_its_column(void **state)
{
	static const char data[] = "a: tcp\nb: u\0dp\n";
	struct ls_rules *rs = *state;
	const char *path = write_tmp(data, sizeof(data) - 1);
	char want[128];

	snprintf(want, sizeof(want), "%s:2:5: NUL byte in a text file", path);
	expect_file_err(rs, path, -EINVAL, want);
}

static void rules_load_file__unreadable__negative_errno_and_message(void **state)
{
	struct ls_rules *rs = *state;

	expect_file_err(rs, "/nonexistent/wan.rules", -ENOENT,
			"/nonexistent/wan.rules: No such file or directory");
	expect_file_err(rs, FIXTURES, -EISDIR, FIXTURES ": Is a directory");
	assert_int_equal(rs->n, 0);
}

/* ---- the matcher the kernel runs ---- */

static struct ls_sockinfo sock_ip(int type, int proto, const char *peer, __u16 dport,
				  __u16 sport)
{
	struct ls_sockinfo si = { .is_sock = 1, .type = (__u8)type, .protocol = (__u16)proto,
				  .dport = dport, .sport = sport };
	int family = strchr(peer, ':') ? AF_INET6 : AF_INET;

	si.family = (__u8)family;
	si.dfamily = (__u8)family;
	assert_int_equal(inet_pton(family, peer, si.daddr), 1);
	return si;
}

static struct ls_sockinfo sock_tcp(const char *peer, __u16 dport)
{
	return sock_ip(1, 6, peer, dport, 40000);
}

static struct ls_sockinfo sock_netlink(int proto, enum ls_nlclass cls)
{
	struct ls_sockinfo si = { .is_sock = 1, .family = 16, .type = 3,
				  .protocol = (__u16)proto, .nlclass = (__u8)cls };

	return si;
}

static struct ls_task_facts task(const char *comm, const char *thread)
{
	struct ls_task_facts t;

	/* the kernel's names are NUL-padded to 16 bytes */
	memset(&t, 0, sizeof(t));
	memcpy(t.comm, comm, strnlen(comm, sizeof(t.comm) - 1));
	memcpy(t.thread, thread, strnlen(thread, sizeof(t.thread) - 1));
	return t;
}

static const struct ls_task_facts any_task = { .comm = "wanctl", .thread = "wanctl" };

/* A one-rule set: does the rule match? */
static bool matches(const char *line, const struct ls_sockinfo *si, const struct ls_task_facts *t)
{
	struct ls_rules rs;
	bool m;

	ls_rules_init(&rs);
	add(&rs, line);
	m = ls_rule_matches(&rs.rule[0], si, t);
	ls_rules_free(&rs);
	return m;
}

/* Like the BPF program's loop: the first rule that matches names the call. */
static const char *name_of(const struct ls_rules *rs, const struct ls_sockinfo *si,
			   const struct ls_task_facts *t)
{
	size_t i;

	for (i = 0; i < rs->n; i++) {
		if (ls_rule_matches(&rs->rule[i], si, t))
			return rs->name[i];
	}
	return "(built-in)";
}

static void rule_matches__ipv4_cidr__prefix_edges(void **state)
{
	struct ls_sockinfo si;

	si = sock_tcp("10.255.255.255", 80);
	assert_true(matches("r: peer 10.0.0.0/8", &si, &any_task));
	si = sock_tcp("10.0.0.0", 80);
	assert_true(matches("r: peer 10.0.0.0/8", &si, &any_task));
	si = sock_tcp("11.0.0.0", 80);
	assert_false(matches("r: peer 10.0.0.0/8", &si, &any_task));
	si = sock_tcp("9.255.255.255", 80);
	assert_false(matches("r: peer 10.0.0.0/8", &si, &any_task));

	si = sock_tcp("192.168.88.1", 443);
	assert_true(matches("r: peer 192.168.88.1", &si, &any_task));
	assert_true(matches("r: peer 192.168.88.1/32", &si, &any_task));
	si = sock_tcp("192.168.88.2", 443);
	assert_false(matches("r: peer 192.168.88.1/32", &si, &any_task));
	si = sock_tcp("192.168.88.0", 443);
	assert_false(matches("r: peer 192.168.88.1", &si, &any_task));

	/* /26 ends inside a byte: .64-.127 */
	si = sock_tcp("192.168.88.64", 443);
	assert_true(matches("r: peer 192.168.88.77/26", &si, &any_task));
	si = sock_tcp("192.168.88.127", 443);
	assert_true(matches("r: peer 192.168.88.64/26", &si, &any_task));
	si = sock_tcp("192.168.88.128", 443);
	assert_false(matches("r: peer 192.168.88.64/26", &si, &any_task));
	si = sock_tcp("192.168.88.63", 443);
	assert_false(matches("r: peer 192.168.88.64/26", &si, &any_task));

	/* /0: every IPv4 peer, but no IPv6 one */
	si = sock_tcp("255.255.255.255", 1);
	assert_true(matches("r: peer 0.0.0.0/0", &si, &any_task));
	si = sock_tcp("0.0.0.0", 1);
	assert_true(matches("r: peer 0.0.0.0/0", &si, &any_task));
	si = sock_tcp("::", 1);
	assert_false(matches("r: peer 0.0.0.0/0", &si, &any_task));
	/* a dual-stack socket's IPv4 peer is v4-mapped IPv6 */
	si = sock_tcp("::ffff:10.0.0.1", 1);
	assert_false(matches("r: peer 10.0.0.1", &si, &any_task));
	assert_true(matches("r: peer ::ffff:10.0.0.0/104", &si, &any_task));

	/* no peer (unconnected, nothing sent yet) never matches a peer rule */
	si = sock_tcp("0.0.0.0", 0);
	si.dfamily = 0;
	assert_false(matches("r: peer 0.0.0.0/0", &si, &any_task));
}

static void rule_matches__ipv6_cidr__prefix_edges(void **state)
{
	struct ls_sockinfo si;

	si = sock_tcp("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", 443);
	assert_true(matches("r: peer 2001:db8::/32", &si, &any_task));
	si = sock_tcp("2001:db9::1", 443);
	assert_false(matches("r: peer 2001:db8::/32", &si, &any_task));
	si = sock_tcp("2001:db7:ffff::1", 443);
	assert_false(matches("r: peer 2001:db8::/32", &si, &any_task));

	/* /33: the first bit of the third group */
	si = sock_tcp("2001:db8:7fff::1", 443);
	assert_true(matches("r: peer 2001:db8::/33", &si, &any_task));
	si = sock_tcp("2001:db8:8000::", 443);
	assert_false(matches("r: peer 2001:db8::/33", &si, &any_task));
	assert_true(matches("r: peer 2001:db8:8000::/33", &si, &any_task));

	/* /128 exact */
	si = sock_tcp("2606:4700:4700::1111", 443);
	assert_true(matches("r: peer 2606:4700:4700::1111", &si, &any_task));
	assert_true(matches("r: peer 2606:4700:4700::1111/128", &si, &any_task));
	si = sock_tcp("2606:4700:4700::1110", 443);
	assert_false(matches("r: peer 2606:4700:4700::1111/128", &si, &any_task));

	/* /127: a pair of addresses, ::1110 and ::1111 */
	si = sock_tcp("2606:4700:4700::1110", 443);
	assert_true(matches("r: peer 2606:4700:4700::1111/127", &si, &any_task));
	si = sock_tcp("2606:4700:4700::1111", 443);
	assert_true(matches("r: peer 2606:4700:4700::1110/127", &si, &any_task));
	si = sock_tcp("2606:4700:4700::1112", 443);
	assert_false(matches("r: peer 2606:4700:4700::1110/127", &si, &any_task));
	si = sock_tcp("2606:4700:4700::110f", 443);
	assert_false(matches("r: peer 2606:4700:4700::1110/127", &si, &any_task));

	/* ::/0 takes every IPv6 peer and no IPv4 one */
	si = sock_tcp("ffff::1", 1);
	assert_true(matches("r: peer ::/0", &si, &any_task));
	si = sock_tcp("1.2.3.4", 1);
	assert_false(matches("r: peer ::/0", &si, &any_task));
}

static void rule_matches__port_range__inclusive_edges(void **state)
{
	struct ls_sockinfo si;

	si = sock_tcp("10.0.0.1", 8000);
	assert_true(matches("r: port 8000-8080", &si, &any_task));
	si.dport = 8080;
	assert_true(matches("r: port 8000-8080", &si, &any_task));
	si.dport = 7999;
	assert_false(matches("r: port 8000-8080", &si, &any_task));
	si.dport = 8081;
	assert_false(matches("r: port 8000-8080", &si, &any_task));
	si.dport = 443;
	assert_true(matches("r: port 443", &si, &any_task));
	si.dport = 444;
	assert_false(matches("r: port 443", &si, &any_task));
	si.dport = 65535;
	assert_true(matches("r: port 1-65535", &si, &any_task));
	/* without a peer there is no peer port */
	si.dfamily = 0;
	assert_false(matches("r: port 1-65535", &si, &any_task));
}

static void rule_matches__lport__local_port_not_peer_port(void **state)
{
	struct ls_sockinfo si = sock_ip(1, 6, "10.9.8.7", 51000, 8080);

	/* a serving socket: the peer is the client on an ephemeral port */
	assert_true(matches("api: tcp lport 8080", &si, &any_task));
	assert_false(matches("api: tcp port 8080", &si, &any_task));
	assert_true(matches("api: lport 8000-8080", &si, &any_task));
	assert_false(matches("api: lport 8081-9000", &si, &any_task));
	si.sport = 7999;
	assert_false(matches("api: lport 8000-8080", &si, &any_task));
}

static void rule_matches__protocols__families_and_types(void **state)
{
	struct ls_sockinfo si;

	si = sock_ip(1, 6, "10.0.0.1", 443, 40000);
	assert_true(matches("r: tcp", &si, &any_task));
	assert_true(matches("r: tcp inet", &si, &any_task));
	assert_false(matches("r: tcp inet6", &si, &any_task));
	assert_false(matches("r: udp", &si, &any_task));
	assert_true(matches("r: stream", &si, &any_task));
	assert_false(matches("r: dgram", &si, &any_task));
	si = sock_ip(1, 6, "::1", 443, 40000);
	assert_true(matches("r: tcp", &si, &any_task));
	assert_true(matches("r: inet6 stream", &si, &any_task));
	si = sock_ip(2, 17, "9.9.9.9", 53, 40000);
	assert_true(matches("dns: udp port 53", &si, &any_task));
	assert_false(matches("dns: tcp port 53", &si, &any_task));
	/* ping sockets are ICMP or ICMPv6 */
	si = sock_ip(2, 1, "1.1.1.1", 0, 7);
	assert_true(matches("p: icmp peer 1.1.1.1", &si, &any_task));
	si = sock_ip(2, 58, "2606:4700:4700::1111", 0, 7);
	assert_true(matches("p: icmp", &si, &any_task));
	assert_false(matches("p: icmp peer 1.1.1.1", &si, &any_task));
	/* a ping socket is a datagram socket; ping without CAP_NET_RAW... */
	assert_true(matches("p: icmp dgram", &si, &any_task));
	assert_false(matches("p: icmp raw", &si, &any_task));
	/* ...and with it, a raw one */
	si.type = 3;
	assert_true(matches("p: icmp raw", &si, &any_task));
	si = sock_netlink(0, LS_NL_NONE);
	assert_false(matches("r: tcp", &si, &any_task));
	assert_true(matches("r: netlink", &si, &any_task));
	assert_true(matches("r: netlink:route", &si, &any_task));
	assert_false(matches("r: netlink:generic", &si, &any_task));
	assert_false(matches("r: unix", &si, &any_task));
	si.family = 1;
	assert_true(matches("r: unix", &si, &any_task));
}

static void rule_matches__nlmsg__request_class_mask(void **state)
{
	struct ls_sockinfo si = sock_netlink(0, LS_NL_TC);

	assert_true(matches("cake: nlmsg tc", &si, &any_task));
	assert_true(matches("cake: nlmsg link,tc", &si, &any_task));
	assert_false(matches("cake: nlmsg link,addr,route,neigh,rule,other", &si, &any_task));
	si.nlclass = LS_NL_OTHER;
	assert_true(matches("r: nlmsg other", &si, &any_task));
	assert_false(matches("r: nlmsg tc", &si, &any_task));
	/* before the first request a socket has no class */
	si.nlclass = LS_NL_NONE;
	assert_false(matches("r: nlmsg tc,link,addr,route,neigh,rule,other", &si, &any_task));
	/* the class only means something on NETLINK_ROUTE */
	si = sock_netlink(16, LS_NL_TC);
	assert_false(matches("cake: nlmsg tc", &si, &any_task));
}

static void rule_matches__comm_thread_exe__exact_names(void **state)
{
	struct ls_sockinfo none = { .is_sock = 0 };
	struct ls_task_facts t = task("wanctl", "prom-export");
	struct ls_rules rs;
	struct stat st;

	assert_true(matches("r: comm wanctl", &none, &t));
	assert_false(matches("r: comm wanct", &none, &t));
	assert_false(matches("r: comm wanctl2", &none, &t));
	assert_true(matches("r: thread prom-export", &none, &t));
	assert_false(matches("r: thread wanctl", &none, &t));
	assert_true(matches("r: comm wanctl thread prom-export", &none, &t));
	assert_false(matches("r: comm wanctl thread worker", &none, &t));
	t = task("123456789012345", "x");
	assert_true(matches("r: comm 123456789012345", &none, &t));
	assert_false(matches("r: comm 12345678901234", &none, &t));

	ls_rules_init(&rs);
	assert_int_equal(stat(FIXTURES "rules_wan.conf", &st), 0);
	add(&rs, "r: exe " FIXTURES "rules_wan.conf");
	t.exe_ino = st.st_ino;
	t.exe_dev = major(st.st_dev) << 20 | minor(st.st_dev);
	assert_true(ls_rule_matches(&rs.rule[0], &none, &t));
	t.exe_ino++;
	assert_false(ls_rule_matches(&rs.rule[0], &none, &t));
	t.exe_ino--;
	t.exe_dev ^= 1U << 20;
	assert_false(ls_rule_matches(&rs.rule[0], &none, &t));
	ls_rules_free(&rs);
}

static void rule_matches__socket_rule_non_socket_call__never(void **state)
{
	struct ls_sockinfo none = { .is_sock = 0 };
	struct ls_task_facts t = task("wanctl", "wanctl");
	struct ls_sockinfo si;

	/* socket facts count only on a socket, whatever else the struct holds */
	si = sock_ip(1, 6, "10.0.0.1", 443, 40000);
	si.is_sock = 0;
	assert_false(matches("r: tcp", &si, &t));
	assert_false(matches("r: stream", &si, &t));
	assert_false(matches("r: peer 10.0.0.0/8", &si, &t));
	assert_false(matches("r: port 443", &si, &t));
	assert_false(matches("r: lport 40000", &si, &t));
	assert_false(matches("r: comm wanctl port 443", &si, &t));
	si = sock_netlink(0, LS_NL_TC);
	si.is_sock = 0;
	assert_false(matches("r: nlmsg tc", &si, &t));
	si.is_sock = 1;
	assert_true(matches("r: nlmsg tc", &si, &t));

	assert_false(matches("r: peer 0.0.0.0/0", &none, &t));
	assert_false(matches("r: lport 1-65535", &none, &t));
	assert_false(matches("r: stream", &none, &t));
	assert_false(matches("r: netlink", &none, &t));
	assert_false(matches("r: comm wanctl tcp", &none, &t));
	assert_false(matches("r: nlmsg tc,link,addr,route,neigh,rule,other", &none, &t));
}

static void rule_matches__comm_only_rule__any_call(void **state)
{
	struct ls_sockinfo none = { .is_sock = 0 };
	struct ls_sockinfo tcp = sock_tcp("10.0.0.1", 443);
	struct ls_sockinfo nl = sock_netlink(0, LS_NL_TC);
	struct ls_task_facts t = task("wanctl", "worker");

	assert_true(matches("w: comm wanctl", &none, &t));
	assert_true(matches("w: comm wanctl", &tcp, &t));
	assert_true(matches("w: comm wanctl", &nl, &t));
	assert_true(matches("w: thread worker", &tcp, &t));
}

static void rule_matches__exec_rule__never_in_the_kernel(void **state)
{
	struct ls_sockinfo none = { .is_sock = 0 };
	struct ls_task_facts t = task("tc", "tc");

	/* exec:<comm> entries are renamed in user space, not matched per call */
	assert_false(matches("cake-stats: exec tc", &none, &t));
}

static void rule_matches__several_rules__first_match_wins(void **state)
{
	struct ls_rules *rs = *state;
	struct ls_task_facts t = task("wanctl", "wanctl");
	struct ls_sockinfo si;

	add(rs, "rest: tcp peer 192.168.88.1 port 443");
	add(rs, "lan: peer 192.168.88.0/24");
	add(rs, "web: tcp port 443");
	add(rs, "ctl: comm wanctl");

	si = sock_tcp("192.168.88.1", 443);
	assert_string_equal(name_of(rs, &si, &t), "rest");
	si = sock_tcp("192.168.88.1", 8728);
	assert_string_equal(name_of(rs, &si, &t), "lan");
	si = sock_tcp("192.168.88.2", 443);
	assert_string_equal(name_of(rs, &si, &t), "lan");
	si = sock_tcp("1.2.3.4", 443);
	assert_string_equal(name_of(rs, &si, &t), "web");
	si = sock_tcp("1.2.3.4", 80);
	assert_string_equal(name_of(rs, &si, &t), "ctl");
	t = task("other", "other");
	assert_string_equal(name_of(rs, &si, &t), "(built-in)");
	/* the same rules in the other order: the broad one shadows the rest */
	ls_rules_free(rs);
	add(rs, "lan: peer 192.168.88.0/24");
	add(rs, "rest: tcp peer 192.168.88.1 port 443");
	si = sock_tcp("192.168.88.1", 443);
	assert_string_equal(name_of(rs, &si, &t), "lan");
}

static void rule_matches__wan_fixture__names_the_controller_calls(void **state)
{
	struct ls_rules *rs = *state;
	struct ls_task_facts t = task("wanctl", "wanctl");
	char err[ERR_LEN] = "";
	struct ls_sockinfo si;

	if (ls_rules_load_file(rs, FIXTURES "rules_wan.conf", err, sizeof(err)))
		fail_msg("%s", err);
	si = sock_tcp("192.168.88.1", 443);
	assert_string_equal(name_of(rs, &si, &t), "router-rest");
	si = sock_tcp("192.168.88.1", 22);
	assert_string_equal(name_of(rs, &si, &t), "router-ssh");
	si = sock_tcp("192.168.88.1", 8291);
	assert_string_equal(name_of(rs, &si, &t), "router-lan");
	si = sock_ip(2, 17, "192.168.88.1", 53, 40000);
	assert_string_equal(name_of(rs, &si, &t), "router-lan");
	si = sock_ip(2, 1, "1.1.1.1", 0, 7);
	assert_string_equal(name_of(rs, &si, &t), "ping:1.1.1.1");
	si = sock_ip(3, 1, "8.8.8.8", 0, 0);
	assert_string_equal(name_of(rs, &si, &t), "ping:8.8.8.8");
	si = sock_ip(2, 58, "2606:4700:4700::1111", 0, 7);
	assert_string_equal(name_of(rs, &si, &t), "ping:2606:4700:4700::1111");
	si = sock_ip(2, 17, "1.1.1.1", 53, 40000);
	assert_string_equal(name_of(rs, &si, &t), "dns");
	si = sock_netlink(0, LS_NL_TC);
	assert_string_equal(name_of(rs, &si, &t), "cake-stats");
	si = sock_netlink(0, LS_NL_LINK);
	assert_string_equal(name_of(rs, &si, &t), "(built-in)");
	si = sock_tcp("203.0.113.9", 443);
	assert_string_equal(name_of(rs, &si, &t), "(built-in)");
}

#define T(f)	cmocka_unit_test_setup_teardown(f, rules_setup, rules_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(rules_parse__protocol_terms__family_protocol_type),
		T(rules_parse__netlink__family_and_protocol_by_name_or_number),
		T(rules_parse__peer__network_order_and_prefix),
		T(rules_parse__ports__single_or_inclusive_range),
		T(rules_parse__nlmsg__class_bits_on_netlink_route),
		T(rules_parse__task_terms__nul_padded_16_bytes),
		T(rules_parse__name__up_to_first_colon_blank),
		T(rules_parse__comments_and_blanks__nothing_added_text_trimmed),
		T(rules_need__several_rules__or_of_match_bits),
		T(rules_match_child__exec_rules__first_with_that_name),
		T(rules_free__filled_set__empty_and_reusable),
		T(rules_parse__unknown_keyword__its_column),
		T(rules_parse__bad_address__address_column),
		T(rules_parse__bad_prefix_length__length_column),
		T(rules_parse__bad_port__number_column),
		T(rules_parse__missing_value_at_end__keyword_column),
		T(rules_parse__duplicate_term__second_occurrence),
		T(rules_parse__conflicting_terms__second_term_column),
		T(rules_parse__bad_name__offending_character),
		T(rules_parse__missing_colon__column_after_name),
		T(rules_parse__no_terms__column_after_colon),
		T(rules_parse__task_term_values__value_column),
		T(rules_parse__too_many_rules__error_on_the_extra_one),
		T(rules_parse__command_line_rule__src_is_rule_option),
		T(rules_parse__line_too_long__error_at_limit),
		T(rules_load_file__wan_fixture__expected_rules),
		T(rules_load_file__bad_line__stops_with_path_line_column),
		T(rules_load_file__no_final_newline_crlf__all_rules),
		T(rules_load_file__line_too_long__error_at_column_4097),
		T(rules_load_file__nul_byte__error_at_its_column),
		T(rules_load_file__unreadable__negative_errno_and_message),
		T(rule_matches__ipv4_cidr__prefix_edges),
		T(rule_matches__ipv6_cidr__prefix_edges),
		T(rule_matches__port_range__inclusive_edges),
		T(rule_matches__lport__local_port_not_peer_port),
		T(rule_matches__protocols__families_and_types),
		T(rule_matches__nlmsg__request_class_mask),
		T(rule_matches__comm_thread_exe__exact_names),
		T(rule_matches__socket_rule_non_socket_call__never),
		T(rule_matches__comm_only_rule__any_call),
		T(rule_matches__exec_rule__never_in_the_kernel),
		T(rule_matches__several_rules__first_match_wins),
		T(rule_matches__wan_fixture__names_the_controller_calls),
	};

	return cmocka_run_group_tests_name("rules", tests, NULL, NULL);
}
