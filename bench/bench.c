/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "bench.h"
#include "log.h"
#include "parse.h"

static void usage(const struct bench_desc *d, FILE *f)
{
	fprintf(f,
"Usage: %s [-n N] [-W N] [-c CPU] [-w] [-o FILE]%s\n"
"\n"
"%s\n"
"\n"
"Options:\n"
"  -n, --iters N      timed iterations (default %lu)\n"
"  -W, --warmup N     untimed iterations first (default: N / 10, at least 1)\n"
"  -c, --cpu CPU      pin to this CPU%s\n"
"  -w, --wait-start   set up, then wait for SIGUSR1 before the warm-up, so a\n"
"                     tracer can attach with -p first\n"
"  -o, --out FILE     write the result line to FILE instead of stdout\n",
		d->name, d->def_port ? " [-p PORT]" : "", d->what, d->def_iters,
		d->def_cpu >= 0 ? " (default: the CPU given here)" : " (default: not pinned)");
	if (d->def_port)
		fprintf(f, "  -p, --port PORT    UDP port on 127.0.0.1 (default %u)\n", d->def_port);
	fprintf(f,
"  -h, --help         show this help\n"
"\n"
"The result is one JSON line: workload, iters, warmup, elapsed_ns, ns_per_op,\n"
"syscalls_per_op (exact) and ns_per_syscall.\n"
"Exit status: 0 success, 1 runtime failure, 2 usage error.\n");
}

static int parse_ulong(const char *s, long min, long max, unsigned long *out)
{
	long v;

	if (ls_parse_long(s, min, max, &v))
		return -EINVAL;
	*out = (unsigned long)v;
	return 0;
}

int bench_parse(const struct bench_desc *d, struct bench_env *env, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "iters", required_argument, NULL, 'n' },
		{ "warmup", required_argument, NULL, 'W' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "wait-start", no_argument, NULL, 'w' },
		{ "out", required_argument, NULL, 'o' },
		{ "port", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool warmup_set = false;
	unsigned long v;
	sigset_t set;
	int c;

	memset(env, 0, sizeof(*env));
	env->iters = d->def_iters;
	env->cpu = d->def_cpu;
	env->port = d->def_port;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "n:W:c:wo:p:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (parse_ulong(optarg, 1, LONG_MAX, &env->iters)) {
				ls_err("-n: '%s' is not a count (1 or more)", optarg);
				goto try_help;
			}
			break;
		case 'W':
			if (parse_ulong(optarg, 0, LONG_MAX, &env->warmup)) {
				ls_err("-W: '%s' is not a count", optarg);
				goto try_help;
			}
			warmup_set = true;
			break;
		case 'c':
			if (parse_ulong(optarg, 0, CPU_SETSIZE - 1, &v)) {
				ls_err("-c: '%s' is not a CPU number", optarg);
				goto try_help;
			}
			env->cpu = (int)v;
			break;
		case 'w':
			env->wait_start = true;
			break;
		case 'o':
			env->out = optarg;
			break;
		case 'p':
			if (!d->def_port || parse_ulong(optarg, 1, 65535, &v)) {
				ls_err("-p: %s", d->def_port ? "a port is 1-65535" :
				       "this workload takes no port");
				goto try_help;
			}
			env->port = (unsigned int)v;
			break;
		case 'h':
			usage(d, stdout);
			return 1;
		default:
			ls_err("unknown option or missing value: '%s'", argv[optind - 1]);
			goto try_help;
		}
	}
	if (optind < argc) {
		ls_err("unexpected argument '%s'", argv[optind]);
		goto try_help;
	}
	if (!warmup_set)
		env->warmup = env->iters / 10 ? env->iters / 10 : 1;
	if (env->wait_start) {
		sigemptyset(&set);
		sigaddset(&set, SIGUSR1);
		sigprocmask(SIG_BLOCK, &set, NULL);
	}
	return 0;

try_help:
	fprintf(stderr, "Try '%s --help'.\n", d->name);
	return 2;
}

int bench_pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return 0;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		ls_err("cannot pin to CPU %d: %s", cpu, strerror(errno));
		return -errno;
	}
	return 0;
}

int bench_wait_start(const struct bench_desc *d, const struct bench_env *env)
{
	sigset_t set;

	if (!env->wait_start)
		return 0;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	fprintf(stderr, "%s: pid %d set up; waiting for SIGUSR1\n", d->name, (int)getpid());
	fflush(stderr);
	while (sigwaitinfo(&set, NULL) < 0) {
		if (errno != EINTR) {
			ls_err("sigwaitinfo: %s", strerror(errno));
			return -errno;
		}
	}
	return 0;
}

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int bench_report(const struct bench_desc *d, const struct bench_env *env, uint64_t elapsed_ns,
		 double syscalls_per_op, const char *extra)
{
	double ns_per_op = (double)elapsed_ns / (double)env->iters;
	FILE *f = stdout;
	int err = 0;

	if (env->out) {
		f = fopen(env->out, "we");
		if (!f) {
			ls_err("%s: %s", env->out, strerror(errno));
			return -errno;
		}
	}
	fprintf(f, "{\"workload\":\"%s\",\"iters\":%lu,\"warmup\":%lu,\"cpu\":%d,"
		"\"elapsed_ns\":%llu,\"ns_per_op\":%.1f,\"syscalls_per_op\":%.4f,"
		"\"ns_per_syscall\":%.1f%s%s}\n",
		d->name, env->iters, env->warmup, env->cpu, (unsigned long long)elapsed_ns,
		ns_per_op, syscalls_per_op, syscalls_per_op > 0 ? ns_per_op / syscalls_per_op : 0,
		extra ? "," : "", extra ? extra : "");
	if (fflush(f))
		err = -errno;
	if (f != stdout && fclose(f) && !err)
		err = -errno;
	if (err)
		ls_err("cannot write the result: %s", strerror(-err));
	return err;
}

static volatile sig_atomic_t stop_requested;
static sigset_t stop_old_mask;

static void on_stop_signal(int sig)
{
	stop_requested = sig;
}

void bench_stop_signals_init(void)
{
	struct sigaction sa = { .sa_handler = on_stop_signal };
	sigset_t block;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &stop_old_mask);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

void bench_wait_stop(void)
{
	while (!stop_requested)
		sigsuspend(&stop_old_mask);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

uint64_t bench_median(uint64_t *v, size_t n)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_u64);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}
