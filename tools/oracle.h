/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the test oracles (democtl, waitload, fdreuse) share: the counted
 * syscalls, one counter per (phase, subsystem, syscall) that each of them
 * goes through, the JSON every oracle prints (docs/democtl.md), and their
 * command-line parsing.
 *
 * Each counted call is made with syscall(2): a libc wrapper may make
 * another syscall than its name says (poll() may be ppoll, select()
 * pselect6), and an oracle must name the one the kernel saw.  The counters
 * belong to the process, since every thread of an oracle counts into
 * them: one oracle per process, set up by oracle_init().
 */
#ifndef LS_ORACLE_H
#define LS_ORACLE_H

#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>

#define ORACLE_MAX_PHASES	4
#define ORACLE_MAX_SUBSYS	16
#define ORACLE_NAME_LEN		32

/* Every syscall an oracle counts; the kernel's names in oracle.c. */
enum oracle_sc {
	OSC_SOCKET,
	OSC_SOCKETPAIR,
	OSC_SETSOCKOPT,
	OSC_BIND,
	OSC_LISTEN,
	OSC_CONNECT,
	OSC_ACCEPT4,
	OSC_GETSOCKNAME,
	OSC_SENDTO,
	OSC_RECVFROM,
	OSC_RECVMSG,
	OSC_WRITE,
	OSC_READ,
	OSC_POLL,		/* ppoll where the architecture has no poll */
	OSC_PPOLL,
	OSC_SELECT,		/* pselect6 where it has no select */
	OSC_PSELECT6,
	OSC_EPOLL_WAIT,		/* epoll_pwait where it has no epoll_wait */
	OSC_EPOLL_PWAIT,
	OSC_DUP3,
	OSC_SHUTDOWN,
	OSC_CLOSE,
	OSC_MAX,
};

struct oracle_layout {
	const char *const *phases;	/* phase names, in order; the first is current */
	int n_phases;
	int n_subsys;			/* each named with oracle_name_subsys() */
	/*
	 * Subsystems [0, n_exact) hold only the oracle's own calls, so the
	 * JSON's "phases" has them, to be compared whole.  The others also
	 * get calls nobody counts (the dynamic loader's, stdio's): "shared"
	 * has their counts of shared_phase, where only the pairs a test
	 * lists are the oracle's alone.
	 */
	int n_exact;
	int shared_phase;
};

void oracle_init(const struct oracle_layout *l);
void oracle_name_subsys(int ss, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The phase every later call counts in, whichever thread makes it. */
void oracle_set_phase(int phase);

/*
 * The one place a counted syscall is made.  Counted before it is made, in
 * the phase current at that moment, so a call that fails or never returns
 * is still one call; a failure also counts as one error.
 */
long oracle_syscall(int ss, enum oracle_sc sc, long a1, long a2, long a3, long a4, long a5,
		    long a6);

/* The counted syscalls, as their libc namesakes but for the subsystem first. */
int c_socket(int ss, int domain, int type, int proto);
int c_socketpair(int ss, int domain, int type, int proto, int sv[2]);
int c_setsockopt(int ss, int fd, int level, int name, const void *val, socklen_t len);
int c_bind(int ss, int fd, const void *sa, socklen_t len);
int c_listen(int ss, int fd, int backlog);
int c_connect(int ss, int fd, const void *sa, socklen_t len);
int c_accept4(int ss, int fd, int flags);
int c_getsockname(int ss, int fd, void *sa, socklen_t *len);
ssize_t c_sendto(int ss, int fd, const void *buf, size_t len, int flags, const void *dest,
		 socklen_t destlen);
ssize_t c_recvfrom(int ss, int fd, void *buf, size_t len, int flags);
ssize_t c_recvmsg(int ss, int fd, struct msghdr *msg, int flags);
ssize_t c_write(int ss, int fd, const void *buf, size_t len);
ssize_t c_read(int ss, int fd, void *buf, size_t len);
/* The waits take a timeout in ms and leave the signal mask alone. */
int c_poll(int ss, struct pollfd *fds, nfds_t nfds, int timeout_ms);
int c_ppoll(int ss, struct pollfd *fds, nfds_t nfds, int timeout_ms);
int c_select(int ss, int nfds, fd_set *rd, int timeout_ms);
int c_pselect6(int ss, int nfds, fd_set *rd, int timeout_ms);
int c_epoll_wait(int ss, int epfd, struct epoll_event *ev, int max, int timeout_ms);
int c_epoll_pwait(int ss, int epfd, struct epoll_event *ev, int max, int timeout_ms);
int c_dup3(int ss, int oldfd, int newfd, int flags);
int c_shutdown(int ss, int fd, int how);
int c_close(int ss, int fd);

/* 127.0.0.1:port */
void oracle_loopback(struct sockaddr_in *sin, unsigned int port);

/*
 * The counts in JSON, after the caller's own fields: it has written
 * "{...,\n"; this writes " \"phases\":{...},\n \"shared\":{...}}\n".  No
 * escaping: every name is plain ASCII without quotes.
 */
void oracle_write_json(FILE *f);
/* The counts as a table: phase, subsystem, syscall, calls, errors. */
void oracle_write_table(FILE *f);

/*
 * The oracle's JSON, written by write_fn, to path through ls_save_file()
 * (tmp + rename), or to stdout when path is NULL.  The exit status: 0, or
 * 1 after the message.
 */
int oracle_save_json(const char *path, int (*write_fn)(FILE *f, const void *arg),
		     const void *arg);

/*
 * Stopping between cycles.  SIGINT and SIGTERM stay blocked except while
 * the loop sleeps: a signal landing inside a counted syscall would end it
 * with EINTR or restart it, a call the kernel (and latscope) saw and the
 * oracle did not count.  A signal sent mid-cycle waits for the sleep.
 * SIGUSR1 (the start signal of -w) is blocked too, for sigwaitinfo().
 */
extern volatile sig_atomic_t oracle_stop;	/* SIGINT or SIGTERM came */

/*
 * Block SIGINT, SIGTERM and SIGUSR1 in the calling thread and install the
 * handler that sets oracle_stop.  Call it before creating threads or
 * children: they inherit the mask.
 */
void oracle_signals_init(void);
/* Sleep until deadline (CLOCK_MONOTONIC), open to SIGINT and SIGTERM. */
void oracle_sleep_until(const struct timespec *deadline);
/*
 * Say "NAME: pid N set up; waiting for SIGUSR1" on stderr and wait for it.
 * False (and oracle_stop set) when SIGINT or SIGTERM came first.
 */
bool oracle_wait_for_usr1(const char *name);

enum oracle_opt_kind {
	ORACLE_OPT_FLAG,	/* bool */
	ORACLE_OPT_ULONG,	/* unsigned long in [min, max] */
	ORACLE_OPT_UINT,	/* unsigned int in [min, max] */
	ORACLE_OPT_STRING,	/* const char * */
};

struct oracle_opt {
	char key;		/* -k; also --name */
	const char *name;
	enum oracle_opt_kind kind;
	unsigned long min, max;
	void *dst;
};

/*
 * argv against opts and -h/--help; no other argument.  0 to run, 1 after
 * --help (usage(stdout)), 2 after a usage error ("PROG: MESSAGE" and a
 * "Try" line on stderr).
 */
int oracle_parse_args(const char *prog, int argc, char **argv, const struct oracle_opt *opts,
		      size_t n_opts, void (*usage)(FILE *f));

#endif
