/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Targets named by command line, cgroup or systemd unit: the limits both
 * sides agree on (bpf/target_match.bpf.h matches new processes in the
 * kernel, src/target_match.c builds its tables and matches running ones).
 */
#ifndef LS_TARGET_MATCH_H
#define LS_TARGET_MATCH_H

/* --cgroup PATH and --unit NAME, together */
#define LS_MAX_CGROUPS		8
/* cgroup levels below the root that are compared (a unit sits at 2 or 3) */
#define LS_CGROUP_MAX_DEPTH	16
/* bytes of a unit name, its NUL included (systemd allows 255; real ones are short) */
#define LS_UNIT_NAME_MAX	128

/*
 * --cmdline: the kernel reads the first LS_CMDLINE_READ_MAX bytes of the
 * arguments at exec and runs them through one automaton (Aho-Corasick,
 * built by user space) that finds any of the patterns.  A state is a byte;
 * LS_CMDLINE_MATCHED is the state "found", which never changes again.
 */
#define LS_CMDLINE_READ_MAX	4096	/* power of two */
#define LS_CMDLINE_DFA_STATES	256
#define LS_CMDLINE_MATCHED	(LS_CMDLINE_DFA_STATES - 1)
/* patterns, and their bytes in total (each byte can cost a state) */
#define LS_MAX_CMDLINES		8
#define LS_CMDLINE_PATTERN_MAX	(LS_CMDLINE_MATCHED - 1)

/* a file name's bytes with its NUL (NAME_MAX + 1) */
#define LS_EXE_NAME_MAX		256

/*
 * FNV-1a, 64 bits: unit names are compared by hash in the kernel (a loop
 * over every byte of every name at every cgroup level would not verify).
 */
#define LS_FNV64_OFFSET		0xcbf29ce484222325ULL
#define LS_FNV64_PRIME		0x100000001b3ULL

#endif
