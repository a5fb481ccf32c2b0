// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The histogram's x axis is log10 of the duration, whole decades from the
 * fastest call's to the slowest's; each log-linear slot goes into the
 * display bin of its middle.  Bars are shares of each series' calls, so
 * two runs of different lengths overlay fairly.  Coordinates are written
 * with integer arithmetic: no locale can turn "12.5" into "12,5".
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "format.h"
#include "hist.h"
#include "svg.h"

#define W		720
#define H		250
#define ML		56	/* room for the y labels */
#define MR		24
#define MT		76	/* title, a summary line per series, two rows of marker labels */
#define MB		40	/* x labels and the axis title */
#define PLOT_W		(W - ML - MR)
#define PLOT_H		(H - MT - MB)
#define MAX_DECADES	12	/* 1 ns to 1000 s */
#define MAX_BINS	(MAX_DECADES * LS_SVG_BINS_PER_DECADE)

static const char *const palette[] = {
	"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
	"#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
};

/* v with one decimal, rounded, in integers. */
static void num(FILE *f, double v)
{
	long long t = llround(v * 10);

	if (t < 0) {
		fputc('-', f);
		t = -t;
	}
	fprintf(f, "%lld.%lld", t / 10, t % 10);
}

const char *ls_svg_decade_label(int decade, char *buf, size_t len)
{
	static const char *const unit[] = { "ns", "us", "ms", "s" };
	int u = decade / 3, p = decade % 3;

	if (decade < 0)
		u = p = 0;
	if (u > 3) {
		p += (u - 3) * 3;
		u = 3;
	}
	snprintf(buf, len, "%.0f%s", pow(10, p), unit[u]);
	return buf;
}

/* The durations of st's calls span [*lo, *hi) ns; false without calls. */
static bool range_of(const struct ls_stats *st, double *lo, double *hi)
{
	__u32 first, last;

	if (!ls_stats_used_slots(st, &first, &last))
		return false;
	*lo = (double)(ls_slot_lower(first) ? ls_slot_lower(first) : 1);
	/* the last slot is open-ended: max_ns is the longest call */
	*hi = last == LS_HIST_SLOTS - 1 ? (double)st->max_ns + 1 : (double)ls_slot_upper(last);
	return true;
}

/* The middle of a slot, where its calls are drawn. */
static double slot_mid(const struct ls_stats *st, __u32 i)
{
	__u64 lo = ls_slot_lower(i), hi = ls_slot_upper(i);

	if (i == LS_HIST_SLOTS - 1)
		return (double)(st->max_ns > lo ? st->max_ns : lo);
	/* below 64 ns a slot is one value: where its percentiles are too */
	if (hi - lo == 1)
		return (double)lo;
	return (double)lo + (double)(hi - lo) / 2;
}

/* 1, 2 or 5 times a power of ten, at least v (> 0). */
static double nice_ceil(double v)
{
	double p = pow(10, floor(log10(v)));

	if (v <= p)
		return p;
	if (v <= 2 * p)
		return 2 * p;
	if (v <= 5 * p)
		return 5 * p;
	return 10 * p;
}

struct axes {
	int dlo, dhi;		/* decades of the x axis */
	double ymax;		/* % of calls at the top */
};

static double xpos(const struct axes *a, double log10v)
{
	return ML + (log10v - a->dlo) / (a->dhi - a->dlo) * PLOT_W;
}

static double ypos(const struct axes *a, double share)
{
	return MT + PLOT_H - share / a->ymax * PLOT_H;
}

/* Each series' share of calls per display bin. */
static void bin_shares(const struct ls_stats *st, const struct axes *a, double *share)
{
	__u64 total = ls_stats_slot_total(st);
	int nb = (a->dhi - a->dlo) * LS_SVG_BINS_PER_DECADE, b;
	__u32 i;

	for (i = 0; i < LS_HIST_SLOTS; i++) {
		if (!st->slots[i])
			continue;
		b = (int)floor((log10(slot_mid(st, i)) - a->dlo) * LS_SVG_BINS_PER_DECADE);
		b = b < 0 ? 0 : b >= nb ? nb - 1 : b;
		share[b] += (double)st->slots[i] * 100.0 / (double)total;
	}
}

