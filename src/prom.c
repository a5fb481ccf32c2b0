// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Monotonic counters from the BPF maps, and their exposition.
 *
 * The kernel's figures live in keys of one thread (struct ls_key), and keys
 * do not live forever: an exited thread's figures may be folded into
 * another key of its process, a process that is gone may have its keys
 * freed.  So nothing is exported per key.  A read is summed per group, i.e.
 * per (series, process): a fold inside a process keeps the group's sum, a
 * freed process takes its group away.  Each exported figure of a series
 * only ever grows by how far a group's sum rises above the highest value it
 * had (its high-water mark): a sum that dips while a fold is half done, or a
 * group that is gone, takes nothing back.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "hist.h"
#include "fold.h"
#include "prom.h"
#include "rules.h"
#include "cost.h"
#include "snapshot.h"
#include "subsys.h"
#include "syscall_names.h"

const __u64 ls_prom_bounds_ns[LS_PROM_N_BOUNDS] = {
	1000, 2000, 5000,				/* 1 us */
	10000, 20000, 50000,
	100000, 200000, 500000,
	1000000, 2000000, 5000000,			/* 1 ms */
	10000000, 20000000, 50000000,
	100000000, 200000000, 500000000,
	1000000000, 2000000000, 5000000000,		/* 1 s */
	10000000000,
};

/* The figures of a group, in the order kept: buckets, then the others. */
enum {
	F_SUM_NS = LS_PROM_N_BUCKETS,
	F_ERRORS,		/* all failed calls */
	F_ERRNOS,		/* those the errno map has a line for */
	F_N,
};

struct series {
	char *subsys;		/* label values, escaped (ls_prom_label_value) */
	char *syscall;
	const char *role;	/* "work", "idle", "sync", "child" (ls_role_name) */
	char *process;
	bool request;		/* a "request" row: send to end of reply, not a syscall */
	__u64 bucket[LS_PROM_N_BUCKETS];	/* per bucket, not cumulative */
	__u64 sum_ns;
	__u64 errors_unknown;	/* failed calls without an errno line */
};

struct errno_series {
	__u32 series;
	int err;
	__u64 count;
};

/* Where a process's threads' time went, state by state (struct ls_thread_time). */
enum {
	T_USER_CPU = 0,
	T_USER_RUNQ,
	T_USER_BLOCKED,
	T_SYS_ROLE,		/* + role: in syscalls of each role, run-queue delay excluded */
	T_SYS_RUNQ = T_SYS_ROLE + LS_ROLE_MAX,
	T_N,
};

static const char *const time_state[T_N] = {
	[T_USER_CPU] = "user_cpu",
	[T_USER_RUNQ] = "user_runq",
	[T_USER_BLOCKED] = "user_blocked",
	[T_SYS_ROLE + LS_ROLE_WORK] = "syscall_work",
	[T_SYS_ROLE + LS_ROLE_IDLE] = "syscall_idle",
	[T_SYS_ROLE + LS_ROLE_SYNC] = "syscall_sync",
	[T_SYS_ROLE + LS_ROLE_CHILD] = "syscall_child",
	[T_SYS_RUNQ] = "syscall_runq",
};

struct time_series {
	char *process;		/* escaped */
	__u64 ns[T_N];
};

_Static_assert((int)T_N <= (int)F_N, "a time group keeps its states in a group's fields");

/* A group's err for its kind: a time group (no errno can be negative). */
#define ERR_TIME	(-1)

/* One process's part of a series (or of an errno series: err > 0, of a time series: ERR_TIME). */
struct group {
	__u32 series;
	__u32 tgid;
	int err;
	unsigned int unseen;	/* reads in a row without a key of it */
	__u64 cur[F_N];		/* sum over its keys in this read */
	__u64 hwm[F_N];		/* the highest sum already exported */
};

struct proc_label {
	__u32 tgid;
	unsigned int unseen;
	char *label;
};

/* Byte-string keys to array indexes; rebuilt when its array is compacted. */
struct kv {
	void *key;
	size_t len;
	__u64 hash;
	__u32 val;
};

struct bmap {
	struct kv *tab;
	size_t cap;		/* power of two, or 0 */
	size_t n;
};

struct ls_prom {
	struct series *series;
	size_t n_series;
	struct time_series *tseries;
	size_t n_tseries;
	struct errno_series *eseries;
	size_t n_eseries;
	struct group *groups;
	size_t n_groups;
	struct proc_label *procs;
	size_t n_procs;
	struct bmap series_by_name, eseries_by_key, group_by_key, proc_by_tgid, tseries_by_name;
	unsigned char bucket_of_slot[LS_HIST_SLOTS];
};

