// The ring dispatcher (kernel/cap/ring_dispatch.h) with the kernel's real capability objects
// (Console, BootPackage, CapabilityManager) over the kernel's own ProcessMemory path on a simulated
// page table (tests/kernel/mem/simulated_memory.h): every rejection with its
// exact transport code and precedence, no side effect from a rejected call, exact result bytes,
// Console length/quota/escaping rules, BootPackage chunking and CapException replies.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "kernel/cap/boot_package.h"
#include "kernel/cap/capability_manager.h"
#include "kernel/cap/console.h"
#include "kernel/cap/ring_dispatch.h"
#include "lib/capnp/message_reader.h"
#include "lib/gen/capos.capnp.h"
#include "tests/kernel/kernel_test_util.h"
#include "tests/kernel/mem/simulated_memory.h"
#include "tools/verify_report/evidence.h"

namespace capos::kernel {
namespace {

using test::page;
using Memory = test::CountingUserMemory<test::SimulatedProcessMemory>;

constexpr uint64_t params_va = 0x100000;     // 4 pages, RW
constexpr uint64_t result_va = 0x200000;     // 4 pages, RW
constexpr uint64_t read_only_va = 0x300000;  // 1 page, R
constexpr uint64_t unmapped_va = 0x500000;

std::string g_console_output;  // NOLINT: the ConsoleSink is a plain function pointer
void capture(std::span<const char> text) { g_console_output.append(text.data(), text.size()); }

std::array<uint64_t, resource_class_count> limits(uint64_t log_bytes) {
  std::array<uint64_t, resource_class_count> values{};
  values[static_cast<size_t>(ResourceClass::LogBytes)] = log_bytes;
  return values;
}

class RingDispatchTest : public ::testing::Test {
 protected:
  RingDispatchTest() : m_caps(ObjectTable::create(m_slots).take()), m_ledger(limits(1 << 20)) {
    g_console_output.clear();
    m_space.map(params_va, 4, true, true);
    m_space.map(result_va, 4, true, true);
    m_space.map(read_only_va, 1, true, false);
    for (uint8_t i = 0; i < 200; ++i) m_manifest.push_back(i);
    m_manifest.resize(10000, 0x5a);
    m_boot_package = std::make_unique<BootPackageObject>(ByteView(m_manifest));
    m_console_id = insert(m_console, gen::Console::INTERFACE_ID);
    m_boot_id = insert(*m_boot_package, gen::BootPackage::INTERFACE_ID);
    m_manager_id = insert(m_manager, gen::CapabilityManager::INTERFACE_ID);
  }
  ~RingDispatchTest() override = default;
  RingDispatchTest(const RingDispatchTest&) = delete;
  RingDispatchTest& operator=(const RingDispatchTest&) = delete;
  RingDispatchTest(RingDispatchTest&&) = delete;
  RingDispatchTest& operator=(RingDispatchTest&&) = delete;

  CapId insert(CapObject& object, uint64_t interface_id) {
    return m_caps.insert({&object, interface_id, 0}).take();
  }

  // A CALL SQE whose params `prepare` builds, placed at params_va; results go to result_va.
  template <typename Prepare>
  CapSqe call(Prepare prepare) {
    std::vector<uint8_t> params(8192);
    std::vector<uint8_t> result(8192);
    const capnp::CapnpResult<CapSqe> built = prepare(gen::CallBuffers{params, result});
    EXPECT_TRUE(built.has_value());
    CapSqe sqe = *built;
    m_space.poke(params_va, ByteView(params).first(sqe.params_len));
    sqe.params_addr = params_va;
    sqe.result_addr = result_va;
    sqe.result_len = 4 * page;
    return sqe;
  }
  CapSqe write_line(const std::string& text, CapId cap = 0) {
    return call([&](const gen::CallBuffers& buffers) {
      const ByteView bytes(reinterpret_cast<const uint8_t*>(text.data()), text.size());
      return gen::Console::Client(cap == 0 ? m_console_id : cap).write_line(buffers, 7, bytes);
    });
  }
  CapSqe read_manifest(uint64_t offset, uint32_t max_bytes) {
    return call([&](const gen::CallBuffers& buffers) {
      auto fill = [&](const gen::BootPackage::ReadManifestParams::Builder& params)
          -> capnp::CapnpResult<void> {
        params.set_offset(offset);
        params.set_max_bytes(max_bytes);
        return {};
      };
      return gen::BootPackage::Client(m_boot_id).read_manifest(buffers, 9, fill);
    });
  }

