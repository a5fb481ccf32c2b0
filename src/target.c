// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "latscope.h"
#include "log.h"
#include "match.h"
#include "target.h"

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL	/* include/uapi/linux/pidfd.h, Linux 6.9 */
#endif

static int pidfd_open_flags(pid_t pid, unsigned int flags)
{
	return (int)syscall(SYS_pidfd_open, pid, flags);
}

/* One thread: create its (idle) task entry.  EEXIST: the fork hook won. */
static int seed_thread(const struct ls_target_maps *m, pid_t tid, bool leader, __u32 flags)
{
	struct ls_task_state st = { .flags = flags, .call_fd = -1 };
	struct timespec now;
	int pidfd, ret;

	/* the kernel's clock for BPF (bpf_ktime_get_ns) is CLOCK_MONOTONIC */
	clock_gettime(CLOCK_MONOTONIC, &now);
	st.tt.first_ns = (__u64)now.tv_sec * 1000000000ULL + (__u64)now.tv_nsec;
	st.tt.tid = (__u32)tid;

	pidfd = pidfd_open_flags(tid, PIDFD_THREAD);
	if (pidfd < 0 && errno == EINVAL && leader)
		pidfd = pidfd_open_flags(tid, 0);
	if (pidfd < 0)
		return errno == EINVAL ? -EOPNOTSUPP : -errno;
	ret = bpf_map_update_elem(m->task_state_fd, &pidfd, &st, BPF_NOEXIST);
	ret = ret && errno != EEXIST ? -errno : 0;
	close(pidfd);
	return ret;
}

/*
 * Mark the kernel stacks of pid's threads in stack_hint: the programs look
 * at nothing else first.  A kernel that cannot run the iterator gets every
 * stack marked, which is the check turned off.
 */
static void register_stacks(const struct ls_target_maps *m, pid_t pid)
{
	union bpf_iter_link_info info = { .task.pid = (__u32)pid };
	LIBBPF_OPTS(bpf_link_create_opts, opts, .iter_info = &info,
		    .iter_info_len = sizeof(info));
	int link, it = -1;
	char buf[64];
	ssize_t n = -1;

	link = bpf_link_create(m->stack_iter_fd, 0, BPF_TRACE_ITER, &opts);
	if (link >= 0)
		it = bpf_iter_create(link);
	if (it >= 0)
		while ((n = read(it, buf, sizeof(buf))) > 0)
			;
	if (n < 0) {
		ls_info("task iterator: %s: every task takes the slow check", strerror(errno));
		memset((void *)m->stack_hint, 1, LS_STACK_HINT_SLOTS);
	}
	if (it >= 0)
		close(it);
	if (link >= 0)
		close(link);
}

static int seed_process(const struct ls_target_maps *m, pid_t pid, __u32 flags)
{
	struct ls_proc proc = { .flags = LS_PROC_TARGET };
	__u32 tgid = (__u32)pid;
	char path[64];
	struct dirent *de;
	DIR *dir;
	int ret = 0, r;

	/* the programs look at a task only once its tgid is hinted */
	m->tgid_hint[tgid & (LS_TGID_HINT_SLOTS - 1)] = 1;
	/* then the procs entry: threads born from now on are caught by the fork hook */
	if (bpf_map_update_elem(m->procs_fd, &tgid, &proc, BPF_ANY))
		return -errno;
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return errno == ENOENT ? -ESRCH : -errno;
	while ((de = readdir(dir))) {
		char *end;
		long tid = strtol(de->d_name, &end, 10);

		if (*end || tid <= 0)
			continue;
		r = seed_thread(m, (pid_t)tid, tid == pid, flags);
		if (r == -ESRCH)
			continue;	/* the thread exited meanwhile */
		if (r) {
			ret = r;
			break;
		}
	}
	closedir(dir);
	if (!ret)
		register_stacks(m, pid);
	return ret;
}

