/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Matching two views row by row and judging each pair (diff.h).
 *
 * A row usually merges several syscalls (a subsystem's connect, sendto,
 * recvfrom, close).  Its verdict compares like with like: the syscalls are
 * the strata of a stratified Mann-Whitney test, so a run that makes more
 * cheap calls does not look "faster" when no call got faster, and one
 * syscall that got slower is not drowned by three that did not.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "diff.h"
#include "format.h"

const char *ls_verdict_name(enum ls_verdict v)
{
	switch (v) {
	case LS_VERDICT_SAME: return "~";
	case LS_VERDICT_FASTER: return "faster";
	case LS_VERDICT_SLOWER: return "slower";
	case LS_VERDICT_INSUFFICIENT: return "insufficient";
	case LS_VERDICT_NEW: return "new";
	case LS_VERDICT_GONE: return "gone";
	default: return "?";
	}
}

void ls_diff_free(struct ls_diff *d)
{
	if (!d)
		return;
	ls_view_free(&d->before);
	ls_view_free(&d->after);
	free(d->rows);
	memset(d, 0, sizeof(*d));
}

/* Parts are sorted by syscall, then subsystem name (ls_view_sort, by name). */
static int cmp_part(const struct ls_view_part *a, const struct ls_view_part *b)
{
	int c = strcmp(a->sc->name, b->sc->name);

	return c ? c : strcmp(a->ss->name, b->ss->name);
}

/* Each syscall of a row on its own, Bonferroni-corrected within the row. */
static void note_parts(struct ls_diff_row *r, const struct ls_stats **sb,
		       const struct ls_stats **sa, const char **names, size_t n, double alpha)
{
	size_t k, compared = 0;
	struct ls_mw one;

	for (k = 0; k < n; k++)
		compared += sb[k] && sa[k];
	if (compared < 2)
		return;
	for (k = 0; k < n; k++) {
		if (!sb[k] || !sa[k])
			continue;
		ls_mw_test(&sb[k], &sa[k], 1, &one);
		if (one.n_before < LS_MW_MIN_N || one.n_after < LS_MW_MIN_N ||
		    !(one.p < alpha / (double)compared))
			continue;
		if (one.z > 0) {
			if (r->n_slower < LS_DIFF_MAX_NOTED)
				r->slower[r->n_slower] = names[k];
			r->n_slower++;
		} else {
			if (r->n_faster < LS_DIFF_MAX_NOTED)
				r->faster[r->n_faster] = names[k];
			r->n_faster++;
		}
	}
}

/* Pair the rows' parts as strata and run the test over them. */
static int judge(struct ls_diff_row *r, double alpha)
{
	const struct ls_view_row *b = r->before, *a = r->after;
	const struct ls_stats **sb, **sa;
	const char **names;
	size_t i = 0, j = 0, n = 0, cap = b->n_parts + a->n_parts;
	int c;

	sb = calloc(cap ? cap : 1, sizeof(*sb));
	sa = calloc(cap ? cap : 1, sizeof(*sa));
	names = calloc(cap ? cap : 1, sizeof(*names));
	if (!sb || !sa || !names) {
		free(sb);
		free(sa);
		free(names);
		return -ENOMEM;
	}
	while (i < b->n_parts || j < a->n_parts) {
		if (i == b->n_parts)
			c = 1;
		else if (j == a->n_parts)
			c = -1;
		else
			c = cmp_part(&b->parts[i], &a->parts[j]);
		names[n] = c <= 0 ? b->parts[i].sc->name : a->parts[j].sc->name;
		sb[n] = c <= 0 ? &b->parts[i++].sc->st : NULL;
		sa[n] = c >= 0 ? &a->parts[j++].sc->st : NULL;
		n++;
	}
	ls_mw_test(sb, sa, n, &r->mw);
	note_parts(r, sb, sa, names, n, alpha);
	free(names);
	free(sb);
	free(sa);

	if (r->mw.n_before < LS_MW_MIN_N || r->mw.n_after < LS_MW_MIN_N)
		r->verdict = LS_VERDICT_INSUFFICIENT;
	else if (r->mw.p < alpha)
		r->verdict = r->mw.z > 0 ? LS_VERDICT_SLOWER : LS_VERDICT_FASTER;
	else
		r->verdict = LS_VERDICT_SAME;
	return 0;
}

static __u64 larger_total(const struct ls_diff_row *r)
{
	__u64 b = r->before ? r->before->st->total_ns : 0;
	__u64 a = r->after ? r->after->st->total_ns : 0;

	return a > b ? a : b;
}

/* Like a report: the heaviest first, whichever run it was heavy in. */
static int cmp_diff_rows(const void *pa, const void *pb)
{
	const struct ls_diff_row *a = pa, *b = pb;
	__u64 ta = larger_total(a), tb = larger_total(b);

	if (ta != tb)
		return ta > tb ? -1 : 1;
	return ls_view_keys_cmp(a->key, b->key);
}

