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
# The user-memory door (F-023): an arch header re-exporting it, and a computed include.
expect_failure headers-door-arch-header \
  'kernel/arch/x86_64/reexport.h:4: "kernel/arch/x86_64/user_access.h" (the user-memory door) may' \
  python3 tools/audit/check_headers.py "${fixtures}/headers"
expect_failure headers-computed-include "kernel/cap/computed.cpp:3: computed #include" \
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
# With --build the policy reads what the build uses (CMakeCache.txt, ninja's commands and
# dependency log, the test commands) and asks dpkg who owns each file (here: owners.txt).
deps_build="${fixtures}/deps_build"
deps_build_check=(python3 tools/audit/dependency_policy.py --installed "${deps_build}/installed.txt"
  --owners "${deps_build}/owners.txt" --priorities "${deps_build}/priorities.txt")
expect_success dependency-build-clean "${deps_build_check[@]}" --root "${deps_build}/good" \
  --build "${deps_build}/build_good"
expect_failure dependency-build-unpinned \
  "newpkg: owns /usr/bin/capos-fixture-new, used by the build (CMakeCache.txt CAPOS_NEW_TOOL), but is not pinned" \
  "${deps_build_check[@]}" --root "${deps_build}/good" --build "${deps_build}/build_bad"
expect_failure dependency-build-not-apt \
  "/opt/capos-fixture/bin/tool: used by the build (a build command) but installed by no Debian package" \
  "${deps_build_check[@]}" --root "${deps_build}/good" --build "${deps_build}/build_bad"
expect_failure dependency-base-system-priority \
  "tools/audit/base_system.txt: omega is of priority optional, not the Debian base system" \
  "${deps_build_check[@]}" --root "${deps_build}/bad" --build "${deps_build}/build_good"
expect_failure provenance-compare "output.kernel/capos.iso:" \
  python3 tools/audit/build_provenance.py compare "${fixtures}/provenance/base.txt" \
  "${fixtures}/provenance/candidate.txt"
# Unsafe-surface audit (tools/audit/README.md): --no-compiler skips the clang pass, so these
# run on small fixture trees without a build; the clang pass has its own cases below.
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
expect_failure unsafe-allowlist-stale "kernel/mem/elsewhere.h has no asm, reinterpret_cast or int_to_pointer" \
  "${unsafe_check[@]}" --root "${fixtures}/unsafe" --snapshot /dev/null
# A SAFETY: comment covers its own site only (F-023): not the next statement, not across a
# blank line (the old rule took any SAFETY: within six lines).
expect_failure unsafe-safety-next-statement "lib/bad/far_safety.h:9: reinterpret_cast without a SAFETY" \
  "${unsafe_check[@]}" --root "${fixtures}/unsafe" --snapshot /dev/null
expect_failure unsafe-safety-blank-line "lib/bad/far_safety.h:15: reinterpret_cast without a SAFETY" \
  "${unsafe_check[@]}" --root "${fixtures}/unsafe" --snapshot /dev/null
# Every spelling of inline asm (F-023): __asm, a machine intrinsic, a .S file outside the arch
# folder that emits stac as bytes, a host/ folder (no longer skipped), a .cxx file, and a
# privileged instruction in a file the allowlist lets use asm.
expect_failure unsafe-asm-spelling "kernel/cap/spellings.cpp: asm outside kernel/arch/x86_64/" \
  "${unsafe_check[@]}" --root "${fixtures}/unsafe" --snapshot /dev/null
expect_failure unsafe-asm-intrinsic "kernel/cap/intrinsic.cpp: asm outside kernel/arch/x86_64/" \
  "${unsafe_check[@]}" --root "${fixtures}/unsafe" --snapshot /dev/null
expect_failure unsafe-asm-file-location "kernel/cap/sneaky.S: assembly file outside kernel/arch" \
  "${unsafe_check[@]}" --root "${fixtures}/unsafe" --snapshot /dev/null
