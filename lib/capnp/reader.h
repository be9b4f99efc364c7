// lib/capnp/reader.h — zero-copy readers over a parsed message: PointerReader, StructReader,
// ListReader (the low-level layout API generated code is emitted on; cf. libcapnp's layout.h).
//
// Readers are small values that borrow the MessageReader (and its bytes): both must outlive
// them. Nothing here allocates. Every access to message bytes goes through lib/core/bytes.h.
//
// Decoding is lazy, as in libcapnp: following a pointer validates it (kind, bounds, far-pointer
// landing pads, element sizes), charges the message's traversal budget with the words the
// object occupies and counts one nesting level; scalar reads never fail. Invariants, set by the
// pointer-following code in pointer_reader.cpp and relied on by every accessor:
// - A StructReader's data section [m_data_offset, +m_data_bytes) and pointer section
//   [m_data_offset + m_data_bytes, +8 * m_pointer_count) lie inside m_segment.
// - A ListReader's m_count elements of m_step_bits each, from byte m_start, lie inside
//   m_segment; m_data_bits + 64 * m_pointer_count <= m_step_bits, and the step is a multiple
//   of 8 unless the wire element size is Bit.
// - m_message is null only for trusted compile-time defaults: they are still bounds-checked,
//   but are not charged to any budget and may not contain far pointers.
#pragma once

#include <concepts>
#include <cstdint>
#include <limits>
#include <optional>
#include <type_traits>

#include "lib/capnp/capnp_error.h"
#include "lib/capnp/wire.h"
#include "lib/core/bytes.h"

namespace capos::capnp {

class MessageReader;
class StructReader;
class ListReader;

// A trusted default value for a struct or list field, emitted by generated code: a single
// segment whose word 0 is the pointer (libcapnp's `defaultValue` words). It is read with bounds
// checks but without traversal accounting; far pointers in it are rejected.
struct DefaultValue {
  ByteView segment;
};

// Nesting budget of readers that do not come from a message (empty structs, defaults); the
// nesting check still applies to anything reached through them.
inline constexpr int32_t UNLIMITED_NESTING = std::numeric_limits<int32_t>::max();

template <typename T>
concept DataValue = std::integral<T> && !std::same_as<T, bool>;

// One pointer slot. A null slot (or a slot beyond a struct's pointer section) reads as the
// default. `m_nesting` is the budget of the struct or list that holds the slot.
class PointerReader {
 public:
  PointerReader() = default;

  // True iff the pointer word is zero (libcapnp's has*()); far pointers are not followed.
  [[nodiscard]] bool is_null() const { return m_word == 0; }

  [[nodiscard]] CapnpResult<StructReader> get_struct(
      const DefaultValue* default_value = nullptr) const;
  // `expected` is the element size the schema declares; compatible wire sizes are accepted
  // (README "List compatibility"), incompatible ones fail with WrongElementSize.
  [[nodiscard]] CapnpResult<ListReader> get_list(ElementSize expected,
                                                 const DefaultValue* default_value = nullptr) const;
  // Text without its NUL terminator (which is checked to be present).
  [[nodiscard]] CapnpResult<ByteView> get_text(ByteView default_value = {}) const;
  [[nodiscard]] CapnpResult<ByteView> get_data(ByteView default_value = {}) const;
  // The capability-table index of a capability pointer; nullopt for a null pointer.
  [[nodiscard]] CapnpResult<std::optional<uint32_t>> get_capability() const;

 private:
  friend class StructReader;
  friend class ListReader;
  friend class MessageReader;
  // Precondition: [offset, offset + 8) lies inside `segment`.
  PointerReader(const MessageReader* message, ByteView segment, uint64_t offset, int32_t nesting);
  // The non-null cases of get_struct / get_list (no default handling, so no recursion).
  [[nodiscard]] CapnpResult<StructReader> follow_struct() const;
  [[nodiscard]] CapnpResult<ListReader> follow_list(ElementSize expected) const;

