// fuzz/fuzz_support.h — what every capOS fuzz harness shares: the invariant check that turns a
// broken promise into a crash (so the engine records it), and the engine entry points.
//
// A harness never lets a rejected input pass silently as "fine" when a library promised more:
// every property of an accepted input is re-checked with FUZZ_CHECK, which prints the broken
// invariant and aborts (libFuzzer and AFL++ both save the input as a crash).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv);
// The engine's byte mutator, callable from a structure-aware custom mutator. libFuzzer and
// AFL++'s driver define it; weak so that an engine without it still links (see byte_mutate).
extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size)
    __attribute__((weak));
extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size,
                                          unsigned int seed);

namespace capos::fuzz {

[[noreturn]] inline void invariant_failed(const char* what, const char* file, int line) {
  (void)std::fprintf(stderr, "fuzz invariant broken: %s at %s:%d\n", what, file, line);
  (void)std::fflush(stderr);
  std::abort();
}

// LLVMFuzzerMutate when the engine has one, else one byte changed (engines without it do not
// call custom mutators either, so this is only a fallback).
inline size_t byte_mutate(uint8_t* data, size_t size, size_t max_size, unsigned int seed) {
  if (LLVMFuzzerMutate != nullptr) return LLVMFuzzerMutate(data, size, max_size);
  if (size > 0) data[seed % size] = static_cast<uint8_t>(data[seed % size] ^ (1U << (seed % 8)));
  return size;
}

}  // namespace capos::fuzz

#define FUZZ_CHECK(condition)                                                          \
  do {                                                                                 \
    if (!(condition)) ::capos::fuzz::invariant_failed(#condition, __FILE__, __LINE__); \
  } while (0)
