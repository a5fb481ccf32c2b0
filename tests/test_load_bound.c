// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Bounded loading, measured: the peak RSS of a child that loads a file
 * which json-c would blow up (a list of integers: 70 bytes of tree per 2
 * bytes of text; empty objects: 800 per 3) stays near the file's size.
 * Built without sanitizers (Makefile), whose shadow memory would swamp the
 * figure.  A bound, not a speed goal: make bench has those.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <cmocka.h>
#include "snapshot_load.h"

#define FILE_BYTES	(24L << 20)

static char dir[PATH_MAX];

/* A snapshot-looking document whose "junk" member is n copies of item. */
static void write_amplifier(const char *path, const char *item)
{
	static const char head[] = "{\"schema\":\"latscope-snapshot\",\"version\":2,\"junk\":[";
	size_t len = strlen(item), n = (FILE_BYTES - sizeof(head)) / (len + 1), i;
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(head, f);
	for (i = 0; i < n; i++) {
		fputs(item, f);
		if (i + 1 < n)
			fputc(',', f);
	}
	fputs("]}", f);
	assert_int_equal(fclose(f), 0);
}

/* Peak RSS (KiB) of a child that loads path (NULL: nothing); its exit status. */
static long child_peak_kib(const char *path, int *status)
{
	struct rusage ru;
	struct ls_snapshot *snap;
	pid_t pid = fork();
	int st;

	assert_true(pid >= 0);
	if (pid == 0) {
		snap = path ? ls_snapshot_load(path, NULL, 0) : NULL;
		_exit(snap ? 0 : errno == EFBIG ? 2 : 1);
	}
	assert_int_equal(wait4(pid, &st, 0, &ru), pid);
	assert_true(WIFEXITED(st));
	*status = WEXITSTATUS(st);
	return ru.ru_maxrss;
}

static void load_bound__amplifying_input__rss_within_twice_the_file(void **state)
{
	static const char *const items[] = { "1", "{}", "[]", "[1,2,3]" };
	char path[PATH_MAX + 16];
	long base, peak;
	int status;
	size_t i;

	base = child_peak_kib(NULL, &status);
	for (i = 0; i < sizeof(items) / sizeof(items[0]); i++) {
		snprintf(path, sizeof(path), "%s/amp%zu.json", dir, i);
		write_amplifier(path, items[i]);
		peak = child_peak_kib(path, &status);
		printf("  list of %-8s %ld MiB file: peak RSS %ld MiB over a child that loads "
		       "nothing\n", items[i], FILE_BYTES >> 20, (peak - base) >> 10);
		unlink(path);
		assert_true(peak - base <= 2 * (FILE_BYTES >> 10));
		/* refused as too large to load (EFBIG), before json-c built it */
		assert_int_equal(status, 2);
	}
}

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "%s/ls-bound-XXXXXX", getenv("TMPDIR") ?: "/tmp");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	return rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(load_bound__amplifying_input__rss_within_twice_the_file),
	};

	return cmocka_run_group_tests_name("load_bound", tests, setup, teardown);
}
