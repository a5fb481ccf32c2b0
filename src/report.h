/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Render a snapshot: text tables, CSV, Markdown, or JSON (docs/report.md). */
#ifndef LS_REPORT_H
#define LS_REPORT_H

#include <stdio.h>
#include "snapshot.h"
#include "snapshot_cols.h"

enum ls_format {
	LS_FMT_TEXT = 0,
	LS_FMT_JSON,
	LS_FMT_CSV,
	LS_FMT_MARKDOWN,
};

/* "text", "json", "csv", "markdown" -> format; -EINVAL for anything else. */
int ls_format_parse(const char *s, enum ls_format *out);
/* For messages: "text, json, csv or markdown". */
extern const char ls_format_names[];

/* What a row of a report or diff is (src/report_view.h). */
enum ls_by {
	LS_BY_SUBSYSTEM = 0,
	LS_BY_SYSCALL,		/* one row per (subsystem, syscall) */
	LS_BY_THREAD,		/* accepted; needs per-thread data in the snapshot */
	LS_BY_PEER,		/* accepted; needs per-peer data in the snapshot */
};

enum ls_sort {
	LS_SORT_TOTAL = 0,	/* total time, largest first */
	LS_SORT_P99,		/* p99, largest first */
	LS_SORT_CALLS,		/* calls, most first */
	LS_SORT_NAME,		/* name, A to Z */
};

int ls_by_parse(const char *s, enum ls_by *out);
int ls_sort_parse(const char *s, enum ls_sort *out);
const char *ls_by_name(enum ls_by by);

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

/* Human duration: "812ns", "12.3us", "4.56ms", "1.23s" into buf. */
const char *ls_fmt_duration(__u64 ns, char *buf, size_t len);

#endif
