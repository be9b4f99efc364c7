// tests/lib/cap/cap_test_util.h — shared helpers for the CapTable tests.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <ostream>
#include <span>

#include "lib/cap/cap_reservation.h"
#include "lib/cap/cap_table.h"
#include "lib/core/error.h"

namespace capos {

// Lets gtest print Error values by name.
inline void PrintTo(Error error, std::ostream* out) { *out << error_name(error); }

namespace cap_test {

struct Obj {
  int tag = 0;
};
using Table = CapTable<Obj*>;
using Entry = Table::Entry;
using Slot = Table::Slot;

inline Table make_table(std::span<Slot> storage) {
  Result<Table> table = Table::create(storage);
  if (!table.has_value()) {
    ADD_FAILURE() << "create failed: " << error_name(table.error());
    capos_panic("test table", __FILE__, __LINE__);
  }
  return std::move(table).take();
}

// The error of a Result, or nullopt when it holds a value (marks the Result as checked).
template <typename T>
std::optional<Error> error_of(const Result<T>& result) {
  if (result.has_value()) return std::nullopt;
  return result.error();
}

// Inserts and returns the new id; a failure is a test failure (and returns null_cap_id).
inline CapId must_insert(Table& table, const Entry& entry) {
  Result<CapId> id = table.insert(entry);
  EXPECT_TRUE(id.has_value()) << "insert failed";
  return id.value_or(null_cap_id);
}

// The entry `id` resolves to, or nullopt for any error.
inline std::optional<Entry> resolved(const Table& table, CapId id) {
  Result<Entry> entry = table.lookup(id);
  if (!entry.has_value()) return std::nullopt;
  return *entry;
}

}  // namespace cap_test
}  // namespace capos
