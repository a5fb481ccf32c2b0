/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The report (docs/report.md): a view of the snapshot (report_view.c) put
 * into tables (report_table.c) whose columns come from snapshot_cols.c,
 * then written as text, CSV or Markdown; JSON is the snapshot schema
 * itself, or for other groupings a flat list of rows.  It reads only a
 * struct ls_snapshot (no BPF, no map fds), so tests can render a snapshot
 * built in code and compare it with a golden file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "format.h"
#include "hist.h"
#include "report.h"
#include "report_cycle.h"
#include "report_table.h"
#include "report_view.h"
#include "snapshot_write.h"

#define TOP_ERRORS	10
#define REPORT_SCHEMA	"latscope-report"
#define REPORT_VERSION	1

void ls_report_title(const struct ls_meta *m, char *buf, size_t len)
{
	char dur[32], target[4 * sizeof(m->target)];
	size_t off;

	/* the target holds comms, which any process can set to any bytes */
	snprintf(buf, len, "latscope: %s, %s, %llu syscall%s traced",
		 m->target[0] ? ls_name_text(m->target, target, sizeof(target)) : "unknown target",
		 ls_fmt_duration(m->duration_ns, dur, sizeof(dur)),
		 (unsigned long long)m->events, m->events == 1 ? "" : "s");
	off = strlen(buf);
	if (m->dropped && off < len)
		snprintf(buf + off, len - off, ", %llu dropped", (unsigned long long)m->dropped);
}

/* ", " between the causes; nothing before the first. */
static void add_loss(char *buf, size_t len, __u64 n, const char *what, const char *why)
{
	size_t off = strlen(buf);

	if (!n || off >= len)
		return;
	snprintf(buf + off, len - off, "%s%llu %s (%s)", off ? ", " : "", (unsigned long long)n,
		 what, why);
}

size_t ls_report_losses(const struct ls_meta *m, char *buf, size_t len)
{
	const struct ls_lost *l = &m->lost;
	char why[64];

	if (!len)
		return 0;
	buf[0] = '\0';
	snprintf(why, sizeof(why), "more than %d at once", LS_MAX_PROCS);
	add_loss(buf, len, l->processes_not_traced, "processes not traced", why);
	add_loss(buf, len, l->threads_not_traced, "threads not traced", "no kernel memory");
	add_loss(buf, len, l->syscalls_no_key, "syscalls not aggregated",
		 "statistics table full: raise --max-keys");
	add_loss(buf, len, l->errnos_no_key, "errors without their errno", "errno table full");
	add_loss(buf, len, l->events_not_kept, "idle waits, slow calls or thread exits not kept",
		 "events buffer full");
	snprintf(why, sizeof(why), "more than %d threads", LS_MAX_THREADS);
	add_loss(buf, len, l->thread_times_lost, "threads' time split not kept", why);
	return strlen(buf);
}

void ls_report_opts_init(struct ls_report_opts *o, enum ls_format fmt)
{
	memset(o, 0, sizeof(*o));
	o->fmt = fmt;
	o->by = LS_BY_SUBSYSTEM;
	o->sort = LS_SORT_TOTAL;
	o->pcts = ls_pcts_report;
}

/* Everything one report needs, built once for every format. */
struct report {
	const struct ls_snapshot *snap;
	const struct ls_report_opts *o;
	struct ls_view view;
	struct ls_cols cols;
	size_t shown;			/* rows after --top */
};

/* The figures of one group of calls, one cell per column of r->cols. */
static void fill_figures(struct ls_val *cells, const struct ls_cols *cols,
			 const struct ls_stats *st, double whole)
{
	const struct ls_col *c;
	size_t i;

	for (i = 0; i < cols->n; i++) {
		c = &cols->col[i];
		if (c->fig == LS_FIG_PCT_TIME)
			cells[i] = ls_val_d(LS_VAL_SHARE, ls_pct_of(st->total_ns, whole));
		else
			cells[i] = ls_val_u(ls_col_is_duration(c) ? LS_VAL_NS : LS_VAL_COUNT,
					    ls_col_value(c, st));
	}
}

