#include "kernel/proc/syscall.h"

#include "kernel/arch/current.h"
#include "kernel/cap/ring_dispatch.h"
#include "kernel/lib/log.h"
#include "kernel/proc/cap_enter.h"
#include "kernel/proc/process_memory.h"
#include "lib/core/panic.h"
#include "lib/ring/transport.h"

namespace capos::kernel {

namespace {

// One CALL's kernel buffers; single CPU and dispatch never nests, so one set suffices.
constinit CallScratch g_call_scratch{};

uint64_t to_register(int64_t value) { return static_cast<uint64_t>(value); }

int64_t transport(Error error) { return transport_result(error); }

}  // namespace

int64_t cap_enter(Process& process, uint64_t min_complete, uint64_t timeout_ns) {
  ProcessMemory memory(process.page_table());
  const CallerContext caller{
      .pid = process.pid(),
      .generation = 0,  // one process, never reused, in this phase
      .caps = &process.caps(),
      .ledger = &process.ledger(),
      .completions = &process.completions(),
  };
  RingDispatcher<ProcessMemory> dispatcher(caller, memory, g_call_scratch);
  const int64_t available = run_cap_enter(process.ring(), dispatcher, min_complete, timeout_ns);
  // Nothing can complete later in this phase (see cap_enter.h), so nothing may be owed.
  KASSERT(process.ring().deferred() == 0);
  return available;
}

void exit_process(Process& process, int64_t code) {
  // F-013: every consumed SQE got its CQE; nothing deferred can be left owed at exit.
  KASSERT(process.ring().deferred() == 0);
  log::info("{} (pid {}): exited with code {}", process.name(), process.pid(), code);
  log::info("kernel: thread stack high-water {} of {} bytes; console: {} bytes from {}",
            Arch::thread_stack_high_water(), Arch::thread_stack_size,
            process.ledger().committed(ResourceClass::LogBytes), process.name());
  log::info("capOS: {} exited with code {}; shutting down ({})", process.name(), code,
            code == 0 ? "pass" : "fail");
  Arch::exit_emulator(code == 0 ? ExitStatus::Pass : ExitStatus::Fail);
}

uint64_t handle_syscall(const SyscallArguments& arguments) {
  Process& process = current_process();
  switch (arguments.number) {
    case SYS_CAP_ENTER:
      return to_register(cap_enter(process, arguments.arguments[0], arguments.arguments[1]));
    case SYS_EXIT: exit_process(process, static_cast<int64_t>(arguments.arguments[0]));
    default: return to_register(transport(Error::InvalidArgument));
  }
}

void handle_user_fault(const UserFault& fault) {
  const Process& process = current_process();
  if (fault.vector == UINT64_MAX) {
    log::info("{} (pid {}): killed: {} (rip={})", process.name(), process.pid(), fault.what,
              log::Hex{fault.instruction_pointer});
  } else {
    log::info("{} (pid {}): killed: exception {} {} error={} rip={} fault address={}",
              process.name(), process.pid(), fault.vector, fault.what, log::Hex{fault.error_code},
              log::Hex{fault.instruction_pointer}, log::Hex{fault.fault_address});
  }
  log::info("capOS: {} was killed; shutting down (fail)", process.name());
  Arch::exit_emulator(ExitStatus::Fail);
}

}  // namespace capos::kernel
