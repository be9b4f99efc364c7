// The ring protocol, single-threaded: round trips, u32 wrap-around, corruption fail-closed and
// recovery, back-pressure, the per-entry budget, deferred and declined dispatch, TOCTOU.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "lib/ring/abi.h"
#include "lib/ring/spsc.h"
#include "tests/lib/ring/ring_test_util.h"
#include "tests/lib/ring/spsc_harness.h"

namespace capos {
namespace {

using ring_test::Access;
using ring_test::EchoDispatcher;
using ring_test::error_of;
using ring_test::Harness;
using ring_test::iota;
using ring_test::nop_sqe;
using ring_test::user_data_of;

TEST(RingSpsc, KernelInitialisesThePage) {
  Harness h(0xFFFFFFF0);
  const RingPage& page = *h.page;
  EXPECT_EQ(page.sq_head, 0xFFFFFFF0U);
  EXPECT_EQ(page.sq_tail, 0xFFFFFFF0U);
  EXPECT_EQ(page.cq_head, 0xFFFFFFF0U);
  EXPECT_EQ(page.cq_tail, 0xFFFFFFF0U);
  EXPECT_EQ(page.sq_entries, SQ_ENTRIES);
  EXPECT_EQ(page.cq_entries, CQ_ENTRIES);
  EXPECT_EQ(page.flags, 0U);
  EXPECT_EQ(page.corrupt_count, 0U);
  EXPECT_EQ(page.cq_full_count, 0U);
  EXPECT_EQ(h.user.sq_tail(), 0xFFFFFFF0U);
  EXPECT_EQ(h.user.cq_head(), 0xFFFFFFF0U);
}

TEST(RingSpsc, AttachRejectsAForeignGeometry) {
  Harness h;
  h.page->sq_entries = 32;
  ring_test::RecordingAtomics atomics(*h.page);
  EXPECT_EQ(error_of(UserRing<ring_test::RecordingAtomics>::attach(*h.page, atomics)),
            Error::Unsupported);
  h.page->sq_entries = SQ_ENTRIES;
  h.page->cq_entries = 0;
  EXPECT_EQ(error_of(UserRing<ring_test::RecordingAtomics>::attach(*h.page, atomics)),
            Error::Unsupported);
}

TEST(RingSpsc, RoundTripDeliversEveryCompletionOnceInOrder) {
  Harness h;
  ASSERT_EQ(h.submit_nops(100, 5), 5U);
  EchoDispatcher dispatch;
  h.kernel_atomics.log.clear();
  const auto report = h.kernel.enter(dispatch);
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->consumed, 5U);
  EXPECT_EQ(report->completed, 5U);
  EXPECT_EQ(report->deferred, 0U);
  EXPECT_EQ(report->available, 5U);
  EXPECT_EQ(report->stop, EntryStop::SqEmpty);
  ASSERT_EQ(dispatch.seen.size(), 5U);
  for (size_t i = 0; i < 5; ++i) EXPECT_EQ(dispatch.seen[i].user_data, 100 + i);
  ring_test::expect_kernel_footprint(h.kernel_atomics.log);
  EXPECT_EQ(h.page->sq_head, 5U);
  EXPECT_EQ(h.page->cq_tail, 5U);

  const auto cqes = h.reap_all();
  EXPECT_EQ(user_data_of(cqes), iota(100, 5));
  for (const CapCqe& cqe : cqes) EXPECT_EQ(cqe.result, static_cast<int32_t>(cqe.user_data));
  EXPECT_EQ(h.page->cq_head, 5U);
  EXPECT_EQ(error_of(h.user.reap()), Error::WouldBlock);

