// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The trace-event format is a JSON object whose "traceEvents" array holds
 * events with a phase ("ph"): "M" names a process or thread, "X" is a slice
 * (ts and dur), "C" a counter sample.  The events are collected first and
 * written names first, then by track and time, so that every track's
 * timestamps rise whatever order they were found in.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "grow.h"
#include "perfetto.h"
#include "subsys.h"

struct track {
	__u32 pid, tid;
	char comm[96];
	const struct ls_group *g;	/* NULL: a thread only the slowest calls name */
	__u64 end_ns;			/* where its last slice ends */
};

struct ev {
	__u32 pid, tid;
	int named;		/* metadata: before everything else */
	__u64 ts_ns;		/* from the start of the run */
	size_t seq;		/* order found, to keep the sort stable */
	struct json_object *obj;
};

struct events {
	struct ev *e;
	size_t n, cap;
	__u64 t0;		/* meta.start_unix_ns */
};

/* A fixed-point number: num / den with three decimals, exactly. */
static struct json_object *fixed3(__u64 num, __u64 den)
{
	char buf[48];
	unsigned __int128 m = den ? ((unsigned __int128)num * 1000 + den / 2) / den : 0;

	snprintf(buf, sizeof(buf), "%llu.%03llu", (unsigned long long)(m / 1000),
		 (unsigned long long)(m % 1000));
	return json_object_new_double_s((double)m / 1000.0, buf);
}

/* Microseconds, exactly: "12.345" for 12345 ns. */
static struct json_object *us(__u64 ns)
{
	return fixed3(ns, 1000);
}

static int add(struct json_object *obj, const char *key, struct json_object *val)
{
	if (!val)
		return -ENOMEM;
	if (json_object_object_add(obj, key, val)) {
		json_object_put(val);
		return -ENOMEM;
	}
	return 0;
}

static int add_str(struct json_object *obj, const char *key, const char *s)
{
	return add(obj, key, json_object_new_string(s));
}

static int add_u64(struct json_object *obj, const char *key, __u64 v)
{
	return add(obj, key, json_object_new_uint64(v));
}

/*
 * A new event of phase ph on track (pid, tid), at ts_ns (not for "M"), in
 * evs; NULL when out of memory.
 */
static struct json_object *event(struct events *evs, const char *name, const char *ph,
				 __u32 pid, __u32 tid, __u64 ts_ns)
{
	struct json_object *e;
	struct ev *slot;

	if (ls_grow(&evs->e, &evs->cap, evs->n, sizeof(*evs->e), 64))
		return NULL;
	e = json_object_new_object();
	if (!e || add_str(e, "name", name) || add_str(e, "ph", ph) || add_u64(e, "pid", pid) ||
	    add_u64(e, "tid", tid) || (strcmp(ph, "M") && add(e, "ts", us(ts_ns)))) {
		json_object_put(e);
		return NULL;
	}
	slot = &evs->e[evs->n];
	*slot = (struct ev){ .pid = pid, .tid = tid, .named = !strcmp(ph, "M"), .ts_ns = ts_ns,
			     .seq = evs->n, .obj = e };
	evs->n++;
	return e;
}

