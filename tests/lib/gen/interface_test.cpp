// Interfaces of schema/capos.capnp through lib/gen: client stubs build the CALL SQE and params
// that libcapnp decodes; dispatchers route every method id to its handler, reject unknown ids
// with BadMethod and malformed params with the precise wire error, before any handler runs.
#include <capnp/message.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "capos.capnp.h"
#include "lib/capnp/message_reader.h"
#include "lib/core/error.h"
#include "lib/gen/capos.capnp.h"
#include "lib/ring/abi.h"
#include "tests/lib/gen/gen_test_util.h"

namespace capos::gen::test {
namespace {

uint64_t address(const std::vector<uint8_t>& buffer) {
  return static_cast<uint64_t>(reinterpret_cast<uintptr_t>(buffer.data()));
}

// Every CALL SQE field the stub owns; the reserved ones are zero.
void expect_call_sqe(const CapSqe& sqe, uint32_t cap_id, uint16_t method_id, uint64_t user_data,
                     const std::vector<uint8_t>& params, const std::vector<uint8_t>& result) {
  RC_ASSERT(sqe.opcode == to_raw(Opcode::Call));
  RC_ASSERT(sqe.flags == 0);
  RC_ASSERT(sqe.method_id == method_id);
  RC_ASSERT(sqe.cap_id == cap_id);
  RC_ASSERT(sqe.user_data == user_data);
  RC_ASSERT(sqe.params_addr == address(params));
  RC_ASSERT(sqe.params_len >= 16U);
  RC_ASSERT(sqe.params_len <= params.size());
  RC_ASSERT(sqe.result_addr == address(result));
  RC_ASSERT(sqe.result_len == result.size());
  RC_ASSERT(sqe.xfer_addr == 0U);
  RC_ASSERT(sqe.xfer_count == 0U);
  RC_ASSERT(sqe.call_id == 0U);
  RC_ASSERT(sqe.pipeline_dep == 0U);
  RC_ASSERT(sqe.pipeline_field == 0U);
}

std::vector<uint8_t> sent_params(const CapSqe& sqe, const std::vector<uint8_t>& params) {
  return {params.begin(), params.begin() + sqe.params_len};
}

RC_GTEST_PROP(GenClient, ConsoleWriteLineSqeAndParamsDecodeInLibcapnp, ()) {
  const auto line = *rc::gen::container<std::string>(*rc::gen::inRange<size_t>(0, 300),
                                                     rc::gen::arbitrary<char>());
  const auto cap_id = *rc::gen::arbitrary<uint32_t>();
  const auto user_data = *rc::gen::arbitrary<uint64_t>();
  std::vector<uint8_t> params(512, 0xAA);
  std::vector<uint8_t> result(*rc::gen::inRange<size_t>(1, 128));
  const Console::Client client(cap_id);
  const CapSqe sqe = ok(client.write_line(CallBuffers{params, result}, user_data, view(line)));
  expect_call_sqe(sqe, cap_id, 1, user_data, params, result);
  const std::vector<uint8_t> sent = sent_params(sqe, params);
  LibMessage lib(sent);
  const auto decoded = lib.root<::Console::WriteLineParams>();
  RC_ASSERT(lib.consumed_bytes() == sent.size());  // params_len is exactly the message
  RC_ASSERT(decoded.hasText());
  RC_ASSERT(std::string(decoded.getText().cStr(), decoded.getText().size()) == line);
  count_differential_case();
}

RC_GTEST_PROP(GenClient, ProcessSpawnerSpawnWithFillDecodesInLibcapnp, ()) {
  const auto name = *rc::gen::container<std::string>(*rc::gen::inRange<size_t>(0, 40),
                                                     rc::gen::arbitrary<char>());
  const auto binary = *rc::gen::container<std::string>(*rc::gen::inRange<size_t>(0, 40),
                                                       rc::gen::arbitrary<char>());
  struct Grant {
    std::string name;
    uint32_t cap_id;
    uint64_t interface_id;
  };
  std::vector<Grant> grants(*rc::gen::inRange<size_t>(0, 6));
  for (auto& grant : grants) {
    grant = Grant{*rc::gen::container<std::string>(*rc::gen::inRange<size_t>(0, 39),
                                                   rc::gen::arbitrary<char>()),
                  *rc::gen::arbitrary<uint32_t>(), *rc::gen::arbitrary<uint64_t>()};
  }
  std::vector<uint8_t> params(2048);
  std::vector<uint8_t> result(64);
  const ProcessSpawner::Client client(7);
  const CapSqe sqe = ok(client.spawn(
      CallBuffers{params, result}, 99,
      [&](const ProcessSpawner::SpawnParams::Builder& built) -> capnp::CapnpResult<void> {
        TRY(built.set_name(view(name)));
        TRY(built.set_binary_name(view(binary)));
        const auto list = TRY(built.init_grants(static_cast<uint32_t>(grants.size())));
        for (uint32_t i = 0; i < list.size(); ++i) {
          TRY(list.get(i).set_name(view(grants[i].name)));
          list.get(i).set_cap_id(grants[i].cap_id);
          list.get(i).set_interface_id(grants[i].interface_id);
        }
        return {};
      }));
  expect_call_sqe(sqe, 7, 0, 99, params, result);
  const std::vector<uint8_t> sent = sent_params(sqe, params);
  LibMessage lib(sent);
  RC_ASSERT(lib.consumed_bytes() == sent.size());
  const auto decoded = lib.root<::ProcessSpawner::SpawnParams>();
  RC_ASSERT(std::string(decoded.getName().cStr(), decoded.getName().size()) == name);
  RC_ASSERT(std::string(decoded.getBinaryName().cStr(), decoded.getBinaryName().size()) == binary);
  RC_ASSERT(decoded.getGrants().size() == grants.size());
  for (unsigned i = 0; i < grants.size(); ++i) {
    const auto grant = decoded.getGrants()[i];
    RC_ASSERT(std::string(grant.getName().cStr(), grant.getName().size()) == grants[i].name);
    RC_ASSERT(grant.getCapId() == grants[i].cap_id);
    RC_ASSERT(grant.getInterfaceId() == grants[i].interface_id);
  }
  count_differential_case();
}

RC_GTEST_PROP(GenClient, FlatScalarArgumentsAndEmptyParams, ()) {
  const auto hint = *rc::gen::arbitrary<uint64_t>();
  const auto size = *rc::gen::arbitrary<uint64_t>();
  const auto prot = *rc::gen::arbitrary<uint32_t>();
  std::vector<uint8_t> params(128);
  std::vector<uint8_t> result(32);
  const CapSqe map =
      ok(VirtualMemory::Client(3).map(CallBuffers{params, result}, 5, hint, size, prot));
  expect_call_sqe(map, 3, 0, 5, params, result);
  LibMessage lib(sent_params(map, params));
  const auto decoded = lib.root<::VirtualMemory::MapParams>();
  RC_ASSERT(decoded.getHint() == hint);
  RC_ASSERT(decoded.getSize() == size);
  RC_ASSERT(decoded.getProt() == prot);

  const CapSqe now = ok(Timer::Client(4).now(CallBuffers{params, result}, 6));
  expect_call_sqe(now, 4, 0, 6, params, result);
  RC_ASSERT(now.params_len == 16U);  // segment table + root pointer to an empty struct
  LibMessage empty(sent_params(now, params));
  RC_ASSERT(empty.root<::Timer::NowParams>().totalSize().wordCount == 0U);
  count_differential_case();
}

TEST(GenClient, BuffersTooSmallFailWithoutAnSqe) {
  std::vector<uint8_t> tiny(15);
  std::vector<uint8_t> result(8);
  const auto too_small = Timer::Client(1).now(CallBuffers{tiny, result}, 0);
  ASSERT_FALSE(too_small.has_value());
  EXPECT_EQ(too_small.error(), capnp::CapnpError::OutputTooSmall);

  std::vector<uint8_t> small(24);  // table, root pointer, one word: no room for the text
  const std::string line = "a line longer than one word";
  const auto exhausted = Console::Client(1).write_line(CallBuffers{small, result}, 0, view(line));
  ASSERT_FALSE(exhausted.has_value());
  EXPECT_EQ(exhausted.error(), capnp::CapnpError::SegmentsExhausted);
}

// ---- Dispatch.

// The invocation a server sees (the kernel's is kernel/cap/invocation.h): here it only counts
// how often each step ran, so tests can tell decode from invoke.
struct TestCall {
  int decoded = 0;
  int invoked = 0;
};

// The plan of a fake method: its name, recorded in `calls` when the invoke step runs.
struct NamedPlan {
  std::string name;
};

struct FakeVirtualMemory {
  std::vector<std::string> calls;  // invoke steps, in order
  uint64_t last_addr = 0;
  uint64_t last_size = 0;
  uint32_t last_prot = 0;
  Error fail_with = Error{};

