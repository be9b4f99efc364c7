#include "lib/core/bytes.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <array>
#include <bit>
#include <cstdint>
#include <vector>

namespace capos {
namespace {

constexpr std::array<uint8_t, 8> kBytes = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};

TEST(Bytes, LoadLittleEndian) {
  EXPECT_EQ(*load_le<uint8_t>(kBytes, 7), 0x08U);
  EXPECT_EQ(*load_le<uint16_t>(kBytes, 0), 0x0201U);
  EXPECT_EQ(*load_le<uint32_t>(kBytes, 1), 0x05040302U);
  EXPECT_EQ(*load_le<uint64_t>(kBytes, 0), 0x0807060504030201ULL);
}

TEST(Bytes, LoadOutOfRange) {
  EXPECT_EQ(load_le<uint8_t>(kBytes, 8).error(), Error::OutOfRange);
  EXPECT_EQ(load_le<uint32_t>(kBytes, 5).error(), Error::OutOfRange);
  EXPECT_EQ(load_le<uint64_t>(kBytes, 1).error(), Error::OutOfRange);
  EXPECT_EQ(load_le<uint16_t>(kBytes, UINT64_MAX).error(), Error::OutOfRange);
  EXPECT_EQ(load_le<uint16_t>(ByteView{}, 0).error(), Error::OutOfRange);
}

TEST(Bytes, StoreLittleEndianAndBounds) {
  std::array<uint8_t, 6> buffer{};
  ASSERT_TRUE(store_le<uint32_t>(buffer, 1, 0xA1B2C3D4U).has_value());
  EXPECT_EQ(buffer, (std::array<uint8_t, 6>{0, 0xD4, 0xC3, 0xB2, 0xA1, 0}));
  EXPECT_EQ(store_le<uint32_t>(buffer, 3, 1).error(), Error::OutOfRange);
  EXPECT_EQ(buffer, (std::array<uint8_t, 6>{0, 0xD4, 0xC3, 0xB2, 0xA1, 0}));  // unchanged
}

TEST(Bytes, Subview) {
  const ByteView all(kBytes);
  const ByteView middle = *subview(all, 2, 3);
  ASSERT_EQ(middle.size(), 3U);
  EXPECT_EQ(middle[0], 0x03);
  EXPECT_EQ(subview(all, 2, 7).error(), Error::OutOfRange);
  EXPECT_EQ(subview(all, UINT64_MAX, 2).error(), Error::OutOfRange);
  EXPECT_EQ(subview(all, 8, 0)->size(), 0U);
  std::array<uint8_t, 4> buffer{};
  MutableByteView mutable_all(buffer);
  MutableByteView tail = *subview(mutable_all, 3, 1);
  tail[0] = 9;
  EXPECT_EQ(buffer[3], 9);
  EXPECT_EQ(subview(mutable_all, 4, 1).error(), Error::OutOfRange);
}

// The cast helpers view exactly the same bytes: same start, same length, nothing beyond.
TEST(Bytes, CharAndByteViewsAreTheSameBytes) {
  constexpr std::array<char, 4> chars = {'c', 'a', 'p', '\xff'};
  const ByteView bytes = bytes_of(std::span<const char>(chars).first(3));
  ASSERT_EQ(bytes.size(), 3U);
  EXPECT_EQ(static_cast<const void*>(bytes.data()), static_cast<const void*>(chars.data()));
  EXPECT_EQ(bytes[0], 'c');
  EXPECT_EQ(bytes[2], 'p');
  const std::span<const char> back = chars_of(ByteView(kBytes).subspan(2, 3));
  ASSERT_EQ(back.size(), 3U);
  EXPECT_EQ(static_cast<const void*>(back.data()), static_cast<const void*>(&kBytes[2]));
  EXPECT_EQ(back[2], '\x05');
  EXPECT_TRUE(bytes_of({}).empty());
  EXPECT_TRUE(chars_of({}).empty());
  EXPECT_EQ(chars_of(bytes_of(chars)).data(), chars.data());
}

TEST(Bytes, AddressOfIsThePointersValue) {
  EXPECT_EQ(address_of(nullptr), 0U);
  EXPECT_EQ(address_of(&kBytes[1]) - address_of(&kBytes[0]), 1U);
  EXPECT_EQ(address_of(kBytes.data()),
            static_cast<uint64_t>(std::bit_cast<uintptr_t>(kBytes.data())));
}

TEST(ByteReader, ReadsSequentiallyAndStopsAtEnd) {
  ByteReader reader{ByteView(kBytes)};
  EXPECT_EQ(*reader.read_le<uint16_t>(), 0x0201U);
  EXPECT_EQ(reader.position(), 2U);
  EXPECT_EQ(reader.read_bytes(3)->size(), 3U);
  EXPECT_EQ(reader.remaining(), 3U);
  EXPECT_EQ(reader.read_le<uint32_t>().error(), Error::OutOfRange);
  EXPECT_EQ(reader.position(), 5U);  // a failed read does not move the cursor
  EXPECT_EQ(reader.skip(4).error(), Error::OutOfRange);
  ASSERT_TRUE(reader.skip(1).has_value());
  EXPECT_EQ(*reader.read_le<uint16_t>(), 0x0807U);
  EXPECT_EQ(reader.remaining(), 0U);
  EXPECT_EQ(reader.read_bytes(1).error(), Error::OutOfRange);
}

RC_GTEST_PROP(BytesProperties, StoreThenLoadRoundTrips,
              (uint64_t value, std::vector<uint8_t> buffer, uint64_t offset)) {
  MutableByteView view(buffer);
  const Result<void> stored = store_le<uint64_t>(view, offset, value);
  RC_ASSERT(stored.has_value() == range_within(offset, 8, buffer.size()));
  if (stored.has_value()) RC_ASSERT(*load_le<uint64_t>(ByteView(buffer), offset) == value);
}

RC_GTEST_PROP(BytesProperties, ReaderNeverPassesTheEnd,
              (std::vector<uint8_t> buffer, std::vector<uint8_t> steps)) {
  ByteReader reader{ByteView(buffer)};
  for (const uint8_t step : steps) {
    const uint64_t before = reader.position();
    const Result<ByteView> got = reader.read_bytes(step % 9U);
    RC_ASSERT(reader.position() <= buffer.size());
    RC_ASSERT(got.has_value() == (step % 9U <= buffer.size() - before));
    if (!got.has_value()) RC_ASSERT(reader.position() == before);
  }
}

}  // namespace
}  // namespace capos
