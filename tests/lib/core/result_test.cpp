#include "lib/core/result.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace capos {
namespace {

Result<int> parse_digit(char c) {
  if (c < '0' || c > '9') return Error::InvalidArgument;
  return c - '0';
}

Result<int> add_digits(char a, char b) {
  const int x = TRY(parse_digit(a));
  const int y = TRY(parse_digit(b));
  return x + y;
}

Result<void> require_even(int value) {
  if (value % 2 != 0) return Error::OutOfRange;
  return {};
}

Result<int> half_of_even(int value) {
  TRY(require_even(value));
  return value / 2;
}

Result<int> nested_try(char a, char b) {
  // TRY inside TRY's operand: the generated names must not shadow one another.
  const int sum = TRY(add_digits(TRY(parse_digit(a)) == 0 ? '0' : a, b));
  return sum;
}

TEST(Result, HoldsValue) {
  Result<int> r = parse_digit('7');
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, 7);
  EXPECT_EQ(r.value_or(-1), 7);
}

TEST(Result, HoldsError) {
  Result<int> r = parse_digit('x');
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Error::InvalidArgument);
  EXPECT_EQ(r.value_or(-1), -1);
}

TEST(Result, TryPropagatesFirstError) {
  EXPECT_EQ(*add_digits('3', '4'), 7);
  EXPECT_EQ(add_digits('3', 'z').error(), Error::InvalidArgument);
  EXPECT_EQ(add_digits('q', '4').error(), Error::InvalidArgument);
}

TEST(Result, TryOnVoidResult) {
  EXPECT_EQ(*half_of_even(8), 4);
  EXPECT_EQ(half_of_even(7).error(), Error::OutOfRange);
}

TEST(Result, NestedTry) {
  EXPECT_EQ(*nested_try('2', '3'), 5);
  EXPECT_EQ(nested_try('a', '3').error(), Error::InvalidArgument);
}

TEST(Result, NonTrivialValueIsCopiedMovedAndDestroyed) {
  Result<std::string> a = std::string(100, 'x');
  Result<std::string> b = a;
  ASSERT_TRUE(a.has_value());
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(*b, *a);
  Result<std::string> c = std::move(b);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->size(), 100U);
  Result<std::string> d = Error::NotFound;
  EXPECT_EQ(d.error(), Error::NotFound);  // overwriting an unchecked Result would panic
  d = c;
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(*d, std::string(100, 'x'));
  d = Result<std::string>(Error::TooBig);
  ASSERT_FALSE(d.has_value());
  EXPECT_EQ(d.error(), Error::TooBig);
  const std::string taken = std::move(c).take();
  EXPECT_EQ(taken.size(), 100U);
}

enum class DetailError : uint8_t { First = 1, Second };

TEST(Result, CustomErrorType) {
  Result<int, DetailError> r = DetailError::Second;
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), DetailError::Second);
}

TEST(ResultDeathTest, ValueOfErrorPanics) {
  EXPECT_DEATH(
      {
        Result<int> r = Error::Fault;
        (void)r.has_value();
        (void)r.value();
      },
      "KASSERT");
}

TEST(ResultDeathTest, ErrorOfValuePanics) {
  EXPECT_DEATH(
      {
        Result<int> r = 3;
        (void)r.error();
      },
      "KASSERT");
}

TEST(ResultDeathTest, OverwritingAnUncheckedErrorPanics) {
  EXPECT_DEATH(
      {
        Result<int> r = Error::Fault;
        r = 4;
        (void)r.has_value();
      },
      "without being checked");
}

TEST(ResultDeathTest, UncheckedResultPanicsInTestBuilds) {
  EXPECT_DEATH({ (void)parse_digit('1'); }, "without being checked");
}

TEST(Error, EveryErrorHasADistinctName) {
  std::set<std::string> names;
  for (int i = 1; i <= static_cast<int>(last_error); ++i) {
    const std::string name = error_name(static_cast<Error>(i));
    EXPECT_NE(name, "UnknownError") << i;
    EXPECT_TRUE(names.insert(name).second) << name;
  }
  EXPECT_STREQ(error_name(static_cast<Error>(999)), "UnknownError");
}

}  // namespace
}  // namespace capos
