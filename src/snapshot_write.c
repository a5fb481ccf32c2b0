/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Snapshot <-> JSON (docs/snapshot-format.md) with json-c, which both
 * parses and serialises and is packaged by Debian.  The loader treats its
 * input as hostile: every field is checked for type and range, sizes are
 * capped, and any problem becomes one line in err instead of a crash.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <json-c/json.h>
#include <json-c/printbuf.h>
#include "hist.h"
#include "save_file.h"
#include "snapshot.h"
#include "snapshot_cols.h"

#define LS_SCHEMA_NAME		"latscope-snapshot"
#define LS_HIST_KIND		"log-linear"
#define LS_HIST_UNIT		"ns"
#define LS_SNAPSHOT_MAX_BYTES	(64UL << 20)

/*
 * ---------------------------------------------------------------------
 * Writing
 * ---------------------------------------------------------------------
 */

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
	put_figures(o, cols, &sc->st, false, 0, err);
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

/*
 * ---------------------------------------------------------------------
 * Loading
 * ---------------------------------------------------------------------
 */

struct load_ctx {
	const char *file;	/* prefix of every message */
	char *err;
	size_t errlen;
	size_t n_syscalls;	/* across subsystems, for LS_SNAPSHOT_MAX_* */
	size_t n_errnos;
};

/*
 * "<file>: <where>.<key>: <message>", on one line; where and key may be
 * empty.  Always returns -EINVAL so callers can `return fail(...)`.
 */
static int fail(struct load_ctx *c, const char *where, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(struct load_ctx *c, const char *where, const char *key, const char *fmt, ...)
{
	bool w = where && *where, k = key && *key;
	size_t n;
	va_list ap;
	int len;

	if (!c->err || !c->errlen)
		return -EINVAL;
	len = snprintf(c->err, c->errlen, "%s: %s%s%s%s", c->file, w ? where : "",
		       w && k ? "." : "", k ? key : "", w || k ? ": " : "");
	n = len < 0 ? 0 : (size_t)len;
	if (n < c->errlen) {
		va_start(ap, fmt);
		vsnprintf(c->err + n, c->errlen - n, fmt, ap);
		va_end(ap);
	}
	/* The file name comes from the user; keep the message on one line. */
	for (n = 0; c->err[n]; n++)
		if (c->err[n] == '\n' || c->err[n] == '\r')
			c->err[n] = '?';
	return -EINVAL;
}

static const char *type_word(enum json_type t)
{
	switch (t) {
	case json_type_int: return "an integer";
	case json_type_string: return "a string";
	case json_type_object: return "an object";
	case json_type_array: return "an array";
	default: return "a value of another type";
	}
}

/* The member `key` of obj if it has type t; NULL after reporting otherwise. */
static json_object *member(struct load_ctx *c, json_object *obj, const char *where,
			   const char *key, enum json_type t)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, key, &v)) {
		fail(c, where, key, "missing");
		return NULL;
	}
	if (!json_object_is_type(v, t)) {
		fail(c, where, key, "expected %s", type_word(t));
		return NULL;
	}
	return v;
}

/*
 * json-c holds integers as int64 or, above INT64_MAX, as uint64.  A
 * negative int64 must be refused before json_object_get_uint64() turns it
 * into 0.  Values beyond UINT64_MAX were caught by check_int_literals().
 */
static int as_u64(struct load_ctx *c, json_object *v, const char *where, const char *key,
		  __u64 max, __u64 *out)
{
	__u64 u;

	if (!json_object_is_type(v, json_type_int))
		return fail(c, where, key, "expected an integer");
	if (json_object_get_int64(v) < 0)
		return fail(c, where, key, "must not be negative");
	u = json_object_get_uint64(v);
	if (u > max)
		return fail(c, where, key, "%llu is out of range (at most %llu)",
			    (unsigned long long)u, (unsigned long long)max);
	*out = u;
	return 0;
}

