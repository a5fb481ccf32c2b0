/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Syscall arguments from the user pt_regs that sys_enter hands us.  libbpf
 * 1.1 stops at the fifth argument; sendto's address length is the sixth.
 */
#ifndef LS_SYSCALL_ARGS_BPF_H
#define LS_SYSCALL_ARGS_BPF_H

#include <bpf/bpf_tracing.h>

#define LS_ARG1(regs) PT_REGS_PARM1_CORE_SYSCALL(regs)
#define LS_ARG2(regs) PT_REGS_PARM2_CORE_SYSCALL(regs)
#define LS_ARG3(regs) PT_REGS_PARM3_CORE_SYSCALL(regs)
#define LS_ARG4(regs) PT_REGS_PARM4_CORE_SYSCALL(regs)
#define LS_ARG5(regs) PT_REGS_PARM5_CORE_SYSCALL(regs)

#if defined(__TARGET_ARCH_x86)
#define LS_ARG6(regs) BPF_CORE_READ(regs, r9)
#elif defined(__TARGET_ARCH_arm64)
#define LS_ARG6(regs) BPF_CORE_READ((const struct user_pt_regs *)(regs), regs[5])
#else
#error "latscope: add the sixth syscall argument register for this architecture"
#endif

#endif