static int cmp_ev(const void *a, const void *b)
{
	const struct ev *x = a, *y = b;

	if (x->named != y->named)
		return x->named ? -1 : 1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	if (x->ts_ns != y->ts_ns)
		return x->ts_ns < y->ts_ns ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * The thread's id and name: its own fields (snapshot version 3), else
 * "1234 democtl".  A group without an id gets one above any real tid, so
 * it still has a track of its own.
 */
static void track_of(const struct ls_group *g, size_t i, struct track *t)
{
	char *end;
	unsigned long tid = strtoul(g->name, &end, 10);
	bool named = end != g->name && *end == ' ';

	t->g = g;
	t->pid = g->tgid;
	snprintf(t->comm, sizeof(t->comm), "%s", named ? end + 1 : g->name);
	if (g->tid)
		t->tid = g->tid;
	else if (named && tid && tid <= UINT32_MAX)
		t->tid = (__u32)tid;
	else
		t->tid = (__u32)(0x40000000U + i);
}

static int cmp_track(const void *a, const void *b)
{
	const struct track *x = a, *y = b;

	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

/* The thread's calls per subsystem, for the args of its slice. */
static int thread_args(struct json_object *e, const struct ls_group *g, __u64 *calls_out)
{
	struct json_object *args = json_object_new_object(), *by = json_object_new_object();
	__u64 calls = 0, errors = 0, ns = 0;
	struct ls_stats total;
	size_t i;
	int ret;

	if (!args || !by) {
		json_object_put(args);
		json_object_put(by);
		return -ENOMEM;
	}
	ret = add(args, "subsystems", by);
	for (i = 0; !ret && i < g->snap->n_subsys; i++) {
		struct json_object *o = json_object_new_object();

		ls_subsys_total(&g->snap->subsys[i], &total);
		calls += total.count;
		errors += total.errors;
		ns += total.total_ns;
		ret = add(by, g->snap->subsys[i].name, o);
		if (!ret)
			ret = add_u64(o, "calls", total.count);
		if (!ret)
			ret = add_u64(o, "total_ns", total.total_ns);
	}
	if (!ret)
		ret = add_u64(args, "calls", calls);
	if (!ret)
		ret = add_u64(args, "errors", errors);
	if (!ret)
		ret = add_u64(args, "syscall_ns", ns);
	/* version 3: where the thread's time went */
	if (!ret && g->has_time) {
		ret = add_u64(args, "user_cpu_ns", g->time.user_cpu_ns);
		if (!ret)
			ret = add_u64(args, "runq_ns", g->time.user_runq_ns + g->time.sys_runq_ns);
		if (!ret)
			ret = add_u64(args, "idle_ns", g->time.sys_ns[LS_ROLE_IDLE]);
	}
	if (ret || add(e, "args", args))
		return -ENOMEM;
	*calls_out = calls;
	return 0;
}

static int name_event(struct events *evs, const char *what, __u32 pid, __u32 tid,
		      const char *name)
{
	struct json_object *e = event(evs, what, "M", pid, tid, 0);
	struct json_object *args = json_object_new_object();

	if (!e || !args || add(e, "args", args))
		return -ENOMEM;
	return add_str(args, "name", name);
}

/*
 * A thread's track: its name, then one slice over the traced run whose
 * args hold its calls per subsystem (a snapshot keeps no per-call times).
 */
static int write_track(struct events *evs, const struct track *t, const struct ls_meta *m)
{
	struct json_object *e;
	__u64 calls = 0;
	char name[64];
	int ret;

	ret = name_event(evs, "thread_name", t->pid, t->tid, t->comm);
	if (ret || !t->g)
		return ret;
	e = event(evs, "traced", "X", t->pid, t->tid, 0);
	if (!e || add(e, "dur", us(t->end_ns > m->duration_ns ? t->end_ns : m->duration_ns)) ||
	    add_str(e, "cat", "latscope") || thread_args(e, t->g, &calls))
		return -ENOMEM;
	snprintf(name, sizeof(name), "traced: %llu syscalls", (unsigned long long)calls);
	/* replaces the name given above, now that the calls are counted */
	return add_str(e, "name", name);
}

static struct track *find_track(struct track *t, size_t n, __u32 tid)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t[i].tid == tid)
			return &t[i];
	return NULL;
}

/*
 * The tracks: the run's threads by tid, and the threads only slow calls
 * name (a thread of a child that exited, say).  A snapshot before version
 * 3 names threads, not processes: the lowest tid stands for the process.
 */
static int tracks_of(const struct ls_snapshot *snap, struct track **out, size_t *n)
{
	size_t cap = snap->n_threads + snap->n_slowest, i, k = snap->n_threads;
	struct track *t = calloc(cap ? cap : 1, sizeof(*t));
	const struct ls_slow_call *c;

	if (!t)
		return -ENOMEM;
	for (i = 0; i < snap->n_threads; i++)
		track_of(&snap->threads[i], i, &t[i]);
	for (i = 0; i < snap->n_slowest; i++) {
		c = &snap->slowest[i];
		if (find_track(t, k, c->tid))
			continue;
		t[k].tid = c->tid;
		snprintf(t[k].comm, sizeof(t[k].comm), "%s", c->thread);
		k++;
	}
	if (k)
		qsort(t, k, sizeof(*t), cmp_track);
	for (i = 0; i < k; i++)
		if (!t[i].pid)
			t[i].pid = t[0].pid ? t[0].pid : t[0].tid;
	*out = t;
	*n = k;
	return 0;
}

