// kernel/arch/x86_64/kernel_image.h — where linker.ld put the pieces of the kernel image.
//
// The only reader of linker.ld's symbols. Virtual addresses are in the top 2 GiB; physical
// address = virtual - KERNEL_VIRT_OFFSET (linker.ld's AT()).
#pragma once

#include <cstdint>
#include <span>

#include "kernel/arch/arch.h"

namespace capos::kernel::x86_64 {

// Boot: kmain until the first entry to user mode. Thread: the user thread's kernel stack
// (TSS.RSP0 and the SYSCALL entry), empty whenever the thread runs in user mode.
enum class KernelStack : uint8_t { Boot, DoubleFault, Nmi, MachineCheck, Thread };

// Top (initial RSP) of a kernel stack.
uint64_t stack_top(KernelStack stack);

// Start of the unmapped guard page just below a kernel stack.
uint64_t stack_guard(KernelStack stack);

// Lowest usable address of a kernel stack (just above its guard page).
uint64_t stack_bottom(KernelStack stack);

// The image's sections with their permissions: text, rodata, data+bss, then each stack (the
// guard pages are the gaps between them and stay unmapped). The .boot* sections (32-bit entry,
// early page tables) are not listed: nothing uses them after the switch to the kernel's tables.
std::span<const KernelSection> image_sections();

// Physical extent of the whole image, .boot* and stacks included.
PhysicalRange image_physical_range();

}  // namespace capos::kernel::x86_64
