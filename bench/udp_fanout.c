/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * udp_fanout: one unconnected UDP socket sends to 64 ports of 127.0.0.1 in
 * turn.  latscope names a sendto by its destination, so this one thread
 * makes 64 subsystems (udp:127.0.0.1:PORT): the bench's memory figures for
 * a daemon that talks to many peers.
 *
 * One iteration: one sendto (exactly 1 syscall).  Nothing listens on the
 * ports: a socket per port would add 64 more subsystems of its own.
 * Loopback answers each datagram with ICMP port unreachable, which an
 * unconnected socket without IP_RECVERR never sees, so every sendto
 * succeeds.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "bench.h"
#include "log.h"

#define FANOUT_PORTS	64

static const struct bench_desc desc = {
	.name = "udp_fanout",
	.what = "One iteration is a sendto on one unconnected UDP socket, to PORT ..\n"
		"PORT+63 of 127.0.0.1 in turn (exactly 1 syscall): 64 latscope subsystems.",
	.def_iters = 200000,
	.def_port = 18600,
	.def_cpu = -1,
};

static int send_all(int fd, const struct sockaddr_in dst[FANOUT_PORTS], unsigned long n)
{
	static const char msg[8] = "fanout";
	unsigned long i;

	for (i = 0; i < n; i++) {
		if (sendto(fd, msg, sizeof(msg), 0, (const struct sockaddr *)&dst[i % FANOUT_PORTS],
			   sizeof(dst[0])) != sizeof(msg)) {
			ls_err("sendto: %s", strerror(errno));
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in dst[FANOUT_PORTS];
	struct bench_env env;
	uint64_t t0, t1;
	char extra[32];
	int fd, i, ret, rc = 1;

	ret = bench_parse(&desc, &env, argc, argv);
	if (ret)
		return ret == 1 ? 0 : 2;
	if (env.port + FANOUT_PORTS - 1 > 65535) {
		ls_err("-p %u: ports up to %u do not exist", env.port, env.port + FANOUT_PORTS - 1);
		return 2;
	}
	for (i = 0; i < FANOUT_PORTS; i++) {
		memset(&dst[i], 0, sizeof(dst[i]));
		dst[i].sin_family = AF_INET;
		dst[i].sin_port = htons((uint16_t)(env.port + (unsigned int)i));
		dst[i].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	}
	if (bench_pin(env.cpu))
		return 1;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ls_err("socket: %s", strerror(errno));
		return 1;
	}
	if (bench_wait_start(&desc, &env) || send_all(fd, dst, env.warmup))
		goto out;
	t0 = bench_now_ns();
	if (send_all(fd, dst, env.iters))
		goto out;
	t1 = bench_now_ns();
	snprintf(extra, sizeof(extra), "\"ports\":%d", FANOUT_PORTS);
	rc = bench_report(&desc, &env, t1 - t0, 1.0, extra) ? 1 : 0;
out:
	close(fd);
	return rc;
}