/* Name columns, then one column per figure. */
static struct ls_table_col *table_cols(const struct ls_cols *cols, size_t n_keys,
				       const char *const *hdr, const char *const *key)
{
	struct ls_table_col *tc = calloc(n_keys + cols->n, sizeof(*tc));
	size_t i;

	if (!tc)
		return NULL;
	for (i = 0; i < n_keys; i++)
		tc[i] = (struct ls_table_col){ hdr[i], key[i], true };
	for (i = 0; i < cols->n; i++)
		tc[n_keys + i] = (struct ls_table_col){ cols->col[i].header, cols->col[i].key,
							false };
	return tc;
}

/* The main table: the first r->shown rows of the view. */
static int main_table(const struct report *r, struct ls_table *t, struct ls_table_col **tc)
{
	const struct ls_view *v = &r->view;
	struct ls_val *cells;
	size_t i, k;

	*tc = table_cols(&r->cols, v->n_keys, v->key_header, v->key_name);
	if (!*tc)
		return -ENOMEM;
	ls_table_init(t, *tc, v->n_keys + r->cols.n);
	for (i = 0; i < r->shown; i++) {
		cells = ls_table_add_row(t, false);
		if (!cells)
			return -ENOMEM;
		for (k = 0; k < v->n_keys; k++)
			cells[k] = ls_val_str(v->rows[i].key[k]);
		fill_figures(cells + v->n_keys, &r->cols, v->rows[i].st, v->all_ns);
	}
	return 0;
}

/* One table per shown row, listing its parts; %TIME is a share of the row. */
static int breakdown_tables(const struct report *r, struct ls_table *tables,
			    struct ls_table_col **tc)
{
	static const char *const hdr[] = { "SYSCALL" }, *const key[] = { "syscall" };
	const struct ls_view_row *row;
	struct ls_val *cells;
	size_t i, j;

	*tc = table_cols(&r->cols, 1, hdr, key);
	if (!*tc)
		return -ENOMEM;
	for (i = 0; i < r->shown; i++) {
		row = &r->view.rows[i];
		ls_table_init(&tables[i], *tc, 1 + r->cols.n);
		for (j = 0; j < row->n_parts; j++) {
			cells = ls_table_add_row(&tables[i], false);
			if (!cells)
				return -ENOMEM;
			cells[0] = ls_val_str(row->parts[j].sc->name);
			fill_figures(cells + 1, &r->cols, &row->parts[j].sc->st,
				     (double)row->st->total_ns);
		}
	}
	return 0;
}

struct err_entry {
	__u64 count;
	size_t row, part;
	int err;
	const struct ls_view_part *p;
};

/* Most frequent first; ties keep report order, then errno, so it is total. */
static int cmp_err(const void *pa, const void *pb)
{
	const struct err_entry *a = pa, *b = pb;

	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	if (a->row != b->row)
		return a->row < b->row ? -1 : 1;
	if (a->part != b->part)
		return a->part < b->part ? -1 : 1;
	return (a->err > b->err) - (a->err < b->err);
}

/*
 * By thread or by peer, one errno shows up once per thread or peer that
 * got it: the first column says which.
 */
static const struct ls_table_col error_cols_thread[] = {
	{ "THREAD", "thread", true },
	{ "SUBSYSTEM", "subsystem", true },
	{ "SYSCALL", "syscall", true },
	{ "ERRNO", "errno", true },
	{ "COUNT", "count", false },
};

static const struct ls_table_col error_cols_process[] = {
	{ "PROCESS", "process", true },
	{ "SUBSYSTEM", "subsystem", true },
	{ "SYSCALL", "syscall", true },
	{ "ERRNO", "errno", true },
	{ "COUNT", "count", false },
};

static const struct ls_table_col error_cols_peer[] = {
	{ "PEER", "peer", true },
	{ "SUBSYSTEM", "subsystem", true },
	{ "SYSCALL", "syscall", true },
	{ "ERRNO", "errno", true },
	{ "COUNT", "count", false },
};

