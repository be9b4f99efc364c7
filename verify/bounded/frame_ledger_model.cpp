// verify/bounded/frame_ledger_model.cpp — operations, expectations and checks of the FrameLedger
// explorer (frame_ledger_model.h states the properties).
#include "verify/bounded/frame_ledger_model.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <utility>

#include "lib/core/error.h"
#include "verify/bounded/outcome.h"
#include "verify/bounded/private_access.h"

namespace capos::verify {

PRIVATE_MEMBER(LedgerAccountsTag, FrameLedger, m_accounts);
PRIVATE_MEMBER(LedgerOutstandingTag, FrameLedger, m_outstanding);
PRIVATE_MEMBER(TokenLedgerTag, FrameLedger::Reservation, m_ledger);
PRIVATE_MEMBER(TokenResourceTag, FrameLedger::Reservation, m_resource);
PRIVATE_MEMBER(TokenAmountTag, FrameLedger::Reservation, m_amount);

namespace {

constexpr size_t explored_classes = 3;
constexpr std::array<ResourceClass, explored_classes> classes = {
    ResourceClass::CapSlots, ResourceClass::FrameGrants, ResourceClass::LogBytes};
constexpr size_t max_tokens = 4;
constexpr size_t key_outstanding = 9;
constexpr size_t key_tokens = 10;
constexpr uint8_t no_token = 0xff;
constexpr uint64_t huge = std::numeric_limits<uint64_t>::max();
constexpr uint32_t huge_code = 0xff;  // the amount code of UINT64_MAX in an operation

enum class OpKind : uint8_t { Reserve = 1, Commit, Rollback, Drop, MoveAssign, Release, SetLimit };

constexpr uint32_t op(OpKind kind, uint32_t a, uint32_t b) {
  return static_cast<uint32_t>(kind) | a << 8 | b << 16;
}
uint64_t amount_of(uint32_t code) { return code == huge_code ? huge : code; }

// The real ledger and the live tokens of one state. Not movable: tokens point at the ledger.
class LedgerWorld {
 public:
  explicit LedgerWorld(const LedgerKey& key) {
    auto& accounts = m_ledger.*member_pointer(LedgerAccountsTag{});
    for (size_t c = 0; c < explored_classes; ++c) {
      auto& account = accounts[static_cast<size_t>(classes[c])];
      account.limit = key[3 * c];
      account.committed = key[3 * c + 1];
      account.reserved = key[3 * c + 2];
    }
    m_ledger.*member_pointer(LedgerOutstandingTag{}) = key[key_outstanding];
    for (size_t t = 0; t < max_tokens && key[key_tokens + 2 * t] != no_token; ++t) {
      adopt(classes[key[key_tokens + 2 * t]], key[key_tokens + 2 * t + 1]);
    }
  }
  LedgerWorld(const LedgerWorld&) = delete;
  LedgerWorld& operator=(const LedgerWorld&) = delete;
  ~LedgerWorld() {  // never roll back or assert on a state already recorded
    for (auto& token : m_tokens) {
      if (token.has_value()) *token.*member_pointer(TokenLedgerTag{}) = nullptr;
    }
    m_ledger.*member_pointer(LedgerOutstandingTag{}) = 0;
  }

  FrameLedger& ledger() { return m_ledger; }
  std::array<std::optional<FrameLedger::Reservation>, max_tokens>& tokens() { return m_tokens; }

  // A live token of this ledger made without reserve() (decoding, and the ReserveOffByOne fault).
  void adopt(ResourceClass resource, uint64_t amount) {
    for (auto& token : m_tokens) {
      if (token.has_value()) continue;
      token.emplace();
      *token.*member_pointer(TokenLedgerTag{}) = &m_ledger;
      *token.*member_pointer(TokenResourceTag{}) = resource;
      *token.*member_pointer(TokenAmountTag{}) = amount;
      return;
    }
  }
  uint64_t& reserved(ResourceClass resource) {
    return (m_ledger.*member_pointer(LedgerAccountsTag{}))[static_cast<size_t>(resource)].reserved;
  }
  uint64_t& committed(ResourceClass resource) {
    return (m_ledger.*member_pointer(LedgerAccountsTag{}))[static_cast<size_t>(resource)].committed;
  }
  uint64_t& outstanding() { return m_ledger.*member_pointer(LedgerOutstandingTag{}); }

