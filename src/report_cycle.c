// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The cycle sections of a report (report_cycle.h).  Every figure comes
 * from budget.c, hints.c and the snapshot; this file only lays them out.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <json-c/json.h>
#include "budget.h"
#include "format.h"
#include "grow.h"
#include "hints.h"
#include "hist.h"
#include "report_cycle.h"
#include "report_table.h"
#include "subsys.h"

#define SLOWEST_SHOWN	10

/* A line of prose: a paragraph in HTML, escaped in Markdown, its names' controls in text. */
static void line(FILE *f, enum ls_format fmt, const char *text)
{
	if (fmt == LS_FMT_HTML) {
		fputs("<p>", f);
		ls_html_escape(f, text);
		fputs("</p>", f);
	} else if (fmt == LS_FMT_MARKDOWN) {
		ls_md_escape(f, text);
	} else {
		ls_text_put(f, text);
	}
	fputc('\n', f);
}

static void cycle_lines(FILE *f, const struct ls_snapshot *snap, enum ls_format fmt,
			const struct ls_budget *b)
{
	const struct ls_cycle_info *ci = &snap->cycle;
	char buf[512], p[32], d50[32], d90[32], d99[32], mx[32];

	if (!b->cycles) {
		snprintf(buf, sizeof(buf), "Cycle: none found (no thread waited idle twice): the "
			 "figures below are for the whole run (%s)",
			 ls_fmt_duration(snap->meta.duration_ns, p, sizeof(p)));
		line(f, fmt, buf);
		return;
	}
	if (!strcmp(ci->source, "fixed"))
		snprintf(buf, sizeof(buf), "Cycle: every %s (--cycle), thread %s, %llu cycles",
			 ls_fmt_duration(ci->period_ns, p, sizeof(p)), ci->thread,
			 (unsigned long long)b->cycles);
	else
		snprintf(buf, sizeof(buf), "Cycle: every %s (thread %s, idle in %s%s), %llu "
			 "cycles", ls_fmt_duration(ci->period_ns, p, sizeof(p)), ci->thread,
			 ci->syscall, !strcmp(ci->source, "syscall") ? ", --cycle" : "",
			 (unsigned long long)b->cycles);
	line(f, fmt, buf);
	snprintf(buf, sizeof(buf), "Busy per cycle: p50 %s, p90 %s, p99 %s, max %s",
		 ls_fmt_duration(ls_stats_percentile(&ci->busy, 50), d50, sizeof(d50)),
		 ls_fmt_duration(ls_stats_percentile(&ci->busy, 90), d90, sizeof(d90)),
		 ls_fmt_duration(ls_stats_percentile(&ci->busy, 99), d99, sizeof(d99)),
		 ls_fmt_duration(ci->busy.max_ns, mx, sizeof(mx)));
	line(f, fmt, buf);
}

static int budget_rows(struct ls_table *t, const struct ls_budget *b)
{
	double div = b->cycles ? b->cycles_covered : 1.0;
	struct ls_val *c;
	size_t i;

	for (i = 0; i < b->n; i++) {
		const struct ls_budget_item *it = &b->items[i];

		c = ls_table_add_row(t, false);
		if (!c)
			return -ENOMEM;
		c[0] = ls_val_str(it->name);
		c[1] = ls_val_str(ls_budget_kind_name(it->kind));
		c[2] = ls_val_u(LS_VAL_NS, (__u64)(it->per_cycle_ns + 0.5));
		c[3] = it->pct_of_busy >= 0 ? ls_val_d(LS_VAL_SHARE, it->pct_of_busy) :
					      ls_val_str(NULL);
		c[4] = it->calls ? ls_val_d(LS_VAL_RATE, (double)it->calls / div) : ls_val_str(NULL);
	}
	return 0;
}

static const struct ls_table_col budget_cols_cycle[] = {
	{ "WHERE THE BUSY TIME GOES", "component", true },
	{ "KIND", "kind", true },
	{ "PER CYCLE", "ns_per_cycle", false },
	{ "%BUSY", "pct_of_busy", false },
	{ "CALLS/CYCLE", "calls_per_cycle", false },
};

