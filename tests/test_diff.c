/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * latscope diff: matching, verdicts, warnings, --fail-if gates, and the
 * rendering in every format against golden files in tests/fixtures/.
 * After an intended layout change, regenerate them with
 *	UPDATE_GOLDEN=1 build/tests/test_diff
 * and review the diff like code.  Run from the top of the tree.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "diff_gate.h"
#include "hist.h"
#include "report_diff.h"
#include "snapshot.h"
#include "test_util.h"

#define MS 1000000ULL
#define US 1000ULL

static __u64 lcg(__u64 *seed)
{
	*seed = *seed * 6364136223846793005ULL + 1442695040888963407ULL;
	return *seed >> 33;
}

/* n calls within +-5 % of center, deterministic. */
static void add_calls(struct ls_snapshot *snap, const char *ss, const char *sc, __u32 nr,
		      __u64 center, int n, __u64 *seed)
{
	struct ls_subsys *s = ls_snapshot_subsys(snap, ss);
	struct ls_syscall_stats *c;
	int i;

	assert_non_null(s);
	c = ls_subsys_syscall(s, sc, nr);
	assert_non_null(c);
	for (i = 0; i < n; i++)
		add_samples(&c->st, center - center / 20 + lcg(seed) % (center / 10 + 1), 1);
}

static void set_meta(struct ls_snapshot *snap, const char *target, __u64 duration_ns)
{
	snprintf(snap->meta.latscope_version, sizeof(snap->meta.latscope_version), "0.1.0");
	snprintf(snap->meta.kernel, sizeof(snap->meta.kernel), "6.18.0");
	snprintf(snap->meta.host, sizeof(snap->meta.host), "testbox");
	snap->meta.ncpus = 2;
	snprintf(snap->meta.target, sizeof(snap->meta.target), "%s", target);
	snap->meta.start_unix_ns = 1700000000000000000ULL;
	snap->meta.duration_ns = duration_ns;
	snap->meta.end_unix_ns = snap->meta.start_unix_ns + duration_ns;
}

static void count_events(struct ls_snapshot *snap)
{
	size_t i, j;

	for (i = 0; i < snap->n_subsys; i++)
		for (j = 0; j < snap->subsys[i].n_sc; j++)
			snap->meta.events += snap->subsys[i].sc[j].st.count;
}

/*
 * democtl's HTTP client with the server's delay at `delay` (5 ms, then
 * 20 ms): 20 cycles of connect, sendto, recvfrom (the wait) and close;
 * pings that do not change; a few file reads (too few to judge); and one
 * subsystem that only the before run has, one that only the after run has.
 */
static struct ls_snapshot *build_run(__u64 delay, bool after)
{
	struct ls_snapshot *snap = ls_snapshot_new();
	char target[64];
	__u64 seed = after ? 2 : 1;
	const char *tcp = "tcp:127.0.0.1:18080";

	assert_non_null(snap);
	snprintf(target, sizeof(target), "cmd democtl -n 20 -d %llu",
		 (unsigned long long)(delay / MS));
	set_meta(snap, target, after ? 900 * MS : 600 * MS);
	add_calls(snap, tcp, "connect", 42, 60 * US, 20, &seed);
	add_calls(snap, tcp, "sendto", 44, 18 * US, 20, &seed);
	add_calls(snap, tcp, "recvfrom", 45, delay, 20, &seed);
	add_calls(snap, tcp, "close", 3, 36 * US, 20, &seed);
	add_calls(snap, "icmp", "sendto", 44, 3 * US, 20, &seed);
	add_calls(snap, "icmp", "poll", 7, 50 * US, 20, &seed);
	add_calls(snap, "icmp", "recvfrom", 45, 4 * US, 20, &seed);
	add_calls(snap, "file", "read", 0, 2 * US, 5, &seed);
	add_calls(snap, after ? "udp:10.0.0.1:53" : "unix", after ? "sendto" : "recvmsg",
		  after ? 44 : 47, 20 * US, 10, &seed);
	ls_snapshot_sort(snap);
	count_events(snap);
	return snap;
}

