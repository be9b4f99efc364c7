// Hostile and malformed messages, each asserting the exact CapnpError lib/capnp reports.
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "lib/capnp/message_builder.h"
#include "lib/capnp/message_reader.h"
#include "test_util.h"

namespace capos::capnp::test {
namespace {

constexpr std::optional<CapnpError> ok = std::nullopt;

std::vector<uint8_t> le32s(std::initializer_list<uint32_t> values) {
  std::vector<uint8_t> out;
  for (uint32_t value : values) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(value >> (8 * i)));
  }
  return out;
}

// The error reading the root struct, or nullopt; the message must parse.
std::optional<CapnpError> root_error(const RawMessage& message, ReaderOptions options = {}) {
  const Parsed parsed = parse(message, options);
  return error_of(parsed.reader->root());
}

// A message whose root struct has one pointer (word 2) holding `pointer`, then `tail` words.
RawMessage with_field(uint64_t pointer, std::vector<uint64_t> tail = {}) {
  std::vector<uint64_t> segment{struct_ptr(0, 0, 1), pointer};
  segment.insert(segment.end(), tail.begin(), tail.end());
  return RawMessage{{segment}};
}

// ---- segment table --------------------------------------------------------------------

TEST(CapnpErrors, TruncatedSegmentTable) {
  EXPECT_EQ(parse_error({}), CapnpError::TruncatedSegmentTable);
  EXPECT_EQ(parse_error({0, 0, 0}), CapnpError::TruncatedSegmentTable);
  EXPECT_EQ(parse_error(le32s({0})), CapnpError::TruncatedSegmentTable);  // no size word
  // Two segments need 16 table bytes (count, two sizes, padding); 12 are present.
  EXPECT_EQ(parse_error(le32s({1, 0, 0})), CapnpError::TruncatedSegmentTable);
  EXPECT_EQ(parse_error(le32s({1, 0, 0, 0})), ok);
}

TEST(CapnpErrors, TooManySegments) {
  std::vector<uint8_t> table = le32s({MAX_SEGMENTS});  // MAX_SEGMENTS + 1 segments
  table.resize(8 * (MAX_SEGMENTS / 2 + 1) + 8, 0);
  EXPECT_EQ(parse_error(table), CapnpError::TooManySegments);
  // 0xffffffff + 1 is 2^32 segments, not zero.
  std::vector<uint8_t> wrapped = le32s({0xffffffffU, 0});
  EXPECT_EQ(parse_error(wrapped), CapnpError::TooManySegments);
  // Exactly MAX_SEGMENTS (all empty but the first) is accepted.
  RawMessage at_limit;
  at_limit.segments.assign(MAX_SEGMENTS, {});
  at_limit.segments[0] = {0};
  const Parsed parsed = parse(at_limit);
  EXPECT_EQ(parsed.reader->segment_count(), MAX_SEGMENTS);
}

TEST(CapnpErrors, SegmentOutOfBounds) {
  std::vector<uint8_t> bytes = RawMessage{{{0, 0}}}.bytes();
  bytes.resize(bytes.size() - 8);  // the table still says two words
  EXPECT_EQ(parse_error(bytes), CapnpError::SegmentOutOfBounds);
  bytes = RawMessage{{{0}, {1, 2, 3}}}.bytes();
  bytes.pop_back();
  EXPECT_EQ(parse_error(bytes), CapnpError::SegmentOutOfBounds);
  EXPECT_EQ(parse_error(le32s({0, 0xffffffffU})), CapnpError::SegmentOutOfBounds);
}

TEST(CapnpErrors, TrailingBytesRejectedByDefaultAllowedOnRequest) {
  const std::vector<uint8_t> exact = RawMessage{{{0}}}.bytes();
  for (size_t extra : {1U, 3U, 8U}) {
    std::vector<uint8_t> longer = exact;
    longer.resize(exact.size() + extra, 0);
    EXPECT_EQ(parse_error(longer), CapnpError::TrailingBytes);
    MessageReader lenient(ReaderOptions{.trailing_bytes = TrailingBytes::Allow});
    MUST(lenient.parse(view(longer)));
    EXPECT_EQ(lenient.message_bytes(), exact.size());
  }
}

