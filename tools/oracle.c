/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The counters, counted syscalls, JSON and options of the test oracles (oracle.h). */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include "getopt_walk.h"
#include "log.h"
#include "oracle.h"
#include "parse.h"
#include "save_file.h"

static const struct {
	long nr;
	const char *name;	/* the kernel's name, as a tracer prints it */
} sc_info[OSC_MAX] = {
	[OSC_SOCKET]		= { SYS_socket, "socket" },
	[OSC_SOCKETPAIR]	= { SYS_socketpair, "socketpair" },
	[OSC_SETSOCKOPT]	= { SYS_setsockopt, "setsockopt" },
	[OSC_BIND]		= { SYS_bind, "bind" },
	[OSC_LISTEN]		= { SYS_listen, "listen" },
	[OSC_CONNECT]		= { SYS_connect, "connect" },
	[OSC_ACCEPT4]		= { SYS_accept4, "accept4" },
	[OSC_GETSOCKNAME]	= { SYS_getsockname, "getsockname" },
	[OSC_SENDTO]		= { SYS_sendto, "sendto" },
	[OSC_RECVFROM]		= { SYS_recvfrom, "recvfrom" },
	[OSC_RECVMSG]		= { SYS_recvmsg, "recvmsg" },
	[OSC_WRITE]		= { SYS_write, "write" },
	[OSC_READ]		= { SYS_read, "read" },
	/*
	 * arm64 and riscv have no poll, select or epoll_wait syscall: there
	 * the libc functions of those names are ppoll, pselect6 and
	 * epoll_pwait, and so are the calls made here.  The oracle then says so.
	 */
#ifdef SYS_poll
	[OSC_POLL]		= { SYS_poll, "poll" },
#else
	[OSC_POLL]		= { SYS_ppoll, "ppoll" },
#endif
	[OSC_PPOLL]		= { SYS_ppoll, "ppoll" },
#ifdef SYS_select
	[OSC_SELECT]		= { SYS_select, "select" },
#else
	[OSC_SELECT]		= { SYS_pselect6, "pselect6" },
#endif
	[OSC_PSELECT6]		= { SYS_pselect6, "pselect6" },
#ifdef SYS_epoll_wait
	[OSC_EPOLL_WAIT]	= { SYS_epoll_wait, "epoll_wait" },
#else
	[OSC_EPOLL_WAIT]	= { SYS_epoll_pwait, "epoll_pwait" },
#endif
	[OSC_EPOLL_PWAIT]	= { SYS_epoll_pwait, "epoll_pwait" },
	[OSC_DUP3]		= { SYS_dup3, "dup3" },
	[OSC_SHUTDOWN]		= { SYS_shutdown, "shutdown" },
	[OSC_CLOSE]		= { SYS_close, "close" },
};

struct oracle_count {
	uint64_t calls;
	uint64_t errors;
};

/*
 * Every thread counts here with atomic adds, so there is nothing to merge
 * at exit.  The phase is read on every call by the thread making it; an
 * oracle changes it only while its other threads wait, or orders their
 * calls after the change (democtl's server_main()).
 */
static struct {
	struct oracle_layout layout;
	char subsys[ORACLE_MAX_SUBSYS][ORACLE_NAME_LEN];
	int phase;
	struct oracle_count counts[ORACLE_MAX_PHASES][ORACLE_MAX_SUBSYS][OSC_MAX];
} oracle;

void oracle_init(const struct oracle_layout *l)
{
	memset(&oracle, 0, sizeof(oracle));
	oracle.layout = *l;
	if (oracle.layout.n_phases > ORACLE_MAX_PHASES)
		oracle.layout.n_phases = ORACLE_MAX_PHASES;
	if (oracle.layout.n_subsys > ORACLE_MAX_SUBSYS)
		oracle.layout.n_subsys = ORACLE_MAX_SUBSYS;
	if (oracle.layout.n_exact > oracle.layout.n_subsys)
		oracle.layout.n_exact = oracle.layout.n_subsys;
}

void oracle_name_subsys(int ss, const char *fmt, ...)
{
	va_list ap;

	if (ss < 0 || ss >= ORACLE_MAX_SUBSYS)
		return;
	va_start(ap, fmt);
	vsnprintf(oracle.subsys[ss], sizeof(oracle.subsys[ss]), fmt, ap);
	va_end(ap);
}

void oracle_set_phase(int phase)
{
	__atomic_store_n(&oracle.phase, phase, __ATOMIC_SEQ_CST);
}

