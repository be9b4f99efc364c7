// verify/bounded/frame_ledger_model.h — the FrameLedger explorer (seed target 12, Tier 4).
//
// Drives the real FrameLedger (lib/mem) and its Reservation tokens through every operation from
// every reachable state, for small quotas on two resource classes (a third, with limit 0,
// checks that nothing but amount 0 is ever granted). Checks, on every state and transition:
//   - per class, committed + reserved <= limit (the quota is never exceeded) and reserved is
//     exactly the sum of the live tokens of that class; outstanding_reservations() counts them;
//   - reserve() grants iff amount <= available(), otherwise QuotaExceeded and nothing changes;
//     commit() moves exactly the token's amount from reserved to committed; rollback(), the
//     destructor and move-assignment onto a live token return it; settled tokens do nothing;
//   - release() takes back at most what is committed (DoubleFree, nothing changed, otherwise);
//     set_limit() never goes below the current use (QuotaExceeded);
//   - committed equals the sum of every committed amount minus every release (ghost balance),
//     and from every state the exit path (drop every token, release every committed amount)
//     ends with is_empty().
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "lib/mem/frame_ledger.h"
#include "verify/bounded/state_space.h"

namespace capos::verify {

enum class LedgerFault : uint8_t {
  None,
  CommitKeepsReserved,  // commit() adds to committed but does not take from reserved
  ReserveOffByOne,      // reserve() also grants available() + 1
  DropLeaks,            // a token destroyed unsettled does not return its amount
  ReleaseUnchecked,     // release() subtracts without checking (the underflow check removed)
};

struct LedgerBounds {
  uint64_t max_limit;  // quotas 0..max_limit (set_limit), amounts 0..max_limit + 1
  size_t max_tokens;   // live Reservation tokens held at once (at most 4)
};

// Key: for the three explored classes limit, committed, reserved; outstanding; the live tokens
// as (class, amount) pairs, sorted (tokens of equal class and amount are interchangeable: the
// ledger keeps only sums), 0xff-padded.
inline constexpr size_t ledger_key_size = 24;
using LedgerKey = StateKey<ledger_key_size>;

class FrameLedgerModel {
 public:
  static constexpr size_t key_size = ledger_key_size;

  FrameLedgerModel(LedgerBounds bounds, LedgerFault fault) : m_bounds(bounds), m_fault(fault) {}

  std::vector<LedgerKey> initial_states() const;
  void expand(const LedgerKey& state, Successors<key_size>& next, Checker& check) const;
  [[nodiscard]] std::string describe(uint32_t operation) const;

 private:
  void check_state(const LedgerKey& state, Checker& check) const;
  void apply(const LedgerKey& state, uint32_t operation, Successors<key_size>& next,
             Checker& check) const;

  LedgerBounds m_bounds;
  LedgerFault m_fault;
};

}  // namespace capos::verify
