// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Cycles from synthetic idle waits (src/cycle.c), the budget of synthetic
 * snapshots (src/budget.c) and the hint table (src/hints.c).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <asm/unistd.h>
#include "budget.h"
#include "cycle.h"
#include "hints.h"
#include "test_util.h"

#define MS 1000000ULL

/* One thread's idle waits, as the kernel would report them. */
struct thread_sim {
	__u32 tid;
	__u64 now;		/* CLOCK_MONOTONIC of the thread */
	__u64 idle;		/* its idle total so far */
	__u64 sync;		/* its waits for other threads so far */
};

static void sim_idle(struct ls_cycles *c, struct thread_sim *t, __u32 nr, __u32 kind,
		     __u64 wait_ns, __u64 runq_ns)
{
	struct ls_ev_idle ev = {
		.h = { .type = LS_EV_IDLE, .tid = t->tid, .tgid = 1, .syscall_nr = nr },
		.kind = kind,
		.enter_ns = t->now,
		.exit_ns = t->now + wait_ns + runq_ns,
		.runq_ns = runq_ns,
		.idle_before_ns = t->idle,
		.sync_before_ns = t->sync,
	};

	assert_int_equal(ls_cycles_add(c, &ev), 0);
	t->now = ev.exit_ns;
	t->idle += wait_ns;
}

static struct ls_cycles *new_cycles(__u32 nr, __u64 fixed_ns, __u64 t0)
{
	struct ls_cycle_opts o = { .syscall_nr = nr, .fixed_ns = fixed_ns, .t0_ns = t0 };
	struct ls_cycles *c = ls_cycles_new(&o);

	assert_non_null(c);
	return c;
}

/* Every 100 ms: 10 ms of work, then the rest asleep. */
static void cycles__periodic_loop__period_and_busy(void **state)
{
	struct ls_cycles *c = new_cycles(LS_CYCLE_ANY_SYSCALL, 0, 0);
	struct thread_sim t = { .tid = 7, .now = 1000 * MS };
	struct ls_cycle_info ci;
	int i;

	for (i = 0; i < 21; i++) {
		t.now += 10 * MS;	/* work */
		sim_idle(c, &t, __NR_clock_nanosleep, LS_KIND_OTHER, 90 * MS, 0);
	}
	ls_cycles_result(c, t.now, "7 loop", &ci);
	assert_true(ci.found);
	assert_string_equal(ci.source, "auto");
	assert_string_equal(ci.syscall, "clock_nanosleep");
	assert_string_equal(ci.thread, "7 loop");
	assert_int_equal(ci.tid, 7);
	assert_int_equal(ci.busy.count, 20);
	assert_true(ci.period_ns > 98 * MS && ci.period_ns < 102 * MS);
	assert_true(ls_stats_percentile(&ci.busy, 50) > 9840000ULL &&
		    ls_stats_percentile(&ci.busy, 50) < 10160000ULL);
	assert_int_equal(ci.busy.total_ns, 20 * 10 * MS);
	ls_cycles_free(c);
}

/*
 * Run-queue delay at the end of the sleep is the next cycle's (the work
 * wanted to start); another idle wait inside the cycle is not busy.
 */
static void cycles__runq_and_inner_idle__busy_counts_runq_not_idle(void **state)
{
	struct ls_cycles *c = new_cycles(LS_CYCLE_ANY_SYSCALL, 0, 0);
	struct thread_sim t = { .tid = 3, .now = 0 };
	struct ls_cycle_info ci;
	int i;

	for (i = 0; i < 5; i++) {
		t.now += 4 * MS;
		/* a poll that times out inside the cycle: idle, 3 ms */
		sim_idle(c, &t, __NR_poll, LS_KIND_OTHER, 3 * MS, 0);
		t.now += 2 * MS;
		/* the loop's sleep, which then waits 1 ms for a CPU */
		sim_idle(c, &t, __NR_clock_nanosleep, LS_KIND_OTHER, 50 * MS, 1 * MS);
	}
	ls_cycles_result(c, t.now, NULL, &ci);
	assert_true(ci.found);
	assert_string_equal(ci.syscall, "clock_nanosleep");
	/* 1 ms runq + 4 ms + (poll: idle) + 2 ms */
	assert_int_equal(ci.busy.min_ns, 7 * MS);
	assert_int_equal(ci.busy.max_ns, 7 * MS);
	ls_cycles_free(c);
}

