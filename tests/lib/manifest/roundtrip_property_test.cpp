// Properties: random valid manifests encoded by libcapnp (in one or many segments) decode to
// the same model and pass validation; corrupted messages never crash the decoder and never
// yield a model that points outside the message.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "lib/manifest/decode.h"
#include "lib/manifest/validate.h"
#include "tests/lib/manifest/manifest_spec.h"
#include "tools/verify_report/evidence.h"

namespace capos::manifest {
namespace {

using test::describe;
using test::encode_with_libcapnp;
using test::generate_spec;
using test::render;

RC_GTEST_PROP(ManifestRoundTrip, LibcapnpMessagesDecodeToTheSameModel, ()) {
  capos::verify_report::evidence(4, "round-trip", capos::verify_report::EvidenceKind::Tested);
  const test::Spec spec = generate_spec();
  const auto expected = test::to_model(spec);
  RC_ASSERT(validate(*expected).has_value());
  const auto first_segment_words = *rc::gen::inRange(1U, 4096U);
  const auto bytes = encode_with_libcapnp(spec, first_segment_words);
  auto decoded = std::make_unique<Manifest>();
  auto result = decode_and_validate(ByteView(bytes), *decoded);
  if (!result) RC_FAIL(render(result.error()));
  RC_ASSERT(describe(*decoded) == describe(*expected));
}

bool inside(const std::vector<uint8_t>& bytes, const void* data, size_t size) {
  if (size == 0) return true;
  const auto* begin = bytes.data();
  const auto* pointer = static_cast<const uint8_t*>(data);
  return pointer >= begin && size <= bytes.size() &&
         static_cast<size_t>(pointer - begin) <= bytes.size() - size;
}

bool model_inside(const Manifest& model, const std::vector<uint8_t>& bytes) {
  bool ok = inside(bytes, model.init_config.init.data, model.init_config.init.size) &&
            inside(bytes, model.kernel_params.motd.data, model.kernel_params.motd.size);
  for (const Binary& binary : model.binaries) {
    ok = ok && inside(bytes, binary.name.data, binary.name.size) &&
         inside(bytes, binary.elf.data(), binary.elf.size());
  }
  for (const Service& service : model.init_config.services) {
    ok = ok && inside(bytes, service.name.data, service.name.size) &&
         inside(bytes, service.binary.data, service.binary.size);
    for (const CapGrant& cap : service.caps) {
      ok = ok && inside(bytes, cap.name.data, cap.name.size) &&
           inside(bytes, cap.source.service.data, cap.source.service.size) &&
           inside(bytes, cap.source.export_name.data, cap.source.export_name.size);
    }
    for (const Export& exported : service.exports) {
      ok = ok && inside(bytes, exported.name.data, exported.name.size) &&
           inside(bytes, exported.cap.data, exported.cap.size);
    }
  }
  return ok;
}

RC_GTEST_PROP(ManifestDecode, CorruptedMessagesFailCleanlyOrStayInBounds, ()) {
  capos::verify_report::evidence(4, "malformed-rejected",
                                 capos::verify_report::EvidenceKind::Tested);
  const test::Spec spec = generate_spec();
  auto bytes = encode_with_libcapnp(spec, *rc::gen::inRange(1U, 256U));
  const auto flips = *rc::gen::inRange<size_t>(1, 8);
  for (size_t i = 0; i < flips; ++i) {
    const auto at = *rc::gen::inRange<size_t>(0, bytes.size());
    bytes[at] = *rc::gen::arbitrary<uint8_t>();
  }
  if (*rc::gen::arbitrary<bool>()) bytes.resize(*rc::gen::inRange<size_t>(0, bytes.size() + 1));
  auto model = std::make_unique<Manifest>();
  auto result = decode(ByteView(bytes), *model);
  if (result) {
    RC_ASSERT(model_inside(*model, bytes));
    (void)validate(*model).has_value();  // any verdict, but no crash
  } else {
    char buffer[DIAGNOSTIC_BUFFER_BYTES];
    RC_ASSERT(format_diagnostic(result.error(), PathRoot::Bare, buffer) < sizeof buffer);
    RC_ASSERT(model->binaries.empty());
  }
}

}  // namespace
}  // namespace capos::manifest
