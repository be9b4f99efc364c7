#include "fuzz/capnp_mutator.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <random>

#include "fuzz/fuzz_support.h"

namespace capos::fuzz {
namespace {

constexpr uint32_t MAX_TABLE_SEGMENTS = 64;

uint64_t load64(const uint8_t* data, size_t offset) {
  uint64_t value = 0;
  std::memcpy(&value, data + offset, sizeof value);
  return value;
}
void store64(uint8_t* data, size_t offset, uint64_t value) {
  std::memcpy(data + offset, &value, sizeof value);
}
uint32_t load32(const uint8_t* data, size_t offset) {
  uint32_t value = 0;
  std::memcpy(&value, data + offset, sizeof value);
  return value;
}
void store32(uint8_t* data, size_t offset, uint32_t value) {
  std::memcpy(data + offset, &value, sizeof value);
}

// Where the segments of a message lie in the buffer (clipped to it).
struct Layout {
  uint32_t count = 0;
  size_t table_bytes = 0;
  std::array<size_t, MAX_TABLE_SEGMENTS> start{};  // byte offset of each segment
  std::array<size_t, MAX_TABLE_SEGMENTS> words{};  // words of each segment inside the buffer
  size_t total_words = 0;
};

bool read_layout(const uint8_t* data, size_t size, Layout& layout) {
  if (size < 8) return false;
  const uint32_t count = load32(data, 0) + 1;
  if (count == 0 || count > MAX_TABLE_SEGMENTS) return false;
  layout.count = count;
  layout.table_bytes = (4 + size_t{count} * 4 + 7) / 8 * 8;
  if (layout.table_bytes > size) return false;
  size_t offset = layout.table_bytes;
  for (uint32_t i = 0; i < count; ++i) {
    const size_t declared = load32(data, 4 + size_t{i} * 4);
    const size_t available = (size - std::min(size, offset)) / 8;
    layout.start[i] = offset;
    layout.words[i] = std::min(declared, available);
    layout.total_words += layout.words[i];
    offset += layout.words[i] * 8;
  }
  return layout.total_words > 0;
}

struct Mutator {
  uint8_t* data;
  size_t size;
  std::minstd_rand rng;
  Layout layout;

  uint64_t below(uint64_t bound) { return bound == 0 ? 0 : rng() % bound; }
  bool coin() { return (rng() & 1U) != 0; }

  // A (segment, word) pair, chosen uniformly over the words of the message.
  std::pair<uint32_t, size_t> any_word() {
    uint64_t pick = below(layout.total_words);
    for (uint32_t s = 0; s < layout.count; ++s) {
      if (pick < layout.words[s]) return {s, static_cast<size_t>(pick)};
      pick -= layout.words[s];
    }
    return {0, 0};
  }
  size_t byte_of(uint32_t segment, size_t word) const { return layout.start[segment] + word * 8; }

  // The offset field for a pointer at `from` aimed at a word of the same segment (or nearby).
  int32_t offset_to(uint32_t segment, size_t from) {
    if (coin()) return static_cast<int32_t>(below(9)) - 4;
    const auto target = static_cast<int64_t>(below(layout.words[segment] + 1));
    return static_cast<int32_t>(target - static_cast<int64_t>(from) - 1);
  }

  static uint64_t lower(uint32_t kind, int32_t offset) {
    return (static_cast<uint32_t>(offset) << 2) | kind;
  }

  uint64_t struct_pointer(uint32_t segment, size_t from) {
    const uint64_t data_words = coin() ? below(3) : below(0x10000);
    const uint64_t pointers = coin() ? below(4) : below(0x10000);
    return lower(0, offset_to(segment, from)) | (data_words << 32) | (pointers << 48);
  }

  uint64_t list_pointer(uint32_t segment, size_t from) {
    const uint64_t element_size = below(8);
    static constexpr std::array<uint64_t, 6> counts = {0, 1, 2, 7, 64, (1U << 29) - 1};
    const uint64_t count = coin() ? below(17) : counts[below(counts.size())];
    const int32_t offset = offset_to(segment, from);
    if (element_size == 7 && coin()) {
      // An inline-composite list with a matching tag in front of its elements.
      const int64_t tag_word = static_cast<int64_t>(from) + 1 + offset;
      if (tag_word >= 0 && static_cast<size_t>(tag_word) < layout.words[segment]) {
        const uint64_t data_words = below(3);
        const uint64_t pointers = below(3);
        const uint64_t elements = below(5);
        const uint64_t tag = (elements << 2) | (data_words << 32) | (pointers << 48);
        store64(data, byte_of(segment, static_cast<size_t>(tag_word)), tag);
        const uint64_t words = elements * (data_words + pointers);
        return lower(1, offset) | (uint64_t{7} << 32) | ((coin() ? words : below(9)) << 35);
      }
    }
    return lower(1, offset) | (element_size << 32) | (count << 35);
  }

  uint64_t far_pointer() {
    const uint32_t segment = coin() ? static_cast<uint32_t>(below(layout.count))
                                    : static_cast<uint32_t>(below(layout.count + 2));
    const uint64_t pad =
        segment < layout.count && coin() ? below(layout.words[segment] + 1) : below(1U << 29);
    const uint64_t double_far = below(4) == 0 ? 1 : 0;
    return (uint64_t{segment} << 32) | (pad << 3) | (double_far << 2) | 2U;
  }

  void rewrite_word() {
    const auto [segment, word] = any_word();
    uint64_t value = 0;
    switch (below(7)) {
      case 0:
      case 1: value = struct_pointer(segment, word); break;
      case 2:
      case 3: value = list_pointer(segment, word); break;
      case 4: value = far_pointer(); break;
      case 5: value = (below(8) << 32) | 3U; break;  // capability (or unknown OTHER)
      default: {                                     // null, or a copy of another word
        const auto [other_segment, other_word] = any_word();
        value = coin() ? 0 : load64(data, byte_of(other_segment, other_word));
        break;
      }
    }
    store64(data, byte_of(segment, word), value);
  }

  void alias_word() {
    const auto [from_segment, from_word] = any_word();
    const auto [to_segment, to_word] = any_word();
    store64(data, byte_of(to_segment, to_word), load64(data, byte_of(from_segment, from_word)));
  }

  void nudge_table() {
    if (coin()) {
      const uint32_t segment = static_cast<uint32_t>(below(layout.count));
      const uint32_t declared = load32(data, 4 + size_t{segment} * 4);
      static constexpr std::array<int32_t, 4> deltas = {-1, 1, -2, 2};
      store32(data, 4 + size_t{segment} * 4,
              declared + static_cast<uint32_t>(deltas[below(deltas.size())]));
    } else {
      store32(data, 0, static_cast<uint32_t>(coin() ? below(layout.count + 1) : below(70)));
    }
  }
};

}  // namespace

size_t mutate_capnp(uint8_t* data, size_t size, size_t max_size, unsigned int seed) {
  Mutator m{data, size, std::minstd_rand(seed), {}};
  if (m.below(3) == 0 || !read_layout(data, size, m.layout)) {
    return byte_mutate(data, size, max_size, seed);
  }
  const uint64_t rounds = 1 + m.below(3);
  for (uint64_t i = 0; i < rounds; ++i) {
    const uint64_t choice = m.below(10);
    if (choice < 7) {
      m.rewrite_word();
    } else if (choice < 9) {
      m.alias_word();
    } else {
      m.nudge_table();
    }
  }
  return size;
}

}  // namespace capos::fuzz
