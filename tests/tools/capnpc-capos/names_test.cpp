// tools/capnpc-capos/names: the identifier mapping every generated name goes through, and the
// sanitising of schema doc comments copied into generated (TCB) source.
#include "tools/capnpc-capos/names.h"

#include <gtest/gtest.h>

#include <string>

namespace capos::capnpc {
namespace {

TEST(CapnpcNames, SnakeCase) {
  EXPECT_EQ(snake_case("writeLine"), "write_line");
  EXPECT_EQ(snake_case("schemaVersion"), "schema_version");
  EXPECT_EQ(snake_case("uint8Field"), "uint8_field");
  EXPECT_EQ(snake_case("dI32"), "d_i32");
  EXPECT_EQ(snake_case("parseHTTPRequest"), "parse_http_request");
  EXPECT_EQ(snake_case("id"), "id");
}

TEST(CapnpcNames, UpperSnakeAndPascalCase) {
  EXPECT_EQ(upper_snake_case("ringVaddr"), "RING_VADDR");
  EXPECT_EQ(upper_snake_case("maxTransferCaps"), "MAX_TRANSFER_CAPS");
  EXPECT_EQ(pascal_case("writeLine"), "WriteLine");
  EXPECT_EQ(pascal_case("return"), "Return");
}

TEST(CapnpcNames, KeywordsAreEscaped) {
  EXPECT_EQ(escape_keyword("delete"), "delete_");
  EXPECT_EQ(escape_keyword("export"), "export_");
  EXPECT_EQ(escape_keyword("write"), "write");
}

TEST(CapnpcNames, PlainIdentifiers) {
  EXPECT_TRUE(is_plain_identifier("Console"));
  EXPECT_TRUE(is_plain_identifier("x1"));
  EXPECT_FALSE(is_plain_identifier(""));
  EXPECT_FALSE(is_plain_identifier("1x"));
  EXPECT_FALSE(is_plain_identifier("a_b"));
}

TEST(CapnpcNames, CommentLinesCannotEscapeTheComment) {
  // A trailing backslash would splice the next generated line into the comment.
  EXPECT_EQ(comment_line("ends in a splice \\"), "ends in a splice");
  EXPECT_EQ(comment_line("two \\\\  "), "two");
  // Control characters (CR could end the line for some tools) and invalid UTF-8 become '?'.
  EXPECT_EQ(comment_line("a\rb\x01"
                         "c"),
            "a?b?c");
  EXPECT_EQ(comment_line("bad \xC3"), "bad ?");
  EXPECT_EQ(comment_line("overlong \xC0\xAF"), "overlong ??");
  // Bidirectional overrides (CVE-2021-42574, "Trojan Source") are neutralised.
  EXPECT_EQ(comment_line("x \xE2\x80\xAE y"), "x ? y");
  EXPECT_EQ(comment_line("x \xE2\x81\xA6 y"), "x ? y");
  // Ordinary UTF-8 and tabs survive (tabs as spaces).
  EXPECT_EQ(comment_line("SPEC \xC2\xA7"
                         "4\tok"),
            "SPEC \xC2\xA7"
            "4 ok");
}

}  // namespace
}  // namespace capos::capnpc
