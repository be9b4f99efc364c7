// The invocation (kernel/cap/invocation.h) with test objects through the real dispatcher and
// KernelRing: a deferred call completed later exactly once (or cancelled), result caps written
// as SPEC §4 records, pooled objects destroyed by their last RELEASE, pool/quota exhaustion
// reported as `overloaded` / QUOTA with nothing left behind, and the phase rules.
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "lib/core/object_pool.h"
#include "lib/gen/support.h"
#include "lib/ring/user_ring.h"
#include "tests/kernel/cap/dispatch_fixture.h"

namespace capos::kernel::test {
namespace {

// A Timer whose sleep() defers: the test plays the clock by completing the tokens.
class TestTimer final : public CapObject {
 public:
  TestTimer() : CapObject(ObjectKind::Test, gen::Timer::INTERFACE_ID, Lifetime::Pinned) {}
  TestTimer(const TestTimer&) = delete;
  TestTimer& operator=(const TestTimer&) = delete;
  TestTimer(TestTimer&&) = delete;
  TestTimer& operator=(TestTimer&&) = delete;
  ~TestTimer() = default;
  static bool classof(const CapObject& object) { return object.kind() == ObjectKind::Test; }

  struct Sleep {
    uint64_t ns;
  };
  Result<gen::NoPlan> decode_now(Invocation& /*invocation*/,
                                 const gen::Timer::NowParams::Reader& /*params*/,
                                 const gen::Timer::NowResults::Builder& results) {
    results.set_ns(42);
    return gen::NoPlan{};
  }
  void invoke_now(Invocation& /*invocation*/, gen::NoPlan /*plan*/) {}
  Result<Sleep> decode_sleep(Invocation& invocation, const gen::Timer::SleepParams::Reader& params,
                             const gen::Timer::SleepResults::Builder& /*results*/) {
    if (params.get_ns() == 0) {
      return invocation.exception(gen::ExceptionType::InvalidArgument, "sleep(0)");
    }
    return Sleep{params.get_ns()};
  }
  void invoke_sleep(Invocation& invocation, Sleep&& plan) {
    sleepers.push_back(invocation.defer());
    durations.push_back(plan.ns);
  }

  std::vector<CompletionToken> sleepers;
  std::vector<uint64_t> durations;

 private:
  Result<void> decode_methods(Invocation& invocation) override {
    return decode_with<gen::Timer>(*this, invocation);
  }
};

// A counted object from a bounded pool: its last reference returns it there.
class TestMemory;
ObjectPool<TestMemory, 2>& memory_pool();

class TestMemory final : public CapObject {
 public:
  explicit TestMemory(uint64_t pages)
      : CapObject(ObjectKind::Test, gen::MemoryObject::INTERFACE_ID, Lifetime::Counted),
        m_pages(pages) {}
  TestMemory(const TestMemory&) = delete;
  TestMemory& operator=(const TestMemory&) = delete;
  TestMemory(TestMemory&&) = delete;
  TestMemory& operator=(TestMemory&&) = delete;
  ~TestMemory() = default;

  Result<gen::NoPlan> decode_info(Invocation& /*invocation*/,
                                  const gen::MemoryObject::InfoParams::Reader& /*params*/,
                                  const gen::MemoryObject::InfoResults::Builder& results) {
    results.set_page_count(m_pages);
    results.set_page_size(4096);
    return gen::NoPlan{};
  }
  template <typename P, typename R>
  Result<gen::NoPlan> refuse(Invocation& invocation, const P& /*params*/, const R& /*results*/) {
    return invocation.exception(gen::ExceptionType::Unimplemented, "not in this test");
  }
  Result<gen::NoPlan> decode_map(Invocation& i, const gen::MemoryObject::MapParams::Reader& p,
                                 const gen::MemoryObject::MapResults::Builder& r) {
    return refuse(i, p, r);
  }
  Result<gen::NoPlan> decode_unmap(Invocation& i, const gen::MemoryObject::UnmapParams::Reader& p,
                                   const gen::MemoryObject::UnmapResults::Builder& r) {
    return refuse(i, p, r);
  }
  void invoke_info(Invocation& /*invocation*/, gen::NoPlan /*plan*/) {}
  void invoke_map(Invocation& /*invocation*/, gen::NoPlan /*plan*/) {}
  void invoke_unmap(Invocation& /*invocation*/, gen::NoPlan /*plan*/) {}

