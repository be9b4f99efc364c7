#include "kernel/arch/x86_64/timer.h"

#include <array>

#include "kernel/arch/x86_64/apic.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/pit.h"
#include "kernel/lib/clock_math.h"

namespace capos::kernel::x86_64 {

namespace {

constexpr uint32_t cpuid_tsc = uint32_t{1} << 4;            // CPUID.01H:EDX[4]
constexpr uint32_t cpuid_invariant_tsc = uint32_t{1} << 8;  // CPUID.80000007H:EDX[8]
constexpr uint32_t extended_leaf_power_management = 0x8000'0007;
constexpr uint32_t free_running_start = UINT32_MAX;
constexpr uint64_t max_polls = uint64_t{1} << 26;  // far beyond a 10 ms window; else no PIT

struct Run {
  uint64_t clock_hz = 0;
  uint64_t timer_hz = 0;
  uint64_t uncertainty_ppm = UINT64_MAX;  // of the window's length, from the brackets
};

constinit bool g_running = false;
constinit CycleScale g_scale{};
constinit uint64_t g_clock_base = 0;
constinit uint64_t g_last_ns = 0;

constexpr uint64_t midpoint(uint64_t low, uint64_t high) { return low + (high - low) / 2; }

// One PIT window (timer.h). The start lies between the TSC reads around starting the PIT (on
// hardware counting begins at the gate's rise, in QEMU at the count's write: both inside), the
// end between the TSC read before the last poll that saw OUT2 low and the one after the poll
// that saw it high. Both bracket widths count as uncertainty, so a run during which the
// emulator was descheduled — the emulated port reads then take milliseconds — is recognised and
// discarded instead of skewing the rate. A zero rate: the PIT never ended or a counter did not
// move.
Run measure_once(uint16_t pit_count) {
  apic_timer_start_free_running(free_running_start);
  const uint64_t start_low = read_tsc();
  pit_start_one_shot(pit_count);
  const uint32_t timer_start = apic_timer_current();
  const uint64_t start_high = read_tsc();
  if (pit_expired()) return {};  // OUT2 must be low while counting (no PIT answers high)
  uint64_t end_low = start_high;
  uint64_t polls = 0;
  for (;;) {
    const uint64_t before_poll = read_tsc();
    if (pit_expired()) break;
    end_low = before_poll;
    if (++polls == max_polls) return {};
  }
  const uint32_t timer_end = apic_timer_current();
  const uint64_t end_high = read_tsc();
  apic_timer_stop();
  const uint64_t start = midpoint(start_low, start_high);
  const uint64_t end = midpoint(end_low, end_high);
  if (timer_end >= timer_start || end <= start) return {};
  const uint64_t cycles = end - start;
  const uint64_t uncertainty = (start_high - start_low) + (end_high - end_low);
  constexpr uint64_t million = 1'000'000;
  Run run;
  run.clock_hz = counter_rate_hz(cycles, pit_count, pit_frequency_hz);
  // The timer counter against the TSC over the same brackets (its reads sit inside them).
  run.timer_hz = counter_rate_hz(timer_start - timer_end, cycles, run.clock_hz);
  run.uncertainty_ppm =
      uncertainty > UINT64_MAX / million ? UINT64_MAX : uncertainty * million / cycles;
  return run;
}

// Keeps the `calibration_runs` most certain runs in `best` (sorted, most certain first).
void keep_best(std::array<Run, calibration_runs>& best, const Run& run) {
  size_t at = best.size();
  while (at > 0 && run.uncertainty_ppm < best[at - 1].uncertainty_ppm) --at;
  if (at == best.size()) return;
  for (size_t i = best.size() - 1; i > at; --i) best[i] = best[i - 1];
  best[at] = run;
}

bool invariant_tsc() {
  if (cpuid(0x8000'0000, 0).eax < extended_leaf_power_management) return false;
  return (cpuid(extended_leaf_power_management, 0).edx & cpuid_invariant_tsc) != 0;
}

}  // namespace

Result<TimerCalibration, InterruptInitError> timer_init() {
  if ((cpuid(1, 0).edx & cpuid_tsc) == 0) return InterruptInitError::NoClockCounter;
  const uint16_t pit_count = pit_count_for(calibration_window_us);
  std::array<Run, calibration_runs> best{};
  uint32_t attempts = 0;
  uint32_t certain = 0;
  while (attempts < calibration_max_attempts && certain < calibration_runs) {
    ++attempts;
    const Run run = measure_once(pit_count);
    if (run.clock_hz == 0 || run.timer_hz < tick_hz) return InterruptInitError::CalibrationFailed;
    if (run.uncertainty_ppm <= calibration_accept_ppm) ++certain;
    keep_best(best, run);
  }
  std::array<uint64_t, calibration_runs> clock{};
  std::array<uint64_t, calibration_runs> timer{};
  uint64_t worst_ppm = 0;
  for (size_t i = 0; i < best.size(); ++i) {
    clock[i] = best[i].clock_hz;
    timer[i] = best[i].timer_hz;
    worst_ppm = best[i].uncertainty_ppm > worst_ppm ? best[i].uncertainty_ppm : worst_ppm;
  }
  const uint64_t clock_hz = median_in_place(clock);
  const uint64_t timer_hz = median_in_place(timer);
  const uint64_t period = timer_hz / tick_hz;
  if (period == 0 || period > UINT32_MAX) return InterruptInitError::CalibrationFailed;

  g_scale = cycle_scale_for(clock_hz);
  g_clock_base = read_tsc();
  g_last_ns = 0;
  apic_timer_start_periodic(static_cast<uint32_t>(period));
  g_running = true;
  return TimerCalibration{
      .tick_hz = tick_hz,
      .clock_hz = clock_hz,
      .timer_hz = timer_hz,
      .timer_period_count = period,
      .clock_spread_ppm = spread_ppm(clock, clock_hz),
      .timer_spread_ppm = spread_ppm(timer, timer_hz),
      .uncertainty_ppm = worst_ppm,
      .runs = calibration_runs,
      .attempts = attempts,
      .window_us = calibration_window_us,
      .invariant_clock = invariant_tsc(),
  };
}

bool timer_running() { return g_running; }

uint64_t monotonic_ns() {
  if (!g_running) return 0;
  const uint64_t counter = read_tsc();
  const uint64_t cycles = counter > g_clock_base ? counter - g_clock_base : 0;
  const uint64_t now = cycles_to_ns(cycles, g_scale);
  if (now > g_last_ns) g_last_ns = now;
  return g_last_ns;
}

}  // namespace capos::kernel::x86_64
