// tests/lib/elf/elf_invariants.h — an independent re-check of what parse_executable promises.
//
// Written from the ELF spec and SPEC §4 without lib/core or lib/elf helpers: raw bytes are
// read with its own little-endian loader, address arithmetic is done in 128 bits so nothing can
// wrap. Used by the property and corpus tests on every file the validator accepts.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "lib/elf/elf_image.h"

namespace capos::elf::test {

using u128 = unsigned __int128;

inline std::optional<uint64_t> raw_le(std::span<const uint8_t> bytes, u128 offset, unsigned width) {
  if (offset + width > bytes.size()) return std::nullopt;
  uint64_t value = 0;
  for (unsigned i = 0; i < width; ++i) {
    value |= static_cast<uint64_t>(bytes[static_cast<size_t>(offset) + i]) << (8 * i);
  }
  return value;
}

struct RawPhdr {
  uint64_t type, flags, offset, vaddr, paddr, filesz, memsz, align;
};

// The program headers as the file states them, or nullopt if the table cannot be read.
inline std::optional<std::vector<RawPhdr>> raw_program_headers(std::span<const uint8_t> bytes) {
  const auto phoff = raw_le(bytes, 32, 8);
  const auto phnum = raw_le(bytes, 56, 2);
  if (!phoff || !phnum) return std::nullopt;
  std::vector<RawPhdr> out;
  for (uint64_t i = 0; i < *phnum; ++i) {
    const u128 base = static_cast<u128>(*phoff) + i * 56;
    std::optional<uint64_t> f[8] = {raw_le(bytes, base, 4),      raw_le(bytes, base + 4, 4),
                                    raw_le(bytes, base + 8, 8),  raw_le(bytes, base + 16, 8),
                                    raw_le(bytes, base + 24, 8), raw_le(bytes, base + 32, 8),
                                    raw_le(bytes, base + 40, 8), raw_le(bytes, base + 48, 8)};
    for (const auto& field : f) {
      if (!field) return std::nullopt;
    }
    out.push_back({*f[0], *f[1], *f[2], *f[3], *f[4], *f[5], *f[6], *f[7]});
  }
  return out;
}

inline u128 page_down(u128 value) { return value & ~static_cast<u128>(4095); }
inline u128 page_up(u128 value) { return page_down(value + 4095); }

// Every loader invariant of an accepted image, checked against the raw bytes.
inline ::testing::AssertionResult satisfies_loader_invariants(std::span<const uint8_t> bytes,
                                                              const ElfImage& image) {
  std::ostringstream why;
  const auto fail = [&]() { return ::testing::AssertionFailure() << why.str(); };
  const u128 file_size = bytes.size();
  constexpr u128 kMin = 0x1000;
  constexpr u128 kLimit = 0x0000'7fff'0000'0000ULL;

  if (image.file.data() != bytes.data() || image.file.size() != bytes.size()) {
    return fail() << "image.file is not the parsed file";
  }
  if (raw_le(bytes, 0, 4) != 0x464c457fU || raw_le(bytes, 4, 1) != 2U ||
      raw_le(bytes, 5, 1) != 1U || raw_le(bytes, 16, 2) != 2U || raw_le(bytes, 18, 2) != 62U) {
    return fail() << "not an ELF64 LE x86-64 ET_EXEC";
  }
  if (raw_le(bytes, 24, 8) != image.entry) return fail() << "entry differs from e_entry";
  const auto phdrs = raw_program_headers(bytes);
  if (!phdrs) return fail() << "program header table unreadable";

  std::vector<RawPhdr> loads;
  std::vector<RawPhdr> tls;
  for (const RawPhdr& p : *phdrs) {
    if (p.type == PT_LOAD) loads.push_back(p);
    if (p.type == PT_TLS) tls.push_back(p);
    if (p.type == PT_INTERP || p.type == PT_DYNAMIC) return fail() << "dynamic file";
    if (p.type == PT_GNU_STACK && (p.flags & PF_X) != 0) return fail() << "exec stack";
  }
  if (loads.empty() || loads.size() != image.segments.size()) {
    return fail() << "segment count " << image.segments.size() << " vs PT_LOADs " << loads.size();
  }
  for (size_t i = 0; i < loads.size(); ++i) {
    const RawPhdr& raw = loads[i];
    const LoadSegment& s = image.segments[i];
    why << "segment " << i << ": ";
    const uint64_t align = raw.align <= 1 ? 1 : raw.align;
    if (s.virtual_address != raw.vaddr || s.memory_size != raw.memsz ||
        s.file_offset != raw.offset || s.file_size != raw.filesz || s.alignment != align ||
        s.flags != raw.flags) {
      return fail() << "fields differ from the program header";
    }
    if (raw.vaddr < kMin || static_cast<u128>(raw.vaddr) + raw.memsz > kLimit) {
      return fail() << "outside the user range";
    }
    if (raw.memsz == 0 || raw.filesz > raw.memsz) return fail() << "bad sizes";
    if (static_cast<u128>(raw.offset) + raw.filesz > file_size) return fail() << "past EOF";
    if ((raw.flags & PF_R) == 0 || (raw.flags & ~7U) != 0) return fail() << "bad flags";
    if ((raw.flags & PF_W) != 0 && (raw.flags & PF_X) != 0) return fail() << "W+X";
    if ((align & (align - 1)) != 0 || (raw.vaddr - raw.offset) % align != 0 ||
        (raw.vaddr - raw.offset) % 4096 != 0) {
      return fail() << "misaligned";
    }
    const ByteView file_bytes = image.file_bytes(s);
    if (file_bytes.data() != bytes.data() + raw.offset || file_bytes.size() != raw.filesz) {
      return fail() << "file_bytes() wrong";
    }
    if (s.page_start() != page_down(raw.vaddr) ||
        s.page_end() != page_up(static_cast<u128>(raw.vaddr) + raw.memsz)) {
      return fail() << "page range wrong";
    }
    for (size_t j = 0; j < i; ++j) {
      const RawPhdr& other = loads[j];
      const u128 a0 = page_down(raw.vaddr), a1 = page_up(static_cast<u128>(raw.vaddr) + raw.memsz);
      const u128 b0 = page_down(other.vaddr);
      const u128 b1 = page_up(static_cast<u128>(other.vaddr) + other.memsz);
      if (a0 < b1 && b0 < a1) return fail() << "shares a page with segment " << j;
    }
    why.str("");
  }
  bool entry_ok = false;
  for (const RawPhdr& p : loads) {
    entry_ok |= (p.flags & PF_X) != 0 && image.entry >= p.vaddr &&
                static_cast<u128>(image.entry) < static_cast<u128>(p.vaddr) + p.filesz;
  }
  if (!entry_ok) return fail() << "entry not in executable file bytes";

  if (tls.size() > 1) return fail() << "several PT_TLS";
  // An empty PT_TLS (p_memsz 0) means no TLS: accepted with valid fields, never reported.
  if (!tls.empty() && tls[0].memsz == 0) {
    const uint64_t align = tls[0].align <= 1 ? 1 : tls[0].align;
    if (image.tls.has_value()) return fail() << "empty PT_TLS reported as TLS";
    if (tls[0].filesz != 0 || align > 4096 || (align & (align - 1)) != 0) {
      return fail() << "empty PT_TLS with invalid fields accepted";
    }
    tls.clear();
  }
  if (tls.empty() != !image.tls.has_value()) return fail() << "PT_TLS not reported";
  if (!tls.empty()) {
    const RawPhdr& t = tls[0];
    const TlsTemplate& r = *image.tls;
    const uint64_t align = t.align <= 1 ? 1 : t.align;
    if (r.virtual_address != t.vaddr || r.memory_size != t.memsz || r.file_offset != t.offset ||
        r.file_size != t.filesz || r.alignment != align) {
      return fail() << "TLS fields differ";
    }
    if (t.filesz > t.memsz || t.memsz > MAX_TLS_SIZE || align > 4096 ||
        (align & (align - 1)) != 0) {
      return fail() << "TLS sizes";
    }
    if (static_cast<u128>(t.offset) + t.filesz > file_size) return fail() << "TLS past EOF";
    bool placed = false;
    for (const RawPhdr& p : loads) {
      const bool starts_inside = t.vaddr >= p.vaddr;
      if (t.filesz == 0) {
        placed |=
            starts_inside && static_cast<u128>(t.vaddr) <= static_cast<u128>(p.vaddr) + p.memsz;
      } else {
        placed |= starts_inside &&
                  static_cast<u128>(t.vaddr) + t.filesz <= static_cast<u128>(p.vaddr) + p.filesz &&
                  static_cast<u128>(t.offset) + p.vaddr == static_cast<u128>(t.vaddr) + p.offset;
      }
    }
    if (!placed) return fail() << "TLS template outside every PT_LOAD";
    const ByteView tls_bytes = image.file_bytes(r);
    if (tls_bytes.data() != bytes.data() + t.offset || tls_bytes.size() != t.filesz) {
      return fail() << "TLS file_bytes() wrong";
    }
  }
  return ::testing::AssertionSuccess();
}

}  // namespace capos::elf::test
