// verify/bounded/elf_layout_check.cpp — the checks of parse_executable() that need every
// segment (lib/elf/elf_image.cpp check_layout), against an independent spec, exhaustively over
// a grid of small images: one to three PT_LOADs placed at every combination of a few pages,
// in-page offsets, sizes, permissions and file sizes, with the entry point and an optional
// PT_TLS at places inside, at the edge of and outside each segment. The z3 claims (E1–E6) are
// about one segment at a time; this is where "no two segments share a page", "the entry is
// file-backed code" and "the TLS template lies in a PT_LOAD" are checked on the real parser.
//
// The spec (layout_spec) is written from SPEC §6 and lib/elf/README.md with the constants of
// elf_predicates.h, page arithmetic on plain integers (every value here is far from 2^64).
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lib/core/bytes.h"
#include "lib/elf/elf_image.h"
#include "verify/bounded/elf_predicates.h"
#include "verify/bounded/report.h"

namespace capos::verify::elf_proof {
namespace {

constexpr uint64_t file_length = 0x5000;
constexpr uint64_t table_offset = 64;

struct Segment {
  uint32_t type = elf::PT_LOAD;
  uint32_t flags = elf::PF_R;
  uint64_t offset = 0;
  uint64_t vaddr = 0;
  uint64_t file_size = 0;
  uint64_t memory_size = 0;
  uint64_t align = spec::page_size;
};

struct Layout {
  std::vector<Segment> loads;
  std::optional<Segment> tls;
  uint64_t entry = 0;
};

void put(std::vector<uint8_t>& bytes, uint64_t at, uint64_t value, size_t width) {
  for (size_t b = 0; b < width; ++b) bytes[at + b] = static_cast<uint8_t>(value >> (8 * b));
}

// A well-formed ELF64 header, the program header table at offset 64, zero bytes elsewhere.
std::vector<uint8_t> build(const Layout& layout) {
  std::vector<uint8_t> bytes(file_length, 0);
  const std::array<uint8_t, 8> ident = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0};
  for (size_t b = 0; b < ident.size(); ++b) bytes[b] = ident[b];
  std::vector<Segment> headers = layout.loads;
  if (layout.tls.has_value()) headers.push_back(*layout.tls);
  put(bytes, 16, elf::ET_EXEC, 2);
  put(bytes, 18, elf::EM_X86_64, 2);
  put(bytes, 20, 1, 4);  // e_version
  put(bytes, 24, layout.entry, 8);
  put(bytes, 32, table_offset, 8);
  put(bytes, 52, 64, 2);  // e_ehsize
  put(bytes, 54, spec::program_header_size, 2);
  put(bytes, 56, headers.size(), 2);
  for (size_t i = 0; i < headers.size(); ++i) {
    const Segment& s = headers[i];
    const uint64_t at = table_offset + i * spec::program_header_size;
    put(bytes, at + 0, s.type, 4);
    put(bytes, at + 4, s.flags, 4);
    put(bytes, at + 8, s.offset, 8);
    put(bytes, at + 16, s.vaddr, 8);
    put(bytes, at + 24, s.vaddr, 8);
    put(bytes, at + 32, s.file_size, 8);
    put(bytes, at + 40, s.memory_size, 8);
    put(bytes, at + 48, s.align, 8);
  }
  return bytes;
}

bool segment_spec(const Segment& s) {
  const bool flags = (s.flags & ~uint32_t{7}) == 0 && (s.flags & elf::PF_R) != 0 &&
                     !((s.flags & elf::PF_W) != 0 && (s.flags & elf::PF_X) != 0);
  return flags && s.memory_size > 0 && s.file_size <= s.memory_size &&
         s.offset + s.file_size <= file_length && (s.vaddr - s.offset) % spec::page_size == 0 &&
         s.vaddr >= spec::vaddr_min && s.vaddr + s.memory_size <= spec::vaddr_limit;
}

uint64_t first_page(const Segment& s) { return s.vaddr / spec::page_size; }
uint64_t end_page(const Segment& s) {  // one past the last page the segment touches
  return (s.vaddr + s.memory_size + spec::page_size - 1) / spec::page_size;
}

bool tls_in(const Segment& tls, const Segment& load) {
  if (tls.vaddr < load.vaddr) return false;
  if (tls.file_size == 0) return tls.vaddr <= load.vaddr + load.memory_size;
  return tls.vaddr + tls.file_size <= load.vaddr + load.file_size && tls.offset >= load.offset &&
         tls.offset - load.offset == tls.vaddr - load.vaddr;
}

// What the loader may accept (every segment on its own is segment_spec; then the layout).
bool layout_spec(const Layout& layout) {
  for (const Segment& s : layout.loads) {
    if (!segment_spec(s)) return false;
  }
  for (size_t i = 0; i < layout.loads.size(); ++i) {
    for (size_t j = i + 1; j < layout.loads.size(); ++j) {
      const Segment& a = layout.loads[i];
      const Segment& b = layout.loads[j];
      if (first_page(a) < end_page(b) && first_page(b) < end_page(a)) return false;  // shared
    }
  }
  bool entry = false;
  for (const Segment& s : layout.loads) {
    entry = entry || ((s.flags & elf::PF_X) != 0 && s.vaddr <= layout.entry &&
                      layout.entry < s.vaddr + s.file_size);
  }
  if (!entry) return false;
  if (!layout.tls.has_value()) return true;
  for (const Segment& s : layout.loads) {
    if (tls_in(*layout.tls, s)) return true;
  }
  return false;
}

// A PT_LOAD at page `page` (1-based, from 0x1000) + `in_page`, its file bytes at the same
// in-page offset in file page 1.
Segment load(uint64_t page, uint64_t in_page, uint64_t memory_size, uint32_t flags,
             bool file_backed) {
  Segment s;
  s.flags = flags;
  s.vaddr = page * spec::page_size + in_page;
  s.offset = spec::page_size + in_page;
  s.memory_size = memory_size;
  s.file_size = file_backed ? memory_size : 0;
  return s;
}

std::vector<Segment> placements(bool wide) {
  std::vector<Segment> all;
  const std::vector<uint32_t> flag_set =
      wide ? std::vector<uint32_t>{elf::PF_R, elf::PF_R | elf::PF_X, elf::PF_R | elf::PF_W}
           : std::vector<uint32_t>{elf::PF_R | elf::PF_X};
  for (uint64_t page = 1; page <= 3; ++page) {
    for (uint64_t in_page : {uint64_t{0}, uint64_t{0x800}}) {
      for (uint64_t size : {uint64_t{0x800}, uint64_t{0x1000}}) {
        for (uint32_t flags : flag_set) {
          for (bool backed : {true, false}) {
            if (!wide && !backed) continue;
            all.push_back(load(page, in_page, size, flags, backed));
          }
        }
      }
    }
  }
  return all;
}

// Entry candidates: the start of each segment, its last file-backed byte, one past it.
std::vector<uint64_t> entries(const std::vector<Segment>& loads) {
  std::vector<uint64_t> out;
  for (const Segment& s : loads) {
    out.push_back(s.vaddr);
    if (s.file_size > 0) out.push_back(s.vaddr + s.file_size - 1);
    out.push_back(s.vaddr + s.file_size);
  }
  return out;
}

// TLS candidates relative to the first segment: inside its file bytes at the matching offset,
// at a mismatched offset, running past its file bytes, empty inside its memory, and empty
// just past it.
std::vector<Segment> tls_options(const Segment& s) {
  std::vector<Segment> out;
  const auto tls = [&](uint64_t delta, uint64_t size, int64_t offset_shift) {
    Segment t;
    t.type = elf::PT_TLS;
    t.flags = elf::PF_R;
    t.align = 8;
    t.vaddr = s.vaddr + delta;
    t.offset = s.offset + delta + static_cast<uint64_t>(offset_shift);
    t.file_size = size;
    t.memory_size = size + 0x40;
    out.push_back(t);
  };
  tls(0x100, 0x100, 0);
  tls(0x100, 0x100, 0x10);
  tls(s.memory_size - 0x80, 0x100, 0);
  tls(0x100, 0, 0);
  tls(s.memory_size + 0x10, 0, 0);
  return out;
}

}  // namespace

