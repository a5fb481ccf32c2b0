/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * latscope report [OPTIONS] FILE
 *
 * Renders a snapshot saved by `latscope record`.  It needs no privileges
 * and no BPF, so a run recorded as root on one machine can be read anywhere.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "cli_opts.h"
#include "cost.h"
#include "html.h"
#include "log.h"
#include "main.h"
#include "perfetto.h"
#include "record_opts.h"
#include "report.h"
#include "report_view.h"
#include "save_file.h"
#include "snapshot.h"
#include "snapshot_load.h"
#include "snapshot_select.h"

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
		"                          or with --by syscall a list of rows;\n"
		"                          html: one page, the tables and a latency histogram\n"
		"                          per row, inline SVG, nothing loaded (docs/html.md);\n"
		"                          perfetto: a timeline of the threads in Chrome\n"
		"                          trace-event JSON for ui.perfetto.dev or\n"
		"                          chrome://tracing (docs/timeline.md)\n"
		"      --by WHAT           one row per subsystem (default) or syscall, i.e.\n"
		"                          (subsystem, syscall), or per thread, peer or\n"
		"                          process (with each process's command line)\n"
		"  -p, --pid PID[,PID...]  only these processes of the run: the report of one\n"
		"                          daemon out of a run that traced several\n"
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
		"  latscope report --by process run.json\n"
		"  latscope report --pid 4242 run.json\n"
		"  latscope report -f markdown --percentiles 50,99 run.json > issue.md\n"
		"  latscope report --format json run.json | jq '.subsystems[0].p99_ns'\n"
		"  latscope report --format html run.json > run.html\n"
		"  latscope report --format perfetto run.json > trace.json\n"
		"\n"
		"Exit codes: 0 ok, 1 failure, 2 usage, 6 unreadable or invalid FILE.\n");
}

/* Every usage error: one "Error: ..." line and a pointer to --help. */
#define usage_error(...) (ls_usage_err("report", __VA_ARGS__), LS_EXIT_USAGE)

struct report_job {
	const struct ls_snapshot *snap;
	const struct ls_report_opts *ro;
};

static int write_report(FILE *f, const void *ctx)
{
	const struct report_job *job = ctx;
	int ret;

	switch (job->ro->fmt) {
	case LS_FMT_PERFETTO:
		return ls_perfetto_write(f, job->snap);
	case LS_FMT_HTML:
		return ls_html_report(f, job->snap, job->ro, NULL, 0);
	default:
		ret = ls_report_write_opts(f, job->snap, job->ro, NULL, 0);
		/* the paragraph `record` printed after the same report */
		if (!ret && job->ro->fmt == LS_FMT_TEXT && job->snap->has_cost) {
			fputc('\n', f);
			ls_cost_print_sample(f, &job->snap->cost);
		}
		return ret;
	}
}

int cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		LS_OPTION_FORMAT,
		{ "output", required_argument, NULL, 'o' },
		LS_OPTION_BY,
		LS_OPTION_PCTS,
		LS_OPTION_SORT,
		LS_OPTION_TOP,
		{ "pid", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ls_report_opts ro;
	const struct ls_out_opts shared = {
		.fmt = &ro.fmt, .by = &ro.by, .pcts = &ro.pcts, .sort = &ro.sort, .top = &ro.top,
		.fmts = LS_FMTS_TABLES | LS_FMT_BIT(LS_FMT_PERFETTO) | LS_FMT_BIT(LS_FMT_HTML),
	};
	struct ls_report_opts defaults;
	struct ls_snapshot *snap = NULL, *part;
	struct report_job job = { .ro = &ro };
	pid_t pids[LS_MAX_TARGET_PIDS];
	__u32 sel[LS_MAX_TARGET_PIDS];
	size_t n_pids = 0, i;
	const char *out_path = "-";
	struct ls_outfile *out;
	struct ls_getopt g;
	char err[512];
	int c, ret;

	ls_report_opts_init(&ro, LS_FMT_TEXT);
	/* options may follow FILE: `report run.json --format json` */
	ls_getopt_init(&g, argc, argv, "f:o:p:h", opts, 0);
	while ((c = ls_cli_next(&g, &shared, err, sizeof(err))) != -1) {
		switch (c) {
		case -EINVAL:
			return usage_error("%s", err);
		case 'o':
			out_path = optarg;
			break;
		case 'p':
			if (ls_cli_pids(optarg, pids, LS_MAX_TARGET_PIDS, &n_pids, err,
					sizeof(err)))
				return usage_error("%s", err);
			break;
		case 'h':
			report_help(stdout);
			return LS_EXIT_OK;
		}
	}
	if (optind >= argc)
		return usage_error("missing the snapshot FILE to report on");
	/* a timeline has every thread and no table: the table options mean nothing */
	ls_report_opts_init(&defaults, ro.fmt);
	if (ro.fmt == LS_FMT_PERFETTO &&
	    (ro.by != defaults.by || ro.sort != defaults.sort || ro.top ||
	     memcmp(&ro.pcts, &defaults.pcts, sizeof(ro.pcts))))
		return usage_error("--by, --sort, --top and --percentiles do not apply to "
				   "--format perfetto");
	if (argc - optind > 1)
		return usage_error("unexpected argument '%s' (one snapshot FILE only)",
				   argv[optind + 1]);

	snap = ls_snapshot_load(argv[optind], err, sizeof(err));
	if (!snap) {
		ls_err("%s", err);
		return LS_EXIT_BAD_INPUT;
	}

	if (n_pids) {
		for (i = 0; i < n_pids; i++)
			sel[i] = (__u32)pids[i];
		part = ls_snapshot_select(snap, sel, n_pids, err, sizeof(err));
		if (!part) {
			ls_err("%s: %s", argv[optind], err);
			ret = errno == ESRCH ? LS_EXIT_USAGE : LS_EXIT_FAILURE;
			goto cleanup;
		}
		ls_snapshot_free(snap);
		snap = part;
	}
	/* Before -o creates a file: the request may not fit this snapshot. */
	if (ro.by != LS_BY_BUDGET && ls_view_check(snap, ro.by, err, sizeof(err))) {
		ls_err("%s: %s", argv[optind], err);
		ret = LS_EXIT_USAGE;
		goto cleanup;
	}
	/* a file: a new one renamed over the old, which a full disk leaves intact */
	job.snap = snap;
	ret = ls_outfile_open(&out, out_path, err, sizeof(err));
	if (!ret)
		ret = ls_outfile_commit(out, write_report, &job, err, sizeof(err));
	if (ret) {
		ls_err("%s", err);
		ret = LS_EXIT_FAILURE;
		goto cleanup;
	}
	ret = LS_EXIT_OK;

cleanup:
	ls_snapshot_free(snap);
	return ret;
}
