// kernel/arch/x86_64/selftest_probes.S — register probes for the context-switch self-tests
// (kernel/selftest/; reachable only with capos.selftest=<name>).
//
// uint64_t capos_switch_probe(ThreadContext* from, ThreadContext* to, uint64_t seed)
//   Loads patterns derived from `seed` into rbx rbp r12 r13 r14 r15, into every vector register
//   (ymm0-15 when XCR0 has AVX, else xmm0-15), MXCSR (rounding mode) and the x87 control word
//   (rounding control); calls capos_switch_context(from, to); when something switches back,
//   reads them all again and returns a mask: bits 0-5 the callee-saved registers in that order,
//   bits 6-21 vector register 0-15, bit 22 MXCSR, bit 23 FCW, bit 24 FS base, bit 25 DS/ES
//   (set = did not survive). Two threads using different seeds prove that the switch keeps each
//   one's values apart.
//
// uint64_t capos_initial_state_probe(void)
//   A mask of what is not the clean initial state (fpu.h): bits 0-15 vector register i is not
//   all zero (the whole ymm with AVX), bit 16 MXCSR != 0x1f80, bit 17 FCW != 0x037f, bit 18 the
//   x87 status word != 0.
//
// void capos_overflow_stack(void): pushes until the stack's guard page faults; never returns
//   (the #PF cannot be delivered on that stack, so the CPU raises #DF on its IST stack).
//
// These are the only kernel functions besides fpu.S that touch FPU/SIMD registers;
// tests/kernel/check_kernel_binary.py allows them by name.
//
// SAFETY: the probes use only their own stack frame (1080 / 536 bytes, 16-byte aligned at the
// call) and restore every callee-saved register, the default MXCSR/FCW, FS base 0 and null
// DS/ES (a kernel thread's values; in 64-bit mode the kernel uses neither) before returning; the
// vector registers they leave dirty belong to the calling kernel thread, which runs no SIMD
// code. capos_overflow_stack deliberately breaks its stack.

#define PROBE_FRAME 1080
#define PATTERN 0
#define READBACK 512
#define SAVED_FROM 1024
#define SAVED_TO 1032
#define SAVED_SEED 1040
#define MXCSR_PATTERN 1048
#define MXCSR_READ 1052
#define FCW_PATTERN 1056
#define FCW_READ 1058
#define MASK 1064
#define XCR0_AVX 4

    .section .text
    .code64

    .globl capos_switch_probe
    .type capos_switch_probe, @function
    .balign 16
capos_switch_probe:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    subq $PROBE_FRAME, %rsp
    movq %rdi, SAVED_FROM(%rsp)
    movq %rsi, SAVED_TO(%rsp)
    movq %rdx, SAVED_SEED(%rsp)

    // pattern[i] = (seed * (i + 1)) ^ 0x5a5a5a5a5a5a5a5a, i = 0..63 (16 registers x 4 quads)
    movabsq $0x5a5a5a5a5a5a5a5a, %r9
    xorl %ecx, %ecx