static int get_u64(struct load_ctx *c, json_object *obj, const char *where, const char *key,
		   __u64 max, __u64 *out)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, key, &v))
		return fail(c, where, key, "missing");
	return as_u64(c, v, where, key, max, out);
}

/* A string that fits dst with its NUL; the model has fixed-size names. */
static int get_str(struct load_ctx *c, json_object *obj, const char *where, const char *key,
		   char *dst, size_t size, bool allow_empty)
{
	json_object *v = member(c, obj, where, key, json_type_string);
	const char *s;
	size_t len;

	if (!v)
		return -EINVAL;
	s = json_object_get_string(v);
	len = (size_t)json_object_get_string_len(v);
	if (len >= size)
		return fail(c, where, key, "too long (%zu bytes, at most %zu)", len, size - 1);
	if (memchr(s, '\0', len))
		return fail(c, where, key, "contains a NUL character");
	if (!len && !allow_empty)
		return fail(c, where, key, "must not be empty");
	memcpy(dst, s, len);
	dst[len] = '\0';
	return 0;
}

/* A string member that must equal want exactly. */
static int expect_str(struct load_ctx *c, json_object *obj, const char *where, const char *key,
		      const char *want, bool *match)
{
	json_object *v = member(c, obj, where, key, json_type_string);

	if (!v)
		return -EINVAL;
	*match = !strcmp(json_object_get_string(v), want) &&
		 (size_t)json_object_get_string_len(v) == strlen(want);
	return 0;
}

/* meta.rules: required from version 2 on, since a diff must know them. */
static int load_rules(struct load_ctx *c, json_object *meta, struct ls_snapshot *snap)
{
	json_object *arr = member(c, meta, "meta", "rules", json_type_array), *r;
	char at[64];
	size_t i, n;
	int len, err;

	if (!arr)
		return -EINVAL;
	n = json_object_array_length(arr);
	if (n > LS_SNAPSHOT_MAX_RULES)
		return fail(c, "meta.rules", NULL, "more than %d entries", LS_SNAPSHOT_MAX_RULES);
	for (i = 0; i < n; i++) {
		snprintf(at, sizeof(at), "meta.rules[%zu]", i);
		r = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(r, json_type_string))
			return fail(c, at, NULL, "expected a string");
		len = json_object_get_string_len(r);
		if (len > LS_SNAPSHOT_RULE_MAX)
			return fail(c, at, NULL, "too long (%d bytes, at most %d)", len,
				    LS_SNAPSHOT_RULE_MAX);
		if (memchr(json_object_get_string(r), '\0', (size_t)len))
			return fail(c, at, NULL, "contains a NUL character");
		err = ls_snapshot_add_rule(snap, json_object_get_string(r));
		if (err)
			return err;
	}
	return 0;
}

static int load_meta(struct load_ctx *c, json_object *root, struct ls_snapshot *snap)
{
	json_object *o = member(c, root, "", "meta", json_type_object);
	struct ls_meta *m = &snap->meta;
	__u64 ncpus;
	int err;

	if (!o)
		return -EINVAL;
	if ((err = get_str(c, o, "meta", "latscope_version", m->latscope_version,
			   sizeof(m->latscope_version), true)) ||
	    (err = get_str(c, o, "meta", "kernel", m->kernel, sizeof(m->kernel), true)) ||
	    (err = get_str(c, o, "meta", "host", m->host, sizeof(m->host), true)) ||
	    (err = get_u64(c, o, "meta", "ncpus", INT_MAX, &ncpus)) ||
	    (err = get_str(c, o, "meta", "cmdline", m->cmdline, sizeof(m->cmdline), true)) ||
	    (err = get_str(c, o, "meta", "target", m->target, sizeof(m->target), true)) ||
	    (err = get_u64(c, o, "meta", "start_unix_ns", UINT64_MAX, &m->start_unix_ns)) ||
	    (err = get_u64(c, o, "meta", "end_unix_ns", UINT64_MAX, &m->end_unix_ns)) ||
	    (err = get_u64(c, o, "meta", "duration_ns", UINT64_MAX, &m->duration_ns)) ||
	    (err = get_u64(c, o, "meta", "events", UINT64_MAX, &m->events)) ||
	    (err = get_u64(c, o, "meta", "dropped", UINT64_MAX, &m->dropped)))
		return err;
	m->ncpus = (int)ncpus;
	/* Version 1 had no rules (the feature did not exist): none were in force. */
	if (snap->version >= 2)
		return load_rules(c, o, snap);
	return 0;
}

