/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * democtl: the test oracle for latscope.
 *
 * It mimics the measurement cycle of a WAN/bufferbloat controller: each
 * cycle sends one ICMP echo to 127.0.0.1, dumps the qdiscs over rtnetlink
 * and makes one HTTP GET to a server thread of its own.  Every syscall it
 * makes on those sockets is counted per (phase, subsystem, syscall), where
 * the subsystem is the name latscope gives the socket, and the counts are
 * printed at exit.  latscope's report for this process must match them.
 *
 * Counted calls go through tools/oracle.c, which calls syscall(2) directly:
 * a libc wrapper may use another syscall than its name says (send() and
 * recv() are sendto/recvfrom, poll() may be ppoll) and the oracle would no
 * longer name the syscall the kernel saw.  See docs/democtl.md.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include "log.h"
#include "oracle.h"

#define DEF_INTERVAL_MS		500
#define DEF_HTTP_DELAY_MS	10
#define DEF_PORT		18080
#define ICMP_TIMEOUT_MS		1000
#define NL_BUF_SIZE		(32 * 1024)
#define HTTP_BUF_SIZE		4096
#define HTTP_BODY		"democtl ok\n"

enum ctl_phase {
	PH_SETUP,
	PH_CYCLES,
	PH_TEARDOWN,
	PH_MAX,
};

static const char *const phase_name[PH_MAX] = {
	[PH_SETUP] = "setup",
	[PH_CYCLES] = "cycles",
	[PH_TEARDOWN] = "teardown",
};

enum ctl_subsys {
	SS_ICMP,		/* "icmp" */
	SS_NETLINK,		/* "netlink:route": the socket before its first request */
	SS_TC,			/* "tc": the same socket once it sent RTM_GETQDISC */
	SS_TCP_IN,		/* "tcp-in:PORT": bound listener and accepted sockets */
	SS_TCP_UNCONN,		/* "tcp:unconnected": the client's socket() */
	SS_TCP_OUT,		/* "tcp:127.0.0.1:PORT": the client from connect on */
	SS_MAX,
};

struct env {
	unsigned int interval_ms;
	unsigned long cycles;		/* 0: until SIGINT/SIGTERM */
	unsigned int http_delay_ms;
	unsigned int port;
	bool wait_start;
	bool quiet;
	const char *json_path;
};

struct ops {
	uint64_t icmp_echo;
	uint64_t icmp_timeout;
	uint64_t netlink_dump;
	uint64_t http_get;
	uint64_t qdiscs;
};

struct server {
	int lfd;
	unsigned int delay_ms;
	/*
	 * One post per accept4 the server may make.  The main thread posts
	 * after it has set the phase that accept4 belongs to; without this
	 * the server would start its next accept4 right after a response,
	 * in the "cycles" phase, and the accept4 that shutdown() ends would
	 * land in "cycles" or "teardown" depending on scheduling.
	 */
	sem_t gate;
	pthread_t tid;
	bool listening;			/* shutdown() would fail with ENOTCONN otherwise */
	bool started;
	int failed;			/* atomic; the server printed why */
};

struct ctl {
	struct env env;
	struct ops ops;
	struct server srv;
	int icmp_fd;
	int nl_fd;
	bool icmp_raw;			/* raw socket: replies carry the IP header */
	uint16_t echo_id;		/* raw only: ping sockets get theirs from the kernel */
	uint16_t echo_seq;
	uint32_t nl_seq;
	unsigned long cycles_done;
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void ts_add_ms(struct timespec *ts, unsigned int ms)
{
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { 0 };

	ts_add_ms(&ts, ms);
	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR)
		;
}

/* ---- HTTP server thread ------------------------------------------------- */

static void server_fail(struct server *srv, const char *what)
{
	ls_err("HTTP server: %s: %s", what, strerror(errno));
	__atomic_store_n(&srv->failed, 1, __ATOMIC_SEQ_CST);
}

