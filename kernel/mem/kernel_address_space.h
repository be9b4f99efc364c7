// kernel/mem/kernel_address_space.h — the kernel's own page tables.
//
// Built once at boot, replacing boot.S's early RWX tables:
//   - each kernel image section with its own permission (Arch::kernel_sections(): text R-X,
//     rodata R--, data/bss RW-, stacks RW-; guard pages unmapped), 4 KiB pages;
//   - the direct map: every available RAM frame at direct_map_base + physical, RW- (NX), 2 MiB
//     pages where alignment allows, except the kernel image's frames (they would be a writable
//     alias of kernel text);
//   - nothing in the user half.
// Phase 2 process address spaces copy its kernel half.
#pragma once

#include <cstdint>

#include "kernel/arch/current.h"
#include "kernel/boot/boot_info.h"
#include "lib/core/result.h"

namespace capos::kernel::mem {

struct AddressSpaceStats {
  uint64_t kernel_pages;      // 4 KiB pages mapping the kernel image
  uint64_t direct_map_bytes;  // bytes of RAM in the direct map
  uint64_t direct_map_large;  // of which mapped with large pages, in pages
};

// Builds the tables and loads them (CR3 on x86-64). Afterwards the direct-map window is the
// highest mapped RAM byte.
Result<AddressSpaceStats> activate_kernel_address_space(const boot::MemoryMap& map);

// The kernel's table (valid after activate_kernel_address_space). Self-tests map user pages
// into it; phase 2 copies its kernel half into each process's table.
Arch::PageTable& kernel_page_table();

}  // namespace capos::kernel::mem
