// lib/core/format.h — integers as text for freestanding writers, without printf or a heap.
//
// The one digit formatter of capOS: the kernel log (kernel/lib/log.cpp), the user runtime's
// lines (user/rt/text.cpp) and the manifest diagnostics (lib/manifest/diagnostic.cpp) all write
// their numbers with it, so the host tests of this header (tests/lib/core/format_test.cpp,
// against snprintf) cover every one of them.
//
// A writer is any callable taking one char (`put(c)`), called through a const reference (e.g. a
// lambda capturing its target by reference); nothing here buffers, allocates or fails.
#pragma once

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>

namespace capos {

enum class Radix : uint8_t { Decimal = 10, Hex = 16 };

// The most digits a 64-bit value has in any Radix (2^64 - 1 in decimal).
inline constexpr size_t MAX_DIGITS = 20;

// Writes `value` in `radix` (lowercase hex digits, no prefix), most significant digit first, with
// leading zeros up to `min_digits` digits (at most MAX_DIGITS; 0 is written as "0" unless padded).
template <typename Put>
  requires std::invocable<const Put&, char>
constexpr void write_unsigned(const Put& put, uint64_t value, Radix radix = Radix::Decimal,
                              size_t min_digits = 1) {
  const auto base = static_cast<uint64_t>(radix);
  std::array<char, MAX_DIGITS> digits{};
  size_t count = 0;
  do {
    const uint64_t digit = value % base;
    digits[count++] = static_cast<char>(digit < 10 ? '0' + digit : 'a' + (digit - 10));
    value /= base;
  } while (value != 0);
  // Invariant: count <= MAX_DIGITS (base >= 10 divides a 64-bit value at most 20 times).
  const size_t width = min_digits < MAX_DIGITS ? min_digits : MAX_DIGITS;
  for (size_t pad = count; pad < width; ++pad) put('0');
  while (count > 0) put(digits[--count]);
}

// Writes `value` in decimal, with a leading '-' when negative (INT64_MIN included).
template <typename Put>
  requires std::invocable<const Put&, char>
constexpr void write_signed(const Put& put, int64_t value) {
  if (value < 0) {
    put('-');
    // Two's complement negation in unsigned arithmetic: exact for INT64_MIN too.
    write_unsigned(put, uint64_t{0} - static_cast<uint64_t>(value));
    return;
  }
  write_unsigned(put, static_cast<uint64_t>(value));
}

// Writes "0x" and `value` in hex with at least `min_digits` digits ("0x0", "0x2a", "0x0f").
template <typename Put>
  requires std::invocable<const Put&, char>
constexpr void write_hex(const Put& put, uint64_t value, size_t min_digits = 1) {
  put('0');
  put('x');
  write_unsigned(put, value, Radix::Hex, min_digits);
}

}  // namespace capos
