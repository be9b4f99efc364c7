// verify/checker/ring_atomics.h — the RingAtomics policy (lib/ring/atomics.h) the model
// checker runs the shipped ring code with.
//
// Index words are atomic locations: load/store with the order the protocol code passes. SQ/CQ
// slots are payload: each field is a location of its own (so a read may be torn across fields),
// a whole-entry copy is one scheduling step, and a conflicting slot access not ordered by the
// index release/acquire pairs is a data race (a violation), unless the model marked the slots
// racy (a hostile writer). One step per entry loses no behaviour: no synchronisation happens
// inside a copy, and each field may still read any store the memory model allows.
//
// Each side (kernel, user) gets its own policy; with enforce_footprint() every access outside
// the side's SPEC §4 footprint — a word it must not touch, a slot outside its queue or not on
// a slot boundary — is a violation, checked on the address before anything is read.
#pragma once

#include <array>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "lib/ring/abi.h"
#include "lib/ring/atomics.h"
#include "lib/ring/layout.h"
#include "verify/checker/execution.h"

namespace capos::verify {

enum class RingSide : uint8_t { Kernel, User };

// The words of a ring page, in a fixed order (index into ModelRingAtomics::word_loads).
enum class RingWord : uint8_t {
  SqHead,
  SqTail,
  CqHead,
  CqTail,
  SqEntries,
  CqEntries,
  Flags,
  CorruptCount,
  CqFullCount,
  Count,
};

template <RingLayout Page>
class ModelRingAtomics {
 public:
  static constexpr uint32_t SQ = sq_entries_of<Page>;
  static constexpr uint32_t CQ = cq_entries_of<Page>;

  ModelRingAtomics(Execution& execution, Page& page, RingSide side)
      : m_execution(&execution), m_page(&page), m_side(side) {
    name_locations(execution.memory(), page);
  }

  // From now on, accesses outside this side's footprint are violations.
  void enforce_footprint() { m_enforce = true; }

  uint32_t load(uint32_t& word, std::memory_order order) {
    const RingWord which = word_of(word);
    if (m_enforce && !may_load(which)) violation("loads", which);
    const auto value =
        static_cast<uint32_t>(m_execution->load(&word, sizeof word, order, Access::Atomic));
    const auto index = static_cast<size_t>(which);
    ++word_loads[index];
    last_loaded[index] = value;
    return value;
  }

  void store(uint32_t& word, uint32_t value, std::memory_order order) {
    const RingWord which = word_of(word);
    if (m_enforce && !may_store(which)) violation("stores to", which);
    if (m_private_diagnostics && (which == RingWord::Flags || which == RingWord::CorruptCount ||
                                  which == RingWord::CqFullCount)) {
      m_execution->store_private(&word, sizeof word, value, order);
      return;
    }
    m_execution->store(&word, sizeof word, value, order, Access::Atomic);
  }

  // Kernel side, for models whose user thread never reads the kernel's diagnostic words
  // (flags, corrupt_count, cq_full_count — UserRing does not): their stores become private
  // (no scheduling point), which the checker verifies (Execution::store_private).
  void private_diagnostics() { m_private_diagnostics = true; }

  CapSqe read_sqe(CapSqe& slot) {
    const uint32_t index = slot_index(slot, m_page->sq, SQ, "reads SQ", m_side == RingSide::Kernel);
    m_execution->schedule_point();
    CapSqe value{};
    for_each_field(slot, value, [&](auto& shared, auto& field) { field = read_field(shared); });
    sq_slots_read.push_back(index);
    sqes_read.push_back(value);
    if (m_execution->tracing()) {
      m_execution->note("read_sqe sq[" + std::to_string(index) +
                        "] user_data=" + std::to_string(value.user_data));
    }
    return value;
  }

