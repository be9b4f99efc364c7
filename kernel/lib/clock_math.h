// kernel/lib/clock_math.h — the arithmetic of clock calibration and conversion, portable and
// host-tested (tests/kernel/lib/clock_math_test.cpp) so the architecture's timer code only
// reads counters (docs/design.md "Interrupts, time and context switch").
//
//   rate:   a counter that advanced `counts` while the reference advanced `reference_counts`
//           at `reference_hz` runs at counts * reference_hz / reference_counts Hz;
//   to ns:  ns = (cycles * multiplier) >> 32 with multiplier = floor(10^9 * 2^32 / hz), exact to
//           within 1 ns + cycles * 2^-32 ns of the true value for any hz >= 1, without division
//           on the hot path and without overflow (the product is 128 bits wide);
//   spread: the largest |x - median| over a set of runs, in parts per million of the median.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace capos::kernel {

inline constexpr uint64_t nanoseconds_per_second = 1'000'000'000;

// 0 when the reference did not move or the product would overflow 64 bits (a calibration
// failure the caller reports, never a wrong rate).
constexpr uint64_t counter_rate_hz(uint64_t counts, uint64_t reference_counts,
                                   uint64_t reference_hz) {
  if (reference_counts == 0 || reference_hz == 0) return 0;
  if (counts > UINT64_MAX / reference_hz) return 0;
  return counts * reference_hz / reference_counts;
}

struct CycleScale {
  uint64_t multiplier;  // ns per cycle, as a 32.32 fixed-point number
};

// Precondition: hz >= 1. 10^9 * 2^32 < 2^63, so the dividend fits.
constexpr CycleScale cycle_scale_for(uint64_t hz) {
  return CycleScale{(nanoseconds_per_second << 32) / (hz == 0 ? 1 : hz)};
}

constexpr uint64_t cycles_to_ns(uint64_t cycles, CycleScale scale) {
  const unsigned __int128 product = static_cast<unsigned __int128>(cycles) * scale.multiplier;
  const unsigned __int128 nanoseconds = product >> 32;
  return nanoseconds > UINT64_MAX ? UINT64_MAX : static_cast<uint64_t>(nanoseconds);
}

// Sorts `values` in place (insertion sort: a handful of calibration runs) and returns the
// middle element (the upper one of the two middles for an even count); 0 for no values.
constexpr uint64_t median_in_place(std::span<uint64_t> values) {
  for (size_t i = 1; i < values.size(); ++i) {
    const uint64_t value = values[i];
    size_t j = i;
    for (; j > 0 && values[j - 1] > value; --j) values[j] = values[j - 1];
    values[j] = value;
  }
  return values.empty() ? 0 : values[values.size() / 2];
}

// max |value - median| * 10^6 / median; 0 when median is 0.
constexpr uint64_t spread_ppm(std::span<const uint64_t> values, uint64_t median) {
  if (median == 0) return 0;
  uint64_t largest = 0;
  for (const uint64_t value : values) {
    const uint64_t deviation = value > median ? value - median : median - value;
    if (deviation > largest) largest = deviation;
  }
  constexpr uint64_t million = 1'000'000;
  if (largest > UINT64_MAX / million) return UINT64_MAX;
  return largest * million / median;
}

}  // namespace capos::kernel
