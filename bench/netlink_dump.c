/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * netlink_dump: dump the links over NETLINK_ROUTE (RTM_GETLINK with
 * NLM_F_DUMP), as a controller polling interface state does.
 *
 * One iteration: one sendto (the request) and recvfrom until NLMSG_DONE.
 * How many recvfrom a dump takes depends on the number of links and on how
 * the kernel packs them, so the workload counts its calls and reports the
 * exact average; it also reports the fewest and most per dump.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include "bench.h"
#include "log.h"

#define NL_BUF_SIZE	(32 * 1024)
#define RECV_TIMEOUT_S	5

static const struct bench_desc desc = {
	.name = "netlink_dump",
	.what = "One iteration is an RTM_GETLINK dump over NETLINK_ROUTE: sendto, then\n"
		"recvfrom until NLMSG_DONE (syscalls per dump counted and reported).",
	.def_iters = 50000,
	.def_cpu = -1,
};

struct nl {
	int fd;
	__u32 seq;
	unsigned long recvs;		/* recvfrom calls of the timed loop */
	unsigned long min_recvs, max_recvs;
	char buf[NL_BUF_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
};

/* 1 when the buffer ended the dump, 0 to read on, -1 on an error. */
static int parse(struct nl *nl, ssize_t len)
{
	struct nlmsghdr *h = (struct nlmsghdr *)nl->buf;
	struct nlmsgerr *e;

	for (; NLMSG_OK(h, (size_t)len); h = NLMSG_NEXT(h, len)) {
		if (h->nlmsg_seq != nl->seq)
			continue;
		if (h->nlmsg_type == NLMSG_DONE)
			return 1;
		if (h->nlmsg_type == NLMSG_ERROR) {
			e = NLMSG_DATA(h);
			ls_err("RTM_GETLINK: %s", strerror(-e->error));
			return -1;
		}
	}
	return 0;
}

static int dump(struct nl *nl, unsigned long n, bool count)
{
	struct {
		struct nlmsghdr h;
		struct ifinfomsg ifi;
	} req;
	unsigned long i, r;
	ssize_t len;
	int done;

	memset(&req, 0, sizeof(req));
	req.h.nlmsg_len = sizeof(req);
	req.h.nlmsg_type = RTM_GETLINK;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.ifi.ifi_family = AF_UNSPEC;
	for (i = 0; i < n; i++) {
		req.h.nlmsg_seq = ++nl->seq;
		if (sendto(nl->fd, &req, sizeof(req), 0, NULL, 0) != sizeof(req)) {
			ls_err("sendto: %s", strerror(errno));
			return -1;
		}
		for (r = 0, done = 0; !done; r++) {
			len = recvfrom(nl->fd, nl->buf, sizeof(nl->buf), 0, NULL, NULL);
			if (len < 0) {
				ls_err("recvfrom: %s", strerror(errno));
				return -1;
			}
			done = parse(nl, len);
			if (done < 0)
				return -1;
		}
		if (!count)
			continue;
		nl->recvs += r;
		if (!nl->min_recvs || r < nl->min_recvs)
			nl->min_recvs = r;
		if (r > nl->max_recvs)
			nl->max_recvs = r;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct nl nl = { .fd = -1 };
	struct timeval tv = { .tv_sec = RECV_TIMEOUT_S };
	struct bench_env env;
	uint64_t t0, t1;
	char extra[96];
	int ret, rc = 1;

	ret = bench_parse(&desc, &env, argc, argv);
	if (ret)
		return ret == 1 ? 0 : 2;
	if (bench_pin(env.cpu))
		return 1;
	nl.fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (nl.fd < 0) {
		ls_err("netlink socket: %s", strerror(errno));
		return 1;
	}
	if (setsockopt(nl.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv))) {
		ls_err("SO_RCVTIMEO: %s", strerror(errno));
		goto out;
	}
	if (bench_wait_start(&desc, &env) || dump(&nl, env.warmup, false))
		goto out;
	t0 = bench_now_ns();
	if (dump(&nl, env.iters, true))
		goto out;
	t1 = bench_now_ns();
	snprintf(extra, sizeof(extra), "\"recvs_per_dump_min\":%lu,\"recvs_per_dump_max\":%lu",
		 nl.min_recvs, nl.max_recvs);
	rc = bench_report(&desc, &env, t1 - t0,
			  (double)(env.iters + nl.recvs) / (double)env.iters, extra) ? 1 : 0;
out:
	close(nl.fd);
	return rc;
}
