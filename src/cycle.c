// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Cycles from idle waits.  Every (thread, syscall) whose idle waits we see
 * is a candidate: its waits cut the thread's time into cycles.  A cycle
 * starts when one wait ended (the thread became runnable: its run-queue
 * delay is already the cycle's) and lasts until the next wait of the same
 * syscall ends; its busy time is the part until that wait began, less the
 * thread's other idle waits in between.  The candidate that makes the
 * cycle is the loop's timer (not a server's wait for clients) with the most
 * work in its cycles (busy time less waits for other threads): the
 * periodic thread that does the work.
 *
 * With --cycle SECONDS the cycle is fixed instead: consecutive windows of
 * that length from the start of tracing, each busy for the time the chosen
 * thread was not in an idle wait.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <asm/unistd.h>
#include "cycle.h"
#include "hist.h"
#include "syscall_names.h"

#define MAX_CANDIDATES	256
/* Cycle starts kept per candidate for numbering slow calls; later ones are estimated. */
#define MAX_BOUNDS	65536

struct candidate {
	__u32 tid;
	__u32 nr;
	bool serving;
	__u64 waits;
	__u64 last_wake;	/* exit - runq of the last wait: a cycle's start */
	__u64 idle_after;	/* the thread's idle total after the last wait */
	__u64 sync_after;	/* its waits for other threads until then */
	__u64 busy_sum;
	__u64 work_sum;		/* busy less waits for other threads: ranks threads */
	__u64 idle_sum;		/* in its own waits: ranks a thread's waits */
	struct ls_stats busy;	/* per cycle */
	struct ls_stats period;
	__u64 *bounds;		/* cycle starts (CLOCK_MONOTONIC) */
	size_t n_bounds;
};

/* --cycle SECONDS: one thread's windows so far */
struct windows {
	__u32 tid;
	__u64 index;		/* the open window */
	__u64 idle_in;		/* idle ns in it so far */
	struct ls_stats busy;
};

struct ls_cycles {
	struct ls_cycle_opts o;
	struct candidate *cand[MAX_CANDIDATES];
	size_t n_cand;
	struct windows *win[MAX_CANDIDATES];
	size_t n_win;
	const struct candidate *chosen;
	struct windows *chosen_win;
};

struct ls_cycles *ls_cycles_new(const struct ls_cycle_opts *o)
{
	struct ls_cycles *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->o = *o;
	return c;
}

void ls_cycles_free(struct ls_cycles *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->n_cand; i++) {
		free(c->cand[i]->bounds);
		free(c->cand[i]);
	}
	for (i = 0; i < c->n_win; i++)
		free(c->win[i]);
	free(c);
}

bool ls_cycle_wait_serving(const struct ls_ev_idle *ev)
{
	return ev->kind == LS_KIND_TCP_IN || ev->kind == LS_KIND_UDP_IN ||
	       ev->h.syscall_nr == __NR_accept || ev->h.syscall_nr == __NR_accept4;
}

static void hist_add(struct ls_stats *s, __u64 v)
{
	if (!s->count || v < s->min_ns)
		s->min_ns = v;
	if (v > s->max_ns)
		s->max_ns = v;
	s->count++;
	s->total_ns += v;
	s->slots[ls_hist_slot(v)]++;
}

static struct candidate *candidate_of(struct ls_cycles *c, const struct ls_ev_idle *ev)
{
	struct candidate *k;
	size_t i;

	for (i = 0; i < c->n_cand; i++)
		if (c->cand[i]->tid == ev->h.tid && c->cand[i]->nr == ev->h.syscall_nr)
			return c->cand[i];
	if (c->n_cand == MAX_CANDIDATES)
		return NULL;
	k = calloc(1, sizeof(*k));
	if (!k)
		return NULL;
	k->tid = ev->h.tid;
	k->nr = ev->h.syscall_nr;
	k->serving = ls_cycle_wait_serving(ev);
	c->cand[c->n_cand++] = k;
	return k;
}

static __u64 sub0(__u64 a, __u64 b)
{
	return a > b ? a - b : 0;
}

