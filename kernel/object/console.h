// kernel/object/console.h — the Console capability (schema/capos.capnp `Console`).
//
// Rules (docs/design.md "Kernel bring-up (phase 2)"):
//   - write(data) and writeLine(text) accept at most max_console_bytes (4096) bytes per call,
//     else TOO_BIG and nothing is printed;
//   - every byte is charged to the caller's LogBytes quota (writeLine's newline too): decode
//     reserves it, invoke prints and commits; an exhausted quota is CAP_ERR_QUOTA and prints
//     nothing;
//   - bytes outside printable ASCII, other than '\n' and '\t', are printed as \xNN, so a process
//     cannot send control sequences to the console (which is also the test oracle).
// A pinned kernel singleton holding no per-call state: the quota lives in the caller's ledger,
// the call in the Invocation.
#pragma once

#include <cstddef>
#include <span>

#include "kernel/cap/cap_object.h"
#include "kernel/cap/invocation.h"
#include "lib/gen/capos.capnp.h"
#include "lib/mem/frame_ledger.h"

namespace capos::kernel {

inline constexpr size_t max_console_bytes = 4096;

// Where console bytes go (the serial port in the kernel, a capture in host tests).
using ConsoleSink = void (*)(std::span<const char> text);

class ConsoleObject final : public CapObject {
 public:
  constexpr explicit ConsoleObject(ConsoleSink sink)
      : CapObject(ObjectKind::Console, gen::Console::INTERFACE_ID, Lifetime::Pinned),
        m_sink(sink) {}

  [[nodiscard]] static bool classof(const CapObject& object) {
    return object.kind() == ObjectKind::Console;
  }

  // The plan of both methods: what to print, and the quota already reserved for it.
  struct Print {
    ByteView bytes;  // in the invocation's params copy, alive until invoke
    bool newline = false;
    FrameLedger::Reservation charge;
  };

  // lib/gen ConsoleServer.
  [[nodiscard]] Result<Print> decode_write(Invocation& invocation,
                                           const gen::Console::WriteParams::Reader& params,
                                           const gen::Console::WriteResults::Builder& results);
  [[nodiscard]] Result<Print> decode_write_line(
      Invocation& invocation, const gen::Console::WriteLineParams::Reader& params,
      const gen::Console::WriteLineResults::Builder& results);
  void invoke_write(Invocation& invocation, Print&& plan);
  void invoke_write_line(Invocation& invocation, Print&& plan);

 private:
  [[nodiscard]] Result<void> decode_methods(Invocation& invocation) override;
  [[nodiscard]] static Result<Print> plan_print(Invocation& invocation,
                                                const capnp::CapnpResult<ByteView>& bytes,
                                                bool newline);
  void print(Invocation& invocation, Print plan) const;

  ConsoleSink m_sink;
};

}  // namespace capos::kernel