static const struct ls_table_col budget_cols_run[] = {
	{ "WHERE THE BUSY TIME GOES", "component", true },
	{ "KIND", "kind", true },
	{ "IN THE RUN", "ns", false },
	{ "%BUSY", "pct_of_busy", false },
	{ "CALLS", "calls", false },
};

static void bottleneck_lines(FILE *f, const struct ls_snapshot *snap, enum ls_format fmt,
			     const struct ls_budget *b)
{
	struct ls_hint h;
	char buf[700];

	if (ls_hint_for(snap, b, 0, &h))
		return;
	if (fmt == LS_FMT_HTML) {
		fputs("<p class=\"bottleneck\"><b>Bottleneck:</b> ", f);
		ls_html_escape(f, b->items[0].name);
		fputs("</p>\n<ul><li>evidence: ", f);
		ls_html_escape(f, h.evidence);
		fputs("</li><li>hint: ", f);
		ls_html_escape(f, h.hint);
		fputs("</li></ul>\n", f);
		return;
	}
	if (fmt == LS_FMT_MARKDOWN) {
		fputs("\n**Bottleneck:** ", f);
		ls_md_escape(f, b->items[0].name);
		fputs("\n\n- evidence: ", f);
		ls_md_escape(f, h.evidence);
		fputs("\n- hint: ", f);
		ls_md_escape(f, h.hint);
		fputs("\n", f);
		return;
	}
	snprintf(buf, sizeof(buf), "\nBottleneck: %s (%.0f%% of the busy time)",
		 b->items[0].name, b->items[0].pct_of_busy);
	line(f, fmt, buf);
	fputs("  evidence: ", f);
	ls_text_put(f, h.evidence);
	fputs("\n  hint: ", f);
	ls_text_put(f, h.hint);
	fprintf(f, " [%s]\n", h.rule);
}

int ls_report_budget(FILE *f, const struct ls_snapshot *snap, enum ls_format fmt)
{
	struct ls_budget b;
	struct ls_table t;
	int ret;

	/* before version 3 the budget would only repeat the subsystem table */
	if (!snap->has_time)
		return 0;
	ret = ls_budget_compute(snap, &b);
	if (ret)
		return ret;
	if (!b.n_work) {
		ls_budget_free(&b);
		return 0;
	}
	if (fmt == LS_FMT_MARKDOWN)
		fputs("\n", f);
	cycle_lines(f, snap, fmt, &b);
	fputs("\n", f);
	ls_table_init(&t, b.cycles ? budget_cols_cycle : budget_cols_run, 5);
	ret = budget_rows(&t, &b);
	if (!ret)
		ret = ls_table_write(f, &t, fmt, "", NULL);
	if (!ret) {
		bottleneck_lines(f, snap, fmt, &b);
		fputs(fmt == LS_FMT_TEXT ? "\n" : "", f);
	}
	ls_table_free(&t);
	ls_budget_free(&b);
	return ret;
}

int ls_report_budget_table(FILE *f, const struct ls_snapshot *snap, enum ls_format fmt)
{
	struct json_object *rows;
	struct ls_budget b;
	struct ls_table t;
	const char *s;
	int ret;

	ret = ls_budget_compute(snap, &b);
	if (ret)
		return ret;
	ls_table_init(&t, b.cycles ? budget_cols_cycle : budget_cols_run, 5);
	ret = budget_rows(&t, &b);
	if (!ret && fmt == LS_FMT_JSON) {
		rows = ls_table_json(&t);
		s = rows ? json_object_to_json_string_ext(rows, JSON_C_TO_STRING_PRETTY |
							  JSON_C_TO_STRING_SPACED |
							  JSON_C_TO_STRING_NOSLASHESCAPE) : NULL;
		ret = !s ? -ENOMEM : fprintf(f, "%s\n", s) < 0 ? -EIO : 0;
		json_object_put(rows);
	} else if (!ret) {
		ret = ls_table_write(f, &t, fmt, "", NULL);
	}
	ls_table_free(&t);
	ls_budget_free(&b);
	return ret;
}

/* ---- after the tables ------------------------------------------------- */

static const struct ls_table_col request_cols[] = {
	{ "SUBSYSTEM", "subsystem", true },
	{ "REQUESTS", "count", false },
	{ "NO REPLY", "unanswered", false },
	{ "P50", "p50_ns", false },
	{ "P90", "p90_ns", false },
	{ "P99", "p99_ns", false },
	{ "MAX", "max_ns", false },
};

