/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Unit tests for src/hist.c: the slot geometry must invert ls_hist_slot(),
 * and percentiles must stay within the documented error of the exact
 * nearest-rank value of the raw sample.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>

#include "hist.h"
#include "test_util.h"

#define N_SAMPLES	50000

/*
 * Tighter than the 2% users are promised: the geometry guarantees 1/64
 * (docs/histogram.md), and only a check that tight notices a reading a
 * quarter slot off centre.  The open-ended last slot reads as max_ns, which
 * is within 1/63 while no sample reaches 2^36 ns.
 */
#define MAX_REL		(1.0L / (2 * LS_HIST_SUB))
#define MAX_REL_LAST	(1.0L / (2 * LS_HIST_SUB - 1))

/* Percentiles in tenths of a percent, so the test's own rank is exact. */
static const unsigned int pct_tenths[] = { 500, 900, 950, 990, 999 };
#define N_PCT		(sizeof(pct_tenths) / sizeof(pct_tenths[0]))

static __u64 clamp_ns(double v)
{
	return v < 1.0 ? 1 : (__u64)v;
}

/* The per-sample update the BPF side makes on one CPU's copy. */
static void stats_add(struct ls_stats *s, __u64 v, int failed)
{
	if (!s->count || v < s->min_ns)
		s->min_ns = v;
	if (v > s->max_ns)
		s->max_ns = v;
	s->count++;
	s->total_ns += v;
	if (failed)
		s->errors++;
	s->slots[ls_hist_slot(v)]++;
}

static struct ls_stats *stats_new(void)
{
	struct ls_stats *s = calloc(1, sizeof(*s));

	assert_non_null(s);
	return s;
}

static struct ls_stats *stats_from(const __u64 *v, size_t n)
{
	struct ls_stats *s = stats_new();
	size_t i;

	for (i = 0; i < n; i++)
		stats_add(s, v[i], i % 7 == 0);
	return s;
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return (x > y) - (x < y);
}

/* Nearest rank on the sorted raw sample: the reference the histogram is judged by. */
static __u64 exact_percentile(const __u64 *sorted, size_t n, unsigned int tenths)
{
	__u64 r = ((__u64)tenths * n + 999) / 1000;

	if (!r)
		r = 1;
	return sorted[r - 1];
}

/* max_rel == 0 asks for the exact value. */
static void check_percentiles(__u64 *v, size_t n, long double max_rel)
{
	struct ls_stats *s = stats_from(v, n);
	size_t i;

	qsort(v, n, sizeof(*v), cmp_u64);
	for (i = 0; i < N_PCT; i++) {
		__u64 want = exact_percentile(v, n, pct_tenths[i]);
		__u64 got = ls_stats_percentile(s, pct_tenths[i] / 10.0);
		long double err;

		if (max_rel == 0) {
			assert_int_equal(got, want);
			continue;
		}
		err = fabsl((long double)got - (long double)want) / want;
		if (err > max_rel)
			fail_msg("p%.1f: got %llu want %llu (error %.3Lf%%)",
				 pct_tenths[i] / 10.0, (unsigned long long)got,
				 (unsigned long long)want, err * 100);
	}
	free(s);
}

static __u64 *samples_new(void)
{
	__u64 *v = calloc(N_SAMPLES, sizeof(*v));

	assert_non_null(v);
	return v;
}

static void hist_slot__lower_bound_of_every_slot__maps_back_to_slot(void **state)
{
	__u32 i;

	for (i = 0; i < LS_HIST_SLOTS; i++)
		assert_int_equal(ls_hist_slot(ls_slot_lower(i)), i);
}

static void hist_slot__last_value_of_every_slot__maps_back_to_slot(void **state)
{
	__u32 i;

	for (i = 0; i < LS_HIST_SLOTS; i++)
		assert_int_equal(ls_hist_slot(ls_slot_upper(i) - 1), i);
	assert_int_equal(ls_hist_slot(UINT64_MAX), LS_HIST_SLOTS - 1);
}

