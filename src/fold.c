// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "fold.h"
#include "grow.h"
#include "hist.h"

int ls_fold_init(struct ls_fold *f)
{
	memset(f, 0, sizeof(*f));
	if (pthread_mutex_init(&f->lock, NULL))
		return -ENOMEM;
	f->moved = calloc(LS_FOLD_MOVED, sizeof(*f->moved));
	return f->moved ? 0 : -ENOMEM;
}

void ls_fold_free(struct ls_fold *f)
{
	pthread_mutex_destroy(&f->lock);
	free(f->stats);
	free(f->errnos);
	free(f->buckets);
	free(f->moved);
	memset(f, 0, sizeof(*f));
}

static struct ls_fold_bucket *bucket_at(const struct ls_fold *f, __u32 id)
{
	size_t i;

	for (i = 0; i < f->n_buckets; i++)
		if (f->buckets[i].id == id)
			return &f->buckets[i];
	return NULL;
}

const struct ls_fold_bucket *ls_fold_find(const struct ls_fold *f, __u32 id)
{
	return bucket_at(f, id);
}

__u32 ls_fold_bucket(struct ls_fold *f, __u32 tgid, const char *comm)
{
	struct ls_fold_bucket *b;
	size_t i;

	for (i = 0; i < f->n_buckets; i++)
		if (f->buckets[i].tgid == tgid && !strncmp(f->buckets[i].comm, comm, 16))
			return f->buckets[i].id;
	if (ls_grow(&f->buckets, &f->cap_buckets, f->n_buckets, sizeof(*f->buckets), 16))
		return 0;
	b = &f->buckets[f->n_buckets++];
	memset(b, 0, sizeof(*b));
	/* ids are never reused, so a read from before a merge still maps */
	b->id = LS_FOLD_TID_BASE + f->next_id++;
	b->tgid = tgid;
	strncpy(b->comm, comm, sizeof(b->comm) - 1);
	b->tt.tid = b->id;
	b->tt.tgid = tgid;
	memcpy(b->tt.comm, b->comm, sizeof(b->tt.comm));
	b->tt.flags = LS_TT_EXITED;
	return b->id;
}

int ls_fold_stat(struct ls_fold *f, __u32 bucket, const struct ls_key *k,
		 const struct ls_stats *st)
{
	const struct ls_fold_bucket *b = bucket_at(f, bucket);
	struct ls_key key = *k;
	size_t i;

	if (!b)
		return -EINVAL;
	key.tid = bucket;
	key.tgid = b->tgid;
	for (i = 0; i < f->n_stats; i++) {
		if (!memcmp(&f->stats[i].key, &key, sizeof(key))) {
			ls_stats_merge(&f->stats[i].st, st);
			return 0;
		}
	}
	if (ls_grow(&f->stats, &f->cap_stats, f->n_stats, sizeof(*f->stats), 16))
		return -ENOMEM;
	f->stats[f->n_stats].key = key;
	memset(&f->stats[f->n_stats].st, 0, sizeof(f->stats[0].st));
	ls_stats_merge(&f->stats[f->n_stats].st, st);
	f->n_stats++;
	return 0;
}

int ls_fold_errno(struct ls_fold *f, __u32 bucket, const struct ls_errno_key *k, __u64 count)
{
	const struct ls_fold_bucket *b = bucket_at(f, bucket);
	struct ls_errno_key key = *k;
	size_t i;

	if (!b)
		return -EINVAL;
	key.key.tid = bucket;
	key.key.tgid = b->tgid;
	for (i = 0; i < f->n_errnos; i++) {
		if (!memcmp(&f->errnos[i].key, &key, sizeof(key))) {
			f->errnos[i].count += count;
			return 0;
		}
	}
	if (ls_grow(&f->errnos, &f->cap_errnos, f->n_errnos, sizeof(*f->errnos), 16))
		return -ENOMEM;
	f->errnos[f->n_errnos].key = key;
	f->errnos[f->n_errnos].count = count;
	f->n_errnos++;
	return 0;
}

static void time_add(struct ls_thread_time *a, const struct ls_thread_time *t)
{
	int r;

	a->user_cpu_ns += t->user_cpu_ns;
	a->user_runq_ns += t->user_runq_ns;
	a->user_blocked_ns += t->user_blocked_ns;
	for (r = 0; r < LS_ROLE_MAX; r++)
		a->sys_ns[r] += t->sys_ns[r];
	a->sys_runq_ns += t->sys_runq_ns;
	a->idle_waits += t->idle_waits;
	/* the bucket's span: first seen of any, exit of the last */
	if (t->first_ns && (!a->first_ns || t->first_ns < a->first_ns))
		a->first_ns = t->first_ns;
	if (t->last_ns > a->last_ns)
		a->last_ns = t->last_ns;
	a->flags |= t->flags & LS_TT_SPAWNED;
}

void ls_fold_time(struct ls_fold *f, __u32 bucket, const struct ls_thread_time *tt)
{
	struct ls_fold_bucket *b = bucket_at(f, bucket);

	if (!b)
		return;
	time_add(&b->tt, tt);
	b->threads++;
	f->threads++;
}

void ls_fold_moved(struct ls_fold *f, __u32 tid, __u32 bucket)
{
	f->moved[f->moved_head] = (struct ls_fold_moved){ tid, bucket };
	f->moved_head = (f->moved_head + 1) % LS_FOLD_MOVED;
	if (f->n_moved < LS_FOLD_MOVED)
		f->n_moved++;
}

