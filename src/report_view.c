/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Views: the rows a report prints and a diff compares (report_view.h).
 * Each grouping is one entry in `groupings` below.  Per-thread and
 * per-peer rows come from the snapshot's groups; files written before
 * latscope recorded them have none, and those groupings say so.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hist.h"
#include "parse.h"
#include "report_view.h"

struct grouping {
	const char *name;
	const char *title;
	size_t n_keys;
	const char *key_header[LS_VIEW_MAX_KEYS];
	const char *key_name[LS_VIEW_MAX_KEYS];
	bool breakdown;
	/* NULL: no snapshot format carries the data yet. */
	int (*build)(struct ls_view *v, const struct ls_snapshot *snap);
	const char *missing;	/* why not, for the one-line error */
};

/* A subsystem without calls still gets a row, with these (zero) figures. */
static const struct ls_stats no_calls;

static size_t count_syscalls(const struct ls_snapshot *snap)
{
	size_t i, n = 0;

	for (i = 0; i < snap->n_subsys; i++)
		n += snap->subsys[i].n_sc;
	return n;
}

static int alloc_rows(struct ls_view *v, size_t n_rows, size_t n_parts)
{
	/* calloc(0) may return NULL: ask for one element at least. */
	v->rows = calloc(n_rows ? n_rows : 1, sizeof(*v->rows));
	v->part_pool = calloc(n_parts ? n_parts : 1, sizeof(*v->part_pool));
	return v->rows && v->part_pool ? 0 : -ENOMEM;
}

/*
 * Rows are made of work only (ls_row_counts): idle waits, waits for other
 * threads or children and the request figures are shown, and compared,
 * apart.  A subsystem whose calls were all idle has no row.
 */
static size_t count_work(const struct ls_subsys *ss)
{
	size_t j, n = 0;

	for (j = 0; j < ss->n_sc; j++)
		n += ls_row_counts(&ss->sc[j]);
	return n;
}

static int build_by_subsystem(struct ls_view *v, const struct ls_snapshot *snap)
{
	struct ls_view_part *pool;
	struct ls_view_row *r;
	size_t i, j;

	if (alloc_rows(v, snap->n_subsys, count_syscalls(snap)))
		return -ENOMEM;
	pool = v->part_pool;
	for (i = 0; i < snap->n_subsys; i++) {
		const struct ls_subsys *ss = &snap->subsys[i];

		if (ss->n_sc && !count_work(ss))
			continue;
		r = &v->rows[v->n++];
		r->key[0] = ss->name;
		r->ss = ss;
		r->parts = pool;
		for (j = 0; j < ss->n_sc; j++)
			if (ls_row_counts(&ss->sc[j]))
				*pool++ = (struct ls_view_part){ ss, &ss->sc[j] };
		r->n_parts = (size_t)(pool - r->parts);
		/* Merge only when needed: an ls_stats is 8 KiB. */
		if (r->n_parts == 0) {
			r->st = &no_calls;
		} else if (r->n_parts == 1) {
			r->st = &r->parts[0].sc->st;
		} else {
			r->merged = malloc(sizeof(*r->merged));
			if (!r->merged)
				return -ENOMEM;
			ls_subsys_total(ss, r->merged);
			r->st = r->merged;
		}
	}
	return 0;
}

static int build_by_syscall(struct ls_view *v, const struct ls_snapshot *snap)
{
	struct ls_view_row *r;
	size_t i, j;

	if (alloc_rows(v, count_syscalls(snap), count_syscalls(snap)))
		return -ENOMEM;
	for (i = 0; i < snap->n_subsys; i++) {
		const struct ls_subsys *ss = &snap->subsys[i];

		for (j = 0; j < ss->n_sc; j++) {
			if (!ls_row_counts(&ss->sc[j]))
				continue;
			r = &v->rows[v->n];
			v->part_pool[v->n] = (struct ls_view_part){ ss, &ss->sc[j] };
			r->parts = &v->part_pool[v->n++];
			r->n_parts = 1;
			r->key[0] = ss->name;
			r->key[1] = ss->sc[j].name;
			r->st = &ss->sc[j].st;
		}
	}
	return 0;
}

