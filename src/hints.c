// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The hint table.  Each rule looks at one budget component and the facts
 * around it (its subsystem's busiest syscall, its requests, its slowest
 * calls) and says what the figures show and what usually helps.  Rules are
 * tried in order; keep the specific ones first.  docs/cycle.md lists them.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "format.h"
#include "hist.h"
#include "hints.h"

struct hint_ctx {
	const struct ls_snapshot *snap;
	const struct ls_budget *b;
	const struct ls_budget_item *it;
	const struct ls_subsys *ss;		/* the component's subsystem, if it is one */
	const struct ls_syscall_stats *top;	/* its busiest work row */
	__u64 top_ns;				/* that row's time, run-queue delay excluded */
	const struct ls_syscall_stats *req;	/* its requests */
	const char *path;			/* a file its slow calls were on */
	double cycles;				/* cycles, or 1: figures per run */
	const char *per;			/* "per cycle" or "in the run" */
};

struct hint_rule {
	const char *id;
	bool (*match)(const struct hint_ctx *c);
	void (*say)(const struct hint_ctx *c, struct ls_hint *h);
};

static const char *dur(double ns, char *buf, size_t len)
{
	return ls_fmt_duration(ns > 0 ? (__u64)(ns + 0.5) : 0, buf, len);
}

static bool prefix(const char *s, const char *p)
{
	return !strncmp(s, p, strlen(p));
}

static double pct(const struct hint_ctx *c)
{
	return c->it->pct_of_busy;
}

/* run-queue delay: the daemon is ready to run and no CPU takes it */
static bool match_runq(const struct hint_ctx *c)
{
	return c->it->kind == LS_BK_RUNQ;
}

static void say_runq(const struct hint_ctx *c, struct ls_hint *h)
{
	char d[32];

	snprintf(h->evidence, sizeof(h->evidence),
		 "run-queue delay %s %s (%.0f%% of the busy time): the threads were runnable "
		 "but waited for a CPU", dur(c->it->per_cycle_ns, d, sizeof(d)), c->per, pct(c));
	snprintf(h->hint, sizeof(h->hint),
		 "the daemon waits for a CPU; another process holds it: find it with `top` or "
		 "runqlat, then give the daemon a CPU of its own or a higher priority");
}

static bool match_user(const struct hint_ctx *c)
{
	return c->it->kind == LS_BK_USER_CPU;
}

static void say_user(const struct hint_ctx *c, struct ls_hint *h)
{
	char d[32];

	snprintf(h->evidence, sizeof(h->evidence), "user CPU %s %s (%.0f%% of the busy time)",
		 dur(c->it->per_cycle_ns, d, sizeof(d)), c->per, pct(c));
	snprintf(h->hint, sizeof(h->hint),
		 "the time is in the daemon's own code, not the kernel: profile it "
		 "(perf record -g -p PID) and make that code cheaper");
}

static bool match_blocked(const struct hint_ctx *c)
{
	return c->it->kind == LS_BK_BLOCKED;
}

static void say_blocked(const struct hint_ctx *c, struct ls_hint *h)
{
	char d[32];

	snprintf(h->evidence, sizeof(h->evidence),
		 "blocked outside syscalls %s %s (%.0f%% of the busy time)",
		 dur(c->it->per_cycle_ns, d, sizeof(d)), c->per, pct(c));
	snprintf(h->hint, sizeof(h->hint),
		 "page faults that wait for the disk: look for swapping (vmstat, VmSwap in "
		 "/proc/PID/status) or memory-mapped files on slow storage");
}

static const char *exec_comm(const struct hint_ctx *c)
{
	return c->it->name + strlen("exec:");
}

/* children that have a batch mode of their own */
static bool match_exec_batch(const struct hint_ctx *c)
{
	const char *comm = exec_comm(c);

	return c->it->kind == LS_BK_EXEC &&
	       (!strcmp(comm, "tc") || !strcmp(comm, "ip") || !strcmp(comm, "nft") ||
		!strcmp(comm, "iptables") || !strcmp(comm, "ip6tables") ||
		!strcmp(comm, "bridge"));
}

static void say_spawns(const struct hint_ctx *c, struct ls_hint *h)
{
	char d[32], each[32];

	snprintf(h->evidence, sizeof(h->evidence), "%.3g %s spawns %s, %s (%.0f%% of the busy "
		 "time), %s each", (double)c->it->calls / c->cycles, exec_comm(c), c->per,
		 dur(c->it->per_cycle_ns, d, sizeof(d)), pct(c),
		 dur(c->it->calls ? (double)c->it->ns / (double)c->it->calls : 0, each,
		     sizeof(each)));
}

