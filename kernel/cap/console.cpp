#include "kernel/cap/console.h"

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

CallResult ConsoleObject::invoke(const CallContext& context, uint16_t method_id, ByteView params,
                                 MutableByteView result) {
  m_ledger = context.ledger;
  m_detail = "";
  const gen::DispatchResult<uint32_t> dispatched =
      gen::Console::dispatch(*this, method_id, params, result);
  m_ledger = nullptr;
  return finish_dispatch(dispatched, m_detail);
}

Result<void> ConsoleObject::write(const gen::Console::WriteParams::Reader& params,
                                  const gen::Console::WriteResults::Builder& /*results*/) {
  const capnp::CapnpResult<ByteView> data = params.get_data();
  if (!data) return capnp::to_error(data.error());
  return print(*data, false);
}

Result<void> ConsoleObject::write_line(const gen::Console::WriteLineParams::Reader& params,
                                       const gen::Console::WriteLineResults::Builder& /*results*/) {
  const capnp::CapnpResult<ByteView> text = params.get_text();
  if (!text) return capnp::to_error(text.error());
  return print(*text, true);
}

// Decode (length, quota), then invoke (print, commit): nothing is printed unless the whole
// write is allowed.
Result<void> ConsoleObject::print(ByteView bytes, bool newline) {
  if (bytes.size() > max_console_bytes) {
    m_detail = "console write longer than 4096 bytes";
    return Error::TooBig;
  }
  KASSERT(m_ledger != nullptr);
  FrameLedger::Reservation charge =
      TRY(m_ledger->reserve(ResourceClass::LogBytes, bytes.size() + (newline ? 1 : 0)));
  {
    EscapingWriter writer(m_sink);
    for (const uint8_t byte : bytes) writer.put(byte);
    if (newline) writer.put('\n');
  }
  m_ledger->commit(std::move(charge));
  return {};
}

}  // namespace capos::kernel
