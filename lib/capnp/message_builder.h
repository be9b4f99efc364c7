// lib/capnp/message_builder.h — builds a message in caller-provided segment buffers and
// serializes it with the standard segment table (what capnp::writeMessage produces).
//
// Usage: add_segment() one or more buffers (each is zero-filled and used in whole words, at
// most MAX_SEGMENT_WORDS of it), init_root(), fill it through the builders, serialize().
// Allocation policy: an object goes into the segment of the pointer that refers to it if it
// fits, otherwise into the first segment with room for it plus a one-word landing pad, reached
// through a single far pointer. Nothing is ever allocated from the heap.
//
// The MessageBuilder owns no memory but is pointed at by every builder made from it, so it is
// neither copyable nor movable. Not synchronised.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "lib/capnp/builder.h"
#include "lib/capnp/capnp_error.h"
#include "lib/capnp/message_reader.h"
#include "lib/core/bytes.h"

namespace capos::capnp {

class MessageBuilder {
 public:
  MessageBuilder() = default;
  MessageBuilder(const MessageBuilder&) = delete;
  MessageBuilder& operator=(const MessageBuilder&) = delete;
  MessageBuilder(MessageBuilder&&) = delete;
  MessageBuilder& operator=(MessageBuilder&&) = delete;
  ~MessageBuilder() = default;

  // Appends `buffer` as the next segment. The first one must hold at least one word (the
  // root pointer). TooManySegments past MAX_SEGMENTS; SegmentsExhausted for an empty first one.
  [[nodiscard]] CapnpResult<void> add_segment(MutableByteView buffer);

  [[nodiscard]] CapnpResult<PointerBuilder> root_pointer();
  [[nodiscard]] CapnpResult<StructBuilder> init_root(StructSize size);

  // Segments written so far (0 through the last one holding any word).
  [[nodiscard]] uint32_t segment_count() const;
  [[nodiscard]] uint32_t segment_used_words(uint32_t segment) const;
  [[nodiscard]] uint64_t serialized_bytes() const;
  // Writes the segment table and the used part of each segment to `output`; returns the
  // number of bytes written. OutputTooSmall (nothing written) if it does not fit.
  [[nodiscard]] CapnpResult<uint64_t> serialize(MutableByteView output) const;

  // For the builders.
  struct Allocation {
    uint32_t segment;
    uint64_t word;
  };
  [[nodiscard]] std::optional<Allocation> allocate_in(uint32_t segment, uint64_t words);
  [[nodiscard]] std::optional<Allocation> allocate_anywhere(uint64_t words);
  [[nodiscard]] MutableByteView segment_bytes(uint32_t segment) const;

 private:
  struct Segment {
    MutableByteView bytes;
    uint32_t capacity_words = 0;  // Invariant: capacity_words * 8 <= bytes.size()
    uint32_t used_words = 0;      // Invariant: used_words <= capacity_words
  };
  std::array<Segment, MAX_SEGMENTS> m_segments{};
  uint32_t m_segment_count = 0;
};

}  // namespace capos::capnp
