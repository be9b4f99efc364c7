// Builder: wire encoding of what it writes, multi-segment output through far pointers, the
// serialized layout, and a property that it never writes outside the caller's buffers.
#include <capnp/any.h>
#include <capnp/schema.h>
#include <capnp/serialize.h>
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "lib/capnp/message_builder.h"
#include "lib/capnp/message_reader.h"
#include "test.capnp.h"
#include "test_util.h"

namespace capos::capnp::test {
namespace {

uint64_t word_at(const std::vector<uint8_t>& bytes, size_t word) {
  uint64_t value = 0;
  std::memcpy(&value, bytes.data() + word * 8, 8);
  return value;
}

std::vector<uint8_t> serialized(const MessageBuilder& builder) {
  std::vector<uint8_t> out(builder.serialized_bytes());
  EXPECT_EQ(MUST(builder.serialize(out)), out.size());
  return out;
}

// libcapnp's view of a serialized message, aligned as it requires.
struct LibcapnpMessage {
  std::vector<uint64_t> words;
  std::unique_ptr<::capnp::FlatArrayMessageReader> reader;
  explicit LibcapnpMessage(const std::vector<uint8_t>& bytes) : words((bytes.size() + 7) / 8) {
    std::memcpy(words.data(), bytes.data(), bytes.size());
    reader = std::make_unique<::capnp::FlatArrayMessageReader>(
        kj::arrayPtr(reinterpret_cast<const ::capnp::word*>(words.data()), words.size()));
  }
};

// Inner's layout (checked against libcapnp's schema below): id u32 @ byte 0, flag @ bit 32,
// name = pointer 0, values = pointer 1; one data word, two pointers.
constexpr StructSize INNER{1, 2};

TEST(CapnpBuilder, InnerLayoutMatchesTheSchema) {
  const auto schema = ::capnp::Schema::from<capnp_test_schema::Inner>();
  EXPECT_EQ(schema.getProto().getStruct().getDataWordCount(), INNER.data_words);
  EXPECT_EQ(schema.getProto().getStruct().getPointerCount(), INNER.pointer_count);
  EXPECT_EQ(schema.getFieldByName("id").getProto().getSlot().getOffset(), 0U);
  EXPECT_EQ(schema.getFieldByName("flag").getProto().getSlot().getOffset(), 32U);
  EXPECT_EQ(schema.getFieldByName("name").getProto().getSlot().getOffset(), 0U);
  EXPECT_EQ(schema.getFieldByName("values").getProto().getSlot().getOffset(), 1U);
}

TEST(CapnpBuilder, SingleSegmentEncodingReadByLibcapnp) {
  std::vector<uint8_t> segment(256);
  MessageBuilder builder;
  MUST(builder.add_segment(segment));
  const StructBuilder inner = MUST(builder.init_root(INNER));
  inner.set_u32(0, 0xdeadbeef);
  inner.set_bool(32, true);
  MUST(inner.set_text(0, view(text_bytes("capOS"))));
  const ListBuilder values = MUST(inner.init_list(1, ElementSize::TwoBytes, 3));
  values.set_i16(0, -1);
  values.set_i16(1, 2);
  values.set_i16(2, -300);
  const std::vector<uint8_t> bytes = serialized(builder);

  // Segment table (1 segment), root pointer, struct, text, list: all in one segment.
  EXPECT_EQ(word_at(bytes, 0), uint64_t{1 + 3 + 1 + 1} << 32);
  EXPECT_EQ(word_at(bytes, 1), struct_ptr(0, 1, 2));
  EXPECT_EQ(word_at(bytes, 3), list_ptr(1, ElementSize::Byte, 6));
  EXPECT_EQ(word_at(bytes, 4), list_ptr(1, ElementSize::TwoBytes, 3));

  LibcapnpMessage theirs(bytes);
  const auto reader = theirs.reader->getRoot<capnp_test_schema::Inner>();
  EXPECT_EQ(reader.getId(), 0xdeadbeefU);
  EXPECT_TRUE(reader.getFlag());
  EXPECT_EQ(std::string(reader.getName().cStr()), "capOS");
  ASSERT_EQ(reader.getValues().size(), 3U);
  EXPECT_EQ(reader.getValues()[2], -300);
}

TEST(CapnpBuilder, FullSegmentsContinueThroughFarPointers) {
  // Segment 0 holds only the root pointer; each object then needs its own segment.
  std::vector<uint8_t> first(8), second(4 * 8), third(2 * 8), fourth(64);
  MessageBuilder builder;
  MUST(builder.add_segment(first));
  MUST(builder.add_segment(second));
  MUST(builder.add_segment(third));
  MUST(builder.add_segment(fourth));
  const StructBuilder inner = MUST(builder.init_root(INNER));  // 3 words + pad in segment 1
  inner.set_u32(0, 42);
  MUST(inner.set_text(0, view(text_bytes("far away"))));  // 2 words + pad: segment 3
  MUST(inner.init_list(1, ElementSize::TwoBytes, 2));     // 1 word + pad: segment 2
  EXPECT_EQ(builder.segment_count(), 4U);
  EXPECT_EQ(builder.segment_used_words(0), 1U);
  EXPECT_EQ(builder.segment_used_words(1), 4U);
  EXPECT_EQ(builder.segment_used_words(2), 2U);
  EXPECT_EQ(builder.segment_used_words(3), 3U);
  const std::vector<uint8_t> bytes = serialized(builder);
  // Table: 4 segments = count + 4 sizes + padding = 3 words.
  EXPECT_EQ(word_at(bytes, 3), far_ptr(false, 0, 1));                   // root pointer
  EXPECT_EQ(word_at(bytes, 4), struct_ptr(0, 1, 2));                    // landing pad in segment 1
  EXPECT_EQ(word_at(bytes, 6), far_ptr(false, 0, 3));                   // name
  EXPECT_EQ(word_at(bytes, 7), far_ptr(false, 0, 2));                   // values
  EXPECT_EQ(word_at(bytes, 8), list_ptr(0, ElementSize::TwoBytes, 2));  // pad in segment 2

  LibcapnpMessage theirs(bytes);
  const auto reader = theirs.reader->getRoot<capnp_test_schema::Inner>();
  EXPECT_EQ(reader.getId(), 42U);
  EXPECT_EQ(std::string(reader.getName().cStr()), "far away");
  EXPECT_EQ(reader.getValues().size(), 2U);

  const Parsed ours = [&bytes] {
    Parsed parsed{bytes, std::make_unique<MessageReader>()};
    MUST(parsed.reader->parse(view(parsed.bytes)));
    return parsed;
  }();
  const StructReader root = MUST(ours.reader->root());
  EXPECT_EQ(root.get_u32(0), 42U);
  EXPECT_EQ(as_string(MUST(root.get_text(0))), "far away");
}

TEST(CapnpBuilder, DefaultsAreStoredXored) {
  std::vector<uint8_t> segment(64);
  MessageBuilder builder;
  MUST(builder.add_segment(segment));
  const StructBuilder root = MUST(builder.init_root({2, 0}));
  root.set_u32(0, 5, 5);   // the default itself: wire zero
  root.set_i32(4, -1, 0);  // no default
  root.set_bool(64, true, true);
  root.set_bool(65, false, true);
  const std::vector<uint8_t> bytes = serialized(builder);
  EXPECT_EQ(word_at(bytes, 2), 0xffffffff00000000ULL);
  EXPECT_EQ(word_at(bytes, 3), 0x2U);  // bit 65 differs from its default
  MessageReader reader;
  MUST(reader.parse(view(bytes)));
  const StructReader read = MUST(reader.root());
  EXPECT_EQ(read.get_u32(0, 5), 5U);
  EXPECT_TRUE(read.get_bool(64, true));
  EXPECT_FALSE(read.get_bool(65, true));
}

TEST(CapnpBuilder, EmptyStructsAndListsEncodeLikeLibcapnp) {
  std::vector<uint8_t> segment(64);
  MessageBuilder builder;
  MUST(builder.add_segment(segment));
  const StructBuilder root = MUST(builder.init_root({0, 3}));
  MUST(root.init_struct(0, {0, 0}));
  MUST(root.init_list(1, ElementSize::Void, 5));
  MUST(root.init_struct_list(2, 3, {0, 0}));
  const std::vector<uint8_t> bytes = serialized(builder);
  EXPECT_EQ(word_at(bytes, 2), 0xfffffffcULL);  // offset -1: the pointer itself
  EXPECT_EQ(word_at(bytes, 3), list_ptr(1, ElementSize::Void, 5));
  EXPECT_EQ(word_at(bytes, 4), list_ptr(0, ElementSize::InlineComposite, 0));
  EXPECT_EQ(word_at(bytes, 5), composite_tag(3, 0, 0));
  LibcapnpMessage theirs(bytes);
  // The root's pointer section plus the struct list's tag word.
  EXPECT_EQ(theirs.reader->getRoot<::capnp::AnyPointer>().targetSize().wordCount, 3U + 1U);
}

TEST(CapnpBuilder, SerializedTablePadsEvenSegmentCounts) {
  for (uint32_t segments = 1; segments <= 5; ++segments) {
    // Segment 0 holds the root pointer; each later one exactly a pad plus a {0, 1} struct.
    std::vector<std::vector<uint8_t>> buffers(segments, std::vector<uint8_t>(16));
    buffers[0].resize(8);
    MessageBuilder builder;
    for (auto& buffer : buffers) MUST(builder.add_segment(buffer));
    PointerBuilder next = MUST(builder.root_pointer());
    for (uint32_t i = 1; i < segments; ++i) next = MUST(MUST(next.init_struct({0, 1})).pointer(0));
    EXPECT_EQ(builder.segment_count(), segments);
    const std::vector<uint8_t> bytes = serialized(builder);
    const size_t table_words = segments / 2 + 1;
    ASSERT_EQ(bytes.size(), 8 * (table_words + 1 + 2 * (segments - 1)));
    uint32_t field = 0;
    std::memcpy(&field, bytes.data(), 4);
    EXPECT_EQ(field, segments - 1);
    for (uint32_t i = 0; i < segments; ++i) {
      std::memcpy(&field, bytes.data() + 4 + 4 * i, 4);
      EXPECT_EQ(field, i == 0 ? 1U : 2U);
    }
    if (segments % 2 == 0) {
      std::memcpy(&field, bytes.data() + 4 + 4 * segments, 4);
      EXPECT_EQ(field, 0U);  // padding
    }
    LibcapnpMessage theirs(bytes);
    EXPECT_EQ(theirs.reader->getRoot<::capnp::AnyPointer>().targetSize().wordCount, segments - 1);
  }
}

// Guard bytes around and between the segment buffers: whatever the builder is asked to do,
// every byte outside the buffers' whole words keeps its value, and the output reads back.
RC_GTEST_PROP(CapnpBuilder, NeverWritesOutsideItsBuffers, ()) {
  constexpr uint8_t GUARD = 0xcd;
  std::vector<uint8_t> arena(4096, GUARD);
  std::vector<std::pair<size_t, size_t>> spans;  // [offset, length) of each buffer
  size_t offset = *rc::gen::inRange<size_t>(0, 16);
  const int count = *rc::gen::inRange(1, 10);
  for (int i = 0; i < count; ++i) {
    const size_t length = *rc::gen::inRange<size_t>(i == 0 ? 8 : 0, 200);
    if (offset + length + 16 > arena.size()) break;
    spans.emplace_back(offset, length);
    offset += length + *rc::gen::inRange<size_t>(1, 16);
  }
  MessageBuilder builder;
  for (const auto& [at, length] : spans) {
    MUST(builder.add_segment(MutableByteView(arena.data() + at, length)));
  }
  const CapnpResult<StructBuilder> root = builder.init_root({*rc::gen::inRange<uint16_t>(0, 3), 4});
  if (root.has_value()) {
    const std::string text(*rc::gen::inRange<size_t>(0, 80), 't');
    const CapnpResult<void> set = root->set_text(0, view(text_bytes(text.c_str())));
    if (!set) RC_ASSERT(set.error() == CapnpError::SegmentsExhausted);
    const CapnpResult<ListBuilder> list =
        root->init_struct_list(1, *rc::gen::inRange<uint32_t>(0, 20), {1, 1});
    if (list.has_value()) {
      for (uint32_t i = 0; i < list->size(); ++i) {
        list->struct_element(i).set_u64(0, i);
        const CapnpResult<void> data = list->struct_element(i).set_data(0, view(text_bytes("abc")));
        if (!data) RC_ASSERT(data.error() == CapnpError::SegmentsExhausted);
      }
    } else {
      RC_ASSERT(list.error() == CapnpError::SegmentsExhausted);
    }
    const CapnpResult<ListBuilder> bits =
        root->init_list(2, ElementSize::Bit, *rc::gen::inRange<uint32_t>(0, 300));
    if (bits.has_value()) {
      for (uint32_t i = 0; i < bits->size(); i += 3) bits->set_bool(i, true);
    } else {
      RC_ASSERT(bits.error() == CapnpError::SegmentsExhausted);
    }
  } else {
    RC_ASSERT(root.error() == CapnpError::SegmentsExhausted);
  }

  size_t guard_start = 0;
  for (const auto& [at, length] : spans) {
    for (size_t i = guard_start; i < at; ++i) RC_ASSERT(arena[i] == GUARD);
    guard_start = at + length / 8 * 8;  // the builder uses whole words only
  }
  for (size_t i = guard_start; i < arena.size(); ++i) RC_ASSERT(arena[i] == GUARD);

  std::vector<uint8_t> out(builder.serialized_bytes());
  RC_ASSERT(MUST(builder.serialize(out)) == out.size());
  LibcapnpMessage theirs(out);
  try {
    (void)theirs.reader->getRoot<::capnp::AnyPointer>().targetSize();  // follows every pointer
  } catch (const kj::Exception& exception) {
    RC_FAIL(exception.getDescription().cStr());
  }
}

}  // namespace
}  // namespace capos::capnp::test
