/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A snapshot as a timeline: Chrome trace-event JSON, which the Perfetto UI
 * (ui.perfetto.dev) and chrome://tracing open (docs/timeline.md).  One
 * track per traced thread; times are microseconds from the start of the run.
 */
#ifndef LS_PERFETTO_H
#define LS_PERFETTO_H

#include <stdio.h>
#include "snapshot.h"

/* The whole document; 0, -ENOMEM or -EIO. */
int ls_perfetto_write(FILE *f, const struct ls_snapshot *snap);

#endif