/* Geometry must match exactly: slots of another geometry mean other values. */
static int check_histogram(struct load_ctx *c, json_object *root)
{
	json_object *o = member(c, root, "", "histogram", json_type_object);
	__u64 sub, max_log2, slots;
	bool kind_ok, unit_ok;
	int err;

	if (!o)
		return -EINVAL;
	if ((err = expect_str(c, o, "histogram", "kind", LS_HIST_KIND, &kind_ok)) ||
	    (err = get_u64(c, o, "histogram", "sub_buckets", UINT64_MAX, &sub)) ||
	    (err = get_u64(c, o, "histogram", "max_log2", UINT64_MAX, &max_log2)) ||
	    (err = get_u64(c, o, "histogram", "slots", UINT64_MAX, &slots)) ||
	    (err = expect_str(c, o, "histogram", "unit", LS_HIST_UNIT, &unit_ok)))
		return err;
	if (!kind_ok || !unit_ok || sub != LS_HIST_SUB || max_log2 != LS_HIST_MAX_LOG2 ||
	    slots != LS_HIST_SLOTS)
		return fail(c, "histogram", NULL,
			    "geometry differs from this latscope's (%s, sub_buckets=%u, "
			    "max_log2=%u, slots=%u, unit %s); it was recorded by an "
			    "incompatible latscope",
			    LS_HIST_KIND, LS_HIST_SUB, LS_HIST_MAX_LOG2, LS_HIST_SLOTS,
			    LS_HIST_UNIT);
	return 0;
}

static int load_errnos(struct load_ctx *c, json_object *o, const char *where,
		       struct ls_syscall_stats *sc)
{
	json_object *arr = member(c, o, where, "errnos", json_type_array), *e;
	char at[192];
	size_t i, j, n;
	__u64 err_nr, count;
	int err;

	if (!arr)
		return -EINVAL;
	n = json_object_array_length(arr);
	for (i = 0; i < n; i++) {
		snprintf(at, sizeof(at), "%s.errnos[%zu]", where, i);
		if (++c->n_errnos > LS_SNAPSHOT_MAX_ERRNOS)
			return fail(c, at, NULL, "more than %d errno entries in the snapshot",
				    LS_SNAPSHOT_MAX_ERRNOS);
		e = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(e, json_type_object))
			return fail(c, at, NULL, "expected an object");
		/* "name" is derived from the number and ignored. */
		if ((err = get_u64(c, e, at, "errno", LS_ERRNO_MAX, &err_nr)) ||
		    (err = get_u64(c, e, at, "count", UINT64_MAX, &count)))
			return err;
		if (!err_nr)
			return fail(c, at, "errno", "must be positive");
		for (j = 0; j < sc->n_errnos; j++)
			if (sc->errnos[j].err == (int)err_nr)
				return fail(c, at, "errno", "duplicate errno %llu",
					    (unsigned long long)err_nr);
		err = ls_syscall_add_errno(sc, (int)err_nr, count);
		if (err)
			return err;
	}
	return 0;
}

static int load_buckets(struct load_ctx *c, json_object *o, const char *where,
			struct ls_stats *st)
{
	json_object *arr = member(c, o, where, "buckets", json_type_array), *b;
	bool seen[LS_HIST_SLOTS] = { false };
	__u64 v[3], lower, upper;
	static const char *const names[3] = { "[0]", "[1]", "[2]" };
	char at[192], at_v[200];
	size_t i, n;
	__u32 slot;
	int k, err;

