#include "kernel/lib/log.h"

#include "kernel/arch/current.h"
#include "lib/core/format.h"

namespace capos::kernel::log {

namespace {

constinit Level g_level = Level::Info;

// A string literal without its terminating NUL.
template <size_t N>
constexpr std::span<const char> literal(const char (&text)[N]) {
  return std::span<const char, N>(text).template first<N - 1>();
}

// Collects output and hands it to the console in chunks (one per line for short lines).
class LineBuffer {
 public:
  void put(char character) {
    if (m_length == m_buffer.size()) flush();
    m_buffer[m_length++] = character;
  }
  void put(std::span<const char> text) {
    for (const char character : text) put(character);
  }
  void flush() {
    Arch::console_write(std::span<const char>(m_buffer).first(m_length));
    m_length = 0;
  }

 private:
  std::array<char, 160> m_buffer{};
  size_t m_length = 0;
};

void put_arg(LineBuffer& out, const Arg& arg) {
  const auto put = [&out](char character) { out.put(character); };
  switch (arg.kind()) {
    case Arg::Kind::Unsigned: write_unsigned(put, arg.as_unsigned()); break;
    case Arg::Kind::Signed: write_signed(put, arg.as_signed()); break;
    case Arg::Kind::Hex: write_hex(put, arg.as_unsigned()); break;
    case Arg::Kind::Text: out.put(arg.as_text()); break;
    case Arg::Kind::Character: out.put(static_cast<char>(arg.as_unsigned())); break;
    case Arg::Kind::Boolean:
      out.put(arg.as_unsigned() != 0 ? literal("true") : literal("false"));
      break;
  }
}

// The characters of a NUL-terminated string, without the NUL.
std::span<const char> c_string(const char* text) {
  size_t length = 0;
  // SAFETY: `text` is a NUL-terminated string (a literal or a boot-validated string); the loop
  // stops at its terminator, and the span covers exactly the characters before it.
  while (text[length] != '\0') ++length;
  // SAFETY: the loop above counted `length` characters of `text` before its NUL.
  return {text, length};
}

}  // namespace

Arg::Arg(const char* text)
    : m_kind(Kind::Text), m_bits(0), m_text(c_string(text != nullptr ? text : "(null)")) {}

void set_level(Level level) { g_level = level; }

Level level() { return g_level; }

void write_line(Level level, const char* format, std::span<const Arg> args) {
  if (level == Level::Debug && g_level != Level::Debug) return;
  LineBuffer out;
  size_t next_arg = 0;
  // SAFETY: `format` is a NUL-terminated string literal at every call site.
  for (const char* cursor = format; *cursor != '\0'; ++cursor) {
    // SAFETY: cursor[0] is not the NUL (loop condition), so cursor[1] is still in the string.
    if (cursor[0] == '{' && cursor[1] == '}') {
      if (next_arg < args.size()) {
        put_arg(out, args[next_arg++]);
      } else {
        out.put(literal("{?}"));  // a format bug must not stop a report
      }
      // SAFETY: cursor[1] is '}', not the NUL, so the next character is still in the string.
      ++cursor;
      continue;
    }
    out.put(*cursor);
  }
  out.put('\n');
  out.flush();
}

}  // namespace capos::kernel::log
