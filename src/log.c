/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * One place for stderr messages, so every error reads "Error: ..." and
 * stdout stays clean for the report (or for pure JSON with -j).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include "format.h"
#include "log.h"

/*
 * The one piece of process state in the library.  libbpf_set_print() takes
 * a bare function pointer with no user-data argument, so the callback can
 * only learn about -v from a global; ls_err() and friends share it rather
 * than having every caller thread a verbose flag through.  It is a plain
 * int, not an atomic: set it while parsing options, before threads start.
 */
static int verbose;

void ls_log_set_verbose(int v)
{
	verbose = v;
}

int ls_log_verbose(void)
{
	return verbose;
}

/*
 * The message is formatted first, so that "%m" reports the caller's error,
 * and errno is restored after.  The stream lock keeps
 * prefix, message and newline on one line when threads log at once.
 * Messages quote names from outside (a snapshot's, another process's
 * command line): their control characters are escaped (ls_text_put()), so
 * a message cannot drive the terminal.
 */
static void vlog(const char *prefix, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void vlog(const char *prefix, const char *fmt, va_list ap)
{
	int saved_errno = errno;
	char *msg = NULL;

	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	flockfile(stderr);
	fputs(prefix, stderr);
	ls_text_put(stderr, msg ? msg : "(out of memory for the message)");
	fputc('\n', stderr);
	funlockfile(stderr);
	free(msg);
	errno = saved_errno;
}

void ls_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("Error: ", fmt, ap);
	va_end(ap);
}

void ls_usage_err(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("Error: ", fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try 'latscope %s%s--help'.\n", cmd ? cmd : "", cmd ? " " : "");
}

void ls_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("Warning: ", fmt, ap);
	va_end(ap);
}

void ls_hint(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("Hint: ", fmt, ap);
	va_end(ap);
}

void ls_info(const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	va_start(ap, fmt);
	vlog("", fmt, ap);
	va_end(ap);
}

void ls_notice(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("", fmt, ap);
	va_end(ap);
}

int ls_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if ((level == LIBBPF_DEBUG || level == LIBBPF_INFO) && !verbose)
		return 0;
	/*
	 * libbpf_print_fn_t carries no format attribute, so the compiler cannot
	 * check fmt here; libbpf's own callers are checked on its side.
	 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	return vfprintf(stderr, fmt, args);
#pragma GCC diagnostic pop
}