static const struct ls_diff_row *find_row(const struct ls_diff *d, const char *k0, const char *k1)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (!strcmp(d->rows[i].key[0], k0) &&
		    (!k1 || (d->rows[i].key[1] && !strcmp(d->rows[i].key[1], k1))))
			return &d->rows[i];
	fail_msg("no row %s %s", k0, k1 ? k1 : "");
	return NULL;
}

static void build_diff(struct ls_diff *d, const struct ls_snapshot *b, const struct ls_snapshot *a,
		       enum ls_by by)
{
	char err[256];

	if (ls_diff_build(d, b, a, by, LS_DIFF_ALPHA, err, sizeof(err)))
		fail_msg("ls_diff_build: %s", err);
}

static __u64 value(const struct ls_diff_row *r, const char *metric, bool after)
{
	struct ls_col c;
	__u64 v = 0;

	assert_int_equal(ls_col_metric(metric, strlen(metric), &c), 0);
	assert_true(ls_diff_value(r, &c, after, &v));
	return v;
}

/* ---- verdicts ------------------------------------------------------------ */

static void diff_build__identical_runs__no_significant_change(void **state)
{
	struct ls_snapshot *s = build_run(5 * MS, false);
	struct ls_diff d;
	size_t i;

	build_diff(&d, s, s, LS_BY_SUBSYSTEM);
	assert_int_equal(d.n, 4);
	for (i = 0; i < d.n; i++) {
		if (!strcmp(d.rows[i].key[0], "file")) {
			assert_int_equal(d.rows[i].verdict, LS_VERDICT_INSUFFICIENT);
			continue;
		}
		assert_int_equal(d.rows[i].verdict, LS_VERDICT_SAME);
		assert_true(d.rows[i].mw.p == 1.0);
	}
	ls_diff_free(&d);
	ls_snapshot_free(s);
}

static void diff_build__shifted_syscall__slower_with_magnitude(void **state)
{
	struct ls_snapshot *b = build_run(5 * MS, false), *a = build_run(20 * MS, true);
	const struct ls_diff_row *r;
	struct ls_diff d;
	__s64 change;

	/* A quarter of the subsystem's calls changed: the strata find it. */
	build_diff(&d, b, a, LS_BY_SUBSYSTEM);
	r = find_row(&d, "tcp:127.0.0.1:18080", NULL);
	assert_int_equal(r->verdict, LS_VERDICT_SLOWER);
	assert_true(r->mw.p < 0.01);
	assert_true(r->mw.delta > 0.2 && r->mw.delta < 0.3);
	assert_int_equal(value(r, "count", false), 80);
	assert_int_equal(value(r, "count", true), 80);
	/* The median is a cheap call; the 90th percentile is the wait. */
	change = (__s64)value(r, "p90", true) - (__s64)value(r, "p90", false);
	assert_true(change > 14 * (__s64)MS && change < 16 * (__s64)MS);
	/* And which syscall it was, on its own. */
	assert_int_equal(r->n_slower, 1);
	assert_string_equal(r->slower[0], "recvfrom");
	assert_int_equal(r->n_faster, 0);
	r = find_row(&d, "icmp", NULL);
	assert_int_equal(r->verdict, LS_VERDICT_SAME);
	assert_int_equal(r->n_slower + r->n_faster, 0);
	ls_diff_free(&d);

	build_diff(&d, b, a, LS_BY_SYSCALL);
	r = find_row(&d, "tcp:127.0.0.1:18080", "recvfrom");
	assert_int_equal(r->verdict, LS_VERDICT_SLOWER);
	assert_true(r->mw.delta == 1.0);
	/* A row of one syscall has nothing to add. */
	assert_int_equal(r->n_slower + r->n_faster, 0);
	change = (__s64)value(r, "p50", true) - (__s64)value(r, "p50", false);
	assert_true(change > 14 * (__s64)MS && change < 16 * (__s64)MS);
	assert_int_equal(find_row(&d, "tcp:127.0.0.1:18080", "connect")->verdict,
			 LS_VERDICT_SAME);
	ls_diff_free(&d);

	/* And the other way round. */
	build_diff(&d, a, b, LS_BY_SYSCALL);
	assert_int_equal(find_row(&d, "tcp:127.0.0.1:18080", "recvfrom")->verdict,
			 LS_VERDICT_FASTER);
	ls_diff_free(&d);
	ls_snapshot_free(a);
	ls_snapshot_free(b);
}

