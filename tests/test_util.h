/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Snapshot builders and a seeded random generator shared by the unit
 * tests.  Include after <cmocka.h>: they assert.  Static inline so each
 * test binary stays one .c file.
 */
#ifndef LS_TEST_UTIL_H
#define LS_TEST_UTIL_H

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "hist.h"
#include "proc_info.h"
#include "snapshot.h"

/* xorshift64*: a fixed seed makes every run see the same samples. */
struct rng {
	__u64 s;
};

static inline __u64 rng_next(struct rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545F4914F6CDD1DULL;
}

/* Uniform in (0, 1]: never 0, so log() in Box-Muller stays finite. */
static inline double rng_unit(struct rng *r)
{
	return ((rng_next(r) >> 11) + 1) * (1.0 / 9007199254740992.0);
}

static inline __u64 rng_range(struct rng *r, __u64 lo, __u64 hi)
{
	return lo + rng_next(r) % (hi - lo + 1);
}

static inline double rng_normal(struct rng *r)
{
	double u1 = rng_unit(r), u2 = rng_unit(r);

	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

/* What the BPF side does for one sample, n times. */
static inline void add_samples(struct ls_stats *st, __u64 v, __u64 n)
{
	if (!st->count || v < st->min_ns)
		st->min_ns = v;
	if (v > st->max_ns)
		st->max_ns = v;
	st->count += n;
	st->total_ns += v * n;
	st->slots[ls_hist_slot(v)] += n;
}

/* The syscall entry ss_name/sc_name of snap, created if needed. */
static inline struct ls_syscall_stats *add_sc(struct ls_snapshot *snap, const char *ss_name,
					      const char *sc_name, __u32 nr)
{
	struct ls_subsys *ss = ls_snapshot_subsys(snap, ss_name);
	struct ls_syscall_stats *sc;

	assert_non_null(ss);
	sc = ls_subsys_syscall(ss, sc_name, nr);
	assert_non_null(sc);
	return sc;
}

/* What fn writes to a stream, as a malloc'd string (fn asserts what it must). */
static inline char *capture_output(void (*fn)(FILE *f, const void *ctx), const void *ctx)
{
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	fn(f, ctx);
	assert_int_equal(fclose(f), 0);
	return buf;
}

/* Golden files live here; tests run from the top of the tree. */
#define FIXTURES "tests/fixtures/"

static inline char *slurp(const char *path, size_t *len)
{
	char *buf = NULL;
	long n;
	FILE *f = fopen(path, "r");

	if (!f)
		return NULL;
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* Byte-for-byte, naming the first line that differs. */
static inline void compare_golden(const char *name, const char *got, size_t got_len)
{
	const char *upd = getenv("UPDATE_GOLDEN");
	char path[256];
	size_t want_len = 0, i, line = 1;
	char *want;
	FILE *f;

	snprintf(path, sizeof(path), FIXTURES "%s", name);
	if (upd && !strcmp(upd, "1")) {
		f = fopen(path, "w");
		assert_non_null(f);
		assert_int_equal(fwrite(got, 1, got_len, f), got_len);
		assert_int_equal(fclose(f), 0);
		print_message("updated %s\n", path);
		return;
	}
	want = slurp(path, &want_len);
	if (!want)
		fail_msg("%s missing (run from the top of the tree, or UPDATE_GOLDEN=1)", path);
	for (i = 0; i < got_len && i < want_len && got[i] == want[i]; i++)
		line += got[i] == '\n';
	if (i != got_len || i != want_len) {
		const char *g = got + i, *w = want + i;

		while (g > got && g[-1] != '\n')
			g--;
		while (w > want && w[-1] != '\n')
			w--;
		print_error("%s differs at line %zu:\n  want: %.*s\n  got:  %.*s\n", path, line,
			    (int)strcspn(w, "\n"), w, (int)strcspn(g, "\n"), g);
		free(want);
		fail_msg("output differs from %s (UPDATE_GOLDEN=1 to accept)", path);
	}
	free(want);
}

/* Entries of dir other than . and ..: what a failed save must not leave. */
static inline size_t count_entries(const char *dir)
{
	struct dirent *de;
	size_t n = 0;
	DIR *d = opendir(dir);

	assert_non_null(d);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/*
 * fork + execv(argv[0], argv), back once /proc shows the child's new
 * arguments with word in them: its executable changes before they are in
 * place.  Its stdin is a pipe that stays open while this process lives, so
 * that "sh -c 'read x'" waits without forking (a forked sh child has the
 * same command line until it execs).  The caller kills and reaps it.
 */
static inline pid_t spawn_until_cmdline(char *const argv[], const char *word)
{
	char buf[256];
	int in[2], i;
	pid_t pid;

	assert_int_equal(pipe(in), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		dup2(in[0], 0);
		execv(argv[0], argv);
		_exit(127);
	}
	/* in[1] is left open on purpose: the child's read never returns */
	close(in[0]);
	for (i = 0; i < 500; i++) {
		if (ls_proc_cmdline(pid, buf, sizeof(buf)) > 0 && strstr(buf, word))
			break;
		usleep(2000);
	}
	return pid;
}

#endif
