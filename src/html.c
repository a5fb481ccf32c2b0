// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "budget.h"
#include "format.h"
#include "hist.h"
#include "html.h"
#include "report_view.h"
#include "svg.h"

#define COLOR_ONE	"#4e79a7"
#define COLOR_BEFORE	"#4e79a7"
#define COLOR_AFTER	"#f28e2b"

static const char style[] =
	"body{font:14px/1.45 system-ui,sans-serif;margin:1.5em auto;max-width:1100px;"
	"padding:0 1em;color:#222}\n"
	"h1{font-size:1.4em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}\n"
	"table{border-collapse:collapse;margin:.5em 0 1em}\n"
	"th,td{padding:2px 10px;border-bottom:1px solid #e4e4e4;white-space:nowrap}\n"
	"th{background:#f4f4f4;text-align:left}.num{text-align:right;"
	"font-variant-numeric:tabular-nums}\n"
	"svg{display:block;margin:.5em 0 1.5em;max-width:100%;height:auto}\n"
	".meta{color:#555}\n";

static void page_head(FILE *f, const char *title)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      /* nothing may be loaded: the page stands alone, offline */
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<meta name=\"generator\" content=\"latscope " LATSCOPE_VERSION "\">\n<title>", f);
	ls_html_escape(f, title);
	fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>", style);
	ls_html_escape(f, title);
	fputs("</h1>\n", f);
}

static void meta_line(FILE *f, const char *what, const struct ls_meta *m)
{
	char buf[640];

	snprintf(buf, sizeof(buf), "%s%shost %s, kernel %s, %d CPUs, latscope %s", what,
		 *what ? ": " : "", m->host, m->kernel, m->ncpus, m->latscope_version);
	fputs("<p class=\"meta\">", f);
	ls_html_escape(f, buf);
	fputs("</p>\n", f);
}

static int page_end(FILE *f)
{
	fputs("</body>\n</html>\n", f);
	return ferror(f) ? -EIO : 0;
}

/* "tc: 1500 calls, 45.6ms" */
static void row_title(char *buf, size_t len, const char *const *key, size_t n_keys,
		      const struct ls_stats *st)
{
	char total[16];

	snprintf(buf, len, "%s%s%s: %llu calls, %s in all", key[0], n_keys > 1 ? " " : "",
		 n_keys > 1 ? key[1] : "", (unsigned long long)st->count,
		 ls_fmt_duration(st->total_ns, total, sizeof(total)));
}

static void histograms_intro(FILE *f, const char *what)
{
	fprintf(f, "<h2>Latency histograms</h2>\n<p>%s Each bar is a tenth of a decade of "
		"time in the call, its height the share of the calls that took that long; "
		"the dashed lines are the percentiles.</p>\n", what);
}

/*
 * The cycle budget (snapshot version 3) as one bar: each component of the
 * work its share of the busy time, per cycle when there are cycles.
 */
static int budget_bar(FILE *f, const struct ls_snapshot *snap)
{
	struct ls_svg_part *parts;
	char title[256], (*notes)[48], p[16], d[16];
	struct ls_budget b;
	size_t i;
	int ret;

	if (!snap->has_time)
		return 0;
	ret = ls_budget_compute(snap, &b);
	if (ret)
		return ret;
	parts = calloc(b.n_work ? b.n_work : 1, sizeof(*parts));
	notes = calloc(b.n_work ? b.n_work : 1, sizeof(*notes));
	if (!parts || !notes) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < b.n_work; i++) {
		const struct ls_budget_item *it = &b.items[i];

		parts[i].name = it->name;
		parts[i].value = it->per_cycle_ns;
		snprintf(notes[i], sizeof(notes[i]), "%s %s",
			 ls_fmt_duration((__u64)(it->per_cycle_ns + 0.5), d, sizeof(d)),
			 b.cycles ? "per cycle" : "in the run");
		parts[i].note = notes[i];
	}
	if (b.cycles)
		snprintf(title, sizeof(title), "Where the busy time of a cycle goes: %llu cycles of "
			 "%s, busy p50 %s", (unsigned long long)b.cycles,
			 ls_fmt_duration(snap->cycle.period_ns, p, sizeof(p)),
			 ls_fmt_duration(ls_stats_percentile(&snap->cycle.busy, 50), d, sizeof(d)));
	else
		snprintf(title, sizeof(title), "Where the busy time goes (no cycle found)");
	fputs("<section id=\"budget\">\n<h2>Cycle budget</h2>\n", f);
	ls_svg_stacked_bar(f, title, parts, b.n_work);
	fputs("</section>\n", f);
