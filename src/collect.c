// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "collect.h"
#include "fold.h"
#include "grow.h"
#include "hist.h"
#include "proc_info.h"
#include "rules.h"
#include "subsys.h"
#include <stdbool.h>
#include "syscall_names.h"
#include "target.h"

/* count is not kept by the kernel: it is the sum of the slots. */
static void fill_count(struct ls_stats *st)
{
	__u64 n = 0;
	size_t i;

	for (i = 0; i < LS_HIST_SLOTS; i++)
		n += st->slots[i];
	st->count = n;
}

static int read_stats(const struct ls_map_fds *fds, struct ls_raw *out)
{
	struct ls_key key, next, *prev = NULL;
	size_t cap = 0;
	__u32 slot;

	while (bpf_map_get_next_key(fds->slots_fd, prev, &next) == 0) {
		struct ls_raw_stat *e;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fds->slots_fd, &key, &slot))
			continue;	/* nothing deletes entries, but be safe */
		if (ls_grow(&out->stats, &cap, out->n_stats, sizeof(*out->stats), 64))
			return -ENOMEM;
		e = &out->stats[out->n_stats];
		e->key = key;
		if (bpf_map_lookup_elem(fds->stats_fd, &slot, &e->st))
			continue;
		fill_count(&e->st);
		/* a slot claimed by a call still being added: nothing in it yet */
		if (!e->st.count)
			continue;
		out->n_stats++;
	}
	return 0;
}

static int read_errnos(int fd, struct ls_raw *out)
{
	struct ls_errno_key key, next, *prev = NULL;
	size_t cap = 0;
	__u64 count;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &count))
			continue;
		if (ls_grow(&out->errnos, &cap, out->n_errnos, sizeof(*out->errnos), 16))
			return -ENOMEM;
		out->errnos[out->n_errnos].key = key;
		out->errnos[out->n_errnos].count = count;
		out->n_errnos++;
	}
	return 0;
}

