// lib/capnp/builder.h — PointerBuilder, StructBuilder, ListBuilder: the low-level write API
// over a MessageBuilder's caller-provided segments (cf. libcapnp's layout.h builders).
//
// Builders are small values pointing into the MessageBuilder, which must outlive them. They
// never allocate from the heap: objects are carved out of the segments, continuing in another
// segment through a far pointer when the current one is full, and fail with SegmentsExhausted
// when no segment has room. Each pointer is written at most once (PointerAlreadySet), so a
// message never carries orphaned objects.
//
// Preconditions that only generated code can break (a field offset outside the struct it
// created, a list index outside the list it created, a scalar setter of the wrong width) are
// KASSERTs: they are bugs in our code, not properties of any input. Everything that depends on
// sizes chosen at run time returns CapnpResult.
#pragma once

#include <concepts>
#include <cstdint>
#include <type_traits>

#include "lib/capnp/capnp_error.h"
#include "lib/capnp/reader.h"
#include "lib/capnp/wire.h"
#include "lib/core/bytes.h"
#include "lib/core/panic.h"

namespace capos::capnp {

class MessageBuilder;
class StructBuilder;
class ListBuilder;

namespace detail {
// Stores into memory the MessageBuilder allocated (or an output buffer already checked to be
// large enough): a failed store would be a bug of ours, never a property of the input.
template <std::unsigned_integral T>
void store_allocated(MutableByteView bytes, uint64_t offset, T value) {
  const bool stored = store_le<T>(bytes, offset, value).has_value();
  KASSERT(stored);
}
}  // namespace detail

// One pointer slot of a struct or pointer list, or the root. Invariant: the slot is the word
// at m_offset of segment m_segment, inside the segment's capacity.
class PointerBuilder {
 public:
  [[nodiscard]] bool is_null() const;
  [[nodiscard]] CapnpResult<StructBuilder> init_struct(StructSize size) const;
  // Void, Bit, Byte..EightBytes or Pointer elements (InlineComposite: init_struct_list).
  [[nodiscard]] CapnpResult<ListBuilder> init_list(ElementSize size, uint32_t count) const;
  [[nodiscard]] CapnpResult<ListBuilder> init_struct_list(uint32_t count, StructSize size) const;
  // Text is stored with a NUL terminator appended; `text` should not contain one.
  [[nodiscard]] CapnpResult<void> set_text(ByteView text) const;
  [[nodiscard]] CapnpResult<void> set_data(ByteView data) const;
  [[nodiscard]] CapnpResult<void> set_capability(uint32_t index) const;

 private:
  friend class MessageBuilder;
  friend class StructBuilder;
  friend class ListBuilder;
  PointerBuilder(MessageBuilder* message, uint32_t segment, uint64_t offset)
      : m_message(message), m_segment(segment), m_offset(offset) {}
  struct Object {
    uint32_t segment;
    uint64_t word;  // first word of the object
  };
  // Allocates `words` for an object of `kind` and writes the pointer (or far pointer and
  // landing pad) with `upper` as its upper half.
  [[nodiscard]] CapnpResult<Object> allocate(PointerKind kind, uint64_t words,
                                             uint64_t upper) const;
  [[nodiscard]] CapnpResult<void> set_bytes(ByteView bytes, uint64_t count) const;

  MessageBuilder* m_message;
  uint32_t m_segment;
  uint64_t m_offset;  // byte offset of the pointer word
};

class StructBuilder {
 public:
  [[nodiscard]] StructSize size() const { return m_size; }

  // Stores value ^ default_value (the wire form of a field with a default).
  // Precondition (KASSERT): the field lies inside the data section.
  template <DataValue T>
  void set(uint32_t byte_offset, T value, T default_value = T{}) const {
    using Unsigned = std::make_unsigned_t<T>;
    KASSERT(uint64_t{byte_offset} + sizeof(T) <= data_bytes());
    const auto raw =
        static_cast<Unsigned>(static_cast<Unsigned>(value) ^ static_cast<Unsigned>(default_value));
    detail::store_allocated<Unsigned>(segment_bytes(), m_data_offset + byte_offset, raw);
  }
  void set_bool(uint32_t bit_offset, bool value, bool default_value = false) const;
  void set_u8(uint32_t offset, uint8_t v, uint8_t d = 0) const { set(offset, v, d); }
  void set_u16(uint32_t offset, uint16_t v, uint16_t d = 0) const { set(offset, v, d); }
  void set_u32(uint32_t offset, uint32_t v, uint32_t d = 0) const { set(offset, v, d); }
  void set_u64(uint32_t offset, uint64_t v, uint64_t d = 0) const { set(offset, v, d); }
  void set_i8(uint32_t offset, int8_t v, int8_t d = 0) const { set(offset, v, d); }
  void set_i16(uint32_t offset, int16_t v, int16_t d = 0) const { set(offset, v, d); }
  void set_i32(uint32_t offset, int32_t v, int32_t d = 0) const { set(offset, v, d); }
  void set_i64(uint32_t offset, int64_t v, int64_t d = 0) const { set(offset, v, d); }

