// verify/checker/fiber.h — cooperatively scheduled model threads (a ucontext stack entered
// once, then __builtin_setjmp/longjmp switches), with the annotations ASan and TSan need to
// follow a stack switch.
//
// A Fiber runs model threads on a stack of its own. Exactly one context runs at a time: the
// scheduler (the thread that called resume()) or one fiber; control moves only through
// resume() (scheduler -> fiber) and suspend() (fiber -> scheduler), so the checker decides every
// interleaving. A fiber is reused: once its body has returned, start() gives it the next one
// (the same stack and context keep running a loop, so no stack is set up per execution).
#pragma once

#include <array>
#include <cstddef>
#include <functional>
#include <memory>

#include <ucontext.h>

namespace capos::verify {

class Fiber {
 public:
  explicit Fiber(size_t stack_bytes = size_t{256} * 1024);
  Fiber(const Fiber&) = delete;
  Fiber& operator=(const Fiber&) = delete;
  Fiber(Fiber&&) = delete;
  Fiber& operator=(Fiber&&) = delete;
  ~Fiber();

  // Gives an idle fiber (new, or whose previous body returned) the body it runs from the next
  // resume() until the body returns; control then goes back to the scheduler.
  void start(std::function<void()> body);
  // Scheduler side: runs the fiber until it suspends or its body returns.
  void resume();
  // Fiber side: hands control back to the scheduler; returns at the next resume().
  void suspend();

  [[nodiscard]] bool finished() const { return m_finished; }

 private:
  static void trampoline();
  void switch_to_scheduler(bool final_switch);

  std::unique_ptr<std::byte[]> m_stack;
  size_t m_stack_bytes;
  ucontext_t m_context{};  // the first entry only (makecontext)
  bool m_entered = false;
  // __builtin_setjmp buffers (five words) of the two sides of the switch.
  std::array<void*, 5> m_scheduler_jump{};
  std::array<void*, 5> m_fiber_jump{};
  std::function<void()> m_body;
  bool m_finished = true;
  bool m_launched = false;  // the context is set up and parked in trampoline()'s loop
  bool m_exit = false;      // ~Fiber: leave the loop for good
  // Sanitizer bookkeeping (unused in uninstrumented builds).
  [[maybe_unused]] const void* m_scheduler_stack_bottom = nullptr;
  [[maybe_unused]] size_t m_scheduler_stack_size = 0;
  [[maybe_unused]] void* m_scheduler_fake_stack = nullptr;
  [[maybe_unused]] void* m_fiber_fake_stack = nullptr;
  [[maybe_unused]] void* m_tsan_fiber = nullptr;
  [[maybe_unused]] void* m_tsan_scheduler = nullptr;
};

}  // namespace capos::verify
