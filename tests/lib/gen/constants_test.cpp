// lib/gen against its sources of truth: schema constants against lib/ring/abi.h (the schema says
// they mirror it) and libcapnp; type, file and interface ids against libcapnp's typeId and
// lib/manifest/interface_ids.h; struct sizes, enumerants and method ordinals against libcapnp's
// schema API. A schema edit that moves any of these fails here, not at run time.
#include <capnp/schema.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "capos.capnp.h"
#include "lib/gen/capos.capnp.h"
#include "lib/manifest/interface_ids.h"
#include "lib/ring/abi.h"

namespace capos::gen::test {
namespace {

TEST(GenConstants, MirrorTheRingAbi) {
  EXPECT_EQ(RING_ABI_VERSION, capos::RING_ABI_VERSION);
  EXPECT_EQ(RING_VADDR, capos::RING_VADDR);
  EXPECT_EQ(CAPSET_VADDR, capos::CAPSET_VADDR);
  EXPECT_EQ(USER_STACK_TOP, capos::USER_STACK_TOP);
  EXPECT_EQ(USER_SEGMENT_LIMIT, capos::USER_SEGMENT_LIMIT);
  EXPECT_EQ(SQ_ENTRIES, capos::SQ_ENTRIES);
  EXPECT_EQ(CQ_ENTRIES, capos::CQ_ENTRIES);
  EXPECT_EQ(MAX_TRANSFER_CAPS, capos::MAX_XFER_DESCS);
  EXPECT_EQ(static_cast<uint8_t>(RingOpcode::Nop), to_raw(Opcode::Nop));
  EXPECT_EQ(static_cast<uint8_t>(RingOpcode::Call), to_raw(Opcode::Call));
  EXPECT_EQ(static_cast<uint8_t>(RingOpcode::Recv), to_raw(Opcode::Recv));
  EXPECT_EQ(static_cast<uint8_t>(RingOpcode::Return), to_raw(Opcode::Return));
  EXPECT_EQ(static_cast<uint8_t>(RingOpcode::Release), to_raw(Opcode::Release));
  EXPECT_FALSE(is_known(static_cast<RingOpcode>(FIRST_RESERVED_OPCODE)));
  EXPECT_EQ(static_cast<uint8_t>(TransferMode::Copy), to_raw(capos::TransferMode::Copy));
  EXPECT_EQ(static_cast<uint8_t>(TransferMode::Move), to_raw(capos::TransferMode::Move));
}

TEST(GenConstants, MatchLibcapnp) {
  EXPECT_EQ(RING_ABI_VERSION, ::RING_ABI_VERSION);
  EXPECT_EQ(RING_VADDR, ::RING_VADDR);
  EXPECT_EQ(CAPSET_VADDR, ::CAPSET_VADDR);
  EXPECT_EQ(USER_STACK_TOP, ::USER_STACK_TOP);
  EXPECT_EQ(USER_SEGMENT_LIMIT, ::USER_SEGMENT_LIMIT);
  EXPECT_EQ(SQ_ENTRIES, ::SQ_ENTRIES);
  EXPECT_EQ(CQ_ENTRIES, ::CQ_ENTRIES);
  EXPECT_EQ(MAX_TRANSFER_CAPS, ::MAX_TRANSFER_CAPS);
  EXPECT_EQ(CaposSchema::FILE_ID,
            ::capnp::Schema::from<::SystemManifest>().getProto().getScopeId());
}

template <typename Ours, typename Theirs>
void expect_struct(const char* name) {
  SCOPED_TRACE(name);
  EXPECT_EQ(Ours::TYPE_ID, ::capnp::typeId<Theirs>());
  const auto proto = ::capnp::Schema::from<Theirs>().getProto().getStruct();
  EXPECT_EQ(Ours::STRUCT_SIZE.data_words, proto.getDataWordCount());
  EXPECT_EQ(Ours::STRUCT_SIZE.pointer_count, proto.getPointerCount());
}

TEST(GenIds, StructIdsAndSizesMatchLibcapnp) {
  expect_struct<SystemManifest, ::SystemManifest>("SystemManifest");
  expect_struct<Binary, ::Binary>("Binary");
  expect_struct<InitConfig, ::InitConfig>("InitConfig");
  expect_struct<ServiceConfig, ::ServiceConfig>("ServiceConfig");
  expect_struct<ServiceExportRef, ::ServiceExportRef>("ServiceExportRef");
  expect_struct<CapSource, ::CapSource>("CapSource");
  expect_struct<CapGrant, ::CapGrant>("CapGrant");
  expect_struct<Export, ::Export>("Export");
  expect_struct<KernelParams, ::KernelParams>("KernelParams");
  expect_struct<CapException, ::CapException>("CapException");
  expect_struct<SpawnGrant, ::SpawnGrant>("SpawnGrant");
  expect_struct<CapabilityInfo, ::CapabilityInfo>("CapabilityInfo");
  expect_struct<EndpointMessageHeader, ::EndpointMessageHeader>("EndpointMessageHeader");
  expect_struct<ProcessSpawner::SpawnParams, ::ProcessSpawner::SpawnParams>("spawn$Params");
  expect_struct<BootPackage::ReadManifestResults, ::BootPackage::ReadManifestResults>(
      "readManifest$Results");
  expect_struct<CapabilityManager::ListResults, ::CapabilityManager::ListResults>("list$Results");
}

template <typename Ours, typename Theirs>
void expect_interface(uint64_t manifest_id) {
  const char* name = CaposSchema::interface_name(Ours::INTERFACE_ID);
  ASSERT_NE(name, nullptr);
  SCOPED_TRACE(name);
  EXPECT_EQ(Ours::INTERFACE_ID, ::capnp::typeId<Theirs>());
  EXPECT_EQ(Ours::INTERFACE_ID, manifest_id);
  const auto methods = ::capnp::Schema::from<Theirs>().getMethods();
  ASSERT_EQ(Ours::METHOD_COUNT, methods.size());
  for (const auto method : methods) {
    const char* ours =
        CaposSchema::method_name(Ours::INTERFACE_ID, static_cast<uint16_t>(method.getOrdinal()));
    ASSERT_NE(ours, nullptr);
    EXPECT_EQ(std::string(ours), method.getProto().getName().cStr());
  }
  EXPECT_EQ(CaposSchema::method_name(Ours::INTERFACE_ID, Ours::METHOD_COUNT), nullptr);
}

TEST(GenIds, InterfaceIdsAndMethodOrdinalsMatchLibcapnpAndTheManifest) {
  using namespace capos::manifest;  // NOLINT(google-build-using-namespace): the id constants
  expect_interface<Console, ::Console>(CONSOLE_INTERFACE_ID);
  expect_interface<Timer, ::Timer>(TIMER_INTERFACE_ID);
  expect_interface<FrameAllocator, ::FrameAllocator>(FRAME_ALLOCATOR_INTERFACE_ID);
  expect_interface<MemoryObject, ::MemoryObject>(MEMORY_OBJECT_INTERFACE_ID);
  expect_interface<VirtualMemory, ::VirtualMemory>(VIRTUAL_MEMORY_INTERFACE_ID);
  expect_interface<Endpoint, ::Endpoint>(ENDPOINT_INTERFACE_ID);
  expect_interface<ClientEndpoint, ::ClientEndpoint>(CLIENT_ENDPOINT_INTERFACE_ID);
  expect_interface<ProcessSpawner, ::ProcessSpawner>(PROCESS_SPAWNER_INTERFACE_ID);
  expect_interface<ProcessHandle, ::ProcessHandle>(PROCESS_HANDLE_INTERFACE_ID);
  expect_interface<BootPackage, ::BootPackage>(BOOT_PACKAGE_INTERFACE_ID);
  expect_interface<CapabilityManager, ::CapabilityManager>(CAPABILITY_MANAGER_INTERFACE_ID);
  EXPECT_EQ(CaposSchema::interface_name(0), nullptr);
  EXPECT_EQ(static_cast<uint16_t>(Console::Method::WriteLine), 1);
  EXPECT_EQ(static_cast<uint16_t>(BootPackage::Method::ReadManifest), 1);
}

TEST(GenEnums, EnumerantsMatchLibcapnp) {
  EXPECT_EQ(static_cast<uint16_t>(KernelCap::Console), static_cast<uint16_t>(::KernelCap::CONSOLE));
  EXPECT_EQ(static_cast<uint16_t>(KernelCap::Endpoint),
            static_cast<uint16_t>(::KernelCap::ENDPOINT));
  EXPECT_EQ(static_cast<uint16_t>(ExceptionType::InvalidArgument),
            static_cast<uint16_t>(::ExceptionType::INVALID_ARGUMENT));
  EXPECT_EQ(::capnp::Schema::from<::KernelCap>().getEnumerants().size(), 6U);
  EXPECT_TRUE(is_known(KernelCap::Endpoint));
  EXPECT_FALSE(is_known(static_cast<KernelCap>(6)));
  EXPECT_EQ(static_cast<uint16_t>(CapSource::Which::Service),
            static_cast<uint16_t>(::CapSource::SERVICE));
  EXPECT_FALSE(is_known(static_cast<CapSource::Which>(2)));
}

}  // namespace
}  // namespace capos::gen::test
