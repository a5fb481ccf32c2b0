/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * icmp_echo: ping 127.0.0.1 over a ping socket (SOCK_DGRAM, IPPROTO_ICMP),
 * as an unprivileged ping does.  The kernel fills in the identifier and the
 * checksum; loopback answers within sendto, so recvfrom rarely blocks.
 *
 * One iteration: sendto (an echo request) + recvfrom (its reply), exactly 2
 * syscalls.  Ping sockets need the caller's group in
 * net.ipv4.ping_group_range; bench/run.sh opens it for the run.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <sys/socket.h>
#include "bench.h"
#include "log.h"

#define PAYLOAD_LEN	16
#define RECV_TIMEOUT_S	5

static const struct bench_desc desc = {
	.name = "icmp_echo",
	.what = "One iteration is an ICMP echo to 127.0.0.1 over a ping socket:\n"
		"sendto + recvfrom (exactly 2 syscalls).  Needs net.ipv4.ping_group_range\n"
		"to include our group.",
	.def_iters = 100000,
	.def_cpu = -1,
};

struct echo_pkt {
	struct icmphdr hdr;
	char payload[PAYLOAD_LEN];
};

static int ping_socket(void)
{
	struct timeval tv = { .tv_sec = RECV_TIMEOUT_S };
	char range[64] = "?";
	FILE *f;
	int fd;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_ICMP);
	if (fd < 0) {
		if (errno == EACCES) {
			f = fopen("/proc/sys/net/ipv4/ping_group_range", "re");
			if (f) {
				if (fgets(range, sizeof(range), f))
					range[strcspn(range, "\n")] = '\0';
				fclose(f);
			}
			ls_err("ping sockets are not allowed for gid %d: net.ipv4.ping_group_range "
			       "is '%s' (bench/run.sh sets '0 2147483647' for the run)",
			       (int)getgid(), range);
		} else {
			ls_err("ping socket: %s", strerror(errno));
		}
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv))) {
		ls_err("SO_RCVTIMEO: %s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* n echoes, sequence numbers from *seq on; each reply must match. */
static int ping(int fd, unsigned long n, uint16_t *seq)
{
	struct sockaddr_in dst = { .sin_family = AF_INET };
	struct echo_pkt req, rep;
	unsigned long i;
	ssize_t len;

	dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	memset(&req, 0, sizeof(req));
	req.hdr.type = ICMP_ECHO;
	memcpy(req.payload, "latscope bench", 15);
	for (i = 0; i < n; i++) {
		req.hdr.un.echo.sequence = htons(++*seq);
		if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&dst, sizeof(dst)) !=
		    sizeof(req)) {
			ls_err("sendto 127.0.0.1: %s", strerror(errno));
			return -1;
		}
		len = recvfrom(fd, &rep, sizeof(rep), 0, NULL, NULL);
		if (len < 0) {
			ls_err("recvfrom: %s", errno == EAGAIN ? "no echo reply within the timeout" :
			       strerror(errno));
			return -1;
		}
		if (len < (ssize_t)sizeof(rep.hdr) || rep.hdr.type != ICMP_ECHOREPLY ||
		    rep.hdr.un.echo.sequence != req.hdr.un.echo.sequence) {
			ls_err("unexpected ICMP message (type %d, %zd bytes)", rep.hdr.type, len);
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct bench_env env;
	uint64_t t0, t1;
	uint16_t seq = 0;
	int ret, fd, rc = 1;

	ret = bench_parse(&desc, &env, argc, argv);
	if (ret)
		return ret == 1 ? 0 : 2;
	if (bench_pin(env.cpu))
		return 1;
	fd = ping_socket();
	if (fd < 0)
		return 1;
	if (bench_wait_start(&desc, &env) || ping(fd, env.warmup, &seq))
		goto out;
	t0 = bench_now_ns();
	if (ping(fd, env.iters, &seq))
		goto out;
	t1 = bench_now_ns();
	rc = bench_report(&desc, &env, t1 - t0, 2.0, NULL) ? 1 : 0;
out:
	close(fd);
	return rc;
}
