/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Unit tests for src/prom.c: the `le` buckets against the log-linear slots,
 * counters that never go backwards whatever the kernel does with its keys
 * (folds, frees, half-done folds), and an exposition Prometheus can parse.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "hist.h"
#include "prom.h"
#include "cost.h"
#include "test_util.h"

/* The process names of the tests' tgids. */
static void name_of(void *ctx, __u32 tgid, char *buf, size_t len)
{
	const char *const *names = ctx;

	snprintf(buf, len, "%s", names[tgid % 10]);
}

static const char *const names[10] = { "daemon", "other", "a\x01", "a\\x01", "we\"ird\n" };

/* A read of the maps under construction. */
struct read {
	struct ls_raw raw;
	size_t cap;
};

static struct ls_stats *add_key(struct read *r, __u32 nr, __u32 tgid, __u32 tid)
{
	struct ls_raw_stat *e;

	if (r->raw.n_stats == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 4;
		r->raw.stats = realloc(r->raw.stats, r->cap * sizeof(*r->raw.stats));
		assert_non_null(r->raw.stats);
	}
	e = &r->raw.stats[r->raw.n_stats++];
	memset(e, 0, sizeof(*e));
	e->key.kind = LS_KIND_ICMP;
	e->key.syscall_nr = nr;
	e->key.tgid = tgid;
	e->key.tid = tid;
	return &e->st;
}

/* n calls of v ns each, as the kernel aggregates them (it keeps no min or max). */
static void calls(struct ls_stats *st, __u64 v, __u64 n)
{
	add_samples(st, v, n);
}

static void add_errno(struct read *r, __u32 nr, __u32 tgid, __u32 tid, int err, __u64 n)
{
	struct ls_raw_errno *e;

	r->raw.errnos = realloc(r->raw.errnos, (r->raw.n_errnos + 1) * sizeof(*r->raw.errnos));
	assert_non_null(r->raw.errnos);
	e = &r->raw.errnos[r->raw.n_errnos++];
	memset(e, 0, sizeof(*e));
	e->key.key.kind = LS_KIND_ICMP;
	e->key.key.syscall_nr = nr;
	e->key.key.tgid = tgid;
	e->key.key.tid = tid;
	e->key.err = err;
	e->count = n;
}

static void update(struct ls_prom *p, struct read *r)
{
	assert_int_equal(ls_prom_update(p, &r->raw, NULL, name_of, (void *)names), 0);
	free(r->raw.stats);
	free(r->raw.errnos);
	memset(r, 0, sizeof(*r));
}

struct page {
	const struct ls_prom *p;
	const struct ls_prom_health *h;
	enum ls_prom_format fmt;
};

static void write_page(FILE *f, const void *ctx)
{
	const struct page *pg = ctx;

	assert_int_equal(ls_prom_write(f, pg->p, pg->h, pg->fmt), 0);
}

static char *expose(const struct ls_prom *p, enum ls_prom_format fmt)
{
	struct page pg = { p, NULL, fmt };

	return capture_output(write_page, &pg);
}

/* The value of the sample whose line starts with `prefix` (labels included). */
static long long sample(const struct ls_prom *p, const char *prefix)
{
	char *page = expose(p, LS_PROM_TEXT), *line;
	long long v = -1;

	for (line = strtok(page, "\n"); line; line = strtok(NULL, "\n"))
		if (!strncmp(line, prefix, strlen(prefix)) && line[strlen(prefix)] == ' ')
			v = atoll(line + strlen(prefix) + 1);
	free(page);
	return v;
}

#define COUNT(proc) \
	"latscope_syscall_duration_seconds_count{subsystem=\"icmp\",syscall=\"sendto\"," \
	"role=\"work\",process=\"" proc "\"}"

