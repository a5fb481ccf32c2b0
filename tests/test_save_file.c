// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The output writer: what each kind of name becomes (new file, old file,
 * link, FIFO, device, descriptor), and that a failure leaves the old file
 * and no temporary file.  The race with another user's links is in
 * tests/integration/t_output.sh: it needs a second user.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "save_file.h"
#include "test_util.h"

static char base[PATH_MAX];

static int write_text(FILE *f, const void *ctx)
{
	return fputs(ctx, f) < 0 ? -EIO : 0;
}

/* Writes, then says it failed, as a writer that hit a bad value would. */
static int write_then_fail(FILE *f, const void *ctx)
{
	fputs(ctx, f);
	return -EPROTO;
}

/* Lots, so stdio flushes and meets the error while writing. */
static int write_lots(FILE *f, const void *ctx)
{
	int i;

	for (i = 0; i < 100000; i++)
		if (fputs("0123456789abcdef", f) < 0)
			return -EIO;
	return 0;
}

static char *path_in(const char *dir, const char *name)
{
	static char buf[4][PATH_MAX];
	static int next;
	char *p = buf[next++ % 4];

	assert_true(snprintf(p, PATH_MAX, "%s/%s", dir, name) < PATH_MAX);
	return p;
}

static char *read_all(const char *path)
{
	static char buf[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n < 0 ? 0 : n] = '\0';
	return buf;
}

static void put(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

/* A fresh directory per test, with this mode. */
static const char *fresh_dir(const char *name, mode_t mode)
{
	char *dir = path_in(base, name);

	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(chmod(dir, mode), 0);
	return dir;
}

static int setup(void **state)
{
	snprintf(base, sizeof(base), "%s/ls-save-XXXXXX", getenv("TMPDIR") ?: "/tmp");
	return mkdtemp(base) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	return system(cmd);
}

static void save_file__new_file__written_mode_from_umask_nothing_else(void **state)
{
	const char *dir = fresh_dir("new", 0700);
	char *p = path_in(dir, "out.json");
	struct stat st;
	mode_t mask = umask(022);

	assert_int_equal(ls_save_file(p, write_text, "hello\n"), 0);
	umask(mask);
	assert_string_equal(read_all(p), "hello\n");
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	assert_int_equal(count_entries(dir), 1);
}

/* It used to become 0644: a private file made readable by all. */
static void save_file__old_file_0600__mode_kept(void **state)
{
	const char *dir = fresh_dir("keep", 0700);
	char *p = path_in(dir, "out.json");
	struct stat st;

	put(p, "old\n", 0600);
	assert_int_equal(ls_save_file(p, write_text, "new\n"), 0);
	assert_string_equal(read_all(p), "new\n");
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(count_entries(dir), 1);
}

static void save_file__writer_fails__old_file_intact_no_tmp(void **state)
{
	const char *dir = fresh_dir("fail", 0700);
	char *p = path_in(dir, "out.json");

	put(p, "old\n", 0644);
	assert_int_equal(ls_save_file(p, write_then_fail, "half"), -EPROTO);
	assert_string_equal(read_all(p), "old\n");
	assert_int_equal(count_entries(dir), 1);
}

/* The writer says EIO; the sink knows the disk was full. */
static void save_file__full_device__enospc_not_eio(void **state)
{
	struct ls_outfile *o;
	char err[256];

	if (access("/dev/full", W_OK))
		skip();
	assert_int_equal(ls_outfile_open(&o, "/dev/full", err, sizeof(err)), 0);
	assert_int_equal(ls_outfile_commit(o, write_lots, NULL, err, sizeof(err)), -ENOSPC);
	assert_string_equal(err, "cannot write '/dev/full': No space left on device");
}

/* Others may swap the link: it is replaced, its target never opened. */
static void save_file__link_in_dir_others_can_write__replaced_not_followed(void **state)
{
	const char *dir = fresh_dir("shared", 0777), *mine = fresh_dir("mine", 0700);
	char *victim = path_in(mine, "victim"), *p = path_in(dir, "run.json");
	struct stat st;

	put(victim, "secret\n", 0600);
	assert_int_equal(symlink(victim, p), 0);
	assert_int_equal(ls_save_file(p, write_text, "new\n"), 0);
	assert_string_equal(read_all(victim), "secret\n");
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_string_equal(read_all(p), "new\n");

	/* a link to /dev/null there is replaced too */
	assert_int_equal(unlink(p), 0);
	assert_int_equal(symlink("/dev/null", p), 0);
	assert_int_equal(ls_save_file(p, write_text, "new\n"), 0);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISREG(st.st_mode));
}

