// verify/models/ring/hostile_model.h — kernel-side dispatch (KernelRing::enter and
// post_deferred) against a hostile user thread that, at every step, writes an arbitrary
// sq_tail, an arbitrary cq_head or an arbitrary SQE field, concurrently with the kernel.
//
// "Arbitrary" is finite but complete for the kernel's decisions: the kernel compares
// sq_tail - sq_head with sq_entries and cq_tail - cq_head with cq_entries, so the index values
// first-1 .. first+entries+1 (every in-window distance the kernel can meet here, and the first
// out-of-window ones on both sides) plus first+2^31 (far out) reach every branch; SQ slots get
// one of two user_data values (torn and changing snapshots). Stores are relaxed: the kernel then
// gets no happens-before from the user at all, so it may see any combination of the values
// written — every outcome release stores could give, and more. SQ slots are marked racy (the
// races are the point); CQ slots are not, and the user never touches them.
//
// Properties: the KernelDriver entry checks (fail closed iff out of window, each consumed SQE
// read exactly once from consecutive slots, never more than budget/pending, a reserved CQ slot
// for every consumption, the kernel's footprint: it never reads outside the SQ nor touches a
// word it does not own), recovery (once the writes stop and consistent indices are
// republished, the next entry accepts them, clears RING_FLAG_CORRUPT and consumes a full SQ),
// and at the end exactly one CQE per consumed SQE, carrying the user_data of the snapshot the
// dispatcher saw.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "verify/checker/execution.h"
#include "verify/models/ring/ring_model.h"

namespace capos::verify::ring {

template <typename Impl, uint32_t S, uint32_t C>
class HostileModel final : public Model {
  using Driver = KernelDriver<Impl, S, C>;
  using Page = typename Driver::Page;
  using Atomics = typename Driver::Atomics;
  using Outcome = typename Impl::Outcome;

 public:
  explicit HostileModel(const RingConfig& config)
      : m_config(config), m_page(std::make_unique<Page>()) {}

  [[nodiscard]] std::string describe() const override { return ring::describe(m_config); }

  void setup(Execution& execution) override {
    *m_page = Page{};
    execution.memory().mark_racy(m_page->sq, sizeof m_page->sq);
    m_kernel = std::make_unique<Driver>(execution, *m_page, m_config.first_index);
    m_user_atomics = std::make_unique<Atomics>(execution, *m_page, RingSide::User);
    m_kernel->enforce_footprint();
    m_user_atomics->enforce_footprint();
    m_consumed.clear();
    m_owed.clear();
    execution.spawn("kernel", [this, &execution] { kernel_thread(execution); });
    execution.spawn("hostile", [this, &execution] { hostile_thread(execution); });
  }

  void finish(Execution& execution) override {
    while (!m_owed.empty()) post_owed();
    recover(execution);
    while (!m_owed.empty()) post_owed();
    // Exactly one CQE per consumed SQE: the dispatcher tags each completion with the SQE's
    // consumption number (call_id) and its snapshot's user_data.
    const auto& written = m_kernel->atomics().cqes_written;
    execution.check(written.size() == m_consumed.size(), [&] {
      return std::to_string(m_consumed.size()) + " SQEs consumed but " +
             std::to_string(written.size()) + " CQEs posted";
    });
    std::vector<bool> seen(m_consumed.size(), false);
    for (const CapCqe& cqe : written) {
      const uint32_t number = cqe.call_id;
      execution.check(number < m_consumed.size() && !seen[number], [&] {
        return "CQE for SQE #" + std::to_string(number) + " posted twice or never consumed";
      });
      seen[number] = true;
      execution.check(cqe.user_data == m_consumed[number],
                      "CQE user_data differs from the SQE snapshot the dispatcher saw");
    }
  }

 private:
  static constexpr uint64_t VALUE_A = 0x55;  // odd: deferred when deferral is on
  static constexpr uint64_t VALUE_B = 0xAA;
  static constexpr uint32_t smaller(uint32_t a, uint32_t b) { return a < b ? a : b; }

