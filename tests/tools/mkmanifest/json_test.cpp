// mkmanifest's JSON front end: one test per error class, each asserting the exact message,
// exit status 1 and that no output (nor temporary file) exists afterwards. The graph rules
// come from lib/manifest's validator, reported with JSON paths.
#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <ostream>
#include <string>

#include "lib/manifest/decode.h"
#include "tests/tools/mkmanifest/mkmanifest_fixture.h"

namespace capos::mkmanifest::test {
namespace {

using JsonInput = MkmanifestTest;

Json& service(Json& json, size_t index) { return json["initConfig"]["services"][index]; }
Json& cap(Json& json, size_t service_index, size_t cap_index) {
  return service(json, service_index)["caps"][cap_index];
}

TEST_F(JsonInput, WritesTheBaseSystem) { expect_written(base_json()); }

TEST_F(JsonInput, CompilesTheExampleSystemJson) {
  // docs/manifest.md points at /system.json; keep it valid.
  write_file(root() / "user/demos/echo_server.elf", NET_ELF);
  write_file(root() / "user/demos/echo_client.elf", APP_ELF);
  const Outcome outcome = run_text(read_file(CAPOS_EXAMPLE_SYSTEM));
  EXPECT_EQ(outcome.errors, "");
  EXPECT_EQ(outcome.status, EXIT_WRITTEN);
}

// --- Syntax --------------------------------------------------------------------------------

TEST_F(JsonInput, RejectsInvalidSyntax) {
  expect_rejected_text("{\"schemaVersion\": 1,}",
                       "invalid JSON: parse error at line 1, column 21: syntax error while "
                       "parsing object key - unexpected '}'; expected string literal");
}

TEST_F(JsonInput, RejectsInvalidUtf8) {
  expect_rejected_text(
      "{\"schemaVersion\": \"\xff\"}",
      "invalid JSON: parse error at line 1, column 20: syntax error while "
      "parsing value - invalid string: ill-formed UTF-8 byte; last read: '\"\\xff'");
}

TEST_F(JsonInput, RejectsADuplicateKey) {
  expect_rejected_text("{\"schemaVersion\": 1, \"schemaVersion\": 1}",
                       "$: duplicate key \"schemaVersion\"");
  expect_rejected_text(R"({"initConfig": {"services": [{}, {"name": "a", "name": "b"}]}})",
                       "$.initConfig.services[1]: duplicate key \"name\"");
}

TEST_F(JsonInput, RejectsNestingDeeperThanSixteenLevels) {
  std::string text = R"({"binaries": )";
  std::string path = "$.binaries";
  for (int i = 0; i < 16; ++i) {  // the root object and 16 arrays: 17 levels
    text += "[";
    if (i > 0) path += "[0]";
  }
  text += std::string(16, ']') + "}";
  expect_rejected_text(text, path + ": nested deeper than 16 levels");
}

// F-018 (fuzz/corpus/mkmanifest_json/regress-json-path-raw-key): keys on the path of a
// parse-time error are shown quoted and escaped, never raw; plain short names keep `.key`.
TEST_F(JsonInput, QuotesUnusualKeysInParseTimePaths) {
  // Three objects, then 14 arrays: the 17th container is refused. The first key is an
  // escaped ESC sequence, the second is empty.
  std::string text = "{\"\\u001b[31m\": {\"\": {\"ok\": ";
  std::string path = "$[\"\\x1b[31m\"][\"\"].ok";
  for (int i = 0; i < 14; ++i) {
    text += "[";
    if (i > 0) path += "[0]";
  }
  text += std::string(14, ']') + "}}}";
  expect_rejected_text(text, path + ": nested deeper than 16 levels");
  // Long keys are cut like every quoted input string.
  expect_rejected_text("{\"" + std::string(70, 'k') + "\": {\"a\": 1, \"a\": 2}}",
                       "$[\"" + std::string(64, 'k') + "...\"]: duplicate key \"a\"");
}

TEST_F(JsonInput, RejectsARootThatIsNotAnObject) {
  expect_rejected_text("[]", "$: expected an object, got array");
}

// --- Unknown and missing fields --------------------------------------------------------------

// One case per object kind of the manifest source (every expect_object() in json_input.cpp):
// each kind's unknown-field check is pinned by its own test, with its exact path and list of
// fields, so dropping the check for one kind fails that kind's test.
struct UnknownFieldCase {
  const char* kind;
  void (*add)(Json& json);
  const char* message;
};

// gtest prints a parameter into the ctest name; print the kind, not the struct's bytes.
void PrintTo(const UnknownFieldCase& c, std::ostream* os) { *os << c.kind; }

class JsonInputUnknownField : public MkmanifestTest,
                              public ::testing::WithParamInterface<UnknownFieldCase> {};

TEST_P(JsonInputUnknownField, RejectsAnUnknownField) {
  Json json = base_json();
  GetParam().add(json);
  expect_rejected(json, GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    EveryObjectKind, JsonInputUnknownField,
    ::testing::Values(
        UnknownFieldCase{"TopLevel", [](Json& json) { json["kernelParameters"] = {{"motd", "x"}}; },
                         "$: unknown field \"kernelParameters\"; expected one of "
                         "\"schemaVersion\", \"binaries\", \"initConfig\", \"kernelParams\""},
        UnknownFieldCase{"Binary", [](Json& json) { json["binaries"][1]["sha256"] = "00"; },
                         "$.binaries[1]: unknown field \"sha256\"; expected one of \"name\", "
                         "\"path\""},
        UnknownFieldCase{"InitConfig", [](Json& json) { json["initConfig"]["start"] = true; },
                         "$.initConfig: unknown field \"start\"; expected one of \"init\", "
                         "\"services\""},
        UnknownFieldCase{"Service", [](Json& json) { service(json, 1)["priority"] = 1; },
                         "$.initConfig.services[1]: unknown field \"priority\"; expected one of "
                         "\"name\", \"binary\", \"caps\", \"exports\""},
        UnknownFieldCase{"Cap", [](Json& json) { cap(json, 1, 0)["badges"] = 1; },
                         "$.initConfig.services[1].caps[0]: unknown field \"badges\"; expected "
                         "one of \"name\", \"source\", \"badge\", \"interfaceId\""},
        UnknownFieldCase{"Source", [](Json& json) { cap(json, 0, 0)["source"]["rights"] = 1; },
                         "$.initConfig.services[0].caps[0].source: unknown field \"rights\"; "
                         "expected one of \"kernel\", \"service\""},
        UnknownFieldCase{"ServiceExportRef",
                         [](Json& json) { cap(json, 2, 0)["source"]["service"]["badge"] = 1; },
                         "$.initConfig.services[2].caps[0].source.service: unknown field "
                         "\"badge\"; expected one of \"service\", \"export\""},
        UnknownFieldCase{"Export",
                         [](Json& json) { service(json, 0)["exports"][0]["interfaceId"] = 1; },
                         "$.initConfig.services[0].exports[0]: unknown field \"interfaceId\"; "
                         "expected one of \"name\", \"cap\""},
        UnknownFieldCase{"KernelParams", [](Json& json) { json["kernelParams"]["banner"] = "x"; },
                         "$.kernelParams: unknown field \"banner\"; expected one of \"motd\""}),
    [](const ::testing::TestParamInfo<UnknownFieldCase>& info) { return info.param.kind; });

// The cases above cover every object kind json_input.cpp reads: each kind is one expect_object()
// call. A new kind (a new expect_object() call) fails here until it has its case above.
TEST(JsonInputUnknownFieldCoverage, HasACasePerObjectKind) {
  std::ifstream source(CAPOS_JSON_INPUT_SOURCE);
  ASSERT_TRUE(source.good()) << CAPOS_JSON_INPUT_SOURCE;
  size_t calls = 0;
  for (std::string line; std::getline(source, line);) {
    if (line.find("expect_object(") != std::string::npos &&
        line.find("void expect_object(") == std::string::npos) {
      ++calls;
    }
  }
  EXPECT_EQ(calls, 9U) << "json_input.cpp reads " << calls
                       << " object kinds; give each new one its JsonInputUnknownField case";
}

TEST_F(JsonInput, EscapesControlBytesInUnknownFieldNames) {
  Json json = base_json();
  json["kernelParams"]["\x1b[31mred"] = 1;
  expect_rejected(json, "$.kernelParams: unknown field \"\\x1b[31mred\"; expected one of \"motd\"");
}

TEST_F(JsonInput, RejectsAMissingRequiredField) {
  Json json = base_json();
  json.erase("schemaVersion");
  expect_rejected(json, "$: missing required field \"schemaVersion\"");
  json = base_json();
  json["binaries"][1].erase("path");
  expect_rejected(json, "$.binaries[1]: missing required field \"path\"");
  json = base_json();
  service(json, 2)["caps"][0]["source"]["service"].erase("export");
  expect_rejected(json,
                  "$.initConfig.services[2].caps[0].source.service: missing required field "
                  "\"export\"");
}

TEST_F(JsonInput, AppliesDefaultsToOptionalFields) {
  Json json = base_json();
  json.erase("kernelParams");
  service(json, 2).erase("caps");
  service(json, 1).erase("exports");
  cap(json, 1, 0).erase("badge");
  expect_written(json);
  const std::string bytes = read_file(output());
  auto model = std::make_unique<manifest::Manifest>();
  ASSERT_TRUE(manifest::decode_and_validate(
                  ByteView(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), *model)
                  .has_value());
  EXPECT_TRUE(model->init_config.services[2].caps.empty());
  EXPECT_EQ(model->init_config.services[1].caps[0].badge, 0U);
  EXPECT_TRUE(model->kernel_params.motd.empty());
}

// --- Types and numbers -----------------------------------------------------------------------

TEST_F(JsonInput, RejectsWrongTypes) {
  Json json = base_json();
  json["binaries"] = Json::object();
  expect_rejected(json, "$.binaries: expected an array, got object");
  json = base_json();
  json["binaries"][0]["name"] = 5;
  expect_rejected(json, "$.binaries[0].name: expected a string, got number 5");
  json = base_json();
  json["initConfig"]["init"] = nullptr;
  expect_rejected(json, "$.initConfig.init: expected a string, got null");
  json = base_json();
  cap(json, 0, 0)["source"] = "console";
  expect_rejected(json, "$.initConfig.services[0].caps[0].source: expected an object, got string");
}

TEST_F(JsonInput, RejectsASchemaVersionThatIsNotAUInt32) {
  Json json = base_json();
  json["schemaVersion"] = 4294967296ULL;
  expect_rejected(json, "$.schemaVersion: 4294967296 is out of range; at most 4294967295");
  json["schemaVersion"] = -1;
  expect_rejected(json, "$.schemaVersion: expected an unsigned integer, got number -1");
  json["schemaVersion"] = 1.5;
  expect_rejected(json, "$.schemaVersion: expected an unsigned integer, got number 1.5");
  json["schemaVersion"] = "1";
  expect_rejected(json, "$.schemaVersion: expected an unsigned integer, got string");
}

TEST_F(JsonInput, RejectsABadgeNumberAboveTwoToThe53) {
  Json json = base_json();
  cap(json, 1, 0)["badge"] = 9007199254740993ULL;
  expect_rejected(json,
                  "$.initConfig.services[1].caps[0].badge: 9007199254740993 is above 2^53-1, "
                  "which JSON tools cannot represent exactly; write it as a string, e.g. "
                  "\"0x20000000000001\"");
}

TEST_F(JsonInput, RejectsAnIntegerLiteralAboveUInt64) {
  std::string text = base_json().dump();
  const std::string badge = "\"badge\":7";
  text.replace(text.find(badge), badge.size(), "\"badge\":18446744073709551616");
  expect_rejected_text(text,
                       "$.initConfig.services[1].caps[0].badge: integer 18446744073709551616 is "
                       "out of range; at most 18446744073709551615");
}

TEST_F(JsonInput, RejectsBadgeStringsThatAreNotUInt64) {
  const std::string path = "$.initConfig.services[1].caps[0].badge: ";
  for (const char* bad : {"", "0x", "12x", "-1", "+1", " 1", "0xg", "1.0"}) {
    Json json = base_json();
    cap(json, 1, 0)["badge"] = bad;
    expect_rejected(json, path + "\"" + bad +
                              "\" is not an unsigned 64-bit integer; write decimal digits or 0x "
                              "followed by hex digits");
  }
  for (const char* big : {"18446744073709551616", "0x10000000000000000"}) {
    Json json = base_json();
    cap(json, 1, 0)["badge"] = big;
    expect_rejected(json, path + "\"" + big + "\" is out of range; at most 0xffffffffffffffff");
  }
  Json json = base_json();
  cap(json, 1, 0)["badge"] = -3;
  expect_rejected(json, path +
                            "expected an unsigned integer (a number, or a string for values above "
                            "2^53-1), got number -3");
}

TEST_F(JsonInput, AcceptsBadgesAndInterfaceIdsAsNumbersAndStrings) {
  Json json = base_json();
  cap(json, 1, 0)["badge"] = "0xFFFFFFFFFFFFFFFF";
  cap(json, 1, 0)["interfaceId"] = "0x95bf5cd13340058d";
  cap(json, 2, 0)["badge"] = "18446744073709551614";
  cap(json, 0, 0)["interfaceId"] = "11974456937254236025";  // Console, in decimal
  cap(json, 0, 1)["badge"] = 0;
  expect_written(json);
  const std::string bytes = read_file(output());
  auto model = std::make_unique<manifest::Manifest>();
  ASSERT_TRUE(manifest::decode_and_validate(
                  ByteView(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), *model)
                  .has_value());
  EXPECT_EQ(model->init_config.services[1].caps[0].badge, UINT64_MAX);
  EXPECT_EQ(model->init_config.services[2].caps[0].badge, UINT64_MAX - 1);
  EXPECT_EQ(model->init_config.services[0].caps[0].interface_id, 0xa62dd1241b402f79U);
}

TEST_F(JsonInput, RejectsAnUnknownKernelCap) {
  Json json = base_json();
  cap(json, 0, 0)["source"]["kernel"] = "consol";
  expect_rejected(json,
                  "$.initConfig.services[0].caps[0].source.kernel: unknown kernel cap \"consol\"; "
                  "expected one of \"console\", \"timer\", \"frameAllocator\", \"virtualMemory\", "
                  "\"capabilityManager\", \"endpoint\"");
}

TEST_F(JsonInput, RejectsASourceWithoutExactlyOneMember) {
  Json json = base_json();
  cap(json, 0, 0)["source"]["service"] = {{"service", "net"}, {"export", "socket"}};
  expect_rejected(json,
                  "$.initConfig.services[0].caps[0].source: expected exactly one of \"kernel\", "
                  "\"service\"");
  cap(json, 0, 0)["source"] = Json::object();
  expect_rejected(json,
                  "$.initConfig.services[0].caps[0].source: expected exactly one of \"kernel\", "
                  "\"service\"");
  cap(json, 0, 0)["source"] = {{"endpoint", true}};
  expect_rejected(json,
                  "$.initConfig.services[0].caps[0].source: unknown field \"endpoint\"; expected "
                  "one of \"kernel\", \"service\"");
}

// --- List bounds -----------------------------------------------------------------------------

TEST_F(JsonInput, BoundsEveryList) {
  Json json = base_json();
  for (int i = 0; i < 62; ++i) json["binaries"].push_back(json["binaries"][1]);
  expect_rejected(json, "$.binaries: 65 entries; at most 64");
  json = base_json();
  for (int i = 0; i < 30; ++i) json["initConfig"]["services"].push_back(service(json, 2));
  expect_rejected(json, "$.initConfig.services: 33 entries; at most 32");
  json = base_json();
  for (int i = 0; i < 32; ++i) service(json, 2)["caps"].push_back(cap(json, 2, 0));
  expect_rejected(json, "$.initConfig.services[2].caps: 33 entries; at most 32");
  json = base_json();
  for (int i = 0; i < 16; ++i)
    service(json, 0)["exports"].push_back(service(json, 0)["exports"][0]);
  expect_rejected(json, "$.initConfig.services[0].exports: 17 entries; at most 16");
}

// --- Binary path syntax ----------------------------------------------------------------------

TEST_F(JsonInput, RejectsBinaryPathsThatCouldLeaveTheRoot) {
  Json json = base_json();
  json["binaries"][1]["path"] = "";
  expect_rejected(json, "$.binaries[1].path: path is empty");
  json["binaries"][1]["path"] = "/etc/passwd";
  expect_rejected(json,
                  "$.binaries[1].path: \"/etc/passwd\" is absolute; binary paths are relative to "
                  "--root");
  for (const char* escape : {"..", "../net.elf", "user/../../net.elf", "user/.."}) {
    json["binaries"][1]["path"] = escape;
    expect_rejected(json, std::string("$.binaries[1].path: \"") + escape +
                              "\" has a \"..\" component; binary paths stay inside --root");
  }
  json["binaries"][1]["path"] = std::string("net.elf\0/../x", 13);
  expect_rejected(json, "$.binaries[1].path: \"net.elf\\x00/../x\" contains a NUL byte");
  json["binaries"][1]["path"] = std::string(4096, 'a');
  expect_rejected(json, "$.binaries[1].path: path is 4096 bytes; at most 4095");
}

TEST_F(JsonInput, AcceptsDotsThatAreNotParentComponents) {
  write_file(root() / "..net.elf", NET_ELF);
  Json json = base_json();
  json["binaries"][1]["path"] = "./user/./..net.elf/../init/init.elf";  // ".." present: rejected
  expect_rejected(json,
                  "$.binaries[1].path: \"./user/./..net.elf/../init/init.elf\" has a \"..\" "
                  "component; binary paths stay inside --root");
  json["binaries"][1]["path"] = "./..net.elf";
  expect_written(json);
}

// --- Graph rules (lib/manifest's validator, JSON paths) -------------------------------------

TEST_F(JsonInput, RejectsAnUnsupportedSchemaVersion) {
  Json json = base_json();
  json["schemaVersion"] = 2;
  expect_rejected(json, "$.schemaVersion: unsupported schema version 2; expected 1");
}

TEST_F(JsonInput, RejectsAnInvalidName) {
  Json json = base_json();
  service(json, 1)["name"] = "App";
  expect_rejected(json,
                  "$.initConfig.services[1].name: name \"App\" must start with a lowercase "
                  "letter");
}

TEST_F(JsonInput, RejectsADuplicateName) {
  Json json = base_json();
  json["binaries"][2]["name"] = "net";
  expect_rejected(json,
                  "$.binaries[2].name: duplicate binary \"net\"; first defined at "
                  "$.binaries[1]");
}

TEST_F(JsonInput, RejectsAnInitThatNamesNoBinary) {
  Json json = base_json();
  json["initConfig"]["init"] = "nit";
  expect_rejected(json, "$.initConfig.init: unknown binary \"nit\"");
}

TEST_F(JsonInput, RejectsADanglingGrant) {
  Json json = base_json();
  service(json, 0)["name"] = "network";
  cap(json, 1, 0)["source"]["service"]["service"] = "network";
  expect_rejected(json, "$.initConfig.services[2].caps[0].source: unknown service \"net\"");
}

TEST_F(JsonInput, RejectsAnImportOfAnUnknownExport) {
  Json json = base_json();
  cap(json, 2, 0)["source"]["service"]["export"] = "server";
  expect_rejected(json,
                  "$.initConfig.services[2].caps[0].source: service \"net\" has no export "
                  "\"server\"");
}

TEST_F(JsonInput, RejectsASelfImport) {
  Json json = base_json();
  service(json, 0)["caps"].push_back(cap(json, 1, 0));
  expect_rejected(json,
                  "$.initConfig.services[0].caps[2].source: service \"net\" imports its own "
                  "export \"socket\"; use the endpoint cap directly");
}

TEST_F(JsonInput, RejectsAnExportOfANonEndpoint) {
  Json json = base_json();
  service(json, 0)["exports"][0]["cap"] = "console";
  expect_rejected(json,
                  "$.initConfig.services[0].exports[0].cap: cap \"console\" is not a {kernel: "
                  "endpoint} cap; only endpoints can be exported");
}

TEST_F(JsonInput, RejectsABadgeOnAKernelCap) {
  Json json = base_json();
  cap(json, 0, 0)["badge"] = 1;
  expect_rejected(json,
                  "$.initConfig.services[0].caps[0].badge: badge 1 on kernel cap \"console\"; "
                  "only service imports carry a badge");
}

TEST_F(JsonInput, RejectsAMismatchedInterfaceId) {
  Json json = base_json();
  cap(json, 1, 0)["interfaceId"] = "0xa733e5344a72d530";
  expect_rejected(json,
                  "$.initConfig.services[1].caps[0].interfaceId: interface 0xa733e5344a72d530 "
                  "(Endpoint) does not match 0x95bf5cd13340058d (ClientEndpoint) granted by this "
                  "source");
}

TEST_F(JsonInput, RejectsABadMotd) {
  Json json = base_json();
  json["kernelParams"]["motd"] = std::string(257, 'm');
  expect_rejected(json, "$.kernelParams.motd: motd is 257 bytes; at most 256");
  json["kernelParams"]["motd"] = "line\nbreak";
  expect_rejected(json,
                  "$.kernelParams.motd: motd contains byte 0x0a at offset 4; only printable ASCII "
                  "(0x20-0x7e) is allowed");
}

}  // namespace
}  // namespace capos::mkmanifest::test
