/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * cyclectl: controller-like workloads with one planted bottleneck each, the
 * oracle of latscope's cycle budget (docs/cyclectl.md).
 *
 * Every mode runs the same periodic loop: sleep with
 * clock_nanosleep(TIMER_ABSTIME) to the next deadline, do the mode's work,
 * and measure it.  The cycle's busy time is measured from the deadline (when
 * the loop should have woken) to the end of the work: latscope counts the
 * run-queue delay after the sleep as the cycle's, and so must the oracle.
 * Its user CPU comes from getrusage(RUSAGE_THREAD) around the work.
 *
 * Whatever a mode needs besides the loop (a server, a resolver, CPU hogs)
 * is set up before -w's wait and runs in child processes: `latscope record
 * -p PID` of the loop does not trace them, as it would not trace a real
 * router or resolver.  Every child dies with the loop (PR_SET_PDEATHSIG)
 * and is killed and reaped when the loop ends or gets SIGTERM.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include "log.h"
#include "oracle.h"
#include "parse.h"
#include "save_file.h"

#define DEF_PERIOD_MS		200
#define DEF_REST_PORT		18490
#define DEF_DNS_PORT		53
#define DNS_ADDR		"127.53.0.1"	/* any 127.x address is loopback on Linux */
#define DEF_REST_DELAY_MS	5
#define DEF_DNS_DELAY_MS	80
#define DEF_STALL_MS		300
#define DEF_STALL_EVERY		10
#define DEF_SPINNERS		3
#define DEF_SPINNER_NICE	"-10"
#define DEF_WAIT_US		150
#define DEF_BURN_MS		30
/* a reply that has not come after this long is a failure, not a figure */
#define REPLY_TIMEOUT_MS	5000
#define MAX_CHILDREN		64
#define MAX_COUNTERS		3

enum mode {
	M_REST,
	M_TC,
	M_FSYNC,
	M_STARVED,
	M_CPU,
	M_DNS,
	M_MAX,
};

static const char *const mode_names[M_MAX] = {
	[M_REST] = "rest",
	[M_TC] = "tc",
	[M_FSYNC] = "fsync",
	[M_STARVED] = "starved",
	[M_CPU] = "cpu",
	[M_DNS] = "dns",
};

struct env {
	const char *mode_name;
	unsigned int period_ms;
	unsigned long cycles;		/* 0: until SIGINT/SIGTERM */
	bool wait_start;
	const char *json_path;
	unsigned int port;		/* 0: the mode's default */
	unsigned int delay_ms;		/* 0: the mode's default */
	unsigned int stall_ms;
	unsigned int stall_every;
	unsigned int count;		/* per cycle; 0: the mode's default */
	const char *file;
	unsigned int spinners;
	const char *spinner_nice;
	const char *nice;		/* the loop's (and its helpers'), NULL: as is */
	unsigned int wait_us;
	unsigned int burn_ms;
};

/* A growing array of per-event figures in ns. */
struct samples {
	uint64_t *v;
	size_t n, cap;
};

struct ctl;

struct mode_ops {
	unsigned int def_count;		/* per cycle */
	const char *counters[MAX_COUNTERS];	/* what it counts, NULL-terminated */
	int (*setup)(struct ctl *c);
	int (*cycle)(struct ctl *c);
};

struct ctl {
	struct env env;
	enum mode mode;
	const struct mode_ops *ops;
	uint64_t period_ns;
	unsigned long cycles_done;
	unsigned long overruns;		/* deadlines skipped after a late cycle */
	struct samples busy;		/* deadline to the end of the work */
	struct samples user;		/* ru_utime of the work */
	struct samples on_cpu;		/* schedstat CPU time of the work */
	struct samples runq;		/* schedstat run_delay from the sleep to the end */
	struct samples request;		/* rest, dns: send to the end of the reply */
	uint64_t counts[MAX_COUNTERS];
	/*
	 * The whole run as a tracer that attached during -w's wait sees it,
	 * from before that wait to the end: start values, then the totals.
	 */
	struct {
		uint64_t wall, user, cpu, runq;
	} run;
	pid_t children[MAX_CHILDREN];
	int n_children;
	int fd;				/* the listener, resolver socket, log file, timerfd */
	int null_fd;
	int schedstat_fd;		/* /proc/thread-self/schedstat; -1: none */
	bool own_file;			/* the default log file: removed at exit */
	char path[PATH_MAX];		/* the log file, tc's executable */
	int cpu;			/* starved: the CPU everything is pinned to */
	uint64_t burn_per_ms;		/* iterations of burn() per ms of CPU */
	char *err_buf;
};


/* ---- time and figures ---------------------------------------------------- */

static uint64_t ts_ns(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * 1000000000ULL + (uint64_t)ts->tv_nsec;
}

static struct timespec ns_ts(uint64_t ns)
{
	return (struct timespec){ .tv_sec = (time_t)(ns / 1000000000ULL),
				  .tv_nsec = (long)(ns % 1000000000ULL) };
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts_ns(&ts);
}

static uint64_t utime_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_THREAD, &ru);
	return (uint64_t)ru.ru_utime.tv_sec * 1000000000ULL + (uint64_t)ru.ru_utime.tv_usec * 1000;
}

/*
 * The kernel's own count of the time this thread waited for a CPU
 * (run_delay in /proc/thread-self/schedstat, kept by sched_info), or 0.
 */
/*
 * The kernel's own figures for this thread (/proc/thread-self/schedstat,
 * kept by sched_info): time on a CPU, user and system, exactly (rusage's
 * split is sampled by ticks), and time spent runnable waiting for a CPU.
 * Zeros when there is no schedstat.
 */
struct sched_figures {
	uint64_t cpu_ns, runq_ns;
};

static struct sched_figures sched_read(const struct ctl *c)
{
	unsigned long long cpu, runq;
	struct sched_figures sf = { 0, 0 };
	char buf[128];
	ssize_t n;

	if (c->schedstat_fd < 0)
		return sf;
	n = pread(c->schedstat_fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return sf;
	buf[n] = '\0';
	if (sscanf(buf, "%llu %llu", &cpu, &runq) == 2)
		sf = (struct sched_figures){ cpu, runq };
	return sf;
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = ns_ts(ns);

	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR)
		;
}

static int samples_add(struct samples *s, uint64_t v)
{
	if (s->n == s->cap) {
		size_t ncap = s->cap ? 2 * s->cap : 64;
		uint64_t *p = realloc(s->v, ncap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		s->v = p;
		s->cap = ncap;
	}
	s->v[s->n++] = v;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest rank, as latscope reads its histograms: the ceil(p/100 * n)-th value. */
static uint64_t rank_value(const uint64_t *sorted, size_t n, unsigned int p)
{
	size_t r = (n * p + 99) / 100;

	return sorted[r ? r - 1 : 0];
}

static void write_stats(FILE *f, const char *name, const struct samples *s)
{
	uint64_t *v, sum = 0;
	size_t i;

	fprintf(f, "\"%s\":{", name);
	v = s->n ? malloc(s->n * sizeof(*v)) : NULL;
	if (v) {
		memcpy(v, s->v, s->n * sizeof(*v));
		qsort(v, s->n, sizeof(*v), cmp_u64);
		for (i = 0; i < s->n; i++)
			sum += v[i];
		fprintf(f, "\"count\":%zu,\"min\":%ju,\"p50\":%ju,\"p90\":%ju,\"max\":%ju,"
			"\"mean\":%ju,\"total\":%ju", s->n, (uintmax_t)v[0],
			(uintmax_t)rank_value(v, s->n, 50), (uintmax_t)rank_value(v, s->n, 90),
			(uintmax_t)v[s->n - 1], (uintmax_t)(sum / s->n), (uintmax_t)sum);
	} else {
		fputs("\"count\":0", f);
	}
	fputc('}', f);
	free(v);
}

/* ---- children ------------------------------------------------------------ */

/*
 * Fork a helper that runs fn and never returns.  It dies with us (also if
 * we are killed), and takes SIGTERM and SIGINT the default way.
 */
static pid_t start_child(struct ctl *c, void (*fn)(struct ctl *c))
{
	pid_t parent = getpid(), pid;
	sigset_t all;

	if (c->n_children == MAX_CHILDREN) {
		ls_err("too many helper processes");
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		ls_err("fork: %s", strerror(errno));
		return -1;
	}
	if (pid) {
		c->children[c->n_children++] = pid;
		return pid;
	}
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)	/* the loop died before prctl */
		_exit(0);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	sigfillset(&all);
	sigprocmask(SIG_UNBLOCK, &all, NULL);
	fn(c);
	_exit(0);
}

static void stop_children(struct ctl *c)
{
	int i;

	for (i = 0; i < c->n_children; i++)
		kill(c->children[i], SIGKILL);
	for (i = 0; i < c->n_children; i++)
		while (waitpid(c->children[i], NULL, 0) < 0 && errno == EINTR)
			;
	c->n_children = 0;
}

/* ---- work that costs CPU and nothing else --------------------------------- */

static volatile uint64_t burn_sink;

static void burn(uint64_t iterations)
{
	uint64_t x = burn_sink | 1, i;

	for (i = 0; i < iterations; i++)
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
	burn_sink = x;
}

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts_ns(&ts);
}

/* How many burn() iterations take 1 ms of CPU; measured on this CPU, before any cycle. */
static void calibrate_burn(struct ctl *c)
{
	uint64_t n = 1 << 16, t0, t;

	for (;;) {
		t0 = thread_cpu_ns();
		burn(n);
		t = thread_cpu_ns() - t0;
		if (t >= 20000000ULL)
			break;
		n *= 2;
	}
	c->burn_per_ms = n * 1000000ULL / t;
	if (!c->burn_per_ms)
		c->burn_per_ms = 1;
}

static void burn_us(const struct ctl *c, uint64_t us)
{
	burn(c->burn_per_ms * us / 1000);
}

/* ---- rest: a REST server that stalls one request in N --------------------- */

static int loopback_socket(int type, const char *addr, unsigned int port, bool serve)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd, one = 1;

	inet_pton(AF_INET, addr, &sin.sin_addr);
	fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (serve) {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) ||
		    (type == SOCK_STREAM && listen(fd, 16)))
			goto fail;
	} else if (connect(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

static void rest_server(struct ctl *c)
{
	static const char body[] = "{\"state\":\"ok\"}\n";
	unsigned long served = 0;
	char req[2048], resp[256];
	size_t have;
	ssize_t n;
	int fd, len;

	for (;;) {
		fd = accept4(c->fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0 && (errno == EINTR || errno == ECONNABORTED))
			continue;
		/* the loop's connect then fails and says so */
		if (fd < 0)
			_exit(1);
		have = 0;
		while (!memmem(req, have, "\r\n\r\n", 4) && have < sizeof(req)) {
			n = recv(fd, req + have, sizeof(req) - have, 0);
			if (n <= 0)
				break;
			have += (size_t)n;
		}
		served++;
		/* the same rule as the client's: every stall_every-th request stalls */
		sleep_ns((uint64_t)(served % c->env.stall_every ? c->env.delay_ms :
				    c->env.stall_ms) * 1000000ULL);
		len = snprintf(resp, sizeof(resp), "HTTP/1.0 200 OK\r\nContent-Type: "
			       "application/json\r\nContent-Length: %zu\r\n\r\n%s",
			       strlen(body), body);
		send(fd, resp, (size_t)len, MSG_NOSIGNAL);
		close(fd);
	}
}

static int rest_setup(struct ctl *c)
{
	c->fd = loopback_socket(SOCK_STREAM, "127.0.0.1", c->env.port, true);
	if (c->fd < 0) {
		ls_err("REST server on 127.0.0.1:%u: %s", c->env.port, strerror(errno));
		return -1;
	}
	if (start_child(c, rest_server) < 0)
		return -1;
	/* only the server accepts */
	close(c->fd);
	c->fd = -1;
	return 0;
}

/* Wait for fd to become readable; -1 (printed) on a timeout or an error. */
static int await_reply(int fd, const char *what)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int ret;

	do {
		ret = poll(&pfd, 1, REPLY_TIMEOUT_MS);
	} while (ret < 0 && errno == EINTR);
	if (ret > 0)
		return 0;
	ls_err("%s: %s", what, ret ? strerror(errno) : "no reply within 5 s");
	return -1;
}

/* One HTTP/1.0 request the way a simple client makes it. */
static int rest_cycle(struct ctl *c)
{
	char req[128], buf[1024];
	uint64_t t0;
	size_t have = 0;
	ssize_t n;
	int fd, len, ret = -1;

	fd = loopback_socket(SOCK_STREAM, "127.0.0.1", c->env.port, false);
	if (fd < 0) {
		ls_err("connect 127.0.0.1:%u: %s", c->env.port, strerror(errno));
		return -1;
	}
	len = snprintf(req, sizeof(req), "GET /api/v1/state HTTP/1.0\r\nHost: 127.0.0.1:%u\r\n"
		       "Accept: application/json\r\n\r\n", c->env.port);
	t0 = now_ns();
	if (send(fd, req, (size_t)len, MSG_NOSIGNAL) != len) {
		ls_err("REST send: %s", strerror(errno));
		goto out;
	}
	if (await_reply(fd, "REST reply"))
		goto out;
	while ((n = recv(fd, buf + have, sizeof(buf) - 1 - have, 0)) > 0)
		have += (size_t)n;
	if (n < 0 || have < 12 || memcmp(buf, "HTTP/1.0 200", 12)) {
		ls_err("REST reply: %s", n < 0 ? strerror(errno) : "not HTTP/1.0 200");
		goto out;
	}
	ret = samples_add(&c->request, now_ns() - t0);
	c->counts[0]++;
	if (c->counts[0] % c->env.stall_every == 0)
		c->counts[1]++;
out:
	close(fd);
	return ret;
}

/* ---- dns: a resolver that answers late ------------------------------------ */

/* A query for ctl.example. IN A: header, then the question. */
static size_t dns_query(unsigned char *q, uint16_t id)
{
	static const unsigned char question[] = { 3, 'c', 't', 'l', 7, 'e', 'x', 'a', 'm', 'p',
						  'l', 'e', 0, 0, 1, 0, 1 };
	unsigned char hdr[12] = { id >> 8, id & 0xff, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0 };

	memcpy(q, hdr, sizeof(hdr));
	memcpy(q + sizeof(hdr), question, sizeof(question));
	return sizeof(hdr) + sizeof(question);
}

static void dns_server(struct ctl *c)
{
	/* the answer: a pointer to the question's name, A, IN, TTL 60, 192.0.2.1 */
	static const unsigned char answer[] = { 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4,
						192, 0, 2, 1 };
	struct sockaddr_in from;
	socklen_t fromlen;
	unsigned char buf[512];
	ssize_t n;

	for (;;) {
		fromlen = sizeof(from);
		n = recvfrom(c->fd, buf, sizeof(buf) - sizeof(answer), 0,
			     (struct sockaddr *)&from, &fromlen);
		/* the loop's lookup then times out and says so */
		if (n < 0 && errno != EINTR)
			_exit(1);
		if (n < 12)
			continue;
		sleep_ns((uint64_t)c->env.delay_ms * 1000000ULL);
		buf[2] = 0x81;		/* a response, recursion desired */
		buf[3] = 0x80;		/* recursion available, no error */
		buf[7] = 1;		/* one answer */
		memcpy(buf + n, answer, sizeof(answer));
		sendto(c->fd, buf, (size_t)n + sizeof(answer), 0, (struct sockaddr *)&from,
		       fromlen);
	}
}

static int dns_setup(struct ctl *c)
{
	c->fd = loopback_socket(SOCK_DGRAM, DNS_ADDR, c->env.port, true);
	if (c->fd < 0) {
		ls_err("resolver on %s:%u: %s", DNS_ADDR, c->env.port, strerror(errno));
		return -1;
	}
	if (start_child(c, dns_server) < 0)
		return -1;
	close(c->fd);
	c->fd = -1;
	return 0;
}

/* One lookup the way a stub resolver makes it: socket, connect, send, poll, recv, close. */
static int dns_cycle(struct ctl *c)
{
	unsigned char q[64], r[512];
	uint16_t id = (uint16_t)(c->cycles_done + 1);
	uint64_t t0;
	size_t len = dns_query(q, id);
	ssize_t n;
	int fd, ret = -1;

	fd = loopback_socket(SOCK_DGRAM, DNS_ADDR, c->env.port, false);
	if (fd < 0) {
		ls_err("connect %s:%u: %s", DNS_ADDR, c->env.port, strerror(errno));
		return -1;
	}
	t0 = now_ns();
	if (send(fd, q, len, 0) != (ssize_t)len) {
		ls_err("DNS send: %s", strerror(errno));
		goto out;
	}
	if (await_reply(fd, "DNS reply"))
		goto out;
	n = recv(fd, r, sizeof(r), 0);
	if (n < 12 || r[0] != q[0] || r[1] != q[1] || !(r[2] & 0x80)) {
		ls_err("DNS reply: %s", n < 0 ? strerror(errno) : "not the answer to our query");
		goto out;
	}
	ret = samples_add(&c->request, now_ns() - t0);
	c->counts[0]++;
out:
	close(fd);
	return ret;
}

/* ---- tc: a child command per question ------------------------------------- */

static int tc_setup(struct ctl *c)
{
	static const char *const dirs[] = { "/usr/sbin", "/sbin", "/usr/bin", "/bin" };
	size_t i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(c->path, sizeof(c->path), "%s/tc", dirs[i]);
		if (!access(c->path, X_OK))
			return 0;
	}
	ls_err("tc not found in /usr/sbin, /sbin, /usr/bin or /bin: install iproute2");
	return -1;
}

static int tc_cycle(struct ctl *c)
{
	char *const argv[] = { "tc", "qdisc", "show", "dev", "lo", NULL };
	extern char **environ;
	posix_spawn_file_actions_t fa;
	unsigned int i;
	pid_t pid;
	int err = 0, status;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, c->null_fd, STDOUT_FILENO);
	for (i = 0; i < c->env.count; i++) {
		err = posix_spawn(&pid, c->path, &fa, NULL, argv, environ);
		if (err) {
			ls_err("posix_spawn %s: %s", c->path, strerror(err));
			break;
		}
		c->counts[0]++;
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			ls_err("%s qdisc show dev lo failed (status 0x%x)", c->path, status);
			err = 1;
			break;
		}
	}
	posix_spawn_file_actions_destroy(&fa);
	return err ? -1 : 0;
}

/* ---- fsync: every log line synced ------------------------------------------ */

static int fsync_setup(struct ctl *c)
{
	if (c->env.file) {
		snprintf(c->path, sizeof(c->path), "%s", c->env.file);
	} else {
		/* /var/tmp, not /tmp: a disk, where /tmp may be tmpfs */
		snprintf(c->path, sizeof(c->path), "/var/tmp/cyclectl-%d.log", (int)getpid());
		c->own_file = true;
	}
	c->fd = open(c->path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
	if (c->fd < 0) {
		ls_err("%s: %s", c->path, strerror(errno));
		c->own_file = false;
		return -1;
	}
	return 0;
}

static int fsync_cycle(struct ctl *c)
{
	char line[128];
	unsigned int i;
	int len;

	for (i = 0; i < c->env.count; i++) {
		len = snprintf(line, sizeof(line), "cycle %lu: step %u of %u: state ok\n",
			       c->cycles_done + 1, i + 1, c->env.count);
		if (write(c->fd, line, (size_t)len) != len) {
			ls_err("write %s: %s", c->path, strerror(errno));
			return -1;
		}
		c->counts[0]++;
		if (fsync(c->fd)) {
			ls_err("fsync %s: %s", c->path, strerror(errno));
			return -1;
		}
		c->counts[1]++;
	}
	return 0;
}

/* ---- starved: CPU hogs on the loop's CPU ----------------------------------- */

static int parse_nice(const char *opt, const char *s, long *v)
{
	if (!ls_parse_long(s, -20, 19, v))
		return 0;
	ls_err("%s: '%s' is not a number from -20 to 19", opt, s);
	return -1;
}

static void spinner(struct ctl *c)
{
	for (;;)
		burn(1 << 20);
}

static int starved_setup(struct ctl *c)
{
	cpu_set_t set;
	long nice_v;
	unsigned int i;
	int cpu;

	if (parse_nice("--spinner-nice", c->env.spinner_nice, &nice_v))
		return -1;
	/* the last CPU we may run on: the loop and the spinners share it */
	if (sched_getaffinity(0, sizeof(set), &set)) {
		ls_err("sched_getaffinity: %s", strerror(errno));
		return -1;
	}
	for (cpu = CPU_SETSIZE - 1; cpu >= 0 && !CPU_ISSET(cpu, &set); cpu--)
		;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		ls_err("sched_setaffinity CPU %d: %s", cpu, strerror(errno));
		return -1;
	}
	c->cpu = cpu;
	calibrate_burn(c);
	/* forked after the pinning: they inherit it */
	for (i = 0; i < c->env.spinners; i++) {
		pid_t pid = start_child(c, spinner);

		if (pid < 0)
			return -1;
		if (setpriority(PRIO_PROCESS, (id_t)pid, (int)nice_v)) {
			ls_err("setpriority %ld for a spinner: %s", nice_v, strerror(errno));
			return -1;
		}
	}
	c->fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (c->fd < 0) {
		ls_err("timerfd_create: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Short waits for something that comes soon (a timerfd stands for a reply
 * from a fast device), each followed by a little work: after every wakeup
 * the loop is runnable and waits for the spinners to give up the CPU.
 */
static int starved_cycle(struct ctl *c)
{
	struct itimerspec its = { .it_value = ns_ts((uint64_t)c->env.wait_us * 1000) };
	uint64_t expirations;
	unsigned int i;

	for (i = 0; i < c->env.count; i++) {
		if (timerfd_settime(c->fd, 0, &its, NULL)) {
			ls_err("timerfd_settime: %s", strerror(errno));
			return -1;
		}
		if (await_reply(c->fd, "timerfd poll"))
			return -1;
		if (read(c->fd, &expirations, sizeof(expirations)) != sizeof(expirations)) {
			ls_err("timerfd read: %s", strerror(errno));
			return -1;
		}
		c->counts[0]++;
		burn_us(c, 50);
	}
	return 0;
}

/* ---- cpu: the cycle's time in the loop's own code --------------------------- */

static int cpu_setup(struct ctl *c)
{
	calibrate_burn(c);
	return 0;
}

static int cpu_cycle(struct ctl *c)
{
	unsigned int i;
	char b = '.';

	for (i = 0; i < c->env.count; i++) {
		burn_us(c, (uint64_t)c->env.burn_ms * 1000 / c->env.count);
		/* the fast syscalls between the pieces of work */
		if (syscall(SYS_getppid) < 0 || write(c->null_fd, &b, 1) != 1) {
			ls_err("write /dev/null: %s", strerror(errno));
			return -1;
		}
		c->counts[0] += 2;
	}
	return 0;
}

static const struct mode_ops mode_ops[M_MAX] = {
	[M_REST] = { 1, { "requests", "stalled" }, rest_setup, rest_cycle },
	[M_TC] = { 6, { "spawns" }, tc_setup, tc_cycle },
	[M_FSYNC] = { 20, { "writes", "fsyncs" }, fsync_setup, fsync_cycle },
	[M_STARVED] = { 20, { "waits" }, starved_setup, starved_cycle },
	[M_CPU] = { 3, { "syscalls" }, cpu_setup, cpu_cycle },
	[M_DNS] = { 1, { "queries" }, dns_setup, dns_cycle },
};

/* ---- the loop ---------------------------------------------------------------- */

/*
 * With autogroups (sched_autogroup_enabled), the CPU is shared fairly
 * between sessions first, and a nice value only ranks tasks within one: a
 * build in another session would still take half the loop's CPU.  So the
 * loop gets a session, hence an autogroup, of its own, at that nice too.
 */
static int set_nice(const char *s)
{
	char buf[16];
	long v;
	int fd, len;

	if (parse_nice("--nice", s, &v))
		return -1;
	/* EPERM: we lead a process group already; then keep the group we have */
	if (setsid() >= 0) {
		fd = open("/proc/self/autogroup", O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			len = snprintf(buf, sizeof(buf), "%ld", v);
			if (write(fd, buf, (size_t)len) != len)
				ls_warn("setting the autogroup's nice to %ld: %s", v, strerror(errno));
			close(fd);
		}
	}
	if (setpriority(PRIO_PROCESS, 0, (int)v)) {
		ls_err("setpriority %ld: %s", v, strerror(errno));
		return -1;
	}
	return 0;
}

/* SIGINT and SIGTERM come in only here, between cycles: no work is cut short. */
static void sleep_until(uint64_t deadline)
{
	struct timespec ts = ns_ts(deadline);

	oracle_sleep_until(&ts);
}

static int run_cycles(struct ctl *c)
{
	uint64_t t0 = now_ns(), k = 1, deadline, u0, end;
	struct sched_figures s0, s1;

	while (!oracle_stop && (!c->env.cycles || c->cycles_done < c->env.cycles)) {
		deadline = t0 + k * c->period_ns;
		/* before the sleep: the wait for a CPU after it is the cycle's */
		s0 = sched_read(c);
		sleep_until(deadline);
		if (oracle_stop)
			return 0;
		u0 = utime_ns();
		if (c->ops->cycle(c))
			return -1;
		end = now_ns();
		s1 = sched_read(c);
		if (samples_add(&c->user, utime_ns() - u0) ||
		    samples_add(&c->busy, end > deadline ? end - deadline : 0) ||
		    samples_add(&c->on_cpu, s1.cpu_ns - s0.cpu_ns) ||
		    samples_add(&c->runq, s1.runq_ns - s0.runq_ns)) {
			ls_err("out of memory");
			return -1;
		}
		c->cycles_done++;
		/* late: the next deadline still ahead, as a controller on a fixed grid does */
		for (k++; t0 + k * c->period_ns <= now_ns(); k++)
			c->overruns++;
	}
	/* the last cycle ends in the loop's sleep, as every other one: a tracer sees it whole */
	if (!oracle_stop)
		sleep_until(t0 + k * c->period_ns);
	return 0;
}

/* ---- report -------------------------------------------------------------------- */

static void run_mark(struct ctl *c, bool end)
{
	struct sched_figures sf = sched_read(c);
	uint64_t wall = now_ns(), user = utime_ns(), cpu = sf.cpu_ns, runq = sf.runq_ns;

	if (end) {
		c->run.wall = wall - c->run.wall;
		c->run.user = user - c->run.user;
		c->run.cpu = cpu - c->run.cpu;
		c->run.runq = runq - c->run.runq;
	} else {
		c->run.wall = wall;
		c->run.user = user;
		c->run.cpu = cpu;
		c->run.runq = runq;
	}
}

static int print_json(FILE *f, const void *arg)
{
	const struct ctl *c = arg;
	const char *sep = "";
	int i;

	fprintf(f, "{\"mode\":\"%s\",\"pid\":%d,\"cycles\":%lu,\"period_ns\":%ju,"
		"\"overruns\":%lu,\n ", mode_names[c->mode], (int)getpid(), c->cycles_done,
		(uintmax_t)c->period_ns, c->overruns);
	write_stats(f, "busy_ns", &c->busy);
	fputs(",\n ", f);
	write_stats(f, "user_cpu_ns", &c->user);
	if (c->schedstat_fd >= 0) {
		fputs(",\n ", f);
		write_stats(f, "cpu_ns", &c->on_cpu);
		fputs(",\n ", f);
		write_stats(f, "runq_ns", &c->runq);
	}
	if (c->mode == M_REST || c->mode == M_DNS) {
		fputs(",\n ", f);
		write_stats(f, "request_ns", &c->request);
	}
	fprintf(f, ",\n \"run\":{\"wall_ns\":%ju,\"user_cpu_ns\":%ju", (uintmax_t)c->run.wall,
		(uintmax_t)c->run.user);
	if (c->schedstat_fd >= 0)
		fprintf(f, ",\"cpu_ns\":%ju,\"runq_ns\":%ju", (uintmax_t)c->run.cpu,
			(uintmax_t)c->run.runq);
	fputs("},\n \"counts\":{", f);
	for (i = 0; i < MAX_COUNTERS && c->ops->counters[i]; i++, sep = ",")
		fprintf(f, "%s\"%s\":%ju", sep, c->ops->counters[i], (uintmax_t)c->counts[i]);
	fputs("},\n \"per_cycle\":{", f);
	sep = "";
	for (i = 0; i < MAX_COUNTERS && c->ops->counters[i]; i++, sep = ",")
		fprintf(f, "%s\"%s\":%.3f", sep, c->ops->counters[i],
			c->cycles_done ? (double)c->counts[i] / (double)c->cycles_done : 0.0);
	fprintf(f, "},\n \"params\":{\"count\":%u", c->env.count);
	switch (c->mode) {
	case M_REST:
		fprintf(f, ",\"peer\":\"tcp:127.0.0.1:%u\",\"delay_ns\":%ju,\"stall_ns\":%ju,"
			"\"stall_every\":%u", c->env.port,
			(uintmax_t)c->env.delay_ms * 1000000, (uintmax_t)c->env.stall_ms * 1000000,
			c->env.stall_every);
		break;
	case M_DNS:
		fprintf(f, ",\"peer\":\"udp:%s:%u\",\"delay_ns\":%ju", DNS_ADDR, c->env.port,
			(uintmax_t)c->env.delay_ms * 1000000);
		break;
	case M_TC:
	case M_FSYNC:
		/* no escaping: the paths cyclectl makes are plain; -f is the user's */
		fprintf(f, ",\"file\":\"%s\"", c->path);
		break;
	case M_STARVED:
		fprintf(f, ",\"cpu\":%d,\"spinners\":%u,\"spinner_nice\":%s,\"wait_ns\":%ju",
			c->cpu, c->env.spinners, c->env.spinner_nice,
			(uintmax_t)c->env.wait_us * 1000);
		break;
	case M_CPU:
		fprintf(f, ",\"burn_ns\":%ju", (uintmax_t)c->env.burn_ms * 1000000);
		break;
	case M_MAX:
		break;
	}
	fputs("}}\n", f);
	return 0;
}

static void print_summary(const struct ctl *c)
{
	size_t i;
	uint64_t sum = 0, usum = 0;

	for (i = 0; i < c->busy.n; i++) {
		sum += c->busy.v[i];
		usum += c->user.v[i];
	}
	fprintf(stderr, "cyclectl: %s, pid %d, %lu cycles of %u ms, %lu overruns, busy mean "
		"%.3f ms, user CPU mean %.3f ms\n", mode_names[c->mode], (int)getpid(),
		c->cycles_done, c->env.period_ms, c->overruns,
		c->busy.n ? (double)sum / (double)c->busy.n / 1e6 : 0.0,
		c->busy.n ? (double)usum / (double)c->busy.n / 1e6 : 0.0);
}

/* ---- command line ---------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
"Usage: cyclectl -m MODE [OPTIONS]\n"
"\n"
"A periodic control loop with one planted bottleneck, and its own measurements:\n"
"the oracle of latscope's cycle budget.  Every PERIOD ms the loop wakes from\n"
"clock_nanosleep(TIMER_ABSTIME), does its cycle's work and measures it.\n"
"\n"
"Modes (what each cycle does; the expected first component of the budget):\n"
"  rest     one HTTP/1.0 request to a server child on 127.0.0.1:PORT that answers\n"
"           after DELAY ms, every EVERY-th request after STALL ms: tcp:127.0.0.1:PORT\n"
"  tc       COUNT runs of `tc qdisc show dev lo` (default 6): exec:tc\n"
"  fsync    COUNT log lines, each written and fsync'ed (default 20): file\n"
"  starved  COUNT short timerfd waits (default 20) with a little work, on a CPU\n"
"           shared with SPINNERS CPU hogs of higher priority: run-queue delay\n"
"  cpu      BURN ms of computation in COUNT pieces (default 3) between fast\n"
"           syscalls: user CPU\n"
"  dns      one lookup to a resolver child on " DNS_ADDR ":PORT (default 53)\n"
"           that answers after DELAY ms (default 80): udp:" DNS_ADDR ":53\n"
"\n"
"Options:\n"
"  -m, --mode MODE         rest, tc, fsync, starved, cpu or dns\n"
"  -i, --interval MS       cycle period (default %d)\n"
"  -n, --cycles N          run N cycles, then exit (default 0: until SIGINT/SIGTERM)\n"
"  -w, --wait-start        set up (servers, sockets, spinners), then wait for\n"
"                          SIGUSR1 before the first cycle\n"
"  -j, --json FILE         write the measurements as JSON to FILE ('-': stdout)\n"
"  -k, --count N           the mode's operations per cycle\n"
"  -p, --port PORT         rest: server port (default %d); dns: resolver port (53)\n"
"  -d, --delay MS          rest: the server's answer time (default %d); dns: the\n"
"                          resolver's (default %d)\n"
"  -S, --stall MS          rest: the stalled requests' answer time (default %d)\n"
"  -e, --stall-every N     rest: every N-th request stalls (default %d)\n"
"  -f, --file PATH         fsync: the log file (default /var/tmp/cyclectl-PID.log,\n"
"                          removed at exit)\n"
"  -s, --spinners N        starved: CPU hogs on the loop's CPU (default %d)\n"
"  -N, --spinner-nice NICE starved: their nice value (default %s)\n"
"  -u, --wait-us US        starved: each wait's length (default %d)\n"
"  -c, --burn MS           cpu: computation per cycle (default %d)\n"
"  -r, --nice NICE         run the loop (and the helpers it starts) at this nice\n"
"                          value, in a session and scheduling autogroup of its\n"
"                          own: negative keeps other load on the machine from\n"
"                          taking its CPU\n"
"  -h, --help              show this help\n"
"\n"
"Every helper process dies with cyclectl.  A summary line goes to stderr at exit.\n"
"Exit status: 0 success, 1 runtime failure, 2 usage error.\n"
"\n"
"Example:\n"
"  cyclectl -m dns -w -n 20 -i 200 -j d.json & pid=$!\n"
"  latscope record -p $pid -o run.json & <wait for it to attach>; kill -USR1 $pid\n"
"\n"
"See docs/cyclectl.md.\n",
		DEF_PERIOD_MS, DEF_REST_PORT, DEF_REST_DELAY_MS, DEF_DNS_DELAY_MS, DEF_STALL_MS,
		DEF_STALL_EVERY, DEF_SPINNERS, DEF_SPINNER_NICE, DEF_WAIT_US, DEF_BURN_MS);
}

static int parse_args(int argc, char **argv, struct ctl *c)
{
	struct env *env = &c->env;
	const struct oracle_opt opts[] = {
		{ 'm', "mode", ORACLE_OPT_STRING, 0, 0, &env->mode_name },
		{ 'i', "interval", ORACLE_OPT_UINT, 1, 3600000, &env->period_ms },
		{ 'n', "cycles", ORACLE_OPT_ULONG, 0, ULONG_MAX, &env->cycles },
		{ 'w', "wait-start", ORACLE_OPT_FLAG, 0, 0, &env->wait_start },
		{ 'j', "json", ORACLE_OPT_STRING, 0, 0, &env->json_path },
		{ 'k', "count", ORACLE_OPT_UINT, 1, 100000, &env->count },
		{ 'p', "port", ORACLE_OPT_UINT, 1, 65535, &env->port },
		{ 'd', "delay", ORACLE_OPT_UINT, 0, 600000, &env->delay_ms },
		{ 'S', "stall", ORACLE_OPT_UINT, 0, 600000, &env->stall_ms },
		{ 'e', "stall-every", ORACLE_OPT_UINT, 1, 1000000, &env->stall_every },
		{ 'f', "file", ORACLE_OPT_STRING, 0, 0, &env->file },
		{ 's', "spinners", ORACLE_OPT_UINT, 0, 64, &env->spinners },
		{ 'N', "spinner-nice", ORACLE_OPT_STRING, 0, 0, &env->spinner_nice },
		{ 'r', "nice", ORACLE_OPT_STRING, 0, 0, &env->nice },
		{ 'u', "wait-us", ORACLE_OPT_UINT, 1, 1000000, &env->wait_us },
		{ 'c', "burn", ORACLE_OPT_UINT, 1, 600000, &env->burn_ms },
	};
	int ret, m;

	ret = oracle_parse_args("cyclectl", argc, argv, opts, sizeof(opts) / sizeof(opts[0]),
				usage);
	if (ret)
		return ret;
	m = env->mode_name ? ls_parse_name(env->mode_name, mode_names, M_MAX) : -EINVAL;
	if (m < 0) {
		fprintf(stderr, "cyclectl: %s\nTry 'cyclectl --help' for more information.\n",
			env->mode_name ? "--mode: not rest, tc, fsync, starved, cpu or dns" :
			"--mode is required");
		return 2;
	}
	c->mode = (enum mode)m;
	c->ops = &mode_ops[m];
	if (!env->count)
		env->count = c->ops->def_count;
	if (!env->port)
		env->port = c->mode == M_DNS ? DEF_DNS_PORT : DEF_REST_PORT;
	if (!env->delay_ms)
		env->delay_ms = c->mode == M_DNS ? DEF_DNS_DELAY_MS : DEF_REST_DELAY_MS;
	c->period_ns = (uint64_t)env->period_ms * 1000000ULL;
	return 0;
}

int main(int argc, char **argv)
{
	struct ctl c = {
		.env = {
			.period_ms = DEF_PERIOD_MS,
			.stall_ms = DEF_STALL_MS,
			.stall_every = DEF_STALL_EVERY,
			.spinners = DEF_SPINNERS,
			.spinner_nice = DEF_SPINNER_NICE,
			.wait_us = DEF_WAIT_US,
			.burn_ms = DEF_BURN_MS,
		},
		.fd = -1,
		.null_fd = -1,
		.schedstat_fd = -1,
		.cpu = -1,
	};
	struct ls_outfile *out = NULL;
	char err[256];
	int ret, rc = 1;

	ret = parse_args(argc, argv, &c);
	if (ret)
		return ret == 1 ? 0 : 2;
	/* a bad -j fails now, not after the run */
	if (c.env.json_path && ls_outfile_open(&out, c.env.json_path, err, sizeof(err))) {
		ls_err("%s", err);
		return 1;
	}

	/* blocked before any child exists; children unblock them */
	oracle_signals_init();

	c.null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (c.null_fd < 0) {
		ls_err("/dev/null: %s", strerror(errno));
		goto out;
	}
	/* before the helpers start: they inherit it */
	if (c.env.nice && set_nice(c.env.nice))
		goto out;
	/* without CONFIG_SCHED_INFO there is no run_delay: the JSON says nothing */
	c.schedstat_fd = open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
	if (c.ops->setup(&c))
		goto out;
	run_mark(&c, false);
	if (c.env.wait_start && !oracle_wait_for_usr1("cyclectl")) {
		rc = 0;
		goto out;
	}
	if (run_cycles(&c))
		goto out;
	rc = 0;
out:
	stop_children(&c);
	if (c.fd >= 0)
		close(c.fd);
	if (c.own_file)
		unlink(c.path);
	if (c.null_fd >= 0)
		close(c.null_fd);
	if (!rc) {
		run_mark(&c, true);
		print_summary(&c);
		if (out && ls_outfile_commit(out, print_json, &c, err, sizeof(err))) {
			ls_err("%s", err);
			rc = 1;
		}
	} else {
		ls_outfile_abort(out);
	}
	if (c.schedstat_fd >= 0)
		close(c.schedstat_fd);
	free(c.busy.v);
	free(c.user.v);
	free(c.on_cpu.v);
	free(c.runq.v);
	free(c.request.v);
	return rc;
}
