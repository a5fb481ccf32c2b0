/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Snapshot -> JSON (docs/snapshot-format.md) with json-c, which both
 * parses and serialises and is packaged by Debian.  The reader is
 * snapshot_load.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include <json-c/printbuf.h>
#include "budget.h"
#include "hints.h"
#include "hist.h"
#include "save_file.h"
#include "snapshot.h"
#include "snapshot_cols.h"
#include "snapshot_write.h"
#include "subsys.h"

/*
 * json-c's pretty printer puts every array element on its own line, which
 * turns one bucket into five lines and an empty list into two.  Buckets and
 * empty arrays are printed on one line instead.
 */
static int compact_array_to_string(json_object *jso, struct printbuf *pb, int level, int flags)
{
	const char *sep = (flags & JSON_C_TO_STRING_SPACED) ? ", " : ",";
	size_t i, n = json_object_array_length(jso);
	const char *s;

	if (printbuf_strappend(pb, "[") < 0)
		return -1;
	for (i = 0; i < n; i++) {
		s = json_object_to_json_string_ext(json_object_array_get_idx(jso, i),
						   JSON_C_TO_STRING_PLAIN);
		if (!s)
			return -1;
		if (i && printbuf_memappend(pb, sep, (int)strlen(sep)) < 0)
			return -1;
		if (printbuf_memappend(pb, s, (int)strlen(s)) < 0)
			return -1;
	}
	return printbuf_strappend(pb, "]");
}

/* Allocation failures are collected in *err so the builders stay flat. */
static void put(json_object *obj, const char *key, json_object *val, int *err)
{
	if (!val || json_object_object_add(obj, key, val)) {
		json_object_put(val);
		*err = -ENOMEM;
	}
}

static void append(json_object *arr, json_object *val, int *err)
{
	if (!val || json_object_array_add(arr, val)) {
		json_object_put(val);
		*err = -ENOMEM;
	}
}

/* Every integer is a u64; new_uint64 keeps values above INT64_MAX exact. */
static void put_u64(json_object *obj, const char *key, __u64 v, int *err)
{
	put(obj, key, json_object_new_uint64(v), err);
}

/* The model's strings are fixed arrays: never read past one. */
static void put_str(json_object *obj, const char *key, const char *s, size_t size, int *err)
{
	put(obj, key, json_object_new_string_len(s, (int)strnlen(s, size)), err);
}

#define PUT_STR(obj, key, arr, err) put_str(obj, key, arr, sizeof(arr), err)

/* Call once the array is complete: only an empty one is made compact. */
void ls_json_compact_if_empty(json_object *arr)
{
	if (arr && !json_object_array_length(arr))
		json_object_set_serializer(arr, compact_array_to_string, NULL, NULL);
}

/*
 * pct_time with two decimals.  Formatted by hand rather than with "%.2f" so
 * that a locale with a decimal comma cannot produce invalid JSON.
 */
static json_object *new_pct(double pct)
{
	char buf[32];
	__u64 hundredths;

	if (!(pct > 0))
		pct = 0;
	hundredths = (__u64)(pct * 100 + 0.5);
	snprintf(buf, sizeof(buf), "%llu.%02llu", (unsigned long long)(hundredths / 100),
		 (unsigned long long)(hundredths % 100));
	return json_object_new_double_s(pct, buf);
}

/*
 * The derived fields of a subsystem or syscall, in column order: the same
 * column definitions as the text tables.  pct_time only for subsystems.
 */
static void put_figures(json_object *o, const struct ls_cols *cols, const struct ls_stats *st,
			bool with_pct, double pct, int *err)
{
	const struct ls_col *c;
	size_t i;

	for (i = 0; i < cols->n; i++) {
		c = &cols->col[i];
		if (c->fig == LS_FIG_PCT_TIME) {
			if (with_pct)
				put(o, c->key, new_pct(pct), err);
			continue;
		}
		put_u64(o, c->key, ls_col_value(c, st), err);
	}
}

