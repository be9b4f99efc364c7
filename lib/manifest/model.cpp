#include "lib/manifest/model.h"

#include "lib/manifest/interface_ids.h"

namespace capos::manifest {

const char* kernel_cap_name(KernelCap cap) {
  switch (cap) {
    case KernelCap::Console: return "console";
    case KernelCap::Timer: return "timer";
    case KernelCap::FrameAllocator: return "frameAllocator";
    case KernelCap::VirtualMemory: return "virtualMemory";
    case KernelCap::CapabilityManager: return "capabilityManager";
    case KernelCap::Endpoint: return "endpoint";
  }
  return nullptr;
}

const char* interface_name(uint64_t interface_id) {
  switch (interface_id) {
    case CONSOLE_INTERFACE_ID: return "Console";
    case TIMER_INTERFACE_ID: return "Timer";
    case FRAME_ALLOCATOR_INTERFACE_ID: return "FrameAllocator";
    case MEMORY_OBJECT_INTERFACE_ID: return "MemoryObject";
    case VIRTUAL_MEMORY_INTERFACE_ID: return "VirtualMemory";
    case ENDPOINT_INTERFACE_ID: return "Endpoint";
    case CLIENT_ENDPOINT_INTERFACE_ID: return "ClientEndpoint";
    case PROCESS_SPAWNER_INTERFACE_ID: return "ProcessSpawner";
    case PROCESS_HANDLE_INTERFACE_ID: return "ProcessHandle";
    case BOOT_PACKAGE_INTERFACE_ID: return "BootPackage";
    case CAPABILITY_MANAGER_INTERFACE_ID: return "CapabilityManager";
    default: return nullptr;
  }
}

}  // namespace capos::manifest
