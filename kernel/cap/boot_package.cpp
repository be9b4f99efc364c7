#include "kernel/cap/boot_package.h"

#include "lib/capnp/capnp_error.h"

namespace capos::kernel {

CallResult BootPackageObject::invoke(const CallContext& /*context*/, uint16_t method_id,
                                     ByteView params, MutableByteView result) {
  m_detail = "";
  return finish_dispatch(gen::BootPackage::dispatch(*this, method_id, params, result), m_detail);
}

Result<void> BootPackageObject::manifest_size(
    const gen::BootPackage::ManifestSizeParams::Reader& /*params*/,
    const gen::BootPackage::ManifestSizeResults::Builder& results) {
  results.set_size(m_manifest.size());
  return {};
}

Result<void> BootPackageObject::read_manifest(
    const gen::BootPackage::ReadManifestParams::Reader& params,
    const gen::BootPackage::ReadManifestResults::Builder& results) {
  const uint64_t offset = params.get_offset();
  if (offset > m_manifest.size()) {
    m_detail = "readManifest offset is past the end of the manifest";
    return Error::OutOfRange;
  }
  uint64_t length = m_manifest.size() - offset;
  if (length > params.get_max_bytes()) length = params.get_max_bytes();
  if (length > max_manifest_chunk_bytes) length = max_manifest_chunk_bytes;
  const capnp::CapnpResult<void> set = results.set_data(m_manifest.subspan(offset, length));
  if (!set) return capnp::to_error(set.error());
  return {};
}

}  // namespace capos::kernel
