/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * waitload: the test oracle for how latscope names wait syscalls.
 *
 * poll, ppoll, select, pselect6, epoll_wait and epoll_pwait belong to the
 * subsystem of the fds they wait on when all of them share one, else to
 * "wait:mixed"; a poll over no fd at all is "other".  Each iteration makes
 * a fixed set of such waits on a bound UDP socket, a pipe, 17 pipes (more
 * than the 16 fds latscope inspects) and epoll sets of 16 and of 17 of
 * those pipes (latscope walks an interest set up to 16 entries), and
 * counts every call per (phase, subsystem, syscall) in the shape democtl
 * prints, so tests/integration/compare-democtl.sh checks latscope against
 * it.
 *
 * Every counted call is made with syscall(2) by tools/oracle.c: a libc
 * wrapper may make another syscall than its name says (poll() may be
 * ppoll, select() pselect6), and the oracle must name the one the kernel
 * saw.  Waits that
 * must see the socket readable come right after a send to it and drain it
 * with recvfrom, and all other waits have a zero timeout, so no call blocks
 * and the counts do not depend on timing.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include "log.h"
#include "oracle.h"

#define DEF_ITERATIONS		10
#define DEF_PORT		18490
/* A wait that should return at once but has not after this long is a failure. */
#define WAIT_MS			5000
/* LS_MAX_WAIT_FDS: how many of a wait's fds latscope looks at */
#define MAX_WAIT_FDS		16
/* One more: latscope stops looking and says "mixed". */
#define N_PIPES			(MAX_WAIT_FDS + 1)
/* latscope classifies the fds of a select set only below 64. */
#define SELECT_FD_LIMIT		64

enum wl_phase {
	PH_SETUP,
	PH_RUN,
	PH_TEARDOWN,
	PH_MAX,
};

static const char *const phase_name[PH_MAX] = {
	[PH_SETUP] = "setup",
	[PH_RUN] = "run",
	[PH_TEARDOWN] = "teardown",
};

/*
 * SS_EXACT_MAX splits the subsystems.  Every call latscope can put into
 * the ones before it is one of ours, so they go to "phases" and are
 * compared whole.  "file" and "other" also get the calls of the dynamic
 * loader and of stdio, which nobody counts: they go to "shared", where only
 * the (subsystem, syscall) pairs listed are ours alone.
 */
enum wl_subsys {
	SS_UDP_UNCONN,		/* "udp:unconnected": both socket()s, the server's bind */
	SS_UDP_OUT,		/* "udp:127.0.0.1:PORT": the client from connect on */
	SS_UDP_IN,		/* "udp-in:PORT": the bound server socket */
	SS_MIXED,		/* "wait:mixed" */
	SS_EXACT_MAX,
	SS_FILE = SS_EXACT_MAX,	/* "file": waits on the pipe alone, or with fd -1,
				 * and on the epoll set of 16 pipes */
	SS_OTHER,		/* "other": poll(NULL, 0, 0) */
	SS_MAX,
};

struct env {
	unsigned long iterations;
	unsigned int port;
	const char *json_path;		/* NULL: stdout */
};

struct wl {
	struct env env;
	int srv_fd;			/* bound to 127.0.0.1:PORT */
	int cli_fd;			/* connected to it */
	int ep_udp;			/* epoll set: srv_fd alone */
	int ep_mixed;			/* epoll set: srv_fd and pipes[0][0] */
	int ep_pipes16;			/* epoll set: the read ends of MAX_WAIT_FDS pipes */
	int ep_pipes17;			/* epoll set: the read ends of all N_PIPES */
	int pipes[N_PIPES][2];
	unsigned long done;
};

/* ---- setup ------------------------------------------------------------ */

