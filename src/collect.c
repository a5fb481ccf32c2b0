// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "collect.h"
#include "hist.h"
#include "rules.h"
#include "subsys.h"
#include <stdbool.h>
#include "syscall_names.h"
#include "target.h"

/* count is not kept by the kernel: it is the sum of the slots. */
static void fill_count(struct ls_stats *st)
{
	__u64 n = 0;
	size_t i;

	for (i = 0; i < LS_HIST_SLOTS; i++)
		n += st->slots[i];
	st->count = n;
}

static int read_stats(const struct ls_map_fds *fds, struct ls_raw *out)
{
	struct ls_key key, next, *prev = NULL;
	size_t cap = 0;
	__u32 slot;

	while (bpf_map_get_next_key(fds->slots_fd, prev, &next) == 0) {
		struct ls_raw_stat *e;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fds->slots_fd, &key, &slot))
			continue;	/* nothing deletes entries, but be safe */
		if (out->n_stats == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			void *p = realloc(out->stats, ncap * sizeof(*out->stats));

			if (!p)
				return -ENOMEM;
			out->stats = p;
			cap = ncap;
		}
		e = &out->stats[out->n_stats];
		e->key = key;
		if (bpf_map_lookup_elem(fds->stats_fd, &slot, &e->st))
			continue;
		fill_count(&e->st);
		/* a slot claimed by a call still being added: nothing in it yet */
		if (!e->st.count)
			continue;
		out->n_stats++;
	}
	return 0;
}

static int read_errnos(int fd, struct ls_raw *out)
{
	struct ls_errno_key key, next, *prev = NULL;
	size_t cap = 0;
	__u64 count;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &count))
			continue;
		if (out->n_errnos == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			void *p = realloc(out->errnos, ncap * sizeof(*out->errnos));

			if (!p)
				return -ENOMEM;
			out->errnos = p;
			cap = ncap;
		}
		out->errnos[out->n_errnos].key = key;
		out->errnos[out->n_errnos].count = count;
		out->n_errnos++;
	}
	return 0;
}

static int read_counters(int fd, struct ls_raw *out)
{
	int ncpu = libbpf_num_possible_cpus(), cpu;
	__u64 *vals;
	__u32 i;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	vals = calloc((size_t)ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (i = 0; i < LS_CNT_MAX; i++) {
		if (bpf_map_lookup_elem(fd, &i, vals))
			continue;
		for (cpu = 0; cpu < ncpu; cpu++)
			out->counters[i] += vals[cpu];
	}
	free(vals);
	return 0;
}

/* A live thread's name from /proc; an exited one's from the exit hook's maps. */
static void thread_comm(const struct ls_map_fds *fds, __u32 tgid, __u32 tid, char comm[LS_COMM_LEN])
{
	struct ls_thread_time tt;
	char buf[32];

	if (target_comm((pid_t)tgid, (pid_t)tid, buf, sizeof(buf)) &&
	    bpf_map_lookup_elem(fds->thread_comms_fd, &tid, buf)) {
		if (fds->thread_times_fd >= 0 &&
		    !bpf_map_lookup_elem(fds->thread_times_fd, &tid, &tt) && tt.comm[0])
			snprintf(buf, sizeof(buf), "%.*s", LS_COMM_LEN - 1, tt.comm);
		else
			snprintf(buf, sizeof(buf), "?");
	}
	memcpy(comm, buf, LS_COMM_LEN - 1);
	comm[LS_COMM_LEN - 1] = '\0';
}

static void add_thread_name(const struct ls_map_fds *fds, struct ls_raw *out, __u32 tgid,
			    __u32 tid)
{
	size_t j;

	for (j = 0; j < out->n_threads; j++)
		if (out->threads[j].tid == tid)
			return;
	out->threads[j].tid = tid;
	thread_comm(fds, tgid, tid, out->threads[j].comm);
	out->n_threads++;
}

int ls_raw_process_comm(void *fds, __u32 pid, char comm[LS_COMM_LEN])
{
	thread_comm(fds, pid, pid, comm);
	return strcmp(comm, "?") ? 0 : -ENOENT;
}

static int read_thread_names(const struct ls_map_fds *fds, struct ls_raw *out)
{
	size_t i;

	out->threads = calloc(out->n_stats + out->n_times + 1, sizeof(*out->threads));
	if (!out->threads)
		return -ENOMEM;
	for (i = 0; i < out->n_stats; i++)
		add_thread_name(fds, out, out->stats[i].key.tgid, out->stats[i].key.tid);
	for (i = 0; i < out->n_times; i++)
		add_thread_name(fds, out, out->times[i].tgid, out->times[i].tid);
	return 0;
}

/* Run the dump_threads iterator: live threads' figures into thread_times. */
static int dump_live_threads(int prog_fd)
{
	int link, it, ret = 0;
	char buf[64];
	ssize_t n;

	link = bpf_link_create(prog_fd, 0, BPF_TRACE_ITER, NULL);
	if (link < 0)
		return -errno;
	it = bpf_iter_create(link);
	if (it < 0) {
		ret = -errno;
		close(link);
		return ret;
	}
	while ((n = read(it, buf, sizeof(buf))) > 0)
		;
	if (n < 0)
		ret = -errno;
	close(it);
	close(link);
	return ret;
}

static int read_times(const struct ls_map_fds *fds, struct ls_raw *out)
{
	__u32 key, next, *prev = NULL;
	size_t cap = 0;
	int ret;

	if (fds->thread_times_fd < 0)
		return 0;
	if (fds->dump_threads_fd >= 0) {
		ret = dump_live_threads(fds->dump_threads_fd);
		if (ret)
			return ret;
	}
	while (bpf_map_get_next_key(fds->thread_times_fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (out->n_times == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			void *p = realloc(out->times, ncap * sizeof(*out->times));

			if (!p)
				return -ENOMEM;
			out->times = p;
			cap = ncap;
		}
		if (bpf_map_lookup_elem(fds->thread_times_fd, &key, &out->times[out->n_times]))
			continue;
		out->n_times++;
	}
	return 0;
}

int ls_raw_read(const struct ls_map_fds *fds, struct ls_raw *out)
{
	int ret;

	memset(out, 0, sizeof(*out));
	ret = read_times(fds, out);
	if (!ret)
		ret = read_stats(fds, out);
	if (!ret)
		ret = read_thread_names(fds, out);
	if (!ret)
		ret = read_errnos(fds->errno_fd, out);
	if (!ret)
		ret = read_counters(fds->counters_fd, out);
	if (ret)
		ls_raw_free(out);
	return ret;
}

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

int ls_raw_delta(const struct ls_raw *cur, const struct ls_raw *prev, struct ls_raw *out)
{
	size_t i, j;

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
			d->st.count -= p->st.count;
			d->st.errors -= p->st.errors;
			d->st.total_ns -= p->st.total_ns;
			d->st.runq_ns -= p->st.runq_ns;
			for (j = 0; j < LS_HIST_SLOTS; j++)
				d->st.slots[j] -= p->st.slots[j];
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
	size_t i;

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
	g->tid = k->tid;
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
		g->tid = tt->tid;
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
