// kernel/selftest/selftest.h — hardware-protection self-tests (seed Tier 1 "Hardware protection
// smoke tests"), selected by capos.selftest=<name> on the boot command line and run by
// tests/qemu once paging and NX/WP/SMEP/SMAP are live.
//
// Each test performs one access the protections must refuse and expects the exception handler
// to report it and leave with the FAIL exit code; tests/qemu check the report (vector, error
// code, CR2). If the access does not fault, the test prints "selftest <name>: FAILED: no fault"
// and also exits FAIL, so a test can only pass by seeing the expected report. The exception is
// kernelhalf, which checks a refusal (no access is made) and exits PASS only when it sees it.
#pragma once

#include "kernel/boot/command_line.h"

namespace capos::kernel {

// Never returns. Precondition: test != SelfTest::None.
[[noreturn]] void run_self_test(boot::SelfTest test);

}  // namespace capos::kernel
