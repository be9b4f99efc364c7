// user/tests/hostile/main.cpp — a hostile init: every way this phase's kernel must refuse a
// process, each checked for its exact transport code, with a working call after each group to
// show the kernel kept running. Booted by qemu.hostile_user (user/manifests/hostile.json);
// prints "hostile: <case> -> <code>: ok" per case and exits 0 only if all passed.
#include <array>
#include <cstdint>
#include <optional>
#include <span>

#include "lib/capnp/message_reader.h"
#include "lib/core/bytes.h"
#include "lib/gen/capos.capnp.h"
#include "lib/ring/abi.h"
#include "lib/ring/transport.h"
#include "user/rt/arch/x86_64/cycle_counter.h"
#include "user/rt/arch/x86_64/syscall.h"
#include "user/rt/clients.h"
#include "user/rt/runtime.h"
#include "user/rt/text.h"
#include "user/tests/hostile/register_probe.h"

namespace {

using capos::CapCqe;
using capos::CapId;
using capos::CapSqe;
using capos::TransportCode;
using capos::rt::Line;

// Addresses a process may name but must never get the kernel to touch.
constexpr uint64_t kernel_direct_map = 0xffff'8000'0000'0000;
constexpr uint64_t kernel_text = 0xffff'ffff'8010'0000;
constexpr uint64_t first_non_canonical = 0x0000'8000'0000'0000;
constexpr uint64_t non_canonical = 0x1234'5678'9abc'0000;
constexpr uint64_t unmapped = 0x0000'0000'1000'0000;
constexpr uint64_t wraps = 0xffff'ffff'ffff'fff0;
constexpr uint64_t near_user_end = 0x0000'7fff'ffff'fff0;
// kernel/proc/image_loader.h: a 64 KiB stack below USER_STACK_TOP, an unmapped page below it.
constexpr uint64_t stack_guard_end = capos::USER_STACK_TOP - uint64_t{64} * 1024;

constexpr int32_t ring_failure = -1000;  // not a transport code: the ring itself failed

const std::array<uint8_t, 64> k_read_only = {1};  // .rodata: mapped user R--

class Hostile {
 public:
  explicit Hostile(capos::rt::Runtime& runtime) : m_runtime(runtime) {}

  int64_t run() {
    if (!find_caps()) return 2;
    say(Line().add("hostile: started (pid ").add(m_runtime.pid()).add(")"));
    bad_params();
    bad_results();
    bad_sqes();
    bad_caps();
    bad_calls();
    release();
    corrupt_ring();
    syscalls();
    preemption();
    say(Line().add("hostile: ").add(m_passed).add("/").add(m_total).add(" cases passed"));
    return m_passed == m_total ? 0 : 1;
  }

 private:
  bool find_caps() {
    const auto console = m_runtime.find_cap("console", capos::gen::Console::INTERFACE_ID);
    const auto boot = m_runtime.find_cap("boot_package", capos::gen::BootPackage::INTERFACE_ID);
    const auto manager =
        m_runtime.find_cap("capability_manager", capos::gen::CapabilityManager::INTERFACE_ID);
    if (!console || !boot || !manager) return false;
    m_console = *console;
    m_boot_package = *boot;
    m_manager = *manager;
    return true;
  }

  void say(const Line& line) {
    (void)capos::rt::ConsoleClient(m_console).write_line(m_runtime, line.view()).has_value();
  }

  static const char* name_of(int64_t code) {
    if (code == ring_failure) return "ring failure";
    const std::optional<TransportCode> transport = capos::transport_code_from_raw(code);
    return transport ? capos::transport_code_name(*transport) : nullptr;
  }

  void expect(const char* what, int64_t got, int64_t want) {
    ++m_total;
    Line line;
    line.add("hostile: ").add(what).add(" -> ");
    const char* got_name = name_of(got);
    if (got_name != nullptr)
      line.add(got_name);
    else
      line.add(got);
    if (got == want) {
      ++m_passed;
      line.add(": ok");
    } else {
      const char* want_name = name_of(want);
      line.add(": FAILED, expected ");
      if (want_name != nullptr)
        line.add(want_name);
      else
        line.add(want);
    }
    say(line);
  }
  void expect(const char* what, int64_t got, TransportCode want) {
    expect(what, got, int64_t{capos::to_raw(want)});
  }

