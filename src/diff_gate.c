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

static bool is_latency(const struct ls_col *c)
{
	return c->fig != LS_FIG_COUNT && c->fig != LS_FIG_TOTAL && c->fig != LS_FIG_ERRORS;
}

int ls_gate_check(const struct ls_gate *g, const struct ls_diff_row *r, char *msg, size_t len)
{
	enum ls_val_kind kind = ls_col_is_duration(&g->metric) ? LS_VAL_NS : LS_VAL_COUNT;
	struct ls_val vb, va, vd, vr, vp;
	char tb[32], ta[32], td[32], tr[32], tp[32];
	__u64 b, a;
	double change;
	bool both;

	if (!ls_gate_applies(g, r) || !ls_diff_value(r, &g->metric, false, &b) ||
	    !ls_diff_value(r, &g->metric, true, &a))
		return 0;
	/* A latency change counts only when the test says it is real. */
	if (is_latency(&g->metric) &&
	    r->verdict != (g->op == '>' ? LS_VERDICT_SLOWER : LS_VERDICT_FASTER))
		return 0;

	change = (double)a - (double)b;
	if (g->relative) {
		/* From nothing, any growth is infinitely large. */
		if (b)
			change = change / (double)b * 100;
		else
			change = a ? INFINITY : 0;
	}
	if (g->op == '>' ? !(change > g->threshold) : !(change < g->threshold))
		return 0;

	if (msg && len) {
		vb = ls_val_u(kind, b);
		va = ls_val_u(kind, a);
		vd = (struct ls_val){ .kind = kind == LS_VAL_NS ? LS_VAL_DNS : LS_VAL_DCOUNT,
				      .i = ls_delta(b, a) };
		vr = b ? ls_val_d(LS_VAL_REL, ((double)a - (double)b) / (double)b * 100) :
			 (struct ls_val){ .kind = LS_VAL_NONE };
		vp = ls_val_d(LS_VAL_PROB, r->mw.p);
		both = r->before && r->after;
		ls_val_text(&vp, tp, sizeof(tp));
		/* "p=0.012", or "p<0.001" as the table shows it. */
		snprintf(msg, len, "%s%s%s: %s %s -> %s (%s, %s), %s%s%s%s", r->key[0],
			 r->key[1] ? " " : "", r->key[1] ? r->key[1] : "", g->metric.name,
			 ls_val_text(&vb, tb, sizeof(tb)), ls_val_text(&va, ta, sizeof(ta)),
			 ls_val_text(&vd, td, sizeof(td)), ls_val_text(&vr, tr, sizeof(tr)),
			 ls_verdict_name(r->verdict), both ? ", p" : "",
			 both && tp[0] != '<' ? "=" : "", both ? tp : "");
	}
	return 1;
}
