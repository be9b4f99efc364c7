#include "kernel/object/boot_package.h"

#include "lib/capnp/capnp_error.h"

namespace capos::kernel {

Result<void> BootPackageObject::decode_methods(Invocation& invocation) {
  return decode_with<gen::BootPackage>(*this, invocation);
}

Result<gen::NoPlan> BootPackageObject::decode_manifest_size(
    Invocation& /*invocation*/, const gen::BootPackage::ManifestSizeParams::Reader& /*params*/,
    const gen::BootPackage::ManifestSizeResults::Builder& results) {
  results.set_size(m_manifest.size());
  return gen::NoPlan{};
}

Result<gen::NoPlan> BootPackageObject::decode_read_manifest(
    Invocation& invocation, const gen::BootPackage::ReadManifestParams::Reader& params,
    const gen::BootPackage::ReadManifestResults::Builder& results) {
  const uint64_t offset = params.get_offset();
  if (offset > m_manifest.size()) {
    return invocation.exception(gen::ExceptionType::InvalidArgument,
                                "readManifest offset is past the end of the manifest");
  }
  uint64_t length = m_manifest.size() - offset;
  if (length > params.get_max_bytes()) length = params.get_max_bytes();
  if (length > max_manifest_chunk_bytes) length = max_manifest_chunk_bytes;
  const capnp::CapnpResult<void> set = results.set_data(m_manifest.subspan(offset, length));
  if (!set) return invocation.fail(Error::TooBig, "the chunk does not fit the result buffer");
  return gen::NoPlan{};
}

}  // namespace capos::kernel