static void x_axis(FILE *f, const struct axes *a)
{
	static const int minor[] = { 2, 5 };
	char label[16];
	double x;
	int d;
	size_t m;

	fprintf(f, "<g class=\"x-axis\" stroke=\"#555\" font-size=\"11\" text-anchor=\"middle\">\n");
	fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n", ML, MT + PLOT_H, W - MR,
		MT + PLOT_H);
	for (d = a->dlo; d <= a->dhi; d++) {
		x = xpos(a, d);
		fputs("<line x1=\"", f);
		num(f, x);
		fprintf(f, "\" y1=\"%d\" x2=\"", MT);
		num(f, x);
		fprintf(f, "\" y2=\"%d\" stroke=\"#e4e4e4\"/>\n", MT + PLOT_H + 5);
		fputs("<text stroke=\"none\" fill=\"#333\" x=\"", f);
		num(f, x);
		fprintf(f, "\" y=\"%d\">%s</text>\n", MT + PLOT_H + 18,
			ls_svg_decade_label(d, label, sizeof(label)));
		for (m = 0; d < a->dhi && m < sizeof(minor) / sizeof(minor[0]); m++) {
			x = xpos(a, d + log10(minor[m]));
			fputs("<line x1=\"", f);
			num(f, x);
			fprintf(f, "\" y1=\"%d\" x2=\"", MT + PLOT_H);
			num(f, x);
			fprintf(f, "\" y2=\"%d\"/>\n", MT + PLOT_H + 3);
		}
	}
	fprintf(f, "<text stroke=\"none\" fill=\"#333\" x=\"%d\" y=\"%d\">time in the call "
		"(log scale)</text>\n</g>\n", ML + PLOT_W / 2, H - 6);
}

static void y_axis(FILE *f, const struct axes *a)
{
	int k;

	fprintf(f, "<g class=\"y-axis\" stroke=\"#555\" font-size=\"11\" text-anchor=\"end\">\n");
	fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n", ML, MT, ML, MT + PLOT_H);
	for (k = 0; k <= 2; k++) {
		double v = a->ymax * k / 2, y = ypos(a, v);

		fprintf(f, "<line x1=\"%d\" y1=\"", ML - 4);
		num(f, y);
		fprintf(f, "\" x2=\"%d\" y2=\"", ML);
		num(f, y);
		fprintf(f, "\"/>\n<text stroke=\"none\" fill=\"#333\" x=\"%d\" y=\"", ML - 6);
		num(f, y + 4);
		fputs("\">", f);
		num(f, v);
		fputs("%</text>\n", f);
	}
	fprintf(f, "<text stroke=\"none\" fill=\"#333\" transform=\"translate(14 %d) rotate(-90)\" "
		"text-anchor=\"middle\">calls</text>\n</g>\n", MT + PLOT_H / 2);
}

/* Where display bin b starts, in ns. */
static __u64 bin_edge(const struct axes *a, int b)
{
	return (__u64)llround(pow(10, a->dlo + (double)b / LS_SVG_BINS_PER_DECADE));
}

static void bars(FILE *f, const struct axes *a, const double *share, const struct ls_svg_series *s,
		 bool overlaid)
{
	int nb = (a->dhi - a->dlo) * LS_SVG_BINS_PER_DECADE, b;
	char from[16], to[16];
	double x0, x1, y;

	fprintf(f, "<g class=\"bars\" fill=\"%s\" fill-opacity=\"%s\">\n", s->color,
		overlaid ? "0.5" : "0.85");
	for (b = 0; b < nb; b++) {
		if (share[b] <= 0)
			continue;
		x0 = xpos(a, a->dlo + (double)b / LS_SVG_BINS_PER_DECADE);
		x1 = xpos(a, a->dlo + (double)(b + 1) / LS_SVG_BINS_PER_DECADE);
		y = ypos(a, share[b]);
		fputs("<rect x=\"", f);
		num(f, x0 + 0.5);
		fputs("\" y=\"", f);
		num(f, y);
		fputs("\" width=\"", f);
		num(f, x1 - x0 - 1 > 0.5 ? x1 - x0 - 1 : 0.5);
		fputs("\" height=\"", f);
		num(f, MT + PLOT_H - y);
		/* a tooltip, without script */
		fprintf(f, "\"><title>%s%s%s to %s: ", s->label ? s->label : "",
			s->label ? ", " : "",
			ls_fmt_duration(bin_edge(a, b), from, sizeof(from)),
			ls_fmt_duration(bin_edge(a, b + 1), to, sizeof(to)));
		num(f, share[b]);
		fputs("% of calls</title></rect>\n", f);
	}
	fputs("</g>\n", f);
}