static void diff_build__tiny_samples__insufficient(void **state)
{
	struct ls_snapshot *b = build_run(5 * MS, false), *a = build_run(20 * MS, true);
	struct ls_snapshot *tb = ls_snapshot_new(), *ta = ls_snapshot_new();
	const struct ls_diff_row *r;
	struct ls_diff d;
	__u64 seed = 9;

	build_diff(&d, b, a, LS_BY_SUBSYSTEM);
	r = find_row(&d, "file", NULL);
	assert_int_equal(r->verdict, LS_VERDICT_INSUFFICIENT);
	assert_int_equal(r->mw.n_before, 5);
	ls_diff_free(&d);

	/* Even a huge shift: 7 calls against 7 is not enough to judge. */
	assert_non_null(tb);
	assert_non_null(ta);
	add_calls(tb, "x", "read", 0, 1 * US, 7, &seed);
	add_calls(ta, "x", "read", 0, 1 * MS, 7, &seed);
	build_diff(&d, tb, ta, LS_BY_SUBSYSTEM);
	assert_int_equal(d.rows[0].verdict, LS_VERDICT_INSUFFICIENT);
	ls_diff_free(&d);
	/* One more call each: now it is. */
	add_calls(tb, "x", "read", 0, 1 * US, 1, &seed);
	add_calls(ta, "x", "read", 0, 1 * MS, 1, &seed);
	build_diff(&d, tb, ta, LS_BY_SUBSYSTEM);
	assert_int_equal(d.rows[0].verdict, LS_VERDICT_SLOWER);
	ls_diff_free(&d);
	ls_snapshot_free(tb);
	ls_snapshot_free(ta);
	ls_snapshot_free(a);
	ls_snapshot_free(b);
}

static void diff_build__appear_and_vanish__new_and_gone(void **state)
{
	struct ls_snapshot *b = build_run(5 * MS, false), *a = build_run(20 * MS, true);
	const struct ls_diff_row *r;
	struct ls_col p50;
	struct ls_diff d;
	__u64 v;

	build_diff(&d, b, a, LS_BY_SUBSYSTEM);
	r = find_row(&d, "unix", NULL);
	assert_int_equal(r->verdict, LS_VERDICT_GONE);
	assert_null(r->after);
	assert_int_equal(value(r, "count", true), 0);
	assert_int_equal(value(r, "total", true), 0);
	assert_int_equal(ls_col_metric("p50", 3, &p50), 0);
	assert_false(ls_diff_value(r, &p50, true, &v));
	r = find_row(&d, "udp:10.0.0.1:53", NULL);
	assert_int_equal(r->verdict, LS_VERDICT_NEW);
	assert_null(r->before);
	assert_int_equal(value(r, "count", true), 10);
	/* Heaviest first, whichever run it was heavy in. */
	assert_string_equal(d.rows[0].key[0], "tcp:127.0.0.1:18080");
	ls_diff_free(&d);
	ls_snapshot_free(a);
	ls_snapshot_free(b);
}

/*
 * read: 8 calls at 10..17 ns before, 13..20 ns after (one slot each, so
 * the p-value is exact: 0.0398, computed independently); write unchanged.
 * On its own, read is slower at 0.05; within its subsystem two syscalls
 * are compared, so it must beat 0.025 to be named, and does not.
 */
