// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "collect.h"
#include "grow.h"
#include "hist.h"
#include "record_events.h"
#include "rules.h"
#include "syscall_names.h"

/* "/var/log/x.log" from the name and its parents, as far as the kernel went */
static void join_path(const struct ls_ev_slow *r, char *buf, size_t len)
{
	char name[LS_NAME_LEN + 1];
	size_t n = 0, off = 0;
	int i;
	bool rooted = false;

	while (n < LS_PATH_PARTS && r->path[n][0])
		n++;
	if (!n) {
		buf[0] = '\0';
		return;
	}
	if (!strcmp(r->path[n - 1], "/")) {
		rooted = true;
		n--;
	}
	off = (size_t)snprintf(buf, len, "%s", rooted ? "" : "...");
	for (i = (int)n - 1; i >= 0 && off < len; i--) {
		memcpy(name, r->path[i], LS_NAME_LEN);
		name[LS_NAME_LEN] = '\0';
		off += (size_t)snprintf(buf + off, len - off, "/%s", name);
	}
}

static int on_slow(struct ls_events *ev, const struct ls_ev_slow *r)
{
	struct ls_slow_call c = {};
	char nrbuf[32];

	ev->slow_hist->count++;
	ev->slow_hist->slots[ls_hist_slot(r->exit_ns - r->enter_ns)]++;
	c.start_unix_ns = r->enter_ns + ev->unix_offset_ns;
	c.duration_ns = r->exit_ns - r->enter_ns;
	c.runq_ns = r->runq_ns;
	c.tid = r->h.tid;
	snprintf(c.thread, sizeof(c.thread), "%.*s", LS_COMM_LEN, r->comm);
	ls_rules_key_name(ev->rules, &r->key, c.subsys, sizeof(c.subsys));
	snprintf(c.syscall, sizeof(c.syscall), "%s",
		 ls_syscall_name(r->h.syscall_nr, nrbuf, sizeof(nrbuf)));
	c.role = r->key.role < LS_ROLE_MAX ? r->key.role : LS_ROLE_WORK;
	c.err = r->ret < 0 && r->ret >= -4095 ? (int)-r->ret : 0;
	join_path(r, c.where, sizeof(c.where));
	c.cycle = -1;
	return ls_slowest_insert(&ev->slow, &ev->n_slow, &c);
}

static int on_exit_record(struct ls_events *ev, const struct ls_ev_exit *r)
{
	struct ls_exit_note *n;

	if (ls_grow(&ev->exits, &ev->cap_exits, ev->n_exits, sizeof(*ev->exits), 64))
		return -ENOMEM;
	n = &ev->exits[ev->n_exits++];
	n->tid = r->h.tid;
	n->tgid = r->h.tgid;
	memcpy(n->comm, r->comm, sizeof(n->comm));
	n->comm[sizeof(n->comm) - 1] = '\0';
	n->process_exited = r->process_exited;
	return 0;
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct ls_events *ev = ctx;
	const struct ls_ev_head *h = data;
	int ret = 0;

	if (size < sizeof(*h))
		return 0;
	switch (h->type) {
	case LS_EV_IDLE:
		if (size >= sizeof(struct ls_ev_idle))
			ret = ls_cycles_add(ev->cycles, data);
		break;
	case LS_EV_SLOW:
		if (size >= sizeof(struct ls_ev_slow))
			ret = on_slow(ev, data);
		break;
	case LS_EV_EXIT:
		if (size >= sizeof(struct ls_ev_exit))
			ret = on_exit_record(ev, data);
		break;
	}
	if (ret && !ev->err)
		ev->err = ret;
	/* keep reading: one record we could not keep must not stop the others */
	return 0;
}

int ls_events_open(struct ls_events *ev, int ringbuf_fd, const struct ls_cycle_opts *co,
		   const struct ls_rules *rules, __u64 unix_offset_ns)
{
	memset(ev, 0, sizeof(*ev));
	ev->rules = rules;
	ev->unix_offset_ns = unix_offset_ns;
	ev->cycles = ls_cycles_new(co);
	ev->slow_hist = calloc(1, sizeof(*ev->slow_hist));
	if (!ev->cycles || !ev->slow_hist)
		return -ENOMEM;
	ev->rb = ring_buffer__new(ringbuf_fd, on_record, ev, NULL);
	if (!ev->rb)
		return -errno;
	return 0;
}

void ls_events_close(struct ls_events *ev)
{
	ring_buffer__free(ev->rb);
	ls_cycles_free(ev->cycles);
	free(ev->slow_hist);
	free(ev->slow);
	free(ev->exits);
	memset(ev, 0, sizeof(*ev));
}

/*
 * The kernel submits without waking us (BPF_RB_NO_WAKEUP: a wakeup per
 * record would cost the traced thread an IPI), so the wait is only a
 * timeout and the records are read after it.
 */
int ls_events_poll(struct ls_events *ev, int timeout_ms)
{
	int n = ring_buffer__poll(ev->rb, timeout_ms);

	if (n == -EINTR)
		return n;
	n = ring_buffer__consume(ev->rb);
	return n < 0 ? n : 0;
}

static const char *thread_name(const struct ls_snapshot *snap, __u32 tid)
{
	size_t i;

	for (i = 0; i < snap->n_threads; i++)
		if (snap->threads[i].tid == tid)
			return snap->threads[i].name;
	return NULL;
}

/* When the cycles began, on the wall clock: for the timeline. */
static int cycle_starts(struct ls_events *ev, struct ls_snapshot *snap)
{
	const __u64 *mono = NULL;
	size_t n = ls_cycles_starts(ev->cycles, &mono), i;
	__u64 *wall;
	int ret;

	if (!snap->cycle.found || !n)
		return 0;
	n = n < LS_CYCLE_STARTS_MAX ? n : LS_CYCLE_STARTS_MAX;
	wall = malloc(n * sizeof(*wall));
	if (!wall)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		wall[i] = mono[i] + ev->unix_offset_ns;
	ret = ls_snapshot_set_cycle_starts(snap, wall, n);
	free(wall);
	return ret;
}

/* Slow calls of at least t ns: exact to a histogram slot around t. */
static __u64 slow_at_least(const struct ls_stats *h, __u64 t)
{
	__u64 n = 0;
	__u32 i;

	for (i = ls_hist_slot(t); i < LS_HIST_SLOTS; i++)
		n += h->slots[i];
	return n;
}

int ls_events_to_snapshot(struct ls_events *ev, __u64 end_ns, __u64 threshold_ns,
			  struct ls_snapshot *snap)
{
	const char *name;
	char label[32];
	size_t i;
	int ret;

	ls_cycles_result(ev->cycles, end_ns, NULL, &snap->cycle);
	ret = cycle_starts(ev, snap);
	if (ret)
		return ret;
	if (snap->cycle.found) {
		name = thread_name(snap, snap->cycle.tid);
		if (!name) {
			snprintf(label, sizeof(label), "%u", snap->cycle.tid);
			name = label;
		}
		snprintf(snap->cycle.thread, sizeof(snap->cycle.thread), "%s", name);
	}
	for (i = 0; i < ev->n_slow; i++) {
		struct ls_slow_call c = ev->slow[i];

		if (c.duration_ns < threshold_ns)
			continue;
		c.cycle = ls_cycles_number(ev->cycles, c.start_unix_ns - ev->unix_offset_ns);
		ret = ls_snapshot_add_slow(snap, &c);
		if (ret)
			return ret;
	}
	snap->slow_threshold_ns = threshold_ns;
	snap->slow_calls = threshold_ns ? slow_at_least(ev->slow_hist, threshold_ns) : 0;
	return 0;
}
