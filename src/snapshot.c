/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The in-memory snapshot model: find-or-add helpers used by `record` (from
 * the BPF maps) and by the JSON loader, the sort that makes output
 * deterministic, and the derived figures both output formats print.
 *
 * Pointers returned by ls_snapshot_subsys() point into snap->subsys, so
 * adding another subsystem may move them; syscall pointers stay valid when
 * subsystems are added (each subsystem owns its own syscall array).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hist.h"
#include "snapshot.h"

struct ls_snapshot *ls_snapshot_new(void)
{
	struct ls_snapshot *snap;

	snap = calloc(1, sizeof(*snap));
	if (!snap)
		return NULL;
	snap->version = LS_SNAPSHOT_VERSION;
	return snap;
}

void ls_snapshot_free(struct ls_snapshot *snap)
{
	size_t i, j;

	if (!snap)
		return;
	for (i = 0; i < snap->n_subsys; i++) {
		struct ls_subsys *ss = &snap->subsys[i];

		for (j = 0; j < ss->n_sc; j++)
			free(ss->sc[j].errnos);
		free(ss->sc);
	}
	for (i = 0; i < snap->n_rules; i++)
		free(snap->rules[i]);
	for (i = 0; i < snap->n_threads; i++)
		ls_snapshot_free(snap->threads[i].snap);
	for (i = 0; i < snap->n_peers; i++)
		ls_snapshot_free(snap->peers[i].snap);
	for (i = 0; i < snap->n_procs; i++) {
		free(snap->procs[i].cmdline);
		free(snap->procs[i].exe);
		free(snap->procs[i].cgroup);
	}
	free(snap->procs);
	for (i = 0; i < snap->n_intervals; i++)
		free(snap->intervals[i].ss);
	free(snap->intervals);
	free(snap->cycle_starts);
	free(snap->threads);
	free(snap->peers);
	free(snap->slowest);
	free(snap->rules);
	free(snap->subsys);
	free(snap);
}

/*
 * Make room for one more element.  The structs carry no capacity field, so
 * the capacity is implied: the next power of two >= n.  Growing only when n
 * is a power of two keeps appends amortised O(1) without a header change;
 * a syscall entry is 8 KiB, so realloc-by-one would copy a lot.  Arrays
 * must therefore only ever be grown through these helpers.
 */
static int grow(void **arr, size_t n, size_t elem)
{
	size_t cap;
	void *p;

	if (n == 0)
		cap = 4;
	else if (n >= 4 && !(n & (n - 1)))
		cap = 2 * n;
	else
		return 0;
	if (cap > SIZE_MAX / elem)
		return -ENOMEM;
	p = realloc(*arr, cap * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	return 0;
}

/* Truncate the same way on lookup as on insert, so a long name finds itself. */
static void copy_name(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src);
}

struct ls_subsys *ls_snapshot_subsys(struct ls_snapshot *snap, const char *name)
{
	char key[sizeof(((struct ls_subsys *)0)->name)];
	struct ls_subsys *ss;
	size_t i;
	int err;

	/* An empty name could not be loaded back (docs/snapshot-format.md). */
	if (!snap || !name || !*name) {
		errno = EINVAL;
		return NULL;
	}
	copy_name(key, sizeof(key), name);
	for (i = 0; i < snap->n_subsys; i++)
		if (!strcmp(snap->subsys[i].name, key))
			return &snap->subsys[i];

	err = grow((void **)&snap->subsys, snap->n_subsys, sizeof(*snap->subsys));
	if (err) {
		errno = -err;
		return NULL;
	}
	ss = &snap->subsys[snap->n_subsys++];
	memset(ss, 0, sizeof(*ss));
	memcpy(ss->name, key, sizeof(ss->name));
	return ss;
}

struct ls_group *ls_snapshot_group(struct ls_group **arr, size_t *n, const char *name)
{
	char key[sizeof(((struct ls_group *)0)->name)];
	struct ls_group *g;
	size_t i;
	int err;

	if (!arr || !n || !name || !*name) {
		errno = EINVAL;
		return NULL;
	}
	copy_name(key, sizeof(key), name);
	for (i = 0; i < *n; i++)
		if (!strcmp((*arr)[i].name, key))
			return &(*arr)[i];
	err = grow((void **)arr, *n, sizeof(**arr));
	if (err) {
		errno = -err;
		return NULL;
	}
	g = &(*arr)[*n];
	memset(g, 0, sizeof(*g));
	g->snap = ls_snapshot_new();
	if (!g->snap)
		return NULL;
	memcpy(g->name, key, sizeof(g->name));
	(*n)++;
	return g;
}

