// The CapabilityManager object (kernel/object/capability_manager.h): the caller's own caps, in
// slot order, from the invocation's caller context.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "tests/kernel/cap/dispatch_fixture.h"

namespace capos::kernel::test {
namespace {

using CapabilityManagerTest = DispatchTest;

TEST_F(CapabilityManagerTest, CapabilityManagerListsOwnCapsInSlotOrder) {
  const CapSqe sqe = call([&](const gen::CallBuffers& buffers) {
    return gen::CapabilityManager::Client(m_manager_id).list(buffers, 3);
  });
  const int32_t length = dispatch(sqe);
  ASSERT_GT(length, 0);
  capnp::MessageReader reader;
  const std::vector<uint8_t> bytes = result_bytes(static_cast<size_t>(length));
  ASSERT_TRUE(reader.parse(bytes).has_value());
  const auto list = gen::read_root<gen::CapabilityManager::ListResults>(reader)->get_capabilities();
  ASSERT_TRUE(list.has_value());
  ASSERT_EQ(list->size(), 3U);
  EXPECT_EQ(list->get(0)->get_cap_id(), m_console_id);
  EXPECT_EQ(list->get(1)->get_interface_id(), gen::BootPackage::INTERFACE_ID);
  EXPECT_EQ(list->get(2)->get_cap_id(), m_manager_id);
}

// One stateless object serves every process: a caller sees only its own table, even through
// a cap to the same CapabilityManager.
TEST_F(CapabilityManagerTest, EachCallerListsOnlyItsOwnTable) {
  std::array<ObjectTable::Slot, 4> other_slots{};
  ObjectTable other = ObjectTable::create(other_slots).take();
  FrameLedger other_ledger(limits(0, 4));
  const CapId other_manager =
      insert_cap(other, other_ledger,
                 {ObjectRef(m_manager), gen::CapabilityManager::INTERFACE_ID, 77})
          .take();
  CallerContext context = caller();
  context.caps = &other;
  context.ledger = &other_ledger;
  const CapSqe sqe = call([&](const gen::CallBuffers& buffers) {
    return gen::CapabilityManager::Client(other_manager).list(buffers, 3);
  });
  RingDispatcher<Memory> dispatcher(context, m_memory, *m_scratch);
  const DispatchOutcome outcome = dispatcher(sqe);
  ASSERT_GT(outcome.cqe.result, 0);
  capnp::MessageReader reader;
  const std::vector<uint8_t> bytes = result_bytes(static_cast<size_t>(outcome.cqe.result));
  ASSERT_TRUE(reader.parse(bytes).has_value());
  const auto list = gen::read_root<gen::CapabilityManager::ListResults>(reader)->get_capabilities();
  ASSERT_TRUE(list.has_value());
  ASSERT_EQ(list->size(), 1U);
  EXPECT_EQ(list->get(0)->get_cap_id(), other_manager);
  EXPECT_EQ(list->get(0)->get_badge(), 77U);
  ASSERT_TRUE(remove_cap(other, other_ledger, other_manager).has_value());
}

}  // namespace
}  // namespace capos::kernel::test