  const MessageReader* m_message = nullptr;
  ByteView m_segment;
  uint64_t m_offset = 0;  // byte offset of the pointer word in m_segment
  uint64_t m_word = 0;    // the pointer word itself (0 for a null reader)
  int32_t m_nesting = UNLIMITED_NESTING;
};

class StructReader {
 public:
  // The empty struct: every field reads as its default.
  StructReader() = default;

  [[nodiscard]] uint32_t data_bytes() const { return m_data_bytes; }
  [[nodiscard]] uint16_t pointer_count() const { return m_pointer_count; }

  // Scalars at a byte offset in the data section, XORed with the field's default (the wire
  // stores value ^ default). Beyond the data section (an older, smaller struct): the default.
  template <DataValue T>
  [[nodiscard]] T get(uint32_t byte_offset, T default_value = T{}) const {
    using Unsigned = std::make_unsigned_t<T>;
    Unsigned raw = 0;
    if (uint64_t{byte_offset} + sizeof(T) <= m_data_bytes) {
      raw = load_le<Unsigned>(m_segment, m_data_offset + byte_offset).value_or(0);
    }
    return static_cast<T>(static_cast<Unsigned>(raw ^ static_cast<Unsigned>(default_value)));
  }
  [[nodiscard]] bool get_bool(uint32_t bit_offset, bool default_value = false) const;
  [[nodiscard]] uint8_t get_u8(uint32_t offset, uint8_t d = 0) const { return get(offset, d); }
  [[nodiscard]] uint16_t get_u16(uint32_t offset, uint16_t d = 0) const { return get(offset, d); }
  [[nodiscard]] uint32_t get_u32(uint32_t offset, uint32_t d = 0) const { return get(offset, d); }
  [[nodiscard]] uint64_t get_u64(uint32_t offset, uint64_t d = 0) const { return get(offset, d); }
  [[nodiscard]] int8_t get_i8(uint32_t offset, int8_t d = 0) const { return get(offset, d); }
  [[nodiscard]] int16_t get_i16(uint32_t offset, int16_t d = 0) const { return get(offset, d); }
  [[nodiscard]] int32_t get_i32(uint32_t offset, int32_t d = 0) const { return get(offset, d); }
  [[nodiscard]] int64_t get_i64(uint32_t offset, int64_t d = 0) const { return get(offset, d); }

  // Pointer `index`; beyond the pointer section it is a null pointer.
  [[nodiscard]] PointerReader pointer(uint16_t index) const;
  [[nodiscard]] bool has_pointer(uint16_t index) const { return !pointer(index).is_null(); }
  [[nodiscard]] CapnpResult<StructReader> get_struct(
      uint16_t index, const DefaultValue* default_value = nullptr) const {
    return pointer(index).get_struct(default_value);
  }
  [[nodiscard]] CapnpResult<ListReader> get_list(uint16_t index, ElementSize expected,
                                                 const DefaultValue* default_value = nullptr) const;
  [[nodiscard]] CapnpResult<ByteView> get_text(uint16_t index, ByteView default_value = {}) const {
    return pointer(index).get_text(default_value);
  }
  [[nodiscard]] CapnpResult<ByteView> get_data(uint16_t index, ByteView default_value = {}) const {
    return pointer(index).get_data(default_value);
  }
  [[nodiscard]] CapnpResult<std::optional<uint32_t>> get_capability(uint16_t index) const {
    return pointer(index).get_capability();
  }

 private:
  friend class PointerReader;
  friend class ListReader;
  StructReader(const MessageReader* message, ByteView segment, uint64_t data_offset,
               uint32_t data_bytes, uint16_t pointer_count, int32_t nesting)
      : m_message(message),
        m_segment(segment),
        m_data_offset(data_offset),
        m_data_bytes(data_bytes),
        m_pointer_count(pointer_count),
        m_nesting(nesting) {}

  const MessageReader* m_message = nullptr;
  ByteView m_segment;
  uint64_t m_data_offset = 0;
  uint32_t m_data_bytes = 0;
  uint16_t m_pointer_count = 0;
  int32_t m_nesting = UNLIMITED_NESTING;
};

class ListReader {
 public:
  // The empty list.
  ListReader() = default;