struct ls_syscall_stats *ls_subsys_syscall(struct ls_subsys *ss, const char *name, __u32 nr)
{
	return ls_subsys_syscall_role(ss, name, nr, LS_ROLE_WORK);
}

struct ls_syscall_stats *ls_subsys_syscall_role(struct ls_subsys *ss, const char *name, __u32 nr,
						__u8 role)
{
	char key[sizeof(((struct ls_syscall_stats *)0)->name)];
	struct ls_syscall_stats *sc;
	size_t i;
	int err;

	if (!ss || !name || !*name || role >= LS_ROLE_MAX) {
		errno = EINVAL;
		return NULL;
	}
	/* (name, role) is the identity; "syscall_NNN" already encodes unknown numbers. */
	copy_name(key, sizeof(key), name);
	for (i = 0; i < ss->n_sc; i++)
		if (!strcmp(ss->sc[i].name, key) && ss->sc[i].role == role)
			return &ss->sc[i];

	err = grow((void **)&ss->sc, ss->n_sc, sizeof(*ss->sc));
	if (err) {
		errno = -err;
		return NULL;
	}
	sc = &ss->sc[ss->n_sc++];
	memset(sc, 0, sizeof(*sc));
	memcpy(sc->name, key, sizeof(sc->name));
	sc->nr = nr;
	sc->role = role;
	return sc;
}

int ls_slowest_insert(struct ls_slow_call **arr, size_t *n, const struct ls_slow_call *c)
{
	size_t i;
	int err;

	if (!arr || !n || !c)
		return -EINVAL;
	if (*n == LS_SLOWEST_MAX && c->duration_ns <= (*arr)[LS_SLOWEST_MAX - 1].duration_ns)
		return 0;
	if (*n < LS_SLOWEST_MAX) {
		err = grow((void **)arr, *n, sizeof(**arr));
		if (err)
			return err;
		(*n)++;
	}
	/* insertion sort: the list is short */
	for (i = *n - 1; i > 0 && (*arr)[i - 1].duration_ns < c->duration_ns; i--)
		(*arr)[i] = (*arr)[i - 1];
	(*arr)[i] = *c;
	return 0;
}

int ls_snapshot_add_slow(struct ls_snapshot *snap, const struct ls_slow_call *c)
{
	return snap ? ls_slowest_insert(&snap->slowest, &snap->n_slowest, c) : -EINVAL;
}

int ls_syscall_add_errno(struct ls_syscall_stats *sc, int err, __u64 count)
{
	struct ls_errno_count *e;
	size_t i;
	int ret;

	if (!sc || err <= 0 || err > LS_ERRNO_MAX)
		return -EINVAL;
	for (i = 0; i < sc->n_errnos; i++) {
		if (sc->errnos[i].err != err)
			continue;
		/* Per-CPU sums of a u64 counter cannot wrap; a hostile input can. */
		if (sc->errnos[i].count > UINT64_MAX - count)
			return -EOVERFLOW;
		sc->errnos[i].count += count;
		return 0;
	}

	ret = grow((void **)&sc->errnos, sc->n_errnos, sizeof(*sc->errnos));
	if (ret)
		return ret;
	e = &sc->errnos[sc->n_errnos++];
	e->err = err;
	e->count = count;
	return 0;
}

int ls_snapshot_add_rule(struct ls_snapshot *snap, const char *text)
{
	char *copy;
	int err;

	/* The loader's limits: whatever is saved must load again. */
	if (!snap || !text || strlen(text) > LS_SNAPSHOT_RULE_MAX ||
	    snap->n_rules >= LS_SNAPSHOT_MAX_RULES)
		return -EINVAL;
	err = grow((void **)&snap->rules, snap->n_rules, sizeof(*snap->rules));
	if (err)
		return err;
	copy = strdup(text);
	if (!copy)
		return -ENOMEM;
	snap->rules[snap->n_rules++] = copy;
	return 0;
}

