// The kernel's user-memory path as shipped — ProcessMemory -> UserPtr::from_raw ->
// validate_user_buffer (TableWalk over the real BasicPageTable) -> copy — on the simulated machine
// (tests/kernel/mem/simulated_memory.h), where the copy faults like the MMU. Multi-page buffers
// whose first page is fine and a later one is not (for each way a page can be refused, at each
// level), page boundaries, the end of the user half, non-canonical and wrapping addresses, the
// order of the errors; then a RapidCheck property over random multi-level tables.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <cstdint>
#include <vector>

#include "kernel/mem/user_ptr.h"
#include "kernel/mem/validate_user_buffer.h"
#include "lib/ring/abi.h"
#include "tests/kernel/mem/random_address_space.h"
#include "tests/kernel/mem/simulated_memory.h"

namespace capos::kernel::test {
namespace {

namespace pte = x86_64::pte;

constexpr uint64_t base = 0x40'0000;  // the first of 4 user RW pages (a PD boundary below it)

std::vector<uint8_t> pattern(size_t length, uint8_t seed) {
  std::vector<uint8_t> bytes(length);
  for (size_t i = 0; i < length; ++i) bytes[i] = static_cast<uint8_t>(seed + 7 * i);
  return bytes;
}

class UserPtrTest : public ::testing::Test {
 protected:
  UserPtrTest() {
    m_space.map(base, 4, true, true);
    m_space.poke(base, pattern(4 * sim_page, 1));
  }
  // Copies `length` bytes in from `address`: the error, or the bytes.
  Result<std::vector<uint8_t>> read(uint64_t address, size_t length) {
    std::vector<uint8_t> out(length, 0xee);
    SimulatedProcessMemory memory = m_space.memory();
    TRY(memory.copy_in(address, out));
    return out;
  }
  Result<void> write(uint64_t address, size_t length) {
    SimulatedProcessMemory memory = m_space.memory();
    return memory.copy_out(address, pattern(length, 9));
  }
  // Both directions refused with Fault, and nothing written anywhere.
  void expect_refused(uint64_t address, size_t length) {
    const uint64_t writes = m_space.physical_memory().byte_writes();
    const auto in = read(address, length);
    ASSERT_FALSE(in.has_value());
    EXPECT_EQ(in.error(), Error::Fault);
    const Result<void> out = write(address, length);
    ASSERT_FALSE(out.has_value());
    EXPECT_EQ(out.error(), Error::Fault);
    EXPECT_EQ(m_space.physical_memory().byte_writes(), writes);
  }

