# Repository gates, run by ctest beside the unit tests (issue: foundation; seed Tier 1).
# Each gate also has a self-test proving it fails on a bad fixture (tests/gates/selftest.sh).
set(CAPOS_ROOT ${PROJECT_SOURCE_DIR})

add_test(NAME gate.format_check COMMAND ${CAPOS_ROOT}/scripts/format-check)
add_test(NAME gate.lint COMMAND ${CAPOS_ROOT}/scripts/lint ${CMAKE_BINARY_DIR})
add_test(NAME gate.freestanding_headers
         COMMAND ${Python3_EXECUTABLE} ${CAPOS_ROOT}/tools/audit/check_headers.py ${CAPOS_ROOT}
                 --build ${CMAKE_BINARY_DIR})
# With --build: every file the build uses (CMakeCache.txt, ninja's commands and dependency log,
# the test commands) must belong to a pinned package or the Debian base system (F-024). Its
# dependency log covers what has been built, so it runs after the build like the other gates.
add_test(NAME gate.dependency_policy
         COMMAND ${CAPOS_EVIDENCE} 13:deps-pinned:tested -- ${Python3_EXECUTABLE} ${CAPOS_ROOT}/tools/audit/dependency_policy.py --root ${CAPOS_ROOT}
                 --build ${CMAKE_BINARY_DIR})
add_test(NAME gate.selftest
         COMMAND ${CAPOS_EVIDENCE} 13:gates-fail-on-bad-input:tested -- ${CAPOS_ROOT}/tests/gates/selftest.sh)
# SAFETY comments, asm/reinterpret_cast placement and the docs/unsafe-surface.txt snapshot
# (tools/audit/README.md). Its pointer-arithmetic pass runs clang -fsyntax-only over this build's
# compile_commands.json, so it needs the build's generated headers: ctest runs after the build.
add_test(NAME gate.unsafe_surface
         COMMAND ${CAPOS_EVIDENCE} 10:windows-audited:tested -- ${Python3_EXECUTABLE} ${CAPOS_ROOT}/tools/audit/unsafe_surface.py check --root ${CAPOS_ROOT}
                 --build ${CMAKE_BINARY_DIR})
set_tests_properties(gate.format_check gate.lint gate.freestanding_headers gate.dependency_policy gate.selftest
                     gate.unsafe_surface PROPERTIES LABELS gate TIMEOUT 900)
# Cold (no cache: one clang -fsyntax-only -ast-dump per translation unit) ~50 s of CPU, 1-3 min on
# 2 cores loaded by parallel builds; a few seconds with its cache (tools/audit/README.md). A hang
# must not wait 900 s.
set_tests_properties(gate.unsafe_surface PROPERTIES TIMEOUT 600)
# Untrusted-path abort audit (seed Tier 1 "untrusted-path panic audit"; tools/audit/README.md
# "Abort audit"): from every entry of tools/audit/untrusted_entries.txt, the fatal sites that
# clang's call graph of the kernel's translation units (this build's compile_commands.json) can
# reach must each be a documented halt policy in docs/abort-inventory.txt, and no unguarded
# Result/index access may be reachable. Cold ~70 s of CPU (~4 min wall on 2 cores loaded by other
# builds; one clang AST dump per kernel unit), a few seconds with its cache
# (<build>/abort-audit-cache.json).
add_test(NAME gate.abort_audit
         COMMAND ${Python3_EXECUTABLE} ${CAPOS_ROOT}/tools/audit/abort_audit.py check --root ${CAPOS_ROOT}
                 --build ${CMAKE_BINARY_DIR})
# Mutants of the shipped code (the deleted BadCap check, a broken StaticVector bound, a
# CapTable::take call, a new exit wrapper, a direct debug_exit) and of the policy files must each
# fail the audit (tests/gates/abort_audit_selftest.py). Runs after gate.abort_audit, whose cache
# it copies, so only the mutated units are re-analysed.
add_test(NAME gate.abort_audit_selftest
         COMMAND ${Python3_EXECUTABLE} ${CAPOS_ROOT}/tests/gates/abort_audit_selftest.py
                 --build ${CMAKE_BINARY_DIR})
set_tests_properties(gate.abort_audit gate.abort_audit_selftest PROPERTIES LABELS gate
                     TIMEOUT 900)
set_tests_properties(gate.abort_audit_selftest PROPERTIES DEPENDS gate.abort_audit)
# clang-tidy over every TU takes minutes on 2 cores (it timed out at 900 s on a machine loaded by
# parallel builds); give it room without letting a hang run forever.
set_tests_properties(gate.lint PROPERTIES TIMEOUT 2400)
# Schema fields only through generated code (F-040): no lib/capnp layout API (StructReader,
# .raw(), .root(), ...) in lib/, kernel/, user/ outside lib/capnp/ and lib/gen/.
add_test(NAME gate.schema_access
         COMMAND ${Python3_EXECUTABLE} ${CAPOS_ROOT}/tools/audit/schema_access.py ${CAPOS_ROOT})
set_tests_properties(gate.schema_access PROPERTIES LABELS gate TIMEOUT 120)
