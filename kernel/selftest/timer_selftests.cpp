// kernel/selftest/timer_selftests.cpp — the tick and the spurious vectors (thread_selftests.h).
#include <cstdint>

#include "kernel/arch/current.h"
#include "kernel/lib/log.h"
#include "kernel/selftest/thread_selftests.h"

namespace capos::kernel {

namespace {

constexpr uint64_t reference_us = 50'000;  // the longest PIT one-shot (~54.9 ms) rounded down
constexpr uint64_t max_waits = 10'000;     // ticks a 50 ms interval could ever need, and more
constexpr uint64_t us_per_second = 1'000'000;
constexpr uint64_t ns_per_us = 1'000;

[[noreturn]] void finish(bool ok, const char* name) {
  log::info("selftest {}: {}", name, ok ? "ok" : "FAILED");
  Arch::exit_emulator(ok ? ExitStatus::Pass : ExitStatus::Fail);
}

// A generous band: the tick must be there at roughly the calibrated rate, not a timing claim
// (under TCG a loaded host delays guest timers).
bool within_half_to_double(uint64_t measured, uint64_t expected) {
  return measured * 2 >= expected && measured <= expected * 2;
}

}  // namespace

void self_test_timer() {
  log::info("selftest timer: counting ticks over a {} us PIT interval (idle wait, sti; hlt)",
            reference_us);
  const InterruptStatistics before = Arch::interrupt_statistics();
  const uint64_t start_ns = Arch::monotonic_ns();
  uint64_t previous_ns = start_ns;
  bool monotonic = true;
  uint64_t waits = 0;
  Arch::start_reference_interval(reference_us);
  while (!Arch::reference_interval_elapsed() && waits < max_waits) {
    Arch::wait_for_interrupt();
    ++waits;
    const uint64_t now = Arch::monotonic_ns();
    monotonic = monotonic && now >= previous_ns;
    previous_ns = now;
  }
  const uint64_t elapsed_ns = Arch::monotonic_ns() - start_ns;
  const InterruptStatistics after = Arch::interrupt_statistics();
  const uint64_t ticks = after.timer_ticks - before.timer_ticks;
  const uint64_t by_pit = ticks * us_per_second / reference_us;
  const uint64_t elapsed_us = elapsed_ns / ns_per_us;
  const uint64_t by_clock = elapsed_us == 0 ? 0 : ticks * us_per_second / elapsed_us;
  log::info(
      "selftest timer: {} ticks in the PIT interval: {} Hz by the PIT, {} Hz by the "
      "monotonic clock ({} us elapsed); calibrated {} Hz",
      ticks, by_pit, by_clock, elapsed_us, Arch::tick_hz);
  const bool pit_ok = within_half_to_double(by_pit, Arch::tick_hz);
  const bool clock_ok = within_half_to_double(elapsed_us, reference_us);
  if (!pit_ok) log::info("selftest timer: the tick rate is off by more than 2x");
  if (!clock_ok) log::info("selftest timer: the monotonic clock disagrees with the PIT by > 2x");
  if (!monotonic) log::info("selftest timer: the monotonic clock went backwards");
  if (after.ticks_from_user != before.ticks_from_user) {
    log::info("selftest timer: a tick claims to have interrupted user mode");
  }
  finish(pit_ok && clock_ok && monotonic && waits < max_waits &&
             after.ticks_from_user == before.ticks_from_user,
         "timer");
}

void self_test_spurious() {
  constexpr uint64_t ticks_after = 5;
  const InterruptStatistics before = Arch::interrupt_statistics();
  log::info("selftest spurious: raising the local APIC spurious vector and 8259 IRQ7, IRQ15");
  Arch::raise_spurious_interrupts();
  const InterruptStatistics raised = Arch::interrupt_statistics();
  const uint64_t local = raised.spurious_local - before.spurious_local;
  const uint64_t legacy = raised.spurious_legacy - before.spurious_legacy;
  const uint64_t unexpected = raised.unexpected - before.unexpected;
  log::info("selftest spurious: counted {} local APIC, {} 8259 spurious, {} unexpected", local,
            legacy, unexpected);
  // A spurious interrupt acknowledged as a real one would leave the controllers confused; the
  // tick must still arrive afterwards.
  for (uint64_t i = 0; i < ticks_after; ++i) Arch::wait_for_interrupt();
  const uint64_t ticks = Arch::interrupt_statistics().timer_ticks - raised.timer_ticks;
  log::info("selftest spurious: {} ticks after them", ticks);
  finish(local == 1 && legacy == 2 && unexpected == 0 && ticks >= ticks_after, "spurious");
}

}  // namespace capos::kernel
