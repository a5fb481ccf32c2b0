/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Unit tests for src/cost.c: where the sampled windows fall, what two
 * readings add, and the split of the programs' run time into the traced
 * calls' share and the rest of the host's.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cost.h"
#include "test_util.h"

static void hook_of__section_names__each_hook(void **state)
{
	assert_int_equal(ls_cost_hook_of("tp_btf/sys_enter"), LS_HOOK_SYS_ENTER);
	assert_int_equal(ls_cost_hook_of("tp_btf/sys_exit"), LS_HOOK_SYS_EXIT);
	assert_int_equal(ls_cost_hook_of("tp_btf/sched_switch"), LS_HOOK_SWITCH);
	assert_int_equal(ls_cost_hook_of("tp_btf/sched_waking"), LS_HOOK_SCHED);
	assert_int_equal(ls_cost_hook_of("tp_btf/sched_wakeup_new"), LS_HOOK_SCHED);
	assert_int_equal(ls_cost_hook_of("tp_btf/sched_process_fork"), LS_HOOK_OTHER);
	assert_int_equal(ls_cost_hook_of("iter/task"), LS_HOOK_OTHER);
	assert_int_equal(ls_cost_hook_of(NULL), LS_HOOK_OTHER);
}

static void window_start__any_draw__first_at_t0_others_whole_inside_their_period(void **state)
{
	const __u64 t0 = 123456789, p = LS_COST_PERIOD_NS, w = LS_COST_WINDOW_NS;
	struct rng r = { 42 };
	__u64 k, s;

	assert_int_equal(ls_cost_window_start(t0, p, w, 0, 999999), t0);
	for (k = 1; k < 2000; k++) {
		s = ls_cost_window_start(t0, p, w, k, (__u32)rng_next(&r));
		assert_true(s >= t0 + k * p);
		assert_true(s + w <= t0 + (k + 1) * p);
	}
	/* the extremes of the draw */
	assert_int_equal(ls_cost_window_start(0, p, w, 1, 0), p);
	assert_int_equal(ls_cost_window_start(0, p, w, 1, (__u32)(p - w)), 2 * p - w);
	/* a window as long as its period: no room, always at the period's start */
	assert_int_equal(ls_cost_window_start(0, p, p, 3, 77), 3 * p);
}

/*
 * A daemon busy 10 ms of every 2 s, at a fixed phase: windows at a fixed
 * place in each second could miss every busy stretch (or hit all of them);
 * at a random place they see each with the windows' share of the time.
 */
static void window_start__periodic_target__sampled_with_the_windows_share(void **state)
{
	const __u64 p = LS_COST_PERIOD_NS, w = LS_COST_WINDOW_NS, busy = 10000000;
	const __u64 phase = 300000000, cycle = 4 * p, n_cycles = 20000;
	struct rng r = { 7 };
	__u64 k, seen_ns = 0;

	for (k = 1; k < 4 * n_cycles; k++) {
		__u64 s = ls_cost_window_start(0, p, w, k, (__u32)rng_next(&r));
		__u64 b0 = (k / 4) * cycle + phase, b1 = b0 + busy;
		__u64 lo = s > b0 ? s : b0, hi = s + w < b1 ? s + w : b1;

		if (hi > lo)
			seen_ns += hi - lo;
	}
	/* expected: busy * n_cycles * (w / p) */
	assert_true(fabs((double)seen_ns / (double)(busy * n_cycles) / ((double)w / (double)p) - 1) <
		    0.1);
}

static void add_window__two_readings__adds_what_grew_and_never_less_than_zero(void **state)
{
	struct ls_cost_sample s = { .n = 2 };
	struct ls_cost_reading a = { .n = 2, .run_cnt = { 10, 50 }, .run_time_ns = { 1000, 9000 },
				     .traced_calls = 4, .traced_ns = { 100, 200 } };
	struct ls_cost_reading b = { .n = 2, .run_cnt = { 15, 40 }, .run_time_ns = { 1600, 1000 },
				     .traced_calls = 7, .traced_ns = { 400, 250 } };

	ls_cost_add_window(&s, &a, &b, 50000000);
	assert_int_equal(s.prog[0].run_cnt, 5);
	assert_int_equal(s.prog[0].run_time_ns, 600);
	/* a program reloaded meanwhile: its counters went back; nothing, not a wrap */
	assert_int_equal(s.prog[1].run_cnt, 0);
	assert_int_equal(s.prog[1].run_time_ns, 0);
	assert_int_equal(s.traced_calls, 3);
	assert_int_equal(s.traced_ns[0], 300);
	assert_int_equal(s.traced_ns[1], 50);
	assert_int_equal(s.windows, 1);
	assert_int_equal(s.sampled_ns, 50000000);
	ls_cost_add_calibration(&s, &a, &b);
	assert_int_equal(s.prog[0].calib_cnt, 5);
	assert_int_equal(s.prog[0].calib_time_ns, 600);
	assert_int_equal(s.windows, 1);
}