  int32_t submit(const CapSqe& sqe) {
    const capos::Result<CapCqe> cqe = m_runtime.submit_and_wait(sqe);
    if (!cqe || cqe->user_data != sqe.user_data) return ring_failure;
    return cqe->result;
  }

  // A well-formed Console.writeLine SQE whose text must never appear on the console.
  CapSqe write_line_sqe() {
    static constexpr char text[] = "hostile: this line must never be printed";
    const capos::ByteView bytes =
        capos::bytes_of(std::span<const char>(text).first(sizeof(text) - 1));
    const auto sqe = capos::gen::Console::Client(m_console).write_line(
        m_runtime.buffers(), m_runtime.next_user_data(), bytes);
    return sqe ? *sqe : CapSqe{};
  }

  void still_alive(const char* after) {
    say(Line().add("hostile: kernel still serving calls after ").add(after));
  }

  void bad_params() {
    struct Case {
      const char* what;
      uint64_t address;
      uint32_t length;
    };
    const std::array<Case, 9> cases = {{
        {"params in the kernel direct map", kernel_direct_map, 64},
        {"params in kernel text", kernel_text, 64},
        {"params at 2^47 (non-canonical)", first_non_canonical, 64},
        {"params non-canonical", non_canonical, 64},
        {"params in page 0", 0, 64},
        {"params unmapped", unmapped, 64},
        {"params wrapping past 2^64", wraps, 64},
        {"params crossing the end of the user half", near_user_end, 64},
        {"params running into the stack guard page", stack_guard_end - 8, 64},
    }};
    for (const Case& test : cases) {
      CapSqe sqe = write_line_sqe();
      sqe.params_addr = test.address;
      sqe.params_len = test.length;
      expect(test.what, submit(sqe), TransportCode::Fault);
    }
    CapSqe too_long = write_line_sqe();
    too_long.params_len = 64 * 1024;
    expect("params_len 64 KiB", submit(too_long), TransportCode::TooBig);
    still_alive("bad params");
  }

  void bad_results() {
    struct Case {
      const char* what;
      uint64_t address;
    };
    // The ring page is user RW: only the dispatcher's overlap rule keeps results off it (F-032);
    // before it, results were copied over the SQ entries the kernel was consuming.
    const std::array<Case, 9> cases = {{
        {"result in the kernel direct map", kernel_direct_map},
        {"result non-canonical", non_canonical},
        {"result unmapped", unmapped},
        {"result wrapping past 2^64", wraps},
        {"result read-only (CapSet page)", capos::CAPSET_VADDR},
        {"result read-only (.rodata)", capos::address_of(k_read_only.data())},
        {"result over the ring page header", capos::RING_VADDR},
        {"result over the SQ entries", capos::RING_VADDR + 256},
        {"result over the CQ entries", capos::RING_VADDR + 1280},
    }};
    for (const Case& test : cases) {
      CapSqe sqe = write_line_sqe();
      sqe.result_addr = test.address;
      sqe.result_len = 64;
      expect(test.what, submit(sqe), TransportCode::Fault);
    }
    CapSqe small = write_line_sqe();
    small.result_len = 8;  // an empty struct's message needs 16 bytes
    expect("result buffer too small for the results", submit(small), TransportCode::TooBig);
    CapSqe nop{};
    nop.user_data = m_runtime.next_user_data();
    expect("NOP after results aimed at the ring", submit(nop), 0);
    still_alive("bad result buffers");
  }

