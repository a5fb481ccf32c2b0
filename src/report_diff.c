/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The diff in four formats (report_diff.h).  One table holds it, one line
 * per (row, metric); text and Markdown show a row's name and verdict once,
 * CSV and JSON repeat them so that every record stands on its own.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "log.h"
#include "diff_budget.h"
#include "report.h"
#include "report_diff.h"
#include "report_table.h"
#include "snapshot_write.h"
#include "subsys.h"

#define DIFF_SCHEMA	"latscope-diff"
#define DIFF_VERSION	2

/* After the name columns of the view; the CI headers are filled in with the level. */
enum {
	COL_VERDICT,
	COL_METRIC,
	COL_BEFORE,
	COL_BEFORE_CI,
	COL_BEFORE_LO,
	COL_BEFORE_HI,
	COL_AFTER,
	COL_AFTER_CI,
	COL_AFTER_LO,
	COL_AFTER_HI,
	COL_CHANGE,
	COL_REL,
	COL_P,
	COL_RESULT,
	N_DIFF_COLS,
};

static const struct ls_table_col diff_cols[N_DIFF_COLS] = {
	[COL_VERDICT] = { "VERDICT", "verdict", true },
	[COL_METRIC] = { "METRIC", "metric", true },
	[COL_BEFORE] = { "BEFORE", "before", false },
	[COL_BEFORE_CI] = { "CI", NULL, false },
	[COL_BEFORE_LO] = { NULL, "before_ci_lo_ns", false },
	[COL_BEFORE_HI] = { NULL, "before_ci_hi_ns", false },
	[COL_AFTER] = { "AFTER", "after", false },
	[COL_AFTER_CI] = { "CI", NULL, false },
	[COL_AFTER_LO] = { NULL, "after_ci_lo_ns", false },
	[COL_AFTER_HI] = { NULL, "after_ci_hi_ns", false },
	[COL_CHANGE] = { "CHANGE", "change", false },
	[COL_REL] = { "REL", "rel_change_pct", false },
	[COL_P] = { "P", "p_value", false },
	[COL_RESULT] = { "RESULT", "result", true },
};

void ls_diff_opts_init(struct ls_diff_opts *o, enum ls_format fmt, const char *before_name,
		       const char *after_name)
{
	memset(o, 0, sizeof(*o));
	o->fmt = fmt;
	o->before_name = before_name ? before_name : "before";
	o->after_name = after_name ? after_name : "after";
}

/* "95% CI" for alpha 0.05. */
static void ci_header(char *buf, size_t len, double alpha)
{
	snprintf(buf, len, "%g%% CI", 100 * (1 - alpha));
}

static struct ls_val metric_val(const struct ls_col *c, double v)
{
	if (c->fig == LS_FIG_CALL_RATE)
		return ls_val_d(LS_VAL_RATE, v);
	return ls_val_u(ls_col_is_duration(c) ? LS_VAL_NS : LS_VAL_COUNT, (__u64)llround(v));
}

/* One line of the table: a metric of a row on both sides, and its test. */
static void fill_metric(struct ls_val *v, const struct ls_diff *d, const struct ls_diff_row *r,
			const struct ls_col *c)
{
	struct ls_metric_test t;
	bool hb, ha;
	double b, a;
	int s;

	hb = ls_diff_value(d, r, c, false, &b);
	ha = ls_diff_value(d, r, c, true, &a);
	v[COL_METRIC] = (struct ls_val){ .kind = LS_VAL_METRIC, .col = c };
	if (hb)
		v[COL_BEFORE] = metric_val(c, b);
	if (ha)
		v[COL_AFTER] = metric_val(c, a);
	if (hb && ha) {
		if (c->fig == LS_FIG_CALL_RATE)
			v[COL_CHANGE] = ls_val_d(LS_VAL_DRATE, a - b);
		else
			v[COL_CHANGE] = (struct ls_val){
				.kind = ls_col_is_duration(c) ? LS_VAL_DNS : LS_VAL_DCOUNT,
				.i = ls_delta((__u64)llround(b), (__u64)llround(a)) };
		/* Relative to nothing is not a number. */
		if (b)
			v[COL_REL] = ls_val_d(LS_VAL_REL, (a - b) / b * 100);
	}
	ls_diff_test(d, r, c, &t);
	for (s = 0; s < 2; s++) {
		if (!t.has_ci[s])
			continue;
		v[s ? COL_AFTER_CI : COL_BEFORE_CI] = (struct ls_val){
			.kind = LS_VAL_NS_RANGE, .range = { t.ci_lo[s], t.ci_hi[s] } };
		v[s ? COL_AFTER_LO : COL_BEFORE_LO] = ls_val_u(LS_VAL_NS, t.ci_lo[s]);
		v[s ? COL_AFTER_HI : COL_BEFORE_HI] = ls_val_u(LS_VAL_NS, t.ci_hi[s]);
	}
	if (!isnan(t.p))
		v[COL_P] = ls_val_d(LS_VAL_PROB, t.p);
	if (t.result != LS_RESULT_NONE)
		v[COL_RESULT] = ls_val_str(ls_result_name(t.result, c, r->role));
}

