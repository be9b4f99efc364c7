// kernel/cap/invocation.h — one call as one value (docs/design.md "The invocation").
//
// The dispatcher (ring_dispatch.h) builds an Invocation in its decode step for one CALL: who is
// calling (CallerContext: not a kernel/proc type, so kernel/cap stays host-testable), through
// which cap (interface, badge), the method, the params and the result window (kernel copies),
// the decoded transfer descriptors. The object's decode step (CapObject::decode -> generated
// gen::X::decode -> decode_m) reads it, may record a failure, reserve result caps and claim the
// transfers, and leaves its plan here; the dispatcher's invoke step runs the object's invoke
// step from that plan, which may publish the result caps and defer the completion.
//
// Phases, enforced with KASSERTs (a misuse is a kernel bug, never a user error):
//   Decode  fail(), exception(), reserve_result_caps(), transfers().claim(), hold_plan()
//   Invoke  publish_result_cap(), defer()
//   Done    nothing changes any more
// Everything reserved in Decode and not committed in Invoke rolls back when the Invocation is
// destroyed (members are RAII), so every early return of a decode step is free of effects.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <new>
#include <optional>
#include <utility>

#include "kernel/cap/cap_object.h"
#include "kernel/cap/completion.h"
#include "kernel/cap/transfer.h"
#include "kernel/cap/user_memory.h"
#include "lib/core/bytes.h"
#include "lib/core/result.h"
#include "lib/gen/capos.capnp.h"
#include "lib/mem/frame_ledger.h"
#include "lib/ring/abi.h"
#include "lib/ring/sqe.h"

namespace capos::kernel {

// Who is calling. The process layer fills it in (kernel/proc/syscall.cpp); tests make their own.
// Every pointer is non-null for a call and outlives it. (pid, generation) names the caller
// uniquely for the kernel's lifetime: a reused pid has a new generation.
struct CallerContext {
  uint32_t pid = 0;
  uint32_t generation = 0;
  ObjectTable* caps = nullptr;            // the caller's table (result caps, transfers)
  FrameLedger* ledger = nullptr;          // the caller's quotas: every charge of the call
  CompletionSink* completions = nullptr;  // where a deferred call's CQE goes
};

// Why a call failed: the Error (mapped onto the CQE once, lib/ring/transport.h) and, for
// Error::ApplicationException, the CapException the dispatcher serializes into the result
// buffer (SPEC §4 layer 2). `message` is a string literal naming the rule, never a pointer.
struct CallFailure {
  Error error = Error::InvalidArgument;
  gen::ExceptionType exception = gen::ExceptionType::Failed;
  const char* message = "";
};

template <UserMemory Memory>
class RingDispatcher;  // ring_dispatch.h: the one code that builds and runs Invocations
class Invocation;

// A decoded object call, type-erased: the generated DecodedCall of whichever object decoded it,
// held in place until the invoke step consumes it or the Invocation drops it (rollback).
class ObjectPlan {
 public:
  // Large enough for every kernel object's largest plan (a static_assert names the one that
  // does not fit).
  static constexpr size_t capacity = 256;

  ObjectPlan() = default;
  ObjectPlan(const ObjectPlan&) = delete;
  ObjectPlan& operator=(const ObjectPlan&) = delete;
  ObjectPlan(ObjectPlan&&) = delete;
  ObjectPlan& operator=(ObjectPlan&&) = delete;
  ~ObjectPlan() { reset(); }

  [[nodiscard]] bool has_value() const { return m_plan != nullptr; }
  [[nodiscard]] uint32_t payload_length() const { return m_payload_length; }

