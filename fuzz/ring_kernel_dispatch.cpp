// fuzz/ring_kernel_dispatch.cpp — the kernel's own CALL dispatch (kernel/cap/ring_dispatch.h
// RingDispatcher) with its real capability objects (Console, BootPackage, CapabilityManager)
// and the kernel's real user-memory path (kernel/proc/process_memory.h ProcessMemory ->
// UserPtr -> validate_user_buffer over the real page-table logic, BasicPageTable), on the
// simulated machine of tests/kernel/mem/simulated_memory.h (simulated physical memory, a copy
// that faults like the MMU), behind lib/ring's KernelRing, under arbitrary SQEs. The input is a
// program: structured hostile SQEs, well-formed CALLs built with the generated clients (lib/gen)
// whose params may then be corrupted, user-memory writes, page-table entry flips at any level
// (present, U/S, R/W, XD, PS), entries with budgets, reaps.
//
// Invariants: every CQE echoes its SQE's user_data and carries either a transport code or the
// number of bytes written; user memory is written only through copy_out, only inside the result
// window [result_addr, + min(result_len, result_scratch_bytes)), exactly the reported bytes for a
// success (the simulated memory sees exactly those bytes written, nothing else), nothing at all
// for a rejected CALL (a CapException reply writes the window only);
// console output is printable (escaped); entries consume at most min(budget, SQES_PER_ENTRY)
// SQEs and every consumed SQE gets exactly one CQE, in order (nothing is deferred yet).
#include <fuzzer/FuzzedDataProvider.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "fuzz/fuzz_support.h"
#include "fuzz/ring_fakes.h"
#include "kernel/cap/boot_package.h"
#include "kernel/cap/capability_manager.h"
#include "kernel/cap/console.h"
#include "kernel/cap/ring_dispatch.h"
#include "lib/gen/capos.capnp.h"
#include "lib/ring/kernel_ring.h"
#include "lib/ring/user_ring.h"
#include "tests/kernel/mem/simulated_memory.h"

namespace capos::fuzz {
namespace {

using kernel::test::SimulatedProcessMemory;

constexpr uint64_t PARAMS_VA = 0x100000;  // 4 pages RW
constexpr uint64_t RESULT_VA = 0x200000;  // 4 pages RW
constexpr uint64_t READ_ONLY_VA = 0x300000;
constexpr uint64_t SUPERVISOR_VA = 0x400000;
constexpr uint64_t LAST_VA = USER_HALF_END - PAGE;

constexpr std::array<uint64_t, 12> ADDRESSES = {0,
                                                PARAMS_VA,
                                                PARAMS_VA + 4 * PAGE - 8,
                                                RESULT_VA,
                                                RESULT_VA + 0xff9,
                                                READ_ONLY_VA,
                                                0x500000,
                                                SUPERVISOR_VA,
                                                LAST_VA,
                                                LAST_VA + 0xff8,
                                                USER_HALF_END,
                                                UINT64_MAX - 7};
constexpr std::array<uint32_t, 9> LENGTHS = {0, 1, 8, 64, 4096, 8192, 8193, 16384, UINT32_MAX};

// Console output must never carry control bytes (console.h: escaped as \xNN).
void console_sink(std::span<const char> text) {
  for (char c : text) FUZZ_CHECK((c >= 0x20 && c <= 0x7e) || c == '\n' || c == '\t');
}

// The dispatcher's user memory: the kernel's ProcessMemory (validate_user_buffer, then copy) on
// the simulated machine, with every successful write recorded.
class RecordingMemory {
 public:
  explicit RecordingMemory(SimulatedProcessMemory inner) : m_inner(inner) {}
  Result<void> copy_in(uint64_t address, MutableByteView destination) {
    return m_inner.copy_in(address, destination);
  }
  Result<void> copy_out(uint64_t address, ByteView source) {
    TRY(m_inner.copy_out(address, source));
    writes.push_back({address, source.size()});
    return {};
  }
  Result<void> check_writable(uint64_t address, uint64_t length) {
    return m_inner.check_writable(address, length);
  }
  struct Write {
    uint64_t address;
    uint64_t length;
  };
  std::vector<Write> writes;

