/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The reporter renders a snapshot built here into open_memstream(), and the
 * result must match tests/fixtures/report_basic.{txt,json} byte for byte.
 * After an intended layout change, regenerate them with
 *	UPDATE_GOLDEN=1 build/tests/test_report
 * and review the diff like code.  Run from the top of the tree.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "hist.h"
#include "report.h"
#include "snapshot.h"
#include "snapshot_load.h"
#include "snapshot_write.h"
#include "test_util.h"


static void add_errno(struct ls_syscall_stats *sc, int err, __u64 n)
{
	assert_int_equal(ls_syscall_add_errno(sc, err, n), 0);
	sc->st.errors += n;
}

/*
 * A run of a small TCP client that also pings and writes a log.  Figures
 * are round so the golden file can be checked by hand: tcp recvfrom has
 * 90 x 10us, 9 x 100us and 1 x 5ms, so P50 = P90 = 10.1us (middle of the
 * slot [9984, 10240)), P95 = P99 = 99.3us, P99.9 = max = 5.00ms.  Added out
 * of order on purpose: ls_snapshot_sort() decides the order.
 */
static struct ls_snapshot *build_basic(void)
{
	struct ls_snapshot *snap = ls_snapshot_new();
	struct ls_syscall_stats *sc;
	__u64 seed = 7, v;
	int i;

	assert_non_null(snap);
	snprintf(snap->meta.latscope_version, sizeof(snap->meta.latscope_version), "0.1.0");
	snprintf(snap->meta.kernel, sizeof(snap->meta.kernel), "6.1.0-18-amd64");
	snprintf(snap->meta.host, sizeof(snap->meta.host), "testbox");
	snap->meta.ncpus = 4;
	snprintf(snap->meta.cmdline, sizeof(snap->meta.cmdline),
		 "latscope record -o run.json -- democtl -n 5");
	snprintf(snap->meta.target, sizeof(snap->meta.target), "cmd democtl -n 5");
	snap->meta.start_unix_ns = 1700000000000000000ULL;
	snap->meta.duration_ns = 12345678901ULL;
	snap->meta.end_unix_ns = snap->meta.start_unix_ns + snap->meta.duration_ns;
	snap->meta.dropped = 7;

	sc = add_sc(snap, "file", "read", 0);
	for (i = 0; i < 200; i++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		v = 500 + (seed >> 33) % 2500;
		add_samples(&sc->st, v, 1);
	}
	sc = add_sc(snap, "file", "openat", 257);
	add_samples(&sc->st, 8000, 10);
	add_errno(sc, ENOENT, 4);
	sc = add_sc(snap, "file", "write", 1);
	add_samples(&sc->st, 1500, 40);

	sc = add_sc(snap, "tcp:127.0.0.1:18080", "recvfrom", 45);
	add_samples(&sc->st, 10000, 90);
	add_samples(&sc->st, 100000, 9);
	add_samples(&sc->st, 5000000, 1);
	add_errno(sc, EAGAIN, 3);
	sc = add_sc(snap, "tcp:127.0.0.1:18080", "sendto", 44);
	add_samples(&sc->st, 20000, 50);
	sc = add_sc(snap, "tcp:127.0.0.1:18080", "connect", 42);
	add_samples(&sc->st, 150000, 5);
	add_errno(sc, ECONNREFUSED, 2);

	/* A ping's replies are slow: this subsystem dominates. */
	sc = add_sc(snap, "icmp", "recvfrom", 45);
	add_samples(&sc->st, 1000000000ULL, 5);
	add_errno(sc, EAGAIN, 1);
	sc = add_sc(snap, "icmp", "sendto", 44);
	add_samples(&sc->st, 30000, 5);

	/* A signal interrupted one wait: the kernel-internal ERESTARTSYS. */
	sc = add_sc(snap, "unix", "recvmsg", 47);
	add_samples(&sc->st, 2500, 29);
	add_samples(&sc->st, 250000000, 1);
	add_errno(sc, 512, 1);

	ls_snapshot_sort(snap);
	for (size_t s = 0; s < snap->n_subsys; s++)
		for (size_t c = 0; c < snap->subsys[s].n_sc; c++)
			snap->meta.events += snap->subsys[s].sc[c].st.count;
	return snap;
}

