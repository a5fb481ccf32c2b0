// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "collect.h"
#include "selfcost.h"

static void find_programs(struct ls_cost_sample *s, struct bpf_object *obj)
{
	struct bpf_program *prog;

	s->n = 0;
	bpf_object__for_each_program(prog, obj) {
		if (bpf_program__fd(prog) < 0 || s->n == LS_COST_PROGS)
			continue;
		snprintf(s->prog[s->n].name, sizeof(s->prog[0].name), "%s",
			 bpf_program__name(prog));
		s->prog[s->n].hook = (__u8)ls_cost_hook_of(bpf_program__section_name(prog));
		s->n++;
	}
}

/* The programs in find_programs()' order, and the traced calls counted so far. */
static void read_now(const struct ls_cost_sampler *cs, struct ls_cost_reading *r)
{
	struct bpf_program *prog;

	memset(r, 0, sizeof(*r));
	bpf_object__for_each_program(prog, cs->obj) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		if (fd < 0 || r->n == LS_COST_PROGS)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len)) {
			r->run_cnt[r->n] = info.run_cnt;
			r->run_time_ns[r->n] = info.run_time_ns;
		}
		r->n++;
	}
	if (cs->counters_fd >= 0) {
		ls_counter_read(cs->counters_fd, LS_CNT_SAMPLED_CALLS, &r->traced_calls);
		ls_counter_read(cs->counters_fd, LS_CNT_SAMPLED_ENTER_NS, &r->traced_ns[0]);
		ls_counter_read(cs->counters_fd, LS_CNT_SAMPLED_EXIT_NS, &r->traced_ns[1]);
	}
}

/* LS_COST_CALIB_CALLS getppid() between two readings. */
static void calibrate(const struct ls_cost_sampler *cs, struct ls_cost_reading *a,
		      struct ls_cost_reading *b)
{
	int i;

	read_now(cs, a);
	for (i = 0; i < LS_COST_CALIB_CALLS; i++)
		syscall(SYS_getppid);
	read_now(cs, b);
}

int ls_cost_sampler_init(struct ls_cost_sampler *cs, struct bpf_object *obj, int counters_fd,
			 volatile __u32 *flag, const struct ls_target_maps *m)
{
	struct ls_hint_bytes *saved = malloc(sizeof(*saved));
	__u32 own = (__u32)getpid() & (LS_TGID_HINT_SLOTS - 1);
	struct ls_cost_reading a, b;
	int fd;

	memset(cs, 0, sizeof(*cs));
	cs->obj = obj;
	cs->counters_fd = counters_fd;
	cs->flag = flag;
	cs->stats_fd = -1;
	cs->sample.window_ns = LS_COST_WINDOW_NS;
	cs->sample.period_ns = LS_COST_PERIOD_NS;
	cs->seed = (unsigned int)getpid() ^ (unsigned int)(size_t)cs;
	find_programs(&cs->sample, obj);
	fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (fd < 0) {
		free(saved);
		return -errno;
	}
	calibrate(cs, &a, &b);
	ls_cost_add_calibration(&cs->sample, &a, &b);
	/*
	 * No target yet: no hint byte is set meanwhile, and the bytes are put
	 * back as they were.  Without memory, the estimate uses the first one.
	 */
	if (saved) {
		target_hints_save(m, saved);
		memset((void *)m->stack_hint, 1, LS_STACK_HINT_SLOTS);
		m->tgid_hint[own] = 1;
		calibrate(cs, &a, &b);
		target_hints_restore(m, saved);
		ls_cost_add_filter_calibration(&cs->sample, &a, &b);
		free(saved);
	}
	close(fd);
	cs->sample.enabled = true;
	return 0;
}

void ls_cost_sampler_start(struct ls_cost_sampler *cs, __u64 now_ns)
{
	cs->t0_ns = now_ns;
	cs->next_k = 0;
	cs->next_open_ns = now_ns;
}

static void close_window(struct ls_cost_sampler *cs, __u64 now_ns)
{
	struct ls_cost_reading r;

	*cs->flag = 0;
	read_now(cs, &r);
	close(cs->stats_fd);
	cs->stats_fd = -1;
	ls_cost_add_window(&cs->sample, &cs->at_open, &r,
			   now_ns > cs->opened_ns ? now_ns - cs->opened_ns : 0);
}

__u64 ls_cost_sampler_tick(struct ls_cost_sampler *cs, __u64 now_ns, bool *closed)
{
	__u64 close_at;

	*closed = false;
	if (!cs->sample.enabled)
		return LS_COST_PERIOD_NS;
	cs->sample.run_ns = now_ns - cs->t0_ns;
	if (cs->stats_fd >= 0) {
		close_at = cs->opened_ns + cs->sample.window_ns;
		if (now_ns < close_at)
			return close_at - now_ns;
		close_window(cs, now_ns);
		*closed = true;
	}
	if (now_ns < cs->next_open_ns)
		return cs->next_open_ns - now_ns;
	/* a window that is late (a busy machine) opens now, still for its length */
	cs->stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (cs->stats_fd < 0)
		return LS_COST_PERIOD_NS;	/* refused now: the sample keeps what it has */
	read_now(cs, &cs->at_open);
	*cs->flag = 1;
	cs->opened_ns = now_ns;
	cs->next_k++;
	/* windows never overlap: a late one's successor may move a period on */
	for (;;) {
		cs->next_open_ns = ls_cost_window_start(cs->t0_ns, cs->sample.period_ns,
							cs->sample.window_ns, cs->next_k,
							(__u32)rand_r(&cs->seed));
		if (cs->next_open_ns >= now_ns + cs->sample.window_ns)
			break;
		cs->next_k++;
	}
	return cs->sample.window_ns;
}

void ls_cost_sampler_stop(struct ls_cost_sampler *cs, __u64 now_ns)
{
	if (!cs->sample.enabled)
		return;
	if (cs->stats_fd >= 0)
		close_window(cs, now_ns);
	cs->sample.run_ns = now_ns - cs->t0_ns;
}
