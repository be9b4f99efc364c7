// verify_ring — the ring models under the model checker (verify/README.md has examples).
//
//   verify_ring [--model spsc|hostile] [--sq N] [--cq N] [--user S] [--kernel S] [--budget N]
//               [--defer] [--hostile-steps N] [--first N] [--impl NAME]
//               [--preemption-bound N] [--random N [--seed S]] [--no-hash] [--time-limit SEC]
//               [--replay CHOICES] [--expect-violation PATTERN]
//   verify_ring --mutant NAME | --all-mutants     a broken variant must be caught
//   verify_ring --suite default|deep [--time-limit SEC]
//   verify_ring --list
// Exit status: 0 when the run ended as expected (no violation, complete; or, with
// --expect-violation / --mutant, a violation matching the pattern), 1 otherwise, 2 on usage.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "tools/verify_report/evidence.h"
#include "verify/checker/explore.h"
#include "verify/models/ring/registry.h"
#include "verify/models/ring/suites.h"

namespace capos::verify::ring {
namespace {

int usage(const char* problem) {
  (void)std::fprintf(stderr, "verify_ring: %s (see the header of verify/models/ring/main.cpp)\n",
                     problem);
  return 2;
}

bool parse_number(std::string_view text, uint64_t& value) {
  if (text.empty()) return false;
  value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9' || value > UINT32_MAX) return false;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  return true;
}

int list() {
  (void)std::printf("models (impl kind sq cq):\n");
  for (const ModelEntry& entry : model_registry()) {
    (void)std::printf("  %-34s %-7s %u %u\n", entry.impl.c_str(),
                      entry.kind == ModelKind::Spsc ? "spsc" : "hostile", entry.sq, entry.cq);
  }
  (void)std::printf("mutants:\n");
  for (const MutantInfo& mutant : mutant_catalogue()) {
    (void)std::printf("  %-34s %s: %s\n", mutant.name.c_str(), mutant.source.c_str(),
                      mutant.why.c_str());
  }
  return 0;
}

// The parts of seed targets 5 and 7 a run of the shipped ring shows (docs/verification-
// targets.toml): an exhaustive run with no preemption bound proves them for its script, a
// bounded or random run tests them.
void print_evidence(const Job& job) {
  using verify_report::EvidenceKind;
  const EvidenceKind kind = job.options.mode == Mode::Exhaustive && job.options.preemption_bound < 0
                                ? EvidenceKind::Proved
                                : EvidenceKind::Tested;
  if (job.config.kind == ModelKind::Hostile) {
    verify_report::evidence(7, "bounded-poll", kind);
    verify_report::evidence(5, "fail-closed", kind);
    return;
  }
  verify_report::evidence(5, "no-lost-cqe", kind);
  verify_report::evidence(5, "no-double-cqe", kind);
  verify_report::evidence(5, "window-bound", kind);
  if (job.config.user.find('x') != std::string::npos)
    verify_report::evidence(5, "fail-closed", kind);
}

int run_main(int argc, char** argv) {
  register_shipped_models();
  register_mutant_models();

  Job job;
  std::string suite;
  std::string mutant;
  bool all_mutants = false;
  std::vector<uint32_t> replay_choices;
  bool replaying = false;
  std::vector<std::string_view> args(argv + 1, argv + argc);
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    const bool has_value = i + 1 < args.size();
    const std::string_view value = has_value ? args[i + 1] : std::string_view{};
    uint64_t number = 0;
    auto numeric = [&]() {
      if (!has_value || !parse_number(value, number)) return false;
      ++i;
      return true;
    };
    if (arg == "--list") return list();
    if (arg == "--defer") {
      job.config.defer = true;
    } else if (arg == "--no-hash") {
      job.options.state_hashing = false;
    } else if (arg == "--all-mutants") {
      all_mutants = true;
    } else if (arg == "--model" && has_value) {
      if (value != "spsc" && value != "hostile") return usage("--model is spsc or hostile");
      job.config.kind = value == "spsc" ? ModelKind::Spsc : ModelKind::Hostile;
      ++i;
    } else if (arg == "--user" && has_value) {
      job.config.user = std::string(value);
      ++i;
    } else if (arg == "--kernel" && has_value) {
      job.config.kernel = std::string(value);
      ++i;
    } else if (arg == "--impl" && has_value) {
      job.impl = std::string(value);
      ++i;
    } else if (arg == "--suite" && has_value) {
      suite = std::string(value);
      ++i;
    } else if (arg == "--mutant" && has_value) {
      mutant = std::string(value);
      ++i;
    } else if (arg == "--expect-violation" && has_value) {
      job.expect = std::string(value);
      ++i;
    } else if (arg == "--replay" && has_value) {
      if (!parse_choices(value, replay_choices)) return usage("bad --replay choice string");
      replaying = true;
      ++i;
    } else if (arg == "--sq" && numeric()) {
      job.config.sq = static_cast<uint32_t>(number);
    } else if (arg == "--cq" && numeric()) {
      job.config.cq = static_cast<uint32_t>(number);
    } else if (arg == "--budget" && numeric()) {
      job.config.budget = static_cast<uint32_t>(number);
    } else if (arg == "--first" && numeric()) {
      job.config.first_index = static_cast<uint32_t>(number);
    } else if (arg == "--hostile-steps" && numeric()) {
      job.config.hostile_steps = static_cast<uint32_t>(number);
    } else if (arg == "--preemption-bound" && numeric()) {
      job.options.preemption_bound = static_cast<int>(number);
    } else if (arg == "--random" && numeric()) {
      job.options.mode = Mode::Random;
      job.options.executions = number;
    } else if (arg == "--seed" && numeric()) {
      job.options.seed = number;
    } else if (arg == "--time-limit" && numeric()) {
      job.options.time_limit_seconds = static_cast<double>(number);
    } else {
      return usage(("unknown or incomplete option " + std::string(arg)).c_str());
    }
  }

  if (!suite.empty()) {
    const auto jobs = suite_jobs(suite);
    if (jobs.empty()) return usage("--suite is default or deep");
    return run_suite(suite, jobs, job.options.time_limit_seconds) ? 0 : 1;
  }
  if (all_mutants || !mutant.empty()) {
    bool all_caught = true;
    bool found = false;
    for (const MutantInfo& info : mutant_catalogue()) {
      if (!all_mutants && info.name != mutant) continue;
      found = true;
      all_caught = run_job(mutant_job(info, job.options)) && all_caught;
    }
    if (!found) return usage("no such mutant (--list)");
    return all_caught ? 0 : 1;
  }
  if (replaying) {
    auto model = make_model(job.impl, job.config);
    if (!model) return usage("that model/geometry/implementation is not compiled in (--list)");
    const Outcome outcome = replay(*model, replay_choices, job.options.preemption_bound);
    (void)std::printf("replay of %s on %s:\n%s", model->describe().c_str(), job.impl.c_str(),
                      outcome.trace.c_str());
    if (outcome.violation.has_value()) {
      (void)std::printf("VIOLATION: %s\n", outcome.violation->message.c_str());
      return job.expect.empty() ? 1 : 0;
    }
    (void)std::printf("no violation\n");
    return job.expect.empty() ? 0 : 1;
  }
  if (job.expect.empty() && job.impl == "shipped") print_evidence(job);
  return run_job(job) ? 0 : 1;
}

}  // namespace
}  // namespace capos::verify::ring

int main(int argc, char** argv) { return capos::verify::ring::run_main(argc, argv); }
