/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What record, report and diff parse alike: the getopt_long() loop with
 * its error messages, and the output options (-f/--format, --by,
 * --percentiles, --sort, --top), each parsed and refused in this one place.
 * Messages go into err without "Error: "; the command prints them.
 */
#ifndef LS_CLI_OPTS_H
#define LS_CLI_OPTS_H

#include <getopt.h>
#include <stddef.h>
#include "format.h"
#include "report_view.h"
#include "snapshot_cols.h"

/* getopt_long() values of the shared long-only options. */
enum {
	LS_OPT_BY = 256,
	LS_OPT_PCTS,
	LS_OPT_SORT,
	LS_OPT_TOP,
	LS_OPT_CMD,		/* a command's own long-only options start here */
};

/* Entries for a command's struct option table, one per option it takes. */
#define LS_OPTION_FORMAT	{ "format", required_argument, NULL, 'f' }
#define LS_OPTION_BY		{ "by", required_argument, NULL, LS_OPT_BY }
#define LS_OPTION_PCTS		{ "percentiles", required_argument, NULL, LS_OPT_PCTS }
#define LS_OPTION_SORT		{ "sort", required_argument, NULL, LS_OPT_SORT }
#define LS_OPTION_TOP		{ "top", required_argument, NULL, LS_OPT_TOP }

/* --top N: at most this many rows. */
#define LS_TOP_MAX		1000000

/*
 * Where the output options land in a command's own options.  NULL for an
 * option the command does not take (and leaves out of its table).
 */
struct ls_out_opts {
	enum ls_format *fmt;
	enum ls_by *by;
	struct ls_pcts *pcts;
	enum ls_sort *sort;
	size_t *top;
};

/* One walk over argv with getopt_long(). */
struct ls_getopt {
	int argc;
	char **argv;
	const struct option *longopts;
	const struct ls_out_opts *out;
	char spec[64];		/* the short options, with getopt's ':' (and '+') */
};

/*
 * Start a walk.  shortopts as for getopt ("p:qh"), without the leading ':'
 * this adds; stop_at_arg stops at the first non-option (for `-- COMMAND`
 * and a COMMAND's own options) instead of permuting.  out: where the
 * output options go (NULL: the command takes none).  getopt's state is
 * reset, so a walk never depends on an earlier one, and getopt prints
 * nothing itself.
 */
void ls_getopt_init(struct ls_getopt *g, int argc, char **argv, const char *shortopts,
		    const struct option *longopts, int stop_at_arg, const struct ls_out_opts *out);

/*
 * The next of the command's own options (its val, optarg set), -1 after
 * the last (optind is then the first non-option), or -EINVAL with one line
 * in err: an unknown option, a missing value, a value given to a flag,
 * each named as typed, or a bad value of an output option.  Output options
 * are parsed into g->out on the way and not returned.
 */
int ls_getopt_next(struct ls_getopt *g, char *err, size_t errlen);

#endif