/*
 * A starved loop: its timer fires every 100 ms, but it then waits 0 or 40
 * ms for a CPU, in turn.  The period is the timer's, not the jitter of
 * when the loop got to run (exits 140 and 60 ms apart).
 */
static void cycles__runq_after_wakeups__period_from_wakeups(void **state)
{
	struct ls_cycles *c = new_cycles(LS_CYCLE_ANY_SYSCALL, 0, 0);
	struct thread_sim t = { .tid = 4, .now = 0 };
	struct ls_cycle_info ci;
	__u64 next = 100 * MS;
	int i;

	for (i = 0; i < 20; i++, next += 100 * MS) {
		t.now += 5 * MS;
		sim_idle(c, &t, __NR_clock_nanosleep, LS_KIND_OTHER, next - t.now,
			 i % 2 ? 40 * MS : 0);
	}
	ls_cycles_result(c, t.now, NULL, &ci);
	assert_true(ci.found);
	assert_int_equal(ci.busy.count, 19);
	/* the histogram's slot middle: within 1.6 % */
	assert_true(ci.period_ns > 98400000ULL && ci.period_ns < 101600000ULL);
	ls_cycles_free(c);
}

/*
 * democtl's shape: a loop thread, and a server thread that sleeps 10 ms per
 * request and otherwise waits on a semaphore for the loop.  The loop is the
 * cycle, though the server's wall time between its sleeps is longer.
 */
static void cycles__server_waiting_on_loop__loop_chosen(void **state)
{
	struct ls_cycles *c = new_cycles(LS_CYCLE_ANY_SYSCALL, 0, 0);
	struct thread_sim loop = { .tid = 10, .now = 0 }, srv = { .tid = 11, .now = 0 };
	struct ls_cycle_info ci;
	int i;

	for (i = 0; i < 10; i++) {
		loop.now += 12 * MS;
		sim_idle(c, &loop, __NR_clock_nanosleep, LS_KIND_OTHER, 188 * MS, 0);
		srv.now += 190 * MS;	/* on the semaphore */
		srv.sync += 190 * MS;
		srv.now += 100000;
		sim_idle(c, &srv, __NR_clock_nanosleep, LS_KIND_OTHER, 10 * MS, 0);
	}
	ls_cycles_result(c, loop.now, NULL, &ci);
	assert_true(ci.found);
	assert_int_equal(ci.tid, 10);
	assert_int_equal(ls_cycles_tid(c), 10);
	ls_cycles_free(c);
}

/* A server's waits for clients rank after any timer, whatever the work. */
static void cycles__accept_waits__ranked_after_timer(void **state)
{
	struct ls_cycles *c = new_cycles(LS_CYCLE_ANY_SYSCALL, 0, 0);
	struct thread_sim loop = { .tid = 20 }, srv = { .tid = 21 };
	struct ls_cycle_info ci;
	int i;

	for (i = 0; i < 6; i++) {
		loop.now += 1 * MS;
		sim_idle(c, &loop, __NR_nanosleep, LS_KIND_OTHER, 99 * MS, 0);
		srv.now += 50 * MS;
		sim_idle(c, &srv, __NR_accept4, LS_KIND_TCP_IN, 50 * MS, 0);
	}
	ls_cycles_result(c, loop.now, NULL, &ci);
	assert_int_equal(ci.tid, 20);
	assert_string_equal(ci.syscall, "nanosleep");
	ls_cycles_free(c);
}

