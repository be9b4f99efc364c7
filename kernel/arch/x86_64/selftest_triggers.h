// kernel/arch/x86_64/selftest_triggers.h — machine-level actions only the QEMU self-tests use
// (kernel/selftest/). Each one is expected to fault; none is reachable without a
// capos.selftest= word on the boot command line.
#pragma once

#include <cstdint>

#include "kernel/arch/x86_64/context.h"

namespace capos::kernel::x86_64 {

// Calls `address` as a function taking and returning nothing (to prove NX/SMEP fault it).
void execute_at(uint64_t address);

// One volatile 8-byte load from / store to `address` (to prove the MMU refuses it).
uint64_t load_at(uint64_t address);
void store_at(uint64_t address, uint64_t value);

// load_at inside a user-access window (to prove SMAP lets a user read through while AC = 1).
// The window stays in the arch layer: portable code cannot open one (kernel/arch/user_access.h).
uint64_t load_in_user_window(uint64_t address);

// Copies `bytes` (<= 8) bytes from `address` with the user-copy routine inside a window, without
// validation (to prove the F-019 fixup turns a fault on a user page into a failed copy).
bool user_copy_at(uint64_t address, uint64_t bytes);

// Points RSP into the boot stack's guard page and pushes: the #PF cannot be delivered on that
// stack, so the CPU raises #DF, which runs on its IST stack.
[[noreturn]] void trigger_double_fault();

// Pushes on the current stack until its guard page faults (#DF on the IST stack).
[[noreturn]] void overflow_stack();

// Raises the local APIC spurious vector and the 8259 IRQ7 / IRQ15 vectors by software, with
// their in-service bits clear: each must be counted as spurious and return.
void raise_spurious_interrupts();

// sti, then spins: the next interrupt arrives in the kernel outside the idle wait.
[[noreturn]] void spin_with_interrupts_enabled();

// PIT channel 2 as an independent interval (<= 50 ms) while the tick runs.
void start_reference_interval(uint64_t microseconds);
bool reference_interval_elapsed();

}  // namespace capos::kernel::x86_64

extern "C" {
// selftest_probes.S (see there for the masks).
uint64_t capos_switch_probe(capos::kernel::x86_64::ThreadContext* from,
                            capos::kernel::x86_64::ThreadContext* to, uint64_t seed);
uint64_t capos_initial_state_probe();
[[noreturn]] void capos_overflow_stack();
}