TEST(CapnpErrors, MissingRootPointer) {
  EXPECT_EQ(root_error(RawMessage{{{}}}), CapnpError::MissingRootPointer);
  MessageReader unparsed;
  EXPECT_EQ(error_of(unparsed.root()), CapnpError::MissingRootPointer);
  // A failed parse leaves no segments behind.
  MessageReader failed;
  const std::vector<uint8_t> good = RawMessage{{{0}}}.bytes();
  MUST(failed.parse(view(good)));
  EXPECT_EQ(error_of(failed.parse(view(le32s({0, 9})))), CapnpError::SegmentOutOfBounds);
  EXPECT_EQ(error_of(failed.root()), CapnpError::MissingRootPointer);
}

// ---- pointers -------------------------------------------------------------------------

TEST(CapnpErrors, PointerOutOfBounds) {
  EXPECT_EQ(root_error(RawMessage{{{struct_ptr(5, 1, 0)}}}), CapnpError::PointerOutOfBounds);
  EXPECT_EQ(root_error(RawMessage{{{struct_ptr(-2, 0, 0)}}}), CapnpError::PointerOutOfBounds);
  EXPECT_EQ(root_error(RawMessage{{{struct_ptr(0, 1, 1), 0}}}), CapnpError::PointerOutOfBounds);
  EXPECT_EQ(root_error(RawMessage{{{struct_ptr((1 << 29) - 1, 0, 0)}}}),
            CapnpError::PointerOutOfBounds);
  EXPECT_EQ(root_error(RawMessage{{{struct_ptr(-(1 << 29), 0, 0)}}}),
            CapnpError::PointerOutOfBounds);
  // Zero-sized objects too: libcapnp clamps a wild offset to the segment end and accepts
  // them; no valid encoder produces one, so lib/capnp rejects it (README).
  EXPECT_EQ(root_error(RawMessage{{{struct_ptr(1000, 0, 0)}}}), CapnpError::PointerOutOfBounds);

  auto list_error = [](uint64_t pointer, ElementSize expected, std::vector<uint64_t> tail) {
    const Parsed parsed = parse(with_field(pointer, std::move(tail)));
    return error_of(MUST(parsed.reader->root()).get_list(0, expected));
  };
  EXPECT_EQ(
      list_error(list_ptr(0, ElementSize::EightBytes, (1U << 29) - 1), ElementSize::EightBytes, {}),
      CapnpError::PointerOutOfBounds);
  EXPECT_EQ(list_error(list_ptr(0, ElementSize::Bit, 65), ElementSize::Bit, {0}),
            CapnpError::PointerOutOfBounds);
  EXPECT_EQ(list_error(list_ptr(0, ElementSize::Bit, 64), ElementSize::Bit, {0}), ok);
  EXPECT_EQ(list_error(list_ptr(0, ElementSize::InlineComposite, 2), ElementSize::InlineComposite,
                       {composite_tag(1, 1, 0), 0}),  // tag + 2 words needed, 2 present
            CapnpError::PointerOutOfBounds);
  EXPECT_EQ(list_error(list_ptr(0, ElementSize::Pointer, 2), ElementSize::Pointer, {0}),
            CapnpError::PointerOutOfBounds);

  const Parsed text = parse(with_field(list_ptr(0, ElementSize::Byte, 9), {0}));
  EXPECT_EQ(error_of(MUST(text.reader->root()).get_text(0)), CapnpError::PointerOutOfBounds);
  EXPECT_EQ(error_of(MUST(text.reader->root()).get_data(0)), CapnpError::PointerOutOfBounds);
}

