/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A table of typed values, written as aligned text, RFC 4180 CSV, a GitHub
 * Markdown table or JSON records.  Reports and diffs fill one table and
 * the format is chosen at the end, so every field goes through one call
 * site whatever the format: a value knows its type, and each type has one
 * human form (text, Markdown) and one exact form (CSV, JSON).
 */
#ifndef LS_REPORT_TABLE_H
#define LS_REPORT_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>
#include "format.h"

struct ls_col;
struct json_object;

enum ls_val_kind {
	LS_VAL_NONE = 0,	/* no value: "-" in text, empty in CSV, null in JSON */
	LS_VAL_STR,		/* s */
	LS_VAL_COUNT,		/* u: "1234" */
	LS_VAL_NS,		/* u: "12.3us" / 12345 */
	LS_VAL_SHARE,		/* d: percent of a whole, "66.7" / 66.67 */
	LS_VAL_RATE,		/* d: how many per something, "2.5" / 2.50 */
	LS_VAL_DCOUNT,		/* i: a change of a count, "+3" */
	LS_VAL_DNS,		/* i: a change of a duration, "+15.0ms" / 15000000 */
	LS_VAL_REL,		/* d: a relative change in percent, "+287.4%" / 287.41 */
	LS_VAL_PROB,		/* d: a p-value, "0.007" or "<0.001" / 0.00712 */
	LS_VAL_DRATE,		/* d: a change of a rate, "+1.2" / 1.200 */
	LS_VAL_NS_RANGE,	/* range: an interval, "5.07-5.11ms"; for human columns */
	LS_VAL_ERRNO,		/* i: "EAGAIN", or the number when it has no name */
	LS_VAL_METRIC,		/* col: name ("p99.9") in text, key ("p99_9_ns") else */
};

struct ls_val {
	enum ls_val_kind kind;
	union {
		const char *s;		/* must outlive the table */
		__u64 u;
		__s64 i;
		double d;
		const struct ls_col *col;
		struct {
			__u64 lo, hi;
		} range;
	};
};

/*
 * One human column may stand for several exact ones (an interval for its
 * two ends): a column without a header is left out of text and Markdown,
 * one without a key out of CSV and JSON.
 */
struct ls_table_col {
	const char *header;	/* text and Markdown */
	const char *key;	/* CSV header and JSON key */
	bool left;		/* left-aligned (names); figures are right-aligned */
};

struct ls_table {
	const struct ls_table_col *cols;
	size_t n_cols;
	/*
	 * Text and Markdown leave the first n_group cells of a row blank when
	 * ls_table_add_row() was told it continues the previous row's group.
	 * CSV and JSON repeat them, so every record stands alone.
	 */
	size_t n_group;
	struct ls_val *cells;	/* n_rows * n_cols */
	bool *cont;
	size_t n_rows, cap;
};

void ls_table_init(struct ls_table *t, const struct ls_table_col *cols, size_t n_cols);
void ls_table_free(struct ls_table *t);		/* keeps cols; accepts an empty table */
/* A zeroed row of n_cols values to fill in; NULL + errno. */
struct ls_val *ls_table_add_row(struct ls_table *t, bool cont);

static inline struct ls_val ls_val_str(const char *s)
{
	return (struct ls_val){ .kind = s ? LS_VAL_STR : LS_VAL_NONE, .s = s };
}

static inline struct ls_val ls_val_u(enum ls_val_kind kind, __u64 u)
{
	return (struct ls_val){ .kind = kind, .u = u };
}

static inline struct ls_val ls_val_d(enum ls_val_kind kind, double d)
{
	return (struct ls_val){ .kind = kind, .d = d };
}

/* after - before as a signed change, saturated to the __s64 range. */
__s64 ls_delta(__u64 before, __u64 after);

/*
 * The human form (text and Markdown) of v into buf, and the exact form
 * (CSV).  Both return buf.
 */
const char *ls_val_text(const struct ls_val *v, char *buf, size_t len);
const char *ls_val_raw(const struct ls_val *v, char *buf, size_t len);

/* Column widths for text: the max of w[] and this table's cells and headers. */
void ls_table_widths(const struct ls_table *t, int *w);

/*
 * Write the table.  Text: columns two blanks apart, each line prefixed by
 * indent, widths from w (NULL: the table's own), so that several tables
 * can line up.  JSON is not a format here: see ls_table_json().
 */
int ls_table_write(FILE *f, const struct ls_table *t, enum ls_format fmt, const char *indent,
		   const int *w);

/* The rows as an array of JSON objects keyed like the CSV header; NULL + errno. */
struct json_object *ls_table_json(const struct ls_table *t);

#endif
