// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * diff --fail-if EXPR: the expression parser on any string, and every
 * expression it accepts checked against each row of a real diff (two
 * fixtures, by subsystem and by syscall).  Run from the top of the tree.
 */
#include "diff.h"
#include "diff_gate.h"
#include "fuzz_util.h"
#include "snapshot_load.h"

#define FIXTURE_BEFORE	"tests/fixtures/snapshot_v1.json"
#define FIXTURE_AFTER	"tests/fixtures/report_basic.json"

/* for the whole run: the diffs point into both snapshots */
static struct ls_snapshot *before, *after;
static struct ls_diff diffs[2];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct ls_diff_cfg cfg;
	char err[512];
	int i;

	before = ls_snapshot_load(FIXTURE_BEFORE, err, sizeof(err));
	after = before ? ls_snapshot_load(FIXTURE_AFTER, err, sizeof(err)) : NULL;
	if (!after) {
		fprintf(stderr, "fuzz_gate: %s (run from the top of the tree)\n", err);
		exit(1);
	}
	ls_diff_cfg_init(&cfg);
	for (i = 0; i < 2; i++) {
		cfg.by = i ? LS_BY_SYSCALL : LS_BY_SUBSYSTEM;
		if (ls_diff_build(&diffs[i], before, after, &cfg, err, sizeof(err))) {
			fprintf(stderr, "fuzz_gate: %s\n", err);
			exit(1);
		}
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char *expr = fuzz_str(data, len), err[256], msg[512];
	struct ls_gate g;
	size_t i, r;

	if (!expr)
		return 0;
	if (!ls_gate_parse(&g, expr, err, sizeof(err)))
		for (i = 0; i < 2; i++)
			for (r = 0; r < diffs[i].n; r++)
				if (ls_gate_applies(&g, &diffs[i].rows[r]))
					ls_gate_check(&g, &diffs[i], &diffs[i].rows[r], msg,
						      sizeof(msg));
	free(expr);
	return 0;
}
