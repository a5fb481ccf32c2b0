/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A run split per daemon afterwards: `latscope report --pid`. */
#ifndef LS_SNAPSHOT_SELECT_H
#define LS_SNAPSHOT_SELECT_H

#include <stddef.h>
#include "snapshot.h"

/*
 * The part of snap that the processes pids[] made: their threads (with
 * their time split), their subsystems (merged from the threads, role by
 * role), themselves in processes, the rules, the cycle if its thread is
 * theirs, their slowest calls; no peers (a peer's calls are not kept per
 * process).  meta is the run's, with events recounted and the processes
 * named in target; dropped, lost and events_lost stay the whole run's.  NULL + errno, one line in err: ESRCH for
 * a pid that is not one of snap's processes, ENOMEM.
 */
struct ls_snapshot *ls_snapshot_select(const struct ls_snapshot *snap, const __u32 *pids,
				       size_t n, char *err, size_t errlen);

#endif
