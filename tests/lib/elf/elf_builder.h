// tests/lib/elf/elf_builder.h — builds ELF64 files byte by byte for the lib/elf tests.
//
// An ElfSpec is a plain description with a knob for every header and program header field;
// build() lays it out (program header table at e_phoff, each segment's file bytes filled with
// a recognisable pattern) without validating anything, so tests can describe broken files as
// easily as good ones. The writer is independent of lib/core so it cannot share its bugs.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <ostream>
#include <span>
#include <stdexcept>
#include <vector>

#include "lib/elf/elf_error.h"
#include "lib/elf/elf_file.h"
#include "lib/elf/elf_image.h"

namespace capos::elf {

// gtest prints ElfError by name.
inline void PrintTo(ElfError error, std::ostream* out) { *out << elf_error_name(error); }

namespace test {

inline constexpr uint64_t kPage = 4096;

struct PhdrSpec {
  uint32_t type = PT_LOAD;
  uint32_t flags = PF_R;
  uint64_t offset = 0;
  uint64_t vaddr = 0;
  uint64_t paddr = 0;
  uint64_t filesz = 0;
  uint64_t memsz = 0;
  uint64_t align = kPage;
};

struct ElfSpec {
  std::array<uint8_t, 16> ident = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  uint16_t type = ET_EXEC;
  uint16_t machine = EM_X86_64;
  uint32_t version = 1;
  uint64_t entry = 0;
  uint64_t phoff = 64;
  uint64_t shoff = 0;
  uint32_t flags = 0;
  uint16_t ehsize = 64;
  uint16_t phentsize = 56;
  std::optional<uint16_t> phnum;  // default: phdrs.size()
  uint16_t shentsize = 64;
  uint16_t shnum = 0;
  uint16_t shstrndx = 0;
  std::vector<PhdrSpec> phdrs;
  // Default: just large enough for the header, the table and every segment's file bytes.
  std::optional<uint64_t> file_size;
};

inline void put(std::vector<uint8_t>& out, uint64_t offset, uint64_t value, unsigned width) {
  for (unsigned i = 0; i < width; ++i) {
    if (offset + i < out.size()) out[offset + i] = static_cast<uint8_t>(value >> (8 * i));
  }
}

// Ends above this are assumed to be deliberate "out of file" values and do not grow the file.
inline constexpr uint64_t kMaxNaturalSize = 64ULL << 20;

inline std::vector<uint8_t> build(const ElfSpec& spec) {
  uint64_t natural = 64;
  const uint64_t table_end = spec.phoff + spec.phdrs.size() * 56;
  if (spec.phoff < kMaxNaturalSize) natural = std::max(natural, table_end);
  for (const PhdrSpec& p : spec.phdrs) {
    if (p.offset < kMaxNaturalSize && p.filesz < kMaxNaturalSize) {
      natural = std::max(natural, p.offset + p.filesz);
    }
  }
  const uint64_t size = spec.file_size.value_or(natural);
  if (size > kMaxNaturalSize) throw std::invalid_argument("ElfSpec file too large");
  std::vector<uint8_t> out(std::max(size, natural), 0);

  // Segment contents first: headers written afterwards win where they overlap (as in real
  // files, whose first PT_LOAD covers the ELF header).
  for (const PhdrSpec& p : spec.phdrs) {
    for (uint64_t i = 0; i < p.filesz && p.offset + i < out.size() && p.offset < out.size(); ++i) {
      out[p.offset + i] = static_cast<uint8_t>(0xA5 ^ (p.type * 7) ^ i);
    }
  }
  std::copy(spec.ident.begin(), spec.ident.end(), out.begin());
  put(out, 16, spec.type, 2);
  put(out, 18, spec.machine, 2);
  put(out, 20, spec.version, 4);
  put(out, 24, spec.entry, 8);
  put(out, 32, spec.phoff, 8);
  put(out, 40, spec.shoff, 8);
  put(out, 48, spec.flags, 4);
  put(out, 52, spec.ehsize, 2);
  put(out, 54, spec.phentsize, 2);
  put(out, 56, spec.phnum.value_or(static_cast<uint16_t>(spec.phdrs.size())), 2);
  put(out, 58, spec.shentsize, 2);
  put(out, 60, spec.shnum, 2);
  put(out, 62, spec.shstrndx, 2);
  for (size_t i = 0; i < spec.phdrs.size() && spec.phoff < kMaxNaturalSize; ++i) {
    const PhdrSpec& p = spec.phdrs[i];
    const uint64_t base = spec.phoff + i * 56;
    put(out, base + 0, p.type, 4);
    put(out, base + 4, p.flags, 4);
    put(out, base + 8, p.offset, 8);
    put(out, base + 16, p.vaddr, 8);
    put(out, base + 24, p.paddr, 8);
    put(out, base + 32, p.filesz, 8);
    put(out, base + 40, p.memsz, 8);
    put(out, base + 48, p.align, 8);
  }
  out.resize(size);
  return out;
}

inline ByteView view(const std::vector<uint8_t>& bytes) { return {bytes.data(), bytes.size()}; }

// A load segment whose paddr mirrors vaddr, as linkers emit.
inline PhdrSpec load(uint32_t flags, uint64_t offset, uint64_t vaddr, uint64_t filesz,
                     uint64_t memsz, uint64_t align = kPage) {
  return PhdrSpec{PT_LOAD, flags, offset, vaddr, vaddr, filesz, memsz, align};
}

// The shape of a small static executable: R (headers), RX (code), RW (data + bss), and a
// non-executable PT_GNU_STACK. phdrs[1] is the code segment, phdrs[2] the data segment.
inline ElfSpec static_executable() {
  ElfSpec spec;
  spec.entry = 0x401010;
  spec.phdrs = {
      load(PF_R, 0x0000, 0x400000, 0x200, 0x200),
      load(PF_R | PF_X, 0x1000, 0x401000, 0x300, 0x300),
      load(PF_R | PF_W, 0x2000, 0x402000, 0x100, 0x3000),
      PhdrSpec{PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 0, 16},
  };
  return spec;
}

// static_executable() plus a PT_TLS (phdrs[4]) whose template starts the data segment.
inline ElfSpec static_executable_with_tls() {
  ElfSpec spec = static_executable();
  spec.phdrs.push_back(PhdrSpec{PT_TLS, PF_R, 0x2000, 0x402000, 0x402000, 0x20, 0x80, 16});
  return spec;
}

// The rejection reason of each layer, or nullopt when the file is accepted.
inline std::optional<ElfError> structural_error(const std::vector<uint8_t>& bytes) {
  auto result = parse_headers(view(bytes));
  if (result.has_value()) return std::nullopt;
  return result.error();
}
inline std::optional<ElfError> loader_error(const std::vector<uint8_t>& bytes) {
  auto result = parse_executable(view(bytes));
  if (result.has_value()) return std::nullopt;
  return result.error();
}
inline std::optional<ElfError> loader_error(const ElfSpec& spec) {
  return loader_error(build(spec));
}

}  // namespace test
}  // namespace capos::elf