  // The canonical key; false if a value does not fit (then the state is out of the bounds).
  bool encode(LedgerKey& key) {
    key.fill(no_token);
    const auto& accounts = m_ledger.*member_pointer(LedgerAccountsTag{});
    for (size_t c = 0; c < explored_classes; ++c) {
      const auto& account = accounts[static_cast<size_t>(classes[c])];
      if (account.limit >= no_token || account.committed >= no_token ||
          account.reserved >= no_token) {
        return false;
      }
      key[3 * c] = static_cast<uint8_t>(account.limit);
      key[3 * c + 1] = static_cast<uint8_t>(account.committed);
      key[3 * c + 2] = static_cast<uint8_t>(account.reserved);
    }
    if (outstanding() >= no_token) return false;
    key[key_outstanding] = static_cast<uint8_t>(outstanding());
    std::array<std::pair<uint8_t, uint8_t>, max_tokens> live{};
    size_t count = 0;
    for (auto& token : m_tokens) {
      if (!token.has_value() || !token->is_live()) continue;
      const auto c = static_cast<size_t>(
          std::find(classes.begin(), classes.end(), token->resource_class()) - classes.begin());
      if (c == explored_classes || token->amount() >= no_token) return false;
      live[count++] = {static_cast<uint8_t>(c), static_cast<uint8_t>(token->amount())};
    }
    std::sort(live.begin(), live.begin() + static_cast<std::ptrdiff_t>(count));
    for (size_t t = 0; t < count; ++t) {
      key[key_tokens + 2 * t] = live[t].first;
      key[key_tokens + 2 * t + 1] = live[t].second;
    }
    return true;
  }

 private:
  FrameLedger m_ledger;
  std::array<std::optional<FrameLedger::Reservation>, max_tokens> m_tokens;
};

size_t token_count(const LedgerKey& key) {
  size_t count = 0;
  while (count < max_tokens && key[key_tokens + 2 * count] != no_token) ++count;
  return count;
}

struct Account {
  uint64_t limit;
  uint64_t committed;
  uint64_t reserved;
};

[[gnu::noinline, gnu::cold]] void report(Checker& check, const std::string& where,
                                         const char* what) {
  check.fail(where + ": " + what);
}

}  // namespace

std::vector<LedgerKey> FrameLedgerModel::initial_states() const {
  LedgerKey key;
  key.fill(no_token);
  for (size_t i = 0; i <= key_outstanding; ++i) key[i] = 0;  // all limits 0, nothing held
  return {key};
}

std::string FrameLedgerModel::describe(uint32_t operation) const {
  const uint32_t a = (operation >> 8) & 0xff;
  const uint32_t b = operation >> 16;
  const auto amount_text = [](uint32_t code) {
    return code == huge_code ? std::string("MAX") : std::to_string(code);
  };
  const auto class_name = [](uint32_t c) { return std::string(resource_class_name(classes[c])); };
  switch (static_cast<OpKind>(operation & 0xff)) {
    case OpKind::Reserve: return "reserve(" + class_name(a) + ", " + amount_text(b) + ")";
    case OpKind::Commit: return "commit(token " + std::to_string(a) + ")";
    case OpKind::Rollback: return "rollback(token " + std::to_string(a) + ")";
    case OpKind::Drop: return "destroy(token " + std::to_string(a) + ")";
    case OpKind::MoveAssign:
      return "token " + std::to_string(b) + " = move(token " + std::to_string(a) + ")";
    case OpKind::Release: return "release(" + class_name(a) + ", " + amount_text(b) + ")";
    case OpKind::SetLimit: return "set_limit(" + class_name(a) + ", " + std::to_string(b) + ")";
  }
  return "?";
}

void FrameLedgerModel::expand(const LedgerKey& state, Successors<key_size>& next,
                              Checker& check) const {
  check_state(state, check);
  const size_t tokens = token_count(state);
  std::vector<uint32_t> ops;
  const auto max_amount = static_cast<uint32_t>(m_bounds.max_limit + 1);
  for (uint32_t c = 0; c < explored_classes; ++c) {
    for (uint32_t amount = 0; amount <= max_amount; ++amount) {
      if (tokens < m_bounds.max_tokens) ops.push_back(op(OpKind::Reserve, c, amount));
      ops.push_back(op(OpKind::Release, c, amount));
    }
    if (tokens < m_bounds.max_tokens) ops.push_back(op(OpKind::Reserve, c, huge_code));
    ops.push_back(op(OpKind::Release, c, huge_code));
    for (uint32_t limit = 0; limit <= m_bounds.max_limit && c + 1 < explored_classes; ++limit) {
      ops.push_back(op(OpKind::SetLimit, c, limit));
    }
  }
  for (uint32_t t = 0; t < tokens; ++t) {
    ops.push_back(op(OpKind::Commit, t, 0));
    ops.push_back(op(OpKind::Rollback, t, 0));
    ops.push_back(op(OpKind::Drop, t, 0));
    for (uint32_t u = 0; u < tokens; ++u) {
      if (u != t) ops.push_back(op(OpKind::MoveAssign, t, u));
    }
  }
  for (uint32_t operation : ops) {
    if (check.failed()) return;
    apply(state, operation, next, check);
  }
}

}  // namespace capos::verify