static int candidate_add(struct candidate *k, const struct ls_ev_idle *ev)
{
	__u64 wake = sub0(ev->exit_ns, ev->runq_ns);
	__u64 idle_self = sub0(sub0(ev->exit_ns, ev->enter_ns), ev->runq_ns);
	__u64 span, idle_between, busy;

	if (k->waits) {
		span = sub0(ev->enter_ns, k->last_wake);
		idle_between = sub0(ev->idle_before_ns, k->idle_after);
		busy = sub0(span, idle_between);
		k->busy_sum += busy;
		k->work_sum += sub0(busy, sub0(ev->sync_before_ns, k->sync_after));
		hist_add(&k->busy, busy);
		/*
		 * From wakeup to wakeup: a loop's timer fires on its grid, and
		 * the wait for a CPU after it (the cycle's) would only add noise.
		 */
		hist_add(&k->period, sub0(wake, k->last_wake));
	}
	if (k->n_bounds < MAX_BOUNDS) {
		if (!k->bounds) {
			k->bounds = malloc(MAX_BOUNDS * sizeof(*k->bounds));
			if (!k->bounds)
				return -ENOMEM;
		}
		k->bounds[k->n_bounds++] = wake;
	}
	k->waits++;
	k->idle_sum += idle_self;
	k->last_wake = wake;
	k->idle_after = ev->idle_before_ns + idle_self;
	k->sync_after = ev->sync_before_ns;
	return 0;
}

static struct windows *windows_of(struct ls_cycles *c, __u32 tid)
{
	struct windows *w;
	size_t i;

	for (i = 0; i < c->n_win; i++)
		if (c->win[i]->tid == tid)
			return c->win[i];
	if (c->n_win == MAX_CANDIDATES)
		return NULL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->tid = tid;
	c->win[c->n_win++] = w;
	return w;
}

/* Close every window that ends at or before t. */
static void windows_close_to(struct windows *w, __u64 P, __u64 t0, __u64 t)
{
	while (t0 + (w->index + 1) * P <= t) {
		hist_add(&w->busy, sub0(P, w->idle_in));
		w->idle_in = 0;
		w->index++;
	}
}

static void windows_add(struct windows *w, __u64 P, __u64 t0, __u64 from, __u64 to)
{
	__u64 end;

	if (to <= t0)
		return;
	if (from < t0)
		from = t0;
	while (from < to) {
		windows_close_to(w, P, t0, from);
		end = t0 + (w->index + 1) * P;
		if (end > to)
			end = to;
		w->idle_in += end - from;
		from = end;
	}
}

int ls_cycles_add(struct ls_cycles *c, const struct ls_ev_idle *ev)
{
	struct candidate *k;
	struct windows *w;

	if (c->o.syscall_nr != LS_CYCLE_ANY_SYSCALL && ev->h.syscall_nr != c->o.syscall_nr)
		return 0;
	k = candidate_of(c, ev);
	if (!k)
		return -ENOMEM;
	if (candidate_add(k, ev))
		return -ENOMEM;
	if (c->o.fixed_ns) {
		w = windows_of(c, ev->h.tid);
		if (!w)
			return -ENOMEM;
		windows_add(w, c->o.fixed_ns, c->o.t0_ns, ev->enter_ns,
			    sub0(ev->exit_ns, ev->runq_ns));
	}
	return 0;
}

/*
 * Within a thread, every kind of wait sees about the same work between its
 * waits: the loop's is the one that holds the most idle time (its sleep,
 * not a poll that times out on the way).  Timers before servers.
 */
static bool better_wait(const struct candidate *a, const struct candidate *b)
{
	if (!b)
		return true;
	if (a->serving != b->serving)
		return !a->serving;
	if (a->idle_sum != b->idle_sum)
		return a->idle_sum > b->idle_sum;
	return a->nr < b->nr;
}

/*
 * Between threads: timers before servers, then the one that works most (a
 * thread that mostly waits for the others between its sleeps is not the
 * loop), then more cycles.
 */
static bool better_thread(const struct candidate *a, const struct candidate *b)
{
	if (!b)
		return true;
	if (a->serving != b->serving)
		return !a->serving;
	if (a->work_sum != b->work_sum)
		return a->work_sum > b->work_sum;
	if (a->busy.count != b->busy.count)
		return a->busy.count > b->busy.count;
	return a->tid < b->tid;
}

