// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * tidreuse: a thread that exits, and a new thread given its thread id, for
 * tests/integration/t_churn.sh (docs/design.md, "Folding exited threads").
 *
 *   tidreuse HOLD_MS OUT
 *
 * Prints "ready" and waits for SIGUSR1.  Then thread A makes 100 getppid()
 * calls and exits; threads are started, each after writing A's tid - 1 to
 * /proc/sys/kernel/ns_last_pid (root), until one gets A's tid (the others
 * make 1 call and exit).  That thread B makes 100 calls, spins HOLD_MS
 * without any system call (so that nothing evicts getppid from latscope's
 * per-thread cache of key slots while latscope folds A away), makes 100
 * more and exits.  OUT gets "CALLS REUSED" (REUSED 1 when B had A's tid).
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

static pid_t tid_a;
static long hold_ns;
static long made;	/* threads that call never run at once */
static int reused;

static void calls(int n)
{
	int i;

	for (i = 0; i < n; i++)
		syscall(SYS_getppid);
	made += n;
}

static long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);	/* the vDSO: no system call */
	return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

static void *thread_a(void *arg)
{
	(void)arg;
	tid_a = (pid_t)syscall(SYS_gettid);
	calls(100);
	return NULL;
}

static void *thread_b(void *arg)
{
	long t0;

	(void)arg;
	if ((pid_t)syscall(SYS_gettid) != tid_a) {
		calls(1);
		return NULL;
	}
	reused = 1;
	calls(100);
	t0 = now_ns();
	while (now_ns() - t0 < hold_ns)
		;
	calls(100);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t;
	sigset_t set;
	FILE *f;
	int sig, i;

	if (argc != 3) {
		fprintf(stderr, "usage: tidreuse HOLD_MS OUT\n");
		return 2;
	}
	hold_ns = atol(argv[1]) * 1000000L;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	printf("ready\n");
	fflush(stdout);
	sigwait(&set, &sig);
	pthread_create(&t, NULL, thread_a, NULL);
	pthread_join(t, NULL);
	for (i = 0; i < 200 && !reused; i++) {
		f = fopen("/proc/sys/kernel/ns_last_pid", "w");
		if (!f || fprintf(f, "%d", (int)tid_a - 1) < 0 || fclose(f)) {
			perror("ns_last_pid");
			return 1;
		}
		pthread_create(&t, NULL, thread_b, NULL);
		pthread_join(t, NULL);
	}
	f = fopen(argv[2], "w");
	if (!f || fprintf(f, "%ld %d\n", made, reused) < 0 || fclose(f)) {
		perror(argv[2]);
		return 1;
	}
	return 0;
}
