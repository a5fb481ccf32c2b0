/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Range-checked parsing of command-line values.  0 or -EINVAL/-ERANGE. */
#ifndef LS_PARSE_H
#define LS_PARSE_H

#include <stddef.h>
#include <sys/types.h>
#include <linux/types.h>

/* Whole string must be a base-10 integer within [min, max]. */
int ls_parse_long(const char *s, long min, long max, long *out);

/*
 * The same for unsigned values: digits only (no sign, no blank), so "-0"
 * and "+5" are -EINVAL rather than 0 and 5.
 */
int ls_parse_ulong(const char *s, unsigned long min, unsigned long max, unsigned long *out);

/* Decimal seconds ("5", "0.5", "1e-1" rejected? no: strtod) within [min, max]. */
int ls_parse_seconds(const char *s, double min, double max, double *out);

/*
 * A duration: a decimal number with a unit (ns, us, ms, s) or none for
 * seconds ("50ms", "1.5", "200us"), within [min_s, max_s] seconds.
 */
int ls_parse_duration_ns(const char *s, double min_s, double max_s, __u64 *out);

/*
 * "123,456" -> pids.  Each pid > 0 and <= INT_MAX; at most `max` entries
 * (-E2BIG beyond); empty items (",," or trailing comma) are -EINVAL.
 */
int ls_parse_pid_list(const char *s, pid_t *pids, size_t max, size_t *n);

/* Index of s in names[0..n) (NULL entries skipped), or -EINVAL. */
int ls_parse_name(const char *s, const char *const *names, size_t n);

struct sockaddr_storage;

/*
 * A listening address: "PORT" (127.0.0.1:PORT), "IPV4:PORT", "[IPV6]:PORT"
 * or "NAME:PORT" (the first address NAME resolves to).  PORT is 0 to 65535
 * (0: the kernel picks one).  ":PORT" is -EINVAL: Go servers read it as
 * every interface, and every interface must be asked for by address.
 * -EINVAL for the syntax, -ERANGE for the port, -EADDRNOTAVAIL for a name
 * that does not resolve.
 */
int ls_parse_listen(const char *s, struct sockaddr_storage *addr, unsigned int *addrlen);

#endif
