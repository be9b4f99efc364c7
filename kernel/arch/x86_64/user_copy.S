// kernel/arch/x86_64/user_copy.S — the byte copy UserPtr runs inside its STAC/CLAC window, with
// a page-fault fixup (REVIEW_FINDINGS F-019).
//
// uint64_t capos_user_copy(void* destination, const void* source, uint64_t bytes)
//   returns 0 when all `bytes` were copied, 1 when the copy took a page fault on a user address.
//
// The copy is one `rep movsb` at capos_user_copy_instruction. If it faults (a user page the
// walk found present went away before the copy: impossible on today's single CPU with
// interrupts off, possible once VirtualMemory.unmap or SMP exist), the #PF handler
// (exceptions.cpp) sees RIP == capos_user_copy_instruction at CPL 0 with CR2 in the user half,
// clears RFLAGS.AC in the saved frame and resumes at capos_user_copy_fixup instead of halting.
// The function pushes nothing, so the fixup's `ret` returns to the caller of capos_user_copy.
//
// SAFETY: the caller (UserPtr::copy_in/copy_out) validated both ranges and opened the SMAP
// window; DF = 0 is the ABI state at every call, so rep movsb copies forwards exactly `bytes`
// bytes; only rax, rcx, rsi and rdi change (all caller-saved).

    .section .text
    .code64

    .globl capos_user_copy
    .globl capos_user_copy_instruction
    .globl capos_user_copy_fixup
    .type capos_user_copy, @function
capos_user_copy:
    movq %rdx, %rcx
capos_user_copy_instruction:
    rep movsb
    xorl %eax, %eax
    ret
capos_user_copy_fixup:
    movl $1, %eax
    ret
    .size capos_user_copy, . - capos_user_copy
