#include "kernel/arch/x86_64/selftest_triggers.h"

#include "kernel/arch/x86_64/apic.h"
#include "kernel/arch/x86_64/interrupts.h"
#include "kernel/arch/x86_64/kernel_image.h"
#include "kernel/arch/x86_64/pic.h"
#include "kernel/arch/x86_64/pit.h"
#include "kernel/arch/x86_64/user_access.h"

namespace capos::kernel::x86_64 {

void execute_at(uint64_t address) {
  // SAFETY: deliberately unsafe; only the NX and SMEP self-tests call this, with an address the
  // kernel just mapped non-executable or user, to prove the CPU refuses to run it.
  asm volatile("call *%0"
               :
               : "r"(address)
               : "memory", "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "cc");
}

uint64_t load_at(uint64_t address) {
  // SAFETY: deliberately unchecked; only the SMAP self-test calls this, with the user probe page
  // it just mapped (inside and outside a stac/clac window). volatile keeps the access in place.
  // NOLINTNEXTLINE(performance-no-int-to-ptr): a probe address chosen by the self-test
  return *reinterpret_cast<const volatile uint64_t*>(address);
}

uint64_t load_in_user_window(uint64_t address) {
  // SAFETY: deliberately unvalidated; only the SMAP self-test calls this, with the user probe
  // page it just mapped present and user-RW. The window (AC = 1) is open for this one load and
  // closes when `window` goes out of scope, before the self-test's read that must fault.
  const UserAccessWindow window;
  return load_at(address);
}

bool user_copy_at(uint64_t address, uint64_t bytes) {
  uint64_t sink = 0;
  if (bytes > sizeof(sink)) return false;
  // SAFETY: deliberately unvalidated; only the usercopy self-test calls this, with an unmapped
  // user address, to prove the copy's #PF fixup (user_copy.S) returns instead of halting. The
  // destination is a local of at least `bytes` bytes.
  const UserAccessWindow window;
  // SAFETY: as above: an unvalidated probe address on purpose; a fault returns false through
  // the copy's fixup, and `sink` holds the at most 8 bytes copied.
  // NOLINTNEXTLINE(performance-no-int-to-ptr): a probe address chosen by the self-test
  return copy_user_bytes(&sink, reinterpret_cast<const void*>(address), bytes);
}

void store_at(uint64_t address, uint64_t value) {
  // SAFETY: deliberately unchecked; only the page-fault self-test calls this, with the unmapped
  // guard page below the boot stack, to prove the MMU refuses the write.
  // NOLINTNEXTLINE(performance-no-int-to-ptr): a probe address chosen by the self-test
  *reinterpret_cast<volatile uint64_t*>(address) = value;
}

void trigger_double_fault() {
  const uint64_t guard_top = stack_guard(KernelStack::Boot) + 4096;
  // SAFETY: deliberately breaks the stack; the CPU turns the resulting fault into #DF on the
  // IST1 stack and the exception handler never returns here.
  asm volatile("movq %0, %%rsp\n\tpushq $0" : : "r"(guard_top) : "memory");
  // SAFETY: the push above cannot complete: the #DF handler reports and exits, never returns.
  __builtin_unreachable();
}

void overflow_stack() { capos_overflow_stack(); }

void raise_spurious_interrupts() {
  raise_software_interrupt(apic_spurious_vector);
  raise_software_interrupt(pic_master_vector_base + 7);
  raise_software_interrupt(pic_master_vector_base + 15);
}

void spin_with_interrupts_enabled() {
  // SAFETY: deliberately breaks the preemption model (only the kernelirq self-test calls it):
  // the interrupt dispatcher must refuse the first interrupt taken here with a panic.
  asm volatile("sti\n1:\n\tpause\n\tjmp 1b" : : : "memory");
  // SAFETY: the spin above never falls through (the dispatcher panics on the first interrupt).
  __builtin_unreachable();
}

void start_reference_interval(uint64_t microseconds) {
  pit_start_one_shot(pit_count_for(microseconds));
}

bool reference_interval_elapsed() { return pit_expired(); }

}  // namespace capos::kernel::x86_64