static void serve_one(struct server *srv, int fd)
{
	char req[HTTP_BUF_SIZE], resp[256];
	size_t have = 0;
	ssize_t n;
	int len;

	/* The client sends the request in one sendto, so this loops once. */
	while (!memmem(req, have, "\r\n\r\n", 4)) {
		if (have == sizeof(req)) {
			errno = EMSGSIZE;
			server_fail(srv, "request too long");
			goto out;
		}
		n = c_recvfrom(SS_TCP_IN, fd, req + have, sizeof(req) - have, 0);
		if (n <= 0) {
			if (n == 0)
				errno = ECONNRESET;
			server_fail(srv, "recvfrom");
			goto out;
		}
		have += (size_t)n;
	}

	/* Stands for the time a real server needs to build its answer. */
	sleep_ms(srv->delay_ms);

	len = snprintf(resp, sizeof(resp),
		       "HTTP/1.0 200 OK\r\nContent-Length: %zu\r\n\r\n%s",
		       strlen(HTTP_BODY), HTTP_BODY);
	n = c_sendto(SS_TCP_IN, fd, resp, (size_t)len, MSG_NOSIGNAL, NULL, 0);
	if (n != len) {
		if (n >= 0)
			errno = EIO;
		server_fail(srv, "sendto");
	}
out:
	c_close(SS_TCP_IN, fd);
}

/*
 * Every server call is counted in the phase current when it is made.  The
 * client stops reading at the end of the body, so the server's close of the
 * last request may fall into "teardown"; sums over phases are exact either
 * way, and tests compare sums.  Each accept4 waits for the gate, which the main thread opens
 * only after setting the phase: in a cycle just before it connects, and in
 * teardown just before shutdown(), so the last accept4 (the one that fails
 * with EINVAL) is always counted in "teardown".
 */
static void *server_main(void *arg)
{
	struct server *srv = arg;
	int fd;

	for (;;) {
		while (sem_wait(&srv->gate) && errno == EINTR)
			;
		do {
			fd = c_accept4(SS_TCP_IN, srv->lfd, SOCK_CLOEXEC);
		} while (fd < 0 && (errno == EINTR || errno == ECONNABORTED));
		if (fd < 0) {
			/* shutdown() on the listener: our way to stop */
			if (errno != EINVAL)
				server_fail(srv, "accept4");
			break;
		}
		serve_one(srv, fd);
	}
	return NULL;
}

/* ---- setup ------------------------------------------------------------ */

/*
 * A raw ICMP socket gets a copy of every ICMP packet the host receives: our
 * own echo request (it comes back in over loopback), ICMP errors, and the
 * replies of every other pinger on the host, another democtl included.
 * Each would cost a poll and a recvfrom and make the counts depend on what
 * else runs.  This classic BPF filter keeps only echo replies with our id.
 * A raw IPv4 socket sees the packet from the IP header on.
 */
static int icmp_attach_filter(int fd, uint16_t id)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0),		/* X = IP header length */
		BPF_STMT(BPF_LD | BPF_B | BPF_IND, 0),		/* A = ICMP type */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ICMP_ECHOREPLY, 0, 3),
		BPF_STMT(BPF_LD | BPF_H | BPF_IND, 4),		/* A = echo id */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, id, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0xffffffff),		/* keep all of it */
		BPF_STMT(BPF_RET | BPF_K, 0),			/* drop */
	};
	struct sock_fprog prog = {
		.len = sizeof(code) / sizeof(code[0]),
		.filter = code,
	};

	return c_setsockopt(SS_ICMP, fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog));
}

