#include "lib/gen/support.h"

#include <cstdint>
#include <limits>

#include "lib/core/bytes.h"

namespace capos::gen {

namespace {

constexpr uint64_t SEGMENT_TABLE_BYTES = 8;  // u32 (segment count - 1), u32 segment 0 words

}  // namespace

CapnpResult<void> InPlaceMessage::start(MutableByteView buffer) {
  if (buffer.size() < SEGMENT_TABLE_BYTES + capnp::BYTES_PER_WORD) {
    return CapnpError::OutputTooSmall;
  }
  m_buffer = buffer;
  return m_builder.add_segment(buffer.subspan(SEGMENT_TABLE_BYTES));
}

CapnpResult<uint32_t> InPlaceMessage::finish() {
  // One segment was added in start(), so the message can only have that one.
  KASSERT(m_builder.segment_count() == 1);
  const uint32_t words = m_builder.segment_used_words(0);
  // Invariant: words <= MAX_SEGMENT_WORDS (2^29 - 1), so the length fits 32 bits.
  const uint64_t length = SEGMENT_TABLE_BYTES + uint64_t{words} * capnp::BYTES_PER_WORD;
  KASSERT(length <= m_buffer.size());
  capnp::detail::store_allocated<uint32_t>(m_buffer, 0, 0);
  capnp::detail::store_allocated<uint32_t>(m_buffer, 4, words);
  return static_cast<uint32_t>(length);
}

CapSqe make_call_sqe(uint32_t cap_id, uint16_t method_id, uint64_t user_data, ByteView params,
                     MutableByteView result) {
  constexpr uint64_t max_length = std::numeric_limits<uint32_t>::max();
  CapSqe sqe{};
  sqe.opcode = to_raw(Opcode::Call);
  sqe.method_id = method_id;
  sqe.cap_id = cap_id;
  sqe.user_data = user_data;
  sqe.params_addr = params.empty() ? 0 : address_of(params.data());
  sqe.params_len = static_cast<uint32_t>(params.size() < max_length ? params.size() : max_length);
  sqe.result_addr = result.empty() ? 0 : address_of(result.data());
  sqe.result_len = static_cast<uint32_t>(result.size() < max_length ? result.size() : max_length);
  return sqe;
}

capnp::ReaderOptions params_reader_options(ByteView params, const DispatchOptions& options) {
  capnp::ReaderOptions reader_options;
  reader_options.traversal_limit_words = options.traversal_limit_words != 0
                                             ? options.traversal_limit_words
                                             : 8 * (params.size() / capnp::BYTES_PER_WORD) + 64;
  reader_options.nesting_limit = options.nesting_limit;
  reader_options.trailing_bytes = capnp::TrailingBytes::Reject;
  return reader_options;
}

}  // namespace capos::gen
