/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * latscope diff [OPTIONS] BEFORE AFTER
 *
 * Lines up two snapshots and says which differences are real (docs/diff.md).
 * Like `report` it needs no privileges and no BPF.  With --fail-if it is a
 * CI gate: exit 7 when a significant change crosses a threshold.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "diff.h"
#include "diff_gate.h"
#include "cli_opts.h"
#include "html.h"
#include "log.h"
#include "main.h"
#include "parse.h"
#include "report_diff.h"
#include "report_view.h"
#include "save_file.h"
#include "snapshot.h"
#include "snapshot_load.h"

static void diff_help(FILE *f)
{
	fprintf(f,
		"Usage: latscope diff [OPTIONS] BEFORE AFTER\n"
		"\n"
		"Compare two snapshots saved by 'latscope record': for every subsystem (or\n"
		"with --by syscall, every (subsystem, syscall)) in either run, the calls,\n"
		"calls per second, percentiles (with confidence intervals), max, total and\n"
		"time per second, before and after, the change, and whether each change is\n"
		"real: percentiles by an exact test on the histograms, the rates by Poisson\n"
		"tests, all of a row's tests sharing alpha.  Verdicts: slower, faster, mixed,\n"
		"more calls, fewer calls, ~ (nothing changed beyond noise), insufficient (no\n"
		"percentile had enough calls), new, gone.  Requests (send to reply) and the\n"
		"calls that are not work (idle, sync, child) are compared apart: more idle,\n"
		"less idle, more waiting, less waiting, never slower or faster.\n"
		"\n"
		"Options:\n"
		"  -f, --format FMT        text (default), json, csv, markdown, or html: one\n"
		"                          page with the table and both runs' latency\n"
		"                          histograms overlaid per row (docs/html.md)\n"
		"      --by WHAT           subsystem (default) or syscall; thread and peer need\n"
		"                          snapshots that record them\n"
		"      --percentiles LIST  percentiles to compare and judge (default 50,90,99)\n"
		"      --alpha A           significance level of a row, 0 < A < 1 (default 0.05)\n"
		"      --min-change PCT    smaller significant changes do not count (default %g)\n"
		"      --min-delta TIME    nor, for a percentile, changes smaller than TIME\n"
		"                          (default 1us; 500ns, 2ms, 0 ...)\n"
		"      --fail-if EXPR      exit 7 if EXPR holds for a row; repeatable.\n"
		"                          EXPR: [SUBSYSTEM.]METRIC OP THRESHOLD, METRIC one\n"
		"                          of %s,\n"
		"                          OP '>' (after larger) or '<' (after smaller),\n"
		"                          THRESHOLD a change: +10%%, +2ms, 500us, 300ns, 1s,\n"
		"                          or a number for count and calls/s.  Trips only when\n"
		"                          the metric's test says the change is real.\n"
		"  -o, --output FILE       write the diff to FILE instead of stdout\n"
		"  -h, --help              show this help and exit\n"
		"\n"
		"Examples:\n"
		"  latscope diff before.json after.json\n"
		"  latscope diff --by syscall -f markdown before.json after.json\n"
		"  latscope diff -f html before.json after.json > diff.html\n"
		"  latscope diff --fail-if 'p90>+50%%' --fail-if 'tc.time/s>+5ms' a.json b.json\n"
		"\n"
		"Exit codes: 0 ok, 1 failure, 2 usage, 6 unreadable or invalid snapshot,\n"
		"7 a --fail-if gate tripped.\n", LS_DIFF_MIN_CHANGE, ls_col_metric_names);
}

/* Every usage error: one "Error: ..." line and a pointer to --help. */
#define usage_error(...) (ls_usage_err("diff", __VA_ARGS__), LS_EXIT_USAGE)

struct diff_args {
	struct ls_diff_opts out;
	struct ls_diff_cfg cfg;
	struct ls_gate gates[LS_MAX_GATES];
	size_t n_gates;
	const char *out_path;
	const char *before, *after;
};

