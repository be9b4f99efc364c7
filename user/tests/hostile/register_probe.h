// user/tests/hostile/register_probe.h — checks SPEC §4 "only rax, rcx, r11 may change across a
// syscall" from the outside.
#pragma once

#include <cstdint>

// Loads a distinct pattern into rdi, rsi, rdx, r8, r9, r10, rbx, rbp, r12..r15, executes
// `syscall` with rax = number, stores rax into *result and returns a mask with bit i set when
// register i (in that order) no longer holds its pattern.
extern "C" uint64_t capos_probe_syscall(uint64_t number, int64_t* result);

// Loads a distinct pattern into every general-purpose register but rsp (rax rbx rcx rdx rsi rdi
// rbp r8..r15), xmm0-15, MXCSR (rounding toward zero), the x87 control word (rounding down) and
// st(0), sets RFLAGS.AC and DF, spins `iterations` times on a counter in memory (so every
// register stays live while the tick preempts it), then returns a mask: bits 0-14 the GPRs in
// that order, 15-30 xmm0-15, 31 MXCSR, 32 FCW, 33 st(0), 34 AC/DF (set = changed behind the
// program's back). Restores the callee-saved registers, the default MXCSR/FCW and AC = DF = 0.
extern "C" uint64_t capos_probe_preemption(uint64_t iterations);
