#include "lib/ring/transport.h"

namespace capos {

const char* transport_code_name(TransportCode code) {
  switch (code) {
    case TransportCode::Invalid: return "CAP_ERR_INVALID";
    case TransportCode::BadOpcode: return "CAP_ERR_BAD_OPCODE";
    case TransportCode::BadCap: return "CAP_ERR_BAD_CAP";
    case TransportCode::BadInterface: return "CAP_ERR_BAD_INTERFACE";
    case TransportCode::BadMethod: return "CAP_ERR_BAD_METHOD";
    case TransportCode::Fault: return "CAP_ERR_FAULT";
    case TransportCode::TooBig: return "CAP_ERR_TOO_BIG";
    case TransportCode::Quota: return "CAP_ERR_QUOTA";
    case TransportCode::BadXfer: return "CAP_ERR_BAD_XFER";
    case TransportCode::BadCallId: return "CAP_ERR_BAD_CALL_ID";
    case TransportCode::PeerGone: return "CAP_ERR_PEER_GONE";
    case TransportCode::Cancelled: return "CAP_ERR_CANCELLED";
    case TransportCode::ApplicationException: return "CAP_ERR_APPLICATION_EXCEPTION";
    case TransportCode::ApplicationExceptionTruncated:
      return "CAP_ERR_APPLICATION_EXCEPTION_TRUNCATED";
    case TransportCode::RingCorrupt: return "CAP_ERR_RING_CORRUPT";
    case TransportCode::TimedOut: return "CAP_ERR_TIMED_OUT";
  }
  return "CAP_ERR_UNKNOWN";
}

std::optional<TransportCode> transport_code_from_raw(int64_t raw) {
  if (raw >= 0 || raw < TRANSPORT_CODE_MIN) return std::nullopt;
  // The v1 codes are exactly the integers [TRANSPORT_CODE_MIN, -1] (abi.h), so the cast names
  // an enumerator.
  return static_cast<TransportCode>(static_cast<int32_t>(raw));
}

TransportCode to_transport_code(Error error) {
  switch (error) {
    case Error::InvalidArgument: return TransportCode::Invalid;
    case Error::BadOpcode: return TransportCode::BadOpcode;
    case Error::BadCap: return TransportCode::BadCap;
    case Error::BadInterface: return TransportCode::BadInterface;
    case Error::BadMethod: return TransportCode::BadMethod;
    case Error::Fault: return TransportCode::Fault;
    case Error::TooBig: return TransportCode::TooBig;
    case Error::QuotaExceeded: return TransportCode::Quota;
    case Error::BadXfer: return TransportCode::BadXfer;
    case Error::BadCallId: return TransportCode::BadCallId;
    case Error::PeerGone: return TransportCode::PeerGone;
    case Error::Cancelled: return TransportCode::Cancelled;
    case Error::ApplicationException: return TransportCode::ApplicationException;
    case Error::ApplicationExceptionTruncated: return TransportCode::ApplicationExceptionTruncated;
    case Error::RingCorrupt: return TransportCode::RingCorrupt;
    case Error::TimedOut: return TransportCode::TimedOut;
    // Folds (transport.h).
    case Error::Exhausted: return TransportCode::Quota;
    case Error::WouldBlock: return TransportCode::TimedOut;
    case Error::Overflow:
    case Error::OutOfRange:
    case Error::DoubleFree:
    case Error::NotFound:
    case Error::AlreadyExists:
    case Error::Malformed:
    case Error::Unsupported:
    case Error::InvalidState: return TransportCode::Invalid;
  }
  return TransportCode::Invalid;  // an out-of-enum value: refuse, never succeed
}

Error to_error(TransportCode code) {
  switch (code) {
    case TransportCode::Invalid: return Error::InvalidArgument;
    case TransportCode::BadOpcode: return Error::BadOpcode;
    case TransportCode::BadCap: return Error::BadCap;
    case TransportCode::BadInterface: return Error::BadInterface;
    case TransportCode::BadMethod: return Error::BadMethod;
    case TransportCode::Fault: return Error::Fault;
    case TransportCode::TooBig: return Error::TooBig;
    case TransportCode::Quota: return Error::QuotaExceeded;
    case TransportCode::BadXfer: return Error::BadXfer;
    case TransportCode::BadCallId: return Error::BadCallId;
    case TransportCode::PeerGone: return Error::PeerGone;
    case TransportCode::Cancelled: return Error::Cancelled;
    case TransportCode::ApplicationException: return Error::ApplicationException;
    case TransportCode::ApplicationExceptionTruncated: return Error::ApplicationExceptionTruncated;
    case TransportCode::RingCorrupt: return Error::RingCorrupt;
    case TransportCode::TimedOut: return Error::TimedOut;
  }
  return Error::InvalidArgument;  // an out-of-enum value: the nearest kind, never success
}

}  // namespace capos
