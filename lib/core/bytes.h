// lib/core/bytes.h — byte-span views and bounds-checked little-endian loads and stores.
//
// Untrusted bytes (ELF files, manifests, ring messages) are only ever read through these
// helpers: every access is checked against the view's length first, and values are assembled
// byte by byte, so no unaligned or type-punned read happens.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>

#include "lib/core/checked.h"
#include "lib/core/result.h"

namespace capos {

using ByteView = std::span<const uint8_t>;
using MutableByteView = std::span<uint8_t>;

// The pointer reinterpretations lib/, kernel/ and user/ need outside the arch directories live
// here, in one audited place (tools/audit/unsafe_allowlist.txt), instead of at each call site.

// The same bytes seen as uint8_t. SAFETY: char and uint8_t are both byte types of size 1 that
// may alias any object; the view has the same start and length, so it covers only `chars`.
[[nodiscard]] inline ByteView bytes_of(std::span<const char> chars) {
  // SAFETY: see above; a (pointer, length) pair taken from one span describes that span.
  return {reinterpret_cast<const uint8_t*>(chars.data()), chars.size()};
}

// The same bytes seen as char (for text). SAFETY: as bytes_of.
[[nodiscard]] inline std::span<const char> chars_of(ByteView bytes) {
  // SAFETY: see bytes_of; a (pointer, length) pair taken from one span describes that span.
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// The numeric address of `pointer`, e.g. for an SQE field the kernel validates as a user
// address. SAFETY: pointer-to-integer conversion never dereferences anything; the integer is
// never turned back into a pointer by lib/ or user/ code.
[[nodiscard]] inline uint64_t address_of(const void* pointer) {
  // SAFETY: see above.
  return static_cast<uint64_t>(reinterpret_cast<uintptr_t>(pointer));
}

// Returns the sub-view [offset, offset + length) or OutOfRange. Never overflows.
[[nodiscard]] inline Result<ByteView> subview(ByteView bytes, uint64_t offset, uint64_t length) {
  if (!range_within(offset, length, bytes.size())) return Error::OutOfRange;
  return bytes.subspan(static_cast<size_t>(offset), static_cast<size_t>(length));
}

[[nodiscard]] inline Result<MutableByteView> subview(MutableByteView bytes, uint64_t offset,
                                                     uint64_t length) {
  if (!range_within(offset, length, bytes.size())) return Error::OutOfRange;
  return bytes.subspan(static_cast<size_t>(offset), static_cast<size_t>(length));
}

// Reads an unsigned little-endian integer of sizeof(T) bytes at `offset`.
template <std::unsigned_integral T>
[[nodiscard]] inline Result<T> load_le(ByteView bytes, uint64_t offset) {
  if (!range_within(offset, sizeof(T), bytes.size())) return Error::OutOfRange;
  T value = 0;
  for (size_t i = 0; i < sizeof(T); ++i) {
    value = static_cast<T>(value | static_cast<T>(static_cast<T>(bytes[offset + i]) << (8U * i)));
  }
  return value;
}

// Writes an unsigned little-endian integer of sizeof(T) bytes at `offset`.
template <std::unsigned_integral T>
[[nodiscard]] inline Result<void> store_le(MutableByteView bytes, uint64_t offset, T value) {
  if (!range_within(offset, sizeof(T), bytes.size())) return Error::OutOfRange;
  for (size_t i = 0; i < sizeof(T); ++i) {
    bytes[offset + i] = static_cast<uint8_t>(value >> (8U * i));
  }
  return {};
}

// A forward cursor over untrusted bytes: each read advances, and a failed read leaves the
// cursor where it was.
class ByteReader {
 public:
  constexpr explicit ByteReader(ByteView bytes) : m_bytes(bytes) {}

  template <std::unsigned_integral T>
  [[nodiscard]] Result<T> read_le() {
    const T value = TRY(load_le<T>(m_bytes, m_position));
    m_position += sizeof(T);
    return value;
  }

  [[nodiscard]] Result<ByteView> read_bytes(uint64_t length) {
    const ByteView view = TRY(subview(m_bytes, m_position, length));
    m_position += length;
    return view;
  }

  [[nodiscard]] Result<void> skip(uint64_t length) {
    if (!range_within(m_position, length, m_bytes.size())) return Error::OutOfRange;
    m_position += length;
    return {};
  }

  [[nodiscard]] constexpr uint64_t position() const { return m_position; }
  [[nodiscard]] constexpr uint64_t remaining() const { return m_bytes.size() - m_position; }

 private:
  ByteView m_bytes;
  uint64_t m_position = 0;  // Invariant: m_position <= m_bytes.size().
};

}  // namespace capos
