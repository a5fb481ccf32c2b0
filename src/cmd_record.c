// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * latscope record: load the BPF programs, make the targets traced, wait until
 * tracing should stop, then read the maps once and report.  The programs
 * aggregate everything in the kernel, so nothing is read while tracing
 * except for -i interval tables.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "collect.h"
#include "interval.h"
#include "latscope.skel.h"
#include "log.h"
#include "main.h"
#include "match.h"
#include "proc_info.h"
#include "proc_table.h"
#include "fold.h"
#include "record_events.h"
#include "record_metrics.h"
#include "record_opts.h"
#include "report.h"
#include "report_diff.h"
#include "rules.h"
#include "save_file.h"
#include "cost.h"
#include "selfcheck.h"
#include "selfcost.h"
#include "snapshot.h"
#include "snapshot_load.h"
#include "snapshot_write.h"
#include "target.h"

#define BTF_PATH	"/sys/kernel/btf/vmlinux"
#define CAP_BPF_BIT	39	/* include/uapi/linux/capability.h, Linux 5.8 */
#define CAP_PERFMON_BIT	38
#define TICK_NS		50000000ULL	/* how often the loop looks at targets */

static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
	stop_requested = sig;
}

static __u64 now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

static bool has_cap(const struct __user_cap_data_struct d[2], int cap)
{
	return d[cap / 32].effective & (1U << (cap % 32));
}

/* Root, or CAP_BPF + CAP_PERFMON (CAP_SYS_ADMIN implies both). */
static bool can_trace(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = {};

	if (geteuid() == 0)
		return true;
	if (syscall(SYS_capget, &h, d))
		return false;
	return has_cap(d, CAP_SYS_ADMIN) ||
	       (has_cap(d, CAP_BPF_BIT) && has_cap(d, CAP_PERFMON_BIT));
}

/* Check what can be checked before loading, so the error names the cause. */
static int preflight(const struct record_opts *o)
{
	char err[256];
	size_t i;

	/* strace refuses these too: a kernel thread or a zombie makes no syscalls */
	for (i = 0; i < o->n_pids; i++) {
		if (ls_proc_check_traceable(o->pids[i], err, sizeof(err))) {
			ls_err("%s", err);
			return LS_EXIT_NO_TARGET;
		}
	}
	if (!can_trace()) {
		ls_err("permission denied: tracing needs CAP_BPF and CAP_PERFMON (or root)");
		return LS_EXIT_PERMISSION;
	}
	/* the descriptor must be open; the traced command must not inherit it */
	if (o->ready_fd >= 0 && (fcntl(o->ready_fd, F_GETFD) < 0 ||
				 (o->ready_fd > 2 && fcntl(o->ready_fd, F_SETFD, FD_CLOEXEC)))) {
		ls_usage_err("record", "--ready-fd %d: %s", o->ready_fd, strerror(errno));
		return LS_EXIT_USAGE;
	}
	if (access(BTF_PATH, R_OK)) {
		ls_err("kernel has no BTF (%s is missing): latscope needs CONFIG_DEBUG_INFO_BTF=y",
		       BTF_PATH);
		return LS_EXIT_NO_FEATURE;
	}
	if (libbpf_probe_bpf_map_type(BPF_MAP_TYPE_TASK_STORAGE, NULL) <= 0) {
		ls_err("kernel lacks BPF task storage (Linux 5.11+), needed to mark traced threads");
		return LS_EXIT_NO_FEATURE;
	}
	return LS_EXIT_OK;
}

/* Keep the BPF defaults (Linux's own) when the sysctl cannot be read. */
static void read_ephemeral_range(volatile __u16 *lo, volatile __u16 *hi)
{
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "re");
	unsigned int a, b;

	if (!f)
		return;
	if (fscanf(f, "%u %u", &a, &b) == 2 && a <= b && b <= 65535) {
		*lo = (__u16)a;
		*hi = (__u16)b;
	}
	fclose(f);
}

/* What names targets, for the kernel to pick up processes as they start. */
static void configure_match(struct latscope_bpf *skel, const struct ls_match *m)
{
	size_t i;

	skel->rodata->cfg_n_comms = (__u32)m->n_comms;
	for (i = 0; i < m->n_comms; i++)
		memcpy((char *)skel->rodata->cfg_comms[i], m->comms[i], LS_COMM_LEN);
	if (m->exe) {
		skel->rodata->cfg_exe_ino = m->exe_ino;
		skel->rodata->cfg_exe_dev = m->exe_dev;
		skel->rodata->cfg_exe_dir_ino = m->exe_dir_ino;
		skel->rodata->cfg_exe_dir_dev = m->exe_dir_dev;
		memcpy((char *)skel->rodata->cfg_exe_name, m->exe_name, sizeof(m->exe_name));
	}
	skel->rodata->cfg_cmdline = m->n_cmdlines != 0;
	if (m->n_cmdlines)
		memcpy((__u8 *)skel->rodata->cfg_cmdline_dfa, m->dfa, sizeof(m->dfa));
	skel->rodata->cfg_n_cgroups = (__u32)m->n_cgroups;
	for (i = 0; i < m->n_cgroups; i++)
		skel->rodata->cfg_cgroup_ids[i] = m->cgroup_ids[i];
	skel->rodata->cfg_n_units = (__u32)m->n_units;
	for (i = 0; i < m->n_units; i++)
		skel->rodata->cfg_unit_hashes[i] = m->unit_hashes[i];
}