static json_object *errnos_to_json(const struct ls_syscall_stats *sc, int *err)
{
	json_object *arr = json_object_new_array(), *e;
	const char *name;
	size_t i;

	if (!arr)
		goto nomem;
	for (i = 0; i < sc->n_errnos; i++) {
		e = json_object_new_object();
		if (!e)
			goto nomem;
		name = ls_errno_name(sc->errnos[i].err);
		put(e, "errno", json_object_new_int(sc->errnos[i].err), err);
		put(e, "name", json_object_new_string(name ? name : "E?"), err);
		put_u64(e, "count", sc->errnos[i].count, err);
		append(arr, e, err);
	}
	ls_json_compact_if_empty(arr);
	return arr;

nomem:
	json_object_put(arr);
	*err = -ENOMEM;
	return NULL;
}

static json_object *buckets_to_json(const struct ls_stats *st, int *err)
{
	json_object *arr = json_object_new_array(), *b;
	__u32 i;

	if (!arr)
		goto nomem;
	for (i = 0; i < LS_HIST_SLOTS; i++) {
		if (!st->slots[i])
			continue;
		b = json_object_new_array();
		if (!b)
			goto nomem;
		append(b, json_object_new_uint64(ls_slot_lower(i)), err);
		append(b, json_object_new_uint64(ls_slot_upper(i)), err);
		append(b, json_object_new_uint64(st->slots[i]), err);
		json_object_set_serializer(b, compact_array_to_string, NULL, NULL);
		append(arr, b, err);
	}
	ls_json_compact_if_empty(arr);
	return arr;

nomem:
	json_object_put(arr);
	*err = -ENOMEM;
	return NULL;
}

static json_object *syscall_to_json(const struct ls_syscall_stats *sc, const struct ls_cols *cols,
				    int *err)
{
	json_object *o = json_object_new_object();

	if (!o) {
		*err = -ENOMEM;
		return NULL;
	}
	PUT_STR(o, "syscall", sc->name, err);
	put_u64(o, "nr", sc->nr, err);
	put(o, "role", json_object_new_string(ls_role_name(sc->role)), err);
	put_figures(o, cols, &sc->st, false, 0, err);
	put_u64(o, "runq_ns", sc->st.runq_ns, err);
	if (sc->st.max_at_ns)
		put_u64(o, "max_at_unix_ns", sc->st.max_at_ns, err);
	put(o, "errnos", errnos_to_json(sc, err), err);
	put(o, "buckets", buckets_to_json(&sc->st, err), err);
	return o;
}

static json_object *subsys_to_json(const struct ls_json_subsys *js, const struct ls_cols *cols,
				   double all_ns, struct ls_stats *tot, int *err)
{
	json_object *o = json_object_new_object(), *arr = json_object_new_array();
	const struct ls_subsys *ss = js->ss;
	size_t i, n = js->sc ? js->n_sc : ss->n_sc;

	if (!o || !arr) {
		json_object_put(o);
		json_object_put(arr);
		*err = -ENOMEM;
		return NULL;
	}
	/* Figures of the whole subsystem, even if only some syscalls are listed. */
	ls_subsys_total(ss, tot);
	PUT_STR(o, "name", ss->name, err);
	put_figures(o, cols, tot, true, ls_pct_of(tot->total_ns, all_ns), err);
	for (i = 0; i < n; i++)
		append(arr, syscall_to_json(js->sc ? js->sc[i] : &ss->sc[i], cols, err), err);
	ls_json_compact_if_empty(arr);
	put(o, "syscalls", arr, err);
	return o;
}

static json_object *rules_to_json(const struct ls_snapshot *snap, int *err)
{
	json_object *arr = json_object_new_array();
	size_t i;

	if (!arr) {
		*err = -ENOMEM;
		return NULL;
	}
	for (i = 0; i < snap->n_rules; i++)
		append(arr, json_object_new_string(snap->rules[i]), err);
	ls_json_compact_if_empty(arr);
	return arr;
}

static json_object *lost_to_json(const struct ls_lost *l, int *err)
{
	json_object *o = json_object_new_object();

	if (!o) {
		*err = -ENOMEM;
		return NULL;
	}
	put_u64(o, "syscalls_no_key", l->syscalls_no_key, err);
	put_u64(o, "errnos_no_key", l->errnos_no_key, err);
	put_u64(o, "processes_not_traced", l->processes_not_traced, err);
	put_u64(o, "threads_not_traced", l->threads_not_traced, err);
	put_u64(o, "events_not_kept", l->events_not_kept, err);
	put_u64(o, "thread_times_lost", l->thread_times_lost, err);
	return o;
}