static void bucket_of_slot__every_bound__edge_is_nearest_slot_edge_within_1_64th(void **state)
{
	unsigned int b, prev = 0;
	__u32 slot;

	for (slot = 0; slot < LS_HIST_SLOTS; slot++) {
		b = ls_prom_bucket_of_slot(slot);
		assert_true(b >= prev);	/* buckets follow the slots in order */
		prev = b;
		/* every value of the slot is at most bound / 64 above its bound... */
		if (b < LS_PROM_N_BOUNDS)
			assert_true((ls_slot_upper(slot) - 1) * 64 <= ls_prom_bounds_ns[b] * 65);
		/* ...and at most 1/64 of itself below the bound before */
		if (b > 0)
			assert_true(ls_slot_lower(slot) * 65 >= ls_prom_bounds_ns[b - 1] * 64);
	}
	/* values 1/64 below a bound are in its bucket, values 1/32 above are not */
	for (b = 0; b < LS_PROM_N_BOUNDS; b++) {
		__u64 bound = ls_prom_bounds_ns[b];

		assert_true(ls_prom_bucket_of_slot(ls_hist_slot(bound - bound / 64)) <= b);
		assert_true(ls_prom_bucket_of_slot(ls_hist_slot(bound + bound / 32)) > b);
	}
	assert_int_equal(ls_prom_bucket_of_slot(ls_hist_slot(999)), 0);
	assert_int_equal(ls_prom_bucket_of_slot(LS_HIST_SLOTS - 1), LS_PROM_N_BOUNDS);
}

static void write__one_series__cumulative_buckets_count_and_exact_sum(void **state)
{
	struct ls_prom *p = ls_prom_new();
	struct read r = {};
	struct ls_stats *st;
	char *page;

	st = add_key(&r, SYS_sendto, 100, 100);
	calls(st, 1500, 3);		/* le 2e-06 */
	calls(st, 30000, 2);		/* le 5e-05 */
	calls(st, 100000000000ULL, 1);	/* 100 s: +Inf only */
	update(p, &r);
	page = expose(p, LS_PROM_TEXT);
	assert_non_null(strstr(page, "# TYPE latscope_syscall_duration_seconds histogram\n"));
	assert_non_null(strstr(page, "latscope_syscall_duration_seconds_bucket{subsystem=\"icmp\","
				     "syscall=\"sendto\",role=\"work\",process=\"daemon\",le=\"1e-06\"} 0\n"));
	assert_non_null(strstr(page, "le=\"2e-06\"} 3\n"));
	assert_non_null(strstr(page, "le=\"2e-05\"} 3\n"));
	assert_non_null(strstr(page, "le=\"5e-05\"} 5\n"));
	assert_non_null(strstr(page, "le=\"10\"} 5\n"));
	assert_non_null(strstr(page, "le=\"+Inf\"} 6\n"));
	assert_non_null(strstr(page, COUNT("daemon") " 6\n"));
	/* 4500 + 60000 + 100e9 ns, written exactly */
	assert_non_null(strstr(page, "_sum{subsystem=\"icmp\",syscall=\"sendto\",role=\"work\","
				     "process=\"daemon\"} 100.000064500\n"));
	assert_null(strstr(page, "# EOF"));
	free(page);
	page = expose(p, LS_PROM_OPENMETRICS);
	assert_non_null(strstr(page, "# UNIT latscope_syscall_duration_seconds seconds\n"));
	assert_non_null(strstr(page, "# TYPE latscope_syscall_errors counter\n"));
	assert_int_equal(strcmp(page + strlen(page) - 6, "# EOF\n"), 0);
	free(page);
	ls_prom_free(p);
}

/* Thread 101 exits; the kernel folds its figures into its process's key. */
static void update__thread_folded_into_process__counted_once(void **state)
{
	struct ls_prom *p = ls_prom_new();
	struct read r = {};

	calls(add_key(&r, SYS_sendto, 100, 100), 1000, 5);
	calls(add_key(&r, SYS_sendto, 100, 101), 1000, 10);
	update(p, &r);
	assert_int_equal(sample(p, COUNT("daemon")), 15);
	/* folded, and 3 more calls since */
	calls(add_key(&r, SYS_sendto, 100, 100), 1000, 18);
	update(p, &r);
	assert_int_equal(sample(p, COUNT("daemon")), 18);
	ls_prom_free(p);
}

/* A fold read half done: the thread's key freed, the process's not yet added to. */
static void update__fold_seen_half_done__never_goes_back_nor_double_counts(void **state)
{
	struct ls_prom *p = ls_prom_new();
	struct read r = {};

	calls(add_key(&r, SYS_sendto, 100, 100), 1000, 5);
	calls(add_key(&r, SYS_sendto, 100, 101), 1000, 10);
	update(p, &r);
	calls(add_key(&r, SYS_sendto, 100, 100), 1000, 5);
	update(p, &r);
	assert_int_equal(sample(p, COUNT("daemon")), 15);
	calls(add_key(&r, SYS_sendto, 100, 100), 1000, 16);
	update(p, &r);
	assert_int_equal(sample(p, COUNT("daemon")), 16);
	ls_prom_free(p);
}

