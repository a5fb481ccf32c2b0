/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The report: percentile tables as text, or the snapshot itself as JSON.
 * It reads only a struct ls_snapshot (no BPF, no map fds), so tests can
 * render a snapshot built in code and compare it with a golden file.
 * Tables are printed in snapshot order: callers run ls_snapshot_sort().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hist.h"
#include "report.h"

/* Columns after the name: CALLS ERRORS TOTAL %TIME MIN AVG P50..P99.9 MAX. */
#define COL_CALLS	0
#define COL_ERRORS	1
#define COL_TOTAL	2
#define COL_PCT		3
#define COL_MIN		4
#define COL_AVG		5
#define COL_PCT0	6
#define COL_MAX		(COL_PCT0 + LS_N_PCTS)
#define NCOLS		(COL_MAX + 1)
/* Longest cell: a u64 count has 20 digits. */
#define CELL		24
#define TOP_ERRORS	10

int ls_format_parse(const char *s, enum ls_format *out)
{
	if (!s || !out)
		return -EINVAL;
	if (!strcmp(s, "text"))
		*out = LS_FMT_TEXT;
	else if (!strcmp(s, "json"))
		*out = LS_FMT_JSON;
	else
		return -EINVAL;
	return 0;
}

/*
 * Three significant digits, rounded half up, in integers only: a locale
 * with a decimal comma cannot change the layout, and 999.5us correctly
 * becomes "1.00ms" instead of "1000us".  From 1000 s on, whole seconds.
 */
const char *ls_fmt_duration(__u64 ns, char *buf, size_t len)
{
	static const char *const unit[] = { "us", "ms", "s" };
	__u64 p = 1, m, ip;
	int digits = 1, intd;

	if (!buf || !len)
		return buf;
	if (ns < 1000) {
		snprintf(buf, len, "%lluns", (unsigned long long)ns);
		return buf;
	}
	while (ns / p >= 10) {
		p *= 10;
		digits++;
	}
	/* ns has `digits` digits; keep the top three.  digits <= 12 here. */
	if (digits <= 12) {
		m = (ns + p / 200) / (p / 100);
		if (m == 1000) {
			m = 100;
			digits++;
		}
	}
	if (digits > 12) {
		snprintf(buf, len, "%llus",
			 (unsigned long long)(ns / 1000000000 + (ns % 1000000000 >= 500000000)));
		return buf;
	}
	/* Integer digits in the unit: 1..3 for us (4..6 digits), ms, s. */
	intd = (digits - 4) % 3 + 1;
	ip = intd == 1 ? 100 : intd == 2 ? 10 : 1;
	if (intd == 3)
		snprintf(buf, len, "%llu%s", (unsigned long long)m, unit[(digits - 4) / 3]);
	else
		snprintf(buf, len, "%llu.%0*llu%s", (unsigned long long)(m / ip), 3 - intd,
			 (unsigned long long)(m % ip), unit[(digits - 4) / 3]);
	return buf;
}

/* "66.7", by hand for the same locale reason as ls_fmt_duration(). */
static void fmt_pct(double pct, char *buf, size_t len)
{
	unsigned long long tenths;

	if (!(pct > 0))
		pct = 0;
	tenths = (unsigned long long)(pct * 10 + 0.5);
	snprintf(buf, len, "%llu.%llu", tenths / 10, tenths % 10);
}

struct row {
	const char *name;
	char cell[NCOLS][CELL];
};

struct table {
	struct row *rows;
	size_t n;
};

static void column_headers(const char *hdr[NCOLS])
{
	int i;

	hdr[COL_CALLS] = "CALLS";
	hdr[COL_ERRORS] = "ERRORS";
	hdr[COL_TOTAL] = "TOTAL";
	hdr[COL_PCT] = "%TIME";
	hdr[COL_MIN] = "MIN";
	hdr[COL_AVG] = "AVG";
	for (i = 0; i < LS_N_PCTS; i++)
		hdr[COL_PCT0 + i] = ls_pct_cols[i].header;
	hdr[COL_MAX] = "MAX";
}

/* One row from one ls_stats: the same summary the JSON writer uses. */
static void fill_row(struct row *r, const char *name, const struct ls_stats *st, double pct)
{
	struct ls_summary sum;
	int i;

	ls_stats_summarize(st, &sum);
	r->name = name;
	snprintf(r->cell[COL_CALLS], CELL, "%llu", (unsigned long long)sum.count);
	snprintf(r->cell[COL_ERRORS], CELL, "%llu", (unsigned long long)sum.errors);
	ls_fmt_duration(sum.total_ns, r->cell[COL_TOTAL], CELL);
	fmt_pct(pct, r->cell[COL_PCT], CELL);
	ls_fmt_duration(sum.min_ns, r->cell[COL_MIN], CELL);
	ls_fmt_duration(sum.avg_ns, r->cell[COL_AVG], CELL);
	for (i = 0; i < LS_N_PCTS; i++)
		ls_fmt_duration(sum.pct_ns[i], r->cell[COL_PCT0 + i], CELL);
	ls_fmt_duration(sum.max_ns, r->cell[COL_MAX], CELL);
}

