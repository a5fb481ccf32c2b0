/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * clockpair: attach bench/clockpair.bpf.c to one process, say so on stdout,
 * and on SIGINT or SIGTERM detach and print what it measured as one JSON
 * line: {"calls":N,"sum_ns":S,"mean_ns":M}.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "bench.h"
#include "clockpair.skel.h"
#include "log.h"
#include "parse.h"

static void usage(FILE *f)
{
	fprintf(f,
"Usage: clockpair [-s NR] PID\n"
"\n"
"Time every syscall of process PID (or only syscall number NR) with two\n"
"bpf_ktime_get_ns on tp_btf sys_enter/sys_exit, keeping a sum and a count.\n"
"Prints 'clockpair: attached' once attached; on SIGINT or SIGTERM prints\n"
"{\"calls\":N,\"sum_ns\":S,\"mean_ns\":M} and exits.\n");
}

int main(int argc, char **argv)
{
	struct clockpair_bpf *skel = NULL;
	long pid, nr = -1;
	int err, c, rc = 1;

	while ((c = getopt(argc, argv, "s:h")) != -1) {
		switch (c) {
		case 's':
			if (ls_parse_long(optarg, 0, 4095, &nr)) {
				ls_err("-s: '%s' is not a syscall number", optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1 || ls_parse_long(argv[optind], 1, 0x7fffffff, &pid)) {
		usage(stderr);
		return 2;
	}
	bench_stop_signals_init();
	libbpf_set_print(ls_libbpf_print);
	skel = clockpair_bpf__open();
	if (!skel) {
		ls_err("cannot open the clockpair programs: %s", strerror(errno));
		goto out;
	}
	skel->rodata->cfg_tgid = (__u32)pid;
	skel->rodata->cfg_nr = (__s32)nr;
	err = clockpair_bpf__load(skel);
	if (!err)
		err = clockpair_bpf__attach(skel);
	if (err) {
		ls_err("cannot load or attach the clockpair programs: %s", strerror(-err));
		goto out;
	}
	printf("clockpair: attached (pid %d)\n", (int)getpid());
	fflush(stdout);
	bench_wait_stop();
	printf("{\"calls\":%llu,\"sum_ns\":%llu,\"mean_ns\":%.1f}\n",
	       (unsigned long long)skel->bss->calls, (unsigned long long)skel->bss->sum_ns,
	       skel->bss->calls ? (double)skel->bss->sum_ns / (double)skel->bss->calls : 0.0);
	rc = fflush(stdout) ? 1 : 0;
out:
	clockpair_bpf__destroy(skel);
	return rc;
}
