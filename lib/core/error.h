// lib/core/error.h — the one error vocabulary of capOS (STYLE.md "Errors").
//
// Every recoverable failure in lib/, the kernel and userspace is one of these values. Modules
// that need a finer diagnosis (the ELF validator, the manifest decoder) carry their own detail
// enum and map it onto this one with a to_error() function, so TRY still composes across them.
//
// The ring ABI's transport codes (SPEC §4, lib/ring/abi.h TransportCode) are an *encoding* of
// this vocabulary, not a second one: each of the sixteen CAP_ERR_ codes has exactly one Error
// (the "transport kinds" below), and lib/ring/transport.h to_transport_code() is the one place
// that maps an Error onto the wire (the other kinds fold onto INVALID, QUOTA or TIMED_OUT there).
// The kernel's dispatcher, objects and syscalls produce Errors only.
#pragma once

#include <cstdint>

namespace capos {

// int16_t (STYLE.md): room for negative ABI transport codes beside these.
enum class Error : int16_t {  // NOLINT(performance-enum-size)
  InvalidArgument = 1,        // a caller-supplied value is outside its documented domain
  BadCap,                     // no live capability with this id (never issued, stale generation)
  BadInterface,               // the capability exists but does not expose the requested interface
  BadOpcode,                  // ring opcode unknown or reserved
  BadMethod,                  // method id unknown for the interface
  Fault,                      // a user buffer failed validation
  TooBig,                     // a length exceeds a fixed bound
  QuotaExceeded,              // a per-owner quota would be exceeded
  RingCorrupt,                // the user-written ring indices are inconsistent
  PeerGone,                   // the other side of an IPC went away
  WouldBlock,                 // the operation cannot complete now
  Overflow,                   // integer arithmetic would wrap
  OutOfRange,                 // an index or offset lies outside its container
  Exhausted,                  // a fixed-capacity container or pool has no free element
  DoubleFree,                 // an element was released that was not allocated
  NotFound,                   // a named entity does not exist
  AlreadyExists,              // a unique entity was inserted twice
  Malformed,                  // bytes do not follow the expected format
  Unsupported,                // well-formed, but outside what this implementation accepts
  InvalidState,               // the call is not valid in the object's current state
  // Transport kinds with no older counterpart above (appended: values are not ABI, but stable).
  BadXfer,                        // the transfer sideband or a descriptor is wrong (BAD_XFER)
  BadCallId,                      // RETURN names no call in flight (BAD_CALL_ID)
  Cancelled,                      // the call was cancelled before it completed (CANCELLED)
  TimedOut,                       // cap_enter's timeout passed first (TIMED_OUT)
  ApplicationException,           // a CapException is in the result buffer (layer 2)
  ApplicationExceptionTruncated,  // as above, its message dropped to fit
};

// The last enumerator (for exhaustive loops in tests).
inline constexpr Error last_error = Error::ApplicationExceptionTruncated;

// A stable, human-readable name ("QuotaExceeded"); never null.
const char* error_name(Error error);

}  // namespace capos
