// verify/bounded/state_space.h — explicit-state exploration to a fixed point.
//
// explore() runs breadth-first over the states a Model reaches from its initial states,
// storing every distinct state once (exact storage, no hash compaction), until no new state
// appears. For a finite configuration that closes the reachable state space: a property the
// Model checks on every state and every transition then holds after operation sequences of any
// length, not only up to a depth. The first violation stops the search and is reported with
// the shortest operation sequence that reaches it (BFS order).
//
// A Model provides:
//   static constexpr size_t key_size;                    // bytes of a canonical state
//   std::vector<Key> initial_states();
//   void expand(const Key& state, Successors<key_size>& next, Checker& check);
//   std::string describe(uint32_t operation) const;       // for counterexample traces
// expand() rebuilds the real object from `state`, applies each operation to a fresh rebuild,
// checks the properties and emits each successor's canonical key.
//
// A KASSERT (capos_panic) that fires inside the real code while a state is expanded is a
// violation too: panic_report.cpp prints it as one, with the operations that reached the state
// (panic_trace() below), and exits with the provers' failure status.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace capos::verify {

// The first violated property, recorded by a Model while it expands a state.
class Checker {
 public:
  void fail(std::string message) {
    if (!m_failed) m_message = std::move(message);
    m_failed = true;
  }
  [[nodiscard]] bool failed() const { return m_failed; }
  [[nodiscard]] const std::string& message() const { return m_message; }

 private:
  bool m_failed = false;
  std::string m_message;
};

// Prints the operations leading to the state being expanded; empty outside an exploration.
inline std::function<void()>& panic_trace() {
  static std::function<void()> trace;
  return trace;
}

// Installs a panic trace for one exploration and removes it afterwards.
class PanicTraceScope {
 public:
  explicit PanicTraceScope(std::function<void()> trace) { panic_trace() = std::move(trace); }
  PanicTraceScope(const PanicTraceScope&) = delete;
  PanicTraceScope& operator=(const PanicTraceScope&) = delete;
  ~PanicTraceScope() { panic_trace() = nullptr; }
};

template <size_t KeySize>
using StateKey = std::array<uint8_t, KeySize>;

template <size_t KeySize>
class Successors {
 public:
  struct Edge {
    uint32_t operation;
    StateKey<KeySize> key;
  };
  void emit(uint32_t operation, const StateKey<KeySize>& key) {
    m_edges.push_back({operation, key});
  }
  void clear() { m_edges.clear(); }
  [[nodiscard]] const std::vector<Edge>& edges() const { return m_edges; }

 private:
  std::vector<Edge> m_edges;
};

// Every state seen, in BFS order, with the edge that first reached it. Invariant: m_index is an
// open-addressing table (power-of-two size, load <= 1/2) of positions into m_keys + 1, 0 = empty.
template <size_t KeySize>
class StateSpace {
 public:
  using Key = StateKey<KeySize>;
  static constexpr uint32_t no_parent = ~uint32_t{0};

  StateSpace() : m_index(size_t{1} << 16, 0) {}

  // The position of `key`, and whether it was new.
  std::pair<uint32_t, bool> insert(const Key& key, uint32_t parent, uint32_t operation) {
    if ((m_keys.size() + 1) * 2 > m_index.size()) grow();
    const size_t mask = m_index.size() - 1;
    for (size_t slot = hash(key) & mask;; slot = (slot + 1) & mask) {
      const uint32_t entry = m_index[slot];
      if (entry == 0) {
        m_keys.push_back(key);
        m_parent.push_back(parent);
        m_operation.push_back(operation);
        const auto position = static_cast<uint32_t>(m_keys.size() - 1);
        m_index[slot] = position + 1;
        return {position, true};
      }
      if (m_keys[entry - 1] == key) return {entry - 1, false};
    }
  }

