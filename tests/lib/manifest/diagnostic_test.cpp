// Diagnostic rendering: path syntax, wire-rule messages, snprintf-style truncation and bounds.
#include "lib/manifest/diagnostic.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "tests/lib/manifest/manifest_fixture.h"

namespace capos::manifest {
namespace {

using test::render;
using test::t;

DiagnosticPath cap_source_path() {
  return DiagnosticPath{}
      .field("initConfig")
      .element("services", 2)
      .element("caps", 0)
      .field("source");
}

ManifestDiagnostic unknown_net() {
  ManifestDiagnostic diagnostic;
  diagnostic.code = DiagnosticCode::UnknownService;
  diagnostic.path = cap_source_path();
  diagnostic.subject = t("net");
  return diagnostic;
}

TEST(ManifestDiagnostic, RendersBareAndJsonPaths) {
  EXPECT_EQ(render(unknown_net()),
            "initConfig.services[2].caps[0].source: unknown service \"net\"");
  EXPECT_EQ(render(unknown_net(), PathRoot::Dollar),
            "$.initConfig.services[2].caps[0].source: unknown service \"net\"");
}

TEST(ManifestDiagnostic, RendersTheRootPath) {
  ManifestDiagnostic diagnostic;
  diagnostic.code = DiagnosticCode::MessageTooLarge;
  diagnostic.number = 40;
  diagnostic.limit = 32;
  EXPECT_EQ(render(diagnostic), "manifest is 40 bytes; at most 32");
  EXPECT_EQ(render(diagnostic, PathRoot::Dollar), "$: manifest is 40 bytes; at most 32");
  char buffer[8];
  EXPECT_EQ(format_path(DiagnosticPath{}, PathRoot::Dollar, buffer), 1U);
  EXPECT_STREQ(buffer, "$");
}

TEST(ManifestDiagnostic, RendersWireRules) {
  ManifestDiagnostic diagnostic;
  diagnostic.path = DiagnosticPath{}.field("initConfig");
  diagnostic.code = DiagnosticCode::MissingField;
  EXPECT_EQ(render(diagnostic), "initConfig: required field is missing");
  diagnostic.code = DiagnosticCode::TooManyEntries;
  diagnostic.path = DiagnosticPath{}.field("binaries");
  diagnostic.number = 65;
  diagnostic.limit = 64;
  EXPECT_EQ(render(diagnostic), "binaries: 65 entries; at most 64");
  diagnostic.code = DiagnosticCode::MalformedMessage;
  diagnostic.path = DiagnosticPath{};
  diagnostic.other = t("pointer out of bounds");
  EXPECT_EQ(render(diagnostic), "malformed Cap'n Proto message: \"pointer out of bounds\"");
}

TEST(ManifestDiagnostic, TruncatesLikeSnprintf) {
  const std::string full = render(unknown_net());
  char buffer[10];
  std::memset(buffer, 'Z', sizeof buffer);
  EXPECT_EQ(format_diagnostic(unknown_net(), PathRoot::Bare, buffer), full.size());
  EXPECT_STREQ(buffer, full.substr(0, 9).c_str());
  // An empty buffer is never written.
  EXPECT_EQ(format_message(unknown_net(), PathRoot::Bare, std::span<char>{}),
            std::strlen("unknown service \"net\""));
  char one[1] = {'Z'};
  EXPECT_EQ(format_message(unknown_net(), PathRoot::Bare, one),
            std::strlen("unknown service \"net\""));
  EXPECT_EQ(one[0], '\0');
}

TEST(ManifestDiagnostic, CutsLongOperands) {
  const std::string huge(1000, 'n');
  ManifestDiagnostic diagnostic = unknown_net();
  diagnostic.subject = Text{huge.data(), huge.size()};
  EXPECT_EQ(render(diagnostic), "initConfig.services[2].caps[0].source: unknown service \"" +
                                    std::string(40, 'n') + "...\"");
}

TEST(ManifestDiagnostic, TheWorstCaseFitsTheRecommendedBuffer) {
  // Two operands of escaped bytes on the deepest path with the largest indexes.
  const std::string hostile(1000, '\x01');
  ManifestDiagnostic diagnostic;
  diagnostic.path = DiagnosticPath{}
                        .field("initConfig")
                        .element("services", 4294967295U)
                        .element("caps", 4294967295U)
                        .field("source")
                        .field("service");
  for (DiagnosticCode code = DiagnosticCode::MalformedMessage; code <= DiagnosticCode::MotdBadByte;
       code = static_cast<DiagnosticCode>(static_cast<int>(code) + 1)) {
    diagnostic.code = code;
    diagnostic.subject = Text{hostile.data(), hostile.size()};
    diagnostic.other = Text{hostile.data(), hostile.size()};
    diagnostic.kind = "service";
    diagnostic.number = UINT64_MAX;
    diagnostic.limit = UINT64_MAX;
    diagnostic.other_path = diagnostic.path;
    char buffer[DIAGNOSTIC_BUFFER_BYTES];
    EXPECT_LT(format_diagnostic(diagnostic, PathRoot::Dollar, buffer), sizeof buffer)
        << diagnostic_code_name(code);
    EXPECT_STRNE(diagnostic_code_name(code), "UnknownDiagnostic");
  }
}

TEST(ManifestDiagnostic, NamesUnknownCodes) {
  ManifestDiagnostic diagnostic;
  diagnostic.code = static_cast<DiagnosticCode>(200);
  EXPECT_EQ(render(diagnostic), "unknown diagnostic 200");
  EXPECT_STREQ(diagnostic_code_name(diagnostic.code), "UnknownDiagnostic");
}

}  // namespace
}  // namespace capos::manifest
