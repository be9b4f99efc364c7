#include "lib/capnp/message_reader.h"

#include <limits>

#include "lib/capnp/wire.h"
#include "lib/core/checked.h"

namespace capos::capnp {

CapnpResult<void> MessageReader::parse(ByteView bytes) {
  m_segment_count = 0;
  m_message_bytes = 0;
  m_traversal_remaining = m_options.traversal_limit_words;

  const Result<uint32_t> count_minus_one = load_le<uint32_t>(bytes, 0);
  if (!count_minus_one) return CapnpError::TruncatedSegmentTable;
  // In 64 bits: a count field of 0xffffffff means 2^32 segments, not 0.
  const uint64_t count = uint64_t{*count_minus_one} + 1;
  if (count > MAX_SEGMENTS) return CapnpError::TooManySegments;
  // One u32 for the count plus one per segment, padded to a whole word.
  const uint64_t table_bytes = (count / 2 + 1) * BYTES_PER_WORD;
  if (table_bytes > bytes.size()) return CapnpError::TruncatedSegmentTable;

  std::array<ByteView, MAX_SEGMENTS> segments{};
  uint64_t offset = table_bytes;
  for (uint64_t i = 0; i < count; ++i) {
    const Result<uint32_t> words = load_le<uint32_t>(bytes, 4 + 4 * i);
    if (!words) return CapnpError::TruncatedSegmentTable;  // unreachable: inside table_bytes
    const Result<uint64_t> size = checked_mul<uint64_t>(*words, BYTES_PER_WORD);
    if (!size) return CapnpError::MessageSizeOverflow;
    const Result<ByteView> segment = subview(bytes, offset, *size);
    if (!segment) return CapnpError::SegmentOutOfBounds;
    segments[i] = *segment;
    const Result<uint64_t> next = checked_add<uint64_t>(offset, *size);
    if (!next) return CapnpError::MessageSizeOverflow;
    offset = *next;
  }
  if (offset != bytes.size() && m_options.trailing_bytes == TrailingBytes::Reject) {
    return CapnpError::TrailingBytes;
  }
  m_segments = segments;
  m_segment_count = static_cast<uint32_t>(count);
  m_message_bytes = offset;
  return {};
}

std::optional<ByteView> MessageReader::segment(uint32_t id) const {
  if (id >= m_segment_count) return std::nullopt;
  return m_segments[id];
}

CapnpResult<void> MessageReader::charge(uint64_t words) const {
  if (words > m_traversal_remaining) return CapnpError::TraversalLimitExceeded;
  m_traversal_remaining -= words;
  return {};
}

CapnpResult<PointerReader> MessageReader::root_pointer() const {
  if (m_segment_count == 0 || m_segments[0].size() < BYTES_PER_WORD) {
    return CapnpError::MissingRootPointer;
  }
  TRY(charge(1));
  const int32_t nesting =
      m_options.nesting_limit > static_cast<uint32_t>(std::numeric_limits<int32_t>::max())
          ? std::numeric_limits<int32_t>::max()
          : static_cast<int32_t>(m_options.nesting_limit);
  return PointerReader(this, m_segments[0], 0, nesting);
}

CapnpResult<StructReader> MessageReader::root() const {
  const PointerReader root = TRY(root_pointer());
  return root.get_struct();
}

}  // namespace capos::capnp
