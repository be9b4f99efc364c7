// lib/manifest/interface_ids.h — the Cap'n Proto type ids of the kernel interfaces a manifest
// can grant, and which interface each `{kernel: cap}` source grants.
//
// The ids are the generated INTERFACE_ID constants of lib/gen (schema/capos.capnp through
// tools/capnpc-capos; gate.generated_code fails when lib/gen drifts from the schema), under the
// names the manifest code uses; nothing here is copied from the schema. tests/lib/manifest
// checks them against libcapnp's capnp::typeId<T>() as well. The kernel cap → interface mapping
// below is capOS policy (schema comments on KernelCap), not schema data.
#pragma once

#include <cstdint>

#include "lib/gen/capos.capnp.h"
#include "lib/manifest/model.h"

namespace capos::manifest {

inline constexpr uint64_t CONSOLE_INTERFACE_ID = gen::Console::INTERFACE_ID;
inline constexpr uint64_t TIMER_INTERFACE_ID = gen::Timer::INTERFACE_ID;
inline constexpr uint64_t FRAME_ALLOCATOR_INTERFACE_ID = gen::FrameAllocator::INTERFACE_ID;
inline constexpr uint64_t MEMORY_OBJECT_INTERFACE_ID = gen::MemoryObject::INTERFACE_ID;
inline constexpr uint64_t VIRTUAL_MEMORY_INTERFACE_ID = gen::VirtualMemory::INTERFACE_ID;
inline constexpr uint64_t ENDPOINT_INTERFACE_ID = gen::Endpoint::INTERFACE_ID;
inline constexpr uint64_t CLIENT_ENDPOINT_INTERFACE_ID = gen::ClientEndpoint::INTERFACE_ID;
inline constexpr uint64_t PROCESS_SPAWNER_INTERFACE_ID = gen::ProcessSpawner::INTERFACE_ID;
inline constexpr uint64_t PROCESS_HANDLE_INTERFACE_ID = gen::ProcessHandle::INTERFACE_ID;
inline constexpr uint64_t BOOT_PACKAGE_INTERFACE_ID = gen::BootPackage::INTERFACE_ID;
inline constexpr uint64_t CAPABILITY_MANAGER_INTERFACE_ID = gen::CapabilityManager::INTERFACE_ID;

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

// The schema name of an interface ("Console"), or nullptr for an id the schema does not define
// (the generated table).
[[nodiscard]] inline const char* interface_name(uint64_t interface_id) {
  return gen::CaposSchema::interface_name(interface_id);
}

}  // namespace capos::manifest
