// user/tests/fault/main.cpp — a process that faults in user mode: it writes to its read-only
// CapSet page. The kernel must end it (and, in this phase, the boot) with a report naming the
// #PF, never treat it as a kernel failure. Booted by qemu.user_fault_kills_process.
#include <cstdint>

#include "lib/gen/capos.capnp.h"
#include "lib/ring/abi.h"
#include "user/rt/clients.h"
#include "user/rt/runtime.h"
#include "user/rt/text.h"

int64_t capos_main(capos::rt::Runtime& runtime) {
  const auto console = runtime.find_cap("console", capos::gen::Console::INTERFACE_ID);
  if (console) {
    capos::rt::Line line;
    line.add("fault: writing to the read-only CapSet page");
    (void)capos::rt::ConsoleClient(*console).write_line(runtime, line.view()).has_value();
  }
  // SAFETY: deliberately invalid: the CapSet page is mapped user read-only; the write must fault.
  // NOLINTNEXTLINE(performance-no-int-to-ptr): the CapSet page's fixed ABI address
  *reinterpret_cast<volatile uint32_t*>(capos::CAPSET_VADDR) = 0;
  return 3;  // not reached
}
