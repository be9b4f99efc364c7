// lib/gen/support.h — the hand-written runtime that the code capnpc-capos generates is written
// against (cf. libcapnp's generated-header-support.h): typed lists (lists.h), root helpers, the
// in-place single-segment framing used by client stubs and dispatchers, and the dispatch error.
//
// Freestanding: no heap, no exceptions, no RTTI. Readers borrow a MessageReader and builders a
// MessageBuilder (lib/capnp); both must outlive every wrapper made from them.
#pragma once

#include <concepts>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "lib/capnp/builder.h"
#include "lib/capnp/capnp_error.h"
#include "lib/capnp/message_builder.h"
#include "lib/capnp/message_reader.h"
#include "lib/capnp/reader.h"
#include "lib/capnp/wire.h"
#include "lib/core/bytes.h"
#include "lib/core/error.h"
#include "lib/core/result.h"
#include "lib/gen/lists.h"
#include "lib/ring/abi.h"

namespace capos::gen {

using capnp::CapnpError;
using capnp::CapnpResult;

// The root of a parsed message as the generated struct S (not validated: call validate()).
template <typename S>
[[nodiscard]] CapnpResult<typename S::Reader> read_root(const capnp::MessageReader& message) {
  return typename S::Reader(TRY(message.root()));
}

template <typename S>
[[nodiscard]] CapnpResult<typename S::Builder> init_root(capnp::MessageBuilder& message) {
  return typename S::Builder(TRY(message.init_root(S::STRUCT_SIZE)));
}

// A message built directly in its serialized form: bytes [0, 8) of the buffer are the segment
// table of a one-segment message and the segment follows, so nothing is copied. Only one
// segment buffer is ever added, so no far pointer can be written. Not copyable or movable
// (builders point at the MessageBuilder inside).
class InPlaceMessage {
 public:
  InPlaceMessage() = default;
  InPlaceMessage(const InPlaceMessage&) = delete;
  InPlaceMessage& operator=(const InPlaceMessage&) = delete;
  InPlaceMessage(InPlaceMessage&&) = delete;
  InPlaceMessage& operator=(InPlaceMessage&&) = delete;
  ~InPlaceMessage() = default;

  // OutputTooSmall unless the buffer holds the table and the root pointer (16 bytes).
  [[nodiscard]] CapnpResult<void> start(MutableByteView buffer);
  [[nodiscard]] capnp::MessageBuilder& builder() { return m_builder; }
  // Writes the segment table; returns the length of the message (8 + 8 * used words).
  [[nodiscard]] CapnpResult<uint32_t> finish();

 private:
  capnp::MessageBuilder m_builder;
  MutableByteView m_buffer;
};

// The buffers of one CALL: the serialized params are written at the start of `params`; the
// kernel writes the results into `result` (address and length go into the SQE).
struct CallBuffers {
  MutableByteView params;
  MutableByteView result;
};

// The SQE of a CALL (SPEC §4): every reserved field zero, result_len clamped to the u32 field
// (the kernel then writes fewer bytes, never more).
[[nodiscard]] CapSqe make_call_sqe(uint32_t cap_id, uint16_t method_id, uint64_t user_data,
                                   ByteView params, MutableByteView result);

// Builds a method's params with `fill` into buffers.params and returns the CALL SQE.
template <typename Params, typename Fill>
  requires std::same_as<std::invoke_result_t<Fill&, typename Params::Builder>, CapnpResult<void>>
[[nodiscard]] CapnpResult<CapSqe> prepare_call(uint32_t cap_id, uint16_t method_id,
                                               const CallBuffers& buffers, uint64_t user_data,
                                               Fill& fill) {
  InPlaceMessage message;
  TRY(message.start(buffers.params));
  TRY(fill(TRY(init_root<Params>(message.builder()))));
  const uint32_t length = TRY(message.finish());
  return make_call_sqe(cap_id, method_id, user_data, buffers.params.first(length), buffers.result);
}

// Why a dispatch failed. `stage` says who was at fault: the caller's method id or params, the
// result buffer, or the handler. `wire` is the Cap'n Proto rule that failed for Params and
// Results (CapnpError{} otherwise); `error` is the coarse kind (to_error(wire), BadMethod, or
// the handler's own error).
enum class DispatchStage : uint8_t { Method, Params, Results, Handler };
struct DispatchError {
  Error error = Error::InvalidArgument;
  DispatchStage stage = DispatchStage::Method;
  CapnpError wire{};
};
template <typename T>
using DispatchResult = Result<T, DispatchError>;

struct DispatchOptions {
  // 0: eight times the params' size in words, plus 64 (validation reads everything once, the
  // handler may read it again).
  uint64_t traversal_limit_words = 0;
  uint32_t nesting_limit = capnp::DEFAULT_NESTING_LIMIT;
};

[[nodiscard]] capnp::ReaderOptions params_reader_options(ByteView params,
                                                         const DispatchOptions& options);
[[nodiscard]] inline DispatchError wire_error(DispatchStage stage, CapnpError wire) {
  return DispatchError{capnp::to_error(wire), stage, wire};
}

// Decodes and fully validates the params (every pointer the schema declares is followed once,
// so a handler never meets malformed bytes), builds the results in place in `result` and runs
// `handler(params_reader, results_builder) -> Result<void>`. Returns the results' length.
template <typename Params, typename Results, typename Handler>
[[nodiscard]] DispatchResult<uint32_t> dispatch_call(ByteView params, MutableByteView result,
                                                     const DispatchOptions& options,
                                                     Handler handler) {
  capnp::MessageReader reader(params_reader_options(params, options));
  if (auto parsed = reader.parse(params); !parsed) {
    return wire_error(DispatchStage::Params, parsed.error());
  }
  auto root = read_root<Params>(reader);
  if (!root) return wire_error(DispatchStage::Params, root.error());
  if (auto valid = root->validate(); !valid) {
    return wire_error(DispatchStage::Params, valid.error());
  }
  InPlaceMessage message;
  if (auto started = message.start(result); !started) {
    return wire_error(DispatchStage::Results, started.error());
  }
  auto results = init_root<Results>(message.builder());
  if (!results) return wire_error(DispatchStage::Results, results.error());
  if (auto handled = handler(*root, *results); !handled) {
    return DispatchError{handled.error(), DispatchStage::Handler, CapnpError{}};
  }
  auto length = message.finish();
  if (!length) return wire_error(DispatchStage::Results, length.error());
  return *length;
}

[[nodiscard]] inline DispatchError bad_method() {
  return DispatchError{Error::BadMethod, DispatchStage::Method, CapnpError{}};
}

}  // namespace capos::gen
