// kernel/mem/kernel_stack_pool.h over fake page tables and frames: layout (guard unmapped,
// context area above the stack), exact rollback when a frame or a mapping fails half-way,
// release returning everything, exhaustion, and a property over random operation sequences.
#include "kernel/mem/kernel_stack_pool.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <cstdint>
#include <map>
#include <set>
#include <vector>

namespace capos::kernel::mem {
namespace {

using Geometry = KernelStackGeometry;
constexpr uint64_t base = 0xffff'ffff'0000'0000;
constexpr uint64_t page = Geometry::page_bytes;

// Frames are numbered; a mapping records its frame. Failures can be injected on the n-th frame
// allocation or the n-th map.
struct FakeMemory {
  std::map<uint64_t, uint64_t> mappings;  // virtual -> physical
  std::set<uint64_t> frames_out;
  uint64_t next_frame = 0x100000;
  int64_t fail_frame_after = -1;  // allocations left before one fails (-1: never)
  int64_t fail_map_after = -1;
  uint64_t invalidations = 0;

  Result<uint64_t> allocate_frame() {
    if (fail_frame_after == 0) return Error::Exhausted;
    if (fail_frame_after > 0) --fail_frame_after;
    const uint64_t frame = next_frame;
    next_frame += page;
    frames_out.insert(frame);
    return frame;
  }
  void free_frame(uint64_t physical) {
    EXPECT_EQ(frames_out.erase(physical), 1U) << "freed a frame that was not out";
  }
  Result<void> map(uint64_t virt, uint64_t physical) {
    if (fail_map_after == 0) return Error::Exhausted;  // e.g. no frame for a page table
    if (fail_map_after > 0) --fail_map_after;
    if (mappings.count(virt) != 0) return Error::AlreadyExists;
    mappings[virt] = physical;
    return {};
  }
  Result<uint64_t> unmap(uint64_t virt) {
    const auto found = mappings.find(virt);
    if (found == mappings.end()) return Error::NotFound;
    const uint64_t physical = found->second;
    mappings.erase(found);
    ++invalidations;
    return physical;
  }
};

using Pool = KernelStackPool<FakeMemory>;

// Exactly the stack + context pages of live slots are mapped, each to its own outstanding frame;
// no guard page is mapped.
bool memory_matches(const Pool& pool, const FakeMemory& memory) {
  std::set<uint64_t> expected;
  for (size_t slot = 0; slot < pool.capacity(); ++slot) {
    if (!pool.live(slot)) continue;
    for (uint64_t p = 0; p < Geometry::mapped_pages; ++p) {
      expected.insert(pool.mapped_start(slot) + p * page);
    }
  }
  std::set<uint64_t> mapped;
  std::set<uint64_t> frames;
  for (const auto& [virt, physical] : memory.mappings) {
    mapped.insert(virt);
    frames.insert(physical);
  }
  return mapped == expected && frames == memory.frames_out &&
         frames.size() == memory.mappings.size() && pool.invariants_hold();
}

TEST(KernelStackPool, LayoutGuardStackContext) {
  FakeMemory memory;
  Pool pool(memory, base, 4);
  const Result<KernelStack> stack = pool.allocate();
  ASSERT_TRUE(stack.has_value());
  const ThreadMemory& m = stack->memory;
  EXPECT_EQ(stack->slot, 0U);
  EXPECT_EQ(m.stack_bottom, base + Geometry::guard_pages * page);
  EXPECT_EQ(m.stack_top - m.stack_bottom, Geometry::stack_pages * page);
  EXPECT_EQ(m.stack_top % 16, 0U);
  EXPECT_EQ(m.context_area, m.stack_top);  // above the stack: never reached by its growth
  EXPECT_EQ(m.context_bytes, Geometry::context_pages * page);
  for (uint64_t guard = base; guard < m.stack_bottom; guard += page) {
    EXPECT_EQ(memory.mappings.count(guard), 0U) << "guard page mapped";
  }
  EXPECT_EQ(memory.mappings.size(), Geometry::mapped_pages);
  const Result<KernelStack> second = pool.allocate();
  ASSERT_TRUE(second.has_value());
  // The next slot's guard lies between this context area and the next stack.
  EXPECT_EQ(second->memory.stack_bottom - (m.context_area + m.context_bytes),
            Geometry::guard_pages * page);
  EXPECT_TRUE(memory_matches(pool, memory));
}

TEST(KernelStackPool, ReleaseUnmapsInvalidatesAndReturnsEveryFrame) {
  FakeMemory memory;
  Pool pool(memory, base, 4);
  const KernelStack stack = *pool.allocate();
  pool.release(stack);
  EXPECT_TRUE(memory.mappings.empty());
  EXPECT_TRUE(memory.frames_out.empty());
  EXPECT_EQ(memory.invalidations, Geometry::mapped_pages);
  EXPECT_EQ(pool.live_count(), 0U);
  EXPECT_EQ(pool.allocate()->slot, 0U);  // the slot is reused
}

TEST(KernelStackPool, ExhaustionTakesNothing) {
  FakeMemory memory;
  Pool pool(memory, base, 2);
  ASSERT_TRUE(pool.allocate().has_value());
  ASSERT_TRUE(pool.allocate().has_value());
  const auto before = memory.mappings;
  const Result<KernelStack> third = pool.allocate();
  ASSERT_FALSE(third.has_value());
  EXPECT_EQ(third.error(), Error::Exhausted);
  EXPECT_EQ(memory.mappings, before);
  EXPECT_TRUE(memory_matches(pool, memory));
}

TEST(KernelStackPool, FailureHalfWayRollsBackExactly) {
  for (int64_t after = 0; after < static_cast<int64_t>(Geometry::mapped_pages); ++after) {
    FakeMemory memory;
    Pool pool(memory, base, 4);
    const KernelStack kept = *pool.allocate();
    memory.fail_frame_after = after;
    const Result<KernelStack> failed = pool.allocate();
    ASSERT_FALSE(failed.has_value()) << after;
    EXPECT_EQ(failed.error(), Error::Exhausted);
    EXPECT_EQ(pool.live_count(), 1U);
    EXPECT_TRUE(memory_matches(pool, memory)) << "frame failure after " << after;
    memory.fail_frame_after = -1;
    memory.fail_map_after = after;
    ASSERT_FALSE(pool.allocate().has_value());
    EXPECT_TRUE(memory_matches(pool, memory)) << "map failure after " << after;
    memory.fail_map_after = -1;
    EXPECT_EQ(pool.allocate()->slot, 1U);  // the failed attempts left slot 1 free
    pool.release(kept);
  }
}

RC_GTEST_PROP(KernelStackPool, RandomSequencesKeepMemoryExact, ()) {
  FakeMemory memory;
  Pool pool(memory, base, 8);
  std::vector<KernelStack> live;
  const size_t steps = *rc::gen::inRange<size_t>(1, 200);
  for (size_t i = 0; i < steps; ++i) {
    const int action = *rc::gen::inRange(0, 4);
    if (action <= 1) {
      if (action == 1) memory.fail_frame_after = *rc::gen::inRange<int64_t>(0, 6);
      const Result<KernelStack> stack = pool.allocate();
      memory.fail_frame_after = -1;
      if (stack) live.push_back(*stack);
    } else if (!live.empty()) {
      const size_t victim = *rc::gen::inRange<size_t>(0, live.size());
      pool.release(live[victim]);
      live.erase(live.begin() + static_cast<std::ptrdiff_t>(victim));
    }
    RC_ASSERT(pool.live_count() == live.size());
    RC_ASSERT(memory_matches(pool, memory));
  }
  // No two live stacks overlap (slots are distinct).
  std::set<uint32_t> slots;
  for (const KernelStack& stack : live) RC_ASSERT(slots.insert(stack.slot).second);
}

}  // namespace
}  // namespace capos::kernel::mem
