// verify/bounded/frame_bitmap_checks.cpp — one transition of the FrameBitmap explorer and the
// per-state checks, against a reference computed bit by bit from the state before.
#include <bit>
#include <optional>
#include <string>

#include "lib/core/checked.h"
#include "lib/core/error.h"
#include "verify/bounded/frame_bitmap_model.h"
#include "verify/bounded/outcome.h"

namespace capos::verify {
namespace {

uint64_t free_frames(const BitmapSnapshot& state, uint64_t first, uint64_t count) {
  uint64_t free = 0;
  for (uint64_t frame = first; frame < first + count; ++frame) free += state.used(frame) ? 0 : 1;
  return free;
}

// The reference first fit: the lowest multiple of `alignment` starting `count` free frames.
std::optional<uint64_t> lowest_run(const BitmapSnapshot& state, uint64_t frame_count,
                                   uint64_t count, uint64_t alignment) {
  for (uint64_t start = 0; start < frame_count; start += alignment) {
    if (count > frame_count - start) return std::nullopt;
    if (free_frames(state, start, count) == count) return start;
  }
  return std::nullopt;
}

// The broken variant ContiguousOffByOne: a copy of the run search that checks one frame too few.
Result<uint64_t> off_by_one_contiguous(FrameBitmap& bitmap, const BitmapSnapshot& state,
                                       uint64_t frame_count, uint64_t count, uint64_t alignment) {
  if (count == 0 || !is_power_of_two(alignment)) return Error::InvalidArgument;
  for (uint64_t start = 0; start < frame_count; start += alignment) {
    if (count > frame_count - start) break;
    if (free_frames(state, start, count - 1) != count - 1) continue;
    if (!bitmap.mark_used(start, count).has_value()) break;
    return start;
  }
  return Error::Exhausted;
}

}  // namespace

void FrameBitmapModel::check_state(const BitmapSnapshot& before, Checker& check) const {
  BitmapWorld world(m_config.frame_count, m_word_count, before);
  const FrameBitmap& bitmap = world.bitmap();
  const uint64_t frames = m_config.frame_count;
  if (!bitmap.invariants_hold()) return check.fail("invariants_hold() is false");
  if (bitmap.free_count() != free_frames(before, 0, frames) || bitmap.frame_count() != frames) {
    return check.fail("free_count() differs from the number of free frames");
  }
  for (uint64_t bit = frames; bit < m_word_count * FrameBitmap::bits_per_word; ++bit) {
    if (!before.used(bit)) return check.fail("a bit past the last frame is clear");
  }
  for (uint64_t frame : m_frames_probed) {
    const Result<bool> used = bitmap.is_used(frame);
    const bool ok = frame < frames ? used.has_value() && *used == before.used(frame)
                                   : error_of(used) == Error::OutOfRange;
    if (!ok) return check.fail("is_used(" + std::to_string(frame) + ") is wrong");
  }
}

namespace {

// Why a transition failed; the message is built only then, outside the hot path.
struct BitmapFailure {
  const char* what = nullptr;
  std::optional<Error> expected;
  std::optional<Error> actual;
  uint64_t first = 0;
  uint64_t second = 0;
};

[[gnu::noinline, gnu::cold]] void report(Checker& check, const std::string& operation,
                                         const BitmapFailure& failure) {
  std::string message = failure.what;
  if (failure.expected != failure.actual) {
    message +=
        ": expected " + outcome_text(failure.expected) + ", got " + outcome_text(failure.actual);
  }
  message += " (" + std::to_string(failure.first) + ", " + std::to_string(failure.second) + ")";
  check.fail(operation + ": " + message);
}

}  // namespace

void FrameBitmapModel::apply(BitmapWorld& world, BitmapWorld& scratch, const BitmapSnapshot& before,
                             uint32_t operation, Successors<key_size>& next, Checker& check) const {
  const Op& op = m_ops[operation];
  const uint64_t frames = m_config.frame_count;
  FrameBitmap& bitmap = world.bitmap();
  BitmapSnapshot expected = before;
  BitmapFailure failure;
  bool must_fail = false;  // then failure.expected is the error, and nothing may change
  switch (op.kind) {
    case OpKind::Alloc: {
      const Result<uint64_t> frame = bitmap.alloc();
      if (before.free_count == 0) {
        must_fail = true;
        failure.expected = Error::Exhausted;
        failure.actual = error_of(frame);
        break;
      }
      failure.actual = error_of(frame);
      if (failure.actual.has_value()) {
        failure.what = "failed";
        break;
      }
      failure.first = *frame;
      if (*frame >= frames || before.used(*frame)) {
        failure.what = "returned a frame past the end or already used";
        break;
      }
      if (m_fault == BitmapFault::AllocLosesBit) {
        world.storage()[*frame / 64] &= ~(uint64_t{1} << (*frame % 64));
      }
      expected.set(*frame, true);
      --expected.free_count;
      // alloc() then free() of the same frame restores the words and free_count exactly.
      scratch.reset(world.snapshot());
      BitmapSnapshot restored = before;
      if (scratch.bitmap().free(*frame).has_value()) restored = scratch.snapshot();
      restored.next_word = before.next_word;  // only the next-fit hint may differ
      if (restored != before) failure.what = "alloc() then free() did not restore the bitmap";
      break;
    }
    case OpKind::Free: {
      const Result<void> freed = bitmap.free(op.a);
      failure.actual = error_of(freed);
      if (op.a >= frames || !before.used(op.a)) {
        must_fail = true;
        failure.expected = op.a >= frames ? Error::OutOfRange : Error::DoubleFree;
        break;
      }
      if (failure.actual.has_value()) {
        failure.what = "failed";
        break;
      }
      if (m_fault == BitmapFault::FreeForgetsCount) --world.free_count();
      expected.set(op.a, false);
      ++expected.free_count;
      break;
    }
    case OpKind::AllocContiguous: {
      const Result<uint64_t> start = m_fault == BitmapFault::ContiguousOffByOne
                                         ? off_by_one_contiguous(bitmap, before, frames, op.a, op.b)
                                         : bitmap.alloc_contiguous(op.a, op.b);
      failure.actual = error_of(start);
      std::optional<uint64_t> run;
      const bool invalid = op.a == 0 || !is_power_of_two(op.b);
      if (!invalid) run = lowest_run(before, frames, op.a, op.b);
      if (!run.has_value()) {
        must_fail = true;
        failure.expected = invalid ? Error::InvalidArgument : Error::Exhausted;
        break;
      }
      failure.first = *run;
      if (failure.actual.has_value() || *start != *run) {
        failure.second = failure.actual.has_value() ? 0 : *start;
        failure.what = "did not return the lowest aligned free run (lowest, returned)";
        break;
      }
      for (uint64_t frame = *run; frame < *run + op.a; ++frame) expected.set(frame, true);
      expected.free_count -= op.a;
      break;
    }
    case OpKind::FreeRange:
    case OpKind::MarkUsed: {
      const bool inside = range_within(op.a, op.b, frames);
      const uint64_t free = inside ? free_frames(before, op.a, op.b) : 0;
      const bool freeing = op.kind == OpKind::FreeRange;
      if (freeing) {
        failure.actual = error_of(bitmap.free_range(op.a, op.b));
      } else {
        const Result<uint64_t> newly = bitmap.mark_used(op.a, op.b);
        failure.actual = error_of(newly);
        if (!failure.actual.has_value() && *newly != free) {
          failure.what = "did not report how many frames it marked";
        }
      }
      if (!inside || (freeing && free != 0)) {
        must_fail = true;
        failure.expected = inside ? Error::DoubleFree : Error::OutOfRange;
        break;
      }
      if (failure.actual.has_value()) failure.what = "failed";
      for (uint64_t frame = op.a; frame < op.a + op.b; ++frame) expected.set(frame, !freeing);
      expected.free_count = freeing ? expected.free_count + op.b : expected.free_count - free;
      break;
    }
  }
  const BitmapSnapshot after = world.snapshot();
  if (must_fail) {
    if (failure.actual != failure.expected) {
      failure.what = "wrong outcome";
    } else if (after != before) {
      failure.what = "a failed operation changed the bitmap";
    }
  } else if (failure.what == nullptr) {
    expected.next_word = after.next_word;  // the hint is free to move, inside the bitmap
    if (after.next_word >= m_word_count) {
      failure.what = "the next-fit hint left the bitmap";
    } else if (after.free_count != expected.free_count) {
      failure = {"free_count differs from the free frames (counter, free frames)", std::nullopt,
                 std::nullopt, after.free_count, expected.free_count};
    } else if (after != expected) {
      failure.what = "changed other frames than the ones it names";
    }
  }
  if (failure.what != nullptr) return report(check, describe(operation), failure);
  if (!must_fail && inside_window(after)) next.emit(operation, encode(after));
}

}  // namespace capos::verify
