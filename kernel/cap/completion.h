// kernel/cap/completion.h — completing a call later, exactly once (SPEC §4: every consumed SQE
// gets exactly one CQE; REVIEW_FINDINGS F-013).
//
// An object's invoke step may defer its call (Invocation::defer): the dispatcher then tells the
// ring the SQE is consumed but owed (KernelRing Disposition::Defer, which reserves its CQ slot)
// and the object keeps the CompletionToken — in a waiter list, a timer queue, an endpoint's
// in-flight calls — until it knows the answer (ProcessHandle.wait, Timer.sleep, Endpoint
// RECV/CALL in later issues).
//
// Exactly once, by the token's type: it is move-only; complete() and fail() consume it (`&&`)
// and leave it empty; completing an empty token is a kernel bug (KASSERT); a token destroyed
// while still armed fails its call with CAP_ERR_CANCELLED, so destroying an object that holds
// waiters answers every one of them. The sink (the caller's ring and memory) must outlive every
// armed token aimed at it: process teardown destroys (so cancels) the tokens of the process's
// calls before its ring (docs/authority-accounting.md, acceptance criteria A-R4/A-R5).
#pragma once

#include <cstdint>
#include <utility>

#include "kernel/cap/user_memory.h"
#include "lib/core/bytes.h"
#include "lib/core/panic.h"
#include "lib/core/result.h"
#include "lib/ring/abi.h"
#include "lib/ring/transport.h"

namespace capos::kernel {

// What the kernel remembers of a deferred call: where its completion goes in the caller.
struct DeferredCall {
  uint64_t user_data = 0;
  uint64_t result_addr = 0;
  uint32_t result_len = 0;  // the result window validated at decode (<= the SQE's result_len)
};

// Where deferred completions go: the caller's ring and result buffers.
class CompletionSink {
 public:
  CompletionSink() = default;
  CompletionSink(const CompletionSink&) = delete;
  CompletionSink& operator=(const CompletionSink&) = delete;
  CompletionSink(CompletionSink&&) = delete;
  CompletionSink& operator=(CompletionSink&&) = delete;

  // Posts the CQE owed for `call`: `outcome` is the results message (copied to the result
  // buffer; the CQE result is its length, TOO_BIG if it does not fit the window, FAULT if the
  // buffer is no longer writable) or the Error the call failed with. Called exactly once per
  // deferred SQE (CompletionToken guarantees it).
  virtual void post(const DeferredCall& call, const Result<ByteView>& outcome) = 0;

 protected:
  ~CompletionSink() = default;
};

class [[nodiscard]] CompletionToken {
 public:
  CompletionToken() = default;  // empty: owes nothing
  CompletionToken(CompletionToken&& other) noexcept
      : m_sink(std::exchange(other.m_sink, nullptr)), m_call(other.m_call) {}
  // Precondition (KASSERT): *this is empty (overwriting an armed token would lose its CQE).
  CompletionToken& operator=(CompletionToken&& other) noexcept {
    KASSERT(m_sink == nullptr || this == &other);
    if (this != &other) {
      m_sink = std::exchange(other.m_sink, nullptr);
      m_call = other.m_call;
    }
    return *this;
  }
  CompletionToken(const CompletionToken&) = delete;
  CompletionToken& operator=(const CompletionToken&) = delete;
  ~CompletionToken() {
    if (m_sink != nullptr) std::move(*this).fail(Error::Cancelled);
  }

  [[nodiscard]] bool is_armed() const { return m_sink != nullptr; }
  [[nodiscard]] const DeferredCall& call() const { return m_call; }

  // Completes the call with `results` (a serialized results message). Precondition (KASSERT):
  // armed — completing twice is impossible through a moved-from token.
  void complete(ByteView results) && { settle(Result<ByteView>(results)); }
  // Completes the call with the transport code of `error`.
  void fail(Error error) && { settle(Result<ByteView>(error)); }

 private:
  friend class Invocation;
  CompletionToken(CompletionSink& sink, const DeferredCall& call) : m_sink(&sink), m_call(call) {}

  void settle(const Result<ByteView>& outcome) {
    KASSERT(m_sink != nullptr);  // F-013: one CQE per deferred SQE, never two
    CompletionSink* sink = std::exchange(m_sink, nullptr);
    sink->post(m_call, outcome);
  }

  CompletionSink* m_sink = nullptr;  // null iff empty (completed, failed, moved from)
  DeferredCall m_call{};
};

// The sink over a process's KernelRing and its memory (host tests use it with fake memory; the
// kernel's process uses it with ProcessMemory while that process's address space is current).
template <typename Ring, UserMemory Memory>
class RingCompletions final : public CompletionSink {
 public:
  RingCompletions(Ring& ring, Memory& memory) : m_ring(&ring), m_memory(&memory) {}

  void post(const DeferredCall& call, const Result<ByteView>& outcome) override {
    CapCqe cqe{};
    cqe.user_data = call.user_data;
    if (!outcome) {
      cqe.result = transport_result(outcome.error());
    } else if (outcome->size() > call.result_len) {
      cqe.result = transport_result(Error::TooBig);
    } else if (const Result<void> copied = m_memory->copy_out(call.result_addr, *outcome);
               !copied) {
      cqe.result = transport_result(copied.error());
    } else {
      cqe.result = static_cast<int32_t>(outcome->size());  // <= result_len <= 8 KiB
    }
    const Result<void> posted = m_ring->post_deferred(cqe);
    KASSERT(posted.has_value());  // a token exists only for an SQE the ring counts as owed
  }

 private:
  Ring* m_ring;
  Memory* m_memory;
};

}  // namespace capos::kernel
