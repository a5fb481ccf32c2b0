/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * udp_rr: UDP request/response over loopback between two threads pinned to
 * the same CPU, so every exchange also costs two context switches, as it
 * does between a daemon and a local helper.
 *
 * One iteration: the client sends a request on its connected socket and
 * blocks in recvfrom; the server thread, blocked in recvfrom, answers with
 * sendto.  That is exactly 4 syscalls (2 per thread); waking a thread
 * blocked in recvfrom needs no futex.  The server stops by itself after
 * warm-up + timed iterations, so nothing else is sent.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "bench.h"
#include "log.h"

#define MSG_LEN		32
/* a lost datagram or a dead peer ends the run instead of hanging it */
#define RECV_TIMEOUT_S	5

static const struct bench_desc desc = {
	.name = "udp_rr",
	.what = "One iteration is a UDP request/response over 127.0.0.1 between two\n"
		"threads pinned to one CPU: client sendto + recvfrom, server recvfrom +\n"
		"sendto (exactly 4 syscalls).",
	.def_iters = 200000,
	.def_port = 18500,
	.def_cpu = 0,
};

struct rr {
	int srv_fd;
	int cli_fd;
	int cpu;
	unsigned long total;	/* warm-up + timed: what the server answers */
	int srv_err;		/* errno of the server's failure, 0 if none */
};

static void loopback(struct sockaddr_in *sin, unsigned int port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

static void *server(void *arg)
{
	struct rr *rr = arg;
	struct sockaddr_in from;
	socklen_t fromlen;
	char buf[MSG_LEN];
	unsigned long i;
	ssize_t n;

	if (bench_pin(rr->cpu)) {
		rr->srv_err = EINVAL;
		return NULL;
	}
	for (i = 0; i < rr->total; i++) {
		fromlen = sizeof(from);
		n = recvfrom(rr->srv_fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fromlen);
		if (n < 0 || sendto(rr->srv_fd, buf, (size_t)n, 0, (struct sockaddr *)&from,
				    fromlen) != n) {
			rr->srv_err = errno;
			ls_err("server: %s", strerror(errno));
			return NULL;
		}
	}
	return NULL;
}

static int exchange(struct rr *rr, unsigned long n)
{
	char buf[MSG_LEN] = "udp_rr";
	unsigned long i;

	for (i = 0; i < n; i++) {
		if (sendto(rr->cli_fd, buf, sizeof(buf), 0, NULL, 0) != sizeof(buf) ||
		    recvfrom(rr->cli_fd, buf, sizeof(buf), 0, NULL, NULL) != sizeof(buf)) {
			ls_err("client: %s", errno == EAGAIN ? "no answer within the timeout" :
			       strerror(errno));
			return -1;
		}
	}
	return 0;
}

static int setup(struct rr *rr, unsigned int port)
{
	struct timeval tv = { .tv_sec = RECV_TIMEOUT_S };
	struct sockaddr_in sin;

	loopback(&sin, port);
	rr->srv_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	rr->cli_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (rr->srv_fd < 0 || rr->cli_fd < 0) {
		ls_err("socket: %s", strerror(errno));
		return -1;
	}
	if (bind(rr->srv_fd, (struct sockaddr *)&sin, sizeof(sin))) {
		ls_err("bind 127.0.0.1:%u: %s", port, strerror(errno));
		return -1;
	}
	if (connect(rr->cli_fd, (struct sockaddr *)&sin, sizeof(sin))) {
		ls_err("connect 127.0.0.1:%u: %s", port, strerror(errno));
		return -1;
	}
	if (setsockopt(rr->srv_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(rr->cli_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv))) {
		ls_err("SO_RCVTIMEO: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct rr rr = { .srv_fd = -1, .cli_fd = -1 };
	struct bench_env env;
	pthread_t srv;
	uint64_t t0 = 0, t1 = 0;
	int ret, rc = 1;

	ret = bench_parse(&desc, &env, argc, argv);
	if (ret)
		return ret == 1 ? 0 : 2;
	rr.cpu = env.cpu;
	rr.total = env.warmup + env.iters;
	if (bench_pin(env.cpu) || setup(&rr, env.port))
		goto out;
	ret = pthread_create(&srv, NULL, server, &rr);
	if (ret) {
		ls_err("pthread_create: %s", strerror(ret));
		goto out;
	}
	if (!bench_wait_start(&desc, &env) && !exchange(&rr, env.warmup)) {
		t0 = bench_now_ns();
		if (!exchange(&rr, env.iters))
			t1 = bench_now_ns();
	}
	/* on a client failure the server ends by its receive timeout */
	pthread_join(srv, NULL);
	if (t1 && !rr.srv_err)
		rc = bench_report(&desc, &env, t1 - t0, 4.0, NULL) ? 1 : 0;
out:
	if (rr.srv_fd >= 0)
		close(rr.srv_fd);
	if (rr.cli_fd >= 0)
		close(rr.cli_fd);
	return rc;
}
