// kernel/lib/log.h — the kernel's formatted console logger.
//
//   log::info("memory: {} frames free of {}", free, total);
//   log::info("exception: rip={}", log::Hex{frame.rip});
//
// `{}` takes the next argument. Arguments are integers (decimal), bool, C strings,
// std::span<const char>, single chars and log::Hex (hexadecimal, for exception reports and
// debug lines). Pointers other than char pointers do not compile: kernel addresses reach a log
// only as an explicit log::Hex, and at Info level only in exception reports (SPEC §2: no kernel
// pointers at default verbosity). log::debug lines, which may show addresses, print only when the
// command line says capos.log=debug.
//
// Output is written line by line to the console through the Architecture concept; a line longer
// than the internal buffer is flushed in pieces. Not reentrant-safe beyond "a nested call prints
// its own line": the kernel is single-CPU and prints with interrupts off.
#pragma once

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>

namespace capos::kernel::log {

enum class Level : uint8_t { Info, Debug };

void set_level(Level level);
[[nodiscard]] Level level();

// Formats as 0x followed by lowercase hex digits.
struct Hex {
  uint64_t value;
};

// One formatting argument, type-erased so the formatter is not a template.
class Arg {
 public:
  enum class Kind : uint8_t { Unsigned, Signed, Hex, Text, Character, Boolean };

  // Implicit by design: the variadic front ends build one Arg per argument.
  // NOLINTBEGIN(google-explicit-constructor)
  template <std::unsigned_integral T>
    requires(!std::same_as<T, bool>)
  constexpr Arg(T value) : m_kind(Kind::Unsigned), m_bits(value) {}
  template <std::signed_integral T>
    requires(!std::same_as<T, char>)
  constexpr Arg(T value) : m_kind(Kind::Signed), m_bits(static_cast<uint64_t>(value)) {}
  constexpr Arg(bool value) : m_kind(Kind::Boolean), m_bits(value ? 1 : 0) {}
  constexpr Arg(char value) : m_kind(Kind::Character), m_bits(static_cast<uint8_t>(value)) {}
  constexpr Arg(Hex value) : m_kind(Kind::Hex), m_bits(value.value) {}
  Arg(const char* text);
  constexpr Arg(std::span<const char> text) : m_kind(Kind::Text), m_bits(0), m_text(text) {}
  // A kernel pointer must be formatted deliberately, as log::Hex.
  template <typename T>
  Arg(T* pointer) = delete;
  // NOLINTEND(google-explicit-constructor)

  [[nodiscard]] Kind kind() const { return m_kind; }
  [[nodiscard]] uint64_t as_unsigned() const { return m_bits; }
  // C++20 defines the conversion modulo 2^64, so this recovers the signed value exactly.
  [[nodiscard]] int64_t as_signed() const { return static_cast<int64_t>(m_bits); }
  [[nodiscard]] std::span<const char> as_text() const { return m_text; }

 private:
  Kind m_kind;
  uint64_t m_bits;  // the integer (signed values as two's complement), bool, char or Hex
  std::span<const char> m_text;
};

// Formats `format` with `args` and writes it plus a newline if `level` is enabled.
void write_line(Level level, const char* format, std::span<const Arg> args);

template <typename... Args>
void info(const char* format, const Args&... args) {
  const std::array<Arg, sizeof...(Args)> list{Arg(args)...};
  write_line(Level::Info, format, list);
}

template <typename... Args>
void debug(const char* format, const Args&... args) {
  const std::array<Arg, sizeof...(Args)> list{Arg(args)...};
  write_line(Level::Debug, format, list);
}

}  // namespace capos::kernel::log
