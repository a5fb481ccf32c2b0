/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The report's sections about the cycle (docs/cycle.md): the first screen
 * (the cycle, its busy time, the budget, the bottleneck), and after the
 * tables the requests, the calls that are not work, and the slowest calls.
 * Text and Markdown; JSON carries the same figures in the snapshot schema.
 */
#ifndef LS_REPORT_CYCLE_H
#define LS_REPORT_CYCLE_H

#include <stdio.h>
#include "format.h"
#include "snapshot.h"

/* The first screen.  0, -ENOMEM or -EIO. */
int ls_report_budget(FILE *f, const struct ls_snapshot *snap, enum ls_format fmt);

/* Requests, the rows that are not work, the slowest calls (at most top; 0: 10). */
int ls_report_extras(FILE *f, const struct ls_snapshot *snap, enum ls_format fmt, size_t top);

/* The budget alone as one table in any format (`report --by budget`). */
int ls_report_budget_table(FILE *f, const struct ls_snapshot *snap, enum ls_format fmt);

#endif
