/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Typed tables and their four renderings (report_table.h).  Numbers are
 * formatted with integer arithmetic or with the radix fixed afterwards, so
 * a locale with a decimal comma can break neither the CSV nor the JSON.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "format.h"
#include "report_table.h"
#include "snapshot.h"
#include "snapshot_cols.h"
#include "snapshot_write.h"

/*
 * Longest cell: a u64 has 20 digits, a signed duration "+18446744074s"; a
 * name, escaped (ls_name_text()), is cut short with "..." beyond this.
 */
#define CELL 512

void ls_table_init(struct ls_table *t, const struct ls_table_col *cols, size_t n_cols)
{
	memset(t, 0, sizeof(*t));
	t->cols = cols;
	t->n_cols = n_cols;
}

void ls_table_free(struct ls_table *t)
{
	free(t->cells);
	free(t->cont);
	t->cells = NULL;
	t->cont = NULL;
	t->n_rows = t->cap = 0;
}

struct ls_val *ls_table_add_row(struct ls_table *t, bool cont)
{
	struct ls_val *cells, *row;
	size_t cap;
	bool *c;

	if (t->n_rows == t->cap) {
		cap = t->cap ? 2 * t->cap : 16;
		if (!t->n_cols || cap > SIZE_MAX / sizeof(*cells) / t->n_cols) {
			errno = ENOMEM;
			return NULL;
		}
		cells = realloc(t->cells, cap * t->n_cols * sizeof(*cells));
		if (!cells)
			return NULL;
		t->cells = cells;
		c = realloc(t->cont, cap * sizeof(*c));
		if (!c)
			return NULL;
		t->cont = c;
		t->cap = cap;
	}
	row = &t->cells[t->n_rows * t->n_cols];
	memset(row, 0, t->n_cols * sizeof(*row));
	t->cont[t->n_rows++] = cont;
	return row;
}

__s64 ls_delta(__u64 before, __u64 after)
{
	if (after >= before)
		return after - before > (__u64)INT64_MAX ? INT64_MAX : (__s64)(after - before);
	return before - after > (__u64)INT64_MAX ? INT64_MIN : -(__s64)(before - after);
}

/* v with `dec` decimals, a '-' or (with plus) '+' unless it rounds to 0. */
static void fmt_fixed(char *buf, size_t len, double v, int dec, bool plus)
{
	static const __u64 pow10[] = { 1, 10, 100, 1000, 10000 };
	double a;
	__u64 m, scale;
	const char *sign;
	char *p;

	if (!isfinite(v)) {
		snprintf(buf, len, "-");
		return;
	}
	scale = pow10[dec];
	a = fabs(v) * (double)scale;
	if (a >= 9e18) {
		/* Only absurd relative changes get here; the radix is fixed below. */
		snprintf(buf, len, "%s%.3e", v < 0 ? "-" : plus ? "+" : "", fabs(v));
		for (p = buf; *p; p++)
			if (*p == ',')
				*p = '.';
		return;
	}
	m = (__u64)(a + 0.5);
	sign = v < 0 && m ? "-" : plus && m ? "+" : "";
	if (dec)
		snprintf(buf, len, "%s%llu.%0*llu", sign, (unsigned long long)(m / scale), dec,
			 (unsigned long long)(m % scale));
	else
		snprintf(buf, len, "%s%llu", sign, (unsigned long long)m);
}

/* Four significant digits in C notation, whatever the locale's radix. */
static void fmt_sig(char *buf, size_t len, double v)
{
	char *p;

	snprintf(buf, len, "%.4g", v);
	for (p = buf; *p; p++)
		if (*p == ',')
			*p = '.';
}

/* "5.07-5.11ms" when both ends have one unit, else "980us-1.02ms". */
static void range_text(__u64 lo, __u64 hi, char *buf, size_t len)
{
	char l[CELL], h[CELL];
	size_t nl, nh;

	ls_fmt_duration(lo, l, sizeof(l));
	ls_fmt_duration(hi, h, sizeof(h));
	nl = strlen(l);
	nh = strlen(h);
	while (nl && !isdigit((unsigned char)l[nl - 1]))
		nl--;
	while (nh && !isdigit((unsigned char)h[nh - 1]))
		nh--;
	if (!strcmp(l + nl, h + nh))
		snprintf(buf, len, "%.*s-%s", (int)nl, l, h);
	else
		snprintf(buf, len, "%s-%s", l, h);
}