void ls_time_from_thread(struct ls_time *t, const struct ls_thread_time *tt)
{
	int r;

	memset(t, 0, sizeof(*t));
	t->wall_ns = tt->first_ns && tt->last_ns > tt->first_ns ? tt->last_ns - tt->first_ns : 0;
	t->user_cpu_ns = tt->user_cpu_ns;
	t->user_runq_ns = tt->user_runq_ns;
	t->user_blocked_ns = tt->user_blocked_ns;
	for (r = 0; r < LS_ROLE_MAX; r++)
		t->sys_ns[r] = tt->sys_ns[r];
	t->sys_runq_ns = tt->sys_runq_ns;
	t->idle_waits = tt->idle_waits;
}

void ls_time_add(struct ls_time *a, const struct ls_time *b)
{
	int r;

	a->wall_ns += b->wall_ns;
	a->user_cpu_ns += b->user_cpu_ns;
	a->user_runq_ns += b->user_runq_ns;
	a->user_blocked_ns += b->user_blocked_ns;
	for (r = 0; r < LS_ROLE_MAX; r++)
		a->sys_ns[r] += b->sys_ns[r];
	a->sys_runq_ns += b->sys_runq_ns;
	a->idle_waits += b->idle_waits;
}

int ls_row_counts(const struct ls_syscall_stats *sc)
{
	return sc->role == LS_ROLE_WORK && sc->nr != LS_SYSCALL_REQUEST;
}

const struct ls_process *ls_snapshot_find_process(const struct ls_snapshot *snap, __u32 pid)
{
	size_t i;

	for (i = 0; snap && i < snap->n_procs; i++)
		if (snap->procs[i].pid == pid)
			return &snap->procs[i];
	return NULL;
}

struct ls_process *ls_snapshot_process(struct ls_snapshot *snap, __u32 pid)
{
	struct ls_process *p = (struct ls_process *)ls_snapshot_find_process(snap, pid);

	return p ? p : ls_snapshot_add_process(snap, pid);
}

struct ls_process *ls_snapshot_add_process(struct ls_snapshot *snap, __u32 pid)
{
	struct ls_process *p;
	int err;

	if (!snap || !pid) {
		errno = EINVAL;
		return NULL;
	}
	if (snap->n_procs >= LS_SNAPSHOT_MAX_PROCESSES) {
		errno = E2BIG;
		return NULL;
	}
	err = grow((void **)&snap->procs, snap->n_procs, sizeof(*snap->procs));
	if (err) {
		errno = -err;
		return NULL;
	}
	p = &snap->procs[snap->n_procs++];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	return p;
}

int ls_process_set_str(char **field, const char *s)
{
	char *copy = NULL;

	/* the loader's limit: whatever is saved must load again */
	if (s && strlen(s) > LS_PROCESS_STR_MAX)
		return -EINVAL;
	if (s) {
		copy = strdup(s);
		if (!copy)
			return -ENOMEM;
	}
	free(*field);
	*field = copy;
	return 0;
}

void ls_snapshot_sum_thread_times(struct ls_snapshot *snap)
{
	size_t i;

	memset(&snap->time, 0, sizeof(snap->time));
	snap->has_time = 0;
	for (i = 0; i < snap->n_threads; i++) {
		const struct ls_group *g = &snap->threads[i];

		if (!g->has_time || (g->flags & LS_THREAD_IN_EXEC))
			continue;
		ls_time_add(&snap->time, &g->time);
		snap->has_time = 1;
	}
}

int ls_snapshot_set_cycle_starts(struct ls_snapshot *snap, const __u64 *starts, size_t n)
{
	__u64 *copy;
	size_t i;

	n = n < LS_CYCLE_STARTS_MAX ? n : LS_CYCLE_STARTS_MAX;
	for (i = 1; i < n; i++)
		if (starts[i] <= starts[i - 1])
			return -EINVAL;
	copy = malloc((n ? n : 1) * sizeof(*copy));
	if (!copy)
		return -ENOMEM;
	memcpy(copy, starts, n * sizeof(*copy));
	free(snap->cycle_starts);
	snap->cycle_starts = copy;
	snap->n_cycle_starts = n;
	return 0;
}

