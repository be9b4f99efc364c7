// verify/bounded/transfer_explore.cpp — `prove.transfer`: the capability-transfer plan over two
// processes (SPEC §3 Transfer; seed targets 8 and 12), driving the real CapTable, CapReservation
// and FrameLedger through the decode/invoke recipe of lib/cap/cap_table.h.
//
// Each process owns a CapTable of 2 slots and a FrameLedger whose CapSlots quota (0..3) caps its
// table (3: the table, not the quota, is what runs out). Operations: insert (quota reserved, then
// the slot), release, set_limit, and every transfer of 1 or 2 descriptors (COPY or MOVE, any live
// or bad id) from either process to either process, the same one included. Checked on every state
// and every transition:
//   - quota: each ledger's committed CapSlots equals its table's live caps, never above the
//     limit, nothing left reserved between operations;
//   - a failed transfer leaves both tables and both ledgers exactly as before (every byte);
//   - a successful one gives the receiver fresh ids resolving to the source entries; COPY
//     sources stay live, MOVE sources are stale from then on.
// Generations are bounded (a transition past generation 2, 3 with --deep, is checked but not
// followed); the
// CapTable explorer covers the generation range. The kernel has no transfer code yet: when it
// lands, this explorer should drive it instead of the recipe below.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "lib/cap/cap_reservation.h"
#include "lib/mem/frame_ledger.h"
#include "tools/verify_report/evidence.h"
#include "verify/bounded/cap_table_state.h"
#include "verify/bounded/report.h"

namespace capos::verify {
namespace {

constexpr size_t slots = 2;
// Quotas up to one above the table's capacity: the ledger and the table must each be able to be
// the one that refuses.
constexpr uint32_t max_limit = slots + 1;
constexpr size_t key_size = 2 * cap_key_size + 4;
using TransferKey = StateKey<key_size>;
constexpr ResourceClass cap_slots = ResourceClass::CapSlots;

enum class TransferFault : uint8_t {
  None,
  MoveKeepsQuota,       // a MOVE does not give the sender's quota back
  QuotaLeaksOnFailure,  // decode commits the receiver's quota before the slot reservation
  MoveKeepsSource,      // a MOVE does not take the source: the cap is duplicated
};

enum class Mode : uint8_t { Copy, Move };
struct Desc {
  CapId id;
  Mode mode;
};

// One process: its table (rebuilt from the key) and its ledger (rebuilt through the API).
class Process {
 public:
  Process(const TransferKey& key, size_t which) : m_table(sub_key(key, which), slots) {
    const uint8_t limit = key[2 * cap_key_size + 2 * which];
    const uint8_t committed = key[2 * cap_key_size + 2 * which + 1];
    Result<void> set = m_ledger.set_limit(cap_slots, limit);
    Result<FrameLedger::Reservation> held = m_ledger.reserve(cap_slots, committed);
    if (!set.has_value() || !held.has_value()) capos_panic("transfer: bad key", __FILE__, __LINE__);
    m_ledger.commit(std::move(held).take());
  }
  Table& table() { return m_table.table(); }
  FrameLedger& ledger() { return m_ledger; }
  void encode(TransferKey& key, size_t which, Checker& check) {
    const CapKey table = m_table.encode(check);
    for (size_t b = 0; b < cap_key_size; ++b) key[which * cap_key_size + b] = table[b];
    key[2 * cap_key_size + 2 * which] = static_cast<uint8_t>(m_ledger.limit(cap_slots));
    key[2 * cap_key_size + 2 * which + 1] = static_cast<uint8_t>(m_ledger.committed(cap_slots));
  }

