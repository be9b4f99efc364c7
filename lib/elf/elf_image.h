// lib/elf/elf_image.h — loader policy: what the capOS loader may map from an ELF file.
//
// parse_executable() accepts only static ET_EXEC x86-64 files and returns an ElfImage whose
// every field has been bounded with checked arithmetic (README.md lists each rule and why).
// A loader that maps exactly image.segments, zero-fills [file_size, memory_size) of each, and
// starts at image.entry needs no further validation of the file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "lib/core/bytes.h"
#include "lib/core/result.h"
#include "lib/core/static_vector.h"
#include "lib/elf/elf_error.h"
#include "lib/elf/elf_file.h"

namespace capos::elf {

inline constexpr uint64_t PAGE_SIZE = 4096;
// SPEC §4: the user half starts at 0x1000 (page 0 stays unmapped) and ELF segments must lie
// below 0x0000_7FFF_0000_0000, clear of the stack, CapSet and ring pages above it.
inline constexpr uint64_t ELF_VADDR_MIN = 0x1000;
inline constexpr uint64_t ELF_VADDR_LIMIT = 0x0000'7fff'0000'0000;  // exclusive
static_assert(ELF_VADDR_MIN % PAGE_SIZE == 0 && ELF_VADDR_LIMIT % PAGE_SIZE == 0);

// capOS bounds: a static executable has about four PT_LOADs (R, RX, R, RW).
inline constexpr size_t MAX_LOAD_SEGMENTS = 16;
// The kernel allocates the TLS block per thread; 1 MiB keeps that a bounded, chargeable cost.
inline constexpr uint64_t MAX_TLS_SIZE = uint64_t{1024} * 1024;

// One validated PT_LOAD. Invariants (established by parse_executable):
//   ELF_VADDR_MIN <= virtual_address, virtual_address + memory_size <= ELF_VADDR_LIMIT, no wrap;
//   0 < memory_size; file_size <= memory_size; [file_offset, file_offset + file_size) lies
//   inside the file; alignment is a power of two (1 when p_align was 0 or 1) and
//   virtual_address == file_offset modulo both alignment and PAGE_SIZE; flags contain PF_R,
//   only R/W/X bits, and never both PF_W and PF_X.
struct LoadSegment {
  uint64_t virtual_address = 0;
  uint64_t memory_size = 0;
  uint64_t file_offset = 0;
  uint64_t file_size = 0;
  uint64_t alignment = 1;
  uint32_t flags = 0;  // PF_R | PF_W | PF_X bits

  [[nodiscard]] constexpr bool writable() const { return (flags & PF_W) != 0; }
  [[nodiscard]] constexpr bool executable() const { return (flags & PF_X) != 0; }
  // The page-granular range the loader maps. Cannot overflow: the end is <= ELF_VADDR_LIMIT,
  // itself page aligned.
  [[nodiscard]] constexpr uint64_t page_start() const { return virtual_address & ~(PAGE_SIZE - 1); }
  [[nodiscard]] constexpr uint64_t page_end() const {
    return (virtual_address + memory_size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
  }
};

// The validated PT_TLS: the initialisation template is file_size bytes at file_offset (also at
// virtual_address, inside the file-backed part of one PT_LOAD), followed by memory_size -
// file_size zero bytes. Invariants: file_size <= memory_size <= MAX_TLS_SIZE; alignment is a
// power of two <= PAGE_SIZE (1 when p_align was 0 or 1).
struct TlsTemplate {
  uint64_t virtual_address = 0;
  uint64_t memory_size = 0;
  uint64_t file_offset = 0;
  uint64_t file_size = 0;
  uint64_t alignment = 1;
};

// What the loader maps. Invariants: segments is non-empty, in program header order, and no two
// segments share a page; entry lies in [virtual_address, virtual_address + file_size) of an
// executable segment. `file` is the validated file; it is borrowed, not copied.
struct ElfImage {
  ByteView file;
  uint64_t entry = 0;
  StaticVector<LoadSegment, MAX_LOAD_SEGMENTS> segments;
  std::optional<TlsTemplate> tls;

  // The bytes to copy to segment.virtual_address. Precondition (KASSERT): segment comes from
  // this image.
  [[nodiscard]] ByteView file_bytes(const LoadSegment& segment) const;
  [[nodiscard]] ByteView file_bytes(const TlsTemplate& tls_template) const;
};

// Applies the loader policy to a structurally valid file.
[[nodiscard]] Result<ElfImage, ElfError> validate_executable(const ElfFile& file);

// parse_headers() then validate_executable(): the one entry point the kernel loader uses.
[[nodiscard]] Result<ElfImage, ElfError> parse_executable(ByteView bytes);

}  // namespace capos::elf
