#include "lib/ring/sqe.h"

#include "lib/core/checked.h"
#include "lib/ring/transport.h"

namespace capos {

Result<Opcode> decode_sqe(const CapSqe& sqe) {
  if (sqe.opcode >= FIRST_RESERVED_OPCODE) return Error::BadOpcode;
  // In range by the check above: 0..4 are exactly the Opcode enumerators.
  const auto opcode = static_cast<Opcode>(sqe.opcode);
  if (sqe.flags != 0 || sqe.pipeline_dep != 0 || sqe.pipeline_field != 0) {
    return Error::InvalidArgument;
  }
  if (sqe.xfer_count > MAX_XFER_DESCS) return Error::BadXfer;
  if (!carries_transfers(opcode) && (sqe.xfer_count != 0 || sqe.xfer_addr != 0)) {
    return Error::BadXfer;
  }
  if (sqe.xfer_count == 0 && sqe.xfer_addr != 0) return Error::BadXfer;
  return opcode;
}

Result<TransferMode> decode_xfer_desc(const XferDesc& desc) {
  TransferMode mode{};
  if (desc.mode == to_raw(TransferMode::Copy)) {
    mode = TransferMode::Copy;
  } else if (desc.mode == to_raw(TransferMode::Move)) {
    mode = TransferMode::Move;
  } else {
    return Error::BadXfer;
  }
  if (desc.flags != 0 || desc.reserved16 != 0 || desc.reserved64 != 0) {
    return Error::InvalidArgument;
  }
  return mode;
}

Result<void> decode_xfer_descs(std::span<const XferDesc> descs) {
  if (descs.size() > MAX_XFER_DESCS) return Error::BadXfer;
  for (const XferDesc& desc : descs) TRY(decode_xfer_desc(desc));
  // Quadratic, but over at most MAX_XFER_DESCS entries (checked above).
  for (size_t i = 0; i < descs.size(); ++i) {
    for (size_t j = i + 1; j < descs.size(); ++j) {
      const bool any_move = descs[i].mode == to_raw(TransferMode::Move) ||
                            descs[j].mode == to_raw(TransferMode::Move);
      if (any_move && descs[i].cap_id == descs[j].cap_id) return Error::BadXfer;
    }
  }
  return {};
}

Result<ResultCapPlacement> place_result_cap_records(uint32_t payload_end, uint32_t cap_count,
                                                    uint32_t result_len) {
  if (cap_count > MAX_XFER_DESCS) return Error::BadXfer;
  if (payload_end > result_len) return Error::TooBig;
  if (cap_count == 0) return ResultCapPlacement{payload_end, 0, payload_end};
  // u64 arithmetic on u32 inputs cannot overflow, but it stays checked so that a later change
  // of widths cannot silently wrap.
  const Result<uint64_t> aligned = align_up(payload_end, alignof(ResultCapRecord));
  if (!aligned) return Error::TooBig;
  const Result<uint64_t> records_bytes = checked_mul<uint64_t>(cap_count, sizeof(ResultCapRecord));
  if (!records_bytes) return Error::TooBig;
  const Result<uint64_t> total = checked_add<uint64_t>(*aligned, *records_bytes);
  if (!total || *total > result_len) return Error::TooBig;
  // Both fit in u32: aligned <= total <= result_len.
  const auto records_offset = static_cast<uint32_t>(*aligned);
  return ResultCapPlacement{records_offset, records_offset - payload_end,
                            static_cast<uint32_t>(*total)};
}

CapCqe error_completion(const CapSqe& sqe, Error error) {
  CapCqe cqe{};
  cqe.user_data = sqe.user_data;
  cqe.result = transport_result(error);
  return cqe;
}

}  // namespace capos