 private:
  SimulatedProcessMemory m_inner;
};
static_assert(kernel::UserMemory<RecordingMemory>);

std::array<uint64_t, resource_class_count> limits() {
  std::array<uint64_t, resource_class_count> values{};
  values[static_cast<size_t>(ResourceClass::LogBytes)] = uint64_t{1} << 15;
  return values;
}

class World {
 public:
  explicit World(FuzzedDataProvider& in)
      : m_in(in),
        m_caps(kernel::ObjectTable::create(m_slots).take()),
        m_ledger(limits()),
        m_atomics(*m_page, 0),
        m_ring(*m_page, m_atomics),
        m_user(attach()) {
    m_space.map(PARAMS_VA, 4, true, true);
    m_space.map(RESULT_VA, 4, true, true);
    m_space.map(READ_ONLY_VA, 1, true, false);
    m_space.map(SUPERVISOR_VA, 1, false, true);
    m_space.map(LAST_VA, 1, true, true);
    for (size_t i = 0; i < 6000; ++i) m_manifest.push_back(static_cast<uint8_t>(i * 7));
    m_boot = std::make_unique<kernel::BootPackageObject>(ByteView(m_manifest));
    m_ids = {insert(m_console, gen::Console::INTERFACE_ID),
             insert(*m_boot, gen::BootPackage::INTERFACE_ID),
             insert(m_manager, gen::CapabilityManager::INTERFACE_ID),
             insert(m_console, gen::BootPackage::INTERFACE_ID)};  // wrong interface for object
  }

  void run() {
    for (int step = 0; step < 256 && m_in.remaining_bytes() > 0; ++step) {
      switch (m_in.ConsumeIntegralInRange<int>(0, 7)) {
        case 0: submit(raw_sqe()); break;
        case 1:
        case 2: submit(generated_call()); break;
        case 3:
        case 4: enter(m_in.ConsumeIntegralInRange<uint32_t>(0, SQES_PER_ENTRY + 2)); break;
        case 5: reap(); break;
        case 6: poke(); break;
        default: flip_entry(); break;
      }
    }
    for (int round = 0; round < 4 && m_ring.sq_head() != m_user.sq_tail(); ++round) {
      reap();
      enter(SQES_PER_ENTRY);
    }
    reap();
    FUZZ_CHECK(m_ring.sq_head() == m_user.sq_tail());
    FUZZ_CHECK(m_reaped == m_submitted);
  }

  // The dispatcher as KernelRing calls it, checked around each call.
  CapCqe operator()(const CapSqe& sqe) {
    m_memory.writes.clear();
    const uint64_t bytes_before = m_space.physical_memory().byte_writes();
    kernel::RingDispatcher<RecordingMemory> dispatcher(m_caps, m_ledger, m_memory, *m_scratch);
    const CapCqe cqe = dispatcher(sqe);
    uint64_t recorded = 0;
    for (const auto& write : m_memory.writes) recorded += write.length;
    // Simulated memory changed by exactly the bytes of the recorded copy_outs: nothing else in
    // the dispatch path writes user memory, and a validated copy never faults half-way.
    FUZZ_CHECK(m_space.physical_memory().byte_writes() - bytes_before == recorded);
    FUZZ_CHECK(cqe.user_data == sqe.user_data && cqe.reserved == 0);
    FUZZ_CHECK(cqe.result >= TRANSPORT_CODE_MIN);
    const uint64_t window = sqe.result_len < kernel::result_scratch_bytes
                                ? sqe.result_len
                                : kernel::result_scratch_bytes;
    const bool exception = cqe.result == to_raw(TransportCode::ApplicationException) ||
                           cqe.result == to_raw(TransportCode::ApplicationExceptionTruncated);
    if (cqe.result >= 0 && sqe.opcode != to_raw(Opcode::Call)) {
      FUZZ_CHECK(cqe.result == 0 && m_memory.writes.empty());  // NOP, RELEASE
    } else if (cqe.result >= 0) {
      FUZZ_CHECK(static_cast<uint64_t>(cqe.result) <= window);
      FUZZ_CHECK(m_memory.writes.size() == 1);
      FUZZ_CHECK(m_memory.writes[0].address == sqe.result_addr);
      FUZZ_CHECK(m_memory.writes[0].length == static_cast<uint64_t>(cqe.result));
    } else if (exception) {
      FUZZ_CHECK(m_memory.writes.size() <= 1);
      for (const auto& write : m_memory.writes) {
        FUZZ_CHECK(write.address == sqe.result_addr && write.length <= window);
      }
    } else {
      FUZZ_CHECK(m_memory.writes.empty());  // a rejected CALL has no effect on user memory
    }
    return cqe;
  }

