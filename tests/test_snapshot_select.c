// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests for src/snapshot_select.c: a -p A,B run split per daemon.
 * The part of each process must be exactly its threads' calls, and the
 * parts must add up to the run.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "snapshot_load.h"
#include "snapshot_select.h"
#include "snapshot_write.h"
#include "test_util.h"

/* Thread "TID comm" of process pid gets n calls of ss/sc, each ns long. */
static void add_call(struct ls_snapshot *snap, const char *thread, __u32 pid, const char *ss,
		     const char *sc_name, __u32 nr, __u64 ns, __u64 n, int err)
{
	struct ls_syscall_stats *sc;
	struct ls_group *g;

	sc = add_sc(snap, ss, sc_name, nr);
	add_samples(&sc->st, ns, n);
	if (err)
		assert_int_equal(ls_syscall_add_errno(sc, err, 1), 0);
	g = ls_snapshot_group(&snap->threads, &snap->n_threads, thread);
	assert_non_null(g);
	g->tgid = pid;
	sc = add_sc(g->snap, ss, sc_name, nr);
	add_samples(&sc->st, ns, n);
	if (err)
		assert_int_equal(ls_syscall_add_errno(sc, err, 1), 0);
	snap->meta.events += n;
}

static struct ls_snapshot *build_two_daemons(void)
{
	struct ls_snapshot *snap = ls_snapshot_new();
	struct ls_process *p;
	struct ls_group *g;

	assert_non_null(snap);
	snprintf(snap->meta.target, sizeof(snap->meta.target), "pid 10 (a),20 (b)");
	snap->meta.dropped = 3;
	assert_int_equal(ls_snapshot_add_rule(snap, "router: tcp port 443"), 0);
	add_call(snap, "10 a", 10, "icmp", "sendto", 44, 1000, 5, 0);
	add_call(snap, "11 a-worker", 10, "icmp", "recvfrom", 45, 2000, 4, EAGAIN);
	add_call(snap, "11 a-worker", 10, "router", "sendto", 44, 9000, 2, 0);
	add_call(snap, "20 b", 20, "icmp", "sendto", 44, 3000, 7, EHOSTUNREACH);
	g = ls_snapshot_group(&snap->peers, &snap->n_peers, "10.0.0.1:443");
	assert_non_null(g);
	add_samples(&add_sc(g->snap, "router", "sendto", 44)->st, 9000, 2);
	p = ls_snapshot_process(snap, 10);
	assert_non_null(p);
	snprintf(p->comm, sizeof(p->comm), "a");
	assert_int_equal(ls_process_set_str(&p->cmdline, "/usr/bin/a --x"), 0);
	p = ls_snapshot_process(snap, 20);
	assert_non_null(p);
	snprintf(p->comm, sizeof(p->comm), "b");
	ls_snapshot_sort(snap);
	return snap;
}

static const struct ls_syscall_stats *find_sc(const struct ls_snapshot *s, const char *ss,
					      const char *sc)
{
	size_t i, j;

	for (i = 0; i < s->n_subsys; i++)
		for (j = 0; j < s->subsys[i].n_sc; j++)
			if (!strcmp(s->subsys[i].name, ss) && !strcmp(s->subsys[i].sc[j].name, sc))
				return &s->subsys[i].sc[j];
	return NULL;
}

static void select__one_of_two__its_threads_calls_only(void **state)
{
	struct ls_snapshot *snap = build_two_daemons(), *a;
	const struct ls_syscall_stats *sc;
	__u32 pid = 10;
	char err[256];

	(void)state;
	a = ls_snapshot_select(snap, &pid, 1, err, sizeof(err));
	if (!a)
		fail_msg("%s", err);
	assert_int_equal(a->meta.events, 11);
	assert_int_equal(a->meta.dropped, 3);
	assert_string_equal(a->meta.target, "pid 10 (a) of pid 10 (a),20 (b)");
	assert_int_equal(a->n_rules, 1);
	assert_int_equal(a->n_threads, 2);
	assert_int_equal(a->n_peers, 0);
	assert_int_equal(a->n_procs, 1);
	assert_string_equal(a->procs[0].cmdline, "/usr/bin/a --x");
	/* icmp sendto of process 20 is not in it */
	sc = find_sc(a, "icmp", "sendto");
	assert_non_null(sc);
	assert_int_equal(sc->st.count, 5);
	assert_int_equal(sc->n_errnos, 0);
	sc = find_sc(a, "icmp", "recvfrom");
	assert_non_null(sc);
	assert_int_equal(sc->st.count, 4);
	assert_int_equal(sc->n_errnos, 1);
	assert_int_equal(sc->errnos[0].err, EAGAIN);
	assert_non_null(find_sc(a, "router", "sendto"));
	ls_snapshot_free(a);
	ls_snapshot_free(snap);
}

