/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Who the traced processes are: `record` tells the table which processes
 * are traced at every tick (the kernel's procs map), and the table reads
 * what /proc says about new ones (command line, executable, cgroup, start
 * time) while they still run, and notes when they are gone.  The entries
 * are struct ls_process, kept in a snapshot of their own until the final
 * one takes them.  No BPF here.
 */
#ifndef LS_PROC_TABLE_H
#define LS_PROC_TABLE_H

#include <stddef.h>
#include <linux/types.h>
#include "snapshot.h"

/*
 * live: the pids traced now (any order).  New ones are read from /proc,
 * ones no longer live are marked exited at now_unix_ns.  0 or -ENOMEM.
 */
int ls_proc_table_update(struct ls_snapshot *tab, const __u32 *live, size_t n,
			 __u64 now_unix_ns);

/* Fill p from /proc/PID; what cannot be read (the process is gone) stays unknown. */
void ls_proc_read(struct ls_process *p);

/*
 * Move the table's processes into snap (which must have none yet), then add
 * one for every thread's pid the table does not know: a process that lived
 * less than a tick, known by its pid and comm (comm_of may give it, or
 * return non-zero).  Leaves tab empty.
 */
int ls_proc_table_take(struct ls_snapshot *tab, struct ls_snapshot *snap,
		       int (*comm_of)(void *ctx, __u32 pid, char comm[LS_COMM_LEN]), void *ctx);

#endif