static void diff_build__syscall_notes__bonferroni_within_row(void **state)
{
	struct ls_snapshot *b = ls_snapshot_new(), *a = ls_snapshot_new();
	struct ls_syscall_stats *sc;
	const struct ls_diff_row *r;
	struct ls_diff d;
	__u64 v;

	assert_non_null(b);
	assert_non_null(a);
	for (v = 10; v < 18; v++) {
		sc = ls_subsys_syscall(ls_snapshot_subsys(b, "x"), "read", 0);
		add_samples(&sc->st, v, 1);
		sc = ls_subsys_syscall(ls_snapshot_subsys(a, "x"), "read", 0);
		add_samples(&sc->st, v + 3, 1);
		sc = ls_subsys_syscall(ls_snapshot_subsys(b, "x"), "write", 1);
		add_samples(&sc->st, 100 + v, 1);
		sc = ls_subsys_syscall(ls_snapshot_subsys(a, "x"), "write", 1);
		add_samples(&sc->st, 100 + v, 1);
	}
	build_diff(&d, b, a, LS_BY_SYSCALL);
	r = find_row(&d, "x", "read");
	assert_int_equal(r->verdict, LS_VERDICT_SLOWER);
	assert_true(fabs(r->mw.p - 0.03983261924474148) < 1e-12);
	ls_diff_free(&d);
	build_diff(&d, b, a, LS_BY_SUBSYSTEM);
	assert_int_equal(d.rows[0].n_slower + d.rows[0].n_faster, 0);
	ls_diff_free(&d);
	/* At alpha 0.1 the bar is 0.05: now it is named. */
	assert_int_equal(ls_diff_build(&d, b, a, LS_BY_SUBSYSTEM, 0.1, NULL, 0), 0);
	assert_int_equal(d.rows[0].n_slower, 1);
	assert_string_equal(d.rows[0].slower[0], "read");
	ls_diff_free(&d);
	ls_snapshot_free(a);
	ls_snapshot_free(b);
}

static void diff_build__by_thread__no_data_one_line(void **state)
{
	struct ls_snapshot *s = build_run(5 * MS, false);
	struct ls_diff d;
	char err[256];

	assert_int_equal(ls_diff_build(&d, s, s, LS_BY_THREAD, 0.05, err, sizeof(err)), -ENODATA);
	assert_non_null(strstr(err, "no per-thread data"));
	assert_null(strchr(err, '\n'));
	assert_int_equal(ls_diff_build(&d, s, s, LS_BY_PEER, 0.05, err, sizeof(err)), -ENODATA);
	assert_int_equal(ls_diff_build(&d, s, s, LS_BY_SUBSYSTEM, 0, err, sizeof(err)), -EINVAL);
	assert_int_equal(ls_diff_build(&d, s, s, LS_BY_SUBSYSTEM, 1, err, sizeof(err)), -EINVAL);
	ls_snapshot_free(s);
}

/* ---- warnings ------------------------------------------------------------- */

