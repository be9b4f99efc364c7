// Ring ABI v1 layouts (SPEC §4), checked from the outside: values written through the structs
// must land as little-endian bytes at the SPEC offsets, and the numbers must match SPEC and the
// schema mirror (schema/capos.capnp).
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "lib/ring/abi.h"
#include "lib/ring/atomics.h"
#include "tests/lib/ring/ring_test_util.h"

namespace capos {
namespace {

template <typename T>
std::vector<uint8_t> raw(const T& value) {
  return ring_test::bytes_of(value);
}

// Little-endian unsigned value of `width` bytes at `offset`.
uint64_t le_at(const std::vector<uint8_t>& bytes, size_t offset, size_t width) {
  EXPECT_LE(offset + width, bytes.size());
  uint64_t value = 0;
  for (size_t i = 0; i < width; ++i) value |= uint64_t{bytes[offset + i]} << (8 * i);
  return value;
}

TEST(RingAbi, SqeFieldsLandAtSpecOffsets) {
  CapSqe sqe{};
  sqe.opcode = 0x11;
  sqe.flags = 0x22;
  sqe.method_id = 0x3344;
  sqe.cap_id = 0x55667788;
  sqe.user_data = 0x0102030405060708;
  sqe.params_addr = 0x1112131415161718;
  sqe.params_len = 0x21222324;
  sqe.result_len = 0x31323334;
  sqe.result_addr = 0x4142434445464748;
  sqe.xfer_addr = 0x5152535455565758;
  sqe.xfer_count = 0x61626364;
  sqe.call_id = 0x71727374;
  sqe.pipeline_dep = 0x81828384;
  sqe.pipeline_field = 0x91929394;
  const auto bytes = raw(sqe);
  ASSERT_EQ(bytes.size(), 64U);
  EXPECT_EQ(le_at(bytes, 0, 1), 0x11U);
  EXPECT_EQ(le_at(bytes, 1, 1), 0x22U);
  EXPECT_EQ(le_at(bytes, 2, 2), 0x3344U);
  EXPECT_EQ(le_at(bytes, 4, 4), 0x55667788U);
  EXPECT_EQ(le_at(bytes, 8, 8), 0x0102030405060708U);
  EXPECT_EQ(le_at(bytes, 16, 8), 0x1112131415161718U);
  EXPECT_EQ(le_at(bytes, 24, 4), 0x21222324U);
  EXPECT_EQ(le_at(bytes, 28, 4), 0x31323334U);
  EXPECT_EQ(le_at(bytes, 32, 8), 0x4142434445464748U);
  EXPECT_EQ(le_at(bytes, 40, 8), 0x5152535455565758U);
  EXPECT_EQ(le_at(bytes, 48, 4), 0x61626364U);
  EXPECT_EQ(le_at(bytes, 52, 4), 0x71727374U);
  EXPECT_EQ(le_at(bytes, 56, 4), 0x81828384U);
  EXPECT_EQ(le_at(bytes, 60, 4), 0x91929394U);
}

TEST(RingAbi, CqeFieldsLandAtSpecOffsets) {
  CapCqe cqe{};
  cqe.user_data = 0x0102030405060708;
  cqe.result = -13;
  cqe.flags = CQE_FLAG_CAPS;
  cqe.call_id = 0x21222324;
  cqe.cap_count = 3;
  cqe.reserved = 0x4142434445464748;
  const auto bytes = raw(cqe);
  ASSERT_EQ(bytes.size(), 32U);
  EXPECT_EQ(le_at(bytes, 0, 8), 0x0102030405060708U);
  EXPECT_EQ(le_at(bytes, 8, 4), 0xFFFFFFF3U);  // -13 as two's complement i32
  EXPECT_EQ(le_at(bytes, 12, 4), 1U);
  EXPECT_EQ(le_at(bytes, 16, 4), 0x21222324U);
  EXPECT_EQ(le_at(bytes, 20, 4), 3U);
  EXPECT_EQ(le_at(bytes, 24, 8), 0x4142434445464748U);
}

TEST(RingAbi, XferDescAndResultCapRecordLayouts) {
  XferDesc desc{0x01020304, to_raw(TransferMode::Move), 0x05, 0x0607, 0x1112131415161718};
  auto bytes = raw(desc);
  ASSERT_EQ(bytes.size(), 16U);
  EXPECT_EQ(le_at(bytes, 0, 4), 0x01020304U);
  EXPECT_EQ(le_at(bytes, 4, 1), 2U);
  EXPECT_EQ(le_at(bytes, 5, 1), 5U);
  EXPECT_EQ(le_at(bytes, 6, 2), 0x0607U);
  EXPECT_EQ(le_at(bytes, 8, 8), 0x1112131415161718U);

  const ResultCapRecord record{0x0A0B0C0D, 0x01020304, 0x1122334455667788};
  bytes = raw(record);
  ASSERT_EQ(bytes.size(), 16U);
  EXPECT_EQ(le_at(bytes, 0, 4), 0x0A0B0C0DU);
  EXPECT_EQ(le_at(bytes, 4, 4), 0x01020304U);
  EXPECT_EQ(le_at(bytes, 8, 8), 0x1122334455667788U);
}

TEST(RingAbi, EndpointMessageHeaderLayout) {
  const EndpointMessageHeader header{
      0x01020304, 0x0506, 0x0708, 0x1112131415161718, 0x21222324, 0x31323334, 0x4142434445464748};
  const auto bytes = raw(header);
  ASSERT_EQ(bytes.size(), 32U);
  EXPECT_EQ(le_at(bytes, 0, 4), 0x01020304U);
  EXPECT_EQ(le_at(bytes, 4, 2), 0x0506U);
  EXPECT_EQ(le_at(bytes, 6, 2), 0x0708U);
  EXPECT_EQ(le_at(bytes, 8, 8), 0x1112131415161718U);
  EXPECT_EQ(le_at(bytes, 16, 4), 0x21222324U);
  EXPECT_EQ(le_at(bytes, 20, 4), 0x31323334U);
  EXPECT_EQ(le_at(bytes, 24, 8), 0x4142434445464748U);
}

TEST(RingAbi, CapSetPageLayout) {
  auto page = std::make_unique<CapSetPage>();
  *page = CapSetPage{};
  page->header.magic = CAPSET_MAGIC;
  page->header.version = CAPSET_VERSION;
  page->header.count = 2;
  std::memcpy(page->entries[1].name, "console", 7);
  page->entries[1].cap_id = 0x01000002;
  page->entries[1].interface_id = 0x8877665544332211;
  page->entries[62].reserved64 = 0xAB;
  const auto bytes = raw(*page);
  ASSERT_EQ(bytes.size(), 4096U);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(bytes.data()), 4), "CSET");
  EXPECT_EQ(le_at(bytes, 4, 2), 1U);
  EXPECT_EQ(le_at(bytes, 6, 2), 2U);
  const size_t entry = 64 + 64;  // entries[1]
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(&bytes[entry])), "console");
  EXPECT_EQ(bytes[entry + 7], 0U);  // NUL padding to 40 bytes
  EXPECT_EQ(le_at(bytes, entry + 40, 4), 0x01000002U);
  EXPECT_EQ(le_at(bytes, entry + 48, 8), 0x8877665544332211U);
  EXPECT_EQ(le_at(bytes, 64 + 62 * 64 + 56, 8), 0xABU);  // the last entry ends the page
  EXPECT_EQ(CAPSET_MAX_ENTRIES, 63U);
}