  void bad_sqes() {
    CapSqe sqe{};
    sqe.user_data = m_runtime.next_user_data();
    sqe.opcode = capos::FIRST_RESERVED_OPCODE;
    expect("reserved opcode 5", submit(sqe), TransportCode::BadOpcode);
    sqe.opcode = 0xff;
    expect("opcode 255", submit(sqe), TransportCode::BadOpcode);
    sqe.opcode = capos::to_raw(capos::Opcode::Nop);
    sqe.flags = 1;
    expect("nonzero SQE flags", submit(sqe), TransportCode::Invalid);
    sqe.flags = 0;
    sqe.pipeline_dep = 7;
    expect("nonzero pipeline_dep", submit(sqe), TransportCode::Invalid);
    sqe.pipeline_dep = 0;
    sqe.pipeline_field = 1;
    expect("nonzero pipeline_field", submit(sqe), TransportCode::Invalid);
    sqe.pipeline_field = 0;
    sqe.xfer_count = 1;
    expect("transfer descriptors on a NOP", submit(sqe), TransportCode::BadXfer);
    sqe.xfer_count = 0;
    expect("NOP", submit(sqe), 0);

    CapSqe transfer = write_line_sqe();
    transfer.xfer_addr = unmapped;
    transfer.xfer_count = 1;
    expect("transfer descriptors unmapped", submit(transfer), TransportCode::Fault);
    transfer.xfer_count = 5;
    expect("5 transfer descriptors", submit(transfer), TransportCode::BadXfer);
    static std::array<capos::XferDesc, 1> descs{};
    transfer.xfer_addr = capos::address_of(descs.data());
    transfer.xfer_count = 1;
    descs[0] = capos::XferDesc{m_console, 3, 0, 0, 0};
    expect("transfer mode 3", submit(transfer), TransportCode::BadXfer);
    descs[0] = capos::XferDesc{m_console, capos::to_raw(capos::TransferMode::Copy), 0, 0, 9};
    expect("transfer descriptor reserved field", submit(transfer), TransportCode::Invalid);
    // Built afresh: the runtime's params buffer was reused by the lines printed since, and the
    // method now decodes its params before the unclaimed transfer is refused (docs/abi.md).
    transfer = write_line_sqe();
    transfer.xfer_addr = capos::address_of(descs.data());
    transfer.xfer_count = 1;
    descs[0].reserved64 = 0;
    expect("COPY to a kernel object", submit(transfer), TransportCode::BadXfer);
    descs[0] =
        capos::XferDesc{m_console + (1U << 24), capos::to_raw(capos::TransferMode::Copy), 0, 0, 0};
    transfer = write_line_sqe();
    transfer.xfer_addr = capos::address_of(descs.data());
    transfer.xfer_count = 1;
    expect("COPY of a stale cap id", submit(transfer), TransportCode::BadXfer);
    still_alive("bad SQEs");
  }

