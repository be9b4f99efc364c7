// Loader policy: parse_executable accepts static x86-64 executables that fit the capOS user
// layout and rejects every other file with the ElfError of the rule it breaks.
#include "lib/elf/elf_image.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "tests/lib/elf/elf_builder.h"
#include "tests/lib/elf/elf_invariants.h"

namespace capos::elf {
namespace {

using test::build;
using test::ElfSpec;
using test::kPage;
using test::load;
using test::loader_error;
using test::PhdrSpec;
using test::satisfies_loader_invariants;
using test::static_executable;
using test::static_executable_with_tls;
using test::view;

constexpr uint32_t kR = PF_R;
constexpr uint32_t kRX = PF_R | PF_X;
constexpr uint32_t kRW = PF_R | PF_W;

// Indices into static_executable().phdrs.
constexpr size_t kHeaders = 0;
constexpr size_t kCode = 1;
constexpr size_t kData = 2;
constexpr size_t kStack = 3;
constexpr size_t kTls = 4;

// ---- Accepted files ----

TEST(ElfImage, AcceptsStaticExecutable) {
  const std::vector<uint8_t> bytes = build(static_executable());
  auto image = parse_executable(view(bytes));
  ASSERT_TRUE(image.has_value()) << elf_error_name(image.error());
  EXPECT_TRUE(satisfies_loader_invariants(bytes, *image));
  EXPECT_EQ(image->entry, 0x401010U);
  ASSERT_EQ(image->segments.size(), 3U);
  const LoadSegment& data = image->segments[2];
  EXPECT_EQ(data.virtual_address, 0x402000U);
  EXPECT_EQ(data.memory_size, 0x3000U);
  EXPECT_EQ(data.file_offset, 0x2000U);
  EXPECT_EQ(data.file_size, 0x100U);
  EXPECT_EQ(data.alignment, kPage);
  EXPECT_TRUE(data.writable());
  EXPECT_FALSE(data.executable());
  EXPECT_TRUE(image->segments[1].executable());
  EXPECT_EQ(data.page_start(), 0x402000U);
  EXPECT_EQ(data.page_end(), 0x405000U);
  EXPECT_EQ(image->file_bytes(data).data(), bytes.data() + 0x2000);
  EXPECT_FALSE(image->tls.has_value());
}

TEST(ElfImage, AcceptsTls) {
  const std::vector<uint8_t> bytes = build(static_executable_with_tls());
  auto image = parse_executable(view(bytes));
  ASSERT_TRUE(image.has_value()) << elf_error_name(image.error());
  EXPECT_TRUE(satisfies_loader_invariants(bytes, *image));
  ASSERT_TRUE(image->tls.has_value());
  EXPECT_EQ(image->tls->virtual_address, 0x402000U);
  EXPECT_EQ(image->tls->file_size, 0x20U);
  EXPECT_EQ(image->tls->memory_size, 0x80U);
  EXPECT_EQ(image->tls->alignment, 16U);
  EXPECT_EQ(image->file_bytes(*image->tls).size(), 0x20U);
}

// What ld.lld emits for a program linked with user.ld (which has a PT_TLS line) but without
// thread-locals: an all-zero PT_TLS at address 0, inside no segment. It means "no TLS" (issue 14:
// it used to be refused with TlsOutsideLoad).
TEST(ElfImage, AcceptsAnEmptyTlsSegmentAsNoTls) {
  ElfSpec spec = static_executable();
  spec.phdrs.push_back(PhdrSpec{PT_TLS, PF_R, 0, 0, 0, 0, 0, 0});
  const std::vector<uint8_t> bytes = build(spec);
  auto image = parse_executable(view(bytes));
  ASSERT_TRUE(image.has_value()) << elf_error_name(image.error());
  EXPECT_FALSE(image->tls.has_value());
  EXPECT_TRUE(satisfies_loader_invariants(bytes, *image));
  spec.phdrs.back().vaddr = 0x7fff'0000'0000;  // anywhere: nothing is placed
  EXPECT_EQ(loader_error(spec), std::nullopt);
}

TEST(ElfImageRejects, EmptyTlsSegmentWithBadFields) {
  ElfSpec spec = static_executable();
  spec.phdrs.push_back(PhdrSpec{PT_TLS, PF_R, 0, 0, 0, 0, 0, 0});
  spec.phdrs.back().filesz = 1;  // more file bytes than memory
  EXPECT_EQ(loader_error(spec), ElfError::FileSizeExceedsMemSize);
  spec.phdrs.back().filesz = 0;
  spec.phdrs.back().align = 24;
  EXPECT_EQ(loader_error(spec), ElfError::BadAlignment);
  spec.phdrs.back().align = uint64_t{2} * kPage;  // a power of two, but above the TLS limit
  EXPECT_EQ(loader_error(spec), ElfError::TlsTooLarge);
}

TEST(ElfImageRejects, EmptyTlsStillCountsTowardsOneTls) {
  ElfSpec spec = static_executable_with_tls();
  spec.phdrs.push_back(PhdrSpec{PT_TLS, PF_R, 0, 0, 0, 0, 0, 0});
  EXPECT_EQ(loader_error(spec), ElfError::MultipleTls);
  ElfSpec empty_first = static_executable();
  empty_first.phdrs.push_back(PhdrSpec{PT_TLS, PF_R, 0, 0, 0, 0, 0, 0});
  empty_first.phdrs.push_back(static_executable_with_tls().phdrs[kTls]);
  EXPECT_EQ(loader_error(empty_first), ElfError::MultipleTls);
}

TEST(ElfImage, AcceptsTlsWithoutTemplateBytesAndAtTheSizeLimit) {
  ElfSpec spec = static_executable_with_tls();
  spec.phdrs[kTls].filesz = 0;
  spec.phdrs[kTls].memsz = MAX_TLS_SIZE;
  spec.phdrs[kTls].align = 0;
  spec.phdrs[kTls].vaddr = 0x402000 + 0x3000;  // an empty template may point at the end
  EXPECT_EQ(loader_error(spec), std::nullopt);
}

TEST(ElfImage, AcceptsSegmentsAtTheUserRangeBoundaries) {
  ElfSpec spec;
  spec.entry = ELF_VADDR_MIN;
  spec.phdrs = {load(kRX, 0x1000, ELF_VADDR_MIN, 0x10, kPage),
                load(kRW, 0x2000, ELF_VADDR_LIMIT - kPage, 0x10, kPage)};
  const std::vector<uint8_t> bytes = build(spec);
  auto image = parse_executable(view(bytes));
  ASSERT_TRUE(image.has_value()) << elf_error_name(image.error());
  EXPECT_TRUE(satisfies_loader_invariants(bytes, *image));
  EXPECT_EQ(image->segments[1].page_end(), ELF_VADDR_LIMIT);
}

TEST(ElfImage, AcceptsMaximumNumberOfSegmentsInAdjacentPages) {
  ElfSpec spec;
  spec.entry = 0x10000;
  for (uint64_t i = 0; i < MAX_LOAD_SEGMENTS; ++i) {
    // Alternate code and data; each ends exactly where the next page begins.
    spec.phdrs.push_back(
        load(i % 2 == 0 ? kRX : kRW, kPage * (i + 1), 0x10000 + kPage * i, 0x20, kPage));
  }
  const std::vector<uint8_t> bytes = build(spec);
  auto image = parse_executable(view(bytes));
  ASSERT_TRUE(image.has_value()) << elf_error_name(image.error());
  EXPECT_EQ(image->segments.size(), MAX_LOAD_SEGMENTS);
  EXPECT_TRUE(satisfies_loader_invariants(bytes, *image));
}

TEST(ElfImage, AcceptsInformationalAndVendorSegmentTypes) {
  ElfSpec spec = static_executable();
  for (uint32_t type : {PT_NULL, PT_NOTE, PT_PHDR, PT_GNU_EH_FRAME, PT_GNU_PROPERTY, PT_GNU_RELRO,
                        0x6474'e554U /* PT_GNU_SFRAME */, 0x6abc'def0U, 0x7000'0001U}) {
    spec.phdrs.push_back(PhdrSpec{type, kR, 0x40, 0x400040, 0x400040, 0x20, 0x20, 8});
  }
  EXPECT_EQ(loader_error(spec), std::nullopt);
}

TEST(ElfImage, AcceptsMissingStackHeaderAndAnyPowerOfTwoAlignment) {
  ElfSpec spec = static_executable();
  spec.phdrs.pop_back();  // no PT_GNU_STACK: the stack is non-executable anyway
  spec.phdrs[kHeaders].align = 0;
  spec.phdrs[kCode].align = 1;
  spec.phdrs[kData].align = 0x20'0000;  // 2 MiB, congruent: 0x402000 - 0x2000 = 0x400000
  EXPECT_EQ(loader_error(spec), std::nullopt);
}

// ---- One test per rejection ----

TEST(ElfImageRejects, NotExecutable) {
  for (uint16_t type : {uint16_t{0}, uint16_t{1}, ET_DYN, uint16_t{4}, uint16_t{0xfe00}}) {
    ElfSpec spec = static_executable();
    spec.type = type;
    EXPECT_EQ(loader_error(spec), ElfError::NotExecutable) << type;
  }
}

TEST(ElfImageRejects, WrongMachine) {
  ElfSpec spec = static_executable();
  spec.machine = 3;  // EM_386
  EXPECT_EQ(loader_error(spec), ElfError::WrongMachine);
}

TEST(ElfImageRejects, StructuralErrorsPassThrough) {
  std::vector<uint8_t> bytes = build(static_executable());
  bytes[0] = 0;
  EXPECT_EQ(loader_error(bytes), ElfError::BadMagic);
}

TEST(ElfImageRejects, DynamicNotSupported) {
  for (uint32_t type : {PT_INTERP, PT_DYNAMIC}) {
    ElfSpec spec = static_executable();
    spec.phdrs.push_back(PhdrSpec{type, kR, 0x40, 0x400040, 0x400040, 0x10, 0x10, 1});
    EXPECT_EQ(loader_error(spec), ElfError::DynamicNotSupported) << type;
  }
}

TEST(ElfImageRejects, UnsupportedSegmentType) {
  for (uint32_t type : {PT_SHLIB, 8U, 0x5fff'ffffU, 0x8000'0000U, 0xffff'ffffU}) {
    ElfSpec spec = static_executable();
    spec.phdrs.push_back(PhdrSpec{type, kR, 0, 0, 0, 0, 0, 0});
    EXPECT_EQ(loader_error(spec), ElfError::UnsupportedSegmentType) << type;
  }
}

TEST(ElfImageRejects, NoLoadableSegments) {
  ElfSpec spec = static_executable();
  spec.phdrs = {spec.phdrs[kStack]};
  EXPECT_EQ(loader_error(spec), ElfError::NoLoadableSegments);
  spec.phdrs.clear();
  EXPECT_EQ(loader_error(spec), ElfError::NoLoadableSegments);
}

TEST(ElfImageRejects, TooManyLoadSegments) {
  ElfSpec spec;
  spec.entry = 0x10000;
  for (uint64_t i = 0; i <= MAX_LOAD_SEGMENTS; ++i) {
    spec.phdrs.push_back(load(kRX, kPage * (i + 1), 0x10000 + kPage * i, 0x20, kPage));
  }
  EXPECT_EQ(loader_error(spec), ElfError::TooManyLoadSegments);
}

TEST(ElfImageRejects, EmptySegment) {
  ElfSpec spec = static_executable();
  spec.phdrs[kHeaders].filesz = 0;
  spec.phdrs[kHeaders].memsz = 0;
  EXPECT_EQ(loader_error(spec), ElfError::EmptySegment);
}

TEST(ElfImageRejects, BadSegmentFlags) {
  for (uint32_t flags : {0U, PF_W, PF_X, kR | 8U, kR | 0x0010'0000U, kR | 0x8000'0000U}) {
    ElfSpec spec = static_executable();
    spec.phdrs[kHeaders].flags = flags;
    EXPECT_EQ(loader_error(spec), ElfError::BadSegmentFlags) << flags;
  }
}

TEST(ElfImageRejects, WritableAndExecutable) {
  ElfSpec spec = static_executable();
  spec.phdrs[kCode].flags = PF_R | PF_W | PF_X;
  EXPECT_EQ(loader_error(spec), ElfError::WritableAndExecutable);
}

TEST(ElfImageRejects, FileSizeExceedsMemSize) {
  ElfSpec spec = static_executable();
  spec.phdrs[kData].filesz = spec.phdrs[kData].memsz + 1;
  EXPECT_EQ(loader_error(spec), ElfError::FileSizeExceedsMemSize);
}

TEST(ElfImageRejects, TlsFileSizeExceedsMemSize) {
  ElfSpec spec = static_executable_with_tls();
  spec.phdrs[kTls].filesz = spec.phdrs[kTls].memsz + 1;
  EXPECT_EQ(loader_error(spec), ElfError::FileSizeExceedsMemSize);
}

TEST(ElfImageRejects, SegmentOutOfFile) {
  ElfSpec spec = static_executable();
  spec.file_size = 0x2000 + 0x100;  // the data segment's bytes end exactly at EOF
  EXPECT_EQ(loader_error(spec), std::nullopt);
  spec.file_size = 0x2000 + 0xff;
  EXPECT_EQ(loader_error(spec), ElfError::SegmentOutOfFile);
}

TEST(ElfImageRejects, SegmentFileRangeThatWraps) {
  ElfSpec spec = static_executable();
  spec.phdrs[kData].offset = 0xffff'ffff'ffff'f000;  // offset + filesz wraps
  EXPECT_EQ(loader_error(spec), ElfError::SegmentOutOfFile);
}

TEST(ElfImageRejects, TlsOutOfFile) {
  ElfSpec spec = static_executable_with_tls();
  spec.phdrs[kTls].offset = 0x10'0000;
  spec.file_size = 0x2100;
  EXPECT_EQ(loader_error(spec), ElfError::SegmentOutOfFile);
}

TEST(ElfImageRejects, BadAlignment) {
  for (uint64_t align : {3ULL, 0x1800ULL, 0xffff'ffff'ffff'ffffULL}) {
    ElfSpec spec = static_executable();
    spec.phdrs[kCode].align = align;
    EXPECT_EQ(loader_error(spec), ElfError::BadAlignment) << align;
  }
}

TEST(ElfImageRejects, BadTlsAlignment) {
  ElfSpec spec = static_executable_with_tls();
  spec.phdrs[kTls].align = 24;
  EXPECT_EQ(loader_error(spec), ElfError::BadAlignment);
}

TEST(ElfImageRejects, MisalignedSegment) {
  ElfSpec spec = static_executable();
  spec.phdrs[kCode].vaddr += 0x10;  // vaddr - offset is no longer a multiple of p_align
  spec.entry += 0x10;
  EXPECT_EQ(loader_error(spec), ElfError::MisalignedSegment);
}

TEST(ElfImageRejects, MisalignedToPageEvenWithoutAlignmentConstraint) {
  ElfSpec spec = static_executable();
  spec.phdrs[kCode].align = 1;
  spec.phdrs[kCode].vaddr += 0x10;
  spec.entry += 0x10;
  EXPECT_EQ(loader_error(spec), ElfError::MisalignedSegment);
}

TEST(ElfImageRejects, MisalignedToLargeAlignment) {
  ElfSpec spec = static_executable();
  spec.phdrs[kCode].align = 0x20'0000;  // 0x401000 - 0x1000 = 0x400000 is, 0x402000 is not
  spec.phdrs[kCode].vaddr = 0x601000 + 0x1000;
  spec.entry = spec.phdrs[kCode].vaddr;
  EXPECT_EQ(loader_error(spec), ElfError::MisalignedSegment);
}

TEST(ElfImageRejects, SegmentAddressOverflow) {
  ElfSpec spec = static_executable();
  spec.phdrs[kData].vaddr = 0xffff'ffff'ffff'f000;  // congruent with offset 0x2000
  spec.phdrs[kData].memsz = 0x2000;
  EXPECT_EQ(loader_error(spec), ElfError::SegmentAddressOverflow);
}

TEST(ElfImageRejects, SegmentBelowUserRange) {
  // Page 0 is never mapped, whether the segment starts on it or inside it.
  for (uint64_t vaddr : {0x0ULL, 0x40ULL}) {
    ElfSpec spec = static_executable();
    spec.phdrs[kHeaders].vaddr = vaddr;
    spec.phdrs[kHeaders].offset = vaddr;
    EXPECT_EQ(loader_error(spec), ElfError::SegmentOutsideUserHalf) << vaddr;
  }
}

TEST(ElfImageRejects, SegmentEndingOneByteAboveTheLimit) {
  ElfSpec spec = static_executable();
  spec.phdrs[kData].vaddr = ELF_VADDR_LIMIT - kPage;
  spec.phdrs[kData].memsz = kPage + 1;
  EXPECT_EQ(loader_error(spec), ElfError::SegmentOutsideUserHalf);
}

TEST(ElfImageRejects, SegmentInTheKernelHalf) {
  ElfSpec spec = static_executable();
  spec.phdrs[kData].vaddr = 0xffff'8000'0000'2000;
  EXPECT_EQ(loader_error(spec), ElfError::SegmentOutsideUserHalf);
}

TEST(ElfImageRejects, SegmentOverTheRingAndCapSetPages) {
  ElfSpec spec = static_executable();
  spec.phdrs[kData].vaddr = 0x0000'7fff'ffff'c000;  // SPEC §4 CAPSET_VADDR
  EXPECT_EQ(loader_error(spec), ElfError::SegmentOutsideUserHalf);
}

TEST(ElfImageRejects, SegmentsOverlap) {
  ElfSpec spec = static_executable();
  spec.phdrs[kData].vaddr = 0x401000;  // on top of the code segment
  spec.phdrs[kData].offset = 0x1000;
  EXPECT_EQ(loader_error(spec), ElfError::SegmentsOverlap);
}

TEST(ElfImageRejects, SegmentsSharingOnlyAPage) {
  ElfSpec spec = static_executable();
  // Code ends at 0x401300; data starting at 0x401800 touches no code byte but shares its page.
  spec.phdrs[kData].vaddr = 0x401800;
  spec.phdrs[kData].offset = 0x2800;
  spec.phdrs[kData].align = 0x800;
  spec.file_size = 0x3000;
  EXPECT_EQ(loader_error(spec), ElfError::SegmentsOverlap);
}

TEST(ElfImageRejects, EntryOutsideCode) {
  // In data, one past the code bytes, nowhere, in a read-only segment, at the top of memory.
  for (uint64_t entry : {0x402000ULL, 0x401300ULL, 0x0ULL, 0x400000ULL, 0xffff'ffff'ffff'ffffULL}) {
    ElfSpec spec = static_executable();
    spec.entry = entry;
    EXPECT_EQ(loader_error(spec), ElfError::EntryOutsideCode) << entry;
  }
}

TEST(ElfImageRejects, EntryInZeroFillOfCode) {
  ElfSpec spec = static_executable();
  spec.phdrs[kCode].memsz = 0x800;
  spec.entry = 0x401400;
  EXPECT_EQ(loader_error(spec), ElfError::EntryOutsideCode);
}

TEST(ElfImageRejects, ExecutableStack) {
  ElfSpec spec = static_executable();
  spec.phdrs[kStack].flags = PF_R | PF_W | PF_X;
  EXPECT_EQ(loader_error(spec), ElfError::ExecutableStack);
}

TEST(ElfImageRejects, MultipleTls) {
  ElfSpec spec = static_executable_with_tls();
  spec.phdrs.push_back(spec.phdrs[kTls]);
  EXPECT_EQ(loader_error(spec), ElfError::MultipleTls);
}

TEST(ElfImageRejects, TlsOutsideEveryLoad) {
  ElfSpec spec = static_executable_with_tls();
  spec.phdrs[kTls].vaddr = 0x500000;
  EXPECT_EQ(loader_error(spec), ElfError::TlsOutsideLoad);
  spec.phdrs[kTls].filesz = 0;  // an empty template must still point into a segment
  EXPECT_EQ(loader_error(spec), ElfError::TlsOutsideLoad);
  spec.phdrs[kTls].vaddr = 0x402000 + 0x3000 + 1;  // one past the data segment's end
  EXPECT_EQ(loader_error(spec), ElfError::TlsOutsideLoad);
}

TEST(ElfImageRejects, TlsTemplateRunningIntoZeroFill) {
  ElfSpec spec = static_executable_with_tls();
  spec.phdrs[kTls].vaddr = 0x402000 + 0xf0;  // 0x20 bytes from 0xf0 pass filesz 0x100
  spec.phdrs[kTls].offset = 0x2000 + 0xf0;
  spec.file_size = 0x3000;
  EXPECT_EQ(loader_error(spec), ElfError::TlsOutsideLoad);
}

TEST(ElfImageRejects, TlsFileOffsetDisagreesWithItsAddress) {
  ElfSpec spec = static_executable_with_tls();
  spec.phdrs[kTls].offset = 0x2010;  // vaddr says +0, offset says +0x10
  EXPECT_EQ(loader_error(spec), ElfError::TlsOutsideLoad);
}

TEST(ElfImageRejects, TlsTooLarge) {
  ElfSpec spec = static_executable_with_tls();
  spec.phdrs[kTls].memsz = MAX_TLS_SIZE + 1;
  EXPECT_EQ(loader_error(spec), ElfError::TlsTooLarge);
  spec = static_executable_with_tls();
  spec.phdrs[kTls].align = 2 * kPage;
  EXPECT_EQ(loader_error(spec), ElfError::TlsTooLarge);
}

}  // namespace
}  // namespace capos::elf
