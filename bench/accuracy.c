/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * accuracy: what a syscall takes as seen from user space, to hold
 * latscope's percentiles against.
 *
 * 1. -W getppid to warm up, then -n getppid in a plain loop, timed as a
 *    whole: ns_per_op is the per-call time with nothing around the call.
 * 2. -n getppid, each between two clock_gettime(CLOCK_MONOTONIC): median
 *    and mean of the differences.
 * 3. -n pairs of back-to-back clock_gettime: the median is what the
 *    bracketing itself adds to 2 (the cost of one clock read).
 * 4. 1000 nanosleep(1 ms), each bracketed the same way.  Their median is
 *    also read the way latscope reads its own: the samples go into a
 *    latscope histogram and come out through ls_stats_percentile().  A
 *    slot there is 32 us wide at 1 ms, so only this reading tells a bias
 *    of latscope's clock apart from where a median falls in its slot.
 *
 * The clock is the vDSO's, so the only syscalls are the getppid and
 * nanosleep calls (glibc makes nanosleep() a clock_nanosleep syscall on
 * x86-64; the bench reads whichever latscope saw).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include "bench.h"
#include "hist.h"
#include "log.h"

#define SLEEPS		1000
#define SLEEP_NS	1000000L

static const struct bench_desc desc = {
	.name = "accuracy",
	.what = "Per-call times measured by the caller: a plain loop of N getppid, N getppid\n"
		"each between two clock_gettime, N back-to-back clock_gettime pairs, and\n"
		"1000 nanosleep(1 ms) each between two clock_gettime.",
	.def_iters = 1000000,
	.def_cpu = -1,
};

struct stat_pair {
	uint64_t median;
	double mean;
};

static struct stat_pair summarize(uint64_t *v, size_t n)
{
	struct stat_pair s = { 0, 0 };
	double sum = 0;
	size_t i;

	for (i = 0; i < n; i++)
		sum += (double)v[i];
	s.mean = n ? sum / (double)n : 0;
	s.median = bench_median(v, n);
	return s;
}

/* The p50 latscope would report for these samples. */
static uint64_t hist_median(const uint64_t *v, size_t n)
{
	struct ls_stats *st = calloc(1, sizeof(*st));
	uint64_t p50;
	size_t i;

	if (!st)
		return 0;
	for (i = 0; i < n; i++) {
		st->slots[ls_hist_slot(v[i])]++;
		st->total_ns += v[i];
		if (!st->count || v[i] < st->min_ns)
			st->min_ns = v[i];
		if (v[i] > st->max_ns)
			st->max_ns = v[i];
		st->count++;
	}
	p50 = ls_stats_percentile(st, 50);
	free(st);
	return p50;
}

static void getppid_bracketed(uint64_t *d, size_t n)
{
	uint64_t t0;
	size_t i;

	for (i = 0; i < n; i++) {
		t0 = bench_now_ns();
		syscall(SYS_getppid);
		d[i] = bench_now_ns() - t0;
	}
}

static void clock_pairs(uint64_t *d, size_t n)
{
	uint64_t t0;
	size_t i;

	for (i = 0; i < n; i++) {
		t0 = bench_now_ns();
		d[i] = bench_now_ns() - t0;
	}
}

static int sleeps(uint64_t *d, size_t n)
{
	const struct timespec req = { 0, SLEEP_NS };
	uint64_t t0;
	size_t i;

	for (i = 0; i < n; i++) {
		t0 = bench_now_ns();
		if (nanosleep(&req, NULL)) {
			ls_err("nanosleep: %s", strerror(errno));
			return -1;
		}
		d[i] = bench_now_ns() - t0;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct stat_pair gp, cp, sl;
	struct bench_env env;
	unsigned long i;
	uint64_t t0, t1, *d, sleep_hist_p50;
	char extra[512];
	int ret, rc = 1;

	ret = bench_parse(&desc, &env, argc, argv);
	if (ret)
		return ret == 1 ? 0 : 2;
	d = calloc(env.iters > SLEEPS ? env.iters : SLEEPS, sizeof(*d));
	if (!d) {
		ls_err("out of memory for %lu samples", env.iters);
		return 1;
	}
	if (bench_pin(env.cpu) || bench_wait_start(&desc, &env))
		goto out;
	for (i = 0; i < env.warmup; i++)
		syscall(SYS_getppid);
	t0 = bench_now_ns();
	for (i = 0; i < env.iters; i++)
		syscall(SYS_getppid);
	t1 = bench_now_ns();
	getppid_bracketed(d, env.iters);
	gp = summarize(d, env.iters);
	clock_pairs(d, env.iters);
	cp = summarize(d, env.iters);
	if (sleeps(d, SLEEPS))
		goto out;
	sl = summarize(d, SLEEPS);
	sleep_hist_p50 = hist_median(d, SLEEPS);
	snprintf(extra, sizeof(extra),
		 "\"getppid_median_ns\":%llu,\"getppid_mean_ns\":%.1f,"
		 "\"clock_pair_median_ns\":%llu,\"clock_pair_mean_ns\":%.1f,"
		 "\"sleep_n\":%d,\"sleep_req_ns\":%ld,\"sleep_median_ns\":%llu,"
		 "\"sleep_mean_ns\":%.1f,\"sleep_median_hist_ns\":%llu",
		 (unsigned long long)gp.median, gp.mean, (unsigned long long)cp.median, cp.mean,
		 SLEEPS, SLEEP_NS, (unsigned long long)sl.median, sl.mean,
		 (unsigned long long)sleep_hist_p50);
	rc = bench_report(&desc, &env, t1 - t0, 1.0, extra) ? 1 : 0;
out:
	free(d);
	return rc;
}
