// lib/capnp/wire.h — the Cap'n Proto wire encoding: pointer words, element sizes, limits.
//
// Pure constexpr bit manipulation on 64-bit pointer words (already loaded little-endian); no
// memory is touched here. Layout (capnproto.org/encoding.html): bits 0-1 are the kind; struct
// and list pointers carry a signed 30-bit word offset in bits 2-31 relative to the word after
// the pointer; far pointers carry a landing-pad flag (bit 2), a 29-bit pad offset (bits 3-31)
// and a segment id (bits 32-63); OTHER pointers with lower half exactly 3 are capabilities.
#pragma once

#include <cstdint>

namespace capos::capnp {

inline constexpr uint64_t BYTES_PER_WORD = 8;
inline constexpr uint64_t BITS_PER_WORD = 64;
// List element counts and inline-composite word counts are 29-bit fields.
inline constexpr uint32_t MAX_LIST_ELEMENTS = (1U << 29) - 1;
// Far-pointer pad offsets are 29-bit word offsets, so the builder uses at most this many words
// of each segment buffer.
inline constexpr uint32_t MAX_SEGMENT_WORDS = (1U << 29) - 1;

// Values are the 3-bit wire encoding of a list pointer's element size.
enum class ElementSize : uint8_t {
  Void = 0,
  Bit = 1,
  Byte = 2,
  TwoBytes = 3,
  FourBytes = 4,
  EightBytes = 5,
  Pointer = 6,
  InlineComposite = 7,
};

enum class PointerKind : uint8_t { Struct = 0, List = 1, Far = 2, Other = 3 };

// The shape of a struct: data section words and pointer section count.
struct StructSize {
  uint16_t data_words = 0;
  uint16_t pointer_count = 0;
  [[nodiscard]] constexpr uint32_t total_words() const {
    return static_cast<uint32_t>(data_words) + static_cast<uint32_t>(pointer_count);
  }
};

namespace wire {

[[nodiscard]] constexpr PointerKind kind(uint64_t word) {
  return static_cast<PointerKind>(word & 3U);
}
// Signed 30-bit offset (arithmetic shift: C++20 defines >> on negative values).
[[nodiscard]] constexpr int32_t offset_words(uint64_t word) {
  return static_cast<int32_t>(static_cast<uint32_t>(word)) >> 2;
}
[[nodiscard]] constexpr StructSize struct_size(uint64_t word) {
  return StructSize{static_cast<uint16_t>(word >> 32), static_cast<uint16_t>(word >> 48)};
}
[[nodiscard]] constexpr ElementSize list_element_size(uint64_t word) {
  return static_cast<ElementSize>((word >> 32) & 7U);
}
[[nodiscard]] constexpr uint32_t list_element_count(uint64_t word) {
  return static_cast<uint32_t>(word >> 35);
}
// An inline-composite tag stores its element count (unsigned) where the offset would be.
[[nodiscard]] constexpr uint32_t tag_element_count(uint64_t word) {
  return static_cast<uint32_t>(word) >> 2;
}
[[nodiscard]] constexpr bool far_is_double(uint64_t word) { return ((word >> 2) & 1U) != 0; }
[[nodiscard]] constexpr uint32_t far_pad_offset(uint64_t word) {
  return static_cast<uint32_t>(word >> 3) & MAX_SEGMENT_WORDS;
}
[[nodiscard]] constexpr uint32_t far_segment(uint64_t word) {
  return static_cast<uint32_t>(word >> 32);
}
[[nodiscard]] constexpr bool is_capability(uint64_t word) {
  return static_cast<uint32_t>(word) == static_cast<uint32_t>(PointerKind::Other);
}
[[nodiscard]] constexpr uint32_t capability_index(uint64_t word) {
  return static_cast<uint32_t>(word >> 32);
}

// The lower half of a struct or list pointer: kind plus a signed word offset.
[[nodiscard]] constexpr uint64_t lower_half(PointerKind pointer_kind, int32_t offset) {
  return static_cast<uint64_t>((static_cast<uint32_t>(offset) << 2) |
                               static_cast<uint32_t>(pointer_kind));
}
[[nodiscard]] constexpr uint64_t struct_upper_half(StructSize size) {
  return (static_cast<uint64_t>(size.data_words) << 32) |
         (static_cast<uint64_t>(size.pointer_count) << 48);
}
// Precondition: count <= MAX_LIST_ELEMENTS (callers check).
[[nodiscard]] constexpr uint64_t list_upper_half(ElementSize size, uint32_t count) {
  return (static_cast<uint64_t>(count) << 35) | (static_cast<uint64_t>(size) << 32);
}
// Precondition: pad_offset <= MAX_SEGMENT_WORDS.
[[nodiscard]] constexpr uint64_t make_far(uint32_t pad_offset, uint32_t segment) {
  return (static_cast<uint64_t>(segment) << 32) | (static_cast<uint64_t>(pad_offset) << 3) |
         static_cast<uint64_t>(PointerKind::Far);
}
[[nodiscard]] constexpr uint64_t make_capability(uint32_t index) {
  return (static_cast<uint64_t>(index) << 32) | static_cast<uint64_t>(PointerKind::Other);
}
// Precondition: count <= MAX_LIST_ELEMENTS (a 30-bit field holds it).
[[nodiscard]] constexpr uint64_t make_tag(uint32_t count, StructSize size) {
  return struct_upper_half(size) | (static_cast<uint64_t>(count) << 2) |
         static_cast<uint64_t>(PointerKind::Struct);
}

// Per-element layout of non-composite lists (the spec's table).
[[nodiscard]] constexpr uint32_t data_bits_per_element(ElementSize size) {
  switch (size) {
    case ElementSize::Bit: return 1;
    case ElementSize::Byte: return 8;
    case ElementSize::TwoBytes: return 16;
    case ElementSize::FourBytes: return 32;
    case ElementSize::EightBytes: return 64;
    case ElementSize::Void:
    case ElementSize::Pointer:
    case ElementSize::InlineComposite: return 0;
  }
  return 0;
}
[[nodiscard]] constexpr uint32_t pointers_per_element(ElementSize size) {
  return size == ElementSize::Pointer ? 1 : 0;
}

}  // namespace wire
}  // namespace capos::capnp
