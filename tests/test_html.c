/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Unit tests for src/html.c and src/svg.c: a page per report and per diff
 * with a histogram per row, names escaped, nothing that could load from a
 * network, and charts whose bars and percentile lines sit where the
 * durations are.  tests/integration/t_html.sh opens real pages in Chromium.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>

#include "budget.h"
#include "diff.h"
#include "html.h"
#include "svg.h"
#include "test_util.h"

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (; (hay = strstr(hay, needle)); hay += strlen(needle))
		n++;
	return n;
}

/* The page may name no place to load from but the SVG namespace. */
static void assert_offline(const char *page)
{
	const char *p = page;

	assert_non_null(strstr(page, "Content-Security-Policy\" content=\"default-src 'none'"));
	assert_null(strstr(page, "<script"));
	assert_null(strstr(page, "https:"));
	while ((p = strstr(p, "http://"))) {
		assert_int_equal(strncmp(p, "http://www.w3.org/2000/svg\"", 27), 0);
		p++;
	}
	assert_int_equal(strncmp(page, "<!DOCTYPE html>\n", 16), 0);
	assert_non_null(strstr(page, "</body>\n</html>\n"));
}

static struct ls_snapshot *run(__u64 tc_ns)
{
	struct ls_snapshot *snap = ls_snapshot_new();

	assert_non_null(snap);
	snprintf(snap->meta.target, sizeof(snap->meta.target), "cmd democtl <&>");
	add_samples(&add_sc(snap, "tc", "sendto", 44)->st, tc_ns, 60);
	add_samples(&add_sc(snap, "tc", "recvmsg", 47)->st, 2000, 120);
	add_samples(&add_sc(snap, "icmp", "sendto", 44)->st, 50000, 60);
	add_samples(&add_sc(snap, "<img src=x onerror=alert(1)>", "read", 0)->st, 900, 3);
	return snap;
}

struct report_ctx {
	const struct ls_snapshot *snap;
	struct ls_report_opts o;
};

static void report_page(FILE *f, const void *ctx)
{
	const struct report_ctx *c = ctx;
	char err[256];

	assert_int_equal(ls_html_report(f, c->snap, &c->o, err, sizeof(err)), 0);
}

static void html_report__three_subsystems__tables_and_a_histogram_each(void **state)
{
	struct report_ctx c = { .snap = run(20000) };
	char *page;

	ls_report_opts_init(&c.o, LS_FMT_HTML);
	page = capture_output(report_page, &c);
	assert_offline(page);
	assert_int_equal(count(page, "<svg "), 3);
	assert_int_equal(count(page, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"histogram\""),
			 3);
	/* main table, a breakdown per subsystem, top errors: none */
	assert_int_equal(count(page, "<table>"), 4);
	assert_non_null(strstr(page, "<h3>Subsystems</h3>"));
	/* the names come escaped, in the tables and the charts */
	assert_null(strstr(page, "<img"));
	assert_null(strstr(page, "<&>"));
	assert_non_null(strstr(page, "<title>latscope: cmd democtl &lt;&amp;&gt;</title>"));
	assert_non_null(strstr(page, "<td>&lt;img src=x onerror=alert(1)&gt;</td>"));
	assert_non_null(strstr(page, "&lt;img src=x onerror=alert(1)&gt;: 3 calls"));
	/* the default percentiles are marked, and summed up per chart */
	assert_int_equal(count(page, "<line stroke=\"#4e79a7\" stroke-dasharray"),
			 3 * ls_pcts_report.n);
	assert_non_null(strstr(page, ">p50</text>"));
	assert_non_null(strstr(page, "p50 2.00us"));
	assert_non_null(strstr(page, "p99.9 20.0us\u00a0\u00a0max 20.0us"));
	free(page);

	/* --top 1: one row, one chart */
	c.o.top = 1;
	page = capture_output(report_page, &c);
	assert_int_equal(count(page, "<svg "), 1);
	free(page);
	ls_snapshot_free((struct ls_snapshot *)c.snap);
}