 private:
  static CapKey sub_key(const TransferKey& key, size_t which) {
    CapKey part{};
    for (size_t b = 0; b < cap_key_size; ++b) part[b] = key[which * cap_key_size + b];
    return part;
  }
  TableWorld m_table;
  FrameLedger m_ledger;
};

// The documented transfer recipe (cap_table.h), decode then invoke, with the fault hooks.
Result<std::vector<CapId>> transfer(Process& from, Process& to, const std::vector<Desc>& descs,
                                    TransferFault fault) {
  // decode: resolve every source, reject a repeated MOVE source, reserve quota then slots.
  std::vector<Table::Entry> entries;
  for (size_t i = 0; i < descs.size(); ++i) {
    for (size_t k = 0; k < i; ++k) {
      if (descs[k].id == descs[i].id && descs[k].mode == Mode::Move &&
          descs[i].mode == Mode::Move) {
        return Error::InvalidArgument;
      }
    }
    entries.push_back(TRY(from.table().lookup(descs[i].id)));
  }
  FrameLedger::Reservation quota = TRY(to.ledger().reserve(cap_slots, descs.size()));
  if (fault == TransferFault::QuotaLeaksOnFailure) to.ledger().commit(std::move(quota));
  Table::Reservation held = TRY(to.table().reserve(descs.size()));
  // invoke: infallible.
  std::vector<CapId> ids;
  for (size_t i = 0; i < descs.size(); ++i) {
    ids.push_back(held.commit(i, entries[i]));
    if (descs[i].mode != Mode::Move || fault == TransferFault::MoveKeepsSource) continue;
    (void)from.table().take(descs[i].id);
    if (fault == TransferFault::MoveKeepsQuota) continue;
    if (!from.ledger().release(cap_slots, 1).has_value())
      capos_panic("release", __FILE__, __LINE__);
  }
  if (fault != TransferFault::QuotaLeaksOnFailure) to.ledger().commit(std::move(quota));
  return ids;
}

// An operation packed into 32 bits: kind, process(es), argument, up to two descriptors.
enum class OpKind : uint32_t { Insert, SetLimit, Release, Transfer };
struct Op {
  OpKind kind;
  uint32_t from = 0;  // the process (or the sender)
  uint32_t to = 0;
  uint32_t argument = 0;  // object code, limit or released id
  std::vector<Desc> descs;
};

uint32_t desc_byte(const Desc& d) {
  return cap_id_index(d.id) | uint32_t{cap_id_generation(d.id)} << 1;
}

uint32_t pack(const Op& op) {
  uint32_t code = static_cast<uint32_t>(op.kind) | op.from << 2 | op.to << 3 | op.argument << 4;
  for (size_t i = 0; i < op.descs.size() && i < 2; ++i) {  // at most two descriptors
    code |= desc_byte(op.descs[i]) << (8 + 8 * i);
    if (op.descs[i].mode == Mode::Move) code |= uint32_t{1} << (24 + i);
  }
  return code | static_cast<uint32_t>(op.descs.size()) << 26;
}

Op unpack(uint32_t code) {
  Op op{static_cast<OpKind>(code & 3), (code >> 2) & 1, (code >> 3) & 1, (code >> 4) & 0xf, {}};
  for (uint32_t i = 0; i < (code >> 26) && i < 2; ++i) {
    const uint32_t byte = (code >> (8 + 8 * i)) & 0xff;
    op.descs.push_back({make_cap_id(byte & 1, static_cast<uint8_t>(byte >> 1)),
                        ((code >> (24 + i)) & 1) != 0 ? Mode::Move : Mode::Copy});
  }
  return op;
}

std::string id_text(CapId id) {
  return std::to_string(cap_id_index(id)) + ":" + std::to_string(cap_id_generation(id));
}

class TransferModel {
 public:
  static constexpr size_t key_size = verify::key_size;
  TransferModel(TransferFault fault, uint8_t max_generation)
      : m_fault(fault), m_max_generation(max_generation) {}

  std::vector<TransferKey> initial_states() const {
    TransferKey key{};
    for (size_t which = 0; which < 2; ++which) {
      key[which * cap_key_size + 1] = key[which * cap_key_size + 2] = no_byte;  // empty free list
      key[which * cap_key_size + key_reservation] = no_byte;
      key[2 * cap_key_size + 2 * which] = 2;  // CapSlots limit
    }
    return {key};
  }

  [[nodiscard]] std::string describe(uint32_t operation) const {
    const Op op = unpack(operation);
    const std::string process = "P" + std::to_string(op.from);
    switch (op.kind) {
      case OpKind::Insert: return process + ".insert(" + (op.argument == 1 ? "A" : "B") + ")";
      case OpKind::SetLimit: return process + ".set_limit(" + std::to_string(op.argument) + ")";
      case OpKind::Release: return process + ".release(slot " + std::to_string(op.argument) + ")";
      case OpKind::Transfer: break;
    }
    std::string text =
        "transfer P" + std::to_string(op.from) + "->P" + std::to_string(op.to) + " [";
    for (const Desc& d : op.descs)
      text += id_text(d.id) + (d.mode == Mode::Move ? " MOVE, " : " COPY, ");
    return text + "]";
  }

