// kernel/lib/clock_math.h: calibration rates, the fixed-point cycles -> ns conversion (against an
// exact 128-bit reference), median and spread.
#include "kernel/lib/clock_math.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <array>
#include <cstdint>

namespace capos::kernel {
namespace {

TEST(ClockMath, CounterRate) {
  // 10 ms of PIT (11931 counts at 1 193 182 Hz) against a 2 GHz counter.
  EXPECT_EQ(counter_rate_hz(20'000'000, 11'932, 1'193'182), 1'999'969'829U);
  EXPECT_EQ(counter_rate_hz(625'000, 11'932, 1'193'182), 62'499'057U);
  EXPECT_EQ(counter_rate_hz(5, 0, 1'193'182), 0U);  // the reference did not move
  EXPECT_EQ(counter_rate_hz(5, 1, 0), 0U);
  EXPECT_EQ(counter_rate_hz(UINT64_MAX, 1, 2), 0U);  // would overflow: a failure, not a wrong rate
}

TEST(ClockMath, CyclesToNanoseconds) {
  EXPECT_EQ(cycles_to_ns(1'000'000'000, cycle_scale_for(1'000'000'000)), 1'000'000'000U);
  EXPECT_EQ(cycles_to_ns(2'000'000'000, cycle_scale_for(2'000'000'000)), 1'000'000'000U);
  EXPECT_EQ(cycles_to_ns(62'500, cycle_scale_for(62'500'000)), 1'000'000U);
  EXPECT_EQ(cycles_to_ns(0, cycle_scale_for(3'000'000'000)), 0U);
  // 3 GHz: the multiplier 1431655765 is 1/3 of a unit low, so 3e9 cycles give 1 ns less.
  EXPECT_EQ(cycles_to_ns(3'000'000'000, cycle_scale_for(3'000'000'000)), 999'999'999U);
  EXPECT_EQ(cycles_to_ns(UINT64_MAX, cycle_scale_for(1)), UINT64_MAX);  // saturates
}

// Within 1 ns + cycles * 2^-32 ns of the exact value (the header's error bound), never above it.
RC_GTEST_PROP(ClockMath, ConversionErrorIsBounded, ()) {
  const uint64_t hz = *rc::gen::inRange<uint64_t>(1'000'000, 10'000'000'000);
  const uint64_t cycles = *rc::gen::inRange<uint64_t>(0, uint64_t{1} << 50);
  const unsigned __int128 exact =
      static_cast<unsigned __int128>(cycles) * nanoseconds_per_second / hz;
  const uint64_t got = cycles_to_ns(cycles, cycle_scale_for(hz));
  RC_ASSERT(static_cast<unsigned __int128>(got) <= exact);
  RC_ASSERT(exact - got <= 1 + (static_cast<unsigned __int128>(cycles) >> 32));
}

TEST(ClockMath, MedianAndSpread) {
  std::array<uint64_t, 5> runs{1'000'100, 999'900, 1'000'000, 1'002'000, 1'000'050};
  const uint64_t median = median_in_place(runs);
  EXPECT_EQ(median, 1'000'050U);
  EXPECT_EQ(runs, (std::array<uint64_t, 5>{999'900, 1'000'000, 1'000'050, 1'000'100, 1'002'000}));
  EXPECT_EQ(spread_ppm(runs, median), 1949U);  // (1 002 000 - 1 000 050) / 1 000 050
  EXPECT_EQ(spread_ppm(runs, 0), 0U);
  std::array<uint64_t, 0> none{};
  EXPECT_EQ(median_in_place(none), 0U);
}

}  // namespace
}  // namespace capos::kernel
