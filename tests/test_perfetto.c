/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Unit tests for src/perfetto.c: every document is checked against the
 * trace-event format (the keys each phase needs, their types, metadata
 * before use, timestamps rising on every track, slices nested), then for
 * what it says about the run.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <json-c/json.h>

#include "perfetto.h"
#include "test_util.h"

#define MAX_TRACKS	64

struct track_state {
	__s64 pid, tid;
	double last_ts;		/* of the last event on it */
	double open_end[16];	/* ends of the slices still open, innermost last */
	size_t depth;
	bool named;		/* thread_name seen */
};

struct checked {
	size_t events, tracks, slices, counters;
	struct track_state t[MAX_TRACKS];
};

static struct json_object *member(struct json_object *o, const char *key, enum json_type type)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, type))
		fail_msg("event without a %s '%s': %s", json_type_to_name(type), key,
			 json_object_to_json_string(o));
	return v;
}

static double number(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !(json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)))
		fail_msg("event without a number '%s': %s", key, json_object_to_json_string(o));
	return json_object_get_double(v);
}

static struct track_state *track(struct checked *c, __s64 pid, __s64 tid)
{
	size_t i;

	for (i = 0; i < c->tracks; i++)
		if (c->t[i].pid == pid && c->t[i].tid == tid)
			return &c->t[i];
	assert_true(c->tracks < MAX_TRACKS);
	c->t[c->tracks] = (struct track_state){ .pid = pid, .tid = tid, .last_ts = -1 };
	return &c->t[c->tracks++];
}

/* The trace-event format (Chrome's "Trace Event Format" document), as strictly as it goes. */
static void check_trace(const char *doc, struct checked *c)
{
	struct json_object *root = json_tokener_parse(doc), *events, *e, *args;
	struct track_state *t;
	const char *ph;
	double ts, dur;
	size_t i, n;

	memset(c, 0, sizeof(*c));
	assert_non_null(root);
	events = member(root, "traceEvents", json_type_array);
	n = json_object_array_length(events);
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(events, i);
		assert_true(json_object_is_type(e, json_type_object));
		member(e, "name", json_type_string);
		ph = json_object_get_string(member(e, "ph", json_type_string));
		t = track(c, json_object_get_int64(member(e, "pid", json_type_int)),
			  json_object_get_int64(member(e, "tid", json_type_int)));
		c->events++;
		if (!strcmp(ph, "M")) {
			args = member(e, "args", json_type_object);
			member(args, "name", json_type_string);
			/* names come before anything is drawn on the track */
			assert_true(t->last_ts < 0);
			if (!strcmp(json_object_get_string(member(e, "name", json_type_string)),
				    "thread_name"))
				t->named = true;
			continue;
		}
		ts = number(e, "ts");
		assert_true(ts >= 0);
		if (ts < t->last_ts)
			fail_msg("ts %f after %f on track %lld/%lld", ts, t->last_ts,
				 (long long)t->pid, (long long)t->tid);
		t->last_ts = ts;
		if (!strcmp(ph, "X")) {
			dur = number(e, "dur");
			assert_true(dur >= 0);
			assert_true(t->named);
			/* a slice lies within every slice open around it */
			while (t->depth && t->open_end[t->depth - 1] <= ts)
				t->depth--;
			if (t->depth)
				assert_true(ts + dur <= t->open_end[t->depth - 1]);
			assert_true(t->depth < 16);
			t->open_end[t->depth++] = ts + dur;
			c->slices++;
		} else if (!strcmp(ph, "C")) {
			json_object_object_foreach(member(e, "args", json_type_object), k, v) {
				(void)k;
				assert_true(json_object_is_type(v, json_type_double) ||
					    json_object_is_type(v, json_type_int));
			}
			c->counters++;
		} else if (strcmp(ph, "i") && strcmp(ph, "I")) {
			fail_msg("unexpected phase '%s'", ph);
		}
	}
	json_object_put(root);
}

static void write_trace(FILE *f, const void *snap)
{
	assert_int_equal(ls_perfetto_write(f, snap), 0);
}

static char *perfetto(const struct ls_snapshot *snap)
{
	return capture_output(write_trace, snap);
}

static struct ls_snapshot *two_threads(void)
{
	struct ls_snapshot *snap = ls_snapshot_new();
	struct ls_group *g;