  // Nothing pending: an entry consumes nothing and posts nothing.
  const auto idle = h.kernel.enter(dispatch);
  ASSERT_TRUE(idle.has_value());
  EXPECT_EQ(idle->consumed, 0U);
  EXPECT_EQ(idle->available, 0U);
  EXPECT_EQ(dispatch.seen.size(), 5U);
}

TEST(RingSpsc, CompletionEchoesUserDataAndZeroesReserved) {
  Harness h;
  ASSERT_EQ(h.submit_nops(7, 1), 1U);
  auto lying = [](const CapSqe&) {
    CapCqe cqe{};
    cqe.user_data = 0xBAD;
    cqe.reserved = 0xFFFF;
    cqe.result = 12;
    return cqe;
  };
  ASSERT_TRUE(h.kernel.enter(lying).has_value());
  const auto cqes = h.reap_all();
  ASSERT_EQ(cqes.size(), 1U);
  EXPECT_EQ(cqes[0].user_data, 7U);
  EXPECT_EQ(cqes[0].reserved, 0U);
  EXPECT_EQ(cqes[0].result, 12);
}

TEST(RingSpsc, FullSqIsWouldBlockAndWritesNothing) {
  Harness h;
  ASSERT_EQ(h.submit_nops(0, SQ_ENTRIES), SQ_ENTRIES);
  const auto before = ring_test::bytes_of(*h.page);
  h.user_atomics.log.clear();
  EXPECT_EQ(error_of(h.user.submit(nop_sqe(99))), Error::WouldBlock);
  EXPECT_EQ(ring_test::count_accesses(h.user_atomics.log, Access::WriteSqe), 0U);
  EXPECT_EQ(ring_test::count_accesses(h.user_atomics.log, Access::Store), 0U);
  EXPECT_EQ(ring_test::bytes_of(*h.page), before);

  EchoDispatcher dispatch;
  ASSERT_TRUE(h.kernel.enter(dispatch).has_value());
  EXPECT_EQ(dispatch.seen.size(), SQ_ENTRIES);
  EXPECT_TRUE(h.user.submit(nop_sqe(99)).has_value());
}

// Free-running u32 indices cross 2^32 without losing order or a slot.
TEST(RingSpsc, IndicesWrapAroundUint32) {
  for (uint32_t first :
       {UINT32_MAX, UINT32_MAX - 3, UINT32_MAX - 15, UINT32_MAX - 31, UINT32_MAX - 100, 0U}) {
    Harness h(first);
    EchoDispatcher dispatch;
    std::vector<CapCqe> reaped;
    uint64_t next = 0;
    for (uint32_t round = 0; round < 40; ++round) {
      next += h.submit_nops(next, 1 + round % SQ_ENTRIES);
      ASSERT_TRUE(h.kernel.enter(dispatch).has_value());
      if (round % 3 != 0) {
        const auto cqes = h.reap_all();
        reaped.insert(reaped.end(), cqes.begin(), cqes.end());
      }
    }
    ASSERT_TRUE(h.kernel.enter(dispatch).has_value());
    const auto rest = h.reap_all();
    reaped.insert(reaped.end(), rest.begin(), rest.end());
    EXPECT_EQ(user_data_of(reaped), iota(0, next)) << "first index " << first;
    EXPECT_EQ(h.kernel.sq_head(), static_cast<uint32_t>(first + next));
    EXPECT_EQ(h.kernel.cq_tail(), static_cast<uint32_t>(first + next));
    EXPECT_EQ(h.page->sq_head, h.kernel.sq_head());
  }
}

struct BadIndex {
  const char* what;
  bool sq;         // true: write sq_tail; false: write cq_head
  int64_t offset;  // relative to the kernel's sq_head (sq) or cq_tail (cq)
};

// Every way to write an impossible index: behind the kernel, or more than a ring ahead.
constexpr BadIndex bad_indices[] = {
    {"sq_tail one behind sq_head", true, -1},
    {"sq_tail a ring plus one ahead", true, SQ_ENTRIES + 1},
    {"sq_tail far ahead", true, 0x7FFFFFFF},
    {"sq_tail half the space away", true, 0x80000000LL},
    {"sq_tail far behind", true, -0x7FFFFFFFLL},
    {"cq_head one ahead of cq_tail", false, 1},
    {"cq_head a ring plus one behind", false, -static_cast<int64_t>(CQ_ENTRIES) - 1},
    {"cq_head far ahead", false, 0x7FFFFFFF},
    {"cq_head half the space away", false, 0x80000000LL},
    {"cq_head far behind", false, -0x7FFFFFFFLL},
};

TEST(RingSpsc, CorruptIndexFailsClosedAndRecoversAfterRepair) {
  for (uint32_t first : {0U, 5U, UINT32_MAX - 2}) {
    for (const BadIndex& bad : bad_indices) {
      SCOPED_TRACE(std::string(bad.what) + ", first index " + std::to_string(first));
      Harness h(first);
      EchoDispatcher dispatch;
      // Some history: 4 completions unreaped, then 3 SQEs pending.
      ASSERT_EQ(h.submit_nops(0, 4), 4U);
      ASSERT_TRUE(h.kernel.enter(dispatch).has_value());
      ASSERT_EQ(h.submit_nops(4, 3), 3U);
      const uint32_t head = h.kernel.sq_head();
      const uint32_t tail = h.kernel.cq_tail();
      if (bad.sq) {
        h.page->sq_tail = static_cast<uint32_t>(head + static_cast<uint64_t>(bad.offset));
      } else {
        h.page->cq_head = static_cast<uint32_t>(tail + static_cast<uint64_t>(bad.offset));
      }
      for (uint32_t attempt = 1; attempt <= 2; ++attempt) {
        h.kernel_atomics.log.clear();
        EXPECT_EQ(error_of(h.kernel.enter(dispatch)), Error::RingCorrupt);
        EXPECT_EQ(dispatch.seen.size(), 4U);  // nothing consumed
        EXPECT_EQ(ring_test::count_accesses(h.kernel_atomics.log, Access::ReadSqe), 0U);
        EXPECT_EQ(ring_test::count_accesses(h.kernel_atomics.log, Access::WriteCqe), 0U);
        EXPECT_EQ(h.kernel_atomics.log.size(), 2U + 5U);  // two loads, five republished words
        ring_test::expect_kernel_footprint(h.kernel_atomics.log);
        EXPECT_EQ(h.page->flags, RING_FLAG_CORRUPT);
        EXPECT_EQ(h.page->corrupt_count, attempt);
        EXPECT_EQ(h.kernel.corrupt_count(), attempt);
        EXPECT_EQ(h.page->sq_head, head);
        EXPECT_EQ(h.page->cq_tail, tail);
        EXPECT_EQ(h.page->cq_full_count, 0U);
      }
      h.user.republish();
      const auto report = h.kernel.enter(dispatch);
      ASSERT_TRUE(report.has_value());
      EXPECT_EQ(report->consumed, 3U);
      EXPECT_EQ(h.page->flags, 0U);
      EXPECT_EQ(h.page->corrupt_count, 2U);  // history is kept
      EXPECT_EQ(user_data_of(h.reap_all()), iota(0, 7));
    }
  }
}

// The largest legal distances are not corruption: 16 pending SQEs, 32 unreaped CQEs.
TEST(RingSpsc, FullRingsAreNotCorruption) {
  Harness h(UINT32_MAX - 7);
  EchoDispatcher dispatch;
  ASSERT_EQ(h.submit_nops(0, 16), 16U);
  auto report = h.kernel.enter(dispatch);
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->consumed, 16U);
  ASSERT_EQ(h.submit_nops(16, 16), 16U);
  report = h.kernel.enter(dispatch);
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->available, 32U);
  report = h.kernel.enter(dispatch);  // cq_tail - cq_head == 32 exactly
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(h.page->flags, 0U);
  EXPECT_EQ(h.kernel.corrupt_count(), 0U);
}

