// kernel/boot/boot_info.h — the Multiboot2 boot information, decoded and validated.
//
// The boot information is input (GRUB builds it from firmware tables and grub.cfg): the parser
// checks every length, offset and count before using it and fails closed with a precise
// BootInfoError. It never allocates; strings and the memory map stay views into the original
// bytes, which the kernel keeps reserved (a FrameBitmap reservation) for its whole life.
//
// Accepted (Multiboot2 spec §3.6): an 8-byte header {u32 total_size, u32 reserved}, then tags
// {u32 type, u32 size, payload}, each starting 8-byte aligned, ending with the end tag
// {0, 8}. Tags used: 1 command line, 2 boot loader name, 3 module, 6 memory map; the others are
// bounds-checked and skipped. Duplicated single tags (1, 2, 6) are rejected as ambiguous.
// Strings must be NUL-terminated inside their tag and printable ASCII (they reach the log).
//
// Portable and host-tested (tests/kernel/boot/); nothing here touches hardware.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "lib/core/bytes.h"
#include "lib/core/result.h"

namespace capos::kernel::boot {

// Memory map entry types (spec §3.6.8); any other value is treated as reserved.
enum class MemoryType : uint8_t {
  Available = 1,
  Reserved = 2,
  AcpiReclaimable = 3,
  AcpiNvs = 4,
  Defective = 5,
};

struct MemoryRegion {
  uint64_t base;
  uint64_t length;  // base + length never overflows (the parser checked)
  uint32_t type;

  [[nodiscard]] uint64_t end() const { return base + length; }
  [[nodiscard]] bool available() const {
    return type == static_cast<uint32_t>(MemoryType::Available);
  }
};

// The validated entries of the memory map tag.
class MemoryMap {
 public:
  constexpr MemoryMap() = default;
  MemoryMap(ByteView entries, uint32_t entry_size);

  [[nodiscard]] size_t size() const { return m_count; }
  // Precondition (KASSERT): index < size().
  [[nodiscard]] MemoryRegion operator[](size_t index) const;

 private:
  ByteView m_entries;
  uint32_t m_entry_size = 0;
  size_t m_count = 0;
};

// A module GRUB loaded (`module2 <file> <name>`): physical [start, end).
struct BootModule {
  uint64_t start;
  uint64_t end;
  std::span<const char> name;  // the module's command line, without its NUL

  [[nodiscard]] uint64_t size() const { return end - start; }
};

struct BootInfo {
  static constexpr size_t max_modules = 16;

  uint32_t total_size = 0;
  std::span<const char> command_line;  // empty when the tag is absent
  std::span<const char> loader_name;
  MemoryMap memory_map;
  std::array<BootModule, max_modules> module_storage{};
  size_t module_count = 0;

  [[nodiscard]] std::span<const BootModule> modules() const {
    return std::span<const BootModule>(module_storage).first(module_count);
  }
};

enum class BootInfoError : uint8_t {
  Truncated,         // fewer bytes than the fixed 8-byte header
  BadTotalSize,      // total_size < 16, or not the number of bytes provided
  BadTagSize,        // a tag is shorter than its fixed part or runs past total_size
  MissingEndTag,     // the tags run out before an end tag {0, 8}
  DuplicateTag,      // a second command-line, loader-name or memory-map tag
  BadString,         // no NUL inside the tag, or a non-printable character
  BadMemoryMap,      // entry_size < 24 or not a multiple of 8, version != 0, partial entry
  RegionOverflow,    // a memory region's base + length wraps around
  MissingMemoryMap,  // no memory map tag at all
  BadModule,         // mod_start > mod_end
  TooManyModules,    // more than BootInfo::max_modules
};

// A short English description ("tag runs past total_size").
const char* describe(BootInfoError error);

// Decodes `info`, which must be exactly the total_size bytes the loader described. On error,
// `out` is left in an unspecified but destructible state and must not be used.
Result<void, BootInfoError> parse_multiboot2(ByteView info, BootInfo& out);

}  // namespace capos::kernel::boot
