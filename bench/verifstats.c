// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * verifstats OBJ: load every program of a BPF object file the way libbpf
 * does and print what the kernel's verifier says about each: instructions
 * processed (the limit is one million), states, stack depth and
 * verification time.  That is what latscope record spends at start-up
 * before it traces anything, and how close a change to the BPF side comes
 * to the verifier's limit.  Needs root, like loading latscope.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "log.h"

#define LOG_SIZE	(1 << 16)	/* level 4 prints a few lines per program */

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *p;
	char *logs;
	int i = 0, n = 0, err;

	if (argc != 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fprintf(argc == 2 ? stdout : stderr,
			"Usage: verifstats OBJ\n\nLoad the BPF programs of OBJ (e.g. "
			"build/latscope.bpf.o) and print the verifier's statistics of each.\n");
		return argc == 2 ? 0 : 2;
	}
	obj = bpf_object__open(argv[1]);
	if (!obj) {
		ls_err("%s: %s", argv[1], strerror(errno));
		return 1;
	}
	bpf_object__for_each_program(p, obj)
		n++;
	logs = calloc(n ? n : 1, LOG_SIZE);
	if (!logs) {
		ls_err("out of memory");
		return 1;
	}
	bpf_object__for_each_program(p, obj) {
		/* 4: statistics only, not the instruction-by-instruction log */
		bpf_program__set_log_level(p, 4);
		bpf_program__set_log_buf(p, logs + (size_t)i++ * LOG_SIZE, LOG_SIZE);
	}
	err = bpf_object__load(obj);
	if (err) {
		ls_err("%s: load failed: %s", argv[1], strerror(-err));
		return 1;
	}
	i = 0;
	bpf_object__for_each_program(p, obj)
		printf("== %s\n%s\n", bpf_program__name(p), logs + (size_t)i++ * LOG_SIZE);
	bpf_object__close(obj);
	free(logs);
	return 0;
}