static __u64 hash_bytes(const void *p, size_t len)
{
	const unsigned char *b = p;
	__u64 h = 1469598103934665603ULL;	/* FNV-1a */
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= b[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static int bmap_get(const struct bmap *m, const void *key, size_t len)
{
	__u64 h = hash_bytes(key, len);
	size_t i;

	if (!m->cap)
		return -1;
	for (i = h & (m->cap - 1); m->tab[i].key; i = (i + 1) & (m->cap - 1))
		if (m->tab[i].hash == h && m->tab[i].len == len && !memcmp(m->tab[i].key, key, len))
			return (int)m->tab[i].val;
	return -1;
}

static void bmap_clear(struct bmap *m)
{
	size_t i;

	for (i = 0; i < m->cap; i++)
		free(m->tab[i].key);
	free(m->tab);
	memset(m, 0, sizeof(*m));
}

static void bmap_insert(struct kv *tab, size_t cap, struct kv e)
{
	size_t i;

	for (i = e.hash & (cap - 1); tab[i].key; i = (i + 1) & (cap - 1))
		;
	tab[i] = e;
}

/* key must not be in m yet. */
static int bmap_put(struct bmap *m, const void *key, size_t len, __u32 val)
{
	struct kv e = { .len = len, .hash = hash_bytes(key, len), .val = val };
	size_t i;

	if ((m->n + 1) * 2 > m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 64;
		struct kv *t = calloc(ncap, sizeof(*t));

		if (!t)
			return -ENOMEM;
		for (i = 0; i < m->cap; i++)
			if (m->tab[i].key)
				bmap_insert(t, ncap, m->tab[i]);
		free(m->tab);
		m->tab = t;
		m->cap = ncap;
	}
	e.key = malloc(len ? len : 1);
	if (!e.key)
		return -ENOMEM;
	memcpy(e.key, key, len);
	bmap_insert(m->tab, m->cap, e);
	m->n++;
	return 0;
}

/*
 * Room for one more element in *arrp, which holds n.  The capacity is not
 * stored: it is 8, or the power of two n reached (arrays only shrink by
 * compaction, which leaves more room than that, never less).
 */
static int grow(void *arrp, size_t n, size_t elem)
{
	void **arr = arrp;
	void *p;

	if (n && (n < 8 || (n & (n - 1))))
		return 0;
	p = realloc(*arr, (n ? n * 2 : 8) * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	return 0;
}

unsigned int ls_prom_bucket_of_slot(__u32 slot)
{
	__u64 lo = ls_slot_lower(slot), hi = ls_slot_upper(slot), mid;
	unsigned int b;

	/* the open-ended last slot starts at 68.7 s: above every bound */
	if (hi == UINT64_MAX)
		return LS_PROM_N_BOUNDS;
	mid = lo + (hi - 1 - lo) / 2;
	for (b = 0; b < LS_PROM_N_BOUNDS; b++)
		if (mid <= ls_prom_bounds_ns[b])
			return b;
	return LS_PROM_N_BOUNDS;
}

struct ls_prom *ls_prom_new(void)
{
	struct ls_prom *p = calloc(1, sizeof(*p));
	__u32 i;

	if (!p)
		return NULL;
	for (i = 0; i < LS_HIST_SLOTS; i++)
		p->bucket_of_slot[i] = (unsigned char)ls_prom_bucket_of_slot(i);
	return p;
}

void ls_prom_free(struct ls_prom *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->n_series; i++) {
		free(p->series[i].subsys);
		free(p->series[i].syscall);
		free(p->series[i].process);
	}
	for (i = 0; i < p->n_procs; i++)
		free(p->procs[i].label);
	for (i = 0; i < p->n_tseries; i++)
		free(p->tseries[i].process);
	free(p->tseries);
	free(p->series);
	free(p->eseries);
	free(p->groups);
	free(p->procs);
	bmap_clear(&p->series_by_name);
	bmap_clear(&p->eseries_by_key);
	bmap_clear(&p->group_by_key);
	bmap_clear(&p->proc_by_tgid);
	bmap_clear(&p->tseries_by_name);
	free(p);
}

size_t ls_prom_n_series(const struct ls_prom *p)
{
	return p->n_series;
}

/* Length of the valid, printable UTF-8 sequence at s, or 0. */
static size_t utf8_printable(const unsigned char *s)
{
	size_t n, i;
	__u32 cp;

	if (s[0] >= 0x20 && s[0] < 0x7f)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;	/* control, DEL, continuation or invalid lead byte */
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* overlong forms, UTF-16 surrogates, beyond U+10FFFF, C1 controls */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp < 0xa0))
		return 0;
	return n;
}

