// user/tests/hostile/register_probe.h — checks SPEC §4 "only rax, rcx, r11 may change across a
// syscall" from the outside.
#pragma once

#include <cstdint>

// Loads a distinct pattern into rdi, rsi, rdx, r8, r9, r10, rbx, rbp, r12..r15, executes
// `syscall` with rax = number, stores rax into *result and returns a mask with bit i set when
// register i (in that order) no longer holds its pattern.
extern "C" uint64_t capos_probe_syscall(uint64_t number, int64_t* result);
