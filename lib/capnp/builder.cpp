#include "lib/capnp/builder.h"

#include "lib/capnp/message_builder.h"
#include "lib/core/panic.h"

namespace capos::capnp {
namespace {

void store_word(MutableByteView segment, uint64_t word_offset, uint64_t value) {
  detail::store_allocated<uint64_t>(segment, word_offset * BYTES_PER_WORD, value);
}

}  // namespace

bool PointerBuilder::is_null() const {
  return load_le<uint64_t>(m_message->segment_bytes(m_segment), m_offset).value_or(0) == 0;
}

CapnpResult<PointerBuilder::Object> PointerBuilder::allocate(PointerKind kind, uint64_t words,
                                                             uint64_t upper) const {
  if (!is_null()) return CapnpError::PointerAlreadySet;
  const MutableByteView here = m_message->segment_bytes(m_segment);
  const uint64_t at = m_offset / BYTES_PER_WORD;
  if (kind == PointerKind::Struct && words == 0) {
    // libcapnp's encoding of an empty struct: offset -1, i.e. the pointer itself.
    store_word(here, at, wire::lower_half(kind, -1) | upper);
    return Object{m_segment, at};
  }
  if (const auto local = m_message->allocate_in(m_segment, words)) {
    // Both lie below MAX_SEGMENT_WORDS < 2^29, so the difference fits the signed 30-bit field.
    const auto offset =
        static_cast<int32_t>(static_cast<int64_t>(local->word) - static_cast<int64_t>(at + 1));
    store_word(here, at, wire::lower_half(kind, offset) | upper);
    return Object{m_segment, local->word};
  }
  const auto pad = m_message->allocate_anywhere(words + 1);
  if (!pad) return CapnpError::SegmentsExhausted;
  store_word(here, at, wire::make_far(static_cast<uint32_t>(pad->word), pad->segment));
  store_word(m_message->segment_bytes(pad->segment), pad->word, wire::lower_half(kind, 0) | upper);
  return Object{pad->segment, pad->word + 1};
}

CapnpResult<StructBuilder> PointerBuilder::init_struct(StructSize size) const {
  const Object object =
      TRY(allocate(PointerKind::Struct, size.total_words(), wire::struct_upper_half(size)));
  return StructBuilder(m_message, object.segment, object.word * BYTES_PER_WORD, size);
}

CapnpResult<ListBuilder> PointerBuilder::init_list(ElementSize size, uint32_t count) const {
  if (size == ElementSize::InlineComposite) return CapnpError::WrongElementSize;
  if (count > MAX_LIST_ELEMENTS) return CapnpError::ListTooLong;
  const uint64_t step = wire::data_bits_per_element(size) + wire::pointers_per_element(size) * 64;
  const uint64_t words = (uint64_t{count} * step + 63) / 64;
  const Object object = TRY(allocate(PointerKind::List, words, wire::list_upper_half(size, count)));
  return ListBuilder(m_message, object.segment, object.word * BYTES_PER_WORD, count, size, {});
}

CapnpResult<ListBuilder> PointerBuilder::init_struct_list(uint32_t count, StructSize size) const {
  const uint64_t words = uint64_t{count} * size.total_words();
  if (count > MAX_LIST_ELEMENTS || words > MAX_LIST_ELEMENTS) return CapnpError::ListTooLong;
  const Object object = TRY(
      allocate(PointerKind::List, words + 1,
               wire::list_upper_half(ElementSize::InlineComposite, static_cast<uint32_t>(words))));
  store_word(m_message->segment_bytes(object.segment), object.word, wire::make_tag(count, size));
  return ListBuilder(m_message, object.segment, (object.word + 1) * BYTES_PER_WORD, count,
                     ElementSize::InlineComposite, size);
}

// A Byte list of `count` elements holding `bytes` (count - bytes.size() trailing zeros).
CapnpResult<void> PointerBuilder::set_bytes(ByteView bytes, uint64_t count) const {
  if (count > MAX_LIST_ELEMENTS) return CapnpError::ListTooLong;
  const uint64_t words = (count + BYTES_PER_WORD - 1) / BYTES_PER_WORD;
  const Object object =
      TRY(allocate(PointerKind::List, words,
                   wire::list_upper_half(ElementSize::Byte, static_cast<uint32_t>(count))));
  const Result<MutableByteView> destination =
      subview(m_message->segment_bytes(object.segment), object.word * BYTES_PER_WORD, bytes.size());
  KASSERT(destination.has_value());
  for (size_t i = 0; i < bytes.size(); ++i) (*destination)[i] = bytes[i];
  return {};  // the segment was zero-filled, so the NUL (text) and padding are already there
}

CapnpResult<void> PointerBuilder::set_text(ByteView text) const {
  return set_bytes(text, uint64_t{text.size()} + 1);
}

CapnpResult<void> PointerBuilder::set_data(ByteView data) const {
  return set_bytes(data, data.size());
}

CapnpResult<void> PointerBuilder::set_capability(uint32_t index) const {
  if (!is_null()) return CapnpError::PointerAlreadySet;
  store_word(m_message->segment_bytes(m_segment), m_offset / BYTES_PER_WORD,
             wire::make_capability(index));
  return {};
}

MutableByteView StructBuilder::segment_bytes() const { return m_message->segment_bytes(m_segment); }

void StructBuilder::set_bool(uint32_t bit_offset, bool value, bool default_value) const {
  KASSERT(bit_offset / 8 < data_bytes());
  const uint64_t offset = m_data_offset + bit_offset / 8;
  const auto mask = static_cast<uint8_t>(1U << (bit_offset % 8));
  const uint8_t old = load_le<uint8_t>(segment_bytes(), offset).value_or(0);
  const auto updated = static_cast<uint8_t>(value != default_value ? (old | mask) : (old & ~mask));
  detail::store_allocated<uint8_t>(segment_bytes(), offset, updated);
}

CapnpResult<PointerBuilder> StructBuilder::pointer(uint16_t index) const {
  if (index >= m_size.pointer_count) return CapnpError::PointerIndexOutOfRange;
  return PointerBuilder(m_message, m_segment,
                        m_data_offset + data_bytes() + uint64_t{index} * BYTES_PER_WORD);
}

CapnpResult<StructBuilder> StructBuilder::init_struct(uint16_t index, StructSize size) const {
  return TRY(pointer(index)).init_struct(size);
}

CapnpResult<ListBuilder> StructBuilder::init_list(uint16_t index, ElementSize size,
                                                  uint32_t count) const {
  return TRY(pointer(index)).init_list(size, count);
}

CapnpResult<ListBuilder> StructBuilder::init_struct_list(uint16_t index, uint32_t count,
                                                         StructSize size) const {
  return TRY(pointer(index)).init_struct_list(count, size);
}

CapnpResult<void> StructBuilder::set_text(uint16_t index, ByteView text) const {
  return TRY(pointer(index)).set_text(text);
}

CapnpResult<void> StructBuilder::set_data(uint16_t index, ByteView data) const {
  return TRY(pointer(index)).set_data(data);
}

CapnpResult<void> StructBuilder::set_capability(uint16_t index, uint32_t cap_index) const {
  return TRY(pointer(index)).set_capability(cap_index);
}

MutableByteView ListBuilder::segment_bytes() const { return m_message->segment_bytes(m_segment); }

void ListBuilder::set_bool(uint32_t index, bool value) const {
  KASSERT(index < m_count && m_element_size == ElementSize::Bit);
  const uint64_t offset = m_start + index / 8;
  const auto mask = static_cast<uint8_t>(1U << (index % 8));
  const uint8_t old = load_le<uint8_t>(segment_bytes(), offset).value_or(0);
  const auto updated = static_cast<uint8_t>(value ? (old | mask) : (old & ~mask));
  detail::store_allocated<uint8_t>(segment_bytes(), offset, updated);
}

StructBuilder ListBuilder::struct_element(uint32_t index) const {
  KASSERT(index < m_count && m_element_size == ElementSize::InlineComposite);
  const uint64_t element = m_start + uint64_t{index} * m_struct_size.total_words() * 8;
  return StructBuilder(m_message, m_segment, element, m_struct_size);
}

CapnpResult<PointerBuilder> ListBuilder::pointer(uint32_t index) const {
  if (index >= m_count) return CapnpError::IndexOutOfRange;
  if (m_element_size != ElementSize::Pointer) return CapnpError::WrongElementSize;
  return PointerBuilder(m_message, m_segment, m_start + uint64_t{index} * BYTES_PER_WORD);
}

}  // namespace capos::capnp
