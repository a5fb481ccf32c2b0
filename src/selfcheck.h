/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The start-up self-check of the programs' first filter.  stack_hint marks
 * where a traced thread's syscall registers are expected (the kernel stack
 * layout of x86-64: 16 or 32 KiB, aligned); on a kernel that lays stacks
 * out otherwise it would turn traced threads away without a word.  So,
 * once attached and before any target is traced, latscope traces a child
 * of its own, has it make one getppid(), and looks for that call in the
 * stats map.  If it is missing, every byte of stack_hint is set (the
 * filter is off: every task takes the tgid check) and the check runs
 * again.  The child's entries are removed from the maps either way, so the
 * user's figures never hold them.
 */
#ifndef LS_SELFCHECK_H
#define LS_SELFCHECK_H

#include <linux/types.h>
#include "collect.h"
#include "target.h"

enum ls_selfcheck {
	LS_SELFCHECK_PASSED = 0,	/* counted, the stack filter on */
	LS_SELFCHECK_FALLBACK,		/* counted only with the stack filter off */
	LS_SELFCHECK_FAILED,		/* not counted even then */
	LS_SELFCHECK_ERROR,		/* could not run: the stack filter is off */
};

/* "passed", "fallback", "failed", "error": meta.self_check in a snapshot. */
const char *ls_selfcheck_name(enum ls_selfcheck r);

/*
 * Run the check, before any target is traced.  The stats slots the check
 * took go back to fds's free_slots queue, so --max-keys stays exact; when
 * it passes, the hint bytes are as they were before it.  Returns 0 and the verdict
 * in *out, or -errno when the check itself could not run (err says why).
 */
int ls_selfcheck_run(const struct ls_target_maps *m, const struct ls_map_fds *fds,
		     enum ls_selfcheck *out, char *err, size_t errlen);

/*
 * Test hook: LATSCOPE_TEST_MISPLACE_STACKS=1 in the environment makes the
 * BPF program mark the wrong stack_hint bytes, as on a kernel whose stacks
 * are not where latscope expects them, so the tests can see the fallback.
 * Returns the skew, in stack_hint slots, to set before load (0: none).
 */
__u32 ls_selfcheck_test_skew(void);

#endif
