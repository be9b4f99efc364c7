// fuzz/elf_mutator.cpp — structure-aware mutator for ELF64 inputs (libFuzzer's
// LLVMFuzzerCustomMutator; AFL++'s driver ignores it and mutates bytes).
//
// Plain byte mutation almost never produces a program header whose offset, address, sizes and
// alignment are simultaneously consistent, so the loader-policy checks deep in
// validate_executable() stall. One call here either defers to libFuzzer's byte mutator or
// rewrites one header / program header field with a value from the validator's boundaries
// (page edges, user-half limits, the file size, another segment's fields), keeps vaddr and
// offset congruent, points e_entry into a segment, or duplicates / swaps / appends entries.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <random>

#include "fuzz/fuzz_support.h"
#include "lib/elf/elf_file.h"
#include "lib/elf/elf_image.h"

namespace capos::fuzz {
namespace {

constexpr size_t HEADER = 64;
constexpr size_t PHDR = 56;

uint64_t get(const uint8_t* data, size_t size, size_t offset, unsigned width) {
  uint64_t value = 0;
  for (unsigned i = 0; i < width && offset + i < size; ++i) {
    value |= static_cast<uint64_t>(data[offset + i]) << (8 * i);
  }
  return value;
}

void put(uint8_t* data, size_t size, size_t offset, unsigned width, uint64_t value) {
  for (unsigned i = 0; i < width && offset + i < size; ++i) {
    data[offset + i] = static_cast<uint8_t>(value >> (8 * i));
  }
}

struct Mutator {
  uint8_t* data;
  size_t size;
  size_t max_size;
  std::minstd_rand rng;

  uint64_t below(uint64_t bound) { return bound == 0 ? 0 : rng() % bound; }
  bool coin() { return (rng() & 1U) != 0; }

  size_t phoff() const { return static_cast<size_t>(get(data, size, 32, 8)); }
  size_t phnum() const { return static_cast<size_t>(get(data, size, 56, 2)); }
  // Offsets of the program headers that lie wholly inside the buffer.
  size_t readable_phdrs() const {
    const size_t offset = phoff();
    if (offset >= size || offset > SIZE_MAX - PHDR) return 0;
    return std::min(phnum(), (size - offset) / PHDR);
  }

  uint64_t interesting_address() {
    static constexpr std::array<uint64_t, 12> values = {0,
                                                        1,
                                                        0xfff,
                                                        0x1000,
                                                        0x400000,
                                                        0x401000,
                                                        elf::ELF_VADDR_LIMIT - 0x1000,
                                                        elf::ELF_VADDR_LIMIT,
                                                        elf::ELF_VADDR_LIMIT + 0x1000,
                                                        0x0000'8000'0000'0000ULL,
                                                        0xffff'ffff'8000'0000ULL,
                                                        UINT64_MAX - 0xfff};
    return values[below(values.size())] + (coin() ? 0 : below(3) * 0x1000);
  }

  uint64_t interesting_size() {
    const std::array<uint64_t, 12> values = {0,
                                             1,
                                             7,
                                             0xfff,
                                             0x1000,
                                             0x1001,
                                             size,
                                             size - std::min<size_t>(size, 1),
                                             size + 1,
                                             elf::MAX_TLS_SIZE,
                                             elf::MAX_TLS_SIZE + 1,
                                             UINT64_MAX};
    return values[below(values.size())];
  }

  uint64_t interesting_align() {
    static constexpr std::array<uint64_t, 9> values = {0,      1,        2,      3,         0x1000,
                                                       0x2000, 0x200000, 0x1001, 1ULL << 63};
    return values[below(values.size())];
  }

