// tools/mkmanifest/encode.h — lib/manifest's model → a serialized SystemManifest (libcapnp).
//
// The encoder writes exactly the validated model, every pointer field set (lists and texts
// even when empty), as one segment with the standard stream framing, so the output is
// deterministic for a given input and the freestanding reader never sees a far pointer.
#pragma once

#include <cstdint>
#include <vector>

#include "lib/manifest/model.h"

namespace capos::mkmanifest {

// Precondition: manifest::validate(manifest) succeeded. May throw kj::Exception (a bug).
std::vector<uint8_t> encode_manifest(const manifest::Manifest& manifest);

}  // namespace capos::mkmanifest
