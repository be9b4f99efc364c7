// Two real threads over one ring page: a producer acting as the user runtime and a consumer
// acting as the kernel. Checks exactly-once delivery; run under TSan as well (build with
// -DCAPOS_SANITIZE=thread) to check the memory orders.
//
// Each scenario runs with two policies. HardwareAtomics is what ships: it copies slots with
// relaxed atomics, so TSan cannot see a slot access as a race even if an index lost its
// release/acquire. PlainSlotAtomics copies slots with ordinary loads and stores, which makes
// TSan report any slot access not ordered by the index protocol: it is the run that checks the
// memory orders.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "lib/ring/abi.h"
#include "lib/ring/atomics.h"
#include "lib/ring/spsc.h"
#include "tests/lib/ring/ring_test_util.h"

namespace capos {
namespace {

// Index words exactly as HardwareAtomics; slots as plain (non-atomic) copies.
class PlainSlotAtomics {
 public:
  uint32_t load(uint32_t& word, std::memory_order order) { return m_words.load(word, order); }
  void store(uint32_t& word, uint32_t value, std::memory_order order) {
    m_words.store(word, value, order);
  }
  CapSqe read_sqe(CapSqe& slot) { return slot; }
  void write_sqe(CapSqe& slot, const CapSqe& value) { slot = value; }
  CapCqe read_cqe(CapCqe& slot) { return slot; }
  void write_cqe(CapCqe& slot, const CapCqe& value) { slot = value; }

