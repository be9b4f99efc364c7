// tools/capnpc-capos/names.h — schema identifiers to C++ identifiers, and text that is safe to
// put into a generated comment.
//
// Schema names are checked (ASCII letters and digits, starting with a letter) before any of
// these run, so the results are always valid identifiers.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace capos::capnpc {

// True iff `name` is a non-empty run of ASCII letters and digits starting with a letter.
bool is_plain_identifier(std::string_view name);

// writeLine -> write_line, parseHTTPRequest -> parse_http_request, uint8Field -> uint8_field.
std::string snake_case(std::string_view name);
// ringVaddr -> RING_VADDR.
std::string upper_snake_case(std::string_view name);
// writeLine -> WriteLine.
std::string pascal_case(std::string_view name);
// The concatenation of `parts` (one allocation).
std::string concat(std::initializer_list<std::string_view> parts);
// Lowercase hexadecimal of `value` with at least `digits` digits, without a prefix.
std::string hex(uint64_t value, int digits = 1);
// Appends '_' to C++ keywords (a method named `delete` becomes a handler `delete_`).
std::string escape_keyword(std::string name);

// One line of a `//` comment: control characters, invalid UTF-8 and bidirectional-override
// characters become '?', trailing whitespace and backslashes (line splices) are removed.
std::string comment_line(std::string_view line);

}  // namespace capos::capnpc
