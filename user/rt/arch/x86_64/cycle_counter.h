// user/rt/arch/x86_64/cycle_counter.h — the time-stamp counter, readable in user mode (the kernel
// leaves CR4.TSD clear). Under QEMU -icount shift=0 it counts guest instructions exactly
// (TOOLCHAIN.md), which is what the benchmarks report.
#pragma once

#include <cstdint>

namespace capos::rt {

inline uint64_t read_cycle_counter() {
  uint32_t low = 0;   // NOLINT(misc-const-correctness): asm output
  uint32_t high = 0;  // NOLINT(misc-const-correctness): asm output
  // SAFETY: rdtsc writes only EDX:EAX.
  asm volatile("rdtsc" : "=a"(low), "=d"(high));
  return (uint64_t{high} << 32) | low;
}

}  // namespace capos::rt
