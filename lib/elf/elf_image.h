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
#include "lib/elf/elf_bounds.h"
#include "lib/elf/elf_error.h"
#include "lib/elf/elf_file.h"

namespace capos::elf {

// PAGE_SIZE, ELF_VADDR_MIN, ELF_VADDR_LIMIT and MAX_TLS_SIZE live in elf_bounds.h, beside the
// predicates that use them.

// capOS bounds: a static executable has about four PT_LOADs (R, RX, R, RW).
inline constexpr size_t MAX_LOAD_SEGMENTS = 16;

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
  // itself page aligned (proved in verify/bounded/elf_proof.cpp, claim E3).
  [[nodiscard]] constexpr uint64_t page_start() const {
    return predicate::page_start<uint64_t>(virtual_address);
  }
  [[nodiscard]] constexpr uint64_t page_end() const {
    return predicate::page_end<uint64_t>(virtual_address, memory_size);
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

// One PT_LOAD / the PT_TLS on its own: every field bounded (README.md, rules 1-6 / PT_TLS).
// validate_executable() applies them to each header; public so the bounded proofs can
// cross-check them against the predicates of elf_bounds.h.
[[nodiscard]] Result<LoadSegment, ElfError> check_load_segment(const ProgramHeader& phdr,
                                                               uint64_t file_length);
[[nodiscard]] Result<TlsTemplate, ElfError> check_tls_segment(const ProgramHeader& phdr,
                                                              uint64_t file_length);

// Applies the loader policy to a structurally valid file.
[[nodiscard]] Result<ElfImage, ElfError> validate_executable(const ElfFile& file);

// parse_headers() then validate_executable(): the one entry point the kernel loader uses.
[[nodiscard]] Result<ElfImage, ElfError> parse_executable(ByteView bytes);

}  // namespace capos::elf