TEST(RingSpsc, FullCqStopsConsumptionWithoutLosingOrDuplicating) {
  Harness h(UINT32_MAX - 20);
  EchoDispatcher dispatch;
  ASSERT_EQ(h.submit_nops(0, 16), 16U);
  ASSERT_TRUE(h.kernel.enter(dispatch).has_value());
  ASSERT_EQ(h.submit_nops(16, 16), 16U);
  ASSERT_TRUE(h.kernel.enter(dispatch).has_value());  // CQ now holds 32
  ASSERT_EQ(h.submit_nops(32, 16), 16U);
  for (uint32_t entry = 1; entry <= 2; ++entry) {
    const auto report = h.kernel.enter(dispatch);
    ASSERT_TRUE(report.has_value());
    EXPECT_EQ(report->consumed, 0U);
    EXPECT_EQ(report->stop, EntryStop::CqFull);
    EXPECT_EQ(report->available, 32U);
    EXPECT_EQ(h.page->cq_full_count, entry);  // once per entry, not per refused SQE
  }
  std::vector<CapCqe> reaped;
  for (int i = 0; i < 5; ++i) reaped.push_back(*h.user.reap());
  auto report = h.kernel.enter(dispatch);
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->consumed, 5U);
  EXPECT_EQ(report->stop, EntryStop::CqFull);
  EXPECT_EQ(h.page->cq_full_count, 3U);
  while (dispatch.seen.size() < 48) {
    const auto cqes = h.reap_all();
    reaped.insert(reaped.end(), cqes.begin(), cqes.end());
    ASSERT_TRUE(h.kernel.enter(dispatch).has_value());
  }
  const auto rest = h.reap_all();
  reaped.insert(reaped.end(), rest.begin(), rest.end());
  EXPECT_EQ(user_data_of(reaped), iota(0, 48));
  EXPECT_EQ(h.page->flags, 0U);
}