 private:
  HardwareAtomics m_words;
};
static_assert(RingAtomics<PlainSlotAtomics>);

constexpr uint64_t item_count = 60000;
constexpr uint64_t corrupt_every = 4000;  // hostile episodes in the Corrupting mode
constexpr auto deadline = std::chrono::seconds(60);

enum class KernelMode : uint8_t { Complete, DeferEveryThird };
enum class UserMode : uint8_t { Honest, Corrupting };

int32_t result_for(uint64_t user_data) { return static_cast<int32_t>(user_data % 100000); }

struct Shared {
  std::unique_ptr<RingPage> page = std::make_unique<RingPage>();
  std::atomic<bool> abort{false};
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  [[nodiscard]] bool timed_out() const {
    return std::chrono::steady_clock::now() - start > deadline;
  }
};

struct KernelStats {
  uint64_t dispatched = 0;
  uint64_t out_of_order = 0;
  uint64_t corrupt_entries = 0;
};

struct UserStats {
  uint64_t reaped = 0;
  uint64_t duplicates = 0;
  uint64_t bad_results = 0;
  uint64_t immediate_out_of_order = 0;
  uint64_t unexpected_errors = 0;
  uint64_t episodes = 0;
};

template <typename Atomics>
void run_kernel(Shared& shared, KernelRing<Atomics>& kernel, KernelMode mode, KernelStats& stats) {
  std::vector<uint64_t> owed;
  auto dispatch = [&](const CapSqe& sqe) {
    if (sqe.user_data != stats.dispatched) ++stats.out_of_order;
    ++stats.dispatched;
    if (mode == KernelMode::DeferEveryThird && sqe.user_data % 3 == 0) {
      owed.push_back(sqe.user_data);
      return DispatchOutcome::defer();
    }
    CapCqe cqe{};
    cqe.result = result_for(sqe.user_data);
    return DispatchOutcome::complete(cqe);
  };
  while (!shared.abort.load()) {
    // Deferred completions finish "later": one entry after they were consumed.
    for (uint64_t user_data : owed) {
      CapCqe cqe{};
      cqe.user_data = user_data;
      cqe.result = result_for(user_data);
      if (!kernel.post_deferred(cqe).has_value()) ++stats.out_of_order;
    }
    owed.clear();
    if (stats.dispatched == item_count) break;
    const auto report = kernel.enter(dispatch);
    if (!report.has_value()) {
      ++stats.corrupt_entries;
      std::this_thread::yield();
    } else if (report->consumed == 0) {
      std::this_thread::yield();
    }
    if (shared.timed_out()) shared.abort.store(true);
  }
}

template <typename Atomics>
void run_user(Shared& shared, UserRing<Atomics>& user, UserMode mode, KernelMode kernel_mode,
              UserStats& stats) {
  HardwareAtomics atomics;  // for the hostile stores and reading the kernel's counter
  std::vector<uint8_t> seen(item_count, 0);
  uint64_t next_submit = 0;
  int64_t last_immediate = -1;
  while (stats.reaped < item_count && !shared.abort.load()) {
    bool progress = false;
    while (next_submit < item_count) {
      if (mode == UserMode::Corrupting && next_submit > 0 && next_submit % corrupt_every == 0 &&
          stats.episodes < next_submit / corrupt_every) {
        // Hostile code in the process writes an impossible index, then the runtime repairs it
        // once the kernel has seen (and counted) the corruption.
        ++stats.episodes;
        const uint32_t count_before =
            atomics.load(shared.page->corrupt_count, std::memory_order_acquire);
        if (stats.episodes % 2 == 0) {
          atomics.store(shared.page->sq_tail, user.sq_tail() + 1000, std::memory_order_release);
        } else {
          // Half the index space away: impossible whatever the kernel's cq_tail is.
          atomics.store(shared.page->cq_head, user.cq_head() + 0x80000000U,
                        std::memory_order_release);
        }
        while (atomics.load(shared.page->corrupt_count, std::memory_order_acquire) ==
                   count_before &&
               !shared.abort.load()) {
          std::this_thread::yield();
        }
        user.republish();
      }
      const auto submitted = user.submit(ring_test::nop_sqe(next_submit));
      if (!submitted.has_value()) {
        if (submitted.error() != Error::WouldBlock) ++stats.unexpected_errors;
        break;
      }
      ++next_submit;
      progress = true;
    }
    for (;;) {
      const auto cqe = user.reap();
      if (!cqe.has_value()) {
        if (cqe.error() != Error::WouldBlock) ++stats.unexpected_errors;
        break;
      }
      progress = true;
      const uint64_t user_data = cqe->user_data;
      if (user_data >= item_count || seen[user_data] != 0) {
        ++stats.duplicates;
        continue;
      }
      seen[user_data] = 1;
      ++stats.reaped;
      if (cqe->result != result_for(user_data)) ++stats.bad_results;
      if (kernel_mode == KernelMode::Complete || user_data % 3 != 0) {
        // Immediate completions keep submission order among themselves.
        if (static_cast<int64_t>(user_data) < last_immediate) ++stats.immediate_out_of_order;
        last_immediate = static_cast<int64_t>(user_data);
      }
    }
    if (!progress) std::this_thread::yield();
    if (shared.timed_out()) shared.abort.store(true);
  }
}

template <typename Atomics>
void stress(KernelMode kernel_mode, UserMode user_mode) {
  Shared shared;
  Atomics kernel_atomics;
  Atomics user_atomics;
  KernelRing<Atomics> kernel(*shared.page, kernel_atomics, UINT32_MAX - 1000);
  auto attached = UserRing<Atomics>::attach(*shared.page, user_atomics);
  ASSERT_TRUE(attached.has_value());
  UserRing<Atomics> user = std::move(attached).take();

  KernelStats kernel_stats;
  UserStats user_stats;
  std::thread kernel_thread([&] { run_kernel(shared, kernel, kernel_mode, kernel_stats); });
  std::thread user_thread([&] { run_user(shared, user, user_mode, kernel_mode, user_stats); });
  user_thread.join();
  kernel_thread.join();

  ASSERT_FALSE(shared.abort.load()) << "stress run exceeded its deadline";
  EXPECT_EQ(kernel_stats.dispatched, item_count);
  EXPECT_EQ(kernel_stats.out_of_order, 0U);
  EXPECT_EQ(user_stats.reaped, item_count);
  EXPECT_EQ(user_stats.duplicates, 0U);
  EXPECT_EQ(user_stats.bad_results, 0U);
  EXPECT_EQ(user_stats.unexpected_errors, 0U);
  EXPECT_EQ(user_stats.immediate_out_of_order, 0U);
  EXPECT_EQ(kernel.deferred(), 0U);
  EXPECT_EQ(kernel.sq_head(), static_cast<uint32_t>(UINT32_MAX - 1000 + item_count));
  EXPECT_EQ(kernel.cq_tail(), kernel.sq_head());
  if (user_mode == UserMode::Corrupting) {
    EXPECT_EQ(user_stats.episodes, (item_count - 1) / corrupt_every);
    EXPECT_GE(kernel.corrupt_count(), user_stats.episodes);
    EXPECT_EQ(kernel_stats.corrupt_entries, kernel.corrupt_count());
  } else {
    EXPECT_EQ(kernel.corrupt_count(), 0U);
  }
  EXPECT_EQ(shared.page->flags, 0U);
}

template <typename Atomics>
class RingSpscStress : public ::testing::Test {};
using Policies = ::testing::Types<HardwareAtomics, PlainSlotAtomics>;
TYPED_TEST_SUITE(RingSpscStress, Policies);

TYPED_TEST(RingSpscStress, TwoThreadsExactlyOnce) {
  stress<TypeParam>(KernelMode::Complete, UserMode::Honest);
}

TYPED_TEST(RingSpscStress, TwoThreadsWithDeferredCompletions) {
  stress<TypeParam>(KernelMode::DeferEveryThird, UserMode::Honest);
}

TYPED_TEST(RingSpscStress, TwoThreadsWithHostileIndexWrites) {
  stress<TypeParam>(KernelMode::Complete, UserMode::Corrupting);
}

}  // namespace
}  // namespace capos
