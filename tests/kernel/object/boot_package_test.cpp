// The BootPackage object (kernel/object/boot_package.h) through the real dispatcher: chunking,
// size, CapException replies (and their truncation).
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tests/kernel/cap/dispatch_fixture.h"

namespace capos::kernel::test {
namespace {

using BootPackageTest = DispatchTest;

TEST_F(BootPackageTest, BootPackageChunksAndSize) {
  const int32_t first = dispatch(read_manifest(0, 100000));
  ASSERT_GT(first, 0);
  capnp::MessageReader reader;
  const std::vector<uint8_t> bytes = result_bytes(static_cast<size_t>(first));
  ASSERT_TRUE(reader.parse(bytes).has_value());
  const auto root = gen::read_root<gen::BootPackage::ReadManifestResults>(reader);
  ASSERT_TRUE(root.has_value());
  const auto data = root->get_data();
  ASSERT_TRUE(data.has_value());
  ASSERT_EQ(data->size(), max_manifest_chunk_bytes);
  EXPECT_TRUE(std::equal(data->begin(), data->end(), m_manifest.begin()));

  for (const auto& [offset, expected] :
       std::vector<std::pair<uint64_t, size_t>>{{8192, 1808}, {9990, 10}, {10000, 0}}) {
    const int32_t length = dispatch(read_manifest(offset, 4096));
    ASSERT_GT(length, 0);
    capnp::MessageReader chunk;
    const std::vector<uint8_t> chunk_bytes = result_bytes(static_cast<size_t>(length));
    ASSERT_TRUE(chunk.parse(chunk_bytes).has_value());
    EXPECT_EQ(gen::read_root<gen::BootPackage::ReadManifestResults>(chunk)->get_data()->size(),
              expected)
        << offset;
  }
}

TEST_F(BootPackageTest, BootPackageOffsetPastTheEndIsAnApplicationException) {
  EXPECT_EQ(dispatch(read_manifest(10001, 16)), code(Error::ApplicationException));
  capnp::ReaderOptions options;
  options.trailing_bytes = capnp::TrailingBytes::Allow;
  capnp::MessageReader reader(options);
  const std::vector<uint8_t> bytes = result_bytes(256);
  ASSERT_TRUE(reader.parse(bytes).has_value());
  const auto exception = gen::read_root<gen::CapException>(reader);
  ASSERT_TRUE(exception.has_value());
  EXPECT_EQ(exception->get_type(), gen::ExceptionType::InvalidArgument);
  const auto message = exception->get_message();
  ASSERT_TRUE(message.has_value());
  EXPECT_EQ(std::string(message->begin(), message->end()),
            "readManifest offset is past the end of the manifest");

  CapSqe small = read_manifest(10001, 16);
  small.result_len = 40;  // the bare CapException (32 bytes) fits, its message does not
  EXPECT_EQ(dispatch(small), code(Error::ApplicationExceptionTruncated));
  small.result_len = 24;  // the (empty) results fit, not even a bare CapException
  m_space.poke(result_va, std::vector<uint8_t>(24, 0));
  EXPECT_EQ(dispatch(small), code(Error::ApplicationExceptionTruncated));
  EXPECT_EQ(result_bytes(24), std::vector<uint8_t>(24, 0));  // nothing was copied out
  small.result_len = 16;  // not even the results: refused before the handler runs
  EXPECT_EQ(dispatch(small), code(Error::TooBig));
}

}  // namespace
}  // namespace capos::kernel::test
