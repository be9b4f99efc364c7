// lib/ring/kernel_ring.h — the kernel side of the ring protocol; see spsc.h for the protocol
// and its happens-before edges, docs/abi.md "Protocol semantics" for the rules it enforces.
#pragma once

#include <atomic>
#include <concepts>
#include <cstdint>
#include <type_traits>

#include "lib/core/panic.h"
#include "lib/core/result.h"
#include "lib/ring/abi.h"
#include "lib/ring/atomics.h"
#include "lib/ring/layout.h"

namespace capos {

namespace ring_detail {
[[nodiscard]] constexpr uint32_t smaller(uint32_t a, uint32_t b) { return a < b ? a : b; }
// Diagnostic counters stick at the maximum rather than wrap back to "nothing happened".
[[nodiscard]] constexpr uint32_t saturating_increment(uint32_t value) {
  return value == UINT32_MAX ? value : value + 1;
}
}  // namespace ring_detail

// What a dispatcher did with one SQE (see KernelRing::enter).
enum class Disposition : uint8_t {
  Complete,  // `cqe` is its completion; the ring posts it now
  Defer,     // consumed; the kernel owes exactly one post_deferred() for it later
  Decline,   // not consumed (e.g. a CALL seen from interrupt context); the entry stops here
};

struct DispatchOutcome {
  Disposition disposition;
  CapCqe cqe;  // meaningful only for Complete

  [[nodiscard]] static DispatchOutcome complete(const CapCqe& cqe) {
    return {Disposition::Complete, cqe};
  }
  [[nodiscard]] static DispatchOutcome defer() { return {Disposition::Defer, CapCqe{}}; }
  [[nodiscard]] static DispatchOutcome decline() { return {Disposition::Decline, CapCqe{}}; }
};

// A dispatcher is called with the kernel's private copy of one SQE and returns either its
// CapCqe (always completes immediately) or a DispatchOutcome. It must not allocate or block.
template <typename D>
concept SqeDispatcher = std::is_invocable_v<D&, const CapSqe&> &&
                        (std::same_as<std::invoke_result_t<D&, const CapSqe&>, CapCqe> ||
                         std::same_as<std::invoke_result_t<D&, const CapSqe&>, DispatchOutcome>);

// Why an entry stopped consuming SQEs.
enum class EntryStop : uint8_t {
  SqEmpty,   // every submitted SQE was consumed
  Budget,    // the per-entry budget ran out with SQEs still queued
  CqFull,    // back-pressure: no CQ slot left (counted in cq_full_count)
  Declined,  // the dispatcher declined the next SQE
};

struct EntryReport {
  uint32_t consumed = 0;   // SQEs taken off the SQ this entry (= completed + deferred)
  uint32_t completed = 0;  // CQEs posted for them this entry
  uint32_t deferred = 0;   // SQEs whose CQE is owed through post_deferred()
  uint32_t available = 0;  // unreaped CQEs, against the cq_head read at entry
  EntryStop stop = EntryStop::SqEmpty;
};

// The kernel side. Invariants (after construction and after every public call):
//   * m_sq_head, m_cq_tail, m_flags and the counters are the truth; the page holds copies;
//   * every SQE index below m_sq_head was copied out exactly once and got exactly one CQE
//     posted or is one of the m_deferred owed;
//   * m_cq_tail - m_cq_head_seen + m_deferred <= CQ_ENTRIES while the user only advances
//     cq_head, so a posted CQE (now or deferred) never overwrites an unreaped one.
// Not thread-safe: the kernel serialises calls for one ring (its process lock / single CPU).
// `Page` is RingPage everywhere but in the model checker (layout.h).
template <RingAtomics Atomics, RingLayout Page = RingPage>
class KernelRing {
  // The page's entry counts (SQ_ENTRIES / CQ_ENTRIES of abi.h for RingPage).
  // NOLINTBEGIN(bugprone-dynamic-static-initializers): constant-initialized; the check cannot
  // evaluate an initializer that depends on a template parameter.
  static constexpr uint32_t SQ_ENTRIES = sq_entries_of<Page>;
  static constexpr uint32_t CQ_ENTRIES = cq_entries_of<Page>;
  // NOLINTEND(bugprone-dynamic-static-initializers)

