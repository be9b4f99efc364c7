// lib/capnp/message_reader.h — parses the standard serialization (segment table + segments)
// and hands out the root struct. The kernel decodes hostile params and the boot manifest here.
//
// Format: u32 (segment count - 1), u32 size in words of each segment, zero padding to a word
// boundary, then the segments back to back. Policy (README.md): at most MAX_SEGMENTS segments;
// every segment must lie inside the bytes; bytes after the last segment are rejected unless
// ReaderOptions::trailing_bytes is Allow. No alignment is required of `bytes`.
//
// A MessageReader borrows the bytes (they must outlive it and every reader made from it) and
// owns the traversal budget; it is neither copyable nor movable because readers point at it.
// Not synchronised: one thread reads a message at a time (the budget is a plain counter).
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "lib/capnp/capnp_error.h"
#include "lib/capnp/reader.h"
#include "lib/core/bytes.h"

namespace capos::capnp {

inline constexpr uint32_t MAX_SEGMENTS = 64;
// 1 Mi words = 8 MiB of reads per message: far above any ring message, enough for a boot
// manifest with embedded binaries; callers with tighter bounds pass their own.
inline constexpr uint64_t DEFAULT_TRAVERSAL_LIMIT_WORDS = uint64_t{1} << 20;
inline constexpr uint32_t DEFAULT_NESTING_LIMIT = 64;  // libcapnp's default

enum class TrailingBytes : uint8_t { Reject, Allow };

struct ReaderOptions {
  // Words that following pointers may charge in total (libcapnp's traversalLimitInWords):
  // each object read costs its size in words every time it is read, and lists of zero-sized
  // elements cost one word per element, so repeated or amplified pointers exhaust it.
  uint64_t traversal_limit_words = DEFAULT_TRAVERSAL_LIMIT_WORDS;
  // Structs and lists nested deeper than this fail with NestingLimitExceeded.
  uint32_t nesting_limit = DEFAULT_NESTING_LIMIT;
  TrailingBytes trailing_bytes = TrailingBytes::Reject;
};

class MessageReader {
 public:
  explicit MessageReader(ReaderOptions options = {})
      : m_options(options), m_traversal_remaining(options.traversal_limit_words) {}
  MessageReader(const MessageReader&) = delete;
  MessageReader& operator=(const MessageReader&) = delete;
  MessageReader(MessageReader&&) = delete;
  MessageReader& operator=(MessageReader&&) = delete;
  ~MessageReader() = default;

  // Reads the segment table. On success the message is [0, message_bytes()) of `bytes`; on
  // failure the reader holds no segments. Resets the traversal budget.
  [[nodiscard]] CapnpResult<void> parse(ByteView bytes);

  // The root pointer (word 0 of segment 0; reading it costs one word) and the root struct.
  [[nodiscard]] CapnpResult<PointerReader> root_pointer() const;
  [[nodiscard]] CapnpResult<StructReader> root() const;

  [[nodiscard]] uint32_t segment_count() const { return m_segment_count; }
  [[nodiscard]] uint64_t message_bytes() const { return m_message_bytes; }
  [[nodiscard]] uint64_t traversal_remaining_words() const { return m_traversal_remaining; }
  [[nodiscard]] const ReaderOptions& options() const { return m_options; }

  // For the readers: segment `id`, or nullopt if the message has no such segment.
  [[nodiscard]] std::optional<ByteView> segment(uint32_t id) const;
  // For the readers: takes `words` from the traversal budget, or fails without taking any.
  [[nodiscard]] CapnpResult<void> charge(uint64_t words) const;

 private:
  ReaderOptions m_options;
  std::array<ByteView, MAX_SEGMENTS> m_segments{};
  uint32_t m_segment_count = 0;  // Invariant: <= MAX_SEGMENTS; [0, count) are valid views
  uint64_t m_message_bytes = 0;
  // Mutable: reading is logically const, but every pointer followed is paid for (libcapnp's
  // ReadLimiter). Invariant: only ever decreases between parse() calls.
  mutable uint64_t m_traversal_remaining;
};

}  // namespace capos::capnp
