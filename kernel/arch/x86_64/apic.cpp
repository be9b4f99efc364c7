#include "kernel/arch/x86_64/apic.h"

#include "kernel/arch/x86_64/cpu.h"
#include "lib/core/panic.h"

namespace capos::kernel::x86_64 {

namespace {

// CPUID.01H:EDX[9]: an on-chip APIC.
constexpr uint32_t cpuid_apic = uint32_t{1} << 9;
// IA32_APIC_BASE (SDM Vol. 3A §11.4.4): bit 10 x2APIC mode, bit 11 global enable, 12..51 base.
constexpr uint32_t msr_apic_base = 0x1b;
constexpr uint64_t apic_base_x2apic = uint64_t{1} << 10;
constexpr uint64_t apic_base_enable = uint64_t{1} << 11;
constexpr uint64_t apic_base_address_mask = 0x000f'ffff'ffff'f000;
// IA32_PAT: entry 3 (PCD = PWT = 1, PAT = 0) must be UC (0) for PageCache::Uncached.
constexpr uint32_t msr_pat = 0x277;
constexpr uint64_t pat_entry3_mask = uint64_t{0xff} << 24;
constexpr uint64_t pat_power_on_default = 0x0007'0406'0007'0406;

// Register offsets (SDM Table 11-1).
constexpr uint32_t reg_version = 0x30;
constexpr uint32_t reg_task_priority = 0x80;
constexpr uint32_t reg_eoi = 0xb0;
constexpr uint32_t reg_spurious = 0xf0;
constexpr uint32_t reg_error_status = 0x280;
constexpr uint32_t reg_lvt_timer = 0x320;
constexpr uint32_t reg_lvt_thermal = 0x330;
constexpr uint32_t reg_lvt_performance = 0x340;
constexpr uint32_t reg_lvt_lint0 = 0x350;
constexpr uint32_t reg_lvt_error = 0x370;
constexpr uint32_t reg_timer_initial = 0x380;
constexpr uint32_t reg_timer_current = 0x390;
constexpr uint32_t reg_timer_divide = 0x3e0;

constexpr uint32_t spurious_software_enable = uint32_t{1} << 8;
constexpr uint32_t lvt_masked = uint32_t{1} << 16;
constexpr uint32_t lvt_timer_periodic = uint32_t{1} << 17;
constexpr uint32_t timer_divide_by_16 = 0x3;  // divide configuration encoding for 16
constexpr unsigned version_max_lvt_shift = 16;
constexpr uint32_t max_lvt_mask = 0xff;
constexpr uint32_t max_lvt_with_performance = 4;
constexpr uint32_t max_lvt_with_thermal = 5;

constinit bool g_mapped = false;

// SAFETY: `offset` is one of the register offsets above (< 0x400, 16-byte aligned); the page at
// device_window_base maps the local APIC's registers uncached (apic_init), and these accesses
// are the aligned 32-bit loads/stores the APIC requires. volatile keeps each access in place.
volatile uint32_t& reg(uint32_t offset) {
  KASSERT(g_mapped);
  // SAFETY: see above: a register of the uncached local APIC page, aligned 32-bit access.
  // NOLINTNEXTLINE(performance-no-int-to-ptr): the register page's fixed kernel mapping
  return *reinterpret_cast<volatile uint32_t*>(device_window_base + offset);
}

uint32_t read(uint32_t offset) { return reg(offset); }
void write(uint32_t offset, uint32_t value) { reg(offset) = value; }

Result<void, InterruptInitError> map_registers(PageTable& kernel_table, uint64_t physical) {
  if ((read_msr(msr_pat) & pat_entry3_mask) != 0) write_msr(msr_pat, pat_power_on_default);
  const Result<void> mapped = kernel_table.map(PageMapping{
      .virtual_address = device_window_base,
      .physical_address = physical,
      .size = PageSize::Base,
      .access = PageAccess::ReadWrite,
      .privilege = PagePrivilege::Kernel,
      .cache = PageCache::Uncached,
  });
  if (!mapped) return InterruptInitError::MapFailed;
  g_mapped = true;
  return {};
}

}  // namespace

Result<void, InterruptInitError> apic_init(PageTable& kernel_table) {
  if ((cpuid(1, 0).edx & cpuid_apic) == 0) return InterruptInitError::NoLocalApic;
  uint64_t base = read_msr(msr_apic_base);
  if ((base & apic_base_x2apic) != 0) return InterruptInitError::X2ApicLeftEnabled;
  if ((base & apic_base_enable) == 0) {
    base |= apic_base_enable;
    write_msr(msr_apic_base, base);
  }
  TRY(map_registers(kernel_table, base & apic_base_address_mask));

  const uint32_t max_lvt = (read(reg_version) >> version_max_lvt_shift) & max_lvt_mask;
  write(reg_task_priority, 0);
  write(reg_lvt_timer, lvt_masked | timer_vector);
  write(reg_lvt_lint0, lvt_masked);
  if (max_lvt >= max_lvt_with_performance) write(reg_lvt_performance, lvt_masked);
  if (max_lvt >= max_lvt_with_thermal) write(reg_lvt_thermal, lvt_masked);
  write(reg_lvt_error, apic_error_vector);
  write(reg_error_status, 0);  // the ESR latches on write (SDM §11.5.3)
  write(reg_error_status, 0);
  write(reg_timer_divide, timer_divide_by_16);
  write(reg_spurious, spurious_software_enable | apic_spurious_vector);
  write(reg_eoi, 0);  // nothing firmware left in service survives
  return {};
}

void apic_timer_start_free_running(uint32_t initial) {
  write(reg_lvt_timer, lvt_masked | timer_vector);  // one-shot, masked: a counter only
  write(reg_timer_divide, timer_divide_by_16);
  write(reg_timer_initial, initial);
}

uint32_t apic_timer_current() { return read(reg_timer_current); }

void apic_timer_start_periodic(uint32_t period) {
  write(reg_timer_divide, timer_divide_by_16);
  write(reg_lvt_timer, lvt_timer_periodic | timer_vector);
  write(reg_timer_initial, period);
}

void apic_timer_stop() {
  write(reg_lvt_timer, lvt_masked | timer_vector);
  write(reg_timer_initial, 0);
}

void apic_end_of_interrupt() { write(reg_eoi, 0); }

uint32_t apic_take_error_status() {
  write(reg_error_status, 0);
  return read(reg_error_status);
}

}  // namespace capos::kernel::x86_64
