// verify/checker/execution.cpp — see execution.h.
#include "verify/checker/execution.h"

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>

namespace capos::verify {

namespace {

thread_local Execution* g_active = nullptr;

// Tags mixed into thread histories, so different kinds of observation never collide.
enum class Observed : uint8_t { Load = 1, Store, Choice, Fence, Finished };

const char* order_name(std::memory_order order) {
  switch (order) {
    case std::memory_order_relaxed: return "relaxed";
    case std::memory_order_consume: return "consume";
    case std::memory_order_acquire: return "acquire";
    case std::memory_order_release: return "release";
    case std::memory_order_acq_rel: return "acq_rel";
    case std::memory_order_seq_cst: return "seq_cst";
  }
  return "?";
}

// Restores the active-execution pointer however run() leaves.
class ActiveGuard {
 public:
  explicit ActiveGuard(Execution* execution) : m_previous(g_active) { g_active = execution; }
  ActiveGuard(const ActiveGuard&) = delete;
  ActiveGuard& operator=(const ActiveGuard&) = delete;
  ActiveGuard(ActiveGuard&&) = delete;
  ActiveGuard& operator=(ActiveGuard&&) = delete;
  ~ActiveGuard() { g_active = m_previous; }

 private:
  Execution* m_previous;
};

}  // namespace

Execution::Execution(int preemption_bound, bool tracing)
    : m_preemption_bound(preemption_bound), m_tracing(tracing) {}

Execution::~Execution() = default;

Execution* Execution::active() { return g_active; }

ThreadId Execution::spawn(std::string name, std::function<void()> body) {
  if (!m_spawning_allowed || m_threads.size() >= MAX_THREADS) {
    (void)std::fprintf(stderr, "verify: spawn outside setup() or more than %zu threads\n",
                       MAX_THREADS - 1);
    std::abort();
  }
  Thread thread;
  thread.name = std::move(name);
  thread.body = std::move(body);
  thread.clocks.clock = m_threads[ROOT_THREAD].clocks.clock;  // spawn happens-before the thread
  m_threads.push_back(std::move(thread));
  return static_cast<ThreadId>(m_threads.size() - 1);
}

RunStatus Execution::run(Model& model, Chooser& chooser) {
  const ActiveGuard guard(this);
  m_chooser = &chooser;
  m_memory.reset();
  m_threads.clear();
  m_threads.push_back(Thread{"root", {}, {}, {}, false});
  m_current = ROOT_THREAD;
  m_last = ROOT_THREAD;
  m_preemptions = 0;
  m_steps = 0;
  m_violation.clear();
  m_events.clear();
  m_notes.clear();

  m_spawning_allowed = true;
  try {
    model.setup(*this);
  } catch (const Killed&) {
    m_spawning_allowed = false;
    return RunStatus::Violated;
  }
  m_spawning_allowed = false;

  // Start every thread: each runs its local code up to its first shared access.
  const auto thread_count = static_cast<ThreadId>(m_threads.size());
  while (m_fibers.size() + 1 < thread_count) m_fibers.push_back(std::make_unique<Fiber>());
  for (ThreadId id = 1; id < thread_count; ++id) {
    m_fibers[id - 1]->start([this, id] {
      try {
        m_threads[id].body();
      } catch (const Killed&) {
        // The execution ended (violation or pruned) while this thread was suspended.
        m_threads[id].killed = true;
      }
      m_threads[id].finished = true;
      m_threads[id].history.add(static_cast<uint64_t>(Observed::Finished));
    });
  }
  for (ThreadId id = 1; id < thread_count && m_violation.empty(); ++id) {
    m_current = id;
    m_fibers[id - 1]->resume();
    m_current = ROOT_THREAD;
  }

  std::vector<ThreadId> options;
  while (m_violation.empty()) {
    options.clear();
    const bool last_runnable = m_last != ROOT_THREAD && !m_threads[m_last].finished;
    if (last_runnable) options.push_back(m_last);
    for (ThreadId id = 1; id < thread_count; ++id) {
      if (!m_threads[id].finished && id != m_last) options.push_back(id);
    }
    if (options.empty()) break;
    const bool bounded = m_preemption_bound >= 0;
    const uint32_t budget = bounded ? static_cast<uint32_t>(m_preemption_bound) - m_preemptions : 0;
    if (m_chooser->prune(fingerprint(), budget)) {
      abandon_threads();
      return RunStatus::Pruned;
    }
    if (bounded && last_runnable && budget == 0) options.resize(1);
    const ThreadId next = options[pick(static_cast<uint32_t>(options.size()), ChoiceKind::Thread)];
    if (last_runnable && next != m_last) ++m_preemptions;
    if (next != m_last) {
      record(Event{next, 'T', std::memory_order_relaxed, nullptr, 0, {}, 0, 0, 0});
    }
    m_last = next;
    m_current = next;
    m_fibers[next - 1]->resume();
    m_current = ROOT_THREAD;
  }
  if (!m_violation.empty()) {
    abandon_threads();
    return RunStatus::Violated;
  }

  // Every thread has ended: the root joins them (join happens-before what follows).
  Thread& root = m_threads[ROOT_THREAD];
  for (ThreadId id = 1; id < thread_count; ++id) root.clocks.clock.join(m_threads[id].clocks.clock);
  m_last = ROOT_THREAD;
  record(Event{ROOT_THREAD, 'T', std::memory_order_relaxed, nullptr, 0, {}, 0, 0, 0});
  try {
    model.finish(*this);
  } catch (const Killed&) {
    return RunStatus::Violated;
  }
  return RunStatus::Completed;
}

void Execution::abandon_threads() {
  // Resume each suspended thread once: its pending schedule_point() throws Killed, which
  // unwinds its stack (running destructors) back to the fiber's entry.
  m_killing = true;
  for (ThreadId id = 1; id < m_threads.size(); ++id) {
    if (m_fibers[id - 1]->finished()) continue;
    m_current = id;
    m_fibers[id - 1]->resume();
  }
  m_killing = false;
  m_current = ROOT_THREAD;
}

void Execution::schedule_point() {
  if (m_current != ROOT_THREAD) {
    m_fibers[m_current - 1]->suspend();
    if (m_killing) throw Killed{};
  }
  ++m_steps;
}

uint32_t Execution::pick(uint32_t count, ChoiceKind kind) {
  if (count <= 1) return 0;
  return m_chooser->choose(count, kind);
}

uint32_t Execution::choose(uint32_t count) {
  if (count == 0) fail("choose(0)");
  const uint32_t chosen = pick(count, ChoiceKind::Model);
  Thread& thread = self();
  thread.history.add(static_cast<uint64_t>(Observed::Choice));
  thread.history.add((uint64_t{count} << 32) | chosen);
  record(Event{m_current, 'C', std::memory_order_relaxed, nullptr, 0, {}, count, chosen, 0});
  return chosen;
}

void Execution::fail(std::string message) {
  if (m_violation.empty()) {
    m_violation = m_threads.empty() ? std::move(message)
                                    : "[" + m_threads[m_current].name + "] " + std::move(message);
  }
  throw Killed{};
}

void Execution::note(std::string text) {
  if (!m_tracing) return;
  m_notes.push_back(std::move(text));
  record(
      Event{m_current, 'N', std::memory_order_relaxed, nullptr, 0, {}, 0, 0, m_notes.size() - 1});
}

uint64_t Execution::load_in_step(void* address, size_t size, std::memory_order order,
                                 Access access) {
  Thread& thread = self();
  Location& location = m_memory.location(address, size, access);
  check_owner(location);
  if (const char* race = m_memory.race(location, m_current, thread.clocks, false)) {
    fail(std::string(race) + " on " + location.name);
  }
  m_memory.candidates(location, thread.clocks, m_candidates);
  const auto count = static_cast<uint32_t>(m_candidates.size());
  const uint32_t chosen = pick(count, ChoiceKind::ReadsFrom);
  const Store& store =
      m_memory.load(location, m_candidates[chosen], m_current, thread.clocks, order);
  thread.history.add(static_cast<uint64_t>(Observed::Load));
  thread.history.add(reinterpret_cast<uintptr_t>(address) ^
                     (uint64_t{static_cast<uint8_t>(order)} << 56));
  thread.history.add((uint64_t{store.id.thread} << 32) | store.id.epoch);
  record(Event{m_current, 'L', order, address, store.value, store.id, count, chosen,
               access == Access::Payload ? size_t{1} : size_t{0}});
  return store.value;
}

void Execution::store_in_step(void* address, size_t size, uint64_t value, std::memory_order order,
                              Access access) {
  Thread& thread = self();
  Location& location = m_memory.location(address, size, access);
  check_owner(location);
  if (const char* race = m_memory.race(location, m_current, thread.clocks, true)) {
    fail(std::string(race) + " on " + location.name);
  }
  const Store& store = m_memory.store(location, value, m_current, thread.clocks, order);
  thread.history.add(static_cast<uint64_t>(Observed::Store));
  thread.history.add(reinterpret_cast<uintptr_t>(address) ^
                     (uint64_t{static_cast<uint8_t>(order)} << 56));
  thread.history.add(value);
  record(Event{m_current, 'S', order, address, value, store.id, 1, 0,
               access == Access::Payload ? size_t{1} : size_t{0}});
}

void Execution::check_owner(const Location& location) {
  if (location.owner != Location::NO_OWNER && location.owner != m_current &&
      m_current != ROOT_THREAD) {
    fail("model error: " + location.name + " was declared private to " +
         m_threads[location.owner].name + " (store_private) but is accessed by another thread");
  }
}

void Execution::store_private(void* address, size_t size, uint64_t value, std::memory_order order) {
  Location& location = m_memory.location(address, size, Access::Atomic);
  if (m_current != ROOT_THREAD) {
    if (location.owner == Location::NO_OWNER) {
      // Claiming is only sound if no other thread touched it before in this execution.
      for (ThreadId other = 1; other < m_threads.size(); ++other) {
        if (other != m_current && !location.accesses[other].empty()) {
          fail("model error: store_private to " + location.name +
               ", which another thread already accessed");
        }
      }
      location.owner = m_current;
    }
  }
  store_in_step(address, size, value, order, Access::Atomic);
}

void Execution::fence(std::memory_order order) {
  schedule_point();
  Thread& thread = self();
  ++thread.clocks.clock.time[m_current];
  MemoryModel::fence(thread.clocks, order);
  thread.history.add(static_cast<uint64_t>(Observed::Fence));
  thread.history.add(static_cast<uint64_t>(order));
  record(Event{m_current, 'F', order, nullptr, 0, {}, 0, 0, 0});
}

Hash128 Execution::fingerprint() const {
  Hash128 state;
  for (const Thread& thread : m_threads) state.add(thread.history);
  state.add(m_memory.order_fingerprint().lo);
  state.add(m_memory.order_fingerprint().hi);
  if (m_preemption_bound >= 0) state.add(m_last);
  return state;
}

void Execution::record(const Event& event) { m_events.push_back(event); }

std::string Execution::trace() const {
  std::string out;
  char line[256];
  size_t folded = 0;  // payload accesses with no choice, summarised by the policy's notes
  uint64_t step = 0;
  for (const Event& event : m_events) {
    const std::string& thread = m_threads[event.thread].name;
    const bool payload = (event.kind == 'L' || event.kind == 'S') && event.note == 1;
    if (payload && event.choices <= 1) {
      ++folded;
      continue;
    }
    switch (event.kind) {
      case 'T': (void)std::snprintf(line, sizeof line, "-- %s runs\n", thread.c_str()); break;
      case 'L':
        (void)std::snprintf(line, sizeof line,
                            "  %4" PRIu64 " %-8s load  %-7s %-22s -> 0x%" PRIx64
                            "  (store %s@%u; choice %u of %u)\n",
                            step++, thread.c_str(), order_name(event.order),
                            m_memory.name_of(event.location).c_str(), event.value,
                            m_threads[event.from.thread].name.c_str(), event.from.epoch,
                            event.chosen + 1, event.choices);
        break;
      case 'S':
        (void)std::snprintf(line, sizeof line,
                            "  %4" PRIu64 " %-8s store %-7s %-22s =  0x%" PRIx64 "\n", step++,
                            thread.c_str(), order_name(event.order),
                            m_memory.name_of(event.location).c_str(), event.value);
        break;
      case 'F':
        (void)std::snprintf(line, sizeof line, "  %4" PRIu64 " %-8s fence %s\n", step++,
                            thread.c_str(), order_name(event.order));
        break;
      case 'C':
        (void)std::snprintf(line, sizeof line, "       %-8s choose %u of %u\n", thread.c_str(),
                            event.chosen + 1, event.choices);
        break;
      case 'N':
        (void)std::snprintf(line, sizeof line, "       %-8s | %s\n", thread.c_str(),
                            m_notes[event.note].c_str());
        break;
      default: line[0] = '\0'; break;
    }
    out += line;
  }
  if (folded > 0) {
    out += "  (" + std::to_string(folded) +
           " payload accesses with a single possible value not shown)\n";
  }
  return out;
}

}  // namespace capos::verify
