#include "user/rt/text.h"

#include "lib/core/format.h"

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
  write_unsigned([this](char character) { put(character); }, value);
  return *this;
}

Line& Line::add(int64_t value) {
  write_signed([this](char character) { put(character); }, value);
  return *this;
}

Line& Line::add(HexValue value) {
  write_hex([this](char character) { put(character); }, value.value);
  return *this;
}

ByteView Line::view() const {
  // Invariant: m_length <= m_buffer.size() (put() never writes past the buffer).
  return bytes_of(std::span<const char>(m_buffer).first(m_length));
}

}  // namespace capos::rt