/* --cycle SYSCALL: only that wait ends a cycle; others in the cycle are idle. */
static void cycles__syscall_option__only_that_wait(void **state)
{
	struct ls_cycles *c = new_cycles(__NR_epoll_wait, 0, 0);
	struct thread_sim t = { .tid = 5 };
	struct ls_cycle_info ci;
	int i;

	for (i = 0; i < 4; i++) {
		t.now += 5 * MS;
		sim_idle(c, &t, __NR_clock_nanosleep, LS_KIND_OTHER, 20 * MS, 0);
		t.now += 5 * MS;
		sim_idle(c, &t, __NR_epoll_wait, LS_KIND_FILE, 70 * MS, 0);
	}
	ls_cycles_result(c, t.now, NULL, &ci);
	assert_true(ci.found);
	assert_string_equal(ci.source, "syscall");
	assert_string_equal(ci.syscall, "epoll_wait");
	assert_int_equal(ci.busy.count, 3);
	/* 5 + 5 ms of work; the 20 ms sleep is idle though it ends no cycle */
	assert_int_equal(ci.busy.min_ns, 10 * MS);
	assert_int_equal(ci.period_ns / MS, 100);
	ls_cycles_free(c);
}

/* --cycle SECONDS: windows from the start, busy = window less idle in it. */
static void cycles__fixed_period__windows_from_start(void **state)
{
	__u64 t0 = 1000 * MS;
	struct ls_cycles *c = new_cycles(LS_CYCLE_ANY_SYSCALL, 100 * MS, t0);
	struct thread_sim t = { .tid = 9, .now = t0 };
	struct ls_cycle_info ci;
	int i;

	/* 30 ms of work, 70 ms asleep, the sleep straddling nothing */
	for (i = 0; i < 5; i++) {
		t.now += 30 * MS;
		sim_idle(c, &t, __NR_clock_nanosleep, LS_KIND_OTHER, 70 * MS, 0);
	}
	ls_cycles_result(c, t0 + 500 * MS, NULL, &ci);
	assert_true(ci.found);
	assert_string_equal(ci.source, "fixed");
	assert_int_equal(ci.period_ns, 100 * MS);
	assert_int_equal(ci.busy.count, 5);
	assert_int_equal(ci.busy.min_ns, 30 * MS);
	assert_int_equal(ci.busy.max_ns, 30 * MS);
	assert_int_equal(ls_cycles_number(c, t0 + 250 * MS), 3);
	ls_cycles_free(c);
}

/* Cycle numbers: the cycle whose start is the last one at or before t. */
static void cycles__number__by_cycle_start(void **state)
{
	struct ls_cycles *c = new_cycles(LS_CYCLE_ANY_SYSCALL, 0, 0);
	struct thread_sim t = { .tid = 1, .now = 0 };
	struct ls_cycle_info ci;
	int i;

	for (i = 0; i < 5; i++) {
		t.now += 10 * MS;
		sim_idle(c, &t, __NR_clock_nanosleep, LS_KIND_OTHER, 90 * MS, 0);
	}
	ls_cycles_result(c, t.now, NULL, &ci);
	/* cycle 1 starts when the first sleep ends, at 100 ms */
	assert_int_equal(ls_cycles_number(c, 50 * MS), -1);
	assert_int_equal(ls_cycles_number(c, 100 * MS), 1);
	assert_int_equal(ls_cycles_number(c, 150 * MS), 1);
	assert_int_equal(ls_cycles_number(c, 205 * MS), 2);
	assert_int_equal(ls_cycles_number(c, 480 * MS), 4);
	ls_cycles_free(c);
}

/* One wait is no cycle; a thread needs two cycles to be one. */
static void cycles__too_few_waits__not_found(void **state)
{
	struct ls_cycles *c = new_cycles(LS_CYCLE_ANY_SYSCALL, 0, 0);
	struct thread_sim t = { .tid = 1 };
	struct ls_cycle_info ci;

	sim_idle(c, &t, __NR_clock_nanosleep, LS_KIND_OTHER, 90 * MS, 0);
	t.now += 10 * MS;
	sim_idle(c, &t, __NR_clock_nanosleep, LS_KIND_OTHER, 90 * MS, 0);
	ls_cycles_result(c, t.now, NULL, &ci);
	assert_false(ci.found);
	assert_int_equal(ls_cycles_period_now(c), 0);
	ls_cycles_free(c);
}

/* ---- budget ----------------------------------------------------------- */

static struct ls_syscall_stats *add_role(struct ls_snapshot *snap, const char *ss_name,
					 const char *sc_name, __u32 nr, __u8 role)
{
	struct ls_subsys *ss = ls_snapshot_subsys(snap, ss_name);
	struct ls_syscall_stats *sc;

	assert_non_null(ss);
	sc = ls_subsys_syscall_role(ss, sc_name, nr, role);
	assert_non_null(sc);
	return sc;
}

