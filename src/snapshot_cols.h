/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The derived figures of a group of calls (count, errors, total, share of
 * time, min, avg, percentiles, max) as column definitions.  Each figure is
 * defined once here, with its text header, its JSON/CSV key, the metric
 * name --fail-if uses and how its value is computed, so the text, CSV,
 * Markdown and JSON outputs cannot drift apart.
 */
#ifndef LS_SNAPSHOT_COLS_H
#define LS_SNAPSHOT_COLS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "latscope.h"

enum ls_fig {
	LS_FIG_COUNT = 0,
	LS_FIG_ERRORS,
	LS_FIG_TOTAL,
	LS_FIG_PCT_TIME,	/* share of the run's time: needs the whole */
	LS_FIG_MIN,
	LS_FIG_AVG,
	LS_FIG_PCTL,		/* percentile ls_col.p */
	LS_FIG_MAX,
	/* Per second of the run: need its duration (the diff has it). */
	LS_FIG_CALL_RATE,	/* calls per second */
	LS_FIG_TIME_RATE,	/* ns spent in calls per second */
};

/* A --percentiles list holds at most this many values. */
#define LS_MAX_PCTS	16
#define LS_MAX_COLS	(LS_MAX_PCTS + 9)

struct ls_col {
	enum ls_fig fig;
	double p;		/* LS_FIG_PCTL: 0 < p <= 100 */
	char key[24];		/* JSON and CSV: "count", "p99_9_ns" */
	char header[24];	/* text and Markdown: "CALLS", "P99.9" */
	char name[24];		/* --fail-if and the diff's metric column: "p99.9" */
};

struct ls_cols {
	struct ls_col col[LS_MAX_COLS];
	size_t n;
};

struct ls_pcts {
	double p[LS_MAX_PCTS];
	size_t n;
};

/* 50, 90, 95, 99, 99.9: the report's and the snapshot's percentiles. */
extern const struct ls_pcts ls_pcts_report;
/* 50, 90, 99: the diff's. */
extern const struct ls_pcts ls_pcts_diff;

/*
 * "50,90,99,99.9": each 0 < p <= 100 with at most 6 decimals, no
 * duplicates, at most LS_MAX_PCTS.  Parsed without strtod(), so neither
 * the locale nor binary rounding changes what "99.9" means.  -EINVAL on a
 * bad list (out untouched), -E2BIG for too many values.
 */
int ls_pcts_parse(const char *s, struct ls_pcts *out);

/* CALLS ERRORS TOTAL %TIME MIN AVG P.. MAX: the report's columns. */
void ls_cols_report(struct ls_cols *c, const struct ls_pcts *pcts);
/* count, calls/s, p.., max, total, time/s: the metrics the diff compares. */
void ls_cols_diff(struct ls_cols *c, const struct ls_pcts *pcts);

/* The column of one figure; p is the percentile for LS_FIG_PCTL, else unused. */
void ls_col_init(struct ls_col *c, enum ls_fig fig, double p);

/*
 * The column of a --fail-if metric name of `len` bytes: count, total, avg,
 * max, p50, p90, p95, p99, p99.9, calls/s, time/s.  0, or -EINVAL for
 * another name.
 */
int ls_col_metric(const char *name, size_t len, struct ls_col *out);
/* The names ls_col_metric() accepts, for messages: "p50, p90, ... or count". */
extern const char ls_col_metric_names[];

/* Durations are in ns; the others are counts (and %TIME a share). */
bool ls_col_is_duration(const struct ls_col *c);

/*
 * The value of a figure for these calls.  Not for LS_FIG_PCT_TIME, which
 * needs the whole: ls_pct_of(st->total_ns, whole), nor for the rates,
 * which need the run's duration (0 for them).
 */
__u64 ls_col_value(const struct ls_col *c, const struct ls_stats *st);

#endif