static void widen(const struct table *t, int w[NCOLS + 1])
{
	size_t i;
	int c, len;

	for (i = 0; i < t->n; i++) {
		len = (int)strlen(t->rows[i].name);
		if (len > w[0])
			w[0] = len;
		for (c = 0; c < NCOLS; c++) {
			len = (int)strlen(t->rows[i].cell[c]);
			if (len > w[c + 1])
				w[c + 1] = len;
		}
	}
}

static void header_widths(const char *name_hdr, const char *hdr[NCOLS], int w[NCOLS + 1])
{
	int c;

	w[0] = (int)strlen(name_hdr);
	for (c = 0; c < NCOLS; c++)
		w[c + 1] = (int)strlen(hdr[c]);
}

/* Name left-aligned, figures right-aligned: no trailing blanks. */
static void print_table(FILE *f, const char *indent, const char *name_hdr,
			const char *hdr[NCOLS], const int w[NCOLS + 1], const struct table *t)
{
	size_t i;
	int c;

	fprintf(f, "%s%-*s", indent, w[0], name_hdr);
	for (c = 0; c < NCOLS; c++)
		fprintf(f, "  %*s", w[c + 1], hdr[c]);
	fputc('\n', f);
	for (i = 0; i < t->n; i++) {
		fprintf(f, "%s%-*s", indent, w[0], t->rows[i].name);
		for (c = 0; c < NCOLS; c++)
			fprintf(f, "  %*s", w[c + 1], t->rows[i].cell[c]);
		fputc('\n', f);
	}
}

static void print_header(FILE *f, const struct ls_meta *m)
{
	char dur[CELL];

	fprintf(f, "latscope: %s, %s, %llu syscall%s traced",
		m->target[0] ? m->target : "unknown target",
		ls_fmt_duration(m->duration_ns, dur, sizeof(dur)),
		(unsigned long long)m->events, m->events == 1 ? "" : "s");
	if (m->dropped)
		fprintf(f, ", %llu dropped", (unsigned long long)m->dropped);
	fputc('\n', f);
}

static int print_subsystems(FILE *f, const struct ls_snapshot *snap, const char *hdr[NCOLS])
{
	struct table t = { 0 };
	struct ls_stats *tot;
	int w[NCOLS + 1];
	double all_ns;
	size_t i;

	t.rows = calloc(snap->n_subsys, sizeof(*t.rows));
	tot = malloc(sizeof(*tot));
	if (!t.rows || !tot) {
		free(t.rows);
		free(tot);
		return -ENOMEM;
	}
	all_ns = ls_snapshot_total_ns(snap);
	for (i = 0; i < snap->n_subsys; i++) {
		ls_subsys_total(&snap->subsys[i], tot);
		fill_row(&t.rows[i], snap->subsys[i].name, tot, ls_pct_of(tot->total_ns, all_ns));
	}
	t.n = snap->n_subsys;
	header_widths("SUBSYSTEM", hdr, w);
	widen(&t, w);
	print_table(f, "", "SUBSYSTEM", hdr, w, &t);
	free(tot);
	free(t.rows);
	return 0;
}

/* One table per subsystem, all with the same column widths so they line up. */
static int print_breakdown(FILE *f, const struct ls_snapshot *snap, const char *hdr[NCOLS])
{
	struct table *t;
	struct ls_stats *tot;
	int w[NCOLS + 1], err = 0;
	size_t i, j;

	t = calloc(snap->n_subsys, sizeof(*t));
	tot = malloc(sizeof(*tot));
	if (!t || !tot) {
		err = -ENOMEM;
		goto cleanup;
	}
	header_widths("SYSCALL", hdr, w);
	for (i = 0; i < snap->n_subsys; i++) {
		const struct ls_subsys *ss = &snap->subsys[i];

		t[i].rows = calloc(ss->n_sc ? ss->n_sc : 1, sizeof(*t[i].rows));
		if (!t[i].rows) {
			err = -ENOMEM;
			goto cleanup;
		}
		/* %TIME here is the share of this subsystem's time. */
		ls_subsys_total(ss, tot);
		for (j = 0; j < ss->n_sc; j++)
			fill_row(&t[i].rows[j], ss->sc[j].name, &ss->sc[j].st,
				 ls_pct_of(ss->sc[j].st.total_ns, (double)tot->total_ns));
		t[i].n = ss->n_sc;
		widen(&t[i], w);
	}

	fprintf(f, "Per-syscall breakdown:\n");
	for (i = 0; i < snap->n_subsys; i++) {
		fprintf(f, "\n%s\n", snap->subsys[i].name);
		print_table(f, "  ", "SYSCALL", hdr, w, &t[i]);
	}

cleanup:
	if (t)
		for (i = 0; i < snap->n_subsys; i++)
			free(t[i].rows);
	free(t);
	free(tot);
	return err;
}

