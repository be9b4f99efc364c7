// Object-independent SQE / transfer-descriptor decoding and result-cap record placement.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

#include "lib/ring/abi.h"
#include "lib/ring/sqe.h"
#include "tests/lib/ring/ring_test_util.h"

namespace capos {
namespace {

using ring_test::error_of;

CapSqe sqe_for(Opcode opcode) {
  CapSqe sqe{};
  sqe.opcode = to_raw(opcode);
  sqe.cap_id = 0x01000001;
  sqe.user_data = 42;
  return sqe;
}

TEST(RingSqe, AcceptsEveryV1OpcodeWithZeroReservedFields) {
  for (Opcode opcode : {Opcode::Nop, Opcode::Call, Opcode::Recv, Opcode::Return, Opcode::Release}) {
    const auto decoded = decode_sqe(sqe_for(opcode));
    ASSERT_TRUE(decoded.has_value()) << int{to_raw(opcode)};
    EXPECT_EQ(*decoded, opcode);
  }
}

TEST(RingSqe, ReservedOpcodesAreBadOpcode) {
  for (unsigned raw = FIRST_RESERVED_OPCODE; raw <= 0xff; ++raw) {
    CapSqe sqe = sqe_for(Opcode::Nop);
    sqe.opcode = static_cast<uint8_t>(raw);
    EXPECT_EQ(error_of(decode_sqe(sqe)), Error::BadOpcode) << raw;
  }
}

TEST(RingSqe, NonzeroReservedFieldsAreInvalid) {
  for (int field = 0; field < 3; ++field) {
    for (Opcode opcode : {Opcode::Nop, Opcode::Call, Opcode::Release}) {
      CapSqe sqe = sqe_for(opcode);
      if (field == 0) sqe.flags = 0x80;
      if (field == 1) sqe.pipeline_dep = 1;
      if (field == 2) sqe.pipeline_field = 0xFFFFFFFF;
      EXPECT_EQ(error_of(decode_sqe(sqe)), Error::InvalidArgument) << field;
    }
  }
}

TEST(RingSqe, PrecedenceIsOpcodeThenReservedThenTransfer) {
  CapSqe sqe = sqe_for(Opcode::Call);
  sqe.opcode = 9;
  sqe.flags = 1;
  sqe.xfer_count = 99;
  EXPECT_EQ(error_of(decode_sqe(sqe)), Error::BadOpcode);
  sqe.opcode = to_raw(Opcode::Call);
  EXPECT_EQ(error_of(decode_sqe(sqe)), Error::InvalidArgument);
  sqe.flags = 0;
  EXPECT_EQ(error_of(decode_sqe(sqe)), Error::BadXfer);
}

TEST(RingSqe, TransferSidebandRules) {
  for (Opcode opcode : {Opcode::Call, Opcode::Return}) {
    CapSqe sqe = sqe_for(opcode);
    sqe.xfer_addr = 0x10000;
    for (uint32_t count = 1; count <= MAX_XFER_DESCS; ++count) {
      sqe.xfer_count = count;
      EXPECT_TRUE(decode_sqe(sqe).has_value()) << count;
    }
    for (uint32_t count : {5U, 6U, 0x80000000U, 0xFFFFFFFFU}) {
      sqe.xfer_count = count;
      EXPECT_EQ(error_of(decode_sqe(sqe)), Error::BadXfer) << count;
    }
    sqe.xfer_count = 0;  // an address without descriptors is a confused request
    EXPECT_EQ(error_of(decode_sqe(sqe)), Error::BadXfer);
  }
  for (Opcode opcode : {Opcode::Nop, Opcode::Recv, Opcode::Release}) {
    CapSqe sqe = sqe_for(opcode);
    sqe.xfer_count = 1;
    EXPECT_EQ(error_of(decode_sqe(sqe)), Error::BadXfer);
    sqe.xfer_count = 0;
    sqe.xfer_addr = 0x10000;
    EXPECT_EQ(error_of(decode_sqe(sqe)), Error::BadXfer);
  }
}

// Whatever the bytes, decode_sqe returns the code its documented precedence names.
RC_GTEST_PROP(RingSqe, DecodeMatchesPrecedenceOnArbitrarySqes,
              (const std::array<uint8_t, 64>& bytes)) {
  CapSqe sqe{};
  std::memcpy(&sqe, bytes.data(), sizeof(sqe));
  if (*rc::gen::arbitrary<bool>()) sqe.opcode = *rc::gen::inRange<uint8_t>(0, 5);
  if (*rc::gen::arbitrary<bool>()) {
    sqe.flags = 0;
    sqe.pipeline_dep = 0;
    sqe.pipeline_field = 0;
  }
  if (*rc::gen::arbitrary<bool>()) sqe.xfer_count = *rc::gen::inRange<uint32_t>(0, 6);
  if (*rc::gen::arbitrary<bool>()) sqe.xfer_addr = sqe.xfer_count == 0 ? 0 : sqe.xfer_addr;
  const auto result = decode_sqe(sqe);
  std::optional<Error> expected;
  const bool transfers = sqe.opcode == 1 || sqe.opcode == 3;
  if (sqe.opcode >= 5) {
    expected = Error::BadOpcode;
  } else if (sqe.flags != 0 || sqe.pipeline_dep != 0 || sqe.pipeline_field != 0) {
    expected = Error::InvalidArgument;
  } else if (sqe.xfer_count > 4 || (!transfers && (sqe.xfer_count != 0 || sqe.xfer_addr != 0)) ||
             (sqe.xfer_count == 0 && sqe.xfer_addr != 0)) {
    expected = Error::BadXfer;
  }
  RC_ASSERT(error_of(result) == expected);
  if (!expected) RC_ASSERT(to_raw(*result) == sqe.opcode);
}

TEST(RingSqe, XferDescModeThenReserved) {
  EXPECT_EQ(*decode_xfer_desc({5, to_raw(TransferMode::Copy), 0, 0, 0}), TransferMode::Copy);
  EXPECT_EQ(*decode_xfer_desc({5, to_raw(TransferMode::Move), 0, 0, 0}), TransferMode::Move);
  for (uint8_t mode : {uint8_t{0}, uint8_t{3}, uint8_t{0xff}}) {
    EXPECT_EQ(error_of(decode_xfer_desc({5, mode, 0, 0, 0})), Error::BadXfer) << int{mode};
    EXPECT_EQ(error_of(decode_xfer_desc({5, mode, 1, 0, 0})), Error::BadXfer);
  }
  EXPECT_EQ(error_of(decode_xfer_desc({5, 1, 1, 0, 0})), Error::InvalidArgument);
  EXPECT_EQ(error_of(decode_xfer_desc({5, 1, 0, 1, 0})), Error::InvalidArgument);
  EXPECT_EQ(error_of(decode_xfer_desc({5, 2, 0, 0, uint64_t{1} << 63})), Error::InvalidArgument);
}

TEST(RingSqe, XferDescArrays) {
  const XferDesc copy_a{7, 1, 0, 0, 0};
  const XferDesc copy_b{8, 1, 0, 0, 0};
  const XferDesc move_a{7, 2, 0, 0, 0};
  const XferDesc bad{9, 0, 0, 0, 0};
  EXPECT_TRUE(decode_xfer_descs({}).has_value());
  EXPECT_TRUE(decode_xfer_descs(std::array{copy_a, copy_b, copy_a}).has_value());
  EXPECT_TRUE(decode_xfer_descs(std::array{move_a, copy_b}).has_value());
  EXPECT_EQ(error_of(decode_xfer_descs(std::array{move_a, copy_a})), Error::BadXfer);
  EXPECT_EQ(error_of(decode_xfer_descs(std::array{copy_b, move_a, move_a})), Error::BadXfer);
  EXPECT_EQ(error_of(decode_xfer_descs(std::array{copy_a, bad})), Error::BadXfer);
  EXPECT_EQ(error_of(decode_xfer_descs(std::array{copy_a, copy_a, copy_a, copy_a, copy_a})),
            Error::BadXfer);
}

TEST(RingSqe, ResultCapRecordPlacementExamples) {
  auto placed = place_result_cap_records(13, 2, 64);
  ASSERT_TRUE(placed.has_value());
  EXPECT_EQ(placed->records_offset, 16U);
  EXPECT_EQ(placed->padding_length, 3U);
  EXPECT_EQ(placed->total_length, 48U);

  placed = place_result_cap_records(32, 1, 48);  // RECV: header, empty params, one record
  ASSERT_TRUE(placed.has_value());
  EXPECT_EQ(placed->records_offset, 32U);
  EXPECT_EQ(placed->padding_length, 0U);
  EXPECT_EQ(placed->total_length, 48U);

  placed = place_result_cap_records(13, 0, 13);  // no records: no padding either
  ASSERT_TRUE(placed.has_value());
  EXPECT_EQ(placed->total_length, 13U);
  EXPECT_EQ(placed->padding_length, 0U);

  EXPECT_EQ(error_of(place_result_cap_records(13, 2, 47)), Error::TooBig);
  EXPECT_EQ(error_of(place_result_cap_records(65, 0, 64)), Error::TooBig);
  EXPECT_EQ(error_of(place_result_cap_records(0, 5, 4096)), Error::BadXfer);
  EXPECT_EQ(error_of(place_result_cap_records(UINT32_MAX, 1, UINT32_MAX)), Error::TooBig);
  EXPECT_EQ(error_of(place_result_cap_records(UINT32_MAX - 3, 0, UINT32_MAX - 4)), Error::TooBig);
}

RC_GTEST_PROP(RingSqe, PlacementIsAlignedBoundedAndExact,
              (uint32_t payload_end, uint32_t result_len)) {
  const auto cap_count = *rc::gen::inRange<uint32_t>(0, 6);
  if (*rc::gen::arbitrary<bool>()) payload_end %= 4096;
  if (*rc::gen::arbitrary<bool>()) result_len %= 8192;
  const auto placed = place_result_cap_records(payload_end, cap_count, result_len);
  const uint64_t aligned = (uint64_t{payload_end} + 7) / 8 * 8;
  const uint64_t total = cap_count == 0 ? payload_end : aligned + 16ULL * cap_count;
  if (cap_count > 4) {
    RC_ASSERT(error_of(placed) == std::optional(Error::BadXfer));
  } else if (total > result_len) {
    RC_ASSERT(error_of(placed) == std::optional(Error::TooBig));
  } else {
    RC_ASSERT(placed.has_value());
    RC_ASSERT(placed->total_length == total);
    RC_ASSERT(placed->total_length <= result_len);
    if (cap_count > 0) {
      RC_ASSERT(placed->records_offset % 8 == 0);
      RC_ASSERT(placed->records_offset == payload_end + placed->padding_length);
      RC_ASSERT(placed->padding_length < 8);
    }
  }
}

TEST(RingSqe, ErrorCompletionEchoesUserDataOnly) {
  CapSqe sqe = sqe_for(Opcode::Call);
  sqe.user_data = 0xDEADBEEFCAFEF00D;
  sqe.call_id = 77;
  const CapCqe cqe = error_completion(sqe, Error::BadCap);
  EXPECT_EQ(cqe.user_data, sqe.user_data);
  EXPECT_EQ(cqe.result, -3);
  EXPECT_EQ(cqe.flags, 0U);
  EXPECT_EQ(cqe.call_id, 0U);
  EXPECT_EQ(cqe.cap_count, 0U);
  EXPECT_EQ(cqe.reserved, 0U);
}

}  // namespace
}  // namespace capos
