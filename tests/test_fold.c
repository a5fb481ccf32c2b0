// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Exited threads folded out of the kernel's maps (src/fold.c), and the
 * interval differences across a fold (src/raw.c): what a thread did before
 * the fold is not counted again in the interval after it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <asm/unistd.h>
#include "collect.h"
#include "fold.h"
#include "test_util.h"

static struct ls_key key_of(__u32 tid, __u32 tgid, __u32 nr)
{
	struct ls_key k = { .syscall_nr = nr, .kind = LS_KIND_OTHER, .tid = tid, .tgid = tgid };

	return k;
}

/* A read with one entry per (tid, nr, calls of 1 us). */
static void raw_add(struct ls_raw *r, __u32 tid, __u32 tgid, __u32 nr, __u64 calls)
{
	struct ls_raw_stat *e;

	r->stats = realloc(r->stats, (r->n_stats + 1) * sizeof(*r->stats));
	assert_non_null(r->stats);
	e = &r->stats[r->n_stats++];
	memset(e, 0, sizeof(*e));
	e->key = key_of(tid, tgid, nr);
	add_samples(&e->st, 1000, calls);
}

static const struct ls_raw_stat *raw_find(const struct ls_raw *r, __u32 tid, __u32 nr)
{
	size_t i;

	for (i = 0; i < r->n_stats; i++)
		if (r->stats[i].key.tid == tid && r->stats[i].key.syscall_nr == nr)
			return &r->stats[i];
	return NULL;
}

/* Threads of one process with one name share a bucket; another name, another. */
static void fold__same_process_and_name__one_bucket(void **state)
{
	struct ls_fold f;
	struct ls_stats st = { 0 };
	struct ls_key k = key_of(101, 100, __NR_getppid);
	struct ls_raw raw = { 0 };
	__u32 a, b, c;

	assert_int_equal(ls_fold_init(&f), 0);
	a = ls_fold_bucket(&f, 100, "worker");
	b = ls_fold_bucket(&f, 100, "worker");
	c = ls_fold_bucket(&f, 100, "logger");
	assert_true(a >= LS_FOLD_TID_BASE);
	assert_int_equal(a, b);
	assert_int_not_equal(a, c);
	add_samples(&st, 1000, 3);
	assert_int_equal(ls_fold_stat(&f, a, &k, &st), 0);
	k.tid = 102;
	assert_int_equal(ls_fold_stat(&f, a, &k, &st), 0);
	assert_int_equal(f.n_stats, 1);
	assert_int_equal(f.stats[0].st.count, 6);
	assert_int_equal(f.stats[0].key.tid, a);
	assert_int_equal(f.stats[0].key.tgid, 100);
	ls_fold_moved(&f, 101, a);
	ls_fold_moved(&f, 102, a);
	assert_int_equal(ls_fold_where(&f, 101), a);
	assert_int_equal(ls_fold_where(&f, 103), 0);

	assert_int_equal(ls_fold_append(&f, &raw), 0);
	assert_int_equal(raw.n_stats, 1);
	assert_int_equal(raw.n_times, 2);
	assert_ptr_equal(raw.fold, &f);
	ls_raw_free(&raw);
	ls_fold_free(&f);
}

/*
 * Interval 1 saw thread 101's 5 calls; the thread made 2 more, exited and
 * was folded: interval 2 holds those 2, not 7.
 */
static void delta__thread_folded_between_reads__counted_once(void **state)
{
	struct ls_raw prev = { 0 }, cur = { 0 }, d;
	const struct ls_raw_stat *e;
	struct ls_stats st = { 0 };
	struct ls_key k = key_of(101, 100, __NR_getppid);
	struct ls_fold f;
	__u32 b;

	assert_int_equal(ls_fold_init(&f), 0);
	raw_add(&prev, 101, 100, __NR_getppid, 5);
	raw_add(&prev, 100, 100, __NR_getppid, 1);

	b = ls_fold_bucket(&f, 100, "worker");
	add_samples(&st, 1000, 7);
	assert_int_equal(ls_fold_stat(&f, b, &k, &st), 0);
	ls_fold_moved(&f, 101, b);
	raw_add(&cur, 100, 100, __NR_getppid, 4);
	assert_int_equal(ls_fold_append(&f, &cur), 0);

	assert_int_equal(ls_raw_delta(&cur, &prev, &d), 0);
	e = raw_find(&d, b, __NR_getppid);
	assert_non_null(e);
	assert_int_equal(e->st.count, 2);
	assert_int_equal(e->st.total_ns, 2000);
	e = raw_find(&d, 100, __NR_getppid);
	assert_non_null(e);
	assert_int_equal(e->st.count, 3);
	assert_null(raw_find(&d, 101, __NR_getppid));
	ls_raw_free(&d);
	ls_raw_free(&prev);
	ls_raw_free(&cur);
	ls_fold_free(&f);
}