static char *render(const struct ls_snapshot *snap, enum ls_format fmt, size_t *len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	assert_non_null(f);
	assert_int_equal(ls_report_write(f, snap, fmt), 0);
	assert_int_equal(fclose(f), 0);
	*len = n;
	return buf;
}

static void report_write__basic_text__matches_golden(void **state)
{
	struct ls_snapshot *snap = build_basic();
	size_t len;
	char *out = render(snap, LS_FMT_TEXT, &len);

	compare_golden("report_basic.txt", out, len);
	free(out);
	ls_snapshot_free(snap);
}

static void report_write__basic_json__matches_golden(void **state)
{
	struct ls_snapshot *snap = build_basic();
	size_t len;
	char *out = render(snap, LS_FMT_JSON, &len);

	compare_golden("report_basic.json", out, len);
	free(out);
	ls_snapshot_free(snap);
}

/* The JSON report is the snapshot format: it loads back to the same data. */
static void report_write__json__loads_back_as_snapshot(void **state)
{
	struct ls_snapshot *snap = build_basic(), *back;
	char path[] = "/tmp/latscope-report-XXXXXX", err[256] = "";
	size_t len;
	char *out = render(snap, LS_FMT_JSON, &len), *again;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, out, len), (ssize_t)len);
	close(fd);
	back = ls_snapshot_load(path, err, sizeof(err));
	unlink(path);
	if (!back)
		fail_msg("%s", err);
	again = render(back, LS_FMT_JSON, &len);
	assert_string_equal(out, again);
	free(again);
	free(out);
	ls_snapshot_free(back);
	ls_snapshot_free(snap);
}

static void report_write__empty_snapshot__says_nothing_traced(void **state)
{
	struct ls_snapshot *snap = ls_snapshot_new();
	size_t len;
	char *out;

	assert_non_null(snap);
	snprintf(snap->meta.target, sizeof(snap->meta.target), "pid 4242");
	snap->meta.duration_ns = 1500000000;
	out = render(snap, LS_FMT_TEXT, &len);
	assert_string_equal(out, "latscope: pid 4242, 1.50s, 0 syscalls traced\n"
				 "\n"
				 "No syscalls were traced.\n");
	free(out);

	/* A subsystem without calls is still nothing traced. */
	assert_non_null(ls_snapshot_subsys(snap, "file"));
	snap->meta.target[0] = '\0';
	snap->meta.events = 1;
	snap->meta.dropped = 2;
	out = render(snap, LS_FMT_TEXT, &len);
	assert_string_equal(out, "latscope: unknown target, 1.50s, 1 syscall traced, 2 dropped\n"
				 "\n"
				 "No syscalls were traced.\n");
	free(out);
	ls_snapshot_free(snap);
}

static void report_write__many_errnos__lists_top_ten(void **state)
{
	struct ls_snapshot *snap = ls_snapshot_new();
	struct ls_syscall_stats *sc;
	size_t len, lines = 0;
	char *out, *p;
	int e;

	assert_non_null(snap);
	sc = add_sc(snap, "file", "openat", 257);
	add_samples(&sc->st, 1000, 100);
	for (e = 1; e <= 12; e++)
		add_errno(sc, e, (__u64)e);
	ls_snapshot_sort(snap);
	out = render(snap, LS_FMT_TEXT, &len);
	p = strstr(out, "Top errors:\n");
	assert_non_null(p);
	for (p = strchr(p, '\n') + 1; *p; p = strchr(p, '\n') + 1)
		lines++;
	/* Header plus ten rows, the most frequent (12 = ENOMEM) first. */
	assert_int_equal(lines, 11);
	assert_non_null(strstr(out, "SUBSYSTEM  SYSCALL  ERRNO    COUNT\n"
				    "file       openat   ENOMEM      12\n"
				    "file       openat   EAGAIN      11\n"));
	assert_null(strstr(out, " EPERM "));
	assert_null(strstr(out, " ENOENT "));
	free(out);
	ls_snapshot_free(snap);
}

static void report_write__bad_arguments__einval(void **state)
{
	struct ls_snapshot *snap = ls_snapshot_new();

	assert_int_equal(ls_report_write(NULL, snap, LS_FMT_TEXT), -EINVAL);
	assert_int_equal(ls_report_write(stdout, NULL, LS_FMT_TEXT), -EINVAL);
	assert_int_equal(ls_report_write(stdout, snap, (enum ls_format)7), -EINVAL);
	ls_snapshot_free(snap);
}

