# Repository gates, run by ctest beside the unit tests (issue: foundation; seed Tier 1).
# Each gate also has a self-test proving it fails on a bad fixture (tests/gates/selftest.sh).
set(CAPOS_ROOT ${PROJECT_SOURCE_DIR})

add_test(NAME gate.format_check COMMAND ${CAPOS_ROOT}/scripts/format-check)
add_test(NAME gate.lint COMMAND ${CAPOS_ROOT}/scripts/lint ${CMAKE_BINARY_DIR})
add_test(NAME gate.freestanding_headers
         COMMAND python3 ${CAPOS_ROOT}/tools/audit/check_headers.py ${CAPOS_ROOT})
add_test(NAME gate.dependency_policy
         COMMAND python3 ${CAPOS_ROOT}/tools/audit/dependency_policy.py --root ${CAPOS_ROOT})
add_test(NAME gate.selftest COMMAND ${CAPOS_ROOT}/tests/gates/selftest.sh)
set_tests_properties(gate.format_check gate.lint gate.freestanding_headers gate.dependency_policy gate.selftest
                     PROPERTIES LABELS gate TIMEOUT 900)
# clang-tidy over every TU takes minutes on 2 cores (it timed out at 900 s on a machine loaded by
# parallel builds); give it room without letting a hang run forever.
set_tests_properties(gate.lint PROPERTIES TIMEOUT 2400)
