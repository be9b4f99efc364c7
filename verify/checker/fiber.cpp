// verify/checker/fiber.cpp — see fiber.h. ASan is told about every stack switch
// (__sanitizer_start/finish_switch_fiber) so it neither reports the fiber stacks as overflows
// nor loses its fake stacks; TSan gets a fiber object per Fiber so each model thread is a
// thread of its own to it, synchronised with the scheduler at every switch.
#include "verify/checker/fiber.h"

#include <cstdio>
#include <cstdlib>
#include <utility>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CAPOS_VERIFY_ASAN 1
#include <sanitizer/common_interface_defs.h>
#endif
#if __has_feature(thread_sanitizer)
#define CAPOS_VERIFY_TSAN 1
#include <sanitizer/tsan_interface.h>
#endif
#endif

namespace capos::verify {

namespace {
// The fiber whose trampoline is about to run (makecontext passes only int arguments).
Fiber* g_starting = nullptr;  // NOLINT(cppcoreguidelines-avoid-non-const-global-variables)
}  // namespace

Fiber::Fiber(size_t stack_bytes)
    : m_stack(std::make_unique<std::byte[]>(stack_bytes)), m_stack_bytes(stack_bytes) {
#ifdef CAPOS_VERIFY_TSAN
  m_tsan_fiber = __tsan_create_fiber(0);
#endif
}

Fiber::~Fiber() {
  if (m_launched && m_finished) {
    // Let the parked trampoline make its final switch, so the sanitizers retire this stack.
    m_exit = true;
    resume();
  }
#ifdef CAPOS_VERIFY_TSAN
  __tsan_destroy_fiber(m_tsan_fiber);
#endif
}

void Fiber::start(std::function<void()> body) {
  if (!m_finished) {
    (void)std::fprintf(stderr, "verify: Fiber::start on a running fiber\n");
    std::abort();
  }
  m_body = std::move(body);
  m_finished = false;
  if (m_launched) return;
  m_launched = true;
  if (getcontext(&m_context) != 0) std::abort();
  m_context.uc_stack.ss_sp = m_stack.get();
  m_context.uc_stack.ss_size = m_stack_bytes;
  m_context.uc_link = nullptr;
  makecontext(&m_context, &Fiber::trampoline, 0);
  // swapcontext never reads uc_stack after makecontext. ASan's swapcontext interceptor does: it
  // clears the shadow of the whole target stack on every switch (and so erases the redzones of
  // the fiber's live frames). The switch annotations below are the precise mechanism, so the
  // stack is hidden from the interceptor.
  m_context.uc_stack.ss_size = 0;
}

void Fiber::trampoline() {
  Fiber* self = g_starting;
#ifdef CAPOS_VERIFY_ASAN
  __sanitizer_finish_switch_fiber(nullptr, &self->m_scheduler_stack_bottom,
                                  &self->m_scheduler_stack_size);
#endif
  while (!self->m_exit) {
    self->m_body();
    self->m_finished = true;
    self->switch_to_scheduler(false);
  }
  self->switch_to_scheduler(true);
  std::abort();  // an exited fiber is never resumed
}

void Fiber::resume() {
  g_starting = this;
#ifdef CAPOS_VERIFY_TSAN
  m_tsan_scheduler = __tsan_get_current_fiber();
  __tsan_switch_to_fiber(m_tsan_fiber, 0);
#endif
#ifdef CAPOS_VERIFY_ASAN
  __sanitizer_start_switch_fiber(&m_scheduler_fake_stack, m_stack.get(), m_stack_bytes);
#endif
  // The scheduler's place is saved with __builtin_setjmp; the fiber comes back to it with
  // __builtin_longjmp. Only the very first entry goes through swapcontext (the saved context is
  // never resumed): unlike swapcontext, the builtins make no sigprocmask system call, which was
  // a fifth of every step.
  if (__builtin_setjmp(m_scheduler_jump.data()) == 0) {
    if (!m_entered) {
      m_entered = true;
      ucontext_t unused{};
      if (swapcontext(&unused, &m_context) != 0) std::abort();
    }
    __builtin_longjmp(m_fiber_jump.data(), 1);
  }
#ifdef CAPOS_VERIFY_ASAN
  __sanitizer_finish_switch_fiber(m_scheduler_fake_stack, nullptr, nullptr);
#endif
}

void Fiber::suspend() { switch_to_scheduler(false); }

void Fiber::switch_to_scheduler(bool final_switch) {
#ifdef CAPOS_VERIFY_TSAN
  __tsan_switch_to_fiber(m_tsan_scheduler, 0);
#endif
#ifdef CAPOS_VERIFY_ASAN
  // A null save slot tells ASan this stack is being left for good.
  __sanitizer_start_switch_fiber(final_switch ? nullptr : &m_fiber_fake_stack,
                                 m_scheduler_stack_bottom, m_scheduler_stack_size);
#else
  (void)final_switch;
#endif
  if (__builtin_setjmp(m_fiber_jump.data()) == 0) __builtin_longjmp(m_scheduler_jump.data(), 1);
#ifdef CAPOS_VERIFY_ASAN
  __sanitizer_finish_switch_fiber(m_fiber_fake_stack, &m_scheduler_stack_bottom,
                                  &m_scheduler_stack_size);
#endif
}

}  // namespace capos::verify