static json_object *meta_to_json(const struct ls_snapshot *snap, int *err)
{
	json_object *o = json_object_new_object();
	const struct ls_meta *m = &snap->meta;

	if (!o) {
		*err = -ENOMEM;
		return NULL;
	}
	PUT_STR(o, "latscope_version", m->latscope_version, err);
	PUT_STR(o, "kernel", m->kernel, err);
	PUT_STR(o, "host", m->host, err);
	/* A failed CPU count must not make the file unloadable (ncpus >= 0). */
	put(o, "ncpus", json_object_new_int(m->ncpus > 0 ? m->ncpus : 0), err);
	PUT_STR(o, "cmdline", m->cmdline, err);
	PUT_STR(o, "target", m->target, err);
	put_u64(o, "start_unix_ns", m->start_unix_ns, err);
	put_u64(o, "end_unix_ns", m->end_unix_ns, err);
	put_u64(o, "duration_ns", m->duration_ns, err);
	put_u64(o, "events", m->events, err);
	put_u64(o, "dropped", m->dropped, err);
	put(o, "lost", lost_to_json(&m->lost, err), err);
	if (m->self_check[0])
		PUT_STR(o, "self_check", m->self_check, err);
	put(o, "rules", rules_to_json(snap, err), err);
	return o;
}

struct json_object *ls_snapshot_meta_json(const struct ls_snapshot *snap)
{
	json_object *o;
	int err = 0;

	if (!snap) {
		errno = EINVAL;
		return NULL;
	}
	o = meta_to_json(snap, &err);
	if (err) {
		json_object_put(o);
		errno = -err;
		return NULL;
	}
	return o;
}

static json_object *histogram_to_json(int *err)
{
	json_object *o = json_object_new_object();

	if (!o) {
		*err = -ENOMEM;
		return NULL;
	}
	put(o, "kind", json_object_new_string(LS_HIST_KIND), err);
	put_u64(o, "sub_buckets", LS_HIST_SUB, err);
	put_u64(o, "max_log2", LS_HIST_MAX_LOG2, err);
	put_u64(o, "slots", LS_HIST_SLOTS, err);
	put(o, "unit", json_object_new_string(LS_HIST_UNIT), err);
	return o;
}

static json_object *time_to_json(const struct ls_time *t, int *err)
{
	json_object *o = json_object_new_object();

	if (!o) {
		*err = -ENOMEM;
		return NULL;
	}
	put_u64(o, "wall_ns", t->wall_ns, err);
	put_u64(o, "user_cpu_ns", t->user_cpu_ns, err);
	put_u64(o, "user_runq_ns", t->user_runq_ns, err);
	put_u64(o, "user_blocked_ns", t->user_blocked_ns, err);
	put_u64(o, "work_ns", t->sys_ns[LS_ROLE_WORK], err);
	put_u64(o, "idle_ns", t->sys_ns[LS_ROLE_IDLE], err);
	put_u64(o, "sync_ns", t->sys_ns[LS_ROLE_SYNC], err);
	put_u64(o, "child_wait_ns", t->sys_ns[LS_ROLE_CHILD], err);
	put_u64(o, "sys_runq_ns", t->sys_runq_ns, err);
	put_u64(o, "idle_waits", t->idle_waits, err);
	return o;
}

/* A figure of the estimate: null when it could not be measured (< 0). */
static void put_estimate(json_object *o, const char *key, double v, int *err)
{
	char buf[32];

	if (v < 0) {
		/* json-c's null is a NULL value */
		if (json_object_object_add(o, key, NULL))
			*err = -ENOMEM;
		return;
	}
	snprintf(buf, sizeof(buf), "%.1f", v);
	put(o, key, json_object_new_double_s(v, buf), err);
}

/*
 * "cost": the sampled readings, which the loader takes back, and the
 * estimate made from them, for readers of the file (not loaded: recomputed).
 */
