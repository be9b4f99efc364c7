#include "lib/capnp/capnp_error.h"

namespace capos::capnp {

const char* capnp_error_name(CapnpError error) {
  switch (error) {
    case CapnpError::TruncatedSegmentTable: return "TruncatedSegmentTable";
    case CapnpError::TooManySegments: return "TooManySegments";
    case CapnpError::SegmentOutOfBounds: return "SegmentOutOfBounds";
    case CapnpError::MessageSizeOverflow: return "MessageSizeOverflow";
    case CapnpError::TrailingBytes: return "TrailingBytes";
    case CapnpError::MissingRootPointer: return "MissingRootPointer";
    case CapnpError::PointerOutOfBounds: return "PointerOutOfBounds";
    case CapnpError::BadPointerKind: return "BadPointerKind";
    case CapnpError::UnknownSegment: return "UnknownSegment";
    case CapnpError::LandingPadOutOfBounds: return "LandingPadOutOfBounds";
    case CapnpError::BadLandingPad: return "BadLandingPad";
    case CapnpError::WrongElementSize: return "WrongElementSize";
    case CapnpError::BadInlineCompositeTag: return "BadInlineCompositeTag";
    case CapnpError::InlineCompositeOverrun: return "InlineCompositeOverrun";
    case CapnpError::TextNotNulTerminated: return "TextNotNulTerminated";
    case CapnpError::TraversalLimitExceeded: return "TraversalLimitExceeded";
    case CapnpError::NestingLimitExceeded: return "NestingLimitExceeded";
    case CapnpError::IndexOutOfRange: return "IndexOutOfRange";
    case CapnpError::SegmentsExhausted: return "SegmentsExhausted";
    case CapnpError::OutputTooSmall: return "OutputTooSmall";
    case CapnpError::ListTooLong: return "ListTooLong";
    case CapnpError::PointerIndexOutOfRange: return "PointerIndexOutOfRange";
    case CapnpError::PointerAlreadySet: return "PointerAlreadySet";
  }
  return "UnknownCapnpError";
}

Error to_error(CapnpError error) {
  switch (error) {
    case CapnpError::TooManySegments:
    case CapnpError::TraversalLimitExceeded:
    case CapnpError::NestingLimitExceeded:
    case CapnpError::OutputTooSmall:
    case CapnpError::ListTooLong: return Error::TooBig;
    case CapnpError::SegmentsExhausted: return Error::Exhausted;
    case CapnpError::IndexOutOfRange:
    case CapnpError::PointerIndexOutOfRange: return Error::OutOfRange;
    case CapnpError::MessageSizeOverflow: return Error::Overflow;
    case CapnpError::PointerAlreadySet: return Error::InvalidState;
    case CapnpError::TruncatedSegmentTable:
    case CapnpError::SegmentOutOfBounds:
    case CapnpError::TrailingBytes:
    case CapnpError::MissingRootPointer:
    case CapnpError::PointerOutOfBounds:
    case CapnpError::BadPointerKind:
    case CapnpError::UnknownSegment:
    case CapnpError::LandingPadOutOfBounds:
    case CapnpError::BadLandingPad:
    case CapnpError::WrongElementSize:
    case CapnpError::BadInlineCompositeTag:
    case CapnpError::InlineCompositeOverrun:
    case CapnpError::TextNotNulTerminated: return Error::Malformed;
  }
  return Error::Malformed;
}

}  // namespace capos::capnp
