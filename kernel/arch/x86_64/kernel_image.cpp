#include "kernel/arch/x86_64/kernel_image.h"

#include <array>

#include "kernel/arch/x86_64/asm_constants.h"

// Symbols defined by linker.ld. Only their addresses are meaningful.
extern "C" {
extern const char capos_text_start[], capos_text_end[];
extern const char capos_rodata_start[], capos_rodata_end[];
extern const char capos_data_start[], capos_data_end[];
extern const char capos_boot_stack_guard[], capos_boot_stack_bottom[], capos_boot_stack_top[];
extern const char capos_double_fault_stack_guard[], capos_double_fault_stack_bottom[],
    capos_double_fault_stack_top[];
extern const char capos_nmi_stack_guard[], capos_nmi_stack_bottom[], capos_nmi_stack_top[];
extern const char capos_machine_check_stack_guard[], capos_machine_check_stack_bottom[],
    capos_machine_check_stack_top[];
extern const char capos_thread_stack_guard[], capos_thread_stack_bottom[], capos_thread_stack_top[];
extern const char capos_kernel_virt_end[];
}

namespace capos::kernel::x86_64 {

namespace {

// SAFETY: takes the address of a linker-defined symbol as an integer; the symbol is never
// dereferenced through this value.
uint64_t address_of(const char* symbol) { return reinterpret_cast<uint64_t>(symbol); }

KernelSection section(const char* name, const char* start, const char* end, PageAccess access) {
  return {name, address_of(start), address_of(end), address_of(start) - KERNEL_VIRT_OFFSET, access};
}

struct StackSymbols {
  const char* guard;
  const char* bottom;
  const char* top;
};

StackSymbols stack_symbols(KernelStack stack) {
  switch (stack) {
    case KernelStack::Boot:
      return {capos_boot_stack_guard, capos_boot_stack_bottom, capos_boot_stack_top};
    case KernelStack::DoubleFault:
      return {capos_double_fault_stack_guard, capos_double_fault_stack_bottom,
              capos_double_fault_stack_top};
    case KernelStack::Nmi:
      return {capos_nmi_stack_guard, capos_nmi_stack_bottom, capos_nmi_stack_top};
    case KernelStack::MachineCheck:
      return {capos_machine_check_stack_guard, capos_machine_check_stack_bottom,
              capos_machine_check_stack_top};
    case KernelStack::Thread:
      return {capos_thread_stack_guard, capos_thread_stack_bottom, capos_thread_stack_top};
  }
  return {capos_boot_stack_guard, capos_boot_stack_bottom, capos_boot_stack_top};
}

// Filled on first use: the addresses are link-time constants but not constant expressions, and
// the kernel has no global constructors.
constinit std::array<KernelSection, 8> g_sections{};
constinit bool g_sections_ready = false;

}  // namespace

uint64_t stack_top(KernelStack stack) { return address_of(stack_symbols(stack).top); }

uint64_t stack_guard(KernelStack stack) { return address_of(stack_symbols(stack).guard); }

uint64_t stack_bottom(KernelStack stack) { return address_of(stack_symbols(stack).bottom); }

std::span<const KernelSection> image_sections() {
  if (!g_sections_ready) {
    g_sections = {
        section("text", capos_text_start, capos_text_end, PageAccess::ReadExecute),
        section("rodata", capos_rodata_start, capos_rodata_end, PageAccess::ReadOnly),
        section("data+bss", capos_data_start, capos_data_end, PageAccess::ReadWrite),
        section("boot stack", capos_boot_stack_bottom, capos_boot_stack_top, PageAccess::ReadWrite),
        section("#DF stack", capos_double_fault_stack_bottom, capos_double_fault_stack_top,
                PageAccess::ReadWrite),
        section("NMI stack", capos_nmi_stack_bottom, capos_nmi_stack_top, PageAccess::ReadWrite),
        section("#MC stack", capos_machine_check_stack_bottom, capos_machine_check_stack_top,
                PageAccess::ReadWrite),
        section("thread stack", capos_thread_stack_bottom, capos_thread_stack_top,
                PageAccess::ReadWrite),
    };
    g_sections_ready = true;
  }
  return g_sections;
}

PhysicalRange image_physical_range() {
  return {KERNEL_PHYS_BASE, address_of(capos_kernel_virt_end) - KERNEL_VIRT_OFFSET};
}

}  // namespace capos::kernel::x86_64