namespace capos::verify {

void FrameLedgerModel::check_state(const LedgerKey& state, Checker& check) const {
  LedgerWorld world(state);
  const FrameLedger& ledger = world.ledger();
  const char* what = nullptr;
  std::array<uint64_t, resource_class_count> in_tokens{};
  size_t live = 0;
  for (const auto& token : world.tokens()) {
    if (!token.has_value()) continue;
    in_tokens[static_cast<size_t>(token->resource_class())] += token->amount();
    ++live;
  }
  for (ResourceClass resource : all_resource_classes) {
    const uint64_t limit = ledger.limit(resource);
    const uint64_t used = ledger.committed(resource) + ledger.reserved(resource);
    if (used > limit) what = "committed + reserved exceeds the quota";
    if (ledger.reserved(resource) != in_tokens[static_cast<size_t>(resource)]) {
      what = "reserved differs from the sum of the live tokens";
    }
    if (used <= limit && ledger.available(resource) != limit - used) what = "available() is wrong";
  }
  if (ledger.outstanding_reservations() != live) what = "outstanding_reservations() is wrong";
  if (!ledger.invariants_hold()) what = "invariants_hold() is false";
  if (what != nullptr) return report(check, "state", what);
  // The exit path: every token dropped, every committed amount released, then nothing is left.
  for (auto& token : world.tokens()) {
    if (!token.has_value()) continue;
    const ResourceClass resource = token->resource_class();
    const uint64_t amount = token->amount();
    token.reset();
    if (m_fault == LedgerFault::DropLeaks) {
      world.reserved(resource) += amount;
      ++world.outstanding();
    }
  }
  for (ResourceClass resource : all_resource_classes) {
    if (!world.ledger().release(resource, world.ledger().committed(resource)).has_value()) {
      return report(check, "exit path", "release() of the committed amount failed");
    }
  }
  if (!world.ledger().is_empty()) {
    report(check, "exit path",
           "after dropping every token and releasing every committed "
           "amount the ledger is not empty");
  }
}

void FrameLedgerModel::apply(const LedgerKey& state, uint32_t operation, Successors<key_size>& next,
                             Checker& check) const {
  LedgerWorld world(state);
  FrameLedger& ledger = world.ledger();
  auto& tokens = world.tokens();
  const uint32_t a = (operation >> 8) & 0xff;
  const uint32_t b = operation >> 16;
  std::array<Account, resource_class_count> expected{};
  for (ResourceClass resource : all_resource_classes) {
    expected[static_cast<size_t>(resource)] = {ledger.limit(resource), ledger.committed(resource),
                                               ledger.reserved(resource)};
  }
  std::optional<Error> expected_error;
  std::optional<Error> actual_error;
  const char* what = nullptr;
  switch (static_cast<OpKind>(operation & 0xff)) {
    case OpKind::Reserve: {
      const ResourceClass resource = classes[a];
      const uint64_t amount = amount_of(b);
      Account& account = expected[static_cast<size_t>(resource)];
      const uint64_t available = account.limit - account.committed - account.reserved;
      Result<FrameLedger::Reservation> token = ledger.reserve(resource, amount);
      actual_error = error_of(token);
      if (amount > available) {
        expected_error = Error::QuotaExceeded;
        if (m_fault == LedgerFault::ReserveOffByOne && amount == available + 1) {
          world.reserved(resource) += amount;  // the broken reserve() grants it anyway
          ++world.outstanding();
          world.adopt(resource, amount);
          expected_error.reset();
          account.reserved += amount;
        }
        break;
      }
      if (actual_error.has_value()) {
        what = "refused an amount within the quota";
        break;
      }
      if (token->resource_class() != resource || token->amount() != amount) what = "wrong token";
      for (auto& slot : tokens) {
        if (slot.has_value()) continue;
        slot.emplace(std::move(token).take());
        break;
      }
      account.reserved += amount;
      break;
    }
    case OpKind::Commit:
    case OpKind::Rollback:
    case OpKind::Drop: {
      const ResourceClass resource = tokens[a]->resource_class();
      const uint64_t amount = tokens[a]->amount();
      Account& account = expected[static_cast<size_t>(resource)];
      account.reserved -= amount;
      const auto kind = static_cast<OpKind>(operation & 0xff);
      if (kind == OpKind::Commit) {
        ledger.commit(std::move(*tokens[a]));
        account.committed += amount;
        if (m_fault == LedgerFault::CommitKeepsReserved) world.reserved(resource) += amount;
      } else if (kind == OpKind::Rollback) {
        ledger.rollback(std::move(*tokens[a]));
      }
      if (kind != OpKind::Drop) ledger.rollback(std::move(*tokens[a]));  // settled: a no-op
      tokens[a].reset();
      if (kind == OpKind::Drop && m_fault == LedgerFault::DropLeaks) {
        world.reserved(resource) += amount;
        ++world.outstanding();
      }
      break;
    }
    case OpKind::MoveAssign: {
      const ResourceClass moved = tokens[a]->resource_class();
      const uint64_t amount = tokens[a]->amount();
      expected[static_cast<size_t>(tokens[b]->resource_class())].reserved -= tokens[b]->amount();
      *tokens[b] = std::move(*tokens[a]);
      if (tokens[a]->is_live() || tokens[b]->resource_class() != moved ||
          tokens[b]->amount() != amount) {
        what = "move-assignment did not transfer the token";
      }
      tokens[a].reset();
      break;
    }
    case OpKind::Release: {
      const ResourceClass resource = classes[a];
      const uint64_t amount = amount_of(b);
      Account& account = expected[static_cast<size_t>(resource)];
      actual_error = error_of(ledger.release(resource, amount));
      if (amount > account.committed) {
        expected_error = Error::DoubleFree;
        if (m_fault == LedgerFault::ReleaseUnchecked) {
          world.committed(resource) -= amount;  // the broken release() subtracts anyway
          expected_error.reset();
          account.committed -= amount;
        }
        break;
      }
      if (actual_error.has_value()) what = "refused to release a committed amount";
      account.committed -= amount;
      break;
    }
    case OpKind::SetLimit: {
      const ResourceClass resource = classes[a];
      Account& account = expected[static_cast<size_t>(resource)];
      actual_error = error_of(ledger.set_limit(resource, b));
      if (b < account.committed + account.reserved) {
        expected_error = Error::QuotaExceeded;
        break;
      }
      if (actual_error.has_value()) what = "refused a limit above the current use";
      account.limit = b;
      break;
    }
  }
  LedgerKey after{};
  const bool fits = world.encode(after);
  if (what == nullptr && expected_error.has_value()) {
    if (actual_error != expected_error) {
      what = "wrong error";
    } else if (!fits || after != state) {
      what = "a failed operation changed the ledger";
    }
  } else if (what == nullptr) {
    for (ResourceClass resource : all_resource_classes) {
      const Account& account = expected[static_cast<size_t>(resource)];
      if (ledger.limit(resource) != account.limit ||
          ledger.committed(resource) != account.committed ||
          ledger.reserved(resource) != account.reserved) {
        what = "the balances differ from the amounts reserved, committed and released";
      } else if (account.committed > account.limit ||
                 account.reserved > account.limit - account.committed) {
        what = "the quota is exceeded";
      }
    }
  }
  if (what != nullptr) return report(check, describe(operation), what);
  if (!expected_error.has_value() && fits) next.emit(operation, after);
}

}  // namespace capos::verify
