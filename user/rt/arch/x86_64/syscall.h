// user/rt/arch/x86_64/syscall.h — the two capOS system calls (SPEC §4 "Entry and syscalls").
//
// `syscall` with rax = number, arguments in rdi, rsi (and rdx); the kernel changes only rax,
// rcx and r11. The "memory" clobber is needed: the kernel writes the ring and result buffers.
#pragma once

#include <cstdint>

#include "lib/ring/abi.h"

namespace capos::rt {

// SAFETY (all): the syscall instruction transfers to the kernel, which preserves every register
// but rax (the result), rcx and r11 (SYSCALL/SYSRET use them), as declared to the compiler.
inline int64_t raw_syscall(uint64_t number, uint64_t first, uint64_t second, uint64_t third) {
  int64_t result = 0;  // NOLINT(misc-const-correctness): asm output
  // SAFETY: as above: one syscall; rcx, r11 and memory declared clobbered.
  asm volatile("syscall"
               : "=a"(result)
               : "a"(number), "D"(first), "S"(second), "d"(third)
               : "rcx", "r11", "memory");
  return result;
}

// cap_enter(min_complete, timeout_ns): CQEs available, or a negative transport code.
inline int64_t cap_enter(uint64_t min_complete, uint64_t timeout_ns) {
  return raw_syscall(SYS_CAP_ENTER, min_complete, timeout_ns, 0);
}

[[noreturn]] inline void exit(int64_t code) {
  raw_syscall(SYS_EXIT, static_cast<uint64_t>(code), 0, 0);
  // SAFETY: unreachable: the kernel never returns from exit; trap rather than fall through.
  __builtin_trap();
}

}  // namespace capos::rt
