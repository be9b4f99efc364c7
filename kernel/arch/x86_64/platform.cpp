#include "kernel/arch/x86_64/platform.h"

#include "kernel/arch/x86_64/apic.h"
#include "kernel/arch/x86_64/debug_exit.h"
#include "kernel/arch/x86_64/fpu.h"
#include "kernel/arch/x86_64/gdt.h"
#include "kernel/arch/x86_64/idt.h"
#include "kernel/arch/x86_64/interrupts.h"
#include "kernel/arch/x86_64/kernel_image.h"
#include "kernel/arch/x86_64/pic.h"
#include "kernel/arch/x86_64/protection.h"
#include "kernel/arch/x86_64/serial.h"
#include "kernel/arch/x86_64/tss.h"
#include "kernel/lib/log.h"
#include "lib/core/panic.h"

namespace capos::kernel::x86_64 {

namespace {

constinit bool g_exiting = false;

}  // namespace

void Platform::console_init() { com1().init(); }

void Platform::console_write(std::span<const char> text) { com1().write(text); }

void Platform::exit_emulator(ExitStatus status) {
  // One summary line at the end of every boot the tick ran in (tests/qemu read the user-mode
  // count); a fault while printing it must not recurse.
  if (!g_exiting && timer_running()) {
    g_exiting = true;
    const InterruptStatistics stats = interrupt_statistics();
    log::info(
        "timer: {} ticks at {} Hz ({} in user mode); spurious: {} local APIC, {} 8259; "
        "unexpected: {}",
        stats.timer_ticks, tick_hz, stats.ticks_from_user, stats.spurious_local,
        stats.spurious_legacy, stats.unexpected);
  }
  debug_exit(status);
}

void Platform::cpu_init() {
  disable_interrupts();
  // Masked at once: until pic_init remaps them, an IRQ would land on an exception vector.
  pic_mask_all();
  tss_init();
  gdt_init();
  idt_init();
  enable_global_pages();
}

Result<TimerCalibration, InterruptInitError> Platform::interrupts_init(PageTable& kernel_table) {
  // interrupt_entry.S runs clac on every interrupt: valid only with SMAP on (protection.cpp).
  KASSERT(smap_active());
  pic_init();
  TRY(apic_init(kernel_table));
  interrupts_install();
  return timer_init();
}

InterruptStatistics Platform::interrupt_statistics() { return x86_64::interrupt_statistics(); }

Result<ExtendedStateInfo, ExtendedStateError> Platform::extended_state_init() {
  return x86_64::extended_state_init();
}

Result<ProtectionState, MissingFeature> Platform::enable_protections() {
  return x86_64::enable_protections();
}

std::span<const KernelSection> Platform::kernel_sections() { return image_sections(); }

PhysicalRange Platform::kernel_image() { return image_physical_range(); }

uint64_t Platform::kernel_stack_guard_page() { return stack_guard(KernelStack::Boot); }

void Platform::execute_at(uint64_t address) { x86_64::execute_at(address); }
uint64_t Platform::load_at(uint64_t address) { return x86_64::load_at(address); }
uint64_t Platform::load_in_user_window(uint64_t address) {
  return x86_64::load_in_user_window(address);
}
void Platform::store_at(uint64_t address, uint64_t value) { x86_64::store_at(address, value); }
bool Platform::user_copy_at(uint64_t address, uint64_t bytes) {
  return x86_64::user_copy_at(address, bytes);
}

void Platform::trigger_double_fault() { x86_64::trigger_double_fault(); }

void Platform::intercept_timer_ticks(void (*hook)()) { x86_64::intercept_timer_ticks(hook); }

}  // namespace capos::kernel::x86_64