TEST(RingAbi, RingPageWordsAndSlotsLandAtSpecOffsets) {
  auto page = std::make_unique<RingPage>();
  *page = RingPage{};
  page->sq_head = 0x01010101;
  page->sq_tail = 0x02020202;
  page->cq_head = 0x03030303;
  page->cq_tail = 0x04040404;
  page->sq_entries = SQ_ENTRIES;
  page->cq_entries = CQ_ENTRIES;
  page->flags = RING_FLAG_CORRUPT;
  page->corrupt_count = 0x05050505;
  page->cq_full_count = 0x06060606;
  page->sq[0].opcode = 0x77;
  page->sq[15].pipeline_field = 0x12345678;
  page->cq[0].user_data = 0x99;
  page->cq[31].reserved = 0x1122334455667788;
  const auto bytes = raw(*page);
  ASSERT_EQ(bytes.size(), 4096U);
  EXPECT_EQ(le_at(bytes, 0, 4), 0x01010101U);
  EXPECT_EQ(le_at(bytes, 64, 4), 0x02020202U);
  EXPECT_EQ(le_at(bytes, 128, 4), 0x03030303U);
  EXPECT_EQ(le_at(bytes, 192, 4), 0x04040404U);
  EXPECT_EQ(le_at(bytes, 196, 4), 16U);
  EXPECT_EQ(le_at(bytes, 200, 4), 32U);
  EXPECT_EQ(le_at(bytes, 204, 4), 1U);
  EXPECT_EQ(le_at(bytes, 208, 4), 0x05050505U);
  EXPECT_EQ(le_at(bytes, 212, 4), 0x06060606U);
  EXPECT_EQ(le_at(bytes, 256, 1), 0x77U);
  EXPECT_EQ(le_at(bytes, 256 + 15 * 64 + 60, 4), 0x12345678U);
  EXPECT_EQ(le_at(bytes, 1280, 8), 0x99U);
  EXPECT_EQ(le_at(bytes, 1280 + 31 * 32 + 24, 8), 0x1122334455667788U);
  // Nothing else in the page holds a nonzero byte.
  size_t nonzero = 0;
  for (uint8_t b : bytes) nonzero += b != 0 ? 1 : 0;
  EXPECT_EQ(nonzero, 16U + 1 + 1 + 1 + 4 + 4 + 1 + 4 + 1 + 8);
}

