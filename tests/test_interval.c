// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * record -i bookkeeping: interval boundaries, the last (partial) interval,
 * and that the interval tables add up to the totals of the final read.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "hist.h"
#include "interval.h"

#define SEC	1000000000ULL

/* A cumulative read with n keys; key i has (i + 1) * scale calls. */
static void make_read(struct ls_raw *r, size_t n, __u64 scale)
{
	size_t i;

	memset(r, 0, sizeof(*r));
	r->stats = calloc(n, sizeof(*r->stats));
	r->errnos = calloc(n, sizeof(*r->errnos));
	assert_non_null(r->stats);
	assert_non_null(r->errnos);
	for (i = 0; i < n; i++) {
		struct ls_raw_stat *s = &r->stats[i];
		__u64 calls = (i + 1) * scale, v = 1000 * (i + 1);

		s->key.syscall_nr = (__u32)i;
		s->key.tid = 100;
		s->st.count = calls;
		s->st.errors = calls / 3;
		s->st.total_ns = calls * v;
		s->st.min_ns = v;
		s->st.max_ns = v;
		s->st.slots[ls_hist_slot(v)] = calls;
		r->errnos[i].key.key = s->key;
		r->errnos[i].key.err = 11;
		r->errnos[i].count = calls / 3;
	}
	r->n_stats = r->n_errnos = n;
	r->counters[0] = scale;
}

static const struct ls_raw_stat *find(const struct ls_raw *r, __u32 nr)
{
	size_t i;

	for (i = 0; i < r->n_stats; i++)
		if (r->stats[i].key.syscall_nr == nr)
			return &r->stats[i];
	return NULL;
}

static __u64 errno_count(const struct ls_raw *r, __u32 nr)
{
	size_t i;

	for (i = 0; i < r->n_errnos; i++)
		if (r->errnos[i].key.key.syscall_nr == nr)
			return r->errnos[i].count;
	return 0;
}

/* Each key of final: the intervals' figures add up to it, slot by slot. */
static void assert_sum_is(const struct ls_raw *deltas, size_t n, const struct ls_raw *final)
{
	size_t i, k, j;

	for (k = 0; k < final->n_stats; k++) {
		const struct ls_stats *want = &final->stats[k].st;
		struct ls_stats sum = { 0 };
		__u64 errs = 0;

		for (i = 0; i < n; i++) {
			const struct ls_raw_stat *d = find(&deltas[i], final->stats[k].key.syscall_nr);

			errs += errno_count(&deltas[i], final->stats[k].key.syscall_nr);
			if (!d)
				continue;
			sum.count += d->st.count;
			sum.errors += d->st.errors;
			sum.total_ns += d->st.total_ns;
			for (j = 0; j < LS_HIST_SLOTS; j++)
				sum.slots[j] += d->st.slots[j];
		}
		assert_int_equal(sum.count, want->count);
		assert_int_equal(sum.errors, want->errors);
		assert_int_equal(sum.total_ns, want->total_ns);
		assert_memory_equal(sum.slots, want->slots, sizeof(sum.slots));
		assert_int_equal(errs, errno_count(final, final->stats[k].key.syscall_nr));
	}
}

static void intervals__run_ends_mid_interval__deltas_add_up_to_final(void **state)
{
	struct ls_intervals iv;
	struct ls_raw r1, r2, final, d[3];
	__u64 from;
	bool partial;
	size_t i;

	ls_intervals_init(&iv, SEC, 10 * SEC);
	assert_false(ls_intervals_due(&iv, 10 * SEC + SEC / 2));
	assert_true(ls_intervals_due(&iv, 11 * SEC));

	make_read(&r1, 2, 5);		/* keys appear over time */
	assert_int_equal(ls_intervals_next(&iv, &r1, 11 * SEC, &d[0], &from), 0);
	assert_int_equal(from, 10 * SEC);
	assert_null(r1.stats);		/* taken over */
	assert_false(ls_intervals_due(&iv, 11 * SEC + SEC / 2));

	make_read(&r2, 3, 9);
	assert_int_equal(ls_intervals_next(&iv, &r2, 12 * SEC, &d[1], &from), 0);
	assert_int_equal(from, 11 * SEC);

	/* the run ends 0.4 s into the third interval */
	make_read(&final, 4, 20);
	assert_int_equal(ls_intervals_last(&iv, &final, 12 * SEC + 4 * SEC / 10, SEC / 10, &d[2],
					   &partial), 0);
	assert_true(partial);
	assert_int_equal(iv.start_ns, 12 * SEC);

	assert_sum_is(d, 3, &final);
	for (i = 0; i < 3; i++)
		ls_raw_free(&d[i]);
	ls_raw_free(&final);
	ls_intervals_free(&iv);
}

static void intervals__run_ends_on_a_boundary__last_not_partial(void **state)
{
	struct ls_intervals iv;
	struct ls_raw final, d;
	bool partial;

	ls_intervals_init(&iv, SEC, 0);
	make_read(&final, 1, 1);
	/* a tick late: within the slack, a full interval */
	assert_int_equal(ls_intervals_last(&iv, &final, SEC - SEC / 20, SEC / 10, &d, &partial), 0);
	assert_false(partial);
	assert_sum_is(&d, 1, &final);
	ls_raw_free(&d);
	ls_raw_free(&final);
	ls_intervals_free(&iv);
}

static void intervals__late_tick__next_boundary_a_period_from_now(void **state)
{
	struct ls_intervals iv;
	struct ls_raw r, d;
	__u64 from;

	ls_intervals_init(&iv, SEC, 0);
	make_read(&r, 1, 1);
	/* the machine stalled for 3.5 periods: no burst of empty intervals after */
	assert_int_equal(ls_intervals_next(&iv, &r, 3 * SEC + SEC / 2, &d, &from), 0);
	assert_false(ls_intervals_due(&iv, 4 * SEC));
	assert_true(ls_intervals_due(&iv, 4 * SEC + SEC / 2));
	ls_raw_free(&d);
	ls_intervals_free(&iv);
}

static void intervals__no_period__never_due(void **state)
{
	struct ls_intervals iv;

	ls_intervals_init(&iv, 0, 5);
	assert_false(ls_intervals_due(&iv, ~0ULL));
	ls_intervals_free(&iv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(intervals__run_ends_mid_interval__deltas_add_up_to_final),
		cmocka_unit_test(intervals__run_ends_on_a_boundary__last_not_partial),
		cmocka_unit_test(intervals__late_tick__next_boundary_a_period_from_now),
		cmocka_unit_test(intervals__no_period__never_due),
	};

	return cmocka_run_group_tests_name("interval", tests, NULL, NULL);
}