static const char *errno_text(__s64 err, char *buf, size_t len)
{
	const char *name = err > 0 && err <= INT32_MAX ? ls_errno_name((int)err) : NULL;

	if (name)
		return name;
	snprintf(buf, len, "%lld", (long long)err);
	return buf;
}

const char *ls_val_text(const struct ls_val *v, char *buf, size_t len)
{
	char d[CELL];

	switch (v->kind) {
	case LS_VAL_STR:
		snprintf(buf, len, "%s", v->s);
		break;
	case LS_VAL_COUNT:
		snprintf(buf, len, "%llu", (unsigned long long)v->u);
		break;
	case LS_VAL_NS:
		ls_fmt_duration(v->u, buf, len);
		break;
	case LS_VAL_SHARE:
	case LS_VAL_RATE:
		fmt_fixed(buf, len, v->d > 0 ? v->d : 0, 1, false);
		break;
	case LS_VAL_DCOUNT:
		snprintf(buf, len, "%s%llu", v->i > 0 ? "+" : v->i < 0 ? "-" : "",
			 v->i < 0 ? 0ULL - (unsigned long long)v->i : (unsigned long long)v->i);
		break;
	case LS_VAL_DNS:
		ls_fmt_duration(v->i < 0 ? 0ULL - (__u64)v->i : (__u64)v->i, d, sizeof(d));
		snprintf(buf, len, "%s%s", v->i > 0 ? "+" : v->i < 0 ? "-" : "", d);
		break;
	case LS_VAL_REL:
		fmt_fixed(d, sizeof(d), v->d, 1, true);
		snprintf(buf, len, "%s%%", d);
		break;
	case LS_VAL_PROB:
		if (v->d < 0.001)
			snprintf(buf, len, "<0.001");
		else
			fmt_fixed(buf, len, v->d, 3, false);
		break;
	case LS_VAL_DRATE:
		fmt_fixed(buf, len, v->d, 1, true);
		break;
	case LS_VAL_NS_RANGE:
		range_text(v->range.lo, v->range.hi, buf, len);
		break;
	case LS_VAL_ERRNO:
		snprintf(buf, len, "%s", errno_text(v->i, d, sizeof(d)));
		break;
	case LS_VAL_METRIC:
		snprintf(buf, len, "%s", v->col->name);
		break;
	default:
		snprintf(buf, len, "-");
		break;
	}
	return buf;
}

const char *ls_val_raw(const struct ls_val *v, char *buf, size_t len)
{
	char d[CELL];

	switch (v->kind) {
	case LS_VAL_NS:
	case LS_VAL_COUNT:
		snprintf(buf, len, "%llu", (unsigned long long)v->u);
		break;
	case LS_VAL_DCOUNT:
	case LS_VAL_DNS:
		snprintf(buf, len, "%lld", (long long)v->i);
		break;
	case LS_VAL_SHARE:
	case LS_VAL_RATE:
	case LS_VAL_REL:
		fmt_fixed(buf, len, v->d, 2, false);
		break;
	case LS_VAL_PROB:
		fmt_sig(buf, len, v->d);
		break;
	case LS_VAL_DRATE:
		fmt_fixed(buf, len, v->d, 2, false);
		break;
	case LS_VAL_NS_RANGE:
		snprintf(buf, len, "%llu-%llu", (unsigned long long)v->range.lo,
			 (unsigned long long)v->range.hi);
		break;
	case LS_VAL_ERRNO:
		snprintf(buf, len, "%s", errno_text(v->i, d, sizeof(d)));
		break;
	case LS_VAL_METRIC:
		snprintf(buf, len, "%s", v->col->key);
		break;
	case LS_VAL_STR:
		snprintf(buf, len, "%s", v->s);
		break;
	default:
		buf[0] = '\0';
		break;
	}
	return buf;
}

/* Names are escaped for the human formats: a comm can hold any byte but NUL. */
static const char *cell_text(const struct ls_table *t, size_t r, size_t c, char *buf, size_t len)
{
	const struct ls_val *v = &t->cells[r * t->n_cols + c];

	if (c < t->n_group && t->cont[r])
		return "";
	if (v->kind == LS_VAL_STR)
		return ls_name_text(v->s, buf, len);
	return ls_val_text(v, buf, len);
}

