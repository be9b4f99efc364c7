// kernel/cap/ring_dispatch.h — what the kernel does with one SQE (SPEC §4), as the dispatcher
// KernelRing::enter() calls with its private copy of each SQE.
//
// Decode, then invoke (STYLE.md, seL4): per opcode a side-effect-free decode_X that checks
// everything and takes RAII reservations, and an infallible invoke_X that commits. The first
// failing check decides the CQE (docs/abi.md "Dispatch precedence"):
//   all:     decode_sqe (lib/ring): opcode >= 5 -> BAD_OPCODE; nonzero reserved fields ->
//            INVALID; a transfer sideband where the opcode carries none -> BAD_XFER.
//   NOP:     result 0.
//   CALL:    decode_call:
//            1. cap_id names no live cap (CapTable::lookup: index, generation) -> BAD_CAP;
//            2. params_len > max_params_bytes -> TOO_BIG; params not readable user memory
//               (validate_user_buffer: user half, no wrap, present + user pages) -> FAULT;
//            3. transfer descriptors: not readable -> FAULT; decode_xfer_descs (bad mode,
//               repeated MOVE source -> BAD_XFER; reserved fields -> INVALID); a descriptor
//               naming no live cap of the caller -> BAD_XFER (TransferPlan::resolve);
//            4. the result window [result_addr, + min(result_len, result_scratch_bytes)):
//               overlapping the ring page or the CapSet page -> FAULT (F-032); not writable
//               user memory -> FAULT;
//            5. the object's decode step on kernel copies (CapObject::decode: interface ->
//               BAD_INTERFACE; unknown method -> BAD_METHOD; malformed params -> INVALID; the
//               results cannot fit -> TOO_BIG; the object's own failures, a CapException among
//               them);
//            6. admit: transfers nobody claimed -> BAD_XFER; payload + result-cap records do
//               not fit the window -> TOO_BIG.
//            invoke_call: the object's invoke step (infallible); deferred -> the CQE is owed
//            (Disposition::Defer); else the result-cap records are written after the payload
//            and the window's first `result` bytes are copied out (CQE flag CAPS, cap_count).
//   RECV, RETURN: BAD_CAP for a dead cap id, else BAD_INTERFACE: no object of this phase is an
//            Endpoint (the IPC issue adds them).
//   RELEASE: decode_release: BAD_CAP for a dead cap id; invoke_release removes the cap (its id
//            stays stale forever, its CapSlots quota comes back) and drops its reference —
//            the last one destroys the object.
// Nothing is written to user memory before invoke, so a rejected CALL has no effect but its
// CQE; a CapException reply writes only the result window. A result buffer receives exactly
// the bytes the CQE reports (never stale scratch bytes: the window is zero-filled first).
//
// Allocation-free and bounded: every copy is bounded by the scratch buffers below. Templated on
// the user-memory policy so host tests and the fuzz harness run the same code against fake
// memory and the real objects.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "kernel/cap/cap_object.h"
#include "kernel/cap/invocation.h"
#include "kernel/cap/transfer.h"
#include "kernel/cap/user_memory.h"
#include "lib/cap/cap_id.h"
#include "lib/core/bytes.h"
#include "lib/core/result.h"
#include "lib/ring/abi.h"
#include "lib/ring/kernel_ring.h"
#include "lib/ring/sqe.h"
#include "lib/ring/transport.h"

