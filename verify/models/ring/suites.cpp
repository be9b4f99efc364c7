// verify/models/ring/suites.cpp — see suites.h.
#include "verify/models/ring/suites.h"

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace capos::verify::ring {

namespace {

bool matches(std::string_view message, std::string_view alternatives) {
  size_t start = 0;
  while (start <= alternatives.size()) {
    size_t end = alternatives.find('|', start);
    if (end == std::string_view::npos) end = alternatives.size();
    if (message.find(alternatives.substr(start, end - start)) != std::string_view::npos) {
      return true;
    }
    start = end + 1;
  }
  return false;
}

struct Row {
  std::string label;
  Outcome outcome;
  bool ok = false;
};

Job spsc(uint32_t sq, uint32_t cq, const char* user, const char* kernel, bool defer = false) {
  Job job;
  job.config.kind = ModelKind::Spsc;
  job.config.sq = sq;
  job.config.cq = cq;
  job.config.user = user;
  job.config.kernel = kernel;
  job.config.defer = defer;
  return job;
}

Job hostile(uint32_t sq, uint32_t cq, const char* kernel, uint32_t steps, bool defer = false) {
  Job job;
  job.config.kind = ModelKind::Hostile;
  job.config.sq = sq;
  job.config.cq = cq;
  job.config.kernel = kernel;
  job.config.hostile_steps = steps;
  job.config.defer = defer;
  return job;
}

Outcome run(const Job& job, bool& ok, std::string& label) {
  auto model = make_model(job.impl, job.config);
  label = (job.impl == "shipped" ? "" : job.impl + ": ") + describe(job.config);
  if (!model) {
    (void)std::printf("%s: not compiled in (verify_ring --list)\n", label.c_str());
    ok = false;
    return {};
  }
  const Outcome outcome = explore(*model, job.options);
  print_outcome(stdout, label, job.options, outcome);
  if (job.expect.empty()) {
    ok = outcome.complete && !outcome.violation.has_value();
  } else {
    ok = outcome.violation.has_value() && outcome.violation->reproduced &&
         matches(outcome.violation->message, job.expect);
    const std::string verdict =
        ok ? "CAUGHT (as required)"
           : "NOT CAUGHT as required (expected a violation matching \"" + job.expect + "\")";
    (void)std::printf("%s: %s\n", label.c_str(), verdict.c_str());
  }
  (void)std::fflush(stdout);
  return outcome;
}

}  // namespace

bool run_job(const Job& job) {
  bool ok = false;
  std::string label;
  (void)run(job, ok, label);
  return ok;
}

Job mutant_job(const MutantInfo& mutant, const Options& options) {
  Job job;
  job.impl = mutant.name;
  job.config = mutant.config;
  job.options = options;
  job.expect = mutant.expect;
  return job;
}

std::vector<Job> suite_jobs(const std::string& name) {
  std::vector<Job> jobs;
  if (name != "deep") return jobs;
  // Ring sizes 1..8 (powers of two) exhaustively without a preemption bound; every index wraps
  // (first index UINT32_MAX - 1). Scripts fill each queue to its size and past it. About 210
  // CPU seconds in all under ASan (docs/verification.md, Tier 3); every model closes well inside
  // the 240 CPU-second limit of `make model-check-deep`.
  jobs.push_back(spsc(1, 1, "srsrsr", "eee"));
  jobs.push_back(spsc(2, 2, "sssrrr", "eee"));
  jobs.push_back(spsc(2, 1, "sssrrr", "eee"));
  jobs.push_back(spsc(4, 4, "sssssrrrrr", "eee"));
  // 9 SQEs through an 8-slot SQ, every CQE reaped concurrently with the kernel's entries.
  jobs.push_back(spsc(8, 8, "sssssssssrrrrrrrrr", "ee"));
  jobs.push_back(spsc(2, 2, "ssrsrr", "epep", true));
  jobs.push_back(spsc(2, 2, "sxsprr", "eee"));
  // A stray index and its repair in the middle of a full 8-slot SQ.
  jobs.push_back(spsc(8, 8, "sssssxpssssrr", "ee"));
  jobs.push_back(hostile(1, 1, "epe", 3, true));
  jobs.push_back(hostile(2, 2, "epe", 3, true));
  jobs.push_back(hostile(4, 4, "ee", 3));
  jobs.push_back(hostile(8, 8, "ee", 2));
  jobs.push_back(hostile(8, 8, "e", 3));
  return jobs;
}

bool run_suite(const std::string& name, const std::vector<Job>& jobs, double time_limit_seconds) {
  std::vector<Row> rows;
  bool all_ok = true;
  for (Job job : jobs) {
    if (time_limit_seconds > 0) job.options.time_limit_seconds = time_limit_seconds;
    Row row;
    row.outcome = run(job, row.ok, row.label);
    all_ok = all_ok && row.ok;
    rows.push_back(row);
  }
  (void)std::printf(
      "\n| suite %s: model | states | executions | pruned | steps | CPU-s | wall s | result |\n",
      name.c_str());
  (void)std::printf("|---|---|---|---|---|---|---|---|\n");
  for (const Row& row : rows) {
    const Stats& stats = row.outcome.stats;
    const char* result = row.ok                              ? "pass"
                         : row.outcome.violation.has_value() ? "FAIL (violation)"
                         : !row.outcome.complete             ? "INCOMPLETE (time limit)"
                                                             : "FAIL";
    (void)std::printf("| %s | %llu | %llu | %llu | %llu | %.1f | %.1f | %s |\n", row.label.c_str(),
                      static_cast<unsigned long long>(stats.states),
                      static_cast<unsigned long long>(stats.executions),
                      static_cast<unsigned long long>(stats.pruned),
                      static_cast<unsigned long long>(stats.steps), stats.cpu_seconds,
                      stats.seconds, result);
  }
  return all_ok;
}

}  // namespace capos::verify::ring
