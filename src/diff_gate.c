/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --fail-if: parsing and checking gates (diff_gate.h).  The parser is
 * written out by hand rather than with sscanf() so that every complaint
 * can name the column where the expression goes wrong.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "diff_gate.h"
#include "diff_stats.h"
#include "hist.h"
#include "report_table.h"

static int fail(char *err, size_t errlen, size_t col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* "column N: ..." with N 1-based; always -EINVAL. */
static int fail(char *err, size_t errlen, size_t col, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!err || !errlen)
		return -EINVAL;
	n = snprintf(err, errlen, "column %zu: ", col + 1);
	if (n >= 0 && (size_t)n < errlen) {
		va_start(ap, fmt);
		vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static bool all_digits(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return len > 0;
}

/*
 * Where the metric of an unknown selector starts, for the error column.
 * Subsystem names contain dots ("tcp:10.0.0.1:443"), and so does p99.9:
 * in "x.p99.8" the metric is "p99.8", in "x.p98" it is "p98".
 */
static size_t bad_metric_start(const char *s, size_t start, size_t end)
{
	size_t last = end, prev;

	while (last > start && s[last - 1] != '.')
		last--;
	if (last == start)
		return start;
	if (all_digits(s + last, end - last)) {
		prev = last - 1;
		while (prev > start && s[prev - 1] != '.')
			prev--;
		if (s[prev] == 'p' && all_digits(s + prev + 1, last - 1 - prev - 1))
			return prev;
	}
	return last;
}

/* "[SUBSYS.]METRIC" in s[start, end): the longest metric suffix wins. */
static int parse_selector(struct ls_gate *g, const char *s, size_t start, size_t end, char *err,
			  size_t errlen)
{
	size_t i, m;

	if (start == end)
		return fail(err, errlen, start, "missing the metric (%s)", ls_col_metric_names);
	if (!ls_col_metric(s + start, end - start, &g->metric))
		return 0;
	for (i = start; i < end; i++) {
		if (s[i] != '.' || ls_col_metric(s + i + 1, end - i - 1, &g->metric))
			continue;
		if (i == start)
			return fail(err, errlen, start, "missing the subsystem name before '.'");
		if (i - start >= sizeof(g->subsys))
			return fail(err, errlen, start,
				    "subsystem name too long (at most %zu bytes)",
				    sizeof(g->subsys) - 1);
		memcpy(g->subsys, s + start, i - start);
		g->subsys[i - start] = '\0';
		return 0;
	}
	m = bad_metric_start(s, start, end);
	return fail(err, errlen, m, "unknown metric '%.*s' (expected %s)", (int)(end - m), s + m,
		    ls_col_metric_names);
}

static int parse_unit(const char *u, size_t len, double *ns_per_unit)
{
	static const struct {
		const char *name;
		double ns;
	} units[] = { { "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 } };
	size_t i;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strlen(units[i].name) == len && !memcmp(units[i].name, u, len)) {
			*ns_per_unit = units[i].ns;
			return 0;
		}
	}
	return -EINVAL;
}

/* "[+|-]NUMBER[UNIT]" from s[i]; the sign defaults to the operator's direction. */
static int parse_threshold(struct ls_gate *g, const char *s, size_t i, char *err, size_t errlen)
{
	double v = 0, scale = 1, per = 1;
	size_t num, unit, end;
	char sign = 0;
	bool dur = ls_col_is_duration(&g->metric);

	while (s[i] == ' ')
		i++;
	if (s[i] == '+' || s[i] == '-')
		sign = s[i++];
	num = i;
	for (; isdigit((unsigned char)s[i]); i++)
		v = v * 10 + (s[i] - '0');
	if (s[i] == '.' && i > num) {
		for (i++; isdigit((unsigned char)s[i]); i++) {
			scale /= 10;
			v += (s[i] - '0') * scale;
		}
	}
	if (i == num || s[i - 1] == '.')
		return fail(err, errlen, num, "expected a number, such as +10%%, +2ms or 500us");
	unit = i;
	while (s[i] && s[i] != ' ')
		i++;
	end = i;
	while (s[i] == ' ')
		i++;
	if (s[i])
		return fail(err, errlen, i, "unexpected '%s' after the threshold", s + i);

	if (end - unit == 1 && s[unit] == '%') {
		g->relative = true;
	} else if (end == unit) {
		if (dur)
			return fail(err, errlen, unit, "%s needs a unit: %%, ns, us, ms or s",
				    g->metric.name);
	} else if (parse_unit(s + unit, end - unit, &per)) {
		return fail(err, errlen, unit, "unknown unit '%.*s' (expected %%, ns, us, ms or s)",
			    (int)(end - unit), s + unit);
	} else if (!dur) {
		return fail(err, errlen, unit,
			    "%s takes a plain number or a percentage, not '%.*s'",
			    g->metric.name, (int)(end - unit), s + unit);
	}
	if ((g->op == '>' && sign == '-') || (g->op == '<' && sign == '+'))
		return fail(err, errlen, num - 1,
			    "'%c' catches %s: give a %s threshold, or use '%c'", g->op,
			    g->op == '>' ? "increases" : "decreases",
			    g->op == '>' ? "positive" : "negative", g->op == '>' ? '<' : '>');
	g->threshold = (g->op == '<' ? -v : v) * per;
	return 0;
}

int ls_gate_parse(struct ls_gate *g, const char *expr, char *err, size_t errlen)
{
	size_t len, op, start, end;
	int ret;

	if (err && errlen)
		err[0] = '\0';
	if (!g || !expr)
		return -EINVAL;
	memset(g, 0, sizeof(*g));
	len = strlen(expr);
	if (len >= sizeof(g->expr))
		return fail(err, errlen, sizeof(g->expr) - 1, "too long (at most %zu characters)",
			    sizeof(g->expr) - 1);
	memcpy(g->expr, expr, len + 1);

	op = strcspn(expr, "<>");
	if (!expr[op])
		return fail(err, errlen, len,
			    "expected '>' or '<' and a threshold, as in p99>+10%%");
	g->op = expr[op];
	if (expr[op + 1] == '=')
		return fail(err, errlen, op, "'%c=' is not an operator here: use '%c'", g->op,
			    g->op);
	for (start = 0; expr[start] == ' '; start++)
		;
	for (end = op; end > start && expr[end - 1] == ' '; end--)
		;
	ret = parse_selector(g, expr, start, end, err, errlen);
	if (ret)
		return ret;
	return parse_threshold(g, expr, op + 1, err, errlen);
}

bool ls_gate_applies(const struct ls_gate *g, const struct ls_diff_row *r)
{
	return !g->subsys[0] || (r->key[0] && !strcmp(r->key[0], g->subsys));
}

const struct ls_diff_row *ls_gate_row(const struct ls_gate *g, const struct ls_diff *d, size_t i)
{
	if (i < d->n)
		return &d->rows[i];
	if (i == d->n && d->has_cycle && !strcmp(g->subsys, LS_DIFF_CYCLE))
		return &d->cycle;
	return NULL;
}

/*
 * The metric whose test decides a gate: a percentile its own, a count the
 * call rate, a total the time per second.  false for max and avg, which
 * one test cannot judge: the row's verdict does.
 */
static bool test_col(const struct ls_col *metric, struct ls_col *out)
{
	switch (metric->fig) {
	case LS_FIG_PCTL:
	case LS_FIG_CALL_RATE:
	case LS_FIG_TIME_RATE:
		*out = *metric;
		return true;
	case LS_FIG_COUNT:
		ls_col_init(out, LS_FIG_CALL_RATE, 0);
		return true;
	case LS_FIG_TOTAL:
		ls_col_init(out, LS_FIG_TIME_RATE, 0);
		return true;
	default:
		return false;
	}
}

static enum ls_val_kind value_kind(const struct ls_col *c)
{
	return c->fig == LS_FIG_CALL_RATE ? LS_VAL_RATE :
	       ls_col_is_duration(c) ? LS_VAL_NS : LS_VAL_COUNT;
}

/* One side's figure as a table value: rounded to ns or calls unless a rate. */
static struct ls_val side_val(const struct ls_col *c, double v)
{
	enum ls_val_kind kind = value_kind(c);

	return kind == LS_VAL_RATE ? ls_val_d(kind, v) : ls_val_u(kind, (__u64)llround(v));
}

static struct ls_val change_val(const struct ls_col *c, double b, double a)
{
	enum ls_val_kind kind = value_kind(c);

	if (kind == LS_VAL_RATE)
		return ls_val_d(LS_VAL_DRATE, a - b);
	return (struct ls_val){ .kind = kind == LS_VAL_NS ? LS_VAL_DNS : LS_VAL_DCOUNT,
				.i = ls_delta((__u64)llround(b), (__u64)llround(a)) };
}

/* "tcp:... poll: p90 5.31ms -> 50.8ms (+45.5ms, +856.0%), slower, p<0.001" */
static void describe(const struct ls_gate *g, const struct ls_diff_row *r, double b, double a,
		     const struct ls_col *tc, const struct ls_metric_test *t, char *msg, size_t len)
{
	struct ls_val vb = side_val(&g->metric, b), va = side_val(&g->metric, a);
	struct ls_val vd = change_val(&g->metric, b, a), vr = { .kind = LS_VAL_NONE };
	struct ls_val vp = ls_val_d(LS_VAL_PROB, t ? t->p : 1);
	char tb[32], ta[32], td[32], tr[32], tp[32], why[96];
	bool own;

	if (b)
		vr = ls_val_d(LS_VAL_REL, (a - b) / b * 100);
	if (t) {
		ls_val_text(&vp, tp, sizeof(tp));
		/* "p=0.012", or "p<0.001" as the table shows it. */
		own = tc->fig == g->metric.fig;
		snprintf(why, sizeof(why), "%s%s%s, p%s%s", own ? "" : tc->name, own ? "" : " ",
			 ls_result_name(t->dir > 0 ? LS_RESULT_UP : LS_RESULT_DOWN, tc, r->role),
			 tp[0] == '<' ? "" : "=", tp);
	} else {
		snprintf(why, sizeof(why), "%s", ls_verdict_name(r->verdict));
	}
	snprintf(msg, len, "%s%s%s: %s %s -> %s (%s, %s), %s", r->key[0], r->key[1] ? " " : "",
		 r->key[1] ? r->key[1] : "", g->metric.name, ls_val_text(&vb, tb, sizeof(tb)),
		 ls_val_text(&va, ta, sizeof(ta)), ls_val_text(&vd, td, sizeof(td)),
		 ls_val_text(&vr, tr, sizeof(tr)), why);
}

int ls_gate_check(const struct ls_gate *g, const struct ls_diff *d, const struct ls_diff_row *r,
		  char *msg, size_t len)
{
	int want = g->op == '>' ? 1 : -1;
	struct ls_metric_test t;
	struct ls_col tc;
	double b, a, change;
	bool tested;

	if (!ls_gate_applies(g, r) || !ls_diff_value(d, r, &g->metric, false, &b) ||
	    !ls_diff_value(d, r, &g->metric, true, &a))
		return 0;
	change = a - b;
	if (g->relative) {
		/* From nothing, any growth is infinitely large. */
		if (b)
			change = change / b * 100;
		else
			change = a ? INFINITY : 0;
	}
	if (g->op == '>' ? !(change > g->threshold) : !(change < g->threshold))
		return 0;

	/* A change counts only when its test says it is real, at the row's level. */
	tested = test_col(&g->metric, &tc);
	if (tested) {
		ls_diff_test(d, r, &tc, &t);
		if (!(t.p < r->level) || t.dir != want)
			return 0;
	} else if (r->verdict != (want > 0 ? LS_VERDICT_SLOWER : LS_VERDICT_FASTER)) {
		return 0;
	}
	if (msg && len)
		describe(g, r, b, a, &tc, tested ? &t : NULL, msg, len);
	return 1;
}

size_t ls_gate_too_few(const struct ls_gate *g, const struct ls_diff *d, char *msg, size_t len)
{
	const struct ls_diff_row *r, *first = NULL;
	struct ls_metric_test t;
	size_t i, n = 0;
	char rest[64] = "";

	if (g->metric.fig != LS_FIG_PCTL)
		return 0;
	for (i = 0; (r = ls_gate_row(g, d, i)); i++) {
		if (!ls_gate_applies(g, r) || !r->judged[0] || !r->judged[1])
			continue;
		ls_diff_test(d, r, &g->metric, &t);
		if (t.result != LS_RESULT_TOO_FEW)
			continue;
		first = first ? first : r;
		n++;
	}
	if (!n || !msg || !len)
		return n;
	if (n > 1)
		snprintf(rest, sizeof(rest), " and %zu more row%s", n - 1, n > 2 ? "s" : "");
	snprintf(msg, len,
		 "too few calls to test %s in %s%s%s (%llu before, %llu after)%s: it needs %llu "
		 "in each run at alpha %g (gate a lower percentile, or record longer)",
		 g->metric.name, first->key[0], first->key[1] ? " " : "",
		 first->key[1] ? first->key[1] : "",
		 (unsigned long long)ls_stats_slot_total(first->judged[0]),
		 (unsigned long long)ls_stats_slot_total(first->judged[1]), rest,
		 (unsigned long long)ls_pctl_min_calls(g->metric.p, d->cfg.alpha), d->cfg.alpha);
	return n;
}
