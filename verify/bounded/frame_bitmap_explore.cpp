// verify/bounded/frame_bitmap_explore.cpp — `prove.frame_bitmap`: the FrameBitmap explorer's
// bounds, and its self-test (--self-test) over the broken variants of frame_bitmap_model.h.
#include <cstdint>
#include <string>
#include <vector>

#include "tools/verify_report/evidence.h"
#include "verify/bounded/frame_bitmap_model.h"
#include "verify/bounded/report.h"

namespace capos::verify {
namespace {

constexpr uint64_t state_limit = 100'000'000;

std::string bound_text(const BitmapConfig& config) {
  if (config.window_size == config.frame_count) {
    return std::to_string(config.frame_count) + " frames, every bitmap";
  }
  return std::to_string(config.frame_count) + " frames, free frames anywhere in [" +
         std::to_string(config.window_first) + ", " +
         std::to_string(config.window_first + config.window_size) + ")";
}

std::vector<BitmapConfig> configurations(bool deep) {
  std::vector<BitmapConfig> configs;
  for (uint64_t frames = 1; frames <= 16; ++frames) configs.push_back({frames, 0, frames});
  // Multi-word bitmaps: windows across a word boundary, at the end of a partial last word and
  // at the end of an exact multiple of 64 frames.
  const uint64_t window = deep ? 16 : 12;
  configs.push_back({128, 64 - window / 2, window});
  configs.push_back({130, 130 - window, window});
  configs.push_back({192, 192 - window, window});
  if (deep) {
    for (uint64_t frames = 17; frames <= 18; ++frames) configs.push_back({frames, 0, frames});
    configs.push_back({256, 128 - window / 2, window});
    configs.push_back({256 - 3, 256 - 3 - window, window});
  }
  return configs;
}

int prove(bool deep) {
  for (const char* part : {"free-count", "no-double-alloc", "alloc-free-restores", "contiguous"}) {
    verify_report::evidence(2, part, verify_report::EvidenceKind::Proved);
  }
  Report report;
  for (const BitmapConfig& config : configurations(deep)) {
    FrameBitmapModel model(config, BitmapFault::None);
    report.exploration(
        "frame_bitmap: free_count exact, no double allocation, alloc+free "
        "restores, contiguous runs free and first-fit",
        bound_text(config), explore(model, state_limit));
  }
  return report.exit_status();
}

// One configuration (--run FRAMES WINDOW_FIRST WINDOW_SIZE), e.g. for a textual mutant.
int prove_one(const BitmapConfig& config) {
  Report report;
  FrameBitmapModel model(config, BitmapFault::None);
  report.exploration("frame_bitmap", bound_text(config), explore(model, state_limit));
  return report.exit_status();
}

int self_test() {
  Report report(true);
  struct Variant {
    const char* name;
    BitmapFault fault;
  };
  const Variant variants[] = {
      {"free() forgets free_count", BitmapFault::FreeForgetsCount},
      {"alloc() loses the bit (double allocation)", BitmapFault::AllocLosesBit},
      {"alloc_contiguous() checks count - 1 frames", BitmapFault::ContiguousOffByOne},
      {"tail bits left clear", BitmapFault::TailBitsClear},
  };
  for (const Variant& variant : variants) {
    FrameBitmapModel model({10, 0, 10}, variant.fault);
    report.broken_variant(std::string("frame_bitmap/") + variant.name, explore(model, state_limit));
  }
  return report.exit_status();
}

}  // namespace
}  // namespace capos::verify

// prove_frame_bitmap [--self-test | --deep | --run FRAMES WINDOW_FIRST WINDOW_SIZE]
int main(int argc, char** argv) {
  const capos::verify::Options options = capos::verify::parse_options(argc, argv);
  const std::vector<std::string> args(argv + 1, argv + argc);  // NOLINT: the C entry point
  if (args.size() == 4 && args[0] == "--run") {
    return capos::verify::prove_one(
        {std::stoull(args[1]), std::stoull(args[2]), std::stoull(args[3])});
  }
  return options.self_test ? capos::verify::self_test() : capos::verify::prove(options.deep);
}
