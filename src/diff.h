/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Before/after comparison of two snapshots (docs/diff.md): the rows of two
 * views matched by key, each metric of a row tested on its own, and a
 * verdict per row from those tests.  Pure computation; src/report_diff.c
 * prints it and src/diff_gate.c checks --fail-if expressions against it.
 */
#ifndef LS_DIFF_H
#define LS_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include "report_view.h"
#include "snapshot.h"
#include "snapshot_cols.h"

enum ls_verdict {
	LS_VERDICT_SAME = 0,	/* "~": no metric changed beyond noise */
	LS_VERDICT_FASTER,
	LS_VERDICT_SLOWER,
	LS_VERDICT_MIXED,	/* time metrics moved both ways, time per second did not */
	LS_VERDICT_MORE_CALLS,	/* only the call rate changed */
	LS_VERDICT_FEWER_CALLS,
	LS_VERDICT_INSUFFICIENT,	/* no percentile could be tested, nothing else moved */
	LS_VERDICT_NEW,		/* only in the after run */
	LS_VERDICT_GONE,	/* only in the before run */
	/* Calls that are not work are never slower or faster, they wait more or less. */
	LS_VERDICT_MORE_IDLE,	/* idle waits, by design: the sleep between cycles */
	LS_VERDICT_LESS_IDLE,
	LS_VERDICT_MORE_WAITING,	/* waits for another thread or a child */
	LS_VERDICT_LESS_WAITING,
};

/* "~", "faster", "slower", "mixed", "more calls", ... "new", "gone", "less idle"... */
const char *ls_verdict_name(enum ls_verdict v);

/* What the test of one metric of a row says. */
enum ls_result {
	LS_RESULT_NONE = 0,	/* not tested: count, total (see the rates), max, avg */
	LS_RESULT_SAME,		/* "~" */
	LS_RESULT_UP,		/* significantly larger, and by more than --min-change */
	LS_RESULT_DOWN,
	LS_RESULT_TOO_FEW,	/* a percentile with too few calls on a side */
};

/*
 * "slower"/"faster" for latencies ("longer"/"shorter" for calls of a role
 * that is not work), "more"/"less" for time, "more"/"fewer" for calls.
 */
const char *ls_result_name(enum ls_result res, const struct ls_col *c, __u8 role);

struct ls_metric_test {
	enum ls_result result;
	double p;		/* two-sided p-value; NaN when not tested */
	int dir;		/* the test's direction: +1 after larger, -1 smaller, 0 */
	/* Percentiles: the (1 - alpha) confidence interval of each side, in ns. */
	bool has_ci[2];		/* [0] before, [1] after */
	__u64 ci_lo[2], ci_hi[2];
};

#define LS_DIFF_MAX_NOTED	8

struct ls_diff_row {
	/* A view's key; in the sections apart, the subsystem and the syscall. */
	const char *key[LS_VIEW_MAX_KEYS];
	__u8 role;				/* enum ls_role of the calls */
	const struct ls_view_row *before;	/* the view's row; NULL: none in that run, */
	const struct ls_view_row *after;	/* or a row of a section apart */
	/*
	 * The calls the verdict is about, per side (NULL where the row is
	 * absent).  Each of the row's tests is made at level alpha / n_tests.
	 */
	const struct ls_stats *judged[2];
	size_t n_tests;
	double level;
	enum ls_verdict verdict;
	/*
	 * A row that merges several syscalls: those whose own verdict is
	 * slower, faster or mixed, each syscall judged at alpha / (syscalls
	 * compared).  The counts may exceed LS_DIFF_MAX_NOTED; the names stop
	 * there.
	 */
	const char *slower[LS_DIFF_MAX_NOTED], *faster[LS_DIFF_MAX_NOTED];
	const char *mixed[LS_DIFF_MAX_NOTED];
	size_t n_slower, n_faster, n_mixed;
};

