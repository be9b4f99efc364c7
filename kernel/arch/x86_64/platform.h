// kernel/arch/x86_64/platform.h — x86-64 (PC, Multiboot2) behind the Architecture concept.
//
// A stateless facade: each member forwards to the one object that owns the hardware (serial.cpp,
// gdt.cpp, idt.cpp, page_table.cpp, protection.cpp, ...). kernel/arch/current.h checks it against
// the concept.
#pragma once

#include <cstdint>
#include <span>

#include "kernel/arch/arch.h"
#include "kernel/arch/x86_64/asm_constants.h"
#include "kernel/arch/x86_64/page_table.h"
#include "kernel/arch/x86_64/user_mode.h"

namespace capos::kernel::x86_64 {

struct Platform {
  static constexpr uint64_t page_size = 4096;
  static constexpr uint64_t large_page_size = uint64_t{2} << 20;
  static constexpr uint64_t direct_map_base = DIRECT_MAP_BASE;
  // PML4 slots 256..383 (64 TiB); slots 384..510 stay free for later kernel regions.
  static constexpr uint64_t direct_map_capacity = uint64_t{64} << 40;
  // boot.S maps physical [0, 4 GiB) at direct_map_base before kmain runs.
  static constexpr uint64_t early_direct_map_limit = uint64_t{4} << 30;
  // SPEC §4: the user half is [0x1000, 0x0000_8000_0000_0000).
  static constexpr uint64_t user_space_end = uint64_t{1} << 47;

  using PageTable = x86_64::PageTable;

  static void console_init();
  static void console_write(std::span<const char> text);
  [[noreturn]] static void exit_emulator(ExitStatus status);

  static void cpu_init();
  static Result<ProtectionState, MissingFeature> enable_protections();

  static std::span<const KernelSection> kernel_sections();
  static PhysicalRange kernel_image();

  static void user_mode_init() { x86_64::user_mode_init(); }
  [[noreturn]] static void enter_user(const UserEntry& entry) { x86_64::enter_user(entry); }
  static constexpr uint64_t thread_stack_size = x86_64::thread_stack_size;
  static uint64_t thread_stack_high_water() { return x86_64::thread_stack_high_water(); }

  static uint64_t kernel_stack_guard_page();
  static void execute_at(uint64_t address);
  static uint64_t load_at(uint64_t address);
  static uint64_t load_in_user_window(uint64_t address);
  static void store_at(uint64_t address, uint64_t value);
  static bool user_copy_at(uint64_t address, uint64_t bytes);
  static void trigger_double_fault();
};

}  // namespace capos::kernel::x86_64
