#include "kernel/arch/x86_64/platform.h"

#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/debug_exit.h"
#include "kernel/arch/x86_64/gdt.h"
#include "kernel/arch/x86_64/idt.h"
#include "kernel/arch/x86_64/kernel_image.h"
#include "kernel/arch/x86_64/protection.h"
#include "kernel/arch/x86_64/selftest_triggers.h"
#include "kernel/arch/x86_64/serial.h"
#include "kernel/arch/x86_64/tss.h"

namespace capos::kernel::x86_64 {

namespace {

// Legacy 8259 PIC data ports: writing 0xff masks every IRQ line. Phase 1 runs with interrupts
// disabled; masking also keeps a stray IRQ off vectors 8-15, which the BIOS mapping would make
// look like exceptions. Phase 2 remaps the PICs (or uses the APIC) before enabling the timer.
constexpr uint16_t pic_master_data = 0x21;
constexpr uint16_t pic_slave_data = 0xa1;

}  // namespace

void Platform::console_init() { com1().init(); }

void Platform::console_write(std::span<const char> text) { com1().write(text); }

void Platform::exit_emulator(ExitStatus status) { debug_exit(status); }

void Platform::cpu_init() {
  disable_interrupts();
  out8(pic_master_data, 0xff);
  out8(pic_slave_data, 0xff);
  tss_init();
  gdt_init();
  idt_init();
  enable_global_pages();
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

}  // namespace capos::kernel::x86_64