static void slot_bounds__consecutive_slots__are_contiguous_and_increasing(void **state)
{
	__u32 i;

	assert_int_equal(ls_slot_lower(0), 0);
	for (i = 0; i < LS_HIST_SLOTS; i++) {
		assert_true(ls_slot_lower(i) < ls_slot_upper(i));
		if (i + 1 < LS_HIST_SLOTS)
			assert_int_equal(ls_slot_upper(i), ls_slot_lower(i + 1));
	}
	assert_int_equal(ls_slot_upper(LS_HIST_SLOTS - 1), UINT64_MAX);
	/* The last slot starts one sub-bucket of [2^35, 2^36) below the overflow. */
	assert_int_equal(ls_slot_lower(LS_HIST_SLOTS - 1),
			 (1ULL << LS_HIST_MAX_LOG2) -
			 (1ULL << (LS_HIST_MAX_LOG2 - 1 - LS_HIST_SUB_BITS)));
	assert_int_equal(ls_hist_slot(1ULL << LS_HIST_MAX_LOG2), LS_HIST_SLOTS - 1);
}

/*
 * Proves the bound in docs/histogram.md for every value at once: the worst
 * cases are the two ends of each bounded slot.
 */
static void slot_bounds__every_bounded_slot__midpoint_within_1_64th(void **state)
{
	__u32 i;

	for (i = 0; i < LS_HIST_SLOTS - 1; i++) {
		__u64 lo = ls_slot_lower(i), hi = ls_slot_upper(i) - 1;
		__u64 mid = lo + (ls_slot_upper(i) - lo) / 2;

		if (i < 2 * LS_HIST_SUB) {
			assert_int_equal(mid, lo);
			continue;
		}
		assert_true((long double)(mid - lo) / lo <= 1.0L / (2 * LS_HIST_SUB));
		assert_true((long double)(hi - mid) / hi <= 1.0L / (2 * LS_HIST_SUB));
	}
}

static void percentile__uniform_1us_to_10ms__within_1_64th(void **state)
{
	struct rng r = { 0x9E3779B97F4A7C15ULL };
	__u64 *v = samples_new();
	size_t i;

	for (i = 0; i < N_SAMPLES; i++)
		v[i] = rng_range(&r, 1000, 10000000);
	check_percentiles(v, N_SAMPLES, MAX_REL);
	free(v);
}

static void percentile__log_normal__within_1_64th(void **state)
{
	struct rng r = { 0xD1B54A32D192ED03ULL };
	__u64 *v = samples_new();
	size_t i;

	/* Median 100 us with a long tail: p99.9 lands near 2 ms. */
	for (i = 0; i < N_SAMPLES; i++)
		v[i] = clamp_ns(exp(log(100000.0) + 1.0 * rng_normal(&r)));
	check_percentiles(v, N_SAMPLES, MAX_REL);
	free(v);
}

static void percentile__bimodal_50us_and_5ms__within_1_64th(void **state)
{
	struct rng r = { 0x94D049BB133111EBULL };
	__u64 *v = samples_new();
	size_t i;

	/* 70% cache hits around 50 us, 30% misses around 5 ms. */
	for (i = 0; i < N_SAMPLES; i++) {
		if (rng_next(&r) % 10 < 7)
			v[i] = clamp_ns(50000.0 + 5000.0 * rng_normal(&r));
		else
			v[i] = clamp_ns(5000000.0 + 500000.0 * rng_normal(&r));
	}
	check_percentiles(v, N_SAMPLES, MAX_REL);
	free(v);
}

static void percentile__single_repeated_value__returns_that_value(void **state)
{
	__u64 *v = samples_new();
	size_t i;

	for (i = 0; i < N_SAMPLES; i++)
		v[i] = 123457;
	check_percentiles(v, N_SAMPLES, 0);
	free(v);
}

static void percentile__around_2_pow_35_ns__within_1_64th(void **state)
{
	struct rng r = { 0xBF58476D1CE4E5B9ULL };
	__u64 *v = samples_new();
	size_t i;

	for (i = 0; i < N_SAMPLES; i++)
		v[i] = rng_range(&r, (1ULL << 35) - (1ULL << 33), (1ULL << 35) + (1ULL << 33));
	check_percentiles(v, N_SAMPLES, MAX_REL);
	free(v);
}

/*
 * [2^35, 2^36) covers the last bounded range, whose top 32nd shares the
 * open-ended slot with the overflow: those ranks read as max_ns, which is
 * still within 1/63 of any value in that slot.
 */
static void percentile__up_to_2_pow_36_ns__within_1_63rd(void **state)
{
	struct rng r = { 0x2545F4914F6CDD1DULL };
	__u64 *v = samples_new();
	size_t i;

	for (i = 0; i < N_SAMPLES; i++)
		v[i] = rng_range(&r, 1ULL << 35, (1ULL << 36) - 1);
	check_percentiles(v, N_SAMPLES, MAX_REL_LAST);
	free(v);
}

