// verify/bounded/elf_predicates.h — the ELF predicates under proof (from lib/elf/elf_bounds.h),
// and the deliberately broken variants the self-test must see refuted. Each variant overrides
// one predicate of RealElf with a mutated copy; the proofs are templates over the set.
#pragma once

#include <cstdint>

#include "lib/elf/elf_bounds.h"

namespace capos::verify::elf_proof {

namespace p = capos::elf::predicate;

// What the proofs and cross-checks conclude against, written here from the SPEC and not taken
// from lib/elf, so that a changed constant in elf_bounds.h is refuted instead of proved along
// with the predicate that uses it (F-032). SPEC §4: user ELF segments lie in
// [0x1000, 0x0000_7FFF_0000_0000); lib/elf/README.md: PT_TLS memory at most 1 MiB, 4 KiB pages,
// at most 64 program headers of 56 bytes (the ELF64 Phdr size).
namespace spec {
inline constexpr uint64_t vaddr_min = 0x1000;
inline constexpr uint64_t vaddr_limit = 0x0000'7fff'0000'0000;
inline constexpr uint64_t max_tls_size = uint64_t{1} << 20;
inline constexpr uint64_t page_size = 4096;
inline constexpr uint64_t max_program_headers = 64;
inline constexpr uint64_t program_header_size = 56;
}  // namespace spec
using capos::elf::ELF_VADDR_LIMIT;
using capos::elf::ELF_VADDR_MIN;

struct RealElf {
  template <typename W>
  static auto table_ok(const W& offset, const W& entry_size, const W& count, const W& length) {
    return p::program_header_table_ok(offset, entry_size, count, length);
  }
  template <typename W>
  static auto header_offset(const W& offset, const W& index) {
    return p::program_header_offset(offset, index);
  }
  template <typename W>
  static auto load_ok(const W& offset, const W& file_size, const W& memory_size, const W& vaddr,
                      const W& flags, const W& align, const W& length) {
    return p::load_segment_ok(offset, file_size, memory_size, vaddr, flags, align, length);
  }
  template <typename W>
  static auto tls_ok(const W& offset, const W& file_size, const W& memory_size, const W& align,
                     const W& length) {
    return p::tls_segment_ok(offset, file_size, memory_size, align, length);
  }
  template <typename W>
  static auto page_start(const W& vaddr) {
    return p::page_start(vaddr);
  }
  template <typename W>
  static auto page_end(const W& vaddr, const W& memory_size) {
    return p::page_end(vaddr, memory_size);
  }
  template <typename W>
  static auto tls_inside(const W& tls_vaddr, const W& tls_file_size, const W& tls_offset,
                         const W& vaddr, const W& memory_size, const W& file_size,
                         const W& offset) {
    return p::tls_inside_load(tls_vaddr, tls_file_size, tls_offset, vaddr, memory_size, file_size,
                              offset);
  }
  template <typename W>
  static auto entry_in(const W& entry, const W& vaddr, const W& file_size) {
    return p::entry_in_file_bytes(entry, vaddr, file_size);
  }
};

// The rest of load_segment_ok, shared by the variants that mutate one part of it.
template <typename W>
auto load_rest(const W& offset, const W& file_size, const W& memory_size, const W& vaddr,
               const W& flags, const W& align) {
  return memory_size != uint64_t{0} && p::load_flags_ok(flags) &&
         !p::writable_and_executable(flags) && p::file_size_fits(file_size, memory_size) &&
         p::alignment_ok(align) && p::segment_congruent(vaddr, offset, align);
}

struct TableOffByOne : RealElf {  // the table's last entry is not counted
  template <typename W>
  static auto table_ok(const W& offset, const W& entry_size, const W& count, const W& length) {
    return count == uint64_t{0} ||
           (p::phentsize_ok(entry_size) && p::phnum_ok(count) &&
            p::range_fits(offset, (count - uint64_t{1}) * elf::ELF64_PROGRAM_HEADER_SIZE, length));
  }
};
struct WrapCheckRemoved : RealElf {
  template <typename W>
  static auto load_ok(const W& offset, const W& file_size, const W& memory_size, const W& vaddr,
                      const W& flags, const W& align, const W& length) {
    return load_rest(offset, file_size, memory_size, vaddr, flags, align) &&
           p::file_bytes_in_file(offset, file_size, length) &&
           p::segment_in_user_window(vaddr, memory_size);
  }
};
struct WindowOffByOne : RealElf {
  template <typename W>
  static auto load_ok(const W& offset, const W& file_size, const W& memory_size, const W& vaddr,
                      const W& flags, const W& align, const W& length) {
    return load_rest(offset, file_size, memory_size, vaddr, flags, align) &&
           p::file_bytes_in_file(offset, file_size, length) &&
           !p::segment_address_wraps(vaddr, memory_size) && vaddr >= ELF_VADDR_MIN &&
           vaddr + memory_size <= ELF_VADDR_LIMIT + 1;
  }
};
struct FileRangeOverflow : RealElf {  // offset + file_size <= length, which can wrap
  template <typename W>
  static auto load_ok(const W& offset, const W& file_size, const W& memory_size, const W& vaddr,
                      const W& flags, const W& align, const W& length) {
    return load_rest(offset, file_size, memory_size, vaddr, flags, align) &&
           offset + file_size <= length && !p::segment_address_wraps(vaddr, memory_size) &&
           p::segment_in_user_window(vaddr, memory_size);
  }
};
struct EntryOffByOne : RealElf {
  template <typename W>
  static auto entry_in(const W& entry, const W& vaddr, const W& file_size) {
    return entry >= vaddr && entry - vaddr <= file_size;
  }
};
struct TlsOffsetUnchecked : RealElf {  // the template's file offset need not match its address
  template <typename W>
  static auto tls_inside(const W& tls_vaddr, const W& tls_file_size, const W& tls_offset,
                         const W& vaddr, const W& memory_size, const W& file_size,
                         const W& offset) {
    return tls_vaddr >= vaddr &&
           ((tls_file_size == uint64_t{0} && tls_vaddr - vaddr <= memory_size) ||
            (tls_file_size != uint64_t{0} && tls_vaddr - vaddr <= file_size &&
             tls_file_size <= file_size - (tls_vaddr - vaddr) && tls_offset >= offset));
  }
};

}  // namespace capos::verify::elf_proof
