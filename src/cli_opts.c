/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The options and the getopt walk that record, report and diff share (cli_opts.h). */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
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
	long top;
	int ret;

	if (c == 'f' && o->fmt) {
		if (ls_format_parse(arg, o->fmt))
			goto bad;
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
	case 'f':
		snprintf(err, errlen, "--format: unknown format '%s' (expected %s)", arg,
			 ls_format_names);
		break;
	case LS_OPT_BY:
		snprintf(err, errlen, "--by: unknown grouping '%s' (expected subsystem, syscall, "
			 "thread or peer)", arg);
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

void ls_getopt_init(struct ls_getopt *g, int argc, char **argv, const char *shortopts,
		    const struct option *longopts, int stop_at_arg, const struct ls_out_opts *out)
{
	static const struct ls_out_opts none;

	g->argc = argc;
	g->argv = argv;
	g->longopts = longopts;
	g->out = out ? out : &none;
	snprintf(g->spec, sizeof(g->spec), "%s:%s", stop_at_arg ? "+" : "", shortopts);
	/*
	 * 0, not 1: glibc only resets its scan state (its place inside a
	 * cluster such as "-hq", and the "+" or permuting mode) when optind
	 * is 0.  opterr = 0: getopt's own messages would precede ours.
	 */
	optind = 0;
	opterr = 0;
}

/*
 * The word getopt_long() is about to read: the first that looks like an
 * option from optind on.  When permuting, getopt skips the non-options
 * before it; inside a cluster ("-qx") optind still points at the cluster.
 */
static const char *next_option_word(const struct ls_getopt *g)
{
	int i;

	for (i = optind ? optind : 1; i < g->argc; i++)
		if (g->argv[i][0] == '-' && g->argv[i][1])
			return g->argv[i];
	return "";
}

int ls_getopt_next(struct ls_getopt *g, char *err, size_t errlen)
{
	const char *word;
	bool is_long;
	int c, ret;

	do {
		word = next_option_word(g);
		is_long = word[0] == '-' && word[1] == '-' && word[2];
		c = getopt_long(g->argc, g->argv, g->spec, g->longopts, NULL);
		switch (c) {
		case ':':
			if (is_long)
				snprintf(err, errlen, "option '%s' needs an argument", word);
			else
				snprintf(err, errlen, "option '-%c' needs an argument", optopt);
			return -EINVAL;
		case '?':
			/* a long flag given a value ("--quiet=1") lands here too, named whole */
			if (is_long)
				snprintf(err, errlen, "unknown option '%s'", word);
			else
				snprintf(err, errlen, "unknown option '-%c'", optopt);
			return -EINVAL;
		case -1:
			return -1;
		}
		ret = out_opt(g->out, c, optarg, err, errlen);
		if (ret < 0)
			return ret;
	} while (ret == 0);
	return c;
}
