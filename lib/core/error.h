// lib/core/error.h — the one error vocabulary of capOS (STYLE.md "Errors").
//
// Every recoverable failure in lib/, the kernel and userspace is one of these values. Modules
// that need a finer diagnosis (the ELF validator, the manifest decoder) carry their own detail
// enum and map it onto this one with a to_error() function, so TRY still composes across them.
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
};

// A stable, human-readable name ("QuotaExceeded"); never null.
const char* error_name(Error error);

}  // namespace capos
