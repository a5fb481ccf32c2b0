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
	LS_FMT_PERFETTO,	/* report: a Chrome trace-event timeline (docs/timeline.md) */
	LS_FMT_HTML,		/* report, diff: one page with SVG plots (docs/html.md) */
	LS_FMT_MAX,
};

/* Sets of formats, for the commands that take only some of them. */
#define LS_FMT_BIT(f)		(1U << (f))
#define LS_FMTS_TABLES		(LS_FMT_BIT(LS_FMT_TEXT) | LS_FMT_BIT(LS_FMT_JSON) | \
				 LS_FMT_BIT(LS_FMT_CSV) | LS_FMT_BIT(LS_FMT_MARKDOWN))

/* "text", "json", "csv", "markdown", "perfetto", "html" -> format; -EINVAL for anything else. */
int ls_format_parse(const char *s, enum ls_format *out);
/* The name of a format ("perfetto"), or "?". */
const char *ls_format_name(enum ls_format fmt);
/* For messages: the formats of a set, "text, json, csv or markdown", into buf. */
const char *ls_format_list(unsigned int set, char *buf, size_t len);

/* Durations */

/* Human duration: "812ns", "12.3us", "4.56ms", "1.23s" into buf. */
const char *ls_fmt_duration(__u64 ns, char *buf, size_t len);

/* Escaping: text from outside (names, titles) made safe for one format */

/*
 * A name from outside (a comm, a thread, file or host name, a rule) as
 * text that cannot move the cursor or change a terminal's state, written
 * the way strace writes one: C0 and C1 controls, DEL, bytes that are not
 * UTF-8 and the bidirectional overrides as \xHH, a backslash as \\.  Valid
 * UTF-8 stays.  Into buf, cut short with "..." if it does not fit; returns
 * buf, or s itself when nothing needed escaping.
 */
const char *ls_name_text(const char *s, char *buf, size_t len);
/* The same, written to f. */
void ls_name_put(FILE *f, const char *s);
/*
 * Prose with names in it, such as a message or a title: the same, except
 * that newlines and tabs stay and a backslash is left alone, so names that
 * were escaped already stay as they were.
 */
void ls_text_put(FILE *f, const char *s);

/*
 * A section's heading: "\nTEXT:\n" in text (its names' controls escaped),
 * "### TEXT" (after an empty line, before one) in Markdown, <h3> in HTML.
 */
void ls_section_heading(FILE *f, enum ls_format fmt, const char *text);

/* Markdown text with everything GitHub would interpret escaped, controls as prose. */
void ls_md_escape(FILE *f, const char *s);
/*
 * HTML text or an attribute value in double or single quotes: & < > " '
 * as entities, C0 controls as their visible pictures (U+2400...).
 */
void ls_html_escape(FILE *f, const char *s);
/* One RFC 4180 field, controls as prose: quoted when it holds a comma or quote. */
void ls_csv_field(FILE *f, const char *s);

#endif