struct err_entry {
	__u64 count;
	size_t si, ci;
	int err;
};

/* Most frequent first; ties keep snapshot order, then errno, so it is total. */
static int cmp_err(const void *pa, const void *pb)
{
	const struct err_entry *a = pa, *b = pb;

	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	if (a->si != b->si)
		return a->si < b->si ? -1 : 1;
	if (a->ci != b->ci)
		return a->ci < b->ci ? -1 : 1;
	return (a->err > b->err) - (a->err < b->err);
}

static const char *errno_cell(int err, char *buf, size_t len)
{
	const char *name = ls_errno_name(err);

	/* The JSON has the number next to "E?"; the table shows the number alone. */
	if (!name) {
		snprintf(buf, len, "%d", err);
		return buf;
	}
	return name;
}

static int print_top_errors(FILE *f, const struct ls_snapshot *snap)
{
	struct err_entry *e;
	const char *name;
	char buf[CELL], cnt[CELL];
	size_t i, j, k, n = 0, shown;
	int w[4] = { 9, 7, 5, 5 };	/* SUBSYSTEM SYSCALL ERRNO COUNT */
	int len;

	for (i = 0; i < snap->n_subsys; i++)
		for (j = 0; j < snap->subsys[i].n_sc; j++)
			n += snap->subsys[i].sc[j].n_errnos;
	if (!n) {
		fprintf(f, "Top errors: none\n");
		return 0;
	}
	e = calloc(n, sizeof(*e));
	if (!e)
		return -ENOMEM;
	n = 0;
	for (i = 0; i < snap->n_subsys; i++) {
		for (j = 0; j < snap->subsys[i].n_sc; j++) {
			const struct ls_syscall_stats *sc = &snap->subsys[i].sc[j];

			for (k = 0; k < sc->n_errnos; k++)
				e[n++] = (struct err_entry){ sc->errnos[k].count, i, j,
							     sc->errnos[k].err };
		}
	}
	qsort(e, n, sizeof(*e), cmp_err);
	shown = n < TOP_ERRORS ? n : TOP_ERRORS;

	for (i = 0; i < shown; i++) {
		const struct ls_subsys *ss = &snap->subsys[e[i].si];

		len = (int)strlen(ss->name);
		w[0] = len > w[0] ? len : w[0];
		len = (int)strlen(ss->sc[e[i].ci].name);
		w[1] = len > w[1] ? len : w[1];
		len = (int)strlen(errno_cell(e[i].err, buf, sizeof(buf)));
		w[2] = len > w[2] ? len : w[2];
		len = snprintf(cnt, sizeof(cnt), "%llu", (unsigned long long)e[i].count);
		w[3] = len > w[3] ? len : w[3];
	}

	fprintf(f, "Top errors:\n");
	fprintf(f, "%-*s  %-*s  %-*s  %*s\n", w[0], "SUBSYSTEM", w[1], "SYSCALL", w[2], "ERRNO",
		w[3], "COUNT");
	for (i = 0; i < shown; i++) {
		const struct ls_subsys *ss = &snap->subsys[e[i].si];

		name = errno_cell(e[i].err, buf, sizeof(buf));
		fprintf(f, "%-*s  %-*s  %-*s  %*llu\n", w[0], ss->name, w[1],
			ss->sc[e[i].ci].name, w[2], name, w[3], (unsigned long long)e[i].count);
	}
	free(e);
	return 0;
}

static int write_text(FILE *f, const struct ls_snapshot *snap)
{
	const char *hdr[NCOLS];
	__u64 any = 0;
	size_t i, j;
	int err;

	print_header(f, &snap->meta);
	fputc('\n', f);
	for (i = 0; i < snap->n_subsys; i++)
		for (j = 0; j < snap->subsys[i].n_sc; j++)
			any |= snap->subsys[i].sc[j].st.count;
	if (!any) {
		fprintf(f, "No syscalls were traced.\n");
		return 0;
	}

	column_headers(hdr);
	err = print_subsystems(f, snap, hdr);
	if (err)
		return err;
	fputc('\n', f);
	err = print_breakdown(f, snap, hdr);
	if (err)
		return err;
	fputc('\n', f);
	return print_top_errors(f, snap);
}

int ls_report_write(FILE *f, const struct ls_snapshot *snap, enum ls_format fmt)
{
	int err;

	if (!f || !snap)
		return -EINVAL;
	switch (fmt) {
	case LS_FMT_TEXT:
		err = write_text(f, snap);
		break;
	case LS_FMT_JSON:
		err = ls_snapshot_write_json(f, snap, 1);
		break;
	default:
		return -EINVAL;
	}
	if (!err && ferror(f))
		err = -EIO;
	return err;
}
