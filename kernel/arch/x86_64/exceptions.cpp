#include "kernel/arch/x86_64/exceptions.h"

#include <array>

#include "kernel/arch/arch.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/platform.h"
#include "kernel/arch/x86_64/protection.h"
#include "kernel/arch/x86_64/user_access.h"
#include "kernel/lib/log.h"
#include "lib/core/bytes.h"

// user_copy.S: the one instruction that may fault on a user page, and where it resumes.
extern "C" const char capos_user_copy_instruction[];
extern "C" const char capos_user_copy_fixup[];

namespace capos::kernel::x86_64 {

namespace {

struct VectorInfo {
  const char* mnemonic;
  const char* name;
};

constexpr std::array<VectorInfo, 32> vectors{{
    {"#DE", "divide error"},
    {"#DB", "debug"},
    {"NMI", "non-maskable interrupt"},
    {"#BP", "breakpoint"},
    {"#OF", "overflow"},
    {"#BR", "bound range exceeded"},
    {"#UD", "invalid opcode"},
    {"#NM", "device not available"},
    {"#DF", "double fault"},
    {"-", "coprocessor segment overrun"},
    {"#TS", "invalid TSS"},
    {"#NP", "segment not present"},
    {"#SS", "stack-segment fault"},
    {"#GP", "general protection"},
    {"#PF", "page fault"},
    {"-", "reserved"},
    {"#MF", "x87 floating-point error"},
    {"#AC", "alignment check"},
    {"#MC", "machine check"},
    {"#XM", "SIMD floating-point exception"},
    {"#VE", "virtualization exception"},
    {"#CP", "control protection"},
    {"-", "reserved"},
    {"-", "reserved"},
    {"-", "reserved"},
    {"-", "reserved"},
    {"-", "reserved"},
    {"-", "reserved"},
    {"#HV", "hypervisor injection"},
    {"#VC", "VMM communication"},
    {"#SX", "security exception"},
    {"-", "reserved"},
}};

constexpr uint64_t page_fault_vector = 14;
constexpr uint64_t double_fault_vector = 8;
constexpr uint64_t guard_reach =
    uint64_t{2} * 4096;                       // a push faults at most one page below RSP's page
constexpr uint64_t privilege_level_mask = 3;  // CS bits 1:0 = the CPL the exception came from
constexpr uint64_t user_privilege_level = 3;

constexpr bool machine_event(uint64_t vector) {
  constexpr uint64_t nmi = 2;
  constexpr uint64_t double_fault = 8;
  constexpr uint64_t machine_check = 18;
  return vector == nmi || vector == double_fault || vector == machine_check;
}

// #PF error code bits (SDM Vol. 3A §4.7).
constexpr uint64_t pf_present = uint64_t{1} << 0;
constexpr uint64_t pf_write = uint64_t{1} << 1;
constexpr uint64_t pf_user = uint64_t{1} << 2;
constexpr uint64_t pf_reserved_bit = uint64_t{1} << 3;
constexpr uint64_t pf_instruction_fetch = uint64_t{1} << 4;

// A #DF whose interrupted RSP sits just above the last #PF address in the kernel half: the #PF
// was a push into a kernel stack's guard page, and delivering it on that stack faulted again.
bool stack_overflow(const ExceptionFrame& frame, uint64_t cr2) {
  return cr2 >= Platform::direct_map_base && frame.rsp >= cr2 && frame.rsp - cr2 <= guard_reach;
}

// Exceptions taken while reporting one: the second report is reduced to one line.
constinit unsigned g_depth = 0;

void report_page_fault(uint64_t error_code) {
  const char* access = (error_code & pf_instruction_fetch) != 0 ? "instruction fetch"
                       : (error_code & pf_write) != 0           ? "write"
                                                                : "read";
  log::info("page fault: {} of a {} page in {} mode{}", access,
            (error_code & pf_present) != 0 ? "present (protection violation)" : "not-present",
            (error_code & pf_user) != 0 ? "user" : "supervisor",
            (error_code & pf_reserved_bit) != 0 ? ", reserved bit set" : "");
}

}  // namespace

const char* exception_mnemonic(uint64_t vector) {
  return vector < vectors.size() ? vectors[vector].mnemonic : "-";
}

const char* exception_name(uint64_t vector) {
  return vector < vectors.size() ? vectors[vector].name : "reserved";
}

// F-019: a #PF at CPL 0 on a user address, taken by user_copy.S's rep movsb, is a user buffer
// that went away after validation: resume at the copy's fixup (which returns "faulted", and
// UserPtr answers Fault) with the window closed, instead of halting the kernel.
static bool fix_up_user_copy(ExceptionFrame& frame) {
  if (frame.vector != page_fault_vector || (frame.cs & privilege_level_mask) != 0) return false;
  if (frame.rip != address_of(capos_user_copy_instruction)) return false;
  if (read_cr2() >= Platform::user_space_end) return false;  // a kernel address is a kernel bug
  frame.rip = address_of(capos_user_copy_fixup);
  frame.rflags &= ~rflags_alignment_check;
  return true;
}

// Returns only after fix_up_user_copy redirected the frame; every other path ends the thread
// (a user fault) or the boot (a kernel fault).
static void dispatch(ExceptionFrame& frame) {
  // The CPU does not clear RFLAGS.AC on exception entry: close any open user-access window
  // before running kernel code (stac/clac exist only once SMAP is known to be supported).
  if (smap_active()) user_access_end();
  if (g_depth == 0 && fix_up_user_copy(frame)) return;
  // From CPL 3 (on the thread stack, TSS.RSP0): the thread's own fault, not a kernel failure.
  // NMI, #DF and #MC are machine events, not the thread's doing: they stay kernel reports.
  if ((frame.cs & privilege_level_mask) == user_privilege_level && g_depth == 0 &&
      !machine_event(frame.vector)) {
    handle_user_fault(UserFault{
        .what = exception_mnemonic(frame.vector),
        .vector = frame.vector,
        .error_code = frame.error_code,
        .instruction_pointer = frame.rip,
        .fault_address = frame.vector == page_fault_vector ? read_cr2() : 0,
    });
  }
  if (++g_depth > 1) {
    log::info("EXCEPTION: nested exception vector {} while reporting one; halting", frame.vector);
    Platform::exit_emulator(ExitStatus::Fail);
  }
  // An exception in the kernel is a kernel bug: report it and stop.
  const uint64_t cr2 = read_cr2();
  log::info("EXCEPTION: vector {} {} ({}) error={}", frame.vector, exception_mnemonic(frame.vector),
            exception_name(frame.vector), log::Hex{frame.error_code});
  log::info("EXCEPTION: rip={} cs={} rflags={} rsp={}", log::Hex{frame.rip}, log::Hex{frame.cs},
            log::Hex{frame.rflags}, log::Hex{frame.rsp});
  if (frame.vector == page_fault_vector) {
    log::info("EXCEPTION: cr2={}", log::Hex{cr2});
    report_page_fault(frame.error_code);
  }
  if (frame.vector == double_fault_vector && stack_overflow(frame, cr2)) {
    log::info(
        "EXCEPTION: kernel stack overflow: rsp={} ran into the unmapped guard page at "
        "cr2={} (the #PF could not be delivered on that stack; #DF ran on its IST stack)",
        log::Hex{frame.rsp}, log::Hex{cr2});
  }
  log::info("EXCEPTION: unexpected {} in the kernel; halting (fail)",
            exception_mnemonic(frame.vector));
  Platform::exit_emulator(ExitStatus::Fail);
}

}  // namespace capos::kernel::x86_64

// SAFETY: exception_entry.S passes a pointer to the frame it just built on the current stack.
extern "C" void capos_exception_dispatch(capos::kernel::x86_64::ExceptionFrame* frame) {
  capos::kernel::x86_64::dispatch(*frame);
}
