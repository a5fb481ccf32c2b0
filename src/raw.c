// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * What is done with a read of the maps (struct ls_raw) once it is in user
 * space: the difference of two reads for interval tables, and naming its
 * keys into a snapshot.  No BPF here, so the unit tests reach it.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "collect.h"
#include "fold.h"
#include "hist.h"
#include "rules.h"
#include "subsys.h"
#include "syscall_names.h"

void ls_raw_free(struct ls_raw *raw)
{
	free(raw->threads);
	raw->threads = NULL;
	raw->n_threads = 0;
	free(raw->times);
	raw->times = NULL;
	raw->n_times = 0;
	free(raw->stats);
	free(raw->errnos);
	raw->stats = NULL;
	raw->errnos = NULL;
	raw->n_stats = raw->n_errnos = 0;
}

static const struct ls_raw_stat *find_stat(const struct ls_raw *r, const struct ls_key *k)
{
	size_t i;

	for (i = 0; r && i < r->n_stats; i++)
		if (!memcmp(&r->stats[i].key, k, sizeof(*k)))
			return &r->stats[i];
	return NULL;
}

static __u64 find_errno(const struct ls_raw *r, const struct ls_errno_key *k)
{
	size_t i;

	for (i = 0; r && i < r->n_errnos; i++)
		if (!memcmp(&r->errnos[i].key, k, sizeof(*k)))
			return r->errnos[i].count;
	return 0;
}

/* Interval min/max are not kept in the kernel: bound them by the slots. */
static void delta_min_max(struct ls_stats *d, const struct ls_stats *cur)
{
	__u32 lo, hi;

	if (!ls_stats_used_slots(d, &lo, &hi)) {
		d->min_ns = d->max_ns = 0;
		return;
	}
	d->min_ns = ls_slot_lower(lo) > cur->min_ns ? ls_slot_lower(lo) : cur->min_ns;
	d->max_ns = ls_slot_upper(hi) - 1 < cur->max_ns ? ls_slot_upper(hi) - 1 : cur->max_ns;
}

static const struct ls_thread_time *find_time(const struct ls_raw *r, __u32 tid)
{
	size_t i;

	for (i = 0; r && i < r->n_times; i++)
		if (r->times[i].tid == tid)
			return &r->times[i];
	return NULL;
}

static __u64 minus(__u64 a, __u64 b)
{
	return a > b ? a - b : 0;
}

/* What a thread did since the previous read: its span starts there. */
static void times_delta(struct ls_thread_time *d, const struct ls_thread_time *c,
			const struct ls_thread_time *p)
{
	int r;

	*d = *c;
	if (!p)
		return;
	d->user_cpu_ns = minus(c->user_cpu_ns, p->user_cpu_ns);
	d->user_runq_ns = minus(c->user_runq_ns, p->user_runq_ns);
	d->user_blocked_ns = minus(c->user_blocked_ns, p->user_blocked_ns);
	for (r = 0; r < LS_ROLE_MAX; r++)
		d->sys_ns[r] = minus(c->sys_ns[r], p->sys_ns[r]);
	d->sys_runq_ns = minus(c->sys_runq_ns, p->sys_runq_ns);
	d->idle_waits = minus(c->idle_waits, p->idle_waits);
	d->first_ns = p->last_ns;
}

static int raw_delta(const struct ls_raw *cur, const struct ls_raw *prev, struct ls_raw *out);

static bool has_tid(const struct ls_raw *r, __u32 tid)
{
	size_t i;

	for (i = 0; i < r->n_stats; i++)
		if (r->stats[i].key.tid == tid)
			return true;
	for (i = 0; i < r->n_times; i++)
		if (r->times[i].tid == tid)
			return true;
	return false;
}

/*
 * Where prev's entries of tid are in cur: tid itself, or, when cur has
 * nothing of it any more and it was folded meanwhile, its bucket.
 */
static __u32 tid_in_cur(const struct ls_raw *cur, __u32 tid)
{
	__u32 b;

	if (!cur->fold || has_tid(cur, tid))
		return tid;
	b = ls_fold_where(cur->fold, tid);
	return b ? b : tid;
}

static void sub_stats(struct ls_stats *a, const struct ls_stats *b)
{
	size_t j;

	a->count -= b->count < a->count ? b->count : a->count;
	a->errors -= b->errors < a->errors ? b->errors : a->errors;
	a->total_ns -= b->total_ns < a->total_ns ? b->total_ns : a->total_ns;
	a->runq_ns -= b->runq_ns < a->runq_ns ? b->runq_ns : a->runq_ns;
	for (j = 0; j < LS_HIST_SLOTS; j++)
		a->slots[j] -= b->slots[j] < a->slots[j] ? b->slots[j] : a->slots[j];
}