  // Takes `decoded` (a gen::DecodedCall of interface `Interface` served by `server`).
  // Precondition (KASSERT): empty.
  template <typename Interface, typename Server, typename Decoded>
  void hold(Server& server, Decoded&& decoded) {
    using Plan = std::remove_cvref_t<Decoded>;
    static_assert(sizeof(Plan) <= capacity, "raise ObjectPlan::capacity for this object's plan");
    static_assert(alignof(Plan) <= alignof(std::max_align_t));
    KASSERT(m_plan == nullptr);
    m_payload_length = decoded.payload_length();
    // SAFETY: m_storage is max_align_t-aligned, capacity bytes and unused (checked above);
    // placement new returns the typed pointer, kept only as void* until the thunks below cast
    // it back to the same Plan type (static_cast from void*, no reinterpretation).
    m_plan = new (m_storage.data()) Plan(std::forward<Decoded>(decoded));
    m_server = &server;
    // Named functions, not lambdas: the abort audit (tools/audit) resolves a call through a
    // function pointer to every function whose address is taken, so the invoke steps stay on
    // its call graph from the dispatcher.
    m_invoke = &invoke_plan<Interface, Server, Plan>;
    m_destroy = &destroy_plan<Plan>;
  }

  // Runs the held plan's invoke step once, then destroys it. Precondition (KASSERT): held.
  void invoke(Invocation& invocation) {
    KASSERT(m_plan != nullptr);
    m_invoke(m_server, m_plan, invocation);
    reset();
  }

  // Destroys the held plan (a rollback if it was never invoked). Idempotent.
  void reset() {
    if (m_plan == nullptr) return;
    m_destroy(std::exchange(m_plan, nullptr));
  }

 private:
  template <typename Interface, typename Server, typename Plan>
  static void invoke_plan(void* server, void* plan, Invocation& invocation) {
    Interface::invoke(*static_cast<Server*>(server), invocation,
                      std::move(*static_cast<Plan*>(plan)));
  }
  template <typename Plan>
  static void destroy_plan(void* plan) {
    static_cast<Plan*>(plan)->~Plan();
  }

  alignas(std::max_align_t) std::array<std::byte, capacity> m_storage{};
  void* m_plan = nullptr;  // into m_storage, or null
  void* m_server = nullptr;
  void (*m_invoke)(void*, void*, Invocation&) = nullptr;
  void (*m_destroy)(void*) = nullptr;
  uint32_t m_payload_length = 0;
};

class Invocation {
 public:
  enum class Phase : uint8_t { Decode, Invoke, Done };

  Invocation(const CallerContext& caller, const CapSqe& sqe) : m_caller(caller), m_sqe(sqe) {
    KASSERT(caller.caps != nullptr && caller.ledger != nullptr && caller.completions != nullptr);
  }
  Invocation(const Invocation&) = delete;
  Invocation& operator=(const Invocation&) = delete;
  Invocation(Invocation&&) = delete;
  Invocation& operator=(Invocation&&) = delete;
  ~Invocation() = default;

  // ---- What the call is (read by objects in both steps).
  [[nodiscard]] const CallerContext& caller() const { return m_caller; }
  [[nodiscard]] uint64_t interface_id() const { return m_target.interface_id; }
  [[nodiscard]] uint64_t badge() const { return m_target.badge; }
  [[nodiscard]] uint16_t method_id() const { return m_sqe.method_id; }
  [[nodiscard]] uint64_t user_data() const { return m_sqe.user_data; }
  // Kernel copies: the params as the caller sent them, the zero-filled result window.
  [[nodiscard]] ByteView params() const { return m_params; }
  [[nodiscard]] MutableByteView result_window() const { return m_window; }
  [[nodiscard]] Phase phase() const { return m_phase; }

  // ---- Decode step.
  // Records why the call fails (the first failure recorded wins) and returns `error`, so a
  // decode step can `return invocation.fail(Error::TooBig, "console write over 4096 bytes");`.
  Error fail(Error error, const char* message);
  // A capability-level failure (SPEC §4 layer 2): the caller gets CapException{type, message}
  // with CAP_ERR_APPLICATION_EXCEPTION. Returns Error::ApplicationException.
  Error exception(gen::ExceptionType type, const char* message);
  [[nodiscard]] const CallFailure& failure() const { return m_failure; }

