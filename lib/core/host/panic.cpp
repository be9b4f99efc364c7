// Host (tests, tools) implementation of capos_panic: report and abort, so sanitizers and the
// test runner see the failure with a stack trace.
#include <cstdio>
#include <cstdlib>

#include "lib/core/panic.h"

namespace capos {

[[noreturn]] void capos_panic(const char* message, const char* file, int line) {
  (void)std::fprintf(stderr, "capos_panic: %s at %s:%d\n", message, file, line);
  (void)std::fflush(stderr);
  std::abort();
}

}  // namespace capos