  void write_sqe(CapSqe& slot, const CapSqe& value) {
    const uint32_t index = slot_index(slot, m_page->sq, SQ, "writes SQ", m_side == RingSide::User);
    m_execution->schedule_point();
    CapSqe local = value;
    for_each_field(slot, local, [&](auto& shared, auto& field) { write_field(shared, field); });
    if (m_execution->tracing()) {
      m_execution->note("write_sqe sq[" + std::to_string(index) +
                        "] user_data=" + std::to_string(value.user_data));
    }
  }

  CapCqe read_cqe(CapCqe& slot) {
    const uint32_t index = slot_index(slot, m_page->cq, CQ, "reads CQ", m_side == RingSide::User);
    m_execution->schedule_point();
    CapCqe value{};
    for_each_field(slot, value, [&](auto& shared, auto& field) { field = read_field(shared); });
    if (m_execution->tracing()) {
      m_execution->note("read_cqe cq[" + std::to_string(index) +
                        "] user_data=" + std::to_string(value.user_data));
    }
    return value;
  }

  void write_cqe(CapCqe& slot, const CapCqe& value) {
    const uint32_t index =
        slot_index(slot, m_page->cq, CQ, "writes CQ", m_side == RingSide::Kernel);
    m_execution->schedule_point();
    CapCqe local = value;
    for_each_field(slot, local, [&](auto& shared, auto& field) { write_field(shared, field); });
    cq_slots_written.push_back(index);
    cqes_written.push_back(value);
    if (m_execution->tracing()) {
      m_execution->note("write_cqe cq[" + std::to_string(index) +
                        "] user_data=" + std::to_string(value.user_data));
    }
  }

  // Names every location of `page` in traces (once per memory model).
  static void name_locations(MemoryModel& memory, Page& page) {
    if (memory.name_of(&page.sq_head) != "?") return;
    memory.name(&page.sq_head, "sq_head");
    memory.name(&page.sq_tail, "sq_tail");
    memory.name(&page.cq_head, "cq_head");
    memory.name(&page.cq_tail, "cq_tail");
    memory.name(&page.sq_entries, "sq_entries");
    memory.name(&page.cq_entries, "cq_entries");
    memory.name(&page.flags, "flags");
    memory.name(&page.corrupt_count, "corrupt_count");
    memory.name(&page.cq_full_count, "cq_full_count");
    static constexpr std::array<const char*, 14> sqe_fields = {
        "opcode",      "flags",      "method_id",    "cap_id",        "user_data",
        "params_addr", "params_len", "result_len",   "result_addr",   "xfer_addr",
        "xfer_count",  "call_id",    "pipeline_dep", "pipeline_field"};
    static constexpr std::array<const char*, 6> cqe_fields = {"user_data", "result",    "flags",
                                                              "call_id",   "cap_count", "reserved"};
    for (uint32_t i = 0; i < SQ; ++i) {
      CapSqe unused{};
      size_t field = 0;
      for_each_field(page.sq[i], unused, [&](auto& shared, auto& /*local*/) {
        memory.name(&shared, "sq[" + std::to_string(i) + "]." + sqe_fields.at(field++));
      });
    }
    for (uint32_t i = 0; i < CQ; ++i) {
      CapCqe unused{};
      size_t field = 0;
      for_each_field(page.cq[i], unused, [&](auto& shared, auto& /*local*/) {
        memory.name(&shared, "cq[" + std::to_string(i) + "]." + cqe_fields.at(field++));
      });
    }
  }

  // Observations of this side, for the models' properties (reset with the policy).
  std::array<uint32_t, static_cast<size_t>(RingWord::Count)> word_loads{};
  std::array<uint32_t, static_cast<size_t>(RingWord::Count)> last_loaded{};
  std::vector<uint32_t> sq_slots_read;
  std::vector<CapSqe> sqes_read;
  std::vector<uint32_t> cq_slots_written;
  std::vector<CapCqe> cqes_written;

  [[nodiscard]] uint32_t loads_of(RingWord word) const {
    return word_loads[static_cast<size_t>(word)];
  }
  [[nodiscard]] uint32_t last_load_of(RingWord word) const {
    return last_loaded[static_cast<size_t>(word)];
  }