/* One row per group (thread or peer), merging every call in it. */
static int build_by_group(struct ls_view *v, const struct ls_group *g, size_t n)
{
	struct ls_view_part *pool;
	struct ls_view_row *r;
	size_t i, j, k, n_parts = 0;

	for (i = 0; i < n; i++)
		n_parts += count_syscalls(g[i].snap);
	if (alloc_rows(v, n, n_parts))
		return -ENOMEM;
	pool = v->part_pool;
	for (i = 0; i < n; i++) {
		const struct ls_snapshot *gs = g[i].snap;

		r = &v->rows[v->n++];
		r->key[0] = g[i].name;
		r->parts = pool;
		r->merged = calloc(1, sizeof(*r->merged));
		if (!r->merged)
			return -ENOMEM;
		for (j = 0; j < gs->n_subsys; j++) {
			for (k = 0; k < gs->subsys[j].n_sc; k++) {
				if (!ls_row_counts(&gs->subsys[j].sc[k]))
					continue;
				*pool++ = (struct ls_view_part){ &gs->subsys[j], &gs->subsys[j].sc[k] };
				ls_stats_merge(r->merged, &gs->subsys[j].sc[k].st);
			}
		}
		r->n_parts = (size_t)(pool - r->parts);
		r->st = r->merged;
	}
	return 0;
}

static int build_by_thread(struct ls_view *v, const struct ls_snapshot *snap)
{
	return build_by_group(v, snap->threads, snap->n_threads);
}

static int build_by_peer(struct ls_view *v, const struct ls_snapshot *snap)
{
	return build_by_group(v, snap->peers, snap->n_peers);
}

static int cmp_u32(const void *pa, const void *pb)
{
	__u32 a = *(const __u32 *)pa, b = *(const __u32 *)pb;

	return (a > b) - (a < b);
}

/* Threads by process, so that each process finds its own in one run. */
struct thread_ref {
	__u32 pid;
	const struct ls_group *g;
};

static int cmp_thread_ref(const void *pa, const void *pb)
{
	return cmp_u32(&((const struct thread_ref *)pa)->pid, &((const struct thread_ref *)pb)->pid);
}

/*
 * The process pids to make rows of: every process, and the pid of any
 * thread whose process is not listed (0 for threads of no known process).
 */
static size_t row_pids(const struct ls_snapshot *snap, __u32 *pids)
{
	size_t i, n = 0, out = 0;

	for (i = 0; i < snap->n_procs; i++)
		pids[n++] = snap->procs[i].pid;
	for (i = 0; i < snap->n_threads; i++)
		pids[n++] = snap->threads[i].tgid;
	qsort(pids, n, sizeof(*pids), cmp_u32);
	for (i = 0; i < n; i++)
		if (!out || pids[i] != pids[out - 1])
			pids[out++] = pids[i];
	return out;
}