bool check_layouts(Report& report) {
  uint64_t images = 0;
  uint64_t accepted = 0;
  bool ok = true;
  std::string first_mismatch;
  const auto one = [&](const Layout& layout) {
    const std::vector<uint8_t> bytes = build(layout);
    const Result<elf::ElfImage, elf::ElfError> image =
        elf::parse_executable(ByteView(bytes.data(), bytes.size()));
    const bool expected = layout_spec(layout);
    bool agrees = image.has_value() == expected;
    if (agrees && expected) {  // the image is exactly the PT_LOADs, in order
      agrees = image->segments.size() == layout.loads.size() && image->entry == layout.entry &&
               image->tls.has_value() == layout.tls.has_value();
      for (size_t i = 0; agrees && i < layout.loads.size(); ++i) {
        const elf::LoadSegment& got = image->segments[i];
        const Segment& want = layout.loads[i];
        agrees = got.virtual_address == want.vaddr && got.memory_size == want.memory_size &&
                 got.file_offset == want.offset && got.file_size == want.file_size &&
                 got.flags == want.flags;
      }
    }
    if (!agrees && first_mismatch.empty()) {
      first_mismatch = " (first: " + std::to_string(layout.loads.size()) + " PT_LOADs at";
      for (const Segment& s : layout.loads) first_mismatch += " " + std::to_string(s.vaddr);
      first_mismatch += ", entry " + std::to_string(layout.entry) + ", spec " +
                        (expected ? "accepts" : "rejects") + ")";
    }
    ok = ok && agrees;
    accepted += expected ? 1 : 0;
    ++images;
  };
  const std::vector<Segment> wide = placements(true);
  for (const Segment& a : wide) {  // one segment, every entry and TLS option
    for (uint64_t entry : entries({a})) one({{a}, std::nullopt, entry});
    for (const Segment& t : tls_options(a)) one({{a}, t, a.vaddr});
  }
  for (const Segment& a : wide) {  // two segments: every pair, every entry; TLS in the first
    for (const Segment& b : wide) {
      for (uint64_t entry : entries({a, b})) one({{a, b}, std::nullopt, entry});
      for (const Segment& t : tls_options(a)) one({{a, b}, t, b.vaddr});
    }
  }
  const std::vector<Segment> narrow = placements(false);
  for (const Segment& a : narrow) {  // three executable segments: every triple
    for (const Segment& b : narrow) {
      for (const Segment& c : narrow) one({{a, b, c}, std::nullopt, c.vaddr});
    }
  }
  report.line(ok, std::string(ok ? "CHECKED" : "MISMATCH") +
                      " layout: parse_executable() accepts exactly the segment layouts the spec "
                      "allows (no shared page, entry in executable file bytes, TLS inside a "
                      "PT_LOAD): " +
                      std::to_string(images) + " images, " + std::to_string(accepted) +
                      " accepted" + (ok ? "" : first_mismatch));
  return ok;
}

}  // namespace capos::verify::elf_proof
