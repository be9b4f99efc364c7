// Model-based properties: FrameBitmap against a std::vector<bool> ("true" = used).
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <utility>
#include <vector>

#include "lib/mem/frame_bitmap.h"
#include "tools/verify_report/evidence.h"

namespace capos {
namespace {

constexpr uint64_t max_u64 = std::numeric_limits<uint64_t>::max();

struct Model {
  std::vector<bool> used;

  uint64_t size() const { return used.size(); }
  uint64_t free_count() const {
    uint64_t count = 0;
    for (bool bit : used) count += bit ? 0 : 1;
    return count;
  }
  bool in_range(uint64_t first, uint64_t count) const {
    return first <= size() && count <= size() - first;
  }
  bool all(uint64_t first, uint64_t count, bool value) const {
    for (uint64_t i = first; i < first + count; ++i) {
      if (used[i] != value) return false;
    }
    return true;
  }
  bool any_aligned_run(uint64_t count, uint64_t alignment) const {
    for (uint64_t start = 0; start < size(); start += alignment) {
      if (in_range(start, count) && all(start, count, false)) return true;
    }
    return false;
  }
  void set(uint64_t first, uint64_t count, bool value) {
    for (uint64_t i = first; i < first + count; ++i) used[i] = value;
  }
};

// Storage plus the bitmap over it; the bitmap is built last so it never outlives its words.
struct Subject {
  Subject(uint64_t frame_count, FrameState initial)
      : storage(FrameBitmap::storage_words_for(frame_count)) {
    Result<FrameBitmap> created = FrameBitmap::create(storage, frame_count, initial);
    RC_ASSERT(created.has_value());
    bitmap = std::move(created).take();
  }
  std::vector<uint64_t> storage;
  FrameBitmap bitmap;
};

void check_agrees(const FrameBitmap& bitmap, const Model& model) {
  RC_ASSERT(bitmap.free_count() == model.free_count());
  RC_ASSERT(bitmap.invariants_hold());
  for (uint64_t frame = 0; frame < model.size(); ++frame) {
    Result<bool> used = bitmap.is_used(frame);
    RC_ASSERT(used.has_value());
    RC_ASSERT(*used == model.used[frame]);
  }
}

// A frame index: usually one the model holds used (so frees succeed), sometimes any index
// near the end, sometimes an arbitrary 64-bit value.
uint64_t pick_frame(const Model& model) {
  const int kind = *rc::gen::inRange(0, 8);
  if (kind < 5) {
    std::vector<uint64_t> used_frames;
    for (uint64_t i = 0; i < model.size(); ++i) {
      if (model.used[i]) used_frames.push_back(i);
    }
    if (!used_frames.empty()) {
      return used_frames[*rc::gen::inRange<size_t>(0, used_frames.size())];
    }
  }
  if (kind == 7) return *rc::gen::arbitrary<uint64_t>();
  return *rc::gen::inRange<uint64_t>(0, model.size() + 4);
}

// A range length: usually small, sometimes one that would wrap or overrun.
uint64_t pick_count(const Model& model, uint64_t first) {
  const int kind = *rc::gen::inRange(0, 10);
  if (kind == 0) return max_u64 - *rc::gen::inRange<uint64_t>(0, 3);
  if (kind < 4 && first < model.size()) {
    uint64_t run = 0;  // the used run starting at `first`, plus a little overrun
    while (first + run < model.size() && model.used[first + run]) ++run;
    return *rc::gen::inRange<uint64_t>(0, run + 2);
  }
  return *rc::gen::inRange<uint64_t>(0, 70);
}

uint64_t pick_alignment() {
  const int kind = *rc::gen::inRange(0, 12);
  if (kind == 0) return 0;
  if (kind == 1) return 3;
  if (kind == 2) return uint64_t{1} << 63;
  return uint64_t{1} << *rc::gen::inRange(0, 8);
}

enum class Op { Alloc, AllocContiguous, Free, FreeRange, MarkUsed };

void step(FrameBitmap& bitmap, Model& model) {
  switch (
      *rc::gen::element(Op::Alloc, Op::AllocContiguous, Op::Free, Op::FreeRange, Op::MarkUsed)) {
    case Op::Alloc: {
      Result<uint64_t> frame = bitmap.alloc();
      if (model.free_count() == 0) {
        RC_ASSERT(!frame.has_value());
        RC_ASSERT(frame.error() == Error::Exhausted);
      } else {
        RC_ASSERT(frame.has_value());
        RC_ASSERT(*frame < model.size());
        RC_ASSERT(!model.used[*frame]);  // never a used frame
        model.used[*frame] = true;
      }
      break;
    }
    case Op::AllocContiguous: {
      const uint64_t count = *rc::gen::inRange<uint64_t>(0, 40);
      const uint64_t alignment = pick_alignment();
      Result<uint64_t> first = bitmap.alloc_contiguous(count, alignment);
      if (count == 0 || alignment == 0 || (alignment & (alignment - 1)) != 0) {
        RC_ASSERT(!first.has_value());
        RC_ASSERT(first.error() == Error::InvalidArgument);
      } else if (!model.any_aligned_run(count, alignment)) {
        RC_ASSERT(!first.has_value());
        RC_ASSERT(first.error() == Error::Exhausted);
      } else {
        RC_ASSERT(first.has_value());
        RC_ASSERT(*first % alignment == 0);
        RC_ASSERT(model.in_range(*first, count));
        RC_ASSERT(model.all(*first, count, false));  // the run was truly free
        model.set(*first, count, true);
      }
      break;
    }
    case Op::Free: {
      const uint64_t frame = pick_frame(model);
      Result<void> freed = bitmap.free(frame);
      if (frame >= model.size()) {
        RC_ASSERT(!freed.has_value());
        RC_ASSERT(freed.error() == Error::OutOfRange);
      } else if (!model.used[frame]) {
        RC_ASSERT(!freed.has_value());
        RC_ASSERT(freed.error() == Error::DoubleFree);
      } else {
        RC_ASSERT(freed.has_value());
        model.used[frame] = false;
      }
      break;
    }
    case Op::FreeRange: {
      const uint64_t first = pick_frame(model);
      const uint64_t count = pick_count(model, first);
      Result<void> freed = bitmap.free_range(first, count);
      if (!model.in_range(first, count)) {
        RC_ASSERT(!freed.has_value());
        RC_ASSERT(freed.error() == Error::OutOfRange);
      } else if (!model.all(first, count, true)) {
        RC_ASSERT(!freed.has_value());
        RC_ASSERT(freed.error() == Error::DoubleFree);
      } else {
        RC_ASSERT(freed.has_value());
        model.set(first, count, false);
      }
      break;
    }
    case Op::MarkUsed: {
      const uint64_t first = *rc::gen::inRange<uint64_t>(0, model.size() + 4);
      const uint64_t count = pick_count(model, first);
      Result<uint64_t> newly = bitmap.mark_used(first, count);
      if (!model.in_range(first, count)) {
        RC_ASSERT(!newly.has_value());
        RC_ASSERT(newly.error() == Error::OutOfRange);
      } else {
        const uint64_t free_before = model.free_count();
        model.set(first, count, true);
        RC_ASSERT(newly.has_value());
        RC_ASSERT(*newly == free_before - model.free_count());
      }
      break;
    }
  }
}

RC_GTEST_PROP(FrameBitmapProperty, InterleavedOperationsMatchModel, ()) {
  capos::verify_report::evidence(2, "free-count", capos::verify_report::EvidenceKind::Tested);
  capos::verify_report::evidence(2, "no-double-alloc", capos::verify_report::EvidenceKind::Tested);
  const auto frame_count = *rc::gen::inRange<uint64_t>(1, 300);
  const auto initial = *rc::gen::element(FrameState::Free, FrameState::Used);
  Subject subject(frame_count, initial);
  Model model{std::vector<bool>(frame_count, initial == FrameState::Used)};
  check_agrees(subject.bitmap, model);
  const int steps = *rc::gen::inRange(1, 120);
  for (int i = 0; i < steps; ++i) {
    step(subject.bitmap, model);
    check_agrees(subject.bitmap, model);
  }
}

RC_GTEST_PROP(FrameBitmapProperty, AllocThenFreeRestoresWordsExactly, ()) {
  capos::verify_report::evidence(2, "alloc-free-restores",
                                 capos::verify_report::EvidenceKind::Tested);
  const auto frame_count = *rc::gen::inRange<uint64_t>(1, 300);
  Subject subject(frame_count, FrameState::Free);
  FrameBitmap& bitmap = subject.bitmap;
  // A fragmented starting state.
  const int reservations = *rc::gen::inRange(0, 10);
  for (int i = 0; i < reservations; ++i) {
    const auto first = *rc::gen::inRange<uint64_t>(0, frame_count);
    const auto count = *rc::gen::inRange<uint64_t>(0, frame_count - first + 1);
    RC_ASSERT(bitmap.mark_used(first, count).has_value());
  }
  const std::vector<uint64_t> words_before(bitmap.words().begin(), bitmap.words().end());
  const uint64_t free_before = bitmap.free_count();

  std::vector<std::pair<uint64_t, uint64_t>> grants;  // (first, count)
  const int allocations = *rc::gen::inRange(0, 40);
  for (int i = 0; i < allocations; ++i) {
    if (*rc::gen::arbitrary<bool>()) {
      Result<uint64_t> frame = bitmap.alloc();
      if (frame) grants.emplace_back(*frame, 1);
    } else {
      const auto count = *rc::gen::inRange<uint64_t>(1, 20);
      const uint64_t alignment = uint64_t{1} << *rc::gen::inRange(0, 6);
      Result<uint64_t> first = bitmap.alloc_contiguous(count, alignment);
      if (first) grants.emplace_back(*first, count);
    }
  }
  // Free in a random order (Fisher-Yates with drawn indices).
  for (size_t i = grants.size(); i > 1; --i) {
    std::swap(grants[i - 1], grants[*rc::gen::inRange<size_t>(0, i)]);
  }
  for (const auto& [first, count] : grants) {
    if (count == 1 && *rc::gen::arbitrary<bool>()) {
      RC_ASSERT(bitmap.free(first).has_value());
    } else {
      RC_ASSERT(bitmap.free_range(first, count).has_value());
    }
  }
  RC_ASSERT(bitmap.free_count() == free_before);
  RC_ASSERT(std::vector<uint64_t>(bitmap.words().begin(), bitmap.words().end()) == words_before);
}

// When no aligned run exists the search must say so, and whenever one exists it must find the
// lowest one (first fit): checked on dense random bitmaps.
RC_GTEST_PROP(FrameBitmapProperty, AllocContiguousIsFirstFit, ()) {
  capos::verify_report::evidence(2, "contiguous", capos::verify_report::EvidenceKind::Tested);
  const auto frame_count = *rc::gen::inRange<uint64_t>(1, 260);
  Subject subject(frame_count, FrameState::Used);
  Model model{std::vector<bool>(frame_count, true)};
  for (uint64_t frame = 0; frame < frame_count; ++frame) {
    if (*rc::gen::inRange(0, 4) != 0) {
      RC_ASSERT(subject.bitmap.free(frame).has_value());
      model.used[frame] = false;
    }
  }
  const auto count = *rc::gen::inRange<uint64_t>(1, 12);
  const uint64_t alignment = uint64_t{1} << *rc::gen::inRange(0, 5);
  std::optional<uint64_t> expected;
  for (uint64_t start = 0; start < frame_count && !expected; start += alignment) {
    if (model.in_range(start, count) && model.all(start, count, false)) expected = start;
  }
  Result<uint64_t> first = subject.bitmap.alloc_contiguous(count, alignment);
  if (expected) {
    RC_ASSERT(first.has_value());
    RC_ASSERT(*first == *expected);
  } else {
    RC_ASSERT(!first.has_value());
    RC_ASSERT(first.error() == Error::Exhausted);
  }
}

}  // namespace
}  // namespace capos