static int epoll_add(int epfd, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

/*
 * Pipes and epoll sets are set up through libc, uncounted: latscope puts
 * those calls into "file" and "other", which are compared per syscall only.
 */
static int setup(struct wl *wl)
{
	struct sockaddr_in sin;
	int i;

	/* latscope names a socket by what it is at the call: not bound yet */
	wl->srv_fd = c_socket(SS_UDP_UNCONN, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (wl->srv_fd < 0) {
		ls_err("server socket: %s", strerror(errno));
		return -1;
	}
	if (wl->srv_fd >= SELECT_FD_LIMIT) {
		/* select over it would be "wait:mixed", not what we count */
		ls_err("server socket is fd %d; select needs it below %d", wl->srv_fd,
		      SELECT_FD_LIMIT);
		return -1;
	}
	oracle_loopback(&sin, wl->env.port);
	/* an explicit bind is what makes latscope see the serving side */
	if (c_bind(SS_UDP_UNCONN, wl->srv_fd, &sin, sizeof(sin))) {
		ls_err("bind 127.0.0.1:%u: %s", wl->env.port, strerror(errno));
		return -1;
	}
	wl->cli_fd = c_socket(SS_UDP_UNCONN, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (wl->cli_fd < 0) {
		ls_err("client socket: %s", strerror(errno));
		return -1;
	}
	/* connect() is named after where it connects to */
	if (c_connect(SS_UDP_OUT, wl->cli_fd, &sin, sizeof(sin))) {
		ls_err("connect 127.0.0.1:%u: %s", wl->env.port, strerror(errno));
		return -1;
	}
	for (i = 0; i < N_PIPES; i++) {
		if (pipe2(wl->pipes[i], O_CLOEXEC)) {
			ls_err("pipe2: %s", strerror(errno));
			return -1;
		}
	}
	wl->ep_udp = epoll_create1(EPOLL_CLOEXEC);
	wl->ep_mixed = epoll_create1(EPOLL_CLOEXEC);
	wl->ep_pipes16 = epoll_create1(EPOLL_CLOEXEC);
	wl->ep_pipes17 = epoll_create1(EPOLL_CLOEXEC);
	if (wl->ep_udp < 0 || wl->ep_mixed < 0 || wl->ep_pipes16 < 0 || wl->ep_pipes17 < 0) {
		ls_err("epoll_create1: %s", strerror(errno));
		return -1;
	}
	if (epoll_add(wl->ep_udp, wl->srv_fd) || epoll_add(wl->ep_mixed, wl->srv_fd) ||
	    epoll_add(wl->ep_mixed, wl->pipes[0][0])) {
		ls_err("epoll_ctl: %s", strerror(errno));
		return -1;
	}
	/* exactly as many as latscope looks at, and one more */
	for (i = 0; i < N_PIPES; i++) {
		if ((i < MAX_WAIT_FDS && epoll_add(wl->ep_pipes16, wl->pipes[i][0])) ||
		    epoll_add(wl->ep_pipes17, wl->pipes[i][0])) {
			ls_err("epoll_ctl: %s", strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* ---- one iteration ---------------------------------------------------- */

/* Give the server socket a datagram, so a wait on it returns at once. */
static int send_one(struct wl *wl)
{
	static const char msg[] = "waitload";

	if (c_sendto(SS_UDP_OUT, wl->cli_fd, msg, sizeof(msg), 0, NULL, 0) != (ssize_t)sizeof(msg)) {
		ls_err("sendto: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Take the datagram a wait reported, so the next wait starts from empty. */
static int drain(struct wl *wl)
{
	char buf[64];

	if (c_recvfrom(SS_UDP_IN, wl->srv_fd, buf, sizeof(buf), MSG_DONTWAIT) < 0) {
		ls_err("recvfrom: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* A wait that had a datagram waiting must have reported it. */
static int expect_ready(const char *what, int n)
{
	if (n == 1)
		return 0;
	if (n == 0)
		ls_err("%s: the UDP socket was not readable after %d ms", what, WAIT_MS);
	else
		ls_err("%s: %s", what, strerror(errno));
	return -1;
}

/* Waits on the UDP socket alone: all "udp-in:PORT". */
static int waits_udp(struct wl *wl)
{
	struct pollfd pfd = { .fd = wl->srv_fd, .events = POLLIN };
	struct epoll_event ev;
	fd_set rd;

	if (send_one(wl) || expect_ready("poll", c_poll(SS_UDP_IN, &pfd, 1, WAIT_MS)) ||
	    drain(wl))
		return -1;
	if (send_one(wl) || expect_ready("ppoll", c_ppoll(SS_UDP_IN, &pfd, 1, WAIT_MS)) ||
	    drain(wl))
		return -1;
	FD_ZERO(&rd);
	FD_SET(wl->srv_fd, &rd);
	if (send_one(wl) ||
	    expect_ready("select", c_select(SS_UDP_IN, wl->srv_fd + 1, &rd, WAIT_MS)) ||
	    drain(wl))
		return -1;
	FD_ZERO(&rd);
	FD_SET(wl->srv_fd, &rd);
	if (send_one(wl) ||
	    expect_ready("pselect6", c_pselect6(SS_UDP_IN, wl->srv_fd + 1, &rd, WAIT_MS)) ||
	    drain(wl))
		return -1;
	if (send_one(wl) ||
	    expect_ready("epoll_wait", c_epoll_wait(SS_UDP_IN, wl->ep_udp, &ev, 1, WAIT_MS)) ||
	    drain(wl))
		return -1;
	if (send_one(wl) ||
	    expect_ready("epoll_pwait", c_epoll_pwait(SS_UDP_IN, wl->ep_udp, &ev, 1, WAIT_MS)) ||
	    drain(wl))
		return -1;
	return 0;
}

/*
 * Waits with a zero timeout, while the socket is empty.  Should a datagram
 * be reported anyway, it is drained (and counted) like any other.
 */
static int waits_other(struct wl *wl)
{
	struct pollfd two[2] = {
		{ .fd = wl->srv_fd, .events = POLLIN },
		{ .fd = wl->pipes[0][0], .events = POLLIN },
	};
	/* poll skips an entry with a negative fd: a common way to disable one */
	struct pollfd skipped[2] = {
		{ .fd = wl->pipes[0][0], .events = POLLIN },
		{ .fd = -1, .events = POLLIN },
	};
	struct pollfd many[N_PIPES];
	struct epoll_event ev[N_PIPES];
	int i, n;

	/* a socket and a pipe: "wait:mixed" */
	if (c_poll(SS_MIXED, two, 2, 0) < 0) {
		ls_err("poll on the socket and a pipe: %s", strerror(errno));
		return -1;
	}
	if ((two[0].revents & POLLIN) && drain(wl))
		return -1;
	n = c_epoll_wait(SS_MIXED, wl->ep_mixed, ev, 2, 0);
	if (n < 0) {
		ls_err("epoll_wait on the socket and a pipe: %s", strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++)
		if (ev[i].data.fd == wl->srv_fd && drain(wl))
			return -1;

	/* no fd at all: a sleep, "other" */
	if (c_poll(SS_OTHER, NULL, 0, 0) < 0) {
		ls_err("poll on no fd: %s", strerror(errno));
		return -1;
	}
	/* the pipe alone: "file" */
	if (c_poll(SS_FILE, &two[1], 1, 0) < 0) {
		ls_err("poll on a pipe: %s", strerror(errno));
		return -1;
	}
	/* the pipe and fd -1, which poll ignores: still "file" */
	if (c_poll(SS_FILE, skipped, 2, 0) < 0) {
		ls_err("poll on a pipe and fd -1: %s", strerror(errno));
		return -1;
	}
	/* 17 pipes, all "file", but more than latscope looks at: "wait:mixed" */
	for (i = 0; i < N_PIPES; i++)
		many[i] = (struct pollfd){ .fd = wl->pipes[i][0], .events = POLLIN };
	if (c_poll(SS_MIXED, many, N_PIPES, 0) < 0) {
		ls_err("poll on %d pipes: %s", N_PIPES, strerror(errno));
		return -1;
	}
	/*
	 * The same with epoll, whose interest set latscope walks: 16 pipes,
	 * as many as it looks at, are "file"; 17 are "wait:mixed".  Nothing
	 * is ever written to the pipes, so these find nothing.
	 */
	if (c_epoll_wait(SS_FILE, wl->ep_pipes16, ev, N_PIPES, 0) < 0 ||
	    c_epoll_pwait(SS_FILE, wl->ep_pipes16, ev, N_PIPES, 0) < 0) {
		ls_err("epoll on %d pipes: %s", MAX_WAIT_FDS, strerror(errno));
		return -1;
	}
	if (c_epoll_wait(SS_MIXED, wl->ep_pipes17, ev, N_PIPES, 0) < 0 ||
	    c_epoll_pwait(SS_MIXED, wl->ep_pipes17, ev, N_PIPES, 0) < 0) {
		ls_err("epoll on %d pipes: %s", N_PIPES, strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- teardown --------------------------------------------------------- */

static void teardown(struct wl *wl)
{
	int i;

	if (wl->srv_fd >= 0)
		c_close(SS_UDP_IN, wl->srv_fd);
	if (wl->cli_fd >= 0)
		c_close(SS_UDP_OUT, wl->cli_fd);
	for (i = 0; i < N_PIPES; i++) {
		if (wl->pipes[i][0] >= 0)
			close(wl->pipes[i][0]);
		if (wl->pipes[i][1] >= 0)
			close(wl->pipes[i][1]);
	}
	if (wl->ep_udp >= 0)
		close(wl->ep_udp);
	if (wl->ep_mixed >= 0)
		close(wl->ep_mixed);
	if (wl->ep_pipes16 >= 0)
		close(wl->ep_pipes16);
	if (wl->ep_pipes17 >= 0)
		close(wl->ep_pipes17);
}

/* ---- report ----------------------------------------------------------- */

/*
 * democtl's shape, so compare-democtl.sh reads it.  "shared" holds the
 * calls of the run phase in subsystems that are not ours alone (see
 * enum wl_subsys).
 */
static int print_json(FILE *f, const void *arg)
{
	const struct wl *wl = arg;

	fprintf(f, "{\"pid\":%d,\"port\":%u,\"iterations\":%lu,\n", (int)getpid(),
		wl->env.port, wl->done);
	oracle_write_json(f);
	return 0;
}

/* ---- command line ----------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
"Usage: waitload [-n N] [-p PORT] [-j FILE]\n"
"\n"
"Make a fixed set of wait syscalls N times and print, as JSON, how many\n"
"calls it made per (phase, subsystem, syscall), where the subsystem is the\n"
"name latscope gives the call (the test oracle).\n"
"\n"
"Every iteration, each right after a send to a UDP socket bound to\n"
"127.0.0.1:PORT and followed by a recvfrom that drains it: poll, ppoll,\n"
"select, pselect6, epoll_wait and epoll_pwait on that socket alone\n"
"(udp-in:PORT).  Then, with a zero timeout: poll and epoll_wait on the socket\n"
"and a pipe (wait:mixed), poll on no fd (other), poll on the pipe alone and\n"
"on the pipe and fd -1, which poll ignores (file), poll on %d pipes\n"
"(wait:mixed: more fds than latscope inspects), and epoll_wait and\n"
"epoll_pwait on an epoll set of %d of those pipes (file) and on one of all\n"
"%d (wait:mixed).\n"
"\n"
"Options:\n"
"  -n, --iterations N    iterations (default %d)\n"
"  -p, --port PORT       UDP port on 127.0.0.1, 1-65535 (default %d); never 0:\n"
"                        latscope tells the serving side by its bound port\n"
"  -j, --json FILE       write the JSON to FILE (tmp + rename), not stdout\n"
"  -h, --help            show this help\n"
"\n"
"The JSON has democtl's \"phases\" (setup, run, teardown), which hold every\n"
"call latscope can put into those subsystems, and \"shared\": calls of the run\n"
"phase in file and other, where the loader's and stdio's calls land too.\n"
"\n"
"Exit status: 0 success, 1 runtime failure (no JSON), 2 usage error.\n",
		N_PIPES, MAX_WAIT_FDS, N_PIPES, DEF_ITERATIONS, DEF_PORT);
}

/* 0 to run, 1 to exit 0 (help), 2 on a usage error (printed). */
static int parse_args(int argc, char **argv, struct env *env)
{
	const struct oracle_opt opts[] = {
		{ 'n', "iterations", ORACLE_OPT_ULONG, 0, ULONG_MAX, &env->iterations },
		{ 'p', "port", ORACLE_OPT_UINT, 1, 65535, &env->port },
		{ 'j', "json", ORACLE_OPT_STRING, 0, 0, &env->json_path },
	};

	return oracle_parse_args("waitload", argc, argv, opts, sizeof(opts) / sizeof(opts[0]),
				 usage);
}

int main(int argc, char **argv)
{
	struct wl wl = {
		.env = { .iterations = DEF_ITERATIONS, .port = DEF_PORT },
		.srv_fd = -1,
		.cli_fd = -1,
		.ep_udp = -1,
		.ep_mixed = -1,
		.ep_pipes16 = -1,
		.ep_pipes17 = -1,
	};
	int i, ret, rc = 1;

	ret = parse_args(argc, argv, &wl.env);
	if (ret)
		return ret == 1 ? 0 : 2;
	for (i = 0; i < N_PIPES; i++)
		wl.pipes[i][0] = wl.pipes[i][1] = -1;

	oracle_init(&(struct oracle_layout){ .phases = phase_name, .n_phases = PH_MAX,
					      .n_subsys = SS_MAX, .n_exact = SS_EXACT_MAX,
					      .shared_phase = PH_RUN });
	oracle_name_subsys(SS_UDP_UNCONN, "udp:unconnected");
	oracle_name_subsys(SS_UDP_OUT, "udp:127.0.0.1:%u", wl.env.port);
	oracle_name_subsys(SS_UDP_IN, "udp-in:%u", wl.env.port);
	oracle_name_subsys(SS_MIXED, "wait:mixed");
	oracle_name_subsys(SS_FILE, "file");
	oracle_name_subsys(SS_OTHER, "other");

	oracle_set_phase(PH_SETUP);
	if (setup(&wl))
		goto out;
	oracle_set_phase(PH_RUN);
	for (wl.done = 0; wl.done < wl.env.iterations; wl.done++)
		if (waits_udp(&wl) || waits_other(&wl))
			goto out;
	rc = 0;
out:
	oracle_set_phase(PH_TEARDOWN);
	teardown(&wl);
	/* A failed run has no report: its counts would not be an oracle. */
	if (rc)
		return rc;
	return oracle_save_json(wl.env.json_path, print_json, &wl);
}
