// Model-based property: FrameLedger against per-class (limit, committed) plus the list of live
// tokens, whose amounts sum to the reserved balance.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <array>
#include <cstdint>
#include <utility>
#include <vector>

#include "lib/mem/frame_ledger.h"
#include "tools/verify_report/evidence.h"

namespace capos {
namespace {

using Reservation = FrameLedger::Reservation;

struct Model {
  std::array<uint64_t, resource_class_count> limit{};
  std::array<uint64_t, resource_class_count> committed{};
  std::vector<Reservation> tokens;  // every live token; moved around as the vector grows

  uint64_t reserved(ResourceClass resource) const {
    uint64_t sum = 0;
    for (const Reservation& token : tokens) {
      if (token.resource_class() == resource) sum += token.amount();
    }
    return sum;
  }
};

size_t index_of(ResourceClass resource) { return static_cast<size_t>(resource); }

void check_agrees(const FrameLedger& ledger, const Model& model) {
  RC_ASSERT(ledger.invariants_hold());
  RC_ASSERT(ledger.outstanding_reservations() == model.tokens.size());
  for (ResourceClass resource : all_resource_classes) {
    const size_t i = index_of(resource);
    const uint64_t reserved = model.reserved(resource);
    RC_ASSERT(ledger.limit(resource) == model.limit[i]);
    RC_ASSERT(ledger.committed(resource) == model.committed[i]);
    RC_ASSERT(ledger.reserved(resource) == reserved);
    RC_ASSERT(model.committed[i] + reserved <= model.limit[i]);  // never over quota
    RC_ASSERT(ledger.available(resource) == model.limit[i] - model.committed[i] - reserved);
  }
}

ResourceClass pick_class() {
  return all_resource_classes[*rc::gen::inRange<size_t>(0, resource_class_count)];
}

// Around `pivot`, sometimes a huge value that would overflow naive arithmetic.
uint64_t pick_amount(uint64_t pivot) {
  if (*rc::gen::inRange(0, 10) == 0) return *rc::gen::arbitrary<uint64_t>();
  return *rc::gen::inRange<uint64_t>(0, pivot + 3);
}

enum class Op { Reserve, Commit, Rollback, Drop, MoveAssign, Release, SetLimit };

void step(FrameLedger& ledger, Model& model) {
  switch (*rc::gen::element(Op::Reserve, Op::Reserve, Op::Commit, Op::Rollback, Op::Drop,
                            Op::MoveAssign, Op::Release, Op::SetLimit)) {
    case Op::Reserve: {
      const ResourceClass resource = pick_class();
      const size_t i = index_of(resource);
      const uint64_t available = model.limit[i] - model.committed[i] - model.reserved(resource);
      const uint64_t amount = pick_amount(available);
      Result<Reservation> token = ledger.reserve(resource, amount);
      if (amount > available) {
        RC_ASSERT(!token.has_value());
        RC_ASSERT(token.error() == Error::QuotaExceeded);
      } else {
        RC_ASSERT(token.has_value());
        RC_ASSERT(token->is_live());
        RC_ASSERT(token->amount() == amount);
        model.tokens.push_back(std::move(token).take());
      }
      break;
    }
    case Op::Commit:
    case Op::Rollback:
    case Op::Drop: {
      if (model.tokens.empty()) break;
      const size_t pick = *rc::gen::inRange<size_t>(0, model.tokens.size());
      Reservation token = std::move(model.tokens[pick]);
      model.tokens.erase(model.tokens.begin() + static_cast<std::ptrdiff_t>(pick));
      const size_t i = index_of(token.resource_class());
      const uint64_t amount = token.amount();
      // Erasing destroyed a moved-from token; it must not have touched the balance.
      RC_ASSERT(ledger.outstanding_reservations() == model.tokens.size() + 1);
      if (*rc::gen::inRange(0, 3) == 0) {
        ledger.commit(std::move(token));
        model.committed[i] += amount;
      } else if (*rc::gen::arbitrary<bool>()) {
        ledger.rollback(std::move(token));
        ledger.rollback(std::move(token));  // NOLINT(bugprone-use-after-move): exactly once
      }  // else: the destructor rolls it back at the end of this scope
      break;
    }
    case Op::MoveAssign: {
      if (model.tokens.size() < 2) break;
      const size_t target = *rc::gen::inRange<size_t>(0, model.tokens.size());
      const size_t source = *rc::gen::inRange<size_t>(0, model.tokens.size());
      if (target == source) break;
      model.tokens[target] = std::move(model.tokens[source]);  // target's amount returned
      model.tokens.erase(model.tokens.begin() + static_cast<std::ptrdiff_t>(source));
      break;
    }
    case Op::Release: {
      const ResourceClass resource = pick_class();
      const size_t i = index_of(resource);
      const uint64_t amount = pick_amount(model.committed[i]);
      Result<void> released = ledger.release(resource, amount);
      if (amount > model.committed[i]) {
        RC_ASSERT(!released.has_value());
        RC_ASSERT(released.error() == Error::DoubleFree);
      } else {
        RC_ASSERT(released.has_value());
        model.committed[i] -= amount;
      }
      break;
    }
    case Op::SetLimit: {
      const ResourceClass resource = pick_class();
      const size_t i = index_of(resource);
      const uint64_t in_use = model.committed[i] + model.reserved(resource);
      const uint64_t limit = pick_amount(in_use + 10);
      Result<void> set = ledger.set_limit(resource, limit);
      if (limit < in_use) {
        RC_ASSERT(!set.has_value());
        RC_ASSERT(set.error() == Error::QuotaExceeded);
      } else {
        RC_ASSERT(set.has_value());
        model.limit[i] = limit;
      }
      break;
    }
  }
}

RC_GTEST_PROP(FrameLedgerProperty, SequencesKeepExactBalanceAndEndEmpty, ()) {
  capos::verify_report::evidence(12, "ledger", capos::verify_report::EvidenceKind::Tested);
  std::array<uint64_t, resource_class_count> limits{};
  for (uint64_t& limit : limits) limit = *rc::gen::inRange<uint64_t>(0, 50);
  FrameLedger ledger(limits);  // declared first: the tokens in `model` must die before it
  Model model{.limit = limits, .committed = {}, .tokens = {}};
  check_agrees(ledger, model);
  const int steps = *rc::gen::inRange(1, 150);
  for (int i = 0; i < steps; ++i) {
    step(ledger, model);
    check_agrees(ledger, model);
  }
  // Exit path: settle every outstanding token, release everything committed.
  model.tokens.clear();
  for (ResourceClass resource : all_resource_classes) {
    RC_ASSERT(ledger.reserved(resource) == 0U);
    RC_ASSERT(ledger.release(resource, model.committed[index_of(resource)]).has_value());
  }
  RC_ASSERT(ledger.is_empty());
}

}  // namespace
}  // namespace capos
