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

// A pure virtual function called through a vtable under construction or destruction (CapObject
// is abstract): a kernel bug. The ABI names the symbol; the compiler emits references to it.
// NOLINTBEGIN(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp)
// NOLINTBEGIN(readability-identifier-naming): the names are the C++ ABI's
extern "C" [[noreturn]] void __cxa_pure_virtual() {
  capos::capos_panic("pure virtual function called", __FILE__, __LINE__);
}
// NOLINTEND(readability-identifier-naming)
// NOLINTEND(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp)
