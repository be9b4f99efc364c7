// kernel/arch/x86_64/platform.h — x86-64 (PC, Multiboot2) behind the Architecture concept.
//
// A stateless facade: each member forwards to the one object that owns the hardware (serial.cpp,
// gdt.cpp, idt.cpp, page_table.cpp, protection.cpp, apic.cpp, timer.cpp, context.cpp, ...).
// kernel/arch/current.h checks it against each sub-concept of kernel/arch/arch.h.
#pragma once

#include <cstdint>
#include <span>

#include "kernel/arch/arch.h"
#include "kernel/arch/x86_64/asm_constants.h"
#include "kernel/arch/x86_64/context.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/page_table.h"
#include "kernel/arch/x86_64/selftest_triggers.h"
#include "kernel/arch/x86_64/timer.h"
#include "kernel/arch/x86_64/user_mode.h"

extern "C" void capos_wait_for_interrupt();  // interrupt_entry.S

namespace capos::kernel::x86_64 {

struct Platform {
  // --- ArchConsole ---
  static void console_init();
  static void console_write(std::span<const char> text);
  // Prints the interrupt counters (once the tick runs), then leaves QEMU.
  [[noreturn]] static void exit_emulator(ExitStatus status);

  // --- ArchPaging ---
  static constexpr uint64_t page_size = 4096;
  static constexpr uint64_t large_page_size = uint64_t{2} << 20;
  static constexpr uint64_t direct_map_base = DIRECT_MAP_BASE;
  // PML4 slots 256..383 (64 TiB); slots 384..510 stay free (and, once a process exists,
  // unusable: F-020). Later kernel regions live under slot 511, which holds the kernel image.
  static constexpr uint64_t direct_map_capacity = uint64_t{64} << 40;
  // boot.S maps physical [0, 4 GiB) at direct_map_base before kmain runs.
  static constexpr uint64_t early_direct_map_limit = uint64_t{4} << 30;
  // SPEC §4: the user half is [0x1000, 0x0000_8000_0000_0000).
  static constexpr uint64_t user_space_end = uint64_t{1} << 47;
  // Slot 511, PDPT entry 508: 1 GiB for kernel stacks; entry 509 holds the device window
  // (apic.h); entries 510-511 the kernel image (-mcmodel=kernel).
  static constexpr uint64_t kernel_stack_region_base = 0xffff'ffff'0000'0000;
  static constexpr uint64_t kernel_stack_region_bytes = uint64_t{1} << 30;

  static std::span<const KernelSection> kernel_sections();
  static PhysicalRange kernel_image();
  static Result<ProtectionState, MissingFeature> enable_protections();
  using PageTable = x86_64::PageTable;

  // --- ArchUserMode ---
  static void user_mode_init() { x86_64::user_mode_init(); }
  [[noreturn]] static void enter_user(const UserEntry& entry) { x86_64::enter_user(entry); }
  static constexpr uint64_t thread_stack_size = x86_64::thread_stack_size;
  static uint64_t thread_stack_high_water() { return x86_64::thread_stack_high_water(); }

  // --- ArchInterrupts ---
  static void cpu_init();
  static Result<TimerCalibration, InterruptInitError> interrupts_init(PageTable& kernel_table);
  static constexpr uint64_t tick_hz = x86_64::tick_hz;
  static uint64_t monotonic_ns() { return x86_64::monotonic_ns(); }
  static InterruptStatistics interrupt_statistics();
  static void wait_for_interrupt() { capos_wait_for_interrupt(); }

  // --- ArchContextSwitch ---
  using ThreadContext = x86_64::ThreadContext;
  static Result<ExtendedStateInfo, ExtendedStateError> extended_state_init();
  static uint64_t thread_context_bytes() { return x86_64::thread_context_bytes(); }
  static ThreadContext& boot_context() { return x86_64::boot_context(); }
  static void prepare_kernel_thread(ThreadContext& context, const ThreadMemory& memory,
                                    const PageTable& space, KernelThreadEntry entry,
                                    uint64_t argument) {
    x86_64::prepare_kernel_thread(context, memory, space, entry, argument);
  }
  static void prepare_user_thread(ThreadContext& context, const ThreadMemory& memory,
                                  const PageTable& space, const UserEntry& entry) {
    x86_64::prepare_user_thread(context, memory, space, entry);
  }
  static void switch_context(ThreadContext& from, ThreadContext& to) {
    x86_64::switch_context(from, to);
  }

  // --- ArchSelfTest ---
  static uint64_t kernel_stack_guard_page();
  static void execute_at(uint64_t address);
  static uint64_t load_at(uint64_t address);
  static uint64_t load_in_user_window(uint64_t address);
  static void store_at(uint64_t address, uint64_t value);
  static bool user_copy_at(uint64_t address, uint64_t bytes);
  static void trigger_double_fault();
  [[noreturn]] static void overflow_stack() { x86_64::overflow_stack(); }
  static uint64_t switch_probe(ThreadContext& from, ThreadContext& to, uint64_t seed) {
    return capos_switch_probe(&from, &to, seed);
  }
  static uint64_t initial_state_probe() { return capos_initial_state_probe(); }
  static void raise_spurious_interrupts() { x86_64::raise_spurious_interrupts(); }
  [[noreturn]] static void spin_with_interrupts_enabled() {
    x86_64::spin_with_interrupts_enabled();
  }
  static void intercept_timer_ticks(void (*hook)());
  static void start_reference_interval(uint64_t microseconds) {
    x86_64::start_reference_interval(microseconds);
  }
  static bool reference_interval_elapsed() { return x86_64::reference_interval_elapsed(); }
  static uint64_t cycle_counter() { return read_tsc(); }
};

}  // namespace capos::kernel::x86_64
