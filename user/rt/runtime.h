// user/rt/runtime.h — the capOS user runtime: entry, the ring client, CapSet lookup, calls.
//
// A program defines `int64_t capos_main(capos::rt::Runtime&)`; the runtime's entry
// (arch/x86_64/start.cpp -> capos_rt_start) attaches to the ring the kernel passed in rdi, reads
// the CapSet page from rdx, runs capos_main and exits with its return value.
//
// Everything the kernel wrote is checked before use: the ring geometry (UserRing::attach), the
// CapSet header (magic, version, count <= 63) and every CQE through UserRing's own index checks.
// Calls are synchronous: submit one SQE, cap_enter(1, infinite), reap one CQE — so in this phase
// (where the kernel completes every SQE inside cap_enter) the CQE reaped is the SQE's own.
// Not thread-safe (one thread per process today).
#pragma once

#include <cstdint>
#include <span>

#include "lib/cap/cap_id.h"
#include "lib/core/bytes.h"
#include "lib/core/result.h"
#include "lib/gen/support.h"
#include "lib/ring/abi.h"
#include "lib/ring/atomics.h"
#include "lib/ring/user_ring.h"

namespace capos::rt {

class Runtime;

}  // namespace capos::rt

// Each program's main; its return value is the exit code.
int64_t capos_main(capos::rt::Runtime& runtime);

namespace capos::rt {

// Bytes of the per-process call buffers (params and result), as big as the kernel accepts.
inline constexpr size_t call_buffer_bytes = 8192;

class Runtime {
 public:
  Runtime(RingPage& ring_page, UserRing<HardwareAtomics> ring, uint64_t pid,
          const CapSetPage* capset);

  [[nodiscard]] uint64_t pid() const { return m_pid; }
  [[nodiscard]] UserRing<HardwareAtomics>& ring() { return m_ring; }
  // The raw page, for programs that test the kernel's handling of a hostile ring.
  [[nodiscard]] RingPage& ring_page() { return *m_ring_page; }

  // The CapSet entries (empty when the process has none or the page is not a v1 CapSet).
  [[nodiscard]] std::span<const CapSetEntry> capset() const;
  // The cap named `name`: NotFound if absent, BadInterface if it exposes another interface.
  [[nodiscard]] Result<CapId> find_cap(const char* name, uint64_t interface_id) const;

  // Submits `sqe`, enters the kernel until a CQE is available and reaps CQEs until the one whose
  // user_data is sqe.user_data (earlier ones, left by a failed entry, are dropped). Errors: the
  // ring's (RingCorrupt, WouldBlock) or, for a negative cap_enter return, its Error counterpart
  // (RingCorrupt, WouldBlock for TIMED_OUT, InvalidArgument). Callers use distinct user_data
  // (next_user_data()).
  [[nodiscard]] Result<CapCqe> submit_and_wait(const CapSqe& sqe);

  // The call buffers for typed clients (lib/gen CallBuffers).
  [[nodiscard]] gen::CallBuffers buffers();
  [[nodiscard]] ByteView result_bytes(const CapCqe& cqe) const;
  [[nodiscard]] uint64_t next_user_data() { return ++m_user_data; }

 private:
  RingPage* m_ring_page;
  UserRing<HardwareAtomics> m_ring;
  uint64_t m_pid;
  const CapSetPage* m_capset;
  uint64_t m_user_data = 0;
};

// The runtime, once capos_rt_start made it (for the panic path); nullptr before.
Runtime* current_runtime();

// Writes `line` through the "console" cap with no allocation and no dependence on the
// program's state beyond the ring; best effort, for fatal errors. Repairs a corrupt ring first.
void emergency_write(ByteView line);

}  // namespace capos::rt
