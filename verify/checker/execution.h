// verify/checker/execution.h — one execution of a model: its threads, its memory, and the
// choices (which thread runs next, which store a load reads, model nondeterminism) that make it
// one particular interleaving. The explorer (explore.h) runs executions over and over with
// different choices; models and atomics policies only see this interface.
//
// Threads are cooperatively scheduled fibers. Every shared-memory access a model thread makes
// through load()/store()/fence() is a scheduling point: the thread stops *before* the access
// and the explorer picks which thread performs its next access. Code between accesses is local
// and runs without interruption, so a thread's local state is a function of the values its
// accesses returned and the choose() results it got — which is what makes state fingerprints
// (thread histories + modification orders) sound. Model rule that follows: threads communicate
// only through modelled memory; bookkeeping a thread keeps for the final checks must be its own
// (read by finish(), after every thread has ended).
#pragma once

#include <atomic>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "verify/checker/fiber.h"
#include "verify/checker/hash.h"
#include "verify/checker/memory.h"

namespace capos::verify {

class Execution;

// A model: setup() runs on the root thread, writes the initial state and spawns the model
// threads; finish() runs on the root thread after all of them have ended (it happens-after
// every access they made) and checks the end-state properties. Both may call fail().
class Model {
 public:
  Model() = default;
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;
  Model(Model&&) = delete;
  Model& operator=(Model&&) = delete;
  virtual ~Model() = default;
  [[nodiscard]] virtual std::string describe() const = 0;
  virtual void setup(Execution& execution) = 0;
  virtual void finish(Execution& execution) = 0;
};

enum class ChoiceKind : uint8_t { Thread, ReadsFrom, Model };

// Where an execution's choices come from (the explorer's DFS path, a PRNG, or a trace).
class Chooser {
 public:
  Chooser() = default;
  Chooser(const Chooser&) = delete;
  Chooser& operator=(const Chooser&) = delete;
  Chooser(Chooser&&) = delete;
  Chooser& operator=(Chooser&&) = delete;
  virtual ~Chooser() = default;
  // An index in [0, count), count >= 2.
  virtual uint32_t choose(uint32_t count, ChoiceKind kind) = 0;
  // Called at every scheduling point with the state's fingerprint and the preemptions left;
  // true prunes the execution there (the state's futures were or will be explored).
  virtual bool prune(const Hash128& state, uint32_t budget) = 0;
};

enum class RunStatus : uint8_t { Completed, Pruned, Violated };

class Execution {
 public:
  // preemption_bound < 0: unbounded.
  explicit Execution(int preemption_bound = -1, bool tracing = false);
  Execution(const Execution&) = delete;
  Execution& operator=(const Execution&) = delete;
  Execution(Execution&&) = delete;
  Execution& operator=(Execution&&) = delete;
  ~Execution();

  RunStatus run(Model& model, Chooser& chooser);

  // ---- for models ----
  // Root only, during setup(): a model thread, started once setup() returns.
  ThreadId spawn(std::string name, std::function<void()> body);
  // Model nondeterminism (e.g. which hostile value to write): an index in [0, count).
  uint32_t choose(uint32_t count);
  // Records a violation and ends the execution (never returns).
  [[noreturn]] void fail(std::string message);
  void check(bool condition, std::string_view what) {
    if (!condition) fail(std::string(what));
  }
  // The same, building the message only on failure: check(ok, [&] { return "..." + x; }).
  template <typename MakeMessage>
    requires std::invocable<MakeMessage&>
  void check(bool condition, MakeMessage make_message) {
    if (!condition) fail(std::string(make_message()));
  }
  // Traces are only collected when replaying a trace; build notes only if tracing().
  [[nodiscard]] bool tracing() const { return m_tracing; }
  void note(std::string text);
  [[nodiscard]] ThreadId current() const { return m_current; }
  [[nodiscard]] MemoryModel& memory() { return m_memory; }

  // ---- for atomics policies ----
  // One shared-memory step: schedule_point() and then any number of *_in_step accesses; or
  // load()/store()/fence(), which are a step each.
  void schedule_point();
  uint64_t load_in_step(void* address, size_t size, std::memory_order order, Access access);
  void store_in_step(void* address, size_t size, uint64_t value, std::memory_order order,
                     Access access);
  uint64_t load(void* address, size_t size, std::memory_order order, Access access) {
    schedule_point();
    return load_in_step(address, size, order, access);
  }
  void store(void* address, size_t size, uint64_t value, std::memory_order order, Access access) {
    schedule_point();
    store_in_step(address, size, value, order, access);
  }
  void fence(std::memory_order order);
  // A store to a location no other thread ever accesses (while the threads run): it needs no
  // scheduling point, since it commutes with every other thread's step — the "invisible
  // operation" reduction. Checked: another thread's access to the location is a violation.
  void store_private(void* address, size_t size, uint64_t value, std::memory_order order);

  // ---- for the explorer ----
  [[nodiscard]] uint64_t steps() const { return m_steps; }
  [[nodiscard]] const std::string& violation() const { return m_violation; }
  [[nodiscard]] std::string trace() const;
  // The execution running on this OS thread, if any (for the capos_panic hook).
  static Execution* active();

 private:
  struct Thread {
    std::string name;
    std::function<void()> body;
    ThreadClocks clocks;
    Hash128 history;  // everything the thread observed, in program order
    bool finished = false;
    bool killed = false;  // unwound by abandon_threads()
  };
  struct Event {
    ThreadId thread = ROOT_THREAD;
    uint8_t kind = 0;  // 'L' load, 'S' store, 'F' fence, 'C' choice, 'N' note, 'T' switch
    std::memory_order order = std::memory_order_relaxed;
    const void* location = nullptr;
    uint64_t value = 0;
    StoreId from;
    uint32_t choices = 0;
    uint32_t chosen = 0;
    size_t note = 0;  // 'N': index into m_notes; 'L'/'S': 1 for a payload access
  };
  struct Killed {};  // unwinds a model thread whose execution ended

  uint32_t pick(uint32_t count, ChoiceKind kind);
  Hash128 fingerprint() const;
  void abandon_threads();
  void record(const Event& event);
  void check_owner(const Location& location);
  Thread& self() { return m_threads[m_current]; }

  int m_preemption_bound;
  bool m_tracing;
  MemoryModel m_memory;
  std::vector<Thread> m_threads;                 // [0] is the root
  std::vector<std::unique_ptr<Fiber>> m_fibers;  // m_fibers[i] runs m_threads[i + 1]
  Chooser* m_chooser = nullptr;
  ThreadId m_current = ROOT_THREAD;
  ThreadId m_last = ROOT_THREAD;  // the thread that made the previous step
  uint32_t m_preemptions = 0;
  bool m_spawning_allowed = false;
  bool m_killing = false;
  uint64_t m_steps = 0;
  std::string m_violation;
  std::vector<Event> m_events;
  std::vector<std::string> m_notes;
  std::vector<uint32_t> m_candidates;  // scratch for loads
};

}  // namespace capos::verify