  uint32_t interesting_type() {
    static constexpr std::array<uint32_t, 14> values = {
        elf::PT_NULL,      elf::PT_LOAD,      elf::PT_LOAD,     elf::PT_LOAD, elf::PT_DYNAMIC,
        elf::PT_INTERP,    elf::PT_NOTE,      elf::PT_SHLIB,    elf::PT_PHDR, elf::PT_TLS,
        elf::PT_GNU_STACK, elf::PT_GNU_RELRO, elf::PT_LOOS + 1, 0x8000'0000U};
    return values[below(values.size())];
  }

  uint32_t interesting_flags() {
    static constexpr std::array<uint32_t, 9> values = {
        elf::PF_R, elf::PF_R | elf::PF_X,   elf::PF_R | elf::PF_W, 7, 0, elf::PF_W, elf::PF_X,
        0xc,       elf::PF_R | 0x0ff0'0000U};
    return values[below(values.size())];
  }

  // A field of another program header, nudged: the cheapest way to hit "shares a page",
  // "TLS inside a PT_LOAD" and "entry inside the code" boundaries.
  uint64_t related_value(size_t count) {
    const size_t other = phoff() + below(count) * PHDR;
    static constexpr std::array<size_t, 5> fields = {8, 16, 32, 40, 48};
    uint64_t value = get(data, size, other + fields[below(fields.size())], 8);
    if (coin()) value += get(data, size, other + 40, 8);  // + p_memsz: the segment's end
    static constexpr std::array<int64_t, 6> deltas = {0, 1, -1, 0x1000, -0x1000, 0xfff};
    return value + static_cast<uint64_t>(deltas[below(deltas.size())]);
  }

  void mutate_header() {
    switch (below(8)) {
      case 0: put(data, size, 16, 2, coin() ? elf::ET_EXEC : below(5)); break;
      case 1: put(data, size, 18, 2, coin() ? elf::EM_X86_64 : below(300)); break;
      case 2: put(data, size, 24, 8, interesting_address() + below(0x2000)); break;
      case 3: put(data, size, 32, 8, coin() ? HEADER : interesting_size()); break;
      case 4: put(data, size, 54, 2, coin() ? PHDR : below(128)); break;
      case 5: put(data, size, 56, 2, coin() ? below(18) : below(0x10000)); break;
      case 6: put(data, size, 52, 2, coin() ? HEADER : below(128)); break;
      default: data[4 + below(4)] = static_cast<uint8_t>(below(4)); break;
    }
  }

  void mutate_phdr(size_t count) {
    const size_t base = phoff() + below(count) * PHDR;
    switch (below(10)) {
      case 0: put(data, size, base + 0, 4, interesting_type()); break;
      case 1: put(data, size, base + 4, 4, interesting_flags()); break;
      case 2:
        put(data, size, base + 8, 8, coin() ? interesting_size() : related_value(count));
        break;
      case 3:
        put(data, size, base + 16, 8, coin() ? interesting_address() : related_value(count));
        break;
      case 4:
        put(data, size, base + 32, 8, coin() ? interesting_size() : related_value(count));
        break;
      case 5:
        put(data, size, base + 40, 8, coin() ? interesting_size() : related_value(count));
        break;
      case 6: put(data, size, base + 48, 8, interesting_align()); break;
      case 7: {  // make vaddr congruent with offset modulo the page size
        const uint64_t offset = get(data, size, base + 8, 8);
        const uint64_t vaddr = get(data, size, base + 16, 8);
        put(data, size, base + 16, 8, (vaddr & ~uint64_t{0xfff}) | (offset & 0xfff));
        break;
      }
      case 8: {  // point e_entry into this segment's file bytes
        const uint64_t vaddr = get(data, size, base + 16, 8);
        const uint64_t filesz = get(data, size, base + 32, 8);
        put(data, size, 24, 8, vaddr + below(filesz + 1));
        break;
      }
      default: {  // copy or swap another entry over this one
        const size_t other = phoff() + below(count) * PHDR;
        if (other + PHDR <= size && base + PHDR <= size && other != base) {
          std::array<uint8_t, PHDR> saved{};
          std::memcpy(saved.data(), data + base, PHDR);
          std::memmove(data + base, data + other, PHDR);
          if (coin()) std::memcpy(data + other, saved.data(), PHDR);
        }
        break;
      }
    }
  }

  // Appends a copy of the last program header after the table (bytes after it move up).
  void append_phdr(size_t count) {
    const size_t end = phoff() + count * PHDR;
    if (count == 0 || end > size || size + PHDR > max_size) return;
    std::memmove(data + end + PHDR, data + end, size - end);
    std::memcpy(data + end, data + end - PHDR, PHDR);
    size += PHDR;
    put(data, size, 56, 2, count + 1);
  }
};

}  // namespace
}  // namespace capos::fuzz

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size,
                                          unsigned int seed) {
  capos::fuzz::Mutator m{data, size, max_size, std::minstd_rand(seed)};
  if (size < capos::fuzz::HEADER || m.below(4) == 0)
    return capos::fuzz::byte_mutate(data, size, max_size, seed);
  const uint64_t rounds = 1 + m.below(3);
  for (uint64_t i = 0; i < rounds; ++i) {
    const size_t count = m.readable_phdrs();  // a header mutation may have moved the table
    const uint64_t choice = m.below(10);
    if (count == 0 || choice < 2) {
      m.mutate_header();
    } else if (choice == 9) {
      m.append_phdr(count);
    } else {
      m.mutate_phdr(count);
    }
  }
  return m.size;
}
