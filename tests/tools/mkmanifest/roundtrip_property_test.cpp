// Property: a random valid system written as JSON (badges and ids in every accepted spelling,
// optional fields sometimes omitted) goes through mkmanifest and comes back, via lib/manifest's
// decoder and via libcapnp's reader, as exactly the system that was generated; and mkmanifest's
// encoder is deterministic (the same model always yields the same bytes).
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <capnp/serialize.h>

#include <cstdio>
#include <memory>
#include <string>

#include "lib/manifest/decode.h"
#include "tests/lib/manifest/manifest_spec.h"
#include "tests/tools/mkmanifest/mkmanifest_fixture.h"
#include "tools/mkmanifest/encode.h"
#include "tools/mkmanifest/files.h"
#include "tools/mkmanifest/input_error.h"

namespace capos::mkmanifest::test {
namespace {

using manifest::test::describe;
using manifest::test::generate_spec;
using manifest::test::Spec;

// An unsigned 64-bit value in one of the spellings mkmanifest accepts.
Json spell(uint64_t value) {
  switch (*rc::gen::inRange(0, 4)) {
    case 0:
      if (value <= (uint64_t{1} << 53U) - 1) return value;
      [[fallthrough]];
    case 1: return std::to_string(value);
    case 2: {
      char hex[24];
      std::snprintf(hex, sizeof hex, "0x%llx", static_cast<unsigned long long>(value));
      return hex;
    }
    default: {
      char hex[24];
      std::snprintf(hex, sizeof hex, "0X%llX", static_cast<unsigned long long>(value));
      return hex;
    }
  }
}

Json to_json(const Spec& spec, const fs::path& root) {
  Json json;
  json["schemaVersion"] = spec.schema_version;
  json["binaries"] = Json::array();
  for (const auto& [name, elf] : spec.binaries) {
    write_file(root / "bin" / name, std::string(elf.begin(), elf.end()));
    const bool dotted = *rc::gen::arbitrary<bool>();
    json["binaries"].push_back({{"name", name}, {"path", (dotted ? "./bin/" : "bin/") + name}});
  }
  json["initConfig"]["init"] = spec.init;
  json["initConfig"]["services"] = Json::array();
  for (const auto& service : spec.services) {
    Json entry = {{"name", service.name}, {"binary", service.binary}};
    if (!service.caps.empty() || *rc::gen::arbitrary<bool>()) entry["caps"] = Json::array();
    for (const auto& cap : service.caps) {
      Json grant = {{"name", cap.name}};
      if (cap.kernel) {
        grant["source"]["kernel"] =
            manifest::kernel_cap_name(static_cast<manifest::KernelCap>(cap.kernel_cap));
      } else {
        grant["source"]["service"] = {{"service", cap.service}, {"export", cap.export_name}};
      }
      if (cap.badge != 0 || *rc::gen::arbitrary<bool>()) grant["badge"] = spell(cap.badge);
      if (cap.interface_id != 0 || *rc::gen::arbitrary<bool>()) {
        grant["interfaceId"] = spell(cap.interface_id);
      }
      entry["caps"].push_back(grant);
    }
    if (!service.exports.empty() || *rc::gen::arbitrary<bool>()) entry["exports"] = Json::array();
    for (const auto& [name, cap] : service.exports) {
      entry["exports"].push_back({{"name", name}, {"cap", cap}});
    }
    json["initConfig"]["services"].push_back(entry);
  }
  if (!spec.motd.empty() || *rc::gen::arbitrary<bool>()) json["kernelParams"]["motd"] = spec.motd;
  return json;
}

RC_GTEST_PROP(MkmanifestRoundTrip, RandomSystemsComeBackUnchanged, ()) {
  const Spec spec = generate_spec();
  const TempDir tmp;
  const Json json = to_json(spec, tmp.path() / "root");
  const RootDirectory root = RootDirectory::open((tmp.path() / "root").string());
  std::vector<uint8_t> bytes;
  try {
    bytes = compile_manifest(json.dump(), root);
  } catch (const InputError& error) {
    RC_FAIL(std::string("rejected: ") + error.what());
  }
  const auto expected = manifest::test::to_model(spec);
  const std::string expected_text = describe(*expected);

  auto decoded = std::make_unique<manifest::Manifest>();
  RC_ASSERT(manifest::decode_and_validate(ByteView(bytes), *decoded).has_value());
  RC_ASSERT(describe(*decoded) == expected_text);

  auto words = kj::heapArray<::capnp::word>(bytes.size() / sizeof(::capnp::word));
  std::memcpy(words.begin(), bytes.data(), bytes.size());
  ::capnp::FlatArrayMessageReader reader(words);
  RC_ASSERT(describe(reader.getRoot<::SystemManifest>()) == expected_text);

  RC_ASSERT(encode_manifest(*expected) == bytes);
}

}  // namespace
}  // namespace capos::mkmanifest::test