 public:
  // Takes the kernel side of a zero-filled ring page not yet visible to the user: writes the
  // geometry and sets all four indices to `first_index` (tests start near UINT32_MAX).
  KernelRing(Page& page, Atomics& atomics, uint32_t first_index = 0)
      : m_page(&page),
        m_atomics(&atomics),
        m_sq_head(first_index),
        m_cq_tail(first_index),
        m_cq_head_seen(first_index) {
    m_atomics->store(m_page->sq_entries, SQ_ENTRIES, std::memory_order_relaxed);
    m_atomics->store(m_page->cq_entries, CQ_ENTRIES, std::memory_order_relaxed);
    m_atomics->store(m_page->sq_tail, first_index, std::memory_order_relaxed);
    m_atomics->store(m_page->cq_head, first_index, std::memory_order_relaxed);
    publish();
  }
  KernelRing(const KernelRing&) = delete;
  KernelRing& operator=(const KernelRing&) = delete;
  KernelRing(KernelRing&&) = delete;
  KernelRing& operator=(KernelRing&&) = delete;
  ~KernelRing() = default;

  // One cap_enter's worth of SQ processing. Reads sq_tail and cq_head exactly once each. If
  // either is impossible (SPEC §4: sq_tail - sq_head > SQ_ENTRIES or cq_tail - cq_head >
  // CQ_ENTRIES, u32 arithmetic) it consumes nothing, sets RING_FLAG_CORRUPT, counts it and
  // returns RingCorrupt; a later entry that finds the indices repaired clears the flag. Else it
  // consumes up to min(budget, SQES_PER_ENTRY) SQEs in order, each copied out of the page once
  // before `dispatch` sees it, stopping early when the CQ has no slot left for its completion.
  // A Complete CQE is posted with the SQE's user_data and reserved = 0 whatever the dispatcher
  // put there. Loops are bounded by SQES_PER_ENTRY, never by a user-written count.
  template <SqeDispatcher Dispatch>
  [[nodiscard]] Result<EntryReport> enter(Dispatch& dispatch, uint32_t budget = SQES_PER_ENTRY) {
    const uint32_t sq_tail = m_atomics->load(m_page->sq_tail, std::memory_order_acquire);
    const uint32_t cq_head = m_atomics->load(m_page->cq_head, std::memory_order_acquire);
    const uint32_t pending = sq_tail - m_sq_head;
    if (pending > SQ_ENTRIES || m_cq_tail - cq_head > CQ_ENTRIES) {
      m_flags |= RING_FLAG_CORRUPT;
      m_corrupt_count = ring_detail::saturating_increment(m_corrupt_count);
      publish();
      return Error::RingCorrupt;
    }
    m_flags &= ~RING_FLAG_CORRUPT;
    m_cq_head_seen = cq_head;

    EntryReport report;
    const uint32_t limit =
        ring_detail::smaller(pending, ring_detail::smaller(budget, SQES_PER_ENTRY));
    report.stop = limit < pending ? EntryStop::Budget : EntryStop::SqEmpty;
    while (report.consumed < limit) {
      // Each consumed SQE holds one CQ slot until its CQE is posted (deferred ones included).
      if (m_cq_tail - cq_head + m_deferred >= CQ_ENTRIES) {
        report.stop = EntryStop::CqFull;
        break;
      }
      // SAFETY: sq is the ABI's CapSqe[SQ_ENTRIES]; the index is reduced modulo its extent.
      const CapSqe sqe = m_atomics->read_sqe(m_page->sq[m_sq_head % SQ_ENTRIES]);
      const DispatchOutcome outcome = run(dispatch, sqe);
      if (outcome.disposition == Disposition::Decline) {
        report.stop = EntryStop::Declined;
        break;
      }
      if (outcome.disposition == Disposition::Complete) {
        CapCqe cqe = outcome.cqe;
        cqe.user_data = sqe.user_data;
        write_completion(cqe);
        ++report.completed;
      } else {
        ++m_deferred;
        ++report.deferred;
      }
      ++m_sq_head;
      ++report.consumed;
    }
    KASSERT(m_deferred <= CQ_ENTRIES);  // the reservation check above bounds it
    if (report.stop == EntryStop::CqFull) {
      m_cq_full_count = ring_detail::saturating_increment(m_cq_full_count);
    }
    publish();
    report.available = m_cq_tail - cq_head;
    return report;
  }

