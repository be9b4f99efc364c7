// verify/bounded/frame_bitmap_model.cpp — operations, expectations and checks of the
// FrameBitmap explorer (frame_bitmap_model.h states the properties).
#include "verify/bounded/frame_bitmap_model.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <utility>

#include "verify/bounded/private_access.h"

namespace capos::verify {

PRIVATE_MEMBER(BitmapFreeCountTag, FrameBitmap, m_free_count);
PRIVATE_MEMBER(BitmapNextWordTag, FrameBitmap, m_next_word);

namespace {

constexpr uint64_t bits = FrameBitmap::bits_per_word;
constexpr uint64_t huge = std::numeric_limits<uint64_t>::max();

std::string number(uint64_t value) {
  return value == huge ? std::string("MAX") : std::to_string(value);
}

}  // namespace

BitmapWorld::BitmapWorld(uint64_t frame_count, uint64_t word_count, const BitmapSnapshot& state)
    : m_word_count(word_count),
      m_bitmap(
          FrameBitmap::create(std::span(m_storage).first(word_count), frame_count, FrameState::Used)
              .take()) {
  reset(state);
}

void BitmapWorld::reset(const BitmapSnapshot& state) {
  std::memcpy(m_storage.data(), state.words.data(), m_word_count * sizeof(uint64_t));
  m_bitmap.*member_pointer(BitmapFreeCountTag{}) = state.free_count;
  m_bitmap.*member_pointer(BitmapNextWordTag{}) = state.next_word;
}

uint64_t& BitmapWorld::free_count() { return m_bitmap.*member_pointer(BitmapFreeCountTag{}); }

BitmapSnapshot BitmapWorld::snapshot() const {
  BitmapSnapshot snap;
  std::memcpy(snap.words.data(), m_storage.data(), m_word_count * sizeof(uint64_t));
  snap.free_count = m_bitmap.*member_pointer(BitmapFreeCountTag{});
  snap.next_word = m_bitmap.*member_pointer(BitmapNextWordTag{});
  return snap;
}

FrameBitmapModel::FrameBitmapModel(BitmapConfig config, BitmapFault fault)
    : m_config(config),
      m_fault(fault),
      m_word_count(FrameBitmap::storage_words_for(config.frame_count)),
      m_first_word(config.window_first / bits),
      m_window_words((config.window_first + config.window_size - 1) / bits - m_first_word + 1) {
  if (m_word_count > max_bitmap_words || m_window_words > 2 || config.window_size == 0 ||
      config.window_first + config.window_size > config.frame_count) {
    capos_panic("bitmap explorer: bad configuration", __FILE__, __LINE__);
  }
  const uint64_t first = config.window_first;
  const uint64_t end = first + config.window_size;
  const uint64_t frames = config.frame_count;
  // Frames: the window, one on each side of it, the last frame, the end and far past it.
  std::vector<uint64_t> frames_tried;
  for (uint64_t frame = first == 0 ? 0 : first - 1; frame <= end && frame < frames; ++frame) {
    frames_tried.push_back(frame);
  }
  for (uint64_t frame : {frames - 1, frames, frames + 1, huge}) {
    if (frame > end || frame >= frames) frames_tried.push_back(frame);
  }
  std::sort(frames_tried.begin(), frames_tried.end());
  frames_tried.erase(std::unique(frames_tried.begin(), frames_tried.end()), frames_tried.end());
  m_frames_probed = frames_tried;
  for (uint64_t frame = first; frame < end; ++frame) {
    m_window_mask[frame / bits] |= uint64_t{1} << (frame % bits);
  }
  m_ops.push_back({OpKind::Alloc, 0, 0});
  for (uint64_t frame : frames_tried) m_ops.push_back({OpKind::Free, frame, 0});
  // Runs: every length up to one past the window, the whole bitmap, and counts that cannot fit.
  std::vector<uint64_t> counts;
  for (uint64_t count = 0; count <= config.window_size + 1; ++count) counts.push_back(count);
  for (uint64_t count : {frames, frames + 1, huge}) {
    if (count > config.window_size + 1) counts.push_back(count);
  }
  for (uint64_t count : counts) {
    for (uint64_t alignment : {0U, 1U, 2U, 3U, 4U, 8U, 16U, 64U, 128U}) {
      if (count == 0 && alignment != 1) continue;  // InvalidArgument once is enough
      m_ops.push_back({OpKind::AllocContiguous, count, alignment});
    }
  }
  for (uint64_t start : frames_tried) {
    for (uint64_t count : counts) {
      if (count > 2 && start + count > end + 1 && count != huge) continue;  // far past the window
      m_ops.push_back({OpKind::FreeRange, start, count});
      m_ops.push_back({OpKind::MarkUsed, start, count});
    }
  }
}

std::string FrameBitmapModel::describe(uint32_t operation) const {
  const Op& op = m_ops[operation];
  switch (op.kind) {
    case OpKind::Alloc: return "alloc()";
    case OpKind::Free: return "free(" + number(op.a) + ")";
    case OpKind::AllocContiguous:
      return "alloc_contiguous(" + number(op.a) + ", " + number(op.b) + ")";
    case OpKind::FreeRange: return "free_range(" + number(op.a) + ", " + number(op.b) + ")";
    case OpKind::MarkUsed: return "mark_used(" + number(op.a) + ", " + number(op.b) + ")";
  }
  return "?";
}

BitmapSnapshot FrameBitmapModel::decode(const BitmapKey& key) const {
  BitmapSnapshot snap;
  for (uint64_t word = 0; word < m_word_count; ++word) snap.words[word] = ~uint64_t{0};
  std::memcpy(&snap.free_count, key.data(), 8);
  uint64_t next_word = 0;
  std::memcpy(&next_word, key.data() + 8, 8);
  snap.next_word = static_cast<size_t>(next_word);
  for (uint64_t i = 0; i < m_window_words; ++i) {
    std::memcpy(&snap.words[m_first_word + i], key.data() + 16 + 8 * i, 8);
  }
  return snap;
}

BitmapKey FrameBitmapModel::encode(const BitmapSnapshot& state) const {
  BitmapKey key{};
  const uint64_t next_word = state.next_word;
  std::memcpy(key.data(), &state.free_count, 8);
  std::memcpy(key.data() + 8, &next_word, 8);
  for (uint64_t i = 0; i < m_window_words; ++i) {
    std::memcpy(key.data() + 16 + 8 * i, &state.words[m_first_word + i], 8);
  }
  return key;
}

// Every frame outside the window is used (so the key, which stores only the window's words,
// describes the state exactly).
bool FrameBitmapModel::inside_window(const BitmapSnapshot& state) const {
  for (uint64_t word = 0; word < m_word_count; ++word) {
    if ((~state.words[word] & ~m_window_mask[word]) != 0) return false;
  }
  return true;
}

std::vector<BitmapKey> FrameBitmapModel::initial_states() const {
  std::vector<BitmapKey> keys;
  const bool whole = m_config.window_size == m_config.frame_count;
  for (FrameState initial : {FrameState::Used, FrameState::Free}) {
    if (initial == FrameState::Free && !whole) continue;
    std::array<uint64_t, max_bitmap_words> storage{};
    Result<FrameBitmap> bitmap =
        FrameBitmap::create(std::span(storage).first(m_word_count), m_config.frame_count, initial);
    if (!bitmap.has_value()) capos_panic("bitmap explorer: create failed", __FILE__, __LINE__);
    if (m_fault == BitmapFault::TailBitsClear && m_config.frame_count % bits != 0) {
      storage[m_word_count - 1] &= (uint64_t{1} << (m_config.frame_count % bits)) - 1;
    }
    BitmapSnapshot snap;
    std::memcpy(snap.words.data(), storage.data(), m_word_count * sizeof(uint64_t));
    snap.free_count = bitmap->free_count();
    keys.push_back(encode(snap));
  }
  return keys;
}

void FrameBitmapModel::expand(const BitmapKey& state, Successors<key_size>& next,
                              Checker& check) const {
  const BitmapSnapshot before = decode(state);
  check_state(before, check);
  BitmapWorld world(m_config.frame_count, m_word_count, before);
  BitmapWorld scratch(m_config.frame_count, m_word_count, before);
  for (uint32_t operation = 0; operation < m_ops.size() && !check.failed(); ++operation) {
    world.reset(before);
    apply(world, scratch, before, operation, next, check);
  }
}

}  // namespace capos::verify
