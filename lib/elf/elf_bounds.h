// lib/elf/elf_bounds.h — the bounds predicates of the ELF parser and loader policy, written once.
//
// Every check that guards a read of the file or the placement of a segment is one of the
// templates below. elf_file.cpp and elf_image.cpp instantiate them with W = uint64_t; the z3
// proofs in verify/bounded/elf_proof.cpp instantiate the same text with a 64-bit bit-vector
// term and prove, over every 64-bit value, that an accepted header means every byte read or
// mapped lies inside the file and inside [ELF_VADDR_MIN, ELF_VADDR_LIMIT) with no wrap-around.
// So the templates stay branch-free: only + - * & ~ on words, comparisons, && || !, and
// constants of type uint64_t. Each returns bool for uint64_t.
#pragma once

#include <cstdint>
#include <limits>

#include "lib/elf/elf_file.h"

namespace capos::elf {

inline constexpr uint64_t PAGE_SIZE = 4096;
// SPEC §4: the user half starts at 0x1000 (page 0 stays unmapped) and ELF segments must lie
// below 0x0000_7FFF_0000_0000, clear of the stack, CapSet and ring pages above it.
inline constexpr uint64_t ELF_VADDR_MIN = 0x1000;
inline constexpr uint64_t ELF_VADDR_LIMIT = 0x0000'7fff'0000'0000;  // exclusive
static_assert(ELF_VADDR_MIN % PAGE_SIZE == 0 && ELF_VADDR_LIMIT % PAGE_SIZE == 0);

// The kernel allocates the TLS block per thread; 1 MiB keeps that a bounded, chargeable cost.
inline constexpr uint64_t MAX_TLS_SIZE = uint64_t{1024} * 1024;

}  // namespace capos::elf

