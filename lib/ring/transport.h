// lib/ring/transport.h — the one mapping from capos::Error onto the ring ABI's transport codes
// (SPEC §4, layer 1 of the three error layers), and the names of those codes.
//
// Error is the only error vocabulary of the kernel (lib/core/error.h); TransportCode is only its
// wire encoding. to_transport_code() is the single place an Error becomes a negative CQE
// `result` or cap_enter return: the dispatcher, the objects and the syscalls all return Errors
// and meet the wire here (docs/abi.md "Transport codes").
//   * Sixteen transport kinds map exactly, one Error per code (InvalidArgument <-> INVALID,
//     QuotaExceeded <-> QUOTA, the rest by name), so to_error() is the exact, total inverse.
//   * The detail kinds fold: Exhausted -> QUOTA (the caller's own table or reservation ran out:
//     docs/authority-accounting.md says when a shared pool answers `overloaded` instead);
//     WouldBlock -> TIMED_OUT; every other (Overflow, OutOfRange, Malformed, Unsupported,
//     InvalidState, NotFound, AlreadyExists, DoubleFree) describes a request the kernel refused
//     as given -> INVALID.
#pragma once

#include <cstdint>
#include <optional>

#include "lib/core/error.h"
#include "lib/ring/abi.h"

namespace capos {

// "CAP_ERR_BAD_OPCODE" etc.; never null.
[[nodiscard]] const char* transport_code_name(TransportCode code);

// The code for a raw CQE result / cap_enter return, or nullopt when `raw` is >= 0 (a success
// count) or below TRANSPORT_CODE_MIN (not a v1 code).
[[nodiscard]] std::optional<TransportCode> transport_code_from_raw(int64_t raw);

// Total: every Error completes an SQE with a real v1 code, never with success (see above).
[[nodiscard]] TransportCode to_transport_code(Error error);

// The raw negative value of to_transport_code(error), as a CQE `result` holds it.
[[nodiscard]] inline int32_t transport_result(Error error) {
  return to_raw(to_transport_code(error));
}

// The exact inverse on the sixteen transport kinds: to_transport_code(to_error(c)) == c.
[[nodiscard]] Error to_error(TransportCode code);

}  // namespace capos
