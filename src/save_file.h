/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one writer of every output file (record -o, report -o, diff -o, the
 * test oracles' JSON): a reader never sees half a file, a full disk leaves
 * the old file as it was, and a name that someone else can swap for a
 * symbolic link cannot make latscope write anywhere but at that name.
 * docs/output-files.md has the rules for each kind of FILE.
 */
#ifndef LS_SAVE_FILE_H
#define LS_SAVE_FILE_H

#include <stddef.h>
#include <stdio.h>

/* Writes the whole content to f; 0 or -errno. */
typedef int (*ls_save_fn)(FILE *f, const void *ctx);

struct ls_outfile;

/*
 * Check the destination now and prepare it: for a file, create the
 * temporary file beside it; for "-", a terminal, a FIFO (which must have a
 * reader) or /dev/fd/N, open it.  Returns 0 with *out set, or -errno with
 * one line in err ("cannot write 'PATH': why").  Call it before a long
 * run, so that a bad -o costs nothing.
 */
int ls_outfile_open(struct ls_outfile **out, const char *path, char *err, size_t errlen);

/*
 * Write what write() produces, sync it and put it in place (rename), then
 * free out.  0 or -errno, the first real error (ENOSPC, not EIO) with one
 * line in err; on failure a file at the name is left as it was.
 */
int ls_outfile_commit(struct ls_outfile *out, ls_save_fn write, const void *ctx, char *err,
		  size_t errlen);

/* Give up: remove the temporary file, free out.  NULL is allowed. */
void ls_outfile_abort(struct ls_outfile *out);

/* ls_outfile_open() then ls_outfile_commit(): 0 or -errno. */
int ls_save_file(const char *path, ls_save_fn write, const void *ctx);

#endif
