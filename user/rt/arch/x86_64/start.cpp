// user/rt/arch/x86_64/start.cpp — the process entry point.
//
// SPEC §4: the kernel starts a process at its ELF entry with rdi = RING_VADDR, rsi = pid,
// rdx = CAPSET_VADDR and a 16-byte-aligned rsp. _start passes them on unchanged to
// capos_rt_start (user/rt/runtime.cpp); the call pushes the return address, which gives the
// callee the ABI's entry alignment (rsp + 8 aligned to 16).
#include <cstdint>

extern "C" [[noreturn]] void capos_rt_start(uint64_t ring, uint64_t pid, uint64_t capset);

extern "C" [[gnu::naked, gnu::section(".text._start")]] void _start() {  // NOLINT
  // SAFETY: naked: no prologue touches the stack before the frame chain is terminated; the
  // registers the kernel set are the arguments of the call, which never returns (ud2 after).
  asm volatile(
      "xorl %ebp, %ebp\n\t"
      "call capos_rt_start\n\t"
      "ud2");
}
