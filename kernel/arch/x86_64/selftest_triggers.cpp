#include "kernel/arch/x86_64/selftest_triggers.h"

#include "kernel/arch/x86_64/kernel_image.h"

namespace capos::kernel::x86_64 {

void execute_at(uint64_t address) {
  // SAFETY: deliberately unsafe; only the NX and SMEP self-tests call this, with an address the
  // kernel just mapped non-executable or user, to prove the CPU refuses to run it.
  asm volatile("call *%0"
               :
               : "r"(address)
               : "memory", "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "cc");
}

void trigger_double_fault() {
  const uint64_t guard_top = stack_guard(KernelStack::Boot) + 4096;
  // SAFETY: deliberately breaks the stack; the CPU turns the resulting fault into #DF on the
  // IST1 stack and the exception handler never returns here.
  asm volatile("movq %0, %%rsp\n\tpushq $0" : : "r"(guard_top) : "memory");
  __builtin_unreachable();
}

}  // namespace capos::kernel::x86_64
