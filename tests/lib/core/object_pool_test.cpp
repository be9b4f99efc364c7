// ObjectPool (lib/core/object_pool.h): bounded allocation, exact rollback of a reservation,
// destruction runs the destructor exactly once, kernel-bug preconditions, and a model-based
// property over random reserve / emplace / rollback / destroy sequences.
#include "lib/core/object_pool.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cstdint>
#include <memory>
#include <vector>

namespace capos {
namespace {

int g_alive = 0;  // NOLINT: counts Tracked objects alive across a test

struct Tracked {
  explicit Tracked(int v) : value(v) { ++g_alive; }
  Tracked(const Tracked&) = delete;
  Tracked& operator=(const Tracked&) = delete;
  Tracked(Tracked&&) = delete;
  Tracked& operator=(Tracked&&) = delete;
  ~Tracked() { --g_alive; }
  int value;
};

using Pool = ObjectPool<Tracked, 3>;

TEST(ObjectPool, ReserveEmplaceDestroyUntilExhausted) {
  g_alive = 0;
  Pool pool;
  EXPECT_EQ(Pool::capacity(), 3U);
  Tracked& a = pool.reserve().take().emplace(1);
  Tracked& b = pool.reserve().take().emplace(2);
  Pool::Reservation held = pool.reserve().take();
  EXPECT_EQ(pool.live_count(), 2U);
  EXPECT_EQ(pool.reserved_count(), 1U);
  EXPECT_EQ(pool.free_count(), 0U);
  EXPECT_EQ(pool.reserve().error(), Error::Exhausted);  // reserved slots count against it
  EXPECT_EQ(g_alive, 2);
  EXPECT_TRUE(pool.owns(a));
  EXPECT_EQ(b.value, 2);
  pool.destroy(a);
  EXPECT_EQ(g_alive, 1);
  EXPECT_FALSE(pool.owns(b) && pool.owns(a));
  Tracked& c = std::move(held).emplace(3);
  EXPECT_FALSE(held.is_live());
  Tracked& d = pool.reserve().take().emplace(4);  // reuses a's slot
  EXPECT_EQ(&d, &a);
  EXPECT_TRUE(pool.invariants_hold());
  pool.destroy(b);
  pool.destroy(c);
  pool.destroy(d);
  EXPECT_EQ(g_alive, 0);
  EXPECT_EQ(pool.free_count(), 3U);
}

TEST(ObjectPool, RollbackLeavesThePoolExactlyAsBefore) {
  Pool pool;
  Tracked& first = pool.reserve().take().emplace(1);
  Tracked& second = pool.reserve().take().emplace(2);
  pool.destroy(first);  // free list: [first]; untouched: one slot
  {
    Pool::Reservation from_list = pool.reserve().take();
    Pool::Reservation untouched = pool.reserve().take();
    EXPECT_EQ(pool.free_count(), 0U);
  }  // both dropped: rolled back
  EXPECT_EQ(pool.free_count(), 2U);
  EXPECT_EQ(&pool.reserve().take().emplace(5), &first);  // the same slot comes next
  Pool::Reservation explicit_rollback = pool.reserve().take();
  explicit_rollback.rollback();
  explicit_rollback.rollback();  // idempotent
  EXPECT_EQ(pool.free_count(), 1U);
  EXPECT_TRUE(pool.invariants_hold());
  pool.destroy(first);
  pool.destroy(second);
}

TEST(ObjectPool, MovedReservationHoldsTheSlotOnce) {
  Pool pool;
  Pool::Reservation a = pool.reserve().take();
  Pool::Reservation b(std::move(a));
  EXPECT_FALSE(a.is_live());  // NOLINT(bugprone-use-after-move): the point of the test
  EXPECT_TRUE(b.is_live());
  EXPECT_EQ(pool.reserved_count(), 1U);
  a.rollback();  // a moved-from reservation returns nothing
  EXPECT_EQ(pool.reserved_count(), 1U);
}

using PoolDeathTest = ::testing::Test;

TEST(PoolDeathTest, DestroyingTwiceOrAForeignObjectIsAKernelBug) {
  EXPECT_DEATH(
      {
        Pool pool;
        Tracked& object = pool.reserve().take().emplace(1);
        pool.destroy(object);
        pool.destroy(object);
      },
      "KASSERT\\(index != no_slot\\)");
  EXPECT_DEATH(
      {
        Pool pool;
        Tracked outside(7);
        pool.destroy(outside);
      },
      "KASSERT\\(index != no_slot\\)");
  EXPECT_DEATH(
      {
        Pool pool;
        Pool::Reservation slot = pool.reserve().take();
        (void)std::move(slot).emplace(1);
        (void)std::move(slot).emplace(2);  // NOLINT(bugprone-use-after-move)
      },
      "KASSERT\\(m_pool != nullptr\\)");
  EXPECT_DEATH(
      {
        Pool pool;
        (void)pool.reserve().take().emplace(1);
      },  // the pool dies with a live object
      "m_live == 0");
}

// Model: the pool is a set of live objects plus held reservations; every operation keeps the
// counts equal to the model's, never exceeds the capacity and keeps invariants_hold().
RC_GTEST_PROP(ObjectPool, RandomSequencesMatchTheModel, ()) {
  g_alive = 0;
  {
    ObjectPool<Tracked, 5> pool;
    std::vector<Tracked*> live;
    std::vector<std::unique_ptr<ObjectPool<Tracked, 5>::Reservation>> held;
    const auto steps = *rc::gen::inRange(0, 60);
    for (int step = 0; step < steps; ++step) {
      switch (*rc::gen::inRange(0, 4)) {
        case 0: {
          auto reserved = pool.reserve();
          if (live.size() + held.size() == 5) {
            RC_ASSERT(!reserved.has_value());
            RC_ASSERT(reserved.error() == Error::Exhausted);
          } else {
            RC_ASSERT(reserved.has_value());
            held.push_back(
                std::make_unique<ObjectPool<Tracked, 5>::Reservation>(std::move(reserved).take()));
          }
          break;
        }
        case 1:
          if (!held.empty()) {
            const auto at = *rc::gen::inRange<size_t>(0, held.size());
            live.push_back(&std::move(*held[at]).emplace(step));
            held.erase(held.begin() + static_cast<std::ptrdiff_t>(at));
          }
          break;
        case 2:
          if (!held.empty()) held.pop_back();  // rollback by destruction
          break;
        default:
          if (!live.empty()) {
            const auto at = *rc::gen::inRange<size_t>(0, live.size());
            RC_ASSERT(pool.owns(*live[at]));
            pool.destroy(*live[at]);
            live.erase(live.begin() + static_cast<std::ptrdiff_t>(at));
          }
          break;
      }
      RC_ASSERT(pool.invariants_hold());
      RC_ASSERT(pool.live_count() == live.size());
      RC_ASSERT(pool.reserved_count() == held.size());
      RC_ASSERT(static_cast<size_t>(g_alive) == live.size());
    }
    held.clear();
    for (Tracked* object : live) pool.destroy(*object);
  }
  RC_ASSERT(g_alive == 0);
}

}  // namespace
}  // namespace capos