  int32_t dispatch(const CapSqe& sqe) {
    RingDispatcher<Memory> dispatcher(m_caps, m_ledger, m_memory, *m_scratch);
    const CapCqe cqe = dispatcher(sqe);
    EXPECT_EQ(cqe.user_data, sqe.user_data);
    return cqe.result;
  }

  std::vector<uint8_t> result_bytes(size_t length) { return m_space.peek(result_va, length); }

  test::SimulatedAddressSpace m_space;
  Memory m_memory{m_space.memory()};
  std::array<ObjectTable::Slot, 16> m_slots{};
  ObjectTable m_caps;
  FrameLedger m_ledger;
  std::unique_ptr<CallScratch> m_scratch = std::make_unique<CallScratch>();
  std::vector<uint8_t> m_manifest;
  ConsoleObject m_console{&capture};
  std::unique_ptr<BootPackageObject> m_boot_package;
  CapabilityManagerObject m_manager{m_caps};
  CapId m_console_id = 0;
  CapId m_boot_id = 0;
  CapId m_manager_id = 0;
};

constexpr int32_t code(TransportCode value) { return to_raw(value); }

TEST_F(RingDispatchTest, NopCompletesWithZero) {
  CapSqe sqe{};
  sqe.user_data = 42;
  EXPECT_EQ(dispatch(sqe), 0);
}

TEST_F(RingDispatchTest, DecodeRulesComeFirst) {
  CapSqe sqe = write_line("x");
  sqe.opcode = 5;
  sqe.cap_id = 0;  // a bad cap too: the opcode decides
  EXPECT_EQ(dispatch(sqe), code(TransportCode::BadOpcode));
  sqe = write_line("x");
  sqe.pipeline_field = 1;
  EXPECT_EQ(dispatch(sqe), code(TransportCode::Invalid));
  EXPECT_TRUE(g_console_output.empty());
}

TEST_F(RingDispatchTest, WriteLinePrintsChargesAndWritesExactlyTheResult) {
  std::vector<uint8_t> stale(64, 0xaa);
  m_space.poke(result_va, stale);
  const int32_t written = dispatch(write_line("hello"));
  EXPECT_EQ(written, 16);  // segment table + root pointer of an empty struct
  EXPECT_EQ(g_console_output, "hello\n");
  EXPECT_EQ(m_ledger.committed(ResourceClass::LogBytes), 6U);
  const std::vector<uint8_t> after = result_bytes(64);
  for (size_t i = 16; i < after.size(); ++i) EXPECT_EQ(after[i], 0xaa) << i;
  EXPECT_EQ(m_memory.writes(), 1U);
}

TEST_F(RingDispatchTest, BadCapsAreRejectedBeforeAnyBuffer) {
  CapSqe sqe = write_line("never");
  sqe.params_addr = unmapped_va;
  sqe.cap_id = 0;
  EXPECT_EQ(dispatch(sqe), code(TransportCode::BadCap));
  sqe.cap_id = m_console_id + (1U << 24);  // stale generation
  EXPECT_EQ(dispatch(sqe), code(TransportCode::BadCap));
  sqe.cap_id = (m_console_id & 0xff00'0000U) | 15;  // never issued
  EXPECT_EQ(dispatch(sqe), code(TransportCode::BadCap));
}

TEST_F(RingDispatchTest, HostileParamsAndResultsFaultWithoutSideEffects) {
  for (const uint64_t address :
       {uint64_t{0}, unmapped_va, uint64_t{0xffff'8000'0000'0000}, uint64_t{0x0000'8000'0000'0000},
        uint64_t{0xffff'ffff'ffff'fff0}, USER_HALF_END - 8}) {
    CapSqe sqe = write_line("never");
    sqe.params_addr = address;
    EXPECT_EQ(dispatch(sqe), code(TransportCode::Fault)) << std::hex << address;
    sqe = write_line("never");
    sqe.result_addr = address;
    EXPECT_EQ(dispatch(sqe), code(TransportCode::Fault)) << std::hex << address;
  }
  CapSqe sqe = write_line("never");
  sqe.result_addr = read_only_va;
  EXPECT_EQ(dispatch(sqe), code(TransportCode::Fault));
  sqe.result_addr = result_va + 4 * page - 8;  // runs off the mapped result pages
  EXPECT_EQ(dispatch(sqe), code(TransportCode::Fault));
  EXPECT_TRUE(g_console_output.empty());
  EXPECT_EQ(m_memory.writes(), 0U);
  EXPECT_EQ(m_ledger.committed(ResourceClass::LogBytes), 0U);
}

TEST_F(RingDispatchTest, ResultWindowIsBoundedByTheScratchBuffer) {
  CapSqe sqe = write_line("ok");
  sqe.result_len = UINT32_MAX;  // only the first result_scratch_bytes are validated
  EXPECT_EQ(dispatch(sqe), 16);
  sqe.result_len = 8;  // too small for the results
  EXPECT_EQ(dispatch(sqe), code(TransportCode::TooBig));
  EXPECT_EQ(g_console_output, "ok\n");  // the handler never ran for the second call
}

TEST_F(RingDispatchTest, ParamsLimitsAndMalformedParams) {
  CapSqe sqe = write_line("x");
  sqe.params_len = max_params_bytes + 1;
  EXPECT_EQ(dispatch(sqe), code(TransportCode::TooBig));
  const std::vector<uint8_t> garbage(32, 0xff);
  m_space.poke(params_va, garbage);
  sqe.params_len = 32;
  EXPECT_EQ(dispatch(sqe), code(TransportCode::Invalid));
  sqe.params_len = 0;
  EXPECT_EQ(dispatch(sqe), code(TransportCode::Invalid));
  sqe = write_line("x");
  sqe.method_id = 2;
  EXPECT_EQ(dispatch(sqe), code(TransportCode::BadMethod));
  EXPECT_TRUE(g_console_output.empty());
}

TEST_F(RingDispatchTest, InterfaceChecks) {
  // A cap whose interface is not the object's own: the CapObject entry refuses it.
  const CapId wrong = insert(m_console, gen::BootPackage::INTERFACE_ID);
  EXPECT_EQ(dispatch(write_line("never", wrong)), code(TransportCode::BadInterface));
  CapSqe recv{};
  recv.opcode = to_raw(Opcode::Recv);
  recv.cap_id = m_console_id;
  EXPECT_EQ(dispatch(recv), code(TransportCode::BadInterface));
  recv.opcode = to_raw(Opcode::Return);
  EXPECT_EQ(dispatch(recv), code(TransportCode::BadInterface));
  recv.cap_id = 0;
  EXPECT_EQ(dispatch(recv), code(TransportCode::BadCap));
  EXPECT_TRUE(g_console_output.empty());
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
  EXPECT_EQ(with_descs({{m_console_id, copy, 0, 0, 0}}), code(TransportCode::BadXfer));
  EXPECT_EQ(with_descs({{m_console_id, 0, 0, 0, 0}}), code(TransportCode::BadXfer));
  EXPECT_EQ(with_descs({{m_console_id, copy, 1, 0, 0}}), code(TransportCode::Invalid));
  // F-004: one cap MOVEd twice is refused in decode.
  EXPECT_EQ(with_descs({{m_console_id, move, 0, 0, 0}, {m_console_id, move, 0, 0, 0}}),
            code(TransportCode::BadXfer));
  CapSqe sqe = write_line("never");
  sqe.xfer_addr = unmapped_va;
  sqe.xfer_count = 2;
  EXPECT_EQ(dispatch(sqe), code(TransportCode::Fault));
  sqe.xfer_count = 5;
  EXPECT_EQ(dispatch(sqe), code(TransportCode::BadXfer));
  EXPECT_TRUE(g_console_output.empty());
}

TEST_F(RingDispatchTest, ConsoleLengthQuotaAndEscaping) {
  capos::verify_report::evidence(12, "log-bytes", capos::verify_report::EvidenceKind::Tested);
  EXPECT_EQ(dispatch(write_line(std::string(4096, 'a'))), 16);
  EXPECT_EQ(dispatch(write_line(std::string(4097, 'a'))), code(TransportCode::TooBig));
  g_console_output.clear();
  EXPECT_EQ(dispatch(write_line(std::string("a\x1b[2J\x01z\tb\x7f", 10))), 16);
  EXPECT_EQ(g_console_output, "a\\x1b[2J\\x01z\tb\\x7f\n");

  ASSERT_TRUE(
      m_ledger.set_limit(ResourceClass::LogBytes, m_ledger.committed(ResourceClass::LogBytes) + 10)
          .has_value());
  g_console_output.clear();
  EXPECT_EQ(dispatch(write_line("0123456789")), code(TransportCode::Quota));  // 11 with \n
  EXPECT_TRUE(g_console_output.empty());
  EXPECT_EQ(dispatch(write_line("012345678")), 16);  // exactly the rest
  EXPECT_EQ(dispatch(write_line("")), code(TransportCode::Quota));
  EXPECT_EQ(m_ledger.available(ResourceClass::LogBytes), 0U);
  EXPECT_EQ(g_console_output, "012345678\n");
}

TEST_F(RingDispatchTest, BootPackageChunksAndSize) {
  const int32_t first = dispatch(read_manifest(0, 100000));
  ASSERT_GT(first, 0);
  capnp::MessageReader reader;
  const std::vector<uint8_t> bytes = result_bytes(static_cast<size_t>(first));
  ASSERT_TRUE(reader.parse(bytes).has_value());
  const auto root = gen::read_root<gen::BootPackage::ReadManifestResults>(reader);
  ASSERT_TRUE(root.has_value());
  const auto data = root->get_data();
  ASSERT_TRUE(data.has_value());
  ASSERT_EQ(data->size(), max_manifest_chunk_bytes);
  EXPECT_TRUE(std::equal(data->begin(), data->end(), m_manifest.begin()));

  for (const auto& [offset, expected] :
       std::vector<std::pair<uint64_t, size_t>>{{8192, 1808}, {9990, 10}, {10000, 0}}) {
    const int32_t length = dispatch(read_manifest(offset, 4096));
    ASSERT_GT(length, 0);
    capnp::MessageReader chunk;
    const std::vector<uint8_t> chunk_bytes = result_bytes(static_cast<size_t>(length));
    ASSERT_TRUE(chunk.parse(chunk_bytes).has_value());
    EXPECT_EQ(gen::read_root<gen::BootPackage::ReadManifestResults>(chunk)->get_data()->size(),
              expected)
        << offset;
  }
}

TEST_F(RingDispatchTest, BootPackageOffsetPastTheEndIsAnApplicationException) {
  EXPECT_EQ(dispatch(read_manifest(10001, 16)), code(TransportCode::ApplicationException));
  capnp::ReaderOptions options;
  options.trailing_bytes = capnp::TrailingBytes::Allow;
  capnp::MessageReader reader(options);
  const std::vector<uint8_t> bytes = result_bytes(256);
  ASSERT_TRUE(reader.parse(bytes).has_value());
  const auto exception = gen::read_root<gen::CapException>(reader);
  ASSERT_TRUE(exception.has_value());
  EXPECT_EQ(exception->get_type(), gen::ExceptionType::InvalidArgument);
  const auto message = exception->get_message();
  ASSERT_TRUE(message.has_value());
  EXPECT_EQ(std::string(message->begin(), message->end()),
            "readManifest offset is past the end of the manifest");

  CapSqe small = read_manifest(10001, 16);
  small.result_len = 40;  // the bare CapException (32 bytes) fits, its message does not
  EXPECT_EQ(dispatch(small), code(TransportCode::ApplicationExceptionTruncated));
  small.result_len = 24;  // the (empty) results fit, not even a bare CapException
  m_space.poke(result_va, std::vector<uint8_t>(24, 0));
  EXPECT_EQ(dispatch(small), code(TransportCode::ApplicationExceptionTruncated));
  EXPECT_EQ(result_bytes(24), std::vector<uint8_t>(24, 0));  // nothing was copied out
  small.result_len = 16;  // not even the results: refused before the handler runs
  EXPECT_EQ(dispatch(small), code(TransportCode::TooBig));
}

TEST_F(RingDispatchTest, CapabilityManagerListsOwnCapsInSlotOrder) {
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

TEST_F(RingDispatchTest, ReleaseMakesTheIdStaleForever) {
  CapSqe release{};
  release.opcode = to_raw(Opcode::Release);
  release.cap_id = m_console_id;
  EXPECT_EQ(dispatch(release), 0);
  EXPECT_EQ(dispatch(release), code(TransportCode::BadCap));
  EXPECT_EQ(dispatch(write_line("never")), code(TransportCode::BadCap));
  const CapId again = insert(m_console, gen::Console::INTERFACE_ID);
  EXPECT_NE(again, m_console_id);  // same slot, new generation
  EXPECT_EQ(dispatch(write_line("ok", again)), 16);
}

}  // namespace
}  // namespace capos::kernel
