/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Snapshot model and JSON: round trip, atomic save, and a loader that must
 * turn every kind of broken input into one error line, never a crash.  Run
 * under ASan/UBSan (Makefile SAN_FLAGS), which turns memory bugs into failures.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <json-c/json.h>

#include "hist.h"
#include "snapshot.h"
#include "snapshot_load.h"
#include "snapshot_write.h"
#include "test_util.h"

static char tmpdir[256];

static int group_setup(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "%s/latscope-test-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int group_teardown(void **state)
{
	return nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static const char *tmp_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", tmpdir, name);
	return buf;
}

/*
 * Losses by cause; a process seen whole, one seen only by its calls (pid
 * and comm); a thread of each; strings that need escaping.
 */
static void add_processes(struct ls_snapshot *snap)
{
	struct ls_process *p;
	struct ls_group *g;

	snap->meta.lost = (struct ls_lost){ 3, 4, 904, (1ULL << 63) + 7, 5, 6 };
	p = ls_snapshot_process(snap, 4242);
	assert_non_null(p);
	p->ppid = 1;
	snprintf(p->comm, sizeof(p->comm), "python3");
	assert_int_equal(ls_process_set_str(&p->cmdline, "/usr/bin/python3 /opt/a \"b\".py\t-x"),
			 0);
	assert_int_equal(ls_process_set_str(&p->exe, "/usr/bin/python3.11 (deleted)"), 0);
	assert_int_equal(ls_process_set_str(&p->cgroup, "/system.slice/w\xc3\xa4n.service"), 0);
	p->start_unix_ns = 1700000000000000000ULL;
	p->end_unix_ns = UINT64_MAX;
	p->exited = true;
	p = ls_snapshot_process(snap, 77);
	assert_non_null(p);
	snprintf(p->comm, sizeof(p->comm), "tc");
	g = ls_snapshot_group(&snap->threads, &snap->n_threads, "4243 worker");
	assert_non_null(g);
	g->tgid = 4242;
	add_samples(&add_sc(g->snap, "file", "read", 0)->st, 100, 2);
	g = ls_snapshot_group(&snap->threads, &snap->n_threads, "77 tc");
	assert_non_null(g);
	g->tgid = 77;
	add_samples(&add_sc(g->snap, "tc", "sendmsg", 46)->st, 900, 1);
	ls_snapshot_sort(snap);
}

/*
 * Several subsystems, syscalls and errnos; a sample in the overflow slot;
 * u64 values above INT64_MAX; strings that need JSON escaping.
 */
static struct ls_snapshot *build_rich(void)
{
	struct ls_snapshot *snap = ls_snapshot_new();
	struct ls_syscall_stats *sc;
	__u64 v, seed = 42;
	int i;

	assert_non_null(snap);
	snprintf(snap->meta.latscope_version, sizeof(snap->meta.latscope_version), "0.1.0");
	snprintf(snap->meta.kernel, sizeof(snap->meta.kernel), "6.1.0-18-amd64");
	snprintf(snap->meta.host, sizeof(snap->meta.host), "h\xc3\xb6st");
	snap->meta.ncpus = 8;
	snprintf(snap->meta.cmdline, sizeof(snap->meta.cmdline),
		 "latscope record -o \"a b\".json -- sh -c 'printf \\t/x'\ttab");
	snprintf(snap->meta.target, sizeof(snap->meta.target), "pid 123,456");
	snap->meta.start_unix_ns = 1700000000123456789ULL;
	snap->meta.end_unix_ns = UINT64_MAX;
	snap->meta.duration_ns = 5000000000ULL;
	snap->meta.events = 123456;
	snap->meta.dropped = (1ULL << 63) + 1;
	assert_int_equal(ls_snapshot_add_rule(snap, "router-rest: tcp peer 192.168.88.1 port 443"),
			 0);
	assert_int_equal(ls_snapshot_add_rule(snap, "q\"uote\\d: comm \"a\tb\""), 0);

	sc = add_sc(snap, "tcp:127.0.0.1:18080", "recvfrom", 45);
	for (i = 0; i < 500; i++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		v = 1000 + (seed >> 33) % 2000000;
		add_samples(&sc->st, v, 1);
	}
	sc->st.errors = 4;
	assert_int_equal(ls_syscall_add_errno(sc, EAGAIN, 3), 0);
	assert_int_equal(ls_syscall_add_errno(sc, ECONNRESET, 1), 0);

	sc = add_sc(snap, "tcp:127.0.0.1:18080", "sendto", 44);
	for (v = 0; v < 64; v++)
		add_samples(&sc->st, v, v + 1);

	sc = add_sc(snap, "file", "openat", 257);
	add_samples(&sc->st, 8000, 10);
	sc->st.errors = 5;
	assert_int_equal(ls_syscall_add_errno(sc, ENOENT, 5), 0);

	/* 100 s is past 2^36 ns: the overflow slot. */
	sc = add_sc(snap, "other", "nanosleep", 35);
	add_samples(&sc->st, 100000000000ULL, 2);
	add_samples(&sc->st, 1000, 1);
	assert_int_not_equal(sc->st.slots[LS_HIST_SLOTS - 1], 0);

	/* Above INT64_MAX everywhere json-c would otherwise store an int64. */
	sc = add_sc(snap, "other", "syscall_4294967295", UINT32_MAX);
	sc->st.count = (1ULL << 63) + 5;
	sc->st.errors = (1ULL << 63) + 1;
	sc->st.total_ns = UINT64_MAX - 12345;
	sc->st.min_ns = 1;
	sc->st.max_ns = UINT64_MAX;
	sc->st.slots[1] = 1ULL << 63;
	sc->st.slots[LS_HIST_SLOTS - 1] = 5;
	assert_int_equal(ls_syscall_add_errno(sc, 4095, UINT64_MAX), 0);
	assert_int_equal(ls_syscall_add_errno(sc, 512, 1), 0);

	/* Nothing recorded yet: empty arrays and zero figures. */
	add_sc(snap, "udp:unconnected", "sendto", 44);
	assert_non_null(ls_snapshot_subsys(snap, "netlink:route"));
	add_processes(snap);
	return snap;
}

/* Small but complete: the truncation loop cuts it at every byte. */
static struct ls_snapshot *build_small(void)
{
	struct ls_snapshot *snap = ls_snapshot_new();
	struct ls_syscall_stats *sc;

	assert_non_null(snap);
	snprintf(snap->meta.target, sizeof(snap->meta.target), "cmd true");
	snap->meta.duration_ns = 1000;
	snap->meta.events = 3;
	snap->meta.dropped = 7;
	sc = add_sc(snap, "file", "read", 0);
	add_samples(&sc->st, 100, 2);
	add_samples(&sc->st, 5000, 1);
	sc->st.errors = 1;
	assert_int_equal(ls_syscall_add_errno(sc, EINTR, 1), 0);
	return snap;
}

static void assert_stats_equal(const struct ls_stats *a, const struct ls_stats *b)
{
	size_t i;

	assert_int_equal(a->count, b->count);
	assert_int_equal(a->errors, b->errors);
	assert_int_equal(a->total_ns, b->total_ns);
	assert_int_equal(a->min_ns, b->min_ns);
	assert_int_equal(a->max_ns, b->max_ns);
	assert_int_equal(a->runq_ns, b->runq_ns);
	assert_int_equal(a->max_at_ns, b->max_at_ns);
	for (i = 0; i < LS_HIST_SLOTS; i++) {
		if (a->slots[i] != b->slots[i])
			fail_msg("slot %zu: %llu != %llu", i, (unsigned long long)a->slots[i],
				 (unsigned long long)b->slots[i]);
	}
}

static void assert_snapshot_equal(const struct ls_snapshot *a, const struct ls_snapshot *b)
{
	size_t i, j, k;

	assert_int_equal(a->version, b->version);
	assert_string_equal(a->meta.latscope_version, b->meta.latscope_version);
	assert_string_equal(a->meta.kernel, b->meta.kernel);
	assert_string_equal(a->meta.host, b->meta.host);
	assert_int_equal(a->meta.ncpus, b->meta.ncpus);
	assert_string_equal(a->meta.cmdline, b->meta.cmdline);
	assert_string_equal(a->meta.target, b->meta.target);
	assert_int_equal(a->meta.start_unix_ns, b->meta.start_unix_ns);
	assert_int_equal(a->meta.end_unix_ns, b->meta.end_unix_ns);
	assert_int_equal(a->meta.duration_ns, b->meta.duration_ns);
	assert_int_equal(a->meta.events, b->meta.events);
	assert_int_equal(a->meta.dropped, b->meta.dropped);
	assert_memory_equal(&a->meta.lost, &b->meta.lost, sizeof(a->meta.lost));
	assert_string_equal(a->meta.self_check, b->meta.self_check);
	assert_int_equal(a->n_rules, b->n_rules);
	for (i = 0; i < a->n_rules; i++)
		assert_string_equal(a->rules[i], b->rules[i]);
	assert_int_equal(a->n_threads, b->n_threads);
	for (i = 0; i < a->n_threads; i++) {
		assert_string_equal(a->threads[i].name, b->threads[i].name);
		assert_int_equal(a->threads[i].tgid, b->threads[i].tgid);
	}
	assert_int_equal(a->n_procs, b->n_procs);
	for (i = 0; i < a->n_procs; i++) {
		const struct ls_process *pa = &a->procs[i], *pb = &b->procs[i];

		assert_int_equal(pa->pid, pb->pid);
		assert_int_equal(pa->ppid, pb->ppid);
		assert_string_equal(pa->comm, pb->comm);
		assert_true((pa->cmdline == NULL) == (pb->cmdline == NULL));
		if (pa->cmdline)
			assert_string_equal(pa->cmdline, pb->cmdline);
		assert_true((pa->exe == NULL) == (pb->exe == NULL));
		if (pa->exe)
			assert_string_equal(pa->exe, pb->exe);
		assert_true((pa->cgroup == NULL) == (pb->cgroup == NULL));
		if (pa->cgroup)
			assert_string_equal(pa->cgroup, pb->cgroup);
		assert_int_equal(pa->start_unix_ns, pb->start_unix_ns);
		assert_int_equal(pa->end_unix_ns, pb->end_unix_ns);
		assert_int_equal(pa->exited, pb->exited);
	}

	assert_int_equal(a->n_subsys, b->n_subsys);
	for (i = 0; i < a->n_subsys; i++) {
		const struct ls_subsys *sa = &a->subsys[i], *sb = &b->subsys[i];

		assert_string_equal(sa->name, sb->name);
		assert_int_equal(sa->n_sc, sb->n_sc);
		for (j = 0; j < sa->n_sc; j++) {
			const struct ls_syscall_stats *ca = &sa->sc[j], *cb = &sb->sc[j];

			assert_string_equal(ca->name, cb->name);
			assert_int_equal(ca->nr, cb->nr);
			assert_int_equal(ca->role, cb->role);
			assert_stats_equal(&ca->st, &cb->st);
			assert_int_equal(ca->n_errnos, cb->n_errnos);
			for (k = 0; k < ca->n_errnos; k++) {
				assert_int_equal(ca->errnos[k].err, cb->errnos[k].err);
				assert_int_equal(ca->errnos[k].count, cb->errnos[k].count);
			}
		}
	}
}

static void write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static char *json_text(const struct ls_snapshot *snap, int pretty, size_t *len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	assert_non_null(f);
	assert_int_equal(ls_snapshot_write_json(f, snap, pretty), 0);
	assert_int_equal(fclose(f), 0);
	if (len)
		*len = n;
	return buf;
}

static void make_dir(char *buf, size_t len, const char *name)
{
	tmp_path(buf, len, name);
	assert_int_equal(mkdir(buf, 0700), 0);
}

/* NULL, errno want_errno, one non-empty line in err. */
static void load_error(const char *path, int want_errno, const char *want, char *err,
		       size_t errlen)
{
	struct ls_snapshot *snap;

	memset(err, 'x', errlen);
	errno = 0;
	snap = ls_snapshot_load(path, err, errlen);
	if (snap) {
		ls_snapshot_free(snap);
		fail_msg("%s: loaded, expected an error mentioning '%s'", path, want);
	}
	assert_int_equal(errno, want_errno);
	assert_non_null(memchr(err, '\0', errlen));
	assert_true(err[0] != '\0');
	assert_null(strchr(err, '\n'));
}

/* ... that mentions `want`. */
static void expect_load_error(const char *path, int want_errno, const char *want)
{
	char err[512];

	load_error(path, want_errno, want, err, sizeof(err));
	if (!strstr(err, want))
		fail_msg("error '%s' does not mention '%s'", err, want);
}

/* ... that is exactly "<path>: <want>". */
static void expect_load_error_exact(const char *path, int want_errno, const char *want)
{
	char err[512], full[PATH_MAX + 256];

	load_error(path, want_errno, want, err, sizeof(err));
	snprintf(full, sizeof(full), "%s: %s", path, want);
	assert_string_equal(err, full);
}

/* ---- model helpers ---------------------------------------------------- */

static void snapshot_subsys__same_name__returns_same_entry(void **state)
{
	struct ls_snapshot *snap = ls_snapshot_new();
	struct ls_subsys *a, *b;
	char name[32];
	int i;

	assert_non_null(snap);
	assert_int_equal(snap->version, LS_SNAPSHOT_VERSION);
	/* Enough entries to grow the array several times. */
	for (i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "s%d", i);
		assert_non_null(ls_snapshot_subsys(snap, name));
	}
	assert_int_equal(snap->n_subsys, 1000);
	a = ls_snapshot_subsys(snap, "s567");
	b = ls_snapshot_subsys(snap, "s567");
	assert_ptr_equal(a, b);
	assert_ptr_equal(a, &snap->subsys[567]);
	assert_int_equal(snap->n_subsys, 1000);
	ls_snapshot_free(snap);
	ls_snapshot_free(NULL);
}

