// The ring dispatcher (kernel/cap/ring_dispatch.h) with the kernel's real objects over the
// kernel's own ProcessMemory path on a simulated page table (tests/kernel/mem/simulated_memory.h):
// every rejection with its exact transport code and precedence, no side effect from a rejected
// call, the result window (bounded, never over the ring or CapSet page: F-032), the transfer
// sideband, RELEASE. The objects' own rules are in tests/kernel/object/.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "tests/kernel/cap/dispatch_fixture.h"

namespace capos::kernel::test {
namespace {

using RingDispatchTest = DispatchTest;

TEST_F(RingDispatchTest, NopCompletesWithZero) {
  CapSqe sqe{};
  sqe.user_data = 42;
  EXPECT_EQ(dispatch(sqe), 0);
}

TEST_F(RingDispatchTest, DecodeRulesComeFirst) {
  CapSqe sqe = write_line("x");
  sqe.opcode = 5;
  sqe.cap_id = 0;  // a bad cap too: the opcode decides
  EXPECT_EQ(dispatch(sqe), code(Error::BadOpcode));
  sqe = write_line("x");
  sqe.pipeline_field = 1;
  EXPECT_EQ(dispatch(sqe), code(Error::InvalidArgument));
  EXPECT_TRUE(console_output().empty());
}

TEST_F(RingDispatchTest, BadCapsAreRejectedBeforeAnyBuffer) {
  CapSqe sqe = write_line("never");
  sqe.params_addr = unmapped_va;
  sqe.cap_id = 0;
  EXPECT_EQ(dispatch(sqe), code(Error::BadCap));
  sqe.cap_id = m_console_id + (1U << 24);  // stale generation
  EXPECT_EQ(dispatch(sqe), code(Error::BadCap));
  sqe.cap_id = (m_console_id & 0xff00'0000U) | 15;  // never issued
  EXPECT_EQ(dispatch(sqe), code(Error::BadCap));
}

TEST_F(RingDispatchTest, HostileParamsAndResultsFaultWithoutSideEffects) {
  for (const uint64_t address :
       {uint64_t{0}, unmapped_va, uint64_t{0xffff'8000'0000'0000}, uint64_t{0x0000'8000'0000'0000},
        uint64_t{0xffff'ffff'ffff'fff0}, USER_HALF_END - 8}) {
    CapSqe sqe = write_line("never");
    sqe.params_addr = address;
    EXPECT_EQ(dispatch(sqe), code(Error::Fault)) << std::hex << address;
    sqe = write_line("never");
    sqe.result_addr = address;
    EXPECT_EQ(dispatch(sqe), code(Error::Fault)) << std::hex << address;
  }
  CapSqe sqe = write_line("never");
  sqe.result_addr = read_only_va;
  EXPECT_EQ(dispatch(sqe), code(Error::Fault));
  sqe.result_addr = result_va + 4 * page - 8;  // runs off the mapped result pages
  EXPECT_EQ(dispatch(sqe), code(Error::Fault));
  EXPECT_TRUE(console_output().empty());
  EXPECT_EQ(m_memory.writes(), 0U);
  EXPECT_EQ(m_ledger.committed(ResourceClass::LogBytes), 0U);
}

TEST_F(RingDispatchTest, ResultWindowIsBoundedByTheScratchBuffer) {
  CapSqe sqe = write_line("ok");
  sqe.result_len = UINT32_MAX;  // only the first result_scratch_bytes are validated
  EXPECT_EQ(dispatch(sqe), 16);
  sqe.result_len = 8;  // too small for the results
  EXPECT_EQ(dispatch(sqe), code(Error::TooBig));
  EXPECT_EQ(console_output(), "ok\n");  // the handler never ran for the second call
}

TEST_F(RingDispatchTest, ParamsLimitsAndMalformedParams) {
  CapSqe sqe = write_line("x");
  sqe.params_len = max_params_bytes + 1;
  EXPECT_EQ(dispatch(sqe), code(Error::TooBig));
  const std::vector<uint8_t> garbage(32, 0xff);
  m_space.poke(params_va, garbage);
  sqe.params_len = 32;
  EXPECT_EQ(dispatch(sqe), code(Error::InvalidArgument));
  sqe.params_len = 0;
  EXPECT_EQ(dispatch(sqe), code(Error::InvalidArgument));
  sqe = write_line("x");
  sqe.method_id = 2;
  EXPECT_EQ(dispatch(sqe), code(Error::BadMethod));
  EXPECT_TRUE(console_output().empty());
}

TEST_F(RingDispatchTest, InterfaceChecks) {
  // A cap whose interface is not the object's own: the CapObject entry refuses it.
  const CapId wrong = insert(m_console, gen::BootPackage::INTERFACE_ID);
  EXPECT_EQ(dispatch(write_line("never", wrong)), code(Error::BadInterface));
  CapSqe recv{};
  recv.opcode = to_raw(Opcode::Recv);
  recv.cap_id = m_console_id;
  EXPECT_EQ(dispatch(recv), code(Error::BadInterface));
  recv.opcode = to_raw(Opcode::Return);
  EXPECT_EQ(dispatch(recv), code(Error::BadInterface));
  recv.cap_id = 0;
  EXPECT_EQ(dispatch(recv), code(Error::BadCap));
  EXPECT_TRUE(console_output().empty());
}

TEST_F(RingDispatchTest, TransferSideband) {
  constexpr uint64_t descs_va = params_va + 3 * page;
  auto with_descs = [&](std::vector<XferDesc> descs) {
    CapSqe sqe = write_line("never");
    m_space.poke(descs_va, ByteView(reinterpret_cast<const uint8_t*>(descs.data()),
                                    descs.size() * sizeof(XferDesc)));
    sqe.xfer_addr = descs_va;
    sqe.xfer_count = static_cast<uint32_t>(descs.size());
    return dispatch(sqe);
  };
  const uint8_t copy = to_raw(TransferMode::Copy);
  const uint8_t move = to_raw(TransferMode::Move);
  EXPECT_EQ(with_descs({{m_console_id, copy, 0, 0, 0}}), code(Error::BadXfer));
  EXPECT_EQ(with_descs({{m_console_id, 0, 0, 0, 0}}), code(Error::BadXfer));
  EXPECT_EQ(with_descs({{m_console_id, copy, 1, 0, 0}}), code(Error::InvalidArgument));
  // F-004: one cap MOVEd twice is refused in decode.
  EXPECT_EQ(with_descs({{m_console_id, move, 0, 0, 0}, {m_console_id, move, 0, 0, 0}}),
            code(Error::BadXfer));
  CapSqe sqe = write_line("never");
  sqe.xfer_addr = unmapped_va;
  sqe.xfer_count = 2;
  EXPECT_EQ(dispatch(sqe), code(Error::Fault));
  sqe.xfer_count = 5;
  EXPECT_EQ(dispatch(sqe), code(Error::BadXfer));
  // A descriptor naming a cap the caller does not hold (never issued, or stale) is BAD_XFER,
  // decided before the result window is looked at (step 3 before step 4: an unmapped window
  // would be FAULT for a descriptor that resolves).
  auto with_descs_and_bad_window = [&](std::vector<XferDesc> descs) {
    CapSqe bad = write_line("never");
    m_space.poke(descs_va, ByteView(reinterpret_cast<const uint8_t*>(descs.data()),
                                    descs.size() * sizeof(XferDesc)));
    bad.xfer_addr = descs_va;
    bad.xfer_count = static_cast<uint32_t>(descs.size());
    bad.result_addr = unmapped_va;
    return dispatch(bad);
  };
  EXPECT_EQ(with_descs_and_bad_window({{m_console_id + (1U << 24), copy, 0, 0, 0}}),
            code(Error::BadXfer));
  EXPECT_EQ(with_descs_and_bad_window({{(m_console_id & 0xff00'0000U) | 15, move, 0, 0, 0}}),
            code(Error::BadXfer));
  EXPECT_EQ(with_descs_and_bad_window({{m_console_id, copy, 0, 0, 0}}), code(Error::Fault));
  // Valid descriptors on a method that accepts no caps: refused after its decode step, before
  // its invoke step (admit), and the refusal leaves both table and quota as they were.
  const size_t live = m_caps.live_count();
  EXPECT_EQ(with_descs({{m_console_id, move, 0, 0, 0}}), code(Error::BadXfer));
  EXPECT_EQ(m_caps.live_count(), live);
  EXPECT_TRUE(m_caps.lookup(m_console_id).has_value());  // a MOVE source stays
  EXPECT_TRUE(console_output().empty());
}

TEST_F(RingDispatchTest, ReleaseMakesTheIdStaleForever) {
  CapSqe release{};
  release.opcode = to_raw(Opcode::Release);
  release.cap_id = m_console_id;
  EXPECT_EQ(dispatch(release), 0);
  EXPECT_EQ(dispatch(release), code(Error::BadCap));
  EXPECT_EQ(dispatch(write_line("never")), code(Error::BadCap));
  const CapId again = insert(m_console, gen::Console::INTERFACE_ID);
  EXPECT_NE(again, m_console_id);  // same slot, new generation
  EXPECT_EQ(dispatch(write_line("ok", again)), 16);
}

// F-032: a result window sharing a byte with the ring page (user RW, so the page walk accepts
// it) or the CapSet page is FAULT before the object runs or anything is written.
TEST_F(RingDispatchTest, ResultWindowOverTheRingOrCapSetPageIsAFault) {
  const std::vector<uint8_t> before = m_space.peek(RING_VADDR, page);
  for (const auto& [address, length] : std::vector<std::pair<uint64_t, uint32_t>>{
           {RING_VADDR, 64},
           {RING_VADDR + 256, 64},      // over the SQ entries
           {RING_VADDR + page - 8, 8},  // the last word
           {RING_VADDR - 8, 16},        // straddles into it from below
           {CAPSET_VADDR, 64},
           {CAPSET_VADDR + page - 1, 1}}) {
    CapSqe sqe = write_line("never");
    sqe.result_addr = address;
    sqe.result_len = length;
    EXPECT_EQ(dispatch(sqe), code(Error::Fault)) << std::hex << address;
  }
  EXPECT_TRUE(console_output().empty());
  EXPECT_EQ(m_memory.writes(), 0U);
  EXPECT_EQ(m_space.peek(RING_VADDR, page), before);
  // Next to the pages, not on them: the overlap rule is exact.
  EXPECT_FALSE(overlaps_shared_pages(RING_VADDR - 64, 64));
  EXPECT_FALSE(overlaps_shared_pages(RING_VADDR + page, 64));
  EXPECT_FALSE(overlaps_shared_pages(RING_VADDR, 0));
  EXPECT_TRUE(overlaps_shared_pages(RING_VADDR - 1, 2));
  EXPECT_TRUE(overlaps_shared_pages(0, UINT64_MAX));
  EXPECT_FALSE(overlaps_shared_pages(UINT64_MAX, UINT64_MAX));
  EXPECT_TRUE(overlaps_shared_pages(CAPSET_VADDR - 1, 2));
  EXPECT_FALSE(overlaps_shared_pages(CAPSET_VADDR + page, page));
}

// The failure message names the rule, so a reviewer (and a test) can tell rejections apart.
TEST_F(RingDispatchTest, EveryRejectionRecordsItsRule) {
  CapSqe sqe = write_line("never");
  sqe.result_addr = RING_VADDR;
  Invocation invocation(caller(), sqe);
  EXPECT_EQ(invocation.fail(Error::Fault, "first"), Error::Fault);
  EXPECT_EQ(invocation.fail(Error::TooBig, "second"), Error::Fault);  // the first one wins
  EXPECT_STREQ(invocation.failure().message, "first");
}

}  // namespace
}  // namespace capos::kernel::test
