#include "tools/mkmanifest/encode.h"

#include <capnp/message.h>
#include <capnp/serialize.h>

#include <cstring>
#include <string>

#include "capos.capnp.h"
#include "tools/mkmanifest/input_error.h"

namespace capos::mkmanifest {

namespace {

namespace model = capos::manifest;

static_assert(static_cast<uint16_t>(::KernelCap::CONSOLE) ==
              static_cast<uint16_t>(model::KernelCap::Console));
static_assert(static_cast<uint16_t>(::KernelCap::TIMER) ==
              static_cast<uint16_t>(model::KernelCap::Timer));
static_assert(static_cast<uint16_t>(::KernelCap::FRAME_ALLOCATOR) ==
              static_cast<uint16_t>(model::KernelCap::FrameAllocator));
static_assert(static_cast<uint16_t>(::KernelCap::VIRTUAL_MEMORY) ==
              static_cast<uint16_t>(model::KernelCap::VirtualMemory));
static_assert(static_cast<uint16_t>(::KernelCap::CAPABILITY_MANAGER) ==
              static_cast<uint16_t>(model::KernelCap::CapabilityManager));
static_assert(static_cast<uint16_t>(::KernelCap::ENDPOINT) ==
              static_cast<uint16_t>(model::KernelCap::Endpoint));

// Copies a model Text (not NUL-terminated) into a Text field made by `init(size)`.
template <typename Init>
void set_text(model::Text value, const Init& init) {
  ::capnp::Text::Builder out = init(static_cast<unsigned>(value.size));
  if (value.size != 0) std::memcpy(out.begin(), value.data, value.size);
}

void encode_cap(const model::CapGrant& cap, ::CapGrant::Builder out) {
  set_text(cap.name, [&](unsigned size) { return out.initName(size); });
  auto source = out.initSource();
  if (cap.source.kind == model::SourceKind::Kernel) {
    source.setKernel(static_cast<::KernelCap>(cap.source.kernel));
  } else {
    auto ref = source.initService();
    set_text(cap.source.service, [&](unsigned size) { return ref.initService(size); });
    set_text(cap.source.export_name, [&](unsigned size) { return ref.initExport(size); });
  }
  out.setBadge(cap.badge);
  out.setInterfaceId(cap.interface_id);
}

void encode_service(const model::Service& service, ::ServiceConfig::Builder out) {
  set_text(service.name, [&](unsigned size) { return out.initName(size); });
  set_text(service.binary, [&](unsigned size) { return out.initBinary(size); });
  auto caps = out.initCaps(static_cast<unsigned>(service.caps.size()));
  for (unsigned i = 0; i < caps.size(); ++i) encode_cap(service.caps[i], caps[i]);
  auto exports = out.initExports(static_cast<unsigned>(service.exports.size()));
  for (unsigned i = 0; i < exports.size(); ++i) {
    set_text(service.exports[i].name, [&](unsigned size) { return exports[i].initName(size); });
    set_text(service.exports[i].cap, [&](unsigned size) { return exports[i].initCap(size); });
  }
}

// Words enough for the whole message in one segment: every byte of binaries and text plus a
// generous allowance for pointers and struct headers.
unsigned first_segment_words(const model::Manifest& manifest) {
  uint64_t bytes = uint64_t{64} * 1024;
  for (const model::Binary& binary : manifest.binaries) bytes += binary.elf.size() + 64;
  return static_cast<unsigned>(bytes / sizeof(::capnp::word) + 1);
}

std::vector<uint8_t> encode_or_throw(const model::Manifest& manifest) {
  ::capnp::MallocMessageBuilder message(first_segment_words(manifest));
  auto root = message.initRoot<::SystemManifest>();
  root.setSchemaVersion(manifest.schema_version);
  auto binaries = root.initBinaries(static_cast<unsigned>(manifest.binaries.size()));
  for (unsigned i = 0; i < binaries.size(); ++i) {
    const model::Binary& binary = manifest.binaries[i];
    set_text(binary.name, [&](unsigned size) { return binaries[i].initName(size); });
    binaries[i].setElf(::capnp::Data::Reader(binary.elf.data(), binary.elf.size()));
  }
  auto init = root.initInitConfig();
  set_text(manifest.init_config.init, [&](unsigned size) { return init.initInit(size); });
  auto services = init.initServices(static_cast<unsigned>(manifest.init_config.services.size()));
  for (unsigned i = 0; i < services.size(); ++i) {
    encode_service(manifest.init_config.services[i], services[i]);
  }
  auto params = root.initKernelParams();
  set_text(manifest.kernel_params.motd, [&](unsigned size) { return params.initMotd(size); });

  const kj::Array<::capnp::word> words = ::capnp::messageToFlatArray(message);
  const kj::ArrayPtr<const kj::byte> bytes = words.asBytes();
  return std::vector<uint8_t>(bytes.begin(), bytes.end());
}

}  // namespace

std::vector<uint8_t> encode_manifest(const model::Manifest& manifest) {
  try {
    return encode_or_throw(manifest);
  } catch (const kj::Exception& exception) {
    throw InternalError(std::string("libcapnp: ") + exception.getDescription().cStr());
  }
}

}  // namespace capos::mkmanifest