out:
	free(parts);
	free(notes);
	ls_budget_free(&b);
	return ret;
}

int ls_html_report(FILE *f, const struct ls_snapshot *snap, const struct ls_report_opts *o,
		   char *err, size_t errlen)
{
	struct ls_report_opts tables = *o;
	struct ls_view v = { 0 };
	size_t i, shown;
	char title[512];
	int ret;

	ret = ls_view_build(&v, snap, o->by, err, errlen);
	if (ret)
		return ret;
	ls_view_sort(&v, o->sort);
	shown = o->top && o->top < v.n ? o->top : v.n;

	snprintf(title, sizeof(title), "latscope: %s", snap->meta.target);
	page_head(f, title);
	meta_line(f, "", &snap->meta);
	fputs("<section id=\"tables\">\n", f);
	tables.fmt = LS_FMT_HTML;
	ret = ls_report_write_opts(f, snap, &tables, err, errlen);
	fputs("</section>\n", f);
	if (!ret)
		ret = budget_bar(f, snap);
	if (ret)
		goto out;

	fputs("<section id=\"histograms\">\n", f);
	histograms_intro(f, "One per row of the subsystems table.");
	for (i = 0; i < shown; i++) {
		struct ls_svg_series s = { .st = v.rows[i].st, .color = COLOR_ONE };

		row_title(title, sizeof(title), v.rows[i].key, v.n_keys, v.rows[i].st);
		ls_svg_histogram(f, title, &s, 1, &o->pcts);
	}
	fputs("</section>\n", f);
	ret = page_end(f);
out:
	ls_view_free(&v);
	return ret;
}

int ls_html_diff(FILE *f, const struct ls_diff *d, const struct ls_snapshot *before,
		 const struct ls_snapshot *after, const struct ls_diff_opts *o)
{
	struct ls_diff_opts tables = *o;
	char title[512], b[16], a[16];
	const struct ls_diff_row *r;
	size_t i;
	int ret;

	snprintf(title, sizeof(title), "latscope diff: %s -> %s", o->before_name, o->after_name);
	page_head(f, title);
	meta_line(f, "before", &before->meta);
	meta_line(f, "after", &after->meta);
	fputs("<section id=\"tables\">\n", f);
	tables.fmt = LS_FMT_HTML;
	ret = ls_diff_write(f, d, before, after, &tables);
	fputs("</section>\n", f);
	if (ret)
		return ret;

	fputs("<section id=\"histograms\">\n", f);
	histograms_intro(f, "Before (blue) and after (orange) overlaid, each as a share of its "
			 "own calls, one per row of the table.");
	for (i = 0; i < d->n; i++) {
		struct ls_svg_series s[2] = {
			{ .label = "before", .color = COLOR_BEFORE },
			{ .label = "after", .color = COLOR_AFTER },
		};
		static const struct ls_stats empty;

		r = &d->rows[i];
		s[0].st = r->before ? r->before->st : &empty;
		s[1].st = r->after ? r->after->st : &empty;
		snprintf(title, sizeof(title), "%s%s%s: %s, %s -> %s in all", r->key[0],
			 d->before.n_keys > 1 ? " " : "", d->before.n_keys > 1 ? r->key[1] : "",
			 ls_verdict_name(r->verdict),
			 ls_fmt_duration(s[0].st->total_ns, b, sizeof(b)),
			 ls_fmt_duration(s[1].st->total_ns, a, sizeof(a)));
		ls_svg_histogram(f, title, s, 2, &d->cfg.pcts);
	}
	fputs("</section>\n", f);
	return page_end(f);
}
