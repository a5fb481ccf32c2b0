// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include "latscope.h"
#include "syscall_names.h"

struct syscall_name {
	int nr;
	const char *name;
};

static const struct syscall_name syscall_table[] = {
#include "syscall_table.h"
};

#define N_SYSCALLS (sizeof(syscall_table) / sizeof(syscall_table[0]))

const char *ls_syscall_name(__u32 nr, char *buf, size_t len)
{
	size_t i;

	/* not a syscall: a child's life from fork to reap (LS_KIND_EXEC) */
	if (nr == LS_SYSCALL_SPAWN)
		return "spawn";
	/* not a syscall: a socket's send-to-reply time */
	if (nr == LS_SYSCALL_REQUEST)
		return "request";
	for (i = 0; i < N_SYSCALLS; i++)
		if ((__u32)syscall_table[i].nr == nr)
			return syscall_table[i].name;
	snprintf(buf, len, "syscall_%u", nr);
	return buf;
}

int ls_syscall_nr(const char *name)
{
	size_t i;

	if (!strcmp(name, "spawn"))
		return (int)LS_SYSCALL_SPAWN;
	if (!strcmp(name, "request"))
		return (int)LS_SYSCALL_REQUEST;
	for (i = 0; i < N_SYSCALLS; i++)
		if (!strcmp(syscall_table[i].name, name))
			return syscall_table[i].nr;
	return -ENOENT;
}