  Result<NamedPlan> decode_map(TestCall& call, const VirtualMemory::MapParams::Reader& params,
                               const VirtualMemory::MapResults::Builder& results) {
    ++call.decoded;
    if (fail_with != Error{}) return fail_with;
    last_addr = params.get_hint();
    last_size = params.get_size();
    last_prot = params.get_prot();
    results.set_addr(params.get_hint() ^ 0x5555);
    return NamedPlan{"map"};
  }
  Result<NamedPlan> decode_unmap(TestCall& call, const VirtualMemory::UnmapParams::Reader& params,
                                 const VirtualMemory::UnmapResults::Builder& /*results*/) {
    ++call.decoded;
    last_addr = params.get_addr();
    last_size = params.get_size();
    return NamedPlan{"unmap"};
  }
  Result<NamedPlan> decode_protect(TestCall& call,
                                   const VirtualMemory::ProtectParams::Reader& params,
                                   const VirtualMemory::ProtectResults::Builder& /*results*/) {
    ++call.decoded;
    last_addr = params.get_addr();
    last_size = params.get_size();
    last_prot = params.get_prot();
    return NamedPlan{"protect"};
  }
  void invoke_map(TestCall& call, NamedPlan&& plan) { invoked(call, std::move(plan)); }
  void invoke_unmap(TestCall& call, NamedPlan&& plan) { invoked(call, std::move(plan)); }
  void invoke_protect(TestCall& call, NamedPlan&& plan) { invoked(call, std::move(plan)); }

