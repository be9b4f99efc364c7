// tests/lib/ring/ring_test_util.h — shared helpers for the ring tests: printers, a policy that
// records every shared-memory access (the host stand-in for the model checker's policy), and
// SQE builders.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <ostream>
#include <vector>

#include "lib/core/error.h"
#include "lib/core/result.h"
#include "lib/ring/abi.h"
#include "lib/ring/atomics.h"
#include "lib/ring/spsc.h"
#include "lib/ring/transport.h"

namespace capos {

inline void PrintTo(Error error, std::ostream* out) { *out << error_name(error); }
inline void PrintTo(TransportCode code, std::ostream* out) { *out << transport_code_name(code); }

namespace ring_test {

// The error of a Result, or nullopt when it holds a value (marks the Result as checked).
template <typename T, typename E>
std::optional<E> error_of(const Result<T, E>& result) {
  if (result.has_value()) return std::nullopt;
  return result.error();
}

enum class Access : uint8_t { Load, Store, ReadSqe, WriteSqe, ReadCqe, WriteCqe };

struct AccessRecord {
  Access kind;
  size_t offset;   // byte offset of the word or slot in the ring page
  uint32_t value;  // the word loaded or stored (0 for slot accesses)
  std::memory_order order;
};

// Single-threaded policy that performs each access plainly and logs it with its page offset.
class RecordingAtomics {
 public:
  explicit RecordingAtomics(const RingPage& page) : m_page(&page) {}

  uint32_t load(uint32_t& word, std::memory_order order) {
    log.push_back({Access::Load, offset_of(&word), word, order});
    return word;
  }
  void store(uint32_t& word, uint32_t value, std::memory_order order) {
    log.push_back({Access::Store, offset_of(&word), value, order});
    word = value;
  }
  CapSqe read_sqe(CapSqe& slot) {
    log.push_back({Access::ReadSqe, offset_of(&slot), 0, std::memory_order_relaxed});
    return slot;
  }
  void write_sqe(CapSqe& slot, const CapSqe& value) {
    log.push_back({Access::WriteSqe, offset_of(&slot), 0, std::memory_order_relaxed});
    slot = value;
  }
  CapCqe read_cqe(CapCqe& slot) {
    log.push_back({Access::ReadCqe, offset_of(&slot), 0, std::memory_order_relaxed});
    return slot;
  }
  void write_cqe(CapCqe& slot, const CapCqe& value) {
    log.push_back({Access::WriteCqe, offset_of(&slot), 0, std::memory_order_relaxed});
    slot = value;
  }

  std::vector<AccessRecord> log;

 private:
  size_t offset_of(const void* address) const {
    const auto* base = reinterpret_cast<const std::byte*>(m_page);
    const auto* at = static_cast<const std::byte*>(address);
    const ptrdiff_t offset = at - base;
    EXPECT_GE(offset, 0);
    EXPECT_LT(offset, static_cast<ptrdiff_t>(sizeof(RingPage)));
    return static_cast<size_t>(offset);
  }

  const RingPage* m_page;
};
static_assert(RingAtomics<RecordingAtomics>);

inline size_t sq_slot_offset(uint32_t index) {
  return offsetof(RingPage, sq) + (index % SQ_ENTRIES) * sizeof(CapSqe);
}
inline size_t cq_slot_offset(uint32_t index) {
  return offsetof(RingPage, cq) + (index % CQ_ENTRIES) * sizeof(CapCqe);
}

inline CapSqe nop_sqe(uint64_t user_data) {
  CapSqe sqe{};
  sqe.opcode = to_raw(Opcode::Nop);
  sqe.user_data = user_data;
  return sqe;
}

// A dispatcher completing every SQE with result = low bits of user_data, remembering what it saw.
struct EchoDispatcher {
  std::vector<CapSqe> seen;
  CapCqe operator()(const CapSqe& sqe) {
    seen.push_back(sqe);
    CapCqe cqe{};
    cqe.result = static_cast<int32_t>(sqe.user_data & 0xffff);
    return cqe;
  }
};

// Bytes of a trivially copyable value, for comparing snapshots.
template <typename T>
std::vector<uint8_t> bytes_of(const T& value) {
  std::vector<uint8_t> bytes(sizeof(T));
  std::memcpy(bytes.data(), &value, sizeof(T));
  return bytes;
}

}  // namespace ring_test
}  // namespace capos