namespace capos::kernel {

// REVIEW_FINDINGS F-015: lib/ring's bound must equal lib/cap's (neither may include the other).
static_assert(MAX_XFER_DESCS == max_transfer_caps, "ring and cap table disagree on transfers");

inline constexpr size_t max_params_bytes = 8192;
inline constexpr size_t result_scratch_bytes = 8192;

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

// True iff [address, address + length) shares a byte with the ring page or the CapSet page
// (docs/abi.md: a result window there is FAULT — the kernel must never copy results over the
// ring words it is reading, nor over the page it keeps read-only). No arithmetic can wrap.
[[nodiscard]] bool overlaps_shared_pages(uint64_t address, uint64_t length);

// Serializes CapException{failure.exception, failure.message} at the start of `window` (zero
// filled). Returns the bytes written and the code: ApplicationException, or, when the message
// had to be dropped to fit, ApplicationExceptionTruncated (0 bytes if not even an empty
// CapException fits).
struct EncodedException {
  uint32_t length;
  Error code;
};
[[nodiscard]] EncodedException encode_exception(MutableByteView window, const CallFailure& failure);

template <UserMemory Memory>
class RingDispatcher {
 public:
  RingDispatcher(const CallerContext& caller, Memory& memory, CallScratch& scratch)
      : m_caller(caller), m_memory(&memory), m_scratch(&scratch) {}

  [[nodiscard]] DispatchOutcome operator()(const CapSqe& sqe) {
    const Result<Opcode> opcode = decode_sqe(sqe);
    if (!opcode) return failed(sqe, opcode.error());
    switch (*opcode) {
      case Opcode::Nop: return completed(sqe, 0);
      case Opcode::Call: return call(sqe);
      case Opcode::Recv:
      case Opcode::Return: return failed(sqe, decode_recv(sqe));
      case Opcode::Release: {
        const Result<CapId> release = decode_release(sqe);
        if (!release) return failed(sqe, release.error());
        invoke_release(*release);
        return completed(sqe, 0);
      }
    }
    return failed(sqe, Error::BadOpcode);  // unreachable: decode_sqe admits only the five above
  }

 private:
  [[nodiscard]] static DispatchOutcome completed(const CapSqe& sqe, int32_t result) {
    CapCqe cqe{};
    cqe.user_data = sqe.user_data;
    cqe.result = result;
    return DispatchOutcome::complete(cqe);
  }
  [[nodiscard]] static DispatchOutcome failed(const CapSqe& sqe, Error error) {
    return DispatchOutcome::complete(error_completion(sqe, error));
  }

  // ---- CALL.
  [[nodiscard]] DispatchOutcome call(const CapSqe& sqe) {
    Invocation invocation(m_caller, sqe);
    const Result<ResultCapPlacement> placement = decode_call(sqe, invocation);
    if (!placement) return fail_call(sqe, invocation, placement.error());
    return invoke_call(sqe, invocation, *placement);
  }

  // Steps 1-6 of the header. Writes nothing but kernel scratch; on failure `invocation`
  // rolls back whatever was reserved when it is destroyed.
  [[nodiscard]] Result<ResultCapPlacement> decode_call(const CapSqe& sqe, Invocation& invocation) {
    const Result<ObjectTable::Entry> entry = m_caller.caps->lookup(sqe.cap_id);
    if (!entry) return invocation.fail(Error::BadCap, "no live cap with this id");
    invocation.set_target(*entry);

    if (sqe.params_len > max_params_bytes) {
      return invocation.fail(Error::TooBig, "params longer than 8 KiB");
    }
    const MutableByteView params = MutableByteView(m_scratch->params).first(sqe.params_len);
    if (const Result<void> copied = m_memory->copy_in(sqe.params_addr, params); !copied) {
      return invocation.fail(copied.error(), "params are not readable user memory");
    }

    if (sqe.xfer_count != 0) {  // <= MAX_XFER_DESCS: decode_sqe checked it
      const std::span<XferDesc> descs = std::span(m_scratch->transfers).first(sqe.xfer_count);
      const MutableByteView bytes =
          MutableByteView(m_scratch->transfer_bytes).first(descs.size_bytes());
      if (const Result<void> copied = m_memory->copy_in(sqe.xfer_addr, bytes); !copied) {
        return invocation.fail(copied.error(), "transfer descriptors are not readable");
      }
      read_xfer_descs(bytes, descs);
      if (const Result<void> valid = decode_xfer_descs(descs); !valid) {
        return invocation.fail(valid.error(), "malformed transfer descriptors");
      }
      if (const Result<void> resolved =
              invocation.transfers().resolve(*m_caller.caps, *m_caller.ledger, descs);
          !resolved) {
        return invocation.fail(resolved.error(), "a descriptor names no live cap");
      }
    }

    const uint32_t window_length =
        sqe.result_len < result_scratch_bytes ? sqe.result_len : uint32_t{result_scratch_bytes};
    if (overlaps_shared_pages(sqe.result_addr, window_length)) {
      return invocation.fail(Error::Fault, "result buffer overlaps the ring or CapSet page");
    }
    if (const Result<void> writable = m_memory->check_writable(sqe.result_addr, window_length);
        !writable) {
      return invocation.fail(writable.error(), "result buffer is not writable user memory");
    }
    const MutableByteView window = MutableByteView(m_scratch->result).first(window_length);
    for (uint8_t& byte : window) byte = 0;
    invocation.set_buffers(params, window);

    TRY(invocation.target().decode(invocation));
    return invocation.admit();
  }

