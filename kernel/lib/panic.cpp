// The kernel's capos_panic (declared in lib/core/panic.h) and fail_boot.
#include "lib/core/panic.h"
#include "kernel/arch/current.h"
#include "kernel/lib/fatal.h"
#include "kernel/lib/log.h"

namespace capos {

namespace {

// Set by the first panic: a panic raised while printing a panic exits without printing again.
constinit bool g_panicking = false;

}  // namespace

void capos_panic(const char* message, const char* file, int line) {
  if (!g_panicking) {
    g_panicking = true;
    kernel::log::info("PANIC: {} at {}:{}", message, file, line);
  }
  kernel::Arch::exit_emulator(kernel::ExitStatus::Fail);
}

namespace kernel {

void fail_boot(const char* stage, const char* reason) {
  log::info("BOOT FAILED: {}: {}", stage, reason);
  Arch::exit_emulator(ExitStatus::Fail);
}

}  // namespace kernel

}  // namespace capos