/* The syscall programs (and a scheduler hook) with runs and run time in the windows. */
static void set_prog(struct ls_cost_sample *s, size_t i, const char *name, enum ls_cost_hook hook,
		     __u64 cnt, __u64 ns, __u64 calib_cnt, __u64 calib_ns)
{
	snprintf(s->prog[i].name, sizeof(s->prog[i].name), "%s", name);
	s->prog[i].hook = hook;
	s->prog[i].run_cnt = cnt;
	s->prog[i].run_time_ns = ns;
	s->prog[i].calib_cnt = calib_cnt;
	s->prog[i].calib_time_ns = calib_ns;
	if (i >= s->n)
		s->n = i + 1;
}

/*
 * The busy host of issue 13: the target made 100 calls while others made
 * a million.  All run time over the target's calls read ~600 us per call;
 * the traced calls' share is their filter's (calibrated) and what the
 * programs timed themselves doing for them, whatever the others did.
 */
static void estimate__busy_host_idle_target__traced_share_only(void **state)
{
	struct ls_cost_sample s = { .enabled = true, .sampled_ns = 500000000, .run_ns = 10000000000,
				    .windows = 10, .window_ns = LS_COST_WINDOW_NS,
				    .traced_calls = 100, .traced_ns = { 100 * 140, 100 * 95 } };
	struct ls_cost e;

	/*
	 * untraced: 60 ns enter, 55 exit; traced: the same filter and 140 / 95
	 * ns past it, by the programs' own clock
	 */
	set_prog(&s, 0, "handle_sys_enter", LS_HOOK_SYS_ENTER, 1000100,
		 1000000ULL * 60 + 100 * 200, 4096, 4096 * 60);
	set_prog(&s, 1, "handle_sys_exit", LS_HOOK_SYS_EXIT, 1000100,
		 1000000ULL * 55 + 100 * 150, 4096, 4096 * 55);
	set_prog(&s, 2, "handle_switch", LS_HOOK_SWITCH, 20000, 20000 * 40, 0, 0);
	set_prog(&s, 3, "handle_waking", LS_HOOK_SCHED, 10000, 10000 * 20, 0, 0);
	set_prog(&s, 4, "handle_fork", LS_HOOK_OTHER, 10, 10 * 500, 0, 0);
	ls_cost_estimate(&s, &e);
	assert_true(fabs(e.traced_enter_ns - 200) < 1e-6);
	assert_true(fabs(e.traced_exit_ns - 150) < 1e-6);
	assert_true(fabs(e.traced_ns - 350) < 1e-6);
	assert_true(fabs(e.untraced_ns - 115) < 1e-6);
	assert_true(fabs(e.untraced_per_s - 2000000) < 1e-6);
	/* (40 + 20 / 2) ns per switch: the wakeups are counted per switch */
	assert_true(fabs(e.switch_ns - 50) < 1e-6);
	assert_true(fabs(e.switches_per_s - 40000) < 1e-6);
	assert_true(fabs(e.traced_cpu - 100 * 350 / 1e9 / 0.5) < 1e-12);
	assert_true(fabs(e.host_cpu - (1000000.0 * 115 + 20000 * 40 + 10000 * 20 + 5000) / 1e9 /
				      0.5) < 1e-12);
	assert_true(fabs(e.sampled_s - 0.5) < 1e-12);
	assert_true(fabs(e.run_s - 10) < 1e-12);
	/* the way in through the filters, calibrated: 85 ns, not the untraced 60 */
	s.prog[0].filter_cnt = 4096;
	s.prog[0].filter_time_ns = 4096 * 85;
	ls_cost_estimate(&s, &e);
	assert_true(fabs(e.traced_enter_ns - 225) < 1e-6);
	assert_true(fabs(e.untraced_ns - 115) < 1e-6);
}

