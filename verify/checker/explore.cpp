// verify/checker/explore.cpp — see explore.h.
#include "verify/checker/explore.h"

#include <chrono>
#include <cinttypes>
#include <cstdlib>
#include <ctime>
#include <random>
#include <string>

#include "verify/checker/hash.h"

namespace capos::verify {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// CPU time of this process: the search runs on one thread (fibers), so this is its time.
double cpu_now() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

// The current execution is the path of choices from the root of the choice tree; next()
// moves to the next unexplored sibling of the deepest choice (depth-first order).
class DepthFirst final : public Chooser {
 public:
  explicit DepthFirst(bool hashing) : m_hashing(hashing) {}

  uint32_t choose(uint32_t count, ChoiceKind kind) override {
    if (m_position < m_path.size()) {
      const Step& step = m_path[m_position++];
      if (step.count != count || step.kind != kind) {
        (void)std::fprintf(stderr,
                           "verify: the model is not deterministic: choice %zu had %u options, "
                           "now %u (model state shared between threads outside modelled memory?)\n",
                           m_position - 1, step.count, count);
        std::abort();
      }
      return step.taken;
    }
    m_path.push_back(Step{0, count, kind});
    ++m_position;
    return 0;
  }

  // Only states past the replayed prefix are new; those on it were checked when first reached.
  bool prune(const Hash128& state, uint32_t budget) override {
    if (!m_hashing || m_position < m_path.size()) return false;
    return m_visited.seen(state, budget);
  }

  bool next() {
    m_path.resize(m_position);
    m_position = 0;
    while (!m_path.empty() && m_path.back().taken + 1 >= m_path.back().count) m_path.pop_back();
    if (m_path.empty()) return false;
    ++m_path.back().taken;
    return true;
  }

  [[nodiscard]] std::vector<uint32_t> taken() const {
    std::vector<uint32_t> choices;
    for (size_t i = 0; i < m_position && i < m_path.size(); ++i) choices.push_back(m_path[i].taken);
    return choices;
  }
  [[nodiscard]] size_t depth() const { return m_position; }
  [[nodiscard]] uint64_t states() const { return m_visited.size(); }

 private:
  struct Step {
    uint32_t taken;
    uint32_t count;
    ChoiceKind kind;
  };
  bool m_hashing;
  std::vector<Step> m_path;
  size_t m_position = 0;
  VisitedSet m_visited;
};

class RandomChoices final : public Chooser {
 public:
  explicit RandomChoices(uint64_t seed) : m_random(seed) {}
  uint32_t choose(uint32_t count, ChoiceKind /*kind*/) override {
    const auto chosen = static_cast<uint32_t>(m_random() % count);
    m_taken.push_back(chosen);
    return chosen;
  }
  bool prune(const Hash128& /*state*/, uint32_t /*budget*/) override { return false; }
  void restart() { m_taken.clear(); }
  [[nodiscard]] const std::vector<uint32_t>& taken() const { return m_taken; }

 private:
  std::mt19937_64 m_random;
  std::vector<uint32_t> m_taken;
};

class Replay final : public Chooser {
 public:
  explicit Replay(const std::vector<uint32_t>& choices) : m_choices(choices) {}
  uint32_t choose(uint32_t count, ChoiceKind /*kind*/) override {
    const uint32_t chosen = m_position < m_choices.size() ? m_choices[m_position] : 0;
    ++m_position;
    return chosen < count ? chosen : count - 1;
  }
  bool prune(const Hash128& /*state*/, uint32_t /*budget*/) override { return false; }

 private:
  const std::vector<uint32_t>& m_choices;
  size_t m_position = 0;
};

void attach_trace(Model& model, Outcome& outcome, int preemption_bound) {
  if (!outcome.violation.has_value()) return;
  Violation& violation = *outcome.violation;
  const Outcome replayed = replay(model, violation.choices, preemption_bound);
  violation.reproduced =
      replayed.violation.has_value() && replayed.violation->message == violation.message;
  if (replayed.violation.has_value()) violation.trace = replayed.violation->trace;
}

}  // namespace

