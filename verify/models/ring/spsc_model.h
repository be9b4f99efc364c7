// verify/models/ring/spsc_model.h — the ring SPSC protocol, both queues: an honest runtime
// (UserRing) and the kernel (KernelRing) running concurrently on one small ring page, the
// runtime optionally writing stray out-of-window indices and repairing them (republish).
//
// Properties (each a violation with a replayable trace when broken):
//   * every SQE the kernel dispatches is the next one submitted, byte for byte (no SQE lost,
//     duplicated, stale or torn: the payload was written before the sq_tail that published it);
//   * every CQE reaped is for a submitted SQE, byte for byte what the kernel posted, never
//     reaped twice, completions in order (deferred ones in order among themselves);
//   * neither side ever sees tail - head > entries: UserRing never reports RingCorrupt, and an
//     entry fails with RingCorrupt exactly when it read a stray out-of-window index (fail closed,
//     nothing consumed); the kernel's CQ reservation invariant holds after every entry;
//   * no payload data race: SQ/CQ slot accesses are ordered by the index release/acquire pairs;
//   * after both threads end (and the runtime republishes), draining the ring completes every
//     accepted SQE exactly once and clears RING_FLAG_CORRUPT (recovery).
#pragma once

#include <cstdint>
#include <cstring>
#include <deque>
#include <memory>
#include <string>

#include "verify/checker/execution.h"
#include "verify/models/ring/ring_model.h"

namespace capos::verify::ring {

// The SQE the runtime submits as number `id` and the CQE the kernel posts for it: every field
// depends on `id`, so a stale or torn copy never passes for the right one.
inline CapSqe sqe_for(uint64_t id) {
  CapSqe sqe{};
  sqe.opcode = to_raw(Opcode::Nop);
  sqe.method_id = static_cast<uint16_t>(id + 1);
  sqe.cap_id = static_cast<uint32_t>(100 + id);
  sqe.user_data = id;
  sqe.params_addr = 0x1000 * id;
  sqe.params_len = static_cast<uint32_t>(id);
  sqe.result_len = static_cast<uint32_t>(2 * id);
  sqe.result_addr = 0x2000 * id;
  sqe.call_id = static_cast<uint32_t>(3 * id);
  return sqe;
}
inline CapCqe cqe_for(uint64_t id) {
  CapCqe cqe{};
  cqe.user_data = id;
  cqe.result = static_cast<int32_t>(7 * id);
  cqe.call_id = static_cast<uint32_t>(1000 + id);
  return cqe;
}

template <typename Impl, uint32_t S, uint32_t C>
class SpscModel final : public Model {
  using Driver = KernelDriver<Impl, S, C>;
  using Page = typename Driver::Page;
  using Atomics = typename Driver::Atomics;
  using User = typename Impl::template User<Atomics, Page>;
  using Outcome = typename Impl::Outcome;

 public:
  explicit SpscModel(const RingConfig& config)
      : m_config(config), m_page(std::make_unique<Page>()) {}

  [[nodiscard]] std::string describe() const override { return ring::describe(m_config); }

  void setup(Execution& execution) override {
    *m_page = Page{};
    m_kernel = std::make_unique<Driver>(execution, *m_page, m_config.first_index);
    m_user_atomics = std::make_unique<Atomics>(execution, *m_page, RingSide::User);
    auto attached = User::attach(*m_page, *m_user_atomics);
    if (!attached.has_value()) execution.fail("UserRing::attach refused the model page");
    m_user = std::make_unique<User>(std::move(attached).take());
    m_kernel->enforce_footprint();
    m_user_atomics->enforce_footprint();
    m_kernel_book = KernelBook{};
    m_user_book = UserBook{};
    execution.spawn("kernel", [this, &execution] { kernel_thread(execution); });
    execution.spawn("user", [this, &execution] { user_thread(execution); });
  }

  void finish(Execution& execution) override {
    // The root now plays both sides (it happens-after everything the threads did): repair,
    // then drain until nothing moves.
    m_user->republish();
    for (uint32_t round = 0; round < 4 * (S + C) + 4; ++round) {
      const uint32_t head = m_kernel->kernel().sq_head();
      const uint64_t reaped = m_user_book.reaped;
      kernel_enter(execution, SQES_PER_ENTRY);
      while (!m_kernel_book.owed.empty()) post_owed(execution);
      while (user_reap(execution)) {
      }
      if (m_kernel->kernel().sq_head() == head && m_user_book.reaped == reaped) break;
    }
    const uint64_t accepted = m_user_book.next_id - 1;
    execution.check(m_user_book.reaped == accepted, [&] {
      return "CQE lost: " + std::to_string(accepted) + " SQEs accepted, " +
             std::to_string(m_user_book.reaped) + " CQEs reaped after draining";
    });
    execution.check(
        m_kernel->kernel().sq_head() == static_cast<uint32_t>(m_config.first_index + accepted),
        "kernel consumed other than the accepted SQEs");
    execution.check(m_kernel->kernel().deferred() == 0 && m_kernel->kernel().flags() == 0,
                    "ring did not recover (flag set or completions owed after draining)");
  }

 private:
  struct KernelBook {
    uint64_t next_expected = 1;
    std::deque<uint64_t> owed;  // deferred, not yet posted (FIFO)
  };
  struct UserBook {
    uint64_t next_id = 1;  // the next SQE to submit; 1..next_id-1 were accepted
    uint64_t reaped = 0;
    uint64_t reaped_mask = 0;
    uint64_t last_completed = 0;
    uint64_t last_deferred = 0;
  };