static int setup_icmp(struct ctl *ctl)
{
	int fd, err;

	fd = c_socket(SS_ICMP, AF_INET, SOCK_DGRAM, IPPROTO_ICMP);
	if (fd >= 0) {
		ctl->icmp_fd = fd;
		return 0;
	}
	if (errno != EACCES && errno != EPERM) {
		ls_err("ping socket: %s", strerror(errno));
		return -1;
	}
	err = errno;

	fd = c_socket(SS_ICMP, AF_INET, SOCK_RAW, IPPROTO_ICMP);
	if (fd < 0) {
		ls_err("raw ICMP socket (after the ping socket was refused: %s): %s",
		      strerror(err), strerror(errno));
		return -1;
	}
	/* The user can fix this with the sysctl; say which one. */
	fprintf(stderr, "democtl: ping socket refused (%s): our groups are outside "
		"net.ipv4.ping_group_range; using a raw ICMP socket\n", strerror(err));
	ctl->icmp_fd = fd;
	ctl->icmp_raw = true;
	ctl->echo_id = (uint16_t)getpid();
	if (icmp_attach_filter(fd, ctl->echo_id)) {
		ls_err("setsockopt(SO_ATTACH_FILTER) on the raw ICMP socket: %s",
		      strerror(errno));
		return -1;
	}
	return 0;
}