/* The rows of one table of the diff, and their name columns. */
struct section {
	const char *title;		/* its heading; NULL for the view's table */
	const char *json_key;		/* "rows", "requests", "waits" */
	const struct ls_diff_row *rows;
	size_t n;
	struct ls_table_col keys[LS_VIEW_MAX_KEYS + 1];
	size_t n_keys;
	bool role;			/* the last key is the rows' role */
};

enum { SEC_VIEW, SEC_CYCLE, SEC_REQUESTS, SEC_WAITS, N_SECTIONS };

static void sections(const struct ls_diff *d, struct section *sec)
{
	size_t k;

	sec[SEC_VIEW] = (struct section){ .json_key = "rows", .rows = d->rows, .n = d->n,
					  .n_keys = d->before.n_keys };
	for (k = 0; k < d->before.n_keys; k++)
		sec[SEC_VIEW].keys[k] = (struct ls_table_col){ d->before.key_header[k],
							       d->before.key_name[k], true };
	sec[SEC_CYCLE] = (struct section){
		.title = "Busy time per cycle, compared like calls (a call is a cycle)",
		.json_key = "cycle", .rows = &d->cycle, .n = d->has_cycle,
		.keys = { { "CYCLE", "cycle", true } }, .n_keys = 1 };
	sec[SEC_REQUESTS] = (struct section){
		.title = "Requests (from a send to the end of its reply), compared like calls",
		.json_key = "requests", .rows = d->requests, .n = d->n_requests,
		.keys = { { "SUBSYSTEM", "subsystem", true } }, .n_keys = 1 };
	sec[SEC_WAITS] = (struct section){
		.title = "Not work (idle: by design; sync: for another thread; child: for a "
			 "child): they wait more or less, never slower or faster",
		.json_key = "waits", .rows = d->waits, .n = d->n_waits,
		.keys = { { "SUBSYSTEM", "subsystem", true }, { "SYSCALL", "syscall", true },
			  { "ROLE", "role", true } },
		.n_keys = 3, .role = true };
}

static int build_table(const struct ls_diff *d, const struct section *sec,
		       const struct ls_cols *cols, struct ls_table *t, struct ls_table_col **tc,
		       char *ci, size_t ci_len)
{
	size_t nk = sec->n_keys, i, m, k;
	const struct ls_diff_row *r;
	struct ls_val *v;

	*tc = calloc(nk + N_DIFF_COLS, sizeof(**tc));
	if (!*tc)
		return -ENOMEM;
	memcpy(*tc, sec->keys, nk * sizeof(**tc));
	memcpy(*tc + nk, diff_cols, sizeof(diff_cols));
	ci_header(ci, ci_len, d->cfg.alpha);
	(*tc)[nk + COL_BEFORE_CI].header = ci;
	(*tc)[nk + COL_AFTER_CI].header = ci;
	ls_table_init(t, *tc, nk + N_DIFF_COLS);
	t->n_group = nk + 1;
	for (i = 0; i < sec->n; i++) {
		r = &sec->rows[i];
		for (m = 0; m < cols->n; m++) {
			v = ls_table_add_row(t, m > 0);
			if (!v)
				return -ENOMEM;
			for (k = 0; k < nk; k++)
				v[k] = ls_val_str(sec->role && k == nk - 1 ? ls_role_name(r->role) :
						  r->key[k]);
			v[nk + COL_VERDICT] = ls_val_str(ls_verdict_name(r->verdict));
			fill_metric(v + nk, d, r, &cols->col[m]);
		}
	}
	return 0;
}

