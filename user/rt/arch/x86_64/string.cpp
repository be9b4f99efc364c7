// user/rt/arch/x86_64/string.cpp — memcpy, memmove, memset and memcmp for user programs (the
// compiler emits calls to them for aggregate copies and zeroing even when freestanding; a C
// loop here could be turned back into a call to itself, hence the string instructions).
#include <cstddef>
#include <cstdint>

extern "C" {

void* memcpy(void* destination, const void* source, size_t count) {
  void* result = destination;
  // SAFETY: the memcpy contract (valid, non-overlapping ranges); DF = 0 is the ABI state.
  asm volatile("rep movsb" : "+D"(destination), "+S"(source), "+c"(count) : : "memory");
  return result;
}

void* memmove(void* destination, const void* source, size_t count) {
  auto* to = static_cast<unsigned char*>(destination);
  const auto* from = static_cast<const unsigned char*>(source);
  // SAFETY: comparing the addresses as integers only picks the copy direction.
  if (reinterpret_cast<uintptr_t>(to) <= reinterpret_cast<uintptr_t>(from) ||
      reinterpret_cast<uintptr_t>(to) - reinterpret_cast<uintptr_t>(from) >= count) {
    return memcpy(destination, source, count);
  }
  // SAFETY: overlapping ranges valid for count (> 0) bytes: copy backwards with DF = 1, then
  // restore DF = 0.
  unsigned char* last_to = to + count - 1;
  const unsigned char* last_from = from + count - 1;
  asm volatile("std\n\trep movsb\n\tcld"
               : "+D"(last_to), "+S"(last_from), "+c"(count)
               :
               : "memory");
  return destination;
}

void* memset(void* destination, int value, size_t count) {
  void* result = destination;
  // SAFETY: the memset contract (a valid range of count bytes).
  asm volatile("rep stosb" : "+D"(destination), "+c"(count) : "a"(value) : "memory");
  return result;
}

int memcmp(const void* left, const void* right, size_t count) {
  // SAFETY: the memcmp contract; any object may be read as unsigned char.
  const auto* a = static_cast<const unsigned char*>(left);
  const auto* b = static_cast<const unsigned char*>(right);
  for (size_t i = 0; i < count; ++i) {
    if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return 0;
}

}  // extern "C"
