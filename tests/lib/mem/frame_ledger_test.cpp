#include "lib/mem/frame_ledger.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <utility>

namespace capos {
namespace {

using Reservation = FrameLedger::Reservation;
constexpr uint64_t max_u64 = std::numeric_limits<uint64_t>::max();
constexpr auto slots = ResourceClass::CapSlots;
constexpr auto frames = ResourceClass::FrameGrants;

FrameLedger::Reservation must_reserve(FrameLedger& ledger, ResourceClass resource,
                                      uint64_t amount) {
  Result<Reservation> token = ledger.reserve(resource, amount);
  KASSERT(token.has_value());
  return std::move(token).take();
}

TEST(ResourceClass, NamesAreDistinctAndStable) {
  std::set<std::string> names;
  for (ResourceClass resource : all_resource_classes) {
    names.insert(resource_class_name(resource));
  }
  EXPECT_EQ(names.size(), resource_class_count);
  EXPECT_STREQ(resource_class_name(ResourceClass::FrameGrants), "FrameGrants");
  EXPECT_STREQ(resource_class_name(ResourceClass::CpuBudget), "CpuBudget");
  EXPECT_STREQ(resource_class_name(static_cast<ResourceClass>(200)), "UnknownResourceClass");
}

TEST(FrameLedger, DefaultHasZeroLimits) {
  FrameLedger ledger;
  for (ResourceClass resource : all_resource_classes) {
    EXPECT_EQ(ledger.limit(resource), 0U);
    EXPECT_EQ(ledger.available(resource), 0U);
    EXPECT_EQ(ledger.reserve(resource, 1).error(), Error::QuotaExceeded);
  }
  EXPECT_TRUE(ledger.is_empty());
  EXPECT_TRUE(ledger.invariants_hold());
}

TEST(FrameLedger, ConstructorSetsEachLimit) {
  FrameLedger ledger({1, 2, 3, 4, 5, 6, 7});
  for (size_t i = 0; i < resource_class_count; ++i) {
    EXPECT_EQ(ledger.limit(all_resource_classes[i]), i + 1);
    EXPECT_EQ(ledger.available(all_resource_classes[i]), i + 1);
  }
}

TEST(FrameLedger, ReserveThenCommit) {
  FrameLedger ledger({10, 0, 0, 0, 0, 0, 0});
  Result<Reservation> token = ledger.reserve(slots, 4);
  ASSERT_TRUE(token);
  EXPECT_TRUE(token->is_live());
  EXPECT_EQ(token->amount(), 4U);
  EXPECT_EQ(token->resource_class(), slots);
  EXPECT_EQ(ledger.reserved(slots), 4U);
  EXPECT_EQ(ledger.committed(slots), 0U);
  EXPECT_EQ(ledger.available(slots), 6U);
  EXPECT_EQ(ledger.outstanding_reservations(), 1U);
  EXPECT_FALSE(ledger.is_empty());

  ledger.commit(std::move(*token));
  EXPECT_FALSE(token->is_live());
  EXPECT_EQ(ledger.reserved(slots), 0U);
  EXPECT_EQ(ledger.committed(slots), 4U);
  EXPECT_EQ(ledger.available(slots), 6U);
  EXPECT_EQ(ledger.outstanding_reservations(), 0U);
  EXPECT_FALSE(ledger.is_empty());  // committed is still charged
}

TEST(FrameLedger, ReserveBeyondQuotaFailsAndChangesNothing) {
  FrameLedger ledger({10, 0, 0, 0, 0, 0, 0});
  Reservation held = must_reserve(ledger, slots, 7);
  EXPECT_EQ(ledger.reserve(slots, 4).error(), Error::QuotaExceeded);
  EXPECT_EQ(ledger.reserve(slots, max_u64).error(), Error::QuotaExceeded);  // no wrap
  EXPECT_EQ(ledger.reserved(slots), 7U);
  EXPECT_EQ(ledger.outstanding_reservations(), 1U);
  Reservation rest = must_reserve(ledger, slots, 3);  // exactly to the limit
  EXPECT_EQ(ledger.available(slots), 0U);
  EXPECT_EQ(ledger.reserve(slots, 1).error(), Error::QuotaExceeded);
}

TEST(FrameLedger, QuotaCountsCommittedAndReserved) {
  FrameLedger ledger({0, 0, 0, 0, 8, 0, 0});
  ledger.commit(must_reserve(ledger, frames, 5));
  Reservation held = must_reserve(ledger, frames, 2);
  EXPECT_EQ(ledger.reserve(frames, 2).error(), Error::QuotaExceeded);
  Reservation last = must_reserve(ledger, frames, 1);
  EXPECT_EQ(ledger.available(frames), 0U);
}

TEST(FrameLedger, ClassesAreIndependent) {
  FrameLedger ledger({5, 5, 5, 5, 5, 5, 5});
  ledger.commit(must_reserve(ledger, slots, 5));
  EXPECT_EQ(ledger.reserve(slots, 1).error(), Error::QuotaExceeded);
  for (ResourceClass resource : all_resource_classes) {
    if (resource != slots) EXPECT_EQ(ledger.available(resource), 5U);
  }
}

TEST(FrameLedger, MaxLimitDoesNotOverflow) {
  FrameLedger ledger;
  ASSERT_TRUE(ledger.set_limit(ResourceClass::LogBytes, max_u64));
  ledger.commit(must_reserve(ledger, ResourceClass::LogBytes, max_u64 - 1));
  EXPECT_EQ(ledger.reserve(ResourceClass::LogBytes, 2).error(), Error::QuotaExceeded);
  Reservation last = must_reserve(ledger, ResourceClass::LogBytes, 1);
  EXPECT_EQ(ledger.available(ResourceClass::LogBytes), 0U);
  EXPECT_TRUE(ledger.invariants_hold());
}

TEST(FrameLedger, ZeroAmountIsALiveNoOpToken) {
  FrameLedger ledger;  // limit 0
  Result<Reservation> token = ledger.reserve(slots, 0);
  ASSERT_TRUE(token);
  EXPECT_TRUE(token->is_live());
  EXPECT_EQ(ledger.outstanding_reservations(), 1U);
  EXPECT_FALSE(ledger.is_empty());  // a live token, even of 0, must settle before exit
  ledger.commit(std::move(*token));
  EXPECT_TRUE(ledger.is_empty());
  EXPECT_TRUE(ledger.release(slots, 0));
}

TEST(FrameLedger, ExplicitRollbackReturnsTheAmount) {
  FrameLedger ledger({10, 0, 0, 0, 0, 0, 0});
  Reservation token = must_reserve(ledger, slots, 6);
  ledger.rollback(std::move(token));
  EXPECT_FALSE(token.is_live());  // NOLINT(bugprone-use-after-move): settled state is defined
  EXPECT_EQ(ledger.reserved(slots), 0U);
  EXPECT_EQ(ledger.available(slots), 10U);
  EXPECT_TRUE(ledger.is_empty());
  ledger.rollback(std::move(token));  // settled: exactly once, the second is a no-op
  EXPECT_EQ(ledger.available(slots), 10U);
  EXPECT_EQ(ledger.outstanding_reservations(), 0U);
}

TEST(FrameLedger, DestructorRollsBack) {
  FrameLedger ledger({10, 0, 0, 0, 0, 0, 0});
  {
    Reservation token = must_reserve(ledger, slots, 6);
    EXPECT_EQ(ledger.available(slots), 4U);
  }
  EXPECT_EQ(ledger.available(slots), 10U);
  EXPECT_TRUE(ledger.is_empty());
}

TEST(FrameLedger, EarlyReturnOfADecodeStepRollsBack) {
  FrameLedger ledger({10, 0, 0, 0, 10, 0, 0});
  auto decode = [&ledger](uint64_t caps, uint64_t frame_count) -> Result<void> {
    Reservation cap_token = TRY(ledger.reserve(slots, caps));
    Reservation frame_token = TRY(ledger.reserve(frames, frame_count));  // may fail
    ledger.commit(std::move(cap_token));
    ledger.commit(std::move(frame_token));
    return {};
  };
  EXPECT_EQ(decode(3, 11).error(), Error::QuotaExceeded);
  EXPECT_TRUE(ledger.is_empty());  // the cap reservation was rolled back
  ASSERT_TRUE(decode(3, 10));
  EXPECT_EQ(ledger.committed(slots), 3U);
  EXPECT_EQ(ledger.committed(frames), 10U);
}

TEST(FrameLedger, MovedFromTokenDoesNothing) {
  FrameLedger ledger({10, 0, 0, 0, 0, 0, 0});
  Reservation first = must_reserve(ledger, slots, 6);
  Reservation second = std::move(first);
  EXPECT_FALSE(first.is_live());  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(first.amount(), 0U);  // NOLINT(bugprone-use-after-move)
  EXPECT_TRUE(second.is_live());
  ledger.rollback(std::move(first));  // no-op
  EXPECT_EQ(ledger.reserved(slots), 6U);
  ledger.commit(std::move(second));
  EXPECT_EQ(ledger.committed(slots), 6U);
  EXPECT_EQ(ledger.reserved(slots), 0U);
}

TEST(FrameLedger, MoveAssignmentRollsBackTheOverwrittenToken) {
  FrameLedger ledger({10, 0, 0, 0, 0, 0, 0});
  Reservation target = must_reserve(ledger, slots, 2);
  Reservation source = must_reserve(ledger, slots, 5);
  target = std::move(source);
  EXPECT_EQ(target.amount(), 5U);
  EXPECT_EQ(ledger.reserved(slots), 5U);
  EXPECT_EQ(ledger.outstanding_reservations(), 1U);
  Reservation settled;
  target = std::move(settled);  // a settled source: target's 5 is returned
  EXPECT_FALSE(target.is_live());
  EXPECT_TRUE(ledger.is_empty());
}

TEST(FrameLedger, ReleaseReturnsCommitted) {
  FrameLedger ledger({10, 0, 0, 0, 0, 0, 0});
  ledger.commit(must_reserve(ledger, slots, 6));
  ASSERT_TRUE(ledger.release(slots, 4));
  EXPECT_EQ(ledger.committed(slots), 2U);
  EXPECT_EQ(ledger.available(slots), 8U);
  ASSERT_TRUE(ledger.release(slots, 2));
  EXPECT_TRUE(ledger.is_empty());
}

TEST(FrameLedger, ReleaseMoreThanCommittedFails) {
  FrameLedger ledger({10, 0, 0, 0, 0, 0, 0});
  ledger.commit(must_reserve(ledger, slots, 3));
  Reservation pending = must_reserve(ledger, slots, 4);  // reserved is not releasable
  EXPECT_EQ(ledger.release(slots, 4).error(), Error::DoubleFree);
  EXPECT_EQ(ledger.release(slots, max_u64).error(), Error::DoubleFree);
  EXPECT_EQ(ledger.release(frames, 1).error(), Error::DoubleFree);
  EXPECT_EQ(ledger.committed(slots), 3U);
  EXPECT_EQ(ledger.reserved(slots), 4U);
}

TEST(FrameLedger, SetLimit) {
  FrameLedger ledger({10, 0, 0, 0, 0, 0, 0});
  ledger.commit(must_reserve(ledger, slots, 3));
  Reservation pending = must_reserve(ledger, slots, 2);
  EXPECT_EQ(ledger.set_limit(slots, 4).error(), Error::QuotaExceeded);  // below 3 + 2
  EXPECT_EQ(ledger.limit(slots), 10U);
  ASSERT_TRUE(ledger.set_limit(slots, 5));  // exactly committed + reserved
  EXPECT_EQ(ledger.available(slots), 0U);
  ASSERT_TRUE(ledger.set_limit(slots, 20));
  EXPECT_EQ(ledger.available(slots), 15U);
  EXPECT_TRUE(ledger.invariants_hold());
}

TEST(FrameLedger, ExitPathLeavesItEmpty) {
  FrameLedger ledger({4, 4, 4, 4, 4, 4, 4});
  for (ResourceClass resource : all_resource_classes) {
    ledger.commit(must_reserve(ledger, resource, 3));
  }
  Reservation in_flight = must_reserve(ledger, ResourceClass::OutstandingCalls, 1);
  EXPECT_FALSE(ledger.is_empty());
  ledger.rollback(std::move(in_flight));
  for (ResourceClass resource : all_resource_classes) {
    ASSERT_TRUE(ledger.release(resource, ledger.committed(resource)));
  }
  EXPECT_TRUE(ledger.is_empty());
}

using FrameLedgerDeathTest = ::testing::Test;

TEST_F(FrameLedgerDeathTest, CommitOfASettledTokenIsAKernelBug) {
  FrameLedger ledger({10, 0, 0, 0, 0, 0, 0});
  Reservation token = must_reserve(ledger, slots, 1);
  ledger.commit(std::move(token));
  // NOLINTNEXTLINE(bugprone-use-after-move): that misuse is what is being tested
  EXPECT_DEATH(ledger.commit(std::move(token)), "KASSERT");
}

TEST_F(FrameLedgerDeathTest, CommitToTheWrongLedgerIsAKernelBug) {
  FrameLedger mine({10, 0, 0, 0, 0, 0, 0});
  FrameLedger other({10, 0, 0, 0, 0, 0, 0});
  EXPECT_DEATH(
      {
        Reservation token = must_reserve(mine, slots, 1);
        other.commit(std::move(token));
      },
      "KASSERT");
  EXPECT_DEATH(
      {
        Reservation token = must_reserve(mine, slots, 1);
        other.rollback(std::move(token));
      },
      "KASSERT");
}

TEST_F(FrameLedgerDeathTest, DestroyingALedgerWithLiveTokensIsAKernelBug) {
  EXPECT_DEATH(
      {
        auto* ledger = new FrameLedger({10, 0, 0, 0, 0, 0, 0});
        Reservation token = must_reserve(*ledger, slots, 1);
        delete ledger;  // token would dangle
      },
      "KASSERT");
}

}  // namespace
}  // namespace capos
