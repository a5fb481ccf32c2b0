// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "save_file.h"

/* rename() is durable only once the directory is synced. */
static void sync_parent_dir(const char *path)
{
	char *copy = strdup(path);
	int fd;

	if (!copy)
		return;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	/*
	 * Best effort: the new file is already in place and cannot be taken
	 * back, and some file systems refuse fsync on directories.
	 */
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(copy);
}

/*
 * Not a file to replace: "-" (stdout), a device such as /dev/null, a FIFO.
 * Renaming a temporary file over those would replace the device node
 * itself, so they are written in place.
 */
static int save_in_place(const char *path, ls_save_fn write, const void *ctx)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "we") : stdout;
	int err;

	if (!f)
		return -errno;
	err = write(f, ctx);
	if (!err && fflush(f))
		err = -errno;
	if (f != stdout && fclose(f) && !err)
		err = -errno;
	return err;
}

int ls_save_file(const char *path, ls_save_fn write, const void *ctx)
{
	struct stat st;
	char *tmp = NULL;
	FILE *f = NULL;
	int fd = -1, err = 0;
	mode_t mask;

	if (!path || !*path || !write)
		return -EINVAL;
	if (!strcmp(path, "-") || (!stat(path, &st) && !S_ISREG(st.st_mode)))
		return save_in_place(path, write, ctx);
	/* Same directory as path, so rename() cannot cross file systems. */
	if (asprintf(&tmp, "%s.tmp.XXXXXX", path) < 0)
		return -ENOMEM;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		free(tmp);
		return err;
	}

	/*
	 * mkstemp() creates 0600.  Give the file the mode fopen() would
	 * (0666 & ~umask), so sharing the file works like sharing any other
	 * file the user creates.  umask() can only be read by setting it.
	 */
	mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask)) {
		err = -errno;
		goto cleanup;
	}

	f = fdopen(fd, "w");
	if (!f) {
		err = -errno;
		goto cleanup;
	}
	fd = -1;
	err = write(f, ctx);
	if (err)
		goto cleanup;
	if (fflush(f) || fsync(fileno(f))) {
		err = -errno;
		goto cleanup;
	}
	/* fclose() can still report a delayed write error (NFS). */
	err = fclose(f) ? -errno : 0;
	f = NULL;
	if (err)
		goto cleanup;
	if (rename(tmp, path)) {
		err = -errno;
		goto cleanup;
	}
	sync_parent_dir(path);

cleanup:
	if (f)
		fclose(f);
	if (fd >= 0)
		close(fd);
	if (err)
		unlink(tmp);
	free(tmp);
	return err;
}