TEST(CapnpErrors, BadPointerKind) {
  EXPECT_EQ(root_error(RawMessage{{{list_ptr(0, ElementSize::Byte, 0)}}}),
            CapnpError::BadPointerKind);
  EXPECT_EQ(root_error(RawMessage{{{cap_ptr(0)}}}), CapnpError::BadPointerKind);
  EXPECT_EQ(root_error(RawMessage{{{7}}}), CapnpError::BadPointerKind);  // OTHER, not a cap

  const Parsed parsed = parse(with_field(struct_ptr(0, 1, 0), {0}));
  const StructReader root = MUST(parsed.reader->root());
  EXPECT_EQ(error_of(root.get_list(0, ElementSize::Byte)), CapnpError::BadPointerKind);
  EXPECT_EQ(error_of(root.get_text(0)), CapnpError::BadPointerKind);
  EXPECT_EQ(error_of(root.get_data(0)), CapnpError::BadPointerKind);
  EXPECT_EQ(error_of(root.get_capability(0)), CapnpError::BadPointerKind);

  const Parsed other = parse(with_field(7));
  EXPECT_EQ(error_of(MUST(other.reader->root()).get_capability(0)), CapnpError::BadPointerKind);
  // Capabilities are never reached through far pointers (libcapnp agrees).
  const Parsed far = parse(RawMessage{{{struct_ptr(0, 0, 1), far_ptr(false, 0, 1)}, {cap_ptr(2)}}});
  EXPECT_EQ(error_of(MUST(far.reader->root()).get_capability(0)), CapnpError::BadPointerKind);
}

TEST(CapnpErrors, UnknownSegment) {
  EXPECT_EQ(root_error(RawMessage{{{far_ptr(false, 0, 1)}}}), CapnpError::UnknownSegment);
  EXPECT_EQ(root_error(RawMessage{{{far_ptr(false, 0, 0xffffffffU)}}}), CapnpError::UnknownSegment);
  // Double far whose pad names a segment that does not exist.
  EXPECT_EQ(
      root_error(RawMessage{{{far_ptr(true, 0, 1)}, {far_ptr(false, 0, 7), struct_ptr(0, 0, 0)}}}),
      CapnpError::UnknownSegment);
}

TEST(CapnpErrors, LandingPadOutOfBounds) {
  EXPECT_EQ(root_error(RawMessage{{{far_ptr(false, 1, 1)}, {0}}}),
            CapnpError::LandingPadOutOfBounds);
  EXPECT_EQ(root_error(RawMessage{{{far_ptr(false, (1U << 29) - 1, 0)}}}),
            CapnpError::LandingPadOutOfBounds);
  // A double-far pad is two words; only one is left.
  EXPECT_EQ(root_error(RawMessage{{{far_ptr(true, 0, 1)}, {far_ptr(false, 0, 0)}}}),
            CapnpError::LandingPadOutOfBounds);
}

TEST(CapnpErrors, FarPointerLoopsAndBadPadsAreBadLandingPad) {
  // A pad that is itself a far pointer: to itself, and two pads pointing at each other.
  EXPECT_EQ(root_error(RawMessage{{{far_ptr(false, 0, 1)}, {far_ptr(false, 0, 1)}}}),
            CapnpError::BadLandingPad);
  EXPECT_EQ(root_error(RawMessage{{{far_ptr(false, 0, 1)}, {far_ptr(false, 0, 0)}}}),
            CapnpError::BadLandingPad);
  EXPECT_EQ(root_error(RawMessage{{{far_ptr(false, 0, 0)}}}), CapnpError::BadLandingPad);
  // Double far: the first pad word must be a single far pointer.
  EXPECT_EQ(
      root_error(RawMessage{{{far_ptr(true, 0, 1)}, {struct_ptr(0, 0, 0), struct_ptr(0, 0, 0)}}}),
      CapnpError::BadLandingPad);
  EXPECT_EQ(
      root_error(RawMessage{{{far_ptr(true, 0, 1)}, {far_ptr(true, 0, 1), struct_ptr(0, 0, 0)}}}),
      CapnpError::BadLandingPad);
}

