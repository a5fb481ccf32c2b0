/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Reading a snapshot from JSON (docs/snapshot-format.md); writing: snapshot_write.h. */
#ifndef LS_SNAPSHOT_LOAD_H
#define LS_SNAPSHOT_LOAD_H

#include <stddef.h>
#include "snapshot.h"

/*
 * The snapshot in path, of any version up to LS_SNAPSHOT_VERSION, within
 * the LS_SNAPSHOT_MAX_* limits.  NULL + errno, with one line in err that
 * names the file and the field.
 */
struct ls_snapshot *ls_snapshot_load(const char *path, char *err, size_t errlen);

#endif
