// tools/verify_report/evidence.h — how a test says which part of a verification target it shows.
//
// A test prints one line per part it checks (docs/verification-targets.toml lists every target's
// parts; tools/verify_report/README.md the format):
//   VERIFY-EVIDENCE target=12 part=log-bytes kind=tested
//   VERIFY-EVIDENCE target=1 part=stale-ids kind=proved scope=size4
// The dashboard counts a part as covered only if a test that printed it passed; a failing
// test turns the part red. So print the line where the test starts checking the part, never
// conditionally on success, and only for a part the test really shows.
// kind: proved (exhaustive within a stated bound, or for all values) or tested (examples,
// random cases, fuzzing, QEMU runs). Host-only (tests, provers); prints each line once per
// process, so a property body run many times prints it once.
#pragma once

#include <cstdio>
#include <set>
#include <string>

namespace capos::verify_report {

enum class EvidenceKind { Proved, Tested };

inline void evidence(int target, const char* part, EvidenceKind kind, const char* scope = nullptr) {
  static std::set<std::string> printed;
  std::string line = "VERIFY-EVIDENCE target=" + std::to_string(target) + " part=" + part +
                     " kind=" + (kind == EvidenceKind::Proved ? "proved" : "tested");
  if (scope != nullptr) line += std::string(" scope=") + scope;
  if (!printed.insert(line).second) return;
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

}  // namespace capos::verify_report
