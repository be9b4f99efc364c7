// lib/ring/user_ring.h — the user (runtime) side of the ring protocol; see spsc.h for the
// protocol and its happens-before edges.
#pragma once

#include <atomic>
#include <cstdint>

#include "lib/core/result.h"
#include "lib/ring/abi.h"
#include "lib/ring/atomics.h"
#include "lib/ring/layout.h"

namespace capos {

// The user side. Trusts the kernel-written words only as far as they are consistent with its
// own indices (m_sq_tail, m_cq_head are authoritative for the user); an inconsistent mirror is
// reported as RingCorrupt rather than acted on. Not thread-safe: one submitter/reaper.
// `Page` is RingPage everywhere but in the model checker (layout.h).
template <RingAtomics Atomics, RingLayout Page = RingPage>
class UserRing {
  // The page's entry counts (SQ_ENTRIES / CQ_ENTRIES of abi.h for RingPage).
  // NOLINTBEGIN(bugprone-dynamic-static-initializers): constant-initialized; the check cannot
  // evaluate an initializer that depends on a template parameter.
  static constexpr uint32_t SQ_ENTRIES = sq_entries_of<Page>;
  static constexpr uint32_t CQ_ENTRIES = cq_entries_of<Page>;
  // NOLINTEND(bugprone-dynamic-static-initializers)

 public:
  // Adopts a ring page the kernel initialised, continuing from the indices in it.
  // Unsupported when the geometry words are not v1's (the page type's, in the model checker).
  [[nodiscard]] static Result<UserRing> attach(Page& page, Atomics& atomics) {
    if (atomics.load(page.sq_entries, std::memory_order_acquire) != SQ_ENTRIES ||
        atomics.load(page.cq_entries, std::memory_order_acquire) != CQ_ENTRIES) {
      return Error::Unsupported;
    }
    const uint32_t sq_tail = atomics.load(page.sq_tail, std::memory_order_acquire);
    const uint32_t cq_head = atomics.load(page.cq_head, std::memory_order_acquire);
    return UserRing(page, atomics, sq_tail, cq_head);
  }

  UserRing(const UserRing&) = delete;
  UserRing& operator=(const UserRing&) = delete;
  UserRing(UserRing&&) noexcept = default;
  UserRing& operator=(UserRing&&) noexcept = default;
  ~UserRing() = default;

  // Copies `sqe` into the next SQ slot and publishes it. WouldBlock when SQ_ENTRIES SQEs are
  // still unconsumed (enter the kernel, then retry); RingCorrupt when the kernel's sq_head
  // mirror is not within SQ_ENTRIES behind our tail. Neither error writes anything.
  [[nodiscard]] Result<void> submit(const CapSqe& sqe) {
    const uint32_t head = m_atomics->load(m_page->sq_head, std::memory_order_acquire);
    const uint32_t queued = m_sq_tail - head;  // u32 wrap-around is the protocol
    if (queued > SQ_ENTRIES) return Error::RingCorrupt;
    if (queued == SQ_ENTRIES) return Error::WouldBlock;
    // SAFETY: sq is the ABI's CapSqe[SQ_ENTRIES]; the index is reduced modulo its extent.
    m_atomics->write_sqe(m_page->sq[m_sq_tail % SQ_ENTRIES], sqe);
    m_sq_tail += 1;
    m_atomics->store(m_page->sq_tail, m_sq_tail, std::memory_order_release);
    return {};
  }

  // Copies out the oldest unreaped CQE and frees its slot. WouldBlock when there is none;
  // RingCorrupt when cq_tail claims more than CQ_ENTRIES ready (nothing is read then).
  [[nodiscard]] Result<CapCqe> reap() {
    const uint32_t tail = m_atomics->load(m_page->cq_tail, std::memory_order_acquire);
    const uint32_t ready = tail - m_cq_head;
    if (ready == 0) return Error::WouldBlock;
    if (ready > CQ_ENTRIES) return Error::RingCorrupt;
    // SAFETY: cq is the ABI's CapCqe[CQ_ENTRIES]; the index is reduced modulo its extent.
    const CapCqe cqe = m_atomics->read_cqe(m_page->cq[m_cq_head % CQ_ENTRIES]);
    m_cq_head += 1;
    m_atomics->store(m_page->cq_head, m_cq_head, std::memory_order_release);
    return cqe;
  }

  // Rewrites sq_tail and cq_head from the runtime's own copies, undoing a stray store to them
  // (the repair step after the kernel reported RING_CORRUPT).
  void republish() {
    m_atomics->store(m_page->sq_tail, m_sq_tail, std::memory_order_release);
    m_atomics->store(m_page->cq_head, m_cq_head, std::memory_order_release);
  }

  [[nodiscard]] uint32_t sq_tail() const { return m_sq_tail; }
  [[nodiscard]] uint32_t cq_head() const { return m_cq_head; }

 private:
  UserRing(Page& page, Atomics& atomics, uint32_t sq_tail, uint32_t cq_head)
      : m_page(&page), m_atomics(&atomics), m_sq_tail(sq_tail), m_cq_head(cq_head) {}

  Page* m_page;        // never null
  Atomics* m_atomics;  // never null
  uint32_t m_sq_tail;  // next SQ index to fill
  uint32_t m_cq_head;  // next CQ index to reap
};

}  // namespace capos