  [[nodiscard]] size_t size() const { return m_keys.size(); }
  [[nodiscard]] const Key& key(uint32_t position) const { return m_keys[position]; }

  // The operations from an initial state to `position`, first to last.
  [[nodiscard]] std::vector<uint32_t> path(uint32_t position) const {
    std::vector<uint32_t> operations;
    for (uint32_t at = position; m_parent[at] != no_parent; at = m_parent[at]) {
      operations.insert(operations.begin(), m_operation[at]);
    }
    return operations;
  }

 private:
  static uint64_t hash(const Key& key) {
    uint64_t h = 0x9e37'79b9'7f4a'7c15ULL ^ KeySize;
    for (size_t at = 0; at < KeySize; at += 8) {
      uint64_t word = 0;
      std::memcpy(&word, key.data() + at, KeySize - at < 8 ? KeySize - at : 8);
      h = (h ^ word) * 0xff51'afd7'ed55'8ccdULL;
      h ^= h >> 32;
    }
    return h;
  }

  void grow() {
    std::vector<uint32_t> bigger(m_index.size() * 2, 0);
    const size_t mask = bigger.size() - 1;
    for (uint32_t position = 0; position < m_keys.size(); ++position) {
      size_t slot = hash(m_keys[position]) & mask;
      while (bigger[slot] != 0) slot = (slot + 1) & mask;
      bigger[slot] = position + 1;
    }
    m_index = std::move(bigger);
  }

  std::vector<Key> m_keys;
  std::vector<uint32_t> m_parent;
  std::vector<uint32_t> m_operation;
  std::vector<uint32_t> m_index;
};

struct Outcome {
  uint64_t states = 0;
  uint64_t transitions = 0;
  uint32_t depth = 0;  // BFS levels: the longest shortest path to a state
  double seconds = 0;
  bool closed = false;  // the fixed point was reached within the state limit
  std::string violation;
  std::vector<std::string> trace;  // operations leading to the violating state
  [[nodiscard]] bool violated() const { return !violation.empty(); }
};

// Explores to the fixed point, stopping at the first violation or after `state_limit` states.
// `visit`, if given, is called with every state stored, after the search.
template <typename Model>
Outcome explore(Model& model, uint64_t state_limit,
                const std::function<void(const StateKey<Model::key_size>&)>& visit = {}) {
  constexpr size_t key_size = Model::key_size;
  const auto started = std::chrono::steady_clock::now();
  StateSpace<key_size> space;
  Outcome outcome;
  for (const auto& key : model.initial_states()) {
    space.insert(key, StateSpace<key_size>::no_parent, 0);
  }
  Successors<key_size> next;
  uint64_t level_end = space.size();
  uint64_t at = 0;
  const PanicTraceScope panic_scope([&]() {
    const std::vector<uint32_t> path = space.path(static_cast<uint32_t>(at));
    std::printf("  trace to the state being expanded (%zu operations):", path.size());
    for (uint32_t operation : path) std::printf(" %s;", model.describe(operation).c_str());
    std::printf("\n");
  });
  for (; at < space.size(); ++at) {
    if (at == level_end) {
      ++outcome.depth;
      level_end = space.size();
    }
    if (space.size() > state_limit) break;
    const auto position = static_cast<uint32_t>(at);
    const auto state = space.key(position);
    Checker check;
    next.clear();
    model.expand(state, next, check);
    if (check.failed()) {
      outcome.violation = check.message();
      for (uint32_t operation : space.path(position)) {
        outcome.trace.push_back(model.describe(operation));
      }
      break;
    }
    for (const auto& edge : next.edges()) {
      ++outcome.transitions;
      space.insert(edge.key, position, edge.operation);
    }
    if (at + 1 == space.size()) outcome.closed = true;
  }
  outcome.states = space.size();
  if (visit) {
    for (uint32_t position = 0; position < space.size(); ++position) visit(space.key(position));
  }
  outcome.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return outcome;
}

}  // namespace capos::verify
