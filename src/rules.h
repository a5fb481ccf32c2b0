/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * User rules that name subsystems ("router-rest: tcp peer 192.168.88.1
 * port 443"): parsed and compiled here into struct ls_rule records that the
 * BPF program matches (include/rule_match.h).  Syntax: docs/rules.md.
 */
#ifndef LS_RULES_H
#define LS_RULES_H

#include <stddef.h>
#include "latscope.h"

#define LS_RULE_NAME_MAX	64
/* longest rule line, in bytes without the newline; longer ones are errors */
#define LS_RULE_LINE_MAX	4096

struct ls_rules {
	struct ls_rule rule[LS_MAX_RULES];
	char name[LS_MAX_RULES][LS_RULE_NAME_MAX];	/* the subsystem each names */
	char *text[LS_MAX_RULES];			/* source line, for snapshots */
	size_t n;
};

void ls_rules_init(struct ls_rules *rs);
void ls_rules_free(struct ls_rules *rs);	/* frees text[], keeps rs */

/*
 * Add one rule from `line` ("NAME: MATCH..."); blank lines and "#" comments
 * add nothing.  On error returns -EINVAL and writes one line into err:
 * "<src>:<lineno>:<column>: <what is wrong>" (column is 1-based).
 */
int ls_rules_parse_line(struct ls_rules *rs, const char *line, const char *src, int lineno,
			char *err, size_t errlen);

/* Every line of a file; errors as above with src = path.  -errno if unreadable. */
int ls_rules_load_file(struct ls_rules *rs, const char *path, char *err, size_t errlen);

/* OR of every rule's LS_RM_* bits: which task facts the kernel must read. */
__u32 ls_rules_need(const struct ls_rules *rs);

/* Index of the first "exec COMM" rule for a child named comm, or -1. */
int ls_rules_match_child(const struct ls_rules *rs, const char *comm);

/*
 * The subsystem a stats key is reported under: a rule's name wins over the
 * built-in one (the kernel marked the keys a rule matched; "exec COMM"
 * rules are applied here, to exec:<comm> keys).  rs may be NULL.
 */
void ls_rules_key_name(const struct ls_rules *rs, const struct ls_key *k, char *name, size_t len);

#endif
