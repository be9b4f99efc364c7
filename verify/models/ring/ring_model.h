// verify/models/ring/ring_model.h — what the ring models share: the small ring page, the
// configuration, the implementation traits (the shipped lib/ring code or a generated mutant of
// it), and the kernel-side driver with the properties every kernel entry must satisfy.
#pragma once

#include <cstdint>
#include <cstring>
#include <deque>
#include <memory>
#include <string>

#include "lib/core/error.h"
#include "lib/ring/abi.h"
#include "lib/ring/kernel_ring.h"
#include "lib/ring/user_ring.h"
#include "verify/checker/execution.h"
#include "verify/checker/ring_atomics.h"

namespace capos::verify::ring {

// RingPage's fields with SqEntries / CqEntries slots (lib/ring/layout.h). No padding lines: the
// checker models locations, not cache lines.
template <uint32_t SqEntries, uint32_t CqEntries>
struct ModelRingPage {
  uint32_t sq_head;
  uint32_t sq_tail;
  uint32_t cq_head;
  uint32_t cq_tail;
  uint32_t sq_entries;
  uint32_t cq_entries;
  uint32_t flags;
  uint32_t corrupt_count;
  uint32_t cq_full_count;
  CapSqe sq[SqEntries];
  CapCqe cq[CqEntries];
};

enum class ModelKind : uint8_t { Spsc, Hostile };

struct RingConfig {
  ModelKind kind = ModelKind::Spsc;
  uint32_t sq = 2;
  uint32_t cq = 2;
  uint32_t first_index = UINT32_MAX - 1;  // every index wraps after two entries
  // Spsc user script: s submit the next SQE, r reap one CQE, x write a stray (out-of-window)
  // sq_tail or cq_head, p republish the runtime's own indices.
  std::string user = "ssrr";
  // Kernel script: e one cap_enter, p post the oldest deferred completion.
  std::string kernel = "ee";
  uint32_t budget = SQES_PER_ENTRY;
  bool defer = false;          // odd user_data is completed later through post_deferred
  uint32_t hostile_steps = 2;  // Hostile: arbitrary writes the user thread makes
};

std::string describe(const RingConfig& config);

// The shipped protocol code (a generated mutant provides the same three names).
struct ShippedRing {
  static constexpr const char* NAME = "shipped";
  template <typename Atomics, typename Page>
  using User = UserRing<Atomics, Page>;
  template <typename Atomics, typename Page>
  using Kernel = KernelRing<Atomics, Page>;
  using Outcome = DispatchOutcome;
};

inline std::string hex(uint64_t value) {
  char text[24];
  (void)std::snprintf(text, sizeof text, "0x%llx", static_cast<unsigned long long>(value));
  return text;
}

// The kernel side of a model: a KernelRing on the model page and the properties of each entry
// and each deferred post. Its bookkeeping belongs to the kernel thread (and to the root after
// the join).
template <typename Impl, uint32_t S, uint32_t C>
class KernelDriver {
 public:
  using Page = ModelRingPage<S, C>;
  using Atomics = ModelRingAtomics<Page>;
  using Kernel = typename Impl::template Kernel<Atomics, Page>;
  using Outcome = typename Impl::Outcome;

  KernelDriver(Execution& execution, Page& page, uint32_t first_index)
      : m_execution(&execution),
        m_atomics(execution, page, RingSide::Kernel),
        m_kernel(page, m_atomics, first_index) {}

  // Footprint checks on, and the diagnostic words private to the kernel thread (the user
  // side's footprint forbids loading them).
  void enforce_footprint() {
    m_atomics.enforce_footprint();
    m_atomics.private_diagnostics();
  }

