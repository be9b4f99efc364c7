// fuzz/manifest_roundtrip.cpp — decoded → re-encoded → decoded is identical (seed §5 target 4).
//
// Every input the kernel's decoder accepts (decode_and_validate) is re-encoded with the encoder
// mkmanifest ships (tools/mkmanifest/encode.h, libcapnp) and decoded again: the two models must
// be equal field by field, and encoding the second model must give the same bytes as the first
// encoding (the encoder is deterministic and canonical for a model). The encoder throwing on a
// validated model is a bug and crashes the harness. Differential: where libcapnp (the schema's
// generated reader) also accepts the input, it must read exactly the model lib/manifest decoded.
#include <capnp/message.h>
#include <capnp/serialize.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <string_view>
#include <vector>

#include "capos.capnp.h"

#include "fuzz/capnp_mutator.h"
#include "fuzz/fuzz_support.h"
#include "fuzz/manifest_invariants.h"
#include "lib/manifest/decode.h"
#include "lib/manifest/model.h"
#include "tools/mkmanifest/encode.h"

namespace {
capos::manifest::Manifest g_first;
capos::manifest::Manifest g_second;

bool same_text(::capnp::Text::Reader a, capos::manifest::Text b) {
  return std::string_view(a.cStr(), a.size()) == std::string_view(b.data, b.size);
}

// Field by field: libcapnp's reading of `root` against the model lib/manifest decoded.
bool libcapnp_agrees(::SystemManifest::Reader root, const capos::manifest::Manifest& m) {
  using capos::manifest::SourceKind;
  if (root.getSchemaVersion() != m.schema_version) return false;
  const auto binaries = root.getBinaries();
  if (binaries.size() != m.binaries.size()) return false;
  for (unsigned i = 0; i < binaries.size(); ++i) {
    const auto elf = binaries[i].getElf();
    if (!same_text(binaries[i].getName(), m.binaries[i].name)) return false;
    if (elf.size() != m.binaries[i].elf.size()) return false;
    if (elf.size() != 0 && std::memcmp(elf.begin(), m.binaries[i].elf.data(), elf.size()) != 0) {
      return false;
    }
  }
  if (!same_text(root.getInitConfig().getInit(), m.init_config.init)) return false;
  if (!same_text(root.getKernelParams().getMotd(), m.kernel_params.motd)) return false;
  const auto services = root.getInitConfig().getServices();
  if (services.size() != m.init_config.services.size()) return false;
  for (unsigned i = 0; i < services.size(); ++i) {
    const auto& ours = m.init_config.services[i];
    if (!same_text(services[i].getName(), ours.name)) return false;
    if (!same_text(services[i].getBinary(), ours.binary)) return false;
    const auto caps = services[i].getCaps();
    const auto exports = services[i].getExports();
    if (caps.size() != ours.caps.size() || exports.size() != ours.exports.size()) return false;
    for (unsigned j = 0; j < caps.size(); ++j) {
      const auto& cap = ours.caps[j];
      if (!same_text(caps[j].getName(), cap.name) || caps[j].getBadge() != cap.badge ||
          caps[j].getInterfaceId() != cap.interface_id) {
        return false;
      }
      const auto source = caps[j].getSource();
      if (source.isKernel()) {
        if (cap.source.kind != SourceKind::Kernel ||
            static_cast<uint16_t>(source.getKernel()) != static_cast<uint16_t>(cap.source.kernel)) {
          return false;
        }
      } else {
        if (cap.source.kind != SourceKind::Service || !source.isService()) return false;
        if (!same_text(source.getService().getService(), cap.source.service)) return false;
        if (!same_text(source.getService().getExport(), cap.source.export_name)) return false;
      }
    }
    for (unsigned j = 0; j < exports.size(); ++j) {
      if (!same_text(exports[j].getName(), ours.exports[j].name)) return false;
      if (!same_text(exports[j].getCap(), ours.exports[j].cap)) return false;
    }
  }
  return true;
}

// Where libcapnp accepts the bytes too, it reads the same manifest (it may refuse what
// lib/capnp accepts: its checks differ at the edges, README "Decisions").
void check_against_libcapnp(const uint8_t* data, size_t size, const capos::manifest::Manifest& m) {
  std::vector<::capnp::word> words((size + 7) / 8);
  if (size != 0) std::memcpy(words.data(), data, size);
  bool agrees = true;
  try {
    ::capnp::ReaderOptions options;
    options.traversalLimitInWords = 2 * words.size() + 64;
    ::capnp::FlatArrayMessageReader reader(kj::arrayPtr(words.data(), words.size()), options);
    agrees = libcapnp_agrees(reader.getRoot<::SystemManifest>(), m);
  } catch (const kj::Exception&) {
    return;
  }
  if (!agrees) {
    capos::fuzz::invariant_failed("libcapnp reads a different manifest", __FILE__, __LINE__);
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace capos;
  if (!manifest::decode_and_validate(ByteView(data, size), g_first).has_value()) return 0;
  check_against_libcapnp(data, size, g_first);

  std::vector<uint8_t> encoded;
  std::vector<uint8_t> encoded_again;
  try {
    encoded = mkmanifest::encode_manifest(g_first);
  } catch (const std::exception&) {
    fuzz::invariant_failed("encode_manifest threw on a validated manifest", __FILE__, __LINE__);
  } catch (...) {
    fuzz::invariant_failed("encode_manifest threw on a validated manifest", __FILE__, __LINE__);
  }
  const ByteView reencoded(encoded.data(), encoded.size());
  const auto second = manifest::decode_and_validate(reencoded, g_second);
  FUZZ_CHECK(second.has_value());
  FUZZ_CHECK(fuzz::same_manifest(g_first, g_second));
  fuzz::check_views_inside(g_second, reencoded);
  try {
    encoded_again = mkmanifest::encode_manifest(g_second);
  } catch (...) {
    fuzz::invariant_failed("encode_manifest threw on a re-decoded manifest", __FILE__, __LINE__);
  }
  FUZZ_CHECK(encoded_again == encoded);
  // The canonical encoding is never larger than needed to hold the input's model: a message
  // the decoder accepted re-encodes within the manifest bound.
  FUZZ_CHECK(encoded.size() <= manifest::MAX_MANIFEST_BYTES);
  return 0;
}

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size,
                                          unsigned int seed) {
  return capos::fuzz::mutate_capnp(data, size, max_size, seed);
}