  // Recovery: the hostile writer stops (the root happens-after it) and the user publishes
  // consistent indices — every CQE reaped, a full SQ queued. Whatever the writer left behind
  // (RING_FLAG_CORRUPT set or not), the next entry must accept them (the driver's checks: not
  // RingCorrupt for in-window indices, the flag cleared), and consume exactly
  // min(SQ, CQ, budget) SQEs from the kernel's own sq_head.
  void recover(Execution& execution) {
    Page& page = *m_page;
    auto& kernel = m_kernel->kernel();
    const uint32_t head = kernel.sq_head();
    m_user_atomics->store(page.sq_tail, head + S, std::memory_order_release);
    m_user_atomics->store(page.cq_head, kernel.cq_tail(), std::memory_order_release);
    const uint32_t corrupt_before = kernel.corrupt_count();
    kernel_enter(execution);
    const uint32_t want = smaller(S, smaller(C, smaller(m_config.budget, SQES_PER_ENTRY)));
    execution.check(kernel.flags() == 0 && kernel.corrupt_count() == corrupt_before &&
                        kernel.sq_head() == head + want,
                    [&] {
                      return "ring did not recover after the hostile writes stopped: consumed " +
                             std::to_string(kernel.sq_head() - head) + " of " +
                             std::to_string(want) + " republished SQEs, flags " +
                             hex(kernel.flags());
                    });
  }

  void kernel_thread(Execution& execution) {
    for (const char step : m_config.kernel) {
      if (step == 'e') kernel_enter(execution);
      if (step == 'p') {
        while (!m_owed.empty()) post_owed();
      }
    }
  }

  void kernel_enter(Execution& execution) {
    (void)execution;
    auto dispatch = [&](const CapSqe& sqe) -> Outcome {
      const auto number = static_cast<uint32_t>(m_consumed.size());
      m_consumed.push_back(sqe.user_data);
      CapCqe cqe{};
      cqe.call_id = number;
      if (m_config.defer && sqe.user_data % 2 == 1) {
        m_owed.push_back(cqe);
        return Outcome::defer();
      }
      return Outcome::complete(cqe);  // the ring fills in user_data
    };
    m_kernel->enter(m_config.budget, dispatch);
  }

  void post_owed() {
    CapCqe cqe = m_owed.front();
    m_owed.pop_front();
    cqe.user_data = m_consumed[cqe.call_id];
    m_kernel->post(cqe);
  }

  void hostile_thread(Execution& execution) {
    constexpr uint32_t tail_values = S + 4;  // first-1 .. first+S+1, first+2^31
    constexpr uint32_t head_values = C + 4;
    constexpr uint32_t slot_writes = 2 * S;
    Page& page = *m_page;
    for (uint32_t step = 0; step < m_config.hostile_steps; ++step) {
      uint32_t action = execution.choose(1 + tail_values + head_values + slot_writes);
      if (action == 0) return;  // the user stops writing
      --action;
      if (action < tail_values + head_values) {
        const bool tail = action < tail_values;
        const uint32_t index = tail ? action : action - tail_values;
        const uint32_t last = tail ? tail_values - 1 : head_values - 1;
        const uint32_t value =
            index == last ? m_config.first_index + (1U << 31) : m_config.first_index - 1 + index;
        if (execution.tracing()) {
          execution.note(std::string("hostile ") + (tail ? "sq_tail" : "cq_head") + " = " +
                         hex(value));
        }
        m_user_atomics->store(tail ? page.sq_tail : page.cq_head, value, std::memory_order_relaxed);
        continue;
      }
      action -= tail_values + head_values;
      const uint32_t slot = action / 2;
      CapSqe& target = page.sq[slot];
      const uint64_t value = action % 2 == 0 ? VALUE_A : VALUE_B;
      if (execution.tracing()) {
        execution.note("hostile sq[" + std::to_string(slot) + "].user_data = " + hex(value));
      }
      execution.store(&target.user_data, sizeof target.user_data, value, std::memory_order_relaxed,
                      Access::Payload);
    }
  }

  RingConfig m_config;
  std::unique_ptr<Page> m_page;
  std::unique_ptr<Driver> m_kernel;
  std::unique_ptr<Atomics> m_user_atomics;
  std::vector<uint64_t> m_consumed;  // kernel thread: snapshot user_data per consumed SQE
  std::deque<CapCqe> m_owed;         // kernel thread: deferred completions (FIFO)
};

}  // namespace capos::verify::ring