struct marker {
	double x;
	size_t series;
	char name[16];		/* "p99.9" */
};

static int cmp_marker(const void *a, const void *b)
{
	const struct marker *x = a, *y = b;

	return x->x < y->x ? -1 : x->x > y->x;
}

/* Pixels a label of len characters takes at font size 10. */
#define LABEL_W(len)	(6.0 * (double)(len) + 4)

/*
 * A dashed line at each percentile of each series.  Their figures are in
 * the summary line above; a line gets its name ("p99") over the plot when
 * one of two rows has room for it, left to right.
 */
static void markers(FILE *f, const struct axes *a, const struct ls_svg_series *s, size_t n,
		    const struct ls_pcts *pcts)
{
	struct marker m[2 * LS_MAX_PCTS];
	double row_end[2] = { 0, 0 }, w;
	size_t i, k, nm = 0, row;
	__u64 v;

	for (i = 0; i < n; i++) {
		if (!ls_stats_slot_total(s[i].st))
			continue;
		for (k = 0; k < pcts->n && k < LS_MAX_PCTS; k++) {
			v = ls_stats_percentile(s[i].st, pcts->p[k]);
			m[nm].x = xpos(a, log10(v ? (double)v : 1));
			m[nm].series = i;
			snprintf(m[nm].name, sizeof(m[nm].name), "p%g", pcts->p[k]);
			nm++;
		}
	}
	qsort(m, nm, sizeof(*m), cmp_marker);
	fputs("<g class=\"percentiles\" font-size=\"10\" text-anchor=\"middle\">\n", f);
	for (k = 0; k < nm; k++) {
		fprintf(f, "<line stroke=\"%s\" stroke-dasharray=\"4 3\" x1=\"", s[m[k].series].color);
		num(f, m[k].x);
		fprintf(f, "\" y1=\"%d\" x2=\"", MT);
		num(f, m[k].x);
		fprintf(f, "\" y2=\"%d\"/>\n", MT + PLOT_H);
		w = LABEL_W(strlen(m[k].name));
		for (row = 0; row < 2 && row_end[row] > m[k].x - w / 2; row++)
			;
		if (row == 2)
			continue;
		row_end[row] = m[k].x + w / 2;
		fprintf(f, "<text fill=\"%s\" x=\"", s[m[k].series].color);
		num(f, m[k].x);
		fprintf(f, "\" y=\"%d\">%s</text>\n", MT - 4 - 11 * (int)row, m[k].name);
	}
	fputs("</g>\n", f);
}

/* "before: p50 6.34us  p90 14.8ms ... max 18.5ms", in the series' color. */
static void summary(FILE *f, const struct ls_svg_series *s, size_t si,
		    const struct ls_pcts *pcts)
{
	char dur[16];
	size_t k;

	fprintf(f, "<text class=\"summary\" x=\"%d\" y=\"%zu\" font-size=\"11\" fill=\"%s\">",
		ML, (size_t)31 + 12 * si, s->color);
	if (s->label)
		fprintf(f, "%s, %llu calls: ", s->label,
			(unsigned long long)ls_stats_slot_total(s->st));
	for (k = 0; k < pcts->n; k++)
		fprintf(f, "p%g %s%s", pcts->p[k],
			ls_fmt_duration(ls_stats_percentile(s->st, pcts->p[k]), dur, sizeof(dur)),
			"\u00a0\u00a0");
	fprintf(f, "max %s</text>\n", ls_fmt_duration(s->st->max_ns, dur, sizeof(dur)));
}

