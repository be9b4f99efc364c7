// user/rt/text.h — building a line of text without a heap or printf.
//
//   rt::Line line;
//   line.add("init: ").add(count).add(" caps");   // then console.write_line(line.view())
//
// A Line holds at most max_line_bytes; longer text is cut (and `truncated()` says so).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "lib/core/bytes.h"

namespace capos::rt {

struct HexValue {
  uint64_t value;
};
[[nodiscard]] constexpr HexValue hex(uint64_t value) { return HexValue{value}; }

class Line {
 public:
  static constexpr size_t max_line_bytes = 512;

  Line& add(const char* text);
  Line& add(std::span<const char> text);
  Line& add(uint64_t value);
  Line& add(int64_t value);
  Line& add(uint32_t value) { return add(uint64_t{value}); }
  Line& add(int32_t value) { return add(int64_t{value}); }
  Line& add(HexValue value);

  [[nodiscard]] ByteView view() const;
  [[nodiscard]] bool truncated() const { return m_truncated; }
  void clear() {
    m_length = 0;
    m_truncated = false;
  }

 private:
  void put(char character);
  std::array<char, max_line_bytes> m_buffer{};
  size_t m_length = 0;
  bool m_truncated = false;
};

// Length of a NUL-terminated string.
[[nodiscard]] size_t length_of(const char* text);

}  // namespace capos::rt
