// lib/capnp/capnp_error.h — why a Cap'n Proto message was rejected or could not be built.
//
// Every reader or builder failure is one of these values, so a test (or a log line) can say
// exactly which rule a hostile message broke. to_error() folds the detail onto capos::Error for
// callers that only need the coarse kind; TRY composes through it.
#pragma once

#include <cstdint>

#include "lib/core/error.h"
#include "lib/core/result.h"

namespace capos::capnp {

enum class CapnpError : uint8_t {
  // Segment table (MessageReader::parse).
  TruncatedSegmentTable = 1,  // fewer bytes than the segment count / sizes / padding need
  TooManySegments,            // segment count above MAX_SEGMENTS
  SegmentOutOfBounds,         // a segment's declared size runs past the end of the bytes
  MessageSizeOverflow,        // segment sizes sum past 2^64 bytes (checked; unreachable on 64-bit)
  TrailingBytes,              // bytes after the last segment (TrailingBytes::Reject)
  MissingRootPointer,         // segment 0 is empty (or no message was parsed)

  // Pointers (StructReader / ListReader / PointerReader).
  PointerOutOfBounds,      // the object a pointer names does not lie inside its segment
  BadPointerKind,          // e.g. a list where a struct was expected, or an unknown OTHER pointer
  UnknownSegment,          // a far pointer names a segment id the message does not have
  LandingPadOutOfBounds,   // a far pointer's landing pad does not lie inside its segment
  BadLandingPad,           // single-far pad is itself far; double-far pad is not a single far
  WrongElementSize,        // list element size incompatible with the expected one (see README)
  BadInlineCompositeTag,   // an inline-composite list's tag word is not a struct pointer
  InlineCompositeOverrun,  // tag element count x element size exceeds the list's word count
  TextNotNulTerminated,    // text is empty or its last byte is not NUL
  TraversalLimitExceeded,  // ReaderOptions::traversal_limit_words would be exceeded
  NestingLimitExceeded,    // ReaderOptions::nesting_limit would be exceeded
  IndexOutOfRange,         // list element index >= size (pointer and struct elements)

  // Builder (MessageBuilder / StructBuilder / ListBuilder / PointerBuilder).
  SegmentsExhausted,       // no caller-provided segment has room for the object
  OutputTooSmall,          // serialize(): the output buffer cannot hold the message
  ListTooLong,             // element or word count above 2^29 - 1 (wire limit)
  PointerIndexOutOfRange,  // pointer index >= the struct's pointer count
  PointerAlreadySet,       // builders write each pointer at most once (no orphaned objects)
};

template <typename T>
using CapnpResult = Result<T, CapnpError>;

// A stable name ("BadLandingPad"); never null.
const char* capnp_error_name(CapnpError error);

// Malformed for broken wire format, TooBig for limits (segments, traversal, nesting, output,
// list length), Exhausted when builder segments run out, OutOfRange for indices, Overflow for
// size arithmetic, InvalidState for a pointer written twice.
Error to_error(CapnpError error);

}  // namespace capos::capnp