TEST(CapnpErrors, WrongElementSize) {
  auto list_error = [](uint64_t pointer, std::vector<uint64_t> tail, ElementSize expected) {
    const Parsed parsed = parse(with_field(pointer, std::move(tail)));
    return error_of(MUST(parsed.reader->root()).get_list(0, expected));
  };
  const uint64_t u32s = list_ptr(0, ElementSize::FourBytes, 2);
  EXPECT_EQ(list_error(u32s, {0}, ElementSize::EightBytes), CapnpError::WrongElementSize);
  EXPECT_EQ(list_error(u32s, {0}, ElementSize::Pointer), CapnpError::WrongElementSize);
  EXPECT_EQ(list_error(u32s, {0}, ElementSize::TwoBytes), ok);  // narrower: compatible
  const uint64_t bits = list_ptr(0, ElementSize::Bit, 3);
  EXPECT_EQ(list_error(bits, {0}, ElementSize::Byte), CapnpError::WrongElementSize);
  EXPECT_EQ(list_error(bits, {0}, ElementSize::InlineComposite), CapnpError::WrongElementSize);
  EXPECT_EQ(list_error(bits, {0}, ElementSize::Void), CapnpError::WrongElementSize);
  const uint64_t composite = list_ptr(0, ElementSize::InlineComposite, 2);
  EXPECT_EQ(list_error(composite, {composite_tag(2, 1, 0), 0, 0}, ElementSize::Pointer),
            CapnpError::WrongElementSize);
  EXPECT_EQ(list_error(composite, {composite_tag(2, 0, 1), 0, 0}, ElementSize::TwoBytes),
            CapnpError::WrongElementSize);
  EXPECT_EQ(list_error(composite, {composite_tag(2, 1, 0), 0, 0}, ElementSize::Bit),
            CapnpError::WrongElementSize);

  const Parsed u16s = parse(with_field(list_ptr(0, ElementSize::TwoBytes, 4), {0}));
  EXPECT_EQ(error_of(MUST(u16s.reader->root()).get_text(0)), CapnpError::WrongElementSize);
  const ListReader list = MUST(MUST(u16s.reader->root()).get_list(0, ElementSize::TwoBytes));
  EXPECT_EQ(error_of(list.pointer(0)), CapnpError::WrongElementSize);
  const Parsed bit_list = parse(with_field(bits, {0}));
  const ListReader bools = MUST(MUST(bit_list.reader->root()).get_list(0, ElementSize::Bit));
  EXPECT_EQ(error_of(bools.get_struct(1)), CapnpError::WrongElementSize);
  const Parsed pointers = parse(with_field(list_ptr(0, ElementSize::Pointer, 1), {0}));
  EXPECT_EQ(error_of(MUST(pointers.reader->root()).get_data(0)), CapnpError::WrongElementSize);
}

TEST(CapnpErrors, BadInlineCompositeTag) {
  const Parsed parsed = parse(with_field(list_ptr(0, ElementSize::InlineComposite, 1),
                                         {list_ptr(0, ElementSize::Byte, 1), 0}));
  EXPECT_EQ(error_of(MUST(parsed.reader->root()).get_list(0, ElementSize::InlineComposite)),
            CapnpError::BadInlineCompositeTag);
}

TEST(CapnpErrors, InlineCompositeOverrun) {
  const Parsed parsed = parse(with_field(list_ptr(0, ElementSize::InlineComposite, 4),
                                         {composite_tag(3, 1, 1), 0, 0, 0, 0}));
  EXPECT_EQ(error_of(MUST(parsed.reader->root()).get_list(0, ElementSize::InlineComposite)),
            CapnpError::InlineCompositeOverrun);
}

