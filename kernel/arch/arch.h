// kernel/arch/arch.h — the contract between portable kernel code and an architecture.
//
// Portable code (kernel/*.cpp outside kernel/arch/<name>/) sees the hardware only through a type
// satisfying `Architecture`; kernel/arch/current.h names that type and static_asserts the
// concept (STYLE.md: a concept, never #ifdef). Everything hardware-shaped — instructions,
// descriptor tables, PTE bits, port numbers — stays behind it.
#pragma once

#include <array>
#include <concepts>
#include <cstdint>
#include <optional>
#include <span>
#include <utility>

#include "lib/core/result.h"

namespace capos::kernel {

// How a boot ends; the architecture maps it to an emulator exit status (docs/design.md).
enum class ExitStatus : uint8_t { Pass, Fail };

// What a mapping permits. W^X by construction: no value is both writable and executable.
enum class PageAccess : uint8_t { ReadOnly, ReadWrite, ReadExecute };
enum class PagePrivilege : uint8_t { Kernel, User };
// Base: the smallest page; Large: the next level's leaf (x86-64: 4 KiB and 2 MiB).
enum class PageSize : uint8_t { Base, Large };

struct PageMapping {
  uint64_t virtual_address;
  uint64_t physical_address;
  PageSize size;
  PageAccess access;
  PagePrivilege privilege;
};

// [start, end) in physical memory.
struct PhysicalRange {
  uint64_t start;
  uint64_t end;
};

// One piece of the kernel image with one permission. Bounds are page-aligned.
struct KernelSection {
  const char* name;
  uint64_t virtual_start;
  uint64_t virtual_end;  // exclusive
  uint64_t physical_start;
  PageAccess access;
};

// Protection features as read back from the hardware after enabling them (never as requested).
struct ProtectionState {
  bool no_execute;
  bool write_protect;
  bool smep;
  bool smap;
};

enum class MissingFeature : uint8_t { Smep, Smap };

// What a page walk found for one address: the effective permissions of the whole path (a user
// access needs User at every level, a write needs Writable at every level, as the MMU decides).
struct PageLookup {
  uint64_t physical_address;  // of the looked-up byte
  bool user;
  bool writable;
  bool executable;
};

// The first entry into user mode of a thread: where it starts and with which registers (SPEC §4
// "Entry": rdi = ring, rsi = pid, rdx = CapSet) and thread pointer (PT_TLS; 0 = none).
struct UserEntry {
  uint64_t instruction_pointer;
  uint64_t stack_pointer;
  std::array<uint64_t, 3> arguments;
  uint64_t thread_pointer;
};

// A system call as the architecture decoded it from user registers. Every field is hostile.
struct SyscallArguments {
  uint64_t number;
  std::array<uint64_t, 3> arguments;
};

// Why a thread stops running in user mode without calling exit.
struct UserFault {
  const char* what;  // "#PF (page fault)", "non-canonical return address", ...
  uint64_t vector;   // exception vector, or UINT64_MAX for a kernel-detected fault
  uint64_t error_code;
  uint64_t instruction_pointer;
  uint64_t fault_address;  // CR2 for a page fault, else 0
};

// Upcalls: portable code (kernel/proc/) implements them; the architecture calls them from its
// system-call and exception entries, on the current thread's kernel stack.
// Returns the value for the user's rax.
uint64_t handle_syscall(const SyscallArguments& arguments);
// Ends the current thread; never returns.
[[noreturn]] void handle_user_fault(const UserFault& fault);

// Supplies one zeroed frame for a page-table level and returns its physical address; the frame
// must be reachable through the direct map.
using TableFrameSource = Result<uint64_t> (*)();

template <typename A>
concept Architecture =
    requires(std::span<const char> text, ExitStatus status, uint64_t address,
             typename A::PageTable& table, const PageMapping& mapping, TableFrameSource frames,
             const UserEntry& entry, void* destination, const void* source) {
      // Layout constants.
      { A::page_size } -> std::convertible_to<uint64_t>;
      { A::large_page_size } -> std::convertible_to<uint64_t>;
      { A::direct_map_base } -> std::convertible_to<uint64_t>;
      { A::direct_map_capacity } -> std::convertible_to<uint64_t>;  // bytes the direct map can hold
      { A::early_direct_map_limit } -> std::convertible_to<uint64_t>;  // mapped by the boot code
      { A::user_space_end } -> std::convertible_to<uint64_t>;

      // Console (the test oracle) and the end of a boot.
      { A::console_init() } -> std::same_as<void>;
      { A::console_write(text) } -> std::same_as<void>;
      { A::exit_emulator(status) } -> std::same_as<void>;  // [[noreturn]]

      // CPU bring-up: descriptor tables and exception vectors; legacy interrupt sources masked.
      { A::cpu_init() } -> std::same_as<void>;
      // Enables NX/WP/SMEP/SMAP once the kernel's own page tables are live; fails if the CPU lacks
      // a required feature.
      { A::enable_protections() } -> std::same_as<Result<ProtectionState, MissingFeature>>;

      // The kernel image.
      { A::kernel_sections() } -> std::same_as<std::span<const KernelSection>>;
      { A::kernel_image() } -> std::same_as<PhysicalRange>;

      // Page tables: one hierarchy per address space.
      { A::PageTable::create(frames) } -> std::same_as<Result<typename A::PageTable>>;
      { table.map(mapping) } -> std::same_as<Result<void>>;
      { table.activate() } -> std::same_as<void>;
      { std::as_const(table).lookup(address) } -> std::same_as<std::optional<PageLookup>>;
      // A process table: empty user half, kernel half shared with `table` (the kernel's), which
      // is sealed from then on: a kernel mapping needing a new top-level entry fails (F-020).
      {
        A::PageTable::create_sharing_kernel_half(frames, table)
      } -> std::same_as<Result<typename A::PageTable>>;
      { std::as_const(table).kernel_half_sealed() } -> std::same_as<bool>;

      // User mode: SYSCALL/exception entry set up once (after protections), then the first
      // entry of the (single) thread. enter_user never returns; the thread comes back only
      // through handle_syscall / handle_user_fault on its own kernel stack.
      { A::user_mode_init() } -> std::same_as<void>;
      { A::enter_user(entry) } -> std::same_as<void>;  // [[noreturn]]
      // Bytes of the thread's kernel stack ever used (the stack is painted at user_mode_init).
      { A::thread_stack_high_water() } -> std::same_as<uint64_t>;
      { A::thread_stack_size } -> std::convertible_to<uint64_t>;

      // The user-access window (SMAP) and the user copy are not part of this contract: they
      // live in kernel/arch/user_access.h, which only kernel/mem/user_ptr.h may include (F-023).

      // Self-test triggers (tests/qemu only; see kernel/selftest/).
      { A::kernel_stack_guard_page() } -> std::same_as<uint64_t>;
      { A::execute_at(address) } -> std::same_as<void>;
      { A::load_at(address) } -> std::same_as<uint64_t>;
      { A::load_in_user_window(address) } -> std::same_as<uint64_t>;
      { A::store_at(address, address) } -> std::same_as<void>;
      { A::user_copy_at(address, address) } -> std::same_as<bool>;
      { A::trigger_double_fault() } -> std::same_as<void>;
    };

}  // namespace capos::kernel
