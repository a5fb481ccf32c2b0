/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * forkload: process churn with an exact count, the oracle for how latscope
 * copes with many short-lived children (tests/integration/t_churn.sh).
 *
 * It forks -n children; each makes -k getppid() calls and exits.  With -t
 * they are all alive at once: each waits, after its calls, until the last
 * one has been forked (a pipe that the parent then closes), which is what
 * fills a process table.  It prints how many children it forked and how
 * many getppid() calls they made, as JSON on stdout:
 *
 *   {"children": 5000, "forked": 5000, "calls_per_child": 3, "getppid": 15000}
 *
 * A fork that fails (EAGAIN at a process limit) ends the forking; the
 * figures count the children that ran.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "log.h"
#include "parse.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: forkload [-t] -n CHILDREN -k CALLS\n"
		   "  -n N  fork N children (1 to 100000)\n"
		   "  -k K  each makes K getppid() calls (0 to 1000000)\n"
		   "  -t    keep them all alive until the last one is forked\n");
}

/* The child: its calls, then (with -t) wait for the parent to let go. */
static void child(long calls, int hold_fd)
{
	char c;
	long i;

	for (i = 0; i < calls; i++)
		syscall(SYS_getppid);
	if (hold_fd >= 0)
		while (read(hold_fd, &c, 1) < 0 && errno == EINTR)
			;
	_exit(0);
}

int main(int argc, char **argv)
{
	long n = -1, calls = -1, forked = 0, failed = 0, i;
	int hold[2] = { -1, -1 }, c, status;
	int together = 0;
	pid_t pid;

	while ((c = getopt(argc, argv, "n:k:th")) != -1) {
		switch (c) {
		case 'n':
			if (ls_parse_long(optarg, 1, 100000, &n))
				goto bad;
			break;
		case 'k':
			if (ls_parse_long(optarg, 0, 1000000, &calls))
				goto bad;
			break;
		case 't':
			together = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			goto bad;
		}
	}
	if (n < 0 || calls < 0 || optind != argc)
		goto bad;
	if (together && pipe(hold)) {
		ls_err("pipe: %s", strerror(errno));
		return 1;
	}
	for (i = 0; i < n; i++) {
		pid = fork();
		if (pid < 0) {
			ls_warn("fork %ld of %ld: %s; stopping there", i + 1, n, strerror(errno));
			break;
		}
		if (pid == 0) {
			if (hold[1] >= 0)
				close(hold[1]);
			child(calls, hold[0]);
		}
		forked++;
	}
	/* EOF for every child at once */
	if (hold[1] >= 0)
		close(hold[1]);
	while ((pid = wait(&status)) > 0 || (pid < 0 && errno == EINTR))
		if (pid > 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
			failed++;
	if (failed) {
		ls_err("%ld children failed", failed);
		return 1;
	}
	printf("{\"children\": %ld, \"forked\": %ld, \"calls_per_child\": %ld, "
	       "\"getppid\": %ld}\n", n, forked, calls, forked * calls);
	return 0;
bad:
	usage(stderr);
	return 2;
}
