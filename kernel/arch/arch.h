// kernel/arch/arch.h — the contract between portable kernel code and an architecture.
//
// Portable code (kernel/*.cpp outside kernel/arch/<name>/) sees the hardware only through a type
// satisfying `Architecture`; kernel/arch/current.h names that type and static_asserts the
// concept (STYLE.md: a concept, never #ifdef). Everything hardware-shaped — instructions,
// descriptor tables, PTE bits, port numbers, interrupt vectors — stays behind it.
//
// The contract is the conjunction of six concepts, one per mechanism, so a change to one (the
// scheduler driving the context switch, say) reads and reviews on its own:
//   ArchConsole        the console (the test oracle) and the end of a boot
//   ArchPaging         page tables, the kernel image, the kernel regions, NX/WP/SMEP/SMAP
//   ArchUserMode       SYSCALL/exception entry, the first user thread, the user-access window
//   ArchInterrupts     descriptor tables, legacy PICs, the periodic tick, the monotonic clock,
//                      the idle wait
//   ArchContextSwitch  per-thread kernel context: prepare, switch, extended (FPU/SIMD) state
//   ArchSelfTest       triggers only tests/qemu reach (kernel/selftest/)
// Types that cross the boundary are in arch_types.h; the upcalls portable code implements are
// declared below. docs/design.md "Interrupts, time and context switch" records the decisions.
#pragma once

#include <concepts>
#include <cstdint>
#include <optional>
#include <span>
#include <utility>

#include "kernel/arch/arch_types.h"
#include "lib/core/result.h"

