/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Column definitions for the derived figures (snapshot_cols.h).  Every
 * output format asks this file for headers, keys and values, so adding a
 * figure or a percentile means touching one table, not four writers.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "hist.h"
#include "snapshot_cols.h"

/* A percentile is resolved to 1e-6 percent: what --percentiles accepts. */
#define PCT_MICRO	1000000ULL

const struct ls_pcts ls_pcts_report = { { 50.0, 90.0, 95.0, 99.0, 99.9 }, 5 };
const struct ls_pcts ls_pcts_diff = { { 50.0, 90.0, 99.0 }, 3 };

const char ls_col_metric_names[] =
	"p50, p90, p95, p99, p99.9, max, avg, total, count, time/s or calls/s";

/* "99.9" -> 99900000 millionths; -EINVAL unless 0 < p <= 100, 6 decimals. */
static int parse_micro(const char *s, size_t len, __u64 *out)
{
	__u64 ip = 0, frac = 0, scale = PCT_MICRO;
	size_t i = 0, nint = 0, nfrac = 0;

	while (i < len && s[i] >= '0' && s[i] <= '9') {
		if (++nint > 3)
			return -EINVAL;
		ip = ip * 10 + (__u64)(s[i++] - '0');
	}
	if (!nint)
		return -EINVAL;
	if (i < len && s[i] == '.') {
		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
			if (++nfrac > 6)
				return -EINVAL;
			scale /= 10;
			frac += (__u64)(s[i] - '0') * scale;
		}
		if (!nfrac)
			return -EINVAL;
	}
	if (i != len)
		return -EINVAL;
	ip = ip * PCT_MICRO + frac;
	if (!ip || ip > 100 * PCT_MICRO)
		return -EINVAL;
	*out = ip;
	return 0;
}

int ls_pcts_parse(const char *s, struct ls_pcts *out)
{
	__u64 micro[LS_MAX_PCTS], m;
	const char *p, *end;
	size_t n = 0, i;

	if (!s || !out || !*s)
		return -EINVAL;
	for (p = s;; p = end + 1) {
		end = strchrnul(p, ',');
		if (parse_micro(p, (size_t)(end - p), &m))
			return -EINVAL;
		for (i = 0; i < n; i++)
			if (micro[i] == m)
				return -EINVAL;
		if (n == LS_MAX_PCTS)
			return -E2BIG;
		micro[n++] = m;
		if (!*end)
			break;
	}
	for (i = 0; i < n; i++)
		out->p[i] = (double)micro[i] / (double)PCT_MICRO;
	out->n = n;
	return 0;
}

/*
 * "p99_9_ns", "P99.9" and "p99.9" from the percentile, via integers so the
 * names never depend on how a double prints.
 */
static void pctl_col(struct ls_col *c, double p)
{
	__u64 m = (__u64)(p * (double)PCT_MICRO + 0.5);
	unsigned int ip = (unsigned int)(m / PCT_MICRO);	/* at most 100 */
	unsigned long long fr = m % PCT_MICRO;
	char frac[8] = "";
	int nd = 6;

	if (fr) {
		while (fr % 10 == 0) {
			fr /= 10;
			nd--;
		}
		snprintf(frac, sizeof(frac), "%0*llu", nd, fr);
	}
	c->fig = LS_FIG_PCTL;
	c->p = p;
	snprintf(c->key, sizeof(c->key), "p%u%s%s_ns", ip, fr ? "_" : "", frac);
	snprintf(c->header, sizeof(c->header), "P%u%s%s", ip, fr ? "." : "", frac);
	snprintf(c->name, sizeof(c->name), "p%u%s%s", ip, fr ? "." : "", frac);
}

static void fixed_col(struct ls_col *c, enum ls_fig fig)
{
	static const struct {
		const char *key, *header, *name;
	} def[] = {
		[LS_FIG_COUNT] = { "count", "CALLS", "count" },
		[LS_FIG_ERRORS] = { "errors", "ERRORS", "errors" },
		[LS_FIG_TOTAL] = { "total_ns", "TOTAL", "total" },
		[LS_FIG_PCT_TIME] = { "pct_time", "%TIME", "pct_time" },
		[LS_FIG_MIN] = { "min_ns", "MIN", "min" },
		[LS_FIG_AVG] = { "avg_ns", "AVG", "avg" },
		[LS_FIG_MAX] = { "max_ns", "MAX", "max" },
		[LS_FIG_CALL_RATE] = { "calls_per_s", "CALLS/S", "calls/s" },
		[LS_FIG_TIME_RATE] = { "ns_per_s", "TIME/S", "time/s" },
	};

	memset(c, 0, sizeof(*c));
	c->fig = fig;
	snprintf(c->key, sizeof(c->key), "%s", def[fig].key);
	snprintf(c->header, sizeof(c->header), "%s", def[fig].header);
	snprintf(c->name, sizeof(c->name), "%s", def[fig].name);
}