	assert_non_null(snap);
	snap->meta.duration_ns = 3000000000ULL;
	snap->meta.start_unix_ns = 1700000000000000000ULL;
	snprintf(snap->meta.target, sizeof(snap->meta.target), "cmd democtl");
	add_samples(&add_sc(snap, "tc", "sendto", 44)->st, 20000, 6);
	add_samples(&add_sc(snap, "icmp", "recvfrom", 45)->st, 4000, 6);
	add_samples(&add_sc(snap, "tcp-in:8080", "accept4", 288)->st, 9000, 6);
	/* the server thread first: tracks come out by tid whatever the order */
	g = ls_snapshot_group(&snap->threads, &snap->n_threads, "102 server \"x\"");
	assert_non_null(g);
	add_samples(&add_sc(g->snap, "tcp-in:8080", "accept4", 288)->st, 9000, 6);
	g = ls_snapshot_group(&snap->threads, &snap->n_threads, "101 democtl");
	assert_non_null(g);
	add_samples(&add_sc(g->snap, "tc", "sendto", 44)->st, 20000, 6);
	add_samples(&add_sc(g->snap, "icmp", "recvfrom", 45)->st, 4000, 6);
	return snap;
}

static void perfetto_write__two_threads__valid_one_track_each(void **state)
{
	struct ls_snapshot *snap = two_threads();
	struct checked c;
	char *doc = perfetto(snap);

	check_trace(doc, &c);
	assert_int_equal(c.tracks, 2);
	assert_int_equal(c.slices, 2);
	assert_int_equal(c.t[0].tid, 101);
	assert_int_equal(c.t[1].tid, 102);
	/* one process: the lowest tid stands for it */
	assert_int_equal(c.t[0].pid, 101);
	assert_int_equal(c.t[1].pid, 101);
	assert_non_null(strstr(doc, "\"name\":\"server \\\"x\\\"\""));
	assert_non_null(strstr(doc, "\"name\":\"traced: 12 syscalls\",\"ph\":\"X\",\"pid\":101,"
				    "\"tid\":101,\"ts\":0.000,\"dur\":3000000.000"));
	assert_non_null(strstr(doc, "\"tc\":{\"calls\":6,\"total_ns\":120000}"));
	assert_non_null(strstr(doc, "\"start_unix_ns\":1700000000000000000"));
	free(doc);
	ls_snapshot_free(snap);
}

/* A snapshot from before threads were recorded: a valid, empty timeline. */
static void perfetto_write__no_threads__valid_and_empty(void **state)
{
	struct ls_snapshot *snap = ls_snapshot_new();
	struct checked c;
	char *doc;

	add_samples(&add_sc(snap, "tc", "sendto", 44)->st, 20000, 6);
	doc = perfetto(snap);
	check_trace(doc, &c);
	assert_int_equal(c.events, 0);
	free(doc);
	ls_snapshot_free(snap);
}

/* -i: a counter per figure and subsystem, sampled at each interval, 0 at the end. */
static void perfetto_write__intervals__counters_per_subsystem(void **state)
{
	struct ls_snapshot *snap = two_threads(), *iv;
	struct checked c;
	char *doc;
	int k;

	for (k = 0; k < 2; k++) {
		iv = ls_snapshot_new();
		assert_non_null(iv);
		/* 1 s and then 0.5 s, from 1 s into the run */
		iv->meta.start_unix_ns = snap->meta.start_unix_ns + 1000000000ULL * (1 + k);
		iv->meta.end_unix_ns = iv->meta.start_unix_ns + (k ? 500000000ULL : 1000000000ULL);
		add_samples(&add_sc(iv, "tc", "sendto", 44)->st, 20000, 6);
		if (k)
			add_samples(&add_sc(iv, "icmp", "recvfrom", 45)->st, 4000, 3);
		assert_int_equal(ls_snapshot_add_interval(snap, iv, k), 0);
		ls_snapshot_free(iv);
	}
	doc = perfetto(snap);
	check_trace(doc, &c);
	/* three figures, at two interval starts and the end of the last */
	assert_int_equal(c.counters, 3 * 3);
	assert_non_null(strstr(doc, "{\"name\":\"calls per second\",\"ph\":\"C\",\"pid\":101,"
				    "\"tid\":101,\"ts\":1000000.000,\"args\":{\"tc\":6.000,"
				    "\"icmp\":0.000}}"));
	/* 6 calls in 0.5 s; 3 * 4 us in 0.5 s is 0.024 ms per s */
	assert_non_null(strstr(doc, "\"ts\":2000000.000,\"args\":{\"tc\":12.000,\"icmp\":6.000}"));
	assert_non_null(strstr(doc, "{\"name\":\"ms in syscalls per second\",\"ph\":\"C\","
				    "\"pid\":101,\"tid\":101,\"ts\":2000000.000,\"args\":"
				    "{\"tc\":0.240,\"icmp\":0.024}}"));
	assert_non_null(strstr(doc, "\"name\":\"p99 us\",\"ph\":\"C\",\"pid\":101,\"tid\":101,"
				    "\"ts\":2500000.000,\"args\":{\"tc\":0.000,\"icmp\":0.000}"));
	free(doc);
	ls_snapshot_free(snap);
}