TEST(CapnpErrors, TextNotNulTerminated) {
  auto text_error = [](uint32_t count, uint64_t word) {
    const Parsed parsed = parse(with_field(list_ptr(0, ElementSize::Byte, count), {word}));
    return error_of(MUST(parsed.reader->root()).get_text(0));
  };
  EXPECT_EQ(text_error(3, bytes_word({'a', 'b', 'c'})), CapnpError::TextNotNulTerminated);
  EXPECT_EQ(text_error(0, 0), CapnpError::TextNotNulTerminated);
  EXPECT_EQ(text_error(3, bytes_word({'a', 0, 'c'})), CapnpError::TextNotNulTerminated);
  EXPECT_EQ(text_error(4, bytes_word({'a', 'b', 'c', 0})), ok);
}

// ---- limits -----------------------------------------------------------------------------

// Root -> pointer list of `pointers` entries, all pointing at one 100-word struct.
RawMessage shared_target(uint32_t pointers) {
  std::vector<uint64_t> segment{struct_ptr(0, 0, 1), list_ptr(0, ElementSize::Pointer, pointers)};
  const int64_t target = 2 + pointers;
  for (uint32_t i = 0; i < pointers; ++i) {
    const int64_t at = 2 + i;
    segment.push_back(struct_ptr(static_cast<int32_t>(target - at - 1), 100, 0));
  }
  segment.resize(segment.size() + 100, 0);
  return RawMessage{{segment}};
}

TEST(CapnpErrors, TraversalLimitStopsRepeatedPointersToOneObject) {
  const Parsed parsed = parse(shared_target(64), ReaderOptions{.traversal_limit_words = 1000});
  const ListReader list = MUST(MUST(parsed.reader->root()).get_list(0, ElementSize::Pointer));
  // Root pointer 1 + root struct 1 + list 64 = 66 words; each target costs 100: 9 fit in 934.
  EXPECT_EQ(parsed.reader->traversal_remaining_words(), 934U);
  uint32_t read = 0;
  std::optional<CapnpError> error;
  for (uint32_t i = 0; i < list.size() && !error; ++i) {
    const CapnpResult<StructReader> element = MUST(list.pointer(i)).get_struct();
    error = error_of(element);
    if (!error) ++read;
  }
  EXPECT_EQ(read, 9U);
  EXPECT_EQ(error, CapnpError::TraversalLimitExceeded);
  EXPECT_EQ(parsed.reader->traversal_remaining_words(), 34U);  // a failed read takes nothing
}

