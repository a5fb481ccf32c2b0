// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <linux/magic.h>
#include "match.h"
#include "proc_info.h"
#include "record_opts.h"

int ls_cmdline_dfa_build(__u8 (*dfa)[256], const char *const *pats, size_t n)
{
	short (*trie)[256] = malloc(sizeof(short[LS_CMDLINE_DFA_STATES][256]));
	__u8 fail[LS_CMDLINE_DFA_STATES] = { 0 }, queue[LS_CMDLINE_DFA_STATES];
	bool accept[LS_CMDLINE_DFA_STATES] = { false };
	size_t i, head = 0, tail = 0;
	int n_states = 1, s, c, u, r;
	const unsigned char *p;

	if (!trie)
		return -ENOMEM;
	memset(trie, 0xff, sizeof(short[LS_CMDLINE_DFA_STATES][256]));
	memset(dfa, 0, sizeof(__u8[LS_CMDLINE_DFA_STATES][256]));
	for (i = 0; i < n; i++) {
		if (!pats[i] || !*pats[i]) {
			free(trie);
			return -EINVAL;
		}
		s = 0;
		for (p = (const unsigned char *)pats[i]; *p; p++) {
			if (trie[s][*p] < 0) {
				if (n_states == LS_CMDLINE_MATCHED) {
					free(trie);
					return -E2BIG;
				}
				trie[s][*p] = (short)n_states++;
			}
			s = trie[s][*p];
		}
		accept[s] = true;
	}
	/* breadth first: a state's fallback (longest proper suffix) is shallower */
	for (c = 0; c < 256; c++) {
		u = trie[0][c];
		if (u > 0) {
			dfa[0][c] = (__u8)u;
			queue[tail++] = (__u8)u;
		}
	}
	while (head < tail) {
		r = queue[head++];
		accept[r] = accept[r] || accept[fail[r]];
		for (c = 0; c < 256; c++) {
			u = trie[r][c];
			if (u < 0) {
				dfa[r][c] = dfa[fail[r]][c];
				continue;
			}
			fail[u] = dfa[fail[r]][c];
			dfa[r][c] = (__u8)u;
			queue[tail++] = (__u8)u;
		}
	}
	free(trie);
	/* entering a state that ends a pattern is "found", which stays found */
	for (s = 0; s < LS_CMDLINE_DFA_STATES; s++)
		for (c = 0; c < 256; c++)
			if (s == LS_CMDLINE_MATCHED || accept[dfa[s][c]])
				dfa[s][c] = LS_CMDLINE_MATCHED;
	return n_states;
}

bool ls_cmdline_dfa_match(const __u8 (*dfa)[256], const char *s, size_t len)
{
	unsigned int state = 0;
	unsigned char c;
	size_t i;

	if (len > LS_CMDLINE_READ_MAX)
		len = LS_CMDLINE_READ_MAX;
	for (i = 0; i < len && state != LS_CMDLINE_MATCHED; i++) {
		c = (unsigned char)s[i];
		state = dfa[state][c ? c : ' '];
	}
	return state == LS_CMDLINE_MATCHED;
}

__u64 ls_fnv64(const char *s)
{
	__u64 h = LS_FNV64_OFFSET;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * LS_FNV64_PRIME;
	return h;
}

int ls_unit_name(const char *arg, char *out, size_t len)
{
	static const char *const types[] = {
		".service", ".socket", ".device", ".mount", ".automount", ".swap", ".target",
		".path", ".timer", ".slice", ".scope",
	};
	size_t i, n = arg ? strlen(arg) : 0, t;
	bool typed = false;

	if (!n || strchr(arg, '/'))
		return -EINVAL;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		t = strlen(types[i]);
		if (n > t && !strcmp(arg + n - t, types[i]))
			typed = true;
	}
	if ((size_t)snprintf(out, len, "%s%s", arg, typed ? "" : ".service") >= len)
		return -EINVAL;
	return 0;
}

int ls_cgroup2_mount(char *buf, size_t len)
{
	char line[4096], mnt[4096], *sep;
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int ret = -ENODEV;

	if (!f)
		return -errno;
	/* "36 35 0:30 / /sys/fs/cgroup rw,... shared:9 - cgroup2 cgroup2 rw" */
	while (fgets(line, sizeof(line), f)) {
		sep = strstr(line, " - ");
		if (!sep || strncmp(sep + 3, "cgroup2 ", 8))
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1)
			continue;
		if ((size_t)snprintf(buf, len, "%s", mnt) >= len)
			continue;
		ret = 0;
		break;
	}
	fclose(f);
	return ret;
}

bool ls_cgroup_within(const char *cg, const char *dir)
{
	size_t n = strlen(dir);

	/* "/" holds everything; "/a" holds "/a" and "/a/b", not "/ab" */
	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (n == 1 && dir[0] == '/')
		return true;
	return !strncmp(cg, dir, n) && (cg[n] == '\0' || cg[n] == '/');
}

bool ls_cgroup_has_unit(const char *cg, const char *unit)
{
	size_t n = strlen(unit);
	const char *p;

	for (p = cg; (p = strstr(p, unit)); p++)
		if (p > cg && p[-1] == '/' && (p[n] == '\0' || p[n] == '/'))
			return true;
	return false;
}

