// The cap_enter rule (kernel/proc/cap_enter.h, docs/abi.md "cap_enter") over the real KernelRing
// and dispatcher: SQEs are always consumed first, min_complete is clamped to the CQ size (a full
// CQ satisfies any wait), timeout 0 never blocks, an unsatisfied wait is TIMED_OUT for now (F-033).
#include "kernel/proc/cap_enter.h"

#include <gtest/gtest.h>

#include <cstdint>

#include "lib/ring/user_ring.h"
#include "tests/kernel/cap/dispatch_fixture.h"

namespace capos::kernel::test {
namespace {

class CapEnterTest : public DispatchTest {
 protected:
  CapEnterTest() : m_user(UserRing<HardwareAtomics>::attach(*m_page, m_user_atomics).take()) {}

  void submit_nops(uint32_t count) {
    for (uint32_t i = 0; i < count; ++i) {
      CapSqe nop{};
      nop.user_data = m_next++;
      ASSERT_TRUE(m_user.submit(nop).has_value());
    }
  }
  int64_t enter(uint64_t min_complete, uint64_t timeout_ns) {
    RingDispatcher<Memory> dispatcher(caller(), m_memory, *m_scratch);
    return run_cap_enter(m_ring, dispatcher, min_complete, timeout_ns);
  }
  uint32_t reap_all() {
    uint32_t reaped = 0;
    while (m_user.reap().has_value()) ++reaped;
    return reaped;
  }

  HardwareAtomics m_user_atomics;
  UserRing<HardwareAtomics> m_user;
  uint64_t m_next = 1;
};

TEST_F(CapEnterTest, AHugeMinCompleteStillConsumesAndTimeoutZeroReturnsTheCount) {
  submit_nops(3);
  EXPECT_EQ(enter(1000, 0), 3);  // was CAP_ERR_INVALID with nothing consumed (F-033)
  EXPECT_EQ(m_ring.sq_head(), 3U);
  EXPECT_EQ(reap_all(), 3U);
  submit_nops(1);
  EXPECT_EQ(enter(UINT64_MAX, 0), 1);
  EXPECT_EQ(reap_all(), 1U);
}

TEST_F(CapEnterTest, MinCompleteIsClampedSoAFullCqSatisfiesAnyWait) {
  EXPECT_EQ(wait_target(0), 0U);
  EXPECT_EQ(wait_target(CQ_ENTRIES - 1), CQ_ENTRIES - 1);
  EXPECT_EQ(wait_target(CQ_ENTRIES + 1), CQ_ENTRIES);
  EXPECT_EQ(wait_target(UINT64_MAX), CQ_ENTRIES);
  for (int round = 0; round < 2; ++round) {
    submit_nops(SQ_ENTRIES);
    EXPECT_EQ(enter(0, 0), (round + 1) * int64_t{SQ_ENTRIES});
  }
  // 32 unreaped CQEs: a wait for 1000 with a (finite or infinite) timeout is satisfied now.
  EXPECT_EQ(enter(1000, 5), int64_t{CQ_ENTRIES});
  EXPECT_EQ(enter(1000, TIMEOUT_INFINITE), int64_t{CQ_ENTRIES});
  EXPECT_EQ(reap_all(), CQ_ENTRIES);
}

TEST_F(CapEnterTest, AnUnsatisfiedWaitTimesOutAfterConsuming) {
  submit_nops(2);
  // TODO(scheduler): UINT64_MAX must wait without limit (SPEC §4); until then, TIMED_OUT.
  EXPECT_EQ(enter(5, 1000), code(Error::TimedOut));
  EXPECT_EQ(m_ring.sq_head(), 2U);  // consumed anyway
  EXPECT_EQ(enter(5, TIMEOUT_INFINITE), code(Error::TimedOut));
  EXPECT_EQ(enter(2, 1000), 2);  // satisfied: the count
  EXPECT_EQ(reap_all(), 2U);
}

TEST_F(CapEnterTest, ACorruptRingConsumesNothing) {
  submit_nops(1);
  m_page->sq_tail = m_ring.sq_head() + SQ_ENTRIES + 1;
  EXPECT_EQ(enter(1000, 0), code(Error::RingCorrupt));
  EXPECT_EQ(m_ring.sq_head(), 0U);
}

}  // namespace
}  // namespace capos::kernel::test
