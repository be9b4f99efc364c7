// Model-based RapidCheck properties for CapTable: random operation sequences against a
// std::map model of SPEC §3's rules.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <list>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <utility>
#include <vector>

#include "lib/cap/cap_reservation.h"
#include "lib/cap/cap_table.h"
#include "tests/lib/cap/cap_test_util.h"
#include "tools/verify_report/evidence.h"

namespace capos {
namespace cap_test {
namespace {

constexpr size_t object_count = 8;
constexpr std::array<uint64_t, 3> interfaces = {0x1111, 0x2222, 0x3333};

// What the spec lets an observer predict, without knowing how slots are chosen.
struct Model {
  size_t capacity = 0;
  std::map<CapId, Entry> live;
  std::set<CapId> issued;            // every id ever returned by insert or commit
  std::set<CapId> removed;           // stale forever
  std::map<uint32_t, int> removals;  // per slot index; the 255th removal retires the slot
  size_t reserved = 0;

  [[nodiscard]] size_t retired() const {
    size_t count = 0;
    for (const auto& [index, times] : removals) {
      if (times == 255) ++count;
    }
    return count;
  }
  [[nodiscard]] size_t free() const { return capacity - live.size() - reserved - retired(); }

  void publish(CapId id, const Entry& entry) {
    RC_ASSERT(cap_id_generation(id) >= cap_first_generation);
    RC_ASSERT(cap_id_index(id) < capacity);
    RC_ASSERT(issued.count(id) == 0U);  // no id is ever issued twice
    issued.insert(id);
    live.emplace(id, entry);
  }
  void unpublish(CapId id) {
    live.erase(id);
    removed.insert(id);
    ++removals[cap_id_index(id)];
    RC_ASSERT(removals[cap_id_index(id)] <= 255);
  }
};

// A reservation under test and which of its positions have been committed.
struct Held {
  Table::Reservation reservation;
  std::vector<bool> committed;
};

struct Harness {
  explicit Harness(size_t capacity) : storage(capacity), table(make_table(storage)) {
    model.capacity = capacity;
  }

  Entry entry(uint32_t object, uint32_t iface, uint64_t badge) {
    return Entry{&objects.at(object % object_count), interfaces.at(iface % interfaces.size()),
                 badge};
  }

  // An id worth probing: a live one, a stale one, one near the table, or anything at all.
  CapId pick(uint32_t selector, uint32_t raw) const {
    switch (selector % 4) {
      case 0:
        if (!model.live.empty())
          return std::next(model.live.begin(), raw % model.live.size())->first;
        break;
      case 1:
        if (!model.removed.empty()) {
          return *std::next(model.removed.begin(), raw % model.removed.size());
        }
        break;
      case 2:
        return make_cap_id(static_cast<uint32_t>(raw % (model.capacity + 2)),
                           static_cast<uint8_t>(raw >> 24));
      default: break;
    }
    return raw;
  }

  void insert(const Entry& e, bool null_object) {
    const Entry inserted = null_object ? Entry{nullptr, e.interface_id, e.badge} : e;
    const Result<CapId> id = table.insert(inserted);
    if (null_object) {
      RC_ASSERT(error_of(id) == Error::InvalidArgument);
    } else if (model.free() == 0) {
      RC_ASSERT(error_of(id) == Error::Exhausted);
    } else {
      RC_ASSERT(id.has_value());
      model.publish(*id, inserted);
    }
  }

  void remove(CapId id, bool take) {
    const auto found = model.live.find(id);
    if (take) {
      if (found == model.live.end()) return;  // take() is only for resolved ids
      RC_ASSERT(table.take(id) == found->second);
    } else {
      const Result<Entry> removed = table.remove(id);
      if (found == model.live.end()) {
        RC_ASSERT(error_of(removed) == Error::BadCap);
        return;
      }
      RC_ASSERT(removed.has_value());
      RC_ASSERT(*removed == found->second);
    }
    model.unpublish(id);
  }

