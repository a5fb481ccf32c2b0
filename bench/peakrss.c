/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * peakrss: run a command and report its peak resident set size, which the
 * kernel keeps for a reaped child (ru_maxrss of wait4, the VmHWM the child
 * had when it exited).  Polling /proc/PID/status would miss the peak of a
 * tracer, which comes at the very end, when it reads its maps and builds
 * the report.  SIGINT and SIGTERM are passed on to the command.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include "log.h"

static volatile pid_t child;

static void forward(int sig)
{
	if (child > 0)
		kill(child, sig);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = forward };
	const char *out = NULL;
	struct rusage ru;
	int status, argi = 1;
	FILE *f = stderr;
	pid_t p;

	if (argc > 2 && !strcmp(argv[1], "-o")) {
		out = argv[2];
		argi = 3;
	}
	if (argi < argc && !strcmp(argv[argi], "--"))
		argi++;
	if (argi >= argc) {
		fprintf(stderr, "Usage: peakrss [-o FILE] [--] COMMAND [ARGS...]\n\n"
			"Run COMMAND; write {\"maxrss_kb\":N,\"status\":S} to FILE (default\n"
			"stderr) when it ends, and exit with its exit status.\n");
		return 2;
	}
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	p = fork();
	if (p < 0) {
		ls_err("fork: %s", strerror(errno));
		return 1;
	}
	if (p == 0) {
		execvp(argv[argi], argv + argi);
		ls_err("%s: %s", argv[argi], strerror(errno));
		_exit(127);
	}
	child = p;
	while (wait4(p, &status, 0, &ru) < 0) {
		if (errno != EINTR) {
			ls_err("wait4: %s", strerror(errno));
			return 1;
		}
	}
	if (out) {
		f = fopen(out, "we");
		if (!f) {
			ls_err("%s: %s", out, strerror(errno));
			return 1;
		}
	}
	fprintf(f, "{\"maxrss_kb\":%ld,\"status\":%d}\n", ru.ru_maxrss, status);
	if (f != stderr)
		fclose(f);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}
