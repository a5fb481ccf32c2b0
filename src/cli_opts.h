/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The output options that record, report and diff share (-f/--format,
 * --by, --percentiles, --sort, --top), each parsed and refused in this one
 * place, on top of the getopt walk of getopt_walk.h.  Messages go into err
 * without "Error: "; the command prints them.
 */
#ifndef LS_CLI_OPTS_H
#define LS_CLI_OPTS_H

#include <getopt.h>
#include <stddef.h>
#include <sys/types.h>
#include "format.h"
#include "getopt_walk.h"
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
	unsigned int fmts;	/* the formats fmt may take (LS_FMT_BIT); 0: LS_FMTS_TABLES */
	enum ls_by *by;
	struct ls_pcts *pcts;
	enum ls_sort *sort;
	size_t *top;
};

/*
 * ls_getopt_next() for a command that takes the output options in out
 * (NULL: none): they are parsed into out on the way and not returned.
 * The command's own next option, -1 after the last, or -EINVAL with one
 * line in err, also for a bad value of an output option.
 */
int ls_cli_next(struct ls_getopt *g, const struct ls_out_opts *out, char *err, size_t errlen);

/*
 * -p PID[,PID...] (record's targets, report's selection): at most max pids
 * into pids, *n of them; given once.  0, or -EINVAL with one line in err.
 */
int ls_cli_pids(const char *arg, pid_t *pids, size_t max, size_t *n, char *err, size_t errlen);

#endif
