// verify/bounded/cap_table_explore.cpp — `prove.cap_table`: the CapTable explorer's bounds, and
// its self-test (--self-test) over the broken variants of cap_table_model.h.
#include <cstdint>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "tools/verify_report/evidence.h"
#include "verify/bounded/cap_table_model.h"
#include "verify/bounded/report.h"

namespace capos::verify {
namespace {

constexpr uint64_t state_limit = 200'000'000;

struct CapRun {
  size_t size;
  CapBounds bounds;
};

std::string bound_text(const CapRun& run) {
  std::string text = "table size " + std::to_string(run.size) + ", generations ";
  if (run.bounds.abstract) {
    return text +
           "1..255 (abstracted: 1, 255 and one middle value per slot; every state "
           "re-explored under " +
           std::to_string(run.bounds.rechecks) + " other concretization" +
           (run.bounds.rechecks == 1 ? "" : "s") + " of its middle values), any sequence length";
  }
  const unsigned first = run.bounds.seed_generation == 0 ? 1 : run.bounds.seed_generation;
  text += std::to_string(first) + ".." + std::to_string(run.bounds.max_generation);
  if (run.bounds.seed_generation != 0)
    text += " (from a reachable state, every slot at " + std::to_string(first) + ")";
  return text + ", any sequence length";
}

constexpr CapBounds full_range{255, 0, false, 0};
constexpr CapBounds abstract_range{255, 0, true, 1};

// Sizes 1 and 2 close over the whole 8-bit generation range exactly. Sizes 3 and 4 close over
// the whole range through the generation abstraction (cap_table_abstract.cpp), whose uniformity
// premise is re-checked on every state; --deep re-checks each state under 4 concretizations and
// adds the exact windows at both ends of the range (the earlier default). The two longest runs,
// size 2 and size 4, are ctest entries of their own (--part size2, --part size4), so ctest -j2 runs
// them beside the others.
std::vector<CapRun> runs_for(const std::string& part, bool deep) {
  if (part == "size4") return {{4, abstract_range}};
  if (deep) {
    return {
        {3, {255, 0, true, 4}}, {4, {255, 0, true, 4}}, {3, {8, 0}}, {3, {255, 248}}, {4, {3, 0}},
        {4, {255, 253}}};
  }
  return {{1, full_range}, {3, abstract_range}};
}

// Seed target 1's parts (docs/verification-targets.toml), for one table size; and target 12's
// cap-slots (a full table refuses insert and reserve with Exhausted, nothing changed).
void print_evidence(size_t size) {
  using verify_report::EvidenceKind;
  const std::string scope = "size" + std::to_string(size);
  for (const char* part : {"stale-ids", "live-ids", "retirement", "rollback"}) {
    verify_report::evidence(1, part, EvidenceKind::Proved, scope.c_str());
  }
  verify_report::evidence(12, "cap-slots", EvidenceKind::Proved);
}

const char* const property =
    "cap_table: stale ids never resolve, live ids resolve to their entry, retired stays retired, "
    "rollback restores";

// Size 2 exactly, and the abstraction checked against it: the abstract exploration of the same
// table must reach exactly the abstractions of the concrete states (none missed, none extra).
int prove_size2() {
  print_evidence(2);
  Report report;
  CapTableModel model(2, full_range, CapFault::None);
  std::set<CapKey> concrete;
  const Outcome outcome = explore(
      model, state_limit, [&concrete](const CapKey& key) { concrete.insert(abstract_of(key)); });
  report.exploration(property, bound_text({2, full_range}), outcome);
  CapTableModel abstract(2, abstract_range, CapFault::None);
  std::set<CapKey> reached;
  const Outcome closed =
      explore(abstract, state_limit, [&reached](const CapKey& key) { reached.insert(key); });
  report.exploration(property, bound_text({2, abstract_range}), closed);
  const bool exact = concrete == reached;
  size_t missing = 0;
  for (const CapKey& key : concrete) missing += reached.count(key) == 0 ? 1 : 0;
  report.line(exact, std::string(exact ? "CHECKED" : "MISMATCH") +
                         " generation abstraction at table size 2: the abstract exploration "
                         "reaches " +
                         std::to_string(reached.size()) + " states, the abstractions of the " +
                         std::to_string(outcome.states) + " concrete states are " +
                         std::to_string(concrete.size()) + " (" + std::to_string(missing) +
                         " of them not reached)");
  return report.exit_status();
}

int prove(const std::string& part, bool deep) {
  if (part == "size2") return prove_size2();
  Report report;
  for (const CapRun& run : runs_for(part, deep)) print_evidence(run.size);
  for (const CapRun& run : runs_for(part, deep)) {
    CapTableModel model(run.size, run.bounds, CapFault::None);
    report.exploration(property, bound_text(run), explore(model, state_limit));
  }
  return report.exit_status();
}

int prove_one(const CapRun& run) {
  Report report;
  CapTableModel model(run.size, run.bounds, CapFault::None);
  report.exploration("cap_table", bound_text(run), explore(model, state_limit));
  return report.exit_status();
}

int self_test() {
  Report report(true);
  struct Variant {
    const char* name;
    CapFault fault;
    CapRun run;
  };
  const Variant variants[] = {
      {"missing generation bump on remove", CapFault::MissingGenerationBump, {2, {255, 0}}},
      {"generation wraps instead of retiring", CapFault::GenerationWraps, {2, {255, 250}}},
      {"rollback bumps the generation", CapFault::RollbackBumpsGeneration, {2, {255, 0}}},
      {"lookup ignores the generation", CapFault::LookupIgnoresGeneration, {2, {255, 0}}},
      {"lookup fails at generation 200 (abstraction re-check, size 3)",
       CapFault::LookupRejects200,
       {3, abstract_range}},
  };
  for (const Variant& variant : variants) {
    CapTableModel model(variant.run.size, variant.run.bounds, variant.fault);
    report.broken_variant(std::string("cap_table/") + variant.name, explore(model, state_limit));
  }
  return report.exit_status();
}

}  // namespace
}  // namespace capos::verify

// prove_cap_table [--self-test | --deep | --part size2|size4 | --run SIZE MAX_GENERATION SEED
//                  | --abstract SIZE]
int main(int argc, char** argv) {
  const capos::verify::Options options = capos::verify::parse_options(argc, argv);
  const std::vector<std::string> args(argv + 1, argv + argc);  // NOLINT: the C entry point
  if (args.size() == 2 && args[0] == "--abstract") {
    return capos::verify::prove_one({std::stoul(args[1]), capos::verify::abstract_range});
  }
  if (args.size() == 4 && args[0] == "--run") {
    return capos::verify::prove_one(
        {std::stoul(args[1]),
         {static_cast<uint8_t>(std::stoul(args[2])), static_cast<uint8_t>(std::stoul(args[3]))}});
  }
  if (options.self_test) return capos::verify::self_test();
  const bool part = args.size() == 2 && args[0] == "--part";
  if (part && args[1] != "size2" && args[1] != "size4") {
    std::fprintf(stderr, "prove_cap_table: unknown --part %s\n", args[1].c_str());
    return 2;
  }
  return capos::verify::prove(part ? args[1] : "", options.deep);
}