long oracle_syscall(int ss, enum oracle_sc sc, long a1, long a2, long a3, long a4, long a5,
		    long a6)
{
	struct oracle_count *c;
	long ret;

	c = &oracle.counts[__atomic_load_n(&oracle.phase, __ATOMIC_SEQ_CST)][ss][sc];
	__atomic_fetch_add(&c->calls, 1, __ATOMIC_RELAXED);
	ret = syscall(sc_info[sc].nr, a1, a2, a3, a4, a5, a6);
	if (ret == -1)
		__atomic_fetch_add(&c->errors, 1, __ATOMIC_RELAXED);
	return ret;
}

#define P(x)	((long)(uintptr_t)(x))

static struct timespec ms_to_ts(int ms)
{
	struct timespec ts = {
		.tv_sec = ms / 1000,
		.tv_nsec = (long)(ms % 1000) * 1000000L,
	};

	return ts;
}

int c_socket(int ss, int domain, int type, int proto)
{
	return (int)oracle_syscall(ss, OSC_SOCKET, domain, type, proto, 0, 0, 0);
}

int c_socketpair(int ss, int domain, int type, int proto, int sv[2])
{
	return (int)oracle_syscall(ss, OSC_SOCKETPAIR, domain, type, proto, P(sv), 0, 0);
}

int c_setsockopt(int ss, int fd, int level, int name, const void *val, socklen_t len)
{
	return (int)oracle_syscall(ss, OSC_SETSOCKOPT, fd, level, name, P(val), len, 0);
}

int c_bind(int ss, int fd, const void *sa, socklen_t len)
{
	return (int)oracle_syscall(ss, OSC_BIND, fd, P(sa), len, 0, 0, 0);
}

int c_listen(int ss, int fd, int backlog)
{
	return (int)oracle_syscall(ss, OSC_LISTEN, fd, backlog, 0, 0, 0, 0);
}

int c_connect(int ss, int fd, const void *sa, socklen_t len)
{
	return (int)oracle_syscall(ss, OSC_CONNECT, fd, P(sa), len, 0, 0, 0);
}

int c_accept4(int ss, int fd, int flags)
{
	return (int)oracle_syscall(ss, OSC_ACCEPT4, fd, 0, 0, flags, 0, 0);
}

int c_getsockname(int ss, int fd, void *sa, socklen_t *len)
{
	return (int)oracle_syscall(ss, OSC_GETSOCKNAME, fd, P(sa), P(len), 0, 0, 0);
}

ssize_t c_sendto(int ss, int fd, const void *buf, size_t len, int flags, const void *dest,
		 socklen_t destlen)
{
	return oracle_syscall(ss, OSC_SENDTO, fd, P(buf), (long)len, flags, P(dest), destlen);
}

ssize_t c_recvfrom(int ss, int fd, void *buf, size_t len, int flags)
{
	return oracle_syscall(ss, OSC_RECVFROM, fd, P(buf), (long)len, flags, 0, 0);
}

ssize_t c_recvmsg(int ss, int fd, struct msghdr *msg, int flags)
{
	return oracle_syscall(ss, OSC_RECVMSG, fd, P(msg), flags, 0, 0, 0);
}

ssize_t c_write(int ss, int fd, const void *buf, size_t len)
{
	return oracle_syscall(ss, OSC_WRITE, fd, P(buf), (long)len, 0, 0, 0);
}

ssize_t c_read(int ss, int fd, void *buf, size_t len)
{
	return oracle_syscall(ss, OSC_READ, fd, P(buf), (long)len, 0, 0, 0);
}

/* A NULL signal mask makes the kernel ignore the sigset size of the p* calls. */

int c_poll(int ss, struct pollfd *fds, nfds_t nfds, int timeout_ms)
{
#ifdef SYS_poll
	return (int)oracle_syscall(ss, OSC_POLL, P(fds), (long)nfds, timeout_ms, 0, 0, 0);
#else
	struct timespec ts = ms_to_ts(timeout_ms);

	return (int)oracle_syscall(ss, OSC_POLL, P(fds), (long)nfds, P(&ts), 0, sizeof(sigset_t),
				   0);
#endif
}

int c_ppoll(int ss, struct pollfd *fds, nfds_t nfds, int timeout_ms)
{
	struct timespec ts = ms_to_ts(timeout_ms);

	return (int)oracle_syscall(ss, OSC_PPOLL, P(fds), (long)nfds, P(&ts), 0, sizeof(sigset_t),
				   0);
}