/* Two cycles at least: one could be anything. */
static bool eligible(const struct candidate *k)
{
	return k->busy.count >= 2;
}

static const struct candidate *best(const struct ls_cycles *c)
{
	const struct candidate *b = NULL, *t;
	size_t i, j;

	for (i = 0; i < c->n_cand; i++) {
		if (!eligible(c->cand[i]))
			continue;
		/* the thread's own best wait, looked at once per thread */
		t = NULL;
		for (j = 0; j < c->n_cand; j++)
			if (c->cand[j]->tid == c->cand[i]->tid && eligible(c->cand[j]) &&
			    better_wait(c->cand[j], t))
				t = c->cand[j];
		if (t == c->cand[i] && better_thread(t, b))
			b = t;
	}
	return b;
}

void ls_cycles_now(struct ls_cycles *c, __u64 *period_ns, __u64 *cycles)
{
	const struct candidate *b = c->o.fixed_ns ? NULL : best(c);

	*period_ns = c->o.fixed_ns ? c->o.fixed_ns : b ? ls_stats_percentile(&b->period, 50) : 0;
	*cycles = b ? b->busy.count : 0;
}

__u64 ls_cycles_period_now(struct ls_cycles *c)
{
	const struct candidate *b;

	if (c->o.fixed_ns)
		return c->o.fixed_ns;
	b = best(c);
	return b ? ls_stats_percentile(&b->period, 50) : 0;
}

void ls_cycles_result(struct ls_cycles *c, __u64 end_ns, const char *thread,
		      struct ls_cycle_info *info)
{
	const struct candidate *b = best(c);
	char nrbuf[32];
	size_t i;

	memset(info, 0, sizeof(*info));
	c->chosen = b;
	c->chosen_win = NULL;
	if (!b)
		return;
	info->found = 1;
	info->tid = b->tid;
	snprintf(info->thread, sizeof(info->thread), "%s", thread ? thread : "");
	if (c->o.fixed_ns) {
		for (i = 0; i < c->n_win; i++)
			if (c->win[i]->tid == b->tid)
				c->chosen_win = c->win[i];
		if (!c->chosen_win) {
			info->found = 0;
			return;
		}
		windows_close_to(c->chosen_win, c->o.fixed_ns, c->o.t0_ns, end_ns);
		snprintf(info->source, sizeof(info->source), "fixed");
		info->period_ns = c->o.fixed_ns;
		info->busy = c->chosen_win->busy;
		if (!info->busy.count)
			info->found = 0;
		return;
	}
	snprintf(info->source, sizeof(info->source), "%s",
		 c->o.syscall_nr == LS_CYCLE_ANY_SYSCALL ? "auto" : "syscall");
	snprintf(info->syscall, sizeof(info->syscall), "%s",
		 ls_syscall_name(b->nr, nrbuf, sizeof(nrbuf)));
	info->period_ns = ls_stats_percentile(&b->period, 50);
	info->busy = b->busy;
}

size_t ls_cycles_starts(const struct ls_cycles *c, const __u64 **starts)
{
	if (c->o.fixed_ns || !c->chosen)
		return 0;
	*starts = c->chosen->bounds;
	return c->chosen->n_bounds;
}

__u32 ls_cycles_tid(const struct ls_cycles *c)
{
	return c->chosen ? c->chosen->tid : 0;
}

__s64 ls_cycles_number(const struct ls_cycles *c, __u64 t)
{
	const struct candidate *b = c->chosen;
	size_t lo = 0, hi;
	__u64 P;

	if (c->o.fixed_ns) {
		if (t < c->o.t0_ns)
			return -1;
		return (__s64)((t - c->o.t0_ns) / c->o.fixed_ns) + 1;
	}
	if (!b || !b->n_bounds || t < b->bounds[0])
		return -1;
	hi = b->n_bounds;
	if (t >= b->bounds[hi - 1]) {
		if (b->n_bounds < MAX_BOUNDS || b->waits == b->n_bounds)
			return (__s64)hi;
		/* past the cycles kept: count on from the last by the period */
		P = ls_stats_percentile(&b->period, 50);
		return P ? (__s64)(hi + (t - b->bounds[hi - 1]) / P) : -1;
	}
	/* the last start <= t */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (b->bounds[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	return (__s64)lo + 1;
}