namespace capos::elf::predicate {

inline constexpr uint64_t max_word = std::numeric_limits<uint64_t>::max();

// [offset, offset + length) lies inside [0, total), without overflow (lib/core range_within).
template <typename W>
[[nodiscard]] constexpr auto range_fits(const W& offset, const W& length, const W& total) {
  return offset <= total && length <= total - offset;
}

template <typename W>
[[nodiscard]] constexpr auto power_of_two(const W& value) {
  return value != uint64_t{0} && (value & (value - uint64_t{1})) == uint64_t{0};
}

// --- The program header table (parse_headers, only when e_phnum > 0) ---
template <typename W>
[[nodiscard]] constexpr auto phentsize_ok(const W& entry_size) {
  return entry_size == ELF64_PROGRAM_HEADER_SIZE;
}
template <typename W>
[[nodiscard]] constexpr auto phnum_ok(const W& count) {
  return count <= uint64_t{MAX_PROGRAM_HEADERS};
}
template <typename W>
[[nodiscard]] constexpr auto program_header_table_in_file(const W& offset, const W& count,
                                                          const W& file_length) {
  return range_fits(offset, count * ELF64_PROGRAM_HEADER_SIZE, file_length);
}
// What parse_headers accepts about the table, as one predicate (the proofs' hypothesis).
template <typename W>
[[nodiscard]] constexpr auto program_header_table_ok(const W& offset, const W& entry_size,
                                                     const W& count, const W& file_length) {
  return count == uint64_t{0} || (phentsize_ok(entry_size) && phnum_ok(count) &&
                                  program_header_table_in_file(offset, count, file_length));
}
// Where ElfFile::program_header(index) reads its 56 bytes.
template <typename W>
[[nodiscard]] constexpr auto program_header_offset(const W& table_offset, const W& index) {
  return table_offset + index * ELF64_PROGRAM_HEADER_SIZE;
}

// --- One PT_LOAD or PT_TLS (validate_executable), in the order the checks run ---
template <typename W>
[[nodiscard]] constexpr auto load_flags_ok(const W& flags) {
  return (flags & ~uint64_t{PF_R | PF_W | PF_X}) == uint64_t{0} &&
         (flags & uint64_t{PF_R}) != uint64_t{0};
}
template <typename W>
[[nodiscard]] constexpr auto writable_and_executable(const W& flags) {
  return (flags & uint64_t{PF_W}) != uint64_t{0} && (flags & uint64_t{PF_X}) != uint64_t{0};
}
template <typename W>
[[nodiscard]] constexpr auto file_size_fits(const W& file_size, const W& memory_size) {
  return file_size <= memory_size;
}
template <typename W>
[[nodiscard]] constexpr auto file_bytes_in_file(const W& offset, const W& file_size,
                                                const W& file_length) {
  return range_fits(offset, file_size, file_length);
}
// p_align 0 and 1 mean "no constraint"; anything else must be a power of two.
template <typename W>
[[nodiscard]] constexpr auto alignment_ok(const W& p_align) {
  return p_align <= uint64_t{1} || power_of_two(p_align);
}
// vaddr == offset modulo p_align (if constrained) and modulo the page size. Wrapping
// subtraction is exact here: a power of two divides 2^64.
template <typename W>
[[nodiscard]] constexpr auto segment_congruent(const W& vaddr, const W& offset, const W& p_align) {
  return (p_align <= uint64_t{1} || ((vaddr - offset) & (p_align - uint64_t{1})) == uint64_t{0}) &&
         ((vaddr - offset) & (PAGE_SIZE - 1)) == uint64_t{0};
}
template <typename W>
[[nodiscard]] constexpr auto segment_address_wraps(const W& vaddr, const W& memory_size) {
  return memory_size > max_word - vaddr;
}
// Meaningful once segment_address_wraps() is false.
template <typename W>
[[nodiscard]] constexpr auto segment_in_user_window(const W& vaddr, const W& memory_size) {
  return vaddr >= ELF_VADDR_MIN && vaddr + memory_size <= ELF_VADDR_LIMIT;
}
// Everything check_load_segment() requires of one PT_LOAD.
template <typename W>
[[nodiscard]] constexpr auto load_segment_ok(const W& offset, const W& file_size,
                                             const W& memory_size, const W& vaddr, const W& flags,
                                             const W& p_align, const W& file_length) {
  return memory_size != uint64_t{0} && load_flags_ok(flags) && !writable_and_executable(flags) &&
         file_size_fits(file_size, memory_size) &&
         file_bytes_in_file(offset, file_size, file_length) && alignment_ok(p_align) &&
         segment_congruent(vaddr, offset, p_align) && !segment_address_wraps(vaddr, memory_size) &&
         segment_in_user_window(vaddr, memory_size);
}
template <typename W>
[[nodiscard]] constexpr auto tls_size_ok(const W& memory_size, const W& p_align) {
  return memory_size <= MAX_TLS_SIZE && p_align <= PAGE_SIZE;
}
// Everything check_tls_segment() requires of the PT_TLS.
template <typename W>
[[nodiscard]] constexpr auto tls_segment_ok(const W& offset, const W& file_size,
                                            const W& memory_size, const W& p_align,
                                            const W& file_length) {
  return file_size_fits(file_size, memory_size) &&
         file_bytes_in_file(offset, file_size, file_length) && alignment_ok(p_align) &&
         tls_size_ok(memory_size, p_align);
}

// --- Layout (after every header) ---
// The page-granular range a PT_LOAD maps: [page_start, page_end).
template <typename W>
[[nodiscard]] constexpr auto page_start(const W& vaddr) {
  return vaddr & ~(PAGE_SIZE - 1);
}
template <typename W>
[[nodiscard]] constexpr auto page_end(const W& vaddr, const W& memory_size) {
  return (vaddr + memory_size + (PAGE_SIZE - 1)) & ~(PAGE_SIZE - 1);
}
// The TLS template is file-backed bytes of the PT_LOAD at the same place in the file and in
// memory; an empty template only has to point into the segment.
template <typename W>
[[nodiscard]] constexpr auto tls_inside_load(const W& tls_vaddr, const W& tls_file_size,
                                             const W& tls_offset, const W& load_vaddr,
                                             const W& load_memory_size, const W& load_file_size,
                                             const W& load_offset) {
  return tls_vaddr >= load_vaddr &&
         ((tls_file_size == uint64_t{0} && tls_vaddr - load_vaddr <= load_memory_size) ||
          (tls_file_size != uint64_t{0} && tls_vaddr - load_vaddr <= load_file_size &&
           tls_file_size <= load_file_size - (tls_vaddr - load_vaddr) &&
           tls_offset >= load_offset && tls_offset - load_offset == tls_vaddr - load_vaddr));
}
// The entry point lies in the file-backed bytes of a segment (code, not zero fill).
template <typename W>
[[nodiscard]] constexpr auto entry_in_file_bytes(const W& entry, const W& vaddr,
                                                 const W& file_size) {
  return entry >= vaddr && entry - vaddr < file_size;
}

}  // namespace capos::elf::predicate