static void say_exec_batch(const struct hint_ctx *c, struct ls_hint *h)
{
	const char *comm = exec_comm(c);

	say_spawns(c, h);
	if (!strcmp(comm, "iptables") || !strcmp(comm, "ip6tables"))
		snprintf(h->hint, sizeof(h->hint),
			 "each spawn pays a fork, an exec and a wait: apply the rules in one "
			 "%s-restore call", comm);
	else
		snprintf(h->hint, sizeof(h->hint),
			 "each spawn pays a fork, an exec and a wait: batch them into one "
			 "`%s -batch` (or talk netlink directly)", comm);
}

static bool match_exec(const struct hint_ctx *c)
{
	return c->it->kind == LS_BK_EXEC;
}

static void say_exec(const struct hint_ctx *c, struct ls_hint *h)
{
	say_spawns(c, h);
	snprintf(h->hint, sizeof(h->hint),
		 "each spawn pays a fork, an exec and a wait: keep one %s running and feed it, "
		 "or do the work in the daemon itself", exec_comm(c));
}

static bool top_is(const struct hint_ctx *c, const char *const *names)
{
	for (; c->top && *names; names++)
		if (!strcmp(c->top->name, *names))
			return true;
	return false;
}

static const char *const sync_calls[] = { "fsync", "fdatasync", "sync_file_range", "msync",
					  "sync", "syncfs", NULL };

static bool match_fsync(const struct hint_ctx *c)
{
	return c->it->kind == LS_BK_SUBSYS && !strcmp(c->it->name, "file") &&
	       top_is(c, sync_calls) && c->top_ns * 2 >= c->it->ns;
}

static void say_fsync(const struct hint_ctx *c, struct ls_hint *h)
{
	char d[32];

	snprintf(h->evidence, sizeof(h->evidence), "%.3g %s %s%s%s, %s: %.0f%% of the busy time",
		 (double)c->top->st.count / c->cycles, c->top->name, c->per,
		 c->path ? " on " : "", c->path ? c->path : "",
		 dur((double)c->top_ns / c->cycles, d, sizeof(d)),
		 c->b->work_ns ? 100.0 * (double)c->top_ns / (double)c->b->work_ns : 0);
	snprintf(h->hint, sizeof(h->hint),
		 "every %s waits for the disk: sync once per cycle (or not at all for logs), "
		 "or leave logging to journald/syslog", c->top->name);
}

static bool match_file(const struct hint_ctx *c)
{
	return c->it->kind == LS_BK_SUBSYS && !strcmp(c->it->name, "file") && c->top;
}

static void say_file(const struct hint_ctx *c, struct ls_hint *h)
{
	char d[32];

	snprintf(h->evidence, sizeof(h->evidence),
		 "file I/O %s %s (%.0f%% of the busy time), most in %s (%.3g %s)%s%s",
		 dur(c->it->per_cycle_ns, d, sizeof(d)), c->per, pct(c), c->top->name,
		 (double)c->top->st.count / c->cycles, c->per, c->path ? ", e.g. on " : "",
		 c->path ? c->path : "");
	snprintf(h->hint, sizeof(h->hint),
		 "the daemon waits for files: read them once and keep what it needs, write in "
		 "larger pieces, keep them on faster storage");
}

/* the peer port of a "tcp:ADDR:PORT" / "udp:ADDR:PORT" name */
static int peer_port(const char *name)
{
	const char *colon = strrchr(name, ':');
	int port;

	return colon && sscanf(colon + 1, "%d", &port) == 1 ? port : -1;
}

static void request_figures(const struct hint_ctx *c, char *buf, size_t len)
{
	char p50[32], p99[32], mx[32];

	if (!c->req || !c->req->st.count) {
		snprintf(buf, len, "%s", "");
		return;
	}
	snprintf(buf, len, "requests p50 %s, p99 %s, max %s (%.3g %s)",
		 dur((double)ls_stats_percentile(&c->req->st, 50), p50, sizeof(p50)),
		 dur((double)ls_stats_percentile(&c->req->st, 99), p99, sizeof(p99)),
		 dur((double)c->req->st.max_ns, mx, sizeof(mx)),
		 (double)c->req->st.count / c->cycles, c->per);
}

static bool match_dns(const struct hint_ctx *c)
{
	return c->it->kind == LS_BK_SUBSYS && (prefix(c->it->name, "udp:") ||
					       prefix(c->it->name, "tcp:")) &&
	       peer_port(c->it->name) == 53;
}

