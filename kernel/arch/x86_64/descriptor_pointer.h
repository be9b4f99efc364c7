// kernel/arch/x86_64/descriptor_pointer.h — the operand of lgdt/lidt.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace capos::kernel::x86_64 {

struct [[gnu::packed]] DescriptorPointer {
  uint16_t limit;  // size in bytes - 1
  uint64_t base;
};
static_assert(sizeof(DescriptorPointer) == 10);

template <typename T, size_t N>
DescriptorPointer descriptor_pointer(const std::array<T, N>& table) {
  static_assert(sizeof(T) * N - 1 <= UINT16_MAX, "descriptor tables are at most 64 KiB");
  // SAFETY: converting a static table's address to an integer for the CPU's table register.
  return {static_cast<uint16_t>(sizeof(T) * N - 1), reinterpret_cast<uint64_t>(table.data())};
}

}  // namespace capos::kernel::x86_64