static void snapshot_subsys__long_name__truncated_and_found_again(void **state)
{
	struct ls_snapshot *snap = ls_snapshot_new();
	struct ls_subsys *ss;
	char name[300];

	assert_non_null(snap);
	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	ss = ls_snapshot_subsys(snap, name);
	assert_non_null(ss);
	assert_int_equal(strlen(ss->name), sizeof(ss->name) - 1);
	assert_ptr_equal(ls_snapshot_subsys(snap, name), ss);
	assert_int_equal(snap->n_subsys, 1);
	errno = 0;
	assert_null(ls_snapshot_subsys(snap, NULL));
	assert_int_equal(errno, EINVAL);
	/* Empty names would make the saved file unloadable. */
	errno = 0;
	assert_null(ls_snapshot_subsys(snap, ""));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(ls_subsys_syscall(ss, "", 0));
	assert_int_equal(errno, EINVAL);
	ls_snapshot_free(snap);
}

static void subsys_syscall__same_name__returns_same_entry(void **state)
{
	struct ls_snapshot *snap = ls_snapshot_new();
	struct ls_syscall_stats *a, *b;
	struct ls_subsys *ss;
	char name[32];
	int i;

	assert_non_null(snap);
	ss = ls_snapshot_subsys(snap, "file");
	assert_non_null(ss);
	for (i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "syscall_%d", i);
		a = ls_subsys_syscall(ss, name, (__u32)i);
		assert_non_null(a);
		assert_int_equal(a->nr, i);
		a->st.count = (__u64)i;
	}
	a = ls_subsys_syscall(ss, "syscall_42", 999);
	b = &ss->sc[42];
	assert_ptr_equal(a, b);
	/* The first number sticks: the name is the identity. */
	assert_int_equal(a->nr, 42);
	assert_int_equal(a->st.count, 42);
	assert_int_equal(ss->n_sc, 100);
	ls_snapshot_free(snap);
}

static void syscall_add_errno__repeated__accumulates_count(void **state)
{
	struct ls_snapshot *snap = ls_snapshot_new();
	struct ls_syscall_stats *sc;
	int e;

	assert_non_null(snap);
	sc = add_sc(snap, "file", "read", 0);
	for (e = 1; e <= 20; e++)
		assert_int_equal(ls_syscall_add_errno(sc, e, (__u64)e), 0);
	assert_int_equal(ls_syscall_add_errno(sc, EAGAIN, 100), 0);
	assert_int_equal(sc->n_errnos, 20);
	assert_int_equal(sc->errnos[EAGAIN - 1].err, EAGAIN);
	assert_int_equal(sc->errnos[EAGAIN - 1].count, EAGAIN + 100);
	assert_int_equal(ls_syscall_add_errno(sc, 0, 1), -EINVAL);
	assert_int_equal(ls_syscall_add_errno(sc, -5, 1), -EINVAL);
	assert_int_equal(ls_syscall_add_errno(sc, LS_ERRNO_MAX + 1, 1), -EINVAL);
	assert_int_equal(ls_syscall_add_errno(sc, EAGAIN, UINT64_MAX), -EOVERFLOW);
	ls_snapshot_free(snap);
}

static void subsys_total__several_syscalls__merges_all(void **state)
{
	struct ls_snapshot *snap = ls_snapshot_new();
	struct ls_syscall_stats *a, *b;
	struct ls_stats *tot = calloc(1, sizeof(*tot));

	assert_non_null(snap);
	assert_non_null(tot);
	a = add_sc(snap, "file", "read", 0);
	add_samples(&a->st, 500, 3);
	a->st.errors = 1;
	b = add_sc(snap, "file", "write", 1);
	add_samples(&b->st, 50, 1);
	add_samples(&b->st, 9000, 2);
	ls_subsys_total(&snap->subsys[0], tot);
	assert_int_equal(tot->count, 6);
	assert_int_equal(tot->errors, 1);
	assert_int_equal(tot->total_ns, 1500 + 50 + 18000);
	assert_int_equal(tot->min_ns, 50);
	assert_int_equal(tot->max_ns, 9000);
	assert_int_equal(tot->slots[ls_hist_slot(500)], 3);
	assert_int_equal(tot->slots[ls_hist_slot(9000)], 2);
	assert_int_equal(ls_stats_slot_total(tot), 6);
	free(tot);
	ls_snapshot_free(snap);
}

static void snapshot_sort__mixed_order__sorts_by_total_then_name(void **state)
{
	struct ls_snapshot *snap = ls_snapshot_new();
	struct ls_syscall_stats *sc;

	assert_non_null(snap);
	add_samples(&add_sc(snap, "small", "read", 0)->st, 10, 1);
	add_samples(&add_sc(snap, "tie-b", "read", 0)->st, 500, 1);
	add_samples(&add_sc(snap, "big", "read", 0)->st, 100, 1);
	add_samples(&add_sc(snap, "big", "write", 1)->st, 1000, 1);
	add_samples(&add_sc(snap, "big", "close", 3)->st, 1000, 1);
	add_samples(&add_sc(snap, "tie-a", "read", 0)->st, 500, 1);
	sc = add_sc(snap, "small", "open", 2);
	assert_int_equal(ls_syscall_add_errno(sc, ENOENT, 1), 0);
	assert_int_equal(ls_syscall_add_errno(sc, EACCES, 9), 0);
	assert_int_equal(ls_syscall_add_errno(sc, EPERM, 9), 0);

	ls_snapshot_sort(snap);
	assert_string_equal(snap->subsys[0].name, "big");
	assert_string_equal(snap->subsys[1].name, "tie-a");
	assert_string_equal(snap->subsys[2].name, "tie-b");
	assert_string_equal(snap->subsys[3].name, "small");
	assert_string_equal(snap->subsys[0].sc[0].name, "close");
	assert_string_equal(snap->subsys[0].sc[1].name, "write");
	assert_string_equal(snap->subsys[0].sc[2].name, "read");
	sc = &snap->subsys[3].sc[1];
	assert_string_equal(sc->name, "open");
	assert_int_equal(sc->errnos[0].err, EPERM);
	assert_int_equal(sc->errnos[1].err, EACCES);
	assert_int_equal(sc->errnos[2].err, ENOENT);
	ls_snapshot_sort(NULL);
	ls_snapshot_free(snap);
}