 private:
  UserRing<CheckingAtomics> attach() {
    auto user = UserRing<CheckingAtomics>::attach(*m_page, m_atomics);
    FUZZ_CHECK(user.has_value());
    return std::move(user).take();
  }

  CapId insert(kernel::CapObject& object, uint64_t interface_id) {
    auto id = m_caps.insert({&object, interface_id, 0});
    FUZZ_CHECK(id.has_value());
    return *id;
  }

  uint64_t address() {
    return ADDRESSES[m_in.ConsumeIntegralInRange<size_t>(0, ADDRESSES.size() - 1)];
  }
  uint32_t length() { return LENGTHS[m_in.ConsumeIntegralInRange<size_t>(0, LENGTHS.size() - 1)]; }

  CapSqe raw_sqe() {
    CapSqe sqe{};
    sqe.opcode = m_in.ConsumeIntegralInRange<uint8_t>(0, 6);
    sqe.flags = m_in.ConsumeProbability<float>() < 0.9F ? 0 : m_in.ConsumeIntegral<uint8_t>();
    sqe.method_id = m_in.ConsumeIntegralInRange<uint16_t>(0, 3);
    sqe.cap_id = m_in.ConsumeBool() ? m_ids[m_in.ConsumeIntegralInRange<size_t>(0, 3)]
                                    : m_in.ConsumeIntegral<uint32_t>();
    sqe.params_addr = address();
    sqe.params_len = length();
    sqe.result_addr = address();
    sqe.result_len = length();
    if (m_in.ConsumeBool()) {
      sqe.xfer_addr = address();
      sqe.xfer_count = m_in.ConsumeIntegralInRange<uint32_t>(0, MAX_XFER_DESCS + 1);
    }
    return sqe;
  }

  // A CALL whose params a real client built, then possibly damaged.
  CapSqe generated_call() {
    std::vector<uint8_t> params(kernel::max_params_bytes);
    std::vector<uint8_t> result(kernel::result_scratch_bytes);
    const gen::CallBuffers buffers{params, result};
    const uint32_t cap = m_ids[m_in.ConsumeIntegralInRange<size_t>(0, 3)];
    // Console text: a few input bytes, or padded to the 4096-byte limit and one past it.
    std::vector<uint8_t> text = m_in.ConsumeBytes<uint8_t>(64);
    static constexpr std::array<size_t, 4> padded = {0, 4095, 4096, 4097};
    const size_t pad_to = padded[m_in.ConsumeIntegralInRange<size_t>(0, padded.size() - 1)];
    if (text.size() < pad_to) text.resize(pad_to, 'x');
    const int method = m_in.ConsumeIntegralInRange<int>(0, 4);
    const uint64_t offset = m_in.ConsumeIntegralInRange<uint64_t>(0, 7000);
    const uint32_t max_bytes = m_in.ConsumeIntegral<uint32_t>();
    const capnp::CapnpResult<CapSqe> built = [&]() -> capnp::CapnpResult<CapSqe> {
      switch (method) {
        case 0: return gen::Console::Client(cap).write(buffers, 0, ByteView(text));
        case 1: return gen::Console::Client(cap).write_line(buffers, 0, ByteView(text));
        case 2: return gen::BootPackage::Client(cap).manifest_size(buffers, 0);
        case 3: return gen::BootPackage::Client(cap).read_manifest(buffers, 0, offset, max_bytes);
        default: return gen::CapabilityManager::Client(cap).list(buffers, 0);
      }
    }();
    if (!built.has_value()) return raw_sqe();
    CapSqe sqe = *built;
    const size_t params_length = sqe.params_len;
    for (int flips = m_in.ConsumeIntegralInRange<int>(0, 2); flips > 0 && params_length > 0;
         --flips) {
      params[m_in.ConsumeIntegralInRange<size_t>(0, params_length - 1)] ^=
          m_in.ConsumeIntegral<uint8_t>();
    }
    if (params_length <= 4 * PAGE && mapped(PARAMS_VA, params_length)) {
      m_space.poke(PARAMS_VA, ByteView(params).first(params_length));
    }
    sqe.params_addr = PARAMS_VA;
    sqe.result_addr = m_in.ConsumeProbability<float>() < 0.8F ? RESULT_VA : address();
    sqe.result_len =
        m_in.ConsumeProbability<float>() < 0.8F ? static_cast<uint32_t>(4 * PAGE) : length();
    return sqe;
  }

