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

# The opposite check, for gates whose rules have exemptions: a good fixture must PASS, so a gate
# that rejects everything does not satisfy the expect_failure cases above by accident.
expect_success() {  # name, command...
  local name="$1"
  shift
  local output
  if ! output="$("$@" 2>&1)"; then
    echo "selftest: ${name}: gate REJECTED a good fixture:" >&2
    echo "${output}" >&2
    failures=$((failures + 1))
  else
    echo "selftest: ${name}: accepted the good fixture as expected"
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
# Unsafe-surface audit (tools/audit/README.md): --no-compiler skips the clang pointer pass, so
# these run on small fixture trees without a build.
unsafe_check=(python3 tools/audit/unsafe_surface.py check --no-compiler)
expect_failure unsafe-safety-comment "lib/bad/cast.h:5: reinterpret_cast without a SAFETY: comment" \
  "${unsafe_check[@]}" --root "${fixtures}/unsafe" --snapshot /dev/null
expect_failure unsafe-asm-location \
  "kernel/mem/port.h: asm outside kernel/arch/x86_64/ and user/rt/arch/x86_64/ and not in" \
  "${unsafe_check[@]}" --root "${fixtures}/unsafe" --snapshot /dev/null
expect_failure unsafe-cast-location \
  "lib/bad/commented_cast.h: reinterpret_cast outside kernel/arch/x86_64/ and user/rt/arch" \
  "${unsafe_check[@]}" --root "${fixtures}/unsafe" --snapshot /dev/null
expect_failure unsafe-allowlist-reason \
  "tools/audit/unsafe_allowlist.txt:3: kernel/mem/elsewhere.h has no reason" \
  "${unsafe_check[@]}" --root "${fixtures}/unsafe" --snapshot /dev/null
expect_failure unsafe-allowlist-stale "kernel/mem/elsewhere.h has no asm or reinterpret_cast" \
  "${unsafe_check[@]}" --root "${fixtures}/unsafe" --snapshot /dev/null
drift="snapshot drift: kernel/arch/x86_64/port.h: recorded asm=0 reinterpret_cast=0"
drift+=" pointer_arith=0 volatile=0 user_access=0 builtin=0, now asm=1"
expect_failure unsafe-snapshot-drift "${drift}" \
  "${unsafe_check[@]}" --root "${fixtures}/unsafe_drift" \
  --snapshot "${fixtures}/unsafe_drift/snapshot.txt"
expect_failure unsafe-no-snapshot "no snapshot (run make unsafe-surface-update)" \
  "${unsafe_check[@]}" --root "${fixtures}/unsafe_clean" \
  --snapshot "${fixtures}/unsafe_clean/absent.txt"
# Both arch directories, an allowlisted file and a matching snapshot: clean.
expect_success unsafe-clean "${unsafe_check[@]}" --root "${fixtures}/unsafe_clean" \
  --snapshot "${fixtures}/unsafe_clean/snapshot.txt"

# Abort audit: its self-test needs the build's compile_commands.json (a clang call graph of the
# kernel), so it is its own ctest, gate.abort_audit_selftest (tests/gates/abort_audit_selftest.py:
# mutants of the shipped code and of the policy files).

if [[ ${failures} -ne 0 ]]; then
  echo "selftest: ${failures} gate(s) failed to reject their bad fixture" >&2
  exit 1
fi
echo "selftest: every gate rejects its bad fixture"