static void errno_name__known_kernel_and_unknown__names_or_null(void **state)
{
	assert_string_equal(ls_errno_name(EAGAIN), "EAGAIN");
	assert_string_equal(ls_errno_name(ENOENT), "ENOENT");
	assert_string_equal(ls_errno_name(512), "ERESTARTSYS");
	assert_null(ls_errno_name(4000));
	assert_null(ls_errno_name(0));
}

/* ---- JSON writing and round trip ------------------------------------- */

static void write_json__unknown_errno__named_e_question(void **state)
{
	struct ls_snapshot *snap = build_rich();
	char *text = json_text(snap, 1, NULL);

	assert_non_null(strstr(text, "\"name\": \"E?\""));
	assert_non_null(strstr(text, "\"name\": \"EAGAIN\""));
	assert_non_null(strstr(text, "\"schema\": \"latscope-snapshot\""));
	assert_non_null(strstr(text, "\"version\": 3,"));
	/* The rules in force, escaped as JSON strings. */
	assert_non_null(strstr(text, "\"rules\": [\n"
				     "      \"router-rest: tcp peer 192.168.88.1 port 443\",\n"
				     "      \"q\\\"uote\\\\d: comm \\\"a\\tb\\\"\"\n    ]"));
	/* u64 above INT64_MAX printed exactly, not as a negative int64. */
	assert_non_null(strstr(text, "\"total_ns\": 18446744073709539270"));
	/* The last slot: its own range plus everything from 2^36 ns up. */
	assert_non_null(strstr(text, "[67645734912, 18446744073709551615, 5]"));
	assert_non_null(strstr(text, "[67645734912, 18446744073709551615, 2]"));
	assert_null(strstr(text, "\\/"));
	free(text);
	ls_snapshot_free(snap);
}

static void write_json__compact__is_one_line(void **state)
{
	struct ls_snapshot *snap = build_small();
	size_t len;
	char *text = json_text(snap, 0, &len);

	assert_true(len > 2);
	assert_int_equal(text[len - 1], '\n');
	assert_ptr_equal(strchr(text, '\n'), &text[len - 1]);
	free(text);
	ls_snapshot_free(snap);
}

static void snapshot_json__round_trip__preserves_every_field(void **state)
{
	struct ls_snapshot *snap = build_rich(), *back;
	char path[PATH_MAX], err[256] = "";

	tmp_path(path, sizeof(path), "roundtrip.json");
	assert_int_equal(ls_snapshot_save(snap, path), 0);
	back = ls_snapshot_load(path, err, sizeof(err));
	if (!back)
		fail_msg("load failed: %s", err);
	assert_snapshot_equal(snap, back);

	/* And what it loaded writes the same bytes again. */
	{
		char *a = json_text(snap, 1, NULL), *b = json_text(back, 1, NULL);

		assert_string_equal(a, b);
		free(a);
		free(b);
	}
	ls_snapshot_free(back);
	ls_snapshot_free(snap);
}

/*
 * Version 3: rows of several roles, threads with ids and a time split,
 * the cycle and the slowest calls come back as they went, and the derived
 * budget is written the same from what was loaded.
 */
static void snapshot_json__v3_fields__round_trip(void **state)
{
	struct ls_snapshot *snap = build_rich(), *back;
	struct ls_slow_call slow = { .start_unix_ns = 1700000000123456789ULL,
				     .duration_ns = 300000000, .runq_ns = 42, .tid = 77,
				     .role = LS_ROLE_WORK, .err = ETIMEDOUT, .cycle = 4 };
	struct ls_syscall_stats *sc;
	struct ls_group *g;
	char path[PATH_MAX], err[256] = "";
	char *a, *b;

	sc = ls_subsys_syscall_role(ls_snapshot_subsys(snap, "file"), "read", 0, LS_ROLE_IDLE);
	assert_non_null(sc);
	add_samples(&sc->st, 7000, 3);
	sc->st.runq_ns = 500;
	sc->st.max_at_ns = 1700000000000000001ULL;
	g = ls_snapshot_group(&snap->threads, &snap->n_threads, "77 ctl");
	assert_non_null(g);
	g->tid = 77;
	g->tgid = 70;
	g->flags = LS_THREAD_EXITED;
	g->has_time = 1;
	g->time = (struct ls_time){ .wall_ns = 9, .user_cpu_ns = 1, .user_runq_ns = 2,
				    .user_blocked_ns = 3, .sys_ns = { 4, 5, 6, 7 },
				    .sys_runq_ns = 8, .idle_waits = 10 };
	add_samples(&ls_subsys_syscall(ls_snapshot_subsys(g->snap, "icmp"), "poll", 7)->st,
		    1000, 2);
	snap->has_time = 1;
	snap->time = g->time;
	snap->cycle.found = 1;
	snprintf(snap->cycle.source, sizeof(snap->cycle.source), "auto");
	snprintf(snap->cycle.thread, sizeof(snap->cycle.thread), "77 ctl");
	snprintf(snap->cycle.syscall, sizeof(snap->cycle.syscall), "clock_nanosleep");
	snap->cycle.tid = 77;
	snap->cycle.period_ns = 2000000000ULL;
	add_samples(&snap->cycle.busy, 11000000, 9);
	snprintf(slow.thread, sizeof(slow.thread), "ctl");
	snprintf(slow.subsys, sizeof(slow.subsys), "tcp:192.168.88.1:443");
	snprintf(slow.syscall, sizeof(slow.syscall), "poll");
	snprintf(slow.where, sizeof(slow.where), "/var/log/x");
	assert_int_equal(ls_snapshot_add_slow(snap, &slow), 0);
	snap->slow_threshold_ns = 200000000;
	snap->slow_calls = 3;
	snap->events_lost = 1;
	snprintf(snap->meta.self_check, sizeof(snap->meta.self_check), "fallback");

	tmp_path(path, sizeof(path), "v3.json");
	assert_int_equal(ls_snapshot_save(snap, path), 0);
	back = ls_snapshot_load(path, err, sizeof(err));
	if (!back)
		fail_msg("load failed: %s", err);
	assert_snapshot_equal(snap, back);
	/* build_rich's own threads come first */
	assert_int_equal(back->n_threads, 3);
	assert_string_equal(back->threads[2].name, "77 ctl");
	assert_int_equal(back->threads[2].tid, 77);
	assert_int_equal(back->threads[2].tgid, 70);
	assert_int_equal(back->threads[2].flags, LS_THREAD_EXITED);
	assert_memory_equal(&back->threads[2].time, &g->time, sizeof(g->time));
	assert_true(back->has_time);
	assert_memory_equal(&back->time, &g->time, sizeof(g->time));
	assert_true(back->cycle.found);
	assert_string_equal(back->cycle.syscall, "clock_nanosleep");
	assert_int_equal(back->cycle.period_ns, 2000000000ULL);
	assert_stats_equal(&back->cycle.busy, &snap->cycle.busy);
	assert_int_equal(back->n_slowest, 1);
	assert_memory_equal(&back->slowest[0], &snap->slowest[0], sizeof(slow));
	assert_int_equal(back->slow_threshold_ns, 200000000);
	assert_int_equal(back->slow_calls, 3);
	assert_int_equal(back->events_lost, 1);
	a = json_text(snap, 1, NULL);
	b = json_text(back, 1, NULL);
	assert_string_equal(a, b);
	free(a);
	free(b);
	ls_snapshot_free(back);
	ls_snapshot_free(snap);
}

/* The cost sample round-trips; the estimate is written for readers; no cost: no member. */
static void snapshot_json__cost__round_trip_and_absent_when_not_measured(void **state)
{
	struct ls_snapshot *snap = build_rich(), *back;
	char path[PATH_MAX], err[256] = "";
	char *a, *b;

	a = json_text(snap, 1, NULL);
	assert_null(strstr(a, "\"cost\""));
	free(a);
	snap->has_cost = 1;
	snap->cost = (struct ls_cost_sample){ .enabled = true, .n = 2, .windows = 3,
					      .sampled_ns = 150000000, .run_ns = 2500000000ULL,
					      .window_ns = 50000000, .period_ns = 1000000000,
					      .traced_calls = 10, .traced_ns = { 10 * 140, 0 } };
	snprintf(snap->cost.prog[0].name, sizeof(snap->cost.prog[0].name), "handle_sys_enter");
	snap->cost.prog[0].hook = LS_HOOK_SYS_ENTER;
	snap->cost.prog[0].run_cnt = 110;
	snap->cost.prog[0].run_time_ns = 100 * 60 + 10 * 200;
	snap->cost.prog[0].calib_cnt = 4096;
	snap->cost.prog[0].calib_time_ns = 4096 * 60;
	snap->cost.prog[0].filter_cnt = 4096;
	snap->cost.prog[0].filter_time_ns = 4096 * 60;
	snprintf(snap->cost.prog[1].name, sizeof(snap->cost.prog[1].name), "handle_switch");
	snap->cost.prog[1].hook = LS_HOOK_SWITCH;
	snap->cost.prog[1].run_cnt = 7;
	snap->cost.prog[1].run_time_ns = 700;
	tmp_path(path, sizeof(path), "cost.json");
	assert_int_equal(ls_snapshot_save(snap, path), 0);
	back = ls_snapshot_load(path, err, sizeof(err));
	if (!back)
		fail_msg("load failed: %s", err);
	assert_true(back->has_cost);
	assert_memory_equal(&back->cost, &snap->cost, sizeof(snap->cost));
	a = json_text(snap, 1, NULL);
	b = json_text(back, 1, NULL);
	assert_string_equal(a, b);
	free(a);
	a = json_text(back, 0, NULL);
	/* 200 ns per traced call on sys_enter, no sys_exit program: 200 in all */
	assert_non_null(strstr(a, "\"traced_ns_per_syscall\":200.0"));
	assert_non_null(strstr(a, "\"ns_per_context_switch\":100.0"));
	free(a);
	free(b);
	ls_snapshot_free(back);
	ls_snapshot_free(snap);
}