/* The cycle budgets side by side (diff_budget.h). */
enum {
	BCOL_NAME,
	BCOL_KIND,
	BCOL_BEFORE,
	BCOL_AFTER,
	BCOL_CHANGE,
	BCOL_REL,
	BCOL_SHARE_BEFORE,
	BCOL_SHARE_AFTER,
	BCOL_VERDICT,
	N_BUDGET_COLS,
};

static const struct ls_table_col budget_cols[N_BUDGET_COLS] = {
	[BCOL_NAME] = { "COMPONENT", "name", true },
	[BCOL_KIND] = { "KIND", "kind", true },
	[BCOL_BEFORE] = { "BEFORE", "before_ns_per_cycle", false },
	[BCOL_AFTER] = { "AFTER", "after_ns_per_cycle", false },
	[BCOL_CHANGE] = { "CHANGE", "change_ns", false },
	[BCOL_REL] = { "REL", "rel_change_pct", false },
	[BCOL_SHARE_BEFORE] = { "%BUSY", "before_pct_of_busy", false },
	[BCOL_SHARE_AFTER] = { "%BUSY", "after_pct_of_busy", false },
	[BCOL_VERDICT] = { "VERDICT", "verdict", true },
};

#define BUDGET_TITLE	"Cycle budget, per cycle (BEFORE %BUSY, then AFTER %BUSY); a " \
			"subsystem's VERDICT is its row's, user CPU and run-queue delay are " \
			"one total per run: not tested"

