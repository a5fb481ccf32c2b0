/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * JSON -> snapshot (docs/snapshot-format.md) with json-c.  The loader
 * treats its input as hostile: every field is checked for type and range,
 * sizes are capped, and any problem becomes one line in err instead of a
 * crash.  The writer is snapshot_write.c.
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
#include "hist.h"
#include "json_scan.h"
#include "snapshot.h"
#include "snapshot_load.h"
#include "subsys.h"

#define LS_SNAPSHOT_MAX_BYTES	(64UL << 20)

/* A piece of the text parsed on its own: its tree and what it cut out. */
struct piece {
	json_object *obj;
	size_t off;		/* where it starts in the text */
	struct ls_json_pieces cut;
};

struct load_ctx {
	const char *file;	/* prefix of every message */
	char *err;
	size_t errlen;
	size_t n_syscalls;	/* across subsystems, for LS_SNAPSHOT_MAX_* */
	size_t n_errnos;
	const char *text;	/* the whole file: the cut-out pieces are parsed from it */
	size_t len;
	size_t tree_cost;	/* json-c's trees alive now, at most LS_JSON_TREE_MAX */
	struct piece top;	/* the document, every "subsystems" list cut out */
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
	case json_type_boolean: return "true or false";
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

/* A member that files before version 3 do not have: left alone when absent. */
static int get_u64_opt(struct load_ctx *c, json_object *obj, const char *where, const char *key,
		       __u64 max, __u64 *out)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, key, &v))
		return 0;
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

/* An optional unsigned member: 0 when absent. */
static int opt_u64(struct load_ctx *c, json_object *obj, const char *where, const char *key,
		   __u64 max, __u64 *out)
{
	json_object *v;

	*out = 0;
	if (!json_object_object_get_ex(obj, key, &v))
		return 0;
	return as_u64(c, v, where, key, max, out);
}