/* A thread ID is not a process: /proc/TID exists but its Tgid differs. */
static pid_t tgid_of(pid_t pid)
{
	char path[64], line[128];
	pid_t tgid = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Tgid: %d", &tgid) == 1)
			break;
	fclose(f);
	return tgid;
}

int target_attach_pids(const struct ls_target_maps *m, const pid_t *pids, size_t n,
		       char *err, size_t errlen)
{
	size_t i;
	int ret;

	for (i = 0; i < n; i++) {
		pid_t tgid = tgid_of(pids[i]);

		if (tgid < 0) {
			snprintf(err, errlen, "no process with PID %d", pids[i]);
			return -ESRCH;
		}
		if (tgid != pids[i]) {
			snprintf(err, errlen, "%d is a thread of process %d; give the process PID",
				 pids[i], tgid);
			return -ESRCH;
		}
		ret = seed_process(m, pids[i], 0);
		if (ret == -ESRCH) {
			snprintf(err, errlen, "process %d exited before it could be traced", pids[i]);
			return ret;
		}
		if (ret == -EOPNOTSUPP) {
			snprintf(err, errlen, "this kernel cannot open thread pidfds "
				 "(PIDFD_THREAD, Linux 6.9+), needed to trace existing threads");
			return ret;
		}
		if (ret) {
			snprintf(err, errlen, "cannot trace process %d: %s", pids[i], strerror(-ret));
			return ret;
		}
	}
	return 0;
}

void target_hints_save(const struct ls_target_maps *m, struct ls_hint_bytes *out)
{
	memcpy(out->stack, (const void *)m->stack_hint, sizeof(out->stack));
	memcpy(out->tgid, (const void *)m->tgid_hint, sizeof(out->tgid));
}

void target_hints_restore(const struct ls_target_maps *m, const struct ls_hint_bytes *saved)
{
	memcpy((void *)m->stack_hint, saved->stack, sizeof(saved->stack));
	memcpy((void *)m->tgid_hint, saved->tgid, sizeof(saved->tgid));
}

int target_forget(const struct ls_target_maps *m, pid_t pid)
{
	__u32 tgid = (__u32)pid;

	*m->forgotten_tgid = tgid;
	if (bpf_map_delete_elem(m->procs_fd, &tgid) && errno != ENOENT)
		return -errno;
	return 0;
}

/*
 * Find cmd in PATH here rather than with execvp in the child: one execve is
 * what the traced command does, a PATH walk of failing ones is not.
 */
static int resolve_command(const char *cmd, char *out, size_t len)
{
	const char *path = getenv("PATH"), *p, *end;
	struct stat st;

	if (strchr(cmd, '/')) {
		snprintf(out, len, "%s", cmd);
		return access(out, X_OK) ? -errno : 0;
	}
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path; p; p = *end ? end + 1 : NULL) {
		end = strchrnul(p, ':');
		snprintf(out, len, "%.*s%s%s", (int)(end - p), p, end > p ? "/" : "", cmd);
		if (!access(out, X_OK) && !stat(out, &st) && S_ISREG(st.st_mode))
			return 0;
	}
	return -ENOENT;
}

static void child_exec(int go_fd, int status_fd, const char *path, char **cmd, pid_t parent)
{
	sigset_t none;
	char c;
	int e;

	/*
	 * The command lives no longer than latscope, even one killed with
	 * SIGKILL: nothing is left running untraced.  If latscope died before
	 * the prctl, we were reparented already and no signal will come.
	 * (The kernel clears this on the execve of a set-user-ID program.)
	 */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) || getppid() != parent)
		_exit(127);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	/* wait until the parent made us traced; EOF means it gave up */
	if (read(go_fd, &c, 1) != 1)
		_exit(127);
	execv(path, cmd);
	e = errno;
	if (write(status_fd, &e, sizeof(e)) != sizeof(e))
		_exit(127);
	_exit(127);
}

