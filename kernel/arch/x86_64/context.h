// kernel/arch/x86_64/context.h — a thread's kernel context and the switch between two
// (docs/design.md "Interrupts, time and context switch").
//
// What a thread owns while switched out, and where it is kept:
//   - callee-saved registers + return address: pushed on its own kernel stack
//     (context_switch.S), RSP in saved_rsp;
//   - its user registers: in the interrupt frame (interrupt_entry.S) or SYSCALL frame
//     (syscall_entry.S) at the top of that kernel stack, pushed on kernel entry;
//   - CR3, FS base, the DS/ES/FS/GS selectors: here (read back on switch-out, so what the thread
//     itself changed — a selector load resets the FS base — is what it gets back);
//   - x87/SSE/AVX: the save area at extended_state (the ThreadMemory context area), saved and
//     restored on every switch (eager; fpu.h);
//   - kernel_stack_top: loaded into TSS.RSP0 (interrupts/exceptions from CPL 3) and into the
//     SYSCALL entry's stack word on switch-in, so the next kernel entry lands on its own stack.
// GS base is 0 for every thread and never used (no swapgs, single CPU): a user can only reload
// GS with a selector whose base is 0.
//
// A thread interrupted in user mode, blocked in a system call or idle in the kernel is resumed
// the same way: switch_context returns on its stack into the handler that switched away, which
// unwinds through the interrupt return (iretq) or the SYSCALL return (sysretq) of *that* thread.
#pragma once

#include <cstdint>

#include "kernel/arch/arch.h"
#include "kernel/arch/x86_64/page_table.h"

namespace capos::kernel::x86_64 {

struct ThreadContext {
  uint64_t saved_rsp = 0;
  uint64_t kernel_stack_top = 0;
  uint64_t address_space = 0;  // CR3 value
  uint64_t fs_base = 0;
  uint64_t extended_state = 0;  // address of the save area (fpu.h), 64-byte aligned
  uint16_t ds = 0;
  uint16_t es = 0;
  uint16_t fs = 0;
  uint16_t gs = 0;
};

ThreadContext& boot_context();
void prepare_kernel_thread(ThreadContext& context, const ThreadMemory& memory,
                           const PageTable& space, KernelThreadEntry entry, uint64_t argument);
void prepare_user_thread(ThreadContext& context, const ThreadMemory& memory, const PageTable& space,
                         const UserEntry& entry);
// The same, in the address space whose root is `address_space` (enter_user: the live CR3).
void prepare_user_thread_in(ThreadContext& context, const ThreadMemory& memory,
                            uint64_t address_space, const UserEntry& entry);
void switch_context(ThreadContext& from, ThreadContext& to);

// Bytes of context area a thread needs (the extended-state save area).
uint64_t thread_context_bytes();

}  // namespace capos::kernel::x86_64

extern "C" {
void capos_context_switch(uint64_t* save_rsp, uint64_t load_rsp);
// For the self-test probe (selftest_probes.S): switch_context with C linkage.
void capos_switch_context(capos::kernel::x86_64::ThreadContext* from,
                          capos::kernel::x86_64::ThreadContext* to);
[[noreturn]] void capos_kernel_thread_returned();
}
