/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * fdreuse: the test oracle for latscope's fd cache.
 *
 * latscope caches per thread what an fd number names and trusts the entry
 * until its process closes, dup2/dup3s over, connects or binds some fd.
 * Each iteration here keeps one fd number, FD, in use while it changes
 * what it names: an unconnected UDP socket that gets bound, a UDP socket
 * that sends to one port and then connects to another, a ping socket that
 * a second thread dup3s over it, and a unix socket that the second thread
 * puts there after closing it.  Each change is followed at once by a call
 * of the main thread on FD, whose cache entry for it still describes what
 * FD was, so a stale entry shows up as a call under the old name.  Last,
 * an unconnected UDP socket at FD on which the main thread sends to one
 * port and the second thread to another: the main thread's receives must
 * be named after its own send, also after an unrelated close has made its
 * cache entry stale, and those of a third thread, which never sent on it,
 * after the second thread's, the socket's last.  The calls are counted per
 * (phase, subsystem, syscall) in the shape democtl prints, so
 * tests/integration/compare-democtl.sh checks latscope against them.  See
 * docs/fdreuse.md.
 *
 * Every counted call is made with syscall(2) by tools/oracle.c: a libc
 * wrapper may make another syscall than its name says.  The threads hand
 * over with a mutex and a condition variable, whose futex calls latscope
 * names "other", and between the call that fills the main thread's cache
 * entry for FD and the one that checks it the main thread makes no call
 * on another fd in the same cache slot (fd & 3): it would evict the entry
 * and hide a stale one.  Nor does any other call that invalidates the
 * cache come between a change and its check, so each check tests one of
 * them: bind, connect, dup3 and close.  (Step e's one such call, the close
 * of a pipe, is the point of its check.)
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include "log.h"
#include "oracle.h"

#define DEF_ITERATIONS		10
/* BASE, BASE + 1, BASE + 2: away from waitload's 18490 and democtl's 18080 */
#define DEF_PORT_BASE		18520
/* A reply that should be queued already but has not come after this long is a failure. */
#define RECV_TIMEOUT_MS		5000
/* LS_FD_CACHE: a thread's fd cache is direct-mapped by fd % 4 */
#define FD_CACHE_SLOTS		4
/* step e: what sink B sends to FD's socket, one receive each */
#define FEED_DGRAMS		3
/* what steps b and e send to each sink, taken off at the iteration's end */
#define SINK_DGRAMS		3

enum fr_phase {
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
 * Every call latscope can put into these subsystems is one of ours, so
 * they all go to "phases" and are compared whole.  Nothing counted lands
 * in "file" or "other": the handovers, step e's pipe, the loader and stdio
 * do, and "shared" stays empty.
 */
enum fr_subsys {
	SS_UDP_UNCONN,		/* "udp:unconnected": socket()s, binds, FD before bind
				 * or a first send */
	SS_BIND_IN,		/* "udp-in:BASE": FD once bound */
	SS_A_IN,		/* "udp-in:BASE+1": sink A */
	SS_B_IN,		/* "udp-in:BASE+2": sink B */
	SS_A_OUT,		/* "udp:127.0.0.1:BASE+1": FD's sendto()s to A; step e:
				 * the main thread's calls after its send to A */
	SS_B_OUT,		/* "udp:127.0.0.1:BASE+2": FD connected to B; step e:
				 * the second thread's send to B, the third's receive */
	SS_ICMP,		/* "icmp": the ping socket, also as FD */
	SS_UNIX,		/* "unix": the socket pair, one end as FD */
	SS_MAX,
};

enum fr_thread {
	TH_MAIN,		/* T1 */
	TH_HELPER,		/* T2: steps c, d and e */
	TH_RECEIVER,		/* T3: step e, never sends on FD */
	TH_MAX,
};

/* What the main thread asks another thread to do. */
enum fr_job {
	JOB_NONE,
	JOB_PING_OVER_FD,	/* T2, step c: a ping socket dup3'd over FD */
	JOB_UNIX_AT_FD,		/* T2, step d: FD closed, a unix socket at its number */
	JOB_SEND_B,		/* T2, step e: a send to B on FD */
	JOB_FEED,		/* T2, step e: sink B sends to FD's port */
	JOB_RECV,		/* T3, step e: a receive on FD */
	JOB_QUIT,
};

struct fr;

/* T2 or T3, waiting for jobs from the main thread. */
struct fr_worker {
	struct fr *fr;
	enum fr_thread id;
	pthread_t thread;
	int started;
	enum fr_job job;		/* under fr->lock; the worker sets JOB_NONE when done */
	int job_rc;			/* under fr->lock */
};

struct env {
	unsigned long iterations;
	unsigned int port_base;
	const char *json_path;		/* NULL: stdout */
};

struct fr {
	struct env env;
	int sink_a;			/* bound to 127.0.0.1:BASE+1 */
	int sink_b;			/* bound to 127.0.0.1:BASE+2 */
	int fd;				/* FD, the reused number; -1 until known */
	int ping;			/* the ping socket's own fd, steps c to d */
	int unix_peer;			/* the other end of the socket pair */
	unsigned int fd_port;		/* step e: FD's port, which its first send picked */
	unsigned long done;