 private:
  template <typename Field>
  Field read_field(Field& shared) {
    using Bits = std::make_unsigned_t<Field>;
    const uint64_t raw = m_execution->load_in_step(&shared, sizeof(Field),
                                                   std::memory_order_relaxed, Access::Payload);
    return std::bit_cast<Field>(static_cast<Bits>(raw));
  }
  template <typename Field>
  void write_field(Field& shared, Field value) {
    using Bits = std::make_unsigned_t<Field>;
    m_execution->store_in_step(&shared, sizeof(Field), std::bit_cast<Bits>(value),
                               std::memory_order_relaxed, Access::Payload);
  }

  RingWord word_of(const uint32_t& word) const {
    const auto at = [&](const uint32_t& candidate) { return &word == &candidate; };
    if (at(m_page->sq_head)) return RingWord::SqHead;
    if (at(m_page->sq_tail)) return RingWord::SqTail;
    if (at(m_page->cq_head)) return RingWord::CqHead;
    if (at(m_page->cq_tail)) return RingWord::CqTail;
    if (at(m_page->sq_entries)) return RingWord::SqEntries;
    if (at(m_page->cq_entries)) return RingWord::CqEntries;
    if (at(m_page->flags)) return RingWord::Flags;
    if (at(m_page->corrupt_count)) return RingWord::CorruptCount;
    if (at(m_page->cq_full_count)) return RingWord::CqFullCount;
    m_execution->fail("index access to a word that is not a ring page index word");
  }

  [[nodiscard]] bool may_load(RingWord word) const {
    if (m_side == RingSide::Kernel) return word == RingWord::SqTail || word == RingWord::CqHead;
    return word == RingWord::SqHead || word == RingWord::CqTail;
  }
  [[nodiscard]] bool may_store(RingWord word) const {
    if (m_side == RingSide::User) return word == RingWord::SqTail || word == RingWord::CqHead;
    return word == RingWord::SqHead || word == RingWord::CqTail || word == RingWord::Flags ||
           word == RingWord::CorruptCount || word == RingWord::CqFullCount;
  }

  [[noreturn]] void violation(const char* what, RingWord word) {
    static constexpr std::array<const char*, static_cast<size_t>(RingWord::Count)> names = {
        "sq_head",    "sq_tail", "cq_head",       "cq_tail",      "sq_entries",
        "cq_entries", "flags",   "corrupt_count", "cq_full_count"};
    m_execution->fail(side_name() + what + " " + names.at(static_cast<size_t>(word)) +
                      " (outside its SPEC §4 footprint)");
  }

  [[nodiscard]] std::string side_name() const {
    return m_side == RingSide::Kernel ? "kernel " : "user ";
  }

  // The slot's index in `queue`, after checking (by address, before any access) that it is one
  // of the queue's `entries` slots and that this side may make the access.
  template <typename Entry>
  uint32_t slot_index(const Entry& slot, const Entry* queue, uint32_t entries, const char* what,
                      bool allowed) {
    const auto address = reinterpret_cast<uintptr_t>(&slot);
    const auto base = reinterpret_cast<uintptr_t>(queue);
    const bool inside = address >= base && address < base + entries * sizeof(Entry) &&
                        (address - base) % sizeof(Entry) == 0;
    if (!inside) {
      m_execution->fail(side_name() + what + " outside the queue (byte offset " +
                        std::to_string(static_cast<int64_t>(address - base)) + " from slot 0 of " +
                        std::to_string(entries) + ")");
    }
    if (m_enforce && !allowed) {
      m_execution->fail(side_name() + what + " (outside its SPEC §4 footprint)");
    }
    return static_cast<uint32_t>((address - base) / sizeof(Entry));
  }

  Execution* m_execution;
  Page* m_page;
  RingSide m_side;
  bool m_enforce = false;
  bool m_private_diagnostics = false;
};

}  // namespace capos::verify
