// Structural layer: parse_headers accepts every well-formed ELF64 LE file and rejects each
// malformed header with its own ElfError.
#include "lib/elf/elf_file.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <vector>

#include "tests/lib/elf/elf_builder.h"

namespace capos::elf {
namespace {

using test::build;
using test::ElfSpec;
using test::PhdrSpec;
using test::static_executable;
using test::structural_error;
using test::view;

std::optional<ElfError> structural_error_of(const ElfSpec& spec) {
  return structural_error(build(spec));
}

TEST(ElfFile, ReadsHeaderAndEveryProgramHeaderField) {
  ElfSpec spec = static_executable();
  spec.phdrs.push_back(PhdrSpec{0x6abc'def0, 0xf000'0007, 0x1122'3344'5566'7788,
                                0x8877'6655'4433'2211, 0xdead'beef'0000'0001, 0x10, 0x20, 3});
  spec.flags = 0x1234'5678;
  spec.shoff = 0x9999;
  spec.shnum = 7;
  spec.ident[7] = 3;  // ELFOSABI_GNU: not interpreted
  const std::vector<uint8_t> bytes = build(spec);
  auto file = parse_headers(view(bytes));
  ASSERT_TRUE(file.has_value());
  EXPECT_EQ(file->header().type, ET_EXEC);
  EXPECT_EQ(file->header().machine, EM_X86_64);
  EXPECT_EQ(file->header().entry, 0x401010U);
  EXPECT_EQ(file->header().program_header_offset, 64U);
  EXPECT_EQ(file->header().flags, 0x1234'5678U);
  EXPECT_EQ(file->header().section_header_offset, 0x9999U);
  EXPECT_EQ(file->header().section_header_count, 7U);
  EXPECT_EQ(file->header().os_abi, 3U);
  EXPECT_EQ(file->bytes().data(), bytes.data());
  ASSERT_EQ(file->program_header_count(), spec.phdrs.size());
  for (size_t i = 0; i < spec.phdrs.size(); ++i) {
    auto phdr = file->program_header(i);
    ASSERT_TRUE(phdr.has_value());
    EXPECT_EQ(phdr->type, spec.phdrs[i].type);
    EXPECT_EQ(phdr->flags, spec.phdrs[i].flags);
    EXPECT_EQ(phdr->file_offset, spec.phdrs[i].offset);
    EXPECT_EQ(phdr->virtual_address, spec.phdrs[i].vaddr);
    EXPECT_EQ(phdr->physical_address, spec.phdrs[i].paddr);
    EXPECT_EQ(phdr->file_size, spec.phdrs[i].filesz);
    EXPECT_EQ(phdr->memory_size, spec.phdrs[i].memsz);
    EXPECT_EQ(phdr->alignment, spec.phdrs[i].align);
  }
}

TEST(ElfFile, AcceptsAnyWellFormedElf64LittleEndianFile) {
  ElfSpec spec = static_executable();
  spec.type = ET_DYN;
  spec.machine = 183;  // EM_AARCH64
  EXPECT_EQ(structural_error_of(spec), std::nullopt);
  spec.type = 1;  // ET_REL
  EXPECT_EQ(structural_error_of(spec), std::nullopt);
}

TEST(ElfFile, ZeroProgramHeadersIgnoresPhoffAndPhentsize) {
  ElfSpec spec;
  spec.phoff = 0xffff'ffff'ffff'ff00;
  spec.phentsize = 0;
  auto bytes = build(spec);
  auto file = parse_headers(view(bytes));
  ASSERT_TRUE(file.has_value());
  EXPECT_EQ(file->program_header_count(), 0U);
  EXPECT_EQ(file->program_header(0).error(), ElfError::ProgramHeaderIndexOutOfRange);
}

TEST(ElfFile, TooShort) {
  EXPECT_EQ(structural_error({}), ElfError::TooShort);
  std::vector<uint8_t> bytes = build(static_executable());
  bytes.resize(63);
  EXPECT_EQ(structural_error(bytes), ElfError::TooShort);
  bytes = {0x7f, 'E', 'L', 'F'};
  EXPECT_EQ(structural_error(bytes), ElfError::TooShort);
}

TEST(ElfFile, BadMagic) {
  for (size_t i = 0; i < 4; ++i) {
    ElfSpec spec = static_executable();
    spec.ident[i] ^= 0x20;
    EXPECT_EQ(structural_error_of(spec), ElfError::BadMagic) << "byte " << i;
  }
}

TEST(ElfFile, NotElf64) {
  ElfSpec spec = static_executable();
  for (const uint8_t elf_class : std::initializer_list<uint8_t>{0, 1, 3}) {
    spec.ident[4] = elf_class;
    EXPECT_EQ(structural_error_of(spec), ElfError::NotElf64);
  }
}

TEST(ElfFile, NotLittleEndian) {
  ElfSpec spec = static_executable();
  for (const uint8_t data : std::initializer_list<uint8_t>{0, 2, 3}) {
    spec.ident[5] = data;
    EXPECT_EQ(structural_error_of(spec), ElfError::NotLittleEndian);
  }
}

TEST(ElfFile, BadVersionInIdent) {
  ElfSpec spec = static_executable();
  spec.ident[6] = 0;
  EXPECT_EQ(structural_error_of(spec), ElfError::BadVersion);
}

TEST(ElfFile, BadVersionInHeader) {
  ElfSpec spec = static_executable();
  spec.version = 2;
  EXPECT_EQ(structural_error_of(spec), ElfError::BadVersion);
}

TEST(ElfFile, BadHeaderSize) {
  ElfSpec spec = static_executable();
  for (const uint16_t size : std::initializer_list<uint16_t>{0, 52, 63, 65, 0xffff}) {
    spec.ehsize = size;
    EXPECT_EQ(structural_error_of(spec), ElfError::BadHeaderSize) << size;
  }
}

TEST(ElfFile, BadPhentsize) {
  ElfSpec spec = static_executable();
  for (const uint16_t size : std::initializer_list<uint16_t>{0, 32, 55, 57, 64}) {
    spec.phentsize = size;
    EXPECT_EQ(structural_error_of(spec), ElfError::BadPhentsize) << size;
  }
}

TEST(ElfFile, TooManyProgramHeaders) {
  ElfSpec spec = static_executable();
  spec.phdrs.resize(MAX_PROGRAM_HEADERS, PhdrSpec{PT_NULL});
  EXPECT_EQ(structural_error_of(spec), std::nullopt);  // exactly at the bound
  spec.phdrs.push_back(PhdrSpec{PT_NULL});
  EXPECT_EQ(structural_error_of(spec), ElfError::TooManyProgramHeaders);
}

TEST(ElfFile, ExtendedNumberingIsRejected) {
  ElfSpec spec = static_executable();
  spec.phnum = PN_XNUM;
  EXPECT_EQ(structural_error_of(spec), ElfError::TooManyProgramHeaders);
}

TEST(ElfFile, ProgramHeadersOutOfFile) {
  ElfSpec spec = static_executable();
  const uint64_t table_end = 64 + spec.phdrs.size() * 56;
  spec.file_size = table_end;  // table ends exactly at EOF: accepted structurally
  EXPECT_EQ(structural_error_of(spec), std::nullopt);
  spec.file_size = table_end - 1;
  EXPECT_EQ(structural_error_of(spec), ElfError::ProgramHeadersOutOfFile);

  ElfSpec far = static_executable();
  far.phoff = 0xffff'ffff'ffff'ffc0;  // offset + size wraps past 2^64
  EXPECT_EQ(structural_error_of(far), ElfError::ProgramHeadersOutOfFile);
  far.phoff = 1ULL << 40;
  EXPECT_EQ(structural_error_of(far), ElfError::ProgramHeadersOutOfFile);
}

TEST(ElfFile, ProgramHeaderIndexOutOfRange) {
  const std::vector<uint8_t> bytes = build(static_executable());
  auto file = parse_headers(view(bytes));
  ASSERT_TRUE(file.has_value());
  EXPECT_TRUE(file->program_header(3).has_value());
  EXPECT_EQ(file->program_header(4).error(), ElfError::ProgramHeaderIndexOutOfRange);
  EXPECT_EQ(file->program_header(SIZE_MAX).error(), ElfError::ProgramHeaderIndexOutOfRange);
}

TEST(ElfError, EveryValueHasANameAndAnError) {
  for (int raw = static_cast<int>(ElfError::TooShort);
       raw <= static_cast<int>(ElfError::TlsTooLarge); ++raw) {
    const auto error = static_cast<ElfError>(raw);
    EXPECT_STRNE(elf_error_name(error), "UnknownElfError") << raw;
    EXPECT_NE(error_name(to_error(error)), nullptr);
  }
  EXPECT_STREQ(elf_error_name(ElfError::SegmentsOverlap), "SegmentsOverlap");
  EXPECT_STREQ(elf_error_name(static_cast<ElfError>(0)), "UnknownElfError");
  EXPECT_EQ(to_error(ElfError::BadMagic), Error::Malformed);
  EXPECT_EQ(to_error(ElfError::WrongMachine), Error::Unsupported);
  EXPECT_EQ(to_error(ElfError::WritableAndExecutable), Error::Unsupported);
  EXPECT_EQ(to_error(ElfError::TooManyLoadSegments), Error::TooBig);
  EXPECT_EQ(to_error(ElfError::SegmentOutsideUserHalf), Error::OutOfRange);
  EXPECT_EQ(to_error(ElfError::SegmentAddressOverflow), Error::Overflow);
}

}  // namespace
}  // namespace capos::elf
