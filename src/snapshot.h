/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A recorded run in user-space form: subsystems, each with its syscalls and
 * their merged statistics.  `record` builds one from the BPF maps,
 * snapshot_write.h saves it, snapshot_load.h loads it, the reporter prints it.
 */
#ifndef LS_SNAPSHOT_H
#define LS_SNAPSHOT_H

#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>
#include "latscope.h"

/* Written by this latscope; it reads this version and every older one. */
#define LS_SNAPSHOT_VERSION 2

/* What a snapshot file says it is: snapshot_write.c writes, snapshot_load.c checks. */
#define LS_SCHEMA_NAME		"latscope-snapshot"
#define LS_HIST_KIND		"log-linear"
#define LS_HIST_UNIT		"ns"

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

/*
 * The rules in force (meta.rules in the JSON) are kept here, not in struct
 * ls_meta: `record` copies a meta by value into every interval snapshot,
 * and owned pointers in it would be freed once per copy.
 */
/*
 * A slice of the run: one thread ("1234 democtl") or one peer
 * ("10.0.0.1:443"), with its own subsystems and syscalls.  The nested
 * snapshot only uses subsys/n_subsys.
 */
struct ls_group {
	char name[96];
	struct ls_snapshot *snap;
};

struct ls_snapshot {
	int version;		/* of the file it was loaded from, else ours */
	struct ls_group *threads;	/* --by thread; none in files before threads */
	size_t n_threads;
	struct ls_group *peers;		/* --by peer: tcp/udp/icmp calls with a peer */
	size_t n_peers;
	struct ls_meta meta;
	char **rules;		/* rule source lines, each owned; see ls_snapshot_add_rule() */
	size_t n_rules;
	struct ls_subsys *subsys;
	size_t n_subsys;
};

/* All functions: 0 or negative errno; pointers: NULL + errno. */
struct ls_snapshot *ls_snapshot_new(void);
void ls_snapshot_free(struct ls_snapshot *snap);	/* accepts NULL */

/* Find or add the entry; names are copied (truncated to fit). */
struct ls_subsys *ls_snapshot_subsys(struct ls_snapshot *snap, const char *name);
/* Find or add the group `name` in *arr (snap->threads or snap->peers). */
struct ls_group *ls_snapshot_group(struct ls_group **arr, size_t *n, const char *name);
struct ls_syscall_stats *ls_subsys_syscall(struct ls_subsys *ss, const char *name, __u32 nr);
int ls_syscall_add_errno(struct ls_syscall_stats *sc, int err, __u64 count);
/* Append a copy of one rule's source line; -EINVAL for NULL or too long. */
int ls_snapshot_add_rule(struct ls_snapshot *snap, const char *text);

/* Subsystem totals: merge of all its syscalls. */
void ls_subsys_total(const struct ls_subsys *ss, struct ls_stats *out);


/*
 * Limits of the loader, so a hostile file cannot make it allocate without
 * bound (a syscall entry is 8 KiB).  Deliberately far above the BPF map
 * sizes in latscope.h, so that changing those never makes older snapshots
 * unreadable.
 */
#define LS_SNAPSHOT_MAX_SUBSYS		16384
#define LS_SNAPSHOT_MAX_SYSCALLS	16384	/* in the whole snapshot */
#define LS_SNAPSHOT_MAX_ERRNOS		65536	/* in the whole snapshot */
#define LS_SNAPSHOT_MAX_RULES		4096
/* Bytes in one rule's text: twice the longest line src/rules.c accepts. */
#define LS_SNAPSHOT_RULE_MAX		8192
/* Largest errno a syscall can return (MAX_ERRNO in include/linux/err.h). */
#define LS_ERRNO_MAX			4095

/*
 * Deterministic order: subsystems by total_ns descending (name ascending on
 * ties), syscalls by total_ns descending (name), errnos by count descending
 * (errno).  Reports print in snapshot order, so sort before printing.
 */
void ls_snapshot_sort(struct ls_snapshot *snap);

/* Sum of every subsystem's total_ns, as a double so it cannot wrap. */
double ls_snapshot_total_ns(const struct ls_snapshot *snap);
/* part / whole * 100, or 0 when whole is 0. */
double ls_pct_of(__u64 part, double whole);

/* "EAGAIN", or NULL for a number without a name. */
const char *ls_errno_name(int err);

#endif
