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

# Abort audit (tools/audit/abort_audit.py): a new fatal site nobody classified, one marked
# UNCLASSIFIED, an entry without a class line and a stale entry each fail the check; `update`
# keeps existing classes, marks new sites UNCLASSIFIED (which check rejects) and drops stale ones.
abort_fixture="${fixtures}/abort"
abort_check=(python3 tools/audit/abort_audit.py check --root "${abort_fixture}")
expect_failure abort-new-site \
  "lib/bad/decode.h:9: KASSERT in decode_length is not in ${abort_fixture}/inventory.txt" \
  "${abort_check[@]}" --inventory "${abort_fixture}/inventory.txt"
expect_failure abort-unclassified "kernel/ok/table.cpp:13: capos_panic in fail is UNCLASSIFIED" \
  "${abort_check[@]}" --inventory "${abort_fixture}/inventory.txt"
expect_failure abort-missing-class "__builtin_trap()\`: no class line" \
  "${abort_check[@]}" --inventory "${abort_fixture}/inventory.txt"
expect_failure abort-stale-entry "stale entry, no such site any more: lib/bad/gone.cpp" \
  "${abort_check[@]}" --inventory "${abort_fixture}/inventory.txt"
abort_tmp="$(mktemp -d)"
cp "${abort_fixture}/inventory.txt" "${abort_tmp}/inventory.txt"
python3 tools/audit/abort_audit.py update --root "${abort_fixture}" \
  --inventory "${abort_tmp}/inventory.txt" >/dev/null
expect_failure abort-update-marks-new \
  "lib/bad/decode.h:9: KASSERT in decode_length is UNCLASSIFIED" \
  "${abort_check[@]}" --inventory "${abort_tmp}/inventory.txt"
if ! grep -q "invariant: callers loop over the table's own size" "${abort_tmp}/inventory.txt" ||
  grep -q "lib/bad/gone.cpp" "${abort_tmp}/inventory.txt"; then
  echo "selftest: abort-update: did not keep the class or did not drop the stale entry" >&2
  failures=$((failures + 1))
else
  echo "selftest: abort-update: kept existing classes and dropped the stale entry"
fi
rm -rf "${abort_tmp}"

# Schema access (tools/audit/schema_access.py, F-031): a hand-written layout read through
# lib/capnp's StructReader, a generated reader's raw() view and an untyped root() each fail;
# lib/capnp itself, comments and strings do not.
expect_failure schema-access-layout-type "lib/manifest/decode.cpp:9: StructReader: lib/capnp's layout API" \
  python3 tools/audit/schema_access.py "${fixtures}/schema_access"
expect_failure schema-access-raw "kernel/cap/escape.cpp:6: .raw(): lib/capnp's layout API" \
  python3 tools/audit/schema_access.py "${fixtures}/schema_access"
expect_failure schema-access-root "user/init/root.cpp:7: .root(): lib/capnp's layout API" \
  python3 tools/audit/schema_access.py "${fixtures}/schema_access"
expect_success schema-access-clean python3 tools/audit/schema_access.py "${fixtures}/schema_access_clean"

if [[ ${failures} -ne 0 ]]; then
  echo "selftest: ${failures} gate(s) failed to reject their bad fixture" >&2
  exit 1
fi
echo "selftest: every gate rejects its bad fixture"
