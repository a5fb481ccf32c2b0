/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * How `record` names its targets by something other than a PID: -c COMM,
 * --exe PATH, --cmdline PATTERN, --cgroup PATH, --unit NAME.  One struct
 * ls_match holds them resolved (the executable's directory and name, the
 * command-line automaton, cgroup ids, unit names); the kernel gets a copy
 * (bpf/target_match.bpf.h) for processes that start later, and
 * ls_match_process() applies the same rules to the ones already running.
 * No BPF here, so the unit tests can reach all of it.
 */
#ifndef LS_MATCH_H
#define LS_MATCH_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <linux/types.h>
#include "latscope.h"
#include "target_match.h"

struct record_opts;

struct ls_match {
	char comms[LS_MAX_COMMS][LS_COMM_LEN];		/* -c */
	size_t n_comms;

	bool exe;				/* --exe */
	char exe_path[PATH_MAX];		/* realpath: symlinks resolved */
	char exe_name[LS_EXE_NAME_MAX];		/* its last component */
	__u64 exe_ino, exe_dir_ino;		/* the file now, and its directory */
	__u32 exe_dev, exe_dir_dev;		/* the kernel's dev_t (major << 20 | minor) */

	const char *cmdlines[LS_MAX_CMDLINES];	/* --cmdline, into argv */
	size_t n_cmdlines;
	__u8 dfa[LS_CMDLINE_DFA_STATES][256];	/* all of them, one automaton */

	char cgroup_mount[PATH_MAX];		/* where the unified hierarchy is */
	char cgroups[LS_MAX_CGROUPS][PATH_MAX];	/* --cgroup, within the hierarchy: "/a/b" */
	__u64 cgroup_ids[LS_MAX_CGROUPS];
	size_t n_cgroups;
	char units[LS_MAX_CGROUPS][LS_UNIT_NAME_MAX];	/* --unit, "x.service" */
	__u64 unit_hashes[LS_MAX_CGROUPS];
	size_t n_units;

	pid_t self;				/* latscope: never a target */
};

/*
 * Resolve the options' names.  On error one line in err and: -ENOENT (no
 * such file or cgroup), -ENOEXEC (--exe names a script), -ENODEV (no
 * unified cgroup hierarchy), or another -errno.
 */
int ls_match_build(struct ls_match *m, const struct record_opts *o, char *err, size_t errlen);

/* Does running process pid match, as the kernel would have decided at its exec? */
bool ls_match_process(const struct ls_match *m, pid_t pid);

/*
 * The automaton that finds any of pats (Aho-Corasick), as a table of
 * next states; LS_CMDLINE_MATCHED once one was found.  Returns the number
 * of states, -E2BIG when they do not fit, -EINVAL for an empty pattern.
 */
int ls_cmdline_dfa_build(__u8 (*dfa)[256], const char *const *pats, size_t n);

/* Run it over a command line's first LS_CMDLINE_READ_MAX bytes (NUL = space). */
bool ls_cmdline_dfa_match(const __u8 (*dfa)[256], const char *s, size_t len);

/* "foo" -> "foo.service"; a name with a unit type suffix is kept.  0 or -EINVAL. */
int ls_unit_name(const char *arg, char *out, size_t len);

/* FNV-1a of a NUL-terminated string, as the kernel hashes cgroup names. */
__u64 ls_fnv64(const char *s);

/* Mount point of the unified (cgroup2) hierarchy; -ENODEV when none is mounted. */
int ls_cgroup2_mount(char *buf, size_t len);

/*
 * Is cgroup path cg ("/a/b/c", as in /proc/PID/cgroup) within the cgroup
 * dir ("/a/b"), or has it a component named unit?
 */
bool ls_cgroup_within(const char *cg, const char *dir);
bool ls_cgroup_has_unit(const char *cg, const char *unit);

/* Running processes whose command line contains needle: for a hint. */
struct ls_cmdline_hit {
	pid_t pid;
	char cmdline[160];	/* truncated */
};

/*
 * Fills up to max hits (latscope and its ancestors left out) and returns
 * how many processes there are in all.
 */
size_t ls_find_cmdlines(const char *needle, struct ls_cmdline_hit *hits, size_t max);

/* Is pid latscope (self) or one of the processes that started it? */
bool ls_is_self_or_ancestor(pid_t self, pid_t pid);

#endif