/* Render with options; the error line (if any) goes to err. */
static char *render_opts(const struct ls_snapshot *snap, const struct ls_report_opts *o,
			 size_t *len)
{
	char *buf = NULL, err[256] = "";
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	assert_non_null(f);
	if (ls_report_write_opts(f, snap, o, err, sizeof(err)))
		fail_msg("ls_report_write_opts: %s", err);
	assert_int_equal(fclose(f), 0);
	*len = n;
	return buf;
}

/* A version 1 snapshot renders exactly like the same data in version 2. */
static void report_write__v1_fixture__same_report_as_v2(void **state)
{
	char err[256] = "";
	struct ls_snapshot *snap = ls_snapshot_load(FIXTURES "snapshot_v1.json", err, sizeof(err));
	size_t len;
	char *out;

	if (!snap)
		fail_msg("%s", err);
	out = render(snap, LS_FMT_TEXT, &len);
	compare_golden("report_basic.txt", out, len);
	free(out);
	ls_snapshot_free(snap);
}

static void report_write__basic_markdown__matches_golden(void **state)
{
	struct ls_snapshot *snap = build_basic();
	size_t len;
	char *out = render(snap, LS_FMT_MARKDOWN, &len);

	compare_golden("report_basic.md", out, len);
	free(out);
	ls_snapshot_free(snap);
}

static void report_write__basic_csv__matches_golden(void **state)
{
	struct ls_snapshot *snap = build_basic();
	size_t len;
	char *out = render(snap, LS_FMT_CSV, &len);

	compare_golden("report_basic.csv", out, len);
	free(out);
	ls_snapshot_free(snap);
}

/* --by syscall --sort p99 --top 5 --percentiles 50,99.99 */
static void report_write__by_syscall_sorted_top__matches_golden(void **state)
{
	struct ls_snapshot *snap = build_basic();
	struct ls_report_opts o;
	size_t len;
	char *out;

	ls_report_opts_init(&o, LS_FMT_TEXT);
	o.by = LS_BY_SYSCALL;
	o.sort = LS_SORT_P99;
	o.top = 5;
	assert_int_equal(ls_pcts_parse("50,99.99", &o.pcts), 0);
	out = render_opts(snap, &o, &len);
	compare_golden("report_syscall.txt", out, len);
	free(out);
	o.fmt = LS_FMT_JSON;
	out = render_opts(snap, &o, &len);
	compare_golden("report_syscall.json", out, len);
	free(out);
	ls_snapshot_free(snap);
}

/* Every format gets the same columns from --percentiles. */
static void report_write__percentiles__change_columns_in_every_format(void **state)
{
	static const struct {
		enum ls_format fmt;
		const char *has, *not;
	} cases[] = {
		{ LS_FMT_TEXT, "  P75  P99.99  ", "P90" },
		{ LS_FMT_MARKDOWN, "| P75 | P99.99 |", "P90" },
		{ LS_FMT_CSV, ",p75_ns,p99_99_ns,", "p90_ns" },
		{ LS_FMT_JSON, "\"p75_ns\": ", "p90_ns" },
	};
	struct ls_snapshot *snap = build_basic();
	struct ls_report_opts o;
	size_t i, len;
	char *out;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ls_report_opts_init(&o, cases[i].fmt);
		assert_int_equal(ls_pcts_parse("75,99.99", &o.pcts), 0);
		out = render_opts(snap, &o, &len);
		if (!strstr(out, cases[i].has) || strstr(out, cases[i].not))
			fail_msg("format %d: want '%s' and no '%s' in:\n%s", cases[i].fmt,
				 cases[i].has, cases[i].not, out);
		free(out);
	}
	ls_snapshot_free(snap);
}

