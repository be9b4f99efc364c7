// kernel/arch/x86_64/context_switch.S — the stack switch between two kernel threads, and the
// first instructions of a new kernel thread (context.h).
//
// void capos_context_switch(uint64_t* save_rsp, uint64_t load_rsp)
//   Pushes the SysV callee-saved registers (rbp rbx r12 r13 r14 r15) on the current kernel
//   stack, stores RSP in *save_rsp, loads load_rsp, pops the same six registers from the new
//   stack and returns on it. The caller-saved registers need no saving (the call clobbers them
//   by the ABI); a thread's user registers are already in the interrupt or SYSCALL frame on its
//   own kernel stack; everything else per thread (CR3, FS base, selectors, TSS.RSP0, the SYSCALL
//   stack word, x87/SSE/AVX) switch_context handles before calling this.
//   Saved frame, lowest address first: r15 r14 r13 r12 rbx rbp <return address>. A new thread's
//   stack is prepared in the same shape (context.cpp), with the return address of where it
//   starts: capos_kernel_thread_start, or capos_interrupt_return for a user thread.
//
// capos_kernel_thread_start: entered by that `ret` with r12 = entry, r13 = argument and RSP
//   16-byte aligned; calls entry(argument); an entry that returns is a kernel bug (panic).
//
// SAFETY: runs with interrupts disabled (switch_context KASSERTs IF = 0), so nothing observes
// the half-switched state; load_rsp is a value this routine stored earlier for a thread that is
// not running, or a frame context.cpp built in the shape above on a mapped kernel stack.

    .section .text
    .code64

    .globl capos_context_switch
    .type capos_context_switch, @function
    .balign 16
capos_context_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size capos_context_switch, . - capos_context_switch

    .globl capos_kernel_thread_start
    .type capos_kernel_thread_start, @function
    .balign 16
capos_kernel_thread_start:
    xorl %ebp, %ebp                     // terminates frame-pointer walks
    movq %r13, %rdi
    call *%r12
    call capos_kernel_thread_returned   // [[noreturn]]
    ud2
    .size capos_kernel_thread_start, . - capos_kernel_thread_start