static int build_budget_table(const struct ls_budget_diff *bd, struct ls_table *t)
{
	const struct ls_budget_change *c;
	struct ls_val *v;
	size_t i;
	int s;

	ls_table_init(t, budget_cols, N_BUDGET_COLS);
	for (i = 0; i < bd->n; i++) {
		c = &bd->items[i];
		v = ls_table_add_row(t, false);
		if (!v)
			return -ENOMEM;
		v[BCOL_NAME] = ls_val_str(c->name);
		v[BCOL_KIND] = ls_val_str(ls_budget_kind_name(c->kind));
		for (s = 0; s < 2; s++) {
			if (c->has[s])
				v[BCOL_BEFORE + s] = ls_val_u(LS_VAL_NS,
							      (__u64)llround(c->per_cycle_ns[s]));
			if (c->pct_of_busy[s] >= 0)
				v[BCOL_SHARE_BEFORE + s] = ls_val_d(LS_VAL_SHARE,
								    c->pct_of_busy[s]);
		}
		v[BCOL_CHANGE] = (struct ls_val){
			.kind = LS_VAL_DNS,
			.i = ls_delta((__u64)llround(c->per_cycle_ns[0]),
				      (__u64)llround(c->per_cycle_ns[1])) };
		if (c->has[0] && c->has[1] && c->per_cycle_ns[0] > 0)
			v[BCOL_REL] = ls_val_d(LS_VAL_REL, (c->per_cycle_ns[1] - c->per_cycle_ns[0]) /
							     c->per_cycle_ns[0] * 100);
		if (c->row)
			v[BCOL_VERDICT] = ls_val_str(ls_verdict_name(c->row->verdict));
		else if (!c->has[0] || !c->has[1])
			v[BCOL_VERDICT] = ls_val_str(c->has[0] ? "gone" : "new");
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
	char b[600], a[600], method[400], alpha[32], ci[32], delta[32];
	struct ls_val va = ls_val_d(LS_VAL_PROB, d->cfg.alpha);

	run_line(before, b, sizeof(b));
	run_line(after, a, sizeof(a));
	ls_val_raw(&va, alpha, sizeof(alpha));
	ci_header(ci, sizeof(ci), d->cfg.alpha);
	snprintf(method, sizeof(method),
		 "Each metric tested on its own at alpha %s / the tests of its row; a change "
		 "counts beyond %g%% (and %s for a percentile).\n%s: where the percentile lies, "
		 "in whole histogram buckets. RESULT ~: no change beyond noise", alpha,
		 d->cfg.min_change, ls_fmt_duration(d->cfg.min_delta_ns, delta, sizeof(delta)), ci);
	if (o->fmt == LS_FMT_TEXT) {
		/* file names from a glob, and titles with comms: escaped */
		fputs("latscope diff: ", f);
		ls_name_put(f, o->before_name);
		fputs(" -> ", f);
		ls_name_put(f, o->after_name);
		fputs("\nbefore: ", f);
		ls_text_put(f, b);
		fputs("\nafter:  ", f);
		ls_text_put(f, a);
		fprintf(f, "\n%s\n\n", method);
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

/* A row's syscalls that changed on their own, by their own verdict. */
struct part_notes {
	const char *label;
	const char *const *names;
	size_t n;
};

static void row_notes(const struct ls_diff_row *r, struct part_notes *pn)
{
	pn[0] = (struct part_notes){ "slower", r->slower, r->n_slower };
	pn[1] = (struct part_notes){ "faster", r->faster, r->n_faster };
	pn[2] = (struct part_notes){ "mixed", r->mixed, r->n_mixed };
}

#define N_NOTES 3

/*
 * Rows whose syscalls changed on their own: a row's figures mix its
 * syscalls, so one syscall that got slower can hide behind others.
 */
static void write_part_notes(FILE *f, const struct ls_diff *d, enum ls_format fmt)
{
	char names[512], line[1800];
	struct part_notes pn[N_NOTES];
	const struct ls_diff_row *r;
	bool first = true;
	size_t i, k, off;

	for (i = 0; i < d->n; i++) {
		r = &d->rows[i];
		if (!r->n_slower && !r->n_faster && !r->n_mixed)
			continue;
		if (first)
			fprintf(f, "%sSyscalls that changed on their own (each judged at alpha / "
				"the number of syscalls compared in its row):%s",
				fmt == LS_FMT_HTML ? "<p>" : "\n",
				fmt == LS_FMT_HTML ? "</p>\n<ul>\n" :
				fmt == LS_FMT_MARKDOWN ? "\n\n" : "\n");
		first = false;
		row_notes(r, pn);
		off = (size_t)snprintf(line, sizeof(line), "%s:", r->key[0]);
		for (k = 0; k < N_NOTES && off < sizeof(line); k++) {
			if (!pn[k].n)
				continue;
			name_list(names, sizeof(names), pn[k].names, pn[k].n);
			off += (size_t)snprintf(line + off, sizeof(line) - off, "%s %s %s",
						line[off - 1] == ':' ? "" : ";", pn[k].label,
						names);
		}
		if (fmt == LS_FMT_MARKDOWN) {
			fputs("- ", f);
			ls_md_escape(f, line);
			fputc('\n', f);
		} else if (fmt == LS_FMT_HTML) {
			fputs("<li>", f);
			ls_html_escape(f, line);
			fputs("</li>\n", f);
		} else {
			fputs("  ", f);
			ls_text_put(f, line);
			fputc('\n', f);
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
	struct part_notes pn[N_NOTES];
	const struct ls_diff_row *r;
	char key[32];
	size_t i, k;

	for (i = 0; arr && i < d->n; i++) {
		r = &d->rows[i];
		if (!r->n_slower && !r->n_faster && !r->n_mixed)
			continue;
		o = json_object_new_object();
		if (!o || json_object_array_add(arr, o) ||
		    add_str(o, d->before.key_name[0], r->key[0]))
			goto nomem;
		row_notes(r, pn);
		for (k = 0; k < N_NOTES; k++) {
			snprintf(key, sizeof(key), "%s_count", pn[k].label);
			if (add_obj(o, pn[k].label, names_json(pn[k].names, pn[k].n)) ||
			    add_obj(o, key, json_object_new_uint64(pn[k].n)))
				goto nomem;
		}
	}
	if (arr)
		ls_json_compact_if_empty(arr);
	return arr;

nomem:
	json_object_put(arr);
	return NULL;
}

static int write_json(FILE *f, const struct ls_diff *d, const struct section *sec,
		      const struct ls_table *t, const struct ls_table *budget,
		      const struct ls_snapshot *before, const struct ls_snapshot *after,
		      const struct ls_diff_opts *o)
{
	char warn[LS_DIFF_MAX_WARN][LS_DIFF_WARN_LEN], alpha[32];
	struct ls_val va = ls_val_d(LS_VAL_PROB, d->cfg.alpha);
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
	    add_obj(root, "alpha", json_object_new_double_s(d->cfg.alpha, alpha)) ||
	    add_obj(root, "min_change_pct", json_object_new_double(d->cfg.min_change)) ||
	    add_obj(root, "min_delta_ns", json_object_new_uint64(d->cfg.min_delta_ns)) ||
	    add_obj(root, "before", run_json(before, o->before_name)) ||
	    add_obj(root, "after", run_json(after, o->after_name)))
		goto cleanup;
	err = add_obj(root, "warnings", w);
	w = NULL;
	for (i = 0; !err && i < N_SECTIONS; i++)
		err = add_obj(root, sec[i].json_key, ls_table_json(&t[i]));
	if (!err && budget)
		err = add_obj(root, "budget", ls_table_json(budget));
	if (err || (err = add_obj(root, "syscall_changes", part_notes_json(d))))
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
	struct ls_table t[N_SECTIONS] = { 0 }, budget = { 0 };
	struct ls_table_col *tc[N_SECTIONS] = { NULL };
	struct ls_budget_diff bd = { 0 };
	struct section sec[N_SECTIONS];
	bool has_budget = false;
	struct ls_cols cols;
	char ci[32];
	size_t i;
	int err = 0;

	if (!f || !d || !before || !after || !o)
		return -EINVAL;
	ls_cols_diff(&cols, &d->cfg.pcts);
	sections(d, sec);
	for (i = 0; !err && i < N_SECTIONS; i++)
		err = build_table(d, &sec[i], &cols, &t[i], &tc[i], ci, sizeof(ci));
	if (!err && d->has_cycle) {
		err = ls_budget_diff_build(&bd, d, before, after);
		if (!err)
			err = build_budget_table(&bd, &budget);
		has_budget = !err;
	}
	if (err)
		goto cleanup;
	switch (o->fmt) {
	case LS_FMT_JSON:
		err = write_json(f, d, sec, t, has_budget ? &budget : NULL, before, after, o);
		break;
	case LS_FMT_CSV:
		/* One table of one shape: the view's; JSON has the sections apart. */
		err = ls_table_write(f, &t[SEC_VIEW], LS_FMT_CSV, "", NULL);
		break;
	case LS_FMT_TEXT:
	case LS_FMT_MARKDOWN:
	case LS_FMT_HTML:
		write_header(f, d, before, after, o);
		if (d->n)
			err = ls_table_write(f, &t[SEC_VIEW], o->fmt, "", NULL);
		else
			fputs(o->fmt == LS_FMT_HTML ? "<p>No syscalls in either run.</p>\n" :
			      "No syscalls in either run.\n", f);
		if (!err)
			write_part_notes(f, d, o->fmt);
		for (i = SEC_VIEW + 1; !err && i < N_SECTIONS; i++) {
			if (!sec[i].n)
				continue;
			ls_section_heading(f, o->fmt, sec[i].title);
			err = ls_table_write(f, &t[i], o->fmt, "", NULL);
			if (!err && i == SEC_CYCLE && has_budget) {
				ls_section_heading(f, o->fmt, BUDGET_TITLE);
				err = ls_table_write(f, &budget, o->fmt, "", NULL);
			}
		}
		break;
	default:
		err = -EINVAL;
		break;
	}
	if (!err && ferror(f))
		err = -EIO;

cleanup:
	for (i = 0; i < N_SECTIONS; i++) {
		ls_table_free(&t[i]);
		free(tc[i]);
	}
	ls_table_free(&budget);
	ls_budget_diff_free(&bd);
	return err;
}

int ls_diff_print(FILE *f, const struct ls_snapshot *before, const char *before_name,
		  const struct ls_snapshot *after, const char *after_name, enum ls_format fmt)
{
	char warn[LS_DIFF_MAX_WARN][LS_DIFF_WARN_LEN];
	struct ls_diff_opts o;
	struct ls_diff_cfg cfg;
	struct ls_diff d;
	size_t i, n;
	int err;

	ls_diff_cfg_init(&cfg);
	err = ls_diff_build(&d, before, after, &cfg, NULL, 0);
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