struct diff_job {
	const struct ls_diff *d;
	const struct ls_snapshot *before, *after;
	const struct ls_diff_opts *opts;
};

static int write_diff(FILE *f, const void *ctx)
{
	const struct diff_job *job = ctx;

	if (job->opts->fmt == LS_FMT_HTML)
		return ls_html_diff(f, job->d, job->before, job->after, job->opts);
	return ls_diff_write(f, job->d, job->before, job->after, job->opts);
}

/* 0 (with *help set for --help), or LS_EXIT_USAGE after the message. */
static int parse_args(struct diff_args *a, int argc, char **argv, bool *help)
{
	enum { OPT_ALPHA = LS_OPT_CMD, OPT_MIN_CHANGE, OPT_MIN_DELTA, OPT_FAIL_IF };
	static const struct option opts[] = {
		LS_OPTION_FORMAT,
		{ "output", required_argument, NULL, 'o' },
		LS_OPTION_BY,
		LS_OPTION_PCTS,
		{ "alpha", required_argument, NULL, OPT_ALPHA },
		{ "min-change", required_argument, NULL, OPT_MIN_CHANGE },
		{ "min-delta", required_argument, NULL, OPT_MIN_DELTA },
		{ "fail-if", required_argument, NULL, OPT_FAIL_IF },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct ls_out_opts shared = { .fmt = &a->out.fmt, .by = &a->cfg.by,
					    .pcts = &a->cfg.pcts,
					    .fmts = LS_FMTS_TABLES | LS_FMT_BIT(LS_FMT_HTML) };
	struct ls_getopt g;
	char err[256];
	int c;

	ls_getopt_init(&g, argc, argv, "f:o:h", opts, 0);
	while ((c = ls_cli_next(&g, &shared, err, sizeof(err))) != -1) {
		switch (c) {
		case -EINVAL:
			return usage_error("%s", err);
		case 'o':
			a->out_path = optarg;
			break;
		case OPT_ALPHA:
			/* A strict decimal parser; the "seconds" are just a number here. */
			if (ls_parse_seconds(optarg, 1e-12, 0.999999, &a->cfg.alpha))
				return usage_error("--alpha: '%s' is not a number between 0 and 1",
						   optarg);
			break;
		case OPT_MIN_CHANGE:
			if (ls_parse_seconds(optarg, 0, 1e6, &a->cfg.min_change))
				return usage_error("--min-change: '%s' is not a percentage from 0 "
						   "to 1000000", optarg);
			break;
		case OPT_MIN_DELTA:
			if (ls_parse_duration_ns(optarg, 0, 3600, &a->cfg.min_delta_ns))
				return usage_error("--min-delta: '%s' is not a duration from 0 to "
						   "1 hour, such as 1us or 500ns", optarg);
			break;
		case OPT_FAIL_IF:
			if (a->n_gates == LS_MAX_GATES)
				return usage_error("--fail-if: at most %d gates", LS_MAX_GATES);
			if (ls_gate_parse(&a->gates[a->n_gates], optarg, err, sizeof(err)))
				return usage_error("--fail-if '%s': %s", optarg, err);
			a->n_gates++;
			break;
		case 'h':
			*help = true;
			return 0;
		}
	}
	if (argc - optind < 2)
		return usage_error("missing the %s", optind == argc ? "BEFORE and AFTER snapshots" :
				   "AFTER snapshot");
	if (argc - optind > 2)
		return usage_error("unexpected argument '%s' (two snapshots only)",
				   argv[optind + 2]);
	a->before = argv[optind];
	a->after = argv[optind + 1];
	return 0;
}

static struct ls_snapshot *load(const char *path)
{
	struct ls_snapshot *snap;
	char err[512];

	snap = ls_snapshot_load(path, err, sizeof(err));
	if (!snap)
		ls_err("%s", err);
	return snap;
}

/*
 * Each tripped (gate, row) is one Error line; returns how many tripped.  A
 * gate that cannot test its percentile somewhere says so: it would stay
 * silent there whatever happened.
 */
static size_t check_gates(const struct diff_args *a, const struct ls_diff *d)
{
	const struct ls_diff_row *r;
	char msg[512];
	size_t g, i, trips = 0;

	for (g = 0; g < a->n_gates; g++) {
		if (ls_gate_too_few(&a->gates[g], d, msg, sizeof(msg)))
			ls_warn("--fail-if '%s': %s", a->gates[g].expr, msg);
		for (i = 0; (r = ls_gate_row(&a->gates[g], d, i)); i++)
			if (ls_gate_check(&a->gates[g], d, r, msg, sizeof(msg))) {
				ls_err("--fail-if '%s' tripped: %s", a->gates[g].expr, msg);
				trips++;
			}
	}
	return trips;
}

/* A gate naming a subsystem that neither run has is most likely a typo. */
static void warn_unmatched_gates(const struct diff_args *a, const struct ls_diff *d)
{
	const struct ls_diff_row *r;
	size_t g, i;

	for (g = 0; g < a->n_gates; g++) {
		for (i = 0; (r = ls_gate_row(&a->gates[g], d, i)) && !ls_gate_applies(&a->gates[g], r);
		     i++)
			;
		if (r)
			continue;
		if (!strcmp(a->gates[g].subsys, LS_DIFF_CYCLE))
			ls_warn("--fail-if '%s': no cycle found in both runs", a->gates[g].expr);
		else
			ls_warn("--fail-if '%s': no subsystem '%s' in either run",
				a->gates[g].expr, a->gates[g].subsys);
	}
}

int cmd_diff(int argc, char **argv)
{
	char err[512], warn[LS_DIFF_MAX_WARN][LS_DIFF_WARN_LEN];
	struct ls_snapshot *before = NULL, *after = NULL;
	struct ls_diff d = { 0 };
	struct diff_args a = { .out_path = "-" };
	struct diff_job job = { .d = &d, .opts = &a.out };
	struct ls_outfile *out;
	bool help = false;
	size_t i, n;
	int ret;

	ls_diff_opts_init(&a.out, LS_FMT_TEXT, NULL, NULL);
	ls_diff_cfg_init(&a.cfg);
	ret = parse_args(&a, argc, argv, &help);
	if (ret)
		return ret;
	if (help) {
		diff_help(stdout);
		return LS_EXIT_OK;
	}
	a.out.before_name = a.before;
	a.out.after_name = a.after;

	before = load(a.before);
	after = before ? load(a.after) : NULL;
	if (!after) {
		ret = LS_EXIT_BAD_INPUT;
		goto cleanup;
	}
	ret = ls_diff_build(&d, before, after, &a.cfg, err, sizeof(err));
	if (ret == -ENODATA) {
		ls_err("%s: %s", ls_view_check(before, a.cfg.by, NULL, 0) ? a.before : a.after,
		       err);
		ret = LS_EXIT_USAGE;
		goto cleanup;
	}
	if (ret) {
		ls_err("comparing the snapshots: %s", strerror(-ret));
		ret = LS_EXIT_FAILURE;
		goto cleanup;
	}
	n = ls_diff_warnings(before, after, warn, LS_DIFF_MAX_WARN);
	for (i = 0; i < n; i++)
		ls_warn("%s", warn[i]);
	warn_unmatched_gates(&a, &d);

	job.before = before;
	job.after = after;
	ret = ls_outfile_open(&out, a.out_path, err, sizeof(err));
	if (!ret)
		ret = ls_outfile_commit(out, write_diff, &job, err, sizeof(err));
	if (ret) {
		ls_err("%s", err);
		ret = LS_EXIT_FAILURE;
		goto cleanup;
	}
	ret = check_gates(&a, &d) ? LS_EXIT_REGRESSION : LS_EXIT_OK;

cleanup:
	ls_diff_free(&d);
	ls_snapshot_free(after);
	ls_snapshot_free(before);
	return ret;
}