 private:
  Result<void> decode_methods(Invocation& invocation) override {
    return decode_with<gen::MemoryObject>(*this, invocation);
  }
  void destroy() override { memory_pool().destroy(*this); }
  uint64_t m_pages;
};

ObjectPool<TestMemory, 2>& memory_pool() {
  static ObjectPool<TestMemory, 2> pool;  // NOLINT: shared by the tests of this binary
  return pool;
}

// A FrameAllocator handing out TestMemory objects as result caps; `forget_publish` makes its
// invoke step break the contract (a kernel bug the Invocation catches).
class TestAllocator final : public CapObject {
 public:
  TestAllocator()
      : CapObject(ObjectKind::Test, gen::FrameAllocator::INTERFACE_ID, Lifetime::Pinned) {}
  TestAllocator(const TestAllocator&) = delete;
  TestAllocator& operator=(const TestAllocator&) = delete;
  TestAllocator(TestAllocator&&) = delete;
  TestAllocator& operator=(TestAllocator&&) = delete;
  ~TestAllocator() = default;

  struct Allocation {
    ObjectPool<TestMemory, 2>::Reservation slot;
    uint64_t pages;
  };
  Result<Allocation> allocate(Invocation& invocation, uint64_t pages,
                              const gen::FrameAllocator::AllocFrameResults::Builder* one,
                              const gen::FrameAllocator::AllocContiguousResults::Builder* many) {
    // A shared pool is not the caller's quota: exhausted -> `overloaded` (authority-accounting).
    Result<ObjectPool<TestMemory, 2>::Reservation> slot = memory_pool().reserve();
    if (!slot) return invocation.exception(gen::ExceptionType::Overloaded, "memory pool full");
    TRY(invocation.reserve_result_caps(1));  // the caller's CapSlots: QuotaExceeded -> QUOTA
    if (one != nullptr) one->set_memory(0);  // result cap index 0
    if (many != nullptr) many->set_memory(0);
    return Allocation{std::move(slot).take(), pages};
  }
  Result<Allocation> decode_alloc_frame(
      Invocation& invocation, const gen::FrameAllocator::AllocFrameParams::Reader& /*params*/,
      const gen::FrameAllocator::AllocFrameResults::Builder& results) {
    return allocate(invocation, 1, &results, nullptr);
  }
  Result<Allocation> decode_alloc_contiguous(
      Invocation& invocation, const gen::FrameAllocator::AllocContiguousParams::Reader& params,
      const gen::FrameAllocator::AllocContiguousResults::Builder& results) {
    return allocate(invocation, params.get_count(), nullptr, &results);
  }
  void invoke_alloc_frame(Invocation& invocation, Allocation&& plan) {
    publish(invocation, std::move(plan));
  }
  void invoke_alloc_contiguous(Invocation& invocation, Allocation&& plan) {
    publish(invocation, std::move(plan));
  }
  bool forget_publish = false;

 private:
  void publish(Invocation& invocation, Allocation&& plan) {
    TestMemory& memory = std::move(plan.slot).emplace(plan.pages);
    if (forget_publish) return;
    invocation.publish_result_cap(0, ObjectRef(memory), gen::MemoryObject::INTERFACE_ID, 5);
  }
  Result<void> decode_methods(Invocation& invocation) override {
    return decode_with<gen::FrameAllocator>(*this, invocation);
  }
};

class InvocationTest : public DispatchTest {
 protected:
  InvocationTest()
      : m_user(UserRing<HardwareAtomics>::attach(*m_page, m_user_atomics).take()),
        m_timer_id(insert(m_timer, gen::Timer::INTERFACE_ID)),
        m_allocator_id(insert(m_allocator, gen::FrameAllocator::INTERFACE_ID)) {}

  // Each SQE in flight at once needs params of its own: sleep number `user_data` (< 4) keeps
  // them in page `user_data` of the params area.
  CapSqe sleep(uint64_t ns, uint64_t user_data) {
    CapSqe sqe = call([&](const gen::CallBuffers& buffers) {
      auto fill = [&](const gen::Timer::SleepParams::Builder& params) -> capnp::CapnpResult<void> {
        params.set_ns(ns);
        return {};
      };
      return gen::Timer::Client(m_timer_id).sleep(buffers, user_data, fill);
    });
    const uint64_t own = params_va + (user_data % 4) * page;
    m_space.poke(own, m_space.peek(params_va, sqe.params_len));
    sqe.params_addr = own;
    return sqe;
  }
  CapSqe alloc_frame() {
    return call([&](const gen::CallBuffers& buffers) {
      return gen::FrameAllocator::Client(m_allocator_id).alloc_frame(buffers, 21);
    });
  }

