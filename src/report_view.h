/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A view groups a snapshot's (subsystem, syscall) entries into rows: one
 * per subsystem, one per (subsystem, syscall), and later one per thread or
 * peer.  Reports print rows; diffs match the rows of two views by key.  A
 * new grouping is one builder in report_view.c; nothing that prints or
 * compares rows needs to change.
 */
#ifndef LS_REPORT_VIEW_H
#define LS_REPORT_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include "snapshot.h"

/* What a row of a report or diff is. */
enum ls_by {
	LS_BY_SUBSYSTEM = 0,
	LS_BY_SYSCALL,		/* one row per (subsystem, syscall) */
	LS_BY_THREAD,		/* accepted; needs per-thread data in the snapshot */
	LS_BY_PEER,		/* accepted; needs per-peer data in the snapshot */
	LS_BY_BUDGET,		/* the cycle budget's components (report only) */
	LS_BY_PROCESS,		/* needs the processes of a version 3 snapshot */
};

enum ls_sort {
	LS_SORT_TOTAL = 0,	/* total time, largest first */
	LS_SORT_P99,		/* p99, largest first */
	LS_SORT_CALLS,		/* calls, most first */
	LS_SORT_NAME,		/* name, A to Z */
};

int ls_by_parse(const char *s, enum ls_by *out);
int ls_sort_parse(const char *s, enum ls_sort *out);
const char *ls_by_name(enum ls_by by);

#define LS_VIEW_MAX_KEYS 2
/* "PID comm" of a process row */
#define LS_VIEW_LABEL_MAX 32

/* One (subsystem, syscall) entry that a row merges. */
struct ls_view_part {
	const struct ls_subsys *ss;
	const struct ls_syscall_stats *sc;
};

struct ls_view_row {
	const char *key[LS_VIEW_MAX_KEYS];	/* into the snapshot */
	const struct ls_stats *st;		/* the row's figures */
	const struct ls_subsys *ss;		/* the subsystem, when a row is one */
	const struct ls_process *proc;		/* the process, when a row is one */
	struct ls_view_part *parts;		/* what it merges, in view order */
	size_t n_parts;
	struct ls_stats *merged;		/* owned, when st merges several parts */
	__u64 sort_key;
};

struct ls_view {
	enum ls_by by;
	size_t n_keys;
	const char *key_header[LS_VIEW_MAX_KEYS];	/* "SUBSYSTEM", "SYSCALL" */
	const char *key_name[LS_VIEW_MAX_KEYS];		/* "subsystem", "syscall" */
	const char *title;			/* "Subsystems": what the rows are */
	/* A row's parts are worth a breakdown table of their own (by subsystem). */
	bool breakdown;
	struct ls_view_row *rows;
	size_t n;
	struct ls_view_part *part_pool;
	char (*labels)[LS_VIEW_LABEL_MAX];	/* owned keys, when the snapshot has none */
	double all_ns;				/* total time of the run */
};

/*
 * Rows of snap grouped by `by`, in no particular order (sort next).  The
 * view points into snap, which must outlive it.  -ENODATA with one line in
 * err when the snapshot has no data for that grouping; -ENOMEM.
 */
int ls_view_build(struct ls_view *v, const struct ls_snapshot *snap, enum ls_by by, char *err,
		  size_t errlen);
void ls_view_free(struct ls_view *v);	/* accepts a zeroed view */

/* 0 if ls_view_build() can group snap by `by`; else as it would fail. */
int ls_view_check(const struct ls_snapshot *snap, enum ls_by by, char *err, size_t errlen);

/* Rows and each row's parts by `sort`; ties by name, so the order is total. */
void ls_view_sort(struct ls_view *v, enum ls_sort sort);

/* strcmp() of two rows' keys, key by key; a missing key sorts first. */
int ls_view_keys_cmp(const char *const *a, const char *const *b);

#endif
