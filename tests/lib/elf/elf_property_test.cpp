// Properties of the ELF parser on generated and corrupted files: nothing crashes (ASan/UBSan
// watch every run), generated valid executables are accepted exactly as built, and whatever
// is accepted satisfies every loader invariant, re-checked independently from the raw bytes.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <vector>

#include "lib/elf/elf_file.h"
#include "lib/elf/elf_image.h"
#include "tests/lib/elf/elf_builder.h"
#include "tests/lib/elf/elf_invariants.h"
#include "tools/verify_report/evidence.h"

namespace capos::elf {
namespace {

using test::build;
using test::ElfSpec;
using test::kPage;
using test::PhdrSpec;
using test::raw_le;
using test::raw_program_headers;
using test::satisfies_loader_invariants;
using test::view;

// One of `values`, shrinking towards the first.
template <typename T>
T pick(std::initializer_list<T> values) {
  return *rc::gen::elementOf(std::vector<T>(values));
}

uint64_t pages_for(uint64_t bytes) { return (bytes + kPage - 1) / kPage; }

// A random static executable that the loader must accept: 1-8 PT_LOADs at increasing,
// page-disjoint addresses (sometimes touching ELF_VADDR_MIN or ending at the last page below
// ELF_VADDR_LIMIT), one of them code holding the entry, an optional PT_TLS inside a segment's
// file bytes (or an empty one anywhere), and informational headers sprinkled in between.
ElfSpec random_valid_spec() {
  struct Shape {
    uint64_t page_offset, memsz, filesz, gap_pages, align;
    uint32_t flags;
  };
  const size_t load_count = *rc::gen::inRange<size_t>(1, 9);
  const size_t code_index = *rc::gen::inRange<size_t>(0, load_count);
  std::vector<Shape> shapes;
  uint64_t virtual_pages = 0;
  for (size_t i = 0; i < load_count; ++i) {
    Shape s{};
    s.page_offset = pick<uint64_t>({0, 0x10, 0x800, 0xff0});
    s.memsz = *rc::gen::inRange<uint64_t>(1, 3 * kPage);
    s.filesz = *rc::gen::inRange<uint64_t>(0, std::min(s.memsz, 2 * kPage) + 1);
    s.flags = i == code_index ? PF_R | PF_X : pick<uint32_t>({PF_R, PF_R | PF_W, PF_R | PF_X});
    if (i == code_index) s.filesz = std::max<uint64_t>(s.filesz, 1);
    s.gap_pages = pick<uint64_t>({0, 0, 1, 7});
    s.align = pick<uint64_t>({0, 1, 16, kPage});
    virtual_pages += s.gap_pages + pages_for(s.page_offset + s.memsz);
    shapes.push_back(s);
  }
  const uint64_t first_page = ELF_VADDR_MIN / kPage;
  const uint64_t last_base = ELF_VADDR_LIMIT / kPage - virtual_pages;
  const uint64_t base_page = *rc::gen::oneOf(rc::gen::just(first_page), rc::gen::just(last_base),
                                             rc::gen::inRange(first_page, last_base + 1));

  ElfSpec spec;
  std::vector<PhdrSpec> loads;
  uint64_t file_page = 1;  // page 0 holds the ELF header and the program header table
  uint64_t virtual_page = base_page;
  for (const Shape& s : shapes) {
    virtual_page += s.gap_pages;
    const uint64_t vaddr = virtual_page * kPage + s.page_offset;
    loads.push_back(
        test::load(s.flags, file_page * kPage + s.page_offset, vaddr, s.filesz, s.memsz, s.align));
    virtual_page += pages_for(s.page_offset + s.memsz);
    file_page += std::max<uint64_t>(1, pages_for(s.page_offset + s.filesz));
  }
  const PhdrSpec& code = loads[code_index];
  spec.entry = code.vaddr + *rc::gen::inRange<uint64_t>(0, code.filesz);

  std::vector<PhdrSpec> others;
  if (*rc::gen::arbitrary<bool>()) {
    const PhdrSpec& host = loads[*rc::gen::inRange<size_t>(0, load_count)];
    const uint64_t delta = *rc::gen::inRange<uint64_t>(0, host.filesz + 1);
    const uint64_t filesz = *rc::gen::inRange<uint64_t>(0, host.filesz - delta + 1);
    const uint64_t memsz = filesz + *rc::gen::inRange<uint64_t>(0, 257);
    const uint64_t align = pick<uint64_t>({0, 1, 8, 16, 64, kPage});
    others.push_back(PhdrSpec{PT_TLS, PF_R, host.offset + delta, host.vaddr + delta,
                              host.vaddr + delta, filesz, memsz, align});
  } else if (*rc::gen::arbitrary<bool>()) {
    // An empty PT_TLS, as ld.lld writes it for user.ld without thread-locals (address 0), or
    // anywhere at all: it means no TLS and is accepted wherever it points.
    const uint64_t vaddr = pick<uint64_t>({0, ELF_VADDR_MIN, uint64_t{1} << 47, UINT64_MAX});
    const uint64_t offset = pick<uint64_t>({0, kPage});
    others.push_back(
        PhdrSpec{PT_TLS, PF_R, offset, vaddr, vaddr, 0, 0, pick<uint64_t>({0, 1, 64})});
  }
  if (*rc::gen::arbitrary<bool>()) others.push_back(PhdrSpec{PT_GNU_STACK, PF_R | PF_W});
  if (*rc::gen::arbitrary<bool>()) others.push_back(PhdrSpec{PT_NOTE, PF_R, 0x40, 0, 0, 8, 8, 4});
  if (*rc::gen::arbitrary<bool>()) others.push_back(PhdrSpec{PT_NULL});
  spec.phdrs = loads;
  for (const PhdrSpec& other : others) {
    const size_t at = *rc::gen::inRange<size_t>(0, spec.phdrs.size() + 1);
    spec.phdrs.insert(spec.phdrs.begin() + static_cast<std::ptrdiff_t>(at), other);
  }
  return spec;
}

// parse_headers agrees with an independent reading of the header and every program header.
void check_structure(const std::vector<uint8_t>& bytes) {
  auto file = parse_headers(view(bytes));
  if (!file.has_value()) return;
  RC_ASSERT(raw_le(bytes, 0, 4) == 0x464c457fU);
  RC_ASSERT(raw_le(bytes, 24, 8) == file->header().entry);
  const auto raw = raw_program_headers(bytes);
  RC_ASSERT(raw.has_value());
  RC_ASSERT(raw->size() == file->program_header_count());
  for (size_t i = 0; i < raw->size(); ++i) {
    auto phdr = file->program_header(i);
    RC_ASSERT(phdr.has_value());
    const test::RawPhdr& r = (*raw)[i];
    RC_ASSERT(phdr->type == r.type && phdr->flags == r.flags && phdr->file_offset == r.offset &&
              phdr->virtual_address == r.vaddr && phdr->physical_address == r.paddr &&
              phdr->file_size == r.filesz && phdr->memory_size == r.memsz &&
              phdr->alignment == r.align);
  }
  RC_ASSERT(file->program_header(raw->size()).error() == ElfError::ProgramHeaderIndexOutOfRange);
}

// Runs both layers; whatever the loader accepts must satisfy every invariant.
void check_any_file(const std::vector<uint8_t>& bytes) {
  check_structure(bytes);
  auto image = parse_executable(view(bytes));
  // The distribution is printed after each property, showing it is not vacuously true.
  RC_TAG(image.has_value() ? "accepted" : elf_error_name(image.error()));
  if (image.has_value()) RC_ASSERT(satisfies_loader_invariants(bytes, *image));
}

RC_GTEST_PROP(ElfProperty, GeneratedExecutablesAreAcceptedAsBuilt, ()) {
  const ElfSpec spec = random_valid_spec();
  const std::vector<uint8_t> bytes = build(spec);
  auto image = parse_executable(view(bytes));
  RC_ASSERT(image.has_value());
  RC_ASSERT(satisfies_loader_invariants(bytes, *image));
  RC_ASSERT(image->entry == spec.entry);
  check_structure(bytes);
}

RC_GTEST_PROP(ElfProperty, RandomBytesAreRejectedWithoutMagic,
              (const std::vector<uint8_t>& bytes)) {
  const bool magic = bytes.size() >= 4 && bytes[0] == 0x7f && bytes[1] == 'E' && bytes[2] == 'L' &&
                     bytes[3] == 'F';
  auto file = parse_headers(view(bytes));
  auto image = parse_executable(view(bytes));
  if (!magic) {
    RC_ASSERT(!file.has_value());
    RC_ASSERT(!image.has_value());
    RC_ASSERT(file.error() == ElfError::TooShort || file.error() == ElfError::BadMagic);
    RC_ASSERT(image.error() == file.error());
  }
  check_any_file(bytes);
}

// Random content behind a plausible identification, so the generator reaches the program
// header checks instead of stopping at the magic.
RC_GTEST_PROP(ElfProperty, RandomBodiesBehindAValidHeaderNeverBreakInvariants, ()) {
  capos::verify_report::evidence(3, "no-crash", capos::verify_report::EvidenceKind::Tested);
  capos::verify_report::evidence(3, "well-formed-only", capos::verify_report::EvidenceKind::Tested);
  std::vector<uint8_t> bytes = *rc::gen::container<std::vector<uint8_t>>(
      *rc::gen::inRange<size_t>(64, 2048), rc::gen::arbitrary<uint8_t>());
  const ElfSpec header_only;
  const std::vector<uint8_t> header = build(header_only);
  std::copy(header.begin(), header.begin() + 64, bytes.begin());
  test::put(bytes, 16, pick<uint64_t>({ET_EXEC, ET_DYN, 0}), 2);
  test::put(bytes, 32, pick<uint64_t>({64, 120, 0xffff'ffff'ffff'fff0}), 8);
  test::put(bytes, 56, *rc::gen::inRange<uint64_t>(0, 12), 2);
  check_any_file(bytes);
}

// Offsets and widths of every field of the header and of each program header.
struct Field {
  uint64_t offset;
  unsigned width;
};

std::vector<Field> fields_of(const ElfSpec& spec) {
  std::vector<Field> fields = {{4, 1},  {5, 1},  {6, 1},  {16, 2}, {18, 2}, {20, 4},
                               {24, 8}, {32, 8}, {52, 2}, {54, 2}, {56, 2}};
  for (size_t i = 0; i < spec.phdrs.size(); ++i) {
    const uint64_t base = spec.phoff + i * 56;
    for (const Field f : {Field{0, 4}, Field{4, 4}, Field{8, 8}, Field{16, 8}, Field{24, 8},
                          Field{32, 8}, Field{40, 8}, Field{48, 8}}) {
      fields.push_back({base + f.offset, f.width});
    }
  }
  return fields;
}

// Values that sit on the boundaries the validator checks, near the old value, or anywhere.
uint64_t interesting_value(uint64_t old) {
  switch (*rc::gen::inRange(0, 4)) {
    case 0:
      return pick<uint64_t>({0,
                             1,
                             2,
                             3,
                             7,
                             56,
                             64,
                             kPage - 1,
                             kPage,
                             kPage + 1,
                             ELF_VADDR_LIMIT - 1,
                             ELF_VADDR_LIMIT,
                             ELF_VADDR_LIMIT + 1,
                             MAX_TLS_SIZE + 1,
                             0x7fff'ffff'ffff'ffff,
                             0x8000'0000'0000'0000,
                             0xffff'ffff'ffff'f000,
                             0xffff'ffff'ffff'ffff,
                             PT_LOAD,
                             PT_TLS,
                             PT_INTERP,
                             PT_DYNAMIC,
                             PT_GNU_STACK,
                             PT_SHLIB});
    case 1: return old + *rc::gen::inRange<uint64_t>(1, 0x2001);
    case 2: return old - *rc::gen::inRange<uint64_t>(1, 0x2001);
    default: return *rc::gen::arbitrary<uint64_t>();
  }
}

RC_GTEST_PROP(ElfProperty, SingleFieldPerturbationsNeverBreakInvariants, ()) {
  capos::verify_report::evidence(3, "no-crash", capos::verify_report::EvidenceKind::Tested);
  capos::verify_report::evidence(3, "well-formed-only", capos::verify_report::EvidenceKind::Tested);
  const ElfSpec spec = random_valid_spec();
  std::vector<uint8_t> bytes = build(spec);
  const std::vector<Field> fields = fields_of(spec);
  const Field field = fields[*rc::gen::inRange<size_t>(0, fields.size())];
  const uint64_t old = *raw_le(bytes, field.offset, field.width);
  test::put(bytes, field.offset, interesting_value(old), field.width);
  check_any_file(bytes);
}

RC_GTEST_PROP(ElfProperty, ByteFlipsNeverBreakInvariants, ()) {
  std::vector<uint8_t> bytes = build(random_valid_spec());
  const size_t flips = *rc::gen::inRange<size_t>(1, 9);
  // Most flips land in the first page, where the headers live.
  const size_t window =
      *rc::gen::arbitrary<bool>() ? std::min<size_t>(bytes.size(), 1024) : bytes.size();
  for (size_t i = 0; i < flips; ++i) {
    bytes[*rc::gen::inRange<size_t>(0, window)] ^= *rc::gen::inRange<uint8_t>(1, 255);
  }
  check_any_file(bytes);
}

RC_GTEST_PROP(ElfProperty, TruncationNeverBreaksInvariants, ()) {
  std::vector<uint8_t> bytes = build(random_valid_spec());
  bytes.resize(*rc::gen::inRange<size_t>(0, bytes.size()));
  check_any_file(bytes);
}

}  // namespace
}  // namespace capos::elf
