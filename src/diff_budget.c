// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Two cycle budgets side by side (diff_budget.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "diff_budget.h"
#include "grow.h"

static bool is_work(enum ls_budget_kind k)
{
	return k < LS_BK_FIRST_NOT_WORK;
}

static struct ls_budget_change *find(struct ls_budget_diff *bd, const struct ls_budget_item *it)
{
	size_t i;

	for (i = 0; i < bd->n; i++)
		if (bd->items[i].kind == it->kind && !strcmp(bd->items[i].name, it->name))
			return &bd->items[i];
	return NULL;
}

/* The row of a diff by subsystem that holds this component's calls. */
static const struct ls_diff_row *row_of(const struct ls_diff *d, const struct ls_budget_change *c)
{
	size_t i;

	if (d->before.by != LS_BY_SUBSYSTEM || (c->kind != LS_BK_SUBSYS && c->kind != LS_BK_EXEC))
		return NULL;
	for (i = 0; i < d->n; i++)
		if (d->rows[i].key[0] && !strcmp(d->rows[i].key[0], c->name))
			return &d->rows[i];
	return NULL;
}

static double larger(const struct ls_budget_change *c)
{
	return c->per_cycle_ns[0] > c->per_cycle_ns[1] ? c->per_cycle_ns[0] : c->per_cycle_ns[1];
}

/* The work first, each part by the larger time per cycle of the two runs. */
static int cmp_changes(const void *pa, const void *pb)
{
	const struct ls_budget_change *a = pa, *b = pb;
	double ta = larger(a), tb = larger(b);

	if (is_work(a->kind) != is_work(b->kind))
		return is_work(a->kind) ? -1 : 1;
	if (ta != tb)
		return ta > tb ? -1 : 1;
	return strcmp(a->name, b->name);
}

int ls_budget_diff_build(struct ls_budget_diff *bd, const struct ls_diff *d,
			 const struct ls_snapshot *before, const struct ls_snapshot *after)
{
	const struct ls_snapshot *snap[2] = { before, after };
	struct ls_budget_change *c;
	size_t cap = 0, i;
	int side, ret;

	memset(bd, 0, sizeof(*bd));
	if (!before->cycle.found || !after->cycle.found)
		return -ENODATA;
	for (side = 0; side < 2; side++) {
		ret = ls_budget_compute(snap[side], &bd->budget[side]);
		if (ret)
			return ret;
		for (i = 0; i < bd->budget[side].n; i++) {
			const struct ls_budget_item *it = &bd->budget[side].items[i];

			c = find(bd, it);
			if (!c) {
				if (ls_grow(&bd->items, &cap, bd->n, sizeof(*bd->items), 16))
					return -ENOMEM;
				c = &bd->items[bd->n++];
				memset(c, 0, sizeof(*c));
				c->name = it->name;
				c->kind = it->kind;
				c->pct_of_busy[0] = c->pct_of_busy[1] = -1;
			}
			c->has[side] = true;
			c->per_cycle_ns[side] = it->per_cycle_ns;
			c->pct_of_busy[side] = it->pct_of_busy;
		}
	}
	for (i = 0; i < bd->n; i++)
		bd->items[i].row = row_of(d, &bd->items[i]);
	if (bd->n > 1)
		qsort(bd->items, bd->n, sizeof(*bd->items), cmp_changes);
	return 0;
}

void ls_budget_diff_free(struct ls_budget_diff *bd)
{
	if (!bd)
		return;
	ls_budget_free(&bd->budget[0]);
	ls_budget_free(&bd->budget[1]);
	free(bd->items);
	memset(bd, 0, sizeof(*bd));
}