static void add_fixed(struct ls_cols *c, enum ls_fig fig)
{
	fixed_col(&c->col[c->n++], fig);
}

static void add_pcts(struct ls_cols *c, const struct ls_pcts *pcts)
{
	size_t i;

	for (i = 0; i < pcts->n && i < LS_MAX_PCTS; i++)
		pctl_col(&c->col[c->n++], pcts->p[i]);
}

void ls_cols_report(struct ls_cols *c, const struct ls_pcts *pcts)
{
	c->n = 0;
	add_fixed(c, LS_FIG_COUNT);
	add_fixed(c, LS_FIG_ERRORS);
	add_fixed(c, LS_FIG_TOTAL);
	add_fixed(c, LS_FIG_PCT_TIME);
	add_fixed(c, LS_FIG_MIN);
	add_fixed(c, LS_FIG_AVG);
	add_pcts(c, pcts);
	add_fixed(c, LS_FIG_MAX);
}

void ls_cols_diff(struct ls_cols *c, const struct ls_pcts *pcts)
{
	c->n = 0;
	add_fixed(c, LS_FIG_COUNT);
	add_fixed(c, LS_FIG_CALL_RATE);
	add_pcts(c, pcts);
	add_fixed(c, LS_FIG_MAX);
	add_fixed(c, LS_FIG_TOTAL);
	add_fixed(c, LS_FIG_TIME_RATE);
}

void ls_col_init(struct ls_col *c, enum ls_fig fig, double p)
{
	if (fig == LS_FIG_PCTL)
		pctl_col(c, p);
	else
		fixed_col(c, fig);
}

int ls_col_metric(const char *name, size_t len, struct ls_col *out)
{
	static const struct {
		const char *name;
		enum ls_fig fig;
		double p;
	} metrics[] = {
		{ "count", LS_FIG_COUNT, 0 },
		{ "total", LS_FIG_TOTAL, 0 },
		{ "avg", LS_FIG_AVG, 0 },
		{ "max", LS_FIG_MAX, 0 },
		{ "p50", LS_FIG_PCTL, 50.0 },
		{ "p90", LS_FIG_PCTL, 90.0 },
		{ "p95", LS_FIG_PCTL, 95.0 },
		{ "p99", LS_FIG_PCTL, 99.0 },
		{ "p99.9", LS_FIG_PCTL, 99.9 },
		{ "calls/s", LS_FIG_CALL_RATE, 0 },
		{ "time/s", LS_FIG_TIME_RATE, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(metrics) / sizeof(metrics[0]); i++) {
		if (strlen(metrics[i].name) != len || memcmp(metrics[i].name, name, len))
			continue;
		ls_col_init(out, metrics[i].fig, metrics[i].p);
		return 0;
	}
	return -EINVAL;
}

bool ls_col_is_duration(const struct ls_col *c)
{
	return c->fig != LS_FIG_COUNT && c->fig != LS_FIG_ERRORS && c->fig != LS_FIG_PCT_TIME &&
	       c->fig != LS_FIG_CALL_RATE;
}

__u64 ls_col_value(const struct ls_col *c, const struct ls_stats *st)
{
	switch (c->fig) {
	case LS_FIG_COUNT:
		return st->count;
	case LS_FIG_ERRORS:
		return st->errors;
	case LS_FIG_TOTAL:
		return st->total_ns;
	case LS_FIG_MIN:
		return st->min_ns;
	case LS_FIG_AVG:
		return st->count ? st->total_ns / st->count : 0;
	case LS_FIG_PCTL:
		return ls_stats_percentile(st, c->p);
	case LS_FIG_MAX:
		return st->max_ns;
	default:
		return 0;
	}
}