/* Before version 3 every row is work, and an unknown role is refused. */
static void snapshot_load__roles__v2_all_work_bad_role_refused(void **state)
{
	struct ls_snapshot *snap;
	char err[256] = "", path[PATH_MAX];
	size_t i, j;
	char *text, *at;
	size_t len;

	snap = ls_snapshot_load(FIXTURES "report_basic.json", err, sizeof(err));
	if (!snap)
		fail_msg("%s", err);
	for (i = 0; i < snap->n_subsys; i++)
		for (j = 0; j < snap->subsys[i].n_sc; j++)
			assert_int_equal(snap->subsys[i].sc[j].role, LS_ROLE_WORK);
	ls_snapshot_free(snap);
	snap = ls_snapshot_load(FIXTURES "snapshot_v1.json", err, sizeof(err));
	if (!snap)
		fail_msg("%s", err);
	assert_false(snap->has_time);
	assert_false(snap->cycle.found);
	ls_snapshot_free(snap);

	text = slurp(FIXTURES "report_basic.json", &len);
	assert_non_null(text);
	at = strstr(text, "\"role\": \"work\"");
	assert_non_null(at);
	memcpy(at, "\"role\": \"wonk\"", 14);
	tmp_path(path, sizeof(path), "badrole.json");
	write_file(path, text, len);
	free(text);
	expect_load_error(path, EINVAL, "unknown role \"wonk\"");
}

static void snapshot_save__success__leaves_no_tmp_file(void **state)
{
	struct ls_snapshot *snap = build_rich();
	char dir[PATH_MAX], path[PATH_MAX + 32];
	struct stat st;

	make_dir(dir, sizeof(dir), "atomic");
	snprintf(path, sizeof(path), "%s/snap.json", dir);
	assert_int_equal(ls_snapshot_save(snap, path), 0);
	/* Replacing an existing snapshot goes through a temporary file as well. */
	assert_int_equal(ls_snapshot_save(snap, path), 0);
	assert_int_equal(count_entries(dir), 1);
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_size > 0);
	ls_snapshot_free(snap);
}

static void snapshot_save__rename_fails__removes_tmp_file(void **state)
{
	struct ls_snapshot *snap = build_small();
	char dir[PATH_MAX], path[PATH_MAX + 32];

	make_dir(dir, sizeof(dir), "rename");
	/* A directory where the file should go: rename() fails with EISDIR. */
	snprintf(path, sizeof(path), "%s/target", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(ls_snapshot_save(snap, path), -EISDIR);
	assert_int_equal(count_entries(dir), 1);

	snprintf(path, sizeof(path), "%s/missing/snap.json", dir);
	assert_int_equal(ls_snapshot_save(snap, path), -ENOENT);
	assert_int_equal(ls_snapshot_save(snap, NULL), -EINVAL);
	assert_int_equal(count_entries(dir), 1);
	ls_snapshot_free(snap);
}

static void snapshot_save__write_fails__keeps_old_file(void **state)
{
	struct ls_snapshot *snap = build_rich();
	char dir[PATH_MAX], path[PATH_MAX + 32], buf[16] = "";
	struct rlimit old, small;
	void (*old_handler)(int);
	int ret;
	FILE *f;

	make_dir(dir, sizeof(dir), "full");
	snprintf(path, sizeof(path), "%s/snap.json", dir);
	write_file(path, "old", 3);

	/* A tiny file size limit makes write() fail with EFBIG part way. */
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	small = old;
	small.rlim_cur = 4096;
	old_handler = signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	ret = ls_snapshot_save(snap, path);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, old_handler);

	assert_int_equal(ret, -EFBIG);
	assert_int_equal(count_entries(dir), 1);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_string_equal(buf, "old");
	ls_snapshot_free(snap);
}

/* ---- load errors ------------------------------------------------------- */

static void snapshot_load__missing_file__fails(void **state)
{
	char path[PATH_MAX];
	struct ls_snapshot *snap;

	expect_load_error(tmp_path(path, sizeof(path), "does-not-exist.json"), ENOENT,
			  "does-not-exist.json: No such file or directory");
	expect_load_error(tmpdir, EISDIR, "Is a directory");
	/* No error buffer at all is allowed too. */
	snap = ls_snapshot_load(path, NULL, 0);
	assert_null(snap);
	assert_int_equal(errno, ENOENT);
}

static void snapshot_load__empty_file__fails(void **state)
{
	char path[PATH_MAX];

	tmp_path(path, sizeof(path), "empty.json");
	write_file(path, "", 0);
	expect_load_error(path, EINVAL, "empty.json: file is empty");
	write_file(path, " \n\t ", 4);
	expect_load_error(path, EINVAL, "truncated JSON");
}

static void snapshot_load__truncated_json__fails_at_every_cut(void **state)
{
	struct ls_snapshot *snap = build_small(), *whole;
	char path[PATH_MAX];
	size_t len, cut, end;
	int pretty;

	tmp_path(path, sizeof(path), "cut.json");
	for (pretty = 0; pretty <= 1; pretty++) {
		char *text = json_text(snap, pretty, &len);

		/* Up to the closing brace: every shorter prefix is incomplete. */
		end = (size_t)(strrchr(text, '}') - text);
		for (cut = 0; cut <= end; cut++) {
			write_file(path, text, cut);
			expect_load_error(path, EINVAL, cut ? "cut.json: truncated JSON"
							    : "cut.json: file is empty");
		}
		write_file(path, text, end + 1);
		whole = ls_snapshot_load(path, NULL, 0);
		assert_non_null(whole);
		ls_snapshot_free(whole);
		free(text);
	}
	ls_snapshot_free(snap);
}

static void snapshot_load__not_json_or_extra_data__fails(void **state)
{
	static const char nested[] = "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1";
	struct ls_snapshot *snap = build_small();
	char path[PATH_MAX], *text, *bad;
	size_t len;

	tmp_path(path, sizeof(path), "notjson.json");
	write_file(path, "hello", 5);
	expect_load_error(path, EINVAL, "invalid JSON at byte");
	write_file(path, "[1, 2]", 6);
	expect_load_error(path, EINVAL, "expected a JSON object at the top level");
	write_file(path, "{}", 2);
	expect_load_error(path, EINVAL, "notjson.json: schema: missing");
	write_file(path, nested, sizeof(nested) - 1);
	expect_load_error(path, EINVAL, "invalid JSON");

	text = json_text(snap, 0, &len);
	bad = malloc(len + 2);
	assert_non_null(bad);
	memcpy(bad, text, len);
	memcpy(bad + len, "x", 2);
	write_file(path, bad, len + 1);
	expect_load_error(path, EINVAL, "unexpected data after the JSON document");
	/* json-c would stop quietly at a NUL byte. */
	bad[len] = '\0';
	write_file(path, bad, len + 2);
	expect_load_error(path, EINVAL, "unexpected data after the JSON document");
	free(bad);
	free(text);
	ls_snapshot_free(snap);
}

static void snapshot_load__oversized_file__fails_without_reading(void **state)
{
	char path[PATH_MAX];
	int fd;

	tmp_path(path, sizeof(path), "huge.json");
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	/* Sparse: 64 MiB + 1 byte that take no disk space. */
	assert_int_equal(ftruncate(fd, (64L << 20) + 1), 0);
	close(fd);
	expect_load_error(path, EFBIG, "huge.json: file is too large");
	unlink(path);
}

static void snapshot_load__integer_beyond_u64__fails(void **state)
{
	struct ls_snapshot *snap = build_small(), *back;
	char path[PATH_MAX], *text, *p, *bad;
	size_t len;

	tmp_path(path, sizeof(path), "bigint.json");
	text = json_text(snap, 0, &len);
	p = strstr(text, "\"dropped\":7");
	assert_non_null(p);
	assert_true(asprintf(&bad, "%.*s\"dropped\":18446744073709551616%s", (int)(p - text),
			     text, p + strlen("\"dropped\":7")) > 0);
	write_file(path, bad, strlen(bad));
	expect_load_error(path, EINVAL, "does not fit in 64 bits");
	free(bad);

	/* UINT64_MAX itself is fine, with or without leading zeros elsewhere. */
	assert_true(asprintf(&bad, "%.*s\"dropped\":18446744073709551615%s", (int)(p - text),
			     text, p + strlen("\"dropped\":7")) > 0);
	write_file(path, bad, strlen(bad));
	back = ls_snapshot_load(path, NULL, 0);
	assert_non_null(back);
	assert_int_equal(back->meta.dropped, UINT64_MAX);
	ls_snapshot_free(back);
	free(bad);
	free(text);
	ls_snapshot_free(snap);
}

/*
 * Mutations of a valid document.  The path syntax is the loader's own:
 * "a.b[2][0]".  An empty `key` at the end of a path means "delete it".
 */
static json_object *walk(json_object *o, const char *path, char *last, size_t lastlen)
{
	const char *p = path;
	char key[64];
	size_t n;

	for (;;) {
		if (*p == '[') {
			long idx = strtol(p + 1, (char **)&p, 10);

			assert_int_equal(*p, ']');
			p++;
			snprintf(key, sizeof(key), "[%ld]", idx);
		} else {
			n = strcspn(p, ".[");
			assert_true(n < sizeof(key));
			memcpy(key, p, n);
			key[n] = '\0';
			p += n;
		}
		if (*p == '.')
			p++;
		if (!*p) {
			snprintf(last, lastlen, "%s", key);
			return o;
		}
		if (key[0] == '[')
			o = json_object_array_get_idx(o, (size_t)atol(key + 1));
		else
			assert_true(json_object_object_get_ex(o, key, &o));
		assert_non_null(o);
	}
}

/* json-c represents JSON null as a NULL pointer, hence the separate del. */
static void set_path(json_object *root, const char *path, json_object *val, int del)
{
	char last[64];
	json_object *parent = walk(root, path, last, sizeof(last));

	if (last[0] == '[')
		assert_int_equal(json_object_array_put_idx(parent, (size_t)atol(last + 1), val), 0);
	else if (del)
		json_object_object_del(parent, last);
	else
		assert_int_equal(json_object_object_add(parent, last, val), 0);
}

