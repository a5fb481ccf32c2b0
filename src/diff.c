/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Matching two views row by row and judging each pair (diff.h).
 *
 * A user reads percentiles, time and calls, so those are what is tested,
 * each on its own (src/diff_stats.c): a test over all of a row's calls at
 * once barely moves when the calls that got slower are a minority, such
 * as the one waiting poll among several readiness checks.  A row's tests
 * share its alpha (Bonferroni), so a row is called changed by chance no
 * more often than alpha says.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "diff.h"
#include "diff_stats.h"
#include "hist.h"
#include "format.h"

const char *ls_verdict_name(enum ls_verdict v)
{
	switch (v) {
	case LS_VERDICT_SAME: return "~";
	case LS_VERDICT_FASTER: return "faster";
	case LS_VERDICT_SLOWER: return "slower";
	case LS_VERDICT_MIXED: return "mixed";
	case LS_VERDICT_MORE_CALLS: return "more calls";
	case LS_VERDICT_FEWER_CALLS: return "fewer calls";
	case LS_VERDICT_INSUFFICIENT: return "insufficient";
	case LS_VERDICT_NEW: return "new";
	case LS_VERDICT_GONE: return "gone";
	case LS_VERDICT_MORE_IDLE: return "more idle";
	case LS_VERDICT_LESS_IDLE: return "less idle";
	case LS_VERDICT_MORE_WAITING: return "more waiting";
	case LS_VERDICT_LESS_WAITING: return "less waiting";
	default: return "?";
	}
}

const char *ls_result_name(enum ls_result res, const struct ls_col *c, __u8 role)
{
	bool calls = c->fig == LS_FIG_CALL_RATE, time = c->fig == LS_FIG_TIME_RATE;
	bool work = role == LS_ROLE_WORK;

	switch (res) {
	case LS_RESULT_SAME: return "~";
	case LS_RESULT_UP: return calls || time ? "more" : work ? "slower" : "longer";
	case LS_RESULT_DOWN: return calls ? "fewer" : time ? "less" : work ? "faster" : "shorter";
	case LS_RESULT_TOO_FEW: return "too few";
	default: return "";
	}
}

void ls_diff_cfg_init(struct ls_diff_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->by = LS_BY_SUBSYSTEM;
	cfg->alpha = LS_DIFF_ALPHA;
	cfg->min_change = LS_DIFF_MIN_CHANGE;
	cfg->min_delta_ns = LS_DIFF_MIN_DELTA_NS;
	cfg->pcts = ls_pcts_diff;
}

void ls_diff_free(struct ls_diff *d)
{
	if (!d)
		return;
	ls_view_free(&d->before);
	ls_view_free(&d->after);
	free(d->rows);
	free(d->requests);
	free(d->waits);
	memset(d, 0, sizeof(*d));
}

/* A side without the calls: zero calls and zero time, for the rates. */
static const struct ls_stats no_calls;

/*
 * Two sets of calls to compare (a row, or one syscall of it), the runs'
 * durations, and the level each of its tests is made at.
 */
struct pair {
	const struct ls_stats *st[2];
	const __u64 *dur;
	const struct ls_diff_cfg *cfg;
	double level;
};

static bool pctl_testable(const struct pair *pr, double p)
{
	__u64 need = ls_pctl_min_calls(p, pr->cfg->alpha);

	return pr->st[0] && pr->st[1] && ls_stats_slot_total(pr->st[0]) >= need &&
	       ls_stats_slot_total(pr->st[1]) >= need;
}

static bool rates_testable(const struct pair *pr)
{
	return pr->dur[0] && pr->dur[1] &&
	       ((pr->st[0] && pr->st[0]->count) || (pr->st[1] && pr->st[1]->count));
}

/* The Bonferroni divisor: every test the pair's verdict rests on. */
static size_t count_tests(const struct pair *pr)
{
	size_t i, n = rates_testable(pr) ? 2 : 0;

	for (i = 0; i < pr->cfg->pcts.n; i++)
		n += pctl_testable(pr, pr->cfg->pcts.p[i]);
	return n;
}

static void set_level(struct pair *pr)
{
	size_t n = count_tests(pr);

	pr->level = pr->cfg->alpha / (double)(n ? n : 1);
}

/* Per second of the run, from a duration in ns. */
static double per_second(double v, __u64 dur_ns)
{
	return v * 1e9 / (double)dur_ns;
}