/* Settings the programs are verified with: rodata, fixed before load. */
static int configure(struct latscope_bpf *skel, const struct record_opts *o,
		     const struct ls_rules *rules, const struct ls_match *match)
{
	size_t i;

	if (bpf_map__set_max_entries(skel->maps.stats, o->max_keys) ||
	    bpf_map__set_max_entries(skel->maps.stat_slots, o->max_keys) ||
	    bpf_map__set_max_entries(skel->maps.free_slots, o->max_keys)) {
		ls_err("--max-keys %u: %s", o->max_keys, strerror(errno));
		return LS_EXIT_FAILURE;
	}
	skel->rodata->cfg_max_keys = o->max_keys;
	skel->rodata->cfg_follow_forks = o->follow;
	skel->rodata->cfg_nl_classes = !o->no_nl_classes;
	skel->rodata->cfg_n_rules = (__u32)rules->n;
	skel->rodata->cfg_rule_need = ls_rules_need(rules);
	read_ephemeral_range(&skel->rodata->cfg_ephemeral_lo, &skel->rodata->cfg_ephemeral_hi);
	skel->rodata->cfg_stack_hint_skew = ls_selfcheck_test_skew();
	if (match)
		configure_match(skel, match);
	for (i = 0; i < o->n_idle; i++)
		skel->rodata->cfg_idle_force[o->idle_nrs[i] / 8] |= (__u8)(1U << (o->idle_nrs[i] % 8));
	for (i = 0; i < o->n_busy; i++)
		skel->rodata->cfg_idle_never[o->busy_nrs[i] / 8] |= (__u8)(1U << (o->busy_nrs[i] % 8));
	return LS_EXIT_OK;
}

static int load_rules_map(struct latscope_bpf *skel, const struct ls_rules *rules)
{
	int fd = bpf_map__fd(skel->maps.rules);
	__u32 i;

	for (i = 0; i < rules->n; i++)
		if (bpf_map_update_elem(fd, &i, &rules->rule[i], BPF_ANY))
			return -errno;
	return 0;
}

static int load_and_attach(struct latscope_bpf **out, const struct record_opts *o,
			   const struct ls_rules *rules, const struct ls_match *match)
{
	struct latscope_bpf *skel;
	int err;

	skel = latscope_bpf__open();
	if (!skel) {
		ls_err("cannot open the BPF object: %s", strerror(errno));
		return LS_EXIT_FAILURE;
	}
	err = configure(skel, o, rules, match);
	if (err) {
		latscope_bpf__destroy(skel);
		return err;
	}
	err = latscope_bpf__load(skel);
	if (err) {
		latscope_bpf__destroy(skel);
		if (err == -EPERM || err == -EACCES) {
			ls_err("the kernel refused to load BPF programs (%s): needs CAP_BPF and "
			       "CAP_PERFMON (or root), and no lockdown", strerror(-err));
			return LS_EXIT_PERMISSION;
		}
		if (err == -ENOMEM) {
			ls_err("not enough kernel memory for latscope's maps (%s); try a smaller "
			       "--max-keys", strerror(-err));
			return LS_EXIT_FAILURE;
		}
		ls_err("the kernel rejected latscope's BPF programs (%s); it needs tp_btf "
		       "tracepoints and task storage (run 'latscope -v record' for the log)",
		       strerror(-err));
		return LS_EXIT_NO_FEATURE;
	}
	err = load_rules_map(skel, rules);
	if (err) {
		latscope_bpf__destroy(skel);
		ls_err("cannot load the rules into the kernel: %s", strerror(-err));
		return LS_EXIT_FAILURE;
	}
	/* an iterator runs when user space asks (target.c); it attaches to nothing */
	bpf_program__set_autoattach(skel->progs.register_stacks, false);
	bpf_program__set_autoattach(skel->progs.dump_threads, false);
	err = latscope_bpf__attach(skel);
	if (err) {
		latscope_bpf__destroy(skel);
		ls_err("cannot attach to the sys_enter/sys_exit tracepoints (tp_btf): %s",
		       strerror(-err));
		return LS_EXIT_NO_FEATURE;
	}
	*out = skel;
	return LS_EXIT_OK;
}

static void join_words(char *buf, size_t len, const char *prefix, char **words, int n)
{
	size_t off;
	int i;

	snprintf(buf, len, "%s", prefix);
	for (i = 0; i < n || (n < 0 && words[i]); i++) {
		off = strlen(buf);
		snprintf(buf + off, len - off, "%s%s", off ? " " : "", words[i]);
	}
}

