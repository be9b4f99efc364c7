// kernel/cap/user_memory.h — how kernel/cap reaches a caller's memory: a policy, so the same
// dispatcher runs over the kernel's UserPtr copies (kernel/proc/process_memory.h) and over
// host tests' simulated machine (tests/kernel/mem/simulated_memory.h).
#pragma once

#include <concepts>
#include <cstdint>

#include "lib/core/bytes.h"
#include "lib/core/result.h"

namespace capos::kernel {

// copy_in / copy_out validate the whole range (user half, no wrap, present + user pages,
// writable for a write) before touching a byte and return Fault (or TooBig past the walk's
// bound) otherwise; check_writable validates without touching anything.
template <typename M>
concept UserMemory = requires(M& memory, uint64_t address, uint64_t length,
                              MutableByteView destination, ByteView source) {
  { memory.copy_in(address, destination) } -> std::same_as<Result<void>>;
  { memory.copy_out(address, source) } -> std::same_as<Result<void>>;
  { memory.check_writable(address, length) } -> std::same_as<Result<void>>;
};

}  // namespace capos::kernel
