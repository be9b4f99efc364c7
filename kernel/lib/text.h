// kernel/lib/text.h — comparing a length-delimited string (std::span<const char>, the kernel's
// string view: <string_view> is not in the freestanding allowlist) with a string literal.
#pragma once

#include <cstddef>
#include <span>

namespace capos::kernel {

// True iff `text` starts with the NUL-terminated `prefix`; `rest` then receives the remainder.
inline bool strip_prefix(std::span<const char> text, const char* prefix,
                         std::span<const char>& rest) {
  size_t i = 0;
  // SAFETY: `prefix` is NUL-terminated (a literal at every call site); i stops at its terminator.
  for (; prefix[i] != '\0'; ++i) {
    // SAFETY: prefix[i] is not the NUL (loop condition), so it is inside `prefix`.
    if (i == text.size() || text[i] != prefix[i]) return false;
  }
  rest = text.subspan(i);
  return true;
}

// True iff `text` equals the NUL-terminated `literal`.
inline bool equals(std::span<const char> text, const char* literal) {
  std::span<const char> rest;
  return strip_prefix(text, literal, rest) && rest.empty();
}

}  // namespace capos::kernel
