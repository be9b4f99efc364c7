// Transport codes (SPEC §4) and their correspondence with capos::Error.
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include "lib/ring/abi.h"
#include "lib/ring/transport.h"
#include "tests/lib/ring/ring_test_util.h"

namespace capos {
namespace {

struct Expected {
  TransportCode code;
  int32_t raw;
  const char* name;
};

constexpr Expected spec_codes[] = {
    {TransportCode::Invalid, -1, "CAP_ERR_INVALID"},
    {TransportCode::BadOpcode, -2, "CAP_ERR_BAD_OPCODE"},
    {TransportCode::BadCap, -3, "CAP_ERR_BAD_CAP"},
    {TransportCode::BadInterface, -4, "CAP_ERR_BAD_INTERFACE"},
    {TransportCode::BadMethod, -5, "CAP_ERR_BAD_METHOD"},
    {TransportCode::Fault, -6, "CAP_ERR_FAULT"},
    {TransportCode::TooBig, -7, "CAP_ERR_TOO_BIG"},
    {TransportCode::Quota, -8, "CAP_ERR_QUOTA"},
    {TransportCode::BadXfer, -9, "CAP_ERR_BAD_XFER"},
    {TransportCode::BadCallId, -10, "CAP_ERR_BAD_CALL_ID"},
    {TransportCode::PeerGone, -11, "CAP_ERR_PEER_GONE"},
    {TransportCode::Cancelled, -12, "CAP_ERR_CANCELLED"},
    {TransportCode::ApplicationException, -13, "CAP_ERR_APPLICATION_EXCEPTION"},
    {TransportCode::ApplicationExceptionTruncated, -14, "CAP_ERR_APPLICATION_EXCEPTION_TRUNCATED"},
    {TransportCode::RingCorrupt, -15, "CAP_ERR_RING_CORRUPT"},
    {TransportCode::TimedOut, -16, "CAP_ERR_TIMED_OUT"},
};

TEST(RingTransport, CodesAreSpecNumbersAndNames) {
  for (const Expected& e : spec_codes) {
    EXPECT_EQ(to_raw(e.code), e.raw);
    EXPECT_STREQ(transport_code_name(e.code), e.name);
    EXPECT_EQ(transport_code_from_raw(e.raw), std::optional<TransportCode>(e.code));
  }
  EXPECT_EQ(TRANSPORT_CODE_MIN, -16);
}

TEST(RingTransport, FromRawRejectsSuccessCountsAndUnknownCodes) {
  for (int64_t raw : {int64_t{0}, int64_t{1}, int64_t{32}, int64_t{INT32_MAX}, int64_t{-17},
                      int64_t{INT32_MIN}, int64_t{INT64_MIN}, int64_t{INT64_MAX}}) {
    EXPECT_EQ(transport_code_from_raw(raw), std::nullopt) << raw;
  }
}

// The one mapping (lib/ring/transport.h): each of the sixteen codes has exactly one Error, and
// the inverse is exact on them.
TEST(RingTransport, EveryCodeHasExactlyOneErrorAndRoundTrips) {
  const std::pair<TransportCode, Error> pairs[] = {
      {TransportCode::Invalid, Error::InvalidArgument},
      {TransportCode::BadOpcode, Error::BadOpcode},
      {TransportCode::BadCap, Error::BadCap},
      {TransportCode::BadInterface, Error::BadInterface},
      {TransportCode::BadMethod, Error::BadMethod},
      {TransportCode::Fault, Error::Fault},
      {TransportCode::TooBig, Error::TooBig},
      {TransportCode::Quota, Error::QuotaExceeded},
      {TransportCode::BadXfer, Error::BadXfer},
      {TransportCode::BadCallId, Error::BadCallId},
      {TransportCode::PeerGone, Error::PeerGone},
      {TransportCode::Cancelled, Error::Cancelled},
      {TransportCode::ApplicationException, Error::ApplicationException},
      {TransportCode::ApplicationExceptionTruncated, Error::ApplicationExceptionTruncated},
      {TransportCode::RingCorrupt, Error::RingCorrupt},
      {TransportCode::TimedOut, Error::TimedOut},
  };
  std::set<int32_t> raws;
  for (const auto& [code, error] : pairs) {
    EXPECT_EQ(to_error(code), error) << transport_code_name(code);
    EXPECT_EQ(to_transport_code(error), code) << error_name(error);
    EXPECT_EQ(transport_result(error), to_raw(code));
    raws.insert(to_raw(code));
  }
  EXPECT_EQ(raws.size(), static_cast<size_t>(-TRANSPORT_CODE_MIN));  // every v1 code, once
  for (int32_t raw = TRANSPORT_CODE_MIN; raw < 0; ++raw) {
    const TransportCode code = *transport_code_from_raw(raw);
    EXPECT_EQ(to_transport_code(to_error(code)), code) << raw;
  }
}

// Every Error the kernel can produce completes an SQE with a real v1 code, never success; only
// the documented detail kinds fold, and exactly onto the documented codes.
TEST(RingTransport, EveryErrorMapsToAV1CodeAndOnlyDetailKindsFold) {
  std::set<std::string> names;
  size_t exact = 0;
  for (int16_t value = 1; value <= static_cast<int16_t>(last_error); ++value) {
    const auto error = static_cast<Error>(value);
    names.insert(error_name(error));
    const TransportCode code = to_transport_code(error);
    EXPECT_TRUE(transport_code_from_raw(to_raw(code)).has_value()) << error_name(error);
    if (to_error(code) == error) ++exact;
  }
  EXPECT_EQ(names.count("UnknownError"), 0U) << "Error grew: extend to_transport_code";
  EXPECT_EQ(exact, static_cast<size_t>(-TRANSPORT_CODE_MIN));
  EXPECT_EQ(to_transport_code(Error::Exhausted), TransportCode::Quota);
  EXPECT_EQ(to_transport_code(Error::WouldBlock), TransportCode::TimedOut);
  for (const Error folded :
       {Error::Overflow, Error::OutOfRange, Error::DoubleFree, Error::NotFound,
        Error::AlreadyExists, Error::Malformed, Error::Unsupported, Error::InvalidState}) {
    EXPECT_EQ(to_transport_code(folded), TransportCode::Invalid) << error_name(folded);
  }
  EXPECT_EQ(to_transport_code(static_cast<Error>(999)), TransportCode::Invalid);
}

}  // namespace
}  // namespace capos
