// tools/mkmanifest/input_error.h — the one exception type of mkmanifest's core: the input (JSON,
// a binary under --root, or the output path) was rejected. what() is the complete message a
// user sees after "mkmanifest: ", starting with the JSON path when there is one.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace capos::mkmanifest {

class InputError : public std::runtime_error {
 public:
  explicit InputError(const std::string& message) : std::runtime_error(message) {}
};

// A broken invariant of mkmanifest itself (e.g. libcapnp refused a message we built): a bug,
// reported with exit status 3, never blamed on the input.
class InternalError : public std::runtime_error {
 public:
  explicit InternalError(const std::string& message) : std::runtime_error(message) {}
};

// `text` quoted for a message: printable ASCII kept, `"` and `\` escaped, other bytes as \xNN,
// cut after 64 bytes with "...". Input-derived strings are never printed raw.
std::string quote(std::string_view text);

}  // namespace capos::mkmanifest