/* "recvfrom tcp:10.0.0.1:443": a slowest call on its thread's track. */
static int write_slow_call(struct events *evs, const struct ls_slow_call *c, struct track *t)
{
	__u64 ts = c->start_unix_ns > evs->t0 ? c->start_unix_ns - evs->t0 : 0;
	struct json_object *e, *args;
	char name[160];
	const char *errname;
	int ret;

	snprintf(name, sizeof(name), "%s %s", c->syscall, c->subsys);
	e = event(evs, name, "X", t->pid, t->tid, ts);
	args = json_object_new_object();
	if (!e || !args || add(e, "args", args) || add(e, "dur", us(c->duration_ns)) ||
	    add_str(e, "cat", "slowest"))
		return -ENOMEM;
	if (ts + c->duration_ns > t->end_ns)
		t->end_ns = ts + c->duration_ns;
	ret = add_str(args, "subsystem", c->subsys);
	if (!ret)
		ret = add_str(args, "syscall", c->syscall);
	if (!ret)
		ret = add_u64(args, "duration_ns", c->duration_ns);
	if (!ret)
		ret = add_u64(args, "runq_ns", c->runq_ns);
	if (!ret)
		ret = add_str(args, "role", ls_role_name(c->role));
	if (!ret && c->err) {
		errname = ls_errno_name(c->err);
		ret = errname ? add_str(args, "errno", errname) :
				add(args, "errno", json_object_new_int(c->err));
	}
	if (!ret && c->where[0])
		ret = add_str(args, "where", c->where);
	if (!ret && c->cycle > 0)
		ret = add(args, "cycle", json_object_new_int64(c->cycle));
	return ret;
}

/* A track of its own for the cycles, with a tid no thread can have (above pid_max). */
#define CYCLES_TID	0x7fff0000U

/*
 * Cycle boundaries (snapshot version 3 with cycle.starts_unix_ns): an
 * instant on the cycle thread's track where each cycle starts, and a
 * "cycles" track with one slice per cycle, up to the next start (the last
 * one: a period, or the end of the run).
 */
static int write_cycles(struct events *evs, const struct ls_snapshot *snap,
			const struct track *t, size_t n_tracks)
{
	const struct track *th = find_track((struct track *)t, n_tracks, snap->cycle.tid);
	__u32 pid = th ? th->pid : n_tracks ? t[0].pid : 1;
	__u64 start, end, run_end = evs->t0 + snap->meta.duration_ns;
	struct json_object *e;
	char name[160];
	size_t i;
	int ret;

	if (!snap->cycle.found || !snap->n_cycle_starts)
		return 0;
	snprintf(name, sizeof(name), "cycles of %s", snap->cycle.thread);
	ret = name_event(evs, "thread_name", pid, CYCLES_TID, name);
	for (i = 0; !ret && i < snap->n_cycle_starts; i++) {
		start = snap->cycle_starts[i];
		end = i + 1 < snap->n_cycle_starts ? snap->cycle_starts[i + 1] :
		      start + snap->cycle.period_ns < run_end ? start + snap->cycle.period_ns :
		      run_end > start ? run_end : start;
		if (start < evs->t0)
			continue;
		snprintf(name, sizeof(name), "cycle %zu", i + 1);
		e = event(evs, name, "X", pid, CYCLES_TID, start - evs->t0);
		if (!e || add(e, "dur", us(end - start)) || add_str(e, "cat", "cycle"))
			return -ENOMEM;
		if (!th)
			continue;
		e = event(evs, name, "i", th->pid, th->tid, start - evs->t0);
		if (!e || add_str(e, "s", "t") || add_str(e, "cat", "cycle"))
			return -ENOMEM;
	}
	return ret;
}

/*
 * One process_name per process: its name in the snapshot's processes
 * (version 3), else the name of its main thread, else of its first.
 */
static int process_names(struct events *evs, const struct ls_snapshot *snap,
			 const struct track *t, size_t n)
{
	const struct ls_process *proc;
	const struct track *main;
	size_t i, j;
	int ret = 0;

	for (i = 0; !ret && i < n; i++) {
		for (j = 0; j < i && t[j].pid != t[i].pid; j++)
			;
		if (j < i)
			continue;
		proc = ls_snapshot_find_process(snap, t[i].pid);
		main = find_track((struct track *)t, n, t[i].pid);
		ret = name_event(evs, "process_name", t[i].pid, t[i].pid,
				 proc && proc->comm[0] ? proc->comm : main ? main->comm : t[i].comm);
	}
	return ret;
}

/* A subsystem that any interval has. */
static bool seen_before(const struct ls_snapshot *snap, size_t i, size_t j)
{
	const char *name = snap->intervals[i].ss[j].name;
	size_t a, b;

	for (a = 0; a <= i; a++)
		for (b = 0; b < (a == i ? j : snap->intervals[a].n_ss); b++)
			if (!strcmp(snap->intervals[a].ss[b].name, name))
				return true;
	return false;
}

enum counter { CNT_CALLS, CNT_TIME, CNT_P99, CNT_N };

static const char *const counter_name[CNT_N] = {
	[CNT_CALLS] = "calls per second",
	[CNT_TIME] = "ms in syscalls per second",
	[CNT_P99] = "p99 us",
};

/* The figure of subsystem `name` in interval iv, 0 when it made no call. */
static struct json_object *figure(const struct ls_interval *iv, const char *name,
				  enum counter c)
{
	__u64 dur = iv->end_unix_ns > iv->start_unix_ns ? iv->end_unix_ns - iv->start_unix_ns : 1;
	size_t j;