/* Is column c written in the human formats (text, Markdown, HTML) or in the exact ones? */
static bool shown(const struct ls_table *t, size_t c, bool human)
{
	return human ? t->cols[c].header != NULL : t->cols[c].key != NULL;
}

void ls_table_widths(const struct ls_table *t, int *w)
{
	char buf[CELL];
	size_t r, c;
	int len;

	for (c = 0; c < t->n_cols; c++) {
		if (!shown(t, c, true))
			continue;
		len = (int)strlen(t->cols[c].header);
		if (len > w[c])
			w[c] = len;
		for (r = 0; r < t->n_rows; r++) {
			len = (int)strlen(cell_text(t, r, c, buf, sizeof(buf)));
			if (len > w[c])
				w[c] = len;
		}
	}
}

/* Left-aligned cells are padded, except in the last column: no trailing blanks. */
static void text_line(FILE *f, const struct ls_table *t, const char *indent, const int *w,
		      const char *const *cells)
{
	size_t c, last = t->n_cols;
	bool first = true;

	while (last > 0 && !shown(t, last - 1, true))
		last--;
	fputs(indent, f);
	for (c = 0; c < last; c++) {
		if (!shown(t, c, true))
			continue;
		if (!first)
			fputs("  ", f);
		first = false;
		if (!t->cols[c].left)
			fprintf(f, "%*s", w[c], cells[c]);
		else if (c + 1 < last)
			fprintf(f, "%-*s", w[c], cells[c]);
		else
			fputs(cells[c], f);
	}
	fputc('\n', f);
}

static int write_text(FILE *f, const struct ls_table *t, const char *indent, const int *given)
{
	const char **cells = calloc(t->n_cols, sizeof(*cells));
	char (*bufs)[CELL] = calloc(t->n_cols, sizeof(*bufs));
	int *w = calloc(t->n_cols, sizeof(*w));
	size_t r, c;
	int err = 0;

	if (!cells || !bufs || !w) {
		err = -ENOMEM;
		goto cleanup;
	}
	if (given)
		memcpy(w, given, t->n_cols * sizeof(*w));
	else
		ls_table_widths(t, w);
	for (c = 0; c < t->n_cols; c++)
		cells[c] = t->cols[c].header;
	text_line(f, t, indent, w, cells);
	for (r = 0; r < t->n_rows; r++) {
		for (c = 0; c < t->n_cols; c++)
			cells[c] = cell_text(t, r, c, bufs[c], CELL);
		text_line(f, t, indent, w, cells);
	}

cleanup:
	free(w);
	free(bufs);
	free(cells);
	return err;
}

static void write_markdown(FILE *f, const struct ls_table *t)
{
	char buf[CELL];
	size_t r, c;

	fputc('|', f);
	for (c = 0; c < t->n_cols; c++) {
		if (!shown(t, c, true))
			continue;
		fputc(' ', f);
		ls_md_escape(f, t->cols[c].header);
		fputs(" |", f);
	}
	fputs("\n|", f);
	for (c = 0; c < t->n_cols; c++)
		if (shown(t, c, true))
			fputs(t->cols[c].left ? ":---|" : "---:|", f);
	fputc('\n', f);
	for (r = 0; r < t->n_rows; r++) {
		fputc('|', f);
		for (c = 0; c < t->n_cols; c++) {
			if (!shown(t, c, true))
				continue;
			fputc(' ', f);
			ls_md_escape(f, cell_text(t, r, c, buf, sizeof(buf)));
			fputs(" |", f);
		}
		fputc('\n', f);
	}
}

