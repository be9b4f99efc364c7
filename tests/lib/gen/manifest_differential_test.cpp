// SystemManifest and everything under it: messages built by libcapnp's generated C++ read the
// same through lib/gen's generated readers, and messages built by lib/gen's generated builders
// read as intended by libcapnp (both directions, multi-segment, far pointers).
#include <capnp/message.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "lib/capnp/message_reader.h"
#include "lib/gen/capos.capnp.h"
#include "tests/lib/gen/gen_test_util.h"
#include "tests/lib/gen/manifest_model.h"

namespace capos::gen::test {
namespace {

RC_GTEST_PROP(GenManifest, LibcapnpBuiltReadsIdenticallyThroughGeneratedReaders, ()) {
  const ManifestModel model = gen_manifest();
  ::capnp::MallocMessageBuilder builder(random_first_segment_words(),
                                        ::capnp::AllocationStrategy::GROW_HEURISTICALLY);
  build_lib(model, builder.initRoot<::SystemManifest>());
  const std::vector<uint8_t> bytes = to_bytes(builder);

  capnp::MessageReader reader;
  ok(reader.parse(view(bytes)));
  LibMessage lib(bytes);
  expect_model(lib.root<::SystemManifest>(), model);
  expect_same(lib.root<::SystemManifest>(), ok(read_root<SystemManifest>(reader)));
}

RC_GTEST_PROP(GenManifest, GeneratedBuildersWriteWhatLibcapnpReads, ()) {
  const ManifestModel model = gen_manifest();
  OurMessage message(random_segments());
  build_ours(model, ok(init_root<SystemManifest>(message.builder())));
  const std::vector<uint8_t> bytes = message.serialize();

  LibMessage lib(bytes);
  expect_model(lib.root<::SystemManifest>(), model);
  capnp::MessageReader reader;
  ok(reader.parse(view(bytes)));
  expect_same(lib.root<::SystemManifest>(), ok(read_root<SystemManifest>(reader)));
}

// An empty root (what an older writer of a smaller struct sends) reads as all defaults.
TEST(GenManifest, EmptyRootReadsAsDefaults) {
  ::capnp::MallocMessageBuilder builder;
  builder.initRoot<::SystemManifest>();
  const std::vector<uint8_t> bytes = to_bytes(builder);
  capnp::MessageReader reader;
  ASSERT_TRUE(reader.parse(view(bytes)).has_value());
  const auto root = read_root<SystemManifest>(reader);
  ASSERT_TRUE(root.has_value());
  EXPECT_EQ(root->get_schema_version(), 0U);
  EXPECT_FALSE(root->has_binaries());
  const auto binaries = root->get_binaries();
  ASSERT_TRUE(binaries.has_value());
  EXPECT_EQ(binaries->size(), 0U);
  const auto init = root->get_init_config();
  ASSERT_TRUE(init.has_value());
  const auto init_name = init->get_init();
  ASSERT_TRUE(init_name.has_value());
  EXPECT_TRUE(init_name->empty());
  EXPECT_TRUE(root->validate().has_value());
}

// A hostile pointer deep inside fails validate() with the precise rule, as dispatch relies on.
TEST(GenManifest, ValidateFindsAMalformedNestedPointer) {
  ::capnp::MallocMessageBuilder builder;
  auto root = builder.initRoot<::SystemManifest>();
  root.initInitConfig().initServices(1)[0].initCaps(1)[0].setName("console");
  std::vector<uint8_t> bytes = to_bytes(builder);
  {
    capnp::MessageReader reader;
    ASSERT_TRUE(reader.parse(view(bytes)).has_value());
    const auto root_reader = read_root<SystemManifest>(reader);
    ASSERT_TRUE(root_reader.has_value());
    ASSERT_TRUE(root_reader->validate().has_value());
  }
  // Find the name's pointer (a Byte list of 8 elements: "console" and its NUL) and make its
  // element count run far past the segment.
  bool patched = false;
  for (size_t at = 8; at + 8 <= bytes.size(); at += 8) {
    uint64_t word = 0;
    std::memcpy(&word, &bytes[at], 8);
    if ((word & 3U) == 1 && ((word >> 32) & 7U) == 2 && (word >> 35) == 8) {
      word = (word & 0x7FFFFFFFFULL) | (uint64_t{1} << 50);
      std::memcpy(&bytes[at], &word, 8);
      patched = true;
    }
  }
  ASSERT_TRUE(patched);
  capnp::MessageReader broken;
  ASSERT_TRUE(broken.parse(view(bytes)).has_value());
  const auto broken_root = read_root<SystemManifest>(broken);
  ASSERT_TRUE(broken_root.has_value());
  const auto valid = broken_root->validate();
  ASSERT_FALSE(valid.has_value());
  EXPECT_EQ(valid.error(), capnp::CapnpError::PointerOutOfBounds);
}

}  // namespace
}  // namespace capos::gen::test
