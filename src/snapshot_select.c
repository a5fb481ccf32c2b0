// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * One daemon out of a run that traced several (`report --pid`): a new
 * snapshot made of the chosen processes' threads, as if only they had been
 * traced.  The per-peer slices mix processes and are left out.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hist.h"
#include "snapshot_select.h"

/* Add every syscall of src's subsystems into dst's. */
static int merge_into(struct ls_snapshot *dst, const struct ls_snapshot *src)
{
	const struct ls_syscall_stats *from;
	struct ls_syscall_stats *to;
	struct ls_subsys *ss;
	size_t i, j, k;
	int err;

	for (i = 0; i < src->n_subsys; i++) {
		for (j = 0; j < src->subsys[i].n_sc; j++) {
			from = &src->subsys[i].sc[j];
			ss = ls_snapshot_subsys(dst, src->subsys[i].name);
			to = ss ? ls_subsys_syscall_role(ss, from->name, from->nr, from->role) : NULL;
			if (!to)
				return -errno;
			ls_stats_merge(&to->st, &from->st);
			for (k = 0; k < from->n_errnos; k++) {
				err = ls_syscall_add_errno(to, from->errnos[k].err,
							   from->errnos[k].count);
				if (err)
					return err;
			}
		}
	}
	return 0;
}

static int copy_process(struct ls_snapshot *dst, const struct ls_process *p)
{
	struct ls_process *q = ls_snapshot_add_process(dst, p->pid);

	if (!q)
		return -errno;
	*q = *p;
	q->cmdline = q->exe = q->cgroup = NULL;
	if (ls_process_set_str(&q->cmdline, p->cmdline) ||
	    ls_process_set_str(&q->exe, p->exe) || ls_process_set_str(&q->cgroup, p->cgroup))
		return -ENOMEM;
	return 0;
}

static bool wanted(__u32 pid, const __u32 *pids, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

static __u64 count_calls(const struct ls_snapshot *s)
{
	__u64 n = 0;
	size_t i, j;

	for (i = 0; i < s->n_subsys; i++)
		for (j = 0; j < s->subsys[i].n_sc; j++)
			n += s->subsys[i].sc[j].st.count;
	return n;
}

/* Is tid one of the threads kept in out? */
static bool kept_thread(const struct ls_snapshot *out, __u32 tid)
{
	size_t i;

	for (i = 0; tid && i < out->n_threads; i++)
		if (out->threads[i].tid == tid)
			return true;
	return false;
}

/*
 * The cycle, if its thread is one of the kept processes', and their slow
 * calls.  The number of calls over the threshold is theirs when every slow
 * call of the run was kept, else the run's (the kernel counts no more).
 */
static int select_cycle_and_slowest(struct ls_snapshot *out, const struct ls_snapshot *snap)
{
	size_t i;
	int err;

	if (snap->cycle.found && kept_thread(out, snap->cycle.tid))
		out->cycle = snap->cycle;
	out->slow_threshold_ns = snap->slow_threshold_ns;
	out->events_lost = snap->events_lost;
	for (i = 0; i < snap->n_slowest; i++) {
		if (!kept_thread(out, snap->slowest[i].tid))
			continue;
		err = ls_snapshot_add_slow(out, &snap->slowest[i]);
		if (err)
			return err;
	}
	out->slow_calls = snap->slow_calls <= snap->n_slowest ? out->n_slowest : snap->slow_calls;
	return 0;
}

/* "pid 12 (python3),34 (tc) of cmdline wanctl" */
static void describe(struct ls_snapshot *out, const struct ls_snapshot *snap)
{
	char *t = out->meta.target;
	size_t i, off, len = sizeof(out->meta.target);

	snprintf(t, len, "pid");
	for (i = 0; i < out->n_procs; i++) {
		off = strlen(t);
		snprintf(t + off, len - off, "%s%u (%s)", i ? "," : " ", out->procs[i].pid,
			 out->procs[i].comm[0] ? out->procs[i].comm : "?");
	}
	off = strlen(t);
	if (snap->meta.target[0])
		snprintf(t + off, len - off, " of %s", snap->meta.target);
}

struct ls_snapshot *ls_snapshot_select(const struct ls_snapshot *snap, const __u32 *pids,
				       size_t n, char *err, size_t errlen)
{
	const struct ls_process *p;
	struct ls_snapshot *out;
	struct ls_group *g;
	size_t i;
	int ret = -ENOMEM;

	for (i = 0; i < n; i++) {
		if (!ls_snapshot_find_process(snap, pids[i])) {
			snprintf(err, errlen, "no process %u in this run%s", pids[i],
				 snap->n_procs ? " (report --by process lists them)" :
				 " (it was recorded before snapshots had processes, version 3)");
			errno = ESRCH;
			return NULL;
		}
	}
	out = ls_snapshot_new();
	if (!out)
		goto fail;
	out->version = snap->version;
	out->meta = snap->meta;
	out->meta.events = 0;
	for (i = 0; i < snap->n_rules; i++)
		if (ls_snapshot_add_rule(out, snap->rules[i]))
			goto fail;
	for (i = 0; i < snap->n_procs; i++) {
		p = &snap->procs[i];
		if (wanted(p->pid, pids, n) && copy_process(out, p))
			goto fail;
	}
	for (i = 0; i < snap->n_threads; i++) {
		if (!wanted(snap->threads[i].tgid, pids, n))
			continue;
		g = ls_snapshot_group(&out->threads, &out->n_threads, snap->threads[i].name);
		if (!g)
			goto fail;
		g->tgid = snap->threads[i].tgid;
		g->tid = snap->threads[i].tid;
		g->flags = snap->threads[i].flags;
		g->has_time = snap->threads[i].has_time;
		g->time = snap->threads[i].time;
		if ((ret = merge_into(g->snap, snap->threads[i].snap)) ||
		    (ret = merge_into(out, snap->threads[i].snap)))
			goto fail;
	}
	for (i = 0; i < out->n_threads; i++)
		out->meta.events += count_calls(out->threads[i].snap);
	ls_snapshot_sum_thread_times(out);
	if ((ret = select_cycle_and_slowest(out, snap)))
		goto fail;
	describe(out, snap);
	ls_snapshot_sort(out);
	return out;
fail:
	ls_snapshot_free(out);
	snprintf(err, errlen, "%s", strerror(-ret));
	errno = -ret;
	return NULL;
}
