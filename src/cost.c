// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <string.h>
#include "cost.h"

enum ls_cost_hook ls_cost_hook_of(const char *section)
{
	static const struct {
		const char *sec;
		enum ls_cost_hook hook;
	} hooks[] = {
		{ "tp_btf/sys_enter", LS_HOOK_SYS_ENTER },
		{ "tp_btf/sys_exit", LS_HOOK_SYS_EXIT },
		{ "tp_btf/sched_switch", LS_HOOK_SWITCH },
		{ "tp_btf/sched_wak", LS_HOOK_SCHED },	/* waking, wakeup, wakeup_new */
	};
	size_t i;

	for (i = 0; section && i < sizeof(hooks) / sizeof(hooks[0]); i++)
		if (!strncmp(section, hooks[i].sec, strlen(hooks[i].sec)))
			return hooks[i].hook;
	return LS_HOOK_OTHER;
}

static const char *const hook_names[] = {
	[LS_HOOK_SYS_ENTER] = "sys_enter",
	[LS_HOOK_SYS_EXIT] = "sys_exit",
	[LS_HOOK_SWITCH] = "sched_switch",
	[LS_HOOK_SCHED] = "sched",
	[LS_HOOK_OTHER] = "other",
};

const char *ls_cost_hook_name(enum ls_cost_hook hook)
{
	return (unsigned int)hook <= LS_HOOK_OTHER ? hook_names[hook] : hook_names[LS_HOOK_OTHER];
}

enum ls_cost_hook ls_cost_hook_parse(const char *name)
{
	int h;

	for (h = 0; h < LS_HOOK_OTHER; h++)
		if (!strcmp(name, hook_names[h]))
			return (enum ls_cost_hook)h;
	return LS_HOOK_OTHER;
}

static __u64 grown(__u64 before, __u64 after)
{
	return after > before ? after - before : 0;
}

void ls_cost_add_window(struct ls_cost_sample *s, const struct ls_cost_reading *before,
			const struct ls_cost_reading *after, __u64 ns)
{
	size_t i;

	for (i = 0; i < s->n && i < before->n && i < after->n; i++) {
		s->prog[i].run_cnt += grown(before->run_cnt[i], after->run_cnt[i]);
		s->prog[i].run_time_ns += grown(before->run_time_ns[i], after->run_time_ns[i]);
	}
	s->traced_calls += grown(before->traced_calls, after->traced_calls);
	for (i = 0; i < 2; i++)
		s->traced_ns[i] += grown(before->traced_ns[i], after->traced_ns[i]);
	s->sampled_ns += ns;
	s->windows++;
}

void ls_cost_add_calibration(struct ls_cost_sample *s, const struct ls_cost_reading *before,
			     const struct ls_cost_reading *after)
{
	size_t i;

	for (i = 0; i < s->n && i < before->n && i < after->n; i++) {
		s->prog[i].calib_cnt += grown(before->run_cnt[i], after->run_cnt[i]);
		s->prog[i].calib_time_ns += grown(before->run_time_ns[i], after->run_time_ns[i]);
	}
}

void ls_cost_add_filter_calibration(struct ls_cost_sample *s,
				    const struct ls_cost_reading *before,
				    const struct ls_cost_reading *after)
{
	size_t i;

	for (i = 0; i < s->n && i < before->n && i < after->n; i++) {
		s->prog[i].filter_cnt += grown(before->run_cnt[i], after->run_cnt[i]);
		s->prog[i].filter_time_ns += grown(before->run_time_ns[i], after->run_time_ns[i]);
	}
}

__u64 ls_cost_window_start(__u64 t0, __u64 period_ns, __u64 window_ns, __u64 k, __u32 rnd)
{
	__u64 room = period_ns > window_ns ? period_ns - window_ns : 0;

	if (!k)
		return t0;
	return t0 + k * period_ns + (room ? rnd % (room + 1) : 0);
}

static double ratio(double a, double b)
{
	return b > 0 ? a / b : -1;
}