enum val_kind { V_STR, V_INT, V_NEG, V_DBL, V_BOOL, V_NULL, V_ARR, V_OBJ, V_DEL, V_BIG };

static json_object *make_val(enum val_kind k)
{
	switch (k) {
	case V_STR: return json_object_new_string("12");
	case V_INT: return json_object_new_int(5);
	case V_NEG: return json_object_new_int(-1);
	case V_DBL: return json_object_new_double(1.5);
	case V_BOOL: return json_object_new_boolean(1);
	case V_ARR: return json_object_new_array();
	case V_OBJ: return json_object_new_object();
	case V_BIG: return json_object_new_int64(1LL << 32);
	default: return NULL;	/* V_NULL, V_DEL */
	}
}

struct mutation {
	const char *path;
	enum val_kind val;
	const char *want;	/* substring of the error, after "<file>: " */
};

static void expect_mutation_fails(const char *base_text, const struct mutation *m)
{
	char path[PATH_MAX], want[256];
	json_object *root = json_tokener_parse(base_text);
	const char *text;

	assert_non_null(root);
	set_path(root, m->path, make_val(m->val), m->val == V_DEL);
	text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN);
	tmp_path(path, sizeof(path), "mutated.json");
	write_file(path, text, strlen(text));
	snprintf(want, sizeof(want), "mutated.json: %s", m->want);
	expect_load_error(path, EINVAL, want);
	json_object_put(root);
}

#define SC "subsystems[0].syscalls[0]"

static void snapshot_load__wrong_type_for_each_field__fails(void **state)
{
	static const struct mutation cases[] = {
		{ "schema", V_INT, "schema: expected a string" },
		{ "version", V_STR, "version: expected an integer" },
		{ "meta", V_ARR, "meta: expected an object" },
		{ "meta.latscope_version", V_INT, "meta.latscope_version: expected a string" },
		{ "meta.kernel", V_NULL, "meta.kernel: expected a string" },
		{ "meta.host", V_ARR, "meta.host: expected a string" },
		{ "meta.ncpus", V_STR, "meta.ncpus: expected an integer" },
		{ "meta.cmdline", V_INT, "meta.cmdline: expected a string" },
		{ "meta.target", V_OBJ, "meta.target: expected a string" },
		{ "meta.start_unix_ns", V_DBL, "meta.start_unix_ns: expected an integer" },
		{ "meta.end_unix_ns", V_STR, "meta.end_unix_ns: expected an integer" },
		{ "meta.duration_ns", V_BOOL, "meta.duration_ns: expected an integer" },
		{ "meta.events", V_NULL, "meta.events: expected an integer" },
		{ "meta.dropped", V_ARR, "meta.dropped: expected an integer" },
		{ "meta.rules", V_STR, "meta.rules: expected an array" },
		{ "histogram", V_STR, "histogram: expected an object" },
		{ "histogram.kind", V_INT, "histogram.kind: expected a string" },
		{ "histogram.sub_buckets", V_STR, "histogram.sub_buckets: expected an integer" },
		{ "histogram.max_log2", V_DBL, "histogram.max_log2: expected an integer" },
		{ "histogram.slots", V_NULL, "histogram.slots: expected an integer" },
		{ "histogram.unit", V_INT, "histogram.unit: expected a string" },
		{ "subsystems", V_OBJ, "subsystems: expected an array" },
		{ "subsystems[0]", V_STR, "subsystems[0]: expected an object" },
		{ "subsystems[0].name", V_INT, "subsystems[0].name: expected a string" },
		{ "subsystems[0].syscalls", V_OBJ, "subsystems[0].syscalls: expected an array" },
		{ SC, V_INT, SC ": expected an object" },
		{ SC ".syscall", V_INT, SC ".syscall: expected a string" },
		{ SC ".nr", V_STR, SC ".nr: expected an integer" },
		{ SC ".count", V_STR, SC ".count: expected an integer" },
		{ SC ".errors", V_BOOL, SC ".errors: expected an integer" },
		{ SC ".total_ns", V_DBL, SC ".total_ns: expected an integer" },
		{ SC ".min_ns", V_ARR, SC ".min_ns: expected an integer" },
		{ SC ".max_ns", V_OBJ, SC ".max_ns: expected an integer" },
		{ SC ".errnos", V_STR, SC ".errnos: expected an array" },
		{ SC ".errnos[0]", V_INT, SC ".errnos[0]: expected an object" },
		{ SC ".errnos[0].errno", V_STR, SC ".errnos[0].errno: expected an integer" },
		{ SC ".errnos[0].count", V_DBL, SC ".errnos[0].count: expected an integer" },
		{ SC ".buckets", V_OBJ, SC ".buckets: expected an array" },
		{ SC ".buckets[0]", V_INT, SC ".buckets[0]: expected [lower_ns, upper_ns, count]" },
		{ SC ".buckets[0][0]", V_STR, SC ".buckets[0][0]: expected an integer" },
		{ SC ".buckets[0][1]", V_NULL, SC ".buckets[0][1]: expected an integer" },
		{ SC ".buckets[0][2]", V_DBL, SC ".buckets[0][2]: expected an integer" },
	};
	struct ls_snapshot *snap = build_small();
	char *text = json_text(snap, 0, NULL);
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_mutation_fails(text, &cases[i]);
	free(text);
	ls_snapshot_free(snap);
}

static void snapshot_load__missing_or_out_of_range__fails(void **state)
{
	static const struct mutation cases[] = {
		{ "meta.host", V_DEL, "meta.host: missing" },
		{ "histogram", V_DEL, "histogram: missing" },
		{ "subsystems", V_DEL, "subsystems: missing" },
		{ SC ".buckets", V_DEL, SC ".buckets: missing" },
		{ SC ".count", V_DEL, SC ".count: missing" },
		{ SC ".count", V_NEG, SC ".count: must not be negative" },
		{ SC ".total_ns", V_NEG, SC ".total_ns: must not be negative" },
		{ SC ".nr", V_BIG, SC ".nr: 4294967296 is out of range" },
		{ SC ".errnos[0].count", V_NEG, SC ".errnos[0].count: must not be negative" },
		{ SC ".errnos[0].errno", V_NEG, SC ".errnos[0].errno: must not be negative" },
		{ SC ".buckets[0][2]", V_NEG, SC ".buckets[0][2]: must not be negative" },
		{ "meta.ncpus", V_NEG, "meta.ncpus: must not be negative" },
		{ "version", V_NEG, "version: expected a positive integer" },
	};
	struct ls_snapshot *snap = build_small();
	char *text = json_text(snap, 0, NULL);
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_mutation_fails(text, &cases[i]);
	free(text);
	ls_snapshot_free(snap);
}

/* Replace the value at `path` with the JSON text `value` and save as bad.json. */
static void write_text_mutation(const char *base, const char *path, const char *value,
				char *file, size_t len)
{
	json_object *root = json_tokener_parse(base), *val = json_tokener_parse(value);
	const char *text;

	assert_non_null(root);
	assert_non_null(val);
	set_path(root, path, val, 0);
	text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN);
	tmp_path(file, len, "bad.json");
	write_file(file, text, strlen(text));
	json_object_put(root);
}

/* ... and expect an error that mentions `want`. */
static void expect_text_mutation_fails(const char *base, const char *path, const char *value,
				       const char *want)
{
	char file[PATH_MAX], full[512];

	write_text_mutation(base, path, value, file, sizeof(file));
	snprintf(full, sizeof(full), "bad.json: %s", want);
	expect_load_error(file, EINVAL, full);
}

/* ... and expect exactly the error "<file>: <want>". */
static void expect_text_mutation_fails_exact(const char *base, const char *path,
					     const char *value, const char *want)
{
	char file[PATH_MAX];

	write_text_mutation(base, path, value, file, sizeof(file));
	expect_load_error_exact(file, EINVAL, want);
}

/* Two -i intervals of 1 s: tc's calls in both, icmp's in the second only. */
static struct ls_snapshot *with_intervals(void)
{
	struct ls_snapshot *snap = build_small(), *iv;
	int k;

	for (k = 0; k < 2; k++) {
		iv = ls_snapshot_new();
		assert_non_null(iv);
		iv->meta.start_unix_ns = 1000000000ULL * (10 + k);
		iv->meta.end_unix_ns = 1000000000ULL * (11 + k);
		add_samples(&add_sc(iv, "tc", "sendto", 44)->st, 20000, 5);
		add_samples(&add_sc(iv, "tc", "recvmsg", 47)->st, 2000, 10 + k);
		if (k)
			add_samples(&add_sc(iv, "icmp", "sendto", 44)->st, 50000, 3);
		/* a subsystem without calls in an interval is left out of it */
		add_sc(iv, "file", "read", 0);
		assert_int_equal(ls_snapshot_add_interval(snap, iv, k), 0);
		ls_snapshot_free(iv);
	}
	return snap;
}

static void snapshot_intervals__added__summed_per_subsystem_and_kept(void **state)
{
	struct ls_snapshot *snap = with_intervals(), *back;
	char path[PATH_MAX], err[256] = "";
	char *a, *b;

	assert_int_equal(snap->n_intervals, 2);
	assert_int_equal(snap->intervals[0].n_ss, 1);
	assert_string_equal(snap->intervals[0].ss[0].name, "tc");
	assert_int_equal(snap->intervals[0].ss[0].count, 15);
	assert_int_equal(snap->intervals[0].ss[0].total_ns, 5 * 20000 + 10 * 2000);
	assert_int_equal(snap->intervals[0].ss[0].p99_ns, 20000);
	assert_int_equal(snap->intervals[0].ss[0].p50_ns, 2000);
	assert_int_equal(snap->intervals[1].n_ss, 2);
	assert_int_equal(snap->intervals[1].partial, 1);

	tmp_path(path, sizeof(path), "intervals.json");
	assert_int_equal(ls_snapshot_save(snap, path), 0);
	back = ls_snapshot_load(path, err, sizeof(err));
	if (!back)
		fail_msg("load failed: %s", err);
	a = json_text(snap, 1, NULL);
	b = json_text(back, 1, NULL);
	assert_string_equal(a, b);
	assert_non_null(strstr(a, "\"intervals\": ["));
	free(a);
	free(b);
	ls_snapshot_free(back);
	ls_snapshot_free(snap);
}