/* Append " WORD" (no blank first) to buf. */
static void append_word(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void append_word(char *buf, size_t len, const char *fmt, ...)
{
	size_t off = strlen(buf);
	va_list ap;

	if (off && off + 1 < len)
		buf[off++] = ' ';
	if (off >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + off, len - off, fmt, ap);
	va_end(ap);
}

static void describe_target(const struct record_opts *o, char *buf, size_t len)
{
	char comm[64];
	size_t i, off;

	buf[0] = '\0';
	if (o->cmd) {
		join_words(buf, len, "cmd", o->cmd, -1);
		return;
	}
	if (record_by_name(o)) {
		/* "comm a,b" */
		for (i = 0; i < o->n_comms; i++) {
			if (!i) {
				append_word(buf, len, "comm %s", o->comms[i]);
				continue;
			}
			off = strlen(buf);
			snprintf(buf + off, len - off, ",%s", o->comms[i]);
		}
		if (o->exe)
			append_word(buf, len, "exe %s", o->exe);
		for (i = 0; i < o->n_cmdlines; i++)
			append_word(buf, len, "cmdline %s", o->cmdlines[i]);
		for (i = 0; i < o->n_units; i++)
			append_word(buf, len, "unit %s", o->units[i]);
		for (i = 0; i < o->n_cgroups; i++)
			append_word(buf, len, "cgroup %s", o->cgroups[i]);
		return;
	}
	snprintf(buf, len, "pid");
	for (i = 0; i < o->n_pids; i++) {
		off = strlen(buf);
		target_comm(o->pids[i], o->pids[i], comm, sizeof(comm));
		snprintf(buf + off, len - off, "%s%d%s%s%s", i ? "," : " ", o->pids[i],
			 comm[0] ? " (" : "", comm, comm[0] ? ")" : "");
	}
}

static void fill_meta(struct ls_meta *m, const struct record_opts *o, int argc, char **argv)
{
	struct utsname u;

	snprintf(m->latscope_version, sizeof(m->latscope_version), "%s", LATSCOPE_VERSION);
	if (!uname(&u))
		snprintf(m->kernel, sizeof(m->kernel), "%s", u.release);
	gethostname(m->host, sizeof(m->host) - 1);
	m->ncpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
	join_words(m->cmdline, sizeof(m->cmdline), "latscope", argv, argc);
	describe_target(o, m->target, sizeof(m->target));
}

static int print_report(const struct ls_snapshot *snap, enum ls_format fmt)
{
	int ret = ls_report_write(stdout, snap, fmt);

	fflush(stdout);
	return ret;
}

struct run_state {
	const struct ls_rules *rules;
	struct ls_outfile *out;	/* -o, prepared before tracing */
	struct ls_events ev;		/* idle waits, slow calls, thread exits */
	struct ls_fold fold;		/* exited threads' figures */
	__u64 last_fold_ns;
	bool fold_warned;
	__u64 unix_offset_ns;		/* CLOCK_REALTIME - CLOCK_MONOTONIC */
	struct latscope_bpf *skel;
	bool measure_cost;	/* the cost line, or the metrics' cost figures */
	struct ls_cost_sampler cost;	/* cost.sample.enabled: the kernel gave the statistics */
	struct ls_target_maps tmaps;
	struct ls_map_fds fds;
	struct ls_intervals iv;	/* -i */
	bool iv_warned;		/* a failed read or build is said once */
	bool iv_write_failed;	/* stdout failed: no more interval tables */
	struct ls_snapshot *baseline;	/* --baseline, loaded before tracing */
	struct ls_snapshot *procs;	/* who the traced processes are: proc_table.h */
	__u32 *live;		/* scratch: the traced pids of one tick */
	pid_t child;
	int child_status;
	__u64 iv_t0;		/* CLOCK_MONOTONIC when meta.start_unix_ns was taken */
	struct ls_snapshot *kept_iv;	/* -i: the intervals, for the snapshot's "intervals" */
	bool kept_full;		/* more than the snapshot holds: said once */
	struct ls_record_metrics *metrics;	/* --listen, --prom-file */
	int prom_file_err;	/* the last --prom-file error, so it is said once */
};

/*
 * The traced processes alive now (-errno on failure), and what /proc says
 * about the new ones while they still run, for the snapshot's processes.
 */
/*
 * Before any target is traced: does the kernel count a traced thread's
 * call (src/selfcheck.h)?  The first filter is turned off if not.
 */
static enum ls_selfcheck self_check(const struct run_state *rs)
{
	enum ls_selfcheck r;
	char err[512];

	if (ls_selfcheck_run(&rs->tmaps, &rs->fds, &r, err, sizeof(err))) {
		memset((void *)rs->tmaps.stack_hint, 1, LS_STACK_HINT_SLOTS);
		ls_warn("the self-check could not run (%s); the stack filter is off", err);
		return LS_SELFCHECK_ERROR;
	}
	if (r == LS_SELFCHECK_PASSED)
		ls_info("self-check: the kernel counted latscope's test call (stack filter on)");
	else if (r == LS_SELFCHECK_FALLBACK)
		ls_info("self-check: the stack filter missed latscope's test call (kernel stacks "
			"are not where latscope expects them); it is off: every task on the host "
			"takes the slower tgid check");
	else
		ls_warn("self-check: the kernel did not count latscope's test call, even with "
			"the stack filter off: the figures may miss calls");
	return r;
}

static int track_processes(struct run_state *rs)
{
	int n = target_live_tgids(&rs->tmaps, rs->live, LS_MAX_PROCS);

	if (n >= 0 && ls_proc_table_update(rs->procs, rs->live,
					   (size_t)n < LS_MAX_PROCS ? (size_t)n : LS_MAX_PROCS,
					   now_ns(CLOCK_REALTIME)))
		ls_info("out of memory: the process table misses some processes");
	return n;
}

/* -i problems other than stdout's are said once: the run goes on regardless. */
static void interval_warn(struct run_state *rs, const char *what, int err)
{
	if (!rs->iv_warned)
		ls_warn("%s: %s", what, strerror(err));
	rs->iv_warned = true;
}

/* The interval's figures per subsystem, for the snapshot (and its timeline). */
static void keep_interval(struct run_state *rs, const struct ls_snapshot *iv, bool partial)
{
	int ret;

	if (!rs->kept_iv || rs->kept_full)
		return;
	ret = ls_snapshot_add_interval(rs->kept_iv, iv, partial);
	if (ret == -E2BIG)
		ls_warn("more than %d intervals (or %d interval rows): the later ones are "
			"printed but not saved", LS_SNAPSHOT_MAX_INTERVALS,
			LS_SNAPSHOT_MAX_INTERVAL_ROWS);
	else if (ret)
		interval_warn(rs, "cannot keep an interval for the snapshot", -ret);
	rs->kept_full = ret == -E2BIG;
}

/*
 * -i: one table, what happened from `from` to `to`.  If stdout fails the
 * error is said once, with its cause, and no more tables are printed: the
 * run goes on for the final report and -o (which keeps the intervals).
 */
static void print_interval(struct run_state *rs, const struct ls_raw *delta,
			   const struct ls_meta *meta, __u64 from, __u64 to, bool partial,
			   enum ls_format fmt)
{
	struct ls_snapshot *snap;
	time_t t = time(NULL);
	char stamp[32];
	int ret;

	if (rs->iv_write_failed && !rs->kept_iv)
		return;
	snap = ls_snapshot_new();
	if (!snap) {
		interval_warn(rs, "cannot build an interval table", ENOMEM);
		return;
	}
	snap->meta = *meta;
	snap->meta.events = snap->meta.dropped = 0;
	snap->meta.lost = (struct ls_lost){ 0 };
	strftime(stamp, sizeof(stamp), "%H:%M:%S", localtime(&t));
	snprintf(snap->meta.target, sizeof(snap->meta.target), "%.200s, interval to %s%s",
		 meta->target, stamp, partial ? " (partial)" : "");
	snap->meta.duration_ns = to - from;
	/* on the run's clock: each interval starts where the one before ended */
	snap->meta.start_unix_ns = meta->start_unix_ns + (from - rs->iv_t0);
	snap->meta.end_unix_ns = snap->meta.start_unix_ns + snap->meta.duration_ns;
	ret = ls_raw_to_snapshot(delta, snap, rs->rules);
	if (ret) {
		interval_warn(rs, "cannot build an interval table", -ret);
		ls_snapshot_free(snap);
		return;
	}
	ls_snapshot_sort(snap);
	keep_interval(rs, snap, partial);
	if (rs->iv_write_failed) {
		ls_snapshot_free(snap);
		return;
	}
	/* the report writers say -EIO; stdio left the write's errno */
	errno = 0;
	ret = ls_report_write(stdout, snap, fmt);
	/* Markdown too: a line right after a table would join it. */
	if (!ret && (fmt == LS_FMT_TEXT || fmt == LS_FMT_MARKDOWN))
		putchar('\n');
	if (fflush(stdout) && !ret)
		ret = -EIO;
	if (ret) {
		ls_warn("cannot write the interval table to stdout: %s; no more interval tables",
			strerror(errno ? errno : -ret));
		rs->iv_write_failed = true;
	}
	ls_snapshot_free(snap);
}

/* The current interval is over: read the maps and print it. */
static void next_interval(struct run_state *rs, const struct ls_meta *meta, __u64 now,
			  enum ls_format fmt)
{
	struct ls_raw cur, delta;
	__u64 from;
	int ret;

	ret = ls_raw_read(&rs->fds, &cur);
	if (!ret) {
		cur.unix_offset_ns = rs->unix_offset_ns;
		ret = ls_intervals_next(&rs->iv, &cur, now, &delta, &from);
		ls_raw_free(&cur);
	}
	/* the interval stays open: the next read covers it, nothing is lost */
	if (ret) {
		interval_warn(rs, "cannot read the statistics for an interval table", -ret);
		return;
	}
	print_interval(rs, &delta, meta, from, now, false, fmt);
	ls_raw_free(&delta);
}

/* Reap whatever exited: the launched command and, as subreaper, orphans. */
static void reap_children(pid_t child, int *child_status)
{
	int status;
	pid_t p;

	while ((p = waitpid(-1, &status, WNOHANG)) > 0)
		if (p == child)
			*child_status = status;
}


/* --prom-file: an error is said when it starts and when it ends, not every interval. */
static void write_prom_file(const struct record_opts *o, struct run_state *rs, bool final)
{
	int ret = ls_record_metrics_write_file(rs->metrics, o->prom_file, final);

	if (ret && ret != rs->prom_file_err)
		ls_warn("cannot write the metrics to %s: %s%s", o->prom_file, strerror(-ret),
			final ? "" : "; trying again every interval");
	else if (!ret && rs->prom_file_err)
		ls_warn("the metrics are written to %s again", o->prom_file);
	rs->prom_file_err = ret;
}

/*
 * --listen, --prom-file: serving starts before the target does, so that a
 * port in use or an unwritable file stops latscope before anything runs.
 */
static int start_metrics(const struct record_opts *o, struct run_state *rs, bool cost,
			 __u64 start_unix_ns)
{
	struct ls_record_metrics_cfg cfg = {
		.opts = o,
		.fds = &rs->fds,
		.rules = rs->rules,
		.measure_cost = cost,
		.max_keys = o->max_keys,
		.start_unix_s = (double)start_unix_ns / 1e9,
	};
	char err[512];
	int ret;

	rs->metrics = ls_record_metrics_new(&cfg);
	if (!rs->metrics) {
		ls_err("out of memory");
		return LS_EXIT_FAILURE;
	}
	if (o->listen) {
		if (ls_record_metrics_listen(rs->metrics, (const struct sockaddr *)&o->listen_addr,
					     o->listen_addrlen, err, sizeof(err))) {
			ls_err("%s", err);
			return LS_EXIT_FAILURE;
		}
		ls_notice("Serving metrics at %s", ls_record_metrics_url(rs->metrics));
	}
	if (o->prom_file) {
		ret = ls_record_metrics_write_file(rs->metrics, o->prom_file, true);
		if (ret) {
			ls_err("--prom-file %s: %s", o->prom_file, strerror(-ret));
			return LS_EXIT_FAILURE;
		}
	}
	return LS_EXIT_OK;
}

/*
 * --slow auto: a tenth of the period once the cycle is known, so a call
 * that takes a good part of a cycle is reported one by one.
 */
static void update_slow_threshold(const struct record_opts *o, struct run_state *rs)
{
	__u64 period, t;

	if (o->slow_mode != LS_SLOW_AUTO)
		return;
	period = ls_cycles_period_now(rs->ev.cycles);
	if (!period)
		return;
	t = period / 10;
	t = t < LS_SLOW_MIN_NS ? LS_SLOW_MIN_NS : t > LS_SLOW_MAX_NS ? LS_SLOW_MAX_NS : t;
	rs->skel->bss->slow_ns = t;
}

/*
 * Exited threads' keys go back to the kernel for reuse (fold.h), but only
 * when room runs short: until then each exited thread keeps its own row in
 * the thread view.  Short is half the keys in use, or as many exits not
 * folded as half of thread_times.  A fold scans the maps, so at most every
 * 100 ms when threads exited, and every 10 s otherwise: that one takes the
 * exited threads whose notes a full ring buffer lost (the exit hook's
 * thread_times entries remain).
 */
#define FOLD_EVERY_NS		100000000ULL
#define FOLD_IDLE_EVERY_NS	10000000000ULL

/*
 * A process that lived shorter than a tick is in the process table only
 * by its exit note: once folded and merged, its pid is on no thread.
 */
static void note_exited_processes(struct run_state *rs)
{
	const struct ls_exit_note *n;
	struct ls_process *p;
	size_t i;

	for (i = 0; i < rs->ev.n_exits; i++) {
		n = &rs->ev.exits[i];
		if (!n->process_exited || ls_snapshot_find_process(rs->procs, n->tgid))
			continue;
		p = ls_snapshot_process(rs->procs, n->tgid);
		if (!p)
			return;
		memcpy(p->comm, n->comm, sizeof(p->comm));
		p->exited = true;
	}
}

static void fold_exited(const struct record_opts *o, struct run_state *rs, __u64 now)
{
	bool short_of_room = rs->skel->bss->next_stat_slot >= o->max_keys / 2 ||
			     rs->ev.n_exits >= LS_MAX_THREADS / 2;
	int ret;

	if (!short_of_room ||
	    now - rs->last_fold_ns < (rs->ev.n_exits ? FOLD_EVERY_NS : FOLD_IDLE_EVERY_NS))
		return;
	note_exited_processes(rs);
	ret = ls_raw_fold_exited(&rs->fds, rs->ev.exits, rs->ev.n_exits);
	if (ret && !rs->fold_warned) {
		ls_warn("cannot fold exited threads' figures: %s; their keys stay in use",
			strerror(-ret));
		rs->fold_warned = true;
	}
	rs->ev.n_exits = 0;
	rs->last_fold_ns = now;
}

/* A cost window opens or closes when due; the ns to wait for the next tick. */
static __u64 cost_tick(struct run_state *rs, __u64 now)
{
	bool closed;
	__u64 next;

	if (!rs->measure_cost || !rs->cost.sample.enabled)
		return TICK_NS;
	next = ls_cost_sampler_tick(&rs->cost, now, &closed);
	if (closed && rs->metrics)
		ls_record_metrics_set_cost(rs->metrics, &rs->cost.sample);
	return next < TICK_NS ? next : TICK_NS;
}

/* Wait for: a stop signal, the duration, or no live target left. */
static int trace_loop(const struct record_opts *o, struct run_state *rs,
		      const struct ls_meta *meta, __u64 start)
{
	__u64 deadline = o->duration_s > 0 ? start + (__u64)(o->duration_s * 1e9) : 0;
	__u64 prom_period = (__u64)((o->interval_s > 0 ? o->interval_s : LS_PROM_FILE_DEFAULT_S) * 1e9);
	__u64 next_prom = o->prom_file ? start + prom_period : 0;
	__u64 wait_ns = TICK_NS;
	int live;

	while (!stop_requested) {
		__u64 now;

		/* the tick: the records the kernel wrote meanwhile are read on it */
		if (ls_events_poll(&rs->ev, (int)((wait_ns + 999999) / 1000000)) == -EINTR)
			continue;
		wait_ns = cost_tick(rs, now_ns(CLOCK_MONOTONIC));
		update_slow_threshold(o, rs);
		if (rs->metrics && rs->ev.cycles) {
			__u64 period, cycles;

			ls_cycles_now(rs->ev.cycles, &period, &cycles);
			ls_record_metrics_set_cycles(rs->metrics, period, cycles);
		}
		fold_exited(o, rs, now_ns(CLOCK_MONOTONIC));
		if (rs->child)
			reap_children(rs->child, &rs->child_status);
		now = now_ns(CLOCK_MONOTONIC);
		/* first: an interval ending with the run is printed from the final read */
		if (deadline && now >= deadline)
			break;
		if (ls_intervals_due(&rs->iv, now))
			next_interval(rs, meta, now, o->format);
		if (next_prom && now >= next_prom) {
			write_prom_file(o, rs, false);
			next_prom += prom_period;
		}
		live = track_processes(rs);
		/* by name, a target may (re)start at any time: only -d or a signal stop */
		if (live == 0 && !record_by_name(o)) {
			ls_info("all targets have exited");
			break;
		}
	}
	return 0;
}

static int write_snapshot(FILE *f, const void *snap)
{
	return ls_snapshot_write_json(f, snap, 1);
}

static int final_report(const struct record_opts *o, struct run_state *rs, struct ls_meta *meta,
			__u64 t0_mono)
{
	struct ls_snapshot *snap;
	struct ls_raw raw, delta;
	char err[512];
	bool partial;
	__u64 end;
	int ret, code = LS_EXIT_OK;

	/* what the kernel wrote up to now, before the maps are read */
	ls_events_poll(&rs->ev, 0);
	ret = ls_raw_read(&rs->fds, &raw);
	end = now_ns(CLOCK_MONOTONIC);
	if (rs->measure_cost)
		ls_cost_sampler_stop(&rs->cost, end);
	if (ret) {
		ls_err("cannot read the statistics maps: %s", strerror(-ret));
		return LS_EXIT_FAILURE;
	}
	raw.unix_offset_ns = rs->unix_offset_ns;
	meta->end_unix_ns = now_ns(CLOCK_REALTIME);
	meta->duration_ns = end - t0_mono;
	/* -i: the last interval, on this same read, so the tables add up to the totals */
	if (rs->iv.period_ns) {
		ret = ls_intervals_last(&rs->iv, &raw, end, 2 * TICK_NS, &delta, &partial);
		if (ret)
			interval_warn(rs, "cannot build the last interval table", -ret);
		else
			print_interval(rs, &delta, meta, rs->iv.start_ns, end, partial, o->format);
		ls_raw_free(&delta);
	}
	snap = ls_snapshot_new();
	if (!snap || ls_raw_to_snapshot(&raw, snap, rs->rules) ||
	    ls_events_to_snapshot(&rs->ev, end, o->slow_mode == LS_SLOW_OFF ? 0 :
				  rs->skel->bss->slow_ns, snap)) {
		ls_err("out of memory building the report");
		ls_snapshot_free(snap);
		ls_raw_free(&raw);
		return LS_EXIT_FAILURE;
	}
	meta->events = snap->meta.events;
	meta->dropped = snap->meta.dropped;
	meta->lost = snap->meta.lost;
	snap->meta = *meta;
	snap->events_lost = raw.counters[LS_CNT_EVENTS_LOST];
	if (rs->measure_cost && rs->cost.sample.enabled) {
		snap->has_cost = 1;
		snap->cost = rs->cost.sample;
	}
	if (rs->ev.err)
		ls_warn("some idle waits or slow calls could not be kept: %s",
			strerror(-rs->ev.err));
	if (raw.counters[LS_CNT_EVENTS_LOST])
		ls_warn("%llu idle waits, slow calls or thread exits were lost: the events "
			"buffer was full", (unsigned long long)raw.counters[LS_CNT_EVENTS_LOST]);
	if (raw.counters[LS_CNT_THREADS_FULL])
		ls_warn("%llu threads' time split was lost: more than %d threads",
			(unsigned long long)raw.counters[LS_CNT_THREADS_FULL], LS_MAX_THREADS);
	/* who was who: what the table saw while they ran, then the short-lived ones */
	if (track_processes(rs) < 0 ||
	    ls_proc_table_take(rs->procs, snap, ls_raw_process_comm, &rs->fds))
		ls_warn("the snapshot's process list is incomplete (out of memory)");
	ls_snapshot_sort(snap);
	if (rs->kept_iv) {
		snap->intervals = rs->kept_iv->intervals;
		snap->n_intervals = rs->kept_iv->n_intervals;
		rs->kept_iv->intervals = NULL;
		rs->kept_iv->n_intervals = 0;
		if (ls_snapshot_fit_intervals(snap))
			ls_warn("the snapshot keeps only the first %zu intervals: with its subsystems, "
				"more would not load again", snap->n_intervals);
	}
	if (raw.counters[LS_CNT_DROPPED_KEYS])
		ls_warn("%llu syscalls were not aggregated: more than %u (subsystem, syscall, "
			"thread) entries; raise --max-keys",
			(unsigned long long)raw.counters[LS_CNT_DROPPED_KEYS], o->max_keys);
	if (raw.counters[LS_CNT_DROPPED_ERRNO])
		ls_warn("%llu errors have no errno breakdown: more than %d distinct errnos "
			"(the ERRORS column is still exact)",
			(unsigned long long)raw.counters[LS_CNT_DROPPED_ERRNO], LS_MAX_ERRNO_KEYS);
	if (raw.counters[LS_CNT_TASK_NOMEM] || raw.counters[LS_CNT_PROCS_FULL])
		ls_warn("%llu new threads or processes could not be traced (kernel memory or "
			"more than %d processes)",
			(unsigned long long)(raw.counters[LS_CNT_TASK_NOMEM] +
					     raw.counters[LS_CNT_PROCS_FULL]), LS_MAX_PROCS);
	ls_info("%llu syscall returns had no traced entry (in flight at attach, a new "
		"thread's or child's return from fork/clone, or a launched command's "
		"calls before its execve): not counted",
		(unsigned long long)raw.counters[LS_CNT_NO_ENTRY]);

	/* save first: a full disk must not cost the user the report, nor vice versa */
	if (rs->out) {
		ret = ls_outfile_commit(rs->out, write_snapshot, snap, err, sizeof(err));
		rs->out = NULL;
		if (ret) {
			ls_err("%s", err);
			code = LS_EXIT_FAILURE;
		}
	}
	if (!o->quiet && print_report(snap, o->format)) {
		ls_err("cannot write the report: %s", strerror(errno));
		code = LS_EXIT_FAILURE;
	}
	if (!o->quiet && o->format == LS_FMT_TEXT && rs->measure_cost) {
		putchar('\n');
		ls_cost_print_sample(stdout, &rs->cost.sample);
	}
	if (rs->baseline) {
		ret = ls_diff_print(stdout, rs->baseline, o->baseline, snap,
				    o->output ? o->output : "this run", o->format);
		if (ret) {
			ls_err("cannot write the diff against %s: %s", o->baseline, strerror(-ret));
			code = LS_EXIT_FAILURE;
		}
	}
	ls_snapshot_free(snap);
	ls_raw_free(&raw);
	return code;
}

/*
 * Nothing runs under the names yet.  A daemon's comm is often its
 * interpreter's (python3): list what has the name in its command line.
 */
static void hint_cmdlines(const char *what, const char *needle)
{
	struct ls_cmdline_hit hits[8];
	size_t n = ls_find_cmdlines(needle, hits, 8), i;

	if (!n)
		return;
	ls_hint("%zu process%s ha%s '%s' in %s command line but another %s; to trace %s, use "
		"--cmdline %s", n, n == 1 ? "" : "es", n == 1 ? "s" : "ve", needle,
		n == 1 ? "its" : "their", what, n == 1 ? "it" : "them", needle);
	for (i = 0; i < n && i < 8; i++)
		ls_hint("  %d %s", hits[i].pid, hits[i].cmdline);
	if (n > 8)
		ls_hint("  ... and %zu more", n - 8);
}

static void warn_no_match(const struct ls_match *m, const char *target)
{
	size_t i;

	ls_warn("no process matches %s yet; waiting for one to start", target);
	for (i = 0; i < m->n_comms; i++)
		hint_cmdlines("name", m->comms[i]);
	if (m->exe)
		hint_cmdlines("executable", m->exe_name);
}

/*
 * --ready-fd: everything is attached and every target found so far is
 * traced.  The line is the contract (docs/record.md); closing the
 * descriptor lets a reader of a pipe see EOF.  A reader that went away
 * costs nothing: SIGPIPE is ignored by then.
 */
static void signal_ready(const struct record_opts *o, const struct ls_meta *meta)
{
	if (o->ready_fd < 0)
		return;
	if (dprintf(o->ready_fd, "latscope: ready: tracing %s\n", meta->target) < 0)
		ls_warn("--ready-fd %d: %s", o->ready_fd, strerror(errno));
	if (o->ready_fd > 2)
		close(o->ready_fd);
}

static void install_signal_handlers(void)
{
	struct sigaction sa = { .sa_handler = on_stop_signal };

	/* no SA_RESTART: the sleep in the loop must end at once */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* -r FILE, then each --rule; a bad rule is a usage error naming line:column. */
static int parse_rules(const struct record_opts *o, struct ls_rules *rules)
{
	char err[512];
	size_t i;
	int ret;

	if (o->rules_file) {
		ret = ls_rules_load_file(rules, o->rules_file, err, sizeof(err));
		if (ret) {
			ls_err("%s", err);
			return LS_EXIT_USAGE;
		}
	}
	for (i = 0; i < o->n_rule_args; i++) {
		ret = ls_rules_parse_line(rules, o->rule_args[i], "--rule", (int)i + 1, err,
					  sizeof(err));
		if (ret) {
			ls_err("%s", err);
			return LS_EXIT_USAGE;
		}
	}
	return LS_EXIT_OK;
}

int cmd_record(int argc, char **argv)
{
	struct run_state rs = { .child = 0 };
	struct latscope_bpf *skel = NULL;
	struct ls_match *match = NULL;
	struct record_opts o;
	struct ls_cycle_opts cycle_opts;
	struct ls_meta meta = {};
	struct ls_rules rules;
	enum ls_selfcheck check;
	size_t found = 0;
	bool metrics_cost, text_cost;
	char err[512];
	__u64 t0;
	int ret;

	ret = record_opts_parse(&o, argc, argv, err, sizeof(err));
	if (ret == 1) {
		record_usage(stdout);
		return LS_EXIT_OK;
	}
	if (ret) {
		ls_usage_err("record", "%s", err);
		return LS_EXIT_USAGE;
	}
	/* A bad baseline must not cost the user a whole recording first. */
	if (o.baseline) {
		rs.baseline = ls_snapshot_load(o.baseline, err, sizeof(err));
		if (!rs.baseline) {
			ls_err("--baseline: %s", err);
			return LS_EXIT_BAD_INPUT;
		}
	}
	cycle_opts.syscall_nr = o.cycle_nr;
	cycle_opts.fixed_ns = o.cycle_ns;
	ls_rules_init(&rules);
	ret = parse_rules(&o, &rules);
	if (ret)
		goto out_rules;
	rs.rules = &rules;
	/* -o now, as strace and perf do: a bad FILE must not cost a whole run */
	if (o.output) {
		ret = ls_outfile_open(&rs.out, o.output, err, sizeof(err));
		if (ret) {
			ls_err("%s", err);
			ret = LS_EXIT_FAILURE;
			goto out_rules;
		}
	}
	ret = preflight(&o);
	if (ret)
		goto out_rules;
	rs.procs = ls_snapshot_new();
	rs.live = calloc(LS_MAX_PROCS, sizeof(*rs.live));
	if (!rs.procs || !rs.live) {
		ls_err("out of memory");
		ret = LS_EXIT_FAILURE;
		goto out_rules;
	}

	libbpf_set_print(ls_libbpf_print);
	if (record_by_name(&o)) {
		/* 64 KiB of automaton: off the stack */
		match = malloc(sizeof(*match));
		if (!match) {
			ls_err("out of memory");
			ret = LS_EXIT_FAILURE;
			goto out_rules;
		}
		ret = ls_match_build(match, &o, err, sizeof(err));
		if (ret) {
			ls_err("%s", err);
			ret = ret == -ENOENT || ret == -ENOEXEC ? LS_EXIT_NO_TARGET :
			      ret == -ENODEV ? LS_EXIT_NO_FEATURE : LS_EXIT_FAILURE;
			goto out_rules;
		}
	}
	ret = load_and_attach(&skel, &o, &rules, match);
	if (ret)
		goto out_rules;
	rs.tmaps.task_state_fd = bpf_map__fd(skel->maps.task_state);
	rs.tmaps.procs_fd = bpf_map__fd(skel->maps.procs);
	rs.tmaps.tgid_hint = skel->bss->tgid_hint;
	rs.tmaps.stack_hint = skel->bss->stack_hint;
	rs.tmaps.forgotten_tgid = &skel->bss->forgotten_tgid;
	rs.tmaps.stack_iter_fd = bpf_program__fd(skel->progs.register_stacks);
	rs.fds.stats_fd = bpf_map__fd(skel->maps.stats);
	rs.fds.slots_fd = bpf_map__fd(skel->maps.stat_slots);
	rs.fds.errno_fd = bpf_map__fd(skel->maps.errno_counts);
	rs.fds.counters_fd = bpf_map__fd(skel->maps.counters);
	rs.fds.thread_comms_fd = bpf_map__fd(skel->maps.thread_comms);
	rs.fds.thread_times_fd = bpf_map__fd(skel->maps.thread_times);
	rs.fds.dump_threads_fd = bpf_program__fd(skel->progs.dump_threads);
	rs.fds.free_slots_fd = bpf_map__fd(skel->maps.free_slots);
	ret = ls_fold_init(&rs.fold);
	if (ret) {
		ls_err("out of memory");
		ret = LS_EXIT_FAILURE;
		goto out;
	}
	rs.fds.fold = &rs.fold;
	check = self_check(&rs);
	rs.unix_offset_ns = now_ns(CLOCK_REALTIME) - now_ns(CLOCK_MONOTONIC);
	cycle_opts.t0_ns = now_ns(CLOCK_MONOTONIC);
	ret = ls_events_open(&rs.ev, bpf_map__fd(skel->maps.events), &cycle_opts, &rules,
			     rs.unix_offset_ns);
	if (ret) {
		ls_err("cannot read the events ring buffer: %s", strerror(-ret));
		ret = LS_EXIT_FAILURE;
		goto out;
	}
	skel->bss->slow_ns = o.slow_mode == LS_SLOW_FIXED ? o.slow_ns :
			     o.slow_mode == LS_SLOW_AUTO ? LS_SLOW_DEFAULT_NS : 0;

	rs.skel = skel;
	/*
	 * The kernel's run-time statistics add two clock reads to every run of
	 * the programs, for every process on the host: they are sampled
	 * (src/cost.h), and only when the cost line is printed (a text report
	 * on stdout) or exported (--listen/--prom-file).  The calibration
	 * comes before any target is traced.
	 */
	text_cost = !o.no_cost && !o.quiet && o.format == LS_FMT_TEXT;
	metrics_cost = !o.no_cost && (o.listen || o.prom_file);
	rs.measure_cost = text_cost || metrics_cost;
	if (rs.measure_cost) {
		int cret = ls_cost_sampler_init(&rs.cost, skel->obj, rs.fds.counters_fd,
						&skel->bss->cost_sampling, &rs.tmaps);

		if (cret)
			ls_info("no tracing cost: the kernel refused BPF run-time statistics "
				"(%s)", strerror(-cret));
	}
	install_signal_handlers();
	fill_meta(&meta, &o, argc, argv);
	snprintf(meta.self_check, sizeof(meta.self_check), "%s", ls_selfcheck_name(check));
	t0 = now_ns(CLOCK_MONOTONIC);
	meta.start_unix_ns = now_ns(CLOCK_REALTIME);
	if (o.listen || o.prom_file) {
		ret = start_metrics(&o, &rs, metrics_cost && rs.cost.sample.enabled,
				    meta.start_unix_ns);
		if (ret)
			goto out;
	}
	if (rs.measure_cost)
		ls_cost_sampler_start(&rs.cost, now_ns(CLOCK_MONOTONIC));
	if (o.cmd) {
		/* orphans of the command (daemons that double-fork) come back to us */
		prctl(PR_SET_CHILD_SUBREAPER, 1);
		ret = target_launch(&rs.tmaps, o.cmd, &rs.child, err, sizeof(err));
		if (ret) {
			ls_err("%s", err);
			ret = ret == -ENOENT || ret == -EACCES ? LS_EXIT_NO_TARGET : LS_EXIT_FAILURE;
			goto out;
		}
	} else if (record_by_name(&o)) {
		ret = target_attach_matching(&rs.tmaps, match, &found, err, sizeof(err));
		if (ret) {
			ls_err("%s", err);
			ret = LS_EXIT_FAILURE;
			goto out;
		}
		if (!found)
			warn_no_match(match, meta.target);
	} else {
		ret = target_attach_pids(&rs.tmaps, o.pids, o.n_pids, err, sizeof(err));
		if (ret) {
			ls_err("%s", err);
			ret = ret == -ESRCH ? LS_EXIT_NO_TARGET :
			      ret == -EOPNOTSUPP ? LS_EXIT_NO_FEATURE : LS_EXIT_FAILURE;
			goto out;
		}
	}
	track_processes(&rs);
	ls_info("tracing %s", meta.target);
	signal_ready(&o, &meta);

	ls_intervals_init(&rs.iv, (__u64)(o.interval_s * 1e9), t0);
	rs.iv_t0 = t0;
	if (o.interval_s > 0 && !(rs.kept_iv = ls_snapshot_new()))
		ls_warn("out of memory: the intervals will not be saved");
	trace_loop(&o, &rs, &meta, t0);
	if (rs.metrics) {
		ls_record_metrics_stop_server(rs.metrics);
		if (o.prom_file)
			write_prom_file(&o, &rs, true);
	}
	ret = final_report(&o, &rs, &meta, t0);
	/* what the child's PR_SET_PDEATHSIG would do anyway, said and done here */
	if (rs.child && rs.child_status == 0 &&
	    waitpid(rs.child, &rs.child_status, WNOHANG) == 0) {
		ls_info("the command (pid %d) is still running; stopping it with SIGTERM",
			rs.child);
		kill(rs.child, SIGTERM);
	}
out:
	ls_events_close(&rs.ev);
	ls_fold_free(&rs.fold);
	ls_record_metrics_free(rs.metrics);
	if (rs.measure_cost)
		ls_cost_sampler_stop(&rs.cost, now_ns(CLOCK_MONOTONIC));
	ls_intervals_free(&rs.iv);
	ls_snapshot_free(rs.kept_iv);
	latscope_bpf__destroy(skel);
out_rules:
	ls_outfile_abort(rs.out);
	free(match);
	ls_rules_free(&rules);
	ls_snapshot_free(rs.baseline);
	ls_snapshot_free(rs.procs);
	free(rs.live);
	return ret;
}