/* --top 1 --sort name: one subsystem, its breakdown and its errors only. */
static void report_write__top_and_sort__limit_every_section(void **state)
{
	struct ls_snapshot *snap = build_basic(), *back;
	struct ls_report_opts o;
	char path[] = "/tmp/latscope-report-XXXXXX", err[256];
	size_t len;
	char *out, *p;
	int fd;

	ls_report_opts_init(&o, LS_FMT_TEXT);
	o.sort = LS_SORT_NAME;
	o.top = 1;
	out = render_opts(snap, &o, &len);
	assert_non_null(strstr(out, "\nfile         250       4  487us "));
	assert_null(strstr(out, "icmp"));
	assert_null(strstr(out, "tcp:"));
	assert_non_null(strstr(out, "\nfile\n  SYSCALL  "));
	/* Within the subsystem, by name as well. */
	assert_true(strstr(out, "  openat ") < strstr(out, "  read "));
	p = strstr(out, "Top errors:\n");
	assert_non_null(p);
	assert_string_equal(p, "Top errors:\nSUBSYSTEM  SYSCALL  ERRNO   COUNT\n"
			       "file       openat   ENOENT      4\n");
	free(out);

	/* In JSON, the snapshot of those subsystems: it still loads. */
	o.fmt = LS_FMT_JSON;
	o.top = 2;
	out = render_opts(snap, &o, &len);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, out, len), (ssize_t)len);
	close(fd);
	back = ls_snapshot_load(path, err, sizeof(err));
	unlink(path);
	if (!back)
		fail_msg("%s", err);
	assert_int_equal(back->n_subsys, 2);
	assert_string_equal(back->subsys[0].name, "file");
	assert_string_equal(back->subsys[1].name, "icmp");
	/* pct_time is still a share of the whole run. */
	assert_non_null(strstr(out, "\"pct_time\": 95.07"));
	ls_snapshot_free(back);
	free(out);
	ls_snapshot_free(snap);
}

/* Threads survive a save and load, and --by thread prints one row each. */
static void report_write__by_thread__row_per_thread_after_round_trip(void **state)
{
	struct ls_snapshot *snap = build_basic(), *back;
	struct ls_syscall_stats *sc;
	struct ls_report_opts o;
	struct ls_group *g;
	char dir[] = "/tmp/ls-test-XXXXXX", path[64], err[256];
	char *buf = NULL;
	size_t n = 0;
	FILE *f;

	g = ls_snapshot_group(&snap->threads, &snap->n_threads, "101 main");
	assert_non_null(g);
	sc = ls_subsys_syscall(ls_snapshot_subsys(g->snap, "icmp"), "sendto", 44);
	add_samples(&sc->st, 30000, 7);
	g = ls_snapshot_group(&snap->threads, &snap->n_threads, "102 server");
	assert_non_null(g);
	sc = ls_subsys_syscall(ls_snapshot_subsys(g->snap, "tcp-in:80"), "accept4", 288);
	add_samples(&sc->st, 5000, 3);
	/* finding an existing group adds nothing */
	assert_ptr_equal(ls_snapshot_group(&snap->threads, &snap->n_threads, "102 server"), g);

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/s.json", dir);
	assert_int_equal(ls_snapshot_save(snap, path), 0);
	back = ls_snapshot_load(path, err, sizeof(err));
	assert_non_null(back);
	assert_int_equal(back->n_threads, 2);
	assert_int_equal(back->n_peers, 0);

	f = open_memstream(&buf, &n);
	assert_non_null(f);
	ls_report_opts_init(&o, LS_FMT_TEXT);
	o.by = LS_BY_THREAD;
	assert_int_equal(ls_report_write_opts(f, back, &o, err, sizeof(err)), 0);
	assert_int_equal(fclose(f), 0);
	assert_non_null(strstr(buf, "\n101 main "));
	assert_non_null(strstr(buf, "\n102 server "));
	assert_non_null(strstr(buf, "THREAD"));

	free(buf);
	unlink(path);
	rmdir(dir);
	ls_snapshot_free(back);
	ls_snapshot_free(snap);
}