  // Posts the CQE owed for a Deferred SQE (its slot was reserved when the SQE was consumed, so
  // this cannot find the CQ full). InvalidState when nothing is owed — a kernel bug.
  [[nodiscard]] Result<void> post_deferred(const CapCqe& cqe) {
    if (m_deferred == 0) return Error::InvalidState;
    write_completion(cqe);
    --m_deferred;
    m_atomics->store(m_page->cq_tail, m_cq_tail, std::memory_order_release);
    return {};
  }

  [[nodiscard]] uint32_t sq_head() const { return m_sq_head; }
  [[nodiscard]] uint32_t cq_tail() const { return m_cq_tail; }
  [[nodiscard]] uint32_t deferred() const { return m_deferred; }
  [[nodiscard]] uint32_t flags() const { return m_flags; }
  [[nodiscard]] uint32_t corrupt_count() const { return m_corrupt_count; }
  [[nodiscard]] uint32_t cq_full_count() const { return m_cq_full_count; }
  // Unreaped CQEs as of the last validated cq_head (what cap_enter returns).
  [[nodiscard]] uint32_t available() const { return m_cq_tail - m_cq_head_seen; }

 private:
  template <typename Dispatch>
  static DispatchOutcome run(Dispatch& dispatch, const CapSqe& sqe) {
    if constexpr (std::same_as<std::invoke_result_t<Dispatch&, const CapSqe&>, CapCqe>) {
      return DispatchOutcome::complete(dispatch(sqe));
    } else {
      return dispatch(sqe);
    }
  }

  void write_completion(CapCqe cqe) {
    cqe.reserved = 0;
    // SAFETY: cq is the ABI's CapCqe[CQ_ENTRIES]; the index is reduced modulo its extent.
    m_atomics->write_cqe(m_page->cq[m_cq_tail % CQ_ENTRIES], cqe);
    ++m_cq_tail;
  }

  // Rewrites every kernel-owned word from the authoritative copies; the indices last, with
  // release, so a user that acquires them also sees the flags and counters.
  void publish() {
    m_atomics->store(m_page->flags, m_flags, std::memory_order_relaxed);
    m_atomics->store(m_page->corrupt_count, m_corrupt_count, std::memory_order_relaxed);
    m_atomics->store(m_page->cq_full_count, m_cq_full_count, std::memory_order_relaxed);
    m_atomics->store(m_page->cq_tail, m_cq_tail, std::memory_order_release);
    m_atomics->store(m_page->sq_head, m_sq_head, std::memory_order_release);
  }

  Page* m_page;             // never null
  Atomics* m_atomics;       // never null
  uint32_t m_sq_head;       // next SQ index to consume (authoritative)
  uint32_t m_cq_tail;       // next CQ index to fill (authoritative)
  uint32_t m_cq_head_seen;  // cq_head as last validated
  uint32_t m_deferred = 0;  // consumed SQEs whose CQE is still owed; <= CQ_ENTRIES
  uint32_t m_flags = 0;     // RING_FLAG_CORRUPT iff the last entry's check failed
  uint32_t m_corrupt_count = 0;
  uint32_t m_cq_full_count = 0;
};

}  // namespace capos