static void estimate__no_traced_call_in_a_window__traced_unknown_host_known(void **state)
{
	struct ls_cost_sample s = { .enabled = true, .sampled_ns = 50000000, .run_ns = 50000000,
				    .windows = 1 };
	struct ls_cost e;

	set_prog(&s, 0, "handle_sys_enter", LS_HOOK_SYS_ENTER, 1000, 60000, 100, 6000);
	set_prog(&s, 1, "handle_sys_exit", LS_HOOK_SYS_EXIT, 1000, 50000, 100, 5000);
	ls_cost_estimate(&s, &e);
	assert_true(e.traced_ns < 0);
	assert_true(e.traced_enter_ns < 0);
	assert_true(e.switch_ns < 0);
	assert_true(fabs(e.untraced_ns - 110) < 1e-9);
	assert_true(fabs(e.untraced_per_s - 20000) < 1e-9);
	assert_true(fabs(e.traced_cpu) < 1e-12);
	assert_true(fabs(e.host_cpu - 110000 / 1e9 / 0.05) < 1e-12);
}

/* The programs' own clock read more than the statistics did (noise): the host's share is 0. */
static void estimate__traced_time_above_the_total__host_share_clamped_at_zero(void **state)
{
	struct ls_cost_sample s = { .enabled = true, .sampled_ns = 1000000, .traced_calls = 10,
				    .traced_ns = { 10 * 500, 10 * 10 } };
	struct ls_cost e;

	set_prog(&s, 0, "handle_sys_enter", LS_HOOK_SYS_ENTER, 10, 3000, 100, 10000);
	set_prog(&s, 1, "handle_sys_exit", LS_HOOK_SYS_EXIT, 10, 2100, 100, 10000);
	ls_cost_estimate(&s, &e);
	assert_true(fabs(e.traced_enter_ns - 600) < 1e-9);
	assert_true(fabs(e.traced_exit_ns - 110) < 1e-9);
	assert_true(e.host_cpu == 0);
	assert_true(fabs(e.untraced_per_s) < 1e-9);
}

struct printed {
	const struct ls_cost *e;
	bool enabled;
};

static void print_it(FILE *f, const void *ctx)
{
	const struct printed *p = ctx;

	ls_cost_print(f, p->e, p->enabled);
}

static void print__estimate__says_estimate_sampling_and_both_parts(void **state)
{
	struct ls_cost_sample s = { .enabled = true, .sampled_ns = 500000000, .run_ns = 10000000000,
				    .windows = 10, .window_ns = LS_COST_WINDOW_NS,
				    .period_ns = LS_COST_PERIOD_NS,
				    .traced_calls = 100, .traced_ns = { 100 * 140, 100 * 95 } };
	struct ls_cost e;
	struct printed p = { &e, true };
	char *out;

	set_prog(&s, 0, "handle_sys_enter", LS_HOOK_SYS_ENTER, 1100, 1000 * 60 + 100 * 200, 10,
		 600);
	set_prog(&s, 1, "handle_sys_exit", LS_HOOK_SYS_EXIT, 1100, 1000 * 55 + 100 * 150, 10, 550);
	set_prog(&s, 2, "handle_switch", LS_HOOK_SWITCH, 500, 500 * 40, 0, 0);
	ls_cost_estimate(&s, &e);
	out = capture_output(print_it, &p);
	assert_string_equal(out,
		"Tracing cost, an estimate from the kernel's BPF run-time statistics, on for "
		"0.500 s of the 10.000 s run (5.0%, 10 windows of 10 ms every 500 ms):\n"
		"  on the traced processes: 350 ns per traced syscall (sys_enter 200 ns, "
		"sys_exit 150 ns; 100 calls sampled), 0.070 ms of CPU per second\n"
		"  imposed on the rest of the host: 115 ns per untraced syscall (2000/s), 40 ns per "
		"context switch in the scheduler hooks (1000/s), 0.270 ms of CPU per second in all\n");
	free(out);
	e.traced_ns = -1;
	out = capture_output(print_it, &p);
	assert_non_null(strstr(out, "on the traced processes: unknown (no traced syscall ended "
				    "in a window)\n"));
	free(out);
	p.enabled = false;
	out = capture_output(print_it, &p);
	assert_string_equal(out, "Tracing cost: unknown (the kernel refused BPF run-time "
				 "statistics)\n");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hook_of__section_names__each_hook),
		cmocka_unit_test(window_start__any_draw__first_at_t0_others_whole_inside_their_period),
		cmocka_unit_test(window_start__periodic_target__sampled_with_the_windows_share),
		cmocka_unit_test(add_window__two_readings__adds_what_grew_and_never_less_than_zero),
		cmocka_unit_test(estimate__busy_host_idle_target__traced_share_only),
		cmocka_unit_test(estimate__no_traced_call_in_a_window__traced_unknown_host_known),
		cmocka_unit_test(estimate__traced_time_above_the_total__host_share_clamped_at_zero),
		cmocka_unit_test(print__estimate__says_estimate_sampling_and_both_parts),
	};

	return cmocka_run_group_tests_name("cost", tests, NULL, NULL);
}