1:
    leaq 1(%rcx), %rax
    imulq %rdx, %rax
    xorq %r9, %rax
    movq %rax, PATTERN(%rsp, %rcx, 8)
    incq %rcx
    cmpq $64, %rcx
    jne 1b

    // MXCSR: defaults with rounding control (bits 13-14) = seed & 3; FCW: 0x037f with rounding
    // control (bits 10-11) = (seed >> 2) & 3.
    movl %edx, %eax
    andl $3, %eax
    shll $13, %eax
    orl $0x1f80, %eax
    movl %eax, MXCSR_PATTERN(%rsp)
    movl %edx, %eax
    shrl $2, %eax
    andl $3, %eax
    shll $10, %eax
    orl $0x037f, %eax
    movw %ax, FCW_PATTERN(%rsp)
    ldmxcsr MXCSR_PATTERN(%rsp)
    fldcw FCW_PATTERN(%rsp)

    // FS base = seed & 0x7ffffffff000 (canonical); DS = ES = user data selector or null by
    // bit 0 of the seed: per-thread state switch_context must carry.
    movabsq $0x00007ffffffff000, %rax
    andq %rdx, %rax
    movq %rax, %rdx
    shrq $32, %rdx
    movl $0xc0000100, %ecx
    wrmsr
    movq SAVED_SEED(%rsp), %rdx
    movl %edx, %eax
    andl $1, %eax
    imull $0x23, %eax
    movw %ax, %ds
    movw %ax, %es
    movq SAVED_SEED(%rsp), %rdx

    testb $XCR0_AVX, capos_fpu_xcr0(%rip)
    jz 2f
    vmovdqu 0(%rsp), %ymm0
    vmovdqu 32(%rsp), %ymm1
    vmovdqu 64(%rsp), %ymm2
    vmovdqu 96(%rsp), %ymm3
    vmovdqu 128(%rsp), %ymm4
    vmovdqu 160(%rsp), %ymm5
    vmovdqu 192(%rsp), %ymm6
    vmovdqu 224(%rsp), %ymm7
    vmovdqu 256(%rsp), %ymm8
    vmovdqu 288(%rsp), %ymm9
    vmovdqu 320(%rsp), %ymm10
    vmovdqu 352(%rsp), %ymm11
    vmovdqu 384(%rsp), %ymm12
    vmovdqu 416(%rsp), %ymm13
    vmovdqu 448(%rsp), %ymm14
    vmovdqu 480(%rsp), %ymm15
    jmp 3f
2:
    movdqu 0(%rsp), %xmm0
    movdqu 32(%rsp), %xmm1
    movdqu 64(%rsp), %xmm2
    movdqu 96(%rsp), %xmm3
    movdqu 128(%rsp), %xmm4
    movdqu 160(%rsp), %xmm5
    movdqu 192(%rsp), %xmm6
    movdqu 224(%rsp), %xmm7
    movdqu 256(%rsp), %xmm8
    movdqu 288(%rsp), %xmm9
    movdqu 320(%rsp), %xmm10
    movdqu 352(%rsp), %xmm11
    movdqu 384(%rsp), %xmm12
    movdqu 416(%rsp), %xmm13
    movdqu 448(%rsp), %xmm14
    movdqu 480(%rsp), %xmm15
3:
    movabsq $0x1111111111111111, %rbx
    xorq %rdx, %rbx
    movabsq $0x2222222222222222, %rbp
    xorq %rdx, %rbp
    movabsq $0x3333333333333333, %r12
    xorq %rdx, %r12
    movabsq $0x4444444444444444, %r13
    xorq %rdx, %r13
    movabsq $0x5555555555555555, %r14
    xorq %rdx, %r14
    movabsq $0x6666666666666666, %r15
    xorq %rdx, %r15

    movq SAVED_FROM(%rsp), %rdi
    movq SAVED_TO(%rsp), %rsi
    call capos_switch_context

    // Read everything back before any other code runs.
    testb $XCR0_AVX, capos_fpu_xcr0(%rip)
    jz 4f
    vmovdqu %ymm0, READBACK+0(%rsp)
    vmovdqu %ymm1, READBACK+32(%rsp)
    vmovdqu %ymm2, READBACK+64(%rsp)
    vmovdqu %ymm3, READBACK+96(%rsp)
    vmovdqu %ymm4, READBACK+128(%rsp)
    vmovdqu %ymm5, READBACK+160(%rsp)
    vmovdqu %ymm6, READBACK+192(%rsp)
    vmovdqu %ymm7, READBACK+224(%rsp)
    vmovdqu %ymm8, READBACK+256(%rsp)
    vmovdqu %ymm9, READBACK+288(%rsp)
    vmovdqu %ymm10, READBACK+320(%rsp)
    vmovdqu %ymm11, READBACK+352(%rsp)
    vmovdqu %ymm12, READBACK+384(%rsp)
    vmovdqu %ymm13, READBACK+416(%rsp)
    vmovdqu %ymm14, READBACK+448(%rsp)
    vmovdqu %ymm15, READBACK+480(%rsp)
    jmp 5f