TEST(CapnpErrors, TraversalLimitStopsRereadingTheSameField) {
  const Parsed parsed = parse(shared_target(1), ReaderOptions{.traversal_limit_words = 10'000});
  const StructReader root = MUST(parsed.reader->root());
  uint32_t reads = 0;
  for (;;) {
    const CapnpResult<ListReader> list = root.get_list(0, ElementSize::Pointer);
    if (!list) {
      EXPECT_EQ(list.error(), CapnpError::TraversalLimitExceeded);
      break;
    }
    const CapnpResult<StructReader> target = MUST(list->pointer(0)).get_struct();
    if (!target) {
      EXPECT_EQ(target.error(), CapnpError::TraversalLimitExceeded);
      break;
    }
    ++reads;
  }
  EXPECT_EQ(reads, (10'000U - 2) / 101);
}

TEST(CapnpErrors, TraversalLimitStopsAmplifiedZeroSizedLists) {
  // 2^29 - 1 Void elements in zero words, and 2^30 - 1 zero-sized structs in one tag word.
  const Parsed voids = parse(with_field(list_ptr(0, ElementSize::Void, (1U << 29) - 1)));
  EXPECT_EQ(error_of(MUST(voids.reader->root()).get_list(0, ElementSize::Void)),
            CapnpError::TraversalLimitExceeded);
  const Parsed structs = parse(with_field(list_ptr(0, ElementSize::InlineComposite, 0),
                                          {composite_tag((1U << 30) - 1, 0, 0)}));
  EXPECT_EQ(error_of(MUST(structs.reader->root()).get_list(0, ElementSize::InlineComposite)),
            CapnpError::TraversalLimitExceeded);
  // A small void list is fine and costs one word per element.
  const Parsed small = parse(with_field(list_ptr(0, ElementSize::Void, 10)));
  const uint64_t before = small.reader->options().traversal_limit_words;
  EXPECT_EQ(MUST(MUST(small.reader->root()).get_list(0, ElementSize::Void)).size(), 10U);
  EXPECT_EQ(small.reader->traversal_remaining_words(), before - 1 - 1 - 10);
}

TEST(CapnpErrors, TraversalLimitChargesLandingPads) {
  // Root pointer 1 + landing pad 1 + struct 1.
  const Parsed single = parse(RawMessage{{{far_ptr(false, 0, 1)}, {struct_ptr(0, 1, 0), 42}}},
                              ReaderOptions{.traversal_limit_words = 2});
  EXPECT_EQ(error_of(single.reader->root()), CapnpError::TraversalLimitExceeded);
  const Parsed enough = parse(RawMessage{{{far_ptr(false, 0, 1)}, {struct_ptr(0, 1, 0), 42}}},
                              ReaderOptions{.traversal_limit_words = 3});
  EXPECT_EQ(MUST(enough.reader->root()).get_u64(0), 42U);
  EXPECT_EQ(enough.reader->traversal_remaining_words(), 0U);
}

TEST(CapnpErrors, NestingLimitStopsSelfReferentialStruct) {
  // Word 1 is a struct {0 data, 1 pointer} whose only pointer (itself) points at word 1.
  const Parsed parsed = parse(RawMessage{{{struct_ptr(0, 0, 1), struct_ptr(-1, 0, 1)}}});
  StructReader current = MUST(parsed.reader->root());
  uint32_t depth = 0;
  for (;;) {
    const CapnpResult<StructReader> next = current.get_struct(0);
    if (!next) {
      EXPECT_EQ(next.error(), CapnpError::NestingLimitExceeded);
      break;
    }
    current = *next;
    ++depth;
  }
  EXPECT_EQ(depth, DEFAULT_NESTING_LIMIT - 1);  // the root used one level
}

TEST(CapnpErrors, NestingLimitStopsListCycle) {
  // A pointer list whose only element points back at the list.
  const Parsed parsed = parse(
      with_field(list_ptr(0, ElementSize::Pointer, 1), {list_ptr(-1, ElementSize::Pointer, 1)}),
      ReaderOptions{.nesting_limit = 10});
  ListReader current = MUST(MUST(parsed.reader->root()).get_list(0, ElementSize::Pointer));
  uint32_t depth = 0;
  for (;;) {
    const CapnpResult<ListReader> next = current.get_list(0, ElementSize::Pointer);
    if (!next) {
      EXPECT_EQ(next.error(), CapnpError::NestingLimitExceeded);
      break;
    }
    current = *next;
    ++depth;
  }
  EXPECT_EQ(depth, 8U);  // root and the first list used two of ten levels
}

TEST(CapnpErrors, NestingLimitCountsStructListElements) {
  const Parsed parsed =
      parse(with_field(list_ptr(0, ElementSize::InlineComposite, 1), {composite_tag(1, 1, 0), 5}),
            ReaderOptions{.nesting_limit = 2});
  const ListReader list =
      MUST(MUST(parsed.reader->root()).get_list(0, ElementSize::InlineComposite));
  EXPECT_EQ(error_of(list.get_struct(0)), CapnpError::NestingLimitExceeded);
  const Parsed deeper =
      parse(with_field(list_ptr(0, ElementSize::InlineComposite, 1), {composite_tag(1, 1, 0), 5}),
            ReaderOptions{.nesting_limit = 3});
  const ListReader ok_list =
      MUST(MUST(deeper.reader->root()).get_list(0, ElementSize::InlineComposite));
  EXPECT_EQ(MUST(ok_list.get_struct(0)).get_u64(0), 5U);
}

TEST(CapnpErrors, IndexOutOfRange) {
  const Parsed parsed = parse(
      with_field(list_ptr(0, ElementSize::InlineComposite, 2), {composite_tag(2, 0, 1), 0, 0}));
  const ListReader list =
      MUST(MUST(parsed.reader->root()).get_list(0, ElementSize::InlineComposite));
  EXPECT_EQ(error_of(list.get_struct(2)), CapnpError::IndexOutOfRange);
  EXPECT_EQ(error_of(list.pointer(2)), CapnpError::IndexOutOfRange);
  EXPECT_EQ(error_of(list.get_text(0xffffffffU)), CapnpError::IndexOutOfRange);
  EXPECT_EQ(list.get_u64(2), 0U);  // primitives past the end read as zero
}

// ---- builder ----------------------------------------------------------------------------

TEST(CapnpErrors, BuilderSegmentsExhausted) {
  std::vector<uint8_t> first(16), second(16), third(24);
  MessageBuilder builder;
  MUST(builder.add_segment(first));
  // Segment 0 has one free word; a two-word struct needs 2 + 1 (landing pad) elsewhere.
  EXPECT_EQ(error_of(builder.init_root({2, 0})), CapnpError::SegmentsExhausted);
  MUST(builder.add_segment(second));
  EXPECT_EQ(error_of(builder.init_root({2, 0})), CapnpError::SegmentsExhausted);
  MUST(builder.add_segment(third));
  const StructBuilder root = MUST(builder.init_root({2, 0}));
  root.set_u64(8, 7);
  EXPECT_EQ(builder.segment_count(), 3U);
  EXPECT_EQ(error_of(MUST(builder.root_pointer()).set_text(view(text_bytes("x")))),
            CapnpError::PointerAlreadySet);

  MessageBuilder empty;
  EXPECT_EQ(error_of(empty.root_pointer()), CapnpError::SegmentsExhausted);
  std::vector<uint8_t> out(64);
  EXPECT_EQ(error_of(empty.serialize(out)), CapnpError::SegmentsExhausted);
  std::vector<uint8_t> tiny(7);
  EXPECT_EQ(error_of(empty.add_segment(tiny)), CapnpError::SegmentsExhausted);
}

TEST(CapnpErrors, BuilderOutputTooSmallWritesNothing) {
  std::vector<uint8_t> segment(64);
  MessageBuilder builder;
  MUST(builder.add_segment(segment));
  MUST(MUST(builder.init_root({1, 1})).set_text(0, view(text_bytes("x"))));
  std::vector<uint8_t> out(builder.serialized_bytes() - 1, 0xAA);
  EXPECT_EQ(error_of(builder.serialize(out)), CapnpError::OutputTooSmall);
  for (uint8_t byte : out) EXPECT_EQ(byte, 0xAA);
}

TEST(CapnpErrors, BuilderListTooLong) {
  std::vector<uint8_t> segment(64);
  MessageBuilder builder;
  MUST(builder.add_segment(segment));
  const StructBuilder root = MUST(builder.init_root({0, 3}));
  EXPECT_EQ(error_of(root.init_list(0, ElementSize::Void, 1U << 29)), CapnpError::ListTooLong);
  EXPECT_EQ(error_of(root.init_struct_list(1, 1U << 28, {1, 1})), CapnpError::ListTooLong);
  EXPECT_EQ(error_of(root.init_struct_list(1, 1U << 29, {0, 0})), CapnpError::ListTooLong);
  EXPECT_EQ(error_of(root.init_list(2, ElementSize::InlineComposite, 1)),
            CapnpError::WrongElementSize);
  // Nothing was written by the failed calls.
  EXPECT_EQ(builder.segment_used_words(0), 1U + 3U);
}

TEST(CapnpErrors, BuilderPointerIndexAndWriteOnce) {
  std::vector<uint8_t> segment(256);
  MessageBuilder builder;
  MUST(builder.add_segment(segment));
  const StructBuilder root = MUST(builder.init_root({1, 2}));
  EXPECT_EQ(error_of(root.pointer(2)), CapnpError::PointerIndexOutOfRange);
  EXPECT_EQ(error_of(root.set_text(2, {})), CapnpError::PointerIndexOutOfRange);
  MUST(root.set_text(0, view(text_bytes("first"))));
  EXPECT_EQ(error_of(root.set_text(0, view(text_bytes("second")))), CapnpError::PointerAlreadySet);
  EXPECT_EQ(error_of(root.init_struct(0, {1, 0})), CapnpError::PointerAlreadySet);
  MUST(root.set_capability(1, 4));
  EXPECT_EQ(error_of(root.set_capability(1, 5)), CapnpError::PointerAlreadySet);
  EXPECT_EQ(error_of(builder.init_root({1, 2})), CapnpError::PointerAlreadySet);

  std::vector<uint8_t> other(256);
  MessageBuilder lists;
  MUST(lists.add_segment(other));
  const StructBuilder holder = MUST(lists.init_root({0, 2}));
  const ListBuilder u16s = MUST(holder.init_list(0, ElementSize::TwoBytes, 3));
  EXPECT_EQ(error_of(u16s.pointer(0)), CapnpError::WrongElementSize);
  const ListBuilder texts = MUST(holder.init_list(1, ElementSize::Pointer, 2));
  EXPECT_EQ(error_of(texts.pointer(2)), CapnpError::IndexOutOfRange);
  MUST(MUST(texts.pointer(1)).set_text(view(text_bytes("ok"))));
  EXPECT_EQ(error_of(MUST(texts.pointer(1)).set_data({})), CapnpError::PointerAlreadySet);
}

TEST(CapnpErrors, BuilderTooManySegments) {
  std::vector<std::vector<uint8_t>> buffers(MAX_SEGMENTS + 1, std::vector<uint8_t>(8));
  MessageBuilder builder;
  for (uint32_t i = 0; i < MAX_SEGMENTS; ++i) MUST(builder.add_segment(buffers[i]));
  EXPECT_EQ(error_of(builder.add_segment(buffers[MAX_SEGMENTS])), CapnpError::TooManySegments);
}

// ---- names and mapping -------------------------------------------------------------------

TEST(CapnpErrors, EveryErrorHasADistinctNameAndAMapping) {
  std::set<std::string> names;
  for (int value = 1; value <= static_cast<int>(CapnpError::PointerAlreadySet); ++value) {
    const auto error = static_cast<CapnpError>(value);
    const std::string name = capnp_error_name(error);
    EXPECT_NE(name, "UnknownCapnpError") << value;
    EXPECT_TRUE(names.insert(name).second) << name;
  }
  EXPECT_EQ(names.size(), 23U);
  EXPECT_STREQ(capnp_error_name(static_cast<CapnpError>(200)), "UnknownCapnpError");
  EXPECT_EQ(to_error(CapnpError::PointerOutOfBounds), Error::Malformed);
  EXPECT_EQ(to_error(CapnpError::BadLandingPad), Error::Malformed);
  EXPECT_EQ(to_error(CapnpError::TraversalLimitExceeded), Error::TooBig);
  EXPECT_EQ(to_error(CapnpError::NestingLimitExceeded), Error::TooBig);
  EXPECT_EQ(to_error(CapnpError::TooManySegments), Error::TooBig);
  EXPECT_EQ(to_error(CapnpError::OutputTooSmall), Error::TooBig);
  EXPECT_EQ(to_error(CapnpError::ListTooLong), Error::TooBig);
  EXPECT_EQ(to_error(CapnpError::SegmentsExhausted), Error::Exhausted);
  EXPECT_EQ(to_error(CapnpError::IndexOutOfRange), Error::OutOfRange);
  EXPECT_EQ(to_error(CapnpError::PointerIndexOutOfRange), Error::OutOfRange);
  EXPECT_EQ(to_error(CapnpError::MessageSizeOverflow), Error::Overflow);
  EXPECT_EQ(to_error(CapnpError::PointerAlreadySet), Error::InvalidState);
}

}  // namespace
}  // namespace capos::capnp::test