struct ls_interval *ls_snapshot_append_interval(struct ls_snapshot *snap, __u64 start_unix_ns,
						__u64 end_unix_ns, int partial, size_t n_ss)
{
	struct ls_interval *out;
	size_t i, rows = n_ss;
	int err;

	for (i = 0; i < snap->n_intervals; i++)
		rows += snap->intervals[i].n_ss;
	if (snap->n_intervals >= LS_SNAPSHOT_MAX_INTERVALS || rows > LS_SNAPSHOT_MAX_INTERVAL_ROWS) {
		errno = E2BIG;
		return NULL;
	}
	err = grow((void **)&snap->intervals, snap->n_intervals, sizeof(*snap->intervals));
	if (err) {
		errno = -err;
		return NULL;
	}
	out = &snap->intervals[snap->n_intervals];
	*out = (struct ls_interval){ .start_unix_ns = start_unix_ns, .end_unix_ns = end_unix_ns,
				     .partial = partial };
	out->ss = calloc(n_ss ? n_ss : 1, sizeof(*out->ss));
	if (!out->ss) {
		errno = ENOMEM;
		return NULL;
	}
	snap->n_intervals++;
	return out;
}

size_t ls_snapshot_fit_intervals(struct ls_snapshot *snap)
{
	size_t used = snap->n_subsys, rows = 0, i, dropped = 0;

	for (i = 0; i < snap->n_threads; i++)
		used += snap->threads[i].snap->n_subsys;
	for (i = 0; i < snap->n_peers; i++)
		used += snap->peers[i].snap->n_subsys;
	for (i = 0; i < snap->n_intervals; i++)
		rows += snap->intervals[i].n_ss;
	while (snap->n_intervals && used + rows > LS_SNAPSHOT_MAX_SUBSYS_ALL) {
		struct ls_interval *last = &snap->intervals[--snap->n_intervals];

		rows -= last->n_ss;
		free(last->ss);
		dropped++;
	}
	return dropped;
}

int ls_snapshot_add_interval(struct ls_snapshot *snap, const struct ls_snapshot *iv, int partial)
{
	struct ls_interval *out;
	struct ls_stats *tot;
	size_t i;

	/* 8 KiB: off the stack */
	tot = malloc(sizeof(*tot));
	if (!tot)
		return -ENOMEM;
	out = ls_snapshot_append_interval(snap, iv->meta.start_unix_ns, iv->meta.end_unix_ns,
					  partial, iv->n_subsys);
	if (!out) {
		free(tot);
		return -errno;
	}
	for (i = 0; i < iv->n_subsys; i++) {
		struct ls_interval_subsys *e = &out->ss[out->n_ss];

		ls_subsys_total(&iv->subsys[i], tot);
		if (!tot->count)
			continue;
		copy_name(e->name, sizeof(e->name), iv->subsys[i].name);
		e->count = tot->count;
		e->errors = tot->errors;
		e->total_ns = tot->total_ns;
		e->p50_ns = ls_stats_percentile(tot, 50);
		e->p99_ns = ls_stats_percentile(tot, 99);
		e->max_ns = tot->max_ns;
		out->n_ss++;
	}
	free(tot);
	return 0;
}

void ls_subsys_total(const struct ls_subsys *ss, struct ls_stats *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < ss->n_sc; i++)
		if (ls_row_counts(&ss->sc[i]))
			ls_stats_merge(out, &ss->sc[i].st);
}

void ls_subsys_total_role(const struct ls_subsys *ss, __u8 role, struct ls_stats *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < ss->n_sc; i++)
		if (ss->sc[i].role == role && ss->sc[i].nr != LS_SYSCALL_REQUEST)
			ls_stats_merge(out, &ss->sc[i].st);
}

double ls_snapshot_total_ns(const struct ls_snapshot *snap)
{
	struct ls_stats *tot;
	double sum = 0;
	size_t i;

	/* 8 KiB is too much for the stack of a library function. */
	tot = malloc(sizeof(*tot));
	if (!tot)
		return 0;
	for (i = 0; i < snap->n_subsys; i++) {
		ls_subsys_total(&snap->subsys[i], tot);
		sum += (double)tot->total_ns;
	}
	free(tot);
	return sum;
}

double ls_pct_of(__u64 part, double whole)
{
	return whole > 0 ? (double)part / whole * 100.0 : 0.0;
}

/*
 * Kernel-internal codes that raw_syscalls:sys_exit can still see when a
 * signal interrupts a syscall (include/linux/errno.h); the C library does
 * not name them, but they do show up in traces.
 */
