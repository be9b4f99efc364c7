// verify/checker/explore.h — running a model over many executions.
//
//   exhaustive  depth-first over every choice (thread to run, store to read, model choice),
//               re-executing the model from the start for each branch (stateless search), with
//               state fingerprints pruning any state already explored (verify/README.md
//               "Reduction"), optionally under a preemption bound;
//   random      independent executions with uniformly random choices from a seed (the
//               Shuttle analogue for long runs and for state spaces too big to exhaust);
//   replay      one execution from a recorded choice string, with a full trace.
// A violation is reported with its choice string, replayed with tracing, and the replay must
// reproduce it (so every reported trace is known to be replayable).
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "verify/checker/execution.h"

namespace capos::verify {

enum class Mode : uint8_t { Exhaustive, Random };

struct Options {
  Mode mode = Mode::Exhaustive;
  int preemption_bound = -1;  // < 0: unbounded
  bool state_hashing = true;  // exhaustive: prune states already explored
  uint64_t seed = 1;          // random
  uint64_t executions = 10000;
  // 0: none; hitting it makes the outcome incomplete. CPU seconds of this process (the
  // search is single-threaded), so the bound reached does not depend on the machine's load.
  double time_limit_seconds = 0;
};

struct Stats {
  uint64_t executions = 0;  // runs that reached the end (finish() ran)
  uint64_t pruned = 0;      // runs cut at a state already explored
  uint64_t states = 0;      // distinct states (scheduling points) explored
  uint64_t steps = 0;       // shared-memory steps executed, re-executions included
  uint64_t max_choices = 0;
  double seconds = 0;      // wall clock
  double cpu_seconds = 0;  // CPU time of the search
};

struct Violation {
  std::string message;
  std::vector<uint32_t> choices;
  std::string trace;
  bool reproduced = false;  // the traced replay hit the same violation
};

struct Outcome {
  Stats stats;
  bool complete = false;  // exhaustive: every state explored; random: every execution run
  std::optional<Violation> violation;
  std::string trace;  // replay(): the execution's trace, violation or not
};

Outcome explore(Model& model, const Options& options);
// Runs the execution `choices` describe (missing choices default to the first option), traced.
Outcome replay(Model& model, const std::vector<uint32_t>& choices, int preemption_bound);

std::string format_choices(const std::vector<uint32_t>& choices);
[[nodiscard]] bool parse_choices(std::string_view text, std::vector<uint32_t>& choices);
void print_outcome(std::FILE* out, std::string_view label, const Options& options,
                   const Outcome& outcome);

}  // namespace capos::verify