  [[nodiscard]] uint32_t size() const { return m_count; }
  // The wire element size (InlineComposite for struct lists, whatever was expected).
  [[nodiscard]] ElementSize element_size() const { return m_element_size; }

  // Primitive element `index` (for a struct list: the first data field of each element, as
  // libcapnp reads an upgraded list). Index >= size(), or elements narrower than T: 0.
  template <DataValue T>
  [[nodiscard]] T get(uint32_t index) const {
    using Unsigned = std::make_unsigned_t<T>;
    if (index >= m_count || sizeof(T) * 8 > m_data_bits) return T{};
    const uint64_t offset = m_start + uint64_t{index} * m_step_bits / 8;
    return static_cast<T>(load_le<Unsigned>(m_segment, offset).value_or(0));
  }
  // Bit `index` of the list's bytes (for a wider list read as List(Bool), libcapnp's packed
  // reading, not the low bit of each element). Index >= size(): false.
  [[nodiscard]] bool get_bool(uint32_t index) const;
  [[nodiscard]] uint8_t get_u8(uint32_t index) const { return get<uint8_t>(index); }
  [[nodiscard]] uint16_t get_u16(uint32_t index) const { return get<uint16_t>(index); }
  [[nodiscard]] uint32_t get_u32(uint32_t index) const { return get<uint32_t>(index); }
  [[nodiscard]] uint64_t get_u64(uint32_t index) const { return get<uint64_t>(index); }
  [[nodiscard]] int8_t get_i8(uint32_t index) const { return get<int8_t>(index); }
  [[nodiscard]] int16_t get_i16(uint32_t index) const { return get<int16_t>(index); }
  [[nodiscard]] int32_t get_i32(uint32_t index) const { return get<int32_t>(index); }
  [[nodiscard]] int64_t get_i64(uint32_t index) const { return get<int64_t>(index); }

  // Struct element `index` (counts one nesting level, like libcapnp). IndexOutOfRange past the
  // end; WrongElementSize for a bit list.
  [[nodiscard]] CapnpResult<StructReader> get_struct(uint32_t index) const;
  // Pointer element `index` (for a struct list: each element's first pointer). IndexOutOfRange
  // past the end; WrongElementSize when the elements hold no pointer.
  [[nodiscard]] CapnpResult<PointerReader> pointer(uint32_t index) const;
  [[nodiscard]] CapnpResult<ByteView> get_text(uint32_t index) const;
  [[nodiscard]] CapnpResult<ByteView> get_data(uint32_t index) const;
  [[nodiscard]] CapnpResult<ListReader> get_list(uint32_t index, ElementSize expected) const;

 private:
  friend class PointerReader;
  ListReader(const MessageReader* message, ByteView segment, uint64_t start, uint32_t count,
             uint32_t step_bits, uint32_t data_bits, uint16_t pointer_count,
             ElementSize element_size, int32_t nesting)
      : m_message(message),
        m_segment(segment),
        m_start(start),
        m_count(count),
        m_step_bits(step_bits),
        m_data_bits(data_bits),
        m_pointer_count(pointer_count),
        m_element_size(element_size),
        m_nesting(nesting) {}

  const MessageReader* m_message = nullptr;
  ByteView m_segment;
  uint64_t m_start = 0;  // byte offset of element 0 in m_segment
  uint32_t m_count = 0;
  uint32_t m_step_bits = 0;
  uint32_t m_data_bits = 0;  // data bits per element
  uint16_t m_pointer_count = 0;
  ElementSize m_element_size = ElementSize::Void;
  int32_t m_nesting = UNLIMITED_NESTING;
};

inline CapnpResult<ListReader> StructReader::get_list(uint16_t index, ElementSize expected,
                                                      const DefaultValue* default_value) const {
  return pointer(index).get_list(expected, default_value);
}

}  // namespace capos::capnp
