/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * One walk over argv with getopt_long(), for every command and tool: a
 * fresh getopt state each time, no message from getopt itself, and one
 * message per bad word, naming it as the user typed it.
 */
#ifndef LS_GETOPT_WALK_H
#define LS_GETOPT_WALK_H

#include <getopt.h>
#include <stddef.h>

struct ls_getopt {
	int argc;
	char **argv;
	const struct option *longopts;
	char spec[64];		/* the short options, with getopt's ':' (and '+') */
};

/*
 * Start a walk.  shortopts as for getopt ("p:qh"), without the leading ':'
 * this adds; stop_at_arg stops at the first non-option (for `-- COMMAND`
 * and a COMMAND's own options) instead of permuting.  getopt's state is
 * reset, so a walk never depends on an earlier one.
 */
void ls_getopt_init(struct ls_getopt *g, int argc, char **argv, const char *shortopts,
		    const struct option *longopts, int stop_at_arg);

/*
 * The next option (its val, optarg set), -1 after the last (optind is then
 * the first non-option), or -EINVAL with one line in err: an unknown
 * option, a missing value, or a value given to a flag, each named as
 * typed.
 */
int ls_getopt_next(struct ls_getopt *g, char *err, size_t errlen);

#endif
