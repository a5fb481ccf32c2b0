/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Bounded JSON loading: a strict scanner that checks a document and
 * allocates nothing for its values, so that json-c, whose tree takes up to
 * 250 times the text (an empty object costs 800 bytes), is only ever given
 * pieces whose tree is known to fit.
 *
 * The scanner cuts out every outermost array that is the value of a given
 * key: the rest (the skeleton) is parsed in one go, with each cut array
 * written as [I], I indexing the list of its elements' places in the text;
 * the elements are parsed one at a time later.  The snapshot loader cuts
 * "subsystems" out of the document, then "syscalls" out of each subsystem.
 */
#ifndef LS_JSON_SCAN_H
#define LS_JSON_SCAN_H

#include <stdbool.h>
#include <stddef.h>

/* The memory json-c may hold for a snapshot at any one time. */
#define LS_JSON_TREE_MAX	(64UL << 20)

/* JSON nesting allowed: json-c's own default (JSON_TOKENER_DEFAULT_DEPTH). */
#define LS_JSON_MAX_DEPTH	32

/* A stretch of the text: [off, off + len). */
struct ls_json_span {
	size_t off, len;
};

/* One array that was cut out: its elements are spans[first, first + n). */
struct ls_json_cut {
	size_t first, n;
};

struct ls_json_pieces {
	char *skeleton;			/* NUL-terminated; NULL when nothing was cut */
	size_t skeleton_len;
	struct ls_json_cut *cuts;
	size_t n_cuts;
	struct ls_json_span *spans;
	size_t n_spans;
	size_t cost;			/* bytes json-c needs for the skeleton's tree */
	/* where each cut's "[I]" starts in the skeleton and in the text */
	struct ls_json_mark {
		size_t skel_off, skel_end, text_off, text_end;
	} *marks;
};

struct ls_json_error {
	size_t off;			/* byte offset in the text */
	const char *what;		/* "invalid string", "nesting too deep", ... */
	bool truncated;			/* the text ended in the middle of the document */
	bool trailing;			/* something follows the document */
	bool too_costly;		/* the skeleton's tree would exceed the budget */
	bool too_many;			/* more than max_spans elements cut */
};

/*
 * Scan text[0, len) as one strict JSON document (RFC 8259).  Every
 * outermost array that is the value of a member named key (NULL: none) is
 * cut; at most max_spans elements may be cut in all.  The skeleton's tree
 * may cost at most budget bytes.  0, -EINVAL with *e filled in, or -ENOMEM.
 */
int ls_json_scan(const char *text, size_t len, const char *key, size_t max_spans, size_t budget,
		 struct ls_json_pieces *p, struct ls_json_error *e);

/* The text offset of a skeleton offset, for json-c's error positions. */
size_t ls_json_text_off(const struct ls_json_pieces *p, size_t skel_off);

void ls_json_pieces_free(struct ls_json_pieces *p);	/* accepts a zeroed one */

#endif