/* Version 3: the cycle budget as a bar, one part per component of the work. */
static void html_report__cycle_budget__one_bar_part_per_work_component(void **state)
{
	struct report_ctx c = { .snap = run(20000) };
	struct ls_snapshot *snap = (struct ls_snapshot *)c.snap;
	struct ls_group *g;
	struct ls_budget b;
	const char *bar;
	char *page;

	ls_report_opts_init(&c.o, LS_FMT_HTML);
	page = capture_output(report_page, &c);
	assert_null(strstr(page, "<section id=\"budget\">"));	/* no time split before v3 */
	free(page);

	/* the budget sums the threads' time split */
	g = ls_snapshot_group(&snap->threads, &snap->n_threads, "101 democtl");
	assert_non_null(g);
	g->tid = g->tgid = 101;
	g->has_time = 1;
	g->time.user_cpu_ns = 3000000;
	g->time.user_runq_ns = 1000000;
	add_samples(&add_sc(g->snap, "tc", "sendto", 44)->st, 20000, 60);
	add_samples(&add_sc(g->snap, "<img src=x onerror=alert(1)>", "read", 0)->st, 900, 3);
	snap->has_time = 1;
	snap->cycle.found = 1;
	snap->cycle.period_ns = 500000000;
	snprintf(snap->cycle.source, sizeof(snap->cycle.source), "auto");
	add_samples(&snap->cycle.busy, 6000000, 10);
	assert_int_equal(ls_budget_compute(snap, &b), 0);
	page = capture_output(report_page, &c);
	bar = strstr(page, "<section id=\"budget\">");
	assert_non_null(bar);
	assert_non_null(strstr(bar, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"stacked-bar\""));
	assert_non_null(strstr(bar, "10 cycles of 500ms"));
	/* a part and a legend swatch per component of the work */
	*strstr(bar, "</section>") = '\0';
	assert_int_equal(b.n_work, 4);	/* tc, user CPU, run-queue delay, the odd name */
	assert_int_equal(count(bar, "<rect "), 2 * b.n_work);
	assert_non_null(strstr(bar, ">user CPU: "));
	assert_non_null(strstr(bar, "&lt;img src=x onerror=alert(1)&gt;: "));
	ls_budget_free(&b);
	free(page);
	ls_snapshot_free(snap);
}

/* The first number after `attr="` from p on. */
static double attr(const char *p, const char *name)
{
	char key[32];
	const char *v;

	snprintf(key, sizeof(key), " %s=\"", name);
	v = strstr(p, key);
	assert_non_null(v);
	return atof(v + strlen(key));
}

static void histogram(FILE *f, const void *ctx)
{
	const struct ls_svg_series *s = ctx;

	ls_svg_histogram(f, "t", s, 1, &ls_pcts_report);
}

/*
 * Calls of one duration make one bar, and every percentile line goes
 * through it; the axis starts and ends on whole decades around it.
 */
static void svg_histogram__one_duration__one_bar_under_every_percentile(void **state)
{
	static const __u64 durations[] = { 1, 63, 999, 20000, 4567890, 68719476736ULL };
	struct ls_stats st;
	struct ls_svg_series s = { .st = &st, .color = "#000" };
	double x0, x1, lx;
	const char *p, *bars;
	char *svg;
	size_t i, lines = 0;

	for (i = 0; i < sizeof(durations) / sizeof(durations[0]); i++) {
		memset(&st, 0, sizeof(st));
		add_samples(&st, durations[i], 1000);
		svg = capture_output(histogram, &s);
		bars = strstr(svg, "<g class=\"bars\"");
		assert_non_null(bars);
		assert_int_equal(count(bars, "<rect "), 1);
		x0 = attr(bars, "x");
		x1 = x0 + attr(bars, "width");
		p = strstr(svg, "<g class=\"percentiles\"");
		assert_non_null(p);
		for (lines = 0; (p = strstr(p, "<line ")); p++, lines++) {
			lx = attr(p, "x1");
			if (lx < x0 - 1 || lx > x1 + 1)
				fail_msg("%llu ns: percentile line at x %.1f, bar %.1f..%.1f",
					 (unsigned long long)durations[i], lx, x0, x1);
		}
		assert_int_equal(lines, ls_pcts_report.n);
		assert_int_equal(count(svg, "<svg "), 1);
		free(svg);
	}
	/* no calls, no chart */
	memset(&st, 0, sizeof(st));
	svg = capture_output(histogram, &s);
	assert_string_equal(svg, "");
	free(svg);
}

/* Bars are shares of the calls: they add up to 100 %, whatever the count. */
static void svg_histogram__shares__add_up_to_100_percent(void **state)
{
	struct ls_stats st = { 0 };
	struct ls_svg_series s = { .st = &st, .color = "#000" };
	const char *p;
	double sum = 0;
	char *svg;

	add_samples(&st, 3000, 3);
	add_samples(&st, 3100, 1);
	add_samples(&st, 450000, 4);
	add_samples(&st, 9000000, 2);
	svg = capture_output(histogram, &s);
	/* each bar's tooltip: "3.16us to 3.98us: 40.0% of calls" */
	for (p = strstr(svg, "<g class=\"bars\""); (p = strstr(p, "% of calls</title>")); p++) {
		const char *v = p;

		while (v > svg && v[-1] != ' ')
			v--;
		sum += atof(v);
	}
	assert_true(fabs(sum - 100.0) < 0.5);
	free(svg);
}