  void bad_caps() {
    CapSqe sqe = write_line_sqe();
    sqe.cap_id = 0;
    expect("cap id 0", submit(sqe), TransportCode::BadCap);
    sqe.cap_id = (m_console & 0xff00'0000U) | 1000;
    expect("cap index never issued", submit(sqe), TransportCode::BadCap);
    sqe.cap_id = m_console + (1U << 24);
    expect("stale generation of a live slot", submit(sqe), TransportCode::BadCap);
    CapSqe recv{};
    recv.user_data = m_runtime.next_user_data();
    recv.opcode = capos::to_raw(capos::Opcode::Recv);
    recv.cap_id = m_console;
    expect("RECV on a Console", submit(recv), TransportCode::BadInterface);
    recv.opcode = capos::to_raw(capos::Opcode::Return);
    expect("RETURN on a Console", submit(recv), TransportCode::BadInterface);
    recv.cap_id = 0;
    expect("RECV on cap id 0", submit(recv), TransportCode::BadCap);
    still_alive("bad caps");
  }

  void bad_calls() {
    CapSqe sqe = write_line_sqe();
    sqe.method_id = 7;
    expect("unknown Console method 7", submit(sqe), TransportCode::BadMethod);
    static std::array<uint8_t, 32> garbage{};
    for (uint8_t& byte : garbage) byte = 0xff;
    sqe = write_line_sqe();
    sqe.params_addr = capos::address_of(garbage.data());
    sqe.params_len = garbage.size();
    expect("malformed params", submit(sqe), TransportCode::Invalid);

    static std::array<uint8_t, 5000> long_data{};
    for (uint8_t& byte : long_data) byte = '.';
    const auto write = capos::gen::Console::Client(m_console).write(
        m_runtime.buffers(), m_runtime.next_user_data(), capos::ByteView(long_data));
    expect("Console.write of 5000 bytes", write ? submit(*write) : ring_failure,
           TransportCode::TooBig);

    auto fill = [](const capos::gen::BootPackage::ReadManifestParams::Builder& params)
        -> capos::capnp::CapnpResult<void> {
      params.set_offset(uint64_t{1} << 40);
      params.set_max_bytes(16);
      return {};
    };
    const auto read = capos::gen::BootPackage::Client(m_boot_package)
                          .read_manifest(m_runtime.buffers(), m_runtime.next_user_data(), fill);
    const int32_t read_result = read ? submit(*read) : ring_failure;
    const int64_t type = exception_type();  // before say() reuses the result buffer
    expect("readManifest past the end", read_result, TransportCode::ApplicationException);
    expect("  ... CapException type invalidArgument", type,
           static_cast<int64_t>(capos::gen::ExceptionType::InvalidArgument));
    still_alive("bad calls");
  }

  // The CapException the last call left at the start of the result buffer, or -1.
  int64_t exception_type() {
    capos::capnp::ReaderOptions options;
    options.trailing_bytes = capos::capnp::TrailingBytes::Allow;
    capos::capnp::MessageReader message(options);
    if (!message.parse(m_runtime.buffers().result)) return -1;
    const auto root = capos::gen::read_root<capos::gen::CapException>(message);
    if (!root || !root->validate()) return -1;
    const auto text = root->get_message();
    if (!text || text->empty()) return -1;
    return static_cast<int64_t>(root->get_type());
  }

  void release() {
    CapSqe sqe{};
    sqe.user_data = m_runtime.next_user_data();
    sqe.opcode = capos::to_raw(capos::Opcode::Release);
    sqe.cap_id = m_manager;
    expect("RELEASE capability_manager", submit(sqe), 0);
    expect("RELEASE it again", submit(sqe), TransportCode::BadCap);
    std::array<capos::rt::CapInfo, 4> caps{};
    const auto listed = capos::rt::CapabilityManagerClient(m_manager).list(m_runtime, caps);
    expect("call through the released cap", listed ? 0 : capos::to_raw(listed.error()),
           TransportCode::BadCap);
    still_alive("RELEASE");
  }

  // Nothing may be printed between a corruption and its check: printing submits through the
  // runtime's ring, whose next submit rewrites sq_tail (repairing it) — so observe, then report.
  void corrupt_ring() {
    capos::RingPage& page = m_runtime.ring_page();
    const uint32_t head = page.sq_head;
    page.sq_tail = head + capos::SQ_ENTRIES + 1;  // claims 17 pending SQEs
    const int64_t first = capos::rt::cap_enter(0, 0);
    const uint32_t flags = page.flags;
    const uint32_t count = page.corrupt_count;
    const uint32_t head_after = page.sq_head;
    const int64_t second = capos::rt::cap_enter(0, 0);
    m_runtime.ring().republish();
    const int64_t repaired = capos::rt::cap_enter(0, 0);
    const uint32_t flags_repaired = page.flags;

    page.cq_head = page.cq_tail - capos::CQ_ENTRIES - 1;  // claims 33 unreaped CQEs
    const int64_t cq_corrupt = capos::rt::cap_enter(0, 0);
    m_runtime.ring().republish();
    CapSqe nop{};
    nop.user_data = m_runtime.next_user_data();
    const int32_t nop_result = submit(nop);
    const uint32_t final_count = page.corrupt_count;

    expect("cap_enter with sq_tail 17 ahead", first, TransportCode::RingCorrupt);
    expect("  ... RING_CORRUPT flag set", flags & capos::RING_FLAG_CORRUPT,
           int64_t{capos::RING_FLAG_CORRUPT});
    expect("  ... corrupt_count", count, 1);
    expect("  ... sq_head unchanged", head_after, head);
    expect("cap_enter again while still corrupt", second, TransportCode::RingCorrupt);
    expect("cap_enter after repairing sq_tail", repaired, 0);
    expect("  ... RING_CORRUPT flag cleared", flags_repaired & capos::RING_FLAG_CORRUPT, 0);
    expect("cap_enter with cq_head 33 behind", cq_corrupt, TransportCode::RingCorrupt);
    expect("NOP after repairing cq_head", nop_result, 0);
    expect("  ... corrupt_count", final_count, 3);
    still_alive("ring corruption");
  }

  void syscalls() {
    struct Case {
      const char* what;
      uint64_t number;
    };
    const std::array<Case, 3> cases = {{
        {"syscall 2", 2},
        {"syscall 0xffffffff", 0xffff'ffff},
        {"syscall 2^63", uint64_t{1} << 63},
    }};
    for (const Case& test : cases) {
      int64_t result = 0;
      const uint64_t clobbered = capos_probe_syscall(test.number, &result);
      expect(test.what, result, TransportCode::Invalid);
      expect("  ... registers other than rax, rcx, r11 preserved", static_cast<int64_t>(clobbered),
             0);
    }
    int64_t result = 0;
    // The probe's min_complete (0x1111...01) is clamped to the CQ size and its timeout
    // (0x2222...02) is not 0: nothing can complete, so TIMED_OUT (docs/abi.md "cap_enter").
    const uint64_t clobbered = capos_probe_syscall(capos::SYS_CAP_ENTER, &result);
    expect("cap_enter(huge min_complete, huge timeout) through the probe", result,
           TransportCode::TimedOut);
    expect("  ... registers other than rax, rcx, r11 preserved", static_cast<int64_t>(clobbered),
           0);
    expect("cap_enter(33, 0) with nothing pending", capos::rt::cap_enter(capos::CQ_ENTRIES + 1, 0),
           0);
    // F-033: a huge min_complete still consumes the SQ first, and timeout 0 returns the count.
    CapSqe nop{};
    nop.user_data = m_runtime.next_user_data();
    const bool queued = m_runtime.ring().submit(nop).has_value();
    const uint32_t head_before = m_runtime.ring_page().sq_head;
    const int64_t entered = capos::rt::cap_enter(1000, 0);
    const uint32_t head_after = m_runtime.ring_page().sq_head;
    const capos::Result<CapCqe> reaped = m_runtime.ring().reap();
    const bool matched =
        queued && reaped.has_value() && reaped->user_data == nop.user_data && reaped->result == 0;
    expect("cap_enter(1000, 0) with a NOP queued", entered, 1);
    expect("  ... the NOP was consumed", head_after - head_before, 1);
    expect("  ... and completed", matched ? 1 : 0, 1);
    expect("cap_enter(1, 0) with nothing pending", capos::rt::cap_enter(1, 0), 0);
    expect("cap_enter(1, 1000) with nothing pending", capos::rt::cap_enter(1, 1000),
           TransportCode::TimedOut);
    // TODO(scheduler): SPEC §4 says UINT64_MAX waits without limit; until something can complete
    // while this process waits, the kernel answers TIMED_OUT at once (docs/abi.md).
    expect("cap_enter(1, infinite) with nothing pending",
           capos::rt::cap_enter(1, capos::TIMEOUT_INFINITE), TransportCode::TimedOut);
    still_alive("hostile syscalls");
  }

  // Seed §2 "hostile interrupts / preemption": the tick preempts this program hundreds of times
  // (the kernel's exit line counts the ticks taken in user mode: ~500 on an idle host;
  // qemu.hostile_user requires at least 20, as a loaded host drops ticks) while every
  // general-purpose register, xmm0-15, MXCSR, the x87 control word and st(0) hold patterns and
  // RFLAGS.AC/DF are set (a kernel entry that kept AC would run with SMAP off: the interrupt
  // dispatcher KASSERTs AC = DF = 0); none may change. Spins for a fixed number of TSC cycles, not
  // iterations, so the tick count does not depend on how fast the emulator runs.
  void preemption() {
    constexpr uint64_t budget_cycles = uint64_t{1} << 30;  // ~0.5 s at a 2 GHz TSC
    constexpr uint64_t iterations_per_probe = uint64_t{1} << 18;
    const uint64_t start = capos::rt::read_cycle_counter();
    uint64_t lost = 0;
    uint64_t probes = 0;
    while (capos::rt::read_cycle_counter() - start < budget_cycles) {
      lost |= capos_probe_preemption(iterations_per_probe);
      ++probes;
    }
    say(Line()
            .add("hostile: spun ")
            .add(probes)
            .add(" x ")
            .add(iterations_per_probe)
            .add(" iterations with every register live"));
    expect("registers, xmm0-15, MXCSR, FCW, st(0), AC, DF after preemption (lost mask)",
           static_cast<int64_t>(lost), 0);
    still_alive("preemption");
  }

  capos::rt::Runtime& m_runtime;
  CapId m_console = 0;
  CapId m_boot_package = 0;
  CapId m_manager = 0;
  uint64_t m_passed = 0;
  uint64_t m_total = 0;
};

}  // namespace

int64_t capos_main(capos::rt::Runtime& runtime) {
  Hostile hostile(runtime);
  return hostile.run();
}