static json_object *cost_to_json(const struct ls_cost_sample *s, int *err)
{
	json_object *o = json_object_new_object(), *arr = json_object_new_array(), *p, *e;
	struct ls_cost est;
	size_t i;

	if (!o || !arr) {
		json_object_put(o);
		json_object_put(arr);
		*err = -ENOMEM;
		return NULL;
	}
	put_u64(o, "sampled_ns", s->sampled_ns, err);
	put_u64(o, "run_ns", s->run_ns, err);
	put_u64(o, "windows", s->windows, err);
	put_u64(o, "window_ns", s->window_ns, err);
	put_u64(o, "period_ns", s->period_ns, err);
	put_u64(o, "traced_calls", s->traced_calls, err);
	put_u64(o, "traced_enter_ns", s->traced_ns[0], err);
	put_u64(o, "traced_exit_ns", s->traced_ns[1], err);
	for (i = 0; i < s->n && i < LS_COST_PROGS; i++) {
		p = json_object_new_object();
		if (!p) {
			*err = -ENOMEM;
			break;
		}
		PUT_STR(p, "name", s->prog[i].name, err);
		put(p, "hook", json_object_new_string(ls_cost_hook_name(s->prog[i].hook)), err);
		put_u64(p, "runs", s->prog[i].run_cnt, err);
		put_u64(p, "run_time_ns", s->prog[i].run_time_ns, err);
		put_u64(p, "calibration_runs", s->prog[i].calib_cnt, err);
		put_u64(p, "calibration_time_ns", s->prog[i].calib_time_ns, err);
		put_u64(p, "filter_runs", s->prog[i].filter_cnt, err);
		put_u64(p, "filter_time_ns", s->prog[i].filter_time_ns, err);
		append(arr, p, err);
	}
	put(o, "programs", arr, err);
	ls_cost_estimate(s, &est);
	e = json_object_new_object();
	if (!e) {
		*err = -ENOMEM;
		return o;
	}
	put_estimate(e, "traced_ns_per_syscall", est.traced_ns, err);
	put_estimate(e, "untraced_ns_per_syscall", est.untraced_ns, err);
	put_estimate(e, "ns_per_context_switch", est.switch_ns, err);
	put_estimate(e, "traced_cpu_ns_per_s", est.traced_cpu * 1e9, err);
	put_estimate(e, "host_cpu_ns_per_s", est.host_cpu * 1e9, err);
	put(o, "estimate", e, err);
	return o;
}

/* A thread's ids and time split; peers have none. */
static void put_thread_facts(json_object *o, const struct ls_group *g, int *err)
{
	if (g->tid)
		put_u64(o, "tid", g->tid, err);
	if (g->tgid)
		put_u64(o, "pid", g->tgid, err);
	if (g->flags & LS_THREAD_EXITED)
		put(o, "exited", json_object_new_boolean(1), err);
	if (g->flags & LS_THREAD_IN_EXEC)
		put(o, "in_exec", json_object_new_boolean(1), err);
	if (g->has_time)
		put(o, "time", time_to_json(&g->time, err), err);
}

/* [{"name": ..., "subsystems": [subsystem objects]}]: see docs/snapshot-format.md */
static json_object *groups_to_json(const struct ls_group *g, size_t n, const struct ls_cols *cols,
				   struct ls_stats *tot, int *err)
{
	json_object *arr = json_object_new_array(), *o, *subs;
	struct ls_json_subsys js;
	double all_ns;
	size_t i, j;

	if (!arr) {
		*err = -ENOMEM;
		return NULL;
	}
	for (i = 0; i < n; i++) {
		o = json_object_new_object();
		subs = json_object_new_array();
		if (!o || !subs) {
			json_object_put(o);
			json_object_put(subs);
			*err = -ENOMEM;
			break;
		}
		put(o, "name", json_object_new_string(g[i].name), err);
		put_thread_facts(o, &g[i], err);
		all_ns = ls_snapshot_total_ns(g[i].snap);
		for (j = 0; j < g[i].snap->n_subsys; j++) {
			js = (struct ls_json_subsys){ .ss = &g[i].snap->subsys[j] };
			append(subs, subsys_to_json(&js, cols, all_ns, tot, err), err);
		}
		ls_json_compact_if_empty(subs);
		put(o, "subsystems", subs, err);
		append(arr, o, err);
	}
	return arr;
}