static void snapshot_intervals__bad_or_too_many__refused(void **state)
{
	struct ls_snapshot *snap = with_intervals(), *iv = ls_snapshot_new();
	char *text = json_text(snap, 0, NULL);
	size_t i;

	expect_text_mutation_fails(text, "intervals[1].start_unix_ns", "10500000000",
				   "intervals[1]: not after the one before");
	expect_text_mutation_fails(text, "intervals[0].end_unix_ns", "9",
				   "intervals[0]: not after the one before, or ending before");
	expect_text_mutation_fails(text, "intervals[0].subsystems[0].errors", "16",
				   "intervals[0].subsystems[0].errors: 16 is out of range (at most 15)");
	expect_text_mutation_fails(text, "intervals[0].subsystems[0].p50_ns", "30000",
				   "intervals[0].subsystems[0].p50_ns: 30000 is out of range");
	expect_text_mutation_fails(text, "intervals[0].partial", "0",
				   "intervals[0].partial: expected true or false");
	expect_text_mutation_fails(text, "intervals[1].subsystems[0].name", "\"\"",
				   "intervals[1].subsystems[0].name: must not be empty");
	expect_text_mutation_fails(text, "intervals", "{}", "intervals: expected an array");
	free(text);

	/* the limits the loader checks hold for what record keeps too */
	assert_non_null(iv);
	for (i = snap->n_intervals; i < LS_SNAPSHOT_MAX_INTERVALS; i++)
		assert_int_equal(ls_snapshot_add_interval(snap, iv, 0), 0);
	assert_int_equal(ls_snapshot_add_interval(snap, iv, 0), -E2BIG);
	assert_int_equal(snap->n_intervals, LS_SNAPSHOT_MAX_INTERVALS);
	ls_snapshot_free(iv);
	ls_snapshot_free(snap);
}

/* What is saved loads again: intervals beyond the document's subsystems limit go. */
static void snapshot_fit_intervals__too_many_rows__last_dropped(void **state)
{
	struct ls_snapshot *snap = with_intervals();
	size_t i;

	assert_int_equal(ls_snapshot_fit_intervals(snap), 0);
	assert_int_equal(snap->n_intervals, 2);
	/* fill the document's subsystems up to one short of the limit */
	for (i = snap->n_subsys; i < LS_SNAPSHOT_MAX_SUBSYS_ALL - 2; i++) {
		struct ls_group *g;
		char name[32];

		snprintf(name, sizeof(name), "%zu x", i);
		g = ls_snapshot_group(&snap->threads, &snap->n_threads, name);
		assert_non_null(g);
		assert_non_null(ls_snapshot_subsys(g->snap, "tc"));
	}
	/* 1 + 2 rows of the two intervals: the second one goes */
	assert_int_equal(ls_snapshot_fit_intervals(snap), 1);
	assert_int_equal(snap->n_intervals, 1);
	ls_snapshot_free(snap);
}

static void snapshot_cycle_starts__saved__loaded_back_and_checked(void **state)
{
	const __u64 starts[] = { 1000, 2000, 3500 }, bad[] = { 1000, 1000 };
	struct ls_snapshot *snap = build_small(), *back;
	char path[PATH_MAX], err[256] = "", *text;

	snap->cycle.found = 1;
	snap->cycle.tid = 7;
	snap->cycle.period_ns = 1000;
	snprintf(snap->cycle.source, sizeof(snap->cycle.source), "auto");
	add_samples(&snap->cycle.busy, 300, 2);
	assert_int_equal(ls_snapshot_set_cycle_starts(snap, bad, 2), -EINVAL);
	assert_int_equal(ls_snapshot_set_cycle_starts(snap, starts, 3), 0);
	tmp_path(path, sizeof(path), "starts.json");
	assert_int_equal(ls_snapshot_save(snap, path), 0);
	back = ls_snapshot_load(path, err, sizeof(err));
	if (!back)
		fail_msg("load failed: %s", err);
	assert_int_equal(back->n_cycle_starts, 3);
	assert_memory_equal(back->cycle_starts, starts, sizeof(starts));
	text = json_text(snap, 0, NULL);
	assert_non_null(strstr(text, "\"starts_unix_ns\":[1000,2000,3500]"));
	expect_text_mutation_fails(text, "cycle.starts_unix_ns", "[5, 4]",
				   "cycle.starts_unix_ns[1]: not after the one before");
	expect_text_mutation_fails(text, "cycle.starts_unix_ns", "[-5]",
				   "cycle.starts_unix_ns[0]: must not be negative");
	free(text);
	ls_snapshot_free(back);
	ls_snapshot_free(snap);
}

static void snapshot_load__bad_values__fails(void **state)
{
	struct ls_snapshot *snap = build_small();
	char *text = json_text(snap, 0, NULL), long_name[200];

	snprintf(long_name, sizeof(long_name), "\"%0150d\"", 7);

	expect_text_mutation_fails(text, "version", "4",
				   "unsupported snapshot version 4 (this latscope reads 1 to 3)");
	expect_text_mutation_fails(text, "version", "0", "version: expected a positive integer");
	expect_text_mutation_fails(text, "schema", "\"other-tool\"",
				   "schema: expected \"latscope-snapshot\"");
	expect_text_mutation_fails(text, "histogram.sub_buckets", "16",
				   "histogram: geometry differs from this latscope's");
	expect_text_mutation_fails(text, "histogram.slots", "1023", "histogram: geometry differs");
	expect_text_mutation_fails(text, "histogram.kind", "\"log2\"",
				   "histogram: geometry differs");
	expect_text_mutation_fails(text, "histogram.unit", "\"us\"", "histogram: geometry differs");
	/* 65 lies inside the slot [64, 66). */
	expect_text_mutation_fails(text, SC ".buckets[0]", "[65, 66, 1]", SC ".buckets[0]: "
				   "lower_ns 65 is not the start of a histogram slot");
	expect_text_mutation_fails(text, SC ".buckets[0]", "[64, 67, 1]",
				   SC ".buckets[0]: upper_ns 67 does not end the slot");
	expect_text_mutation_fails(text, SC ".buckets[1]", "[100, 102, 4]",
				   SC ".buckets[1]: duplicate bucket for the slot starting at 100");
	expect_text_mutation_fails(text, SC ".buckets[0]", "[1, 2]",
				   SC ".buckets[0]: expected [lower_ns, upper_ns, count]");
	expect_text_mutation_fails(text, SC ".errnos[0].errno", "0",
				   SC ".errnos[0].errno: must be positive");
	expect_text_mutation_fails(text, SC ".errnos[0].errno", "5000",
				   SC ".errnos[0].errno: 5000 is out of range (at most 4095)");
	expect_text_mutation_fails(text, SC ".errnos[1]", "{\"errno\": 4, \"count\": 1}",
				   SC ".errnos[1].errno: duplicate errno 4");
	expect_text_mutation_fails(text, "meta.ncpus", "2147483648",
				   "meta.ncpus: 2147483648 is out of range");
	expect_text_mutation_fails(text, "subsystems[0].name", "\"\"",
				   "subsystems[0].name: must not be empty");
	expect_text_mutation_fails(text, "subsystems[0].name", long_name,
				   "subsystems[0].name: too long (150 bytes, at most 95)");
	expect_text_mutation_fails(text, "meta.host", "\"a\\u0000b\"",
				   "meta.host: contains a NUL character");
	expect_text_mutation_fails(text, SC ".syscall", "\"\"", SC ".syscall: must not be empty");
	expect_text_mutation_fails(text, "subsystems[1]", "{\"name\": \"file\", \"syscalls\": []}",
				   "subsystems[1].name: duplicate subsystem \"file\"");
	expect_text_mutation_fails(text, "subsystems[0].syscalls[1]",
				   "{\"syscall\": \"read\", \"nr\": 0}",
				   "subsystems[0].syscalls[1].syscall: duplicate syscall \"read\"");
	free(text);
	ls_snapshot_free(snap);
}

/*
 * build_small() with the slices: threads "101 main" and "102 worker" (three
 * syscalls, so threads[1]...syscalls[2] exists) and peer "10.0.0.1:443".
 * The writer keeps the order they were added in.
 */
static struct ls_snapshot *build_groups(void)
{
	struct ls_snapshot *snap = build_small();
	struct ls_syscall_stats *sc;
	struct ls_group *g;

	g = ls_snapshot_group(&snap->threads, &snap->n_threads, "101 main");
	assert_non_null(g);
	add_samples(&add_sc(g->snap, "file", "read", 0)->st, 100, 2);
	g = ls_snapshot_group(&snap->threads, &snap->n_threads, "102 worker");
	assert_non_null(g);
	add_samples(&add_sc(g->snap, "tcp:10.0.0.1:443", "connect", 42)->st, 5000, 1);
	add_samples(&add_sc(g->snap, "tcp:10.0.0.1:443", "sendto", 44)->st, 3000, 4);
	add_samples(&add_sc(g->snap, "tcp:10.0.0.1:443", "recvfrom", 45)->st, 100, 4);
	g = ls_snapshot_group(&snap->peers, &snap->n_peers, "10.0.0.1:443");
	assert_non_null(g);
	sc = add_sc(g->snap, "tcp:10.0.0.1:443", "recvfrom", 45);
	add_samples(&sc->st, 100, 4);
	sc->st.errors = 1;
	assert_int_equal(ls_syscall_add_errno(sc, EAGAIN, 1), 0);
	add_samples(&add_sc(g->snap, "icmp", "sendto", 44)->st, 20000, 1);
	return snap;
}