	if (!arr)
		return -EINVAL;
	n = json_object_array_length(arr);
	for (i = 0; i < n; i++) {
		snprintf(at, sizeof(at), "%s.buckets[%zu]", where, i);
		b = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(b, json_type_array) || json_object_array_length(b) != 3)
			return fail(c, at, NULL, "expected [lower_ns, upper_ns, count]");
		for (k = 0; k < 3; k++) {
			snprintf(at_v, sizeof(at_v), "%s%s", at, names[k]);
			err = as_u64(c, json_object_array_get_idx(b, k), at_v, NULL, UINT64_MAX,
				     &v[k]);
			if (err)
				return err;
		}
		lower = v[0];
		upper = v[1];
		slot = ls_hist_slot(lower);
		if (ls_slot_lower(slot) != lower)
			return fail(c, at, NULL,
				    "lower_ns %llu is not the start of a histogram slot",
				    (unsigned long long)lower);
		if (ls_slot_upper(slot) != upper)
			return fail(c, at, NULL,
				    "upper_ns %llu does not end the slot starting at %llu "
				    "(expected %llu)", (unsigned long long)upper,
				    (unsigned long long)lower,
				    (unsigned long long)ls_slot_upper(slot));
		if (seen[slot])
			return fail(c, at, NULL, "duplicate bucket for the slot starting at %llu",
				    (unsigned long long)lower);
		seen[slot] = true;
		st->slots[slot] = v[2];
	}
	return 0;
}

static int load_syscall(struct load_ctx *c, json_object *o, const char *where,
			struct ls_subsys *ss)
{
	char name[sizeof(((struct ls_syscall_stats *)0)->name)];
	struct ls_syscall_stats *sc;
	__u64 nr;
	size_t before;
	int err;

	if (!json_object_is_type(o, json_type_object))
		return fail(c, where, NULL, "expected an object");
	if (++c->n_syscalls > LS_SNAPSHOT_MAX_SYSCALLS)
		return fail(c, where, NULL, "more than %d syscall entries in the snapshot",
			    LS_SNAPSHOT_MAX_SYSCALLS);
	if ((err = get_str(c, o, where, "syscall", name, sizeof(name), false)) ||
	    (err = get_u64(c, o, where, "nr", UINT32_MAX, &nr)))
		return err;

	before = ss->n_sc;
	sc = ls_subsys_syscall(ss, name, (__u32)nr);
	if (!sc)
		return -errno;
	if (ss->n_sc == before)
		return fail(c, where, "syscall", "duplicate syscall \"%s\"", name);

	/* avg_ns and the percentiles are derived from these and ignored. */
	if ((err = get_u64(c, o, where, "count", UINT64_MAX, &sc->st.count)) ||
	    (err = get_u64(c, o, where, "errors", UINT64_MAX, &sc->st.errors)) ||
	    (err = get_u64(c, o, where, "total_ns", UINT64_MAX, &sc->st.total_ns)) ||
	    (err = get_u64(c, o, where, "min_ns", UINT64_MAX, &sc->st.min_ns)) ||
	    (err = get_u64(c, o, where, "max_ns", UINT64_MAX, &sc->st.max_ns)) ||
	    (err = load_errnos(c, o, where, sc)) ||
	    (err = load_buckets(c, o, where, &sc->st)))
		return err;
	return 0;
}

/*
 * The "subsystems" of obj: the top level (where "") or a group (where
 * "threads[1]"), so that messages name the full path, such as
 * "threads[1].subsystems[0].syscalls[2].count".
 */
static int load_subsystems(struct load_ctx *c, json_object *obj, const char *where,
			   struct ls_snapshot *snap)
{
	json_object *arr = member(c, obj, where, "subsystems", json_type_array), *o, *scs;
	char name[sizeof(((struct ls_subsys *)0)->name)];
	char path[80], at[112], at_sc[144];
	struct ls_subsys *ss;
	size_t i, j, n, n_sc, before;
	int err;