#define N_ERROR_COLS	4
/* by subsystem or by syscall: a row is a subsystem already */
static const struct ls_table_col *const error_cols = error_cols_thread + 1;

/* The TOP_ERRORS most frequent errnos of the shown rows. */
static int errors_table(const struct report *r, struct ls_table *t)
{
	const struct ls_view_row *row;
	const struct ls_syscall_stats *sc;
	struct err_entry *e;
	bool grouped = r->view.by == LS_BY_THREAD || r->view.by == LS_BY_PEER ||
		       r->view.by == LS_BY_PROCESS;
	struct ls_val *cells;
	size_t i, j, k, n = 0;
	int err = 0;

	if (grouped)
		ls_table_init(t, r->view.by == LS_BY_THREAD ? error_cols_thread :
				 r->view.by == LS_BY_PROCESS ? error_cols_process : error_cols_peer,
			      N_ERROR_COLS + 1);
	else
		ls_table_init(t, error_cols, N_ERROR_COLS);
	for (i = 0; i < r->shown; i++)
		for (j = 0; j < r->view.rows[i].n_parts; j++)
			n += r->view.rows[i].parts[j].sc->n_errnos;
	if (!n)
		return 0;
	e = calloc(n, sizeof(*e));
	if (!e)
		return -ENOMEM;
	n = 0;
	for (i = 0; i < r->shown; i++) {
		row = &r->view.rows[i];
		for (j = 0; j < row->n_parts; j++) {
			sc = row->parts[j].sc;
			for (k = 0; k < sc->n_errnos; k++)
				e[n++] = (struct err_entry){ sc->errnos[k].count, i, j,
							     sc->errnos[k].err, &row->parts[j] };
		}
	}
	qsort(e, n, sizeof(*e), cmp_err);
	for (i = 0; i < n && i < TOP_ERRORS; i++) {
		cells = ls_table_add_row(t, false);
		if (!cells) {
			err = -ENOMEM;
			break;
		}
		if (grouped)
			*cells++ = ls_val_str(r->view.rows[e[i].row].key[0]);
		cells[0] = ls_val_str(e[i].p->ss->name);
		cells[1] = ls_val_str(e[i].p->sc->name);
		cells[2] = (struct ls_val){ .kind = LS_VAL_ERRNO, .i = e[i].err };
		cells[3] = ls_val_u(LS_VAL_COUNT, e[i].count);
	}
	free(e);
	return err;
}

static bool anything_traced(const struct ls_snapshot *snap)
{
	size_t i, j;

	for (i = 0; i < snap->n_subsys; i++)
		for (j = 0; j < snap->subsys[i].n_sc; j++)
			if (snap->subsys[i].sc[j].st.count)
				return true;
	return false;
}

/*
 * A section heading of Markdown ("\n### Subsystems\n\n", level 3 is
 * "###") or HTML (<h3>); text has its own, or no, heading.
 */
static void heading(FILE *f, enum ls_format fmt, int level, const char *text, bool blank)
{
	if (fmt == LS_FMT_HTML) {
		fprintf(f, "<h%d>", level);
		ls_html_escape(f, text);
		fprintf(f, "</h%d>\n", level);
		return;
	}
	fprintf(f, "\n%.*s ", level, "######");
	ls_md_escape(f, text);
	fputs(blank ? "\n\n" : "\n", f);
}

/* A line of prose: a paragraph in HTML, escaped in Markdown. */
static void para(FILE *f, enum ls_format fmt, const char *text)
{
	if (fmt == LS_FMT_HTML) {
		fputs("<p>", f);
		ls_html_escape(f, text);
		fputs("</p>\n", f);
	} else if (fmt == LS_FMT_MARKDOWN) {
		ls_md_escape(f, text);
		fputc('\n', f);
	} else {
		ls_text_put(f, text);
		fputc('\n', f);
	}
}

static const struct ls_table_col process_cols[] = {
	{ "PROCESS", "process", true },
	{ "PPID", "ppid", false },
	{ "STARTED", "started", false },
	{ "ENDED", "ended", false },
	{ "CGROUP", "cgroup", true },
	{ "COMMAND", "command", true },
};