	struct fr_worker workers[TH_MAX];	/* [TH_HELPER], [TH_RECEIVER] */
	pthread_mutex_t lock;		/* for every worker's job */
	pthread_cond_t cv;
};

/* SO_RCVTIMEO, so a reply that never comes fails the run instead of hanging it. */
static int c_rcvtimeo(enum fr_subsys ss, int fd)
{
	struct timeval tv = {
		.tv_sec = RECV_TIMEOUT_MS / 1000,
		.tv_usec = (RECV_TIMEOUT_MS % 1000) * 1000,
	};

	return c_setsockopt(ss, fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

static unsigned int port_bind(const struct fr *fr)
{
	return fr->env.port_base;
}

static unsigned int port_a(const struct fr *fr)
{
	return fr->env.port_base + 1;
}

static unsigned int port_b(const struct fr *fr)
{
	return fr->env.port_base + 2;
}

/*
 * A new fd must be FD: the kernel hands out the lowest free number, and
 * the workload's point is that the number stays the same.
 */
static int expect_fd(const struct fr *fr, const char *what, int got)
{
	if (got < 0) {
		ls_err("%s: %s", what, strerror(errno));
		return -1;
	}
	if (got != fr->fd) {
		ls_err("%s returned fd %d, expected %d (the number the workload reuses)", what,
		      got, fr->fd);
		return -1;
	}
	return 0;
}

/* ---- setup ------------------------------------------------------------ */

/* A UDP socket explicitly bound to 127.0.0.1:port: "udp-in:port" from then on. */
static int open_sink(unsigned int port, enum fr_subsys ss_in, int *out)
{
	struct sockaddr_in sin;
	int fd;

	/* named from socket()'s arguments, and at bind's entry still unbound */
	fd = c_socket(SS_UDP_UNCONN, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ls_err("socket for 127.0.0.1:%u: %s", port, strerror(errno));
		return -1;
	}
	*out = fd;
	oracle_loopback(&sin, port);
	if (c_bind(SS_UDP_UNCONN, fd, &sin, sizeof(sin))) {
		ls_err("bind 127.0.0.1:%u: %s", port, strerror(errno));
		return -1;
	}
	if (c_rcvtimeo(ss_in, fd)) {
		ls_err("SO_RCVTIMEO on 127.0.0.1:%u: %s", port, strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- the other threads ------------------------------------------------ */

/*
 * Step c: a ping socket takes FD's number with dup3, which closes FD's UDP
 * socket in the same call.  dup3 is named after its first fd, the ping
 * socket.  The original stays open until step d: closing it now would
 * invalidate the cache too, and hide a dup3 that does not.
 */
static int job_ping_over_fd(struct fr *fr)
{
	int ping;

	ping = c_socket(SS_ICMP, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_ICMP);
	if (ping < 0) {
		if (errno == EACCES || errno == EPERM)
			ls_err("ping socket refused (%s): our group is outside "
			      "net.ipv4.ping_group_range", strerror(errno));
		else
			ls_err("ping socket: %s", strerror(errno));
		return -1;
	}
	if (ping == fr->fd) {
		ls_err("the ping socket is fd %d, which should still be in use", ping);
		close(ping);
		return -1;
	}
	if (c_rcvtimeo(SS_ICMP, ping)) {
		ls_err("SO_RCVTIMEO on the ping socket: %s", strerror(errno));
		close(ping);
		return -1;
	}
	fr->ping = ping;
	return expect_fd(fr, "dup3 of the ping socket", c_dup3(SS_ICMP, ping, fr->fd, O_CLOEXEC));
}

/*
 * Step d: the ping socket's original fd and FD are closed, and a unix
 * socket pair takes FD's number, which is the lowest free one; should it
 * not, dup3 puts the first end there.
 */
static int job_unix_at_fd(struct fr *fr)
{
	int sv[2];

	if (c_close(SS_ICMP, fr->ping)) {
		ls_err("close of the ping socket: %s", strerror(errno));
		return -1;
	}
	fr->ping = -1;
	if (c_close(SS_ICMP, fr->fd)) {
		ls_err("close of fd %d (ping socket): %s", fr->fd, strerror(errno));
		return -1;
	}
	if (c_socketpair(SS_UNIX, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
		ls_err("socketpair: %s", strerror(errno));
		return -1;
	}
	if (sv[1] == fr->fd) {
		ls_err("socketpair put its second end at fd %d", fr->fd);
		return -1;
	}
	if (sv[0] != fr->fd) {
		if (expect_fd(fr, "dup3 of the unix socket",
			      c_dup3(SS_UNIX, sv[0], fr->fd, O_CLOEXEC)))
			return -1;
		if (c_close(SS_UNIX, sv[0])) {
			ls_err("close of the unix socket's first fd: %s", strerror(errno));
			return -1;
		}
	}
	fr->unix_peer = sv[1];
	return 0;
}

/*
 * Step e, T2: a send to B on FD, which the main thread sent to A on just
 * before.  T2's own cache entry for FD's number describes step d's socket,
 * if any: the send names its destination all the same.  The socket's last
 * send (sock_last) is now B.
 */
static int job_send_b(struct fr *fr)
{
	struct sockaddr_in b;

	oracle_loopback(&b, port_b(fr));
	if (c_sendto(SS_B_OUT, fr->fd, "b", 1, 0, &b, sizeof(b)) != 1) {
		ls_err("sendto 127.0.0.1:%u on fd %d: %s", port_b(fr), fr->fd, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Step e, T2: datagrams for the receives on FD, from sink B.  T2 sends
 * them, not T1: a call of T1 on a sink could take FD's cache slot.
 */
static int job_feed(struct fr *fr)
{
	struct sockaddr_in to;
	int i;

	oracle_loopback(&to, fr->fd_port);
	for (i = 0; i < FEED_DGRAMS; i++) {
		if (c_sendto(SS_B_IN, fr->sink_b, "f", 1, 0, &to, sizeof(to)) != 1) {
			ls_err("sendto 127.0.0.1:%u from 127.0.0.1:%u: %s", fr->fd_port,
			      port_b(fr), strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* One of the datagrams job_feed() sent, on FD. */
static int recv_fed(struct fr *fr, enum fr_subsys ss, const char *who)
{
	char buf[16];
	ssize_t n;

	n = c_recvfrom(ss, fr->fd, buf, sizeof(buf), 0);
	if (n == 1 && buf[0] == 'f')
		return 0;
	ls_err("recvfrom on fd %d (%s): %s", fr->fd, who,
	      n < 0 ? (errno == EAGAIN ? "none within the timeout" : strerror(errno)) :
	      "not the datagram sent");
	return -1;
}

/*
 * Step e, T3: a receive on FD by a thread that never sent on the socket,
 * so it is named after the socket's last send by any thread: T2's, to B.
 */
static int job_recv(struct fr *fr)
{
	return recv_fed(fr, SS_B_OUT, "third thread");
}

static int run_job(struct fr *fr, enum fr_job job)
{
	switch (job) {
	case JOB_PING_OVER_FD:
		return job_ping_over_fd(fr);
	case JOB_UNIX_AT_FD:
		return job_unix_at_fd(fr);
	case JOB_SEND_B:
		return job_send_b(fr);
	case JOB_FEED:
		return job_feed(fr);
	case JOB_RECV:
		return job_recv(fr);
	default:
		ls_err("unknown job %d", (int)job);
		return -1;
	}
}

static void *worker_main(void *arg)
{
	struct fr_worker *w = arg;
	struct fr *fr = w->fr;
	enum fr_job job;
	int rc;

	for (;;) {
		pthread_mutex_lock(&fr->lock);
		while (w->job == JOB_NONE)
			pthread_cond_wait(&fr->cv, &fr->lock);
		job = w->job;
		pthread_mutex_unlock(&fr->lock);
		if (job == JOB_QUIT)
			return NULL;
		rc = run_job(fr, job);
		pthread_mutex_lock(&fr->lock);
		w->job = JOB_NONE;
		w->job_rc = rc;
		pthread_cond_broadcast(&fr->cv);
		pthread_mutex_unlock(&fr->lock);
	}
}

/*
 * Run a job on T2 or T3 and wait until it is done, so that every call of
 * the main thread after this comes after every call of the job.
 */
static int worker_do(struct fr *fr, enum fr_thread th, enum fr_job job)
{
	struct fr_worker *w = &fr->workers[th];
	int rc;

	pthread_mutex_lock(&fr->lock);
	w->job = job;
	pthread_cond_broadcast(&fr->cv);
	if (job == JOB_QUIT) {
		pthread_mutex_unlock(&fr->lock);
		return 0;
	}
	while (w->job != JOB_NONE)
		pthread_cond_wait(&fr->cv, &fr->lock);
	rc = w->job_rc;
	pthread_mutex_unlock(&fr->lock);
	return rc;
}

static int start_worker(struct fr *fr, enum fr_thread th)
{
	struct fr_worker *w = &fr->workers[th];
	int ret;

	w->fr = fr;
	w->id = th;
	ret = pthread_create(&w->thread, NULL, worker_main, w);
	if (ret) {
		ls_err("pthread_create: %s", strerror(ret));
		return -1;
	}
	w->started = 1;
	return 0;
}

static void stop_worker(struct fr *fr, enum fr_thread th)
{
	struct fr_worker *w = &fr->workers[th];

	if (!w->started)
		return;
	worker_do(fr, th, JOB_QUIT);
	pthread_join(w->thread, NULL);
	w->started = 0;
}

/* ---- one iteration ---------------------------------------------------- */

/*
 * Step a: a fresh UDP socket at FD is "udp:unconnected" until it is bound;
 * the recvfrom right after the bind must say "udp-in:BASE".  Both
 * recvfroms find nothing (MSG_DONTWAIT): EAGAIN, one error each.
 */
static int step_bind(struct fr *fr)
{
	struct sockaddr_in sin;
	char buf[16];
	int fd;

	fd = c_socket(SS_UDP_UNCONN, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && fr->fd < 0)
		fr->fd = fd;		/* the first iteration picks the number */
	if (expect_fd(fr, "socket (step a)", fd))
		return -1;
	if (c_recvfrom(SS_UDP_UNCONN, fr->fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0 ||
	    errno != EAGAIN) {
		ls_err("recvfrom on an unbound socket: expected EAGAIN, got %s", strerror(errno));
		return -1;
	}
	oracle_loopback(&sin, port_bind(fr));
	/* bind is named at its entry, when the socket is still unbound */
	if (c_bind(SS_UDP_UNCONN, fr->fd, &sin, sizeof(sin))) {
		ls_err("bind 127.0.0.1:%u: %s", port_bind(fr), strerror(errno));
		return -1;
	}
	if (c_recvfrom(SS_BIND_IN, fr->fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0 ||
	    errno != EAGAIN) {
		ls_err("recvfrom on the bound socket: expected EAGAIN, got %s", strerror(errno));
		return -1;
	}
	if (c_close(SS_BIND_IN, fr->fd)) {
		ls_err("close of the bound socket: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Step b: a fresh UDP socket at FD sends to A, named after that
 * destination, then connects to B: the sends after the connect must say B.
 */
static int step_connect(struct fr *fr)
{
	static const char msg[] = "x";
	struct sockaddr_in a, b;
	int i;

	if (expect_fd(fr, "socket (step b)",
		      c_socket(SS_UDP_UNCONN, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)))
		return -1;
	oracle_loopback(&a, port_a(fr));
	oracle_loopback(&b, port_b(fr));
	for (i = 0; i < 2; i++) {
		if (c_sendto(SS_A_OUT, fr->fd, msg, 1, 0, &a, sizeof(a)) != 1) {
			ls_err("sendto 127.0.0.1:%u: %s", port_a(fr), strerror(errno));
			return -1;
		}
	}
	/* connect is named after where it connects to */
	if (c_connect(SS_B_OUT, fr->fd, &b, sizeof(b))) {
		ls_err("connect 127.0.0.1:%u: %s", port_b(fr), strerror(errno));
		return -1;
	}
	for (i = 0; i < 2; i++) {
		if (c_sendto(SS_B_OUT, fr->fd, msg, 1, 0, NULL, 0) != 1) {
			ls_err("send to 127.0.0.1:%u: %s", port_b(fr), strerror(errno));
			return -1;
		}
	}
	return 0;
}

/*
 * Step c, after the helper put a ping socket at FD: an echo request to
 * 127.0.0.1 and its reply, both "icmp".  The kernel fills in the ident and
 * the checksum of a ping socket's requests.
 */
static int step_ping(struct fr *fr)
{
	struct {
		struct icmphdr h;
		char payload[8];
	} req = {
		.h.type = ICMP_ECHO,
		.h.un.echo.sequence = htons((uint16_t)fr->done),
		.payload = "fdreuse",
	}, rep;
	struct sockaddr_in dst;
	ssize_t n;

	oracle_loopback(&dst, 0);
	if (c_sendto(SS_ICMP, fr->fd, &req, sizeof(req), 0, &dst, sizeof(dst)) !=
	    (ssize_t)sizeof(req)) {
		ls_err("ICMP echo request to 127.0.0.1: %s", strerror(errno));
		return -1;
	}
	n = c_recvfrom(SS_ICMP, fr->fd, &rep, sizeof(rep), 0);
	if (n < 0) {
		ls_err("ICMP echo reply from 127.0.0.1: %s", errno == EAGAIN ?
		      "none within the timeout" : strerror(errno));
		return -1;
	}
	if (n < (ssize_t)sizeof(rep.h) || rep.h.type != ICMP_ECHOREPLY ||
	    rep.h.un.echo.sequence != req.h.un.echo.sequence) {
		ls_err("ICMP: expected the echo reply to sequence %lu", fr->done);
		return -1;
	}
	return 0;
}

/*
 * Step d, after the helper closed FD and put a unix socket there: the
 * write on FD must say "unix".  Then both ends are closed.
 */
static int step_unix(struct fr *fr)
{
	ssize_t n;
	char c = 0;

	if (c_write(SS_UNIX, fr->fd, "y", 1) != 1) {
		ls_err("write on the unix socket: %s", strerror(errno));
		return -1;
	}
	n = c_read(SS_UNIX, fr->unix_peer, &c, 1);
	if (n != 1 || c != 'y') {
		ls_err("read on the unix socket: %s", n < 0 ? strerror(errno) :
		      n == 0 ? "end of file" : "not the byte written");
		return -1;
	}
	if (c_close(SS_UNIX, fr->fd) || c_close(SS_UNIX, fr->unix_peer)) {
		ls_err("close of the unix sockets: %s", strerror(errno));
		return -1;
	}
	fr->unix_peer = -1;
	return 0;
}

/*
 * Step e: an unconnected UDP socket at FD on which T1 sends to A and T2 to
 * B.  A receive is named after the receiving thread's own last send on the
 * socket if it remembers one, else after the socket's last send by any
 * thread (docs/design.md, "Datagram destinations").  So T1's calls on FD
 * after its send are named after A although T2 sent to B since: the
 * getsockname and a recvfrom while T1's cache entry for FD is valid, and
 * a recvfrom after an unrelated close made it stale (the same socket at
 * the same number: T1 still knows what it sent), and the close.  T3, which
 * never sent on the socket, receives under B.  The pipe whose close is the
 * unrelated one is made and closed with plain libc calls, uncounted: their
 * names, "other" and "file", are not compared.
 */
static int step_senders(struct fr *fr)
{
	struct sockaddr_in a, self;
	socklen_t len = sizeof(self);
	int p[2], unrelated, other;

	if (expect_fd(fr, "socket (step e)",
		      c_socket(SS_UDP_UNCONN, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)))
		return -1;
	/* no send yet: still "udp:unconnected" */
	if (c_rcvtimeo(SS_UDP_UNCONN, fr->fd)) {
		ls_err("SO_RCVTIMEO on fd %d: %s", fr->fd, strerror(errno));
		return -1;
	}
	/* after the socket, which must take FD */
	if (pipe2(p, O_CLOEXEC)) {
		ls_err("pipe2: %s", strerror(errno));
		return -1;
	}
	/* a close in FD's cache slot would evict T1's entry, not just age it */
	unrelated = p[0] % FD_CACHE_SLOTS != fr->fd % FD_CACHE_SLOTS ? p[0] : p[1];
	other = unrelated == p[0] ? p[1] : p[0];
	if (unrelated % FD_CACHE_SLOTS == fr->fd % FD_CACHE_SLOTS) {
		ls_err("both ends of the pipe (fds %d, %d) share fd %d's cache slot", p[0], p[1],
		      fr->fd);
		goto fail;
	}

	/* no bind: that would make it the serving side, udp-in; the send autobinds */
	oracle_loopback(&a, port_a(fr));
	if (c_sendto(SS_A_OUT, fr->fd, "a", 1, 0, &a, sizeof(a)) != 1) {
		ls_err("sendto 127.0.0.1:%u on fd %d: %s", port_a(fr), fr->fd, strerror(errno));
		goto fail;
	}
	if (worker_do(fr, TH_HELPER, JOB_SEND_B))
		goto fail;
	/* named like a receive: after T1's own last send, A, not the socket's, B */
	if (c_getsockname(SS_A_OUT, fr->fd, &self, &len)) {
		ls_err("getsockname on fd %d: %s", fr->fd, strerror(errno));
		goto fail;
	}
	if (self.sin_family != AF_INET || !self.sin_port) {
		ls_err("getsockname on fd %d: the send left it without an IPv4 port", fr->fd);
		goto fail;
	}
	fr->fd_port = ntohs(self.sin_port);
	if (worker_do(fr, TH_HELPER, JOB_FEED))
		goto fail;
	/* T1's cache entry for FD is valid: A */
	if (recv_fed(fr, SS_A_OUT, "main thread"))
		goto fail;
	/* the unrelated close: every cache entry of the process is stale now */
	if (close(unrelated)) {
		ls_err("close of the pipe's fd %d: %s", unrelated, strerror(errno));
		unrelated = -1;
		goto fail;
	}
	unrelated = -1;
	/* classified afresh, the same socket at the same number: still A */
	if (recv_fed(fr, SS_A_OUT, "main thread, after an unrelated close"))
		goto fail;
	/* T3 never sent on the socket: its last send by any thread, B */
	if (worker_do(fr, TH_RECEIVER, JOB_RECV))
		goto fail;
	if (c_close(SS_A_OUT, fr->fd)) {
		ls_err("close of fd %d: %s", fr->fd, strerror(errno));
		goto fail;
	}
	close(other);
	return 0;
fail:
	if (unrelated >= 0)
		close(unrelated);
	close(other);
	return -1;
}

/*
 * Take the datagrams of steps b and e off the sinks.  Only now: a call on
 * a sink's fd in between could take FD's cache slot.
 */
static int drain_sinks(struct fr *fr)
{
	char buf[16];
	int i;

	for (i = 0; i < SINK_DGRAMS; i++) {
		if (c_recvfrom(SS_A_IN, fr->sink_a, buf, sizeof(buf), 0) != 1) {
			ls_err("recvfrom on 127.0.0.1:%u: %s", port_a(fr), strerror(errno));
			return -1;
		}
		if (c_recvfrom(SS_B_IN, fr->sink_b, buf, sizeof(buf), 0) != 1) {
			ls_err("recvfrom on 127.0.0.1:%u: %s", port_b(fr), strerror(errno));
			return -1;
		}
	}
	return 0;
}

static int iteration(struct fr *fr)
{
	if (step_bind(fr) || step_connect(fr))
		return -1;
	if (worker_do(fr, TH_HELPER, JOB_PING_OVER_FD) || step_ping(fr))
		return -1;
	if (worker_do(fr, TH_HELPER, JOB_UNIX_AT_FD) || step_unix(fr))
		return -1;
	if (step_senders(fr))
		return -1;
	return drain_sinks(fr);
}

/* ---- report ----------------------------------------------------------- */

/* democtl's shape, so compare-democtl.sh reads it; "shared" is empty (see enum fr_subsys). */
static int print_json(FILE *f, const void *arg)
{
	const struct fr *fr = arg;

	fprintf(f, "{\"pid\":%d,\"port_base\":%u,\"fd\":%d,\"iterations\":%lu,\n",
		(int)getpid(), fr->env.port_base, fr->fd, fr->done);
	oracle_write_json(f);
	return 0;
}

/* ---- command line ----------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
"Usage: fdreuse [-n N] [-p BASE] [-j FILE]\n"
"\n"
"Give one fd number, FD, five different sockets in turn, N times, across three\n"
"threads, and print, as JSON, how many calls it made per (phase, subsystem,\n"
"syscall), where the subsystem is the name latscope gives the call (the test\n"
"oracle for latscope's per-thread fd cache).\n"
"\n"
"Each iteration: (a) a UDP socket at FD, recvfrom (EAGAIN), bind to\n"
"127.0.0.1:BASE, recvfrom again (udp-in:BASE), close; (b) a UDP socket at FD,\n"
"two sendto 127.0.0.1:BASE+1, connect to 127.0.0.1:BASE+2, two sends\n"
"(udp:127.0.0.1:BASE+2); (c) the helper thread opens a ping socket and dup3s\n"
"it over FD; the main thread sends an ICMP echo request to 127.0.0.1 on FD and\n"
"receives the reply (icmp); (d) the helper closes the ping socket's original\n"
"fd and FD, and makes a unix socket pair whose first end is FD; the main\n"
"thread writes a byte on FD (unix), reads it at the other end and closes\n"
"both; (e) a UDP socket at FD, never bound: the main thread sends to\n"
"127.0.0.1:BASE+1, the helper to BASE+2; the main thread's getsockname, two\n"
"recvfrom, one before and one after it closes a pipe, and close on FD are\n"
"named after its own send (udp:127.0.0.1:BASE+1), and a recvfrom of a third\n"
"thread, which never sent on it, after the socket's last send\n"
"(udp:127.0.0.1:BASE+2); the socket bound to BASE+2 sends the datagrams\n"
"received.  Then the datagrams of (b) and (e) are taken off the sockets bound\n"
"to BASE+1 and BASE+2.\n"
"\n"
"Options:\n"
"  -n, --iterations N    iterations (default %d)\n"
"  -p, --port-base BASE  UDP ports BASE, BASE+1, BASE+2 on 127.0.0.1, BASE from\n"
"                        1 to 65533 (default %d)\n"
"  -j, --json FILE       write the JSON to FILE (tmp + rename), not stdout\n"
"  -h, --help            show this help\n"
"\n"
"The ping socket needs our group in net.ipv4.ping_group_range.\n"
"\n"
"The JSON has democtl's \"phases\" (setup, run, teardown), which hold every\n"
"call latscope can put into those subsystems, and an empty \"shared\".\n"
"\n"
"Exit status: 0 success, 1 runtime failure (no JSON), 2 usage error.\n",
		DEF_ITERATIONS, DEF_PORT_BASE);
}

/* 0 to run, 1 to exit 0 (help), 2 on a usage error (printed). */
static int parse_args(int argc, char **argv, struct env *env)
{
	const struct oracle_opt opts[] = {
		{ 'n', "iterations", ORACLE_OPT_ULONG, 0, ULONG_MAX, &env->iterations },
		{ 'p', "port-base", ORACLE_OPT_UINT, 1, 65533, &env->port_base },
		{ 'j', "json", ORACLE_OPT_STRING, 0, 0, &env->json_path },
	};

	return oracle_parse_args("fdreuse", argc, argv, opts, sizeof(opts) / sizeof(opts[0]),
				 usage);
}

int main(int argc, char **argv)
{
	struct fr fr = {
		.env = { .iterations = DEF_ITERATIONS, .port_base = DEF_PORT_BASE },
		.sink_a = -1,
		.sink_b = -1,
		.fd = -1,
		.ping = -1,
		.unix_peer = -1,
		.lock = PTHREAD_MUTEX_INITIALIZER,
		.cv = PTHREAD_COND_INITIALIZER,
	};
	int ret, rc = 1;

	ret = parse_args(argc, argv, &fr.env);
	if (ret)
		return ret == 1 ? 0 : 2;

	oracle_init(&(struct oracle_layout){ .phases = phase_name, .n_phases = PH_MAX,
					      .n_subsys = SS_MAX, .n_exact = SS_MAX });
	oracle_name_subsys(SS_UDP_UNCONN, "udp:unconnected");
	oracle_name_subsys(SS_BIND_IN, "udp-in:%u", port_bind(&fr));
	oracle_name_subsys(SS_A_IN, "udp-in:%u", port_a(&fr));
	oracle_name_subsys(SS_B_IN, "udp-in:%u", port_b(&fr));
	oracle_name_subsys(SS_A_OUT, "udp:127.0.0.1:%u", port_a(&fr));
	oracle_name_subsys(SS_B_OUT, "udp:127.0.0.1:%u", port_b(&fr));
	oracle_name_subsys(SS_ICMP, "icmp");
	oracle_name_subsys(SS_UNIX, "unix");

	oracle_set_phase(PH_SETUP);
	if (open_sink(port_a(&fr), SS_A_IN, &fr.sink_a) ||
	    open_sink(port_b(&fr), SS_B_IN, &fr.sink_b))
		goto out;
	if (start_worker(&fr, TH_HELPER) || start_worker(&fr, TH_RECEIVER))
		goto out;

	oracle_set_phase(PH_RUN);
	for (fr.done = 0; fr.done < fr.env.iterations; fr.done++)
		if (iteration(&fr))
			goto out;
	rc = 0;
out:
	oracle_set_phase(PH_TEARDOWN);
	stop_worker(&fr, TH_HELPER);
	stop_worker(&fr, TH_RECEIVER);
	if (fr.sink_a >= 0)
		c_close(SS_A_IN, fr.sink_a);
	if (fr.sink_b >= 0)
		c_close(SS_B_IN, fr.sink_b);
	/* A failed run has no report: its counts would not be an oracle. */
	if (rc)
		return rc;
	return oracle_save_json(fr.env.json_path, print_json, &fr);
}
