#include "lib/core/bytes.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <array>
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