	if (!arr)
		return -EINVAL;
	snprintf(path, sizeof(path), "%s%ssubsystems", where, *where ? "." : "");
	n = json_object_array_length(arr);
	if (n > LS_SNAPSHOT_MAX_SUBSYS)
		return fail(c, path, NULL, "more than %d entries", LS_SNAPSHOT_MAX_SUBSYS);
	for (i = 0; i < n; i++) {
		snprintf(at, sizeof(at), "%s[%zu]", path, i);
		o = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(o, json_type_object))
			return fail(c, at, NULL, "expected an object");
		/* Only the name and the syscalls are read: the rest is derived. */
		err = get_str(c, o, at, "name", name, sizeof(name), false);
		if (err)
			return err;
		scs = member(c, o, at, "syscalls", json_type_array);
		if (!scs)
			return -EINVAL;

		before = snap->n_subsys;
		ss = ls_snapshot_subsys(snap, name);
		if (!ss)
			return -errno;
		if (snap->n_subsys == before)
			return fail(c, at, "name", "duplicate subsystem \"%s\"", name);

		n_sc = json_object_array_length(scs);
		for (j = 0; j < n_sc; j++) {
			snprintf(at_sc, sizeof(at_sc), "%s.syscalls[%zu]", at, j);
			err = load_syscall(c, json_object_array_get_idx(scs, j), at_sc, ss);
			if (err)
				return err;
		}
	}
	return 0;
}

/* Optional "threads"/"peers": each a name and subsystems like the top level. */
static int load_groups(struct load_ctx *c, json_object *root, const char *key,
		       struct ls_group **arr, size_t *n)
{
	json_object *list, *o;
	char name[sizeof(((struct ls_group *)0)->name)];
	char at[64];
	struct ls_group *g;
	size_t i, len, before;
	int err;

	if (!json_object_object_get_ex(root, key, &list))
		return 0;
	if (!json_object_is_type(list, json_type_array))
		return fail(c, key, NULL, "expected an array");
	len = json_object_array_length(list);
	if (len > LS_SNAPSHOT_MAX_SUBSYS)
		return fail(c, key, NULL, "more than %d entries", LS_SNAPSHOT_MAX_SUBSYS);
	for (i = 0; i < len; i++) {
		snprintf(at, sizeof(at), "%s[%zu]", key, i);
		o = json_object_array_get_idx(list, i);
		if (!json_object_is_type(o, json_type_object))
			return fail(c, at, NULL, "expected an object");
		err = get_str(c, o, at, "name", name, sizeof(name), false);
		if (err)
			return err;
		before = *n;
		g = ls_snapshot_group(arr, n, name);
		if (!g)
			return -errno;
		if (*n == before)
			return fail(c, at, "name", "duplicate name \"%s\"", name);
		err = load_subsystems(c, o, at, g->snap);
		if (err)
			return err;
	}
	return 0;
}

/*
 * json-c saturates integers beyond 64 bits to INT64_MIN/UINT64_MAX without
 * any error, and UINT64_MAX is a legitimate value (the last slot's upper
 * bound).  So the text itself is checked: any integer literal whose
 * magnitude exceeds UINT64_MAX is refused.  Runs on text json-c accepted,
 * so strings and numbers are well formed.  Returns the offset or -1.
 */