4:
    movdqu %xmm0, READBACK+0(%rsp)
    movdqu %xmm1, READBACK+32(%rsp)
    movdqu %xmm2, READBACK+64(%rsp)
    movdqu %xmm3, READBACK+96(%rsp)
    movdqu %xmm4, READBACK+128(%rsp)
    movdqu %xmm5, READBACK+160(%rsp)
    movdqu %xmm6, READBACK+192(%rsp)
    movdqu %xmm7, READBACK+224(%rsp)
    movdqu %xmm8, READBACK+256(%rsp)
    movdqu %xmm9, READBACK+288(%rsp)
    movdqu %xmm10, READBACK+320(%rsp)
    movdqu %xmm11, READBACK+352(%rsp)
    movdqu %xmm12, READBACK+384(%rsp)
    movdqu %xmm13, READBACK+416(%rsp)
    movdqu %xmm14, READBACK+448(%rsp)
    movdqu %xmm15, READBACK+480(%rsp)
5:
    stmxcsr MXCSR_READ(%rsp)
    fnstcw FCW_READ(%rsp)

    // Callee-saved registers: bits 0-5.
    xorl %edx, %edx
    movq SAVED_SEED(%rsp), %rax
    movabsq $0x1111111111111111, %rcx
    xorq %rax, %rcx
    cmpq %rcx, %rbx
    je 6f
    orq $0x1, %rdx
6:
    movabsq $0x2222222222222222, %rcx
    xorq %rax, %rcx
    cmpq %rcx, %rbp
    je 6f
    orq $0x2, %rdx
6:
    movabsq $0x3333333333333333, %rcx
    xorq %rax, %rcx
    cmpq %rcx, %r12
    je 6f
    orq $0x4, %rdx
6:
    movabsq $0x4444444444444444, %rcx
    xorq %rax, %rcx
    cmpq %rcx, %r13
    je 6f
    orq $0x8, %rdx
6:
    movabsq $0x5555555555555555, %rcx
    xorq %rax, %rcx
    cmpq %rcx, %r14
    je 6f
    orq $0x10, %rdx
6:
    movabsq $0x6666666666666666, %rcx
    xorq %rax, %rcx
    cmpq %rcx, %r15
    je 6f
    orq $0x20, %rdx
6:
    // Vector registers: bits 6-21; 2 quads each (xmm) or 4 (ymm).
    movl $2, %r8d
    testb $XCR0_AVX, capos_fpu_xcr0(%rip)
    jz 7f
    movl $4, %r8d
7:
    xorl %ecx, %ecx                     // register index
8:
    movq %rcx, %r9
    shlq $2, %r9                        // first quad of register rcx
    xorl %r10d, %r10d                   // quad within the register
9:
    leaq (%r9, %r10), %r11
    movq PATTERN(%rsp, %r11, 8), %rax
    cmpq READBACK(%rsp, %r11, 8), %rax
    je 10f
    leal 6(%ecx), %eax
    btsq %rax, %rdx
10:
    incq %r10
    cmpq %r8, %r10
    jne 9b
    incq %rcx
    cmpq $16, %rcx
    jne 8b

    movl MXCSR_PATTERN(%rsp), %eax
    cmpl MXCSR_READ(%rsp), %eax
    je 11f
    btsq $22, %rdx
11:
    movw FCW_PATTERN(%rsp), %ax
    cmpw FCW_READ(%rsp), %ax
    je 12f
    btsq $23, %rdx
12:
    // FS base (bit 24), DS/ES (bit 25).
    movq %rdx, MASK(%rsp)
    movl $0xc0000100, %ecx
    rdmsr
    shlq $32, %rdx
    orq %rax, %rdx
    movabsq $0x00007ffffffff000, %rax
    andq SAVED_SEED(%rsp), %rax
    cmpq %rax, %rdx
    je 13f
    btsq $24, MASK(%rsp)
13:
    movq SAVED_SEED(%rsp), %rax
    andl $1, %eax
    imull $0x23, %eax
    movw %ds, %cx
    cmpw %ax, %cx
    jne 14f
    movw %es, %cx
    cmpw %ax, %cx
    je 15f
14:
    btsq $25, MASK(%rsp)
