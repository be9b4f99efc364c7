// kernel/arch/current.h — the architecture this kernel is built for.
//
// Portable kernel code includes this header and talks to `Arch`. There is one architecture
// today; a second one would add its own directory and be selected by the build system (a
// different include directory), never by #ifdef here.
#pragma once

#include "kernel/arch/arch.h"
#include "kernel/arch/x86_64/platform.h"

namespace capos::kernel {

using Arch = x86_64::Platform;
// One assertion per mechanism, so a missing member names the part of the contract it breaks.
static_assert(ArchConsole<Arch>, "x86_64::Platform: console");
static_assert(ArchPaging<Arch>, "x86_64::Platform: paging");
static_assert(ArchUserMode<Arch>, "x86_64::Platform: user mode");
static_assert(ArchInterrupts<Arch>, "x86_64::Platform: interrupts and time");
static_assert(ArchContextSwitch<Arch>, "x86_64::Platform: context switch");
static_assert(ArchSelfTest<Arch>, "x86_64::Platform: self-test triggers");
static_assert(Architecture<Arch>, "x86_64::Platform must satisfy the Architecture concept");

}  // namespace capos::kernel