  void expand(const TransferKey& state, Successors<key_size>& next, Checker& check) const {
    check_state(state, check);
    if (check.failed()) return;
    for (uint32_t p = 0; p < 2; ++p) {
      for (uint32_t object = 1; object <= 2; ++object) {
        step(state, next, check, pack({OpKind::Insert, p, p, object, {}}),
             [&](Process* procs) { return insert(procs[p], static_cast<uint8_t>(object)); });
      }
      for (uint32_t limit = 0; limit <= max_limit; ++limit) {
        step(state, next, check, pack({OpKind::SetLimit, p, p, limit, {}}), [&](Process* procs) {
          return procs[p].ledger().set_limit(cap_slots, limit).has_value();
        });
      }
      for (CapId id : live_ids(state, p)) {
        step(state, next, check, pack({OpKind::Release, p, p, cap_id_index(id), {}}),
             [&](Process* procs) {
               if (!procs[p].table().remove(id).has_value()) return false;
               return procs[p].ledger().release(cap_slots, 1).has_value();
             });
      }
    }
    for (uint32_t from = 0; from < 2; ++from) {
      std::vector<CapId> sources = live_ids(state, from);
      sources.push_back(make_cap_id(0, 0));  // a bad id: the transfer must fail cleanly
      for (uint32_t to = 0; to < 2; ++to) {
        for (const std::vector<Desc>& descs : transfers(sources))
          try_transfer(state, next, check, from, to, descs);
      }
    }
  }

 private:
  static bool insert(Process& process, uint8_t object) {
    Result<FrameLedger::Reservation> quota = process.ledger().reserve(cap_slots, 1);
    if (!quota.has_value()) return false;
    FrameLedger::Reservation token = std::move(quota).take();
    if (!process.table().insert(entry_for(object)).has_value()) return false;  // token rolls back
    process.ledger().commit(std::move(token));
    return true;
  }

  static std::vector<CapId> live_ids(const TransferKey& key, size_t which) {
    CapKey part{};
    for (size_t b = 0; b < cap_key_size; ++b) part[b] = key[which * cap_key_size + b];
    std::vector<CapId> ids;
    for (uint32_t index = 0; index < slots; ++index) {
      const SlotView view = slot_view(part, index);
      if (view.touched && view.state == CapSlotState::Live)
        ids.push_back(make_cap_id(index, view.generation));
    }
    return ids;
  }

  static std::vector<std::vector<Desc>> transfers(const std::vector<CapId>& sources) {
    std::vector<std::vector<Desc>> all;
    for (CapId a : sources) {
      for (Mode ma : {Mode::Copy, Mode::Move}) {
        all.push_back({{a, ma}});
        for (CapId b : sources) {
          for (Mode mb : {Mode::Copy, Mode::Move}) all.push_back({{a, ma}, {b, mb}});
        }
      }
    }
    return all;
  }

  // Runs `operation` on both processes rebuilt from `state`; a successor if it succeeded, and
  // the unchanged state (exactly) if it failed.
  template <typename Operation>
  void step(const TransferKey& state, Successors<key_size>& next, Checker& check,
            uint32_t operation, const Operation& run) const {
    Process procs[2] = {Process(state, 0), Process(state, 1)};
    const bool changed = run(procs);
    emit(state, procs, changed, next, check, operation);
  }

  [[gnu::noinline, gnu::cold]] void fail(Checker& check, uint32_t operation,
                                         const char* what) const {
    check.fail(describe(operation) + ": " + what);
  }

  void emit(const TransferKey& state, Process* procs, bool changed, Successors<key_size>& next,
            Checker& check, uint32_t operation) const {
    TransferKey after{};
    procs[0].encode(after, 0, check);
    procs[1].encode(after, 1, check);
    if (!changed) {
      if (after != state) fail(check, operation, "a failed operation changed a table or a ledger");
      return;
    }
    for (size_t which = 0; which < 2; ++which) {
      for (size_t index = 0; index < slots; ++index) {
        CapKey part{};
        for (size_t b = 0; b < cap_key_size; ++b) part[b] = after[which * cap_key_size + b];
        if (slot_view(part, index).generation > m_max_generation) return;  // checked, not followed
      }
    }
    next.emit(operation, after);
  }