static int setup_netlink(struct ctl *ctl)
{
	struct sockaddr_nl snl = { .nl_family = AF_NETLINK };
	int fd;

	fd = c_socket(SS_NETLINK, AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0) {
		ls_err("netlink socket: %s", strerror(errno));
		return -1;
	}
	ctl->nl_fd = fd;
	/* nl_pid 0: the kernel picks our port id */
	if (c_bind(SS_NETLINK, fd, &snl, sizeof(snl))) {
		ls_err("netlink bind: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int setup_listener(struct ctl *ctl)
{
	struct sockaddr_in sin;
	int fd, one = 1;

	/* latscope names a socket by what it is at the call: not bound yet */
	fd = c_socket(SS_TCP_UNCONN, AF_INET, SOCK_STREAM, 0);
	if (fd < 0) {
		ls_err("listening socket: %s", strerror(errno));
		return -1;
	}
	ctl->srv.lfd = fd;
	/* A previous run's TIME_WAIT connections must not block the port. */
	if (c_setsockopt(SS_TCP_UNCONN, fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one))) {
		ls_err("setsockopt(SO_REUSEADDR): %s", strerror(errno));
		return -1;
	}
	oracle_loopback(&sin, ctl->env.port);
	if (c_bind(SS_TCP_UNCONN, fd, &sin, sizeof(sin))) {
		ls_err("bind 127.0.0.1:%u: %s", ctl->env.port, strerror(errno));
		return -1;
	}
	if (c_listen(SS_TCP_IN, fd, 16)) {
		ls_err("listen: %s", strerror(errno));
		return -1;
	}
	ctl->srv.listening = true;
	return 0;
}

static int start_server(struct ctl *ctl)
{
	int err;

	ctl->srv.delay_ms = ctl->env.http_delay_ms;
	/* Inherits the blocked SIGINT/SIGTERM/SIGUSR1 of the main thread. */
	err = pthread_create(&ctl->srv.tid, NULL, server_main, &ctl->srv);
	if (err) {
		ls_err("pthread_create: %s", strerror(err));
		return -1;
	}
	ctl->srv.started = true;
	return 0;
}

/* ---- one cycle -------------------------------------------------------- */

static uint16_t inet_csum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t sum = 0;

	for (; len > 1; p += 2, len -= 2)
		sum += (uint32_t)p[0] << 8 | p[1];
	if (len)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

/* 1 if buf holds the echo reply to our request seq. */
static int icmp_is_our_reply(const struct ctl *ctl, const uint8_t *buf,
			     size_t len, uint16_t seq)
{
	struct icmphdr h;
	size_t off = 0;

	if (ctl->icmp_raw) {
		if (len < 1)
			return 0;
		off = (size_t)(buf[0] & 0x0f) * 4;
	}
	if (len < off + sizeof(h))
		return 0;
	memcpy(&h, buf + off, sizeof(h));
	if (h.type != ICMP_ECHOREPLY || ntohs(h.un.echo.sequence) != seq)
		return 0;
	/* A ping socket only ever gets replies to its own id. */
	return !ctl->icmp_raw || ntohs(h.un.echo.id) == ctl->echo_id;
}

/* 0: reply received, 1: timed out, -1: error (printed). */
static int icmp_echo(struct ctl *ctl)
{
	struct {
		struct icmphdr h;
		char data[24];
	} pkt;
	uint8_t buf[2048];
	struct sockaddr_in dst;
	struct pollfd pfd = { .fd = ctl->icmp_fd, .events = POLLIN };
	double deadline;
	uint16_t seq = ++ctl->echo_seq;
	ssize_t n;
	int timeout = ICMP_TIMEOUT_MS, ret;

	memset(&pkt, 0, sizeof(pkt));
	pkt.h.type = ICMP_ECHO;
	/* A ping socket overwrites id and checksum; a raw one sends them as is. */
	pkt.h.un.echo.id = htons(ctl->echo_id);
	pkt.h.un.echo.sequence = htons(seq);
	memcpy(pkt.data, "democtl latscope oracle", sizeof(pkt.data));
	pkt.h.checksum = inet_csum(&pkt, sizeof(pkt));
	oracle_loopback(&dst, 0);

	n = c_sendto(SS_ICMP, ctl->icmp_fd, &pkt, sizeof(pkt), 0, &dst, sizeof(dst));
	if (n != (ssize_t)sizeof(pkt)) {
		ls_err("ICMP sendto: %s", n < 0 ? strerror(errno) : "short send");
		return -1;
	}

	deadline = now_ms() + ICMP_TIMEOUT_MS;
	for (;;) {
		ret = c_poll(SS_ICMP, &pfd, 1, timeout);
		if (ret < 0) {
			ls_err("ICMP poll: %s", strerror(errno));
			return -1;
		}
		if (ret == 0)
			return 1;
		n = c_recvfrom(SS_ICMP, ctl->icmp_fd, buf, sizeof(buf), 0);
		if (n < 0) {
			ls_err("ICMP recvfrom: %s", strerror(errno));
			return -1;
		}
		if (icmp_is_our_reply(ctl, buf, (size_t)n, seq))
			return 0;
		/* a late reply to an earlier, timed-out seq: wait for ours */
		timeout = (int)(deadline - now_ms());
		if (timeout <= 0)
			return 1;
	}
}

/* Number of qdiscs in one RTM_GETQDISC dump, or -1 (printed). */
static int netlink_dump(struct ctl *ctl)
{
	struct {
		struct nlmsghdr nh;
		struct tcmsg tc;
	} req;
	static char buf[NL_BUF_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct sockaddr_nl from;
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr msg = {
		.msg_name = &from,
		.msg_iov = &iov,
		.msg_iovlen = 1,
	};
	struct nlmsghdr *nh;
	int qdiscs = 0, err;
	ssize_t n;

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.tc));
	req.nh.nlmsg_type = RTM_GETQDISC;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nh.nlmsg_seq = ++ctl->nl_seq;
	req.tc.tcm_family = AF_UNSPEC;

	/* latscope names an rtnetlink socket after its last request's type */
	n = c_sendto(SS_TC, ctl->nl_fd, &req, req.nh.nlmsg_len, 0,
		     &kernel, sizeof(kernel));
	if (n != (ssize_t)req.nh.nlmsg_len) {
		ls_err("netlink sendto: %s", n < 0 ? strerror(errno) : "short send");
		return -1;
	}

	for (;;) {
		msg.msg_namelen = sizeof(from);
		n = c_recvmsg(SS_TC, ctl->nl_fd, &msg, 0);
		if (n <= 0) {
			ls_err("netlink recvmsg: %s", n < 0 ? strerror(errno) : "EOF");
			return -1;
		}
		if (msg.msg_flags & MSG_TRUNC) {
			ls_err("netlink recvmsg: message truncated");
			return -1;
		}
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)n);
		     nh = NLMSG_NEXT(nh, n)) {
			if (nh->nlmsg_seq != ctl->nl_seq)
				continue;
			if (nh->nlmsg_type == NLMSG_DONE) {
				/* DONE carries the dump's final status, an int. */
				if (nh->nlmsg_len >= NLMSG_LENGTH(sizeof(int))) {
					memcpy(&err, NLMSG_DATA(nh), sizeof(err));
					if (err < 0) {
						ls_err("RTM_GETQDISC dump: %s", strerror(-err));
						return -1;
					}
				}
				return qdiscs;
			}
			if (nh->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr e;

				memset(&e, 0, sizeof(e));
				memcpy(&e, NLMSG_DATA(nh),
				       nh->nlmsg_len >= NLMSG_LENGTH(sizeof(e)) ?
				       sizeof(e) : sizeof(e.error));
				ls_err("RTM_GETQDISC dump: %s",
				      e.error ? strerror(-e.error) : "unexpected ACK");
				return -1;
			}
			if (nh->nlmsg_type == RTM_NEWQDISC)
				qdiscs++;
		}
	}
}

