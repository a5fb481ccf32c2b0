/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The "Bottleneck" section: for the top component of a budget, one line of
 * evidence and one concrete hint, from a small table of rules (hints.c,
 * documented in docs/cycle.md).  The first rule that matches wins.
 */
#ifndef LS_HINTS_H
#define LS_HINTS_H

#include <stddef.h>
#include "budget.h"
#include "snapshot.h"

struct ls_hint {
	const char *rule;	/* the rule's id, e.g. "spawn-batch" */
	char evidence[512];
	char hint[512];
};

/*
 * The hint for budget item idx (a work item).  Returns 0, or -ENOENT when
 * idx is not work or there is nothing to say.
 */
int ls_hint_for(const struct ls_snapshot *snap, const struct ls_budget *b, size_t idx,
		struct ls_hint *out);

/* The id of the i-th rule in the order they are tried; NULL past the last. */
const char *ls_hint_rule_id(size_t i);

#endif