/*
 * prev as cur would see it: the entries of threads folded meanwhile moved
 * to their buckets and merged there.  Without folds, a plain copy.
 */
static int prev_as_cur(const struct ls_raw *cur, const struct ls_raw *prev, struct ls_raw *out)
{
	size_t i, j;

	memset(out, 0, sizeof(*out));
	if (!prev)
		return 0;
	out->stats = calloc(prev->n_stats + 1, sizeof(*out->stats));
	out->errnos = calloc(prev->n_errnos + 1, sizeof(*out->errnos));
	out->times = calloc(prev->n_times + 1, sizeof(*out->times));
	if (!out->stats || !out->errnos || !out->times)
		return -ENOMEM;
	for (i = 0; i < prev->n_stats; i++) {
		struct ls_raw_stat e = prev->stats[i];

		e.key.tid = tid_in_cur(cur, e.key.tid);
		if (e.key.tid != prev->stats[i].key.tid) {
			const struct ls_fold_bucket *b = ls_fold_find(cur->fold, e.key.tid);

			e.key.tgid = b ? b->tgid : e.key.tgid;
		}
		for (j = 0; j < out->n_stats; j++)
			if (!memcmp(&out->stats[j].key, &e.key, sizeof(e.key)))
				break;
		if (j < out->n_stats)
			ls_stats_merge(&out->stats[j].st, &e.st);
		else
			out->stats[out->n_stats++] = e;
	}
	for (i = 0; i < prev->n_errnos; i++) {
		struct ls_raw_errno e = prev->errnos[i];

		e.key.key.tid = tid_in_cur(cur, e.key.key.tid);
		if (e.key.key.tid != prev->errnos[i].key.key.tid) {
			const struct ls_fold_bucket *b = ls_fold_find(cur->fold, e.key.key.tid);

			e.key.key.tgid = b ? b->tgid : e.key.key.tgid;
		}
		for (j = 0; j < out->n_errnos; j++)
			if (!memcmp(&out->errnos[j].key, &e.key, sizeof(e.key)))
				break;
		if (j < out->n_errnos)
			out->errnos[j].count += e.count;
		else
			out->errnos[out->n_errnos++] = e;
	}
	for (i = 0; i < prev->n_times; i++) {
		struct ls_thread_time t = prev->times[i];

		t.tid = tid_in_cur(cur, t.tid);
		for (j = 0; j < out->n_times; j++)
			if (out->times[j].tid == t.tid)
				break;
		if (j == out->n_times) {
			out->times[out->n_times++] = t;
			continue;
		}
		out->times[j].user_cpu_ns += t.user_cpu_ns;
		out->times[j].user_runq_ns += t.user_runq_ns;
		out->times[j].user_blocked_ns += t.user_blocked_ns;
		for (int r = 0; r < LS_ROLE_MAX; r++)
			out->times[j].sys_ns[r] += t.sys_ns[r];
		out->times[j].sys_runq_ns += t.sys_runq_ns;
		out->times[j].idle_waits += t.idle_waits;
		if (t.last_ns > out->times[j].last_ns)
			out->times[j].last_ns = t.last_ns;
	}
	memcpy(out->counters, prev->counters, sizeof(out->counters));
	return 0;
}

int ls_raw_delta(const struct ls_raw *cur, const struct ls_raw *prev_read, struct ls_raw *out)
{
	struct ls_raw prev_mapped, *prev = prev_read ? &prev_mapped : NULL;
	int ret;

	ret = prev_as_cur(cur, prev_read, &prev_mapped);
	if (ret) {
		ls_raw_free(&prev_mapped);
		return ret;
	}
	ret = raw_delta(cur, prev, out);
	ls_raw_free(&prev_mapped);
	if (!ret)
		out->fold = cur->fold;
	return ret;
}