/* The same errno of two threads: two rows, each saying whose it is. */
static void report_write__by_thread__top_errors_name_the_thread(void **state)
{
	struct ls_snapshot *snap = ls_snapshot_new();
	struct ls_group *g;
	struct ls_syscall_stats *sc;
	struct ls_report_opts o;
	const char *errs;
	size_t len;
	char *out;

	assert_non_null(snap);
	/* the whole process, as record writes it, then its two threads */
	sc = add_sc(snap, "udp:10.0.0.1:53", "recvfrom", 45);
	add_samples(&sc->st, 2000, 9);
	add_errno(sc, EAGAIN, 5);
	g = ls_snapshot_group(&snap->threads, &snap->n_threads, "101 main");
	assert_non_null(g);
	sc = ls_subsys_syscall(ls_snapshot_subsys(g->snap, "udp:10.0.0.1:53"), "recvfrom", 45);
	add_samples(&sc->st, 2000, 5);
	add_errno(sc, EAGAIN, 3);
	g = ls_snapshot_group(&snap->threads, &snap->n_threads, "102 worker");
	assert_non_null(g);
	sc = ls_subsys_syscall(ls_snapshot_subsys(g->snap, "udp:10.0.0.1:53"), "recvfrom", 45);
	add_samples(&sc->st, 2000, 4);
	add_errno(sc, EAGAIN, 2);

	ls_report_opts_init(&o, LS_FMT_TEXT);
	o.by = LS_BY_THREAD;
	out = render_opts(snap, &o, &len);
	errs = strstr(out, "Top errors:\n");
	assert_non_null(errs);
	assert_non_null(strstr(errs, "\nTHREAD "));
	assert_non_null(strstr(errs, "\n101 main    udp:10.0.0.1:53  recvfrom  EAGAIN      3\n"));
	assert_non_null(strstr(errs, "\n102 worker  udp:10.0.0.1:53  recvfrom  EAGAIN      2\n"));
	free(out);
	/* by subsystem the table keeps its four columns */
	o.by = LS_BY_SUBSYSTEM;
	out = render_opts(snap, &o, &len);
	assert_null(strstr(out, "THREAD"));
	free(out);
	ls_snapshot_free(snap);
}

static void report_write__by_thread__no_data_one_line(void **state)
{
	struct ls_snapshot *snap = build_basic();
	struct ls_report_opts o;
	char err[256];
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	assert_non_null(f);
	ls_report_opts_init(&o, LS_FMT_TEXT);
	o.by = LS_BY_THREAD;
	assert_int_equal(ls_report_write_opts(f, snap, &o, err, sizeof(err)), -ENODATA);
	assert_string_equal(err, "no per-thread data (the snapshot was written by a latscope "
				 "that did not record threads)");
	o.by = LS_BY_PEER;
	assert_int_equal(ls_report_write_opts(f, snap, &o, err, sizeof(err)), -ENODATA);
	assert_int_equal(fclose(f), 0);
	/* Nothing was written. */
	assert_int_equal(n, 0);
	free(buf);
	ls_snapshot_free(snap);
}

/*
 * Two daemons of one run: a process with two threads and one with one, as
 * record writes them (the whole run, then each thread with its process).
 */
static struct ls_snapshot *build_processes(void)
{
	static const struct {
		const char *thread, *ss, *sc;
		__u32 pid, nr;
		__u64 ns, n;
	} calls[] = {
		{ "4242 python3", "icmp", "sendto", 4242, 44, 30000, 20 },
		{ "4242 python3", "tc", "sendmsg", 4242, 46, 9000, 10 },
		{ "4250 python3", "tcp:10.0.0.1:443", "recvfrom", 4242, 45, 2000000, 5 },
		{ "5000 python3", "icmp", "sendto", 5000, 44, 50000, 7 },
	};
	struct ls_snapshot *snap = ls_snapshot_new();
	struct ls_syscall_stats *sc;
	struct ls_process *p;
	struct ls_group *g;
	size_t i;

