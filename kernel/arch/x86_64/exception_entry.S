// kernel/arch/x86_64/exception_entry.S — entry stubs for the 32 exception vectors.
//
// Each stub makes the stack look the same for every vector (a zero error code where the CPU
// pushes none, then the vector number), saves all general-purpose registers and calls
// capos_exception_dispatch(ExceptionFrame*) (exceptions.h describes the layout). If the
// dispatcher returns, the registers are restored and iretq resumes the interrupted code.
//
// Stack alignment: the CPU aligns RSP to 16 before pushing its 5-quad frame; error code +
// vector + 15 registers keep the total a multiple of 16 (22 quads), so the call below enters
// the dispatcher with the ABI alignment.
//
// SAFETY: the CPU has already switched to a kernel stack (TSS RSP0 or the vector's IST stack,
// tss.cpp) before a stub runs; the stubs push exactly the 22 quads ExceptionFrame declares
// (static_asserts in exceptions.h) and pop every register they pushed before iretq.
// capos_exception_stubs has exactly the 32 entries idt.cpp's declaration says.

    .section .text
    .code64

.macro EXCEPTION_STUB vector, has_error_code
    .balign 16
capos_exception_stub_\vector:
    .if \has_error_code == 0
    pushq $0
    .endif
    pushq $\vector
    jmp capos_exception_common
.endm

EXCEPTION_STUB 0, 0     // #DE
EXCEPTION_STUB 1, 0     // #DB
EXCEPTION_STUB 2, 0     // NMI
EXCEPTION_STUB 3, 0     // #BP
EXCEPTION_STUB 4, 0     // #OF
EXCEPTION_STUB 5, 0     // #BR
EXCEPTION_STUB 6, 0     // #UD
EXCEPTION_STUB 7, 0     // #NM
EXCEPTION_STUB 8, 1     // #DF (error code 0)
EXCEPTION_STUB 9, 0     // coprocessor segment overrun (reserved)
EXCEPTION_STUB 10, 1    // #TS
EXCEPTION_STUB 11, 1    // #NP
EXCEPTION_STUB 12, 1    // #SS
EXCEPTION_STUB 13, 1    // #GP
EXCEPTION_STUB 14, 1    // #PF
EXCEPTION_STUB 15, 0    // reserved
EXCEPTION_STUB 16, 0    // #MF
EXCEPTION_STUB 17, 1    // #AC
EXCEPTION_STUB 18, 0    // #MC
EXCEPTION_STUB 19, 0    // #XM
EXCEPTION_STUB 20, 0    // #VE
EXCEPTION_STUB 21, 1    // #CP
EXCEPTION_STUB 22, 0
EXCEPTION_STUB 23, 0
EXCEPTION_STUB 24, 0
EXCEPTION_STUB 25, 0
EXCEPTION_STUB 26, 0
EXCEPTION_STUB 27, 0
EXCEPTION_STUB 28, 0    // #HV
EXCEPTION_STUB 29, 1    // #VC
EXCEPTION_STUB 30, 1    // #SX
EXCEPTION_STUB 31, 0

capos_exception_common:
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
    cld
    movq %rsp, %rdi
    call capos_exception_dispatch
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

// The stub addresses, indexed by vector (idt.cpp builds the gates from them).
    .section .rodata
    .balign 8
    .globl capos_exception_stubs
capos_exception_stubs:
    .irp vector, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    .quad capos_exception_stub_\vector
    .endr
