// kernel/arch/x86_64/protection.h — NX, CR0.WP, SMEP and SMAP.
//
// Order (seed Track S.8, SPEC §2): boot.S sets EFER.NXE before paging; kmain builds and loads
// the kernel's own tables; then enable_protections() sets CR0.WP (supervisor writes honour
// read-only PTEs), checks CPUID leaf 7 and sets CR4.SMEP and CR4.SMAP. The result reports what
// the registers say after the writes, read back, never what was requested.
#pragma once

#include "kernel/arch/arch.h"
#include "lib/core/result.h"

namespace capos::kernel::x86_64 {

// MissingFeature when CPUID leaf 7 lacks SMEP (EBX bit 7) or SMAP (EBX bit 20); nothing is
// changed in that case.
Result<ProtectionState, MissingFeature> enable_protections();

// True once CR4.SMAP has been set (stac/clac are then valid instructions).
bool smap_active();

// Enables global pages (CR4.PGE) if the CPU has them; called before the kernel's tables, whose
// kernel-half entries are global, are loaded.
void enable_global_pages();

}  // namespace capos::kernel::x86_64