static int requests_section(FILE *f, const struct ls_snapshot *snap, enum ls_format fmt)
{
	struct ls_table t;
	struct ls_val *c;
	size_t i, j;
	int ret = 0;

	ls_table_init(&t, request_cols, 7);
	for (i = 0; i < snap->n_subsys && !ret; i++) {
		for (j = 0; j < snap->subsys[i].n_sc; j++) {
			const struct ls_syscall_stats *sc = &snap->subsys[i].sc[j];

			if (sc->nr != LS_SYSCALL_REQUEST || !sc->st.count)
				continue;
			c = ls_table_add_row(&t, false);
			if (!c) {
				ret = -ENOMEM;
				break;
			}
			c[0] = ls_val_str(snap->subsys[i].name);
			c[1] = ls_val_u(LS_VAL_COUNT, sc->st.count);
			c[2] = ls_val_u(LS_VAL_COUNT, sc->st.errors);
			c[3] = ls_val_u(LS_VAL_NS, ls_stats_percentile(&sc->st, 50));
			c[4] = ls_val_u(LS_VAL_NS, ls_stats_percentile(&sc->st, 90));
			c[5] = ls_val_u(LS_VAL_NS, ls_stats_percentile(&sc->st, 99));
			c[6] = ls_val_u(LS_VAL_NS, sc->st.max_ns);
		}
	}
	if (!ret && t.n_rows) {
		ls_section_heading(f, fmt, "Requests (from a send to the end of its reply)");
		ret = ls_table_write(f, &t, fmt, "", NULL);
	}
	ls_table_free(&t);
	return ret;
}

static const struct ls_table_col other_cols[] = {
	{ "SUBSYSTEM", "subsystem", true },
	{ "SYSCALL", "syscall", true },
	{ "ROLE", "role", true },
	{ "CALLS", "count", false },
	{ "TOTAL", "total_ns", false },
	{ "P50", "p50_ns", false },
	{ "MAX", "max_ns", false },
};

struct other_row {
	const char *subsys;
	const struct ls_syscall_stats *sc;
};

static int cmp_other(const void *pa, const void *pb)
{
	const struct other_row *a = pa, *b = pb;
	int c;

	if (a->sc->role != b->sc->role)
		return a->sc->role < b->sc->role ? -1 : 1;
	if (a->sc->st.total_ns != b->sc->st.total_ns)
		return a->sc->st.total_ns > b->sc->st.total_ns ? -1 : 1;
	c = strcmp(a->subsys, b->subsys);
	return c ? c : strcmp(a->sc->name, b->sc->name);
}

static int not_work_section(FILE *f, const struct ls_snapshot *snap, enum ls_format fmt)
{
	struct other_row *rows = NULL;
	struct ls_table t;
	struct ls_val *c;
	size_t i, j, n = 0, cap = 0;
	int ret = 0;

	for (i = 0; i < snap->n_subsys; i++) {
		for (j = 0; j < snap->subsys[i].n_sc; j++) {
			const struct ls_syscall_stats *sc = &snap->subsys[i].sc[j];

			if (sc->role == LS_ROLE_WORK || !sc->st.count)
				continue;
			if (ls_grow(&rows, &cap, n, sizeof(*rows), 16)) {
				free(rows);
				return -ENOMEM;
			}
			rows[n++] = (struct other_row){ snap->subsys[i].name, sc };
		}
	}
	if (!n)
		return 0;
	qsort(rows, n, sizeof(*rows), cmp_other);
	ls_table_init(&t, other_cols, 7);
	for (i = 0; i < n; i++) {
		c = ls_table_add_row(&t, false);
		if (!c) {
			ret = -ENOMEM;
			break;
		}
		c[0] = ls_val_str(rows[i].subsys);
		c[1] = ls_val_str(rows[i].sc->name);
		c[2] = ls_val_str(ls_role_name(rows[i].sc->role));
		c[3] = ls_val_u(LS_VAL_COUNT, rows[i].sc->st.count);
		c[4] = ls_val_u(LS_VAL_NS, rows[i].sc->st.total_ns);
		c[5] = ls_val_u(LS_VAL_NS, ls_stats_percentile(&rows[i].sc->st, 50));
		c[6] = ls_val_u(LS_VAL_NS, rows[i].sc->st.max_ns);
	}
	if (!ret) {
		ls_section_heading(f, fmt, "Not work, not in the shares (idle: by design; sync: "
				   "waiting for another thread; child: waiting for a child, "
				   "counted in exec:*)");
		ret = ls_table_write(f, &t, fmt, "", NULL);
	}
	ls_table_free(&t);
	free(rows);
	return ret;
}