expect_failure unsafe-asm-file-bytes "kernel/cap/sneaky.S: privileged instruction stac/clac bytes" \
  "${unsafe_check[@]}" --root "${fixtures}/unsafe" --snapshot /dev/null
expect_failure unsafe-host-folder "kernel/host/hidden.h: asm outside kernel/arch/x86_64/" \
  "${unsafe_check[@]}" --root "${fixtures}/unsafe" --snapshot /dev/null
expect_failure unsafe-cxx-suffix "kernel/cap/odd.cxx: reinterpret_cast outside kernel/arch/" \
  "${unsafe_check[@]}" --root "${fixtures}/unsafe" --snapshot /dev/null
expect_failure unsafe-privileged-allowlisted \
  "lib/allowed/string_ops.cpp:6: privileged instruction wrmsr outside kernel/arch/x86_64/" \
  "${unsafe_check[@]}" --root "${fixtures}/unsafe" --snapshot /dev/null
expect_failure unsafe-door-stac "lib/allowed/string_ops.cpp:6: names the user-memory door (stac)" \
  "${unsafe_check[@]}" --root "${fixtures}/unsafe" --snapshot /dev/null
expect_failure unsafe-door-symbol \
  "kernel/cap/door_text.cpp:4: names the user-memory door (capos_user_copy) outside" \
  "${unsafe_check[@]}" --root "${fixtures}/unsafe" --snapshot /dev/null
# One site per asm spelling in the arch folder, counted against a snapshot written by hand: a
# spelling the audit stopped matching changes asm=9.
expect_success unsafe-asm-spellings-counted "${unsafe_check[@]}" \
  --root "${fixtures}/unsafe_spellings" --snapshot "${fixtures}/unsafe_spellings/snapshot.txt"
drift="snapshot drift: kernel/arch/x86_64/port.h: recorded asm=0 reinterpret_cast=0"
drift+=" int_to_pointer=0 pointer_arith=0 volatile=0 user_access=0 builtin=0, now asm=1"
expect_failure unsafe-snapshot-drift "${drift}" \
  "${unsafe_check[@]}" --root "${fixtures}/unsafe_drift" \
  --snapshot "${fixtures}/unsafe_drift/snapshot.txt"
expect_failure unsafe-no-snapshot "no snapshot (run make unsafe-surface-update)" \
  "${unsafe_check[@]}" --root "${fixtures}/unsafe_clean" \
  --snapshot "${fixtures}/unsafe_clean/absent.txt"
# Both arch directories, allowlisted files, SAFETY: comments tied as the rule allows and a
# matching snapshot: clean.
expect_success unsafe-clean "${unsafe_check[@]}" --root "${fixtures}/unsafe_clean" \
  --snapshot "${fixtures}/unsafe_clean/snapshot.txt"

# The clang pass (AST + -Wunsafe-buffer-usage) and the boot-code checks over a fixture build:
# compile_commands.json and build.ninja from the templates in <fixture>/build/, with the fixture
# root, the repository (for the real door header) and the scratch build directory filled in.
fixture_build() {  # fixture-root -> prints a fresh build directory
  local directory
  directory="$(mktemp -d)"
  for file in compile_commands.json build.ninja; do
    sed -e "s|@ROOT@|${PWD}/$1|g" -e "s|@REPO@|${PWD}|g" -e "s|@BUILD@|${directory}|g" \
      "$1/build/${file}.in" >"${directory}/${file}"
  done
  echo "${directory}"
}
ast_build="$(fixture_build "${fixtures}/unsafe_ast")"
ast_check=(python3 tools/audit/unsafe_surface.py check --root "${fixtures}/unsafe_ast"
  --build "${ast_build}" --snapshot /dev/null)
door_where="kernel/mem/user_ptr.h, kernel/arch/user_access.h, kernel/arch/x86_64/user_access.h"
# The attack of issue 13 on target 10, one move per file in kernel/cap/: (1) open the SMAP
# window, (2) bit_cast an integer to a pointer, (3) read user memory without validate_user_buffer
# through the copy routine's symbol.
expect_failure door-attack-window-include \
  'kernel/cap/attack_window.cpp:7: "kernel/arch/user_access.h" (the user-memory door) may be' \
  python3 tools/audit/check_headers.py "${fixtures}/unsafe_ast" --build "${ast_build}"
