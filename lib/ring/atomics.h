// lib/ring/atomics.h — how the ring protocol touches shared memory (SPEC §9 Tier 3).
//
// The SPSC protocol (spsc.h) is written once and templated on a RingAtomics policy. EVERY
// access either side makes to the shared ring page goes through the policy: index words by
// load/store with an explicit memory order, SQ/CQ slots by whole-entry read/write. The kernel
// and runtime use HardwareAtomics; the model checker (verify/) supplies a policy that records
// each access and explores the reorderings the C++ memory model allows; host tests supply one
// that checks which bytes each side touches.
//
// Ordering contract the protocol relies on (and a policy must honour):
//   * slot reads/writes carry no ordering of their own; they are ordered by the index
//     load-acquire / store-release pairs around them;
//   * load(order) / store(order) have the semantics of std::atomic_ref<uint32_t> with `order`.
#pragma once

#include <atomic>
#include <concepts>
#include <cstdint>
#include <type_traits>

#include "lib/ring/abi.h"

namespace capos {

template <typename A>
concept RingAtomics =
    requires(A& atomics, uint32_t& word, uint32_t value, std::memory_order order, CapSqe& sqe_slot,
             const CapSqe& sqe, CapCqe& cqe_slot, const CapCqe& cqe) {
      { atomics.load(word, order) } -> std::same_as<uint32_t>;
      { atomics.store(word, value, order) } -> std::same_as<void>;
      { atomics.read_sqe(sqe_slot) } -> std::same_as<CapSqe>;
      { atomics.write_sqe(sqe_slot, sqe) } -> std::same_as<void>;
      { atomics.read_cqe(cqe_slot) } -> std::same_as<CapCqe>;
      { atomics.write_cqe(cqe_slot, cqe) } -> std::same_as<void>;
    };

// Applies `visit(shared_field, local_field)` to every field of an SQE / CQE pair, in offset
// order. Each field is visited with its own type, so a policy can access shared memory field
// by field without type punning. Adding a field to the layout without adding it here is caught
// by the ring tests' byte-for-byte round trip.
template <typename Visit>
constexpr void for_each_field(CapSqe& shared, CapSqe& local, Visit visit) {
  visit(shared.opcode, local.opcode);
  visit(shared.flags, local.flags);
  visit(shared.method_id, local.method_id);
  visit(shared.cap_id, local.cap_id);
  visit(shared.user_data, local.user_data);
  visit(shared.params_addr, local.params_addr);
  visit(shared.params_len, local.params_len);
  visit(shared.result_len, local.result_len);
  visit(shared.result_addr, local.result_addr);
  visit(shared.xfer_addr, local.xfer_addr);
  visit(shared.xfer_count, local.xfer_count);
  visit(shared.call_id, local.call_id);
  visit(shared.pipeline_dep, local.pipeline_dep);
  visit(shared.pipeline_field, local.pipeline_field);
}

template <typename Visit>
constexpr void for_each_field(CapCqe& shared, CapCqe& local, Visit visit) {
  visit(shared.user_data, local.user_data);
  visit(shared.result, local.result);
  visit(shared.flags, local.flags);
  visit(shared.call_id, local.call_id);
  visit(shared.cap_count, local.cap_count);
  visit(shared.reserved, local.reserved);
}

// The real policy: std::atomic_ref over the shared page (freestanding, lock-free for every
// field width on x86_64, so no libatomic call is ever emitted). Slots are copied field by field
// with relaxed atomics: on x86_64 these are the same plain moves a memcpy would emit, but a
// peer that rewrites a slot concurrently (a hostile user thread, later SMP) can only produce a
// torn *snapshot* — never a C++ data race — and the kernel decodes only that snapshot.
class HardwareAtomics {
 public:
  [[nodiscard]] uint32_t load(uint32_t& word, std::memory_order order) {
    return std::atomic_ref<uint32_t>(word).load(order);
  }
  void store(uint32_t& word, uint32_t value, std::memory_order order) {
    std::atomic_ref<uint32_t>(word).store(value, order);
  }
  [[nodiscard]] CapSqe read_sqe(CapSqe& slot) { return read_entry(slot); }
  void write_sqe(CapSqe& slot, const CapSqe& value) { write_entry(slot, value); }
  [[nodiscard]] CapCqe read_cqe(CapCqe& slot) { return read_entry(slot); }
  void write_cqe(CapCqe& slot, const CapCqe& value) { write_entry(slot, value); }

 private:
  template <typename Entry>
  static Entry read_entry(Entry& slot) {
    Entry local{};
    for_each_field(slot, local, [](auto& shared, auto& field) {
      using Field = std::remove_reference_t<decltype(field)>;
      // SAFETY: atomic_ref needs `shared` aligned to required_alignment; every ABI field is
      // naturally aligned (offset static_asserts in abi.h) and slots sit at aligned offsets.
      static_assert(std::atomic_ref<Field>::is_always_lock_free);
      static_assert(std::atomic_ref<Field>::required_alignment == alignof(Field));
      field = std::atomic_ref<Field>(shared).load(std::memory_order_relaxed);
    });
    return local;
  }
  template <typename Entry>
  static void write_entry(Entry& slot, const Entry& value) {
    Entry local = value;
    for_each_field(slot, local, [](auto& shared, auto& field) {
      using Field = std::remove_reference_t<decltype(field)>;
      std::atomic_ref<Field>(shared).store(field, std::memory_order_relaxed);
    });
  }
};
static_assert(RingAtomics<HardwareAtomics>);
static_assert(std::atomic_ref<uint32_t>::is_always_lock_free);

}  // namespace capos