int c_select(int ss, int nfds, fd_set *rd, int timeout_ms)
{
#ifdef SYS_select
	struct timeval tv = {
		.tv_sec = timeout_ms / 1000,
		.tv_usec = (timeout_ms % 1000) * 1000,
	};

	return (int)oracle_syscall(ss, OSC_SELECT, nfds, P(rd), 0, 0, P(&tv), 0);
#else
	struct timespec ts = ms_to_ts(timeout_ms);

	return (int)oracle_syscall(ss, OSC_SELECT, nfds, P(rd), 0, 0, P(&ts), 0);
#endif
}

int c_pselect6(int ss, int nfds, fd_set *rd, int timeout_ms)
{
	struct timespec ts = ms_to_ts(timeout_ms);

	return (int)oracle_syscall(ss, OSC_PSELECT6, nfds, P(rd), 0, 0, P(&ts), 0);
}

int c_epoll_wait(int ss, int epfd, struct epoll_event *ev, int max, int timeout_ms)
{
#ifdef SYS_epoll_wait
	return (int)oracle_syscall(ss, OSC_EPOLL_WAIT, epfd, P(ev), max, timeout_ms, 0, 0);
#else
	return (int)oracle_syscall(ss, OSC_EPOLL_WAIT, epfd, P(ev), max, timeout_ms, 0,
				   sizeof(sigset_t));
#endif
}

int c_epoll_pwait(int ss, int epfd, struct epoll_event *ev, int max, int timeout_ms)
{
	return (int)oracle_syscall(ss, OSC_EPOLL_PWAIT, epfd, P(ev), max, timeout_ms, 0,
				   sizeof(sigset_t));
}

int c_dup3(int ss, int oldfd, int newfd, int flags)
{
	return (int)oracle_syscall(ss, OSC_DUP3, oldfd, newfd, flags, 0, 0, 0);
}

int c_shutdown(int ss, int fd, int how)
{
	return (int)oracle_syscall(ss, OSC_SHUTDOWN, fd, how, 0, 0, 0, 0);
}

int c_close(int ss, int fd)
{
	return (int)oracle_syscall(ss, OSC_CLOSE, fd, 0, 0, 0, 0, 0);
}

