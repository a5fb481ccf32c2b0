/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Inline SVG charts for the HTML pages (docs/html.md): a latency histogram
 * on a log time axis with percentiles marked, one or two runs overlaid, and
 * a stacked bar.  Plain markup, no script, no external reference.
 */
#ifndef LS_SVG_H
#define LS_SVG_H

#include <stddef.h>
#include <stdio.h>
#include "latscope.h"
#include "snapshot_cols.h"

/* Display bins per decade of the histogram's time axis. */
#define LS_SVG_BINS_PER_DECADE	10

/* One run's distribution in a histogram. */
struct ls_svg_series {
	const struct ls_stats *st;
	const char *label;	/* "before", "after"; NULL for a lone series */
	const char *color;	/* CSS color */
};

/*
 * A histogram of the calls of n series (1 or 2) as a share of each
 * series' calls, bins of 1/LS_SVG_BINS_PER_DECADE decade, and a dashed
 * line at each percentile of pcts per series.  Series without calls are
 * skipped; with none, nothing is written.
 */
void ls_svg_histogram(FILE *f, const char *title, const struct ls_svg_series *s, size_t n,
		      const struct ls_pcts *pcts);

/* One part of a stacked bar. */
struct ls_svg_part {
	const char *name;
	double value;		/* its length; parts of 0 or less are left out */
	const char *note;	/* shown after the name in its legend line, or NULL */
};

/* A horizontal bar of the parts, each with its share of their sum, and a legend. */
void ls_svg_stacked_bar(FILE *f, const char *title, const struct ls_svg_part *p, size_t n);

/* "1us", "10ms", "1s": a power of ten of ns, as an axis label, into buf. */
const char *ls_svg_decade_label(int decade, char *buf, size_t len);

#endif
