// kernel/proc/tick.cpp — the portable side of the periodic tick (kernel/arch/arch.h
// handle_timer_tick), before the scheduler exists.
//
// Until then there is one thread in user mode and nothing to switch to, so a tick changes
// nothing: the interrupted thread continues where it was (the architecture counts ticks for
// diagnostics: Arch::interrupt_statistics). The scheduler replaces this file: on a tick it
// charges the running thread's slice, wakes sleepers whose deadline (Arch::monotonic_ns) passed,
// and, when the interrupted thread was in user mode and its slice is spent, calls
// Arch::switch_context to the next runnable thread (docs/design.md "Interrupts, time and
// context switch": the preemption model).
#include "kernel/arch/arch.h"

namespace capos::kernel {

void handle_timer_tick(const TimerTick& tick) { static_cast<void>(tick); }

}  // namespace capos::kernel