  void lookup(CapId id, uint64_t iface) const {
    const auto found = model.live.find(id);
    const Result<Entry> plain = table.lookup(id);
    const Result<Entry> call = table.lookup_for_call(id, iface);
    if (found == model.live.end()) {
      RC_ASSERT(error_of(plain) == Error::BadCap);
      RC_ASSERT(error_of(call) == Error::BadCap);
      return;
    }
    RC_ASSERT(plain.has_value());
    RC_ASSERT(*plain == found->second);
    if (found->second.interface_id == iface) {
      RC_ASSERT(call.has_value());
      RC_ASSERT(*call == found->second);
    } else {
      RC_ASSERT(error_of(call) == Error::BadInterface);
    }
  }

  void reserve(size_t count) {
    Result<Table::Reservation> r = table.reserve(count);
    if (count > max_transfer_caps) {
      RC_ASSERT(error_of(r) == Error::TooBig);
    } else if (count > model.free()) {
      RC_ASSERT(error_of(r) == Error::Exhausted);
    } else {
      RC_ASSERT(r.has_value());
      RC_ASSERT(r->size() == count);
      held.push_back(Held{std::move(r).take(), std::vector<bool>(count, false)});
      model.reserved += count;
    }
  }

  void commit(uint32_t which, uint32_t position, const Entry& e) {
    if (held.empty()) return;
    Held& h = *std::next(held.begin(), which % held.size());
    for (size_t i = 0; i < h.committed.size(); ++i) {
      const size_t p = (position + i) % h.committed.size();
      if (h.committed[p]) continue;
      h.committed[p] = true;
      --model.reserved;
      model.publish(h.reservation.commit(p, e), e);
      return;
    }
  }

  void rollback(uint32_t which, bool drop) {
    if (held.empty()) return;
    const auto position = std::next(held.begin(), which % held.size());
    Held& h = *position;
    RC_ASSERT(h.reservation.pending_count() ==
              static_cast<size_t>(std::count(h.committed.begin(), h.committed.end(), false)));
    model.reserved -= h.reservation.pending_count();
    if (drop) {
      held.erase(position);  // destructor rolls back
    } else {
      h.reservation.rollback();
      h.committed.clear();
    }
  }

  // A MOVE of one live cap within the table, with the recipe from cap_table.h.
  void move_within(CapId id) {
    const auto found = model.live.find(id);
    if (found == model.live.end() || model.free() == 0) return;
    const Result<Entry> e = table.lookup(id);
    RC_ASSERT(e.has_value());
    Result<Table::Reservation> r = table.reserve(1);
    RC_ASSERT(r.has_value());
    const CapId moved = r->commit(0, *e);
    RC_ASSERT(table.take(id) == found->second);
    const Entry entry = found->second;
    model.unpublish(id);
    model.publish(moved, entry);
  }

  void churn(uint32_t rounds, const Entry& e) {
    for (uint32_t i = 0; i < rounds && model.free() > 0; ++i) {
      const Result<CapId> id = table.insert(e);
      RC_ASSERT(id.has_value());
      model.publish(*id, e);
      remove(*id, false);
    }
  }

  // Everything observable agrees with the model.
  void check() const {
    RC_ASSERT(table.invariants_hold());
    RC_ASSERT(table.capacity() == model.capacity);
    RC_ASSERT(table.live_count() == model.live.size());
    RC_ASSERT(table.reserved_count() == model.reserved);
    RC_ASSERT(table.retired_count() == model.retired());
    RC_ASSERT(table.free_count() == model.free());
    for (CapId id : model.issued) {
      const auto found = model.live.find(id);
      const std::optional<Entry> now = resolved(table, id);
      if (found == model.live.end()) {
        RC_ASSERT(!now.has_value());  // removed ids stay stale forever
      } else {
        RC_ASSERT(now == found->second);  // resolves to its insertion-time entry
      }
    }
    std::map<CapId, Entry> listed;
    for (auto cap : table.live()) listed.emplace(cap.id, cap.entry);
    RC_ASSERT(listed == model.live);
  }

