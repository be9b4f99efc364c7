// verify/checker/panic_hook.cpp — capos_panic for model-checker binaries: a KASSERT (or an
// unchecked Result) that fires inside an execution is a violation of that execution, reported
// with its replayable trace like any other, instead of aborting the whole exploration.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "lib/core/panic.h"
#include "verify/checker/execution.h"

namespace capos {

[[noreturn]] void capos_panic(const char* message, const char* file, int line) {
  if (verify::Execution* execution = verify::Execution::active()) {
    execution->fail(std::string("capos_panic: ") + message + " at " + file + ":" +
                    std::to_string(line));
  }
  (void)std::fprintf(stderr, "capos_panic: %s at %s:%d\n", message, file, line);
  (void)std::fflush(stderr);
  std::abort();
}

}  // namespace capos