/* 0 on a "200" answer, -1 (printed) otherwise. */
/* Headers and Content-Length bytes of body are in buf (NUL-terminated). */
static bool http_response_complete(const char *buf, size_t have)
{
	const char *end = strstr(buf, "\r\n\r\n"), *cl;
	unsigned long body;

	if (!end)
		return false;
	cl = strcasestr(buf, "\r\nContent-Length:");
	if (!cl || cl > end)
		return true;	/* no length: the headers are the whole answer */
	body = strtoul(cl + strlen("\r\nContent-Length:"), NULL, 10);
	return have >= (size_t)(end + 4 - buf) + body;
}

static int http_get(struct ctl *ctl)
{
	char req[128], buf[HTTP_BUF_SIZE];
	size_t have = 0;
	struct sockaddr_in sin;
	ssize_t n;
	int fd, len, ret = -1;

	if (__atomic_load_n(&ctl->srv.failed, __ATOMIC_SEQ_CST)) {
		ls_err("HTTP GET: the server thread failed");
		return -1;
	}
	/* lets the server make the accept4 for this request, in this phase */
	sem_post(&ctl->srv.gate);

	fd = c_socket(SS_TCP_UNCONN, AF_INET, SOCK_STREAM, 0);
	if (fd < 0) {
		ls_err("HTTP socket: %s", strerror(errno));
		return -1;
	}
	oracle_loopback(&sin, ctl->env.port);
	if (c_connect(SS_TCP_OUT, fd, &sin, sizeof(sin))) {
		ls_err("HTTP connect 127.0.0.1:%u: %s", ctl->env.port, strerror(errno));
		goto out;
	}
	len = snprintf(req, sizeof(req),
		       "GET / HTTP/1.0\r\nHost: 127.0.0.1:%u\r\nUser-Agent: democtl\r\n\r\n",
		       ctl->env.port);
	n = c_sendto(SS_TCP_OUT, fd, req, (size_t)len, MSG_NOSIGNAL, NULL, 0);
	if (n != len) {
		ls_err("HTTP sendto: %s", n < 0 ? strerror(errno) : "short send");
		goto out;
	}
	/*
	 * Read up to the end of the body, as an HTTP client does, not up to
	 * EOF: then the one recvfrom that waits for the answer carries the
	 * server's delay, and its latency is what a tracer should show.
	 */
	for (;;) {
		n = c_recvfrom(SS_TCP_OUT, fd, buf + have, sizeof(buf) - 1 - have, 0);
		if (n <= 0)
			break;
		have += (size_t)n;
		buf[have] = '\0';
		if (http_response_complete(buf, have))
			break;
		if (have == sizeof(buf) - 1) {
			n = -1;
			errno = EMSGSIZE;
			break;
		}
	}
	if (n < 0) {
		ls_err("HTTP recvfrom: %s", strerror(errno));
		goto out;
	}
	if (!http_response_complete(buf, have)) {
		ls_err("HTTP GET: the connection closed before the end of the answer");
		goto out;
	}
	if (have < 12 || memcmp(buf, "HTTP/1.0 200", 12)) {
		ls_err("HTTP GET: the answer does not start with \"HTTP/1.0 200\"");
		goto out;
	}
	ret = 0;
out:
	c_close(SS_TCP_OUT, fd);
	return ret;
}

