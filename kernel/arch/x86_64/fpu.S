// kernel/arch/x86_64/fpu.S — save / restore one thread's x87/SSE/AVX state (fpu.h).
//
// The only kernel instructions that touch FPU/SIMD state besides the self-test probes
// (selftest_probes.S); tests/kernel/check_kernel_binary.py allows them in these two symbols and
// nowhere else in .text. Which form runs is decided once at boot (capos_fpu_format), and the
// requested-feature bitmap for XSAVE/XRSTOR (EDX:EAX) is XCR0 (capos_fpu_xcr0), so exactly the
// enabled components are saved and restored.
//
// SAFETY: `area` (rdi) is a 64-byte-aligned buffer of at least the save-area size for the
// enabled XCR0 (context.cpp checks the ThreadMemory it is given); the restore reads only an
// area written by capos_fpu_save or by extended_state_reset (a valid image: reserved MXCSR bits
// and the XSAVE header are zero), so XRSTOR/FXRSTOR cannot #GP. Only rax and rdx are clobbered
// (caller-saved), plus the FPU/SIMD state itself, which is the point.

    .section .text
    .code64

    .globl capos_fpu_save
    .type capos_fpu_save, @function
    .balign 16
capos_fpu_save:
    cmpb $0, capos_fpu_format(%rip)
    jne 1f
    movl capos_fpu_xcr0(%rip), %eax
    movl capos_fpu_xcr0+4(%rip), %edx
    xsave64 (%rdi)
    ret
1:
    fxsave64 (%rdi)
    ret
    .size capos_fpu_save, . - capos_fpu_save

    .globl capos_fpu_restore
    .type capos_fpu_restore, @function
    .balign 16
capos_fpu_restore:
    cmpb $0, capos_fpu_clear_pointers(%rip)
    je 2f
    fnclex                              // AMD FXSAVE leak: overwrite FIP/FDP/FOP first
    emms
    fildl capos_fpu_zero(%rip)
2:
    cmpb $0, capos_fpu_format(%rip)
    jne 1f
    movl capos_fpu_xcr0(%rip), %eax
    movl capos_fpu_xcr0+4(%rip), %edx
    xrstor64 (%rdi)
    ret
1:
    fxrstor64 (%rdi)
    ret
    .size capos_fpu_restore, . - capos_fpu_restore

    .section .rodata
    .balign 4
capos_fpu_zero:
    .long 0
