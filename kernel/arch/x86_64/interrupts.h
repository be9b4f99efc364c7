// kernel/arch/x86_64/interrupts.h — hardware interrupt vectors and their dispatch
// (docs/design.md "Interrupts, time and context switch").
//
// Vectors: 0x20-0x2f the 8259s (every line masked; 0x27/0x2f may be spurious), 0x30 the local
// APIC timer (the tick), 0xfe the local APIC error, 0xff the local APIC spurious vector. All
// other vectors above 31 stay not present (delivery would #GP and be reported). Every gate is
// an interrupt gate (IF cleared on entry) with DPL 0: `int $0x30` from user mode is a #GP that
// kills the process, never a forged tick.
//
// Preemption model, enforced here: the kernel runs with interrupts disabled and is never
// preempted; an interrupt is taken only from user mode (CPL 3) or inside the idle wait
// (capos_wait_for_interrupt). An interrupt taken at CPL 0 anywhere else means the kernel ran
// with IF = 1 — a kernel bug — and panics, rather than letting a handler run over a
// half-updated invariant (seed §2 "hostile interrupts / preemption").
#pragma once

#include <cstdint>

#include "kernel/arch/arch.h"
#include "kernel/arch/x86_64/exceptions.h"

namespace capos::kernel::x86_64 {

// Installs the interrupt gates (interrupt_entry.S's stubs) into the loaded IDT.
void interrupts_install();

InterruptStatistics interrupt_statistics();

// Self-test hooks (kernel/selftest/ only).
void intercept_timer_ticks(void (*hook)());
// Raises vector `vector` with `int` from CPL 0 and lets the dispatcher accept that one software
// interrupt outside the idle wait.
void raise_software_interrupt(uint8_t vector);

}  // namespace capos::kernel::x86_64

// Called by interrupt_entry.S with interrupts disabled, on the interrupted thread's kernel stack.
extern "C" void capos_interrupt_dispatch(capos::kernel::x86_64::ExceptionFrame* frame);
