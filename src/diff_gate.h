/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --fail-if gates for CI (docs/diff.md): "[SUBSYS.]METRIC OP THRESHOLD",
 * e.g. "p99>+10%" or "tcp:10.0.0.1:443.p50>+2ms".  A gate trips on a row
 * when the change crosses the threshold and the metric's test says the
 * change is real.
 */
#ifndef LS_DIFF_GATE_H
#define LS_DIFF_GATE_H

#include <stdbool.h>
#include <stddef.h>
#include "diff.h"
#include "snapshot_cols.h"

#define LS_MAX_GATES	32

struct ls_gate {
	char expr[128];		/* as given, for messages */
	char subsys[96];	/* the subsystem it is limited to; "" = every row */
	struct ls_col metric;
	char op;		/* '>': after larger, '<': after smaller */
	bool relative;		/* threshold is a percentage of the before value */
	double threshold;	/* signed change: percent, ns or calls */
};

/*
 * Parse one expression.  On error returns -EINVAL and writes one line
 * into err naming the 1-based column of the problem:
 * "column 4: unknown metric 'p98' (expected p50, ... or count)".
 */
int ls_gate_parse(struct ls_gate *g, const char *expr, char *err, size_t errlen);

/* Does the gate apply to this row (its subsystem, if it names one)? */
bool ls_gate_applies(const struct ls_gate *g, const struct ls_diff_row *r);
/*
 * The rows a gate is checked on: the diff's rows, and the busy time per
 * cycle when the gate names LS_DIFF_CYCLE ("cycle.p90>+20%") and both runs
 * found a cycle.  i counts from 0; NULL after the last.
 */
const struct ls_diff_row *ls_gate_row(const struct ls_gate *g, const struct ls_diff *d, size_t i);

/*
 * 1 if the gate trips on the row, with one line in msg describing it
 * ("tcp:... poll: p90 5.09ms -> 50.1ms (+45.0ms, +884.3%), slower,
 * p<0.001"), 0 if not.  It trips when the change crosses the threshold
 * and its test (the percentile's own; the call rate for count, the time
 * per second for total) is significant at the row's level in the same
 * direction; max and avg need the row's verdict instead.
 */
int ls_gate_check(const struct ls_gate *g, const struct ls_diff *d, const struct ls_diff_row *r,
		  char *msg, size_t len);

/*
 * How many rows the gate applies to cannot be tested on its percentile:
 * too few calls in a run (ls_pctl_min_calls()).  With one line in msg
 * naming the first and what the percentile needs; 0 for other metrics.
 */
size_t ls_gate_too_few(const struct ls_gate *g, const struct ls_diff *d, char *msg, size_t len);

#endif