 private:
  void invoked(TestCall& call, NamedPlan&& plan) {
    ++call.invoked;
    calls.push_back(std::move(plan.name));
  }
};
static_assert(capos::gen::VirtualMemoryServer<FakeVirtualMemory, TestCall>);

// The concept names every method's two steps: a missing method, a decode returning something
// other than Result<Plan>, or an invoke that could fail (returns a Result) is not a server.
struct MissingProtect {
  Result<NoPlan> decode_map(TestCall&, const VirtualMemory::MapParams::Reader&,
                            const VirtualMemory::MapResults::Builder&);
  void invoke_map(TestCall&, NoPlan&&);
  Result<NoPlan> decode_unmap(TestCall&, const VirtualMemory::UnmapParams::Reader&,
                              const VirtualMemory::UnmapResults::Builder&);
  void invoke_unmap(TestCall&, NoPlan&&);
};
static_assert(!capos::gen::VirtualMemoryServer<MissingProtect, TestCall>);
struct FallibleInvoke : MissingProtect {
  Result<NoPlan> decode_protect(TestCall&, const VirtualMemory::ProtectParams::Reader&,
                                const VirtualMemory::ProtectResults::Builder&);
  Result<void> invoke_protect(TestCall&, NoPlan&&);  // invoke must not fail
};
static_assert(!capos::gen::VirtualMemoryServer<FallibleInvoke, TestCall>);
struct VoidDecode : MissingProtect {
  Result<void> decode_protect(TestCall&, const VirtualMemory::ProtectParams::Reader&,
                              const VirtualMemory::ProtectResults::Builder&);  // no plan
  void invoke_protect(TestCall&, NoPlan&&);
};
static_assert(!capos::gen::VirtualMemoryServer<VoidDecode, TestCall>);
struct WrongPlan : MissingProtect {
  Result<NoPlan> decode_protect(TestCall&, const VirtualMemory::ProtectParams::Reader&,
                                const VirtualMemory::ProtectResults::Builder&);
  void invoke_protect(TestCall&, NamedPlan&&);  // not the plan decode returns
};
static_assert(!capos::gen::VirtualMemoryServer<WrongPlan, TestCall>);
struct Complete : MissingProtect {
  Result<NoPlan> decode_protect(TestCall&, const VirtualMemory::ProtectParams::Reader&,
                                const VirtualMemory::ProtectResults::Builder&);
  void invoke_protect(TestCall&, NoPlan&&);
};
static_assert(capos::gen::VirtualMemoryServer<Complete, TestCall>);

struct FakeConsole {
  int calls = 0;  // invoke steps
  std::string last;
  Result<NamedPlan> decode_write(TestCall& call, const Console::WriteParams::Reader& params,
                                 const Console::WriteResults::Builder& /*results*/) {
    ++call.decoded;
    const auto data = params.get_data();
    if (!data) return capnp::to_error(data.error());
    return NamedPlan{text(*data)};
  }
  Result<NamedPlan> decode_write_line(TestCall& call,
                                      const Console::WriteLineParams::Reader& params,
                                      const Console::WriteLineResults::Builder& /*results*/) {
    ++call.decoded;
    const auto line = params.get_text();
    if (!line) return capnp::to_error(line.error());
    return NamedPlan{text(*line)};
  }
  void invoke_write(TestCall& call, NamedPlan&& plan) { invoked(call, std::move(plan)); }
  void invoke_write_line(TestCall& call, NamedPlan&& plan) { invoked(call, std::move(plan)); }

