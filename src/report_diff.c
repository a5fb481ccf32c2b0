/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The diff in four formats (report_diff.h).  One table holds it, one line
 * per (row, metric); text and Markdown show a row's name and verdict once,
 * CSV and JSON repeat them so that every record stands on its own.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "log.h"
#include "report.h"
#include "report_diff.h"
#include "report_table.h"
#include "snapshot_write.h"

#define DIFF_SCHEMA	"latscope-diff"
#define DIFF_VERSION	1

/* After the name columns of the view. */
static const struct ls_table_col diff_cols[] = {
	{ "VERDICT", "verdict", true },
	{ "P", "p_value", false },
	{ "DELTA", "cliffs_delta", false },
	{ "METRIC", "metric", true },
	{ "BEFORE", "before", false },
	{ "AFTER", "after", false },
	{ "CHANGE", "change", false },
	{ "REL", "rel_change_pct", false },
};

#define N_DIFF_COLS (sizeof(diff_cols) / sizeof(diff_cols[0]))

void ls_diff_opts_init(struct ls_diff_opts *o, enum ls_format fmt, const char *before_name,
		       const char *after_name)
{
	memset(o, 0, sizeof(*o));
	o->fmt = fmt;
	o->pcts = ls_pcts_diff;
	o->before_name = before_name ? before_name : "before";
	o->after_name = after_name ? after_name : "after";
}

/* One line of the table: a metric of a row on both sides. */
static void fill_metric(struct ls_val *v, const struct ls_diff_row *r, const struct ls_col *c)
{
	enum ls_val_kind kind = ls_col_is_duration(c) ? LS_VAL_NS : LS_VAL_COUNT;
	bool hb, ha;
	__u64 b, a;

	hb = ls_diff_value(r, c, false, &b);
	ha = ls_diff_value(r, c, true, &a);
	v[0] = (struct ls_val){ .kind = LS_VAL_METRIC, .col = c };
	if (hb)
		v[1] = ls_val_u(kind, b);
	if (ha)
		v[2] = ls_val_u(kind, a);
	if (hb && ha) {
		v[3] = (struct ls_val){ .kind = kind == LS_VAL_NS ? LS_VAL_DNS : LS_VAL_DCOUNT,
					.i = ls_delta(b, a) };
		/* Relative to nothing is not a number. */
		if (b)
			v[4] = ls_val_d(LS_VAL_REL, ((double)a - (double)b) / (double)b * 100);
	}
}

static int build_table(const struct ls_diff *d, const struct ls_cols *cols,
		       struct ls_table *t, struct ls_table_col **tc)
{
	size_t nk = d->before.n_keys, i, m, k;
	const struct ls_diff_row *r;
	struct ls_val *v;

	*tc = calloc(nk + N_DIFF_COLS, sizeof(**tc));
	if (!*tc)
		return -ENOMEM;
	for (k = 0; k < nk; k++)
		(*tc)[k] = (struct ls_table_col){ d->before.key_header[k], d->before.key_name[k],
						  true };
	memcpy(*tc + nk, diff_cols, sizeof(diff_cols));
	ls_table_init(t, *tc, nk + N_DIFF_COLS);
	t->n_group = nk + 3;
	for (i = 0; i < d->n; i++) {
		r = &d->rows[i];
		for (m = 0; m < cols->n; m++) {
			v = ls_table_add_row(t, m > 0);
			if (!v)
				return -ENOMEM;
			for (k = 0; k < nk; k++)
				v[k] = ls_val_str(r->key[k]);
			v[nk] = ls_val_str(ls_verdict_name(r->verdict));
			/* A p-value needs both runs. */
			if (r->before && r->after) {
				v[nk + 1] = ls_val_d(LS_VAL_PROB, r->mw.p);
				v[nk + 2] = ls_val_d(LS_VAL_EFFECT, r->mw.delta);
			}
			fill_metric(v + nk + 3, r, &cols->col[m]);
		}
	}
	return 0;
}

/* "cmd democtl ..., 1.50s, 480 syscalls traced": the report's title, unprefixed. */
static void run_line(const struct ls_snapshot *s, char *buf, size_t len)
{
	static const char prefix[] = "latscope: ";
	char title[512];

	ls_report_title(&s->meta, title, sizeof(title));
	snprintf(buf, len, "%s", strncmp(title, prefix, sizeof(prefix) - 1) ? title :
				  title + sizeof(prefix) - 1);
}

