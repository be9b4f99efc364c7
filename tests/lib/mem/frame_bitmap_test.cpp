#include "lib/mem/frame_bitmap.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <set>
#include <utility>
#include <vector>

namespace capos {
namespace {

constexpr uint64_t max_u64 = std::numeric_limits<uint64_t>::max();

// Owns the storage a FrameBitmap runs over; the bitmap must not outlive it.
struct Fixture {
  explicit Fixture(uint64_t frame_count, FrameState initial = FrameState::Free)
      : storage(FrameBitmap::storage_words_for(frame_count), 0xA5A5A5A5A5A5A5A5ULL) {
    Result<FrameBitmap> created = FrameBitmap::create(storage, frame_count, initial);
    KASSERT(created.has_value());
    bitmap = std::move(created).take();
  }
  std::vector<uint64_t> storage;
  FrameBitmap bitmap;
};

TEST(FrameBitmap, StorageWordsRoundUp) {
  EXPECT_EQ(FrameBitmap::storage_words_for(0), 0U);
  EXPECT_EQ(FrameBitmap::storage_words_for(1), 1U);
  EXPECT_EQ(FrameBitmap::storage_words_for(64), 1U);
  EXPECT_EQ(FrameBitmap::storage_words_for(65), 2U);
  EXPECT_EQ(FrameBitmap::storage_words_for(max_u64), max_u64 / 64 + 1);
}

TEST(FrameBitmap, CreateAllFree) {
  Fixture f(100, FrameState::Free);
  EXPECT_EQ(f.bitmap.frame_count(), 100U);
  EXPECT_EQ(f.bitmap.free_count(), 100U);
  EXPECT_FALSE(*f.bitmap.is_used(0));
  EXPECT_FALSE(*f.bitmap.is_used(99));
  // Tail bits 100..127 are set so a word scan never hands them out.
  EXPECT_EQ(f.storage[0], 0U);
  EXPECT_EQ(f.storage[1], ~((uint64_t{1} << 36) - 1));
  EXPECT_TRUE(f.bitmap.invariants_hold());
}

TEST(FrameBitmap, CreateAllUsed) {
  Fixture f(64, FrameState::Used);
  EXPECT_EQ(f.bitmap.free_count(), 0U);
  EXPECT_TRUE(*f.bitmap.is_used(63));
  EXPECT_EQ(f.storage[0], max_u64);
  EXPECT_TRUE(f.bitmap.invariants_hold());
}

TEST(FrameBitmap, CreateUsesOnlyTheWordsItNeeds) {
  std::vector<uint64_t> storage(4, 7);
  Result<FrameBitmap> created = FrameBitmap::create(storage, 65, FrameState::Free);
  ASSERT_TRUE(created);
  EXPECT_EQ(created->words().size(), 2U);
  EXPECT_EQ(storage[2], 7U);
  EXPECT_EQ(storage[3], 7U);
}

TEST(FrameBitmap, CreateRejectsZeroFrames) {
  std::vector<uint64_t> storage(1);
  EXPECT_EQ(FrameBitmap::create(storage, 0, FrameState::Free).error(), Error::InvalidArgument);
}

TEST(FrameBitmap, CreateRejectsShortStorage) {
  std::vector<uint64_t> storage(1, 3);
  EXPECT_EQ(FrameBitmap::create(storage, 65, FrameState::Free).error(), Error::TooBig);
  EXPECT_EQ(FrameBitmap::create({}, 1, FrameState::Free).error(), Error::TooBig);
  EXPECT_EQ(FrameBitmap::create(storage, max_u64, FrameState::Free).error(), Error::TooBig);
  EXPECT_EQ(storage[0], 3U);  // untouched on error
}

TEST(FrameBitmap, DefaultIsEmpty) {
  FrameBitmap bitmap;
  EXPECT_EQ(bitmap.frame_count(), 0U);
  EXPECT_EQ(bitmap.free_count(), 0U);
  EXPECT_EQ(bitmap.alloc().error(), Error::Exhausted);
  EXPECT_EQ(bitmap.alloc_contiguous(1).error(), Error::Exhausted);
  EXPECT_EQ(bitmap.free(0).error(), Error::OutOfRange);
  EXPECT_EQ(bitmap.is_used(0).error(), Error::OutOfRange);
  EXPECT_TRUE(bitmap.free_range(0, 0));
  EXPECT_EQ(bitmap.free_range(0, 1).error(), Error::OutOfRange);
  EXPECT_EQ(*bitmap.mark_used(0, 0), 0U);
  EXPECT_TRUE(bitmap.invariants_hold());
}

TEST(FrameBitmap, MoveLeavesSourceEmpty) {
  Fixture f(10);
  FrameBitmap moved = std::move(f.bitmap);
  EXPECT_EQ(moved.frame_count(), 10U);
  EXPECT_EQ(moved.free_count(), 10U);
  EXPECT_EQ(f.bitmap.frame_count(), 0U);  // NOLINT(bugprone-use-after-move): documented state
  EXPECT_EQ(f.bitmap.alloc().error(), Error::Exhausted);
  FrameBitmap assigned;
  assigned = std::move(moved);
  EXPECT_EQ(assigned.free_count(), 10U);
  EXPECT_EQ(moved.free_count(), 0U);  // NOLINT(bugprone-use-after-move)
  EXPECT_TRUE(assigned.invariants_hold());
}

TEST(FrameBitmap, AllocHandsOutEveryFrameOnceThenExhausts) {
  Fixture f(130);
  std::set<uint64_t> seen;
  for (uint64_t i = 0; i < 130; ++i) {
    Result<uint64_t> frame = f.bitmap.alloc();
    ASSERT_TRUE(frame);
    EXPECT_LT(*frame, 130U);
    EXPECT_TRUE(seen.insert(*frame).second) << "frame " << *frame << " handed out twice";
    EXPECT_TRUE(*f.bitmap.is_used(*frame));
  }
  EXPECT_EQ(f.bitmap.free_count(), 0U);
  EXPECT_EQ(f.bitmap.alloc().error(), Error::Exhausted);
  EXPECT_TRUE(f.bitmap.invariants_hold());
}

TEST(FrameBitmap, AllocWrapsPastTheHint) {
  Fixture f(192);
  ASSERT_EQ(*f.bitmap.mark_used(0, 192), 192U);
  ASSERT_TRUE(f.bitmap.free(150));
  EXPECT_EQ(*f.bitmap.alloc(), 150U);  // hint now in word 2
  ASSERT_TRUE(f.bitmap.free(3));
  EXPECT_EQ(*f.bitmap.alloc(), 3U);  // found by wrapping round to word 0
}

TEST(FrameBitmap, FreeReturnsAFrame) {
  Fixture f(8, FrameState::Used);
  ASSERT_TRUE(f.bitmap.free(5));
  EXPECT_FALSE(*f.bitmap.is_used(5));
  EXPECT_EQ(f.bitmap.free_count(), 1U);
  EXPECT_EQ(*f.bitmap.alloc(), 5U);
}

TEST(FrameBitmap, FreeErrors) {
  Fixture f(8, FrameState::Used);
  ASSERT_TRUE(f.bitmap.free(2));
  EXPECT_EQ(f.bitmap.free(2).error(), Error::DoubleFree);
  EXPECT_EQ(f.bitmap.free(8).error(), Error::OutOfRange);  // a tail bit, set but not a frame
  EXPECT_EQ(f.bitmap.free(max_u64).error(), Error::OutOfRange);
  EXPECT_EQ(f.bitmap.free_count(), 1U);
  EXPECT_TRUE(f.bitmap.invariants_hold());
}

TEST(FrameBitmap, IsUsedOutOfRange) {
  Fixture f(8);
  EXPECT_EQ(f.bitmap.is_used(8).error(), Error::OutOfRange);
  EXPECT_EQ(f.bitmap.is_used(max_u64).error(), Error::OutOfRange);
}

TEST(FrameBitmap, AllocContiguousFindsFirstFit) {
  Fixture f(200);
  ASSERT_EQ(*f.bitmap.mark_used(0, 3), 3U);
  ASSERT_EQ(*f.bitmap.mark_used(5, 1), 1U);
  // Frames 3-4 are a hole of 2: a run of 3 must skip it.
  EXPECT_EQ(*f.bitmap.alloc_contiguous(3), 6U);
  EXPECT_EQ(*f.bitmap.alloc_contiguous(2), 3U);
  EXPECT_EQ(f.bitmap.free_count(), 200U - 3 - 1 - 3 - 2);
  for (uint64_t frame = 0; frame < 9; ++frame) EXPECT_TRUE(*f.bitmap.is_used(frame));
  EXPECT_FALSE(*f.bitmap.is_used(9));
}

TEST(FrameBitmap, AllocContiguousSpansWords) {
  Fixture f(256);
  ASSERT_EQ(*f.bitmap.mark_used(0, 60), 60U);
  EXPECT_EQ(*f.bitmap.alloc_contiguous(100), 60U);
  for (uint64_t frame = 60; frame < 160; ++frame) EXPECT_TRUE(*f.bitmap.is_used(frame));
  EXPECT_FALSE(*f.bitmap.is_used(160));
  EXPECT_EQ(f.storage[1], max_u64);
  EXPECT_TRUE(f.bitmap.invariants_hold());
}

TEST(FrameBitmap, AllocContiguousHonoursAlignment) {
  Fixture f(128);
  ASSERT_EQ(*f.bitmap.mark_used(0, 1), 1U);
  EXPECT_EQ(*f.bitmap.alloc_contiguous(4, 16), 16U);
  EXPECT_EQ(*f.bitmap.alloc_contiguous(1, 64), 64U);
  EXPECT_EQ(f.bitmap.alloc_contiguous(1, 128).error(), Error::Exhausted);  // only 0 is aligned
  EXPECT_EQ(f.bitmap.alloc_contiguous(1, uint64_t{1} << 63).error(), Error::Exhausted);
  ASSERT_TRUE(f.bitmap.free(0));
  EXPECT_EQ(*f.bitmap.alloc_contiguous(1, uint64_t{1} << 63), 0U);
}

TEST(FrameBitmap, AllocContiguousWholeBitmapAndExactFit) {
  Fixture f(70);
  EXPECT_EQ(*f.bitmap.alloc_contiguous(70), 0U);
  EXPECT_EQ(f.bitmap.free_count(), 0U);
  ASSERT_TRUE(f.bitmap.free_range(66, 4));
  EXPECT_EQ(f.bitmap.alloc_contiguous(5).error(), Error::Exhausted);  // would cross the end
  EXPECT_EQ(*f.bitmap.alloc_contiguous(4), 66U);
}

TEST(FrameBitmap, AllocContiguousFindsRunBetweenFragments) {
  Fixture f(64, FrameState::Used);
  // Free frames: 1, 3-4, 8-11 (aligned to 4), 13-15.
  ASSERT_TRUE(f.bitmap.free(1));
  ASSERT_TRUE(f.bitmap.free_range(3, 2));
  ASSERT_TRUE(f.bitmap.free_range(8, 4));
  ASSERT_TRUE(f.bitmap.free_range(13, 3));
  EXPECT_EQ(*f.bitmap.alloc_contiguous(4, 4), 8U);
  // Unaligned runs of 2 remain (3-4, 13-14), but none starts at a multiple of 4.
  EXPECT_EQ(f.bitmap.alloc_contiguous(2, 4).error(), Error::Exhausted);
  EXPECT_EQ(*f.bitmap.alloc_contiguous(2, 2), 14U);
  EXPECT_EQ(*f.bitmap.alloc_contiguous(2), 3U);
  EXPECT_EQ(f.bitmap.alloc_contiguous(2).error(), Error::Exhausted);  // left: 1 and 13
  EXPECT_EQ(f.bitmap.free_count(), 2U);
}

TEST(FrameBitmap, AllocContiguousErrors) {
  Fixture f(64);
  EXPECT_EQ(f.bitmap.alloc_contiguous(0).error(), Error::InvalidArgument);
  EXPECT_EQ(f.bitmap.alloc_contiguous(1, 0).error(), Error::InvalidArgument);
  EXPECT_EQ(f.bitmap.alloc_contiguous(1, 3).error(), Error::InvalidArgument);
  EXPECT_EQ(f.bitmap.alloc_contiguous(65).error(), Error::Exhausted);
  EXPECT_EQ(f.bitmap.alloc_contiguous(max_u64).error(), Error::Exhausted);
  EXPECT_EQ(f.bitmap.free_count(), 64U);  // errors change nothing
}

TEST(FrameBitmap, FreeRangeIsAllOrNothing) {
  Fixture f(100, FrameState::Used);
  ASSERT_TRUE(f.bitmap.free(50));
  const std::vector<uint64_t> before = f.storage;
  EXPECT_EQ(f.bitmap.free_range(40, 20).error(), Error::DoubleFree);  // 50 is already free
  EXPECT_EQ(f.storage, before);
  EXPECT_EQ(f.bitmap.free_count(), 1U);
  EXPECT_EQ(f.bitmap.free_range(90, 11).error(), Error::OutOfRange);
  EXPECT_EQ(f.bitmap.free_range(101, 0).error(), Error::OutOfRange);
  EXPECT_EQ(f.bitmap.free_range(max_u64, 2).error(), Error::OutOfRange);  // would wrap
  EXPECT_EQ(f.bitmap.free_range(2, max_u64).error(), Error::OutOfRange);
  EXPECT_EQ(f.storage, before);
  ASSERT_TRUE(f.bitmap.free_range(51, 49));
  EXPECT_EQ(f.bitmap.free_count(), 50U);
  ASSERT_TRUE(f.bitmap.free_range(100, 0));  // empty range at the end: no-op
  EXPECT_EQ(f.bitmap.free_count(), 50U);
  EXPECT_TRUE(f.bitmap.invariants_hold());
}

TEST(FrameBitmap, MarkUsedCountsNewlyUsed) {
  Fixture f(200);
  EXPECT_EQ(*f.bitmap.mark_used(10, 20), 20U);
  EXPECT_EQ(*f.bitmap.mark_used(0, 64), 44U);  // overlaps 10..29
  EXPECT_EQ(*f.bitmap.mark_used(0, 64), 0U);
  EXPECT_EQ(*f.bitmap.mark_used(199, 1), 1U);
  EXPECT_EQ(*f.bitmap.mark_used(200, 0), 0U);
  EXPECT_EQ(f.bitmap.free_count(), 200U - 65);
  EXPECT_TRUE(f.bitmap.invariants_hold());
}

TEST(FrameBitmap, MarkUsedOutOfRangeChangesNothing) {
  Fixture f(100);
  const std::vector<uint64_t> before = f.storage;
  EXPECT_EQ(f.bitmap.mark_used(90, 11).error(), Error::OutOfRange);
  EXPECT_EQ(f.bitmap.mark_used(max_u64, 2).error(), Error::OutOfRange);
  EXPECT_EQ(f.bitmap.mark_used(1, max_u64).error(), Error::OutOfRange);
  EXPECT_EQ(f.storage, before);
  EXPECT_EQ(f.bitmap.free_count(), 100U);
}

TEST(FrameBitmap, BootSequenceFromMemoryMap) {
  // The kernel's order: all used, free the available regions, then re-reserve the kernel.
  Fixture f(1024, FrameState::Used);
  ASSERT_TRUE(f.bitmap.free_range(1, 158));    // low memory minus frame 0
  ASSERT_TRUE(f.bitmap.free_range(256, 768));  // above 1 MiB
  EXPECT_EQ(*f.bitmap.mark_used(256, 128), 128U);
  EXPECT_EQ(f.bitmap.free_count(), 158U + 640);
  EXPECT_EQ(*f.bitmap.alloc_contiguous(256, 256), 512U);
  EXPECT_TRUE(f.bitmap.invariants_hold());
}

TEST(FrameBitmap, InvariantsDetectCorruptTail) {
  Fixture f(10);
  f.storage[0] &= ~(uint64_t{1} << 20);  // clear a tail bit behind the bitmap's back
  EXPECT_FALSE(f.bitmap.invariants_hold());
}

}  // namespace
}  // namespace capos
