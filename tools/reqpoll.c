/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * reqpoll: a client that asks a slow server the way event-loop daemons do,
 * and the test oracle for `latscope diff` on such a socket.
 *
 * Every request is a send, several readiness checks (poll with a zero
 * timeout, which find nothing: the server is still thinking), one poll
 * that waits for the reply, and a recvfrom.  The waits are a minority of
 * the socket's calls, so a change in the server's delay moves the
 * socket's upper percentiles and its time, not its median: the case a
 * test over all calls misses (docs/diff.md).
 *
 * The client counts every call it makes on its socket per (phase,
 * subsystem, syscall) through tools/oracle.c, and times each with
 * CLOCK_MONOTONIC, so a test can check latscope's counts and percentiles
 * against it.  The server (--serve) is meant to run untraced, in its own
 * process: it answers each request after --delay ms, or after --stall ms
 * on every --stall-every'th request.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include "log.h"
#include "oracle.h"
#include "save_file.h"

#define DEF_PORT		18482
#define DEF_REQUESTS		30
#define DEF_INTERVAL_MS		60
#define DEF_CHECKS		5
#define DEF_DELAY_MS		5
#define DEF_STALL_MS		300
/* A reply that has not come after this long is a failure, not a wait. */
#define REPLY_TIMEOUT_MS	10000
#define MSG_LEN			8
/* latscope names a wait by its fds while it has at most this many. */
#define MAX_CHECK_FDS		16

static const char request_msg[MSG_LEN] = "request\n";
static const char reply_msg[MSG_LEN] = "reply..\n";

enum rp_phase {
	PH_SETUP,
	PH_RUN,
	PH_TEARDOWN,
	PH_MAX,
};

static const char *const phase_name[PH_MAX] = { "setup", "run", "teardown" };

/* Every call of the client is in these two subsystems, and only its calls. */
enum rp_subsys {
	SS_TCP_UNCONN,		/* "tcp:unconnected": the socket() */
	SS_TCP_OUT,		/* "tcp:127.0.0.1:PORT": from connect on */
	SS_MAX,
};

struct env {
	bool serve;
	unsigned int port;
	unsigned long requests;
	unsigned int interval_ms;
	unsigned int checks;
	unsigned int check_fds;
	unsigned int delay_ms;
	unsigned long stall_every;
	unsigned int stall_ms;
	const char *json_path;
	bool quiet;
};

/* The client's own view of its socket's calls: every duration, in ns. */
struct timings {
	uint64_t *ns;
	size_t n, cap;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* ---- server ------------------------------------------------------------ */

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

/* Read exactly len bytes; 0, or -1 at EOF or on an error. */
static int read_full(int fd, char *buf, size_t len)
{
	ssize_t n;
	size_t have = 0;

	while (have < len) {
		n = read(fd, buf + have, len - have);
		if (n < 0 && errno == EINTR && !stop)
			continue;
		if (n <= 0)
			return -1;
		have += (size_t)n;
	}
	return 0;
}

/* One client at a time, requests counted across clients for the stalls. */
static int serve(const struct env *env)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct sockaddr_in sin;
	unsigned long served = 0;
	int lfd, fd, one = 1;
	char buf[MSG_LEN];

	/* No SA_RESTART: a signal ends the blocking accept or read. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0) {
		ls_err("socket: %s", strerror(errno));
		return 1;
	}
	oracle_loopback(&sin, env->port);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) || listen(lfd, 4)) {
		ls_err("127.0.0.1:%u: %s", env->port, strerror(errno));
		close(lfd);
		return 1;
	}
	fprintf(stderr, "reqpoll: serving on 127.0.0.1:%u, %u ms a request\n", env->port,
		env->delay_ms);
	while (!stop) {
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		while (!stop && !read_full(fd, buf, sizeof(buf))) {
			served++;
			sleep_ms(env->stall_every && served % env->stall_every == 0 ?
				 env->stall_ms : env->delay_ms);
			if (write(fd, reply_msg, sizeof(reply_msg)) != sizeof(reply_msg))
				break;
		}
		close(fd);
	}
	close(lfd);
	return 0;
}

/* ---- client ------------------------------------------------------------ */

static int timings_add(struct timings *t, uint64_t ns)
{
	uint64_t *p;

	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 256;
		p = realloc(t->ns, t->cap * sizeof(*p));
		if (!p)
			return -1;
		t->ns = p;
	}
	t->ns[t->n++] = ns;
	return 0;
}

/* The calls on the connected socket are timed: that is the subsystem compared. */
#define TIMED(t, call) ({					\
	uint64_t t0_ = now_ns();				\
	long r_ = (long)(call);					\
	if (timings_add(t, now_ns() - t0_))			\
		r_ = -1;					\
	r_;							\
})

