// kernel/cap/cap_object.h — the one dispatch entry every kernel object implements (SPEC §3).
//
// A capability names a CapObject, the interface it exposes and a badge (lib/cap CapEntry). A
// CALL reaches an object only through CapObject::call, which first checks that the cap's
// interface is the one the object serves (a facet is a different object, never a rights mask),
// and only then runs the object's own decode-then-invoke handler (`invoke`). The ring dispatcher
// (ring_dispatch.h) has already checked the cap id's generation (CapTable::lookup) and copied
// the params into kernel memory; `params` and `result` are kernel buffers, never user memory.
//
// Objects never allocate, never block and hold no kernel pointers in anything they write to
// `result` or to an exception message.
#pragma once

#include <cstdint>

#include "lib/cap/cap_table.h"
#include "lib/core/bytes.h"
#include "lib/core/result.h"
#include "lib/gen/capos.capnp.h"
#include "lib/mem/frame_ledger.h"
#include "lib/ring/abi.h"

namespace capos::kernel {

// Kind tag (STYLE.md: kinds are told apart by a tag, never by RTTI).
enum class ObjectKind : uint8_t { Console, BootPackage, CapabilityManager, Test };

// Why a call did not produce a result. `code` is the CQE's transport code; for
// ApplicationException the dispatcher serializes CapException{exception, message} into the
// result buffer (SPEC §4 "Errors, three layers"). `message` is a string literal.
struct CallFailure {
  Error code = Error::InvalidArgument;
  gen::ExceptionType exception = gen::ExceptionType::Failed;
  const char* message = "";
};
// Bytes written at the start of the result buffer, or why not.
using CallResult = Result<uint32_t, CallFailure>;

// Who is calling, through which cap. The ledger is the caller's (quotas are charged to it).
struct CallContext {
  uint64_t interface_id = 0;  // of the cap used
  uint64_t badge = 0;
  FrameLedger* ledger = nullptr;  // never null in a call
};

class CapObject;
// What a process's CapTable slots hold.
using ObjectTable = CapTable<CapObject*>;

class CapObject {
 public:
  CapObject(const CapObject&) = delete;
  CapObject& operator=(const CapObject&) = delete;
  CapObject(CapObject&&) = delete;
  CapObject& operator=(CapObject&&) = delete;

  [[nodiscard]] ObjectKind kind() const { return m_kind; }
  [[nodiscard]] uint64_t interface_id() const { return m_interface_id; }

  // The one entry (SPEC §3): BadInterface unless context.interface_id is this object's
  // interface, else the object's handler. `result` is zero-filled kernel memory.
  [[nodiscard]] CallResult call(const CallContext& context, uint16_t method_id, ByteView params,
                                MutableByteView result);

 protected:
  constexpr CapObject(ObjectKind kind, uint64_t interface_id)
      : m_kind(kind), m_interface_id(interface_id) {}
  ~CapObject() = default;

  // Decodes `params` (lib/gen dispatch: parse, validate, then the handler) and invokes.
  [[nodiscard]] virtual CallResult invoke(const CallContext& context, uint16_t method_id,
                                          ByteView params, MutableByteView result) = 0;

 private:
  ObjectKind m_kind;
  uint64_t m_interface_id;
};

// Maps a lib/gen dispatch failure onto the CQE: unknown method -> BAD_METHOD, malformed params
// -> INVALID, results that do not fit -> TOO_BIG, and a handler's Error through
// handler_failure().
[[nodiscard]] CallFailure dispatch_failure(const gen::DispatchError& error, const char* detail);

// A handler's Error: QuotaExceeded -> QUOTA, TooBig -> TOO_BIG, InvalidArgument/OutOfRange ->
// APPLICATION_EXCEPTION (invalidArgument, `detail`), anything else -> APPLICATION_EXCEPTION
// (failed, `detail`).
[[nodiscard]] CallFailure handler_failure(Error error, const char* detail);

// Runs a lib/gen dispatch and converts its result. `detail` names the rule a handler broke.
[[nodiscard]] inline CallResult finish_dispatch(const gen::DispatchResult<uint32_t>& result,
                                                const char* detail) {
  if (!result) return dispatch_failure(result.error(), detail);
  return *result;
}

}  // namespace capos::kernel
