// kernel/selftest/thread_selftests.h — self-tests of the interrupt, time and context-switch
// mechanisms (docs/design.md "Interrupts, time and context switch"), run before any process
// exists. Each ends the boot: PASS only when every check held, FAIL with the failed check named;
// the benchmark prints numbers and always passes (benchmarks never assert timings).
#pragma once

namespace capos::kernel {

[[noreturn]] void self_test_timer();        // tick rate against a PIT interval
[[noreturn]] void self_test_spurious();     // spurious vectors counted, not acknowledged
[[noreturn]] void self_test_switch();       // 1000 switches between two kernel threads
[[noreturn]] void self_test_irq_switch();   // switching inside the tick, from the idle wait
[[noreturn]] void self_test_stack_guard();  // a pool stack overflowing hits its guard (#DF)
[[noreturn]] void bench_switch();           // cycles per switch, median of 1000 round trips

}  // namespace capos::kernel
