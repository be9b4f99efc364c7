#include "kernel/arch/x86_64/user_mode.h"

#include <array>
#include <cstddef>

#include "kernel/arch/x86_64/asm_constants.h"
#include "kernel/arch/x86_64/context.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/fpu.h"
#include "kernel/arch/x86_64/gdt.h"
#include "kernel/arch/x86_64/kernel_image.h"
#include "kernel/arch/x86_64/tss.h"
#include "lib/core/panic.h"

// The SYSCALL entry's two words (single CPU: one thread in user mode at a time).
extern "C" {
// NOLINTBEGIN(readability-identifier-naming): names shared with syscall_entry.S
constinit uint64_t capos_syscall_user_rsp = 0;    // scratch: RSP at SYSCALL
constinit uint64_t capos_syscall_kernel_rsp = 0;  // the thread stack's top
// NOLINTEND(readability-identifier-naming)
void capos_syscall_entry();
}

namespace capos::kernel::x86_64 {

// What syscall_entry.S pushes, lowest address first.
struct SyscallFrame {
  uint64_t r15, r14, r13, r12, rbp, rbx, r9, r8, r10, rdx, rsi, rdi, rax;
  uint64_t rflags;  // R11 at SYSCALL; R11 at SYSRET
  uint64_t rip;     // RCX at SYSCALL; RCX at SYSRET
  uint64_t rsp;
};
static_assert(sizeof(SyscallFrame) == 16 * sizeof(uint64_t), "syscall_entry.S pushes 16 quads");
static_assert(offsetof(SyscallFrame, rax) == 12 * sizeof(uint64_t));
static_assert(offsetof(SyscallFrame, rip) == 14 * sizeof(uint64_t));

static_assert(USER_DATA_SELECTOR == user_data_selector && USER_CODE_SELECTOR == user_code_selector);

namespace {

// MSRs (Intel SDM Vol. 4, Table 2-2).
constexpr uint32_t msr_efer = MSR_EFER;
constexpr uint64_t efer_syscall_enable = uint64_t{1} << 0;
constexpr uint32_t msr_star = 0xc000'0081;
constexpr uint32_t msr_lstar = 0xc000'0082;
constexpr uint32_t msr_cstar = 0xc000'0083;
constexpr uint32_t msr_fmask = 0xc000'0084;

// RFLAGS bits (SDM Vol. 1 §3.4.3).
constexpr uint64_t rflags_carry = uint64_t{1} << 0;
constexpr uint64_t rflags_reserved_one = uint64_t{1} << 1;
constexpr uint64_t rflags_parity = uint64_t{1} << 2;
constexpr uint64_t rflags_adjust = uint64_t{1} << 4;
constexpr uint64_t rflags_zero = uint64_t{1} << 6;
constexpr uint64_t rflags_sign = uint64_t{1} << 7;
constexpr uint64_t rflags_trap = uint64_t{1} << 8;
constexpr uint64_t rflags_overflow = uint64_t{1} << 11;
constexpr uint64_t rflags_iopl = uint64_t{3} << 12;
constexpr uint64_t rflags_nested_task = uint64_t{1} << 14;

// Cleared on every SYSCALL. IF: no interrupt before the stack switch; TF: no #DB on the first
// kernel instruction; DF: the ABI state; AC: SMAP applies to the kernel (seed Track S.8).
constexpr uint64_t syscall_flag_mask = rflags_interrupt_enable | rflags_trap | rflags_direction |
                                       rflags_alignment_check | rflags_nested_task | rflags_iopl;
// What a thread keeps of its RFLAGS across a system call.
constexpr uint64_t user_kept_flags = rflags_carry | rflags_parity | rflags_adjust | rflags_zero |
                                     rflags_sign | rflags_direction | rflags_overflow;
static_assert(USER_INITIAL_RFLAGS == (rflags_interrupt_enable | rflags_reserved_one));

constexpr uint64_t user_space_end = uint64_t{1} << 47;
constexpr uint64_t paint_word = 0x5a5a'5a5a'5a5a'5a5a;
constexpr uint64_t no_vector = UINT64_MAX;

// The first user thread's context and its extended-state save area.
constinit ThreadContext g_first_thread{};
alignas(extended_state_alignment) constinit std::array<
    uint8_t, extended_state_max_bytes> g_first_thread_state{};

uint64_t* thread_stack_words() {
  // SAFETY: the thread stack is [stack_bottom(Thread), stack_top(Thread)), mapped RW by the
  // kernel's tables (linker.ld, kernel_address_space.cpp) and unused before the first entry.
  // NOLINTNEXTLINE(performance-no-int-to-ptr): a linker-defined kernel stack
  return reinterpret_cast<uint64_t*>(stack_bottom(KernelStack::Thread));
}

}  // namespace

void user_mode_init() {
  KASSERT(stack_top(KernelStack::Thread) - stack_bottom(KernelStack::Thread) == thread_stack_size);
  uint64_t* words = thread_stack_words();
  // SAFETY: i < thread_stack_size / 8: inside the thread stack (KASSERTed size above).
  for (size_t i = 0; i < thread_stack_size / sizeof(uint64_t); ++i) words[i] = paint_word;

  capos_syscall_kernel_rsp = stack_top(KernelStack::Thread);
  tss_set_kernel_stack(stack_top(KernelStack::Thread));
  write_msr(msr_star, syscall_star);
  // SAFETY: converting the entry's address to an integer for IA32_LSTAR.
  write_msr(msr_lstar, reinterpret_cast<uint64_t>(&capos_syscall_entry));
  // No compatibility-mode code segment exists (gdt.h), so a 32-bit SYSCALL cannot happen; a
  // zero CSTAR would fault loudly if it ever did.
  write_msr(msr_cstar, 0);
  write_msr(msr_fmask, syscall_flag_mask);
  write_msr(msr_efer, read_msr(msr_efer) | efer_syscall_enable);
}

void enter_user(const UserEntry& entry) {
  const ThreadMemory memory{
      .stack_bottom = stack_bottom(KernelStack::Thread),
      .stack_top = stack_top(KernelStack::Thread),
      // SAFETY: converting the static save area's address to an integer (ThreadMemory's form).
      .context_area = reinterpret_cast<uint64_t>(g_first_thread_state.data()),
      .context_bytes = g_first_thread_state.size(),
  };
  prepare_user_thread_in(g_first_thread, memory, read_cr3(), entry);
  switch_context(boot_context(), g_first_thread);
  capos_panic("the boot context was resumed after the first user thread started", __FILE__,
              __LINE__);
}

void set_syscall_stack(uint64_t stack_top) { capos_syscall_kernel_rsp = stack_top; }

uint64_t thread_stack_high_water() {
  const uint64_t* words = thread_stack_words();
  size_t untouched = 0;
  // SAFETY: `untouched` stays below thread_stack_size / 8: inside the thread stack.
  while (untouched < thread_stack_size / sizeof(uint64_t) && words[untouched] == paint_word) {
    ++untouched;
  }
  return thread_stack_size - untouched * sizeof(uint64_t);
}

}  // namespace capos::kernel::x86_64