struct diff_ctx {
	const struct ls_diff *d;
	const struct ls_snapshot *b, *a;
	struct ls_diff_opts o;
};

static void diff_page(FILE *f, const void *ctx)
{
	const struct diff_ctx *c = ctx;

	assert_int_equal(ls_html_diff(f, c->d, c->b, c->a, &c->o), 0);
}

static void html_diff__two_runs__overlaid_histogram_per_row(void **state)
{
	struct ls_snapshot *b = run(20000), *a = run(80000);
	struct ls_diff_cfg cfg;
	struct ls_diff d;
	struct diff_ctx c = { .d = &d, .b = b, .a = a };
	const char *svg;
	char *page;

	add_samples(&add_sc(a, "udp:10.0.0.1:53", "recvfrom", 45)->st, 80000000, 20);
	ls_diff_cfg_init(&cfg);
	assert_int_equal(ls_diff_build(&d, b, a, &cfg, NULL, 0), 0);
	ls_diff_opts_init(&c.o, LS_FMT_HTML, "before.json", "after.json");
	page = capture_output(diff_page, &c);
	assert_offline(page);
	assert_int_equal(count(page, "<svg "), 4);
	assert_int_equal(count(page, "<table>"), 1);
	assert_non_null(strstr(page, "<title>latscope diff: before.json -&gt; after.json</title>"));
	/* tc: both runs' bars; the new subsystem: only after's */
	svg = strstr(page, "<title>tc: slower");
	assert_non_null(svg);
	assert_int_equal(strncmp(strstr(svg, "<g class=\"bars\""), "<g class=\"bars\" fill=\"#4e79a7\"",
				 30), 0);
	assert_non_null(strstr(svg, "<g class=\"bars\" fill=\"#f28e2b\""));
	assert_non_null(strstr(svg, "before, 180 calls: "));
	svg = strstr(page, "<title>udp:10.0.0.1:53: new");
	assert_non_null(svg);
	*strstr(svg, "</svg>") = '\0';
	assert_int_equal(count(svg, "<g class=\"bars\""), 1);
	free(page);
	ls_diff_free(&d);
	ls_snapshot_free(a);
	ls_snapshot_free(b);
}

static void bar(FILE *f, const void *ctx)
{
	static const struct ls_svg_part parts[] = {
		{ "tc", 30, "3.0ms per cycle" }, { "user CPU", 10, NULL }, { "idle", 0, NULL },
		{ "exec:<tc>", 60, NULL },
	};

	ls_svg_stacked_bar(f, "budget", parts, 4);
}

static void svg_stacked_bar__parts__widths_proportional_legend_escaped(void **state)
{
	char *svg = capture_output(bar, NULL);
	const char *p = strstr(svg, "<g class=\"parts\">");

	assert_non_null(p);
	assert_int_equal(count(p, "<rect x="), 3 + 3);	/* bar parts, then legend swatches */
	assert_true(fabs(attr(p, "width") - 0.3 * 688) < 0.1);
	assert_non_null(strstr(svg, "tc: 30.0%, 3.0ms per cycle</text>"));
	assert_non_null(strstr(svg, "exec:&lt;tc&gt;: 60.0%</text>"));
	assert_null(strstr(svg, "idle"));
	free(svg);
}

static void svg_decade_label__powers_of_ten__units(void **state)
{
	static const char *const want[] = { "1ns", "10ns", "100ns", "1us", "10us", "100us",
					    "1ms", "10ms", "100ms", "1s", "10s", "100s", "1000s" };
	char buf[16];
	int d;

	for (d = 0; d < 13; d++)
		assert_string_equal(ls_svg_decade_label(d, buf, sizeof(buf)), want[d]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(html_report__three_subsystems__tables_and_a_histogram_each),
		cmocka_unit_test(html_report__cycle_budget__one_bar_part_per_work_component),
		cmocka_unit_test(svg_histogram__one_duration__one_bar_under_every_percentile),
		cmocka_unit_test(svg_histogram__shares__add_up_to_100_percent),
		cmocka_unit_test(html_diff__two_runs__overlaid_histogram_per_row),
		cmocka_unit_test(svg_stacked_bar__parts__widths_proportional_legend_escaped),
		cmocka_unit_test(svg_decade_label__powers_of_ten__units),
	};

	return cmocka_run_group_tests_name("html", tests, NULL, NULL);
}
