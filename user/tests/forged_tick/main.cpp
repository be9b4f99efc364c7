// user/tests/forged_tick/main.cpp — a process that tries to raise the timer vector itself
// (`int $0x30`). Every IDT gate has DPL 0, so the CPU refuses it with #GP (error code names IDT
// entry 0x30: 0x182 on hardware, 0x302 under QEMU TCG) and the kernel ends the process; no tick
// is forged. Booted by qemu.user_forged_tick_kills_process.
#include <cstdint>

#include "lib/gen/capos.capnp.h"
#include "user/rt/clients.h"
#include "user/rt/runtime.h"
#include "user/rt/text.h"

int64_t capos_main(capos::rt::Runtime& runtime) {
  const auto console = runtime.find_cap("console", capos::gen::Console::INTERFACE_ID);
  if (console) {
    capos::rt::Line line;
    line.add("forged_tick: raising the timer vector with int $0x30");
    (void)capos::rt::ConsoleClient(*console).write_line(runtime, line.view()).has_value();
  }
  // SAFETY: deliberately refused: the gate's DPL is 0, so this is a #GP at CPL 3.
  asm volatile("int $0x30" : : : "memory");
  return 3;  // not reached
}