/* A thread group named name, with tid and a time split. */
static struct ls_group *add_thread(struct ls_snapshot *snap, const char *name, __u32 tid,
				   __u64 user_cpu, __u64 user_runq)
{
	struct ls_group *g = ls_snapshot_group(&snap->threads, &snap->n_threads, name);

	assert_non_null(g);
	g->tid = tid;
	g->tgid = 100;
	g->has_time = 1;
	g->time.user_cpu_ns = user_cpu;
	g->time.user_runq_ns = user_runq;
	g->time.wall_ns = 1000 * MS;
	snap->has_time = 1;
	return g;
}

static void set_cycles(struct ls_snapshot *snap, __u32 tid, __u64 n, __u64 period)
{
	snap->cycle.found = 1;
	snap->cycle.tid = tid;
	snap->cycle.period_ns = period;
	snprintf(snap->cycle.source, sizeof(snap->cycle.source), "auto");
	add_samples(&snap->cycle.busy, 20 * MS, n);
}

static const struct ls_budget_item *item(const struct ls_budget *b, const char *name)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		if (!strcmp(b->items[i].name, name))
			return &b->items[i];
	fail_msg("no budget item %s", name);
	return NULL;
}

/*
 * Idle and sync waits are not in the shares; run-queue delay inside calls
 * leaves the subsystem and joins the run-queue component; per cycle is per
 * cycle covered by the cycle thread's span.
 */
static void budget__roles_and_runq__shares_of_work(void **state)
{
	struct ls_snapshot *snap = ls_snapshot_new();
	struct ls_group *g;
	struct ls_syscall_stats *sc;
	struct ls_budget b;

	assert_non_null(snap);
	g = add_thread(snap, "100 ctl", 100, 30 * MS, 5 * MS);
	sc = add_role(g->snap, "tcp:10.0.0.1:443", "recvfrom", __NR_recvfrom, LS_ROLE_WORK);
	add_samples(&sc->st, 6 * MS, 10);
	sc->st.runq_ns = 5 * MS;	/* 55 ms of its own */
	sc = add_role(g->snap, "other", "clock_nanosleep", __NR_clock_nanosleep, LS_ROLE_IDLE);
	add_samples(&sc->st, 90 * MS, 10);
	sc->st.runq_ns = 10 * MS;	/* waiting for a CPU after the sleep: busy */
	sc = add_role(g->snap, "other", "futex", __NR_futex, LS_ROLE_SYNC);
	add_samples(&sc->st, 1 * MS, 10);
	sc = add_role(g->snap, "tcp:10.0.0.1:443", "request", LS_SYSCALL_REQUEST, LS_ROLE_WORK);
	add_samples(&sc->st, 6 * MS, 10);	/* not time of its own */
	set_cycles(snap, 100, 10, 100 * MS);

	assert_int_equal(ls_budget_compute(snap, &b), 0);
	assert_int_equal(b.cycles, 10);
	assert_true(b.cycles_covered > 9.99 && b.cycles_covered < 10.01);
	assert_int_equal(b.n_work, 3);
	/* work: 55 ms tcp, 30 ms user, 5 + 10 + 5 = 20 ms runq */
	assert_int_equal(b.work_ns, 105 * MS);
	assert_string_equal(b.items[0].name, "tcp:10.0.0.1:443");
	assert_int_equal(b.items[0].ns, 55 * MS);
	assert_int_equal(b.items[0].calls, 10);
	assert_true(b.items[0].per_cycle_ns > 5.49e6 && b.items[0].per_cycle_ns < 5.51e6);
	assert_true(b.items[0].pct_of_busy > 52.3 && b.items[0].pct_of_busy < 52.4);
	assert_int_equal(item(&b, "user CPU")->ns, 30 * MS);
	assert_int_equal(item(&b, "run-queue delay")->ns, 20 * MS);
	assert_int_equal(item(&b, "run-queue delay")->kind, LS_BK_RUNQ);
	/* 10 sleeps of 90 ms less the 10 ms they waited for a CPU */
	assert_int_equal(item(&b, "idle (waits by design)")->ns, 890 * MS);
	assert_true(item(&b, "idle (waits by design)")->pct_of_busy < 0);
	assert_int_equal(item(&b, "waits for other threads")->ns, 10 * MS);
	ls_budget_free(&b);
	ls_snapshot_free(snap);
}