/* A <table>; figures get class "num" (right-aligned by the page's style). */
static void write_html(FILE *f, const struct ls_table *t)
{
	char buf[CELL];
	size_t r, c;

	fputs("<table>\n<thead><tr>", f);
	for (c = 0; c < t->n_cols; c++) {
		if (!shown(t, c, true))
			continue;
		fputs(t->cols[c].left ? "<th>" : "<th class=\"num\">", f);
		ls_html_escape(f, t->cols[c].header);
		fputs("</th>", f);
	}
	fputs("</tr></thead>\n<tbody>\n", f);
	for (r = 0; r < t->n_rows; r++) {
		fputs("<tr>", f);
		for (c = 0; c < t->n_cols; c++) {
			if (!shown(t, c, true))
				continue;
			fputs(t->cols[c].left ? "<td>" : "<td class=\"num\">", f);
			ls_html_escape(f, cell_text(t, r, c, buf, sizeof(buf)));
			fputs("</td>", f);
		}
		fputs("</tr>\n", f);
	}
	fputs("</tbody>\n</table>\n", f);
}

static void write_csv(FILE *f, const struct ls_table *t)
{
	const struct ls_val *v;
	const char *sep = "";
	char buf[CELL];
	size_t r, c;

	for (c = 0; c < t->n_cols; c++) {
		if (!shown(t, c, false))
			continue;
		fputs(sep, f);
		sep = ",";
		ls_csv_field(f, t->cols[c].key);
	}
	fputc('\n', f);
	for (r = 0; r < t->n_rows; r++) {
		sep = "";
		for (c = 0; c < t->n_cols; c++) {
			if (!shown(t, c, false))
				continue;
			v = &t->cells[r * t->n_cols + c];
			fputs(sep, f);
			sep = ",";
			/* a name as in the text table: escaped once, with its backslashes */
			ls_csv_field(f, v->kind == LS_VAL_STR ? ls_name_text(v->s, buf, sizeof(buf)) :
					     ls_val_raw(v, buf, sizeof(buf)));
		}
		fputc('\n', f);
	}
}

int ls_table_write(FILE *f, const struct ls_table *t, enum ls_format fmt, const char *indent,
		   const int *w)
{
	if (!f || !t)
		return -EINVAL;
	switch (fmt) {
	case LS_FMT_TEXT:
		return write_text(f, t, indent ? indent : "", w);
	case LS_FMT_MARKDOWN:
		write_markdown(f, t);
		return 0;
	case LS_FMT_CSV:
		write_csv(f, t);
		return 0;
	case LS_FMT_HTML:
		write_html(f, t);
		return 0;
	default:
		return -EINVAL;
	}
}

/* The exact form as a JSON value: numbers stay numbers, "no value" is null. */
static int val_json(const struct ls_val *v, json_object **out)
{
	char buf[CELL];

	switch (v->kind) {
	case LS_VAL_STR:
		*out = json_object_new_string(v->s);
		break;
	case LS_VAL_COUNT:
	case LS_VAL_NS:
		*out = json_object_new_uint64(v->u);
		break;
	case LS_VAL_DCOUNT:
	case LS_VAL_DNS:
		*out = json_object_new_int64(v->i);
		break;
	case LS_VAL_SHARE:
	case LS_VAL_RATE:
	case LS_VAL_REL:
	case LS_VAL_PROB:
	case LS_VAL_DRATE:
		if (!isfinite(v->d)) {
			*out = NULL;
			return 0;
		}
		/* The printed text is the raw form, so "%.17g" noise never shows. */
		*out = json_object_new_double_s(v->d, ls_val_raw(v, buf, sizeof(buf)));
		break;
	case LS_VAL_ERRNO:
	case LS_VAL_METRIC:
		*out = json_object_new_string(ls_val_raw(v, buf, sizeof(buf)));
		break;
	default:
		*out = NULL;
		return 0;
	}
	return *out ? 0 : -ENOMEM;
}

struct json_object *ls_table_json(const struct ls_table *t)
{
	json_object *arr = json_object_new_array(), *o, *val;
	size_t r, c;

	if (!arr)
		goto nomem;
	for (r = 0; r < t->n_rows; r++) {
		o = json_object_new_object();
		if (!o || json_object_array_add(arr, o)) {
			json_object_put(o);
			goto nomem;
		}
		for (c = 0; c < t->n_cols; c++) {
			if (!shown(t, c, false))
				continue;
			if (val_json(&t->cells[r * t->n_cols + c], &val))
				goto nomem;
			if (json_object_object_add(o, t->cols[c].key, val)) {
				json_object_put(val);
				goto nomem;
			}
		}
	}
	ls_json_compact_if_empty(arr);
	return arr;

nomem:
	json_object_put(arr);
	errno = ENOMEM;
	return NULL;
}