static bool side_value(const struct pair *pr, int side, const struct ls_col *c, double *out)
{
	const struct ls_stats *st = pr->st[side];

	switch (c->fig) {
	case LS_FIG_CALL_RATE:
	case LS_FIG_TIME_RATE:
		if (!pr->dur[side])
			return false;
		st = st ? st : &no_calls;
		*out = per_second((double)(c->fig == LS_FIG_CALL_RATE ? st->count : st->total_ns),
				  pr->dur[side]);
		return true;
	case LS_FIG_COUNT:
	case LS_FIG_ERRORS:
	case LS_FIG_TOTAL:
		*out = st ? (double)ls_col_value(c, st) : 0;
		return true;
	default:
		/* Nothing there is no calls and no time, but it has no latency. */
		if (!st || !st->count)
			return false;
		*out = (double)ls_col_value(c, st);
		return true;
	}
}

/* Beyond the practical threshold; growth from nothing is infinite. */
/*
 * Beyond the practical thresholds: --min-change of BEFORE, and for a
 * percentile --min-delta as well.  Growth from nothing is infinite.
 */
static bool beyond(const struct pair *pr, const struct ls_col *c, double b, double a)
{
	if (c->fig == LS_FIG_PCTL && !(fabs(a - b) > (double)pr->cfg->min_delta_ns))
		return false;
	if (b == 0)
		return a != 0;
	return fabs(a - b) / b * 100 > pr->cfg->min_change;
}

/*
 * +1 or -1 when a tested metric moved that way significantly at `level`,
 * as its test says, and by more than --min-change; else 0.
 */
static int moved_at(const struct pair *pr, const struct ls_col *c, const struct ls_metric_test *m,
		    double level)
{
	double b, a;
	int moved;

	if (!(m->p < level) || !side_value(pr, 0, c, &b) || !side_value(pr, 1, c, &a))
		return 0;
	moved = a > b ? 1 : a < b ? -1 : 0;
	return moved && m->dir == moved && beyond(pr, c, b, a) ? moved : 0;
}

/* A test's result at the pair's level. */
static void conclude(struct ls_metric_test *out, const struct ls_test *t, const struct pair *pr,
		     const struct ls_col *c)
{
	int moved;

	out->p = t->p;
	out->dir = t->dir;
	moved = moved_at(pr, c, out, pr->level);
	out->result = moved > 0 ? LS_RESULT_UP : moved < 0 ? LS_RESULT_DOWN : LS_RESULT_SAME;
}

static void test_pair(const struct pair *pr, const struct ls_col *c, struct ls_metric_test *out)
{
	const struct ls_stats *sb = pr->st[0] ? pr->st[0] : &no_calls;
	const struct ls_stats *sa = pr->st[1] ? pr->st[1] : &no_calls;
	struct ls_test t;
	int s;

	memset(out, 0, sizeof(*out));
	out->p = NAN;
	switch (c->fig) {
	case LS_FIG_PCTL:
		if (!sb->count || !sa->count)
			return;
		for (s = 0; s < 2; s++)
			out->has_ci[s] = !ls_pctl_ci(pr->st[s], c->p, pr->cfg->alpha,
						     &out->ci_lo[s], &out->ci_hi[s]);
		if (!out->has_ci[0] || !out->has_ci[1]) {
			out->result = LS_RESULT_TOO_FEW;
			return;
		}
		ls_pctl_test(sb, sa, c->p, pr->cfg->alpha, &t);
		break;
	case LS_FIG_CALL_RATE:
		if (!rates_testable(pr))
			return;
		ls_call_rate_test(sb->count, pr->dur[0], sa->count, pr->dur[1], &t);
		break;
	case LS_FIG_TIME_RATE:
		if (!rates_testable(pr))
			return;
		ls_time_rate_test(sb, pr->dur[0], sa, pr->dur[1], &t);
		break;
	default:
		return;
	}
	conclude(out, &t, pr, c);
}

static int result_dir(enum ls_result res)
{
	return res == LS_RESULT_UP ? 1 : res == LS_RESULT_DOWN ? -1 : 0;
}

/*
 * The verdict from the tests (docs/diff.md has the table).  A change of
 * the time per second that goes with the call rate says nothing about
 * latency.  A regression is never hidden: "faster" needs no time metric
 * to have grown even at the row's alpha (not divided: it only chooses
 * between verdicts that corrected tests made), and when some got faster
 * and others slower, the time per second says which weighs more.
 */
