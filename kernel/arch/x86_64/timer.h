// kernel/arch/x86_64/timer.h — the periodic tick (local APIC timer) and the monotonic clock
// (TSC), both calibrated against the PIT (docs/design.md "Interrupts, time and context switch").
//
// Calibration: `calibration_runs` windows of `calibration_window_us` each, timed by PIT channel
// 2 in mode 0 (pit.h); in each, the TSC and the free-running LAPIC timer counter are read when
// the gate rises and again when OUT2 is seen high. Each run gives a rate for both counters
// (clock_math.h counter_rate_hz); the median of the runs is used and the largest deviation
// from it is reported. Error of one run: the PIT starts counting up to one input clock (838 ns)
// after the gate rises, and OUT2 is seen one port read after it rises, so the window is known
// to about +-2 us of 10 ms (~200 ppm) on hardware; under TCG the emulated port reads add host
// jitter, which the reported spread shows. A 1 kHz tick from a 62.5 MHz timer (QEMU's 1 GHz
// bus / 16) reloads 62 500: the rounding is < 16 ns per tick.
//
// monotonic_ns() = TSC cycles since calibration, scaled by cycle_scale_for(clock_hz), clamped
// never to decrease (single CPU; the clamp only guards against a counter that steps back).
#pragma once

#include <cstdint>

#include "kernel/arch/arch.h"

namespace capos::kernel::x86_64 {

inline constexpr uint64_t tick_hz = 1000;
inline constexpr uint32_t calibration_runs = 5;
inline constexpr uint32_t calibration_window_us = 10'000;

// After apic_init: calibrates, then starts the periodic tick (its vector must be installed
// first; interrupts stay disabled in the kernel).
Result<TimerCalibration, InterruptInitError> timer_init();

[[nodiscard]] bool timer_running();
[[nodiscard]] uint64_t monotonic_ns();

}  // namespace capos::kernel::x86_64