TEST(RingSpsc, BudgetBoundsEachEntry) {
  Harness h;
  EchoDispatcher dispatch;
  ASSERT_EQ(h.submit_nops(0, 16), 16U);
  auto report = h.kernel.enter(dispatch, 0);
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->consumed, 0U);
  EXPECT_EQ(report->stop, EntryStop::Budget);
  report = h.kernel.enter(dispatch, 3);
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->consumed, 3U);
  EXPECT_EQ(report->stop, EntryStop::Budget);
  report = h.kernel.enter(dispatch, 1000);  // clamped to SQES_PER_ENTRY
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->consumed, 13U);
  EXPECT_EQ(report->stop, EntryStop::SqEmpty);
  EXPECT_EQ(user_data_of(h.reap_all()), iota(0, 16));
}

// A user that keeps submitting while the kernel dispatches cannot extend the entry: sq_tail and
// cq_head are each read once, so at most the SQEs pending at entry (<= 16) are consumed.
TEST(RingSpsc, IndicesAreReadOncePerEntry) {
  Harness h;
  ASSERT_EQ(h.submit_nops(0, 4), 4U);
  uint64_t next = 4;
  std::vector<uint64_t> seen;
  auto refilling = [&](const CapSqe& sqe) {
    seen.push_back(sqe.user_data);
    EXPECT_TRUE(h.user.submit(nop_sqe(next++)).has_value());
    return CapCqe{};
  };
  for (uint32_t entry = 0; entry < 3; ++entry) {
    h.kernel_atomics.log.clear();
    const auto report = h.kernel.enter(refilling);
    ASSERT_TRUE(report.has_value());
    EXPECT_EQ(report->consumed, 4U);
    EXPECT_EQ(ring_test::count_loads_of(h.kernel_atomics.log, offsetof(RingPage, sq_tail)), 1U);
    EXPECT_EQ(ring_test::count_loads_of(h.kernel_atomics.log, offsetof(RingPage, cq_head)), 1U);
    EXPECT_EQ(ring_test::count_accesses(h.kernel_atomics.log, Access::ReadSqe), 4U);
    ring_test::expect_kernel_footprint(h.kernel_atomics.log);
  }
  EXPECT_EQ(seen, iota(0, 12));
}