 private:
  void invoked(TestCall& call, NamedPlan&& plan) {
    ++call.invoked;
    ++calls;
    last = std::move(plan.name);
  }
};
static_assert(capos::gen::ConsoleServer<FakeConsole, TestCall>);

RC_GTEST_PROP(GenDispatch, RoutesEachMethodIdToItsHandler, ()) {
  const auto method = *rc::gen::inRange<uint16_t>(0, VirtualMemory::METHOD_COUNT);
  const auto addr = *rc::gen::arbitrary<uint64_t>();
  const auto size = *rc::gen::arbitrary<uint64_t>();
  const auto prot = *rc::gen::arbitrary<uint32_t>();
  ::capnp::MallocMessageBuilder builder(random_first_segment_words(),
                                        ::capnp::AllocationStrategy::GROW_HEURISTICALLY);
  switch (method) {
    case 0: {
      auto p = builder.initRoot<::VirtualMemory::MapParams>();
      p.setHint(addr);
      p.setSize(size);
      p.setProt(prot);
      break;
    }
    case 1: {
      auto p = builder.initRoot<::VirtualMemory::UnmapParams>();
      p.setAddr(addr);
      p.setSize(size);
      break;
    }
    default: {
      auto p = builder.initRoot<::VirtualMemory::ProtectParams>();
      p.setAddr(addr);
      p.setSize(size);
      p.setProt(prot);
      break;
    }
  }
  const std::vector<uint8_t> params = to_bytes(builder);
  std::vector<uint8_t> result(256, 0xEE);
  FakeVirtualMemory server;
  TestCall call;
  const auto length = VirtualMemory::dispatch(server, call, method, view(params), result);
  RC_ASSERT(length.has_value());
  RC_ASSERT(call.decoded == 1 && call.invoked == 1);
  static const char* const NAMES[] = {"map", "unmap", "protect"};
  RC_ASSERT(server.calls == std::vector<std::string>{NAMES[method]});
  RC_ASSERT(server.last_addr == addr);
  RC_ASSERT(server.last_size == size);
  if (method != 1) RC_ASSERT(server.last_prot == prot);
  LibMessage lib(std::vector<uint8_t>(result.begin(), result.begin() + *length));
  RC_ASSERT(lib.consumed_bytes() == *length);
  if (method == 0) RC_ASSERT(lib.root<::VirtualMemory::MapResults>().getAddr() == (addr ^ 0x5555));
  count_differential_case();
}

RC_GTEST_PROP(GenDispatch, UnknownMethodIdsAreBadMethod, ()) {
  const auto method =
      static_cast<uint16_t>(*rc::gen::inRange<uint32_t>(VirtualMemory::METHOD_COUNT, 0x10000));
  ::capnp::MallocMessageBuilder builder;
  builder.initRoot<::VirtualMemory::MapParams>();
  const std::vector<uint8_t> params = to_bytes(builder);
  std::vector<uint8_t> result(64);
  FakeVirtualMemory server;
  TestCall call;
  const auto outcome = VirtualMemory::dispatch(server, call, method, view(params), result);
  RC_ASSERT(!outcome.has_value());
  RC_ASSERT(outcome.error().error == Error::BadMethod);
  RC_ASSERT(outcome.error().stage == DispatchStage::Method);
  RC_ASSERT(server.calls.empty());

  FakeConsole console;  // ClientEndpoint has no methods at all
  const auto none = ClientEndpoint::dispatch(console, call, static_cast<uint16_t>(method % 4),
                                             view(params), result);
  RC_ASSERT(!none.has_value());
  RC_ASSERT(none.error().error == Error::BadMethod);
}

// A plan that counts how often it is dropped while still holding its (pretend) reservation.
int g_plan_drops = 0;  // NOLINT: counted across one test
struct CountingPlan {
  CountingPlan() = default;
  CountingPlan(CountingPlan&& other) noexcept : live(std::exchange(other.live, false)) {}
  CountingPlan(const CountingPlan&) = delete;
  CountingPlan& operator=(const CountingPlan&) = delete;
  CountingPlan& operator=(CountingPlan&&) = delete;
  ~CountingPlan() {
    if (live) ++g_plan_drops;  // a rollback
  }
  bool live = true;
};
struct RollbackConsole {
  Result<CountingPlan> decode_write(TestCall& call, const Console::WriteParams::Reader&,
                                    const Console::WriteResults::Builder&) {
    ++call.decoded;
    return CountingPlan{};
  }
  Result<NoPlan> decode_write_line(TestCall&, const Console::WriteLineParams::Reader&,
                                   const Console::WriteLineResults::Builder&) {
    return NoPlan{};
  }
  void invoke_write(TestCall& call, CountingPlan&& plan) {
    ++call.invoked;
    plan.live = false;  // committed
  }
  void invoke_write_line(TestCall&, NoPlan&&) {}
};

// decode() alone changes nothing but the result buffer; its plan is either consumed by
// invoke() or, dropped, rolled back exactly once — through every move on the way.
TEST(GenDispatch, ADecodedCallIsInvokedOrRolledBackExactlyOnce) {
  ::capnp::MallocMessageBuilder builder;
  builder.initRoot<::Console::WriteParams>().setData(::capnp::Data::Reader(nullptr, 0));
  const std::vector<uint8_t> params = to_bytes(builder);
  std::vector<uint8_t> result(64);
  RollbackConsole server;
  TestCall call;
  g_plan_drops = 0;
  {
    auto decoded = Console::decode(server, call, 0, view(params), result);
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(decoded->index(), 0U);
    EXPECT_EQ(decoded->payload_length(), 16U);  // segment table + empty root struct
    EXPECT_EQ(call.decoded, 1);
  }  // dropped before invoke
  EXPECT_EQ(g_plan_drops, 1);
  EXPECT_EQ(call.invoked, 0);

  g_plan_drops = 0;
  auto decoded = Console::decode(server, call, 0, view(params), result);
  ASSERT_TRUE(decoded.has_value());
  Console::invoke(server, call, std::move(decoded).take());
  EXPECT_EQ(call.invoked, 1);
  EXPECT_EQ(g_plan_drops, 0);  // consumed, not rolled back

  ::capnp::MallocMessageBuilder line_builder;
  line_builder.initRoot<::Console::WriteLineParams>().setText("x");
  const std::vector<uint8_t> line_params = to_bytes(line_builder);
  const auto line = Console::decode(server, call, 1, view(line_params), result);
  ASSERT_TRUE(line.has_value());  // the other method's plan type (NoPlan) in the same union
  EXPECT_EQ(line->index(), 1U);
}

struct MalformedCase {
  const char* name;
  std::vector<uint8_t> bytes;
  capnp::CapnpError wire;
};

std::vector<uint8_t> words(std::initializer_list<uint64_t> values) {
  std::vector<uint8_t> out;
  for (const uint64_t value : values) {
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(value >> (8 * i)));
  }
  return out;
}

TEST(GenDispatch, MalformedParamsFailWithThePreciseRuleBeforeAnyHandler) {
  // Segment table word: (segment count - 1) | (words of segment 0) << 32.
  const std::vector<MalformedCase> cases = {
      {"empty", {}, capnp::CapnpError::TruncatedSegmentTable},
      {"segment past the end", words({uint64_t{4} << 32, 0}),
       capnp::CapnpError::SegmentOutOfBounds},
      {"trailing bytes", words({uint64_t{1} << 32, 0, 0}), capnp::CapnpError::TrailingBytes},
      {"root is a list", words({uint64_t{1} << 32, 0x0000000100000001}),
       capnp::CapnpError::BadPointerKind},
      // Root struct (0 data, 1 pointer) whose text pointer names 64 bytes past the segment.
      {"text out of bounds",
       words(
           {uint64_t{2} << 32, 0x0001000000000000, (uint64_t{64} << 35) | (uint64_t{2} << 32) | 1}),
       capnp::CapnpError::PointerOutOfBounds},
      // A text without its NUL terminator.
      {"text not terminated",
       words({uint64_t{3} << 32, 0x0001000000000000, (uint64_t{8} << 35) | (uint64_t{2} << 32) | 1,
              0x6161616161616161}),
       capnp::CapnpError::TextNotNulTerminated},
  };
  for (const MalformedCase& c : cases) {
    SCOPED_TRACE(c.name);
    FakeConsole server;
    TestCall call;
    std::vector<uint8_t> result(64);
    const auto outcome = Console::dispatch(server, call, 1, view(c.bytes), result);
    ASSERT_FALSE(outcome.has_value());
    EXPECT_EQ(outcome.error().stage, DispatchStage::Params);
    EXPECT_EQ(outcome.error().wire, c.wire) << capnp::capnp_error_name(outcome.error().wire);
    // Whatever rule failed, malformed params are one kind of failure: INVALID on the wire.
    EXPECT_EQ(outcome.error().error, Error::InvalidArgument);
    EXPECT_EQ(call.decoded, 0);
    EXPECT_EQ(server.calls, 0);
  }
}

TEST(GenDispatch, ResultBufferAndHandlerErrorsAreReportedAsSuch) {
  ::capnp::MallocMessageBuilder builder;
  builder.initRoot<::VirtualMemory::MapParams>().setHint(1);
  const std::vector<uint8_t> params = to_bytes(builder);
  FakeVirtualMemory server;
  TestCall call;
  std::vector<uint8_t> tiny(15);
  const auto no_room = VirtualMemory::dispatch(server, call, 0, view(params), tiny);
  ASSERT_FALSE(no_room.has_value());
  EXPECT_EQ(no_room.error().stage, DispatchStage::Results);
  EXPECT_EQ(no_room.error().error, Error::TooBig);
  EXPECT_EQ(no_room.error().wire, capnp::CapnpError::OutputTooSmall);
  EXPECT_EQ(call.decoded, 0);  // the results root must fit before decode runs
  EXPECT_TRUE(server.calls.empty());

  server.fail_with = Error::QuotaExceeded;
  std::vector<uint8_t> result(64);
  const auto failed = VirtualMemory::dispatch(server, call, 0, view(params), result);
  ASSERT_FALSE(failed.has_value());
  EXPECT_EQ(failed.error().stage, DispatchStage::Decode);
  EXPECT_EQ(failed.error().error, Error::QuotaExceeded);
  EXPECT_EQ(failed.error().wire, capnp::CapnpError{});
  EXPECT_EQ(call.decoded, 1);
  EXPECT_EQ(call.invoked, 0);  // a failed decode never reaches invoke
  EXPECT_TRUE(server.calls.empty());
}

// Arbitrary corruption of valid params never reaches a handler with undecodable fields: the
// handler runs only when validation passed, and then every getter succeeds.
RC_GTEST_PROP(GenDispatch, CorruptedParamsEitherFailOrDecodeCompletely, ()) {
  ::capnp::MallocMessageBuilder builder(random_first_segment_words(),
                                        ::capnp::AllocationStrategy::GROW_HEURISTICALLY);
  const auto line = *rc::gen::container<std::string>(*rc::gen::inRange<size_t>(0, 40),
                                                     rc::gen::arbitrary<char>());
  builder.initRoot<::Console::WriteLineParams>().setText(
      ::capnp::Text::Reader(line.data(), line.size()));
  std::vector<uint8_t> params = to_bytes(builder);
  const int flips = *rc::gen::inRange(1, 4);
  for (int i = 0; i < flips; ++i) {
    const auto at = *rc::gen::inRange<size_t>(0, params.size());
    params[at] = *rc::gen::arbitrary<uint8_t>();
  }
  FakeConsole server;
  TestCall call;
  std::vector<uint8_t> result(64);
  const auto outcome = Console::dispatch(server, call, 1, view(params), result);
  if (outcome.has_value()) {
    RC_ASSERT(server.calls == 1);
  } else {
    RC_ASSERT(server.calls == 0);
    RC_ASSERT(call.decoded == 0);
    RC_ASSERT(outcome.error().stage == DispatchStage::Params);
    RC_ASSERT(outcome.error().wire != capnp::CapnpError{});
  }
}

}  // namespace
}  // namespace capos::gen::test
