/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Read the BPF maps into plain arrays (CPUs summed), subtract two reads for
 * interval tables, and turn a read into a named snapshot.
 */
#ifndef LS_COLLECT_H
#define LS_COLLECT_H

#include <stdbool.h>
#include <stddef.h>
#include "latscope.h"
#include "snapshot.h"

struct ls_fold;

struct ls_raw_stat {
	struct ls_key key;
	struct ls_stats st;
};

struct ls_raw_errno {
	struct ls_errno_key key;
	__u64 count;
};

struct ls_thread_name {
	__u32 tid;
	char comm[LS_COMM_LEN];
};

struct ls_raw {
	struct ls_thread_name *threads;	/* names of the tids in stats */
	size_t n_threads;
	struct ls_thread_time *times;	/* where each traced thread's time went */
	size_t n_times;
	struct ls_raw_stat *stats;
	size_t n_stats;
	struct ls_raw_errno *errnos;
	size_t n_errnos;
	__u64 counters[LS_CNT_MAX];
	__u64 unix_offset_ns;	/* CLOCK_REALTIME - CLOCK_MONOTONIC: the caller sets it */
	/* the exited threads' buckets appended to this read (fold.h), or NULL */
	const struct ls_fold *fold;
};

struct ls_map_fds {
	int stats_fd;		/* array of struct ls_stats */
	int slots_fd;		/* struct ls_key -> index into stats */
	int errno_fd;
	int counters_fd;
	int thread_comms_fd;	/* tid -> comm of traced threads that exited */
	int thread_times_fd;	/* tid -> struct ls_thread_time */
	int dump_threads_fd;	/* the iterator that fills it for live threads; -1: none */
	int free_slots_fd;	/* queue of stats slots the kernel may reuse */
	/* exited threads' figures, folded out of the maps (fold.h); NULL: none */
	struct ls_fold *fold;
};

/* A traced thread's exit, as the kernel said it (LS_EV_EXIT). */
struct ls_exit_note {
	__u32 tid;
	__u32 tgid;
	char comm[16];
	bool process_exited;
};

/*
 * Move the figures of exited threads out of the kernel's maps into
 * fds->fold, and free their keys for reuse: the threads in notes, and any
 * the exit hook left in thread_times (a note lost with a full ring
 * buffer).  0 or a negative errno.
 */
int ls_raw_fold_exited(const struct ls_map_fds *fds, const struct ls_exit_note *notes,
		       size_t n_notes);

int ls_raw_read(const struct ls_map_fds *fds, struct ls_raw *out);
/* One counter (enum ls_counter) of the per-CPU counters map, summed; 0 or -errno. */
int ls_counter_read(int counters_fd, __u32 which, __u64 *sum);
void ls_raw_free(struct ls_raw *raw);	/* frees the arrays, not raw */

/*
 * out = cur - prev, per key; min/max of an interval come from its slots.
 * A thread folded between the two reads (cur->fold) has its prev entries
 * subtracted from its bucket's, where its figures went.
 */
int ls_raw_delta(const struct ls_raw *cur, const struct ls_raw *prev, struct ls_raw *out);

struct ls_rules;

/*
 * A process's name (its main thread's) from /proc or, once it is gone, as
 * the exit hook kept it; -ENOENT when neither knows.  fds is a struct
 * ls_map_fds (the signature proc_table.h takes).
 */
int ls_raw_process_comm(void *fds, __u32 pid, char comm[LS_COMM_LEN]);

/*
 * Name keys (rules first, may be NULL) and merge them into snap, with the
 * threads' time split (snapshot version 3).
 */
int ls_raw_to_snapshot(const struct ls_raw *raw, struct ls_snapshot *snap,
		       const struct ls_rules *rules);

#endif