static const struct ls_table_col slow_cols[] = {
	{ "WHEN", "start", true },
	{ "THREAD", "thread", true },
	{ "SUBSYSTEM", "subsystem", true },
	{ "SYSCALL", "syscall", true },
	{ "DURATION", "duration_ns", false },
	{ "RUNQ", "runq_ns", false },
	{ "CYCLE", "cycle", false },
	{ "RESULT", "errno", true },
	{ "WHERE", "where", true },
};

/* "12:03:04.123" local time: the call's place in the run, for the eye */
static void fmt_when(__u64 unix_ns, char *buf, size_t len)
{
	time_t t = (time_t)(unix_ns / 1000000000ULL);
	struct tm tm;

	if (!localtime_r(&t, &tm)) {
		snprintf(buf, len, "?");
		return;
	}
	strftime(buf, len, "%H:%M:%S", &tm);
	snprintf(buf + strlen(buf), len - strlen(buf), ".%03llu",
		 (unsigned long long)(unix_ns / 1000000ULL % 1000));
}

static int slowest_section(FILE *f, const struct ls_snapshot *snap, enum ls_format fmt,
			   size_t top)
{
	char (*when)[32] = NULL, (*thread)[64] = NULL, title[160], d[32];
	size_t i, n = snap->n_slowest < top ? snap->n_slowest : top;
	struct ls_table t;
	struct ls_val *c;
	int ret = 0;

	if (!snap->n_slowest)
		return 0;
	when = calloc(n, sizeof(*when));
	thread = calloc(n, sizeof(*thread));
	if (!when || !thread) {
		free(when);
		free(thread);
		return -ENOMEM;
	}
	ls_table_init(&t, slow_cols, 9);
	for (i = 0; i < n; i++) {
		const struct ls_slow_call *s = &snap->slowest[i];

		c = ls_table_add_row(&t, false);
		if (!c) {
			ret = -ENOMEM;
			break;
		}
		fmt_when(s->start_unix_ns, when[i], sizeof(when[i]));
		snprintf(thread[i], sizeof(thread[i]), "%u %s", s->tid, s->thread);
		c[0] = ls_val_str(when[i]);
		c[1] = ls_val_str(thread[i]);
		c[2] = ls_val_str(s->subsys);
		c[3] = ls_val_str(s->syscall);
		c[4] = ls_val_u(LS_VAL_NS, s->duration_ns);
		c[5] = ls_val_u(LS_VAL_NS, s->runq_ns);
		c[6] = s->cycle > 0 ? ls_val_u(LS_VAL_COUNT, (__u64)s->cycle) : ls_val_str(NULL);
		c[7] = s->err ? (struct ls_val){ .kind = LS_VAL_ERRNO, .i = s->err } :
				ls_val_str("ok");
		c[8] = ls_val_str(s->where[0] ? s->where : NULL);
	}
	if (!ret) {
		snprintf(title, sizeof(title), "Slowest calls (%llu took %s or more%s)",
			 (unsigned long long)snap->slow_calls,
			 ls_fmt_duration(snap->slow_threshold_ns, d, sizeof(d)),
			 n < snap->slow_calls ? "; the slowest shown" : "");
		ls_section_heading(f, fmt, title);
		ret = ls_table_write(f, &t, fmt, "", NULL);
	}
	ls_table_free(&t);
	free(when);
	free(thread);
	return ret;
}

int ls_report_extras(FILE *f, const struct ls_snapshot *snap, enum ls_format fmt, size_t top)
{
	int ret;

	ret = requests_section(f, snap, fmt);
	if (!ret)
		ret = not_work_section(f, snap, fmt);
	if (!ret)
		ret = slowest_section(f, snap, fmt, top ? top : SLOWEST_SHOWN);
	return ret;
}