/* The cgroup's id, as the kernel's kernfs node id: its file handle. */
static int cgroup_id(const char *path, __u64 *id)
{
	struct {
		struct file_handle fh;
		__u64 id;
	} h = { .fh.handle_bytes = sizeof(__u64) };
	struct stat st;
	int mount_id;

	if (!name_to_handle_at(AT_FDCWD, path, &h.fh, &mount_id, 0)) {
		memcpy(id, h.fh.f_handle, sizeof(*id));
		return 0;
	}
	/* 64-bit kernels use the inode number as the id */
	if (stat(path, &st))
		return -errno;
	*id = st.st_ino;
	return 0;
}

/*
 * --cgroup PATH: a directory of the unified hierarchy, given as such
 * ("/sys/fs/cgroup/x") or as /proc/PID/cgroup shows it ("/x").
 */
static int add_cgroup(struct ls_match *m, const char *arg, char *err, size_t errlen)
{
	size_t mlen = strlen(m->cgroup_mount);
	char abs[PATH_MAX * 2], *rel = m->cgroups[m->n_cgroups];
	struct statfs sfs;
	struct stat st;

	if (!strncmp(arg, m->cgroup_mount, mlen) && (arg[mlen] == '/' || !arg[mlen]))
		snprintf(rel, PATH_MAX, "%s", arg[mlen] ? arg + mlen : "/");
	else
		snprintf(rel, PATH_MAX, "%s%s", arg[0] == '/' ? "" : "/", arg);
	snprintf(abs, sizeof(abs), "%s%s", m->cgroup_mount, rel);
	if (stat(abs, &st) || !S_ISDIR(st.st_mode) || statfs(abs, &sfs) ||
	    sfs.f_type != CGROUP2_SUPER_MAGIC) {
		snprintf(err, errlen, "--cgroup %s: no such cgroup (%s is not a directory of the "
			 "unified hierarchy, mounted at %s)", arg, abs, m->cgroup_mount);
		return -ENOENT;
	}
	if (cgroup_id(abs, &m->cgroup_ids[m->n_cgroups])) {
		snprintf(err, errlen, "--cgroup %s: cannot read its id: %s", arg, strerror(errno));
		return -errno;
	}
	m->n_cgroups++;
	return 0;
}

/* The kernel's dev_t: major << 20 | minor (include/linux/kdev_t.h). */
static __u32 kernel_dev(dev_t dev)
{
	return (__u32)(major(dev) << 20 | minor(dev));
}

static int add_exe(struct ls_match *m, const char *arg, char *err, size_t errlen)
{
	char dir[PATH_MAX], head[256], *slash, *nl;
	struct stat st;
	ssize_t n;
	int fd;

	if (!realpath(arg, m->exe_path) || stat(m->exe_path, &st)) {
		snprintf(err, errlen, "--exe %s: %s", arg, strerror(errno));
		return errno == ENOENT || errno == ENOTDIR ? -ENOENT : -errno;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "--exe %s: not a regular file", arg);
		return -ENOENT;
	}
	/* the kernel runs a script's interpreter: that is what exec shows */
	fd = open(m->exe_path, O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, head, sizeof(head) - 1) : -1;
	if (fd >= 0)
		close(fd);
	slash = strrchr(m->exe_path, '/');
	if (n > 2 && head[0] == '#' && head[1] == '!') {
		head[n] = '\0';
		nl = strchr(head, '\n');
		if (nl)
			*nl = '\0';
		snprintf(err, errlen, "--exe %s: a script, not an executable: the kernel runs its "
			 "interpreter (%s); trace it by its command line: --cmdline %s", arg,
			 head + 2 + strspn(head + 2, " \t"), slash + 1);
		return -ENOEXEC;
	}
	/* a.out and binfmt_misc formats also run another program: ELF is what matches */
	if (n >= 0 && (n < 4 || memcmp(head, "\177ELF", 4))) {
		snprintf(err, errlen, "--exe %s: not an executable (no ELF header); if an "
			 "interpreter runs it, trace it by its command line: --cmdline %s", arg,
			 slash + 1);
		return -ENOEXEC;
	}
	m->exe_ino = st.st_ino;
	m->exe_dev = kernel_dev(st.st_dev);
	snprintf(m->exe_name, sizeof(m->exe_name), "%s", slash + 1);
	snprintf(dir, sizeof(dir), "%.*s", slash == m->exe_path ? 1 : (int)(slash - m->exe_path),
		 m->exe_path);
	if (stat(dir, &st)) {
		snprintf(err, errlen, "--exe %s: %s: %s", arg, dir, strerror(errno));
		return -errno;
	}
	m->exe_dir_ino = st.st_ino;
	m->exe_dir_dev = kernel_dev(st.st_dev);
	m->exe = true;
	return 0;
}