static json_object *budget_item_to_json(const struct ls_budget *b, const struct ls_budget_item *it,
					int *err)
{
	json_object *o = json_object_new_object();

	if (!o) {
		*err = -ENOMEM;
		return NULL;
	}
	put(o, "name", json_object_new_string(it->name), err);
	put(o, "kind", json_object_new_string(ls_budget_kind_name(it->kind)), err);
	put_u64(o, "ns", it->ns, err);
	put_u64(o, "calls", it->calls, err);
	if (b->cycles)
		put_u64(o, "ns_per_cycle", (__u64)(it->per_cycle_ns + 0.5), err);
	else if (json_object_object_add(o, "ns_per_cycle", NULL))	/* null: no cycles */
		*err = -ENOMEM;
	if (it->pct_of_busy >= 0)
		put(o, "pct_of_busy", new_pct(it->pct_of_busy), err);
	return o;
}

/*
 * "cycle": the cycle and its budget.  The budget and the bottleneck are
 * derived (budget.c, hints.c): the loader recomputes them.
 */
static json_object *cycle_to_json(const struct ls_snapshot *snap, int *err)
{
	const struct ls_cycle_info *ci = &snap->cycle;
	json_object *o = json_object_new_object(), *busy, *arr, *bn;
	struct ls_budget b;
	struct ls_hint h;
	size_t i;
	int ret;

	if (!o) {
		*err = -ENOMEM;
		return NULL;
	}
	put(o, "found", json_object_new_boolean(ci->found), err);
	put(o, "source", json_object_new_string(ci->found ? ci->source : "none"), err);
	PUT_STR(o, "thread", ci->thread, err);
	put_u64(o, "tid", ci->tid, err);
	PUT_STR(o, "syscall", ci->syscall, err);
	put_u64(o, "period_ns", ci->found ? ci->period_ns : 0, err);
	put_u64(o, "count", ci->found ? ci->busy.count : 0, err);
	busy = json_object_new_object();
	if (busy) {
		put_u64(busy, "p50", ls_stats_percentile(&ci->busy, 50), err);
		put_u64(busy, "p90", ls_stats_percentile(&ci->busy, 90), err);
		put_u64(busy, "p99", ls_stats_percentile(&ci->busy, 99), err);
		put_u64(busy, "max", ci->busy.max_ns, err);
		put_u64(busy, "mean", ci->busy.count ? ci->busy.total_ns / ci->busy.count : 0, err);
	}
	put(o, "busy_ns", busy, err);
	put_u64(o, "busy_total_ns", ci->busy.total_ns, err);
	put_u64(o, "busy_min_ns", ci->busy.min_ns, err);
	put_u64(o, "busy_max_ns", ci->busy.max_ns, err);
	put(o, "busy_buckets", buckets_to_json(&ci->busy, err), err);
	if (snap->n_cycle_starts) {
		json_object *starts = json_object_new_array();

		for (i = 0; starts && i < snap->n_cycle_starts; i++)
			append(starts, json_object_new_uint64(snap->cycle_starts[i]), err);
		/* a number per line would make the file long for nothing */
		if (starts)
			json_object_set_serializer(starts, compact_array_to_string, NULL, NULL);
		put(o, "starts_unix_ns", starts, err);
	}

	ret = ls_budget_compute(snap, &b);
	if (ret) {
		*err = ret;
		return o;
	}
	if (b.cycles)
		put(o, "cycles_covered", json_object_new_double(b.cycles_covered), err);
	arr = json_object_new_array();
	for (i = 0; arr && i < b.n; i++)
		append(arr, budget_item_to_json(&b, &b.items[i], err), err);
	if (arr)
		ls_json_compact_if_empty(arr);
	put(o, "budget", arr, err);
	if (!ls_hint_for(snap, &b, 0, &h)) {
		bn = json_object_new_object();
		if (bn) {
			put(bn, "name", json_object_new_string(b.items[0].name), err);
			put(bn, "kind", json_object_new_string(ls_budget_kind_name(b.items[0].kind)),
			    err);
			put(bn, "rule", json_object_new_string(h.rule), err);
			put(bn, "evidence", json_object_new_string(h.evidence), err);
			put(bn, "hint", json_object_new_string(h.hint), err);
		}
		put(o, "bottleneck", bn, err);
	}
	ls_budget_free(&b);
	return o;
}

