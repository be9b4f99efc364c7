// kernel/proc/syscall.h — the two system calls (SPEC §4 "Entry and syscalls"), behind the
// architecture's handle_syscall / handle_user_fault upcalls (kernel/arch/arch.h).
//
// Every register argument is hostile:
//   cap_enter(min_complete, timeout_ns): min_complete > CQ_ENTRIES can never be satisfied and
//     is CAP_ERR_INVALID before anything is consumed. Otherwise one KernelRing entry runs (at
//     most SQES_PER_ENTRY SQEs, dispatched by RingDispatcher); a corrupt ring returns
//     CAP_ERR_RING_CORRUPT. Then, if fewer than min_complete CQEs are available: timeout_ns = 0
//     returns the count; any other timeout returns CAP_ERR_TIMED_OUT at once, because in this
//     phase nothing completes later (no SQE is ever deferred and there is one process), so the
//     wait could never end — returning beats hanging the only process forever.
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
