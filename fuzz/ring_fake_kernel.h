// fuzz/ring_fake_kernel.h — a host stand-in for the kernel's CALL dispatch, built on lib/ring's
// object-independent decoding (decode_sqe, decode_xfer_descs, place_result_cap_records), with
// fake capability objects over a FakeAddressSpace. It follows STYLE.md's "decode, then invoke":
// every check (SQE, cap, params, descriptors, result placement, free slots) happens before any
// state changes or any byte is written to user memory.
//
// Objects: Echo (CALL copies params to the result buffer and mints method_id % 8 result caps —
// 5..7 exceed MAX_XFER_DESCS and must be refused), Timer (CALL is deferred until the harness
// fires it), Endpoint (loopback IPC inside the one ring: CALL defers until a RECV takes it and a
// RETURN answers it; RECV defers until a CALL arrives). Deferred completions that become known
// during an entry are queued in `ready` and posted by the harness after enter() returns, as the
// kernel would when the peer runs. The kernel's real dispatcher (kernel/cap/ring_dispatch.h) is
// host-built and fuzzed by fuzz/ring_kernel_dispatch.cpp; this fake stays for what that
// dispatcher does not do yet (deferred completions: Timer, Endpoint IPC).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <deque>
#include <optional>
#include <vector>

#include "fuzz/fuzz_support.h"
#include "fuzz/ring_fakes.h"
#include "lib/ring/abi.h"
#include "lib/ring/kernel_ring.h"
#include "lib/ring/sqe.h"

namespace capos::fuzz {

enum class ObjectKind : uint8_t { None, Echo, Timer, Endpoint };

inline constexpr size_t CAP_SLOTS = 8;
inline constexpr uint32_t MAX_PARAMS = 4096;
inline constexpr size_t MAX_PENDING = 4;  // per queue: timers, calls, waiting receivers

struct OwedCall {
  uint32_t call_id;
  uint64_t user_data;
  uint16_t method_id;
  uint64_t result_addr;
  uint32_t result_len;
  std::vector<uint8_t> params;
  bool delivered;
};

struct WaitingRecv {
  uint64_t user_data;
  uint64_t result_addr;
  uint32_t result_len;
};

class FakeKernel {
 public:
  explicit FakeKernel(FakeAddressSpace& memory) : m_memory(&memory) {
    m_caps = {ObjectKind::Echo, ObjectKind::Timer, ObjectKind::Endpoint, ObjectKind::Echo};
  }

  DispatchOutcome operator()(const CapSqe& sqe) {
    ++calls;
    const RingResult<Opcode> opcode = decode_sqe(sqe);
    if (!opcode) return fail(sqe, opcode.error());
    if (interrupt_context && *opcode == Opcode::Call) return DispatchOutcome::decline();
    switch (*opcode) {
      case Opcode::Nop: return done(sqe, 0);
      case Opcode::Release: {
        if (kind(sqe.cap_id) == ObjectKind::None) return fail(sqe, TransportCode::BadCap);
        m_caps[sqe.cap_id] = ObjectKind::None;
        return done(sqe, 0);
      }
      case Opcode::Call: return call(sqe);
      case Opcode::Recv: return recv(sqe);
      case Opcode::Return: return answer(sqe);
    }
    return fail(sqe, TransportCode::BadOpcode);
  }

  // Deferred SQEs whose CQE is still owed (must equal KernelRing::deferred()).
  [[nodiscard]] size_t owed() const {
    return timers.size() + pending_calls.size() + waiting.size() + ready.size();
  }

  // Every owed completion, now: fired timers, cancelled calls and receives.
  std::vector<CapCqe> cancel_all() {
    std::vector<CapCqe> out = std::move(ready);
    ready.clear();
    for (uint64_t user_data : timers) out.push_back(completion(user_data, 0));
    for (const OwedCall& c : pending_calls) {
      out.push_back(completion(c.user_data, to_raw(TransportCode::Cancelled)));
    }
    for (const WaitingRecv& r : waiting) {
      out.push_back(completion(r.user_data, to_raw(TransportCode::Cancelled)));
    }
    timers.clear();
    pending_calls.clear();
    waiting.clear();
    return out;
  }

  std::optional<CapCqe> fire_timer() {
    if (timers.empty()) return std::nullopt;
    const uint64_t user_data = timers.front();
    timers.pop_front();
    return completion(user_data, 0);
  }