static void say_dns(const struct hint_ctx *c, struct ls_hint *h)
{
	char d[32], req[160];

	request_figures(c, req, sizeof(req));
	snprintf(h->evidence, sizeof(h->evidence), "DNS to %s: %s %s (%.0f%% of the busy time)%s%s",
		 c->it->name + 4, dur(c->it->per_cycle_ns, d, sizeof(d)), c->per, pct(c),
		 req[0] ? "; " : "", req);
	snprintf(h->hint, sizeof(h->hint),
		 "name lookups wait for the resolver: resolve once and keep the address, or run "
		 "a local caching resolver");
}

static bool is_peer_subsys(const struct hint_ctx *c)
{
	return c->it->kind == LS_BK_SUBSYS && (prefix(c->it->name, "tcp:") ||
					       prefix(c->it->name, "udp:"));
}

static const char *const connect_calls[] = { "connect", NULL };

static bool match_connect(const struct hint_ctx *c)
{
	return is_peer_subsys(c) && top_is(c, connect_calls) && c->top_ns * 2 >= c->it->ns;
}

static void say_connect(const struct hint_ctx *c, struct ls_hint *h)
{
	char d[32];

	snprintf(h->evidence, sizeof(h->evidence),
		 "connecting to %s takes %s %s (%.3g connects %s)", c->it->name + 4,
		 dur((double)c->top_ns / c->cycles, d, sizeof(d)), c->per,
		 (double)c->top->st.count / c->cycles, c->per);
	snprintf(h->hint, sizeof(h->hint),
		 "connection setup dominates: keep the connection open between cycles "
		 "(HTTP keep-alive, an SSH ControlMaster)");
}

/* A tail: the slowest requests take several times the typical one. */
static bool match_tail(const struct hint_ctx *c)
{
	__u64 p50, p99;

	if (!is_peer_subsys(c) || !c->req || c->req->st.count < 10)
		return false;
	p50 = ls_stats_percentile(&c->req->st, 50);
	p99 = ls_stats_percentile(&c->req->st, 99);
	return p99 > 4 * p50;
}

static void say_tail(const struct hint_ctx *c, struct ls_hint *h)
{
	char d[32], req[160];

	request_figures(c, req, sizeof(req));
	snprintf(h->evidence, sizeof(h->evidence), "%s: %s %s (%.0f%% of the busy time); %s",
		 c->it->name, dur(c->it->per_cycle_ns, d, sizeof(d)), c->per, pct(c), req);
	snprintf(h->hint, sizeof(h->hint),
		 "the peer stalls on some requests: bound the wait with a timeout shorter than "
		 "the cycle, or make the call without holding up the cycle");
}

static bool match_peer(const struct hint_ctx *c)
{
	return is_peer_subsys(c);
}

static void say_peer(const struct hint_ctx *c, struct ls_hint *h)
{
	char d[32], req[160];

	request_figures(c, req, sizeof(req));
	snprintf(h->evidence, sizeof(h->evidence), "%s: %s %s (%.0f%% of the busy time)%s%s%s%s",
		 c->it->name, dur(c->it->per_cycle_ns, d, sizeof(d)), c->per, pct(c),
		 req[0] ? "; " : "", req, c->top && !req[0] ? "; most in " : "",
		 c->top && !req[0] ? c->top->name : "");
	snprintf(h->hint, sizeof(h->hint),
		 "the cycle waits for this peer to answer: ask it less per cycle, or less "
		 "costly questions, or make it answer faster");
}

static bool match_icmp(const struct hint_ctx *c)
{
	return c->it->kind == LS_BK_SUBSYS && !strcmp(c->it->name, "icmp");
}

static void say_icmp(const struct hint_ctx *c, struct ls_hint *h)
{
	char d[32], req[160];

	request_figures(c, req, sizeof(req));
	snprintf(h->evidence, sizeof(h->evidence), "ICMP %s %s (%.0f%% of the busy time)%s%s",
		 dur(c->it->per_cycle_ns, d, sizeof(d)), c->per, pct(c), req[0] ? "; " : "",
		 req);
	snprintf(h->hint, sizeof(h->hint),
		 "the cycle waits for echo replies: send all pings first and collect the replies "
		 "together, with a timeout shorter than the cycle");
}

static bool match_netlink(const struct hint_ctx *c)
{
	return c->it->kind == LS_BK_SUBSYS && (!strcmp(c->it->name, "tc") ||
					       prefix(c->it->name, "rtnl:") ||
					       prefix(c->it->name, "netlink:"));
}