static int run_cycle(struct ctl *ctl)
{
	double t0, t1, t2, t3;
	int icmp, qdiscs;

	t0 = now_ms();
	icmp = icmp_echo(ctl);
	if (icmp < 0)
		return -1;
	if (icmp == 0)
		ctl->ops.icmp_echo++;
	else
		ctl->ops.icmp_timeout++;

	t1 = now_ms();
	qdiscs = netlink_dump(ctl);
	if (qdiscs < 0)
		return -1;
	ctl->ops.netlink_dump++;
	ctl->ops.qdiscs += (uint64_t)qdiscs;

	t2 = now_ms();
	if (http_get(ctl))
		return -1;
	ctl->ops.http_get++;
	t3 = now_ms();

	ctl->cycles_done++;
	if (!ctl->env.quiet) {
		if (icmp == 0)
			printf("cycle %lu: icmp %.3f ms, netlink %d qdiscs %.3f ms, http %.3f ms\n",
			       ctl->cycles_done, t1 - t0, qdiscs, t2 - t1, t3 - t2);
		else
			printf("cycle %lu: icmp timeout, netlink %d qdiscs %.3f ms, http %.3f ms\n",
			       ctl->cycles_done, qdiscs, t2 - t1, t3 - t2);
	}
	return 0;
}

/* ---- report ----------------------------------------------------------- */

static void print_report(const struct ctl *ctl, FILE *f)
{
	fprintf(f, "democtl: pid %d, icmp %s, port %u, %lu cycles\n", (int)getpid(),
		ctl->icmp_raw ? "raw" : "ping", ctl->env.port, ctl->cycles_done);
	fprintf(f, "ops: icmp_echo %ju, icmp_timeout %ju, netlink_dump %ju, "
		"http_get %ju, qdiscs %ju\n",
		(uintmax_t)ctl->ops.icmp_echo, (uintmax_t)ctl->ops.icmp_timeout,
		(uintmax_t)ctl->ops.netlink_dump, (uintmax_t)ctl->ops.http_get,
		(uintmax_t)ctl->ops.qdiscs);
	oracle_write_table(f);
}

static int print_json(FILE *f, const void *arg)
{
	const struct ctl *ctl = arg;

	fprintf(f, "{\"pid\":%d,\"icmp_mode\":\"%s\",\"port\":%u,\"cycles\":%lu,",
		(int)getpid(), ctl->icmp_raw ? "raw" : "ping", ctl->env.port,
		ctl->cycles_done);
	fprintf(f, "\"ops\":{\"icmp_echo\":%ju,\"icmp_timeout\":%ju,\"netlink_dump\":%ju,"
		"\"http_get\":%ju,\"qdiscs\":%ju},\n",
		(uintmax_t)ctl->ops.icmp_echo, (uintmax_t)ctl->ops.icmp_timeout,
		(uintmax_t)ctl->ops.netlink_dump, (uintmax_t)ctl->ops.http_get,
		(uintmax_t)ctl->ops.qdiscs);
	oracle_write_json(f);
	return 0;
}