TEST(RingAbi, ConstantsAreSpecNumbers) {
  EXPECT_EQ(RING_ABI_VERSION, 1U);
  EXPECT_EQ(USER_HALF_BEGIN, 0x1000U);
  EXPECT_EQ(USER_HALF_END, 0x0000800000000000U);
  EXPECT_EQ(RING_VADDR, 0x00007FFFFFFFE000U);
  EXPECT_EQ(CAPSET_VADDR, 0x00007FFFFFFFC000U);
  EXPECT_EQ(USER_STACK_TOP, 0x00007FFFFFF00000U);
  EXPECT_EQ(USER_SEGMENT_LIMIT, 0x00007FFF00000000U);
  EXPECT_EQ(SYS_CAP_ENTER, 0U);
  EXPECT_EQ(SYS_EXIT, 1U);
  EXPECT_EQ(TIMEOUT_NEVER_BLOCK, 0U);
  EXPECT_EQ(TIMEOUT_INFINITE, UINT64_MAX);
  EXPECT_EQ(SQ_ENTRIES, 16U);
  EXPECT_EQ(CQ_ENTRIES, 32U);
  EXPECT_EQ(SQES_PER_ENTRY, 16U);
  EXPECT_EQ(MAX_XFER_DESCS, 4U);
  EXPECT_EQ(RING_FLAG_CORRUPT, 1U);
  EXPECT_EQ(CQE_FLAG_CAPS, 1U);
  EXPECT_EQ(CAPSET_MAGIC, 0x54455343U);
  EXPECT_EQ(to_raw(Opcode::Nop), 0);
  EXPECT_EQ(to_raw(Opcode::Call), 1);
  EXPECT_EQ(to_raw(Opcode::Recv), 2);
  EXPECT_EQ(to_raw(Opcode::Return), 3);
  EXPECT_EQ(to_raw(Opcode::Release), 4);
  EXPECT_EQ(FIRST_RESERVED_OPCODE, 5);
  EXPECT_EQ(to_raw(TransferMode::Copy), 1);
  EXPECT_EQ(to_raw(TransferMode::Move), 2);
}

// The fixed mappings sit where SPEC's address-space rules need them.
TEST(RingAbi, AddressConstantsAreConsistent) {
  for (uint64_t page : {RING_VADDR, CAPSET_VADDR, USER_STACK_TOP, USER_SEGMENT_LIMIT}) {
    EXPECT_EQ(page % RING_PAGE_SIZE, 0U);
    EXPECT_GE(page, USER_HALF_BEGIN);
    EXPECT_LT(page, USER_HALF_END);
  }
  EXPECT_LE(RING_VADDR + RING_PAGE_SIZE, USER_HALF_END);
  EXPECT_LE(CAPSET_VADDR + RING_PAGE_SIZE, RING_VADDR);  // disjoint pages
  EXPECT_LT(USER_STACK_TOP, CAPSET_VADDR);
  EXPECT_LT(USER_SEGMENT_LIMIT, USER_STACK_TOP);  // ELF segments never reach the stack
}

