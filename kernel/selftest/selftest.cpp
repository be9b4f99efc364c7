#include "kernel/selftest/selftest.h"

#include <array>
#include <cstdint>

#include "kernel/arch/current.h"
#include "kernel/lib/log.h"
#include "kernel/mem/direct_map.h"
#include "kernel/mem/kernel_address_space.h"
#include "kernel/mem/physical_memory.h"
#include "kernel/selftest/thread_selftests.h"
#include "lib/core/bytes.h"
#include "lib/core/panic.h"

namespace capos::kernel {

namespace {

using boot::SelfTest;

// A user-half address for the SMAP/SMEP probes (SPEC §4: user space starts at 0x1000).
constexpr uint64_t user_probe_address = 0x0000'0000'0040'0000;
constexpr uint8_t return_instruction = 0xc3;  // x86 `ret`
// A kernel-half address in PML4 slot 300, which nothing maps (the direct map is slot 256, the
// kernel image slot 511), for the kernelhalf test.
constexpr uint64_t unused_kernel_slot_address = 0xffff'9600'0000'0000;

// Kernel data (RW, NX) holding a `ret`, for the NX test.
constinit std::array<uint8_t, 16> g_data_probe{return_instruction};
// Kernel rodata (R, NX) for the write-protect test.
[[gnu::used]] constexpr uint64_t rodata_probe_value = 0x0123'4567'89ab'cdef;
[[gnu::used]] const uint64_t g_rodata_probe = rodata_probe_value;

// Maps one fresh zeroed frame at user_probe_address as a user page; returns its physical address.
uint64_t map_user_probe(PageAccess access) {
  const Result<uint64_t> frame = mem::allocate_zeroed_frame();
  KASSERT(frame.has_value());
  const Result<void> mapped = mem::kernel_page_table().map(PageMapping{
      .virtual_address = user_probe_address,
      .physical_address = *frame,
      .size = PageSize::Base,
      .access = access,
      .privilege = PagePrivilege::User,
  });
  KASSERT(mapped.has_value());
  return *frame;
}

// The probes below are deliberate accesses the MMU must refuse (the arch layer's load_at /
// store_at / execute_at do the raw access). Only reachable through capos.selftest=.
uint64_t read_user_probe() { return Arch::load_at(user_probe_address); }

void page_fault() {
  log::info("selftest pagefault: writing to the guard page below the kernel stack (expect #PF)");
  Arch::store_at(Arch::kernel_stack_guard_page(), 1);
}

void smap() {
  map_user_probe(PageAccess::ReadWrite);
  uint64_t value = Arch::load_in_user_window(user_probe_address);
  log::info("selftest smap: read a user page inside a stac/clac window: ok (value {})", value);
  log::info("selftest smap: reading the user page outside the window (expect #PF)");
  value = read_user_probe();
  log::info("selftest smap: read returned {}", value);
}

void smep() {
  const uint64_t frame = map_user_probe(PageAccess::ReadExecute);
  *mem::physical_to_virtual<uint8_t>(frame) = return_instruction;
  log::info("selftest smep: executing a user page from the kernel (expect #PF)");
  Arch::execute_at(user_probe_address);
}

void no_execute() {
  log::info("selftest nx: executing kernel data (expect #PF)");
  // The address of a static (RW, NX) object, used as a deliberately bad call target.
  Arch::execute_at(address_of(g_data_probe.data()));
}

void write_protect() {
  log::info("selftest wp: writing to kernel rodata (expect #PF)");
  // SAFETY: deliberately writes a read-only object; the MMU must refuse (CR0.WP = 1).
  *const_cast<volatile uint64_t*>(&g_rodata_probe) = 0;
}

void double_fault() {
  log::info("selftest doublefault: overflowing the kernel stack into its guard page (expect #DF)");
  Arch::trigger_double_fault();
}

// F-020: once a process table has copied the kernel's PML4 slots 256..511, a kernel mapping
// that needs a new PML4 entry must be refused, not made invisible to that process. The one
// self-test that passes (PASS exit) instead of faulting: it checks a refusal.
void kernel_half_sealed() {
  const Result<Arch::PageTable> process = Arch::PageTable::create_sharing_kernel_half(
      &mem::allocate_zeroed_frame, mem::kernel_page_table());
  KASSERT(process.has_value());
  const Result<uint64_t> frame = mem::allocate_zeroed_frame();
  KASSERT(frame.has_value());
  const Result<void> mapped = mem::kernel_page_table().map(PageMapping{
      .virtual_address = unused_kernel_slot_address,
      .physical_address = *frame,
      .size = PageSize::Base,
      .access = PageAccess::ReadWrite,
      .privilege = PagePrivilege::Kernel,
  });
  if (!mapped && mapped.error() == Error::InvalidState &&
      mem::kernel_page_table().kernel_half_sealed() &&
      !process->lookup(unused_kernel_slot_address)) {
    log::info("selftest kernelhalf: kernel mapping in a new PML4 slot after sharing -> {}: ok",
              error_name(mapped.error()));
    Arch::exit_emulator(ExitStatus::Pass);
  }
  log::info("selftest kernelhalf: a new kernel PML4 slot was accepted after sharing");
}

// F-019: the user-copy routine faulting on a user page (here an unmapped one, standing for a
// page that went away after validation) must come back as a failed copy through its fixup, with
// the kernel still running; then the window must be closed again (a read of a mapped user page
// outside a window must still fault under SMAP — checked by the smap self-test, not here).
void user_copy_fixup() {
  log::info("selftest usercopy: copying from an unmapped user page inside a window");
  const bool copied = Arch::user_copy_at(user_probe_address, sizeof(uint64_t));
  if (!copied) {
    log::info("selftest usercopy: copy faulted and returned through the fixup: ok");
    Arch::exit_emulator(ExitStatus::Pass);
  }
  log::info("selftest usercopy: the copy from an unmapped page reported success");
}

}  // namespace

void run_self_test(SelfTest test) {
  log::info("selftest {}: start", boot::self_test_name(test));
  switch (test) {
    case SelfTest::None: break;
    case SelfTest::PageFault: page_fault(); break;
    case SelfTest::Smap: smap(); break;
    case SelfTest::Smep: smep(); break;
    case SelfTest::NoExecute: no_execute(); break;
    case SelfTest::WriteProtect: write_protect(); break;
    case SelfTest::DoubleFault: double_fault(); break;
    case SelfTest::Panic:
      capos_panic("selftest panic: deliberate kernel panic", __FILE__, __LINE__);
    case SelfTest::KernelHalf: kernel_half_sealed(); break;
    case SelfTest::UserCopy: user_copy_fixup(); break;
    case SelfTest::Timer: self_test_timer();
    case SelfTest::Spurious: self_test_spurious();
    case SelfTest::Switch: self_test_switch();
    case SelfTest::IrqSwitch: self_test_irq_switch();
    case SelfTest::StackGuard: self_test_stack_guard();
    case SelfTest::KernelIrq:
      log::info("selftest kernelirq: enabling interrupts in the kernel (expect a refused tick)");
      Arch::spin_with_interrupts_enabled();
    case SelfTest::BenchSwitch: bench_switch();
  }
  log::info("selftest {}: FAILED: no fault", boot::self_test_name(test));
  Arch::exit_emulator(ExitStatus::Fail);
}

}  // namespace capos::kernel
