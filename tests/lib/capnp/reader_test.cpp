// Reader semantics on hand-crafted messages: scalars and defaults, sections, far pointers,
// capabilities, list compatibility (libcapnp's upgrade rules), trusted defaults, accounting.
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lib/capnp/message_reader.h"
#include "test_util.h"

namespace capos::capnp::test {
namespace {

StructReader root_of(const Parsed& parsed) { return MUST(parsed.reader->root()); }

TEST(CapnpReader, ScalarsAtByteOffsetsWithDefaultXor) {
  const Parsed parsed = parse(RawMessage{
      {{struct_ptr(0, 2, 0), bytes_word({0x12, 0xfe, 0x56, 0x34, 0xde, 0xbc, 0x9a, 0x78}),
        0x0123456789abcdefULL}}});
  const StructReader root = root_of(parsed);
  EXPECT_EQ(root.data_bytes(), 16U);
  EXPECT_EQ(root.get_u8(0), 0x12U);
  EXPECT_EQ(root.get_i8(1), -2);
  EXPECT_EQ(root.get_u16(2), 0x3456U);
  EXPECT_EQ(root.get_u32(4), 0x789abcdeU);
  EXPECT_EQ(root.get_u64(8), 0x0123456789abcdefULL);
  EXPECT_EQ(root.get_i64(8), 0x0123456789abcdefLL);
  EXPECT_EQ(root.get_i16(0), static_cast<int16_t>(0xfe12));
  EXPECT_EQ(root.get_i32(4, -1), ~0x789abcde);
  EXPECT_EQ(root.get_u32(4, 0xffffffffU), ~0x789abcdeU);
  EXPECT_EQ(root.get_u32(12, 7), 0x01234567U ^ 7U);  // the last four bytes: still inside
  // Beyond the data section (an older, smaller struct): the default, never the next word.
  EXPECT_EQ(root.get_u64(16), 0U);
  EXPECT_EQ(root.get_u64(16, 99), 99U);
  EXPECT_EQ(root.get_u32(14, 5), 5U);  // straddles the end
  EXPECT_EQ(root.get_u32(0xfffffffeU, 3), 3U);
  EXPECT_FALSE(root.get_bool(0));  // 0x12 = 0b10010
  EXPECT_TRUE(root.get_bool(1));
  EXPECT_TRUE(root.get_bool(4));
  EXPECT_FALSE(root.get_bool(4, true));
  EXPECT_TRUE(root.get_bool(128, true));
  EXPECT_FALSE(root.get_bool(128));
}

TEST(CapnpReader, PointersBeyondTheSectionReadAsDefaults) {
  const Parsed parsed = parse(RawMessage{{{struct_ptr(0, 1, 0), 0}}});
  const StructReader root = root_of(parsed);
  EXPECT_FALSE(root.has_pointer(0));
  const std::vector<uint8_t> fallback = text_bytes("fallback");
  EXPECT_EQ(as_string(MUST(root.get_text(0, view(fallback)))), "fallback");
  EXPECT_EQ(MUST(root.get_data(3)).size(), 0U);
  EXPECT_EQ(MUST(root.get_struct(9)).data_bytes(), 0U);
  const ListReader list = MUST(root.get_list(0, ElementSize::FourBytes));
  EXPECT_EQ(list.size(), 0U);
  EXPECT_EQ(list.element_size(), ElementSize::FourBytes);
  EXPECT_EQ(MUST(root.get_capability(0)), std::nullopt);
  // The empty struct answers defaults too.
  const StructReader empty;
  EXPECT_EQ(empty.get_u32(0, 17), 17U);
  EXPECT_TRUE(empty.get_bool(5, true));
}

TEST(CapnpReader, EmptyStructPointerTargetsItself) {
  const Parsed parsed = parse(RawMessage{{{struct_ptr(-1, 0, 0)}}});
  const StructReader root = root_of(parsed);
  EXPECT_EQ(root.data_bytes(), 0U);
  EXPECT_EQ(root.pointer_count(), 0U);
}

TEST(CapnpReader, SingleAndDoubleFarPointersAcrossSegments) {
  // Root -> far to segment 2 pad -> struct {1, 2}: data 77, text "hi" (in segment 2), and a
  // double far via segment 1's pad to a text in segment 3. Segment 1 is otherwise empty.
  const Parsed parsed =
      parse(RawMessage{{{far_ptr(false, 1, 2)},
                        {far_ptr(false, 0, 3), list_ptr(0, ElementSize::Byte, 4)},
                        {0, struct_ptr(0, 1, 2), 77, list_ptr(1, ElementSize::Byte, 3),
                         far_ptr(true, 0, 1), bytes_word({'h', 'i', 0})},
                        {bytes_word({'a', 'b', 'c', 0})}}});
  EXPECT_EQ(parsed.reader->segment_count(), 4U);
  const StructReader root = root_of(parsed);
  EXPECT_EQ(root.get_u64(0), 77U);
  EXPECT_EQ(as_string(MUST(root.get_text(0))), "hi");
  EXPECT_EQ(as_string(MUST(root.get_text(1))), "abc");
}

TEST(CapnpReader, DoubleFarToStructAndList) {
  const Parsed parsed =
      parse(RawMessage{{{struct_ptr(0, 0, 2), far_ptr(true, 0, 1), far_ptr(true, 2, 1)},
                        {far_ptr(false, 0, 2), struct_ptr(0, 1, 0), far_ptr(false, 1, 2),
                         list_ptr(0, ElementSize::TwoBytes, 3)},
                        {55, bytes_word({1, 0, 2, 0, 3, 0})}}});
  const StructReader root = root_of(parsed);
  EXPECT_EQ(MUST(root.get_struct(0)).get_u64(0), 55U);
  const ListReader list = MUST(root.get_list(1, ElementSize::TwoBytes));
  ASSERT_EQ(list.size(), 3U);
  EXPECT_EQ(list.get_u16(0), 1U);
  EXPECT_EQ(list.get_u16(2), 3U);
}

TEST(CapnpReader, CapabilityPointersReportTheirIndex) {
  const Parsed parsed = parse(RawMessage{{{struct_ptr(0, 0, 2), cap_ptr(5), 0}}});
  const StructReader root = root_of(parsed);
  EXPECT_EQ(MUST(root.get_capability(0)), std::optional<uint32_t>(5));
  EXPECT_EQ(MUST(root.get_capability(1)), std::nullopt);
}

// Root {0 data, 1 pointer} whose pointer (word 1) is `pointer`, followed by `tail`.
Parsed with_list(uint64_t pointer, std::vector<uint64_t> tail) {
  std::vector<uint64_t> segment{struct_ptr(0, 0, 1), pointer};
  segment.insert(segment.end(), tail.begin(), tail.end());
  return parse(RawMessage{{segment}});
}

TEST(CapnpReader, PrimitiveListReadAsStructList) {
  const Parsed parsed =
      with_list(list_ptr(0, ElementSize::TwoBytes, 3), {bytes_word({1, 0, 2, 0, 3, 0})});
  const ListReader list = MUST(root_of(parsed).get_list(0, ElementSize::InlineComposite));
  ASSERT_EQ(list.size(), 3U);
  const StructReader second = MUST(list.get_struct(1));
  EXPECT_EQ(second.data_bytes(), 2U);
  EXPECT_EQ(second.get_u16(0), 2U);
  EXPECT_EQ(second.get_u32(0), 0U);  // wider than the 16-bit element: default
  EXPECT_EQ(second.pointer_count(), 0U);
}

TEST(CapnpReader, StructListReadAsPrimitiveAndPointerLists) {
  // Two elements {1 data word, 1 pointer}: data 0x1_0000_0007 / 0x8, pointers to "x" / "yz".
  const Parsed parsed = with_list(
      list_ptr(0, ElementSize::InlineComposite, 4),
      {composite_tag(2, 1, 1), 0x100000007ULL, list_ptr(2, ElementSize::Byte, 2), 8,
       list_ptr(1, ElementSize::Byte, 3), bytes_word({'x', 0}), bytes_word({'y', 'z', 0})});
  const StructReader root = root_of(parsed);
  const ListReader as_u32 = MUST(root.get_list(0, ElementSize::FourBytes));
  EXPECT_EQ(as_u32.get_u32(0), 7U);
  EXPECT_EQ(as_u32.get_u32(1), 8U);
  const ListReader as_u64 = MUST(root.get_list(0, ElementSize::EightBytes));
  EXPECT_EQ(as_u64.get_u64(0), 0x100000007ULL);
  const ListReader as_text = MUST(root.get_list(0, ElementSize::Pointer));
  EXPECT_EQ(as_string(MUST(as_text.get_text(0))), "x");
  EXPECT_EQ(as_string(MUST(as_text.get_text(1))), "yz");
  const ListReader as_void = MUST(root.get_list(0, ElementSize::Void));
  EXPECT_EQ(as_void.size(), 2U);
}

TEST(CapnpReader, PointerListReadAsStructList) {
  const Parsed parsed = with_list(list_ptr(0, ElementSize::Pointer, 2),
                                  {list_ptr(1, ElementSize::Byte, 2), 0, bytes_word({'q', 0})});
  const ListReader list = MUST(root_of(parsed).get_list(0, ElementSize::InlineComposite));
  const StructReader first = MUST(list.get_struct(0));
  EXPECT_EQ(first.data_bytes(), 0U);
  EXPECT_EQ(first.pointer_count(), 1U);
  EXPECT_EQ(as_string(MUST(first.get_text(0))), "q");
  EXPECT_FALSE(MUST(list.get_struct(1)).has_pointer(0));
}

TEST(CapnpReader, NarrowerExpectationsReadTheLowBits) {
  const Parsed bytes = with_list(list_ptr(0, ElementSize::Byte, 3), {bytes_word({5, 2, 0xff})});
  const ListReader bools = MUST(root_of(bytes).get_list(0, ElementSize::Bit));
  // libcapnp reads List(Bool) bit by bit whatever the wire step: bits 0-2 of 0b101.
  EXPECT_TRUE(bools.get_bool(0));
  EXPECT_FALSE(bools.get_bool(1));
  EXPECT_TRUE(bools.get_bool(2));
  EXPECT_FALSE(bools.get_bool(3));  // past the end
  const Parsed longs = with_list(list_ptr(0, ElementSize::EightBytes, 2), {0x10002, 0x30004});
  const ListReader shorts = MUST(root_of(longs).get_list(0, ElementSize::TwoBytes));
  EXPECT_EQ(shorts.get_u16(0), 2U);
  EXPECT_EQ(shorts.get_u16(1), 4U);
  EXPECT_EQ(shorts.get_u64(0), 0x10002U);  // the wire elements are 64-bit: in bounds
}

TEST(CapnpReader, BitListsPackLeastSignificantBitFirst) {
  const Parsed parsed = with_list(list_ptr(0, ElementSize::Bit, 70), {0x8000000000000001ULL, 0x20});
  const ListReader bits = MUST(root_of(parsed).get_list(0, ElementSize::Bit));
  ASSERT_EQ(bits.size(), 70U);
  for (uint32_t i = 0; i < 70; ++i) {
    EXPECT_EQ(bits.get_bool(i), i == 0 || i == 63 || i == 69) << i;
  }
  EXPECT_FALSE(bits.get_bool(70));
}

TEST(CapnpReader, TextExcludesTheNulAndMayEmbedNuls) {
  const Parsed parsed =
      with_list(list_ptr(0, ElementSize::Byte, 4), {bytes_word({'a', 0, 'b', 0})});
  const ByteView text = MUST(root_of(parsed).get_text(0));
  EXPECT_EQ(text.size(), 3U);
  EXPECT_EQ(as_string(text), std::string("a\0b", 3));
  EXPECT_EQ(MUST(root_of(parsed).get_data(0)).size(), 4U);
}

TEST(CapnpReader, TrustedDefaultsForStructAndListFields) {
  const std::vector<uint8_t> struct_default = RawMessage{{{struct_ptr(0, 1, 0), 123}}}.bytes();
  const std::vector<uint8_t> list_default =
      RawMessage{{{list_ptr(0, ElementSize::FourBytes, 3), 0x200000001ULL, 3}}}.bytes();
  // Skip the 8-byte segment tables: a default is one bare segment.
  const DefaultValue struct_value{view(struct_default).subspan(8)};
  const DefaultValue list_value{view(list_default).subspan(8)};

  const Parsed parsed = parse(RawMessage{{{struct_ptr(0, 0, 2), 0, struct_ptr(0, 1, 0), 9}}});
  const StructReader root = root_of(parsed);
  const uint64_t before = parsed.reader->traversal_remaining_words();
  EXPECT_EQ(MUST(root.get_struct(0, &struct_value)).get_u64(0), 123U);
  const ListReader list = MUST(root.get_list(0, ElementSize::FourBytes, &list_value));
  ASSERT_EQ(list.size(), 3U);
  EXPECT_EQ(list.get_u32(1), 2U);
  EXPECT_EQ(parsed.reader->traversal_remaining_words(), before);      // defaults are free
  EXPECT_EQ(MUST(root.get_struct(1, &struct_value)).get_u64(0), 9U);  // set: the message wins

  const std::vector<uint8_t> far_default = RawMessage{{{far_ptr(false, 0, 0)}}}.bytes();
  const DefaultValue bad{view(far_default).subspan(8)};
  EXPECT_EQ(error_of(root.get_struct(0, &bad)), CapnpError::UnknownSegment);
}

TEST(CapnpReader, TraversalChargesEveryObjectItsWords) {
  const Parsed parsed =
      parse(RawMessage{{{struct_ptr(0, 2, 3), 0, 0, list_ptr(2, ElementSize::Byte, 9),
                         list_ptr(3, ElementSize::TwoBytes, 5), 0, 0, 0, 0, 0, 0}}});
  const uint64_t limit = parsed.reader->traversal_remaining_words();
  const StructReader root = root_of(parsed);
  EXPECT_EQ(parsed.reader->traversal_remaining_words(), limit - 1 - 5);
  MUST(root.get_data(0));
  EXPECT_EQ(parsed.reader->traversal_remaining_words(), limit - 6 - 2);
  MUST(root.get_list(1, ElementSize::TwoBytes));
  EXPECT_EQ(parsed.reader->traversal_remaining_words(), limit - 8 - 2);
  MUST(root.get_data(2));  // null: free
  EXPECT_EQ(parsed.reader->traversal_remaining_words(), limit - 10);
}

TEST(CapnpReader, UnalignedInputAndNonStructRoot) {
  const std::vector<uint8_t> bytes =
      RawMessage{{{list_ptr(0, ElementSize::FourBytes, 2), 0x0000000b0000000aULL}}}.bytes();
  std::vector<uint8_t> shifted(bytes.size() + 1);
  std::copy(bytes.begin(), bytes.end(), shifted.begin() + 1);
  MessageReader reader;
  MUST(reader.parse(ByteView(shifted).subspan(1)));
  const ListReader list = MUST(MUST(reader.root_pointer()).get_list(ElementSize::FourBytes));
  EXPECT_EQ(list.get_u32(0), 10U);
  EXPECT_EQ(list.get_u32(1), 11U);
  EXPECT_EQ(error_of(reader.root()), CapnpError::BadPointerKind);
}

}  // namespace
}  // namespace capos::capnp::test