// Called by syscall_entry.S on the thread stack with interrupts off.
// SAFETY: `frame` points at the SyscallFrame the entry stub just pushed on this stack.
extern "C" uint64_t capos_syscall_dispatch(capos::kernel::x86_64::SyscallFrame* frame) {
  using namespace capos::kernel::x86_64;  // NOLINT(google-build-using-namespace): entry glue
  const capos::kernel::SyscallArguments arguments{
      .number = frame->rax,
      .arguments = {frame->rdi, frame->rsi, frame->rdx},
  };
  const uint64_t result = capos::kernel::handle_syscall(arguments);
  // SYSRET to a non-canonical RIP raises #GP in ring 0 with the user's RSP loaded (the Intel
  // SYSRET erratum class, CVE-2012-0217): never attempt it. RCX is the address after the SYSCALL
  // instruction, so only a SYSCALL in the last bytes of the user half can get here.
  if (frame->rip >= user_space_end) {
    capos::kernel::handle_user_fault(capos::kernel::UserFault{
        .what = "non-canonical return address after SYSCALL",
        .vector = no_vector,
        .error_code = 0,
        .instruction_pointer = frame->rip,
        .fault_address = 0,
    });
  }
  frame->rflags = (frame->rflags & user_kept_flags) | rflags_interrupt_enable | rflags_reserved_one;
  return result;
}