expect_failure door-attack-window-names \
  "kernel/cap/attack_window.cpp:13: names the user-memory door (UserAccessWindow) outside ${door_where}" \
  "${ast_check[@]}"
expect_failure door-attack-window-pasted \
  "kernel/cap/attack_window_pasted.cpp:14: names the user-memory door (UserAccessWindow) outside ${door_where} and kernel/arch/x86_64/*.cpp/.S (clang AST)" \
  "${ast_check[@]}"
expect_failure door-attack-bitcast \
  "kernel/cap/attack_bitcast.cpp: int_to_pointer outside kernel/arch/x86_64/ and user/rt/arch" \
  "${ast_check[@]}"
expect_failure door-attack-copy \
  "kernel/cap/attack_copy.cpp:9: names the user-memory door (capos_user_copy) outside ${door_where} and kernel/arch/x86_64/*.cpp/.S (clang AST)" \
  "${ast_check[@]}"
# Integer -> pointer and asm in spellings only the AST sees.
for spelling in cast_c_style cast_functional memcpy_pointer union_pun builtin_bitcast; do
  expect_failure "ast-int-to-pointer-${spelling}" \
    "kernel/cap/${spelling}.cpp: int_to_pointer outside kernel/arch/x86_64/" "${ast_check[@]}"
done
expect_failure ast-asm-pasted "kernel/cap/asm_pasted.cpp: asm outside kernel/arch/x86_64/" \
  "${ast_check[@]}"
# No unchecked folder or file: what the fixture kernel compiles is audited wherever it lies.
expect_failure boot-host-folder "kernel/host/compiled.cpp: asm outside kernel/arch/x86_64/" \
  "${ast_check[@]}"
expect_failure boot-host-folder-headers \
  "kernel/host/helper.h:5: <cstdlib> is not in the freestanding allowlist" \
  python3 tools/audit/check_headers.py "${fixtures}/unsafe_ast" --build "${ast_build}"
expect_failure boot-outside-tops \
  "tools/outside.cpp: compiled into a boot image but outside lib, kernel, user/" "${ast_check[@]}"
expect_failure boot-unaudited-read \
  "kernel/cap/payload.txt: read by boot translation unit kernel/cap/reads_unaudited.cpp but not" \
  "${ast_check[@]}"
expect_failure boot-not-freestanding \
  "kernel/cap/hosted.cpp: compiled into a boot image without -ffreestanding" "${ast_check[@]}"
rm -rf "${ast_build}"
# The good fixture through the same clang pass: arch-folder casts and asm, a pointer subscript
# with its SAFETY: above a statement continued over lines, a non-pointer bit_cast and union;
# counts against a snapshot written by hand. Its host/ tool (not linked into the fixture
# kernel) is exempt from the include policy with --build, and only with it.
clean_build="$(fixture_build "${fixtures}/unsafe_ast_clean")"
expect_success ast-clean python3 tools/audit/unsafe_surface.py check \
  --root "${fixtures}/unsafe_ast_clean" --build "${clean_build}" \
  --snapshot "${fixtures}/unsafe_ast_clean/snapshot.txt"
expect_success headers-host-exempt-from-build \
  python3 tools/audit/check_headers.py "${fixtures}/unsafe_ast_clean" --build "${clean_build}"
expect_failure headers-host-needs-build "kernel/host/tool.cpp:3: <cstdio> is not in the" \
  python3 tools/audit/check_headers.py "${fixtures}/unsafe_ast_clean"
rm -rf "${clean_build}"

# Abort audit: its self-test needs the build's compile_commands.json (a clang call graph of the
# kernel), so it is its own ctest, gate.abort_audit_selftest (tests/gates/abort_audit_selftest.py:
# mutants of the shipped code and of the policy files).

# Schema access (tools/audit/schema_access.py, F-040): a hand-written layout read through
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
