// Schema-driven walks shared by the differential tests: the same struct is dumped to one
// canonical string through libcapnp's dynamic API and through lib/capnp's low-level readers
// (driven by the field offsets and defaults in libcapnp's schema), so "read identically" is
// string equality over every field, union member, group, list element and default.
#pragma once

#include <capnp/dynamic.h>
#include <capnp/schema.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lib/capnp/builder.h"
#include "lib/capnp/capnp_error.h"
#include "lib/capnp/message_reader.h"
#include "lib/capnp/reader.h"
#include "lib/core/bytes.h"

namespace capos::capnp::test {

// Canonical dump via libcapnp. Throws kj::Exception where libcapnp rejects the message.
std::string dump_libcapnp(::capnp::DynamicStruct::Reader reader);

// The limits the differentials give both readers (differential_test.cpp, the capnp_differential
// fuzz harness and the limit-seed replay, limit_seeds_test.cpp): a traversal limit far above any
// generated message but low enough that an amplified list claimed by a mutation fails fast, and
// libcapnp's nesting limit.
inline constexpr uint64_t DIFFERENTIAL_TRAVERSAL_LIMIT_WORDS = uint64_t{1} << 16;
inline constexpr uint32_t DIFFERENTIAL_NESTING_LIMIT = 64;

// lib/capnp's reading of a message (`bytes`, any length) with root struct `schema` under the
// given limits: its canonical dump, or the first error of parse, root or the walk.
CapnpResult<std::string> read_ours(ByteView bytes, ::capnp::StructSchema schema,
                                   uint64_t traversal_limit_words, uint32_t nesting_limit,
                                   TrailingBytes trailing);

// libcapnp's reading of a single-segment message (`words`, flat) with root struct `schema`
// under the given limits: its canonical dump, or nullopt where libcapnp throws.
std::optional<std::string> read_libcapnp(const std::vector<uint64_t>& words,
                                         ::capnp::StructSchema schema,
                                         uint64_t traversal_limit_words, uint32_t nesting_limit);

// Why lib/capnp may reject a message that libcapnp accepts: the stricter rules of
// lib/capnp/README.md "Decisions", each recognised from `error` *and* the bytes (scanned
// independently of lib/capnp), or nullptr when the rejection is none of them (then the two
// readers disagree and the differential fails):
//   TooManySegments      the table declares more than MAX_SEGMENTS segments (libcapnp: 512);
//   PointerOutOfBounds   some word, read as a pointer, names an empty object (no-section struct,
//                        empty or Void list) at an offset outside its segment, directly or as
//                        a double far's tag past the end of its pad's segment (libcapnp clamps);
//   BadLandingPad        some double-far pointer's landing pad starts with a double far
//                        (libcapnp checks only that it is far);
//   SegmentOutOfBounds   only when `padded` (the input was not a whole number of words and the
//                        harness gave libcapnp a zero-padded copy) and the declared segments end
//                        inside that padding.
// Each rule has a fuzz seed libcapnp accepts, replayed by limit_seeds_test.cpp.
const char* stricter_rule(CapnpError error, ByteView bytes, bool padded);

// Canonical dump via lib/capnp; the first error ends the walk.
CapnpResult<std::string> dump_ours(const StructReader& reader, ::capnp::StructSchema schema);

// Deep copy of a libcapnp struct into a lib/capnp builder of the same schema.
CapnpResult<void> copy_to_ours(::capnp::DynamicStruct::Reader from, const StructBuilder& to);

// The lib/capnp shape of a schema struct.
StructSize struct_size_of(::capnp::StructSchema schema);

// Fills `builder` with RapidCheck-generated values (call inside a property). `depth` bounds
// struct nesting; lists are short so a message stays a few KiB.
void fill_random(::capnp::DynamicStruct::Builder builder, int depth);

}  // namespace capos::capnp::test
