/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * floor: load and attach bench/floor.bpf.c (empty sys_enter/sys_exit
 * programs), say so on stdout, and detach on SIGINT or SIGTERM.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "bench.h"
#include "floor.skel.h"
#include "log.h"

int main(int argc, char **argv)
{
	struct floor_bpf *skel = NULL;
	int err, rc = 1;

	if (argc > 1) {
		if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
			printf("Usage: floor\n\nAttach empty tp_btf sys_enter/sys_exit programs "
			       "until SIGINT or SIGTERM.\nPrints 'floor: attached' once they are "
			       "attached.\n");
			return 0;
		}
		ls_err("floor takes no arguments");
		return 2;
	}
	bench_stop_signals_init();
	libbpf_set_print(ls_libbpf_print);
	skel = floor_bpf__open_and_load();
	if (!skel) {
		ls_err("cannot load the floor programs: %s", strerror(errno));
		goto out;
	}
	err = floor_bpf__attach(skel);
	if (err) {
		ls_err("cannot attach to sys_enter/sys_exit (tp_btf): %s", strerror(-err));
		goto out;
	}
	printf("floor: attached (pid %d)\n", (int)getpid());
	fflush(stdout);
	bench_wait_stop();
	rc = 0;
out:
	floor_bpf__destroy(skel);
	return rc;
}
