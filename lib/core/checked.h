// lib/core/checked.h — integer arithmetic that reports wrap-around instead of performing it,
// and the range predicates every bounds check in capOS is written with.
//
// All functions are total: for every input they return a value or Error::Overflow /
// Error::OutOfRange; none of them has undefined behaviour.
#pragma once

#include <concepts>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "lib/core/result.h"

namespace capos {

template <std::integral T>
[[nodiscard]] inline Result<T> checked_add(T a, T b) {
  T sum{};
  // SAFETY: __builtin_add_overflow is defined for every integral input; it never traps.
  if (__builtin_add_overflow(a, b, &sum)) return Error::Overflow;
  return sum;
}

template <std::integral T>
[[nodiscard]] inline Result<T> checked_sub(T a, T b) {
  T difference{};
  // SAFETY: __builtin_sub_overflow is defined for every integral input; it never traps.
  if (__builtin_sub_overflow(a, b, &difference)) return Error::Overflow;
  return difference;
}

template <std::integral T>
[[nodiscard]] inline Result<T> checked_mul(T a, T b) {
  T product{};
  // SAFETY: __builtin_mul_overflow is defined for every integral input; it never traps.
  if (__builtin_mul_overflow(a, b, &product)) return Error::Overflow;
  return product;
}

// Converts between integer types, failing when the value does not fit the destination.
template <std::integral To, std::integral From>
[[nodiscard]] inline Result<To> checked_cast(From value) {
  if (!std::in_range<To>(value)) return Error::Overflow;
  return static_cast<To>(value);
}

// True iff [offset, offset + length) lies inside [0, total). Never overflows.
[[nodiscard]] constexpr bool range_within(uint64_t offset, uint64_t length, uint64_t total) {
  return offset <= total && length <= total - offset;
}

// True iff the half-open ranges [a, a + a_length) and [b, b + b_length) share a byte.
// Precondition-free: ranges that would wrap are treated as extending to 2^64.
[[nodiscard]] constexpr bool ranges_overlap(uint64_t a, uint64_t a_length, uint64_t b,
                                            uint64_t b_length) {
  if (a_length == 0 || b_length == 0) return false;
  const uint64_t a_last = a_length - 1 > std::numeric_limits<uint64_t>::max() - a
                              ? std::numeric_limits<uint64_t>::max()
                              : a + (a_length - 1);
  const uint64_t b_last = b_length - 1 > std::numeric_limits<uint64_t>::max() - b
                              ? std::numeric_limits<uint64_t>::max()
                              : b + (b_length - 1);
  return a <= b_last && b <= a_last;
}

// Power-of-two alignment helpers. `alignment` must be a power of two (else InvalidArgument).
[[nodiscard]] constexpr bool is_power_of_two(uint64_t value) {
  return value != 0 && (value & (value - 1)) == 0;
}

[[nodiscard]] inline Result<bool> is_aligned(uint64_t value, uint64_t alignment) {
  if (!is_power_of_two(alignment)) return Error::InvalidArgument;
  return (value & (alignment - 1)) == 0;
}

[[nodiscard]] inline Result<uint64_t> align_down(uint64_t value, uint64_t alignment) {
  if (!is_power_of_two(alignment)) return Error::InvalidArgument;
  return value & ~(alignment - 1);
}

[[nodiscard]] inline Result<uint64_t> align_up(uint64_t value, uint64_t alignment) {
  if (!is_power_of_two(alignment)) return Error::InvalidArgument;
  const uint64_t bumped = TRY(checked_add<uint64_t>(value, alignment - 1));
  return bumped & ~(alignment - 1);
}

}  // namespace capos
