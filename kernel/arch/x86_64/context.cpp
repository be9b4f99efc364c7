#include "kernel/arch/x86_64/context.h"

#include <array>

#include "kernel/arch/x86_64/asm_constants.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/exceptions.h"
#include "kernel/arch/x86_64/fpu.h"
#include "kernel/arch/x86_64/kernel_image.h"
#include "kernel/arch/x86_64/tss.h"
#include "kernel/arch/x86_64/user_mode.h"
#include "lib/core/bytes.h"
#include "lib/core/panic.h"

extern "C" {
void capos_kernel_thread_start();  // context_switch.S
void capos_interrupt_return();     // interrupt_entry.S
}

namespace capos::kernel::x86_64 {

namespace {

constexpr uint32_t msr_fs_base = 0xc000'0100;
constexpr uint64_t user_space_end = uint64_t{1} << 47;
constexpr uint64_t stack_alignment = 16;
// capos_context_switch's frame: six callee-saved registers, then the return address.
constexpr size_t switch_frame_words = 7;
constexpr size_t switch_return_slot = 6;
constexpr size_t switch_r12_slot = 3;
constexpr size_t switch_r13_slot = 2;
// A kernel thread's stack above its switch frame: two zero words, so that after the frame's
// `ret` RSP is 16-byte aligned (capos_kernel_thread_start then calls the entry).
constexpr size_t kernel_thread_padding_words = 2;
constexpr size_t exception_frame_words = sizeof(ExceptionFrame) / sizeof(uint64_t);

// The boot stack's context: kmain, self-tests and (later) the idle loop run in it.
alignas(extended_state_alignment) constinit std::array<
    uint8_t, extended_state_max_bytes> g_boot_extended_state{};
constinit ThreadContext g_boot_context{};
constinit bool g_boot_context_ready = false;

// SAFETY: `memory` is a ThreadMemory the caller owns: [stack_bottom, stack_top) is a mapped,
// writable kernel stack no thread is running on, so the words just below its top may be
// written; checked for alignment and room here.
uint64_t* stack_words(const ThreadMemory& memory, size_t words) {
  KASSERT(memory.stack_top % stack_alignment == 0);
  KASSERT(memory.stack_top > memory.stack_bottom &&
          memory.stack_top - memory.stack_bottom >= words * sizeof(uint64_t));
  // SAFETY: see above: the top `words` words of the stack, inside it (KASSERTed room).
  // NOLINTNEXTLINE(performance-no-int-to-ptr): a kernel stack, by address
  return reinterpret_cast<uint64_t*>(memory.stack_top) - words;
}

void prepare_common(ThreadContext& context, const ThreadMemory& memory, uint64_t address_space) {
  KASSERT(memory.context_area % extended_state_alignment == 0 &&
          memory.context_bytes >= extended_state_bytes());
  extended_state_reset(memory.context_area);
  context = ThreadContext{};
  context.kernel_stack_top = memory.stack_top;
  context.address_space = address_space;
  context.extended_state = memory.context_area;
}

// SAFETY: converting a function's address to an integer to store it in a stack frame.
template <typename Function>
uint64_t code_address(Function* function) {
  // SAFETY: a function's address as an integer, stored in a stack frame (never dereferenced here).
  return reinterpret_cast<uint64_t>(function);
}

void* as_pointer(uint64_t address) {
  // SAFETY: the extended-state area of a prepared context (a kernel address, 64-aligned).
  // NOLINTNEXTLINE(performance-no-int-to-ptr): the save area, by address
  return reinterpret_cast<void*>(address);
}

void load_selectors(const ThreadContext& from, const ThreadContext& to) {
  // A descriptor load costs; most switches change nothing.
  if (to.ds != from.ds) write_ds(to.ds);
  if (to.es != from.es) write_es(to.es);
  if (to.fs != from.fs) write_fs(to.fs);
  if (to.gs != from.gs) write_gs(to.gs);
}

}  // namespace

ThreadContext& boot_context() {
  if (!g_boot_context_ready) {
    g_boot_context.kernel_stack_top = stack_top(KernelStack::Boot);
    g_boot_context.address_space = read_cr3();
    g_boot_context.extended_state = address_of(g_boot_extended_state.data());
    g_boot_context_ready = true;
  }
  return g_boot_context;
}

uint64_t thread_context_bytes() { return extended_state_bytes(); }

void prepare_kernel_thread(ThreadContext& context, const ThreadMemory& memory,
                           const PageTable& space, KernelThreadEntry entry, uint64_t argument) {
  prepare_common(context, memory, space.root_physical());
  uint64_t* words = stack_words(memory, switch_frame_words + kernel_thread_padding_words);
  // SAFETY: stack_words returned room for the frame and the padding; indices are below that.
  for (size_t i = 0; i < switch_frame_words + kernel_thread_padding_words; ++i) words[i] = 0;
  words[switch_return_slot] = code_address(&capos_kernel_thread_start);  // SAFETY: in the frame
  words[switch_r12_slot] = code_address(entry);                          // SAFETY: in the frame
  words[switch_r13_slot] = argument;                                     // SAFETY: in the frame
  context.saved_rsp = address_of(words);
}

void prepare_user_thread_in(ThreadContext& context, const ThreadMemory& memory,
                            uint64_t address_space, const UserEntry& entry) {
  KASSERT(entry.instruction_pointer < user_space_end && entry.stack_pointer < user_space_end);
  KASSERT(entry.thread_pointer < user_space_end);
  prepare_common(context, memory, address_space);
  context.fs_base = entry.thread_pointer;
  // The first "return" pops an interrupt frame: every register zero but the SPEC §4 arguments,
  // then iretq to CPL 3 with IF set.
  uint64_t* words = stack_words(memory, switch_frame_words + exception_frame_words);
  // SAFETY: as above; the ExceptionFrame occupies the top exception_frame_words words.
  for (size_t i = 0; i < switch_frame_words + exception_frame_words; ++i) words[i] = 0;
  words[switch_return_slot] = code_address(&capos_interrupt_return);  // SAFETY: in the frame
  // SAFETY: the words above the switch frame are an ExceptionFrame (same layout the interrupt
  // return pops: exceptions.h static_asserts it), inside the stack.
  auto* frame = reinterpret_cast<ExceptionFrame*>(words + switch_frame_words);
  frame->rdi = entry.arguments[0];
  frame->rsi = entry.arguments[1];
  frame->rdx = entry.arguments[2];
  frame->rip = entry.instruction_pointer;
  frame->cs = USER_CODE_SELECTOR;
  frame->rflags = USER_INITIAL_RFLAGS;
  frame->rsp = entry.stack_pointer;
  frame->ss = USER_DATA_SELECTOR;
  context.saved_rsp = address_of(words);
}

void prepare_user_thread(ThreadContext& context, const ThreadMemory& memory, const PageTable& space,
                         const UserEntry& entry) {
  prepare_user_thread_in(context, memory, space.root_physical(), entry);
}

void switch_context(ThreadContext& from, ThreadContext& to) {
  if (&from == &to) return;
  KASSERT((read_rflags() & rflags_interrupt_enable) == 0);
  KASSERT(to.saved_rsp != 0 && to.extended_state != 0 && from.extended_state != 0);
  capos_fpu_save(as_pointer(from.extended_state));
  from.address_space = read_cr3();
  from.fs_base = read_msr(msr_fs_base);
  from.ds = read_ds();
  from.es = read_es();
  from.fs = read_fs();
  from.gs = read_gs();

  if (to.address_space != from.address_space) write_cr3(to.address_space);
  tss_set_kernel_stack(to.kernel_stack_top);
  set_syscall_stack(to.kernel_stack_top);
  load_selectors(from, to);
  write_msr(msr_fs_base, to.fs_base);  // after the selector loads, which may reset the base
  capos_fpu_restore(as_pointer(to.extended_state));
  capos_context_switch(&from.saved_rsp, to.saved_rsp);
}

}  // namespace capos::kernel::x86_64

extern "C" void capos_switch_context(capos::kernel::x86_64::ThreadContext* from,
                                     capos::kernel::x86_64::ThreadContext* to) {
  capos::kernel::x86_64::switch_context(*from, *to);
}

extern "C" void capos_kernel_thread_returned() {
  capos::capos_panic("a kernel thread's entry returned (it must switch away for good)", __FILE__,
                     __LINE__);
}
