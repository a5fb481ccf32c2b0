/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Every message latscope prints to stderr goes through here. */
#ifndef LS_LOG_H
#define LS_LOG_H

#include <stdarg.h>
#include <bpf/libbpf.h>

void ls_log_set_verbose(int verbose);
int ls_log_verbose(void);

/* "Error: <msg>\n" on stderr; one line, no trailing period needed. */
void ls_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * A usage error: the "Error: <msg>" line, then "Try 'latscope CMD --help'."
 * (CMD NULL: 'latscope --help').
 */
void ls_usage_err(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "Warning: <msg>\n" on stderr. */
void ls_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "Hint: <msg>\n" on stderr: what the user may have meant. */
void ls_hint(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "<msg>\n" on stderr, only with -v. */
void ls_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "<msg>\n" on stderr, always: what the user must know to go on (a URL). */
void ls_notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* libbpf print callback: drops LIBBPF_DEBUG (and INFO) unless -v. */
int ls_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args);

#endif