Outcome explore(Model& model, const Options& options) {
  Outcome outcome;
  const auto start = Clock::now();
  const double cpu_start = cpu_now();
  const auto over_time = [&] {
    return options.time_limit_seconds > 0 && cpu_now() - cpu_start > options.time_limit_seconds;
  };
  Execution execution(options.preemption_bound, false);
  bool out_of_time = false;

  if (options.mode == Mode::Exhaustive) {
    DepthFirst search(options.state_hashing);
    do {
      const RunStatus status = execution.run(model, search);
      outcome.stats.steps += execution.steps();
      outcome.stats.max_choices = std::max<uint64_t>(outcome.stats.max_choices, search.depth());
      if (status == RunStatus::Violated) {
        outcome.violation = Violation{execution.violation(), search.taken(), {}, false};
        break;
      }
      ++(status == RunStatus::Completed ? outcome.stats.executions : outcome.stats.pruned);
      if (((outcome.stats.executions + outcome.stats.pruned) & 255U) == 0 && over_time()) {
        out_of_time = true;
        break;
      }
    } while (search.next());
    outcome.stats.states = search.states();
  } else {
    RandomChoices random(options.seed);
    for (uint64_t run = 0; run < options.executions; ++run) {
      random.restart();
      const RunStatus status = execution.run(model, random);
      outcome.stats.steps += execution.steps();
      outcome.stats.max_choices =
          std::max<uint64_t>(outcome.stats.max_choices, random.taken().size());
      if (status == RunStatus::Violated) {
        outcome.violation = Violation{execution.violation(), random.taken(), {}, false};
        break;
      }
      ++outcome.stats.executions;
      if (over_time()) {
        out_of_time = true;
        break;
      }
    }
  }
  outcome.stats.seconds = seconds_since(start);
  outcome.stats.cpu_seconds = cpu_now() - cpu_start;
  outcome.complete = !outcome.violation.has_value() && !out_of_time;
  if (outcome.violation.has_value()) attach_trace(model, outcome, options.preemption_bound);
  return outcome;
}

Outcome replay(Model& model, const std::vector<uint32_t>& choices, int preemption_bound) {
  Outcome outcome;
  const auto start = Clock::now();
  Execution execution(preemption_bound, true);
  Replay chooser(choices);
  const RunStatus status = execution.run(model, chooser);
  outcome.stats.steps = execution.steps();
  outcome.stats.executions = 1;
  outcome.stats.seconds = seconds_since(start);
  outcome.complete = true;
  outcome.trace = execution.trace();
  if (status == RunStatus::Violated) {
    outcome.violation = Violation{execution.violation(), choices, outcome.trace, true};
  }
  return outcome;
}

std::string format_choices(const std::vector<uint32_t>& choices) {
  std::string text;
  for (size_t i = 0; i < choices.size(); ++i) {
    if (i > 0) text += '.';
    text += std::to_string(choices[i]);
  }
  return text.empty() ? "-" : text;
}

bool parse_choices(std::string_view text, std::vector<uint32_t>& choices) {
  choices.clear();
  if (text == "-" || text.empty()) return true;
  uint64_t value = 0;
  bool digits = false;
  for (const char c : text) {
    if (c >= '0' && c <= '9') {
      value = value * 10 + static_cast<uint64_t>(c - '0');
      if (value > UINT32_MAX) return false;
      digits = true;
    } else if (c == '.' && digits) {
      choices.push_back(static_cast<uint32_t>(value));
      value = 0;
      digits = false;
    } else {
      return false;
    }
  }
  if (!digits) return false;
  choices.push_back(static_cast<uint32_t>(value));
  return true;
}

void print_outcome(std::FILE* out, std::string_view label, const Options& options,
                   const Outcome& outcome) {
  const Stats& stats = outcome.stats;
  const std::string bound = options.preemption_bound < 0
                                ? "unbounded"
                                : "preemption bound " + std::to_string(options.preemption_bound);
  if (options.mode == Mode::Exhaustive) {
    (void)std::fprintf(
        out,
        "%.*s: exhaustive (%s): %" PRIu64 " states, %" PRIu64 " executions + %" PRIu64
        " pruned, %" PRIu64 " steps, %.2f CPU-s (%.2f s wall)",
        static_cast<int>(label.size()), label.data(), bound.c_str(), stats.states, stats.executions,
        stats.pruned, stats.steps, stats.cpu_seconds, stats.seconds);
  } else {
    (void)std::fprintf(out,
                       "%.*s: random (seed %" PRIu64 ", %s): %" PRIu64 " executions, %" PRIu64
                       " steps, %.2f CPU-s (%.2f s wall)",
                       static_cast<int>(label.size()), label.data(), options.seed, bound.c_str(),
                       stats.executions, stats.steps, stats.cpu_seconds, stats.seconds);
  }
  if (outcome.violation.has_value()) {
    const Violation& violation = *outcome.violation;
    std::string replay = "--replay " + format_choices(violation.choices);
    if (options.preemption_bound >= 0) {
      replay += " --preemption-bound " + std::to_string(options.preemption_bound);
    }
    (void)std::fprintf(out, " -- VIOLATION: %s\n  %s\n%s", violation.message.c_str(),
                       replay.c_str(), violation.trace.c_str());
    if (!violation.reproduced) {
      (void)std::fprintf(out, "  (the traced replay did NOT reproduce it)\n");
    }
  } else {
    (void)std::fprintf(out, " -- %s\n",
                       outcome.complete ? "no violation" : "INCOMPLETE (time limit)");
  }
}

}  // namespace capos::verify
