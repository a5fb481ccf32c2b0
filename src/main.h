/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Subcommand entry points and the exit codes documented in docs/exit-codes.md. */
#ifndef LS_MAIN_H
#define LS_MAIN_H

enum ls_exit {
	LS_EXIT_OK = 0,
	LS_EXIT_FAILURE = 1,	/* runtime failure not covered below */
	LS_EXIT_USAGE = 2,	/* bad command line */
	LS_EXIT_NO_TARGET = 3,	/* a PID that does not exist / command not found */
	LS_EXIT_PERMISSION = 4,	/* missing CAP_BPF + CAP_PERFMON (or root) */
	LS_EXIT_NO_FEATURE = 5,	/* kernel lacks BTF or a BPF feature we need */
	LS_EXIT_BAD_INPUT = 6,	/* unreadable or invalid snapshot file */
	LS_EXIT_REGRESSION = 7,	/* diff: a --fail-if gate tripped */
};

/* Each returns an enum ls_exit value; argv[0] is the subcommand name. */
int cmd_record(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_diff(int argc, char **argv);

#endif