/*
 * Past LS_FOLD_DEAD_PROCS exited processes, the oldest one's buckets merge
 * into process 0's; a read from before the merge still subtracts right.
 */
static void fold__many_dead_processes__oldest_merged(void **state)
{
	struct ls_raw prev = { 0 }, cur = { 0 }, d;
	struct ls_stats st = { 0 };
	const struct ls_raw_stat *e;
	struct ls_fold f;
	__u32 pid, b, first = 0, zero;
	struct ls_key k;

	assert_int_equal(ls_fold_init(&f), 0);
	add_samples(&st, 1000, 2);
	for (pid = 1000; pid < 1000 + LS_FOLD_DEAD_PROCS + 1; pid++) {
		__u32 nr;

		k = key_of(pid, pid, __NR_getppid);
		b = ls_fold_bucket(&f, pid, "daemon");
		if (!first)
			first = b;
		assert_int_equal(ls_fold_stat(&f, b, &k, &st), 0);
		/* many keys per process: merging them grows the arrays it walks */
		for (nr = 1000; nr < 1040; nr++) {
			k = key_of(pid, pid, nr);
			assert_int_equal(ls_fold_stat(&f, b, &k, &st), 0);
		}
		ls_fold_moved(&f, pid, b);
		if (pid == 1000) {
			/* a read while the first process's bucket was its own */
			assert_int_equal(ls_fold_append(&f, &prev), 0);
			prev.fold = NULL;
		}
		assert_int_equal(ls_fold_process_exited(&f, pid), 0);
	}
	assert_int_equal(f.procs_merged, 1);
	assert_null(ls_fold_find(&f, first));
	zero = ls_fold_where(&f, 1000);
	assert_true(zero >= LS_FOLD_TID_BASE);
	assert_int_equal(ls_fold_find(&f, zero)->tgid, 0);
	assert_int_equal(ls_fold_where(&f, first), zero);
	assert_int_equal(ls_fold_find(&f, zero)->threads, 0);

	assert_int_equal(ls_fold_append(&f, &cur), 0);
	assert_int_equal(ls_raw_delta(&cur, &prev, &d), 0);
	/* process 0's bucket holds the first process's 2 calls, all seen before */
	e = raw_find(&d, zero, __NR_getppid);
	assert_null(e);
	e = raw_find(&d, ls_fold_where(&f, 1001), __NR_getppid);
	assert_non_null(e);
	assert_int_equal(e->st.count, 2);
	ls_raw_free(&d);
	ls_raw_free(&prev);
	ls_raw_free(&cur);
	ls_fold_free(&f);
}

/* A bucket is a row of the thread view, named for the threads and the process. */
static void to_snapshot__bucket__named_exited_no_tid(void **state)
{
	struct ls_snapshot *snap = ls_snapshot_new();
	struct ls_raw raw = { 0 };
	struct ls_thread_time tt = { .user_cpu_ns = 5, .flags = LS_TT_EXITED };
	struct ls_stats st = { 0 };
	struct ls_key k = key_of(101, 100, __NR_getppid);
	struct ls_fold f;
	__u32 b;

	assert_non_null(snap);
	assert_int_equal(ls_fold_init(&f), 0);
	b = ls_fold_bucket(&f, 100, "worker");
	add_samples(&st, 1000, 4);
	assert_int_equal(ls_fold_stat(&f, b, &k, &st), 0);
	ls_fold_time(&f, b, &tt);
	ls_fold_time(&f, b, &tt);
	assert_int_equal(ls_fold_append(&f, &raw), 0);
	assert_int_equal(ls_raw_to_snapshot(&raw, snap, NULL), 0);
	assert_int_equal(snap->n_threads, 1);
	assert_string_equal(snap->threads[0].name, "100 exited: worker");
	assert_int_equal(snap->threads[0].tid, 0);
	assert_int_equal(snap->threads[0].tgid, 100);
	assert_true(snap->threads[0].flags & LS_THREAD_EXITED);
	assert_int_equal(snap->threads[0].time.user_cpu_ns, 10);
	assert_int_equal(snap->meta.events, 4);
	ls_raw_free(&raw);
	ls_fold_free(&f);
	ls_snapshot_free(snap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fold__same_process_and_name__one_bucket),
		cmocka_unit_test(delta__thread_folded_between_reads__counted_once),
		cmocka_unit_test(fold__many_dead_processes__oldest_merged),
		cmocka_unit_test(to_snapshot__bucket__named_exited_no_tid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