int ls_counter_read(int fd, __u32 which, __u64 *sum)
{
	int ncpu = libbpf_num_possible_cpus(), cpu, ret = 0;
	__u64 *vals;

	*sum = 0;
	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	vals = calloc((size_t)ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	if (bpf_map_lookup_elem(fd, &which, vals))
		ret = -errno;
	for (cpu = 0; !ret && cpu < ncpu; cpu++)
		*sum += vals[cpu];
	free(vals);
	return ret;
}

static int read_counters(int fd, struct ls_raw *out)
{
	__u32 i;
	int ret;

	for (i = 0; i < LS_CNT_MAX; i++) {
		ret = ls_counter_read(fd, i, &out->counters[i]);
		if (ret == -ENOMEM || ret == -EINVAL)
			return ret;
	}
	return 0;
}

/* A live thread's name from /proc; an exited one's from the exit hook's maps. */
static void thread_comm(const struct ls_map_fds *fds, __u32 tgid, __u32 tid, char comm[LS_COMM_LEN])
{
	struct ls_thread_time tt;
	char buf[32];

	if (target_comm((pid_t)tgid, (pid_t)tid, buf, sizeof(buf)) &&
	    bpf_map_lookup_elem(fds->thread_comms_fd, &tid, buf)) {
		if (fds->thread_times_fd >= 0 &&
		    !bpf_map_lookup_elem(fds->thread_times_fd, &tid, &tt) && tt.comm[0])
			snprintf(buf, sizeof(buf), "%.*s", LS_COMM_LEN - 1, tt.comm);
		else
			snprintf(buf, sizeof(buf), "?");
	}
	memcpy(comm, buf, LS_COMM_LEN - 1);
	comm[LS_COMM_LEN - 1] = '\0';
}

static void add_thread_name(const struct ls_map_fds *fds, struct ls_raw *out, __u32 tgid,
			    __u32 tid)
{
	size_t j;

	for (j = 0; j < out->n_threads; j++)
		if (out->threads[j].tid == tid)
			return;
	out->threads[j].tid = tid;
	thread_comm(fds, tgid, tid, out->threads[j].comm);
	out->n_threads++;
}

int ls_raw_process_comm(void *fds, __u32 pid, char comm[LS_COMM_LEN])
{
	thread_comm(fds, pid, pid, comm);
	return strcmp(comm, "?") ? 0 : -ENOENT;
}

static int read_thread_names(const struct ls_map_fds *fds, struct ls_raw *out)
{
	size_t i;

	out->threads = calloc(out->n_stats + out->n_times + 1, sizeof(*out->threads));
	if (!out->threads)
		return -ENOMEM;
	for (i = 0; i < out->n_stats; i++)
		add_thread_name(fds, out, out->stats[i].key.tgid, out->stats[i].key.tid);
	for (i = 0; i < out->n_times; i++)
		add_thread_name(fds, out, out->times[i].tgid, out->times[i].tid);
	return 0;
}

/* Run the dump_threads iterator: live threads' figures into thread_times. */
static int dump_live_threads(int prog_fd)
{
	int link, it, ret = 0;
	char buf[64];
	ssize_t n;

	link = bpf_link_create(prog_fd, 0, BPF_TRACE_ITER, NULL);
	if (link < 0)
		return -errno;
	it = bpf_iter_create(link);
	if (it < 0) {
		ret = -errno;
		close(link);
		return ret;
	}
	while ((n = read(it, buf, sizeof(buf))) > 0)
		;
	if (n < 0)
		ret = -errno;
	close(it);
	close(link);
	return ret;
}

static int read_times(const struct ls_map_fds *fds, struct ls_raw *out)
{
	__u32 key, next, *prev = NULL;
	size_t cap = 0;
	int ret;

	if (fds->thread_times_fd < 0)
		return 0;
	if (fds->dump_threads_fd >= 0) {
		ret = dump_live_threads(fds->dump_threads_fd);
		if (ret)
			return ret;
	}
	while (bpf_map_get_next_key(fds->thread_times_fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (ls_grow(&out->times, &cap, out->n_times, sizeof(*out->times), 64))
			return -ENOMEM;
		if (bpf_map_lookup_elem(fds->thread_times_fd, &key, &out->times[out->n_times]))
			continue;
		out->n_times++;
	}
	return 0;
}

static int raw_read(const struct ls_map_fds *fds, struct ls_raw *out)
{
	int ret;

	memset(out, 0, sizeof(*out));
	ret = read_times(fds, out);
	if (!ret)
		ret = read_stats(fds, out);
	if (!ret)
		ret = read_thread_names(fds, out);
	if (!ret)
		ret = read_errnos(fds->errno_fd, out);
	if (!ret)
		ret = read_counters(fds->counters_fd, out);
	if (ret)
		ls_raw_free(out);
	return ret;
}


int ls_raw_read(const struct ls_map_fds *fds, struct ls_raw *out)
{
	int ret;

	/* a fold moves figures from the maps to the store: never half seen */
	if (fds->fold)
		pthread_mutex_lock(&fds->fold->lock);
	ret = raw_read(fds, out);
	if (!ret && fds->fold) {
		ret = ls_fold_append(fds->fold, out);
		if (ret)
			ls_raw_free(out);
	}
	if (fds->fold)
		pthread_mutex_unlock(&fds->fold->lock);
	return ret;
}

/* One exited thread to fold, with its bucket. */
struct fold_job {
	__u32 tid;
	__u32 bucket;
};

static struct fold_job *job_of(struct fold_job *jobs, size_t n, __u32 tid)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (jobs[i].tid == tid)
			return &jobs[i];
	return NULL;
}

/*
 * A thread id in use again, by a thread that lives: the pid space is small
 * (32768 by default) and wraps.  The kernel's keys name a thread by tid, so
 * the new thread's calls went to the same keys, and it caches their slots:
 * folding them would take its figures, and give away slots it still adds
 * to.  Such a tid is left alone until it is free again (a zombie makes no
 * more calls).
 */
static bool tid_in_use(__u32 tid)
{
	struct ls_proc_stat st;

	return !ls_proc_stat((pid_t)tid, &st) && !ls_proc_is_dead(&st);
}

/* The threads to fold: thread_times's exited ones, then the notes' others. */
static int gather(const struct ls_map_fds *fds, struct ls_fold *f,
		  const struct ls_exit_note *notes, size_t n_notes, struct fold_job **out,
		  size_t *n_out)
{
	struct ls_thread_time tt;
	struct fold_job *jobs = NULL;
	__u32 key, next, *prev = NULL;
	size_t n = 0, cap = 0, i;

	while (bpf_map_get_next_key(fds->thread_times_fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fds->thread_times_fd, &key, &tt) ||
		    !(tt.flags & LS_TT_EXITED) || job_of(jobs, n, key) || tid_in_use(key))
			continue;
		if (ls_grow(&jobs, &cap, n, sizeof(*jobs), 64))
			goto nomem;
		jobs[n].tid = key;
		jobs[n].bucket = ls_fold_bucket(f, tt.tgid, tt.comm);
		if (!jobs[n].bucket)
			goto nomem;
		ls_fold_time(f, jobs[n].bucket, &tt);
		n++;
	}
	for (i = 0; i < n_notes; i++) {
		if (job_of(jobs, n, notes[i].tid) || tid_in_use(notes[i].tid))
			continue;
		if (ls_grow(&jobs, &cap, n, sizeof(*jobs), 64))
			goto nomem;
		jobs[n].tid = notes[i].tid;
		jobs[n].bucket = ls_fold_bucket(f, notes[i].tgid, notes[i].comm);
		if (!jobs[n].bucket)
			goto nomem;
		n++;
	}
	*out = jobs;
	*n_out = n;
	return 0;
nomem:
	free(jobs);
	return -ENOMEM;
}

