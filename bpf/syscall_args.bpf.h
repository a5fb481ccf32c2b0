/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Syscall number and arguments from the user pt_regs that tp_btf/sys_enter hands us.
 * That pointer is a trusted BTF pointer, so plain (CO-RE relocated) loads
 * work and cost nothing, where BPF_CORE_READ would call
 * bpf_probe_read_kernel for every argument.
 */
#ifndef LS_SYSCALL_ARGS_BPF_H
#define LS_SYSCALL_ARGS_BPF_H

#if defined(__TARGET_ARCH_x86)
#define LS_ARG1(regs) ((long)(regs)->di)
#define LS_ARG2(regs) ((long)(regs)->si)
#define LS_ARG3(regs) ((long)(regs)->dx)
#define LS_ARG4(regs) ((long)(regs)->r10)
#define LS_ARG5(regs) ((long)(regs)->r8)
#define LS_ARG6(regs) ((long)(regs)->r9)
#define LS_SYSCALL_NR(regs) ((long)(regs)->orig_ax)
#elif defined(__TARGET_ARCH_arm64)
#define LS_ARG1(regs) ((long)(regs)->orig_x0)
#define LS_ARG2(regs) ((long)(regs)->regs[1])
#define LS_ARG3(regs) ((long)(regs)->regs[2])
#define LS_ARG4(regs) ((long)(regs)->regs[3])
#define LS_ARG5(regs) ((long)(regs)->regs[4])
#define LS_ARG6(regs) ((long)(regs)->regs[5])
#define LS_SYSCALL_NR(regs) ((long)(regs)->syscallno)
#else
#error "latscope: add the syscall argument registers for this architecture"
#endif

#endif