char *ls_prom_label_value(const char *raw)
{
	const unsigned char *s = (const unsigned char *)raw;
	char *out, *o;
	size_t n;

	out = malloc(strlen(raw) * 4 + 1);
	if (!out)
		return NULL;
	for (o = out; *s; s += n) {
		n = utf8_printable(s);
		if (n == 1 && *s == '\\') {
			*o++ = '\\';
			*o++ = '\\';
		} else if (n) {
			memcpy(o, s, n);
			o += n;
		} else {
			o += sprintf(o, "\\x%02x", *s);
			n = 1;
		}
	}
	*o = '\0';
	return out;
}

static const char *proc_label(struct ls_prom *p, __u32 tgid, ls_prom_name_fn name, void *ctx)
{
	char buf[256] = "";
	struct proc_label *pl;
	int i = bmap_get(&p->proc_by_tgid, &tgid, sizeof(tgid));

	if (i >= 0) {
		p->procs[i].unseen = 0;
		return p->procs[i].label;
	}
	if (grow(&p->procs, p->n_procs, sizeof(*p->procs)))
		return NULL;
	if (name)
		name(ctx, tgid, buf, sizeof(buf));
	buf[sizeof(buf) - 1] = '\0';
	pl = &p->procs[p->n_procs];
	pl->tgid = tgid;
	pl->unseen = 0;
	pl->label = ls_prom_label_value(buf[0] ? buf : "?");
	if (!pl->label || bmap_put(&p->proc_by_tgid, &tgid, sizeof(tgid), (__u32)p->n_procs)) {
		free(pl->label);
		return NULL;
	}
	return p->procs[p->n_procs++].label;
}

/* "subsys\0syscall\0role\0process": the series' identity, as one byte string. */
static int series_of(struct ls_prom *p, const char *subsys, const char *syscall, __u8 role,
		     const char *process)
{
	const char *rname = ls_role_name(role);
	size_t l1 = strlen(subsys) + 1, l2 = strlen(syscall) + 1, l3 = strlen(rname) + 1;
	size_t l4 = strlen(process) + 1;
	char *key = malloc(l1 + l2 + l3 + l4);
	struct series *s;
	int i = -1;

	if (!key)
		return -1;
	memcpy(key, subsys, l1);
	memcpy(key + l1, syscall, l2);
	memcpy(key + l1 + l2, rname, l3);
	memcpy(key + l1 + l2 + l3, process, l4);
	i = bmap_get(&p->series_by_name, key, l1 + l2 + l3 + l4);
	if (i >= 0 || grow(&p->series, p->n_series, sizeof(*p->series)))
		goto out;
	s = &p->series[p->n_series];
	memset(s, 0, sizeof(*s));
	s->subsys = ls_prom_label_value(subsys);
	s->syscall = ls_prom_label_value(syscall);
	s->role = rname;
	s->request = !strcmp(syscall, "request");
	s->process = strdup(process);	/* escaped already */
	if (!s->subsys || !s->syscall || !s->process ||
	    bmap_put(&p->series_by_name, key, l1 + l2 + l3 + l4, (__u32)p->n_series)) {
		free(s->subsys);
		free(s->syscall);
		free(s->process);
		goto out;
	}
	i = (int)p->n_series++;
out:
	free(key);
	return i;
}

/* The thread-time series of a process label. */
static int tseries_of(struct ls_prom *p, const char *process)
{
	size_t len = strlen(process) + 1;
	struct time_series *t;
	int i = bmap_get(&p->tseries_by_name, process, len);

	if (i >= 0)
		return i;
	if (grow(&p->tseries, p->n_tseries, sizeof(*p->tseries)))
		return -1;
	t = &p->tseries[p->n_tseries];
	memset(t, 0, sizeof(*t));
	t->process = strdup(process);
	if (!t->process || bmap_put(&p->tseries_by_name, process, len, (__u32)p->n_tseries)) {
		free(t->process);
		return -1;
	}
	return (int)p->n_tseries++;
}

struct group_key {
	__u32 series;
	__u32 tgid;
	__s32 err;
};

