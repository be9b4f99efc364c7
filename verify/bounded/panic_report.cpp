// verify/bounded/panic_report.cpp — capos_panic for the provers (and their mutants): a KASSERT
// that fires in the real lib/ code under a prover is a violation of the property being proved,
// reported on stdout like any other (VIOLATED ..., with the operations that reached the state
// when an exploration is running) and ended with the provers' failure status 1, instead of an
// abort. Linked as an object, so it takes precedence over lib/core's host capos_panic.
#include <cstdio>
#include <cstdlib>

#include "lib/core/panic.h"
#include "verify/bounded/state_space.h"

namespace capos {

[[noreturn]] void capos_panic(const char* message, const char* file, int line) {
  std::printf("VIOLATED capos_panic: %s at %s:%d (a KASSERT of the code under proof fired)\n",
              message, file, line);
  if (verify::panic_trace()) verify::panic_trace()();
  std::printf("RESULT: FAILED\n");
  (void)std::fflush(stdout);
  std::_Exit(1);
}

}  // namespace capos
