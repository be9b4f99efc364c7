// kernel/cap/console.h — the Console capability (schema/capos.capnp `Console`).
//
// Rules (docs/design.md "Kernel bring-up (phase 2)"):
//   - write(data) and writeLine(text) accept at most max_console_bytes (4096) bytes per call,
//     else TOO_BIG and nothing is printed;
//   - every byte is charged to the caller's LogBytes quota (writeLine's newline too) before it
//     is printed: reserve, print, commit; an exhausted quota is CAP_ERR_QUOTA and prints nothing;
//   - bytes outside printable ASCII, other than '\n' and '\t', are printed as \xNN, so a process
//     cannot send control sequences to the console (which is also the test oracle).
// The object holds no per-caller state: the quota lives in the caller's ledger.
#pragma once

#include <cstddef>
#include <span>

#include "kernel/cap/cap_object.h"

namespace capos::kernel {

inline constexpr size_t max_console_bytes = 4096;

// Where console bytes go (the serial port in the kernel, a capture in host tests).
using ConsoleSink = void (*)(std::span<const char> text);

class ConsoleObject final : public CapObject {
 public:
  constexpr explicit ConsoleObject(ConsoleSink sink)
      : CapObject(ObjectKind::Console, gen::Console::INTERFACE_ID), m_sink(sink) {}

  // lib/gen ConsoleServer handlers.
  [[nodiscard]] Result<void> write(const gen::Console::WriteParams::Reader& params,
                                   const gen::Console::WriteResults::Builder& results);
  [[nodiscard]] Result<void> write_line(const gen::Console::WriteLineParams::Reader& params,
                                        const gen::Console::WriteLineResults::Builder& results);

 private:
  [[nodiscard]] CallResult invoke(const CallContext& context, uint16_t method_id, ByteView params,
                                  MutableByteView result) override;
  [[nodiscard]] Result<void> print(ByteView bytes, bool newline);

  ConsoleSink m_sink;
  FrameLedger* m_ledger = nullptr;  // the caller's, for the duration of one invoke
  const char* m_detail = "";
};

}  // namespace capos::kernel
