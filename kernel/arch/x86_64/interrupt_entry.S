// kernel/arch/x86_64/interrupt_entry.S — entry stubs for the hardware interrupt vectors, the
// common interrupt return, and the idle wait (docs/design.md "Interrupts, time and context
// switch").
//
// Vectors with a stub (interrupts.h): 0x20-0x2f (the remapped 8259 PICs: masked, but IRQ7/IRQ15
// can be spurious), 0x30 (local APIC timer), 0xfe (local APIC error), 0xff (local APIC
// spurious). Each stub pushes a zero error code and its vector and joins the common path, which
// builds the same 22-quad frame as exception_entry.S (ExceptionFrame in exceptions.h: 15 GPRs,
// vector, error code, the CPU's 5-quad frame), so an interrupt from CPL 3 saves every user
// general-purpose register on the thread's kernel stack (TSS.RSP0): the frame the scheduler
// switches on. The x87/SSE/AVX registers are not touched here: the kernel is built without them
// (tests/kernel/check_kernel_binary.py), so they still hold the user's values, which
// switch_context saves (context.cpp).
//
// The CPU does not clear RFLAGS.AC or DF on an interrupt gate: a user with AC = 1 would switch
// SMAP off for the handler. So the common path executes `clac` (SMAP is enabled before any
// interrupt gate is installed: interrupts_init KASSERTs it) and `cld` before any C++ runs.
//
// capos_interrupt_return is also where a new user thread starts (context.cpp builds a frame
// of this shape on its kernel stack and "returns" here from capos_context_switch).
//
// capos_wait_for_interrupt: `sti; hlt` — STI's one-instruction interrupt shadow means no
// interrupt can be taken between them, so a wake-up cannot be lost; the interrupt is taken with
// the saved RIP at capos_idle_resume, which the dispatcher requires of every interrupt taken at
// CPL 0 (the preemption model: the kernel accepts interrupts only here).
//
// SAFETY: the CPU switched to a kernel stack before a stub runs (TSS.RSP0 from CPL 3; the
// current kernel stack at CPL 0, only possible in the idle wait); the common path pushes exactly
// the 22 quads ExceptionFrame declares (static_asserts in exceptions.h) and pops every register
// it pushed before iretq. capos_interrupt_stubs has exactly the entries interrupts.cpp declares.

    .section .text
    .code64

.macro INTERRUPT_STUB vector
    .balign 16
capos_interrupt_stub_\vector:
    pushq $0
    pushq $\vector
    jmp capos_interrupt_common
.endm

    .irp vector, 0x20,0x21,0x22,0x23,0x24,0x25,0x26,0x27,0x28,0x29,0x2a,0x2b,0x2c,0x2d,0x2e,0x2f
    INTERRUPT_STUB \vector
    .endr
    INTERRUPT_STUB 0x30
    INTERRUPT_STUB 0xfe
    INTERRUPT_STUB 0xff

capos_interrupt_common:
    pushq %rax
    pushq %rbx
    pushq %rcx
    pushq %rdx
    pushq %rsi
    pushq %rdi
    pushq %rbp
    pushq %r8
    pushq %r9
    pushq %r10
    pushq %r11
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    clac
    cld
    movq %rsp, %rdi
    call capos_interrupt_dispatch
    .globl capos_interrupt_return
capos_interrupt_return:
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %r11
    popq %r10
    popq %r9
    popq %r8
    popq %rbp
    popq %rdi
    popq %rsi
    popq %rdx
    popq %rcx
    popq %rbx
    popq %rax
    addq $16, %rsp          // vector and error code
    iretq

// void capos_wait_for_interrupt(void): returns with IF = 0 after one interrupt was handled.
    .globl capos_wait_for_interrupt
    .globl capos_idle_resume
    .balign 16
capos_wait_for_interrupt:
    sti
    hlt
capos_idle_resume:
    cli
    ret

// The stub addresses, in the order of interrupts.h's interrupt_vectors.
    .section .rodata
    .balign 8
    .globl capos_interrupt_stubs
capos_interrupt_stubs:
    .irp vector, 0x20,0x21,0x22,0x23,0x24,0x25,0x26,0x27,0x28,0x29,0x2a,0x2b,0x2c,0x2d,0x2e,0x2f,0x30,0xfe,0xff
    .quad capos_interrupt_stub_\vector
    .endr
