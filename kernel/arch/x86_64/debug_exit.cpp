#include "kernel/arch/x86_64/debug_exit.h"

#include "kernel/arch/x86_64/asm_constants.h"
#include "kernel/arch/x86_64/cpu.h"

namespace capos::kernel::x86_64 {

void debug_exit(ExitStatus status) {
  disable_interrupts();
  out32(DEBUG_EXIT_PORT, status == ExitStatus::Pass ? DEBUG_EXIT_PASS : DEBUG_EXIT_FAIL);
  for (;;) halt();  // no device, or an NMI woke us: stay halted
}

}  // namespace capos::kernel::x86_64