static json_object *slow_to_json(const struct ls_snapshot *snap, int *err)
{
	json_object *o = json_object_new_object();

	if (!o) {
		*err = -ENOMEM;
		return NULL;
	}
	put_u64(o, "threshold_ns", snap->slow_threshold_ns, err);
	put_u64(o, "calls", snap->slow_calls, err);
	put_u64(o, "events_lost", snap->events_lost, err);
	return o;
}

static json_object *slowest_to_json(const struct ls_snapshot *snap, int *err)
{
	json_object *arr = json_object_new_array(), *o;
	const struct ls_slow_call *c;
	size_t i;

	if (!arr) {
		*err = -ENOMEM;
		return NULL;
	}
	for (i = 0; i < snap->n_slowest; i++) {
		c = &snap->slowest[i];
		o = json_object_new_object();
		if (!o) {
			*err = -ENOMEM;
			break;
		}
		put_u64(o, "start_unix_ns", c->start_unix_ns, err);
		put_u64(o, "duration_ns", c->duration_ns, err);
		put_u64(o, "runq_ns", c->runq_ns, err);
		put_u64(o, "tid", c->tid, err);
		PUT_STR(o, "thread", c->thread, err);
		PUT_STR(o, "subsystem", c->subsys, err);
		PUT_STR(o, "syscall", c->syscall, err);
		put(o, "role", json_object_new_string(ls_role_name(c->role)), err);
		if (c->err)
			put_u64(o, "errno", (__u64)c->err, err);
		PUT_STR(o, "where", c->where, err);
		if (c->cycle > 0)
			put_u64(o, "cycle", (__u64)c->cycle, err);
		append(arr, o, err);
	}
	ls_json_compact_if_empty(arr);
	return arr;
}

/* What is not known is left out rather than written as "" or 0. */
static json_object *processes_to_json(const struct ls_snapshot *snap, int *err)
{
	json_object *arr = json_object_new_array(), *o;
	const struct ls_process *p;
	size_t i;

	if (!arr) {
		*err = -ENOMEM;
		return NULL;
	}
	for (i = 0; i < snap->n_procs; i++) {
		p = &snap->procs[i];
		o = json_object_new_object();
		if (!o) {
			*err = -ENOMEM;
			break;
		}
		put_u64(o, "pid", p->pid, err);
		if (p->ppid)
			put_u64(o, "ppid", p->ppid, err);
		PUT_STR(o, "comm", p->comm, err);
		if (p->cmdline)
			put(o, "cmdline", json_object_new_string(p->cmdline), err);
		if (p->exe)
			put(o, "exe", json_object_new_string(p->exe), err);
		if (p->cgroup)
			put(o, "cgroup", json_object_new_string(p->cgroup), err);
		if (p->start_unix_ns)
			put_u64(o, "start_unix_ns", p->start_unix_ns, err);
		if (p->end_unix_ns)
			put_u64(o, "end_unix_ns", p->end_unix_ns, err);
		put(o, "exited", json_object_new_boolean(p->exited), err);
		append(arr, o, err);
	}
	return arr;
}

/* "intervals": each with its subsystems' figures, in time order. */
static json_object *intervals_to_json(const struct ls_snapshot *snap, int *err)
{
	json_object *arr = json_object_new_array(), *o, *ss, *e;
	const struct ls_interval *iv;
	const struct ls_interval_subsys *x;
	size_t i, j;

	if (!arr) {
		*err = -ENOMEM;
		return NULL;
	}
	for (i = 0; i < snap->n_intervals && !*err; i++) {
		iv = &snap->intervals[i];
		o = json_object_new_object();
		ss = json_object_new_array();
		append(arr, o, err);
		if (!o || !ss) {
			json_object_put(ss);
			*err = -ENOMEM;
			break;
		}
		put_u64(o, "start_unix_ns", iv->start_unix_ns, err);
		put_u64(o, "end_unix_ns", iv->end_unix_ns, err);
		put(o, "partial", json_object_new_boolean(iv->partial), err);
		for (j = 0; j < iv->n_ss; j++) {
			x = &iv->ss[j];
			e = json_object_new_object();
			append(ss, e, err);
			if (!e)
				break;
			PUT_STR(e, "name", x->name, err);
			put_u64(e, "count", x->count, err);
			put_u64(e, "errors", x->errors, err);
			put_u64(e, "total_ns", x->total_ns, err);
			put_u64(e, "p50_ns", x->p50_ns, err);
			put_u64(e, "p99_ns", x->p99_ns, err);
			put_u64(e, "max_ns", x->max_ns, err);
		}
		ls_json_compact_if_empty(ss);
		put(o, "subsystems", ss, err);
	}
	return arr;
}