  // One cap_enter. `dispatch(sqe)` returns the Outcome; the driver checks, against what this
  // side observed: both user indices loaded exactly once; RingCorrupt iff one of them was out
  // of its window (then nothing consumed, the flag set, the count bumped); otherwise each
  // consumed SQE read exactly once from consecutive slots, at most the budget and the pending
  // count consumed, one CQE per completed SQE in consecutive CQ slots, and none consumed
  // without a free CQ slot reserved for its completion.
  template <typename Dispatch>
  void enter(uint32_t budget, Dispatch& dispatch) {
    Execution& e = *m_execution;
    const uint32_t head_before = m_kernel.sq_head();
    const uint32_t cq_tail_before = m_kernel.cq_tail();
    const uint32_t deferred_before = m_kernel.deferred();
    const size_t reads_before = m_atomics.sq_slots_read.size();
    const size_t writes_before = m_atomics.cq_slots_written.size();
    const uint32_t tail_loads = m_atomics.loads_of(RingWord::SqTail);
    const uint32_t head_loads = m_atomics.loads_of(RingWord::CqHead);
    m_dispatched = 0;
    auto counting = [&](const CapSqe& sqe) -> Outcome {
      ++m_dispatched;
      return dispatch(sqe);
    };
    auto result = m_kernel.enter(counting, budget);
    const bool accepted = result.has_value();

    e.check(m_atomics.loads_of(RingWord::SqTail) == tail_loads + 1 &&
                m_atomics.loads_of(RingWord::CqHead) == head_loads + 1,
            "kernel did not read sq_tail and cq_head exactly once in an entry");
    const uint32_t seen_tail = m_atomics.last_load_of(RingWord::SqTail);
    const uint32_t seen_head = m_atomics.last_load_of(RingWord::CqHead);
    const bool out_of_window = seen_tail - head_before > S || cq_tail_before - seen_head > C;
    const size_t reads = m_atomics.sq_slots_read.size() - reads_before;
    const size_t writes = m_atomics.cq_slots_written.size() - writes_before;
    if (!accepted) {
      e.check(result.error() == Error::RingCorrupt,
              "enter failed with an error other than RingCorrupt");
      e.check(out_of_window, [&] {
        return "RingCorrupt for in-window indices sq_tail=" + hex(seen_tail) +
               " cq_head=" + hex(seen_head);
      });
      e.check(m_dispatched == 0 && reads == 0 && writes == 0,
              "a RingCorrupt entry read or consumed SQEs");
      e.check((m_kernel.flags() & RING_FLAG_CORRUPT) != 0, "RingCorrupt without RING_FLAG_CORRUPT");
      e.check(m_kernel.corrupt_count() == ++corrupt_entries,
              "corrupt_count does not count entries");
      return;
    }
    const auto& report = *result;
    e.check(!out_of_window, [&] {
      return "kernel acted on an out-of-window index: sq_tail=" + hex(seen_tail) + " (sq_head " +
             hex(head_before) + ") cq_head=" + hex(seen_head) + " (cq_tail " + hex(cq_tail_before) +
             ")";
    });
    e.check(m_kernel.flags() == 0, "RING_FLAG_CORRUPT still set after a good entry");
    e.check(
        report.consumed == report.completed + report.deferred && report.consumed == m_dispatched,
        "entry report does not match the SQEs dispatched");
    e.check(report.consumed <= budget && report.consumed <= SQES_PER_ENTRY,
            "entry consumed more SQEs than its budget");
    e.check(report.consumed <= seen_tail - head_before, "entry consumed SQEs never published");
    e.check(m_kernel.sq_head() == head_before + report.consumed,
            "sq_head moved by other than consumed");
    e.check(reads == report.consumed, [&] {
      return "kernel read " + std::to_string(reads) + " SQ slots for " +
             std::to_string(report.consumed) + " consumed SQEs (an SQE read twice or not consumed)";
    });
    for (size_t i = 0; i < reads; ++i) {
      e.check(m_atomics.sq_slots_read[reads_before + i] == (head_before + i) % S,
              "kernel read an SQ slot out of order");
    }
    e.check(writes == report.completed && m_kernel.cq_tail() == cq_tail_before + report.completed,
            "CQEs posted != SQEs completed");
    for (size_t i = 0; i < writes; ++i) {
      e.check(m_atomics.cq_slots_written[writes_before + i] == (cq_tail_before + i) % C,
              "kernel wrote a CQ slot out of order");
    }
    e.check(m_kernel.deferred() == deferred_before + report.deferred, "deferred count drifted");
    e.check(
        report.consumed == 0 || cq_tail_before - seen_head + deferred_before + report.consumed <= C,
        "SQE consumed without a free CQ slot for its completion");
  }

  // Posts `cqe` for the oldest owed deferred SQE: exactly one CQE, in the next CQ slot.
  void post(const CapCqe& cqe) {
    Execution& e = *m_execution;
    const uint32_t cq_tail_before = m_kernel.cq_tail();
    const size_t writes_before = m_atomics.cq_slots_written.size();
    auto posted = m_kernel.post_deferred(cqe);
    e.check(posted.has_value(), "post_deferred refused an owed completion");
    e.check(m_atomics.cq_slots_written.size() == writes_before + 1 &&
                m_atomics.cq_slots_written.back() == cq_tail_before % C &&
                m_kernel.cq_tail() == cq_tail_before + 1,
            "post_deferred did not post exactly one CQE in the next slot");
  }

  [[nodiscard]] Kernel& kernel() { return m_kernel; }
  [[nodiscard]] Atomics& atomics() { return m_atomics; }

  uint32_t corrupt_entries = 0;

 private:
  Execution* m_execution;
  Atomics m_atomics;
  Kernel m_kernel;
  uint32_t m_dispatched = 0;
};

}  // namespace capos::verify::ring