/* The other half: added to the process before the thread's key is freed. */
static void update__fold_seen_twice__held_until_the_truth_catches_up(void **state)
{
	struct ls_prom *p = ls_prom_new();
	struct read r = {};

	calls(add_key(&r, SYS_sendto, 100, 100), 1000, 5);
	calls(add_key(&r, SYS_sendto, 100, 101), 1000, 10);
	update(p, &r);
	calls(add_key(&r, SYS_sendto, 100, 100), 1000, 15);
	calls(add_key(&r, SYS_sendto, 100, 101), 1000, 10);
	update(p, &r);
	assert_int_equal(sample(p, COUNT("daemon")), 25);
	calls(add_key(&r, SYS_sendto, 100, 100), 1000, 20);
	update(p, &r);
	assert_int_equal(sample(p, COUNT("daemon")), 25);
	calls(add_key(&r, SYS_sendto, 100, 100), 1000, 27);
	update(p, &r);
	assert_int_equal(sample(p, COUNT("daemon")), 27);
	ls_prom_free(p);
}

/* The target restarts: its keys are freed, the new process starts from 0. */
static void update__process_restarted__new_calls_added_to_old_total(void **state)
{
	struct ls_prom *p = ls_prom_new();
	struct read r = {};
	int i;

	calls(add_key(&r, SYS_sendto, 100, 100), 1000, 15);
	update(p, &r);
	calls(add_key(&r, SYS_sendto, 110, 110), 1000, 4);	/* tgid 110: "daemon" too */
	update(p, &r);
	assert_int_equal(sample(p, COUNT("daemon")), 19);
	/* past the grace period, pid 100 is taken by a new daemon */
	for (i = 0; i <= LS_PROM_GRACE_READS; i++) {
		calls(add_key(&r, SYS_sendto, 110, 110), 1000, 4);
		update(p, &r);
	}
	calls(add_key(&r, SYS_sendto, 100, 100), 1000, 2);
	calls(add_key(&r, SYS_sendto, 110, 110), 1000, 4);
	update(p, &r);
	assert_int_equal(sample(p, COUNT("daemon")), 21);
	ls_prom_free(p);
}

/* Within the grace period a dip is a fold in progress, not a new process. */
static void update__key_back_within_grace__nothing_counted_twice(void **state)
{
	struct ls_prom *p = ls_prom_new();
	struct read r = {};

	calls(add_key(&r, SYS_sendto, 100, 101), 1000, 10);
	update(p, &r);
	update(p, &r);	/* nothing of process 100 in this read */
	calls(add_key(&r, SYS_sendto, 100, 100), 1000, 12);
	update(p, &r);
	assert_int_equal(sample(p, COUNT("daemon")), 12);
	ls_prom_free(p);
}

static void update__errnos__per_errno_and_unknown_for_the_rest(void **state)
{
	struct ls_prom *p = ls_prom_new();
	struct read r = {};
	struct ls_stats *st;
	char *page;

	st = add_key(&r, SYS_sendto, 100, 100);
	calls(st, 1000, 10);
	st->errors = 7;
	add_errno(&r, SYS_sendto, 100, 100, 11, 4);	/* EAGAIN */
	add_errno(&r, SYS_sendto, 100, 100, 1234, 1);	/* no name */
	update(p, &r);
	page = expose(p, LS_PROM_TEXT);
	assert_non_null(strstr(page, "latscope_syscall_errors_total{subsystem=\"icmp\",syscall=\""
				     "sendto\",role=\"work\",process=\"daemon\",errno=\"EAGAIN\"} 4\n"));
	assert_non_null(strstr(page, "errno=\"1234\"} 1\n"));
	assert_non_null(strstr(page, "errno=\"unknown\"} 2\n"));
	free(page);
	ls_prom_free(p);
}

