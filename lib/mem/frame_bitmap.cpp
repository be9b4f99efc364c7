#include "lib/mem/frame_bitmap.h"

#include <bit>
#include <optional>
#include <utility>

#include "lib/core/checked.h"
#include "lib/core/panic.h"

namespace capos {

namespace {

constexpr uint64_t all_used = ~uint64_t{0};

// Bits [low, low + length) of one word. Precondition: 1 <= length and low + length <= 64.
constexpr uint64_t bit_span_mask(uint64_t low, uint64_t length) {
  if (length == FrameBitmap::bits_per_word) return all_used;
  return ((uint64_t{1} << length) - 1) << low;
}

constexpr uint64_t smaller(uint64_t a, uint64_t b) { return a < b ? a : b; }  // no <algorithm>

constexpr size_t word_of(uint64_t frame) {
  // The caller checked frame < frame_count, so the word index is < m_words.size().
  return static_cast<size_t>(frame / FrameBitmap::bits_per_word);
}

constexpr uint64_t bit_of(uint64_t frame) {
  return uint64_t{1} << (frame % FrameBitmap::bits_per_word);
}

// Calls fn(word, mask) for each word that [first, first + count) touches, with the mask of the
// range's bits in that word. Precondition: the range lies inside the bitmap (range_within).
template <typename Word, typename Fn>
void for_each_word(std::span<Word> words, uint64_t first, uint64_t count, const Fn& fn) {
  while (count > 0) {
    const uint64_t low = first % FrameBitmap::bits_per_word;
    const uint64_t length = smaller(count, FrameBitmap::bits_per_word - low);
    fn(words[word_of(first)], bit_span_mask(low, length));
    first += length;  // <= frame_count: no wrap
    count -= length;
  }
}

// Number of used frames in [first, first + count). Same precondition as for_each_word.
uint64_t count_used(std::span<const uint64_t> words, uint64_t first, uint64_t count) {
  uint64_t used = 0;
  for_each_word(words, first, count, [&used](uint64_t word, uint64_t mask) {
    used += static_cast<uint64_t>(std::popcount(word & mask));
  });
  return used;
}

// The lowest used frame in [first, first + count), if any. Same precondition as for_each_word.
std::optional<uint64_t> find_used(std::span<const uint64_t> words, uint64_t first, uint64_t count) {
  while (count > 0) {
    const uint64_t low = first % FrameBitmap::bits_per_word;
    const uint64_t length = smaller(count, FrameBitmap::bits_per_word - low);
    const uint64_t hits = words[word_of(first)] & bit_span_mask(low, length);
    if (hits != 0) {
      return first - low + static_cast<uint64_t>(std::countr_zero(hits));
    }
    first += length;
    count -= length;
  }
  return std::nullopt;
}

// The lowest free frame at or after `from`, if any. Relies on the tail bits being set, so any
// zero bit found is a real frame.
std::optional<uint64_t> find_free(std::span<const uint64_t> words, uint64_t frame_count,
                                  uint64_t from) {
  if (from >= frame_count) return std::nullopt;
  // Treat the bits below `from` in its word as used.
  uint64_t word = words[word_of(from)] | (bit_of(from) - 1);
  for (size_t index = word_of(from);;) {
    if (word != all_used) {
      return index * FrameBitmap::bits_per_word + static_cast<uint64_t>(std::countr_one(word));
    }
    if (++index == words.size()) return std::nullopt;
    word = words[index];
  }
}

}  // namespace

Result<FrameBitmap> FrameBitmap::create(std::span<uint64_t> storage, uint64_t frame_count,
                                        FrameState initial) {
  if (frame_count == 0) return Error::InvalidArgument;
  const uint64_t needed = storage_words_for(frame_count);
  if (needed > storage.size()) return Error::TooBig;
  const std::span<uint64_t> words = storage.first(static_cast<size_t>(needed));
  for (uint64_t& word : words) word = initial == FrameState::Used ? all_used : 0;
  const uint64_t tail = frame_count % bits_per_word;
  if (tail != 0) words.back() |= ~((uint64_t{1} << tail) - 1);  // invariant: tail stays set
  return FrameBitmap(words, frame_count, initial == FrameState::Free ? frame_count : 0);
}

FrameBitmap::FrameBitmap(FrameBitmap&& other) noexcept
    : m_words(std::exchange(other.m_words, {})),
      m_frame_count(std::exchange(other.m_frame_count, 0)),
      m_free_count(std::exchange(other.m_free_count, 0)),
      m_next_word(std::exchange(other.m_next_word, 0)) {}

FrameBitmap& FrameBitmap::operator=(FrameBitmap&& other) noexcept {
  if (this != &other) {
    m_words = std::exchange(other.m_words, {});
    m_frame_count = std::exchange(other.m_frame_count, 0);
    m_free_count = std::exchange(other.m_free_count, 0);
    m_next_word = std::exchange(other.m_next_word, 0);
  }
  return *this;
}

Result<uint64_t> FrameBitmap::alloc() {
  if (m_free_count == 0) return Error::Exhausted;
  const size_t word_count = m_words.size();
  for (size_t step = 0; step < word_count; ++step) {
    size_t index = m_next_word + step;
    if (index >= word_count) index -= word_count;
    uint64_t& word = m_words[index];
    if (word == all_used) continue;
    const auto bit = static_cast<uint64_t>(std::countr_one(word));
    word |= uint64_t{1} << bit;
    --m_free_count;
    m_next_word = index;
    return index * bits_per_word + bit;
  }
  capos_panic("FrameBitmap: free_count > 0 but no free bit", __FILE__, __LINE__);
}

Result<uint64_t> FrameBitmap::alloc_contiguous(uint64_t count, uint64_t alignment) {
  if (count == 0 || !is_power_of_two(alignment)) return Error::InvalidArgument;
  if (count > m_free_count) return Error::Exhausted;
  const uint64_t alignment_mask = alignment - 1;
  // Invariant: no aligned run of `count` free frames starts below `candidate`. Each round
  // either returns or moves `candidate` past a used frame that every aligned run starting in
  // [candidate, that frame] would contain, so the search is exhaustive and terminates.
  uint64_t candidate = 0;
  for (;;) {
    const std::optional<uint64_t> free_frame = find_free(m_words, m_frame_count, candidate);
    if (!free_frame) return Error::Exhausted;
    uint64_t start = *free_frame;
    const uint64_t misalignment = start & alignment_mask;
    if (misalignment != 0) {
      const uint64_t gap = alignment - misalignment;
      if (gap >= m_frame_count - start) return Error::Exhausted;  // aligned start is past end
      start += gap;
    }
    if (!range_within(start, count, m_frame_count)) return Error::Exhausted;
    const std::optional<uint64_t> used = find_used(m_words, start, count);
    if (!used) {
      mark_range(start, count, FrameState::Used);
      m_free_count -= count;
      return start;
    }
    candidate = *used + 1;  // *used < m_frame_count: no wrap
  }
}

Result<void> FrameBitmap::free(uint64_t frame) {
  if (frame >= m_frame_count) return Error::OutOfRange;
  uint64_t& word = m_words[word_of(frame)];
  if ((word & bit_of(frame)) == 0) return Error::DoubleFree;
  word &= ~bit_of(frame);
  ++m_free_count;
  return {};
}

Result<void> FrameBitmap::free_range(uint64_t first, uint64_t count) {
  if (!range_within(first, count, m_frame_count)) return Error::OutOfRange;
  if (count_used(m_words, first, count) != count) return Error::DoubleFree;
  mark_range(first, count, FrameState::Free);
  m_free_count += count;
  return {};
}

Result<uint64_t> FrameBitmap::mark_used(uint64_t first, uint64_t count) {
  if (!range_within(first, count, m_frame_count)) return Error::OutOfRange;
  const uint64_t newly_used = count - count_used(m_words, first, count);
  mark_range(first, count, FrameState::Used);
  m_free_count -= newly_used;
  return newly_used;
}

Result<bool> FrameBitmap::is_used(uint64_t frame) const {
  if (frame >= m_frame_count) return Error::OutOfRange;
  return (m_words[word_of(frame)] & bit_of(frame)) != 0;
}

bool FrameBitmap::invariants_hold() const {
  if (m_words.size() != storage_words_for(m_frame_count)) return false;
  if (m_words.empty()) return m_free_count == 0;
  const uint64_t used = count_used(m_words, 0, m_frame_count);
  if (m_frame_count - used != m_free_count) return false;
  const uint64_t tail = m_frame_count % bits_per_word;
  const uint64_t tail_mask = tail == 0 ? 0 : ~((uint64_t{1} << tail) - 1);
  return (m_words.back() & tail_mask) == tail_mask;
}

void FrameBitmap::mark_range(uint64_t first, uint64_t count, FrameState state) {
  for_each_word(m_words, first, count, [state](uint64_t& word, uint64_t mask) {
    if (state == FrameState::Used) {
      word |= mask;
    } else {
      word &= ~mask;
    }
  });
}

}  // namespace capos
