/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Exited threads' figures, folded in user space so that their keys can be
 * freed in the kernel: a daemon that starts a thread per cycle, or that
 * restarts every second, must not run out of --max-keys.
 *
 * A thread that exits goes into its process's bucket for its name: every
 * exited "worker" thread of process 1234 is one row, "1234 exited: worker",
 * in the per-thread view.  Buckets are keyed in struct ls_key by a
 * tid no kernel gives out (LS_FOLD_TID_BASE and up).  When more than
 * LS_FOLD_DEAD_PROCS processes have exited, the oldest one's buckets are
 * merged into the buckets of process 0 ("exited processes: NAME"), so
 * memory depends on the processes alive, not on how many ever were.
 *
 * Pure code: collect.c moves the kernel's entries here, raw.c adds the
 * buckets to every read and keeps interval differences right.
 */
#ifndef LS_FOLD_H
#define LS_FOLD_H

#include <stdbool.h>
#include <pthread.h>
#include <stddef.h>
#include <linux/types.h>
#include "collect.h"

/* Bucket ids: above any PID (pid_max is at most 2^22). */
#define LS_FOLD_TID_BASE	0x80000000U
/* Exited processes that keep buckets of their own. */
#define LS_FOLD_DEAD_PROCS	64
/* Threads remembered as folded, for interval differences (a ring). */
#define LS_FOLD_MOVED		65536

struct ls_fold_bucket {
	__u32 id;		/* the tid its keys carry */
	__u32 tgid;		/* 0: exited processes, merged */
	char comm[LS_COMM_LEN];	/* the threads' name */
	__u64 threads;		/* how many were folded in */
	struct ls_thread_time tt; /* their time split, summed; tid = id */
};

struct ls_fold_moved {
	__u32 tid;
	__u32 bucket;
};

struct ls_fold {
	/* held by collect.c while it reads the maps or folds into them */
	pthread_mutex_t lock;
	struct ls_raw_stat *stats;	/* key.tid = a bucket id */
	size_t n_stats, cap_stats;
	struct ls_raw_errno *errnos;
	size_t n_errnos, cap_errnos;
	struct ls_fold_bucket *buckets;
	size_t n_buckets, cap_buckets;
	__u32 dead[LS_FOLD_DEAD_PROCS];	/* exited processes with buckets, oldest first */
	size_t n_dead;
	struct ls_fold_moved *moved;	/* LS_FOLD_MOVED entries, a ring */
	size_t moved_head, n_moved;
	__u32 next_id;			/* of the next bucket, from LS_FOLD_TID_BASE */
	__u64 threads;			/* threads folded in all */
	__u64 procs_merged;		/* processes merged into process 0 */
};

/*
 * A key of process 0's buckets: exited processes merged, whose figures
 * were counted under their own pid before (a reader that keeps running
 * totals, as --listen does, must not count them again).
 */
static inline bool ls_fold_is_merged(const struct ls_key *k)
{
	return k->tgid == 0 && k->tid >= LS_FOLD_TID_BASE;
}

/* 0 or -ENOMEM; ls_fold_free() either way. */
int ls_fold_init(struct ls_fold *f);
void ls_fold_free(struct ls_fold *f);

/* The bucket of exited threads named comm of process tgid, made if needed; 0 on ENOMEM. */
__u32 ls_fold_bucket(struct ls_fold *f, __u32 tgid, const char *comm);

/* Add a thread's entry, its errno count, its time split, to bucket. */
int ls_fold_stat(struct ls_fold *f, __u32 bucket, const struct ls_key *k,
		 const struct ls_stats *st);
int ls_fold_errno(struct ls_fold *f, __u32 bucket, const struct ls_errno_key *k, __u64 count);
void ls_fold_time(struct ls_fold *f, __u32 bucket, const struct ls_thread_time *tt);

/* Say that thread tid went into bucket (for the differences of reads). */
void ls_fold_moved(struct ls_fold *f, __u32 tid, __u32 bucket);
/* The bucket tid was folded into, or 0. */
__u32 ls_fold_where(const struct ls_fold *f, __u32 tid);

/*
 * Process tgid has exited.  Once more than LS_FOLD_DEAD_PROCS have, the
 * oldest one's buckets merge into process 0's.  0 or -ENOMEM.
 */
int ls_fold_process_exited(struct ls_fold *f, __u32 tgid);

/* The bucket with this id, or NULL. */
const struct ls_fold_bucket *ls_fold_find(const struct ls_fold *f, __u32 id);

/* Append every bucket's entries, errnos and time to raw (a read). 0 or -ENOMEM. */
int ls_fold_append(const struct ls_fold *f, struct ls_raw *raw);

#endif
