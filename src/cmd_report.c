/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * latscope report [OPTIONS] FILE
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
#include "parse.h"
#include "report.h"
#include "report_view.h"
#include "snapshot.h"
#include "snapshot_load.h"

static void report_help(FILE *f)
{
	fprintf(f,
		"Usage: latscope report [OPTIONS] FILE\n"
		"\n"
		"Print the latency report of a snapshot saved by 'latscope record'.\n"
		"\n"
		"Options:\n"
		"  -f, --format FMT        text (default): tables per subsystem and per\n"
		"                          syscall, plus the most frequent errors;\n"
		"                          csv: the main table, RFC 4180;\n"
		"                          markdown: a GitHub table per section;\n"
		"                          json: the snapshot itself (docs/snapshot-format.md),\n"
		"                          or with --by syscall a list of rows\n"
		"      --by WHAT           one row per subsystem (default) or syscall, i.e.\n"
		"                          (subsystem, syscall); thread and peer need a\n"
		"                          snapshot that records them\n"
		"      --percentiles LIST  percentile columns, e.g. 50,90,99,99.9 (default\n"
		"                          50,90,95,99,99.9); each 0 < p <= 100\n"
		"      --sort KEY          total (default), p99, calls or name\n"
		"      --top N             only the first N rows (and their breakdown)\n"
		"  -o, --output FILE       write the report to FILE instead of stdout (- is stdout)\n"
		"  -h, --help              show this help and exit\n"
		"\n"
		"Examples:\n"
		"  latscope report run.json\n"
		"  latscope report --by syscall --sort p99 --top 5 run.json\n"
		"  latscope report -f markdown --percentiles 50,99 run.json > issue.md\n"
		"  latscope report --format json run.json | jq '.subsystems[0].p99_ns'\n"
		"\n"
		"Exit codes: 0 ok, 1 failure, 2 usage, 6 unreadable or invalid FILE.\n");
}

/* Every usage error: one "Error: ..." line and a pointer to --help. */
#define usage_error(...) (ls_usage_err("report", __VA_ARGS__), LS_EXIT_USAGE)

int cmd_report(int argc, char **argv)
{
	enum { OPT_BY = 256, OPT_PCTS, OPT_SORT, OPT_TOP };
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "by", required_argument, NULL, OPT_BY },
		{ "percentiles", required_argument, NULL, OPT_PCTS },
		{ "sort", required_argument, NULL, OPT_SORT },
		{ "top", required_argument, NULL, OPT_TOP },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ls_report_opts ro;
	struct ls_snapshot *snap = NULL;
	const char *out_path = NULL;
	char err[512];
	FILE *out = NULL;
	long top;
	int c, ret;

	ls_report_opts_init(&ro, LS_FMT_TEXT);
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
			if (ls_format_parse(optarg, &ro.fmt))
				return usage_error("unknown format '%s' (expected %s)", optarg,
						   ls_format_names);
			break;
		case 'o':
			out_path = optarg;
			break;
		case OPT_BY:
			if (ls_by_parse(optarg, &ro.by))
				return usage_error("--by: unknown grouping '%s' (expected "
						   "subsystem, syscall, thread or peer)", optarg);
			break;
		case OPT_PCTS:
			ret = ls_pcts_parse(optarg, &ro.pcts);
			if (ret == -E2BIG)
				return usage_error("--percentiles: at most %d values", LS_MAX_PCTS);
			if (ret)
				return usage_error("--percentiles: '%s' is not a list of distinct "
						   "percentiles like 50,90,99.9 (0 < p <= 100)",
						   optarg);
			break;
		case OPT_SORT:
			if (ls_sort_parse(optarg, &ro.sort))
				return usage_error("--sort: unknown key '%s' (expected total, p99, "
						   "calls or name)", optarg);
			break;
		case OPT_TOP:
			if (ls_parse_long(optarg, 1, 1000000, &top))
				return usage_error("--top: '%s' is not a number from 1 to 1000000",
						   optarg);
			ro.top = (size_t)top;
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

	/* Before -o creates a file: the request may not fit this snapshot. */
	if (ls_view_check(snap, ro.by, err, sizeof(err))) {
		ls_err("%s: %s", argv[optind], err);
		ret = LS_EXIT_USAGE;
		goto cleanup;
	}
	/* "-" is stdout, as for record -o */
	out = out_path && strcmp(out_path, "-") ? fopen(out_path, "w") : stdout;
	if (!out) {
		ls_err("cannot write '%s': %s", out_path, strerror(errno));
		ret = LS_EXIT_FAILURE;
		goto cleanup;
	}
	ret = ls_report_write_opts(out, snap, &ro, err, sizeof(err));
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