static const char *kernel_errno_name(int err)
{
	switch (err) {
	case 512: return "ERESTARTSYS";
	case 513: return "ERESTARTNOINTR";
	case 514: return "ERESTARTNOHAND";
	case 515: return "ENOIOCTLCMD";
	case 516: return "ERESTART_RESTARTBLOCK";
	default: return NULL;
	}
}

const char *ls_errno_name(int err)
{
	const char *name;

	if (err <= 0)
		return NULL;
	name = strerrorname_np(err);
	return name ? name : kernel_errno_name(err);
}

/* qsort() has no context argument, so subsystems are sorted via keys. */
struct subsys_key {
	__u64 total_ns;
	const struct ls_subsys *ss;
};

static int cmp_subsys(const void *pa, const void *pb)
{
	const struct subsys_key *a = pa, *b = pb;

	if (a->total_ns != b->total_ns)
		return a->total_ns > b->total_ns ? -1 : 1;
	return strcmp(a->ss->name, b->ss->name);
}

static int cmp_syscall(const void *pa, const void *pb)
{
	const struct ls_syscall_stats *a = pa, *b = pb;
	int c;

	/* rows that count first, so idle waits never lead a table */
	if (ls_row_counts(a) != ls_row_counts(b))
		return ls_row_counts(a) ? -1 : 1;
	if (a->st.total_ns != b->st.total_ns)
		return a->st.total_ns > b->st.total_ns ? -1 : 1;
	c = strcmp(a->name, b->name);
	return c ? c : (a->role > b->role) - (a->role < b->role);
}

static int cmp_errno(const void *pa, const void *pb)
{
	const struct ls_errno_count *a = pa, *b = pb;

	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return (a->err > b->err) - (a->err < b->err);
}

static int cmp_group(const void *pa, const void *pb)
{
	const struct ls_group *a = pa, *b = pb;

	return strcmp(a->name, b->name);
}

static int cmp_process(const void *pa, const void *pb)
{
	const struct ls_process *a = pa, *b = pb;

	return (a->pid > b->pid) - (a->pid < b->pid);
}

static void sort_groups(struct ls_group *g, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		ls_snapshot_sort(g[i].snap);
	if (n > 1)
		qsort(g, n, sizeof(*g), cmp_group);
}

void ls_snapshot_sort(struct ls_snapshot *snap)
{
	struct subsys_key *keys = NULL;
	struct ls_subsys *sorted = NULL;
	struct ls_stats *tot = NULL;
	size_t i, j;

	if (!snap)
		return;
	sort_groups(snap->threads, snap->n_threads);
	sort_groups(snap->peers, snap->n_peers);
	if (snap->n_procs > 1)
		qsort(snap->procs, snap->n_procs, sizeof(*snap->procs), cmp_process);
	for (i = 0; i < snap->n_subsys; i++) {
		struct ls_subsys *ss = &snap->subsys[i];

		/* (name, role) pairs are unique, so every order below is total. */
		if (ss->n_sc > 1)
			qsort(ss->sc, ss->n_sc, sizeof(*ss->sc), cmp_syscall);
		for (j = 0; j < ss->n_sc; j++)
			if (ss->sc[j].n_errnos > 1)
				qsort(ss->sc[j].errnos, ss->sc[j].n_errnos,
				      sizeof(*ss->sc[j].errnos), cmp_errno);
	}
	if (snap->n_subsys < 2)
		return;

	keys = calloc(snap->n_subsys, sizeof(*keys));
	sorted = calloc(snap->n_subsys, sizeof(*sorted));
	tot = malloc(sizeof(*tot));
	/* Without memory the snapshot stays valid, only in its original order. */
	if (!keys || !sorted || !tot)
		goto cleanup;
	for (i = 0; i < snap->n_subsys; i++) {
		/* The same total the report prints, so order and figures agree. */
		ls_subsys_total(&snap->subsys[i], tot);
		keys[i].total_ns = tot->total_ns;
		keys[i].ss = &snap->subsys[i];
	}
	qsort(keys, snap->n_subsys, sizeof(*keys), cmp_subsys);
	for (i = 0; i < snap->n_subsys; i++)
		sorted[i] = *keys[i].ss;
	memcpy(snap->subsys, sorted, snap->n_subsys * sizeof(*sorted));

cleanup:
	free(tot);
	free(sorted);
	free(keys);
}
