/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * latscope diff: matching, per-metric tests and verdicts on synthetic
 * histograms (the mixed populations of docs/diff.md, and the
 * false-positive rate over resampled identical runs), warnings, --fail-if
 * gates, and the rendering in every format against golden files in
 * tests/fixtures/.
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
#include "diff_budget.h"
#include "diff_gate.h"
#include "diff_stats.h"
#include "hist.h"
#include "report_diff.h"
#include "snapshot.h"
#include "test_util.h"

#define MS 1000000ULL
#define US 1000ULL
#define SEC 1000000000ULL

/* n calls of a role within +-5 % of center. */
static void add_role_calls(struct ls_snapshot *snap, const char *ss, const char *sc, __u32 nr,
			   __u8 role, __u64 center, int n, struct rng *r)
{
	struct ls_syscall_stats *c = ls_subsys_syscall_role(ls_snapshot_subsys(snap, ss), sc, nr,
							    role);
	int i;

	assert_non_null(c);
	for (i = 0; i < n; i++)
		add_samples(&c->st, center - center / 20 + rng_range(r, 0, center / 10), 1);
}

static void add_calls(struct ls_snapshot *snap, const char *ss, const char *sc, __u32 nr,
		      __u64 center, int n, struct rng *r)
{
	add_role_calls(snap, ss, sc, nr, LS_ROLE_WORK, center, n, r);
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

static struct ls_snapshot *new_run(const char *target, __u64 duration_ns)
{
	struct ls_snapshot *snap = ls_snapshot_new();

	assert_non_null(snap);
	set_meta(snap, target, duration_ns);
	return snap;
}

static void finish_run(struct ls_snapshot *snap)
{
	ls_snapshot_sort(snap);
	count_events(snap);
}

/*
 * democtl's HTTP client with the server's delay at `delay` (5 ms, then
 * 20 ms): 20 cycles of connect, sendto, recvfrom (the wait) and close,
 * and the requests they make; pings that do not change; a few file reads
 * (too few to judge); one subsystem that only the before run has, one
 * that only the after run has; the sleep between cycles of 25 ms, idle,
 * which gets shorter as the requests get longer; and the main thread's
 * waits for the server thread (sync), which get longer.
 */
static struct ls_snapshot *build_run(__u64 delay, bool after)
{
	struct rng r = { after ? 2 : 1 };
	char target[64];
	struct ls_snapshot *snap;
	const char *tcp = "tcp:127.0.0.1:18080";

	snprintf(target, sizeof(target), "cmd democtl -n 20 -d %llu",
		 (unsigned long long)(delay / MS));
	snap = new_run(target, after ? 900 * MS : 600 * MS);
	add_calls(snap, tcp, "connect", 42, 60 * US, 20, &r);
	add_calls(snap, tcp, "sendto", 44, 18 * US, 20, &r);
	add_calls(snap, tcp, "recvfrom", 45, delay, 20, &r);
	add_calls(snap, tcp, "close", 3, 36 * US, 20, &r);
	add_calls(snap, tcp, "request", LS_SYSCALL_REQUEST, delay + 100 * US, 20, &r);
	add_role_calls(snap, "other", "clock_nanosleep", 230, LS_ROLE_IDLE, 25 * MS - delay, 20,
		       &r);
	add_role_calls(snap, "other", "futex", 202, LS_ROLE_SYNC, delay, 20, &r);
	add_calls(snap, "icmp", "sendto", 44, 3 * US, 20, &r);
	add_calls(snap, "icmp", "poll", 7, 50 * US, 20, &r);
	add_calls(snap, "icmp", "recvfrom", 45, 4 * US, 20, &r);
	add_calls(snap, "file", "read", 0, 2 * US, 5, &r);
	add_calls(snap, after ? "udp:10.0.0.1:53" : "unix", after ? "sendto" : "recvmsg",
		  after ? 44 : 47, 20 * US, 10, &r);
	finish_run(snap);
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

static void build_cfg(struct ls_diff *d, const struct ls_snapshot *b, const struct ls_snapshot *a,
		      const struct ls_diff_cfg *cfg)
{
	char err[256];

	if (ls_diff_build(d, b, a, cfg, err, sizeof(err)))
		fail_msg("ls_diff_build: %s", err);
}

static void build_diff(struct ls_diff *d, const struct ls_snapshot *b, const struct ls_snapshot *a,
		       enum ls_by by)
{
	struct ls_diff_cfg cfg;

	ls_diff_cfg_init(&cfg);
	cfg.by = by;
	build_cfg(d, b, a, &cfg);
}

static void col(const char *metric, struct ls_col *c)
{
	assert_int_equal(ls_col_metric(metric, strlen(metric), c), 0);
}

static double value(const struct ls_diff *d, const struct ls_diff_row *r, const char *metric,
		    bool after)
{
	struct ls_col c;
	double v = -1;

	col(metric, &c);
	assert_true(ls_diff_value(d, r, &c, after, &v));
	return v;
}

static enum ls_result result(const struct ls_diff *d, const struct ls_diff_row *r,
			     const char *metric, double *p)
{
	struct ls_metric_test t;
	struct ls_col c;

	col(metric, &c);
	ls_diff_test(d, r, &c, &t);
	if (p)
		*p = t.p;
	return t.result;
}

/* The one row of a diff of single-subsystem runs. */
static const struct ls_diff_row *only_row(const struct ls_diff *d)
{
	assert_int_equal(d->n, 1);
	return &d->rows[0];
}

/* Two runs of one subsystem, their diff by subsystem and its one row. */
struct case_diff {
	struct ls_snapshot *b, *a;
	struct ls_diff d;
	const struct ls_diff_row *r;
};

static void case_open(struct case_diff *c, struct ls_snapshot *b, struct ls_snapshot *a)
{
	c->b = b;
	c->a = a;
	build_diff(&c->d, b, a, LS_BY_SUBSYSTEM);
	c->r = only_row(&c->d);
}

static void case_close(struct case_diff *c)
{
	ls_diff_free(&c->d);
	ls_snapshot_free(c->a);
	ls_snapshot_free(c->b);
}

static enum ls_result case_result(const struct case_diff *c, const char *metric, double *p)
{
	return result(&c->d, c->r, metric, p);
}

/*
 * A socket subsystem as a controller uses it: per request, `checks`
 * readiness checks of about check_ns and one wait of about wait_ns, both
 * lognormal with sigma 0.3; `requests` of them in a run of 10 s, and the
 * first `stalls` waits take stall_ns instead.
 */
static struct ls_snapshot *stall_run(int requests, int checks, __u64 check_ns, __u64 wait_ns,
				     int stalls, __u64 stall_ns, __u64 seed)
{
	struct ls_snapshot *snap = new_run("cmd ctl", 10 * SEC);
	struct ls_syscall_stats *poll = add_sc(snap, "router", "poll", 7);
	struct rng r = { seed };
	int i, k;

	for (i = 0; i < requests; i++) {
		for (k = 0; k < checks; k++)
			add_samples(&poll->st, (__u64)(check_ns * exp(0.3 * rng_normal(&r))), 1);
		add_samples(&poll->st, (__u64)((i < stalls ? stall_ns : wait_ns) *
					       exp(0.3 * rng_normal(&r))), 1);
	}
	finish_run(snap);
	return snap;
}

static struct ls_snapshot *socket_run(int requests, int checks, __u64 check_ns, __u64 wait_ns,
				      __u64 seed)
{
	return stall_run(requests, checks, check_ns, wait_ns, 0, 0, seed);
}

/* ---- verdicts ------------------------------------------------------------ */

static void diff_build__identical_runs__no_significant_change(void **state)
{
	struct ls_snapshot *s = build_run(5 * MS, false);
	static const char *const metrics[] = { "p50", "calls/s", "time/s" };
	const struct ls_diff_row *r;
	struct ls_diff d;
	size_t i, m;
	double p;

	build_diff(&d, s, s, LS_BY_SUBSYSTEM);
	assert_int_equal(d.n, 4);
	for (i = 0; i < d.n; i++) {
		r = &d.rows[i];
		/* 5 calls: not even p50 has an interval inside them. */
		if (!strcmp(r->key[0], "file")) {
			assert_int_equal(r->verdict, LS_VERDICT_INSUFFICIENT);
			assert_int_equal(result(&d, r, "p50", NULL), LS_RESULT_TOO_FEW);
			continue;
		}
		assert_int_equal(r->verdict, LS_VERDICT_SAME);
		for (m = 0; m < sizeof(metrics) / sizeof(metrics[0]); m++) {
			assert_int_equal(result(&d, r, metrics[m], &p), LS_RESULT_SAME);
			assert_true(p == 1.0);
		}
		/* unix has 10 calls: p90 needs 36. */
		assert_int_equal(result(&d, r, "p90", NULL),
				 strcmp(r->key[0], "unix") ? LS_RESULT_SAME : LS_RESULT_TOO_FEW);
		assert_int_equal(r->n_slower + r->n_faster + r->n_mixed, 0);
	}
	ls_diff_free(&d);
	ls_snapshot_free(s);
}

/*
 * The first case: 80 % of a socket's calls are readiness checks
 * that do not change (~1 us), 20 % are waits for the router that go from
 * 5 ms to 50 ms.  A test over all calls barely moves; p90 and p99 do.
 */
static void diff_build__minority_of_waits_10x_slower__slower_at_p90_and_p99(void **state)
{
	struct case_diff c;
	struct ls_metric_test t;
	struct ls_col p90;
	double p;

	case_open(&c, socket_run(100, 4, 1 * US, 5 * MS, 1),
		  socket_run(100, 4, 1 * US, 50 * MS, 2));
	assert_int_equal(c.r->verdict, LS_VERDICT_SLOWER);
	/* p50, p90, p99 (500 calls: enough), calls/s and time/s. */
	assert_int_equal(c.r->n_tests, 5);
	assert_int_equal(case_result(&c, "p50", NULL), LS_RESULT_SAME);
	assert_int_equal(case_result(&c, "p90", &p), LS_RESULT_UP);
	assert_true(p < 1e-6);
	/* Only the top 1 % of calls tell p99 apart: 10 of each run's 500. */
	assert_int_equal(case_result(&c, "p99", &p), LS_RESULT_UP);
	assert_true(p < c.r->level);
	assert_int_equal(case_result(&c, "time/s", NULL), LS_RESULT_UP);
	assert_int_equal(case_result(&c, "calls/s", NULL), LS_RESULT_SAME);
	/* The intervals are apart, and hold the estimates. */
	col("p90", &p90);
	ls_diff_test(&c.d, c.r, &p90, &t);
	assert_true(t.has_ci[0] && t.has_ci[1]);
	assert_true(t.ci_hi[0] < t.ci_lo[1]);
	assert_true(t.ci_lo[0] <= value(&c.d, c.r, "p90", false) &&
		    value(&c.d, c.r, "p90", false) <= t.ci_hi[0]);
	assert_true(t.ci_lo[1] <= value(&c.d, c.r, "p90", true) &&
		    value(&c.d, c.r, "p90", true) <= t.ci_hi[1]);
	assert_true(value(&c.d, c.r, "p90", true) > 8 * value(&c.d, c.r, "p90", false));
	case_close(&c);
}

/*
 * The second case: the server stalls on 1 request in 10, 3 ms ->
 * 300 ms, while the other 90 % of calls got 20 % faster.  p50 is faster,
 * p99 is slower (p90 sits on the border of the two groups and its
 * interval spans both), and so much time is lost that the subsystem is
 * slower.
 */
static void diff_build__rare_stall_among_faster_calls__slower(void **state)
{
	struct case_diff c;

	case_open(&c, socket_run(100, 9, 10 * US, 3 * MS, 3),
		  socket_run(100, 9, 8 * US, 300 * MS, 4));
	assert_int_equal(case_result(&c, "p50", NULL), LS_RESULT_DOWN);
	assert_int_equal(case_result(&c, "p99", NULL), LS_RESULT_UP);
	assert_int_equal(case_result(&c, "time/s", NULL), LS_RESULT_UP);
	assert_int_equal(c.r->verdict, LS_VERDICT_SLOWER);
	case_close(&c);
}

/*
 * 6 stalls of 300 ms in 4400 calls are beyond p99's reach, and the
 * readiness checks got 30 % faster: p50 says faster.  But the time per
 * second grew (significant at alpha, not at alpha / 5) without more calls:
 * some calls got slower than the percentiles show.
 */
static void diff_build__stalls_beyond_p99_checks_faster__slower_by_time(void **state)
{
	struct case_diff c;
	double p;

	case_open(&c, stall_run(400, 10, 10 * US, 3 * MS, 0, 0, 14),
		  stall_run(400, 10, 7 * US, 3 * MS, 6, 300 * MS, 15));
	assert_int_equal(case_result(&c, "p50", NULL), LS_RESULT_DOWN);
	assert_int_equal(case_result(&c, "p99", NULL), LS_RESULT_SAME);
	assert_int_equal(case_result(&c, "time/s", &p), LS_RESULT_SAME);
	assert_true(p < c.d.cfg.alpha && p > c.r->level);
	assert_int_equal(c.r->verdict, LS_VERDICT_SLOWER);
	case_close(&c);
}

/*
 * 20 stalls of 300 ms make the loop late: the same 4400 calls take 20 s
 * instead of 10, fewer calls per second, the percentiles see nothing, and
 * yet the time per second grew (at alpha): fewer calls that took more
 * time got slower.
 */
static void diff_build__late_loop_fewer_calls_more_time__slower(void **state)
{
	struct ls_snapshot *a = stall_run(400, 10, 10 * US, 3 * MS, 20, 300 * MS, 19);
	struct case_diff c;
	double p;

	a->meta.duration_ns = 20 * SEC;
	case_open(&c, stall_run(400, 10, 10 * US, 3 * MS, 0, 0, 18), a);
	assert_int_equal(case_result(&c, "p50", NULL), LS_RESULT_SAME);
	assert_int_equal(case_result(&c, "p99", NULL), LS_RESULT_SAME);
	assert_int_equal(case_result(&c, "calls/s", NULL), LS_RESULT_DOWN);
	assert_int_equal(case_result(&c, "time/s", &p), LS_RESULT_SAME);
	assert_true(p < c.d.cfg.alpha && p > c.r->level);
	assert_int_equal(c.r->verdict, LS_VERDICT_SLOWER);
	case_close(&c);
}

static void diff_build__all_calls_30pct_faster__faster(void **state)
{
	struct case_diff c;
	struct ls_diff d;

	case_open(&c, socket_run(100, 4, 10 * US, 5 * MS, 5),
		  socket_run(100, 4, 7 * US, 3500 * US, 6));
	assert_int_equal(c.r->verdict, LS_VERDICT_FASTER);
	assert_int_equal(case_result(&c, "p50", NULL), LS_RESULT_DOWN);
	assert_int_equal(case_result(&c, "p90", NULL), LS_RESULT_DOWN);
	assert_int_equal(case_result(&c, "time/s", NULL), LS_RESULT_DOWN);
	/* And the same runs the other way round. */
	build_diff(&d, c.a, c.b, LS_BY_SUBSYSTEM);
	assert_int_equal(only_row(&d)->verdict, LS_VERDICT_SLOWER);
	ls_diff_free(&d);
	case_close(&c);
}

/*
 * The body got 50 % slower (100 -> 150 us) and the tail 20 % faster (2.25
 * -> 1.8 ms), and the two cancel in time: 4500 x 50 us = 500 x 450 us.
 */
static void diff_build__body_slower_tail_faster_same_time__mixed(void **state)
{
	struct case_diff c;

	case_open(&c, socket_run(500, 9, 100 * US, 2250 * US, 7),
		  socket_run(500, 9, 150 * US, 1800 * US, 8));
	assert_int_equal(case_result(&c, "p50", NULL), LS_RESULT_UP);
	assert_int_equal(case_result(&c, "p99", NULL), LS_RESULT_DOWN);
	assert_int_equal(case_result(&c, "time/s", NULL), LS_RESULT_SAME);
	assert_int_equal(c.r->verdict, LS_VERDICT_MIXED);
	case_close(&c);
}

/* Twice the requests at the same latency: more time, explained by more calls. */
static void diff_build__twice_the_calls__more_calls_not_slower(void **state)
{
	struct case_diff c;

	case_open(&c, socket_run(100, 4, 1 * US, 5 * MS, 9),
		  socket_run(200, 4, 1 * US, 5 * MS, 10));
	assert_int_equal(case_result(&c, "calls/s", NULL), LS_RESULT_UP);
	assert_int_equal(case_result(&c, "time/s", NULL), LS_RESULT_UP);
	assert_int_equal(case_result(&c, "p90", NULL), LS_RESULT_SAME);
	assert_int_equal(c.r->verdict, LS_VERDICT_MORE_CALLS);
	assert_true(fabs(value(&c.d, c.r, "calls/s", true) - 100) < 1e-9);
	case_close(&c);
}

/*
 * A significant change smaller than --min-change does not count: the
 * waits 5 ms -> 5.3 ms (+6 %) over 4000 requests.
 */
static void diff_build__small_significant_change__counts_beyond_min_change(void **state)
{
	struct ls_snapshot *b = socket_run(4000, 4, 1 * US, 5 * MS, 11);
	struct ls_snapshot *a = socket_run(4000, 4, 1 * US, 5300 * US, 12);
	const struct ls_diff_row *r;
	struct ls_diff_cfg cfg;
	struct ls_diff d;
	double p;

	build_diff(&d, b, a, LS_BY_SUBSYSTEM);
	r = only_row(&d);
	assert_int_equal(result(&d, r, "p90", &p), LS_RESULT_SAME);
	assert_true(p < r->level);
	assert_int_equal(r->verdict, LS_VERDICT_SAME);
	ls_diff_free(&d);
	ls_diff_cfg_init(&cfg);
	cfg.min_change = 3;
	build_cfg(&d, b, a, &cfg);
	r = only_row(&d);
	assert_int_equal(result(&d, r, "p90", NULL), LS_RESULT_UP);
	assert_int_equal(r->verdict, LS_VERDICT_SLOWER);
	ls_diff_free(&d);
	ls_snapshot_free(a);
	ls_snapshot_free(b);
}

/*
 * Readiness checks 40 % faster, 500 -> 300 ns, over 1000 requests: very
 * significant, and less than --min-delta (1 us) apart: not a change.
 */
static void diff_build__sub_microsecond_change__counts_beyond_min_delta(void **state)
{
	struct ls_snapshot *b = socket_run(1000, 4, 500, 5 * MS, 16);
	struct ls_snapshot *a = socket_run(1000, 4, 300, 5 * MS, 17);
	struct ls_diff_cfg cfg;
	struct ls_diff d;
	double p;

	build_diff(&d, b, a, LS_BY_SUBSYSTEM);
	assert_int_equal(result(&d, only_row(&d), "p50", &p), LS_RESULT_SAME);
	assert_true(p < 1e-6);
	assert_int_equal(only_row(&d)->verdict, LS_VERDICT_SAME);
	ls_diff_free(&d);
	ls_diff_cfg_init(&cfg);
	cfg.min_delta_ns = 0;
	build_cfg(&d, b, a, &cfg);
	assert_int_equal(result(&d, only_row(&d), "p50", NULL), LS_RESULT_DOWN);
	assert_int_equal(only_row(&d)->verdict, LS_VERDICT_FASTER);
	ls_diff_free(&d);
	ls_snapshot_free(a);
	ls_snapshot_free(b);
}

/* Poisson-distributed counts: the model of the call-rate test. */
static int poisson(struct rng *r, double mean)
{
	double limit = exp(-mean), prod = 1;
	int k = -1;

	do {
		k++;
		prod *= rng_unit(r);
	} while (prod > limit);
	return k;
}

/* Calls of one run: 80 % readiness checks near 1 us, 20 % waits near 5 ms. */
static struct ls_snapshot *resampled_run(struct rng *r, bool poisson_counts)
{
	struct ls_snapshot *snap = new_run("cmd ctl", 10 * SEC);
	struct ls_syscall_stats *poll = add_sc(snap, "router", "poll", 7);
	int i, n = poisson_counts ? poisson(r, 400) : 400;
	double center;

	for (i = 0; i < n; i++) {
		center = rng_next(r) % 5 ? 1000 : 5000000;
		add_samples(&poll->st, (__u64)(center * exp(0.3 * rng_normal(r))), 1);
	}
	finish_run(snap);
	return snap;
}

#define RESAMPLES 2000

/*
 * Both runs drawn from one distribution, RESAMPLES times: a row is called
 * anything but "~" in at most alpha of them, with the practical thresholds
 * and without them (the tests alone).  Counts fixed (a periodic loop) and
 * Poisson (the rate tests' model).
 */
static void diff_build__resampled_identical_runs__false_positives_below_alpha(void **state)
{
	static const double min_change[] = { LS_DIFF_MIN_CHANGE, 0 };
	static const __u64 min_delta[] = { LS_DIFF_MIN_DELTA_NS, 0 };
	struct ls_snapshot *b, *a;
	struct ls_diff_cfg cfg;
	struct rng r = { 2024 };
	struct ls_diff d;
	unsigned int k, s, wrong, pc;

	ls_diff_cfg_init(&cfg);
	for (pc = 0; pc < 2; pc++) {
		for (k = 0; k < 2; k++) {
			cfg.min_change = min_change[k];
			cfg.min_delta_ns = min_delta[k];
			wrong = 0;
			for (s = 0; s < RESAMPLES; s++) {
				b = resampled_run(&r, pc);
				a = resampled_run(&r, pc);
				build_cfg(&d, b, a, &cfg);
				wrong += only_row(&d)->verdict != LS_VERDICT_SAME;
				ls_diff_free(&d);
				ls_snapshot_free(a);
				ls_snapshot_free(b);
			}
			print_message("%s counts, --min-change %g --min-delta %lluns: %u of %d "
				      "identical pairs called changed (%.2f%%, alpha %g)\n",
				      pc ? "Poisson" : "fixed", cfg.min_change,
				      (unsigned long long)cfg.min_delta_ns, wrong, RESAMPLES,
				      100.0 * wrong / RESAMPLES, cfg.alpha);
			assert_true(wrong <= cfg.alpha * RESAMPLES);
		}
	}
}

static void diff_build__shifted_syscall__slower_with_magnitude(void **state)
{
	struct ls_snapshot *b = build_run(5 * MS, false), *a = build_run(20 * MS, true);
	const struct ls_diff_row *r;
	struct ls_diff d;
	double change;

	/* A quarter of the subsystem's calls changed: its p90 and its time. */
	build_diff(&d, b, a, LS_BY_SUBSYSTEM);
	r = find_row(&d, "tcp:127.0.0.1:18080", NULL);
	assert_int_equal(r->verdict, LS_VERDICT_SLOWER);
	assert_int_equal(result(&d, r, "p50", NULL), LS_RESULT_SAME);
	assert_int_equal(result(&d, r, "p90", NULL), LS_RESULT_UP);
	/* 80 calls are too few for p99: 368 a side. */
	assert_int_equal(result(&d, r, "p99", NULL), LS_RESULT_TOO_FEW);
	assert_int_equal(r->n_tests, 4);
	assert_true(fabs(r->level - 0.05 / 4) < 1e-15);
	assert_true(value(&d, r, "count", false) == 80);
	assert_true(value(&d, r, "count", true) == 80);
	change = value(&d, r, "p90", true) - value(&d, r, "p90", false);
	assert_true(change > 14 * MS && change < 16 * MS);
	/* And which syscall it was, on its own. */
	assert_int_equal(r->n_slower, 1);
	assert_string_equal(r->slower[0], "recvfrom");
	assert_int_equal(r->n_faster + r->n_mixed, 0);
	r = find_row(&d, "icmp", NULL);
	assert_int_equal(r->verdict, LS_VERDICT_SAME);
	assert_int_equal(r->n_slower + r->n_faster, 0);
	ls_diff_free(&d);

	build_diff(&d, b, a, LS_BY_SYSCALL);
	r = find_row(&d, "tcp:127.0.0.1:18080", "recvfrom");
	assert_int_equal(r->verdict, LS_VERDICT_SLOWER);
	/* A row of one syscall has nothing to add. */
	assert_int_equal(r->n_slower + r->n_faster, 0);
	change = value(&d, r, "p50", true) - value(&d, r, "p50", false);
	assert_true(change > 14 * MS && change < 16 * MS);
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
	struct ls_snapshot *tb = new_run("x", SEC), *ta = new_run("x", SEC);
	struct rng r = { 9 };
	struct ls_diff d;

	/* A huge shift, but 5 calls against 5: no percentile can be judged. */
	add_calls(tb, "x", "read", 0, 1 * US, 5, &r);
	add_calls(ta, "x", "read", 0, 1 * MS, 5, &r);
	build_diff(&d, tb, ta, LS_BY_SUBSYSTEM);
	assert_int_equal(result(&d, only_row(&d), "p50", NULL), LS_RESULT_TOO_FEW);
	assert_int_equal(only_row(&d)->verdict, LS_VERDICT_INSUFFICIENT);
	ls_diff_free(&d);
	/* One more call each: p50 has an interval now. */
	add_calls(tb, "x", "read", 0, 1 * US, 1, &r);
	add_calls(ta, "x", "read", 0, 1 * MS, 1, &r);
	build_diff(&d, tb, ta, LS_BY_SUBSYSTEM);
	assert_int_equal(result(&d, only_row(&d), "p50", NULL), LS_RESULT_UP);
	assert_int_equal(only_row(&d)->verdict, LS_VERDICT_SLOWER);
	ls_diff_free(&d);
	ls_snapshot_free(tb);
	ls_snapshot_free(ta);
}

static void diff_build__appear_and_vanish__new_and_gone(void **state)
{
	struct ls_snapshot *b = build_run(5 * MS, false), *a = build_run(20 * MS, true);
	const struct ls_diff_row *r;
	struct ls_col p50;
	struct ls_diff d;
	double v;

	build_diff(&d, b, a, LS_BY_SUBSYSTEM);
	r = find_row(&d, "unix", NULL);
	assert_int_equal(r->verdict, LS_VERDICT_GONE);
	assert_null(r->after);
	assert_true(value(&d, r, "count", true) == 0);
	assert_true(value(&d, r, "total", true) == 0);
	assert_true(value(&d, r, "calls/s", true) == 0);
	col("p50", &p50);
	assert_false(ls_diff_value(&d, r, &p50, true, &v));
	/* The rates are tested from nothing: 10 calls in 600 ms, none in 900 ms. */
	assert_int_equal(result(&d, r, "calls/s", NULL), LS_RESULT_DOWN);
	assert_int_equal(result(&d, r, "p50", NULL), LS_RESULT_NONE);
	r = find_row(&d, "udp:10.0.0.1:53", NULL);
	assert_int_equal(r->verdict, LS_VERDICT_NEW);
	assert_null(r->before);
	assert_true(value(&d, r, "count", true) == 10);
	/* Heaviest first, whichever run it was heavy in. */
	assert_string_equal(d.rows[0].key[0], "tcp:127.0.0.1:18080");
	ls_diff_free(&d);
	ls_snapshot_free(a);
	ls_snapshot_free(b);
}

/*
 * read 100 calls 1 -> 2 us, write 100 calls 10 -> 5 us: the row is mixed,
 * and each syscall, judged at alpha / 2, is named on its own.
 */
static void diff_build__syscall_notes__each_syscall_named(void **state)
{
	struct ls_snapshot *b = new_run("x", SEC), *a = new_run("x", SEC);
	struct rng r = { 13 };
	const struct ls_diff_row *row;
	struct ls_diff d;

	add_calls(b, "x", "read", 0, 1 * US, 100, &r);
	add_calls(a, "x", "read", 0, 2 * US, 100, &r);
	add_calls(b, "x", "write", 1, 10 * US, 100, &r);
	add_calls(a, "x", "write", 1, 5 * US, 100, &r);
	add_calls(b, "x", "close", 3, 3 * US, 100, &r);
	add_calls(a, "x", "close", 3, 3 * US, 100, &r);
	finish_run(a);
	finish_run(b);
	build_diff(&d, b, a, LS_BY_SUBSYSTEM);
	row = only_row(&d);
	assert_int_equal(row->n_slower, 1);
	assert_string_equal(row->slower[0], "read");
	assert_int_equal(row->n_faster, 1);
	assert_string_equal(row->faster[0], "write");
	assert_int_equal(row->n_mixed, 0);
	ls_diff_free(&d);
	/* By syscall, every row is one syscall: nothing to note. */
	build_diff(&d, b, a, LS_BY_SYSCALL);
	assert_int_equal(find_row(&d, "x", "read")->verdict, LS_VERDICT_SLOWER);
	assert_int_equal(find_row(&d, "x", "read")->n_slower, 0);
	ls_diff_free(&d);
	ls_snapshot_free(a);
	ls_snapshot_free(b);
}

/*
 * Calls that are not work are left out of the rows and compared apart:
 * the sleep between cycles got shorter ("less idle", never "faster"), the
 * waits for the server thread longer ("more waiting").  The requests are
 * compared like calls: 15 ms slower.
 */
static void diff_build__idle_and_requests__apart_from_the_rows(void **state)
{
	struct ls_snapshot *b = build_run(5 * MS, false), *a = build_run(20 * MS, true);
	const struct ls_diff_row *r;
	struct ls_metric_test t;
	struct ls_col p50;
	struct ls_diff d;
	size_t i;

	build_diff(&d, b, a, LS_BY_SUBSYSTEM);
	for (i = 0; i < d.n; i++)
		assert_string_not_equal(d.rows[i].key[0], "other");
	assert_int_equal(d.n_waits, 2);
	r = &d.waits[0];
	if (strcmp(r->key[1], "clock_nanosleep"))
		r = &d.waits[1];
	assert_string_equal(r->key[0], "other");
	assert_string_equal(r->key[1], "clock_nanosleep");
	assert_int_equal(r->role, LS_ROLE_IDLE);
	assert_int_equal(r->verdict, LS_VERDICT_LESS_IDLE);
	col("p50", &p50);
	ls_diff_test(&d, r, &p50, &t);
	assert_string_equal(ls_result_name(t.result, &p50, r->role), "shorter");
	r = r == &d.waits[0] ? &d.waits[1] : &d.waits[0];
	assert_string_equal(r->key[1], "futex");
	assert_int_equal(r->role, LS_ROLE_SYNC);
	assert_int_equal(r->verdict, LS_VERDICT_MORE_WAITING);
	assert_int_equal(d.n_requests, 1);
	r = &d.requests[0];
	assert_string_equal(r->key[0], "tcp:127.0.0.1:18080");
	assert_null(r->key[1]);
	assert_int_equal(r->verdict, LS_VERDICT_SLOWER);
	assert_int_equal(result(&d, r, "p50", NULL), LS_RESULT_UP);
	/* The request rows are not calls: the subsystem's row has 80. */
	assert_true(value(&d, find_row(&d, "tcp:127.0.0.1:18080", NULL), "count", true) == 80);
	ls_diff_free(&d);
	ls_snapshot_free(a);
	ls_snapshot_free(b);
}

static void diff_build__by_thread__no_data_one_line(void **state)
{
	struct ls_snapshot *s = build_run(5 * MS, false);
	struct ls_diff_cfg cfg;
	struct ls_diff d;
	char err[256];

	ls_diff_cfg_init(&cfg);
	cfg.by = LS_BY_THREAD;
	assert_int_equal(ls_diff_build(&d, s, s, &cfg, err, sizeof(err)), -ENODATA);
	assert_non_null(strstr(err, "no per-thread data"));
	assert_null(strchr(err, '\n'));
	cfg.by = LS_BY_PEER;
	assert_int_equal(ls_diff_build(&d, s, s, &cfg, err, sizeof(err)), -ENODATA);
	cfg.by = LS_BY_SUBSYSTEM;
	cfg.alpha = 0;
	assert_int_equal(ls_diff_build(&d, s, s, &cfg, err, sizeof(err)), -EINVAL);
	cfg.alpha = 1;
	assert_int_equal(ls_diff_build(&d, s, s, &cfg, err, sizeof(err)), -EINVAL);
	cfg.alpha = 0.05;
	cfg.min_change = -1;
	assert_int_equal(ls_diff_build(&d, s, s, &cfg, err, sizeof(err)), -EINVAL);
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
		{ "tc.time/s>+5ms", "tc", "ns_per_s", '>', false, 5e6 },
		{ "calls/s<-10", "", "calls_per_s", '<', false, -10 },
		{ "tcp:10.0.0.1:443.calls/s>+50%", "tcp:10.0.0.1:443", "calls_per_s", '>', true,
		  50 },
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
			      "max, avg, total, count, time/s or calls/s)" },
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

static void parse_gate(struct ls_gate *g, const char *expr)
{
	char err[256];

	if (ls_gate_parse(g, expr, err, sizeof(err)))
		fail_msg("'%s': %s", expr, err);
}

/* How many rows the gate trips on, as latscope diff checks them. */
static int trips(const struct ls_diff *d, const char *expr, char *msg, size_t len)
{
	const struct ls_diff_row *r;
	struct ls_gate g;
	size_t i;
	int n = 0;

	parse_gate(&g, expr);
	for (i = 0; (r = ls_gate_row(&g, d, i)); i++)
		n += ls_gate_check(&g, d, r, n ? NULL : msg, len);
	return n;
}

static void gate_check__threshold_and_significance__both_needed(void **state)
{
	struct ls_snapshot *b = build_run(5 * MS, false), *a = build_run(20 * MS, true);
	struct ls_diff d;
	char msg[512] = "";

	build_diff(&d, b, a, LS_BY_SYSCALL);
	/* recvfrom's p50 grew by about 15 ms, significantly. */
	assert_int_equal(trips(&d, "tcp:127.0.0.1:18080.p50>+2ms", msg, sizeof(msg)), 1);
	assert_string_equal(msg, "tcp:127.0.0.1:18080 recvfrom: p50 4.92ms -> 20.2ms (+15.3ms, "
				 "+310.7%), slower, p<0.001");
	assert_int_equal(trips(&d, "p50>+200%", msg, sizeof(msg)), 1);
	/* Not crossed. */
	assert_int_equal(trips(&d, "tcp:127.0.0.1:18080.p50>+20ms", msg, sizeof(msg)), 0);
	assert_int_equal(trips(&d, "p50>+400%", msg, sizeof(msg)), 0);
	/* Crossed by noise only: connect's p50 moved a little, not significantly. */
	assert_int_equal(trips(&d, "tcp:127.0.0.1:18080.p50>+0ns", msg, sizeof(msg)), 1);
	/* max has no test of its own: the row's verdict decides. */
	assert_int_equal(trips(&d, "tcp:127.0.0.1:18080.max>+0ns", msg, sizeof(msg)), 1);
	assert_string_equal(msg, "tcp:127.0.0.1:18080 recvfrom: max 5.24ms -> 21.0ms (+15.7ms, "
				 "+299.9%), slower");
	/* The wrong direction. */
	assert_int_equal(trips(&d, "p50<-1%", msg, sizeof(msg)), 0);
	/* Another subsystem. */
	assert_int_equal(trips(&d, "icmp.p50>+0%", msg, sizeof(msg)), 0);
	/* A count by the call rate: a new subsystem's calls come from nothing. */
	assert_int_equal(trips(&d, "count>+5", msg, sizeof(msg)), 1);
	assert_string_equal(msg, "udp:10.0.0.1:53 sendto: count 0 -> 10 (+10, -), calls/s more, "
				 "p=0.012");
	assert_int_equal(trips(&d, "count>+50%", msg, sizeof(msg)), 1);
	assert_int_equal(trips(&d, "calls/s>+10", msg, sizeof(msg)), 1);
	assert_string_equal(msg, "udp:10.0.0.1:53 sendto: calls/s 0.0 -> 11.1 (+11.1, -), more, "
				 "p=0.012");
	/* Crossing means beyond: a change of exactly the threshold does not trip. */
	assert_int_equal(trips(&d, "udp:10.0.0.1:53.count>+10", msg, sizeof(msg)), 0);
	assert_int_equal(trips(&d, "udp:10.0.0.1:53.count>+9", msg, sizeof(msg)), 1);
	assert_int_equal(trips(&d, "unix.count<-10", msg, sizeof(msg)), 0);
	assert_int_equal(trips(&d, "unix.count<-100%", msg, sizeof(msg)), 0);
	assert_int_equal(trips(&d, "unix.count<-99.9%", msg, sizeof(msg)), 1);
	assert_int_equal(trips(&d, "unix.count<-5", msg, sizeof(msg)), 1);
	/*
	 * icmp's 20 pings of each kind in a 1.5x longer run: 33 % fewer calls
	 * per second, but so few calls that this may be chance (p = 0.26).
	 */
	assert_int_equal(trips(&d, "icmp.calls/s<-20%", msg, sizeof(msg)), 0);
	/* Too few calls to judge latency: never trips on it. */
	assert_int_equal(trips(&d, "file.p50>+0ns", msg, sizeof(msg)), 0);
	ls_diff_free(&d);

	/* The reverse diff: faster, so '<' gates trip and '>' ones do not. */
	build_diff(&d, a, b, LS_BY_SUBSYSTEM);
	assert_int_equal(trips(&d, "p90<-50%", msg, sizeof(msg)), 1);
	assert_string_equal(msg, "tcp:127.0.0.1:18080: p90 20.2ms -> 5.05ms (-15.1ms, -75.0%), "
				 "faster, p<0.001");
	assert_int_equal(trips(&d, "p90>+0%", msg, sizeof(msg)), 0);
	ls_diff_free(&d);
	ls_snapshot_free(a);
	ls_snapshot_free(b);
}

/*
 * A control loop of 60 cycles of 500 ms whose busy time is about busy_ns
 * (its router's answer, busy_ns - 100 us, and a ping), so the cycle
 * budget and the busy time per cycle can be compared.
 */
static struct ls_snapshot *cycle_run(__u64 busy_ns, __u64 seed)
{
	struct ls_snapshot *snap = new_run("cmd loop", 60 * 500 * MS);
	struct rng r = { seed };
	int i;

	add_calls(snap, "tcp:127.0.0.1:18080", "recvfrom", 45, busy_ns - 100 * US, 60, &r);
	add_calls(snap, "icmp", "sendto", 44, 20 * US, 60, &r);
	snap->cycle.found = 1;
	snap->cycle.period_ns = 500 * MS;
	for (i = 0; i < 60; i++)
		add_samples(&snap->cycle.busy,
			    busy_ns - busy_ns / 20 + rng_range(&r, 0, busy_ns / 10), 1);
	finish_run(snap);
	return snap;
}

static void diff_build__cycle_busy_5x__slower_and_budget_side_by_side(void **state)
{
	struct ls_snapshot *b = cycle_run(10 * MS, 1), *a = cycle_run(50 * MS, 2);
	const struct ls_budget_change *c;
	struct ls_budget_diff bd;
	struct ls_diff d;
	char msg[512] = "";

	build_diff(&d, b, a, LS_BY_SUBSYSTEM);
	assert_true(d.has_cycle);
	assert_string_equal(d.cycle.key[0], "cycle");
	assert_int_equal(d.cycle.verdict, LS_VERDICT_SLOWER);
	assert_int_equal(ls_budget_diff_build(&bd, &d, b, a), 0);
	/* the work first, the router's socket leading */
	c = &bd.items[0];
	assert_string_equal(c->name, "tcp:127.0.0.1:18080");
	assert_int_equal(c->kind, LS_BK_SUBSYS);
	assert_true(c->has[0] && c->has[1]);
	/* 60 calls in 60 cycles: its time per call is its time per cycle */
	assert_true(fabs(c->per_cycle_ns[0] - 9.9 * MS) < 0.6 * MS);
	assert_true(fabs(c->per_cycle_ns[1] - 49.9 * MS) < 2.6 * MS);
	assert_true(c->pct_of_busy[1] > 99);
	assert_non_null(c->row);
	assert_int_equal(c->row->verdict, LS_VERDICT_SLOWER);
	ls_budget_diff_free(&bd);
	/* --fail-if on the busy time per cycle, by its name only */
	assert_int_equal(trips(&d, "cycle.p90>+100%", msg, sizeof(msg)), 1);
	assert_non_null(strstr(msg, "cycle: p90 "));
	assert_int_equal(trips(&d, "cycle.p90>+1000%", msg, sizeof(msg)), 0);
	assert_int_equal(trips(&d, "p90>+1000%", msg, sizeof(msg)), 0);
	ls_diff_free(&d);

	/* the same loop twice: nothing changed, and no gate trips */
	build_diff(&d, b, b, LS_BY_SUBSYSTEM);
	assert_int_equal(d.cycle.verdict, LS_VERDICT_SAME);
	assert_int_equal(trips(&d, "cycle.p50>+0%", msg, sizeof(msg)), 0);
	ls_diff_free(&d);

	/* no cycle on one side: nothing per cycle to compare */
	b->cycle.found = 0;
	build_diff(&d, b, a, LS_BY_SUBSYSTEM);
	assert_false(d.has_cycle);
	assert_int_equal(ls_budget_diff_build(&bd, &d, b, a), -ENODATA);
	ls_budget_diff_free(&bd);
	ls_diff_free(&d);
	ls_snapshot_free(a);
	ls_snapshot_free(b);
}

/* The router: p90 of its socket 5 ms -> 50 ms trips a +100 % gate. */
static void gate_check__minority_of_waits_10x_slower__p90_gate_trips(void **state)
{
	struct ls_snapshot *b = socket_run(100, 4, 1 * US, 5 * MS, 1);
	struct ls_snapshot *a = socket_run(100, 4, 1 * US, 50 * MS, 2);
	struct ls_diff d;
	char msg[512] = "";

	build_diff(&d, b, a, LS_BY_SUBSYSTEM);
	assert_int_equal(trips(&d, "router.p90>+100%", msg, sizeof(msg)), 1);
	assert_non_null(strstr(msg, "router: p90 "));
	assert_int_equal(trips(&d, "router.time/s>+100%", msg, sizeof(msg)), 1);
	assert_int_equal(trips(&d, "router.total>+100%", msg, sizeof(msg)), 1);
	/* The checks did not change: their percentile does not trip a tiny gate. */
	assert_int_equal(trips(&d, "router.p50>+1%", msg, sizeof(msg)), 0);
	ls_diff_free(&d);
	/* A run against itself trips nothing. */
	build_diff(&d, b, b, LS_BY_SUBSYSTEM);
	assert_int_equal(trips(&d, "router.p90>+0%", msg, sizeof(msg)), 0);
	assert_int_equal(trips(&d, "router.time/s>+0%", msg, sizeof(msg)), 0);
	ls_diff_free(&d);
	ls_snapshot_free(a);
	ls_snapshot_free(b);
}

/* A gate on a percentile without the calls to test it says so, and where. */
static void gate_too_few__p99_of_80_calls__names_rows_and_need(void **state)
{
	struct ls_snapshot *b = build_run(5 * MS, false), *a = build_run(20 * MS, true);
	struct ls_gate g;
	struct ls_diff d;
	char msg[512] = "";

	build_diff(&d, b, a, LS_BY_SUBSYSTEM);
	parse_gate(&g, "p99>+10%");
	/* tcp (80 calls), icmp (60), file (5); unix and udp are in one run only. */
	assert_int_equal(ls_gate_too_few(&g, &d, msg, sizeof(msg)), 3);
	assert_string_equal(msg, "too few calls to test p99 in tcp:127.0.0.1:18080 (80 before, "
				 "80 after) and 2 more rows: it needs 368 in each run at alpha "
				 "0.05 (gate a lower percentile, or record longer)");
	parse_gate(&g, "icmp.p90>+10%");
	assert_int_equal(ls_gate_too_few(&g, &d, msg, sizeof(msg)), 0);
	parse_gate(&g, "file.p50>+10%");
	assert_int_equal(ls_gate_too_few(&g, &d, msg, sizeof(msg)), 1);
	assert_string_equal(msg, "too few calls to test p50 in file (5 before, 5 after): it needs "
				 "6 in each run at alpha 0.05 (gate a lower percentile, or record "
				 "longer)");
	parse_gate(&g, "total>+10%");
	assert_int_equal(ls_gate_too_few(&g, &d, msg, sizeof(msg)), 0);
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
	struct ls_diff_cfg cfg;
	struct ls_diff d;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	ls_diff_cfg_init(&cfg);
	cfg.by = by;
	if (pcts)
		cfg.pcts = *pcts;
	build_cfg(&d, b, a, &cfg);
	ls_diff_opts_init(&o, fmt, "before.json", "after.json");
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
		cmocka_unit_test(diff_build__minority_of_waits_10x_slower__slower_at_p90_and_p99),
		cmocka_unit_test(diff_build__rare_stall_among_faster_calls__slower),
		cmocka_unit_test(diff_build__stalls_beyond_p99_checks_faster__slower_by_time),
		cmocka_unit_test(diff_build__late_loop_fewer_calls_more_time__slower),
		cmocka_unit_test(diff_build__all_calls_30pct_faster__faster),
		cmocka_unit_test(diff_build__body_slower_tail_faster_same_time__mixed),
		cmocka_unit_test(diff_build__twice_the_calls__more_calls_not_slower),
		cmocka_unit_test(diff_build__small_significant_change__counts_beyond_min_change),
		cmocka_unit_test(diff_build__sub_microsecond_change__counts_beyond_min_delta),
		cmocka_unit_test(diff_build__resampled_identical_runs__false_positives_below_alpha),
		cmocka_unit_test(diff_build__shifted_syscall__slower_with_magnitude),
		cmocka_unit_test(diff_build__tiny_samples__insufficient),
		cmocka_unit_test(diff_build__appear_and_vanish__new_and_gone),
		cmocka_unit_test(diff_build__syscall_notes__each_syscall_named),
		cmocka_unit_test(diff_build__idle_and_requests__apart_from_the_rows),
		cmocka_unit_test(diff_build__by_thread__no_data_one_line),
		cmocka_unit_test(diff_warnings__runs_differ__one_line_each),
		cmocka_unit_test(gate_parse__good_expressions__fields),
		cmocka_unit_test(gate_parse__malformed__names_the_column),
		cmocka_unit_test(gate_check__threshold_and_significance__both_needed),
		cmocka_unit_test(gate_check__minority_of_waits_10x_slower__p90_gate_trips),
		cmocka_unit_test(diff_build__cycle_busy_5x__slower_and_budget_side_by_side),
		cmocka_unit_test(gate_too_few__p99_of_80_calls__names_rows_and_need),
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