static json_object *snapshot_to_json(const struct ls_snapshot *snap, const struct ls_json_opts *jo,
				     int *err)
{
	json_object *root = NULL, *arr = NULL;
	struct ls_stats *tot = NULL;
	struct ls_json_subsys js;
	struct ls_cols def;
	const struct ls_cols *cols = jo->cols;
	size_t i, n = jo->subsys ? jo->n_subsys : snap->n_subsys;
	double all_ns;

	if (!cols) {
		ls_cols_report(&def, &ls_pcts_report);
		cols = &def;
	}
	root = json_object_new_object();
	arr = json_object_new_array();
	/* 8 KiB: off the stack. */
	tot = malloc(sizeof(*tot));
	if (!root || !arr || !tot) {
		*err = -ENOMEM;
		goto cleanup;
	}
	put(root, "schema", json_object_new_string(LS_SCHEMA_NAME), err);
	put(root, "version", json_object_new_int(LS_SNAPSHOT_VERSION), err);
	put(root, "meta", meta_to_json(snap, err), err);
	put(root, "histogram", histogram_to_json(err), err);

	all_ns = ls_snapshot_total_ns(snap);
	for (i = 0; i < n; i++) {
		js = jo->subsys ? jo->subsys[i] :
			(struct ls_json_subsys){ .ss = &snap->subsys[i] };
		append(arr, subsys_to_json(&js, cols, all_ns, tot, err), err);
	}
	ls_json_compact_if_empty(arr);
	put(root, "subsystems", arr, err);
	arr = NULL;
	/* the per-thread and per-peer slices, whole: they are not filtered */
	if (snap->n_threads)
		put(root, "threads", groups_to_json(snap->threads, snap->n_threads, cols, tot, err),
		    err);
	if (snap->n_peers)
		put(root, "peers", groups_to_json(snap->peers, snap->n_peers, cols, tot, err), err);
	if (snap->has_time)
		put(root, "time", time_to_json(&snap->time, err), err);
	put(root, "cycle", cycle_to_json(snap, err), err);
	put(root, "slow", slow_to_json(snap, err), err);
	put(root, "slowest", slowest_to_json(snap, err), err);
	if (snap->n_procs)
		put(root, "processes", processes_to_json(snap, err), err);

	if (snap->n_intervals)
		put(root, "intervals", intervals_to_json(snap, err), err);
	if (snap->has_cost)
		put(root, "cost", cost_to_json(&snap->cost, err), err);

cleanup:
	free(tot);
	json_object_put(arr);
	if (*err) {
		json_object_put(root);
		return NULL;
	}
	return root;
}

int ls_snapshot_write_json_opts(FILE *f, const struct ls_snapshot *snap,
				const struct ls_json_opts *o)
{
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE;
	json_object *root;
	const char *s;
	size_t len;
	int err = 0;

	if (!f || !snap || !o)
		return -EINVAL;
	if (o->pretty)
		flags |= JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED;

	root = snapshot_to_json(snap, o, &err);
	if (!root)
		return err ? err : -ENOMEM;
	s = json_object_to_json_string_length(root, flags, &len);
	if (!s) {
		err = -ENOMEM;
		goto cleanup;
	}
	errno = 0;
	if (fwrite(s, 1, len, f) != len || fputc('\n', f) == EOF)
		err = errno ? -errno : -EIO;

cleanup:
	json_object_put(root);
	return err;
}

int ls_snapshot_write_json(FILE *f, const struct ls_snapshot *snap, int pretty)
{
	struct ls_json_opts o = { .pretty = pretty };

	return ls_snapshot_write_json_opts(f, snap, &o);
}

static int write_snapshot(FILE *f, const void *snap)
{
	return ls_snapshot_write_json(f, snap, 1);
}

int ls_snapshot_save(const struct ls_snapshot *snap, const char *path)
{
	if (!snap)
		return -EINVAL;
	return ls_save_file(path, write_snapshot, snap);
}