/* An optional string member, copied: NULL when absent. */
static int opt_str(struct load_ctx *c, json_object *obj, const char *where, const char *key,
		   size_t max, char **out)
{
	json_object *v;
	size_t len;

	if (!json_object_object_get_ex(obj, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return fail(c, where, key, "expected a string");
	len = (size_t)json_object_get_string_len(v);
	if (len > max)
		return fail(c, where, key, "too long (%zu bytes, at most %zu)", len, max);
	if (memchr(json_object_get_string(v), '\0', len))
		return fail(c, where, key, "contains a NUL character");
	return ls_process_set_str(out, json_object_get_string(v));
}

/*
 * meta.lost, since version 3; absent before (nothing was counted then) and
 * its keys one by one, so that a cause added later does not break a reader.
 */
static int load_lost(struct load_ctx *c, json_object *meta, struct ls_lost *l)
{
	json_object *o;
	int err;

	if (!json_object_object_get_ex(meta, "lost", &o))
		return 0;
	if (!json_object_is_type(o, json_type_object))
		return fail(c, "meta", "lost", "expected an object");
	if ((err = opt_u64(c, o, "meta.lost", "syscalls_no_key", UINT64_MAX,
			   &l->syscalls_no_key)) ||
	    (err = opt_u64(c, o, "meta.lost", "errnos_no_key", UINT64_MAX, &l->errnos_no_key)) ||
	    (err = opt_u64(c, o, "meta.lost", "processes_not_traced", UINT64_MAX,
			   &l->processes_not_traced)) ||
	    (err = opt_u64(c, o, "meta.lost", "threads_not_traced", UINT64_MAX,
			   &l->threads_not_traced)) ||
	    (err = opt_u64(c, o, "meta.lost", "events_not_kept", UINT64_MAX,
			   &l->events_not_kept)) ||
	    (err = opt_u64(c, o, "meta.lost", "thread_times_lost", UINT64_MAX,
			   &l->thread_times_lost)))
		return err;
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
	err = load_lost(c, o, &m->lost);
	if (err)
		return err;
	/* since version 3, and only from record */
	if (json_object_object_get_ex(o, "self_check", NULL) &&
	    (err = get_str(c, o, "meta", "self_check", m->self_check, sizeof(m->self_check),
			   false)))
		return err;
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

static int load_buckets_named(struct load_ctx *c, json_object *o, const char *where,
			      const char *key, struct ls_stats *st)
{
	json_object *arr = member(c, o, where, key, json_type_array), *b;
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
		snprintf(at, sizeof(at), "%s.%s[%zu]", where, key, i);
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

static int load_buckets(struct load_ctx *c, json_object *o, const char *where,
			struct ls_stats *st)
{
	return load_buckets_named(c, o, where, "buckets", st);
}

/* "role": "idle"...; rows of files before version 3 are all work. */
static int get_role(struct load_ctx *c, json_object *o, const char *where, __u8 *role)
{
	char name[16];
	int r, err;

	*role = LS_ROLE_WORK;
	if (!json_object_object_get_ex(o, "role", NULL))
		return 0;
	err = get_str(c, o, where, "role", name, sizeof(name), false);
	if (err)
		return err;
	r = ls_role_parse(name);
	if (r < 0)
		return fail(c, where, "role", "unknown role \"%s\" (work, idle, sync or child)",
			    name);
	*role = (__u8)r;
	return 0;
}

static int load_syscall(struct load_ctx *c, json_object *o, const char *where,
			struct ls_subsys *ss)
{
	char name[sizeof(((struct ls_syscall_stats *)0)->name)];
	struct ls_syscall_stats *sc;
	__u8 role;
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

	if ((err = get_role(c, o, where, &role)))
		return err;
	before = ss->n_sc;
	sc = ls_subsys_syscall_role(ss, name, (__u32)nr, role);
	if (!sc)
		return -errno;
	if (ss->n_sc == before)
		return fail(c, where, "syscall", "duplicate syscall \"%s\" (role %s)", name,
			    ls_role_name(role));

	/* avg_ns and the percentiles are derived from these and ignored. */
	if ((err = get_u64(c, o, where, "count", UINT64_MAX, &sc->st.count)) ||
	    (err = get_u64(c, o, where, "errors", UINT64_MAX, &sc->st.errors)) ||
	    (err = get_u64(c, o, where, "total_ns", UINT64_MAX, &sc->st.total_ns)) ||
	    (err = get_u64(c, o, where, "min_ns", UINT64_MAX, &sc->st.min_ns)) ||
	    (err = get_u64(c, o, where, "max_ns", UINT64_MAX, &sc->st.max_ns)) ||
	    (err = get_u64_opt(c, o, where, "runq_ns", sc->st.total_ns, &sc->st.runq_ns)) ||
	    (err = get_u64_opt(c, o, where, "max_at_unix_ns", UINT64_MAX, &sc->st.max_at_ns)) ||
	    (err = load_errnos(c, o, where, sc)) ||
	    (err = load_buckets(c, o, where, &sc->st)))
		return err;
	return 0;
}

/*
 * text[off, off + len) as a json-c tree, in pc, with the lists under key
 * cut out of it (see json_scan.h) after checking that the tree fits in
 * what LS_JSON_TREE_MAX leaves.  0, or -EINVAL/-EFBIG/-ENOMEM after the
 * message (where: the piece's place in the document, for it).
 */
static int parse_piece(struct load_ctx *c, const char *where, size_t off, size_t len,
		       const char *key, size_t max_cut, struct piece *pc)
{
	const char *text = c->text + off;
	struct json_tokener *tok;
	enum json_tokener_error jerr;
	struct ls_json_error e;
	size_t end, parsed;
	char at[192];
	int ret;

	memset(pc, 0, sizeof(*pc));
	pc->off = off;
	ret = ls_json_scan(text, len, key, max_cut, LS_JSON_TREE_MAX - c->tree_cost, &pc->cut, &e);
	if (ret == -ENOMEM) {
		fail(c, NULL, NULL, "%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	if (ret && e.too_costly) {
		fail(c, where, NULL, "too large to load: its JSON would take more than %lu MiB in "
		     "memory (at byte %zu)", LS_JSON_TREE_MAX >> 20, off + e.off);
		return -EFBIG;
	}
	if (ret && e.too_many) {
		snprintf(at, sizeof(at), "%s%s%s[%zu]", where ? where : "", where ? "." : "", key,
			 max_cut);
		return fail(c, where ? at : NULL, NULL, "more than %zu %s entries in the snapshot",
			    max_cut, !strcmp(key, "syscalls") ? "syscall" : "subsystem");
	}
	if (ret && e.truncated)
		return fail(c, NULL, NULL, "truncated JSON (the document ends early, at byte %zu)",
			    c->len);
	if (ret && e.trailing)
		return fail(c, NULL, NULL, "unexpected data after the JSON document at byte %zu",
			    off + e.off);
	if (ret)
		return fail(c, NULL, NULL, "invalid JSON at byte %zu: %s", off + e.off, e.what);
	if (pc->cut.skeleton) {
		text = pc->cut.skeleton;
		len = pc->cut.skeleton_len;
	}
	tok = json_tokener_new();
	if (!tok) {
		fail(c, NULL, NULL, "%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	pc->obj = json_tokener_parse_ex(tok, text, (int)len);
	jerr = json_tokener_get_error(tok);
	parsed = json_tokener_get_parse_end(tok);
	/* a number at the very end: json-c waits for more, a NUL ends it */
	if (jerr == json_tokener_continue && parsed == len) {
		pc->obj = json_tokener_parse_ex(tok, "", 1);
		jerr = json_tokener_get_error(tok);
	}
	end = off + ls_json_text_off(&pc->cut, parsed);
	json_tokener_free(tok);
	/* the copy was only for json-c; the lists' places stay */
	free(pc->cut.skeleton);
	pc->cut.skeleton = NULL;
	c->tree_cost += pc->cut.cost;

	/* json-c's strict mode is the judge; the scan let through what it refuses */
	if (jerr == json_tokener_continue)
		return fail(c, NULL, NULL, "truncated JSON (the document ends early, at byte %zu)",
			    c->len);
	if (jerr != json_tokener_success)
		return fail(c, NULL, NULL, "invalid JSON at byte %zu: %s", end,
			    json_tokener_error_desc(jerr));
	/* json-c stops at an embedded NUL and calls what came before a success. */
	if (parsed != len)
		return fail(c, NULL, NULL, "unexpected data after the JSON document at byte %zu",
			    end);
	return 0;
}

static void drop_piece(struct load_ctx *c, struct piece *pc)
{
	json_object_put(pc->obj);
	c->tree_cost -= pc->cut.cost;
	ls_json_pieces_free(&pc->cut);
	pc->obj = NULL;
}

/* The list a "subsystems" or "syscalls" array stands for: cut out, [I]. */
static const struct ls_json_cut *cut_list(struct load_ctx *c, const struct piece *pc,
					  json_object *arr, const char *where, const char *key)
{
	json_object *idx = json_object_array_get_idx(arr, 0);
	int64_t i = json_object_get_int64(idx);

	if (json_object_array_length(arr) != 1 || !json_object_is_type(idx, json_type_int) ||
	    i < 0 || (size_t)i >= pc->cut.n_cuts) {
		fail(c, where, key, "expected an array");
		return NULL;
	}
	return &pc->cut.cuts[i];
}

/*
 * Each syscall of one subsystem, parsed one at a time from the text (the
 * subsystem's piece cut them out), so that only one is a json-c tree.
 */
static int load_syscalls(struct load_ctx *c, const struct piece *sub, json_object *scs,
			 const char *at, struct ls_subsys *ss)
{
	const struct ls_json_cut *list = cut_list(c, sub, scs, at, "syscalls");
	const struct ls_json_span *span;
	struct piece sc;
	char at_sc[144];
	size_t j;
	int err;

	if (!list)
		return -EINVAL;
	for (j = 0; j < list->n; j++) {
		snprintf(at_sc, sizeof(at_sc), "%s.syscalls[%zu]", at, j);
		span = &sub->cut.spans[list->first + j];
		err = parse_piece(c, at_sc, sub->off + span->off, span->len, NULL, 0, &sc);
		if (!err)
			err = load_syscall(c, sc.obj, at_sc, ss);
		drop_piece(c, &sc);
		if (err)
			return err;
	}
	return 0;
}

/* One subsystem, parsed on its own with its syscalls cut out. */
static int load_subsystem(struct load_ctx *c, const struct ls_json_span *span, const char *at,
			  struct ls_snapshot *snap)
{
	char name[sizeof(((struct ls_subsys *)0)->name)];
	struct ls_subsys *ss;
	struct piece sub;
	json_object *o, *scs;
	size_t before;
	int err;

	err = parse_piece(c, at, span->off, span->len, "syscalls", LS_SNAPSHOT_MAX_SYSCALLS, &sub);
	if (err)
		goto out;
	o = sub.obj;
	err = -EINVAL;
	if (!json_object_is_type(o, json_type_object)) {
		fail(c, at, NULL, "expected an object");
		goto out;
	}
	/* Only the name and the syscalls are read: the rest is derived. */
	err = get_str(c, o, at, "name", name, sizeof(name), false);
	if (err)
		goto out;
	scs = member(c, o, at, "syscalls", json_type_array);
	if (!scs) {
		err = -EINVAL;
		goto out;
	}

	before = snap->n_subsys;
	ss = ls_snapshot_subsys(snap, name);
	if (!ss) {
		err = -errno;
		goto out;
	}
	if (snap->n_subsys == before) {
		err = fail(c, at, "name", "duplicate subsystem \"%s\"", name);
		goto out;
	}
	err = load_syscalls(c, &sub, scs, at, ss);
out:
	drop_piece(c, &sub);
	return err;
}

/*
 * The "subsystems" of obj: the top level (where "") or a group (where
 * "threads[1]"), so that messages name the full path, such as
 * "threads[1].subsystems[0].syscalls[2].count".
 */
static int load_subsystems(struct load_ctx *c, json_object *obj, const char *where,
			   struct ls_snapshot *snap)
{
	json_object *arr = member(c, obj, where, "subsystems", json_type_array);
	const struct ls_json_cut *list;
	char path[80], at[112];
	size_t i;
	int err;

	if (!arr)
		return -EINVAL;
	snprintf(path, sizeof(path), "%s%ssubsystems", where, *where ? "." : "");
	list = cut_list(c, &c->top, arr, where, "subsystems");
	if (!list)
		return -EINVAL;
	if (list->n > LS_SNAPSHOT_MAX_SUBSYS)
		return fail(c, path, NULL, "more than %d entries", LS_SNAPSHOT_MAX_SUBSYS);
	for (i = 0; i < list->n; i++) {
		snprintf(at, sizeof(at), "%s[%zu]", path, i);
		err = load_subsystem(c, &c->top.cut.spans[list->first + i], at, snap);
		if (err)
			return err;
	}
	return 0;
}

/* One interval's subsystems; the figures must agree with each other. */
static int load_interval_subsys(struct load_ctx *c, json_object *o, const char *at,
				struct ls_interval_subsys *e)
{
	int err;

	if (!json_object_is_type(o, json_type_object))
		return fail(c, at, NULL, "expected an object");
	err = get_str(c, o, at, "name", e->name, sizeof(e->name), false);
	if (!err)
		err = get_u64(c, o, at, "count", UINT64_MAX, &e->count);
	if (!err)
		err = get_u64(c, o, at, "errors", e->count, &e->errors);
	if (!err)
		err = get_u64(c, o, at, "total_ns", UINT64_MAX, &e->total_ns);
	if (!err)
		err = get_u64(c, o, at, "max_ns", UINT64_MAX, &e->max_ns);
	if (!err)
		err = get_u64(c, o, at, "p99_ns", e->max_ns, &e->p99_ns);
	if (!err)
		err = get_u64(c, o, at, "p50_ns", e->p99_ns, &e->p50_ns);
	return err;
}

/* Optional "intervals" (record -i): in time order, each ending after it starts. */
static int load_intervals(struct load_ctx *c, json_object *root, struct ls_snapshot *snap)
{
	const struct ls_json_cut *list;
	json_object *arr, *o, *ss, *v;
	struct ls_interval *iv;
	__u64 start, end, prev_end = 0;
	char at[64], sat[112];
	size_t i, j, len, n;
	int err;

	if (!json_object_object_get_ex(root, "intervals", &arr))
		return 0;
	if (!json_object_is_type(arr, json_type_array))
		return fail(c, "intervals", NULL, "expected an array");
	len = json_object_array_length(arr);
	if (len > LS_SNAPSHOT_MAX_INTERVALS)
		return fail(c, "intervals", NULL, "more than %d entries", LS_SNAPSHOT_MAX_INTERVALS);
	for (i = 0; i < len; i++) {
		snprintf(at, sizeof(at), "intervals[%zu]", i);
		o = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(o, json_type_object))
			return fail(c, at, NULL, "expected an object");
		err = get_u64(c, o, at, "start_unix_ns", UINT64_MAX, &start);
		if (!err)
			err = get_u64(c, o, at, "end_unix_ns", UINT64_MAX, &end);
		if (err)
			return err;
		if (start < prev_end || end < start)
			return fail(c, at, NULL, "not after the one before, or ending before it starts");
		prev_end = end;
		v = member(c, o, at, "partial", json_type_boolean);
		ss = v ? member(c, o, at, "subsystems", json_type_array) : NULL;
		if (!ss)
			return -EINVAL;
		/* cut out of the document like every "subsystems" list: one row at a time */
		list = cut_list(c, &c->top, ss, at, "subsystems");
		if (!list)
			return -EINVAL;
		n = list->n;
		iv = ls_snapshot_append_interval(snap, start, end, json_object_get_boolean(v), n);
		if (!iv && errno == E2BIG)
			return fail(c, at, "subsystems", "more than %d in all intervals",
				    LS_SNAPSHOT_MAX_INTERVAL_ROWS);
		if (!iv)
			return -errno;
		for (j = 0; j < n; j++) {
			const struct ls_json_span *span = &c->top.cut.spans[list->first + j];
			struct piece row;

			snprintf(sat, sizeof(sat), "%s.subsystems[%zu]", at, j);
			err = parse_piece(c, sat, span->off, span->len, NULL, 0, &row);
			if (!err)
				err = load_interval_subsys(c, row.obj, sat, &iv->ss[iv->n_ss]);
			drop_piece(c, &row);
			if (err)
				return err;
			iv->n_ss++;
		}
	}
	return 0;
}

/* Optional "threads"/"peers": each a name and subsystems like the top level. */
static int get_flag(struct load_ctx *c, json_object *o, const char *where, const char *key,
		    __u32 bit, __u32 *flags)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_boolean))
		return fail(c, where, key, "expected true or false");
	if (json_object_get_boolean(v))
		*flags |= bit;
	return 0;
}

/* "time": where the time went (struct ls_time), in ns */
static int load_time(struct load_ctx *c, json_object *obj, const char *where,
		     struct ls_time *t, int *has)
{
	char at[128];
	json_object *o;
	int err;

	if (!json_object_object_get_ex(obj, "time", NULL))
		return 0;
	o = member(c, obj, where, "time", json_type_object);
	if (!o)
		return -EINVAL;
	snprintf(at, sizeof(at), "%s%stime", where, *where ? "." : "");
	if ((err = get_u64(c, o, at, "wall_ns", UINT64_MAX, &t->wall_ns)) ||
	    (err = get_u64(c, o, at, "user_cpu_ns", UINT64_MAX, &t->user_cpu_ns)) ||
	    (err = get_u64(c, o, at, "user_runq_ns", UINT64_MAX, &t->user_runq_ns)) ||
	    (err = get_u64(c, o, at, "user_blocked_ns", UINT64_MAX, &t->user_blocked_ns)) ||
	    (err = get_u64(c, o, at, "work_ns", UINT64_MAX, &t->sys_ns[LS_ROLE_WORK])) ||
	    (err = get_u64(c, o, at, "idle_ns", UINT64_MAX, &t->sys_ns[LS_ROLE_IDLE])) ||
	    (err = get_u64(c, o, at, "sync_ns", UINT64_MAX, &t->sys_ns[LS_ROLE_SYNC])) ||
	    (err = get_u64(c, o, at, "child_wait_ns", UINT64_MAX, &t->sys_ns[LS_ROLE_CHILD])) ||
	    (err = get_u64(c, o, at, "sys_runq_ns", UINT64_MAX, &t->sys_runq_ns)) ||
	    (err = get_u64(c, o, at, "idle_waits", UINT64_MAX, &t->idle_waits)))
		return err;
	*has = 1;
	return 0;
}

/* A thread's ids, flags and time (version 3; peers have none of these). */
static int load_thread_facts(struct load_ctx *c, json_object *o, const char *where,
			     struct ls_group *g)
{
	__u64 tid = 0, tgid = 0;
	int err;

	if ((err = get_u64_opt(c, o, where, "tid", UINT32_MAX, &tid)) ||
	    (err = get_u64_opt(c, o, where, "pid", UINT32_MAX, &tgid)) ||
	    (err = get_flag(c, o, where, "exited", LS_THREAD_EXITED, &g->flags)) ||
	    (err = get_flag(c, o, where, "in_exec", LS_THREAD_IN_EXEC, &g->flags)) ||
	    (err = load_time(c, o, where, &g->time, &g->has_time)))
		return err;
	g->tid = (__u32)tid;
	g->tgid = (__u32)tgid;
	return 0;
}

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
		if (!err)
			err = load_thread_facts(c, o, at, g);
		if (err)
			return err;
	}
	return 0;
}

static int load_process(struct load_ctx *c, json_object *o, const char *at,
			struct ls_snapshot *snap)
{
	char comm[sizeof(((struct ls_process *)0)->comm)];
	struct ls_process *p;
	json_object *v;
	__u64 pid, ppid, start, end;
	int err;

	if (!json_object_is_type(o, json_type_object))
		return fail(c, at, NULL, "expected an object");
	if ((err = get_u64(c, o, at, "pid", INT32_MAX, &pid)) ||
	    (err = opt_u64(c, o, at, "ppid", INT32_MAX, &ppid)) ||
	    (err = get_str(c, o, at, "comm", comm, sizeof(comm), true)) ||
	    (err = opt_u64(c, o, at, "start_unix_ns", UINT64_MAX, &start)) ||
	    (err = opt_u64(c, o, at, "end_unix_ns", UINT64_MAX, &end)))
		return err;
	if (!pid)
		return fail(c, at, "pid", "must be positive");
	if (ls_snapshot_find_process(snap, (__u32)pid))
		return fail(c, at, "pid", "duplicate process %llu", (unsigned long long)pid);
	p = ls_snapshot_process(snap, (__u32)pid);
	if (!p)
		return -errno;
	p->ppid = (__u32)ppid;
	memcpy(p->comm, comm, sizeof(comm));
	p->start_unix_ns = start;
	p->end_unix_ns = end;
	if (json_object_object_get_ex(o, "exited", &v)) {
		if (!json_object_is_type(v, json_type_boolean))
			return fail(c, at, "exited", "expected true or false");
		p->exited = json_object_get_boolean(v);
	}
	if ((err = opt_str(c, o, at, "cmdline", LS_PROCESS_STR_MAX, &p->cmdline)) ||
	    (err = opt_str(c, o, at, "exe", LS_PROCESS_STR_MAX, &p->exe)) ||
	    (err = opt_str(c, o, at, "cgroup", LS_PROCESS_STR_MAX, &p->cgroup)))
		return err;
	return 0;
}

/* Optional "processes", since version 3. */
static int load_processes(struct load_ctx *c, json_object *root, struct ls_snapshot *snap)
{
	json_object *list;
	char at[64];
	size_t i, len;
	int err;

	if (!json_object_object_get_ex(root, "processes", &list))
		return 0;
	if (!json_object_is_type(list, json_type_array))
		return fail(c, "processes", NULL, "expected an array");
	len = json_object_array_length(list);
	if (len > LS_SNAPSHOT_MAX_PROCESSES)
		return fail(c, "processes", NULL, "more than %d entries",
			    LS_SNAPSHOT_MAX_PROCESSES);
	for (i = 0; i < len; i++) {
		snprintf(at, sizeof(at), "processes[%zu]", i);
		err = load_process(c, json_object_array_get_idx(list, i), at, snap);
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

/* The whole document, every "subsystems" list cut out: a JSON object. */
static int parse_document(struct load_ctx *c)
{
	long big;
	int ret;

	if (!c->len)
		return fail(c, NULL, NULL, "file is empty");
	if (c->len > INT_MAX) {
		fail(c, NULL, NULL, "file is too large");
		return -EFBIG;
	}
	ret = parse_piece(c, NULL, 0, c->len, "subsystems", LS_SNAPSHOT_MAX_SUBSYS_ALL, &c->top);
	if (ret)
		return ret;
	big = check_int_literals(c->text, c->len);
	if (big >= 0)
		return fail(c, NULL, NULL, "integer at byte %ld does not fit in 64 bits", big);
	if (!json_object_is_type(c->top.obj, json_type_object))
		return fail(c, NULL, NULL, "expected a JSON object at the top level");
	return 0;
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

/* "cycle" (version 3): what makes a cycle and each cycle's busy time */
/* Optional cycle.starts_unix_ns: rising, at most LS_CYCLE_STARTS_MAX. */
static int load_cycle_starts(struct load_ctx *c, json_object *cycle, struct ls_snapshot *snap)
{
	json_object *arr;
	__u64 *v;
	size_t i, n;
	char at[48];
	int err = 0;

	if (!json_object_object_get_ex(cycle, "starts_unix_ns", NULL))
		return 0;
	arr = member(c, cycle, "cycle", "starts_unix_ns", json_type_array);
	if (!arr)
		return -EINVAL;
	n = json_object_array_length(arr);
	if (n > LS_CYCLE_STARTS_MAX)
		return fail(c, "cycle", "starts_unix_ns", "more than %d entries",
			    LS_CYCLE_STARTS_MAX);
	v = malloc((n ? n : 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; !err && i < n; i++) {
		snprintf(at, sizeof(at), "starts_unix_ns[%zu]", i);
		err = as_u64(c, json_object_array_get_idx(arr, i), "cycle", at, UINT64_MAX, &v[i]);
		if (!err && i && v[i] <= v[i - 1])
			err = fail(c, "cycle", at, "not after the one before");
	}
	if (!err)
		err = ls_snapshot_set_cycle_starts(snap, v, n);
	free(v);
	return err;
}

static int load_cycle(struct load_ctx *c, json_object *root, struct ls_snapshot *snap)
{
	struct ls_cycle_info *ci = &snap->cycle;
	json_object *o;
	__u64 tid = 0;
	int err;

	if (!json_object_object_get_ex(root, "cycle", NULL))
		return 0;
	o = member(c, root, "", "cycle", json_type_object);
	if (!o)
		return -EINVAL;
	if ((err = get_str(c, o, "cycle", "source", ci->source, sizeof(ci->source), false)) ||
	    (err = get_str(c, o, "cycle", "thread", ci->thread, sizeof(ci->thread), true)) ||
	    (err = get_u64(c, o, "cycle", "tid", UINT32_MAX, &tid)) ||
	    (err = get_str(c, o, "cycle", "syscall", ci->syscall, sizeof(ci->syscall), true)) ||
	    (err = get_u64(c, o, "cycle", "period_ns", UINT64_MAX, &ci->period_ns)) ||
	    (err = get_u64(c, o, "cycle", "busy_total_ns", UINT64_MAX, &ci->busy.total_ns)) ||
	    (err = get_u64(c, o, "cycle", "busy_min_ns", UINT64_MAX, &ci->busy.min_ns)) ||
	    (err = get_u64(c, o, "cycle", "busy_max_ns", UINT64_MAX, &ci->busy.max_ns)) ||
	    (err = load_buckets_named(c, o, "cycle", "busy_buckets", &ci->busy)))
		return err;
	ci->tid = (__u32)tid;
	ci->busy.count = ls_stats_slot_total(&ci->busy);
	ci->found = ci->busy.count > 0;
	return load_cycle_starts(c, o, snap);
}

static int load_slow_call(struct load_ctx *c, json_object *o, const char *at,
			  struct ls_snapshot *snap)
{
	struct ls_slow_call sc = { .cycle = -1 };
	char role[16];
	__u64 tid, err64 = 0, cycle = 0;
	int err, r;

	if (!json_object_is_type(o, json_type_object))
		return fail(c, at, NULL, "expected an object");
	if ((err = get_u64(c, o, at, "start_unix_ns", UINT64_MAX, &sc.start_unix_ns)) ||
	    (err = get_u64(c, o, at, "duration_ns", UINT64_MAX, &sc.duration_ns)) ||
	    (err = get_u64(c, o, at, "runq_ns", UINT64_MAX, &sc.runq_ns)) ||
	    (err = get_u64(c, o, at, "tid", UINT32_MAX, &tid)) ||
	    (err = get_str(c, o, at, "thread", sc.thread, sizeof(sc.thread), true)) ||
	    (err = get_str(c, o, at, "subsystem", sc.subsys, sizeof(sc.subsys), false)) ||
	    (err = get_str(c, o, at, "syscall", sc.syscall, sizeof(sc.syscall), false)) ||
	    (err = get_str(c, o, at, "role", role, sizeof(role), false)) ||
	    (err = get_u64_opt(c, o, at, "errno", LS_ERRNO_MAX, &err64)) ||
	    (err = get_str(c, o, at, "where", sc.where, sizeof(sc.where), true)) ||
	    (err = get_u64_opt(c, o, at, "cycle", INT64_MAX, &cycle)))
		return err;
	r = ls_role_parse(role);
	if (r < 0)
		return fail(c, at, "role", "unknown role \"%s\"", role);
	sc.role = (__u8)r;
	sc.tid = (__u32)tid;
	sc.err = (int)err64;
	sc.cycle = cycle ? (__s64)cycle : -1;
	return ls_snapshot_add_slow(snap, &sc);
}

/* "slowest" and "slow" (version 3) */
static int load_slowest(struct load_ctx *c, json_object *root, struct ls_snapshot *snap)
{
	json_object *list, *o;
	char at[32];
	size_t i, len;
	int err;

	if (json_object_object_get_ex(root, "slow", NULL)) {
		o = member(c, root, "", "slow", json_type_object);
		if (!o)
			return -EINVAL;
		if ((err = get_u64(c, o, "slow", "threshold_ns", UINT64_MAX,
				   &snap->slow_threshold_ns)) ||
		    (err = get_u64(c, o, "slow", "calls", UINT64_MAX, &snap->slow_calls)) ||
		    (err = get_u64(c, o, "slow", "events_lost", UINT64_MAX, &snap->events_lost)))
			return err;
	}
	if (!json_object_object_get_ex(root, "slowest", NULL))
		return 0;
	list = member(c, root, "", "slowest", json_type_array);
	if (!list)
		return -EINVAL;
	len = json_object_array_length(list);
	if (len > LS_SLOWEST_MAX)
		return fail(c, "slowest", NULL, "more than %d entries", LS_SLOWEST_MAX);
	for (i = 0; i < len; i++) {
		snprintf(at, sizeof(at), "slowest[%zu]", i);
		err = load_slow_call(c, json_object_array_get_idx(list, i), at, snap);
		if (err)
			return err;
	}
	return 0;
}

/* "cost" (version 3, when it was measured): the sampled readings; the estimate is remade. */
static int load_cost(struct load_ctx *c, json_object *root, struct ls_snapshot *snap)
{
	struct ls_cost_sample *s = &snap->cost;
	json_object *o, *list, *p;
	char at[32], hook[16];
	size_t i, len;
	int err;

	if (!json_object_object_get_ex(root, "cost", NULL))
		return 0;
	o = member(c, root, "", "cost", json_type_object);
	if (!o)
		return -EINVAL;
	if ((err = get_u64(c, o, "cost", "sampled_ns", UINT64_MAX, &s->sampled_ns)) ||
	    (err = get_u64(c, o, "cost", "run_ns", UINT64_MAX, &s->run_ns)) ||
	    (err = get_u64(c, o, "cost", "windows", UINT64_MAX, &s->windows)) ||
	    (err = get_u64(c, o, "cost", "window_ns", UINT64_MAX, &s->window_ns)) ||
	    (err = get_u64(c, o, "cost", "period_ns", UINT64_MAX, &s->period_ns)) ||
	    (err = get_u64(c, o, "cost", "traced_calls", UINT64_MAX, &s->traced_calls)) ||
	    (err = get_u64(c, o, "cost", "traced_enter_ns", UINT64_MAX, &s->traced_ns[0])) ||
	    (err = get_u64(c, o, "cost", "traced_exit_ns", UINT64_MAX, &s->traced_ns[1])))
		return err;
	list = member(c, o, "cost", "programs", json_type_array);
	if (!list)
		return -EINVAL;
	len = json_object_array_length(list);
	if (len > LS_COST_PROGS)
		return fail(c, "cost", "programs", "more than %d entries", LS_COST_PROGS);
	for (i = 0; i < len; i++) {
		snprintf(at, sizeof(at), "cost.programs[%zu]", i);
		p = json_object_array_get_idx(list, i);
		if (!json_object_is_type(p, json_type_object))
			return fail(c, at, NULL, "expected an object");
		if ((err = get_str(c, p, at, "name", s->prog[i].name, sizeof(s->prog[i].name),
				   false)) ||
		    (err = get_str(c, p, at, "hook", hook, sizeof(hook), false)) ||
		    (err = get_u64(c, p, at, "runs", UINT64_MAX, &s->prog[i].run_cnt)) ||
		    (err = get_u64(c, p, at, "run_time_ns", UINT64_MAX, &s->prog[i].run_time_ns)) ||
		    (err = get_u64(c, p, at, "calibration_runs", UINT64_MAX,
				   &s->prog[i].calib_cnt)) ||
		    (err = get_u64(c, p, at, "calibration_time_ns", UINT64_MAX,
				   &s->prog[i].calib_time_ns)) ||
		    (err = get_u64(c, p, at, "filter_runs", UINT64_MAX, &s->prog[i].filter_cnt)) ||
		    (err = get_u64(c, p, at, "filter_time_ns", UINT64_MAX,
				   &s->prog[i].filter_time_ns)))
			return err;
		s->prog[i].hook = (__u8)ls_cost_hook_parse(hook);
	}
	s->n = len;
	s->enabled = true;
	snap->has_cost = 1;
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
	c.text = buf;
	c.len = len;
	ret = parse_document(&c);
	if (ret)
		goto cleanup;
	root = c.top.obj;

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
	    (ret = load_groups(&c, root, "peers", &snap->peers, &snap->n_peers)) ||
	    (ret = load_cycle(&c, root, snap)) ||
	    (ret = load_slowest(&c, root, snap)) ||
	    (ret = load_processes(&c, root, snap)) ||
	    (ret = load_intervals(&c, root, snap)) ||
	    (ret = load_cost(&c, root, snap)))
		goto cleanup;
	ls_snapshot_sum_thread_times(snap);

cleanup:
	drop_piece(&c, &c.top);
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