static void diff_warnings__runs_differ__one_line_each(void **state)
{
	struct ls_snapshot *b = build_run(5 * MS, false), *a = build_run(5 * MS, false);
	char w[LS_DIFF_MAX_WARN][LS_DIFF_WARN_LEN];

	assert_int_equal(ls_diff_warnings(b, a, w, LS_DIFF_MAX_WARN), 0);
	/* Exactly twice as long is still comparable; a nanosecond more is not. */
	a->meta.duration_ns = 2 * b->meta.duration_ns;
	assert_int_equal(ls_diff_warnings(b, a, w, LS_DIFF_MAX_WARN), 0);
	a->meta.duration_ns++;
	assert_int_equal(ls_diff_warnings(b, a, w, LS_DIFF_MAX_WARN), 1);
	assert_string_equal(w[0], "the durations differ by more than 2x (600ms before, 1.20s "
				  "after): compare calls and totals with care");
	snprintf(a->meta.kernel, sizeof(a->meta.kernel), "6.1.0-18-amd64");
	snprintf(a->meta.host, sizeof(a->meta.host), "otherbox");
	a->meta.ncpus = 8;
	assert_int_equal(ls_snapshot_add_rule(a, "api: tcp port 443"), 0);
	assert_int_equal(ls_diff_warnings(b, a, w, LS_DIFF_MAX_WARN), 5);
	assert_string_equal(w[0], "the runs are from different kernels (6.18.0 before, "
				  "6.1.0-18-amd64 after)");
	assert_string_equal(w[1], "the runs are from different hosts (testbox before, otherbox "
				  "after)");
	assert_string_equal(w[2], "the runs had different CPU counts (2 before, 8 after)");
	assert_string_equal(w[3], "the runs used different rules (0 before, 1 after): the same "
				  "subsystem name may mean different calls");
	/* The same number of rules with other text is different rules too. */
	assert_int_equal(ls_snapshot_add_rule(b, "api: tcp port 80"), 0);
	assert_int_equal(ls_diff_warnings(b, a, w, 2), 2);
	assert_int_equal(ls_diff_warnings(b, a, w, LS_DIFF_MAX_WARN), 5);
	/* A duration of 0 (unknown) is not compared. */
	b->meta.duration_ns = 0;
	assert_int_equal(ls_diff_warnings(b, a, w, LS_DIFF_MAX_WARN), 4);
	ls_snapshot_free(a);
	ls_snapshot_free(b);
}

/* ---- --fail-if parsing ------------------------------------------------------ */

static void gate_parse__good_expressions__fields(void **state)
{
	static const struct {
		const char *expr, *subsys, *metric;
		char op;
		bool rel;
		double threshold;
	} cases[] = {
		{ "p99>+10%", "", "p99_ns", '>', true, 10 },
		{ "p99>10%", "", "p99_ns", '>', true, 10 },
		{ "tc.p50>+2ms", "tc", "p50_ns", '>', false, 2e6 },
		{ "tcp:127.0.0.1:18481.p50>+2ms", "tcp:127.0.0.1:18481", "p50_ns", '>', false,
		  2e6 },
		{ "tcp:10.0.0.1:443.p99.9>500us", "tcp:10.0.0.1:443", "p99_9_ns", '>', false, 5e5 },
		{ "p99.9<-5%", "", "p99_9_ns", '<', true, -5 },
		{ "p95<5%", "", "p95_ns", '<', true, -5 },
		{ "max>1s", "", "max_ns", '>', false, 1e9 },
		{ "avg>300ns", "", "avg_ns", '>', false, 300 },
		{ "total>+1.5ms", "", "total_ns", '>', false, 1.5e6 },
		{ "count>100", "", "count", '>', false, 100 },
		{ "icmp.count<-20%", "icmp", "count", '<', true, -20 },
		{ "  p90 > +0.5%  ", "", "p90_ns", '>', true, 0.5 },
		{ "p50>0%", "", "p50_ns", '>', true, 0 },
		{ "exec:tc.p99>+2ms", "exec:tc", "p99_ns", '>', false, 2e6 },
	};
	struct ls_gate g;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (ls_gate_parse(&g, cases[i].expr, err, sizeof(err)))
			fail_msg("'%s': %s", cases[i].expr, err);
		assert_string_equal(g.expr, cases[i].expr);
		assert_string_equal(g.subsys, cases[i].subsys);
		assert_string_equal(g.metric.key, cases[i].metric);
		assert_int_equal(g.op, cases[i].op);
		assert_int_equal(g.relative, cases[i].rel);
		if (fabs(g.threshold - cases[i].threshold) > 1e-9 * (1 + fabs(cases[i].threshold)))
			fail_msg("'%s': threshold %g, want %g", cases[i].expr, g.threshold,
				 cases[i].threshold);
	}
}