void ls_cost_estimate(const struct ls_cost_sample *s, struct ls_cost *e)
{
	double traced_part[2] = { 0, 0 }, unit[2] = { 0, 0 }, entry[2] = { 0, 0 };
	double sched_ns = 0, all_ns = 0, host_ns, secs;
	__u64 runs[2] = { 0, 0 }, switches = 0;
	size_t i;
	int h;

	memset(e, 0, sizeof(*e));
	e->sampled_s = (double)s->sampled_ns / 1e9;
	e->window_s = (double)s->window_ns / 1e9;
	e->period_s = (double)s->period_ns / 1e9;
	e->run_s = (double)s->run_ns / 1e9;
	e->windows = s->windows;
	e->traced_calls = s->traced_calls;
	for (i = 0; i < s->n && i < LS_COST_PROGS; i++) {
		double t = (double)s->prog[i].run_time_ns;

		all_ns += t;
		switch (s->prog[i].hook) {
		case LS_HOOK_SYS_ENTER:
		case LS_HOOK_SYS_EXIT:
			h = s->prog[i].hook;
			runs[h] += s->prog[i].run_cnt;
			if (s->prog[i].calib_cnt)
				unit[h] = (double)s->prog[i].calib_time_ns /
					  (double)s->prog[i].calib_cnt;
			if (s->prog[i].filter_cnt)
				entry[h] = (double)s->prog[i].filter_time_ns /
					   (double)s->prog[i].filter_cnt;
			break;
		case LS_HOOK_SWITCH:
			switches += s->prog[i].run_cnt;
			sched_ns += t;
			break;
		case LS_HOOK_SCHED:
			sched_ns += t;
			break;
		default:	/* fork, exec, exit: imposed on the host, in all_ns */
			break;
		}
	}
	/*
	 * A traced call's run of a syscall program is the way in through the
	 * filters to its task entry, which cost what it cost in the second
	 * calibration (without one, an untraced run's cost in the first), and
	 * what the program timed itself doing past it.
	 */
	for (h = 0; h < 2; h++)
		traced_part[h] = (double)s->traced_calls * (entry[h] > 0 ? entry[h] : unit[h]) +
				 (double)s->traced_ns[h];
	secs = e->sampled_s;
	e->traced_enter_ns = ratio(traced_part[0], (double)s->traced_calls);
	e->traced_exit_ns = ratio(traced_part[1], (double)s->traced_calls);
	e->traced_ns = s->traced_calls ? e->traced_enter_ns + e->traced_exit_ns : -1;
	e->untraced_ns = unit[0] > 0 || unit[1] > 0 ? unit[0] + unit[1] : -1;
	e->untraced_per_s = runs[0] > s->traced_calls ?
			    ratio((double)(runs[0] - s->traced_calls), secs) : (secs > 0 ? 0 : -1);
	e->switch_ns = ratio(sched_ns, (double)switches);
	e->switches_per_s = ratio((double)switches, secs);
	e->traced_cpu = ratio((traced_part[0] + traced_part[1]) / 1e9, secs);
	host_ns = all_ns - traced_part[0] - traced_part[1];
	e->host_cpu = ratio((host_ns > 0 ? host_ns : 0) / 1e9, secs);
}

/* ns as the cost line prints them, or "unknown" */
static const char *ns_text(char *buf, size_t len, double ns)
{
	if (ns < 0)
		return "unknown";
	snprintf(buf, len, "%.0f ns", ns);
	return buf;
}

void ls_cost_print(FILE *f, const struct ls_cost *e, bool enabled)
{
	char a[32], b[32], c[32];

	if (!enabled) {
		fprintf(f, "Tracing cost: unknown (the kernel refused BPF run-time statistics)\n");
		return;
	}
	fprintf(f, "Tracing cost, an estimate from the kernel's BPF run-time statistics, on for "
		"%.3f s of the %.3f s run (%.1f%%, %llu windows of %.0f ms every %.0f ms):\n",
		e->sampled_s, e->run_s, e->run_s > 0 ? 100 * e->sampled_s / e->run_s : 0.0,
		(unsigned long long)e->windows, e->window_s * 1e3, e->period_s * 1e3);
	if (e->traced_ns < 0)
		fprintf(f, "  on the traced processes: unknown (no traced syscall ended in a "
			"window)\n");
	else
		fprintf(f, "  on the traced processes: %s per traced syscall (sys_enter %s, "
			"sys_exit %s; %llu calls sampled), %.3f ms of CPU per second\n",
			ns_text(a, sizeof(a), e->traced_ns), ns_text(b, sizeof(b), e->traced_enter_ns),
			ns_text(c, sizeof(c), e->traced_exit_ns),
			(unsigned long long)e->traced_calls, e->traced_cpu * 1e3);
	fprintf(f, "  imposed on the rest of the host: %s per untraced syscall (%.0f/s), %s per "
		"context switch in the scheduler hooks (%.0f/s), %.3f ms of CPU per second in all\n",
		ns_text(a, sizeof(a), e->untraced_ns), e->untraced_per_s < 0 ? 0 : e->untraced_per_s,
		ns_text(b, sizeof(b), e->switch_ns), e->switches_per_s < 0 ? 0 : e->switches_per_s,
		e->host_cpu < 0 ? 0 : e->host_cpu * 1e3);
}

void ls_cost_print_sample(FILE *f, const struct ls_cost_sample *s)
{
	struct ls_cost e;

	ls_cost_estimate(s, &e);
	ls_cost_print(f, &e, s->enabled);
}