  SimulatedAddressSpace m_space;
};

TEST_F(UserPtrTest, CopiesAcrossPageBoundaries) {
  const auto in = read(base + sim_page - 5, 2 * sim_page + 10);
  ASSERT_TRUE(in.has_value());
  EXPECT_EQ(*in, m_space.peek(base + sim_page - 5, 2 * sim_page + 10));
  EXPECT_EQ((*in)[0], static_cast<uint8_t>(1 + 7 * (sim_page - 5)));
  ASSERT_TRUE(write(base + 3 * sim_page - 3, 3 + sim_page).has_value());
  EXPECT_EQ(m_space.peek(base + 3 * sim_page - 3, 3 + sim_page), pattern(3 + sim_page, 9));
  // The bytes around the written range are untouched.
  EXPECT_EQ(m_space.peek(base + 3 * sim_page - 4, 1)[0],
            pattern(4 * sim_page, 1)[3 * sim_page - 4]);
  EXPECT_TRUE(read(base, 0).has_value());
  EXPECT_TRUE(write(base, 0).has_value());
}

// The first page is fine, a later page is refused: for each refusal, the whole buffer is.
TEST_F(UserPtrTest, LaterPageNotMapped) {
  m_space.update_entry(base + 2 * sim_page, 0, 0, pte::present);
  expect_refused(base + sim_page, 2 * sim_page);
  expect_refused(base + 2 * sim_page - 1, 2);
  ASSERT_TRUE(read(base + sim_page, sim_page).has_value());  // up to the hole is fine
}

TEST_F(UserPtrTest, LaterPageSupervisor) {
  m_space.update_entry(base + 3 * sim_page, 0, 0, pte::user);
  expect_refused(base, 4 * sim_page);
  expect_refused(base + 3 * sim_page - 8, 9);
}

TEST_F(UserPtrTest, LaterPageReadOnlyRefusesOnlyWrites) {
  m_space.update_entry(base + sim_page, 0, 0, pte::writable);
  const uint64_t writes = m_space.physical_memory().byte_writes();
  EXPECT_EQ(write(base, 2 * sim_page).error(), Error::Fault);
  EXPECT_EQ(write(base + sim_page - 1, 2).error(), Error::Fault);
  EXPECT_EQ(m_space.physical_memory().byte_writes(), writes);  // not even the first page
  SimulatedProcessMemory memory = m_space.memory();
  EXPECT_EQ(memory.check_writable(base, 2 * sim_page).error(), Error::Fault);
  EXPECT_TRUE(memory.check_writable(base, sim_page).has_value());
  EXPECT_TRUE(read(base, 2 * sim_page).has_value());
}

// The same refusals made by an upper level: the next page is under another PD (a PT entry alone
// cannot say it), or the whole path loses U/S or R/W at the PDPT or PML4.
TEST_F(UserPtrTest, RefusalsFromUpperLevels) {
  const uint64_t next_table = base + 0x20'0000;       // the next PD entry: a PT of its own
  m_space.map(next_table - sim_page, 2, true, true);  // one page each side
  ASSERT_TRUE(read(next_table - 8, 16).has_value());
  m_space.update_entry(next_table, 1, 0, pte::user);  // PD entry: supervisor
  expect_refused(next_table - 8, 16);
  m_space.update_entry(next_table, 1, pte::user, pte::writable);  // PD entry: read-only
  EXPECT_TRUE(read(next_table - 8, 16).has_value());
  EXPECT_EQ(write(next_table - 8, 16).error(), Error::Fault);
  m_space.update_entry(next_table, 1, 0, pte::present);
  expect_refused(next_table - 8, 16);
  for (const unsigned level : {2U, 3U}) {
    m_space.update_entry(base, level, 0, pte::writable);
    EXPECT_TRUE(read(base, 8).has_value()) << level;
    EXPECT_EQ(write(base, 8).error(), Error::Fault) << level;
    m_space.update_entry(base, level, pte::writable, pte::user);
    expect_refused(base, 8);
    m_space.update_entry(base, level, pte::user, 0);
    ASSERT_TRUE(write(base, 8).has_value()) << level;
  }
}

// A 2 MiB page: one leaf covers the buffer; the copy crosses 4 KiB boundaries inside it.
TEST_F(UserPtrTest, LargePage) {
  SimulatedPageTable& table = m_space.table();
  const uint64_t virt = uint64_t{8} << 21;
  ASSERT_TRUE(table
                  .map({virt, uint64_t{64} << 21, PageSize::Large, PageAccess::ReadWrite,
                        PagePrivilege::User})
                  .has_value());
  ASSERT_TRUE(write(virt + 0x1ff0, 0x2020).has_value());
  EXPECT_EQ(m_space.peek(virt + 0x1ff0, 0x2020), pattern(0x2020, 9));
  EXPECT_EQ(m_space.physical_memory().read_byte((uint64_t{64} << 21) + 0x1ff0), 9);
  expect_refused(virt + 0x20'0000 - 8, 16);  // past the large page
}

TEST_F(UserPtrTest, EndOfTheUserHalf) {
  const uint64_t last = USER_HALF_END - sim_page;
  m_space.map(last, 1, true, true);
  ASSERT_TRUE(write(last, sim_page).has_value());
  ASSERT_TRUE(read(USER_HALF_END - 1, 1).has_value());
  const uint64_t reads = m_space.physical_memory().entry_reads();
  expect_refused(USER_HALF_END - 8, 9);  // one byte past 2^47
  expect_refused(USER_HALF_END, 1);
  EXPECT_EQ(m_space.physical_memory().entry_reads(), reads);  // refused before any walk
}

TEST_F(UserPtrTest, NonCanonicalWrappingAndPageZero) {
  m_space.map(0, 1, true, true);  // mapped, but page 0 is never user memory (SPEC §4)
  const uint64_t reads = m_space.physical_memory().entry_reads();
  for (const uint64_t address :
       {uint64_t{0}, uint64_t{0xff8}, uint64_t{0x0000'8000'0000'0000},
        uint64_t{0x1234'5678'9abc'0000}, uint64_t{0xffff'8000'0000'0000},
        RandomAddressSpace::kernel_page, uint64_t{0xffff'ffff'ffff'fff8}}) {
    expect_refused(address, 16);
  }
  SimulatedProcessMemory memory = m_space.memory();
  EXPECT_EQ(memory.check_writable(base, UINT64_MAX).error(), Error::Fault);  // wraps
  EXPECT_EQ(memory.check_writable(UINT64_MAX, 2).error(), Error::Fault);
  EXPECT_EQ(m_space.physical_memory().entry_reads(), reads);
  // An empty buffer is valid anywhere and walks nothing.
  EXPECT_TRUE(memory.check_writable(0xffff'8000'0000'0000, 0).has_value());
  EXPECT_TRUE(read(UINT64_MAX, 0).has_value());
}

TEST_F(UserPtrTest, ErrorOrder) {
  SimulatedProcessMemory memory = m_space.memory();
  const uint64_t reads = m_space.physical_memory().entry_reads();
  // Over the walk bound: TooBig, before any walk; out of range first: Fault.
  EXPECT_EQ(memory.check_writable(base, mem::max_user_buffer_bytes + 1).error(), Error::TooBig);
  EXPECT_EQ(memory.check_writable(USER_HALF_END - 8, mem::max_user_buffer_bytes + 1).error(),
            Error::Fault);
  EXPECT_EQ(m_space.physical_memory().entry_reads(), reads);
  // UserPtr's own checks: count * sizeof(T) overflow, more elements than the pointer holds.
  EXPECT_EQ(mem::UserIn<uint64_t>::from_raw(base, uint64_t{1} << 61).error(), Error::Overflow);
  EXPECT_EQ(mem::UserIn<uint64_t>::from_raw(USER_HALF_END - 8, 2).error(), Error::Fault);
  const auto pointer = mem::UserIn<uint64_t>::from_raw(base, 2).take();
  std::array<uint64_t, 3> three{};
  EXPECT_EQ(pointer.copy_in(SimulatedUserSpace(m_space.table()), std::span(three)).error(),
            Error::TooBig);
  std::array<uint64_t, 2> two{};
  ASSERT_TRUE(pointer.copy_in(SimulatedUserSpace(m_space.table()), std::span(two)).has_value());
  const std::vector<uint8_t> bytes = m_space.peek(base, 16);
  EXPECT_EQ(two[0] & 0xff, bytes[0]);
}

// An address space whose copy faults although the walk accepted the buffer (a page unmapped
// between the check and the copy: F-019's fixup): UserPtr reports Fault.
class FaultingCopySpace {
 public:
  using Table = SimulatedPageTable;
  explicit FaultingCopySpace(const Table& table) : m_table(&table) {}
  [[nodiscard]] const Table& table() const { return *m_table; }
  bool copy_from_user(mem::UserCopyKey /*key*/, void* /*to*/, uint64_t /*from*/,
                      uint64_t /*bytes*/) const {
    return false;
  }
  bool copy_to_user(mem::UserCopyKey /*key*/, uint64_t /*to*/, const void* /*from*/,
                    uint64_t /*bytes*/) const {
    return false;
  }

 private:
  const Table* m_table;
};

TEST_F(UserPtrTest, CopyFaultAfterValidationIsFault) {
  BasicProcessMemory<FaultingCopySpace> memory(m_space.table());
  std::vector<uint8_t> buffer(16);
  EXPECT_EQ(memory.copy_in(base, buffer).error(), Error::Fault);
  EXPECT_EQ(memory.copy_out(base, buffer).error(), Error::Fault);
  EXPECT_TRUE(memory.copy_in(base, std::span(buffer).first(0)).has_value());  // no copy at all
}

// Random 4-level tables around a boundary (random bits on every entry, shared entries, large
// pages, reserved bits) against the model of random_address_space.h.
RC_GTEST_PROP(UserPtrProperty, MatchesTheModelOnRandomTables, ()) {
  const auto choose = [](uint64_t bound) { return *rc::gen::inRange<uint64_t>(0, bound); };
  RandomAddressSpace space(choose);
  const auto steps = *rc::gen::inRange(1, 12);
  for (int step = 0; step < steps; ++step) {
    const uint64_t address =
        space.base() - sim_page + *rc::gen::inRange<uint64_t>(0, 10 * sim_page);
    const uint64_t length = *rc::gen::arbitrary<bool>()
                                ? *rc::gen::inRange<uint64_t>(0, 64)
                                : *rc::gen::inRange<uint64_t>(0, 9 * sim_page);
    const auto operation = *rc::gen::element(RandomAddressSpace::Operation::CopyIn,
                                             RandomAddressSpace::Operation::CopyOut,
                                             RandomAddressSpace::Operation::CheckWritable);
    const std::string problem =
        space.run(operation, address, length, *rc::gen::arbitrary<uint8_t>());
    RC_ASSERT(problem == "");
  }
  RC_ASSERT(space.memory_matches_model());
  RC_CLASSIFY(space.accepted() > 0, "some operation accepted");
  RC_CLASSIFY(space.refused() > 0, "some operation refused");
}

}  // namespace
}  // namespace capos::kernel::test
