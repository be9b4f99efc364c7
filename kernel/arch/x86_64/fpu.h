// kernel/arch/x86_64/fpu.h — user x87/SSE/AVX state: enabling it, and saving/restoring one
// thread's copy (docs/design.md "Interrupts, time and context switch").
//
// Enable (extended_state_init, once, before the first user thread): CR0.EM = 0, CR0.MP = 1,
// CR0.NE = 1 (x87 errors as #MF, not IRQ13), CR0.TS = 0 for good (eager switching: #NM never
// happens); CR4.OSFXSR | CR4.OSXMMEXCPT (SSE, and unmasked SIMD exceptions as #XM, not #UD);
// where CPUID.01H:ECX.XSAVE: CR4.OSXSAVE and XCR0 = x87 | SSE, plus AVX when CPUID offers it
// (CPUID.01H:ECX.AVX and CPUID.(0Dh,0).EAX bit 2). Nothing beyond AVX (no AVX-512, no AMX):
// XCR0 bounds what a thread can hold and what a save area must fit.
//
// The kernel itself never touches these registers (built with -mno-sse..., checked by
// tests/kernel/check_kernel_binary.py), so the user's values stay live in the registers across
// every kernel entry. Only switch_context (context.cpp) saves and restores them, every time
// (eager), with XSAVE/XRSTOR (standard form, mask = XCR0) or FXSAVE/FXRSTOR. The save area
// (64-byte aligned) is sized from CPUID.(0Dh,0).EBX for the enabled XCR0, or 512.
//
// A new thread's area is a copy of a template built in memory, never captured from registers:
// FCW = 0x037f and MXCSR = 0x1f80 (the FNINIT / power-on values), every other byte 0 — so the
// XSAVE header's XSTATE_BV = 0 and XRSTOR puts every component in its initial state (all
// vector registers zero, x87 stack empty). No thread ever starts with another's values.
//
// AMD parts with the FXSAVE pointer leak (CPUID.80000008H:EBX[2] clear: x87 FIP/FDP/FOP are
// saved only with an exception pending, so the previous thread's values would survive a
// restore) get Linux's mitigation before each restore: fnclex; emms; fildl of a zero word.
#pragma once

#include <cstdint>

#include "kernel/arch/arch.h"

namespace capos::kernel::x86_64 {

inline constexpr uint64_t extended_state_alignment = 64;
inline constexpr uint64_t extended_state_max_bytes = 4096;  // the ThreadMemory context page

Result<ExtendedStateInfo, ExtendedStateError> extended_state_init();
[[nodiscard]] ExtendedStateInfo extended_state_info();
[[nodiscard]] uint64_t extended_state_bytes();
[[nodiscard]] bool extended_state_has_avx();

// Copies the clean template into `area` (extended_state_bytes(), 64-byte aligned).
void extended_state_reset(uint64_t area);

}  // namespace capos::kernel::x86_64

extern "C" {
// fpu.S. `area` is extended_state_bytes() long and 64-byte aligned.
void capos_fpu_save(void* area);
void capos_fpu_restore(const void* area);
}
