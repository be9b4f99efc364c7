// Unit tests for lib/cap: the CapId encoding and every public operation of CapTable, including
// each error path.
#include "lib/cap/cap_table.h"
#include "tools/verify_report/evidence.h"

#include <gtest/gtest.h>
#include <sys/mman.h>

#include <array>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "tests/lib/cap/cap_test_util.h"

namespace capos {
namespace cap_test {
namespace {

constexpr uint64_t console_iface = 0xC0501E;
constexpr uint64_t timer_iface = 0x71AE5;

// A table over its own storage, plus objects to point at.
template <size_t Capacity>
struct Fixture {
  std::array<Slot, Capacity> storage{};
  std::array<Obj, 16> objects{};
  Table table = make_table(storage);

  Entry entry(size_t object, uint64_t iface = console_iface, uint64_t badge = 0) {
    return Entry{&objects.at(object), iface, badge};
  }
  void expect_counts(size_t live, size_t free, size_t reserved, size_t retired) const {
    EXPECT_EQ(table.live_count(), live);
    EXPECT_EQ(table.free_count(), free);
    EXPECT_EQ(table.reserved_count(), reserved);
    EXPECT_EQ(table.retired_count(), retired);
    EXPECT_EQ(table.capacity(), Capacity);
    EXPECT_TRUE(table.invariants_hold());
  }
};

// ---- CapId encoding -------------------------------------------------------------------------

static_assert(make_cap_id(0, 0) == null_cap_id);
static_assert(make_cap_id(0, 1) == 0x0100'0000U);
static_assert(make_cap_id(cap_index_mask, 255) == 0xFFFF'FFFFU);
static_assert(cap_id_index(0xAB12'3456U) == 0x12'3456U);
static_assert(cap_id_generation(0xAB12'3456U) == 0xAB);
static_assert(cap_table_max_capacity == 16'777'216);

TEST(CapId, RoundTripsIndexAndGeneration) {
  for (uint32_t index : {0U, 1U, 0x12'3456U, cap_index_mask}) {
    for (unsigned generation : {0U, 1U, 128U, 255U}) {
      const CapId id = make_cap_id(index, static_cast<uint8_t>(generation));
      EXPECT_EQ(cap_id_index(id), index);
      EXPECT_EQ(cap_id_generation(id), generation);
    }
  }
}

TEST(CapIdDeathTest, IndexWiderThan24BitsIsABug) {
  EXPECT_DEATH((void)make_cap_id(cap_index_mask + 1, 1), "KASSERT");
}

// ---- create ---------------------------------------------------------------------------------

TEST(CapTableCreate, EmptyStorageIsInvalidArgument) {
  EXPECT_EQ(error_of(Table::create({})), Error::InvalidArgument);
}

// Storage for 2^24 + 1 slots is mapped but never touched: create() is O(1) and only a slot that
// is handed out is ever written.
TEST(CapTableCreate, CapacityBoundIsTwoToThe24) {
  const size_t slots = cap_table_max_capacity + 1;
  void* memory = mmap(nullptr, slots * sizeof(Slot), PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  ASSERT_NE(memory, MAP_FAILED);
  auto* first = static_cast<Slot*>(memory);

  EXPECT_EQ(error_of(Table::create({first, slots})), Error::TooBig);
  {
    Table table = make_table({first, cap_table_max_capacity});
    EXPECT_EQ(table.capacity(), cap_table_max_capacity);
    EXPECT_EQ(table.free_count(), cap_table_max_capacity);
    Obj object;
    const CapId id = must_insert(table, {&object, console_iface, 0});
    EXPECT_EQ(id, make_cap_id(0, 1));
    EXPECT_EQ(error_of(table.lookup(make_cap_id(cap_index_mask, 1))), Error::BadCap);
    EXPECT_EQ(table.free_count(), cap_table_max_capacity - 1);
    EXPECT_TRUE(table.invariants_hold());
  }
  munmap(memory, slots * sizeof(Slot));
}

TEST(CapTableCreate, NewTableIsAllFree) {
  Fixture<5> f;
  f.expect_counts(0, 5, 0, 0);
  EXPECT_EQ(f.table.live().begin(), f.table.live().end());
}

TEST(CapTableCreate, MoveLeavesSourceEmpty) {
  Fixture<2> f;
  const CapId id = must_insert(f.table, f.entry(0));
  Table moved(std::move(f.table));
  EXPECT_EQ(resolved(moved, id), f.entry(0));
  EXPECT_EQ(moved.capacity(), 2U);
  EXPECT_EQ(moved.live_count(), 1U);
  // NOLINTBEGIN(bugprone-use-after-move): the moved-from state is documented behaviour.
  EXPECT_EQ(f.table.capacity(), 0U);
  EXPECT_EQ(f.table.free_count(), 0U);
  EXPECT_EQ(error_of(f.table.lookup(id)), Error::BadCap);
  EXPECT_EQ(error_of(f.table.insert(f.entry(1))), Error::Exhausted);
  EXPECT_TRUE(f.table.invariants_hold());
  // NOLINTEND(bugprone-use-after-move)
}

// ---- insert / lookup ------------------------------------------------------------------------

TEST(CapTableInsert, IssuesDistinctFirstGenerationIds) {
  Fixture<3> f;
  const CapId a = must_insert(f.table, f.entry(0, console_iface, 7));
  const CapId b = must_insert(f.table, f.entry(1, timer_iface, 8));
  EXPECT_EQ(a, make_cap_id(0, 1));
  EXPECT_EQ(b, make_cap_id(1, 1));
  EXPECT_EQ(resolved(f.table, a), f.entry(0, console_iface, 7));
  EXPECT_EQ(resolved(f.table, b), f.entry(1, timer_iface, 8));
  f.expect_counts(2, 1, 0, 0);
}

TEST(CapTableInsert, SameObjectTwiceGivesTwoCaps) {
  Fixture<2> f;
  const CapId a = must_insert(f.table, f.entry(0, console_iface, 1));
  const CapId b = must_insert(f.table, f.entry(0, console_iface, 2));
  EXPECT_NE(a, b);
  EXPECT_EQ(resolved(f.table, a)->badge, 1U);
  EXPECT_EQ(resolved(f.table, b)->badge, 2U);
}

TEST(CapTableInsert, NullObjectIsInvalidArgumentAndChangesNothing) {
  Fixture<2> f;
  EXPECT_EQ(error_of(f.table.insert(Entry{nullptr, console_iface, 0})), Error::InvalidArgument);
  f.expect_counts(0, 2, 0, 0);
  EXPECT_EQ(must_insert(f.table, f.entry(0)), make_cap_id(0, 1));
}

TEST(CapTableInsert, FullTableIsExhaustedAndUnchanged) {
  capos::verify_report::evidence(12, "cap-slots", capos::verify_report::EvidenceKind::Tested);
  Fixture<2> f;
  const CapId a = must_insert(f.table, f.entry(0));
  const CapId b = must_insert(f.table, f.entry(1));
  EXPECT_EQ(error_of(f.table.insert(f.entry(2))), Error::Exhausted);
  f.expect_counts(2, 0, 0, 0);
  EXPECT_EQ(resolved(f.table, a), f.entry(0));
  EXPECT_EQ(resolved(f.table, b), f.entry(1));
}

TEST(CapTableLookup, NeverIssuedIdsAreBadCap) {
  Fixture<4> f;
  const CapId live = must_insert(f.table, f.entry(0));  // slot 0, generation 1
  EXPECT_EQ(error_of(f.table.lookup(null_cap_id)), Error::BadCap);
  EXPECT_EQ(error_of(f.table.lookup(make_cap_id(0, 0))), Error::BadCap);  // live slot, gen 0
  EXPECT_EQ(error_of(f.table.lookup(make_cap_id(0, 2))), Error::BadCap);  // future generation
  EXPECT_EQ(error_of(f.table.lookup(make_cap_id(0, 255))), Error::BadCap);
  EXPECT_EQ(error_of(f.table.lookup(make_cap_id(1, 1))), Error::BadCap);  // untouched slot
  EXPECT_EQ(error_of(f.table.lookup(make_cap_id(4, 1))), Error::BadCap);  // index == capacity
  EXPECT_EQ(error_of(f.table.lookup(make_cap_id(cap_index_mask, 1))), Error::BadCap);
  EXPECT_EQ(error_of(f.table.lookup(~CapId{0})), Error::BadCap);
  EXPECT_EQ(resolved(f.table, live), f.entry(0));
}

TEST(CapTableLookup, ForCallChecksInterfaceAfterLiveness) {
  Fixture<2> f;
  const CapId id = must_insert(f.table, f.entry(0, console_iface, 9));
  const Result<Entry> ok = f.table.lookup_for_call(id, console_iface);
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(*ok, f.entry(0, console_iface, 9));
  EXPECT_EQ(error_of(f.table.lookup_for_call(id, timer_iface)), Error::BadInterface);
  EXPECT_EQ(error_of(f.table.lookup_for_call(id, 0)), Error::BadInterface);
  // A dead id is BadCap whatever interface is asked for: no interface oracle for stale ids.
  EXPECT_EQ(error_of(f.table.lookup_for_call(make_cap_id(0, 2), console_iface)), Error::BadCap);
  EXPECT_EQ(error_of(f.table.lookup_for_call(null_cap_id, console_iface)), Error::BadCap);
  ASSERT_TRUE(f.table.remove(id).has_value());
  EXPECT_EQ(error_of(f.table.lookup_for_call(id, console_iface)), Error::BadCap);
}

// ---- remove / take / generations ------------------------------------------------------------

TEST(CapTableRemove, ReturnsEntryAndMakesIdStale) {
  Fixture<2> f;
  const CapId id = must_insert(f.table, f.entry(3, timer_iface, 42));
  const Result<Entry> removed = f.table.remove(id);
  ASSERT_TRUE(removed.has_value());
  EXPECT_EQ(*removed, f.entry(3, timer_iface, 42));
  EXPECT_EQ(error_of(f.table.lookup(id)), Error::BadCap);
  EXPECT_EQ(error_of(f.table.remove(id)), Error::BadCap);  // double remove
  f.expect_counts(0, 2, 0, 0);
}

TEST(CapTableRemove, InvalidIdsAreBadCapAndChangeNothing) {
  Fixture<2> f;
  const CapId id = must_insert(f.table, f.entry(0));
  for (CapId bad : {null_cap_id, make_cap_id(0, 0), make_cap_id(0, 2), make_cap_id(1, 1),
                    make_cap_id(2, 1), make_cap_id(cap_index_mask, 1)}) {
    EXPECT_EQ(error_of(f.table.remove(bad)), Error::BadCap) << bad;
  }
  f.expect_counts(1, 1, 0, 0);
  EXPECT_EQ(resolved(f.table, id), f.entry(0));
}

TEST(CapTableRemove, ReuseBumpsGeneration) {
  Fixture<1> f;
  const CapId first = must_insert(f.table, f.entry(0));
  ASSERT_TRUE(f.table.remove(first).has_value());
  const CapId second = must_insert(f.table, f.entry(1));
  EXPECT_EQ(second, make_cap_id(0, 2));
  EXPECT_EQ(error_of(f.table.lookup(first)), Error::BadCap);
  EXPECT_EQ(resolved(f.table, second), f.entry(1));
}

TEST(CapTableRemove, FreedSlotsAreReusedOldestFirst) {
  Fixture<3> f;
  const CapId a = must_insert(f.table, f.entry(0));
  const CapId b = must_insert(f.table, f.entry(1));
  must_insert(f.table, f.entry(2));
  ASSERT_TRUE(f.table.remove(b).has_value());
  ASSERT_TRUE(f.table.remove(a).has_value());
  EXPECT_EQ(must_insert(f.table, f.entry(3)), make_cap_id(1, 2));
  EXPECT_EQ(must_insert(f.table, f.entry(4)), make_cap_id(0, 2));
}

TEST(CapTableRemove, SlotRetiresAfterGeneration255) {
  capos::verify_report::evidence(1, "retirement", capos::verify_report::EvidenceKind::Tested);
  Fixture<2> f;
  std::vector<CapId> issued;
  for (int round = 0; round < 255; ++round) {
    const CapId id = must_insert(f.table, f.entry(0));
    // Slot 1 stays busy so every round reuses slot 0.
    if (round == 0) must_insert(f.table, f.entry(1));
    EXPECT_EQ(cap_id_index(id), 0U);
    EXPECT_EQ(cap_id_generation(id), round + 1);
    issued.push_back(id);
    ASSERT_TRUE(f.table.remove(id).has_value());
  }
  f.expect_counts(1, 0, 0, 1);
  EXPECT_EQ(error_of(f.table.insert(f.entry(2))), Error::Exhausted);
  EXPECT_EQ(error_of(f.table.reserve(1)), Error::Exhausted);
  for (CapId id : issued) EXPECT_EQ(error_of(f.table.lookup(id)), Error::BadCap) << id;
  EXPECT_EQ(error_of(f.table.lookup(make_cap_id(0, 0))), Error::BadCap);  // no wrap to 0
  EXPECT_EQ(error_of(f.table.lookup(make_cap_id(0, 1))), Error::BadCap);

  // Freeing the other slot makes exactly one slot available again; the retired one never is.
  ASSERT_TRUE(f.table.remove(make_cap_id(1, 1)).has_value());
  f.expect_counts(0, 1, 0, 1);
  EXPECT_EQ(must_insert(f.table, f.entry(3)), make_cap_id(1, 2));
  EXPECT_EQ(error_of(f.table.insert(f.entry(4))), Error::Exhausted);
  f.expect_counts(1, 0, 0, 1);
}

TEST(CapTableTake, RemovesAResolvedCap) {
  Fixture<2> f;
  const CapId id = must_insert(f.table, f.entry(5, timer_iface, 3));
  EXPECT_EQ(f.table.take(id), f.entry(5, timer_iface, 3));
  EXPECT_EQ(error_of(f.table.lookup(id)), Error::BadCap);
  f.expect_counts(0, 2, 0, 0);
  // The freed slot is reused (at its bumped generation) before an untouched one.
  EXPECT_EQ(must_insert(f.table, f.entry(0)), make_cap_id(0, 2));
  EXPECT_EQ(must_insert(f.table, f.entry(0)), make_cap_id(1, 1));
}

TEST(CapTableTakeDeathTest, TakingADeadIdIsAKernelBug) {
  Fixture<2> f;
  const CapId id = must_insert(f.table, f.entry(0));
  ASSERT_TRUE(f.table.remove(id).has_value());
  EXPECT_DEATH((void)f.table.take(id), "KASSERT\\(resolved\\)");
}

// ---- reserve / commit / rollback ------------------------------------------------------------

TEST(CapTableReserve, ZeroIsAnEmptyReservation) {
  Fixture<1> f;
  Result<Table::Reservation> r = f.table.reserve(0);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->size(), 0U);
  EXPECT_EQ(r->pending_count(), 0U);
  f.expect_counts(0, 1, 0, 0);
}

TEST(CapTableReserve, MoreThanTransferLimitIsTooBig) {
  Fixture<8> f;
  EXPECT_EQ(error_of(f.table.reserve(max_transfer_caps + 1)), Error::TooBig);
  f.expect_counts(0, 8, 0, 0);
  Result<Table::Reservation> r = f.table.reserve(max_transfer_caps);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->size(), max_transfer_caps);
  f.expect_counts(0, 4, 4, 0);
}

TEST(CapTableReserve, IsAllOrNothing) {
  Fixture<3> f;
  const CapId a = must_insert(f.table, f.entry(0));
  EXPECT_EQ(error_of(f.table.reserve(3)), Error::Exhausted);
  f.expect_counts(1, 2, 0, 0);
  EXPECT_EQ(resolved(f.table, a), f.entry(0));
  // Nothing was consumed: the next ids are the ones a fresh history would give.
  EXPECT_EQ(must_insert(f.table, f.entry(1)), make_cap_id(1, 1));
  EXPECT_EQ(must_insert(f.table, f.entry(2)), make_cap_id(2, 1));
}

TEST(CapTableReserve, ReservedSlotsDoNotResolveAndAreNotIssued) {
  Fixture<2> f;
  Result<Table::Reservation> r = f.table.reserve(1);
  ASSERT_TRUE(r.has_value());
  f.expect_counts(0, 1, 1, 0);
  EXPECT_EQ(error_of(f.table.lookup(make_cap_id(0, 1))), Error::BadCap);
  EXPECT_EQ(error_of(f.table.remove(make_cap_id(0, 1))), Error::BadCap);
  EXPECT_EQ(must_insert(f.table, f.entry(0)), make_cap_id(1, 1));  // skips the reserved slot
  EXPECT_EQ(error_of(f.table.insert(f.entry(1))), Error::Exhausted);
  EXPECT_EQ(f.table.live_count(), 1U);
  r->rollback();
  f.expect_counts(1, 1, 0, 0);
}

TEST(CapTableReserve, CommitPublishesIdsThatResolve) {
  Fixture<4> f;
  const CapId old = must_insert(f.table, f.entry(0));
  ASSERT_TRUE(f.table.remove(old).has_value());  // slot 0 is free at generation 2
  Result<Table::Reservation> r = f.table.reserve(3);
  ASSERT_TRUE(r.has_value());
  f.expect_counts(0, 1, 3, 0);
  // Commit out of order: positions are independent.
  const CapId c = r->commit(2, f.entry(3, timer_iface, 30));
  const CapId a = r->commit(0, f.entry(1, console_iface, 10));
  EXPECT_EQ(r->pending_count(), 1U);
  const CapId b = r->commit(1, f.entry(2, console_iface, 20));
  EXPECT_EQ(r->pending_count(), 0U);
  EXPECT_EQ(a, make_cap_id(0, 2));  // the reused slot keeps its bumped generation
  EXPECT_EQ(b, make_cap_id(1, 1));
  EXPECT_EQ(c, make_cap_id(2, 1));
  EXPECT_EQ(resolved(f.table, a), f.entry(1, console_iface, 10));
  EXPECT_EQ(resolved(f.table, b), f.entry(2, console_iface, 20));
  EXPECT_EQ(resolved(f.table, c), f.entry(3, timer_iface, 30));
  EXPECT_EQ(error_of(f.table.lookup(old)), Error::BadCap);
  f.expect_counts(3, 1, 0, 0);
  r->rollback();  // nothing pending: committed caps stay
  f.expect_counts(3, 1, 0, 0);
}

TEST(CapTableReserveDeathTest, CommitPreconditions) {
  Fixture<2> f;
  Result<Table::Reservation> r = f.table.reserve(1);
  ASSERT_TRUE(r.has_value());
  EXPECT_DEATH((void)r->commit(1, f.entry(0)), "KASSERT");                        // past size()
  EXPECT_DEATH((void)r->commit(0, Entry{nullptr, console_iface, 0}), "KASSERT");  // null
  (void)r->commit(0, f.entry(0));
  EXPECT_DEATH((void)r->commit(0, f.entry(1)), "KASSERT");  // twice
}

// Two tables fed the same history issue the same ids; `probe` also reserved and rolled back.
TEST(CapTableRollback, RestoresExactState) {
  Fixture<6> twin;
  Fixture<6> probe;
  for (auto* f : {&twin, &probe}) {
    const CapId a = must_insert(f->table, f->entry(0));
    must_insert(f->table, f->entry(1));
    const CapId c = must_insert(f->table, f->entry(2));
    ASSERT_TRUE(f->table.remove(c).has_value());
    ASSERT_TRUE(f->table.remove(a).has_value());  // free list: slot 2, slot 0; 3 untouched
  }
  {
    Result<Table::Reservation> r = probe.table.reserve(4);  // slots 2, 0 and untouched 3, 4
    ASSERT_TRUE(r.has_value());
    probe.expect_counts(1, 1, 4, 0);
    r->rollback();
    EXPECT_EQ(r->size(), 0U);
    r->rollback();  // idempotent
  }
  probe.expect_counts(1, 5, 0, 0);
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(must_insert(probe.table, probe.entry(i)), must_insert(twin.table, twin.entry(i)));
  }
  EXPECT_EQ(error_of(probe.table.insert(probe.entry(5))), Error::Exhausted);
  EXPECT_EQ(error_of(twin.table.insert(twin.entry(5))), Error::Exhausted);
}

TEST(CapTableRollback, DoesNotBumpGeneration) {
  Fixture<1> f;
  {
    ASSERT_TRUE(f.table.reserve(1).has_value());
  }  // reserved and rolled back at once
  EXPECT_EQ(must_insert(f.table, f.entry(0)), make_cap_id(0, 1));
}

TEST(CapTableRollback, PartialCommitKeepsCommittedAndFreesTheRest) {
  Fixture<3> f;
  CapId committed = null_cap_id;
  {
    Result<Table::Reservation> r = f.table.reserve(3);
    ASSERT_TRUE(r.has_value());
    committed = r->commit(1, f.entry(0));
    EXPECT_EQ(r->pending_count(), 2U);
  }  // destructor rolls back positions 0 and 2
  f.expect_counts(1, 2, 0, 0);
  EXPECT_EQ(resolved(f.table, committed), f.entry(0));
  EXPECT_EQ(must_insert(f.table, f.entry(1)), make_cap_id(0, 1));
  EXPECT_EQ(must_insert(f.table, f.entry(2)), make_cap_id(2, 1));
}

TEST(CapTableRollback, MovedReservationRollsBackOnce) {
  Fixture<2> f;
  Result<Table::Reservation> r = f.table.reserve(2);
  ASSERT_TRUE(r.has_value());
  {
    Table::Reservation owner(std::move(*r));
    EXPECT_EQ(owner.size(), 2U);
    EXPECT_EQ(r->size(), 0U);  // NOLINT(bugprone-use-after-move): documented moved-from state
    f.expect_counts(0, 0, 2, 0);
  }
  f.expect_counts(0, 2, 0, 0);
  r->rollback();  // the moved-from reservation owns nothing
  f.expect_counts(0, 2, 0, 0);
}

// The decode step of a transfer fails after reserving: the early return undoes everything.
Result<void> decode_then_fail(Table& to, size_t count) {
  Table::Reservation slots = TRY(to.reserve(count));
  if (slots.size() == count) return Error::QuotaExceeded;  // a later check in decode fails
  return {};
}

TEST(CapTableRollback, EarlyReturnFromDecodeLeavesTableUnchanged) {
  Fixture<4> f;
  must_insert(f.table, f.entry(0));
  EXPECT_EQ(error_of(decode_then_fail(f.table, 3)), Error::QuotaExceeded);
  f.expect_counts(1, 3, 0, 0);
  EXPECT_EQ(error_of(decode_then_fail(f.table, 4)), Error::Exhausted);
  f.expect_counts(1, 3, 0, 0);
  EXPECT_EQ(must_insert(f.table, f.entry(1)), make_cap_id(1, 1));
}

void destroy_table_while_reserved() {
  std::array<Slot, 1> storage{};
  std::optional<Table> table(make_table(storage));
  const Result<Table::Reservation> r = table->reserve(1);
  if (r.has_value()) table.reset();  // the reservation would outlive its table
}

TEST(CapTableDeathTest, DestroyingATableWithReservedSlotsIsABug) {
  EXPECT_DEATH(destroy_table_while_reserved(), "KASSERT\\(m_reserved == 0\\)");
}

// ---- transfers expressed with the primitives (the recipe in cap_table.h) --------------------

enum class Mode { Copy, Move };

// decode + invoke of one transfer of `ids` from `from` to `to`; returns the receiver's ids.
Result<std::vector<CapId>> transfer(Table& from, Table& to, const std::vector<CapId>& ids,
                                    Mode mode) {
  std::vector<Entry> entries;
  for (CapId id : ids) entries.push_back(TRY(from.lookup(id)));
  Table::Reservation slots = TRY(to.reserve(ids.size()));
  std::vector<CapId> received;  // invoke: nothing below can fail
  for (size_t i = 0; i < ids.size(); ++i) {
    received.push_back(slots.commit(i, entries[i]));
    if (mode == Mode::Move) (void)from.take(ids[i]);
  }
  return received;
}

TEST(CapTableTransfer, CopyAndMoveBetweenTables) {
  Fixture<3> sender;
  Fixture<3> receiver;
  const CapId a = must_insert(sender.table, sender.entry(0, console_iface, 1));
  const CapId b = must_insert(sender.table, sender.entry(1, timer_iface, 2));

  const Result<std::vector<CapId>> copied = transfer(sender.table, receiver.table, {a}, Mode::Copy);
  ASSERT_TRUE(copied.has_value());
  EXPECT_EQ(resolved(receiver.table, copied->at(0)), sender.entry(0, console_iface, 1));
  EXPECT_EQ(resolved(sender.table, a), sender.entry(0, console_iface, 1));

  const Result<std::vector<CapId>> moved = transfer(sender.table, receiver.table, {b}, Mode::Move);
  ASSERT_TRUE(moved.has_value());
  EXPECT_EQ(resolved(receiver.table, moved->at(0)), sender.entry(1, timer_iface, 2));
  EXPECT_EQ(error_of(sender.table.lookup(b)), Error::BadCap);
  sender.expect_counts(1, 2, 0, 0);
  receiver.expect_counts(2, 1, 0, 0);
}

TEST(CapTableTransfer, FailureLeavesBothTablesAsBefore) {
  Fixture<3> sender;
  Fixture<1> receiver;
  const CapId a = must_insert(sender.table, sender.entry(0));
  const CapId b = must_insert(sender.table, sender.entry(1));
  EXPECT_EQ(error_of(transfer(sender.table, receiver.table, {a, b}, Mode::Move)), Error::Exhausted);
  EXPECT_EQ(error_of(transfer(sender.table, receiver.table, {a, make_cap_id(2, 1)}, Mode::Move)),
            Error::BadCap);
  sender.expect_counts(2, 1, 0, 0);
  receiver.expect_counts(0, 1, 0, 0);
  EXPECT_EQ(resolved(sender.table, a), sender.entry(0));
  EXPECT_EQ(resolved(sender.table, b), sender.entry(1));
}

TEST(CapTableTransfer, MoveWithinOneTable) {
  Fixture<2> f;
  const CapId a = must_insert(f.table, f.entry(0));
  const Result<std::vector<CapId>> moved = transfer(f.table, f.table, {a}, Mode::Move);
  ASSERT_TRUE(moved.has_value());
  EXPECT_EQ(moved->at(0), make_cap_id(1, 1));
  EXPECT_EQ(resolved(f.table, moved->at(0)), f.entry(0));
  EXPECT_EQ(error_of(f.table.lookup(a)), Error::BadCap);
  f.expect_counts(1, 1, 0, 0);
}

// ---- iteration ------------------------------------------------------------------------------

std::vector<std::pair<CapId, Entry>> collect(const Table& table, uint32_t first = 0) {
  std::vector<std::pair<CapId, Entry>> out;
  for (auto cap : table.live(first)) out.emplace_back(cap.id, cap.entry);
  return out;
}

TEST(CapTableLive, YieldsExactlyLiveCapsInSlotOrder) {
  Fixture<6> f;
  const CapId a = must_insert(f.table, f.entry(0, console_iface, 1));
  const CapId b = must_insert(f.table, f.entry(1, timer_iface, 2));
  const CapId c = must_insert(f.table, f.entry(2, console_iface, 3));
  const CapId d = must_insert(f.table, f.entry(3, timer_iface, 4));
  ASSERT_TRUE(f.table.remove(b).has_value());         // free slot
  Result<Table::Reservation> r = f.table.reserve(2);  // reserves slot 1 and untouched slot 4
  ASSERT_TRUE(r.has_value());
  using Expected = std::vector<std::pair<CapId, Entry>>;
  EXPECT_EQ(collect(f.table), (Expected{{a, f.entry(0, console_iface, 1)},
                                        {c, f.entry(2, console_iface, 3)},
                                        {d, f.entry(3, timer_iface, 4)}}));
  // Resuming a listing after slot 2 (the cursor is an index).
  EXPECT_EQ(collect(f.table, cap_id_index(c) + 1), (Expected{{d, f.entry(3, timer_iface, 4)}}));
  EXPECT_TRUE(collect(f.table, 6).empty());
  EXPECT_TRUE(collect(f.table, cap_index_mask).empty());
  const CapId e = r->commit(1, f.entry(4, console_iface, 5));
  EXPECT_EQ(collect(f.table).back(), (std::pair<CapId, Entry>{e, f.entry(4, console_iface, 5)}));
  EXPECT_EQ(collect(f.table).size(), f.table.live_count());
}

}  // namespace
}  // namespace cap_test
}  // namespace capos