/* The group is part of the path: "subsystems[0]..." alone names the wrong spot. */
static void snapshot_load__bad_value_in_thread__names_thread(void **state)
{
	struct ls_snapshot *snap = build_groups(), *back;
	char *text = json_text(snap, 0, NULL), path[PATH_MAX], err[256];

	/* The unmutated text loads, so each error below comes from its mutation. */
	write_file(tmp_path(path, sizeof(path), "groups.json"), text, strlen(text));
	back = ls_snapshot_load(path, err, sizeof(err));
	if (!back)
		fail_msg("%s", err);
	assert_int_equal(back->n_threads, 2);
	ls_snapshot_free(back);

	expect_text_mutation_fails_exact(text, "threads[1].subsystems[0].syscalls[2].count",
					 "\"12\"",
					 "threads[1].subsystems[0].syscalls[2].count: "
					 "expected an integer");
	expect_text_mutation_fails_exact(text, "threads[1].subsystems[0].syscalls[1].buckets[0]",
					 "[65, 66, 1]",
					 "threads[1].subsystems[0].syscalls[1].buckets[0]: "
					 "lower_ns 65 is not the start of a histogram slot");
	expect_text_mutation_fails_exact(text, "threads[1].subsystems", "{}",
					 "threads[1].subsystems: expected an array");
	free(text);
	ls_snapshot_free(snap);
}

static void snapshot_load__bad_value_in_peer__names_peer(void **state)
{
	struct ls_snapshot *snap = build_groups();
	char *text = json_text(snap, 0, NULL);

	expect_text_mutation_fails_exact(text, "peers[0].subsystems[0].syscalls[0].min_ns", "-1",
					 "peers[0].subsystems[0].syscalls[0].min_ns: "
					 "must not be negative");
	expect_text_mutation_fails_exact(text,
					 "peers[0].subsystems[0].syscalls[0].errnos[0].errno",
					 "5000",
					 "peers[0].subsystems[0].syscalls[0].errnos[0].errno: "
					 "5000 is out of range (at most 4095)");
	expect_text_mutation_fails_exact(text, "peers[0].subsystems[1].name",
					 "\"tcp:10.0.0.1:443\"",
					 "peers[0].subsystems[1].name: "
					 "duplicate subsystem \"tcp:10.0.0.1:443\"");
	free(text);
	ls_snapshot_free(snap);
}

static void snapshot_load__too_many_entries__fails(void **state)
{
	struct ls_snapshot *snap = build_small();
	char *text = json_text(snap, 0, NULL);
	json_object *root = json_tokener_parse(text), *arr, *scs, *o;
	char path[PATH_MAX], name[32], want[128];
	const char *out;
	int i;

	assert_non_null(root);
	/* One syscall entry more than the loader accepts. */
	assert_true(json_object_object_get_ex(root, "subsystems", &arr));
	o = json_object_array_get_idx(arr, 0);
	assert_true(json_object_object_get_ex(o, "syscalls", &scs));
	for (i = 1; i < LS_SNAPSHOT_MAX_SYSCALLS + 1; i++) {
		json_object *sc = json_object_new_object();

		snprintf(name, sizeof(name), "sc%d", i);
		json_object_object_add(sc, "syscall", json_object_new_string(name));
		json_object_object_add(sc, "nr", json_object_new_int(i));
		json_object_object_add(sc, "count", json_object_new_int(0));
		json_object_object_add(sc, "errors", json_object_new_int(0));
		json_object_object_add(sc, "total_ns", json_object_new_int(0));
		json_object_object_add(sc, "min_ns", json_object_new_int(0));
		json_object_object_add(sc, "max_ns", json_object_new_int(0));
		json_object_object_add(sc, "errnos", json_object_new_array());
		json_object_object_add(sc, "buckets", json_object_new_array());
		json_object_array_add(scs, sc);
	}
	out = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN);
	tmp_path(path, sizeof(path), "many.json");
	write_file(path, out, strlen(out));
	snprintf(want, sizeof(want), "syscalls[%d]: more than %d syscall entries",
		 LS_SNAPSHOT_MAX_SYSCALLS, LS_SNAPSHOT_MAX_SYSCALLS);
	expect_load_error(path, EINVAL, want);

	/* Subsystems are capped before any of them is read. */
	arr = json_object_new_array();
	for (i = 0; i < LS_SNAPSHOT_MAX_SUBSYS + 1; i++)
		json_object_array_add(arr, json_object_new_object());
	json_object_object_add(root, "subsystems", arr);
	out = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN);
	write_file(path, out, strlen(out));
	snprintf(want, sizeof(want), "subsystems: more than %d entries", LS_SNAPSHOT_MAX_SUBSYS);
	expect_load_error(path, EINVAL, want);
	json_object_put(root);
	free(text);
	ls_snapshot_free(snap);
}

static void snapshot_load__bad_processes_or_lost__fails(void **state)
{
	static const struct mutation cases[] = {
		{ "meta.lost", V_ARR, "meta.lost: expected an object" },
		{ "meta.lost.syscalls_no_key", V_STR, "meta.lost.syscalls_no_key: expected an integer" },
		{ "meta.lost.processes_not_traced", V_NEG,
		  "meta.lost.processes_not_traced: must not be negative" },
		{ "processes", V_OBJ, "processes: expected an array" },
		{ "processes[0]", V_STR, "processes[0]: expected an object" },
		{ "processes[0].pid", V_DEL, "processes[0].pid: missing" },
		{ "processes[0].pid", V_STR, "processes[0].pid: expected an integer" },
		{ "processes[0].pid", V_BIG, "processes[0].pid: 4294967296 is out of range" },
		{ "processes[0].ppid", V_NEG, "processes[0].ppid: must not be negative" },
		{ "processes[0].comm", V_INT, "processes[0].comm: expected a string" },
		{ "processes[1].cmdline", V_INT, "processes[1].cmdline: expected a string" },
		{ "processes[1].exe", V_ARR, "processes[1].exe: expected a string" },
		{ "processes[1].cgroup", V_NULL, "processes[1].cgroup: expected a string" },
		{ "processes[1].start_unix_ns", V_DBL,
		  "processes[1].start_unix_ns: expected an integer" },
		{ "processes[1].exited", V_INT, "processes[1].exited: expected true or false" },
		{ "threads[0].pid", V_STR, "threads[0].pid: expected an integer" },
	};
	struct ls_snapshot *snap = build_rich();
	char *text = json_text(snap, 0, NULL), longer[LS_PROCESS_STR_MAX + 8];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_mutation_fails(text, &cases[i]);
	expect_text_mutation_fails(text, "processes[1].pid", "77",
				   "processes[1].pid: duplicate process 77");
	expect_text_mutation_fails(text, "processes[0].pid", "0",
				   "processes[0].pid: must be positive");
	expect_text_mutation_fails(text, "processes[0].comm", "\"0123456789abcdef\"",
				   "processes[0].comm: too long (16 bytes, at most 15)");
	expect_text_mutation_fails(text, "processes[1].cmdline", "\"a\\u0000b\"",
				   "processes[1].cmdline: contains a NUL character");
	memset(longer, 'x', sizeof(longer));
	longer[0] = '"';
	longer[LS_PROCESS_STR_MAX + 2] = '"';
	longer[LS_PROCESS_STR_MAX + 3] = '\0';
	expect_text_mutation_fails(text, "processes[1].exe", longer,
				   "processes[1].exe: too long (4096 bytes, at most 4095)");
	free(text);
	ls_snapshot_free(snap);
}

/* Version 2 had neither: nothing was lost that it knew of, no processes. */
static void snapshot_load__version_2__no_processes_nothing_lost(void **state)
{
	struct ls_snapshot *snap = build_small(), *back;
	char *text = json_text(snap, 0, NULL), path[PATH_MAX], err[256];
	json_object *root = json_tokener_parse(text);
	const char *out;

	assert_non_null(root);
	set_path(root, "version", json_object_new_int(2), 0);
	set_path(root, "meta.lost", NULL, 1);
	out = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN);
	write_file(tmp_path(path, sizeof(path), "v2.json"), out, strlen(out));
	back = ls_snapshot_load(path, err, sizeof(err));
	if (!back)
		fail_msg("%s", err);
	assert_int_equal(back->version, 2);
	assert_int_equal(back->n_procs, 0);
	assert_int_equal(back->meta.lost.syscalls_no_key, 0);
	assert_int_equal(back->meta.lost.processes_not_traced, 0);
	ls_snapshot_free(back);
	json_object_put(root);
	free(text);
	ls_snapshot_free(snap);
}

