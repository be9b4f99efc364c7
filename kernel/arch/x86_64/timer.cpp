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

struct RunRates {
  uint64_t clock_hz;
  uint64_t timer_hz;
};

constinit bool g_running = false;
constinit CycleScale g_scale{};
constinit uint64_t g_clock_base = 0;
constinit uint64_t g_last_ns = 0;

// One PIT window; nullopt-like zero rates when the PIT never ended or a counter did not move.
RunRates measure_once(uint16_t pit_count) {
  apic_timer_start_free_running(free_running_start);
  pit_start_one_shot(pit_count);
  if (pit_expired()) return {};  // OUT2 must be low while counting (no PIT answers high)
  const uint64_t clock_start = read_tsc();
  const uint32_t timer_start = apic_timer_current();
  uint64_t polls = 0;
  while (!pit_expired()) {
    if (++polls == max_polls) return {};
  }
  const uint64_t clock_end = read_tsc();
  const uint32_t timer_end = apic_timer_current();
  apic_timer_stop();
  if (timer_end >= timer_start || clock_end <= clock_start) return {};
  return {counter_rate_hz(clock_end - clock_start, pit_count, pit_frequency_hz),
          counter_rate_hz(timer_start - timer_end, pit_count, pit_frequency_hz)};
}

bool invariant_tsc() {
  if (cpuid(0x8000'0000, 0).eax < extended_leaf_power_management) return false;
  return (cpuid(extended_leaf_power_management, 0).edx & cpuid_invariant_tsc) != 0;
}

}  // namespace

Result<TimerCalibration, InterruptInitError> timer_init() {
  if ((cpuid(1, 0).edx & cpuid_tsc) == 0) return InterruptInitError::NoClockCounter;
  const uint16_t pit_count = pit_count_for(calibration_window_us);
  std::array<uint64_t, calibration_runs> clock{};
  std::array<uint64_t, calibration_runs> timer{};
  for (uint32_t run = 0; run < calibration_runs; ++run) {
    const RunRates rates = measure_once(pit_count);
    if (rates.clock_hz == 0 || rates.timer_hz < tick_hz) {
      return InterruptInitError::CalibrationFailed;
    }
    clock[run] = rates.clock_hz;
    timer[run] = rates.timer_hz;
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
      .runs = calibration_runs,
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