static struct group *group_of(struct ls_prom *p, __u32 series, __u32 tgid, int err)
{
	struct group_key k = { series, tgid, err };
	struct group *g;
	int i = bmap_get(&p->group_by_key, &k, sizeof(k));

	if (i >= 0) {
		g = &p->groups[i];
	} else {
		if (grow(&p->groups, p->n_groups, sizeof(*p->groups)) ||
		    bmap_put(&p->group_by_key, &k, sizeof(k), (__u32)p->n_groups))
			return NULL;
		g = &p->groups[p->n_groups++];
		memset(g, 0, sizeof(*g));
		g->series = series;
		g->tgid = tgid;
		g->err = err;
	}
	g->unseen = 0;
	return g;
}

static __u64 *errno_count_of(struct ls_prom *p, __u32 series, int err)
{
	struct group_key k = { series, 0, err };
	int i = bmap_get(&p->eseries_by_key, &k, sizeof(k));

	if (i >= 0)
		return &p->eseries[i].count;
	if (grow(&p->eseries, p->n_eseries, sizeof(*p->eseries)) ||
	    bmap_put(&p->eseries_by_key, &k, sizeof(k), (__u32)p->n_eseries))
		return NULL;
	p->eseries[p->n_eseries] = (struct errno_series){ .series = series, .err = err };
	return &p->eseries[p->n_eseries++].count;
}

/* The group a key's figures go to in this read. */
static struct group *key_group(struct ls_prom *p, const struct ls_key *k, int err,
			       const struct ls_rules *rules, ls_prom_name_fn name, void *ctx)
{
	char subsys[128], nrbuf[32];
	const char *process;
	int s;

	process = proc_label(p, k->tgid, name, ctx);
	if (!process)
		return NULL;
	ls_rules_key_name(rules, k, subsys, sizeof(subsys));
	s = series_of(p, subsys, ls_syscall_name(k->syscall_nr, nrbuf, sizeof(nrbuf)), k->role,
		      process);
	if (s < 0)
		return NULL;
	return group_of(p, (__u32)s, k->tgid, err);
}

static void add_stats(struct group *g, const struct ls_stats *st, const unsigned char *bos)
{
	__u32 i;

	for (i = 0; i < LS_HIST_SLOTS; i++)
		g->cur[bos[i]] += st->slots[i];
	g->cur[F_SUM_NS] += st->total_ns;
	g->cur[F_ERRORS] += st->errors;
}

/* What rose above the high-water mark is new; a dip or a loss takes nothing back. */
static __u64 rise(struct group *g, int f)
{
	__u64 d = 0;

	if (g->cur[f] > g->hwm[f]) {
		d = g->cur[f] - g->hwm[f];
		g->hwm[f] = g->cur[f];
	}
	return d;
}

static void export_group(struct ls_prom *p, struct group *g)
{
	struct series *s = g->err == ERR_TIME ? NULL : &p->series[g->series];
	__u64 *count;
	int f;

	if (g->err == ERR_TIME) {
		for (f = 0; f < T_N; f++)
			p->tseries[g->series].ns[f] += rise(g, f);
		return;
	}
	if (g->err) {
		count = errno_count_of(p, g->series, g->err);
		if (count)
			*count += rise(g, 0);
		return;
	}
	for (f = 0; f < LS_PROM_N_BUCKETS; f++)
		s->bucket[f] += rise(g, f);
	s->sum_ns += rise(g, F_SUM_NS);
	/* the errno lines of a key are read a moment after its errors */
	g->cur[F_ERRNOS] = g->cur[F_ERRORS] > g->cur[F_ERRNOS] ?
			   g->cur[F_ERRORS] - g->cur[F_ERRNOS] : 0;
	s->errors_unknown += rise(g, F_ERRNOS);
}

/*
 * Groups and process names not seen for LS_PROM_GRACE_READS reads in a row
 * are dropped; the maps that index them are rebuilt.
 */
static int prune(struct ls_prom *p)
{
	struct group_key k;
	size_t i, n = 0;
	int err = 0;

	bmap_clear(&p->group_by_key);
	for (i = 0; i < p->n_groups; i++) {
		if (p->groups[i].unseen > LS_PROM_GRACE_READS)
			continue;
		p->groups[n] = p->groups[i];
		k = (struct group_key){ p->groups[n].series, p->groups[n].tgid, p->groups[n].err };
		err = err ? err : bmap_put(&p->group_by_key, &k, sizeof(k), (__u32)n);
		n++;
	}
	p->n_groups = n;
	bmap_clear(&p->proc_by_tgid);
	for (i = n = 0; i < p->n_procs; i++) {
		if (p->procs[i].unseen > LS_PROM_GRACE_READS) {
			free(p->procs[i].label);
			continue;
		}
		p->procs[n] = p->procs[i];
		err = err ? err : bmap_put(&p->proc_by_tgid, &p->procs[n].tgid,
					   sizeof(p->procs[n].tgid), (__u32)n);
		n++;
	}
	p->n_procs = n;
	return err;
}