static int raw_delta(const struct ls_raw *cur, const struct ls_raw *prev, struct ls_raw *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	out->stats = calloc(cur->n_stats ? cur->n_stats : 1, sizeof(*out->stats));
	out->errnos = calloc(cur->n_errnos ? cur->n_errnos : 1, sizeof(*out->errnos));
	if (!out->stats || !out->errnos) {
		ls_raw_free(out);
		return -ENOMEM;
	}
	for (i = 0; i < cur->n_stats; i++) {
		const struct ls_raw_stat *c = &cur->stats[i], *p = find_stat(prev, &c->key);
		struct ls_raw_stat *d = &out->stats[out->n_stats];

		*d = *c;
		if (p) {
			if (c->st.count == p->st.count)
				continue;
			sub_stats(&d->st, &p->st);
			delta_min_max(&d->st, &c->st);
		}
		out->n_stats++;
	}
	for (i = 0; i < cur->n_errnos; i++) {
		__u64 before = find_errno(prev, &cur->errnos[i].key);

		if (cur->errnos[i].count == before)
			continue;
		out->errnos[out->n_errnos] = cur->errnos[i];
		out->errnos[out->n_errnos].count -= before;
		out->n_errnos++;
	}
	for (i = 0; i < LS_CNT_MAX; i++)
		out->counters[i] = cur->counters[i] - (prev ? prev->counters[i] : 0);
	out->threads = calloc(cur->n_threads ? cur->n_threads : 1, sizeof(*out->threads));
	if (!out->threads) {
		ls_raw_free(out);
		return -ENOMEM;
	}
	/* a read with no thread names has threads == NULL: memcpy must not see it */
	if (cur->n_threads)
		memcpy(out->threads, cur->threads, cur->n_threads * sizeof(*out->threads));
	out->n_threads = cur->n_threads;
	out->times = calloc(cur->n_times ? cur->n_times : 1, sizeof(*out->times));
	if (!out->times) {
		ls_raw_free(out);
		return -ENOMEM;
	}
	for (i = 0; i < cur->n_times; i++)
		times_delta(&out->times[out->n_times++], &cur->times[i], find_time(prev,
			    cur->times[i].tid));
	return 0;
}

static struct ls_syscall_stats *entry_in(struct ls_snapshot *snap, const struct ls_key *k,
					 const char *subsys)
{
	char nrbuf[32];
	struct ls_subsys *ss;

	ss = ls_snapshot_subsys(snap, subsys);
	if (!ss)
		return NULL;
	return ls_subsys_syscall_role(ss, ls_syscall_name(k->syscall_nr, nrbuf, sizeof(nrbuf)),
				      k->syscall_nr, k->role < LS_ROLE_MAX ? k->role : LS_ROLE_WORK);
}

static const char *thread_label(const struct ls_raw *raw, __u32 tid, char *buf, size_t len)
{
	const struct ls_fold_bucket *b = raw->fold ? ls_fold_find(raw->fold, tid) : NULL;
	size_t i;

	if (b) {
		if (b->tgid)
			snprintf(buf, len, "%u exited: %.15s", b->tgid, b->comm);
		else
			snprintf(buf, len, "exited processes: %.15s", b->comm);
		return buf;
	}
	for (i = 0; i < raw->n_threads; i++)
		if (raw->threads[i].tid == tid)
			break;
	snprintf(buf, len, "%u %s", tid, i < raw->n_threads ? raw->threads[i].comm : "?");
	return buf;
}

/* Calls that talk to a known remote address; the serving side's is the client. */
static bool peer_label(const struct ls_key *k, char *buf, size_t len)
{
	if (!k->family || (k->kind != LS_KIND_TCP && k->kind != LS_KIND_UDP &&
			   k->kind != LS_KIND_ICMP))
		return false;
	if (k->kind == LS_KIND_ICMP)
		ls_fmt_addr(k, buf, len);	/* ICMP has no port */
	else
		ls_fmt_peer(k, buf, len);
	return true;
}

/*
 * Every entry lands in the run's subsystems, in its thread's slice, and,
 * when it has a peer, in that peer's slice.  Returns how many of those
 * places it found or made (3 at most), or -ENOMEM.
 */
static int entries_for(struct ls_snapshot *snap, const struct ls_raw *raw, const struct ls_key *k,
		       const struct ls_rules *rules, struct ls_syscall_stats *out[3])
{
	char name[96], label[96];
	struct ls_group *g;
	int n = 0;

	ls_rules_key_name(rules, k, name, sizeof(name));
	out[n] = entry_in(snap, k, name);
	if (!out[n++])
		return -ENOMEM;
	g = ls_snapshot_group(&snap->threads, &snap->n_threads,
			      thread_label(raw, k->tid, label, sizeof(label)));
	if (!g || !(out[n++] = entry_in(g->snap, k, name)))
		return -ENOMEM;
	/* a bucket of exited threads is no thread: no tid */
	g->tid = k->tid < LS_FOLD_TID_BASE ? k->tid : 0;
	g->tgid = k->tgid;
	if (peer_label(k, label, sizeof(label))) {
		g = ls_snapshot_group(&snap->peers, &snap->n_peers, label);
		if (!g || !(out[n++] = entry_in(g->snap, k, name)))
			return -ENOMEM;
	}
	return n;
}

