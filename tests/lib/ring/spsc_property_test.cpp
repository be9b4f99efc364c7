// Property tests of the ring protocol (seed Tier 2/3): random interleavings, at operation
// granularity, of user submits/reaps, kernel entries (random budgets and dispatch outcomes),
// deferred completions and hostile writes to the shared page.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "lib/ring/abi.h"
#include "lib/ring/spsc.h"
#include "tests/lib/ring/ring_test_util.h"
#include "tests/lib/ring/spsc_harness.h"

namespace capos {
namespace {

using ring_test::Access;
using ring_test::AccessRecord;
using ring_test::Harness;

uint32_t gen_first_index() {
  return *rc::gen::oneOf(rc::gen::arbitrary<uint32_t>(),
                         rc::gen::inRange<uint32_t>(UINT32_MAX - 80, UINT32_MAX),
                         rc::gen::inRange<uint32_t>(0, 80));
}

uint32_t gen_budget() { return *rc::gen::inRange<uint32_t>(0, 24); }

// How an entry's dispatcher treats each SQE: a deterministic function of user_data and a
// per-entry salt, so a run is reproducible from its seed.
struct Policy {
  uint32_t salt;
  uint32_t defer_percent;
  uint32_t decline_percent;

  [[nodiscard]] Disposition decide(uint64_t user_data) const {
    const uint64_t roll = (user_data * 0x9E3779B97F4A7C15ULL + salt) >> 40;
    if (roll % 100 < decline_percent) return Disposition::Decline;
    if ((roll / 100) % 100 < defer_percent) return Disposition::Defer;
    return Disposition::Complete;
  }
};

Policy gen_policy() {
  return {*rc::gen::arbitrary<uint32_t>(), *rc::gen::element(0U, 0U, 30U, 100U),
          *rc::gen::element(0U, 0U, 0U, 10U)};
}

// The honest-user model: what was submitted, dispatched, posted and reaped, in order.
struct Model {
  std::vector<uint64_t> submitted;
  std::vector<uint64_t> dispatched;
  std::vector<uint64_t> posted;  // CQE user_data in CQ order
  std::vector<uint64_t> reaped;
  std::vector<uint64_t> owed;  // deferred, not yet posted
  bool sq_corrupt = false;
  bool cq_corrupt = false;
  uint32_t corrupt_count = 0;
  uint32_t cq_full_count = 0;
};

// One kernel entry against the model; checks the report, the counters and the footprint.
void model_enter(Harness& h, Model& m, uint32_t budget, const Policy& policy) {
  bool in_order = true;
  bool declined = false;
  auto dispatch = [&](const CapSqe& sqe) {
    const Disposition disposition = policy.decide(sqe.user_data);
    if (disposition == Disposition::Decline) {
      declined = true;
      return DispatchOutcome::decline();
    }
    in_order = in_order && m.dispatched.size() < m.submitted.size() &&
               m.submitted[m.dispatched.size()] == sqe.user_data;
    m.dispatched.push_back(sqe.user_data);
    if (disposition == Disposition::Defer) {
      m.owed.push_back(sqe.user_data);
      return DispatchOutcome::defer();
    }
    m.posted.push_back(sqe.user_data);
    CapCqe cqe{};
    cqe.result = static_cast<int32_t>(sqe.user_data % 1000);
    return DispatchOutcome::complete(cqe);
  };
  const size_t pending = m.submitted.size() - m.dispatched.size();
  const size_t room = CQ_ENTRIES - (m.posted.size() - m.reaped.size()) - m.owed.size();
  const size_t limit = std::min<size_t>(pending, std::min<uint32_t>(budget, SQES_PER_ENTRY));
  const size_t dispatched_before = m.dispatched.size();

  h.kernel_atomics.log.clear();
  const auto report = h.kernel.enter(dispatch, budget);
  ring_test::expect_kernel_footprint(h.kernel_atomics.log);
  RC_ASSERT(ring_test::count_loads_of(h.kernel_atomics.log, offsetof(RingPage, sq_tail)) == 1U);
  RC_ASSERT(ring_test::count_loads_of(h.kernel_atomics.log, offsetof(RingPage, cq_head)) == 1U);
  RC_ASSERT(in_order);

  if (m.sq_corrupt || m.cq_corrupt) {
    RC_ASSERT(!report.has_value());
    RC_ASSERT(report.error() == Error::RingCorrupt);
    RC_ASSERT(m.dispatched.size() == dispatched_before);
    RC_ASSERT(!declined);
    ++m.corrupt_count;
    RC_ASSERT(h.page->flags == RING_FLAG_CORRUPT);
  } else {
    RC_ASSERT(report.has_value());
    const size_t consumed = m.dispatched.size() - dispatched_before;
    RC_ASSERT(report->consumed == consumed);
    RC_ASSERT(consumed <= SQES_PER_ENTRY);
    if (declined) {
      RC_ASSERT(report->stop == EntryStop::Declined);
      RC_ASSERT(consumed < std::min(limit, room));
    } else {
      RC_ASSERT(consumed == std::min(limit, room));
      const EntryStop expected = room < limit      ? EntryStop::CqFull
                                 : limit < pending ? EntryStop::Budget
                                                   : EntryStop::SqEmpty;
      RC_ASSERT(report->stop == expected);
    }
    if (report->stop == EntryStop::CqFull) ++m.cq_full_count;
    RC_ASSERT(report->available == m.posted.size() - m.reaped.size());
    RC_ASSERT(h.page->flags == 0U);
  }
  RC_ASSERT(h.page->corrupt_count == m.corrupt_count);
  RC_ASSERT(h.page->cq_full_count == m.cq_full_count);
  RC_ASSERT(h.kernel.deferred() == m.owed.size());
}

void check_indices(const Harness& h, const Model& m, uint32_t first) {
  RC_ASSERT(h.kernel.sq_head() == static_cast<uint32_t>(first + m.dispatched.size()));
  RC_ASSERT(h.kernel.cq_tail() == static_cast<uint32_t>(first + m.posted.size()));
  RC_ASSERT(h.page->sq_head == h.kernel.sq_head());
  RC_ASSERT(h.page->cq_tail == h.kernel.cq_tail());
}

void model_post_deferred(Harness& h, Model& m) {
  if (m.owed.empty()) {
    RC_ASSERT(h.kernel.post_deferred(CapCqe{}).error() == Error::InvalidState);
    return;
  }
  const size_t pick = *rc::gen::inRange<size_t>(0, m.owed.size());
  CapCqe cqe{};
  cqe.user_data = m.owed[pick];
  RC_ASSERT(h.kernel.post_deferred(cqe).has_value());
  m.posted.push_back(m.owed[pick]);
  m.owed.erase(m.owed.begin() + static_cast<ptrdiff_t>(pick));
}

// An honest runtime, hostile code in the same process writing impossible indices, and any
// kernel schedule: every consumed SQE gets exactly one CQE, CQEs arrive in posting order, none
// is lost or duplicated, and corruption fails closed until repaired.
RC_GTEST_PROP(RingSpscProperty, ExactlyOnceUnderInterleavingsAndCorruption, ()) {
  const uint32_t first = gen_first_index();
  Harness h(first);
  Model m;
  const int steps = *rc::gen::inRange(1, 250);
  for (int step = 0; step < steps; ++step) {
    switch (*rc::gen::inRange(0, 10)) {
      case 0:
      case 1: {  // submit a few
        const int count = *rc::gen::inRange(1, 20);
        for (int i = 0; i < count; ++i) {
          const uint64_t user_data = m.submitted.size();
          const auto submitted = h.user.submit(ring_test::nop_sqe(user_data));
          const bool full = m.submitted.size() - m.dispatched.size() == SQ_ENTRIES;
          RC_ASSERT(submitted.has_value() == !full);
          if (full) {
            RC_ASSERT(submitted.error() == Error::WouldBlock);
          } else {
            m.submitted.push_back(user_data);
            m.sq_corrupt = false;  // the runtime's store of sq_tail rewrote the bad value
          }
        }
        break;
      }
      case 2: {  // reap a few
        const int count = *rc::gen::inRange(1, 40);
        for (int i = 0; i < count; ++i) {
          const auto cqe = h.user.reap();
          if (m.reaped.size() == m.posted.size()) {
            RC_ASSERT(cqe.error() == Error::WouldBlock);
            continue;
          }
          RC_ASSERT(cqe.has_value());
          RC_ASSERT(cqe->user_data == m.posted[m.reaped.size()]);
          RC_ASSERT(cqe->reserved == 0U);
          m.reaped.push_back(cqe->user_data);
          m.cq_corrupt = false;
        }
        break;
      }
      case 3:
      case 4:
      case 5: model_enter(h, m, gen_budget(), gen_policy()); break;
      case 6: model_post_deferred(h, m); break;
      case 7: {  // hostile: sq_tail more than a ring ahead of the kernel (or behind it)
        const auto distance = *rc::gen::inRange<uint64_t>(SQ_ENTRIES + 1, uint64_t{1} << 32);
        h.page->sq_tail = static_cast<uint32_t>(h.kernel.sq_head() + distance);
        m.sq_corrupt = true;
        break;
      }
      case 8: {  // hostile: cq_head more than a ring behind cq_tail (or ahead of it)
        // Stays impossible even after CQ_ENTRIES deferred posts move cq_tail on.
        const auto distance =
            *rc::gen::inRange<uint64_t>(CQ_ENTRIES + 1, (uint64_t{1} << 32) - 2 * CQ_ENTRIES);
        h.page->cq_head = static_cast<uint32_t>(h.kernel.cq_tail() - distance);
        m.cq_corrupt = true;
        break;
      }
      default:
        h.user.republish();
        m.sq_corrupt = m.cq_corrupt = false;
        break;
    }
    check_indices(h, m, first);
  }

  // Drain: repair, pay every owed completion, let the kernel catch up, reap everything.
  h.user.republish();
  m.sq_corrupt = m.cq_corrupt = false;
  for (int round = 0; round < 64 && m.reaped.size() < m.submitted.size(); ++round) {
    while (!m.owed.empty()) model_post_deferred(h, m);
    const auto cqes = h.reap_all();
    for (const CapCqe& cqe : cqes) {
      RC_ASSERT(m.reaped.size() < m.posted.size());
      RC_ASSERT(cqe.user_data == m.posted[m.reaped.size()]);
      m.reaped.push_back(cqe.user_data);
    }
    model_enter(h, m, SQES_PER_ENTRY, Policy{0, 0, 0});
  }
  RC_ASSERT(m.dispatched == m.submitted);
  RC_ASSERT(m.reaped == m.posted);
  std::vector<uint64_t> delivered = m.reaped;
  std::sort(delivered.begin(), delivered.end());
  RC_ASSERT(delivered == m.submitted);  // each submitted SQE completed exactly once
  check_indices(h, m, first);
}

// A user that writes anything anywhere in its ring page. Only kernel-side guarantees can hold:
// the kernel reads sq_tail and cq_head once each, reads SQ slots only in index order from its
// own head, dispatches exactly the bytes it read, posts one CQE per completed SQE at
// consecutive CQ slots, never exceeds the budget, and fails closed exactly when SPEC says.
RC_GTEST_PROP(RingSpscProperty, KernelInvariantsHoldAgainstAFullyHostileUser, ()) {
  Harness h(gen_first_index());
  uint32_t corrupt_count = 0;
  const int steps = *rc::gen::inRange(1, 200);
  for (int step = 0; step < steps; ++step) {
    const int op = *rc::gen::inRange(0, 8);
    if (op <= 2) {  // scribble on a header word: near the real indices, or anything
      static constexpr std::array<size_t, 9> words = {
          offsetof(RingPage, sq_head),      offsetof(RingPage, sq_tail),
          offsetof(RingPage, cq_head),      offsetof(RingPage, cq_tail),
          offsetof(RingPage, sq_entries),   offsetof(RingPage, cq_entries),
          offsetof(RingPage, flags),        offsetof(RingPage, corrupt_count),
          offsetof(RingPage, cq_full_count)};
      const size_t offset = *rc::gen::elementOf(words);
      const uint32_t base = *rc::gen::element(h.kernel.sq_head(), h.kernel.cq_tail());
      const uint32_t value = *rc::gen::oneOf(
          rc::gen::arbitrary<uint32_t>(),
          rc::gen::map(rc::gen::inRange<int32_t>(-40, 40),
                       [base](int32_t delta) { return base + static_cast<uint32_t>(delta); }));
      std::memcpy(reinterpret_cast<std::byte*>(h.page.get()) + offset, &value, sizeof(value));
    } else if (op == 3) {  // scribble on an SQ slot
      const auto slot = *rc::gen::inRange<uint32_t>(0, SQ_ENTRIES);
      const auto bytes =
          *rc::gen::container<std::vector<uint8_t>>(64, rc::gen::arbitrary<uint8_t>());
      std::memcpy(&h.page->sq[slot], bytes.data(), sizeof(CapSqe));
    } else if (op == 4) {
      if (h.kernel.deferred() == 0) {
        RC_ASSERT(h.kernel.post_deferred(CapCqe{}).error() == Error::InvalidState);
      } else {
        const uint32_t tail = h.kernel.cq_tail();
        RC_ASSERT(h.kernel.post_deferred(CapCqe{}).has_value());
        RC_ASSERT(h.kernel.cq_tail() == tail + 1);
        RC_ASSERT(h.page->cq_tail == tail + 1);
      }
    } else {
      const uint32_t budget = gen_budget();
      const Policy policy = gen_policy();
      const uint32_t head = h.kernel.sq_head();
      const uint32_t tail = h.kernel.cq_tail();
      const uint32_t deferred = h.kernel.deferred();
      const uint32_t full_count = h.kernel.cq_full_count();
      RingPage before{};
      std::memcpy(&before, h.page.get(), sizeof(RingPage));
      std::vector<CapSqe> seen;
      uint32_t completed = 0;
      auto dispatch = [&](const CapSqe& sqe) {
        seen.push_back(sqe);
        const Disposition disposition = policy.decide(sqe.user_data);
        if (disposition == Disposition::Complete) ++completed;
        if (disposition == Disposition::Decline) return DispatchOutcome::decline();
        if (disposition == Disposition::Defer) return DispatchOutcome::defer();
        CapCqe cqe{};
        cqe.reserved = 0xFF;  // the ring must zero it
        return DispatchOutcome::complete(cqe);
      };
      h.kernel_atomics.log.clear();
      const auto report = h.kernel.enter(dispatch, budget);
      const std::vector<AccessRecord>& log = h.kernel_atomics.log;
      ring_test::expect_kernel_footprint(log);
      RC_ASSERT(ring_test::count_loads_of(log, offsetof(RingPage, sq_tail)) == 1U);
      RC_ASSERT(ring_test::count_loads_of(log, offsetof(RingPage, cq_head)) == 1U);
      const uint32_t sq_tail_read = log.at(0).value;
      const uint32_t cq_head_read = log.at(1).value;
      const bool corrupt = sq_tail_read - head > SQ_ENTRIES || tail - cq_head_read > CQ_ENTRIES;
      RC_ASSERT(report.has_value() == !corrupt);
      if (corrupt) {
        RC_ASSERT(report.error() == Error::RingCorrupt);
        RC_ASSERT(seen.empty());
        RC_ASSERT(ring_test::count_accesses(log, Access::ReadSqe) == 0U);
        RC_ASSERT(ring_test::count_accesses(log, Access::WriteCqe) == 0U);
        RC_ASSERT(h.kernel.sq_head() == head && h.kernel.cq_tail() == tail);
        ++corrupt_count;
        RC_ASSERT(h.page->flags == RING_FLAG_CORRUPT);
      } else {
        // SQ reads: slots head, head+1, ... once each; the dispatcher saw their bytes as read.
        std::vector<size_t> reads;
        std::vector<size_t> writes;
        for (const auto& access : log) {
          if (access.kind == Access::ReadSqe) reads.push_back(access.offset);
          if (access.kind == Access::WriteCqe) writes.push_back(access.offset);
        }
        RC_ASSERT(reads.size() == seen.size());
        for (size_t i = 0; i < reads.size(); ++i) {
          const uint32_t index = head + static_cast<uint32_t>(i);
          RC_ASSERT(reads[i] == ring_test::sq_slot_offset(index));
          RC_ASSERT(ring_test::bytes_of(seen[i]) ==
                    ring_test::bytes_of(before.sq[index % SQ_ENTRIES]));
        }
        RC_ASSERT(report->consumed <= std::min(budget, SQES_PER_ENTRY));
        RC_ASSERT(report->consumed <= sq_tail_read - head);
        RC_ASSERT(report->completed == completed);
        RC_ASSERT(report->consumed == report->completed + report->deferred);
        RC_ASSERT(h.kernel.sq_head() == head + report->consumed);
        RC_ASSERT(h.kernel.deferred() == deferred + report->deferred);
        // One CQE per completed SQE, at consecutive slots, carrying that SQE's user_data.
        RC_ASSERT(writes.size() == completed);
        size_t j = 0;
        for (size_t i = 0; i < seen.size(); ++i) {
          if (policy.decide(seen[i].user_data) != Disposition::Complete) continue;
          const uint32_t index = tail + static_cast<uint32_t>(j);
          RC_ASSERT(writes[j] == ring_test::cq_slot_offset(index));
          RC_ASSERT(h.page->cq[index % CQ_ENTRIES].user_data == seen[i].user_data);
          RC_ASSERT(h.page->cq[index % CQ_ENTRIES].reserved == 0U);
          ++j;
        }
        // The reservation invariant: consuming an SQE needs a free CQ slot for it, counting
        // posted-but-unreaped and owed completions; a CqFull stop means there was none.
        const uint32_t held = h.kernel.cq_tail() - cq_head_read + h.kernel.deferred();
        if (report->consumed > 0) RC_ASSERT(held <= CQ_ENTRIES);
        if (report->stop == EntryStop::CqFull) RC_ASSERT(held >= CQ_ENTRIES);
        RC_ASSERT(h.kernel.cq_full_count() ==
                  full_count + (report->stop == EntryStop::CqFull ? 1U : 0U));
        RC_ASSERT(h.page->flags == 0U);
      }
      RC_ASSERT(h.kernel.corrupt_count() == corrupt_count);
      RC_ASSERT(h.page->sq_head == h.kernel.sq_head());
      RC_ASSERT(h.page->cq_tail == h.kernel.cq_tail());
      RC_ASSERT(h.page->corrupt_count == corrupt_count);
      RC_ASSERT(h.page->cq_full_count == h.kernel.cq_full_count());
    }
  }
}

}  // namespace
}  // namespace capos