int ls_prom_update(struct ls_prom *p, const struct ls_raw *raw, const struct ls_rules *rules,
		   ls_prom_name_fn name, void *ctx)
{
	struct group *g, *parent;
	size_t i;
	int ret = 0;

	for (i = 0; i < p->n_groups; i++) {
		p->groups[i].unseen++;
		memset(p->groups[i].cur, 0, sizeof(p->groups[i].cur));
	}
	for (i = 0; i < p->n_procs; i++)
		p->procs[i].unseen++;
	for (i = 0; i < raw->n_stats; i++) {
		/* exported under their own pid already, before they were merged */
		if (ls_fold_is_merged(&raw->stats[i].key))
			continue;
		g = key_group(p, &raw->stats[i].key, 0, rules, name, ctx);
		if (!g) {
			ret = -ENOMEM;
			goto out;
		}
		add_stats(g, &raw->stats[i].st, p->bucket_of_slot);
	}
	for (i = 0; i < raw->n_errnos; i++) {
		const struct ls_raw_errno *e = &raw->errnos[i];
		__u32 series, tgid;

		/* an errno of 0 would be the parent group itself */
		if (e->key.err <= 0 || ls_fold_is_merged(&e->key.key))
			continue;

		g = key_group(p, &e->key.key, e->key.err, rules, name, ctx);
		if (!g) {
			ret = -ENOMEM;
			goto out;
		}
		g->cur[0] += e->count;
		series = g->series;
		tgid = g->tgid;
		/* may move the array g points into */
		parent = group_of(p, series, tgid, 0);
		if (!parent) {
			ret = -ENOMEM;
			goto out;
		}
		parent->cur[F_ERRNOS] += e->count;
	}
	for (i = 0; i < raw->n_times; i++) {
		const struct ls_thread_time *tt = &raw->times[i];
		const char *process = proc_label(p, tt->tgid, name, ctx);
		int ts = process ? tseries_of(p, process) : -1;
		int r;

		g = ts >= 0 ? group_of(p, (__u32)ts, tt->tgid, ERR_TIME) : NULL;
		if (!g) {
			ret = -ENOMEM;
			goto out;
		}
		g->cur[T_USER_CPU] += tt->user_cpu_ns;
		g->cur[T_USER_RUNQ] += tt->user_runq_ns;
		g->cur[T_USER_BLOCKED] += tt->user_blocked_ns;
		for (r = 0; r < LS_ROLE_MAX; r++)
			g->cur[T_SYS_ROLE + r] += tt->sys_ns[r];
		g->cur[T_SYS_RUNQ] += tt->sys_runq_ns;
	}
	for (i = 0; i < p->n_groups; i++)
		if (!p->groups[i].unseen)
			export_group(p, &p->groups[i]);
	ret = prune(p);
out:
	/*
	 * After a failure nothing is exported: the next read exports what
	 * this one would have, since a group's figures are cumulative.
	 */
	return ret;
}

/* ---- exposition ---- */

static void put_label_value(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', f);
		if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}

/*
 * A family's header.  OpenMetrics names a counter family without its
 * _total and adds the unit; the text format names it as its samples.
 */
static void family(FILE *f, enum ls_prom_format fmt, const char *name, const char *type,
		   const char *unit, const char *help)
{
	bool counter = !strcmp(type, "counter");

	if (fmt == LS_PROM_OPENMETRICS) {
		fprintf(f, "# TYPE %s %s\n", name, type);
		if (unit)
			fprintf(f, "# UNIT %s %s\n", name, unit);
		fprintf(f, "# HELP %s %s\n", name, help);
	} else {
		fprintf(f, "# HELP %s%s %s\n", name, counter ? "_total" : "", help);
		fprintf(f, "# TYPE %s%s %s\n", name, counter ? "_total" : "", type);
	}
}

/* A request's labels leave out the syscall and role it does not have. */
static void series_labels(FILE *f, const struct series *s)
{
	fputs("subsystem=\"", f);
	put_label_value(f, s->subsys);
	if (!s->request) {
		fputs("\",syscall=\"", f);
		put_label_value(f, s->syscall);
		fprintf(f, "\",role=\"%s", s->role);
	}
	fputs("\",process=\"", f);
	put_label_value(f, s->process);
	fputc('"', f);
}