/* Our own link: written through, atomically, at the real path. */
static void save_file__link_in_own_dir__written_through_link_kept(void **state)
{
	const char *dir = fresh_dir("own", 0700), *real = fresh_dir("real", 0700);
	char *target = path_in(real, "run-5.json"), *p = path_in(dir, "latest.json");
	struct stat st;

	put(target, "old\n", 0640);
	assert_int_equal(symlink("../real/run-5.json", p), 0);
	assert_int_equal(ls_save_file(p, write_text, "new\n"), 0);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_string_equal(read_all(target), "new\n");
	assert_int_equal(stat(target, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	assert_int_equal(count_entries(real), 1);
}

static void save_file__link_loop__eloop(void **state)
{
	const char *dir = fresh_dir("loop", 0700);
	char *a = path_in(dir, "a"), *b = path_in(dir, "b");
	char err[PATH_MAX + 64];
	struct ls_outfile *o;

	assert_int_equal(symlink("b", a), 0);
	assert_int_equal(symlink("a", b), 0);
	assert_int_equal(ls_outfile_open(&o, a, err, sizeof(err)), -ELOOP);
	assert_null(o);
}

/* No reader: fail now (it used to hang at the end of a run). */
static void save_file__fifo__no_reader_fails_at_once_reader_gets_it(void **state)
{
	const char *dir = fresh_dir("fifo", 0700);
	char *p = path_in(dir, "out.fifo"), err[PATH_MAX + 128], want[PATH_MAX + 128], buf[64];
	struct ls_outfile *o;
	ssize_t n;
	int rd;

	assert_int_equal(mkfifo(p, 0600), 0);
	assert_int_equal(ls_outfile_open(&o, p, err, sizeof(err)), -ENXIO);
	snprintf(want, sizeof(want), "cannot write '%s': no process is reading this FIFO "
		 "(start the reader first)", p);
	assert_string_equal(err, want);

	rd = open(p, O_RDONLY | O_NONBLOCK);
	assert_true(rd >= 0);
	assert_int_equal(ls_outfile_open(&o, p, err, sizeof(err)), 0);
	assert_int_equal(ls_outfile_commit(o, write_text, "through the pipe\n", err, sizeof(err)), 0);
	n = read(rd, buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, "through the pipe\n");
	close(rd);
	assert_int_equal(count_entries(dir), 1);
}

/* /dev/fd/N is that descriptor, as the shell's process substitution means. */
static void save_file__dev_fd_name__written_to_that_descriptor(void **state)
{
	char name[64], buf[64];
	int pfd[2];
	ssize_t n;

	assert_int_equal(pipe(pfd), 0);
	snprintf(name, sizeof(name), "/dev/fd/%d", pfd[1]);
	assert_int_equal(ls_save_file(name, write_text, "fd\n"), 0);
	close(pfd[1]);
	n = read(pfd[0], buf, sizeof(buf) - 1);
	assert_int_equal(n, 3);
	buf[n] = '\0';
	assert_string_equal(buf, "fd\n");
	close(pfd[0]);
	assert_int_equal(ls_save_file("/dev/fd/987654", write_text, "x"), -EBADF);
}

static void save_file__bad_names__errors_with_the_path(void **state)
{
	const char *dir = fresh_dir("bad", 0700);
	char err[PATH_MAX + 64], want[PATH_MAX + 64];
	struct ls_outfile *o;

	snprintf(want, sizeof(want), "cannot write '%s': Is a directory", dir);
	assert_int_equal(ls_outfile_open(&o, dir, err, sizeof(err)), -EISDIR);
	assert_string_equal(err, want);
	assert_int_equal(ls_outfile_open(&o, path_in(dir, "."), err, sizeof(err)), -EISDIR);
	assert_int_equal(ls_outfile_open(&o, path_in(dir, "no/such.json"), err, sizeof(err)), -ENOENT);
	assert_int_equal(ls_outfile_open(&o, "", err, sizeof(err)), -EINVAL);
	assert_int_equal(ls_outfile_open(&o, NULL, err, sizeof(err)), -EINVAL);
	assert_int_equal(ls_save_file(path_in(dir, "x"), NULL, NULL), -EINVAL);
	assert_int_equal(count_entries(dir), 0);
}

/* record prepares -o before tracing; a run that fails leaves nothing. */
static void save_file__opened_then_aborted__nothing_left_old_intact(void **state)
{
	const char *dir = fresh_dir("abort", 0700);
	char *p = path_in(dir, "run.json"), err[256];
	struct ls_outfile *o;

	assert_int_equal(ls_outfile_open(&o, p, err, sizeof(err)), 0);
	ls_outfile_abort(o);
	assert_int_equal(count_entries(dir), 0);

	put(p, "old\n", 0644);
	assert_int_equal(ls_outfile_open(&o, p, err, sizeof(err)), 0);
	ls_outfile_abort(o);
	assert_string_equal(read_all(p), "old\n");
	assert_int_equal(count_entries(dir), 1);
	ls_outfile_abort(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(save_file__new_file__written_mode_from_umask_nothing_else),
		cmocka_unit_test(save_file__old_file_0600__mode_kept),
		cmocka_unit_test(save_file__writer_fails__old_file_intact_no_tmp),
		cmocka_unit_test(save_file__full_device__enospc_not_eio),
		cmocka_unit_test(save_file__link_in_dir_others_can_write__replaced_not_followed),
		cmocka_unit_test(save_file__link_in_own_dir__written_through_link_kept),
		cmocka_unit_test(save_file__link_loop__eloop),
		cmocka_unit_test(save_file__fifo__no_reader_fails_at_once_reader_gets_it),
		cmocka_unit_test(save_file__dev_fd_name__written_to_that_descriptor),
		cmocka_unit_test(save_file__bad_names__errors_with_the_path),
		cmocka_unit_test(save_file__opened_then_aborted__nothing_left_old_intact),
	};

	return cmocka_run_group_tests_name("save_file", tests, setup, teardown);
}
