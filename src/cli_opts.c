/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The options that record, report and diff share (cli_opts.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "cli_opts.h"
#include "parse.h"

/*
 * If c is an output option that o takes, parse arg into it: 0, or -EINVAL
 * with the message in err.  1 when c is none of them.
 */
static int out_opt(const struct ls_out_opts *o, int c, const char *arg, char *err, size_t errlen)
{
	unsigned int fmts = o->fmts ? o->fmts : LS_FMTS_TABLES;
	enum ls_format fmt;
	char names[96];
	long top;
	int ret;

	if (c == 'f' && o->fmt) {
		if (ls_format_parse(arg, &fmt) || !(fmts & LS_FMT_BIT(fmt))) {
			snprintf(err, errlen, "--format: unknown format '%s' (expected %s)", arg,
				 ls_format_list(fmts, names, sizeof(names)));
			return -EINVAL;
		}
		*o->fmt = fmt;
	} else if (c == LS_OPT_BY && o->by) {
		if (ls_by_parse(arg, o->by))
			goto bad;
	} else if (c == LS_OPT_PCTS && o->pcts) {
		ret = ls_pcts_parse(arg, o->pcts);
		if (ret == -E2BIG) {
			snprintf(err, errlen, "--percentiles: at most %d values", LS_MAX_PCTS);
			return -EINVAL;
		}
		if (ret)
			goto bad;
	} else if (c == LS_OPT_SORT && o->sort) {
		if (ls_sort_parse(arg, o->sort))
			goto bad;
	} else if (c == LS_OPT_TOP && o->top) {
		if (ls_parse_long(arg, 1, LS_TOP_MAX, &top))
			goto bad;
		*o->top = (size_t)top;
	} else {
		return 1;
	}
	return 0;

bad:
	switch (c) {
	case LS_OPT_BY:
		snprintf(err, errlen, "--by: unknown grouping '%s' (expected subsystem, syscall, "
			 "thread, peer or process)", arg);
		break;
	case LS_OPT_PCTS:
		snprintf(err, errlen, "--percentiles: '%s' is not a list of distinct percentiles "
			 "like 50,90,99.9 (0 < p <= 100)", arg);
		break;
	case LS_OPT_SORT:
		snprintf(err, errlen, "--sort: unknown key '%s' (expected total, p99, calls or "
			 "name)", arg);
		break;
	default:
		snprintf(err, errlen, "--top: '%s' is not a number from 1 to %d", arg, LS_TOP_MAX);
		break;
	}
	return -EINVAL;
}

int ls_cli_next(struct ls_getopt *g, const struct ls_out_opts *out, char *err, size_t errlen)
{
	static const struct ls_out_opts none;
	int c, ret;

	do {
		c = ls_getopt_next(g, err, errlen);
		if (c < 0)
			return c;
		ret = out_opt(out ? out : &none, c, optarg, err, errlen);
		if (ret < 0)
			return ret;
	} while (ret == 0);
	return c;
}

int ls_cli_pids(const char *arg, pid_t *pids, size_t max, size_t *n, char *err, size_t errlen)
{
	int ret;

	if (*n) {
		snprintf(err, errlen, "-p given twice; list PIDs with commas");
		return -EINVAL;
	}
	ret = ls_parse_pid_list(arg, pids, max, n);
	if (ret == -E2BIG)
		snprintf(err, errlen, "-p: at most %zu PIDs", max);
	else if (ret)
		snprintf(err, errlen, "-p: invalid PID list '%s'", arg);
	return ret ? -EINVAL : 0;
}
