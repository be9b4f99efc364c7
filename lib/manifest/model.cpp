#include "lib/manifest/model.h"

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

}  // namespace capos::manifest