/*
 * Each thread's time split on its group (made here for a thread that never
 * made a syscall, a pure computing thread); the run's own is the sum over
 * the threads the budget counts.
 */
static int add_thread_times(const struct ls_raw *raw, struct ls_snapshot *snap)
{
	char label[96];
	size_t i;

	for (i = 0; i < raw->n_times; i++) {
		const struct ls_thread_time *tt = &raw->times[i];
		struct ls_group *g;

		g = ls_snapshot_group(&snap->threads, &snap->n_threads,
				      thread_label(raw, tt->tid, label, sizeof(label)));
		if (!g)
			return -ENOMEM;
		g->tid = tt->tid < LS_FOLD_TID_BASE ? tt->tid : 0;
		g->tgid = tt->tgid;
		g->flags = 0;
		if (tt->flags & LS_TT_EXITED)
			g->flags |= LS_THREAD_EXITED;
		/* a child's whole life is its parent's exec:<comm> once reaped */
		if ((tt->flags & LS_TT_SPAWNED) && (tt->flags & LS_TT_EXITED))
			g->flags |= LS_THREAD_IN_EXEC;
		g->has_time = 1;
		ls_time_from_thread(&g->time, tt);
		if (!(g->flags & LS_THREAD_IN_EXEC)) {
			ls_time_add(&snap->time, &g->time);
			snap->has_time = 1;
		}
	}
	return 0;
}

/* The kernel's clock is CLOCK_MONOTONIC; a snapshot's times are wall-clock. */
static void max_at_to_wall_clock(struct ls_snapshot *snap, __u64 offset)
{
	size_t i, j;

	for (i = 0; i < snap->n_subsys; i++)
		for (j = 0; j < snap->subsys[i].n_sc; j++)
			if (snap->subsys[i].sc[j].st.max_at_ns)
				snap->subsys[i].sc[j].st.max_at_ns += offset;
	for (i = 0; i < snap->n_threads; i++)
		max_at_to_wall_clock(snap->threads[i].snap, offset);
	for (i = 0; i < snap->n_peers; i++)
		max_at_to_wall_clock(snap->peers[i].snap, offset);
}

int ls_raw_to_snapshot(const struct ls_raw *raw, struct ls_snapshot *snap,
		       const struct ls_rules *rules)
{
	struct ls_syscall_stats *sc[3];
	size_t i;
	int n, j, ret;

	for (i = 0; i < raw->n_stats; i++) {
		n = entries_for(snap, raw, &raw->stats[i].key, rules, sc);
		if (n < 0)
			return n;
		for (j = 0; j < n; j++)
			ls_stats_merge(&sc[j]->st, &raw->stats[i].st);
	}
	max_at_to_wall_clock(snap, raw->unix_offset_ns);
	for (i = 0; i < raw->n_errnos; i++) {
		n = entries_for(snap, raw, &raw->errnos[i].key.key, rules, sc);
		if (n < 0)
			return n;
		for (j = 0; j < n; j++) {
			ret = ls_syscall_add_errno(sc[j], raw->errnos[i].key.err,
						   raw->errnos[i].count);
			if (ret)
				return ret;
		}
	}
	for (i = 0; i < raw->n_stats; i++)
		if (raw->stats[i].key.syscall_nr != LS_SYSCALL_REQUEST)
			snap->meta.events += raw->stats[i].st.count;
	snap->meta.dropped += raw->counters[LS_CNT_DROPPED_KEYS];
	snap->meta.lost.syscalls_no_key += raw->counters[LS_CNT_DROPPED_KEYS];
	snap->meta.lost.errnos_no_key += raw->counters[LS_CNT_DROPPED_ERRNO];
	snap->meta.lost.processes_not_traced += raw->counters[LS_CNT_PROCS_FULL];
	snap->meta.lost.threads_not_traced += raw->counters[LS_CNT_TASK_NOMEM];
	snap->meta.lost.events_not_kept += raw->counters[LS_CNT_EVENTS_LOST];
	snap->meta.lost.thread_times_lost += raw->counters[LS_CNT_THREADS_FULL];
	return add_thread_times(raw, snap);
}
