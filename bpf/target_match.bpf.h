/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Which new processes become targets (docs/record.md, "Naming targets"):
 * -c COMM, --exe PATH and --cmdline PATTERN at exec; --cgroup PATH and
 * --unit NAME at fork and at exec.  Everything is decided in the kernel,
 * before the process makes its first system call as what it became, so no
 * call is lost to user space reacting late.  All settings are rodata.
 */
#ifndef LS_TARGET_MATCH_BPF_H
#define LS_TARGET_MATCH_BPF_H

#include "target_match.h"

/* -c COMM */
const volatile __u32 cfg_n_comms = 0;
const volatile char cfg_comms[LS_MAX_COMMS][LS_COMM_LEN] = {};
/*
 * --exe PATH: what is executed is compared with where PATH is, its
 * directory (device, inode) and its name, so a binary that a package
 * upgrade replaced by rename(2) still matches; or with the file PATH
 * named when tracing started (device, inode), which also covers hard links.
 */
const volatile __u64 cfg_exe_ino = 0;
const volatile __u32 cfg_exe_dev = 0;
const volatile __u64 cfg_exe_dir_ino = 0;
const volatile __u32 cfg_exe_dir_dev = 0;
const volatile char cfg_exe_name[LS_EXE_NAME_MAX] = {};
/* --cmdline: the automaton src/target_match.c builds */
const volatile bool cfg_cmdline = false;
const volatile __u8 cfg_cmdline_dfa[LS_CMDLINE_DFA_STATES][256] = {};
/*
 * --cgroup PATH by cgroup id; --unit NAME by the name of a cgroup at any
 * level, because systemd makes a new cgroup (a new id) when a unit
 * restarts.  Both include the cgroups below.
 */
const volatile __u32 cfg_n_cgroups = 0;
const volatile __u64 cfg_cgroup_ids[LS_MAX_CGROUPS] = {};
const volatile __u32 cfg_n_units = 0;
const volatile __u64 cfg_unit_hashes[LS_MAX_CGROUPS] = {};

/* Scratch room for a command line or a file name: too large for the stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u8[LS_CMDLINE_READ_MAX]);
} match_buf SEC(".maps");

static __always_inline bool comm_eq(const char *a, const volatile char *b)
{
	int i;

	for (i = 0; i < LS_COMM_LEN; i++) {
		if (a[i] != b[i])
			return false;
		if (!a[i])
			return true;
	}
	return true;
}

static __always_inline bool exe_matches(struct linux_binprm *bprm)
{
	struct file *f = BPF_CORE_READ(bprm, file);
	struct inode *ino = BPF_CORE_READ(f, f_inode), *dir_ino;
	struct dentry *d = BPF_CORE_READ(f, f_path.dentry);
	__u32 zero = 0;
	char *name;
	int i;

	if (cfg_exe_ino && BPF_CORE_READ(ino, i_ino) == cfg_exe_ino &&
	    BPF_CORE_READ(ino, i_sb, s_dev) == cfg_exe_dev)
		return true;
	dir_ino = BPF_CORE_READ(d, d_parent, d_inode);
	if (BPF_CORE_READ(dir_ino, i_ino) != cfg_exe_dir_ino ||
	    BPF_CORE_READ(dir_ino, i_sb, s_dev) != cfg_exe_dir_dev)
		return false;
	name = bpf_map_lookup_elem(&match_buf, &zero);
	if (!name || bpf_probe_read_kernel_str(name, LS_EXE_NAME_MAX,
					       BPF_CORE_READ(d, d_name.name)) <= 0)
		return false;
	for (i = 0; i < LS_EXE_NAME_MAX; i++) {
		if (name[i] != cfg_exe_name[i])
			return false;
		if (!name[i])
			return true;
	}
	return false;
}

struct ls_cmdline_walk {
	__u32 len;
	__u32 state;
};

static long ls_cmdline_step(__u64 i, void *ctx)
{
	struct ls_cmdline_walk *w = ctx;
	__u32 zero = 0;
	__u8 *buf = bpf_map_lookup_elem(&match_buf, &zero);
	__u8 c;

	if (!buf || i >= w->len)
		return 1;
	c = buf[i & (LS_CMDLINE_READ_MAX - 1)];
	/* arguments end in NUL; /proc/PID/cmdline is read the same way */
	if (!c)
		c = ' ';
	w->state = cfg_cmdline_dfa[w->state & (LS_CMDLINE_DFA_STATES - 1)][c];
	return w->state == LS_CMDLINE_MATCHED;
}

