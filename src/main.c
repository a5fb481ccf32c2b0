// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* latscope: global options, then one subcommand from the table below. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "log.h"
#include "main.h"

static int cmd_help(int argc, char **argv);

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct cmd cmds[] = {
	{ "record", cmd_record, "trace processes and report syscall latency per subsystem" },
	{ "report", cmd_report, "render a snapshot saved with 'record -o'" },
	{ "diff", cmd_diff, "compare two snapshots: which changes are real" },
	{ "help", cmd_help, "show this help" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f,
		"Usage: latscope [-v] [--version] COMMAND [ARGS...]\n"
		"\n"
		"Where the kernel time of a network daemon's syscalls goes, per subsystem\n"
		"(icmp, netlink, tcp/udp per peer, files...), measured with eBPF.\n"
		"\n"
		"Commands:\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-8s %s\n", cmds[i].name, cmds[i].summary);
	fprintf(f,
		"\n"
		"Global options:\n"
		"  -v, --verbose   also print libbpf's messages and diagnostics\n"
		"  -V, --version   print the version\n"
		"  -h, --help      show this help\n"
		"\n"
		"'latscope COMMAND --help' explains each command; see latscope(8).\n");
}

static int cmd_help(int argc, char **argv)
{
	usage(stdout);
	return LS_EXIT_OK;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	size_t i;
	int c;

	opterr = 0;
	/* "+": stop at the subcommand, which parses its own options */
	while ((c = getopt_long(argc, argv, "+vVh", longopts, NULL)) != -1) {
		switch (c) {
		case 'v':
			ls_log_set_verbose(1);
			break;
		case 'V':
			printf("latscope %s\n", LATSCOPE_VERSION);
			return LS_EXIT_OK;
		case 'h':
			usage(stdout);
			return LS_EXIT_OK;
		default:
			ls_usage_err(NULL, "unknown option '%s'", argv[optind - 1]);
			return LS_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return LS_EXIT_USAGE;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[optind], cmds[i].name))
			return cmds[i].fn(argc - optind, argv + optind);
	ls_usage_err(NULL, "unknown command '%s'", argv[optind]);
	return LS_EXIT_USAGE;
}