#define N_PROCESS_COLS (sizeof(process_cols) / sizeof(process_cols[0]))

/*
 * A time of the process relative to the start of the run: "+1.50s", or
 * "-2.00h"-like for a process started before it.
 */
static void fmt_rel(char *buf, size_t len, __u64 t, __u64 run_start)
{
	char d[24];

	ls_fmt_duration(t >= run_start ? t - run_start : run_start - t, d, sizeof(d));
	snprintf(buf, len, "%s%s", t >= run_start ? "+" : "-", d);
}

/* --by process: who each process was (what /proc said while it ran). */
static int process_table(const struct report *r, struct ls_table *t, char (*text)[3][40])
{
	const struct ls_process *p;
	struct ls_val *cells;
	__u64 start = r->snap->meta.start_unix_ns;
	size_t i;

	ls_table_init(t, process_cols, N_PROCESS_COLS);
	for (i = 0; i < r->shown; i++) {
		p = r->view.rows[i].proc;
		cells = ls_table_add_row(t, false);
		if (!cells)
			return -ENOMEM;
		cells[0] = ls_val_str(r->view.rows[i].key[0]);
		if (!p)
			continue;
		if (p->ppid) {
			snprintf(text[i][0], sizeof(text[i][0]), "%u", p->ppid);
			cells[1] = ls_val_str(text[i][0]);
		}
		if (p->start_unix_ns) {
			fmt_rel(text[i][1], sizeof(text[i][1]), p->start_unix_ns, start);
			cells[2] = ls_val_str(text[i][1]);
		}
		if (p->end_unix_ns)
			fmt_rel(text[i][2], sizeof(text[i][2]), p->end_unix_ns, start);
		else
			snprintf(text[i][2], sizeof(text[i][2]), "%s",
				 p->exited ? "exited" : "running");
		cells[3] = ls_val_str(text[i][2]);
		cells[4] = ls_val_str(p->cgroup);
		cells[5] = ls_val_str(p->cmdline);
	}
	return 0;
}

static int write_process_table(FILE *f, const struct report *r)
{
	struct ls_table t = { 0 };
	char (*text)[3][40] = calloc(r->shown + 1, sizeof(*text));
	int err = text ? process_table(r, &t, text) : -ENOMEM;

	if (!err) {
		if (r->o->fmt != LS_FMT_TEXT)
			heading(f, r->o->fmt, 3, "Command lines", true);
		else
			fputs("\nCommand lines (times from the start of tracing):\n", f);
		err = ls_table_write(f, &t, r->o->fmt, "", NULL);
	}
	ls_table_free(&t);
	free(text);
	return err;
}

