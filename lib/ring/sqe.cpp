#include "lib/ring/sqe.h"

#include "lib/core/checked.h"

namespace capos {

RingResult<Opcode> decode_sqe(const CapSqe& sqe) {
  if (sqe.opcode >= FIRST_RESERVED_OPCODE) return TransportCode::BadOpcode;
  // In range by the check above: 0..4 are exactly the Opcode enumerators.
  const auto opcode = static_cast<Opcode>(sqe.opcode);
  if (sqe.flags != 0 || sqe.pipeline_dep != 0 || sqe.pipeline_field != 0) {
    return TransportCode::Invalid;
  }
  if (sqe.xfer_count > MAX_XFER_DESCS) return TransportCode::BadXfer;
  if (!carries_transfers(opcode) && (sqe.xfer_count != 0 || sqe.xfer_addr != 0)) {
    return TransportCode::BadXfer;
  }
  if (sqe.xfer_count == 0 && sqe.xfer_addr != 0) return TransportCode::BadXfer;
  return opcode;
}

RingResult<TransferMode> decode_xfer_desc(const XferDesc& desc) {
  TransferMode mode{};
  if (desc.mode == to_raw(TransferMode::Copy)) {
    mode = TransferMode::Copy;
  } else if (desc.mode == to_raw(TransferMode::Move)) {
    mode = TransferMode::Move;
  } else {
    return TransportCode::BadXfer;
  }
  if (desc.flags != 0 || desc.reserved16 != 0 || desc.reserved64 != 0) {
    return TransportCode::Invalid;
  }
  return mode;
}

RingResult<void> decode_xfer_descs(std::span<const XferDesc> descs) {
  if (descs.size() > MAX_XFER_DESCS) return TransportCode::BadXfer;
  for (const XferDesc& desc : descs) TRY(decode_xfer_desc(desc));
  // Quadratic, but over at most MAX_XFER_DESCS entries (checked above).
  for (size_t i = 0; i < descs.size(); ++i) {
    for (size_t j = i + 1; j < descs.size(); ++j) {
      const bool any_move = descs[i].mode == to_raw(TransferMode::Move) ||
                            descs[j].mode == to_raw(TransferMode::Move);
      if (any_move && descs[i].cap_id == descs[j].cap_id) return TransportCode::BadXfer;
    }
  }
  return {};
}

RingResult<ResultCapPlacement> place_result_cap_records(uint32_t payload_end, uint32_t cap_count,
                                                        uint32_t result_len) {
  if (cap_count > MAX_XFER_DESCS) return TransportCode::BadXfer;
  if (payload_end > result_len) return TransportCode::TooBig;
  if (cap_count == 0) return ResultCapPlacement{payload_end, 0, payload_end};
  // u64 arithmetic on u32 inputs cannot overflow, but it stays checked so that a later change
  // of widths cannot silently wrap.
  const Result<uint64_t> aligned = align_up(payload_end, alignof(ResultCapRecord));
  if (!aligned) return TransportCode::TooBig;
  const Result<uint64_t> records_bytes = checked_mul<uint64_t>(cap_count, sizeof(ResultCapRecord));
  if (!records_bytes) return TransportCode::TooBig;
  const Result<uint64_t> total = checked_add<uint64_t>(*aligned, *records_bytes);
  if (!total || *total > result_len) return TransportCode::TooBig;
  // Both fit in u32: aligned <= total <= result_len.
  const auto records_offset = static_cast<uint32_t>(*aligned);
  return ResultCapPlacement{records_offset, records_offset - payload_end,
                            static_cast<uint32_t>(*total)};
}

}  // namespace capos