static __u32 moved_once(const struct ls_fold *f, __u32 tid)
{
	size_t i, at;

	/* newest first: a reused tid maps to its latest bucket */
	for (i = 1; i <= f->n_moved; i++) {
		at = (f->moved_head + LS_FOLD_MOVED - i) % LS_FOLD_MOVED;
		if (f->moved[at].tid == tid)
			return f->moved[at].bucket;
	}
	return 0;
}

__u32 ls_fold_where(const struct ls_fold *f, __u32 tid)
{
	__u32 b = moved_once(f, tid), next;
	int hops;

	/* a bucket merged into process 0's moved again, once */
	for (hops = 0; b && hops < 4; hops++) {
		next = moved_once(f, b);
		if (!next)
			break;
		b = next;
	}
	return b;
}

/*
 * Move everything of bucket from into bucket to, and drop from.  Entries
 * are taken out first: adding to `to` may move the arrays.
 */
static int merge_bucket(struct ls_fold *f, __u32 from, __u32 to)
{
	struct ls_raw_stat *st = NULL;
	struct ls_raw_errno *er = NULL;
	struct ls_fold_bucket *src, *dst;
	size_t i, n, n_st = 0, n_er = 0;
	int ret = 0;

	st = malloc((f->n_stats + 1) * sizeof(*st));
	er = malloc((f->n_errnos + 1) * sizeof(*er));
	if (!st || !er) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = n = 0; i < f->n_stats; i++) {
		if (f->stats[i].key.tid == from)
			st[n_st++] = f->stats[i];
		else
			f->stats[n++] = f->stats[i];
	}
	f->n_stats = n;
	for (i = n = 0; i < f->n_errnos; i++) {
		if (f->errnos[i].key.key.tid == from)
			er[n_er++] = f->errnos[i];
		else
			f->errnos[n++] = f->errnos[i];
	}
	f->n_errnos = n;
	for (i = 0; i < n_st && !ret; i++)
		ret = ls_fold_stat(f, to, &st[i].key, &st[i].st);
	for (i = 0; i < n_er && !ret; i++)
		ret = ls_fold_errno(f, to, &er[i].key, er[i].count);
	src = bucket_at(f, from);
	dst = bucket_at(f, to);
	if (src && dst) {
		time_add(&dst->tt, &src->tt);
		dst->threads += src->threads;
		*src = f->buckets[--f->n_buckets];
	}
	ls_fold_moved(f, from, to);
out:
	free(st);
	free(er);
	return ret;
}

int ls_fold_process_exited(struct ls_fold *f, __u32 tgid)
{
	__u32 oldest, to;
	char comm[LS_COMM_LEN];
	size_t i;
	int ret;

	if (!tgid)
		return 0;
	for (i = 0; i < f->n_buckets && f->buckets[i].tgid != tgid; i++)
		;
	if (i == f->n_buckets)
		return 0;	/* no exited thread of it was folded */
	if (f->n_dead < LS_FOLD_DEAD_PROCS) {
		f->dead[f->n_dead++] = tgid;
		return 0;
	}
	oldest = f->dead[0];
	memmove(f->dead, f->dead + 1, (LS_FOLD_DEAD_PROCS - 1) * sizeof(f->dead[0]));
	f->dead[LS_FOLD_DEAD_PROCS - 1] = tgid;
	for (i = 0; i < f->n_buckets;) {
		if (f->buckets[i].tgid != oldest) {
			i++;
			continue;
		}
		/* the array may move under ls_fold_bucket() */
		memcpy(comm, f->buckets[i].comm, sizeof(comm));
		to = ls_fold_bucket(f, 0, comm);
		if (!to)
			return -ENOMEM;
		ret = merge_bucket(f, f->buckets[i].id, to);
		if (ret)
			return ret;
		/* merge_bucket put the last bucket at i: look at i again */
	}
	f->procs_merged++;
	return 0;
}

int ls_fold_append(const struct ls_fold *f, struct ls_raw *raw)
{
	void *p;
	size_t i;

	p = realloc(raw->stats, (raw->n_stats + f->n_stats + 1) * sizeof(*raw->stats));
	if (!p)
		return -ENOMEM;
	raw->stats = p;
	for (i = 0; i < f->n_stats; i++)
		raw->stats[raw->n_stats++] = f->stats[i];
	p = realloc(raw->errnos, (raw->n_errnos + f->n_errnos + 1) * sizeof(*raw->errnos));
	if (!p)
		return -ENOMEM;
	raw->errnos = p;
	for (i = 0; i < f->n_errnos; i++)
		raw->errnos[raw->n_errnos++] = f->errnos[i];
	p = realloc(raw->times, (raw->n_times + f->n_buckets + 1) * sizeof(*raw->times));
	if (!p)
		return -ENOMEM;
	raw->times = p;
	p = realloc(raw->threads, (raw->n_threads + f->n_buckets + 1) * sizeof(*raw->threads));
	if (!p)
		return -ENOMEM;
	raw->threads = p;
	for (i = 0; i < f->n_buckets; i++) {
		raw->times[raw->n_times++] = f->buckets[i].tt;
		raw->threads[raw->n_threads].tid = f->buckets[i].id;
		memcpy(raw->threads[raw->n_threads].comm, f->buckets[i].comm, 16);
		raw->n_threads++;
	}
	raw->fold = f;
	return 0;
}