/* A reaped child's own threads are its parent's exec:<comm> already. */
static void budget__child_threads__counted_once_as_exec(void **state)
{
	struct ls_snapshot *snap = ls_snapshot_new();
	struct ls_group *parent, *child;
	struct ls_syscall_stats *sc;
	struct ls_budget b;

	assert_non_null(snap);
	parent = add_thread(snap, "100 ctl", 100, 0, 0);
	sc = add_role(parent->snap, "exec:tc", "spawn", LS_SYSCALL_SPAWN, LS_ROLE_WORK);
	add_samples(&sc->st, 3 * MS, 6);
	sc = add_role(parent->snap, "other", "wait4", __NR_wait4, LS_ROLE_CHILD);
	add_samples(&sc->st, 2 * MS, 6);
	child = add_thread(snap, "200 tc", 200, 1 * MS, 0);
	child->flags = LS_THREAD_EXITED | LS_THREAD_IN_EXEC;
	sc = add_role(child->snap, "tc", "recvmsg", __NR_recvmsg, LS_ROLE_WORK);
	add_samples(&sc->st, 1 * MS, 6);

	assert_int_equal(ls_budget_compute(snap, &b), 0);
	assert_int_equal(b.cycles, 0);
	assert_int_equal(b.n_work, 1);
	assert_string_equal(b.items[0].name, "exec:tc");
	assert_int_equal(b.items[0].kind, LS_BK_EXEC);
	assert_int_equal(b.items[0].calls, 6);
	/* no cycles: "per cycle" is the whole run */
	assert_true(b.items[0].per_cycle_ns == (double)(18 * MS));
	assert_int_equal(item(&b, "waits for children (in exec:*)")->ns, 12 * MS);
	ls_budget_free(&b);
	ls_snapshot_free(snap);
}

/* A version 2 snapshot: no threads' time, every call is work. */
static void budget__version_2__subsystems_only(void **state)
{
	struct ls_snapshot *snap = ls_snapshot_new();
	struct ls_budget b;

	assert_non_null(snap);
	add_samples(&add_sc(snap, "icmp", "poll", __NR_poll)->st, 1 * MS, 3);
	add_samples(&add_sc(snap, "other", "clock_nanosleep", __NR_clock_nanosleep)->st, 9 * MS, 1);
	assert_int_equal(ls_budget_compute(snap, &b), 0);
	assert_false(b.has_time);
	assert_int_equal(b.n, 2);
	assert_int_equal(b.n_work, 2);
	assert_string_equal(b.items[0].name, "other");
	ls_budget_free(&b);
	ls_snapshot_free(snap);
}

/* ---- hints ------------------------------------------------------------ */

/* The hint for the top item of a snapshot whose work is one component. */
static void expect_hint(struct ls_snapshot *snap, const char *rule, const char *in_evidence,
			const char *in_hint)
{
	struct ls_budget b;
	struct ls_hint h;

	assert_int_equal(ls_budget_compute(snap, &b), 0);
	assert_int_equal(ls_hint_for(snap, &b, 0, &h), 0);
	if (strcmp(h.rule, rule))
		fail_msg("rule %s, expected %s (evidence: %s)", h.rule, rule, h.evidence);
	if (!strstr(h.evidence, in_evidence))
		fail_msg("evidence \"%s\" lacks \"%s\"", h.evidence, in_evidence);
	if (!strstr(h.hint, in_hint))
		fail_msg("hint \"%s\" lacks \"%s\"", h.hint, in_hint);
	assert_int_equal(ls_hint_for(snap, &b, b.n_work, &h), -ENOENT);
	ls_budget_free(&b);
	ls_snapshot_free(snap);
}

static struct ls_snapshot *one_thread(__u64 user_cpu, __u64 user_runq, struct ls_group **g)
{
	struct ls_snapshot *snap = ls_snapshot_new();