  // The caps this CALL carries (docs/abi.md "XferDesc"); see TransferPlan::claim().
  [[nodiscard]] TransferPlan& transfers();

  // Reserves `count` (1..4) slots and CapSlots quota in the caller's table for the caps the
  // invoke step hands back; the results name them by index 0..count-1 (a ResultCap). At most
  // once per call. QuotaExceeded / Exhausted / TooBig as SlotReservation::reserve.
  [[nodiscard]] Result<void> reserve_result_caps(uint32_t count);
  [[nodiscard]] uint32_t result_cap_count() const { return m_result_cap_count; }

  // Keeps the object's decoded call for the invoke step (decode_with() below does this).
  template <typename Interface, typename Server, typename Decoded>
  void hold_plan(Server& server, Decoded&& decoded) {
    KASSERT(m_phase == Phase::Decode);
    m_plan.template hold<Interface>(server, std::forward<Decoded>(decoded));
  }
  [[nodiscard]] const ObjectPlan& plan() const { return m_plan; }

  // ---- Invoke step.
  // Publishes result cap `index` (reserved in decode). Infallible; every reserved index must be
  // published exactly once before the invoke step returns (KASSERT).
  void publish_result_cap(uint32_t index, ObjectRef object, uint64_t interface_id, uint64_t badge);
  // The call completes later: the returned token must be completed exactly once (its
  // destructor cancels it otherwise; CompletionToken). At most once per call, and not together
  // with result caps (a deferred completion carries none in this phase).
  [[nodiscard]] CompletionToken defer();
  [[nodiscard]] bool deferred() const { return m_deferred; }

 private:
  template <UserMemory Memory>
  friend class RingDispatcher;

  struct Target {
    ObjectRef object;
    uint64_t interface_id = 0;
    uint64_t badge = 0;
  };

  // The dispatcher's side.
  void set_target(const ObjectTable::Entry& entry) {
    m_target = Target{entry.object, entry.interface_id, entry.badge};
  }
  void set_buffers(ByteView params, MutableByteView window) {
    m_params = params;
    m_window = window;
  }
  [[nodiscard]] CapObject& target() const { return *m_target.object; }
  // The checks between the object's decode and invoke steps: unclaimed transfers -> BadXfer;
  // payload, padding and result-cap records must fit the window -> TooBig.
  [[nodiscard]] Result<ResultCapPlacement> admit();
  // Runs the object's invoke step (phase Decode -> Invoke -> Done).
  void invoke();
  // Writes the result-cap records at `placement` into the window (after invoke()).
  void write_result_cap_records(const ResultCapPlacement& placement) const;

  CallerContext m_caller;
  CapSqe m_sqe;
  Target m_target;
  ByteView m_params;
  MutableByteView m_window;
  Phase m_phase = Phase::Decode;
  CallFailure m_failure{};
  bool m_failed = false;
  TransferPlan m_transfers;
  std::optional<SlotReservation> m_result_slots;
  uint32_t m_result_cap_count = 0;
  std::array<ResultCapRecord, max_transfer_caps> m_result_caps{};
  std::array<bool, max_transfer_caps> m_published{};
  bool m_deferred = false;
  ObjectPlan m_plan;  // last: destroyed first, so a plan rolls back before the slots above
};

// The decode step of an object serving interface `Interface` with the generated shape
// (lib/gen): decodes the method in `invocation`, keeps the plan for the invoke step. A failure
// is the decode step's own Error (BadMethod, InvalidArgument for malformed params, TooBig for
// results that cannot fit, or what decode_m returned).
template <typename Interface, typename Server>
[[nodiscard]] Result<void> decode_with(Server& server, Invocation& invocation) {
  auto decoded = Interface::decode(server, invocation, invocation.method_id(), invocation.params(),
                                   invocation.result_window());
  if (!decoded) {
    return invocation.fail(decoded.error().error, "the method's decode step refused the call");
  }
  invocation.hold_plan<Interface>(server, std::move(decoded).take());
  return {};
}

}  // namespace capos::kernel
