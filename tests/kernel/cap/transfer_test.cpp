// Moving authority between tables (kernel/cap/transfer.h): the CapSlots quota always equals the
// caps held; COPY and MOVE commit exactly once; a dropped plan leaves both tables and ledgers
// exactly as before; reference counts follow the slots. Unit tests and a random-sequence
// property (the host-side base the IPC issue's transfer builds on).
#include "kernel/cap/transfer.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <array>
#include <cstdint>
#include <vector>

#include "kernel/object/console.h"
#include "lib/gen/capos.capnp.h"
#include "lib/ring/sqe.h"

namespace capos::kernel {
namespace {

void no_output(std::span<const char> /*text*/) {}

std::array<uint64_t, resource_class_count> cap_limit(uint64_t slots) {
  std::array<uint64_t, resource_class_count> values{};
  values[static_cast<size_t>(ResourceClass::CapSlots)] = slots;
  return values;
}

constexpr uint64_t console_iface = gen::Console::INTERFACE_ID;

// One process's caps: a table over its own slots and a ledger.
struct Space {
  explicit Space(uint64_t quota)
      : table(ObjectTable::create(slots).take()), ledger(cap_limit(quota)) {}
  std::array<ObjectTable::Slot, 6> slots{};
  ObjectTable table;
  FrameLedger ledger;
  [[nodiscard]] bool balanced() const {
    return ledger.committed(ResourceClass::CapSlots) == table.live_count() &&
           ledger.reserved(ResourceClass::CapSlots) == 0 && table.reserved_count() == 0 &&
           table.invariants_hold();
  }
};

class TransferTest : public ::testing::Test {
 protected:
  XferDesc desc(CapId id, TransferMode mode) { return XferDesc{id, to_raw(mode), 0, 0, 0}; }
  CapId give(Space& space, ConsoleObject& object, uint64_t badge = 0) {
    return insert_cap(space.table, space.ledger, {ObjectRef(object), console_iface, badge}).take();
  }
  // Objects first: they outlive the spaces' references.
  ConsoleObject m_a{&no_output};
  ConsoleObject m_b{&no_output};
  Space m_sender{6};
  Space m_receiver{6};
};

TEST_F(TransferTest, QuotaIsCheckedBeforeTheTableAndFollowsEveryCap) {
  Space space(2);
  const CapId first = give(space, m_a);
  (void)give(space, m_a);
  EXPECT_EQ(insert_cap(space.table, space.ledger, {ObjectRef(m_a), console_iface, 0}).error(),
            Error::QuotaExceeded);
  EXPECT_TRUE(space.balanced());
  EXPECT_EQ(m_a.references(), 3U);  // pinned + two slots
  ASSERT_TRUE(remove_cap(space.table, space.ledger, first).has_value());
  EXPECT_EQ(remove_cap(space.table, space.ledger, first).error(), Error::BadCap);
  EXPECT_EQ(m_a.references(), 2U);
  EXPECT_TRUE(space.balanced());
  Space tiny(100);  // quota above the table: the table's own limit answers (Exhausted)
  for (int i = 0; i < 6; ++i) (void)give(tiny, m_a);
  EXPECT_EQ(insert_cap(tiny.table, tiny.ledger, {ObjectRef(m_a), console_iface, 0}).error(),
            Error::Exhausted);
  EXPECT_TRUE(tiny.balanced());
  EXPECT_EQ(insert_cap(tiny.table, tiny.ledger, {}).error(), Error::InvalidArgument);
}

TEST_F(TransferTest, CopyAddsACapAndAReference) {
  const CapId source = give(m_sender, m_a, 7);
  TransferPlan plan;
  const std::array descs = {desc(source, TransferMode::Copy)};
  ASSERT_TRUE(plan.resolve(m_sender.table, m_sender.ledger, descs).has_value());
  EXPECT_EQ(plan.size(), 1U);
  EXPECT_EQ(plan[0].entry.badge, 7U);
  ASSERT_TRUE(plan.reserve_receiver(m_receiver.table, m_receiver.ledger).has_value());
  EXPECT_EQ(m_receiver.table.reserved_count(), 1U);
  const auto ids = plan.commit();
  EXPECT_TRUE(plan.empty());
  const ObjectTable::Entry copied = m_receiver.table.lookup(ids[0]).take();
  EXPECT_EQ(copied.object.get(), &m_a);
  EXPECT_EQ(copied.badge, 7U);
  EXPECT_TRUE(m_sender.table.lookup(source).has_value());
  EXPECT_TRUE(m_sender.balanced());
  EXPECT_TRUE(m_receiver.balanced());
  EXPECT_EQ(m_a.references(), 4U);  // pinned, sender slot, receiver slot, `copied`
}

TEST_F(TransferTest, MoveTakesTheSourceExactlyWhenTheCopyAppears) {
  const CapId source = give(m_sender, m_a);
  const CapId kept = give(m_sender, m_b);
  TransferPlan plan;
  const std::array descs = {desc(source, TransferMode::Move), desc(kept, TransferMode::Copy)};
  ASSERT_TRUE(plan.resolve(m_sender.table, m_sender.ledger, descs).has_value());
  ASSERT_TRUE(plan.reserve_receiver(m_receiver.table, m_receiver.ledger).has_value());
  EXPECT_TRUE(m_sender.table.lookup(source).has_value());  // still callable until commit
  const auto ids = plan.commit();
  EXPECT_FALSE(m_sender.table.lookup(source).has_value());
  EXPECT_TRUE(m_sender.table.lookup(kept).has_value());
  EXPECT_EQ(m_receiver.table.lookup(ids[0]).take().object.get(), &m_a);
  EXPECT_EQ(m_receiver.table.lookup(ids[1]).take().object.get(), &m_b);
  EXPECT_EQ(m_sender.table.live_count(), 1U);
  EXPECT_EQ(m_receiver.table.live_count(), 2U);
  EXPECT_TRUE(m_sender.balanced());
  EXPECT_TRUE(m_receiver.balanced());
  EXPECT_EQ(m_a.references(), 2U);  // pinned + the receiver's slot: moved, not copied
}

TEST_F(TransferTest, MoveWithinOneTable) {
  const CapId source = give(m_sender, m_a);
  TransferPlan plan;
  const std::array descs = {desc(source, TransferMode::Move)};
  ASSERT_TRUE(plan.resolve(m_sender.table, m_sender.ledger, descs).has_value());
  ASSERT_TRUE(plan.reserve_receiver(m_sender.table, m_sender.ledger).has_value());
  const auto ids = plan.commit();
  EXPECT_NE(ids[0], source);
  EXPECT_FALSE(m_sender.table.lookup(source).has_value());
  EXPECT_EQ(m_sender.table.live_count(), 1U);
  EXPECT_TRUE(m_sender.balanced());
}

// Rollback is exact: a twin that never reserved issues the same ids afterwards.
TEST_F(TransferTest, ADroppedPlanLeavesBothSidesExactlyAsBefore) {
  Space twin(6);
  const CapId source = give(m_sender, m_a);
  (void)give(m_receiver, m_b);
  (void)give(twin, m_b);
  {
    TransferPlan plan;
    const std::array descs = {desc(source, TransferMode::Move), desc(source, TransferMode::Copy)};
    // (decode_xfer_descs would refuse this pair; resolve() alone does not care.)
    ASSERT_TRUE(plan.resolve(m_sender.table, m_sender.ledger, descs).has_value());
    ASSERT_TRUE(plan.reserve_receiver(m_receiver.table, m_receiver.ledger).has_value());
    EXPECT_EQ(m_receiver.ledger.reserved(ResourceClass::CapSlots), 2U);
    EXPECT_EQ(m_a.references(), 4U);  // the plan holds two references
  }
  EXPECT_EQ(m_a.references(), 2U);
  EXPECT_TRUE(m_sender.table.lookup(source).has_value());
  EXPECT_TRUE(m_sender.balanced());
  EXPECT_TRUE(m_receiver.balanced());
  EXPECT_EQ(give(m_receiver, m_b), give(twin, m_b));
  EXPECT_EQ(give(m_receiver, m_b), give(twin, m_b));
}

TEST_F(TransferTest, ReceiverExhaustionAndDeadSourcesChangeNothing) {
  const CapId source = give(m_sender, m_a);
  Space full(1);
  (void)give(full, m_b);
  TransferPlan plan;
  const std::array descs = {desc(source, TransferMode::Move)};
  ASSERT_TRUE(plan.resolve(m_sender.table, m_sender.ledger, descs).has_value());
  EXPECT_EQ(plan.reserve_receiver(full.table, full.ledger).error(), Error::QuotaExceeded);
  EXPECT_TRUE(full.balanced());
  EXPECT_EQ(full.table.live_count(), 1U);

  TransferPlan dead;
  const std::array stale = {desc(source + (1U << 24), TransferMode::Copy)};
  EXPECT_EQ(dead.resolve(m_sender.table, m_sender.ledger, stale).error(), Error::BadXfer);
  EXPECT_TRUE(dead.empty());
  EXPECT_FALSE(dead.claimed());
  EXPECT_TRUE(dead.claim().claimed());
}

// Random tables and descriptor sets (only those decode_xfer_descs accepts), committed or
// dropped: every step keeps quota == caps on both sides and each object's reference count
// == its slots + its pin.
RC_GTEST_PROP(TransferPlan, CommitOrDropKeepsQuotaAndReferencesExact, ()) {
  ConsoleObject objects[2] = {ConsoleObject(&no_output), ConsoleObject(&no_output)};
  {
    Space sender(6);
    Space receiver(*rc::gen::inRange<uint64_t>(0, 7));
    std::vector<CapId> held;
    const auto initial = *rc::gen::inRange(1, 5);
    for (int i = 0; i < initial; ++i) {
      held.push_back(
          insert_cap(sender.table, sender.ledger, {ObjectRef(objects[i % 2]), console_iface, 0})
              .take());
    }
    const auto rounds = *rc::gen::inRange(1, 6);
    for (int round = 0; round < rounds && !held.empty(); ++round) {
      std::vector<XferDesc> descs(*rc::gen::inRange<size_t>(0, 5));
      for (XferDesc& d : descs) {
        const CapId id = held[*rc::gen::inRange<size_t>(0, held.size())];
        const bool move = *rc::gen::arbitrary<bool>();
        d = XferDesc{id, to_raw(move ? TransferMode::Move : TransferMode::Copy), 0, 0, 0};
      }
      if (!decode_xfer_descs(descs).has_value()) continue;  // the dispatcher refuses these
      {
        TransferPlan plan;
        RC_ASSERT(plan.resolve(sender.table, sender.ledger, descs).has_value());
        const bool reserved = plan.reserve_receiver(receiver.table, receiver.ledger).has_value();
        if (reserved && *rc::gen::arbitrary<bool>()) {
          (void)plan.commit();
          for (const XferDesc& d : descs) {
            if (d.mode == to_raw(TransferMode::Move)) std::erase(held, d.cap_id);
          }
        }
      }  // a plan not committed rolls back here
      RC_ASSERT(sender.balanced());
      RC_ASSERT(receiver.balanced());
    }
    uint32_t slots[2] = {0, 0};
    for (const Space* space : {&sender, &receiver}) {
      for (const ObjectTable::LiveCap cap : space->table.live()) {
        ++slots[cap.entry.object.get() == &objects[0] ? 0 : 1];
      }
    }
    RC_ASSERT(objects[0].references() == slots[0] + 1);
    RC_ASSERT(objects[1].references() == slots[1] + 1);
  }
  RC_ASSERT(objects[0].references() == 1U && objects[1].references() == 1U);
}

}  // namespace
}  // namespace capos::kernel