static long check_int_literals(const char *buf, size_t len)
{
	static const char u64_max[] = "18446744073709551615";
	size_t i = 0, start, ndig;
	bool frac;

	while (i < len) {
		if (buf[i] == '"') {
			for (i++; i < len && buf[i] != '"'; i++)
				if (buf[i] == '\\')
					i++;
			i++;
			continue;
		}
		if (buf[i] < '0' || buf[i] > '9') {
			i++;
			continue;
		}
		start = i;
		while (i < len && buf[i] >= '0' && buf[i] <= '9')
			i++;
		ndig = i - start;
		frac = false;
		/* Skip a fraction and an exponent: doubles are range-checked by type. */
		if (i < len && buf[i] == '.') {
			frac = true;
			for (i++; i < len && buf[i] >= '0' && buf[i] <= '9'; i++)
				;
		}
		if (i < len && (buf[i] == 'e' || buf[i] == 'E')) {
			frac = true;
			i++;
			if (i < len && (buf[i] == '+' || buf[i] == '-'))
				i++;
			while (i < len && buf[i] >= '0' && buf[i] <= '9')
				i++;
		}
		if (frac)
			continue;
		while (ndig > 1 && buf[start] == '0') {
			start++;
			ndig--;
		}
		if (ndig > sizeof(u64_max) - 1 ||
		    (ndig == sizeof(u64_max) - 1 && memcmp(buf + start, u64_max, ndig) > 0))
			return (long)start;
	}
	return -1;
}

/*
 * The whole file, NUL-terminated, refusing more than LS_SNAPSHOT_MAX_BYTES.
 * st_size is checked first so a huge (or sparse) file is not read at all;
 * the read loop enforces the cap for pipes and files that grow meanwhile.
 */
static int read_file_capped(struct load_ctx *c, const char *path, char **out, size_t *out_len)
{
	size_t cap = 64 * 1024, alloc = 0, len = 0;
	char *buf = NULL, *p;
	struct stat st;
	ssize_t r;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		fail(c, NULL, NULL, "%s", strerror(-err));
		return err;
	}
	if (fstat(fd, &st)) {
		err = -errno;
		fail(c, NULL, NULL, "%s", strerror(-err));
		goto cleanup;
	}
	if (S_ISREG(st.st_mode)) {
		if ((unsigned long long)st.st_size > LS_SNAPSHOT_MAX_BYTES) {
			err = -EFBIG;
			fail(c, NULL, NULL, "file is too large (%lld bytes, at most %lu MiB)",
			     (long long)st.st_size, LS_SNAPSHOT_MAX_BYTES >> 20);
			goto cleanup;
		}
		/* +1 so that reading to EOF needs no second allocation. */
		cap = (size_t)st.st_size + 1;
	}

	for (;;) {
		if (len == cap) {
			/* Holding one byte more than the cap proves the file too large. */
			if (cap > LS_SNAPSHOT_MAX_BYTES) {
				err = -EFBIG;
				fail(c, NULL, NULL, "file is larger than %lu MiB",
				     LS_SNAPSHOT_MAX_BYTES >> 20);
				goto cleanup;
			}
			cap = cap > LS_SNAPSHOT_MAX_BYTES / 2 ? LS_SNAPSHOT_MAX_BYTES + 1 : cap * 2;
		}
		if (alloc != cap) {
			p = realloc(buf, cap + 1);
			if (!p) {
				err = -ENOMEM;
				fail(c, NULL, NULL, "%s", strerror(ENOMEM));
				goto cleanup;
			}
			buf = p;
			alloc = cap;
		}
		r = read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = -errno;
			fail(c, NULL, NULL, "%s", strerror(-err));
			goto cleanup;
		}
		if (!r)
			break;
		len += (size_t)r;
	}
	buf[len] = '\0';
	*out = buf;
	*out_len = len;
	buf = NULL;

cleanup:
	free(buf);
	close(fd);
	return err;
}