static void write_header(FILE *f, const struct ls_diff *d, const struct ls_snapshot *before,
			 const struct ls_snapshot *after, const struct ls_diff_opts *o)
{
	bool md = o->fmt == LS_FMT_MARKDOWN;
	void (*esc)(FILE *, const char *) = md ? ls_md_escape : ls_html_escape;
	char b[600], a[600], method[256], alpha[32];
	struct ls_val va = ls_val_d(LS_VAL_PROB, d->alpha);

	run_line(before, b, sizeof(b));
	run_line(after, a, sizeof(a));
	ls_val_raw(&va, alpha, sizeof(alpha));
	snprintf(method, sizeof(method),
		 "Mann-Whitney U test per %s%s, alpha %s; ~: no significant difference; "
		 "DELTA: Cliff's delta, > 0 means slower", ls_by_name(d->before.by),
		 d->before.by == LS_BY_SYSCALL ? "" : " (strata: its syscalls)", alpha);
	if (o->fmt == LS_FMT_TEXT) {
		fprintf(f, "latscope diff: %s -> %s\nbefore: %s\nafter:  %s\n%s\n\n",
			o->before_name, o->after_name, b, a, method);
		return;
	}
	fputs(md ? "latscope diff: " : "<p>latscope diff: ", f);
	esc(f, o->before_name);
	fputs(md ? " -> " : " &rarr; ", f);
	esc(f, o->after_name);
	fputs(md ? "\n\n- before: " : "</p>\n<ul>\n<li>before: ", f);
	esc(f, b);
	fputs(md ? "\n- after: " : "</li>\n<li>after: ", f);
	esc(f, a);
	fputs(md ? "\n- " : "</li>\n<li>", f);
	esc(f, method);
	fputs(md ? "\n\n" : "</li>\n</ul>\n", f);
}

/* "recvfrom, connect and 3 more" */
static void name_list(char *buf, size_t len, const char *const *names, size_t n)
{
	size_t i, shown = n < LS_DIFF_MAX_NOTED ? n : LS_DIFF_MAX_NOTED, off;

	buf[0] = '\0';
	for (i = 0; i < shown; i++) {
		off = strlen(buf);
		snprintf(buf + off, len - off, "%s%s", i ? ", " : "", names[i]);
	}
	if (n > shown) {
		off = strlen(buf);
		snprintf(buf + off, len - off, " and %zu more", n - shown);
	}
}

/*
 * Rows whose syscalls changed on their own: a row's verdict weighs all its
 * syscalls, so one much slower syscall among faster ones can read "~".
 */
static void write_part_notes(FILE *f, const struct ls_diff *d, enum ls_format fmt)
{
	char slower[512], faster[512], line[1200];
	const struct ls_diff_row *r;
	bool first = true;
	size_t i;

	for (i = 0; i < d->n; i++) {
		r = &d->rows[i];
		if (!r->n_slower && !r->n_faster)
			continue;
		if (first)
			fprintf(f, "%sSyscalls that changed on their own (each tested at alpha / "
				"the number of syscalls compared in its row):%s",
				fmt == LS_FMT_HTML ? "<p>" : "\n",
				fmt == LS_FMT_HTML ? "</p>\n<ul>\n" :
				fmt == LS_FMT_MARKDOWN ? "\n\n" : "\n");
		first = false;
		name_list(slower, sizeof(slower), r->slower, r->n_slower);
		name_list(faster, sizeof(faster), r->faster, r->n_faster);
		snprintf(line, sizeof(line), "%s: %s%s%s%s%s", r->key[0],
			 r->n_slower ? "slower " : "", slower,
			 r->n_slower && r->n_faster ? "; " : "", r->n_faster ? "faster " : "",
			 faster);
		if (fmt == LS_FMT_MARKDOWN) {
			fputs("- ", f);
			ls_md_escape(f, line);
			fputc('\n', f);
		} else if (fmt == LS_FMT_HTML) {
			fputs("<li>", f);
			ls_html_escape(f, line);
			fputs("</li>\n", f);
		} else {
			fprintf(f, "  %s\n", line);
		}
	}
	if (!first && fmt == LS_FMT_HTML)
		fputs("</ul>\n", f);
}

