// lib/core/format.h: every digit the kernel log, the user runtime and the manifest diagnostics
// print. Edge values by hand, then RapidCheck against the host's snprintf for every radix,
// sign and padding.
#include "lib/core/format.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>

namespace capos {
namespace {

std::string unsigned_text(uint64_t value, Radix radix = Radix::Decimal, size_t min_digits = 1) {
  std::string out;
  write_unsigned([&out](char c) { out += c; }, value, radix, min_digits);
  return out;
}

std::string signed_text(int64_t value) {
  std::string out;
  write_signed([&out](char c) { out += c; }, value);
  return out;
}

std::string hex_text(uint64_t value, size_t min_digits = 1) {
  std::string out;
  write_hex([&out](char c) { out += c; }, value, min_digits);
  return out;
}

TEST(Format, WritesEdgeValues) {
  EXPECT_EQ(unsigned_text(0), "0");
  EXPECT_EQ(unsigned_text(9), "9");
  EXPECT_EQ(unsigned_text(10), "10");
  EXPECT_EQ(unsigned_text(std::numeric_limits<uint64_t>::max()), "18446744073709551615");
  EXPECT_EQ(signed_text(0), "0");
  EXPECT_EQ(signed_text(-1), "-1");
  EXPECT_EQ(signed_text(std::numeric_limits<int64_t>::min()), "-9223372036854775808");
  EXPECT_EQ(signed_text(std::numeric_limits<int64_t>::max()), "9223372036854775807");
  EXPECT_EQ(hex_text(0), "0x0");
  EXPECT_EQ(hex_text(0xa62dd1241b402f79), "0xa62dd1241b402f79");
  EXPECT_EQ(hex_text(std::numeric_limits<uint64_t>::max()), "0xffffffffffffffff");
}

TEST(Format, PadsToTheMinimumDigitsAndNoFurther) {
  EXPECT_EQ(hex_text(0x7, 2), "0x07");
  EXPECT_EQ(hex_text(0x1b, 2), "0x1b");
  EXPECT_EQ(hex_text(0x123, 2), "0x123");
  EXPECT_EQ(unsigned_text(0, Radix::Decimal, 0), "0");
  EXPECT_EQ(unsigned_text(42, Radix::Decimal, 5), "00042");
  // Padding is capped at MAX_DIGITS.
  EXPECT_EQ(unsigned_text(1, Radix::Decimal, 100), std::string(MAX_DIGITS - 1, '0') + "1");
}

// A compile-time use: the formatter is constexpr and needs nothing from the host.
constexpr size_t digits_of(uint64_t value) {
  size_t count = 0;
  write_unsigned([&count](char) { ++count; }, value);
  return count;
}
static_assert(digits_of(0) == 1 && digits_of(99) == 2 && digits_of(UINT64_MAX) == MAX_DIGITS);

std::string printf_text(const char* format, auto... values) {
  char buffer[64];
  (void)std::snprintf(buffer, sizeof(buffer), format, values...);
  return buffer;
}

RC_GTEST_PROP(Format, UnsignedMatchesSnprintf, (uint64_t value, uint8_t pad)) {
  const size_t width = pad % (MAX_DIGITS + 1);
  RC_ASSERT(unsigned_text(value) == printf_text("%" PRIu64, value));
  RC_ASSERT(unsigned_text(value, Radix::Decimal, width) ==
            printf_text("%0*" PRIu64, static_cast<int>(width), value));
  RC_ASSERT(unsigned_text(value, Radix::Hex, width) ==
            printf_text("%0*" PRIx64, static_cast<int>(width), value));
  RC_ASSERT(hex_text(value) == printf_text("0x%" PRIx64, value));
}

RC_GTEST_PROP(Format, SignedMatchesSnprintf, (int64_t value)) {
  RC_ASSERT(signed_text(value) == printf_text("%" PRId64, value));
}

}  // namespace
}  // namespace capos
