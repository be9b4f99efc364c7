// lib/manifest/model.h — the boot manifest as fixed-capacity structs (schema/capos.capnp
// SystemManifest), shared by the kernel, init and tools/mkmanifest.
//
// Nothing here owns bytes: every Text and ByteView borrows from the storage the manifest was
// built from (the serialized message for the decoder, the parsed JSON and loaded files for
// mkmanifest), which must outlive the Manifest. The capacities are the schema's bounds, so a
// Manifest can never hold more than a reader accepts. A Manifest is about 94 KiB: the kernel and
// init keep it in static storage, tools on the heap — never on a kernel stack.
#pragma once

#include <cstddef>
#include <cstdint>

#include "lib/core/bytes.h"
#include "lib/core/static_vector.h"
#include "lib/gen/capos.capnp.h"

namespace capos::manifest {

// Bounds from the schema comment on SystemManifest (schema/capos.capnp).
inline constexpr uint32_t SCHEMA_VERSION = 1;
inline constexpr size_t MAX_NAME_BYTES = 39;
inline constexpr size_t MAX_BINARIES = 64;
inline constexpr size_t MAX_SERVICES = 32;
inline constexpr size_t MAX_CAPS_PER_SERVICE = 32;
inline constexpr size_t MAX_EXPORTS_PER_SERVICE = 16;
inline constexpr size_t MAX_MOTD_BYTES = 256;
// capOS bounds (docs/manifest.md): one embedded binary, and the whole serialized manifest.
inline constexpr uint64_t MAX_BINARY_BYTES = uint64_t{16} << 20;
inline constexpr uint64_t MAX_MANIFEST_BYTES = uint64_t{32} << 20;

// A borrowed byte string, not NUL-terminated. An empty Text may have data == nullptr.
// Invariant: [data, data + size) is readable for the Text's lifetime (decode.cpp builds it from
// a bounds-checked message view, text_of from a NUL-terminated string).
struct Text {
  const char* data = nullptr;
  size_t size = 0;

  [[nodiscard]] constexpr bool empty() const { return size == 0; }
  // SAFETY: precondition index < size (every caller loops below size); see the invariant above.
  [[nodiscard]] constexpr char operator[](size_t index) const { return data[index]; }
};

// Byte-wise equality (no allocation, no locale).
[[nodiscard]] constexpr bool operator==(Text a, Text b) {
  if (a.size != b.size) return false;
  for (size_t i = 0; i < a.size; ++i) {
    // SAFETY: i < a.size == b.size, and both ranges are readable (Text's invariant).
    if (a.data[i] != b.data[i]) return false;
  }
  return true;
}

// The Text of a NUL-terminated string (for literals and test fixtures).
[[nodiscard]] constexpr Text text_of(const char* string) {
  size_t size = 0;
  // SAFETY: `string` is NUL-terminated (the caller's contract); the loop stops at the NUL.
  while (string[size] != '\0') ++size;
  return Text{string, size};
}

// KernelCap is the schema's enum as lib/gen generates it (the values are the wire enumerants).
using KernelCap = gen::KernelCap;
// The number of enumerants, pinned to the generated is_known() (which accepts exactly the
// schema's values), so a schema change that adds one fails to compile until this follows.
inline constexpr uint16_t KERNEL_CAP_COUNT = 6;
static_assert(gen::is_known(static_cast<KernelCap>(KERNEL_CAP_COUNT - 1)) &&
              !gen::is_known(static_cast<KernelCap>(KERNEL_CAP_COUNT)));

// The schema spelling of a kernel cap ("frameAllocator"), or nullptr if `cap` is out of range.
const char* kernel_cap_name(KernelCap cap);

// CapSource's union: a kernel cap, or an export of a service of this manifest.
enum class SourceKind : uint8_t { Kernel = 0, Service = 1 };

struct CapSource {
  SourceKind kind = SourceKind::Kernel;
  KernelCap kernel = KernelCap::Console;  // meaningful iff kind == Kernel
  Text service;                           // meaningful iff kind == Service
  Text export_name;                       // meaningful iff kind == Service
};

struct CapGrant {
  Text name;
  CapSource source;
  uint64_t badge = 0;
  uint64_t interface_id = 0;  // 0: not stated
};

struct Export {
  Text name;
  Text cap;
};

struct Service {
  Text name;
  Text binary;
  StaticVector<CapGrant, MAX_CAPS_PER_SERVICE> caps;
  StaticVector<Export, MAX_EXPORTS_PER_SERVICE> exports;
};

struct Binary {
  Text name;
  ByteView elf;
};

struct InitConfig {
  Text init;
  StaticVector<Service, MAX_SERVICES> services;
};

struct KernelParams {
  Text motd;
};

struct Manifest {
  uint32_t schema_version = 0;
  StaticVector<Binary, MAX_BINARIES> binaries;
  InitConfig init_config;
  KernelParams kernel_params;
};

}  // namespace capos::manifest
