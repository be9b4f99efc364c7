#include "lib/core/static_vector.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace capos {
namespace {

TEST(StaticVector, PushUntilFull) {
  StaticVector<int, 3> v;
  EXPECT_TRUE(v.empty());
  EXPECT_EQ(decltype(v)::capacity(), 3U);
  ASSERT_TRUE(v.push_back(1).has_value());
  ASSERT_TRUE(v.push_back(2).has_value());
  ASSERT_TRUE(v.emplace_back(3).has_value());
  EXPECT_TRUE(v.full());
  EXPECT_EQ(v.push_back(4).error(), Error::Exhausted);
  EXPECT_EQ(v.size(), 3U);
  EXPECT_EQ(v[2], 3);
}

TEST(StaticVector, BoundsCheckedAccessAndRemoval) {
  StaticVector<int, 4> v;
  EXPECT_EQ(v.at(0).error(), Error::OutOfRange);
  EXPECT_EQ(v.pop_back().error(), Error::OutOfRange);
  EXPECT_EQ(v.erase(0).error(), Error::OutOfRange);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(v.push_back(i * 10).has_value());
  EXPECT_EQ(**v.at(3), 30);
  EXPECT_EQ(v.at(4).error(), Error::OutOfRange);
  ASSERT_TRUE(v.erase(1).has_value());
  EXPECT_EQ(std::vector<int>(v.begin(), v.end()), (std::vector<int>{0, 20, 30}));
  ASSERT_TRUE(v.pop_back().has_value());
  EXPECT_EQ(v.span().size(), 2U);
}

TEST(StaticVector, OwnsNonTrivialElements) {
  auto shared = std::make_shared<int>(5);
  {
    StaticVector<std::shared_ptr<int>, 4> v;
    ASSERT_TRUE(v.push_back(shared).has_value());
    ASSERT_TRUE(v.push_back(shared).has_value());
    EXPECT_EQ(shared.use_count(), 3);
    StaticVector<std::shared_ptr<int>, 4> copy = v;
    EXPECT_EQ(shared.use_count(), 5);
    StaticVector<std::shared_ptr<int>, 4> moved = std::move(copy);
    EXPECT_EQ(shared.use_count(), 5);
    EXPECT_EQ(moved.size(), 2U);
    v = moved;
    EXPECT_EQ(shared.use_count(), 5);
    v.clear();
    EXPECT_EQ(shared.use_count(), 3);
  }
  EXPECT_EQ(shared.use_count(), 1);  // every element destroyed exactly once
}

TEST(StaticVectorDeathTest, UncheckedIndexPastSizePanics) {
  StaticVector<int, 2> v;
  ASSERT_TRUE(v.push_back(1).has_value());
  EXPECT_DEATH((void)v[1], "KASSERT");
}

// Property: a StaticVector behaves like std::vector capped at its capacity.
RC_GTEST_PROP(StaticVectorProperties, MatchesBoundedVectorModel, (std::vector<int> operations)) {
  StaticVector<std::string, 5> v;
  std::vector<std::string> model;
  for (const int op : operations) {
    switch (static_cast<unsigned>(op) % 3U) {
      case 0: {
        const Result<void> r = v.push_back(std::to_string(op));
        RC_ASSERT(r.has_value() == (model.size() < 5));
        if (model.size() < 5) model.push_back(std::to_string(op));
        break;
      }
      case 1: {
        const Result<void> r = v.pop_back();
        RC_ASSERT(r.has_value() == !model.empty());
        if (!model.empty()) model.pop_back();
        break;
      }
      default: {
        const size_t index = static_cast<size_t>(static_cast<unsigned>(op) / 3U % 6U);
        const Result<void> r = v.erase(index);
        RC_ASSERT(r.has_value() == (index < model.size()));
        if (index < model.size()) model.erase(model.begin() + static_cast<long>(index));
        break;
      }
    }
    RC_ASSERT(std::vector<std::string>(v.begin(), v.end()) == model);
  }
}

}  // namespace
}  // namespace capos
