// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "proc_info.h"

/* Up to len - 1 bytes of a /proc file, NUL-terminated; length or -errno. */
static ssize_t read_path(const char *path, char *buf, size_t len)
{
	size_t off = 0;
	ssize_t n;
	int fd;

	if (!len)
		return -EINVAL;
	buf[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (off < len - 1) {
		n = read(fd, buf + off, len - 1 - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			n = -errno;
			close(fd);
			buf[0] = '\0';
			/* a process gone between open and read */
			return n == -ESRCH ? -ENOENT : n;
		}
		if (!n)
			break;
		off += (size_t)n;
	}
	close(fd);
	buf[off] = '\0';
	return (ssize_t)off;
}

static ssize_t read_proc_file(pid_t pid, const char *name, char *buf, size_t len)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	return read_path(path, buf, len);
}

static int parse_stat(const char *path, struct ls_proc_stat *out)
{
	unsigned long long start;
	unsigned int flags;
	char buf[1024], *open_paren, *close_paren;
	ssize_t n;
	size_t clen;
	int ppid;

	memset(out, 0, sizeof(*out));
	n = read_path(path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	/* the name may hold spaces and parentheses: it ends at the last ')' */
	open_paren = strchr(buf, '(');
	close_paren = strrchr(buf, ')');
	if (!open_paren || !close_paren || close_paren < open_paren)
		return -EIO;
	clen = (size_t)(close_paren - open_paren - 1);
	if (clen >= sizeof(out->comm))
		clen = sizeof(out->comm) - 1;
	memcpy(out->comm, open_paren + 1, clen);
	/* state ppid pgrp session tty_nr tpgid flags ... field 22 is starttime */
	if (sscanf(close_paren + 1, " %c %d %*d %*d %*d %*d %u %*u %*u %*u %*u %*u %*u %*d %*d "
		   "%*d %*d %*d %*d %llu", &out->state, &ppid, &flags, &start) != 4)
		return -EIO;
	out->ppid = ppid;
	out->flags = flags;
	out->start_ticks = start;
	return 0;
}

int ls_proc_stat(pid_t pid, struct ls_proc_stat *out)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	return parse_stat(path, out);
}

/*
 * A leader that called pthread_exit() shows as a zombie while its other
 * threads run on: the process is dead only when no thread is alive.
 */
static bool has_live_thread(pid_t pid)
{
	struct ls_proc_stat st;
	char path[96];
	struct dirent *de;
	bool live = false;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (!dir)
		return false;
	while (!live && (de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%.20s/stat", (int)pid, de->d_name);
		live = !parse_stat(path, &st) && !ls_proc_is_dead(&st);
	}
	closedir(dir);
	return live;
}

ssize_t ls_proc_cmdline(pid_t pid, char *buf, size_t len)
{
	ssize_t n = read_proc_file(pid, "cmdline", buf, len);
	ssize_t i;

	if (n <= 0)
		return n;
	/* arguments end in NUL; the last one's is not a separator */
	while (n > 0 && buf[n - 1] == '\0')
		n--;
	for (i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	buf[n] = '\0';
	return n;
}

ssize_t ls_proc_exe(pid_t pid, char *buf, size_t len)
{
	char path[64];
	ssize_t n;

	if (!len)
		return -EINVAL;
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	n = readlink(path, buf, len - 1);
	if (n < 0) {
		buf[0] = '\0';
		return -errno;
	}
	buf[n] = '\0';
	return n;
}

ssize_t ls_proc_cgroup(pid_t pid, char *buf, size_t len)
{
	char data[4096], *line, *save = NULL;
	ssize_t n = read_proc_file(pid, "cgroup", data, sizeof(data));

	if (!len)
		return -EINVAL;
	buf[0] = '\0';
	if (n < 0)
		return n;
	/* "0::/path" is the unified hierarchy, in v2 and hybrid layouts alike */
	for (line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "0::", 3))
			continue;
		snprintf(buf, len, "%s", line + 3);
		return (ssize_t)strlen(buf);
	}
	return -ENOENT;
}

__u64 ls_proc_start_unix_ns(__u64 start_ticks)
{
	struct timespec boot, real;
	long hz = sysconf(_SC_CLK_TCK);
	__u64 since_boot, started, now;

	if (hz <= 0 || clock_gettime(CLOCK_BOOTTIME, &boot) ||
	    clock_gettime(CLOCK_REALTIME, &real))
		return 0;
	since_boot = (__u64)boot.tv_sec * 1000000000ULL + (__u64)boot.tv_nsec;
	now = (__u64)real.tv_sec * 1000000000ULL + (__u64)real.tv_nsec;
	started = start_ticks * (1000000000ULL / (__u64)hz);
	if (started > since_boot || since_boot - started > now)
		return 0;
	return now - (since_boot - started);
}

int ls_proc_check_traceable(pid_t pid, char *err, size_t errlen)
{
	struct ls_proc_stat st;
	int ret = ls_proc_stat(pid, &st);

	if (ret == -ENOENT || ret == -ESRCH) {
		snprintf(err, errlen, "no process with PID %d", (int)pid);
		return -ESRCH;
	}
	/* unreadable: leave the verdict to the attach step */
	if (ret)
		return 0;
	if (ls_proc_is_kthread(&st)) {
		snprintf(err, errlen, "PID %d (%s) is a kernel thread: it makes no system calls "
			 "to trace", (int)pid, st.comm);
		return -EPERM;
	}
	if (ls_proc_is_dead(&st) && !has_live_thread(pid)) {
		snprintf(err, errlen, "process %d (%s) is a zombie: it has exited and waits for "
			 "its parent (PID %d) to reap it; nothing is left to trace", (int)pid,
			 st.comm, (int)st.ppid);
		return -EPERM;
	}
	return 0;
}
