// verify/bounded/frame_ledger_explore.cpp — `prove.frame_ledger`: the FrameLedger explorer's
// bounds, and its self-test (--self-test) over the broken variants of frame_ledger_model.h.
#include <cstdint>
#include <string>
#include <vector>

#include "tools/verify_report/evidence.h"
#include "verify/bounded/frame_ledger_model.h"
#include "verify/bounded/report.h"

namespace capos::verify {
namespace {

constexpr uint64_t state_limit = 100'000'000;

std::string bound_text(const LedgerBounds& bounds) {
  return "quotas 0.." + std::to_string(bounds.max_limit) + ", amounts 0.." +
         std::to_string(bounds.max_limit + 1) + " and 2^64-1, up to " +
         std::to_string(bounds.max_tokens) + " live tokens, any sequence length";
}

int prove(bool deep) {
  verify_report::evidence(12, "ledger", verify_report::EvidenceKind::Proved);
  Report report;
  std::vector<LedgerBounds> runs = {{4, 3}, {3, 4}};
  if (deep) runs = {{5, 4}, {7, 3}};
  for (const LedgerBounds& bounds : runs) {
    FrameLedgerModel model(bounds, LedgerFault::None);
    report.exploration(
        "frame_ledger: quota never exceeded, reserved = live tokens, balances = "
        "committed sum, exit path empties",
        bound_text(bounds), explore(model, state_limit));
  }
  return report.exit_status();
}

// One bound (--run MAX_LIMIT MAX_TOKENS), e.g. for a textual mutant.
int prove_one(const LedgerBounds& bounds) {
  Report report;
  FrameLedgerModel model(bounds, LedgerFault::None);
  report.exploration("frame_ledger", bound_text(bounds), explore(model, state_limit));
  return report.exit_status();
}

int self_test() {
  Report report(true);
  struct Variant {
    const char* name;
    LedgerFault fault;
  };
  const Variant variants[] = {
      {"commit() keeps the amount reserved", LedgerFault::CommitKeepsReserved},
      {"reserve() off by one", LedgerFault::ReserveOffByOne},
      {"a dropped token leaks its amount", LedgerFault::DropLeaks},
      {"release() without the underflow check", LedgerFault::ReleaseUnchecked},
  };
  for (const Variant& variant : variants) {
    FrameLedgerModel model({2, 2}, variant.fault);
    report.broken_variant(std::string("frame_ledger/") + variant.name, explore(model, state_limit));
  }
  return report.exit_status();
}

}  // namespace
}  // namespace capos::verify

// prove_frame_ledger [--self-test | --deep | --run MAX_LIMIT MAX_TOKENS]
int main(int argc, char** argv) {
  const capos::verify::Options options = capos::verify::parse_options(argc, argv);
  const std::vector<std::string> args(argv + 1, argv + argc);  // NOLINT: the C entry point
  if (args.size() == 3 && args[0] == "--run") {
    return capos::verify::prove_one({std::stoull(args[1]), std::stoul(args[2])});
  }
  return options.self_test ? capos::verify::self_test() : capos::verify::prove(options.deep);
}
