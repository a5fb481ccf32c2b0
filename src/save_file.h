/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Write a file so that a reader never sees half of it: into a temporary
 * file beside it, synced, then renamed over it.  Snapshots and the test
 * oracles' JSON both go through here.
 */
#ifndef LS_SAVE_FILE_H
#define LS_SAVE_FILE_H

#include <stdio.h>

/* Writes the whole content to f; 0 or -errno. */
typedef int (*ls_save_fn)(FILE *f, const void *ctx);

/*
 * Save what write() produces at path.  "-" is stdout, and a path that is
 * not a regular file (a device such as /dev/null, a FIFO) is written in
 * place.  0 or -errno; on failure path is left as it was.
 */
int ls_save_file(const char *path, ls_save_fn write, const void *ctx);

#endif