// TOCTOU: the dispatcher decodes a kernel-private copy; rewriting the shared slot meanwhile
// changes nothing it sees, and each slot is read exactly once per consumed SQE.
TEST(RingSpsc, SqeIsCopiedOnceBeforeDispatch) {
  Harness h;
  ASSERT_EQ(h.submit_nops(0, 3), 3U);
  h.kernel_atomics.log.clear();
  uint32_t index = 0;
  auto meddling = [&](const CapSqe& sqe) {
    const auto before = ring_test::bytes_of(sqe);
    h.page->sq[index % SQ_ENTRIES].opcode = 0xEE;  // the user rewrites the slot mid-dispatch
    h.page->sq[index % SQ_ENTRIES].user_data = 0xBAD;
    EXPECT_EQ(ring_test::bytes_of(sqe), before);
    EXPECT_EQ(sqe.user_data, index);
    EXPECT_EQ(sqe.opcode, to_raw(Opcode::Nop));
    ++index;
    return CapCqe{};
  };
  ASSERT_TRUE(h.kernel.enter(meddling).has_value());
  std::vector<size_t> reads;
  for (const auto& access : h.kernel_atomics.log) {
    if (access.kind == Access::ReadSqe) reads.push_back(access.offset);
  }
  EXPECT_EQ(reads, (std::vector<size_t>{ring_test::sq_slot_offset(0), ring_test::sq_slot_offset(1),
                                        ring_test::sq_slot_offset(2)}));
  EXPECT_EQ(user_data_of(h.reap_all()), iota(0, 3));  // completions use the copy
}

struct Deferring {
  std::vector<uint64_t> owed;
  DispatchOutcome operator()(const CapSqe& sqe) {
    owed.push_back(sqe.user_data);
    return DispatchOutcome::defer();
  }
};

TEST(RingSpsc, DeferredCompletionsHoldTheirCqSlot) {
  Harness h(UINT32_MAX - 9);
  Deferring defer;
  for (uint32_t batch = 0; batch < 2; ++batch) {
    ASSERT_EQ(h.submit_nops(batch * 16, 16), 16U);
    const auto report = h.kernel.enter(defer);
    ASSERT_TRUE(report.has_value());
    EXPECT_EQ(report->consumed, 16U);
    EXPECT_EQ(report->deferred, 16U);
    EXPECT_EQ(report->completed, 0U);
    EXPECT_EQ(report->available, 0U);
  }
  EXPECT_EQ(h.kernel.deferred(), 32U);
  // 32 completions are owed: the CQ is full although no CQE has been posted yet.
  ASSERT_EQ(h.submit_nops(32, 1), 1U);
  auto report = h.kernel.enter(defer);
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->consumed, 0U);
  EXPECT_EQ(report->stop, EntryStop::CqFull);
  EXPECT_EQ(h.kernel.cq_full_count(), 1U);

  // Completions arrive in whatever order the calls finish.
  std::vector<uint64_t> posted;
  for (size_t i = 0; i < defer.owed.size(); ++i) {
    const uint64_t user_data = defer.owed[(i * 7) % defer.owed.size()];
    CapCqe cqe{};
    cqe.user_data = user_data;
    cqe.reserved = 0x55;
    ASSERT_TRUE(h.kernel.post_deferred(cqe).has_value());
    posted.push_back(user_data);
    EXPECT_EQ(h.page->cq_tail, h.kernel.cq_tail());
  }
  EXPECT_EQ(error_of(h.kernel.post_deferred(CapCqe{})), Error::InvalidState);
  const auto cqes = h.reap_all();
  EXPECT_EQ(user_data_of(cqes), posted);
  for (const CapCqe& cqe : cqes) EXPECT_EQ(cqe.reserved, 0U);

  EchoDispatcher dispatch;
  report = h.kernel.enter(dispatch);
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->consumed, 1U);
  EXPECT_EQ(user_data_of(h.reap_all()), iota(32, 1));
}