/* Exact decimal seconds of an ns count: no rounding through a double. */
static void put_seconds(FILE *f, __u64 ns)
{
	fprintf(f, "%llu.%09llu", (unsigned long long)(ns / 1000000000ULL),
		(unsigned long long)(ns % 1000000000ULL));
}

static void put_le(FILE *f, unsigned int b)
{
	if (b == LS_PROM_N_BOUNDS)
		fputs("+Inf", f);
	else
		fprintf(f, "%g", (double)ls_prom_bounds_ns[b] / 1e9);
}

static int cmp_series(const void *a, const void *b, void *arg)
{
	const struct series *x = (const struct series *)arg + *(const __u32 *)a;
	const struct series *y = (const struct series *)arg + *(const __u32 *)b;
	int c = strcmp(x->subsys, y->subsys);

	if (!c)
		c = strcmp(x->syscall, y->syscall);
	if (!c)
		c = strcmp(x->role, y->role);
	return c ? c : strcmp(x->process, y->process);
}

struct eorder {
	__u32 rank;		/* of its series in the output */
	const struct errno_series *e;
};

static int cmp_eorder(const void *a, const void *b)
{
	const struct eorder *x = a, *y = b;

	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return x->e->err < y->e->err ? -1 : x->e->err > y->e->err;
}

/* The syscalls' histograms, or (request) the requests' in a family of their own. */
static void write_histograms(FILE *f, const struct ls_prom *p, const __u32 *order,
			     enum ls_prom_format fmt, bool request)
{
	const char *name = request ? "latscope_request_duration_seconds" :
				     "latscope_syscall_duration_seconds";
	size_t i;
	unsigned int b;

	family(f, fmt, name, "histogram", "seconds", request ?
	       "Requests on a socket, from a send to the end of its reply, per subsystem and "
	       "traced process." :
	       "Time spent in syscalls, per subsystem, syscall, role and traced process.");
	for (i = 0; i < p->n_series; i++) {
		const struct series *s = &p->series[order[i]];
		__u64 cum = 0;

		if (s->request != request)
			continue;
		for (b = 0; b < LS_PROM_N_BUCKETS; b++) {
			cum += s->bucket[b];
			fprintf(f, "%s_bucket{", name);
			series_labels(f, s);
			fputs(",le=\"", f);
			put_le(f, b);
			fprintf(f, "\"} %llu\n", (unsigned long long)cum);
		}
		fprintf(f, "%s_count{", name);
		series_labels(f, s);
		fprintf(f, "} %llu\n", (unsigned long long)cum);
		fprintf(f, "%s_sum{", name);
		series_labels(f, s);
		fputs("} ", f);
		put_seconds(f, s->sum_ns);
		fputc('\n', f);
	}
}

static void errno_sample(FILE *f, const struct series *s, const char *errname, __u64 count)
{
	fputs("latscope_syscall_errors_total{", f);
	series_labels(f, s);
	fprintf(f, ",errno=\"%s\"} %llu\n", errname, (unsigned long long)count);
}

static int write_errors(FILE *f, const struct ls_prom *p, const __u32 *order,
			enum ls_prom_format fmt)
{
	struct eorder *eo = calloc(p->n_eseries ? p->n_eseries : 1, sizeof(*eo));
	__u32 *rank = calloc(p->n_series ? p->n_series : 1, sizeof(*rank));
	size_t i, j = 0;
	char num[16];

	if (!eo || !rank) {
		free(eo);
		free(rank);
		return -ENOMEM;
	}
	for (i = 0; i < p->n_series; i++)
		rank[order[i]] = (__u32)i;
	for (i = 0; i < p->n_eseries; i++)
		eo[i] = (struct eorder){ rank[p->eseries[i].series], &p->eseries[i] };
	qsort(eo, p->n_eseries, sizeof(*eo), cmp_eorder);
	family(f, fmt, "latscope_syscall_errors", "counter", NULL,
	       "Failed syscalls by errno (errno unknown: the errno map was full).");
	for (i = 0; i < p->n_series; i++) {
		const struct series *s = &p->series[order[i]];
		const char *name;

		for (; j < p->n_eseries && eo[j].rank == i; j++) {
			if (s->request)
				continue;
			name = ls_errno_name(eo[j].e->err);
			if (!name) {
				snprintf(num, sizeof(num), "%d", eo[j].e->err);
				name = num;
			}
			errno_sample(f, s, name, eo[j].e->count);
		}
		if (s->errors_unknown && !s->request)
			errno_sample(f, s, "unknown", s->errors_unknown);
	}
	free(eo);
	free(rank);
	return 0;
}

