#include "tools/capnpc-capos/names.h"

#include <array>
#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>

namespace capos::capnpc {

namespace {

bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_lower_or_digit(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
char to_lower(char c) { return is_upper(c) ? static_cast<char>(c - 'A' + 'a') : c; }
char to_upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

constexpr std::array<std::string_view, 97> KEYWORDS = {
    "alignas",       "alignof",     "and",
    "and_eq",        "asm",         "auto",
    "bitand",        "bitor",       "bool",
    "break",         "case",        "catch",
    "char",          "char8_t",     "char16_t",
    "char32_t",      "class",       "compl",
    "concept",       "const",       "consteval",
    "constexpr",     "constinit",   "const_cast",
    "continue",      "co_await",    "co_return",
    "co_yield",      "decltype",    "default",
    "delete",        "do",          "double",
    "dynamic_cast",  "else",        "enum",
    "explicit",      "export",      "extern",
    "false",         "float",       "for",
    "friend",        "goto",        "if",
    "inline",        "int",         "long",
    "mutable",       "namespace",   "new",
    "noexcept",      "not",         "not_eq",
    "nullptr",       "operator",    "or",
    "or_eq",         "private",     "protected",
    "public",        "register",    "reinterpret_cast",
    "requires",      "return",      "short",
    "signed",        "sizeof",      "static",
    "static_assert", "static_cast", "struct",
    "switch",        "template",    "this",
    "thread_local",  "throw",       "true",
    "try",           "typedef",     "typeid",
    "typename",      "union",       "unsigned",
    "using",         "virtual",     "void",
    "volatile",      "wchar_t",     "while",
    "xor",           "xor_eq",      "final",
    "override",      "import",      "module",
    "assert",
};

// Decodes one UTF-8 sequence at `text[i]`; returns its length, or 0 if it is invalid.
size_t utf8_sequence(std::string_view text, size_t i, uint32_t& code_point) {
  const auto lead = static_cast<uint8_t>(text[i]);
  size_t length = 0;
  uint32_t minimum = 0;
  if (lead < 0x80) {
    code_point = lead;
    return 1;
  }
  if ((lead & 0xE0U) == 0xC0U) {
    length = 2;
    minimum = 0x80;
    code_point = lead & 0x1FU;
  } else if ((lead & 0xF0U) == 0xE0U) {
    length = 3;
    minimum = 0x800;
    code_point = lead & 0x0FU;
  } else if ((lead & 0xF8U) == 0xF0U) {
    length = 4;
    minimum = 0x10000;
    code_point = lead & 0x07U;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (size_t k = 1; k < length; ++k) {
    const auto byte = static_cast<uint8_t>(text[i + k]);
    if ((byte & 0xC0U) != 0x80U) return 0;
    code_point = (code_point << 6U) | (byte & 0x3FU);
  }
  if (code_point < minimum || code_point > 0x10FFFF ||
      (code_point >= 0xD800 && code_point <= 0xDFFF)) {
    return 0;
  }
  return length;
}

// Characters that can make source read differently from how it compiles (CVE-2021-42574).
bool is_bidi_control(uint32_t code_point) {
  return (code_point >= 0x202A && code_point <= 0x202E) ||
         (code_point >= 0x2066 && code_point <= 0x2069) || code_point == 0x200E ||
         code_point == 0x200F || code_point == 0x061C;
}

}  // namespace

std::string concat(std::initializer_list<std::string_view> parts) {
  size_t length = 0;
  for (const std::string_view part : parts) length += part.size();
  std::string out;
  out.reserve(length);
  for (const std::string_view part : parts) out.append(part);
  return out;
}

std::string hex(uint64_t value, int digits) {
  std::string out;
  do {
    out.insert(out.begin(), "0123456789abcdef"[value & 0xFU]);
    value >>= 4U;
    --digits;
  } while (value != 0 || digits > 0);
  return out;
}

bool is_plain_identifier(std::string_view name) {
  if (name.empty() || std::isalpha(static_cast<unsigned char>(name[0])) == 0) return false;
  for (const char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0) return false;
  }
  return true;
}

std::string snake_case(std::string_view name) {
  std::string out;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (is_upper(c) && i > 0) {
      const bool after_lower = is_lower_or_digit(name[i - 1]);
      const bool acronym_end = is_upper(name[i - 1]) && i + 1 < name.size() &&
                               is_lower_or_digit(name[i + 1]) &&
                               !(name[i + 1] >= '0' && name[i + 1] <= '9');
      if (after_lower || acronym_end) out.push_back('_');
    }
    out.push_back(to_lower(c));
  }
  return out;
}

std::string upper_snake_case(std::string_view name) {
  std::string out = snake_case(name);
  for (char& c : out) c = to_upper(c);
  return out;
}

std::string pascal_case(std::string_view name) {
  std::string out(name);
  if (!out.empty()) out[0] = to_upper(out[0]);
  return out;
}

std::string escape_keyword(std::string name) {
  for (const std::string_view keyword : KEYWORDS) {
    if (name == keyword) return name + "_";
  }
  return name;
}

std::string comment_line(std::string_view line) {
  std::string out;
  for (size_t i = 0; i < line.size();) {
    uint32_t code_point = 0;
    const size_t length = utf8_sequence(line, i, code_point);
    if (length == 0) {
      out.push_back('?');
      ++i;
      continue;
    }
    if (code_point == '\t') {
      out.push_back(' ');
    } else if (code_point < 0x20 || code_point == 0x7F ||
               (code_point >= 0x80 && code_point < 0xA0) || is_bidi_control(code_point)) {
      out.push_back('?');
    } else {
      out.append(line.substr(i, length));
    }
    i += length;
  }
  while (!out.empty() && (out.back() == ' ' || out.back() == '\\')) out.pop_back();
  return out;
}

}  // namespace capos::capnpc
