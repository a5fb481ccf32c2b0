// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The cycle budget from a snapshot (budget.h).  Every traced thread's time
 * is summed, except threads of children a traced process spawned and
 * reaped: their whole life is already the parent's exec:<comm> entry, and
 * counting it twice would make a `tc` call look twice as expensive.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "budget.h"
#include "grow.h"

static const char *const kind_names[LS_BK_MAX] = {
	[LS_BK_SUBSYS] = "subsystem",
	[LS_BK_EXEC] = "exec",
	[LS_BK_USER_CPU] = "user-cpu",
	[LS_BK_RUNQ] = "runqueue",
	[LS_BK_BLOCKED] = "blocked",
	[LS_BK_IDLE] = "idle",
	[LS_BK_SYNC] = "sync",
	[LS_BK_CHILD] = "child-wait",
};

static const char *const kind_labels[LS_BK_MAX] = {
	[LS_BK_SUBSYS] = "",
	[LS_BK_EXEC] = "",
	[LS_BK_USER_CPU] = "user CPU",
	[LS_BK_RUNQ] = "run-queue delay",
	[LS_BK_BLOCKED] = "blocked outside syscalls",
	[LS_BK_IDLE] = "idle (waits by design)",
	[LS_BK_SYNC] = "waits for other threads",
	[LS_BK_CHILD] = "waits for children (in exec:*)",
};

const char *ls_budget_kind_name(enum ls_budget_kind k)
{
	return k < LS_BK_MAX ? kind_names[k] : "?";
}

const char *ls_budget_kind_label(enum ls_budget_kind k)
{
	return k < LS_BK_MAX ? kind_labels[k] : "?";
}

struct acc {
	struct ls_budget_item *items;
	size_t n, cap;
	__u64 fixed[LS_BK_MAX];		/* the components without a subsystem */
	__u64 fixed_calls[LS_BK_MAX];
};

static int add_named(struct acc *a, const char *name, enum ls_budget_kind kind, __u64 ns,
		     __u64 calls)
{
	struct ls_budget_item *it;
	size_t i;

	for (i = 0; i < a->n; i++) {
		if (!strcmp(a->items[i].name, name)) {
			a->items[i].ns += ns;
			a->items[i].calls += calls;
			return 0;
		}
	}
	if (ls_grow(&a->items, &a->cap, a->n, sizeof(*a->items), 16))
		return -ENOMEM;
	it = &a->items[a->n++];
	memset(it, 0, sizeof(*it));
	snprintf(it->name, sizeof(it->name), "%s", name);
	it->kind = kind;
	it->ns = ns;
	it->calls = calls;
	return 0;
}

static int add_subsystems(struct acc *a, const struct ls_subsys *subsys, size_t n_subsys)
{
	size_t i, j;
	int ret;

	for (i = 0; i < n_subsys; i++) {
		const struct ls_subsys *ss = &subsys[i];

		for (j = 0; j < ss->n_sc; j++) {
			const struct ls_syscall_stats *sc = &ss->sc[j];
			__u64 runq = sc->st.runq_ns < sc->st.total_ns ? sc->st.runq_ns :
				     sc->st.total_ns;
			__u64 own = sc->st.total_ns - runq;

			if (sc->nr == LS_SYSCALL_REQUEST)
				continue;	/* its time is in the calls */
			a->fixed[LS_BK_RUNQ] += runq;
			switch (sc->role) {
			case LS_ROLE_WORK:
				ret = add_named(a, ss->name, sc->nr == LS_SYSCALL_SPAWN ?
						LS_BK_EXEC : LS_BK_SUBSYS, own, sc->st.count);
				if (ret)
					return ret;
				break;
			case LS_ROLE_IDLE:
				a->fixed[LS_BK_IDLE] += own;
				a->fixed_calls[LS_BK_IDLE] += sc->st.count;
				break;
			case LS_ROLE_SYNC:
				a->fixed[LS_BK_SYNC] += own;
				a->fixed_calls[LS_BK_SYNC] += sc->st.count;
				break;
			case LS_ROLE_CHILD:
				a->fixed[LS_BK_CHILD] += own;
				a->fixed_calls[LS_BK_CHILD] += sc->st.count;
				break;
			}
		}
	}
	return 0;
}

