#include "user/rt/text.h"

namespace capos::rt {

size_t length_of(const char* text) {
  size_t length = 0;
  // SAFETY: `text` is NUL-terminated (the contract); reads stop at the NUL.
  while (text[length] != '\0') ++length;
  return length;
}

void Line::put(char character) {
  if (m_length == m_buffer.size()) {
    m_truncated = true;
    return;
  }
  m_buffer[m_length++] = character;
}

// SAFETY: length_of(text) bytes are the string's own.
Line& Line::add(const char* text) { return add(std::span<const char>(text, length_of(text))); }

Line& Line::add(std::span<const char> text) {
  for (const char character : text) put(character);
  return *this;
}

Line& Line::add(uint64_t value) {
  std::array<char, 20> digits{};
  size_t count = 0;
  do {
    digits[count++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  while (count > 0) put(digits[--count]);
  return *this;
}

Line& Line::add(int64_t value) {
  if (value < 0) {
    put('-');
    // Two's complement negation in unsigned arithmetic is exact, INT64_MIN included.
    return add(uint64_t{0} - static_cast<uint64_t>(value));
  }
  return add(static_cast<uint64_t>(value));
}

Line& Line::add(HexValue value) {
  put('0');
  put('x');
  int shift = 60;
  while (shift > 0 && ((value.value >> shift) & 0xf) == 0) shift -= 4;
  for (; shift >= 0; shift -= 4) {
    const auto digit = static_cast<unsigned>((value.value >> shift) & 0xf);
    put(static_cast<char>(digit < 10 ? '0' + digit : 'a' + (digit - 10)));
  }
  return *this;
}

ByteView Line::view() const {
  // Invariant: m_length <= m_buffer.size() (put() never writes past the buffer).
  return bytes_of(std::span<const char>(m_buffer).first(m_length));
}

}  // namespace capos::rt