static void percentile__overflow_same_value__returns_exact_value(void **state)
{
	__u64 *v = samples_new();
	size_t i;

	/* 100 s, above the 68.7 s that the slots resolve. */
	for (i = 0; i < N_SAMPLES; i++)
		v[i] = 100000000000ULL;
	check_percentiles(v, N_SAMPLES, 0);
	free(v);
}

static void percentile__overflow_mixed_values__clamps_to_max(void **state)
{
	struct rng r = { 0x632BE59BD9B4E019ULL };
	__u64 *v = samples_new();
	struct ls_stats *s;
	size_t i;

	for (i = 0; i < N_SAMPLES; i++)
		v[i] = rng_range(&r, 1ULL << 36, 1ULL << 40);
	s = stats_from(v, N_SAMPLES);
	assert_int_equal(s->slots[LS_HIST_SLOTS - 1], N_SAMPLES);
	for (i = 0; i < N_PCT; i++)
		assert_int_equal(ls_stats_percentile(s, pct_tenths[i] / 10.0), s->max_ns);
	free(s);
	free(v);
}

static void percentile__tiny_values_below_64_ns__exact(void **state)
{
	struct rng r = { 0x8CB92BA72F3D8DD7ULL };
	__u64 *v = samples_new();
	size_t i;

	for (i = 0; i < N_SAMPLES; i++)
		v[i] = rng_range(&r, 0, 2 * LS_HIST_SUB - 1);
	check_percentiles(v, N_SAMPLES, 0);
	free(v);
}

/* Pins the reading to the exact middle of a slot, and the clamp at both ends. */
static void percentile__rank_inside_slot__reads_slot_middle(void **state)
{
	struct ls_stats *s = stats_new();
	__u32 slot = ls_hist_slot(1000000);
	__u64 lo = ls_slot_lower(slot), width = ls_slot_upper(slot) - lo;
	/* The top of one slot and the bottom of another: both middles overshoot. */
	__u64 min = ls_slot_upper(ls_hist_slot(5000)) - 1;
	__u64 max = ls_slot_lower(ls_hist_slot(1000000000));
	int i;

	stats_add(s, min, 0);
	for (i = 0; i < 98; i++)
		stats_add(s, lo, 0);
	stats_add(s, max, 0);
	assert_int_equal(width, 1ULL << (19 - LS_HIST_SUB_BITS));
	assert_int_equal(ls_stats_percentile(s, 50), lo + width / 2);
	assert_int_equal(ls_stats_percentile(s, 1), min);
	assert_int_equal(ls_stats_percentile(s, 100), max);
	free(s);
}

/*
 * 99.9 is not representable in binary; a naive ceil(99.9 / 100 * 1000)
 * gives rank 1000 instead of 999 and reports the outlier.
 */
static void percentile__p99_9_of_1000_samples__uses_rank_999(void **state)
{
	struct ls_stats *s = stats_new();
	int i;

	for (i = 0; i < 999; i++)
		stats_add(s, 10, 0);
	stats_add(s, 50, 0);
	assert_int_equal(ls_stats_percentile(s, 99.9), 10);
	assert_int_equal(ls_stats_percentile(s, 100), 50);
	assert_int_equal(ls_stats_percentile(s, 0.1), 10);
	free(s);
}

/* Counts past 2^53 must not lose the rank to double rounding. */
static void percentile__count_near_2_pow_63__rank_is_exact(void **state)
{
	struct ls_stats *s = stats_new();

	s->slots[10] = 1ULL << 62;
	s->slots[20] = 1ULL << 62;
	s->count = 1ULL << 63;
	s->min_ns = 10;
	s->max_ns = 20;
	assert_int_equal(ls_stats_percentile(s, 50), 10);
	assert_int_equal(ls_stats_percentile(s, 50.0000001), 20);
	free(s);
}

static void percentile__empty_stats__returns_zero(void **state)
{
	struct ls_stats *s = stats_new();

	assert_int_equal(ls_stats_percentile(s, 50), 0);
	assert_int_equal(ls_stats_percentile(s, 100), 0);
	free(s);
}