/*
 * At sched_process_exec the new image's arguments are in place, in pages
 * the kernel has just written (so present): what /proc/PID/cmdline shows.
 */
static __always_inline bool cmdline_matches(struct task_struct *p)
{
	struct ls_cmdline_walk w = {};
	__u64 start, end, len;
	__u32 zero = 0;
	void *buf;

	start = BPF_CORE_READ(p, mm, arg_start);
	end = BPF_CORE_READ(p, mm, arg_end);
	if (end <= start)
		return false;
	len = end - start;
	if (len > LS_CMDLINE_READ_MAX)
		len = LS_CMDLINE_READ_MAX;
	buf = bpf_map_lookup_elem(&match_buf, &zero);
	if (!buf || bpf_probe_read_user(buf, len, (void *)start))
		return false;
	w.len = (__u32)len;
	bpf_loop(len, ls_cmdline_step, &w, 0);
	return w.state == LS_CMDLINE_MATCHED;
}

struct ls_cgroup_walk {
	__u64 cgrp;		/* struct cgroup *, as a number: it is only probe-read */
	__u32 level;
	__u32 match;
};

/* Ancestor i of the task's cgroup (0: the root): its id, or its name's hash. */
static long ls_cgroup_step(__u64 i, void *ctx)
{
	struct ls_cgroup_walk *w = ctx;
	struct cgroup *cg = (struct cgroup *)w->cgrp, *anc = NULL;
	char name[LS_UNIT_NAME_MAX];
	__u64 id, h = LS_FNV64_OFFSET;
	struct kernfs_node *kn;
	int j;

	if (i > w->level || bpf_core_read(&anc, sizeof(anc), &cg->ancestors[i]) || !anc)
		return 1;
	kn = BPF_CORE_READ(anc, kn);
	id = BPF_CORE_READ(kn, id);
	for (j = 0; j < LS_MAX_CGROUPS && j < cfg_n_cgroups; j++)
		if (id == cfg_cgroup_ids[j])
			goto found;
	if (!cfg_n_units ||
	    bpf_probe_read_kernel_str(name, sizeof(name), BPF_CORE_READ(kn, name)) <= 0)
		return 0;
	for (j = 0; j < LS_UNIT_NAME_MAX && name[j]; j++)
		h = (h ^ (__u8)name[j]) * LS_FNV64_PRIME;
	for (j = 0; j < LS_MAX_CGROUPS && j < cfg_n_units; j++)
		if (h == cfg_unit_hashes[j])
			goto found;
	return 0;
found:
	w->match = 1;
	return 1;
}

static __always_inline bool cgroup_matches(struct task_struct *t)
{
	struct ls_cgroup_walk w = {};
	struct cgroup *cg;

	if (!cfg_n_cgroups && !cfg_n_units)
		return false;
	cg = BPF_CORE_READ(t, cgroups, dfl_cgrp);
	if (!cg)
		return false;
	w.cgrp = (__u64)cg;
	w.level = (__u32)BPF_CORE_READ(cg, level);
	bpf_loop(LS_CGROUP_MAX_DEPTH + 1, ls_cgroup_step, &w, 0);
	return w.match;
}

/* A process that has just exec'd (comm: its new name): is it a target? */
static __always_inline bool exec_is_target(struct task_struct *p, struct linux_binprm *bprm,
					   const char *comm)
{
	int i;

	for (i = 0; i < LS_MAX_COMMS && i < cfg_n_comms; i++)
		if (comm_eq(comm, cfg_comms[i]))
			return true;
	if ((cfg_exe_ino || cfg_exe_dir_ino) && exe_matches(bprm))
		return true;
	if (cfg_cmdline && cmdline_matches(p))
		return true;
	return cgroup_matches(p);
}

/*
 * A new process (not a thread): only its cgroup can make it a target, as
 * its name, executable and arguments are its parent's until it execs.  The
 * fork tracepoint runs after the child joined its cgroup (CLONE_INTO_CGROUP
 * included).
 */
static __always_inline bool fork_is_target(struct task_struct *child)
{
	return cgroup_matches(child);
}

#endif
