/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Rules are compiled once, here, into the fixed-size struct ls_rule that the
 * BPF program matches on every call (include/rule_match.h).  Whatever can be
 * checked up front is checked here: a rule that could never match is an
 * error naming its column, not a subsystem that silently stays empty.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <linux/netlink.h>
#include "parse.h"
#include "rules.h"
#include "subsys.h"

/* The BPF side has no libc: include/latscope.h spells these out for it. */
_Static_assert(LS_AF_UNIX == AF_UNIX && LS_AF_INET == AF_INET && LS_AF_INET6 == AF_INET6 &&
	       LS_AF_NETLINK == AF_NETLINK && LS_IPPROTO_ICMPV6 == IPPROTO_ICMPV6 &&
	       LS_NETLINK_ROUTE == NETLINK_ROUTE, "include/latscope.h: socket constants");

/* MAX_LINKS in include/linux/netlink.h */
#define NETLINK_PROTOS		32
#define COMM_MAX_CHARS		(LS_COMM_LEN - 1)

enum term {
	T_TCP, T_UDP, T_ICMP, T_UNIX, T_NETLINK, T_INET, T_INET6,
	T_STREAM, T_DGRAM, T_RAW, T_PEER, T_PORT, T_LPORT, T_NLMSG,
	T_COMM, T_THREAD, T_EXE, T_EXEC, T_MAX,
};

#define B(t)	(1U << (t))

/* One rule being compiled; columns are offsets into the line copy `base`. */
struct rule_ctx {
	const char *src;
	int lineno;
	const char *base;
	char *err;
	size_t errlen;
	struct ls_rule r;
	const char *kw[T_MAX];	/* each term as written, once seen */
	size_t col[T_MAX];	/* its column; 0: not seen */
};

static size_t col_of(const struct rule_ctx *c, const char *at)
{
	return (size_t)(at - c->base) + 1;
}

