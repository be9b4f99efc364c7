// Interfaces, constants, ids and union corner cases of tests/lib/gen/gen_test.capnp through the
// generated code: flat and fill-based client stubs, named param/result structs, empty params,
// an interface without methods, union-group initialisation and unknown discriminants.
#include <capnp/message.h>
#include <capnp/schema.h>
#include <gtest/gtest.h>
#include <kj/exception.h>
#include <rapidcheck/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "gen_test.capnp.h"
#include "lib/capnp/message_reader.h"
#include "lib/core/error.h"
#include "lib/gen/gen_test.capnp.h"
#include "tests/lib/gen/gen_test_util.h"

namespace capos::gen::test {
namespace {

namespace lib = ::gen_test_capnp;

TEST(GenFeatureConstants, MatchLibcapnp) {
  EXPECT_EQ(ANSWER, lib::ANSWER);
  EXPECT_EQ(NEGATIVE, lib::NEGATIVE);
  EXPECT_EQ(ENABLED, lib::ENABLED);
  EXPECT_EQ(std::string(GREETING.begin(), GREETING.end()), lib::GREETING.get().cStr());
  const auto blob = lib::BLOB.get();
  EXPECT_EQ(std::vector<uint8_t>(BLOB.begin(), BLOB.end()),
            std::vector<uint8_t>(blob.begin(), blob.end()));
  EXPECT_EQ(static_cast<uint16_t>(FAVOURITE), static_cast<uint16_t>(lib::FAVOURITE));
  EXPECT_EQ(Everything::Nested::LIMIT, lib::Everything::Nested::LIMIT);
  EXPECT_EQ(GenTestSchema::FILE_ID, ::capnp::Schema::from<lib::Point>().getProto().getScopeId());
}

TEST(GenFeatureIds, TypeIdsAndSizesMatchLibcapnp) {
  EXPECT_EQ(Everything::TYPE_ID, ::capnp::typeId<lib::Everything>());
  EXPECT_EQ(Everything::Settings::TYPE_ID, ::capnp::typeId<lib::Everything::Settings>());
  EXPECT_EQ(Everything::Settings::Mode::TYPE_ID,
            ::capnp::typeId<lib::Everything::Settings::Mode>());
  EXPECT_EQ(Everything::Nested::TYPE_ID, ::capnp::typeId<lib::Everything::Nested>());
  EXPECT_EQ(Calculator::INTERFACE_ID, ::capnp::typeId<lib::Calculator>());
  EXPECT_EQ(Silent::INTERFACE_ID, ::capnp::typeId<lib::Silent>());
  const auto proto = ::capnp::Schema::from<lib::Everything>().getProto().getStruct();
  EXPECT_EQ(Everything::STRUCT_SIZE.data_words, proto.getDataWordCount());
  EXPECT_EQ(Everything::STRUCT_SIZE.pointer_count, proto.getPointerCount());
  EXPECT_EQ(Calculator::METHOD_COUNT, 5);
  EXPECT_EQ(Silent::METHOD_COUNT, 0);
  EXPECT_STREQ(GenTestSchema::method_name(Calculator::INTERFACE_ID, 4), "collect");
  EXPECT_STREQ(GenTestSchema::interface_name(Silent::INTERFACE_ID), "Silent");
}

// Initialising a union group resets its data fields, so bytes another member left behind never
// show through (libcapnp's initGroup semantics).
TEST(GenFeatureUnions, InitGroupResetsTheGroupsData) {
  OurMessage message({4096});
  const auto root = init_root<Everything>(message.builder());
  ASSERT_TRUE(root.has_value());
  root->set_number(0xFFFFFFFF);
  root->set_on(true);
  const auto pair = root->init_pair();
  const std::vector<uint8_t> bytes = message.serialize();
  LibMessage lib(bytes);
  const auto decoded = lib.root<lib::Everything>();
  ASSERT_TRUE(decoded.isPair());
  EXPECT_EQ(decoded.getPair().getLeft(), 5);
  EXPECT_FALSE(decoded.getPair().hasRight());
  (void)pair;
}

TEST(GenFeatureUnions, UnknownDiscriminantsReadAsDefaults) {
  ::capnp::MallocMessageBuilder builder;
  builder.initRoot<lib::Everything>().setNumber(1234);
  const std::vector<uint8_t> bytes = to_bytes(builder);
  // Find the discriminant with libcapnp as the oracle (not a hand-computed offset): the u16
  // whose rewrite to 0x77 makes libcapnp's which() report 0x77.
  std::vector<uint8_t> patched;
  for (size_t at = 16; at + 2 <= bytes.size() && patched.empty(); at += 2) {
    std::vector<uint8_t> candidate = bytes;
    candidate[at] = 0x77;
    candidate[at + 1] = 0;
    try {
      LibMessage lib(candidate);
      if (static_cast<uint16_t>(lib.root<lib::Everything>().which()) == 0x77) patched = candidate;
    } catch (const kj::Exception&) {
      // The rewrite hit a pointer; not the discriminant.
    }
  }
  ASSERT_FALSE(patched.empty());
  capnp::MessageReader reader;
  ASSERT_TRUE(reader.parse(view(patched)).has_value());
  const auto unknown = read_root<Everything>(reader);
  ASSERT_TRUE(unknown.has_value());
  EXPECT_EQ(static_cast<uint16_t>(unknown->which()), 0x77);
  EXPECT_FALSE(is_known(unknown->which()));
  EXPECT_FALSE(unknown->is_number());
  EXPECT_EQ(unknown->get_number(), 0U);  // inactive: the default, not the 1234 still on the wire
  EXPECT_EQ(unknown->get_pair().get_left(), 5);
  EXPECT_FALSE(unknown->has_word());
  EXPECT_TRUE(unknown->validate().has_value());
}

struct Call {};  // the invocation (nothing here: the fake needs no caller)

struct FakeCalculator {
  std::vector<std::string> decoded;  // decode steps
  std::vector<std::string> calls;    // invoke steps
  Result<NoPlan> decode_add(Call& /*call*/, const Calculator::AddParams::Reader& params,
                            const Calculator::AddResults::Builder& results) {
    decoded.emplace_back("add");
    results.set_sum(int64_t{params.get_a()} + int64_t{params.get_b()});
    return NoPlan{};
  }
  Result<NoPlan> decode_describe(Call& /*call*/, const Calculator::DescribeParams::Reader& params,
                                 const Calculator::DescribeResults::Builder& results) {
    decoded.emplace_back("describe");
    const std::string summary = text(*params.get_name()) + "/" +
                                std::to_string(params.get_payload()->size()) + "/" +
                                std::to_string(static_cast<int>(params.get_color())) + "/" +
                                (params.get_loud() ? "loud" : "quiet");
    const auto set = results.set_summary(view(summary));
    if (!set) return capnp::to_error(set.error());
    return NoPlan{};
  }
  Result<NoPlan> decode_submit(Call& /*call*/, const Request::Reader& params,
                               const Shape::Builder& results) {
    decoded.emplace_back("submit");
    const auto target = params.get_target();
    if (!target) return capnp::to_error(target.error());
    results.set_color(target->get_x() > 0 ? Color::Red : Color::Green);
    return NoPlan{};
  }
  Result<NoPlan> decode_reset(Call& /*call*/, const Calculator::ResetParams::Reader& /*params*/,
                              const Calculator::ResetResults::Builder& /*results*/) {
    decoded.emplace_back("reset");
    return NoPlan{};
  }
  Result<NoPlan> decode_collect(Call& /*call*/, const Calculator::CollectParams::Reader& params,
                                const Calculator::CollectResults::Builder& results) {
    decoded.emplace_back("collect");
    const auto points = params.get_points();
    if (!points) return capnp::to_error(points.error());
    results.set_count(points->size());
    const auto out = results.init_points(points->size());
    if (!out) return capnp::to_error(out.error());
    for (uint32_t i = 0; i < points->size(); ++i) {
      out->get(i).set_x(points->get(i)->get_y());
      out->get(i).set_y(points->get(i)->get_x());
    }
    return NoPlan{};
  }
  void invoke_add(Call& /*call*/, NoPlan /*plan*/) { calls.emplace_back("add"); }
  void invoke_describe(Call& /*call*/, NoPlan /*plan*/) { calls.emplace_back("describe"); }
  void invoke_submit(Call& /*call*/, NoPlan /*plan*/) { calls.emplace_back("submit"); }
  void invoke_reset(Call& /*call*/, NoPlan /*plan*/) { calls.emplace_back("reset"); }
  void invoke_collect(Call& /*call*/, NoPlan /*plan*/) { calls.emplace_back("collect"); }
};
static_assert(CalculatorServer<FakeCalculator, Call>);
static_assert(SilentServer<FakeCalculator, Call>);

// Client stub -> params bytes -> dispatcher -> handler -> results bytes, checked by libcapnp at
// both hops.
RC_GTEST_PROP(GenFeatureInterfaces, ClientToDispatcherRoundTrip, ()) {
  std::vector<uint8_t> params(1024);
  std::vector<uint8_t> result(1024);
  const CallBuffers buffers{params, result};
  const Calculator::Client client(11);
  FakeCalculator server;
  Call call;
  const auto method = *rc::gen::inRange<uint16_t>(0, Calculator::METHOD_COUNT);
  CapSqe sqe{};
  const auto a = *rc::gen::arbitrary<int32_t>();
  const auto b = *rc::gen::arbitrary<int32_t>();
  const std::string name = *rc::gen::container<std::string>(*rc::gen::inRange<size_t>(0, 20),
                                                            rc::gen::arbitrary<char>());
  std::vector<std::pair<int32_t, int32_t>> points(*rc::gen::inRange<size_t>(0, 6));
  for (auto& point : points)
    point = {*rc::gen::arbitrary<int32_t>(), *rc::gen::arbitrary<int32_t>()};
  switch (method) {
    case 0: sqe = ok(client.add(buffers, 1, a, b)); break;
    case 1:
      sqe = ok(client.describe(buffers, 1, view(name), view(std::vector<uint8_t>(3)), Color::Blue,
                               true));
      break;
    case 2:
      sqe = ok(
          client.submit(buffers, 1, [&](const Request::Builder& built) -> capnp::CapnpResult<void> {
            TRY(built.init_target()).set_x(a);
            const auto tags = TRY(built.init_tags(1));
            TRY(tags.set(0, view(name)));
            return {};
          }));
      break;
    case 3: sqe = ok(client.reset(buffers, 1)); break;
    default:
      sqe = ok(client.collect(
          buffers, 1,
          [&](const Calculator::CollectParams::Builder& built) -> capnp::CapnpResult<void> {
            const auto list = TRY(built.init_points(static_cast<uint32_t>(points.size())));
            for (uint32_t i = 0; i < list.size(); ++i) {
              list.get(i).set_x(points[i].first);
              list.get(i).set_y(points[i].second);
            }
            return {};
          }));
      break;
  }
  RC_ASSERT(sqe.method_id == method);
  RC_ASSERT(sqe.cap_id == 11U);
  const std::vector<uint8_t> sent(params.begin(), params.begin() + sqe.params_len);
  LibMessage lib_params(sent);
  RC_ASSERT(lib_params.consumed_bytes() == sent.size());
  const auto length = Calculator::dispatch(server, call, sqe.method_id, view(sent), result);
  RC_ASSERT(length.has_value());
  static const char* const NAMES[] = {"add", "describe", "submit", "reset", "collect"};
  RC_ASSERT(server.decoded == std::vector<std::string>{NAMES[method]});
  RC_ASSERT(server.calls == std::vector<std::string>{NAMES[method]});
  LibMessage lib_results(std::vector<uint8_t>(result.begin(), result.begin() + *length));
  switch (method) {
    case 0:
      RC_ASSERT(lib_params.root<lib::Calculator::AddParams>().getA() == a);
      RC_ASSERT(lib_results.root<lib::Calculator::AddResults>().getSum() ==
                int64_t{a} + int64_t{b});
      break;
    case 1: {
      const auto summary = lib_results.root<lib::Calculator::DescribeResults>().getSummary();
      RC_ASSERT(std::string(summary.cStr(), summary.size()) == name + "/3/2/loud");
      break;
    }
    case 2:
      RC_ASSERT(lib_params.root<lib::Request>().getTarget().getX() == a);
      RC_ASSERT(lib_results.root<lib::Shape>().getColor() ==
                (a > 0 ? lib::Color::RED : lib::Color::GREEN));
      break;
    case 3: RC_ASSERT(sqe.params_len == 16U); break;
    default: {
      const auto collected = lib_results.root<lib::Calculator::CollectResults>();
      RC_ASSERT(collected.getCount() == points.size());
      for (unsigned i = 0; i < points.size(); ++i) {
        RC_ASSERT(collected.getPoints()[i].getX() == points[i].second);
        RC_ASSERT(collected.getPoints()[i].getY() == points[i].first);
      }
      break;
    }
  }
  count_differential_case();
}

TEST(GenFeatureInterfaces, MethodlessInterfaceRejectsEveryId) {
  ::capnp::MallocMessageBuilder builder;
  builder.initRoot<lib::Shape>();
  const std::vector<uint8_t> params = to_bytes(builder);
  std::vector<uint8_t> result(64);
  FakeCalculator server;
  Call call;
  for (const uint16_t id : {uint16_t{0}, uint16_t{1}, uint16_t{0xFFFF}}) {
    const auto outcome = Silent::dispatch(server, call, id, view(params), result);
    ASSERT_FALSE(outcome.has_value());
    EXPECT_EQ(outcome.error().error, Error::BadMethod);
  }
  EXPECT_TRUE(server.calls.empty());
}

}  // namespace
}  // namespace capos::gen::test