static void gate_parse__malformed__names_the_column(void **state)
{
	static const struct {
		const char *expr, *want;
	} cases[] = {
		{ "p98>+10%", "column 1: unknown metric 'p98' (expected p50, p90, p95, p99, p99.9, "
			      "max, avg, total or count)" },
		{ "tc.p98>+1ms", "column 4: unknown metric 'p98'" },
		{ "tcp:1.2.3.4:80.p99.8>+1ms", "column 16: unknown metric 'p99.8'" },
		{ "tcp:1.2.3.4:80>+1ms", "column 11: unknown metric '4:80'" },
		{ ".p50>+1ms", "column 1: missing the subsystem name before '.'" },
		{ ">+1ms", "column 1: missing the metric" },
		{ "p50", "column 4: expected '>' or '<' and a threshold" },
		{ "", "column 1: expected '>' or '<'" },
		{ "p50>=+1ms", "column 4: '>=' is not an operator here: use '>'" },
		{ "p50>", "column 5: expected a number" },
		{ "p50>+", "column 6: expected a number" },
		{ "p50>+.5ms", "column 6: expected a number" },
		{ "p50>+5.ms", "column 6: expected a number" },
		{ "p50>ms", "column 5: expected a number" },
		{ "p50>+2", "column 7: p50 needs a unit: %, ns, us, ms or s" },
		{ "p50>+2sec", "column 7: unknown unit 'sec' (expected %, ns, us, ms or s)" },
		{ "count>+2ms", "column 9: count takes a plain number or a percentage, not 'ms'" },
		{ "p50>-2ms",
		  "column 5: '>' catches increases: give a positive threshold, or use '<'" },
		{ "p50<+2ms",
		  "column 5: '<' catches decreases: give a negative threshold, or use '>'" },
		{ "p50>+2ms junk", "column 10: unexpected 'junk' after the threshold" },
		{ "p50>+2ms>1", "column 7: unknown unit 'ms>1'" },
		{ "p50 > + 2ms", "column 8: expected a number" },
	};
	struct ls_gate g;
	char err[256], big[200];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(err, 'x', sizeof(err));
		assert_int_equal(ls_gate_parse(&g, cases[i].expr, err, sizeof(err)), -EINVAL);
		if (!strstr(err, cases[i].want) || strncmp(err, cases[i].want, strlen("column ")))
			fail_msg("'%s': got '%s', want '%s'", cases[i].expr, err, cases[i].want);
	}
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(ls_gate_parse(&g, big, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "column 128: too long (at most 127 characters)");
	/* No room for the message is fine too. */
	assert_int_equal(ls_gate_parse(&g, "p98>1%", NULL, 0), -EINVAL);
	assert_int_equal(ls_gate_parse(NULL, "p50>1%", err, sizeof(err)), -EINVAL);
}

/* ---- --fail-if checking ------------------------------------------------------ */

static int trips(const struct ls_diff *d, const char *expr, char *msg, size_t len)
{
	struct ls_gate g;
	char err[256];
	size_t i;
	int n = 0;

	if (ls_gate_parse(&g, expr, err, sizeof(err)))
		fail_msg("'%s': %s", expr, err);
	for (i = 0; i < d->n; i++)
		n += ls_gate_check(&g, &d->rows[i], n ? NULL : msg, len);
	return n;
}

