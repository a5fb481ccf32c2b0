/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What every bench workload shares: the command line, CPU pinning, the
 * optional wait for SIGUSR1, the clock and the one-line JSON result.
 *
 * A workload sets up, waits (-w) if asked, runs -W warm-up iterations and
 * then times -n iterations with CLOCK_MONOTONIC (vDSO: no syscall), so
 * neither tracer start-up nor first-touch costs are in the result.  It
 * knows exactly how many syscalls one iteration makes and says so.
 */
#ifndef LS_BENCH_H
#define LS_BENCH_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct bench_env {
	unsigned long iters;	/* timed iterations (-n) */
	unsigned long warmup;	/* untimed iterations before them (-W) */
	int cpu;		/* -c: pin to this CPU; -1: not pinned */
	bool wait_start;	/* -w: wait for SIGUSR1 before the warm-up */
	unsigned int port;	/* -p, for the workloads that take one */
	const char *out;	/* -o FILE: the result line goes there, not stdout */
};

struct bench_desc {
	const char *name;
	const char *what;	/* usage text: what one iteration does */
	unsigned long def_iters;
	unsigned int def_port;	/* 0: the workload takes no -p */
	int def_cpu;		/* -1: not pinned unless -c */
};

/*
 * Parse argv into env.  Returns 0 to run, 1 after --help (exit 0), 2 on a
 * usage error (printed).  With -w, SIGUSR1 is blocked here, before any
 * thread exists, so every thread inherits the mask and only
 * bench_wait_start() can take the signal.
 */
int bench_parse(const struct bench_desc *d, struct bench_env *env, int argc, char **argv);

/* Pin the calling thread to cpu (no-op for -1); 0 or -errno, reported. */
int bench_pin(int cpu);

/* With -w: tell stderr we are ready, then wait for SIGUSR1.  0 or -errno. */
int bench_wait_start(const struct bench_desc *d, const struct bench_env *env);

uint64_t bench_now_ns(void);

/*
 * Write {"workload":..,"iters":..,"ns_per_op":..,"syscalls_per_op":..}
 * (plus `extra`, a JSON fragment `"k":v,...` or NULL) as one line to -o
 * FILE or stdout.  0 or -errno, reported.
 */
int bench_report(const struct bench_desc *d, const struct bench_env *env, uint64_t elapsed_ns,
		 double syscalls_per_op, const char *extra);

/*
 * For the loaders (floor, clockpair): block SIGINT and SIGTERM now, so none
 * is lost before bench_wait_stop(), which returns once one has come.
 */
void bench_stop_signals_init(void);
void bench_wait_stop(void);

/* Median of n values; sorts v in place.  0 for n == 0. */
uint64_t bench_median(uint64_t *v, size_t n);

#endif /* LS_BENCH_H */