/* Keys first, then each: deleting while walking a hash may restart the walk. */
static int fold_stats(const struct ls_map_fds *fds, struct ls_fold *f,
		      const struct fold_job *jobs, size_t n_jobs)
{
	struct ls_key key, next, *prev = NULL, *keys = NULL;
	struct ls_stats *st = NULL;
	size_t n = 0, cap = 0, i;
	const struct fold_job *j;
	__u32 slot;
	int ret = 0;

	while (bpf_map_get_next_key(fds->slots_fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (!job_of((struct fold_job *)jobs, n_jobs, key.tid))
			continue;
		if (ls_grow(&keys, &cap, n, sizeof(*keys), 64)) {
			ret = -ENOMEM;
			goto out;
		}
		keys[n++] = key;
	}
	st = calloc(1, sizeof(*st));
	if (!st) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		j = job_of((struct fold_job *)jobs, n_jobs, keys[i].tid);
		if (bpf_map_lookup_elem(fds->slots_fd, &keys[i], &slot))
			continue;
		/* gone from the hash first: no new call can find the slot */
		if (bpf_map_delete_elem(fds->slots_fd, &keys[i]))
			continue;
		if (!bpf_map_lookup_elem(fds->stats_fd, &slot, st)) {
			fill_count(st);
			if (st->count)
				ret = ls_fold_stat(f, j->bucket, &keys[i], st);
		}
		memset(st, 0, sizeof(*st));
		if (bpf_map_update_elem(fds->stats_fd, &slot, st, BPF_ANY) ||
		    bpf_map_update_elem(fds->free_slots_fd, NULL, &slot, BPF_ANY))
			continue;	/* the slot is not reused: only room is lost */
		if (ret)
			break;
	}
out:
	free(st);
	free(keys);
	return ret;
}

static int fold_errnos(const struct ls_map_fds *fds, struct ls_fold *f,
		       const struct fold_job *jobs, size_t n_jobs)
{
	struct ls_errno_key key, next, *prev = NULL, *keys = NULL;
	size_t n = 0, cap = 0, i;
	__u64 count;
	int ret = 0;

	while (bpf_map_get_next_key(fds->errno_fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (!job_of((struct fold_job *)jobs, n_jobs, key.key.tid))
			continue;
		if (ls_grow(&keys, &cap, n, sizeof(*keys), 16)) {
			free(keys);
			return -ENOMEM;
		}
		keys[n++] = key;
	}
	for (i = 0; i < n && !ret; i++) {
		if (bpf_map_lookup_elem(fds->errno_fd, &keys[i], &count))
			continue;
		bpf_map_delete_elem(fds->errno_fd, &keys[i]);
		ret = ls_fold_errno(f, job_of((struct fold_job *)jobs, n_jobs,
					      keys[i].key.tid)->bucket, &keys[i], count);
	}
	free(keys);
	return ret;
}

int ls_raw_fold_exited(const struct ls_map_fds *fds, const struct ls_exit_note *notes,
		       size_t n_notes)
{
	struct ls_fold *f = fds->fold;
	struct fold_job *jobs = NULL;
	size_t n = 0, i;
	int ret;

	if (!f)
		return 0;
	pthread_mutex_lock(&f->lock);
	ret = gather(fds, f, notes, n_notes, &jobs, &n);
	if (!ret && n)
		ret = fold_stats(fds, f, jobs, n);
	if (!ret && n)
		ret = fold_errnos(fds, f, jobs, n);
	for (i = 0; i < n; i++) {
		bpf_map_delete_elem(fds->thread_times_fd, &jobs[i].tid);
		ls_fold_moved(f, jobs[i].tid, jobs[i].bucket);
	}
	for (i = 0; !ret && i < n_notes; i++)
		if (notes[i].process_exited)
			ret = ls_fold_process_exited(f, notes[i].tgid);
	pthread_mutex_unlock(&f->lock);
	free(jobs);
	return ret;
}