void ls_svg_histogram(FILE *f, const char *title, const struct ls_svg_series *s, size_t n,
		      const struct ls_pcts *pcts)
{
	double lo = 0, hi = 0, l, h, share[2][MAX_BINS] = { { 0 } }, top = 0;
	struct axes a;
	size_t i, used = 0;
	int b, nb;

	for (i = 0; i < n && i < 2; i++) {
		if (!range_of(s[i].st, &l, &h))
			continue;
		lo = used ? fmin(lo, l) : l;
		hi = used ? fmax(hi, h) : h;
		used++;
	}
	if (!used)
		return;
	a.dlo = (int)floor(log10(lo));
	a.dhi = (int)ceil(log10(hi));
	if (a.dhi <= a.dlo)
		a.dhi = a.dlo + 1;
	if (a.dhi - a.dlo > MAX_DECADES)
		a.dlo = a.dhi - MAX_DECADES;
	nb = (a.dhi - a.dlo) * LS_SVG_BINS_PER_DECADE;
	a.ymax = 1;
	for (i = 0; i < n && i < 2; i++) {
		if (!ls_stats_slot_total(s[i].st))
			continue;
		bin_shares(s[i].st, &a, share[i]);
		for (b = 0; b < nb; b++)
			top = fmax(top, share[i][b]);
	}
	a.ymax = nice_ceil(top > 0 ? top : 1);

	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"histogram\" width=\"%d\" "
		"height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" font-family=\"sans-serif\">\n",
		W, H, W, H);
	fputs("<title>", f);
	ls_html_escape(f, title);
	fputs("</title>\n", f);
	fprintf(f, "<text x=\"%d\" y=\"16\" font-size=\"13\" font-weight=\"bold\">", ML);
	ls_html_escape(f, title);
	fputs("</text>\n", f);
	for (i = 0; i < n && i < 2; i++)
		if (ls_stats_slot_total(s[i].st))
			summary(f, &s[i], i, pcts);
	x_axis(f, &a);
	y_axis(f, &a);
	for (i = 0; i < n && i < 2; i++)
		if (ls_stats_slot_total(s[i].st))
			bars(f, &a, share[i], &s[i], n > 1);
	markers(f, &a, s, n < 2 ? n : 2, pcts);
	fputs("</svg>\n", f);
}

void ls_svg_stacked_bar(FILE *f, const char *title, const struct ls_svg_part *p, size_t n)
{
	double sum = 0, x = 16, w;
	size_t i, shown = 0;
	int bar_w = W - 32, h;

	for (i = 0; i < n; i++)
		if (p[i].value > 0) {
			sum += p[i].value;
			shown++;
		}
	if (sum <= 0)
		return;
	h = 30 + 28 + 14 + 18 * (int)shown + 8;
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"stacked-bar\" width=\"%d\" "
		"height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" font-family=\"sans-serif\">\n",
		W, h, W, h);
	fputs("<title>", f);
	ls_html_escape(f, title);
	fputs("</title>\n<text x=\"16\" y=\"16\" font-size=\"13\" font-weight=\"bold\">", f);
	ls_html_escape(f, title);
	fputs("</text>\n<g class=\"parts\">\n", f);
	for (i = shown = 0; i < n; i++) {
		if (p[i].value <= 0)
			continue;
		w = p[i].value / sum * bar_w;
		fputs("<rect x=\"", f);
		num(f, x);
		fputs("\" y=\"30\" width=\"", f);
		num(f, w);
		fprintf(f, "\" height=\"28\" fill=\"%s\"><title>", palette[shown % 10]);
		ls_html_escape(f, p[i].name);
		fputs(": ", f);
		num(f, p[i].value / sum * 100);
		fputs("%</title></rect>\n", f);
		x += w;
		shown++;
	}
	fputs("</g>\n<g class=\"legend\" font-size=\"12\">\n", f);
	for (i = shown = 0; i < n; i++) {
		if (p[i].value <= 0)
			continue;
		fprintf(f, "<rect x=\"16\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/>"
			"<text x=\"32\" y=\"%d\">", 72 + 18 * (int)shown, palette[shown % 10],
			81 + 18 * (int)shown);
		ls_html_escape(f, p[i].name);
		fputs(": ", f);
		num(f, p[i].value / sum * 100);
		fputs("%", f);
		if (p[i].note) {
			fputs(", ", f);
			ls_html_escape(f, p[i].note);
		}
		fputs("</text>\n", f);
		shown++;
	}
	fputs("</g>\n</svg>\n", f);
}