	assert_non_null(snap);
	*g = add_thread(snap, "100 ctl", 100, user_cpu, user_runq);
	set_cycles(snap, 100, 10, 100 * MS);
	return snap;
}

static void hints__runq_top__cpu_starved(void **state)
{
	struct ls_group *g;
	struct ls_snapshot *snap = one_thread(1 * MS, 380 * MS, &g);

	add_samples(&add_role(g->snap, "icmp", "poll", __NR_poll, 0)->st, 1 * MS, 10);
	expect_hint(snap, "cpu-starved", "run-queue delay 38.0ms per cycle", "waits for a CPU");
}

static void hints__user_cpu_top__own_code(void **state)
{
	struct ls_group *g;
	struct ls_snapshot *snap = one_thread(3330 * MS, 0, &g);

	add_samples(&add_role(g->snap, "icmp", "poll", __NR_poll, 0)->st, 1 * MS, 10);
	expect_hint(snap, "user-cpu", "user CPU 333ms per cycle", "own code");
}

static void hints__tc_spawns__batch(void **state)
{
	struct ls_group *g;
	struct ls_snapshot *snap = one_thread(0, 0, &g);

	add_samples(&add_role(g->snap, "exec:tc", "spawn", LS_SYSCALL_SPAWN, 0)->st, 2500000, 60);
	expect_hint(snap, "spawn-batch", "6 tc spawns per cycle, 15.0ms", "tc -batch");
}

static void hints__other_spawns__keep_running(void **state)
{
	struct ls_group *g;
	struct ls_snapshot *snap = one_thread(0, 0, &g);

	add_samples(&add_role(g->snap, "exec:ping", "spawn", LS_SYSCALL_SPAWN, 0)->st, 5 * MS, 30);
	expect_hint(snap, "spawn", "3 ping spawns per cycle", "keep one ping running");
}

static void hints__fsync_top__names_file(void **state)
{
	struct ls_group *g;
	struct ls_snapshot *snap = one_thread(0, 0, &g);
	struct ls_slow_call slow = { .duration_ns = 9 * MS, .cycle = 3 };

	add_samples(&add_role(g->snap, "file", "fsync", __NR_fsync, 0)->st, 900000, 1000);
	add_samples(&add_role(g->snap, "file", "write", __NR_write, 0)->st, 10000, 1000);
	add_samples(&add_role(g->snap, "icmp", "poll", __NR_poll, 0)->st, 1 * MS, 10);
	snprintf(slow.subsys, sizeof(slow.subsys), "file");
	snprintf(slow.syscall, sizeof(slow.syscall), "fsync");
	snprintf(slow.where, sizeof(slow.where), "/var/log/x.log");
	assert_int_equal(ls_snapshot_add_slow(snap, &slow), 0);
	add_samples(&add_sc(snap, "file", "fsync", __NR_fsync)->st, 900000, 1000);
	add_samples(&add_sc(snap, "file", "write", __NR_write)->st, 10000, 1000);
	expect_hint(snap, "fsync", "100 fsync per cycle on /var/log/x.log", "sync once per cycle");
}

static void hints__dns_top__cache(void **state)
{
	struct ls_group *g;
	struct ls_snapshot *snap = one_thread(0, 0, &g);

	add_samples(&add_role(g->snap, "udp:10.0.0.53:53", "recvfrom", __NR_recvfrom, 0)->st,
		    80 * MS, 10);
	add_samples(&add_sc(snap, "udp:10.0.0.53:53", "recvfrom", __NR_recvfrom)->st, 80 * MS, 10);
	add_samples(&add_role(snap, "udp:10.0.0.53:53", "request", LS_SYSCALL_REQUEST, 0)->st,
		    80 * MS, 10);
	expect_hint(snap, "dns", "requests p50 80.0ms", "resolve once");
}

