// validate(): one test per rule, each asserting the exact path and message a user sees.
#include "lib/manifest/validate.h"
#include "tools/verify_report/evidence.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "lib/manifest/interface_ids.h"
#include "tests/lib/manifest/manifest_fixture.h"

namespace capos::manifest {
namespace {

using test::FAKE_ELF;
using test::import_cap;
using test::kernel_cap;
using test::push;
using test::t;
using test::valid_manifest;
using test::validation_error;

Service& service(Manifest& manifest, size_t index) { return manifest.init_config.services[index]; }

TEST(ManifestValidate, AcceptsTheFixture) {
  auto manifest = valid_manifest();
  EXPECT_EQ(validation_error(*manifest), "");
}

TEST(ManifestValidate, AcceptsAManifestWithoutServices) {
  auto manifest = valid_manifest();
  manifest->init_config.services.clear();
  EXPECT_EQ(validation_error(*manifest), "");
}

TEST(ManifestValidate, AcceptsAForwardImport) {
  auto manifest = valid_manifest();
  // app (services[1]) exports an endpoint that net (services[0]) imports: order is irrelevant.
  push(service(*manifest, 1).caps, kernel_cap("events", KernelCap::Endpoint));
  push(service(*manifest, 1).exports, Export{t("events"), t("events")});
  push(service(*manifest, 0).caps, import_cap("app-events", "app", "events"));
  EXPECT_EQ(validation_error(*manifest), "");
}

TEST(ManifestValidate, RejectsAnotherSchemaVersion) {
  auto manifest = valid_manifest();
  manifest->schema_version = 2;
  EXPECT_EQ(validation_error(*manifest), "schemaVersion: unsupported schema version 2; expected 1");
}

TEST(ManifestValidate, RejectsAnEmptyName) {
  auto manifest = valid_manifest();
  manifest->binaries[1].name = t("");
  EXPECT_EQ(validation_error(*manifest), "binaries[1].name: name is empty");
}

TEST(ManifestValidate, RejectsANameOfFortyBytes) {
  auto manifest = valid_manifest();
  service(*manifest, 0).name = t("a23456789012345678901234567890123456789x");
  EXPECT_EQ(validation_error(*manifest),
            "initConfig.services[0].name: name \"a23456789012345678901234567890123456789x\" "
            "is 40 bytes; at most 39");
}

TEST(ManifestValidate, AcceptsANameOfThirtyNineBytes) {
  auto manifest = valid_manifest();
  service(*manifest, 0).caps[0].name = t("a23456789012345678901234567890123456789");
  EXPECT_EQ(validation_error(*manifest), "");
}

TEST(ManifestValidate, RejectsANameNotStartingWithALowercaseLetter) {
  auto manifest = valid_manifest();
  service(*manifest, 1).caps[0].name = t("Console");
  EXPECT_EQ(validation_error(*manifest),
            "initConfig.services[1].caps[0].name: name \"Console\" must start with a lowercase "
            "letter");
  service(*manifest, 1).caps[0].name = t("9lives");
  EXPECT_EQ(validation_error(*manifest),
            "initConfig.services[1].caps[0].name: name \"9lives\" must start with a lowercase "
            "letter");
}

TEST(ManifestValidate, RejectsANameWithAByteOutsideTheAlphabet) {
  auto manifest = valid_manifest();
  service(*manifest, 0).exports[0].name = t("sock.et");
  EXPECT_EQ(validation_error(*manifest),
            "initConfig.services[0].exports[0].name: name \"sock.et\" contains byte 0x2e; "
            "allowed are a-z, 0-9, '_' and '-'");
}

TEST(ManifestValidate, EscapesControlBytesInNames) {
  auto manifest = valid_manifest();
  static constexpr char NAME[] = {'a', '\n', '\x1b', '"', '\\', '\xff'};
  manifest->binaries[0].name = Text{NAME, sizeof NAME};
  EXPECT_EQ(validation_error(*manifest),
            "binaries[0].name: name \"a\\x0a\\x1b\\\"\\\\\\xff\" contains byte 0x0a; allowed "
            "are a-z, 0-9, '_' and '-'");
}

TEST(ManifestValidate, RejectsADuplicateBinary) {
  auto manifest = valid_manifest();
  manifest->binaries[2].name = t("init");
  EXPECT_EQ(validation_error(*manifest),
            "binaries[2].name: duplicate binary \"init\"; first defined at binaries[0]");
}

TEST(ManifestValidate, RejectsADuplicateService) {
  capos::verify_report::evidence(11, "exports-unique", capos::verify_report::EvidenceKind::Tested);
  auto manifest = valid_manifest();
  service(*manifest, 1).name = t("net");
  EXPECT_EQ(validation_error(*manifest),
            "initConfig.services[1].name: duplicate service \"net\"; first defined at "
            "initConfig.services[0]");
}

TEST(ManifestValidate, RejectsADuplicateCapWithinAService) {
  auto manifest = valid_manifest();
  service(*manifest, 1).caps[1].name = t("console");
  EXPECT_EQ(validation_error(*manifest),
            "initConfig.services[1].caps[1].name: duplicate cap \"console\"; first defined at "
            "initConfig.services[1].caps[0]");
}

TEST(ManifestValidate, RejectsADuplicateExportWithinAService) {
  capos::verify_report::evidence(11, "exports-unique", capos::verify_report::EvidenceKind::Tested);
  auto manifest = valid_manifest();
  push(service(*manifest, 0).exports, Export{t("socket"), t("server")});
  EXPECT_EQ(validation_error(*manifest),
            "initConfig.services[0].exports[1].name: duplicate export \"socket\"; first defined "
            "at initConfig.services[0].exports[0]");
}

TEST(ManifestValidate, AllowsTheSameNameInDifferentScopes) {
  auto manifest = valid_manifest();
  // A cap, an export, a service and a binary may share a name; caps are per service.
  service(*manifest, 0).exports[0].name = t("net");
  service(*manifest, 1).caps[1].source.export_name = t("net");
  EXPECT_EQ(validation_error(*manifest), "");
}

TEST(ManifestValidate, RejectsAnEmptyBinary) {
  auto manifest = valid_manifest();
  manifest->binaries[1].elf = ByteView{};
  EXPECT_EQ(validation_error(*manifest), "binaries[1].elf: binary \"net\" is empty");
}

TEST(ManifestValidate, RejectsABinaryAboveTheSizeBound) {
  auto manifest = valid_manifest();
  const std::vector<uint8_t> big(MAX_BINARY_BYTES + 1, 0);
  manifest->binaries[2].elf = ByteView(big);
  EXPECT_EQ(validation_error(*manifest),
            "binaries[2].elf: binary \"app\" is 16777217 bytes; at most 16777216");
}

TEST(ManifestValidate, RejectsAnInitThatNamesNoBinary) {
  auto manifest = valid_manifest();
  manifest->init_config.init = t("inti");
  EXPECT_EQ(validation_error(*manifest), "initConfig.init: unknown binary \"inti\"");
}

TEST(ManifestValidate, RejectsAServiceWhoseBinaryDoesNotExist) {
  capos::verify_report::evidence(11, "sources-resolve", capos::verify_report::EvidenceKind::Tested);
  auto manifest = valid_manifest();
  service(*manifest, 1).binary = t("ap");
  EXPECT_EQ(validation_error(*manifest), "initConfig.services[1].binary: unknown binary \"ap\"");
}

TEST(ManifestValidate, RejectsAnImportFromAnUnknownService) {
  capos::verify_report::evidence(11, "sources-resolve", capos::verify_report::EvidenceKind::Tested);
  auto manifest = valid_manifest();
  service(*manifest, 1).caps[1].source.service = t("nett");
  EXPECT_EQ(validation_error(*manifest),
            "initConfig.services[1].caps[1].source: unknown service \"nett\"");
}

TEST(ManifestValidate, RejectsAnImportOfAnUnknownExport) {
  capos::verify_report::evidence(11, "sources-resolve", capos::verify_report::EvidenceKind::Tested);
  auto manifest = valid_manifest();
  service(*manifest, 1).caps[1].source.export_name = t("server");
  EXPECT_EQ(validation_error(*manifest),
            "initConfig.services[1].caps[1].source: service \"net\" has no export \"server\"");
}

TEST(ManifestValidate, RejectsAServiceImportingItsOwnExport) {
  auto manifest = valid_manifest();
  push(service(*manifest, 0).caps, import_cap("loop", "net", "socket"));
  EXPECT_EQ(validation_error(*manifest),
            "initConfig.services[0].caps[2].source: service \"net\" imports its own export "
            "\"socket\"; use the endpoint cap directly");
}

TEST(ManifestValidate, RejectsAnExportOfAnUnknownCap) {
  capos::verify_report::evidence(11, "sources-resolve", capos::verify_report::EvidenceKind::Tested);
  auto manifest = valid_manifest();
  service(*manifest, 0).exports[0].cap = t("sever");
  EXPECT_EQ(validation_error(*manifest),
            "initConfig.services[0].exports[0].cap: unknown cap \"sever\"");
}

TEST(ManifestValidate, RejectsAnExportOfANonEndpointKernelCap) {
  auto manifest = valid_manifest();
  service(*manifest, 0).exports[0].cap = t("console");
  EXPECT_EQ(validation_error(*manifest),
            "initConfig.services[0].exports[0].cap: cap \"console\" is not a {kernel: endpoint} "
            "cap; only endpoints can be exported");
}

TEST(ManifestValidate, RejectsReExportingAnImport) {
  auto manifest = valid_manifest();
  // app may not pass on the ClientEndpoint it imported: only endpoint owners export.
  push(service(*manifest, 1).exports, Export{t("relay"), t("net")});
  EXPECT_EQ(validation_error(*manifest),
            "initConfig.services[1].exports[0].cap: cap \"net\" is not a {kernel: endpoint} cap; "
            "only endpoints can be exported");
}

TEST(ManifestValidate, RejectsABadgeOnAKernelCap) {
  auto manifest = valid_manifest();
  service(*manifest, 1).caps[0].badge = 5;
  EXPECT_EQ(validation_error(*manifest),
            "initConfig.services[1].caps[0].badge: badge 5 on kernel cap \"console\"; only "
            "service imports carry a badge");
}

TEST(ManifestValidate, AcceptsStatedInterfacesThatMatch) {
  auto manifest = valid_manifest();
  service(*manifest, 0).caps[0].interface_id = CONSOLE_INTERFACE_ID;
  service(*manifest, 0).caps[1].interface_id = ENDPOINT_INTERFACE_ID;
  service(*manifest, 1).caps[1].interface_id = CLIENT_ENDPOINT_INTERFACE_ID;
  EXPECT_EQ(validation_error(*manifest), "");
}

TEST(ManifestValidate, RejectsAKernelCapWithAnotherStatedInterface) {
  auto manifest = valid_manifest();
  service(*manifest, 0).caps[0].interface_id = TIMER_INTERFACE_ID;
  EXPECT_EQ(validation_error(*manifest),
            "initConfig.services[0].caps[0].interfaceId: interface 0x973cdc64621bf688 (Timer) "
            "does not match 0xa62dd1241b402f79 (Console) granted by this source");
}

TEST(ManifestValidate, RejectsAnImportStatingTheRawEndpointInterface) {
  auto manifest = valid_manifest();
  service(*manifest, 1).caps[1].interface_id = ENDPOINT_INTERFACE_ID;
  EXPECT_EQ(validation_error(*manifest),
            "initConfig.services[1].caps[1].interfaceId: interface 0xa733e5344a72d530 (Endpoint) "
            "does not match 0x95bf5cd13340058d (ClientEndpoint) granted by this source");
}

TEST(ManifestValidate, RejectsAnUnlistedInterfaceId) {
  auto manifest = valid_manifest();
  service(*manifest, 1).caps[0].interface_id = 0x1234;
  EXPECT_EQ(validation_error(*manifest),
            "initConfig.services[1].caps[0].interfaceId: interface 0x1234 does not match "
            "0xa62dd1241b402f79 (Console) granted by this source");
}

TEST(ManifestValidate, RejectsAnOutOfRangeKernelCap) {
  auto manifest = valid_manifest();
  service(*manifest, 0).caps[0].source.kernel = static_cast<KernelCap>(9);
  EXPECT_EQ(validation_error(*manifest),
            "initConfig.services[0].caps[0].source.kernel: unknown KernelCap value 9");
}

TEST(ManifestValidate, RejectsAnOutOfRangeSourceKind) {
  auto manifest = valid_manifest();
  service(*manifest, 0).caps[0].source.kind = static_cast<SourceKind>(7);
  EXPECT_EQ(validation_error(*manifest),
            "initConfig.services[0].caps[0].source: unknown CapSource member 7");
}

TEST(ManifestValidate, RejectsAMotdAboveTheBound) {
  auto manifest = valid_manifest();
  const std::string motd(MAX_MOTD_BYTES + 1, 'x');
  manifest->kernel_params.motd = Text{motd.data(), motd.size()};
  EXPECT_EQ(validation_error(*manifest), "kernelParams.motd: motd is 257 bytes; at most 256");
  const std::string longest(MAX_MOTD_BYTES, 'x');
  manifest->kernel_params.motd = Text{longest.data(), longest.size()};
  EXPECT_EQ(validation_error(*manifest), "");
}

TEST(ManifestValidate, RejectsAMotdWithAControlByte) {
  auto manifest = valid_manifest();
  manifest->kernel_params.motd = t("hello\x1b[2J");
  EXPECT_EQ(validation_error(*manifest),
            "kernelParams.motd: motd contains byte 0x1b at offset 5; only printable ASCII "
            "(0x20-0x7e) is allowed");
}

TEST(ManifestValidate, ReportsLocalRulesOfEveryServiceBeforeImports) {
  auto manifest = valid_manifest();
  // services[1] has a dangling import and services[1] also a bad binary: the binary (pass 1)
  // is reported even though the import comes from an earlier cap.
  service(*manifest, 1).caps[1].source.service = t("nope");
  service(*manifest, 1).binary = t("nope");
  EXPECT_EQ(validation_error(*manifest), "initConfig.services[1].binary: unknown binary \"nope\"");
}

TEST(ManifestValidate, ReportsTheDiagnosticCodeAndErrorMapping) {
  auto manifest = valid_manifest();
  service(*manifest, 1).caps[1].source.service = t("nett");
  auto result = validate(*manifest);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, DiagnosticCode::UnknownService);
  EXPECT_STREQ(diagnostic_code_name(result.error().code), "UnknownService");
  EXPECT_EQ(to_error(result.error().code), Error::NotFound);
}

TEST(ManifestValidate, FindsEntitiesByName) {
  auto manifest = valid_manifest();
  EXPECT_EQ(find_binary(*manifest, t("net")), &manifest->binaries[1]);
  EXPECT_EQ(find_binary(*manifest, t("ne")), nullptr);
  EXPECT_EQ(find_service(*manifest, t("app")), &service(*manifest, 1));
  EXPECT_EQ(find_cap(service(*manifest, 0), t("server")), &service(*manifest, 0).caps[1]);
  EXPECT_EQ(find_export(service(*manifest, 0), t("socket")), &service(*manifest, 0).exports[0]);
  EXPECT_EQ(find_export(service(*manifest, 1), t("socket")), nullptr);
}

}  // namespace
}  // namespace capos::manifest