static enum ls_verdict verdict_of(const struct pair *pr)
{
	struct ls_metric_test m, tr, cr;
	struct ls_col c, ct, cc;
	bool up = false, down = false, hint_up = false, tested = false;
	double alpha = pr->cfg->alpha, b, a;
	int t, th, tmoved = 0, n, nh;
	size_t i;

	for (i = 0; i < pr->cfg->pcts.n; i++) {
		ls_col_init(&c, LS_FIG_PCTL, pr->cfg->pcts.p[i]);
		test_pair(pr, &c, &m);
		tested |= m.result != LS_RESULT_NONE && m.result != LS_RESULT_TOO_FEW;
		up |= m.result == LS_RESULT_UP;
		down |= m.result == LS_RESULT_DOWN;
		hint_up |= moved_at(pr, &c, &m, alpha) > 0;
	}
	ls_col_init(&ct, LS_FIG_TIME_RATE, 0);
	test_pair(pr, &ct, &tr);
	ls_col_init(&cc, LS_FIG_CALL_RATE, 0);
	test_pair(pr, &cc, &cr);
	n = result_dir(cr.result);
	nh = moved_at(pr, &cc, &cr, alpha);
	t = result_dir(tr.result);
	th = moved_at(pr, &ct, &tr, alpha);
	if (side_value(pr, 0, &ct, &b) && side_value(pr, 1, &ct, &a) &&
	    beyond(pr, &ct, b, a))
		tmoved = a > b ? 1 : -1;
	/* More time from more calls, less from fewer: not latency. */
	t = t == nh ? 0 : t;
	th = th == nh ? 0 : th;
	tmoved = tmoved == nh ? 0 : tmoved;
	up |= t > 0;
	down |= t < 0;
	hint_up |= th > 0;

	if (up && down)
		return tmoved > 0 ? LS_VERDICT_SLOWER : LS_VERDICT_MIXED;
	if (up)
		return th < 0 ? LS_VERDICT_MIXED : LS_VERDICT_SLOWER;
	if (down && hint_up)
		return tmoved > 0 ? LS_VERDICT_SLOWER : LS_VERDICT_MIXED;
	if (down)
		return LS_VERDICT_FASTER;
	/* Fewer calls taking more time: they got slower. */
	if (n && th == -n)
		return th > 0 ? LS_VERDICT_SLOWER : LS_VERDICT_FASTER;
	if (n)
		return n > 0 ? LS_VERDICT_MORE_CALLS : LS_VERDICT_FEWER_CALLS;
	return tested ? LS_VERDICT_SAME : LS_VERDICT_INSUFFICIENT;
}

static void note(const char **names, size_t *n, const char *name)
{
	if (*n < LS_DIFF_MAX_NOTED)
		names[*n] = name;
	(*n)++;
}

/* Each syscall of a row on its own, at alpha / the syscalls compared. */
static void note_parts(struct ls_diff_row *r, const struct ls_stats **sb,
		       const struct ls_stats **sa, const char **names, size_t n,
		       const struct ls_diff *d)
{
	struct ls_diff_cfg cfg = d->cfg;
	size_t k, compared = 0;
	struct pair one = { .dur = d->duration_ns, .cfg = &cfg };

	for (k = 0; k < n; k++)
		compared += sb[k] && sa[k];
	if (compared < 2)
		return;
	cfg.alpha /= (double)compared;
	for (k = 0; k < n; k++) {
		if (!sb[k] || !sa[k])
			continue;
		one.st[0] = sb[k];
		one.st[1] = sa[k];
		set_level(&one);
		switch (verdict_of(&one)) {
		case LS_VERDICT_SLOWER:
			note(r->slower, &r->n_slower, names[k]);
			break;
		case LS_VERDICT_FASTER:
			note(r->faster, &r->n_faster, names[k]);
			break;
		case LS_VERDICT_MIXED:
			note(r->mixed, &r->n_mixed, names[k]);
			break;
		default:
			break;
		}
	}
}

/* Parts are sorted by syscall, then subsystem name (ls_view_sort, by name). */
static int cmp_part(const struct ls_view_part *a, const struct ls_view_part *b)
{
	int c = strcmp(a->sc->name, b->sc->name);

	return c ? c : strcmp(a->ss->name, b->ss->name);
}

