// lib/ring/transport.h — transport codes (SPEC §4, layer 1 of the three error layers) and their
// correspondence with capos::Error.
//
// Error -> TransportCode is total: every kernel-side Error becomes some code, so dispatch can
// TRY through lib/ helpers and still complete every SQE. Sites that know a more precise code
// (BAD_XFER, BAD_CALL_ID, CANCELLED, APPLICATION_EXCEPTION*) return it explicitly instead.
// TransportCode -> Error is partial: only codes with an exact Error counterpart map, so the
// runtime never pretends a CANCELLED call was, say, an InvalidArgument.
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

// Total. Exact pairs: InvalidArgument/INVALID, BadOpcode, BadCap, BadInterface, BadMethod,
// Fault, TooBig, QuotaExceeded/QUOTA, PeerGone, RingCorrupt, WouldBlock/TIMED_OUT. The rest are
// folded: Exhausted -> QUOTA (a fixed pool is a quota the user cannot raise); every other Error
// (Overflow, OutOfRange, Malformed, Unsupported, InvalidState, NotFound, AlreadyExists,
// DoubleFree) describes a request the kernel refused as given -> INVALID.
[[nodiscard]] TransportCode to_transport_code(Error error);

// Partial inverse of the exact pairs above; nullopt for BAD_XFER, BAD_CALL_ID, CANCELLED and
// the two APPLICATION_EXCEPTION codes, which have no capos::Error counterpart.
[[nodiscard]] std::optional<Error> to_error(TransportCode code);

}  // namespace capos
