// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Where the bytes go is decided once, in ls_outfile_open(), on file
 * descriptors: the directory is opened first and every later step (look
 * at the name, create the temporary file, rename) is relative to that
 * descriptor, so swapping a path component afterwards changes nothing.
 * A symbolic link at the final name is read (not followed) and only where
 * nobody but us and root can change it; anywhere else the rename replaces
 * the link itself, and its target is never opened.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/stat.h>
#include "parse.h"
#include "save_file.h"

#define MAX_LINK_HOPS	8	/* as many links as we follow before ELOOP */
#define TMP_SUFFIX	".tmp.XXXXXX"

struct ls_outfile {
	char *path;		/* as the user gave it: messages */
	int fd;			/* the new file, or the target written in place */
	int dirfd;		/* with a new file: its directory, else -1 */
	char *name;		/* with a new file: the final name in dirfd */
	bool unnamed;		/* the new file has no name yet (O_TMPFILE) */
	char tmp[NAME_MAX + 1];	/* else its temporary name in dirfd */
};

/* The writer's stream: write() errors are kept, so ENOSPC stays ENOSPC. */
struct sink {
	int fd;
	int err;
};

static ssize_t sink_write(void *cookie, const char *buf, size_t len)
{
	struct sink *s = cookie;
	size_t done = 0;
	ssize_t n;

	/*
	 * EINTR is not retried: on a FIFO whose reader stopped reading, a
	 * second Ctrl-C must get latscope out of the write.
	 */
	while (done < len) {
		n = write(s->fd, buf + done, len - done);
		if (n <= 0) {
			if (!s->err)
				s->err = n < 0 ? errno : EIO;
			break;
		}
		done += (size_t)n;
	}
	return (ssize_t)done;
}

static void set_err(char *err, size_t errlen, const char *path, const char *why, int e)
{
	if (!err || !errlen)
		return;
	if (!strcmp(path, "-"))
		snprintf(err, errlen, "cannot write to stdout: %s", why ? why : strerror(e));
	else
		snprintf(err, errlen, "cannot write '%s': %s", path, why ? why : strerror(e));
}

/* -, /dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N: the number, else -1. */
static int fd_name(const char *path)
{
	static const char *const dirs[] = { "/dev/fd/", "/proc/self/fd/" };
	unsigned long n;
	size_t i, len;

	if (!strcmp(path, "-") || !strcmp(path, "/dev/stdout"))
		return 1;
	if (!strcmp(path, "/dev/stderr"))
		return 2;
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		len = strlen(dirs[i]);
		if (!strncmp(path, dirs[i], len) && !ls_parse_ulong(path + len, 0, INT_MAX, &n))
			return (int)n;
	}
	return -1;
}

/*
 * Can anyone but us (and root) change what name means in dir?  Not if we
 * or root own dir and nobody else may write to it; in a sticky directory
 * such as /tmp, not if the entry itself is ours or root's either.
 */
static bool name_is_ours(const struct stat *dir, const struct stat *entry)
{
	uid_t me = geteuid();

	if (dir->st_uid != me && dir->st_uid != 0)
		return false;
	if (!(dir->st_mode & (S_IWGRP | S_IWOTH)))
		return true;
	return (dir->st_mode & S_ISVTX) && (entry->st_uid == me || entry->st_uid == 0);
}

/* "dir/" + target for a relative link target, else target: malloc'ed. */
static char *link_destination(const char *path, const char *name, const char *target)
{
	char *dest;

	if (target[0] == '/' || name == path)
		return strdup(target);
	if (asprintf(&dest, "%.*s%s", (int)(name - path), path, target) < 0)
		return NULL;
	return dest;
}