int target_launch(const struct ls_target_maps *m, char **cmd, pid_t *child, char *err,
		  size_t errlen)
{
	int go[2] = { -1, -1 }, status[2] = { -1, -1 };
	int ret = 0, exec_errno = 0;
	ssize_t n;
	char path[4096];
	pid_t pid, self = getpid();

	ret = resolve_command(cmd[0], path, sizeof(path));
	if (ret) {
		snprintf(err, errlen, "cannot run '%s': %s", cmd[0],
			 ret == -ENOENT && !strchr(cmd[0], '/') ? "command not found" :
			 strerror(-ret));
		return ret;
	}
	if (pipe2(go, O_CLOEXEC) || pipe2(status, O_CLOEXEC)) {
		ret = -errno;
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		goto out;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		snprintf(err, errlen, "fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0) {
		close(go[1]);
		close(status[0]);
		child_exec(go[0], status[1], path, cmd, self);
	}
	close(go[0]);
	close(status[1]);
	go[0] = status[1] = -1;

	ret = seed_process(m, pid, LS_TS_WAIT_EXEC);
	if (ret) {
		snprintf(err, errlen, "cannot trace the command: %s", strerror(-ret));
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		goto out;
	}
	if (write(go[1], "g", 1) != 1) {
		ret = -errno;
		snprintf(err, errlen, "cannot start the command: %s", strerror(errno));
		goto out;
	}
	/* the status pipe closes on a successful exec, else carries errno */
	do {
		n = read(status[0], &exec_errno, sizeof(exec_errno));
	} while (n < 0 && errno == EINTR);
	if (n == sizeof(exec_errno)) {
		waitpid(pid, NULL, 0);
		snprintf(err, errlen, "cannot run '%s': %s", cmd[0], strerror(exec_errno));
		ret = -exec_errno;
		goto out;
	}
	*child = pid;
out:
	if (go[0] >= 0)
		close(go[0]);
	if (go[1] >= 0)
		close(go[1]);
	if (status[0] >= 0)
		close(status[0]);
	if (status[1] >= 0)
		close(status[1]);
	return ret;
}

int target_comm(pid_t tgid, pid_t tid, char *buf, size_t len)
{
	char path[64];
	FILE *f;
	int ret = 0;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/task/%d/comm", tgid, tid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = '\0';
	else
		ret = -EIO;
	fclose(f);
	return ret;
}

int target_attach_matching(const struct ls_target_maps *m, const struct ls_match *match,
			   size_t *found, char *err, size_t errlen)
{
	struct dirent *de;
	DIR *dir;
	int ret = 0;

	*found = 0;
	dir = opendir("/proc");
	if (!dir) {
		snprintf(err, errlen, "/proc: %s", strerror(errno));
		return -errno;
	}
	while ((de = readdir(dir))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);

		if (*end || pid <= 0 || !ls_match_process(match, (pid_t)pid))
			continue;
		ret = seed_process(m, (pid_t)pid, 0);
		if (ret == -ESRCH) {
			ret = 0;	/* gone meanwhile */
			continue;
		}
		if (ret) {
			snprintf(err, errlen, "cannot trace process %ld: %s", pid, strerror(-ret));
			break;
		}
		(*found)++;
	}
	closedir(dir);
	return ret;
}

int target_live_tgids(const struct ls_target_maps *m, __u32 *live, size_t max)
{
	__u32 key, next, *prev = NULL, *keys;
	size_t n = 0, i;
	int n_live = 0;

	/* keys first: deleting while walking would restart the walk */
	keys = calloc(LS_MAX_PROCS, sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	while (n < LS_MAX_PROCS && bpf_map_get_next_key(m->procs_fd, prev, &next) == 0) {
		keys[n++] = next;
		key = next;
		prev = &key;
	}
	for (i = 0; i < n; i++) {
		/* a zombie has passed its exit hook already: only the pid is left */
		if (kill((pid_t)keys[i], 0) && errno == ESRCH) {
			bpf_map_delete_elem(m->procs_fd, &keys[i]);
			continue;
		}
		if ((size_t)n_live < max)
			live[n_live] = keys[i];
		n_live++;
	}
	free(keys);
	return n_live;
}
