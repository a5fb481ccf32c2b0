/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Syscall number <-> name for the architecture latscope was built for. */
#ifndef LS_SYSCALL_NAMES_H
#define LS_SYSCALL_NAMES_H

#include <stddef.h>
#include <linux/types.h>

/* The name, or "syscall_<nr>" written into buf for an unknown number. */
const char *ls_syscall_name(__u32 nr, char *buf, size_t len);

/* The number, or -ENOENT. */
int ls_syscall_nr(const char *name);

#endif
