// verify/bounded/frame_bitmap_model.h — the FrameBitmap explorer (seed target 2, Tier 4).
//
// Drives the real FrameBitmap (lib/mem) through every operation from every reachable state and
// checks, on every state and every transition:
//   - free_count() equals the number of free frames, invariants_hold(), tail bits stay set, and
//     is_used() answers every frame (OutOfRange past the end);
//   - alloc() hands out a frame that was free (no double allocation) and marks only it;
//     Exhausted iff no frame is free; alloc() then free() of that frame restores the exact words
//     and free_count;
//   - alloc_contiguous(count, alignment) returns exactly the lowest aligned run of `count` free
//     frames and marks only it, Exhausted iff there is none, InvalidArgument iff count is 0 or
//     the alignment is not a power of two;
//   - free(), free_range() and mark_used() change exactly the frames they name, or nothing with
//     the documented error (OutOfRange, DoubleFree).
//
// A configuration is a bitmap of `frame_count` frames whose free frames all lie in a window
// [window_first, window_first + window_size). With the window covering the whole bitmap
// (frame_count <= 16) every bitmap is explored. For larger bitmaps the frames outside the
// window stay used: operations that would free one are checked but not followed, so the
// exploration closes over all 2^window_size window contents and next-fit hints.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "lib/mem/frame_bitmap.h"
#include "verify/bounded/state_space.h"

namespace capos::verify {

enum class BitmapFault : uint8_t {
  None,
  FreeForgetsCount,    // free() clears the bit but leaves free_count
  AllocLosesBit,       // alloc() returns a frame but its bit is not set (double allocation)
  ContiguousOffByOne,  // a run search that checks count - 1 frames (mutated copy)
  TailBitsClear,       // the bits past frame_count are clear (create() forgot the tail)
};

struct BitmapConfig {
  uint64_t frame_count;
  uint64_t window_first;
  uint64_t window_size;  // 1..64, the window spans at most two words
};

inline constexpr uint64_t max_bitmap_words = 4;  // bitmaps of up to 256 frames

// One state, decoded: every word (those outside the window all used), the counter and the hint.
struct BitmapSnapshot {
  std::array<uint64_t, max_bitmap_words> words{};
  uint64_t free_count = 0;
  size_t next_word = 0;

  [[nodiscard]] bool used(uint64_t frame) const {
    return ((words[frame / 64] >> (frame % 64)) & 1) != 0;
  }
  void set(uint64_t frame, bool is_used) {
    const uint64_t mask = uint64_t{1} << (frame % 64);
    words[frame / 64] = is_used ? (words[frame / 64] | mask) : (words[frame / 64] & ~mask);
  }
  friend bool operator==(const BitmapSnapshot&, const BitmapSnapshot&) = default;
};

// The real bitmap over its own storage, rebuilt from a snapshot (private fields set through
// private_access.h). Not movable: the bitmap points at m_storage.
class BitmapWorld {
 public:
  BitmapWorld(uint64_t frame_count, uint64_t word_count, const BitmapSnapshot& state);
  BitmapWorld(const BitmapWorld&) = delete;
  BitmapWorld& operator=(const BitmapWorld&) = delete;
  ~BitmapWorld() = default;

  FrameBitmap& bitmap() { return m_bitmap; }
  std::array<uint64_t, max_bitmap_words>& storage() { return m_storage; }
  uint64_t& free_count();  // for fault injection
  [[nodiscard]] BitmapSnapshot snapshot() const;
  // Puts the bitmap back into `state` (cheaper than rebuilding it for every operation).
  void reset(const BitmapSnapshot& state);

 private:
  uint64_t m_word_count;
  std::array<uint64_t, max_bitmap_words> m_storage{};
  FrameBitmap m_bitmap;
};

// Key: free_count (8 bytes), next-fit hint (8), the (at most two) words the window touches.
inline constexpr size_t bitmap_key_size = 32;
using BitmapKey = StateKey<bitmap_key_size>;

class FrameBitmapModel {
 public:
  static constexpr size_t key_size = bitmap_key_size;

  FrameBitmapModel(BitmapConfig config, BitmapFault fault);

  std::vector<BitmapKey> initial_states() const;
  void expand(const BitmapKey& state, Successors<key_size>& next, Checker& check) const;
  [[nodiscard]] std::string describe(uint32_t operation) const;

 private:
  [[nodiscard]] BitmapSnapshot decode(const BitmapKey& key) const;
  [[nodiscard]] BitmapKey encode(const BitmapSnapshot& state) const;
  [[nodiscard]] bool inside_window(const BitmapSnapshot& state) const;
  void check_state(const BitmapSnapshot& before, Checker& check) const;
  void apply(BitmapWorld& world, BitmapWorld& scratch, const BitmapSnapshot& before,
             uint32_t operation, Successors<key_size>& next, Checker& check) const;
  enum class OpKind : uint8_t { Alloc, Free, AllocContiguous, FreeRange, MarkUsed };
  struct Op {
    OpKind kind;
    uint64_t a;  // frame, first frame or count
    uint64_t b;  // count or alignment
  };

  BitmapConfig m_config;
  BitmapFault m_fault;
  uint64_t m_word_count;
  uint64_t m_first_word;  // the window's words: m_first_word and maybe the next
  uint64_t m_window_words;
  std::vector<Op> m_ops;
  std::vector<uint64_t> m_frames_probed;  // is_used() is asked about each, in every state
  std::array<uint64_t, max_bitmap_words>
      m_window_mask{};  // window bits, word by word  // every operation tried from every state; an
                        // operation id indexes it
};

}  // namespace capos::verify