  // Infallible: the object's invoke step, then the completion (now or owed).
  [[nodiscard]] DispatchOutcome invoke_call(const CapSqe& sqe, Invocation& invocation,
                                            const ResultCapPlacement& placement) {
    invocation.invoke();
    if (invocation.deferred()) return DispatchOutcome::defer();
    invocation.write_result_cap_records(placement);
    const MutableByteView window = invocation.result_window();
    // The window was validated writable in decode; on one CPU with interrupts off nothing can
    // unmap it since (docs/design.md), and a fault would still return through the fixup
    // (F-019) as FAULT — after the effects, which is why it must stay impossible.
    if (const Result<void> copied =
            m_memory->copy_out(sqe.result_addr, window.first(placement.total_length));
        !copied) {
      return failed(sqe, copied.error());
    }
    CapCqe cqe{};
    cqe.user_data = sqe.user_data;
    cqe.result = static_cast<int32_t>(placement.total_length);  // <= 8 KiB
    cqe.cap_count = invocation.result_cap_count();
    cqe.flags = cqe.cap_count != 0 ? CQE_FLAG_CAPS : 0;
    return DispatchOutcome::complete(cqe);
  }

  // A CALL that failed in decode: a transport code, or a CapException in the result window.
  [[nodiscard]] DispatchOutcome fail_call(const CapSqe& sqe, const Invocation& invocation,
                                          Error error) {
    if (error != Error::ApplicationException) return failed(sqe, error);
    const MutableByteView window = invocation.result_window();
    for (uint8_t& byte : window) byte = 0;  // drop whatever results decode had built
    const EncodedException encoded = encode_exception(window, invocation.failure());
    KASSERT(encoded.length <= window.size());  // builders never write past the window
    if (const Result<void> copied =
            m_memory->copy_out(sqe.result_addr, window.first(encoded.length));
        !copied) {
      return failed(sqe, copied.error());
    }
    return failed(sqe, encoded.code);
  }

  // ---- RECV / RETURN (no Endpoint exists yet): the decode step's refusal, always.
  [[nodiscard]] Error decode_recv(const CapSqe& sqe) const {
    if (!m_caller.caps->lookup(sqe.cap_id)) return Error::BadCap;
    return Error::BadInterface;
  }

  // ---- RELEASE.
  [[nodiscard]] Result<CapId> decode_release(const CapSqe& sqe) const {
    if (!m_caller.caps->lookup(sqe.cap_id)) return Error::BadCap;
    return sqe.cap_id;
  }
  void invoke_release(CapId id) {
    // Live: decode_release resolved it in this same critical section.
    const Result<ObjectTable::Entry> removed = remove_cap(*m_caller.caps, *m_caller.ledger, id);
    KASSERT(removed.has_value());
  }  // the removed entry's reference drops here; the last one destroys the object

  CallerContext m_caller;
  Memory* m_memory;
  CallScratch* m_scratch;
};

}  // namespace capos::kernel