  // Submits through the user side and runs one cap_enter's worth of the ring.
  EntryReport enter(const std::vector<CapSqe>& sqes) {
    for (const CapSqe& sqe : sqes) EXPECT_TRUE(m_user.submit(sqe).has_value());
    RingDispatcher<Memory> dispatcher(caller(), m_memory, *m_scratch);
    return m_ring.enter(dispatcher).take();
  }
  std::vector<CapCqe> reap() {
    std::vector<CapCqe> cqes;
    for (Result<CapCqe> cqe = m_user.reap(); cqe.has_value(); cqe = m_user.reap()) {
      cqes.push_back(*cqe);
    }
    return cqes;
  }

  // The empty results message of Timer.sleep, as an object would build it.
  static std::vector<uint8_t> empty_results() {
    std::vector<uint8_t> bytes(16);
    gen::InPlaceMessage message;
    EXPECT_TRUE(message.start(bytes).has_value());
    EXPECT_TRUE(gen::init_root<gen::Timer::SleepResults>(message.builder()).has_value());
    EXPECT_EQ(message.finish().value_or(0), 16U);
    return bytes;
  }

  HardwareAtomics m_user_atomics;
  UserRing<HardwareAtomics> m_user;
  TestTimer m_timer;
  TestAllocator m_allocator;
  CapId m_timer_id;
  CapId m_allocator_id;
};

TEST_F(InvocationTest, ADeferredCallCompletesLaterExactlyOnce) {
  const EntryReport report = enter({sleep(300, 1), sleep(100, 2)});
  EXPECT_EQ(report.consumed, 2U);
  EXPECT_EQ(report.deferred, 2U);
  EXPECT_EQ(report.completed, 0U);
  EXPECT_EQ(m_ring.deferred(), 2U);
  ASSERT_EQ(m_timer.sleepers.size(), 2U);
  EXPECT_TRUE(reap().empty());  // nothing completes at submission

  // The shorter sleep fires first: completions come back out of order, matched by user_data.
  std::vector<uint8_t> stale(32, 0xaa);
  m_space.poke(result_va, stale);
  std::move(m_timer.sleepers[1]).complete(empty_results());
  EXPECT_FALSE(m_timer.sleepers[1].is_armed());
  std::vector<CapCqe> cqes = reap();
  ASSERT_EQ(cqes.size(), 1U);
  EXPECT_EQ(cqes[0].user_data, 2U);
  EXPECT_EQ(cqes[0].result, 16);
  EXPECT_EQ(result_bytes(16), empty_results());
  EXPECT_EQ(result_bytes(32)[16], 0xaa);  // nothing past the reported length
  EXPECT_EQ(m_ring.deferred(), 1U);

  std::move(m_timer.sleepers[0]).fail(Error::PeerGone);
  cqes = reap();
  ASSERT_EQ(cqes.size(), 1U);
  EXPECT_EQ(cqes[0].user_data, 1U);
  EXPECT_EQ(cqes[0].result, code(Error::PeerGone));
  EXPECT_EQ(m_ring.deferred(), 0U);
  EXPECT_EQ(m_timer.durations, (std::vector<uint64_t>{300, 100}));
}

TEST_F(InvocationTest, ADroppedTokenCancelsItsCallAndAMovedOneOwesNothing) {
  (void)enter({sleep(5, 9)});
  CompletionToken token = std::move(m_timer.sleepers[0]);
  EXPECT_FALSE(m_timer.sleepers[0].is_armed());  // NOLINT(bugprone-use-after-move)
  m_timer.sleepers.clear();                      // the moved-from one posts nothing
  EXPECT_TRUE(reap().empty());
  EXPECT_EQ(m_ring.deferred(), 1U);
  {
    CompletionToken dropped = std::move(token);
  }  // F-013: still answered, as CANCELLED
  const std::vector<CapCqe> cqes = reap();
  ASSERT_EQ(cqes.size(), 1U);
  EXPECT_EQ(cqes[0].user_data, 9U);
  EXPECT_EQ(cqes[0].result, code(Error::Cancelled));
  EXPECT_EQ(m_ring.deferred(), 0U);
}

TEST_F(InvocationTest, ADeferredResultTooLargeForItsWindowIsTooBig) {
  CapSqe small = sleep(5, 4);
  small.result_len = 16;
  (void)enter({small});
  std::vector<uint8_t> big(24, 1);
  std::move(m_timer.sleepers[0]).complete(big);
  const std::vector<CapCqe> cqes = reap();
  ASSERT_EQ(cqes.size(), 1U);
  EXPECT_EQ(cqes[0].result, code(Error::TooBig));
  EXPECT_EQ(m_memory.writes(), 0U);
}

TEST_F(InvocationTest, ACallThatFailsInDecodeIsNeverDeferred) {
  const EntryReport report = enter({sleep(0, 3)});  // sleep(0) is an invalidArgument exception
  EXPECT_EQ(report.deferred, 0U);
  const std::vector<CapCqe> cqes = reap();
  ASSERT_EQ(cqes.size(), 1U);
  EXPECT_EQ(cqes[0].result, code(Error::ApplicationException));
  EXPECT_TRUE(m_timer.sleepers.empty());
}

using InvocationDeathTest = InvocationTest;

TEST_F(InvocationDeathTest, CompletingATokenTwiceIsAKernelBug) {
  EXPECT_DEATH(
      {
        (void)enter({sleep(5, 1)});
        CompletionToken token = std::move(m_timer.sleepers[0]);
        std::move(token).complete({});
        std::move(token).complete({});  // NOLINT(bugprone-use-after-move): the point
      },
      "KASSERT\\(m_sink != nullptr\\)");
}

TEST_F(InvocationTest, ResultCapsAreRecordsAfterThePayload) {
  std::vector<uint8_t> stale(64, 0xaa);
  m_space.poke(result_va, stale);
  const DispatchOutcome outcome = run(alloc_frame());
  ASSERT_EQ(outcome.disposition, Disposition::Complete);
  // Payload (AllocFrameResults: 8 table + 8 root + 8 data = 24 bytes), padding to 24 (already
  // aligned), one 16-byte record.
  EXPECT_EQ(outcome.cqe.result, 40);
  EXPECT_EQ(outcome.cqe.flags, CQE_FLAG_CAPS);
  EXPECT_EQ(outcome.cqe.cap_count, 1U);
  const std::vector<uint8_t> bytes = result_bytes(64);
  const CapId id = load_le<uint32_t>(bytes, 24).take();
  EXPECT_EQ(load_le<uint32_t>(bytes, 28).take(), 0U);
  EXPECT_EQ(load_le<uint64_t>(bytes, 32).take(), gen::MemoryObject::INTERFACE_ID);
  EXPECT_EQ(bytes[40], 0xaa);  // nothing past the reported length

  {
    const ObjectTable::Entry entry = m_caps.lookup(id).take();
    EXPECT_EQ(entry.interface_id, gen::MemoryObject::INTERFACE_ID);
    EXPECT_EQ(entry.badge, 5U);
    EXPECT_EQ(entry.object->references(), 2U);  // the slot and `entry`
  }
  EXPECT_EQ(memory_pool().live_count(), 1U);

  // The payload names the cap by its index (0) in the records.
  capnp::ReaderOptions options;
  options.trailing_bytes = capnp::TrailingBytes::Allow;
  capnp::MessageReader reader(options);
  ASSERT_TRUE(reader.parse(ByteView(bytes).first(24)).has_value());
  EXPECT_EQ(gen::read_root<gen::FrameAllocator::AllocFrameResults>(reader)->get_memory(), 0U);

  // The new cap works, and its last RELEASE returns the object to its pool.
  CapSqe info = call([&](const gen::CallBuffers& buffers) {
    return gen::MemoryObject::Client(id).info(buffers, 1);
  });
  EXPECT_GT(dispatch(info), 0);
  CapSqe release{};
  release.opcode = to_raw(Opcode::Release);
  release.cap_id = id;
  EXPECT_EQ(dispatch(release), 0);
  EXPECT_EQ(memory_pool().live_count(), 0U);
}

TEST_F(InvocationTest, TheLastReferenceOfACountedObjectDestroysIt) {
  ASSERT_EQ(dispatch(alloc_frame()), 40);
  const CapId id = load_le<uint32_t>(result_bytes(40), 24).take();
  ObjectTable::Entry entry = m_caps.lookup(id).take();
  CapObject* object = entry.object.get();
  EXPECT_EQ(object->references(), 2U);                                     // the slot and `entry`
  const CapId copy = insert(*object, gen::MemoryObject::INTERFACE_ID, 6);  // a second cap
  EXPECT_EQ(object->references(), 3U);
  entry = {};
  CapSqe release{};
  release.opcode = to_raw(Opcode::Release);
  release.cap_id = id;
  EXPECT_EQ(dispatch(release), 0);
  EXPECT_EQ(memory_pool().live_count(), 1U);  // the copy keeps it alive
  EXPECT_EQ(object->references(), 1U);
  release.cap_id = copy;
  EXPECT_EQ(dispatch(release), 0);
  EXPECT_EQ(memory_pool().live_count(), 0U);
  EXPECT_EQ(m_ledger.committed(ResourceClass::CapSlots), m_caps.live_count());
}

TEST_F(InvocationTest, ExhaustionLeavesNothingBehindAndSaysWhose) {
  // The caller's CapSlots quota: QUOTA; the pool slot taken in the same decode step comes back.
  ASSERT_TRUE(
      m_ledger.set_limit(ResourceClass::CapSlots, m_ledger.committed(ResourceClass::CapSlots))
          .has_value());
  EXPECT_EQ(dispatch(alloc_frame()), code(Error::QuotaExceeded));
  EXPECT_EQ(memory_pool().live_count() + memory_pool().reserved_count(), 0U);
  ASSERT_TRUE(m_ledger.set_limit(ResourceClass::CapSlots, slot_count).has_value());

  // Results that fit but whose records do not: TOO_BIG after decode, before invoke — no object,
  // no cap, no quota.
  const size_t live = m_caps.live_count();
  CapSqe small = alloc_frame();
  small.result_len = 24;
  EXPECT_EQ(dispatch(small), code(Error::TooBig));
  EXPECT_EQ(m_caps.live_count(), live);
  EXPECT_EQ(memory_pool().live_count() + memory_pool().reserved_count(), 0U);

  // A shared pool (not the caller's quota): an `overloaded` CapException.
  ASSERT_EQ(dispatch(alloc_frame()), 40);
  ASSERT_EQ(dispatch(alloc_frame()), 40);
  EXPECT_EQ(memory_pool().free_count(), 0U);
  EXPECT_EQ(dispatch(alloc_frame()), code(Error::ApplicationException));
  capnp::ReaderOptions options;
  options.trailing_bytes = capnp::TrailingBytes::Allow;
  capnp::MessageReader reader(options);
  const std::vector<uint8_t> bytes = result_bytes(128);
  ASSERT_TRUE(reader.parse(bytes).has_value());
  EXPECT_EQ(gen::read_root<gen::CapException>(reader)->get_type(), gen::ExceptionType::Overloaded);
  for (const ObjectTable::LiveCap cap : m_caps.live()) {
    if (cap.entry.interface_id != gen::MemoryObject::INTERFACE_ID) continue;
    CapSqe release{};
    release.opcode = to_raw(Opcode::Release);
    release.cap_id = cap.id;
    EXPECT_EQ(dispatch(release), 0);
  }
  EXPECT_EQ(memory_pool().live_count(), 0U);
}

TEST_F(InvocationDeathTest, AnInvokeStepThatDropsAReservedResultCapIsAKernelBug) {
  m_allocator.forget_publish = true;
  EXPECT_DEATH((void)run(alloc_frame()), "KASSERT\\(m_published\\[i\\]\\)");
}

TEST_F(InvocationTest, KindsAreToldApartWithoutRtti) {
  EXPECT_EQ(object_cast<ConsoleObject>(m_console), &m_console);
  EXPECT_EQ(object_cast<ConsoleObject>(m_timer), nullptr);
  EXPECT_EQ(object_cast<TestTimer>(m_timer), &m_timer);
  EXPECT_EQ(object_cast<BootPackageObject>(m_manager), nullptr);
  EXPECT_EQ(object_cast<CapabilityManagerObject>(m_manager), &m_manager);
}

}  // namespace
}  // namespace capos::kernel::test