/* 1 in 10 requests stalls 300 ms: a tail, not a slow peer. */
static void hints__stalling_peer__tail(void **state)
{
	struct ls_group *g;
	struct ls_snapshot *snap = one_thread(0, 0, &g);
	struct ls_syscall_stats *req;

	add_samples(&add_role(g->snap, "tcp:192.168.88.1:443", "poll", __NR_poll, 0)->st,
		    5 * MS, 90);
	add_samples(&add_role(g->snap, "tcp:192.168.88.1:443", "poll", __NR_poll, 0)->st,
		    300 * MS, 10);
	req = add_role(snap, "tcp:192.168.88.1:443", "request", LS_SYSCALL_REQUEST, 0);
	add_samples(&req->st, 5 * MS, 90);
	add_samples(&req->st, 300 * MS, 10);
	expect_hint(snap, "stalling-peer", "max 300ms", "timeout");
}

static void hints__steady_peer__slow_peer(void **state)
{
	struct ls_group *g;
	struct ls_snapshot *snap = one_thread(0, 0, &g);

	add_samples(&add_role(g->snap, "tcp:127.0.0.1:8080", "recvfrom", __NR_recvfrom, 0)->st,
		    10 * MS, 10);
	add_samples(&add_role(snap, "tcp:127.0.0.1:8080", "request", LS_SYSCALL_REQUEST, 0)->st,
		    10 * MS, 10);
	expect_hint(snap, "slow-peer", "requests p50 10.0ms", "answer");
}

static void hints__connects__keep_alive(void **state)
{
	struct ls_group *g;
	struct ls_snapshot *snap = one_thread(0, 0, &g);

	add_samples(&add_role(g->snap, "tcp:10.0.0.1:22", "connect", __NR_connect, 0)->st,
		    40 * MS, 10);
	add_samples(&add_sc(snap, "tcp:10.0.0.1:22", "connect", __NR_connect)->st, 40 * MS, 10);
	expect_hint(snap, "connect", "connecting to 10.0.0.1:22", "keep the connection open");
}

static void hints__unknown_component__generic(void **state)
{
	struct ls_group *g;
	struct ls_snapshot *snap = one_thread(0, 0, &g);

	add_samples(&add_role(g->snap, "unix", "sendmsg", __NR_sendmsg, 0)->st, 3 * MS, 10);
	add_samples(&add_sc(snap, "unix", "sendmsg", __NR_sendmsg)->st, 3 * MS, 10);
	expect_hint(snap, "generic", "unix: 3.00ms per cycle", "--by syscall");
}

/* Every rule has an id, and the last one always matches. */
static void hints__rule_table__ids_unique_generic_last(void **state)
{
	size_t i, j;

	for (i = 0; ls_hint_rule_id(i); i++)
		for (j = 0; j < i; j++)
			assert_string_not_equal(ls_hint_rule_id(i), ls_hint_rule_id(j));
	assert_true(i > 10);
	assert_string_equal(ls_hint_rule_id(i - 1), "generic");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cycles__periodic_loop__period_and_busy),
		cmocka_unit_test(cycles__runq_and_inner_idle__busy_counts_runq_not_idle),
		cmocka_unit_test(cycles__runq_after_wakeups__period_from_wakeups),
		cmocka_unit_test(cycles__server_waiting_on_loop__loop_chosen),
		cmocka_unit_test(cycles__accept_waits__ranked_after_timer),
		cmocka_unit_test(cycles__syscall_option__only_that_wait),
		cmocka_unit_test(cycles__fixed_period__windows_from_start),
		cmocka_unit_test(cycles__number__by_cycle_start),
		cmocka_unit_test(cycles__too_few_waits__not_found),
		cmocka_unit_test(budget__roles_and_runq__shares_of_work),
		cmocka_unit_test(budget__child_threads__counted_once_as_exec),
		cmocka_unit_test(budget__version_2__subsystems_only),
		cmocka_unit_test(hints__runq_top__cpu_starved),
		cmocka_unit_test(hints__user_cpu_top__own_code),
		cmocka_unit_test(hints__tc_spawns__batch),
		cmocka_unit_test(hints__other_spawns__keep_running),
		cmocka_unit_test(hints__fsync_top__names_file),
		cmocka_unit_test(hints__dns_top__cache),
		cmocka_unit_test(hints__stalling_peer__tail),
		cmocka_unit_test(hints__steady_peer__slow_peer),
		cmocka_unit_test(hints__connects__keep_alive),
		cmocka_unit_test(hints__unknown_component__generic),
		cmocka_unit_test(hints__rule_table__ids_unique_generic_last),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
