// The explorer's modes: preemption bounds, random mode, replay of a reported trace, choice
// strings, and model-level violations (fail() and capos_panic inside a model thread).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <set>
#include <vector>

#include "lib/core/panic.h"
#include "verify/checker/explore.h"
#include "verify/checker/tests/litmus.h"

namespace capos::verify::litmus {
namespace {

constexpr auto RELAXED = std::memory_order_relaxed;

// Both threads read the other's store only if each store executes before the other's load:
// T0 store, T1 store, then the loads — at least one preemption.
std::vector<Body> crossed_reads() {
  return {
      [](const Ops& ops, Registers& r) {
        ops.store(ops.shared->x, 1, RELAXED);
        r[0] = ops.load(ops.shared->y, RELAXED);
      },
      [](const Ops& ops, Registers& r) {
        ops.store(ops.shared->y, 1, RELAXED);
        r[0] = ops.load(ops.shared->x, RELAXED);
      },
  };
}

TEST(Explore, PreemptionBoundLimitsInterleavings) {
  const std::vector<uint32_t> crossed = {1, UNSET, 1, UNSET};
  Litmus serial(crossed_reads());
  Options bounded;
  bounded.preemption_bound = 0;
  const Outcome zero = explore(serial, bounded);
  EXPECT_TRUE(zero.complete);
  EXPECT_FALSE(serial.outcomes.contains(crossed));

  Litmus one(crossed_reads());
  bounded.preemption_bound = 1;
  const Outcome first = explore(one, bounded);
  EXPECT_TRUE(first.complete);
  EXPECT_TRUE(one.outcomes.contains(crossed));
  EXPECT_LT(zero.stats.states, first.stats.states);
}

// A violation that needs one specific thread order and one specific reads-from choice.
std::vector<Body> racy_message() {
  return {
      [](const Ops& ops, Registers&) {
        ops.write(ops.shared->data, 7);
        ops.store(ops.shared->x, 1, RELAXED);
      },
      [](const Ops& ops, Registers& r) {
        r[0] = ops.load(ops.shared->x, std::memory_order_acquire);
        if (r[0] == 1) r[1] = ops.read(ops.shared->data);
      },
  };
}

TEST(Explore, RandomModeFindsTheRaceAndItsTraceReplays) {
  Litmus model(racy_message());
  Options options;
  options.mode = Mode::Random;
  options.seed = 42;
  options.executions = 10000;
  const Outcome outcome = explore(model, options);
  ASSERT_TRUE(outcome.violation.has_value());
  EXPECT_TRUE(outcome.violation->reproduced);
  EXPECT_NE(outcome.violation->trace.find("store relaxed x"), std::string::npos)
      << outcome.violation->trace;

  Litmus again(racy_message());
  const Outcome replayed = replay(again, outcome.violation->choices, -1);
  ASSERT_TRUE(replayed.violation.has_value());
  EXPECT_EQ(replayed.violation->message, outcome.violation->message);
}

TEST(Explore, ExhaustiveFindsTheRaceWithAReplayableChoiceString) {
  Litmus model(racy_message());
  const Outcome outcome = explore(model, Options{});
  ASSERT_TRUE(outcome.violation.has_value());
  std::vector<uint32_t> parsed;
  ASSERT_TRUE(parse_choices(format_choices(outcome.violation->choices), parsed));
  EXPECT_EQ(parsed, outcome.violation->choices);
  Litmus again(racy_message());
  EXPECT_TRUE(replay(again, parsed, -1).violation.has_value());
}

TEST(Explore, ChoiceStrings) {
  std::vector<uint32_t> choices;
  EXPECT_TRUE(parse_choices("0.12.3", choices));
  EXPECT_EQ(choices, (std::vector<uint32_t>{0, 12, 3}));
  EXPECT_TRUE(parse_choices("-", choices));
  EXPECT_TRUE(choices.empty());
  EXPECT_FALSE(parse_choices("1..2", choices));
  EXPECT_FALSE(parse_choices("1.x", choices));
  EXPECT_FALSE(parse_choices("99999999999", choices));
  EXPECT_EQ(format_choices({4, 0, 1}), "4.0.1");
}

TEST(Explore, ModelFailureAndPanicAreViolations) {
  Litmus failing({
      [](const Ops& ops, Registers& r) {
        r[0] = ops.load(ops.shared->x, RELAXED);
        ops.execution->check(r[0] == 0, "x was written");
      },
      [](const Ops& ops, Registers&) { ops.store(ops.shared->x, 1, RELAXED); },
  });
  const Outcome failed = explore(failing, Options{});
  ASSERT_TRUE(failed.violation.has_value());
  EXPECT_EQ(failed.violation->message, "[t0] x was written");

  Litmus panicking({
      [](const Ops& ops, Registers& r) {
        r[0] = ops.load(ops.shared->x, RELAXED);
        KASSERT(r[0] == 0);
      },
      [](const Ops& ops, Registers&) { ops.store(ops.shared->x, 1, RELAXED); },
  });
  const Outcome panicked = explore(panicking, Options{});
  ASSERT_TRUE(panicked.violation.has_value());
  EXPECT_NE(panicked.violation->message.find("capos_panic: KASSERT(r[0] == 0)"), std::string::npos)
      << panicked.violation->message;
  EXPECT_TRUE(panicked.violation->reproduced);
}

// A private store needs no scheduling point; another thread touching the location is reported.
TEST(Explore, PrivateStoresAreCheckedAndReduceStates) {
  const auto writer = [](bool private_store) {
    return [private_store](const Ops& ops, Registers&) {
      ops.store(ops.shared->x, 1, RELAXED);
      if (private_store) {
        ops.execution->store_private(&ops.shared->y, sizeof ops.shared->y, 2, RELAXED);
      } else {
        ops.store(ops.shared->y, 2, RELAXED);
      }
      ops.store(ops.shared->x, 3, RELAXED);
    };
  };
  const Body reader = [](const Ops& ops, Registers& r) { r[0] = ops.load(ops.shared->x, RELAXED); };
  Litmus shared_store({writer(false), reader});
  Litmus private_store({writer(true), reader});
  const Outcome with_point = explore(shared_store, Options{});
  const Outcome without_point = explore(private_store, Options{});
  EXPECT_TRUE(without_point.complete);
  EXPECT_EQ(shared_store.outcomes, private_store.outcomes);
  EXPECT_LT(without_point.stats.states, with_point.stats.states);

  Litmus misuse({writer(true), [](const Ops& ops, Registers& r) {
                   r[0] = ops.load(ops.shared->x, RELAXED);
                   r[1] = ops.load(ops.shared->y, RELAXED);
                 }});
  const Outcome misused = explore(misuse, Options{});
  ASSERT_TRUE(misused.violation.has_value());
  EXPECT_NE(misused.violation->message.find("model error"), std::string::npos)
      << misused.violation->message;
}

// Model nondeterminism (choose) is explored exhaustively like scheduling.
TEST(Explore, ModelChoicesAreExplored) {
  Litmus model({
      [](const Ops& ops, Registers& r) {
        r[0] = ops.execution->choose(3);
        ops.store(ops.shared->x, r[0], RELAXED);
      },
  });
  const Outcome outcome = explore(model, Options{});
  EXPECT_TRUE(outcome.complete);
  EXPECT_EQ(model.outcomes.size(), 3U);
}

}  // namespace
}  // namespace capos::verify::litmus