  void submit(CapSqe sqe) {
    sqe.user_data = m_submitted;
    if (m_user.submit(sqe).has_value()) ++m_submitted;
  }

  void enter(uint32_t budget) {
    const uint32_t sq_head = m_ring.sq_head();
    const uint64_t reads = m_atomics.sqe_reads;
    auto report = m_ring.enter(*this, budget);
    FUZZ_CHECK(report.has_value());  // the user side is honest here
    FUZZ_CHECK(report->consumed == report->completed && report->deferred == 0);
    FUZZ_CHECK(report->consumed <= budget && report->consumed <= SQES_PER_ENTRY);
    FUZZ_CHECK(m_ring.sq_head() - sq_head == report->consumed);
    FUZZ_CHECK(m_atomics.sqe_reads - reads == report->consumed);
    FUZZ_CHECK(m_ring.deferred() == 0);
  }

  void reap() {
    for (;;) {
      const auto cqe = m_user.reap();
      if (!cqe) {
        FUZZ_CHECK(cqe.error() == Error::WouldBlock);
        return;
      }
      m_atomics.reaped_index = m_user.cq_head();
      FUZZ_CHECK(cqe->user_data == m_reaped);  // one CQE per SQE, in SQ order
      ++m_reaped;
    }
  }

  static constexpr std::array<uint64_t, 5> MAPPED = {PARAMS_VA, RESULT_VA, READ_ONLY_VA,
                                                     SUPERVISOR_VA, LAST_VA};

  // True iff every page of [address, + length) translates (entry flips may have unmapped one).
  bool mapped(uint64_t address, uint64_t length) const {
    for (uint64_t page = address & ~(PAGE - 1); page < address + length; page += PAGE) {
      if (!m_space.present(page)) return false;
    }
    return true;
  }

  void poke() {
    const uint64_t base = MAPPED[m_in.ConsumeIntegralInRange<size_t>(0, MAPPED.size() - 1)];
    const auto bytes = m_in.ConsumeBytes<uint8_t>(64);
    const uint64_t at = base + m_in.ConsumeIntegralInRange<uint64_t>(0, PAGE - 64);
    if (mapped(at, bytes.size())) m_space.poke(at, ByteView(bytes));
  }

  // Toggles one bit of one entry on the path of a mapped region, at any level (an upper-level
  // flip changes every page under it; PS turns a table into a large frame or back).
  void flip_entry() {
    static constexpr std::array<uint64_t, 5> bits = {
        kernel::x86_64::pte::present, kernel::x86_64::pte::user, kernel::x86_64::pte::writable,
        kernel::x86_64::pte::no_execute, kernel::x86_64::pte::large};
    const uint64_t base = MAPPED[m_in.ConsumeIntegralInRange<size_t>(0, MAPPED.size() - 1)];
    const uint64_t page = base + PAGE * m_in.ConsumeIntegralInRange<uint64_t>(0, 3);
    const auto level = m_in.ConsumeIntegralInRange<unsigned>(0, 3);
    const uint64_t bit = bits[m_in.ConsumeIntegralInRange<size_t>(0, bits.size() - 1)];
    if (m_space.find_entry(page, level)) {
      const bool set = (m_space.entry(page, level) & bit) == 0;
      FUZZ_CHECK(m_space.try_update_entry(page, level, set ? bit : 0, set ? 0 : bit));
    }
  }

  FuzzedDataProvider& m_in;
  kernel::test::SimulatedAddressSpace m_space;
  RecordingMemory m_memory{m_space.memory()};
  std::array<kernel::ObjectTable::Slot, 16> m_slots{};
  kernel::ObjectTable m_caps;
  FrameLedger m_ledger;
  std::unique_ptr<kernel::CallScratch> m_scratch = std::make_unique<kernel::CallScratch>();
  std::vector<uint8_t> m_manifest;
  kernel::ConsoleObject m_console{&console_sink};
  std::unique_ptr<kernel::BootPackageObject> m_boot;
  kernel::CapabilityManagerObject m_manager{m_caps};
  std::array<uint32_t, 4> m_ids{};
  std::unique_ptr<RingPage> m_page = std::make_unique<RingPage>();
  CheckingAtomics m_atomics;
  KernelRing<CheckingAtomics> m_ring;
  UserRing<CheckingAtomics> m_user;
  uint64_t m_submitted = 0;
  uint64_t m_reaped = 0;
};

}  // namespace
}  // namespace capos::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  capos::fuzz::World world(in);
  world.run();
  return 0;
}
