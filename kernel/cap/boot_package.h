// kernel/cap/boot_package.h — the BootPackage capability (schema/capos.capnp `BootPackage`):
// read-only access to the serialized boot manifest, for init.
//
// The bytes are the manifest boot module in kernel-owned frames (reserved in the FrameBitmap,
// reached through the direct map, never mapped into a process), so no process can change what
// the kernel validated (REVIEW_FINDINGS F-007). readManifest(offset, maxBytes) returns bytes
// [offset, offset + min(maxBytes, 4096, size - offset)); an offset past the end is an
// invalidArgument exception, an offset equal to the size returns no bytes.
#pragma once

#include <cstddef>

#include "kernel/cap/cap_object.h"

namespace capos::kernel {

inline constexpr size_t max_manifest_chunk_bytes = 4096;

class BootPackageObject final : public CapObject {
 public:
  explicit BootPackageObject(ByteView manifest)
      : CapObject(ObjectKind::BootPackage, gen::BootPackage::INTERFACE_ID), m_manifest(manifest) {}

  [[nodiscard]] Result<void> manifest_size(
      const gen::BootPackage::ManifestSizeParams::Reader& params,
      const gen::BootPackage::ManifestSizeResults::Builder& results);
  [[nodiscard]] Result<void> read_manifest(
      const gen::BootPackage::ReadManifestParams::Reader& params,
      const gen::BootPackage::ReadManifestResults::Builder& results);

 private:
  [[nodiscard]] CallResult invoke(const CallContext& context, uint16_t method_id, ByteView params,
                                  MutableByteView result) override;

  ByteView m_manifest;
  const char* m_detail = "";
};

}  // namespace capos::kernel
