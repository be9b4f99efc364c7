// Multiboot2 parser (kernel/boot/boot_info.cpp): accepted layouts, and one rejection test per
// BootInfoError, plus a property that arbitrary corruption never crashes it and never yields
// inconsistent output.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <string>
#include <vector>

#include "kernel/boot/boot_info.h"
#include "tests/kernel/boot/mbi_builder.h"

namespace capos::kernel::boot {
namespace {

using test::MbiBuilder;
using test::typical_mbi;

Result<void, BootInfoError> parse(const std::vector<uint8_t>& bytes, BootInfo& out) {
  return parse_multiboot2(ByteView(bytes.data(), bytes.size()), out);
}

std::string text(std::span<const char> span) { return {span.data(), span.size()}; }

BootInfoError error_of(const std::vector<uint8_t>& bytes) {
  BootInfo info;
  const auto result = parse(bytes, info);
  EXPECT_FALSE(result.has_value());
  return result.has_value() ? BootInfoError::Truncated : result.error();
}

TEST(BootInfo, ParsesTypicalGrubInformation) {
  const std::vector<uint8_t> bytes = typical_mbi().build();
  BootInfo info;
  ASSERT_TRUE(parse(bytes, info).has_value());
  EXPECT_EQ(info.total_size, bytes.size());
  EXPECT_EQ(text(info.command_line), "capos.selftest=smap");
  EXPECT_EQ(text(info.loader_name), "GRUB 2.06");
  ASSERT_EQ(info.modules().size(), 1U);
  EXPECT_EQ(info.modules()[0].start, 0x200000U);
  EXPECT_EQ(info.modules()[0].size(), 0x99U);
  EXPECT_EQ(text(info.modules()[0].name), "manifest");
  ASSERT_EQ(info.memory_map.size(), 6U);
  EXPECT_TRUE(info.memory_map[0].available());
  EXPECT_EQ(info.memory_map[3].base, 0x100000U);
  EXPECT_EQ(info.memory_map[3].end(), 0x7fe0000U);
  EXPECT_FALSE(info.memory_map[5].available());
}

TEST(BootInfo, AcceptsLargerEntrySizeAndMissingOptionalTags) {
  MbiBuilder builder;
  builder.memory_map({{0x100000, 0x100000, 1}}, 32).end_tag();
  const std::vector<uint8_t> bytes = builder.build();
  BootInfo info;
  ASSERT_TRUE(parse(bytes, info).has_value());
  EXPECT_TRUE(info.command_line.empty());
  EXPECT_EQ(info.modules().size(), 0U);
  ASSERT_EQ(info.memory_map.size(), 1U);
  EXPECT_EQ(info.memory_map[0].length, 0x100000U);
}

TEST(BootInfo, IgnoresBytesAfterTheEndTag) {
  MbiBuilder builder;
  builder.memory_map({{0, 0x1000, 1}}).end_tag().raw_tag(99, {1, 2, 3});
  BootInfo info;
  EXPECT_TRUE(parse(builder.build(), info).has_value());
}

TEST(BootInfo, RejectsShortInput) {
  EXPECT_EQ(error_of({}), BootInfoError::Truncated);
  EXPECT_EQ(error_of({16, 0, 0, 0}), BootInfoError::Truncated);
}

TEST(BootInfo, RejectsTotalSizeThatDisagreesWithTheBytes) {
  std::vector<uint8_t> bytes = typical_mbi().build();
  bytes[0] = static_cast<uint8_t>(bytes[0] + 8);
  EXPECT_EQ(error_of(bytes), BootInfoError::BadTotalSize);
  bytes = typical_mbi().build();
  bytes.push_back(0);  // one byte more than total_size says
  EXPECT_EQ(error_of(bytes), BootInfoError::BadTotalSize);
  EXPECT_EQ(error_of({8, 0, 0, 0, 0, 0, 0, 0}), BootInfoError::BadTotalSize);
}

TEST(BootInfo, RejectsTagsThatRunPastTheEnd) {
  std::vector<uint8_t> bytes = typical_mbi().build();
  bytes[12] = 0xff;  // first tag's size low byte: 255 bytes, past total_size
  bytes[13] = 0x7f;
  EXPECT_EQ(error_of(bytes), BootInfoError::BadTagSize);
  MbiBuilder builder;
  builder.memory_map({{0, 0x1000, 1}}).raw_tag(7, {}).end_tag();
  bytes = builder.build();
  bytes[bytes.size() - 16 + 4] = 4;  // the tag before the end tag claims size 4 (< 8)
  EXPECT_EQ(error_of(bytes), BootInfoError::BadTagSize);
}

TEST(BootInfo, RequiresAnEndTagOfSizeEight) {
  MbiBuilder no_end;
  no_end.memory_map({{0, 0x1000, 1}});
  EXPECT_EQ(error_of(no_end.build()), BootInfoError::MissingEndTag);
  MbiBuilder long_end;
  long_end.memory_map({{0, 0x1000, 1}}).raw_tag(0, {0, 0, 0, 0, 0, 0, 0, 0});
  EXPECT_EQ(error_of(long_end.build()), BootInfoError::BadTagSize);
}

TEST(BootInfo, RejectsDuplicatedSingleTags) {
  MbiBuilder two_maps;
  two_maps.memory_map({{0, 0x1000, 1}}).memory_map({{0, 0x1000, 1}}).end_tag();
  EXPECT_EQ(error_of(two_maps.build()), BootInfoError::DuplicateTag);
  MbiBuilder two_lines;
  two_lines.command_line("").command_line("capos.log=debug").memory_map({}).end_tag();
  EXPECT_EQ(error_of(two_lines.build()), BootInfoError::DuplicateTag);
}

TEST(BootInfo, RejectsBadStrings) {
  MbiBuilder unprintable;
  unprintable.command_line("a\x1b[2Jb").memory_map({}).end_tag();
  EXPECT_EQ(error_of(unprintable.build()), BootInfoError::BadString);
  MbiBuilder unterminated;
  unterminated.raw_tag(1, {'a', 'b', 'c'}).memory_map({}).end_tag();
  EXPECT_EQ(error_of(unterminated.build()), BootInfoError::BadString);
  MbiBuilder bad_module_name;
  bad_module_name.module(0x1000, 0x2000, "man\x7f").memory_map({}).end_tag();
  EXPECT_EQ(error_of(bad_module_name.build()), BootInfoError::BadString);
}

TEST(BootInfo, RejectsBadMemoryMaps) {
  MbiBuilder small_entries;
  small_entries.memory_map({{0, 0x1000, 1}}, 16).end_tag();
  EXPECT_EQ(error_of(small_entries.build()), BootInfoError::BadMemoryMap);
  MbiBuilder odd_entries;
  odd_entries.memory_map({{0, 0x1000, 1}}, 28).end_tag();
  EXPECT_EQ(error_of(odd_entries.build()), BootInfoError::BadMemoryMap);
  MbiBuilder version;
  version.memory_map({{0, 0x1000, 1}}, 24, 1).end_tag();
  EXPECT_EQ(error_of(version.build()), BootInfoError::BadMemoryMap);
  MbiBuilder partial;  // 24-byte entries, but the tag holds 1.5 of them
  std::vector<uint8_t> payload;
  MbiBuilder::append32(payload, 24);
  MbiBuilder::append32(payload, 0);
  payload.resize(payload.size() + 36, 0);
  partial.raw_tag(6, payload).end_tag();
  EXPECT_EQ(error_of(partial.build()), BootInfoError::BadMemoryMap);
  MbiBuilder wrapping;
  wrapping.memory_map({{0xffff'ffff'ffff'f000, 0x2000, 1}}).end_tag();
  EXPECT_EQ(error_of(wrapping.build()), BootInfoError::RegionOverflow);
  MbiBuilder missing;
  missing.command_line("").end_tag();
  EXPECT_EQ(error_of(missing.build()), BootInfoError::MissingMemoryMap);
}

TEST(BootInfo, RejectsBadModules) {
  MbiBuilder backwards;
  backwards.module(0x2000, 0x1000, "manifest").memory_map({}).end_tag();
  EXPECT_EQ(error_of(backwards.build()), BootInfoError::BadModule);
  MbiBuilder too_many;
  for (size_t i = 0; i <= BootInfo::max_modules; ++i) too_many.module(0x1000, 0x2000, "m");
  too_many.memory_map({}).end_tag();
  EXPECT_EQ(error_of(too_many.build()), BootInfoError::TooManyModules);
  MbiBuilder short_tag;
  short_tag.raw_tag(3, {0, 0x10, 0, 0, 0, 0x20, 0, 0}).memory_map({}).end_tag();  // no name
  EXPECT_EQ(error_of(short_tag.build()), BootInfoError::BadTagSize);
}

TEST(BootInfo, EveryErrorHasADescription) {
  for (int error = 0; error <= static_cast<int>(BootInfoError::TooManyModules); ++error) {
    EXPECT_STRNE(describe(static_cast<BootInfoError>(error)), "unknown error");
  }
}

// Corrupting, truncating or extending valid information never crashes the parser (ASan/UBSan
// watch every access), and anything it accepts is self-consistent.
RC_GTEST_PROP(BootInfo, CorruptedInputIsRejectedOrConsistent,
              (std::vector<std::pair<uint16_t, uint8_t>> edits, uint8_t truncate)) {
  std::vector<uint8_t> bytes = typical_mbi().build();
  for (const auto& [position, value] : edits) bytes[position % bytes.size()] = value;
  if (truncate % 4 == 0) bytes.resize(bytes.size() - truncate % bytes.size());
  BootInfo info;
  const auto result = parse(bytes, info);
  if (!result.has_value()) return;
  RC_ASSERT(info.total_size == bytes.size());
  const auto* begin = reinterpret_cast<const char*>(bytes.data());
  const auto inside = [&](std::span<const char> span) {
    return span.empty() ||
           (span.data() >= begin && span.data() + span.size() < begin + bytes.size());
  };
  RC_ASSERT(inside(info.command_line));
  RC_ASSERT(inside(info.loader_name));
  for (const BootModule& module : info.modules()) {
    RC_ASSERT(module.start <= module.end);
    RC_ASSERT(inside(module.name));
  }
  for (size_t i = 0; i < info.memory_map.size(); ++i) {
    RC_ASSERT(info.memory_map[i].base <= info.memory_map[i].end());
  }
}

}  // namespace
}  // namespace capos::kernel::boot
