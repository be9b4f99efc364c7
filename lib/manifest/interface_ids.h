// lib/manifest/interface_ids.h — the Cap'n Proto type ids of the kernel interfaces a manifest
// can grant (schema/capos.capnp).
//
// Copied from `capnp compile -ocapnp schema/capos.capnp`; tests/lib/manifest checks each one
// against libcapnp's generated capnp::typeId<T>(), so a schema change that moves an id fails
// the build's tests rather than silently granting a cap whose interface check never matches.
// (When lib/gen lands, these become aliases of the generated constants.)
#pragma once

#include <cstdint>

#include "lib/manifest/model.h"

namespace capos::manifest {

inline constexpr uint64_t CONSOLE_INTERFACE_ID = 0xa62dd1241b402f79;
inline constexpr uint64_t TIMER_INTERFACE_ID = 0x973cdc64621bf688;
inline constexpr uint64_t FRAME_ALLOCATOR_INTERFACE_ID = 0xe5673c39d266ad41;
inline constexpr uint64_t MEMORY_OBJECT_INTERFACE_ID = 0xacbe7b6a32d9f374;
inline constexpr uint64_t VIRTUAL_MEMORY_INTERFACE_ID = 0x8d383140a3f1f258;
inline constexpr uint64_t ENDPOINT_INTERFACE_ID = 0xa733e5344a72d530;
inline constexpr uint64_t CLIENT_ENDPOINT_INTERFACE_ID = 0x95bf5cd13340058d;
inline constexpr uint64_t PROCESS_SPAWNER_INTERFACE_ID = 0xac042333c2d62878;
inline constexpr uint64_t PROCESS_HANDLE_INTERFACE_ID = 0xbef854c6b87ff3a5;
inline constexpr uint64_t BOOT_PACKAGE_INTERFACE_ID = 0xb8b7a3f8bed13ca3;
inline constexpr uint64_t CAPABILITY_MANAGER_INTERFACE_ID = 0x8cb249cb2ba4229f;

// The interface a `{kernel: cap}` source grants, or 0 if `cap` is out of range.
[[nodiscard]] constexpr uint64_t kernel_cap_interface_id(KernelCap cap) {
  switch (cap) {
    case KernelCap::Console: return CONSOLE_INTERFACE_ID;
    case KernelCap::Timer: return TIMER_INTERFACE_ID;
    case KernelCap::FrameAllocator: return FRAME_ALLOCATOR_INTERFACE_ID;
    case KernelCap::VirtualMemory: return VIRTUAL_MEMORY_INTERFACE_ID;
    case KernelCap::CapabilityManager: return CAPABILITY_MANAGER_INTERFACE_ID;
    case KernelCap::Endpoint: return ENDPOINT_INTERFACE_ID;
  }
  return 0;
}

// A service import always grants the CALL-only facet of the exporter's Endpoint.
inline constexpr uint64_t SERVICE_IMPORT_INTERFACE_ID = CLIENT_ENDPOINT_INTERFACE_ID;

// The schema name of a granted interface ("Console"), or nullptr for an id not listed above.
const char* interface_name(uint64_t interface_id);

}  // namespace capos::manifest
