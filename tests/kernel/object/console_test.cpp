// The Console object (kernel/object/console.h) through the real dispatcher: length, LogBytes
// quota (reserved in decode, committed in invoke), escaping, exact result bytes.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "tests/kernel/cap/dispatch_fixture.h"
#include "tools/verify_report/evidence.h"

namespace capos::kernel::test {
namespace {

using ConsoleTest = DispatchTest;

TEST_F(ConsoleTest, WriteLinePrintsChargesAndWritesExactlyTheResult) {
  std::vector<uint8_t> stale(64, 0xaa);
  m_space.poke(result_va, stale);
  const int32_t written = dispatch(write_line("hello"));
  EXPECT_EQ(written, 16);  // segment table + root pointer of an empty struct
  EXPECT_EQ(console_output(), "hello\n");
  EXPECT_EQ(m_ledger.committed(ResourceClass::LogBytes), 6U);
  const std::vector<uint8_t> after = result_bytes(64);
  for (size_t i = 16; i < after.size(); ++i) EXPECT_EQ(after[i], 0xaa) << i;
  EXPECT_EQ(m_memory.writes(), 1U);
}

TEST_F(ConsoleTest, ConsoleLengthQuotaAndEscaping) {
  capos::verify_report::evidence(12, "log-bytes", capos::verify_report::EvidenceKind::Tested);
  EXPECT_EQ(dispatch(write_line(std::string(4096, 'a'))), 16);
  EXPECT_EQ(dispatch(write_line(std::string(4097, 'a'))), code(Error::TooBig));
  console_output().clear();
  EXPECT_EQ(dispatch(write_line(std::string("a\x1b[2J\x01z\tb\x7f", 10))), 16);
  EXPECT_EQ(console_output(), "a\\x1b[2J\\x01z\tb\\x7f\n");

  ASSERT_TRUE(
      m_ledger.set_limit(ResourceClass::LogBytes, m_ledger.committed(ResourceClass::LogBytes) + 10)
          .has_value());
  console_output().clear();
  EXPECT_EQ(dispatch(write_line("0123456789")), code(Error::QuotaExceeded));  // 11 with \n
  EXPECT_TRUE(console_output().empty());
  EXPECT_EQ(dispatch(write_line("012345678")), 16);  // exactly the rest
  EXPECT_EQ(dispatch(write_line("")), code(Error::QuotaExceeded));
  EXPECT_EQ(m_ledger.available(ResourceClass::LogBytes), 0U);
  EXPECT_EQ(console_output(), "012345678\n");
}

}  // namespace
}  // namespace capos::kernel::test
