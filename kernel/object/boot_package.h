// kernel/object/boot_package.h — the BootPackage capability (schema/capos.capnp `BootPackage`):
// read-only access to the serialized boot manifest, for init.
//
// The bytes are the manifest boot module in kernel-owned frames (reserved in the FrameBitmap,
// reached through the direct map, never mapped into a process), so no process can change what
// the kernel validated (REVIEW_FINDINGS F-007). readManifest(offset, maxBytes) returns bytes
// [offset, offset + min(maxBytes, 4096, size - offset)); an offset past the end is an
// invalidArgument exception, an offset equal to the size returns no bytes. Both methods only
// read: their decode step builds the results and leaves nothing for invoke (gen::NoPlan).
#pragma once

#include <cstddef>

#include "kernel/cap/cap_object.h"
#include "kernel/cap/invocation.h"
#include "lib/gen/capos.capnp.h"

namespace capos::kernel {

inline constexpr size_t max_manifest_chunk_bytes = 4096;

class BootPackageObject final : public CapObject {
 public:
  // The manifest outlives the object (boot module, or a test's buffer).
  explicit BootPackageObject(ByteView manifest)
      : CapObject(ObjectKind::BootPackage, gen::BootPackage::INTERFACE_ID, Lifetime::Pinned),
        m_manifest(manifest) {}

  [[nodiscard]] static bool classof(const CapObject& object) {
    return object.kind() == ObjectKind::BootPackage;
  }

  // lib/gen BootPackageServer.
  [[nodiscard]] Result<gen::NoPlan> decode_manifest_size(
      Invocation& invocation, const gen::BootPackage::ManifestSizeParams::Reader& params,
      const gen::BootPackage::ManifestSizeResults::Builder& results);
  [[nodiscard]] Result<gen::NoPlan> decode_read_manifest(
      Invocation& invocation, const gen::BootPackage::ReadManifestParams::Reader& params,
      const gen::BootPackage::ReadManifestResults::Builder& results);
  void invoke_manifest_size(Invocation& /*invocation*/, gen::NoPlan /*plan*/) {}
  void invoke_read_manifest(Invocation& /*invocation*/, gen::NoPlan /*plan*/) {}

 private:
  [[nodiscard]] Result<void> decode_methods(Invocation& invocation) override;

  ByteView m_manifest;  // object state (what it serves), never per-call state
};

}  // namespace capos::kernel
