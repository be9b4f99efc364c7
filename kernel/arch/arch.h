// kernel/arch/arch.h — the contract between portable kernel code and an architecture.
//
// Portable code (kernel/*.cpp outside kernel/arch/<name>/) sees the hardware only through a type
// satisfying `Architecture`; kernel/arch/current.h names that type and static_asserts the
// concept (STYLE.md: a concept, never #ifdef). Everything hardware-shaped — instructions,
// descriptor tables, PTE bits, port numbers — stays behind it.
#pragma once

#include <concepts>
#include <cstdint>
#include <span>

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

// Supplies one zeroed frame for a page-table level and returns its physical address; the frame
// must be reachable through the direct map.
using TableFrameSource = Result<uint64_t> (*)();

template <typename A>
concept Architecture =
    requires(std::span<const char> text, ExitStatus status, uint64_t address,
             typename A::PageTable& table, const PageMapping& mapping, TableFrameSource frames) {
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

      // The user-access window (SMAP): open only around a copy from/to user memory.
      requires std::default_initializable<typename A::UserAccessWindow>;

      // Self-test triggers (tests/qemu only; see kernel/selftest/).
      { A::kernel_stack_guard_page() } -> std::same_as<uint64_t>;
      { A::execute_at(address) } -> std::same_as<void>;
      { A::trigger_double_fault() } -> std::same_as<void>;
    };

}  // namespace capos::kernel
