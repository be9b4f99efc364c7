// Shared helpers of the lib/gen tests: moving messages between libcapnp and lib/capnp, building
// with lib/capnp into several small segments (so far pointers appear), unwrapping results inside
// RapidCheck properties, and the count of differential cases.
#pragma once

#include <capnp/any.h>
#include <capnp/message.h>
#include <capnp/serialize.h>
#include <gtest/gtest.h>
#include <kj/array.h>
#include <rapidcheck.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lib/capnp/capnp_error.h"
#include "lib/capnp/message_builder.h"
#include "lib/capnp/message_reader.h"
#include "lib/core/bytes.h"

namespace capos::gen::test {

// Differential cases: one per message whose every field was compared between libcapnp and the
// generated code. Printed by the test environment at the end of each test process.
void count_differential_case();
uint64_t differential_cases();

inline std::vector<uint8_t> to_bytes(::capnp::MessageBuilder& builder) {
  const kj::Array<::capnp::word> words = ::capnp::messageToFlatArray(builder);
  const auto bytes = words.asBytes();
  return {bytes.begin(), bytes.end()};
}

// A libcapnp reader over a copy of `bytes` (FlatArrayMessageReader wants aligned words).
class LibMessage {
 public:
  explicit LibMessage(const std::vector<uint8_t>& bytes)
      : m_words(kj::heapArray<::capnp::word>(bytes.size() / sizeof(::capnp::word))) {
    std::memcpy(m_words.begin(), bytes.data(), m_words.asBytes().size());
    ::capnp::ReaderOptions options;
    options.traversalLimitInWords = uint64_t{1} << 30;
    m_reader = std::make_unique<::capnp::FlatArrayMessageReader>(m_words.asPtr(), options);
  }
  template <typename T>
  typename T::Reader root() {
    return m_reader->getRoot<T>();
  }
  ::capnp::AnyPointer::Reader any_root() { return m_reader->getRoot<::capnp::AnyPointer>(); }
  // Bytes libcapnp consumed: the message's exact length.
  size_t consumed_bytes() const {
    return static_cast<size_t>(m_reader->getEnd() - m_words.begin()) * sizeof(::capnp::word);
  }

 private:
  kj::Array<::capnp::word> m_words;
  std::unique_ptr<::capnp::FlatArrayMessageReader> m_reader;
};

// A lib/capnp message builder over `segment_sizes` zeroed buffers (bytes each).
class OurMessage {
 public:
  explicit OurMessage(const std::vector<size_t>& segment_sizes) {
    for (const size_t size : segment_sizes) m_buffers.emplace_back(size);
    for (auto& buffer : m_buffers) {
      const auto added = m_builder.add_segment(MutableByteView(buffer.data(), buffer.size()));
      if (!added) throw std::runtime_error("add_segment failed");
    }
  }
  capnp::MessageBuilder& builder() { return m_builder; }
  std::vector<uint8_t> serialize() const {
    std::vector<uint8_t> out(m_builder.serialized_bytes());
    const auto written = m_builder.serialize(MutableByteView(out.data(), out.size()));
    if (!written || *written != out.size()) throw std::runtime_error("serialize failed");
    return out;
  }

 private:
  std::vector<std::vector<uint8_t>> m_buffers;
  capnp::MessageBuilder m_builder;
};

// Segment layouts: one big segment, or a few small ones before a big one.
inline std::vector<size_t> random_segments() {
  std::vector<size_t> sizes;
  const int small = *rc::gen::inRange(0, 5);
  for (int i = 0; i < small; ++i) sizes.push_back(size_t{*rc::gen::inRange<uint32_t>(1, 24)} * 8);
  sizes.push_back(size_t{1} << 20);
  return sizes;
}

// libcapnp's first-segment size: small values (with GROW_HEURISTICALLY, so at most a few dozen
// segments, within lib/capnp's MAX_SEGMENTS) force multi-segment messages with far pointers.
inline uint32_t random_first_segment_words() {
  return *rc::gen::element<uint32_t>(1, 2, 8, 64, 1024);
}

inline std::string text(ByteView bytes) { return {bytes.begin(), bytes.end()}; }
inline ByteView view(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
inline ByteView view(const std::vector<uint8_t>& bytes) { return {bytes.data(), bytes.size()}; }
inline ByteView view(::capnp::Text::Reader t) {
  return {reinterpret_cast<const uint8_t*>(t.begin()), t.size()};
}
inline ByteView view(::capnp::Data::Reader d) { return {d.begin(), d.size()}; }

// The value of `result`, failing the property (with the error's name) when it is an error.
template <typename T>
T ok(capnp::CapnpResult<T> result) {
  if (!result.has_value()) {
    RC_FAIL(std::string("unexpected CapnpError ") + capnp::capnp_error_name(result.error()));
  }
  return std::move(result).take();
}
inline void ok(capnp::CapnpResult<void> result) {
  if (!result.has_value()) {
    RC_FAIL(std::string("unexpected CapnpError ") + capnp::capnp_error_name(result.error()));
  }
}

inline bool same_bytes(ByteView ours, ByteView theirs) {
  return ours.size() == theirs.size() &&
         (ours.empty() || std::memcmp(ours.data(), theirs.data(), ours.size()) == 0);
}

}  // namespace capos::gen::test
