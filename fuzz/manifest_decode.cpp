// fuzz/manifest_decode.cpp — arbitrary bytes into the boot-manifest decoder and the
// authority-graph validator (seed §5 targets 4 and 11), as the kernel and init call them.
//
// On acceptance the model must satisfy every rule, re-checked independently
// (manifest_invariants.h: names, uniqueness, bounds, every import resolving to another
// service's export, exports naming their own endpoint), and every view must borrow from the
// message. On rejection the model must be empty and the diagnostic must render in full.
// decode() alone and decode_and_validate() must agree on what they share.
#include <cstddef>
#include <cstdint>

#include "fuzz/capnp_mutator.h"
#include "fuzz/fuzz_support.h"
#include "fuzz/manifest_invariants.h"
#include "lib/manifest/decode.h"
#include "lib/manifest/model.h"
#include "lib/manifest/validate.h"

namespace {
// A Manifest is ~94 KiB: static storage, as in the kernel.
capos::manifest::Manifest g_manifest;
capos::manifest::Manifest g_decoded_only;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace capos;
  const ByteView message(data, size);

  const auto decoded = manifest::decode(message, g_decoded_only);
  if (decoded.has_value()) {
    fuzz::check_views_inside(g_decoded_only, message);
  } else {
    fuzz::check_empty_manifest(g_decoded_only);
    fuzz::check_diagnostic(decoded.error());
  }

  const auto accepted = manifest::decode_and_validate(message, g_manifest);
  if (accepted.has_value()) {
    FUZZ_CHECK(decoded.has_value());
    fuzz::check_accepted_manifest(g_manifest);
    fuzz::check_views_inside(g_manifest, message);
    FUZZ_CHECK(fuzz::same_manifest(g_manifest, g_decoded_only));
    // Validation is a pure function of the model.
    FUZZ_CHECK(manifest::validate(g_manifest).has_value());
  } else {
    fuzz::check_empty_manifest(g_manifest);
    fuzz::check_diagnostic(accepted.error());
    if (decoded.has_value()) {
      // Decoding succeeded, so validate() must be what refused it, with the same diagnostic.
      const auto again = manifest::validate(g_decoded_only);
      FUZZ_CHECK(!again.has_value() && again.error().code == accepted.error().code);
    } else {
      FUZZ_CHECK(accepted.error().code == decoded.error().code);
    }
  }
  return 0;
}

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size,
                                          unsigned int seed) {
  return capos::fuzz::mutate_capnp(data, size, max_size, seed);
}