  bool interrupt_context = false;
  uint64_t calls = 0;           // dispatcher invocations
  std::deque<uint64_t> timers;  // user_data of deferred timer CALLs
  std::vector<OwedCall> pending_calls;
  std::deque<WaitingRecv> waiting;
  std::vector<CapCqe> ready;  // owed CQEs now known, posted after the entry

 private:
  static CapCqe completion(uint64_t user_data, int32_t result) {
    CapCqe cqe{};
    cqe.user_data = user_data;
    cqe.result = result;
    return cqe;
  }
  static DispatchOutcome fail(const CapSqe& sqe, TransportCode code) {
    return DispatchOutcome::complete(error_completion(sqe, code));
  }
  static DispatchOutcome done(const CapSqe& sqe, int32_t result) {
    return DispatchOutcome::complete(completion(sqe.user_data, result));
  }

  [[nodiscard]] ObjectKind kind(uint32_t cap_id) const {
    return cap_id < CAP_SLOTS ? m_caps[cap_id] : ObjectKind::None;
  }

  // Checks the params buffer and copies it in.
  RingResult<std::vector<uint8_t>> read_params(const CapSqe& sqe) const {
    if (sqe.params_len > MAX_PARAMS) return TransportCode::TooBig;
    std::vector<uint8_t> params(sqe.params_len);
    if (!m_memory->copy_in(sqe.params_addr, params)) return TransportCode::Fault;
    return params;
  }

  // Copies in and decodes the transfer descriptors; every named cap must be live. Returns the
  // slots to clear when the operation commits (MOVEs).
  RingResult<std::vector<uint32_t>> decode_transfers(const CapSqe& sqe) const {
    std::vector<uint32_t> moved;
    if (sqe.xfer_count == 0) return moved;
    std::array<XferDesc, MAX_XFER_DESCS> descs{};
    KASSERT(sqe.xfer_count <= MAX_XFER_DESCS);  // decode_sqe's promise
    std::array<uint8_t, sizeof descs> raw{};
    const size_t bytes = size_t{sqe.xfer_count} * sizeof(XferDesc);
    if (!m_memory->copy_in(sqe.xfer_addr, std::span(raw).first(bytes))) return TransportCode::Fault;
    std::memcpy(descs.data(), raw.data(), bytes);
    const std::span<const XferDesc> list(descs.data(), sqe.xfer_count);
    TRY(decode_xfer_descs(list));
    for (const XferDesc& d : list) {
      if (kind(d.cap_id) == ObjectKind::None) return TransportCode::BadCap;
      if (d.mode == to_raw(TransferMode::Move)) moved.push_back(d.cap_id);
    }
    return moved;
  }

  void commit_moves(const std::vector<uint32_t>& moved) {
    for (uint32_t slot : moved) m_caps[slot] = ObjectKind::None;
  }

  DispatchOutcome call(const CapSqe& sqe) {
    const ObjectKind target = kind(sqe.cap_id);
    if (target == ObjectKind::None) return fail(sqe, TransportCode::BadCap);
    const auto params = read_params(sqe);
    if (!params) return fail(sqe, params.error());
    const auto moved = decode_transfers(sqe);
    if (!moved) return fail(sqe, moved.error());
    if (target == ObjectKind::Echo) return echo(sqe, *params, *moved);
    if (target == ObjectKind::Timer) {
      if (timers.size() >= MAX_PENDING) return fail(sqe, TransportCode::Quota);
      commit_moves(*moved);
      timers.push_back(sqe.user_data);
      return DispatchOutcome::defer();
    }
    if (pending_calls.size() >= MAX_PENDING) return fail(sqe, TransportCode::Quota);
    commit_moves(*moved);
    OwedCall owed{m_next_call_id++, sqe.user_data, sqe.method_id, sqe.result_addr,
                  sqe.result_len,   *params,       false};
    if (!waiting.empty()) {
      const WaitingRecv receiver = waiting.front();
      waiting.pop_front();
      const int32_t result = deliver(owed, receiver.result_addr, receiver.result_len);
      if (result >= 0) owed.delivered = true;
      ready.push_back(completion(receiver.user_data, result));
      if (result >= 0) ready.back().call_id = owed.call_id;
    }
    pending_calls.push_back(std::move(owed));
    return DispatchOutcome::defer();
  }