static void snapshot_load__small_err_buffer__truncates_safely(void **state)
{
	char path[PATH_MAX], err[8];

	tmp_path(path, sizeof(path), "nope.json");
	memset(err, 'x', sizeof(err));
	assert_null(ls_snapshot_load(path, err, sizeof(err)));
	assert_int_equal(strlen(err), sizeof(err) - 1);
	assert_null(ls_snapshot_load(NULL, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
}

static void snapshot_load__derived_fields__ignored(void **state)
{
	struct ls_snapshot *snap = build_small(), *back;
	char *text = json_text(snap, 0, NULL);
	json_object *root = json_tokener_parse(text);
	char path[PATH_MAX];
	const char *out;

	/* Nonsense in derived and unknown fields must not matter. */
	set_path(root, "subsystems[0].count", json_object_new_string("x"), 0);
	set_path(root, "subsystems[0].pct_time", json_object_new_int(-3), 0);
	set_path(root, SC ".p99_ns", NULL, 0);
	set_path(root, SC ".errnos[0].name", json_object_new_int(1), 0);
	set_path(root, "future_field", json_object_new_string("ignored"), 0);
	out = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN);
	tmp_path(path, sizeof(path), "derived.json");
	write_file(path, out, strlen(out));
	back = ls_snapshot_load(path, NULL, 0);
	assert_non_null(back);
	assert_snapshot_equal(snap, back);
	ls_snapshot_free(back);
	json_object_put(root);
	free(text);
	ls_snapshot_free(snap);
}

/* ---- versions and rules ----------------------------------------------- */

/*
 * tests/fixtures/snapshot_v1.json is what the version 1 writer produced
 * (the report_basic snapshot, saved before version 2 existed).  It must
 * keep loading: snapshots are shared and kept for later comparisons.
 */
static void snapshot_load__version_1_fixture__loads_without_rules(void **state)
{
	struct ls_snapshot *snap;
	struct ls_stats *tot = calloc(1, sizeof(*tot));
	char err[256] = "";
	size_t i;

	assert_non_null(tot);
	snap = ls_snapshot_load("tests/fixtures/snapshot_v1.json", err, sizeof(err));
	if (!snap)
		fail_msg("%s (run from the top of the tree)", err);
	assert_int_equal(snap->version, 1);
	assert_int_equal(snap->n_rules, 0);
	assert_null(snap->rules);
	assert_string_equal(snap->meta.host, "testbox");
	assert_string_equal(snap->meta.target, "cmd democtl -n 5");
	assert_int_equal(snap->meta.duration_ns, 12345678901ULL);
	assert_int_equal(snap->meta.events, 445);
	assert_int_equal(snap->meta.dropped, 7);
	assert_int_equal(snap->n_subsys, 4);
	assert_string_equal(snap->subsys[0].name, "icmp");
	for (i = 0; i < snap->n_subsys; i++)
		if (!strcmp(snap->subsys[i].name, "tcp:127.0.0.1:18080"))
			break;
	assert_true(i < snap->n_subsys);
	ls_subsys_total(&snap->subsys[i], tot);
	assert_int_equal(tot->count, 155);
	assert_int_equal(tot->errors, 5);
	assert_int_equal(tot->total_ns, 8550000);
	assert_int_equal(tot->slots[ls_hist_slot(10000)], 90);
	assert_int_equal(ls_stats_slot_total(tot), 155);
	free(tot);
	ls_snapshot_free(snap);
}

/* Version 1 had no rules; from version 2 on they must be there. */
static void snapshot_load__rules_by_version__required_from_2(void **state)
{
	struct ls_snapshot *snap = build_small(), *back;
	char *text = json_text(snap, 0, NULL), path[PATH_MAX];
	json_object *root = json_tokener_parse(text);
	const char *out;

	assert_non_null(root);
	set_path(root, "meta.rules", NULL, 1);
	set_path(root, "version", json_object_new_int(1), 0);
	out = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN);
	tmp_path(path, sizeof(path), "v1.json");
	write_file(path, out, strlen(out));
	back = ls_snapshot_load(path, NULL, 0);
	assert_non_null(back);
	assert_int_equal(back->version, 1);
	assert_int_equal(back->n_rules, 0);
	ls_snapshot_free(back);

	/* A version 1 file's "rules", if any, are not its to have: ignored. */
	set_path(root, "meta.rules", json_object_new_int(3), 0);
	out = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN);
	write_file(path, out, strlen(out));
	back = ls_snapshot_load(path, NULL, 0);
	assert_non_null(back);
	ls_snapshot_free(back);

	set_path(root, "meta.rules", NULL, 1);
	set_path(root, "version", json_object_new_int(2), 0);
	out = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN);
	write_file(path, out, strlen(out));
	expect_load_error(path, EINVAL, "v1.json: meta.rules: missing");
	json_object_put(root);
	free(text);
	ls_snapshot_free(snap);
}

static void snapshot_load__bad_rules__fails(void **state)
{
	struct ls_snapshot *snap = build_small();
	char *text = json_text(snap, 0, NULL), *long_rule, *many;
	size_t i, off;

	expect_text_mutation_fails(text, "meta.rules", "{}", "meta.rules: expected an array");
	expect_text_mutation_fails(text, "meta.rules", "[\"a: comm x\", 7]",
				   "meta.rules[1]: expected a string");
	expect_text_mutation_fails(text, "meta.rules", "[\"a\\u0000b\"]",
				   "meta.rules[0]: contains a NUL character");

	long_rule = malloc(LS_SNAPSHOT_RULE_MAX + 8);
	assert_non_null(long_rule);
	long_rule[0] = '[';
	long_rule[1] = '"';
	memset(long_rule + 2, 'r', LS_SNAPSHOT_RULE_MAX + 1);
	memcpy(long_rule + 2 + LS_SNAPSHOT_RULE_MAX + 1, "\"]", 3);
	expect_text_mutation_fails(text, "meta.rules", long_rule,
				   "meta.rules[0]: too long (8193 bytes, at most 8192)");
	free(long_rule);

	many = malloc(5 * (LS_SNAPSHOT_MAX_RULES + 1) + 3);
	assert_non_null(many);
	off = 0;
	many[off++] = '[';
	for (i = 0; i <= LS_SNAPSHOT_MAX_RULES; i++)
		off += (size_t)sprintf(many + off, "%s\"r\"", i ? "," : "");
	memcpy(many + off, "]", 2);
	expect_text_mutation_fails(text, "meta.rules", many, "meta.rules: more than 4096 entries");
	free(many);
	free(text);
	ls_snapshot_free(snap);
}

static void snapshot_add_rule__limits__refused(void **state)
{
	struct ls_snapshot *snap = ls_snapshot_new();
	char *big = malloc(LS_SNAPSHOT_RULE_MAX + 2);
	size_t i;

	assert_non_null(snap);
	assert_non_null(big);
	memset(big, 'x', LS_SNAPSHOT_RULE_MAX + 1);
	big[LS_SNAPSHOT_RULE_MAX + 1] = '\0';
	assert_int_equal(ls_snapshot_add_rule(snap, big), -EINVAL);
	big[LS_SNAPSHOT_RULE_MAX] = '\0';
	assert_int_equal(ls_snapshot_add_rule(snap, big), 0);
	assert_int_equal(ls_snapshot_add_rule(snap, NULL), -EINVAL);
	assert_int_equal(ls_snapshot_add_rule(NULL, "x"), -EINVAL);
	for (i = 1; i < LS_SNAPSHOT_MAX_RULES; i++)
		assert_int_equal(ls_snapshot_add_rule(snap, "r: comm x"), 0);
	/* Whatever is saved must load again: the loader's cap holds here too. */
	assert_int_equal(ls_snapshot_add_rule(snap, "r: comm x"), -EINVAL);
	assert_int_equal(snap->n_rules, LS_SNAPSHOT_MAX_RULES);
	free(big);
	ls_snapshot_free(snap);
}

/*
 * A device is written in place: renaming over it would replace the device
 * node (this once turned a test machine's /dev/null into a file).
 */
static void snapshot_save__device__written_in_place(void **state)
{
	struct ls_snapshot *snap = ls_snapshot_new();
	char path[512];
	struct stat st;

	if (geteuid() != 0)
		skip();	/* mknod of a character device needs root */
	tmp_path(path, sizeof(path), "null-device");
	assert_int_equal(mknod(path, S_IFCHR | 0666, makedev(1, 3)), 0);
	assert_int_equal(ls_snapshot_save(snap, path), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	unlink(path);
	ls_snapshot_free(snap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(snapshot_save__device__written_in_place),
		cmocka_unit_test(snapshot_subsys__same_name__returns_same_entry),
		cmocka_unit_test(snapshot_subsys__long_name__truncated_and_found_again),
		cmocka_unit_test(subsys_syscall__same_name__returns_same_entry),
		cmocka_unit_test(syscall_add_errno__repeated__accumulates_count),
		cmocka_unit_test(subsys_total__several_syscalls__merges_all),
		cmocka_unit_test(snapshot_sort__mixed_order__sorts_by_total_then_name),
		cmocka_unit_test(errno_name__known_kernel_and_unknown__names_or_null),
		cmocka_unit_test(write_json__unknown_errno__named_e_question),
		cmocka_unit_test(write_json__compact__is_one_line),
		cmocka_unit_test(snapshot_json__round_trip__preserves_every_field),
		cmocka_unit_test(snapshot_json__v3_fields__round_trip),
		cmocka_unit_test(snapshot_json__cost__round_trip_and_absent_when_not_measured),
		cmocka_unit_test(snapshot_load__roles__v2_all_work_bad_role_refused),
		cmocka_unit_test(snapshot_intervals__added__summed_per_subsystem_and_kept),
		cmocka_unit_test(snapshot_intervals__bad_or_too_many__refused),
		cmocka_unit_test(snapshot_cycle_starts__saved__loaded_back_and_checked),
		cmocka_unit_test(snapshot_fit_intervals__too_many_rows__last_dropped),
		cmocka_unit_test(snapshot_save__success__leaves_no_tmp_file),
		cmocka_unit_test(snapshot_save__rename_fails__removes_tmp_file),
		cmocka_unit_test(snapshot_save__write_fails__keeps_old_file),
		cmocka_unit_test(snapshot_load__missing_file__fails),
		cmocka_unit_test(snapshot_load__empty_file__fails),
		cmocka_unit_test(snapshot_load__truncated_json__fails_at_every_cut),
		cmocka_unit_test(snapshot_load__not_json_or_extra_data__fails),
		cmocka_unit_test(snapshot_load__oversized_file__fails_without_reading),
		cmocka_unit_test(snapshot_load__integer_beyond_u64__fails),
		cmocka_unit_test(snapshot_load__wrong_type_for_each_field__fails),
		cmocka_unit_test(snapshot_load__missing_or_out_of_range__fails),
		cmocka_unit_test(snapshot_load__bad_values__fails),
		cmocka_unit_test(snapshot_load__bad_value_in_thread__names_thread),
		cmocka_unit_test(snapshot_load__bad_value_in_peer__names_peer),
		cmocka_unit_test(snapshot_load__too_many_entries__fails),
		cmocka_unit_test(snapshot_load__small_err_buffer__truncates_safely),
		cmocka_unit_test(snapshot_load__derived_fields__ignored),
		cmocka_unit_test(snapshot_load__version_1_fixture__loads_without_rules),
		cmocka_unit_test(snapshot_load__rules_by_version__required_from_2),
		cmocka_unit_test(snapshot_load__bad_processes_or_lost__fails),
		cmocka_unit_test(snapshot_load__version_2__no_processes_nothing_lost),
		cmocka_unit_test(snapshot_load__bad_rules__fails),
		cmocka_unit_test(snapshot_add_rule__limits__refused),
	};

	return cmocka_run_group_tests_name("snapshot", tests, group_setup, group_teardown);
}
