/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * latscope report [--format text|json] [-o FILE] FILE
 *
 * Renders a snapshot saved by `latscope record`.  It needs no privileges
 * and no BPF, so a run recorded as root on one machine can be read anywhere.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "log.h"
#include "main.h"
#include "report.h"
#include "snapshot.h"

static void report_help(FILE *f)
{
	fprintf(f,
		"Usage: latscope report [--format text|json] [-o FILE] FILE\n"
		"\n"
		"Print the latency report of a snapshot saved by 'latscope record'.\n"
		"\n"
		"Options:\n"
		"  -f, --format FMT   text (default): percentile tables per subsystem and\n"
		"                     per syscall, plus the most frequent errors;\n"
		"                     json: the snapshot itself (docs/snapshot-format.md)\n"
		"  -o, --output FILE  write the report to FILE instead of stdout\n"
		"  -h, --help         show this help and exit\n"
		"\n"
		"Examples:\n"
		"  latscope report run.json\n"
		"  latscope report --format json run.json | jq '.subsystems[0].p99_ns'\n");
}

/* One "Error: ..." line and a pointer to --help, as for every usage error. */
static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ls_err("%s", msg);
	fprintf(stderr, "Try 'latscope report --help'.\n");
	return LS_EXIT_USAGE;
}

int cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum ls_format fmt = LS_FMT_TEXT;
	struct ls_snapshot *snap = NULL;
	const char *out_path = NULL;
	char err[512];
	FILE *out = NULL;
	int c, ret;

	/*
	 * optind = 0, not 1: main parsed the global options with "+", and
	 * glibc only re-reads the ordering mode when optind is 0.  With 1,
	 * `report run.json --format json` would stop at run.json.
	 * opterr = 0 so that getopt's own messages do not precede ours.
	 */
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (ls_format_parse(optarg, &fmt))
				return usage_error("unknown format '%s' (expected text or json)",
						   optarg);
			break;
		case 'o':
			out_path = optarg;
			break;
		case 'h':
			report_help(stdout);
			return LS_EXIT_OK;
		case ':':
			return usage_error("option '%s' needs an argument", argv[optind - 1]);
		default:
			/* optopt is 0 for an unknown long option. */
			if (optopt)
				return usage_error("unknown option '-%c'", optopt);
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return usage_error("missing the snapshot FILE to report on");
	if (argc - optind > 1)
		return usage_error("unexpected argument '%s' (one snapshot FILE only)",
				   argv[optind + 1]);

	snap = ls_snapshot_load(argv[optind], err, sizeof(err));
	if (!snap) {
		ls_err("%s", err);
		return LS_EXIT_BAD_INPUT;
	}
	ls_snapshot_sort(snap);

	out = out_path ? fopen(out_path, "w") : stdout;
	if (!out) {
		ls_err("cannot write '%s': %s", out_path, strerror(errno));
		ret = LS_EXIT_FAILURE;
		goto cleanup;
	}
	ret = ls_report_write(out, snap, fmt);
	if (!ret && fflush(out))
		ret = -errno;
	if (ret) {
		ls_err("writing the report to %s: %s", out_path ? out_path : "stdout",
		       strerror(-ret));
		ret = LS_EXIT_FAILURE;
		goto cleanup;
	}
	ret = LS_EXIT_OK;

cleanup:
	if (out && out != stdout && fclose(out) && ret == LS_EXIT_OK) {
		ls_err("writing the report to %s: %s", out_path, strerror(errno));
		ret = LS_EXIT_FAILURE;
	}
	ls_snapshot_free(snap);
	return ret;
}