static void percentile__slots_short_of_count__returns_max(void **state)
{
	struct ls_stats *s = stats_new();

	s->slots[ls_hist_slot(1000)] = 10;
	s->count = 100;
	s->min_ns = 1000;
	s->max_ns = 9000;
	assert_int_equal(ls_stats_percentile(s, 99), 9000);
	/* Ranks the slots do cover still read normally. */
	assert_int_equal(ls_stats_percentile(s, 5), 1000);
	free(s);
}

static void percentile__saturated_slots__do_not_wrap(void **state)
{
	struct ls_stats *s = stats_new();

	s->slots[5] = UINT64_MAX;
	s->slots[6] = UINT64_MAX;
	s->count = UINT64_MAX;
	s->min_ns = 5;
	s->max_ns = 6;
	assert_int_equal(ls_stats_percentile(s, 100), 5);
	assert_int_equal(ls_stats_slot_total(s), UINT64_MAX);
	free(s);
}

static void merge__two_halves__equal_whole_sample(void **state)
{
	struct rng r = { 0x5851F42D4C957F2DULL };
	__u64 *v = samples_new();
	struct ls_stats *whole, *a, *b;
	size_t i;

	for (i = 0; i < N_SAMPLES; i++)
		v[i] = clamp_ns(exp(log(20000.0) + 2.0 * rng_normal(&r)));
	whole = stats_from(v, N_SAMPLES);
	/* An uneven split, so the halves differ in count, min and max. */
	a = stats_new();
	b = stats_new();
	for (i = 0; i < N_SAMPLES; i++)
		stats_add(i < N_SAMPLES / 3 ? a : b, v[i], i % 7 == 0);
	ls_stats_merge(a, b);
	assert_memory_equal(a, whole, sizeof(*whole));
	assert_int_equal(ls_stats_slot_total(a), N_SAMPLES);
	free(whole);
	free(a);
	free(b);
	free(v);
}

static void merge__with_empty_side__keeps_min(void **state)
{
	struct ls_stats *full = stats_new(), *empty = stats_new();
	struct ls_stats *into_empty = stats_new();

	stats_add(full, 5000, 0);
	stats_add(full, 7000, 1);

	/* An empty source's min_ns of 0 is not a sample. */
	ls_stats_merge(full, empty);
	assert_int_equal(full->min_ns, 5000);
	assert_int_equal(full->max_ns, 7000);
	assert_int_equal(full->count, 2);

	/* And an empty destination takes the source's min, not 0. */
	ls_stats_merge(into_empty, full);
	assert_memory_equal(into_empty, full, sizeof(*full));

	ls_stats_merge(empty, empty);
	assert_int_equal(empty->count, 0);
	assert_int_equal(empty->min_ns, 0);
	free(full);
	free(empty);
	free(into_empty);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hist_slot__lower_bound_of_every_slot__maps_back_to_slot),
		cmocka_unit_test(hist_slot__last_value_of_every_slot__maps_back_to_slot),
		cmocka_unit_test(slot_bounds__consecutive_slots__are_contiguous_and_increasing),
		cmocka_unit_test(slot_bounds__every_bounded_slot__midpoint_within_1_64th),
		cmocka_unit_test(percentile__uniform_1us_to_10ms__within_1_64th),
		cmocka_unit_test(percentile__log_normal__within_1_64th),
		cmocka_unit_test(percentile__bimodal_50us_and_5ms__within_1_64th),
		cmocka_unit_test(percentile__single_repeated_value__returns_that_value),
		cmocka_unit_test(percentile__around_2_pow_35_ns__within_1_64th),
		cmocka_unit_test(percentile__up_to_2_pow_36_ns__within_1_63rd),
		cmocka_unit_test(percentile__overflow_same_value__returns_exact_value),
		cmocka_unit_test(percentile__overflow_mixed_values__clamps_to_max),
		cmocka_unit_test(percentile__tiny_values_below_64_ns__exact),
		cmocka_unit_test(percentile__rank_inside_slot__reads_slot_middle),
		cmocka_unit_test(percentile__p99_9_of_1000_samples__uses_rank_999),
		cmocka_unit_test(percentile__count_near_2_pow_63__rank_is_exact),
		cmocka_unit_test(percentile__empty_stats__returns_zero),
		cmocka_unit_test(percentile__slots_short_of_count__returns_max),
		cmocka_unit_test(percentile__saturated_slots__do_not_wrap),
		cmocka_unit_test(merge__two_halves__equal_whole_sample),
		cmocka_unit_test(merge__with_empty_side__keeps_min),
	};

	return cmocka_run_group_tests_name("hist", tests, NULL, NULL);
}