/* One row per process, merging every call of its threads; none: a row of zeros. */
static int build_by_process(struct ls_view *v, const struct ls_snapshot *snap)
{
	size_t i, j, k, t = 0, n_rows, n_parts = 0;
	const struct ls_process *proc;
	struct thread_ref *refs;
	struct ls_view_part *pool;
	struct ls_view_row *r;
	__u32 *pids;
	int ret = -ENOMEM;

	pids = calloc(snap->n_procs + snap->n_threads + 1, sizeof(*pids));
	refs = calloc(snap->n_threads + 1, sizeof(*refs));
	if (!pids || !refs)
		goto out;
	n_rows = row_pids(snap, pids);
	for (i = 0; i < snap->n_threads; i++) {
		refs[i] = (struct thread_ref){ snap->threads[i].tgid, &snap->threads[i] };
		n_parts += count_syscalls(snap->threads[i].snap);
	}
	qsort(refs, snap->n_threads, sizeof(*refs), cmp_thread_ref);
	v->labels = calloc(n_rows + 1, sizeof(*v->labels));
	if (!v->labels || alloc_rows(v, n_rows, n_parts))
		goto out;
	pool = v->part_pool;
	for (i = 0; i < n_rows; i++) {
		proc = ls_snapshot_find_process(snap, pids[i]);
		r = &v->rows[v->n];
		r->proc = proc;
		if (pids[i])
			snprintf(v->labels[v->n], sizeof(v->labels[0]), "%u %s", pids[i],
				 proc && proc->comm[0] ? proc->comm : "?");
		else
			snprintf(v->labels[v->n], sizeof(v->labels[0]), "?");
		r->key[0] = v->labels[v->n++];
		r->parts = pool;
		r->merged = calloc(1, sizeof(*r->merged));
		if (!r->merged)
			goto out;
		for (; t < snap->n_threads && refs[t].pid == pids[i]; t++) {
			const struct ls_snapshot *gs = refs[t].g->snap;

			for (j = 0; j < gs->n_subsys; j++) {
				for (k = 0; k < gs->subsys[j].n_sc; k++) {
					/* work only, as in every other view */
					if (!ls_row_counts(&gs->subsys[j].sc[k]))
						continue;
					*pool++ = (struct ls_view_part){ &gs->subsys[j],
									 &gs->subsys[j].sc[k] };
					ls_stats_merge(r->merged, &gs->subsys[j].sc[k].st);
				}
			}
		}
		r->n_parts = (size_t)(pool - r->parts);
		r->st = r->merged;
	}
	ret = 0;
out:
	free(refs);
	free(pids);
	return ret;
}

static const struct grouping groupings[] = {
	[LS_BY_SUBSYSTEM] = { "subsystem", "Subsystems", 1, { "SUBSYSTEM" }, { "subsystem" },
			      true, build_by_subsystem, NULL },
	[LS_BY_SYSCALL] = { "syscall", "Syscalls", 2, { "SUBSYSTEM", "SYSCALL" },
			    { "subsystem", "syscall" }, false, build_by_syscall, NULL },
	[LS_BY_THREAD] = { "thread", "Threads", 1, { "THREAD" }, { "thread" }, false,
			   build_by_thread,
			   "no per-thread data (the snapshot was written by a latscope that "
			   "did not record threads)" },
	[LS_BY_PEER] = { "peer", "Peers", 1, { "PEER" }, { "peer" }, false, build_by_peer,
			 "no per-peer data (no call in this run had a peer, or the snapshot "
			 "was written by a latscope that did not record peers)" },
	/* not rows of calls: report_cycle.c prints it, diff has a section of its own */
	[LS_BY_BUDGET] = { "budget", "Budget", 1, { "COMPONENT" }, { "component" }, false,
			   NULL,
			   "--by budget is a report of its own (latscope report --by budget); "
			   "diff compares the budgets in its own section" },
	[LS_BY_PROCESS] = { "process", "Processes", 1, { "PROCESS" }, { "process" }, false,
			    build_by_process,
			    "no per-process data (the snapshot was written by a latscope that "
			    "did not record processes, before snapshot version 3)" },
};

#define N_GROUPINGS (sizeof(groupings) / sizeof(groupings[0]))

