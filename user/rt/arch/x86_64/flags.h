// user/rt/arch/x86_64/flags.h — RFLAGS.AC and DF set / AC cleared from user mode, for the hostile
// preemption probe (user/tests/hostile/register_probe.cpp), which checks that the kernel's
// interrupt entry clears both for itself and gives them back. popfq is on the unsafe-surface
// audit's privileged list, so it lives here, in the user runtime's arch folder, not in the test.
// Each helper changes only RFLAGS (and the 8 bytes below RSP it pushes), so the probe can call it
// with every register holding a pattern.
#pragma once

// Sets AC (bit 18) and DF (bit 10).
extern "C" [[gnu::naked, gnu::used]] inline void capos_rt_set_ac_df() {
  // SAFETY: pushes RFLAGS, ORs AC and DF into the copy, pops it back; at CPL 3 popfq cannot change
  // IOPL or IF, and AC/DF only affect this thread's alignment checks and string direction.
  asm volatile("pushfq\n\torq $0x40400, (%rsp)\n\tpopfq\n\tret");
}

// Clears AC.
extern "C" [[gnu::naked, gnu::used]] inline void capos_rt_clear_ac() {
  // SAFETY: as capos_rt_set_ac_df, clearing AC only.
  asm volatile("pushfq\n\tandq $~0x40000, (%rsp)\n\tpopfq\n\tret");
}