	for (j = 0; j < iv->n_ss; j++) {
		if (strcmp(iv->ss[j].name, name))
			continue;
		switch (c) {
		case CNT_CALLS:
			return fixed3(iv->ss[j].count * 1000000000ULL, dur);
		case CNT_TIME:
			return fixed3(iv->ss[j].total_ns, dur / 1000);
		default:
			return us(iv->ss[j].p99_ns);
		}
	}
	return fixed3(0, 1);
}

/*
 * -i: a counter track per subsystem and figure, one sample at the start of
 * each interval and a last one, of 0, where the last interval ends.
 */
static int write_counters(struct events *evs, const struct ls_snapshot *snap, __u32 pid)
{
	struct json_object *e, *args;
	const struct ls_interval *iv;
	size_t i, a, b, n = snap->n_intervals;
	int c;

	for (i = 0; i <= n && n; i++) {
		iv = &snap->intervals[i < n ? i : n - 1];
		for (c = 0; c < CNT_N; c++) {
			__u64 at = i < n ? iv->start_unix_ns : iv->end_unix_ns;

			e = event(evs, counter_name[c], "C", pid, pid,
				  at > evs->t0 ? at - evs->t0 : 0);
			args = json_object_new_object();
			if (!e || !args || add(e, "args", args))
				return -ENOMEM;
			/* every subsystem of any interval, so each track drops to 0 */
			for (a = 0; a < n; a++) {
				for (b = 0; b < snap->intervals[a].n_ss; b++) {
					const char *name = snap->intervals[a].ss[b].name;

					if (seen_before(snap, a, b))
						continue;
					if (add(args, name, i < n ? figure(iv, name, (enum counter)c) :
							      fixed3(0, 1)))
						return -ENOMEM;
				}
			}
		}
	}
	return 0;
}

int ls_perfetto_write(FILE *f, const struct ls_snapshot *snap)
{
	struct json_object *root = json_object_new_object(), *events = json_object_new_array();
	struct json_object *other = json_object_new_object();
	struct events evs = { .t0 = snap->meta.start_unix_ns };
	struct track *t = NULL;
	const char *s;
	size_t n = 0, i;
	__u32 pid;
	int ret;

	if (!root || !events || !other) {
		json_object_put(events);
		json_object_put(other);
		ret = -ENOMEM;
		goto out;
	}
	ret = add(root, "traceEvents", events);
	if (!ret)
		ret = add(root, "displayTimeUnit", json_object_new_string("ms"));
	/* what the timeline is of; ts 0 is start_unix_ns */
	if (!ret)
		ret = add(root, "otherData", other);
	if (!ret)
		ret = add_str(other, "target", snap->meta.target);
	if (!ret)
		ret = add_str(other, "host", snap->meta.host);
	if (!ret)
		ret = add_u64(other, "start_unix_ns", snap->meta.start_unix_ns);
	if (!ret)
		ret = add_str(other, "latscope_version", snap->meta.latscope_version);
	if (!ret)
		ret = tracks_of(snap, &t, &n);
	if (ret)
		goto out;
	/* without threads the counters still need a process to live in */
	pid = n ? t[0].pid : 1;
	if (n)
		ret = process_names(&evs, snap, t, n);
	else if (snap->n_intervals)
		ret = name_event(&evs, "process_name", pid, pid, snap->meta.target);
	/* the slow calls first: they stretch their track's slice if need be */
	for (i = 0; !ret && i < snap->n_slowest; i++)
		ret = write_slow_call(&evs, &snap->slowest[i],
				      find_track(t, n, snap->slowest[i].tid));
	for (i = 0; !ret && i < n; i++)
		ret = write_track(&evs, &t[i], &snap->meta);
	if (!ret)
		ret = write_cycles(&evs, snap, t, n);
	if (!ret)
		ret = write_counters(&evs, snap, pid);
	if (ret)
		goto out;
	if (evs.n)
		qsort(evs.e, evs.n, sizeof(*evs.e), cmp_ev);
	for (i = 0; i < evs.n; i++) {
		if (json_object_array_add(events, evs.e[i].obj)) {
			ret = -ENOMEM;
			goto out;
		}
		evs.e[i].obj = NULL;
	}
	s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN |
					   JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!s)
		ret = -ENOMEM;
	else if (fprintf(f, "%s\n", s) < 0)
		ret = -EIO;
out:
	for (i = 0; i < evs.n; i++)
		json_object_put(evs.e[i].obj);
	free(evs.e);
	free(t);
	json_object_put(root);
	return ret;
}