	assert_non_null(snap);
	snprintf(snap->meta.target, sizeof(snap->meta.target), "cmdline wanctl");
	snap->meta.start_unix_ns = 1700000000000000000ULL;
	snap->meta.duration_ns = 10000000000ULL;
	for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		add_samples(&add_sc(snap, calls[i].ss, calls[i].sc, calls[i].nr)->st, calls[i].ns,
			    calls[i].n);
		g = ls_snapshot_group(&snap->threads, &snap->n_threads, calls[i].thread);
		assert_non_null(g);
		g->tgid = calls[i].pid;
		sc = ls_subsys_syscall(ls_snapshot_subsys(g->snap, calls[i].ss), calls[i].sc,
				       calls[i].nr);
		add_samples(&sc->st, calls[i].ns, calls[i].n);
		snap->meta.events += calls[i].n;
	}
	add_errno(ls_subsys_syscall(ls_snapshot_subsys(
			  ls_snapshot_group(&snap->threads, &snap->n_threads, "5000 python3")->snap,
			  "icmp"), "sendto", 44), EHOSTUNREACH, 2);
	add_errno(add_sc(snap, "icmp", "sendto", 44), EHOSTUNREACH, 2);
	/* an idle wait of 4242's main thread: not work, in no process row */
	add_samples(&ls_subsys_syscall_role(ls_snapshot_subsys(snap, "other"), "clock_nanosleep",
					    230, LS_ROLE_IDLE)->st, 1000000000ULL, 9);
	add_samples(&ls_subsys_syscall_role(ls_snapshot_subsys(
			    ls_snapshot_group(&snap->threads, &snap->n_threads, "4242 python3")->snap,
			    "other"), "clock_nanosleep", 230, LS_ROLE_IDLE)->st, 1000000000ULL, 9);
	p = ls_snapshot_process(snap, 4242);
	assert_non_null(p);
	snprintf(p->comm, sizeof(p->comm), "python3");
	p->ppid = 1;
	assert_int_equal(ls_process_set_str(&p->cmdline, "/usr/bin/python3 /opt/wanctl/wanctl.py "
					    "--config wan1.yaml"), 0);
	assert_int_equal(ls_process_set_str(&p->cgroup, "/system.slice/wanctl@wan1.service"), 0);
	p->start_unix_ns = snap->meta.start_unix_ns - 3600000000000ULL;
	p = ls_snapshot_process(snap, 5000);
	assert_non_null(p);
	snprintf(p->comm, sizeof(p->comm), "python3");
	p->ppid = 4000;
	assert_int_equal(ls_process_set_str(&p->cmdline, "/usr/bin/python3 /opt/wanctl/wanctl.py "
					    "--config wan2.yaml"), 0);
	p->start_unix_ns = snap->meta.start_unix_ns + 1500000000ULL;
	p->end_unix_ns = snap->meta.start_unix_ns + 4250000000ULL;
	p->exited = true;
	/* one that made no call: a row of zeros */
	p = ls_snapshot_process(snap, 6000);
	assert_non_null(p);
	snprintf(p->comm, sizeof(p->comm), "sleep");
	p->exited = true;
	snap->meta.lost = (struct ls_lost){ .processes_not_traced = 904, .syscalls_no_key = 12 };
	ls_snapshot_sort(snap);
	return snap;
}

/* One row per process, the command lines under them, errors by process. */
static void report_write__by_process__matches_golden(void **state)
{
	struct ls_snapshot *snap = build_processes();
	struct ls_report_opts o;
	size_t len;
	char *out;

	ls_report_opts_init(&o, LS_FMT_TEXT);
	o.by = LS_BY_PROCESS;
	out = render_opts(snap, &o, &len);
	compare_golden("report_process.txt", out, len);
	free(out);
	o.fmt = LS_FMT_MARKDOWN;
	out = render_opts(snap, &o, &len);
	assert_non_null(strstr(out, "\n### Processes\n"));
	assert_non_null(strstr(out, "\n### Command lines\n"));
	assert_non_null(strstr(out, "\n\nLost: 904 processes not traced"));
	free(out);
	ls_snapshot_free(snap);
}

/* Whatever was lost is said under the title, in every table format. */
static void report_write__losses__line_under_title(void **state)
{
	struct ls_snapshot *snap = build_basic();
	size_t len;
	char *out;

	out = render(snap, LS_FMT_TEXT, &len);
	assert_null(strstr(out, "Lost:"));
	free(out);
	snap->meta.lost = (struct ls_lost){ 12, 3, 904, 2, 0, 0 };
	out = render(snap, LS_FMT_TEXT, &len);
	assert_non_null(strstr(out, "\nLost: 904 processes not traced (more than "
				    "4096 at once), 2 threads not traced (no kernel memory), 12 "
				    "syscalls not aggregated (statistics table full: raise "
				    "--max-keys), 3 errors without their errno (errno table full)"
				    "\n\n"));
	free(out);
	ls_snapshot_free(snap);
}

static void report_write__by_process__no_data_one_line(void **state)
{
	struct ls_snapshot *snap = build_basic();
	struct ls_report_opts o;
	char err[256];
	FILE *f = fopen("/dev/null", "w");

	assert_non_null(f);
	ls_report_opts_init(&o, LS_FMT_TEXT);
	o.by = LS_BY_PROCESS;
	assert_int_equal(ls_report_write_opts(f, snap, &o, err, sizeof(err)), -ENODATA);
	assert_string_equal(err, "no per-process data (the snapshot was written by a latscope "
				 "that did not record processes, before snapshot version 3)");
	fclose(f);
	ls_snapshot_free(snap);
}

