// lib/gen/support.h — the hand-written runtime that the code capnpc-capos generates is written
// against (cf. libcapnp's generated-header-support.h): typed lists (lists.h), root helpers, the
// in-place single-segment framing used by client stubs and dispatchers, the dispatch error, and
// the decode -> invoke shape of servers (DecodedCall, decode_call; lib/gen/README.md).
//
// Freestanding: no heap, no exceptions, no RTTI. Readers borrow a MessageReader and builders a
// MessageBuilder (lib/capnp); both must outlive every wrapper made from them.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <new>
#include <type_traits>
#include <utility>

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

// Why a call failed before its invoke step. `stage` says who was at fault: the caller's method
// id or params, the result buffer, or the server's decode step. `error` is the one vocabulary's
// value the call fails with (lib/core/error.h; the kernel maps it onto the CQE with
// to_transport_code): BadMethod for Method, InvalidArgument for any malformed params, TooBig
// for any result buffer that cannot hold the results, the decode step's own Error otherwise.
// `wire` is the Cap'n Proto rule that failed for Params and Results (CapnpError{} otherwise),
// kept for diagnosis only.
enum class DispatchStage : uint8_t { Method, Params, Results, Decode };
struct DispatchError {
  Error error = Error::InvalidArgument;
  DispatchStage stage = DispatchStage::Method;
  CapnpError wire{};
};
template <typename T>
using DispatchResult = Result<T, DispatchError>;

struct DispatchOptions {
  // 0: eight times the params' size in words, plus 64 (validation reads everything once, the
  // decode step may read it again).
  uint64_t traversal_limit_words = 0;
  uint32_t nesting_limit = capnp::DEFAULT_NESTING_LIMIT;
};

[[nodiscard]] capnp::ReaderOptions params_reader_options(ByteView params,
                                                         const DispatchOptions& options);
[[nodiscard]] inline DispatchError wire_error(DispatchStage stage, CapnpError wire) {
  return DispatchError{stage == DispatchStage::Params ? Error::InvalidArgument : Error::TooBig,
                       stage, wire};
}
[[nodiscard]] inline DispatchError bad_method() {
  return DispatchError{Error::BadMethod, DispatchStage::Method, CapnpError{}};
}

// The plan of a method whose decode step leaves nothing for its invoke step (it built the
// results and reserved nothing).
struct NoPlan {};

// What a server's decode step returns: Result<Plan, Error> for a movable, non-void Plan.
template <typename R>
struct DecodeTraits {};
template <typename P>
  requires(!std::is_void_v<P> && std::is_move_constructible_v<P>)
struct DecodeTraits<Result<P, Error>> {
  using Plan = P;
};
template <typename R>
concept DecodeResult = requires { typename DecodeTraits<std::remove_cvref_t<R>>::Plan; };
template <typename R>
using PlanOf = typename DecodeTraits<std::remove_cvref_t<R>>::Plan;

namespace detail {

// Storage for exactly one of Plans..., none constructed until DecodedCall constructs one.
template <typename... Plans>
union PlanSlots {};
template <typename Head, typename... Tail>
union PlanSlots<Head, Tail...> {
  constexpr PlanSlots() : none() {}
  ~PlanSlots() {}  // NOLINT(modernize-use-equals-default): DecodedCall destroys the active one
  PlanSlots(const PlanSlots&) = delete;
  PlanSlots& operator=(const PlanSlots&) = delete;
  PlanSlots(PlanSlots&&) = delete;
  PlanSlots& operator=(PlanSlots&&) = delete;
  struct None {
  } none;
  Head head;
  PlanSlots<Tail...> tail;
};

template <size_t I, typename Slots>
constexpr auto& plan_slot(Slots& slots) {
  if constexpr (I == 0) {
    return slots.head;
  } else {
    return plan_slot<I - 1>(slots.tail);
  }
}

}  // namespace detail

// A decoded call: the plan of method number I (its position in the interface) and the length
// of the results its decode step built. Holds exactly one plan from make() until it is
// destroyed; the plan's own destructor runs then (so a call dropped before invoke rolls back
// whatever the plan reserved). Move-only.
template <typename... Plans>
class DecodedCall {
 public:
  template <size_t I, typename Plan>
  [[nodiscard]] static DecodedCall make(Plan&& plan, uint32_t payload_length) {
    DecodedCall decoded;
    using Slot = std::remove_cvref_t<decltype(detail::plan_slot<I>(decoded.m_slots))>;
    new (&detail::plan_slot<I>(decoded.m_slots)) Slot(std::forward<Plan>(plan));
    decoded.m_index = I;
    decoded.m_payload_length = payload_length;
    return decoded;
  }
  DecodedCall(DecodedCall&& other) noexcept
      : m_index(other.m_index), m_payload_length(other.m_payload_length) {
    each([&]<size_t I>() {
      using Slot = std::remove_cvref_t<decltype(detail::plan_slot<I>(m_slots))>;
      new (&detail::plan_slot<I>(m_slots)) Slot(std::move(detail::plan_slot<I>(other.m_slots)));
    });
  }
  DecodedCall(const DecodedCall&) = delete;
  DecodedCall& operator=(const DecodedCall&) = delete;
  DecodedCall& operator=(DecodedCall&&) = delete;
  ~DecodedCall() {
    each([&]<size_t I>() {
      using Slot = std::remove_cvref_t<decltype(detail::plan_slot<I>(m_slots))>;
      detail::plan_slot<I>(m_slots).~Slot();
    });
  }

  // Which method's plan this holds (< sizeof...(Plans)).
  [[nodiscard]] size_t index() const { return m_index; }
  // Bytes of the results message the decode step built at the start of the result buffer.
  [[nodiscard]] uint32_t payload_length() const { return m_payload_length; }
  // Precondition (KASSERT): index() == I.
  template <size_t I>
  [[nodiscard]] auto& plan() {
    KASSERT(m_index == I);
    return detail::plan_slot<I>(m_slots);
  }

 private:
  DecodedCall() = default;
  // Runs visit.template operator()<I>() for the one I == m_index.
  template <typename Visit>
  void each(Visit visit) {
    [&]<size_t... Is>(std::index_sequence<Is...>) {
      ((m_index == Is ? (visit.template operator()<Is>(), 0) : 0), ...);
    }(std::index_sequence_for<Plans...>{});
  }

  detail::PlanSlots<Plans...> m_slots;
  size_t m_index = sizeof...(Plans);  // none, until make()
  uint32_t m_payload_length = 0;
};

// The decode step of method number I of an interface (generated code calls it): decodes and
// fully validates the params (every pointer the schema declares is followed once, so decode
// never meets malformed bytes), starts the results in place in `result`, runs
// `decode(params_reader, results_builder) -> Result<Plan>` and finishes the results. Nothing
// but `result` (the caller's kernel-side result buffer) is written before the plan exists; the
// results builder dies here, so a plan never holds one.
template <size_t I, typename Decoded, typename Params, typename Results, typename Decode>
[[nodiscard]] DispatchResult<Decoded> decode_call(ByteView params, MutableByteView result,
                                                  const DispatchOptions& options, Decode decode) {
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
  auto plan = decode(*root, *results);
  if (!plan) return DispatchError{plan.error(), DispatchStage::Decode, CapnpError{}};
  auto length = message.finish();
  if (!length) return wire_error(DispatchStage::Results, length.error());
  return Decoded::template make<I>(std::move(plan).take(), *length);
}

}  // namespace capos::gen