#define LS_DIFF_CYCLE	"cycle"

/* What a diff compares and how strictly. */
struct ls_diff_cfg {
	enum ls_by by;
	double alpha;		/* 0 < alpha < 1 */
	double min_change;	/* percent: smaller significant changes do not count */
	__u64 min_delta_ns;	/* nor, for a percentile, smaller than this */
	struct ls_pcts pcts;	/* the percentiles the verdicts rest on */
};

/* 0 < alpha < 1; what a diff uses without --alpha. */
#define LS_DIFF_ALPHA		0.05
/* --min-change without the option, in percent. */
#define LS_DIFF_MIN_CHANGE	10.0
/*
 * --min-delta without the option: a microsecond, about what tracing adds
 * to a call and what a CPU's clock moves a short call from run to run.
 */
#define LS_DIFF_MIN_DELTA_NS	1000ULL

/* By subsystem, LS_DIFF_ALPHA, LS_DIFF_MIN_CHANGE, LS_DIFF_MIN_DELTA_NS, p50, p90, p99. */
void ls_diff_cfg_init(struct ls_diff_cfg *cfg);

struct ls_diff {
	struct ls_view before, after;
	struct ls_diff_row *rows;		/* the view's rows: work */
	size_t n;
	/*
	 * Apart from the view, by (subsystem, syscall, role): each socket's
	 * requests (from a send to the end of its reply), compared like
	 * calls, and the calls that are not work (idle, sync and child waits),
	 * whose verdicts are "more idle", "less waiting" and so on.
	 */
	struct ls_diff_row *requests;
	size_t n_requests;
	struct ls_diff_row *waits;
	size_t n_waits;
	/*
	 * The busy time per cycle (snapshot cycle.busy: one "call" per cycle),
	 * compared like calls, when both runs found a cycle; key[0] is
	 * LS_DIFF_CYCLE, the name --fail-if gates it by ("cycle.p90>+20%").
	 */
	struct ls_diff_row cycle;
	bool has_cycle;
	struct ls_diff_cfg cfg;
	__u64 duration_ns[2];	/* of each run; 0: unknown, no rates */
};

/*
 * Rows of both snapshots grouped by cfg->by, matched by key, ordered by
 * the larger total time of the two runs (then by name).  Both snapshots
 * must outlive d.  -ENODATA with one line in err if either has no data
 * for the grouping; -EINVAL for bad arguments; -ENOMEM.
 */
int ls_diff_build(struct ls_diff *d, const struct ls_snapshot *before,
		  const struct ls_snapshot *after, const struct ls_diff_cfg *cfg, char *err,
		  size_t errlen);
void ls_diff_free(struct ls_diff *d);	/* accepts a zeroed diff */

/*
 * A metric of one side of a row.  A side without the row counts as zero
 * calls and zero time for count, total and the rates, and has no value
 * (false) for the latency figures; the rates need the run's duration.
 */
bool ls_diff_value(const struct ls_diff *d, const struct ls_diff_row *r, const struct ls_col *c,
		   bool after, double *out);

/*
 * The test of any metric of a row, at the row's level: percentiles (also
 * those the verdict does not rest on), calls/s and time/s are tested;
 * the other figures are LS_RESULT_NONE.
 */
void ls_diff_test(const struct ls_diff *d, const struct ls_diff_row *r, const struct ls_col *c,
		  struct ls_metric_test *out);

/*
 * Reasons the two runs may not be comparable: different kernels, hosts,
 * CPU counts or rules, or durations more than 2x apart.  Up to max lines
 * of at most LS_DIFF_WARN_LEN bytes each; returns how many.
 */
#define LS_DIFF_WARN_LEN	256
#define LS_DIFF_MAX_WARN	8
size_t ls_diff_warnings(const struct ls_snapshot *before, const struct ls_snapshot *after,
			char (*lines)[LS_DIFF_WARN_LEN], size_t max);

#endif
