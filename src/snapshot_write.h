/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Writing a snapshot as JSON (docs/snapshot-format.md); reading: snapshot_load.h. */
#ifndef LS_SNAPSHOT_WRITE_H
#define LS_SNAPSHOT_WRITE_H

#include <stddef.h>
#include <stdio.h>
#include "snapshot.h"

/* 0 or negative errno.  Atomic: a temporary file renamed over path. */
int ls_snapshot_save(const struct ls_snapshot *snap, const char *path);

/* The whole snapshot as JSON (docs/snapshot-format.md); pretty adds newlines. */
int ls_snapshot_write_json(FILE *f, const struct ls_snapshot *snap, int pretty);

struct ls_cols;
struct json_object;

/* One subsystem to write, with its syscalls in the order to write them. */
struct ls_json_subsys {
	const struct ls_subsys *ss;
	const struct ls_syscall_stats *const *sc;	/* NULL: every syscall, stored order */
	size_t n_sc;
};

/*
 * A report's view of the snapshot in the same schema: other derived
 * figures, another order, fewer subsystems.  The result still loads, since
 * the loader ignores derived fields; pct_time stays a share of the whole
 * run even when subsystems are left out.
 */
struct ls_json_opts {
	int pretty;
	const struct ls_cols *cols;		/* derived figures; NULL: the default */
	const struct ls_json_subsys *subsys;	/* NULL: every subsystem, stored order */
	size_t n_subsys;
};

int ls_snapshot_write_json_opts(FILE *f, const struct ls_snapshot *snap,
				const struct ls_json_opts *o);

/* The "meta" object (rules included), for documents that embed it; NULL + errno. */
struct json_object *ls_snapshot_meta_json(const struct ls_snapshot *snap);

/* json-c pretty-prints [] on two lines; call on a finished array to keep it on one. */
void ls_json_compact_if_empty(struct json_object *arr);

#endif
