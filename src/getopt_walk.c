/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The getopt_long() walk of every command and tool (getopt_walk.h). */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include "getopt_walk.h"

void ls_getopt_init(struct ls_getopt *g, int argc, char **argv, const char *shortopts,
		    const struct option *longopts, int stop_at_arg)
{
	g->argc = argc;
	g->argv = argv;
	g->longopts = longopts;
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
	const char *word = next_option_word(g);
	bool is_long = word[0] == '-' && word[1] == '-' && word[2];
	int c = getopt_long(g->argc, g->argv, g->spec, g->longopts, NULL);

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
	default:
		return c;
	}
}
