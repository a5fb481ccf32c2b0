/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Render a snapshot: text tables, CSV, Markdown, or JSON (docs/report.md). */
#ifndef LS_REPORT_H
#define LS_REPORT_H

#include <stdio.h>
#include "format.h"
#include "report_view.h"
#include "snapshot.h"
#include "snapshot_cols.h"

struct ls_report_opts {
	enum ls_format fmt;
	enum ls_by by;
	enum ls_sort sort;	/* every table: rows, and syscalls within a subsystem */
	size_t top;		/* only the first N rows (and their breakdown); 0: all */
	struct ls_pcts pcts;	/* percentile columns */
};

/* Text, by subsystem, sorted by total, every row, ls_pcts_report. */
void ls_report_opts_init(struct ls_report_opts *o, enum ls_format fmt);

/*
 * The whole report.  -ENODATA (and one line in err) when the snapshot has
 * no data for o->by; -EINVAL for bad arguments; -ENOMEM; -EIO.
 */
int ls_report_write_opts(FILE *f, const struct ls_snapshot *snap, const struct ls_report_opts *o,
			 char *err, size_t errlen);

/* With the defaults of ls_report_opts_init(): what `record` prints. */
int ls_report_write(FILE *f, const struct ls_snapshot *snap, enum ls_format fmt);

/* The header line: "latscope: pid 12 (x), 1.50s, 3 syscalls traced" without "\n". */
void ls_report_title(const struct ls_meta *m, char *buf, size_t len);
/*
 * What was lost, by cause, as one line ("904 processes not traced (more
 * than 4096 at once), ..."); its length, 0 when nothing was lost.
 */
size_t ls_report_losses(const struct ls_meta *m, char *buf, size_t len);

#endif
