// verify/bounded/cap_table_explore.cpp — `prove.cap_table`: the CapTable explorer's bounds, and
// its self-test (--self-test) over the broken variants of cap_table_model.h.
#include <cstdint>
#include <string>
#include <vector>

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
  const unsigned first = run.bounds.seed_generation == 0 ? 1 : run.bounds.seed_generation;
  text += std::to_string(first) + ".." + std::to_string(run.bounds.max_generation);
  if (run.bounds.seed_generation != 0)
    text += " (from a reachable state, every slot at " + std::to_string(first) + ")";
  return text + ", any sequence length";
}

// Sizes 1 and 2 close over the whole 8-bit generation range from the empty table (size 2 is
// its own ctest entry, --part size2, being the longest run). Sizes 3 and 4 have 255^n
// generation vectors; they close over the first generations (issue and reuse) and, from a
// reachable state, the last ones (retirement). README.md explains the choice; --deep widens both.
std::vector<CapRun> runs_for(const std::string& part, bool deep) {
  if (part == "size2") return {{2, {255, 0}}};
  if (deep) return {{3, {8, 0}}, {3, {255, 248}}, {4, {3, 0}}, {4, {255, 253}}};
  return {{1, {255, 0}}, {3, {4, 0}}, {3, {255, 252}}, {4, {2, 0}}, {4, {255, 254}}};
}

int prove(const std::string& part, bool deep) {
  Report report;
  for (const CapRun& run : runs_for(part, deep)) {
    CapTableModel model(run.size, run.bounds, CapFault::None);
    report.exploration(
        "cap_table: stale ids never resolve, live ids resolve to their entry, "
        "retired stays retired, rollback restores",
        bound_text(run), explore(model, state_limit));
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
  };
  for (const Variant& variant : variants) {
    CapTableModel model(variant.run.size, variant.run.bounds, variant.fault);
    report.broken_variant(std::string("cap_table/") + variant.name, explore(model, state_limit));
  }
  return report.exit_status();
}

}  // namespace
}  // namespace capos::verify

// prove_cap_table [--self-test | --deep | --part size2 | --run SIZE MAX_GENERATION SEED]
int main(int argc, char** argv) {
  const capos::verify::Options options = capos::verify::parse_options(argc, argv);
  const std::vector<std::string> args(argv + 1, argv + argc);  // NOLINT: the C entry point
  if (args.size() == 4 && args[0] == "--run") {
    return capos::verify::prove_one(
        {std::stoul(args[1]),
         {static_cast<uint8_t>(std::stoul(args[2])), static_cast<uint8_t>(std::stoul(args[3]))}});
  }
  if (options.self_test) return capos::verify::self_test();
  const bool size2 = args.size() == 2 && args[0] == "--part" && args[1] == "size2";
  return capos::verify::prove(size2 ? "size2" : "", options.deep);
}
