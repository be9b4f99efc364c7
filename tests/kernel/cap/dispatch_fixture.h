// tests/kernel/cap/dispatch_fixture.h — one process's view of the dispatcher for host tests:
// an address space on the simulated machine (tests/kernel/mem/simulated_memory.h: the real
// BasicPageTable, the kernel's ProcessMemory -> UserPtr path), a cap table and ledger (CapSlots
// kept equal to the live caps), the kernel's real objects, and a ring whose deferred completions
// land in that address space.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "kernel/cap/completion.h"
#include "kernel/cap/invocation.h"
#include "kernel/cap/ring_dispatch.h"
#include "kernel/cap/transfer.h"
#include "kernel/object/boot_package.h"
#include "kernel/object/capability_manager.h"
#include "kernel/object/console.h"
#include "lib/capnp/message_reader.h"
#include "lib/gen/capos.capnp.h"
#include "lib/ring/atomics.h"
#include "lib/ring/kernel_ring.h"
#include "lib/ring/transport.h"
#include "tests/kernel/kernel_test_util.h"
#include "tests/kernel/mem/simulated_memory.h"

namespace capos::kernel::test {

inline constexpr uint64_t params_va = 0x100000;     // 4 pages, RW
inline constexpr uint64_t result_va = 0x200000;     // 4 pages, RW
inline constexpr uint64_t read_only_va = 0x300000;  // 1 page, R
inline constexpr uint64_t unmapped_va = 0x500000;

// The Console sink is a plain function pointer: output collects here.
inline std::string& console_output() {
  static std::string output;  // NOLINT: one capture per test binary
  return output;
}
inline void capture(std::span<const char> text) {
  console_output().append(text.data(), text.size());
}

inline std::array<uint64_t, resource_class_count> limits(uint64_t log_bytes, uint64_t cap_slots) {
  std::array<uint64_t, resource_class_count> values{};
  values[static_cast<size_t>(ResourceClass::LogBytes)] = log_bytes;
  values[static_cast<size_t>(ResourceClass::CapSlots)] = cap_slots;
  return values;
}

// The kernel's ProcessMemory text on the simulated machine, its successful copy_out calls counted.
using Memory = CountingUserMemory<SimulatedProcessMemory>;

inline constexpr int32_t code(Error error) { return to_raw(to_transport_code(error)); }

class DispatchTest : public ::testing::Test {
 protected:
  static constexpr size_t slot_count = 16;

  DispatchTest()
      : m_caps(ObjectTable::create(m_slots).take()),
        m_ledger(limits(1 << 20, slot_count)),
        m_ring(*m_page, m_atomics),
        m_completions(m_ring, m_memory) {
    console_output().clear();
    m_space.map(params_va, 4, true, true);
    m_space.map(result_va, 4, true, true);
    m_space.map(read_only_va, 1, true, false);
    // The ring and CapSet pages are mapped like the kernel maps them (RW and R), so only the
    // dispatcher's overlap rule can keep a result window off them.
    m_space.map(RING_VADDR, 1, true, true);
    m_space.map(CAPSET_VADDR, 1, true, false);
    for (uint8_t i = 0; i < 200; ++i) m_manifest.push_back(i);
    m_manifest.resize(10000, 0x5a);
    m_boot_package = std::make_unique<BootPackageObject>(ByteView(m_manifest));
    m_console_id = insert(m_console, gen::Console::INTERFACE_ID);
    m_boot_id = insert(*m_boot_package, gen::BootPackage::INTERFACE_ID);
    m_manager_id = insert(m_manager, gen::CapabilityManager::INTERFACE_ID);
  }
  ~DispatchTest() override = default;
  DispatchTest(const DispatchTest&) = delete;
  DispatchTest& operator=(const DispatchTest&) = delete;
  DispatchTest(DispatchTest&&) = delete;
  DispatchTest& operator=(DispatchTest&&) = delete;

  CapId insert(CapObject& object, uint64_t interface_id, uint64_t badge = 0) {
    return insert_cap(m_caps, m_ledger, {ObjectRef(object), interface_id, badge}).take();
  }

  [[nodiscard]] CallerContext caller() {
    return CallerContext{.pid = 1,
                         .generation = 1,
                         .caps = &m_caps,
                         .ledger = &m_ledger,
                         .completions = &m_completions};
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

  // Runs the dispatcher on one SQE as KernelRing would; returns the completion (an owed one
  // shows as disposition Defer).
  DispatchOutcome run(const CapSqe& sqe) {
    RingDispatcher<Memory> dispatcher(caller(), m_memory, *m_scratch);
    const DispatchOutcome outcome = dispatcher(sqe);
    if (outcome.disposition == Disposition::Complete) {
      EXPECT_EQ(outcome.cqe.user_data, sqe.user_data);
      EXPECT_EQ(outcome.cqe.reserved, 0U);
    }
    // Invariant of every step (kernel/cap/transfer.h): quota == caps held.
    EXPECT_EQ(m_ledger.committed(ResourceClass::CapSlots), m_caps.live_count());
    EXPECT_EQ(m_ledger.outstanding_reservations(), 0U);
    EXPECT_EQ(m_caps.reserved_count(), 0U);
    EXPECT_TRUE(m_caps.invariants_hold());
    return outcome;
  }
  int32_t dispatch(const CapSqe& sqe) {
    const DispatchOutcome outcome = run(sqe);
    EXPECT_EQ(outcome.disposition, Disposition::Complete);
    return outcome.cqe.result;
  }

  std::vector<uint8_t> result_bytes(size_t length) { return m_space.peek(result_va, length); }

  // Objects before the slots that reference them: members die in reverse order, so every
  // ObjectRef is dropped while its object still exists.
  std::vector<uint8_t> m_manifest;
  ConsoleObject m_console{&capture};
  std::unique_ptr<BootPackageObject> m_boot_package;
  CapabilityManagerObject m_manager;
  SimulatedAddressSpace m_space;
  Memory m_memory{m_space.memory()};
  std::array<ObjectTable::Slot, slot_count> m_slots{};
  ObjectTable m_caps;
  FrameLedger m_ledger;
  std::unique_ptr<CallScratch> m_scratch = std::make_unique<CallScratch>();
  std::unique_ptr<RingPage> m_page = std::make_unique<RingPage>();
  HardwareAtomics m_atomics;
  KernelRing<HardwareAtomics> m_ring;
  RingCompletions<KernelRing<HardwareAtomics>, Memory> m_completions;
  CapId m_console_id = 0;
  CapId m_boot_id = 0;
  CapId m_manager_id = 0;
};

}  // namespace capos::kernel::test