static struct ls_slow_call slow(__u32 tid, const char *thread, __u64 start, __u64 dur, int err)
{
	struct ls_slow_call c = { .start_unix_ns = start, .duration_ns = dur, .tid = tid,
				  .err = err, .cycle = 2 };

	snprintf(c.thread, sizeof(c.thread), "%s", thread);
	snprintf(c.subsys, sizeof(c.subsys), "tcp:10.0.0.1:443");
	snprintf(c.syscall, sizeof(c.syscall), "recvfrom");
	return c;
}

/*
 * Version 3: threads with their process, the slowest calls as slices on
 * their threads (one a thread of its own), the cycles on a track of theirs
 * and as instants on the cycle thread.
 */
static void perfetto_write__slowest_and_cycles__slices_on_their_tracks(void **state)
{
	struct ls_snapshot *snap = two_threads();
	__u64 t0 = snap->meta.start_unix_ns, ms = 1000000;
	const __u64 starts[] = { t0 + 100 * ms, t0 + 600 * ms, t0 + 1100 * ms };
	struct ls_slow_call c;
	struct checked k;
	char *doc;
	size_t i;

	for (i = 0; i < snap->n_threads; i++) {
		snap->threads[i].tgid = 101;
		snap->threads[i].tid = snap->threads[i].name[2] == '1' ? 101 : 102;
	}
	snap->cycle.found = 1;
	snap->cycle.tid = 101;
	snap->cycle.period_ns = 500 * ms;
	snprintf(snap->cycle.thread, sizeof(snap->cycle.thread), "101 democtl");
	assert_int_equal(ls_snapshot_set_cycle_starts(snap, starts, 3), 0);
	c = slow(101, "democtl", t0 + 700 * ms, 80 * ms, 0);
	assert_int_equal(ls_snapshot_add_slow(snap, &c), 0);
	c = slow(101, "democtl", t0 + 150 * ms, 90 * ms, 11);
	assert_int_equal(ls_snapshot_add_slow(snap, &c), 0);
	/* a child's thread the snapshot has no slice of; ends after the run */
	c = slow(555, "tc", t0 + 2950 * ms, 100 * ms, 0);
	assert_int_equal(ls_snapshot_add_slow(snap, &c), 0);
	doc = perfetto(snap);
	check_trace(doc, &k);
	/* 101, 102, the child's 555 and the cycles' track, all of process 101 */
	assert_int_equal(k.tracks, 4);
	for (i = 0; i < k.tracks; i++)
		assert_int_equal(k.t[i].pid, 101);
	/* traced x2, slowest x3, cycles x3 */
	assert_int_equal(k.slices, 2 + 3 + 3);
	assert_non_null(strstr(doc, "{\"name\":\"recvfrom tcp:10.0.0.1:443\",\"ph\":\"X\",\"pid\":101,"
				    "\"tid\":101,\"ts\":150000.000,\"args\":{\"subsystem\":"
				    "\"tcp:10.0.0.1:443\",\"syscall\":\"recvfrom\",\"duration_ns\":"
				    "90000000,\"runq_ns\":0,\"role\":\"work\",\"errno\":\"EAGAIN\","
				    "\"cycle\":2},\"dur\":90000.000,\"cat\":\"slowest\"}"));
	assert_non_null(strstr(doc, "\"tid\":555,\"args\":{\"name\":\"tc\"}"));
	assert_non_null(strstr(doc, "\"args\":{\"name\":\"cycles of 101 democtl\"}"));
	assert_non_null(strstr(doc, "{\"name\":\"cycle 2\",\"ph\":\"X\",\"pid\":101,"
				    "\"tid\":2147418112,\"ts\":600000.000,\"dur\":500000.000"));
	/* the last cycle: a period, the run lasting longer */
	assert_non_null(strstr(doc, "\"name\":\"cycle 3\",\"ph\":\"X\",\"pid\":101,"
				    "\"tid\":2147418112,\"ts\":1100000.000,\"dur\":500000.000"));
	assert_non_null(strstr(doc, "{\"name\":\"cycle 1\",\"ph\":\"i\",\"pid\":101,\"tid\":101,"
				    "\"ts\":100000.000,\"s\":\"t\""));
	free(doc);
	ls_snapshot_free(snap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(perfetto_write__two_threads__valid_one_track_each),
		cmocka_unit_test(perfetto_write__no_threads__valid_and_empty),
		cmocka_unit_test(perfetto_write__intervals__counters_per_subsystem),
		cmocka_unit_test(perfetto_write__slowest_and_cycles__slices_on_their_tracks),
	};

	return cmocka_run_group_tests_name("perfetto", tests, NULL, NULL);
}
