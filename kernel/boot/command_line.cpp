#include "kernel/boot/command_line.h"

#include <array>
#include <cstddef>

#include "kernel/lib/text.h"

namespace capos::kernel::boot {

namespace {

struct SelfTestName {
  const char* name;
  SelfTest test;
};

constexpr std::array<SelfTestName, 16> self_test_names{{
    {"pagefault", SelfTest::PageFault},
    {"smap", SelfTest::Smap},
    {"smep", SelfTest::Smep},
    {"nx", SelfTest::NoExecute},
    {"wp", SelfTest::WriteProtect},
    {"doublefault", SelfTest::DoubleFault},
    {"panic", SelfTest::Panic},
    {"kernelhalf", SelfTest::KernelHalf},
    {"usercopy", SelfTest::UserCopy},
    {"timer", SelfTest::Timer},
    {"spurious", SelfTest::Spurious},
    {"switch", SelfTest::Switch},
    {"irqswitch", SelfTest::IrqSwitch},
    {"stackguard", SelfTest::StackGuard},
    {"kernelirq", SelfTest::KernelIrq},
    {"bench_switch", SelfTest::BenchSwitch},
}};

Result<void, CommandLineError> apply(std::span<const char> word, BootOptions& options,
                                     bool& seen_self_test, bool& seen_log) {
  std::span<const char> value;
  if (strip_prefix(word, "capos.selftest=", value)) {
    if (seen_self_test) return CommandLineError{CommandLineError::Kind::Duplicate, word};
    seen_self_test = true;
    for (const SelfTestName& entry : self_test_names) {
      if (equals(value, entry.name)) {
        options.self_test = entry.test;
        return {};
      }
    }
    return CommandLineError{CommandLineError::Kind::UnknownValue, word};
  }
  if (strip_prefix(word, "capos.log=", value)) {
    if (seen_log) return CommandLineError{CommandLineError::Kind::Duplicate, word};
    seen_log = true;
    if (equals(value, "info")) {
      options.verbosity = LogVerbosity::Info;
    } else if (equals(value, "debug")) {
      options.verbosity = LogVerbosity::Debug;
    } else {
      return CommandLineError{CommandLineError::Kind::UnknownValue, word};
    }
    return {};
  }
  if (strip_prefix(word, "capos.", value)) {
    return CommandLineError{CommandLineError::Kind::UnknownOption, word};
  }
  return {};  // not ours (e.g. a loader-added word)
}

}  // namespace

const char* describe(CommandLineError::Kind kind) {
  switch (kind) {
    case CommandLineError::Kind::UnknownOption: return "unknown capos.* option";
    case CommandLineError::Kind::UnknownValue: return "unknown value";
    case CommandLineError::Kind::Duplicate: return "option given twice";
  }
  return "unknown error";
}

const char* self_test_name(SelfTest test) {
  for (const SelfTestName& entry : self_test_names) {
    if (entry.test == test) return entry.name;
  }
  return "none";
}

Result<BootOptions, CommandLineError> parse_command_line(std::span<const char> text) {
  BootOptions options;
  bool seen_self_test = false;
  bool seen_log = false;
  size_t position = 0;
  while (position < text.size()) {
    if (text[position] == ' ') {
      ++position;
      continue;
    }
    size_t end = position;
    while (end < text.size() && text[end] != ' ') ++end;
    TRY(apply(text.subspan(position, end - position), options, seen_self_test, seen_log));
    position = end;
  }
  return options;
}

}  // namespace capos::kernel::boot