/* Text, Markdown and HTML: title, main table, breakdown, top errors. */
static int write_tables(FILE *f, const struct report *r)
{
	enum ls_format fmt = r->o->fmt;
	/* Markdown and HTML have headings where text has its own lines */
	bool marked = fmt == LS_FMT_MARKDOWN || fmt == LS_FMT_HTML;
	struct ls_table main = { 0 }, errs = { 0 }, *bd = NULL;
	struct ls_table_col *main_tc = NULL, *bd_tc = NULL;
	char title[512], lost[512];
	int *w = NULL, err;
	size_t i;

	ls_report_title(&r->snap->meta, title, sizeof(title));
	para(f, fmt, title);
	/* never only on stderr: what was not traced is part of the result */
	snprintf(lost, sizeof(lost), "Lost: ");
	if (ls_report_losses(&r->snap->meta, lost + 6, sizeof(lost) - 6)) {
		if (fmt == LS_FMT_MARKDOWN)
			fputc('\n', f);
		para(f, fmt, lost);
	}
	if (fmt == LS_FMT_TEXT)
		fputc('\n', f);
	if (!anything_traced(r->snap)) {
		if (fmt == LS_FMT_MARKDOWN)
			fputc('\n', f);
		para(f, fmt, "No syscalls were traced.");
		return 0;
	}
	/* the first screen answers "where does the cycle go" */
	err = ls_report_budget(f, r->snap, fmt);
	if (err)
		return err;

	err = main_table(r, &main, &main_tc);
	if (err)
		goto cleanup;
	if (marked)
		heading(f, fmt, 3, r->view.title, true);
	err = ls_table_write(f, &main, fmt, "", NULL);
	if (err)
		goto cleanup;

	if (r->view.breakdown && r->shown) {
		bd = calloc(r->shown, sizeof(*bd));
		w = calloc(1 + r->cols.n, sizeof(*w));
		if (!bd || !w) {
			err = -ENOMEM;
			goto cleanup;
		}
		err = breakdown_tables(r, bd, &bd_tc);
		if (err)
			goto cleanup;
		/* One set of widths, so the tables line up under each other. */
		for (i = 0; i < r->shown; i++)
			ls_table_widths(&bd[i], w);
		if (marked)
			heading(f, fmt, 3, "Per-syscall breakdown", false);
		else
			fputs("\nPer-syscall breakdown:\n", f);
		for (i = 0; i < r->shown; i++) {
			if (marked)
				heading(f, fmt, 4, r->view.rows[i].key[0], true);
			else {
				fputc('\n', f);
				ls_name_put(f, r->view.rows[i].key[0]);
				fputc('\n', f);
			}
			err = ls_table_write(f, &bd[i], fmt, "  ", w);
			if (err)
				goto cleanup;
		}
	}

	if (r->view.by == LS_BY_PROCESS && r->shown) {
		err = write_process_table(f, r);
		if (err)
			goto cleanup;
	}

	err = ls_report_extras(f, r->snap, fmt, r->o->top);
	if (err)
		goto cleanup;
	err = errors_table(r, &errs);
	if (err)
		goto cleanup;
	if (marked) {
		heading(f, fmt, 3, "Top errors", true);
		if (errs.n_rows)
			err = ls_table_write(f, &errs, fmt, "", NULL);
		else
			para(f, fmt, "None.");
	} else if (errs.n_rows) {
		fputs("\nTop errors:\n", f);
		err = ls_table_write(f, &errs, fmt, "", NULL);
	} else {
		fputs("\nTop errors: none\n", f);
	}

cleanup:
	if (bd)
		for (i = 0; i < r->shown; i++)
			ls_table_free(&bd[i]);
	free(bd);
	free(w);
	ls_table_free(&errs);
	ls_table_free(&main);
	free(bd_tc);
	free(main_tc);
	return err;
}

static int write_csv(FILE *f, const struct report *r)
{
	struct ls_table t = { 0 };
	struct ls_table_col *tc = NULL;
	int err;

	err = main_table(r, &t, &tc);
	if (!err)
		err = ls_table_write(f, &t, LS_FMT_CSV, "", NULL);
	ls_table_free(&t);
	free(tc);
	return err;
}

/*
 * By subsystem, the JSON report is the snapshot itself (it loads again):
 * its subsystems and syscalls in view order, its derived figures from the
 * chosen columns.  The view's rows are work only; the rows that are not
 * work (idle, sync and child waits, requests) follow their subsystem's
 * work, and subsystems with no work at all come last, unless --top cut
 * the list short on purpose.
 */