/* One request; the duration of each call on the socket into t, of the whole into req. */
static int request(int fd, const struct env *env, struct timings *t, struct timings *req)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN }, check[MAX_CHECK_FDS];
	char buf[MSG_LEN];
	size_t have = 0;
	uint64_t start;
	unsigned int k;
	long n;

	for (k = 0; k < env->check_fds; k++)
		check[k] = pfd;
	start = now_ns();

	if (TIMED(t, c_sendto(SS_TCP_OUT, fd, request_msg, sizeof(request_msg), MSG_NOSIGNAL,
			      NULL, 0)) != sizeof(request_msg)) {
		ls_err("sendto: %s", strerror(errno));
		return -1;
	}
	/* The readiness checks: the server has not answered yet, and that is fine. */
	for (k = 0; k < env->checks; k++)
		if (TIMED(t, c_poll(SS_TCP_OUT, check, env->check_fds, 0)) < 0) {
			ls_err("poll: %s", strerror(errno));
			return -1;
		}
	if (TIMED(t, c_poll(SS_TCP_OUT, &pfd, 1, REPLY_TIMEOUT_MS)) != 1) {
		ls_err("no reply within %d ms", REPLY_TIMEOUT_MS);
		return -1;
	}
	while (have < sizeof(buf)) {
		n = TIMED(t, c_recvfrom(SS_TCP_OUT, fd, buf + have, sizeof(buf) - have, 0));
		if (n <= 0) {
			ls_err("recvfrom: %s", n ? strerror(errno) : "the server closed");
			return -1;
		}
		have += (size_t)n;
	}
	if (timings_add(req, now_ns() - start))
		return -1;
	if (memcmp(buf, reply_msg, sizeof(buf))) {
		ls_err("unexpected reply from the server");
		return -1;
	}
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest rank, as latscope reads a percentile: the ceil(p/100 * n)-th smallest. */
static uint64_t pctl(const struct timings *t, unsigned int p)
{
	size_t r = (t->n * p + 99) / 100;

	return t->n ? t->ns[(r ? r : 1) - 1] : 0;
}

struct report {
	const struct env *env;
	unsigned long done;
	struct timings *t, *req;
};

/* ` "NAME":{"subsystem":...,"calls":N,"p50_ns":...},` of sorted timings. */
static void print_timings(FILE *f, const char *name, unsigned int port, const struct timings *t)
{
	fprintf(f, " \"%s\":{\"subsystem\":\"tcp:127.0.0.1:%u\",\"calls\":%zu,\"p50_ns\":%ju,"
		"\"p90_ns\":%ju,\"p99_ns\":%ju,\"max_ns\":%ju},\n", name, port, t->n,
		(uintmax_t)pctl(t, 50), (uintmax_t)pctl(t, 90), (uintmax_t)pctl(t, 99),
		(uintmax_t)(t->n ? t->ns[t->n - 1] : 0));
}

static int print_json(FILE *f, const void *arg)
{
	const struct report *rep = arg;

	fprintf(f, "{\"pid\":%d,\"port\":%u,\"requests\":%lu,\"checks\":%u,\n", (int)getpid(),
		rep->env->port, rep->done, rep->env->checks);
	print_timings(f, "latency", rep->env->port, rep->t);
	print_timings(f, "request_latency", rep->env->port, rep->req);
	oracle_write_json(f);
	return 0;
}

static int client(const struct env *env)
{
	struct timings t = { 0 }, req = { 0 };
	struct report rep = { .env = env, .t = &t, .req = &req };
	struct sockaddr_in sin;
	uint64_t next, start;
	int fd = -1, ret, rc = 1;

	oracle_init(&(struct oracle_layout){ .phases = phase_name, .n_phases = PH_MAX,
					      .n_subsys = SS_MAX, .n_exact = SS_MAX,
					      .shared_phase = PH_RUN });
	oracle_name_subsys(SS_TCP_UNCONN, "tcp:unconnected");
	oracle_name_subsys(SS_TCP_OUT, "tcp:127.0.0.1:%u", env->port);

	oracle_set_phase(PH_SETUP);
	fd = c_socket(SS_TCP_UNCONN, AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ls_err("socket: %s", strerror(errno));
		goto out;
	}
	oracle_loopback(&sin, env->port);
	if (TIMED(&t, c_connect(SS_TCP_OUT, fd, &sin, sizeof(sin)))) {
		ls_err("connect to 127.0.0.1:%u: %s (is 'reqpoll --serve' running?)", env->port,
		       strerror(errno));
		goto out;
	}
	oracle_set_phase(PH_RUN);
	next = now_ns();
	for (rep.done = 0; rep.done < env->requests; rep.done++) {
		start = now_ns();
		if (request(fd, env, &t, &req))
			goto out;
		if (!env->quiet)
			printf("request %lu: %.3f ms\n", rep.done + 1,
			       (double)(now_ns() - start) / 1e6);
		/* A late request makes the next one start at once; none is skipped. */
		next += (uint64_t)env->interval_ms * 1000000ULL;
		if (next > now_ns())
			sleep_ms((unsigned int)((next - now_ns()) / 1000000ULL));
		else
			next = now_ns();
	}
	rc = 0;
out:
	oracle_set_phase(PH_TEARDOWN);
	if (fd >= 0 && TIMED(&t, c_close(SS_TCP_OUT, fd)) && !rc) {
		ls_err("close: %s", strerror(errno));
		rc = 1;
	}
	/* A failed run has no report: its counts would not be an oracle. */
	if (!rc) {
		qsort(t.ns, t.n, sizeof(*t.ns), cmp_u64);
		qsort(req.ns, req.n, sizeof(*req.ns), cmp_u64);
		if (env->json_path) {
			ret = ls_save_file(env->json_path, print_json, &rep);
			if (ret)
				ls_err("%s: %s", env->json_path, strerror(-ret));
			rc = ret ? 1 : 0;
		} else {
			print_json(stdout, &rep);
			rc = fflush(stdout) ? 1 : 0;
		}
	}
	free(t.ns);
	free(req.ns);
	return rc;
}

