#!/usr/bin/env bash
# Gate self-test: each repository gate must FAIL on a fixture that breaks its rule, with the
# expected message. A gate that passes a bad fixture is itself broken, and so is this test.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
fixtures=tests/gates/fixtures
failures=0

expect_failure() {  # name, expected-substring, command...
  local name="$1" expected="$2"
  shift 2
  local output status
  output="$("$@" 2>&1)"
  status=$?
  if [[ ${status} -eq 0 ]]; then
    echo "selftest: ${name}: gate PASSED a bad fixture" >&2
    failures=$((failures + 1))
  elif [[ "${output}" != *"${expected}"* ]]; then
    echo "selftest: ${name}: failed without the expected message '${expected}':" >&2
    echo "${output}" >&2
    failures=$((failures + 1))
  else
    echo "selftest: ${name}: rejected the bad fixture as expected"
  fi
}

expect_failure headers-allowlist "<vector> is not in the freestanding allowlist" \
  python3 tools/audit/check_headers.py "${fixtures}/headers"
expect_failure headers-direction '"kernel/arch/x86_64/cpu.h": lib/ may include only lib/' \
  python3 tools/audit/check_headers.py "${fixtures}/headers"
expect_failure format "not formatted: ${fixtures}/format/misformatted.cpp" \
  scripts/format-check "${fixtures}/format/misformatted.cpp"
expect_failure lint "readability-identifier-naming" \
  clang-tidy-19 --quiet --config-file=.clang-tidy "${fixtures}/lint/naming.cpp" -- -std=c++20

expect_failure dependency-drift "alpha: pinned 1.0-1 but 1.0-2 is installed (drift)" \
  python3 tools/audit/dependency_policy.py --root "${fixtures}/deps" \
  --installed "${fixtures}/deps/installed.txt"
expect_failure dependency-rationale "beta: no rationale row in docs/trusted-build-inputs.md" \
  python3 tools/audit/dependency_policy.py --root "${fixtures}/deps" \
  --installed "${fixtures}/deps/installed.txt"
expect_failure provenance-compare "output.kernel/capos.iso:" \
  python3 tools/audit/build_provenance.py compare "${fixtures}/provenance/base.txt" \
  "${fixtures}/provenance/candidate.txt"
expect_failure unsafe-safety-comment "lib/bad/cast.h:5: reinterpret_cast without a SAFETY: comment" \
  python3 tools/audit/unsafe_surface.py check --no-compiler --root "${fixtures}/unsafe" \
  --snapshot /dev/null
expect_failure unsafe-location "lib/bad/cast.h: reinterpret_cast outside kernel/arch/x86_64/" \
  python3 tools/audit/unsafe_surface.py check --no-compiler --root "${fixtures}/unsafe" \
  --snapshot /dev/null
expect_failure unsafe-snapshot-drift "snapshot drift: kernel/arch/x86_64/port.h" \
  python3 tools/audit/unsafe_surface.py check --no-compiler --root "${fixtures}/unsafe_drift" \
  --snapshot "${fixtures}/unsafe_drift/snapshot.txt"

if [[ ${failures} -ne 0 ]]; then
  echo "selftest: ${failures} gate(s) failed to reject their bad fixture" >&2
  exit 1
fi
echo "selftest: every gate rejects its bad fixture"