static void counter1(FILE *f, enum ls_prom_format fmt, const char *name, const char *help,
		     __u64 v)
{
	family(f, fmt, name, "counter", NULL, help);
	fprintf(f, "%s_total %llu\n", name, (unsigned long long)v);
}

static void gauge1(FILE *f, enum ls_prom_format fmt, const char *name, const char *unit,
		   const char *help, double v)
{
	family(f, fmt, name, "gauge", unit, help);
	fprintf(f, "%s %.17g\n", name, v);
}

/* One series of a gauge family with one label; a figure not measured (< 0) is left out. */
static void labelled_gauge(FILE *f, const char *name, const char *label, const char *value,
			   double v, double scale)
{
	if (v >= 0)
		fprintf(f, "%s{%s=\"%s\"} %.9g\n", name, label, value, v * scale);
}

/*
 * The sampled windows' raw figures (counters: rate() of one over the
 * sampled seconds' is a fraction of a CPU) and the estimate (src/cost.h).
 */
static void write_cost(FILE *f, const struct ls_cost_sample *c, enum ls_prom_format fmt)
{
	struct ls_cost e;
	size_t i;

	ls_cost_estimate(c, &e);
	family(f, fmt, "latscope_bpf_sampled_seconds", "counter", "seconds",
	       "Wall time with the kernel's BPF run-time statistics on: the windows that the "
	       "latscope_bpf_* figures are sampled in.");
	fputs("latscope_bpf_sampled_seconds_total ", f);
	put_seconds(f, c->sampled_ns);
	fputc('\n', f);
	family(f, fmt, "latscope_bpf_runs", "counter", NULL,
	       "Runs of latscope's BPF programs inside the sampled windows.");
	for (i = 0; i < c->n; i++)
		fprintf(f, "latscope_bpf_runs_total{program=\"%s\"} %llu\n", c->prog[i].name,
			(unsigned long long)c->prog[i].run_cnt);
	family(f, fmt, "latscope_bpf_run_seconds", "counter", "seconds",
	       "CPU time of latscope's BPF programs inside the sampled windows.");
	for (i = 0; i < c->n; i++) {
		fprintf(f, "latscope_bpf_run_seconds_total{program=\"%s\"} ", c->prog[i].name);
		put_seconds(f, c->prog[i].run_time_ns);
		fputc('\n', f);
	}
	counter1(f, fmt, "latscope_bpf_sampled_syscalls",
		 "Traced syscalls that ended inside the sampled windows.", c->traced_calls);
	family(f, fmt, "latscope_tracing_cost_seconds", "gauge", "seconds",
	       "Estimated BPF run time per traced syscall, per untraced syscall and per "
	       "context switch (the scheduler hooks).");
	labelled_gauge(f, "latscope_tracing_cost_seconds", "per", "traced_syscall", e.traced_ns,
		       1e-9);
	labelled_gauge(f, "latscope_tracing_cost_seconds", "per", "untraced_syscall",
		       e.untraced_ns, 1e-9);
	labelled_gauge(f, "latscope_tracing_cost_seconds", "per", "context_switch", e.switch_ns,
		       1e-9);
	family(f, fmt, "latscope_tracing_cost_cpu_ratio", "gauge", "ratio",
	       "Estimated CPU seconds per second that tracing costs: on the traced processes' "
	       "syscalls, and imposed on the rest of the host.");
	labelled_gauge(f, "latscope_tracing_cost_cpu_ratio", "on", "traced", e.traced_cpu, 1);
	labelled_gauge(f, "latscope_tracing_cost_cpu_ratio", "on", "host", e.host_cpu, 1);
}

static int cmp_tseries(const void *a, const void *b)
{
	return strcmp(((const struct time_series *)a)->process,
		      ((const struct time_series *)b)->process);
}