/* Pair the rows' parts, syscall by syscall, and judge each pair. */
static int judge_parts(struct ls_diff_row *r, const struct ls_diff *d)
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
	note_parts(r, sb, sa, names, n, d);
	free(names);
	free(sb);
	free(sa);
	return 0;
}

static void row_pair(const struct ls_diff *d, const struct ls_diff_row *r, struct pair *pr)
{
	pr->st[0] = r->judged[0];
	pr->st[1] = r->judged[1];
	pr->dur = d->duration_ns;
	pr->cfg = &d->cfg;
	pr->level = r->level;
}

/* Calls that are not work wait more or less; they are never slower or faster. */
static enum ls_verdict waiting_verdict(enum ls_verdict v, __u8 role)
{
	bool idle = role == LS_ROLE_IDLE;

	if (role == LS_ROLE_WORK)
		return v;
	if (v == LS_VERDICT_SLOWER)
		return idle ? LS_VERDICT_MORE_IDLE : LS_VERDICT_MORE_WAITING;
	if (v == LS_VERDICT_FASTER)
		return idle ? LS_VERDICT_LESS_IDLE : LS_VERDICT_LESS_WAITING;
	return v;
}

/* The tests and the verdict of a row whose judged calls are set. */
static void judge_row(struct ls_diff_row *r, const struct ls_diff *d)
{
	struct pair pr;

	row_pair(d, r, &pr);
	r->n_tests = count_tests(&pr);
	set_level(&pr);
	r->level = pr.level;
	if (!r->judged[0])
		r->verdict = LS_VERDICT_NEW;
	else if (!r->judged[1])
		r->verdict = LS_VERDICT_GONE;
	else
		r->verdict = waiting_verdict(verdict_of(&pr), r->role);
}

/* A row of the view: its calls are work (ls_view_build leaves the rest out). */
static int judge(struct ls_diff_row *r, const struct ls_diff *d)
{
	r->judged[0] = r->before ? r->before->st : NULL;
	r->judged[1] = r->after ? r->after->st : NULL;
	judge_row(r, d);
	return r->before && r->after ? judge_parts(r, d) : 0;
}

void ls_diff_test(const struct ls_diff *d, const struct ls_diff_row *r, const struct ls_col *c,
		  struct ls_metric_test *out)
{
	struct pair pr;

	row_pair(d, r, &pr);
	test_pair(&pr, c, out);
}

bool ls_diff_value(const struct ls_diff *d, const struct ls_diff_row *r, const struct ls_col *c,
		   bool after, double *out)
{
	struct pair pr;

	row_pair(d, r, &pr);
	return side_value(&pr, after, c, out);
}

static __u64 larger_total(const struct ls_diff_row *r)
{
	__u64 b = r->judged[0] ? r->judged[0]->total_ns : 0;
	__u64 a = r->judged[1] ? r->judged[1]->total_ns : 0;

	return a > b ? a : b;
}

/* Like a report: the heaviest first, whichever run it was heavy in. */
static int cmp_diff_rows(const void *pa, const void *pb)
{
	const struct ls_diff_row *a = pa, *b = pb;
	__u64 ta = larger_total(a), tb = larger_total(b);
	int c;

	if (ta != tb)
		return ta > tb ? -1 : 1;
	c = ls_view_keys_cmp(a->key, b->key);
	return c ? c : (int)a->role - (int)b->role;
}

/* A snapshot row of a section apart: the name of its subsystem and the row. */
struct entry {
	const char *ss;
	const struct ls_syscall_stats *sc;
};

static bool is_request(const struct ls_syscall_stats *sc)
{
	return sc->nr == LS_SYSCALL_REQUEST;
}

/* Rows of a section apart: requests; or calls that are not work. */
static bool in_section(const struct ls_syscall_stats *sc, bool requests)
{
	return requests ? is_request(sc) : !is_request(sc) && sc->role != LS_ROLE_WORK;
}

static int cmp_entry(const struct entry *a, const struct entry *b)
{
	int c = strcmp(a->ss, b->ss);

	if (!c)
		c = strcmp(a->sc->name, b->sc->name);
	return c ? c : (int)a->sc->role - (int)b->sc->role;
}

