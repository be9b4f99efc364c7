// The built mkmanifest binary as a subprocess (posix_spawn, explicit argv): exit statuses,
// messages, and the output read back by libcapnp's `capnp decode` / `capnp convert` and by
// lib/manifest's decoder, each agreeing with the source JSON.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "lib/manifest/decode.h"
#include "tests/tools/mkmanifest/mkmanifest_fixture.h"

namespace capos::mkmanifest::test {
namespace {

class MkmanifestCli : public MkmanifestTest {
 protected:
  ProcessResult mkmanifest(std::vector<std::string> args) {
    args.insert(args.begin(), MKMANIFEST_BINARY);
    return run_process(args, tmp());
  }
  ProcessResult compile(const Json& json) {
    write_file(input(), json.dump(2));
    return mkmanifest({"--root", root().string(), "--output", output().string(), input().string()});
  }
  // `capnp <verb> <format> schema/capos.capnp SystemManifest < output` (stdin via a file).
  ProcessResult capnp(const std::vector<std::string>& verb) {
    std::vector<std::string> argv = {CAPNP_TOOL};
    argv.insert(argv.end(), verb.begin(), verb.end());
    argv.insert(argv.end(), {CAPOS_SCHEMA, "SystemManifest"});
    return run_process(argv, tmp(), RunAs::Self, output());
  }
};

// The source JSON as libcapnp's JSON codec prints a SystemManifest: defaults filled in, the
// binary path replaced by its bytes (a list of numbers), 64-bit integers as decimal strings.
nlohmann::json normalized(const Json& source, const fs::path& root) {
  nlohmann::json out = nlohmann::json::parse(source.dump());
  for (auto& binary : out["binaries"]) {
    const std::string bytes = read_file(root / binary["path"].get<std::string>());
    binary.erase("path");
    binary["elf"] = nlohmann::json::array();
    for (const char byte : bytes) binary["elf"].push_back(static_cast<uint8_t>(byte));
  }
  for (auto& service : out["initConfig"]["services"]) {
    if (!service.contains("caps")) service["caps"] = nlohmann::json::array();
    if (!service.contains("exports")) service["exports"] = nlohmann::json::array();
    for (auto& cap : service["caps"]) {
      for (const char* field : {"badge", "interfaceId"}) {
        const auto value = cap.value(field, nlohmann::json(0));
        cap[field] = value.is_string()
                         ? std::to_string(std::stoull(value.get<std::string>(), nullptr, 0))
                         : std::to_string(value.get<uint64_t>());
      }
    }
  }
  if (!out.contains("kernelParams")) out["kernelParams"] = nlohmann::json::object();
  if (!out["kernelParams"].contains("motd")) out["kernelParams"]["motd"] = "";
  return out;
}

// lib/manifest's decoded model in the same JSON shape.
nlohmann::json to_json(const manifest::Manifest& model) {
  const auto text = [](manifest::Text value) { return std::string(value.data, value.size); };
  nlohmann::json out;
  out["schemaVersion"] = model.schema_version;
  out["binaries"] = nlohmann::json::array();
  for (const auto& binary : model.binaries) {
    out["binaries"].push_back(
        {{"name", text(binary.name)},
         {"elf", std::vector<uint8_t>(binary.elf.begin(), binary.elf.end())}});
  }
  out["initConfig"]["init"] = text(model.init_config.init);
  out["initConfig"]["services"] = nlohmann::json::array();
  for (const auto& service : model.init_config.services) {
    nlohmann::json entry = {{"name", text(service.name)}, {"binary", text(service.binary)}};
    entry["caps"] = nlohmann::json::array();
    for (const auto& cap : service.caps) {
      nlohmann::json source;
      if (cap.source.kind == manifest::SourceKind::Kernel) {
        source["kernel"] = manifest::kernel_cap_name(cap.source.kernel);
      } else {
        source["service"] = {{"service", text(cap.source.service)},
                             {"export", text(cap.source.export_name)}};
      }
      entry["caps"].push_back({{"name", text(cap.name)},
                               {"source", source},
                               {"badge", std::to_string(cap.badge)},
                               {"interfaceId", std::to_string(cap.interface_id)}});
    }
    entry["exports"] = nlohmann::json::array();
    for (const auto& exported : service.exports) {
      entry["exports"].push_back({{"name", text(exported.name)}, {"cap", text(exported.cap)}});
    }
    out["initConfig"]["services"].push_back(entry);
  }
  out["kernelParams"]["motd"] = text(model.kernel_params.motd);
  return out;
}

Json varied_json() {
  Json json = base_json();
  json["initConfig"]["services"][1]["caps"][0]["badge"] = "0xffffffffffffffff";
  json["initConfig"]["services"][1]["caps"][0]["interfaceId"] = "0x95bf5cd13340058d";
  json["initConfig"]["services"][0]["caps"][0]["interfaceId"] = "11974456937254236025";
  json["initConfig"]["services"][2].erase("caps");
  json["kernelParams"]["motd"] = "capOS \"test\" \\ ~";
  return json;
}

TEST_F(MkmanifestCli, WritesAManifestSilentlyAndExitsZero) {
  const ProcessResult result = compile(base_json());
  EXPECT_EQ(result.status, EXIT_WRITTEN);
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(result.err, "");
  EXPECT_TRUE(fs::is_regular_file(output()));
}

TEST_F(MkmanifestCli, ExitsOneWithThePathOfARejection) {
  Json json = base_json();
  json["kernelParameters"] = Json::object();
  const ProcessResult result = compile(json);
  EXPECT_EQ(result.status, EXIT_REJECTED);
  EXPECT_EQ(result.err,
            "mkmanifest: $: unknown field \"kernelParameters\"; expected one of \"schemaVersion\", "
            "\"binaries\", \"initConfig\", \"kernelParams\"\n");
  EXPECT_TRUE(list_directory(out_dir()).empty());
}

TEST_F(MkmanifestCli, ExitsTwoOnBadArguments) {
  write_file(input(), base_json().dump());
  for (const auto& args : std::vector<std::vector<std::string>>{
           {},
           {"--root", root().string(), input().string()},
           {"--output", output().string(), input().string()},
           {"--root", root().string(), "--output", output().string()},
           {"--root", root().string(), "--output", output().string(), "--frobnicate",
            input().string()},
           {"--root", root().string(), "--output", output().string(), input().string(), "extra"}}) {
    const ProcessResult result = mkmanifest(args);
    EXPECT_EQ(result.status, EXIT_USAGE);
    EXPECT_EQ(result.err.rfind("mkmanifest: ", 0), 0U) << result.err;
    EXPECT_NE(result.err.find("usage: mkmanifest --root DIR --output FILE INPUT.json"),
              std::string::npos)
        << result.err;
    EXPECT_TRUE(list_directory(out_dir()).empty());
  }
  EXPECT_EQ(mkmanifest({}).err,
            "mkmanifest: --root is required\n"
            "usage: mkmanifest --root DIR --output FILE INPUT.json (see --help)\n");
}

TEST_F(MkmanifestCli, PrintsHelp) {
  const ProcessResult result = mkmanifest({"--help"});
  EXPECT_EQ(result.status, 0);
  EXPECT_NE(result.out.find("Usage: mkmanifest [OPTIONS] input"), std::string::npos);
  EXPECT_NE(result.out.find("--root"), std::string::npos);
}

TEST_F(MkmanifestCli, CapnpDecodeReadsTheOutput) {
  ASSERT_EQ(compile(varied_json()).status, EXIT_WRITTEN);
  const ProcessResult decoded = capnp({"decode", "--short"});
  EXPECT_EQ(decoded.status, 0) << decoded.err;
  EXPECT_EQ(decoded.out,
            "(schemaVersion = 1, binaries = [(name = \"init\", elf = \"\\177ELF-init\"), "
            "(name = \"net\", elf = \"\\177ELF-net\"), "
            "(name = \"app\", elf = \"\\177ELF-app\\000\\377\")], "
            "initConfig = (init = \"init\", services = ["
            "(name = \"net\", binary = \"net\", caps = ["
            "(name = \"console\", source = (kernel = console), badge = 0, "
            "interfaceId = 11974456937254236025), "
            "(name = \"server\", source = (kernel = endpoint), badge = 0, interfaceId = 0)], "
            "exports = [(name = \"socket\", cap = \"server\")]), "
            "(name = \"app\", binary = \"app\", caps = [(name = \"net\", source = (service = "
            "(service = \"net\", export = \"socket\")), badge = 18446744073709551615, "
            "interfaceId = 10790445285780751757)], exports = []), "
            "(name = \"log\", binary = \"app\", caps = [], exports = [])]), "
            "kernelParams = (motd = \"capOS \\\"test\\\" \\\\ ~\"))\n");
}

TEST_F(MkmanifestCli, CapnpConvertAgreesWithTheSourceJson) {
  const Json source = varied_json();
  ASSERT_EQ(compile(source).status, EXIT_WRITTEN);
  const ProcessResult converted = capnp({"convert", "binary:json"});
  ASSERT_EQ(converted.status, 0) << converted.err;
  EXPECT_EQ(nlohmann::json::parse(converted.out), normalized(source, root()));
}

TEST_F(MkmanifestCli, LibManifestDecodeAgreesWithTheSourceJson) {
  const Json source = varied_json();
  ASSERT_EQ(compile(source).status, EXIT_WRITTEN);
  const std::string bytes = read_file(output());
  auto model = std::make_unique<manifest::Manifest>();
  auto decoded = manifest::decode_and_validate(
      ByteView(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), *model);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(to_json(*model), normalized(source, root()));
}

TEST_F(MkmanifestCli, WritesOneSegmentDeterministically) {
  ASSERT_EQ(compile(varied_json()).status, EXIT_WRITTEN);
  const std::string first = read_file(output());
  ASSERT_EQ(compile(varied_json()).status, EXIT_WRITTEN);
  EXPECT_EQ(read_file(output()), first);
  ASSERT_GE(first.size(), 8U);
  EXPECT_EQ(first.substr(0, 4), std::string(4, '\0'));  // segment count - 1 == 0
}

}  // namespace
}  // namespace capos::mkmanifest::test
