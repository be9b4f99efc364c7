// kernel/cap/ring_dispatch.h — what the kernel does with one SQE (SPEC §4), as the dispatcher
// KernelRing::enter() calls with its private copy of each SQE.
//
// Decode, then invoke (STYLE.md). For every opcode, the first failing check decides the CQE:
//   all:     decode_sqe (lib/ring): opcode >= 5 -> BAD_OPCODE; nonzero reserved fields ->
//            INVALID; a transfer sideband where the opcode carries none -> BAD_XFER.
//   NOP:     result 0.
//   CALL:    1. cap_id names no live cap (CapTable::lookup: index, generation) -> BAD_CAP;
//            2. params_len > max_params_bytes -> TOO_BIG; params not readable user memory
//               (validate_user_buffer: user half, no wrap, present + user pages) -> FAULT;
//            3. transfer descriptors: not readable -> FAULT; decode_xfer_descs (bad mode,
//               repeated MOVE source -> BAD_XFER; reserved fields -> INVALID); then BAD_XFER,
//               because no kernel method of this phase accepts capabilities;
//            4. the result window [result_addr, + min(result_len, result_scratch_bytes)) not
//               writable user memory -> FAULT;
//            5. CapObject::call on kernel copies (interface check -> BAD_INTERFACE; unknown
//               method -> BAD_METHOD; malformed params -> INVALID; the object's own failures);
//            6. results (or a serialized CapException) copied out: result = bytes written.
//   RECV, RETURN: BAD_CAP for a dead cap id, else BAD_INTERFACE: no object of this phase is an
//            Endpoint (the IPC issue adds them).
//   RELEASE: BAD_CAP for a dead cap id, else the cap is removed (its id stays stale forever).
// Nothing is written to user memory before step 6, so a rejected CALL has no effect, and a
// result buffer receives exactly the bytes the CQE reports (never stale scratch bytes: the
// window is zero-filled first). Every SQE completes immediately (nothing is deferred yet).
//
// Allocation-free and bounded: every copy is bounded by the scratch buffers below. Templated on
// the user-memory policy so host tests run the same code against fake memory and objects.
#pragma once

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>

#include "kernel/cap/cap_object.h"
#include "lib/cap/cap_id.h"
#include "lib/core/bytes.h"
#include "lib/core/result.h"
#include "lib/ring/abi.h"
#include "lib/ring/sqe.h"
#include "lib/ring/transport.h"

namespace capos::kernel {

// REVIEW_FINDINGS F-015: lib/ring's bound must equal lib/cap's (neither may include the other).
static_assert(MAX_XFER_DESCS == max_transfer_caps, "ring and cap table disagree on transfers");

inline constexpr size_t max_params_bytes = 8192;
inline constexpr size_t result_scratch_bytes = 8192;

template <typename M>
concept UserMemory = requires(M& memory, uint64_t address, uint64_t length,
                              MutableByteView destination, ByteView source) {
  { memory.copy_in(address, destination) } -> std::same_as<Result<void>>;
  { memory.copy_out(address, source) } -> std::same_as<Result<void>>;
  { memory.check_writable(address, length) } -> std::same_as<Result<void>>;
};

// Kernel buffers of one CALL. One per CPU (dispatch never nests and never sleeps).
struct CallScratch {
  alignas(8) std::array<uint8_t, max_params_bytes> params;
  alignas(8) std::array<uint8_t, result_scratch_bytes> result;
  std::array<uint8_t, MAX_XFER_DESCS * sizeof(XferDesc)> transfer_bytes;
  std::array<XferDesc, MAX_XFER_DESCS> transfers;
};

// The descriptors in `bytes` (a multiple of sizeof(XferDesc)), decoded field by field (docs/
// abi.md layout) into `out`; no byte is reinterpreted in place.
void read_xfer_descs(ByteView bytes, std::span<XferDesc> out);

// Serializes CapException{failure.exception, failure.message} at the start of `window` (zero
// filled). Returns the bytes written and sets `code` to APPLICATION_EXCEPTION, or, when the
// message had to be dropped to fit, APPLICATION_EXCEPTION_TRUNCATED (0 bytes if not even an
// empty CapException fits).
[[nodiscard]] uint32_t encode_exception(MutableByteView window, const CallFailure& failure,
                                        Error& code);

template <UserMemory Memory>
class RingDispatcher {
 public:
  RingDispatcher(ObjectTable& caps, FrameLedger& ledger, Memory& memory, CallScratch& scratch)
      : m_caps(&caps), m_ledger(&ledger), m_memory(&memory), m_scratch(&scratch) {}

