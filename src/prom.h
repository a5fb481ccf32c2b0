/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The metrics of a running `record`, in the Prometheus text format or in
 * OpenMetrics (docs/metrics.md).  Their counters never go backwards while
 * latscope runs: they are kept here, in user space, from successive reads of
 * the BPF maps, so keys the kernel folds into others or frees (exited
 * threads, restarted targets) cannot take anything back.
 */
#ifndef LS_PROM_H
#define LS_PROM_H

#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>
#include "collect.h"

struct ls_rules;
struct ls_cost_sample;

/*
 * The `le` bounds of latscope_syscall_duration_seconds, in ns: 1, 2 and 5
 * per decade from 1 us to 10 s, then +Inf.  A log-linear slot that straddles
 * a bound is counted below it when its middle is: the bucket's real edge is
 * the slot edge nearest the bound, at most bound / 64 away (docs/metrics.md).
 */
#define LS_PROM_N_BOUNDS	22
#define LS_PROM_N_BUCKETS	(LS_PROM_N_BOUNDS + 1)	/* and +Inf */
extern const __u64 ls_prom_bounds_ns[LS_PROM_N_BOUNDS];

/* The bucket slot `slot` is counted in; LS_PROM_N_BOUNDS is +Inf. */
unsigned int ls_prom_bucket_of_slot(__u32 slot);

/* Reads a process's gone keys may still come back in (a fold not yet done). */
#define LS_PROM_GRACE_READS	3

enum ls_prom_format {
	LS_PROM_TEXT = 0,	/* text/plain; version=0.0.4, and textfile collectors */
	LS_PROM_OPENMETRICS,	/* application/openmetrics-text; version=1.0.0 */
};

/* The `process` label of tgid: its name, written into buf (NUL-terminated). */
typedef void (*ls_prom_name_fn)(void *ctx, __u32 tgid, char *buf, size_t len);

struct ls_prom;

struct ls_prom *ls_prom_new(void);	/* NULL + errno */
void ls_prom_free(struct ls_prom *p);	/* accepts NULL */

/*
 * Take in one read of the maps (cumulative, as ls_raw_read() returns it).
 * name is asked once per process, when it is first seen.  0 or -ENOMEM;
 * after -ENOMEM the counters are still monotonic, but may miss this read.
 */
int ls_prom_update(struct ls_prom *p, const struct ls_raw *raw, const struct ls_rules *rules,
		   ls_prom_name_fn name, void *ctx);

/* Number of exported (subsystem, syscall, process) series. */
size_t ls_prom_n_series(const struct ls_prom *p);

/* latscope's own state, exported beside the syscalls. */
struct ls_prom_health {
	__u64 counters[LS_CNT_MAX];	/* the kernel's counters (enum ls_counter) */
	size_t keys_in_use;		/* entries in the stats map */
	unsigned int max_keys;		/* --max-keys */
	double cpu_user_s;		/* latscope's own CPU time */
	double cpu_system_s;
	double start_unix_s;		/* when tracing started */
	const struct ls_cost_sample *cost;	/* what tracing costs (src/cost.h); NULL: not measured */
	const char *version;
	__u64 cycle_period_ns;		/* of the best cycle so far; 0: none yet */
	__u64 cycles;			/* its complete cycles, never going back */
};

/* The whole exposition; 0 or -EIO. */
int ls_prom_write(FILE *f, const struct ls_prom *p, const struct ls_prom_health *h,
		  enum ls_prom_format fmt);

/* The Content-Type header of fmt. */
const char *ls_prom_content_type(enum ls_prom_format fmt);

/*
 * A label value for a name of unknown bytes, stored escaped so that two
 * different names never give the same label: "\" becomes "\\", bytes that
 * are not printable UTF-8 become "\xNN".  The exposition then escapes it
 * once more.  Returns a malloc'd string or NULL.
 */
char *ls_prom_label_value(const char *raw);

#endif
