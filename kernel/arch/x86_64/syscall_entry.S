// kernel/arch/x86_64/syscall_entry.S — the SYSCALL entry. (The first entry into user mode is an
// interrupt return: context.cpp prepares the frame, interrupt_entry.S pops it.)
//
// SYSCALL (Intel SDM Vol. 2B): RCX = user RIP, R11 = user RFLAGS, CS/SS from IA32_STAR, RIP from
// IA32_LSTAR, RFLAGS &= ~IA32_FMASK. FMASK clears IF, TF, DF, AC, NT and IOPL (user_mode.cpp),
// so this code runs with interrupts off, no single-step, string ops forwards and SMAP enforced.
// RSP is still the user's: it is saved in a kernel variable and the thread's kernel stack is
// loaded before anything is pushed. No swapgs: the kernel keeps no per-CPU data in GS (single
// CPU), so GS is never used and there is no swapgs to get wrong. NMI, #DF and #MC have IST stacks,
// so one arriving before the stack switch does not run on the user stack.
//
// SAFETY: the entry runs with IF = 0 (FMASK) on the thread stack it loads before pushing; it
// touches no user memory (the user RSP is only saved and restored); the return path SYSRETs only
// to the RIP the dispatcher checked canonical.
//
// A thread blocked inside a system call is switched away on this stack (switch_context inside
// the dispatcher) and resumes here when switched back: the frame and capos_syscall_kernel_rsp
// are per thread (the word is rewritten on every switch); the user-RSP word is scratch used only
// with IF = 0 before the first push.
//
// Frame (SyscallFrame in user_mode.cpp), lowest address first: r15 r14 r13 r12 rbp rbx r9 r8 r10
// rdx rsi rdi rax r11(rflags) rcx(rip) rsp. 16 quads: RSP stays 16-byte aligned for the call.
// Every register but rax, rcx and r11 is restored from it (SPEC §4: only those may change), so
// no kernel value reaches user mode; rcx and r11 come back as the (checked) user RIP and the
// sanitised user RFLAGS.

#include "kernel/arch/x86_64/asm_constants.h"

    .section .text
    .code64

    .globl capos_syscall_entry
    .balign 16
capos_syscall_entry:
    movq %rsp, capos_syscall_user_rsp(%rip)
    movq capos_syscall_kernel_rsp(%rip), %rsp
    pushq capos_syscall_user_rsp(%rip)
    pushq %rcx
    pushq %r11
    pushq %rax
    pushq %rdi
    pushq %rsi
    pushq %rdx
    pushq %r10
    pushq %r8
    pushq %r9
    pushq %rbx
    pushq %rbp
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    xorl %ebp, %ebp                     // terminates frame-pointer walks
    movq %rsp, %rdi
    call capos_syscall_dispatch         // rax = the syscall's return value
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbp
    popq %rbx
    popq %r9
    popq %r8
    popq %r10
    popq %rdx
    popq %rsi
    popq %rdi
    addq $8, %rsp                       // the saved rax: the return value replaces it
    popq %r11                           // RFLAGS for SYSRET (sanitised by the dispatcher)
    popq %rcx                           // RIP for SYSRET (checked canonical by the dispatcher)
    popq %rsp                           // user RSP; IF = 0 until SYSRET, NMI runs on IST2
    sysretq
