// kernel/arch/x86_64/user_mode.h — SYSCALL/SYSRET, the first entry into CPL 3 and the user
// thread's kernel stack (docs/design.md "Kernel bring-up (phase 2)").
//
// Invariants:
//   - TSS.RSP0 == the SYSCALL entry's kernel stack == top of the thread stack (linker.ld), set
//     once before the first entry to user mode; the stack is empty whenever the thread runs at
//     CPL 3 (every entry starts at its top and unwinds completely or ends the thread).
//   - IA32_FMASK clears IF, TF, DF, AC, NT and IOPL on SYSCALL: the kernel runs with interrupts
//     off and SMAP enforced until it deliberately opens a user-access window.
//   - SYSRET is used only with a canonical user RIP (below 2^47); otherwise the thread is ended
//     instead (the SYSRET #GP would be taken in ring 0 on the user's stack).
//   - The RFLAGS a thread gets back keep only its arithmetic flags and DF, plus IF.
#pragma once

#include <cstdint>

#include "kernel/arch/arch.h"

namespace capos::kernel::x86_64 {

// Writes EFER.SCE, IA32_STAR/LSTAR/CSTAR/FMASK and TSS.RSP0, and paints the thread stack.
void user_mode_init();

// Starts the first user thread on the thread stack: prepares it (context.h, in the live address
// space, with a clean extended state) and switches to it from the boot context, which is never
// resumed. Never returns.
[[noreturn]] void enter_user(const UserEntry& entry);

// The kernel stack the SYSCALL entry loads (switch_context sets it per thread).
void set_syscall_stack(uint64_t stack_top);

inline constexpr uint64_t thread_stack_size = 16384;  // == THREAD_STACK_SIZE in linker.ld

// Bytes of the thread stack ever written, judged by the paint pattern.
uint64_t thread_stack_high_water();

}  // namespace capos::kernel::x86_64
