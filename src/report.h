/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Render a snapshot: human text tables or JSON (the snapshot schema). */
#ifndef LS_REPORT_H
#define LS_REPORT_H

#include <stdio.h>
#include "snapshot.h"

enum ls_format {
	LS_FMT_TEXT = 0,
	LS_FMT_JSON,
};

/* "text" / "json" -> format; -EINVAL for anything else. */
int ls_format_parse(const char *s, enum ls_format *out);

/* Whole report: subsystem table, per-syscall breakdown, top errnos. */
int ls_report_write(FILE *f, const struct ls_snapshot *snap, enum ls_format fmt);

/* Human duration: "812ns", "12.3us", "4.56ms", "1.23s" into buf. */
const char *ls_fmt_duration(__u64 ns, char *buf, size_t len);

#endif
