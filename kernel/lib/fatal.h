// kernel/lib/fatal.h — ending a boot that cannot continue.
//
// Two kinds, kept apart on purpose (STYLE.md "Errors"):
//   - capos_panic / KASSERT (lib/core/panic.h): a broken kernel invariant — a bug;
//   - fail_boot: the boot input (Multiboot2 information, memory map, command line) or the CPU is
//     unacceptable. Not a bug: the kernel refuses, says why, and stops.
// Both print one line on the console and leave QEMU with the FAIL exit code (never a triple
// fault).
#pragma once

namespace capos::kernel {

[[noreturn]] void fail_boot(const char* stage, const char* reason);

}  // namespace capos::kernel