static int rule_err(const struct rule_ctx *c, const char *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int rule_err(const struct rule_ctx *c, const char *at, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!c->err || !c->errlen)
		return -EINVAL;
	n = snprintf(c->err, c->errlen, "%s:%d:%zu: ", c->src, c->lineno, col_of(c, at));
	if (n >= 0 && (size_t)n < c->errlen) {
		va_start(ap, fmt);
		vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/*
 * Pairs of terms no socket can satisfy together.  Rejecting them here is
 * what makes "tcp unix" an error rather than a rule that never fires.
 */
static const struct {
	__u32 a, b;
	const char *why;
} conflicts[] = {
	{ B(T_EXEC), ~B(T_EXEC),
	  "'exec' renames a child process and takes no other term" },
	{ B(T_TCP), B(T_UDP) | B(T_ICMP), "a socket has one protocol" },
	{ B(T_UDP), B(T_ICMP), "a socket has one protocol" },
	{ B(T_UNIX), B(T_TCP) | B(T_UDP) | B(T_ICMP) | B(T_NETLINK) | B(T_INET) | B(T_INET6) |
		     B(T_NLMSG),
	  "a socket has one family" },
	{ B(T_NETLINK) | B(T_NLMSG), B(T_TCP) | B(T_UDP) | B(T_ICMP) | B(T_INET) | B(T_INET6),
	  "a socket has one family" },
	{ B(T_INET), B(T_INET6), "a socket has one family" },
	{ B(T_STREAM), B(T_DGRAM) | B(T_RAW), "a socket has one type" },
	{ B(T_DGRAM), B(T_RAW), "a socket has one type" },
	{ B(T_TCP), B(T_DGRAM), "TCP sockets are streams" },
	{ B(T_UDP) | B(T_ICMP) | B(T_NETLINK) | B(T_NLMSG), B(T_STREAM),
	  "UDP, ICMP and netlink sockets are never streams" },
	{ B(T_UNIX), B(T_RAW), "the kernel turns unix SOCK_RAW into SOCK_DGRAM" },
	{ B(T_PORT) | B(T_LPORT), B(T_ICMP), "ping sockets have no ports" },
	{ B(T_PEER) | B(T_PORT) | B(T_LPORT), B(T_UNIX) | B(T_NETLINK) | B(T_NLMSG),
	  "only IP sockets have peers and ports" },
};

/* The earliest term already in the rule that t cannot go with. */
static int check_conflicts(const struct rule_ctx *c, enum term t, const char *at)
{
	const char *why = NULL;
	size_t best = 0, i;
	int s, other = -1;

	for (i = 0; i < sizeof(conflicts) / sizeof(conflicts[0]); i++) {
		__u32 mask = 0;

		if (conflicts[i].a & B(t))
			mask |= conflicts[i].b;
		if (conflicts[i].b & B(t))
			mask |= conflicts[i].a;
		for (s = 0; s < T_MAX; s++) {
			if (s == (int)t || !c->col[s] || !(mask & B(s)))
				continue;
			if (other < 0 || c->col[s] < best) {
				other = s;
				best = c->col[s];
				why = conflicts[i].why;
			}
		}
	}
	if (other < 0)
		return 0;
	return rule_err(c, at, "'%s' contradicts '%s' at column %zu: %s", c->kw[t], c->kw[other],
			best, why);
}

static int compile_inet_proto(struct rule_ctx *c, enum term t, const char *kw, char *val)
{
	static const __u16 proto[] = {
		[T_TCP] = IPPROTO_TCP, [T_UDP] = IPPROTO_UDP, [T_ICMP] = LS_PROTO_ICMP_ANY,
	};

	/* "tcp inet6" narrows the family; "tcp" alone takes either */
	if (!c->col[T_INET] && !c->col[T_INET6])
		c->r.family = LS_AF_INET_ANY;
	c->r.protocol = proto[t];
	c->r.match |= LS_RM_FAMILY | LS_RM_PROTO;
	return 0;
}

/* An inet6 socket's IPv4 peers are v4-mapped, so the families must agree. */
static const char *peer_family_conflict(enum term fam, int peer_family)
{
	if (fam == T_INET6 && peer_family == AF_INET)
		return "an inet6 socket sees IPv4 peers as ::ffff:a.b.c.d";
	if (fam == T_INET && peer_family == AF_INET6)
		return "an inet socket has no IPv6 peers";
	return NULL;
}

static int compile_inet_family(struct rule_ctx *c, enum term t, const char *kw, char *val)
{
	const char *why = c->col[T_PEER] ? peer_family_conflict(t, c->r.addr_family) : NULL;

	if (why)
		return rule_err(c, kw, "'%s' contradicts '%s' at column %zu: %s", kw, c->kw[T_PEER],
				c->col[T_PEER], why);
	c->r.family = t == T_INET ? AF_INET : AF_INET6;
	c->r.match |= LS_RM_FAMILY;
	return 0;
}

static int compile_unix(struct rule_ctx *c, enum term t, const char *kw, char *val)
{
	c->r.family = AF_UNIX;
	c->r.match |= LS_RM_FAMILY;
	return 0;
}

static int compile_netlink(struct rule_ctx *c, enum term t, const char *kw, char *val)
{
	const char *name;
	long proto = -1;
	int i;

	c->r.family = AF_NETLINK;
	c->r.match |= LS_RM_FAMILY;
	if (!val)
		return 0;	/* any netlink protocol */
	if (!*val)
		return rule_err(c, val, "missing protocol after 'netlink:'");
	if (isdigit((unsigned char)*val)) {
		if (ls_parse_long(val, 0, NETLINK_PROTOS - 1, &proto))
			return rule_err(c, val, "netlink protocol '%s' is not a number in 0..%d",
					val, NETLINK_PROTOS - 1);
	} else {
		for (i = 0; i < NETLINK_PROTOS; i++) {
			name = ls_netlink_proto_name((__u32)i);
			if (name && !strcmp(name, val)) {
				proto = i;
				break;
			}
		}
		if (proto < 0)
			return rule_err(c, val, "unknown netlink protocol '%s'", val);
	}
	if (c->col[T_NLMSG] && proto != 0)
		return rule_err(c, kw, "'%s' contradicts 'nlmsg' at column %zu: message classes "
				"are rtnetlink (netlink:route) requests", kw, c->col[T_NLMSG]);
	c->r.protocol = (__u16)proto;
	c->r.match |= LS_RM_PROTO;
	return 0;
}

static int compile_type(struct rule_ctx *c, enum term t, const char *kw, char *val)
{
	c->r.type = t == T_STREAM ? 1 : t == T_DGRAM ? 2 : 3;	/* SOCK_* */
	c->r.match |= LS_RM_TYPE;
	return 0;
}

static int compile_peer(struct rule_ctx *c, enum term t, const char *kw, char *val)
{
	char addr[INET6_ADDRSTRLEN + 2];
	char *slash = strchr(val, '/');
	size_t alen = slash ? (size_t)(slash - val) : strlen(val);
	const char *a = addr, *why;
	unsigned int bits, i;
	enum term fam;
	int family, err;
	long prefix;

	if (alen == 0 || alen >= sizeof(addr))
		return rule_err(c, val, "'%.*s' is not an IPv4 or IPv6 address", (int)alen, val);
	memcpy(addr, val, alen);
	addr[alen] = '\0';
	if (addr[0] == '[') {
		/* brackets, as in "[::1]:443", are for IPv6 only */
		if (alen < 3 || addr[alen - 1] != ']')
			return rule_err(c, val, "'%s' is not a bracketed IPv6 address", addr);
		addr[alen - 1] = '\0';
		a = addr + 1;
		family = inet_pton(AF_INET6, a, c->r.addr) == 1 ? AF_INET6 : 0;
	} else if (inet_pton(AF_INET, a, c->r.addr) == 1) {
		family = AF_INET;
	} else {
		family = inet_pton(AF_INET6, a, c->r.addr) == 1 ? AF_INET6 : 0;
	}
	if (!family)
		return rule_err(c, val, "'%s' is not an IPv4 or IPv6 address", a);

	prefix = family == AF_INET ? 32 : 128;
	if (slash) {
		if (!slash[1])
			return rule_err(c, slash + 1, "missing prefix length after '/'");
		err = ls_parse_long(slash + 1, 0, prefix, &prefix);
		if (err == -ERANGE)
			return rule_err(c, slash + 1, "prefix length %s is out of range for %s",
					slash + 1,
					family == AF_INET ? "IPv4 (0..32)" : "IPv6 (0..128)");
		if (err)
			return rule_err(c, slash + 1, "'%s' is not a prefix length", slash + 1);
	}
	fam = c->col[T_INET] ? T_INET : T_INET6;
	why = c->col[fam] ? peer_family_conflict(fam, family) : NULL;
	if (why)
		return rule_err(c, kw, "'%s' contradicts '%s' at column %zu: %s", kw, c->kw[fam],
				c->col[fam], why);
	/*
	 * "10.1.2.3/8" means 10.0.0.0/8: host bits are dropped so the stored
	 * network is canonical (and reads back as what matches).
	 */
	bits = (unsigned int)prefix;
	for (i = 0; i < sizeof(c->r.addr); i++) {
		if (bits >= 8) {
			bits -= 8;
			continue;
		}
		c->r.addr[i] &= (__u8)(0xff << (8 - bits));
		bits = 0;
	}
	c->r.addr_family = (__u8)family;
	c->r.prefix = (__u8)prefix;
	c->r.match |= LS_RM_PEER;
	return 0;
}

static int parse_port(const struct rule_ctx *c, const char *s, long *port)
{
	int err;

	if (!*s)
		return rule_err(c, s, "missing port number");
	err = ls_parse_long(s, 1, 65535, port);
	if (err == -ERANGE)
		return rule_err(c, s, "port %s is out of range 1..65535", s);
	if (err)
		return rule_err(c, s, "'%s' is not a port number", s);
	return 0;
}

static int compile_ports(struct rule_ctx *c, enum term t, const char *kw, char *val)
{
	char *dash = strchr(val, '-');
	long lo, hi;
	int err;

	if (dash)
		*dash = '\0';
	err = parse_port(c, val, &lo);
	if (err)
		return err;
	hi = lo;
	if (dash) {
		err = parse_port(c, dash + 1, &hi);
		if (err)
			return err;
		if (lo > hi)
			return rule_err(c, val, "reversed port range %ld-%ld", lo, hi);
	}
	if (t == T_PORT) {
		c->r.port_lo = (__u16)lo;
		c->r.port_hi = (__u16)hi;
		c->r.match |= LS_RM_PORT;
	} else {
		c->r.lport_lo = (__u16)lo;
		c->r.lport_hi = (__u16)hi;
		c->r.match |= LS_RM_LPORT;
	}
	return 0;
}

static const char *const nlclass_words[LS_NL_MAX] = {
	[LS_NL_TC] = "tc",	[LS_NL_LINK] = "link",	[LS_NL_ADDR] = "addr",
	[LS_NL_ROUTE] = "route", [LS_NL_NEIGH] = "neigh", [LS_NL_RULE] = "rule",
	[LS_NL_OTHER] = "other",
};

static int compile_nlmsg(struct rule_ctx *c, enum term t, const char *kw, char *val)
{
	char *item = val, *comma;
	int i, cls;

	if (c->col[T_NETLINK] && (c->r.match & LS_RM_PROTO) && c->r.protocol != 0)
		return rule_err(c, kw, "'nlmsg' contradicts '%s' at column %zu: message classes "
				"are rtnetlink (netlink:route) requests", c->kw[T_NETLINK],
				c->col[T_NETLINK]);
	for (;;) {
		comma = strchr(item, ',');
		if (comma)
			*comma = '\0';
		if (!*item)
			return rule_err(c, item, "empty netlink message class");
		cls = -1;
		for (i = 0; i < LS_NL_MAX; i++) {
			if (nlclass_words[i] && !strcmp(nlclass_words[i], item))
				cls = i;
		}
		if (cls < 0)
			return rule_err(c, item, "unknown netlink message class '%s' "
					"(tc, link, addr, route, neigh, rule, other)", item);
		if (c->r.nl_mask & (1U << cls))
			return rule_err(c, item, "duplicate netlink message class '%s'", item);
		c->r.nl_mask |= (__u16)(1U << cls);
		if (!comma)
			break;
		item = comma + 1;
	}
	/* message classes are only read from NETLINK_ROUTE requests */
	c->r.family = AF_NETLINK;
	c->r.protocol = 0;
	c->r.match |= LS_RM_FAMILY | LS_RM_PROTO | LS_RM_NLCLASS;
	return 0;
}

/* comm, thread and exec compare the kernel's LS_COMM_LEN-byte, NUL-padded names. */
static int compile_comm(struct rule_ctx *c, enum term t, const char *kw, char *val)
{
	size_t len = strlen(val);
	char *dst;

	if (len > COMM_MAX_CHARS)
		return rule_err(c, val, "'%s' is longer than %d characters; the kernel keeps only "
				"'%.*s'", val, COMM_MAX_CHARS, COMM_MAX_CHARS, val);
	dst = t == T_COMM ? c->r.comm : t == T_THREAD ? c->r.thread : c->r.child;
	memset(dst, 0, LS_COMM_LEN);
	memcpy(dst, val, len);
	c->r.match |= t == T_COMM ? LS_RM_COMM : t == T_THREAD ? LS_RM_THREAD : LS_RM_CHILD;
	return 0;
}

static int compile_exe(struct rule_ctx *c, enum term t, const char *kw, char *val)
{
	struct stat st;

	if (stat(val, &st))
		return rule_err(c, val, "cannot stat '%s': %s", val, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return rule_err(c, val, "'%s' is not a regular file", val);
	c->r.exe_ino = st.st_ino;
	/* the kernel's internal dev_t (MINORBITS = 20), which s_dev holds */
	c->r.exe_dev = (__u32)(major(st.st_dev) << 20 | minor(st.st_dev));
	c->r.match |= LS_RM_EXE;
	return 0;
}

static const struct term_def {
	const char *kw;
	enum term t;
	const char *value;	/* what the value is, for "missing value"; NULL: none */
	int (*compile)(struct rule_ctx *c, enum term t, const char *kw, char *val);
} terms[] = {
	{ "tcp", T_TCP, NULL, compile_inet_proto },
	{ "udp", T_UDP, NULL, compile_inet_proto },
	{ "icmp", T_ICMP, NULL, compile_inet_proto },
	{ "unix", T_UNIX, NULL, compile_unix },
	{ "netlink", T_NETLINK, NULL, compile_netlink },
	{ "inet", T_INET, NULL, compile_inet_family },
	{ "inet6", T_INET6, NULL, compile_inet_family },
	{ "stream", T_STREAM, NULL, compile_type },
	{ "dgram", T_DGRAM, NULL, compile_type },
	{ "raw", T_RAW, NULL, compile_type },
	{ "peer", T_PEER, "an address or ADDR/LEN", compile_peer },
	{ "port", T_PORT, "a port or range N-M", compile_ports },
	{ "lport", T_LPORT, "a port or range N-M", compile_ports },
	{ "nlmsg", T_NLMSG, "message classes (tc, link, addr, route, neigh, rule, other)",
	  compile_nlmsg },
	{ "comm", T_COMM, "a process name", compile_comm },
	{ "thread", T_THREAD, "a thread name", compile_comm },
	{ "exe", T_EXE, "a file path", compile_exe },
	{ "exec", T_EXEC, "a child process name", compile_comm },
};

/* The next blank-separated token, NUL-terminated in place; NULL at the end. */
static char *next_token(char **cur)
{
	char *p = *cur, *tok;

	while (*p && isspace((unsigned char)*p))
		p++;
	if (!*p) {
		*cur = p;
		return NULL;
	}
	tok = p;
	while (*p && !isspace((unsigned char)*p))
		p++;
	if (*p)
		*p++ = '\0';
	*cur = p;
	return tok;
}

static int compile_term(struct rule_ctx *c, char *tok, char **cur)
{
	const struct term_def *d = NULL;
	char *val = NULL;
	size_t i;
	int err;

	if (!strncmp(tok, "netlink:", 8)) {
		d = &terms[T_NETLINK];
		val = tok + 8;
	} else {
		for (i = 0; i < sizeof(terms) / sizeof(terms[0]); i++) {
			if (!strcmp(terms[i].kw, tok)) {
				d = &terms[i];
				break;
			}
		}
	}
	if (!d)
		return rule_err(c, tok, "unknown term '%s'", tok);
	if (c->col[d->t])
		return rule_err(c, tok, "duplicate '%s' (first at column %zu)", d->kw,
				c->col[d->t]);
	c->kw[d->t] = tok;
	err = check_conflicts(c, d->t, tok);
	if (err)
		return err;
	if (d->value) {
		val = next_token(cur);
		if (!val)
			return rule_err(c, tok, "'%s' needs %s", tok, d->value);
	}
	err = d->compile(c, d->t, tok, val);
	if (err)
		return err;
	c->col[d->t] = col_of(c, tok);
	return 0;
}

#define NAME_CHARS_HELP	"A-Z a-z 0-9 _ . : / @ + -"

static bool is_name_char(char ch)
{
	return isalnum((unsigned char)ch) || (ch && strchr("_.:/@+-", ch));
}

/* "NAME:" up to the first ':' followed by a blank or the end. */
static int parse_name(struct rule_ctx *c, const char *start, const char *sep, char *name)
{
	const char *p;

	if (!sep) {
		for (p = start; *p && !isspace((unsigned char)*p); p++)
			;
		return rule_err(c, p, "missing ':' after the subsystem name (NAME: TERM...)");
	}
	if (sep == start)
		return rule_err(c, sep, "missing subsystem name before ':'");
	for (p = start; p < sep; p++) {
		if (isspace((unsigned char)*p))
			return rule_err(c, p, "subsystem name contains a blank");
		if (is_name_char(*p))
			continue;
		if (isprint((unsigned char)*p))
			return rule_err(c, p, "subsystem name contains '%c' (allowed: %s)", *p,
					NAME_CHARS_HELP);
		return rule_err(c, p, "subsystem name contains byte 0x%02x (allowed: %s)",
				(unsigned char)*p, NAME_CHARS_HELP);
	}
	if (sep - start >= LS_RULE_NAME_MAX)
		return rule_err(c, start + LS_RULE_NAME_MAX - 1,
				"subsystem name longer than %d characters", LS_RULE_NAME_MAX - 1);
	memcpy(name, start, (size_t)(sep - start));
	name[sep - start] = '\0';
	return 0;
}

void ls_rules_init(struct ls_rules *rs)
{
	memset(rs, 0, sizeof(*rs));
}

/* Leaves rs empty and ready for reuse, not just without its texts. */
void ls_rules_free(struct ls_rules *rs)
{
	size_t i;

	if (!rs)
		return;
	for (i = 0; i < rs->n && i < LS_MAX_RULES; i++)
		free(rs->text[i]);
	ls_rules_init(rs);
}

int ls_rules_parse_line(struct ls_rules *rs, const char *line, const char *src, int lineno,
			char *err, size_t errlen)
{
	char buf[LS_RULE_LINE_MAX + 1], name[LS_RULE_NAME_MAX];
	struct rule_ctx c = {
		.src = src ? src : "?", .lineno = lineno, .base = buf, .err = err, .errlen = errlen,
	};
	char *p, *start, *end, *sep = NULL, *cur, *tok, *text;
	size_t len;
	int ret;

	if (!rs || !line)
		return -EINVAL;
	len = strlen(line);
	if (len > LS_RULE_LINE_MAX)
		return rule_err(&c, buf + LS_RULE_LINE_MAX, "line longer than %d bytes",
				LS_RULE_LINE_MAX);
	memcpy(buf, line, len + 1);

	/* '#' starts a comment only at a token's start: "comm a#b" is a name */
	for (p = buf; *p; p++) {
		if (*p == '#' && (p == buf || isspace((unsigned char)p[-1]))) {
			*p = '\0';
			break;
		}
	}
	for (start = buf; *start && isspace((unsigned char)*start); start++)
		;
	if (!*start)
		return 0;
	for (end = start + strlen(start); isspace((unsigned char)end[-1]); end--)
		;
	for (p = start; p < end; p++) {
		if (*p == ':' && (p + 1 == end || isspace((unsigned char)p[1]))) {
			sep = p;
			break;
		}
	}
	ret = parse_name(&c, start, sep, name);
	if (ret)
		return ret;

	*end = '\0';
	cur = sep + 1;
	while ((tok = next_token(&cur))) {
		ret = compile_term(&c, tok, &cur);
		if (ret)
			return ret;
	}
	if (!c.r.match)
		return rule_err(&c, sep + 1, "rule has no terms");
	if (rs->n >= LS_MAX_RULES)
		return rule_err(&c, start, "more than %d rules", LS_MAX_RULES);

	/* from the caller's line: buf has NULs between the tokens by now */
	text = strndup(line + (start - buf), (size_t)(end - start));
	if (!text) {
		if (err && errlen)
			snprintf(err, errlen, "%s:%d: out of memory", c.src, lineno);
		return -ENOMEM;
	}
	rs->rule[rs->n] = c.r;
	memcpy(rs->name[rs->n], name, sizeof(name));
	rs->text[rs->n] = text;
	rs->n++;
	return 0;
}

int ls_rules_load_file(struct ls_rules *rs, const char *path, char *err, size_t errlen)
{
	char line[LS_RULE_LINE_MAX + 1];
	struct rule_ctx c = { .src = path, .base = line, .err = err, .errlen = errlen };
	size_t len;
	FILE *f;
	int ch, ret = 0;

	if (!rs || !path)
		return -EINVAL;
	f = fopen(path, "re");
	if (!f) {
		ret = -errno;
		goto out_errno;
	}
	for (;;) {
		c.lineno++;
		len = 0;
		errno = 0;
		while ((ch = getc(f)) != EOF && ch != '\n') {
			/* a line is read whole or not at all: never split into two rules */
			if (len == LS_RULE_LINE_MAX) {
				ret = rule_err(&c, line + len, "line longer than %d bytes",
					       LS_RULE_LINE_MAX);
				goto out;
			}
			if (ch == '\0') {
				ret = rule_err(&c, line + len, "NUL byte in a text file");
				goto out;
			}
			line[len++] = (char)ch;
		}
		if (ferror(f)) {
			ret = errno ? -errno : -EIO;
			goto out_errno;
		}
		if (ch == EOF && len == 0)
			break;
		line[len] = '\0';
		ret = ls_rules_parse_line(rs, line, path, c.lineno, err, errlen);
		if (ret || ch == EOF)
			break;
	}
	goto out;

out_errno:
	if (err && errlen)
		snprintf(err, errlen, "%s: %s", path, strerror(-ret));
out:
	if (f)
		fclose(f);
	return ret;
}

__u32 ls_rules_need(const struct ls_rules *rs)
{
	__u32 need = 0;
	size_t i;

	for (i = 0; i < rs->n && i < LS_MAX_RULES; i++)
		need |= rs->rule[i].match;
	return need;
}

int ls_rules_match_child(const struct ls_rules *rs, const char *comm)
{
	size_t i;

	if (!rs || !comm)
		return -1;
	for (i = 0; i < rs->n && i < LS_MAX_RULES; i++) {
		if ((rs->rule[i].match & LS_RM_CHILD) &&
		    !strncmp(rs->rule[i].child, comm, sizeof(rs->rule[i].child)))
			return (int)i;
	}
	return -1;
}

void ls_rules_key_name(const struct ls_rules *rs, const struct ls_key *k, char *name, size_t len)
{
	char comm[LS_COMM_LEN + 1] = "";
	int r;

	if (rs && k->rule && k->rule <= rs->n) {
		snprintf(name, len, "%s", rs->name[k->rule - 1]);
		return;
	}
	if (rs && k->kind == LS_KIND_EXEC) {
		memcpy(comm, k->addr, LS_COMM_LEN);
		r = ls_rules_match_child(rs, comm);
		if (r >= 0) {
			snprintf(name, len, "%s", rs->name[r]);
			return;
		}
	}
	ls_subsys_name(k, name, len);
}
