// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The command lines of record, report and diff: the input's NUL-separated
 * words as argv, through record's parser and through the shared output
 * options with report's and diff's own (-o, --alpha, --fail-if), parsed
 * with the same helpers the commands call.
 */
#include <errno.h>
#include "cli_opts.h"
#include "diff_gate.h"
#include "fuzz_util.h"
#include "parse.h"
#include "record_opts.h"
#include "report.h"

#define MAX_WORDS	64

/* argv[0] = cmd, then the words; returns argc. */
static int split(char *text, size_t len, const char *cmd, char **argv)
{
	int argc = 0;
	size_t i = 0;

	argv[argc++] = (char *)cmd;
	while (i <= len && argc < MAX_WORDS) {
		argv[argc++] = text + i;
		i += strlen(text + i) + 1;
	}
	argv[argc] = NULL;
	return argc;
}

/* report and diff together: every option either of them takes. */
static void parse_output_options(int argc, char **argv)
{
	enum { OPT_ALPHA = LS_OPT_CMD, OPT_FAIL_IF };
	static const struct option opts[] = {
		LS_OPTION_FORMAT,
		{ "output", required_argument, NULL, 'o' },
		LS_OPTION_BY,
		LS_OPTION_PCTS,
		LS_OPTION_SORT,
		LS_OPTION_TOP,
		{ "alpha", required_argument, NULL, OPT_ALPHA },
		{ "fail-if", required_argument, NULL, OPT_FAIL_IF },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ls_report_opts ro;
	const struct ls_out_opts shared = { .fmt = &ro.fmt, .by = &ro.by, .pcts = &ro.pcts,
					    .sort = &ro.sort, .top = &ro.top };
	struct ls_getopt g;
	struct ls_gate gate;
	char err[512];
	double alpha;
	int c;

	ls_report_opts_init(&ro, LS_FMT_TEXT);
	ls_getopt_init(&g, argc, argv, "f:o:h", opts, 0);
	while ((c = ls_cli_next(&g, &shared, err, sizeof(err))) != -1) {
		if (c == -EINVAL)
			return;
		if (c == OPT_ALPHA)
			ls_parse_seconds(optarg, 1e-12, 0.999999, &alpha);
		else if (c == OPT_FAIL_IF)
			ls_gate_parse(&gate, optarg, err, sizeof(err));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char *text = fuzz_str(data, len), *argv[MAX_WORDS + 1], err[512];
	struct record_opts o;
	int argc;

	if (!text)
		return 0;
	argc = split(text, len, "record", argv);
	record_opts_parse(&o, argc, argv, err, sizeof(err));
	argc = split(text, len, "report", argv);
	parse_output_options(argc, argv);
	free(text);
	return 0;
}
