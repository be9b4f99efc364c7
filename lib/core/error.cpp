#include "lib/core/error.h"

namespace capos {

const char* error_name(Error error) {
  switch (error) {
    case Error::InvalidArgument: return "InvalidArgument";
    case Error::BadCap: return "BadCap";
    case Error::BadInterface: return "BadInterface";
    case Error::BadOpcode: return "BadOpcode";
    case Error::BadMethod: return "BadMethod";
    case Error::Fault: return "Fault";
    case Error::TooBig: return "TooBig";
    case Error::QuotaExceeded: return "QuotaExceeded";
    case Error::RingCorrupt: return "RingCorrupt";
    case Error::PeerGone: return "PeerGone";
    case Error::WouldBlock: return "WouldBlock";
    case Error::Overflow: return "Overflow";
    case Error::OutOfRange: return "OutOfRange";
    case Error::Exhausted: return "Exhausted";
    case Error::DoubleFree: return "DoubleFree";
    case Error::NotFound: return "NotFound";
    case Error::AlreadyExists: return "AlreadyExists";
    case Error::Malformed: return "Malformed";
    case Error::Unsupported: return "Unsupported";
    case Error::InvalidState: return "InvalidState";
    case Error::BadXfer: return "BadXfer";
    case Error::BadCallId: return "BadCallId";
    case Error::Cancelled: return "Cancelled";
    case Error::TimedOut: return "TimedOut";
    case Error::ApplicationException: return "ApplicationException";
    case Error::ApplicationExceptionTruncated: return "ApplicationExceptionTruncated";
  }
  return "UnknownError";
}

}  // namespace capos