  DispatchOutcome echo(const CapSqe& sqe, const std::vector<uint8_t>& params,
                       const std::vector<uint32_t>& moved) {
    const uint32_t cap_count = sqe.method_id % 8U;
    const auto placement =
        place_result_cap_records(static_cast<uint32_t>(params.size()), cap_count, sqe.result_len);
    if (!placement) return fail(sqe, placement.error());
    std::vector<uint32_t> free_slots;
    for (uint32_t slot = 0; slot < CAP_SLOTS && free_slots.size() < cap_count; ++slot) {
      if (m_caps[slot] == ObjectKind::None) free_slots.push_back(slot);
    }
    if (free_slots.size() < cap_count) return fail(sqe, TransportCode::Quota);
    std::vector<uint8_t> out(placement->total_length, 0);
    FUZZ_CHECK(placement->records_offset >= params.size());
    FUZZ_CHECK(placement->total_length <= sqe.result_len);
    FUZZ_CHECK(placement->records_offset % alignof(ResultCapRecord) == 0 || cap_count == 0);
    FUZZ_CHECK(placement->records_offset - params.size() == placement->padding_length);
    if (!params.empty()) std::memcpy(out.data(), params.data(), params.size());
    for (uint32_t i = 0; i < cap_count; ++i) {
      ResultCapRecord record{free_slots[i], 0, 0xec40};
      const size_t at = placement->records_offset + size_t{i} * sizeof record;
      FUZZ_CHECK(at + sizeof record <= out.size());
      std::memcpy(out.data() + at, &record, sizeof record);
    }
    if (!m_memory->copy_out(sqe.result_addr, out)) return fail(sqe, TransportCode::Fault);
    commit_moves(moved);
    for (uint32_t i = 0; i < cap_count; ++i) m_caps[free_slots[i]] = ObjectKind::Echo;
    CapCqe cqe = completion(sqe.user_data, static_cast<int32_t>(placement->total_length));
    cqe.cap_count = cap_count;
    cqe.flags = cap_count > 0 ? CQE_FLAG_CAPS : 0;
    return DispatchOutcome::complete(cqe);
  }

  // Writes header + params of `owed` to a receiver's buffer; the CQE result.
  int32_t deliver(const OwedCall& owed, uint64_t addr, uint32_t length) {
    const uint64_t needed = sizeof(EndpointMessageHeader) + owed.params.size();
    if (needed > length) return to_raw(TransportCode::TooBig);
    std::vector<uint8_t> out(needed);
    EndpointMessageHeader header{
        owed.call_id, owed.method_id, 0, 0, static_cast<uint32_t>(owed.params.size()), 0, 0};
    std::memcpy(out.data(), &header, sizeof header);
    if (!owed.params.empty()) {
      std::memcpy(out.data() + sizeof header, owed.params.data(), owed.params.size());
    }
    if (!m_memory->copy_out(addr, out)) return to_raw(TransportCode::Fault);
    return static_cast<int32_t>(needed);
  }

  DispatchOutcome recv(const CapSqe& sqe) {
    if (kind(sqe.cap_id) != ObjectKind::Endpoint) return fail(sqe, TransportCode::BadCap);
    for (OwedCall& owed : pending_calls) {
      if (owed.delivered) continue;
      const int32_t result = deliver(owed, sqe.result_addr, sqe.result_len);
      if (result >= 0) owed.delivered = true;
      CapCqe cqe = completion(sqe.user_data, result);
      if (result >= 0) cqe.call_id = owed.call_id;
      return DispatchOutcome::complete(cqe);
    }
    if (waiting.size() >= MAX_PENDING) return fail(sqe, TransportCode::Quota);
    waiting.push_back({sqe.user_data, sqe.result_addr, sqe.result_len});
    return DispatchOutcome::defer();
  }

  DispatchOutcome answer(const CapSqe& sqe) {
    auto it = pending_calls.begin();
    while (it != pending_calls.end() && !(it->delivered && it->call_id == sqe.call_id)) ++it;
    if (it == pending_calls.end()) return fail(sqe, TransportCode::BadCallId);
    const auto params = read_params(sqe);
    if (!params) return fail(sqe, params.error());
    const auto moved = decode_transfers(sqe);
    if (!moved) return fail(sqe, moved.error());
    commit_moves(*moved);
    int32_t result = static_cast<int32_t>(params->size());
    if (params->size() > it->result_len) {
      result = to_raw(TransportCode::TooBig);
    } else if (!m_memory->copy_out(it->result_addr, *params)) {
      result = to_raw(TransportCode::Fault);
    }
    ready.push_back(completion(it->user_data, result));
    pending_calls.erase(it);
    return done(sqe, 0);
  }

  FakeAddressSpace* m_memory;
  std::array<ObjectKind, CAP_SLOTS> m_caps{};
  uint32_t m_next_call_id = 1;
};

}  // namespace capos::fuzz