/* ---- command line ----------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
"Usage: democtl [OPTIONS]\n"
"\n"
"Mimic the measurement cycle of a WAN/bufferbloat controller and count every\n"
"syscall made on its sockets, grouped by the subsystem name latscope gives\n"
"them.  The counts printed at exit are what latscope must report for this\n"
"process (the test oracle).\n"
"\n"
"Every cycle, in the main thread: one ICMP echo to 127.0.0.1 (sendto, poll,\n"
"recvfrom), one netlink RTM_GETQDISC dump (sendto, recvmsg until DONE) and one\n"
"HTTP/1.0 GET (socket, connect, sendto, recvfrom to the end of the body, close)\n"
"to a server\n"
"thread on 127.0.0.1:PORT (accept4, recvfrom, sendto, close).\n"
"\n"
"Options:\n"
"  -i, --interval MS     cycle period in ms (default %d)\n"
"  -n, --cycles N        run N cycles, then exit (default 0: until SIGINT/SIGTERM)\n"
"  -d, --http-delay MS   the server waits MS ms before it answers (default %d)\n"
"  -p, --port PORT       server port on 127.0.0.1, 1-65535 (default %d); never 0:\n"
"                        latscope tells a serving TCP socket by its bound port\n"
"  -w, --wait-start      set up, then wait for SIGUSR1 before the first cycle, so\n"
"                        a tracer can attach with no counted call in flight\n"
"  -j, --json FILE       also write the counts as JSON to FILE (tmp + rename)\n"
"  -q, --quiet           no line per cycle\n"
"  -h, --help            show this help\n"
"\n"
"Subsystems: icmp, netlink:route (then tc, once it sent RTM_GETQDISC),\n"
"tcp:unconnected (the client's socket()),\n"
"tcp:127.0.0.1:PORT (the client from connect on), tcp-in:PORT (the\n"
"listener and the accepted sockets).  Phases: setup, cycles (from the first\n"
"cycle on, server calls included), teardown (from shutdown of the listener on).\n"
"\n"
"ICMP uses a ping socket if net.ipv4.ping_group_range covers our group, else a\n"
"raw socket (needs CAP_NET_RAW).  SIGINT/SIGTERM let the current cycle finish,\n"
"then democtl tears down and prints the report.\n"
"\n"
"Exit status: 0 success, 1 runtime failure, 2 usage error.\n"
"\n"
"Examples:\n"
"  democtl -n 3 -i 100 -j /tmp/d.json\n"
"  democtl -w -n 10 & pid=$!; <attach the tracer to $pid>; kill -USR1 $pid\n"
"\n"
"See docs/democtl.md.\n",
		DEF_INTERVAL_MS, DEF_HTTP_DELAY_MS, DEF_PORT);
}

/* 0 to run, 1 to exit 0 (help), 2 on a usage error (printed). */
static int parse_args(int argc, char **argv, struct env *env)
{
	const struct oracle_opt opts[] = {
		{ 'i', "interval", ORACLE_OPT_UINT, 0, 3600000, &env->interval_ms },
		{ 'n', "cycles", ORACLE_OPT_ULONG, 0, ULONG_MAX, &env->cycles },
		{ 'd', "http-delay", ORACLE_OPT_UINT, 0, 600000, &env->http_delay_ms },
		/* never 0, an ephemeral port: see --help */
		{ 'p', "port", ORACLE_OPT_UINT, 1, 65535, &env->port },
		{ 'w', "wait-start", ORACLE_OPT_FLAG, 0, 0, &env->wait_start },
		{ 'j', "json", ORACLE_OPT_STRING, 0, 0, &env->json_path },
		{ 'q', "quiet", ORACLE_OPT_FLAG, 0, 0, &env->quiet },
	};

	return oracle_parse_args("democtl", argc, argv, opts, sizeof(opts) / sizeof(opts[0]),
				 usage);
}