/* An idle sleep and a busy call of one syscall are two series. */
static void update__roles__a_series_each(void **state)
{
	struct ls_prom *p = ls_prom_new();
	struct read r = {};
	struct ls_stats *st;

	calls(add_key(&r, SYS_sendto, 100, 100), 1000, 5);
	st = add_key(&r, SYS_sendto, 100, 100);
	calls(st, 2000000, 3);
	r.raw.stats[r.raw.n_stats - 1].key.role = LS_ROLE_IDLE;
	update(p, &r);
	assert_int_equal(ls_prom_n_series(p), 2);
	assert_int_equal(sample(p, COUNT("daemon")), 5);
	assert_int_equal(sample(p, "latscope_syscall_duration_seconds_count{subsystem=\"icmp\","
				   "syscall=\"sendto\",role=\"idle\",process=\"daemon\"}"), 3);
	ls_prom_free(p);
}

/* "request" rows are not syscalls: a histogram family of their own, without syscall and role. */
static void write__requests__own_family(void **state)
{
	struct ls_prom *p = ls_prom_new();
	struct read r = {};
	char *page, *req;

	calls(add_key(&r, SYS_sendto, 100, 100), 1000, 5);
	calls(add_key(&r, LS_SYSCALL_REQUEST, 100, 100), 80000000, 5);
	update(p, &r);
	page = expose(p, LS_PROM_TEXT);
	req = strstr(page, "# TYPE latscope_request_duration_seconds histogram\n");
	assert_non_null(req);
	assert_non_null(strstr(req, "latscope_request_duration_seconds_count{subsystem=\"icmp\","
				    "process=\"daemon\"} 5\n"));
	assert_null(strstr(page, "syscall=\"request\""));
	assert_int_equal(sample(p, COUNT("daemon")), 5);
	free(page);
	ls_prom_free(p);
}

/* Threads' time by state, per process; a thread gone and folded counts once. */
static void update__thread_times__per_process_and_state(void **state)
{
	struct ls_prom *p = ls_prom_new();
	struct read r = {};
	struct ls_thread_time *tt;
	char *page;
	int k;

	for (k = 0; k < 2; k++) {
		r.raw.times = calloc(2, sizeof(*r.raw.times));
		assert_non_null(r.raw.times);
		r.raw.n_times = k ? 1 : 2;
		tt = &r.raw.times[0];
		tt->tid = tt->tgid = 100;
		/* the second read: thread 101 exited, its figures folded into 100 */
		tt->user_cpu_ns = k ? 3000000000ULL : 1000000000ULL;
		tt->sys_ns[LS_ROLE_IDLE] = 500000000;
		tt->sys_runq_ns = 7;
		if (!k) {
			r.raw.times[1].tid = 101;
			r.raw.times[1].tgid = 100;
			r.raw.times[1].user_cpu_ns = 2000000000ULL;
		}
		assert_int_equal(ls_prom_update(p, &r.raw, NULL, name_of, (void *)names), 0);
		free(r.raw.times);
		memset(&r, 0, sizeof(r));
	}
	page = expose(p, LS_PROM_TEXT);
	assert_non_null(strstr(page, "latscope_thread_seconds_total{process=\"daemon\","
				     "state=\"user_cpu\"} 3.000000000\n"));
	assert_non_null(strstr(page, "latscope_thread_seconds_total{process=\"daemon\","
				     "state=\"syscall_idle\"} 0.500000000\n"));
	assert_non_null(strstr(page, "latscope_thread_seconds_total{process=\"daemon\","
				     "state=\"syscall_runq\"} 0.000000007\n"));
	assert_non_null(strstr(page, "state=\"user_runq\"} 0.000000000\n"));
	free(page);
	ls_prom_free(p);
}

static void label_value__odd_names__escaped_and_never_equal(void **state)
{
	struct ls_prom *p = ls_prom_new();
	struct read r = {};
	char *page, *v;

	calls(add_key(&r, SYS_sendto, 102, 102), 1000, 1);	/* "a\x01" */
	calls(add_key(&r, SYS_sendto, 103, 103), 1000, 1);	/* "a\\x01" */
	calls(add_key(&r, SYS_sendto, 104, 104), 1000, 1);	/* "we\"ird\n" */
	update(p, &r);
	assert_int_equal(ls_prom_n_series(p), 3);
	page = expose(p, LS_PROM_TEXT);
	/* the byte 0x01 as \x01 (escaped once more), the backslash doubled twice */
	assert_non_null(strstr(page, "process=\"a\\\\x01\""));
	assert_non_null(strstr(page, "process=\"a\\\\\\\\x01\""));
	assert_non_null(strstr(page, "process=\"we\\\"ird\\\\x0a\""));
	free(page);
	v = ls_prom_label_value("\xc3\xa9t\xc3\xa9 \xff\xed\xa0\x80");	/* UTF-8, bad, surrogate */
	assert_string_equal(v, "\xc3\xa9t\xc3\xa9 \\xff\\xed\\xa0\\x80");
	free(v);
	ls_prom_free(p);
}

