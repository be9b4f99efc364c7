// kernel/proc/cap_enter.h — the cap_enter rule (SPEC §4, docs/abi.md "cap_enter"), as pure logic
// over the ring and a dispatcher so host tests run the code the kernel runs.
//
// Every call, whatever its arguments:
//   1. consumes SQEs first: one KernelRing entry (at most SQES_PER_ENTRY); a corrupt ring is
//      CAP_ERR_RING_CORRUPT and consumes nothing;
//   2. clamps min_complete to CQ_ENTRIES: a full CQ satisfies any wait (a larger value is not an
//      error — F-033: it used to be INVALID before anything was consumed);
//   3. returns the CQEs available when they reach the clamped min_complete, or when timeout_ns
//      is 0 (never blocks);
//   4. otherwise would wait. Until the scheduler (next issue) nothing can complete while this
//      process waits (no other process, no timer, no deferred SQE), so every other timeout —
//      finite or UINT64_MAX — returns CAP_ERR_TIMED_OUT at once (docs/abi.md TODO).
#pragma once

#include <cstdint>

#include "lib/core/result.h"
#include "lib/ring/abi.h"
#include "lib/ring/kernel_ring.h"
#include "lib/ring/transport.h"

namespace capos::kernel {

// The count cap_enter waits for: min_complete clamped to the CQ size.
[[nodiscard]] constexpr uint32_t wait_target(uint64_t min_complete) {
  return min_complete < CQ_ENTRIES ? static_cast<uint32_t>(min_complete) : CQ_ENTRIES;
}

// The cap_enter return value (>= 0: CQEs available; < 0: a transport code).
template <typename Ring, typename Dispatch>
[[nodiscard]] int64_t run_cap_enter(Ring& ring, Dispatch& dispatch, uint64_t min_complete,
                                    uint64_t timeout_ns) {
  const Result<EntryReport> report = ring.enter(dispatch, SQES_PER_ENTRY);
  if (!report) return transport_result(report.error());
  if (report->available >= wait_target(min_complete) || timeout_ns == TIMEOUT_NEVER_BLOCK) {
    return report->available;
  }
  // TODO(scheduler): block until wait_target CQEs or the timeout. Nothing can complete later
  // in this phase (one process, nothing deferred), so the wait would never end.
  return transport_result(Error::TimedOut);
}

}  // namespace capos::kernel
