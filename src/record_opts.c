// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "parse.h"
#include "record_opts.h"

/* A day: long enough for any session, short enough to catch "-d 5m" typos. */
#define MAX_SECONDS 86400.0

void record_usage(FILE *f)
{
	fprintf(f,
"Usage: latscope record [OPTIONS] -p PID[,PID...]\n"
"       latscope record [OPTIONS] -- COMMAND [ARGS...]\n"
"\n"
"Trace the syscalls of running processes (every thread) or of a command and\n"
"every process it forks, and print per-subsystem latency percentiles when\n"
"tracing stops: after -d SECONDS, on Ctrl-C/SIGTERM, or when all targets exit.\n"
"\n"
"Options:\n"
"  -p, --pid PID[,PID...]   trace these running processes (all their threads)\n"
"  -d, --duration SECONDS   stop after this long (decimals allowed)\n"
"  -i, --interval SECONDS   also print a table for each interval while tracing\n"
"  -o, --output FILE        save the run as a JSON snapshot (atomically)\n"
"  -f, --format FMT         report format on stdout: text (default) or json\n"
"  -q, --quiet              no report on stdout (use with -o)\n"
"      --follow             trace processes forked by the targets (default with\n"
"                           COMMAND)\n"
"      --no-follow          do not (default with -p)\n"
"  -h, --help               show this help\n"
"\n"
"Examples:\n"
"  latscope record -p $(pidof democtl) -d 5\n"
"  latscope record -o before.json -- ./controller --once\n"
"  latscope record -p 1234 -i 2 -f json > run.json\n"
"\n"
"Needs root, or CAP_BPF and CAP_PERFMON, and a kernel with BTF.\n"
"Exit codes: 0 ok, 1 failure, 2 usage, 3 no such target, 4 permission,\n"
"5 kernel feature missing (see latscope(8)).\n");
}

int record_opts_parse(struct record_opts *o, int argc, char **argv, char *err, size_t errlen)
{
	enum { OPT_FOLLOW = 256, OPT_NO_FOLLOW };
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "duration", required_argument, NULL, 'd' },
		{ "interval", required_argument, NULL, 'i' },
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "follow", no_argument, NULL, OPT_FOLLOW },
		{ "no-follow", no_argument, NULL, OPT_NO_FOLLOW },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int follow = -1, c, ret;
	size_t n;

	memset(o, 0, sizeof(*o));
	optind = 1;
	opterr = 0;
	/* "+": stop at the first non-option so COMMAND's own options are kept */
	while ((c = getopt_long(argc, argv, "+:p:d:i:o:f:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (o->n_pids) {
				snprintf(err, errlen, "-p given twice; list PIDs with commas");
				return -EINVAL;
			}
			ret = ls_parse_pid_list(optarg, o->pids, LS_MAX_TARGET_PIDS, &n);
			if (ret == -E2BIG) {
				snprintf(err, errlen, "-p: at most %d PIDs", LS_MAX_TARGET_PIDS);
				return -EINVAL;
			}
			if (ret) {
				snprintf(err, errlen, "-p: invalid PID list '%s'", optarg);
				return -EINVAL;
			}
			o->n_pids = n;
			break;
		case 'd':
			if (ls_parse_seconds(optarg, 0.001, MAX_SECONDS, &o->duration_s)) {
				snprintf(err, errlen, "-d: '%s' is not a duration in seconds "
					 "(0.001 to %.0f)", optarg, MAX_SECONDS);
				return -EINVAL;
			}
			break;
		case 'i':
			if (ls_parse_seconds(optarg, 0.1, MAX_SECONDS, &o->interval_s)) {
				snprintf(err, errlen, "-i: '%s' is not an interval in seconds "
					 "(0.1 to %.0f)", optarg, MAX_SECONDS);
				return -EINVAL;
			}
			break;
		case 'o':
			o->output = optarg;
			break;
		case 'f':
			if (ls_format_parse(optarg, &o->format)) {
				snprintf(err, errlen, "--format: unknown format '%s' (text, json)",
					 optarg);
				return -EINVAL;
			}
			break;
		case 'q':
			o->quiet = true;
			break;
		case OPT_FOLLOW:
			follow = 1;
			break;
		case OPT_NO_FOLLOW:
			follow = 0;
			break;
		case 'h':
			return 1;
		case ':':
			snprintf(err, errlen, "option '%s' needs a value", argv[optind - 1]);
			return -EINVAL;
		default:
			if (optopt)
				snprintf(err, errlen, "unknown option '-%c'", optopt);
			else
				snprintf(err, errlen, "unknown option '%s'", argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (optind < argc)
		o->cmd = &argv[optind];
	if (o->cmd && o->n_pids) {
		snprintf(err, errlen, "give either -p PID or -- COMMAND, not both");
		return -EINVAL;
	}
	if (!o->cmd && !o->n_pids) {
		snprintf(err, errlen, "nothing to trace: give -p PID or -- COMMAND");
		return -EINVAL;
	}
	if (o->quiet && !o->output) {
		snprintf(err, errlen, "-q without -o would throw the report away");
		return -EINVAL;
	}
	o->follow = follow >= 0 ? follow : o->cmd != NULL;
	return 0;
}
