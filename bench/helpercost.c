/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * helpercost: load one operation's sys_enter program from
 * bench/helpercost.bpf.c (with its empty sys_exit), say so on stdout, and
 * detach on SIGINT or SIGTERM.  bench/run.sh reads the program's run time
 * per run from the kernel meanwhile; see its "helpers" section.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bench.h"
#include "helpercost.skel.h"
#include "log.h"

/*
 * Program hc_<name> does what `what` says.  An op with a base also does
 * what the base does (get the task first), so its cost above the base is
 * that of its own step.
 */
static const struct hc_op {
	const char *name;
	const char *base;
	const char *what;
} ops[] = {
	{ "empty", NULL, "nothing: the reference" },
	{ "task", NULL, "bpf_get_current_task_btf, then a load of ->pid" },
	{ "pid_tgid", NULL, "bpf_get_current_pid_tgid" },
	{ "ktime", NULL, "bpf_ktime_get_ns" },
	{ "task_storage", "task",
	  "bpf_get_current_task_btf + bpf_task_storage_get on an empty map (miss, no create)" },
	{ "hash_miss", NULL, "bpf_map_lookup_elem in an empty HASH map (miss)" },
	{ "array", NULL, "bpf_map_lookup_elem in an ARRAY map + increment" },
	{ "percpu_array", NULL, "bpf_map_lookup_elem in a PERCPU_ARRAY map + increment" },
	{ "read_kernel", "task",
	  "bpf_get_current_task_btf + bpf_probe_read_kernel of 8 bytes at &task->pid" },
	{ "read_user", NULL, "bpf_probe_read_user of 8 bytes at the user stack pointer" },
	{ "rdonly_cast", "task",
	  "bpf_get_current_task + bpf_rdonly_cast to task_struct + a plain load of ->pid" },
};
#define N_OPS (sizeof(ops) / sizeof(ops[0]))

static void usage(FILE *f)
{
	size_t i;

	fprintf(f,
"Usage: helpercost [-v] OP\n"
"       helpercost --list\n"
"\n"
"Attach the tp_btf sys_enter program that does OP (and an empty sys_exit)\n"
"until SIGINT or SIGTERM.  Prints 'helpercost: attached OP (pid P, prog id I)'\n"
"once attached; I is the sys_enter program, whose run_time_ns and run_cnt\n"
"(kernel.bpf_stats_enabled=1) in /proc/P/fdinfo give its cost per run.\n"
"\n"
"OP, what one run of the program does:\n");
	for (i = 0; i < N_OPS; i++)
		fprintf(f, "  %-13s %s\n", ops[i].name, ops[i].what);
	fprintf(f,
"\n"
"Options:\n"
"  -v, --verbose  show libbpf's messages (the verifier log when loading fails)\n"
"  --list         print OP<TAB>BASE<TAB>WHAT per line (BASE: '-' or the op\n"
"                 whose work OP repeats first) and exit\n"
"  -h, --help     show this help\n"
"\n"
"Exit status: 0 after a signal, 1 when the program cannot be loaded or\n"
"attached, 2 on a usage error.\n");
}

/* libbpf's warnings are the verifier log: only with -v */
static int quiet_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (!ls_log_verbose())
		return 0;
	return ls_libbpf_print(level, fmt, args);
}

int main(int argc, char **argv)
{
	struct helpercost_bpf *skel = NULL;
	const struct hc_op *op = NULL;
	struct bpf_program *prog, *mine = NULL;
	const char *arg = NULL;
	char want[64];
	int i, err, rc = 1;
	size_t j;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--list")) {
			for (j = 0; j < N_OPS; j++)
				printf("%s\t%s\t%s\n", ops[j].name, ops[j].base ? ops[j].base : "-",
				       ops[j].what);
			return 0;
		} else if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) {
			ls_log_set_verbose(1);
		} else if (argv[i][0] == '-' || arg) {
			ls_err("unexpected argument '%s' (helpercost --help)", argv[i]);
			return 2;
		} else {
			arg = argv[i];
		}
	}
	if (!arg) {
		ls_err("which operation? (helpercost --help lists them)");
		return 2;
	}
	for (j = 0; j < N_OPS && !op; j++)
		if (!strcmp(ops[j].name, arg))
			op = &ops[j];
	if (!op) {
		ls_err("unknown operation '%s' (helpercost --help lists them)", arg);
		return 2;
	}
	snprintf(want, sizeof(want), "hc_%s", op->name);

	bench_stop_signals_init();
	libbpf_set_print(quiet_libbpf_print);
	skel = helpercost_bpf__open();
	if (!skel) {
		ls_err("cannot open the BPF object: %s", strerror(errno));
		goto out;
	}
	bpf_object__for_each_program(prog, skel->obj) {
		if (strcmp(bpf_program__section_name(prog), "tp_btf/sys_enter"))
			continue;
		if (!strcmp(bpf_program__name(prog), want))
			mine = prog;
		else
			bpf_program__set_autoload(prog, false);
	}
	if (!mine) {	/* the table above and the object disagree */
		ls_err("no program %s in the BPF object", want);
		goto out;
	}
	err = helpercost_bpf__load(skel);
	if (err) {
		ls_err("cannot load %s (%s): %s%s", op->name, op->what, strerror(-err),
		       ls_log_verbose() ? "" : "; -v shows the verifier log");
		goto out;
	}
	err = helpercost_bpf__attach(skel);
	if (err) {
		ls_err("cannot attach %s to sys_enter/sys_exit (tp_btf): %s", op->name,
		       strerror(-err));
		goto out;
	}
	{
		struct bpf_prog_info info = { 0 };
		__u32 len = sizeof(info);

		err = bpf_obj_get_info_by_fd(bpf_program__fd(mine), &info, &len);
		printf("helpercost: attached %s (pid %d, prog id %u)\n", op->name, (int)getpid(),
		       err ? 0 : info.id);
	}
	fflush(stdout);
	bench_wait_stop();
	rc = 0;
out:
	helpercost_bpf__destroy(skel);
	return rc;
}