static void say_netlink(const struct hint_ctx *c, struct ls_hint *h)
{
	char d[32], req[160];

	request_figures(c, req, sizeof(req));
	snprintf(h->evidence, sizeof(h->evidence), "%s over netlink: %s %s (%.0f%% of the busy "
		 "time)%s%s", c->it->name, dur(c->it->per_cycle_ns, d, sizeof(d)), c->per, pct(c),
		 req[0] ? "; " : "", req);
	snprintf(h->hint, sizeof(h->hint),
		 "the kernel's answers are large or many: dump only the interface you need "
		 "(filter by ifindex), or ask less often");
}

static bool match_mixed(const struct hint_ctx *c)
{
	return c->it->kind == LS_BK_SUBSYS && !strcmp(c->it->name, "wait:mixed");
}

static void say_mixed(const struct hint_ctx *c, struct ls_hint *h)
{
	char d[32];

	snprintf(h->evidence, sizeof(h->evidence),
		 "waits on several kinds of fds at once: %s %s (%.0f%% of the busy time)",
		 dur(c->it->per_cycle_ns, d, sizeof(d)), c->per, pct(c));
	snprintf(h->hint, sizeof(h->hint),
		 "an event loop waits here for what it asked: look at the requests and slowest "
		 "calls below to see which peer it waited for");
}

static bool match_any(const struct hint_ctx *c)
{
	return true;
}

static void say_generic(const struct hint_ctx *c, struct ls_hint *h)
{
	char d[32];

	snprintf(h->evidence, sizeof(h->evidence), "%s: %s %s (%.0f%% of the busy time)%s%s",
		 c->it->name, dur(c->it->per_cycle_ns, d, sizeof(d)), c->per, pct(c),
		 c->top ? ", most in " : "", c->top ? c->top->name : "");
	snprintf(h->hint, sizeof(h->hint),
		 "this is where the cycle's time goes: see its syscalls below "
		 "(latscope report --by syscall)");
}

static const struct hint_rule rules[] = {
	{ "cpu-starved", match_runq, say_runq },
	{ "user-cpu", match_user, say_user },
	{ "page-faults", match_blocked, say_blocked },
	{ "spawn-batch", match_exec_batch, say_exec_batch },
	{ "spawn", match_exec, say_exec },
	{ "fsync", match_fsync, say_fsync },
	{ "file-io", match_file, say_file },
	{ "dns", match_dns, say_dns },
	{ "connect", match_connect, say_connect },
	{ "stalling-peer", match_tail, say_tail },
	{ "slow-peer", match_peer, say_peer },
	{ "icmp", match_icmp, say_icmp },
	{ "netlink", match_netlink, say_netlink },
	{ "mixed-wait", match_mixed, say_mixed },
	{ "generic", match_any, say_generic },
};

#define N_RULES (sizeof(rules) / sizeof(rules[0]))

const char *ls_hint_rule_id(size_t i)
{
	return i < N_RULES ? rules[i].id : NULL;
}

static void find_subsys_facts(struct hint_ctx *c)
{
	const struct ls_snapshot *snap = c->snap;
	size_t i, j;

	for (i = 0; i < snap->n_subsys; i++)
		if (!strcmp(snap->subsys[i].name, c->it->name))
			c->ss = &snap->subsys[i];
	for (i = 0; c->ss && i < c->ss->n_sc; i++) {
		const struct ls_syscall_stats *sc = &c->ss->sc[i];
		__u64 own = sc->st.total_ns > sc->st.runq_ns ? sc->st.total_ns - sc->st.runq_ns : 0;

		if (sc->nr == LS_SYSCALL_REQUEST && sc->role == LS_ROLE_WORK)
			c->req = sc;
		else if (ls_row_counts(sc) && (!c->top || own > c->top_ns)) {
			c->top = sc;
			c->top_ns = own;
		}
	}
	for (j = 0; j < snap->n_slowest; j++) {
		if (!strcmp(snap->slowest[j].subsys, c->it->name) && snap->slowest[j].where[0]) {
			c->path = snap->slowest[j].where;
			break;
		}
	}
}

int ls_hint_for(const struct ls_snapshot *snap, const struct ls_budget *b, size_t idx,
		struct ls_hint *out)
{
	struct hint_ctx c = { .snap = snap, .b = b };
	size_t i;

	memset(out, 0, sizeof(*out));
	if (idx >= b->n_work)
		return -ENOENT;
	c.it = &b->items[idx];
	c.cycles = b->cycles ? b->cycles_covered : 1.0;
	c.per = b->cycles ? "per cycle" : "in the run";
	if (c.it->kind == LS_BK_SUBSYS || c.it->kind == LS_BK_EXEC)
		find_subsys_facts(&c);
	for (i = 0; i < N_RULES; i++) {
		if (rules[i].match(&c)) {
			out->rule = rules[i].id;
			rules[i].say(&c, out);
			return 0;
		}
	}
	return -ENOENT;
}
