// validate_user_buffer (kernel/mem/validate_user_buffer.h) on lib/mem/user_range.h's predicates:
// edge cases at every boundary through the kernel's wrapper, then a property against a model.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <cstdint>

#include "kernel/mem/validate_user_buffer.h"
#include "lib/mem/user_range.h"
#include "lib/ring/abi.h"
#include "tests/kernel/kernel_test_util.h"

namespace capos::kernel::mem {
namespace {

using test::FakeAddressSpace;
using test::FakeWalk;
using test::page;

constexpr uint64_t user_end = USER_HALF_END;

TEST(UserRange, EmptyRangeIsAlwaysAcceptable) {
  EXPECT_TRUE(user_range_ok(0, 0));
  EXPECT_TRUE(user_range_ok(0xffff'8000'0000'0000, 0));
  EXPECT_TRUE(user_range_ok(UINT64_MAX, 0));
}

TEST(UserRange, Bounds) {
  EXPECT_FALSE(user_range_ok(0, 1));                    // page 0
  EXPECT_FALSE(user_range_ok(USER_HALF_BEGIN - 1, 2));  // starts in page 0
  EXPECT_TRUE(user_range_ok(USER_HALF_BEGIN, 1));
  EXPECT_TRUE(user_range_ok(user_end - 1, 1));                              // last user byte
  EXPECT_TRUE(user_range_ok(USER_HALF_BEGIN, user_end - USER_HALF_BEGIN));  // the whole half
  EXPECT_FALSE(user_range_ok(USER_HALF_BEGIN, user_end - USER_HALF_BEGIN + 1));
  EXPECT_FALSE(user_range_ok(user_end - 1, 2));            // crosses 2^47
  EXPECT_FALSE(user_range_ok(user_end, 1));                // first non-canonical address
  EXPECT_FALSE(user_range_ok(0x1234'5678'9abc'0000, 8));   // non-canonical
  EXPECT_FALSE(user_range_ok(0xffff'8000'0000'0000, 8));   // kernel half
  EXPECT_FALSE(user_range_ok(0xffff'ffff'ffff'fff0, 32));  // wraps past 2^64
  EXPECT_FALSE(user_range_ok(USER_HALF_BEGIN, UINT64_MAX));
}

TEST(ValidateUserBuffer, ChecksEveryPageOfTheRange) {
  FakeAddressSpace space;
  space.map(0x10000, 2, true, true);
  space.map(0x13000, 1, true, true);  // 0x12000 is a hole
  const FakeWalk walk(space);
  EXPECT_TRUE(validate_user_buffer(walk, 0x10000, 2 * page, UserAccess::Write).has_value());
  EXPECT_TRUE(validate_user_buffer(walk, 0x10ff8, 16, UserAccess::Read).has_value());
  EXPECT_EQ(validate_user_buffer(walk, 0x11ff8, 16, UserAccess::Read).error(), Error::Fault);
  EXPECT_EQ(validate_user_buffer(walk, 0x10000, 4 * page, UserAccess::Read).error(), Error::Fault);
  EXPECT_EQ(validate_user_buffer(walk, 0x12000, 1, UserAccess::Read).error(), Error::Fault);
}

TEST(ValidateUserBuffer, WriteNeedsWritablePagesReadDoesNot) {
  FakeAddressSpace space;
  space.map(0x20000, 1, true, false);
  const FakeWalk walk(space);
  EXPECT_TRUE(validate_user_buffer(walk, 0x20000, page, UserAccess::Read).has_value());
  EXPECT_EQ(validate_user_buffer(walk, 0x20000, page, UserAccess::Write).error(), Error::Fault);
  EXPECT_EQ(validate_user_buffer(walk, 0x20fff, 1, UserAccess::Write).error(), Error::Fault);
}

TEST(ValidateUserBuffer, SupervisorPagesAreRefused) {
  FakeAddressSpace space;
  space.map(0x30000, 1, false, true);  // present but not user (e.g. a kernel mapping)
  const FakeWalk walk(space);
  EXPECT_EQ(validate_user_buffer(walk, 0x30000, 8, UserAccess::Read).error(), Error::Fault);
}

TEST(ValidateUserBuffer, ArithmeticIsCheckedBeforeAnyWalk) {
  FakeAddressSpace space;
  space.map(user_end - page, 1, true, true);
  const FakeWalk walk(space);
  EXPECT_EQ(validate_user_buffer(walk, user_end - 8, 16, UserAccess::Read).error(), Error::Fault);
  EXPECT_EQ(validate_user_buffer(walk, 0xffff'ffff'ffff'fff0, 32, UserAccess::Read).error(),
            Error::Fault);
  EXPECT_EQ(space.lookups(), 0U);
  EXPECT_TRUE(validate_user_buffer(walk, user_end - 8, 8, UserAccess::Read).has_value());
}

TEST(ValidateUserBuffer, EmptyAndOversizedRanges) {
  FakeAddressSpace space;
  const FakeWalk walk(space);
  EXPECT_TRUE(validate_user_buffer(walk, 0xffff'8000'0000'0000, 0, UserAccess::Write).has_value());
  EXPECT_EQ(space.lookups(), 0U);
  EXPECT_EQ(
      validate_user_buffer(walk, 0x100000, max_user_buffer_bytes + 1, UserAccess::Read).error(),
      Error::TooBig);
  EXPECT_EQ(space.lookups(), 0U);
}

// Model: the buffer is valid iff the range is inside the user half and every byte's page is
// mapped user (and writable for a write).
RC_GTEST_PROP(ValidateUserBufferProperty, MatchesPerByteModel, ()) {
  FakeAddressSpace space;
  const uint64_t base = 0x40000;
  const auto layout = *rc::gen::container<std::vector<int>>(8, rc::gen::inRange(0, 4));
  for (size_t i = 0; i < layout.size(); ++i) {
    if (layout[i] == 0) continue;                                   // hole
    space.map(base + i * page, 1, layout[i] != 3, layout[i] != 2);  // 2: read-only, 3: kernel
  }
  const uint64_t start = base - page + *rc::gen::inRange<uint64_t>(0, 10 * page);
  const uint64_t length = *rc::gen::inRange<uint64_t>(0, 4 * page);
  const bool write = *rc::gen::arbitrary<bool>();
  bool expected = true;
  for (uint64_t address = start; address < start + length; ++address) {
    const auto found = space.lookup(address);
    if (!found || !found->user || (write && !found->writable)) {
      expected = false;
      break;
    }
  }
  const auto result = validate_user_buffer(FakeWalk(space), start, length,
                                           write ? UserAccess::Write : UserAccess::Read);
  RC_ASSERT(result.has_value() == expected);
  if (!result) RC_ASSERT(result.error() == Error::Fault);
}

}  // namespace
}  // namespace capos::kernel::mem
