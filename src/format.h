/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * How latscope writes things, below everything that writes: the output
 * formats, durations in human form, and escaping text for a format.
 * Reports, diffs and the option parsers use it; it uses nothing of theirs.
 */
#ifndef LS_FORMAT_H
#define LS_FORMAT_H

#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

/* Output formats */

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

/* Durations */

/* Human duration: "812ns", "12.3us", "4.56ms", "1.23s" into buf. */
const char *ls_fmt_duration(__u64 ns, char *buf, size_t len);

/* Escaping: text from outside (names, titles) made safe for one format */

/* Markdown text with everything GitHub would interpret escaped. */
void ls_md_escape(FILE *f, const char *s);
/* One RFC 4180 field: quoted when it holds a comma, quote, CR or LF. */
void ls_csv_field(FILE *f, const char *s);

#endif