/* Each process's part, added up, is the whole run. */
static void select__each_process__parts_add_up_to_the_run(void **state)
{
	struct ls_snapshot *snap = build_two_daemons(), *part;
	__u64 calls = 0, total = 0;
	char err[256];
	size_t i, j, k;

	(void)state;
	for (k = 0; k < snap->n_procs; k++) {
		part = ls_snapshot_select(snap, &snap->procs[k].pid, 1, err, sizeof(err));
		assert_non_null(part);
		calls += part->meta.events;
		for (i = 0; i < part->n_subsys; i++)
			for (j = 0; j < part->subsys[i].n_sc; j++)
				total += part->subsys[i].sc[j].st.total_ns;
		ls_snapshot_free(part);
	}
	assert_int_equal(calls, snap->meta.events);
	assert_int_equal(total, 5 * 1000 + 4 * 2000 + 2 * 9000 + 7 * 3000);
	ls_snapshot_free(snap);
}

/* An idle wait stays idle: rows of other roles are not merged into work. */
static void select__roles__kept_apart(void **state)
{
	struct ls_snapshot *snap = build_two_daemons(), *a;
	struct ls_syscall_stats *sc;
	struct ls_group *g;
	__u32 pid = 10;
	char err[256];
	size_t i, n_rows = 0;

	(void)state;
	g = ls_snapshot_group(&snap->threads, &snap->n_threads, "10 a");
	sc = ls_subsys_syscall_role(ls_snapshot_subsys(g->snap, "icmp"), "sendto", 44,
				    LS_ROLE_IDLE);
	assert_non_null(sc);
	add_samples(&sc->st, 500000, 2);
	a = ls_snapshot_select(snap, &pid, 1, err, sizeof(err));
	assert_non_null(a);
	for (i = 0; i < a->n_subsys; i++) {
		if (strcmp(a->subsys[i].name, "icmp"))
			continue;
		for (size_t j = 0; j < a->subsys[i].n_sc; j++) {
			const struct ls_syscall_stats *r = &a->subsys[i].sc[j];

			if (strcmp(r->name, "sendto"))
				continue;
			n_rows++;
			assert_int_equal(r->st.count, r->role == LS_ROLE_IDLE ? 2 : 5);
		}
	}
	assert_int_equal(n_rows, 2);
	ls_snapshot_free(a);
	ls_snapshot_free(snap);
}

static void select__unknown_pid__esrch_one_line(void **state)
{
	struct ls_snapshot *snap = build_two_daemons(), *none;
	__u32 pids[2] = { 10, 30 };
	char err[256];

	(void)state;
	none = ls_snapshot_select(snap, pids, 2, err, sizeof(err));
	assert_null(none);
	assert_int_equal(errno, ESRCH);
	assert_string_equal(err, "no process 30 in this run (report --by process lists them)");
	ls_snapshot_free(snap);
}

/* What is selected saves and loads like any snapshot. */
static void select__saved__loads_back(void **state)
{
	struct ls_snapshot *snap = build_two_daemons(), *b, *back;
	char dir[] = "/tmp/ls-test-XXXXXX", path[64], err[256];
	__u32 pid = 20;

	(void)state;
	b = ls_snapshot_select(snap, &pid, 1, err, sizeof(err));
	assert_non_null(b);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/b.json", dir);
	assert_int_equal(ls_snapshot_save(b, path), 0);
	back = ls_snapshot_load(path, err, sizeof(err));
	if (!back)
		fail_msg("%s", err);
	assert_int_equal(back->n_procs, 1);
	assert_int_equal(back->procs[0].pid, 20);
	assert_int_equal(back->n_threads, 1);
	assert_int_equal(back->threads[0].tgid, 20);
	assert_int_equal(back->meta.events, 7);
	unlink(path);
	rmdir(dir);
	ls_snapshot_free(back);
	ls_snapshot_free(b);
	ls_snapshot_free(snap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(select__one_of_two__its_threads_calls_only),
		cmocka_unit_test(select__each_process__parts_add_up_to_the_run),
		cmocka_unit_test(select__roles__kept_apart),
		cmocka_unit_test(select__unknown_pid__esrch_one_line),
		cmocka_unit_test(select__saved__loads_back),
	};

	return cmocka_run_group_tests_name("snapshot_select", tests, NULL, NULL);
}