  [[nodiscard]] CapCqe operator()(const CapSqe& sqe) {
    CapCqe cqe{};
    cqe.user_data = sqe.user_data;
    const Result<uint32_t> outcome = dispatch(sqe);
    cqe.result = outcome ? static_cast<int32_t>(*outcome) : transport_result(outcome.error());
    return cqe;
  }

 private:
  [[nodiscard]] Result<uint32_t> dispatch(const CapSqe& sqe) {
    const Opcode opcode = TRY(decode_sqe(sqe));
    switch (opcode) {
      case Opcode::Nop: return 0U;
      case Opcode::Call: return call(sqe);
      case Opcode::Recv:
      case Opcode::Return: TRY(live_cap(sqe.cap_id)); return Error::BadInterface;
      case Opcode::Release:
        if (!m_caps->remove(sqe.cap_id)) return Error::BadCap;
        return 0U;
    }
    return Error::BadOpcode;  // unreachable: decode_sqe admits only the five above
  }

  [[nodiscard]] Result<ObjectTable::Entry> live_cap(CapId id) const {
    const Result<ObjectTable::Entry> entry = m_caps->lookup(id);
    if (!entry) return Error::BadCap;
    return *entry;
  }

  [[nodiscard]] Result<uint32_t> call(const CapSqe& sqe) {
    const ObjectTable::Entry entry = TRY(live_cap(sqe.cap_id));

    if (sqe.params_len > max_params_bytes) return Error::TooBig;
    const MutableByteView params = MutableByteView(m_scratch->params).first(sqe.params_len);
    TRY(m_memory->copy_in(sqe.params_addr, params));

    if (sqe.xfer_count != 0) {  // <= MAX_XFER_DESCS: decode_sqe checked it
      const std::span<XferDesc> descs = std::span(m_scratch->transfers).first(sqe.xfer_count);
      const MutableByteView bytes =
          MutableByteView(m_scratch->transfer_bytes).first(descs.size_bytes());
      TRY(m_memory->copy_in(sqe.xfer_addr, bytes));
      read_xfer_descs(bytes, descs);
      TRY(decode_xfer_descs(descs));
      return Error::BadXfer;  // no kernel method of this phase takes capabilities
    }

    const uint32_t window_length =
        sqe.result_len < result_scratch_bytes ? sqe.result_len : uint32_t{result_scratch_bytes};
    TRY(m_memory->check_writable(sqe.result_addr, window_length));
    const MutableByteView window = MutableByteView(m_scratch->result).first(window_length);
    for (uint8_t& byte : window) byte = 0;

    const CallContext context{
        .interface_id = entry.interface_id, .badge = entry.badge, .ledger = m_ledger};
    const CallResult called = entry.object->call(context, sqe.method_id, params, window);
    uint32_t written = 0;
    Error code = Error::InvalidArgument;
    if (called) {
      written = *called;
    } else if (called.error().code == Error::ApplicationException) {
      written = encode_exception(window, called.error(), code);
    } else {
      return called.error().code;
    }
    KASSERT(written <= window_length);  // builders never write past the window
    TRY(m_memory->copy_out(sqe.result_addr, window.first(written)));
    if (!called) return code;
    return written;
  }

  ObjectTable* m_caps;
  FrameLedger* m_ledger;
  Memory* m_memory;
  CallScratch* m_scratch;
};

}  // namespace capos::kernel