  std::array<Obj, object_count> objects{};
  std::vector<Slot> storage;
  Table table;
  std::list<Held> held;  // declared after `table`: destroyed (rolled back) before it
  Model model;
};

using Op = std::tuple<uint8_t, uint32_t, uint32_t, uint64_t>;

RC_GTEST_PROP(CapTableProperty, RandomOperationsMatchTheModel, ()) {
  capos::verify_report::evidence(1, "stale-ids", capos::verify_report::EvidenceKind::Tested);
  capos::verify_report::evidence(1, "live-ids", capos::verify_report::EvidenceKind::Tested);
  const auto capacity = *rc::gen::inRange<size_t>(1, 9);
  const auto ops = *rc::gen::arbitrary<std::vector<Op>>();
  Harness h(capacity);
  for (const auto& [kind, a, b, c] : ops) {
    const Entry e = h.entry(a, b, c);
    switch (kind % 10) {
      case 0: h.insert(e, c % 16 == 0); break;
      case 1: h.remove(h.pick(a, b), false); break;
      case 2: h.remove(h.pick(0, b), true); break;
      case 3: h.lookup(h.pick(a, b), interfaces.at(c % interfaces.size())); break;
      case 4: h.reserve(b % 6); break;
      case 5: h.commit(a, b, e); break;
      case 6: h.rollback(a, false); break;
      case 7: h.rollback(a, true); break;
      case 8: h.move_within(h.pick(0, b)); break;
      default: h.churn(b % 300, e); break;
    }
    h.check();
  }
  RC_TAG(h.model.retired() > 0 ? "some slot retired" : "no retirement");
  h.held.clear();  // every pending slot rolls back
  h.model.reserved = 0;
  h.check();
}

// A reserve-then-rollback, with nothing in between, is invisible: a table that also did it
// issues exactly the same ids and errors as one that did not.
RC_GTEST_PROP(CapTableProperty, RollbackIsUnobservable, ()) {
  capos::verify_report::evidence(1, "rollback", capos::verify_report::EvidenceKind::Tested);
  const auto capacity = *rc::gen::inRange<size_t>(1, 9);
  const auto ops = *rc::gen::arbitrary<std::vector<std::tuple<uint8_t, uint32_t>>>();
  std::vector<Slot> plain_storage(capacity);
  std::vector<Slot> probed_storage(capacity);
  Table plain = make_table(plain_storage);
  Table probed = make_table(probed_storage);
  Obj object;
  std::vector<CapId> live;
  for (const auto& [kind, value] : ops) {
    if (kind % 3 == 0) {  // reserve up to what is free, then roll back
      const size_t count = value % (std::min(probed.free_count(), max_transfer_caps) + 1);
      Result<Table::Reservation> r = probed.reserve(count);
      RC_ASSERT(r.has_value());
      r->rollback();
    } else if (kind % 3 == 1 || live.empty()) {
      const Result<CapId> a = plain.insert({&object, 1, value});
      const Result<CapId> b = probed.insert({&object, 1, value});
      RC_ASSERT(error_of(a) == error_of(b));
      if (a.has_value()) {
        RC_ASSERT(*a == *b);
        live.push_back(*a);
      }
    } else {
      const size_t index = value % live.size();
      RC_ASSERT(plain.remove(live[index]).has_value());
      RC_ASSERT(probed.remove(live[index]).has_value());
      live.erase(live.begin() + static_cast<std::ptrdiff_t>(index));
    }
    RC_ASSERT(probed.invariants_hold());
    RC_ASSERT(plain.free_count() == probed.free_count());
    RC_ASSERT(plain.retired_count() == probed.retired_count());
    RC_ASSERT(probed.reserved_count() == 0U);
  }
}

}  // namespace
}  // namespace cap_test
}  // namespace capos
