// kernel/arch/x86_64/debug_exit.h — leaving QEMU through isa-debug-exit.
//
// QEMU (with -device isa-debug-exit,iobase=0xf4,iosize=0x04) exits with status (v << 1) | 1
// when the guest writes v to port 0xf4: DEBUG_EXIT_PASS (0x10) gives 33, DEBUG_EXIT_FAIL (0x11)
// gives 35. A triple fault under -no-reboot exits 0, so tests accept only the exact odd code.
// Without the device (real hardware) the write is ignored and the CPU halts for good.
#pragma once

#include "kernel/arch/arch.h"

namespace capos::kernel::x86_64 {

[[noreturn]] void debug_exit(ExitStatus status);

}  // namespace capos::kernel::x86_64
