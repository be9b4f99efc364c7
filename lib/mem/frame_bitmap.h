// lib/mem/frame_bitmap.h — the physical frame allocator's state: one bit per frame (SPEC §6).
//
// The kernel builds it from the Multiboot2 memory map: create() over boot-provided storage with
// every frame used, free_range() each available region, then mark_used() the kernel image,
// boot modules and the bitmap's own storage.
//
// Invariants (checked by invariants_hold(), relied on by every scan):
//   - a set bit means "used"; m_free_count == number of zero bits among the first
//     m_frame_count bits of m_words;
//   - bits at index >= m_frame_count in the last word are always set, so a word-wide scan
//     can never hand out a frame past the end;
//   - m_words.size() == storage_words_for(m_frame_count).
// The next-fit hint only chooses where alloc() starts looking; every search wraps around, so
// correctness never depends on it.
//
// Not synchronised: the owner (the kernel's frame allocator object) serialises calls.
// Not copyable (two copies would alias one storage with diverging counts); a move leaves the
// source empty (frame_count 0), where every allocation fails and every index is OutOfRange.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "lib/core/result.h"

namespace capos {

// What create() initialises every frame to.
enum class FrameState : uint8_t { Free, Used };

class FrameBitmap {
 public:
  static constexpr uint64_t bits_per_word = 64;

  // Words of storage needed for `frame_count` frames (rounded up; never overflows).
  [[nodiscard]] static constexpr uint64_t storage_words_for(uint64_t frame_count) {
    return frame_count / bits_per_word + (frame_count % bits_per_word != 0 ? 1 : 0);
  }

  // Builds a bitmap over the first storage_words_for(frame_count) words of `storage`, which
  // must outlive it. InvalidArgument when frame_count is 0; TooBig when storage is too small.
  [[nodiscard]] static Result<FrameBitmap> create(std::span<uint64_t> storage, uint64_t frame_count,
                                                  FrameState initial);

  // An empty bitmap (no frames): lets the kernel hold one in static storage with no global
  // constructor and move the real one in once the memory map has been read.
  constexpr FrameBitmap() = default;
  FrameBitmap(const FrameBitmap&) = delete;
  FrameBitmap& operator=(const FrameBitmap&) = delete;
  FrameBitmap(FrameBitmap&& other) noexcept;
  FrameBitmap& operator=(FrameBitmap&& other) noexcept;
  ~FrameBitmap() = default;

  // One free frame, marked used. Exhausted when none is free.
  [[nodiscard]] Result<uint64_t> alloc();

  // The first (lowest) frame of `count` consecutive free frames whose index is a multiple of
  // `alignment`, all marked used. InvalidArgument for count 0 or an alignment that is not a
  // power of two; Exhausted when no such run exists (the search is exhaustive, first fit).
  [[nodiscard]] Result<uint64_t> alloc_contiguous(uint64_t count, uint64_t alignment = 1);

  // Marks one used frame free. OutOfRange past the end; DoubleFree when it is already free.
  [[nodiscard]] Result<void> free(uint64_t frame);

  // Marks [first, first + count) free, all or nothing: OutOfRange if the range leaves the
  // bitmap, DoubleFree if any frame in it is already free; on error nothing changed.
  // An empty range inside the bitmap (first <= frame_count) is a successful no-op, so
  // sub-frame memory-map regions need no special case.
  [[nodiscard]] Result<void> free_range(uint64_t first, uint64_t count);

  // Marks [first, first + count) used (boot reservations); frames already used are allowed.
  // Returns how many frames were newly marked. OutOfRange if the range leaves the bitmap
  // (nothing changed). An empty range inside the bitmap returns 0.
  [[nodiscard]] Result<uint64_t> mark_used(uint64_t first, uint64_t count);

  // Whether `frame` is used. OutOfRange past the end.
  [[nodiscard]] Result<bool> is_used(uint64_t frame) const;

  [[nodiscard]] uint64_t free_count() const { return m_free_count; }
  [[nodiscard]] uint64_t frame_count() const { return m_frame_count; }

  // The raw words (tests compare snapshots; the kernel may dump them).
  [[nodiscard]] std::span<const uint64_t> words() const { return m_words; }

  // Recounts every bit and checks the tail; O(frame_count). For tests and debug KASSERTs.
  [[nodiscard]] bool invariants_hold() const;

 private:
  FrameBitmap(std::span<uint64_t> words, uint64_t frame_count, uint64_t free_count)
      : m_words(words), m_frame_count(frame_count), m_free_count(free_count) {}

  void mark_range(uint64_t first, uint64_t count, FrameState state);

  std::span<uint64_t> m_words;
  uint64_t m_frame_count = 0;
  uint64_t m_free_count = 0;
  size_t m_next_word = 0;  // next-fit hint for alloc(); always < m_words.size() or 0
};

}  // namespace capos
