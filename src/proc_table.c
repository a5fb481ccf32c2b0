// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "proc_info.h"
#include "proc_table.h"

static void set_from(char **field, const char *buf, ssize_t n)
{
	/* too long for the snapshot: keep it unknown rather than cut */
	if (n > 0)
		ls_process_set_str(field, buf);
}

void ls_proc_read(struct ls_process *p)
{
	char buf[LS_PROCESS_STR_MAX + 1];
	struct ls_proc_stat st;

	if (ls_proc_stat((pid_t)p->pid, &st))
		return;
	memcpy(p->comm, st.comm, sizeof(p->comm));
	p->ppid = (__u32)st.ppid;
	p->start_unix_ns = ls_proc_start_unix_ns(st.start_ticks);
	set_from(&p->cmdline, buf, ls_proc_cmdline((pid_t)p->pid, buf, sizeof(buf)));
	set_from(&p->exe, buf, ls_proc_exe((pid_t)p->pid, buf, sizeof(buf)));
	set_from(&p->cgroup, buf, ls_proc_cgroup((pid_t)p->pid, buf, sizeof(buf)));
}

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return (x > y) - (x < y);
}

static int cmp_pid(const void *key, const void *elem)
{
	__u32 pid = *(const __u32 *)key;
	const struct ls_process *p = elem;

	return (pid > p->pid) - (pid < p->pid);
}

/*
 * Called every tick with up to LS_MAX_PROCS pids, on a table that may hold
 * many thousands of processes: both sides are searched sorted.  The table
 * is kept in pid order (ls_snapshot_sort) between calls.
 */
int ls_proc_table_update(struct ls_snapshot *tab, const __u32 *live, size_t n,
			 __u64 now_unix_ns)
{
	size_t i, n_sorted = tab->n_procs;
	struct ls_process *p;
	__u32 *sorted;

	sorted = malloc((n ? n : 1) * sizeof(*sorted));
	if (!sorted)
		return -ENOMEM;
	memcpy(sorted, live, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), cmp_u32);
	for (i = 0; i < tab->n_procs; i++) {
		p = &tab->procs[i];
		if (!p->exited && !bsearch(&p->pid, sorted, n, sizeof(*sorted), cmp_u32)) {
			p->exited = true;
			p->end_unix_ns = now_unix_ns;
		}
	}
	for (i = 0; i < n; i++) {
		if (!sorted[i] || (i && sorted[i] == sorted[i - 1]))
			continue;
		p = n_sorted ? bsearch(&sorted[i], tab->procs, n_sorted, sizeof(*p), cmp_pid) : NULL;
		if (p && !p->exited)
			continue;
		/* new, or its pid taken again by another traced process */
		if (!p)
			p = ls_snapshot_add_process(tab, sorted[i]);
		if (!p) {
			free(sorted);
			return -errno;
		}
		ls_process_set_str(&p->cmdline, NULL);
		ls_process_set_str(&p->exe, NULL);
		ls_process_set_str(&p->cgroup, NULL);
		p->exited = false;
		p->end_unix_ns = 0;
		ls_proc_read(p);
	}
	free(sorted);
	ls_snapshot_sort(tab);
	return 0;
}

int ls_proc_table_take(struct ls_snapshot *tab, struct ls_snapshot *snap,
		       int (*comm_of)(void *ctx, __u32 pid, char comm[LS_COMM_LEN]), void *ctx)
{
	struct ls_process *p;
	struct ls_proc_stat st;
	size_t i;

	if (snap->n_procs)
		return -EINVAL;
	snap->procs = tab->procs;
	snap->n_procs = tab->n_procs;
	tab->procs = NULL;
	tab->n_procs = 0;
	for (i = 0; i < snap->n_threads; i++) {
		if (!snap->threads[i].tgid ||
		    ls_snapshot_find_process(snap, snap->threads[i].tgid))
			continue;
		p = ls_snapshot_process(snap, snap->threads[i].tgid);
		if (!p)
			return -errno;
		/* still there: it was never polled because it is not a target (a thread id?) */
		if (!ls_proc_stat((pid_t)p->pid, &st) && !ls_proc_is_dead(&st)) {
			ls_proc_read(p);
			continue;
		}
		p->exited = true;
		if (!comm_of || comm_of(ctx, p->pid, p->comm))
			p->comm[0] = '\0';
	}
	return 0;
}