static int add_str(json_object *o, const char *key, const char *s)
{
	json_object *v = json_object_new_string(s);

	if (!v || json_object_object_add(o, key, v)) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

static int add_obj(json_object *o, const char *key, json_object *v)
{
	if (!v || json_object_object_add(o, key, v)) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

static json_object *run_json(const struct ls_snapshot *s, const char *name)
{
	json_object *o = json_object_new_object();

	if (!o || add_str(o, "file", name) || add_obj(o, "meta", ls_snapshot_meta_json(s))) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static json_object *names_json(const char *const *names, size_t n)
{
	json_object *arr = json_object_new_array();
	size_t i;

	for (i = 0; arr && i < n && i < LS_DIFF_MAX_NOTED; i++) {
		if (json_object_array_add(arr, json_object_new_string(names[i]))) {
			json_object_put(arr);
			return NULL;
		}
	}
	if (arr)
		ls_json_compact_if_empty(arr);
	return arr;
}

/* The notes of write_part_notes(), as records. */
static json_object *part_notes_json(const struct ls_diff *d)
{
	json_object *arr = json_object_new_array(), *o;
	const struct ls_diff_row *r;
	size_t i;

	for (i = 0; arr && i < d->n; i++) {
		r = &d->rows[i];
		if (!r->n_slower && !r->n_faster)
			continue;
		o = json_object_new_object();
		if (!o || json_object_array_add(arr, o) ||
		    add_str(o, d->before.key_name[0], r->key[0]) ||
		    add_obj(o, "slower", names_json(r->slower, r->n_slower)) ||
		    add_obj(o, "slower_count", json_object_new_uint64(r->n_slower)) ||
		    add_obj(o, "faster", names_json(r->faster, r->n_faster)) ||
		    add_obj(o, "faster_count", json_object_new_uint64(r->n_faster))) {
			json_object_put(arr);
			return NULL;
		}
	}
	if (arr)
		ls_json_compact_if_empty(arr);
	return arr;
}

static int write_json(FILE *f, const struct ls_diff *d, const struct ls_table *t,
		      const struct ls_snapshot *before, const struct ls_snapshot *after,
		      const struct ls_diff_opts *o)
{
	char warn[LS_DIFF_MAX_WARN][LS_DIFF_WARN_LEN], alpha[32];
	struct ls_val va = ls_val_d(LS_VAL_PROB, d->alpha);
	json_object *root = json_object_new_object(), *w = json_object_new_array();
	size_t i, n = ls_diff_warnings(before, after, warn, LS_DIFF_MAX_WARN);
	const char *s;
	int err = -ENOMEM;

	if (!root || !w)
		goto cleanup;
	for (i = 0; i < n; i++)
		if (json_object_array_add(w, json_object_new_string(warn[i])))
			goto cleanup;
	ls_json_compact_if_empty(w);
	ls_val_raw(&va, alpha, sizeof(alpha));
	if (add_str(root, "schema", DIFF_SCHEMA) ||
	    add_obj(root, "version", json_object_new_int(DIFF_VERSION)) ||
	    add_str(root, "by", ls_by_name(d->before.by)) ||
	    add_obj(root, "alpha", json_object_new_double_s(d->alpha, alpha)) ||
	    add_obj(root, "before", run_json(before, o->before_name)) ||
	    add_obj(root, "after", run_json(after, o->after_name)))
		goto cleanup;
	err = add_obj(root, "warnings", w);
	w = NULL;
	if (err || (err = add_obj(root, "rows", ls_table_json(t))) ||
	    (err = add_obj(root, "syscall_changes", part_notes_json(d))))
		goto cleanup;
	s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
					   JSON_C_TO_STRING_NOSLASHESCAPE);
	err = !s ? -ENOMEM : fprintf(f, "%s\n", s) < 0 ? -EIO : 0;

cleanup:
	json_object_put(w);
	json_object_put(root);
	return err;
}

int ls_diff_write(FILE *f, const struct ls_diff *d, const struct ls_snapshot *before,
		  const struct ls_snapshot *after, const struct ls_diff_opts *o)
{
	struct ls_table t = { 0 };
	struct ls_table_col *tc = NULL;
	struct ls_cols cols;
	int err;

	if (!f || !d || !before || !after || !o || o->pcts.n > LS_MAX_PCTS)
		return -EINVAL;
	ls_cols_diff(&cols, &o->pcts);
	err = build_table(d, &cols, &t, &tc);
	if (err)
		goto cleanup;
	switch (o->fmt) {
	case LS_FMT_JSON:
		err = write_json(f, d, &t, before, after, o);
		break;
	case LS_FMT_CSV:
		err = ls_table_write(f, &t, LS_FMT_CSV, "", NULL);
		break;
	case LS_FMT_TEXT:
	case LS_FMT_MARKDOWN:
	case LS_FMT_HTML:
		write_header(f, d, before, after, o);
		if (d->n)
			err = ls_table_write(f, &t, o->fmt, "", NULL);
		else
			fputs(o->fmt == LS_FMT_HTML ? "<p>No syscalls in either run.</p>\n" :
			      "No syscalls in either run.\n", f);
		if (!err)
			write_part_notes(f, d, o->fmt);
		break;
	default:
		err = -EINVAL;
		break;
	}
	if (!err && ferror(f))
		err = -EIO;

cleanup:
	ls_table_free(&t);
	free(tc);
	return err;
}

int ls_diff_print(FILE *f, const struct ls_snapshot *before, const char *before_name,
		  const struct ls_snapshot *after, const char *after_name, enum ls_format fmt)
{
	char warn[LS_DIFF_MAX_WARN][LS_DIFF_WARN_LEN];
	struct ls_diff_opts o;
	struct ls_diff d;
	size_t i, n;
	int err;

	err = ls_diff_build(&d, before, after, LS_BY_SUBSYSTEM, LS_DIFF_ALPHA, NULL, 0);
	if (err)
		return err;
	n = ls_diff_warnings(before, after, warn, LS_DIFF_MAX_WARN);
	for (i = 0; i < n; i++)
		ls_warn("%s", warn[i]);
	ls_diff_opts_init(&o, fmt, before_name, after_name);
	if (fmt == LS_FMT_TEXT || fmt == LS_FMT_MARKDOWN)
		fputc('\n', f);
	err = ls_diff_write(f, &d, before, after, &o);
	ls_diff_free(&d);
	return err;
}
