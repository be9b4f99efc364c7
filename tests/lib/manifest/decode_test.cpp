// decode(): libcapnp-encoded manifests decode to the expected model; every wire rule (size,
// framing, missing pointer, list bound, enum, union, element size) is rejected with its path.
#include "lib/manifest/decode.h"

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "lib/manifest/interface_ids.h"
#include "tests/lib/manifest/manifest_spec.h"

namespace capos::manifest {
namespace {

using test::describe;
using test::encode_with_libcapnp;
using test::render;
using test::Spec;
using test::SpecCap;
using test::SpecService;

// The manifest_fixture system as a Spec: net exports its endpoint, app imports it.
Spec fixture_spec() {
  Spec spec;
  spec.binaries = {{"init", {0x7f, 'E', 'L', 'F'}}, {"net", {1, 2, 3}}, {"app", {4}}};
  spec.init = "init";
  SpecService net{"net", "net", {}, {{"socket", "server"}}};
  net.caps.push_back(SpecCap{"console", true, 0, "", "", 0, CONSOLE_INTERFACE_ID});
  net.caps.push_back(SpecCap{"server", true, 5, "", "", 0, 0});
  SpecService app{"app", "app", {}, {}};
  app.caps.push_back(SpecCap{"net", false, 0, "net", "socket", UINT64_MAX, 0});
  spec.services = {net, app};
  spec.motd = "capOS";
  return spec;
}

std::string decode_error(const std::vector<uint8_t>& bytes) {
  auto model = std::make_unique<Manifest>();
  auto result = decode(ByteView(bytes), *model);
  if (result) return "";
  EXPECT_TRUE(model->binaries.empty());
  EXPECT_TRUE(model->init_config.services.empty());
  return render(result.error());
}

TEST(ManifestDecode, DecodesALibcapnpMessage) {
  const Spec spec = fixture_spec();
  const auto bytes = encode_with_libcapnp(spec);
  auto model = std::make_unique<Manifest>();
  ASSERT_TRUE(decode(ByteView(bytes), *model).has_value());
  EXPECT_EQ(describe(*model), describe(*test::to_model(spec)));
  EXPECT_EQ(model->init_config.services[1].caps[0].badge, UINT64_MAX);
  EXPECT_TRUE(decode_and_validate(ByteView(bytes), *model).has_value());
}

TEST(ManifestDecode, DecodesAMessageSpreadOverManySegments) {
  const Spec spec = fixture_spec();
  const auto bytes = encode_with_libcapnp(spec, /*first_segment_words=*/1);
  ASSERT_GT(bytes[0], 0) << "expected a multi-segment message";
  auto model = std::make_unique<Manifest>();
  ASSERT_TRUE(decode(ByteView(bytes), *model).has_value());
  EXPECT_EQ(describe(*model), describe(*test::to_model(spec)));
}

TEST(ManifestDecode, RejectsAMessageAboveTheSizeBound) {
  const std::vector<uint8_t> bytes(MAX_MANIFEST_BYTES + 8, 0);
  EXPECT_EQ(decode_error(bytes), "manifest is 33554440 bytes; at most 33554432");
}

TEST(ManifestDecode, RejectsBrokenFraming) {
  EXPECT_EQ(decode_error({}), "malformed Cap'n Proto message: \"TruncatedSegmentTable\"");
  auto bytes = encode_with_libcapnp(fixture_spec());
  bytes.pop_back();
  EXPECT_EQ(decode_error(bytes), "malformed Cap'n Proto message: \"SegmentOutOfBounds\"");
}

TEST(ManifestDecode, RejectsTrailingBytes) {
  auto bytes = encode_with_libcapnp(fixture_spec());
  bytes.insert(bytes.end(), 8, 0);
  EXPECT_EQ(decode_error(bytes), "malformed Cap'n Proto message: \"TrailingBytes\"");
}

struct MissingCase {
  const char* omit;
  const char* message;
};

class ManifestDecodeMissing : public ::testing::TestWithParam<MissingCase> {};

TEST_P(ManifestDecodeMissing, RejectsANullPointerField) {
  EXPECT_EQ(decode_error(encode_with_libcapnp(fixture_spec(), 1024, GetParam().omit)),
            GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    EveryPointerField, ManifestDecodeMissing,
    ::testing::Values(
        MissingCase{"binaries", "binaries: required field is missing"},
        MissingCase{"binaries.name", "binaries[0].name: required field is missing"},
        MissingCase{"binaries.elf", "binaries[0].elf: required field is missing"},
        MissingCase{"initConfig", "initConfig: required field is missing"},
        MissingCase{"init", "initConfig.init: required field is missing"},
        MissingCase{"services", "initConfig.services: required field is missing"},
        MissingCase{"service.name", "initConfig.services[0].name: required field is missing"},
        MissingCase{"service.binary", "initConfig.services[0].binary: required field is missing"},
        MissingCase{"caps", "initConfig.services[0].caps: required field is missing"},
        MissingCase{"cap.name", "initConfig.services[0].caps[0].name: required field is missing"},
        MissingCase{"source", "initConfig.services[0].caps[0].source: required field is missing"},
        MissingCase{"source.service",
                    "initConfig.services[1].caps[0].source.service: required field is missing"},
        MissingCase{"ref.service",
                    "initConfig.services[1].caps[0].source.service.service: required field is "
                    "missing"},
        MissingCase{"ref.export",
                    "initConfig.services[1].caps[0].source.service.export: required field is "
                    "missing"},
        MissingCase{"exports", "initConfig.services[0].exports: required field is missing"},
        MissingCase{"export.name",
                    "initConfig.services[0].exports[0].name: required field is missing"},
        MissingCase{"export.cap",
                    "initConfig.services[0].exports[0].cap: required field is missing"},
        MissingCase{"kernelParams", "kernelParams: required field is missing"},
        MissingCase{"motd", "kernelParams.motd: required field is missing"}),
    [](const ::testing::TestParamInfo<MissingCase>& info) {
      std::string name = info.param.omit;
      for (char& c : name) c = c == '.' ? '_' : c;
      return name;
    });

TEST(ManifestDecode, AcceptsEmptyListsAndTexts) {
  Spec spec = fixture_spec();
  spec.services[1].caps.clear();
  spec.motd = "";
  auto model = std::make_unique<Manifest>();
  const auto bytes = encode_with_libcapnp(spec);
  ASSERT_TRUE(decode(ByteView(bytes), *model).has_value());
  EXPECT_TRUE(model->init_config.services[1].caps.empty());
  EXPECT_TRUE(model->kernel_params.motd.empty());
}

TEST(ManifestDecode, BoundsEveryListBeforeIteratingIt) {
  Spec spec = fixture_spec();
  for (size_t i = spec.binaries.size(); i <= MAX_BINARIES; ++i) {
    spec.binaries.emplace_back("b" + std::to_string(i), std::vector<uint8_t>{1});
  }
  EXPECT_EQ(decode_error(encode_with_libcapnp(spec)), "binaries: 65 entries; at most 64");

  spec = fixture_spec();
  while (spec.services.size() <= MAX_SERVICES) spec.services.push_back(spec.services[1]);
  EXPECT_EQ(decode_error(encode_with_libcapnp(spec)),
            "initConfig.services: 33 entries; at most 32");

  spec = fixture_spec();
  while (spec.services[1].caps.size() <= MAX_CAPS_PER_SERVICE) {
    spec.services[1].caps.push_back(spec.services[1].caps[0]);
  }
  EXPECT_EQ(decode_error(encode_with_libcapnp(spec)),
            "initConfig.services[1].caps: 33 entries; at most 32");

  spec = fixture_spec();
  while (spec.services[0].exports.size() <= MAX_EXPORTS_PER_SERVICE) {
    spec.services[0].exports.push_back(spec.services[0].exports[0]);
  }
  EXPECT_EQ(decode_error(encode_with_libcapnp(spec)),
            "initConfig.services[0].exports: 17 entries; at most 16");
}

TEST(ManifestDecode, DecodesListsAtFullCapacity) {
  Spec spec = fixture_spec();
  for (size_t i = spec.binaries.size(); i < MAX_BINARIES; ++i) {
    spec.binaries.emplace_back("b" + std::to_string(i), std::vector<uint8_t>{1});
  }
  SpecService wide{"wide", "app", {}, {}};
  for (size_t i = 0; i < MAX_CAPS_PER_SERVICE; ++i) {
    wide.caps.push_back(SpecCap{"e" + std::to_string(i), true, 5, "", "", 0, 0});
  }
  for (size_t i = 0; i < MAX_EXPORTS_PER_SERVICE; ++i) {
    wide.exports.emplace_back("x" + std::to_string(i), "e" + std::to_string(i));
  }
  while (spec.services.size() < MAX_SERVICES) {
    wide.name = "wide" + std::to_string(spec.services.size());
    spec.services.push_back(wide);
  }
  spec.motd = std::string(MAX_MOTD_BYTES, '~');
  const auto bytes = encode_with_libcapnp(spec);
  auto model = std::make_unique<Manifest>();
  ASSERT_TRUE(decode_and_validate(ByteView(bytes), *model).has_value());
  EXPECT_EQ(describe(*model), describe(*test::to_model(spec)));
}

// The fixture with raw 16-bit values in the CapSource of services[0].caps[0]: the kernel cap
// enumerant and the union discriminant (libcapnp's setters cannot write unknown values).
std::vector<uint8_t> with_raw_source(uint16_t kernel, uint16_t which) {
  const auto bytes = encode_with_libcapnp(fixture_spec());
  ::capnp::MallocMessageBuilder message;
  auto words = kj::heapArray<::capnp::word>(bytes.size() / sizeof(::capnp::word));
  std::memcpy(words.begin(), bytes.data(), bytes.size());
  ::capnp::FlatArrayMessageReader source(words);
  message.setRoot(source.getRoot<::SystemManifest>());
  auto cap = message.getRoot<::SystemManifest>().getInitConfig().getServices()[0].getCaps()[0];
  auto data = ::capnp::AnyStruct::Builder(cap.getSource()).getDataSection();
  data[0] = static_cast<kj::byte>(kernel & 0xffU);
  data[1] = static_cast<kj::byte>(kernel >> 8U);
  data[2] = static_cast<kj::byte>(which & 0xffU);
  data[3] = static_cast<kj::byte>(which >> 8U);
  const auto flat = ::capnp::messageToFlatArray(message);
  return std::vector<uint8_t>(flat.asBytes().begin(), flat.asBytes().end());
}

TEST(ManifestDecode, RejectsAnUnknownKernelCap) {
  EXPECT_EQ(decode_error(with_raw_source(5, 0)), "");
  EXPECT_EQ(decode_error(with_raw_source(6, 0)),
            "initConfig.services[0].caps[0].source.kernel: unknown KernelCap value 6");
  EXPECT_EQ(decode_error(with_raw_source(0xffff, 0)),
            "initConfig.services[0].caps[0].source.kernel: unknown KernelCap value 65535");
}

TEST(ManifestDecode, RejectsAnUnknownSourceMember) {
  EXPECT_EQ(decode_error(with_raw_source(0, 2)),
            "initConfig.services[0].caps[0].source: unknown CapSource member 2");
}

std::vector<uint8_t> with_binaries_pointer(
    const std::function<void(::capnp::AnyPointer::Builder)>& set) {
  ::capnp::MallocMessageBuilder message;
  auto root = message.initRoot<::SystemManifest>();
  root.setSchemaVersion(1);
  set(::capnp::AnyStruct::Builder(::SystemManifest::Builder(root)).getPointerSection()[0]);
  const auto flat = ::capnp::messageToFlatArray(message);
  return std::vector<uint8_t>(flat.asBytes().begin(), flat.asBytes().end());
}

TEST(ManifestDecode, RejectsAPointerOfTheWrongKind) {
  const auto bytes = with_binaries_pointer(
      [](::capnp::AnyPointer::Builder field) { field.initAs<::KernelParams>(); });
  EXPECT_EQ(decode_error(bytes), "binaries: malformed Cap'n Proto message: \"BadPointerKind\"");
}

TEST(ManifestDecode, ReadsAByteListAsStructsWithNullPointers) {
  // Cap'n Proto list compatibility (as libcapnp): bytes read as structs without pointers, so the
  // first element's name is missing rather than the list being malformed.
  const auto bytes = with_binaries_pointer(
      [](::capnp::AnyPointer::Builder field) { field.setAs<::capnp::Text>("not a list"); });
  EXPECT_EQ(decode_error(bytes), "binaries[0].name: required field is missing");
}

TEST(ManifestDecode, ReadsAnOldSchemaVersionAsZero) {
  // A root struct with no data section (an older writer): schemaVersion reads as its default,
  // which validate() then rejects.
  ::capnp::MallocMessageBuilder message;
  auto root = message.getRoot<::capnp::AnyPointer>();
  root.initAs<::KernelParams>();  // 0 data words, 1 pointer
  const auto flat = ::capnp::messageToFlatArray(message);
  const std::vector<uint8_t> bytes(flat.asBytes().begin(), flat.asBytes().end());
  EXPECT_EQ(decode_error(bytes), "binaries: required field is missing");
}

TEST(ManifestDecode, DecodeAndValidateReportsGraphErrorsAndClearsTheModel) {
  Spec spec = fixture_spec();
  spec.services[1].caps[0].service = "nett";
  const auto bytes = encode_with_libcapnp(spec);
  auto model = std::make_unique<Manifest>();
  EXPECT_TRUE(decode(ByteView(bytes), *model).has_value());
  auto result = decode_and_validate(ByteView(bytes), *model);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(render(result.error()),
            "initConfig.services[1].caps[0].source: unknown service \"nett\"");
  EXPECT_TRUE(model->binaries.empty());
}

}  // namespace
}  // namespace capos::manifest
