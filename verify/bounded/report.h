// verify/bounded/report.h — how every prover in verify/bounded reports, and its exit status.
//
// Each line names the property, the bound it holds within, and the effort (states, transitions,
// depth, seconds). A prover exits 0 only if every property was proved (explorations closed, SMT
// queries unsat); a self-test exits 0 only if every deliberately broken variant was caught.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

#include "verify/bounded/state_space.h"

namespace capos::verify {

// Command line shared by the provers: --self-test runs the broken variants, --deep the larger
// bounds (make prove-deep).
struct Options {
  bool self_test = false;
  bool deep = false;
};

inline Options parse_options(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view argument(argv[i]);  // NOLINT: argv is the C entry-point interface
    if (argument == "--self-test") options.self_test = true;
    if (argument == "--deep") options.deep = true;
  }
  return options;
}

class Report {
 public:
  // A self-test report passes only if every broken variant was caught.
  explicit Report(bool self_test = false) : m_self_test(self_test) {}

  // A property explored to its fixed point (or not).
  void exploration(const std::string& property, const std::string& bound, const Outcome& outcome) {
    if (outcome.violated()) {
      std::printf("VIOLATED %s [%s]: %s\n", property.c_str(), bound.c_str(),
                  outcome.violation.c_str());
      print_trace(outcome);
      m_ok = false;
      return;
    }
    std::printf("%s %s [%s]: %llu states, %llu transitions, depth %u, %.2f s\n",
                outcome.closed ? "PROVED" : "NOT CLOSED", property.c_str(), bound.c_str(),
                static_cast<unsigned long long>(outcome.states),
                static_cast<unsigned long long>(outcome.transitions), outcome.depth,
                outcome.seconds);
    if (!outcome.closed) m_ok = false;
    std::fflush(stdout);
  }

  // A broken variant run through the same exploration: it must be reported.
  void broken_variant(const std::string& variant, const Outcome& outcome) {
    if (outcome.violated()) {
      std::printf("CAUGHT %s: %s (after %zu operations, %llu states, %.2f s)\n", variant.c_str(),
                  outcome.violation.c_str(), outcome.trace.size() + 1,
                  static_cast<unsigned long long>(outcome.states), outcome.seconds);
      print_trace(outcome);
    } else {
      std::printf("MISSED %s: the broken variant passed (%llu states)\n", variant.c_str(),
                  static_cast<unsigned long long>(outcome.states));
      m_ok = false;
    }
    std::fflush(stdout);
  }

  // A result that is not an exploration (an SMT query, a cross-check).
  void line(bool ok, const std::string& text) {
    std::printf("%s\n", text.c_str());
    if (!ok) m_ok = false;
    std::fflush(stdout);
  }

  [[nodiscard]] int exit_status() const {
    const char* success =
        m_self_test ? "RESULT: every broken variant caught" : "RESULT: all proved";
    std::printf("%s\n", m_ok ? success : "RESULT: FAILED");
    return m_ok ? 0 : 1;
  }

 private:
  static void print_trace(const Outcome& outcome) {
    constexpr size_t shown = 12;
    const size_t skip = outcome.trace.size() > shown ? outcome.trace.size() - shown : 0;
    std::printf("  trace (%zu operations%s):", outcome.trace.size(),
                skip > 0 ? ", last shown" : "");
    for (size_t i = skip; i < outcome.trace.size(); ++i) {
      std::printf(" %s;", outcome.trace[i].c_str());
    }
    std::printf("\n");
  }

  bool m_self_test;
  bool m_ok = true;
};

}  // namespace capos::verify