static void gate_check__threshold_and_verdict__both_needed(void **state)
{
	struct ls_snapshot *b = build_run(5 * MS, false), *a = build_run(20 * MS, true);
	struct ls_diff d;
	char msg[512] = "";

	build_diff(&d, b, a, LS_BY_SYSCALL);
	/* recvfrom's p50 grew by about 15 ms, significantly. */
	assert_int_equal(trips(&d, "tcp:127.0.0.1:18080.p50>+2ms", msg, sizeof(msg)), 1);
	assert_string_equal(msg, "tcp:127.0.0.1:18080 recvfrom: p50 5.05ms -> 19.7ms (+14.6ms, "
				 "+289.6%), slower, p<0.001");
	assert_int_equal(trips(&d, "p50>+200%", msg, sizeof(msg)), 1);
	/* Not crossed. */
	assert_int_equal(trips(&d, "tcp:127.0.0.1:18080.p50>+20ms", msg, sizeof(msg)), 0);
	assert_int_equal(trips(&d, "p50>+400%", msg, sizeof(msg)), 0);
	/* Crossed by noise only: connect moved a little, not significantly. */
	assert_int_equal(trips(&d, "tcp:127.0.0.1:18080.max>+0ns", msg, sizeof(msg)), 1);
	/* The wrong direction. */
	assert_int_equal(trips(&d, "p50<-1%", msg, sizeof(msg)), 0);
	/* Another subsystem. */
	assert_int_equal(trips(&d, "icmp.p50>+0%", msg, sizeof(msg)), 0);
	/* Counts need no verdict: a new subsystem's calls come from nothing. */
	assert_int_equal(trips(&d, "count>+5", msg, sizeof(msg)), 1);
	assert_string_equal(msg, "udp:10.0.0.1:53 sendto: count 0 -> 10 (+10, -), new");
	assert_int_equal(trips(&d, "count>+50%", msg, sizeof(msg)), 1);
	/* Crossing means beyond: a change of exactly the threshold does not trip. */
	assert_int_equal(trips(&d, "udp:10.0.0.1:53.count>+10", msg, sizeof(msg)), 0);
	assert_int_equal(trips(&d, "udp:10.0.0.1:53.count>+9", msg, sizeof(msg)), 1);
	assert_int_equal(trips(&d, "unix.count<-10", msg, sizeof(msg)), 0);
	assert_int_equal(trips(&d, "unix.count<-100%", msg, sizeof(msg)), 0);
	assert_int_equal(trips(&d, "unix.count<-99.9%", msg, sizeof(msg)), 1);
	assert_int_equal(trips(&d, "unix.count<-5", msg, sizeof(msg)), 1);
	assert_int_equal(trips(&d, "total>+250ms", msg, sizeof(msg)), 1);
	assert_int_equal(trips(&d, "total>+350ms", msg, sizeof(msg)), 0);
	/* Too few calls to judge latency: never trips on it. */
	assert_int_equal(trips(&d, "file.p50>+0ns", msg, sizeof(msg)), 0);
	ls_diff_free(&d);

	/* The reverse diff: faster, so '<' gates trip and '>' ones do not. */
	build_diff(&d, a, b, LS_BY_SUBSYSTEM);
	assert_int_equal(trips(&d, "p90<-50%", msg, sizeof(msg)), 1);
	assert_string_equal(msg, "tcp:127.0.0.1:18080: p90 20.2ms -> 5.05ms (-15.1ms, -75.0%), "
				 "faster, p=0.009");
	assert_int_equal(trips(&d, "p90>+0%", msg, sizeof(msg)), 0);
	ls_diff_free(&d);
	ls_snapshot_free(a);
	ls_snapshot_free(b);
}

/* ---- rendering ------------------------------------------------------------- */

static void render_golden(enum ls_by by, enum ls_format fmt, const struct ls_pcts *pcts,
			  const char *golden)
{
	struct ls_snapshot *b = build_run(5 * MS, false), *a = build_run(20 * MS, true);
	struct ls_diff_opts o;
	struct ls_diff d;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	build_diff(&d, b, a, by);
	ls_diff_opts_init(&o, fmt, "before.json", "after.json");
	if (pcts)
		o.pcts = *pcts;
	assert_int_equal(ls_diff_write(f, &d, b, a, &o), 0);
	assert_int_equal(fclose(f), 0);
	compare_golden(golden, buf, len);
	free(buf);
	ls_diff_free(&d);
	ls_snapshot_free(a);
	ls_snapshot_free(b);
}

