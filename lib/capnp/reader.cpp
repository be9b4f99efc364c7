// Pointer following for the readers (reader.h): far-pointer resolution, bounds checks,
// traversal accounting and element-size compatibility, in libcapnp's order (layout.c++
// WireHelpers::readStructPointer / readListPointer / readTextPointer / readDataPointer).
#include "lib/capnp/reader.h"

#include "lib/capnp/message_reader.h"
#include "lib/core/checked.h"

namespace capos::capnp {
namespace {

// Where a pointer leads once far pointers are followed.
struct Target {
  uint64_t tag = 0;          // the word describing the object (pointer, landing pad or tag)
  ByteView segment;          // the segment holding the object
  uint64_t word_offset = 0;  // Invariant: <= words_in(segment)
};

uint64_t words_in(ByteView segment) { return segment.size() / BYTES_PER_WORD; }

CapnpResult<uint64_t> load_word(ByteView segment, uint64_t word_offset) {
  const Result<uint64_t> word = load_le<uint64_t>(segment, word_offset * BYTES_PER_WORD);
  if (!word) return CapnpError::PointerOutOfBounds;
  return *word;
}

CapnpResult<void> charge(const MessageReader* message, uint64_t words) {
  if (message == nullptr) return {};  // trusted default: not part of the message
  return message->charge(words);
}

// The word a struct or list pointer at word `at` of `segment` points to. The segment table
// holds u32 word counts, so `at` < 2^32 and the sum cannot overflow int64.
CapnpResult<uint64_t> local_target(ByteView segment, uint64_t at, uint64_t word) {
  const int64_t target = static_cast<int64_t>(at) + 1 + wire::offset_words(word);
  if (target < 0 || static_cast<uint64_t>(target) > words_in(segment)) {
    return CapnpError::PointerOutOfBounds;
  }
  return static_cast<uint64_t>(target);
}

// Follows at most one far pointer (single: the pad is the pointer; double: the pad is a far
// pointer to the object plus a tag), so no chain of far pointers can loop.
CapnpResult<Target> resolve(const MessageReader* message, ByteView segment, uint64_t at,
                            uint64_t word) {
  const PointerKind kind = wire::kind(word);
  if (kind == PointerKind::Other) return Target{word, segment, 0};
  if (kind != PointerKind::Far) return Target{word, segment, TRY(local_target(segment, at, word))};
  if (message == nullptr) return CapnpError::UnknownSegment;  // defaults are one segment
  const std::optional<ByteView> pad_segment = message->segment(wire::far_segment(word));
  if (!pad_segment) return CapnpError::UnknownSegment;
  const uint64_t pad = wire::far_pad_offset(word);
  const uint64_t pad_words = wire::far_is_double(word) ? 2 : 1;
  if (!range_within(pad, pad_words, words_in(*pad_segment))) {
    return CapnpError::LandingPadOutOfBounds;
  }
  TRY(message->charge(pad_words));
  const uint64_t landing = TRY(load_word(*pad_segment, pad));
  if (!wire::far_is_double(word)) {
    if (wire::kind(landing) == PointerKind::Far) return CapnpError::BadLandingPad;
    if (wire::kind(landing) == PointerKind::Other) return Target{landing, *pad_segment, 0};
    return Target{landing, *pad_segment, TRY(local_target(*pad_segment, pad, landing))};
  }
  if (wire::kind(landing) != PointerKind::Far || wire::far_is_double(landing)) {
    return CapnpError::BadLandingPad;
  }
  const std::optional<ByteView> object_segment = message->segment(wire::far_segment(landing));
  if (!object_segment) return CapnpError::UnknownSegment;
  const uint64_t tag = TRY(load_word(*pad_segment, pad + 1));
  const uint64_t object = wire::far_pad_offset(landing);
  if (object > words_in(*object_segment)) return CapnpError::PointerOutOfBounds;
  return Target{tag, *object_segment, object};
}

// libcapnp's compatibility rules for a struct list read where `expected` was declared.
CapnpResult<void> check_composite_compatible(ElementSize expected, StructSize element) {
  switch (expected) {
    case ElementSize::Bit: return CapnpError::WrongElementSize;  // bool lists never upgrade
    case ElementSize::Byte:
    case ElementSize::TwoBytes:
    case ElementSize::FourBytes:
    case ElementSize::EightBytes:
      if (element.data_words == 0) return CapnpError::WrongElementSize;
      return {};
    case ElementSize::Pointer:
      if (element.pointer_count == 0) return CapnpError::WrongElementSize;
      return {};
    case ElementSize::Void:
    case ElementSize::InlineComposite: return {};
  }
  return CapnpError::WrongElementSize;
}

// The bytes of a Byte-element list (text or data) after kind, size and bounds checks.
CapnpResult<ByteView> read_bytes(const MessageReader* message, ByteView segment, uint64_t at,
                                 uint64_t word) {
  const Target target = TRY(resolve(message, segment, at, word));
  if (wire::kind(target.tag) != PointerKind::List) return CapnpError::BadPointerKind;
  if (wire::list_element_size(target.tag) != ElementSize::Byte) {
    return CapnpError::WrongElementSize;
  }
  const uint64_t count = wire::list_element_count(target.tag);
  const uint64_t words = (count + BYTES_PER_WORD - 1) / BYTES_PER_WORD;
  if (!range_within(target.word_offset, words, words_in(target.segment))) {
    return CapnpError::PointerOutOfBounds;
  }
  TRY(charge(message, words));
  const Result<ByteView> bytes =
      subview(target.segment, target.word_offset * BYTES_PER_WORD, count);
  if (!bytes) return CapnpError::PointerOutOfBounds;  // unreachable: checked above
  return *bytes;
}

}  // namespace

PointerReader::PointerReader(const MessageReader* message, ByteView segment, uint64_t offset,
                             int32_t nesting)
    : m_message(message),
      m_segment(segment),
      m_offset(offset),
      m_word(load_le<uint64_t>(segment, offset).value_or(0)),
      m_nesting(nesting) {}

CapnpResult<StructReader> PointerReader::get_struct(const DefaultValue* default_value) const {
  if (!is_null()) return follow_struct();
  if (default_value == nullptr) return StructReader();
  const PointerReader fallback(nullptr, default_value->segment, 0, m_nesting);
  if (fallback.is_null()) return StructReader();
  return fallback.follow_struct();
}

CapnpResult<StructReader> PointerReader::follow_struct() const {
  if (m_nesting <= 0) return CapnpError::NestingLimitExceeded;
  const Target target = TRY(resolve(m_message, m_segment, m_offset / BYTES_PER_WORD, m_word));
  if (wire::kind(target.tag) != PointerKind::Struct) return CapnpError::BadPointerKind;
  const StructSize size = wire::struct_size(target.tag);
  if (!range_within(target.word_offset, size.total_words(), words_in(target.segment))) {
    return CapnpError::PointerOutOfBounds;
  }
  TRY(charge(m_message, size.total_words()));
  return StructReader(m_message, target.segment, target.word_offset * BYTES_PER_WORD,
                      uint32_t{size.data_words} * 8, size.pointer_count, m_nesting - 1);
}

CapnpResult<ListReader> PointerReader::get_list(ElementSize expected,
                                                const DefaultValue* default_value) const {
  if (!is_null()) return follow_list(expected);
  const ListReader empty(nullptr, {}, 0, 0, 0, 0, 0, expected, UNLIMITED_NESTING);
  if (default_value == nullptr) return empty;
  const PointerReader fallback(nullptr, default_value->segment, 0, m_nesting);
  if (fallback.is_null()) return empty;
  return fallback.follow_list(expected);
}

CapnpResult<ListReader> PointerReader::follow_list(ElementSize expected) const {
  if (m_nesting <= 0) return CapnpError::NestingLimitExceeded;
  const Target target = TRY(resolve(m_message, m_segment, m_offset / BYTES_PER_WORD, m_word));
  if (wire::kind(target.tag) != PointerKind::List) return CapnpError::BadPointerKind;
  const ElementSize size = wire::list_element_size(target.tag);
  const uint32_t count = wire::list_element_count(target.tag);

  if (size == ElementSize::InlineComposite) {
    const uint64_t word_count = count;  // the pointer counts words, not elements
    if (!range_within(target.word_offset, word_count + 1, words_in(target.segment))) {
      return CapnpError::PointerOutOfBounds;
    }
    TRY(charge(m_message, word_count + 1));
    const uint64_t tag = TRY(load_word(target.segment, target.word_offset));
    if (wire::kind(tag) != PointerKind::Struct) return CapnpError::BadInlineCompositeTag;
    const uint32_t elements = wire::tag_element_count(tag);
    const StructSize element = wire::struct_size(tag);
    if (uint64_t{elements} * element.total_words() > word_count) {
      return CapnpError::InlineCompositeOverrun;
    }
    // Zero-sized elements occupy no words, so pay one per element (amplification).
    if (element.total_words() == 0) TRY(charge(m_message, elements));
    TRY(check_composite_compatible(expected, element));
    return ListReader(m_message, target.segment, (target.word_offset + 1) * BYTES_PER_WORD,
                      elements, element.total_words() * 64, uint32_t{element.data_words} * 64,
                      element.pointer_count, ElementSize::InlineComposite, m_nesting - 1);
  }

  const uint32_t data_bits = wire::data_bits_per_element(size);
  const uint32_t pointers = wire::pointers_per_element(size);
  const uint32_t step = data_bits + pointers * 64;
  const uint64_t words = (uint64_t{count} * step + 63) / 64;
  if (!range_within(target.word_offset, words, words_in(target.segment))) {
    return CapnpError::PointerOutOfBounds;
  }
  TRY(charge(m_message, words));
  if (size == ElementSize::Void) TRY(charge(m_message, count));  // amplification, as above
  if (size == ElementSize::Bit && expected != ElementSize::Bit) {
    return CapnpError::WrongElementSize;
  }
  if (wire::data_bits_per_element(expected) > data_bits ||
      wire::pointers_per_element(expected) > pointers) {
    return CapnpError::WrongElementSize;
  }
  return ListReader(m_message, target.segment, target.word_offset * BYTES_PER_WORD, count, step,
                    data_bits, static_cast<uint16_t>(pointers), size, m_nesting - 1);
}

CapnpResult<ByteView> PointerReader::get_text(ByteView default_value) const {
  if (is_null()) return default_value;
  const ByteView bytes = TRY(read_bytes(m_message, m_segment, m_offset / BYTES_PER_WORD, m_word));
  if (bytes.empty() || bytes.back() != 0) return CapnpError::TextNotNulTerminated;
  return bytes.first(bytes.size() - 1);
}

CapnpResult<ByteView> PointerReader::get_data(ByteView default_value) const {
  if (is_null()) return default_value;
  return read_bytes(m_message, m_segment, m_offset / BYTES_PER_WORD, m_word);
}

CapnpResult<std::optional<uint32_t>> PointerReader::get_capability() const {
  if (is_null()) return std::optional<uint32_t>();
  // Like libcapnp, capability pointers are never reached through far pointers.
  if (!wire::is_capability(m_word)) return CapnpError::BadPointerKind;
  return std::optional<uint32_t>(wire::capability_index(m_word));
}

bool StructReader::get_bool(uint32_t bit_offset, bool default_value) const {
  if (bit_offset / 8 >= m_data_bytes) return default_value;
  const uint8_t byte = load_le<uint8_t>(m_segment, m_data_offset + bit_offset / 8).value_or(0);
  return (((byte >> (bit_offset % 8)) & 1U) != 0) != default_value;
}

PointerReader StructReader::pointer(uint16_t index) const {
  if (index >= m_pointer_count) return {};
  return PointerReader(m_message, m_segment,
                       m_data_offset + m_data_bytes + uint64_t{index} * BYTES_PER_WORD, m_nesting);
}

bool ListReader::get_bool(uint32_t index) const {
  if (index >= m_count || m_data_bits == 0) return false;
  // Bit `index` whatever the step, as libcapnp reads it: only Bit..EightBytes lists open as
  // Bit lists, and their first m_count bits always lie inside the list.
  const uint8_t byte = load_le<uint8_t>(m_segment, m_start + index / 8).value_or(0);
  return ((byte >> (index % 8)) & 1U) != 0;
}

CapnpResult<StructReader> ListReader::get_struct(uint32_t index) const {
  if (index >= m_count) return CapnpError::IndexOutOfRange;
  if (m_step_bits % 8 != 0) return CapnpError::WrongElementSize;  // bit lists
  if (m_nesting <= 0) return CapnpError::NestingLimitExceeded;
  return StructReader(m_message, m_segment, m_start + uint64_t{index} * (m_step_bits / 8),
                      m_data_bits / 8, m_pointer_count, m_nesting - 1);
}

CapnpResult<PointerReader> ListReader::pointer(uint32_t index) const {
  if (index >= m_count) return CapnpError::IndexOutOfRange;
  if (m_pointer_count == 0) return CapnpError::WrongElementSize;
  const uint64_t element = m_start + uint64_t{index} * (m_step_bits / 8);
  return PointerReader(m_message, m_segment, element + m_data_bits / 8, m_nesting);
}

CapnpResult<ByteView> ListReader::get_text(uint32_t index) const {
  return TRY(pointer(index)).get_text();
}

CapnpResult<ByteView> ListReader::get_data(uint32_t index) const {
  return TRY(pointer(index)).get_data();
}

CapnpResult<ListReader> ListReader::get_list(uint32_t index, ElementSize expected) const {
  return TRY(pointer(index)).get_list(expected);
}

}  // namespace capos::capnp
