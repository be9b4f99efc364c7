// lib/freestanding/string_x86_64.cpp — memcpy, memmove, memset and memcmp for the freestanding
// images (the kernel and every user program link this one file). The compiler emits calls to
// these for aggregate copies and zeroing even with -ffreestanding; a C loop here could be turned
// back into a call to itself, hence the string instructions. Never built for the host (libc
// provides these there), so it is not a capos_lib_module.
#include <cstddef>
#include <cstdint>

extern "C" {

void* memcpy(void* destination, const void* source, size_t count) {
  void* result = destination;
  // SAFETY: the caller guarantees both ranges are valid for `count` bytes and do not overlap
  // (the memcpy contract); rep movsb copies exactly `count` bytes forwards (DF = 0 is the ABI
  // state at every call).
  asm volatile("rep movsb" : "+D"(destination), "+S"(source), "+c"(count) : : "memory");
  return result;
}

void* memmove(void* destination, const void* source, size_t count) {
  auto* to = static_cast<unsigned char*>(destination);
  const auto* from = static_cast<const unsigned char*>(source);
  // SAFETY: comparing the two addresses as integers only decides the copy direction.
  if (reinterpret_cast<uintptr_t>(to) <= reinterpret_cast<uintptr_t>(from) ||
      reinterpret_cast<uintptr_t>(to) - reinterpret_cast<uintptr_t>(from) >= count) {
    return memcpy(destination, source, count);
  }
  // Destination above an overlapping source: copy backwards, from the last byte down.
  // SAFETY: both ranges are valid for `count` (> 0 here, since the ranges overlap) bytes (the
  // memmove contract), so `+ count - 1` stays inside them; with DF = 1 rep movsb walks down;
  // DF is restored to 0 (the ABI state) right after.
  unsigned char* last_to = to + count - 1;
  // SAFETY: as for last_to: `from` is valid for `count` (> 0) bytes, so its last byte is inside.
  const unsigned char* last_from = from + count - 1;
  // SAFETY: with DF = 1, rep movsb copies `count` bytes downwards from the last bytes computed
  // above, inside both ranges; cld restores DF = 0 (the ABI state) before anything else runs.
  asm volatile("std\n\trep movsb\n\tcld"
               : "+D"(last_to), "+S"(last_from), "+c"(count)
               :
               : "memory");
  return destination;
}

void* memset(void* destination, int value, size_t count) {
  void* result = destination;
  // SAFETY: the caller guarantees the range is valid for `count` bytes; rep stosb stores
  // exactly `count` copies of the low byte of `value`.
  asm volatile("rep stosb" : "+D"(destination), "+c"(count) : "a"(value) : "memory");
  return result;
}

int memcmp(const void* left, const void* right, size_t count) {
  // Viewing any object as unsigned char is always allowed.
  const auto* a = static_cast<const unsigned char*>(left);
  const auto* b = static_cast<const unsigned char*>(right);
  for (size_t i = 0; i < count; ++i) {
    // SAFETY: i < count, and the caller guarantees both ranges are valid for `count` bytes.
    if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return 0;
}

}  // extern "C"
