// kernel/proc/syscall.h — the two system calls (SPEC §4 "Entry and syscalls"), behind the
// architecture's handle_syscall / handle_user_fault upcalls (kernel/arch/arch.h).
//
// Every register argument is hostile:
//   cap_enter(min_complete, timeout_ns): kernel/proc/cap_enter.h — SQEs are always consumed
//     first (at most SQES_PER_ENTRY, dispatched by RingDispatcher), min_complete is clamped to
//     CQ_ENTRIES, timeout 0 returns the count; any other timeout not yet satisfied returns
//     CAP_ERR_TIMED_OUT at once in this phase (nothing completes later: one process, nothing
//     deferred) — returning beats hanging the only process forever.
//   exit(code): ends the process; in phase 2 that ends the boot (PASS iff code == 0).
//   any other number: CAP_ERR_INVALID, nothing changes.
#pragma once

#include <cstdint>

#include "kernel/proc/process.h"

namespace capos::kernel {

// The cap_enter return value (>= 0: CQEs available; < 0: a transport code).
[[nodiscard]] int64_t cap_enter(Process& process, uint64_t min_complete, uint64_t timeout_ns);

// Prints the exit, the kernel stack high-water mark and the console volume, then ends the
// boot: PASS when `code` is 0, FAIL otherwise.
[[noreturn]] void exit_process(Process& process, int64_t code);

}  // namespace capos::kernel