void oracle_loopback(struct sockaddr_in *sin, unsigned int port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

/* `"name":{"sc":{"calls":N,"errors":N},...}` for one subsystem, if it has calls. */
static void write_subsys(FILE *f, int ph, int ss, const char **sep)
{
	const struct oracle_count *c;
	const char *sep_sc = NULL;
	int sc;

	for (sc = 0; sc < OSC_MAX; sc++) {
		c = &oracle.counts[ph][ss][sc];
		if (!c->calls)
			continue;
		if (!sep_sc) {
			fprintf(f, "%s\n   \"%s\":{", *sep, oracle.subsys[ss]);
			*sep = ",";
			sep_sc = "";
		}
		fprintf(f, "%s\"%s\":{\"calls\":%ju,\"errors\":%ju}", sep_sc, sc_info[sc].name,
			(uintmax_t)c->calls, (uintmax_t)c->errors);
		sep_sc = ",";
	}
	if (sep_sc)
		fputc('}', f);
}

void oracle_write_json(FILE *f)
{
	const struct oracle_layout *l = &oracle.layout;
	const char *sep_ph = "", *sep_ss;
	int ph, ss;

	fputs(" \"phases\":{", f);
	for (ph = 0; ph < l->n_phases; ph++) {
		fprintf(f, "%s\n  \"%s\":{", sep_ph, l->phases[ph]);
		sep_ph = ",";
		sep_ss = "";
		for (ss = 0; ss < l->n_exact; ss++)
			write_subsys(f, ph, ss, &sep_ss);
		fputc('}', f);
	}
	fputs("},\n \"shared\":{", f);
	sep_ss = "";
	for (ss = l->n_exact; ss < l->n_subsys; ss++)
		write_subsys(f, l->shared_phase, ss, &sep_ss);
	fputs("}}\n", f);
}

void oracle_write_table(FILE *f)
{
	const struct oracle_count *c;
	int ph, ss, sc;

	fprintf(f, "%-9s %-26s %-11s %8s %7s\n", "phase", "subsystem", "syscall", "calls",
		"errors");
	for (ph = 0; ph < oracle.layout.n_phases; ph++)
		for (ss = 0; ss < oracle.layout.n_subsys; ss++)
			for (sc = 0; sc < OSC_MAX; sc++) {
				c = &oracle.counts[ph][ss][sc];
				if (!c->calls)
					continue;
				fprintf(f, "%-9s %-26s %-11s %8ju %7ju\n", oracle.layout.phases[ph],
					oracle.subsys[ss], sc_info[sc].name, (uintmax_t)c->calls,
					(uintmax_t)c->errors);
			}
}

int oracle_save_json(const char *path, int (*write_fn)(FILE *f, const void *arg),
		     const void *arg)
{
	int ret;

	if (!path) {
		ret = write_fn(stdout, arg);
		return ret || fflush(stdout) ? 1 : 0;
	}
	ret = ls_save_file(path, write_fn, arg);
	if (ret)
		ls_err("%s: %s", path, strerror(-ret));
	return ret ? 1 : 0;
}

#define MAX_OPTS 16

/* The value of one option into its dst: 0, or -EINVAL with the message in err. */
static int set_opt(const struct oracle_opt *o, const char *arg, char *err, size_t errlen)
{
	unsigned long v;

	switch (o->kind) {
	case ORACLE_OPT_FLAG:
		*(bool *)o->dst = true;
		return 0;
	case ORACLE_OPT_STRING:
		*(const char **)o->dst = arg;
		return 0;
	case ORACLE_OPT_ULONG:
	case ORACLE_OPT_UINT:
		if (ls_parse_ulong(arg, o->min, o->max, &v)) {
			snprintf(err, errlen, "--%s: '%s' is not a number from %lu to %lu",
				 o->name, arg, o->min, o->max);
			return -EINVAL;
		}
		if (o->kind == ORACLE_OPT_UINT)
			*(unsigned int *)o->dst = (unsigned int)v;
		else
			*(unsigned long *)o->dst = v;
		return 0;
	}
	return -EINVAL;
}

int oracle_parse_args(const char *prog, int argc, char **argv, const struct oracle_opt *opts,
		      size_t n_opts, void (*usage)(FILE *f))
{
	struct option longopts[MAX_OPTS + 2] = { { 0 } };
	char shortopts[3 * MAX_OPTS + 2], err[256] = "";
	struct ls_getopt g;
	size_t i, len = 0;
	int c;

	if (n_opts > MAX_OPTS) {
		fprintf(stderr, "%s: too many options\n", prog);
		return 2;
	}
	for (i = 0; i < n_opts; i++) {
		longopts[i] = (struct option){ opts[i].name,
			opts[i].kind == ORACLE_OPT_FLAG ? no_argument : required_argument,
			NULL, opts[i].key };
		shortopts[len++] = opts[i].key;
		if (opts[i].kind != ORACLE_OPT_FLAG)
			shortopts[len++] = ':';
	}
	longopts[n_opts] = (struct option){ "help", no_argument, NULL, 'h' };
	shortopts[len++] = 'h';
	shortopts[len] = '\0';

	ls_getopt_init(&g, argc, argv, shortopts, longopts, 0);
	while ((c = ls_getopt_next(&g, err, sizeof(err))) != -1) {
		if (c == 'h') {
			usage(stdout);
			return 1;
		}
		for (i = 0; c >= 0 && i < n_opts && opts[i].key != c; i++)
			;
		if (c < 0 || i == n_opts || set_opt(&opts[i], optarg, err, sizeof(err)))
			goto bad;
	}
	if (optind < argc) {
		snprintf(err, sizeof(err), "unexpected argument '%s'", argv[optind]);
		goto bad;
	}
	return 0;

bad:
	fprintf(stderr, "%s: %s\nTry '%s --help' for more information.\n", prog, err, prog);
	return 2;
}

/* ---- signals ---------------------------------------------------------- */

volatile sig_atomic_t oracle_stop;

static void on_stop(int sig)
{
	(void)sig;
	oracle_stop = 1;
}

static void stop_sigset(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
}

void oracle_signals_init(void)
{
	struct sigaction sa = { .sa_handler = on_stop };
	sigset_t set;

	stop_sigset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

void oracle_sleep_until(const struct timespec *deadline)
{
	sigset_t set;

	stop_sigset(&set);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	while (!oracle_stop &&
	       clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, deadline, NULL) == EINTR)
		;
	pthread_sigmask(SIG_BLOCK, &set, NULL);
}

bool oracle_wait_for_usr1(const char *name)
{
	sigset_t set;
	int sig;

	stop_sigset(&set);
	sigaddset(&set, SIGUSR1);
	fprintf(stderr, "%s: pid %d set up; waiting for SIGUSR1\n", name, (int)getpid());
	do {
		sig = sigwaitinfo(&set, NULL);
	} while (sig < 0 && errno == EINTR);
	if (sig == SIGINT || sig == SIGTERM)
		oracle_stop = 1;
	return sig == SIGUSR1;
}
