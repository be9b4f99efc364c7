#include "kernel/cap/invocation.h"

#include "lib/core/panic.h"

namespace capos::kernel {

Error Invocation::fail(Error error, const char* message) {
  KASSERT(m_phase == Phase::Decode);  // invoke steps cannot fail
  if (!m_failed) {
    m_failure =
        CallFailure{.error = error, .exception = gen::ExceptionType::Failed, .message = message};
    m_failed = true;
  }
  return m_failure.error;
}

Error Invocation::exception(gen::ExceptionType type, const char* message) {
  KASSERT(m_phase == Phase::Decode);
  if (!m_failed) {
    m_failure =
        CallFailure{.error = Error::ApplicationException, .exception = type, .message = message};
    m_failed = true;
  }
  return m_failure.error;
}

TransferPlan& Invocation::transfers() { return m_transfers; }

Result<void> Invocation::reserve_result_caps(uint32_t count) {
  KASSERT(m_phase == Phase::Decode);
  KASSERT(!m_result_slots.has_value() && count >= 1);  // once per call, for at least one cap
  m_result_slots.emplace(TRY(SlotReservation::reserve(*m_caller.caps, *m_caller.ledger, count)));
  m_result_cap_count = count;
  return {};
}

void Invocation::publish_result_cap(uint32_t index, ObjectRef object, uint64_t interface_id,
                                    uint64_t badge) {
  KASSERT(m_phase == Phase::Invoke);
  KASSERT(index < m_result_cap_count && !m_published[index]);
  KASSERT(m_result_slots.has_value());  // reserve_result_caps() ran (index < count)
  const CapId id = m_result_slots->commit(
      index, ObjectTable::Entry{
                 .object = std::move(object), .interface_id = interface_id, .badge = badge});
  m_result_caps[index] = ResultCapRecord{.cap_id = id, .reserved = 0, .interface_id = interface_id};
  m_published[index] = true;
}

CompletionToken Invocation::defer() {
  KASSERT(m_phase == Phase::Invoke);
  KASSERT(!m_deferred && m_result_cap_count == 0);
  m_deferred = true;
  return CompletionToken(*m_caller.completions,
                         DeferredCall{.user_data = m_sqe.user_data,
                                      .result_addr = m_sqe.result_addr,
                                      .result_len = static_cast<uint32_t>(m_window.size())});
}

Result<ResultCapPlacement> Invocation::admit() {
  KASSERT(m_phase == Phase::Decode && m_plan.has_value());
  if (!m_transfers.empty() && !m_transfers.claimed()) {
    return fail(Error::BadXfer, "this method accepts no capabilities");
  }
  // The window is at most result_scratch_bytes (8 KiB), so its size fits the u32 the ABI uses.
  const Result<ResultCapPlacement> placement = place_result_cap_records(
      m_plan.payload_length(), m_result_cap_count, static_cast<uint32_t>(m_window.size()));
  if (!placement) return fail(placement.error(), "the result caps do not fit the result buffer");
  return *placement;
}

void Invocation::invoke() {
  KASSERT(m_phase == Phase::Decode && !m_failed);
  m_phase = Phase::Invoke;
  m_plan.invoke(*this);
  for (uint32_t i = 0; i < m_result_cap_count; ++i) KASSERT(m_published[i]);
  m_phase = Phase::Done;
}

void Invocation::write_result_cap_records(const ResultCapPlacement& placement) const {
  KASSERT(m_phase == Phase::Done);
  // SPEC §4: zero padding between the payload and the records (the window was zero-filled, and
  // the results builder wrote only the payload; written again so no other writer matters).
  for (uint32_t at = placement.records_offset - placement.padding_length;
       at < placement.records_offset; ++at) {
    m_window[at] = 0;
  }
  bool stored = true;
  for (uint32_t i = 0; i < m_result_cap_count; ++i) {
    const ResultCapRecord& record = m_result_caps[i];
    const uint64_t at = placement.records_offset + uint64_t{i} * sizeof(ResultCapRecord);
    // Offsets per lib/ring/abi.h ResultCapRecord (static_asserted there).
    stored = stored && store_le<uint32_t>(m_window, at, record.cap_id).has_value() &&
             store_le<uint32_t>(m_window, at + 4, 0).has_value() &&
             store_le<uint64_t>(m_window, at + 8, record.interface_id).has_value();
  }
  KASSERT(stored);  // place_result_cap_records() put every record inside the window
}

}  // namespace capos::kernel