static json_object *parse_json(struct load_ctx *c, const char *buf, size_t len)
{
	struct json_tokener *tok;
	enum json_tokener_error jerr;
	json_object *root = NULL;
	size_t end;
	long big;

	if (!len) {
		fail(c, NULL, NULL, "file is empty");
		return NULL;
	}
	if (len > INT_MAX) {
		fail(c, NULL, NULL, "file is too large");
		return NULL;
	}
	tok = json_tokener_new();
	if (!tok) {
		fail(c, NULL, NULL, "%s", strerror(ENOMEM));
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, buf, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);

	if (jerr == json_tokener_continue) {
		fail(c, NULL, NULL, "truncated JSON (the document ends early, at byte %zu)", len);
		goto fail;
	}
	if (jerr != json_tokener_success) {
		fail(c, NULL, NULL, "invalid JSON at byte %zu: %s", end,
		     json_tokener_error_desc(jerr));
		goto fail;
	}
	/* json-c stops at an embedded NUL and calls what came before a success. */
	if (end != len) {
		fail(c, NULL, NULL, "unexpected data after the JSON document at byte %zu", end);
		goto fail;
	}
	big = check_int_literals(buf, len);
	if (big >= 0) {
		fail(c, NULL, NULL, "integer at byte %ld does not fit in 64 bits", big);
		goto fail;
	}
	if (!json_object_is_type(root, json_type_object)) {
		fail(c, NULL, NULL, "expected a JSON object at the top level");
		goto fail;
	}
	return root;

fail:
	json_object_put(root);
	return NULL;
}

/* Schema and version first: a newer file may well fail every later check. */
static int check_header(struct load_ctx *c, json_object *root, int *version)
{
	json_object *v;
	bool ok;
	__u64 ver;

	if (!json_object_object_get_ex(root, "schema", &v))
		return fail(c, "schema", NULL, "missing (not a latscope snapshot?)");
	if (expect_str(c, root, "", "schema", LS_SCHEMA_NAME, &ok))
		return -EINVAL;
	if (!ok)
		return fail(c, "schema", NULL, "expected \"%s\"", LS_SCHEMA_NAME);

	v = member(c, root, "", "version", json_type_int);
	if (!v)
		return -EINVAL;
	if (json_object_get_int64(v) < 1)
		return fail(c, "version", NULL, "expected a positive integer");
	ver = json_object_get_uint64(v);
	if (ver > LS_SNAPSHOT_VERSION)
		return fail(c, NULL, NULL,
			    "unsupported snapshot version %llu (this latscope reads 1 to %d)",
			    (unsigned long long)ver, LS_SNAPSHOT_VERSION);
	*version = (int)ver;
	return 0;
}

struct ls_snapshot *ls_snapshot_load(const char *path, char *err, size_t errlen)
{
	struct load_ctx c = { .file = path, .err = err, .errlen = errlen };
	struct ls_snapshot *snap = NULL;
	json_object *root = NULL;
	char *buf = NULL;
	size_t len = 0;
	int ret;

	if (err && errlen)
		err[0] = '\0';
	if (!path) {
		c.file = "(null)";
		ret = fail(&c, NULL, NULL, "no file name");
		goto cleanup;
	}
	ret = read_file_capped(&c, path, &buf, &len);
	if (ret)
		goto cleanup;
	root = parse_json(&c, buf, len);
	if (!root) {
		ret = -EINVAL;
		goto cleanup;
	}
	/* The text is no longer needed; the tree can be larger than the file. */
	free(buf);
	buf = NULL;

	snap = ls_snapshot_new();
	if (!snap) {
		ret = -ENOMEM;
		goto cleanup;
	}
	if ((ret = check_header(&c, root, &snap->version)) ||
	    (ret = check_histogram(&c, root)) ||
	    (ret = load_meta(&c, root, snap)) ||
	    (ret = load_subsystems(&c, root, "", snap)) ||
	    (ret = load_groups(&c, root, "threads", &snap->threads, &snap->n_threads)) ||
	    (ret = load_groups(&c, root, "peers", &snap->peers, &snap->n_peers)))
		goto cleanup;

cleanup:
	json_object_put(root);
	free(buf);
	if (ret) {
		/* ENOMEM from the model helpers has no message yet. */
		if (err && errlen && !err[0])
			fail(&c, NULL, NULL, "%s", strerror(-ret));
		ls_snapshot_free(snap);
		errno = -ret;
		return NULL;
	}
	return snap;
}