static int cmp_work(const void *pa, const void *pb)
{
	const struct ls_budget_item *x = pa, *y = pb;

	if (x->ns != y->ns)
		return x->ns > y->ns ? -1 : 1;
	return strcmp(x->name, y->name);
}

static bool has_thread_time(const struct ls_snapshot *snap)
{
	size_t i;

	for (i = 0; i < snap->n_threads; i++)
		if (snap->threads[i].has_time)
			return true;
	return false;
}

static double cycles_covered(const struct ls_snapshot *snap, __u64 cycles)
{
	__u64 span = snap->meta.duration_ns;
	double covered;
	size_t i;

	for (i = 0; i < snap->n_threads; i++)
		if (snap->threads[i].tid == snap->cycle.tid && snap->threads[i].has_time &&
		    snap->threads[i].time.wall_ns)
			span = snap->threads[i].time.wall_ns;
	covered = snap->cycle.period_ns ? (double)span / (double)snap->cycle.period_ns : 0;
	return covered > (double)cycles ? covered : (double)cycles;
}

int ls_budget_compute(const struct ls_snapshot *snap, struct ls_budget *b)
{
	struct acc a = {};
	size_t i;
	int k, ret = 0;

	memset(b, 0, sizeof(*b));
	b->cycles = snap->cycle.found ? snap->cycle.busy.count : 0;
	b->cycles_covered = b->cycles ? cycles_covered(snap, b->cycles) : 0;
	b->has_time = has_thread_time(snap);
	if (b->has_time) {
		for (i = 0; i < snap->n_threads && !ret; i++) {
			const struct ls_group *g = &snap->threads[i];

			if (g->flags & LS_THREAD_IN_EXEC)
				continue;
			ret = add_subsystems(&a, g->snap->subsys, g->snap->n_subsys);
			if (g->has_time) {
				a.fixed[LS_BK_USER_CPU] += g->time.user_cpu_ns;
				a.fixed[LS_BK_RUNQ] += g->time.user_runq_ns;
				a.fixed[LS_BK_BLOCKED] += g->time.user_blocked_ns;
			}
		}
	} else {
		/* before version 3: no threads' time, every call is work */
		ret = add_subsystems(&a, snap->subsys, snap->n_subsys);
	}
	for (k = LS_BK_USER_CPU; k < LS_BK_FIRST_NOT_WORK && !ret; k++)
		if (a.fixed[k])
			ret = add_named(&a, ls_budget_kind_label(k), k, a.fixed[k], 0);
	if (ret)
		goto out;
	if (a.n > 1)
		qsort(a.items, a.n, sizeof(*a.items), cmp_work);
	b->n_work = a.n;
	for (i = 0; i < a.n; i++)
		b->work_ns += a.items[i].ns;
	for (k = LS_BK_FIRST_NOT_WORK; k < LS_BK_MAX && !ret; k++)
		if (a.fixed[k])
			ret = add_named(&a, ls_budget_kind_label(k), k, a.fixed[k],
					a.fixed_calls[k]);
	if (ret)
		goto out;
	for (i = 0; i < a.n; i++) {
		struct ls_budget_item *it = &a.items[i];

		it->per_cycle_ns = b->cycles ? (double)it->ns / b->cycles_covered : (double)it->ns;
		it->pct_of_busy = i < b->n_work ?
				  (b->work_ns ? 100.0 * (double)it->ns / (double)b->work_ns : 0) :
				  -1;
	}
	b->items = a.items;
	b->n = a.n;
	return 0;
out:
	free(a.items);
	memset(b, 0, sizeof(*b));
	return ret;
}

void ls_budget_free(struct ls_budget *b)
{
	free(b->items);
	memset(b, 0, sizeof(*b));
}
