// kernel/boot/command_line.h — the kernel's boot options, from the Multiboot2 command line.
//
// Words are separated by spaces. Words starting with "capos." are ours and must be known:
//   capos.selftest=<name>   run one hardware-protection self-test instead of finishing the boot
//                           (tests/qemu only; each ends in a deliberate fault or panic):
//                           pagefault, smap, smep, nx, wp, doublefault, panic, kernelhalf,
//                           usercopy, timer, spurious, switch, irqswitch, stackguard, kernelirq,
//                           and the benchmark bench_switch (prints numbers, asserts none)
//   capos.log=info|debug    debug also prints addresses (section layout, frame numbers)
// An unknown capos.* word, an unknown value or a repeated option is an error (fail closed: a
// typo must not silently boot the default configuration). Other words are ignored.
//
// Portable and host-tested (tests/kernel/boot/).
#pragma once

#include <cstdint>
#include <span>

#include "lib/core/result.h"

namespace capos::kernel::boot {

enum class SelfTest : uint8_t {
  None,
  PageFault,     // write to the unmapped guard page below the kernel stack
  Smap,          // read a user page without stac (after proving a stac window works)
  Smep,          // execute a user page from the kernel
  NoExecute,     // execute a kernel data (NX) page
  WriteProtect,  // write to kernel rodata (CR0.WP + read-only PTE)
  DoubleFault,   // overflow the kernel stack into its guard page: #DF on the IST stack
  Panic,         // a deliberate capos_panic
  KernelHalf,    // after a process table shares the kernel half, a new kernel PML4 slot is refused
  UserCopy,      // the user-copy routine faulting on an unmapped user page returns (F-019 fixup)
  Timer,         // the tick arrives at the calibrated rate (against a PIT interval)
  Spurious,      // the local APIC and 8259 spurious vectors are counted and return
  Switch,        // two kernel threads switch 1000 times keeping registers and FPU/SIMD state
  IrqSwitch,     // each tick switches between two idle kernel threads inside the interrupt
  StackGuard,    // a kernel thread overflowing its pool stack hits the guard: #DF report
  KernelIrq,     // interrupts enabled in the kernel outside the idle wait: refused (panic)
  BenchSwitch,   // benchmark: cycles (instructions under -icount) per context switch
};

enum class LogVerbosity : uint8_t { Info, Debug };

struct BootOptions {
  SelfTest self_test = SelfTest::None;
  LogVerbosity verbosity = LogVerbosity::Info;
};

struct CommandLineError {
  enum class Kind : uint8_t { UnknownOption, UnknownValue, Duplicate };
  Kind kind;
  std::span<const char> word;  // the offending word (a view into the command line)
};

const char* describe(CommandLineError::Kind kind);

// The word that selects `test` ("smap"), or "none".
const char* self_test_name(SelfTest test);

Result<BootOptions, CommandLineError> parse_command_line(std::span<const char> text);

}  // namespace capos::kernel::boot