TEST(RingSpsc, DeclinedSqeStaysQueued) {
  Harness h;
  for (uint64_t i = 0; i < 4; ++i) {
    CapSqe sqe = nop_sqe(i);
    if (i == 2) sqe.opcode = to_raw(Opcode::Call);
    ASSERT_TRUE(h.user.submit(sqe).has_value());
  }
  std::vector<uint64_t> seen;
  auto interrupt_context = [&](const CapSqe& sqe) {
    if (sqe.opcode == to_raw(Opcode::Call)) return DispatchOutcome::decline();
    seen.push_back(sqe.user_data);
    return DispatchOutcome::complete(CapCqe{});
  };
  auto report = h.kernel.enter(interrupt_context);
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->consumed, 2U);
  EXPECT_EQ(report->stop, EntryStop::Declined);
  EXPECT_EQ(h.page->sq_head, 2U);
  report = h.kernel.enter(interrupt_context);  // still declined, still queued
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->consumed, 0U);
  EchoDispatcher dispatch;
  report = h.kernel.enter(dispatch);
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->consumed, 2U);
  EXPECT_EQ(dispatch.seen.at(0).opcode, to_raw(Opcode::Call));
  EXPECT_EQ(user_data_of(h.reap_all()), iota(0, 4));
}

// The user may scribble on kernel-written words; the kernel never reads them and rewrites
// them from its own copies on the next entry.
TEST(RingSpsc, KernelWordsAreRestoredFromAuthoritativeCopies) {
  Harness h;
  EchoDispatcher dispatch;
  ASSERT_EQ(h.submit_nops(0, 3), 3U);
  ASSERT_TRUE(h.kernel.enter(dispatch).has_value());
  h.page->sq_head = 0xDEAD;
  h.page->cq_tail = 0xBEEF;
  h.page->flags = 0xFFFFFFFF;
  h.page->corrupt_count = 77;
  h.page->cq_full_count = 88;
  ASSERT_EQ(h.submit_nops(3, 1), 0U);  // the runtime refuses to act on the bogus mirror
  h.kernel_atomics.log.clear();
  const auto report = h.kernel.enter(dispatch);
  ASSERT_TRUE(report.has_value());
  ring_test::expect_kernel_footprint(h.kernel_atomics.log);
  EXPECT_EQ(h.page->sq_head, 3U);
  EXPECT_EQ(h.page->cq_tail, 3U);
  EXPECT_EQ(h.page->flags, 0U);
  EXPECT_EQ(h.page->corrupt_count, 0U);
  EXPECT_EQ(h.page->cq_full_count, 0U);
  EXPECT_EQ(user_data_of(h.reap_all()), iota(0, 3));
}

TEST(RingSpsc, UserSideRefusesAnInconsistentKernelMirror) {
  Harness h;
  h.page->sq_head = 1;  // "the kernel consumed an SQE we never submitted"
  h.user_atomics.log.clear();
  EXPECT_EQ(error_of(h.user.submit(nop_sqe(0))), Error::RingCorrupt);
  EXPECT_EQ(ring_test::count_accesses(h.user_atomics.log, Access::WriteSqe), 0U);
  EXPECT_EQ(ring_test::count_accesses(h.user_atomics.log, Access::Store), 0U);
  h.page->sq_head = 0;
  h.page->cq_tail = CQ_ENTRIES + 1;
  EXPECT_EQ(error_of(h.user.reap()), Error::RingCorrupt);
  EXPECT_EQ(ring_test::count_accesses(h.user_atomics.log, Access::ReadCqe), 0U);
  EXPECT_EQ(h.user.cq_head(), 0U);
}

TEST(RingSpsc, DiagnosticCountersSaturate) {
  EXPECT_EQ(ring_detail::saturating_increment(0), 1U);
  EXPECT_EQ(ring_detail::saturating_increment(UINT32_MAX - 1), UINT32_MAX);
  EXPECT_EQ(ring_detail::saturating_increment(UINT32_MAX), UINT32_MAX);
}

}  // namespace
}  // namespace capos
