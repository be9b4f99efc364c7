// lib/ring/sqe.h — the checks of SQEs and transfer descriptors that need no kernel object
// (STYLE.md "Decode, then invoke": every function here inspects a kernel-private copy and
// changes nothing), and where result-cap records go in a result buffer.
//
// Error precedence for one SQE (the first failing check decides the CQE):
//   1. opcode >= FIRST_RESERVED_OPCODE                               -> BAD_OPCODE
//   2. flags, pipeline_dep or pipeline_field nonzero (reserved in v1) -> INVALID
//   3. the transfer sideband: xfer_count > MAX_XFER_DESCS; xfer_count or xfer_addr nonzero on
//      an opcode that carries no transfers (NOP, RECV, RELEASE); xfer_addr nonzero with
//      xfer_count 0                                                   -> BAD_XFER
// Every rejection of the transfer sideband itself is BAD_XFER, so a user can tell "your
// descriptors" from "your SQE"; reserved fields inside a descriptor are INVALID like all
// reserved fields (SPEC §4). Failures are capos::Error values (BadOpcode, InvalidArgument,
// BadXfer, TooBig); lib/ring/transport.h maps them onto the CQE.
#pragma once

#include <cstdint>
#include <span>

#include "lib/core/error.h"
#include "lib/core/result.h"
#include "lib/ring/abi.h"

namespace capos {

// Opcodes whose SQE may carry transfer descriptors (SPEC §3 "Transfer").
[[nodiscard]] constexpr bool carries_transfers(Opcode opcode) {
  return opcode == Opcode::Call || opcode == Opcode::Return;
}

// The opcode of `sqe` if it passes every object-independent check above.
[[nodiscard]] Result<Opcode> decode_sqe(const CapSqe& sqe);

// One descriptor: mode must be COPY or MOVE (else BAD_XFER), then flags, reserved16 and
// reserved64 must be 0 (else INVALID).
[[nodiscard]] Result<TransferMode> decode_xfer_desc(const XferDesc& desc);

// A whole descriptor array as copied in from xfer_addr: at most MAX_XFER_DESCS (BAD_XFER),
// each one valid, and no cap both MOVEd and named by another descriptor of the same array
// (BAD_XFER: the move would race the other use). COPYing one cap twice is allowed.
[[nodiscard]] Result<void> decode_xfer_descs(std::span<const XferDesc> descs);

// Where `cap_count` result-cap records go when the payload ends at byte `payload_end` of a
// result buffer of `result_len` bytes (payload_end counts an EndpointMessageHeader for RECV).
struct ResultCapPlacement {
  uint32_t records_offset;  // payload_end rounded up to 8
  uint32_t padding_length;  // zero bytes the kernel writes between payload and records
  uint32_t total_length;    // bytes written in all = the CQE result; payload_end if no records
};

// BAD_XFER when cap_count > MAX_XFER_DESCS; TOO_BIG when the payload, padding and records do
// not fit in result_len. All arithmetic is checked (no input can wrap it).
[[nodiscard]] Result<ResultCapPlacement> place_result_cap_records(uint32_t payload_end,
                                                                  uint32_t cap_count,
                                                                  uint32_t result_len);

// The CQE completing `sqe` with a transport error: user_data echoed, everything else zero.
[[nodiscard]] CapCqe error_completion(const CapSqe& sqe, Error error);

}  // namespace capos
