// tools/mkmanifest/mkmanifest.h — the whole tool as a library: JSON text + --root → manifest
// bytes, and run() with the exit statuses main() returns. See docs/manifest.md.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "tools/mkmanifest/files.h"

namespace capos::mkmanifest {

inline constexpr int EXIT_WRITTEN = 0;   // the output was written
inline constexpr int EXIT_REJECTED = 1;  // the input or a file was rejected; nothing written
inline constexpr int EXIT_USAGE = 2;     // bad command line; nothing read or written
inline constexpr int EXIT_INTERNAL = 3;  // a bug in mkmanifest; nothing written

// The JSON input is small: binaries are referenced by path, not inlined.
inline constexpr uint64_t MAX_INPUT_BYTES = uint64_t{1} << 20;

struct Options {
  std::string root;    // --root
  std::string output;  // --output
  std::string input;   // the JSON file
};

// The serialized SystemManifest for `json_text`, binaries read from `root`. Throws InputError
// (rejected input) or InternalError.
std::vector<uint8_t> compile_manifest(std::string_view json_text, const RootDirectory& root);

// Reads, compiles and writes; prints one "mkmanifest: ..." line to `errors` on failure.
// Returns one of the EXIT_* statuses. Never throws.
int run(const Options& options, std::ostream& errors);

}  // namespace capos::mkmanifest
