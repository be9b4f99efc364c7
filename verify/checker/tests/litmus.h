// verify/checker/tests/litmus.h — a tiny harness for memory-model litmus tests: a few shared
// words, thread bodies that load/store them through the checker, and the set of final register
// outcomes over every explored execution.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "verify/checker/execution.h"
#include "verify/checker/explore.h"

namespace capos::verify::litmus {

inline constexpr uint32_t UNSET = 0xFFFFFFFF;  // a register the thread did not load

struct Shared {
  uint32_t x = 0;
  uint32_t y = 0;
  uint32_t data = 0;  // payload (race-checked)
};

using Registers = std::array<uint32_t, 2>;

// The access helpers thread bodies use.
struct Ops {
  Execution* execution;
  Shared* shared;

  uint32_t load(uint32_t& word, std::memory_order order) const {
    return static_cast<uint32_t>(execution->load(&word, sizeof word, order, Access::Atomic));
  }
  void store(uint32_t& word, uint32_t value, std::memory_order order) const {
    execution->store(&word, sizeof word, value, order, Access::Atomic);
  }
  uint32_t read(uint32_t& word) const {
    return static_cast<uint32_t>(
        execution->load(&word, sizeof word, std::memory_order_relaxed, Access::Payload));
  }
  void write(uint32_t& word, uint32_t value) const {
    execution->store(&word, sizeof word, value, std::memory_order_relaxed, Access::Payload);
  }
};

using Body = std::function<void(const Ops&, Registers&)>;

class Litmus final : public Model {
 public:
  explicit Litmus(std::vector<Body> bodies) : m_bodies(std::move(bodies)) {}

  [[nodiscard]] std::string describe() const override { return "litmus"; }

  void setup(Execution& execution) override {
    m_shared = Shared{};
    execution.memory().name(&m_shared.x, "x");
    execution.memory().name(&m_shared.y, "y");
    execution.memory().name(&m_shared.data, "data");
    m_registers.assign(m_bodies.size(), Registers{UNSET, UNSET});
    for (size_t i = 0; i < m_bodies.size(); ++i) {
      execution.spawn("t" + std::to_string(i), [this, &execution, i] {
        m_bodies[i](Ops{&execution, &m_shared}, m_registers[i]);
      });
    }
  }

  void finish(Execution& /*execution*/) override {
    std::vector<uint32_t> outcome;
    for (const Registers& registers : m_registers) {
      outcome.insert(outcome.end(), registers.begin(), registers.end());
    }
    outcomes.insert(outcome);
  }

  std::set<std::vector<uint32_t>> outcomes;

 private:
  std::vector<Body> m_bodies;
  std::vector<Registers> m_registers;  // each thread writes only its own
  Shared m_shared;
};

}  // namespace capos::verify::litmus
