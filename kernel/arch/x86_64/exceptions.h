// kernel/arch/x86_64/exceptions.h — what exception_entry.S hands to the dispatcher.
#pragma once

#include <cstddef>
#include <cstdint>

namespace capos::kernel::x86_64 {

// Register state at the exception, lowest address first: the registers exception_entry.S
// pushed (last pushed first), the vector and error code, then the CPU's interrupt frame.
struct ExceptionFrame {
  uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
  uint64_t vector;
  uint64_t error_code;  // 0 for vectors without one
  uint64_t rip, cs, rflags, rsp, ss;
};
static_assert(sizeof(ExceptionFrame) == 22 * sizeof(uint64_t), "exception_entry.S pushes 22 quads");
static_assert(offsetof(ExceptionFrame, vector) == 15 * sizeof(uint64_t));
static_assert(offsetof(ExceptionFrame, rip) == 17 * sizeof(uint64_t));

// "#PF" / "page fault" for vectors 0-31, "reserved" otherwise.
const char* exception_mnemonic(uint64_t vector);
const char* exception_name(uint64_t vector);

}  // namespace capos::kernel::x86_64

// Called by exception_entry.S with interrupts disabled (interrupt gates).
extern "C" void capos_exception_dispatch(capos::kernel::x86_64::ExceptionFrame* frame);
