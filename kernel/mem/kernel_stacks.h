// kernel/mem/kernel_stacks.h — the kernel's pool of per-thread kernel stacks
// (kernel_stack_pool.h over the kernel page table and the frame allocator).
#pragma once

#include "kernel/mem/kernel_stack_pool.h"
#include "lib/core/result.h"

namespace capos::kernel::mem {

// A stack + context area for one thread (Exhausted, or out of frames: nothing taken).
Result<KernelStack> allocate_kernel_stack();
// Unmaps it, drops its TLB entries and returns its frames. Never for the running thread's stack.
void release_kernel_stack(const KernelStack& stack);
[[nodiscard]] size_t kernel_stacks_live();

}  // namespace capos::kernel::mem