  void try_transfer(const TransferKey& state, Successors<key_size>& next, Checker& check,
                    uint32_t from, uint32_t to, const std::vector<Desc>& descs) const {
    const uint32_t operation = pack({OpKind::Transfer, from, to, 0, descs});
    Process procs[2] = {Process(state, 0), Process(state, 1)};
    Process& sender = procs[from];
    std::vector<Table::Entry> sources;
    for (const Desc& d : descs) sources.push_back(sender.table().lookup(d.id).value_or({}));
    const size_t sender_live = sender.table().live_count();
    const size_t receiver_live = procs[to].table().live_count();
    Result<std::vector<CapId>> ids = transfer(sender, procs[to], descs, m_fault);
    if (!ids.has_value()) return emit(state, procs, false, next, check, operation);
    size_t moved = 0;
    for (size_t i = 0; i < descs.size(); ++i) {
      const Result<Table::Entry> got = procs[to].table().lookup((*ids)[i]);
      if (!got.has_value() || *got != sources[i])
        fail(check, operation, "a new id does not resolve to its source");
      bool moved_away = false;  // some descriptor MOVEs this source
      for (const Desc& d : descs)
        moved_away = moved_away || (d.id == descs[i].id && d.mode == Mode::Move);
      if (descs[i].mode == Mode::Move) ++moved;
      if (sender.table().lookup(descs[i].id).has_value() == moved_away) {
        fail(check, operation, "a MOVE source is still live, or a COPY source is gone");
      }
    }
    const size_t expected_sender =
        from == to ? sender_live + descs.size() - moved : sender_live - moved;
    const size_t expected_receiver = from == to ? expected_sender : receiver_live + descs.size();
    if (sender.table().live_count() != expected_sender ||
        procs[to].table().live_count() != expected_receiver) {
      fail(check, operation, "the live counts are wrong after the transfer");
    }
    emit(state, procs, true, next, check, operation);
  }

  void check_state(const TransferKey& state, Checker& check) const {
    Process procs[2] = {Process(state, 0), Process(state, 1)};
    for (size_t p = 0; p < 2; ++p) {
      FrameLedger& ledger = procs[p].ledger();
      if (ledger.committed(cap_slots) != procs[p].table().live_count() ||
          ledger.committed(cap_slots) > ledger.limit(cap_slots) ||
          ledger.reserved(cap_slots) != 0 || procs[p].table().reserved_count() != 0 ||
          !ledger.invariants_hold() || !procs[p].table().invariants_hold()) {
        check.fail("P" + std::to_string(p) +
                   ": committed CapSlots differ from the live caps, or exceed the quota");
      }
    }
  }

  TransferFault m_fault;
  uint8_t m_max_generation;
};

int prove(bool deep) {
  verify_report::evidence(12, "ledger", verify_report::EvidenceKind::Proved);
  Report report;
  const uint8_t max_generation = deep ? 3 : 2;
  TransferModel model(TransferFault::None, max_generation);
  report.exploration(
      "transfer: quota = live caps, failed transfers change nothing, MOVE exactly once",
      "2 processes x 2 slots, CapSlots quota 0..3, 1-2 descriptors, generations 1.." +
          std::to_string(max_generation) + ", any sequence length",
      explore(model, 50'000'000));
  return report.exit_status();
}

int self_test() {
  Report report(true);
  const std::pair<const char*, TransferFault> variants[] = {
      {"MOVE keeps the sender's quota", TransferFault::MoveKeepsQuota},
      {"quota leaks when the slot reservation fails", TransferFault::QuotaLeaksOnFailure},
      {"MOVE keeps the source (duplicated cap)", TransferFault::MoveKeepsSource},
  };
  for (const auto& [name, fault] : variants) {
    TransferModel model(fault, 2);
    report.broken_variant(std::string("transfer/") + name, explore(model, 50'000'000));
  }
  return report.exit_status();
}

}  // namespace
}  // namespace capos::verify

int main(int argc, char** argv) {
  const capos::verify::Options options = capos::verify::parse_options(argc, argv);
  return options.self_test ? capos::verify::self_test() : capos::verify::prove(options.deep);
}