static int cmp_entry_q(const void *a, const void *b)
{
	return cmp_entry(a, b);
}

/* The section's rows of one snapshot, sorted by (subsystem, syscall, role). */
static int collect(const struct ls_snapshot *snap, bool requests, struct entry **out, size_t *n)
{
	size_t i, j, cap = 0;

	*n = 0;
	for (i = 0; i < snap->n_subsys; i++)
		for (j = 0; j < snap->subsys[i].n_sc; j++)
			cap += in_section(&snap->subsys[i].sc[j], requests);
	*out = calloc(cap ? cap : 1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (i = 0; i < snap->n_subsys; i++)
		for (j = 0; j < snap->subsys[i].n_sc; j++)
			if (in_section(&snap->subsys[i].sc[j], requests))
				(*out)[(*n)++] = (struct entry){ snap->subsys[i].name,
								 &snap->subsys[i].sc[j] };
	qsort(*out, *n, sizeof(**out), cmp_entry_q);
	return 0;
}

/* Pair the section's rows of the two runs and judge each pair. */
static int build_section(struct ls_diff *d, const struct ls_snapshot *before,
			 const struct ls_snapshot *after, bool requests, struct ls_diff_row **rows,
			 size_t *n)
{
	struct entry *eb = NULL, *ea = NULL;
	size_t nb = 0, na = 0, i = 0, j = 0;
	struct ls_diff_row *r;
	int c, ret;

	ret = collect(before, requests, &eb, &nb);
	if (!ret)
		ret = collect(after, requests, &ea, &na);
	if (!ret && !(*rows = calloc(nb + na + 1, sizeof(**rows))))
		ret = -ENOMEM;
	while (!ret && (i < nb || j < na)) {
		c = i == nb ? 1 : j == na ? -1 : cmp_entry(&eb[i], &ea[j]);
		r = &(*rows)[(*n)++];
		r->judged[0] = c <= 0 ? &eb[i].sc->st : NULL;
		r->judged[1] = c >= 0 ? &ea[j].sc->st : NULL;
		r->key[0] = c <= 0 ? eb[i].ss : ea[j].ss;
		r->key[1] = requests ? NULL : c <= 0 ? eb[i].sc->name : ea[j].sc->name;
		r->role = c <= 0 ? eb[i].sc->role : ea[j].sc->role;
		i += c <= 0;
		j += c >= 0;
		judge_row(r, d);
	}
	if (!ret)
		qsort(*rows, *n, sizeof(**rows), cmp_diff_rows);
	free(eb);
	free(ea);
	return ret;
}

int ls_diff_build(struct ls_diff *d, const struct ls_snapshot *before,
		  const struct ls_snapshot *after, const struct ls_diff_cfg *cfg, char *err,
		  size_t errlen)
{
	struct ls_diff_row *r;
	size_t i = 0, j = 0;
	int c, ret;

	if (err && errlen)
		err[0] = '\0';
	if (!d || !before || !after || !cfg || !(cfg->alpha > 0 && cfg->alpha < 1) ||
	    !(cfg->min_change >= 0) || cfg->pcts.n > LS_MAX_PCTS)
		return -EINVAL;
	memset(d, 0, sizeof(*d));
	d->cfg = *cfg;
	d->duration_ns[0] = before->meta.duration_ns;
	d->duration_ns[1] = after->meta.duration_ns;
	ret = ls_view_build(&d->before, before, cfg->by, err, errlen);
	if (!ret)
		ret = ls_view_build(&d->after, after, cfg->by, err, errlen);
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
		ret = judge(r, d);
		if (ret)
			goto fail;
	}
	qsort(d->rows, d->n, sizeof(*d->rows), cmp_diff_rows);
	if (before->cycle.found && after->cycle.found && before->cycle.busy.count &&
	    after->cycle.busy.count) {
		d->has_cycle = true;
		d->cycle.key[0] = LS_DIFF_CYCLE;
		d->cycle.judged[0] = &before->cycle.busy;
		d->cycle.judged[1] = &after->cycle.busy;
		judge_row(&d->cycle, d);
	}
	ret = build_section(d, before, after, true, &d->requests, &d->n_requests);
	if (!ret)
		ret = build_section(d, before, after, false, &d->waits, &d->n_waits);
	if (ret)
		goto fail;
	return 0;

fail:
	ls_diff_free(d);
	return ret;
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