/* RFC 4180 quoting in CSV; GitHub's special characters escaped in Markdown. */
static void report_write__odd_names__quoted_and_escaped(void **state)
{
	struct ls_snapshot *snap = ls_snapshot_new();
	struct ls_report_opts o;
	size_t len;
	char *out;

	assert_non_null(snap);
	add_samples(&add_sc(snap, "we\"ird,name", "read", 0)->st, 1000, 1);
	add_samples(&add_sc(snap, "a|b_c*", "read", 0)->st, 500, 1);
	add_samples(&add_sc(snap, "plain", "read", 0)->st, 100, 1);
	ls_report_opts_init(&o, LS_FMT_CSV);
	out = render_opts(snap, &o, &len);
	assert_non_null(strstr(out, "\n\"we\"\"ird,name\",1,0,1000,"));
	assert_non_null(strstr(out, "\na|b_c*,1,0,500,"));
	assert_non_null(strstr(out, "\nplain,1,"));
	free(out);
	o.fmt = LS_FMT_MARKDOWN;
	out = render_opts(snap, &o, &len);
	assert_non_null(strstr(out, "\n| a\\|b\\_c\\* | 1 | 0 | 500ns |"));
	assert_non_null(strstr(out, "\n#### a\\|b\\_c\\*\n"));
	free(out);
	ls_snapshot_free(snap);
}

static void pcts_parse__good_and_bad_lists__exact_or_einval(void **state)
{
	static const char *const bad[] = { "", "0", "100.0000001", "101", "-5", "50,", ",50",
					   "50,,90", "5e1", " 50", "50 ", "50,50", "abc", "99.",
					   ".5", "1000", "50;90", "99.9999999" };
	struct ls_pcts p = { { 1.0 }, 1 };
	struct ls_cols c;
	size_t i;

	assert_int_equal(ls_pcts_parse("50,90,99,99.9", &p), 0);
	assert_int_equal(p.n, 4);
	assert_true(p.p[3] == 99.9);
	assert_int_equal(ls_pcts_parse("100,0.000001,12.5,99.99", &p), 0);
	assert_int_equal(p.n, 4);
	ls_cols_report(&c, &p);
	assert_string_equal(c.col[6].key, "p100_ns");
	assert_string_equal(c.col[7].header, "P0.000001");
	assert_string_equal(c.col[8].key, "p12_5_ns");
	assert_string_equal(c.col[9].name, "p99.99");
	assert_string_equal(c.col[10].key, "max_ns");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		p.n = 9;
		if (ls_pcts_parse(bad[i], &p) != -EINVAL)
			fail_msg("'%s' accepted", bad[i]);
		assert_int_equal(p.n, 9);
	}
	assert_int_equal(ls_pcts_parse("1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16", &p), 0);
	assert_int_equal(ls_pcts_parse("1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17", &p), -E2BIG);
	assert_int_equal(ls_pcts_parse(NULL, &p), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(report_write__basic_text__matches_golden),
		cmocka_unit_test(report_write__basic_json__matches_golden),
		cmocka_unit_test(report_write__json__loads_back_as_snapshot),
		cmocka_unit_test(report_write__empty_snapshot__says_nothing_traced),
		cmocka_unit_test(report_write__many_errnos__lists_top_ten),
		cmocka_unit_test(report_write__bad_arguments__einval),
		cmocka_unit_test(report_write__v1_fixture__same_report_as_v2),
		cmocka_unit_test(report_write__basic_markdown__matches_golden),
		cmocka_unit_test(report_write__basic_csv__matches_golden),
		cmocka_unit_test(report_write__by_syscall_sorted_top__matches_golden),
		cmocka_unit_test(report_write__percentiles__change_columns_in_every_format),
		cmocka_unit_test(report_write__top_and_sort__limit_every_section),
		cmocka_unit_test(report_write__by_thread__no_data_one_line),
		cmocka_unit_test(report_write__by_process__matches_golden),
		cmocka_unit_test(report_write__losses__line_under_title),
		cmocka_unit_test(report_write__by_process__no_data_one_line),
		cmocka_unit_test(report_write__by_thread__top_errors_name_the_thread),
		cmocka_unit_test(report_write__by_thread__row_per_thread_after_round_trip),
		cmocka_unit_test(report_write__odd_names__quoted_and_escaped),
		cmocka_unit_test(pcts_parse__good_and_bad_lists__exact_or_einval),
	};

	return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}
