// interface_ids.h agrees with the ids libcapnp generates from schema/capos.capnp.
#include "lib/manifest/interface_ids.h"

#include <gtest/gtest.h>

#include <capnp/capability.h>
#include <capnp/schema.h>

#include "capos.capnp.h"

namespace capos::manifest {
namespace {

TEST(ManifestInterfaceIds, MatchLibcapnpTypeIds) {
  EXPECT_EQ(CONSOLE_INTERFACE_ID, ::capnp::typeId<::Console>());
  EXPECT_EQ(TIMER_INTERFACE_ID, ::capnp::typeId<::Timer>());
  EXPECT_EQ(FRAME_ALLOCATOR_INTERFACE_ID, ::capnp::typeId<::FrameAllocator>());
  EXPECT_EQ(MEMORY_OBJECT_INTERFACE_ID, ::capnp::typeId<::MemoryObject>());
  EXPECT_EQ(VIRTUAL_MEMORY_INTERFACE_ID, ::capnp::typeId<::VirtualMemory>());
  EXPECT_EQ(ENDPOINT_INTERFACE_ID, ::capnp::typeId<::Endpoint>());
  EXPECT_EQ(CLIENT_ENDPOINT_INTERFACE_ID, ::capnp::typeId<::ClientEndpoint>());
  EXPECT_EQ(PROCESS_SPAWNER_INTERFACE_ID, ::capnp::typeId<::ProcessSpawner>());
  EXPECT_EQ(PROCESS_HANDLE_INTERFACE_ID, ::capnp::typeId<::ProcessHandle>());
  EXPECT_EQ(BOOT_PACKAGE_INTERFACE_ID, ::capnp::typeId<::BootPackage>());
  EXPECT_EQ(CAPABILITY_MANAGER_INTERFACE_ID, ::capnp::typeId<::CapabilityManager>());
}

TEST(ManifestInterfaceIds, MapEveryKernelCapToItsInterface) {
  EXPECT_EQ(kernel_cap_interface_id(KernelCap::Console), ::capnp::typeId<::Console>());
  EXPECT_EQ(kernel_cap_interface_id(KernelCap::Timer), ::capnp::typeId<::Timer>());
  EXPECT_EQ(kernel_cap_interface_id(KernelCap::FrameAllocator),
            ::capnp::typeId<::FrameAllocator>());
  EXPECT_EQ(kernel_cap_interface_id(KernelCap::VirtualMemory), ::capnp::typeId<::VirtualMemory>());
  EXPECT_EQ(kernel_cap_interface_id(KernelCap::CapabilityManager),
            ::capnp::typeId<::CapabilityManager>());
  EXPECT_EQ(kernel_cap_interface_id(KernelCap::Endpoint), ::capnp::typeId<::Endpoint>());
  EXPECT_EQ(kernel_cap_interface_id(static_cast<KernelCap>(KERNEL_CAP_COUNT)), 0U);
  EXPECT_EQ(SERVICE_IMPORT_INTERFACE_ID, ::capnp::typeId<::ClientEndpoint>());
}

TEST(ManifestInterfaceIds, KernelCapValuesAndNamesMatchTheSchema) {
  EXPECT_EQ(KERNEL_CAP_COUNT, ::capnp::Schema::from<::KernelCap>().getEnumerants().size());
  for (const auto enumerant : ::capnp::Schema::from<::KernelCap>().getEnumerants()) {
    const auto cap = static_cast<KernelCap>(enumerant.getOrdinal());
    ASSERT_NE(kernel_cap_name(cap), nullptr);
    EXPECT_STREQ(kernel_cap_name(cap), enumerant.getProto().getName().cStr());
  }
  EXPECT_EQ(kernel_cap_name(static_cast<KernelCap>(KERNEL_CAP_COUNT)), nullptr);
  EXPECT_STREQ(interface_name(CLIENT_ENDPOINT_INTERFACE_ID), "ClientEndpoint");
  EXPECT_EQ(interface_name(0), nullptr);
}

}  // namespace
}  // namespace capos::manifest
