#include "lib/core/checked.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cstdint>
#include <limits>

namespace capos {
namespace {

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

TEST(Checked, AddReportsWrap) {
  EXPECT_EQ(*checked_add<uint64_t>(1, 2), 3U);
  EXPECT_EQ(*checked_add<uint64_t>(kMax - 1, 1), kMax);
  EXPECT_EQ(checked_add<uint64_t>(kMax, 1).error(), Error::Overflow);
  EXPECT_EQ(checked_add<int32_t>(INT32_MAX, 1).error(), Error::Overflow);
  EXPECT_EQ(checked_add<int32_t>(INT32_MIN, -1).error(), Error::Overflow);
  EXPECT_EQ(*checked_add<int32_t>(-5, 3), -2);
}

TEST(Checked, SubReportsWrap) {
  EXPECT_EQ(*checked_sub<uint32_t>(5, 5), 0U);
  EXPECT_EQ(checked_sub<uint32_t>(0, 1).error(), Error::Overflow);
  EXPECT_EQ(checked_sub<int64_t>(INT64_MIN, 1).error(), Error::Overflow);
}

TEST(Checked, MulReportsWrap) {
  EXPECT_EQ(*checked_mul<uint64_t>(1ULL << 32, (1ULL << 31)), 1ULL << 63);
  EXPECT_EQ(checked_mul<uint64_t>(1ULL << 32, 1ULL << 32).error(), Error::Overflow);
  EXPECT_EQ(*checked_mul<uint16_t>(0, 0xFFFF), 0U);
  EXPECT_EQ(checked_mul<int8_t>(-128, -1).error(), Error::Overflow);
}

TEST(Checked, CastRejectsValuesThatDoNotFit) {
  EXPECT_EQ(*checked_cast<uint8_t>(255), 255U);
  EXPECT_EQ(checked_cast<uint8_t>(256).error(), Error::Overflow);
  EXPECT_EQ(checked_cast<uint32_t>(-1).error(), Error::Overflow);
  EXPECT_EQ(checked_cast<int32_t>(kMax).error(), Error::Overflow);
  EXPECT_EQ(*checked_cast<int64_t>(uint64_t{42}), 42);
}

TEST(Range, WithinHandlesEdgesAndHugeValues) {
  EXPECT_TRUE(range_within(0, 0, 0));
  EXPECT_TRUE(range_within(10, 0, 10));
  EXPECT_FALSE(range_within(11, 0, 10));
  EXPECT_TRUE(range_within(2, 8, 10));
  EXPECT_FALSE(range_within(2, 9, 10));
  EXPECT_FALSE(range_within(1, kMax, 10));    // offset + length wraps
  EXPECT_FALSE(range_within(kMax, 2, kMax));  // would wrap to 1
  EXPECT_TRUE(range_within(kMax, 0, kMax));
}

TEST(Range, OverlapIsSymmetricAndHalfOpen) {
  EXPECT_TRUE(ranges_overlap(0, 10, 9, 1));
  EXPECT_FALSE(ranges_overlap(0, 10, 10, 1));
  EXPECT_FALSE(ranges_overlap(10, 1, 0, 10));
  EXPECT_FALSE(ranges_overlap(0, 0, 0, 10));           // empty ranges overlap nothing
  EXPECT_TRUE(ranges_overlap(kMax - 1, 10, kMax, 1));  // saturates instead of wrapping
  EXPECT_FALSE(ranges_overlap(kMax - 1, 10, 0, 5));
}

TEST(Align, PowerOfTwoOnly) {
  EXPECT_TRUE(is_power_of_two(1));
  EXPECT_TRUE(is_power_of_two(1ULL << 63));
  EXPECT_FALSE(is_power_of_two(0));
  EXPECT_FALSE(is_power_of_two(12));
  EXPECT_EQ(is_aligned(8, 3).error(), Error::InvalidArgument);
  EXPECT_EQ(align_up(8, 0).error(), Error::InvalidArgument);
  EXPECT_EQ(align_down(8, 6).error(), Error::InvalidArgument);
}

TEST(Align, UpAndDown) {
  EXPECT_TRUE(*is_aligned(0x2000, 0x1000));
  EXPECT_FALSE(*is_aligned(0x2001, 0x1000));
  EXPECT_EQ(*align_down(0x2fff, 0x1000), 0x2000U);
  EXPECT_EQ(*align_up(0x2001, 0x1000), 0x3000U);
  EXPECT_EQ(*align_up(0x3000, 0x1000), 0x3000U);
  EXPECT_EQ(align_up(kMax - 10, 0x1000).error(), Error::Overflow);
}

// Properties: the checked operations agree with 128-bit arithmetic on every input.
RC_GTEST_PROP(CheckedProperties, AddMatchesWideArithmetic, (uint64_t a, uint64_t b)) {
  const unsigned __int128 wide = static_cast<unsigned __int128>(a) + b;
  const Result<uint64_t> r = checked_add(a, b);
  RC_ASSERT(r.has_value() == (wide <= kMax));
  if (r.has_value()) RC_ASSERT(*r == static_cast<uint64_t>(wide));
}

RC_GTEST_PROP(CheckedProperties, MulMatchesWideArithmetic, (uint64_t a, uint64_t b)) {
  const unsigned __int128 wide = static_cast<unsigned __int128>(a) * b;
  const Result<uint64_t> r = checked_mul(a, b);
  RC_ASSERT(r.has_value() == (wide <= kMax));
  if (r.has_value()) RC_ASSERT(*r == static_cast<uint64_t>(wide));
}

RC_GTEST_PROP(CheckedProperties, RangeWithinMatchesWideArithmetic,
              (uint64_t offset, uint64_t length, uint64_t total)) {
  const unsigned __int128 end = static_cast<unsigned __int128>(offset) + length;
  RC_ASSERT(range_within(offset, length, total) == (end <= total));
}

RC_GTEST_PROP(CheckedProperties, OverlapMatchesWideArithmetic,
              (uint64_t a, uint64_t a_length, uint64_t b, uint64_t b_length)) {
  using Wide = unsigned __int128;
  const Wide a_end = static_cast<Wide>(a) + a_length;  // exclusive, no wrap in 128 bits
  const Wide b_end = static_cast<Wide>(b) + b_length;
  const bool expected = a_length != 0 && b_length != 0 && static_cast<Wide>(a) < b_end &&
                        static_cast<Wide>(b) < a_end;
  RC_ASSERT(ranges_overlap(a, a_length, b, b_length) == expected);
  RC_ASSERT(ranges_overlap(b, b_length, a, a_length) == expected);
}

RC_GTEST_PROP(CheckedProperties, AlignUpIsSmallestAlignedNotBelow,
              (uint64_t value, uint8_t shift)) {
  const uint64_t alignment = 1ULL << (shift % 64);
  const Result<uint64_t> up = align_up(value, alignment);
  const unsigned __int128 wide =
      (static_cast<unsigned __int128>(value) + alignment - 1) / alignment * alignment;
  RC_ASSERT(up.has_value() == (wide <= kMax));
  if (up.has_value()) {
    RC_ASSERT(*up == static_cast<uint64_t>(wide));
    RC_ASSERT(*up >= value);
    RC_ASSERT(*up - value < alignment);
  }
  const uint64_t down = *align_down(value, alignment);
  RC_ASSERT(down <= value);
  RC_ASSERT(value - down < alignment);
  RC_ASSERT(*is_aligned(down, alignment));
}

}  // namespace
}  // namespace capos
