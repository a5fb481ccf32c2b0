/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * `report --format html` and `diff --format html`: one self-contained page
 * each (docs/html.md), with the tables of the text report and inline SVG
 * plots.  No script, no stylesheet or font from elsewhere; the page's
 * Content-Security-Policy forbids every load, so opening it touches no
 * network.
 */
#ifndef LS_HTML_H
#define LS_HTML_H

#include <stdio.h>
#include "diff.h"
#include "report.h"
#include "report_diff.h"

/* The report's tables (o->fmt is ignored), then a histogram per row shown. */
int ls_html_report(FILE *f, const struct ls_snapshot *snap, const struct ls_report_opts *o,
		   char *err, size_t errlen);

/* The diff's table (o->fmt is ignored), then both runs' histograms overlaid per row. */
int ls_html_diff(FILE *f, const struct ls_diff *d, const struct ls_snapshot *before,
		 const struct ls_snapshot *after, const struct ls_diff_opts *o);

#endif