  // PointerIndexOutOfRange when index >= size().pointer_count.
  [[nodiscard]] CapnpResult<PointerBuilder> pointer(uint16_t index) const;
  [[nodiscard]] CapnpResult<StructBuilder> init_struct(uint16_t index, StructSize size) const;
  [[nodiscard]] CapnpResult<ListBuilder> init_list(uint16_t index, ElementSize size,
                                                   uint32_t count) const;
  [[nodiscard]] CapnpResult<ListBuilder> init_struct_list(uint16_t index, uint32_t count,
                                                          StructSize size) const;
  [[nodiscard]] CapnpResult<void> set_text(uint16_t index, ByteView text) const;
  [[nodiscard]] CapnpResult<void> set_data(uint16_t index, ByteView data) const;
  [[nodiscard]] CapnpResult<void> set_capability(uint16_t index, uint32_t cap_index) const;

 private:
  friend class PointerBuilder;
  friend class ListBuilder;
  StructBuilder(MessageBuilder* message, uint32_t segment, uint64_t data_offset, StructSize size)
      : m_message(message), m_segment(segment), m_data_offset(data_offset), m_size(size) {}
  [[nodiscard]] uint64_t data_bytes() const { return uint64_t{m_size.data_words} * 8; }
  [[nodiscard]] MutableByteView segment_bytes() const;

  MessageBuilder* m_message;
  uint32_t m_segment;
  uint64_t m_data_offset;  // Invariant: data and pointer sections lie inside the segment
  StructSize m_size;
};

class ListBuilder {
 public:
  [[nodiscard]] uint32_t size() const { return m_count; }
  [[nodiscard]] ElementSize element_size() const { return m_element_size; }

  // Precondition (KASSERT): index < size() and the list's elements are exactly T.
  template <DataValue T>
  void set(uint32_t index, T value) const {
    using Unsigned = std::make_unsigned_t<T>;
    KASSERT(index < m_count && m_element_size != ElementSize::InlineComposite &&
            wire::data_bits_per_element(m_element_size) == sizeof(T) * 8);
    const uint64_t offset = m_start + uint64_t{index} * sizeof(T);
    detail::store_allocated<Unsigned>(segment_bytes(), offset, static_cast<Unsigned>(value));
  }
  // Precondition (KASSERT): index < size() and a Bit list.
  void set_bool(uint32_t index, bool value) const;
  void set_u8(uint32_t index, uint8_t v) const { set(index, v); }
  void set_u16(uint32_t index, uint16_t v) const { set(index, v); }
  void set_u32(uint32_t index, uint32_t v) const { set(index, v); }
  void set_u64(uint32_t index, uint64_t v) const { set(index, v); }
  void set_i8(uint32_t index, int8_t v) const { set(index, v); }
  void set_i16(uint32_t index, int16_t v) const { set(index, v); }
  void set_i32(uint32_t index, int32_t v) const { set(index, v); }
  void set_i64(uint32_t index, int64_t v) const { set(index, v); }

  // Precondition (KASSERT): index < size() and a struct list.
  [[nodiscard]] StructBuilder struct_element(uint32_t index) const;
  // IndexOutOfRange past the end; WrongElementSize unless a Pointer list.
  [[nodiscard]] CapnpResult<PointerBuilder> pointer(uint32_t index) const;

 private:
  friend class PointerBuilder;
  ListBuilder(MessageBuilder* message, uint32_t segment, uint64_t start, uint32_t count,
              ElementSize element_size, StructSize struct_size)
      : m_message(message),
        m_segment(segment),
        m_start(start),
        m_count(count),
        m_element_size(element_size),
        m_struct_size(struct_size) {}
  [[nodiscard]] MutableByteView segment_bytes() const;

  MessageBuilder* m_message;
  uint32_t m_segment;
  uint64_t m_start;  // byte offset of element 0. Invariant: all elements lie in the segment
  uint32_t m_count;
  ElementSize m_element_size;
  StructSize m_struct_size;  // InlineComposite only
};

}  // namespace capos::capnp