/* A random suffix, so that nobody can guess the name and wait for it. */
static void fill_random(char *x, size_t n)
{
	static const char alnum[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char r[16];
	struct timespec ts;
	size_t i;

	if (getrandom(r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		for (i = 0; i < sizeof(r); i++)
			r[i] = (unsigned char)((ts.tv_nsec >> (i % 4 * 8)) ^ (getpid() >> (i % 3)) ^ i);
	}
	for (i = 0; i < n && i < sizeof(r); i++)
		x[i] = alnum[r[i] % (sizeof(alnum) - 1)];
}

/*
 * Give the new file the name NAME.tmp.XXXXXX beside name: create it with
 * O_EXCL, or link the unnamed file there.  Either fails on any existing
 * entry, a planted link included, and a taken name just means another try.
 */
static int name_tmp(struct ls_outfile *o)
{
	size_t keep = strlen(o->name), sfx = strlen(TMP_SUFFIX);
	char proc[64];
	int tries, ret;

	if (keep + sfx > NAME_MAX)
		keep = NAME_MAX - sfx;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", o->fd);
	for (tries = 0; tries < 100; tries++) {
		snprintf(o->tmp, sizeof(o->tmp), "%.*s" TMP_SUFFIX, (int)keep, o->name);
		fill_random(o->tmp + keep + sfx - 6, 6);
		if (!o->unnamed) {
			/* 0666: the umask and a default ACL apply, as to any new file */
			o->fd = openat(o->dirfd, o->tmp,
				       O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
			ret = o->fd >= 0 ? 0 : -errno;
		} else {
			ret = linkat(AT_FDCWD, proc, o->dirfd, o->tmp, AT_SYMLINK_FOLLOW) ? -errno : 0;
			/* no /proc: the same with the capability it takes then */
			if (ret == -ENOENT)
				ret = linkat(o->fd, "", o->dirfd, o->tmp, AT_EMPTY_PATH) ? -errno : 0;
		}
		if (ret != -EEXIST)
			break;
	}
	if (ret)
		o->tmp[0] = '\0';
	else
		o->unnamed = false;
	return ret;
}

/*
 * The new file.  Unnamed (O_TMPFILE) where the file system can: a run
 * killed with SIGKILL then leaves nothing behind.  It gets a name at the
 * end, once written.
 */
static int create_file(struct ls_outfile *o)
{
	o->fd = openat(o->dirfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
	if (o->fd >= 0) {
		o->unnamed = true;
		return 0;
	}
	return name_tmp(o);
}

/*
 * A FIFO or a terminal-like device at the name is written in place.  The
 * open is non-blocking so that a FIFO without a reader fails now (ENXIO)
 * instead of hanging at the end of a run; the write itself then blocks.
 * 1 when the name turned out to be something else meanwhile.
 */
static int open_in_place(struct ls_outfile *o, int dirfd, const char *name, bool follow)
{
	struct stat st;
	int fd;

	fd = openat(dirfd, name, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC |
		    (follow ? 0 : O_NOFOLLOW));
	if (fd < 0)
		return errno == ELOOP || errno == ENOENT ? 1 : -errno;
	if (fstat(fd, &st) || !(S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode))) {
		/* opened without O_TRUNC and closed unwritten: nothing changed */
		close(fd);
		return 1;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	o->fd = fd;
	return 0;
}

static int open_path(struct ls_outfile *o, const char *path, int hops, char *err, size_t errlen);

/* A link at the name, in a directory only we and root can change. */
static int follow_link(struct ls_outfile *o, const char *path, const char *name, int dirfd,
		       int hops, char *err, size_t errlen)
{
	char target[PATH_MAX], *dest;
	ssize_t n;
	int ret;

	if (hops >= MAX_LINK_HOPS) {
		set_err(err, errlen, o->path, NULL, ELOOP);
		return -ELOOP;
	}
	n = readlinkat(dirfd, name, target, sizeof(target) - 1);
	if (n < 0) {
		ret = -errno;
		set_err(err, errlen, o->path, NULL, -ret);
		return ret;
	}
	target[n] = '\0';
	dest = link_destination(path, name, target);
	if (!dest) {
		set_err(err, errlen, o->path, NULL, ENOMEM);
		return -ENOMEM;
	}
	ret = open_path(o, dest, hops + 1, err, errlen);
	free(dest);
	return ret;
}

static int open_path(struct ls_outfile *o, const char *path, int hops, char *err, size_t errlen)
{
	const char *slash = strrchr(path, '/'), *name = slash ? slash + 1 : path;
	struct stat dir_st, st;
	char *dir = NULL;
	int dirfd = -1, fd, ret = 0;

	fd = fd_name(path);
	if (fd >= 0) {
		o->fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		if (o->fd < 0) {
			ret = -errno;
			set_err(err, errlen, o->path, NULL, -ret);
		}
		return ret;
	}
	if (!*name || !strcmp(name, ".") || !strcmp(name, "..")) {
		set_err(err, errlen, o->path, NULL, EISDIR);
		return -EISDIR;
	}
	if (slash && asprintf(&dir, "%.*s", slash == path ? 1 : (int)(slash - path), path) < 0) {
		set_err(err, errlen, o->path, NULL, ENOMEM);
		return -ENOMEM;
	}
	dirfd = open(dir ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (dirfd < 0 || fstat(dirfd, &dir_st)) {
		ret = -errno;
		set_err(err, errlen, o->path, NULL, -ret);
		goto out;
	}
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW)) {
		if (errno != ENOENT) {
			ret = -errno;
			set_err(err, errlen, o->path, NULL, -ret);
			goto out;
		}
		st.st_mode = 0;	/* nothing there: a new file */
	}
	if (S_ISLNK(st.st_mode) && name_is_ours(&dir_st, &st)) {
		ret = follow_link(o, path, name, dirfd, hops, err, errlen);
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		ret = -EISDIR;
		set_err(err, errlen, o->path, NULL, EISDIR);
		goto out;
	}
	if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode)) {
		if (!name_is_ours(&dir_st, &st)) {
			ret = -EPERM;
			set_err(err, errlen, o->path, "a FIFO or device in a directory other users "
				"can change; give a path of your own", 0);
			goto out;
		}
		ret = open_in_place(o, dirfd, name, false);
		if (ret == -ENXIO && S_ISFIFO(st.st_mode))
			set_err(err, errlen, o->path, "no process is reading this FIFO (start the "
				"reader first)", 0);
		else if (ret < 0)
			set_err(err, errlen, o->path, NULL, -ret);
		if (ret <= 0)
			goto out;
		/* replaced by a file or a link meanwhile: replace it in turn */
		ret = 0;
	} else if (st.st_mode && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) {
		ret = -EINVAL;
		set_err(err, errlen, o->path, "not a regular file, a character device or a FIFO",
			0);
		goto out;
	}
	/* what open(O_TRUNC) would have refused, the rename must not do either */
	if (S_ISREG(st.st_mode) && faccessat(dirfd, name, W_OK, AT_EACCESS)) {
		ret = -errno;
		set_err(err, errlen, o->path, NULL, -ret);
		goto out;
	}
	o->dirfd = dirfd;
	dirfd = -1;
	o->name = strdup(name);
	ret = o->name ? create_file(o) : -ENOMEM;
	if (ret)
		set_err(err, errlen, o->path, NULL, -ret);
out:
	if (dirfd >= 0)
		close(dirfd);
	return ret;
}

int ls_outfile_open(struct ls_outfile **out, const char *path, char *err, size_t errlen)
{
	struct ls_outfile *o;
	int ret;

	*out = NULL;
	if (!path || !*path) {
		set_err(err, errlen, "", NULL, EINVAL);
		return -EINVAL;
	}
	o = calloc(1, sizeof(*o));
	if (!o || !(o->path = strdup(path))) {
		free(o);
		set_err(err, errlen, path, NULL, ENOMEM);
		return -ENOMEM;
	}
	o->fd = o->dirfd = -1;
	ret = open_path(o, path, 0, err, errlen);
	if (ret) {
		ls_outfile_abort(o);
		return ret;
	}
	*out = o;
	return 0;
}

void ls_outfile_abort(struct ls_outfile *o)
{
	if (!o)
		return;
	if (o->tmp[0])
		unlinkat(o->dirfd, o->tmp, 0);
	if (o->fd >= 0)
		close(o->fd);
	if (o->dirfd >= 0)
		close(o->dirfd);
	free(o->name);
	free(o->path);
	free(o);
}

/*
 * An old file at the name keeps its mode and owner, as if written in place.
 * The owner only where the kernel lets us (root, or a group we are in).
 */
static void keep_mode_and_owner(const struct ls_outfile *o)
{
	struct stat st;

	if (fstatat(o->dirfd, o->name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISREG(st.st_mode))
		return;
	if (fchown(o->fd, st.st_uid, st.st_gid))
		(void)!fchown(o->fd, (uid_t)-1, st.st_gid);
	fchmod(o->fd, st.st_mode & 0777);
}

/* Through the sink, so the first real errno is the one reported. */
static int write_fd(int fd, ls_save_fn write, const void *ctx)
{
	/* no close function: the descriptor stays ours */
	static const cookie_io_functions_t io = { .write = sink_write };
	struct sink s = { .fd = fd };
	FILE *f;
	int ret;

	f = fopencookie(&s, "w", io);
	if (!f)
		return -errno;
	ret = write(f, ctx);
	if (fflush(f) && !ret)
		ret = -EIO;
	fclose(f);
	/* the callback's -EIO hides what the kernel said; the sink has it */
	return s.err ? -s.err : ret;
}

/* The new file, written: synced, named, renamed over the old one. */
static int put_in_place(struct ls_outfile *o)
{
	int ret = 0;

	if (fsync(o->fd))
		return -errno;
	if (o->unnamed)
		ret = name_tmp(o);
	/* close() can still report a delayed write error (NFS) */
	if (close(o->fd) && !ret)
		ret = -errno;
	o->fd = -1;
	if (ret)
		return ret;
	if (renameat(o->dirfd, o->tmp, o->dirfd, o->name))
		return -errno;
	o->tmp[0] = '\0';
	/*
	 * rename() is durable once the directory is synced.  Best effort: the
	 * file is in place already, and some file systems refuse fsync on
	 * directories.
	 */
	fsync(o->dirfd);
	return 0;
}

int ls_outfile_commit(struct ls_outfile *o, ls_save_fn write, const void *ctx, char *err,
		  size_t errlen)
{
	int ret;

	if (!o || !write) {
		ls_outfile_abort(o);
		return -EINVAL;
	}
	/* what this process printed before comes first (-o - or /dev/stdout) */
	fflush(stdout);
	if (o->name)
		keep_mode_and_owner(o);
	ret = write_fd(o->fd, write, ctx);
	if (!ret && o->name)
		ret = put_in_place(o);
	if (ret)
		set_err(err, errlen, o->path, NULL, -ret);
	ls_outfile_abort(o);
	return ret;
}

int ls_save_file(const char *path, ls_save_fn write, const void *ctx)
{
	struct ls_outfile *o;
	int ret;

	if (!write)
		return -EINVAL;
	ret = ls_outfile_open(&o, path, NULL, 0);
	if (ret)
		return ret;
	return ls_outfile_commit(o, write, ctx, NULL, 0);
}