int ls_diff_build(struct ls_diff *d, const struct ls_snapshot *before,
		  const struct ls_snapshot *after, enum ls_by by, double alpha, char *err,
		  size_t errlen)
{
	struct ls_diff_row *r;
	size_t i = 0, j = 0;
	int c, ret;

	if (err && errlen)
		err[0] = '\0';
	if (!d || !before || !after || !(alpha > 0 && alpha < 1))
		return -EINVAL;
	memset(d, 0, sizeof(*d));
	d->alpha = alpha;
	ret = ls_view_build(&d->before, before, by, err, errlen);
	if (!ret)
		ret = ls_view_build(&d->after, after, by, err, errlen);
	if (ret)
		goto fail;
	/* By name on both sides, so that one merge pass pairs rows and parts. */
	ls_view_sort(&d->before, LS_SORT_NAME);
	ls_view_sort(&d->after, LS_SORT_NAME);
	d->rows = calloc(d->before.n + d->after.n + 1, sizeof(*d->rows));
	if (!d->rows) {
		ret = -ENOMEM;
		goto fail;
	}
	while (i < d->before.n || j < d->after.n) {
		if (i == d->before.n)
			c = 1;
		else if (j == d->after.n)
			c = -1;
		else
			c = ls_view_keys_cmp(d->before.rows[i].key, d->after.rows[j].key);
		r = &d->rows[d->n++];
		r->before = c <= 0 ? &d->before.rows[i++] : NULL;
		r->after = c >= 0 ? &d->after.rows[j++] : NULL;
		memcpy(r->key, (r->before ? r->before : r->after)->key, sizeof(r->key));
		if (!r->before) {
			r->verdict = LS_VERDICT_NEW;
		} else if (!r->after) {
			r->verdict = LS_VERDICT_GONE;
		} else {
			ret = judge(r, alpha);
			if (ret)
				goto fail;
		}
	}
	qsort(d->rows, d->n, sizeof(*d->rows), cmp_diff_rows);
	return 0;

fail:
	ls_diff_free(d);
	return ret;
}

bool ls_diff_value(const struct ls_diff_row *r, const struct ls_col *c, bool after, __u64 *out)
{
	const struct ls_view_row *side = after ? r->after : r->before;

	if (!side || !side->st->count) {
		/* Nothing there is no calls and no time, but it has no latency. */
		if (c->fig == LS_FIG_COUNT || c->fig == LS_FIG_ERRORS || c->fig == LS_FIG_TOTAL) {
			*out = 0;
			return true;
		}
		return false;
	}
	*out = ls_col_value(c, side->st);
	return true;
}

static bool same_rules(const struct ls_snapshot *a, const struct ls_snapshot *b)
{
	size_t i;

	if (a->n_rules != b->n_rules)
		return false;
	for (i = 0; i < a->n_rules; i++)
		if (strcmp(a->rules[i], b->rules[i]))
			return false;
	return true;
}

size_t ls_diff_warnings(const struct ls_snapshot *before, const struct ls_snapshot *after,
			char (*lines)[LS_DIFF_WARN_LEN], size_t max)
{
	const struct ls_meta *b = &before->meta, *a = &after->meta;
	__u64 lo = b->duration_ns < a->duration_ns ? b->duration_ns : a->duration_ns;
	__u64 hi = b->duration_ns < a->duration_ns ? a->duration_ns : b->duration_ns;
	char db[32], da[32];
	size_t n = 0;

	/* The kernel is what is measured: another one is another system. */
	if (n < max && strcmp(b->kernel, a->kernel))
		snprintf(lines[n++], LS_DIFF_WARN_LEN,
			 "the runs are from different kernels (%.100s before, %.100s after)",
			 b->kernel, a->kernel);
	if (n < max && strcmp(b->host, a->host))
		snprintf(lines[n++], LS_DIFF_WARN_LEN,
			 "the runs are from different hosts (%.100s before, %.100s after)",
			 b->host, a->host);
	if (n < max && b->ncpus != a->ncpus)
		snprintf(lines[n++], LS_DIFF_WARN_LEN,
			 "the runs had different CPU counts (%d before, %d after)", b->ncpus,
			 a->ncpus);
	if (n < max && !same_rules(before, after))
		snprintf(lines[n++], LS_DIFF_WARN_LEN,
			 "the runs used different rules (%zu before, %zu after): the same "
			 "subsystem name may mean different calls", before->n_rules,
			 after->n_rules);
	/* Counts and totals grow with the duration; latencies do not. */
	if (n < max && lo && hi - lo > lo)
		snprintf(lines[n++], LS_DIFF_WARN_LEN,
			 "the durations differ by more than 2x (%s before, %s after): compare "
			 "calls and totals with care",
			 ls_fmt_duration(b->duration_ns, db, sizeof(db)),
			 ls_fmt_duration(a->duration_ns, da, sizeof(da)));
	return n;
}