/* ---- command line ------------------------------------------------------ */

static void usage(FILE *f)
{
	fprintf(f,
"Usage: reqpoll --serve [-p PORT] [-d MS] [-e N] [-t MS]\n"
"       reqpoll [-p PORT] [-n N] [-i MS] [-k N] [-c N] [-j FILE] [-q]\n"
"\n"
"A request/reply client over TCP on 127.0.0.1 that checks its socket for\n"
"the reply several times before it waits for it, as event-loop daemons do,\n"
"and the server it talks to.  Per request the client makes one sendto, K\n"
"polls with a zero timeout, one poll that waits for the reply and a\n"
"recvfrom; then it waits for the next interval.  It prints, as JSON, how\n"
"many calls it made per (phase, subsystem, syscall), where the subsystem is\n"
"the name latscope gives the call, and the percentiles of the durations of\n"
"its calls on the connected socket, timed with CLOCK_MONOTONIC (the test\n"
"oracle).  Run the server apart from the traced client.\n"
"\n"
"Server:\n"
"  -s, --serve            be the server, until SIGINT or SIGTERM\n"
"  -d, --delay MS         answer each request after MS ms (default %d)\n"
"  -e, --stall-every N    every Nth request (0: none, the default) ...\n"
"  -t, --stall MS         ... after MS ms instead (default %d)\n"
"\n"
"Client:\n"
"  -n, --requests N       requests to make (default %d)\n"
"  -i, --interval MS      one request every MS ms (default %d); a late one\n"
"                         makes the next start at once\n"
"  -k, --checks N         zero-timeout polls per request (default %d)\n"
"  -c, --check-fds N      entries in each check's poll set, all the socket,\n"
"                         1 to %d (default 1): more make a check slower\n"
"  -j, --json FILE        write the JSON to FILE (tmp + rename), not stdout\n"
"  -q, --quiet            no line per request\n"
"\n"
"Both:\n"
"  -p, --port PORT        the server's port on 127.0.0.1 (default %d)\n"
"  -h, --help             show this help\n"
"\n"
"Example (docs/diff.md):\n"
"  reqpoll --serve -d 5 &\n"
"  latscope record -q -o before.json -- reqpoll -q\n"
"\n"
"Exit status: 0 success, 1 runtime failure (no JSON), 2 usage error.\n",
		DEF_DELAY_MS, DEF_STALL_MS, DEF_REQUESTS, DEF_INTERVAL_MS, DEF_CHECKS,
		MAX_CHECK_FDS, DEF_PORT);
}

int main(int argc, char **argv)
{
	struct env env = {
		.port = DEF_PORT,
		.requests = DEF_REQUESTS,
		.interval_ms = DEF_INTERVAL_MS,
		.checks = DEF_CHECKS,
		.check_fds = 1,
		.delay_ms = DEF_DELAY_MS,
		.stall_ms = DEF_STALL_MS,
	};
	const struct oracle_opt opts[] = {
		{ 's', "serve", ORACLE_OPT_FLAG, 0, 0, &env.serve },
		{ 'd', "delay", ORACLE_OPT_UINT, 0, 600000, &env.delay_ms },
		{ 'e', "stall-every", ORACLE_OPT_ULONG, 0, ULONG_MAX, &env.stall_every },
		{ 't', "stall", ORACLE_OPT_UINT, 0, 600000, &env.stall_ms },
		{ 'n', "requests", ORACLE_OPT_ULONG, 1, 100000000, &env.requests },
		{ 'i', "interval", ORACLE_OPT_UINT, 0, 3600000, &env.interval_ms },
		{ 'k', "checks", ORACLE_OPT_UINT, 0, 1000, &env.checks },
		{ 'c', "check-fds", ORACLE_OPT_UINT, 1, MAX_CHECK_FDS, &env.check_fds },
		{ 'j', "json", ORACLE_OPT_STRING, 0, 0, &env.json_path },
		{ 'q', "quiet", ORACLE_OPT_FLAG, 0, 0, &env.quiet },
		{ 'p', "port", ORACLE_OPT_UINT, 1, 65535, &env.port },
	};
	int ret;

	ret = oracle_parse_args("reqpoll", argc, argv, opts, sizeof(opts) / sizeof(opts[0]),
				usage);
	if (ret)
		return ret == 1 ? 0 : 2;
	return env.serve ? serve(&env) : client(&env);
}