int main(int argc, char **argv)
{
	struct ctl ctl = {
		.env = {
			.interval_ms = DEF_INTERVAL_MS,
			.http_delay_ms = DEF_HTTP_DELAY_MS,
			.port = DEF_PORT,
		},
		.icmp_fd = -1,
		.nl_fd = -1,
		.srv = { .lfd = -1 },
	};
	struct timespec next, now;
	int ret, rc = 1;

	ret = parse_args(argc, argv, &ctl.env);
	if (ret)
		return ret == 1 ? 0 : 2;

	setvbuf(stdout, NULL, _IOLBF, 0);
	oracle_init(&(struct oracle_layout){ .phases = phase_name, .n_phases = PH_MAX,
					      .n_subsys = SS_MAX, .n_exact = SS_MAX });
	oracle_name_subsys(SS_ICMP, "icmp");
	oracle_name_subsys(SS_NETLINK, "netlink:route");
	oracle_name_subsys(SS_TC, "tc");
	oracle_name_subsys(SS_TCP_IN, "tcp-in:%u", ctl.env.port);
	oracle_name_subsys(SS_TCP_UNCONN, "tcp:unconnected");
	oracle_name_subsys(SS_TCP_OUT, "tcp:127.0.0.1:%u", ctl.env.port);

	/* Blocked before the server thread exists, so it inherits the mask. */
	oracle_signals_init();
	if (sem_init(&ctl.srv.gate, 0, 0)) {
		ls_err("sem_init: %s", strerror(errno));
		return 1;
	}

	oracle_set_phase(PH_SETUP);
	if (setup_icmp(&ctl) || setup_netlink(&ctl) || setup_listener(&ctl))
		goto teardown;
	if (ctl.env.wait_start && !oracle_wait_for_usr1("democtl")) {
		rc = 0;
		goto teardown;
	}
	if (start_server(&ctl))
		goto teardown;

	oracle_set_phase(PH_CYCLES);
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (;;) {
		if (run_cycle(&ctl))
			goto teardown;
		if (oracle_stop || (ctl.env.cycles && ctl.cycles_done >= ctl.env.cycles))
			break;
		ts_add_ms(&next, ctl.env.interval_ms);
		/* After a slow cycle, start the next one now rather than bursting. */
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > next.tv_sec ||
		    (now.tv_sec == next.tv_sec && now.tv_nsec > next.tv_nsec))
			next = now;
		oracle_sleep_until(&next);
		if (oracle_stop)
			break;
	}
	rc = 0;

teardown:
	/* Before shutdown, so that everything from here on counts as teardown. */
	oracle_set_phase(PH_TEARDOWN);
	if (ctl.srv.listening) {
		if (ctl.srv.started)
			sem_post(&ctl.srv.gate);
		/* wakes the server's accept4, which then fails with EINVAL */
		if (c_shutdown(SS_TCP_IN, ctl.srv.lfd, SHUT_RDWR)) {
			ls_err("shutdown of the listener: %s", strerror(errno));
			rc = 1;
		}
	}
	if (ctl.srv.started) {
		pthread_join(ctl.srv.tid, NULL);
		if (__atomic_load_n(&ctl.srv.failed, __ATOMIC_SEQ_CST))
			rc = 1;
	}
	if (ctl.srv.lfd >= 0)
		c_close(SS_TCP_IN, ctl.srv.lfd);
	if (ctl.icmp_fd >= 0)
		c_close(SS_ICMP, ctl.icmp_fd);
	if (ctl.nl_fd >= 0)
		/* after a dump, the close too is on a "tc" socket */
		c_close(ctl.ops.netlink_dump ? SS_TC : SS_NETLINK, ctl.nl_fd);
	sem_destroy(&ctl.srv.gate);

	/* A failed run has no report: its counts would not be an oracle. */
	if (rc)
		return rc;
	print_report(&ctl, stdout);
	return ctl.env.json_path ? oracle_save_json(ctl.env.json_path, print_json, &ctl) : 0;
}
