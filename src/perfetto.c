// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The trace-event format is a JSON object whose "traceEvents" array holds
 * events with a phase ("ph"): "M" names a process or thread, "X" is a slice
 * (ts and dur), "C" a counter sample.  Each thread's events are written in
 * time order, metadata first, so that every track's timestamps rise.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "perfetto.h"

struct track {
	__u32 pid, tid;
	char comm[96];
	const struct ls_group *g;
};

/* Microseconds, exactly: "12.345" for 12345 ns. */
static struct json_object *us(__u64 ns)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%llu.%03llu", (unsigned long long)(ns / 1000),
		 (unsigned long long)(ns % 1000));
	return json_object_new_double_s((double)ns / 1000.0, buf);
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

/* A new event of phase ph on track t; NULL when out of memory. */
static struct json_object *event(struct json_object *events, const char *name, const char *ph,
				 const struct track *t)
{
	struct json_object *e = json_object_new_object();

	if (!e || add_str(e, "name", name) || add_str(e, "ph", ph) ||
	    add_u64(e, "pid", t->pid) || add_u64(e, "tid", t->tid) ||
	    json_object_array_add(events, e)) {
		json_object_put(e);
		return NULL;
	}
	return e;
}

/*
 * "1234 democtl": the thread's id and name.  A group without an id gets
 * one above any real tid, so it still has a track of its own.
 */
static void track_of(const struct ls_group *g, size_t i, struct track *t)
{
	char *end;
	unsigned long tid = strtoul(g->name, &end, 10);

	t->g = g;
	if (end != g->name && *end == ' ' && tid && tid <= UINT32_MAX) {
		t->tid = (__u32)tid;
		snprintf(t->comm, sizeof(t->comm), "%s", end + 1);
	} else {
		t->tid = (__u32)(0x40000000U + i);
		snprintf(t->comm, sizeof(t->comm), "%s", g->name);
	}
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

		memset(&total, 0, sizeof(total));
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
	if (ret || add(e, "args", args))
		return -ENOMEM;
	*calls_out = calls;
	return 0;
}

/*
 * A thread's track: its name, then one slice over the traced run whose
 * args hold its calls per subsystem (a snapshot keeps no per-call times;
 * the slowest calls come with snapshot version 3).
 */
static int write_track(struct json_object *events, const struct track *t,
		       const struct ls_meta *m)
{
	struct json_object *e, *args;
	__u64 calls = 0;
	char name[64];

	e = event(events, "thread_name", "M", t);
	args = json_object_new_object();
	if (!e || !args || add(e, "args", args) || add_str(args, "name", t->comm))
		return -ENOMEM;
	e = event(events, "traced", "X", t);
	if (!e || add(e, "ts", us(0)) || add(e, "dur", us(m->duration_ns)) ||
	    add_str(e, "cat", "latscope") || thread_args(e, t->g, &calls))
		return -ENOMEM;
	snprintf(name, sizeof(name), "traced: %llu syscalls", (unsigned long long)calls);
	return add_str(e, "name", name);
}

/* The tracks of the run's threads, by tid; one pseudo-thread without them. */
static int tracks_of(const struct ls_snapshot *snap, struct track **out, size_t *n)
{
	struct track *t = calloc(snap->n_threads ? snap->n_threads : 1, sizeof(*t));
	size_t i;

	if (!t)
		return -ENOMEM;
	for (i = 0; i < snap->n_threads; i++)
		track_of(&snap->threads[i], i, &t[i]);
	qsort(t, snap->n_threads, sizeof(*t), cmp_track);
	/*
	 * A snapshot names threads, not processes: the lowest tid stands for
	 * the process (a process's first thread has the lowest id).
	 */
	for (i = 0; i < snap->n_threads; i++)
		t[i].pid = t[0].tid;
	*out = t;
	*n = snap->n_threads;
	return 0;
}

static int process_name(struct json_object *events, const struct track *t, const char *name)
{
	struct json_object *e = event(events, "process_name", "M", t);
	struct json_object *args = json_object_new_object();

	if (!e || !args || add(e, "args", args))
		return -ENOMEM;
	return add_str(args, "name", name);
}

int ls_perfetto_write(FILE *f, const struct ls_snapshot *snap)
{
	struct json_object *root = json_object_new_object(), *events = json_object_new_array();
	struct json_object *other = json_object_new_object();
	struct track *t = NULL;
	const char *s;
	size_t n = 0, i;
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
	if (!ret && n)
		ret = process_name(events, &t[0], t[0].comm);
	for (i = 0; !ret && i < n; i++)
		ret = write_track(events, &t[i], &snap->meta);
	if (ret)
		goto out;
	s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN |
					   JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!s)
		ret = -ENOMEM;
	else if (fprintf(f, "%s\n", s) < 0)
		ret = -EIO;
out:
	free(t);
	json_object_put(root);
	return ret;
}
