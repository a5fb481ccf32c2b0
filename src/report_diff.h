/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Render a before/after diff (src/diff.h) as text, CSV, Markdown or JSON. */
#ifndef LS_REPORT_DIFF_H
#define LS_REPORT_DIFF_H

#include <stdio.h>
#include "diff.h"
#include "format.h"

struct ls_diff_opts {
	enum ls_format fmt;
	const char *before_name;	/* file names, for the header */
	const char *after_name;
};

void ls_diff_opts_init(struct ls_diff_opts *o, enum ls_format fmt, const char *before_name,
		       const char *after_name);

/*
 * The diff: a header naming both runs, then one line per (row, metric):
 * calls, calls/s, the percentiles of the diff's configuration, max, total
 * and time/s, before and after with a percentile's confidence intervals,
 * the change and the relative change, the metric's p-value and result,
 * with the row's verdict.  Then the syscalls that changed on their own.
 * JSON adds both runs' meta and the warnings of ls_diff_warnings().
 */
int ls_diff_write(FILE *f, const struct ls_diff *d, const struct ls_snapshot *before,
		  const struct ls_snapshot *after, const struct ls_diff_opts *o);

/*
 * For `record --baseline`: diff with ls_diff_cfg_init()'s settings, warnings to
 * stderr, written after a report (text and Markdown start with an empty
 * line).  0 or a negative errno.
 */
int ls_diff_print(FILE *f, const struct ls_snapshot *before, const char *before_name,
		  const struct ls_snapshot *after, const char *after_name, enum ls_format fmt);

#endif
