// Hand-crafted Cap'n Proto messages for the lib/capnp tests. The encoders below are written
// from the spec independently of lib/capnp/wire.h, so a shared misreading cannot hide.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "lib/capnp/capnp_error.h"
#include "lib/capnp/message_reader.h"
#include "lib/capnp/wire.h"
#include "lib/core/bytes.h"

namespace capos::capnp {

inline void PrintTo(CapnpError error, std::ostream* os) { *os << capnp_error_name(error); }

namespace test {

// Pointer words (capnproto.org/encoding.html).
inline uint64_t struct_ptr(int32_t offset, uint16_t data_words, uint16_t pointers) {
  return (static_cast<uint64_t>(pointers) << 48) | (static_cast<uint64_t>(data_words) << 32) |
         (static_cast<uint32_t>(offset) << 2);
}
inline uint64_t list_ptr(int32_t offset, ElementSize size, uint32_t count) {
  return (static_cast<uint64_t>(count) << 35) | (static_cast<uint64_t>(size) << 32) |
         (static_cast<uint32_t>(offset) << 2) | 1U;
}
inline uint64_t far_ptr(bool double_far, uint32_t pad_word, uint32_t segment) {
  return (static_cast<uint64_t>(segment) << 32) | (static_cast<uint64_t>(pad_word) << 3) |
         (double_far ? 4U : 0U) | 2U;
}
inline uint64_t cap_ptr(uint32_t index) { return (static_cast<uint64_t>(index) << 32) | 3U; }
inline uint64_t composite_tag(uint32_t count, uint16_t data_words, uint16_t pointers) {
  return struct_ptr(0, data_words, pointers) | (static_cast<uint64_t>(count) << 2);
}
// Up to 8 bytes packed little-endian into one word.
inline uint64_t bytes_word(std::initializer_list<uint8_t> bytes) {
  uint64_t word = 0;
  int shift = 0;
  for (uint8_t byte : bytes) {
    word |= static_cast<uint64_t>(byte) << shift;
    shift += 8;
  }
  return word;
}

// Segments of raw words, serialized with the standard segment table.
struct RawMessage {
  std::vector<std::vector<uint64_t>> segments;

  std::vector<uint8_t> bytes() const {
    std::vector<uint8_t> out;
    auto put32 = [&out](uint32_t value) {
      for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(value >> (8 * i)));
    };
    put32(static_cast<uint32_t>(segments.size() - 1));
    for (const auto& segment : segments) put32(static_cast<uint32_t>(segment.size()));
    if (segments.size() % 2 == 0) put32(0);
    for (const auto& segment : segments) {
      for (uint64_t word : segment) {
        for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(word >> (8 * i)));
      }
    }
    return out;
  }
};

template <typename T>
std::optional<CapnpError> error_of(const CapnpResult<T>& result) {
  if (result.has_value()) return std::nullopt;
  return result.error();
}

inline ByteView view(const std::vector<uint8_t>& bytes) {
  return ByteView(bytes.data(), bytes.size());
}

inline std::vector<uint8_t> text_bytes(const char* text) {
  std::vector<uint8_t> bytes;
  for (const char* c = text; *c != 0; ++c) bytes.push_back(static_cast<uint8_t>(*c));
  return bytes;
}

inline std::string as_string(ByteView bytes) {
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

// The value of a result a test step requires; aborts the test binary with the error name and
// line otherwise (nothing sensible can follow a failed setup step).
template <typename T>
T must(CapnpResult<T>&& result, int line) {
  if (!result.has_value()) {
    std::fprintf(stderr, "MUST failed at line %d: %s\n", line, capnp_error_name(result.error()));
    std::abort();
  }
  if constexpr (!std::is_void_v<T>) return std::move(result).take();
}
#define MUST(expr) ::capos::capnp::test::must((expr), __LINE__)

// A parsed message that keeps its bytes alive for the readers made from it.
struct Parsed {
  std::vector<uint8_t> bytes;
  std::unique_ptr<MessageReader> reader;
};

inline Parsed parse(const RawMessage& message, ReaderOptions options = {}) {
  Parsed parsed{message.bytes(), std::make_unique<MessageReader>(options)};
  MUST(parsed.reader->parse(view(parsed.bytes)));
  return parsed;
}

inline std::optional<CapnpError> parse_error(const std::vector<uint8_t>& bytes,
                                             ReaderOptions options = {}) {
  MessageReader reader(options);
  return error_of(reader.parse(view(bytes)));
}

}  // namespace test
}  // namespace capos::capnp
