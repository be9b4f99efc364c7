// fuzz/capnp_mutator.h — structure-aware mutation of Cap'n Proto messages (segment table +
// segments), shared by the capnp and manifest harnesses.
//
// Byte flips rarely produce a pointer whose offset lands inside its segment with a sensible
// size, so the reader's deeper checks (far-pointer landing pads, inline-composite tags, list
// upgrades, aliasing, nesting) stall. mutate_capnp() rewrites whole words as well-formed-ish
// pointers (struct, list, inline-composite with tag, single and double far, capability) aimed
// at words of the message, copies pointer words to create aliases, and nudges segment sizes.
#pragma once

#include <cstddef>
#include <cstdint>

namespace capos::fuzz {

// Mutates `data` in place (never grows it beyond `max_size`); returns the new size. Falls back
// to libFuzzer's byte mutator for part of the calls and for inputs that have no segment table.
size_t mutate_capnp(uint8_t* data, size_t size, size_t max_size, unsigned int seed);

}  // namespace capos::fuzz
