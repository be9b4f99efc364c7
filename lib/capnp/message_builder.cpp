#include "lib/capnp/message_builder.h"

#include "lib/capnp/wire.h"
#include "lib/core/panic.h"

namespace capos::capnp {

CapnpResult<void> MessageBuilder::add_segment(MutableByteView buffer) {
  if (m_segment_count == MAX_SEGMENTS) return CapnpError::TooManySegments;
  const uint64_t whole_words = buffer.size() / BYTES_PER_WORD;
  const auto capacity =
      static_cast<uint32_t>(whole_words < MAX_SEGMENT_WORDS ? whole_words : MAX_SEGMENT_WORDS);
  if (m_segment_count == 0 && capacity == 0) return CapnpError::SegmentsExhausted;
  // Zero-filled: unwritten fields read as defaults and no stale caller bytes are serialized.
  const uint64_t used_bytes = uint64_t{capacity} * BYTES_PER_WORD;
  for (uint64_t i = 0; i < used_bytes; ++i) buffer[i] = 0;
  Segment& segment = m_segments[m_segment_count];
  segment.bytes = buffer;
  segment.capacity_words = capacity;
  segment.used_words = m_segment_count == 0 ? 1 : 0;  // word 0 of segment 0: the root pointer
  ++m_segment_count;
  return {};
}

CapnpResult<PointerBuilder> MessageBuilder::root_pointer() {
  if (m_segment_count == 0) return CapnpError::SegmentsExhausted;
  return PointerBuilder(this, 0, 0);
}

CapnpResult<StructBuilder> MessageBuilder::init_root(StructSize size) {
  const PointerBuilder root = TRY(root_pointer());
  return root.init_struct(size);
}

uint32_t MessageBuilder::segment_count() const {
  uint32_t count = 0;
  for (uint32_t i = 0; i < m_segment_count; ++i) {
    if (m_segments[i].used_words > 0) count = i + 1;
  }
  return count;
}

uint32_t MessageBuilder::segment_used_words(uint32_t segment) const {
  return segment < m_segment_count ? m_segments[segment].used_words : 0;
}

uint64_t MessageBuilder::serialized_bytes() const {
  const uint32_t count = segment_count();
  uint64_t total = (uint64_t{count} / 2 + 1) * BYTES_PER_WORD;
  // At most 64 segments of < 2^29 words: no overflow.
  for (uint32_t i = 0; i < count; ++i) total += uint64_t{m_segments[i].used_words} * 8;
  return total;
}

CapnpResult<uint64_t> MessageBuilder::serialize(MutableByteView output) const {
  const uint32_t count = segment_count();
  if (count == 0) return CapnpError::SegmentsExhausted;
  const uint64_t total = serialized_bytes();
  if (total > output.size()) return CapnpError::OutputTooSmall;
  const uint64_t table_bytes = (uint64_t{count} / 2 + 1) * BYTES_PER_WORD;
  detail::store_allocated<uint32_t>(output, 0, count - 1);
  for (uint32_t i = 0; i < count; ++i) {
    detail::store_allocated<uint32_t>(output, 4 + uint64_t{i} * 4, m_segments[i].used_words);
  }
  if (count % 2 == 0) detail::store_allocated<uint32_t>(output, 4 + uint64_t{count} * 4, 0);
  uint64_t offset = table_bytes;
  for (uint32_t i = 0; i < count; ++i) {
    const uint64_t bytes = uint64_t{m_segments[i].used_words} * BYTES_PER_WORD;
    const Result<MutableByteView> destination = subview(output, offset, bytes);
    KASSERT(destination.has_value());  // total <= output.size() was checked
    for (uint64_t j = 0; j < bytes; ++j) (*destination)[j] = m_segments[i].bytes[j];
    offset += bytes;
  }
  return total;
}

std::optional<MessageBuilder::Allocation> MessageBuilder::allocate_in(uint32_t segment,
                                                                      uint64_t words) {
  if (segment >= m_segment_count) return std::nullopt;
  Segment& s = m_segments[segment];
  if (words > s.capacity_words - s.used_words) return std::nullopt;
  const Allocation allocation{segment, s.used_words};
  s.used_words += static_cast<uint32_t>(words);  // <= capacity_words, checked above
  return allocation;
}

std::optional<MessageBuilder::Allocation> MessageBuilder::allocate_anywhere(uint64_t words) {
  for (uint32_t i = 0; i < m_segment_count; ++i) {
    const std::optional<Allocation> allocation = allocate_in(i, words);
    if (allocation) return allocation;
  }
  return std::nullopt;
}

MutableByteView MessageBuilder::segment_bytes(uint32_t segment) const {
  KASSERT(segment < m_segment_count);
  const Segment& s = m_segments[segment];
  return s.bytes.first(uint64_t{s.capacity_words} * BYTES_PER_WORD);
}

}  // namespace capos::capnp
