/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * getppid: the shortest syscall there is, so the loop measures almost only
 * what a tracer adds to sys_enter and sys_exit.  Made with syscall(2): one
 * iteration is exactly one syscall, whatever the C library caches.
 */
#include <unistd.h>
#include <sys/syscall.h>
#include "bench.h"

static const struct bench_desc desc = {
	.name = "getppid",
	.what = "One iteration is one getppid syscall (exactly 1 syscall).",
	.def_iters = 2000000,
	.def_cpu = -1,
};

static void run(unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n; i++)
		syscall(SYS_getppid);
}

int main(int argc, char **argv)
{
	struct bench_env env;
	uint64_t t0, t1;
	int ret;

	ret = bench_parse(&desc, &env, argc, argv);
	if (ret)
		return ret == 1 ? 0 : 2;
	if (bench_pin(env.cpu) || bench_wait_start(&desc, &env))
		return 1;
	run(env.warmup);
	t0 = bench_now_ns();
	run(env.iters);
	t1 = bench_now_ns();
	return bench_report(&desc, &env, t1 - t0, 1.0, NULL) ? 1 : 0;
}
