// lib/core/panic.h — broken *internal* invariants (never user mistakes; STYLE.md "Errors").
//
// capos_panic is provided once per environment: the kernel prints to the serial console and
// halts, userspace exits through the runtime, host builds print to stderr and abort. lib/ only
// declares it.
#pragma once

namespace capos {

[[noreturn]] void capos_panic(const char* message, const char* file, int line);

}  // namespace capos

// Always on, in every build: a KASSERT that fires is a kernel bug, not a user error.
#define KASSERT(condition)                                                                 \
  do {                                                                                     \
    if (!(condition)) ::capos::capos_panic("KASSERT(" #condition ")", __FILE__, __LINE__); \
  } while (0)