static int write_json_snapshot(FILE *f, const struct report *r)
{
	struct ls_json_subsys *js;
	const struct ls_syscall_stats **sc;
	struct ls_json_opts jo = { .pretty = 1, .cols = &r->cols };
	const struct ls_snapshot *snap = r->snap;
	size_t i, j, k, n_js = 0, n = 0;
	bool in_view;
	int err;

	for (i = 0; i < snap->n_subsys; i++)
		n += snap->subsys[i].n_sc;
	js = calloc(snap->n_subsys ? snap->n_subsys : 1, sizeof(*js));
	sc = calloc(n ? n : 1, sizeof(*sc));
	if (!js || !sc) {
		free(js);
		free(sc);
		return -ENOMEM;
	}
	n = 0;
	for (i = 0; i < r->shown; i++) {
		const struct ls_view_row *row = &r->view.rows[i];

		js[n_js].ss = row->ss;
		js[n_js].sc = &sc[n];
		for (j = 0; j < row->n_parts; j++)
			sc[n++] = row->parts[j].sc;
		for (j = 0; j < row->ss->n_sc; j++)
			if (!ls_row_counts(&row->ss->sc[j]))
				sc[n++] = &row->ss->sc[j];
		js[n_js].n_sc = (size_t)(&sc[n] - js[n_js].sc);
		n_js++;
	}
	for (i = 0; !r->o->top && i < snap->n_subsys; i++) {
		for (in_view = false, k = 0; k < r->view.n; k++)
			in_view |= r->view.rows[k].ss == &snap->subsys[i];
		if (in_view)
			continue;
		js[n_js++] = (struct ls_json_subsys){ .ss = &snap->subsys[i] };
	}
	jo.subsys = js;
	jo.n_subsys = n_js;
	err = ls_snapshot_write_json_opts(f, r->snap, &jo);
	free(sc);
	free(js);
	return err;
}

/* Other groupings: a flat list of rows, keyed like the CSV columns. */
static int write_json_rows(FILE *f, const struct report *r)
{
	struct ls_table t = { 0 };
	struct ls_table_col *tc = NULL;
	json_object *root = NULL, *rows;
	const char *s;
	int err;

	err = main_table(r, &t, &tc);
	if (err)
		goto cleanup;
	root = json_object_new_object();
	rows = ls_table_json(&t);
	if (!root || !rows ||
	    json_object_object_add(root, "schema", json_object_new_string(REPORT_SCHEMA)) ||
	    json_object_object_add(root, "version", json_object_new_int(REPORT_VERSION)) ||
	    json_object_object_add(root, "by", json_object_new_string(ls_by_name(r->view.by))) ||
	    json_object_object_add(root, "meta", ls_snapshot_meta_json(r->snap)) ||
	    json_object_object_add(root, "rows", rows)) {
		if (!root)
			json_object_put(rows);
		err = -ENOMEM;
		goto cleanup;
	}
	s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
					   JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!s || fprintf(f, "%s\n", s) < 0)
		err = s ? -EIO : -ENOMEM;

cleanup:
	json_object_put(root);
	ls_table_free(&t);
	free(tc);
	return err;
}

int ls_report_write_opts(FILE *f, const struct ls_snapshot *snap, const struct ls_report_opts *o,
			 char *err, size_t errlen)
{
	struct report r = { .snap = snap, .o = o };
	int ret;

	if (err && errlen)
		err[0] = '\0';
	if (!f || !snap || !o || o->pcts.n > LS_MAX_PCTS)
		return -EINVAL;
	if (o->fmt != LS_FMT_TEXT && o->fmt != LS_FMT_JSON && o->fmt != LS_FMT_CSV &&
	    o->fmt != LS_FMT_MARKDOWN && o->fmt != LS_FMT_HTML)
		return -EINVAL;
	if (o->by == LS_BY_BUDGET)
		return ls_report_budget_table(f, snap, o->fmt);
	ret = ls_view_build(&r.view, snap, o->by, err, errlen);
	if (ret)
		return ret;
	ls_view_sort(&r.view, o->sort);
	ls_cols_report(&r.cols, &o->pcts);
	r.shown = o->top && o->top < r.view.n ? o->top : r.view.n;

	switch (o->fmt) {
	case LS_FMT_JSON:
		ret = r.view.by == LS_BY_SUBSYSTEM ? write_json_snapshot(f, &r) :
						      write_json_rows(f, &r);
		break;
	case LS_FMT_CSV:
		ret = write_csv(f, &r);
		break;
	default:
		ret = write_tables(f, &r);
		break;
	}
	if (!ret && ferror(f))
		ret = -EIO;
	ls_view_free(&r.view);
	return ret;
}

int ls_report_write(FILE *f, const struct ls_snapshot *snap, enum ls_format fmt)
{
	struct ls_report_opts o;

	ls_report_opts_init(&o, fmt);
	return ls_report_write_opts(f, snap, &o, NULL, 0);
}