static void write__health__counters_and_cost_per_program(void **state)
{
	struct ls_cost_sample cost = { .enabled = 1, .n = 1, .sampled_ns = 250000000 };
	struct ls_prom_health h = { .keys_in_use = 3, .max_keys = 1024, .version = "1.2",
				    .cycle_period_ns = 500000000, .cycles = 42 };
	struct ls_prom *p = ls_prom_new();
	struct page pg = { p, &h, LS_PROM_TEXT };
	char *buf;

	h.counters[LS_CNT_DROPPED_KEYS] = 9;
	h.counters[LS_CNT_TASK_NOMEM] = 1;
	h.counters[LS_CNT_PROCS_FULL] = 2;
	h.cost = &cost;
	snprintf(cost.prog[0].name, sizeof(cost.prog[0].name), "handle_sys_exit");
	cost.prog[0].hook = LS_HOOK_SYS_EXIT;
	cost.prog[0].run_cnt = 5;
	cost.prog[0].run_time_ns = 1500000300;
	/* 3 of the 5 runs untraced, at 100 ns each in the calibration */
	cost.prog[0].calib_cnt = 10;
	cost.prog[0].calib_time_ns = 1000;
	cost.traced_calls = 2;
	cost.traced_ns[1] = 1499999800;	/* past the filter, by the program's clock */
	buf = capture_output(write_page, &pg);
	assert_non_null(strstr(buf, "\nlatscope_dropped_total 9\n"));
	assert_non_null(strstr(buf, "\nlatscope_untraced_tasks_total 3\n"));
	assert_non_null(strstr(buf, "\nlatscope_stats_keys 3\n"));
	assert_non_null(strstr(buf, "latscope_bpf_run_seconds_total{program=\"handle_sys_exit\"} "
				    "1.500000300\n"));
	assert_non_null(strstr(buf, "\nlatscope_bpf_sampled_seconds_total 0.250000000\n"));
	assert_non_null(strstr(buf, "\nlatscope_bpf_sampled_syscalls_total 2\n"));
	/* 100 + 1499999800 / 2 ns per traced call; 100 ns per untraced one */
	assert_non_null(strstr(buf, "latscope_tracing_cost_seconds{per=\"traced_syscall\"} "
				    "0.75\n"));
	assert_non_null(strstr(buf, "latscope_tracing_cost_seconds{per=\"untraced_syscall\"} "
				    "1e-07\n"));
	/* no context switch seen: no figure rather than a made-up one */
	assert_null(strstr(buf, "per=\"context_switch\""));
	assert_non_null(strstr(buf, "latscope_tracing_cost_cpu_ratio{on=\"host\"} 1.2e-06\n"));
	assert_non_null(strstr(buf, "latscope_build_info{version=\"1.2\"} 1\n"));
	assert_non_null(strstr(buf, "\nlatscope_cycle_period_seconds 0.500000000\n"));
	assert_non_null(strstr(buf, "\nlatscope_cycles_total 42\n"));
	free(buf);
	ls_prom_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bucket_of_slot__every_bound__edge_is_nearest_slot_edge_within_1_64th),
		cmocka_unit_test(write__one_series__cumulative_buckets_count_and_exact_sum),
		cmocka_unit_test(update__thread_folded_into_process__counted_once),
		cmocka_unit_test(update__fold_seen_half_done__never_goes_back_nor_double_counts),
		cmocka_unit_test(update__fold_seen_twice__held_until_the_truth_catches_up),
		cmocka_unit_test(update__process_restarted__new_calls_added_to_old_total),
		cmocka_unit_test(update__key_back_within_grace__nothing_counted_twice),
		cmocka_unit_test(update__errnos__per_errno_and_unknown_for_the_rest),
		cmocka_unit_test(update__roles__a_series_each),
		cmocka_unit_test(update__thread_times__per_process_and_state),
		cmocka_unit_test(write__requests__own_family),
		cmocka_unit_test(label_value__odd_names__escaped_and_never_equal),
		cmocka_unit_test(write__health__counters_and_cost_per_program),
	};

	return cmocka_run_group_tests_name("prom", tests, NULL, NULL);
}
