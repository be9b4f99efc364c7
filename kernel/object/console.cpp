#include "kernel/object/console.h"

#include <array>

#include "lib/capnp/capnp_error.h"

namespace capos::kernel {

namespace {

// Escaped output is flushed to the sink in pieces of this size.
class EscapingWriter {
 public:
  explicit EscapingWriter(ConsoleSink sink) : m_sink(sink) {}
  EscapingWriter(const EscapingWriter&) = delete;
  EscapingWriter& operator=(const EscapingWriter&) = delete;
  EscapingWriter(EscapingWriter&&) = delete;
  EscapingWriter& operator=(EscapingWriter&&) = delete;
  ~EscapingWriter() { flush(); }

  void put(uint8_t byte) {
    if ((byte >= 0x20 && byte < 0x7f) || byte == '\n' || byte == '\t') {
      raw(static_cast<char>(byte));
      return;
    }
    constexpr std::array<char, 16> digits = {'0', '1', '2', '3', '4', '5', '6', '7',
                                             '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
    raw('\\');
    raw('x');
    raw(digits[byte >> 4]);
    raw(digits[byte & 0xf]);
  }

 private:
  void raw(char character) {
    if (m_length == m_buffer.size()) flush();
    m_buffer[m_length++] = character;
  }
  void flush() {
    if (m_length != 0) m_sink(std::span<const char>(m_buffer).first(m_length));
    m_length = 0;
  }

  ConsoleSink m_sink;
  std::array<char, 128> m_buffer{};
  size_t m_length = 0;
};

}  // namespace

Result<void> ConsoleObject::decode_methods(Invocation& invocation) {
  return decode_with<gen::Console>(*this, invocation);
}

Result<ConsoleObject::Print> ConsoleObject::decode_write(
    Invocation& invocation, const gen::Console::WriteParams::Reader& params,
    const gen::Console::WriteResults::Builder& /*results*/) {
  return plan_print(invocation, params.get_data(), false);
}

Result<ConsoleObject::Print> ConsoleObject::decode_write_line(
    Invocation& invocation, const gen::Console::WriteLineParams::Reader& params,
    const gen::Console::WriteLineResults::Builder& /*results*/) {
  return plan_print(invocation, params.get_text(), true);
}

// Decode: the length rule, then the quota. Nothing is printed unless the whole write is allowed.
Result<ConsoleObject::Print> ConsoleObject::plan_print(Invocation& invocation,
                                                       const capnp::CapnpResult<ByteView>& bytes,
                                                       bool newline) {
  // Validated by the dispatcher (every pointer followed once), so the read cannot fail.
  if (!bytes) return invocation.fail(capnp::to_error(bytes.error()), "unreadable console text");
  if (bytes->size() > max_console_bytes) {
    return invocation.fail(Error::TooBig, "console write longer than 4096 bytes");
  }
  FrameLedger::Reservation charge = TRY(invocation.caller().ledger->reserve(
      ResourceClass::LogBytes, bytes->size() + (newline ? 1 : 0)));
  return Print{.bytes = *bytes, .newline = newline, .charge = std::move(charge)};
}

void ConsoleObject::invoke_write(Invocation& invocation, Print&& plan) {
  print(invocation, std::move(plan));
}

void ConsoleObject::invoke_write_line(Invocation& invocation, Print&& plan) {
  print(invocation, std::move(plan));
}

// Invoke: print, then commit the charge reserved in decode.
void ConsoleObject::print(Invocation& invocation, Print plan) const {
  {
    EscapingWriter writer(m_sink);
    for (const uint8_t byte : plan.bytes) writer.put(byte);
    if (plan.newline) writer.put('\n');
  }
  invocation.caller().ledger->commit(std::move(plan.charge));
}

}  // namespace capos::kernel