int ls_by_parse(const char *s, enum ls_by *out)
{
	size_t i;

	if (!s || !out)
		return -EINVAL;
	for (i = 0; i < N_GROUPINGS; i++) {
		if (!strcmp(s, groupings[i].name)) {
			*out = (enum ls_by)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *ls_by_name(enum ls_by by)
{
	return (size_t)by < N_GROUPINGS ? groupings[by].name : "?";
}

int ls_sort_parse(const char *s, enum ls_sort *out)
{
	static const char *const names[] = {
		[LS_SORT_TOTAL] = "total",
		[LS_SORT_P99] = "p99",
		[LS_SORT_CALLS] = "calls",
		[LS_SORT_NAME] = "name",
	};
	int i = ls_parse_name(s, names, sizeof(names) / sizeof(names[0]));

	if (i < 0 || !out)
		return -EINVAL;
	*out = (enum ls_sort)i;
	return 0;
}

void ls_view_free(struct ls_view *v)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; v->rows && i < v->n; i++)
		free(v->rows[i].merged);
	free(v->rows);
	free(v->part_pool);
	free(v->labels);
	memset(v, 0, sizeof(*v));
}

int ls_view_check(const struct ls_snapshot *snap, enum ls_by by, char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	if (!snap || (size_t)by >= N_GROUPINGS)
		return -EINVAL;
	if (!groupings[by].build || (by == LS_BY_THREAD && !snap->n_threads) ||
	    (by == LS_BY_PEER && !snap->n_peers) || (by == LS_BY_PROCESS && !snap->n_procs)) {
		if (err && errlen)
			snprintf(err, errlen, "%s", groupings[by].missing);
		return -ENODATA;
	}
	return 0;
}

int ls_view_build(struct ls_view *v, const struct ls_snapshot *snap, enum ls_by by, char *err,
		  size_t errlen)
{
	const struct grouping *g;
	int ret;

	if (err && errlen)
		err[0] = '\0';
	if (!v || !snap || (size_t)by >= N_GROUPINGS)
		return -EINVAL;
	memset(v, 0, sizeof(*v));
	ret = ls_view_check(snap, by, err, errlen);
	if (ret)
		return ret;
	g = &groupings[by];
	v->by = by;
	v->n_keys = g->n_keys;
	v->title = g->title;
	memcpy(v->key_header, g->key_header, sizeof(v->key_header));
	memcpy(v->key_name, g->key_name, sizeof(v->key_name));
	v->breakdown = g->breakdown;
	v->all_ns = ls_snapshot_total_ns(snap);
	ret = g->build(v, snap);
	if (ret)
		ls_view_free(v);
	return ret;
}

int ls_view_keys_cmp(const char *const *a, const char *const *b)
{
	int i, c;

	for (i = 0; i < LS_VIEW_MAX_KEYS; i++) {
		if (!a[i] || !b[i]) {
			if (a[i] != b[i])
				return a[i] ? 1 : -1;
			continue;
		}
		c = strcmp(a[i], b[i]);
		if (c)
			return c;
	}
	return 0;
}

static __u64 sort_value(const struct ls_stats *st, enum ls_sort sort)
{
	switch (sort) {
	case LS_SORT_P99:
		return ls_stats_percentile(st, 99.0);
	case LS_SORT_CALLS:
		return st->count;
	case LS_SORT_NAME:
		return 0;
	default:
		return st->total_ns;
	}
}

/* Largest first; ties, and --sort name, by name: the order is total. */
static int cmp_rows(const void *pa, const void *pb)
{
	const struct ls_view_row *a = pa, *b = pb;

	if (a->sort_key != b->sort_key)
		return a->sort_key > b->sort_key ? -1 : 1;
	return ls_view_keys_cmp(a->key, b->key);
}

struct keyed_part {
	__u64 key;
	struct ls_view_part part;
};

static int cmp_parts(const void *pa, const void *pb)
{
	const struct keyed_part *a = pa, *b = pb;
	int c;

	if (a->key != b->key)
		return a->key > b->key ? -1 : 1;
	c = strcmp(a->part.sc->name, b->part.sc->name);
	return c ? c : strcmp(a->part.ss->name, b->part.ss->name);
}

void ls_view_sort(struct ls_view *v, enum ls_sort sort)
{
	struct keyed_part *tmp;
	struct ls_view_row *r;
	size_t i, j;

	if (!v || !v->rows)
		return;
	for (i = 0; i < v->n; i++) {
		r = &v->rows[i];
		r->sort_key = sort_value(r->st, sort);
		if (r->n_parts < 2)
			continue;
		/* Keys first: a p99 walks 1024 slots, too slow inside a comparison. */
		tmp = calloc(r->n_parts, sizeof(*tmp));
		/* Without memory the parts keep their order; the report stays valid. */
		if (!tmp)
			continue;
		for (j = 0; j < r->n_parts; j++) {
			tmp[j].part = r->parts[j];
			tmp[j].key = sort_value(&r->parts[j].sc->st, sort);
		}
		qsort(tmp, r->n_parts, sizeof(*tmp), cmp_parts);
		for (j = 0; j < r->n_parts; j++)
			r->parts[j] = tmp[j].part;
		free(tmp);
	}
	qsort(v->rows, v->n, sizeof(*v->rows), cmp_rows);
}
