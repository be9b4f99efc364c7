// lib/manifest/decode.h — serialized SystemManifest bytes → the Manifest model, on lib/capnp.
//
// The bytes are untrusted (the boot module, or what init reads through BootPackage). The
// decoder bounds the message size before parsing, charges every pointer it follows to a
// traversal budget of twice the message size (so aliased pointers cannot amplify it), checks
// every list's length against the model's capacity before iterating, requires every pointer
// field to be present (a null text, list or struct is rejected, never defaulted: docs/REVIEW
// "Manifest change"), and rejects unknown enum and union values. It checks nothing else:
// names, bounds of strings and the authority graph are validate()'s, which
// decode_and_validate() runs next.
#pragma once

#include "lib/core/bytes.h"
#include "lib/core/result.h"
#include "lib/manifest/diagnostic.h"
#include "lib/manifest/model.h"

namespace capos::manifest {

// Fills `out` from `message`. Texts and ByteViews in `out` point into `message`, which must
// outlive `out`. On failure `out` is left empty (every list cleared, every field defaulted).
[[nodiscard]] Result<void, ManifestDiagnostic> decode(ByteView message, Manifest& out);

// decode(), then validate(): what the kernel and init run before acting on a manifest.
[[nodiscard]] Result<void, ManifestDiagnostic> decode_and_validate(ByteView message, Manifest& out);

}  // namespace capos::manifest
