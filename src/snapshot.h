/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A recorded run in user-space form: subsystems, each with its syscalls and
 * their merged statistics.  `record` builds one from the BPF maps, the JSON
 * code saves and loads it, the reporter prints it.
 */
#ifndef LS_SNAPSHOT_H
#define LS_SNAPSHOT_H

#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>
#include "latscope.h"

#define LS_SNAPSHOT_VERSION 1

struct ls_errno_count {
	int err;		/* positive errno */
	__u64 count;
};

struct ls_syscall_stats {
	char name[32];		/* "recvfrom", or "syscall_NNN" if unknown */
	__u32 nr;
	struct ls_stats st;
	struct ls_errno_count *errnos;
	size_t n_errnos;
};

struct ls_subsys {
	char name[96];		/* "tcp:127.0.0.1:8080", "icmp", ... */
	struct ls_syscall_stats *sc;
	size_t n_sc;
};

struct ls_meta {
	char latscope_version[32];
	char kernel[128];	/* uname -r */
	char host[128];
	int ncpus;
	char cmdline[1024];	/* latscope's own command line */
	char target[256];	/* "pid 123,456" or "cmd democtl -n 5" */
	__u64 start_unix_ns;	/* CLOCK_REALTIME at attach */
	__u64 end_unix_ns;
	__u64 duration_ns;
	__u64 events;		/* syscalls aggregated */
	__u64 dropped;		/* syscalls that could not be aggregated */
};

struct ls_snapshot {
	int version;
	struct ls_meta meta;
	struct ls_subsys *subsys;
	size_t n_subsys;
};

/* All functions: 0 or negative errno; pointers: NULL + errno. */
struct ls_snapshot *ls_snapshot_new(void);
void ls_snapshot_free(struct ls_snapshot *snap);	/* accepts NULL */

/* Find or add the entry; names are copied (truncated to fit). */
struct ls_subsys *ls_snapshot_subsys(struct ls_snapshot *snap, const char *name);
struct ls_syscall_stats *ls_subsys_syscall(struct ls_subsys *ss, const char *name, __u32 nr);
int ls_syscall_add_errno(struct ls_syscall_stats *sc, int err, __u64 count);

/* Subsystem totals: merge of all its syscalls. */
void ls_subsys_total(const struct ls_subsys *ss, struct ls_stats *out);

/* JSON via json-c (src/snapshot_json.c). */
int ls_snapshot_save(const struct ls_snapshot *snap, const char *path); /* atomic */
struct ls_snapshot *ls_snapshot_load(const char *path, char *err, size_t errlen);

/*
 * Additions below (src/snapshot.c, src/snapshot_json.c).
 */

/*
 * Limits of the loader, so a hostile file cannot make it allocate without
 * bound (a syscall entry is 8 KiB).  Deliberately far above the BPF map
 * sizes in latscope.h, so that changing those never makes older snapshots
 * unreadable.
 */
#define LS_SNAPSHOT_MAX_SUBSYS		16384
#define LS_SNAPSHOT_MAX_SYSCALLS	16384	/* in the whole snapshot */
#define LS_SNAPSHOT_MAX_ERRNOS		65536	/* in the whole snapshot */
/* Largest errno a syscall can return (MAX_ERRNO in include/linux/err.h). */
#define LS_ERRNO_MAX			4095

/* The whole snapshot as JSON (docs/snapshot-format.md); pretty adds newlines. */
int ls_snapshot_write_json(FILE *f, const struct ls_snapshot *snap, int pretty);

/*
 * Deterministic order: subsystems by total_ns descending (name ascending on
 * ties), syscalls by total_ns descending (name), errnos by count descending
 * (errno).  Reports print in snapshot order, so sort before printing.
 */
void ls_snapshot_sort(struct ls_snapshot *snap);

/*
 * Derived figures, computed in one place for both the JSON writer and the
 * text tables so the two formats cannot drift apart.
 */
#define LS_N_PCTS 5

struct ls_pct_col {
	double p;		/* percentile, 0 < p <= 100 */
	const char *key;	/* JSON key: "p99_9_ns" */
	const char *header;	/* text column: "P99.9" */
};

extern const struct ls_pct_col ls_pct_cols[LS_N_PCTS];

struct ls_summary {
	__u64 count;
	__u64 errors;
	__u64 total_ns;
	__u64 min_ns;
	__u64 avg_ns;		/* total_ns / count, 0 when count == 0 */
	__u64 max_ns;
	__u64 pct_ns[LS_N_PCTS];	/* in ls_pct_cols order */
};

void ls_stats_summarize(const struct ls_stats *s, struct ls_summary *out);

/* Sum of every subsystem's total_ns, as a double so it cannot wrap. */
double ls_snapshot_total_ns(const struct ls_snapshot *snap);
/* part / whole * 100, or 0 when whole is 0. */
double ls_pct_of(__u64 part, double whole);

/* "EAGAIN", or NULL for a number without a name. */
const char *ls_errno_name(int err);

#endif