15:
    xorl %eax, %eax                     // back to the kernel threads' FS base 0, null DS/ES
    movw %ax, %ds
    movw %ax, %es
    xorl %edx, %edx
    movl $0xc0000100, %ecx
    wrmsr
    movl $0x1f80, MXCSR_PATTERN(%rsp)   // back to the defaults
    ldmxcsr MXCSR_PATTERN(%rsp)
    movw $0x037f, FCW_PATTERN(%rsp)
    fldcw FCW_PATTERN(%rsp)
    movq MASK(%rsp), %rax
    addq $PROBE_FRAME, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size capos_switch_probe, . - capos_switch_probe

#define STATE_FRAME 536
#define STATE_MXCSR 512
#define STATE_FCW 516
#define STATE_FSW 518

    .globl capos_initial_state_probe
    .type capos_initial_state_probe, @function
    .balign 16
capos_initial_state_probe:
    subq $STATE_FRAME, %rsp
    // Zero the buffer first, so the xmm-only path compares zero upper halves.
    xorl %eax, %eax
    xorl %ecx, %ecx
1:
    movq %rax, (%rsp, %rcx, 8)
    incq %rcx
    cmpq $64, %rcx
    jne 1b
    testb $XCR0_AVX, capos_fpu_xcr0(%rip)
    jz 2f
    vmovdqu %ymm0, 0(%rsp)
    vmovdqu %ymm1, 32(%rsp)
    vmovdqu %ymm2, 64(%rsp)
    vmovdqu %ymm3, 96(%rsp)
    vmovdqu %ymm4, 128(%rsp)
    vmovdqu %ymm5, 160(%rsp)
    vmovdqu %ymm6, 192(%rsp)
    vmovdqu %ymm7, 224(%rsp)
    vmovdqu %ymm8, 256(%rsp)
    vmovdqu %ymm9, 288(%rsp)
    vmovdqu %ymm10, 320(%rsp)
    vmovdqu %ymm11, 352(%rsp)
    vmovdqu %ymm12, 384(%rsp)
    vmovdqu %ymm13, 416(%rsp)
    vmovdqu %ymm14, 448(%rsp)
    vmovdqu %ymm15, 480(%rsp)
    jmp 3f
2:
    movdqu %xmm0, 0(%rsp)
    movdqu %xmm1, 32(%rsp)
    movdqu %xmm2, 64(%rsp)
    movdqu %xmm3, 96(%rsp)
    movdqu %xmm4, 128(%rsp)
    movdqu %xmm5, 160(%rsp)
    movdqu %xmm6, 192(%rsp)
    movdqu %xmm7, 224(%rsp)
    movdqu %xmm8, 256(%rsp)
    movdqu %xmm9, 288(%rsp)
    movdqu %xmm10, 320(%rsp)
    movdqu %xmm11, 352(%rsp)
    movdqu %xmm12, 384(%rsp)
    movdqu %xmm13, 416(%rsp)
    movdqu %xmm14, 448(%rsp)
    movdqu %xmm15, 480(%rsp)
3:
    stmxcsr STATE_MXCSR(%rsp)
    fnstcw STATE_FCW(%rsp)
    fnstsw STATE_FSW(%rsp)
    xorl %edx, %edx                     // mask
    xorl %ecx, %ecx                     // register index
4:
    movq %rcx, %r9
    shlq $5, %r9                        // byte offset of register rcx
    movq 0(%rsp, %r9), %rax
    orq 8(%rsp, %r9), %rax
    orq 16(%rsp, %r9), %rax
    orq 24(%rsp, %r9), %rax
    jz 5f
    btsq %rcx, %rdx
5:
    incq %rcx
    cmpq $16, %rcx
    jne 4b
    cmpl $0x1f80, STATE_MXCSR(%rsp)
    je 6f
    btsq $16, %rdx
6:
    cmpw $0x037f, STATE_FCW(%rsp)
    je 7f
    btsq $17, %rdx
7:
    cmpw $0, STATE_FSW(%rsp)
    je 8f
    btsq $18, %rdx
8:
    movq %rdx, %rax
    addq $STATE_FRAME, %rsp
    ret
    .size capos_initial_state_probe, . - capos_initial_state_probe

    .globl capos_overflow_stack
    .type capos_overflow_stack, @function
    .balign 16
capos_overflow_stack:
1:
    pushq $0
    jmp 1b
    .size capos_overflow_stack, . - capos_overflow_stack
