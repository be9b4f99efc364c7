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
static_assert(Architecture<Arch>, "x86_64::Platform must satisfy the Architecture concept");

}  // namespace capos::kernel
