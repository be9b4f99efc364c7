// verify/models/ring/suites.h — one checker run of a ring model (a Job), the broken-variant
// jobs, and the deep suite behind `make model-check-deep`.
#pragma once

#include <string>
#include <vector>

#include "verify/checker/explore.h"
#include "verify/models/ring/registry.h"

namespace capos::verify::ring {

struct Job {
  std::string impl = "shipped";
  RingConfig config;
  Options options;
  std::string expect;  // non-empty: success means a violation matching one '|' alternative
};

// Runs `job`, prints its outcome line (and trace on a violation); true when it ended as
// expected: complete without violation, or caught as expected.
bool run_job(const Job& job);
Job mutant_job(const MutantInfo& mutant, const Options& options);
// The jobs of a named suite ("deep"); empty when unknown.
std::vector<Job> suite_jobs(const std::string& name);
// Runs the jobs, each with `time_limit_seconds` (0: the job's own), and prints a summary table.
bool run_suite(const std::string& name, const std::vector<Job>& jobs, double time_limit_seconds);

}  // namespace capos::verify::ring