namespace capos::kernel {

// Upcalls: portable code implements them; the architecture calls them from its entries, on the
// current thread's kernel stack with interrupts disabled.
// Returns the value for the user's rax (kernel/proc/syscall.cpp).
uint64_t handle_syscall(const SyscallArguments& arguments);
// Ends the current thread; never returns (kernel/proc/syscall.cpp).
[[noreturn]] void handle_user_fault(const UserFault& fault);
// One periodic tick, after the interrupt was acknowledged (kernel/proc/tick.cpp; the scheduler
// replaces it). It may call switch_context to run another thread; the interrupted thread resumes
// — through the same interrupt return — when something switches back to it.
void handle_timer_tick(const TimerTick& tick);

// Supplies one zeroed frame for a page-table level and returns its physical address; the frame
// must be reachable through the direct map.
using TableFrameSource = Result<uint64_t> (*)();

template <typename A>
concept ArchConsole = requires(std::span<const char> text, ExitStatus status) {
  { A::console_init() } -> std::same_as<void>;
  { A::console_write(text) } -> std::same_as<void>;
  { A::exit_emulator(status) } -> std::same_as<void>;  // [[noreturn]]
};

template <typename A>
concept ArchPaging = requires(uint64_t address, typename A::PageTable& table,
                              const PageMapping& mapping, TableFrameSource frames) {
  // Layout constants.
  { A::page_size } -> std::convertible_to<uint64_t>;
  { A::large_page_size } -> std::convertible_to<uint64_t>;
  { A::direct_map_base } -> std::convertible_to<uint64_t>;
  { A::direct_map_capacity } -> std::convertible_to<uint64_t>;     // bytes the direct map can hold
  { A::early_direct_map_limit } -> std::convertible_to<uint64_t>;  // mapped by the boot code
  { A::user_space_end } -> std::convertible_to<uint64_t>;
  // Kernel-half window for per-thread kernel stacks, under a top-level entry that exists at boot
  // (F-020: the kernel half is sealed once a process shares it).
  { A::kernel_stack_region_base } -> std::convertible_to<uint64_t>;
  { A::kernel_stack_region_bytes } -> std::convertible_to<uint64_t>;

  // The kernel image.
  { A::kernel_sections() } -> std::same_as<std::span<const KernelSection>>;
  { A::kernel_image() } -> std::same_as<PhysicalRange>;
  // Enables NX/WP/SMEP/SMAP once the kernel's own page tables are live; fails if the CPU lacks
  // a required feature.
  { A::enable_protections() } -> std::same_as<Result<ProtectionState, MissingFeature>>;

  // Page tables: one hierarchy per address space.
  { A::PageTable::create(frames) } -> std::same_as<Result<typename A::PageTable>>;
  { table.map(mapping) } -> std::same_as<Result<void>>;
  // Removes one base-page mapping and returns the frame it mapped (the TLB entry is dropped).
  { table.unmap(address) } -> std::same_as<Result<uint64_t>>;
  { table.activate() } -> std::same_as<void>;
  { std::as_const(table).lookup(address) } -> std::same_as<std::optional<PageLookup>>;
  // A process table: empty user half, kernel half shared with `table` (the kernel's), which
  // is sealed from then on: a kernel mapping needing a new top-level entry fails (F-020).
  {
    A::PageTable::create_sharing_kernel_half(frames, table)
  } -> std::same_as<Result<typename A::PageTable>>;
  { std::as_const(table).kernel_half_sealed() } -> std::same_as<bool>;
};

template <typename A>
concept ArchUserMode = requires(const UserEntry& entry) {
  // SYSCALL/exception entry set up once (after protections), then the first entry of the first
  // user thread (on the arch's own thread stack). enter_user never returns; the thread comes
  // back only through handle_syscall / handle_user_fault / handle_timer_tick.
  { A::user_mode_init() } -> std::same_as<void>;
  { A::enter_user(entry) } -> std::same_as<void>;  // [[noreturn]]
  // Bytes of that thread stack ever used (the stack is painted at user_mode_init).
  { A::thread_stack_high_water() } -> std::same_as<uint64_t>;
  { A::thread_stack_size } -> std::convertible_to<uint64_t>;

  // The user-access window (SMAP) and the user copy are not part of this contract: they
  // live in kernel/arch/user_access.h, which only kernel/mem/user_ptr.h may include (F-023).
};

template <typename A>
concept ArchInterrupts = requires(typename A::PageTable& kernel_table) {
  // Descriptor tables and exception vectors; legacy interrupt sources masked; interrupts off.
  { A::cpu_init() } -> std::same_as<void>;
  // After protections, before any process shares the kernel half: maps the interrupt
  // controller into `kernel_table`, calibrates the clock and the tick against the reference
  // clock, installs the interrupt vectors and starts the periodic tick. Interrupts stay disabled
  // in the kernel: a tick is taken only in user mode or inside wait_for_interrupt.
  {
    A::interrupts_init(kernel_table)
  } -> std::same_as<Result<TimerCalibration, InterruptInitError>>;
  { A::tick_hz } -> std::convertible_to<uint64_t>;
  // Nanoseconds since the clock was calibrated; never decreases.
  { A::monotonic_ns() } -> std::same_as<uint64_t>;
  { A::interrupt_statistics() } -> std::same_as<InterruptStatistics>;
  // The idle wait: enables interrupts, halts until one arrives and has been handled, disables
  // them again. The only place the kernel accepts an interrupt (preemption model).
  { A::wait_for_interrupt() } -> std::same_as<void>;
};

template <typename A>
concept ArchContextSwitch =
    requires(typename A::ThreadContext& from, typename A::ThreadContext& to,
             const ThreadMemory& memory, const typename A::PageTable& space,
             KernelThreadEntry entry, uint64_t argument, const UserEntry& user) {
      // Enables user x87/SSE (and AVX where offered) and sizes the per-thread save area.
      { A::extended_state_init() } -> std::same_as<Result<ExtendedStateInfo, ExtendedStateError>>;
      // Bytes of ThreadMemory::context_area a thread needs (valid after extended_state_init).
      { A::thread_context_bytes() } -> std::same_as<uint64_t>;
      // A thread's saved machine context while it is switched out: kernel stack pointer, address
      // space, FS base, user segment selectors, x87/SSE/AVX state (in memory.context_area).
      requires std::default_initializable<typename A::ThreadContext>;
      // The context of the code running on the boot stack (kmain, self-tests, later the idle loop).
      { A::boot_context() } -> std::same_as<typename A::ThreadContext&>;
      // A new thread that starts at entry(argument) in the kernel, or at `user` in user mode (with
      // every other register zero), in `space`, with a clean extended state (never another
      // thread's).
      { A::prepare_kernel_thread(to, memory, space, entry, argument) } -> std::same_as<void>;
      { A::prepare_user_thread(to, memory, space, user) } -> std::same_as<void>;
      // Saves the running thread into `from` and resumes `to`; returns when something switches back
      // to `from`. Interrupts must be disabled. from == to is a no-op.
      { A::switch_context(from, to) } -> std::same_as<void>;
    };

template <typename A>
concept ArchSelfTest = requires(uint64_t address, typename A::ThreadContext& from,
                                typename A::ThreadContext& to, void (*hook)()) {
  { A::kernel_stack_guard_page() } -> std::same_as<uint64_t>;
  { A::execute_at(address) } -> std::same_as<void>;
  { A::load_at(address) } -> std::same_as<uint64_t>;
  { A::load_in_user_window(address) } -> std::same_as<uint64_t>;
  { A::store_at(address, address) } -> std::same_as<void>;
  { A::user_copy_at(address, address) } -> std::same_as<bool>;
  { A::trigger_double_fault() } -> std::same_as<void>;
  // Pushes until the current stack's guard page is hit (expected: #DF on its IST stack).
  { A::overflow_stack() } -> std::same_as<void>;
  // Loads a pattern derived from `address` into every callee-saved register, the vector/FPU
  // state, FS base and the data selectors, switches from -> to, and on return reports a bit per
  // item that did not survive.
  { A::switch_probe(from, to, address) } -> std::same_as<uint64_t>;
  // A bit per vector/FPU item of the running thread that is not the clean initial state.
  { A::initial_state_probe() } -> std::same_as<uint64_t>;
  // Breaks the preemption model on purpose: enables interrupts in the kernel and spins (expected:
  // the next tick is refused with a panic, never handled over kernel state).
  { A::spin_with_interrupts_enabled() } -> std::same_as<void>;
  // Raises the spurious vectors by software (local APIC, legacy IRQ7, IRQ15).
  { A::raise_spurious_interrupts() } -> std::same_as<void>;
  // While set (non-null), each tick calls `hook` instead of handle_timer_tick.
  { A::intercept_timer_ticks(hook) } -> std::same_as<void>;
  // An independent reference interval (the PIT): start it, then poll whether it has ended.
  { A::start_reference_interval(address) } -> std::same_as<void>;  // microseconds, <= 50000
  { A::reference_interval_elapsed() } -> std::same_as<bool>;
  // The cycle counter (instructions under QEMU -icount shift=0; TOOLCHAIN.md).
  { A::cycle_counter() } -> std::same_as<uint64_t>;
};

template <typename A>
concept Architecture = ArchConsole<A> && ArchPaging<A> && ArchUserMode<A> && ArchInterrupts<A> &&
                       ArchContextSwitch<A> && ArchSelfTest<A>;

}  // namespace capos::kernel
