/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Command-line values are parsed strictly: strtol() and strtod() quietly
 * skip leading blanks, accept "inf" and stop at the first bad character,
 * all of which would turn a typo into a silently different run.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "parse.h"

/*
 * A base-10 long at the start of s; *end is left after it.  Only a digit or
 * '-' may come first, which rules out the blanks and '+' strtol() allows.
 */
static int parse_long_prefix(const char *s, long *out, const char **end)
{
	char *e;
	long v;

	if (!isdigit((unsigned char)s[0]) && s[0] != '-')
		return -EINVAL;
	errno = 0;
	v = strtol(s, &e, 10);
	if (e == s)
		return -EINVAL;
	if (errno == ERANGE)
		return -ERANGE;
	*out = v;
	*end = e;
	return 0;
}

int ls_parse_long(const char *s, long min, long max, long *out)
{
	const char *end;
	long v;
	int err;

	if (!s || !out)
		return -EINVAL;
	err = parse_long_prefix(s, &v, &end);
	if (err)
		return err;
	if (*end)
		return -EINVAL;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int ls_parse_ulong(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	unsigned long v;
	char *end;

	if (!s || !out || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (*end)
		return -EINVAL;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int ls_parse_seconds(const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	if (!s || !out)
		return -EINVAL;
	/*
	 * Decimal only: strtod() would also take hex floats ("0x1p3") and, with
	 * a leading blank, " 5"; neither is a sensible way to write a duration.
	 */
	if (!isdigit((unsigned char)s[0]) && s[0] != '.' && s[0] != '-')
		return -EINVAL;
	if (strpbrk(s, "xX"))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end)
		return -EINVAL;
	/* Overflow to HUGE_VAL and underflow to ~0 both lose the value asked for. */
	if (errno == ERANGE)
		return -ERANGE;
	if (!isfinite(v))
		return -EINVAL;
	if (v < min || v > max)
		return -ERANGE;
	/* "-0" passes a [0, x] range check; keep it from printing as "-0". */
	*out = v == 0 ? 0.0 : v;
	return 0;
}

/* On error *n is left alone and pids[] may hold a prefix of the list. */
int ls_parse_pid_list(const char *s, pid_t *pids, size_t max, size_t *n)
{
	const char *p, *end;
	size_t count = 0;
	long v;
	int err;

	if (!s || !n || (max && !pids))
		return -EINVAL;
	p = s;
	for (;;) {
		/* Also rejects "", ",1", "1,,2" and "1,2,": each is an empty item. */
		err = parse_long_prefix(p, &v, &end);
		if (err)
			return err;
		if (*end != ',' && *end != '\0')
			return -EINVAL;
		if (v < 1 || v > INT_MAX)
			return -ERANGE;
		if (count == max)
			return -E2BIG;
		pids[count++] = (pid_t)v;
		if (*end == '\0')
			break;
		p = end + 1;
	}
	*n = count;
	return 0;
}

int ls_parse_name(const char *s, const char *const *names, size_t n)
{
	size_t i;

	if (!s)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (names[i] && !strcmp(s, names[i]))
			return (int)i;
	return -EINVAL;
}

int ls_parse_listen(const char *s, struct sockaddr_storage *addr, unsigned int *addrlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV };
	struct addrinfo *res = NULL;
	char host[256];
	const char *port;
	unsigned long p;
	size_t hlen;
	int err;

	if (!s || !addr || !addrlen)
		return -EINVAL;
	port = strrchr(s, ':');
	if (!port) {
		port = s;
		snprintf(host, sizeof(host), "127.0.0.1");
	} else if (s[0] == '[') {
		/* "[::1]:9477": the brackets keep the address's colons apart */
		hlen = (size_t)(port - s);
		if (hlen < 3 || s[hlen - 1] != ']' || hlen - 2 >= sizeof(host))
			return -EINVAL;
		memcpy(host, s + 1, hlen - 2);
		host[hlen - 2] = '\0';
		hints.ai_flags |= AI_NUMERICHOST;
		hints.ai_family = AF_INET6;
		port++;
	} else {
		hlen = (size_t)(port - s);
		/* an IPv6 address without brackets: its last group would be the port */
		if (!hlen || hlen >= sizeof(host) || memchr(s, ':', hlen))
			return -EINVAL;
		memcpy(host, s, hlen);
		host[hlen] = '\0';
		port++;
	}
	err = ls_parse_ulong(port, 0, 65535, &p);
	if (err)
		return err;
	if (getaddrinfo(host, port, &hints, &res) || !res)
		return hints.ai_flags & AI_NUMERICHOST ? -EINVAL : -EADDRNOTAVAIL;
	if (res->ai_addrlen > sizeof(*addr)) {
		freeaddrinfo(res);
		return -EINVAL;
	}
	memset(addr, 0, sizeof(*addr));
	memcpy(addr, res->ai_addr, res->ai_addrlen);
	*addrlen = (unsigned int)res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

int ls_parse_duration_ns(const char *s, double min_s, double max_s, __u64 *out)
{
	static const struct { const char *unit; double scale; } units[] = {
		{ "ns", 1e-9 }, { "us", 1e-6 }, { "ms", 1e-3 }, { "s", 1.0 },
	};
	char num[64];
	size_t len, i, ulen;
	double v, scale = 1.0;

	if (!s || !out)
		return -EINVAL;
	len = strlen(s);
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		ulen = strlen(units[i].unit);
		if (len > ulen && !strcmp(s + len - ulen, units[i].unit) &&
		    isdigit((unsigned char)s[len - ulen - 1])) {
			scale = units[i].scale;
			len -= ulen;
			break;
		}
	}
	if (len == 0 || len >= sizeof(num))
		return -EINVAL;
	memcpy(num, s, len);
	num[len] = '\0';
	if (ls_parse_seconds(num, 0, 1e12, &v))
		return -EINVAL;
	v *= scale;
	if (v < min_s || v > max_s)
		return -ERANGE;
	*out = (__u64)(v * 1e9 + 0.5);
	return 0;
}
