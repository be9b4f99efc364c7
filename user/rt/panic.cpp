// user/rt/panic.cpp — capos_panic for user programs (lib/core/panic.h): a broken invariant in
// the program or in lib/ code it runs. Prints one line through the console cap (best effort)
// and exits with panic_exit_code.
#include "lib/core/panic.h"

#include "user/rt/arch/x86_64/syscall.h"
#include "user/rt/runtime.h"
#include "user/rt/text.h"

namespace capos {

namespace {

constexpr int64_t panic_exit_code = 121;
constinit bool g_panicking = false;

}  // namespace

void capos_panic(const char* message, const char* file, int line) {
  if (!g_panicking) {
    g_panicking = true;
    rt::Line text;
    text.add("PANIC (user): ").add(message).add(" at ").add(file).add(":").add(int64_t{line});
    rt::emergency_write(text.view());
  }
  rt::exit(panic_exit_code);
}

}  // namespace capos