/* Where the traced threads' time went, per process and state: they add up to their wall time. */
static int write_thread_time(FILE *f, const struct ls_prom *p, enum ls_prom_format fmt)
{
	struct time_series *t = malloc((p->n_tseries ? p->n_tseries : 1) * sizeof(*t));
	size_t i;
	int k;

	if (!t)
		return -ENOMEM;
	if (p->n_tseries) {
		memcpy(t, p->tseries, p->n_tseries * sizeof(*t));
		qsort(t, p->n_tseries, sizeof(*t), cmp_tseries);
	}
	family(f, fmt, "latscope_thread_seconds", "counter", "seconds",
	       "Where the traced threads' time went: user CPU, waiting for a CPU, blocked, "
	       "and in syscalls by role.");
	for (i = 0; i < p->n_tseries; i++) {
		for (k = 0; k < T_N; k++) {
			fputs("latscope_thread_seconds_total{process=\"", f);
			put_label_value(f, t[i].process);
			fprintf(f, "\",state=\"%s\"} ", time_state[k]);
			put_seconds(f, t[i].ns[k]);
			fputc('\n', f);
		}
	}
	free(t);
	return 0;
}

static void write_health(FILE *f, const struct ls_prom_health *h, enum ls_prom_format fmt)
{
	counter1(f, fmt, "latscope_dropped",
		 "Syscalls traced but not aggregated: the stats map was full (--max-keys).",
		 h->counters[LS_CNT_DROPPED_KEYS]);
	counter1(f, fmt, "latscope_errno_dropped",
		 "Failed syscalls whose errno was not kept: the errno map was full.",
		 h->counters[LS_CNT_DROPPED_ERRNO]);
	counter1(f, fmt, "latscope_untraced_tasks",
		 "New threads or processes that could not be traced (kernel memory, "
		 "process table full).",
		 h->counters[LS_CNT_TASK_NOMEM] + h->counters[LS_CNT_PROCS_FULL]);
	gauge1(f, fmt, "latscope_stats_keys", NULL,
	       "Entries of the stats map in use: one per (subsystem, syscall, thread).",
	       (double)h->keys_in_use);
	gauge1(f, fmt, "latscope_stats_keys_max", NULL, "Size of the stats map (--max-keys).",
	       (double)h->max_keys);
	family(f, fmt, "latscope_cpu_seconds", "counter", "seconds",
	       "CPU time of the latscope process itself (reading maps, serving metrics).");
	fputs("latscope_cpu_seconds_total{mode=\"user\"} ", f);
	fprintf(f, "%.6f\nlatscope_cpu_seconds_total{mode=\"system\"} %.6f\n", h->cpu_user_s,
		h->cpu_system_s);
	if (h->cost && h->cost->enabled)
		write_cost(f, h->cost, fmt);
	family(f, fmt, "latscope_cycle_period_seconds", "gauge", "seconds",
	       "The period of the traced daemon's cycle, median so far (0: none found yet).");
	fputs("latscope_cycle_period_seconds ", f);
	put_seconds(f, h->cycle_period_ns);
	fputc('\n', f);
	counter1(f, fmt, "latscope_cycles",
		 "Complete cycles of the cycle thread (the one chosen so far).", h->cycles);
	gauge1(f, fmt, "latscope_start_time_seconds", "seconds",
	       "When tracing started, in seconds since the Unix epoch.", h->start_unix_s);
	family(f, fmt, "latscope_build_info", "gauge", NULL, "The version of latscope.");
	fputs("latscope_build_info{version=\"", f);
	put_label_value(f, h->version ? h->version : "");
	fputs("\"} 1\n", f);
}

int ls_prom_write(FILE *f, const struct ls_prom *p, const struct ls_prom_health *h,
		  enum ls_prom_format fmt)
{
	__u32 *order = calloc(p->n_series ? p->n_series : 1, sizeof(*order));
	size_t i;
	int ret;

	if (!order)
		return -ENOMEM;
	for (i = 0; i < p->n_series; i++)
		order[i] = (__u32)i;
	qsort_r(order, p->n_series, sizeof(*order), cmp_series, p->series);
	write_histograms(f, p, order, fmt, false);
	write_histograms(f, p, order, fmt, true);
	ret = write_errors(f, p, order, fmt);
	free(order);
	if (!ret)
		ret = write_thread_time(f, p, fmt);
	if (ret)
		return ret;
	if (h)
		write_health(f, h, fmt);
	if (fmt == LS_PROM_OPENMETRICS)
		fputs("# EOF\n", f);
	return ferror(f) ? -EIO : 0;
}

const char *ls_prom_content_type(enum ls_prom_format fmt)
{
	return fmt == LS_PROM_OPENMETRICS ?
	       "application/openmetrics-text; version=1.0.0; charset=utf-8" :
	       "text/plain; version=0.0.4; charset=utf-8";
}
