// kernel/arch/x86_64/timer.h — the periodic tick (local APIC timer) and the monotonic clock
// (TSC), both calibrated against the PIT (docs/design.md "Interrupts, time and context switch").
//
// Calibration: windows of `calibration_window_us`, timed by PIT channel 2 in mode 0 (pit.h).
// In each, the TSC brackets the window's start (reads before and after starting the PIT, with
// the free-running LAPIC timer counter read in between) and its end (the read before the last
// poll that saw OUT2 low, the read after the poll that saw it high, the counter in between);
// the midpoints give the window in TSC cycles, the bracket widths its uncertainty. A window is
// `certain` when that uncertainty is <= calibration_accept_ppm; windows are measured until
// `calibration_runs` certain ones were seen (at most calibration_max_attempts), and the median
// of the `calibration_runs` most certain ones is used (clock_math.h), their largest deviation
// from it and their worst uncertainty reported. On hardware a bracket is a port access (~1 us)
// plus up to one PIT input clock (838 ns), ~200 ppm of 10 ms; under TCG the emulated port reads
// are slower and, on a loaded host, can be descheduled for milliseconds — such windows are the
// uncertain ones and are dropped rather than averaged in. A 1 kHz tick from a 62.5 MHz timer
// (QEMU's 1 GHz bus / 16) reloads 62 500: the rounding is < 16 ns per tick.
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
inline constexpr uint32_t calibration_max_attempts = 40;  // 0.4 s at worst
inline constexpr uint64_t calibration_accept_ppm = 1000;  // bracket widths / window

// After apic_init: calibrates, then starts the periodic tick (its vector must be installed
// first; interrupts stay disabled in the kernel).
Result<TimerCalibration, InterruptInitError> timer_init();

[[nodiscard]] bool timer_running();
[[nodiscard]] uint64_t monotonic_ns();

}  // namespace capos::kernel::x86_64