static void diff_write__text__matches_golden(void **state)
{
	render_golden(LS_BY_SUBSYSTEM, LS_FMT_TEXT, NULL, "diff_basic.txt");
}

static void diff_write__csv__matches_golden(void **state)
{
	render_golden(LS_BY_SUBSYSTEM, LS_FMT_CSV, NULL, "diff_basic.csv");
}

static void diff_write__markdown__matches_golden(void **state)
{
	render_golden(LS_BY_SUBSYSTEM, LS_FMT_MARKDOWN, NULL, "diff_basic.md");
}

static void diff_write__json__matches_golden(void **state)
{
	render_golden(LS_BY_SUBSYSTEM, LS_FMT_JSON, NULL, "diff_basic.json");
}

static void diff_write__by_syscall_percentiles__matches_golden(void **state)
{
	struct ls_pcts p;

	assert_int_equal(ls_pcts_parse("50,99.9", &p), 0);
	render_golden(LS_BY_SYSCALL, LS_FMT_TEXT, &p, "diff_syscall.txt");
}

static void diff_write__nothing_traced__says_so(void **state)
{
	struct ls_snapshot *s = ls_snapshot_new();
	struct ls_diff_opts o;
	struct ls_diff d;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(s);
	assert_non_null(f);
	build_diff(&d, s, s, LS_BY_SUBSYSTEM);
	ls_diff_opts_init(&o, LS_FMT_TEXT, "a.json", "b.json");
	assert_int_equal(ls_diff_write(f, &d, s, s, &o), 0);
	assert_int_equal(fclose(f), 0);
	assert_non_null(strstr(buf, "\n\nNo syscalls in either run.\n"));
	free(buf);
	ls_diff_free(&d);
	ls_snapshot_free(s);
}

/* `record --baseline`: after the report, an empty line, then the diff. */
static void diff_print__after_report__empty_line_first(void **state)
{
	struct ls_snapshot *b = build_run(5 * MS, false), *a = build_run(20 * MS, true);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(ls_diff_print(f, b, "base.json", a, "this run", LS_FMT_TEXT), 0);
	assert_int_equal(fclose(f), 0);
	assert_true(!strncmp(buf, "\nlatscope diff: base.json -> this run\n", 38));
	assert_non_null(strstr(buf, "\ntcp:127.0.0.1:18080  slower "));
	free(buf);
	ls_snapshot_free(a);
	ls_snapshot_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(diff_build__identical_runs__no_significant_change),
		cmocka_unit_test(diff_build__shifted_syscall__slower_with_magnitude),
		cmocka_unit_test(diff_build__tiny_samples__insufficient),
		cmocka_unit_test(diff_build__appear_and_vanish__new_and_gone),
		cmocka_unit_test(diff_build__syscall_notes__bonferroni_within_row),
		cmocka_unit_test(diff_build__by_thread__no_data_one_line),
		cmocka_unit_test(diff_warnings__runs_differ__one_line_each),
		cmocka_unit_test(gate_parse__good_expressions__fields),
		cmocka_unit_test(gate_parse__malformed__names_the_column),
		cmocka_unit_test(gate_check__threshold_and_verdict__both_needed),
		cmocka_unit_test(diff_write__text__matches_golden),
		cmocka_unit_test(diff_write__csv__matches_golden),
		cmocka_unit_test(diff_write__markdown__matches_golden),
		cmocka_unit_test(diff_write__json__matches_golden),
		cmocka_unit_test(diff_write__by_syscall_percentiles__matches_golden),
		cmocka_unit_test(diff_write__nothing_traced__says_so),
		cmocka_unit_test(diff_print__after_report__empty_line_first),
	};

	return cmocka_run_group_tests_name("diff", tests, NULL, NULL);
}
