#include "lib/mem/frame_ledger.h"

#include <utility>

#include "lib/core/panic.h"

namespace capos {

const char* resource_class_name(ResourceClass resource) {
  switch (resource) {
    case ResourceClass::CapSlots: return "CapSlots";
    case ResourceClass::EndpointQueueDepth: return "EndpointQueueDepth";
    case ResourceClass::OutstandingCalls: return "OutstandingCalls";
    case ResourceClass::RingScratch: return "RingScratch";
    case ResourceClass::FrameGrants: return "FrameGrants";
    case ResourceClass::LogBytes: return "LogBytes";
    case ResourceClass::CpuBudget: return "CpuBudget";
  }
  return "UnknownResourceClass";
}

FrameLedger::Reservation::Reservation(Reservation&& other) noexcept
    : m_ledger(std::exchange(other.m_ledger, nullptr)),
      m_resource(other.m_resource),
      m_amount(std::exchange(other.m_amount, 0)) {}

FrameLedger::Reservation& FrameLedger::Reservation::operator=(Reservation&& other) noexcept {
  if (this != &other) {
    if (m_ledger != nullptr) m_ledger->return_reserved(*this);
    m_ledger = std::exchange(other.m_ledger, nullptr);
    m_resource = other.m_resource;
    m_amount = std::exchange(other.m_amount, 0);
  }
  return *this;
}

FrameLedger::Reservation::~Reservation() {
  if (m_ledger != nullptr) m_ledger->return_reserved(*this);
}

FrameLedger::FrameLedger(const std::array<uint64_t, resource_class_count>& limits) {
  for (size_t index = 0; index < resource_class_count; ++index) {
    m_accounts[index].limit = limits[index];
  }
}

FrameLedger::~FrameLedger() {
  // A live Reservation would dangle: the owner's teardown settles every token first.
  KASSERT(m_outstanding == 0);
}

Result<FrameLedger::Reservation> FrameLedger::reserve(ResourceClass resource, uint64_t amount) {
  Account& entry = account(resource);
  if (amount > available(resource)) return Error::QuotaExceeded;
  entry.reserved += amount;  // <= limit - committed by the check above: no wrap
  ++m_outstanding;           // bounded by address space: each live token is a distinct object
  return Reservation(*this, resource, amount);
}

void FrameLedger::commit(Reservation token) {
  KASSERT(token.m_ledger == this);  // live and ours; a second commit of one token is a bug
  Account& entry = account(token.m_resource);
  KASSERT(entry.reserved >= token.m_amount);  // reserved is the sum of live tokens
  entry.reserved -= token.m_amount;
  entry.committed += token.m_amount;  // committed + reserved unchanged: still <= limit
  --m_outstanding;
  token.settle();
}

void FrameLedger::rollback(Reservation token) {
  if (token.m_ledger == nullptr) return;  // already settled: exactly-once
  KASSERT(token.m_ledger == this);
  return_reserved(token);
  token.settle();
}

void FrameLedger::return_reserved(const Reservation& token) {
  Account& entry = account(token.m_resource);
  KASSERT(entry.reserved >= token.m_amount);  // reserved is the sum of live tokens
  KASSERT(m_outstanding > 0);
  entry.reserved -= token.m_amount;
  --m_outstanding;
}

Result<void> FrameLedger::release(ResourceClass resource, uint64_t amount) {
  Account& entry = account(resource);
  if (amount > entry.committed) return Error::DoubleFree;
  entry.committed -= amount;
  return {};
}

Result<void> FrameLedger::set_limit(ResourceClass resource, uint64_t limit) {
  Account& entry = account(resource);
  // committed + reserved <= old limit <= UINT64_MAX, so the sum cannot wrap.
  if (limit < entry.committed + entry.reserved) return Error::QuotaExceeded;
  entry.limit = limit;
  return {};
}

uint64_t FrameLedger::available(ResourceClass resource) const {
  const Account& entry = account(resource);
  return entry.limit - entry.committed - entry.reserved;  // invariant: no wrap
}

bool FrameLedger::is_empty() const {
  if (m_outstanding != 0) return false;
  for (const Account& entry : m_accounts) {
    if (entry.committed != 0 || entry.reserved != 0) return false;
  }
  return true;
}

bool FrameLedger::invariants_hold() const {
  for (const Account& entry : m_accounts) {
    if (entry.committed > entry.limit || entry.reserved > entry.limit - entry.committed) {
      return false;
    }
  }
  return true;
}

FrameLedger::Account& FrameLedger::account(ResourceClass resource) {
  const auto index = static_cast<size_t>(resource);
  KASSERT(index < resource_class_count);  // a forged enum value is a kernel bug
  return m_accounts[index];
}

const FrameLedger::Account& FrameLedger::account(ResourceClass resource) const {
  const auto index = static_cast<size_t>(resource);
  KASSERT(index < resource_class_count);
  return m_accounts[index];
}

}  // namespace capos