int ls_match_build(struct ls_match *m, const struct record_opts *o, char *err, size_t errlen)
{
	size_t i;
	int ret;

	memset(m, 0, sizeof(*m));
	m->self = getpid();
	memcpy(m->comms, o->comms, sizeof(m->comms));
	m->n_comms = o->n_comms;
	if (o->exe) {
		ret = add_exe(m, o->exe, err, errlen);
		if (ret)
			return ret;
	}
	for (i = 0; i < o->n_cmdlines; i++)
		m->cmdlines[i] = o->cmdlines[i];
	m->n_cmdlines = o->n_cmdlines;
	if (m->n_cmdlines) {
		ret = ls_cmdline_dfa_build(m->dfa, m->cmdlines, m->n_cmdlines);
		if (ret < 0) {
			snprintf(err, errlen, "--cmdline: %s", ret == -E2BIG ?
				 "the patterns are too long together" : strerror(-ret));
			return ret;
		}
	}
	if (o->n_cgroups || o->n_units) {
		ret = ls_cgroup2_mount(m->cgroup_mount, sizeof(m->cgroup_mount));
		if (ret) {
			snprintf(err, errlen, "%s needs the unified cgroup hierarchy (cgroup2), and "
				 "none is mounted", o->n_cgroups ? "--cgroup" : "--unit");
			return ret;
		}
	}
	for (i = 0; i < o->n_cgroups; i++) {
		ret = add_cgroup(m, o->cgroups[i], err, errlen);
		if (ret)
			return ret;
	}
	for (i = 0; i < o->n_units; i++) {
		memcpy(m->units[i], o->units[i], sizeof(m->units[i]));
		m->unit_hashes[i] = ls_fnv64(m->units[i]);
	}
	m->n_units = o->n_units;
	return 0;
}

bool ls_is_self_or_ancestor(pid_t self, pid_t pid)
{
	struct ls_proc_stat st;
	pid_t p = self;
	int depth;

	for (depth = 0; p > 0 && depth < 4096; depth++) {
		if (p == pid)
			return true;
		if (ls_proc_stat(p, &st))
			return false;
		p = st.ppid;
	}
	return false;
}

static bool exe_matches(const struct ls_match *m, pid_t pid)
{
	char path[64], link[PATH_MAX + 16];
	struct stat st;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	if (!stat(path, &st) && st.st_ino == m->exe_ino && kernel_dev(st.st_dev) == m->exe_dev)
		return true;
	/* started from PATH, whose file has been replaced since */
	if (ls_proc_exe(pid, link, sizeof(link)) <= 0)
		return false;
	n = strlen(link);
	if (n > 10 && !strcmp(link + n - 10, " (deleted)"))
		link[n - 10] = '\0';
	return !strcmp(link, m->exe_path);
}

static bool cgroup_matches(const struct ls_match *m, pid_t pid)
{
	char cg[PATH_MAX];
	size_t i;

	if (ls_proc_cgroup(pid, cg, sizeof(cg)) <= 0)
		return false;
	for (i = 0; i < m->n_cgroups; i++)
		if (ls_cgroup_within(cg, m->cgroups[i]))
			return true;
	for (i = 0; i < m->n_units; i++)
		if (ls_cgroup_has_unit(cg, m->units[i]))
			return true;
	return false;
}

bool ls_match_process(const struct ls_match *m, pid_t pid)
{
	struct ls_proc_stat st;
	char buf[LS_CMDLINE_READ_MAX + 1];
	ssize_t n;
	size_t i;

	if (pid == m->self || ls_proc_stat(pid, &st) || ls_proc_is_kthread(&st))
		return false;
	for (i = 0; i < m->n_comms; i++)
		if (!strncmp(st.comm, m->comms[i], LS_COMM_LEN))
			return true;
	if (m->exe && exe_matches(m, pid))
		return true;
	if ((m->n_cgroups || m->n_units) && cgroup_matches(m, pid))
		return true;
	if (!m->n_cmdlines)
		return false;
	n = ls_proc_cmdline(pid, buf, sizeof(buf));
	/* the sudo or shell that started latscope has the pattern in its arguments */
	return n > 0 && ls_cmdline_dfa_match(m->dfa, buf, (size_t)n) &&
	       !ls_is_self_or_ancestor(m->self, pid);
}

size_t ls_find_cmdlines(const char *needle, struct ls_cmdline_hit *hits, size_t max)
{
	char buf[LS_CMDLINE_READ_MAX + 1];
	pid_t self = getpid();
	struct dirent *de;
	size_t found = 0;
	DIR *dir = opendir("/proc");
	long pid;
	char *end;

	if (!dir)
		return 0;
	while ((de = readdir(dir))) {
		pid = strtol(de->d_name, &end, 10);
		if (*end || pid <= 0 || ls_proc_cmdline((pid_t)pid, buf, sizeof(buf)) <= 0 ||
		    !strstr(buf, needle) || ls_is_self_or_ancestor(self, (pid_t)pid))
			continue;
		if (found < max) {
			hits[found].pid = (pid_t)pid;
			snprintf(hits[found].cmdline, sizeof(hits[found].cmdline), "%.*s",
				 (int)sizeof(hits[found].cmdline) - 1, buf);
		}
		found++;
	}
	closedir(dir);
	return found;
}