  [[nodiscard]] bool deferred(uint64_t id) const { return m_config.defer && id % 2 == 1; }

  void kernel_thread(Execution& execution) {
    for (const char step : m_config.kernel) {
      if (step == 'e') kernel_enter(execution, m_config.budget);
      if (step == 'p' && !m_kernel_book.owed.empty()) post_owed(execution);
    }
  }

  void kernel_enter(Execution& execution, uint32_t budget) {
    auto dispatch = [&](const CapSqe& sqe) -> Outcome {
      const uint64_t id = sqe.user_data;
      const uint64_t expected = m_kernel_book.next_expected;
      execution.check(id == expected, [&] {
        return "kernel dispatched SQE user_data=" + std::to_string(id) + ", expected " +
               std::to_string(expected) + " (an SQE lost, duplicated or stale)";
      });
      const CapSqe want = sqe_for(id);
      execution.check(std::memcmp(&sqe, &want, sizeof want) == 0,
                      [&] { return "kernel saw SQE " + std::to_string(id) + " torn or stale"; });
      ++m_kernel_book.next_expected;
      if (deferred(id)) {
        m_kernel_book.owed.push_back(id);
        return Outcome::defer();
      }
      CapCqe cqe = cqe_for(id);
      cqe.user_data = 0xBAD;  // the ring must echo the SQE's user_data ...
      cqe.reserved = 0xDEAD;  // ... and zero `reserved`
      return Outcome::complete(cqe);
    };
    m_kernel->enter(budget, dispatch);
    auto& kernel = m_kernel->kernel();
    // Honest user: the reservation invariant of KernelRing holds after every entry.
    execution.check(kernel.available() + kernel.deferred() <= C,
                    "kernel holds more than cq_entries unreaped or owed CQEs");
  }

  void post_owed(Execution& execution) {
    (void)execution;
    const uint64_t id = m_kernel_book.owed.front();
    m_kernel_book.owed.pop_front();
    m_kernel->post(cqe_for(id));
  }

  void user_thread(Execution& execution) {
    for (const char step : m_config.user) {
      switch (step) {
        case 's': user_submit(execution); break;
        case 'r': (void)user_reap(execution); break;
        case 'x': stray_index(execution); break;
        case 'p': m_user->republish(); break;
        default: break;
      }
    }
  }

  void user_submit(Execution& execution) {
    auto submitted = m_user->submit(sqe_for(m_user_book.next_id));
    if (submitted.has_value()) {
      if (execution.tracing()) execution.note("submitted " + std::to_string(m_user_book.next_id));
      ++m_user_book.next_id;
      return;
    }
    execution.check(submitted.error() == Error::WouldBlock,
                    "UserRing::submit saw sq_head outside its window (RingCorrupt)");
  }

  // Reaps one CQE and checks it; false when none was ready.
  bool user_reap(Execution& execution) {
    auto reaped = m_user->reap();
    if (!reaped.has_value()) {
      execution.check(reaped.error() == Error::WouldBlock,
                      "UserRing::reap saw cq_tail outside its window (RingCorrupt)");
      return false;
    }
    const CapCqe cqe = *reaped;
    const uint64_t id = cqe.user_data;
    UserBook& book = m_user_book;
    const auto named = [id](const char* what) {
      return [id, what] { return "CQE " + std::to_string(id) + what; };
    };
    execution.check(id >= 1 && id < book.next_id && id < 64,
                    named(" reaped but its SQE was never submitted"));
    execution.check((book.reaped_mask & (uint64_t{1} << id)) == 0, named(" delivered twice"));
    const CapCqe want = cqe_for(id);
    execution.check(std::memcmp(&cqe, &want, sizeof want) == 0, named(" reaped torn or stale"));
    uint64_t& last = deferred(id) ? book.last_deferred : book.last_completed;
    execution.check(id > last, named(" reaped out of order"));
    last = id;
    book.reaped_mask |= uint64_t{1} << id;
    ++book.reaped;
    if (execution.tracing()) execution.note("reaped " + std::to_string(id));
    return true;
  }

  // A runtime bug (or a hostile thread) writes an index far outside its window.
  void stray_index(Execution& execution) {
    const uint32_t which = execution.choose(4);
    Page& page = *m_page;
    const uint32_t tail = m_user->sq_tail();
    const uint32_t head = m_user->cq_head();
    constexpr uint32_t half = 1U << 31;
    const bool sq = which < 2;
    const uint32_t value = which == 0   ? tail + S + 1
                           : which == 1 ? tail + half
                           : which == 2 ? head - (C + 1)
                                        : head + half;
    if (execution.tracing()) {
      execution.note(std::string("stray ") + (sq ? "sq_tail" : "cq_head") + " = " + hex(value));
    }
    m_user_atomics->store(sq ? page.sq_tail : page.cq_head, value, std::memory_order_release);
  }

  RingConfig m_config;
  std::unique_ptr<Page> m_page;  // one address for every execution (locations are addresses)
  std::unique_ptr<Driver> m_kernel;
  std::unique_ptr<Atomics> m_user_atomics;
  std::unique_ptr<User> m_user;
  KernelBook m_kernel_book;  // kernel thread
  UserBook m_user_book;      // user thread
};

}  // namespace capos::verify::ring