// schema/capos.capnp mirrors these numbers for schema-driven tools; they must not drift.
TEST(RingAbi, SchemaMirrorMatches) {
  std::ifstream file(std::string(CAPOS_SOURCE_DIR) + "/schema/capos.capnp");
  ASSERT_TRUE(file.good()) << "schema/capos.capnp not readable";
  std::stringstream text;
  text << file.rdbuf();
  const std::string schema = text.str();
  std::map<std::string, uint64_t> constants;
  const std::regex constant(R"(const\s+(\w+)\s*:\s*UInt\d+\s*=\s*(0x[0-9a-fA-F]+|\d+)\s*;)");
  for (std::sregex_iterator it(schema.begin(), schema.end(), constant), end; it != end; ++it) {
    constants[(*it)[1]] = std::stoull((*it)[2], nullptr, 0);
  }
  EXPECT_EQ(constants.at("ringAbiVersion"), RING_ABI_VERSION);
  EXPECT_EQ(constants.at("ringVaddr"), RING_VADDR);
  EXPECT_EQ(constants.at("capsetVaddr"), CAPSET_VADDR);
  EXPECT_EQ(constants.at("userStackTop"), USER_STACK_TOP);
  EXPECT_EQ(constants.at("userSegmentLimit"), USER_SEGMENT_LIMIT);
  EXPECT_EQ(constants.at("sqEntries"), SQ_ENTRIES);
  EXPECT_EQ(constants.at("cqEntries"), CQ_ENTRIES);
  EXPECT_EQ(constants.at("maxTransferCaps"), MAX_XFER_DESCS);

  const auto ordinal = [&](const std::string& enum_name, const std::string& name) {
    const std::regex block("enum\\s+" + enum_name + R"(\s*\{([^}]*)\})");
    std::smatch match;
    EXPECT_TRUE(std::regex_search(schema, match, block)) << enum_name;
    const std::regex member("\\b" + name + R"(\s+@(\d+)\s*;)");
    std::smatch found;
    const std::string body = match[1];
    EXPECT_TRUE(std::regex_search(body, found, member)) << enum_name << "." << name;
    return found.empty() ? -1 : std::stoi(found[1]);
  };
  EXPECT_EQ(ordinal("RingOpcode", "nop"), to_raw(Opcode::Nop));
  EXPECT_EQ(ordinal("RingOpcode", "call"), to_raw(Opcode::Call));
  EXPECT_EQ(ordinal("RingOpcode", "recv"), to_raw(Opcode::Recv));
  EXPECT_EQ(ordinal("RingOpcode", "return"), to_raw(Opcode::Return));
  EXPECT_EQ(ordinal("RingOpcode", "release"), to_raw(Opcode::Release));
  EXPECT_EQ(ordinal("TransferMode", "copy"), to_raw(TransferMode::Copy));
  EXPECT_EQ(ordinal("TransferMode", "move"), to_raw(TransferMode::Move));
}

// The real policy copies whole entries, byte for byte, whatever they hold. This is what catches
// a field added to a layout but forgotten in for_each_field.
RC_GTEST_PROP(RingAbi, HardwareAtomicsCopiesEntriesExactly,
              (const std::array<uint8_t, 64>& sqe_bytes,
               const std::array<uint8_t, 32>& cqe_bytes)) {
  HardwareAtomics atomics;
  CapSqe source{};
  std::memcpy(&source, sqe_bytes.data(), sizeof(source));
  CapSqe slot{};
  atomics.write_sqe(slot, source);
  RC_ASSERT(ring_test::bytes_of(slot) == ring_test::bytes_of(source));
  const CapSqe copy = atomics.read_sqe(slot);
  RC_ASSERT(ring_test::bytes_of(copy) == ring_test::bytes_of(source));

  CapCqe cqe_source{};
  std::memcpy(&cqe_source, cqe_bytes.data(), sizeof(cqe_source));
  CapCqe cqe_slot{};
  atomics.write_cqe(cqe_slot, cqe_source);
  RC_ASSERT(ring_test::bytes_of(cqe_slot) == ring_test::bytes_of(cqe_source));
  const CapCqe cqe_copy = atomics.read_cqe(cqe_slot);
  RC_ASSERT(ring_test::bytes_of(cqe_copy) == ring_test::bytes_of(cqe_source));
}

TEST(RingAbi, HardwareAtomicsIndexWords) {
  HardwareAtomics atomics;
  uint32_t word = 7;
  EXPECT_EQ(atomics.load(word, std::memory_order_acquire), 7U);
  atomics.store(word, 0xFFFFFFFF, std::memory_order_release);
  EXPECT_EQ(word, 0xFFFFFFFFU);
}

}  // namespace
}  // namespace capos
